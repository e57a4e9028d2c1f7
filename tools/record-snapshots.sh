#!/usr/bin/env bash
# Records the snapshot fixtures under tests/fixtures/snapshots from real process trees:
# each tree is started in its own session with no inherited fds, audited with
# `procaudit <pid> --snapshot`, then killed with its whole session.
# Usage: tools/record-snapshots.sh [name...]   (default: all)
# Needs: the .NET SDK, coreutils, gzip, a C compiler (cc, for c-mutex-abba), and Go (only for the Go
# fixtures; apt-get install golang-go).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/tests/fixtures/snapshots"
work=$(mktemp -d)
mkdir -p "$out"
dotnet build -v q "$repo/src/ProcAudit.Cli" >/dev/null
tool() { dotnet "$repo/src/ProcAudit.Cli/bin/Debug/net8.0/dotnet-procaudit.dll" "$@"; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do
    # Everything in the tree's session, orphans included.
    for q in $(ps -eo pid=,sid= | awk -v s="$p" '$2 == s { print $1 }'); do kill -9 "$q" 2>/dev/null || true; done
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start CMD...: runs CMD in a new session, stdio on /dev/null, no other fd inherited; prints its pid.
start() {
  python3 -c '
import subprocess, sys
p = subprocess.Popen(sys.argv[1:], start_new_session=True, close_fds=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(p.pid)' "$@"
}

wanted() { [ ${#names[@]} -eq 0 ] || [[ " ${names[*]} " == *" $1 "* ]]; }
names=("$@")

record() { # name pid
  local name=$1 pid=$2
  tool "$pid" --snapshot "$out/$name.json" >/dev/null || true
  echo "recorded $name (root $pid): $(grep -o '"root": [0-9]*' "$out/$name.json" | head -1)"
}

go_fixture() { # name [settle seconds]: builds tests/fixtures/programs/NAME.go, runs it, records it
  local name=$1 settle=${2:-2}
  if ! command -v go >/dev/null; then
    echo "go not found: $name not recorded" >&2
    return
  fi
  mkdir -p "$work/$name" && cp "$repo/tests/fixtures/programs/$name.go" "$work/$name/main.go"
  (cd "$work/$name" && go mod init "$name" >/dev/null 2>&1 && go build -o "$name" .)
  local pid
  pid=$(start "$work/$name/$name"); pids+=("$pid"); sleep "$settle"
  record "$name" "$pid"
}

c_fixture() { # name: builds tests/fixtures/programs/NAME.c, runs it, records it
  local name=$1
  mkdir -p "$work/$name"
  cc -O0 -pthread -o "$work/$name/$name" "$repo/tests/fixtures/programs/$name.c"
  local pid
  pid=$(start "$work/$name/$name"); pids+=("$pid"); sleep 2
  record "$name" "$pid"
}

wanted go-pipe-order-inversion && go_fixture go-pipe-order-inversion
wanted go-writer-parked && go_fixture go-writer-parked
wanted go-tcp-sender && go_fixture go-tcp-sender
# With goroutines (the Go view is on by default): the broadcaster starts adding members after 2 s.
wanted go-broadcaster && go_fixture go-broadcaster 4
wanted go-transfer-lock-order && go_fixture go-transfer-lock-order

# Two threads of a C program locking two pthread mutexes in opposite order: a thread lock cycle.
wanted c-mutex-abba && c_fixture c-mutex-abba

if wanted healthy-pipeline; then
  pid=$(start /bin/sh -c 'yes | gzip -1 | cat > /dev/null'); pids+=("$pid"); sleep 1
  record healthy-pipeline "$pid"
fi
