// RFC 3464 delivery status notifications (and RFC 6533 global ones): the per-message field group
// (Reporting-MTA, Arrival-Date, Original-Envelope-Id) and one group per recipient (Final-Recipient,
// Original-Recipient, Action, Status, Remote-MTA, Diagnostic-Code, Last-Attempt-Date, and
// PowerMTA's X-PowerMTA-BounceCategory, its own verdict, kept as the recipient's reason hint).
// Real MTAs bend the format: groups not separated by blank lines, fields folded oddly, the
// report sent as text/plain. The parser accepts those where the meaning is unambiguous.
// Field values are kept as written: RFC 3464 fields are structured, not RFC 2047 text, and an
// address like "=?utf-8?B?...?=@example.org" is the address the MTA tried, not a word to decode.
// Two last resorts: a multipart whose boundary matched nothing (the MIME tree lost the report,
// so the raw body is searched for the fields), and a report with a per-message group but no
// recipient group (the returned original's To is then the recipient). A bounce returned inside
// another notice is read from the returned message's own report.
#include <utility>

#include "parser/decoder.hpp"
#include "parser/header.hpp"
#include "parser/mta/mta.hpp"
#include "parser/scan.hpp"
#include "parser/text.hpp"

namespace bounced::parser {

recipient_report& add_recipient(report& out, std::string_view address) {
  // Every decoder's address goes through the one normaliser (kept as written when it is none).
  const std::string normal = clean_address(address);
  for (auto& r : out.recipients)
    if (iequals(r.recipient, normal)) return r;
  out.recipients.emplace_back();
  out.recipients.back().recipient = normal;
  return out.recipients.back();
}

namespace {

// The field groups of a DSN, unfolded, values as written (no RFC 2047 decoding). A line that is
// no field ends the current one, as an empty line does; an empty line after a field adds an
// entry without a name, the end of a group.
std::vector<header_field> dsn_fields(std::string_view text) {
  std::vector<header_field> fields;
  std::string name, value;
  auto flush = [&] {
    if (!name.empty() && fields.size() < max_header_fields) fields.push_back({name, fold_space(value)});
    name.clear();
    value.clear();
  };
  for (std::string_view line : split_lines(text)) {
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !name.empty()) {
      if (value.size() < max_header_value_bytes) {
        value.push_back(' ');
        value.append(line.substr(0, max_header_value_bytes - value.size() + 1));
      }
      continue;
    }
    flush();
    // An empty line ends a field group: kept as a nameless separator entry.
    if (line.empty() && !fields.empty() && !fields.back().name.empty() && fields.size() < max_header_fields)
      fields.push_back({});
    if (line.empty() || !looks_like_field(line)) continue;
    const std::size_t colon = line.find(':');
    name = std::string(line.substr(0, colon));
    value = std::string(line.substr(colon + 1, max_header_value_bytes));
  }
  flush();
  return fields;
}

// A recipient address as a DSN field may state it: local@domain with no white space. Unlike
// looks_like_address, a domain without a dot is accepted ("user@mailhub0"): an MTA names its own
// local recipients so, and the field leaves no doubt that this is the address. A source route
// ("@relay:user@host") is a path, not the final address.
bool dsn_address_ok(std::string_view address) noexcept {
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return false;
  if (address.front() == '@' || address.find(':') != std::string_view::npos) return false;
  for (char c : address)
    if (c == ' ' || c == '\t' || c == '<' || c == '>' || c == '|') return false;
  return true;
}

// "smtp; 550 5.1.1 ..." -> type "SMTP", text "550 5.1.1 ...".
void split_typed(std::string_view value, std::string& type, std::string& text) {
  value = trim(value);
  const std::size_t semi = value.find(';');
  if (semi != std::string_view::npos && semi < 20 && value.substr(0, semi).find(' ') == std::string_view::npos) {
    type = to_upper(trim(value.substr(0, semi)));
    text = fold_space(value.substr(semi + 1));
  } else {
    text = fold_space(value);
  }
}

// PowerMTA's own verdict on a recipient (X-PowerMTA-BounceCategory, written beside the DSN
// fields) in this project's reason words; "" for a category that names no single reason
// ("other", "content-related", ...). The categories and their meaning as Sisimai reads them.
std::string_view reason_of_powermta_category(std::string_view category) {
  static constexpr std::pair<std::string_view, std::string_view> table[] = {
      {"bad-domain", "hostunknown"},          {"bad-mailbox", "userunknown"},
      {"inactive-mailbox", "suspend"},        {"message-expired", "expired"},
      {"no-answer-from-host", "networkerror"}, {"policy-related", "policyviolation"},
      {"quota-issues", "mailboxfull"},        {"routing-errors", "systemerror"},
      {"spam-related", "spamdetected"},
  };
  category = trim(category);
  for (const auto& [name, reason] : table)
    if (iequals(category, name)) return reason;
  return {};
}

}  // namespace

