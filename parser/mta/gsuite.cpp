// Google Workspace (G Suite) and Gmail's HTML-era notices (From mailer-daemon@googlemail.com or
// @google.com): a multipart/related text under a "** Address not found **"-style heading, and
// a delivery-status part that often has no Diagnostic-Code. The notice's own sentences are then
// the only diagnostic; the one that says the address could not be found names the reason
// (facts from Sisimai's notes on Google's notices).
// Trusts: the sender and the "** ... **" heading as fingerprint. Limits: only recipients whose
// delivery-status fields hold no diagnostic are completed; the rest is RFC 3464's reading.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

constexpr std::size_t max_notice_bytes = 1000;

// Where the notice's "** Heading **" line starts; npos when there is none.
std::size_t heading_at(std::string_view notice) {
  std::size_t from = 0;
  while (from < notice.size()) {
    const std::size_t eol = std::min(notice.find('\n', from), notice.size());
    const std::string_view line = trim(notice.substr(from, eol - from));
    if (line.size() > 4 && line.substr(0, 3) == "** " && line.substr(line.size() - 3) == " **") return from;
    from = eol + 1;
  }
  return std::string_view::npos;
}

}  // namespace

// Decodes Google's DSNs whose text is the only diagnostic.
bool decode_gsuite(const mail& m, report& out) {
  const std::string from = m.from();
  if (!iequals(from, "mailer-daemon@googlemail.com") && !iequals(from, "mailer-daemon@google.com")) return false;
  const std::string_view notice = m.notice();
  const std::size_t heading = heading_at(notice);
  if (heading == std::string_view::npos) return false;
  if (!decode_rfc3464(m, out) || out.recipients.empty()) return false;
  const std::string text = fold_space(notice.substr(heading, max_notice_bytes));
  for (recipient_report& r : out.recipients) {
    if (!trim(r.diagnostic).empty()) continue;
    r.diagnostic = text;
    if (r.diagnostic_type.empty()) r.diagnostic_type = "SMTP";
    if (r.reason_hint.empty() && icontains(text, "because the address couldn't be found")) r.reason_hint = "userunknown";
  }
  return true;
}

}  // namespace bounced::parser::mta
