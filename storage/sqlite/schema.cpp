// See schema.hpp. Version 1 is the first released schema of issue 3.
#include "storage/sqlite/schema.hpp"

#include "storage/sqlite/database.hpp"
#include "storage/sqlite/migrate.hpp"
#include "storage/sqlite/connection.hpp"

namespace bounced::storage {

namespace {

// Every undelivered_log column the filters of the HTTP API page by gets an index (column, id), so a
// filter plus "id > cursor ORDER BY id" reads the index in order.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  via TEXT NOT NULL,
  client TEXT NOT NULL DEFAULT '',
  envelope_sender TEXT NOT NULL DEFAULT '',
  envelope_recipients TEXT NOT NULL DEFAULT '',
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  raw BLOB NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('decoded', 'nothing', 'failed')),
  outcome_detail TEXT NOT NULL DEFAULT '',
  records INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_received_at ON messages (received_at, id);
CREATE TABLE undelivered_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id INTEGER NOT NULL REFERENCES messages(id),
  received_at INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT '',
  reply_code TEXT NOT NULL DEFAULT '',
  diagnostic_type TEXT NOT NULL DEFAULT '',
  diagnostic_text TEXT NOT NULL DEFAULT '',
  remote_mta TEXT NOT NULL DEFAULT '',
  reporting_mta TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  bounce_type TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  pmta_category TEXT NOT NULL DEFAULT '',
  feedback_type TEXT NOT NULL DEFAULT '',
  rule_id TEXT NOT NULL DEFAULT '',
  envelope_sender TEXT NOT NULL DEFAULT '',
  envelope_recipient TEXT NOT NULL DEFAULT '',
  original_message_id TEXT NOT NULL DEFAULT '',
  campaign_id TEXT NOT NULL DEFAULT '',
  send_id TEXT NOT NULL DEFAULT '',
  email_id TEXT NOT NULL DEFAULT '',
  list_id TEXT NOT NULL DEFAULT '',
  send_message_id TEXT NOT NULL DEFAULT '',
  source_system TEXT NOT NULL DEFAULT '',
  transaction_id TEXT NOT NULL DEFAULT '',
  replaced_by INTEGER
);
CREATE INDEX undelivered_log_message ON undelivered_log (message_id, id);
CREATE INDEX undelivered_log_campaign ON undelivered_log (campaign_id, id);
CREATE INDEX undelivered_log_send ON undelivered_log (send_id, id);
CREATE INDEX undelivered_log_source_system ON undelivered_log (source_system, id);
CREATE INDEX undelivered_log_recipient ON undelivered_log (recipient, id);
CREATE INDEX undelivered_log_received_at ON undelivered_log (received_at, id);
CREATE INDEX undelivered_log_kind ON undelivered_log (kind, id);
CREATE INDEX undelivered_log_list ON undelivered_log (list_id, id);
CREATE TABLE suppressions (
  address TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('active', 'soft-bouncing', 'hard-bouncing', 'complained')),
  soft_count INTEGER NOT NULL DEFAULT 0,
  last_soft_original TEXT NOT NULL DEFAULT '',
  hard_count INTEGER NOT NULL DEFAULT 0,
  complaint_count INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  last_row_id INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";

// Version 2, for the filters of the HTTP export (type, category, reason), each with id so that a
// filtered page reads its index in id order.
constexpr const char* schema_v2 = R"sql(
CREATE INDEX undelivered_log_bounce_type ON undelivered_log (bounce_type, id);
CREATE INDEX undelivered_log_category ON undelivered_log (category, id);
CREATE INDEX undelivered_log_reason ON undelivered_log (reason, id);
)sql";

// Version 3: blocks made by hand (FreshMail's addBlocks), beside the state bounces give, so that
// unblocking leaves that state as it was.
constexpr const char* schema_v3 = R"sql(
ALTER TABLE suppressions ADD COLUMN blocked_at INTEGER;
)sql";

// Version 4: a PowerMTA bounce category handed in beside a message (Oempro's
// PowerMTABounceCategory over HTTP), kept with the message so that reprocess gives it to the
// new rows again.
constexpr const char* schema_v4 = R"sql(
ALTER TABLE messages ADD COLUMN pmta_category TEXT NOT NULL DEFAULT '';
)sql";

// Version 5: the PowerMTA accounting records already imported (bounced acct), by a key of the
// record's layout and text, so that importing a file again adds nothing.
constexpr const char* schema_v5 = R"sql(
CREATE TABLE acct_records (key BLOB PRIMARY KEY) WITHOUT ROWID;
)sql";

// Version 6: each accounting key with the chunk (message) that holds its record's row, so that
// purge drops exactly the keys of the rows it purges (a chunk's text also holds records that were
// duplicates then, whose keys are another chunk's). Keys from before have none, and stay.
constexpr const char* schema_v6 = R"sql(
ALTER TABLE acct_records ADD COLUMN message_id INTEGER;
CREATE INDEX acct_records_message ON acct_records (message_id);
)sql";

// Version 7, for the listing of messages by outcome (GET /v1/messages): each message's own From
// address and Subject, kept as it is stored (NULL for messages stored before: read from their raw
// text's header when listed, and set by a reprocess), and an index that holds all a listing
// shows. It must cover them: outcome_detail and the new columns lie after raw in each row, and
// reading them from the table walks every page of the raw text. Its id column orders each
// outcome's range, so that "outcome = ? AND id > ? ORDER BY id" reads it in order.
constexpr const char* schema_v7 = R"sql(
ALTER TABLE messages ADD COLUMN from_address TEXT;
ALTER TABLE messages ADD COLUMN subject TEXT;
CREATE INDEX messages_outcome ON messages (outcome, id, received_at, via, outcome_detail, from_address, subject);
)sql";

}  // namespace

const std::vector<migration>& schema_migrations() {
  static const std::vector<migration> steps = {
      {"messages, undelivered_log, suppressions", schema_v1},
      {"indexes for the export filters type, category and reason", schema_v2},
      {"suppressions.blocked_at: blocks made by hand", schema_v3},
      {"messages.pmta_category: a category handed in with the message", schema_v4},
      {"acct_records: accounting records imported, for the duplicate check", schema_v5},
      {"acct_records.message_id: the chunk that holds each key's record", schema_v6},
      {"messages.from_address, subject and an index by outcome: the listing of messages", schema_v7},
  };
  return steps;
}

int migrate_file(const std::string& path, const std::vector<migration>& steps, int busy_timeout_ms) {
  try {
    sqlite::connection db(path);
    // Another process (the daemon, an import) may hold the write lock: wait for it as the
    // commands' own connections do, rather than fail the upgrade at once.
    db.exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms));
    return migrate(db, steps);
  } catch (const sqlite::failure& e) {
    throw storage_error(path + ": " + e.what());
  }
}

int schema_version(const std::string& path) {
  try {
    sqlite::connection db(path);
    return user_version(db);
  } catch (const sqlite::failure& e) {
    throw storage_error(path + ": " + e.what());
  }
}

}  // namespace bounced::storage
