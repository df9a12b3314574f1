// See config.hpp. The file is parsed by toml++, then walked section by section: each section
// lists its keys, and a key no section claims is an error. The earliest error in the file (by
// line, then column) is the one reported, so fixing errors top to bottom works.
#include "daemon/config.hpp"
#include "util/text.hpp"

#include <sys/stat.h>


#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace bounced::daemon {

namespace {

// sockaddr_un.sun_path holds 108 bytes on Linux, with the terminating NUL.
constexpr std::size_t max_unix_path_bytes = 107;
// RFC 5321 4.5.3.1.4: a server must take command lines of 512 octets.
constexpr std::int64_t min_command_line_bytes = 512;
constexpr std::int64_t max_retention_days = 36500;
constexpr const char* system_config_path = "/etc/bounced/bounced.toml";

bool is_alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// A host name or IPv4 address: letters, digits, `-`, `.` (and `_`, which some internal names use).
bool is_host_name(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; });
}

// An IPv6 address as written inside brackets, with an optional %zone.
bool is_ipv6_text(std::string_view s) noexcept {
  const auto zone = s.find('%');
  const auto addr = s.substr(0, zone);
  if (addr.find(':') == std::string_view::npos) return false;
  if (!std::all_of(addr.begin(), addr.end(), [](char c) {
        return (c >= '0' && c <= '9') || (util::ascii_lower(c) >= 'a' && util::ascii_lower(c) <= 'f') || c == ':' || c == '.';
      }))
    return false;
  if (zone == std::string_view::npos) return true;
  const auto z = s.substr(zone + 1);
  return !z.empty() && std::all_of(z.begin(), z.end(), [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// RFC 1035 2.3.4 / RFC 5321 4.5.3.1.2: labels of 1..63 letters, digits and `-`, 255 octets in all.
bool is_domain_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-') return false;
      label = 0;
    } else if (is_alnum(s[i]) || s[i] == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

// RFC 5322 3.6.8: a field name is printable US-ASCII except `:`.
bool is_header_name(std::string_view s) noexcept {
  return !s.empty() && s.size() <= 76 && std::all_of(s.begin(), s.end(), [](char c) { return c > 32 && c < 127 && c != ':'; });
}

// Collects errors while the file is walked; the earliest one wins.
class walker {
 public:
  explicit walker(std::string file) : file_(std::move(file)) {}

  void fail(const toml::source_region& where, std::string message) {
    config_error e{file_, where.begin.line, where.begin.column, std::move(message)};
    if (!error_ || std::pair(e.line, e.column) < std::pair(error_->line, error_->column)) error_ = std::move(e);
  }
  const std::optional<config_error>& error() const { return error_; }

  // Every key of `table` must be one of `known`; `where` names the table in messages.
  void only(const toml::table& table, std::initializer_list<std::string_view> known, std::string_view where) {
    for (const auto& [key, value] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        fail(key.source(), "unknown key '" + std::string(key.str()) + "' in [" + std::string(where) + "]");
    }
  }

  // A section: absent is fine, present must be a table.
  const toml::table* section(const toml::table& root, std::string_view name) {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    if (!n->is_table()) {
      fail(n->source(), std::string(name) + " must be a section ([" + std::string(name) + "])");
      return nullptr;
    }
    return n->as_table();
  }

  void string(const toml::table& t, std::string_view section, std::string_view key, std::string& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (auto s = n->value<std::string>()) out = *s;
    else fail(n->source(), name(section, key) + " must be a string");
  }

  // An integer within [min, max], stored in T.
  template <typename T>
  void integer(const toml::table& t, std::string_view section, std::string_view key, std::int64_t min, T& out,
               std::int64_t max = static_cast<std::int64_t>(std::min<std::uint64_t>(std::numeric_limits<T>::max(),
                                                                                     std::numeric_limits<std::int64_t>::max()))) {
    const toml::node* n = t.get(key);
    if (!n) return;
    const auto* i = n->as_integer();
    if (!i) {
      fail(n->source(), name(section, key) + " must be an integer");
      return;
    }
    const std::int64_t v = i->get();
    if (v < min || v > max) {
      fail(n->source(), name(section, key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
      return;
    }
    out = static_cast<T>(v);
  }

  // An array of strings; each element is checked by `check` (returns an error message or "").
  template <typename Check>
  bool strings(const toml::table& t, std::string_view section, std::string_view key, std::vector<std::string>& out,
               Check check) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    const toml::array* a = n->as_array();
    if (!a) {
      fail(n->source(), name(section, key) + " must be an array of strings");
      return false;
    }
    std::vector<std::string> values;
    for (const auto& el : *a) {
      auto s = el.value<std::string>();
      if (!s) {
        fail(el.source(), name(section, key) + " must hold strings only");
        continue;
      }
      if (std::string why = check(*s); !why.empty()) fail(el.source(), name(section, key) + ": " + why);
      values.push_back(std::move(*s));
    }
    out = std::move(values);
    return true;
  }

  void address(const toml::table& t, std::string_view key, std::optional<listen_address>& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    auto s = n->value<std::string>();
    if (!s) {
      fail(n->source(), name("listen", key) + " must be a string (\"\" = off)");
      return;
    }
    if (s->empty()) {
      out.reset();
      return;
    }
    auto parsed = parse_listen_address(*s);
    if (auto* e = std::get_if<address_error>(&parsed)) fail(n->source(), name("listen", key) + ": " + e->message);
    else out = std::get<listen_address>(std::move(parsed));
  }

 private:
  static std::string name(std::string_view section, std::string_view key) {
    return std::string(section) + "." + std::string(key);
  }

  std::string file_;
  std::optional<config_error> error_;
};

void read_correlation(walker& w, const toml::table& t, config::correlation_section& out) {
  w.only(t, {"verp", "headers"}, "correlation");
  if (const toml::node* n = t.get("verp")) {
    if (const toml::array* a = n->as_array()) {
      for (const auto& el : *a) {
        auto s = el.value<std::string>();
        if (!s) {
          w.fail(el.source(), "correlation.verp must hold strings only");
          continue;
        }
        auto compiled = verp_template::compile(*s);
        if (auto* e = std::get_if<verp_error>(&compiled))
          w.fail(el.source(), "correlation.verp template \"" + *s + "\": " + e->message);
        else
          out.verp.push_back(std::get<verp_template>(std::move(compiled)));
      }
    } else {
      w.fail(n->source(), "correlation.verp must be an array of strings");
    }
  }
  const toml::table* h = w.section(t, "headers");
  if (!h) return;
  w.only(*h, {"campaign_id", "send_id", "email_id", "list_id", "send_message_id", "source_system", "transaction_id"},
         "correlation.headers");
  const auto check = [](const std::string& s) -> std::string { return is_header_name(s) ? "" : "\"" + s + "\" is not a header name"; };
  auto& hs = out.headers;
  w.strings(*h, "correlation.headers", "campaign_id", hs.campaign_id, check);
  w.strings(*h, "correlation.headers", "send_id", hs.send_id, check);
  w.strings(*h, "correlation.headers", "email_id", hs.email_id, check);
  w.strings(*h, "correlation.headers", "list_id", hs.list_id, check);
  w.strings(*h, "correlation.headers", "send_message_id", hs.send_message_id, check);
  w.strings(*h, "correlation.headers", "source_system", hs.source_system, check);
  w.strings(*h, "correlation.headers", "transaction_id", hs.transaction_id, check);
}

// Walks the parsed file into a config; errors go to the walker.
config read(walker& w, const toml::table& root) {
  config c;
  w.only(root, {"storage", "listen", "limits", "tls", "domains", "rules", "suppression", "correlation", "api", "log"}, "top level");
  if (const auto* t = w.section(root, "storage")) {
    w.only(*t, {"database", "retention_days"}, "storage");
    w.string(*t, "storage", "database", c.storage.database);
    w.integer(*t, "storage", "retention_days", 0, c.storage.retention_days, max_retention_days);
  }
  if (const auto* t = w.section(root, "listen")) {
    w.only(*t, {"lmtp", "smtp", "http"}, "listen");
    w.address(*t, "lmtp", c.listen.lmtp);
    w.address(*t, "smtp", c.listen.smtp);
    w.address(*t, "http", c.listen.http);
  }
  if (const auto* t = w.section(root, "limits")) {
    w.only(*t, {"message_size_bytes", "command_line_bytes", "recipients_per_message", "connections",
                "connections_per_client", "idle_timeout_seconds", "data_timeout_seconds", "errors_per_session",
                "junk_commands_per_session"},
           "limits");
    auto& l = c.limits;
    w.integer(*t, "limits", "message_size_bytes", 1, l.message_size_bytes);
    w.integer(*t, "limits", "command_line_bytes", min_command_line_bytes, l.command_line_bytes);
    w.integer(*t, "limits", "recipients_per_message", 1, l.recipients_per_message);
    w.integer(*t, "limits", "connections", 1, l.connections);
    w.integer(*t, "limits", "connections_per_client", 1, l.connections_per_client);
    w.integer(*t, "limits", "idle_timeout_seconds", 1, l.idle_timeout_seconds);
    w.integer(*t, "limits", "data_timeout_seconds", 1, l.data_timeout_seconds);
    w.integer(*t, "limits", "errors_per_session", 1, l.errors_per_session);
    w.integer(*t, "limits", "junk_commands_per_session", 1, l.junk_commands_per_session);
    if (l.connections_per_client > l.connections)
      if (const toml::node* n = t->get("connections_per_client"))
        w.fail(n->source(), "limits.connections_per_client must not exceed limits.connections");
  }
  if (const auto* t = w.section(root, "tls")) {
    w.only(*t, {"certificate", "key"}, "tls");
    w.string(*t, "tls", "certificate", c.tls.certificate);
    w.string(*t, "tls", "key", c.tls.key);
    if (c.tls.certificate.empty() != c.tls.key.empty())
      w.fail(t->source(), "tls.certificate and tls.key go together: set both or neither");
  }
  if (const auto* t = w.section(root, "domains")) {
    w.only(*t, {"bounce"}, "domains");
    w.strings(*t, "domains", "bounce", c.domains.bounce, [](const std::string& s) -> std::string {
      std::string_view d = s;
      if (d.ends_with('.')) d.remove_suffix(1);
      return is_domain_name(d) ? "" : "\"" + s + "\" is not a domain name";
    });
    for (auto& d : c.domains.bounce) {
      if (d.ends_with('.')) d.pop_back();
      d = util::to_lower(d);
    }
  }
  if (const auto* t = w.section(root, "rules")) {
    w.only(*t, {"file"}, "rules");
    w.string(*t, "rules", "file", c.rules.file);
  }
  if (const auto* t = w.section(root, "suppression")) {
    w.only(*t, {"soft_bounce_limit"}, "suppression");
    w.integer(*t, "suppression", "soft_bounce_limit", 1, c.suppression.soft_bounce_limit, 1000);
  }
  if (const auto* t = w.section(root, "correlation")) read_correlation(w, *t, c.correlation);
  if (const auto* t = w.section(root, "api")) {
    w.only(*t, {"keys", "mailkit_clients", "oempro_networks"}, "api");
    // "id:secret" (keys) and "client_id:client_md5" (Mailkit) alike.
    const auto credentials = [](std::string_view what) {
      return [what](const std::string& s) -> std::string {
        const auto colon = s.find(':');
        if (colon == std::string::npos || colon == 0) return std::string("a ") + std::string(what) + " is written \"id:secret\"";
        for (char ch : s.substr(0, colon))
          if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
            return "an id holds letters, digits, '-', '_' and '.' only";
        const std::string secret = s.substr(colon + 1);
        if (secret.size() < 16) return "a secret has at least 16 characters";
        for (char ch : secret)
          if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) return "a secret holds no spaces or control characters";
        return "";
      };
    };
    for (auto [key, into] : {std::pair{"keys", &c.api.keys}, std::pair{"mailkit_clients", &c.api.mailkit_clients}}) {
      std::vector<std::string> written;
      w.strings(*t, "api", key, written, credentials(std::string_view(key) == "keys" ? "key" : "client"));
      for (const std::string& k : written) {
        const auto colon = k.find(':');
        if (colon != std::string::npos) into->push_back({k.substr(0, colon), k.substr(colon + 1)});
      }
    }
    std::vector<std::string> networks;
    if (t->get("oempro_networks")) {
      w.strings(*t, "api", "oempro_networks", networks, [](const std::string& s) -> std::string {
        return parse_network(s) ? "" : "\"" + s + "\" is not an address or a network (192.0.2.0/24, 2001:db8::/32)";
      });
      c.api.oempro_networks.clear();
      for (const std::string& n : networks)
        if (auto parsed = parse_network(n)) c.api.oempro_networks.push_back(*parsed);
    }
  }
  if (const auto* t = w.section(root, "log")) {
    w.only(*t, {"level"}, "log");
    if (const toml::node* n = t->get("level")) {
      const auto s = n->value<std::string>();
      if (const auto level = s ? parse_log_level(*s) : std::nullopt) c.log.level = *level;
      else w.fail(n->source(), "log.level must be one of error, warning, info, debug");
    }
  }
  return c;
}

}  // namespace

std::string listen_address::to_string() const {
  if (type == kind::unix_socket) return "unix:" + path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// unix:/path, [v6]:port or host:port; the port is decimal 0..65535 (0: any free port, which the
// daemon logs once bound; for tests and ad-hoc runs).
std::variant<listen_address, address_error> parse_listen_address(std::string_view text) {
  if (text.starts_with("unix:")) {
    const auto path = text.substr(5);
    if (!path.starts_with('/')) return address_error{"a unix socket path must be absolute (unix:/path)"};
    if (path.size() > max_unix_path_bytes) return address_error{"a unix socket path must be at most 107 bytes"};
    if (path.find('\0') != std::string_view::npos) return address_error{"a unix socket path must not hold NUL"};
    return listen_address{listen_address::kind::unix_socket, {}, 0, std::string(path)};
  }
  std::string_view host, port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return address_error{"expected [IPv6]:port"};
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!is_ipv6_text(host)) return address_error{"\"" + std::string(host) + "\" is not an IPv6 address"};
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return address_error{"expected host:port, [IPv6]:port or unix:/path"};
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return address_error{"an IPv6 address goes in brackets: [addr]:port"};
    if (!is_host_name(host)) return address_error{"\"" + std::string(host) + "\" is not a host name or address"};
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    return address_error{"the port must be a number from 0 to 65535"};
  return listen_address{listen_address::kind::tcp, std::string(host), static_cast<std::uint16_t>(value), {}};
}


std::vector<ip_network> default_oempro_networks() { return {*parse_network("127.0.0.0/8"), *parse_network("::1/128")}; }

std::string config::database_path() const { return storage.database.empty() ? default_database_path() : storage.database; }

std::string config_error::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::variant<config, config_error> parse_config(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return config_error{name, e.source().begin.line, e.source().begin.column, std::string(e.description())};
  }
  walker w(name);
  config c = read(w, root);
  if (w.error()) return *w.error();
  return c;
}

std::variant<config, config_error> load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return config_error{path, 0, 0, "is a directory"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error{path, 0, 0, "cannot be read"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

std::string default_database_path() {
  // systemd: StateDirectory= sets STATE_DIRECTORY, several directories separated by `:`.
  if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
    std::string_view first(dir);
    first = first.substr(0, first.find(':'));
    if (!first.empty()) return std::string(first) + "/bounced.db";
  }
  // Installed as a service (the package's StateDirectory): the commands an operator runs by hand
  // find the daemon's database without being told.
  if (struct stat st {}; ::stat(installed_state_directory, &st) == 0 && S_ISDIR(st.st_mode))
    return std::string(installed_state_directory) + "/bounced.db";
  return "./bounced.db";
}

std::optional<std::string> default_config_path() {
  std::error_code ec;
  if (std::filesystem::is_regular_file(system_config_path, ec)) return std::string(system_config_path);
  return std::nullopt;
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys{
      "storage.database", "storage.retention_days",
      "listen.lmtp", "listen.smtp", "listen.http",
      "limits.message_size_bytes", "limits.command_line_bytes", "limits.recipients_per_message",
      "limits.connections", "limits.connections_per_client", "limits.idle_timeout_seconds",
      "limits.data_timeout_seconds",
      "limits.errors_per_session",
      "limits.junk_commands_per_session",
      "tls.certificate", "tls.key",
      "domains.bounce",
      "rules.file",
      "suppression.soft_bounce_limit",
      "correlation.verp",
      "correlation.headers.campaign_id", "correlation.headers.send_id", "correlation.headers.email_id",
      "correlation.headers.list_id", "correlation.headers.send_message_id", "correlation.headers.source_system",
      "correlation.headers.transaction_id",
      "api.keys", "api.mailkit_clients", "api.oempro_networks",
      "log.level"};
  return keys;
}

}  // namespace bounced::daemon
