#!/bin/bash
# Capture edge cases with `cgwarden capture --pid` (the same orchestrator as
# the daemon's): usage errors; a full disk gives a finished directory whose
# manifest lists the failed items; a JVM that cannot answer (SIGSTOPped)
# costs one item's deadline, the rest are not tried, capture_timeout holds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

out=$("$CGW" capture 2>&1); rc=$?
check_eq "capture without arguments: usage error" 2 "$rc"
out=$("$CGW" capture --pid 0 2>&1); rc=$?
check_eq "capture --pid 0: usage error" 2 "$rc"
check "capture --pid 0: says why" sh -c "echo '$out' | grep -q 'invalid process id'"
out=$("$CGW" capture --pid 999999999 --out "$T/c" 2>&1); rc=$?
check_eq "capture of a missing process: exit 1" 1 "$rc"
check "capture of a missing process: says so" sh -c "echo '$out' | grep -q 'no process'"
out=$("$CGW" capture --pid $$ --items nmt,bogus 2>&1); rc=$?
check_eq "capture --items with an unknown item: usage error" 2 "$rc"
out=$("$CGW" capture web 2>&1); rc=$?
check_eq "capture NAME without a control socket: exit 1" 1 "$rc"

# a full disk: a 64 KiB tmpfs as the capture directory
mkdir -p "$T/full"
if mount -t tmpfs -o size=64k,mode=0700 tmpfs "$T/full" 2>/dev/null; then
        sleep 1000 &
        sp=$!
        echo $sp > "$T/sleep.pid"
        head -c 40000 /dev/zero > "$T/full/filler"   # leave ~24 KiB
        path=$("$CGW" capture --pid $sp --out "$T/full" 2> "$T/full.err"); rc=$?
        check_eq "full disk: exit 1 (incomplete)" 1 "$rc"
        check "full disk: a finished directory" test -d "$path"
        check_eq "full disk: manifest says incomplete" False "$(mf "$path" "m['complete']")"
        check "full disk: failed items name ENOSPC" \
                test "$(mf "$path" "any('No space left' in (i['error'] or '') for i in m['items'])")" = True
        check "full disk: some items still made it" \
                test "$(mf "$path" "sum(1 for i in m['items'] if i['ok'])")" -ge 1
        kill $sp
        umount "$T/full"
else
        say "no tmpfs mount here: full-disk case not run"
fi

# a JVM that cannot answer: stopped
start_jvm() { # NAME CMD...
        local name=$1
        shift
        (cd "$T" && exec "$@") > "$T/$name.out" 2>&1 < /dev/null &
        echo $! > "$T/$name.pid"
        disown $!
}
start_jvm stopped "$JAVA" $JOPTS -XX:+StartAttachListener $(jvm_main Idle)
jp=$(cat "$T/stopped.pid")
wait_until 90 grep -q ready "$T/stopped.out" || not_ok "JVM started" "$(tail -3 "$T/stopped.out")"
kill -STOP "$jp"
t0=$(date +%s%N)
path=$("$CGW" capture --pid "$jp" --out "$T/c" --timeout 8s 2> "$T/stopped.err"); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -CONT "$jp"
say "stopped JVM: capture took ${ms} ms"
check_eq "stopped JVM: exit 1 (incomplete)" 1 "$rc"
check "stopped JVM: within capture_timeout (8 s) and a grace" test "$ms" -lt 9500
check_eq "stopped JVM: procfs items ok" ok "$(mf_item "$path" status)"
check "stopped JVM: threads failed: timed out" sh -c "python3 -c \"import json;m=json.load(open('$path/manifest.json'));i=[x for x in m['items'] if x['name']=='threads'][0];exit(0 if not i['ok'] and ('time' in i['error'] or 'capture_timeout' in i['error']) else 1)\""
check "stopped JVM: the other JVM items are not tried" \
        test "$(mf "$path" "[i['error'] for i in m['items'] if i['name'] == 'nmt'][0]")" != None
check "stopped JVM: still alive (not killed by the capture)" kill -0 "$jp"

# a capture interrupted by a killed cgwarden: the same stopped JVM, the
# capturing process SIGKILLed once the procfs items are written; the
# daemon's next start finishes the .partial directory it left
kill -STOP "$jp"
"$CGW" capture --pid "$jp" --out "$T/r" --timeout 60s > /dev/null 2> "$T/r.err" &
cpid=$!
echo "$cpid" > "$T/interrupted.pid"
wait_until 30 sh -c "ls '$T'/r/*/.*.partial/status.txt" > /dev/null 2>&1 ||
        not_ok "interrupted: a capture under way" "$(cat "$T/r.err")"
kill -9 "$cpid"
wait "$cpid" 2> /dev/null
kill -CONT "$jp"
partial=$(ls -d "$T"/r/*/.*.partial)
name=$(basename "$partial" .partial)
name=${name#.}
svcdir=$(dirname "$partial")
say "interrupted: $partial"
{ cat <<EOC
[supervisor]
log_dir = $T/log
capture_dir = $T/r
state_dir = $T/state

[service:idle]
exec = /bin/sleep 100
stop_timeout = 2s
EOC
} > "$T/r.ini"
cgw_start run -c "$T/r.ini"
wait_until 20 cgw_log_has "finished a capture interrupted when cgwarden stopped" ||
        not_ok "interrupted: finished at the next start" "$(tail -5 "$T/cgw.err")"
check "interrupted: renamed without the dot" test -d "$svcdir/$name"
check "interrupted: no .partial left" test ! -e "$partial"
check_eq "interrupted: complete false" False "$(mf "$svcdir/$name" "m['complete']")"
check "interrupted: says so" test "$(mf "$svcdir/$name" "m['error'].startswith('interrupted')")" = True
check "interrupted: reason and start from the name" \
        test "$(mf "$svcdir/$name" "m['reason'] == 'manual' and m['started_at'][:4] == '$name'[:4] and m['recovered_at'] is not None")" = True
check "interrupted: the files written are listed" \
        test "$(mf "$svcdir/$name" "any(i['file'] == 'status.txt' and not i['ok'] for i in m['items'])")" = True
check "interrupted: the evidence kept" grep -q "^VmRSS" "$svcdir/$name/status.txt"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
