// See parse_command.hpp. Exit status: 0 when every path was read (whatever it held), 1 when a
// path could not be read (after the others are done), 2 for a usage or rule-file error.
#include "daemon/cli/parse_command.hpp"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <ostream>
#include <thread>
#include <vector>
#include <variant>

#include "daemon/cli/inputs.hpp"
#include "daemon/pipeline/to_rows.hpp"
#include "daemon/pipeline/rulebook.hpp"

namespace bounced::daemon {

namespace {

constexpr const char* usage =
    "usage: bounced parse [--format jsonl|json] [--rules FILE] [--all] [--jobs N] PATH...\n"
    "  --jobs N  decode on N threads (default: the number of CPUs, at most 8)\n"
    "  PATH is a file, a folder (its regular files, sorted), a maildir, an mbox file, or - for stdin\n";

// Bounds on the messages read ahead of the output: memory stays flat however large the input.
constexpr std::size_t max_pending_messages = 1024;
constexpr std::size_t max_pending_bytes = 64 * 1024 * 1024;

struct parse_job {
  std::string origin;
  std::string message;
  std::vector<std::string> lines;  // the JSON text of each record
  std::string error;               // why decoding failed (an exception), empty when it did not
  bool done = false;               // guarded by pipeline::mu
};

// Decodes and classifies one message into JSON lines.
void run_job(parse_job& job, const rulebook& rules, bool all) { job.lines = json_lines(job.message, rules, job.origin, all); }

// The reading thread queues messages; `threads` workers decode them in any order; the reading
// thread writes each job's output as soon as it and every job before it are done, so the output
// keeps input order while reading, decoding and writing overlap.
class pipeline {
 public:
  pipeline(const rulebook& rules, bool all, unsigned threads, std::function<void(parse_job&)> write)
      : rules_(rules), all_(all), threads_(threads), write_(std::move(write)) {
    for (unsigned t = 0; t < threads; ++t) workers_.emplace_back([this] { work(); });
  }
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;
  ~pipeline() { finish(); }

  // Jobs are handed over in groups, so the lock is taken once per group, not once per message.
  void push(std::string_view origin, std::string_view message) {
    staged_.push_back({std::string(origin), std::string(message), {}, {}, false});
    if (staged_.size() >= group_size) publish();
  }

  // Waits for every job, writes the rest of the output and stops the workers.
  void finish() {
    publish();
    {
      std::unique_lock lock(mu_);
      closed_ = true;
      work_cv_.notify_all();
      for (;;) {
        write_done(lock);
        if (queue_.empty()) break;
        wait_done(lock, 0);
      }
    }
    for (auto& w : workers_)
      if (w.joinable()) w.join();
  }

 private:
  static constexpr std::size_t group_size = 16;

  void publish() {
    if (staged_.empty()) return;
    std::unique_lock lock(mu_);
    // Wait for room, writing what is done meanwhile.
    for (;;) {
      write_done(lock);
      if (queue_.size() < max_pending_messages && pending_bytes_ < max_pending_bytes) break;
      // Full: wait until a quarter of the queue can go, not just its first job, so the writer
      // wakes once per many jobs.
      wait_done(lock, std::min(queue_.size() - 1, max_pending_messages / 4));
    }
    for (parse_job& job : staged_) {
      pending_bytes_ += job.message.size();
      queue_.push_back(std::move(job));
    }
    staged_.clear();
    if (idle_workers_ > 0) work_cv_.notify_all();
  }

  void work() {
    std::vector<parse_job*> taken;
    std::unique_lock lock(mu_);
    for (;;) {
      ++idle_workers_;
      work_cv_.wait(lock, [&] { return next_ < first_ + queue_.size() || closed_; });
      --idle_workers_;
      const std::size_t available = first_ + queue_.size() - next_;
      if (available == 0) return;
      // A share of what is waiting, so the other workers get theirs.
      const std::size_t take = std::clamp<std::size_t>(available / (2 * threads_), 1, group_size);
      // deque: references stay valid while other jobs are pushed at the back or popped in front.
      taken.clear();
      for (std::size_t i = 0; i < take; ++i) taken.push_back(&queue_[next_++ - first_]);
      lock.unlock();
      for (parse_job* job : taken) {
        try {
          run_job(*job, rules_, all_);
        } catch (const std::exception& e) {
          job->lines.clear();
          job->error = e.what();
        }
      }
      lock.lock();
      bool wake = false;
      for (parse_job* job : taken) {
        job->done = true;
        wake = wake || job == awaited_;
      }
      // Futex calls cost more than short messages take to decode: wake the writer only when it
      // waits for one of these jobs.
      if (wake) done_cv_.notify_one();
    }
  }

  // Waits until the job at queue_[at] and every job before it are done.
  void wait_done(std::unique_lock<std::mutex>& lock, std::size_t at) {
    for (std::size_t i = 0; i <= at; ++i) {
      if (queue_[i].done) continue;
      awaited_ = &queue_[i];
      done_cv_.wait(lock, [&] { return queue_[i].done; });
    }
    awaited_ = nullptr;
  }

  // Writes and drops the done jobs at the front; the lock is released while writing.
  void write_done(std::unique_lock<std::mutex>& lock) {
    while (!queue_.empty() && queue_.front().done) {
      ready_.clear();
      while (!queue_.empty() && queue_.front().done) {
        pending_bytes_ -= queue_.front().message.size();
        ready_.push_back(std::move(queue_.front()));
        queue_.pop_front();
        ++first_;
      }
      lock.unlock();
      for (parse_job& job : ready_) write_(job);
      ready_.clear();
      lock.lock();
    }
  }

  const rulebook& rules_;
  const bool all_;
  const unsigned threads_;
  std::function<void(parse_job&)> write_;
  std::vector<parse_job> staged_;  // read, not yet handed to the workers (reading thread only)
  std::vector<parse_job> ready_;   // done, being written (reading thread only)
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<parse_job> queue_;
  std::size_t first_ = 0;  // the index, counted from the first job ever, of queue_.front()
  std::size_t next_ = 0;   // the index of the next job no worker has taken
  std::size_t pending_bytes_ = 0;
  bool closed_ = false;
  unsigned idle_workers_ = 0;
  const parse_job* awaited_ = nullptr;  // a job the writer waits for
  std::vector<std::thread> workers_;
};

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
  auto compiled = load_rulebook(rule_files);
  if (auto* e = std::get_if<std::string>(&compiled)) {
    err << "bounced parse: " << *e << "\n";
    return 2;
  }
  const rulebook& rules = std::get<rulebook>(compiled);

  // Messages are decoded on worker threads (the parser and the classifier share no mutable
  // state) while this thread reads the input and writes the output, in input order.
  bool first = true;
  int status = 0;
  {
    pipeline work(rules, all, jobs, [&](parse_job& job) {
      if (!job.error.empty()) {
        err << "bounced parse: " << job.origin << ": cannot decode: " << job.error << "\n";
        status = 1;
      }
      for (const std::string& line : job.lines) {
        if (format == "json") out << (first ? "[\n" : ",\n") << line;
        else out << line << '\n';
        first = false;
      }
    });
    for (const auto& path : paths) {
      for_each_message(
          path, [&](std::string_view origin, std::string_view message) { work.push(origin, message); },
          [&](std::string_view origin, std::string_view what) {
            err << "bounced parse: " << origin << ": " << what << "\n";
            status = 1;
          });
    }
    work.finish();
  }
  if (format == "json") out << (first ? "[]\n" : "\n]\n");
  out.flush();
  return status;
}

}  // namespace bounced::daemon
