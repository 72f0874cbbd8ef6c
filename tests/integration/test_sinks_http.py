#!/usr/bin/env python3
"""test_sinks_http.py - end to end: `ztmmd --once` exporting to the splunk_hec and elasticsearch
sinks, against the fixture receivers of tests/fixtures/receivers.py over HTTPS.

Usage: test_sinks_http.py ZTMMD SOURCE_DIR
Each run also has a `file` sink with findings = all: the events it wrote are what the core
exported, and the HTTP receiver must have got exactly those (by id).
"""
import json
import os
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREE = os.path.join(SRC, "tests", "fixtures", "host", "weak")
FIXTURES = os.path.join(SRC, "tests", "fixtures")
EXIT_PENDING = 4
HEC_TOKEN = "0b9f6d7e-hec-e2e-token-value"
ES_KEY = "aWQtMTIzOmtleS00NTY3ODk="


class Receiver:
    def __init__(self, tmp, certs, kind, config):
        self.log = os.path.join(tmp, f"{kind}-{os.urandom(4).hex()}.log")
        conf = self.log + ".json"
        with open(conf, "w") as f:
            json.dump(config, f)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(FIXTURES, "receivers.py"), "serve", "--kind", kind,
             "--certs", certs, "--log", self.log, "--config", conf, "--idle-timeout", "120"],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"https://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()

    def entries(self, path):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [e for e in map(json.loads, f) if e["path"] == path]


