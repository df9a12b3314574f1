// See mail.hpp.
#include "parser/mail.hpp"

#include "parser/header.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

std::string mail::header(std::string_view name) const { return header_or_empty(root.headers, name); }
std::string mail::subject() const { return header("Subject"); }

namespace {

void locate(const mime_part& part, mail& m, bool inside_original) {
  if (part.type == "message" && (part.subtype == "delivery-status" || part.subtype == "global-delivery-status")) {
    // A delivery-status part that names no recipient is no report (some MTAs label their human
    // text so): its text is the notice's, and a later part that names recipients is the report.
    const bool names_recipient = icontains(part.body, "recipient");
    if (!m.delivery_status || (names_recipient && !icontains(m.delivery_status->body, "recipient"))) m.delivery_status = &part;
    if (!names_recipient && !inside_original) {
      m.body_text += part.body;
      if (!part.body.empty() && part.body.back() != '\n') m.body_text += '\n';
    }
    return;
  }
  if (part.type == "message" && part.subtype == "feedback-report") {
    if (!m.feedback_report) m.feedback_report = &part;
    return;
  }
  const bool is_original = (part.type == "message" && (part.subtype == "rfc822" || part.subtype == "global" ||
                                                       part.subtype == "partial" || part.subtype == "global-headers")) ||
                           (part.type == "text" && (part.subtype == "rfc822-headers" || part.subtype == "global-headers"));
  if (is_original && !inside_original) {
    if (!m.original) {
      m.original = &part;
      if (!part.children.empty()) {
        m.original_headers = part.children.front().headers;
        m.original_body = part.children.front().body;
      } else {
        std::string_view header, body;
        split_header_body(part.body, header, body);
        // Headers only (text/rfc822-headers; RFC 6533's message/global-headers).
        if (header.empty() && (part.type == "text" || part.subtype == "global-headers")) header = part.body;
        m.original_headers = parse_headers(header);
        m.original_body = std::string(body);
      }
    }
    return;
  }
  if (part.type == "multipart") {
    if (!part.body.empty() && !inside_original) {
      m.body_text += part.body;
      m.body_text += '\n';
    }
    for (const auto& child : part.children) locate(child, m, inside_original);
    return;
  }
  if (part.type == "text" && !inside_original) {
    if (part.subtype == "html" && !m.body_text.empty()) return;
    m.body_text += part.body;
    if (!part.body.empty() && part.body.back() != '\n') m.body_text += '\n';
  }
}

// An mbox "From sender date" line before the header (a message saved from a mailbox) is no
// header field; left in place it would hide the whole header from the MIME parser.
void drop_mbox_line(std::string& text) {
  if (!text.starts_with("From ")) return;
  const std::size_t eol = text.find('\n');
  text.erase(0, eol == std::string::npos ? text.size() : eol + 1);
}

}  // namespace

mail load_mail(std::string_view raw) {
  mail m;
  m.text = normalize_newlines(raw);
  drop_mbox_line(m.text);
  // A UTF-8 byte order mark before the header (a message saved by a Windows editor) is no part
  // of the first field's name.
  if (m.text.starts_with("\xEF\xBB\xBF")) m.text.erase(0, 3);
  // Lines of white space before a header (a message pasted or saved with a stray first line) hide
  // the whole header from the MIME parser: they go when a header field follows them.
  {
    std::size_t at = 0;
    while (at < m.text.size()) {
      const std::size_t eol = m.text.find('\n', at);
      if (eol == std::string::npos) break;
      if (!trim(std::string_view(m.text).substr(at, eol - at)).empty()) break;
      at = eol + 1;
    }
    if (at > 0 && at < m.text.size()) {
      const std::size_t eol = m.text.find('\n', at);
      const std::string_view first = std::string_view(m.text).substr(at, eol == std::string::npos ? std::string::npos : eol - at);
      if (looks_like_field(first)) m.text.erase(0, at);
    }
  }
  m.root = parse_mime(m.text);
  if (m.root.children.empty() && m.root.type != "message") {
    m.body_text = m.root.body;
  } else {
    locate(m.root, m, false);
  }
  m.notice_size = cut_original(m.body_text).size();
  m.from_address = find_address(m.header("From"));
  return m;
}

head read_head(std::string_view raw) {
  std::string text = normalize_newlines(raw.substr(0, max_head_bytes));
  drop_mbox_line(text);
  std::string_view header, body;
  split_header_body(text, header, body);
  const std::vector<header_field> fields = parse_headers(header);
  return {find_address(header_or_empty(fields, "From")), header_or_empty(fields, "Subject")};
}

void read_inline_original(std::string_view text, mail& m) {
  std::vector<std::string_view> lines = split_lines(text);
  std::size_t i = 0;
  while (i < lines.size() && (trim(lines[i]).empty() || !looks_like_field(trim(lines[i])))) {
    if (i > 8) return;  // the original must follow the marker closely
    ++i;
  }
  if (i >= lines.size()) return;
  const std::size_t start = static_cast<std::size_t>(lines[i].data() - text.data());
  std::string_view rest = text.substr(start);
  std::string_view header, body;
  split_header_body(rest, header, body);
  std::vector<header_field> fields = parse_headers(header);
  if (fields.empty()) return;
  m.original_headers = std::move(fields);
  m.original_body = std::string(body);
}

}  // namespace bounced::parser
