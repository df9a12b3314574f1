// Accounting chunks (bounced acct) in a real SQLite file: rows with their own times, the
// suppression policy per record (a delivery resets the soft count), records seen before skipped
// (the same file twice adds nothing, an overlapping chunk adds only what is new), an older record
// imported late leaving a newer state alone, and forget cutting
// one address's lines out of a chunk while the other records stay; purge dropping the purged
// records' duplicate keys.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "storage/sqlite/database.hpp"
#include "temp_db.hpp"

using namespace bounced::storage;
using bounced::test::ok;
using bounced::test::temp_db;

namespace {

acct_item item(const std::string& key, std::int64_t at, const std::string& recipient, const std::string& kind,
               const std::string& type, const std::string& original = "") {
  acct_item i;
  i.key = key;
  i.logged_at = at;
  i.fields.recipient = recipient;
  i.fields.kind = parse_record_kind(kind).value();
  i.fields.bounce_type = parse_bounce_type(type).value();
  i.fields.pmta_category = type == "hard" ? "bad-mailbox" : "";
  i.fields.original_message_id = original;
  return i;
}

acct_chunk chunk(const std::string& text, std::vector<acct_item> items) {
  acct_chunk c;
  c.message = {"type,rcpt\n" + text, channel::acct, "acct-1.csv", "", {}, 1700000000, ""};
  c.items = std::move(items);
  return c;
}

}  // namespace

TEST_CASE("store_acct: rows with their own times, the policy per record, duplicates skipped", "[acct]") {
  temp_db t;
  database db(t.path);
  const acct_chunk first = chunk("b,hard@x.test\nt,soft@x.test\nb,soft@x.test\nb,soft@x.test\n",
                                 {item("k1", 100, "Hard@X.test", "bounce", "hard"),
                                  item("k2", 101, "soft@x.test", "delay", "soft"),
                                  item("k3", 102, "soft@x.test", "bounce", "soft", "<m1@s>"),
                                  item("k4", 103, "soft@x.test", "bounce", "soft", "<m2@s>")});
  const acct_result r = ok(db.store_acct(first));
  CHECK(r.added == 4);
  CHECK(r.duplicates == 0);
  REQUIRE(r.message_id > 0);
  const auto rows = ok(db.rows_of(r.message_id));
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].received_at == 100);
  CHECK(rows[3].received_at == 103);
  CHECK(rows[0].fields.pmta_category == "bad-mailbox");
  const auto m = ok(db.message(r.message_id));
  REQUIRE(m);
  CHECK(m->via == channel::acct);
  CHECK(m->records == 4);
  CHECK(ok(db.suppression_of("hard@x.test"))->state == address_state::hard_bouncing);
  CHECK(ok(db.suppression_of("soft@x.test"))->soft_count == 2);  // the delay does not count

  // The same chunk again: nothing added, no message.
  const acct_result again = ok(db.store_acct(first));
  CHECK(again.added == 0);
  CHECK(again.duplicates == 4);
  CHECK(again.message_id == 0);
  CHECK(ok(db.count()).messages == 1);
  CHECK(ok(db.count()).rows == 4);

  // An overlapping chunk (another cut of the same feed): only the new record, and a delivery
  // resets the soft count.
  const acct_result more = ok(db.store_acct(chunk("b,soft@x.test\nd,soft@x.test\n",
                                                   {item("k4", 103, "soft@x.test", "bounce", "soft", "<m2@s>"),
                                                    item("k5", 104, "soft@x.test", "delivery", "")})));
  CHECK(more.added == 1);
  CHECK(more.duplicates == 1);
  CHECK(ok(db.message(more.message_id))->records == 1);
  CHECK(ok(db.suppression_of("soft@x.test"))->soft_count == 0);
  CHECK(ok(db.count()).rows == 5);

  // An older file imported late: its rows go in, but a hard bounce from before the delivery the
  // entry already holds does not make the address hard-bouncing.
  const acct_result late = ok(db.store_acct(chunk("b,soft@x.test\n", {item("k0", 50, "soft@x.test", "bounce", "hard")})));
  CHECK(late.added == 1);
  CHECK(ok(db.suppression_of("soft@x.test"))->state == address_state::active);
  CHECK(ok(db.suppression_of("soft@x.test"))->updated_at == 104);
}

