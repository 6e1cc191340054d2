#!/usr/bin/env python3
"""Lists the includes that cross pcvm's layers and the circles among them.

    scripts/layers.py [--edges] [--from UNIT]

A unit is a top-level folder (system, accel, target, block, chardev, ui,
monitor, qom, util, ...) or, under hw/, one device folder (hw/core,
hw/pci, hw/i386, ...); the system/ headers devices may use (memory, DMA,
timers, main loop, run state) are a unit of their own, "system-api",
below hw/. A file belongs to the unit of its folder, and a
header under include/ to the unit of the folder it mirrors
(include/hw/pci/pci.h is hw/pci's). Every `#include "..."` of a .c or .h
file is an edge from the including file's unit to the header's.

Prints:
  * with --edges, every edge between two units, with the files behind it
    (--from UNIT: only the edges leaving UNIT);
  * the import circles: sets of units that reach each other through
    includes (strongly connected components of more than one unit), each
    with one shortest way round;
  * the rule breaks of docs/architecture.md: a file under hw/ including an
    accelerator header (accel/, target/*/kvm*), or a system/ header other
    than the memory, DMA, timer, main-loop and run-state APIs.

Exit status: 0 when there is no circle and no rule break, 1 otherwise.
"""
import argparse
import collections
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
SKIP_DIRS = {"build", "tests", "pc-bios", "docs", "scripts", ".git", "subprojects"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# system/ headers a device may use (ARCHITECTURE.md: devices see memory,
# DMA, timers and the run state through these, nothing else of system/)
HW_SYSTEM_ALLOWED = {"system/memory.h", "system/dma.h", "system/timer.h",
                     "system/main-loop.h", "system/runstate.h"}


def unit_of(path):
    """The unit of a source path relative to TOP ("hw/pci/pci.c" -> "hw/pci")."""
    parts = path.split("/")
    if parts[0] == "include":
        parts = parts[1:]
    if "/".join(parts) in HW_SYSTEM_ALLOWED:
        return "system-api"
    if len(parts) == 1:
        return "(top)"
    if parts[0] == "hw" and len(parts) > 2:
        return "hw/" + parts[1]
    return parts[0]


def sources():
    for root, dirs, files in os.walk(TOP):
        rel = os.path.relpath(root, TOP)
        if rel == ".":
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith((".c", ".h")):
                yield os.path.normpath(os.path.join(rel, name))


def resolve(src, header):
    """Where an include points, relative to TOP (None: generated or system)."""
    for cand in (os.path.join(os.path.dirname(src), header),
                 os.path.join("include", header), header):
        if os.path.isfile(os.path.join(TOP, cand)):
            return os.path.normpath(cand)
    return None


def scan():
    edges = collections.defaultdict(list)  # (from, to) -> [(file, header)]
    breaks = []
    for src in sorted(sources()):
        with open(os.path.join(TOP, src), errors="replace") as f:
            text = f.read()
        u = unit_of(src)
        for header in INCLUDE_RE.findall(text):
            target = resolve(src, header)
            if not target:
                continue
            v = unit_of(target)
            if u.startswith("hw/"):
                if v == "accel" or re.match(r"(include/)?target/[^/]+/kvm", target):
                    breaks.append(f"{src}: includes accelerator header {header}")
                elif v == "system" and header not in HW_SYSTEM_ALLOWED:
                    breaks.append(f"{src}: includes {header}, not a device API of system/")
            if u != v:
                edges[(u, v)].append((src, header))
    return edges, breaks


def circles(edges):
    """Strongly connected components with more than one unit (Tarjan)."""
    graph = collections.defaultdict(set)
    for u, v in edges:
        graph[u].add(v)
        graph.setdefault(v, set())
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(u):
        index[u] = low[u] = len(index)
        stack.append(u)
        on.add(u)
        for v in sorted(graph[u]):
            if v not in index:
                visit(v)
                low[u] = min(low[u], low[v])
            elif v in on:
                low[u] = min(low[u], index[v])
        if low[u] == index[u]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == u:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for u in sorted(graph):
        if u not in index:
            visit(u)
    return graph, out


def way_round(graph, comp):
    """A shortest cycle through the component's first hw/ unit, or its first
    unit (breadth first)."""
    start = next((u for u in comp if u.startswith("hw/")), comp[0])
    members = set(comp)
    prev = {start: None}
    queue = collections.deque([start])
    while queue:
        u = queue.popleft()
        for v in sorted(graph[u]):
            if v == start:
                path = [u]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if v in members and v not in prev:
                prev[v] = u
                queue.append(v)
    return comp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edges", action="store_true", help="print every cross-unit edge")
    ap.add_argument("--from", dest="src", help="with --edges: only edges leaving this unit")
    a = ap.parse_args()
    edges, breaks = scan()
    if a.edges:
        for (u, v), files in sorted(edges.items()):
            if a.src and u != a.src:
                continue
            print(f"{u} -> {v} ({len(files)})")
            for src, header in files:
                print(f"    {src}: {header}")
    graph, comps = circles(edges)
    for comp in comps:
        print(f"circle of {len(comp)} units: {' '.join(comp)}")
        print(f"    e.g. {' -> '.join(way_round(graph, comp))}")
    for b in breaks:
        print(f"rule break: {b}")
    print(f"{len(set(u for u, _ in edges) | set(v for _, v in edges))} units, "
          f"{len(edges)} cross-unit edges, {len(comps)} circles, {len(breaks)} rule breaks")
    return 1 if comps or breaks else 0


if __name__ == "__main__":
    sys.exit(main())
