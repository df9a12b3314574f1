// The configuration: one TOML file, every setting with its default here (as Postfix keeps its
// DEF_ values in mail_params.h), so bounced runs with no file at all. samples/bounced.toml
// documents each setting at its default; a test keeps the two equal.
//
// Loading is strict: an unknown section or key, a wrong type or an out-of-range value is an error
// naming file, line and column (a typo must never be silently ignored). The file is trusted to
// the extent that its owner runs the daemon; it is still only read through toml++'s parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/params.hpp"
#include "daemon/pipeline/correlate.hpp"
#include "daemon/log.hpp"
#include "daemon/net/network.hpp"

namespace bounced::daemon {

// Where a listener listens: `host:port`, `[v6]:port` or `unix:/path`.
struct listen_address {
  enum class kind { tcp, unix_socket };
  kind type = kind::tcp;
  std::string host;        // tcp: a host name, IPv4 or IPv6 address (without brackets)
  std::uint16_t port = 0;  // tcp: 1..65535
  std::string path;        // unix_socket: an absolute path
  std::string to_string() const;  // as it would be written in the file
  friend bool operator==(const listen_address&, const listen_address&) = default;
};

struct address_error {
  std::string message;
};

// Parses an address from the file or the command line (--lmtp ADDR ...). "" is an error here:
// callers that allow "off" check for it first.
std::variant<listen_address, address_error> parse_listen_address(std::string_view text);


// Loopback: 127.0.0.0/8 and ::1.
std::vector<ip_network> default_oempro_networks();

// An API client's credentials: Basic id:secret, or Bearer secret.
struct api_key {
  std::string id;
  std::string secret;
  friend bool operator==(const api_key&, const api_key&) = default;
};

struct config {
  struct storage_section {
    std::string database;                // "" = default_database_path()
    std::uint32_t retention_days = params::retention_days;  // 0 = keep forever
    friend bool operator==(const storage_section&, const storage_section&) = default;
  } storage;

  struct listen_section {
    // nullopt = off (written "" in the file).
    std::optional<listen_address> lmtp =
        listen_address{listen_address::kind::tcp, params::default_listen_host, params::default_lmtp_port, {}};
    std::optional<listen_address> smtp;
    std::optional<listen_address> http =
        listen_address{listen_address::kind::tcp, params::default_listen_host, params::default_http_port, {}};
    friend bool operator==(const listen_section&, const listen_section&) = default;
  } listen;

  // The defaults are params.hpp's (Postfix's, where Postfix has the limit).
  struct limits_section {
    std::size_t message_size_bytes = params::message_size_bytes;
    std::size_t command_line_bytes = params::command_line_bytes;
    std::size_t recipients_per_message = params::recipients_per_message;
    std::size_t connections = params::connections;
    std::size_t connections_per_client = params::connections_per_client;
    std::uint32_t idle_timeout_seconds = static_cast<std::uint32_t>(params::idle_timeout.count());
    std::uint32_t data_timeout_seconds = static_cast<std::uint32_t>(params::data_timeout.count());
    std::size_t errors_per_session = params::errors_per_session;
    std::size_t junk_commands_per_session = params::junk_commands_per_session;
    friend bool operator==(const limits_section&, const limits_section&) = default;
  } limits;

  struct tls_section {
    std::string certificate;  // PEM file; both empty = no STARTTLS
    std::string key;
    friend bool operator==(const tls_section&, const tls_section&) = default;
  } tls;

  struct domains_section {
    std::vector<std::string> bounce;  // lower case, no trailing dot; empty = all on a loopback listener
    friend bool operator==(const domains_section&, const domains_section&) = default;
  } domains;

  struct rules_section {
    std::string file;  // a user rules file, as `bounced parse --rules`; "" = shipped rules only
    friend bool operator==(const rules_section&, const rules_section&) = default;
  } rules;

  struct suppression_section {
    std::uint32_t soft_bounce_limit = params::soft_bounce_limit;  // soft bounces of different messages in a row
    friend bool operator==(const suppression_section&, const suppression_section&) = default;
  } suppression;

  using correlation_section = correlation_settings;  // correlate.hpp
  correlation_section correlation;

  struct api_section {
    std::vector<api_key> keys;  // written "id:secret"; none = loopback clients only (/v1, Inxmail)
    // Mailkit's client_id and client_md5 (seeds/001), written "id:md5"; none = loopback only.
    std::vector<api_key> mailkit_clients;
    // Who may call Oempro's /api.php, which takes no credentials (seeds/000).
    std::vector<ip_network> oempro_networks = default_oempro_networks();
    friend bool operator==(const api_section&, const api_section&) = default;
  } api;

  struct log_section {
    log_level level = log_level::info;
    friend bool operator==(const log_section&, const log_section&) = default;
  } log;

  // storage.database, or default_database_path() where it is empty.
  std::string database_path() const;

  friend bool operator==(const config&, const config&) = default;
};

// Where loading failed. line and column are 1-based; both 0 when the file as a whole failed
// (it could not be read).
struct config_error {
  std::string file;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;
  std::string to_string() const;  // FILE:LINE:COLUMN: message (FILE: message without a position)
};

// Reads and checks one file. Keys that are absent keep their defaults.
std::variant<config, config_error> load_config(const std::string& path);
// The same for TOML text already in memory; `name` is used in errors.
std::variant<config, config_error> parse_config(std::string_view text, const std::string& name);

// The package's state directory (the unit's StateDirectory=bounced).
inline constexpr const char* installed_state_directory = "/var/lib/bounced";
// $STATE_DIRECTORY/bounced.db when systemd sets STATE_DIRECTORY (its first entry); else
// /var/lib/bounced/bounced.db where that directory exists (bounced installed as a service: the
// commands run by hand find its database); else ./bounced.db.
std::string default_database_path();
// /etc/bounced/bounced.toml where it exists.
std::optional<std::string> default_config_path();

// Every "section.key" the file may hold (correlation.headers.* included), for docs and tests.
const std::vector<std::string>& config_keys();

}  // namespace bounced::daemon
