// Sendmail version 5 (and V8 in its old non-MIME mode): "----- Transcript of session follows
// -----", then "----- Unsent message follows -----" and the original, with no list of failed
// addresses and no delivery-status part. In the transcript, "While talking to HOST:" opens an SMTP
// session, ">>> CMD" and "<<< reply" are its last command and the remote's answer, and
// "NNN <address>... text" is Sendmail's verdict on one recipient; "NNN host (smtp)... text" lines
// are about hosts and name no recipient. The remote's answer, when there is one, is the better
// diagnostic: it is added after the verdict ("User unknown: 550 ..."), and its reply code and
// the command it answered are the recipient's. Trusts only that layout.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// "554 <a@b>... text": the address and the text; false for any other line.
bool verdict_line(std::string_view line, std::string& address, std::string_view& text) {
  if (line.size() < 8 || find_reply_code(line.substr(0, 4)).empty() || line[4] != '<') return false;
  const std::size_t dots = line.find(">...");
  if (dots == std::string_view::npos) return false;
  address = find_address(line.substr(4, dots - 3));
  text = trim(line.substr(dots + 4));
  return !address.empty();
}

}  // namespace

bool decode_v5sendmail(const mail& m, report& out) {
  if (m.delivery_status || !istarts_with(m.subject(), "Returned mail:")) return false;
  const std::string_view body = m.body_text;
  const std::size_t start = ifind(body, "----- Transcript of session follows -----");
  const std::size_t end = ifind(body, "----- Unsent message follows -----");
  if (start == std::string_view::npos || end == std::string_view::npos || end < start) return false;
  if (icontains(body.substr(0, end), "following addresses had")) return false;  // V8's own layout
  std::string command, reply;
  for (std::string_view raw : split_lines(body.substr(start, end - start))) {
    const std::string_view line = trim(raw);
    if (istarts_with(line, "While talking to ")) {
      command.clear();
      reply.clear();
    } else if (istarts_with(line, ">>> ")) {
      const std::string_view cmd = trim(line.substr(4));
      command = to_upper(cmd.substr(0, cmd.find(' ')));
      reply.clear();
    } else if (istarts_with(line, "<<< ")) {
      if (reply.size() < 4096) reply += (reply.empty() ? "" : " ") + std::string(trim(line.substr(4)));
    } else {
      std::string address;
      std::string_view text;
      if (!verdict_line(line, address, text)) continue;
      recipient_report& r = add_recipient(out, address);
      if (!r.diagnostic.empty()) continue;
      r.action = "failed";
      if (!reply.empty()) {
        r.diagnostic = std::string(text) + ": " + reply;
        r.reply_code = find_reply_code(reply);
        r.command = command;
        reply.clear();  // one answer explains one verdict
      } else {
        r.diagnostic = std::string(text);
        r.reply_code = find_reply_code(text);
      }
    }
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
