// Stored messages (storage/sqlite/database.hpp): read back for reprocess and replaced with what a
// new decode made of them, listed by outcome, fetched one by one.
#include "storage/sqlite/database_impl.hpp"

#include <map>
#include <utility>

namespace bounced::storage {

result<std::int64_t> database::for_each_message(std::int64_t since,
                                                const std::function<bool(const stored_message&)>& visit) {
  // Pages by id, the statement closed between pages: visit may write (replace) meanwhile, and a
  // page of raw messages bounds the memory.
  constexpr std::int64_t page_messages = 64;
  std::int64_t after = 0, visited = 0;
  try {
    for (;;) {
      std::vector<stored_message> page;
      {
        sqlite::statement st(impl_->db, std::string(select_message_sql) +
                                            " WHERE received_at >= ? AND id > ? ORDER BY id LIMIT ?");
        st.bind(1, since).bind(2, after).bind(3, page_messages);
        while (st.step()) page.push_back(read_message(st));
      }
      if (page.empty()) return visited;
      for (const stored_message& m : page) {
        after = m.id;
        ++visited;
        if (!visit(m)) return visited;
      }
    }
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<replace_result> database::replace(std::int64_t message_id, const outcome& o, const std::vector<row>& rows) {
  try {
    sqlite::transaction tx(impl_->db);
    sqlite::statement msg(impl_->db, "SELECT received_at FROM messages WHERE id = ?");
    msg.bind(1, message_id);
    if (!msg.step()) return error{"no message " + std::to_string(message_id)};
    const std::int64_t received_at = msg.int64(0);
    msg.reset();
    std::vector<stored_row> live;
    for (stored_row& r : impl_->load_rows(message_id))
      if (!r.replaced_by) live.push_back(std::move(r));
    replace_result out;
    out.unchanged = live.size() == rows.size() &&
                    std::equal(live.begin(), live.end(), rows.begin(),
                               [](const stored_row& a, const row& b) { return a.fields == b; });
    if (!out.unchanged) {
      // Each old row points at the new row for its recipient, so an export that followed the old
      // row finds its successor; 0 where the new decode has no row for that recipient.
      std::map<std::string, std::int64_t> by_recipient;
      for (const row& r : rows) {
        const std::int64_t id = impl_->add_row(message_id, received_at, r);
        by_recipient.emplace(util::to_lower(r.recipient), id);
        ++out.rows_added;
      }
      sqlite::statement mark(impl_->db, "UPDATE undelivered_log SET replaced_by = ? WHERE id = ?");
      for (const stored_row& old : live) {
        const auto it = by_recipient.find(util::to_lower(old.fields.recipient));
        mark.reset();
        mark.bind(1, it == by_recipient.end() ? std::int64_t{0} : it->second).bind(2, old.id);
        mark.run();
        ++out.rows_replaced;
      }
    }
    // From and Subject too: a message stored before schema 7 gets them here.
    sqlite::statement update(impl_->db,
                             "UPDATE messages SET outcome = ?, outcome_detail = ?, records = ?, from_address = ?, subject = ? "
                             "WHERE id = ?");
    update.bind(1, to_string(o.status)).bind(2, o.detail).bind(3, static_cast<std::int64_t>(rows.size()));
    update.bind(4, o.from).bind(5, o.subject).bind(6, message_id);
    update.run();
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<message_summary>> database::page_messages(const std::vector<decode_status>& outcomes, std::int64_t after,
                                                             std::int64_t limit, const head_reader& read_head,
                                                             std::size_t head_bytes, page_stats* stats) {
  // One statement per outcome, each reading its own range of messages_outcome in id order, and
  // the ranges merged here: at most `limit` rows from each. SQLite answers "outcome IN (...)"
  // either by the primary key (every message after the cursor read until the page is full: a
  // scan of millions for a rare outcome) or by the index with a sort of every matching row.
  static constexpr const char* sql =
      "SELECT id, received_at, via, outcome, outcome_detail, from_address, subject FROM messages "
      "WHERE outcome = ? AND id > ? ORDER BY id LIMIT ?";
  static const std::vector<decode_status> every = {decode_status::decoded, decode_status::nothing, decode_status::failed};
  if (limit <= 0) return std::vector<message_summary>{};  // SQLite reads LIMIT -1 as no limit
  std::vector<decode_status> wanted = outcomes.empty() ? every : outcomes;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  try {
    // One snapshot for all of them: a reprocess moving a message from one outcome to another in
    // between would list it twice, or not at all.
    sqlite::read_transaction snapshot(impl_->db);
    std::vector<message_summary> out;
    std::vector<std::int64_t> unknown;  // stored before schema 7: From and Subject to read
    if (stats) *stats = {};
    for (const decode_status o : wanted) {
      sqlite::statement st(impl_->db, sql);
      st.bind(1, to_string(o)).bind(2, after).bind(3, limit);
      while (st.step()) {
        const std::int64_t id = st.int64(0);
        message_summary m{id, st.int64(1), known(parse_channel(st.text(2)), "message", id, "via", st.text(2)),
                          {known(parse_decode_status(st.text(3)), "message", id, "outcome", st.text(3)), st.text(4), st.text(5), st.text(6)}};
        // An accounting chunk is CSV text, without a header to read.
        if ((st.is_null(5) || st.is_null(6)) && m.via != channel::acct) unknown.push_back(m.id);
        out.push_back(std::move(m));
      }
      if (stats) {
        stats->fullscan_steps += st.status(sqlite::statement::counter::fullscan_steps);
        stats->vm_steps += st.status(sqlite::statement::counter::vm_steps);
        sqlite::statement plan(impl_->db, std::string("EXPLAIN QUERY PLAN ") + sql);
        plan.bind(1, to_string(o)).bind(2, after).bind(3, limit);
        while (plan.step()) stats->plan += (stats->plan.empty() ? "" : "; ") + plan.text(3);
      }
    }
    std::sort(out.begin(), out.end(), [](const message_summary& a, const message_summary& b) { return a.id < b.id; });
    if (static_cast<std::int64_t>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
    if (stats) stats->rows = static_cast<std::int64_t>(out.size());
    if (read_head && !unknown.empty()) {
      std::sort(unknown.begin(), unknown.end());
      for (message_summary& m : out)
        if (std::binary_search(unknown.begin(), unknown.end(), m.id))
          read_head(impl_->db.read_prefix("messages", "raw", m.id, head_bytes), m.result);
    }
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::optional<stored_message>> database::message(std::int64_t message_id) {
  try {
    sqlite::statement st(impl_->db, std::string(select_message_sql) + " WHERE id = ?");
    st.bind(1, message_id);
    std::optional<stored_message> m;
    if (st.step()) m = read_message(st);
    return m;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

}  // namespace bounced::storage
