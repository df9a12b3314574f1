// The SQLite backend of the store (storage/store.hpp): every message handed to bounced (raw, with
// its decode outcome), one row per decoded recipient, and each address's suppression state, in
// one SQLite file (WAL, synchronous=FULL, foreign keys on). Knows SQL only: callers hand in plain
// strings and numbers. Trusts nothing it stores (values go in as bound parameters); trusts the
// file to be its own schema, migrated in place on open (schema.hpp).
// Errors: the constructor throws storage_error; every other call returns an error value.
// One database object is one connection: use it from one thread at a time (the writer owns one on
// its own thread); other processes may open the same file (WAL, busy timeout).
// Split by concern: database.cpp (opening, storing), messages.cpp (reprocess, listings),
// pages.cpp (exports, stats), suppressions.cpp, accounting.cpp, erasure.cpp (purge, forget).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/store.hpp"

namespace bounced::storage {

// The SQLite backend's knobs (store.cpp sets them from open_options' workload).
struct sqlite_options {
  int soft_bounce_limit = 3;  // soft bounces of different original messages in a row
  int busy_timeout_ms = 5000;  // how long a call waits for another process's write lock
  // SQLite's page cache for this connection; 0 keeps SQLite's default (2 MB). A bulk import
  // (bounced acct) inserts into random places of large indexes: a cache that holds their inner
  // pages spares a read of the file for most inserts.
  std::int64_t cache_kib = 0;
  // Checkpoint the WAL into the database file once it holds this many pages (measured for ingest:
  // 10,000 pages, about 40 MB, against SQLite's 1,000). A bulk import copies each index page once
  // per checkpoint: fewer checkpoints, fewer copies.
  std::int64_t checkpoint_pages = 10000;
};

class database final : public store {
 public:
  // Opens the file, creating it and migrating its schema; throws storage_error.
  explicit database(const std::string& path, sqlite_options opts = {});
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  database(database&&) noexcept;
  database& operator=(database&&) noexcept;
  ~database();

  // Stores one message and its rows in one transaction and applies the suppression policy.
  result<store_result> store_message(const message_in& message, const outcome& result, const std::vector<row>& rows) override;
  // Stores several messages in ONE transaction (group commit): all or nothing.
  result<std::vector<store_result>> store_batch(const std::vector<store_item>& items) override;
  // Stores the records of an accounting chunk not seen before, in one transaction, and applies
  // the suppression policy to each (a delivery record resets its address's soft count).
  result<acct_result> store_acct(const acct_chunk& chunk) override;


  // Calls visit for each message received at or after `since`, in id order. visit may call
  // replace(); it returns false to stop early.
  result<std::int64_t> for_each_message(std::int64_t since, const std::function<bool(const stored_message&)>& visit) override;
  // Writes the new rows of a message decoded again and marks its live rows replaced (each by the
  // new row for the same recipient, else 0); updates its outcome. One transaction. Suppression
  // counts are not applied again.
  result<replace_result> replace(std::int64_t message_id, const outcome& result, const std::vector<row>& rows) override;

  // Deletes the messages received before `before` and their rows.
  result<purge_result> purge(std::int64_t before) override;
  // Erases an address: the messages that name it (envelope, rows or raw text) with all their
  // rows, its other rows, and its suppression entry. An accounting chunk (via "acct") holds many
  // addresses' records: only its lines that name the address are cut from its raw text.
  result<forget_result> forget(const std::string& address) override;

  result<std::optional<suppression>> suppression_of(const std::string& address) override;
  // Addresses above `after` (lower case, in order), at most `limit`; only blocked ones if asked.
  result<std::vector<suppression>> page_suppressions(const std::string& after, std::int64_t limit,
                                                     bool blocked_only = false) override;
  // Blocks by hand (addresses lower-cased; one transaction). A block never changes the state
  // bounces gave; unblock removes only a block made here.
  result<block_result> block(const std::vector<std::string>& addresses, std::int64_t at) override;
  result<block_result> unblock(const std::vector<std::string>& addresses) override;
  result<std::vector<stored_row>> rows_of(std::int64_t message_id) override;
  // Up to `limit` rows with id > after that match the filter, in id order. One read transaction;
  // callers page through more by calling again with the last id.
  result<std::vector<stored_row>> page_rows(const record_filter& filter, std::int64_t after, std::int64_t limit,
                                            page_stats* stats = nullptr) override;
  // Page-numbered paging (Inxmail): up to `limit` matching rows in id order after skipping the
  // first `offset` of them. A deep page costs its offset in index steps.
  result<std::vector<stored_row>> page_rows_at(const record_filter& filter, std::int64_t offset, std::int64_t limit) override;
  // The suppression state of each address given that has an entry, "blocked" where it is blocked
  // by hand (addresses are matched in lower case; the map's keys are lower case).
  result<std::map<std::string, std::string>> suppression_states(const std::vector<std::string>& addresses) override;
  result<std::optional<stored_row>> row_by_id(std::int64_t id) override;
  // Live rows counted by kind, type, category and reason; of one campaign and/or send if given.
  result<std::vector<stat_group>> stats(const std::optional<std::string>& campaign_id,
                                        const std::optional<std::string>& send_id) override;
  // Up to `limit` messages with id > after whose outcome is one of `outcomes` (every outcome when
  // empty), in id order, read in one snapshot. Each outcome is read from its range of the index
  // messages_outcome, which holds all a summary shows: no raw text is read, nothing is sorted.
  // For messages stored before schema 7, read_head gets the first head_bytes of the raw text to
  // find From and Subject in (not for accounting chunks, which have none).
  result<std::vector<message_summary>> page_messages(const std::vector<decode_status>& outcomes, std::int64_t after,
                                                     std::int64_t limit, const head_reader& read_head = {},
                                                     std::size_t head_bytes = 0, page_stats* stats = nullptr) override;
  result<std::optional<stored_message>> message(std::int64_t message_id) override;
  result<counts> count() override;

 private:
  result<std::vector<stored_row>> rows_where(const record_filter& filter, std::int64_t after, std::int64_t offset,
                                             std::int64_t limit, page_stats* stats);

  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace bounced::storage
