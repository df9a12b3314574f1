// Yahoo's own bounce (MAILER-DAEMON@yahoo..., "Failure Notice"): "Sorry, we were unable to
// deliver your message to the following address.", then qmail's "<address>:" blocks, then
// "--- Below this line is a copy of the message.". The error line may start with the remote's
// reply code followed by a colon ("550: 5.2.2 ...") and end with the command in brackets
// ("[RCPT_TO]"). Trusts nothing but the layout; the reason is the classifier's job.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

bool decode_yahoo(const mail& m, report& out) {
  const std::string_view body = m.body_text;
  if (!icontains(body, "Sorry, we were unable to deliver your message to the following address")) return false;
  if (!icontains(m.header("From"), "yahoo") && !icontains(m.subject(), "failure notice")) return false;
  if (read_address_blocks(m.notice(), out) == 0) return false;
  for (auto& r : out.recipients) {
    // Yahoo names the command it was at in brackets: "[RCPT_TO]", "[MAIL_FROM]".
    if (icontains(r.diagnostic, "[RCPT_TO]")) r.command = "RCPT";
    else if (icontains(r.diagnostic, "[MAIL_FROM]")) r.command = "MAIL";
  }
  return true;
}

}  // namespace bounced::parser::mta
