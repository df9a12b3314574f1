// The schema as a list of migration steps: step i takes a file from user_version i to i + 1, in
// one transaction, so a file is always at a version it names. A new schema version appends a step;
// a step already released never changes.
#pragma once

#include <string>
#include <vector>

namespace bounced::storage {

struct migration {
  std::string description;
  std::string sql;  // one or more statements, no parameters
};

// The steps of the current schema (its version is their number).
const std::vector<migration>& schema_migrations();

// Brings the file at `path` to version steps.size() (creating it if absent) and returns the version
// it was at; throws storage_error when a step fails (the file stays at the last version reached) or
// the file is newer than the steps know. Waits up to busy_timeout_ms for another process's lock.
int migrate_file(const std::string& path, const std::vector<migration>& steps, int busy_timeout_ms = 5000);

// The file's PRAGMA user_version; throws storage_error.
int schema_version(const std::string& path);

}  // namespace bounced::storage
