#!/usr/bin/env bash
# The one command behind ProcAudit's performance figures (issue 9).
#
#   tools/bench-run.sh [--sizes "1 4 16"] [--runs 10] [--rounds 5] [--no-bdn] [--no-profile] [--out FILE]
#
# Builds the tool (Release) from a snapshot of this work tree, then for each size builds a
# synthetic machine state with bench/make-state.sh (1x = 20 units of 7 blocked processes and
# ~160 fds each, on top of whatever the machine already runs) and measures, on that same state:
#   - with hyperfine (medians of --runs; the runs split over --rounds rounds, interleaving the
#     commands, to spread the load of anything else running): the whole
#     `dotnet-procaudit <pid> --interval 0` command (the native build, as the tool package ships it
#     for linux-x64, and the JIT-compiled build through `dotnet x.dll` and its apphost, as the
#     package for other platforms ships it), its start-up alone (--help), `lsof -n -P`, `ss -tanp`
#     and a C program that only lists and readlinks every fd;
#   - peak RSS of each command (/usr/bin/time, median of 3);
#   - in-process with BenchmarkDotNet (bench/ProcAudit.Benchmarks, MachineStateBenchmark): one
#     capture (`new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Capture(pid)`) against
#     the readlink floor written in C#;
#   - the capture's phases (bench/ProcAudit.Profile, the library's sources timed step by step).
# Then checks the budgets, writes bench/results/<date>.md and prints it.
#
# Needs Linux, root (to read every process's fds, as lsof and ss do), gcc, python3, the .NET SDK,
# lsof, ss (iproute2) and hyperfine (installed with apt-get when missing). About 10 minutes on
# 2 cores. Everything it starts is stopped when it ends or is interrupted (the state by process
# group, see bench/clear-state.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES="1 4 16"
RUNS=10
ROUNDS=5
BDN=1
PROFILE=1
OUT=""
UNITS_PER_X=20
while (($#)); do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --no-bdn) BDN=0; shift ;;
    --no-profile) PROFILE=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench-run: unknown argument $1 (see --help)" >&2; exit 1 ;;
  esac
done

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[[ "$(uname -s)" == Linux && -d /proc/self ]] || { echo "bench-run: needs Linux with /proc" >&2; exit 1; }
[[ $(id -u) == 0 ]] || say "not root: lsof, ss and procaudit will only see your own processes' fds"
for tool in gcc python3 dotnet lsof ss /usr/bin/time git; do
  command -v "$tool" >/dev/null || { echo "bench-run: $tool is missing" >&2; exit 1; }
done
if ! command -v hyperfine >/dev/null; then
  say "installing hyperfine"
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi

# No build server or node may outlive the run.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
BUILD_FLAGS=(-nologo -v q -nodeReuse:false -p:UseSharedCompilation=false)

WORK=$(mktemp -d /tmp/procaudit-bench.XXXXXX)
export PROCAUDIT_BENCH_STATE="$WORK/state"
CHILD=""   # process group of the long step running now (started with setsid)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$CHILD" ]]; then
    kill -TERM -- "-$CHILD" 2>/dev/null || true
    sleep 0.5
    kill -KILL -- "-$CHILD" 2>/dev/null || true
  fi
  "$ROOT/bench/clear-state.sh" >/dev/null 2>&1 || say "could not clear the state; see $PROCAUDIT_BENCH_STATE"
  if ((rc == 0)); then rm -rf "$WORK"; else say "failed (exit $rc); logs kept in $WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# step OUT ERR COMMAND...: runs a step in its own process group (so an interrupt stops it and
# everything it started) with its output in files. The redirection is on the command, not on this
# function: a trap that fires while the shell waits here still writes to the script's own stderr.
step() {
  local out="$1" err="$2"
  shift 2
  if [[ "$out" == "$err" ]]; then
    setsid "$@" >"$out" 2>&1 &
  else
    setsid "$@" >"$out" 2>"$err" &
  fi
  CHILD=$!
  local rc=0
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}

# ---- build, from a snapshot: others may edit the tree meanwhile ------------------------------
say "snapshot of the work tree -> $WORK/src"
mkdir -p "$WORK/src"
(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$WORK/src"
REV=$(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && [[ -z "$(git status --porcelain -- src)" ]] || echo "+local changes in src")
case "$(uname -m)" in x86_64) RID=linux-x64 ;; aarch64) RID=linux-arm64 ;; *) RID="" ;; esac

