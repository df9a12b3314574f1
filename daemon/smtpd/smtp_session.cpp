// See smtp_session.hpp. Reply texts follow Postfix's where one exists, so that MTA logs read the
// same; every reply carries an enhanced status code (RFC 2034, RFC 3463).
#include "daemon/smtpd/smtp_session.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

#include "daemon/log.hpp"
#include "util/text.hpp"

namespace bounced::daemon {

namespace {

using util::iequals;
using util::istarts_with;
using util::trim;

// RFC 5321 4.5.3.1.3: a path is at most 256 octets.
constexpr std::size_t max_path_bytes = 256;

bool plausible_address(std::string_view address) {
  if (address.size() > max_path_bytes) return false;
  bool quoted = false;
  for (std::size_t i = 0; i < address.size(); ++i) {
    const char c = address[i];
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\\' && quoted) {
      // RFC 5321 4.1.2: quoted-pairSMTP, a backslash and one printable ASCII character.
      if (i + 1 >= address.size() || static_cast<unsigned char>(address[i + 1]) < 0x20 ||
          static_cast<unsigned char>(address[i + 1]) > 0x7E)
        return false;
      ++i;
    } else if ((c == ' ' || c == '<' || c == '>') && !quoted) {
      return false;
    }
  }
  return !quoted;
}

std::string_view domain_of(std::string_view address) {
  const std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

}  // namespace

bool split_path(std::string_view arg, std::string& address, std::vector<std::string>& parameters) {
  arg = trim(arg);
  address.clear();
  parameters.clear();
  std::string_view rest;
  if (!arg.empty() && arg.front() == '<') {
    // The closing bracket, skipping quoted parts of the local part ("a>b"@example.com).
    bool quoted = false;
    std::size_t close = std::string_view::npos;
    for (std::size_t i = 1; i < arg.size(); ++i) {
      if (arg[i] == '"') quoted = !quoted;
      else if (arg[i] == '\\' && quoted) ++i;
      else if (arg[i] == '>' && !quoted) {
        close = i;
        break;
      }
    }
    if (close == std::string_view::npos) return false;
    std::string_view inside = arg.substr(1, close - 1);
    // RFC 5321 4.1.2: an obsolete source route ("@a,@b:user@d") is ignored.
    if (!inside.empty() && inside.front() == '@') {
      const std::size_t colon = inside.find(':');
      if (colon == std::string_view::npos) return false;
      inside.remove_prefix(colon + 1);
    }
    address = std::string(inside);
    rest = arg.substr(close + 1);
  } else {
    // Without brackets (sloppy clients; Postfix takes these too): the first word.
    const std::size_t space = arg.find(' ');
    address = std::string(arg.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : arg.substr(space);
    if (address.empty()) return false;
  }
  if (!plausible_address(address)) return false;
  while (!(rest = trim(rest)).empty()) {
    const std::size_t space = rest.find(' ');
    parameters.emplace_back(rest.substr(0, space));
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space);
  }
  return true;
}

smtp_session::smtp_session(mail_protocol protocol, std::string hostname, session_limits limits,
                           std::function<bool(std::string_view)> accepts_domain, bool tls_available)
    : protocol_(protocol),
      hostname_(std::move(hostname)),
      limits_(limits),
      accepts_domain_(std::move(accepts_domain)),
      tls_available_(tls_available) {}

std::string smtp_session::greeting() const {
  return fmt::format("220 {} {} bounced\r\n", hostname_, protocol_ == mail_protocol::lmtp ? "LMTP" : "ESMTP");
}

session_reply smtp_session::error(std::string text) {
  // Postfix's smtpd_hard_error_limit: a client that keeps erring is cut off.
  if (++errors_ >= limits_.errors_per_session)
    return {fmt::format("421 4.7.0 {} Error: too many errors\r\n", hostname_), session_action::close};
  return {std::move(text), session_action::none};
}

session_reply smtp_session::junk(session_reply reply) {
  // Postfix's smtpd_junk_command_limit: commands that move nothing forward cannot hold a
  // connection slot for ever.
  if (++junk_ >= limits_.junk_commands_per_session)
    return {fmt::format("421 4.7.0 {} Error: too many commands that do nothing\r\n", hostname_), session_action::close};
  return reply;
}

void smtp_session::reset_transaction() {
  const std::string helo = std::move(envelope_.helo);
  envelope_ = envelope{};
  envelope_.helo = helo;
  if (state_ != state::fresh) state_ = state::greeted;
}

// The commands, as OpenSMTPD's smtp_session.c keeps them: each with the protocols that have it,
// the states in which it is taken, its handler, and what it answers in any other state. The
// session is never asked for a command in state::data (the server reads the message then).
namespace {
using handler = session_reply (smtp_session::*)(std::string_view verb, std::string_view arg);
}

struct smtp_session::verb_entry {
  std::string_view verb;
  unsigned protocols;  // bits: 1 << mail_protocol
  unsigned states;     // bits: 1 << state
  handler run;         // in one of `states`
  handler refuse;      // in another state
};

namespace {
constexpr unsigned smtp_only = 1u << static_cast<unsigned>(mail_protocol::smtp);
constexpr unsigned lmtp_only = 1u << static_cast<unsigned>(mail_protocol::lmtp);
constexpr unsigned both = smtp_only | lmtp_only;
}  // namespace

constexpr unsigned smtp_session::in(std::initializer_list<state> states) {
  unsigned bits = 0;
  for (const state st : states) bits |= 1u << static_cast<unsigned>(st);
  return bits;
}

const std::array<smtp_session::verb_entry, 18>& smtp_session::verbs() {
  constexpr unsigned any = in({state::fresh, state::greeted, state::mail, state::rcpt});
  static constexpr std::array<verb_entry, 18> table = {{
      {"EHLO", smtp_only, any, &smtp_session::hello, nullptr},
      {"HELO", smtp_only, any, &smtp_session::hello, nullptr},
      {"LHLO", lmtp_only, any, &smtp_session::hello, nullptr},
      {"MAIL", both, in({state::greeted}), &smtp_session::mail, &smtp_session::mail_refused},
      {"RCPT", both, in({state::mail, state::rcpt}), &smtp_session::rcpt, &smtp_session::rcpt_refused},
      {"DATA", both, in({state::rcpt}), &smtp_session::data, &smtp_session::data_refused},
      {"RSET", both, any, &smtp_session::rset, nullptr},
      {"NOOP", both, any, &smtp_session::noop, nullptr},
      {"QUIT", both, any, &smtp_session::quit, nullptr},
      {"VRFY", both, any, &smtp_session::vrfy, nullptr},
      {"STARTTLS", both, in({state::fresh, state::greeted}), &smtp_session::starttls, &smtp_session::starttls},
      {"HELP", both, any, &smtp_session::help, nullptr},
      // Known, and not offered: 502 rather than 500 (RFC 5321 4.2.4).
      {"AUTH", both, any, &smtp_session::not_implemented, nullptr},
      {"BDAT", both, any, &smtp_session::not_implemented, nullptr},
      {"ETRN", both, any, &smtp_session::not_implemented, nullptr},
      {"EXPN", both, any, &smtp_session::not_implemented, nullptr},
      {"TURN", both, any, &smtp_session::not_implemented, nullptr},
      {"XCLIENT", both, any, &smtp_session::not_implemented, nullptr},
  }};
  return table;
}

session_reply smtp_session::command(std::string_view line) {
  line = trim(line);
  const std::size_t space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  const std::string_view arg = space == std::string_view::npos ? std::string_view() : trim(line.substr(space));
  for (const verb_entry& v : verbs()) {
    if (!iequals(verb, v.verb)) continue;
    if (!(v.protocols & (1u << static_cast<unsigned>(protocol_))))
      return error(protocol_ == mail_protocol::lmtp ? "500 5.5.1 Error: this is LMTP, say LHLO\r\n"
                                                    : "500 5.5.1 Error: this is SMTP, say EHLO\r\n");
    const bool allowed = v.states & (1u << static_cast<unsigned>(state_));
    return (this->*(allowed || !v.refuse ? v.run : v.refuse))(v.verb, arg);
  }
  return error("500 5.5.2 Error: command not recognized\r\n");
}

session_reply smtp_session::rset(std::string_view, std::string_view arg) {
  if (!arg.empty()) return error("501 5.5.4 Syntax: RSET\r\n");
  reset_transaction();
  return junk({"250 2.0.0 Ok\r\n"});
}

session_reply smtp_session::noop(std::string_view, std::string_view) { return junk({"250 2.0.0 Ok\r\n"}); }

session_reply smtp_session::quit(std::string_view, std::string_view) { return {"221 2.0.0 Bye\r\n", session_action::close}; }

session_reply smtp_session::vrfy(std::string_view, std::string_view arg) {
  if (arg.empty()) return error("501 5.5.4 Syntax: VRFY address\r\n");
  return junk({"252 2.0.0 Cannot VRFY, but will take the message\r\n"});
}

session_reply smtp_session::help(std::string_view, std::string_view) {
  return junk({"214 2.0.0 See RFC 5321 (SMTP) and RFC 2033 (LMTP)\r\n"});
}

session_reply smtp_session::not_implemented(std::string_view, std::string_view) {
  return error("502 5.5.1 Error: command not implemented\r\n");
}

// The syntax and what TLS allows come before the state, in either case.
session_reply smtp_session::starttls(std::string_view, std::string_view arg) {
  if (!arg.empty()) return error("501 5.5.4 Syntax: STARTTLS\r\n");
  if (tls_on_) return error("554 5.5.1 Error: TLS already active\r\n");
  if (!tls_available_) return error("502 5.5.1 Error: command not implemented\r\n");
  if (state_ == state::mail || state_ == state::rcpt) return error("503 5.5.1 Error: MAIL transaction in progress\r\n");
  return {"220 2.0.0 Ready to start TLS\r\n", session_action::start_tls};
}

session_reply smtp_session::hello(std::string_view verb, std::string_view arg) {
  if (arg.empty() || arg.find(' ') != std::string_view::npos) return error(fmt::format("501 5.5.4 Syntax: {} hostname\r\n", verb));
  // RFC 5321 4.1.4: a new greeting ends any transaction in progress.
  reset_transaction();
  state_ = state::greeted;
  envelope_.helo = std::string(arg.substr(0, 255));
  if (verb == "HELO") return {fmt::format("250 {}\r\n", hostname_)};
  std::vector<std::string> lines = {hostname_, "PIPELINING", fmt::format("SIZE {}", limits_.message_size_bytes),
                                    "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"};
  if (tls_available_ && !tls_on_) lines.emplace_back("STARTTLS");
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) text += fmt::format("250{}{}\r\n", i + 1 < lines.size() ? '-' : ' ', lines[i]);
  return {std::move(text)};
}

