// Zoho Mail (mailer-daemon@mail.zoho.com, X-ZohoMail header): a short notice with one line per
// failed address, "<address> Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <text>" (the
// first code the reply, the second the status or the remote's words), or, in a delay warning,
// "[Status: Error, Address: <address>, ResponseCode 421, , Host not reachable.]". The headers
// of the original follow without a marker line.
// Trusts: the sender or the X-ZohoMail header as fingerprint, and those two line shapes.
// Limits: a line Zoho wrapped without quoted-printable is read up to its first line end.
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// The three digits after label in text ("ERROR_CODE :550", "ResponseCode 421"); "" if none.
std::string code_after(std::string_view text, std::string_view label) {
  const std::size_t at = ifind(text, label);
  if (at == std::string_view::npos) return {};
  std::string_view rest = trim(text.substr(at + label.size()));
  if (rest.size() < 3) return {};
  const std::string_view digits = rest.substr(0, 3);
  for (char c : digits)
    if (c < '0' || c > '9') return {};
  if (rest.size() > 3 && rest[3] >= '0' && rest[3] <= '9') return {};
  if (digits[0] != '2' && digits[0] != '4' && digits[0] != '5') return {};
  return std::string(digits);
}

}  // namespace

// Decodes Zoho Mail's failure and delay notices.
bool decode_zoho(const mail& m, report& out) {
  const bool zoho = icontains(m.from(), "@mail.zoho.") || !m.header("X-ZohoMail").empty();
  if (!zoho) return false;
  const std::string_view notice = m.notice();
  // A warning says so; otherwise a temporary reply code still means Zoho keeps trying.
  const bool warning = icontains(m.subject(), "(Delay)") || icontains(notice, "THIS IS A WARNING MESSAGE ONLY");
  for (std::string_view raw : split_lines(notice)) {
    const std::string_view line = trim(raw);
    std::string address;
    std::string diagnostic;
    std::string reply;
    if (istarts_with(line, "[Status:") && icontains(line, "Address:")) {
      address = find_address(line.substr(ifind(line, "Address:")));
      diagnostic = std::string(line);
      reply = code_after(line, "ResponseCode");
    } else if (icontains(line, "ERROR_CODE :")) {
      const std::size_t space = line.find(' ');
      if (space == std::string_view::npos) continue;
      const std::string_view first = line.substr(0, space);
      if (!looks_like_address(first)) continue;
      address = clean_address(first);
      diagnostic = std::string(trim(line.substr(space)));
      reply = code_after(line, "ERROR_CODE :");
    } else {
      continue;
    }
    if (address.empty()) continue;
    recipient_report& r = add_recipient(out, address);
    r.diagnostic = diagnostic;
    r.diagnostic_type = "SMTP";
    r.reply_code = reply;
    r.status = find_status_code(diagnostic);
    r.action = warning || (!reply.empty() && reply[0] == '4') ? "delayed" : "failed";
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
