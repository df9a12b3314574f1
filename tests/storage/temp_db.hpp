// A fresh folder per test for a real SQLite file; removed with everything in it. And ok(): the
// value of a storage result, or the test fails with the storage error.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>

#include <variant>

#include "storage/sqlite/database.hpp"

#include <filesystem>
#include <string>

namespace bounced::test {

namespace storage = bounced::storage;

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

template <class T>
T ok(storage::result<T> r) {
  if (const auto* e = std::get_if<storage::error>(&r)) FAIL("storage error: " << e->message);
  return std::get<T>(std::move(r));
}

}  // namespace bounced::test
