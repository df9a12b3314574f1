// See database.hpp. Each public call is one transaction at most; sqlite::failure from inside is
// turned into an error value at the end of each call, after the transaction has rolled back.
#include "storage/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "storage/migrate.hpp"
#include "storage/schema.hpp"
#include "util/sha256.hpp"
#include "storage/sqlite.hpp"

namespace bounced::storage {

namespace {

struct column {
  const char* name;
  std::string row::*field;
};

// The caller's columns of undelivered_log, in one place: the SQL text and the binding loops
// below are made from this table.
constexpr std::array<column, 25> row_columns = {{
    {"recipient", &row::recipient},
    {"kind", &row::kind},
    {"status", &row::status},
    {"reply_code", &row::reply_code},
    {"diagnostic_type", &row::diagnostic_type},
    {"diagnostic_text", &row::diagnostic_text},
    {"remote_mta", &row::remote_mta},
    {"reporting_mta", &row::reporting_mta},
    {"action", &row::action},
    {"reason", &row::reason},
    {"bounce_type", &row::bounce_type},
    {"category", &row::category},
    {"pmta_category", &row::pmta_category},
    {"feedback_type", &row::feedback_type},
    {"rule_id", &row::rule_id},
    {"envelope_sender", &row::envelope_sender},
    {"envelope_recipient", &row::envelope_recipient},
    {"original_message_id", &row::original_message_id},
    {"campaign_id", &row::campaign_id},
    {"send_id", &row::send_id},
    {"email_id", &row::email_id},
    {"list_id", &row::list_id},
    {"send_message_id", &row::send_message_id},
    {"source_system", &row::source_system},
    {"transaction_id", &row::transaction_id},
}};

std::string column_list() {
  std::string out;
  for (const column& c : row_columns) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

std::string insert_row_sql() {
  std::string sql = "INSERT INTO undelivered_log (message_id, received_at, " + column_list() + ") VALUES (?, ?";
  for (std::size_t i = 0; i < row_columns.size(); ++i) sql += ", ?";
  return sql + ")";
}

std::string select_rows_sql() {
  return "SELECT id, message_id, received_at, replaced_by, " + column_list() +
         " FROM undelivered_log WHERE message_id = ? ORDER BY id";
}

// Whether text names the address (lower case) as an address of its own: in any case, and not as
// part of a longer one ("jimbob@d.test", "bob@d.test.example" do not name bob@d.test); a dot
// that ends a sentence after it does not count as part of it.
bool is_address_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-' || c == '@' || c >= 0x80;
}

bool mentions_address(std::string_view text, std::string_view address) {
  if (address.empty() || text.size() < address.size()) return false;
  const auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; };
  const auto first = static_cast<unsigned char>(address[0]);
  for (std::size_t at = 0; at + address.size() <= text.size(); ++at) {
    if (fold(static_cast<unsigned char>(text[at])) != first) continue;
    std::size_t k = 1;
    while (k < address.size() && fold(static_cast<unsigned char>(text[at + k])) == static_cast<unsigned char>(address[k])) ++k;
    if (k < address.size()) continue;
    if (at > 0 && is_address_char(static_cast<unsigned char>(text[at - 1]))) continue;
    const std::size_t after = at + address.size();
    if (after < text.size() && is_address_char(static_cast<unsigned char>(text[after]))) {
      const bool full_stop = text[after] == '.' &&
                             (after + 1 == text.size() || !is_address_char(static_cast<unsigned char>(text[after + 1])));
      if (!full_stop) continue;
    }
    return true;
  }
  return false;
}

// SQL: bounced_mentions(text, address) is mentions_address, for forget's search.
void sql_mentions(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* text = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  const int text_bytes = sqlite3_value_bytes(argv[0]);
  const auto* address = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  const int address_bytes = sqlite3_value_bytes(argv[1]);
  const bool found = text != nullptr && address != nullptr &&
                     mentions_address(std::string_view(text, static_cast<std::size_t>(text_bytes)),
                                      std::string_view(address, static_cast<std::size_t>(address_bytes)));
  sqlite3_result_int(ctx, found ? 1 : 0);
}

// An accounting chunk's records, the header row first (quoted line breaks stay inside theirs),
// each with its line end.
std::vector<std::string_view> csv_records(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t header_fields = 0;
  for (std::size_t start = 0; start < text.size();) {
    bool quoted = false;
    std::size_t fields = 1, lines = 1, end = text.size();
    for (std::size_t i = start; i < text.size(); ++i) {
      if (text[i] == '"') {
        quoted = !quoted;  // a doubled quote turns it twice
      } else if (text[i] == ',' && !quoted) {
        ++fields;
      } else if (text[i] == '\n') {
        if (!quoted) {
          end = i + 1;
          break;
        }
        ++lines;
      }
    }
    std::string_view record = text.substr(start, end - start);
    // As the importer reads it: a record over several lines that does not fit the header row is a quote
    // opened by mistake (a line cut off inside quotes); its first line alone is a record, and
    // the records it ran over are records of their own.
    if (!out.empty() && lines > 1 && fields != header_fields) record = text.substr(start, text.find('\n', start) + 1 - start);
    if (out.empty()) header_fields = fields;
    out.push_back(record);
    start += record.size();
  }
  return out;
}

// ASCII lower case: the local part is case-sensitive in theory (RFC 5321 2.4) but no mailbox
// provider treats it so, and suppression by address must not miss on case.
std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t from = 0;
  for (;;) {
    const std::size_t comma = s.find(',', from);
    out.push_back(s.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

stored_row read_row(const sqlite::statement& st) {
  stored_row r;
  r.id = st.int64(0);
  r.message_id = st.int64(1);
  r.received_at = st.int64(2);
  r.replaced_by = st.optional_int64(3);
  int i = 4;
  for (const column& c : row_columns) r.fields.*c.field = st.text(i++);
  return r;
}

constexpr const char* select_message_sql =
    "SELECT id, received_at, raw, via, client, envelope_sender, envelope_recipients, outcome, outcome_detail, records, "
    "pmta_category FROM messages";

stored_message read_message(const sqlite::statement& st) {
  stored_message m;
  m.id = st.int64(0);
  m.received_at = st.int64(1);
  m.raw = st.blob(2);
  m.via = st.text(3);
  m.client = st.text(4);
  m.envelope_sender = st.text(5);
  m.envelope_recipients = split(st.text(6));
  m.result = {st.text(7), st.text(8)};
  m.records = st.int64(9);
  m.pmta_category = st.text(10);
  return m;
}

constexpr const char* select_suppression_sql =
    "SELECT address, state, soft_count, last_soft_original, hard_count, complaint_count, updated_at, last_row_id, "
    "blocked_at FROM suppressions";

suppression read_suppression(const sqlite::statement& st) {
  return suppression{st.text(0),  st.text(1),  st.int64(2), st.text(3),          st.int64(4),
                     st.int64(5), st.int64(6), st.int64(7), st.optional_int64(8)};
}

}  // namespace

// The delivery, not only the bytes: an MTA that lost our 250 and retries sends the same envelope
// and message (stored once); the same message to another envelope recipient (an LMTP client that
// splits recipients) is another delivery, with its own VERP address.
std::string delivery_key(const message_in& m) {
  const std::string recipients = join(m.envelope_recipients);
  return util::sha256_hex({m.envelope_sender, std::string_view("\0", 1), recipients, std::string_view("\0", 1), m.raw});
}

std::string acct_key(std::string_view names, std::string_view record) {
  return util::sha256_bytes({names, std::string_view("\n", 1), record}).substr(0, 16);
}

namespace {

std::function<void(int, int, std::string_view)>& error_log() {
  static std::function<void(int, int, std::string_view)> log;
  return log;
}

void on_sqlite_log(void*, int code, const char* message) {
  const int primary = code & 0xff;
  const int severity = primary == SQLITE_NOTICE ? 1
                       : primary == SQLITE_WARNING || primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
                               primary == SQLITE_CONSTRAINT || primary == SQLITE_SCHEMA
                           ? 2
                           : 0;
  if (const auto& log = error_log()) log(severity, code, message ? message : "");
}

}  // namespace

void set_error_log(std::function<void(int severity, int code, std::string_view message)> log) {
  error_log() = std::move(log);
  sqlite3_config(SQLITE_CONFIG_LOG, &on_sqlite_log, nullptr);
}

struct database::impl {
  sqlite::connection db;
  options opts;
  sqlite::statement find_sha;
  sqlite::statement insert_message;
  sqlite::statement insert_row;
  sqlite::statement get_suppression;
  sqlite::statement put_suppression;
  sqlite::statement insert_acct_key;

  impl(const std::string& path, options o)
      : db(path, true),
        opts(o),
        find_sha(db, "SELECT id FROM messages WHERE sha256 = ?", true),
        insert_message(db,
                       "INSERT INTO messages (received_at, via, client, envelope_sender, envelope_recipients, "
                       "size_bytes, sha256, raw, outcome, outcome_detail, records, pmta_category, from_address, subject) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       true),
        insert_row(db, insert_row_sql(), true),
        get_suppression(db,
                        std::string(select_suppression_sql) + " WHERE address = ?",
                        true),
        put_suppression(db,
                        // An upsert, not INSERT OR REPLACE: a block made by hand (blocked_at) stays.
                        "INSERT INTO suppressions (address, state, soft_count, last_soft_original, "
                        "hard_count, complaint_count, updated_at, last_row_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (address) DO UPDATE SET state = excluded.state, soft_count = excluded.soft_count, "
                        "last_soft_original = excluded.last_soft_original, hard_count = excluded.hard_count, "
                        "complaint_count = excluded.complaint_count, updated_at = excluded.updated_at, "
                        "last_row_id = excluded.last_row_id",
                        true),
        insert_acct_key(db, "INSERT INTO acct_records (key, message_id) VALUES (?, ?) ON CONFLICT DO NOTHING", true) {
    if (sqlite3_create_function_v2(db.get(), "bounced_mentions", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &sql_mentions,
                                   nullptr, nullptr, nullptr) != SQLITE_OK)
      throw sqlite::failure("cannot register bounced_mentions");
  }

  std::int64_t add_row(std::int64_t message_id, std::int64_t received_at, const row& r) {
    insert_row.reset();
    insert_row.bind(1, message_id).bind(2, received_at);
    int i = 3;
    // The row's strings outlive the reset below: SQLite need not copy them.
    for (const column& c : row_columns) insert_row.bind_static(i++, r.*c.field);
    insert_row.run();
    insert_row.reset();
    return db.last_insert_rowid();
  }

  std::optional<suppression> load_suppression(const std::string& address) {
    get_suppression.reset();
    get_suppression.bind(1, address);
    std::optional<suppression> s;
    if (get_suppression.step()) s = read_suppression(get_suppression);
    get_suppression.reset();
    return s;
  }

  // The suppression policy, for each new row. A hard bounce makes the address hard-bouncing
  // (FreshMail state 8). A soft bounce counts when it is about another original message than the
  // last one counted (one message's several reports count once; a report without an original
  // Message-ID always counts); soft_bounce_limit of them in a row make it soft-bouncing (FreshMail
  // state 5). A complaint makes it complained. A delivery report ends the run of soft bounces.
  // Delays and auto-replies say nothing about the address. complained is never left by a bounce,
  // nor hard-bouncing by soft bounces. Changes s (found: it was stored before); false when the row
  // says nothing that changes it.
  bool policy(suppression& s, bool found, const row& r, std::int64_t row_id, std::int64_t at) const {
    if (r.kind == "bounce" && r.bounce_type == "hard") {
      ++s.hard_count;
      if (s.state != "complained") s.state = "hard-bouncing";
    } else if (r.kind == "bounce" && r.bounce_type == "soft") {
      if (found && !r.original_message_id.empty() && r.original_message_id == s.last_soft_original) return false;
      ++s.soft_count;
      s.last_soft_original = r.original_message_id;
      if (s.soft_count >= opts.soft_bounce_limit && s.state == "active") s.state = "soft-bouncing";
    } else if (r.kind == "complaint") {
      ++s.complaint_count;
      s.state = "complained";
    } else if (r.kind == "delivery") {
      if (!found) return false;
      s.soft_count = 0;
      s.last_soft_original.clear();
      if (s.state == "soft-bouncing") s.state = "active";
    } else {
      return false;
    }
    s.updated_at = at;
    s.last_row_id = row_id;
    return true;
  }

  static suppression fresh(const std::string& address) {
    return suppression{address, "active", 0, "", 0, 0, 0, 0, std::nullopt};
  }

  void save_suppression(const suppression& s) {
    put_suppression.reset();
    put_suppression.bind(1, s.address).bind(2, s.state).bind(3, s.soft_count).bind(4, s.last_soft_original);
    put_suppression.bind(5, s.hard_count).bind(6, s.complaint_count).bind(7, s.updated_at).bind(8, s.last_row_id);
    put_suppression.run();
    put_suppression.reset();
  }

  void apply_policy(const row& r, std::int64_t row_id, std::int64_t at) {
    const std::string address = lower(r.recipient);
    if (address.empty()) return;
    std::optional<suppression> found = load_suppression(address);
    suppression s = found.value_or(fresh(address));
    if (policy(s, found.has_value(), r, row_id, at)) save_suppression(s);
  }

  // Inside an open transaction. key is delivery_key(m), or "" to compute it here.
  store_result store_one(const message_in& m, const outcome& o, const std::vector<row>& rows, const std::string& key = {}) {
    const std::string recipients = join(m.envelope_recipients);
    const std::string sha = key.empty() ? delivery_key(m) : key;
    find_sha.reset();
    find_sha.bind(1, sha);
    if (find_sha.step()) {
      store_result dup{find_sha.int64(0), true, {}};
      find_sha.reset();
      return dup;
    }
    find_sha.reset();
    insert_message.reset();
    insert_message.bind(1, m.received_at).bind(2, m.via).bind(3, m.client).bind(4, m.envelope_sender);
    insert_message.bind(5, recipients).bind(6, static_cast<std::int64_t>(m.raw.size()));
    insert_message.bind(7, sha).bind_blob(8, m.raw).bind(9, o.status).bind(10, o.detail);
    insert_message.bind(11, static_cast<std::int64_t>(rows.size())).bind(12, m.pmta_category);
    insert_message.bind(13, o.from).bind(14, o.subject);
    insert_message.run();
    store_result out{db.last_insert_rowid(), false, {}};
    insert_message.reset();
    out.row_ids.reserve(rows.size());
    for (const row& r : rows) {
      const std::int64_t id = add_row(out.message_id, m.received_at, r);
      out.row_ids.push_back(id);
      apply_policy(r, id, m.received_at);
    }
    return out;
  }

  std::vector<stored_row> load_rows(std::int64_t message_id) {
    sqlite::statement st(db, select_rows_sql());
    st.bind(1, message_id);
    std::vector<stored_row> out;
    while (st.step()) out.push_back(read_row(st));
    return out;
  }

  std::int64_t scalar(const std::string& sql) {
    sqlite::statement st(db, sql);
    return st.step() ? st.int64(0) : 0;
  }
};

database::database(const std::string& path, options opts) {
  try {
    sqlite::connection probe(path);
    probe.exec("PRAGMA busy_timeout = " + std::to_string(opts.busy_timeout_ms));
    // WAL: readers (exports, reprocess) never block the writer; the mode is stored in the file.
    sqlite::statement wal(probe, "PRAGMA journal_mode = WAL");
    if (!wal.step() || wal.text(0) != "wal") throw sqlite::failure("cannot switch to WAL mode");
  } catch (const sqlite::failure& e) {
    throw storage_error(path + ": " + e.what());
  }
  migrate_file(path, schema_migrations(), opts.busy_timeout_ms);
  try {
    auto i = std::make_unique<impl>(path, opts);
    // SQLite falls back to read-only where it may not write the file (owner, mode, an immutable
    // flag) and says so only at the first write: every message would then get 451, and the
    // connection would stay read-only after the file was put right. Refused here instead.
    if (sqlite3_db_readonly(i->db.get(), "main") == 1)
      throw sqlite::failure("opened read-only: this user cannot write the file (check its owner and mode, and its folder's)");
    i->db.exec("PRAGMA busy_timeout = " + std::to_string(opts.busy_timeout_ms));
    // The connection runs with synchronous = FULL (set and checked as it opened through the WAL
    // buffer): COMMIT returns only once the WAL is synced, so an answer of 250 after it is true.
    i->db.exec("PRAGMA foreign_keys = ON");
    // Inserts here take their ids from sqlite3_last_insert_rowid, not RETURNING: RETURNING runs
    // as a trigger, which gives every insert inside a transaction a statement journal (measured
    // with real bounces: about 17 page writes a message into /var/tmp files, more than the WAL
    // took). Any statement journal left (upserts) and temporary tables stay in memory.
    i->db.exec("PRAGMA temp_store = MEMORY");
    // Checkpoint every 10,000 WAL pages (about 40 MB) by default instead of SQLite's 1,000: the
    // index pages every commit touches are then copied into the database file a tenth as often
    // (measured: ingest about 6% faster with smtp-source; the WAL file stays below about 40 MB).
    i->db.exec("PRAGMA wal_autocheckpoint = " + std::to_string(opts.checkpoint_pages));
    if (opts.cache_kib > 0) i->db.exec("PRAGMA cache_size = -" + std::to_string(opts.cache_kib));
    impl_ = std::move(i);
  } catch (const sqlite::failure& e) {
    throw storage_error(path + ": " + e.what());
  }
}

database::database(database&&) noexcept = default;
database& database::operator=(database&&) noexcept = default;
database::~database() = default;

result<store_result> database::store(const message_in& message, const outcome& o, const std::vector<row>& rows) {
  try {
    sqlite::transaction tx(impl_->db);
    store_result r = impl_->store_one(message, o, rows);
    tx.commit();
    return r;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<store_result>> database::store_batch(const std::vector<store_item>& items) {
  try {
    std::vector<store_result> out;
    out.reserve(items.size());
    sqlite::transaction tx(impl_->db);
    for (const store_item& item : items) out.push_back(impl_->store_one(item.message, item.result, item.rows, item.key));
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

// In phases, each over one table, rather than record by record over all of them: a large chunk's
// inserts then stay within one set of B-trees at a time, and the suppression entries are read
// and written in address order (measured: about 10% less CPU than record by record).
result<acct_result> database::store_acct(const acct_chunk& chunk) {
  try {
    acct_result out;
    sqlite::transaction tx(impl_->db);
    // The chunk's message id, before it is stored, for its keys: the message of the same text
    // where one is stored (its records since forgotten or purged: the new rows join it), else the
    // next id.
    const std::string sha = delivery_key(chunk.message);  // once: store_one below takes it
    std::int64_t owner = 0;
    impl_->find_sha.reset();
    impl_->find_sha.bind(1, sha);
    owner = impl_->find_sha.step() ? impl_->find_sha.int64(0) : impl_->scalar("SELECT coalesce(max(id), 0) + 1 FROM messages");
    impl_->find_sha.reset();
    // 1. The duplicate check: a record whose key is stored already adds nothing.
    std::vector<std::size_t> fresh;
    fresh.reserve(chunk.items.size());
    sqlite::statement& seen = impl_->insert_acct_key;
    for (std::size_t i = 0; i < chunk.items.size(); ++i) {
      seen.reset();
      seen.bind_blob(1, chunk.items[i].key).bind(2, owner).run();
      seen.reset();
      if (impl_->db.changes() == 0) ++out.duplicates;
      else fresh.push_back(i);
    }
    if (fresh.empty()) {
      tx.commit();
      return out;
    }
    // 2. The chunk's message (the same text stored before, its records since forgotten or
    // purged: the new rows join it) and the rows.
    const store_result m = impl_->store_one(chunk.message, {"decoded", chunk.detail}, {}, sha);
    out.message_id = m.message_id;
    if (m.message_id != owner) {  // not the next id after all: the keys follow their chunk
      sqlite::statement move(impl_->db, "UPDATE acct_records SET message_id = ? WHERE message_id = ?");
      move.bind(1, m.message_id).bind(2, owner).run();
    }
    std::vector<std::int64_t> ids(chunk.items.size(), 0);
    for (const std::size_t i : fresh) ids[i] = impl_->add_row(out.message_id, chunk.items[i].logged_at, chunk.items[i].fields);
    out.added = static_cast<std::int64_t>(fresh.size());
    sqlite::statement count(impl_->db, "UPDATE messages SET records = records + ? WHERE id = ?");
    count.bind(1, out.added).bind(2, out.message_id).run();
    // 3. The suppression policy, an address at a time in address order, each address's records
    // in the order they came.
    std::vector<std::pair<std::string, std::size_t>> by_address;
    by_address.reserve(fresh.size());
    for (const std::size_t i : fresh)
      if (!chunk.items[i].fields.recipient.empty()) by_address.emplace_back(lower(chunk.items[i].fields.recipient), i);
    std::sort(by_address.begin(), by_address.end());
    for (std::size_t k = 0; k < by_address.size();) {
      const std::string& address = by_address[k].first;
      std::optional<suppression> found = impl_->load_suppression(address);
      bool exists = found.has_value(), changed = false;
      suppression s = found ? std::move(*found) : impl::fresh(address);
      for (; k < by_address.size() && by_address[k].first == address; ++k) {
        const acct_item& item = chunk.items[by_address[k].second];
        // A record older than what the entry already holds (a file of last month imported after
        // the pipe brought this week's) keeps its row but does not move the state back.
        if (exists && item.logged_at < s.updated_at) continue;
        if (impl_->policy(s, exists, item.fields, ids[by_address[k].second], item.logged_at)) exists = changed = true;
      }
      if (changed) impl_->save_suppression(s);
    }
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::int64_t> database::for_each_message(std::int64_t since,
                                                const std::function<bool(const stored_message&)>& visit) {
  // Pages by id, the statement closed between pages: visit may write (replace) meanwhile, and a
  // page of raw messages bounds the memory.
  constexpr std::int64_t page_messages = 64;
  std::int64_t after = 0, visited = 0;
  try {
    for (;;) {
      std::vector<stored_message> page;
      {
        sqlite::statement st(impl_->db, std::string(select_message_sql) +
                                            " WHERE received_at >= ? AND id > ? ORDER BY id LIMIT ?");
        st.bind(1, since).bind(2, after).bind(3, page_messages);
        while (st.step()) page.push_back(read_message(st));
      }
      if (page.empty()) return visited;
      for (const stored_message& m : page) {
        after = m.id;
        ++visited;
        if (!visit(m)) return visited;
      }
    }
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<replace_result> database::replace(std::int64_t message_id, const outcome& o, const std::vector<row>& rows) {
  try {
    sqlite::transaction tx(impl_->db);
    sqlite::statement msg(impl_->db, "SELECT received_at FROM messages WHERE id = ?");
    msg.bind(1, message_id);
    if (!msg.step()) return error{"no message " + std::to_string(message_id)};
    const std::int64_t received_at = msg.int64(0);
    msg.reset();
    std::vector<stored_row> live;
    for (stored_row& r : impl_->load_rows(message_id))
      if (!r.replaced_by) live.push_back(std::move(r));
    replace_result out;
    out.unchanged = live.size() == rows.size() &&
                    std::equal(live.begin(), live.end(), rows.begin(),
                               [](const stored_row& a, const row& b) { return a.fields == b; });
    if (!out.unchanged) {
      // Each old row points at the new row for its recipient, so an export that followed the old
      // row finds its successor; 0 where the new decode has no row for that recipient.
      std::map<std::string, std::int64_t> by_recipient;
      for (const row& r : rows) {
        const std::int64_t id = impl_->add_row(message_id, received_at, r);
        by_recipient.emplace(lower(r.recipient), id);
        ++out.rows_added;
      }
      sqlite::statement mark(impl_->db, "UPDATE undelivered_log SET replaced_by = ? WHERE id = ?");
      for (const stored_row& old : live) {
        const auto it = by_recipient.find(lower(old.fields.recipient));
        mark.reset();
        mark.bind(1, it == by_recipient.end() ? std::int64_t{0} : it->second).bind(2, old.id);
        mark.run();
        ++out.rows_replaced;
      }
    }
    // From and Subject too: a message stored before schema 7 gets them here.
    sqlite::statement update(impl_->db,
                             "UPDATE messages SET outcome = ?, outcome_detail = ?, records = ?, from_address = ?, subject = ? "
                             "WHERE id = ?");
    update.bind(1, o.status).bind(2, o.detail).bind(3, static_cast<std::int64_t>(rows.size()));
    update.bind(4, o.from).bind(5, o.subject).bind(6, message_id);
    update.run();
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<purge_result> database::purge(std::int64_t before) {
  // In chunks of at most purge_chunk_messages messages and, past the first message, at most
  // purge_chunk_rows rows, one short transaction each: a large backlog (the first purge after
  // retention is turned on) never holds the write lock long enough for the daemon's commits to
  // time out, also where each message is a chunk of 10,000 accounting records. Each chunk is
  // whole: messages and their rows go together.
  constexpr std::int64_t purge_chunk_messages = 500;
  constexpr std::int64_t purge_chunk_rows = 20000;
  purge_result out;
  try {
    for (;;) {
      sqlite::transaction tx(impl_->db);
      impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS purge_chunk (id INTEGER PRIMARY KEY)");
      impl_->db.exec("DELETE FROM purge_chunk");
      {
        // Rows counted in the log itself: messages.records leaves out rows a reprocess replaced.
        sqlite::statement pick(impl_->db,
                               "SELECT id, (SELECT count(*) FROM undelivered_log WHERE message_id = messages.id) "
                               "FROM messages WHERE received_at < ? ORDER BY id LIMIT ?");
        sqlite::statement take(impl_->db, "INSERT INTO purge_chunk (id) VALUES (?)");
        pick.bind(1, before).bind(2, purge_chunk_messages);
        std::int64_t rows = 0, taken = 0;
        while (pick.step()) {
          rows += pick.int64(1);
          if (taken > 0 && rows > purge_chunk_rows) break;
          take.reset();
          take.bind(1, pick.int64(0)).run();
          ++taken;
        }
        if (taken == 0) break;  // the transaction rolls back: nothing was written
      }
      // The accounting keys of the rows purged: those their chunks own (a record that was a
      // duplicate in a chunk keeps the key of the chunk that holds its row).
      {
        sqlite::statement keys(impl_->db, "DELETE FROM acct_records WHERE message_id IN (SELECT id FROM purge_chunk)");
        keys.run();
        out.acct_keys += impl_->db.changes();
      }
      sqlite::statement rows(impl_->db, "DELETE FROM undelivered_log WHERE message_id IN (SELECT id FROM purge_chunk)");
      rows.run();
      out.rows += impl_->db.changes();
      sqlite::statement messages(impl_->db, "DELETE FROM messages WHERE id IN (SELECT id FROM purge_chunk)");
      messages.run();
      out.messages += impl_->db.changes();
      tx.commit();
    }
    return out;
  } catch (const sqlite::failure& e) {
    // Chunks already committed stay purged; the next run goes on from there.
    return error{e.what()};
  }
}

result<forget_result> database::forget(const std::string& address) {
  const std::string a = lower(address);
  // An empty needle would match every message.
  if (a.empty() || a.find(',') != std::string::npos) return error{"not an address: " + address};
  // What names the address. Rows: in their address fields or any of their text (an accounting
  // record's diagnostic "see bob@d.test", a jobId holding it). Messages: in their envelope,
  // anywhere in the raw text (a bounce quotes the original's headers), or through one of their
  // rows picked (the text may hold the address only encoded, base64): they go whole with all
  // their rows; so do those whose From or Subject names it (an RFC 2047 Subject holds it only
  // encoded in the raw text). Accounting chunks whose text names it: the records that do are cut below. ?2
  // and ?3 bound the message and row ids looked at (for the tail stored since the first look).
  static constexpr const char* pick_rows =
      "INSERT OR IGNORE INTO forget_rows SELECT id FROM undelivered_log WHERE id > ?3 AND ("
      "lower(recipient) = ?1 OR lower(envelope_recipient) = ?1 OR lower(envelope_sender) = ?1 "
      "OR bounced_mentions(diagnostic_text || ' ' || original_message_id || ' ' || email_id || ' ' || send_message_id "
      "|| ' ' || transaction_id || ' ' || campaign_id || ' ' || send_id || ' ' || list_id || ' ' || source_system "
      "|| ' ' || remote_mta || ' ' || reporting_mta || ' ' || status || ' ' || reply_code || ' ' || diagnostic_type "
      "|| ' ' || pmta_category || ' ' || feedback_type || ' ' || rule_id || ' ' || action, ?1))";
  static constexpr const char* pick_messages =
      "INSERT OR IGNORE INTO forget_messages SELECT id FROM messages WHERE id > ?2 AND via <> 'acct' AND ("
      "lower(envelope_sender) = ?1 "
      "OR instr(',' || lower(envelope_recipients) || ',', ',' || ?1 || ',') > 0 "
      "OR id IN (SELECT message_id FROM undelivered_log WHERE id IN (SELECT id FROM forget_rows)) "
      "OR bounced_mentions(raw, ?1) OR bounced_mentions(coalesce(from_address, '') || ' ' || coalesce(subject, ''), ?1))";
  static constexpr const char* pick_acct =
      "INSERT OR IGNORE INTO forget_acct SELECT id FROM messages WHERE id > ?2 AND via = 'acct' "
      "AND bounced_mentions(raw, ?1)";
  const auto pick = [&](std::int64_t messages_after, std::int64_t rows_after) {
    {
      sqlite::statement st(impl_->db, pick_rows);  // first: the messages of the rows picked go too
      st.bind(1, a).bind(3, rows_after).run();
    }
    for (const char* sql : {pick_messages, pick_acct}) {
      sqlite::statement st(impl_->db, sql);
      st.bind(1, a).bind(2, messages_after).run();
    }
  };
  try {
    forget_result out;
    impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS forget_messages (id INTEGER PRIMARY KEY)");
    impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS forget_rows (id INTEGER PRIMARY KEY)");
    impl_->db.exec("CREATE TEMP TABLE IF NOT EXISTS forget_acct (id INTEGER PRIMARY KEY)");
    impl_->db.exec("DELETE FROM forget_messages; DELETE FROM forget_rows; DELETE FROM forget_acct");
    // 1. The search through every stored message, in a read transaction: the daemon's commits go
    // on meanwhile (under the write lock, a scan of a large database held them up for seconds
    // and made some 451). Its snapshot's last ids mark where it looked up to.
    std::int64_t messages_to = 0, rows_to = 0;
    {
      impl_->db.exec("BEGIN");
      try {
        messages_to = impl_->scalar("SELECT coalesce(max(id), 0) FROM messages");
        rows_to = impl_->scalar("SELECT coalesce(max(id), 0) FROM undelivered_log");
        pick(0, 0);
        impl_->db.exec("COMMIT");
      } catch (const sqlite::failure&) {
        impl_->db.exec("ROLLBACK");
        throw;
      }
    }
    // 2. Under the write lock: the messages and rows stored since, then the erasure.
    sqlite::transaction tx(impl_->db);
    pick(messages_to, rows_to);
    // The accounting keys of every chunk forget touches stay for good, owned by no chunk (0):
    // purge never drops them, so that a file imported again does not bring the erased records
    // back. All of the chunk's, not only the erased records': which key is whose would need the
    // chunk's text split exactly as the importer read it, and a mistake there would let an
    // erased record return. The cost: the others' keys in such a chunk outlive its purge too.
    {
      sqlite::statement keep(impl_->db,
                             "UPDATE acct_records SET message_id = 0 WHERE message_id IN (SELECT id FROM forget_acct "
                             "UNION SELECT message_id FROM undelivered_log WHERE id IN (SELECT id FROM forget_rows))");
      keep.run();
    }
    {
      sqlite::statement rows(impl_->db, "DELETE FROM undelivered_log WHERE message_id IN (SELECT id FROM forget_messages) "
                                        "OR id IN (SELECT id FROM forget_rows)");
      rows.run();
      out.rows = impl_->db.changes();
      sqlite::statement messages(impl_->db, "DELETE FROM messages WHERE id IN (SELECT id FROM forget_messages)");
      messages.run();
      out.messages = impl_->db.changes();
    }
    // Accounting chunks: the records that name the address are cut from the raw text, whole
    // (a quoted field may hold line breaks), the header row kept; the other records stay, and
    // the count of rows is made right again. The text is read again here, under the lock.
    std::vector<std::pair<std::int64_t, std::string>> cut;
    {
      sqlite::statement acct(impl_->db, "SELECT id, raw FROM messages WHERE id IN (SELECT id FROM forget_acct)");
      while (acct.step()) {
        const std::string raw = acct.text(1);
        std::string kept;
        kept.reserve(raw.size());
        bool header = true;
        for (const std::string_view record : csv_records(raw)) {
          if (header || !mentions_address(record, a)) kept.append(record);
          header = false;
        }
        cut.emplace_back(acct.int64(0), std::move(kept));
      }
    }
    sqlite::statement rewrite(impl_->db,
                              "UPDATE messages SET raw = ?2, size_bytes = length(?2), "
                              "records = (SELECT count(*) FROM undelivered_log WHERE message_id = ?1) WHERE id = ?1");
    // A chunk left with its header row alone, and no row of its own, goes: nothing of it is left
    // to show.
    sqlite::statement drop(impl_->db,
                           "DELETE FROM messages WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM undelivered_log WHERE message_id = ?1)");
    for (const auto& [id, kept] : cut) {
      rewrite.reset();
      rewrite.bind(1, id).bind_blob(2, kept).run();
      if (csv_records(kept).size() <= 1) {
        drop.reset();
        drop.bind(1, id).run();
        out.messages += impl_->db.changes();
      }
    }
    sqlite::statement supp(impl_->db, "DELETE FROM suppressions WHERE address = ?");
    supp.bind(1, a).run();
    out.suppressions = impl_->db.changes();
    impl_->db.exec("DELETE FROM forget_messages; DELETE FROM forget_rows; DELETE FROM forget_acct");
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::optional<suppression>> database::suppression_of(const std::string& address) {
  try {
    return impl_->load_suppression(lower(address));
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<suppression>> database::page_suppressions(const std::string& after, std::int64_t limit,
                                                             bool blocked_only) {
  try {
    sqlite::statement st(impl_->db, std::string(select_suppression_sql) + " WHERE address > ?" +
                                        (blocked_only ? " AND blocked_at IS NOT NULL" : "") + " ORDER BY address LIMIT ?");
    st.bind(1, after).bind(2, limit);
    std::vector<suppression> out;
    while (st.step()) out.push_back(read_suppression(st));
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

namespace {

// One statement per address, in one transaction: counts the addresses it changed a row for.
result<block_result> per_address(sqlite::connection& db, const std::string& sql, const std::vector<std::string>& addresses,
                                 const std::function<void(sqlite::statement&, const std::string&)>& bind) {
  try {
    sqlite::transaction tx(db);
    sqlite::statement st(db, sql);
    block_result out;
    for (const std::string& a : addresses) {
      st.reset();
      bind(st, lower(a));
      st.run();
      (db.changes() > 0 ? out.changed : out.unchanged) += 1;
    }
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

}  // namespace

result<block_result> database::block(const std::vector<std::string>& addresses, std::int64_t at) {
  return per_address(impl_->db,
                     "INSERT INTO suppressions (address, state, updated_at, blocked_at) VALUES (?, 'active', ?, ?) "
                     "ON CONFLICT (address) DO UPDATE SET blocked_at = excluded.blocked_at, updated_at = excluded.updated_at "
                     "WHERE blocked_at IS NULL",
                     addresses, [at](sqlite::statement& st, const std::string& a) { st.bind(1, a).bind(2, at).bind(3, at); });
}

result<block_result> database::unblock(const std::vector<std::string>& addresses) {
  return per_address(impl_->db, "UPDATE suppressions SET blocked_at = NULL WHERE address = ? AND blocked_at IS NOT NULL",
                     addresses, [](sqlite::statement& st, const std::string& a) { st.bind(1, a); });
}

result<std::vector<stored_row>> database::rows_of(std::int64_t message_id) {
  try {
    return impl_->load_rows(message_id);
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<stored_row>> database::page_rows(const record_filter& f, std::int64_t after, std::int64_t limit,
                                                    page_stats* stats) {
  return rows_where(f, after, 0, limit, stats);
}

result<std::vector<stored_row>> database::page_rows_at(const record_filter& f, std::int64_t offset, std::int64_t limit) {
  return rows_where(f, 0, offset, limit, nullptr);
}

result<std::map<std::string, std::string>> database::suppression_states(const std::vector<std::string>& addresses) {
  // In groups well under SQLite's bound on parameters (32,766).
  constexpr std::size_t per_query = 500;
  try {
    std::map<std::string, std::string> out;
    for (std::size_t from = 0; from < addresses.size(); from += per_query) {
      const std::size_t n = std::min(per_query, addresses.size() - from);
      std::string sql = "SELECT address, CASE WHEN blocked_at IS NULL THEN state ELSE 'blocked' END FROM suppressions "
                        "WHERE address IN (?";
      for (std::size_t i = 1; i < n; ++i) sql += ",?";
      sqlite::statement st(impl_->db, sql + ")");
      for (std::size_t i = 0; i < n; ++i) st.bind(static_cast<int>(i + 1), lower(addresses[from + i]));
      while (st.step()) out.emplace(st.text(0), st.text(1));
    }
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<stored_row>> database::rows_where(const record_filter& f, std::int64_t after, std::int64_t offset,
                                                     std::int64_t limit, page_stats* stats) {
  try {
    std::string sql = "SELECT id, message_id, received_at, replaced_by, " + column_list() + " FROM undelivered_log WHERE id > ?";
    std::vector<const std::string*> texts;
    const std::pair<const char*, const std::optional<std::string>*> equal[] = {
        {"campaign_id", &f.campaign_id}, {"send_id", &f.send_id},     {"list_id", &f.list_id},
        {"source_system", &f.source_system}, {"recipient", &f.recipient}, {"kind", &f.kind},
        {"bounce_type", &f.bounce_type}, {"category", &f.category},   {"reason", &f.reason}};
    for (const auto& [name, value] : equal) {
      if (!*value) continue;
      sql += std::string(" AND ") + name + " = ?";
      texts.push_back(&**value);
    }
    if (f.since) sql += " AND received_at >= ?";
    if (f.until) sql += " AND received_at < ?";
    if (!f.include_replaced) sql += " AND replaced_by IS NULL";
    sql += " ORDER BY id LIMIT ? OFFSET ?";
    const auto bind_all = [&](sqlite::statement& st) {
      int i = 1;
      st.bind(i++, after);
      for (const std::string* t : texts) st.bind(i++, *t);
      if (f.since) st.bind(i++, *f.since);
      if (f.until) st.bind(i++, *f.until);
      st.bind(i++, limit);
      st.bind(i, offset);
    };
    std::vector<stored_row> out;
    sqlite::statement st(impl_->db, sql);
    bind_all(st);
    while (st.step()) out.push_back(read_row(st));
    if (stats) {
      stats->rows = static_cast<std::int64_t>(out.size());
      stats->fullscan_steps = st.status(sqlite::statement::counter::fullscan_steps);
      stats->vm_steps = st.status(sqlite::statement::counter::vm_steps);
      sqlite::statement plan(impl_->db, "EXPLAIN QUERY PLAN " + sql);
      bind_all(plan);
      stats->plan.clear();
      while (plan.step()) stats->plan += (stats->plan.empty() ? "" : "; ") + plan.text(3);
    }
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<stat_group>> database::stats(const std::optional<std::string>& campaign_id,
                                                const std::optional<std::string>& send_id) {
  try {
    std::string sql = "SELECT kind, bounce_type, category, reason, count(*) FROM undelivered_log WHERE replaced_by IS NULL";
    if (campaign_id) sql += " AND campaign_id = ?";
    if (send_id) sql += " AND send_id = ?";
    sqlite::statement st(impl_->db, sql + " GROUP BY kind, bounce_type, category, reason");
    int i = 1;
    if (campaign_id) st.bind(i++, *campaign_id);
    if (send_id) st.bind(i++, *send_id);
    std::vector<stat_group> out;
    while (st.step()) out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.int64(4)});
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::optional<stored_row>> database::row_by_id(std::int64_t id) {
  try {
    sqlite::statement st(impl_->db, "SELECT id, message_id, received_at, replaced_by, " + column_list() +
                                        " FROM undelivered_log WHERE id = ?");
    st.bind(1, id);
    std::optional<stored_row> r;
    if (st.step()) r = read_row(st);
    return r;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<message_summary>> database::page_messages(const std::vector<std::string>& outcomes, std::int64_t after,
                                                             std::int64_t limit, const head_reader& read_head,
                                                             std::size_t head_bytes, page_stats* stats) {
  // One statement per outcome, each reading its own range of messages_outcome in id order, and
  // the ranges merged here: at most `limit` rows from each. SQLite answers "outcome IN (...)"
  // either by the primary key (every message after the cursor read until the page is full: a
  // scan of millions for a rare outcome) or by the index with a sort of every matching row.
  static constexpr const char* sql =
      "SELECT id, received_at, via, outcome, outcome_detail, from_address, subject FROM messages "
      "WHERE outcome = ? AND id > ? ORDER BY id LIMIT ?";
  static const std::vector<std::string> every = {"decoded", "nothing", "failed"};
  if (limit <= 0) return std::vector<message_summary>{};  // SQLite reads LIMIT -1 as no limit
  std::vector<std::string> wanted = outcomes.empty() ? every : outcomes;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  try {
    // One snapshot for all of them: a reprocess moving a message from one outcome to another in
    // between would list it twice, or not at all.
    sqlite::read_transaction snapshot(impl_->db);
    std::vector<message_summary> out;
    std::vector<std::int64_t> unknown;  // stored before schema 7: From and Subject to read
    if (stats) *stats = {};
    for (const std::string& o : wanted) {
      sqlite::statement st(impl_->db, sql);
      st.bind(1, o).bind(2, after).bind(3, limit);
      while (st.step()) {
        message_summary m{st.int64(0), st.int64(1), st.text(2), {st.text(3), st.text(4), st.text(5), st.text(6)}};
        // An accounting chunk is CSV text, without a header to read.
        if ((st.is_null(5) || st.is_null(6)) && m.via != "acct") unknown.push_back(m.id);
        out.push_back(std::move(m));
      }
      if (stats) {
        stats->fullscan_steps += st.status(sqlite::statement::counter::fullscan_steps);
        stats->vm_steps += st.status(sqlite::statement::counter::vm_steps);
        sqlite::statement plan(impl_->db, std::string("EXPLAIN QUERY PLAN ") + sql);
        plan.bind(1, o).bind(2, after).bind(3, limit);
        while (plan.step()) stats->plan += (stats->plan.empty() ? "" : "; ") + plan.text(3);
      }
    }
    std::sort(out.begin(), out.end(), [](const message_summary& a, const message_summary& b) { return a.id < b.id; });
    if (static_cast<std::int64_t>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
    if (stats) stats->rows = static_cast<std::int64_t>(out.size());
    if (read_head && !unknown.empty()) {
      std::sort(unknown.begin(), unknown.end());
      for (message_summary& m : out)
        if (std::binary_search(unknown.begin(), unknown.end(), m.id))
          read_head(impl_->db.read_prefix("messages", "raw", m.id, head_bytes), m.result);
    }
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::optional<stored_message>> database::message(std::int64_t message_id) {
  try {
    sqlite::statement st(impl_->db, std::string(select_message_sql) + " WHERE id = ?");
    st.bind(1, message_id);
    std::optional<stored_message> m;
    if (st.step()) m = read_message(st);
    return m;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<counts> database::count() {
  try {
    counts c;
    c.messages = impl_->scalar("SELECT count(*) FROM messages");
    c.rows = impl_->scalar("SELECT count(*) FROM undelivered_log");
    c.live_rows = impl_->scalar("SELECT count(*) FROM undelivered_log WHERE replaced_by IS NULL");
    c.suppressions = impl_->scalar("SELECT count(*) FROM suppressions");
    return c;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

}  // namespace bounced::storage
