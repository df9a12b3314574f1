// The plain types the storage interface (store.hpp) names: what goes in (a message, its outcome,
// its rows), what comes back (stored rows and messages, pages, suppression states, counts) and the
// error values; the vocabulary of their closed fields (kind, bounce type, outcome, state, the
// way in) as enums with their one spelling; the table of a record's fields that every writer of
// records walks. No behaviour but the duplicate keys' definitions; no backend's types.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bounced::storage {

// The vocabulary. Each value has one spelling, the text stored in the database, exported, and
// accepted in filters: to_string gives it, the parse_ functions read it (nullopt for any other
// text, case and all).

// What a record says of its recipient.
enum class record_kind { bounce, delay, complaint, auto_reply, delivery };  // auto-reply
// Whether a bounce is for good: "hard", "soft", and "" (none) for a record that is no failure.
enum class bounce_type { none, hard, soft };
// What decoding made of a message: records ("decoded"), none ("nothing"), or an error ("failed").
enum class decode_status { decoded, nothing, failed };
// An address's suppression state: active, soft-bouncing, hard-bouncing, complained.
enum class address_state { active, soft_bouncing, hard_bouncing, complained };
// The way a message came in: lmtp, smtp, pipe (bounced ingest), http, acct (an accounting feed).
enum class channel { lmtp, smtp, pipe, http, acct };

std::string_view to_string(record_kind v) noexcept;
std::string_view to_string(bounce_type v) noexcept;
std::string_view to_string(decode_status v) noexcept;
std::string_view to_string(address_state v) noexcept;
std::string_view to_string(channel v) noexcept;
std::optional<record_kind> parse_record_kind(std::string_view text) noexcept;
std::optional<bounce_type> parse_bounce_type(std::string_view text) noexcept;
std::optional<decode_status> parse_decode_status(std::string_view text) noexcept;
std::optional<address_state> parse_address_state(std::string_view text) noexcept;
std::optional<channel> parse_channel(std::string_view text) noexcept;

// The store could not be opened, created or migrated.
struct storage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The store does not exist and was not to be created (open_options::must_exist).
struct no_store : storage_error {
  using storage_error::storage_error;
};

// Any failure after opening (disk full, busy past the timeout, a constraint): nothing was
// written by the call that returned it.
struct error {
  std::string message;
};

template <class T>
using result = std::variant<T, error>;

struct message_in {
  std::string raw;
  channel via = channel::pipe;
  std::string client;  // peer address, or ""
  std::string envelope_sender;
  std::vector<std::string> envelope_recipients;
  std::int64_t received_at = 0;  // epoch seconds
  std::string pmta_category;  // handed in beside the message (Oempro over HTTP), "" for mail
};

// What decoding made of a message.
struct outcome {
  decode_status status = decode_status::nothing;
  std::string detail;  // why nothing / the error; "" when decoded
  // The message's own From address and Subject (decoded) as the decoder read them, for listings
  // of messages; "" where it has none (an accounting chunk).
  std::string from = {};
  std::string subject = {};
};

// One undelivered_log row as the caller gives it: every column but id, message_id, received_at
// and replaced_by, which storage sets.
struct row {
  std::string recipient;
  record_kind kind = record_kind::bounce;
  std::string status;
  std::string reply_code;
  std::string diagnostic_type;
  std::string diagnostic_text;
  std::string remote_mta;
  std::string reporting_mta;
  std::string action;
  std::string reason;
  storage::bounce_type bounce_type = storage::bounce_type::none;
  std::string category;
  std::string pmta_category;
  std::string feedback_type;
  std::string rule_id;
  std::string envelope_sender;
  std::string envelope_recipient;
  std::string original_message_id;
  std::string campaign_id;
  std::string send_id;
  std::string email_id;
  std::string list_id;
  std::string send_message_id;
  std::string source_system;
  std::string transaction_id;
  bool operator==(const row&) const = default;
};

// One field of a record (a row): its name in every export, its column in every backend, and how
// to read and write it as text (its vocabulary's spelling for the closed fields). The SQL
// binding, the JSON, JSONL and CSV exports and the ESPs' mappings all walk record_fields, in this
// order, rather than writing the columns out again.
struct record_field {
  std::string_view name;
  std::string_view column;
  std::string_view (*get)(const row&);     // a view of the row's own text, or a static spelling
  bool (*set)(row&, std::string&& text);  // false: text is no value of the field's vocabulary
};
extern const std::array<record_field, 25> record_fields;
// The field of that name; throws std::out_of_range for a name that is none (a mapping's typo,
// found the first time the mapping is built).
const record_field& record_field_named(std::string_view name);

// A row as stored.
struct stored_row {
  std::int64_t id = 0;
  std::int64_t message_id = 0;
  std::int64_t received_at = 0;
  std::optional<std::int64_t> replaced_by;  // 0: replaced by a decode that made no row for it
  row fields;
};

struct store_result {
  std::int64_t message_id = 0;
  bool duplicate = false;  // the same delivery (envelope and raw bytes) was stored before: nothing added, nothing counted
  std::vector<std::int64_t> row_ids;
};

