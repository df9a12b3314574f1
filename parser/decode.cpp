// See decode.hpp. Order of the decoders: ARF complaints, then the MTA formats by fingerprint
// (each may read an RFC 3464 part and add what its own text says), then plain RFC 3464, then
// auto-replies, then the plain-text fallback. A common last step fills what a format leaves
// implicit: status and reply codes from the diagnostic, the original's identity, the date.
#include "parser/decode.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "parser/address.hpp"
#include "parser/charset.hpp"
#include "parser/date.hpp"
#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

const char* to_string(message_kind kind) noexcept {
  switch (kind) {
    case message_kind::dsn: return "dsn";
    case message_kind::feedback: return "feedback";
    case message_kind::auto_reply: return "auto-reply";
    case message_kind::none: break;
  }
  return "none";
}

namespace {

// The enhanced code the remote wrote right after its reply code ("550 5.7.1", "550-'5.2.2"),
// and that reply code's class; "" when the diagnostic pairs none. Bounded by the text.
std::string paired_status(std::string_view text) {
  for (std::size_t i = 0; i + 4 < text.size(); ++i) {
    const char c = text[i];
    if (c != '4' && c != '5') continue;
    if (i > 0 && ((text[i - 1] >= '0' && text[i - 1] <= '9') || text[i - 1] == '.')) continue;
    if (!(text[i + 1] >= '0' && text[i + 1] <= '9') || !(text[i + 2] >= '0' && text[i + 2] <= '9')) continue;
    if (text[i + 3] != ' ' && text[i + 3] != '-') continue;
    std::size_t j = i + 4;
    if (j < text.size() && (text[j] == '\'' || text[j] == '#')) ++j;
    if (j >= text.size() || text[j] != c) continue;  // the classes of both codes agree
    const std::string code = find_status_code(text.substr(j, 12));
    if (!code.empty() && text.substr(j, code.size()) == code) return code;
  }
  return {};
}

// The more specific code wins (MAIL-FACTS: Exim writes Status 5.0.0 while its diagnostic has
// the remote's 5.1.1), provided the class agrees. A code the remote paired with its own reply
// code is its own word and wins over the reporting MTA's guess, as Sisimai reads it.
void refine_status(recipient_report& r) {
  const std::string from_text = find_status_code(r.diagnostic);
  const std::string paired = paired_status(r.diagnostic);
  if (r.status.empty()) {
    // A code the remote paired with its reply code is the remote's; another earlier in the text
    // is the reporting MTA's own reading ("The reason: 5.1.0 - Unknown address error 550-'5.4.1").
    r.status = !paired.empty() && paired.substr(1) != ".0.0" ? paired : from_text;
    return;
  }
  if (!paired.empty() && paired != r.status && paired.substr(1) != ".0.0") {
    r.status = paired;
    return;
  }
  if (from_text.empty() || from_text == r.status) return;
  const bool generic = r.status.size() >= 4 && r.status.substr(1) == ".0.0";
  if (generic && from_text[0] == r.status[0] && from_text.substr(1) != ".0.0") r.status = from_text;
}

std::string default_action(const recipient_report& r) {
  if (r.status.empty()) return {};
  switch (r.status[0]) {
    case '5': return "failed";
    case '4': return "delayed";
    case '2': return "delivered";
    default: return {};
  }
}

std::string lhost_of(const mail& m, const report& out) {
  if (!out.reporting_mta.empty()) return host_of(out.reporting_mta);
  // The "by" host of the newest Received field is the host that wrote the notice.
  const std::string received = m.header("Received");
  const std::size_t by = ifind(received, " by ");
  if (by != std::string::npos) return host_of(std::string_view(received).substr(by + 4));
  return {};
}

// The paragraph of the human-readable text that names address: MTAs explain each recipient's
// failure there (Postfix's "(in reply to RCPT TO command)"), often better than in the DSN.
std::string_view paragraph_naming(std::string_view text, std::string_view address) {
  const std::size_t at = ifind(text, address);
  if (at == std::string_view::npos) return {};
  std::size_t start = text.rfind("\n\n", at);
  start = start == std::string_view::npos ? 0 : start + 2;
  std::size_t end = text.find("\n\n", at);
  if (end == std::string_view::npos) end = text.size();
  return text.substr(start, std::min<std::size_t>(end - start, 4096));
}

// The command named by the first paragraph naming address that names one: the address often
// stands alone in a list first and again in the session transcript below it.
std::string command_near(std::string_view text, std::string_view address) {
  constexpr int max_paragraphs = 8;
  std::size_t from = 0;
  for (int n = 0; n < max_paragraphs && !address.empty() && from < text.size(); ++n) {
    const std::string_view rest = text.substr(from);
    const std::string_view paragraph = paragraph_naming(rest, address);
    if (paragraph.empty()) break;
    std::string command = find_command(paragraph);
    if (!command.empty()) return command;
    from = static_cast<std::size_t>(paragraph.data() - text.data()) + paragraph.size();
    if (from < text.size()) ++from;
  }
  return {};
}

// A local delivery agent's own line in a plain DSN's text (Sendmail's transcript quotes
// "mail.local: unknown user: x"): it states the reason better than the DSN's fields do. The
// agents and their sentences are mta::local_agent_reason's; Dovecot's rejection sentence has its
// own decoder (mta/dovecot.cpp), tried before plain RFC 3464. Returns the line and its reason,
// {"", ""} when no agent speaks; only notices the mailer daemon wrote count.
std::pair<std::string, std::string_view> local_agent_line(const mail& m) {
  const std::string from = to_lower(m.header("From"));
  if (from.find("mailer-daemon") == std::string::npos && from.find("postmaster") == std::string::npos &&
      from.find("mail delivery subsystem") == std::string::npos)
    return {};
  const std::vector<std::string_view> lines = split_lines(m.notice());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (mta::local_agent_name(trim(lines[i])).empty()) continue;
    // The agent's block runs to the next empty line (at most 8 lines).
    for (std::size_t j = i; j < lines.size() && j < i + 8; ++j) {
      const std::string_view said = trim(lines[j]);
      if (said.empty()) break;
      const std::string_view reason = mta::local_agent_reason(said, mta::local_agent_name(trim(lines[i])));
      if (!reason.empty()) return {std::string(said), reason};
    }
    return {};
  }
  return {};
}

