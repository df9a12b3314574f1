// The last resort for plain-text bounces that no decoder claims: the notice is cut where the
// returned original starts, and every address in it that stands next to an SMTP reply or an
// error phrase becomes a recipient with the lines after it as its diagnostic.
#include "parser/decoder.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

bool decode_fallback(const mail& m, report& out) {
  if (!looks_like_bounce(m)) return false;
  std::string_view notice = m.notice();
  const std::string sender = m.from();
  const std::string bounce_to = find_address(m.header("To"));
  const std::string original_from = find_address(header_or_empty_original(m, "From"));
  std::vector<std::string_view> lines = split_lines(notice);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string address = find_address(lines[i]);
    if (address.empty() || iequals(address, sender) || iequals(address, bounce_to) || iequals(address, original_from))
      continue;
    if (istarts_with(address, "mailer-daemon@") || istarts_with(address, "postmaster@")) continue;
    // The diagnostic: the rest of this line and the following non-empty lines.
    std::string diagnostic(lines[i]);
    for (std::size_t j = i + 1; j < lines.size() && j < i + 6; ++j) {
      if (trim(lines[j]).empty()) break;
      if (!find_address(lines[j]).empty() && find_reply_code(lines[j]).empty()) break;
      diagnostic += ' ';
      diagnostic += lines[j];
    }
    if (find_reply_code(diagnostic).empty() && find_status_code(diagnostic).empty() && !has_error_phrase(diagnostic))
      continue;
    recipient_report& r = add_recipient(out, address);
    if (r.diagnostic.empty()) r.diagnostic = fold_space(diagnostic);
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser
