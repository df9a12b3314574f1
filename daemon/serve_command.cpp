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

#include "daemon/config.hpp"
#include "daemon/httpd/http_api.hpp"
#include "daemon/httpd/http_server.hpp"
#include "daemon/pipeline/ingest.hpp"
#include "daemon/log.hpp"
#include "daemon/retention.hpp"
#include "daemon/pipeline/rulebook.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/smtpd/server.hpp"
#include "storage/store.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* usage =
    "usage: bounced serve [--config FILE] [--db PATH] [--lmtp ADDR] [--smtp ADDR] [--http ADDR]\n"
    "  ADDR is host:port, [v6-address]:port or unix:/path; an empty ADDR turns that listener off\n";

listen_spec to_spec(const listen_address& address, mail_protocol protocol) {
  listen_spec spec;
  spec.protocol = protocol;
  spec.unix_socket = address.type == listen_address::kind::unix_socket;
  spec.host = address.host;
  spec.port = address.port;
  spec.path = address.path;
  return spec;
}

server_options server_settings(const config& c) {
  server_options o;
  if (char host[256] = {}; ::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') o.hostname = host;
  o.limits.message_size_bytes = c.limits.message_size_bytes;
  o.limits.recipients_per_message = c.limits.recipients_per_message;
  o.command_line_bytes = c.limits.command_line_bytes;
  o.connections = c.limits.connections;
  o.connections_per_client = c.limits.connections_per_client;
  o.idle_timeout = std::chrono::seconds(c.limits.idle_timeout_seconds);
  o.data_timeout = std::chrono::seconds(c.limits.data_timeout_seconds);
  o.limits.errors_per_session = c.limits.errors_per_session;
  o.limits.junk_commands_per_session = c.limits.junk_commands_per_session;
  o.bounce_domains = c.domains.bounce;
  o.tls_certificate = c.tls.certificate;
  o.tls_key = c.tls.key;
  return o;
}

// The shipped rules plus the config's rules file.
std::variant<std::shared_ptr<const rulebook>, std::string> load_rules(const config& c) {
  std::vector<std::string> files;
  if (!c.rules.file.empty()) files.push_back(c.rules.file);
  auto compiled = load_rulebook(files);
  if (auto* e = std::get_if<std::string>(&compiled)) return *e;
  return std::make_shared<const rulebook>(std::move(std::get<rulebook>(compiled)));
}

}  // namespace

