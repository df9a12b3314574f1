#!/usr/bin/env python3
"""Makes the dma bounces of samples/mail with a real DragonFly Mail Agent, Debian's `dma`
package: a mailing submitted through dma's sendmail interface to two recipients of a remote MX
that a server of this script plays on loopback (scripted_remote.py), which refuses one at
RCPT with 550 5.1.1 (dma-smtp-userunknown) and the other after the message's final dot with 552
5.2.2 (dma-smtp-mailboxfull). dma gives up on each at once and sends its bounce (plain text,
no DSN) to the original's envelope sender through the same smarthost, where the script keeps it
and writes it out with line ends as LF, as the other samples. A local user that does not exist
gets no bounce: dma refuses it at submission ("invalid recipient", exit 65); the script shows
that too.

Run by hand, as root, from the repository's top (never by CI):

    tests/mta/dma_samples.py samples/mail

then check each sample's expected records (samples/README.md) by hand against what the script
prints the remote answered. Needs: root, unshare(1), overlayfs, apt-get's access to Debian's
archive. dma is not installed: installing it would remove Postfix, which the project's tests
need. The script fetches the package with `apt-get download` and runs it unpacked, as if
installed, in namespaces of its own (private_root.py); nothing outside them changes.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import private_root  # noqa: E402
from samples_common import MTA_HOST, REMOTE_DOMAIN, original, print_told, sender_for, write_sample  # noqa: E402
from scripted_remote import ScriptedRemote  # noqa: E402

# Seconds to wait for a bounce; dma needs well under one.
BOUNCE_TIMEOUT = 60

# (sample, recipient, campaign, what the remote answers and when)
SAMPLES = [
    ("dma-smtp-userunknown", f"gone@{REMOTE_DOMAIN}", "51",
     ("rcpt", f"550 5.1.1 <gone@{REMOTE_DOMAIN}>: Recipient address rejected: User unknown in virtual mailbox table")),
    ("dma-smtp-mailboxfull", f"full@{REMOTE_DOMAIN}", "52",
     ("data", f"552 5.2.2 <full@{REMOTE_DOMAIN}>: Mailbox full, quota exceeded")),
]


def configure(port):
    """/etc/dma/dma.conf as Debian's postinst writes it from the packaged one (SMARTHOST from
    debconf), with this run's smarthost, port and mail name; inside the namespaces only."""
    with open("/usr/share/dma/dma.conf") as f:
        conf = f.read()
    conf = conf.replace("#SMARTHOST mail.example.com", "SMARTHOST 127.0.0.1")
    conf = conf.replace("#PORT 25", f"PORT {port}")
    with open("/etc/dma/dma.conf", "w") as f:
        f.write(conf)
    with open("/etc/mailname", "w") as f:
        f.write(MTA_HOST + "\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dma_samples.py OUTPUT_FOLDER   (as root; e.g. samples/mail)")
    out = os.path.abspath(sys.argv[1])
    _, versions = private_root.enter(["dma"], MTA_HOST)
    remote = ScriptedRemote({rcpt: answer for _, rcpt, _, answer in SAMPLES})
    configure(remote.port)
    print("dma", versions.get("dma", "(installed)"), "- smarthost 127.0.0.1 port", remote.port)
    for name, rcpt, campaign, _ in SAMPLES:
        sender = sender_for(rcpt)
        subprocess.run(["/usr/sbin/dma", "-f", sender, rcpt], input=original(rcpt, campaign),
                       check=True, timeout=60)
        bounce = remote.wait_for_message(sender, BOUNCE_TIMEOUT)
        if bounce is None:
            sys.exit(f"no bounce for {rcpt} within {BOUNCE_TIMEOUT} s")
        write_sample(out, name, bounce.text)
    print_told(remote.told)
    # A local user that does not exist: dma refuses it when the message is submitted (dma 0.13:
    # "invalid recipient", exit 65), so there is no bounce of it; shown here for the record.
    rcpt = "nosuchuser"
    result = subprocess.run(["/usr/sbin/dma", "-f", sender_for(rcpt), rcpt], input=original(rcpt, "53"),
                            capture_output=True, timeout=60)
    print(f"dma to the local user {rcpt!r}, who does not exist: exit {result.returncode},",
          (result.stdout + result.stderr).decode().strip() or "nothing said")


if __name__ == "__main__":
    main()
