// The HTTP listener: Boost.Beast on its own I/O thread (an export that reads SQLite never delays
// an SMTP or LMTP reply), HTTP/1.1 with keep-alive, one coroutine per connection. Each request is
// read whole (its body bounded by body_limit: past it, 413 and the connection closes), handed
// to http_api, and answered; a streamed answer goes out in chunks as the API produces them, and a
// deferred one (a commit to wait for) is awaited while the thread serves other connections.
// Asio and Beast stay inside http_server.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/params.hpp"
#include "daemon/httpd/http_api.hpp"

namespace bounced::daemon {

struct http_server_options {
  std::size_t body_limit = params::http_body_bytes;
  std::chrono::seconds idle_timeout = params::http_idle_timeout;  // waiting for a request, or a slow reader
  std::size_t connections = params::http_connections;              // past it, new ones are closed at once
  std::chrono::seconds answer_timeout = params::http_answer_timeout;  // a deferred answer's: then timed_out()
};

class http_server {
 public:
  http_server(http_server_options options, std::shared_ptr<const http_api> api);
  ~http_server();  // stop()
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds a TCP address now (throws std::system_error naming it); returns the port bound. A host
  // name is resolved once, to its first address.
  std::uint16_t listen(const std::string& host, std::uint16_t port);
  // Binds a UNIX socket (mode 0660; a stale socket file is replaced; removed again at stop()).
  // Its clients are local and served as loopback clients are.
  void listen_unix(const std::string& path);
  // Serves on a thread of its own until stop().
  void start();
  // Closes the listener and every connection, and joins the thread. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace bounced::daemon
