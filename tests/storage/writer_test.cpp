#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/sqlite/database.hpp"
#include "storage/store.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::temp_db;

namespace {

row hard(const std::string& recipient) {
  row r;
  r.recipient = recipient;
  r.kind = record_kind::bounce;
  r.bounce_type = bounce_type::hard;
  return r;
}

}  // namespace

TEST_CASE("concurrent submits are grouped into fewer transactions and all answered", "[writer]") {
  temp_db t;
  constexpr int threads = 8, per_thread = 50;
  std::mutex mu;
  std::vector<store_result> results;
  std::atomic<int> failures{0};
  std::uint64_t transactions = 0;
  {
    writer w(std::make_unique<database>(t.path));
    std::vector<std::thread> clients;
    for (int c = 0; c < threads; ++c)
      clients.emplace_back([&, c] {
        for (int i = 0; i < per_thread; ++i) {
          const std::string id = std::to_string(c) + "-" + std::to_string(i);
          w.submit({"raw " + id, channel::lmtp, "", "", {"b@b.test"}, 1000, ""}, {decode_status::decoded, ""}, {hard("u" + id + "@x.test")},
                   [&](const result<store_result>& r) {
                     if (const auto* ok = std::get_if<store_result>(&r)) {
                       std::lock_guard lock(mu);
                       results.push_back(*ok);
                     } else {
                       ++failures;
                     }
                   });
        }
      });
    for (auto& c : clients) c.join();
    w.stop();
    transactions = w.transactions();
  }
  CHECK(failures == 0);
  REQUIRE(results.size() == threads * per_thread);
  CHECK(transactions >= 1);
  CHECK(transactions < static_cast<std::uint64_t>(threads * per_thread));
  database db(t.path);
  const auto c = std::get<counts>(db.count());
  CHECK(c.messages == threads * per_thread);
  CHECK(c.rows == threads * per_thread);
  for (const auto& r : results) {
    CHECK_FALSE(r.duplicate);
    CHECK(r.row_ids.size() == 1);
  }
}

TEST_CASE("a callback runs only after its message is committed", "[writer]") {
  temp_db t;
  writer w(std::make_unique<database>(t.path));
  std::atomic<bool> seen{false};
  std::int64_t messages_seen = -1;
  w.submit({"one", channel::pipe, "", "", {}, 1, ""}, {decode_status::nothing, "x"}, {}, [&](const result<store_result>&) {
    // Another connection sees the message: it is committed, not just written in a transaction.
    database other(t.path);
    messages_seen = std::get<counts>(other.count()).messages;
    seen = true;
  });
  w.stop();
  CHECK(seen);
  CHECK(messages_seen == 1);
}

TEST_CASE("a failed batch answers every message with the error and stores none", "[writer]") {
  temp_db t;
  std::vector<std::string> errors;
  int stored = 0;
  {
    // One batch of three (max_batch_messages), one of which the schema refuses.
    writer w(std::make_unique<database>(t.path), 3);
    std::mutex mu;
    auto done = [&](const result<store_result>& r) {
      std::lock_guard lock(mu);
      if (const auto* e = std::get_if<error>(&r)) errors.push_back(e->message);
      else ++stored;
    };
    // Hold the writer's thread busy so the next three queue together.
    std::mutex gate;
    std::unique_lock hold(gate);
    std::atomic<bool> in_callback{false};
    w.submit({"first", channel::pipe, "", "", {}, 1, ""}, {decode_status::nothing, ""}, {}, [&](const result<store_result>& r) {
      in_callback = true;
      std::lock_guard wait(gate);
      done(r);
    });
    while (!in_callback) std::this_thread::yield();
    w.submit({"a", channel::pipe, "", "", {}, 1, ""}, {decode_status::nothing, ""}, {}, done);
    w.submit({"b", channel::pipe, "", "", {}, 1, ""}, {static_cast<decode_status>(7), ""}, {}, done);
    w.submit({"c", channel::pipe, "", "", {}, 1, ""}, {decode_status::nothing, ""}, {}, done);
    hold.unlock();
    w.stop();
    w.submit({"late", channel::pipe, "", "", {}, 1, ""}, {decode_status::nothing, ""}, {}, done);
  }
  CHECK(stored == 1);
  CHECK(errors.size() == 4);
  database db(t.path);
  CHECK(std::get<counts>(db.count()).messages == 1);
}

TEST_CASE("failing() gives the last transaction's error until one commits again", "[writer]") {
  temp_db t;
  sqlite_options o;
  o.busy_timeout_ms = 50;
  writer w(std::make_unique<database>(t.path, o));
  const auto store = [&](const std::string& raw) {
    std::promise<bool> done;
    w.submit({raw, channel::lmtp, "", "", {"b@b.test"}, 1000, ""}, {decode_status::nothing, ""}, {},
             [&](const result<store_result>& r) { done.set_value(std::holds_alternative<store_result>(r)); });
    return done.get_future().get();
  };
  CHECK(store("one"));
  CHECK(w.failing().empty());
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(t.path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);  // the write lock, held
  CHECK_FALSE(store("two"));
  CHECK(w.failing().find("locked") != std::string::npos);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(store("three"));
  CHECK(w.failing().empty());
}