say "building the tool (Release)"
step "$WORK/build-tool.log" "$WORK/build-tool.log" dotnet build "$WORK/src/src/ProcAudit.Cli" -c Release -o "$WORK/tool" "${BUILD_FLAGS[@]}" \
  || { tail -20 "$WORK/build-tool.log" >&2; exit 1; }
NATIVE=""
if [[ -n "$RID" ]]; then
  # How the tool ships on linux-x64: the native (AOT) build of the RID-specific tool package.
  say "publishing the native build ($RID)"
  if step "$WORK/build-native.log" "$WORK/build-native.log" dotnet publish "$WORK/src/src/ProcAudit.Cli" -c Release -r "$RID" -o "$WORK/tool-native" "${BUILD_FLAGS[@]}"; then
    NATIVE="$WORK/tool-native/dotnet-procaudit"
  else
    say "native publish failed (row skipped): $(grep -m1 -i ' error' "$WORK/build-native.log" || true)"
  fi
fi
if ((BDN)); then
  say "building bench/ProcAudit.Benchmarks"
  step "$WORK/build-bdn.log" "$WORK/build-bdn.log" dotnet build "$WORK/src/bench/ProcAudit.Benchmarks" -c Release "${BUILD_FLAGS[@]}" \
    || { tail -20 "$WORK/build-bdn.log" >&2; exit 1; }
fi
if ((PROFILE)); then
  say "building bench/ProcAudit.Profile"
  if ! step "$WORK/build-profile.log" "$WORK/build-profile.log" dotnet build "$WORK/src/bench/ProcAudit.Profile" -c Release "${BUILD_FLAGS[@]}"; then
    say "the profile does not build against this src (skipped): $(grep -m1 ' error ' "$WORK/build-profile.log" || true)"
    PROFILE=0
  fi
fi

DLL="$WORK/tool/dotnet-procaudit.dll"
APPHOST="$WORK/tool/dotnet-procaudit"
# --no-runtime (issue 9) skips runtime detection; use it once the tool has it.
FLAGS="--interval 0"
if dotnet "$DLL" --help 2>&1 | grep -q -- '--no-runtime'; then FLAGS="$FLAGS --no-runtime"; fi

# ---- machine facts ----------------------------------------------------------------------------
mkdir -p "$WORK/data"
{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cores=$(nproc)"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "kernel=$(uname -r)"
  echo "mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "dotnet=$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')"
  echo "hyperfine=$(hyperfine --version | awk '{print $2}')"
  echo "lsof=$(lsof -v 2>&1 | sed -n 's/^ *revision: *//p' | head -1)"
  echo "ss=$(ss -V | sed 's/.*iproute2-//')"
  echo "nofile=$(ulimit -n)"
  echo "pid_max=$(cat /proc/sys/kernel/pid_max)"
  echo "rev=$REV"
  echo "flags=$FLAGS"
  echo "runs=$RUNS"
  echo "rounds=$ROUNDS"
} >"$WORK/data/machine.env"

