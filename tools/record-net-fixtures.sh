#!/usr/bin/env bash
# (Re)records the socket-table fixtures under tests/fixtures/net/ from real sockets.
#
# Each fixture is one scenario played by real processes (python3): sockets are set up, data is
# written and left unread, and once every queue has stopped moving the scenario writes a
# manifest.json (pids, ports, inodes, and what SIOCINQ/SIOCOUTQ said on each socket) and the raw
# NETLINK_SOCK_DIAG dumps it received (unix-diag.hex for the unix scenario, tcp-diag.hex for the
# TCP one; one netlink datagram per line, in hex). This script then copies /proc/PID/net/{tcp,tcp6,udp,udp6,unix} into
# tests/fixtures/net/NAME/proc/PID/net/, the layout ProcfsReader reads, and kills the scenario.
#
# Usage: tools/record-net-fixtures.sh [NAME...]     (no NAME: every fixture)
#
# As root, every scenario runs in a network namespace of its own (unshare -n, loopback brought up),
# so the recorded tables hold its sockets and nothing else, and the fixed ports are always free.
# Without root it runs in the current namespace and the tables hold the machine's other sockets too.
# A recording is frozen once committed: tests/ProcAudit.Tests/Sockets pins its values exactly (most
# of them read back from manifest.json); after re-recording, update the tests that quote numbers.
#
# Needs Linux, bash, setsid, ps (procps), python3, and ip (iproute2) for the namespace.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIXTURES="$ROOT/tests/fixtures/net"
ALL=(tcp-reader-not-reading unix-socketpair-full tcp6-loopback udp-queued)
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

source "$ROOT/tools/lib/sessions.sh"
CLEANUP_PATHS+=(/tmp/procaudit-net-fixture)


cat >"$TMP/scenarios.py" <<'PY'
"""The scenarios. argv: NAME OUTDIR. Writes OUTDIR/manifest.json (and unix-diag.hex), then
OUTDIR/ready, then sleeps until killed. Children report to the parent through a pipe."""
import fcntl, json, os, signal, socket, struct, sys, threading, time

SIOCINQ = 0x541B
SIOCOUTQ = 0x5411


def ioctl_int(s, request):
    try:
        return struct.unpack("i", fcntl.ioctl(s.fileno(), request, b"\0" * 4))[0]
    except OSError as e:
        return "errno %d" % e.errno


def queues(s):
    return {"inode": os.fstat(s.fileno()).st_ino, "siocinq": ioctl_int(s, SIOCINQ), "siocoutq": ioctl_int(s, SIOCOUTQ)}


def settle(measure, rounds=5, interval=0.2, limit=100):
    """Waits until measure() returns the same value `rounds` times in a row."""
    last, same = None, 0
    for _ in range(limit):
        value = measure()
        same = same + 1 if value == last else 0
        if same >= rounds:
            return value
        last = value
        time.sleep(interval)
    raise SystemExit("queues never settled: %r" % (last,))


# Every socket a scenario makes stays referenced here: a local that goes out of scope is closed.
KEEP = []


def keep(*sockets):
    KEEP.extend(sockets)


def block_forever():
    while True:
        signal.pause()


def blocked_writer(s, total):
    """A thread that writes until it blocks; it stays blocked in sendall."""
    t = threading.Thread(target=lambda: s.sendall(b"w" * total), daemon=True)
    t.start()
    return t


def child(report_fd, body):
    """Forks; the child runs body() -> dict, reports it as one JSON line, and blocks."""
    pid = os.fork()
    if pid == 0:
        info = body()
        info["pid"] = os.getpid()
        os.write(report_fd, (json.dumps(info) + "\n").encode())
        block_forever()
    return pid


def read_report(r):
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(r, 65536)
        if not chunk:
            raise SystemExit("child died before reporting")
        data += chunk
    return json.loads(data)