// A format decoder that named a recipient but neither its status nor its diagnostic (a notice
// whose text it knows, beside a report it does not read): the report's fields fill the gaps.
void complete_from_report(const mail& m, report& out) {
  if (m.delivery_status == nullptr) return;
  const bool gaps = std::any_of(out.recipients.begin(), out.recipients.end(),
                                [](const recipient_report& r) { return r.status.empty() && r.diagnostic.empty(); });
  if (!gaps) return;
  report dsn;
  if (!decode_rfc3464(m, dsn)) return;
  for (recipient_report& r : out.recipients) {
    if (!r.status.empty() || !r.diagnostic.empty()) continue;
    for (const recipient_report& d : dsn.recipients) {
      if (!iequals(clean_address(d.recipient), clean_address(r.recipient))) continue;
      r.status = d.status;
      r.diagnostic = d.diagnostic;
      if (r.diagnostic_type.empty()) r.diagnostic_type = d.diagnostic_type;
      if (r.reply_code.empty()) r.reply_code = d.reply_code;
      if (r.remote_mta.empty()) r.remote_mta = d.remote_mta;
      if (r.action.empty()) r.action = d.action;
      if (r.last_attempt_date.empty()) r.last_attempt_date = d.last_attempt_date;
      break;
    }
  }
}

// True for an address a mail system uses inside its own network (a top-level name no registry
// hands out: .local, .internal, .lan, .corp...), or none at all (an X.500 name). A domain without
// a dot ("user@mailhub") is kept: it is the final recipient the report names, as Sisimai reads it.
bool internal_address(std::string_view address) {
  const std::string cleaned = clean_address(address);
  const std::size_t at = cleaned.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 >= cleaned.size() || cleaned.find(' ') != std::string::npos) return true;
  const std::string_view domain = std::string_view(cleaned).substr(at + 1);
  if (domain.front() == '[') return false;
  const std::size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos) return false;
  if (normalize_address(cleaned).empty()) return true;  // an X.500 name in an address's clothes
  const std::string_view top = domain.substr(dot + 1);
  static constexpr std::array<std::string_view, 10> internal = {"local", "localdomain", "internal", "lan", "corp", "intranet",
                                                                "home", "localhost", "private", "intra"};
  return std::any_of(internal.begin(), internal.end(), [&](std::string_view t) { return iequals(t, top); });
}

