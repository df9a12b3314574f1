#!/usr/bin/env python3
"""Makes the Courier bounces of samples/mail with a real Courier mail server, Debian's
`courier-mta`: a mailing submitted through Courier's sendmail to three recipients of a remote MX
that a server of this script plays on loopback (scripted_remote.py, routed to by esmtproutes),
which
  - refuses one at RCPT with 550 5.1.1 (courier-smtp-userunknown),
  - refuses one after the message's final dot with 552 5.2.2 (courier-smtp-mailboxfull),
  - answers RCPT for the third with 452 4.2.2 every time (courier-smtp-delayed): Courier keeps
    the message queued and retries, and once warntime has passed it sends a delay notice.
Courier's DSNs go to the original's envelope sender through the same route, where the script
keeps them and writes them out with line ends as LF, as the other samples. Courier's retry
schedule is shortened for the run (retryalpha, retrygamma 10 s, warntime 30 s), so the delay
notice comes in about a minute; nothing else of Debian's configuration is changed but the names
(me, defaultdomain, locals, dsnfrom as Debian's debconf writes it) and the route.

Run by hand, as root, from the repository's top (never by CI):

    tests/mta/courier_samples.py samples/mail

then check each sample's expected records (samples/README.md) by hand against what the script
prints the remote answered. Needs: root, unshare(1), overlayfs, apt-get's access to Debian's
archive. courier-mta is not installed: installing it would remove Postfix, which the project's
tests need. The script fetches Courier's packages with `apt-get download` and runs them
unpacked, as if installed, in namespaces of its own (private_root.py): its user, config and
queue exist only there, and its daemons end with the script.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import private_root  # noqa: E402
from samples_common import MTA_HOST, REMOTE_DOMAIN, original, print_told, sender_for, write_sample  # noqa: E402
from scripted_remote import ScriptedRemote  # noqa: E402

# courier-mta and what it needs that a Debian 12 system with Postfix lacks (those installed
# are left as they are).
PACKAGES = ["courier-mta", "courier-base", "courier-authlib", "courier-authdaemon",
            "courier-authlib-userdb", "libcourier-unicode4", "libidn12", "libnet-cidr-perl",
            "libltdl7", "libgamin0"]
# Seconds to wait for a failure's DSN (Courier needs a second or two) and for the delay notice
# (warntime plus a retry, about 40 s).
BOUNCE_TIMEOUT = 60
DELAY_TIMEOUT = 240

# (sample, recipient, campaign, what the remote answers and when)
SAMPLES = [
    ("courier-smtp-userunknown", f"gone@{REMOTE_DOMAIN}", "61",
     ("rcpt", f"550 5.1.1 <gone@{REMOTE_DOMAIN}>: Recipient address rejected: User unknown in virtual mailbox table")),
    ("courier-smtp-mailboxfull", f"full@{REMOTE_DOMAIN}", "62",
     ("data", f"552 5.2.2 <full@{REMOTE_DOMAIN}>: Mailbox full, quota exceeded")),
    ("courier-smtp-delayed", f"busy@{REMOTE_DOMAIN}", "63",
     ("rcpt", f"452 4.2.2 <busy@{REMOTE_DOMAIN}>: Mailbox full, try again later")),
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
    run("makealiases")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: courier_samples.py OUTPUT_FOLDER   (as root; e.g. samples/mail)")
    out = os.path.abspath(sys.argv[1])
    _, versions = private_root.enter(PACKAGES, MTA_HOST)
    remote = ScriptedRemote({rcpt: answer for _, rcpt, _, answer in SAMPLES})
    configure(remote.port)
    print("courier-mta", versions.get("courier-mta"), "- esmtproutes to 127.0.0.1 port", remote.port)
    run("courier", "start")
    try:
        for name, rcpt, campaign, _ in SAMPLES:
            subprocess.run(["/usr/sbin/sendmail", "-f", sender_for(rcpt), rcpt],
                           input=original(rcpt, campaign), check=True, timeout=60)
        for name, rcpt, _, (stage, answer) in SAMPLES:
            timeout = DELAY_TIMEOUT if answer.startswith("4") else BOUNCE_TIMEOUT
            bounce = remote.wait_for_message(sender_for(rcpt), timeout)
            if bounce is None:
                subprocess.run(["mailq"])
                sys.exit(f"no DSN for {rcpt} within {timeout} s")
            write_sample(out, name, bounce.text)
    finally:
        print_told(remote.told)
        subprocess.run(["courier", "stop"], capture_output=True, timeout=60)


if __name__ == "__main__":
    main()
