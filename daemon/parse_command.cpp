// See parse_command.hpp. Exit status: 0 when every path was read (whatever it held), 1 when a
// path could not be read (after the others are done), 2 for a usage or rule-file error.
#include "daemon/parse_command.hpp"

#include <boost/json/serialize.hpp>

#include <ostream>
#include <variant>

#include "daemon/inputs.hpp"
#include "daemon/record.hpp"
#include "parser/decode.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* usage =
    "usage: bounced parse [--format jsonl|json] [--rules FILE] [--all] PATH...\n"
    "  PATH is a file, a folder (its regular files, sorted), a maildir, an mbox file, or - for stdin\n";

}  // namespace

int run_parse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string format = "jsonl";
  std::vector<std::string> rule_files, paths;
  bool all = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" || a == "--rules") {
      if (i + 1 >= args.size()) {
        err << "bounced parse: " << a << " needs a value\n" << usage;
        return 2;
      }
      (a == "--format" ? format : rule_files.emplace_back()) = args[++i];
    } else if (a.rfind("--format=", 0) == 0) {
      format = a.substr(9);
    } else if (a.rfind("--rules=", 0) == 0) {
      rule_files.push_back(a.substr(8));
    } else if (a == "--all") {
      all = true;
    } else if (a == "-h" || a == "--help") {
      out << usage;
      return 0;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      err << "bounced parse: unknown option " << a << "\n" << usage;
      return 2;
    } else {
      paths.push_back(a);
    }
  }
  if (format != "jsonl" && format != "json") {
    err << "bounced parse: --format must be jsonl or json, not " << format << "\n";
    return 2;
  }
  if (paths.empty()) {
    err << "bounced parse: no PATH given\n" << usage;
    return 2;
  }
  auto compiled = classifier::rule_set::load(rule_files);
  if (auto* e = std::get_if<classifier::rule_error>(&compiled)) {
    err << "bounced parse: " << e->to_string() << "\n";
    return 2;
  }
  const classifier::rule_set& rules = std::get<classifier::rule_set>(compiled);

  bool first = true;
  auto emit = [&](const boost::json::object& o) {
    if (format == "json") {
      out << (first ? "[\n" : ",\n") << boost::json::serialize(o);
    } else {
      out << boost::json::serialize(o) << '\n';
    }
    first = false;
  };
  int status = 0;
  for (const auto& path : paths) {
    for_each_message(
        path,
        [&](std::string_view origin, std::string_view message) {
          const parser::report report = parser::decode(message);
          if (report.kind == parser::message_kind::none) {
            if (all) {
              boost::json::object o;
              o["origin"] = origin;
              o["kind"] = "none";
              o["decoded"] = false;
              o["why"] = report.why_not;
              o["subject"] = report.subject;
              emit(o);
            }
            return;
          }
          for (const record& r : make_records(report, rules, origin)) emit(to_json(r));
        },
        [&](std::string_view origin, std::string_view what) {
          err << "bounced parse: " << origin << ": " << what << "\n";
          status = 1;
        });
  }
  if (format == "json") out << (first ? "[]\n" : "\n]\n");
  out.flush();
  return status;
}

}  // namespace bounced::daemon
