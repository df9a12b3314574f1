// See rulebook.hpp. Each file is read once; both compilers get its text.
#include "daemon/pipeline/rulebook.hpp"

#include <fstream>
#include <sstream>

namespace bounced::daemon {

std::variant<rulebook, std::string> load_rulebook(const std::vector<std::string>& files) {
  std::vector<rules_text> texts;
  for (const auto& path : files) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return path + ": cannot read the rule file";
    std::stringstream ss;
    ss << f.rdbuf();
    texts.push_back({path, ss.str()});
  }
  return compile_rulebook(texts);
}

std::variant<rulebook, std::string> compile_rulebook(const std::vector<rules_text>& files) {
  std::vector<classifier::rule_source> classifier_sources;
  std::vector<parser::rules_source> parser_sources;
  for (const auto& f : files) {
    classifier_sources.push_back({f.name, f.text});
    parser_sources.push_back({f.name, f.text});
  }
  auto classifying = classifier::rule_set::compile(classifier_sources);
  if (auto* e = std::get_if<classifier::rule_error>(&classifying)) return e->to_string();
  auto decoding = parser::decoding_rules::compile(parser_sources);
  if (auto* e = std::get_if<parser::rules_error>(&decoding)) return e->to_string();
  return rulebook{std::move(std::get<parser::decoding_rules>(decoding)), std::move(std::get<classifier::rule_set>(classifying))};
}

}  // namespace bounced::daemon
