#!/usr/bin/env python3
"""rooms.py - check that the rooms of the code call one way only, as docs/ARCHITECTURE.md states.

The room order is read from the table under "## Where the code lives" in docs/ARCHITECTURE.md:
its rows name the rooms bottom-up (`daemon/core/` first). A file of a room may include the
headers and name the functions of its own room and of the rooms listed before it, never of one
listed after it. Files must not form a circle either: no two .c files (in any room) that name
each other's functions, directly or around a longer loop, and no headers that include each other.
Also fails when a source file lies in no room, or when daemon/CMakeLists.txt lists the daemon's
rooms in another order than the document.

Usage: tests/rooms.py SOURCE_DIR
"""
import os
import re
import sys

DEF = re.compile(r"^(?!static\b)[A-Za-z_][\w \*]*?\b(zt_\w+)\s*\([^;{]*\)\s*\{", re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ROOM_ROW = re.compile(r"^\| `((?:[\w.-]+/)+)` \|")
CMAKE_ROOMS = re.compile(r"foreach\(room ([\w ]+)\)")


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def read_rooms(src):
    """The rooms, bottom-up, from the table of docs/ARCHITECTURE.md."""
    rooms, inside = [], False
    with open(os.path.join(src, "docs", "ARCHITECTURE.md")) as f:
        for line in f:
            if line.startswith("## "):
                inside = line.strip() == "## Where the code lives"
                continue
            m = ROOM_ROW.match(line) if inside else None
            if m:
                rooms.append(m.group(1))
    return rooms


def room_of(path, rooms):
    """The room of a file: the longest room path it lies under (a room holds the files of its
    directory and below, except those of a room inside it)."""
    best = None
    for r in rooms:
        if path.startswith(r) and (best is None or len(r) > len(best)):
            best = r
    return best


def circles(edges):
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def main():
    src = sys.argv[1]
    rooms = read_rooms(src)
    rank = {r: i for i, r in enumerate(rooms)}
    problems = []
    if len(rooms) < 5:
        problems.append(f"only {len(rooms)} rooms read from docs/ARCHITECTURE.md: the table moved?")

    files = {}
    for top in ("daemon", "collectors"):
        for dirpath, _, names in os.walk(os.path.join(src, top)):
            for n in names:
                if n.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(dirpath, n), src)
                    r = room_of(rel, rooms)
                    if r is None:
                        problems.append(f"{rel} lies in no room of docs/ARCHITECTURE.md")
                    elif r == "daemon/" and os.path.dirname(rel) != "daemon":
                        problems.append(f"{rel} lies in no room of docs/ARCHITECTURE.md")
                    else:
                        files[rel] = r

    raw, text, defined = {}, {}, {}
    for rel in files:
        with open(os.path.join(src, rel)) as f:
            raw[rel] = f.read()
        text[rel] = strip_comments(raw[rel])
        if rel.endswith(".c"):
            for m in DEF.finditer(text[rel]):
                defined.setdefault(m.group(1), rel)
    if len(defined) < 300:
        problems.append(f"only {len(defined)} functions found: the scan is broken")

    headers = {}
    for rel in files:
        if rel.endswith(".h"):
            headers.setdefault(os.path.basename(rel), []).append(rel)

    def header_of(name, includer):
        cands = headers.get(os.path.basename(name), [])
        same = [h for h in cands if os.path.dirname(h) == os.path.dirname(includer)]
        return (same or cands or [None])[0]

    calls = {rel: set() for rel in files if rel.endswith(".c")}
    includes = {rel: set() for rel in files if rel.endswith(".h")}
    for rel, room in files.items():
        for m in INCLUDE.finditer(strip_comments(raw[rel])):
            h = header_of(m.group(1), rel)
            if h is None:
                continue
            if rank[files[h]] > rank[room]:
                problems.append(f"{rel} ({room}) includes {h} of {files[h]}, a room above it")
            if rel.endswith(".h") and h != rel:
                includes[rel].add(h)
        if not rel.endswith(".c"):
            continue
        for name in sorted(set(re.findall(r"\bzt_\w+", text[rel]))):
            home = defined.get(name)
            if home is None or home == rel:
                continue
            calls[rel].add(home)
            if rank[files[home]] > rank[room]:
                problems.append(f"{rel} ({room}) names {name}() of {home}, a room above it")

    for comp in circles(calls):
        problems.append("files that name each other's functions (a circle): " + ", ".join(comp))
    for comp in circles(includes):
        problems.append("headers that include each other (a circle): " + ", ".join(comp))

    with open(os.path.join(src, "daemon", "CMakeLists.txt")) as f:
        m = CMAKE_ROOMS.search(f.read())
    want = [r[len("daemon/"):-1] for r in rooms if r.startswith("daemon/") and r != "daemon/"]
    if not m or m.group(1).split() != want:
        problems.append("daemon/CMakeLists.txt lists the rooms as "
                        f"{m.group(1).split() if m else None}, docs/ARCHITECTURE.md as {want}")

    order = " < ".join(r.rstrip("/") for r in rooms)
    verdict = f"{len(problems)} problem(s)" if problems else "ok"
    print("\n".join(problems + [f"{len(files)} files in {len(rooms)} rooms ({order}), "
                                f"{len(defined)} functions: {verdict}"]))
    return int(bool(problems))


sys.exit(main())
