// The HTTP listener over real loopback sockets, with a sink that stands in for the ingest
// pipeline and answers when the test says so: a deferred answer (Oempro's, waiting for a commit)
// does not hold up other clients, arrives when the sink calls back, becomes the timed-out answer
// when the sink is too slow, and a call back after that, or after the server stopped, is
// harmless. And UNIX sockets: a live one is never taken over, a stale one is replaced.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "daemon/httpd/http_server.hpp"

using namespace bounced::daemon;

namespace {

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_all(int fd, const std::string& s) {
  for (std::size_t at = 0; at < s.size();) {
    const ssize_t n = ::send(fd, s.data() + at, s.size() - at, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    at += static_cast<std::size_t>(n);
  }
}

// One whole response (headers and a Content-Length body), or what came within wait.
std::string response(int fd, std::chrono::milliseconds wait = std::chrono::seconds(10)) {
  std::string got;
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    const auto end = got.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto at = got.find("Content-Length: ");
      if (at != std::string::npos && got.size() >= end + 4 + std::stoul(got.substr(at + 16))) break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  return got;
}

const std::string oempro_form = "Command=internal.bounce.register&EmailMessage=a+bounce";
const std::string oempro_request =
    "POST /api.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
    std::to_string(oempro_form.size()) + "\r\n\r\n" + oempro_form;

// Keeps each message's callback until the test calls it.
struct held_sink {
  std::mutex mu;
  std::condition_variable arrived;
  std::vector<std::function<void(stored_answer)>> waiting;
  message_sink sink() {
    return [this](bounced::storage::message_in, std::function<void(stored_answer)> done) {
      std::lock_guard hold(mu);
      waiting.push_back(std::move(done));
      arrived.notify_all();
    };
  }
  std::function<void(stored_answer)> next(std::size_t index) {
    std::unique_lock hold(mu);
    REQUIRE(arrived.wait_for(hold, std::chrono::seconds(10), [&] { return waiting.size() > index; }));
    return waiting[index];
  }
};

std::shared_ptr<const http_api> api_with(held_sink& held) {
  esp_settings esp;
  esp.sink = held.sink();
  return std::make_shared<const http_api>(std::vector<api_key>{}, std::make_shared<record_source>("/nonexistent/bounced.db"),
                                          std::function<std::string()>{}, std::move(esp));
}

}  // namespace

TEST_CASE("http server: a deferred answer waits for its commit without holding up other clients", "[http_server]") {
  held_sink held;
  http_server_options options;
  options.answer_timeout = std::chrono::seconds(2);
  auto server = std::make_unique<http_server>(options, api_with(held));
  const std::uint16_t port = server->listen("127.0.0.1", 0);
  server->start();

  const int a = connect_to(port);
  send_all(a, oempro_request);
  const auto commit = held.next(0);
  // While the message waits for its commit, another client is served.
  const int b = connect_to(port);
  send_all(b, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(response(b).starts_with("HTTP/1.1 200 "));
  CHECK(response(a, std::chrono::milliseconds(100)).empty());
  // The commit answers from another thread.
  std::thread([commit] { commit({true, "42", 1, ""}); }).join();
  const std::string stored = response(a);
  CHECK(stored.starts_with("HTTP/1.1 200 "));
  CHECK(stored.find("X-Bounced-Message: 42\r\n") != std::string::npos);
  CHECK(stored.ends_with("{\"Success\":true,\"ErrorCode\":0,\"ErrorText\":\"\"}\n"));

  // No answer within answer_timeout: the client is told to try again, on the same connection.
  send_all(a, oempro_request);
  const auto slow = held.next(1);
  const std::string late = response(a);
  CHECK(late.starts_with("HTTP/1.1 503 "));
  CHECK(late.find("\"Success\":false,\"ErrorCode\":0,\"ErrorText\":\"Bounce processing error: the store did not answer in time") !=
        std::string::npos);
  slow({true, "43", 1, ""});  // after the timeout: dropped
  send_all(a, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(response(a).starts_with("HTTP/1.1 200 "));

  // A message still waiting when the server stops: its call back comes after the server is gone.
  send_all(b, oempro_request);
  const auto orphan = held.next(2);
  server->stop();
  server.reset();
  orphan({true, "44", 1, ""});
  ::close(a);
  ::close(b);
}

TEST_CASE("http server: a UNIX socket in use is left alone, a stale one is replaced", "[http_server]") {
  held_sink held;
  const auto dir = std::filesystem::temp_directory_path() / ("bounced-http-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "http.sock").string();

  {
    http_server first({}, api_with(held));
    first.listen_unix(path);
    first.start();
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0660);
    http_server second({}, api_with(held));
    try {
      second.listen_unix(path);
      FAIL("a second server took over a live socket");
    } catch (const std::system_error& e) {
      CHECK(e.code().value() == EADDRINUSE);
    }
    CHECK(::stat(path.c_str(), &st) == 0);  // still there, still the first server's
  }
  CHECK_FALSE(std::filesystem::exists(path));  // removed at stop

  // A socket file nobody listens on (a run that died): replaced.
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::close(fd);
  }
  REQUIRE(std::filesystem::exists(path));
  http_server third({}, api_with(held));
  third.listen_unix(path);
  third.start();
  third.stop();
  std::filesystem::remove_all(dir);
}