std::size_t parse_dsn_fields(std::string_view text, report& out) {
  // Walk all fields in order; a Final-Recipient starts a new recipient group even when the MTA
  // left out the blank line before it.
  // parse_headers ends a field at an empty line and goes on with the next group: the groups'
  // blank lines are only separators here.
  const std::vector<header_field> fields = dsn_fields(text);
  std::size_t added = 0;
  recipient_report current;
  bool have_current = false;
  std::string original_pending;
  // True once an empty line ended the group of the current recipient: a field it already has
  // then starts the next group (RFC 3464 puts no order on a group's fields, and some MTAs write
  // Action before Final-Recipient).
  bool group_ended = false;
  auto flush = [&] {
    if (!have_current) return;
    std::string address = current.recipient;
    if (!dsn_address_ok(address)) address = current.original_recipient;
    if (!address.empty() && dsn_address_ok(address)) {
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
    group_ended = false;
  };
  // The group a per-recipient field belongs to: the current one, unless the field is already set
  // there and that group has ended; a field before any Final-Recipient opens a group of its own.
  auto group_for = [&](bool already_set) -> recipient_report& {
    if (have_current && group_ended && already_set) flush();
    if (!have_current) {
      current = recipient_report{};
      current.original_recipient = original_pending;
      original_pending.clear();
      have_current = true;
    }
    return current;
  };
  for (const auto& f : fields) {
    const std::string_view name = f.name;
    if (name.empty()) {
      if (have_current && !current.recipient.empty()) group_ended = true;
      continue;
    }
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
      if (have_current && group_ended) flush();  // the next recipient's group begins with it
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
      recipient_report& r = group_for(!current.action.empty());
      r.action = to_lower(trim(f.value).substr(0, trim(f.value).find(' ')));
    } else if (iequals(name, "Status")) {
      recipient_report& r = group_for(!current.status.empty());
      r.status = find_status_code(f.value);
    } else if (iequals(name, "Remote-MTA")) {
      recipient_report& r = group_for(!current.remote_mta.empty());
      r.remote_mta = f.value;
      r.rhost = host_of(f.value);
    } else if (iequals(name, "Diagnostic-Code")) {
      recipient_report& r = group_for(!current.diagnostic.empty());
      split_typed(f.value, r.diagnostic_type, r.diagnostic);
    } else if (iequals(name, "X-PowerMTA-BounceCategory")) {
      if (have_current) current.reason_hint = std::string(reason_of_powermta_category(f.value));
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

namespace {

// DSN fields written in text: from the start of the group holding the first Final-Recipient.
bool parse_fields_in_text(std::string_view text, report& out) {
  const std::size_t at = ifind(text, "Final-Recipient:");
  if (at == std::string_view::npos || (!icontains(text, "\nAction:") && !icontains(text, "\nStatus:"))) return false;
  std::size_t start = text.rfind("\n\n", at);
  start = start == std::string_view::npos ? 0 : start + 2;
  return parse_dsn_fields(text.substr(start), out) > 0;
}

// The body of a multipart message whose declared boundary matched none of its lines: the MIME
// tree then holds no part at all, and the report is only in the raw text.
std::string_view lost_multipart_body(const mail& m) {
  if (m.root.type != "multipart" || !m.root.children.empty() || !m.body_text.empty()) return {};
  std::string_view header, body;
  split_header_body(m.text, header, body);
  return body;
}

// A report with a per-message group but no recipient group (Postfix writes one when it lost
// the recipient): the returned original's To names the recipient, when it names one.
bool recipient_from_original(const mail& m, report& out) {
  if (!m.delivery_status || !looks_like_bounce(m)) return false;
  const std::string_view fields = m.delivery_status->body;
  if (!icontains(fields, "Reporting-MTA:") || icontains(fields, "Final-Recipient:") ||
      icontains(fields, "Original-Recipient:"))
    return false;
  const std::string to = find_address(header_or_empty(m.original_headers, "To"));
  if (to.empty()) return false;
  recipient_report& r = add_recipient(out, to);
  if (r.action.empty()) r.action = "failed";
  return true;
}

// The delivery-status part of a bounce that an outer notice returns as its attachment (a filter
// that forwards the MTA's DSN inside its own "returned mail"). Searches only below the
// returned message; the MIME tree's depth is bounded by the MIME parser.
const mime_part* nested_delivery_status(const mime_part& part) {
  if (part.type == "message" && (part.subtype == "delivery-status" || part.subtype == "global-delivery-status"))
    return &part;
  for (const auto& child : part.children)
    if (const mime_part* found = nested_delivery_status(child)) return found;
  return nullptr;
}

}  // namespace

namespace {

bool read_report(const mail& m, report& out) {
  if (m.delivery_status) {
    if (parse_dsn_fields(m.delivery_status->body, out) > 0) return true;
  }
  // Some MTAs send the report as text: look for a Final-Recipient field with an Action or Status.
  if (parse_fields_in_text(m.body_text, out)) return true;
  if (parse_fields_in_text(lost_multipart_body(m), out)) return true;
  if (!m.delivery_status && m.original && looks_like_bounce(m)) {
    const mime_part* nested = nested_delivery_status(*m.original);
    if (nested && parse_dsn_fields(nested->body, out) > 0) return true;
  }
  return recipient_from_original(m, out);
}

// A Diagnostic-Code that is only a number: a local program's exit status ("X-Unix; 255").
bool is_exit_code(std::string_view diagnostic) {
  diagnostic = trim(diagnostic);
  if (diagnostic.empty() || diagnostic.size() > 3) return false;
  for (char c : diagnostic)
    if (c < '0' || c > '9') return false;
  return true;
}

// The last line of a transcript section that is a reply of its own ("554 5.3.0 unknown mailer
// error 255"), not a quoted answer ("<<< ..."); "" when none. The section ends at an empty line.
std::string last_reply_line(std::string_view section) {
  std::string last;
  for (std::string_view line : split_lines(section)) {
    line = trim(line);
    if (line.empty()) {
      if (last.empty()) continue;
      break;
    }
    if (line.size() > 4 && find_reply_code(line.substr(0, 3)) == line.substr(0, 3) && line[3] == ' ')
      last = std::string(line);
  }
  return last;
}

// Sendmail leaves Diagnostic-Code out when the failure was local ("mail.local: unknown user",
// a program that failed) or when it gave up on a deferred message; its human text then holds
// the error in the "Transcript of session follows" section. Used only for a single recipient
// without a diagnostic: with several, the transcript's lines could be about any of them. For a
// permanent status the first line is the error. For a temporary one the section is Sendmail's
// own account of why it gave up ("<address>... Deferred: Connection refused by mx.example.net."
// then "Message could not be delivered for 8 hours"): its lines are joined, the address prefix
// cut; a section quoting an SMTP exchange (<<< / >>>) gives the remote's last answer instead.
// A Diagnostic-Code that is only a local program's exit status yields, for a permanent status, to
// the section's last reply line, Sendmail's own verdict on it ("554 5.3.0 unknown mailer error").
void diagnostic_from_transcript(const mail& m, report& out) {
  if (out.recipients.size() != 1) return;
  const bool exit_code = is_exit_code(out.recipients.front().diagnostic);
  if (!out.recipients.front().diagnostic.empty() && !exit_code) return;
  const bool temporary = istarts_with(out.recipients.front().status, "4");
  std::string_view text = m.body_text;
  if (text.empty()) text = lost_multipart_body(m);
  const std::size_t at = ifind(text, "----- Transcript of session follows -----");
  if (at == std::string_view::npos) return;
  const std::size_t eol = text.find('\n', at);
  if (eol == std::string_view::npos) return;
  if (exit_code) {
    if (temporary) return;  // a deferral's transcript tells of this attempt, not of the program
    const std::string reply = last_reply_line(text.substr(eol + 1, 4096));
    if (!reply.empty()) out.recipients.front().diagnostic = reply;
    return;
  }
  std::string joined, last_answer;
  bool exchange = false;
  for (std::string_view line : split_lines(text.substr(eol + 1, 4096))) {
    line = trim(line);
    if (line.empty()) {
      if (joined.empty()) continue;
      break;
    }
    // The next section, or the report's fields right after (no MIME boundary between them).
    if (istarts_with(line, "-----") || istarts_with(line, "Reporting-MTA:") || istarts_with(line, "Final-Recipient:") ||
        istarts_with(line, "Original-Recipient:") || istarts_with(line, "Received-From-MTA:"))
      break;
    if (!temporary) {
      out.recipients.front().diagnostic = std::string(line);
      return;
    }
    if (istarts_with(line, "<<< ")) last_answer = std::string(trim(line.substr(4)));
    if (line.find("<<<") != std::string_view::npos || line.find(">>>") != std::string_view::npos) exchange = true;
    // "<address>... Deferred: ..." -> "Deferred: ..." when it names the recipient; a line about
    // another name ("user... Deferred: ...", a local alias) is not this recipient's account.
    const std::size_t dots = line.find("... ");
    if (dots != std::string_view::npos && line.substr(0, dots).find(' ') == std::string_view::npos) {
      if (!iequals(find_address(line.substr(0, dots)), out.recipients.front().recipient)) continue;
      line = line.substr(dots + 4);
    }
    if (!joined.empty()) joined += ' ';
    joined += line;
  }
  if (exchange) {
    if (!last_answer.empty()) out.recipients.front().diagnostic = last_answer;
    return;
  }
  if (temporary && !joined.empty()) out.recipients.front().diagnostic = joined;
}

// The reply code of the diagnostic's "ddd x.y.z" pair whose status is the recipient's Status, or
// else the first pair of the Status's class when the diagnostic's first reply code is of another
// class; "" when neither. SES writes its own verdict first and the remote's last answer after it
// ("554 4.4.7 Message expired ...<421 4.4.2 Connection timed out>"): a 5xx cannot go with a 4.x.x.
std::string reply_paired_with(std::string_view diagnostic, std::string_view status) {
  if (status.size() < 5) return {};
  std::string same_class;
  for (std::size_t at = 0; at + 9 <= diagnostic.size(); ++at) {
    const char c = diagnostic[at];
    if (c != status.front() || (at > 0 && diagnostic[at - 1] >= '0' && diagnostic[at - 1] <= '9')) continue;
    const std::string_view code = diagnostic.substr(at, 3);
    if (find_reply_code(code) != code || (diagnostic[at + 3] != ' ' && diagnostic[at + 3] != '-')) continue;
    const std::string pair = find_status_code(diagnostic.substr(at + 4, std::min<std::size_t>(12, diagnostic.size() - at - 4)));
    if (pair.empty() || diagnostic.substr(at + 4, pair.size()) != pair || pair.front() != c) continue;
    if (pair == status) return std::string(code);
    if (same_class.empty()) same_class = std::string(code);
  }
  const std::string first = find_reply_code(diagnostic);
  return !first.empty() && first.front() != status.front() ? same_class : std::string();
}

}  // namespace

bool decode_rfc3464(const mail& m, report& out) {
  if (!read_report(m, out)) return false;
  diagnostic_from_transcript(m, out);
  for (auto& r : out.recipients) {
    if (r.reply_code.empty()) r.reply_code = reply_paired_with(r.diagnostic, r.status);
    // A local delivery agent's own line names its cause.
    if (r.reason_hint.empty()) r.reason_hint = std::string(mta::local_agent_reason(r.diagnostic));
  }
  return true;
}

}  // namespace bounced::parser
