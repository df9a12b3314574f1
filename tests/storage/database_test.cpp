#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <string>
#include <variant>

#include "storage/sqlite/database.hpp"
#include "storage/sqlite/schema.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::ok;
using bounced::test::temp_db;

namespace {

message_in message(const std::string& raw, std::int64_t at = 1700000000) {
  return {raw, channel::lmtp, "127.0.0.1", "", {"bounces@b.test", "other@b.test"}, at, ""};
}

row bounce(const std::string& recipient, const std::string& type, const std::string& original) {
  row r;
  r.recipient = recipient;
  r.kind = record_kind::bounce;
  r.bounce_type = parse_bounce_type(type).value();
  r.status = type == "hard" ? "5.1.1" : "4.2.2";
  r.original_message_id = original;
  r.diagnostic_text = "550 it's \"quoted\"; DROP TABLE messages; --";
  return r;
}

row of_kind(const std::string& recipient, const std::string& kind) {
  row r;
  r.recipient = recipient;
  r.kind = parse_record_kind(kind).value();
  return r;
}

const outcome decoded{decode_status::decoded, ""};

std::string state_of(database& db, const std::string& address) {
  const auto s = ok(db.suppression_of(address));
  return s ? std::string(to_string(s->state)) : "none";
}

}  // namespace

TEST_CASE("a message and its rows are stored and read back", "[database]") {
  temp_db t;
  database db(t.path);
  row r = bounce("User@Example.com", "hard", "<a@x>");
  r.campaign_id = "c1";
  r.pmta_category = "bad-mailbox";
  const auto stored = ok(db.store_message(message("raw one\r\n"), decoded, {r, of_kind("b@example.com", "delay")}));
  CHECK_FALSE(stored.duplicate);
  REQUIRE(stored.row_ids.size() == 2);
  CHECK(stored.row_ids[0] < stored.row_ids[1]);

  const auto rows = ok(db.rows_of(stored.message_id));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].fields == r);
  CHECK(rows[0].received_at == 1700000000);
  CHECK_FALSE(rows[0].replaced_by);
  const auto m = ok(db.message(stored.message_id));
  REQUIRE(m);
  CHECK(m->raw == "raw one\r\n");
  CHECK(m->envelope_recipients == std::vector<std::string>{"bounces@b.test", "other@b.test"});
  CHECK(m->result.status == decode_status::decoded);
  CHECK(m->records == 2);
  CHECK(m->pmta_category.empty());
}

TEST_CASE("a category handed in with a message is kept with it", "[database]") {
  temp_db t;
  database db(t.path);
  message_in in = message("raw from oempro");
  in.via = channel::http;
  in.pmta_category = "bad-mailbox";
  const auto stored = ok(db.store_message(in, decoded, {}));
  const auto m = ok(db.message(stored.message_id));
  REQUIRE(m);
  CHECK(m->pmta_category == "bad-mailbox");
  CHECK(m->via == channel::http);
}

TEST_CASE("the same raw bytes twice are stored and counted once", "[database]") {
  temp_db t;
  database db(t.path);
  const auto first = ok(db.store_message(message("same"), decoded, {bounce("a@x.test", "hard", "<1@x>")}));
  const auto second = ok(db.store_message(message("same", 1800000000), decoded, {bounce("a@x.test", "hard", "<1@x>")}));
  CHECK(second.duplicate);
  CHECK(second.message_id == first.message_id);
  CHECK(second.row_ids.empty());
  const auto c = ok(db.count());
  CHECK(c.messages == 1);
  CHECK(c.rows == 1);
  CHECK(ok(db.suppression_of("a@x.test"))->hard_count == 1);
}

TEST_CASE("binary raw bytes survive, and a message with no rows is kept with its reason", "[database]") {
  temp_db t;
  database db(t.path);
  std::string raw("\0\xff\x01garbage\0", 11);
  const auto s = ok(db.store_message(message(raw), {decode_status::nothing, "not a bounce"}, {}));
  const auto m = ok(db.message(s.message_id));
  REQUIRE(m);
  CHECK(m->raw == raw);
  CHECK(m->result.detail == "not a bounce");
  CHECK(m->records == 0);
}

