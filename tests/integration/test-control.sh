#!/bin/bash
# The control socket and the CLI that talks to it: status (table, JSON,
# one service), start/stop/restart, capture NAME, an unknown service, a
# client without the right to talk refused, control_group letting one in,
# garbage and an oversized request answered with an error without harming
# the daemon, 50 status clients at once during a capture, and a clear
# message when no supervisor runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

chmod 755 "$T"  # the unprivileged clients below must reach state_dir
PORT=$((20000 + $$ % 20000))
{ cfg_header; cat <<EOF
control_group = nogroup
metrics_file = $T/metrics/cgwarden.prom
metrics_interval = 1s
metrics_listen = 127.0.0.1:$PORT

[service:web]
exec = /bin/sleep 1000
memory_max = 256M
stop_timeout = 2s

[service:crashy]
exec = $HELPERS/crasher after 200 1
restart = always
restart_delay = 100ms
start_limit = none
stop_timeout = 2s

[service:worker]
exec = $HELPERS/leaker 1 64
memory_max = 512M
pids_max = 100
stop_timeout = 2s
EOF
} > "$T/c.ini"
out=$("$CGW" status -c "$T/c.ini" 2>&1); rc=$?
check_eq "no supervisor: exit 1" 1 "$rc"
check "no supervisor: says so" sh -c "echo '$out' | grep -q 'no supervisor running'"

cgw_start run -c "$T/c.ini"
wait_until 20 test -S "$T/state/control.sock" || not_ok "control socket created" "$(tail -3 "$T/cgw.err")"
wait_until 20 sh -c "'$CGW' status -c '$T/c.ini' | grep -q 'worker .*running'" || not_ok "both running"
check_eq "socket mode 0660, group control_group" "660 nogroup" "$(stat -c '%a %G' "$T/state/control.sock")"
"$CGW" status -c "$T/c.ini" > "$T/status.txt"; rc=$?
check_eq "status: exit 0" 0 "$rc"
say "$(head -3 "$T/status.txt")"
check "status: a header and a line per service" test "$(wc -l < "$T/status.txt")" = 4
check "status: web running with its limit" grep -Eq "^web +running +[0-9]+ .* 256M +256M" "$T/status.txt"
"$CGW" status --state-dir "$T/state" --json > "$T/status.json"
check "status --json: stable fields" python3 -c "
import json,sys
s=json.load(open('$T/status.json'))
need={'name','state','throttled','pid','uptime_s','restarts','memory_current','memory_high','memory_max',
      'memory_effective_limit','memory_effective_source','pids_current','pids_max','growth_bytes_per_s','eta_s',
      'oom_kills','captures','throttled_s','last_event','last_event_age_s','last_capture','status_text'}
assert [x['name'] for x in s]==['web','crashy','worker'], s
for x in s: assert need <= set(x), need-set(x)
w=s[2]; assert w['memory_max']==512*1024*1024 and w['pids_max']==100 and w['pid']>0 and w['memory_current']>0
"
wait_until 20 sh -c "'$CGW' status --state-dir '$T/state' --json crashy | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[0][\"restarts\"] >= 2 else 1)'" ||
        not_ok "status: a crashing service's restarts are counted"
check "status: a crashing service shows its state and restarts" sh -c "'$CGW' status --state-dir '$T/state' crashy | grep -Eq '^crashy +(running|backoff|starting) +[0-9-]+ +[^ ]+ +[2-9][0-9]* +- '"
check_eq "status NAME: one service" 1 "$("$CGW" status --state-dir "$T/state" --json worker | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
out=$("$CGW" status --state-dir "$T/state" nosuch 2>&1); rc=$?
check_eq "status of an unknown service: exit 1" 1 "$rc"
check "... names it" sh -c "echo \"$out\" | grep -q \"no service 'nosuch'\""

pid1=$(svc_main_pid web)
check_eq "stop web" "web: stopping" "$("$CGW" stop --state-dir "$T/state" web)"
wait_until 10 sh -c "'$CGW' status --state-dir '$T/state' web | grep -q 'web .*stopped'" || not_ok "web stopped"
check "stopped: its process is gone" is_dead "$pid1"
"$CGW" start --state-dir "$T/state" web > /dev/null
wait_until 10 has_main_pid web || not_ok "web started again"
pid2=$(svc_main_pid web)
"$CGW" restart --state-dir "$T/state" web > /dev/null
wait_until 10 sh -c "[ -n \"\$(cat '$(svc_cg web)/cgroup.procs' 2>/dev/null)\" ] && ! grep -qx '$pid2' '$(svc_cg web)/cgroup.procs'" ||
        not_ok "web restarted with a new pid"
