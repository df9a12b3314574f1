// See server.hpp. Shaped like Asio's cpp20 coroutine examples: an accept loop per listener spawns
// one coroutine per connection whose locals are its state. Every read and write has a deadline,
// kept by one watchdog coroutine per connection: a read or write is a plain async call (racing a
// timer per call cost more than the rest of the session), and the watchdog cancels the socket's
// pending operation when its deadline passes.
#include "daemon/smtpd/server.hpp"

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <fmt/format.h>

#include <atomic>
#include <list>
#include <map>
#include <optional>
#include <set>

#include "daemon/log.hpp"
#include "daemon/net/listener.hpp"
#include "util/text.hpp"

namespace bounced::daemon {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using net::local_stream;
using net::tcp;
using net::tuple_awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {

using params::read_chunk_bytes;

enum class read_status { ok, too_long, bare_newline, timeout, interrupted, closed };

// One open connection, as the server sees it (for the drain and the grace timeout).
struct connection {
  explicit connection(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;  // the watchdog's
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool waiting_command = false;  // blocked reading a command, nothing half-read
  bool timed_out = false;        // the watchdog cancelled the operation in progress
  bool interrupted = false;      // the drain cancelled a wait for a command
  bool over = false;             // the session ended: the watchdog stops
  std::function<void()> cancel;  // cancels the pending operation on the socket
  std::function<void()> close;   // closes the socket under whatever stream is on top
  std::unique_ptr<char[]> chunk;  // the read buffer (read_chunk_bytes), allocated at the first read
};

// Sets the deadline of the next operation; the watchdog's timer is re-armed only when it would
// fire too late (the common case, a later deadline, touches no timer).
void set_deadline(connection& conn, std::chrono::steady_clock::duration timeout) {
  // A flag set while nothing was pending (the watchdog firing during a delivery) must not be
  // read as the cause of a later, unrelated error.
  conn.timed_out = false;
  conn.interrupted = false;
  conn.deadline = std::chrono::steady_clock::now() + timeout;
  if (conn.timer.expiry() > conn.deadline) conn.timer.cancel();
}

// Cancels the connection's pending read or write once its deadline has passed. The deadline
// moves with every operation without touching the timer: when the timer fires early, it waits
// again for the new deadline.
awaitable<void> watchdog(std::shared_ptr<connection> conn) {
  for (;;) {
    conn->timer.expires_at(conn->deadline);
    co_await conn->timer.async_wait(tuple_awaitable);
    if (conn->over) co_return;
    if (std::chrono::steady_clock::now() < conn->deadline) continue;
    conn->timed_out = true;
    conn->deadline = std::chrono::steady_clock::time_point::max();
    if (conn->cancel) conn->cancel();
  }
}

const char* protocol_name(mail_protocol p) { return p == mail_protocol::lmtp ? "lmtp" : "smtp"; }

}  // namespace

struct server::impl {
  impl(server_options o, deliver_fn d) : options(std::move(o)), deliver(std::move(d)) {
    if (!options.tls_certificate.empty()) {
      tls.emplace(asio::ssl::context::tls_server);
      tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      tls->use_certificate_chain_file(options.tls_certificate);
      tls->use_private_key_file(options.tls_key.empty() ? options.tls_certificate : options.tls_key, asio::ssl::context::pem);
    }
    for (std::string& domain : options.bounce_domains) domain = util::to_lower(domain);
  }

  struct tcp_listener {
    tcp::acceptor acceptor;
    mail_protocol protocol;
    bool loopback;
  };
  struct unix_listener {
    local_stream::acceptor acceptor;
    mail_protocol protocol;
    std::string path;
  };

  server_options options;
  deliver_fn deliver;
  asio::io_context io{1};
  std::optional<asio::ssl::context> tls;
  std::list<tcp_listener> tcp_listeners;
  std::list<unix_listener> unix_listeners;
  std::vector<std::uint16_t> ports;
  asio::signal_set signals{io, SIGTERM, SIGINT, SIGHUP};
  asio::steady_timer grace{io};
  asio::steady_timer ticker{io};
  std::chrono::microseconds tick_interval{0};
  std::function<void()> tick;
  std::function<void()> reload;
  std::function<void(bool)> state_changed;
  bool draining = false;
  std::atomic<std::size_t> open{0};
  std::map<std::string, std::size_t> per_client;
  std::set<connection*> connections;

  std::function<bool(std::string_view)> domain_policy(bool local_listener) const {
    return [this, local_listener](std::string_view domain) {
      if (options.bounce_domains.empty()) return local_listener;
      for (const std::string& d : options.bounce_domains)
        if (d == domain) return true;
      return false;
    };
  }

  void start_drain() {
    if (draining) return;
    draining = true;
    log(log_level::info, fmt::format("draining: {} sessions open", connections.size()));
    if (state_changed) state_changed(false);
    boost::system::error_code ignored;
    for (auto& l : tcp_listeners) l.acceptor.close(ignored);
    for (auto& l : unix_listeners) {
      l.acceptor.close(ignored);
      ::unlink(l.path.c_str());
    }
    // Sessions waiting for a command hear 421 now; a session receiving a message's data
    // finishes it (and gets its 250) first.
    for (connection* c : connections)
      if (c->waiting_command) {
        c->interrupted = true;
        c->cancel();
      }
    if (connections.empty()) {
      ticker.cancel();
      signals.cancel(ignored);
      return;
    }
    grace.expires_after(options.drain_grace);
    grace.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      log(log_level::warning, fmt::format("drain grace over: closing {} sessions", connections.size()));
      for (connection* c : connections)
        if (c->close) c->close();
    });
  }

