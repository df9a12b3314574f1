// See command_setup.hpp.
#include "daemon/command_setup.hpp"

#include <ostream>
#include <variant>
#include <vector>

namespace bounced::daemon {

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

std::optional<classifier::rule_set> load_command_rules(const config& cfg, std::string_view command, std::ostream& err) {
  std::vector<std::string> files;
  if (!cfg.rules.file.empty()) files.push_back(cfg.rules.file);
  auto compiled = classifier::rule_set::load(files);
  if (auto* e = std::get_if<classifier::rule_error>(&compiled)) {
    err << "bounced " << command << ": " << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<classifier::rule_set>(std::move(compiled));
}

}  // namespace bounced::daemon
