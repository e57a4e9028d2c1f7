# A pipeline whose writer gets stopped (as Ctrl-Z or job control would): cat waits for more input,
# yes keeps the write it was in, and sh waits for both. Nothing moves until SIGCONT.
yes | cat > /dev/null &
sleep 1
pkill -STOP -P $$ -x yes
wait
