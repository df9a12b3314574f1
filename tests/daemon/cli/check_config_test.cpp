// Runs the real `bounced check-config` binary on good and bad files and checks exit status and output.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct result {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs `bounced ARGS` through the shell; arguments are single-quoted (test paths hold no quotes).
result run_bounced(const std::string& args) {
  const std::string command = std::string("'") + BOUNCED_EXE + "' " + args + " 2>&1";
  result r;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) r.output.append(buffer, n);
  const int raw = ::pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

struct temp_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("bounced-check-config-" + std::to_string(::getpid()));
  temp_dir() { std::filesystem::create_directories(path); }
  ~temp_dir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

}  // namespace

TEST_CASE("check-config: the sample is ok", "[check-config]") {
  const std::string sample = std::string(BOUNCED_SOURCE_DIR) + "/samples/bounced.toml";
  const auto r = run_bounced("check-config --config '" + sample + "'");
  CHECK(r.status == 0);
  CHECK(r.output == sample + ": ok\n");
}

TEST_CASE("check-config: a bad file names its line and column, exit 1", "[check-config]") {
  const temp_dir dir;
  const auto bad = dir.write("bad.toml", "[listen]\nlmtp = \"127.0.0.1:2424\"\n\n[limits]\n  conections = 3\n");
  auto r = run_bounced("check-config --config '" + bad + "'");
  CHECK(r.status == 1);
  CHECK(r.output == bad + ":5:3: unknown key 'conections' in [limits]\n");

  const auto syntax = dir.write("syntax.toml", "[log]\nlevel = info\n");
  r = run_bounced("check-config --config=" + syntax);
  CHECK(r.status == 1);
  CHECK(r.output.starts_with(syntax + ":2:"));

  r = run_bounced("check-config --config '" + (dir.path / "absent.toml").string() + "'");
  CHECK(r.status == 1);
  CHECK(r.output.find("cannot be read") != std::string::npos);

  const auto good = dir.write("good.toml", "[listen]\nsmtp = \"[::]:25\"\n[domains]\nbounce = [\"b.example\"]\n");
  r = run_bounced("check-config --config '" + good + "'");
  CHECK(r.status == 0);
  CHECK(r.output == good + ": ok\n");
}

TEST_CASE("check-config: the rules file a config names must compile", "[check-config]") {
  const temp_dir dir;
  const auto rules = dir.write("rules.toml", "this is = = not toml\n");
  const auto conf = dir.write("c.toml", "[rules]\nfile = \"" + rules + "\"\n");
  auto r = run_bounced("check-config --config '" + conf + "'");
  CHECK(r.status == 1);
  CHECK(r.output.starts_with(conf + ": rules.file: " + rules + ":1"));

  const auto missing = dir.write("m.toml", "[rules]\nfile = \"" + (dir.path / "absent.toml").string() + "\"\n");
  r = run_bounced("check-config --config '" + missing + "'");
  CHECK(r.status == 1);
  CHECK(r.output.find("cannot read the rule file") != std::string::npos);
}

TEST_CASE("check-config: usage errors exit 2", "[check-config]") {
  CHECK(run_bounced("check-config --config").status == 2);
  CHECK(run_bounced("check-config --bogus").status == 2);
  CHECK(run_bounced("check-config --config=").status == 2);
}
