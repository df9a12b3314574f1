// Mail.Ru (mailer-daemon@corp.mail.ru): Exim's bounce with a Russian preamble. The layout is
// Exim's, so the Exim decoder reads it; what differs is how a retry time that ran out reads:
// Mail.Ru states it as a permanent failure ("This is a permanent error"), and Sisimai keeps it
// at 5.0.947 where plain Exim's would be 4.0.947.
// Trusts: the sender's mail.ru domain as fingerprint. Limits: everything else is Exim's.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes Mail.Ru's Exim bounces; tried before the Exim decoder.
bool decode_mailru(const mail& m, report& out) {
  const std::string from = m.from();
  if (!iends_with(from, ".mail.ru") && !iends_with(from, "@mail.ru")) return false;
  if (!decode_exim(m, out)) return false;
  for (recipient_report& r : out.recipients) {
    // Only the retry words with no remote answer: the expiry is final, not a delay's class.
    if (!r.status.empty() || !r.reply_code.empty() || !find_reply_code(r.diagnostic).empty()) continue;
    if (!icontains(r.diagnostic, "retry timeout exceeded")) continue;
    r.status = "5.0.947";
    r.reason_hint = "expired";
  }
  return true;
}

}  // namespace bounced::parser::mta
