// Microsoft's hosted mail: Office 365 / Exchange Online ("Undeliverable: ...", X-MS-Exchange-*
// headers, hosts under .prod.outlook.com) and Outlook.com / Hotmail ("Delivery Status
// Notification", X-Message-Delivery and X-Message-Info headers, relays under .hotmail.com).
// Both attach an RFC 3464 delivery-status part, read as such; what they add is meaning:
// Office 365's enhanced status codes are Microsoft's own, each documented with its cause
// (https://learn.microsoft.com/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/),
// and its "unknown recipient or mailbox unavailable -> <remote reply naming the address>" is the
// answer to RCPT; Outlook.com's two fixed sentences name the reason.
// Trusts: two of the header fingerprints (one could be forwarded or forged). Limits: an
// Outlook.com notice without delivery-status fields is left to the other decoders.
#include <charconv>

#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

bool has_header(const mail& m, std::string_view name) {
  for (const header_field& f : m.headers())
    if (iequals(f.name, name)) return true;
  return false;
}

bool any_header_contains(const mail& m, std::string_view name, std::string_view needle) {
  for (const header_field& f : m.headers())
    if (iequals(f.name, name) && icontains(f.value, needle)) return true;
  return false;
}

bool is_office365(const mail& m) {
  int points = 0;
  const std::string subject = m.subject();
  if (icontains(subject, "Undeliverable:") || icontains(subject, "Onbestelbaar:") || icontains(subject, "N\xC3\xA3o_entregue:")) ++points;
  for (std::string_view h : {"X-MS-Exchange-Message-Is-Ndr", "X-Microsoft-Antispam-PRVS", "X-Exchange-Antispam-Report-Test",
                             "X-Exchange-Antispam-Report-CFA-Test", "X-MS-Exchange-CrossTenant-OriginalArrivalTime",
                             "X-MS-Exchange-CrossTenant-FromEntityHeader", "X-MS-Exchange-Transport-CrossTenantHeadersStamped"})
    if (has_header(m, h)) ++points;
  if (any_header_contains(m, "Received", ".prod.outlook.com") || any_header_contains(m, "Received", ".outbound.protection.outlook.com"))
    ++points;
  if (icontains(m.header("Message-ID"), ".prod.outlook.com") || icontains(m.header("Message-ID"), ".outbound.protection.outlook.com"))
    ++points;
  return points >= 2;
}

bool is_outlook_com(const mail& m) {
  int points = 0;
  if (icontains(m.subject(), "Delivery Status Notification")) ++points;
  if (has_header(m, "X-Message-Delivery")) ++points;
  if (has_header(m, "X-Message-Info")) ++points;
  if (any_header_contains(m, "Received", ".hotmail.com")) ++points;
  return points >= 2;
}

// An enhanced status code split into its three numbers; false when it is none.
bool split_status(std::string_view status, int& cls, int& subject, int& detail) {
  int* parts[] = {&cls, &subject, &detail};
  std::size_t at = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t end = i < 2 ? status.find('.', at) : status.size();
    if (end == std::string_view::npos) return false;
    const auto r = std::from_chars(status.data() + at, status.data() + end, *parts[i]);
    if (r.ec != std::errc{} || r.ptr != status.data() + end) return false;
    at = end + 1;
  }
  return true;
}

// The reason Microsoft's documentation gives for one of Exchange Online's status codes; "" if
// the code is none of those (or a generic one whose cause lies in the remote's words).
std::string_view reason_of_status(std::string_view status) {
  int c = 0, s = 0, d = 0;
  if (!split_status(status, c, s, d)) return {};
  if (c == 4) {
    if (s == 4 && (d == 7 || d == 316)) return "expired";
    if (s == 4 && d == 312) return "networkerror";
    if (s == 7 && d == 26) return "authfailure";
    if (s == 7 && ((d >= 500 && d <= 699) || (d >= 850 && d <= 899))) return "blocked";
    return {};
  }
  if (c != 5) return {};
  if (s == 0 && d == 350) return "contenterror";
  if (s == 1 && d == 10) return "userunknown";
  if (s == 4 && d == 1) return "norelaying";
  if (s == 4 && (d == 6 || d == 312)) return "networkerror";
  if (s == 4 && d == 316) return "expired";
  if (s == 6 && d == 11) return "contenterror";
  if (s != 7) return {};
  if (d == 1 || d == 12 || d == 13 || d == 124 || (d >= 133 && d <= 136) || d == 511) return "rejected";
  if (d == 23 || (d >= 506 && d <= 507) || (d >= 606 && d <= 609) || (d >= 610 && d <= 649)) return "blocked";
  if (d == 25) return "networkerror";
  if (d >= 501 && d <= 503) return "spamdetected";
  if (d >= 504 && d <= 505) return "filtered";
  if (d == 508 || (d >= 700 && d <= 749)) return "toomanyconn";
  if (d == 509) return "authfailure";
  if (d == 510) return "notaccept";
  if (d == 512) return "policyviolation";
  if (d == 57) return "securityerror";
  return {};
}