TEST_CASE("a failed store writes nothing and returns an error", "[database]") {
  temp_db t;
  database db(t.path);
  // An outcome outside the vocabulary (a bug's value) fails the table's CHECK constraint.
  const auto r = db.store_message(message("x"), {static_cast<decode_status>(7), ""}, {bounce("a@x.test", "hard", "")});
  REQUIRE(std::holds_alternative<error>(r));
  const auto c = ok(db.count());
  CHECK(c.messages == 0);
  CHECK(c.rows == 0);
  CHECK(c.suppressions == 0);
}

TEST_CASE("a batch is all or nothing", "[database]") {
  temp_db t;
  database db(t.path);
  // The third comes with its key computed beforehand (as the writer does): the same key.
  std::vector<store_item> items = {{message("one"), decoded, {bounce("a@x.test", "hard", "")}, ""},
                                   {message("two"), decoded, {bounce("b@x.test", "hard", "")}, ""},
                                   {message("one"), decoded, {bounce("a@x.test", "hard", "")}, delivery_key(message("one"))}};
  const auto stored = ok(db.store_batch(items));
  REQUIRE(stored.size() == 3);
  CHECK(stored[2].duplicate);
  CHECK(stored[2].message_id == stored[0].message_id);
  items.push_back({message("three"), {static_cast<decode_status>(7), ""}, {}, ""});
  items[0].message.raw = "four";
  CHECK(std::holds_alternative<error>(db.store_batch(items)));
  CHECK(ok(db.count()).messages == 2);
}

