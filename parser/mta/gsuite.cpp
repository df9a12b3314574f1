// Google's delivery status notifications in the layout with a "** Address not found **" style
// heading (Mail Delivery Subsystem <mailer-daemon@googlemail.com>, a text and an HTML part, an
// RFC 3464 report). The report sometimes has no Diagnostic-Code: Google's sentence naming the
// recipient is then the diagnostic. "Your message wasn't delivered to <address> because the
// address couldn't be found." is Google's own verdict on a mailbox that does not exist (Sisimai
// reads it so); it is the recipient's hint. Notices without that sentence (the same heading is
// written for DNS failures and refusals) are left to the other decoders.
// Trusts: the sender with a "** ... **" heading and a delivery-status part. Limits: the report's
// fields as any RFC 3464 report; the sentence is the notice's paragraph naming the recipient.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// Google's sentence for a mailbox that does not exist, the only one this decoder reads.
inline constexpr std::string_view not_found =
    "because the address couldn't be found. Check for typos or unnecessary spaces and try again.";

// The heading line ("** Address not found **") and the paragraph of notice naming address,
// joined; "" when the notice does not name it.
std::string words_about(std::string_view notice, std::string_view address) {
  const std::size_t at = ifind(notice, address);
  if (at == std::string_view::npos) return {};
  std::size_t start = notice.rfind("\n\n", at);
  start = start == std::string_view::npos ? 0 : start + 2;
  std::size_t end = notice.find("\n\n", at);
  if (end == std::string_view::npos) end = notice.size();
  std::string words;
  const std::size_t heading = notice.substr(0, start).rfind("** ");
  if (heading != std::string_view::npos) {
    const std::size_t eol = notice.find('\n', heading);
    words = std::string(trim(notice.substr(heading, eol == std::string_view::npos ? std::string_view::npos : eol - heading)));
  }
  return fold_space(words + ' ' + std::string(notice.substr(start, std::min<std::size_t>(end - start, 1024))));
}

}  // namespace

// Decodes Google's headed notice.
bool decode_gsuite(const mail& m, report& out) {
  if (!icontains(m.header("From"), "<mailer-daemon@googlemail.com>") || !m.delivery_status) return false;
  const std::string_view notice = m.notice();
  const std::size_t heading = notice.find("** ");
  if (heading == std::string_view::npos || (heading > 0 && notice[heading - 1] != '\n')) return false;
  if (!icontains(notice, not_found)) return false;
  if (parse_dsn_fields(m.delivery_status->body, out) == 0) return false;
  for (auto& r : out.recipients) {
    const std::string words = words_about(notice, clean_address(r.recipient));
    if (r.diagnostic.empty()) r.diagnostic = words;
    if (icontains(words, not_found)) r.reason_hint = "userunknown";
  }
  return true;
}

}  // namespace bounced::parser::mta
