// Group commit: one thread owns the database; sessions submit messages from any thread and are
// called back once their message is committed (synchronous=FULL: on disk), so the daemon answers
// 250 from the callback. Whatever queued while a transaction ran goes into the next one, so the
// fsyncs per message fall as the load rises. A failed batch fails every message in it (nothing
// half-stored); the daemon answers those 451.
// Callbacks run on the writer's thread, in submission order: they must be quick (post to the
// session's executor) and must not call submit() to wait on it.
// The writer's thread does only what must be serial: submit() computes each message's duplicate
// key on the caller's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.hpp"

namespace bounced::storage {

class writer {
 public:
  using callback = std::function<void(const result<store_result>&)>;

  // At most this many messages per transaction: bounds the memory a batch holds and the wait of
  // the first message in it.
  static constexpr std::size_t default_max_batch_messages = 512;

  explicit writer(database db, std::size_t max_batch_messages = default_max_batch_messages);
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  ~writer();  // stop()

  // Queues a message; `done` is called once it is committed, or with the error. After stop(),
  // `done` is called at once with an error.
  void submit(message_in message, outcome result, std::vector<row> rows, callback done);
  // Stores what is queued, calls its callbacks and joins the thread. Idempotent.
  void stop();

  // Transactions committed or failed so far (for tests and the ingest log).
  std::uint64_t transactions() const { return transactions_.load(); }
  // The error of the last transaction if it failed; "" once one has committed since (for the
  // daemon's /healthz: storage that refuses every message is not healthy).
  std::string failing() const;

 private:
  struct job {
    store_item item;
    callback done;
  };
  void run();

  database db_;
  const std::size_t max_batch_messages_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> transactions_{0};
  mutable std::mutex failing_mu_;
  std::string failing_;
  std::thread thread_;
};

}  // namespace bounced::storage
