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
  * the rule breaks of docs/architecture.md: an include that points up the
    layers (RANKS below: a unit may include its own rank and the ranks
    beneath it), and a unit that has no rank yet.

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
                     "system/main-loop.h", "system/runstate.h",
                     "system/iothread.h"}

# The layers, top down (docs/architecture.md). A device folder hw/X that is
# not listed has DEVICE_RANK: devices may include each other (the circle
# check still applies), the device core and the backends, never the board,
# the CPU model, the accelerators or start-up.
RANKS = {
    "tools": 80,                  # pcvm-img: a program over the block layer
    "system": 70,                 # start-up, command line, main loop
    "monitor": 60,                # HMP and QMP over everything below
    "accel": 50,                  # kvm, qtest: run the vCPUs of a machine
    "hw/i386": 40,                # the pc board: wires devices and CPUs
    "target": 35,                 # the x86 CPU model
    "hw/core": 20,                # device core and machine layer
    "block": 10, "chardev": 10, "net": 10, "ui": 10, "audio": 10,
    "system-api": 0, "qom": 0, "qapi": 0, "util": 0,
}
DEVICE_RANK = 30


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


def rank(unit):
    if unit in RANKS:
        return RANKS[unit]
    if unit.startswith("hw/"):
        return DEVICE_RANK
    return None


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
    unranked = set()
    for src in sorted(sources()):
        with open(os.path.join(TOP, src), errors="replace") as f:
            text = f.read()
        u = unit_of(src)
        for header in INCLUDE_RE.findall(text):
            target = resolve(src, header)
            if not target:
                continue
            v = unit_of(target)
            ru, rv = rank(u), rank(v)
            if ru is not None and rv is not None and rv > ru:
                what = ", not a device API of system/" if v == "system" else ""
                breaks.append(f"{src}: includes {header}{what} ({u} may not "
                              f"include {v}: it is a higher layer)")
            for w in (u, v):
                if rank(w) is None and w not in unranked:
                    unranked.add(w)
                    breaks.append(f"{w}: a unit with no layer (add it to RANKS)")
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
