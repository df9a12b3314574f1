#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <vector>

#include "daemon/cli/inputs.hpp"

using namespace bounced::daemon;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("bounced-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << text;
  }
  static inline int counter = 0;
};

std::vector<std::string> collect(const std::string& path, std::vector<std::string>* errors = nullptr) {
  std::vector<std::string> out;
  for_each_message(
      path, [&](std::string_view origin, std::string_view m) { out.push_back(std::string(origin) + "|" + std::string(m)); },
      [&](std::string_view origin, std::string_view what) {
        if (errors) errors->push_back(std::string(origin) + ": " + std::string(what));
      });
  return out;
}

}  // namespace

#include <unistd.h>

TEST_CASE("mbox text splits on From lines after an empty line", "[inputs]") {
  std::vector<std::string> parts;
  split_mbox("From a@b Mon Jan 1 00:00:00 2024\nSubject: 1\n\nbody\nFrom here on\n\nFrom c@d Mon Jan 1 00:00:00 2024\nSubject: 2\n\nx\n",
             [&](std::string_view m) { parts.emplace_back(m); });
  REQUIRE(parts.size() == 2);
  CHECK(parts[0] == "Subject: 1\n\nbody\nFrom here on\n\n");
  CHECK(parts[1] == "Subject: 2\n\nx\n");
  parts.clear();
  split_mbox("Subject: plain\n\nbody\n", [&](std::string_view m) { parts.emplace_back(m); });
  REQUIRE(parts.size() == 1);
}

TEST_CASE("mbox separators end with CRLF or a lone CR too", "[inputs]") {
  std::vector<std::string> parts;
  split_mbox("From a@b Mon Jan 1 00:00:00 2024\r\nSubject: 1\r\n\r\nbody\r\n",
             [&](std::string_view m) { parts.emplace_back(m); });
  REQUIRE(parts.size() == 1);
  CHECK(parts[0] == "Subject: 1\r\n\r\nbody\r\n");
  parts.clear();
  split_mbox("From a@b Mon Jan 1 00:00:00 2024\rSubject: 1\r\rbody\r\rFrom c@d Mon Jan 1 00:00:00 2024\rSubject: 2\r\rx\r",
             [&](std::string_view m) { parts.emplace_back(m); });
  REQUIRE(parts.size() == 2);
  CHECK(parts[0] == "Subject: 1\r\rbody\r\r");
  CHECK(parts[1] == "Subject: 2\r\rx\r");
}

TEST_CASE("folders give their regular files in order, not recursively", "[inputs]") {
  temp_dir d;
  d.write("b.eml", "Subject: b\n\n");
  d.write("a.eml", "Subject: a\n\n");
  d.write("sub/c.eml", "Subject: c\n\n");
  const auto got = collect(d.path.string());
  REQUIRE(got.size() == 2);
  CHECK(got[0] == (d.path / "a.eml").string() + "|Subject: a\n\n");
  CHECK(got[1] == (d.path / "b.eml").string() + "|Subject: b\n\n");
}

TEST_CASE("a maildir gives cur/ and new/", "[inputs]") {
  temp_dir d;
  d.write("cur/1", "Subject: cur\n\n");
  d.write("new/2", "Subject: new\n\n");
  fs::create_directories(d.path / "tmp");
  d.write("tmp/3", "Subject: tmp\n\n");
  const auto got = collect(d.path.string());
  REQUIRE(got.size() == 2);
  CHECK(got[0].find("Subject: cur") != std::string::npos);
  CHECK(got[1].find("Subject: new") != std::string::npos);
}

TEST_CASE("a path that cannot be read is reported", "[inputs]") {
  std::vector<std::string> errors;
  CHECK(collect("/nonexistent/bounce.eml", &errors).empty());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("/nonexistent/bounce.eml") == 0);
}
