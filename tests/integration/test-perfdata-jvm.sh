#!/bin/bash
# The perfdata capture item: the JVM's hsperfdata counters read from its
# file, without attaching, with every JDK under /usr/lib/jvm (OpenJDK 17,
# Temurin 25 here), on JVMs cgwarden runs as services:
#   idle      Serial GC, run as nobody: perfdata.txt has plausible heap,
#             old gen, thread and class numbers (the file is found by the
#             JVM's uid, not by a user name)
#   noattach  G1, -XX:+DisableAttachMechanism: perfdata still ok, the
#             attach item heap fails with a reason (not threads: that one
#             falls back to SIGQUIT on the service's stdout)
#   par       Parallel GC: its generations and collectors
#   noperf    -XX:-UsePerfData: perfdata skipped, saying so
# and, as in a container, a JVM in its own pid and mount namespaces with a
# private /tmp (unshare; `cgwarden capture --pid`): its file is
# /tmp/hsperfdata_root/1 inside, found through NSpid below its root.
# not-in-lanes: vm (hsperfdata is read from the JVM's file, the same on v1 and v2; test-capture-jvm runs the v2 capture path, and CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-perfdata-jvm.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/Idle.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"
id nobody > /dev/null 2>&1 || skip_test "no user nobody"

# the number after "KEY: " in perfdata.txt
pd_num() { # FILE KEY
        sed -n "s/^$2: \([0-9][0-9]*\).*/\1/p" "$1" | head -n1
}
# "U C" from the line "PREFIX...(U of C bytes)"
pd_bytes() { # FILE PREFIX
        sed -n "s/^$2.*(\([0-9][0-9]*\) of \([0-9][0-9]*\) bytes).*/\1 \2/p" "$1" | head -n1
}

service() { # NAME EXEC CAPTURE [KEY=VALUE]
        printf '\n[service:%s]\nexec = %s\ncapture = %s\nrestart = no\nstop_timeout = 5s\n' "$1" "$2" "$3"
        [ -n "${4:-}" ] && printf '%s\n' "$4"
        return 0
}

