// Ipswitch IMail Server (X-Mailer: <SMTP32 vX>, Subject "Undeliverable Mail"): one line per
// recipient, "<error>: <address>" ("Unknown user: ...", "User mailbox exceeds allowed size: ...")
// or "undeliverable to <address>" followed by "Body of message generated response:" and the
// remote's multi-line answer; "Original message follows." starts the original.
// Trusts: the X-Mailer or the subject together with the original marker as fingerprint.
// Limits: a remote answer belongs to the recipient line before it.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// IMail's own error texts (facts from Sisimai's IMailServer notes).
std::string_view reason_of_phrase(std::string_view diagnostic) {
  if (icontains(diagnostic, "Unknown host")) return "hostunknown";
  if (icontains(diagnostic, "Unknown user") || icontains(diagnostic, "Invalid final delivery userid")) return "userunknown";
  if (icontains(diagnostic, "User mailbox exceeds allowed size")) return "mailboxfull";
  if (icontains(diagnostic, "Requested action not taken: virus detected")) return "virusdetected";
  if (icontains(diagnostic, "Delivery failed ")) return "expired";
  return {};
}

}  // namespace

// Decodes IMail's "Undeliverable Mail" notice.
bool decode_imailserver(const mail& m, report& out) {
  const bool mailer = istarts_with(trim(m.header("X-Mailer")), "<SMTP32 v");
  const std::size_t end = ifind(m.body_text, "Original message follows.");
  if (!mailer && !(istarts_with(trim(m.subject()), "Undeliverable Mail") && end != std::string::npos)) return false;
  const std::string_view notice = std::string_view(m.body_text).substr(0, end);
  recipient_report* current = nullptr;
  bool in_response = false;
  for (std::string_view line : split_lines(notice)) {
    const std::string_view t = trim(line);
    if (t.empty()) continue;
    const std::size_t colon = t.rfind(": ");
    if (!in_response && colon != std::string_view::npos && colon > 8 && looks_like_address(clean_address(t.substr(colon + 2)))) {
      current = &add_recipient(out, clean_address(t.substr(colon + 2)));
      current->diagnostic = std::string(t);
      continue;
    }
    if (istarts_with(t, "undeliverable to ")) {
      const std::string address = find_address(t);
      if (!address.empty()) current = &add_recipient(out, address);
      in_response = false;
      continue;
    }
    if (current == nullptr) continue;
    if (icontains(t, "Body of message generated response:")) {
      in_response = true;
      current->diagnostic = std::string(t);
      continue;
    }
    if (!in_response) continue;
    // "550-REJECTED ..." / "550 DEALS ...": the code once, the text joined.
    std::string_view text = t;
    if (text.size() > 4 && !find_reply_code(text.substr(0, 4)).empty() && (text[3] == '-' || text[3] == ' ')) {
      if (current->reply_code.empty()) current->reply_code = std::string(text.substr(0, 3));
      text = trim(text.substr(4));
    }
    current->diagnostic += ' ';
    current->diagnostic += std::string(text);
  }
  for (auto& r : out.recipients) r.reason_hint = std::string(reason_of_phrase(r.diagnostic));
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
