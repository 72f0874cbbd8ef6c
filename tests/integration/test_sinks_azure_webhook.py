#!/usr/bin/env python3
"""test_sinks_azure_webhook.py - end to end: `ztmmd --once` exporting a host scan through the
azure_monitor and webhook sinks to the receivers of tests/fixtures/receivers_azure_webhook.py.

Usage: test_sinks_azure_webhook.py ZTMMD SOURCE_DIR
Every event of the scan must arrive exactly once (by id) and as many as the core says it
published; throttling ends delivered; a wrong secret keeps the events pending (exit 4) until a
later run with the right one delivers them.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

ZTMMD, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREE = os.path.join(SRC, "tests", "fixtures", "host", "hardened")
FIXTURES = os.path.join(SRC, "tests", "fixtures")
RECEIVERS = os.path.join(FIXTURES, "receivers_azure_webhook.py")
EXIT_PENDING = 4
PUBLISHED = re.compile(r"export: (\d+) event\(s\) of scan \S+ published")

AZ = {"tenant": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
      "client_secret": "azmon-e2e-secret", "dcr_id": "dcr-00a1b2c3d4e5f60718293a4b5c6d7e8f",
      "stream": "Custom-Ztmmd_CL"}
HOOK_KEY = "webhook-e2e-signing-key"


class Receiver:
    def __init__(self, tmp, kind, config, tag):
        self.log = os.path.join(tmp, f"{kind}-{tag}.jsonl")
        cfg = os.path.join(tmp, f"{kind}-{tag}.json")
        with open(cfg, "w") as f:
            json.dump(config, f)
        self.proc = subprocess.Popen(
            [sys.executable, RECEIVERS, kind, "--certs", os.path.join(tmp, "certs"),
             "--log", self.log, "--config", cfg, "--idle-timeout", "120"],
            stdout=subprocess.PIPE, text=True)
        self.base = f"https://127.0.0.1:{int(self.proc.stdout.readline())}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def entries(self, kind):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [e for e in map(json.loads, f) if e["kind"] == kind]


class Sinks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.TemporaryDirectory()
        subprocess.run([sys.executable, os.path.join(FIXTURES, "server.py"), "gencerts",
                        os.path.join(cls.pki.name, "certs")], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.pki.cleanup()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(dir=self.pki.name)
        self.receivers = []
        os.symlink(os.path.join(self.pki.name, "certs"), os.path.join(self.tmp, "certs"))

    def tearDown(self):
        for r in self.receivers:
            r.stop()

    def receiver(self, kind, config, tag="r"):
        r = Receiver(self.tmp, kind, config, tag)
        self.receivers.append(r)
        return r

    def secret(self, name, text):
        path = os.path.join(self.tmp, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (text + "\n").encode())
        os.close(fd)
        return path

    def run_once(self, sink, flush="20s"):
        conf = os.path.join(self.tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {self.tmp}/state\nflush_timeout = {flush}\n"
                    f"log_level = info\n[collector:host]\nroot = {TREE}\n[sink:out]\n{sink}")
        p = subprocess.run([ZTMMD, "--once", "--config", conf, "--rules", RULES],
                           capture_output=True, text=True, timeout=120)
        m = PUBLISHED.search(p.stderr)
        self.assertIsNotNone(m, p.stderr)
        doc = json.loads(p.stdout)
        return p, int(m.group(1)), doc

    def assert_once(self, ids, published, doc, findings_all=True):
        self.assertEqual(len(ids), len(set(ids)), "an event arrived twice")
        self.assertTrue(all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids[:3])
        self.assertEqual(len(ids), published)
        if findings_all:  # the scan summary, the 40 functions and every finding (no drift yet)
            self.assertEqual(published, 1 + 40 + len(doc["findings"]))

    # ---- webhook ----------------------------------------------------------------------------

    def webhook_sink(self, r, key_file, extra=""):
        return (f"type = webhook\nurl = {r.base}/ingest/ztmmd\nhmac_key_file = {key_file}\n"
                f"ca_file = {self.tmp}/certs/ca.pem\nfindings = all\n{extra}")

    def delivered(self, r, kind):
        return [i for e in r.entries(kind) if 200 <= e["status"] < 300 for i in e["ids"]]

    def test_webhook_every_event_once(self):
        r = self.receiver("webhook", {"key": HOOK_KEY})
        p, n, doc = self.run_once(self.webhook_sink(r, self.secret("key", HOOK_KEY)))
        self.assertEqual(p.returncode, 0, p.stderr)
        reqs = r.entries("webhook")
        self.assertTrue(reqs and all(e["sig_ok"] for e in reqs))
        self.assertTrue(all(e["batch"] == str(e["count"]) for e in reqs))
        self.assert_once(self.delivered(r, "webhook"), n, doc)

    def test_webhook_cef_batches(self):
        r = self.receiver("webhook", {"key": HOOK_KEY})
        sink = self.webhook_sink(r, self.secret("key", HOOK_KEY), "format = cef\nbatch = 25\n")
        p, n, doc = self.run_once(sink)
        self.assertEqual(p.returncode, 0, p.stderr)
        reqs = r.entries("webhook")
        self.assertGreaterEqual(len(reqs), 4)
        self.assertTrue(all(e["content_type"].startswith("text/plain") for e in reqs))
        self.assertTrue(all(e["sig_ok"] and e["count"] <= 25 for e in reqs))
        self.assert_once(self.delivered(r, "webhook"), n, doc)

    def test_webhook_throttled_ends_delivered(self):
        r = self.receiver("webhook", {"key": HOOK_KEY, "responses": [
            {"status": 429, "headers": {"Retry-After": "1"}},
            {"status": 503, "headers": {"Retry-After": "1"}}, {"status": 200}]})
        p, n, doc = self.run_once(self.webhook_sink(r, self.secret("key", HOOK_KEY)))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([e["status"] for e in r.entries("webhook")][:3], [429, 503, 200])
        self.assert_once(self.delivered(r, "webhook"), n, doc)

    def test_webhook_wrong_key_keeps_events_pending(self):
        r = self.receiver("webhook", {"key": "the receiver's other key"}, "wrong")
        key = self.secret("key", HOOK_KEY)
        p, n, _ = self.run_once(self.webhook_sink(r, key), flush="3s")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("pending", p.stderr)
        self.assertIn("HTTP 401", p.stderr)
        self.assertNotIn(HOOK_KEY, p.stderr)
        self.assertEqual(self.delivered(r, "webhook"), [])
        # The right key next time: the kept events and the new scan's arrive, each once.
        ok = self.receiver("webhook", {"key": HOOK_KEY}, "right")
        p2, n2, _ = self.run_once(self.webhook_sink(ok, key))
        self.assertEqual(p2.returncode, 0, p2.stderr)
        ids = self.delivered(ok, "webhook")
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(len(ids), n + n2)

    # ---- azure_monitor ----------------------------------------------------------------------

    def azure_sink(self, r, secret_file, extra=""):
        return (f"type = azure_monitor\nurl = {r.base}\ndcr_id = {AZ['dcr_id']}\n"
                f"stream = {AZ['stream']}\ntenant_id = {AZ['tenant']}\n"
                f"client_id = {AZ['client_id']}\nclient_secret_file = {secret_file}\n"
                f"login_url = {r.base}\nca_file = {self.tmp}/certs/ca.pem\nfindings = all\n{extra}")

    def test_azure_every_event_once(self):
        r = self.receiver("azure", AZ)
        p, n, doc = self.run_once(self.azure_sink(r, self.secret("secret", AZ["client_secret"])))
        self.assertEqual(p.returncode, 0, p.stderr)
        (tok,) = r.entries("token")
        self.assertEqual(tok["scope"], "https://monitor.azure.com/.default")
        self.assertTrue(all(e["status"] == 204 for e in r.entries("ingest")))
        self.assert_once(self.delivered(r, "ingest"), n, doc)

    def test_azure_ocsf(self):
        r = self.receiver("azure", AZ)
        sink = self.azure_sink(r, self.secret("secret", AZ["client_secret"]), "format = ocsf\n")
        p, n, doc = self.run_once(sink)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_once(self.delivered(r, "ingest"), n, doc)

    def test_azure_throttled_ends_delivered(self):
        r = self.receiver("azure", dict(AZ, responses=[
            {"status": 429, "headers": {"Retry-After": "1"}}, {"status": 204}]))
        p, n, doc = self.run_once(self.azure_sink(r, self.secret("secret", AZ["client_secret"])))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([e["status"] for e in r.entries("ingest")][:2], [429, 204])
        self.assert_once(self.delivered(r, "ingest"), n, doc)

    def test_azure_wrong_secret_keeps_events_pending(self):
        r = self.receiver("azure", AZ)
        p, _, _ = self.run_once(self.azure_sink(r, self.secret("secret", "not-the-secret")),
                                flush="3s")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("cannot get an access token", p.stderr)
        self.assertIn("pending", p.stderr)
        self.assertNotIn("not-the-secret", p.stderr)
        self.assertEqual(r.entries("ingest"), [])
        self.assertTrue(r.entries("token"))

    def test_azure_forbidden_names_the_role(self):
        r = self.receiver("azure", dict(AZ, responses=[{"status": 403}]))
        p, _, _ = self.run_once(self.azure_sink(r, self.secret("secret", AZ["client_secret"])),
                                flush="3s")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("Monitoring Metrics Publisher", p.stderr)
        self.assertNotIn(AZ["client_secret"], p.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
