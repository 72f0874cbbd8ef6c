"""fixture.py - shared by the HTTPS integration tests (test_devices.py, test_entra.py): a temp dir
holding the fixture server's test PKI and a client secret file, and one fixture server
(tests/fixtures/server.py) per scenario, stopped when the test ends.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time


def server_path(src):
    return os.path.join(src, "tests", "fixtures", "server.py")


def make_pki(cls, src, secret):
    """Set cls.tmp (a TemporaryDirectory), cls.certs (its certs/ dir, made by the server's
    gencerts) and cls.secret (a mode 0600 file holding secret and a newline)."""
    cls.tmp = tempfile.TemporaryDirectory()
    cls.certs = os.path.join(cls.tmp.name, "certs")
    subprocess.run([sys.executable, server_path(src), "gencerts", cls.certs], check=True)
    cls.secret = os.path.join(cls.tmp.name, "secret")
    with open(cls.secret, "w") as f:
        f.write(secret + "\n")
    os.chmod(cls.secret, 0o600)


def serve(test, src, scenario, log):
    """Start the server on scenario with test.certs, its request log at log; it is stopped at the
    end of test. Returns its base URL."""
    p = subprocess.Popen([sys.executable, server_path(src), "serve", "--scenario",
                          os.path.join(src, "tests", "fixtures", "scenarios", scenario),
                          "--certs", test.certs, "--log", log, "--idle-timeout", "60"],
                         stdout=subprocess.PIPE, text=True)
    test.addCleanup(lambda: (p.terminate(), p.wait(), p.stdout.close()))
    port = int(p.stdout.readline())
    return f"https://127.0.0.1:{port}"


def run_once(test, ztmmd, config, rules):
    """Run `ztmmd --once` on config with the catalog rules (JSON output); a crash fails test.
    Returns the finished process."""
    p = subprocess.run([ztmmd, "--once", "--config", config, "--rules", rules, "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    test.assertNotIn(p.returncode, (-6, -11, 134, 139), p.stderr)  # never a crash
    return p


def wait_for(pred, seconds=60):
    """Poll pred every 0.1 s until it is true (returns True) or seconds passed (False)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if pred():
            return True
        time.sleep(0.1)
    return False


def daemon_tmp(test, prefix):
    """A temp dir in test.tmp and a list test.procs of started daemons; at the end of test the
    daemons still running are killed and the dir removed."""
    test.tmp = tempfile.mkdtemp(prefix=prefix)
    test.procs = []

    def done():
        for p in test.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        shutil.rmtree(test.tmp, ignore_errors=True)
    test.addCleanup(done)
