// Export pages (database::page_rows): id order, cursors, every filter, and, on 100,000 rows, that
// each single filter reads its own index: the plan names it, nothing is scanned in full, and a
// filtered page costs at most twice the virtual-machine steps per row of an unfiltered one (rows
// the index yields but the page leaves out would show there).
#include <catch2/catch.hpp>

#include <functional>

#include <string>
#include <variant>
#include <vector>

#include "storage/sqlite/database.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::ok;
using bounced::test::temp_db;

namespace {

const char* const kinds[] = {"bounce", "delay", "complaint", "auto-reply", "delivery"};
const char* const types[] = {"hard", "soft", ""};

row make_row(int i) {
  row r;
  r.recipient = "user" + std::to_string(i % 1000) + "@example.net";
  r.kind = parse_record_kind(kinds[i % 5]).value();
  r.bounce_type = parse_bounce_type(types[i % 3]).value();
  r.category = "category" + std::to_string(i % 10);
  r.reason = "reason" + std::to_string(i % 20);
  r.campaign_id = "c" + std::to_string(i % 50);
  r.send_id = "s" + std::to_string(i % 200);
  r.list_id = "l" + std::to_string(i % 20);
  r.source_system = "sys" + std::to_string(i % 3);
  r.status = "5.1.1";
  return r;
}

// `count` rows, one message each, received one second apart from 1,700,000,000.
void fill(database& db, int count) {
  std::vector<store_item> batch;
  for (int i = 0; i < count; ++i) {
    store_item item;
    item.message = {"message " + std::to_string(i), channel::lmtp, "127.0.0.1", "", {"b@bounce.test"}, 1700000000 + i, ""};
    item.result = {decode_status::decoded, ""};
    item.rows = {make_row(i)};
    batch.push_back(std::move(item));
    if (batch.size() == 5000 || i + 1 == count) {
      ok(db.store_batch(batch));
      batch.clear();
    }
  }
}

}  // namespace

TEST_CASE("pages come in id order and the cursor continues where a page ended", "[page_rows]") {
  temp_db t;
  database db(t.path);
  fill(db, 250);
  std::vector<std::int64_t> seen;
  std::int64_t after = 0;
  for (;;) {
    auto page = ok(db.page_rows({}, after, 100));
    if (page.empty()) break;
    for (const auto& r : page) seen.push_back(r.id);
    after = page.back().id;
  }
  REQUIRE(seen.size() == 250);
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] > seen[i - 1]);
  CHECK(ok(db.page_rows({}, seen.back(), 100)).empty());
}

TEST_CASE("filters select exactly the matching rows", "[page_rows]") {
  temp_db t;
  database db(t.path);
  fill(db, 600);
  record_filter f;
  f.campaign_id = "c7";
  f.kind = record_kind::complaint;  // i % 50 == 7 and i % 5 == 2: i = 7, 57, 107, ...
  auto page = ok(db.page_rows(f, 0, 1000));
  REQUIRE(page.size() == 12);
  for (const auto& r : page) {
    CHECK(r.fields.campaign_id == "c7");
    CHECK(r.fields.kind == record_kind::complaint);
  }
  record_filter window;
  window.since = 1700000100;
  window.until = 1700000110;
  auto in_window = ok(db.page_rows(window, 0, 1000));
  REQUIRE(in_window.size() == 10);
  CHECK(in_window.front().received_at == 1700000100);
  CHECK(in_window.back().received_at == 1700000109);
  record_filter nobody;
  nobody.recipient = "nobody@example.net";
  CHECK(ok(db.page_rows(nobody, 0, 10)).empty());
}

TEST_CASE("rows a reprocess replaced are left out unless asked for", "[page_rows]") {
  temp_db t;
  database db(t.path);
  fill(db, 3);
  const auto first = ok(db.page_rows({}, 0, 10));
  REQUIRE(first.size() == 3);
  row again = first[0].fields;
  again.reason = "reprocessed";
  ok(db.replace(first[0].message_id, {decode_status::decoded, ""}, {again}));
  auto live = ok(db.page_rows({}, 0, 10));
  REQUIRE(live.size() == 3);
  CHECK(live.back().fields.reason == "reprocessed");
  record_filter all;
  all.include_replaced = true;
  auto every = ok(db.page_rows(all, 0, 10));
  REQUIRE(every.size() == 4);
  CHECK(every.front().replaced_by == live.back().id);
  CHECK(ok(db.row_by_id(live.back().id))->fields.reason == "reprocessed");
  CHECK_FALSE(ok(db.row_by_id(999)).has_value());
}

