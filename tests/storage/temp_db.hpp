// A fresh folder per test for a real SQLite file; removed with everything in it.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace bounced::test {

struct temp_db {
  std::filesystem::path dir;
  std::string path;
  temp_db() {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("bounced-storage-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = (dir / "bounced.db").string();
  }
  temp_db(const temp_db&) = delete;
  temp_db& operator=(const temp_db&) = delete;
  ~temp_db() { std::filesystem::remove_all(dir); }
};

}  // namespace bounced::test
