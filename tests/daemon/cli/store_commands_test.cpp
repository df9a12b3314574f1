#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include "classifier/classify.hpp"
#include "daemon/cli/store_commands.hpp"
#include "daemon/pipeline/to_rows.hpp"
#include "storage/sqlite/database.hpp"
#include "../../storage/temp_db.hpp"
#include "util/time.hpp"

using namespace bounced;
using bounced::test::temp_db;

namespace {

const std::string samples = std::string(BOUNCED_SOURCE_DIR) + "/samples/mail";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

template <class T>
T ok(storage::result<T> r) {
  if (const auto* e = std::get_if<storage::error>(&r)) FAIL("storage error: " << e->message);
  return std::get<T>(std::move(r));
}

storage::message_in stored(const std::string& raw, std::int64_t at) {
  return {raw, storage::channel::pipe, "", "", {"bounces@sender.bounced.test"}, at, ""};
}

const daemon::rulebook& builtin_rules() {
  static const daemon::rulebook rules = std::get<daemon::rulebook>(daemon::load_rulebook({}));
  return rules;
}

}  // namespace

TEST_CASE("parse_day_or_time takes YYYY-MM-DD and RFC 3339", "[dates]") {
  CHECK(util::parse_day_or_time("1970-01-01") == 0);
  CHECK(util::parse_day_or_time("2024-02-29") == 1709164800);
  CHECK(util::parse_day_or_time("2024-02-29T12:30:05Z") == 1709164800 + 45005);
  CHECK(util::parse_day_or_time("2024-02-29t12:30:05.123z") == 1709164800 + 45005);
  CHECK(util::parse_day_or_time("2024-02-29T12:30:05+02:00") == 1709164800 + 45005 - 7200);
  CHECK(util::parse_day_or_time("2024-02-29 12:30:05-00:30") == 1709164800 + 45005 + 1800);
  for (const char* bad : {"", "2023-02-29", "2024-13-01", "2024-1-01", "2024-02-29T12:30:05", "2024-02-29T25:00:00Z",
                          "2024-02-29T12:30Z", "2024-02-29T12:30:05+0200", "2024-02-29Z", "2024-02-29T12:30:05.Z",
                          "yesterday", "2024-02-29T12:30:05Zx"})
    CHECK_FALSE(util::parse_day_or_time(bad));
}

TEST_CASE("decode_for_storage maps the sample's record onto the columns", "[to_rows]") {
  const std::string name = samples + "/rfc3464-userunknown";
  const auto expected = boost::json::parse(slurp(name + ".expected.jsonl")).as_object();
  const auto d = daemon::decode_for_storage(slurp(name + ".eml"), builtin_rules(), "", "bounces@b.test", "t");
  CHECK(d.result.status == storage::decode_status::decoded);
  REQUIRE(d.rows.size() == 1);
  const storage::row& r = d.rows[0];
  auto field = [&](const char* n) { return std::string(expected.at(n).as_string()); };
  CHECK(r.recipient == field("recipient"));
  CHECK(to_string(r.kind) == field("kind"));
  CHECK(r.status == field("deliverystatus"));
  CHECK(r.reply_code == field("replycode"));
  CHECK(r.reason == field("reason"));
  CHECK(r.action == field("action"));
  // As the DSN writes them (Mailkit's REMOTE_MTA quotes "dns; mx1.seznam.cz").
  CHECK(r.remote_mta == "dns; " + field("rhost"));
  CHECK(r.reporting_mta == "dns; " + field("lhost"));
  CHECK(r.list_id == field("listid"));
  CHECK(r.diagnostic_type == field("diagnostictype"));
  CHECK(to_string(r.bounce_type) == field("bouncetype"));
  CHECK(r.category == field("category"));
  CHECK(r.original_message_id == field("messageid"));
  CHECK(r.envelope_recipient == "bounces@b.test");
  CHECK(r.campaign_id == "42");  // the original's X-Campaign-ID (correlation's default header)

  // The bounce's own From and Subject, for the listing of messages.
  CHECK(d.result.from == "MAILER-DAEMON@mx.bounced.test");
  CHECK(d.result.subject == "Undelivered Mail Returned to Sender");

  const auto none = daemon::decode_for_storage(slurp(samples + "/not-a-bounce.eml"), builtin_rules(), "", "", "t");
  CHECK(none.result.status == storage::decode_status::nothing);
  CHECK_FALSE(none.result.detail.empty());
  CHECK(none.rows.empty());
  CHECK(none.result.from == "carol@dest.bounced.test");
  CHECK(none.result.subject == "Re: November news");
}

TEST_CASE("decode_for_storage keeps a long Subject cut before a character", "[to_rows]") {
  std::string euros;
  for (int i = 0; i < 2000; ++i) euros += "\xe2\x82\xac";  // 3 bytes each
  const auto d = daemon::decode_for_storage("From: a@b.test\nSubject: " + euros + "\n\nhello\n", builtin_rules(), "", "", "t");
  CHECK(d.result.subject.size() == daemon::max_listed_subject_bytes / 3 * 3);
  CHECK(d.result.subject == euros.substr(0, d.result.subject.size()));
  CHECK(d.result.from == "a@b.test");
}

