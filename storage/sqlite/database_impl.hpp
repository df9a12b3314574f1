// The SQLite store's insides, shared by the files it is split into (database.cpp, messages.cpp,
// pages.cpp, suppressions.cpp, accounting.cpp, erasure.cpp): the undelivered_log column table the
// SQL is made from, the readers of stored rows, and the connection with its prepared statements.
// For storage/sqlite/ only.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "storage/policy.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/database.hpp"
#include "util/printable.hpp"
#include "util/text.hpp"

namespace bounced::storage {

namespace detail {

inline std::string column_list() {
  std::string out;
  for (const record_field& f : record_fields) {
    if (!out.empty()) out += ", ";
    out += f.column;
  }
  return out;
}

inline std::string insert_row_sql() {
  std::string sql = "INSERT INTO undelivered_log (message_id, received_at, " + column_list() + ") VALUES (?, ?";
  for (std::size_t i = 0; i < record_fields.size(); ++i) sql += ", ?";
  return sql + ")";
}

inline std::string select_rows_sql() {
  return "SELECT id, message_id, received_at, replaced_by, " + column_list() +
         " FROM undelivered_log WHERE message_id = ? ORDER BY id";
}

inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

inline std::vector<std::string> split(const std::string& s) {
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

// A value read back in the vocabulary, or sqlite::failure naming what holds a value bounced
// never writes (a database edited by hand, or by a newer bounced).
template <class T, class Id>
T known(std::optional<T> v, std::string_view what, const Id& id, std::string_view column, const std::string& text) {
  if (v) return *v;
  std::string named;
  if constexpr (std::is_integral_v<Id>) named = std::to_string(id);
  else named = util::printable(id, 100);
  throw sqlite::failure(std::string(what) + " " + named + " has " + std::string(column) + " '" + util::printable(text, 40) +
                        "', which bounced does not know");
}

inline stored_row read_row(const sqlite::statement& st) {
  stored_row r;
  r.id = st.int64(0);
  r.message_id = st.int64(1);
  r.received_at = st.int64(2);
  r.replaced_by = st.optional_int64(3);
  int i = 4;
  for (const record_field& f : record_fields)
    if (!f.set(r.fields, st.text(i++))) known<int>(std::nullopt, "record", r.id, f.column, st.text(i - 1));
  return r;
}

inline constexpr const char* select_message_sql =
    "SELECT id, received_at, raw, via, client, envelope_sender, envelope_recipients, outcome, outcome_detail, records, "
    "pmta_category FROM messages";


inline stored_message read_message(const sqlite::statement& st) {
  stored_message m;
  m.id = st.int64(0);
  m.received_at = st.int64(1);
  m.raw = st.blob(2);
  m.via = known(parse_channel(st.text(3)), "message", m.id, "via", st.text(3));
  m.client = st.text(4);
  m.envelope_sender = st.text(5);
  m.envelope_recipients = split(st.text(6));
  m.result = {known(parse_decode_status(st.text(7)), "message", m.id, "outcome", st.text(7)), st.text(8)};
  m.records = st.int64(9);
  m.pmta_category = st.text(10);
  return m;
}

inline constexpr const char* select_suppression_sql =
    "SELECT address, state, soft_count, last_soft_original, hard_count, complaint_count, updated_at, last_row_id, "
    "blocked_at FROM suppressions";


inline suppression read_suppression(const sqlite::statement& st) {
  return suppression{st.text(0),  known(parse_address_state(st.text(1)), "suppression of", st.text(0), "state", st.text(1)),
                     st.int64(2), st.text(3), st.int64(4), st.int64(5), st.int64(6), st.int64(7), st.optional_int64(8)};
}

// SQL: bounced_mentions(text, address), forget's search (erasure.cpp).
void sql_mentions(sqlite3_context* ctx, int, sqlite3_value** argv);

}  // namespace detail

using namespace detail;

struct database::impl {
  sqlite::connection db;
  sqlite_options opts;
  sqlite::statement find_sha;
  sqlite::statement insert_message;
  sqlite::statement insert_row;
  sqlite::statement get_suppression;
  sqlite::statement put_suppression;
  sqlite::statement insert_acct_key;

  impl(const std::string& path, sqlite_options o)
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
    for (const record_field& f : record_fields) insert_row.bind_static(i++, f.get(r));
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

  void save_suppression(const suppression& s) {
    put_suppression.reset();
    put_suppression.bind(1, s.address).bind_static(2, to_string(s.state)).bind(3, s.soft_count).bind(4, s.last_soft_original);
    put_suppression.bind(5, s.hard_count).bind(6, s.complaint_count).bind(7, s.updated_at).bind(8, s.last_row_id);
    put_suppression.run();
    put_suppression.reset();
  }

  void apply_policy(const row& r, std::int64_t row_id, std::int64_t at) {
    const std::string address = util::to_lower(r.recipient);
    if (address.empty()) return;
    std::optional<suppression> found = load_suppression(address);
    suppression s = found.value_or(fresh_suppression(address));
    if (apply_suppression_policy(s, found.has_value(), r, row_id, at, opts.soft_bounce_limit)) save_suppression(s);
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
    insert_message.bind(1, m.received_at).bind_static(2, to_string(m.via)).bind(3, m.client).bind(4, m.envelope_sender);
    insert_message.bind(5, recipients).bind(6, static_cast<std::int64_t>(m.raw.size()));
    insert_message.bind(7, sha).bind_blob(8, m.raw).bind_static(9, to_string(o.status)).bind(10, o.detail);
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

}  // namespace bounced::storage
