// See ingest.hpp.
#include "daemon/pipeline/ingest.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "daemon/log.hpp"
#include "daemon/pipeline/to_rows.hpp"

namespace bounced::daemon {

ingest::ingest(storage::writer& writer, std::shared_ptr<const rulebook> rules,
               correlation_settings correlation, unsigned threads, metrics* counts)
    : writer_(writer), counts_(counts), rules_(std::move(rules)), correlation_(std::move(correlation)) {
  for (unsigned i = 0; i < std::max(1U, threads); ++i) threads_.emplace_back([this] { work(); });
}

ingest::~ingest() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ingest::set_rules(std::shared_ptr<const rulebook> rules) {
  std::lock_guard lock(mu_);
  rules_ = std::move(rules);
}

void ingest::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything queued has run
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}


void ingest::submit(storage::message_in in, std::function<void(stored_answer)> done) {
  std::unique_lock lock(mu_);
  const bool small = in.raw.size() <= inline_decode_bytes;
  const auto arrived = std::chrono::steady_clock::now();
  auto job = [this, arrived, rules = rules_, in = std::move(in), done = std::move(done)]() mutable {
    in.received_at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string envelope_recipient = in.envelope_recipients.empty() ? std::string() : in.envelope_recipients.front();
    decoded_message decoded = decode_for_storage(in.raw, *rules, in.envelope_sender, envelope_recipient, "", correlation_);
    if (decoded.result.status == storage::decode_status::failed)
      log(log_level::warning, fmt::format("client={}: decoding failed, stored raw: {}", in.client, printable(decoded.result.detail)));
    // A category handed in beside the message (Oempro's PowerMTABounceCategory) goes to every row.
    for (storage::row& r : decoded.rows) r.pmta_category = in.pmta_category;
    const std::size_t records = decoded.rows.size();
    // The metrics' labels, read before the submit below moves the result.
    std::string outcome(to_string(decoded.result.status));
    std::vector<std::pair<std::string, std::string>> kinds;
    if (counts_)
      for (const storage::row& r : decoded.rows) kinds.emplace_back(to_string(r.kind), to_string(r.bounce_type));
    std::string via(to_string(in.via));
    writer_.submit(std::move(in), std::move(decoded.result), std::move(decoded.rows),
                   [this, arrived, via = std::move(via), outcome = std::move(outcome), kinds = std::move(kinds), records,
                    done = std::move(done)](const storage::result<storage::store_result>& stored) {
                     if (const auto* e = std::get_if<storage::error>(&stored)) {
                       if (counts_) counts_->refused(via, outcome);
                       done({false, "", 0, e->message});
                       return;
                     }
                     const auto& r = std::get<storage::store_result>(stored);
                     static const decltype(kinds) none;  // a duplicate adds no records
                     if (counts_)
                       counts_->stored(via, outcome, r.duplicate, r.duplicate ? none : kinds,
                                       std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
                     done({true, fmt::format("{}{}", r.message_id, r.duplicate ? " (duplicate)" : ""), r.duplicate ? 0 : records, ""});
                   });
  };
  // A typical bounce decodes in well under a millisecond: on the caller's thread that costs less
  // than the two thread hops of the pool. Large messages go to the pool, so that the I/O thread
  // never stalls on one.
  if (small) {
    lock.unlock();
    job();
    return;
  }
  jobs_.push_back(std::move(job));
  cv_.notify_one();
}

}  // namespace bounced::daemon
