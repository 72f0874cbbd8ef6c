#!/usr/bin/env python3
"""test_mixed_estate.py - estates generated from the catalog, judged by the real evaluator.

For every rule, evidence is searched that makes each source's part pass (strong) and fail
(weak), with a small evaluator of its own; the estates below are then judged by
`ztmmctl evaluate` over the shipped catalog, and the rule's outcome must be:

  rules of two or more sources        universal ("all")       existential ("any")
    every source strong                 pass                    pass
    one source weak, the others strong  not pass (each source)  pass
    every source weak                   fail                    fail
  every rule, two instances of one source (one strong, one weak, named apart):
                                        not pass, the weak      pass
                                        instance in failed_by
  universal, one instance took part and said nothing beside a strong one: unknown (unless the
  rule's applies_if reads absence as "does not apply").

So one strong source or instance never masks a weak one, and an existential statement is
satisfied by one. Prints how many cases ran and how many rules it could not build estates for.

Usage: test_mixed_estate.py ZTMMCTL SRC
"""
import itertools
import json
import os
import subprocess
import sys
import tempfile
import unittest

ZTMMCTL, SRC = sys.argv[1], os.path.abspath(sys.argv[2])
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
SEARCH_MAX = 20000


def leaves(pred):
    if "key" in pred:
        yield pred
    for sub in pred.get("all", []) + pred.get("any", []):
        yield from leaves(sub)
    if "not" in pred:
        yield from leaves(pred["not"])


def evaluate(pred, ev):
    """Three-valued evaluation of one instance's evidence (a dict; absent key: unknown)."""
    if "all" in pred or "any" in pred:
        every = "all" in pred
        outs = [evaluate(p, ev) for p in pred["all" if every else "any"]]
        decisive = FAIL if every else PASS
        if decisive in outs:
            return decisive
        return UNKNOWN if UNKNOWN in outs else (PASS if every else FAIL)
    if "not" in pred:
        o = evaluate(pred["not"], ev)
        return {PASS: FAIL, FAIL: PASS}.get(o, o)
    key = pred["key"]
    if "exists" in pred:
        return PASS if (key in ev) == pred["exists"] else FAIL
    if key not in ev:
        return UNKNOWN
    v = ev[key]
    (op, arg), = [(k, a) for k, a in pred.items() if k != "key"]
    num = isinstance(v, (int, float)) and not isinstance(v, bool)
    if op == "eq":
        ok = v == arg and type(v) is type(arg) or (num and v == arg)
    elif op == "ne":
        ok = not (v == arg and type(v) is type(arg) or (num and v == arg))
    elif op == "gte":
        ok = num and v >= arg
    elif op == "lte":
        ok = num and v <= arg
    elif op == "in":
        ok = v in arg
    else:  # contains
        ok = arg in v if isinstance(v, list) else isinstance(v, str) and arg in v
    return PASS if ok else FAIL


def candidates(leaf):
    (op, arg), = [(k, a) for k, a in leaf.items() if k != "key"]
    if op in ("eq", "ne"):
        if isinstance(arg, bool):
            return [arg, not arg]
        if isinstance(arg, (int, float)):
            return [arg, arg + 1]
        return [arg, arg + "-other"]
    if op == "gte":
        return [arg, arg - 1 if isinstance(arg, int) else round(arg - 0.05, 4)]
    if op == "lte":
        return [arg, arg + 1 if isinstance(arg, int) else round(arg + 0.05, 4)]
    if op == "in":
        return [arg[0], "not-in-list"]
    if op == "contains":
        return [[arg], []]
    return [True]  # exists: the key with some value, or (below) absent


def assignments(preds):
    """Evidence dicts over the keys of preds, every candidate combination, bounded."""
    keys = {}
    for p in preds:
        for leaf in leaves(p):
            keys.setdefault(leaf["key"], [])
            for c in candidates(leaf):
                if c not in keys[leaf["key"]]:
                    keys[leaf["key"]].append(c)
    names = sorted(keys)
    for values in itertools.islice(itertools.product(*(keys[k] for k in names)), SEARCH_MAX):
        yield dict(zip(names, values))


def find(check, applies_if, want):
    """Evidence under which applies_if (if any) passes and check gives want, or None."""
    preds = [check] + ([applies_if] if applies_if else [])
    for ev in assignments(preds):
        if applies_if and evaluate(applies_if, ev) != PASS:
            continue
        if evaluate(check, ev) == want:
            return ev
    return None


