#include <catch2/catch.hpp>

#include <filesystem>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <variant>

#include "daemon/config.hpp"

using namespace bounced::daemon;

namespace {

const std::string sample = std::string(BOUNCED_SOURCE_DIR) + "/samples/bounced.toml";

config loaded(const std::string& text) {
  auto r = parse_config(text, "t.toml");
  if (auto* e = std::get_if<config_error>(&r)) FAIL(e->to_string());
  return std::get<config>(std::move(r));
}

config_error failed(const std::string& text) {
  auto r = parse_config(text, "t.toml");
  if (std::holds_alternative<config>(r)) FAIL("accepted: " << text);
  return std::get<config_error>(std::move(r));
}

}  // namespace

TEST_CASE("the sample config is exactly the defaults, and sets every key", "[config]") {
  const auto r = load_config(sample);
  if (auto* e = std::get_if<config_error>(&r)) FAIL(e->to_string());
  CHECK(std::get<config>(r) == config{});
  CHECK(loaded("") == config{});

  // Every key is written out in the sample (a key left out would drift from its default unseen).
  std::ifstream in(sample);
  std::set<std::string> written;
  std::string section;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with('[')) section = line.substr(1, line.find(']') - 1);
    else if (const auto eq = line.find(" = "); eq != std::string::npos && !line.starts_with('#'))
      written.insert(section + "." + line.substr(0, eq));
  }
  for (const auto& key : config_keys()) CHECK(written.count(key) == 1);
  CHECK(written.size() == config_keys().size());
}

TEST_CASE("settings are read into the config", "[config]") {
  const auto c = loaded(R"(
[storage]
database = "/var/lib/bounced/b.db"
retention_days = 90
[listen]
lmtp = "unix:/run/bounced/lmtp.sock"
smtp = "[::]:25"
http = ""
[limits]
message_size_bytes = 20000000
connections_per_client = 10
[tls]
certificate = "/etc/bounced/cert.pem"
key = "/etc/bounced/key.pem"
[domains]
bounce = ["Bounce.Example.COM.", "b2.example.org"]
[suppression]
soft_bounce_limit = 5
[correlation]
verp = ["bounces+{campaign}-{email}@bounce.example.com"]
[correlation.headers]
campaign_id = ["X-Mailkit-Campaign", "X-Campaign-ID"]
list_id = []
[log]
level = "debug"
)");
  CHECK(c.storage.database == "/var/lib/bounced/b.db");
  CHECK(c.database_path() == "/var/lib/bounced/b.db");
  CHECK(c.storage.retention_days == 90);
  REQUIRE(c.listen.lmtp);
  CHECK(c.listen.lmtp->type == listen_address::kind::unix_socket);
  CHECK(c.listen.lmtp->path == "/run/bounced/lmtp.sock");
  REQUIRE(c.listen.smtp);
  CHECK(c.listen.smtp->host == "::");
  CHECK(c.listen.smtp->port == 25);
  CHECK_FALSE(c.listen.http);
  CHECK(c.limits.message_size_bytes == 20000000);
  CHECK(c.limits.connections_per_client == 10);
  CHECK(c.limits.connections == 100);  // untouched keys keep their defaults
  CHECK(c.tls.key == "/etc/bounced/key.pem");
  CHECK(c.domains.bounce == std::vector<std::string>{"bounce.example.com", "b2.example.org"});
  CHECK(c.suppression.soft_bounce_limit == 5);
  REQUIRE(c.correlation.verp.size() == 1);
  CHECK(c.correlation.verp[0].match("bounces+c1-a=b.example@bounce.example.com"));
  CHECK(c.correlation.headers.campaign_id == std::vector<std::string>{"X-Mailkit-Campaign", "X-Campaign-ID"});
  CHECK(c.correlation.headers.list_id.empty());
  CHECK(c.correlation.headers.send_id == std::vector<std::string>{"X-Send-ID"});
  CHECK(c.log.level == log_level::debug);
}

