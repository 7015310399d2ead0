#!/bin/bash
# A JVM whose bounds do not fit its memory limit (seed 003: a gateway with
# a 6 G heap killed by the kernel, no OutOfMemoryError at all):
#   big:  -Xmx1g under memory_max = 400M: warned at the start from the
#         command line, naming both numbers
#   ergo: no -Xmx, but -XX:MaxRAM=2g -XX:MaxRAMPercentage=75 (a heap of
#         1.5G chosen by the JVM's ergonomics): only VM.flags (through the
#         attach, a few seconds after the start) knows it
#   fine: -Xmx64m -XX:MaxDirectMemorySize=64m: nothing to say
# The finding is in every capture's findings.jvm_limits, in status --json
# (jvm_finding, jvm_max_heap) and in the metrics
# (cgwarden_service_jvm_limit_problems). Every JDK under /usr/lib/jvm.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/Idle.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

n=0
for J in $JAVA $OTHER_JAVAS; do
        n=$((n + 1))
        say "JDK $n: $J"
        { cfg_header; cat <<EOF2
metrics_file = $T/metrics.prom
metrics_interval = 1s

[service:big]
exec = $J -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES Idle
memory_max = 400M
stop_timeout = 5s

[service:ergo]
exec = $J -XX:MaxRAM=2g -XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES Idle
memory_max = 400M
stop_timeout = 5s

[service:fine]
exec = $J -Xmx64m -XX:MaxDirectMemorySize=64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $CLASSES Idle
memory_max = 400M
stop_timeout = 5s
EOF2
        } > "$T/c.ini"
        : > "$T/cgw.err"
        rm -rf "$T/captures" "$T/log" "$T/metrics.prom"
        cgw_start run -c "$T/c.ini"
        check "JDK $n big: warned at the start from its command line" \
                wait_until 30 cgw_log_has "Service 'big' (its command line): the max heap (MaxHeapSize) 1G is larger than the memory limit 400M"
        check "JDK $n ergo: warned from VM.flags (ergonomics: 1536M)" \
                wait_until 90 cgw_log_has "Service 'ergo' (VM.flags): the max heap (MaxHeapSize) 1536M is larger than the memory limit 400M"
        check "JDK $n fine: nothing said" sh -c "! grep -q \"Service 'fine' (\" '$T/cgw.err'"
        for svc in big ergo fine; do
                # the path is on stdout; stderr says "incomplete" when an item
                # failed (a JVM item can time out in the VM): said, not fatal
                # here, as the finding is what this test is about
                d=$("$CGW" capture -c "$T/c.ini" $svc 2> "$T/cap.err" | tail -n1)
                [ -s "$T/cap.err" ] && say "JDK $n $svc: $(cat "$T/cap.err"): $(mf "$d" "'; '.join(i['name'] + ': ' + str(i['error']) for i in m['items'] if not i['ok'] and not i.get('skipped'))" 2>&1)"
                f=$(mf "$d" "m['findings'].get('jvm_limits', '')" 2>&1)
                case $svc in
                fine) check_eq "JDK $n $svc: no jvm_limits finding in its capture" "" "$f" ;;
                big) check "JDK $n $svc: its capture says so: $f" sh -c "echo '$f' | grep -q 'MaxHeapSize) 1G is larger than the memory limit 400M'" ;;
                ergo) check "JDK $n $svc: its capture says so: $f" sh -c "echo '$f' | grep -q 'MaxHeapSize) 1536M is larger'" ;;
                esac
        done
        check_eq "JDK $n: status --json: jvm_max_heap of big, ergo, fine" "1073741824 1610612736 67108864" \
                "$("$CGW" status -c "$T/c.ini" --json | python3 -c 'import json,sys; d={s["name"]: s for s in json.load(sys.stdin)}; print(*(d[k]["jvm_max_heap"] for k in ("big","ergo","fine")))')"
        check "JDK $n: status --json: big's jvm_finding" sh -c "'$CGW' status -c '$T/c.ini' --json big | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[0][\"jvm_finding\"].startswith(\"the max heap\") else 1)'"
        wait_until 10 sh -c "grep -q 'cgwarden_service_jvm_limit_problems{service=\"ergo\"} 1' '$T/metrics.prom'"
        check "JDK $n: metrics: one problem each for big and ergo, none for fine" sh -c "grep -q 'cgwarden_service_jvm_limit_problems{service=\"big\"} 1' '$T/metrics.prom' &&
                grep -q 'cgwarden_service_jvm_limit_problems{service=\"ergo\"} 1' '$T/metrics.prom' &&
                grep -q 'cgwarden_service_jvm_limit_problems{service=\"fine\"} 0' '$T/metrics.prom'"
        cgw_stop TERM
        check_eq "JDK $n: cgwarden exits 0" 0 "$CGW_RC"
done
