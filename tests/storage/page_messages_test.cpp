// The listing of messages by outcome (database::page_messages): exactly the outcomes asked for,
// in id order, with From, Subject and the outcome's reason; accounting chunks among them;
// messages stored before schema 7 read through the head reader; and, on 30,000 messages, each
// outcome read from its range of the covering index: nothing scanned, nothing sorted, and a page
// of a rare outcome costs no more per message than a page of the common one.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/sqlite/database.hpp"
#include "storage/sqlite/schema.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::ok;
using bounced::test::temp_db;

namespace {

// Message i's outcome: every 10th nothing, every 25th (not a 10th) failed, the rest decoded.
std::string outcome_of(int i) { return i % 10 == 0 ? "nothing" : i % 25 == 0 ? "failed" : "decoded"; }

void fill(database& db, int count, int first = 0) {
  std::vector<store_item> batch;
  for (int i = first; i < first + count; ++i) {
    store_item item;
    item.message = {"Subject: m" + std::to_string(i) + "\n\nbody", channel::lmtp, "", "", {"b@bounce.test"}, 1700000000 + i, ""};
    const std::string o = outcome_of(i);
    item.result = {parse_decode_status(o).value(), o == "decoded" ? "" : "why " + std::to_string(i), "from" + std::to_string(i) + "@mx.test",
                   "subject " + std::to_string(i)};
    batch.push_back(std::move(item));
    if (batch.size() == 5000 || i + 1 == first + count) {
      ok(db.store_batch(batch));
      batch.clear();
    }
  }
}

// The outcomes of a listing, as a client of GET /v1/messages names them.
std::vector<decode_status> statuses(const std::vector<std::string>& names) {
  std::vector<decode_status> out;
  for (const std::string& n : names) out.push_back(parse_decode_status(n).value());
  return out;
}

std::vector<std::int64_t> ids_of(const std::vector<message_summary>& page) {
  std::vector<std::int64_t> out;
  for (const auto& m : page) out.push_back(m.id);
  return out;
}

// The ids whose outcome is one of `wanted`, as stored by fill(db, n) into a new file (ids 1..n).
std::vector<std::int64_t> expected(int n, const std::vector<std::string>& wanted) {
  std::vector<std::int64_t> out;
  for (int i = 0; i < n; ++i)
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), outcome_of(i)) != wanted.end()) out.push_back(i + 1);
  return out;
}

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

}  // namespace

TEST_CASE("messages are listed by outcome in id order with their From, Subject and reason", "[page_messages]") {
  temp_db t;
  database db(t.path);
  fill(db, 200);
  for (const std::vector<std::string>& wanted : std::vector<std::vector<std::string>>{
           {}, {"nothing"}, {"failed"}, {"decoded"}, {"nothing", "failed"}, {"failed", "nothing", "failed"},
           {"decoded", "nothing", "failed"}}) {
    INFO(wanted.size());
    CHECK(ids_of(ok(db.page_messages(statuses(wanted), 0, 1000))) == expected(200, wanted));
  }
  const auto page = ok(db.page_messages(statuses({"nothing"}), 0, 2));
  REQUIRE(page.size() == 2);
  CHECK(page[1].id == 11);  // message 10
  CHECK(page[1].received_at == 1700000010);
  CHECK(page[1].via == channel::lmtp);
  CHECK(page[1].result.status == decode_status::nothing);
  CHECK(page[1].result.detail == "why 10");
  CHECK(page[1].result.from == "from10@mx.test");
  CHECK(page[1].result.subject == "subject 10");
  // Paging by id: after is exclusive, limit bounds each page, and the pages add up to the list.
  for (const std::int64_t limit : {1, 3, 7, 1000}) {
    INFO(limit);
    std::vector<std::int64_t> seen;
    std::int64_t after = 0;
    for (;;) {
      const auto p = ok(db.page_messages(statuses({"nothing", "failed"}), after, limit));
      CHECK(static_cast<std::int64_t>(p.size()) <= limit);
      if (p.empty()) break;
      for (const auto& m : p) CHECK(m.id > after);
      const auto ids = ids_of(p);
      seen.insert(seen.end(), ids.begin(), ids.end());
      after = p.back().id;
    }
    CHECK(seen == expected(200, {"nothing", "failed"}));
  }
  CHECK(ok(db.page_messages({}, 200, 10)).empty());
  CHECK(ok(db.page_messages({}, 0, 0)).empty());
}

