#!/usr/bin/env python3
"""systemd's notify protocol end to end, without systemd: the real `bounced serve` with
NOTIFY_SOCKET naming a datagram socket this test listens on, as systemd would for Type=notify
with WatchdogSec (WATCHDOG_USEC). Checks READY=1 once the listeners answer, WATCHDOG=1 again and
again at less than WATCHDOG_USEC apart, STOPPING=1 at SIGTERM before a clean exit; and no
WATCHDOG=1 when WATCHDOG_PID names another process (systemd sets it for the main process only).

Usage: notify_test.py BOUNCED_BINARY [unittest args]   (run by ctest)
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

BOUNCED = None
WATCHDOG_USEC = 1_000_000


class NotifyTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bounced-notify-test-")
        self.proc = None
        self.sock = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.sock:
            self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def listen(self, address):
        """The stand-in for systemd's notify socket: a file path, or '@name' (abstract)."""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        return address

    def start(self, env):
        config = os.path.join(self.dir, "bounced.toml")
        open(config, "w").close()
        self.log = os.path.join(self.dir, "stderr.log")
        with open(self.log, "wb") as stderr:
            self.proc = subprocess.Popen(
                [BOUNCED, "serve", "--config", config, "--db", os.path.join(self.dir, "bounced.db"),
                 "--lmtp", "127.0.0.1:0", "--smtp", "", "--http", "127.0.0.1:0"],
                stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, **env})

    def receive(self, timeout):
        """The next datagram as text, or None after timeout seconds."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(4096).decode()
        except socket.timeout:
            return None

    def ports(self):
        with open(self.log, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        return {k: int(v) for k, v in re.findall(r"listening: (lmtp|http) 127\.0\.0\.1:(\d+)", text)}

    def assert_serving(self):
        """Right after READY=1: both listeners answer (Type=notify means ready = serving)."""
        ports = self.ports()
        self.assertEqual(sorted(ports), ["http", "lmtp"])
        with socket.create_connection(("127.0.0.1", ports["lmtp"]), timeout=10) as lmtp:
            self.assertTrue(lmtp.recv(512).startswith(b"220 "))
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['http']}/healthz", timeout=10) as answer:
            self.assertEqual(answer.status, 200)

    def stop(self, pinging):
        """SIGTERM: STOPPING=1 arrives (WATCHDOG=1 may come before it while pinging), then exit 0."""
        self.proc.send_signal(signal.SIGTERM)
        states = []
        while True:
            state = self.receive(20)
            self.assertIsNotNone(state, f"no STOPPING=1 after SIGTERM; got {states}")
            states.append(state)
            if state == "STOPPING=1":
                break
            self.assertEqual(state, "WATCHDOG=1" if pinging else None, f"before STOPPING=1: {states}")
        self.assertEqual(self.proc.wait(timeout=30), 0)
        while (state := self.receive(0.2)) is not None:  # what was sent during the drain
            self.assertNotEqual(state, "READY=1")

    def test_ready_watchdog_stopping(self):
        path = self.listen(os.path.join(self.dir, "notify"))
        self.start({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": str(WATCHDOG_USEC)})
        self.assertEqual(self.receive(30), "READY=1")
        ready = time.monotonic()
        self.assert_serving()
        # Pings at half of WATCHDOG_USEC; systemd restarts a service whose pings are further
        # apart than WATCHDOG_USEC.
        pings = []
        while time.monotonic() - ready < 3.2:
            state = self.receive(WATCHDOG_USEC / 1e6)
            self.assertIsNotNone(state, f"no WATCHDOG=1 within WATCHDOG_USEC (pings so far at {pings})")
            self.assertEqual(state, "WATCHDOG=1")
            pings.append(time.monotonic() - ready)
        self.assertGreaterEqual(len(pings), 4, pings)
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), WATCHDOG_USEC / 1e6, gaps)
        self.stop(pinging=True)

    def test_abstract_socket_and_watchdog_of_another_process(self):
        name = f"@bounced-notify-test-{os.getpid()}"
        self.listen(name)
        # WATCHDOG_PID names another process: the variables were meant for it, not for bounced.
        self.start({"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
        self.assertEqual(self.receive(30), "READY=1")
        self.assert_serving()
        self.assertIsNone(self.receive(1.0), "WATCHDOG=1 though WATCHDOG_PID is another process's")
        self.stop(pinging=False)


def main():
    global BOUNCED
    if len(sys.argv) < 2:
        sys.exit("usage: notify_test.py BOUNCED_BINARY [unittest args]")
    BOUNCED = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
