#!/usr/bin/env python3
"""test_hostile_host.py - end to end: `ztmmd --once` on a copy of the hardened host tree where one
path is made hostile at test time (a FIFO, a device node, a socket, a symbolic link loop, a link
out of the tree, a 2 GiB sparse file), and exec programs that hang after printing.

Usage: test_hostile_host.py ZTMMD SOURCE_DIR
For each case: the scan finishes without reaching the collector's time limit, the problem names
the path, only the evidence of the probe that needs that file is missing while every other
observation equals the clean tree's, and the scan takes no more than a generous multiple of the
clean tree's scan run in the same test (no absolute wall-clock threshold).
"""
import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
HARDENED = os.path.join(SRC, "tests", "fixtures", "host", "hardened")
EXEC = os.path.join(SRC, "tests", "fixtures", "exec")
TIMEOUT = "30s"  # the collector's limit: the old behaviour waited on a FIFO until it
# hostile scan <= RATIO x clean scan + SLACK seconds: the blocking behaviour takes TIMEOUT (30 s),
# so 5 s of slack still tells the two apart on a loaded CI machine where starting a process alone
# can take a second.
RATIO, SLACK = 10.0, 5.0


def fifo(path, outside):
    os.unlink(path)
    os.mkfifo(path, 0o644)


def device(path, outside):
    os.unlink(path)
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 3))  # /dev/null's numbers
    except PermissionError as e:
        if e.errno == errno.EPERM:
            raise unittest.SkipTest("mknod failed with EPERM (not root, or no CAP_MKNOD)")
        raise


def unix_socket(path, outside):
    os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()  # the socket file stays


def loop(path, outside):
    os.unlink(path)
    name = os.path.basename(path)
    os.symlink(name + ".loop", path)
    os.symlink(name, path + ".loop")


def outside_link(path, outside):
    evil = os.path.join(outside, "evil")
    with open(evil, "w") as f:
        f.write("PasswordAuthentication yes\nPermitRootLogin yes\nevil ALL=(ALL) NOPASSWD: ALL\n")
    os.unlink(path)
    os.symlink(evil, path)


def huge(path, outside):
    os.truncate(path, 2 * 1024 ** 3)  # sparse


# name: (host path, how, evidence prefix that becomes unknown, the problem after "PATH: ")
CASES = {
    "fifo_sshd_config": ("/etc/ssh/sshd_config", fifo, "host.sshd.",
                         "it is a FIFO, not a regular file"),
    "fifo_sudoers": ("/etc/sudoers", fifo, "host.sudo.", "it is a FIFO, not a regular file"),
    "device_node": ("/etc/crypttab", device, "host.disk.",
                    "it is a character device, not a regular file"),
    "unix_socket": ("/etc/pam.d/sshd", unix_socket, "host.pam.",
                    "it is a socket, not a regular file"),
    "symlink_loop": ("/etc/sudoers", loop, "host.sudo.", "Too many levels of symbolic links"),
    "symlink_outside_root": ("/etc/ssh/sshd_config", outside_link, "host.sshd.",
                             "dangling symbolic link to "),
    "huge_sparse_file": ("/etc/ssh/sshd_config", huge, "host.sshd.",
                         "larger than 1048576 bytes, the limit per file"),
}


class HostileHost(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def tree(self, name):
        dst = os.path.join(self.tmp.name, name)
        shutil.copytree(HARDENED, dst, symlinks=True)
        return dst

    def scan(self, text):
        conf = os.path.join(self.tmp.name, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(text)
        t0 = time.monotonic()
        p = subprocess.run([ZTMMD, "--once", "--config", conf, "--rules", RULES],
                           capture_output=True, text=True, timeout=120)
        return p, json.loads(p.stdout), time.monotonic() - t0

    def scan_host(self, root):
        return self.scan(f"[collector:host]\nroot = {root}\ntimeout = {TIMEOUT}\n")

    @staticmethod
    def evidence(doc):
        return {e["key"]: (e["value"], e["detail"]) for e in doc["evidence"]}

    def check_case(self, name):
        path, make, prefix, problem = CASES[name]
        clean_p, clean, clean_s = self.scan_host(self.tree("clean"))
        self.assertEqual(clean_p.returncode, 0, clean_p.stderr)
        root = self.tree(name)
        outside = tempfile.mkdtemp(dir=self.tmp.name, prefix="outside-")
        make(root + path, outside)
        p, doc, secs = self.scan_host(root)
        (c,) = doc["collectors"]
        # Finished on its own, well within its limit: partial, one problem naming the path.
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(c["status"], "partial", c)
        self.assertNotIn("timed out", c["error"])
        self.assertTrue(c["error"].startswith(f"cannot read {path}: {problem}"), c["error"])
        self.assertNotIn("more problems", c["error"])
        self.assertIn(f"collector host: cannot read {path}: ", p.stderr)
        # Only that probe's evidence is unknown; everything else is exactly the clean tree's.
        want = {k: v for k, v in self.evidence(clean).items() if not k.startswith(prefix)}
        got = self.evidence(doc)
        self.assertEqual(sorted(got), sorted(want))
        self.assertEqual(got, want)
        self.assertEqual(c["evidence"], len(want))
        self.assertLess(len(want), len(self.evidence(clean)))
        # Fast: bounded by the clean scan of the same test, not by the collector's time limit.
        self.assertLess(secs, RATIO * clean_s + SLACK, f"{secs:.3f}s vs clean {clean_s:.3f}s")

    def test_fifo_at_sshd_config(self):
        self.check_case("fifo_sshd_config")

    def test_fifo_at_sudoers(self):
        self.check_case("fifo_sudoers")

    def test_device_node(self):
        self.check_case("device_node")

    def test_unix_socket(self):
        self.check_case("unix_socket")

    def test_symlink_loop(self):
        self.check_case("symlink_loop")

    def test_symlink_outside_root_is_not_followed(self):
        self.check_case("symlink_outside_root")

    def test_huge_sparse_file(self):
        self.check_case("huge_sparse_file")

    def test_exec_hang_after_whole_document_keeps_it(self):
        # The program prints its whole document, then hangs past the collector's limit (3 s, so
        # the program is stopped at 2 s): its evidence is kept and the run is partial; one that
        # hangs in the middle of its document gives nothing. The host instance is unaffected.
        p, doc, _ = self.scan(f"[collector:host]\nroot = {self.tree('clean')}\n"
                              f"[collector:vpn]\ntype = exec\ncommand = {EXEC}/print-then-hang.sh\n"
                              "timeout = 3s\n"
                              f"[collector:cut]\ntype = exec\ncommand = {EXEC}/half-then-hang.sh\n"
                              "timeout = 3s\n")
        self.assertEqual(p.returncode, 3, p.stderr)
        st = {c["name"]: c for c in doc["collectors"]}
        self.assertEqual(st["host"]["status"], "ok")
        self.assertEqual((st["vpn"]["status"], st["vpn"]["evidence"]), ("partial", 2))
        self.assertRegex(st["vpn"]["error"],
                         rf"^{EXEC}/print-then-hang.sh did not finish within [0-9.]+s \(the "
                         r"collector's time limit\); killed; the complete document it printed "
                         r"before is used$")
        ev = {(e["collector"], e["key"]): e["value"] for e in doc["evidence"]}
        self.assertEqual(ev[("vpn", "acme.vpn.mfa_required")], True)
        self.assertEqual(ev[("vpn", "acme.vpn.local_users")], 3)
        self.assertEqual((st["cut"]["status"], st["cut"]["evidence"]), ("error", 0))
        self.assertFalse(any(e["collector"] == "cut" for e in doc["evidence"]))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
