#!/usr/bin/env python3
"""Turns the raw data of tools/bench-run.sh into the Markdown results table (issue 9).

    bench/report.py DATA_DIR "1 4 16"  > bench/results/DATE.md

DATA_DIR holds machine.env, size-<N>x.env, hyperfine-<N>x-<round>.json, rss-<N>x.tsv and,
when they ran, bdn-<N>x.json (BenchmarkDotNet full JSON) and profile-<N>x.md.
"""
import json
import os
import statistics
import sys


def env(path):
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def ms(seconds):
    v = seconds * 1000
    return f"{v:,.0f} ms" if v >= 100 else f"{v:.1f} ms"


def mb(kib):
    return f"{kib / 1024:.0f} MB"


data_dir, sizes = sys.argv[1], [s for s in sys.argv[2].split() if s]
machine = env(os.path.join(data_dir, "machine.env"))
state = {x: env(os.path.join(data_dir, f"size-{x}x.env")) for x in sizes}

# hyperfine: every run of every round, per command name.
times = {x: {} for x in sizes}
order = []
for x in sizes:
    for rnd in range(1, 100):
        path = os.path.join(data_dir, f"hyperfine-{x}x-{rnd}.json")
        if not os.path.exists(path):
            break
        for r in json.load(open(path, encoding="utf-8"))["results"]:
            times[x].setdefault(r["command"], []).extend(r["times"])
            if r["command"] not in order:
                order.append(r["command"])

rss = {x: {} for x in sizes}
for x in sizes:
    path = os.path.join(data_dir, f"rss-{x}x.tsv")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            name, _, value = line.rstrip("\n").partition("\t")
            if value.strip().isdigit():
                rss[x].setdefault(name, []).append(int(value))

bdn = {x: {} for x in sizes}
bdn_titles = {}
bdn_order = []
for x in sizes:
    path = os.path.join(data_dir, f"bdn-{x}x.json")
    if not os.path.exists(path):
        continue
    for b in json.load(open(path, encoding="utf-8"))["Benchmarks"]:
        if not b.get("Statistics"):
            continue
        m = b["Method"]
        bdn[x][m] = (b["Statistics"]["Median"] / 1e9, b["Memory"]["BytesAllocatedPerOperation"])
        bdn_titles[m] = b["MethodTitle"].strip("'")
        if m not in bdn_order:
            bdn_order.append(m)


def median_time(x, name):
    t = times[x].get(name)
    return statistics.median(t) if t else None


def fds(x):
    return int(state[x].get("fds", "0") or 0)


out = []
w = out.append
first, last = sizes[0], sizes[-1]
w(f"# ProcAudit benchmark, {machine.get('date', '?')}")
w("")
w(f"Machine: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('mem')}, Linux {machine.get('kernel')}, "
  f".NET {machine.get('dotnet')}; lsof {machine.get('lsof')}, ss (iproute2) {machine.get('ss')}, hyperfine {machine.get('hyperfine')}; "
  f"ulimit -n {machine.get('nofile')}, pid_max {machine.get('pid_max')}. Tool built Release from {machine.get('rev')}, "
  f"run as `dotnet-procaudit <pid> {machine.get('flags')}`. Reproduce: `tools/bench-run.sh`.")
w("")
w("Each size is a synthetic state from `bench/make-state.sh` on top of what the machine already runs: units of 7 processes in "
  "their own session (a pipe-order-inversion deadlock, a full pipe nobody reads, an idle reader, a TCP connection with 32 KiB "
  "unread, an epoll waiter), each process holding 8 idle pipes, a socketpair and /dev/null; one unit's root is audited. "
  "Counts are machine-wide, as every tool here scans the whole machine.")
w("")
w("| size | units | processes | fds | of which pipes | sockets | mapped regions | audited tree's verdict (exit) | load average before / after |")
w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
for x in sizes:
    s = state[x]
    w(f"| {x}x | {s.get('units')} | {int(s.get('procs', 0)):,} ({7 * int(s.get('units', 0) or 0):,} of the state) | {fds(x):,} | {int(s.get('pipes', 0)):,} | {int(s.get('sockets', 0)):,} | "
      f"{int(s.get('maps', 0) or 0):,} | {s.get('verdict', '').split(':')[0]} ({s.get('exit')}) | {s.get('load_before')} / {s.get('load_after')} |")
w("")

nruns = len(times[first].get(order[0], [])) if order else 0
w(f"## Whole command, wall time (hyperfine, median of {nruns} runs in "
  f"{machine.get('rounds')} interleaved rounds, after warm-ups)")
