// storage/types: the vocabulary's one spelling per value, and the table of a record's fields,
// against the columns of the table the SQLite backend makes.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <set>
#include <string>

#include "storage/sqlite/database.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::temp_db;

namespace {

// Every value of an enum round-trips through its spelling, and no two share one.
template <class Enum, class Parse>
void round_trips(std::initializer_list<Enum> values, Parse parse, std::initializer_list<const char*> spellings) {
  std::set<std::string> seen;
  auto spelled = spellings.begin();
  for (const Enum v : values) {
    const std::string text(to_string(v));
    CHECK(text == *spelled++);
    CHECK(parse(text) == v);
    CHECK(seen.insert(text).second);
  }
}

}  // namespace

TEST_CASE("each value of the vocabulary has one spelling, read back as itself", "[types]") {
  using enum record_kind;
  round_trips({bounce, delay, complaint, auto_reply, delivery}, parse_record_kind,
              {"bounce", "delay", "complaint", "auto-reply", "delivery"});
  round_trips({bounce_type::none, bounce_type::hard, bounce_type::soft}, parse_bounce_type, {"", "hard", "soft"});
  round_trips({decode_status::decoded, decode_status::nothing, decode_status::failed}, parse_decode_status,
              {"decoded", "nothing", "failed"});
  round_trips({address_state::active, address_state::soft_bouncing, address_state::hard_bouncing, address_state::complained},
              parse_address_state, {"active", "soft-bouncing", "hard-bouncing", "complained"});
  round_trips({channel::lmtp, channel::smtp, channel::pipe, channel::http, channel::acct}, parse_channel,
              {"lmtp", "smtp", "pipe", "http", "acct"});
  // Nothing else is read, not even another case or a spelling with the enum's underscore.
  CHECK_FALSE(parse_record_kind("Bounce"));
  CHECK_FALSE(parse_record_kind("auto_reply"));
  CHECK_FALSE(parse_record_kind(""));
  CHECK_FALSE(parse_bounce_type("none"));
  CHECK_FALSE(parse_address_state("blocked"));
  CHECK_FALSE(parse_channel("LMTP"));
  CHECK(to_string(static_cast<decode_status>(7)).empty());
}

TEST_CASE("the record's fields are the columns of undelivered_log, each read and written as text", "[types]") {
  temp_db t;
  { database db(t.path); }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(t.path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT name FROM pragma_table_info('undelivered_log')", -1, &st, nullptr) == SQLITE_OK);
  std::set<std::string> columns;
  while (sqlite3_step(st) == SQLITE_ROW) columns.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  // Those storage sets itself, and then one column per field.
  for (const char* own : {"id", "message_id", "received_at", "replaced_by"}) CHECK(columns.erase(own) == 1);
  std::set<std::string> names;
  for (const record_field& f : record_fields) {
    INFO(f.name);
    CHECK(columns.erase(std::string(f.column)) == 1);
    CHECK(names.insert(std::string(f.name)).second);
    CHECK(&record_field_named(f.name) == &f);
  }
  CHECK(columns.empty());
  CHECK_THROWS_AS(record_field_named("bouncetype"), std::out_of_range);

  // Every field takes its text and gives it back; a closed field refuses what is not its value.
  row r;
  for (const record_field& f : record_fields) {
    const std::string value = f.name == "kind" ? "auto-reply" : f.name == "bounce_type" ? "soft" : "value of " + std::string(f.name);
    REQUIRE(f.set(r, std::string(value)));
    CHECK(f.get(r) == value);
  }
  CHECK(r.kind == record_kind::auto_reply);
  CHECK(r.bounce_type == bounce_type::soft);
  CHECK(r.transaction_id == "value of transaction_id");
  CHECK_FALSE(record_field_named("kind").set(r, "bogus"));
  CHECK_FALSE(record_field_named("bounce_type").set(r, "Hard"));
  CHECK(r.kind == record_kind::auto_reply);  // unchanged
}

TEST_CASE("a value bounced never writes, read back, is an error that names it", "[types]") {
  temp_db t;
  database db(t.path);
  row r;
  r.recipient = "a@x.test";
  REQUIRE(std::holds_alternative<store_result>(
      db.store_message({"raw", channel::lmtp, "", "", {"b@x.test"}, 1, ""}, {decode_status::decoded, ""}, {r})));
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(t.path.c_str(), &raw) == SQLITE_OK);
  // A database edited by hand (or by a newer bounced): undelivered_log has no CHECK on kind.
  REQUIRE(sqlite3_exec(raw, "UPDATE undelivered_log SET kind = 'bounce-ish'", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  const auto page = db.page_rows({}, 0, 10);
  REQUIRE(std::holds_alternative<error>(page));
  CHECK(std::get<error>(page).message == "record 1 has kind 'bounce-ish', which bounced does not know");
  CHECK(std::holds_alternative<error>(db.row_by_id(1)));
}
