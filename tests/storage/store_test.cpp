// storage/store: a store opened from its location, whatever the backend.
#include <catch2/catch.hpp>

#include <filesystem>

#include "storage/store.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::temp_db;

TEST_CASE("a store opens from a path or sqlite:PATH and refuses what it cannot open", "[store]") {
  temp_db t;
  {
    const auto s = open_store(t.path);
    message_in m{"raw\r\n", channel::pipe, "", "", {"b@example.com"}, 1, ""};
    REQUIRE(std::holds_alternative<store_result>(s->store_message(m, {decode_status::nothing, "why"}, {})));
  }
  // The same file through its URL form.
  const auto again = open_store("sqlite:" + t.path);
  const auto counted = again->count();
  REQUIRE(std::holds_alternative<counts>(counted));
  CHECK(std::get<counts>(counted).messages == 1);
  const auto url = open_store("sqlite://" + t.path);
  CHECK(std::get<counts>(url->count()).messages == 1);
  // A scheme this build has no backend for, a store that must exist and does not.
  CHECK_THROWS_AS(open_store("postgresql://bounced@localhost/bounced"), storage_error);
  open_options must;
  must.must_exist = true;
  CHECK_THROWS_AS(open_store((t.dir / "missing.db").string(), must), no_store);
  CHECK_FALSE(std::filesystem::exists(t.dir / "missing.db"));
  CHECK_THROWS_AS(open_store(""), storage_error);
}

TEST_CASE("stores_per_thread gives each thread one store of its own", "[store]") {
  temp_db t;
  stores_per_thread stores(t.path);
  store& mine = stores.local();
  CHECK(&mine == &stores.local());
  store* other = nullptr;
  std::thread([&] { other = &stores.local(); }).join();
  CHECK(other != &mine);
}