// "... unknown recipient or mailbox unavailable -> 550 ... someone@example.com": Exchange
// Online relays the remote's refusal of the recipient, which answers RCPT.
bool refused_recipient(std::string_view diagnostic) {
  const std::size_t at = ifind(diagnostic, "unknown recipient or mailbox unavailable ->");
  return at != std::string_view::npos && diagnostic.find('@', at) != std::string_view::npos;
}

// Office 365's text alone (no delivery-status fields): "Delivery has failed to these recipients
// or groups:" lists "address<mailto:address>" lines; "Diagnostic information for administrators:"
// repeats each address followed by "Remote Server returned '550 5.1.1 ...'", up to "Original
// message headers:".
bool read_office365_text(std::string_view notice, report& out) {
  const std::size_t list = ifind(notice, "Delivery has failed to these recipients or groups:");
  const std::size_t admin = ifind(notice, "Diagnostic information for administrators:");
  if (list == std::string_view::npos || admin == std::string_view::npos || admin < list) return false;
  for (std::string_view raw : split_lines(notice.substr(list, admin - list))) {
    const std::string_view line = trim(raw);
    const std::size_t mailto = ifind(line, "<mailto:");
    if (mailto == std::string_view::npos) continue;
    const std::string address = clean_address(line.substr(0, mailto));
    if (looks_like_address(address)) add_recipient(out, address).action = "failed";
  }
  std::string_view section = notice.substr(admin);
  const std::size_t end = ifind(section, "Original message headers:");
  if (end != std::string_view::npos) section = section.substr(0, end);
  recipient_report* current = nullptr;
  for (std::string_view raw : split_lines(section)) {
    const std::string_view line = trim(raw);
    if (looks_like_address(clean_address(line))) {
      current = nullptr;
      for (recipient_report& r : out.recipients)
        if (iequals(r.recipient, clean_address(line))) current = &r;
      continue;
    }
    if (current == nullptr || line.empty() || current->diagnostic.size() > 2000) continue;
    if (!current->diagnostic.empty()) current->diagnostic += ' ';
    current->diagnostic += std::string(line);
    // "Remote Server returned '550 5.1.1 ...'": the quoted answer opens with the reply code.
    const std::size_t quote = line.find('\'');
    if (current->reply_code.empty() && quote != std::string_view::npos) {
      current->reply_code = find_reply_code(line.substr(quote + 1, 4));
      if (current->status.empty()) current->status = find_status_code(line.substr(quote + 1));
    }
  }
  for (recipient_report& r : out.recipients)
    if (!r.diagnostic.empty()) r.diagnostic_type = "SMTP";
  return !out.recipients.empty();
}

}  // namespace

// Decodes Office 365's notices: the delivery-status fields when there are any, else its text.
bool decode_office365(const mail& m, report& out) {
  if (!is_office365(m)) return false;
  if (!decode_rfc3464(m, out) || out.recipients.empty()) {
    out.recipients.clear();
    if (!read_office365_text(m.notice(), out)) return false;
  }
  for (recipient_report& r : out.recipients) {
    if (r.command.empty() && refused_recipient(r.diagnostic)) r.command = "RCPT";
    if (r.reason_hint.empty()) r.reason_hint = std::string(reason_of_status(r.status));
  }
  return true;
}

// Decodes Outlook.com's (Hotmail's) delivery status notifications.
bool decode_outlook(const mail& m, report& out) {
  if (!is_outlook_com(m)) return false;
  if (!decode_rfc3464(m, out) || out.recipients.empty()) return false;
  for (recipient_report& r : out.recipients) {
    if (!r.reason_hint.empty()) continue;
    if (icontains(r.diagnostic, "The mail could not be delivered to the recipient because the domain is not reachable"))
      r.reason_hint = "hostunknown";
    else if (icontains(r.diagnostic, "Requested action not taken: mailbox unavailable"))
      r.reason_hint = "userunknown";
  }
  return true;
}

}  // namespace bounced::parser::mta
