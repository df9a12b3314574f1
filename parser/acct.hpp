// PowerMTA accounting records: CSV as PowerMTA writes it (RFC 4180: comma-separated, fields with
// a comma, a quote or a line break in double quotes, a quote inside doubled; records end with
// CRLF or LF), a header row naming the fields in their order (users reorder them and add
// header_X-... fields), then one record per recipient event. See MAIL-FACTS.md, "PowerMTA".
//
// Trusts nothing: a record is bounded (max_record_bytes), a record that goes wrong inside a
// quoted field is malformed from its first line only (a stray quote does not take the lines
// after it; bounced acct does the same for one that spans lines and then does not fit its
// header), and a record that does not fit its header is an error value with the reason, never a
// guess. No I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bounced::parser {

// A record longer than this is malformed (PowerMTA's lines are a few hundred bytes; a diagnostic
// can be a few kilobytes).
inline constexpr std::size_t max_record_bytes = 64 * 1024;

// One CSV record's fields. Views into the text parsed, or into `unquoted` for fields that had
// doubled quotes; valid until the next parse into this object, until the text changes, or until
// the object is copied or moved (reuse one object: its buffers are kept).
struct csv_record {
  std::vector<std::string_view> fields;
  std::string unquoted;
  std::size_t lines = 0;  // line breaks the record spans, its own end included
  std::string error;      // "" when well formed
};

// Parses the record at the start of text. Returns the bytes it takes (through its line end), or
// 0 when text does not hold the whole record yet and more may come (at_eof false). A malformed
// record is still consumed (to the end of its line) with `error` set, so reading goes on.
std::size_t parse_csv_record(std::string_view text, bool at_eof, csv_record& out);

// What a record is about, from its type field.
enum class acct_kind { bounce, delay, complaint, delivery, other };

// Where each known field is in a record, from the header row or --fields.
struct acct_layout {
  std::size_t count = 0;  // fields per record
  int type = -1, time_logged = -1, orig = -1, rcpt = -1, orcpt = -1, dsn_action = -1, dsn_status = -1,
      dsn_diag = -1, dsn_mta = -1, dsn_reporting_mta = -1, bounce_cat = -1, job_id = -1, env_id = -1,
      feedback_type = -1;
  std::vector<std::pair<std::string, int>> headers;  // "X-Campaign-ID" for header_X-Campaign-ID
  std::string names;  // the field names joined with commas, as the duplicate key uses them
  // Names bounced does not read that are a letter or two from one it does and that the layout
  // lacks (a typo: timeLoged for timeLogged, whose records would all get the import's time),
  // each with that name, for a warning.
  std::vector<std::pair<std::string, std::string>> near_misses;
};

// A layout from field names; an error text when a name repeats, a name is empty, or type or
// rcpt is missing. The first field must be `type`, as PowerMTA always writes it.
std::variant<acct_layout, std::string> make_acct_layout(const std::vector<std::string_view>& names);
// Whether a record is a header row (its first field is "type").
bool is_acct_header(const csv_record& record);

// One accounting record, its fields split as bounced stores them.
struct acct_record {
  acct_kind kind = acct_kind::other;
  std::string_view type;  // as written: b, rb, t, tq, f, d, ...
  std::optional<std::int64_t> time_logged;  // epoch seconds; nullopt where the field is absent or empty
  std::string_view orig, rcpt, orcpt, action;
  std::string_view status;       // "5.1.1" of "5.1.1 (bad destination mailbox address)"
  std::string_view status_text;  // "bad destination mailbox address"
  std::string_view diagnostic_type;  // "smtp" of "smtp;550 5.1.1 ..."
  std::string_view diagnostic;       // "550 5.1.1 ..."
  std::string_view reply_code;       // "550"
  std::string_view mta_host, mta_ip;  // "mx1.example.com (192.0.2.2)"
  std::string_view bounce_cat, job_id, env_id, feedback_type, reporting_mta;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // name, value; empty values left out
};

// Reads a record by its layout; an error text when it does not fit (field count, a bad time, no
// recipient for a record that needs one).
std::variant<acct_record, std::string> read_acct_record(const acct_layout& layout, const csv_record& record);

// PowerMTA's time forms as epoch seconds: time_t ("1178807903"), "2016-05-29 01:10:23+0200",
// ISO 8601 with a T, an offset of +hh:mm, +hhmm or Z; no offset is UTC.
std::optional<std::int64_t> parse_acct_time(std::string_view text);

}  // namespace bounced::parser
