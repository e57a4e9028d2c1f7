#!/usr/bin/env bash
# (Re)records the fixture trees under tests/fixtures/ from real hung process trees.
#
# Fixture trees are never written by hand: each one is a real tree, started here, left to hang,
# and recorded by the hidden `record` verb of the CLI (FixtureRecorder), which copies every /proc
# file and fd link the audit read plus the pipe levels the live probe measured. Tests then audit
# the copy with FixtureTree. An edge case is one more recorded tree.
#
# Usage: tools/record-fixtures.sh [--no-build] [NAME...]     (no NAME: every fixture)
#
# A recording is frozen once committed: pids, pipe inodes and counters are whatever they were, and
# tests/ProcAudit.Tests/Procfs pins them as exact values. After re-recording a fixture, update the
# values there (RecordedTreeTests reads its pids and pipe ids from fixture.json and the files).
#
# Needs Linux, bash, setsid, ps (procps), python3 and the .NET SDK. Run as root to record kernel
# stacks and the kernel-thread fixture; as another user the recordings hold what that user can read.
# Every tree is started in its own session (setsid) with stdio on /dev/null, so it holds no pipe of
# this shell, and is killed by session when its recording is done or this script stops.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIXTURES="$ROOT/tests/fixtures"
CLI_DLL="$ROOT/src/ProcAudit.Cli/bin/Debug/net8.0/dotnet-procaudit.dll"
ALL=(pipe-order-inversion-python wait-before-drain-python leaked-write-end-shell reader-not-reading-shell
     hostile-name control-char-name kernel-thread zombie-child-shell epoll-python busy-loop-shell
     stopped-writer-shell sleeping-parent-shell eventfd-handshake-python)

# The real interpreter, not a version manager's shim: the recorded exe link and cmdline then name
# python itself, and the child is started with the same interpreter.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

source "$ROOT/tools/lib/sessions.sh"


# start_tree CMD ARGS...: starts CMD as the leader of a new session and sets TREE to its pid.
start_tree() {
    (
        # Close every descriptor this script inherited beyond stdio (a caller's pipe would
        # otherwise show up in every recording as a pipe the tree holds), then become the tree.
        for fd in $(ls /proc/"$BASHPID"/fd); do
            if ((fd > 2)); then
                eval "exec $fd>&-" 2>/dev/null || true
            fi
        done
        exec setsid "$@"
    ) </dev/null >/dev/null 2>&1 &
    TREE=$!
    # Killed on purpose later: keep bash from reporting each one as a dead job.
    disown "$TREE"
    SESSIONS+=("$TREE")
    # setsid forks (and $! is then not the tree) only when called by a group leader; a background
    # job of a non-interactive script never is, but check: the tests rely on the root pid.
    local sid=""
    local i
    for i in $(seq 50); do
        sid=$(ps -o sid= -p "$TREE" 2>/dev/null | tr -d ' ' || true)
        if [[ "$sid" == "$TREE" ]]; then
            return 0
        fi
        sleep 0.05
    done
    die "pid $TREE did not become a session leader (sid '$sid')"
}

