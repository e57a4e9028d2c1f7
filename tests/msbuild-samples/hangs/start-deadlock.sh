#!/bin/sh
# Starts deadlock.py in the background, detached from this script's output (so the Exec that
# runs this returns), waits until the parent has its child and both had time to block, and
# prints the parent's pid for AuditProcessTree.
python3 "$(dirname "$0")/deadlock.py" </dev/null >/dev/null 2>&1 &
parent=$!
i=0
while [ $i -lt 100 ]; do
  if [ -n "$(cat /proc/$parent/task/$parent/children 2>/dev/null)" ]; then
    break
  fi
  sleep 0.1
  i=$((i + 1))
done
# The child fills 64 KiB of stderr in well under a second once it runs.
sleep 1
echo "$parent"
