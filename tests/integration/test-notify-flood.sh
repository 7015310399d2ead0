#!/bin/bash
# A service sending READY=1 in a loop cannot flood cgwarden's log: what it
# says through sd_notify is logged 20 times per 10 s at most, the rest is
# counted in one line, and the control socket answers meanwhile.
# not-in-lanes: vm (the sd_notify socket under a flood is the same on v1 and v2; CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-notify-flood.sh)
. "$(dirname "$0")/lib.sh"

command -v python3 > /dev/null || skip_test "needs python3"
cat > "$T/flood.py" <<'EOF'
import os, socket, time
path = os.environ["NOTIFY_SOCKET"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n, stop = 0, time.time() + 5
while time.time() < stop:
    try:
        s.sendto(b"READY=1\nSTATUS=looping", path)
        n += 1
    except BlockingIOError:
        time.sleep(0.001)
print("sent", n, flush=True)
time.sleep(1000)
EOF
{ cfg_header; printf '[service:loop]\nexec = python3 %s\nready = notify\n' "$T/flood.py"; } > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 10 has_main_pid loop || not_ok "the service runs" "$(tail -n 20 "$T/cgw.err")"
check "the control socket answers during the flood" timeout 10 "$CGW" status --state-dir "$T/state"
wait_until 20 grep -q "^sent" "$T/log/loop.log" 2> /dev/null || wait_until 20 grep -q "sent" "$T/log/loop.log"
sent=$(grep -o "sent [0-9]*" "$T/log/loop.log" | awk '{print $2}')
say "the service sent READY=1 $sent times in 5 s"
check "it sent hundreds" test "${sent:-0}" -ge 500
# the next interval begins within 10 s: its first message reports the count
"$CGW" status --state-dir "$T/state" > /dev/null
ready_lines=$(grep -c "Service 'loop' is ready" "$T/cgw.err")
say "'is ready' lines: $ready_lines"
check "at most 20 'is ready' lines per 10 s" test "$ready_lines" -le 40
check "state is running" sh -c "'$CGW' status --state-dir '$T/state' | grep -q 'loop .*running'"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
lines=$(wc -l < "$T/cgw.err")
say "cgwarden's log: $lines lines"
check "cgwarden's log stays short" test "$lines" -le 100
