"""The remote SMTP server of the sample generators (courier_samples.py, dma_samples.py), on a
free loopback port: it answers each recipient as its script says, at RCPT or after the message's
final dot, accepts every other recipient and keeps each message it accepts, with its envelope:
the bounces the MTA under test sends back to the original's sender. Each connection has a thread
of its own, since an MTA may hold one connection open while it opens another for its bounce.

Run by the generators only (by hand, never by CI). It trusts its peers (an MTA on loopback that
the generator started); a line is cut at 64 KB and a message at 10 MB, as no bounce here comes
near either.
"""
import collections
import socket
import threading
import time

MAX_LINE_BYTES = 65536
MAX_MESSAGE_BYTES = 10240000

# A message the remote accepted: MAIL FROM's address, the RCPT TO addresses and the text with
# line ends as LF and dots unstuffed, as bounced stores a message.
Message = collections.namedtuple("Message", "sender recipients text")


def address_of(line):
    """The address in MAIL FROM:<a> or RCPT TO:<a> SIZE=..., without its brackets."""
    arg = line.split(b":", 1)[1].strip().split(b" ")[0]
    return arg.strip(b"<>").decode("ascii", "replace")


class ScriptedRemote:
    """answers maps an address (lower case) to (stage, reply): stage "rcpt" answers RCPT TO with
    reply; stage "data" accepts the recipient and answers the message's final dot with reply.
    Every reply the script gave is kept in `told`, in order, as (address, stage, reply). It
    listens on address (another loopback address than 127.0.0.1 for an MTA that would take
    127.0.0.1, one of its own interfaces, for itself)."""

    def __init__(self, answers, hostname="mx.remote.example.test", address="127.0.0.1"):
        self.answers = {a.lower(): v for a, v in answers.items()}
        self.hostname = hostname
        self.messages = []
        self.told = []
        self.lock = threading.Condition()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((address, 0))
        self.address = address
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def reply(self, conn, text):
        conn.sendall(text.encode("ascii") + b"\r\n")

    def session(self, conn):
        """One SMTP session: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; anything else 502."""
        with conn, conn.makefile("rb") as lines:
            self.reply(conn, f"220 {self.hostname} ESMTP")
            sender, rcpts = None, []
            while True:
                line = lines.readline(MAX_LINE_BYTES)
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    self.reply(conn, f"250-{self.hostname}\r\n250 ENHANCEDSTATUSCODES")
                elif verb == b"MAIL":
                    sender, rcpts = address_of(line), []
                    self.reply(conn, "250 2.1.0 Ok")
                elif verb == b"RCPT":
                    rcpt = address_of(line)
                    stage, answer = self.answers.get(rcpt.lower(), (None, None))
                    if stage == "rcpt":
                        self.note(rcpt, stage, answer)
                        self.reply(conn, answer)
                    else:
                        rcpts.append(rcpt)
                        self.reply(conn, "250 2.1.5 Ok")
                elif verb == b"DATA":
                    if not rcpts:
                        self.reply(conn, "554 5.5.1 Error: no valid recipients")
                        continue
                    self.reply(conn, "354 End data with <CR><LF>.<CR><LF>")
                    text = self.read_data(lines)
                    refusing = [(r, self.answers[r.lower()][1]) for r in rcpts
                                if self.answers.get(r.lower(), ("",))[0] == "data"]
                    if refusing:
                        rcpt, answer = refusing[0]
                        self.note(rcpt, "data", answer)
                        self.reply(conn, answer)
                    else:
                        with self.lock:
                            self.messages.append(Message(sender, list(rcpts), text))
                            self.lock.notify_all()
                        self.reply(conn, "250 2.0.0 Ok: queued")
                    sender, rcpts = None, []
                elif verb == b"RSET":
                    sender, rcpts = None, []
                    self.reply(conn, "250 2.0.0 Ok")
                elif verb == b"NOOP":
                    self.reply(conn, "250 2.0.0 Ok")
                elif verb == b"QUIT":
                    self.reply(conn, "221 2.0.0 Bye")
                    return
                else:
                    self.reply(conn, "502 5.5.2 Error: command not recognized")

    def read_data(self, lines):
        """The message up to the line holding a single dot (RFC 5321 4.5.2: a leading dot is
        removed), with line ends as LF."""
        out, size = [], 0
        while True:
            line = lines.readline(MAX_LINE_BYTES)
            if not line or line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size <= MAX_MESSAGE_BYTES:
                out.append(line)
        return b"".join(out).replace(b"\r\n", b"\n")

    def note(self, rcpt, stage, answer):
        with self.lock:
            self.told.append((rcpt, stage, answer))
            self.lock.notify_all()

    def wait_for_message(self, recipient, timeout):
        """The first message accepted for recipient, waiting up to timeout seconds; None if none
        came."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for m in self.messages:
                    if recipient.lower() in (r.lower() for r in m.recipients):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)

    def close(self):
        self.listener.close()
