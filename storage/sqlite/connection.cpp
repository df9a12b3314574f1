// See sqlite.hpp.
#include "storage/sqlite/connection.hpp"

#include <sqlite3.h>

#include <sys/stat.h>

#include <algorithm>
#include <climits>

#include "storage/sqlite/wal_buffer.hpp"

namespace bounced::storage::sqlite {

namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw failure(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

int checked_size(std::string_view s) {
  if (s.size() > static_cast<std::size_t>(INT_MAX)) throw failure("value too large for SQLite");
  return static_cast<int>(s.size());
}

}  // namespace

connection::connection(const std::string& path, bool buffer_wal) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 buffer_wal ? wal_buffer_vfs() : nullptr);
  if (rc != SQLITE_OK) {
    std::string what = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw failure("cannot open " + path + ": " + what);
  }
  sqlite3_extended_result_codes(db_, 1);
  if (!buffer_wal) return;
  guard_files_ = true;
  if (std::string why = prepare_for_wal_buffer(db_); !why.empty()) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw failure("cannot open " + path + ": " + why);
  }
}

connection::~connection() { sqlite3_close_v2(db_); }

void connection::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string what = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    throw failure(what);
  }
}

namespace {

constexpr const char* file_suffixes[] = {"", "-wal", "-shm"};

}  // namespace

unsigned connection::moved_files() {
  if (!guard_files_) return 0;
  const char* main = sqlite3_db_filename(db_, "main");
  if (main == nullptr || *main == '\0') return 0;  // in memory or temporary: no files to watch
  unsigned moved = 0;
  for (unsigned i = 0; i < 3; ++i) {
    const std::string name = file_name(i);
    struct stat st {};
    file_id& seen = files_[i];
    if (::stat(name.c_str(), &st) != 0) {
      if (seen.known) moved |= 1U << i;
      continue;  // or not made yet (the -wal and -shm come with the first transaction)
    }
    const auto device = static_cast<unsigned long long>(st.st_dev), inode = static_cast<unsigned long long>(st.st_ino);
    if (!seen.known) seen = {true, device, inode};
    else if (seen.device != device || seen.inode != inode) moved |= 1U << i;
  }
  return moved;
}

std::string connection::file_name(unsigned i) const {
  // The absolute name SQLite opened: a relative one would name another file after a chdir.
  const char* main = sqlite3_db_filename(db_, "main");
  return std::string(main ? main : "") + file_suffixes[i];
}

std::int64_t connection::changes() const { return sqlite3_changes64(db_); }
std::int64_t connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::string connection::read_prefix(const char* table, const char* column, std::int64_t rowid, std::size_t max_bytes) const {
  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(db_, "main", table, column, rowid, 0, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    fail(db_, "read " + std::string(table) + "." + column);
  }
  const auto size = static_cast<std::size_t>(sqlite3_blob_bytes(blob));
  std::string out(std::min(size, max_bytes), '\0');
  const int rc = sqlite3_blob_read(blob, out.data(), static_cast<int>(out.size()), 0);
  sqlite3_blob_close(blob);
  if (rc != SQLITE_OK) fail(db_, "read " + std::string(table) + "." + column);
  return out;
}

statement::statement(const connection& db, std::string_view sql, bool persistent) : db_(db) {
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  if (sqlite3_prepare_v3(db.get(), sql.data(), checked_size(sql), flags, &stmt_, nullptr) != SQLITE_OK)
    fail(db.get(), "prepare");
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_.get(), "bind");
  return *this;
}

statement& statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), checked_size(text), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_.get(), "bind");
  return *this;
}

statement& statement::bind_blob(int index, std::string_view bytes) {
  if (sqlite3_bind_blob(stmt_, index, bytes.data(), checked_size(bytes), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_.get(), "bind");
  return *this;
}

statement& statement::bind_static(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), checked_size(text), SQLITE_STATIC) != SQLITE_OK)
    fail(db_.get(), "bind");
  return *this;
}

statement& statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_.get(), "bind");
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_.get(), "step");
}

void statement::run() {
  while (step()) {
  }
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  if (!p) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::optional<std::int64_t> statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

transaction::transaction(connection& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

transaction::~transaction() {
  if (!open_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (const failure&) {
    // A failed statement may already have rolled the transaction back: nothing left to undo.
  }
}

void transaction::commit() {
  if (const unsigned moved = db_.moved_files(); moved != 0) {
    db_.exec("ROLLBACK");
    open_ = false;
    // A deleted WAL (database file and -shm in place) still holds transactions committed before
    // and answered as stored: they go into the database file now, while this process can still
    // read them, not at a crash.
    if (!db_.secured_ && moved == 2U) {
      db_.secured_ = true;
      sqlite3_wal_checkpoint_v2(db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    const unsigned first = static_cast<unsigned>(__builtin_ctz(moved));
    throw failure(db_.file_name(first) + " was deleted or replaced while open: nothing more is stored until bounced is "
                  "restarted (stopped with SIGTERM, it first writes what the old file holds into the database)");
  }
  db_.exec("COMMIT");
  open_ = false;
}

read_transaction::read_transaction(connection& db) : db_(db) { db_.exec("BEGIN"); }

read_transaction::~read_transaction() {
  try {
    db_.exec("COMMIT");
  } catch (const failure&) {
    // A read holds no changes: where COMMIT fails, the transaction is gone or rolls back alike.
    try {
      db_.exec("ROLLBACK");
    } catch (const failure&) {
    }
  }
}

std::int64_t statement::status(counter which) const {
  return sqlite3_stmt_status(stmt_, which == counter::fullscan_steps ? SQLITE_STMTSTATUS_FULLSCAN_STEP : SQLITE_STMTSTATUS_VM_STEP, 0);
}

}  // namespace bounced::storage::sqlite
