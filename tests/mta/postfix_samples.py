#!/usr/bin/env python3
"""Makes the Postfix bounces of samples/mail with a real Postfix, the throwaway instance of
postfix_test.py: it bounces a message for a local user it does not have (local(8)) and one that
a remote SMTP server refuses at RCPT with 550 5.1.1 (its smtp(8) client, against a server of this
script on loopback), and delivers both DSNs to bounced over LMTP. Each DSN is written out as
bounced stored it (line ends as LF, as the other samples). Run by hand, as root:

    tests/mta/postfix_samples.py build/release/bounced samples/mail

then write each sample's expected records (samples/README.md) and check them by hand.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import postfix_test  # noqa: E402
from postfix_test import BOUNCE_DOMAIN, LOCAL_DOMAIN  # noqa: E402

SENDER = f"bounces+s7-{{rcpt}}@{BOUNCE_DOMAIN}"
REMOTE_DOMAIN = "remote.example.test"


def refusing_smtp_server():
    """A remote MX on loopback that refuses every recipient as unknown; returns its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        while True:
            conn, _ = listener.accept()
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"220 mx.remote.example.test ESMTP\r\n")
                for line in lines:
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        conn.sendall(b"250-mx.remote.example.test\r\n250 ENHANCEDSTATUSCODES\r\n")
                    elif verb == b"RCPT":
                        rcpt = line.split(b":", 1)[1].strip().split(b" ")[0]
                        conn.sendall(b"550 5.1.1 " + rcpt + b": Recipient address rejected: User unknown in virtual mailbox table\r\n")
                    elif verb == b"QUIT":
                        conn.sendall(b"221 2.0.0 Bye\r\n")
                        break
                    else:
                        conn.sendall(b"250 2.0.0 Ok\r\n")

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def main():
    postfix_test.serve_test.BOUNCED = os.path.abspath(sys.argv[1])
    out = sys.argv[2]
    d = postfix_test.http_test.HttpDaemon()
    d.config_extra = postfix_test.CONFIG
    d.start()
    remote = refusing_smtp_server()
    transport = postfix_test.snippet("transport-lmtp", [("127.0.0.1:2424", f"127.0.0.1:{d.ports['lmtp']}")])
    pf = postfix_test.Postfix(transport + f"{REMOTE_DOMAIN}    smtp:[127.0.0.1]:{remote}\n")
    try:
        pf.start()
        for name, rcpt, campaign in [("postfix-local-userunknown", f"nosuchuser@{LOCAL_DOMAIN}", "42"),
                                     ("postfix-smtp-userunknown", f"gone@{REMOTE_DOMAIN}", "43")]:
            sender = SENDER.format(rcpt=rcpt.replace("@", "="))
            pf.send_original(sender, campaign, f"campaign-{campaign}.send-7@news.{BOUNCE_DOMAIN}", rcpt)
            deadline = time.monotonic() + 60
            while not (doc := d.get_json("/v1/bounces?campaign=" + campaign)[1])["records"]:
                if time.monotonic() > deadline:
                    sys.exit(f"no bounce for {rcpt}:\n{pf.log()}")
                time.sleep(0.2)
            _, _, raw = d.get(f"/v1/messages/{doc['records'][0]['message_id']}")
            with open(os.path.join(out, name + ".eml"), "wb") as f:
                f.write(raw.replace(b"\r\n", b"\n"))
            print("wrote", name + ".eml")
    finally:
        pf.stop()
        d.stop()
        d.cleanup()


if __name__ == "__main__":
    main()
