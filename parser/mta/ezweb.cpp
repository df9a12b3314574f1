// au by KDDI's EZweb mail (ezweb.ne.jp, au.com): "Mail System Error - Returned Mail" from
// Postmaster@ezweb.ne.jp. A Japanese explanation, an English one ("The user(s) account is
// disabled.", "Your message was not delivered within ...", "Each of the following recipients was
// rejected by a remote mail server."), the recipients as "<address>" lines or "Recipient:
// <address>" with the SMTP exchange quoted as ">>> COMMAND" / "<<< reply".
// Trusts: two of sender, subject, EZweb's Received line and Message-ID as fingerprint. Limits:
// the English lines before the original are the diagnostic, shared by the recipients.
#include "parser/mta/mta.hpp"
#include "parser/header.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

bool is_ezweb(const mail& m) {
  int score = 0;
  const std::string from = m.header("From");
  if (icontains(from, "Postmaster@ezweb.ne.jp") || icontains(from, "Postmaster@au.com")) ++score;
  if (trim(m.subject()) == "Mail System Error - Returned Mail") ++score;
  for (const auto& f : m.headers())
    if (iequals(f.name, "Received") && (icontains(f.value, "ezweb.ne.jp (EZweb Mail) with") || icontains(f.value, ".au.com ("))) {
      ++score;
      break;
    }
  const std::string id(trim(m.header("Message-ID")));
  if (iends_with(id, ".ezweb.ne.jp>") || iends_with(id, ".au.com>")) ++score;
  return score >= 2;
}

bool is_8bit(std::string_view line) {
  for (char c : line)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

// EZweb's English sentences that state the reason (facts from Sisimai's EZweb notes).
std::string_view reason_of_phrase(std::string_view diagnostic) {
  if (icontains(diagnostic, "The user(s) account is temporarily over quota")) return "mailboxfull";
  if (icontains(diagnostic, "The user(s) account is disabled.") ||
      icontains(diagnostic, "The user(s) account is temporarily limited."))
    return "suspend";
  if (icontains(diagnostic, "Your message was not delivered within ")) return "expired";
  return {};
}

}  // namespace

// Decodes EZweb's returned-mail notice.
bool decode_ezweb(const mail& m, report& out) {
  if (!is_ezweb(m)) return false;
  std::string_view notice = m.notice();
  const std::size_t rule = notice.find("\n-----------------------------------");
  if (rule != std::string_view::npos) notice = notice.substr(0, rule);
  // EZweb's known sentences and the remote's quoted answer ("<<< 550 ...") make the diagnostic;
  // the other English lines only when there is neither.
  std::string diagnostic, other_lines, command;
  bool continues_known = false;  // the previous line was a known sentence, which may wrap
  for (std::string_view line : split_lines(notice)) {
    const std::string_view t = trim(line);
    const bool continued = continues_known;
    continues_known = false;
    if (t.empty() || is_8bit(t)) continue;
    std::string_view address_part;
    if (t.size() > 1 && t[0] == '<' && t[1] != '<' && t.find('>') != std::string_view::npos)
      address_part = t.substr(0, t.find('>') + 1);
    else if (istarts_with(t, "Recipient: <")) address_part = t.substr(11);
    if (!address_part.empty()) {
      const std::string address = find_address(address_part);
      if (!address.empty()) {
        add_recipient(out, address);
        // "<address>: 550 user unknown" carries the answer on the same line.
        const std::string_view after = trim(t.substr(t.find('>') + 1));
        if (!after.empty() && after.front() == ':') other_lines += std::string(trim(after.substr(1))) + ' ';
        continue;
      }
    }
    if (istarts_with(t, ">>> ")) {
      if (command.empty()) command = find_command("after " + std::string(t.substr(4)));
      continue;
    }
    if (istarts_with(t, "This message is") || istarts_with(t, "The following recipients did not receive")) continue;
    const bool sentence = !reason_of_phrase(t).empty() || icontains(t, "Each of the following recipients was rejected");
    const bool known = sentence || continued || istarts_with(t, "<<< ");
    (known ? diagnostic : other_lines) += std::string(t) + ' ';
    continues_known = sentence && t.back() != '.';
  }
  if (out.recipients.empty()) return false;
  diagnostic = fold_space(diagnostic.empty() ? other_lines : diagnostic);
  // Some EZweb notices carry a message/delivery-status part too: its Status is the code.
  report dsn;
  if (decode_rfc3464(m, dsn))
    for (auto& r : out.recipients)
      for (const auto& d : dsn.recipients)
        if (iequals(d.recipient, r.recipient)) r.status = d.status;
  const bool spam_filtered = iequals(trim(m.header("X-SPASIGN")), "NG");
  for (auto& r : out.recipients) {
    r.diagnostic = diagnostic;
    r.command = command;
    if (spam_filtered) r.reason_hint = "filtered";  // EZweb's spam filter marks what it refused
    else if (command == "RCPT") r.reason_hint = "userunknown";
    else r.reason_hint = std::string(reason_of_phrase(diagnostic));
  }
  return true;
}

}  // namespace bounced::parser::mta
