// See ingest_command.hpp.
#include "daemon/cli/ingest_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <istream>
#include <iterator>
#include <ostream>
#include <variant>

#include "daemon/cli/command_setup.hpp"
#include "daemon/config.hpp"
#include "daemon/pipeline/to_rows.hpp"
#include "storage/store.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* usage = "usage: bounced ingest [--config FILE] [--db PATH] [-f SENDER] [--] [RECIPIENT...] < message\n";

// Past this a pipe is not handing over a bounce; 65 (EX_DATAERR) rather than a retry loop.
constexpr std::size_t max_message_bytes = 256 * 1024 * 1024;

}  // namespace

int run_ingest(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string db_path, config_path;
  storage::message_in message;
  message.via = storage::channel::pipe;
  if (const auto done = read_command_options(args, "ingest", usage,
                                             {{"--db", &db_path}, {"-f", &message.envelope_sender}, {"--config", &config_path}},
                                             message.envelope_recipients, out, err))
    return *done;
  // A broken config is the operator's to fix: the MTA keeps the message meanwhile (75).
  const std::optional<config> loaded = load_command_config(config_path, "ingest", err);
  if (!loaded) return exit_tempfail;
  const config& cfg = *loaded;
  if (db_path.empty()) db_path = cfg.database_path();
  // Postfix's pipe(8) passes "<>" or an empty ${sender} for the null sender.
  if (message.envelope_sender == "<>") message.envelope_sender.clear();

  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    message.raw.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (message.raw.size() > max_message_bytes) {
      err << "bounced ingest: message larger than " << max_message_bytes << " bytes, not stored\n";
      return 65;
    }
  }
  if (in.bad()) {
    err << "bounced ingest: cannot read stdin\n";
    return exit_tempfail;
  }
  message.received_at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

  const std::optional<rulebook> rules = load_command_rules(cfg, "ingest", err);
  if (!rules) return exit_tempfail;
  const std::string recipient = message.envelope_recipients.empty() ? std::string() : message.envelope_recipients.front();
  decoded_message decoded = decode_for_storage(message.raw, *rules,
                                                message.envelope_sender, recipient, "", cfg.correlation);
  try {
    storage::open_options store_options;
    store_options.soft_bounce_limit = static_cast<int>(cfg.suppression.soft_bounce_limit);
    const auto db = storage::open_store(db_path, store_options);
    const auto stored = db->store_message(message, decoded.result, decoded.rows);
    if (const auto* e = std::get_if<storage::error>(&stored)) {
      err << "bounced ingest: " << db_path << ": " << e->message << "\n";
      return exit_tempfail;
    }
    const auto& r = std::get<storage::store_result>(stored);
    err << fmt::format("bounced ingest: stored as {}{}: {} bytes, {}, {} records\n", r.message_id,
                       r.duplicate ? " (duplicate, already stored)" : "", message.raw.size(), to_string(decoded.result.status),
                       r.duplicate ? 0 : decoded.rows.size());
  } catch (const std::exception& e) {
    err << "bounced ingest: " << e.what() << "\n";
    return exit_tempfail;
  }
  return 0;
}

}  // namespace bounced::daemon
