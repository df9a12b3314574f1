#!/usr/bin/env python3
"""Makes the Exim bounces of samples/mail with a real Exim, Debian's `exim4-daemon-light`,
configured as Debian's debconf does it (update-exim4.conf over the packaged, non-split
exim4.conf.template) for "mail sent by smarthost; received via SMTP or fetchmail": the host's
own domain is local, every other goes to the smarthost, a server of this script on loopback
(scripted_remote.py). A mailing goes to
  - nosuchuser@mta.example.test, a local part of Exim's own domain that is no user of this
    system: every router declines it and Exim fails it as "Unrouteable address" (the
    local_user router's cannot_route_message, "Unknown user", is not the one Exim uses: the
    last router, mail4root, declines the address too) (exim-local-userunknown);
  - gone@remote.example.test, which the remote refuses at RCPT with 550 5.1.1
    (exim-smtp-userunknown);
  - grey@remote.example.test, which the remote answers at RCPT with 451 4.7.1 every time:
    Exim keeps the message queued and retries; past delay_warning it sends a delay warning
    (exim-smtp-delayed), and past the retry rule's cutoff it gives up and sends its failure
    notice (exim-smtp-expired-greylisted);
  - full@remote.example.test, answered 452 4.2.2 at RCPT every time, until Exim gives up
    (exim-smtp-expired-mailboxfull).
Exim's notices go to the original's envelope sender through the same smarthost, where the
script keeps them and writes them out with line ends as LF, as the other samples. The times are
shortened for the run in exim4.conf.localmacros and the generated file's retry rule (a delay
warning after a minute, retries every 10 s for 100 s, a queue runner every 10 s); the rest is
Debian's configuration as the package generates it. The remote listens on 127.0.0.2: Exim
takes a smarthost on 127.0.0.1, an address it listens on, for itself and freezes the message.

Run by hand, as root, from the repository's top (never by CI):

    tests/mta/exim_samples.py samples/mail

about two and a half minutes; then check each sample's expected records (samples/README.md) by hand
against what the script prints the remote answered. Needs: root, unshare(1), overlayfs,
apt-get's access to Debian's archive. Exim is not installed: Debian's exim4 and postfix
conflict (both are the mail-transport-agent), and the project's tests need Postfix. The script
fetches Exim's packages with `apt-get download` and runs them unpacked, as if installed, in
namespaces of its own (private_root.py): its user, config, spool and logs exist only there, and
its queue runner ends with the script.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import private_root  # noqa: E402
from samples_common import MTA_HOST, REMOTE_DOMAIN, original, print_told, sender_for, write_sample  # noqa: E402
from scripted_remote import ScriptedRemote  # noqa: E402

# Exim and what it needs that a Debian 12 system with Postfix lacks.
PACKAGES = ["exim4-daemon-light", "exim4-base", "exim4-config", "libidn12"]
EXIM = "/usr/sbin/exim4"
# Seconds to wait for a failure notice (Exim needs about one), for the delay warning
# (delay_warning plus a queue run) and for the failure notices of the expired addresses (the
# retry rule's cutoff, plus a queue run or two).
BOUNCE_TIMEOUT = 60
DELAY_TIMEOUT = 120
EXPIRY_TIMEOUT = 300

LOCAL_UNKNOWN = f"nosuchuser@{MTA_HOST}"
# (recipient, campaign, what the remote answers and when; None: Exim fails it itself)
ORIGINALS = [
    (LOCAL_UNKNOWN, "81", None),
    (f"gone@{REMOTE_DOMAIN}", "82",
     ("rcpt", f"550 5.1.1 <gone@{REMOTE_DOMAIN}>: Recipient address rejected: User unknown in virtual mailbox table")),
    (f"grey@{REMOTE_DOMAIN}", "83",
     ("rcpt", f"451 4.7.1 <grey@{REMOTE_DOMAIN}>: Recipient address rejected: Greylisted, try again later")),
    (f"full@{REMOTE_DOMAIN}", "84",
     ("rcpt", f"452 4.2.2 <full@{REMOTE_DOMAIN}>: Mailbox full, try again later")),
]
# (sample, recipient, which notice: "failed" or "delayed")
SAMPLES = [
    ("exim-local-userunknown", LOCAL_UNKNOWN, "failed"),
    ("exim-smtp-userunknown", f"gone@{REMOTE_DOMAIN}", "failed"),
    ("exim-smtp-delayed", f"grey@{REMOTE_DOMAIN}", "delayed"),
    ("exim-smtp-expired-greylisted", f"grey@{REMOTE_DOMAIN}", "failed"),
    ("exim-smtp-expired-mailboxfull", f"full@{REMOTE_DOMAIN}", "failed"),
]

# /etc/exim4/update-exim4.conf.conf as debconf writes it for these answers.
DEBCONF = """\
dc_eximconfig_configtype='smarthost'
dc_other_hostnames='{host}'
dc_local_interfaces='127.0.0.1'
dc_readhost=''
dc_relay_domains=''
dc_minimaldns='false'
dc_relay_nets=''
dc_smarthost='{address}::{port}'
CFILEMODE='644'
dc_use_split_config='false'
dc_hide_mailname=''
dc_mailname_in_oh='true'
dc_localdelivery='mail_spool'
"""
# Main options update-exim4.conf puts first: the run's short delay warning (Debian's default is
# Exim's, 24 h).
LOCALMACROS = "delay_warning = 1m:1h\n"
# Debian's retry rule and the run's: retry every 10 s; 100 s after the first failure, the next
# failure is final.
DEBIAN_RETRY = "*                      *           F,2h,15m; G,16h,1h,1.5; F,4d,6h"
RUN_RETRY = "*                      *           F,100s,10s"
QUEUE_INTERVAL = "10s"
AUTOGENERATED = "/var/lib/exim4/config.autogenerated"


def run(*cmd):
    subprocess.run(cmd, check=True, timeout=60)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def configure(address, port):
    """What Debian's postinst scripts do (the Debian-exim user, the log, spool and run folders,
    the config generated from debconf's answers), with the run's times; inside the namespaces
    only."""
    run("adduser", "--system", "--group", "--quiet", "--home", "/var/spool/exim4", "--no-create-home",
        "--disabled-login", "--force-badname", "Debian-exim")
    run("install", "-d", "-oDebian-exim", "-gadm", "-m2750", "/var/log/exim4")
    run("install", "-d", "-oDebian-exim", "-gDebian-exim", "-m750", "/run/exim4", "/var/spool/exim4",
        "/var/spool/exim4/db", "/var/spool/exim4/input", "/var/spool/exim4/msglog")
    write("/etc/mailname", MTA_HOST + "\n")
    write("/etc/exim4/update-exim4.conf.conf", DEBCONF.format(host=MTA_HOST, address=address, port=port))
    write("/etc/exim4/exim4.conf.localmacros", LOCALMACROS)
    run("update-exim4.conf")
    with open(AUTOGENERATED) as f:
        conf = f.read()
    if DEBIAN_RETRY not in conf:
        sys.exit(f"{AUTOGENERATED} has no longer Debian's retry rule: update this script")
    write(AUTOGENERATED, conf.replace(DEBIAN_RETRY, RUN_RETRY))


def exim_log():
    try:
        with open("/var/log/exim4/mainlog") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def notice(remote, rcpt, which, timeout):
    """The first notice about rcpt's original of the kind which ("failed": Exim's failure notice,
    "delayed": its warning), read by its Subject, waiting up to timeout seconds."""
    subject = b"Subject: Mail delivery failed" if which == "failed" else b"Subject: Warning: message"
    deadline = time.monotonic() + timeout
    sender = sender_for(rcpt)
    while time.monotonic() < deadline:
        for m in list(remote.messages):
            if sender.lower() in (r.lower() for r in m.recipients) and subject in m.text:
                return m
        time.sleep(0.5)
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: exim_samples.py OUTPUT_FOLDER   (as root; e.g. samples/mail)")
    out = os.path.abspath(sys.argv[1])
    _, versions = private_root.enter(PACKAGES, MTA_HOST)
    # On 127.0.0.2: Exim, listening on 127.0.0.1, would take a smarthost there for itself.
    remote = ScriptedRemote({rcpt: answer for rcpt, _, answer in ORIGINALS if answer}, address="127.0.0.2")
    configure(remote.address, remote.port)
    print("exim4-daemon-light", versions.get("exim4-daemon-light"), "- smarthost", remote.address, "port", remote.port)
    # A queue runner only (no -bd: nothing listens), as Debian's init script runs one. Its
    # parent is the PID namespace's init (this script), so Exim stays in the foreground.
    runner = subprocess.Popen([EXIM, "-q" + QUEUE_INTERVAL])
    try:
        for rcpt, campaign, _ in ORIGINALS:
            # -odi: the first attempt is made before the command returns.
            subprocess.run([EXIM, "-odi", "-f", sender_for(rcpt), rcpt], input=original(rcpt, campaign),
                           check=True, timeout=60)
        for name, rcpt, which in SAMPLES:
            timeout = {"failed": EXPIRY_TIMEOUT if "expired" in name else BOUNCE_TIMEOUT,
                       "delayed": DELAY_TIMEOUT}[which]
            m = notice(remote, rcpt, which, timeout)
            if m is None:
                subprocess.run([EXIM, "-bp"])
                sys.exit(f"no {which} notice for {rcpt} within {timeout} s:\n{exim_log()}")
            write_sample(out, name, m.text)
    finally:
        runner.terminate()
        runner.wait(timeout=60)
        print_told(remote.told)
        for line in exim_log().splitlines():
            if " ** " in line or " == " in line:
                print("  exim:", line)


if __name__ == "__main__":
    main()
