// See writer.hpp.
#include "storage/writer.hpp"

#include <algorithm>
#include <utility>

namespace bounced::storage {

writer::writer(database db, std::size_t max_batch_messages)
    : db_(std::move(db)), max_batch_messages_(std::max<std::size_t>(max_batch_messages, 1)) {
  thread_ = std::thread([this] { run(); });
}

writer::~writer() { stop(); }

void writer::submit(message_in message, outcome result, std::vector<row> rows, callback done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({{std::move(message), std::move(result), std::move(rows)}, std::move(done)});
      cv_.notify_one();  // wakes the writer when it sleeps, or when it waits for a group to fill
      return;
    }
  }
  done(error{"storage writer stopped"});
}

void writer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

// Takes everything queued (up to the batch limit), stores it in one transaction, then answers.
void writer::run() {
  std::vector<job> batch;
  std::vector<store_item> items;
  std::size_t last_batch = 1;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and drained
      // Group commit with a short wait (PostgreSQL's commit_delay): when the last batch showed
      // several sessions committing together, wait up to max_group_wait for as many messages as
      // it held before committing, so that one fsync covers them all. A lone client (last
      // batch of one) never waits.
      const std::size_t want = std::min(last_batch, max_batch_messages_);
      if (want > 1 && queue_.size() < want && !stopping_)
        cv_.wait_for(lock, max_group_wait, [&] { return stopping_ || queue_.size() >= want; });
      const std::size_t take = std::min(queue_.size(), max_batch_messages_);
      for (std::size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    items.clear();
    for (job& j : batch) items.push_back(std::move(j.item));
    const result<std::vector<store_result>> stored = db_.store_batch(items);
    ++transactions_;
    if (const auto* ok = std::get_if<std::vector<store_result>>(&stored)) {
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done((*ok)[i]);
    } else {
      const error& e = std::get<error>(stored);
      for (job& j : batch) j.done(e);
    }
    last_batch = batch.size();
    batch.clear();
  }
}

}  // namespace bounced::storage
