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
    // (column, value) of each equality asked for, the columns as the record's field table names them.
    std::vector<std::pair<std::string_view, std::string_view>> equal;
    const auto text = [&equal](const char* field, const std::optional<std::string>& v) {
      if (v) equal.emplace_back(record_field_named(field).column, *v);
    };
    text("campaign_id", f.campaign_id);
    text("send_id", f.send_id);
    text("list_id", f.list_id);
    text("source_system", f.source_system);
    text("recipient", f.recipient);
    if (f.kind) equal.emplace_back(record_field_named("kind").column, to_string(*f.kind));
    if (f.bounce_type) equal.emplace_back(record_field_named("bounce_type").column, to_string(*f.bounce_type));
    text("category", f.category);
    text("reason", f.reason);
    for (const auto& [column, value] : equal) sql += " AND " + std::string(column) + " = ?";
    if (f.since) sql += " AND received_at >= ?";
    if (f.until) sql += " AND received_at < ?";
    if (!f.include_replaced) sql += " AND replaced_by IS NULL";
    sql += " ORDER BY id LIMIT ? OFFSET ?";
    const auto bind_all = [&](sqlite::statement& st) {
      int i = 1;
      st.bind(i++, after);
      for (const auto& [column, value] : equal) st.bind(i++, value);
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
    while (st.step())
      out.push_back({known(parse_record_kind(st.text(0)), "a group of records", "", "kind", st.text(0)),
                     known(parse_bounce_type(st.text(1)), "a group of records", "", "bounce_type", st.text(1)), st.text(2),
                     st.text(3), st.int64(4)});
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
