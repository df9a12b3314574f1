// See serve_command.hpp. The wiring of the daemon: config, then storage (the writer owns the
// database on its own thread), the rules, the decoding pool, the listeners; then the I/O thread
// runs until SIGTERM. Shutdown runs the other way: listeners drain, the pool finishes what it
// decodes, the writer commits what is queued.
#include "daemon/serve_command.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

#include <cstdlib>
#include <memory>
#include <ostream>
#include <thread>
#include <variant>

#include "daemon/ingest.hpp"
#include "daemon/log.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/server.hpp"
#include "storage/database.hpp"
#include "storage/writer.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* usage =
    "usage: bounced serve [--config FILE] [--db PATH] [--lmtp ADDR] [--smtp ADDR] [--http ADDR]\n"
    "  ADDR is host:port, [v6-address]:port or unix:/path; an empty ADDR turns that listener off\n";

// "host:port", "[v6]:port", "unix:/path"; nullopt when malformed.
std::optional<listen_spec> parse_address(std::string_view text, mail_protocol protocol) {
  listen_spec spec;
  spec.protocol = protocol;
  if (text.rfind("unix:", 0) == 0) {
    spec.unix_socket = true;
    spec.path = std::string(text.substr(5));
    if (spec.path.empty() || spec.path.size() > 100) return std::nullopt;
    return spec;
  }
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos) return std::nullopt;  // a v6 address needs brackets
  unsigned port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535 || host.empty()) return std::nullopt;
  spec.host = std::string(host);
  spec.port = static_cast<std::uint16_t>(port);
  return spec;
}

std::string default_database() {
  if (const char* state = std::getenv("STATE_DIRECTORY"); state != nullptr && *state != '\0') {
    std::string dir(state);
    // systemd may list several folders, separated by colons: the first is ours.
    dir = dir.substr(0, dir.find(':'));
    return dir + "/bounced.db";
  }
  return "bounced.db";
}

}  // namespace

int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string db_path, lmtp = "127.0.0.1:2424", smtp, http, config_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--db") ok = value(db_path);
    else if (a == "--lmtp") ok = value(lmtp);
    else if (a == "--smtp") ok = value(smtp);
    else if (a == "--http") ok = value(http);
    else if (a == "--config") ok = value(config_path);
    else if (a == "-h" || a == "--help") {
      out << usage;
      return 0;
    } else {
      err << "bounced serve: unknown argument " << a << "\n" << usage;
      return 2;
    }
    if (!ok) {
      err << "bounced serve: " << a << " needs a value\n" << usage;
      return 2;
    }
  }
  if (db_path.empty()) db_path = default_database();
  server_options options;
  if (char host[256] = {}; ::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') options.hostname = host;
  std::vector<listen_spec> listeners;
  for (const auto& [text, protocol] : {std::pair{lmtp, mail_protocol::lmtp}, std::pair{smtp, mail_protocol::smtp}}) {
    if (text.empty()) continue;
    const auto spec = parse_address(text, protocol);
    if (!spec) {
      err << "bounced serve: not a listen address: " << text << "\n" << usage;
      return 2;
    }
    listeners.push_back(*spec);
  }
  if (!http.empty()) log(log_level::warning, "--http: the HTTP API is not built yet; no HTTP listener");

  auto compiled = classifier::rule_set::load({});
  if (auto* e = std::get_if<classifier::rule_error>(&compiled)) {
    err << "bounced serve: " << e->to_string() << "\n";
    return 2;
  }
  auto rules = std::make_shared<const classifier::rule_set>(std::move(std::get<classifier::rule_set>(compiled)));

  std::unique_ptr<storage::writer> writer;
  try {
    writer = std::make_unique<storage::writer>(storage::database(db_path));
  } catch (const std::exception& e) {
    err << "bounced serve: " << e.what() << "\n";
    return 1;
  }
  int status = 0;
  {
    ingest pipeline(*writer, rules, std::clamp(std::thread::hardware_concurrency(), 1U, 8U));
    server srv(options, [&pipeline](delivery d, std::function<void(delivery_result)> done) {
      pipeline.deliver(std::move(d), std::move(done));
    });
    try {
      for (const listen_spec& spec : listeners) {
        srv.listen(spec);
        const char* name = spec.protocol == mail_protocol::lmtp ? "lmtp" : "smtp";
        if (spec.unix_socket) log(log_level::info, fmt::format("listening: {} unix:{}", name, spec.path));
        else log(log_level::info, fmt::format("listening: {} {}:{}", name, spec.host, srv.bound_ports().back()));
      }
    } catch (const std::exception& e) {
      err << "bounced serve: " << e.what() << "\n";
      writer->stop();
      return 1;
    }
    log(log_level::info, fmt::format("database {}", db_path));
    srv.on_state([](bool running) { sd_notify(running ? "READY=1" : "STOPPING=1"); });
    if (const auto interval = watchdog_interval()) srv.every(*interval / 2, [] { sd_notify("WATCHDOG=1"); });
    srv.run();
  }
  writer->stop();
  log(log_level::info, "stopped");
  return status;
}

}  // namespace bounced::daemon
