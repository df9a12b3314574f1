// See acct_command.hpp.
#include "daemon/cli/acct_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <ostream>
#include <variant>

#include "daemon/cli/command_setup.hpp"
#include "daemon/config.hpp"
#include "daemon/pipeline/correlate.hpp"
#include "daemon/cli/ingest_command.hpp"
#include "daemon/pipeline/to_rows.hpp"
#include "parser/acct.hpp"
#include "parser/text.hpp"
#include "storage/store.hpp"
#include "util/text.hpp"

namespace bounced::daemon {

namespace {

// A name in a header row or --fields that looks like a typo of one bounced reads: said, not
// refused (the field is then not read: a missing timeLogged gives every record the import's time).
void warn_near_misses(std::ostream& err, std::string_view where, const parser::acct_layout& layout) {
  for (const auto& [name, meant] : layout.near_misses)
    err << fmt::format("bounced acct: {}: unknown field \"{}\" is not read; did you mean \"{}\"?\n", where, name, meant);
}

constexpr int exit_dataerr = 65;  // sysexits.h EX_DATAERR
constexpr const char* usage = "usage: bounced acct [--config FILE] [--db PATH] [--fields LIST] [FILE...|-]\n";
constexpr std::size_t read_bytes = 1 << 20;
constexpr std::size_t chunk_raw_bytes = params::acct_chunk_bytes;
constexpr std::size_t reported_per_input = 20;  // malformed records named one by one; the rest counted
constexpr off_t progress_from_bytes = 8 << 20;
// How long a commit waits for another process's write lock (a long forget or purge, a backup's
// shell) before giving up: a pipe from PowerMTA cannot hand its records over again.
constexpr std::chrono::milliseconds import_lock_wait{120000};
// How long a read waits before looking at the stop flag again.
constexpr int stop_check_ms = 250;

// SIGTERM, SIGINT or SIGHUP (PowerMTA or its unit stopping, a terminal closing): the records read
// whole so far are committed, then acct ends.
volatile sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int signal) { stop_signal = signal; }

void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a read or poll waiting returns at once
  for (const int s : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(s, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a closed stderr is not a reason to drop what is read
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What happened to one input.
struct tally {
  std::int64_t records = 0, added = 0, duplicates = 0, ignored = 0, malformed = 0;
};

// Turns records into rows and stores them a chunk at a time.
class importer {
 public:
  importer(storage::store& db, const classifier::rule_set& rules, const correlation_settings& correlation,
           std::ostream& err)
      : db_(db), rules_(rules), correlation_(correlation), err_(err) {
    chunk_.items.reserve(chunk_records);
  }

  // One input to its end; false when storing failed (reported).
  bool run(int fd, const std::string& name, std::optional<parser::acct_layout> fields, tally& t) {
    name_ = name;
    layout_ = std::move(fields);
    t_ = &t;
    struct stat st {};
    const bool show_progress = ::isatty(2) && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= progress_from_bytes;
    std::string buffer;
    std::size_t at = 0, line = 1;
    bool eof = false;
    off_t read_total = 0;
    auto last_progress = std::chrono::steady_clock::now();
    parser::csv_record record;
    while (true) {
      // Every whole record in the buffer.
      while (at < buffer.size()) {
        if (skipping_) {
          // The rest of a record past the size bound, up to its line's end.
          const std::size_t nl = buffer.find('\n', at);
          if (nl == std::string::npos) {
            at = buffer.size();
            break;
          }
          at = nl + 1;
          ++line;
          skipping_ = false;
          continue;
        }
        const std::string_view rest = std::string_view(buffer).substr(at);
        std::size_t n = parser::parse_csv_record(rest, eof, record);
        if (n == 0) {
          // Not whole yet: past the bound it never will be. Reported now, and skipped to its
          // line's end without holding it in memory.
          if (rest.size() > parser::max_record_bytes) {
            ++t_->records;
            malformed(line, fmt::format("a record longer than {} bytes", parser::max_record_bytes));
            skipping_ = true;
            continue;
          }
          break;
        }
        // A quoted field over several lines in a record that then does not fit the header: a
        // quote opened by mistake (a line cut off inside quotes, by a crash or a full disk) ran
        // on to a later one. Only the first line is malformed; reading goes on from the next,
        // so the records it ran over are not lost with it.
        if (record.lines > 1 && layout_ && !parser::is_acct_header(record) && record.error.empty() &&
            record.fields.size() != layout_->count) {
          const std::size_t first = rest.find('\n');
          n = first == std::string_view::npos ? rest.size() : first + 1;
          record.fields.clear();
          record.error = fmt::format("a quoted field runs on over {} lines and the record does not fit the header", record.lines);
          record.lines = 1;
        }
        if (!take(record, std::string_view(buffer).substr(at, n), line)) return false;
        line += record.lines;
        at += n;
      }
      if (eof) break;
      buffer.erase(0, at);
      at = 0;
      if (stop_signal != 0) {
        stopped_ = true;
        if (!buffer.empty())
          err_ << fmt::format("bounced acct: {}: stopped by signal {}: {} bytes of a record not yet whole left unread\n", name_,
                              static_cast<int>(stop_signal), buffer.size());
        break;
      }
      // A quiet pipe: what is waiting goes to disk within commit_wait of its first record. The
      // wait is cut in steps, to see a stop signal that came just before it.
      int wait_ms = stop_check_ms;
      if (!chunk_.items.empty()) {
        const auto waited = std::chrono::steady_clock::now() - chunk_started_;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(commit_wait - waited).count();
        if (left <= 0) {
          if (!commit()) return false;
          continue;
        }
        wait_ms = static_cast<int>(std::min<long long>(left, stop_check_ms));
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, wait_ms) <= 0) continue;  // nothing yet, or a signal: look again
      const std::size_t old = buffer.size();
      buffer.resize(old + read_bytes);
      const ssize_t got = ::read(fd, buffer.data() + old, read_bytes);
      if (got < 0 && errno == EINTR) {
        buffer.resize(old);
        continue;
      }
      if (got < 0) {
        buffer.resize(old);
        err_ << "bounced acct: " << name_ << ": " << std::strerror(errno) << "\n";
        read_failed_ = true;
        eof = true;
        continue;
      }
      buffer.resize(old + static_cast<std::size_t>(got));
      eof = got == 0;
      read_total += got;
      if (show_progress && (eof || std::chrono::steady_clock::now() - last_progress > std::chrono::milliseconds(200))) {
        last_progress = std::chrono::steady_clock::now();
        err_ << fmt::format("\r{}: {:3}%  {} records", name_, read_total * 100 / st.st_size, t.records) << std::flush;
      }
    }
    if (show_progress) err_ << "\n";
    if (!commit()) return false;
    if (t.malformed > static_cast<std::int64_t>(reported_per_input))
      err_ << fmt::format("bounced acct: {}: {} more malformed records skipped\n", name_,
                          t.malformed - static_cast<std::int64_t>(reported_per_input));
    return true;
  }

  bool read_failed() const { return read_failed_; }
  // A stop signal ended this input before its end (what was read whole is committed).
  bool stopped() const { return stopped_; }

 private:
  void malformed(std::size_t line, std::string_view why) {
    ++t_->malformed;
    ++chunk_malformed_;
    if (t_->malformed <= static_cast<std::int64_t>(reported_per_input))
      err_ << fmt::format("bounced acct: {}:{}: {}; skipped\n", name_, line, why);
  }

  // One record (text: its bytes as read).
  bool take(const parser::csv_record& record, std::string_view text, std::size_t line) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (record.error.empty() && record.fields.size() == 1 && util::trim(record.fields[0]).empty()) return true;
    if (parser::is_acct_header(record)) {
      // A new field order: what came before goes to disk under the old one.
      if (!commit()) return false;
      auto l = parser::make_acct_layout(record.fields);
      if (auto* why = std::get_if<std::string>(&l)) {
        malformed(line, "a header row that cannot be used: " + *why);
        layout_.reset();
        return true;
      }
      layout_ = std::get<parser::acct_layout>(std::move(l));
      warn_near_misses(err_, fmt::format("{}:{}", name_, line), *layout_);
      return true;
    }
    ++t_->records;
    if (!layout_) {
      malformed(line, "no header row before this record (give the field order with --fields)");
      return true;
    }
    if (chunk_.message.raw.empty()) {
      chunk_.message.raw = layout_->names + "\n";
      chunk_started_ = std::chrono::steady_clock::now();
    }
    chunk_.message.raw.append(text).append("\n");
    auto read = parser::read_acct_record(*layout_, record);
    if (auto* why = std::get_if<std::string>(&read)) {
      malformed(line, *why);
    } else if (auto& r = std::get<parser::acct_record>(read); r.kind == parser::acct_kind::other) {
      ++t_->ignored;
    } else {
      chunk_.items.push_back(to_item(r, text));
    }
    if (chunk_.items.size() >= chunk_records || chunk_.message.raw.size() >= chunk_raw_bytes) return commit();
    return true;
  }

  storage::acct_item to_item(const parser::acct_record& a, std::string_view text) const {
    storage::acct_item item;
    item.key = storage::acct_key(layout_->names, text);
    item.logged_at = a.time_logged.value_or(now_seconds());
    item.fields = acct_to_row(a, rules_, correlation_);
    return item;
  }

  bool commit() {
    if (chunk_.message.raw.empty()) return true;
    chunk_.message.via = storage::channel::acct;
    chunk_.message.client = name_;
    chunk_.message.received_at = now_seconds();
    if (chunk_malformed_ > 0) chunk_.detail = fmt::format("{} malformed records skipped", chunk_malformed_);
    if (!chunk_.items.empty()) {
      const auto stored = db_.store_acct(chunk_);
      if (const auto* e = std::get_if<storage::error>(&stored)) {
        err_ << "bounced acct: " << name_ << ": cannot store: " << e->message << "\n";
        return false;
      }
      const auto& r = std::get<storage::acct_result>(stored);
      t_->added += r.added;
      t_->duplicates += r.duplicates;
    }
    chunk_ = {};
    chunk_.items.reserve(chunk_records);
    chunk_malformed_ = 0;
    return true;
  }

  storage::store& db_;
  const classifier::rule_set& rules_;
  const correlation_settings& correlation_;
  std::ostream& err_;
  std::string name_;
  std::optional<parser::acct_layout> layout_;
  tally* t_ = nullptr;
  storage::acct_chunk chunk_;  // the records read since the last commit, and their text
  std::int64_t chunk_malformed_ = 0;
  std::chrono::steady_clock::time_point chunk_started_;
  bool read_failed_ = false;
  bool stopped_ = false;
  bool skipping_ = false;  // inside a record past max_record_bytes, dropping bytes to its line's end
};

}  // namespace