  awaitable<void> ticking() {
    for (;;) {
      ticker.expires_after(tick_interval);
      auto [ec] = co_await ticker.async_wait(tuple_awaitable);
      if (ec || (draining && connections.empty())) co_return;
      tick();
    }
  }

  // SIGHUP reloads; the first SIGTERM or SIGINT drains, a second one during the drain closes
  // what is left at once. The wait ends when the drain has nothing left, so that run() returns
  // (also when stop() came before run() started).
  awaitable<void> handle_signals() {
    for (;;) {
      if (draining && connections.empty()) co_return;
      auto [ec, signal] = co_await signals.async_wait(tuple_awaitable);
      if (ec) co_return;
      if (signal == SIGHUP) {
        log(log_level::info, "SIGHUP: reloading");
        if (reload) reload();
      } else if (!draining) {
        start_drain();
      } else {
        log(log_level::warning, fmt::format("signal {} during the drain: closing {} sessions now", signal, connections.size()));
        for (connection* c : connections)
          if (c->close) c->close();
      }
    }
  }

  // Hands the message over and waits for the answer, which may come from any thread.
  awaitable<delivery_result> deliver_async(delivery d) {
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(delivery_result)>(
        [this](auto handler, delivery message) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto work = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(io.get_executor());
          deliver(std::move(message), [this, shared, work](delivery_result result) {
            auto executor = asio::get_associated_executor(*shared, io.get_executor());
            asio::post(executor, [shared, work, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
          });
        },
        use_awaitable, std::move(d));
  }

  template <class Stream>
  awaitable<bool> write_all(Stream& stream, std::string& out, connection& conn) {
    if (out.empty()) co_return true;
    set_deadline(conn, options.idle_timeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), tuple_awaitable);
    out.clear();
    co_return !ec;
  }

