#!/usr/bin/env python3
"""Times commands the way the scan figures of issue 20 were taken, where hyperfine is not installed:
each command once as warm-up, then RUNS rounds, each running every command once in turn (so that
a change in the machine's load hits all of them alike). Wall time and CPU time (user + system of
the command and its children, from getrusage) per run; prints a Markdown table of medians.

    bench/timeit.py RUNS 'CMD1' 'CMD2' ...

A command's exit code is ignored (scan exits 2 or 3 when it finds hangs), its output discarded.
"""
import resource
import statistics
import subprocess
import sys
import time


def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    runs = int(sys.argv[1])
    cmds = sys.argv[2:]
    for c in cmds:
        run(c)
    walls = {c: [] for c in cmds}
    cpus = {c: [] for c in cmds}
    for _ in range(runs):
        for c in cmds:
            w, u = run(c)
            walls[c].append(w)
            cpus[c].append(u)
    print(f"| command | wall, median of {runs} [ms] | wall min [ms] | wall max [ms] | CPU (user+sys), median [ms] |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for c in cmds:
        w = walls[c]
        print(f"| `{c}` | {statistics.median(w) * 1000:.1f} | {min(w) * 1000:.1f} | {max(w) * 1000:.1f} | {statistics.median(cpus[c]) * 1000:.1f} |")


if __name__ == "__main__":
    main()