TEST_CASE("forget cuts an address's lines out of an accounting chunk and keeps the rest", "[acct]") {
  temp_db t;
  database db(t.path);
  const acct_result r = ok(db.store_acct(chunk("b,gone@x.test\nb,stays@x.test\nb,GONE@x.test\n",
                                               {item("a", 1, "gone@x.test", "bounce", "hard"),
                                                item("b", 2, "stays@x.test", "bounce", "hard"),
                                                item("c", 3, "GONE@x.test", "bounce", "hard")})));
  const forget_result f = ok(db.forget("gone@x.test"));
  CHECK(f.rows == 2);
  CHECK(f.messages == 0);
  CHECK(f.suppressions == 1);
  const auto m = ok(db.message(r.message_id));
  REQUIRE(m);
  CHECK(m->raw == "type,rcpt\nb,stays@x.test\n");
  CHECK(m->records == 1);
  const auto rows = ok(db.rows_of(r.message_id));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fields.recipient == "stays@x.test");
  CHECK(ok(db.suppression_of("stays@x.test"))->state == address_state::hard_bouncing);
}

TEST_CASE("forget cuts whole records that name the address, not longer addresses or parts of records", "[acct]") {
  temp_db t;
  database db(t.path);
  acct_item carol = item("e", 5, "carol@d.test", "bounce", "hard");
  carol.fields.diagnostic_text = "550 forwarded; see Bob@D.test.";
  const acct_result r = ok(db.store_acct(chunk(
      "b,bob@d.test\n"
      "b,jimbob@d.test\n"
      "b,\"bob@d.test\nsecond line of its quoted field\"\n"
      "b,bob@d.test.example\n"
      "b,\"carol@d.test\",550 forwarded; see Bob@D.test.\n"
      "b,dave@d.test\n",
      {item("a", 1, "bob@d.test", "bounce", "hard"), item("b", 2, "jimbob@d.test", "bounce", "hard"),
       item("c", 3, "bob@d.test", "bounce", "hard"), item("d", 4, "bob@d.test.example", "bounce", "hard"), carol,
       item("f", 6, "dave@d.test", "bounce", "hard")})));
  const forget_result f = ok(db.forget("bob@d.test"));
  CHECK(f.rows == 3);
  const auto m = ok(db.message(r.message_id));
  REQUIRE(m);
  // Bob's two records go whole (the quoted line break with the second); jimbob and the longer
  // domain stay; carol's record, which names bob at the end of a sentence, goes too, and with it
  // her row, whose diagnostic names him: the chunk's text and its rows still agree.
  CHECK(m->raw == "type,rcpt\nb,jimbob@d.test\nb,bob@d.test.example\nb,dave@d.test\n");
  CHECK(m->records == 3);
  std::vector<std::string> left;
  for (const auto& row : ok(db.rows_of(r.message_id))) left.push_back(row.fields.recipient);
  CHECK(left == std::vector<std::string>{"jimbob@d.test", "bob@d.test.example", "dave@d.test"});
}

TEST_CASE("forget: a message that names a longer address is not the address's", "[acct]") {
  temp_db t;
  database db(t.path);
  ok(db.store_message({"To: jimbob@d.test\r\n\r\nx\r\n", channel::lmtp, "", "", {"b@b.test"}, 1000, ""}, {decode_status::nothing, ""}, {}));
  ok(db.store_message({"To: <BOB@d.test>\r\n\r\nx\r\n", channel::lmtp, "", "", {"b@b.test"}, 1001, ""}, {decode_status::nothing, ""}, {}));
  const forget_result f = ok(db.forget("bob@d.test"));
  CHECK(f.messages == 1);
  CHECK(ok(db.count()).messages == 1);
}

TEST_CASE("forget drops a chunk left with its header row alone", "[acct]") {
  temp_db t;
  database db(t.path);
  const acct_result r = ok(db.store_acct(chunk("b,gone@x.test\nb,GONE@x.test\n",
                                               {item("a", 1, "gone@x.test", "bounce", "hard"),
                                                item("b", 2, "GONE@x.test", "bounce", "hard")})));
  const forget_result f = ok(db.forget("gone@x.test"));
  CHECK(f.rows == 2);
  CHECK(f.messages == 1);
  CHECK_FALSE(ok(db.message(r.message_id)));
  CHECK(ok(db.count()).messages == 0);
}