TEST_CASE("errors name the line and column, the earliest first", "[config]") {
  auto e = failed("[limits]\nconnections = 3\nconections = 3\n");
  CHECK(e.line == 3);
  CHECK(e.column == 1);
  CHECK(e.message == "unknown key 'conections' in [limits]");
  CHECK(e.to_string() == "t.toml:3:1: unknown key 'conections' in [limits]");

  e = failed("[log]\nlevel = \"loud\"\n[lmits]\n");
  CHECK(e.line == 2);
  CHECK(e.message.find("log.level") != std::string::npos);

  e = failed("[storage]\nretention_days = = 3\n");  // TOML syntax
  CHECK(e.line == 2);
  CHECK(e.column > 0);
}

TEST_CASE("unknown sections and keys, wrong types and bad values are refused", "[config]") {
  CHECK(failed("[lmits]\n").message.find("unknown key 'lmits'") != std::string::npos);
  CHECK(failed("verbose = true\n").message.find("top level") != std::string::npos);
  CHECK(failed("limits = 3\n").message.find("section") != std::string::npos);
  CHECK(failed("[correlation.headers]\ncampaign = [\"X-C\"]\n").message.find("campaign") != std::string::npos);
  CHECK(failed("[limits]\nconnections = \"100\"\n").message == "limits.connections must be an integer");
  CHECK(failed("[limits]\nconnections = 1.5\n").message == "limits.connections must be an integer");
  CHECK(failed("[limits]\nmessage_size_bytes = -1\n").message.find("between 1 and") != std::string::npos);
  CHECK(failed("[limits]\nidle_timeout_seconds = 0\n").message.find("between 1 and") != std::string::npos);
  CHECK(failed("[limits]\nidle_timeout_seconds = 5000000000\n").message.find("between 1 and 4294967295") != std::string::npos);
  CHECK(failed("[limits]\ncommand_line_bytes = 100\n").message.find("between 512 and") != std::string::npos);
  CHECK(failed("[limits]\nconnections = 10\nconnections_per_client = 20\n").message.find("must not exceed") != std::string::npos);
  CHECK(failed("[storage]\nretention_days = -3\n").message.find("between 0 and") != std::string::npos);
  CHECK(failed("[suppression]\nsoft_bounce_limit = 0\n").message.find("between 1 and") != std::string::npos);
  CHECK(failed("[listen]\nlmtp = \"127.0.0.1:65536\"\n").message.find("port") != std::string::npos);
  CHECK(failed("[listen]\nsmtp = \"localhost\"\n").message.find("host:port") != std::string::npos);
  CHECK(failed("[listen]\nsmtp = 25\n").message.find("must be a string") != std::string::npos);
  CHECK(failed("[tls]\ncertificate = \"/c.pem\"\n").message.find("both") != std::string::npos);
  CHECK(failed("[domains]\nbounce = [\"bad domain\"]\n").message.find("not a domain name") != std::string::npos);
  CHECK(failed("[domains]\nbounce = \"b.example\"\n").message.find("array of strings") != std::string::npos);
  CHECK(failed("[domains]\nbounce = [3]\n").message.find("strings only") != std::string::npos);
  CHECK(failed("[correlation]\nverp = [\"b+{campaign}@b.example\"]\n").message.find("{email}") != std::string::npos);
  CHECK(failed("[correlation]\nverp = [\"b+{cmp}-{email}@b.example\"]\n").message.find("unknown placeholder") != std::string::npos);
  CHECK(failed("[correlation.headers]\nsend_id = [\"X Send\"]\n").message.find("not a header name") != std::string::npos);
  CHECK(failed("[log]\nlevel = \"verbose\"\n").message.find("one of") != std::string::npos);
}

