// bounced: main only wires; every command lives in the daemon library.
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daemon/cli/acct_command.hpp"
#include "daemon/cli/check_config_command.hpp"
#include "daemon/cli/ingest_command.hpp"
#include "daemon/log.hpp"
#include "daemon/cli/parse_command.hpp"
#include "daemon/serve_command.hpp"
#include "daemon/cli/store_commands.hpp"
#include "storage/store.hpp"

#ifndef BOUNCED_VERSION
#define BOUNCED_VERSION "unknown"
#endif

namespace {

constexpr const char* usage =
    "usage: bounced COMMAND [ARGS...]\n"
    "commands:\n"
    "  serve [--config FILE] [--db PATH] [--lmtp ADDR] [--smtp ADDR] [--http ADDR]\n"
    "                                                                    the daemon: bounces over LMTP/SMTP, the HTTP API\n"
    "  ingest [--config FILE] [--db PATH] [-f SENDER] [RECIPIENT...]    store one message from stdin (MTA pipes)\n"
    "  parse [--format jsonl|json] [--rules FILE] [--all] [--jobs N] PATH...  decode bounces, print records\n"
    "  acct [--config FILE] [--db PATH] [--fields LIST] [FILE...|-]    import PowerMTA accounting records\n"
    "  reprocess [--config FILE] [--db PATH] [--since DATE] [--rules FILE]  decode stored messages again\n"
    "  purge [--config FILE] [--db PATH] --before DATE                   delete messages received before DATE\n"
    "  forget [--config FILE] [--db PATH] ADDRESS                        erase an address everywhere\n"
    "  check-config [--config FILE]                                      validate a config file\n"
    "  --version                                                         print the version\n";

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::cout << "bounced " << BOUNCED_VERSION << "\n";
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  // SQLite's own reports (a checkpoint that cannot write the database file, WAL recovery) go to
  // the log; what callers report themselves stays at debug.
  bounced::storage::set_error_log([](int severity, int code, std::string_view message) {
    using bounced::daemon::log_level;
    const log_level level = severity == 0 ? log_level::warning : severity == 1 ? log_level::info : log_level::debug;
    if (!bounced::daemon::log_enabled(level)) return;
    bounced::daemon::log(level, fmt::format("sqlite ({}): {}", code, bounced::daemon::printable(message)));
  });
  if (command == "parse") return bounced::daemon::run_parse(args, std::cout, std::cerr);
  else if (command == "serve") return bounced::daemon::run_serve(args, std::cout, std::cerr);
  else if (command == "ingest") return bounced::daemon::run_ingest(args, std::cin, std::cout, std::cerr);
  else if (command == "acct") return bounced::daemon::run_acct(args, std::cout, std::cerr);
  else if (command == "reprocess") return bounced::daemon::run_reprocess(args, std::cout, std::cerr);
  else if (command == "purge") return bounced::daemon::run_purge(args, std::cout, std::cerr);
  else if (command == "forget") return bounced::daemon::run_forget(args, std::cout, std::cerr);
  else if (command == "check-config") return bounced::daemon::run_check_config(args, std::cout, std::cerr);
  std::cerr << "bounced: unknown command " << command << "\n" << usage;
  return 2;
}
