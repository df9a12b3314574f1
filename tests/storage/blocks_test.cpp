// Blocks made by hand (FreshMail's addBlocks and removeBlocks) sit beside the state that bounces
// give: a bounce keeps a block, an unblock keeps the bounce state.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "storage/sqlite/database.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::ok;
using bounced::test::temp_db;

namespace {

void hard_bounce(database& db, const std::string& address, const std::string& raw) {
  row r;
  r.recipient = address;
  r.kind = record_kind::bounce;
  r.bounce_type = bounce_type::hard;
  ok(db.store_message({raw, channel::lmtp, "", "", {"b@x.test"}, 1700000000, ""}, {decode_status::decoded, ""}, {r}));
}

}  // namespace

TEST_CASE("a block is added once and an unblock removes only a block", "[blocks]") {
  temp_db t;
  database db(t.path);
  auto added = ok(db.block({"A@Example.NET", "b@example.net"}, 1700000100));
  CHECK(added.changed == 2);
  CHECK(added.unchanged == 0);
  auto again = ok(db.block({"a@example.net", "c@example.net"}, 1700000200));
  CHECK(again.changed == 1);
  CHECK(again.unchanged == 1);
  const auto a = ok(db.suppression_of("a@example.net"));
  REQUIRE(a);
  CHECK(a->blocked_at == 1700000100);
  CHECK(a->state == address_state::active);
  auto removed = ok(db.unblock({"a@example.net", "nobody@example.net"}));
  CHECK(removed.changed == 1);
  CHECK(removed.unchanged == 1);
  CHECK_FALSE(ok(db.suppression_of("a@example.net"))->blocked_at);
}

TEST_CASE("a bounce keeps a block and an unblock keeps the bounce state", "[blocks]") {
  temp_db t;
  database db(t.path);
  ok(db.block({"a@example.net"}, 1700000100));
  hard_bounce(db, "a@example.net", "one");
  auto s = ok(db.suppression_of("a@example.net"));
  REQUIRE(s);
  CHECK(s->state == address_state::hard_bouncing);
  CHECK(s->blocked_at == 1700000100);
  hard_bounce(db, "b@example.net", "two");
  CHECK(ok(db.unblock({"b@example.net"})).unchanged == 1);  // a bounce state is no block
  ok(db.unblock({"a@example.net"}));
  s = ok(db.suppression_of("a@example.net"));
  CHECK(s->state == address_state::hard_bouncing);
  CHECK_FALSE(s->blocked_at);
}

TEST_CASE("suppressions page by address", "[blocks]") {
  temp_db t;
  database db(t.path);
  for (int i = 0; i < 5; ++i) hard_bounce(db, "u" + std::to_string(i) + "@example.net", "m" + std::to_string(i));
  ok(db.block({"u3@example.net", "z@example.net"}, 1700000000));
  auto first = ok(db.page_suppressions("", 4));
  REQUIRE(first.size() == 4);
  CHECK(first.front().address == "u0@example.net");
  auto rest = ok(db.page_suppressions(first.back().address, 4));
  REQUIRE(rest.size() == 2);
  CHECK(rest.back().address == "z@example.net");
  auto blocked = ok(db.page_suppressions("", 10, true));
  REQUIRE(blocked.size() == 2);
  CHECK(blocked[0].address == "u3@example.net");
}
