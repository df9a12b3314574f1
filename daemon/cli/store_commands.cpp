// See store_commands.hpp. The database is opened by each command and closed at its end; the
// daemon may run meanwhile (WAL: its writes and ours take turns under SQLite's lock).
#include "daemon/cli/store_commands.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <ostream>
#include <variant>

#include "daemon/pipeline/rulebook.hpp"
#include "daemon/cli/command_setup.hpp"
#include "daemon/config.hpp"
#include "daemon/pipeline/to_rows.hpp"
#include "storage/store.hpp"
#include "util/time.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* reprocess_usage = "usage: bounced reprocess [--config FILE] [--db PATH] [--since DATE] [--rules FILE]...\n";
constexpr const char* purge_usage = "usage: bounced purge [--config FILE] [--db PATH] --before DATE\n";
constexpr const char* forget_usage = "usage: bounced forget [--config FILE] [--db PATH] ADDRESS\n";
constexpr const char* date_help = "  DATE is YYYY-MM-DD (UTC) or RFC 3339, e.g. 2026-01-31T12:00:00Z\n";

struct parsed_args {
  std::string db;  // "" = the config's database, else default_database_path()
  std::optional<std::string> config;
  std::vector<std::string> rules;
  std::optional<std::string> since, before;
  std::vector<std::string> positional;
  bool help = false;
};

// Options with a value, as "--opt VALUE" or "--opt=VALUE"; `allowed` names those this command takes.
bool parse_args(const std::vector<std::string>& args, const std::vector<std::string>& allowed, parsed_args& p,
                std::string_view command, std::ostream& err) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      p.help = true;
      continue;
    }
    if (a.size() < 2 || a[0] != '-') {
      p.positional.push_back(a);
      continue;
    }
    std::string name = a, value;
    const auto eq = a.find('=');
    bool has_value = false;
    if (eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    bool known = false;
    for (const auto& o : allowed) known = known || o == name;
    if (!known) {
      err << "bounced " << command << ": unknown option " << a << "\n";
      return false;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        err << "bounced " << command << ": " << name << " needs a value\n";
        return false;
      }
      value = args[++i];
    }
    if (name == "--db") p.db = value;
    else if (name == "--rules") p.rules.push_back(value);
    else if (name == "--since") p.since = value;
    else if (name == "--before") p.before = value;
    else if (name == "--config") p.config = value;
  }
  return true;
}


}  // namespace


int run_reprocess(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  parsed_args p;
  if (!parse_args(args, {"--db", "--since", "--rules", "--config"}, p, "reprocess", err)) {
    err << reprocess_usage;
    return 2;
  }
  if (p.help) {
    out << reprocess_usage << date_help;
    return 0;
  }
  if (!p.positional.empty()) {
    err << "bounced reprocess: unexpected argument " << p.positional[0] << "\n" << reprocess_usage;
    return 2;
  }
  std::int64_t since = 0;
  if (p.since) {
    const auto t = util::parse_day_or_time(*p.since);
    if (!t) {
      err << "bounced reprocess: --since: not a date: " << *p.since << "\n" << date_help;
      return 2;
    }
    since = *t;
  }
  // The config gives the rules file, the correlation settings and the database, as serve uses them.
  config cfg;
  if (!p.config) p.config = default_config_path();
  if (p.config) {
    auto loaded = load_config(*p.config);
    if (auto* e = std::get_if<config_error>(&loaded)) {
      err << "bounced reprocess: " << e->to_string() << "\n";
      return 2;
    }
    cfg = std::get<config>(std::move(loaded));
  }
  if (!cfg.rules.file.empty()) p.rules.insert(p.rules.begin(), cfg.rules.file);
  auto compiled = load_rulebook(p.rules);
  if (auto* e = std::get_if<std::string>(&compiled)) {
    err << "bounced reprocess: " << *e << "\n";
    return 2;
  }
  const rulebook& rules = std::get<rulebook>(compiled);
  try {
    if (p.db.empty()) p.db = cfg.database_path();
    const auto db = storage::open_store(p.db);
    std::int64_t changed = 0, unchanged = 0, added = 0, replaced = 0, accounting = 0;
    std::string failure;
    const auto visited = db->for_each_message(since, [&](const storage::stored_message& m) {
      // A chunk of PowerMTA accounting records is not mail: decoded as a message it yields
      // nothing, and its rows (which bounced acct made from the CSV fields) would all be marked
      // replaced and leave every export. It stays as imported.
      if (m.via == storage::channel::acct) {
        ++accounting;
        return true;
      }
      const std::string recipient = m.envelope_recipients.empty() ? std::string() : m.envelope_recipients.front();
      decoded_message d =
          decode_for_storage(m.raw, rules, m.envelope_sender, recipient, "message " + std::to_string(m.id), cfg.correlation);
      for (storage::row& r : d.rows) r.pmta_category = m.pmta_category;  // handed in with the message
      const auto r = db->replace(m.id, d.result, d.rows);
      if (const auto* e = std::get_if<storage::error>(&r)) {
        failure = "message " + std::to_string(m.id) + ": " + e->message;
        return false;
      }
      const auto& done = std::get<storage::replace_result>(r);
      (done.unchanged ? unchanged : changed) += 1;
      added += done.rows_added;
      replaced += done.rows_replaced;
      return true;
    });
    if (const auto* e = std::get_if<storage::error>(&visited)) failure = e->message;
    out << "reprocessed " << (changed + unchanged) << " messages: " << changed << " with new rows (" << added
        << " written, " << replaced << " replaced), " << unchanged << " with the same rows";
    if (accounting > 0) out << "; " << accounting << " chunks of accounting records left as imported";
    out << "\n";
    if (!failure.empty()) {
      err << "bounced reprocess: " << p.db << ": " << failure << "\n";
      return 1;
    }
    return 0;
  } catch (const storage::storage_error& e) {
    err << "bounced reprocess: " << e.what() << "\n";
    return 1;
  }
}

