#!/bin/sh
# A known block of output (line-0001 .. line-2000), then a background process that keeps the
# script's stdout open after the script itself exits: the output must all arrive anyway.
seq -f 'line-%04g' 1 2000
sleep 30 &
