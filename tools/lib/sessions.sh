# Sourced by the fixture recorders: each scenario runs in its own session (setsid) and is killed with its whole
# session on exit, however the script ends. Append session ids to SESSIONS and extra paths to CLEANUP_PATHS.
SESSIONS=()
CLEANUP_PATHS=()
TMP=$(mktemp -d)

kill_session() {
    local sid=$1
    # Everything started by setsid shares the session's process group...
    kill -KILL -- "-$sid" 2>/dev/null || true
    # ...except what left the group; an orphan keeps its session, so sweep the session by id too.
    local pid
    for pid in $(ps -o pid= -s "$sid" 2>/dev/null || true); do
        kill -KILL "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local sid
    for sid in "${SESSIONS[@]}"; do
        kill_session "$sid"
    done
    rm -rf "$TMP" "${CLEANUP_PATHS[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}
