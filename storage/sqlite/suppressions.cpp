// The suppression states (storage/sqlite/database.hpp): read one, page through them, the states of
// a list of addresses, blocks by hand. The policy that sets them as rows arrive is storage/policy.
#include "storage/sqlite/database_impl.hpp"

#include <utility>

namespace bounced::storage {

result<std::optional<suppression>> database::suppression_of(const std::string& address) {
  try {
    return impl_->load_suppression(util::to_lower(address));
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::vector<suppression>> database::page_suppressions(const std::string& after, std::int64_t limit,
                                                             bool blocked_only) {
  try {
    sqlite::statement st(impl_->db, std::string(select_suppression_sql) + " WHERE address > ?" +
                                        (blocked_only ? " AND blocked_at IS NOT NULL" : "") + " ORDER BY address LIMIT ?");
    st.bind(1, after).bind(2, limit);
    std::vector<suppression> out;
    while (st.step()) out.push_back(read_suppression(st));
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

result<std::map<std::string, std::string>> database::suppression_states(const std::vector<std::string>& addresses) {
  // In groups well under SQLite's bound on parameters (32,766).
  constexpr std::size_t per_query = 500;
  try {
    std::map<std::string, std::string> out;
    for (std::size_t from = 0; from < addresses.size(); from += per_query) {
      const std::size_t n = std::min(per_query, addresses.size() - from);
      std::string sql = "SELECT address, CASE WHEN blocked_at IS NULL THEN state ELSE 'blocked' END FROM suppressions "
                        "WHERE address IN (?";
      for (std::size_t i = 1; i < n; ++i) sql += ",?";
      sqlite::statement st(impl_->db, sql + ")");
      for (std::size_t i = 0; i < n; ++i) st.bind(static_cast<int>(i + 1), util::to_lower(addresses[from + i]));
      while (st.step()) out.emplace(st.text(0), st.text(1));
    }
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

namespace {

// One statement per address, in one transaction: counts the addresses it changed a row for.
result<block_result> per_address(sqlite::connection& db, const std::string& sql, const std::vector<std::string>& addresses,
                                 const std::function<void(sqlite::statement&, const std::string&)>& bind) {
  try {
    sqlite::transaction tx(db);
    sqlite::statement st(db, sql);
    block_result out;
    for (const std::string& a : addresses) {
      st.reset();
      bind(st, util::to_lower(a));
      st.run();
      (db.changes() > 0 ? out.changed : out.unchanged) += 1;
    }
    tx.commit();
    return out;
  } catch (const sqlite::failure& e) {
    return error{e.what()};
  }
}

}  // namespace

result<block_result> database::block(const std::vector<std::string>& addresses, std::int64_t at) {
  return per_address(impl_->db,
                     "INSERT INTO suppressions (address, state, updated_at, blocked_at) VALUES (?, 'active', ?, ?) "
                     "ON CONFLICT (address) DO UPDATE SET blocked_at = excluded.blocked_at, updated_at = excluded.updated_at "
                     "WHERE blocked_at IS NULL",
                     addresses, [at](sqlite::statement& st, const std::string& a) { st.bind(1, a).bind(2, at).bind(3, at); });
}

result<block_result> database::unblock(const std::vector<std::string>& addresses) {
  return per_address(impl_->db, "UPDATE suppressions SET blocked_at = NULL WHERE address = ? AND blocked_at IS NOT NULL",
                     addresses, [](sqlite::statement& st, const std::string& a) { st.bind(1, a); });
}

}  // namespace bounced::storage