# ---- per size ---------------------------------------------------------------------------------
for x in $SIZES; do
  units=$((x * UNITS_PER_X))
  say "${x}x: building the state ($units units)"
  pid=$("$ROOT/bench/make-state.sh" "$units")
  read -r procs fds pipes sockets < <("$PROCAUDIT_BENCH_STATE/bin/fdfloor")
  rc=0; dotnet "$DLL" "$pid" $FLAGS >"$WORK/data/report-${x}x.txt" 2>&1 || rc=$?
  {
    echo "units=$units"; echo "pid=$pid"; echo "procs=$procs"; echo "fds=$fds"; echo "pipes=$pipes"; echo "sockets=$sockets"
    # lsof also reads every process's maps and stats every mapped file: what else runs here moves it.
    echo "maps=$(cat /proc/[0-9]*/maps 2>/dev/null | wc -l)"
    echo "exit=$rc"; echo "verdict=$(head -1 "$WORK/data/report-${x}x.txt" | cut -c1-120)"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$WORK/data/size-${x}x.env"
  say "${x}x: $procs processes, $fds fds on the machine; audited root $pid (exit $rc)"

  cmds=()
  [[ -n "$NATIVE" ]] && cmds+=(-n "procaudit (native, as shipped for $RID)" "$NATIVE $pid $FLAGS")
  cmds+=(
    -n "procaudit (dotnet dll)" "dotnet $DLL $pid $FLAGS"
    -n "procaudit (apphost)" "$APPHOST $pid $FLAGS"
  )
  [[ -n "$NATIVE" ]] && cmds+=(-n "procaudit start-up only (native --help)" "$NATIVE --help")
  cmds+=(
    -n "procaudit start-up only (dotnet dll --help)" "dotnet $DLL --help"
    -n "lsof -n -P" "lsof -n -P"
    -n "ss -tanp" "ss -tanp"
    -n "C floor: list + readlink every fd" "$PROCAUDIT_BENCH_STATE/bin/fdfloor"
  )
  # In rounds: the machine is shared, so its load drifts; interleaving the commands spreads the
  # drift over all of them instead of charging it to whichever ran during a busy minute.
  per_round=$(( (RUNS + ROUNDS - 1) / ROUNDS ))
  for round in $(seq "$ROUNDS"); do
    say "${x}x: hyperfine round $round/$ROUNDS ($per_round runs of each command)"
    step "$WORK/data/hyperfine-${x}x-$round.log" "$WORK/data/hyperfine-${x}x-$round.log" hyperfine -N -i --style none --warmup "$([[ $round == 1 ]] && echo 3 || echo 1)" --runs "$per_round" \
      --export-json "$WORK/data/hyperfine-${x}x-$round.json" "${cmds[@]}" \
      || { tail -20 "$WORK/data/hyperfine-${x}x-$round.log" >&2; exit 1; }
  done

  say "${x}x: peak RSS"
  : >"$WORK/data/rss-${x}x.tsv"
  rss() { # name, command...
    local name="$1"; shift
    for i in 1 2 3; do
      /usr/bin/time -f %M -o "$WORK/rss.tmp" "$@" >/dev/null 2>&1 || true
      printf '%s\t%s\n' "$name" "$(tail -1 "$WORK/rss.tmp")" >>"$WORK/data/rss-${x}x.tsv"
    done
  }
  [[ -n "$NATIVE" ]] && rss "procaudit (native, as shipped for $RID)" "$NATIVE" "$pid" $FLAGS
  rss "procaudit (dotnet dll)" dotnet "$DLL" "$pid" $FLAGS
  rss "procaudit (apphost)" "$APPHOST" "$pid" $FLAGS
  rss "lsof -n -P" lsof -n -P
  rss "ss -tanp" ss -tanp

  if ((BDN)); then
    say "${x}x: BenchmarkDotNet (capture vs readlink floor)"
    # From the project's directory: BenchmarkDotNet looks for the .csproj below the current one.
    step "$WORK/data/bdn-${x}x.log" "$WORK/data/bdn-${x}x.log" env -C "$WORK/src/bench/ProcAudit.Benchmarks" PROCAUDIT_BENCH_PID="$pid" dotnet bin/Release/net10.0/ProcAudit.Benchmarks.dll \
       --filter '*MachineStateBenchmark*' --artifacts "$WORK/bdn-${x}x" --exporters json \
      || { tail -30 "$WORK/data/bdn-${x}x.log" >&2; exit 1; }
    cp "$WORK/bdn-${x}x/results/"*MachineStateBenchmark*full-compressed.json "$WORK/data/bdn-${x}x.json"
  fi
  if ((PROFILE)); then
    say "${x}x: capture phases"
    step "$WORK/data/profile-${x}x.md" "$WORK/data/profile-${x}x.err" dotnet "$WORK/src/bench/ProcAudit.Profile/bin/Release/net10.0/ProcAudit.Profile.dll" "$pid" 7 || say "profile failed at ${x}x: $(tail -1 "$WORK/data/profile-${x}x.err")"
  fi
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/data/size-${x}x.env"
  "$ROOT/bench/clear-state.sh" >/dev/null
done

# ---- report -----------------------------------------------------------------------------------
mkdir -p "$ROOT/bench/results"
if [[ -z "$OUT" ]]; then
  OUT="$ROOT/bench/results/$(date -u +%Y-%m-%d).md"
  [[ -e "$OUT" ]] && OUT="$ROOT/bench/results/$(date -u +%Y-%m-%d-%H%M).md"
fi
python3 "$ROOT/bench/report.py" "$WORK/data" "$SIZES" >"$OUT"
cat "$OUT"
say "written to ${OUT#"$ROOT"/}"
left=$(ps -e -o comm= | grep -c '^pa-' || true)
[[ "$left" == 0 ]] || say "warning: $left state processes still running"
