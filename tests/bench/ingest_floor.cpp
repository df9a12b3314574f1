// The floor of tests/bench/ingest-bench: the least that an LMTP server storing every message
// durably has to do, driven by the same clients as bounced in the same run.
//
// It speaks just enough LMTP for smtp-source and the bench's client (LHLO, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT; commands pipelined) and stores each message's bytes as they came (no
// dot-unstuffing) into one table without an index, through bounced's own SQLite connection (WAL,
// synchronous = FULL, the WAL buffer, a checkpoint every 10,000 pages). Commits of concurrent
// sessions are grouped as bounced's writer groups them: one thread takes whatever is queued into
// one transaction. 250 for each recipient comes after the commit. No limits, no records, no
// duplicate check.
//
// With --decode it also decodes each message with bounced's decoder (decode_for_storage, on the
// network thread, where bounced decodes messages of typical size) and drops the records: the
// floor of a server that has to decode what it stores.
//
// Usage: ingest_floor --db PATH [--decode]. Prints "listening: lmtp 127.0.0.1:PORT" on stderr and
// runs until SIGTERM or SIGINT.
#include <boost/asio.hpp>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "daemon/pipeline/to_rows.hpp"
#include "storage/sqlite/connection.hpp"

namespace {

namespace asio = boost::asio;
namespace sqlite = bounced::storage::sqlite;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// One thread, one connection: each turn stores everything queued in one transaction, then
// answers every message of it.
class group_writer {
 public:
  explicit group_writer(const std::string& path) {
    {
      sqlite::connection setup(path);
      setup.exec("PRAGMA journal_mode = WAL");
      setup.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, raw BLOB NOT NULL)");
    }
    db_.emplace(path, true);
    db_->exec("PRAGMA wal_autocheckpoint = 10000");
    thread_ = std::thread([this] { run(); });
  }
  group_writer(const group_writer&) = delete;
  group_writer& operator=(const group_writer&) = delete;
  ~group_writer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  void submit(std::string raw, std::function<void()> done) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back({std::move(raw), std::move(done)});
    }
    cv_.notify_one();
  }

 private:
  struct job {
    std::string raw;
    std::function<void()> done;
  };

  void run() {
    sqlite::statement insert(*db_, "INSERT INTO messages (raw) VALUES (?)", true);
    std::vector<job> batch;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
        queue_.clear();
      }
      try {
        sqlite::transaction tx(*db_);
        for (const job& j : batch) {
          insert.reset();
          insert.bind_blob(1, j.raw).run();
        }
        insert.reset();
        tx.commit();
      } catch (const sqlite::failure& e) {
        std::fprintf(stderr, "ingest_floor: %s\n", e.what());
        std::_Exit(1);  // a floor that stops storing measures nothing
      }
      for (job& j : batch) j.done();
      batch.clear();
    }
  }

  std::optional<sqlite::connection> db_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// Resumes once the writer has committed the message.
awaitable<void> store(group_writer& writer, std::string raw) {
  asio::steady_timer committed(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
  writer.submit(std::move(raw), [&committed] { asio::post(committed.get_executor(), [&committed] { committed.cancel(); }); });
  co_await committed.async_wait(tuple_awaitable);
}

std::string verb_of(const std::string& line) {
  std::string verb = line.substr(0, line.find(' '));
  std::transform(verb.begin(), verb.end(), verb.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return verb;
}

awaitable<void> session(tcp::socket socket, group_writer& writer, const bounced::daemon::rulebook* rules) {
  std::string in, out = "220 ingest_floor LMTP\r\n";
  std::size_t recipients = 0;
  std::vector<char> chunk(65536);
  bool in_data = false;
  std::size_t scanned = 0;  // of in, while in_data: where the search for the end goes on
  for (;;) {
    for (;;) {
      if (in_data) {
        std::size_t end = std::string::npos;
        if (in.compare(0, 3, ".\r\n") == 0) end = 0;
        else if (const std::size_t at = in.find("\r\n.\r\n", scanned); at != std::string::npos) end = at + 2;
        if (end == std::string::npos) {
          scanned = in.size() < 4 ? 0 : in.size() - 4;
          break;
        }
        std::string raw = in.substr(0, end);
        in.erase(0, end + 3);
        in_data = false;
        if (rules) static_cast<void>(bounced::daemon::decode_for_storage(raw, *rules, "", "", ""));
        co_await store(writer, std::move(raw));
        for (std::size_t i = 0; i < recipients; ++i) out += "250 2.0.0 stored\r\n";
        continue;
      }
      const std::size_t nl = in.find("\r\n");
      if (nl == std::string::npos) break;
      const std::string verb = verb_of(in.substr(0, nl));
      in.erase(0, nl + 2);
      if (verb == "LHLO") {
        out += "250-ingest_floor\r\n250 PIPELINING\r\n";
      } else if (verb == "MAIL") {
        recipients = 0;
        out += "250 2.1.0 Ok\r\n";
      } else if (verb == "RCPT") {
        ++recipients;
        out += "250 2.1.5 Ok\r\n";
      } else if (verb == "DATA" && recipients == 0) {
        out += "503 5.5.1 Error: need RCPT command\r\n";
      } else if (verb == "DATA") {
        out += "354 End data with <CR><LF>.<CR><LF>\r\n";
        in_data = true;
        scanned = 0;
      } else if (verb == "RSET" || verb == "NOOP") {
        out += "250 2.0.0 Ok\r\n";
      } else if (verb == "QUIT") {
        out += "221 2.0.0 Bye\r\n";
        co_await asio::async_write(socket, asio::buffer(out), tuple_awaitable);
        co_return;
      } else {
        out += "500 5.5.2 Error: command not recognized\r\n";
      }
    }
    if (!out.empty()) {
      auto [ec, n] = co_await asio::async_write(socket, asio::buffer(out), tuple_awaitable);
      if (ec) co_return;
      out.clear();
    }
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), tuple_awaitable);
    if (ec) co_return;
    in.append(chunk.data(), n);
  }
}

awaitable<void> accept(tcp::acceptor& acceptor, group_writer& writer, const bounced::daemon::rulebook* rules) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), writer, rules), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  bool decode = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--db") == 0 && i + 1 < argc) db = argv[++i];
    else if (std::strcmp(argv[i], "--decode") == 0) decode = true;
    else db.clear(), i = argc;
  }
  if (db.empty()) {
    std::cerr << "usage: ingest_floor --db PATH [--decode]\n";
    return 2;
  }
  auto compiled = bounced::daemon::load_rulebook({});
  const auto* rules = std::get_if<bounced::daemon::rulebook>(&compiled);
  if (rules == nullptr) return 1;
  try {
    asio::io_context io(1);
    group_writer writer(db);  // stopped (queue drained) before io, whose coroutines its answers wake
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code, int) { io.stop(); });
    std::cerr << "listening: lmtp 127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
    asio::co_spawn(io, accept(acceptor, writer, decode ? rules : nullptr), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "ingest_floor: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
