#!/usr/bin/env python3
"""repeat.py - run the test suite (or a ctest selection) N times and report every test that ever
failed, with counts: how flaky tests are found and shown fixed.

Usage: tests/repeat.py BUILD_DIR N [CTEST_ARGS...]
  tests/repeat.py build 20 -R integration_devices
  tests/repeat.py build 2 -j2
Each run is `ctest --test-dir BUILD_DIR --output-on-failure CTEST_ARGS`. For a failed ctest test
the failing test cases inside it (Python unittest "FAIL:/ERROR:" lines, cmocka "[  FAILED  ]"
lines) are counted too, and the whole output of that run is kept under a directory named at the
end. Exit status: 0 when every run passed, 1 when any test failed once or more, 2 on usage errors.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

RESULT = re.compile(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) \.+[* ]*(Passed|Failed|Timeout|Not Run|"
                    r"Exception|Skipped|\*\*\*\S+)")
CASE = [re.compile(r"^(?:FAIL|ERROR): (test\w+)"), re.compile(r"^\[  FAILED  \] (test\w+)")]


def run_once(build, args):
    t0 = time.monotonic()
    p = subprocess.run(["ctest", "--test-dir", build, "--output-on-failure", *args],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results, cases = {}, set()
    for line in p.stdout.splitlines():
        m = RESULT.match(line)
        if m:
            results[m.group(1)] = m.group(2)
        for c in CASE:
            m = c.match(line.strip())
            if m:
                cases.add(m.group(1))
    return results, cases, p.stdout, time.monotonic() - t0


def main():
    if len(sys.argv) < 3 or not sys.argv[2].isdigit() or int(sys.argv[2]) < 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    build, n, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    runs = collections.Counter()
    fails = collections.Counter()
    case_fails = collections.Counter()
    keep = None
    for i in range(1, n + 1):
        results, cases, out, secs = run_once(build, args)
        if not results:
            print(f"run {i}: ctest ran no test\n{out[-2000:]}", file=sys.stderr)
            return 2
        bad = sorted(t for t, r in results.items() if r not in ("Passed", "Skipped", "Not Run"))
        runs.update(results.keys())
        fails.update(bad)
        case_fails.update(cases)
        if bad:
            keep = keep or tempfile.mkdtemp(prefix="zt-repeat-")
            with open(os.path.join(keep, f"run{i}.log"), "w") as f:
                f.write(out)
        print(f"run {i}/{n}: {len(results)} tests, {len(bad)} failed {' '.join(bad)} "
              f"({secs:.0f} s)", flush=True)
    print(f"\n== {n} runs of {len(runs)} tests")
    if not fails:
        print("no test ever failed")
        return 0
    for t, k in fails.most_common():
        print(f"{t}: failed {k} of {runs[t]} runs")
    for c, k in case_fails.most_common():
        print(f"  case {c}: failed {k} times")
    print(f"outputs of the failed runs: {keep}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
