// "X1", an unnamed MTA's notice (Sisimai's name for it), from "Mail Deliver System" (or "Mail
// Delivery System") <MAILER-DAEMON@...>: "---The following addresses had delivery errors---", then one line per
// recipient, "address [error]".
// Trusts: the sender's display name with the marker line as fingerprint. Limits: the notice
// before the quoted original; the error is the text in the brackets (one line).
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes the X1 notice.
bool decode_x1(const mail& m, report& out) {
  const std::string from = m.header("From");
  if (!icontains(from, "\"Mail Deliver System\"") && !icontains(from, "\"Mail Delivery System\"")) return false;
  const std::string_view notice = m.notice();
  const std::size_t at = ifind(notice, "---The following addresses had delivery errors---");
  if (at == std::string_view::npos) return false;
  for (std::string_view raw : split_lines(notice.substr(at))) {
    const std::string_view line = trim(raw);
    const std::size_t open = line.find(" [");
    if (open == std::string_view::npos || line.back() != ']' || !looks_like_address(line.substr(0, open))) continue;
    recipient_report& r = add_recipient(out, clean_address(line.substr(0, open)));
    r.diagnostic = std::string(trim(line.substr(open + 2, line.size() - open - 3)));
    r.action = "failed";
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
