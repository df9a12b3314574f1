#!/usr/bin/env python3
"""The Exim sample, checked by Exim itself: `exim -C samples/exim/exim.conf -bV` must read the
whole configuration without an error, and `-bt` must route a VERP address of the bounce domain
through the bounced router to each of the sample's bounced transports.

Debian's exim4 and postfix packages conflict (both are the mail-transport-agent), and the Postfix
test needs postfix, so this runs only where Exim is installed and exits 77 (skipped) elsewhere.

Usage: exim_test.py [unittest args]   (run by ctest)
"""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.normpath(os.path.join(HERE, "..", "..", "samples", "exim", "exim.conf"))
ADDRESS = "bounces+c42-s7-user=example.net@bounce.example.com"
EXIM = None


def find_exim():
    for name in ("exim", "exim4"):
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    return None


class EximSampleTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bounced-exim-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        with open(SAMPLE) as f:
            self.text = f.read()
        # The pipe transport runs as bounced's user, which Exim looks up as it reads the file;
        # where bounced is not installed that user does not exist, so check with nobody instead.
        try:
            pwd.getpwnam("bounced")
        except KeyError:
            self.text = self.replace(self.text, "\n  user = bounced\n", "\n  user = nobody\n")

    def replace(self, text, old, new):
        self.assertIn(old, text, "the sample changed: update this test")
        return text.replace(old, new)

    def exim(self, text, *args):
        path = os.path.join(self.dir, "exim.conf")
        with open(path, "w") as f:
            f.write(text)
        result = subprocess.run([EXIM, "-C", path] + list(args), capture_output=True, text=True, timeout=60)
        return path, result.returncode, result.stdout + result.stderr

    def test_the_sample_is_a_configuration_exim_reads_without_error(self):
        path, code, out = self.exim(self.text, "-bV")
        self.assertEqual(code, 0, out)
        self.assertIn("Configuration file is " + path, out)
        self.assertNotIn("configuration error", out)

    def test_a_broken_copy_fails_the_same_check(self):
        # So that the check above can fail: a misspelt option in the LMTP transport.
        _, code, out = self.exim(self.replace(self.text, "\n  port = 2424\n", "\n  prot = 2424\n"), "-bV")
        self.assertNotEqual(code, 0, out)
        self.assertIn("configuration error", out)

    def test_the_bounce_domain_routes_to_each_bounced_transport(self):
        for transport in ("bounced_lmtp", "bounced_lmtp_socket", "bounced_pipe"):
            with self.subTest(transport=transport):
                text = self.replace(self.text, "  transport = bounced_lmtp\n", f"  transport = {transport}\n")
                _, code, out = self.exim(text, "-bt", ADDRESS)
                self.assertEqual(code, 0, out)
                self.assertIn(f"router = bounced, transport = {transport}", out)

    def test_other_domains_do_not_reach_bounced(self):
        _, _, out = self.exim(self.text, "-bt", "someone@example.net")
        self.assertNotIn("router = bounced", out)


def main():
    global EXIM
    EXIM = find_exim()
    if EXIM is None:
        print("exim_test: Exim is not installed here (Debian's exim4 and postfix conflict; CI installs "
              "postfix for the Postfix test); skipping the check of samples/exim/exim.conf")
        sys.exit(77)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
