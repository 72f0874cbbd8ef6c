#!/usr/bin/env python3
"""test_ladder.py - five estates built stage by stage from the ZTMM text, each one `ztmmd --once`
over every source (the host tree and the fixture servers of entra, intune/defender, okta, azure,
aws, kubernetes, crowdstrike and github), must be estimated at exactly their stage.

The estates come from tests/integration/ladder_estates.py: the optimal one is every strong
fixture (made optimal where a strong scenario is not yet), each lower one takes away with small
named patches what the next stage up asks. For the estate at stage S every function, pillar and
the overall estimate must be S, bound `exact`, as far as the catalog allows:

- a function whose stages are not all covered (machine rules, or attestation-only stages
  declared in the catalog) cannot be judged above its last covered stage: it is expected there,
  bound `at_least`, and listed as blocked;
- a function in ladder_estates.CONFLICTS cannot be taken below that stage alone (the catalog
  decides it with the evidence of a lower stage of another function): it is listed as blocked
  and not asserted;
- a pillar (and the overall) is expected at the lowest stage of its functions' expectations.
The figures compared are the ones "with attestations", with an [attest] claim of the estate's
stage for every function that has an attestation-only stage; for every other function the
observed stage and bound must be the same.

A fifth estate, advanced identity beside initial data, must land on initial overall, and the
plan (`next` in the result, and `ztmmctl plan --input`) must name the data rules to fix.

When an expectation fails, the test prints the function, its stage and the findings that decided
it. Set ZTMM_LADDER_SKIP to a comma-separated list of patch names to leave those out (to see
what a patch does; the test then fails).

Usage: test_ladder.py ZTMMD ZTMMCTL SRC
"""
import html
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import fixture
import ladder_estates as L

ZTMMD, ZTMMCTL, SRC = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
STAGES = L.STAGES
SERVED = ["entra", "devices", "okta", "azure", "aws", "k8s", "crowdstrike", "github"]
SKIP = [n for n in os.environ.get("ZTMM_LADDER_SKIP", "").split(",") if n]


def ladder_of(catalog):
    """Per function: its last stage reachable through covered stages (rules or declared
    attestation-only, contiguous from initial), and its attestation-only stages."""
    cells = {(r["function"], r["stage"]) for r in catalog["rules"]}
    attest = {}
    for a in catalog.get("attestation_only", []):
        attest.setdefault(a["function"], set()).add(a["stage"])
        cells.add((a["function"], a["stage"]))
    top = {}
    for f in catalog["functions"]:
        t = "traditional"
        for s in STAGES[1:]:
            if (f["id"], s) not in cells:
                break
            t = s
        top[f["id"]] = t
    return top, attest


def conflict_floor(fn):
    """The stage below which CONFLICTS says fn cannot be taken, or None."""
    stages = [s for (f, s) in L.CONFLICTS if f == fn]
    return max(stages, key=STAGES.index) if stages else None


