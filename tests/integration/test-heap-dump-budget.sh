#!/bin/bash
# heap_dump_budget: heap dumps are counted apart from the light captures.
# A JVM (DirectLeak, 4 MB/s of direct buffers, no limit near) prints
# "leaked N MB" every 4 s; log_trigger = leaked with action_cooldown = 0
# asks for a capture at each line, heap_dump = always, and
# heap_dump_budget = 1/1h: the first capture holds the heap dump, the next
# ones run without it (the manifest says heap_dump skipped, with the
# budget), one log line says so and the rest are counted
# (heap_dumps_dropped in status, the metric); a capture asked for by hand
# holds its dump whatever the budget.
# timeout: 300
# not-in-lanes: vm (the budget counts heap dumps, the same on v1 and v2; the VM's /tmp is a tmpfs, where heap dumps are refused anyway; in the VM run it with tests/integration/run --lane v2 test-heap-dump-budget.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/DirectLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"
[ "$(stat -f -c %T /tmp)" = tmpfs ] && skip_test "/tmp is a tmpfs: heap dumps are refused there (the JVM's /tmp would hold them in memory)"

{ cfg_header; cat <<EOF
metrics_file = $T/metrics.prom
metrics_interval = 1s

[service:dl]
exec = $JAVA $JOPTS -XX:MaxDirectMemorySize=1g -cp $CLASSES DirectLeak 4
log_trigger = leaked
action_cooldown = 0
heap_dump = always
heap_dump_budget = 1/1h
capture_timeout = 60s
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
st() { "$CGW" status --json dl -c "$T/c.ini" 2> /dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
n_caps() { ls -d "$T/captures/dl"/*-log-trigger 2> /dev/null | wc -l; }
check "three log-trigger captures" wait_until 120 sh -c "[ \$(ls -d '$T/captures/dl'/*-log-trigger 2> /dev/null | wc -l) -ge 3 ]"
# the third may still run
wait_until 60 sh -c "! ls -d '$T/captures/dl'/.*.partial > /dev/null 2>&1"
caps=$(ls -d "$T/captures/dl"/*-log-trigger | sort)
first=$(echo "$caps" | head -n1)
check_eq "the first holds the heap dump" ok "$(mf_item "$first" heap_dump)"
check "its file is there" test -s "$first/heap.hprof.gz" -o -s "$first/heap.hprof"
for d in $(echo "$caps" | sed -n '2,3p'); do
        check "$(basename "$d"): no heap dump in it" test ! -e "$d/heap.hprof.gz" -a ! -e "$d/heap.hprof"
        check "$(basename "$d"): the manifest says why (heap_dump skipped: the budget)" \
                grep -q "^skipped: heap_dump_budget spent (the service's 1/1h, the host's none)" <<< "$(mf_item "$d" heap_dump)"
        check_complete "$(basename "$d"): the rest of it is complete" "$d"
done
check_eq "one log line about the dumps left out" 1 \
        "$(grep -c "Service 'dl': log-trigger capture without its heap dump: the service's heap_dump_budget 1/1h (of 1/1h) is spent; it frees in" "$T/cgw.err")"
check "the rest counted (heap_dumps_dropped >= 2)" test "$(st 's[0]["heap_dumps_dropped"]')" -ge 2
check_eq "no capture dropped (capture_budget none)" 0 "$(st 's[0]["captures_dropped"]')"
check "metrics: cgwarden_service_heap_dumps_dropped_total" \
        wait_until 10 grep -Eq '^cgwarden_service_heap_dumps_dropped_total\{service="dl"\} [1-9][0-9]*$' "$T/metrics.prom"
"$CGW" capture dl -c "$T/c.ini" > "$T/cap.out" 2>&1
check_eq "a capture asked for by hand runs" 0 "$?"
d=$(capture_dir_of dl manual)
check_eq "and holds its heap dump (no budget stops it)" ok "$(mf_item "$d" heap_dump)"
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
