// Apache James: a JavaMail-built notice ("Error: ...", "Error message below:" and the remote's
// answer, then "Message details:" with "MAIL FROM:" and "RCPT TO:" of the failed delivery).
// Trusts: a JavaMail Message-ID or James's Received line, plus the two labels, as fingerprint.
// Limits: the recipients are those on the "RCPT TO:" lines of the details block.
#include "parser/mta/mta.hpp"
#include "parser/mta/sections.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

// Decodes James's bounce notice.
bool decode_apachejames(const mail& m, report& out) {
  const bool james = icontains(m.header("Message-ID"), ".JavaMail.") || icontains(m.header("Received"), "JAMES SMTP Server");
  // James has been seen to fold a Content-Type's boundary parameter without indenting it, which
  // leaves the MIME tree without its text part: read the raw message then.
  const std::string_view body = icontains(m.body_text, "Message details:") ? std::string_view(m.body_text) : std::string_view(m.text);
  if (!james || !icontains(body, "Error message below:") || !icontains(body, "Message details:")) return false;
  const std::string answer = paragraph_after(body, "Error message below:");
  for (std::string_view line : split_lines(body.substr(ifind(body, "Message details:")))) {
    const std::string_view t = trim(line);
    if (!istarts_with(t, "RCPT TO:")) continue;
    const std::string address = find_address(t.substr(8));
    if (address.empty()) continue;
    recipient_report& r = add_recipient(out, address);
    r.diagnostic = "Error message below: " + answer;
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
