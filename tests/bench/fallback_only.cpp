// The fallback decoder alone, every format decoder left out, over a folder of messages: prints
// the records as `bounced parse --format jsonl` does, so ../shared/tools/corpus-score can say how
// well the fallback reads formats it was not written for (the shared corpus holds some sixty).
// Usage: fallback_only DIR > out.jsonl
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>
#include <vector>

#include <boost/json/serialize.hpp>

#include "daemon/pipeline/record.hpp"
#include "parser/decode.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fallback_only DIR\n";
    return 2;
  }
  auto compiled = bounced::classifier::rule_set::compile({});
  if (!std::holds_alternative<bounced::classifier::rule_set>(compiled)) return 1;
  const auto& rules = std::get<bounced::classifier::rule_set>(compiled);
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(argv[1]))
    if (e.is_regular_file() && e.path().extension() == ".eml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  bounced::parser::decode_options options;
  options.fallback_only = true;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto report = bounced::parser::decode(ss.str(), bounced::parser::decoding_rules::shipped(), options);
    for (const auto& r : bounced::daemon::make_records(report, rules, path.string()))
      std::cout << boost::json::serialize(bounced::daemon::to_json(r)) << '\n';
  }
  return 0;
}
