#!/usr/bin/env python3
"""The structure rules `make test` keeps (run by tests/e2e/lint.sh):

- no function longer than 80 lines, no source file longer than 600;
- curses is included only by tui/term.c;
- the engine never reads the environment (getenv) and never includes a tui header;
- no two source files that call each other, directly or around a loop (read
  from the built objects in $BUILD, default build/): a cycle means two parts
  that cannot be read, tested or replaced apart.

Usage: scripts/lint.py [ROOT]. Prints one line per breach and exits 1 if any.
Functions are found by the project's layout: a definition starts at column 0
and its body ends at the first "}" in column 0 after it.
"""
import os
import re
import subprocess
import sys

MAX_FUNC = 80
MAX_FILE = 600
DIRS = ("engine", "tui")

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
root = os.path.abspath(root)
errors = []


def sources():
    for top in DIRS:
        for d, _, fs in os.walk(os.path.join(root, top)):
            for f in sorted(fs):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


FUNC_START = re.compile(r"^[A-Za-z_][\w \*]*?\b(\w+)\s*\([^;]*$")


def check_functions(path, lines):
    i = 0
    while i < len(lines):
        m = FUNC_START.match(lines[i])
        if m and not lines[i].startswith(("typedef", "struct", "enum", "#", "static const", "const")):
            # the signature may span lines; the body opens with "{" at its end
            j = i
            while j < len(lines) and not lines[j].rstrip().endswith("{") and ";" not in lines[j]:
                j += 1
            if j < len(lines) and lines[j].rstrip().endswith("{") and ";" not in lines[j]:
                k = j + 1
                while k < len(lines) and not lines[k].startswith("}"):
                    k += 1
                n = k - i + 1
                if n > MAX_FUNC:
                    errors.append(f"{path}:{i + 1}: function {m.group(1)} is {n} lines (at most {MAX_FUNC})")
                i = k + 1
                continue
        i += 1


INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]')


def check_cycles():
    """Object files that call each other, found from the symbols each built
    object defines and needs (nm), reported as strongly connected groups."""
    build = os.path.join(root, os.environ.get("BUILD", "build"))
    defined, needed = {}, {}
    for top in DIRS:
        for d, _, fs in os.walk(os.path.join(build, top)):
            for f in fs:
                if not f.endswith(".o") or f == "main.o":
                    continue
                obj = os.path.join(d, f)
                unit = os.path.relpath(obj, build)[:-2] + ".c"
                if not os.path.exists(os.path.join(root, unit)):
                    continue  # left from a source that moved or went
                needed[unit] = set()
                out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
                for line in out.splitlines():
                    parts = line.split()
                    if len(parts) == 3 and parts[1] in "TDBR":
                        defined[parts[2]] = unit
                    elif len(parts) == 2 and parts[0] == "U":
                        needed[unit].add(parts[1])
    if not needed:
        errors.append(f"no objects under {build}: build first (make all)")
        return
    graph = {u: sorted({defined[s] for s in syms if s in defined and defined[s] != u})
             for u, syms in needed.items()}
    index, low, stack, on = {}, {}, [], set()

    def connect(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                errors.append("call cycle between " + ", ".join(sorted(group)))

    for v in sorted(graph):
        if v not in index:
            connect(v)


def main():
    for path in sources():
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) > MAX_FILE:
            errors.append(f"{path}: {len(lines)} lines (at most {MAX_FILE})")
        if path.endswith(".c"):
            check_functions(path, lines)
        top = path.split("/")[0]
        for no, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if m:
                name = m.group(2)
                if "curses" in name and path != "tui/term.c":
                    errors.append(f"{path}:{no}: includes {name}: only tui/term.c talks to curses")
                if m.group(1) == '"':
                    target = None
                    for base in (top, "engine", "tui"):
                        if os.path.exists(os.path.join(root, base, name)):
                            target = os.path.join(base, name)
                            break
                    if target:
                        if top == "engine" and target.startswith("tui/"):
                            errors.append(f"{path}:{no}: the engine includes a tui header ({name})")
            if top == "engine" and re.search(r"\bgetenv\s*\(", line):
                errors.append(f"{path}:{no}: getenv in the engine: pass the value in")
    check_cycles()
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
