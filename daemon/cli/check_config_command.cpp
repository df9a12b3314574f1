// See check_config_command.hpp. Without --config the command checks the file the daemon would
// read (/etc/bounced/bounced.toml where it exists); with none there, the defaults are in force,
// which is valid. The rules file a config names is compiled too, as the daemon would at start.
#include "daemon/cli/check_config_command.hpp"

#include <optional>
#include <ostream>
#include <variant>

#include "daemon/pipeline/rulebook.hpp"
#include "daemon/config.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* usage = "usage: bounced check-config [--config FILE]\n";

}  // namespace

int run_check_config(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::optional<std::string> path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--config" || a == "-c") && i + 1 < args.size() && !path) {
      path = args[++i];
    } else if (a.starts_with("--config=") && !path) {
      path = a.substr(9);
    } else {
      err << "bounced check-config: unexpected argument " << a << "\n" << usage;
      return 2;
    }
  }
  if (path && path->empty()) {
    err << "bounced check-config: --config needs a file\n" << usage;
    return 2;
  }
  if (!path) path = default_config_path();
  if (!path) {
    out << "(no config file, defaults): ok\n";
    return 0;
  }
  const auto loaded = load_config(*path);
  if (const auto* e = std::get_if<config_error>(&loaded)) {
    err << e->to_string() << "\n";
    return 1;
  }
  if (const auto& rules = std::get<config>(loaded).rules.file; !rules.empty()) {
    const auto compiled = load_rulebook({rules});
    if (const auto* e = std::get_if<std::string>(&compiled)) {
      err << *path << ": rules.file: " << *e << "\n";
      return 1;
    }
  }
  out << *path << ": ok\n";
  return 0;
}

}  // namespace bounced::daemon
