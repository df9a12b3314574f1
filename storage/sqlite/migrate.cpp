// See migrate.hpp.
#include "storage/sqlite/migrate.hpp"

#include "storage/sqlite/database.hpp"

namespace bounced::storage {

int user_version(sqlite::connection& db) {
  sqlite::statement st(db, "PRAGMA user_version");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

int migrate(sqlite::connection& db, const std::vector<migration>& steps) {
  const int target = static_cast<int>(steps.size());
  int version = user_version(db);
  const int was = version;
  if (version > target)
    throw storage_error("the database is at schema version " + std::to_string(version) + ", newer than this bounced (" +
                        std::to_string(target) + ")");
  while (version < target) {
    const migration& step = steps[static_cast<std::size_t>(version)];
    try {
      sqlite::transaction tx(db);
      // Read again under the write lock: another process may have migrated meanwhile.
      if (user_version(db) != version) {
        version = user_version(db);
        continue;
      }
      db.exec(step.sql);
      // PRAGMA takes no parameters; the number is ours, not input.
      db.exec("PRAGMA user_version = " + std::to_string(version + 1));
      tx.commit();
      ++version;
    } catch (const sqlite::failure& e) {
      throw storage_error("schema step " + std::to_string(version + 1) + " (" + step.description + "): " + e.what());
    }
  }
  return was;
}

}  // namespace bounced::storage