class Ladder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, "unused")
        cls.files = {}
        for name, value in L.SECRETS.items():
            path = os.path.join(cls.tmp.name, f"secret-{name}")
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
            cls.files[name] = path
        with open(RULES) as f:
            cls.catalog = json.load(f)
        cls.top, cls.attest = ladder_of(cls.catalog)
        cls.pillar_of = {f["id"]: f["pillar"] for f in cls.catalog["functions"]}
        cls.exact_at = {}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        if len(cls.exact_at) == len(STAGES):
            every = set.intersection(*cls.exact_at.values())
            print(f"\nladder: {len(every)} of {len(cls.top)} functions exact at every stage: "
                  f"{' '.join(sorted(every))}; not yet: "
                  f"{' '.join(sorted(set(cls.top) - every))}", file=sys.stderr)

    def scan(self, name, stage, extra=(), attest_stage=None):
        """Build the estate (patches down to stage, then extra), scan it once with an [attest]
        claim of attest_stage (default: stage) for every function with an attestation-only
        stage. Returns (result document, path of the result file, wall seconds, peak RSS KiB)."""
        into = tempfile.mkdtemp(prefix=f"{name}-", dir=self.tmp.name)
        dirs = L.build(SRC, stage, into, skip=SKIP, extra=extra)
        urls = {s: fixture.serve(self, SRC, dirs[s], os.path.join(into, f"log-{s}.jsonl"))
                for s in SERVED}
        claim = attest_stage or stage
        conf = os.path.join(into, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(L.config(dirs, urls, self.files, self.certs,
                             L.kubeconfig(self.certs, urls["k8s"], into),
                             attest={fn: claim for fn in self.attest}))
        start = time.monotonic()
        with open(os.path.join(into, "result.json"), "w") as out, \
                open(os.path.join(into, "stderr"), "w") as err:
            p = subprocess.Popen([ZTMMD, "--once", "--config", conf, "--rules", RULES,
                                  "--format", "json"], stdout=out, stderr=err)
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        path = os.path.join(into, "result.json")
        with open(path) as f, open(os.path.join(into, "stderr")) as e:
            out, err = f.read(), e.read()
        self.assertEqual(p.returncode, 0, err)
        doc = json.loads(out)
        statuses = {c["name"]: c["status"] for c in doc["collectors"]}
        self.assertEqual(set(statuses.values()), {"ok"}, statuses)
        return doc, path, wall, usage

    # ---- what each function, pillar and the overall should be ---------------------------

    def expected(self, fn, stage):
        """(stage, bound) fn must have in the estate at stage, or None when CONFLICTS leaves it
        free; and why it is not exact at stage (None when it is)."""
        floor = conflict_floor(fn)
        if floor and STAGES.index(stage) < STAGES.index(floor):
            return None, L.CONFLICTS[(fn, floor)]
        top = self.top[fn]
        if STAGES.index(top) < STAGES.index(stage):
            nxt = STAGES[STAGES.index(top) + 1]
            return (top, "at_least"), f"no rule and no attestation-only declaration at {nxt}"
        if stage != "optimal" and top == stage:
            nxt = STAGES[STAGES.index(top) + 1]
            return (stage, "at_least"), f"nothing judges {nxt}, so {stage} is a lower bound"
        return (stage, "exact"), None

    def explain(self, doc, fn):
        lines = [f"  {f['stage']:9s} {f['status']:15s} {f['rule']}"
                 + (f" failed_by={f['failed_by']}" if f.get("failed_by") else "")
                 + (f" unknown_in={f['unknown_in']}" if f.get("unknown_in") else "")
                 for f in doc["findings"] if f["function"] == fn]
        return "\n".join(lines)

    def check_estate(self, stage, doc):
        """Compare every function, pillar and the overall with the expectations; print the
        functions exact at stage and the blocked ones. Returns the list of problems."""
        problems, exact, blocked = [], [], []
        funcs = {f["id"]: f for f in doc["functions"]}
        pillar_min = {}
        for fn, f in funcs.items():
            want, why = self.expected(fn, stage)
            got = (f["with_attested"]["stage"], f["with_attested"]["bound"])
            if fn not in self.attest and got != (f["stage"], f["bound"]):
                problems.append(f"{fn}: observed {f['stage']}/{f['bound']} but with "
                                f"attestations {got} (no attestation-only stage)")
            if why:
                blocked.append(f"{fn} at {got[0]}/{got[1]} ({why})")
            else:
                exact.append(fn)
            if want is not None and got != want:
                problems.append(f"{fn}: {got[0]}/{got[1]}, expected {want[0]}/{want[1]}; its "
                                f"findings:\n{self.explain(doc, fn)}")
            level = want[0] if want else got[0]
            p = self.pillar_of[fn]
            if got[0] != "unknown":
                pillar_min[p] = min(pillar_min.get(p, level), level, key=STAGES.index)
        for p in doc["pillars"]:
            want = pillar_min.get(p["id"], "unknown")
            if p["with_attested"]["stage"] != want:
                problems.append(f"pillar {p['id']}: {p['with_attested']['stage']}, "
                                f"expected {want}")
        overall = min(pillar_min.values(), key=STAGES.index)
        if doc["overall"]["with_attested"]["stage"] != overall:
            problems.append(f"overall: {doc['overall']['with_attested']['stage']}, expected "
                            f"{overall}")
        self.exact_at[stage] = set(exact)
        at_stage = sorted(p for p, s in pillar_min.items() if s == stage)
        print(f"\nladder {stage}: {len(exact)} of {len(funcs)} functions exact at {stage}; "
              f"pillars at {stage}: {', '.join(at_stage) or 'none'}; overall {overall}"
              f" (with attestations {doc['overall']['with_attested']['stage']}, observed "
              f"{doc['overall']['stage']})", file=sys.stderr)
        print(f"  exact: {' '.join(sorted(exact))}", file=sys.stderr)
        for b in sorted(blocked):
            print(f"  blocked: {b}", file=sys.stderr)
        if stage != "optimal":
            above = STAGES[STAGES.index(stage) + 1]
            kept = sorted(f"{f['rule']} ({f['status']})" for f in doc["findings"]
                          if f["stage"] == above and f["status"] in ("pass", "unknown"))
            print(f"  {above} rules no patch takes away: {' '.join(kept) or 'none'}",
                  file=sys.stderr)
            for f in doc["findings"]:
                if f["stage"] == above and f["rule"] in L.SAME_EVIDENCE:
                    print(f"  same evidence as a lower stage: {f['rule']} ({f['status']}): "
                          f"{L.SAME_EVIDENCE[f['rule']]}", file=sys.stderr)
        return problems

    def run_stage(self, stage):
        doc, path, wall, usage = self.scan(stage, stage)
        problems = self.check_estate(stage, doc)
        self.assertEqual(problems, [], "\n".join(problems))
        return doc, wall, usage

    def test_optimal(self):
        doc, wall, usage = self.run_stage("optimal")
        rss = f", peak RSS {usage.ru_maxrss / 1024:.1f} MiB"
        slow = max(doc["collectors"], key=lambda c: c["duration_ms"])
        print(f"ladder optimal: scan wall time {wall:.2f} s{rss} "
              f"({len(doc['evidence'])} observations, {len(doc['findings'])} findings); "
              f"critical path: collector {slow['name']} {slow['duration_ms'] / 1000:.2f} s "
              f"({slow['requests']} requests); all: "
              + ", ".join(f"{c['name']} {c['duration_ms']} ms" for c in doc["collectors"]),
              file=sys.stderr)

    def test_advanced(self):
        doc, _, _ = self.run_stage("advanced")
        # The attestation-only stages and their statements, as the catalog, the result and the
        # HTML report show them; the advanced estate claims advanced, which covers Initial only.
        declared = self.catalog.get("attestation_only", [])
        p = subprocess.run([ZTMMCTL, "catalog", "--rules", RULES], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        funcs = {f["id"]: f for f in doc["functions"]}
        path = os.path.join(self.tmp.name, "advanced.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        r = subprocess.run([ZTMMCTL, "report", "--html", "-", "--input", path],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue("Statements to attest" in r.stdout, "the HTML report has no statements")
        for a in declared:
            self.assertIn(f"{a['stage']:9s} {'(attestation only)':45s} {a['statement']}",
                          p.stdout)
            self.assertTrue(html.escape(a["statement"], quote=False) in r.stdout,
                            f"the HTML report lacks {a['statement']!r}")
            cells = {c["stage"]: c for c in funcs[a["function"]]["attestation_only"]}
            self.assertEqual(cells[a["stage"]]["statement"], a["statement"])
            self.assertEqual(cells[a["stage"]]["attested"],
                             STAGES.index(a["stage"]) <= STAGES.index("advanced"))

    def test_initial(self):
        self.run_stage("initial")

    def test_traditional(self):
        self.run_stage("traditional")

    def test_mixed_advanced_identity_initial_data(self):
        """The advanced estate with the data pillar taken down to initial (the advanced patches
        that name data functions only)."""
        data = [p for p in L.PATCHES if p[0] == "advanced" and
                all(fn.startswith("data.") for fn in L.functions_of(p))]
        self.assertTrue(data)
        doc, path, _, _ = self.scan("mixed", "advanced", extra=data)
        pillars = {p["id"]: p["with_attested"]["stage"] for p in doc["pillars"]}
        self.assertEqual(doc["overall"]["with_attested"]["stage"], "initial", pillars)
        self.assertEqual(pillars["data"], "initial", pillars)
        # Only data falls: the patches taken name data functions alone.
        for p in pillars:
            if p != "data":
                self.assertEqual(pillars[p], "advanced", (p, pillars))
        # The data functions that fell short name their failing advanced rules as fixes, in the
        # result's plan and in ztmmctl plan's. The plan works on observed stages, so a function
        # whose initial stage is attestation-only (no observed stage) has no machine way up.
        observed = {f["id"]: f["stage"] for f in doc["functions"]}
        failing = {f["rule"] for f in doc["findings"] if f["function"].startswith("data.")
                   and f["stage"] == "advanced" and f["status"] == "fail"
                   and observed[f["function"]] == "initial"}
        self.assertTrue(failing)
        p = subprocess.run([ZTMMCTL, "plan", "--input", path, "--format", "json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        for plan in (doc["next"], json.loads(p.stdout)):
            fixes = {r for f in plan["functions"] if f["id"].startswith("data.")
                     for r in f["fix"]}
            self.assertEqual(failing - fixes, set(), f"data rules the plan does not name: "
                                                     f"{plan['functions']}")
            named = {r for s in plan["steps"] for r in s["rules"]}
            self.assertTrue(failing & named, f"no data rule among the steps: {plan['steps']}")
        print(f"ladder mixed: overall {doc['overall']['with_attested']['stage']}, pillars "
              f"{pillars}; data rules to fix: {sorted(failing)}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
