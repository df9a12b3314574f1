// Postfix's bounce without a delivery-status part (Postfix before 2.3, or DSN turned off):
// "This is the Postfix program at host ..." (later "This is the mail system at host ..."),
// then one paragraph per recipient: "<address>: " and the reason, wrapped onto indented lines
// ("host mx.example.com[192.0.2.1] said: 550 ... (in reply to RCPT TO command)").
// Trusts: Postfix's opening sentence and the "<address>:" paragraph shape. Limits: a message
// with delivery-status fields is left to the RFC 3464 reader.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes Postfix's plain-text bounce paragraphs.
bool decode_postfix_text(const mail& m, report& out) {
  // Delivery-status fields, in a part or in the text, are the RFC 3464 reader's.
  if (m.delivery_status != nullptr || icontains(m.body_text, "Final-Recipient:")) return false;
  const std::string_view notice = m.notice();
  if (!icontains(notice, "This is the Postfix program at host") && !icontains(notice, "This is the mail system at host"))
    return false;
  recipient_report* current = nullptr;
  for (std::string_view line : split_lines(notice)) {
    if (line.empty()) {
      current = nullptr;
      continue;
    }
    if (line.front() == '<') {
      const std::size_t close = line.find(">:");
      current = nullptr;
      if (close == std::string_view::npos) continue;
      const std::string address = clean_address(line.substr(1, close - 1));
      if (!looks_like_address(address)) continue;
      current = &add_recipient(out, address);
      current->diagnostic = std::string(trim(line.substr(close + 2)));
      current->action = "failed";
      continue;
    }
    if (current != nullptr && (line.front() == ' ' || line.front() == '\t')) {
      if (current->diagnostic.size() > 4096) continue;  // a paragraph of one reply, not a book
      current->diagnostic += ' ';
      current->diagnostic += std::string(trim(line));
    } else {
      current = nullptr;
    }
  }
  for (recipient_report& r : out.recipients) {
    // "host mx.example.com[192.0.2.1] said: ..." names the remote host.
    if (istarts_with(r.diagnostic, "host ")) r.rhost = host_of(std::string_view(r.diagnostic).substr(5));
    if (!find_reply_code(r.diagnostic).empty() || !find_command(r.diagnostic).empty()) r.diagnostic_type = "SMTP";
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
