// See command_setup.hpp.
#include "daemon/cli/command_setup.hpp"

#include <ostream>
#include <variant>
#include <vector>

namespace bounced::daemon {

std::optional<int> read_command_options(const std::vector<std::string>& args, std::string_view command,
                                        std::string_view usage,
                                        const std::vector<std::pair<std::string_view, std::string*>>& valued,
                                        std::vector<std::string>& positional, std::ostream& out, std::ostream& err) {
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string* value = nullptr;
    if (!options_done)
      for (const auto& [name, into] : valued)
        if (a == name) value = into;
    if (value) {
      if (i + 1 >= args.size()) {
        err << "bounced " << command << ": " << a << " needs a value\n" << usage;
        return 2;
      }
      *value = args[++i];
    } else if (!options_done && a == "--") {
      options_done = true;
    } else if (!options_done && (a == "-h" || a == "--help")) {
      out << usage;
      return 0;
    } else if (!options_done && a.size() > 1 && a[0] == '-') {
      err << "bounced " << command << ": unknown option " << a << "\n" << usage;
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  return std::nullopt;
}

std::optional<config> load_command_config(std::string path, std::string_view command, std::ostream& err) {
  if (path.empty()) path = default_config_path().value_or("");
  if (path.empty()) return config{};
  auto loaded = load_config(path);
  if (auto* e = std::get_if<config_error>(&loaded)) {
    err << "bounced " << command << ": " << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<config>(std::move(loaded));
}

std::optional<rulebook> load_command_rules(const config& cfg, std::string_view command, std::ostream& err) {
  std::vector<std::string> files;
  if (!cfg.rules.file.empty()) files.push_back(cfg.rules.file);
  auto compiled = load_rulebook(files);
  if (auto* e = std::get_if<std::string>(&compiled)) {
    err << "bounced " << command << ": " << *e << "\n";
    return std::nullopt;
  }
  return std::get<rulebook>(std::move(compiled));
}

}  // namespace bounced::daemon
