// Trend Micro InterScan Messaging Security Suite (InterScanMSS): a text part between rows of
// asterisks, then the original as message/rfc822. Two layouts of the error:
//  - the SMTP exchange, "Sent <<< RCPT TO:<address>" and "Received >>> 550 5.1.1 ... user
//    unknown" (localised notices write "address >>> RCPT TO:..." / "<<< 550 ..." instead);
//  - its own verdict, "Unable to deliver message to <address> (and other recipients in the same
//    domain)." (after "Reason:" in some versions), which the suite writes when the recipient's
//    domain refused the address: as Sisimai reads it, a user unknown.
// Trusts: the "InterScan MSS" sender name or the suite's banner as fingerprint. Limits: lines of
// the notice before the quoted original only; one recipient per address in <...>.
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// The first address in <...> on line, "" when none.
std::string bracketed_address(std::string_view line) {
  for (std::size_t at = line.find('<'); at != std::string_view::npos; at = line.find('<', at + 1)) {
    const std::size_t gt = line.find('>', at + 1);
    if (gt == std::string_view::npos) break;
    const std::string_view inside = line.substr(at + 1, gt - at - 1);
    if (looks_like_address(inside)) return clean_address(inside);
  }
  return {};
}

// "RCPT" from "... <<< RCPT TO:<...>" or "... >>> RCPT TO:<...>": the four letters after the
// arrow, when they are capitals.
std::string command_after_arrow(std::string_view line) {
  for (std::string_view arrow : {std::string_view("<<< "), std::string_view(">>> ")}) {
    const std::size_t at = line.find(arrow);
    if (at == std::string_view::npos || at + 8 > line.size()) continue;
    const std::string_view word = line.substr(at + 4, 4);
    bool capitals = true;
    for (char c : word) capitals = capitals && c >= 'A' && c <= 'Z';
    if (capitals && (at + 8 == line.size() || line[at + 8] == ' ')) return std::string(word);
  }
  return {};
}

}  // namespace

// Decodes InterScanMSS's notice.
bool decode_trendmicro(const mail& m, report& out) {
  const std::string_view notice = m.notice();
  if (!icontains(m.header("From"), "\"InterScan MSS\"") && !icontains(notice, "InterScan Messaging Security Suite"))
    return false;
  recipient_report* current = nullptr;
  for (std::string_view raw : split_lines(notice)) {
    const std::string_view line = trim(raw);
    if (line.empty()) continue;
    const std::size_t unable = ifind(line, "Unable to deliver message to <");
    if (unable != std::string_view::npos) {
      const std::string address = bracketed_address(line.substr(unable));
      if (address.empty()) continue;
      current = &add_recipient(out, address);
      current->diagnostic = std::string(line);
      current->reason_hint = "userunknown";
      continue;
    }
    const bool sent = line.find("<<<") != std::string_view::npos || line.find(">>>") != std::string_view::npos;
    if (!sent) continue;
    const std::string command = command_after_arrow(line);
    if (!command.empty()) {
      const std::string address = bracketed_address(line);
      if (!address.empty()) current = &add_recipient(out, address);
      if (current) current->command = command;
      // A localised line holds both: "address >>> RCPT TO:<...> <<< 550 ...".
      const std::size_t reply = line.find("<<< ", line.find(">>> ") == std::string_view::npos ? 0 : line.find(">>> "));
      if (current && reply != std::string_view::npos && !find_reply_code(line.substr(reply + 4, 3)).empty())
        current->diagnostic = std::string(trim(line.substr(reply + 4)));
      continue;
    }
    // "Received >>> 550 5.1.1 <address>... user unknown": the remote's answer.
    const std::size_t arrow = line.find(">>> ");
    if (arrow == std::string_view::npos || find_reply_code(line.substr(arrow + 4, 3)).empty()) continue;
    if (!current) {
      const std::string address = bracketed_address(line);
      if (address.empty()) continue;
      current = &add_recipient(out, address);
    }
    current->diagnostic = std::string(trim(line.substr(arrow + 4)));
  }
  for (auto& r : out.recipients)
    if (r.action.empty()) r.action = "failed";
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
