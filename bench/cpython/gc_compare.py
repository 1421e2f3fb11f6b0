#!/usr/bin/env python3
"""CPython's cycle collector on the shapes refheap's CollectTiming measures, side by side.

Run by `make compare-cpython` (which passes the refheap lines on stdin), or alone:
    python3 bench/cpython/gc_compare.py            # CPython only
Shapes (the same in both):
  full_reachable N  one list holding N-1 lists of one item (None); gc.collect()
  full_garbage N    N/2 pairs of lists holding each other, dropped; gc.collect()
  full_churned N    N one-item lists pointing at random others, churned (N random replacements),
                    held in random order by a root that then drops half; gc.collect()
  young_reachable   700 new one-item lists appended to an old list; gc.collect(0)
  young_garbage     350 new pairs, dropped; gc.collect(0)
Full shapes print nanoseconds per object; young shapes nanoseconds per collection.
"""
import gc
import platform
import random
import sys
import time

SIZES = [10_000, 100_000, 1_000_000, 5_000_000]


def full_reachable(n):
    root = [[None] for _ in range(n - 1)]
    t0 = time.perf_counter_ns()
    found = gc.collect()
    dt = time.perf_counter_ns() - t0
    assert found == 0, found
    del root
    return dt / n


def full_garbage(n):
    for _ in range(n // 2):
        a = []
        b = [a]
        a.append(b)
    del a, b
    t0 = time.perf_counter_ns()
    found = gc.collect()
    dt = time.perf_counter_ns() - t0
    assert found >= n // 2 * 2, found
    return dt / found


def full_churned(n):
    rnd = random.Random(n)
    nodes = [[] for _ in range(n)]
    for node in nodes:
        node.append(nodes[rnd.randrange(n)])
    for _ in range(n):  # churn: replace a random node by a new one
        k = rnd.randrange(n)
        nodes[k] = [nodes[rnd.randrange(n)]]
    order = list(range(n))
    rnd.shuffle(order)
    root = [nodes[i] for i in order]
    del nodes
    del root[len(root) - n // 2:]
    tracked = len(gc.get_objects())
    t0 = time.perf_counter_ns()
    gc.collect()
    dt = time.perf_counter_ns() - t0
    del root
    gc.collect()
    return dt / tracked


def young(garbage, rounds=300):
    root = []
    gc.collect()
    total = 0
    for r in range(rounds):
        for _ in range(350):
            a = []
            b = []
            if garbage:
                a.append(b)
                b.append(a)
            else:
                a.append(None)
                b.append(None)
                root.append(a)
                root.append(b)
        del a, b
        t0 = time.perf_counter_ns()
        gc.collect(0)
        total += time.perf_counter_ns() - t0
        if r % 16 == 15:
            root.clear()
            gc.collect()
    return total / rounds


def cpython_results(sizes):
    gc.disable()
    gc.collect()
    out = {}
    for n in sizes:
        out[("full_reachable", n)] = full_reachable(n)
    for n in sizes:
        out[("full_garbage", n)] = full_garbage(n)
    for n in sizes:
        out[("full_churned", n)] = full_churned(n)
    out[("young_reachable", 700)] = young(False)
    out[("young_garbage", 700)] = young(True)
    return out


def main():
    sizes = [int(a) for a in sys.argv[1:]] or SIZES
    refheap = {}
    if not sys.stdin.isatty():
        for line in sys.stdin:
            parts = line.split()
            if len(parts) == 3:
                refheap[(parts[0], int(parts[1]))] = float(parts[2])
    py = cpython_results(sizes)
    print(f"CPython {platform.python_version()} ({platform.python_implementation()}) vs refheap, same shapes, same machine")
    print(f"{'shape':<16} {'objects':>9} {'CPython':>12} {'refheap':>12} {'speedup':>8}  unit")
    for key, v in py.items():
        shape, n = key
        unit = "ns/object" if shape.startswith("full") else "ns/collect(0)"
        r = refheap.get(key)
        rs = f"{r:12.1f}" if r is not None else f"{'-':>12}"
        sp = f"{v / r:7.1f}x" if r else f"{'-':>8}"
        print(f"{shape:<16} {n:>9} {v:12.1f} {rs} {sp}  {unit}")


if __name__ == "__main__":
    main()
