// See log.hpp.
#include "daemon/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace bounced::daemon {

namespace {

std::atomic<int> threshold{static_cast<int>(log_level::info)};

}  // namespace

std::optional<log_level> parse_log_level(std::string_view name) {
  if (name == "error") return log_level::error;
  if (name == "warning") return log_level::warning;
  if (name == "info") return log_level::info;
  if (name == "debug") return log_level::debug;
  return std::nullopt;
}

const char* to_string(log_level level) noexcept {
  switch (level) {
    case log_level::error: return "error";
    case log_level::warning: return "warning";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
  }
  return "info";
}

void set_log_level(log_level level) { threshold = static_cast<int>(level); }

bool log_enabled(log_level level) { return static_cast<int>(level) <= threshold.load(std::memory_order_relaxed); }

void log(log_level level, std::string_view line) {
  if (!log_enabled(level)) return;
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  static constexpr const char* names[] = {"error: ", "warning: ", "", ""};
  static constexpr const char* priorities[] = {"<3>", "<4>", "<6>", "<7>"};
  const auto i = static_cast<std::size_t>(level);
  std::string out = journal ? priorities[i] : names[i];
  out.append(line);
  out.push_back('\n');
  // One write per line; a short write (a full pipe) is finished, an error is dropped: logging
  // never stops the daemon.
  const char* p = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}


}  // namespace bounced::daemon