  // Reads more bytes into in, racing the deadline.
  template <class Stream>
  awaitable<read_status> read_more(Stream& stream, std::string& in, connection& conn, std::chrono::steady_clock::duration timeout, bool waiting_command) {
    if (waiting_command && draining) co_return read_status::interrupted;
    if (!conn.chunk) conn.chunk = std::make_unique_for_overwrite<char[]>(read_chunk_bytes);
    conn.waiting_command = waiting_command;
    set_deadline(conn, timeout);
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(conn.chunk.get(), read_chunk_bytes), tuple_awaitable);
    conn.waiting_command = false;
    if (ec) {
      if (conn.timed_out) {
        conn.timed_out = false;
        co_return read_status::timeout;
      }
      co_return conn.interrupted ? read_status::interrupted : read_status::closed;
    }
    in.append(conn.chunk.get(), n);
    co_return read_status::ok;
  }

  // One command line (without its line end) from in, reading as needed. A line past
  // command_line_bytes is skipped to its end and reported as too_long. The idle timeout holds
  // for the whole line, not for each read: a client that trickles a byte now and then cannot
  // keep a connection for ever (Postfix's smtpd_per_record_deadline).
  template <class Stream>
  awaitable<read_status> read_line(Stream& stream, std::string& in, std::string& line, connection& conn) {
    const std::size_t max = options.command_line_bytes;
    const auto until = std::chrono::steady_clock::now() + options.idle_timeout;
    bool skipping = false;
    std::size_t scanned = 0;
    for (;;) {
      const std::size_t nl = in.find('\n', scanned);
      if (nl != std::string::npos) {
        const bool too_long = skipping || nl > max;
        const bool bare = nl == 0 || in[nl - 1] != '\r';
        if (!too_long && !bare) line.assign(in, 0, nl - 1);
        in.erase(0, nl + 1);
        co_return too_long ? read_status::too_long : bare ? read_status::bare_newline : read_status::ok;
      }
      if (in.size() > max) {
        skipping = true;
        in.clear();
      }
      scanned = in.size();
      const read_status status = co_await read_more(stream, in, conn, until - std::chrono::steady_clock::now(), !skipping && in.empty());
      if (status != read_status::ok) co_return status;
    }
  }

  // The conversation on one stream, from the greeting (or the restart after STARTTLS) to the
  // end. Returns true when the client asked for TLS and got 220.
  template <class Stream>
  awaitable<bool> converse(Stream& stream, smtp_session& session, connection& conn, const std::string& client, bool greet) {
    std::string in, out, line;
    if (greet) out = session.greeting();
    for (;;) {
      // PIPELINING (RFC 2920): replies wait while more commands are already here.
      if (in.find('\n') == std::string::npos && !co_await write_all(stream, out, conn)) co_return false;
      const read_status status = co_await read_line(stream, in, line, conn);
      session_reply reply;
      if (status == read_status::closed) co_return false;
      if (status == read_status::interrupted) reply = session.shutting_down();
      else if (status == read_status::timeout) reply = session.timed_out();
      else if (status == read_status::too_long) reply = session.line_too_long();
      else if (status == read_status::bare_newline) reply = session.bare_newline();
      else if (draining) reply = session.shutting_down();
      else reply = session.command(line);
      out += reply.text;
      switch (reply.action) {
        case session_action::none:
          break;
        case session_action::close:
          co_await write_all(stream, out, conn);
          co_return false;
        case session_action::start_tls:
          if (!co_await write_all(stream, out, conn)) co_return false;
          co_return true;  // bytes pipelined after STARTTLS are dropped (RFC 3207 5)
        case session_action::read_data: {
          if (!co_await write_all(stream, out, conn)) co_return false;
          data_reader data(options.limits.message_size_bytes);
          in.erase(0, data.feed(in));
          while (!data.done()) {
            std::string more;
            const read_status s = co_await read_more(stream, more, conn, options.data_timeout, false);
            if (s == read_status::closed) co_return false;
            if (s != read_status::ok) {
              out += session.timed_out().text;
              co_await write_all(stream, out, conn);
              co_return false;
            }
            const std::size_t used = data.feed(more);
            if (data.done()) in.assign(more, used, std::string::npos);
          }
          if (data.too_big()) {
            log(log_level::info, fmt::format("client={} message of {} bytes refused: over the limit of {}", client,
                                             data.size(), options.limits.message_size_bytes));
            out += session.data_done(false, "", true).text;
            break;
          }
          const auto started = std::chrono::steady_clock::now();
          delivery d{session.protocol(), client, session.current(), std::move(data.message())};
          const std::size_t size = d.data.size();
          const std::size_t recipients = d.env.recipients.size();
          const std::string sender = d.env.sender;
          const delivery_result result = co_await deliver_async(std::move(d));
          const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
          if (result.stored) {
            log(log_level::info, fmt::format("{}: client={} via={} from=<{}> size={} recipients={} records={} commit={}ms",
                                             result.queue_id, client, protocol_name(session.protocol()),
                                             printable(sender), size, recipients, result.records, took.count()));
          } else {
            log(log_level::warning, fmt::format("client={} via={} size={}: not stored, 451 sent: {}", client,
                                                protocol_name(session.protocol()), size, result.error));
          }
          out += session.data_done(result.stored, result.queue_id, false).text;
          break;
        }
      }
    }
  }

  // Registers the connection for the drain; the guard undoes it.
  struct registration {
    impl& s;
    connection& conn;
    std::string client;
    registration(impl& server, connection& c, std::string who) : s(server), conn(c), client(std::move(who)) {
      s.connections.insert(&conn);
      ++s.per_client[client];
    }
    ~registration() {
      // The watchdog ends, and nothing calls into this session's sockets any more.
      conn.over = true;
      conn.cancel = nullptr;
      conn.close = nullptr;
      conn.timer.cancel();
      s.connections.erase(&conn);
      if (--s.per_client[client] == 0) s.per_client.erase(client);
      --s.open;
      if (s.draining && s.connections.empty()) {
        s.grace.cancel();
        s.ticker.cancel();
        boost::system::error_code ignored;
        s.signals.cancel(ignored);
      }
    }
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
  };

  // Points the connection's cancel and close at the socket (of a stream, its lowest layer).
  template <class Socket>
  static void attach(connection& conn, Socket& socket) {
    conn.cancel = [&socket] {
      boost::system::error_code ignored;
      socket.cancel(ignored);
    };
    conn.close = [&socket] {
      boost::system::error_code ignored;
      socket.close(ignored);
    };
  }

  awaitable<void> serve_tcp(tcp::socket socket, mail_protocol protocol, bool loopback, std::string client) {
    auto conn = std::make_shared<connection>(io);
    registration reg(*this, *conn, client);
    attach(*conn, socket);
    asio::co_spawn(io, watchdog(conn), net::log_failure{protocol_name(protocol), "watchdog"});
    const bool can_tls = tls.has_value();
    smtp_session session(protocol, options.hostname, options.limits, domain_policy(loopback), can_tls);
    if (!co_await converse(socket, session, *conn, client, true)) co_return;
    // STARTTLS: the same socket under TLS, and the conversation starts over.
    asio::ssl::stream<tcp::socket> secure(std::move(socket), *tls);
    attach(*conn, secure.lowest_layer());
    set_deadline(*conn, options.idle_timeout);
    auto [ec] = co_await secure.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (ec) {
      log(log_level::info, fmt::format("client={}: TLS handshake failed: {}", client, conn->timed_out ? "timeout" : ec.message()));
      co_return;
    }
    session.tls_started();
    co_await converse(secure, session, *conn, client, false);
  }

  awaitable<void> serve_unix(local_stream::socket socket, mail_protocol protocol) {
    auto conn = std::make_shared<connection>(io);
    registration reg(*this, *conn, "unix");
    attach(*conn, socket);
    asio::co_spawn(io, watchdog(conn), net::log_failure{protocol_name(protocol), "watchdog"});
    smtp_session session(protocol, options.hostname, options.limits, domain_policy(true), false);
    co_await converse(socket, session, *conn, "unix", true);
  }

  // Sends a 421 to a connection refused by a limit, without a session.
  template <class Socket>
  void refuse(Socket socket, std::string why) {
    auto s = std::make_shared<Socket>(std::move(socket));
    auto text = std::make_shared<std::string>(fmt::format("421 4.7.0 {} Error: {}\r\n", options.hostname, why));
    asio::async_write(*s, asio::buffer(*text), [s, text](boost::system::error_code, std::size_t) {
      boost::system::error_code ignored;
      s->close(ignored);
    });
  }

  // Whether one more session may start, counting it when it may.
  bool admit(const std::string& client, std::string& why) {
    if (open >= options.connections) {
      why = "too many connections";
      return false;
    }
    auto it = per_client.find(client);
    if (it != per_client.end() && it->second >= options.connections_per_client) {
      why = fmt::format("too many connections from {}", client);
      return false;
    }
    ++open;
    return true;
  }

  // Whether a connection just accepted may have a session; the others get a 421 and are closed.
  template <class Socket>
  bool admit_or_refuse(Socket& socket, const std::string& client) {
    std::string why;
    if (admit(client, why)) return true;
    log(log_level::warning, fmt::format("client={}: refused, {}", client, why));
    refuse(std::move(socket), why);
    return false;
  }
};

