// Microsoft Exchange 5.5 to 2003 (Internet Mail Service, Internet Mail Connector): "Your message
// ... did not reach the following recipient(s):" (older: "The following recipient(s) could not be
// reached:"), then per recipient "address on <date>" and indented lines: the error in words and
// an "MSEXCH:IMS:... 0 (000C05A6) Unknown Recipient" line whose hexadecimal code is Exchange's own
// verdict. Codes and their meaning as Sisimai documents them (000C05A6 unknown recipient, ...);
// a code that only says a remote refused (000B099C, ...) gives no hint, the words decide.
// Trusts: an Exchange header (X-MS-Embedded-Report, an X-Mailer or X-MimeOLE naming Exchange's
// mail service, a Received "with Internet Mail Service") with the sentence. Limits: the notice
// before the quoted original; a recipient's lines end at the next recipient or an empty line.
#include <utility>

#include "parser/header.hpp"
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

bool is_exchange(const mail& m) {
  if (find_header(m.headers(), "X-MS-Embedded-Report")) return true;
  const std::string mailer(trim(m.header("X-Mailer")));
  if (istarts_with(mailer, "Internet Mail Service (") ||
      istarts_with(mailer, "Microsoft Exchange Server Internet Mail Connector"))
    return true;
  if (istarts_with(trim(m.header("X-MimeOLE")), "Produced By Microsoft Exchange")) return true;
  for (const auto& f : m.headers())
    if (iequals(f.name, "Received") && icontains(f.value, " with Internet Mail Service (")) return true;
  return false;
}

// The reason an MSEXCH code states; "" for codes that only say a remote refused.
std::string_view reason_of_code(std::string_view code) {
  static constexpr std::pair<std::string_view, std::string_view> table[] = {
      {"000C05A6", "userunknown"},  {"000C0595", "filtered"},     {"00010256", "systemerror"},
      {"000D06B5", "systemerror"},  {"00120270", "networkerror"}, {"00050311", "contenterror"},
      {"000502CC", "contenterror"}, {"000B0981", "securityerror"},
  };
  for (const auto& [c, reason] : table)
    if (iequals(code, c)) return reason;
  return {};
}

// "kijitora@example.jp on Thu, 29 Apr 2010 ..." (or "... SMTP=address on ...") -> the address.
std::string recipient_of(std::string_view line) {
  const std::size_t on = line.find(" on ");
  if (on == std::string_view::npos) return {};
  std::string_view head = trim(line.substr(0, on));
  const std::size_t smtp = ifind(head, "SMTP=");
  if (smtp != std::string_view::npos) head = head.substr(smtp + 5);
  if (head.find(' ') != std::string_view::npos || !looks_like_address(head)) return {};
  return clean_address(head);
}

// Fills r from the lines under its address line.
void read_error(const std::vector<std::string_view>& lines, recipient_report& r) {
  std::string words;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    const std::size_t msexch = line.find("MSEXCH:");
    const std::size_t open = line.find('(', msexch == std::string_view::npos ? 0 : msexch);
    if (msexch != std::string_view::npos && open != std::string_view::npos && open + 9 < line.size() + 1 &&
        line.find(')', open) == open + 9) {
      // "MSEXCH:IMS:... 0 (000C05A6) Unknown Recipient", the text wrapped onto the lines after.
      r.reason_hint = std::string(reason_of_code(line.substr(open + 1, 8)));
      std::string text(trim(line.substr(open + 10)));
      for (std::size_t k = i + 1; k < lines.size(); ++k) text += ' ' + std::string(trim(lines[k]));
      text = fold_space(text);
      if (!r.reason_hint.empty()) {
        r.diagnostic = text;
        return;
      }
      words += (words.empty() ? "" : " ") + text;
      continue;
    }
    if (!line.empty()) words += (words.empty() ? "" : " ") + std::string(line);
  }
  r.diagnostic = words;
}

}  // namespace

// Decodes Exchange 5.5-2003's non-delivery notice.
bool decode_exchange2003(const mail& m, report& out) {
  if (!is_exchange(m)) return false;
  const std::string_view notice = m.notice();
  std::size_t at = ifind(notice, "did not reach the following recipient(s):");
  if (at == std::string_view::npos) at = ifind(notice, "The following recipient(s) could not be reached:");
  if (at == std::string_view::npos) return false;
  const std::vector<std::string_view> lines = split_lines(notice.substr(at));
  std::size_t i = 1;
  while (i < lines.size()) {
    const std::string address = recipient_of(trim(lines[i]));
    if (address.empty()) {
      ++i;
      continue;
    }
    std::vector<std::string_view> block;
    std::size_t j = i + 1;
    for (; j < lines.size() && !trim(lines[j]).empty() && recipient_of(trim(lines[j])).empty(); ++j)
      block.push_back(lines[j]);
    recipient_report& r = add_recipient(out, address);
    read_error(block, r);
    r.action = "failed";
    i = j;
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
