// Amazon SES event notifications delivered by mail through Amazon SNS ("AWS Notification
// Message" from no-reply@sns.amazonaws.com): the body is the SES event as JSON, either bare or
// wrapped in an SNS envelope whose "Message" field holds it as a string. Three event types carry
// recipients: Bounce (bouncedRecipients with action, status and diagnosticCode), Complaint
// (complainedRecipients, complaintFeedbackType) and Delivery (recipients, smtpResponse).
// Trusts: the JSON only after Boost.JSON parsed it (depth-limited, no exceptions); SNS mail folds
// long lines as "!" + line end + space, which is undone first. Limits: the JSON is the text
// between the body's first '{' and last '}', cut at max_json_bytes. SES's bounce notices sent as
// ordinary DSNs (MAILER-DAEMON@...amazonses.com) are left to the RFC 3464 decoder.
#include <boost/json.hpp>

#include "parser/mta/mta.hpp"
#include "parser/header.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

namespace {

namespace json = boost::json;

inline constexpr std::size_t max_json_bytes = 1024 * 1024;

bool is_sns_notification(const mail& m) {
  if (find_header(m.headers(), "x-amz-sns-message-id")) return true;
  return iends_with(m.from(), "@sns.amazonaws.com");
}

// The JSON text of the body with SNS's "!\n " line folds removed.
std::string json_text(std::string_view body) {
  const std::size_t open = body.find('{');
  const std::size_t close = body.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return {};
  body = body.substr(open, std::min(close - open + 1, max_json_bytes));
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '!' && i + 2 < body.size() && body[i + 1] == '\n' && body[i + 2] == ' ') {
      i += 2;
      continue;
    }
    if (body[i] == '\n') continue;  // folds elsewhere are line breaks inside the one-line JSON
    out.push_back(body[i]);
  }
  return out;
}

const json::object* parse_object(std::string_view text, json::value& holder) {
  json::error_code ec;
  json::parse_options options;
  options.max_depth = 16;
  holder = json::parse(text, ec, json::storage_ptr(), options);
  if (ec) return nullptr;
  return holder.if_object();
}

std::string string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  const json::string& s = v->get_string();
  return std::string(s.data(), s.size());
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr ? nullptr : v->if_object();
}

const json::array* array_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr ? nullptr : v->if_array();
}

// "smtp; 550 5.1.1 user unknown" -> type SMTP, text after the semicolon.
void set_diagnostic(recipient_report& r, std::string_view code) {
  code = trim(code);
  const std::size_t semi = code.find(';');
  if (semi != std::string_view::npos && semi < 16 && code.substr(0, semi).find(' ') == std::string_view::npos) {
    r.diagnostic_type = std::string(trim(code.substr(0, semi)));
    for (char& c : r.diagnostic_type) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    code = trim(code.substr(semi + 1));
  }
  r.diagnostic = fold_space(code);
}

void read_bounce(const json::object& bounce, report& out) {
  out.reporting_mta = string_at(bounce, "reportingMTA");
  const json::array* list = array_at(bounce, "bouncedRecipients");
  if (list == nullptr) return;
  for (const json::value& item : *list) {
    const json::object* o = item.if_object();
    if (o == nullptr) continue;
    const std::string address = clean_address(string_at(*o, "emailAddress"));
    if (!looks_like_address(address)) continue;
    recipient_report& r = add_recipient(out, address);
    r.action = to_lower(string_at(*o, "action"));
    r.status = find_status_code(string_at(*o, "status"));
    set_diagnostic(r, string_at(*o, "diagnosticCode"));
  }
  out.kind = message_kind::dsn;
}

void read_complaint(const json::object& complaint, report& out) {
  std::string type = to_lower(trim(string_at(complaint, "complaintFeedbackType")));
  const json::array* list = array_at(complaint, "complainedRecipients");
  if (list == nullptr) return;
  for (const json::value& item : *list) {
    const json::object* o = item.if_object();
    if (o == nullptr) continue;
    const std::string address = clean_address(string_at(*o, "emailAddress"));
    if (!looks_like_address(address)) continue;
    recipient_report& r = add_recipient(out, address);
    r.reason_hint = "feedback";
    r.feedback_type = type.empty() ? "other" : type;
  }
  out.kind = message_kind::feedback;
}

void read_delivery(const json::object& delivery, report& out) {
  out.reporting_mta = string_at(delivery, "reportingMTA");
  const std::string response = string_at(delivery, "smtpResponse");
  const json::array* list = array_at(delivery, "recipients");
  if (list == nullptr) return;
  for (const json::value& item : *list) {
    if (!item.is_string()) continue;
    const json::string& s = item.get_string();
    const std::string address = clean_address(std::string_view(s.data(), s.size()));
    if (!looks_like_address(address)) continue;
    recipient_report& r = add_recipient(out, address);
    r.action = "delivered";
    r.reason_hint = "delivered";
    r.diagnostic = fold_space(response);
    r.diagnostic_type = "SMTP";
  }
  out.kind = message_kind::dsn;
}

}  // namespace

// Decodes an SES Bounce, Complaint or Delivery event sent by SNS as mail.
bool decode_amazonses_json(const mail& m, report& out) {
  if (!is_sns_notification(m) || !icontains(m.body_text, "notificationType")) return false;
  json::value holder;
  const json::object* event = parse_object(json_text(m.body_text), holder);
  if (event == nullptr) return false;
  // An SNS envelope: {"Type":"Notification","Message":"{...the SES event...}"}.
  json::value inner;
  if (!event->contains("notificationType")) {
    const std::string message = string_at(*event, "Message");
    event = parse_object(message, inner);
    if (event == nullptr) return false;
  }
  const std::string type = to_lower(string_at(*event, "notificationType"));
  if (type == "bounce") {
    if (const json::object* o = object_at(*event, "bounce")) read_bounce(*o, out);
  } else if (type == "complaint") {
    if (const json::object* o = object_at(*event, "complaint")) read_complaint(*o, out);
  } else if (type == "delivery") {
    if (const json::object* o = object_at(*event, "delivery")) read_delivery(*o, out);
  }
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
