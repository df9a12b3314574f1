// In-process decode + classify throughput: reads one mbox (or file), splits it into messages,
// then decodes and classifies every message REPEAT times and prints the median messages/s of
// the repeats. Usage: bench_decode FILE [REPEAT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>
#include <vector>

#include "daemon/cli/inputs.hpp"
#include "daemon/pipeline/record.hpp"
#include "parser/decode.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_decode FILE [REPEAT]\n";
    return 2;
  }
  const int repeat = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::string_view> messages;
  bounced::daemon::split_mbox(text, [&](std::string_view m) { messages.push_back(m); });
  auto compiled = bounced::classifier::rule_set::compile({});
  if (!std::holds_alternative<bounced::classifier::rule_set>(compiled)) return 1;
  const auto& rules = std::get<bounced::classifier::rule_set>(compiled);
  std::vector<double> rates;
  std::size_t records = 0;
  for (int r = 0; r < repeat; ++r) {
    records = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::string_view m : messages) records += bounced::daemon::make_records(bounced::parser::decode(m), rules, "bench").size();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    rates.push_back(static_cast<double>(messages.size()) / took.count());
  }
  std::sort(rates.begin(), rates.end());
  std::printf("messages %zu records %zu repeats %d median %.0f messages/s (min %.0f max %.0f)\n", messages.size(), records,
              repeat, rates[rates.size() / 2], rates.front(), rates.back());
  return 0;
}
