"""What the sample generators of tests/mta share (courier_samples.py, dma_samples.py,
dovecot_samples.py): the names the samples use (all under .test), the original message each
bounce answers, and writing a sample out as samples/mail holds them (line ends LF).
"""
import os

# The sending side: VERP envelope senders, one per original, so each bounce is told apart by
# the address it comes back to.
BOUNCE_DOMAIN = "bounce.example.test"
# The MTA under test calls itself so.
MTA_HOST = "mta.example.test"
# The recipients' side, the scripted remote of scripted_remote.py.
REMOTE_DOMAIN = "remote.example.test"


def sender_for(rcpt, send="7"):
    """The VERP envelope sender of a mailing to rcpt: bounces+s7-user=domain@bounce domain."""
    return f"bounces+s{send}-{rcpt.replace('@', '=')}@{BOUNCE_DOMAIN}"


def original(rcpt, campaign, send="7"):
    """The mailing's message to rcpt, as bytes with LF line ends (as a sendmail command reads
    it), its Message-ID naming the campaign and the send."""
    return (f"From: News <news@{BOUNCE_DOMAIN}>\nTo: <{rcpt}>\nSubject: December news\n"
            f"Message-ID: <campaign-{campaign}.send-{send}@news.{BOUNCE_DOMAIN}>\n"
            f"X-Campaign-ID: {campaign}\nDate: Sat, 05 Dec 2026 12:00:00 +0000\n"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nHello.\n").encode()


def write_sample(out, name, text):
    """samples/mail/NAME.eml: the bounce's text with line ends as LF."""
    path = os.path.join(out, name + ".eml")
    with open(path, "wb") as f:
        f.write(text.replace(b"\r\n", b"\n"))
    print("wrote", path)


def print_told(told):
    """What the scripted remote was told to answer, and answered, for each recipient."""
    seen = set()
    for rcpt, stage, answer in told:
        if (rcpt, stage, answer) in seen:
            continue
        seen.add((rcpt, stage, answer))
        count = told.count((rcpt, stage, answer))
        when = "RCPT TO" if stage == "rcpt" else "the message's final dot"
        print(f"  remote answered {when} for <{rcpt}>: {answer}" + (f" ({count} times)" if count > 1 else ""))
