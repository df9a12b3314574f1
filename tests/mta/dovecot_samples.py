#!/usr/bin/env python3
"""Makes the Dovecot samples of samples/mail with Debian's Dovecot (`dovecot-core`,
`dovecot-lmtpd`): rejections of a user over quota and of a user Dovecot does not have.

(a) dovecot-lda, the local delivery agent, delivers to `full`, whose quota (the quota plugin,
    per-user rule storage=1B) the message exceeds; with quota_full_tempfail = no it rejects the
    message and writes the rejection mail itself, handing it to its sendmail_path, a script of
    this run that keeps it: dovecot-lda-mailboxfull. For a user it does not have, dovecot-lda
    writes no mail (Dovecot 2.3.19.1: it exits 67, EX_NOUSER, and leaves the bounce to the MTA
    that ran it); the script runs that case too and prints what happened.
(b) Dovecot's LMTP server, on a loopback port, refuses a user it does not have at RCPT and the
    user over quota after the message's final dot; the MTA that talked LMTP to it writes the
    bounce: the throwaway Postfix of postfix_test.py, whose transport map sends the recipients'
    domain to Dovecot's LMTP, writes its DSN quoting Dovecot's reply and delivers it to `bounced
    serve` over LMTP, as postfix_samples.py does (postfix-dovecot-lmtp-userunknown,
    postfix-dovecot-lmtp-mailboxfull; written as bounced stored them).
Each sample is written with line ends as LF, as the other samples.

Run by hand, as root, from the repository's top (never by CI):

    tests/mta/dovecot_samples.py build/release/bounced samples/mail

then check each sample's expected records (samples/README.md) by hand against what the script
prints Dovecot answered. Needs: root, Postfix (scripts/install-deps), unshare(1), overlayfs and
apt-get's access to Debian's archive. Dovecot is not installed (it could be, it does not
conflict with Postfix, but its package starts a system Dovecot): the script fetches its packages
with `apt-get download` and runs them unpacked in namespaces of its own (private_root.py), so
its users, config and mail exist only there, and its daemons end with the script.
"""
import os
import pwd
import re
import smtplib
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import private_root  # noqa: E402
from samples_common import BOUNCE_DOMAIN, original, sender_for, write_sample  # noqa: E402

# Dovecot and what it needs that a Debian 12 system with Postfix lacks.
PACKAGES = ["dovecot-core", "dovecot-lmtpd", "libexttextcat-2.0-0", "libexttextcat-data",
            "liblua5.4-0", "libwrap0"]
# The recipients' domain: Dovecot's users, over LMTP or through dovecot-lda.
MAILBOX_DOMAIN = "mailbox.example.test"
DOVECOT_HOST = "mx.mailbox.example.test"
# The text Dovecot gives for a user over quota (Dovecot's default, set here so the samples'
# expected diagnostic comes from this script, not from what the decoder prints).
QUOTA_MESSAGE = "Quota exceeded (mailbox for user is full)"
# Seconds to wait for a rejection or a bounce; each takes about a second.
TIMEOUT = 60

DOVECOT_CONF = """\
# A throwaway Dovecot: everything under {dir}; LMTP on a loopback port only.
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = lmtp
ssl = no
listen = 127.0.0.1
hostname = {host}
postmaster_address = postmaster@{domain}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
# LMTP gives user@domain: the users file names users without their domain.
auth_username_format = %Ln
passdb {{
  driver = passwd-file
  args = {dir}/users
}}
userdb {{
  driver = passwd-file
  args = {dir}/users
}}
mail_location = maildir:{dir}/mail/%n
mail_plugins = quota
plugin {{
  quota = maildir:User quota
  quota_rule = *:storage=10M
  quota_exceeded_message = {quota_message}
}}
# Reject (5.2.2) rather than tempfail (4.2.2) a message over quota.
quota_full_tempfail = no
# dovecot-lda: the original recipient from this header when -a is not given; rejections go out
# through this script's sendmail.
lda_original_recipient_header = X-Original-To
sendmail_path = {dir}/sendmail
"""