class MixedEstate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(RULES) as f:
            cls.catalog = json.load(f)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cases = 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        print(f"mixed estates: {cls.cases} estates judged", file=sys.stderr)

    def judge(self, rule, instances):
        """instances: [(name, source, evidence dict or None)]; the rule's finding."""
        doc = {"scan_id": "mixed", "collectors": [], "evidence": []}
        for name, source, ev in instances:
            doc["collectors"].append({"name": name, "type": source, "status": "ok"})
            for key, value in (ev or {}).items():
                doc["evidence"].append({"key": key, "value": value, "collector": name})
        path = os.path.join(self.tmp.name, "evidence.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        p = subprocess.run([ZTMMCTL, "evaluate", path, "--rules", RULES, "--format", "json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        type(self).cases += 1
        return next(f for f in json.loads(p.stdout)["findings"] if f["rule"] == rule["id"])

    def parts(self, rule):
        """{source: (strong evidence, weak evidence)} for each part of the rule, or None."""
        q = rule.get("quantifier", "all")
        check = rule["check"]
        subs = check[q] if len({leaf["key"].split(".")[0] for leaf in leaves(check)}) > 1 \
            else [check]
        by_source = {}
        for sub in subs:
            by_source.setdefault(next(leaves(sub))["key"].split(".")[0], []).append(sub)
        out = {}
        for source, preds in by_source.items():
            part = preds[0] if len(preds) == 1 else {q: preds}
            strong = find(part, rule.get("applies_if"), PASS)
            weak = find(part, rule.get("applies_if"), FAIL)
            if strong is None or weak is None:
                return None
            out[source] = (strong, weak)
        return out

    def test_several_sources_never_masked(self):
        multi = [r for r in self.catalog["rules"]
                 if len({leaf["key"].split(".")[0] for leaf in leaves(r["check"])}) > 1]
        self.assertGreaterEqual(len(multi), 2)
        for rule in multi:
            with self.subTest(rule=rule["id"]):
                parts = self.parts(rule)
                self.assertIsNotNone(parts, "no strong and weak evidence found for a part")
                universal = rule.get("quantifier") == "all"
                srcs = sorted(parts)
                strong = [(s, s, parts[s][0]) for s in srcs]
                self.assertEqual(self.judge(rule, strong)["status"], PASS)
                weak_all = [(s, s, parts[s][1]) for s in srcs]
                self.assertEqual(self.judge(rule, weak_all)["status"], FAIL)
                for weak in srcs:
                    mixed = [(s, s, parts[s][1] if s == weak else parts[s][0]) for s in srcs]
                    finding = self.judge(rule, mixed)
                    if universal:
                        self.assertNotEqual(finding["status"], PASS, f"weak {weak} masked")
                        self.assertEqual(finding.get("failed_by"), [weak])
                    else:
                        self.assertEqual(finding["status"], PASS, f"strong beside weak {weak}")

    def test_instances_of_one_source(self):
        skipped = []
        for rule in self.catalog["rules"]:
            if "sources" in rule:
                continue
            parts = self.parts(rule)
            if parts is None:
                skipped.append(rule["id"])
                continue
            source = sorted(parts)[0]
            strong, weak = parts[source]
            others = [(s, s, parts[s][0]) for s in sorted(parts) if s != source]
            with self.subTest(rule=rule["id"]):
                finding = self.judge(rule, [(f"{source}-a", source, strong),
                                            (f"{source}-b", source, weak)] + others)
                if rule.get("quantifier", "all") == "all":
                    self.assertEqual(finding["status"], FAIL)
                    self.assertEqual(finding.get("failed_by"), [f"{source}-b"])
                    silent = self.judge(rule, [(f"{source}-a", source, strong),
                                               (f"{source}-c", source, None)] + others)
                    if "applies_if" in rule and evaluate(rule["applies_if"], {}) == FAIL:
                        # Saying nothing is what "does not apply" looks like (no crypto policy).
                        self.assertEqual(silent["status"], PASS)
                    else:
                        self.assertEqual(silent["status"], UNKNOWN)
                        self.assertIn(f"{source}-c", silent.get("unknown_in", []))
                else:
                    self.assertEqual(finding["status"], PASS)
        # Every rule of the catalog is built from leaves the search can satisfy both ways.
        self.assertEqual(skipped, [], "rules without generated strong and weak evidence")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
