// libFuzzer target: requests to every HTTP route through http_api::handle (no sockets), on a
// small database made once, plus the XML-RPC reader and the form reader on the body alone.
// Input: a byte choosing method and who calls, the target, a newline, the Content-Type, a
// newline, the body. A crash, a sanitizer report, a timeout, a status outside 200-599, or a JSON
// answer that does not parse as JSON is a bug.
// Run: tests/fuzz/run http [RUNS] (seeds: tests/fuzz/seeds/http).
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/httpd/esp/api_oempro.hpp"
#include "daemon/httpd/http_api.hpp"
#include "daemon/httpd/esp/xmlrpc.hpp"
#include "storage/sqlite/database.hpp"

namespace {

using namespace bounced::daemon;
namespace storage = bounced::storage;

// A database with a few records of each kind, made once per process.
std::shared_ptr<record_source> records() {
  static const std::shared_ptr<record_source> source = [] {
    const auto path = std::filesystem::temp_directory_path() / ("bounced-fuzz-http-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    bounced::storage::database db(path.string());
    const storage::record_kind kinds[] = {storage::record_kind::bounce, storage::record_kind::delay, storage::record_kind::complaint,
                                          storage::record_kind::bounce, storage::record_kind::delivery};
    for (int i = 0; i < 40; ++i) {
      bounced::storage::row r;
      r.recipient = "user" + std::to_string(i % 7) + "@example.net";
      r.kind = kinds[i % 5];
      r.bounce_type = i % 2 ? storage::bounce_type::hard : storage::bounce_type::soft;
      r.status = "5.1.1";
      r.diagnostic_type = "SMTP";
      r.diagnostic_text = "550 \"no\" <such> & user\x01\xff";
      r.campaign_id = i % 3 ? "42" : "c<1>";
      r.send_id = std::to_string(i % 4);
      r.source_system = "sys";
      r.feedback_type = "abuse";
      bounced::storage::message_in m;
      m.raw = "raw " + std::to_string(i);
      m.via = storage::channel::lmtp;
      m.received_at = 1700000000 + i * 3600;
      db.store_message(m, {storage::decode_status::decoded, ""}, {r});
    }
    return std::make_shared<record_source>(path.string());
  }();
  return source;
}

const http_api& api(bool keyed) {
  static const auto make = [](bool with_keys) {
    esp_settings esp;
    esp.sink = [](bounced::storage::message_in, std::function<void(stored_answer)> done) { done({true, "1", 0, ""}); };
    if (with_keys) esp.mailkit_clients = {{"12345", "0123456789abcdef0123456789abcdef"}};
    std::vector<api_key> keys;
    if (with_keys) keys = {{"ops", "0123456789abcdef0123"}};
    return std::make_unique<http_api>(keys, records(), [] { return std::string("metrics\n"); }, std::move(esp));
  };
  static const auto open = make(false);
  static const auto closed = make(true);
  return keyed ? *closed : *open;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t choice = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto nl = input.find('\n');
  http_request r;
  static const char* methods[] = {"GET", "POST", "DELETE", "PUT"};
  r.method = methods[choice & 3];
  r.target = std::string(input.substr(0, nl));
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  const auto nl2 = rest.find('\n');
  r.content_type = std::string(rest.substr(0, nl2));
  r.body = nl2 == std::string_view::npos ? std::string() : std::string(rest.substr(nl2 + 1));
  r.loopback = (choice & 4) == 0;
  r.client_address = r.loopback ? "127.0.0.1" : (choice & 16 ? "unix" : "192.0.2.9");
  if (choice & 8) r.authorization = "Basic b3BzOjAxMjM0NTY3ODlhYmNkZWYwMTIz";  // ops:0123456789abcdef0123

  (void)xmlrpc::parse_call(r.body);
  (void)parse_form(r.body);

  http_response answer = api((choice & 32) != 0).handle(r);
  if (answer.status < 200 || answer.status > 599) __builtin_trap();
  std::string body = answer.body;
  if (answer.next) {
    try {
      while (auto piece = answer.next()) body += *piece;
    } catch (const std::exception&) {
      return 0;  // a storage failure mid-stream ends the answer (the server closes the connection)
    }
  }
  if (answer.content_type == "application/json") {
    boost::system::error_code ec;
    (void)boost::json::parse(body, ec);
    if (ec) __builtin_trap();
  }
  return 0;
}