w("")
header = "| command | " + " | ".join(f"{x}x" for x in sizes) + " | per 1,000 more fds |"
w(header)
w("| --- |" + " ---: |" * len(sizes) + " ---: |")
for name in order:
    cells = []
    for x in sizes:
        t = median_time(x, name)
        cells.append(ms(t) if t is not None else "n/a")
    a, b = median_time(first, name), median_time(last, name)
    slope = f"{(b - a) * 1000 / max(1, (fds(last) - fds(first)) / 1000):.1f} ms" if a is not None and b is not None and fds(last) > fds(first) else ""
    w(f"| `{name}` | " + " | ".join(cells) + f" | {slope} |")
w("")

w("## Peak memory (max RSS, /usr/bin/time, median of 3)")
w("")
w("| command | " + " | ".join(f"{x}x" for x in sizes) + " |")
w("| --- |" + " ---: |" * len(sizes))
names = []
for x in sizes:
    for n in rss[x]:
        if n not in names:
            names.append(n)
for n in names:
    w(f"| `{n}` | " + " | ".join(mb(statistics.median(rss[x][n])) if n in rss[x] else "n/a" for x in sizes) + " |")
w("")

if any(bdn[x] for x in sizes):
    w("## In-process (BenchmarkDotNet, median of 15 iterations; managed bytes allocated per operation)")
    w("")
    w("| benchmark | " + " | ".join(f"{x}x" for x in sizes) + f" | / floor at {last}x |")
    w("| --- |" + " ---: |" * len(sizes) + " ---: |")
    floor_last = bdn[last].get("Floor", (None, None))[0]
    for m in bdn_order:
        cells = []
        for x in sizes:
            if m in bdn[x]:
                t, alloc = bdn[x][m]
                cells.append(f"{ms(t)}, {alloc / 1048576:.1f} MB" if alloc >= 1048576 else f"{ms(t)}, {alloc / 1024:.0f} KB")
            else:
                cells.append("n/a")
        ratio = f"{bdn[last][m][0] / floor_last:.2f}x" if floor_last and m in bdn[last] else ""
        w(f"| {bdn_titles.get(m, m)} | " + " | ".join(cells) + f" | {ratio} |")
    w("")

# Budgets (issue 9), ratios measured in the same run.
w("## Budgets")
w("")
w("| budget | measured | verdict |")
w("| --- | --- | --- |")


def verdict(ok, value, limit, better_low=True):
    if value is None:
        return "not measured"
    if ok:
        return f"met ({value / limit:.0%} of the budget)" if better_low else "met"
    return f"**missed** by {value / limit - 1:.0%}"


native = next((n for n in order if n.startswith("procaudit (native")), None)
cmd = "procaudit (dotnet dll)"
lsof = "lsof -n -P"
variants = [v for v in (native, cmd, "procaudit (apphost)") if v]
for x, limit, label in ((first, 1.0, "at most as long as `lsof -n -P`"), (last, 0.5, "at most half as long as `lsof -n -P`")):
    for variant in variants:
        a, b = median_time(x, variant), median_time(x, lsof)
        if a is None or b is None:
            continue
        r = a / b
        shipped = " (what `dotnet tool install` gives here)" if variant == native else " (the framework-dependent package, for other platforms)"
        w(f"| {x}x: whole `{variant}`{shipped} {label} | {ms(a)} vs {ms(b)}: {r:.2f}x lsof | {verdict(r <= limit, r, limit)} |")
if "Capture" in bdn[last] and "Floor" in bdn[last]:
    r = bdn[last]["Capture"][0] / bdn[last]["Floor"][0]
    w(f"| {last}x: in-process capture within 3x of the readlink floor | {ms(bdn[last]['Capture'][0])} vs {ms(bdn[last]['Floor'][0])}: {r:.2f}x | {verdict(r <= 3, r, 3)} |")
for variant in variants:
    if variant in rss[last]:
        peak = statistics.median(rss[last][variant]) / 1024
        w(f"| {last}x: peak memory of the whole `{variant}` under 100 MB | {peak:.0f} MB | {verdict(peak < 100, peak, 100)} |")
for variant in ("native", "dotnet dll"):
    start = median_time(first, f"procaudit start-up only ({variant} --help)")
    if start is not None:
        w(f"| (start-up, not a budget) | `dotnet-procaudit --help`, {variant}: {ms(start)} | |")
w("")

for x in sizes:
    path = os.path.join(data_dir, f"profile-{x}x.md")
    if os.path.exists(path) and os.path.getsize(path) > 0:
        w(f"## Where a capture spends its time, {x}x (bench/ProcAudit.Profile)")
        w("")
        w(open(path, encoding="utf-8").read().rstrip())
        w("")

print("\n".join(out))
