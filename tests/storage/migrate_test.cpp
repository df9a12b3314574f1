#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>

#include "storage/sqlite/database.hpp"
#include "storage/sqlite/schema.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::temp_db;

namespace {

// Runs SQL on the file through SQLite itself, as another program would.
void sql(const std::string& path, const std::string& text) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message);
  const std::string what = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  INFO(what);
  REQUIRE(rc == SQLITE_OK);
}

std::string first_text(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE("a new file gets every step", "[migrate]") {
  temp_db t;
  CHECK(migrate_file(t.path, schema_migrations()) == 0);
  CHECK(schema_version(t.path) == static_cast<int>(schema_migrations().size()));
  // Again: nothing to do.
  CHECK(migrate_file(t.path, schema_migrations()) == static_cast<int>(schema_migrations().size()));
}

TEST_CASE("a version 1 file written by hand migrates in place when a step is added", "[migrate]") {
  temp_db t;
  // Version 1 exactly as released, with data in it.
  sql(t.path, schema_migrations().at(0).sql + "PRAGMA user_version = 1;");
  sql(t.path,
      "INSERT INTO messages (id, received_at, via, size_bytes, sha256, raw, outcome) "
      "VALUES (7, 100, 'pipe', 1, 'aa', x'41', 'nothing');");
  std::vector<migration> steps = schema_migrations();
  steps.push_back({"messages.note", "ALTER TABLE messages ADD COLUMN note TEXT NOT NULL DEFAULT 'none';"
                                    "UPDATE messages SET note = 'migrated';"});
  const int known = static_cast<int>(schema_migrations().size());
  CHECK(migrate_file(t.path, steps) == 1);
  CHECK(schema_version(t.path) == known + 1);
  CHECK(first_text(t.path, "SELECT note FROM messages WHERE id = 7") == "migrated");
  // Every released step ran on the way: version 2's indexes are there.
  CHECK(first_text(t.path, "SELECT name FROM sqlite_master WHERE name = 'undelivered_log_reason'") == "undelivered_log_reason");
  // The file is newer than a bounced that knows fewer steps: it refuses to open it.
  CHECK_THROWS_AS(database(t.path), storage_error);
}

TEST_CASE("a failing step leaves the file at the version before it", "[migrate]") {
  temp_db t;
  std::vector<migration> steps = schema_migrations();
  steps.push_back({"half", "CREATE TABLE half (x); INSERT INTO nosuchtable VALUES (1);"});
  CHECK_THROWS_AS(migrate_file(t.path, steps), storage_error);
  CHECK(schema_version(t.path) == static_cast<int>(schema_migrations().size()));
  CHECK(first_text(t.path, "SELECT name FROM sqlite_master WHERE name = 'half'").empty());
  database db(t.path);  // still opens at the version before the failed step
}

TEST_CASE("an upgrade waits for another process's write lock", "[migrate]") {
  // bounced acct upgrading the file while the daemon commits: the step waits its turn instead of
  // failing at once with "database is locked".
  temp_db t;
  sql(t.path, schema_migrations().at(0).sql + "PRAGMA user_version = 1; PRAGMA journal_mode = WAL;");
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(t.path.c_str(), &holder) == SQLITE_OK);
  REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  std::thread release([holder] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr);
  });
  CHECK(migrate_file(t.path, schema_migrations(), 5000) == 1);
  release.join();
  sqlite3_close(holder);
  CHECK(schema_version(t.path) == static_cast<int>(schema_migrations().size()));
}
