#!/usr/bin/env bash
# Kills the synthetic state made by bench/make-state.sh, by session: every process whose session
# is one the keeper recorded (each unit's, and the keeper's own) and whose name is one statehog
# gives (pa-*), so a pid or session id reused since by anything else is never touched. Units first
# (SIGKILL), then the keeper, which reaps them and exits by itself. Prints how many state processes
# are left (0) and fails if any is.
set -uo pipefail
state="${PROCAUDIT_BENCH_STATE:-/tmp/procaudit-bench-state}"
[[ -d "$state" ]] || { echo 0; exit 0; }

# pid of every live process of ours: session recorded and a statehog name.
ours() {
  local sids
  sids=$( { cat "$state/pgids" 2>/dev/null; cat "$state/keeper.pid" 2>/dev/null; } | tr '\n' ' ')
  [[ -n "${sids// }" ]] || return 0
  ps -e -o pid=,sid=,stat=,comm= | awk -v s=" $sids" '
    BEGIN { n = split(s, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
    ($2 in want) && $4 ~ /^pa-/ && $3 !~ /^Z/ { print $1 }'
}

keeper=$(cat "$state/keeper.pid" 2>/dev/null || true)
for pid in $(ours); do
  [[ "$pid" == "$keeper" ]] || kill -KILL "$pid" 2>/dev/null
done
# The keeper reaps the units and exits once none is left; stop it if it has not after 5 s.
if [[ -n "$keeper" ]]; then
  for _ in $(seq 50); do
    [[ "$(cat "/proc/$keeper/comm" 2>/dev/null)" == pa-keeper ]] || break
    sleep 0.1
  done
  [[ "$(cat "/proc/$keeper/comm" 2>/dev/null)" == pa-keeper ]] && kill -KILL "$keeper" 2>/dev/null
fi
sleep 0.2
left=$(ours | wc -l)
[[ "$left" == 0 ]] && rm -f "$state/pgids" "$state/keeper.pid"
echo "$left"
[[ "$left" == 0 ]]
