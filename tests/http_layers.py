#!/usr/bin/env python3
"""http_layers.py - check that the files of daemon/http call one way only: each file may name the
functions of the files listed before it in the layer order of daemon/http/http_internal.h (and of
its own line), never one listed after it. Also fails when a .c file of the room is missing from
that order, so a new file has to be placed in it.

Usage: tests/http_layers.py SOURCE_DIR
"""
import os
import re
import sys

DEF = re.compile(r"^(?!static\b)[A-Za-z_][\w \*]*?\b(zt_\w+)\s*\([^;{]*\)\s*\{", re.M)
LAYER = re.compile(r"^ \*   ((?:\w+\.c ?)+)\s")


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def main():
    room = os.path.join(sys.argv[1], "daemon", "http")
    with open(os.path.join(room, "http_internal.h")) as f:
        header = f.read()
    layers = [m.group(1).split() for m in map(LAYER.match, header.splitlines()) if m]
    rank = {name: i for i, files in enumerate(layers) for name in files}
    sources = sorted(n for n in os.listdir(room) if n.endswith(".c"))
    problems = [f"{n} is not in the layer order of http_internal.h" for n in sources
                if n not in rank]
    text = {}
    defined = {}
    for n in sources:
        with open(os.path.join(room, n)) as f:
            text[n] = strip_comments(f.read())
        for m in DEF.finditer(text[n]):
            defined[m.group(1)] = n
    if len(defined) < 50:
        problems.append(f"only {len(defined)} functions found: the scan is broken")
    for n in sources:
        for fn, home in defined.items():
            if home == n or home not in rank or n not in rank:
                continue
            if rank[home] > rank[n] and re.search(r"\b" + fn + r"\b", text[n]):
                problems.append(f"{n} names {fn}() of {home}, a layer above it")
    for p in problems:
        print(p)
    print(f"{len(sources)} files in {len(layers)} layers, {len(defined)} functions: "
          f"{'ok' if not problems else str(len(problems)) + ' problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