server::server(server_options options, deliver_fn deliver)
    : impl_(std::make_unique<impl>(std::move(options), std::move(deliver))) {}

server::~server() = default;

void server::listen(const listen_spec& spec) {
  if (spec.unix_socket) {
    // The MTA's user (postfix, Debian-exim) reaches it through the group (mode 0660).
    impl_->unix_listeners.push_back({net::listen_unix(impl_->io, spec.path, protocol_name(spec.protocol)), spec.protocol, spec.path});
    impl_->ports.push_back(0);
    return;
  }
  tcp::acceptor acceptor = net::listen_tcp(impl_->io, spec.host, spec.port, protocol_name(spec.protocol));
  const tcp::endpoint bound = acceptor.local_endpoint();
  impl_->ports.push_back(bound.port());
  impl_->tcp_listeners.push_back({std::move(acceptor), spec.protocol, bound.address().is_loopback()});
}

std::vector<std::uint16_t> server::bound_ports() const { return impl_->ports; }

void server::on_reload(std::function<void()> reload) { impl_->reload = std::move(reload); }

void server::on_state(std::function<void(bool)> changed) { impl_->state_changed = std::move(changed); }

void server::every(std::chrono::microseconds interval, std::function<void()> tick) {
  impl_->tick_interval = interval;
  impl_->tick = std::move(tick);
}

