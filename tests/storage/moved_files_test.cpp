// A database file, -wal or -shm deleted or replaced under a running writer (by hand, or a restore
// over a running daemon): SQLite would go on committing into the deleted WAL (gone at the next
// crash) or with a wal-index other processes no longer share. Every commit is refused instead,
// and a deleted WAL's earlier commits are written into the database file at once.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <variant>

#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::ok;
using bounced::test::temp_db;

namespace {

message_in message(const std::string& text) { return {"Subject: " + text + "\r\n\r\nbody\r\n", channel::lmtp, "", "", {"b@b.test"}, 1000, ""}; }

std::string refused(database& db, const std::string& text) {
  const auto r = db.store_message(message(text), {decode_status::nothing, ""}, {});
  const auto* e = std::get_if<error>(&r);
  return e ? e->message : "";
}

// Messages in the database file itself, its WAL ignored (immutable=1 reads the file alone).
int messages_in_file(const std::string& path) {
  sqlite3* db = nullptr;
  int n = -1;
  if (sqlite3_open_v2(("file:" + path + "?immutable=1").c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

}  // namespace

TEST_CASE("a WAL deleted under the writer: commits refused, the earlier ones saved into the file", "[database]") {
  temp_db t;
  sqlite_options o;
  o.checkpoint_pages = 1000000;  // the two commits stay in the WAL
  database db(t.path, o);
  ok(db.store_message(message("one"), {decode_status::nothing, ""}, {}));
  ok(db.store_message(message("two"), {decode_status::nothing, ""}, {}));
  CHECK(messages_in_file(t.path) == 0);
  std::filesystem::remove(t.path + "-wal");
  const std::string why = refused(db, "three");
  CHECK(why.find(t.path + "-wal was deleted or replaced") != std::string::npos);
  CHECK(messages_in_file(t.path) == 2);  // saved at once, not left for a crash to take
  CHECK_FALSE(refused(db, "four").empty());  // and so on, until a restart
}

TEST_CASE("a -shm or database file replaced under the writer: commits refused", "[database]") {
  temp_db t;
  const std::string which = GENERATE(std::string("-shm"), std::string(""));
  database db(t.path);
  ok(db.store_message(message("one"), {decode_status::nothing, ""}, {}));
  const std::string name = t.path + which;
  std::filesystem::copy_file(name, name + ".copy");
  std::filesystem::rename(name + ".copy", name);  // same bytes, another file
  const std::string why = refused(db, "two");
  CHECK(why.find(name + " was deleted or replaced") != std::string::npos);
}

TEST_CASE("files left in place: nothing refused", "[database]") {
  temp_db t;
  database db(t.path);
  for (int i = 0; i < 5; ++i) ok(db.store_message(message(std::to_string(i)), {decode_status::nothing, ""}, {}));
  ok(db.store_batch({}));
}