TEST_CASE("purge drops the duplicate keys of a backlog of large chunks with their rows", "[acct][retention]") {
  temp_db t;
  database db(t.path);
  // Three chunks of 8,000 records received at 100 (more rows than one purge transaction takes),
  // one of two records at 300.
  const auto big = [](int n, std::int64_t at) {
    acct_chunk c;
    c.message = {"type,rcpt\n", channel::acct, "acct-" + std::to_string(n) + ".csv", "", {}, at, ""};
    for (int i = 0; i < (at < 200 ? 8000 : 2); ++i) {
      const std::string record = "b,u" + std::to_string(n) + "-" + std::to_string(i) + "@x.test";
      c.message.raw += record + (i % 2 == 0 ? "\n" : "\r\n");  // as read: either line end
      c.items.push_back(item(acct_key("type,rcpt", record), at, "u" + std::to_string(n) + "-" + std::to_string(i) + "@x.test",
                             "bounce", "hard"));
    }
    return c;
  };
  for (int n = 0; n < 3; ++n) CHECK(ok(db.store_acct(big(n, 100))).added == 8000);
  CHECK(ok(db.store_acct(big(3, 300))).added == 2);
  const purge_result p = ok(db.purge(200));
  CHECK(p.messages == 3);
  CHECK(p.rows == 24000);
  CHECK(p.acct_keys == 24000);
  // Purged, a chunk's records are new again; the newer chunk's are still known.
  CHECK(ok(db.store_acct(big(0, 100))).added == 8000);
  const acct_result newer = ok(db.store_acct(big(3, 300)));
  CHECK(newer.added == 0);
  CHECK(newer.duplicates == 2);
}

TEST_CASE("purge drops only the keys of records whose rows it purges", "[acct][retention]") {
  // f1 brings R; f2 brings R again (a duplicate: its row stays f1's) and S. f1's chunk purged, R
  // imported anew becomes the third chunk's. Purging f2's chunk then must leave R's key, now the
  // third chunk's: else R imported once more would be stored twice.
  temp_db t;
  database db(t.path);
  const auto c = [](const std::string& name, std::int64_t at, const std::vector<std::string>& records) {
    acct_chunk out;
    out.message = {"type,rcpt\n", channel::acct, name, "", {}, at, ""};
    for (const std::string& r : records) {
      out.message.raw += r + "\n";
      out.items.push_back(item(acct_key("type,rcpt", r), at, r.substr(2), "bounce", "soft"));
    }
    return out;
  };
  CHECK(ok(db.store_acct(c("f1", 100, {"b,r@x.test"}))).added == 1);
  const acct_result f2 = ok(db.store_acct(c("f2", 200, {"b,r@x.test", "b,s@x.test"})));
  CHECK((f2.added == 1 && f2.duplicates == 1));
  CHECK(ok(db.purge(150)).acct_keys == 1);
  CHECK(ok(db.store_acct(c("f1", 300, {"b,r@x.test"}))).added == 1);
  const purge_result p = ok(db.purge(250));
  CHECK(p.messages == 1);
  CHECK(p.acct_keys == 1);  // S's alone
  const acct_result again = ok(db.store_acct(c("f1", 400, {"b,r@x.test"})));
  CHECK(again.added == 0);
  CHECK(again.duplicates == 1);
}

TEST_CASE("the keys of a chunk forget touched outlive its purge", "[acct][retention]") {
  // Erased stays erased: the same file imported again after the chunk was purged does not bring
  // the erased address's record back. All of the chunk's keys stay (carol's too): which key is
  // whose is not told from the text.
  temp_db t;
  database db(t.path);
  const auto c = [](std::int64_t at) {
    acct_chunk out;
    out.message = {"type,rcpt\nb,bob@x.test\nb,carol@x.test\n", channel::acct, "f", "", {}, at, ""};
    out.items = {item(acct_key("type,rcpt", "b,bob@x.test"), at, "bob@x.test", "bounce", "hard"),
                 item(acct_key("type,rcpt", "b,carol@x.test"), at, "carol@x.test", "bounce", "hard")};
    return out;
  };
  CHECK(ok(db.store_acct(c(100))).added == 2);
  CHECK(ok(db.forget("bob@x.test")).rows == 1);
  const purge_result p = ok(db.purge(200));
  CHECK(p.messages == 1);
  CHECK(p.acct_keys == 0);
  const acct_result again = ok(db.store_acct(c(300)));
  CHECK(again.added == 0);
  CHECK(again.duplicates == 2);
  CHECK_FALSE(ok(db.suppression_of("bob@x.test")));
}

