#!/usr/bin/env python3
"""test_once.py - end-to-end: the built `ztmmd --once` and `ztmmctl` on fake host trees.

Usage: test_once.py ZTMMD ZTMMCTL SOURCE_DIR
Runs the real programs and checks the result document, exit codes and error messages.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREES = os.path.join(SRC, "tests", "fixtures", "host")
EXEC = os.path.join(SRC, "tests", "fixtures", "exec")
ORDER = ["traditional", "initial", "advanced", "optimal"]


class Once(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def conf(self, text, name="ztmmd.conf"):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_once(self, text, fmt="json", extra=()):
        cmd = [ZTMMD, "--once", "--config", self.conf(text), "--rules", RULES, "--format", fmt]
        p = subprocess.run(list(cmd) + list(extra), capture_output=True, text=True, timeout=120)
        return p

    def scan_tree(self, tree):
        p = self.run_once(f"[collector:host]\nroot = {os.path.join(TREES, tree)}\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def loaded_libraries(self, conf_text):
        """The shared objects a --once run maps, as the dynamic loader reports them."""
        cmd = [ZTMMD, "--once", "--config", self.conf(conf_text), "--rules", RULES,
               "--format", "table"]
        env = dict(os.environ, LD_DEBUG="files")
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return {line.split("file=")[1].split()[0] for line in p.stderr.splitlines()
                if "file=" in line}

    def test_no_http_no_xml_libraries_without_a_source_that_needs_them(self):
        # A host scan speaks no HTTP, reads no XML, uses no TLS and no journal: neither libcurl
        # nor libxml2 (and ICU, which it drags in), OpenSSL or libsystemd (and libgcrypt,
        # liblzma, libzstd, which it drags in) is mapped, in any of its processes.
        tree = os.path.join(TREES, "hardened")
        libs = self.loaded_libraries(f"[collector:host]\nroot = {tree}\n")
        self.assertTrue(any(lib.startswith("libjson-c") for lib in libs), libs)
        unwanted = ("curl", "xml2", "icu", "libssl", "libcrypto", "libsystemd", "gcrypt", "zstd")
        self.assertEqual([lib for lib in libs if any(u in lib for u in unwanted)], [])
        # With a file sink the events' ids are SHA-256 digests (OpenSSL, loaded then), and still
        # nothing of HTTP, XML or the journal.
        state = os.path.join(self.tmp.name, "state")
        os.makedirs(state)
        libs = self.loaded_libraries(
            f"[daemon]\nstate_dir = {state}\n[collector:host]\nroot = {tree}\n"
            f"[sink:events]\ntype = file\npath = {state}/events.jsonl\n")
        self.assertTrue(any("libcrypto" in lib for lib in libs), libs)
        unwanted = ("curl", "xml2", "icu", "libsystemd", "gcrypt", "zstd")
        self.assertEqual([lib for lib in libs if any(u in lib for u in unwanted)], [])

    def test_result_document_contract(self):
        doc = self.scan_tree("hardened")
        self.assertEqual(doc["schema"], "ztmmd.result/1")
        self.assertEqual(doc["model"], {"name": "CISA ZTMM", "version": "2.0"})
        self.assertRegex(doc["scan_id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertRegex(doc["started_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertLessEqual(doc["started_at"], doc["finished_at"])
        self.assertEqual(len(doc["functions"]), 40)
        self.assertEqual(len({f["id"] for f in doc["functions"]}), 40)
        self.assertEqual([p["id"] for p in doc["pillars"]],
                         ["identity", "devices", "networks", "applications", "data", "crosscutting"])
        (c,) = doc["collectors"]
        self.assertEqual((c["name"], c["type"], c["status"], c["error"]), ("host", "host", "ok", None))
        self.assertEqual(c["evidence"], len(doc["evidence"]))
        self.assertGreater(c["evidence"], 30)
        for f in doc["functions"]:
            self.assertIn(f["stage"], ORDER + ["unknown"])
            self.assertIn(f["bound"], ["exact", "at_least"])
            self.assertTrue(0.0 <= f["coverage"] <= 1.0)
        for fd in doc["findings"]:
            self.assertIn(fd["status"], ["pass", "fail", "unknown", "not_applicable"])
            self.assertTrue(fd["remediation"])
        # Nothing is claimed where nothing was observed: functions without host rules stay unknown.
        self.assertEqual(next(f for f in doc["functions"] if f["id"] == "data.categorization")["stage"], "unknown")

    def test_hardened_tree_beats_weak_tree(self):
        hard = {f["id"]: f for f in self.scan_tree("hardened")["functions"]}
        weak = {f["id"]: f for f in self.scan_tree("weak")["functions"]}
        assessed = [i for i in hard if hard[i]["stage"] != "unknown"]
        self.assertEqual(assessed, [i for i in weak if weak[i]["stage"] != "unknown"])
        self.assertGreaterEqual(len(assessed), 8)
        for i in assessed:
            # The weak tree fails an initial-stage rule in every function the host informs.
            self.assertEqual((weak[i]["stage"], weak[i]["bound"]), ("traditional", "exact"), i)
            self.assertGreater(ORDER.index(hard[i]["stage"]), 0, i)
        for i in ["identity.authentication", "devices.threat_protection", "networks.segmentation",
                  "networks.traffic_encryption", "data.encryption"]:
            self.assertIn(i, assessed)

    def test_weak_findings_name_the_failures(self):
        doc = self.scan_tree("weak")
        failed = {fd["rule"] for fd in doc["findings"] if fd["status"] == "fail"}
        ev = {e["key"]: e["value"] for e in doc["evidence"]}
        self.assertTrue(ev["host.sshd.password_authentication"])
        self.assertIn("host.sshd.no_password_auth", failed)
        self.assertFalse(ev["host.edr.any_running"])

    def test_table_format(self):
        p = self.run_once(f"[collector:host]\nroot = {os.path.join(TREES, 'weak')}\n", fmt="table")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("OVERALL: traditional", p.stdout)
        self.assertIn("Authentication", p.stdout)
        self.assertIn("unknown", p.stdout)
        self.assertIn("FAIL", p.stdout)
        # No function name is cut: each of the 40 appears whole, followed by its stage column.
        with open(RULES) as f:
            names = [fn["name"] for fn in json.load(f)["functions"]]
        self.assertEqual(len(names), 40)
        rows = p.stdout.splitlines()
        for name in names:
            self.assertTrue(any(r.startswith(f"  {name} ") for r in rows), name)

    def test_failing_collector_is_recorded_and_others_run(self):
        p = self.run_once(f"[collector:host]\nroot = {os.path.join(TREES, 'hardened')}\n"
                          f"[collector:broken]\ntype = exec\ncommand = {EXEC}/fail.sh\n"
                          f"[collector:hangs]\ntype = exec\ncommand = {EXEC}/hang.sh\ntimeout = 2s\n")
        self.assertEqual(p.returncode, 3, p.stderr)
        doc = json.loads(p.stdout)  # the partial result is still printed
        st = {c["name"]: c for c in doc["collectors"]}
        self.assertEqual(st["host"]["status"], "ok")
        self.assertEqual(st["broken"]["status"], "error")
        self.assertIn(f"{EXEC}/fail.sh", st["broken"]["error"])
        self.assertEqual(st["hangs"]["status"], "error")
        self.assertRegex(st["hangs"]["error"], "time|timed out")
        self.assertIn("collector broken (exec): error:", p.stderr)
        self.assertGreater(st["host"]["evidence"], 30)

    def test_exec_evidence_reaches_rules(self):
        # The shipped catalog has no rule on the fixture's key: a copy with one that does (and
        # one that wants the opposite) shows the program's evidence decides findings.
        with open(RULES) as f:
            cat = json.load(f)
        for rid, want in (("acme.vpn.mfa", True), ("acme.vpn.no_mfa", False)):
            cat["rules"].append({"id": rid, "function": "networks.traffic_encryption",
                                 "stage": "initial", "title": rid, "sources": ["exec"],
                                 "check": {"key": "acme.vpn.mfa_required", "eq": want},
                                 "remediation": "-"})
        rules = os.path.join(self.tmp.name, "rules.json")
        with open(rules, "w") as f:
            json.dump(cat, f)
        p = self.run_once(f"[collector:mine]\ntype = exec\ncommand = {EXEC}/good.sh\n",
                          extra=("--rules", rules))
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertTrue(any(e["collector"] == "mine" for e in doc["evidence"]))
        status = {f["rule"]: f["status"] for f in doc["findings"]}
        self.assertEqual((status["acme.vpn.mfa"], status["acme.vpn.no_mfa"]), ("pass", "fail"))

    def test_config_errors_name_file_and_line(self):
        path = self.conf("[collector:host]\nroot = /\nrooot = /x\n")
        p = subprocess.run([ZTMMD, "--check-config", "--config", path, "--rules", RULES],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"{path}:3: [collector:host] unknown key 'rooot'", p.stderr)
        p = subprocess.run([ZTMMD, "--check-config", "--config", self.conf("[attest]\ndata.nope = initial\n"),
                            "--rules", RULES], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn(":2: [attest] unknown ZTMM function 'data.nope'", p.stderr)
        p = subprocess.run([ZTMMD, "--check-config", "--config", self.conf("[collector:host]\n"),
                            "--rules", RULES], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("configuration OK: 1 collector instance(s)", p.stdout)
        p = subprocess.run([ZTMMD, "--once", "--config", self.conf(""), "--rules", "/nonexistent.json"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("/nonexistent.json: cannot read rule catalog", p.stderr)
        p = subprocess.run([ZTMMD, "--once", "--format", "xml"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)

    def test_attestation_reported_apart(self):
        p = self.run_once(f"[collector:host]\nroot = {os.path.join(TREES, 'hardened')}\n"
                          "[attest]\ndata.governance = advanced\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        g = next(f for f in doc["functions"] if f["id"] == "data.governance")
        self.assertEqual((g["stage"], g["attested"], g["attested_stage"]), ("unknown", True, "advanced"))
        data = next(pl for pl in doc["pillars"] if pl["id"] == "data")
        self.assertEqual(data["with_attested"]["attested_functions"], 1)
        self.assertEqual(doc["overall"]["with_attested"]["attested_functions"], 1)

    def test_ztmmctl_evaluate_reproduces_and_catalog_lists(self):
        p = self.run_once(f"[collector:host]\nroot = {os.path.join(TREES, 'hardened')}\n")
        saved = os.path.join(self.tmp.name, "result.json")
        with open(saved, "w") as f:
            f.write(p.stdout)
        e = subprocess.run([ZTMMCTL, "evaluate", saved, "--rules", RULES], capture_output=True, text=True)
        self.assertEqual(e.returncode, 0, e.stderr)
        a, b = json.loads(p.stdout), json.loads(e.stdout)
        self.assertEqual(a["functions"], b["functions"])
        self.assertEqual(a["findings"], b["findings"])
        self.assertEqual(a["scan_id"], b["scan_id"])
        # A stricter catalog judges the same evidence differently.
        with open(RULES) as f:
            cat = json.load(f)
        for r in cat["rules"]:
            if r["function"] == "identity.authentication" and r["stage"] == "initial":
                r["check"] = {"key": "host.never.observed", "eq": True}
        strict = os.path.join(self.tmp.name, "strict.json")
        with open(strict, "w") as f:
            json.dump(cat, f)
        e = subprocess.run([ZTMMCTL, "evaluate", saved, "--rules", strict], capture_output=True, text=True)
        auth = next(f for f in json.loads(e.stdout)["functions"] if f["id"] == "identity.authentication")
        self.assertEqual((auth["stage"], auth["bound"]), ("traditional", "at_least"))
        o = subprocess.run([ZTMMCTL, "options"], capture_output=True, text=True)
        self.assertEqual(o.returncode, 0)
        for want in ("[daemon]", "http_max_concurrency", "[collector:NAME] type = host",
                     "[collector:NAME] type = entra", "emergency_accounts", "(required)"):
            self.assertIn(want, o.stdout)
        c = subprocess.run([ZTMMCTL, "catalog", "--rules", RULES], capture_output=True, text=True)
        self.assertEqual(c.returncode, 0)
        self.assertIn("40 functions", c.stdout)
        bad = os.path.join(self.tmp.name, "bad.json")
        with open(bad, "w") as f:
            f.write("{\"evidence\": [")
        e = subprocess.run([ZTMMCTL, "evaluate", bad, "--rules", RULES], capture_output=True, text=True)
        self.assertEqual(e.returncode, 1)
        self.assertIn("not valid JSON", e.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