// A recipient the bouncing system names by its own internal address ("jsmith@exchange.local",
// an X.500 name): the address the original was sent to failed, as the report's Original-Recipient
// or the original's addressee with the same local part, or its sole addressee, names it.
void outside_recipient(const mail& m, recipient_report& r) {
  if (!internal_address(r.recipient)) return;
  if (!r.original_recipient.empty() && !internal_address(r.original_recipient) && !normalize_address(r.original_recipient).empty()) {
    r.recipient = normalize_address(r.original_recipient);
    return;
  }
  std::vector<std::string> addressees;
  for (std::string_view name : {"To", "Cc"})
    for (const found_address& f : find_addresses(header_or_empty(m.original_headers, name)))
      if (!internal_address(f.address) && std::find(addressees.begin(), addressees.end(), f.address) == addressees.end())
        addressees.push_back(f.address);
  const std::string normal = normalize_address(r.recipient);
  const std::string_view local = normal.empty() ? std::string_view() : std::string_view(normal).substr(0, normal.rfind('@'));
  for (const std::string& a : addressees)
    if (!local.empty() && iequals(std::string_view(a).substr(0, a.rfind('@')), local)) {
      r.recipient = a;
      return;
    }
  if (addressees.size() == 1) r.recipient = addressees.front();
}

void finish(mail& m, report& out) {
  if (m.original_headers.empty()) {
    // The notice ends where the quoted original starts (found once in load_mail).
    const std::size_t at = m.notice_size;
    if (at < m.body_text.size()) {
      const std::size_t eol = m.body_text.find('\n', at);
      if (eol != std::string::npos) read_inline_original(std::string_view(m.body_text).substr(eol + 1), m);
    }
  }
  out.subject = m.subject();
  out.envelope_from = m.from();
  if (auto date = parse_date(m.header("Date"))) {
    out.timestamp = date->epoch;
    out.timezone_offset = date->offset;
  }
  out.lhost = lhost_of(m, out);
  auto& o = out.original;
  const std::string message_id = header_or_empty(m.original_headers, "Message-ID");
  o.message_id = std::string(trim(message_id));
  if (!o.message_id.empty() && o.message_id.front() == '<') {
    const std::size_t gt = o.message_id.find('>');
    o.message_id = o.message_id.substr(1, gt == std::string::npos ? std::string::npos : gt - 1);
  }
  o.from = find_address(header_or_empty(m.original_headers, "From"));
  if (o.from.empty()) o.from = find_address(header_or_empty(m.original_headers, "Return-Path"));
  if (o.from.empty()) o.from = find_address(m.header("To"));  // the bounce goes back to the sender
  o.to = find_address(header_or_empty(m.original_headers, "To"));
  o.subject = header_or_empty(m.original_headers, "Subject");
  // RFC 2919 2: List-Id: [phrase] "<" list-id ">": the id is what the angle brackets hold; a
  // value without them is taken whole.
  const std::string list_field = header_or_empty(m.original_headers, "List-Id");
  const std::string_view list_header = trim(list_field);
  const std::size_t lt = list_header.rfind('<');
  const std::size_t gt = lt == std::string_view::npos ? lt : list_header.find('>', lt);
  o.list_id = std::string(gt == std::string_view::npos ? list_header : trim(list_header.substr(lt + 1, gt - lt - 1)));
  for (const auto& f : m.original_headers)
    if (istarts_with(f.name, "X-")) o.x_headers.push_back(f);

  // Only a plain DSN defers to a local agent's words: an MTA's own format states its reason.
  const auto [agent_line, agent_reason] =
      out.decoded_by == "RFC3464" ? local_agent_line(m) : std::pair<std::string, std::string_view>{};
  for (auto& r : out.recipients) {
    if (!agent_reason.empty() && r.reason_hint.empty()) {
      r.diagnostic = agent_line;
      r.reason_hint = std::string(agent_reason);
      r.command.clear();
      r.reply_code.clear();
    }
    outside_recipient(m, r);
    r.recipient = clean_address(r.recipient);
    // Decoders cut and join text; whatever they did, what leaves the parser is valid UTF-8.
    r.diagnostic = repair_utf8(fold_space(r.diagnostic));
    refine_status(r);
    // Only a code the SMTP RFCs define, of the status's class, is a reply code (Postfix's "refused
    // to talk to me: 554 ..." with Status 4.0.0 names none): the same test for a decoder's code.
    if (!r.reply_code.empty() && find_defined_reply_code(r.reply_code, r.status) != r.reply_code) r.reply_code.clear();
    if (r.reply_code.empty()) r.reply_code = find_defined_reply_code(r.diagnostic, r.status);
    if (r.reply_code.empty()) r.reply_code = find_labelled_reply_code(r.diagnostic);
    if (r.command.empty()) r.command = find_command(r.diagnostic);
    if (r.command.empty() && out.kind == message_kind::dsn) r.command = command_near(m.notice(), r.recipient);
    // Decided by the recipient's own system: no remote MTA answered (none named, no SMTP command
    // a reply followed), and the notice's writer is of the recipient's organisation or a local
    // delivery agent speaks (X-Unix, X-Postfix).
    if (r.remote_mta.empty() && r.rhost.empty() && r.command.empty() && out.kind == message_kind::dsn) {
      const std::string type = to_lower(r.diagnostic_type);
      const std::string_view writer = !out.lhost.empty() ? std::string_view(out.lhost) : std::string_view(m.from());
      r.local = type == "x-unix" || type == "x-postfix" || type == "x-local" ||
                (!writer.empty() && same_organisation(r.recipient, writer));
    }
    if (r.rhost.empty() && !r.remote_mta.empty()) r.rhost = host_of(r.remote_mta);
    if (r.action.empty() && out.kind == message_kind::dsn) r.action = default_action(r);
    if (r.diagnostic_type.empty() && !r.diagnostic.empty() && out.kind == message_kind::dsn &&
        (!r.reply_code.empty() || !r.command.empty()))
      r.diagnostic_type = "SMTP";
  }
}

}  // namespace