// One message for store_batch.
struct store_item {
  message_in message;
  outcome result;
  std::vector<row> rows;
  std::string key;  // delivery_key(message), or "" to have store_batch compute it
};

// One PowerMTA accounting record for store_acct.
struct acct_item {
  std::string key;  // identifies the record (its layout and text): a record seen before is skipped
  std::int64_t logged_at = 0;  // the record's time: its row's received_at
  row fields;
};

// A piece of an accounting feed, stored as one message: via "acct", raw the CSV text (the header
// row, then the records as read), with the rows of the records not seen before.
struct acct_chunk {
  message_in message;
  std::vector<acct_item> items;
  std::string detail;  // the message's outcome detail ("2 malformed records skipped"), or ""
};

struct acct_result {
  std::int64_t message_id = 0;  // 0 when every record was seen before (nothing stored)
  std::int64_t added = 0;
  std::int64_t duplicates = 0;
};

// The duplicate check's key: SHA-256 (hex) of the envelope and the raw bytes. A retry of the same
// delivery has the same key; the same message to another envelope recipient has another.
std::string delivery_key(const message_in& message);

// The duplicate check's key of an accounting record: the first 16 bytes of SHA-256 over its field
// order (the header row's names, as stored in the first line of its chunk's message) and its text
// as read, without its line end. The same record under the same field order is the same record,
// whichever file brought it. Purge derives the keys again from a chunk's text to drop them.
std::string acct_key(std::string_view names, std::string_view record);

// A stored message, as reprocess reads it back.
struct stored_message {
  std::int64_t id = 0;
  std::int64_t received_at = 0;
  std::string raw;
  channel via = channel::pipe;
  std::string client, envelope_sender;
  std::vector<std::string> envelope_recipients;
  outcome result;
  std::int64_t records = 0;
  std::string pmta_category;
};

struct replace_result {
  std::int64_t rows_added = 0;
  std::int64_t rows_replaced = 0;
  bool unchanged = false;  // the new rows equal the live ones: nothing written but the outcome
};

struct purge_result {
  std::int64_t messages = 0;
  std::int64_t rows = 0;
  std::int64_t acct_keys = 0;  // duplicate keys of the accounting records purged
};

struct forget_result {
  std::int64_t messages = 0;
  std::int64_t rows = 0;
  std::int64_t suppressions = 0;
};

// An address's state. FreshMail's subscriber states (seeds/003): 1 active = active,
// 5 "soft-bouncing" (its mailbox returned mail several times in a row) = soft-bouncing,
// 8 "hard-bouncing" = hard-bouncing; complained has no FreshMail number.
struct suppression {
  std::string address;
  address_state state = address_state::active;
  std::int64_t soft_count = 0;
  std::string last_soft_original;
  std::int64_t hard_count = 0;
  std::int64_t complaint_count = 0;
  std::int64_t updated_at = 0;
  std::int64_t last_row_id = 0;
  std::optional<std::int64_t> blocked_at;  // blocked by hand (block()), whatever the state
};

// What block() and unblock() did, in FreshMail's terms.
struct block_result {
  std::int64_t changed = 0;    // added (block) or removed (unblock)
  std::int64_t unchanged = 0;  // already blocked (block) or not blocked by hand (unblock)
};

struct counts {
  std::int64_t messages = 0;
  std::int64_t rows = 0;
  std::int64_t live_rows = 0;  // replaced_by IS NULL
  std::int64_t suppressions = 0;
};

// What an export page selects. Each set equality filter is served by an index on (column, id);
// the time bounds are checked on the rows the index yields.
struct record_filter {
  std::optional<std::string> campaign_id, send_id, list_id, source_system, recipient, category, reason;
  std::optional<record_kind> kind;
  std::optional<storage::bounce_type> bounce_type;
  std::optional<std::int64_t> since;  // received_at >= since (epoch seconds)
  std::optional<std::int64_t> until;  // received_at < until
  bool include_replaced = false;      // rows a reprocess replaced are left out unless asked for
};

// What SQLite did for the last page (sqlite3_stmt_status), for the tests of the indexes.
struct page_stats {
  std::int64_t rows = 0;
  std::int64_t fullscan_steps = 0;  // SQLITE_STMTSTATUS_FULLSCAN_STEP
  std::int64_t vm_steps = 0;        // SQLITE_STMTSTATUS_VM_STEP
  std::string plan;                 // EXPLAIN QUERY PLAN, its detail lines joined by "; "
};

// A stored message as a listing shows it, without its raw text.
struct message_summary {
  std::int64_t id = 0;
  std::int64_t received_at = 0;
  channel via = channel::pipe;
  outcome result;  // with the message's From and Subject
};

// Given the first bytes of a message stored before schema 7 (which kept no From and Subject),
// sets result.from and result.subject.
using head_reader = std::function<void(std::string_view head, outcome& result)>;

// One group of live rows, for the stats.
struct stat_group {
  record_kind kind = record_kind::bounce;
  storage::bounce_type bounce_type = storage::bounce_type::none;
  std::string category, reason;
  std::int64_t count = 0;
};

}  // namespace bounced::storage
