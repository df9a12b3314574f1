// The sample-driven test: every samples/mail/NAME.eml is decoded and classified, and each record
// is compared with the line of NAME.expected.jsonl at its position (only the fields written
// there). An empty expected file means "no record". Needs nothing outside the repository.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include "daemon/pipeline/record.hpp"
#include "parser/decode.hpp"

namespace fs = std::filesystem;
using namespace bounced;

TEST_CASE("every sample decodes to its expected records", "[samples]") {
  auto compiled = classifier::rule_set::compile({});
  REQUIRE(std::holds_alternative<classifier::rule_set>(compiled));
  const auto& rules = std::get<classifier::rule_set>(compiled);
  std::vector<fs::path> mails;
  for (const auto& e : fs::directory_iterator(fs::path(BOUNCED_SOURCE_DIR) / "samples" / "mail"))
    if (e.path().extension() == ".eml") mails.push_back(e.path());
  std::sort(mails.begin(), mails.end());
  REQUIRE(mails.size() >= 6);
  for (const auto& path : mails) {
    fs::path expected_path = path;
    expected_path.replace_extension(".expected.jsonl");
    INFO("sample " << path.filename().string());
    REQUIRE(fs::exists(expected_path));
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto records = daemon::make_records(parser::decode(ss.str()), rules, path.string());
    std::ifstream expected_in(expected_path);
    std::vector<boost::json::object> expected;
    for (std::string line; std::getline(expected_in, line);)
      if (!line.empty()) expected.push_back(boost::json::parse(line).as_object());
    REQUIRE(records.size() == expected.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      const boost::json::object got = daemon::to_json(records[i]);
      for (const auto& [key, want] : expected[i]) {
        INFO("record " << i << " field " << std::string(key));
        REQUIRE(got.contains(key));
        CHECK(boost::json::serialize(got.at(key)) == boost::json::serialize(want));
      }
    }
  }
}
