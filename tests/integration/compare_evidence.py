#!/usr/bin/env python3
"""compare_evidence.py - host evidence as root vs under ztmmd.service.

Usage: compare_evidence.py ROOT.json UNIT.json ALLOWED.txt
Prints every difference; fails when a key differs that ALLOWED.txt (one evidence key per line,
'#' comments; the documented effects of the unit's sandbox) does not list."""
import json
import sys


def evidence(path):
    with open(path) as f:
        doc = json.load(f)
    return {(e["collector"], e["key"]): json.dumps(e["value"], sort_keys=True)
            for e in doc.get("evidence", []) if e.get("collector") == "host"}


def main():
    root, unit = evidence(sys.argv[1]), evidence(sys.argv[2])
    with open(sys.argv[3]) as f:
        allowed = {l.split("#")[0].strip() for l in f} - {""}
    bad = 0
    for k in sorted(set(root) | set(unit)):
        a, b = root.get(k, "<absent>"), unit.get(k, "<absent>")
        if a != b:
            ok = k[1] in allowed
            bad += not ok
            print(f"{'documented' if ok else 'UNEXPECTED'}: {k[1]}: root={a} unit={b}")
    print(f"host evidence: {len(root)} keys as root, {len(unit)} under the unit, "
          f"{bad} undocumented difference(s)")
    return 1 if bad or not unit else 0


if __name__ == "__main__":
    sys.exit(main())