// The database a command that deletes acts on: --db, else the config's, else the default.
bool existing_database(parsed_args& p, std::string_view command, std::ostream& err) {
  if (p.db.empty()) {
    const std::optional<config> cfg = load_command_config(p.config.value_or(""), command, err);
    if (!cfg) return false;
    p.db = cfg->database_path();
  }
  return true;
}

// It must exist already, so that a path given wrong is an error instead of an empty new store
// that reports nothing was there to delete.
storage::open_options existing() {
  storage::open_options o;
  o.must_exist = true;
  return o;
}

int run_purge(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  parsed_args p;
  if (!parse_args(args, {"--db", "--config", "--before"}, p, "purge", err)) {
    err << purge_usage;
    return 2;
  }
  if (p.help) {
    out << purge_usage << date_help;
    return 0;
  }
  if (!p.before || !p.positional.empty()) {
    err << "bounced purge: " << (p.before ? "unexpected argument " + p.positional[0] : "--before is required")
        << "\n" << purge_usage;
    return 2;
  }
  const auto before = util::parse_day_or_time(*p.before);
  if (!before) {
    err << "bounced purge: --before: not a date: " << *p.before << "\n" << date_help;
    return 2;
  }
  if (!existing_database(p, "purge", err)) return 1;
  try {
    const auto db = storage::open_store(p.db, existing());
    const auto r = db->purge(*before);
    if (const auto* e = std::get_if<storage::error>(&r)) {
      err << "bounced purge: " << p.db << ": " << e->message << "\n";
      return 1;
    }
    const auto& done = std::get<storage::purge_result>(r);
    out << "purged " << done.messages << " messages and " << done.rows << " rows received before " << *p.before;
    if (done.acct_keys > 0) out << ", and the duplicate keys of " << done.acct_keys << " accounting records";
    out << "\n";
    return 0;
  } catch (const storage::no_store&) {
    err << "bounced purge: no database at " << p.db << " (give --db PATH or --config FILE)\n";
    return 1;
  } catch (const storage::storage_error& e) {
    err << "bounced purge: " << e.what() << "\n";
    return 1;
  }
}

int run_forget(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  parsed_args p;
  if (!parse_args(args, {"--db", "--config"}, p, "forget", err)) {
    err << forget_usage;
    return 2;
  }
  if (p.help) {
    out << forget_usage;
    return 0;
  }
  if (p.positional.size() != 1 || p.positional[0].find('@') == std::string::npos) {
    err << "bounced forget: give one ADDRESS\n" << forget_usage;
    return 2;
  }
  if (!existing_database(p, "forget", err)) return 1;
  try {
    const auto db = storage::open_store(p.db, existing());
    const auto r = db->forget(p.positional[0]);
    if (const auto* e = std::get_if<storage::error>(&r)) {
      err << "bounced forget: " << p.db << ": " << e->message << "\n";
      return 1;
    }
    const auto& done = std::get<storage::forget_result>(r);
    out << "forgot " << p.positional[0] << ": " << done.messages << " messages, " << done.rows << " rows, "
        << done.suppressions << " suppression entries\n";
    return 0;
  } catch (const storage::no_store&) {
    err << "bounced forget: no database at " << p.db << " (give --db PATH or --config FILE)\n";
    return 1;
  } catch (const storage::storage_error& e) {
    err << "bounced forget: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace bounced::daemon
