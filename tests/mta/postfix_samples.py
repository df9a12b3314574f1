#!/usr/bin/env python3
"""Makes the Postfix bounces of samples/mail with a real Postfix, the throwaway instance of
postfix_test.py (Debian's installed Postfix, its own config and queue in a temporary folder),
which delivers each DSN to bounced over LMTP; each is written out as bounced stored it (line ends
as LF, as the other samples). Postfix
  - local(8) finds a user of its own domain unknown (postfix-local-userunknown);
  - virtual(8) finds a user of its virtual mailbox domain that virtual_mailbox_maps does not
    list unknown (smtpd lets the address in: smtpd_reject_unlisted_recipient = no, as Postfix
    does for mail submitted on the host) and writes "unknown user" with the whole address
    (postfix-virtual-userunknown);
  - its smtp(8) client, against a server of this script on loopback (scripted_remote.py), is
    refused one recipient at RCPT with 550 5.1.1 (postfix-smtp-userunknown), and is answered
    451 4.7.1 (greylisted) at RCPT for another every time: Postfix defers it, retries, sends a
    delay notice after delay_warning_time (postfix-smtp-delayed) and, once the message is older
    than maximal_queue_lifetime, makes a last attempt and returns it
    (postfix-smtp-expired-greylisted); a third is answered 452 4.2.2 every time until it expires
    too (postfix-smtp-expired-mailboxfull).
The queue's times are shortened for the run (maximal_queue_lifetime and bounce_queue_lifetime
60 s, retries every 10 to 20 s, a delay notice after 30 s). Run by hand, as root, from the
repository's top (never by CI):

    tests/mta/postfix_samples.py build/release/bounced samples/mail [NAME...]

(only the samples named, if any; about two minutes for the expired ones), then check each
sample's expected records (samples/README.md) by hand against what the script prints the remote
answered. Needs: root and Debian's Postfix installed (scripts/install-deps), as postfix_test.py.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import postfix_test  # noqa: E402
from postfix_test import BOUNCE_DOMAIN, LOCAL_DOMAIN  # noqa: E402
from samples_common import print_told  # noqa: E402
from scripted_remote import ScriptedRemote  # noqa: E402

SENDER = f"bounces+s7-{{rcpt}}@{BOUNCE_DOMAIN}"
REMOTE_DOMAIN = "remote.example.test"
VIRTUAL_DOMAIN = "virtual.example.test"
# Seconds to wait for a bounce (Postfix needs about one), and for the delay notice and the
# expired originals' failure notices (the lifetimes below, plus a queue run or two).
BOUNCE_TIMEOUT = 60
EXPIRY_TIMEOUT = 240

# The run's main.cf: a virtual mailbox domain with one user (not the one mailed), and short
# queue times.
MAIN_EXTRA = f"""
virtual_mailbox_domains = {VIRTUAL_DOMAIN}
virtual_mailbox_maps = texthash:{{dir}}/vmailbox
virtual_mailbox_base = {{dir}}/vmail
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtpd_reject_unlisted_recipient = no
maximal_queue_lifetime = 60s
bounce_queue_lifetime = 60s
minimal_backoff_time = 10s
maximal_backoff_time = 20s
queue_run_delay = 10s
delay_warning_time = 30s
"""
VMAILBOX = f"someone@{VIRTUAL_DOMAIN}    someone/\n"

# (recipient, campaign, what the remote answers and when; None: Postfix fails it itself)
ORIGINALS = [
    (f"nosuchuser@{LOCAL_DOMAIN}", "42", None),
    (f"gone@{REMOTE_DOMAIN}", "43",
     ("rcpt", f"550 5.1.1 <gone@{REMOTE_DOMAIN}>: Recipient address rejected: User unknown in virtual mailbox table")),
    (f"nosuchuser@{VIRTUAL_DOMAIN}", "44", None),
    (f"grey@{REMOTE_DOMAIN}", "45",
     ("rcpt", f"451 4.7.1 <grey@{REMOTE_DOMAIN}>: Recipient address rejected: Greylisted, try again later")),
    (f"full@{REMOTE_DOMAIN}", "46",
     ("rcpt", f"452 4.2.2 <full@{REMOTE_DOMAIN}>: Mailbox full, try again later")),
]
# (sample, campaign of its original, the record's kind in bounced's export)
SAMPLES = [
    ("postfix-local-userunknown", "42", "bounce"),
    ("postfix-smtp-userunknown", "43", "bounce"),
    ("postfix-virtual-userunknown", "44", "bounce"),
    ("postfix-smtp-delayed", "45", "delay"),
    ("postfix-smtp-expired-greylisted", "45", "bounce"),
    ("postfix-smtp-expired-mailboxfull", "46", "bounce"),
]


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: postfix_samples.py BOUNCED_BINARY OUTPUT_FOLDER [NAME...]   (as root)")
    postfix_test.serve_test.BOUNCED = os.path.abspath(sys.argv[1])
    out = sys.argv[2]
    wanted = [s for s in SAMPLES if len(sys.argv) == 3 or s[0] in sys.argv[3:]]
    campaigns = {c for _, c, _ in wanted}
    d = postfix_test.http_test.HttpDaemon()
    d.config_extra = postfix_test.CONFIG
    d.start()
    remote = ScriptedRemote({rcpt: answer for rcpt, _, answer in ORIGINALS if answer})
    transport = postfix_test.snippet("transport-lmtp", [("127.0.0.1:2424", f"127.0.0.1:{d.ports['lmtp']}")])
    pf = postfix_test.Postfix(transport + f"{REMOTE_DOMAIN}    smtp:[127.0.0.1]:{remote.port}\n", MAIN_EXTRA)
    with open(os.path.join(pf.dir, "vmailbox"), "w") as f:
        f.write(VMAILBOX)
    try:
        pf.start()
        for rcpt, campaign, _ in ORIGINALS:
            if campaign in campaigns:
                sender = SENDER.format(rcpt=rcpt.replace("@", "="))
                pf.send_original(sender, campaign, f"campaign-{campaign}.send-7@news.{BOUNCE_DOMAIN}", rcpt)
        for name, campaign, kind in wanted:
            timeout = EXPIRY_TIMEOUT if campaign in ("45", "46") else BOUNCE_TIMEOUT
            deadline = time.monotonic() + timeout
            while not (records := [r for r in d.get_json("/v1/bounces?campaign=" + campaign)[1]["records"]
                                   if r["kind"] == kind]):
                if time.monotonic() > deadline:
                    sys.exit(f"no {kind} record for campaign {campaign} within {timeout} s:\n{pf.log()}")
                time.sleep(0.5)
            _, _, raw = d.get(f"/v1/messages/{records[0]['message_id']}")
            with open(os.path.join(out, name + ".eml"), "wb") as f:
                f.write(raw.replace(b"\r\n", b"\n"))
            print("wrote", name + ".eml")
    finally:
        print_told(remote.told)
        for line in pf.log().splitlines():
            if "status=bounced" in line or "status=expired" in line:
                print("  postfix:", line)
        pf.stop()
        d.stop()
        d.cleanup()
        remote.close()


if __name__ == "__main__":
    main()
