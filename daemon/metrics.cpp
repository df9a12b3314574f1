// See metrics.hpp.
#include "daemon/metrics.hpp"

#include <fmt/format.h>

namespace bounced::daemon {

namespace {

// Prometheus label values: backslash, quote and line feed escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void metrics::stored(const std::string& via, const std::string& outcome, bool duplicate,
                     const std::vector<std::pair<std::string, std::string>>& records, double commit_seconds) {
  std::lock_guard lock(mu_);
  ++(duplicate ? duplicates_ : stored_)[via];
  ++outcomes_[outcome];
  for (const auto& r : records) ++records_[r];
  ++commits_;
  commit_sum_ += commit_seconds;
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (commit_seconds <= buckets[i]) ++bucket_counts_[i];
}

void metrics::refused(const std::string& via, const std::string& outcome) {
  std::lock_guard lock(mu_);
  ++refused_[via];
  ++outcomes_[outcome];
}

std::string metrics::render(std::size_t sessions_open) const {
  std::lock_guard lock(mu_);
  std::string out;
  const auto counter = [&](const char* name, const char* help, const std::map<std::string, std::uint64_t>& by,
                           const char* label_name, std::initializer_list<const char*> always) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
    std::map<std::string, std::uint64_t> all = by;
    for (const char* a : always) all.try_emplace(a, 0);
    for (const auto& [k, n] : all) out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label_name, label(k), n);
  };
  counter("bounced_messages_stored_total", "Messages committed to the database, by how they came.", stored_, "via",
          {"lmtp", "smtp"});
  counter("bounced_messages_duplicate_total", "Deliveries of a message already stored (stored once, counted once).",
          duplicates_, "via", {"lmtp", "smtp"});
  counter("bounced_messages_refused_total", "Messages answered 451 because storage failed.", refused_, "via",
          {"lmtp", "smtp"});
  counter("bounced_decode_outcomes_total", "Messages by decode outcome (failed ones are stored raw).", outcomes_, "outcome",
          {"decoded", "nothing", "failed"});
  out += "# HELP bounced_records_total Records stored, by kind and bounce type.\n# TYPE bounced_records_total counter\n";
  for (const auto& [k, n] : records_)
    out += fmt::format("bounced_records_total{{kind=\"{}\",type=\"{}\"}} {}\n", label(k.first), label(k.second), n);
  out += "# HELP bounced_commit_seconds Time from a message's last byte to its commit on disk.\n"
         "# TYPE bounced_commit_seconds histogram\n";
  for (std::size_t i = 0; i < buckets.size(); ++i)
    out += fmt::format("bounced_commit_seconds_bucket{{le=\"{}\"}} {}\n", buckets[i], bucket_counts_[i]);
  out += fmt::format("bounced_commit_seconds_bucket{{le=\"+Inf\"}} {}\nbounced_commit_seconds_sum {}\nbounced_commit_seconds_count {}\n",
                     commits_, commit_sum_, commits_);
  out += fmt::format("# HELP bounced_sessions_open SMTP and LMTP sessions open now.\n# TYPE bounced_sessions_open gauge\n"
                     "bounced_sessions_open {}\n",
                     sessions_open);
  return out;
}

}  // namespace bounced::daemon