class Sinks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.TemporaryDirectory()
        cls.certs = os.path.join(cls.pki.name, "certs")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "server.py"), "gencerts",
                        cls.certs], check=True)
        cls.ca = os.path.join(cls.certs, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        cls.pki.cleanup()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.receivers = []
        self.state = os.path.join(self.tmp.name, "state")
        self.ref = os.path.join(self.tmp.name, "events.jsonl")

    def tearDown(self):
        for r in self.receivers:
            r.stop()
        self.tmp.cleanup()

    def receiver(self, kind, config):
        r = Receiver(self.tmp.name, self.certs, kind, config)
        self.receivers.append(r)
        return r

    def secret(self, name, value):
        path = os.path.join(self.tmp.name, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (value + "\n").encode())
        os.close(fd)
        return path

    def run_once(self, sink, flush="40s"):
        conf = os.path.join(self.tmp.name, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {self.state}\nflush_timeout = {flush}\n\n"
                    f"[collector:host]\nroot = {TREE}\n\n"
                    f"[sink:ref]\ntype = file\npath = {self.ref}\nfindings = all\n\n"
                    f"[sink:out]\nfindings = all\nbatch = 25\ntimeout = 10s\n{sink}")
        p = subprocess.run([ZTMMD, "--once", "--config", conf, "--rules", RULES],
                           capture_output=True, text=True, timeout=180)
        return p

    def exported(self):
        """The ids the core exported, in order, from the reference file sink."""
        with open(self.ref) as f:
            return [json.loads(line)["id"] for line in f]

    # ---- Splunk HEC -----------------------------------------------------------------------

    def hec_sink(self, r, token=HEC_TOKEN, ack=True):
        return (f"type = splunk_hec\nurl = {r.url}\ntoken_file = {self.secret('hec', token)}\n"
                f"ca_file = {self.ca}\nack = {'yes' if ack else 'no'}\nindex = ztmm\n")

    @staticmethod
    def hec_ids(r):
        return [e["fields"]["ztmm_id"] for x in r.entries("/services/collector/event")
                for e in x.get("events", [])]

    def test_hec_ack_every_event_once(self):
        r = self.receiver("hec", {"token": HEC_TOKEN, "ack": True, "ack_false_polls": 1})
        p = self.run_once(self.hec_sink(r))
        self.assertEqual(p.returncode, 0, p.stderr)
        want = self.exported()
        self.assertGreater(len(want), 40)  # scan + 40 functions + findings
        got = self.hec_ids(r)
        self.assertEqual(sorted(got), sorted(want))
        self.assertEqual(len(set(got)), len(got))
        events = r.entries("/services/collector/event")
        acks = r.entries("/services/collector/ack")
        # One stable channel for every request; every batch polled until acknowledged.
        channels = {x["channel"] for x in events + acks}
        self.assertEqual(len(channels), 1, channels)
        acked = {int(k) for a in acks for k, v in a["response"]["acks"].items() if v}
        self.assertEqual(acked, {x["response"]["ackId"] for x in events})
        self.assertTrue(any(not v for a in acks for v in a["response"]["acks"].values()))
        with open(self.ref) as f:
            kinds = {e["id"]: e["kind"] for e in map(json.loads, f)}
        for x in events:
            for e in x["events"]:
                self.assertEqual((e["source"], e["sourcetype"], e["index"]),
                                 ("ztmmd", "ztmmd", "ztmm"))
                self.assertEqual(e["event"]["id"], e["fields"]["ztmm_id"])
                self.assertEqual(e["fields"]["kind"], kinds[e["event"]["id"]])

    def test_hec_busy_then_delivered(self):
        r = self.receiver("hec", {"token": HEC_TOKEN, "faults": [
            {"code": 9, "retry_after": 1}, {"code": 9}, {"code": 8}]})
        p = self.run_once(self.hec_sink(r, ack=False))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(self.hec_ids(r)), sorted(self.exported()))
        statuses = [x["status"] for x in r.entries("/services/collector/event")]
        self.assertEqual(statuses[:3], [503, 503, 500])

    def test_hec_wrong_token_keeps_events_pending(self):
        r = self.receiver("hec", {"token": "the-right-token"})
        p = self.run_once(self.hec_sink(r), flush="3s")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("HEC code 4", p.stderr)
        self.assertIn("pending", p.stderr)
        self.assertNotIn(HEC_TOKEN, p.stderr + p.stdout)
        self.assertEqual(self.hec_ids(r), [])
        first = self.exported()
        # Fixed: the next run delivers what the first one left in the outbox.
        r2 = self.receiver("hec", {"token": HEC_TOKEN, "ack": True})
        p = self.run_once(self.hec_sink(r2))
        self.assertEqual(p.returncode, 0, p.stderr)
        got = self.hec_ids(r2)
        self.assertTrue(set(first) <= set(got))
        self.assertEqual(sorted(got), sorted(self.exported()))

    # ---- Elasticsearch --------------------------------------------------------------------

    def es_sink(self, r, key=ES_KEY):
        return (f"type = elasticsearch\nurl = {r.url}\nindex = ztmmd-events\n"
                f"api_key_file = {self.secret('es', key)}\nca_file = {self.ca}\n")

    @staticmethod
    def es_created(r):
        return [i for x in r.entries("/_bulk") for i in x.get("created", [])]

    def test_es_every_event_once(self):
        r = self.receiver("es", {"api_key": ES_KEY})
        p = self.run_once(self.es_sink(r))
        self.assertEqual(p.returncode, 0, p.stderr)
        got = self.es_created(r)
        self.assertEqual(sorted(got), sorted(self.exported()))
        self.assertEqual(len(set(got)), len(got))
        for x in r.entries("/_bulk"):
            self.assertTrue(x["body"].endswith("\n"))
            self.assertEqual(x["content_type"], "application/x-ndjson")

    def test_es_partial_failures_end_delivered(self):
        r = self.receiver("es", {"api_key": ES_KEY, "faults": [
            {"items": {"1": 400, "3": 429, "5": 429}}, {"status": 429, "retry_after": 1},
            {"status": 503}]})
        p = self.run_once(self.es_sink(r))
        self.assertEqual(p.returncode, 0, p.stderr)
        bulks = r.entries("/_bulk")
        self.assertEqual([x["status"] for x in bulks[:4]], [200, 429, 503, 200])
        # The item refused for good (400) is the only one missing, and the core counted it;
        # the throttled ones (429) came again from the first of them on.
        first = bulks[0]["response"]["items"]
        refused = first[1]["create"]["_id"]
        self.assertEqual(first[1]["create"]["error"]["type"], "mapper_parsing_exception")
        again = [json.loads(line)["create"]["_id"] for line in bulks[3]["body"].split("\n")[0:-1:2]]
        self.assertEqual(again[0], first[3]["create"]["_id"])
        want = [i for i in self.exported() if i != refused]
        got = self.es_created(r)
        self.assertEqual(sorted(got), sorted(want))
        self.assertEqual(len(set(got)), len(got))
        self.assertIn("1 dropped", p.stderr)
        self.assertIn("mapper_parsing_exception", p.stderr)

    def test_es_wrong_key_keeps_events_pending(self):
        r = self.receiver("es", {"api_key": ES_KEY})
        p = self.run_once(self.es_sink(r, key="d3Jvbmc6a2V5"), flush="3s")
        self.assertEqual(p.returncode, EXIT_PENDING, p.stderr)
        self.assertIn("security_exception", p.stderr)
        self.assertNotIn("d3Jvbmc6a2V5", p.stderr + p.stdout)
        self.assertEqual(self.es_created(r), [])

    # ---- the receivers themselves answer as documented ----------------------------------------

    def post(self, url, body, headers):
        ctx = ssl.create_default_context(cafile=self.ca)
        req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, context=ctx) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def test_receivers_are_strict(self):
        es = self.receiver("es", {"api_key": ES_KEY})
        h = {"Authorization": "ApiKey " + ES_KEY, "Content-Type": "application/x-ndjson"}
        line = '{"create":{"_index":"i","_id":"1"}}\n{"a":1}'
        status, body = self.post(es.url + "/_bulk", line, h)
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["reason"],
                         "The bulk request must be terminated by a newline [\\n]")
        self.assertEqual(self.post(es.url + "/_bulk", line + "\n", h)[0], 200)
        hec = self.receiver("hec", {"token": HEC_TOKEN})
        h = {"Authorization": "Splunk " + HEC_TOKEN}
        status, body = self.post(hec.url + "/services/collector/event", '[{"event":"x"}]', h)
        self.assertEqual((status, body["code"]), (400, 6))
        status, body = self.post(hec.url + "/services/collector/event",
                                 '{"event":"x"}\n{"event":"y"}', h)
        self.assertEqual((status, body["code"]), (200, 0))
        url = hec.url + "/services/collector/event"
        self.assertEqual(self.post(url, '{"event":"x"}', {})[1]["code"], 2)
        self.assertEqual(self.post(url, '{"event":"x"}', {"Authorization": "Bearer x"})[1]["code"], 3)
        self.assertEqual(self.post(url, '{"event":"x"}', {"Authorization": "Splunk x"})[1]["code"], 4)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
