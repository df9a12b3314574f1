// RFC 5965 Abuse Reporting Format, plus the complaints that are not quite ARF: Microsoft's JMRP
// (the original attached as message/rfc822 with X-HmXmrOriginalRecipient), and one-click
// unsubscribe notices (Apple Mail's X-Apple-Unsubscribe), which are opt-out feedback.
#include "parser/charset.hpp"
#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

namespace {

// The first paragraph of the human-readable part, as the complaint's diagnostic text.
std::string first_paragraph(std::string_view text) {
  text = trim(text);
  const std::size_t end = text.find("\n\n");
  return fold_space(utf8_prefix(text.substr(0, end), 2000));
}

}  // namespace

bool decode_arf(const mail& m, report& out) {
  const bool is_arf = m.feedback_report != nullptr || (m.root.is("multipart", "report") && m.root.report_type == "feedback-report");
  if (is_arf && m.feedback_report) {
    const std::vector<header_field> fields = parse_headers(m.feedback_report->body);
    std::vector<std::string> recipients;
    std::string feedback_type, source_ip;
    for (const auto& f : fields) {
      if (iequals(f.name, "Original-Rcpt-To") || iequals(f.name, "Removal-Recipient")) {
        std::string a = find_address(f.value);
        if (!a.empty()) recipients.push_back(a);
      } else if (iequals(f.name, "Feedback-Type")) {
        feedback_type = to_lower(trim(f.value));
      } else if (iequals(f.name, "Source-IP")) {
        source_ip = std::string(trim(f.value));
      } else if (iequals(f.name, "Reporting-MTA")) {
        out.reporting_mta = f.value;
      } else if (iequals(f.name, "Arrival-Date") || iequals(f.name, "Received-Date")) {
        out.arrival_date = f.value;
      }
    }
    if (recipients.empty()) {
      std::string to = find_address(header_or_empty(m.original_headers, "To"));
      if (to.empty()) to = find_address(m.header("To"));
      if (!to.empty()) recipients.push_back(to);
    }
    if (recipients.empty()) return false;
    const std::string diagnostic = first_paragraph(m.body_text);
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
