// m-FILTER (Digital Arts' mail filter, X-Mailer: m-FILTER): a Japanese notice naming each
// failed address on a line of its own, then "-------server message" with the remote's reply,
// "-------SMTP command" with the command it answered, and "-------original message" (or
// "-------original mail info") with the original. Trusts only that layout; the Japanese prose
// is skipped, so its wording does not matter.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// The first non-empty line after the line starting with marker; "" when none.
std::string first_line_after(const std::vector<std::string_view>& lines, std::string_view marker) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!istarts_with(trim(lines[i]), marker)) continue;
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
      const std::string_view line = trim(lines[j]);
      if (istarts_with(line, "-------")) return {};
      if (!line.empty()) return std::string(line);
    }
  }
  return {};
}

}  // namespace

bool decode_mfilter(const mail& m, report& out) {
  if (!icontains(m.header("X-Mailer"), "m-FILTER") && !icontains(m.body_text, "\n-------server message")) return false;
  const std::string_view body = m.body_text;
  const std::size_t server = ifind(body, "-------server message");
  if (server == std::string_view::npos) return false;
  const std::vector<std::string_view> lines = split_lines(body);
  const std::string diagnostic = first_line_after(lines, "-------server message");
  // The command is one upper-case verb ("DATA", "RCPT"); anything else is not trusted.
  std::string command = first_line_after(lines, "-------SMTP command");
  bool verb = !command.empty() && command.size() <= 8;
  for (char c : command) verb = verb && c >= 'A' && c <= 'Z';
  if (!verb) command.clear();
  for (std::string_view raw : split_lines(body.substr(0, server))) {
    const std::string_view line = trim(raw);
    const std::string address = find_address(line);
    if (address.empty() || clean_address(line) != address) continue;
    recipient_report& r = add_recipient(out, address);
    r.diagnostic = diagnostic;
    r.command = command;
    r.action = "failed";
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
