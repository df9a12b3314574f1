// See parse_command.hpp. Exit status: 0 when every path was read (whatever it held), 1 when a
// path could not be read (after the others are done), 2 for a usage or rule-file error.
#include "daemon/parse_command.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <ostream>
#include <thread>
#include <vector>
#include <variant>

#include "daemon/inputs.hpp"
#include "daemon/record.hpp"
#include "parser/decode.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* usage =
    "usage: bounced parse [--format jsonl|json] [--rules FILE] [--all] [--jobs N] PATH...\n"
    "  --jobs N  decode on N threads (default: the number of CPUs, at most 8)\n"
    "  PATH is a file, a folder (its regular files, sorted), a maildir, an mbox file, or - for stdin\n";

constexpr std::size_t max_batch_messages = 512;
constexpr std::size_t max_batch_bytes = 64 * 1024 * 1024;

struct parse_job {
  std::string origin;
  std::string message;
  std::vector<std::string> lines;  // the JSON text of each record
};

// Decodes and classifies one message into JSON lines.
void run_job(parse_job& job, const classifier::rule_set& rules, bool all) {
  const parser::report report = parser::decode(job.message);
  if (report.kind == parser::message_kind::none) {
    if (all) {
      boost::json::object o;
      o["origin"] = job.origin;
      o["kind"] = "none";
      o["decoded"] = false;
      o["why"] = report.why_not;
      o["subject"] = report.subject;
      job.lines.push_back(boost::json::serialize(o));
    }
    return;
  }
  for (const record& r : make_records(report, rules, job.origin)) job.lines.push_back(boost::json::serialize(to_json(r)));
}

// Runs every job of the batch on `threads` threads (the calling one included).
void run_batch(std::vector<parse_job>& batch, const classifier::rule_set& rules, bool all, unsigned threads) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < batch.size(); i = next++) run_job(batch[i], rules, all);
  };
  std::vector<std::thread> workers;
  const std::size_t wanted = std::min<std::size_t>(threads, batch.size());
  for (std::size_t t = 1; t < wanted; ++t) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
}

}  // namespace

int run_parse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string format = "jsonl";
  std::vector<std::string> rule_files, paths;
  bool all = false;
  unsigned jobs = std::clamp(std::thread::hardware_concurrency(), 1U, 8U);
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
    } else if (a == "--jobs" || a.rfind("--jobs=", 0) == 0) {
      std::string value;
      if (a == "--jobs") {
        if (i + 1 >= args.size()) {
          err << "bounced parse: --jobs needs a value\n" << usage;
          return 2;
        }
        value = args[++i];
      } else {
        value = a.substr(7);
      }
      unsigned n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > 256) {
        err << "bounced parse: --jobs must be a number from 1 to 256, not " << value << "\n";
        return 2;
      }
      jobs = n;
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

  // Messages are decoded in batches across worker threads (the parser and the classifier share
  // no mutable state); each batch's output is written in input order, and the batch bounds the
  // memory held however large the input.
  std::vector<parse_job> batch;
  std::size_t batch_bytes = 0;
  bool first = true;
  auto flush = [&] {
    run_batch(batch, rules, all, jobs);
    for (const parse_job& job : batch)
      for (const std::string& line : job.lines) {
        if (format == "json") out << (first ? "[\n" : ",\n") << line;
        else out << line << '\n';
        first = false;
      }
    batch.clear();
    batch_bytes = 0;
  };
  int status = 0;
  for (const auto& path : paths) {
    for_each_message(
        path,
        [&](std::string_view origin, std::string_view message) {
          batch.push_back({std::string(origin), std::string(message), {}});
          batch_bytes += message.size();
          if (batch.size() >= max_batch_messages || batch_bytes >= max_batch_bytes) flush();
        },
        [&](std::string_view origin, std::string_view what) {
          err << "bounced parse: " << origin << ": " << what << "\n";
          status = 1;
        });
  }
  flush();
  if (format == "json") out << (first ? "[]\n" : "\n]\n");
  out.flush();
  return status;
}

}  // namespace bounced::daemon
