// Amazon SES's receiving side: a receipt rule's "Bounce" action refuses a message with one of
// the templates the rule's owner picks ("Mailbox does not exist", "Message too large", "Mailbox
// full", "Message content rejected", ...), sent as an RFC 3464 report after the line "This
// message could not be delivered." from SES's outgoing hosts (X-SES-Outgoing).
// The template names the owner's verdict, not a remote's: "Mailbox does not exist" is a rule that
// refused the message (filtered, as Sisimai reads it), the others name their cause. Trusts: the
// X-SES-Outgoing header with the notice's sentence and a delivery-status part. Limits: the
// fields are read as any RFC 3464 report; a text no template matches gets no hint.
#include <utility>

#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// The reason a receipt rule's bounce template states; "" for "Temporary failure" and others.
std::string_view reason_of_template(std::string_view diagnostic) {
  static constexpr std::pair<std::string_view, std::string_view> table[] = {
      {"Mailbox does not exist", "filtered"},
      {"Message too large", "mesgtoobig"},
      {"Mailbox full", "mailboxfull"},
      {"Message content rejected", "contenterror"},
  };
  for (const auto& [words, reason] : table)
    if (icontains(diagnostic, words)) return reason;
  return {};
}

}  // namespace

// Decodes the bounce of an SES receipt rule.
bool decode_receivingses(const mail& m, report& out) {
  if (m.header("X-SES-Outgoing").empty() || !m.delivery_status) return false;
  if (!icontains(m.notice(), "This message could not be delivered.")) return false;
  if (parse_dsn_fields(m.delivery_status->body, out) == 0) return false;
  for (auto& r : out.recipients) r.reason_hint = std::string(reason_of_template(r.diagnostic));
  return true;
}

}  // namespace bounced::parser::mta