TEST_CASE("the file is in WAL mode with the schema version set", "[database]") {
  temp_db t;
  { database db(t.path); }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(t.path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == static_cast<int>(schema_migrations().size()));
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

TEST_CASE("a file that cannot be opened throws storage_error", "[database]") {
  CHECK_THROWS_AS(database("/nonexistent-dir/x/bounced.db"), storage_error);
}

TEST_CASE("suppression: a hard bounce makes the address hard-bouncing", "[suppression]") {
  temp_db t;
  database db(t.path);
  ok(db.store_message(message("m1"), decoded, {bounce("A@X.test", "hard", "<1@x>")}));
  const auto s = ok(db.suppression_of("a@x.test"));
  REQUIRE(s);
  CHECK(s->address == "a@x.test");
  CHECK(s->state == address_state::hard_bouncing);
  CHECK(s->hard_count == 1);
  CHECK(s->updated_at == 1700000000);
}

TEST_CASE("suppression: N soft bounces of N different originals make soft-bouncing", "[suppression]") {
  temp_db t;
  database db(t.path);
  ok(db.store_message(message("m1"), decoded, {bounce("a@x.test", "soft", "<1@x>")}));
  // Another report about the same original counts once.
  ok(db.store_message(message("m2"), decoded, {bounce("a@x.test", "soft", "<1@x>")}));
  ok(db.store_message(message("m3"), decoded, {bounce("a@x.test", "soft", "<2@x>")}));
  CHECK(ok(db.suppression_of("a@x.test"))->soft_count == 2);
  CHECK(state_of(db, "a@x.test") == "active");
  ok(db.store_message(message("m4"), decoded, {of_kind("a@x.test", "delay"), of_kind("a@x.test", "auto-reply")}));
  CHECK(ok(db.suppression_of("a@x.test"))->soft_count == 2);
  ok(db.store_message(message("m5"), decoded, {bounce("a@x.test", "soft", "<3@x>")}));
  CHECK(state_of(db, "a@x.test") == "soft-bouncing");
  CHECK(ok(db.suppression_of("a@x.test"))->last_soft_original == "<3@x>");
}

TEST_CASE("suppression: a delivery report resets the soft run", "[suppression]") {
  temp_db t;
  database db(t.path);
  ok(db.store_message(message("m1"), decoded, {bounce("a@x.test", "soft", "<1@x>"), bounce("a@x.test", "soft", "<2@x>")}));
  ok(db.store_message(message("m2"), decoded, {of_kind("a@x.test", "delivery")}));
  CHECK(ok(db.suppression_of("a@x.test"))->soft_count == 0);
  ok(db.store_message(message("m3"), decoded, {bounce("a@x.test", "soft", "<3@x>")}));
  CHECK(state_of(db, "a@x.test") == "active");
  ok(db.store_message(message("m4"), decoded, {bounce("a@x.test", "soft", "<4@x>"), bounce("a@x.test", "soft", "<5@x>")}));
  CHECK(state_of(db, "a@x.test") == "soft-bouncing");
  ok(db.store_message(message("m5"), decoded, {of_kind("a@x.test", "delivery")}));
  CHECK(state_of(db, "a@x.test") == "active");
  // Delays and auto-replies alone make no entry.
  ok(db.store_message(message("m6"), decoded, {of_kind("d@x.test", "delay"), of_kind("e@x.test", "delivery")}));
  CHECK(state_of(db, "d@x.test") == "none");
  CHECK(state_of(db, "e@x.test") == "none");
}

TEST_CASE("suppression: a complaint wins over bounces, the limit is configurable", "[suppression]") {
  temp_db t;
  database db(t.path, sqlite_options{1, 5000});
  ok(db.store_message(message("m1"), decoded, {of_kind("a@x.test", "complaint")}));
  ok(db.store_message(message("m2"), decoded, {bounce("a@x.test", "hard", "<1@x>"), bounce("a@x.test", "soft", "<2@x>")}));
  const auto s = ok(db.suppression_of("a@x.test"));
  CHECK(s->state == address_state::complained);
  CHECK(s->complaint_count == 1);
  CHECK(s->hard_count == 1);
  ok(db.store_message(message("m3"), decoded, {bounce("b@x.test", "soft", "<1@x>")}));
  CHECK(state_of(db, "b@x.test") == "soft-bouncing");
  ok(db.store_message(message("m4"), decoded, {bounce("b@x.test", "hard", "<2@x>")}));
  CHECK(state_of(db, "b@x.test") == "hard-bouncing");
  ok(db.store_message(message("m5"), decoded, {bounce("b@x.test", "soft", "<3@x>")}));
  CHECK(state_of(db, "b@x.test") == "hard-bouncing");
}

TEST_CASE("replace marks the old rows and points them at their successors", "[reprocess]") {
  temp_db t;
  database db(t.path);
  const auto s = ok(db.store_message(message("m1"), {decode_status::failed, "boom"}, {bounce("a@x.test", "soft", ""), bounce("b@x.test", "soft", "")}));
  ok(db.store_message(message("m2"), decoded, {bounce("c@x.test", "soft", "")}));
  const std::vector<row> again = {bounce("A@x.test", "hard", "<1@x>")};
  const auto r = ok(db.replace(s.message_id, decoded, again));
  CHECK_FALSE(r.unchanged);
  CHECK(r.rows_added == 1);
  CHECK(r.rows_replaced == 2);
  const auto rows = ok(db.rows_of(s.message_id));
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].id > rows[1].id);
  CHECK(rows[2].fields == again[0]);
  CHECK_FALSE(rows[2].replaced_by);
  CHECK(rows[0].replaced_by == rows[2].id);
  CHECK(rows[1].replaced_by == 0);
  const auto m = ok(db.message(s.message_id));
  CHECK(m->result.status == decode_status::decoded);
  CHECK(m->records == 1);
  // The same rows again change nothing.
  const auto same = ok(db.replace(s.message_id, decoded, again));
  CHECK(same.unchanged);
  CHECK(ok(db.count()).rows == 4);
  CHECK(ok(db.count()).live_rows == 2);
  CHECK(std::holds_alternative<error>(db.replace(999, decoded, again)));
}

