// The one door to storage: what the rest of the program asks of it, whatever keeps the records.
// A store is opened from one string, a location: a file path or `sqlite:PATH` (the SQLite backend,
// storage/sqlite/), later `postgresql://...`. Backends tune themselves from what the caller says it
// will do (open_options::load); callers never see a backend's knobs or files.
// Errors: open_store throws storage_error (the store cannot be opened, created or migrated); every
// call after returns an error value (types.hpp). A store object is one connection: one thread at a
// time (stores_per_thread gives each thread its own; the writer owns one on its thread).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/types.hpp"

namespace bounced::storage {

// What the caller will do with the store, for the backend to tune itself (SQLite: page cache and
// checkpoint interval).
enum class workload {
  command,      // a command's few transactions, or reads
  serve,        // the daemon: many small transactions, group-committed
  bulk_import,  // an import of millions of rows into large indexes (bounced acct)
};

struct open_options {
  int soft_bounce_limit = 3;  // soft bounces of different original messages in a row: soft-bouncing
  workload load = workload::command;
  // How long a write waits for another process's write (another daemon, an import) before it
  // fails with an error.
  std::chrono::milliseconds lock_wait{5000};
  // Refuse a store that does not exist yet instead of creating it (purge, forget: a mistyped path
  // is an error, not a new empty store).
  bool must_exist = false;
};

// What every backend does. The suppression policy (policy.hpp) is the same for all.
class store {
 public:
  virtual ~store() = default;

  // Stores one message and its rows in one transaction and applies the suppression policy.
  virtual result<store_result> store_message(const message_in& message, const outcome& result, const std::vector<row>& rows) = 0;
  // Stores several messages in ONE transaction (group commit): all or nothing.
  virtual result<std::vector<store_result>> store_batch(const std::vector<store_item>& items) = 0;
  // Stores the records of an accounting chunk not seen before (their keys: acct_key), in one
  // transaction, and applies the suppression policy to each.
  virtual result<acct_result> store_acct(const acct_chunk& chunk) = 0;

  // Calls visit for each message received at or after `since`, in id order. visit may call
  // replace(); it returns false to stop early.
  virtual result<std::int64_t> for_each_message(std::int64_t since, const std::function<bool(const stored_message&)>& visit) = 0;
  // Writes the new rows of a message decoded again and marks its live rows replaced (each by the
  // new row for the same recipient, else 0); updates its outcome. One transaction. Suppression
  // counts are not applied again.
  virtual result<replace_result> replace(std::int64_t message_id, const outcome& result, const std::vector<row>& rows) = 0;

  // Deletes the messages received before `before`, their rows and their accounting keys.
  virtual result<purge_result> purge(std::int64_t before) = 0;
  // Erases an address: the messages that name it (envelope, rows or raw text) with all their
  // rows, its other rows, and its suppression entry; only its lines of an accounting chunk.
  virtual result<forget_result> forget(const std::string& address) = 0;

  virtual result<std::optional<suppression>> suppression_of(const std::string& address) = 0;
  // Addresses above `after` (lower case, in order), at most `limit`; only blocked ones if asked.
  virtual result<std::vector<suppression>> page_suppressions(const std::string& after, std::int64_t limit,
                                                             bool blocked_only = false) = 0;
  // Blocks by hand (addresses lower-cased; one transaction). A block never changes the state
  // bounces gave; unblock removes only a block made here.
  virtual result<block_result> block(const std::vector<std::string>& addresses, std::int64_t at) = 0;
  virtual result<block_result> unblock(const std::vector<std::string>& addresses) = 0;
  // The suppression state of each address given that has an entry, "blocked" where it is blocked
  // by hand (addresses matched in lower case; the map's keys are lower case).
  virtual result<std::map<std::string, std::string>> suppression_states(const std::vector<std::string>& addresses) = 0;

  virtual result<std::vector<stored_row>> rows_of(std::int64_t message_id) = 0;
  // Up to `limit` rows with id > after that match the filter, in id order, in one read snapshot;
  // callers page through more by calling again with the last id.
  virtual result<std::vector<stored_row>> page_rows(const record_filter& filter, std::int64_t after, std::int64_t limit,
                                                    page_stats* stats = nullptr) = 0;
  // Page-numbered paging (Inxmail): up to `limit` matching rows in id order after skipping the
  // first `offset` of them.
  virtual result<std::vector<stored_row>> page_rows_at(const record_filter& filter, std::int64_t offset, std::int64_t limit) = 0;
  virtual result<std::optional<stored_row>> row_by_id(std::int64_t id) = 0;
  // Live rows counted by kind, type, category and reason; of one campaign and/or send if given.
  virtual result<std::vector<stat_group>> stats(const std::optional<std::string>& campaign_id,
                                                const std::optional<std::string>& send_id) = 0;
  // Up to `limit` messages with id > after whose outcome is one of `outcomes` (every outcome when
  // empty), in id order, in one snapshot, without their raw text. For messages stored before
  // their From and Subject were kept, read_head gets the first head_bytes of the raw text.
  virtual result<std::vector<message_summary>> page_messages(const std::vector<decode_status>& outcomes, std::int64_t after,
                                                             std::int64_t limit, const head_reader& read_head = {},
                                                             std::size_t head_bytes = 0, page_stats* stats = nullptr) = 0;
  virtual result<std::optional<stored_message>> message(std::int64_t message_id) = 0;
  virtual result<counts> count() = 0;
};

// Opens the store at location (a path or `sqlite:PATH`), creating and migrating it unless
// options.must_exist; throws storage_error with the reason (an unknown scheme, a store that
// cannot be opened, written or migrated).
std::unique_ptr<store> open_store(std::string_view location, const open_options& options = {});

// The backend's own error log (SQLite: sqlite3_config SQLITE_CONFIG_LOG): what it reports beyond
// a call's result, such as a checkpoint that could not write the database file or frames
// recovered from a log. severity: 0 an error, 1 a notice, 2 a detail callers report themselves
// (busy, locked, constraint) or a warning. Set once, before any other use of storage; the callback
// may run on any thread and must not use storage.
void set_error_log(std::function<void(int severity, int code, std::string_view message)> log);

// One store per thread that asks, opened on demand for one location (readers of the HTTP API:
// a store is used by one thread at a time).
class stores_per_thread {
 public:
  explicit stores_per_thread(std::string location, open_options options = {});
  // This thread's store; throws storage_error when it cannot be opened.
  store& local();

 private:
  std::string location_;
  open_options options_;
};

// Group commit: one thread owns a store; sessions submit messages from any thread and are called
// back once their message is committed (on disk), so the daemon answers 250 from the callback.
// Whatever queued while a transaction ran goes into the next one, so the syncs per message fall
// as the load rises. A failed batch fails every message in it (nothing half-stored); the daemon
// answers those 451. Callbacks run on the writer's thread, in submission order: they must be
// quick (post to the session's executor) and must not call submit() to wait on it. submit()
// computes each message's duplicate key on the caller's thread.
class writer {
 public:
  using callback = std::function<void(const result<store_result>&)>;

  // At most this many messages per transaction: bounds the memory a batch holds and the wait of
  // the first message in it.
  static constexpr std::size_t default_max_batch_messages = 512;

  explicit writer(std::unique_ptr<store> s, std::size_t max_batch_messages = default_max_batch_messages);
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
  // The error of the last transaction if it failed; "" once one has committed since: the store's
  // health (/healthz: storage that refuses every message is not healthy).
  std::string failing() const;

 private:
  struct job {
    store_item item;
    callback done;
  };
  void run();

  std::unique_ptr<store> store_;
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
