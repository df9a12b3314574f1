// 1&1 (kundenserver.de, "EinsUndEins") bounces: Exim's opening sentences, then either
// "The following address failed:" / the address / "For the following reason:" / the reason, or
// the address followed by a colon and the reason on the next lines; the original's header follows
// "--- The header of the original message is following. ---". Trusts only that layout: lines
// that are nothing but an address (with or without the colon) name the recipients.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

bool decode_einsundeins(const mail& m, report& out) {
  const std::string_view body = m.body_text;
  const std::size_t end = ifind(body, "--- The header of the original message is following");
  if (end == std::string_view::npos || !icontains(body, "This message was created automatically by mail delivery"))
    return false;
  const std::string_view notice = body.substr(0, end);
  std::string reason;
  const std::size_t why = ifind(notice, "For the following reason:");
  if (why != std::string_view::npos) {
    const std::size_t eol = notice.find('\n', why);
    if (eol != std::string_view::npos) reason = fold_space(notice.substr(eol + 1, 4096));
  }
  recipient_report* current = nullptr;
  for (std::string_view raw : split_lines(notice.substr(0, why))) {
    const std::string_view line = trim(raw);
    const std::string address = find_address(line);
    if (!address.empty() && clean_address(line) == address) {
      current = &add_recipient(out, address);
      current->action = "failed";
      if (current->diagnostic.empty()) current->diagnostic = reason;
      continue;
    }
    if (current == nullptr) continue;
    if (line.empty()) {
      if (!current->diagnostic.empty()) current = nullptr;
      continue;
    }
    if (current->diagnostic.size() > 4096) continue;
    if (!current->diagnostic.empty()) current->diagnostic += ' ';
    current->diagnostic += std::string(line);
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