int run_acct(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string db_path, config_path, fields_text;
  std::vector<std::string> inputs;
  if (const auto done = read_command_options(args, "acct", usage,
                                             {{"--db", &db_path}, {"--config", &config_path}, {"--fields", &fields_text}},
                                             inputs, out, err))
    return *done;
  if (inputs.empty()) inputs.push_back("-");

  std::optional<parser::acct_layout> fields;
  if (!fields_text.empty()) {
    parser::csv_record names;
    parser::parse_csv_record(fields_text, true, names);
    auto l = parser::make_acct_layout(names.fields);
    if (auto* why = std::get_if<std::string>(&l)) {
      err << "bounced acct: --fields: " << *why << "\n";
      return 2;
    }
    fields = std::get<parser::acct_layout>(std::move(l));
    warn_near_misses(err, "--fields", *fields);
  }

  const std::optional<config> loaded = load_command_config(config_path, "acct", err);
  if (!loaded) return exit_tempfail;
  const config& cfg = *loaded;
  if (db_path.empty()) db_path = cfg.database_path();
  const std::optional<rulebook> compiled = load_command_rules(cfg, "acct", err);
  if (!compiled) return exit_tempfail;
  const classifier::rule_set& rules = compiled->classifying;

  try {
    storage::open_options store_options;
    store_options.soft_bounce_limit = static_cast<int>(cfg.suppression.soft_bounce_limit);
    store_options.load = storage::workload::bulk_import;
    store_options.lock_wait = import_lock_wait;
    const auto opened = storage::open_store(db_path, store_options);
    storage::store& db = *opened;
    catch_stop_signals();
    bool unreadable = false, unusable = false;
    for (const std::string& input : inputs) {
      const bool from_stdin = input == "-";
      const int fd = from_stdin ? 0 : ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        err << "bounced acct: " << input << ": " << std::strerror(errno) << "\n";
        unreadable = true;
        continue;
      }
      const std::string name = from_stdin ? "stdin" : input;
      importer run(db, rules, cfg.correlation, err);
      tally t;
      const bool stored = run.run(fd, name, fields, t);
      if (!from_stdin) ::close(fd);
      err << fmt::format("bounced acct: {}: {} records: {} added, {} imported before, {} of other types, {} malformed\n",
                         name, t.records, t.added, t.duplicates, t.ignored, t.malformed);
      if (!stored) return exit_tempfail;
      if (run.stopped()) return exit_tempfail;  // the inputs after it are left: import them again
      unreadable |= run.read_failed();
      // Every record malformed (no header row, the wrong --fields): a setup to fix, not data to
      // skip quietly.
      if (t.records > 0 && t.malformed == t.records) {
        err << "bounced acct: " << name << ": no record could be read\n";
        unusable = true;
      }
    }
    return unusable ? exit_dataerr : unreadable ? 1 : 0;
  } catch (const std::exception& e) {
    err << "bounced acct: " << e.what() << "\n";
    return exit_tempfail;
  }
}

}  // namespace bounced::daemon
