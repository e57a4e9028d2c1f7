#!/usr/bin/env bash
# Builds a synthetic machine state for the benchmarks (issue 9) and prints the root pid of one
# blocked unit tree to audit.
#
#   bench/make-state.sh UNITS [PAD_PIPES]        # e.g. 20 (1x), 80 (4x), 320 (16x)
#   bench/clear-state.sh                         # kills it all, by process group
#
# A unit is 7 processes in their own session, blocked as hung builds are (a pipe-order-inversion
# deadlock, a full pipe nobody reads, an idle reader, a TCP connection with 32 KiB unread, an
# epoll waiter; see bench/state/statehog.c), each process holding PAD_PIPES (default 8) idle pipes,
# a socketpair and /dev/null besides: about 160 fds per unit. Only one state at a time; a new one
# replaces the old. State is kept in $PROCAUDIT_BENCH_STATE (default /tmp/procaudit-bench-state).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
units="${1:?usage: make-state.sh UNITS [PAD_PIPES]}"
pad="${2:-8}"
state="${PROCAUDIT_BENCH_STATE:-/tmp/procaudit-bench-state}"
bin="$state/bin"

# Limits: 7 processes a unit against pid_max and the thread limit, ~160 fds a unit against
# file-max, and the few MiB of pipe and socket buffers a unit pins (2 full 64 KiB pipes, 40 KiB
# queued in sockets, ~1 MiB of process memory).
pid_max=$(cat /proc/sys/kernel/pid_max)
threads_max=$(cat /proc/sys/kernel/threads-max)
file_max=$(cat /proc/sys/fs/file-max)
mem_kib=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
procs=$((units * 7))
fds=$((units * 7 * (7 + 2 * pad)))
if (( procs + $(ls -d /proc/[0-9]* | wc -l) + 1000 > pid_max || procs * 2 > threads_max )); then
  echo "make-state: $procs processes would not fit (pid_max $pid_max, threads-max $threads_max)" >&2; exit 1
fi
if (( fds * 4 > file_max )); then
  echo "make-state: $fds fds is too close to fs.file-max $file_max" >&2; exit 1
fi
if (( units * 1536 * 2 > mem_kib )); then
  echo "make-state: $units units need about $((units * 3 / 2)) MiB; only $((mem_kib / 1024)) MiB available" >&2; exit 1
fi

"$here/clear-state.sh" >/dev/null 2>&1 || true
mkdir -p "$bin"
for prog in statehog fdfloor; do
  if [[ ! -x "$bin/$prog" || "$here/state/$prog.c" -nt "$bin/$prog" ]]; then
    gcc -O2 -Wall -o "$bin/$prog" "$here/state/$prog.c"
  fi
done

# Whatever happens from here, an interrupted start leaves nothing behind.
trap '"$here/clear-state.sh" >/dev/null 2>&1; exit 130' INT TERM
if ! root=$("$bin/statehog" "$units" "$pad" "$state"); then
  cat "$state/keeper.log" >&2 2>/dev/null || true
  "$here/clear-state.sh" >/dev/null 2>&1 || true
  exit 1
fi
# Every process has signalled just before its blocking call: wait until the root and its first
# child (the writer filling its stderr) both sleep, then a little longer for the other units.
for _ in $(seq 50); do
  writer=$(awk '{print $1}' "/proc/$root/task/$root/children" 2>/dev/null || true)
  if [[ -n "$writer" && "$(awk '{print $3}' "/proc/$root/stat")" == S && "$(awk '{print $3}' "/proc/$writer/stat")" == S ]]; then
    break
  fi
  sleep 0.1
done
sleep 0.5
trap - INT TERM
echo "$root"
