#!/bin/bash
# metrics_listen cannot be wedged by idle connections: 80 of them held past
# the connection timeout, then closed, and /metrics still answers (it used
# to stop accepting for good once libmicrohttpd had reached its connection
# limit); the control socket answers during the flood.
# not-in-lanes: vm (the metrics HTTP server against stuck clients is the same on v1 and v2; CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-metrics-wedge.sh)
. "$(dirname "$0")/lib.sh"

command -v python3 > /dev/null || skip_test "needs python3"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{ cfg_header; printf 'metrics_listen = 127.0.0.1:%s\n\n[service:one]\nexec = sleep 1000\n' "$port"; } > "$T/c.ini"
cgw_start run -c "$T/c.ini"
wait_until 10 has_main_pid one || not_ok "the service runs" "$(tail -n 20 "$T/cgw.err")"
# libmicrohttpd is dlopen()ed for metrics_listen only (test-guard-pids: not without)
check "metrics_listen: libmicrohttpd is loaded" grep -q "libmicrohttpd" "/proc/$CGW_PID/maps"

cat > "$T/get.py" <<'EOF'
import sys, urllib.request
try:
    body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=3).read()
    sys.exit(0 if b"cgwarden_services" in body else 1)
except Exception as e:
    print(e, file=sys.stderr)
    sys.exit(1)
EOF
wait_until 10 python3 "$T/get.py" "$port" || not_ok "/metrics answers" "$(tail -n 20 "$T/cgw.err")"

cat > "$T/flood.py" <<'EOF'
import socket, sys, time
socks = []
for _ in range(80):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        socks.append(s)
    except OSError:
        pass
print("connected", len(socks), flush=True)
time.sleep(float(sys.argv[2]))
for s in socks:
    s.close()
print("closed", flush=True)
EOF
python3 "$T/flood.py" "$port" 12 > "$T/flood.out" &
flood=$!
wait_until 10 grep -q connected "$T/flood.out" || not_ok "the flood is in place"
check "the control socket answers during the flood" timeout 10 "$CGW" status --state-dir "$T/state"
wait_until 30 sh -c "! kill -0 $flood 2>/dev/null"
wait "$flood"
say "$(tr '\n' ' ' < "$T/flood.out")"
check "/metrics answers after 80 idle connections held past the timeout" wait_until 10 python3 "$T/get.py" "$port"
check "and again" python3 "$T/get.py" "$port"

cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
