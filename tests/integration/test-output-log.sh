#!/bin/bash
# A service's stdout and stderr go to <log_dir>/<name>.log with a UTC
# timestamp per line, rotated by size; a chatty service never blocks.
. "$(dirname "$0")/lib.sh"

{ cfg_header; cat <<EOF
[service:chat]
exec = sh -c 'echo hello-out; echo hello-err >&2; i=0; while [ \$i -lt 3000 ]; do echo "line \$i padding padding padding padding"; i=\$((i+1)); done; echo done-chat; exec sleep 1000'
log_max_size = 128K
log_keep = 2
EOF
} > "$T/c.ini"

cgw_start run -c "$T/c.ini"
wait_until 20 sh -c "cat $T/log/chat.log* 2>/dev/null | grep -q 'stdout: done-chat'" || not_ok "output arrives"
cat "$T"/log/chat.log* > "$T/all.log" 2>/dev/null
check "stdout line with timestamp" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z stdout: hello-out$' "$T/all.log"
check "stderr line marked" grep -Eq 'Z stderr: hello-err$' "$T/all.log"
check "cgwarden's own note about the start" grep -q 'Z cgwarden: started pid' "$T/all.log"
check "rotated: chat.log.1 exists" test -f "$T/log/chat.log.1"
check "rotated: at most log_keep old files" test ! -f "$T/log/chat.log.3"
sz=$(stat -c %s "$T/log/chat.log")
check "current log is within log_max_size" test "$sz" -le 131072
check "the newest lines are kept" grep -q 'line 2999 ' "$T/all.log"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
