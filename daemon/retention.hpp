// The configured retention period ([storage] retention_days): a thread of its own that purges the
// messages received before it, with their rows, at start and then every hour, through its own
// database connection (WAL: the writer goes on meanwhile). Suppressions are kept: an address that
// bounced stays suppressed whatever the age of its bounce. `bounced purge` does the same by hand.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/params.hpp"

namespace bounced::daemon {

class retention_task {
 public:
  // days 0: nothing runs.
  retention_task(std::string database, std::uint32_t days, std::chrono::seconds every = params::retention_interval);
  ~retention_task();
  retention_task(const retention_task&) = delete;
  retention_task& operator=(const retention_task&) = delete;

 private:
  void run();

  const std::string database_;
  const std::uint32_t days_;
  const std::chrono::seconds every_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bounced::daemon
