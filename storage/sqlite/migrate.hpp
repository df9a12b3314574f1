// The migration runner over an open connection (storage/ only): reads PRAGMA user_version and
// applies the missing steps, each with its version bump in one transaction.
#pragma once

#include <vector>

#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/connection.hpp"

namespace bounced::storage {

int user_version(sqlite::connection& db);

// Returns the version the file was at; throws storage_error (newer file, failed step).
int migrate(sqlite::connection& db, const std::vector<migration>& steps);

}  // namespace bounced::storage
