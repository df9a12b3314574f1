// Exim's bounce: "This message was created automatically by mail delivery software.", then
// "The following address(es) failed:" with each address on a line indented by two spaces and
// its error indented further; delays list "have not yet been delivered". Newer Exims attach a
// message/delivery-status part as well, whose Status is often 5.0.0: the text's diagnostic is
// the better source and the common last step prefers its more specific code.
#include "parser/mta/mta.hpp"
#include "parser/charset.hpp"
#include "parser/header.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

bool is_exim(const mail& m) {
  if (find_header(m.headers(), "X-Failed-Recipients")) return true;
  if (icontains(m.body_text, "This message was created automatically by mail delivery software")) return true;
  // Exim's answer to "exim -t" with a malformed To: the message went on without that address.
  if (icontains(m.subject(), "Mail failure - malformed recipient address")) return true;
  const std::string received = m.header("Received");
  return icontains(received, "(Exim ") && icontains(m.header("Message-Id"), "<E1") && looks_like_bounce(m);
}

// Exim's words for giving up after the retry time ran out on temporary failures: the failure
// is the end of a delay, so the record is a transient one, and without a remote answer the
// reason is expiry.
bool retry_time_ran_out(std::string_view diagnostic) {
  return icontains(diagnostic, "retry timeout exceeded") ||
         icontains(diagnostic, "all hosts have been failing for a long time") ||
         icontains(diagnostic, "retry time not reached for any host after a long failure period");
}

std::string_view indent(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return line.substr(0, n);
}

// A refusal at MAIL FROM is about the sender, not the recipient: Exim's own words give no
// reason for it, so (as Sisimai does) the record is "on hold" until the classifier reads the
// remote's words: without a stated status it gets the x.0.901 pseudo status, its class from the
// reply code, and the failure is final for this message even inside a delay warning.
void refused_sender(recipient_report& r) {
  if (!r.status.empty() || find_command(r.diagnostic) != "MAIL") return;
  if (!find_status_code(r.diagnostic).empty()) return;
  const std::string reply = find_reply_code(r.diagnostic);
  r.status = (!reply.empty() && reply[0] == '4') ? "4.0.901" : "5.0.901";
  r.action = "failed";
}

}  // namespace