# The wchan of every task of every process in session $1, one per line.
session_wchans() {
    local pid task
    for pid in $(ps -o pid= -s "$1" 2>/dev/null || true); do
        for task in /proc/"$pid"/task/*; do
            cat "$task/wchan" 2>/dev/null && echo || true
        done
    done
}

# wait_for_wchans SID WCHAN...: waits until each WCHAN (an extended regex for the whole name) is
# where some task of the session sleeps (one given twice needs two tasks), i.e. until the hang has
# formed. Gives up after 20 s. Kernels rename these functions (6.x has anon_pipe_read for
# pipe_read, do_epoll_wait for ep_poll), hence the patterns.
wait_for_wchans() {
    local sid=$1
    shift
    local i have ok count want
    for i in $(seq 200); do
        have=$(session_wchans "$sid")
        ok=1
        # "COUNT PATTERN" per distinct pattern; read, not a word split, so no glob expands a pattern.
        while read -r count want; do
            if (($(grep -cxE "$want" <<<"$have" || true) < count)); then
                ok=0
            fi
        done < <(printf '%s\n' "$@" | sort | uniq -c)
        if ((ok)); then
            # A moment more, so the last writes have landed and the levels are final.
            sleep 0.5
            return 0
        fi
        sleep 0.1
    done
    die "session $sid never reached wchans [$*]; it has [$(echo $have)]"
}

PIPE_READ='(anon_)?pipe_read'
PIPE_WRITE='(anon_)?pipe_write'
NANOSLEEP='hrtimer_nanosleep|do_nanosleep'
EPOLL_WAIT='ep_poll|do_epoll_wait'

# record NAME PID: records the tree under PID into tests/fixtures/NAME.
record() {
    local dir="$FIXTURES/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    dotnet "$CLI_DLL" record "$2" "$dir"
}

finish() {
    kill_session "$TREE"
}

record_pipe_order_inversion_python() {
    # The parent drains stdout to EOF before touching stderr; the child fills stderr first.
    local child='import sys
sys.stderr.write("e" * 200000)
sys.stderr.flush()
sys.stdout.write("x")'
    local parent='import subprocess, sys
p = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
out = p.stdout.read()
err = p.stderr.read()
p.wait()'
    start_tree "$PYTHON" -c "$parent" "$child"
    wait_for_wchans "$TREE" "$PIPE_READ" "$PIPE_WRITE"
    record pipe-order-inversion-python "$TREE"
    finish
}

record_wait_before_drain_python() {
    # The parent waits for the child to exit before reading its stdout; the child fills stdout.
    local child='import sys
sys.stdout.write("o" * 200000)
sys.stdout.flush()'
    local parent='import subprocess, sys
p = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE)
p.wait()
out = p.stdout.read()'
    start_tree "$PYTHON" -c "$parent" "$child"
    wait_for_wchans "$TREE" do_wait "$PIPE_WRITE"
    record wait-before-drain-python "$TREE"
    finish
}

record_leaked_write_end_shell() {
    # The background sleep inherits the command substitution's stdout and outlives its parent
    # sh: an orphan outside the tree that holds the write end bash waits on for EOF.
    start_tree bash -c 'x=$(sh -c "sleep 600 & echo hi"); echo "$x"'
    wait_for_wchans "$TREE" "$PIPE_READ" "$NANOSLEEP"
    record leaked-write-end-shell "$TREE"
    finish
}

record_reader_not_reading_shell() {
    # sleep holds the read end of yes's stdout and never reads it.
    start_tree sh -c 'yes | sleep 600'
    wait_for_wchans "$TREE" "$PIPE_WRITE" "$NANOSLEEP"
    record reader-not-reading-shell "$TREE"
    finish
}

record_hostile_name() {
    # comm comes from the executable's file name: "a) b (c" breaks a naive parse of stat.
    # argv[0] carries a tab, a newline and an ESC sequence that must never reach a terminal raw.
    local exe="$TMP/a) b (c"
    cp "$(command -v sleep)" "$exe"
    start_tree bash -c 'exec -a "$0" "$1" 600' $'a) b (c\ttab\nnewline\e[31mred' "$exe"
    wait_for_wchans "$TREE" "$NANOSLEEP"
    record hostile-name "$TREE"
    finish
}

record_control_char_name() {
    # The kernel prints comm raw in stat (escaped only in status): a file name with a tab, a
    # newline and an ESC sequence puts them into the process name every report shows.
    local exe="$TMP"/$'x\ty\nz\e[7mw'
    cp "$(command -v sleep)" "$exe"
    start_tree "$exe" 600
    wait_for_wchans "$TREE" "$NANOSLEEP"
    record control-char-name "$TREE"
    finish
}

record_kernel_thread() {
    # kthreadd: empty cmdline, PF_KTHREAD in the stat flags; its children are the other kernel threads.
    [[ -r /proc/2/stat && "$(cut -d' ' -f2 /proc/2/stat)" == "(kthreadd)" ]] || die "pid 2 is not kthreadd here"
    record kernel-thread 2
}

record_zombie_child_shell() {
    # sh forks a child for `true &` and then execs sleep, which never reaps it: a zombie (state Z,
    # empty cmdline, no fds) under a parent that sleeps.
    start_tree sh -c 'true & exec sleep 600'
    wait_for_wchans "$TREE" "$NANOSLEEP"
    local i
    for i in $(seq 100); do
        if ps -o stat= -s "$TREE" | grep -q '^Z'; then
            break
        fi
        sleep 0.1
    done
    ps -o stat= -s "$TREE" | grep -q '^Z' || die "zombie-child-shell: no zombie appeared"
    record zombie-child-shell "$TREE"
    finish
}

record_epoll_python() {
    # One epoll fd watching the read end of a pipe: fdinfo with a tfd line.
    start_tree "$PYTHON" -c 'import select, os
r, w = os.pipe()
e = select.epoll()
e.register(r)
e.poll()'
    wait_for_wchans "$TREE" "$EPOLL_WAIT"
    record epoll-python "$TREE"
    finish
}

record_busy_loop_shell() {
    # A thread on a CPU while it is read: its syscall file says "running". Being preempted in
    # user space instead gives "-1 SP PC", so record until the file says "running".
    local attempt
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        start_tree sh -c 'while :; do :; done'
        sleep 0.5
        record busy-loop-shell "$TREE"
        finish
        if grep -qx running "$FIXTURES/busy-loop-shell/proc/$TREE/task/$TREE/syscall"; then
            return 0
        fi
        echo "record-fixtures: busy-loop-shell attempt $attempt did not catch the loop running; again" >&2
    done
    die "busy-loop-shell: the loop was never seen running"
}

record_stopped_writer_shell() {
    # cat drains the pipe and waits for more, but its writer yes is stopped (SIGSTOP, as Ctrl-Z
    # or job control would): yes still shows the write it was in, and nothing moves until SIGCONT.
    start_tree sh -c 'yes | cat > /dev/null'
    local yes="" i
    for i in $(seq 100); do
        yes=$(ps -o pid=,comm= -s "$TREE" | awk '$2 == "yes" { print $1 }')
        [[ -n "$yes" ]] && break
        sleep 0.05
    done
    [[ -n "$yes" ]] || die "stopped-writer-shell: yes did not start"
    kill -STOP "$yes"
    wait_for_wchans "$TREE" "$PIPE_READ" do_signal_stop do_wait
    record stopped-writer-shell "$TREE"
    finish
}

record_sleeping_parent_shell() {
    # A parent waiting for a child that sleeps: idle, not hung (the sleep ends by itself).
    start_tree bash -c 'sleep 600; echo done'
    wait_for_wchans "$TREE" do_wait "$NANOSLEEP"
    record sleeping-parent-shell "$TREE"
    finish
}

record_eventfd_handshake_python() {
    # The parent waits on an eventfd for the worker's "ready" before it writes "go" into a pipe;
    # the worker waits for "go" first. Needs Python 3.10 (os.eventfd) and Linux 6.0 (eventfd-id).
    start_tree "$PYTHON" -c 'import os
efd = os.eventfd(0)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w)
    os.read(r, 1)
    os.eventfd_write(efd, 1)
    os._exit(0)
os.close(r)
os.eventfd_read(efd)
os.write(w, b"x")
os.waitpid(pid, 0)'
    wait_for_wchans "$TREE" "$PIPE_READ" 'do_wait_intr_irq|eventfd_read'
    record eventfd-handshake-python "$TREE"
    finish
}

BUILD=1
NAMES=()
for arg in "$@"; do
    case "$arg" in
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) NAMES+=("$arg") ;;
    esac
done
if ((${#NAMES[@]} == 0)); then
    NAMES=("${ALL[@]}")
fi

if ((BUILD)); then
    dotnet build "$ROOT/src/ProcAudit.Cli" -nologo -v quiet >/dev/null
fi
[[ -f "$CLI_DLL" ]] || die "$CLI_DLL is missing: build src/ProcAudit.Cli"

for name in "${NAMES[@]}"; do
    fn="record_${name//-/_}"
    declare -F "$fn" >/dev/null || die "no fixture named $name (known: ${ALL[*]})"
    echo "== $name"
    "$fn"
done
