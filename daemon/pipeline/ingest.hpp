// From a received message to stored rows: decode and classify (parser, classifier), tie the
// records to the sending side (correlate), and hand message and rows to storage. Nothing handed
// in is dropped: a message that decodes to nothing, or whose decoding fails, is stored raw with
// the reason, and the sender still gets its 250 once that is on disk.
//
// ingest (the daemon's path) decodes on a small pool of threads, so the I/O thread never waits
// on a large message, and commits through storage's group-commit writer; the answer comes back
// from the writer's thread once COMMIT returned. The decoding itself is to_rows.hpp's
// decode_for_storage, shared with `bounced ingest` (pipe mode) and `bounced reprocess`.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/params.hpp"
#include "classifier/classify.hpp"
#include "daemon/pipeline/rulebook.hpp"
#include "daemon/pipeline/correlate.hpp"
#include "daemon/metrics.hpp"
#include "daemon/pipeline/stored_answer.hpp"
#include "storage/store.hpp"

namespace bounced::daemon {

class ingest {
 public:
  // Messages up to this size are decoded on the thread that delivers them.
  static constexpr std::size_t inline_decode_bytes = params::inline_decode_bytes;

  // counts (may be null) gets each message's outcome for /metrics; it must outlive this.
  ingest(storage::writer& writer, std::shared_ptr<const rulebook> rules,
         correlation_settings correlation, unsigned threads, metrics* counts = nullptr);
  ~ingest();
  ingest(const ingest&) = delete;
  ingest& operator=(const ingest&) = delete;

  // A message handed in (via, client, envelope and a PowerMTA category set by the caller;
  // received_at is set here); done is called once, from the writer's thread, after the commit.
  void submit(storage::message_in message, std::function<void(stored_answer)> done);
  // New rules (SIGHUP); messages already being decoded keep the old ones.
  void set_rules(std::shared_ptr<const rulebook> rules);

 private:
  void work();

  storage::writer& writer_;
  metrics* counts_;
  std::shared_ptr<const rulebook> rules_;  // guarded by mu_
  const correlation_settings correlation_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace bounced::daemon
