// The group-committing writer (store.hpp): one thread, one store of any backend.
#include "storage/store.hpp"

#include <algorithm>
#include <utility>

namespace bounced::storage {

writer::writer(std::unique_ptr<store> s, std::size_t max_batch_messages)
    : store_(std::move(s)), max_batch_messages_(std::max<std::size_t>(max_batch_messages, 1)) {
  thread_ = std::thread([this] { run(); });
}

writer::~writer() { stop(); }

void writer::submit(message_in message, outcome result, std::vector<row> rows, callback done) {
  std::string key = delivery_key(message);  // here, not on the writer's thread
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({{std::move(message), std::move(result), std::move(rows), std::move(key)}, std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(error{"storage writer stopped"});
}

std::string writer::failing() const {
  std::lock_guard lock(failing_mu_);
  return failing_;
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
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and drained
      const std::size_t take = std::min(queue_.size(), max_batch_messages_);
      for (std::size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    items.clear();
    for (job& j : batch) items.push_back(std::move(j.item));
    const result<std::vector<store_result>> stored = store_->store_batch(items);
    ++transactions_;
    {
      const auto* e = std::get_if<error>(&stored);
      std::lock_guard lock(failing_mu_);
      failing_ = e ? e->message : std::string();
    }
    if (const auto* ok = std::get_if<std::vector<store_result>>(&stored)) {
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done((*ok)[i]);
    } else {
      const error& e = std::get<error>(stored);
      for (job& j : batch) j.done(e);
    }
    batch.clear();
  }
}

}  // namespace bounced::storage
