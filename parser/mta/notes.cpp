// Lotus Notes (Domino's predecessor as an SMTP gateway): Subject "Undeliverable message", a
// "------- Failure Reasons --------" section holding the reason in the sender's language followed
// by the recipient's address on a line of its own, then "------- Returned Message --------" and
// the original. Trusts only that layout; a line that is nothing but an address is a recipient,
// the other lines before it are its diagnostic.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

bool decode_notes(const mail& m, report& out) {
  const std::string_view section = section_after(m.body_text, "------- Failure Reasons");
  if (section.empty()) return false;
  std::string reason;
  for (std::string_view raw : split_lines(section)) {
    const std::string_view line = trim(raw);
    if (line.empty()) continue;
    const std::string address = find_address(line);
    if (!address.empty() && clean_address(line) == address) {
      recipient_report& r = add_recipient(out, address);
      if (r.diagnostic.empty()) r.diagnostic = reason;
      if (r.action.empty()) r.action = "failed";
      continue;
    }
    if (reason.size() < 4096) {
      if (!reason.empty()) reason += ' ';
      reason += std::string(line);
    }
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
