// systemd's readiness and watchdog protocol (sd_notify(3)), without libsystemd: one datagram per
// state change to the UNIX socket named by $NOTIFY_SOCKET ('@' at its start: the abstract
// namespace). Nothing happens where the variable is unset, as when not run by systemd.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace bounced::daemon {

// Sends state ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=..."); false when it could not
// (or when there is no $NOTIFY_SOCKET).
bool sd_notify(std::string_view state);

// $WATCHDOG_USEC when set for this process ($WATCHDOG_PID absent or ours): ping at half of it.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace bounced::daemon
