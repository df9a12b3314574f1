// RFC 3464 delivery status notifications (and RFC 6533 global ones): the per-message field group
// (Reporting-MTA, Arrival-Date, Original-Envelope-Id) and one group per recipient (Final-Recipient,
// Original-Recipient, Action, Status, Remote-MTA, Diagnostic-Code, Last-Attempt-Date).
// Real MTAs bend the format: groups not separated by blank lines, fields folded oddly, the
// report sent as text/plain. The parser accepts those where the meaning is unambiguous.
#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

recipient_report& add_recipient(report& out, std::string_view address) {
  for (auto& r : out.recipients)
    if (iequals(r.recipient, address)) return r;
  out.recipients.emplace_back();
  out.recipients.back().recipient = std::string(address);
  return out.recipients.back();
}

namespace {

// "smtp; 550 5.1.1 ..." -> type "SMTP", text "550 5.1.1 ...".
void split_typed(std::string_view value, std::string& type, std::string& text) {
  value = trim(value);
  const std::size_t semi = value.find(';');
  if (semi != std::string_view::npos && semi < 20 && value.substr(0, semi).find(' ') == std::string_view::npos) {
    std::string t(trim(value.substr(0, semi)));
    for (char& c : t) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    type = t;
    text = fold_space(value.substr(semi + 1));
  } else {
    text = fold_space(value);
  }
}

}  // namespace

std::size_t parse_dsn_fields(std::string_view text, report& out) {
  // Walk all fields in order; a Final-Recipient starts a new recipient group even when the MTA
  // left out the blank line before it.
  // parse_headers ends a field at an empty line and goes on with the next group: the groups'
  // blank lines are only separators here.
  const std::vector<header_field> fields = parse_headers(text);
  std::size_t added = 0;
  recipient_report current;
  bool have_current = false;
  std::string original_pending;
  auto flush = [&] {
    if (!have_current) return;
    std::string address = current.recipient.empty() ? current.original_recipient : current.recipient;
    if (!address.empty() && looks_like_address(address)) {
      current.recipient = address;
      bool merged = false;
      for (auto& r : out.recipients) {
        if (iequals(r.recipient, address)) {
          merged = true;
          break;
        }
      }
      if (!merged) {
        out.recipients.push_back(std::move(current));
        ++added;
      }
    }
    current = recipient_report{};
    have_current = false;
  };
  for (const auto& f : fields) {
    const std::string_view name = f.name;
    if (iequals(name, "Final-Recipient") || iequals(name, "X-Actual-Recipient")) {
      std::string address = find_address(f.value);
      if (address.empty()) {
        std::string t, v;
        split_typed(f.value, t, v);
        address = clean_address(v);
      }
      if (iequals(name, "X-Actual-Recipient")) {
        if (have_current && current.recipient.empty()) current.recipient = address;
        continue;
      }
      if (have_current && !current.recipient.empty()) flush();
      if (!have_current) {
        current = recipient_report{};
        current.original_recipient = original_pending;
        original_pending.clear();
      }
      have_current = true;
      current.recipient = address;
    } else if (iequals(name, "Original-Recipient")) {
      std::string address = find_address(f.value);
      if (have_current && current.original_recipient.empty()) current.original_recipient = address;
      else if (!have_current) {
        have_current = true;
        current = recipient_report{};
        current.original_recipient = address;
      } else {
        flush();
        have_current = true;
        current.original_recipient = address;
      }
    } else if (iequals(name, "Action")) {
      if (have_current) current.action = to_lower(trim(f.value).substr(0, trim(f.value).find(' ')));
    } else if (iequals(name, "Status")) {
      if (have_current) current.status = find_status_code(f.value);
    } else if (iequals(name, "Remote-MTA")) {
      if (have_current) {
        current.remote_mta = f.value;
        current.rhost = host_of(f.value);
      }
    } else if (iequals(name, "Diagnostic-Code")) {
      if (have_current) split_typed(f.value, current.diagnostic_type, current.diagnostic);
    } else if (iequals(name, "Last-Attempt-Date")) {
      if (have_current) current.last_attempt_date = f.value;
    } else if (iequals(name, "Reporting-MTA")) {
      if (out.reporting_mta.empty()) out.reporting_mta = f.value;
    } else if (iequals(name, "Arrival-Date")) {
      if (out.arrival_date.empty()) out.arrival_date = f.value;
    } else if (iequals(name, "Original-Envelope-Id")) {
      if (out.original_envelope_id.empty()) out.original_envelope_id = std::string(trim(f.value));
    } else if (iequals(name, "Received-From-MTA")) {
      // per-message; not needed for the records
    }
  }
  flush();
  return added;
}

bool decode_rfc3464(const mail& m, report& out) {
  if (m.delivery_status) {
    if (parse_dsn_fields(m.delivery_status->body, out) > 0) return true;
  }
  // Some MTAs send the report as text: look for a Final-Recipient field with an Action or Status.
  const std::size_t at = ifind(m.body_text, "Final-Recipient:");
  if (at != std::string::npos && (icontains(m.body_text, "\nAction:") || icontains(m.body_text, "\nStatus:"))) {
    // Start at the beginning of the group holding the field.
    std::size_t start = m.body_text.rfind("\n\n", at);
    start = start == std::string::npos ? 0 : start + 2;
    if (parse_dsn_fields(std::string_view(m.body_text).substr(start), out) > 0) return true;
  }
  return false;
}

}  // namespace bounced::parser
