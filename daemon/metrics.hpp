// What the daemon counts for `GET /metrics` (Prometheus text format 0.0.4): messages stored and
// refused, decode outcomes, records by kind and type, the time from a message's last byte to its
// commit, and the sessions open. Thread-safe: ingest counts from the writer's and the decoding
// threads, the HTTP thread renders.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace bounced::daemon {

class metrics {
 public:
  // A message committed (or found to be a duplicate), with its decode outcome (decoded, nothing,
  // failed) and the kind and type of each new record.
  void stored(const std::string& via, const std::string& outcome, bool duplicate,
              const std::vector<std::pair<std::string, std::string>>& records, double commit_seconds);
  // Storage failed: the client got 451.
  void refused(const std::string& via, const std::string& outcome);
  std::string render(std::size_t sessions_open) const;

  // Upper bounds of the commit-time histogram, in seconds.
  static constexpr std::array<double, 9> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> stored_, refused_, duplicates_, outcomes_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> records_;
  std::array<std::uint64_t, buckets.size()> bucket_counts_{};
  std::uint64_t commits_ = 0;
  double commit_sum_ = 0;
};

}  // namespace bounced::daemon
