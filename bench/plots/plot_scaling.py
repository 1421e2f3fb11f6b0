#!/usr/bin/env python3
"""Draws the scaling curves of docs/PERFORMANCE.md as SVG from JMH text results.

    python3 bench/plots/plot_scaling.py RESULTS_DIR docs/img

RESULTS_DIR holds the `-rf text` outputs collect.txt, scaling.txt and incremental.txt (the
commands are in docs/PERFORMANCE.md). No plotting library: the machines here have none.
"""
import math
import os
import re
import sys

W, H = 640, 400
L, R, T, B = 80, 45, 40, 60


def rows(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("Benchmark") or not line.strip():
                continue
            out.append(line.split())
    return out


def svg_chart(title, xlabel, ylabel, series, logx=True, logy=False, xticks=None, path=None):
    xs = [x for _, pts in series for x, _ in pts]
    ys = [y for _, pts in series for _, y in pts]
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(v)) if logy else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    y0, y1 = (fy(min(ys)) if logy else 0), fy(max(ys)) * (1.0 if logy else 1.15)
    if x1 == x0:
        x1 = x0 + 1
    if logy:
        y0, y1 = math.floor(y0), math.ceil(y1)

    def px(v):
        return L + (fx(v) - x0) / (x1 - x0) * (W - L - R)

    def py(v):
        return H - B - (fy(v) - y0) / (y1 - y0) * (H - T - B)

    colors = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e"]
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
         f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
         f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
         f'<text x="{(L + W - R) / 2}" y="{H - 18}" text-anchor="middle">{xlabel}</text>',
         f'<text x="18" y="{(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 {(T + H - B) / 2})">{ylabel}</text>']
    for x in xticks or sorted(set(xs)):
        s.append(f'<line x1="{px(x):.1f}" y1="{H - B}" x2="{px(x):.1f}" y2="{H - B + 5}" stroke="black"/>')
        s.append(f'<text x="{px(x):.1f}" y="{H - B + 18}" text-anchor="middle">{x:,.0f}</text>')
    if logy:
        ticks = [10 ** e for e in range(int(y0), int(y1) + 1)]
    else:
        step = 10 ** math.floor(math.log10(max(ys))) / 2
        ticks = [step * i for i in range(0, int(y1 / step) + 1)]
    for y in ticks:
        s.append(f'<line x1="{L}" y1="{py(y):.1f}" x2="{W - R}" y2="{py(y):.1f}" stroke="#ddd"/>')
        s.append(f'<text x="{L - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    for i, (name, pts) in enumerate(series):
        c = colors[i % len(colors)]
        d = " ".join(f"{'M' if j == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for j, (x, y) in enumerate(pts))
        s.append(f'<path d="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
        for x, y in pts:
            s.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{c}"/>')
        s.append(f'<line x1="{L + 15}" y1="{T + 10 + 16 * i}" x2="{L + 35}" y2="{T + 10 + 16 * i}" stroke="{c}" stroke-width="2"/>')
        s.append(f'<text x="{L + 40}" y="{T + 14 + 16 * i}">{name}</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")
    print("wrote", path)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    full = {"reachable": [], "garbage": []}
    for r in rows(os.path.join(src, "collect.txt")):
        if r[0].endswith("collect_full"):
            shape, size, ms = r[1], int(r[2]), float(r[5])
            full[shape].append((size, ms * 1e6 / size))
    svg_chart("Full collection: cost per object vs heap size", "tracked objects", "ns per object",
              [("all reachable", full["reachable"]), ("all garbage (2-cycles)", full["garbage"])],
              path=os.path.join(out, "full-collection.svg"))
    alloc, young = [], []
    for r in rows(os.path.join(src, "scaling.txt")):
        if r[0].endswith("allocFree_liveHeap"):
            alloc.append((int(r[1]), float(r[4])))
        elif r[0].endswith("youngCollect_oldGen"):
            young.append((max(1, int(r[2])), float(r[4])))
    svg_chart("Allocate + write + free vs live objects", "live objects", "ns per operation",
              [("refheap allocFree", alloc)], path=os.path.join(out, "alloc-vs-live.svg"))
    svg_chart("Young collection (700 objects) vs old generation", "objects in the old generation (0 drawn at 1)",
              "us per collect(0)", [("refheap collect(0)", young)], path=os.path.join(out, "young-vs-old.svg"))
    pct = []
    for r in rows(os.path.join(src, "incremental.txt")):
        m = re.search(r"step_100us:p(\d\.\d+)", r[0])
        if m and float(m.group(1)) < 1.0:
            p = float(m.group(1))
            if p >= 0.5:
                pct.append((1 / (1 - p), float(r[3])))
    svg_chart("Pause-bounded steps (100 us budget) on 5M objects", "percentile (as 1/(1-p): 2 = p50, 1000 = p99.9)",
              "step pause, us", [("collectStep(100 us)", pct)], xticks=[x for x, _ in pct],
              path=os.path.join(out, "step-pauses.svg"))


if __name__ == "__main__":
    main()
