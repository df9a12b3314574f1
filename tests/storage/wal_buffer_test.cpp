// The WAL buffer VFS (storage/wal_buffer.hpp) against plain SQLite connections on a real file:
// what one connection commits through it, another reads; a transaction larger than the buffer and
// one rolled back; a large transaction rolled back while another connection commits (nothing
// gathered may be written over its frames); and commits that survive the process dying without
// closing its connection (the buffer is flushed at each commit's sync).
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "storage/sqlite/wal_buffer.hpp"
#include "temp_db.hpp"

namespace {

using bounced::test::temp_db;

struct conn {
  sqlite3* db = nullptr;
  conn(const std::string& path, bool buffered) {
    const char* vfs = buffered ? bounced::storage::sqlite::wal_buffer_vfs() : nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) == SQLITE_OK);
    exec("PRAGMA busy_timeout = 5000");
    if (buffered) REQUIRE(bounced::storage::sqlite::prepare_for_wal_buffer(db).empty());
  }
  ~conn() { sqlite3_close_v2(db); }
  void exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    INFO(sql << ": " << (message ? message : ""));
    sqlite3_free(message);
    REQUIRE(rc == SQLITE_OK);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }
};

// A blob of n bytes that differs by seed, so that a misplaced frame shows up in the sums below.
std::string blob(int seed, std::size_t n) {
  std::string b(n, '\0');
  std::uint32_t x = static_cast<std::uint32_t>(seed) * 2654435761u + 1;
  for (char& c : b) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return b;
}