TEST_CASE("reprocess decodes stored messages again and replaces their rows", "[commands]") {
  temp_db t;
  std::int64_t bounce_id = 0, old_row = 0, early_id = 0;
  {
    storage::database db(t.path);
    storage::row wrong;
    wrong.recipient = "nobody@dest.bounced.test";
    wrong.kind = storage::record_kind::bounce;
    wrong.reason = "an older rule's guess";
    const auto s = ok(db.store_message(stored(slurp(samples + "/rfc3464-userunknown.eml"), 1800000000), {storage::decode_status::decoded, ""}, {wrong}));
    bounce_id = s.message_id;
    old_row = s.row_ids.at(0);
    early_id = ok(db.store_message(stored(slurp(samples + "/not-a-bounce.eml"), 1000), {storage::decode_status::failed, "an old crash"}, {})).message_id;
  }
  std::ostringstream out, err;
  REQUIRE(daemon::run_reprocess({"--db", t.path, "--since", "2020-01-01"}, out, err) == 0);
  CHECK(out.str() == "reprocessed 1 messages: 1 with new rows (1 written, 1 replaced), 0 with the same rows\n");
  {
    storage::database db(t.path);
    const auto rows = ok(db.rows_of(bounce_id));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].id == old_row);
    CHECK(rows[0].replaced_by == rows[1].id);
    CHECK(rows[1].fields.reason == "userunknown");
    CHECK(rows[1].fields.envelope_recipient == "bounces@sender.bounced.test");
    // Before --since: untouched.
    CHECK(ok(db.message(early_id))->result.detail == "an old crash");
  }
  std::ostringstream again;
  REQUIRE(daemon::run_reprocess({"--db=" + t.path}, again, err) == 0);
  CHECK(again.str() == "reprocessed 2 messages: 0 with new rows (0 written, 0 replaced), 2 with the same rows\n");
  storage::database db(t.path);
  CHECK(ok(db.message(early_id))->result.status == storage::decode_status::nothing);
  CHECK(ok(db.count()).live_rows == 1);
  // Stored without From and Subject: the reprocess keeps them now, as for messages stored before
  // schema 7.
  const auto listed = ok(db.page_messages({}, 0, 10));
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].result.from == "MAILER-DAEMON@mx.bounced.test");
  CHECK(listed[0].result.subject == "Undelivered Mail Returned to Sender");
  CHECK(listed[1].result.from == "carol@dest.bounced.test");
  CHECK(listed[1].result.subject == "Re: November news");
}

TEST_CASE("store commands refuse bad usage with 2 and storage failures with 1", "[commands]") {
  temp_db t;
  std::ostringstream out, err;
  CHECK(daemon::run_reprocess({"--db", t.path, "--since", "last week"}, out, err) == 2);
  CHECK(daemon::run_reprocess({"--db", t.path, "--rules", "/nonexistent.toml"}, out, err) == 2);
  CHECK(daemon::run_reprocess({"--bogus"}, out, err) == 2);
  CHECK(daemon::run_purge({"--db", t.path}, out, err) == 2);
  CHECK(daemon::run_purge({"--db", t.path, "--before", "2024-02-30"}, out, err) == 2);
  CHECK(daemon::run_forget({"--db", t.path}, out, err) == 2);
  CHECK(daemon::run_forget({"--db", t.path, "not-an-address"}, out, err) == 2);
  CHECK(daemon::run_purge({"--db", "/nonexistent-dir/x.db", "--before", "2024-01-01"}, out, err) == 1);
  CHECK(err.str().find("/nonexistent-dir/x.db") != std::string::npos);
}

// The real executable, as an operator runs it; the default path comes from STATE_DIRECTORY.
TEST_CASE("bounced purge and forget run against the file", "[commands]") {
  temp_db t;
  {
    storage::database db(t.path);
    storage::row r;
    r.recipient = "gone@x.test";
    r.kind = storage::record_kind::bounce;
    r.bounce_type = storage::bounce_type::hard;
    ok(db.store_message(stored("old message", 1000), {storage::decode_status::decoded, ""}, {r}));
    ok(db.store_message(stored("new message for gone@x.test", 1800000000), {storage::decode_status::decoded, ""}, {r}));
    ok(db.store_message(stored("another new message", 1800000000), {storage::decode_status::nothing, ""}, {}));
  }
  const std::string bounced = BOUNCED_BINARY;
  const std::string env = "STATE_DIRECTORY='" + t.dir.string() + "' ";
  const std::string log = (t.dir / "out.txt").string();
  CHECK(std::system((env + bounced + " purge --before 2000-01-01 > " + log).c_str()) == 0);
  CHECK(slurp(log) == "purged 1 messages and 1 rows received before 2000-01-01\n");
  CHECK(std::system((env + bounced + " forget GONE@x.test > " + log).c_str()) == 0);
  CHECK(slurp(log) == "forgot GONE@x.test: 1 messages, 1 rows, 1 suppression entries\n");
  CHECK(std::system((bounced + " forget --db " + t.path + " nobody@x.test > " + log).c_str()) == 0);
  CHECK(slurp(log) == "forgot nobody@x.test: 0 messages, 0 rows, 0 suppression entries\n");
  // A database path given wrong is an error, not an empty new file that had nothing to delete;
  // the config's path is used where --db is not given.
  const std::string missing = (t.dir / "missing.db").string();
  CHECK(std::system((bounced + " forget --db " + missing + " a@x.test 2> " + log).c_str()) != 0);
  CHECK(slurp(log) == "bounced forget: no database at " + missing + " (give --db PATH or --config FILE)\n");
  CHECK_FALSE(std::filesystem::exists(missing));
  const std::string toml = (t.dir / "bounced.toml").string();
  std::ofstream(toml) << "[storage]\ndatabase = \"" << t.path << "\"\n";
  CHECK(std::system((bounced + " purge --config " + toml + " --before 2000-01-01 > " + log).c_str()) == 0);
  CHECK(slurp(log) == "purged 0 messages and 0 rows received before 2000-01-01\n");
  storage::database db(t.path);
  CHECK(ok(db.count()).messages == 1);
}
