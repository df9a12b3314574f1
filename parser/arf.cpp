// RFC 5965 Abuse Reporting Format, plus the complaints that are not quite ARF: Microsoft's JMRP
// (the original attached as message/rfc822 with X-HmXmrOriginalRecipient), and one-click
// unsubscribe notices (Apple Mail's X-Apple-Unsubscribe), which are opt-out feedback.
// The reported recipient is the report's Original-Rcpt-To, else the To of the returned original;
// the report's own To is the complaint desk, never the recipient. When neither names an address
// (redacted reports say "Undisclosed Recipients") the recipient is a pseudo address, as Sisimai
// writes it, so the complaint is still counted.
#include "parser/charset.hpp"
#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

namespace {

// Sisimai's placeholder for a complaint whose recipient the reporter left out.
constexpr std::string_view undisclosed_recipient = "undisclosed-recipient-in-headers@libsisimai.org.invalid";

// The first paragraph of the human-readable part, as the complaint's diagnostic text.
std::string first_paragraph(std::string_view text) {
  text = trim(text);
  const std::size_t end = text.find("\n\n");
  return fold_space(utf8_prefix(text.substr(0, end), 2000));
}

// The report's explaining sentence ("This is an email abuse report for an email message received
// from IP ..."), one line as the reporters write it; else the first paragraph that is not the
// MIME preamble.
std::string report_sentence(std::string_view text) {
  for (std::string_view line : split_lines(text)) {
    const std::string_view t = trim(line);
    if (istarts_with(t, "this is ") && (icontains(t, " report") || icontains(t, "complaint")) &&
        !icontains(t, "multi-part message"))
      return fold_space(utf8_prefix(t, 2000));
  }
  text = trim(text);
  if (istarts_with(text, "This is a multi-part message")) {
    const std::size_t end = text.find("\n\n");
    if (end != std::string_view::npos) text = text.substr(end);
  }
  return first_paragraph(text);
}

// "received from IP 192.0.2.1" / "from IP address 192.0.2.1" in the report's sentence.
std::string ip_in_sentence(std::string_view sentence) {
  std::size_t at = ifind(sentence, "from IP address ");
  std::size_t skip = 16;
  if (at == std::string_view::npos) {
    at = ifind(sentence, "from IP ");
    skip = 8;
  }
  if (at == std::string_view::npos) return {};
  std::string_view rest = sentence.substr(at + skip);
  std::size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != ',') ++end;
  std::string_view ip = rest.substr(0, end);
  while (!ip.empty() && ip.back() == '.') ip.remove_suffix(1);
  return std::string(ip);
}

}  // namespace

bool decode_arf(const mail& m, report& out) {
  const bool is_arf = m.feedback_report != nullptr || (m.root.is("multipart", "report") && m.root.report_type == "feedback-report");
  if (is_arf && m.feedback_report) {
    const std::vector<header_field> fields = parse_headers(m.feedback_report->body);
    std::vector<std::string> recipients;
    std::string feedback_type, source_ip, auth_results;
    for (const auto& f : fields) {
      // Removal-Recipient (opt-out reports) names who asked to be removed, which Sisimai does
      // not count as the reported recipient: the original's To decides then.
      if (iequals(f.name, "Original-Rcpt-To")) {
        std::string a = find_address(f.value);
        if (!a.empty()) recipients.push_back(a);
      } else if (iequals(f.name, "Feedback-Type")) {
        feedback_type = to_lower(trim(f.value));
      } else if (iequals(f.name, "Authentication-Results")) {
        // RFC 6591: what the reporter's checks found; it explains an auth-failure report.
        if (auth_results.empty()) auth_results = fold_space(f.value);
      } else if (iequals(f.name, "Source-IP")) {
        source_ip = std::string(trim(f.value));
      } else if (iequals(f.name, "Reporting-MTA")) {
        out.reporting_mta = f.value;
      } else if (iequals(f.name, "Arrival-Date") || iequals(f.name, "Received-Date")) {
        out.arrival_date = f.value;
      }
    }
    if (recipients.empty()) {
      const std::string to = find_address(header_or_empty(m.original_headers, "To"));
      recipients.push_back(to.empty() ? std::string(undisclosed_recipient) : to);
    }
    std::string diagnostic = report_sentence(m.body_text);
    if (source_ip.empty()) source_ip = ip_in_sentence(diagnostic);
    if (feedback_type == "auth-failure" && !auth_results.empty())
      diagnostic += (diagnostic.empty() ? "" : " ") + auth_results;
    for (const auto& address : recipients) {
      recipient_report& r = add_recipient(out, address);
      r.reason_hint = "feedback";
      r.feedback_type = feedback_type.empty() ? "other" : feedback_type;
      r.rhost = source_ip;
      r.source_ip = source_ip;
      r.diagnostic = diagnostic;
    }
    out.kind = message_kind::feedback;
    return true;
  }
  // Microsoft JMRP: "complaint about message from ..." with the original attached.
  const std::string* ms = find_header(m.original_headers, "X-HmXmrOriginalRecipient");
  if (ms && m.original) {
    const std::string address = find_address(*ms);
    if (address.empty()) return false;
    recipient_report& r = add_recipient(out, address);
    r.reason_hint = "feedback";
    r.feedback_type = "abuse";
    const std::string subject = m.subject();
    const std::size_t from = ifind(subject, "message from ");
    if (from != std::string::npos) r.rhost = std::string(trim(std::string_view(subject).substr(from + 13)));
    r.source_ip = r.rhost;
    out.kind = message_kind::feedback;
    return true;
  }
  // Apple Mail's unsubscribe: the user asked to be removed; an opt-out complaint.
  const std::string* apple = find_header(m.headers(), "X-Apple-Unsubscribe");
  if (apple && iequals(trim(*apple), "true")) {
    const std::string address = m.from();
    if (address.empty()) return false;
    recipient_report& r = add_recipient(out, address);
    r.reason_hint = "feedback";
    r.feedback_type = "opt-out";
    r.diagnostic = first_paragraph(m.body_text);
    out.kind = message_kind::feedback;
    return true;
  }
  return false;
}

}  // namespace bounced::parser
