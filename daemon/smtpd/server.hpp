// The SMTP and LMTP listeners: Boost.Asio, one C++20 coroutine per connection, one I/O thread
// (decoding and storage run elsewhere: the deliver function hands each message over and
// answers later, from any thread). Asio stays inside server.cpp; this header is plain C++.
//
// Limits are enforced where input is read: a command line is read into a buffer of at most
// command_line_bytes (past it: 500 5.5.2, and the rest of the line is skipped so the session
// stays in step); DATA has its own size bound and is never refused for a line's length; a
// command line has one deadline however its bytes trickle in (idle_timeout), each read inside
// DATA one of its own (data_timeout); connections are limited in all and per client address
// (421 past either).
// Shutdown (stop(), SIGTERM, SIGINT): the listeners close, sessions waiting for a command get
// 421 at once (the client keeps its message and retries), a session receiving a message's data
// finishes it and gets its reply first; after drain_grace, or at a second SIGTERM or SIGINT,
// whatever is left is closed; run() then returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/params.hpp"
#include "daemon/smtpd/smtp_session.hpp"

namespace bounced::daemon {

struct listen_spec {
  mail_protocol protocol = mail_protocol::lmtp;
  bool unix_socket = false;
  std::string host;  // TCP: a numeric address ("127.0.0.1", "::1", "0.0.0.0")
  std::uint16_t port = 0;  // 0: any free port (tests); see server::bound_ports()
  std::string path;  // UNIX socket path
};

struct server_options {
  std::string hostname = "localhost";  // in the greeting and replies
  session_limits limits;
  std::size_t command_line_bytes = params::command_line_bytes;
  std::size_t connections = params::connections;
  std::size_t connections_per_client = params::connections_per_client;
  std::chrono::seconds idle_timeout = params::idle_timeout;
  std::chrono::seconds data_timeout = params::data_timeout;
  std::chrono::seconds drain_grace = params::drain_grace;
  std::vector<std::string> bounce_domains;   // lower case; empty: every domain on loopback only
  std::string tls_certificate;               // PEM chain file; empty: no STARTTLS
  std::string tls_key;                       // PEM key file
};

// One message received, handed over for decoding and storage.
struct delivery {
  mail_protocol protocol = mail_protocol::smtp;
  std::string client;  // "ip" or "unix"
  envelope env;
  std::string data;    // the message as received (dot-stuffing undone, line ends as sent)
};

struct delivery_result {
  bool stored = false;    // on disk: the client gets 250
  std::string queue_id;   // names the stored message in the reply and the log
  std::size_t records = 0;
  std::string error;      // why it was not stored (logged; the client gets 451)
};

// Called on the I/O thread; must call done exactly once, from any thread.
using deliver_fn = std::function<void(delivery, std::function<void(delivery_result)>)>;

class server {
 public:
  server(server_options options, deliver_fn deliver);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds now (throws std::system_error naming the address when it cannot).
  void listen(const listen_spec& spec);
  // The TCP ports bound, in listen() order (0 for UNIX sockets).
  std::vector<std::uint16_t> bound_ports() const;
  // Called for SIGHUP (on the I/O thread).
  void on_reload(std::function<void()> reload);
  // Called once when the server has bound everything and runs (for sd_notify READY=1), and once
  // when it starts to drain (STOPPING=1).
  void on_state(std::function<void(bool running)> changed);
  // Calls tick every interval on the I/O thread while the server runs or drains (for the
  // systemd watchdog: a stuck I/O thread stops the pings).
  void every(std::chrono::microseconds interval, std::function<void()> tick);
  // Serves until stopped: by stop(), SIGTERM or SIGINT. Runs the I/O on the calling thread.
  void run();
  // Starts the drain; safe from any thread.
  void stop();
  // Sessions open now (for tests and logs); safe from any thread.
  std::size_t sessions() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace bounced::daemon
