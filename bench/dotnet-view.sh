#!/usr/bin/env bash
# Issue 17's cost of the .NET view (managed stacks, locks and async flows): one audit through the CLI,
# `--interval 0` (or $INTERVAL), with the view and with `--no-runtime`, of (a) one small hung .NET process (the
# scenario async-abba) and (b) a tree of 4 hung .NET processes under one sh (async-abba,
# async-promise, lock-order-inversion, sync-context-deadlock). The view's cost is the difference.
# Wall time and CPU time (user + sys of the tool and the view processes it starts, /usr/bin/time),
# medians over interleaved rounds.
#
#   bench/dotnet-view.sh [RUNS] [TOOL ...]       # default 5 rounds; the tool built from src/ProcAudit.Cli; a TOOL
#                                                # is a dotnet-procaudit.dll (run with dotnet) or the native binary
#   INTERVAL=500ms bench/dotnet-view.sh ...      # the audit's interval (default 0; 500ms is the tool's default,
#                                                # where the view begins at the first look and overlaps the interval)
#
# Several tools (e.g. a build of an earlier commit) are measured in the same rounds, interleaved, so
# that they see the same load. Each tree is started in its own session and killed by process group.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
runs="${1:-5}"
interval="${INTERVAL:-0}"
shift || true
work="$(mktemp -d /tmp/procaudit-dotnet-view.XXXXXX)"
roots=()
cleanup() { for r in "${roots[@]}"; do kill -9 -"$r" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

dotnet build "$repo/tests/ProcAudit.Scenarios" -o "$work/scenarios" >/dev/null
scenarios="$work/scenarios/ProcAudit.Scenarios.dll"
tools=("$@")
if (( ${#tools[@]} == 0 )); then
  dotnet build -c Release "$repo/src/ProcAudit.Cli" -o "$work/cli" >/dev/null
  tools=("$work/cli/dotnet-procaudit.dll")
fi

# Starts "$@" in a new session (its leader in $started); waits until the session holds $1 dotnet
# processes, then 3 s for them to hang.
start() {
  local want=$1; shift
  setsid "$@" </dev/null >/dev/null 2>&1 &
  local leader=$!
  roots+=("$leader")
  for _ in $(seq 300); do
    (( $(ps -o comm= -s "$leader" 2>/dev/null | grep -c '^dotnet$') >= want )) && break
    sleep 0.1
  done
  sleep 3
  started=$leader
}

start 1 dotnet "$scenarios" async-abba; one=$started
start 4 sh -c "dotnet '$scenarios' async-abba & dotnet '$scenarios' async-promise & dotnet '$scenarios' lock-order-inversion & dotnet '$scenarios' sync-context-deadlock & wait"; four=$started

# One audit: prints "wall cpu" in seconds.
measure() {
  local tool=$1 pid=$2; shift 2
  local run=("$tool"); [[ $tool == *.dll ]] && run=(dotnet "$tool")
  /usr/bin/time -f '%e %U %S' -o "$work/time" "${run[@]}" "$pid" --interval "$interval" "$@" >/dev/null 2>&1 || true
  # The last line: a failing exit (2 for a deadlock) adds a line before it.
  tail -n 1 "$work/time" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}

declare -A walls cpus
for round in $(seq "$runs"); do
  for t in "${!tools[@]}"; do
    for tree in one four; do
      pid=${!tree}
      for mode in runtime no-runtime; do
        extra=(); [[ $mode == no-runtime ]] && extra=(--no-runtime)
        read -r wall cpu < <(measure "${tools[$t]}" "$pid" "${extra[@]}")
        walls[$t,$tree,$mode]+="$wall "
        cpus[$t,$tree,$mode]+="$cpu "
      done
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); --interval $interval"
echo
echo "| tool | tree | with the view: wall | cpu | --no-runtime: wall | cpu | the view's cost: wall | cpu |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in "${!tools[@]}"; do
  for tree in one four; do
    wr=$(median <<<"${walls[$t,$tree,runtime]}"); cr=$(median <<<"${cpus[$t,$tree,runtime]}")
    wn=$(median <<<"${walls[$t,$tree,no-runtime]}"); cn=$(median <<<"${cpus[$t,$tree,no-runtime]}")
    label=$([[ $tree == one ]] && echo "1 .NET process" || echo "4 .NET processes")
    awk -v t="${tools[$t]}" -v l="$label" -v wr="$wr" -v cr="$cr" -v wn="$wn" -v cn="$cn" \
      'BEGIN { printf "| %s | %s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s |\n", t, l, wr, cr, wn, cn, wr - wn, cr - cn }'
  done
done
