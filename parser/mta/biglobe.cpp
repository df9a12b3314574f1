// BIGLOBE (biglobe.ne.jp, a Japanese ISP): From postmaster@biglobe.ne.jp, Subject "Returned
// mail: ...", "----- The following addresses had delivery problems -----" with one address a
// line, then "----- Non-delivered information -----" with the reason.
// Trusts: the sender's domain as fingerprint. Limits: one reason paragraph for all recipients.
#include "parser/mta/mta.hpp"
#include "parser/mta/sections.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// BIGLOBE's own sentences for a full mailbox (facts from Sisimai's Biglobe notes).
std::string_view reason_of_phrase(std::string_view diagnostic) {
  if (icontains(diagnostic, "The number of messages in recipient's mailbox exceeded the local limit.") ||
      icontains(diagnostic, "The email size of recipient's mailbox exceeded the local limit."))
    return "mailboxfull";
  return {};
}

}  // namespace

// Decodes BIGLOBE's returned-mail notice.
bool decode_biglobe(const mail& m, report& out) {
  const std::string from = m.from();
  if (!iends_with(from, "@biglobe.ne.jp")) return false;
  const std::string_view notice = m.notice();
  const std::vector<std::string> addresses = addresses_after(notice, "----- The following addresses had delivery problems");
  if (addresses.empty()) return false;
  const std::string reason = paragraph_after(notice, "----- Non-delivered information");
  for (const std::string& address : addresses) {
    recipient_report& r = add_recipient(out, address);
    r.diagnostic = reason;
    r.reason_hint = std::string(reason_of_phrase(reason));
  }
  return true;
}

}  // namespace bounced::parser::mta
