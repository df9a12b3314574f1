// The records (storage/sqlite/database.hpp): pages for the exports, one by id, a message's rows,
// the stats, the counts. Every filter of a page is served by an index on (column, id).
#include "storage/sqlite/database_impl.hpp"

#include <utility>

namespace bounced::storage {

result<std::vector<stored_row>> database::rows_of(std::int64_t message_id) {
  try {
    return impl_->load_rows(message_id);
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<stored_row>> database::page_rows(const record_filter& f, std::int64_t after, std::int64_t limit,
                                                    page_stats* stats) {
  return rows_where(f, after, 0, limit, stats);
}

result<std::vector<stored_row>> database::page_rows_at(const record_filter& f, std::int64_t offset, std::int64_t limit) {
  return rows_where(f, 0, offset, limit, nullptr);
}

result<std::vector<stored_row>> database::rows_where(const record_filter& f, std::int64_t after, std::int64_t offset,
                                                     std::int64_t limit, page_stats* stats) {
  try {
    std::string sql = "SELECT id, message_id, received_at, replaced_by, " + column_list() + " FROM undelivered_log WHERE id > ?";
    std::vector<const std::string*> texts;
    const std::pair<const char*, const std::optional<std::string>*> equal[] = {
        {"campaign_id", &f.campaign_id}, {"send_id", &f.send_id},     {"list_id", &f.list_id},
        {"source_system", &f.source_system}, {"recipient", &f.recipient}, {"kind", &f.kind},
        {"bounce_type", &f.bounce_type}, {"category", &f.category},   {"reason", &f.reason}};
    for (const auto& [name, value] : equal) {
      if (!*value) continue;
      sql += std::string(" AND ") + name + " = ?";
      texts.push_back(&**value);
    }
    if (f.since) sql += " AND received_at >= ?";
    if (f.until) sql += " AND received_at < ?";
    if (!f.include_replaced) sql += " AND replaced_by IS NULL";
    sql += " ORDER BY id LIMIT ? OFFSET ?";
    const auto bind_all = [&](sqlite::statement& st) {
      int i = 1;
      st.bind(i++, after);
      for (const std::string* t : texts) st.bind(i++, *t);
      if (f.since) st.bind(i++, *f.since);
      if (f.until) st.bind(i++, *f.until);
      st.bind(i++, limit);
      st.bind(i, offset);
    };
    std::vector<stored_row> out;
    sqlite::statement st(impl_->db, sql);
    bind_all(st);
    while (st.step()) out.push_back(read_row(st));
    if (stats) {
      stats->rows = static_cast<std::int64_t>(out.size());
      stats->fullscan_steps = st.status(sqlite::statement::counter::fullscan_steps);
      stats->vm_steps = st.status(sqlite::statement::counter::vm_steps);
      sqlite::statement plan(impl_->db, "EXPLAIN QUERY PLAN " + sql);
      bind_all(plan);
      stats->plan.clear();
      while (plan.step()) stats->plan += (stats->plan.empty() ? "" : "; ") + plan.text(3);
    }
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<stat_group>> database::stats(const std::optional<std::string>& campaign_id,
                                                const std::optional<std::string>& send_id) {
  try {
    std::string sql = "SELECT kind, bounce_type, category, reason, count(*) FROM undelivered_log WHERE replaced_by IS NULL";
    if (campaign_id) sql += " AND campaign_id = ?";
    if (send_id) sql += " AND send_id = ?";
    sqlite::statement st(impl_->db, sql + " GROUP BY kind, bounce_type, category, reason");
    int i = 1;
    if (campaign_id) st.bind(i++, *campaign_id);
    if (send_id) st.bind(i++, *send_id);
    std::vector<stat_group> out;
    while (st.step()) out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.int64(4)});
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::optional<stored_row>> database::row_by_id(std::int64_t id) {
  try {
    sqlite::statement st(impl_->db, "SELECT id, message_id, received_at, replaced_by, " + column_list() +
                                        " FROM undelivered_log WHERE id = ?");
    st.bind(1, id);
    std::optional<stored_row> r;
    if (st.step()) r = read_row(st);
    return r;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<counts> database::count() {
  try {
    counts c;
    c.messages = impl_->scalar("SELECT count(*) FROM messages");
    c.rows = impl_->scalar("SELECT count(*) FROM undelivered_log");
    c.live_rows = impl_->scalar("SELECT count(*) FROM undelivered_log WHERE replaced_by IS NULL");
    c.suppressions = impl_->scalar("SELECT count(*) FROM suppressions");
    return c;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

}  // namespace bounced::storage
