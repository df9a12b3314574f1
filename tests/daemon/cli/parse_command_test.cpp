#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <sstream>

#include "daemon/cli/parse_command.hpp"

using namespace bounced::daemon;

namespace {

const std::string samples = std::string(BOUNCED_SOURCE_DIR) + "/samples/mail";

std::vector<boost::json::object> lines_of(const std::string& text) {
  std::vector<boost::json::object> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
  return out;
}

}  // namespace

TEST_CASE("parse prints one JSON line per recipient and nothing for non-bounces", "[parse]") {
  std::ostringstream out, err;
  REQUIRE(run_parse({samples + "/rfc3464-userunknown.eml", samples + "/not-a-bounce.eml"}, out, err) == 0);
  const auto records = lines_of(out.str());
  REQUIRE(records.size() == 1);
  CHECK(records[0].at("recipient").as_string() == "nobody@dest.bounced.test");
  CHECK(records[0].at("origin").as_string() == samples + "/rfc3464-userunknown.eml");
  for (const char* field : {"deliverystatus", "replycode", "reason", "hardbounce", "action", "rhost", "lhost",
                            "diagnosticcode", "diagnostictype", "command", "decodedby", "feedbacktype", "messageid",
                            "addresser", "subject", "listid", "timestamp", "timezoneoffset", "bouncetype",
                            "category", "rule"})
    CHECK(records[0].contains(field));
}

TEST_CASE("with all, parse says what a message was and why it was not decoded", "[parse]") {
  std::ostringstream out, err;
  REQUIRE(run_parse({"--all", samples + "/not-a-bounce.eml"}, out, err) == 0);
  const auto records = lines_of(out.str());
  REQUIRE(records.size() == 1);
  CHECK(records[0].at("kind").as_string() == "none");
  CHECK_FALSE(records[0].at("why").as_string().empty());
}

TEST_CASE("format json prints one array", "[parse]") {
  std::ostringstream out, err;
  REQUIRE(run_parse({"--format", "json", samples + "/rfc3464-userunknown.eml"}, out, err) == 0);
  const auto v = boost::json::parse(out.str());
  REQUIRE(v.is_array());
  CHECK(v.as_array().size() == 1);
}

TEST_CASE("an unreadable path is an error after the other paths are done", "[parse]") {
  std::ostringstream out, err;
  CHECK(run_parse({"/nonexistent.eml", samples + "/rfc3464-userunknown.eml"}, out, err) == 1);
  CHECK(lines_of(out.str()).size() == 1);
  CHECK(err.str().find("/nonexistent.eml") != std::string::npos);
}

TEST_CASE("usage errors and bad rule files exit 2", "[parse]") {
  std::ostringstream out, err;
  CHECK(run_parse({}, out, err) == 2);
  CHECK(run_parse({"--format", "xml", "x"}, out, err) == 2);
  CHECK(run_parse({"--rules", "/nonexistent.toml", samples}, out, err) == 2);
  CHECK(err.str().find("/nonexistent.toml") != std::string::npos);
}

TEST_CASE("decoding on several threads prints the same records in the same order", "[parse]") {
  std::ostringstream one, many, err;
  REQUIRE(run_parse({"--jobs", "1", "--all", samples, samples}, one, err) == 0);
  REQUIRE(run_parse({"--jobs=4", "--all", samples, samples}, many, err) == 0);
  CHECK(lines_of(one.str()).size() >= 12);
  CHECK(one.str() == many.str());
  CHECK(run_parse({"--jobs", "0", samples}, one, err) == 2);
  CHECK(run_parse({"--jobs", "x", samples}, one, err) == 2);
}
