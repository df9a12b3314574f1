// http_api without sockets: times, JSON strings, credentials, errors and paging over a real
// SQLite file.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "daemon/http_api.hpp"
#include "storage/database.hpp"

using namespace bounced::daemon;

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
    r.kind = i % 2 ? "bounce" : "delay";
    r.bounce_type = i % 2 ? "hard" : "soft";
    r.diagnostic_text = "550 \"quoted\", with a comma\nand a line";
    auto stored = db.store({"raw " + std::to_string(i), "lmtp", "", "", {"b@x.test"}, 1700000000 + i, ""}, {"decoded", ""}, {r});
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
  for (const char* target : {"/v1/bounces", "/v1/bounces?format=csv", "/v1/bounces?format=jsonl"}) {
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