jdks=
n=0
{
        cfg_header
        for J in $JAVA $OTHER_JAVAS; do
                n=$((n + 1))
                jdks="$jdks $n"
                echo "$J" > "$T/jdk$n"
                service idle$n "$J $JOPTS -cp $CLASSES Idle" "perfdata status" "user = nobody"
                # in $T: the attach's trigger file .attach_pid<pid> stays in
                # its working directory (the JVM never answers it)
                service noattach$n "$J -Xmx64m -XX:+UseG1GC -XX:TieredStopAtLevel=1 -XX:+DisableAttachMechanism -cp $CLASSES Idle" "perfdata heap" "working_dir = $T"
                service par$n "$J -Xmx64m -XX:+UseParallelGC -XX:TieredStopAtLevel=1 -cp $CLASSES Idle" perfdata
                service noperf$n "$J $JOPTS -XX:-UsePerfData -cp $CLASSES Idle" perfdata
        done
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"
for k in $jdks; do
        for svc in idle noattach par noperf; do
                wait_until 90 grep -q ' stdout: ready$' "$T/log/$svc$k.log" ||
                        not_ok "$svc$k: the JVM is ready" "$(tail -3 "$T/log/$svc$k.log" 2> /dev/null)" "$(tail -5 "$T/cgw.err")"
        done
done

# the attach of noattach waits 5 s for a listener that never comes: those
# captures run meanwhile
for k in $jdks; do
        "$CGW" capture noattach$k -c "$T/c.ini" > "$T/cap-noattach$k.out" 2>&1 &
        echo $! > "$T/cap-noattach$k.pid"
done

for k in $jdks; do
        J=$(cat "$T/jdk$k")
        say "JDK $k: $J ($("$J" -version 2>&1 | head -n1))"

        "$CGW" capture idle$k -c "$T/c.ini" > "$T/cap.out" 2>&1
        check_eq "JDK $k idle: capture exit 0" 0 "$?"
        d=$(capture_dir_of idle$k manual)
        check_eq "JDK $k idle: perfdata item ok" ok "$(mf_item "$d" perfdata)"
        check_complete "JDK $k idle: manifest complete" "$d"
        f=$d/perfdata.txt
        check "JDK $k idle: perfdata.txt 0600" test "$(stat -c %a "$f" 2> /dev/null)" = 600
        check "JDK $k idle: Serial GC (policy Copy:MSC)" grep -q "^heap: .*, policy Copy:MSC$" "$f"
        set -- $(pd_bytes "$f" "heap:")
        say "JDK $k idle: heap ${1:-?} of ${2:-?} bytes"
        # -Xmx64m: a capacity above 1M and at most 64M, used at most that
        check "JDK $k idle: heap capacity plausible" test "${2:-0}" -gt $((1 << 20)) -a "${2:-0}" -le $((64 << 20))
        check "JDK $k idle: heap used within capacity" test "${1:-x}" -le "${2:-0}"
        check "JDK $k idle: an old gen line" grep -q "^old gen: .* used of " "$f"
        check "JDK $k idle: eden, s0, s1 spaces" \
                sh -c "grep -q 'space 0 eden: ' '$f' && grep -q 'space 1 s0: ' '$f' && grep -q 'space 2 s1: ' '$f'"
        t=$(pd_num "$f" "threads live")
        c=$(pd_num "$f" "classes loaded")
        say "JDK $k idle: $t threads, $c classes"
        check "JDK $k idle: threads live plausible (5..50)" test "${t:-0}" -ge 5 -a "${t:-0}" -le 50
        check "JDK $k idle: classes loaded plausible (300..5000)" test "${c:-0}" -ge 300 -a "${c:-0}" -le 5000
        check "JDK $k idle: an uptime" grep -q "^uptime: [0-9]" "$f"
        check "JDK $k idle: the collectors" grep -q "^  collector 1 Serial full collection pauses: " "$f"
        check "JDK $k idle: every counter follows" grep -q "^java.threads.live = ${t:-x} none$" "$f"
        check "JDK $k idle: the JVM's command in it" grep -q '^sun.rt.javaCommand = "Idle"$' "$f"
        r=$(mf "$d" "m['findings'].get('perfdata', '')")
        say "JDK $k idle: findings.perfdata: $r"
        check "JDK $k idle: findings.perfdata: old gen, gc, last cause" \
                sh -c "echo \"\$1\" | grep -Eq '^old gen [0-9.]+[BKMG] used of [0-9.]+[KMG]; gc [0-9]+ collections, [0-9.]+ ms; last cause .'" sh "$r"

        wait "$(cat "$T/cap-noattach$k.pid")"
        rm -f "$T/cap-noattach$k.pid"
        d=$(capture_dir_of noattach$k manual)
        check_eq "JDK $k noattach: perfdata item ok" ok "$(mf_item "$d" perfdata)"
        r=$(mf_item "$d" heap)
        say "JDK $k noattach: heap: $r"
        check "JDK $k noattach: heap (GC.heap_info, attach) failed with a reason" sh -c "echo \"\$1\" | grep -q '^failed: ..*'" sh "$r"
        check "JDK $k noattach: G1 (policy GarbageFirst, old gen in one space)" \
                sh -c "grep -q '^heap: .*, policy GarbageFirst$' '$d/perfdata.txt' && grep -q '^    space 0 space: ' '$d/perfdata.txt'"
        check "JDK $k noattach: G1's collectors" grep -q "^  collector 0 G1 young collection pauses: " "$d/perfdata.txt"
        check "JDK $k noattach: threads live" grep -q "^threads live: [1-9]" "$d/perfdata.txt"

        "$CGW" capture par$k -c "$T/c.ini" > "$T/cap.out" 2>&1
        check_eq "JDK $k par: capture exit 0" 0 "$?"
        d=$(capture_dir_of par$k manual)
        check_eq "JDK $k par: perfdata item ok" ok "$(mf_item "$d" perfdata)"
        check "JDK $k par: Parallel GC (policy ParScav:MSC, its collectors)" \
                sh -c "grep -q '^heap: .*, policy ParScav:MSC$' '$d/perfdata.txt' && grep -q '^  collector 1 Parallel full collection pauses: ' '$d/perfdata.txt'"
        check "JDK $k par: an old gen line" grep -q "^old gen: .* used of " "$d/perfdata.txt"

        "$CGW" capture noperf$k -c "$T/c.ini" > "$T/cap.out" 2>&1
        check_eq "JDK $k noperf: capture exit 0 (a skipped item is not a failure)" 0 "$?"
        d=$(capture_dir_of noperf$k manual)
        check_eq "JDK $k noperf: perfdata skipped with the reason" \
                "skipped: the JVM runs with -XX:-UsePerfData: no hsperfdata file" "$(mf_item "$d" perfdata)"
        check "JDK $k noperf: no perfdata.txt" test ! -e "$d/perfdata.txt"
done
cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"

# ---- a JVM in its own pid and mount namespaces, with a private /tmp ----
if ! unshare -m -p -f --mount-proc true 2> /dev/null; then
        say "unshare -m -p not possible here: namespace case not run"
else
        unshare -m -p -f --mount-proc sh -c "mount -t tmpfs tmpfs /tmp && exec $JAVA $JOPTS -cp $CLASSES Idle" \
                > "$T/ns.out" 2>&1 < /dev/null &
        echo $! > "$T/ns-unshare.pid"
        up=$!
        wait_until 60 sh -c "pgrep -P $up java > '$T/ns-java.pid' && grep -q '^ready' '$T/ns.out'" ||
                not_ok "ns: the JVM is ready" "$(tail -3 "$T/ns.out")"
        jp=$(cat "$T/ns-java.pid")
        check_eq "ns: the JVM is pid 1 in its namespace" 1 "$(sed -n 's/^NSpid:.*[[:space:]]//p' "/proc/$jp/status")"
        check "ns: its hsperfdata file is not in the host's /tmp" test ! -e "/tmp/hsperfdata_root/1" -o "$jp" = 1
        path=$("$CGW" capture --pid "$jp" --out "$T/ns" --items perfdata,status 2> "$T/ns.err")
        check_eq "ns: perfdata item ok" ok "$(mf_item "$path" perfdata)"
        check "ns: perfdata.txt is the JVM's (threads, classes)" \
                sh -c "grep -q '^threads live: [1-9]' '$path/perfdata.txt' && grep -q '^classes loaded: [1-9]' '$path/perfdata.txt'"
        kill "$jp" 2> /dev/null
        wait_until 20 is_dead "$up" || not_ok "ns: the JVM ends"
        wait "$up" 2> /dev/null || true
fi
