// "X6", an unnamed MTA's notice (Sisimai's name for it): "We had trouble delivering your
// message. Full details follow:", then per error one line "The following recipients returned
// permanent errors: <addresses>. Reason: SMTP Server <ip> refused to accept your message
// (COMMAND), with the following error message: [<the remote's reply>]".
// Trusts: the opening sentence as fingerprint. Limits: one line per error; the addresses before
// ". Reason:" are split at commas; the command is the word in parentheses after "your message".
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// "RCPT" from "... refused to accept your message (RCPT), ..."; "" when the line names none.
std::string command_in(std::string_view line) {
  const std::size_t at = ifind(line, "your message (");
  if (at == std::string_view::npos) return {};
  const std::size_t open = at + 14;
  const std::size_t close = line.find(')', open);
  if (close == std::string_view::npos || close - open > 8) return {};
  std::string word = to_upper(line.substr(open, close - open));
  for (std::string_view known : {"HELO", "EHLO", "MAIL", "RCPT", "DATA"})
    if (word == known) return word;
  return {};
}

}  // namespace

// Decodes the X6 notice.
bool decode_x6(const mail& m, report& out) {
  const std::string_view notice = m.notice();
  if (!icontains(notice, "We had trouble delivering your message. Full details follow:")) return false;
  for (std::string_view raw : split_lines(notice)) {
    const std::string_view line = trim(raw);
    if (!istarts_with(line, "The following recipients returned ")) continue;
    const std::size_t colon = line.find(": ");
    const std::size_t reason = ifind(line, ". Reason:");
    if (colon == std::string_view::npos || reason == std::string_view::npos || reason < colon) continue;
    const bool temporary = icontains(line.substr(0, colon), "temporary");
    const std::string command = command_in(line);
    std::string_view list = line.substr(colon + 2, reason - colon - 2);
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string_view item = trim(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (!looks_like_address(item)) continue;
      recipient_report& r = add_recipient(out, clean_address(item));
      r.diagnostic = std::string(line);
      r.command = command;
      r.action = temporary ? "delayed" : "failed";
    }
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