bool decode_exim(const mail& m, report& out) {
  if (!is_exim(m)) return false;
  std::string_view notice = m.notice();
  const bool delayed = icontains(notice, "have not yet been delivered") || icontains(m.subject(), "delayed");
  std::vector<std::string_view> lines = split_lines(notice);
  recipient_report* current = nullptr;
  std::size_t current_indent = 0;
  std::vector<recipient_report> found;
  bool in_list = false;
  std::string list_text;  // the list block as written, for a recipient named only in a header
  bool malformed = false;  // "recipient addresses that were incorrectly constructed:"
  for (std::string_view line : lines) {
    if (icontains(line, "address(es) failed") || icontains(line, "not yet been delivered") ||
        icontains(line, "following address") || icontains(line, "could not be delivered to") ||
        icontains(line, "incorrectly constructed:")) {
      in_list = true;
      malformed = icontains(line, "incorrectly constructed:");
      current = nullptr;
      continue;
    }
    if (!in_list) continue;
    if (trim(line).empty()) {
      current = nullptr;
      if (!list_text.empty()) list_text += '\n';
      continue;
    }
    if (list_text.size() < 2000 && list_text.find("\n\n") == std::string::npos) {
      list_text += std::string(trim(line));
      list_text += '\n';
    }
    const std::size_t ind = indent(line).size();
    std::string_view content = trim(line);
    // "  as written <address>: malformed address: ..." names the address as Exim read it.
    const std::size_t colon = content.find(": ");
    if (malformed && ind > 0 && colon != std::string_view::npos) {
      const std::string address = find_address(content.substr(0, colon));
      if (!address.empty()) {
        found.emplace_back();
        current = &found.back();
        current_indent = ind;
        current->recipient = address;
        current->diagnostic = std::string(trim(content.substr(colon + 1)));
        current->reason_hint = "syntaxerror";  // the notice is about the address's syntax
        continue;
      }
    }
    const bool address_line = ind > 0 && ind <= 4 && looks_like_address(clean_address(content.substr(0, content.find(' '))));
    if (address_line && (current == nullptr || ind <= current_indent)) {
      found.emplace_back();
      current = &found.back();
      current_indent = ind;
      current->recipient = clean_address(content.substr(0, content.find(' ')));
      const std::size_t rest = content.find(' ');
      if (rest != std::string_view::npos) current->diagnostic = std::string(trim(content.substr(rest)));
      continue;
    }
    if (current && ind > current_indent) {
      if (!current->diagnostic.empty()) current->diagnostic += ' ';
      current->diagnostic += std::string(content);
      continue;
    }
    if (ind == 0) current = nullptr;
  }
  // The DSN part, when there is one, gives Status, Remote-MTA and Action.
  report dsn;
  const bool have_dsn = decode_rfc3464(m, dsn);
  if (found.empty()) {
    if (!have_dsn) {
      // An address on its own in the X-Failed-Recipients header is still a recipient.
      const std::string failed = m.header("X-Failed-Recipients");
      const std::string address = find_address(failed);
      if (address.empty()) return false;
      found.emplace_back();
      found.back().recipient = address;
      std::string_view block = list_text;
      // "  kijitora" alone: the list's address line names the local part only, not the error.
      const std::size_t eol = block.find('\n');
      if (eol != std::string_view::npos && iequals(block.substr(0, eol), address.substr(0, address.find('@'))))
        block.remove_prefix(eol + 1);
      found.back().diagnostic = fold_space(block.empty() ? utf8_prefix(notice, 1000) : block);
    } else {
      out.recipients = std::move(dsn.recipients);
      out.reporting_mta = dsn.reporting_mta;
      // "pipe to |command": the text names the failed delivery better than the empty DSN does.
      for (auto& r : out.recipients) {
        if (r.diagnostic.empty()) r.diagnostic = fold_space(list_text);
        if (istarts_with(r.diagnostic, "pipe to |")) r.reason_hint = "mailererror";
      }
      return true;
    }
  }
  // A DSN whose only Final-Recipient is no address (a file or a pipe Exim delivered to) still
  // gives the one recipient named in the text its Status and Action.
  if (found.size() == 1 && dsn.recipients.empty() && m.delivery_status != nullptr) {
    std::size_t groups = 0;
    std::string status, action;
    for (const auto& f : parse_headers(m.delivery_status->body)) {
      if (iequals(f.name, "Final-Recipient")) ++groups;
      else if (iequals(f.name, "Status")) status = find_status_code(f.value);
      else if (iequals(f.name, "Action")) action = to_lower(trim(f.value));
    }
    if (groups == 1) {
      found.front().status = status;
      found.front().action = action;
    }
  }
  for (auto& r : found) {
    // "host mx.example.jp [192.0.2.20]: 550 ..." names the remote host.
    const std::size_t host = ifind(r.diagnostic, "host ");
    if (host != std::string::npos) r.rhost = host_of(std::string_view(r.diagnostic).substr(host + 5));
    for (const auto& d : dsn.recipients) {
      if (!iequals(d.recipient, r.recipient)) continue;
      r.status = d.status;
      r.action = d.action;
      r.remote_mta = d.remote_mta;
      if (r.rhost.empty()) r.rhost = d.rhost;
      r.diagnostic_type = d.diagnostic_type;
      if (r.diagnostic.empty()) r.diagnostic = d.diagnostic;
    }
    refused_sender(r);
    // "save to /path" and "pipe to |command": a local delivery to a file or a program failed,
    // so the diagnostic is no remote's SMTP reply (RFC 3464 2.3.6's X-UNIX type).
    if (r.diagnostic_type.empty() && (istarts_with(r.diagnostic, "save to /") || istarts_with(r.diagnostic, "pipe to |")))
      r.diagnostic_type = "X-UNIX";
    if (r.action.empty() && (delayed || (r.status.empty() && retry_time_ran_out(r.diagnostic)))) r.action = "delayed";
    if (r.reason_hint.empty() && r.status.empty() && find_reply_code(r.diagnostic).empty() &&
        icontains(r.diagnostic, "have been failing for a long time"))
      r.reason_hint = "expired";
    recipient_report& added = add_recipient(out, r.recipient);
    added = std::move(r);
  }
  out.reporting_mta = dsn.reporting_mta;
  return true;
}

}  // namespace bounced::parser::mta
