#!/usr/bin/env python3
"""catalog_lint.py - defects of the rule catalog that no single rule shows.

Checks, each a catalog defect when it fails:
  gaps        a function with a rule at a stage has at least one rule at every lower stage (a
              stage without a rule can never be met, so nothing above it can be either);
  documented  every evidence key a rule reads is documented in docs/evidence.md;
  duplicates  no two rules of one function decide the same check (same quantifier, applies_if
              and check, up to the order of all/any members);
  quantifier  every rule that reads two or more sources says which quantifier it is, and its
              check is that connective over parts that read one source each;
  attestation every "attestation_only" cell names a known function and stage and a statement,
              is declared once, and has no machine rule (a cell is judged or attested).
A stage is covered when it has a rule or is declared attestation-only; the gaps check counts
both, and the summary prints how many functions are covered at all three stages.
That every key is emitted by a real collector is checked by the estate test, which scans with
all of them.

Before linting the catalog, the lint is run on broken copies of it, one defect each, and must
report each one: a lint that cannot fail proves nothing.

Usage: catalog_lint.py CATALOG EVIDENCE_MD
"""
import copy
import json
import re
import sys

STAGES = ["initial", "advanced", "optimal"]


def keys_of(pred, out):
    if "key" in pred:
        out.add(pred["key"])
    for sub in pred.get("all", []) + pred.get("any", []):
        keys_of(sub, out)
    if "not" in pred:
        keys_of(pred["not"], out)
    return out


def sources_of(pred):
    return {k.split(".")[0] for k in keys_of(pred, set())}


def canonical(pred):
    """The predicate with all/any members in a fixed order, as text."""
    if "all" in pred or "any" in pred:
        op = "all" if "all" in pred else "any"
        return {op: sorted((canonical(p) for p in pred[op]), key=json.dumps)}
    if "not" in pred:
        return {"not": canonical(pred["not"])}
    return pred


def attestation_cells(catalog, problems):
    """The declared attestation-only cells as {(function, stage)}; defects go to problems."""
    functions = {f["id"] for f in catalog["functions"]}
    ruled = {(r["function"], r["stage"]) for r in catalog["rules"]}
    cells = set()
    for i, a in enumerate(catalog.get("attestation_only", [])):
        cell = (a.get("function"), a.get("stage"))
        if cell[0] not in functions or cell[1] not in STAGES or not a.get("statement"):
            problems.append(f"attestation: attestation_only[{i}] needs a known function, a stage "
                            f"and a statement: {a}")
        elif cell in cells:
            problems.append(f"attestation: {cell[0]} {cell[1]} is declared twice")
        elif cell in ruled:
            problems.append(f"attestation: {cell[0]} {cell[1]} is declared attestation-only but "
                            f"has a machine rule")
        cells.add(cell)
    return cells


def lint(catalog, documented):
    problems = []
    stages = {f["id"]: set() for f in catalog["functions"]}
    for fn, st in attestation_cells(catalog, problems):
        stages.setdefault(fn, set()).add(st)
    decided = {}
    for rule in catalog["rules"]:
        rid, fn = rule["id"], rule["function"]
        stages.setdefault(fn, set()).add(rule["stage"])

        read = keys_of(rule["check"], set())
        if "applies_if" in rule:
            keys_of(rule["applies_if"], read)
        for key in sorted(read - documented):
            problems.append(f"documented: rule {rid} reads {key}, which docs/evidence.md lacks")

        what = json.dumps([rule.get("quantifier", "all"), canonical(rule.get("applies_if", {})),
                           canonical(rule["check"])], sort_keys=True)
        if (fn, what) in decided:
            problems.append(f"duplicates: rules {decided[(fn, what)]} and {rid} of {fn} "
                            f"decide the same check")
        decided[(fn, what)] = rid

        if "sources" not in rule and len({k.split(".")[0] for k in read}) > 1:
            q = rule.get("quantifier")
            parts = rule["check"].get(q, []) if q in ("all", "any") else []
            if not parts:
                problems.append(f"quantifier: rule {rid} reads several sources and does not say "
                                f"'all' or 'any' over one part per source")
            for i, part in enumerate(parts):
                if len(sources_of(part)) != 1:
                    problems.append(f"quantifier: rule {rid} part {q}[{i}] reads "
                                    f"{sorted(sources_of(part))}")
    for fn, have in stages.items():
        if not have:
            continue
        top = max(STAGES.index(s) for s in have)
        for s in STAGES[:top]:
            if s not in have:
                problems.append(f"gaps: {fn} has a rule at {STAGES[top]} but none at {s}")
    return problems


def self_test(catalog, documented):
    """Each breakage must be reported by the check named beside it."""
    def broken(change):
        c = copy.deepcopy(catalog)
        change(c)
        return lint(c, documented)

    def rule(c, rid):
        return next(r for r in c["rules"] if r["id"] == rid)

    multi = next(r["id"] for r in catalog["rules"] if r.get("quantifier") and
                 len(sources_of(r["check"])) > 1)
    one_stage = next(r for r in catalog["rules"] if r["stage"] == "initial")

    declared = {a["function"] for a in catalog.get("attestation_only", [])}
    plain = next(f["id"] for f in catalog["functions"] if f["id"] not in declared)
    cases = {
        # A function left with one rule, at optimal (whatever rules it had are dropped).
        "gaps": lambda c: c.update(rules=[r for r in c["rules"] if r["function"] !=
                                          plain]) or c["rules"].append(
            dict(one_stage, id="lint.only.optimal", stage="optimal", function=plain)),
        # A cell that a machine rule judges, declared attestation-only as well.
        "attestation": lambda c: c.setdefault("attestation_only", []).append(
            {"function": one_stage["function"], "stage": "initial", "statement": "x"}),
        "documented": lambda c: rule(c, one_stage["id"]).update(
            check={"key": "host.lint.undocumented", "eq": True}),
        "duplicates": lambda c: c["rules"].append(dict(one_stage, id="lint.same.check")),
        "quantifier": lambda c: rule(c, multi).pop("quantifier"),
    }
    for check, change in cases.items():
        found = [p for p in broken(change) if p.startswith(check + ":")]
        if not found:
            sys.exit(f"catalog_lint: self-test: a catalog broken for '{check}' was not reported")
    print(f"catalog_lint: self-test: {len(cases)} kinds of defect each reported")


def main():
    with open(sys.argv[1]) as f:
        catalog = json.load(f)
    with open(sys.argv[2]) as f:
        documented = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", f.read(), re.M))
    self_test(catalog, documented)
    problems = lint(catalog, documented)
    for p in problems:
        print(p)
    rules = len(catalog["rules"])
    multi = sum(1 for r in catalog["rules"] if len(sources_of(r["check"])) > 1)
    ruled = {(r["function"], r["stage"]) for r in catalog["rules"]}
    cells = attestation_cells(catalog, [])
    machine = [f["id"] for f in catalog["functions"]
               if all((f["id"], s) in ruled for s in STAGES)]
    covered = [f["id"] for f in catalog["functions"]
               if all((f["id"], s) in ruled | cells for s in STAGES)]
    print(f"catalog_lint: {rules} rules, {multi} reading several sources, "
          f"{len(cells)} attestation-only stage(s): {len(problems)} problem(s)")
    print(f"catalog_lint: {len(machine)} of {len(catalog['functions'])} functions have machine "
          f"rules at all three stages; {len(covered)} are covered at all three with the "
          f"attestation-only stages")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