int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::optional<std::string> db_path, lmtp, smtp, http, config_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::optional<std::string>* into = a == "--db" ? &db_path : a == "--lmtp" ? &lmtp : a == "--smtp" ? &smtp
                                     : a == "--http" ? &http : a == "--config" ? &config_path : nullptr;
    if (a == "-h" || a == "--help") {
      out << usage;
      return 0;
    }
    if (into == nullptr) {
      err << "bounced serve: unknown argument " << a << "\n" << usage;
      return 2;
    }
    if (i + 1 >= args.size()) {
      err << "bounced serve: " << a << " needs a value\n" << usage;
      return 2;
    }
    *into = args[++i];
  }
  if (!config_path) config_path = default_config_path();
  config cfg;
  if (config_path) {
    auto loaded = load_config(*config_path);
    if (auto* e = std::get_if<config_error>(&loaded)) {
      err << "bounced serve: " << e->to_string() << "\n";
      return 2;
    }
    cfg = std::get<config>(std::move(loaded));
  }
  // The command line overrides the file; an empty ADDR turns a listener off.
  for (auto [given, slot] : {std::pair{&lmtp, &cfg.listen.lmtp}, std::pair{&smtp, &cfg.listen.smtp}, std::pair{&http, &cfg.listen.http}}) {
    if (!*given) continue;
    if ((*given)->empty()) {
      slot->reset();
      continue;
    }
    auto parsed = parse_listen_address(**given);
    if (auto* e = std::get_if<address_error>(&parsed)) {
      err << "bounced serve: " << **given << ": " << e->message << "\n" << usage;
      return 2;
    }
    *slot = std::get<listen_address>(parsed);
  }
  set_log_level(cfg.log.level);
  const std::string database = db_path ? *db_path : cfg.database_path();
  std::vector<listen_spec> listeners;
  if (cfg.listen.lmtp) listeners.push_back(to_spec(*cfg.listen.lmtp, mail_protocol::lmtp));
  if (cfg.listen.smtp) listeners.push_back(to_spec(*cfg.listen.smtp, mail_protocol::smtp));

  auto loaded_rules = load_rules(cfg);
  if (auto* e = std::get_if<std::string>(&loaded_rules)) {
    err << "bounced serve: " << *e << "\n";
    return 2;
  }
  auto rules = std::get<std::shared_ptr<const rulebook>>(loaded_rules);

  std::unique_ptr<storage::writer> writer;
  try {
    storage::open_options store_options;
    store_options.soft_bounce_limit = static_cast<int>(cfg.suppression.soft_bounce_limit);
    store_options.load = storage::workload::serve;
    writer = std::make_unique<storage::writer>(storage::open_store(database, store_options));
  } catch (const std::exception& e) {
    err << "bounced serve: " << e.what() << "\n";
    return 1;
  }
  int status = 0;
  {
    metrics counts;
    ingest pipeline(*writer, rules, cfg.correlation, std::clamp(std::thread::hardware_concurrency(), 1U, 8U), &counts);
    // A listener's message into the pipeline, and the pipeline's answer back to the session.
    server srv(server_settings(cfg), [&pipeline](delivery d, std::function<void(delivery_result)> done) {
      storage::message_in in;
      in.raw = std::move(d.data);
      in.via = d.protocol == mail_protocol::lmtp ? storage::channel::lmtp : storage::channel::smtp;
      in.client = std::move(d.client);
      in.envelope_sender = std::move(d.env.sender);
      in.envelope_recipients = std::move(d.env.recipients);
      pipeline.submit(std::move(in), [done = std::move(done)](stored_answer a) {
        done({a.stored, a.queue_id, a.records, a.error});
      });
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
    std::unique_ptr<http_server> web;
    if (cfg.listen.http) {
      esp_settings esp;
      esp.mailkit_clients = cfg.api.mailkit_clients;
      esp.oempro_networks = cfg.api.oempro_networks;
      esp.message_size_bytes = cfg.limits.message_size_bytes;
      esp.sink = [&pipeline](storage::message_in message, std::function<void(stored_answer)> done) {
        pipeline.submit(std::move(message), std::move(done));
      };
      auto api = std::make_shared<const http_api>(cfg.api.keys, std::make_shared<record_source>(database),
                                                  [&counts, &srv] { return counts.render(srv.sessions()); }, std::move(esp),
                                                  [&writer] { return writer->failing(); });
      http_server_options web_options;
      // Room for a message of the size limit escaped as a form (%XX: 3 bytes a byte) or in JSON
      // (\u00XX for control bytes is 6, but bounces are text; \r\n is 4 for 2): Oempro's route
      // checks the message itself against the limit once decoded.
      web_options.body_limit = params::http_escape_factor * cfg.limits.message_size_bytes + params::http_form_overhead_bytes;
      web_options.idle_timeout = std::min(std::chrono::seconds(cfg.limits.idle_timeout_seconds), params::http_idle_timeout);
      web = std::make_unique<http_server>(web_options, api);
      try {
        if (cfg.listen.http->type == listen_address::kind::unix_socket) {
          web->listen_unix(cfg.listen.http->path);
          log(log_level::info, fmt::format("listening: http unix:{}", cfg.listen.http->path));
        } else {
          const std::uint16_t port = web->listen(cfg.listen.http->host, cfg.listen.http->port);
          log(log_level::info, fmt::format("listening: http {}:{}", cfg.listen.http->host, port));
        }
      } catch (const std::exception& e) {
        err << "bounced serve: " << e.what() << "\n";
        writer->stop();
        return 1;
      }
      if (cfg.api.keys.empty())
        log(log_level::info, "api: no key configured: HTTP /v1 and Inxmail's routes serve loopback clients only");
      if (cfg.api.mailkit_clients.empty())
        log(log_level::info, "api: no Mailkit client configured: /json.fcgi and /rpc.fcgi serve loopback clients only");
      web->start();
    }
    log(log_level::info, fmt::format("database {}", database));
    retention_task retention(database, cfg.storage.retention_days);
    // SIGHUP: the rules and the log level come from the file again; listeners, limits and the
    // database need a restart.
    srv.on_reload([&pipeline, config_path] {
      if (!config_path) return;
      auto again = load_config(*config_path);
      if (auto* e = std::get_if<config_error>(&again)) {
        log(log_level::error, fmt::format("reload: {}; keeping the running config", e->to_string()));
        return;
      }
      const config& fresh = std::get<config>(again);
      auto fresh_rules = load_rules(fresh);
      if (auto* e = std::get_if<std::string>(&fresh_rules)) {
        log(log_level::error, fmt::format("reload: {}; keeping the running rules", *e));
        return;
      }
      pipeline.set_rules(std::get<std::shared_ptr<const rulebook>>(fresh_rules));
      set_log_level(fresh.log.level);
      log(log_level::info, fmt::format("reloaded {}", *config_path));
    });
    srv.on_state([&web](bool running) {
      sd_notify(running ? "READY=1" : "STOPPING=1");
      if (!running && web) web->stop();  // exports end with the drain; nothing they do needs finishing
    });
    if (const auto interval = watchdog_interval()) srv.every(*interval / 2, [] { sd_notify("WATCHDOG=1"); });
    srv.run();
    if (web) web->stop();
  }
  writer->stop();
  log(log_level::info, "stopped");
  return status;
}

}  // namespace bounced::daemon
