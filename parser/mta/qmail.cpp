// qmail's bounce: "Hi. This is the qmail-send program at host.", then each recipient as
// "<address>:" on its own line followed by the remote's answer, and "--- Below this line is a
// copy of the message." before the original. Variants (netqmail, vpopmail, notqmail) reword the
// greeting but keep the layout. The "<address>:" block layout is shared with other formats that
// copied it (Yahoo, X2), which use read_address_blocks.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

std::size_t read_address_blocks(std::string_view notice, report& out) {
  std::size_t added = 0;
  recipient_report* current = nullptr;
  for (std::string_view raw : split_lines(notice)) {
    std::string_view line = trim(raw);
    if (line.size() > 3 && line.front() == '<' && (line.back() == ':' || line.substr(line.size() - 2) == ">:")) {
      const std::string address = find_address(line);
      if (!address.empty()) {
        const std::size_t before = out.recipients.size();
        current = &add_recipient(out, address);
        added += out.recipients.size() - before;
        continue;
      }
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
  for (auto& r : out.recipients) {
    // "550: 5.2.2 ..." (the reply code ends in a colon, which find_reply_code does not take).
    const std::string_view d = r.diagnostic;
    if (r.reply_code.empty() && d.size() > 4 && d[3] == ':' && (d[0] == '4' || d[0] == '5') &&
        d[1] >= '0' && d[1] <= '9' && d[2] >= '0' && d[2] <= '9')
      r.reply_code = std::string(d.substr(0, 3));
  }
  return added;
}

bool decode_qmail(const mail& m, report& out) {
  const std::string_view body = m.body_text;
  const bool greeting = icontains(body, "This is the qmail-send program") || icontains(body, "qmail-send program at") ||
                        icontains(body, "This is the machine generated message from");
  const bool invoked = icontains(m.header("Received"), "invoked for bounce") ||
                       (icontains(m.text, "(qmail ") && icontains(m.text, "invoked for bounce"));
  if (!greeting && !invoked) return false;
  read_address_blocks(m.notice(), out);
  for (auto& r : out.recipients) {
    // "remote host 192.0.2.32 said: 550 ..." / "Connected to 192.0.2.1 but ..." / "Giving up on
    // 192.0.2.25." ("Remote host said:" names no host: the word after the lead must not be "said").
    for (std::string_view lead : {"remote host ", "Connected to ", "connect to ", "Giving up on "}) {
      for (std::size_t at = ifind(r.diagnostic, lead); at != std::string::npos && r.rhost.empty();
           at = ifind(r.diagnostic, lead, at + 1)) {
        const std::string host = host_of(std::string_view(r.diagnostic).substr(at + lead.size()));
        if (!host.empty() && host != "said" && host.find('.') != std::string::npos) r.rhost = host;
      }
    }
    // "(#5.1.1)" at the end is qmail's own status.
    const std::size_t hash = r.diagnostic.rfind("(#");
    if (hash != std::string::npos) {
      const std::string code = find_status_code(std::string_view(r.diagnostic).substr(hash + 2));
      if (!code.empty() && find_status_code(r.diagnostic) == code) r.status = code;
    }
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
