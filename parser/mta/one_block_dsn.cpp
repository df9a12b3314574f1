// A delivery-status part written as one block: some providers (Facebook, MessageLabs) put the
// recipient's fields among the per-message ones, some before Final-Recipient, so RFC 3464's
// groups (RFC 3464 2.1: per-message fields, then one group per recipient, separated by empty
// lines) do not hold. Here every field belongs to the Final-Recipient it precedes or follows,
// until the next Final-Recipient starts a new record.
// Trusts: nothing but the field names. Limits: a Diagnostic-Code's continuation lines that are
// not indented are not part of it (they are no header continuation).
#include "parser/header.hpp"
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser::mta {

bool read_one_block_dsn(const mail& m, report& out) {
  if (m.delivery_status == nullptr) return false;
  recipient_report pending;
  bool named = false;
  const auto flush = [&] {
    if (!named) return;
    recipient_report& r = add_recipient(out, pending.recipient);
    r = pending;
    pending = recipient_report{};
    named = false;
  };
  for (const header_field& f : parse_headers(m.delivery_status->body)) {
    if (iequals(f.name, "Final-Recipient")) {
      flush();
      pending.recipient = find_address(f.value);
      named = !pending.recipient.empty();
    } else if (iequals(f.name, "Diagnostic-Code")) {
      const std::string_view value = f.value;
      const std::size_t semi = value.find(';');
      pending.diagnostic_type = semi == std::string_view::npos ? "" : to_upper(trim(value.substr(0, semi)));
      pending.diagnostic = fold_space(semi == std::string_view::npos ? value : value.substr(semi + 1));
    } else if (iequals(f.name, "Status")) {
      pending.status = find_status_code(f.value);
    } else if (iequals(f.name, "Action")) {
      pending.action = to_lower(trim(f.value));
    } else if (iequals(f.name, "Remote-MTA")) {
      pending.remote_mta = std::string(trim(f.value));
      pending.rhost = host_of(f.value);
    } else if (iequals(f.name, "Last-Attempt-Date")) {
      pending.last_attempt_date = std::string(trim(f.value));
    } else if (iequals(f.name, "Reporting-MTA")) {
      out.reporting_mta = std::string(trim(f.value));
    } else if (iequals(f.name, "Arrival-Date")) {
      out.arrival_date = std::string(trim(f.value));
    }
  }
  flush();
  return !out.recipients.empty();
}

}  // namespace bounced::parser::mta
