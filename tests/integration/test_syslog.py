#!/usr/bin/env python3
"""test_syslog.py - end to end: `ztmmd --once` (and the service) exporting to a REAL rsyslogd
(tests/fixtures/rsyslog.py: Debian's rsyslog with the ossl driver, its own config, loopback,
a test CA made with openssl) over UDP, TCP, TLS and TLS with a client certificate.

Usage: test_syslog.py ZTMMD ZTMMCTL SOURCE_DIR
Each run has a reference `file` sink with findings = all (and one in ocsf for severities): the
events it wrote are what the core exported, and rsyslog must have got exactly those, once each,
as RFC 5424 messages by rsyslog's own parser (version 1, APP-NAME ztmmd, MSGID = kind, the
[ztmm@32473 ...] element) and by ours on the raw message, MSG equal to the reference event.
Then the faults: rsyslog stopped across two scans and started again, a wrong CA, a wrong host
name, no client certificate for a receiver that needs one: clear errors, nothing lost.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREES = os.path.join(SRC, "tests", "fixtures", "host")
FIXTURES = os.path.join(SRC, "tests", "fixtures")
sys.path.insert(0, FIXTURES)
from rsyslog import RSYSLOGD, Rsyslog  # noqa: E402

EXIT_PENDING = 4
SEVERITY = {4: 3, 3: 4, 2: 5, 1: 6, 0: 6}  # OCSF severity_id -> syslog severity (docs/export.md)
FACILITY = {"local0": 16, "auth": 4, "local7": 23}
HEADER = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ")


def lines(path):
    try:
        with open(path) as f:
            return [l for l in f.read().split("\n") if l]
    except FileNotFoundError:
        return []


def parse_sd(s):
    """One SD-ELEMENT at the start of s: (sd_id, {name: value}, rest after it)."""
    assert s[0] == "[", s[:40]
    i = min(k for k in (s.find(" "), s.find("]")) if k > 0)
    sd_id, params = s[1:i], {}
    while s[i] == " ":
        eq = s.index("=", i)
        name = s[i + 1:eq]
        assert s[eq + 1] == '"'
        j, val = eq + 2, []
        while s[j] != '"':
            if s[j] == "\\":
                assert s[j + 1] in '"\\]', s[j:j + 2]
                j += 1
            val.append(s[j])
            j += 1
        params[name] = "".join(val)
        i = j + 1
    assert s[i] == "]", s[i:i + 10]
    return sd_id, params, s[i + 1:]


def parse_rfc5424(raw):
    """Our own reading of a raw message: header fields, SD params, MSG."""
    m = HEADER.match(raw)
    assert m, raw[:120]
    pri, ts, host, app, procid, msgid = m.groups()
    sd_id, params, rest = parse_sd(raw[m.end():])
    assert rest.startswith(" "), rest[:20]
    return {"pri": int(pri), "timestamp": ts, "hostname": host, "app": app, "procid": procid,
            "msgid": msgid, "sd_id": sd_id, "params": params, "msg": rest[1:],
            "sd": raw[m.end():len(raw) - len(rest)]}


def want_params(e):
    """The SD params of an event per docs/events.md: id, function if any, its stage if any."""
    p = {"id": e["id"]}
    if isinstance(e.get("function"), str):
        p["function"] = e["function"]
    stage = {"scan": lambda: e["overall"]["stage"], "function": lambda: e["stage"],
             "finding": lambda: e["stage"],
             "drift": lambda: e["to"] if e["scope"] != "finding" else None}[e["kind"]]()
    if stage:
        p["stage"] = stage
    return p


class Syslog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(RSYSLOGD, os.X_OK):
            raise unittest.SkipTest("rsyslogd is not installed (tests/install-deps.sh)")
        cls.pki = tempfile.mkdtemp(prefix="ztmmd-syslog-pki-")
        cls.certs = os.path.join(cls.pki, "certs")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "server.py"), "gencerts",
                        cls.certs], check=True)
        cls.ca = os.path.join(cls.certs, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki, ignore_errors=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ztmmd-syslog-")
        self.state = os.path.join(self.tmp, "state")
        self.ref = os.path.join(self.tmp, "ref.jsonl")
        self.ref_ocsf = os.path.join(self.tmp, "ref.ocsf")
        self.rs = Rsyslog(os.path.join(self.tmp, "rsyslog"), self.certs)
        self.rs.start()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        self.rs.stop()
        if self._outcome_failed():
            sys.stderr.write("--- rsyslogd stderr ---\n" + self.rs.stderr())
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _outcome_failed(self):
        # Since Python 3.11 a failure is added to the result as it happens (the _Outcome.errors
        # list read before is gone): look there.
        result = getattr(getattr(self, "_outcome", None), "result", None)
        return any(t is self for t, _ in getattr(result, "errors", []) + getattr(result, "failures", []))

    # -- helpers ----------------------------------------------------------------------------

    def refs(self):
        return (f"[sink:ref]\ntype = file\npath = {self.ref}\nfindings = all\n"
                f"[sink:refocsf]\ntype = file\npath = {self.ref_ocsf}\nformat = ocsf\n"
                f"findings = all\n")

    def tls(self, name, listener="tls", host="127.0.0.1", extra=""):
        return (f"[sink:{name}]\ntype = syslog\nurl = tls://{host}:{self.rs.ports[listener]}\n"
                f"ca_file = {self.ca}\nfindings = all\n{extra}")

    def run_once(self, sinks, tree="weak", daemon="flush_timeout = 5s\n"):
        conf = os.path.join(self.tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {self.state}\n{daemon}"
                    f"[collector:host]\nroot = {os.path.join(TREES, tree)}\n{sinks}")
        return subprocess.run([ZTMMD, "--once", "--config", conf, "--rules", RULES],
                              capture_output=True, text=True, timeout=120)

    def ref_events(self):
        return [json.loads(l) for l in lines(self.ref)]

    def severities(self):
        return {o["metadata"]["uid"]: o["severity_id"] for o in map(json.loads, lines(self.ref_ocsf))}

    def received(self, listener, count):
        msgs = self.rs.wait_for(listener, count)
        self.assertEqual(len(msgs), count, f"{listener}: {len(msgs)} of {count} arrived")
        return msgs

    def assert_messages(self, listener, refs, facility="local0", fmt="json"):
        """Every reference event arrived once on listener, intact, as RFC 5424."""
        msgs = self.received(listener, len(refs))
        by_id = {e["id"]: e for e in refs}
        sev = self.severities()
        seen = []
        for m in msgs:
            ours = parse_rfc5424(m["raw"])
            e = by_id.get(ours["params"].get("id"))
            self.assertIsNotNone(e, f"{listener}: unknown id in {m['raw'][:160]}")
            seen.append(e["id"])
            # rsyslog's own RFC 5424 parser read the same header and structured data
            self.assertEqual(m["version"], "1")
            self.assertEqual(m["app"], "ztmmd")
            self.assertEqual(m["app"], ours["app"])
            self.assertEqual(m["msgid"], e["kind"])
            self.assertEqual(ours["msgid"], e["kind"])
            self.assertEqual(m["hostname"], e["host"])
            self.assertRegex(m["procid"], r"^\d+$")
            self.assertEqual(ours["sd_id"], "ztmm@32473")
            self.assertEqual(ours["params"], want_params(e))
            self.assertEqual(m["sd"], ours["sd"])
            self.assertEqual(int(m["pri"]), ours["pri"])
            self.assertEqual(ours["pri"], FACILITY[facility] * 8 + SEVERITY[sev[e["id"]]])
            self.assertEqual(ours["timestamp"], e["time"])
            # MSG: the event in the sink's format, byte for byte what rsyslog calls msg
            self.assertEqual(m["msg"], ours["msg"])
            if fmt == "json":
                self.assertEqual(json.loads(ours["msg"]), e)
            else:
                self.assertTrue(ours["msg"].startswith("CEF:0|ztmmd|ztmmd|"))
                self.assertIn(f"externalId={e['id']}", ours["msg"])
        self.assertEqual(sorted(seen), sorted(by_id), f"{listener}: not every event exactly once")
        return msgs

    # -- cases ------------------------------------------------------------------------------

    def test_every_event_once_over_udp_tcp_tls_and_mtls(self):
        key = os.path.join(self.certs, "user.key")
        sinks = (self.refs()
                 + f"[sink:u]\ntype = syslog\nurl = udp://127.0.0.1:{self.rs.ports['udp']}\n"
                   f"findings = all\n"
                 + f"[sink:t]\ntype = syslog\nurl = tcp://127.0.0.1:{self.rs.ports['tcp']}\n"
                   f"findings = all\nfacility = auth\n"
                 + self.tls("s")
                 + self.tls("m", "mtls", host="localhost",
                            extra=f"cert_file = {self.certs}/user.pem\nkey_file = {key}\n"
                                  f"facility = local7\nformat = cef\n"))
        p = self.run_once(sinks)
        self.assertEqual(p.returncode, 0, p.stderr)
        refs = self.ref_events()
        kinds = [e["kind"] for e in refs]
        self.assertEqual(kinds.count("scan"), 1)
        self.assertEqual(kinds.count("function"), 40)
        self.assertGreater(kinds.count("finding"), 10)
        self.assert_messages("udp", refs)
        self.assert_messages("tcp", refs, facility="auth")
        self.assert_messages("tls", refs)
        self.assert_messages("mtls", refs, facility="local7", fmt="cef")

        # A second scan of a stronger host: drift events too, every one once, nothing again.
        p = self.run_once(sinks, tree="hardened")
        self.assertEqual(p.returncode, 0, p.stderr)
        refs = self.ref_events()
        self.assertGreater([e["kind"] for e in refs].count("drift"), 0)
        self.assert_messages("tls", refs)
        self.assert_messages("tcp", refs, facility="auth")

    def test_rsyslog_stopped_across_two_scans_loses_nothing(self):
        sinks = self.refs() + self.tls("s") + (
            f"[sink:t]\ntype = syslog\nurl = tcp://127.0.0.1:{self.rs.ports['tcp']}\n"
            f"findings = all\n")
        p = self.run_once(sinks)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.received("tls", len(self.ref_events()))
        self.rs.stop()
        for tree in ("hardened", "weak"):
            p = self.run_once(sinks, tree=tree, daemon="flush_timeout = 2s\n")
            self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
            self.assertIn("sink s:", p.stderr)
            self.assertIn("pending", p.stderr)
            self.assertIn(f"tls://127.0.0.1:{self.rs.ports['tls']}: connect: Connection refused",
                          p.stderr)
            self.assertIn(f"tcp://127.0.0.1:{self.rs.ports['tcp']}: connect: Connection refused",
                          p.stderr)
        self.rs.start()
        p = self.run_once(sinks)
        self.assertEqual(p.returncode, 0, p.stderr)
        refs = self.ref_events()
        self.assertEqual(len({e["scan_id"] for e in refs}), 4)
        self.assert_messages("tls", refs)
        self.assert_messages("tcp", refs)

    def test_wrong_ca_then_fixed(self):
        other = os.path.join(self.certs, "other-ca.pem")
        p = self.run_once(self.refs() + self.tls("s").replace(self.ca, other),
                          daemon="flush_timeout = 2s\n")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("certificate verify failed", p.stderr)
        self.assertIn("check ca_file", p.stderr)
        self.assertEqual(self.rs.messages("tls"), [])
        p = self.run_once(self.refs() + self.tls("s"), tree="hardened")
        self.assertEqual(p.returncode, 0, p.stderr)
        refs = self.ref_events()
        self.assertEqual(len({e["scan_id"] for e in refs}), 2)
        self.assert_messages("tls", refs)

    def test_wrong_host_name_then_fixed(self):
        # rsyslog on "wrong" presents a certificate of the test CA for elsewhere.example.
        p = self.run_once(self.refs() + self.tls("s", "wrong"), daemon="flush_timeout = 2s\n")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("certificate verify failed: IP address mismatch", p.stderr)
        p = self.run_once(self.refs() + self.tls("s", "wrong", host="localhost"),
                          daemon="flush_timeout = 2s\n")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("certificate verify failed: hostname mismatch", p.stderr)
        self.assertEqual(self.rs.messages("wrong"), [])
        # The same sink pointed at a receiver whose certificate is right gets all three scans.
        p = self.run_once(self.refs() + self.tls("s"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_messages("tls", self.ref_events())

    def test_receiver_requires_a_client_certificate(self):
        p = self.run_once(self.refs() + self.tls("m", "mtls"), daemon="flush_timeout = 2s\n")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn(f"tls://127.0.0.1:{self.rs.ports['mtls']}: the receiver ended the "
                      f"connection: tlsv13 alert certificate required", p.stderr)
        self.assertEqual(self.rs.messages("mtls"), [])
        key = os.path.join(self.certs, "user.key")
        p = self.run_once(self.refs() + self.tls(
            "m", "mtls", extra=f"cert_file = {self.certs}/user.pem\nkey_file = {key}\n"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_messages("mtls", self.ref_events())

    def test_client_key_must_be_private(self):
        key = os.path.join(self.tmp, "user.key")
        shutil.copy(os.path.join(self.certs, "user.key"), key)
        os.chmod(key, 0o644)
        p = self.run_once(self.refs() + self.tls(
            "m", "mtls", extra=f"cert_file = {self.certs}/user.pem\nkey_file = {key}\n"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("[sink:m]", p.stderr)
        self.assertIn(key, p.stderr)

    def test_config_errors_name_file_line_and_key(self):
        cases = [
            ("url = https://h:6514\n", r"ztmmd\.conf:\d+: \[sink:s\] 'url' must be udp://HOST"),
            ("url = tls://h:70000\n", r"ztmmd\.conf:\d+: \[sink:s\] 'url' .*1-65535"),
            (f"url = udp://h\nca_file = {self.ca}\n",
             r"ztmmd\.conf:\d+: \[sink:s\] 'ca_file' applies to tls:// only"),
            ("url = tls://h\nfacility = local9\n",
             r"ztmmd\.conf:\d+: \[sink:s\] 'facility' must be one of"),
            ("url = tls://h\ncert_file = /etc/x.pem\n",
             r"ztmmd\.conf:\d+: \[sink:s\] 'cert_file' needs 'key_file'"),
            ("url = tls://h\nport = 1\n", r"ztmmd\.conf:\d+: \[sink:s\] unknown key 'port'"),
        ]
        for keys, want in cases:
            p = self.run_once(f"[sink:s]\ntype = syslog\n{keys}")
            self.assertEqual(p.returncode, 1, keys)
            self.assertRegex(p.stderr, want)


class Service(unittest.TestCase):
    """The service keeps its TLS connection between scans: rsyslog stopped while it is idle is
    noticed (not written into), two scans wait in the outbox, rsyslog started again gets
    everything, once."""

    def setUp(self):
        if not os.access(RSYSLOGD, os.X_OK):
            self.skipTest("rsyslogd is not installed")
        self.tmp = tempfile.mkdtemp(prefix="ztmmd-syslog-svc-")
        certs = os.path.join(self.tmp, "certs")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "server.py"), "gencerts", certs],
                       check=True)
        self.rs = Rsyslog(os.path.join(self.tmp, "rsyslog"), certs, ("tls",))
        self.rs.start()
        self.ref = os.path.join(self.tmp, "ref.jsonl")
        self.conf = os.path.join(self.tmp, "ztmmd.conf")
        with open(self.conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {self.tmp}/state\nruntime_dir = {self.tmp}/run\n"
                    f"interval = 1h\nscan_on_start = no\n[collector:host]\nroot = {os.path.join(TREES, 'weak')}\n"
                    f"[sink:ref]\ntype = file\npath = {self.ref}\nfindings = all\n"
                    f"[sink:s]\ntype = syslog\nurl = tls://127.0.0.1:{self.rs.ports['tls']}\n"
                    f"ca_file = {certs}/ca.pem\nfindings = all\n")
        self.err = open(os.path.join(self.tmp, "ztmmd.err"), "w")
        self.p = subprocess.Popen([ZTMMD, "--config", self.conf, "--rules", RULES],
                                  stdout=subprocess.DEVNULL, stderr=self.err)
        self.sock = os.path.join(self.tmp, "run", "control")
        for _ in range(200):
            if os.path.exists(self.sock):
                break
            time.sleep(0.05)

    def tearDown(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait()
        self.err.close()
        self.rs.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def scan(self):
        r = subprocess.run([ZTMMCTL, "--socket", self.sock, "scan", "--wait", "--format", "json"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)

    def ref_lines(self):
        """The reference sink's lines once it has nothing pending. `scan --wait` answers when the
        scan's events are in the outbox, a moment before the file sink has written them: reading
        the file at once found it empty now and then under load."""
        def settled():
            st = subprocess.run([ZTMMCTL, "--socket", self.sock, "status", "--format", "json"],
                                capture_output=True, text=True)
            if st.returncode != 0:
                return False
            ref = next(k for k in json.loads(st.stdout)["sinks"] if k["name"] == "ref")
            return ref["pending"] == 0 and ref["delivered"] > 0
        until = time.monotonic() + 60
        while not settled():
            self.assertLess(time.monotonic(), until, "the reference sink did not catch up")
            time.sleep(0.05)
        return lines(self.ref)

    def test_idle_connection_to_a_stopped_rsyslog(self):
        self.scan()
        first = len(self.ref_lines())
        self.assertGreater(first, 0)
        self.assertEqual(len(self.rs.wait_for("tls", first)), first)
        self.rs.stop()
        self.scan()
        self.scan()
        want = [json.loads(l)["id"] for l in self.ref_lines()]
        self.assertEqual(len(want), 3 * first)
        self.rs.start()
        # The sink retries with backoff (1 s, 2 s, 4 s ...): wait for it.
        got = self.rs.wait_for("tls", len(want), timeout=90)
        ids = [parse_rfc5424(m["raw"])["params"]["id"] for m in got]
        self.assertEqual(sorted(ids), sorted(want), "lost or duplicated events")
        with open(os.path.join(self.tmp, "ztmmd.err")) as f:
            log = f.read()
        # The dead connection is noticed either by the probe before the batch ("reconnecting",
        # then the reconnect is refused) or by the batch's own write (kept for the next
        # attempt; later refusals are logged at info level only), whichever sees the close
        # first. Both keep every event, as checked above, and both say why in the journal.
        self.assertRegex(log, r"sink s: tls://127\.0\.0\.1:\d+: the receiver closed the "
                              r"connection(; reconnecting|; \d+ event\(s\) kept)")
        if "; reconnecting" in log:
            self.assertIn("Connection refused", log)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