TEST_CASE("listen addresses: host:port, [v6]:port, unix:/path", "[config]") {
  const auto ok = [](std::string_view text) {
    auto r = parse_listen_address(text);
    if (auto* e = std::get_if<address_error>(&r)) FAIL(std::string(text) << ": " << e->message);
    return std::get<listen_address>(r);
  };
  const auto bad = [](std::string_view text) { return std::holds_alternative<address_error>(parse_listen_address(text)); };
  CHECK(ok("127.0.0.1:2424") == listen_address{listen_address::kind::tcp, "127.0.0.1", 2424, {}});
  CHECK(ok("mx.example.com:25").host == "mx.example.com");
  CHECK(ok("[::1]:2424") == listen_address{listen_address::kind::tcp, "::1", 2424, {}});
  CHECK(ok("[fe80::1%eth0]:25").host == "fe80::1%eth0");
  CHECK(ok("unix:/run/bounced/lmtp.sock") == listen_address{listen_address::kind::unix_socket, {}, 0, "/run/bounced/lmtp.sock"});
  for (const char* text : {"[::1]:2424", "127.0.0.1:65535", "unix:/x"}) CHECK(ok(text).to_string() == text);
  CHECK(bad(""));
  CHECK(bad("127.0.0.1"));
  CHECK(bad("127.0.0.1:"));
  CHECK_FALSE(bad("127.0.0.1:0"));  // any free port
  CHECK(bad("127.0.0.1:65536"));
  CHECK(bad("127.0.0.1:25x"));
  CHECK(bad("127.0.0.1:+25"));
  CHECK(bad(":25"));
  CHECK(bad("::1:25"));  // IPv6 needs brackets
  CHECK(bad("[::1]25"));
  CHECK(bad("[zz::1]:25"));
  CHECK(bad("[127.0.0.1]:25"));
  CHECK(bad("bad host:25"));
  CHECK(bad("unix:relative.sock"));
  CHECK(bad("unix:/" + std::string(200, 'a')));
}

TEST_CASE("the default database path follows STATE_DIRECTORY", "[config]") {
  const char* saved = std::getenv("STATE_DIRECTORY");
  const std::string restore = saved ? saved : "";
  ::setenv("STATE_DIRECTORY", "/var/lib/bounced:/var/lib/other", 1);
  CHECK(default_database_path() == "/var/lib/bounced/bounced.db");
  CHECK(config{}.database_path() == "/var/lib/bounced/bounced.db");
  ::unsetenv("STATE_DIRECTORY");
  // Where bounced is installed as a service, its state directory; else the current directory.
  CHECK(default_database_path() == (std::filesystem::is_directory(installed_state_directory)
                                         ? std::string(installed_state_directory) + "/bounced.db"
                                         : std::string("./bounced.db")));
  if (saved) ::setenv("STATE_DIRECTORY", restore.c_str(), 1);
}

TEST_CASE("a missing file is an error without a position", "[config]") {
  const auto r = load_config("/nonexistent/bounced.toml");
  REQUIRE(std::holds_alternative<config_error>(r));
  const auto& e = std::get<config_error>(r);
  CHECK(e.line == 0);
  CHECK(e.to_string() == "/nonexistent/bounced.toml: cannot be read");
}

TEST_CASE("api: keys, Mailkit clients and Oempro's networks", "[config]") {
  const auto c = loaded(R"(
[api]
keys = ["exports:0123456789abcdef-secret"]
mailkit_clients = ["12345:0123456789abcdef0123456789abcdef"]
oempro_networks = ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"]
)");
  REQUIRE(c.api.keys.size() == 1);
  CHECK(c.api.keys[0].id == "exports");
  REQUIRE(c.api.mailkit_clients.size() == 1);
  CHECK(c.api.mailkit_clients[0].id == "12345");
  CHECK(c.api.mailkit_clients[0].secret == "0123456789abcdef0123456789abcdef");
  REQUIRE(c.api.oempro_networks.size() == 3);
  CHECK(c.api.oempro_networks[0].to_string() == "192.0.2.0/24");
  CHECK(c.api.oempro_networks[1].to_string() == "2001:db8::/32");
  CHECK(c.api.oempro_networks[2].to_string() == "198.51.100.7/32");
  CHECK(loaded("[api]\noempro_networks = []\n").api.oempro_networks.empty());
  CHECK(config{}.api.oempro_networks.size() == 2);

  const auto e = failed("[api]\nmailkit_clients = [\"12345\"]\n");
  CHECK(e.line == 2);
  CHECK(e.message.find("id:secret") != std::string::npos);
  CHECK(failed("[api]\nmailkit_clients = [\"12345:short\"]\n").message.find("16 characters") != std::string::npos);
  const auto n = failed("[api]\noempro_networks = [\"192.0.2.0/33\"]\n");
  CHECK(n.line == 2);
  CHECK(n.message.find("not an address or a network") != std::string::npos);
  CHECK_FALSE(failed("[api]\noempro_networks = [\"localhost\"]\n").message.empty());
}