session_reply smtp_session::mail_refused(std::string_view, std::string_view) {
  if (state_ == state::fresh)
    return error(fmt::format("503 5.5.1 Error: send {} first\r\n", protocol_ == mail_protocol::lmtp ? "LHLO" : "HELO/EHLO"));
  return error("503 5.5.1 Error: nested MAIL command\r\n");
}

session_reply smtp_session::rcpt_refused(std::string_view, std::string_view) {
  return error("503 5.5.1 Error: need MAIL command\r\n");
}

session_reply smtp_session::data_refused(std::string_view, std::string_view arg) {
  if (!arg.empty()) return error("501 5.5.4 Syntax: DATA\r\n");
  // RFC 2033 4.2: LMTP's DATA without an accepted recipient MUST be 503; SMTP may say 554
  // (RFC 5321 3.3), as Postfix does.
  if (state_ == state::mail)
    return error(protocol_ == mail_protocol::lmtp ? "503 5.5.1 Error: no valid recipients\r\n"
                                                  : "554 5.5.1 Error: no valid recipients\r\n");
  return error("503 5.5.1 Error: need RCPT command\r\n");
}

session_reply smtp_session::mail(std::string_view, std::string_view arg) {
  if (!istarts_with(arg, "FROM:")) return error("501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  std::string address;
  std::vector<std::string> parameters;
  if (!split_path(arg.substr(5), address, parameters)) return error("501 5.1.7 Bad sender address syntax\r\n");
  bool eight_bit = false, smtputf8 = false;
  for (const std::string& p : parameters) {
    const std::size_t eq = p.find('=');
    const std::string_view name = std::string_view(p).substr(0, eq);
    const std::string_view value = eq == std::string::npos ? std::string_view() : std::string_view(p).substr(eq + 1);
    if (iequals(name, "SIZE")) {
      // RFC 1870: the client's estimate; past the limit the message is refused up front.
      std::size_t size = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
      if (ec == std::errc::result_out_of_range) size = static_cast<std::size_t>(-1);  // more than any limit
      else if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        return error("501 5.5.4 Bad SIZE parameter\r\n");
      if (size > limits_.message_size_bytes) return error("552 5.3.4 Message size exceeds fixed limit\r\n");
    } else if (iequals(name, "BODY")) {
      if (iequals(value, "8BITMIME")) eight_bit = true;
      else if (iequals(value, "BINARYMIME")) return error("555 5.5.4 Unsupported option: BODY=BINARYMIME\r\n");
      else if (!iequals(value, "7BIT")) return error("501 5.5.4 Bad BODY parameter\r\n");
    } else if (iequals(name, "SMTPUTF8") && value.empty()) {
      smtputf8 = true;
    } else {
      return error(fmt::format("555 5.5.4 Unsupported option: {}\r\n", printable(name, 64)));
    }
  }
  envelope_.sender = std::move(address);
  envelope_.eight_bit = eight_bit;
  envelope_.smtputf8 = smtputf8;
  state_ = state::mail;
  return {"250 2.1.0 Ok\r\n"};
}

session_reply smtp_session::rcpt(std::string_view, std::string_view arg) {
  if (!istarts_with(arg, "TO:")) return error("501 5.5.4 Syntax: RCPT TO:<address>\r\n");
  std::string address;
  std::vector<std::string> parameters;
  if (!split_path(arg.substr(3), address, parameters) || address.empty())
    return error("501 5.1.3 Bad recipient address syntax\r\n");
  if (!parameters.empty())
    return error(fmt::format("555 5.5.4 Unsupported option: {}\r\n", printable(parameters.front(), 64)));
  if (envelope_.recipients.size() >= limits_.recipients_per_message) return {"452 4.5.3 Error: too many recipients\r\n"};
  const std::string domain = util::to_lower(domain_of(address));
  // RFC 5321 4.5.1: "postmaster" alone is always taken.
  const bool postmaster = domain.empty() && iequals(address, "postmaster");
  if (domain.empty() && !postmaster) return error("501 5.1.3 Bad recipient address syntax\r\n");
  if (!postmaster && !accepts_domain_(domain))
    return error(fmt::format("550 5.7.1 <{}>: Recipient address rejected: not a bounce domain of this server\r\n",
                             printable(address, max_path_bytes)));
  envelope_.recipients.push_back(std::move(address));
  state_ = state::rcpt;
  return {"250 2.1.5 Ok\r\n"};
}

session_reply smtp_session::data(std::string_view verb, std::string_view arg) {
  if (!arg.empty()) return data_refused(verb, arg);
  state_ = state::data;
  return {"354 End data with <CR><LF>.<CR><LF>\r\n", session_action::read_data};
}

session_reply smtp_session::data_done(bool stored, std::string_view queue_id, bool too_big) {
  std::string line;
  if (too_big) line = "552 5.3.4 Error: message file too big";
  else if (stored) line = fmt::format("250 2.0.0 Ok: queued as {}", queue_id);
  else line = "451 4.3.0 Error: could not store the message, try again later";
  if (stored && !too_big) errors_ = junk_ = 0;  // as Postfix's smtpd: the limits count until mail is delivered
  std::string text;
  if (protocol_ == mail_protocol::lmtp) {
    // RFC 2033 4.2: one reply per accepted recipient, in RCPT order.
    for (const std::string& rcpt : envelope_.recipients)
      text += fmt::format("{} <{}>\r\n", line, rcpt);
  } else {
    text = line + "\r\n";
  }
  reset_transaction();
  return {std::move(text)};
}

session_reply smtp_session::line_too_long() { return error("500 5.5.2 Error: line too long\r\n"); }

session_reply smtp_session::bare_newline() { return error("500 5.5.2 Error: bare <LF> received\r\n"); }

session_reply smtp_session::shutting_down() const {
  return {fmt::format("421 4.3.2 {} Service shutting down, closing transmission channel\r\n", hostname_), session_action::close};
}

session_reply smtp_session::timed_out() const {
  return {fmt::format("421 4.4.2 {} Error: timeout exceeded\r\n", hostname_), session_action::close};
}

void smtp_session::tls_started() {
  tls_on_ = true;
  envelope_ = envelope{};
  state_ = state::fresh;
}

void data_reader::keep(std::string_view bytes) {
  size_ += bytes.size();
  if (too_big_) return;
  if (message_.size() + bytes.size() > max_bytes_) {
    too_big_ = true;
    std::string().swap(message_);
    return;
  }
  message_.append(bytes);
}

std::size_t data_reader::feed(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && !done_) {
    const char c = bytes[i];
    if (line_start_) {
      line_start_ = false;
      if (c == '.') {  // held until the next byte says what it is
        dot_ = 1;
        ++i;
        continue;
      }
    }
    if (dot_ == 1) {
      if (c == '\r') {
        dot_ = 2;
        ++i;
        continue;
      }
      // RFC 5321 4.5.2: a line starting with a dot had one added; it is dropped.
      dot_ = 0;
      last_ = '.';
    } else if (dot_ == 2) {
      dot_ = 0;
      if (c == '\n') {  // <CRLF>.<CRLF>: the end
        done_ = true;
        ++i;
        break;
      }
      keep("\r");  // ".\r" then more: the stuffed dot goes, the CR stays
      last_ = '\r';
    }
    // The rest of the line at once. Only CRLF ends a line (RFC 5321 2.3.8): after a bare LF a
    // dot is data, so "\n.\r\n" inside a message never ends it (no SMTP smuggling).
    const std::size_t nl = bytes.find('\n', i);
    const std::size_t end = nl == std::string_view::npos ? bytes.size() : nl + 1;
    keep(bytes.substr(i, end - i));
    if (nl != std::string_view::npos) line_start_ = (nl > i ? bytes[nl - 1] : last_) == '\r';
    last_ = bytes[end - 1];
    i = end;
  }
  return i;
}

}  // namespace bounced::daemon
