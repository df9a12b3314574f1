// MailFoundry's notice: "Unable to deliver message to: <address>", then "Delivery failed for
// the following reason:" and the remote's answer ("Server mx.example.net[192.0.2.1] failed with:
// 550 ..." or "... responded with failure: 552 ..."), then "This has been a permanent failure."
// Trusts: the two sentences together as fingerprint. Limits: one recipient per notice; the
// diagnostic is the paragraph from "Delivery failed" to the end of the verdict sentence.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes MailFoundry's notice.
bool decode_mailfoundry(const mail& m, report& out) {
  const std::string_view notice = m.notice();
  const std::size_t lead = ifind(notice, "Unable to deliver message to: <");
  const std::size_t reason = ifind(notice, "Delivery failed for the following reason:");
  if (lead == std::string_view::npos || reason == std::string_view::npos || reason < lead) return false;
  const std::string address = find_address(notice.substr(lead, reason - lead));
  if (address.empty()) return false;
  // The reason and the verdict after it, up to the first empty line that follows the verdict.
  std::string_view rest = notice.substr(reason);
  const std::size_t verdict = ifind(rest, "This has been a ");
  if (verdict != std::string_view::npos) {
    const std::size_t end = rest.find("\n\n", verdict);
    if (end != std::string_view::npos) rest = rest.substr(0, end);
  } else {
    const std::size_t end = rest.find("\n\n");
    if (end != std::string_view::npos) rest = rest.substr(0, end);
  }
  recipient_report& r = add_recipient(out, address);
  r.diagnostic = fold_space(rest);
  r.action = icontains(rest, "This has been a permanent failure") ? "failed" : "";
  // "Server mx.example.net[192.0.2.1] failed with:" / "mx.example.net[192.0.2.1] responded with".
  const std::size_t bracket = rest.find('[');
  if (bracket != std::string_view::npos) {
    std::string_view head = trim(rest.substr(0, bracket));
    const std::size_t space = head.find_last_of(" \t\n");
    if (space != std::string_view::npos) head = head.substr(space + 1);
    if (head.find('.') != std::string_view::npos) r.rhost = std::string(head);
  }
  return true;
}

}  // namespace bounced::parser::mta