TEST_CASE("accounting chunks are listed too, and a reprocess moves a message to its new outcome", "[page_messages]") {
  temp_db t;
  database db(t.path);
  fill(db, 3);  // ids 1 (nothing), 2 and 3 (decoded)
  acct_chunk c;
  c.message = {"type,rcpt\nb,x@y.test\n", channel::acct, "acct-1.csv", "", {}, 1700000100, ""};
  acct_item i;
  i.key = "k1";
  i.logged_at = 1700000100;
  i.fields.recipient = "x@y.test";
  i.fields.kind = record_kind::bounce;
  c.items = {i};
  c.detail = "1 malformed record skipped";
  const std::int64_t chunk = ok(db.store_acct(c)).message_id;
  const auto all = ok(db.page_messages(statuses({"decoded"}), 0, 10));
  REQUIRE(all.size() == 3);
  CHECK(all.back().id == chunk);
  CHECK(all.back().via == channel::acct);
  CHECK(all.back().result.detail == "1 malformed record skipped");
  CHECK(all.back().result.from.empty());
  CHECK(all.back().result.subject.empty());
  // Decoded again (bounced reprocess): the outcome, its reason, From and Subject are the new ones.
  ok(db.replace(1, {decode_status::failed, "decoder error", "new@mx.test", "new subject"}, {}));
  CHECK(ids_of(ok(db.page_messages(statuses({"nothing"}), 0, 10))).empty());
  const auto failed = ok(db.page_messages(statuses({"failed"}), 0, 10));
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].id == 1);
  CHECK(failed[0].result.detail == "decoder error");
  CHECK(failed[0].result.from == "new@mx.test");
  CHECK(failed[0].result.subject == "new subject");
}

TEST_CASE("messages stored before schema 7 get From and Subject from the head of their raw text", "[page_messages]") {
  temp_db t;
  // A file at schema 6, as the bounced before this one left it, with a message, a larger one and
  // an accounting chunk in it.
  std::vector<migration> six = schema_migrations();
  six.resize(6);
  migrate_file(t.path, six);
  const std::string big = "From: big@mx.test\nSubject: big\n\n" + std::string(100000, 'b');
  sql(t.path, "INSERT INTO messages (id, received_at, via, size_bytes, sha256, raw, outcome, outcome_detail) VALUES "
              "(1, 1700000000, 'lmtp', 40, 'a', CAST('From: MAILER-DAEMON@mx.test\nSubject: old one\n\nbody' AS BLOB), "
              "'nothing', 'no delivery report'), "
              "(2, 1700000001, 'smtp', 100033, 'b', CAST('" + big + "' AS BLOB), 'nothing', 'no delivery report'), "
              "(3, 1700000002, 'acct', 10, 'c', CAST('type,rcpt\nb,x@y.test\n' AS BLOB), 'decoded', '')");
  database db(t.path);  // to version 7
  CHECK(schema_version(t.path) == static_cast<int>(schema_migrations().size()));
  fill(db, 1, 1001);  // decoded, stored now, with From and Subject: read_head is not asked
  std::vector<std::pair<std::int64_t, std::size_t>> asked;
  std::int64_t next = 0;
  const head_reader read_head = [&](std::string_view head, outcome& result) {
    asked.emplace_back(++next, head.size());
    result.from = head.substr(6, head.find('\n') - 6);
    result.subject = "read from " + std::to_string(head.size()) + " bytes";
  };
  const auto page = ok(db.page_messages({}, 0, 10, read_head, 4096));
  REQUIRE(page.size() == 4);
  CHECK(page[0].result.from == "MAILER-DAEMON@mx.test");
  CHECK(page[0].result.detail == "no delivery report");
  CHECK(page[1].result.from == "big@mx.test");
  CHECK(page[1].result.subject == "read from 4096 bytes");  // no more than head_bytes of 100 KB
  CHECK(page[2].via == channel::acct);
  CHECK(page[2].result.from.empty());
  CHECK(page[3].result.from == "from1001@mx.test");
  CHECK(asked.size() == 2);  // the two old messages only
  // Without a reader they are listed all the same, without From and Subject.
  const auto plain = ok(db.page_messages(statuses({"nothing"}), 0, 10));
  REQUIRE(plain.size() == 2);
  CHECK(plain[0].result.subject.empty());
}

TEST_CASE("each outcome is read from its range of the covering index (30,000 messages)", "[page_messages][slow]") {
  temp_db t;
  database db(t.path);
  fill(db, 30000);  // 3,000 nothing, 1,080 failed
  page_stats common;
  REQUIRE(ok(db.page_messages(statuses({"decoded"}), 15000, 500, {}, 0, &common)).size() == 500);
  const double per_row = static_cast<double>(common.vm_steps) / static_cast<double>(common.rows);
  for (const std::vector<std::string>& wanted : std::vector<std::vector<std::string>>{
           {"nothing"}, {"failed"}, {"nothing", "failed"}, {}}) {
    INFO(wanted.size());
    page_stats s;
    const auto page = ok(db.page_messages(statuses(wanted), 15000, 100, {}, 0, &s));
    REQUIRE(page.size() == 100);
    INFO(s.plan);
    CHECK(s.plan.find("USING COVERING INDEX messages_outcome (outcome=? AND id>?)") != std::string::npos);
    CHECK(s.plan.find("TEMP B-TREE") == std::string::npos);
    CHECK(s.plan.find("SCAN") == std::string::npos);
    CHECK(s.fullscan_steps == 0);
    // Each outcome's statement reads at most a page: never the messages of other outcomes between.
    const auto statements = static_cast<double>(wanted.empty() ? 3 : wanted.size());
    CHECK(static_cast<double>(s.vm_steps) <= 2 * per_row * 100 * statements + 100);
    CHECK(ids_of(page).front() > 15000);
  }
}
