// McAfee Email and Web Security Appliance (X-NAI-Header: Modified by McAfee ...): a text part
// "--- The following addresses had delivery problems ---" with one line per recipient,
// "<address>   (summary of the error)", and a delivery-status part whose groups often name the
// recipient only in Original-Recipient. The appliance's summary states an unknown user in a few
// fixed words ("Unknown user", "User unknown", "No such user", "User not exist"): that is the
// recipient's hint, as Sisimai reads this format.
// Trusts: the X-NAI-Header naming McAfee. Limits: the report's fields as any RFC 3464 report;
// the summary is read from the line naming the recipient.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

bool says_unknown_user(std::string_view summary) {
  for (std::string_view words : {"Unknown user", "User unknown", "No such user", "User not exist"})
    if (icontains(summary, words)) return true;
  return false;
}

// The "(summary)" after "<address>" on the text part's line for address; "" when none.
std::string_view summary_for(std::string_view notice, std::string_view address) {
  for (std::string_view line : split_lines(notice)) {
    line = trim(line);
    if (line.empty() || line.front() != '<' || find_address(line.substr(0, line.find('>') + 1)) != address) continue;
    const std::size_t open = line.find('(');
    if (open == std::string_view::npos) return {};
    const std::size_t close = line.rfind(')');
    return line.substr(open + 1, close == std::string_view::npos || close < open ? std::string_view::npos : close - open - 1);
  }
  return {};
}

}  // namespace

// Decodes the appliance's notice.
bool decode_mcafee(const mail& m, report& out) {
  if (!icontains(m.header("X-NAI-Header"), "McAfee") || !m.delivery_status) return false;
  if (parse_dsn_fields(m.delivery_status->body, out) == 0) return false;
  for (auto& r : out.recipients) {
    const std::string_view summary = summary_for(m.notice(), clean_address(r.recipient));
    if (says_unknown_user(summary) || (summary.empty() && says_unknown_user(r.diagnostic))) r.reason_hint = "userunknown";
  }
  return true;
}

}  // namespace bounced::parser::mta
