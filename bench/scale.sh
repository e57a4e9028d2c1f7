#!/usr/bin/env bash
# Issue 8's scale figures: time and peak memory (max RSS, /usr/bin/time -v) of one audit through
# the CLI of (a) a tree of 2,000 processes waiting on one pipe they all hold, (b) the same tree with
# no shared pipe, (c) a small tree whose pipe is held by orphans that hold 100,000 fds between them,
# (d) a small tree beside 100,000 fds held by processes that are not holders, and (e) that small
# tree alone. The programs are the integration tests' own (tests/ProcAudit.IntegrationTests/Programs).
#
#   bench/scale.sh [RUNS]        # default 3 runs each; prints a Markdown table
#
# Each state is started in its own session and killed by process group before the next.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
runs="${1:-3}"
work="$(mktemp -d /tmp/procaudit-scale.XXXXXX)"
root=""
cleanup() { [[ -n "$root" ]] && kill -9 -"$root" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

pid_max=$(cat /proc/sys/kernel/pid_max)
nproc_limit=$(ulimit -u)
if [[ "$nproc_limit" != unlimited ]] && (( nproc_limit < 2500 )) || (( pid_max < 2500 + $(ls -d /proc/[0-9]* | wc -l) )); then
  echo "scale: no room for 2,000 more processes (pid_max $pid_max, ulimit -u $nproc_limit)" >&2; exit 1
fi

for program in wide-tree fd-hoarders; do
  gcc -O2 -o "$work/$program" "$repo/tests/ProcAudit.IntegrationTests/Programs/$program.c"
done
dotnet build -c Release "$repo/src/ProcAudit.Cli" -o "$work/cli" >/dev/null
tool="$work/cli/dotnet-procaudit.dll"

# Starts "$@" in a new session and waits until its session holds $2 processes (and $3 fds).
start() {
  local want_procs=$1 want_fds=$2; shift 2
  setsid "$@" </dev/null >/dev/null 2>&1 &
  local leader=$!
  for _ in $(seq 600); do
    local procs fds=0
    procs=$(ps -o pid= -s "$leader" 2>/dev/null | wc -l)
    if (( want_fds > 0 )); then
      fds=$(for p in $(ps -o pid= -s "$leader"); do ls "/proc/$p/fd" 2>/dev/null | wc -l; done | awk '{s+=$1} END {print s+0}')
    fi
    if (( procs >= want_procs && fds >= want_fds )); then root=$leader; sleep 1; return; fi
    sleep 0.1
  done
  echo "scale: $* did not come up" >&2; exit 1
}

machine_fds() { for p in /proc/[0-9]*; do ls "$p/fd" 2>/dev/null | wc -l; done | awk '{s+=$1} END {print s}'; }

measure() {
  local label=$1 lines rss=() secs=() verdict
  for _ in $(seq "$runs"); do
    /usr/bin/time -v dotnet "$tool" "$root" --interval 0 --no-runtime --json "$work/report.json" >"$work/text" 2>"$work/time" || true
    rss+=("$(awk -F': ' '/Maximum resident/ {printf "%d", $2 / 1024}' "$work/time")")
    secs+=("$(awk -F': ' '/Elapsed \(wall/ {split($2, t, ":"); printf "%.2f", t[1] * 60 + t[2]}' "$work/time")")
  done
  lines=$(wc -l <"$work/text")
  verdict=$(head -1 "$work/text" | cut -d: -f1)
  local n_procs n_json
  n_procs=$(ls -d /proc/[0-9]* | wc -l)
  n_json=$(python3 -c "import json,sys; d=json.load(open('$work/report.json')); print(len(d['processes']))")
  printf '| %s | %s | %s | %s | %s (%s) | %s | %s |\n' "$label" "$n_procs" "$(machine_fds)" "$n_json" "$verdict" "$lines lines" \
    "$(printf '%s\n' "${secs[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p") s" \
    "$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p") MB"
  kill -9 -"$root" 2>/dev/null || true; root=""; sleep 2
}

echo "| state | processes on the machine | fds on the machine | processes in the JSON | verdict (text) | wall time, median | max RSS, median |"
echo "| --- | ---: | ---: | ---: | --- | ---: | ---: |"
start 1 0 "$work/fd-hoarders" 0 apart;              measure "small tree alone (baseline)"
start 2001 0 "$work/wide-tree" 2000;                 measure "2,000-process idle tree"
start 2001 0 "$work/wide-tree" 2000 shared;          measure "2,000-process tree, root waits on a pipe all children hold"
start 2 100000 "$work/fd-hoarders" 100000 apart;     measure "small tree beside 100,000 fds held by others"
start 2 100000 "$work/fd-hoarders" 100000;           measure "small tree whose pipe is held by orphans with 100,000 fds"
