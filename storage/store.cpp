// See store.hpp: the location's scheme picks the backend, and the workload its tuning.
#include "storage/store.hpp"

#include <filesystem>

#include "storage/sqlite/database.hpp"
#include "util/text.hpp"

namespace bounced::storage {

std::unique_ptr<store> open_store(std::string_view location, const open_options& options) {
  std::string_view path = location;
  if (util::istarts_with(location, "sqlite:")) {
    path = location.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///var/lib/... as a URL writes it
  } else if (const std::size_t scheme = location.find("://"); scheme != std::string_view::npos) {
    throw storage_error(std::string(location.substr(0, scheme)) + ": no such storage backend in this build (sqlite:PATH or a path)");
  }
  if (path.empty()) throw storage_error("no database path given");
  if (options.must_exist) {
    std::error_code ec;
    if (!std::filesystem::exists(std::string(path), ec)) throw no_store(std::string(path) + ": no such database");
  }
  // SQLite's knobs for what the caller will do. A bulk import inserts into random places of large
  // indexes: a cache that holds their inner pages (256 MB) spares a read of the file for most
  // inserts, and a checkpoint every 100,000 WAL pages copies each index page a tenth as often
  // (measured with bounced acct). The daemon and commands keep 10,000 pages (about 40 MB of WAL).
  sqlite_options o;
  o.soft_bounce_limit = options.soft_bounce_limit;
  o.busy_timeout_ms = static_cast<int>(options.lock_wait.count());
  if (options.load == workload::bulk_import) {
    o.cache_kib = 256 * 1024;
    o.checkpoint_pages = 100000;
  }
  return std::make_unique<database>(std::string(path), o);
}

stores_per_thread::stores_per_thread(std::string location, open_options options)
    : location_(std::move(location)), options_(options) {}

store& stores_per_thread::local() {
  thread_local std::map<std::string, std::unique_ptr<store>> open;
  auto& slot = open[location_];
  if (!slot) slot = open_store(location_, options_);
  return *slot;
}

}  // namespace bounced::storage