check "restart: logged as a control request" cgw_log_has "Control: restart 'web'"

path=$("$CGW" capture --state-dir "$T/state" worker); rc=$?
check_eq "capture NAME: exit 0 (complete)" 0 "$rc"
check "capture NAME: the directory it printed" test -d "$path" -a -f "$path/manifest.json"
check_eq "capture NAME: reason manual" manual "$(mf "$path" "m['reason']")"

# permissions: nobody is in nogroup (control_group): allowed; daemon is not
check "a member of control_group is served" setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$CGW" status --state-dir "$T/state" web
out=$(setpriv --reuid=daemon --regid=daemon --clear-groups "$CGW" status --state-dir "$T/state" 2>&1); rc=$?
check_eq "a user outside control_group is refused: exit 1" 1 "$rc"
check "... with a clear message" sh -c "echo \"$out\" | grep -qi 'permission denied'"

# garbage, an oversized request, a silent client: error replies, daemon fine
reply=$(python3 - "$T/state/control.sock" <<'PY'
import socket, sys
def ask(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1]); s.sendall(data); s.shutdown(socket.SHUT_WR)
    out = b''
    while True:
        b = s.recv(65536)
        if not b: break
        out += b
    return out.decode()
print(ask(b'garbage\n').strip())
print(ask(b'{"command": 42}\n').strip())
print(ask(b'{"command": "status"' + b' ' * 100000 + b'}\n').strip())
print(ask(b'\0\0\0\n').strip())
PY
)
say "$reply"
check "garbage: an error reply" sh -c "echo '$reply' | sed -n 1p | grep -q '\"ok\":false.*malformed JSON'"
check "no command string: an error reply" sh -c "echo '$reply' | sed -n 2p | grep -q '\"ok\":false'"
check "oversized: an error reply" sh -c "echo '$reply' | sed -n 3p | grep -q 'larger than'"
check "NUL bytes: an error reply" sh -c "echo '$reply' | sed -n 4p | grep -q '\"ok\":false'"
check "the daemon still answers" "$CGW" status --state-dir "$T/state" web

# 50 status clients at once while a capture runs
"$CGW" capture --state-dir "$T/state" worker > "$T/cap2.out" 2>&1 &
cap=$!
pids=
for i in $(seq 50); do
        ( "$CGW" status --state-dir "$T/state" --json > "$T/s.$i" 2>&1; echo $? > "$T/s.$i.rc" ) &
        pids="$pids $!"
done
wait $pids $cap
ok_n=0
for i in $(seq 50); do [ "$(cat "$T/s.$i.rc")" = 0 ] && python3 -c "import json; json.load(open('$T/s.$i'))" 2>/dev/null && ok_n=$((ok_n + 1)); done
check_eq "50 concurrent status clients all answered" 50 "$ok_n"
check "the capture meanwhile completed" test -d "$(cat "$T/cap2.out" | tail -1)"
# metrics_file: the textfile collector's file, rewritten every metrics_interval
wait_until 10 test -s "$T/metrics/cgwarden.prom" || not_ok "metrics_file written"
check "metrics: web is up" grep -qx 'cgwarden_service_up{service="web"} 1' "$T/metrics/cgwarden.prom"
check "metrics: the manual captures are counted" grep -Eq 'cgwarden_service_captures_total\{service="worker",reason="manual"\} [1-9]' "$T/metrics/cgwarden.prom"
if command -v promtool > /dev/null; then
        check "metrics: promtool check metrics" sh -c "promtool check metrics < '$T/metrics/cgwarden.prom'"
else
        say "promtool not installed: the exposition is checked by test-metrics-promtool when it is"
fi
# metrics_listen: the same exposition over HTTP
fetch() { python3 -c 'import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10); print(r.status); print(r.headers["Content-Type"]); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)' "$1"; }
fetch "http://127.0.0.1:$PORT/metrics" > "$T/http.out"
check_eq "metrics_listen: 200 on /metrics" 200 "$(sed -n 1p "$T/http.out")"
check "metrics_listen: the exposition's content type" sh -c "sed -n 2p '$T/http.out' | grep -q 'text/plain; version=0.0.4'"
check "metrics_listen: web is up" grep -qx 'cgwarden_service_up{service="web"} 1' "$T/http.out"
if command -v promtool > /dev/null; then
        check "metrics_listen: promtool check metrics" sh -c "sed 1,2d '$T/http.out' | promtool check metrics"
fi
check_eq "metrics_listen: 404 elsewhere" 404 "$(fetch "http://127.0.0.1:$PORT/nope")"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
check "the control socket is removed" test ! -e "$T/state/control.sock"
