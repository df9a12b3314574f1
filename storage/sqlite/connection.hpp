// RAII over the sqlite3 C API, for storage/ only (no other folder includes this header): a
// connection, a prepared statement with bound parameters (values never enter SQL text), and a
// transaction that rolls back unless committed. Any failure throws sqlite::failure; the public
// storage API catches it at its edge and hands back an error value.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace bounced::storage::sqlite {

struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class connection {
 public:
  // Opens (creating) the file; throws failure. With buffer_wal the WAL's writes go through
  // wal_buffer.hpp's VFS, with the pragmas it needs (synchronous = FULL, cache_spill = OFF).
  explicit connection(const std::string& path, bool buffer_wal = false);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  sqlite3* get() const { return db_; }
  // Runs SQL text that has no parameters (schema, pragmas, BEGIN/COMMIT).
  void exec(const std::string& sql);
  std::int64_t changes() const;
  // The rowid of the last row this connection inserted (sqlite3_last_insert_rowid).
  std::int64_t last_insert_rowid() const;
  // At most max_bytes from the start of a BLOB or TEXT value (incremental blob I/O): only the
  // pages that hold them are read, however long the value is. Throws failure (no such row).
  std::string read_prefix(const char* table, const char* column, std::int64_t rowid, std::size_t max_bytes) const;

  // For a connection that writes (buffer_wal): 0 while the database file, its -wal and its -shm
  // are the files this connection has open; otherwise bit i set for each of them (in that order)
  // deleted or replaced since (by hand, a restore over a running daemon). SQLite itself goes on
  // writing into a deleted file, which is gone at the next crash, or keeps a wal-index other
  // processes no longer share, which makes them write over each other's commits.
  // transaction::commit refuses then.
  unsigned moved_files();
  // The name of file i of those: the database's, with "", "-wal" or "-shm".
  std::string file_name(unsigned i) const;

 private:
  struct file_id {
    bool known = false;
    unsigned long long device = 0, inode = 0;
  };
  sqlite3* db_ = nullptr;
  bool guard_files_ = false;
  file_id files_[3];  // the database, -wal, -shm: as first seen
  bool secured_ = false;  // the deleted WAL's frames were checkpointed into the database
  friend class transaction;
};

class statement {
 public:
  statement(const connection& db, std::string_view sql, bool persistent = false);
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  // Parameters are numbered from 1, as in SQLite.
  statement& bind(int index, std::int64_t value);
  statement& bind(int index, std::string_view text);
  statement& bind_blob(int index, std::string_view bytes);
  // Without SQLite's copy of the bytes (SQLITE_STATIC): only where they outlive the statement's
  // next reset, as in a bind, run, reset sequence over strings the caller holds.
  statement& bind_static(int index, std::string_view text);
  statement& bind_null(int index);
  // One step: true while a row is available, false once done; throws on error.
  bool step();
  // Steps to the end, for statements that return no rows.
  void run();
  // Ready to run again, parameters cleared.
  void reset();

  std::int64_t int64(int column) const;
  std::string text(int column) const;  // "" for NULL
  std::string blob(int column) const;
  bool is_null(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;

  enum class counter { fullscan_steps, vm_steps };
  // sqlite3_stmt_status, since the statement was prepared.
  std::int64_t status(counter which) const;

 private:
  const connection& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE (the write lock now, so a busy database is found before any work is done);
// rolls back on destruction unless commit() returned. commit() refuses (rolls back and throws)
// where connection::moved_files() finds one: nothing is answered as stored that could vanish.
class transaction {
 public:
  explicit transaction(connection& db);
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();
  void commit();

 private:
  connection& db_;
  bool open_ = true;
};

// BEGIN (deferred), for reads only: the statements run while it lives read one snapshot, and no
// write lock is taken. It ends with the object; declare the statements after it.
class read_transaction {
 public:
  explicit read_transaction(connection& db);
  read_transaction(const read_transaction&) = delete;
  read_transaction& operator=(const read_transaction&) = delete;
  ~read_transaction();

 private:
  connection& db_;
};

}  // namespace bounced::storage::sqlite