def diag_dump(req, seq):
    """Raw NETLINK_SOCK_DIAG dump for one request, one hex line per received datagram."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
    hdr = struct.pack("=IHHII", 16 + len(req), 20, 0x301, seq, 0)  # SOCK_DIAG_BY_FAMILY, REQUEST|DUMP
    s.sendto(hdr + req, (0, 0))
    lines, done = [], False
    while not done:
        data = s.recv(65536)
        lines.append(data.hex())
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if kind in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
                done = True
            if length < 16:
                break
            off += (length + 3) & ~3
    s.close()
    return lines


def unix_diag_dump():
    """Every unix socket (unix_diag_req), sequence 1."""
    show = 0x1 | 0x4 | 0x10 | 0x20  # NAME | PEER | RQLEN | MEMINFO
    req = struct.pack("=BBHIII", socket.AF_UNIX, 0, 0, 0xFFFFFFFF, 0, show) + struct.pack("=II", 0xFFFFFFFF, 0xFFFFFFFF)
    return diag_dump(req, 1)


def tcp_diag_dump():
    """Every TCP socket (inet_diag_req_v2 with INET_DIAG_INFO and INET_DIAG_SKMEMINFO): IPv4 with
    sequence 2, then IPv6 with sequence 3."""
    lines = []
    for family, seq in ((socket.AF_INET, 2), (socket.AF_INET6, 3)):
        req = struct.pack("=BBBBI", family, socket.IPPROTO_TCP, (1 << 1) | (1 << 6), 0, 0xFFFFFFFF)
        req += b"\0" * 40 + struct.pack("=II", 0xFFFFFFFF, 0xFFFFFFFF)
        lines += diag_dump(req, seq)
    return lines


def tcp_reader_not_reading(out):
    port = 40401
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(4)
    r, w = os.pipe()

    def client():
        lst.close()
        c = socket.create_connection(("127.0.0.1", port))
        blocked_writer(c, 64 << 20)
        settle(lambda: ioctl_int(c, SIOCOUTQ))
        keep(c)
        info = queues(c)
        info["localPort"] = c.getsockname()[1]
        return info

    writer = child(w, client)
    accepted, _ = lst.accept()
    # A second connection the listener never accepts: its accept backlog holds one.
    pending = socket.create_connection(("127.0.0.1", port))
    keep(lst, accepted, pending)
    report = read_report(r)
    settle(lambda: ioctl_int(accepted, SIOCINQ))
    with open(os.path.join(out, "tcp-diag.hex"), "w") as f:
        f.write("\n".join(tcp_diag_dump()) + "\n")
    manifest = {
        "scenario": "tcp-reader-not-reading",
        "pid": os.getpid(),
        "port": port,
        "listener": queues(lst),
        "accepted": dict(queues(accepted), peerPort=accepted.getpeername()[1]),
        "pending": dict(queues(pending), localPort=pending.getsockname()[1]),
        "writer": report,
    }
    return manifest, [writer]


def unix_socketpair_full(out):
    reader, writer_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    r, w = os.pipe()

    def client():
        reader.close()
        blocked_writer(writer_end, 300 * 1024)
        keep(writer_end)
        settle(lambda: ioctl_int(writer_end, SIOCOUTQ))
        return queues(writer_end)

    writer = child(w, client)
    writer_end.close()
    report = read_report(r)
    settle(lambda: ioctl_int(reader, SIOCINQ))

    # A listener bound to a path with spaces: one accepted connection with 1000 unread bytes,
    # one connection never accepted.
    os.makedirs("/tmp/procaudit-net-fixture", exist_ok=True)
    path = "/tmp/procaudit-net-fixture/listen sock with spaces"
    if os.path.exists(path):
        os.unlink(path)
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lst.bind(path)
    lst.listen(8)
    c1 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c1.connect(path)
    s1, _ = lst.accept()
    c1.sendall(b"z" * 1000)
    c2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c2.connect(path)

    # An abstract datagram socket with three 100-byte datagrams queued.
    dgram_name = "\0procaudit-fixture-dgram"
    d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    d.bind(dgram_name)
    e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for _ in range(3):
        e.sendto(b"d" * 100, dgram_name)
    keep(reader, lst, c1, s1, c2, d, e)
    time.sleep(0.2)

    with open(os.path.join(out, "unix-diag.hex"), "w") as f:
        f.write("\n".join(unix_diag_dump()) + "\n")
    manifest = {
        "scenario": "unix-socketpair-full",
        "pid": os.getpid(),
        "pair": {"reader": queues(reader), "writer": report, "written": 300 * 1024},
        "listenPath": path,
        "listener": queues(lst),
        "accepted": queues(s1),
        "connected": queues(c1),
        "pending": queues(c2),
        "dgramName": "@" + dgram_name[1:],
        "dgram": queues(d),
        "dgramSender": queues(e),
    }
    return manifest, [writer]


def tcp6_loopback(out):
    l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    l6.bind(("::1", 40601))
    l6.listen(4)
    c6 = socket.create_connection(("::1", 40601))
    s6, _ = l6.accept()
    c6.sendall(b"6" * 5000)

    # A dual-stack listener: an IPv4 client shows up on the server side as ::ffff:127.0.0.1 in tcp6.
    dual = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    dual.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    dual.bind(("::", 40602))
    dual.listen(4)
    c4 = socket.create_connection(("127.0.0.1", 40602))
    s4, _ = dual.accept()
    c4.sendall(b"4" * 3000)
    s4.sendall(b"r" * 700)
    keep(l6, c6, s6, dual, c4, s4)
    settle(lambda: (ioctl_int(s6, SIOCINQ), ioctl_int(s4, SIOCINQ), ioctl_int(c4, SIOCINQ)))
    manifest = {
        "scenario": "tcp6-loopback",
        "pid": os.getpid(),
        "v6": {"port": 40601, "listener": queues(l6), "client": dict(queues(c6), localPort=c6.getsockname()[1]),
               "server": queues(s6)},
        "mapped": {"port": 40602, "listener": queues(dual), "client": dict(queues(c4), localPort=c4.getsockname()[1]),
                   "server": queues(s4)},
    }
    return manifest, []


def udp_queued(out):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 40701))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.connect(("127.0.0.1", 40701))
    for _ in range(5):
        sender.send(b"u" * 100)

    # A receive buffer too small for the flood: the rest are dropped and counted.
    small = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    small.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    small.bind(("127.0.0.1", 40702))
    flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(100):
        flood.sendto(b"f" * 200, ("127.0.0.1", 40702))

    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u6.bind(("::1", 40703))
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for _ in range(2):
        s6.sendto(b"6" * 300, ("::1", 40703))
    keep(u, sender, small, flood, u6, s6)
    time.sleep(0.3)
    manifest = {
        "scenario": "udp-queued",
        "pid": os.getpid(),
        "v4": {"port": 40701, "receiver": queues(u), "sender": dict(queues(sender), localPort=sender.getsockname()[1]),
               "datagrams": 5, "size": 100},
        "small": {"port": 40702, "receiver": dict(queues(small), rcvbuf=small.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)),
                  "sender": dict(queues(flood), localPort=flood.getsockname()[1]), "datagrams": 100, "size": 200},
        "v6": {"port": 40703, "receiver": queues(u6), "sender": dict(queues(s6), localPort=s6.getsockname()[1]),
               "datagrams": 2, "size": 300},
    }
    return manifest, []


def main():
    name, out = sys.argv[1], sys.argv[2]
    manifest, children = globals()[name.replace("-", "_")](out)
    manifest["children"] = children
    manifest["netns"] = os.readlink("/proc/self/ns/net")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    open(os.path.join(out, "ready"), "w").close()
    block_forever()


main()
PY

# start_scenario NAME OUTDIR: starts the scenario as the leader of a new session (in a new network
# namespace as root) and sets SCENARIO to its pid.
start_scenario() {
    local launch=("$PYTHON" "$TMP/scenarios.py" "$1" "$2")
    if (( EUID == 0 )) && unshare -n true 2>/dev/null; then
        # unshare without --fork execs its command, and sh execs python: the session leader's pid
        # is python's, and python's /proc/PID/net is the namespace's.
        launch=(unshare -n sh -c 'ip link set lo up && exec "$@"' sh "${launch[@]}")
    else
        echo "record-net-fixtures: not root or no unshare: recording in the current network namespace" >&2
    fi
    (
        for fd in $(ls /proc/"$BASHPID"/fd); do
            if ((fd > 2)); then
                eval "exec $fd>&-" 2>/dev/null || true
            fi
        done
        exec setsid "${launch[@]}"
    ) </dev/null >/dev/null 2>"$TMP/$1.stderr" &
    SCENARIO=$!
    disown "$SCENARIO"
    SESSIONS+=("$SCENARIO")
}

record() {
    local name=$1
    local dir="$FIXTURES/$name"
    local work="$TMP/$name"
    rm -rf "$dir" "$work"
    mkdir -p "$work"
    start_scenario "$name" "$work"
    local i
    for i in $(seq 300); do
        [[ -f "$work/ready" ]] && break
        kill -0 "$SCENARIO" 2>/dev/null || die "$name died: $(cat "$TMP/$name.stderr")"
        sleep 0.1
    done
    [[ -f "$work/ready" ]] || die "$name never became ready: $(cat "$TMP/$name.stderr")"
    mkdir -p "$dir/proc/$SCENARIO/net"
    local file
    for file in tcp tcp6 udp udp6 unix; do
        cat "/proc/$SCENARIO/net/$file" >"$dir/proc/$SCENARIO/net/$file"
    done
    cp "$work/manifest.json" "$dir/"
    local hex
    for hex in unix-diag.hex tcp-diag.hex; do
        if [[ -f "$work/$hex" ]]; then
            cp "$work/$hex" "$dir/"
        fi
    done
    kill_session "$SCENARIO"
    echo "$name: pid $SCENARIO -> ${dir#"$ROOT"/}"
}

NAMES=()
for arg in "$@"; do
    case "$arg" in
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) NAMES+=("$arg") ;;
    esac
done
if ((${#NAMES[@]} == 0)); then
    NAMES=("${ALL[@]}")
fi
for name in "${NAMES[@]}"; do
    [[ " ${ALL[*]} " == *" $name "* ]] || die "no fixture named $name (known: ${ALL[*]})"
    record "$name"
done
