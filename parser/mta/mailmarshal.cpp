// MailMarshal SMTP (Trustwave): Subject "Undeliverable Mail: \"<subject>\"", then "Your message:"
// with its From and Subject, "Could not be delivered because of" and the remote's answer,
// "The following recipients were affected:" with one indented address a line, and an
// "Additional Information" block (Original Sender, Sender-MTA, Remote-MTA, Reporting-MTA).
// Trusts: the subject and the two sentences as fingerprint. Limits: one answer for all
// recipients listed.
#include "parser/mta/mta.hpp"
#include "parser/mta/sections.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes MailMarshal's undeliverable-mail notice.
bool decode_mailmarshal(const mail& m, report& out) {
  if (!istarts_with(trim(m.subject()), "Undeliverable Mail: ")) return false;
  const std::string_view body = m.body_text;
  if (!icontains(body, "Could not be delivered because of") || !icontains(body, "The following recipients were affected:"))
    return false;
  const std::vector<std::string> addresses = addresses_after(body, "The following recipients were affected:");
  if (addresses.empty()) return false;
  const std::string answer = paragraph_after(body, "Could not be delivered because of");
  // "Remote-MTA: <192.0.2.2>" in the Additional Information block.
  std::string rhost;
  const std::size_t remote = ifind(body, "\nRemote-MTA:");
  if (remote != std::string_view::npos) {
    const std::size_t eol = body.find('\n', remote + 1);
    const std::string_view value = trim(body.substr(remote + 12, eol == std::string_view::npos ? std::string_view::npos : eol - remote - 12));
    if (value.size() > 2 && value.front() == '<' && value.back() == '>') rhost = std::string(value.substr(1, value.size() - 2));
  }
  for (const std::string& address : addresses) {
    recipient_report& r = add_recipient(out, address);
    r.diagnostic = "Could not be delivered because of " + answer;
    r.rhost = rhost;
  }
  return true;
}

}  // namespace bounced::parser::mta
