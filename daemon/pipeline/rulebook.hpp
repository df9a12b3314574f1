// The rules a user's rules files give bounced, compiled once from the same files: the
// classifier's [[rule]]s (classifier/classify.hpp) and the parser's [phrases], [phrase_regex] and
// [[decoder]]s (parser/rules.hpp), each on top of the shipped ones. `bounced parse --rules`,
// `reprocess --rules`, `[rules] file` in the config and a SIGHUP reload all read them so.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "classifier/classify.hpp"
#include "parser/rules.hpp"

namespace bounced::daemon {

struct rulebook {
  parser::decoding_rules decoding;
  classifier::rule_set classifying;
};

// One rules file's name (for errors) and TOML text.
struct rules_text {
  std::string name;
  std::string text;
};

// Compiles rules files' texts on top of the shipped rules. The error names the file, its line
// and what is wrong.
std::variant<rulebook, std::string> compile_rulebook(const std::vector<rules_text>& files);
// Reads and compiles files (none: the shipped rules alone).
std::variant<rulebook, std::string> load_rulebook(const std::vector<std::string>& files);

}  // namespace bounced::daemon