void server::run() {
  impl& s = *impl_;
  const auto admit = [&s](auto& socket, const std::string& client) { return s.admit_or_refuse(socket, client); };
  for (auto& l : s.tcp_listeners)
    asio::co_spawn(s.io, net::accept_loop(s.io, l.acceptor, admit, [&s, &l](tcp::socket socket, std::string client) {
      return s.serve_tcp(std::move(socket), l.protocol, l.loopback, std::move(client));
    }, protocol_name(l.protocol)), net::log_failure{protocol_name(l.protocol), "accept loop"});
  for (auto& l : s.unix_listeners)
    asio::co_spawn(s.io, net::accept_loop(s.io, l.acceptor, admit, [&s, &l](local_stream::socket socket, std::string) {
      return s.serve_unix(std::move(socket), l.protocol);
    }, protocol_name(l.protocol)), net::log_failure{protocol_name(l.protocol), "accept loop"});
  asio::co_spawn(s.io, s.handle_signals(), net::log_failure{"smtpd", "signal handler"});
  if (s.tick && s.tick_interval.count() > 0) asio::co_spawn(s.io, s.ticking(), net::log_failure{"smtpd", "timer"});
  if (s.state_changed) asio::post(s.io, [&s] { s.state_changed(true); });
  s.io.run();
}

void server::stop() {
  asio::post(impl_->io, [this] { impl_->start_drain(); });
}

std::size_t server::sessions() const { return impl_->open; }

}  // namespace bounced::daemon
