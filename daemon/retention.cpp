// See retention.hpp.
#include "daemon/retention.hpp"

#include <fmt/format.h>

#include <variant>

#include "daemon/log.hpp"
#include "storage/store.hpp"

namespace bounced::daemon {

retention_task::retention_task(std::string database, std::uint32_t days, std::chrono::seconds every)
    : database_(std::move(database)), days_(days), every_(every) {
  if (days_ > 0) thread_ = std::thread([this] { run(); });
}

retention_task::~retention_task() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void retention_task::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::int64_t before = now - static_cast<std::int64_t>(days_) * 86400;
    try {
      const auto db = storage::open_store(database_);
      const auto purged = db->purge(before);
      if (const auto* e = std::get_if<storage::error>(&purged)) {
        log(log_level::warning, fmt::format("retention: purge failed, next try in {} s: {}", every_.count(), e->message));
      } else if (const auto& r = std::get<storage::purge_result>(purged); r.messages > 0) {
        log(log_level::info, fmt::format("retention: purged {} messages and {} records older than {} days{}", r.messages, r.rows, days_,
                                         r.acct_keys > 0 ? fmt::format(", and the duplicate keys of {} accounting records", r.acct_keys) : ""));
      }
    } catch (const std::exception& e) {
      log(log_level::warning, fmt::format("retention: {}", e.what()));
    }
    lock.lock();
    cv_.wait_for(lock, every_, [&] { return stopping_; });
  }
}

}  // namespace bounced::daemon