TEST_CASE("for_each_message visits from a time on, in id order, and may replace meanwhile", "[reprocess]") {
  temp_db t;
  database db(t.path);
  for (int i = 0; i < 150; ++i)
    ok(db.store_message(message("m" + std::to_string(i), 1000 + i), decoded, {bounce("a@x.test", "soft", "")}));
  std::vector<std::int64_t> seen;
  const auto n = ok(db.for_each_message(1100, [&](const stored_message& m) {
    seen.push_back(m.id);
    CHECK(m.received_at >= 1100);
    return !std::holds_alternative<error>(db.replace(m.id, decoded, {}));
  }));
  CHECK(n == 50);
  REQUIRE(seen.size() == 50);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(ok(db.count()).live_rows == 100);
  std::int64_t stopped = ok(db.for_each_message(0, [](const stored_message&) { return false; }));
  CHECK(stopped == 1);
}

TEST_CASE("purge deletes old messages with their rows", "[retention]") {
  temp_db t;
  database db(t.path);
  ok(db.store_message(message("old", 100), decoded, {bounce("a@x.test", "hard", ""), bounce("b@x.test", "hard", "")}));
  ok(db.store_message(message("new", 200), decoded, {bounce("a@x.test", "hard", "")}));
  const auto p = ok(db.purge(200));
  CHECK(p.messages == 1);
  CHECK(p.rows == 2);
  const auto c = ok(db.count());
  CHECK(c.messages == 1);
  CHECK(c.rows == 1);
  CHECK(ok(db.purge(200)).messages == 0);
}

TEST_CASE("purge works through a backlog larger than one chunk, messages with their rows", "[retention]") {
  temp_db t;
  database db(t.path);
  for (int i = 0; i < 1234; ++i)
    ok(db.store_message(message("old " + std::to_string(i), 100), decoded, {bounce("a@x.test", "hard", "")}));
  ok(db.store_message(message("new", 300), decoded, {bounce("b@x.test", "hard", "")}));
  const auto p = ok(db.purge(200));
  CHECK(p.messages == 1234);
  CHECK(p.rows == 1234);
  const auto c = ok(db.count());
  CHECK(c.messages == 1);
  CHECK(c.rows == 1);
}

TEST_CASE("the same message to another envelope is another delivery, the same envelope again a duplicate", "[store]") {
  temp_db t;
  database db(t.path);
  message_in a = message("same bytes");
  a.envelope_recipients = {"bounces+a=example.net@b.test"};
  message_in b = a;
  b.envelope_recipients = {"bounces+c=example.org@b.test"};
  CHECK_FALSE(ok(db.store_message(a, decoded, {})).duplicate);
  CHECK_FALSE(ok(db.store_message(b, decoded, {})).duplicate);
  CHECK(ok(db.store_message(a, decoded, {})).duplicate);
  CHECK(ok(db.count()).messages == 2);
}

TEST_CASE("forget erases an address everywhere and nothing else", "[retention]") {
  temp_db t;
  database db(t.path);
  ok(db.store_message(message("Final-Recipient: rfc822; Gone_User@X.test\r\n"), decoded, {bounce("gone_user@x.test", "hard", "")}));
  message_in env = message("another message");
  env.envelope_recipients = {"bounces@b.test", "GONE_USER@x.test"};
  ok(db.store_message(env, {decode_status::nothing, "no report"}, {}));
  ok(db.store_message(message("mentions gone_user@x.test only in the text"), {decode_status::nothing, ""}, {}));
  ok(db.store_message(message("keep"), decoded, {bounce("gonexuser@x.test", "hard", "")}));
  const auto f = ok(db.forget("Gone_User@x.test"));
  CHECK(f.messages == 3);
  CHECK(f.rows == 1);
  CHECK(f.suppressions == 1);
  const auto c = ok(db.count());
  CHECK(c.messages == 1);
  CHECK(c.rows == 1);
  CHECK(state_of(db, "gonexuser@x.test") == "hard-bouncing");
  CHECK(state_of(db, "gone_user@x.test") == "none");
  CHECK(std::holds_alternative<error>(db.forget("")));
}
