// Verizon Wireless's bounces for mail to its SMS/MMS gateways (vtext.com, vzwpix.com). Two
// layouts, both plain text:
//  - the MMS gateway: "Message could not be delivered to mobile." / "Error: <reason>", then
//    "Original Message:" with the original's To: line naming the recipient;
//  - the SMS gateway: "Error: Invalid user address" / "Error message below:" / the remote's
//    reply on the next line, then "Message details:" with "RCPT TO: <address>".
// The sender's domain must be Verizon's; nothing else is trusted. The gateway's own "Error:" line
// states an unknown recipient ("Invalid user address", "No valid recipients for this MM"): that is
// the recipient's hint.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// The value after "name" on the first line that starts with it (trimmed), "" when none.
std::string_view value_after(const std::vector<std::string_view>& lines, std::string_view name) {
  for (std::string_view raw : lines) {
    const std::string_view line = trim(raw);
    if (istarts_with(line, name)) return trim(line.substr(name.size()));
  }
  return {};
}

}  // namespace

bool decode_verizon(const mail& m, report& out) {
  const std::string from = to_lower(m.from());
  if (!iends_with(from, "vtext.com") && !iends_with(from, "vzwpix.com")) return false;
  // The SMS gateway folds its Content-Type so that the boundary is lost: then the text is only
  // in the raw message.
  const std::string_view text = icontains(m.body_text, "Error") ? std::string_view(m.body_text) : m.text;
  const std::vector<std::string_view> lines = split_lines(text);
  std::string address, diagnostic;
  if (icontains(text, "Error message below:")) {
    address = find_address(value_after(lines, "RCPT TO:"));
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
      if (istarts_with(trim(lines[i]), "Error message below:")) {
        diagnostic = std::string(trim(lines[i + 1]));
        break;
      }
    }
  } else if (icontains(text, "Original Message:")) {
    const std::size_t at = ifind(text, "Original Message:");
    const std::vector<std::string_view> original = split_lines(text.substr(at));
    address = find_address(value_after(original, "To:"));
    diagnostic = std::string(value_after(lines, "Error:"));
  }
  if (address.empty()) return false;
  recipient_report& r = add_recipient(out, address);
  r.diagnostic = diagnostic;
  r.action = "failed";
  // The gateway's own "Error:" line names an unknown recipient in fixed words.
  const std::string_view error = value_after(lines, "Error:");
  if (icontains(error, "Invalid user address") || icontains(error, "No valid recipients for this MM"))
    r.reason_hint = "userunknown";
  return true;
}

}  // namespace bounced::parser::mta