# The sendmail dovecot-lda runs for its rejection mail: keeps its arguments and the message.
SENDMAIL = """\
#!/bin/sh
n=$(date +%s%N)
printf '%s\\n' "$@" > {dir}/sent/$n.args
cat > {dir}/sent/$n.eml
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dovecot(folder):
    """Debian's postinst users (dovecot, dovenull), this run's config, users and sendmail,
    then the master (auth for dovecot-lda, LMTP); returns (config path, LMTP port)."""
    for user, home in (("dovecot", "/usr/lib/dovecot"), ("dovenull", "/nonexistent")):
        subprocess.run(["adduser", "--system", "--group", "--home", home, "--no-create-home",
                        "--disabled-password", "--quiet", user], check=True)
    d = os.path.join(folder, "dovecot")
    for sub in ("run", "state", "mail", "sent"):
        os.makedirs(os.path.join(d, sub))
    os.chmod(d, 0o755)
    nobody = pwd.getpwnam("nobody")
    os.chown(os.path.join(d, "mail"), nobody.pw_uid, nobody.pw_gid)
    os.chmod(os.path.join(d, "sent"), 0o777)  # the sendmail runs as the mail user
    # `full` may store 1 byte: any message puts it over quota.
    with open(os.path.join(d, "users"), "w") as f:
        f.write(f"full:{{PLAIN}}unused:{nobody.pw_uid}:{nobody.pw_gid}::{d}/mail/full::userdb_quota_rule=*:storage=1B\n")
    with open(os.path.join(d, "sendmail"), "w") as f:
        f.write(SENDMAIL.format(dir=d))
    os.chmod(os.path.join(d, "sendmail"), 0o755)
    port = free_port()
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(DOVECOT_CONF.format(dir=d, host=DOVECOT_HOST, domain=MAILBOX_DOMAIN, lmtp_port=port,
                                    quota_message=QUOTA_MESSAGE))
    subprocess.run(["/usr/sbin/dovecot", "-c", conf], check=True)
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(os.path.join(d, "run", "auth-userdb")):
        if time.monotonic() > deadline:
            sys.exit("Dovecot did not start:\n" + dovecot_log(d))
        time.sleep(0.1)
    return conf, port


def dovecot_log(d):
    try:
        with open(os.path.join(d, "dovecot.log")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def lda_samples(conf, out):
    """(a): dovecot-lda over quota (its rejection mail is the sample) and for an unknown user."""
    d = os.path.dirname(conf)
    rcpt = f"full@{MAILBOX_DOMAIN}"
    lda = ["/usr/lib/dovecot/dovecot-lda", "-c", conf, "-f", sender_for(rcpt, "8")]
    result = subprocess.run(lda + ["-d", "full", "-a", rcpt], input=original(rcpt, "71", "8"),
                            capture_output=True, timeout=TIMEOUT)
    print(f"dovecot-lda -d full: exit {result.returncode}")
    sent = os.path.join(d, "sent")
    deadline = time.monotonic() + 10  # the sendmail has run when dovecot-lda exits
    while not [n for n in os.listdir(sent) if n.endswith(".eml")]:
        if time.monotonic() > deadline:
            sys.exit("dovecot-lda sent no rejection:\n" + dovecot_log(d))
        time.sleep(0.1)
    time.sleep(0.5)  # the sendmail script may still be writing
    name = sorted(n for n in os.listdir(sent) if n.endswith(".eml"))[0]
    with open(os.path.join(sent, name[:-4] + ".args")) as f:
        print("  it ran its sendmail_path with:", " ".join(f.read().split()))
    with open(os.path.join(sent, name), "rb") as f:
        write_sample(out, "dovecot-lda-mailboxfull", f.read())
    for line in dovecot_log(d).splitlines():
        if "lda(full)" in line:
            print("  " + line)

    rcpt = f"nosuchuser@{MAILBOX_DOMAIN}"
    before = set(os.listdir(sent))
    result = subprocess.run(lda + ["-d", "nosuchuser", "-a", rcpt], input=original(rcpt, "72", "8"),
                            capture_output=True, timeout=TIMEOUT)
    time.sleep(1)
    print(f"dovecot-lda -d nosuchuser: exit {result.returncode},",
          "a rejection mail (not kept)" if set(os.listdir(sent)) != before else "no mail: no sample")


def lmtp_samples(bounced, lmtp_port, out):
    """(b): Postfix delivering to Dovecot's LMTP; its DSNs are the samples."""
    import postfix_test  # only here: (a) needs no Postfix
    postfix_test.serve_test.BOUNCED = bounced
    d = postfix_test.http_test.HttpDaemon()
    d.config_extra = postfix_test.CONFIG
    d.start()
    transport = (f"{BOUNCE_DOMAIN}    lmtp:inet:127.0.0.1:{d.ports['lmtp']}\n"
                 f"{MAILBOX_DOMAIN}    lmtp:inet:127.0.0.1:{lmtp_port}\n")
    pf = postfix_test.Postfix(transport)
    try:
        pf.start()
        for name, rcpt, campaign in [("postfix-dovecot-lmtp-userunknown", f"nosuchuser@{MAILBOX_DOMAIN}", "73"),
                                     ("postfix-dovecot-lmtp-mailboxfull", f"full@{MAILBOX_DOMAIN}", "74")]:
            sender = sender_for(rcpt, "9")
            with smtplib.SMTP("127.0.0.1", pf.smtpd_port, timeout=30) as smtp:
                smtp.sendmail(sender, [rcpt], original(rcpt, campaign, "9"))
            deadline = time.monotonic() + TIMEOUT
            while not (doc := d.get_json("/v1/bounces?campaign=" + campaign)[1])["records"]:
                if time.monotonic() > deadline:
                    sys.exit(f"no bounce for {rcpt}:\n{pf.log()}")
                time.sleep(0.2)
            _, _, raw = d.get(f"/v1/messages/{doc['records'][0]['message_id']}")
            write_sample(out, name, raw)
            said = re.search(rf"to=<{re.escape(rcpt)}>, relay=.*status=bounced \((.*)\)$", pf.log(), re.M)
            print(f"  Postfix's log: Dovecot answered for <{rcpt}>: {said.group(1) if said else '?'}")
    finally:
        pf.stop()
        d.stop()
        d.cleanup()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: dovecot_samples.py BOUNCED_BINARY OUTPUT_FOLDER   (as root)")
    bounced, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    folder, versions = private_root.enter(PACKAGES, DOVECOT_HOST)
    print("dovecot-core", versions.get("dovecot-core"), "- dovecot-lmtpd", versions.get("dovecot-lmtpd"))
    conf, lmtp_port = start_dovecot(folder)
    try:
        lda_samples(conf, out)
        lmtp_samples(bounced, lmtp_port, out)
    finally:
        subprocess.run(["/usr/sbin/dovecot", "-c", conf, "stop"], capture_output=True, timeout=60)


if __name__ == "__main__":
    main()