TEST_CASE("forget gives no chunk the keys of a row it takes whose record text it could not tell", "[acct][retention]") {
  // The row's address is bob's but the chunk's text spells it otherwise (rcpt bob@x.test.., read
  // as bob@x.test): the row goes, and the chunk's keys stay after its purge all the same.
  temp_db t;
  database db(t.path);
  acct_chunk c;
  c.message = {"type,rcpt\nb,bob@x.test..\n", channel::acct, "f", "", {}, 100, ""};
  c.items = {item("kb", 100, "bob@x.test", "bounce", "hard")};
  ok(db.store_acct(c));
  CHECK(ok(db.forget("bob@x.test")).rows == 1);
  ok(db.purge(200));
  c.message.received_at = 300;
  CHECK(ok(db.store_acct(c)).added == 0);
}

TEST_CASE("forget takes a message whose row names the address where its text holds it encoded", "[acct]") {
  // The row's diagnostic names bob; the message holds it only in base64, which the search
  // through raw text does not see: the message goes whole with its rows, or reprocess would
  // bring the row back.
  temp_db t;
  database db(t.path);
  row r;
  r.recipient = "carol@x.test";
  r.kind = record_kind::bounce;
  r.diagnostic_text = "550 forwarded to bob@other.test: mailbox full";
  ok(db.store_message({"Content-Transfer-Encoding: base64\r\n\r\nNTUwIGZvcndhcmRlZCB0byBib2JAb3RoZXIudGVzdA==\r\n", channel::lmtp, "", "", {"b@b.test"},
               1000, ""},
              {decode_status::decoded, ""}, {r}));
  const forget_result f = ok(db.forget("bob@other.test"));
  CHECK(f.messages == 1);
  CHECK(f.rows == 1);
  CHECK(ok(db.count()).messages == 0);
}

TEST_CASE("forget takes a message whose Subject names the address only in RFC 2047 words", "[acct]") {
  // The decoded Subject is kept beside the outcome (for GET /v1/messages): there it is plain.
  temp_db t;
  database db(t.path);
  ok(db.store_message({"Subject: =?UTF-8?B?VW5kZWxpdmVyYWJsZTogYm9iQG90aGVyLnRlc3Q=?=\r\n\r\nhello\r\n", channel::lmtp, "", "", {"b@b.test"},
               1000, ""},
              {decode_status::nothing, "no delivery report", "", "Undeliverable: bob@other.test"}, {}));
  ok(db.store_message({"Subject: =?UTF-8?B?VW5kZWxpdmVyYWJsZTogYm9iQG90aGVyLnRlc3Q=?=\r\n\r\nhi\r\n", channel::lmtp, "", "", {"b@b.test"},
               1001, ""},
              {decode_status::nothing, "no delivery report", "jimbob@other.test", "Undeliverable"}, {}));
  const forget_result f = ok(db.forget("bob@other.test"));
  CHECK(f.messages == 1);
  CHECK(ok(db.count()).messages == 1);  // jimbob's is not bob's
  CHECK(ok(db.message(2)).has_value());
}

TEST_CASE("forget takes the row of an accounting record it cuts, whichever field named the address", "[acct]") {
  temp_db t;
  database db(t.path);
  acct_item job = item("k1", 1, "carol@x.test", "bounce", "hard");
  job.fields.campaign_id = "list:bob@other.test";
  const acct_result r = ok(db.store_acct(chunk("b,carol@x.test,list:bob@other.test\nb,dave@x.test,j2\n",
                                               {job, item("k2", 2, "dave@x.test", "bounce", "hard")})));
  const forget_result f = ok(db.forget("bob@other.test"));
  CHECK(f.rows == 1);
  const auto m = ok(db.message(r.message_id));
  REQUIRE(m);
  CHECK(m->raw == "type,rcpt\nb,dave@x.test,j2\n");
  CHECK(m->records == 1);
}

