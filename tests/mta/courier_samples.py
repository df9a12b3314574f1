#!/usr/bin/env python3
"""Makes the Courier bounces of samples/mail with a real Courier mail server, Debian's
`courier-mta`: a mailing submitted through Courier's sendmail to four recipients of a remote MX
that a server of this script plays on loopback (scripted_remote.py, routed to by esmtproutes),
which
  - refuses one at RCPT with 550 5.1.1 (courier-smtp-userunknown),
  - refuses one after the message's final dot with 552 5.2.2 (courier-smtp-mailboxfull),
  - answers RCPT for the third with 452 4.2.2 every time: Courier keeps the message queued and
    retries, once warntime has passed it sends a delay notice (courier-smtp-delayed), and once
    queuetime has passed it gives up, after a last attempt, and sends its failure notice
    (courier-smtp-expired-mailboxfull),
  - answers RCPT for the fourth with 451 4.7.1 (greylisted) every time, until it expires too
    (courier-smtp-expired-greylisted),
and to nosuchuser@mta.example.test, a local part of Courier's own domain (locals) that is no
user of this system: Courier's sendmail takes it, and its local delivery fails it with "550
User <nosuchuser> unknown" (courier-local-userunknown; the authentication daemon, which tells
Courier its users, runs for that).
Courier's DSNs go to the original's envelope sender through the same route, where the script
keeps them and writes them out with line ends as LF, as the other samples. Courier's retry
schedule is shortened for the run (retryalpha, retrygamma 10 s, warntime 30 s, queuetime 2
minutes), so the delay notice comes in about a minute and the expired ones in two; nothing else
of Debian's configuration is changed but the names (me, defaultdomain, locals, dsnfrom as
Debian's debconf writes it) and the route.

Run by hand, as root, from the repository's top (never by CI):

    tests/mta/courier_samples.py samples/mail [NAME...]

(only the samples named, if any), then check each sample's expected records (samples/README.md) by hand against what the script
prints the remote answered. Needs: root, unshare(1), overlayfs, apt-get's access to Debian's
archive. courier-mta is not installed: installing it would remove Postfix, which the project's
tests need. The script fetches Courier's packages with `apt-get download` and runs them
unpacked, as if installed, in namespaces of its own (private_root.py): its user, config and
queue exist only there, and its daemons end with the script.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import private_root  # noqa: E402
from samples_common import MTA_HOST, REMOTE_DOMAIN, original, print_told, sender_for, write_sample  # noqa: E402
from scripted_remote import ScriptedRemote  # noqa: E402

# courier-mta and what it needs that a Debian 12 system with Postfix lacks (those installed
# are left as they are).
PACKAGES = ["courier-mta", "courier-base", "courier-authlib", "courier-authdaemon",
            "courier-authlib-userdb", "libcourier-unicode4", "libidn12", "libnet-cidr-perl",
            "libltdl7", "libgamin0"]
# How long Courier keeps a message it cannot deliver, for the run (Debian's: a week).
QUEUE_TIME = "2m"
# Seconds to wait for a failure's DSN (Courier needs a second or two) and for the delay notice
# (warntime plus a retry, about 40 s).
BOUNCE_TIMEOUT = 60
DELAY_TIMEOUT = 240
EXPIRY_TIMEOUT = 300

LOCAL_UNKNOWN = f"nosuchuser@{MTA_HOST}"
# (recipient, campaign, what the remote answers and when; None: Courier fails it itself)
ORIGINALS = [
    (f"gone@{REMOTE_DOMAIN}", "61",
     ("rcpt", f"550 5.1.1 <gone@{REMOTE_DOMAIN}>: Recipient address rejected: User unknown in virtual mailbox table")),
    (f"full@{REMOTE_DOMAIN}", "62",
     ("data", f"552 5.2.2 <full@{REMOTE_DOMAIN}>: Mailbox full, quota exceeded")),
    (f"busy@{REMOTE_DOMAIN}", "63",
     ("rcpt", f"452 4.2.2 <busy@{REMOTE_DOMAIN}>: Mailbox full, try again later")),
    (LOCAL_UNKNOWN, "64", None),
    (f"grey@{REMOTE_DOMAIN}", "65",
     ("rcpt", f"451 4.7.1 <grey@{REMOTE_DOMAIN}>: Recipient address rejected: Greylisted, try again later")),
]
# (sample, recipient, which notice: "failed" or "delayed")
SAMPLES = [
    ("courier-smtp-userunknown", f"gone@{REMOTE_DOMAIN}", "failed"),
    ("courier-smtp-mailboxfull", f"full@{REMOTE_DOMAIN}", "failed"),
    ("courier-smtp-delayed", f"busy@{REMOTE_DOMAIN}", "delayed"),
    ("courier-local-userunknown", LOCAL_UNKNOWN, "failed"),
    ("courier-smtp-expired-greylisted", f"grey@{REMOTE_DOMAIN}", "failed"),
    ("courier-smtp-expired-mailboxfull", f"busy@{REMOTE_DOMAIN}", "failed"),
]


def write(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")


def run(*cmd):
    subprocess.run(cmd, check=True, timeout=60)


def configure(port):
    """What Debian's postinst scripts do (the courier user, owners and modes, defaultdomain,
    locals, dsnfrom as debconf's defaults give them for the host mta.example.test), the route to
    the scripted remote and the short retry schedule; inside the namespaces only."""
    run("adduser", "--quiet", "--system", "--group", "--no-create-home", "--home", "/var/lib/courier", "courier")
    for owner, mode, path in [
            ("root:courier", "0755", "/etc/courier"), ("root:courier", "0750", "/etc/courier/shared"),
            ("root:courier", "0750", "/etc/courier/hosteddomains"),
            ("root:courier", "0750", "/etc/courier/esmtpacceptmailfor.dir"),
            ("courier:courier", "0750", "/var/lib/courier"),
            ("root:root", "0600", "/etc/courier/esmtpd.cnf"),
            ("root:courier", "4755", "/usr/sbin/rmail"), ("courier:courier", "2755", "/usr/bin/mailq"),
            ("courier:courier", "6755", "/usr/bin/cancelmsg"), ("root:courier", "2755", "/usr/sbin/sendmail"),
            ("courier:courier", "4755", "/usr/lib/courier/courier/submitmkdir"),
            ("courier:courier", "0750", "/var/lib/courier/allfilters"),
            ("courier:courier", "0750", "/var/lib/courier/filters"),
            ("courier:courier", "0750", "/var/lib/courier/msgq"),
            ("courier:courier", "0750", "/var/lib/courier/msgs"),
            ("courier:courier", "0750", "/var/lib/courier/track"),
            ("courier:courier", "0770", "/var/lib/courier/tmp"),
            ("root:courier", "0750", "/etc/courier/aliasdir"), ("root:courier", "0750", "/etc/courier/aliases"),
            ("root:courier", "0640", "/etc/courier/esmtpauthclient"),
            ("root:courier", "0750", "/etc/courier/filters"),
            ("root:courier", "0640", "/etc/courier/authdaemonrc")]:
        if os.path.exists(path):
            run("chown", owner, path)
            run("chmod", mode, path)
    os.makedirs("/run/courier/authdaemon", exist_ok=True)  # tmpfiles.d's lines
    run("chown", "root:courier", "/run/courier")
    run("chmod", "0775", "/run/courier")
    run("chown", "courier:courier", "/run/courier/authdaemon")
    run("chmod", "0750", "/run/courier/authdaemon")
    write("/etc/courier/me", MTA_HOST)
    write("/etc/courier/defaultdomain", MTA_HOST)
    write("/etc/courier/locals", "localhost\n" + MTA_HOST)
    write("/etc/courier/dsnfrom", "mailer-daemon@" + MTA_HOST)
    write("/etc/mailname", MTA_HOST)
    # courier(8): an empty domain routes every domain; [ip],port a fixed relay and port.
    write("/etc/courier/esmtproutes", f":[127.0.0.1],{port}")
    write("/etc/courier/retryalpha", "10s")
    write("/etc/courier/retrybeta", "3")
    write("/etc/courier/retrygamma", "10s")
    write("/etc/courier/warntime", "30s")
    write("/etc/courier/queuetime", QUEUE_TIME)
    run("makealiases")


def notice(remote, rcpt, which, timeout):
    """The first DSN about rcpt's original with Action: which, waiting up to timeout seconds."""
    action = f"Action: {which}".encode()
    deadline = time.monotonic() + timeout
    sender = sender_for(rcpt)
    while time.monotonic() < deadline:
        for m in list(remote.messages):
            if sender.lower() in (r.lower() for r in m.recipients) and action in m.text:
                return m
        time.sleep(0.5)
    return None


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: courier_samples.py OUTPUT_FOLDER [NAME...]   (as root; e.g. samples/mail)")
    out = os.path.abspath(sys.argv[1])
    wanted = [s for s in SAMPLES if len(sys.argv) == 2 or s[0] in sys.argv[2:]]
    _, versions = private_root.enter(PACKAGES, MTA_HOST)
    remote = ScriptedRemote({rcpt: answer for rcpt, _, answer in ORIGINALS if answer})
    configure(remote.port)
    print("courier-mta", versions.get("courier-mta"), "- esmtproutes to 127.0.0.1 port", remote.port)
    # The authentication daemon (courier-authdaemon's service) tells Courier which local users
    # exist; then Courier itself.
    run("/usr/sbin/authdaemond", "start")
    run("courier", "start")
    try:
        for rcpt, campaign, _ in ORIGINALS:
            if any(r == rcpt for _, r, _ in wanted):
                result = subprocess.run(["/usr/sbin/sendmail", "-f", sender_for(rcpt), rcpt],
                                        input=original(rcpt, campaign), capture_output=True, timeout=60)
                print(f"sendmail {rcpt}: exit {result.returncode}", (result.stdout + result.stderr).decode().strip())
        for name, rcpt, which in wanted:
            timeout = DELAY_TIMEOUT if which == "delayed" else EXPIRY_TIMEOUT if "expired" in name else BOUNCE_TIMEOUT
            bounce = notice(remote, rcpt, which, timeout)
            if bounce is None:
                subprocess.run(["mailq"])
                sys.exit(f"no {which} DSN for {rcpt} within {timeout} s")
            write_sample(out, name, bounce.text)
    finally:
        print_told(remote.told)
        subprocess.run(["courier", "stop"], capture_output=True, timeout=60)
        subprocess.run(["/usr/sbin/authdaemond", "stop"], capture_output=True, timeout=60)


if __name__ == "__main__":
    main()
