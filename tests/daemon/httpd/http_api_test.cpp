// http_api without sockets: times, JSON strings, credentials, errors and paging over a real
// SQLite file.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <unistd.h>

#include "daemon/httpd/http_api.hpp"
#include "storage/sqlite/database.hpp"

using namespace bounced::daemon;
namespace storage = bounced::storage;

namespace {

struct temp_file {
  std::filesystem::path dir;
  temp_file() {
    static int n = 0;
    dir = std::filesystem::temp_directory_path() / ("bounced-http-api-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~temp_file() { std::filesystem::remove_all(dir); }
  std::string db() const { return (dir / "bounced.db").string(); }
};

// The whole body of a response, streamed or not.
std::string body_of(http_response r) {
  std::string out = r.body;
  if (r.next)
    while (auto piece = r.next()) out += *piece;
  return out;
}

http_request get(const std::string& target, std::string authorization = "", bool loopback = true) {
  http_request r;
  r.method = "GET";
  r.target = target;
  r.authorization = std::move(authorization);
  r.loopback = loopback;
  r.client_address = loopback ? "127.0.0.1" : "192.0.2.2";
  return r;
}

void fill(const std::string& path, int messages) {
  bounced::storage::database db(path);
  for (int i = 0; i < messages; ++i) {
    bounced::storage::row r;
    r.recipient = "user" + std::to_string(i) + "@example.net";
    r.kind = i % 2 ? storage::record_kind::bounce : storage::record_kind::delay;
    r.bounce_type = i % 2 ? storage::bounce_type::hard : storage::bounce_type::soft;
    r.diagnostic_text = "550 \"quoted\", with a comma\nand a line";
    auto stored = db.store_message({"raw " + std::to_string(i), storage::channel::lmtp, "", "", {"b@x.test"}, 1700000000 + i, ""}, {storage::decode_status::decoded, ""}, {r});
    REQUIRE(std::holds_alternative<bounced::storage::store_result>(stored));
  }
}

}  // namespace

TEST_CASE("times are written in RFC 3339 UTC", "[http_api]") {
  CHECK(format_rfc3339(1700000000) == "2023-11-14T22:13:20Z");
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
}

TEST_CASE("JSON strings are escaped and always valid UTF-8", "[http_api]") {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\nd\x01", 8));
  CHECK(out == R"("a\"b\\c\nd\u0001")");
  out.clear();
  append_json_string(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7");
  CHECK(out == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\"");
  out.clear();
  append_json_string(out, "\xff x \xc3 \xed\xa0\x80 \xc0\xaf");  // stray, cut, surrogate, overlong
  CHECK(out == R"("\ufffd x \ufffd \ufffd\ufffd\ufffd \ufffd\ufffd")");
  CHECK(boost::json::parse(out).as_string() == "\xef\xbf\xbd x \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("a page streams in pieces and says where the next one starts", "[http_api]") {
  temp_file t;
  fill(t.db(), 1203);
  http_api api({}, std::make_shared<record_source>(t.db()));
  const auto first = boost::json::parse(body_of(api.handle(get("/v1/bounces?limit=1000"))));
  CHECK(first.at("records").as_array().size() == 1000);
  CHECK(first.at("next_after").as_int64() == first.at("records").as_array().back().at("id").as_int64());
  const auto second = boost::json::parse(body_of(api.handle(get("/v1/bounces?limit=1000&after=1000"))));
  CHECK(second.at("records").as_array().size() == 203);
  CHECK(second.at("next_after").is_null());
  const auto hard = boost::json::parse(body_of(api.handle(get("/v1/bounces?type=hard&limit=25000"))));
  CHECK(hard.at("records").as_array().size() == 601);
  for (const auto& r : hard.at("records").as_array()) CHECK(r.at("bounce_type").as_string() == "hard");
  // A streamed response comes in more than one piece; the first comes with the status line.
  http_response r = api.handle(get("/v1/bounces?limit=1203&format=jsonl"));
  REQUIRE(r.next);
  int pieces = 0;
  std::string all = r.body;
  while (auto piece = r.next()) {
    ++pieces;
    all += *piece;
  }
  CHECK(pieces >= 2);
  CHECK(std::count(all.begin(), all.end(), '\n') == 1203);
  const std::string csv = body_of(api.handle(get("/v1/bounces?limit=1&format=csv")));
  CHECK(csv.find("\"550 \"\"quoted\"\", with a comma\nand a line\"") != std::string::npos);
}

TEST_CASE("storage that fails at once gets 500, not a 200 whose body breaks off", "[http_api]") {
  temp_file t;
  {
    std::ofstream junk(t.db(), std::ios::binary);
    junk << std::string(8192, 'x');  // not a database
  }
  http_api api({}, std::make_shared<record_source>(t.db()));
  for (const char* target : {"/v1/bounces", "/v1/bounces?format=csv", "/v1/bounces?format=jsonl", "/v1/messages"}) {
    const http_response r = api.handle(get(target));
    CHECK(r.status == 500);
    CHECK_FALSE(r.next);
    CHECK(r.body.find("storage: ") != std::string::npos);
  }
  // Mailkit's routes (no client configured: loopback only), in their own error shapes.
  http_request json = get("/json.fcgi");
  json.method = "POST";
  json.body = R"({"id":"1","md5":"x","function":"mailkit.report.raw.bounces","parameters":{"ID_send":"1"}})";
  const http_response j = api.handle(json);
  CHECK(j.status == 500);
  CHECK_FALSE(j.next);
  CHECK(j.body.find("\"error_status\":500") != std::string::npos);
  http_request xml = get("/rpc.fcgi");
  xml.method = "POST";
  xml.body = "<methodCall><methodName>mailkit.report.raw.bounces</methodName><params>"
             "<param><value>1</value></param><param><value>x</value></param><param><value>1</value></param>"
             "</params></methodCall>";
  const http_response x = api.handle(xml);
  CHECK(x.status == 500);
  CHECK_FALSE(x.next);
  CHECK(x.body.find("<fault>") != std::string::npos);
}

TEST_CASE("credentials are a Bearer secret or Basic id and secret and without keys only loopback is served", "[http_api]") {
  temp_file t;
  fill(t.db(), 1);
  auto source = std::make_shared<record_source>(t.db());
  http_api open_api({}, source);
  CHECK(open_api.handle(get("/v1/bounces", "", true)).status == 200);
  CHECK(open_api.handle(get("/v1/bounces", "", false)).status == 403);
  CHECK(open_api.handle(get("/healthz", "", false)).status == 200);
  // Storage that refuses every message is not healthy.
  std::string trouble = "database is locked";
  http_api watched({}, source, {}, {}, [&trouble] { return trouble; });
  const http_response sick = watched.handle(get("/healthz", "", true));
  CHECK(sick.status == 503);
  CHECK(sick.body == "storage failing: database is locked\n");
  // The reason (file names, system errors) only for loopback clients and /v1's keys; others, a
  // load balancer's checks, see the status.
  const http_response outside = watched.handle(get("/healthz", "", false));
  CHECK(outside.status == 503);
  CHECK(outside.body == "storage failing\n");
  http_api keyed_watch({{"ops", "0123456789abcdef0123"}}, source, {}, {}, [&trouble] { return trouble; });
  CHECK(keyed_watch.handle(get("/healthz", "Bearer 0123456789abcdef0123", false)).body == "storage failing: database is locked\n");
  CHECK(keyed_watch.handle(get("/healthz", "Bearer wrong", false)).body == "storage failing\n");
  trouble.clear();
  CHECK(watched.handle(get("/healthz", "", false)).status == 200);
  http_api keyed({{"ops", "0123456789abcdef0123"}}, source);
  CHECK(keyed.handle(get("/v1/bounces", "Bearer 0123456789abcdef0123", false)).status == 200);
  CHECK(keyed.handle(get("/v1/bounces", "Basic b3BzOjAxMjM0NTY3ODlhYmNkZWYwMTIz", false)).status == 200);  // ops:0123...
  CHECK(keyed.handle(get("/v1/bounces", "", true)).status == 401);
  CHECK(keyed.handle(get("/v1/bounces", "Bearer 0123456789abcdef012", true)).status == 401);
  CHECK(keyed.handle(get("/v1/bounces", "Basic ZGV2OjAxMjM0NTY3ODlhYmNkZWYwMTIz", true)).status == 401);  // dev:0123...
}

TEST_CASE("errors have FreshMail's shape", "[http_api]") {
  const http_response e = api_error(400, 1011, "limit is over the cap of 25000");
  CHECK(e.status == 400);
  CHECK(e.body == "{\"status\":\"ERROR\",\"errors\":[{\"message\":\"limit is over the cap of 25000\",\"code\":1011}]}\n");
  CHECK(http_api::too_large(10).status == 413);
}

namespace {

// Four messages, one of each kind a listing shows, and an accounting chunk: ids 1 to 5.
void fill_outcomes(const std::string& path) {
  bounced::storage::database db(path);
  const auto store = [&](const std::string& raw, storage::channel via, bounced::storage::outcome o) {
    auto stored = db.store_message({raw, via, "", "", {"b@x.test"}, 1700000000, ""}, o, {});
    REQUIRE(std::holds_alternative<bounced::storage::store_result>(stored));
  };
  store("bounce", storage::channel::lmtp, {storage::decode_status::decoded, "", "MAILER-DAEMON@mx.test", "Undelivered Mail Returned to Sender"});
  store("not a bounce", storage::channel::smtp, {storage::decode_status::nothing, "no delivery report, feedback report or auto-reply", "carol@d.test", "Re: news"});
  store("broken", storage::channel::pipe, {storage::decode_status::failed, "decoder error: \"quoted\"", "x@y.test", "Gr\xc3\xbc\xc3\x9f" "e \xff"});
  store("another", storage::channel::lmtp, {storage::decode_status::nothing, "looks like a delivery notice, but no decoder found a recipient in it", "", ""});
  bounced::storage::acct_chunk c;
  c.message = {"type,rcpt\nb,r@d.test\n", storage::channel::acct, "", "", {}, 1700000001, ""};
  bounced::storage::acct_item item;
  item.key = "k";
  item.logged_at = 1700000001;
  item.fields.recipient = "r@d.test";
  item.fields.kind = storage::record_kind::bounce;
  c.items = {item};
  REQUIRE(std::holds_alternative<bounced::storage::acct_result>(db.store_acct(c)));
}

std::vector<std::int64_t> listed_ids(const boost::json::value& doc) {
  std::vector<std::int64_t> out;
  for (const auto& m : doc.at("messages").as_array()) out.push_back(m.at("id").as_int64());
  return out;
}

}  // namespace

TEST_CASE("GET /v1/messages lists messages by outcome with why, From and Subject", "[http_api]") {
  temp_file t;
  fill_outcomes(t.db());
  http_api api({}, std::make_shared<record_source>(t.db()));
  const http_response r = api.handle(get("/v1/messages"));
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  const auto all = boost::json::parse(body_of(r));
  CHECK(all.as_object().size() == 2);
  CHECK(listed_ids(all) == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  CHECK(all.at("next_after").is_null());
  const auto& first = all.at("messages").as_array().at(0).as_object();
  CHECK(first.size() == 7);
  CHECK(first.at("id").as_int64() == 1);
  CHECK(first.at("received_at").as_string() == "2023-11-14T22:13:20Z");
  CHECK(first.at("via").as_string() == "lmtp");
  CHECK(first.at("outcome").as_string() == "decoded");
  CHECK(first.at("why").as_string() == "");
  CHECK(first.at("from").as_string() == "MAILER-DAEMON@mx.test");
  CHECK(first.at("subject").as_string() == "Undelivered Mail Returned to Sender");
  const auto& failed = all.at("messages").as_array().at(2).as_object();
  CHECK(failed.at("why").as_string() == "decoder error: \"quoted\"");
  CHECK(failed.at("subject").as_string() == "Gr\xc3\xbc\xc3\x9f" "e \xef\xbf\xbd");  // a stray byte as U+FFFD
  const auto& chunk = all.at("messages").as_array().at(4).as_object();
  CHECK(chunk.at("via").as_string() == "acct");
  CHECK(chunk.at("outcome").as_string() == "decoded");
  CHECK(chunk.at("from").as_string() == "");
  CHECK(chunk.at("subject").as_string() == "");

  for (const auto& [query, ids] : std::vector<std::pair<std::string, std::vector<std::int64_t>>>{
           {"outcome=nothing", {2, 4}},
           {"outcome=failed", {3}},
           {"outcome=decoded", {1, 5}},
           {"outcome=nothing,failed", {2, 3, 4}},
           {"outcome=failed,nothing,nothing", {2, 3, 4}},
           {"outcome=decoded,nothing,failed", {1, 2, 3, 4, 5}},
           {"outcome=nothing&after=2", {4}},
           {"outcome=nothing&after=4", {}},
           {"after=3&limit=25000", {4, 5}}}) {
    INFO(query);
    const auto doc = boost::json::parse(body_of(api.handle(get("/v1/messages?" + query))));
    CHECK(listed_ids(doc) == ids);
    CHECK(doc.at("next_after").is_null());
    for (const auto& m : doc.at("messages").as_array())
      if (query.starts_with("outcome=")) CHECK(query.find(std::string(m.at("outcome").as_string())) != std::string::npos);
  }
  // The raw message of one of them, as before.
  const http_response raw = api.handle(get("/v1/messages/2"));
  CHECK(raw.status == 200);
  CHECK(raw.content_type == "message/rfc822");
  CHECK(raw.body == "not a bounce");
}

TEST_CASE("GET /v1/messages pages by id as /v1/bounces does", "[http_api]") {
  temp_file t;
  fill_outcomes(t.db());
  http_api api({}, std::make_shared<record_source>(t.db()));
  for (const std::string outcome : {"", "outcome=nothing,failed&"}) {
    INFO(outcome);
    const auto whole = listed_ids(boost::json::parse(body_of(api.handle(get("/v1/messages?" + outcome + "limit=100")))));
    for (int limit = 1; limit <= 6; ++limit) {
      INFO(limit);
      std::vector<std::int64_t> seen;
      std::int64_t after = 0;
      for (int pages = 0; pages < 10; ++pages) {
        const auto doc = boost::json::parse(
            body_of(api.handle(get("/v1/messages?" + outcome + "after=" + std::to_string(after) + "&limit=" + std::to_string(limit)))));
        const auto ids = listed_ids(doc);
        seen.insert(seen.end(), ids.begin(), ids.end());
        if (doc.at("next_after").is_null()) break;
        // Only a full page says there is more, and where the next one starts.
        CHECK(static_cast<int>(ids.size()) == limit);
        CHECK(doc.at("next_after").as_int64() == ids.back());
        after = doc.at("next_after").as_int64();
      }
      CHECK(seen == whole);
    }
  }
  // A page that ends exactly at the last message says so.
  const auto last = boost::json::parse(body_of(api.handle(get("/v1/messages?outcome=nothing&limit=2"))));
  CHECK(listed_ids(last) == std::vector<std::int64_t>{2, 4});
  CHECK(last.at("next_after").is_null());
  // A long listing streams in pieces, in the same shape.
  temp_file many;
  fill(many.db(), 1203);
  http_api big({}, std::make_shared<record_source>(many.db()));
  http_response r = big.handle(get("/v1/messages?limit=1203"));
  REQUIRE(r.next);
  std::string all = r.body;
  int pieces = 0;
  while (auto piece = r.next()) {
    ++pieces;
    all += *piece;
  }
  CHECK(pieces >= 2);
  const auto doc = boost::json::parse(all);
  CHECK(doc.at("messages").as_array().size() == 1203);
  CHECK(doc.at("next_after").is_null());
  const auto capped = boost::json::parse(body_of(big.handle(get("/v1/messages"))));
  CHECK(capped.at("messages").as_array().size() == static_cast<std::size_t>(http_api::default_limit));
  CHECK(capped.at("next_after").as_int64() == http_api::default_limit);
}

TEST_CASE("GET /v1/messages refuses bad parameters and callers as the other /v1 routes do", "[http_api]") {
  temp_file t;
  fill_outcomes(t.db());
  auto source = std::make_shared<record_source>(t.db());
  http_api api({}, source);
  const auto error_of = [](const http_response& r) {
    const auto doc = boost::json::parse(r.body);
    CHECK(doc.at("status").as_string() == "ERROR");
    const auto& e = doc.at("errors").as_array().at(0).as_object();
    CHECK(e.size() == 2);
    return std::pair{static_cast<int>(e.at("code").as_int64()), std::string(e.at("message").as_string())};
  };
  for (const auto& [target, status, code] : std::vector<std::tuple<std::string, unsigned, int>>{
           {"/v1/messages?outcome=bounced", 400, 1010},
           {"/v1/messages?outcome=nothing,Failed", 400, 1010},
           {"/v1/messages?outcome=", 400, 1010},
           {"/v1/messages?outcome=nothing,", 400, 1010},
           {"/v1/messages?outcome=nothing&outcome=failed", 400, 1010},
           {"/v1/messages?after=x", 400, 1012},
           {"/v1/messages?after=-1", 400, 1012},
           {"/v1/messages?limit=0", 400, 1010},
           {"/v1/messages?limit=25001", 400, 1011},
           {"/v1/messages?kind=bounce", 400, 1010},
           {"/v1/messages/", 400, 1010},
       }) {
    INFO(target);
    const http_response r = api.handle(get(target));
    CHECK(r.status == status);
    CHECK(error_of(r).first == code);
  }
  const auto [code, message] = error_of(api.handle(get("/v1/messages?outcome=nothing,bounced")));
  CHECK(message == "outcome must be a comma-separated list of decoded, nothing and failed; \"bounced\" is none of them");
  http_request post = get("/v1/messages");
  post.method = "POST";
  CHECK(api.handle(post).status == 405);
  CHECK(error_of(api.handle(post)).first == 1003);
  // Callers: the same answers as /v1/bounces gives, word for word.
  CHECK(api.handle(get("/v1/messages", "", false)).status == 403);
  CHECK(api.handle(get("/v1/messages", "", false)).body == api.handle(get("/v1/bounces", "", false)).body);
  http_api keyed({{"ops", "0123456789abcdef0123"}}, source);
  for (const std::string& wrong : {std::string(), std::string("Bearer 0123456789abcdef012")}) {
    const http_response r = keyed.handle(get("/v1/messages?outcome=nothing", wrong, true));
    const http_response other = keyed.handle(get("/v1/bounces", wrong, true));
    CHECK(r.status == 401);
    CHECK(r.body == other.body);
    CHECK(r.headers == other.headers);
    CHECK(error_of(r).first == 1000);
  }
  const http_response allowed = keyed.handle(get("/v1/messages?outcome=nothing", "Bearer 0123456789abcdef0123", false));
  CHECK(allowed.status == 200);
  CHECK(listed_ids(boost::json::parse(body_of(allowed))) == std::vector<std::int64_t>{2, 4});
}