void insert(conn& c, int id, const std::string& bytes) {
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(c.db, "INSERT INTO t (id, b) VALUES (?, ?)", -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_int(st, 1, id);
  sqlite3_bind_blob(st, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
}

// Every row's id and bytes, hashed (FNV-1a) as this connection reads them.
std::string digest(conn& c) {
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(c.db, "SELECT id, b FROM t ORDER BY id", -1, &st, nullptr) == SQLITE_OK);
  std::uint64_t h = 1469598103934665603ull;
  std::size_t rows = 0;
  auto mix = [&h](const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  while (sqlite3_step(st) == SQLITE_ROW) {
    const std::int64_t id = sqlite3_column_int64(st, 0);
    mix(reinterpret_cast<const unsigned char*>(&id), sizeof id);
    mix(static_cast<const unsigned char*>(sqlite3_column_blob(st, 1)), static_cast<std::size_t>(sqlite3_column_bytes(st, 1)));
    ++rows;
  }
  sqlite3_finalize(st);
  return std::to_string(rows) + ":" + std::to_string(h);
}

}  // namespace

TEST_CASE("WAL buffer: another connection reads what a buffered one committed, large and spilled transactions included",
          "[wal_buffer]") {
  REQUIRE(bounced::storage::sqlite::wal_buffer_vfs() != nullptr);
  temp_db t;
  conn writer(t.path, true);
  writer.exec("PRAGMA journal_mode = WAL");
  writer.exec("PRAGMA cache_size = 8");  // pages: far fewer than the big transaction changes
  writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
  conn reader(t.path, false);

  // 12 MB in one transaction: three times the gather buffer, written in many pieces.
  writer.exec("BEGIN IMMEDIATE");
  for (int i = 0; i < 600; ++i) insert(writer, i, blob(i, 20000 + static_cast<std::size_t>(i)));
  const std::string inside = digest(writer);
  CHECK(reader.text("SELECT count(*) FROM t") == "0");  // not committed: not visible
  writer.exec("COMMIT");
  CHECK(digest(reader) == inside);
  CHECK(inside.starts_with("600:"));

  // Small transactions, each read by the other connection right after it commits.
  for (int i = 600; i < 700; ++i) {
    insert(writer, i, blob(i, 300));
    CHECK(reader.text("SELECT max(id) FROM t") == std::to_string(i));
  }
  // A rolled back transaction leaves nothing, and the next one commits.
  writer.exec("BEGIN IMMEDIATE");
  insert(writer, 5000, blob(5000, 70000));
  writer.exec("ROLLBACK");
  insert(writer, 5001, blob(5001, 70000));
  CHECK(reader.text("SELECT group_concat(id) FROM t WHERE id > 4000") == "5001");
  CHECK(digest(reader) == digest(writer));

  // A checkpoint by the reader copies the frames into the database file; then the writer's WAL
  // starts again from its beginning, through the buffer.
  reader.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  for (int i = 6000; i < 6050; ++i) insert(writer, i, blob(i, 5000));
  CHECK(digest(reader) == digest(writer));
  CHECK(writer.text("PRAGMA integrity_check") == "ok");
  CHECK(reader.text("PRAGMA integrity_check") == "ok");
}

TEST_CASE("WAL buffer: a large transaction rolled back loses nothing another connection commits after it",
          "[wal_buffer]") {
  temp_db t;
  std::string expected;
  {
    conn a(t.path, true);
    a.exec("PRAGMA journal_mode = WAL");
    a.exec("PRAGMA cache_size = 8");
    a.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    for (int i = 0; i < 10; ++i) insert(a, i, blob(i, 3000));
    conn b(t.path, false);

    // 4 MB changed with a cache of 8 pages, then thrown away.
    a.exec("BEGIN IMMEDIATE");
    for (int i = 100; i < 300; ++i) insert(a, i, blob(i, 20000));
    a.exec("ROLLBACK");
    // The other connection commits into the part of the WAL the rolled back transaction used.
    for (int i = 1000; i < 1100; ++i) insert(b, i, blob(i, 7000));
    expected = digest(b);
    CHECK(expected.starts_with("110:"));
    CHECK(digest(a) == expected);
    insert(a, 2000, blob(2000, 5000));
    expected = digest(b);
    CHECK(digest(a) == expected);
  }
  conn after(t.path, false);
  CHECK(after.text("PRAGMA integrity_check") == "ok");
  CHECK(digest(after) == expected);
}

TEST_CASE("WAL buffer: commits survive the process dying with its connection open", "[wal_buffer]") {
  temp_db t;
  {
    conn setup(t.path, false);
    setup.exec("PRAGMA journal_mode = WAL");
    setup.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No Catch2 here: plain calls, and _exit without closing (what kill -9 leaves behind).
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(t.path.c_str(), &db, SQLITE_OPEN_READWRITE, bounced::storage::sqlite::wal_buffer_vfs()) != SQLITE_OK)
      ::_exit(3);
    if (!bounced::storage::sqlite::prepare_for_wal_buffer(db).empty()) ::_exit(4);
    for (int i = 0; i < 40; ++i) {
      const std::string b = blob(i, 9000);
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "INSERT INTO t (id, b) VALUES (?, ?)", -1, &st, nullptr) != SQLITE_OK) ::_exit(5);
      sqlite3_bind_int(st, 1, i);
      sqlite3_bind_blob(st, 2, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(st) != SQLITE_DONE) ::_exit(6);
      sqlite3_finalize(st);
    }
    // One more, left open: it must not appear.
    sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO t (id, b) VALUES (99, zeroblob(50000));", nullptr, nullptr, nullptr);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  conn after(t.path, false);
  CHECK(after.text("SELECT count(*) || ',' || max(id) || ',' || sum(length(b)) FROM t") == "40,39,360000");
  std::string expected;
  {
    conn check(t.path, false);
    check.exec("CREATE TEMP TABLE e (id INTEGER PRIMARY KEY, b BLOB)");
    for (int i = 0; i < 40; ++i) {
      sqlite3_stmt* st = nullptr;
      REQUIRE(sqlite3_prepare_v2(check.db, "INSERT INTO e (id, b) VALUES (?, ?)", -1, &st, nullptr) == SQLITE_OK);
      const std::string b = blob(i, 9000);
      sqlite3_bind_int(st, 1, i);
      sqlite3_bind_blob(st, 2, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
      REQUIRE(sqlite3_step(st) == SQLITE_DONE);
      sqlite3_finalize(st);
    }
    CHECK(check.text("SELECT count(*) FROM t JOIN e USING (id) WHERE t.b = e.b") == "40");
  }
  CHECK(after.text("PRAGMA integrity_check") == "ok");
}
