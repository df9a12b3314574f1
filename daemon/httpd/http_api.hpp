// The HTTP API as plain functions: a request in, a response out, no sockets (http_server.hpp
// carries them). Routes:
//   GET /healthz                 open: "ok"
//   GET /metrics                 open: Prometheus text
//   GET /v1/bounces              the records paged by id (after, limit, filters, format)
//   GET /v1/bounces/{id}         one record (with its rule and the raw message's id)
//   GET /v1/messages             the stored messages paged by id (after, limit, outcome), with
//                                their outcome, its reason and their own From and Subject
//   GET /v1/messages/{id}        the stored raw message
//   /v1/suppressions..., /v1/stats, /v1/addresses/{address}: see docs/api.md
//   POST /json.fcgi, /rpc.fcgi   Mailkit's raw bounce export (api_mailkit.hpp)
//   GET /api-service/custom/sap/v1/bounces|complaints   Inxmail (api_inxmail.hpp)
//   POST /api.php                Oempro's bounce registration (api_oempro.hpp)
// Errors on /v1 have FreshMail's shape (seeds/003): {"status": "ERROR", "errors": [{"message",
// "code"}]}, with FreshMail's general codes where one fits (1000 unauthorised, 1001 no such
// route, 1003 wrong method, 1004 forbidden, 500 server error) and bounced's own for the rest
// (1010 bad parameter, 1011 limit over the cap, 1012 malformed cursor, 1013 no such record,
// 1014 body too large).
//
// Who may call: with API keys configured, /v1 needs `Authorization: Bearer SECRET` or Basic with
// the key's id and secret; with none configured, only loopback clients are served (403 for the
// rest). Secrets are compared in constant time.
//
// A page is not built in memory: the response carries a generator that reads the next few hundred
// rows on each call, so memory does not grow with `limit`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/params.hpp"
#include "daemon/config.hpp"
#include "daemon/pipeline/stored_answer.hpp"
#include "storage/store.hpp"

namespace bounced::daemon {

struct http_request {
  std::string method;  // GET, POST, ...
  std::string target;  // origin form: /v1/bounces?after=10
  std::string authorization;
  std::string content_type;
  bool loopback = false;       // the client connected from a loopback address
  std::string client_address;  // numeric, as the socket reports it
  std::string body;
};

struct http_response;
// An answer that waits for work off the HTTP thread (a commit): the server calls start with a
// function to call once, from any thread, with the answer, and serves other requests meanwhile.
// When none came within the server's answer_timeout, it sends timed_out() instead.
struct deferred_response {
  std::function<void(std::function<void(http_response)>)> start;
  std::function<http_response()> timed_out;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set for streamed bodies: each call returns the next piece, nullopt at the end (body is then
  // the first piece, possibly empty).
  std::function<std::optional<std::string>()> next;
  // Set for an answer that comes later (all of the above is then unused).
  std::shared_ptr<deferred_response> later;
};

// The stores the API reads from: one per thread that asks (a store is used by one thread at a
// time), opened on demand.
class record_source {
 public:
  explicit record_source(std::string location);
  storage::store& connection();

 private:
  storage::stores_per_thread stores_;
};

// Stores one message handed in over HTTP (the daemon's ingest pipeline); `done` is called once,
// from any thread, after the commit.
using message_sink = std::function<void(storage::message_in message, std::function<void(stored_answer)> done)>;

// The ESP interfaces' settings beside the /v1 keys (config [api]).
struct esp_settings {
  std::vector<api_key> mailkit_clients;  // none: loopback clients only
  std::vector<ip_network> oempro_networks = default_oempro_networks();
  message_sink sink;  // none: /api.php answers that nothing is stored here
  std::size_t message_size_bytes = params::message_size_bytes;  // [limits] message_size: the largest EmailMessage taken
};

class http_api {
 public:
  static constexpr std::int64_t default_limit = params::page_records;
  static constexpr std::int64_t max_limit = params::max_page_records;

  // metrics_text renders GET /metrics (open to all); none: 404. storage_trouble says why storage
  // is failing ("" while it works): GET /healthz is then 503 with the reason.
  http_api(std::vector<api_key> keys, std::shared_ptr<record_source> records,
           std::function<std::string()> metrics_text = {}, esp_settings esp = {},
           std::function<std::string()> storage_trouble = {});

  http_response handle(const http_request& request) const;
  // A body over the server's limit never reaches handle(): this is the answer, in the shape of
  // the route the target names (an ESP's, or /v1's).
  static http_response too_large(std::size_t limit, std::string_view target = {});
  // Nor does a request whose header is over the server's limit (a query of 100 KB): 431.
  static http_response header_too_large(std::size_t limit, std::string_view target = {});

 private:
  std::vector<api_key> keys_;
  std::shared_ptr<record_source> records_;
  std::function<std::string()> metrics_text_;
  esp_settings esp_;
  std::function<std::string()> storage_trouble_;
};

// FreshMail's error body.
http_response api_error(unsigned status, int code, const std::string& message);
// Epoch seconds as RFC 3339 in UTC (2026-11-23T14:00:00Z). Times are read with parse_date
// (store_commands.hpp): a date, or RFC 3339 with fractions and offsets.
std::string format_rfc3339(std::int64_t epoch_seconds);
// Appends s as a JSON string; bytes that are not UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace bounced::daemon
