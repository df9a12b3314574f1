#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "daemon/sd_notify.hpp"

using namespace bounced::daemon;

namespace {

// A datagram socket standing in for systemd's notify socket.
struct notify_listener {
  int fd = -1;
  std::string path;
  explicit notify_listener(std::string p) : path(std::move(p)) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    if (path[0] == '@') address.sun_path[0] = '\0';
    else ::unlink(path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size())) == 0);
  }
  ~notify_listener() {
    ::close(fd);
    if (path[0] == '/') ::unlink(path.c_str());
  }
  std::string receive() {
    char buffer[256];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }
};

}  // namespace

TEST_CASE("sd_notify sends each state to NOTIFY_SOCKET, file or abstract", "[sd_notify]") {
  const std::string file = "/tmp/bounced-notify-test-" + std::to_string(::getpid());
  for (const std::string& path : {file, "@bounced-notify-test-" + std::to_string(::getpid())}) {
    notify_listener listener(path);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    CHECK(sd_notify("READY=1"));
    CHECK(listener.receive() == "READY=1");
    CHECK(sd_notify("STOPPING=1"));
    CHECK(listener.receive() == "STOPPING=1");
  }
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(sd_notify("READY=1"));
}

TEST_CASE("the watchdog interval comes from WATCHDOG_USEC for this process only", "[sd_notify]") {
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  ::unsetenv("WATCHDOG_PID");
  CHECK(watchdog_interval() == std::chrono::seconds(20));
  ::setenv("WATCHDOG_PID", "1", 1);
  CHECK_FALSE(watchdog_interval().has_value());
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  CHECK(watchdog_interval().has_value());
  ::setenv("WATCHDOG_USEC", "x", 1);
  CHECK_FALSE(watchdog_interval().has_value());
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}
