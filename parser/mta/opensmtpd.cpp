// OpenSMTPD's notices (smtpd's bounce.c): an indented "Hi! / This is the MAILER-DAEMON, please
// DO NOT REPLY to this e-mail." intro, a sentence ending "list of recipients:", then one line
// per recipient, unindented, "address: error", and "Below is a copy of the original message:".
// Newer versions add a message/delivery-status part whose Status is only a class guess (5.0.0,
// 4.0.0); the text line is the better record (the remote's reply, or smtpd's own error), so the
// DSN part is not read, as Sisimai does not read it either.
// Trusts: the intro and the "list of recipients:" line as fingerprint. Limits: recipient lines
// are read up to the quoted original; an error that wraps onto an indented line keeps only its
// first line (smtpd writes each on one line).
#include "parser/mta/mta.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

// smtpd's own errors (no remote answered), from its mta.c and scheduler: each names its cause.
std::string_view reason_of_own_error(std::string_view error) {
  if (istarts_with(error, "Domain does not exist") || istarts_with(error, "Invalid domain name")) return "hostunknown";
  if (istarts_with(error, "No MX found for domain")) return "notaccept";
  if (istarts_with(error, "Network error on destination MXs") || istarts_with(error, "Temporary failure in MX lookup"))
    return "networkerror";
  if (istarts_with(error, "Envelope expired")) return "expired";
  return {};
}

}  // namespace

// Decodes smtpd's error, delay, success and relay notices.
bool decode_opensmtpd(const mail& m, report& out) {
  const std::string_view body = m.body_text;
  if (!icontains(body, "This is the MAILER-DAEMON, please DO NOT REPLY to this")) return false;
  const std::size_t intro = ifind(body, "list of recipients:");
  const std::size_t success = ifind(body, "successfully delivered to these recipients");
  const std::size_t relayed = ifind(body, "was relayed to these recipients");
  const std::size_t lead = std::min(intro, std::min(success, relayed));
  if (lead == std::string_view::npos) return false;
  std::string_view rest = body.substr(lead);
  const std::size_t end = ifind(rest, "Below is a copy of the original message");
  if (end != std::string_view::npos) rest = rest.substr(0, end);

  for (std::string_view line : split_lines(rest)) {
    // The notice's own prose is indented; recipient lines start at the margin.
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos || !looks_like_address(trim(line.substr(0, colon)))) continue;
    recipient_report& r = add_recipient(out, trim(line.substr(0, colon)));
    r.diagnostic = std::string(trim(line.substr(colon + 2)));
    r.reason_hint = std::string(reason_of_own_error(r.diagnostic));
    // A delay notice's action is left to the status the line states: smtpd sends one for an
    // error it has not given up on, and Sisimai reads such a line like a failure.
    if (lead == success) r.action = "delivered";
    else if (lead == relayed) r.action = "relayed";
    else if (icontains(body.substr(0, lead + 40), "An error has occurred")) r.action = "failed";
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