report decode(std::string_view raw) { return decode(raw, decoding_rules::shipped()); }

report decode(std::string_view raw, const decoding_rules& rules) { return decode(raw, rules, decode_options{}); }

report decode(std::string_view raw, const decoding_rules& rules, const decode_options& options) {
  report out;
  mail m = load_mail(raw);
  if (options.fallback_only) {
    if (decode_fallback(m, rules, out)) out.decoded_by = "Fallback";
  } else if (rules.decoders() > 0 && rules.decode_user(m, out)) {
    // The operator's decoders come first: they were written for what the shipped ones got wrong.
    // decoded_by is the decoder's name.
  } else if (out.recipients.clear(), decode_arf(m, out)) {
    out.decoded_by = "ARF";
  } else {
    for (const decoder& d : mta_decoders()) {
      if (d.fn(m, out) && !out.recipients.empty()) {
        out.decoded_by = std::string(d.name);
        complete_from_report(m, out);
        complete_from_notice(m, rules, out);
        break;
      }
      out.recipients.clear();
    }
    if (out.decoded_by.empty()) {
      if (decode_rfc3464(m, out)) {
        out.decoded_by = "RFC3464";
        // A report truncated or malformed past its recipient: the human-readable part tells.
        complete_from_notice(m, rules, out);
      }
      else if (out.recipients.clear(), decode_autoreply(m, out)) out.decoded_by = "RFC3834";
      else if (out.recipients.clear(), decode_fallback(m, rules, out)) out.decoded_by = "Fallback";
    }
  }
  if (out.recipients.empty()) {
    out.kind = message_kind::none;
    out.decoded_by.clear();
    if (m.delivery_status) out.why_not = "a delivery-status part names no recipient";
    else if (looks_like_bounce(m)) out.why_not = "looks like a delivery notice, but no decoder found a recipient in it";
    else out.why_not = "no delivery report, feedback report or auto-reply";
    finish(m, out);
    return out;
  }
  if (out.kind == message_kind::none) out.kind = message_kind::dsn;
  finish(m, out);
  return out;
}

}  // namespace bounced::parser