TEST_CASE("each single filter reads its index (100,000 rows)", "[page_rows][slow]") {
  temp_db t;
  database db(t.path);
  fill(db, 100000);
  page_stats base;
  const auto all = ok(db.page_rows({}, 50000, 500, &base));
  REQUIRE(all.size() == 500);
  CHECK(base.fullscan_steps == 0);
  const double per_row = static_cast<double>(base.vm_steps) / static_cast<double>(base.rows);

  struct one {
    const char* index;
    std::function<void(record_filter&)> set;
  };
  const auto text = [](std::optional<std::string> record_filter::*field, std::string value) {
    return [field, value](record_filter& f) { f.*field = value; };
  };
  const std::vector<one> filters = {
      {"undelivered_log_campaign", text(&record_filter::campaign_id, "c7")},
      {"undelivered_log_send", text(&record_filter::send_id, "s13")},
      {"undelivered_log_list", text(&record_filter::list_id, "l3")},
      {"undelivered_log_source_system", text(&record_filter::source_system, "sys1")},
      {"undelivered_log_recipient", text(&record_filter::recipient, "user42@example.net")},
      {"undelivered_log_kind", [](record_filter& f) { f.kind = record_kind::delay; }},
      {"undelivered_log_bounce_type", [](record_filter& f) { f.bounce_type = bounce_type::soft; }},
      {"undelivered_log_category", text(&record_filter::category, "category4")},
      {"undelivered_log_reason", text(&record_filter::reason, "reason9")},
  };
  for (const one& o : filters) {
    INFO(o.index);
    record_filter f;
    o.set(f);
    page_stats s;
    const auto page = ok(db.page_rows(f, 20000, 50, &s));
    REQUIRE(page.size() == 50);
    CHECK(s.plan.find(std::string("USING INDEX ") + o.index + " ") != std::string::npos);
    CHECK(s.fullscan_steps == 0);
    CHECK(static_cast<double>(s.vm_steps) <= 2 * per_row * static_cast<double>(s.rows) + 100);
    for (const auto& r : page) CHECK(r.id > 20000);
  }
}

TEST_CASE("numbered pages skip whole pages of the filtered rows, in id order", "[page_rows]") {
  temp_db t;
  database db(t.path);
  fill(db, 300);
  record_filter f;
  f.campaign_id = "c7";  // rows 7, 57, 107, ...: 6 of them
  const auto first = ok(db.page_rows_at(f, 0, 4));
  const auto second = ok(db.page_rows_at(f, 4, 4));
  REQUIRE(first.size() == 4);
  REQUIRE(second.size() == 2);
  std::vector<std::int64_t> ids;
  for (const auto& r : first) ids.push_back(r.id);
  for (const auto& r : second) ids.push_back(r.id);
  const auto all = ok(db.page_rows(f, 0, 100));
  REQUIRE(all.size() == 6);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(ids[i] == all[i].id);
  CHECK(ok(db.page_rows_at(f, 6, 4)).empty());
}

TEST_CASE("suppression states are looked up by address in any case, in groups", "[page_rows]") {
  temp_db t;
  database db(t.path);
  fill(db, 1200);  // user0..user999: hard bounces make some hard-bouncing
  std::vector<std::string> asked;
  for (int i = 0; i < 1000; ++i) asked.push_back("USER" + std::to_string(i) + "@Example.NET");
  asked.push_back("nobody@example.net");
  const auto states = ok(db.suppression_states(asked));
  std::size_t expected = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto s = ok(db.suppression_of("user" + std::to_string(i) + "@example.net"));
    if (!s) continue;
    ++expected;
    REQUIRE(states.count("user" + std::to_string(i) + "@example.net") == 1);
    CHECK(states.at("user" + std::to_string(i) + "@example.net") == to_string(s->state));
  }
  CHECK(expected > 100);
  CHECK(states.size() == expected);
  CHECK(states.count("nobody@example.net") == 0);
  ok(db.block({"nobody@example.net", "user1@example.net"}, 1700000000));
  const auto blocked = ok(db.suppression_states({"Nobody@example.net", "user1@example.net"}));
  CHECK(blocked.at("nobody@example.net") == "blocked");
  CHECK(blocked.at("user1@example.net") == "blocked");
}
