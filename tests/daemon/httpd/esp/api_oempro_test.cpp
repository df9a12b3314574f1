// Oempro's route without sockets: the form reader, the network check and the answers, with a
// sink that stands in for the ingest pipeline (the daemon's own is tested in esp_test.py).
#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/httpd/esp/api_oempro.hpp"

using namespace bounced::daemon;
namespace storage = bounced::storage;

namespace {

// The answer, once the sink has called back (the tests' sinks call back at once).
http_response settled(http_response r) {
  if (!r.later) return r;
  std::optional<http_response> got;
  r.later->start([&got](http_response a) { got = std::move(a); });
  REQUIRE(got);
  return std::move(*got);
}

}  // namespace

TEST_CASE("oempro: forms are read with + and %XX decoded", "[oempro]") {
  const auto f = parse_form("Command=internal.bounce.register&EmailMessage=From%3A+a%0D%0A%0D%0Abody&&Empty=&Bare");
  REQUIRE(f);
  REQUIRE(f->size() == 4);
  CHECK((*f)[0] == std::pair<std::string, std::string>{"Command", "internal.bounce.register"});
  CHECK((*f)[1].second == "From: a\r\n\r\nbody");
  CHECK((*f)[2] == std::pair<std::string, std::string>{"Empty", ""});
  CHECK((*f)[3] == std::pair<std::string, std::string>{"Bare", ""});
  CHECK(parse_form("")->empty());
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "%G0=1"}) CHECK_FALSE(parse_form(bad));
}

TEST_CASE("oempro: multipart/form-data parts by name, values as sent", "[oempro]") {
  // As curl -F sends it: a preamble is ignored, a file part is a value, a value may hold the
  // boundary's text where it does not start a line, and the line end before a delimiter is not
  // the value's.
  const std::string body =
      "preamble\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"Command\"\r\n\r\n"
      "internal.bounce.register\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"EmailMessage\"; filename=\"b;1.eml\"\r\n"
      "Content-Type: message/rfc822\r\n\r\n"
      "From: a\r\n\r\nbody --XyZ inside\r\n\r\n"
      "--XyZ\r\n"
      "content-disposition: form-data; name=\"Quo\\\"ted\"\r\n\r\n"
      "\r\n"
      "--XyZ--\r\nepilogue";
  const auto parts = parse_multipart(body, "XyZ");
  REQUIRE(parts);
  REQUIRE(parts->size() == 3);
  CHECK((*parts)[0] == std::pair<std::string, std::string>{"Command", "internal.bounce.register"});
  CHECK((*parts)[1] == std::pair<std::string, std::string>{"EmailMessage", "From: a\r\n\r\nbody --XyZ inside\r\n"});
  CHECK((*parts)[2] == std::pair<std::string, std::string>{"Quo\"ted", ""});
  // No delimiter, no close delimiter, a part without a name, no boundary: not multipart.
  CHECK_FALSE(parse_multipart("Command=x", "XyZ"));
  CHECK_FALSE(parse_multipart("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", "XyZ"));
  CHECK_FALSE(parse_multipart("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", "XyZ"));
  CHECK_FALSE(parse_multipart("--\r\n", ""));
  CHECK(parse_multipart("--XyZ--\r\n", "XyZ")->empty());
}

TEST_CASE("oempro: a message goes to the sink with its envelope and category", "[oempro]") {
  bounced::storage::message_in got;
  message_sink sink = [&got](bounced::storage::message_in m, std::function<void(stored_answer)> done) {
    got = std::move(m);
    done({true, "7", 1, ""});
  };
  http_request r;
  r.method = "POST";
  r.target = "/api.php";
  r.client_address = "127.0.0.1";
  r.content_type = "application/x-www-form-urlencoded";
  r.body = "Command=internal.bounce.register&EmailMessage=raw+bytes&PowerMTABounceCategory=bad-mailbox&APIKey=k";
  const auto networks = std::vector<ip_network>{*parse_network("127.0.0.0/8")};
  const http_response a = settled(oempro(r, networks, sink));
  REQUIRE(a.headers.size() == 1);
  CHECK(a.headers[0] == std::pair<std::string, std::string>{"X-Bounced-Message", "7"});
  CHECK(a.status == 200);
  CHECK(a.body == "{\"Success\":true,\"ErrorCode\":0,\"ErrorText\":\"\"}\n");
  CHECK(got.raw == "raw bytes");
  CHECK(got.envelope_sender == "localhost");
  CHECK(got.via == storage::channel::http);
  CHECK(got.client == "127.0.0.1");
  CHECK(got.pmta_category == "bad-mailbox");
  CHECK(got.received_at > 0);

  message_sink failing = [](bounced::storage::message_in, std::function<void(stored_answer)> done) {
    done({false, "", 0, "disk full"});
  };
  const http_response f = settled(oempro(r, networks, failing));
  CHECK(f.status == 503);
  CHECK(f.body == "{\"Success\":false,\"ErrorCode\":0,\"ErrorText\":\"Bounce processing error: disk full\"}\n");

  r.client_address = "192.0.2.1";
  CHECK(oempro(r, networks, sink).status == 403);
  r.client_address = "::ffff:127.0.0.1";  // an IPv4 client on a dual-stack socket
  CHECK(settled(oempro(r, networks, sink)).status == 200);

  message_sink throwing = [](bounced::storage::message_in, std::function<void(stored_answer)>) {
    throw std::runtime_error("pipeline stopped");
  };
  const http_response t = settled(oempro(r, networks, throwing));
  CHECK(t.status == 503);
  CHECK(t.body.find("pipeline stopped") != std::string::npos);
  const http_response late = oempro(r, networks, sink).later->timed_out();
  CHECK(late.status == 503);
  CHECK(late.body.starts_with("{\"Success\":false,\"ErrorCode\":0,\"ErrorText\":\"Bounce processing error: "));
  r.content_type = "text/plain";
  CHECK(oempro(r, networks, sink).status == 400);
}
