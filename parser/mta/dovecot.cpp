// Dovecot's LDA / LMTP rejection (a Sieve "reject" or a delivery error such as a full disk):
// "Your message to <user> was automatically rejected:" followed by the reason on the next lines.
// When the notice also carries an RFC 3464 report, the report gives the recipients, Status and
// Remote-MTA, but the reason Dovecot wrote is the diagnostic: the report's Diagnostic-Code is
// often the MTA's generic answer.
// Trusts: the sentence as fingerprint. Limits: the reason is the text up to the next empty
// line, at most max_reason_bytes.
#include "parser/charset.hpp"
#include "parser/header.hpp"
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

constexpr std::string_view marker = "was automatically rejected:";
constexpr std::size_t max_reason_bytes = 1000;

}  // namespace

// Decodes a Dovecot rejection notice.
bool decode_dovecot(const mail& m, report& out) {
  const std::string_view notice = m.notice();
  const std::size_t at = ifind(notice, marker);
  if (at == std::string_view::npos) return false;
  const std::size_t line_start = notice.rfind('\n', at) == std::string_view::npos ? 0 : notice.rfind('\n', at) + 1;
  if (!istarts_with(trim(notice.substr(line_start, at - line_start)), "Your message to")) return false;
  std::string_view rest = notice.substr(at + marker.size());
  const std::size_t end = rest.find("\n\n");
  const std::string reason = fold_space(utf8_prefix(rest.substr(0, end), max_reason_bytes));
  if (reason.empty()) return false;
  if (!decode_rfc3464(m, out)) {
    // No report: the address in the sentence, when it is a whole one, else the original's To.
    std::string address = find_address(notice.substr(line_start, at - line_start));
    if (address.empty()) address = find_address(header_or_empty(m.original_headers, "To"));
    if (address.empty()) return false;
    add_recipient(out, address).action = "failed";
  }
  // Dovecot's own words for a mailbox that has no room (its quota message, its disk-full error)
  // or does not exist. They state the reason whatever Status the report carries.
  const bool full = icontains(reason, "quota") || icontains(reason, "disk space") || icontains(reason, "mailbox is full");
  const bool missing = icontains(reason, "mailbox doesn't exist");
  for (auto& r : out.recipients) {
    r.diagnostic = reason;
    r.reply_code.clear();
    if (full) r.reason_hint = "mailboxfull";
    else if (missing) r.reason_hint = "userunknown";
  }
  return true;
}

}  // namespace bounced::parser::mta
