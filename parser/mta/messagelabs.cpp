// MessageLabs / Symantec Email Security.cloud (From MAILER-DAEMON@messagelabs.com): a text part
// ("I was unable to deliver your message to the following addresses:", the address, "Reason:
// ...") and a delivery-status part written as one block (see one_block_dsn.cpp). Its reasons are
// the remote's answers; a few of its own words name the reason (facts from Sisimai's notes).
// Trusts: the sender's domain as fingerprint. Limits: only the delivery-status part is read.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// MessageLabs' own words that state a reason; "" for none.
std::string_view reason_of_words(std::string_view diagnostic) {
  if (icontains(diagnostic, "Please turn on SMTP Authentication")) return "securityerror";
  if (icontains(diagnostic, "No such user") || iends_with(diagnostic, " Rejected")) return "userunknown";
  return {};
}

}  // namespace

// Decodes MessageLabs' bounce.
bool decode_messagelabs(const mail& m, report& out) {
  if (!iends_with(m.from(), "@messagelabs.com")) return false;
  if (!read_one_block_dsn(m, out)) return false;
  for (recipient_report& r : out.recipients) r.reason_hint = std::string(reason_of_words(r.diagnostic));
  return true;
}

}  // namespace bounced::parser::mta
