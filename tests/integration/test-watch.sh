#!/bin/bash
# timeout: 600
# Watch mode: cgroups cgwarden did not start ([watch:NAME]), with real JVMs
# under a real memory limit. cgwarden runs with [watch:] sections only: it
# creates, moves and enables nothing in the cgroup tree.
#   cgroup=  a JVM started in a cgroup made by the test: found as the
#            cgroup's main process, status lists it with its kind, a
#            requested capture works; a direct-buffer leak gets a pre-oom
#            capture (NMT diff, thread dump) before the kernel's OOM kill,
#            then a post-mortem.
#   match=   cgroups appearing below the test cgroup are found and dropped
#            when they go; one that goes while its capture runs: the
#            capture ends with a partial manifest, cgwarden goes on.
#   kill     on_pre_oom = capture kill: cgwarden kills the watched cgroup's
#            processes after the capture, before the kernel would.
#   idle     a cgroup idle far below capture_at is sampled every
#            idle_sample_interval (5 s; v2 without memory.high: because it
#            is idle; v1: the usage threshold tells of the climb), on v2
#            every second once it grows; a leak that starts there is
#            captured before the kill (history.csv's sample times show it).
#   reload   a watch added, one removed, the unchanged ones kept.
#   check    launching keys and refused actions are errors with FILE:LINE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"
. "$(dirname "$0")/watch-lib.sh"

[ -f "$CLASSES/DirectLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"

status_json() { "$CGW" status --json -c "$T/c.ini" 2> /dev/null; }
st() { # NAME PYTHON-EXPRESSION-ON-s: a field of NAME's status
        status_json | python3 -c 'import json,sys; d=json.load(sys.stdin); s=[x for x in d if x["name"]==sys.argv[1]]; print(eval(sys.argv[2]) if s else "absent")' "$1" "$2" 2> /dev/null
}
absent() { [ "$(st "$1" 's[0]["name"]')" = absent ]; }

# ---- check: what a watch may not say ----
printf '[watch:w]\ncgroup = %s/app\nexec = /bin/true\non_oom_kill = capture restart\n' "$TESTREL" > "$T/bad.ini"
"$CGW" check "$T/bad.ini" > "$T/check.out" 2>&1
check_eq "check: a bad watch exits 2" 2 "$?"
check "check: a launching key is an error at its line" grep -q "^$T/bad.ini:3: key 'exec' is about launching a service" "$T/check.out"

# ---- cgroup= and match= ----
watched_cg_make app $((256 << 20)) || not_ok "make the app cgroup"
watched_cg_make killme $((128 << 20)) || not_ok "make the killme cgroup"
watched_cg_make idle $((256 << 20)) || not_ok "make the idle cgroup"
{
        cfg_header
        printf '\n[watch:k]\ncgroup = %s/killme\ncapture_at = 50%%\ncapture_lead = 0\non_pre_oom = capture kill\n' "$TESTREL"
        printf '\n[watch:idle]\ncgroup = %s/idle\ncapture_lead = 0\non_pre_oom = capture kill\n' "$TESTREL"
        printf '\n[watch:app]\ncgroup = %s/app\ncapture_at = 70%%\nnmt_baseline_after = 2s\ncapture_timeout = 15s\n' "$TESTREL"
        printf '\n[watch:ctr]\nmatch = %s/ctr-*\ncapture_timeout = 8s\n' "$TESTREL"
} > "$T/c.ini"
"$CGW" check "$T/c.ini" > "$T/check.out" 2>&1
check_eq "check: the watch config is valid" 0 "$?"
cgw_start run -c "$T/c.ini"
wait_until 20 cgw_log_has "Watch 'app': guarding cgroup $TESTREL/app" ||
        not_ok "app: guarded at start" "$(tail -5 "$T/cgw.err")"
check "watch only: nothing created in the cgroup tree" cgw_log_has "watching only (nothing created in the cgroup tree)"
check "watch only: no services/ cgroup" test ! -e "$TESTCG/services"
check_eq "status: app listed, kind cgroup, empty" "cgroup empty" "$(st app 's[0]["kind"] + " " + s[0]["state"]')"

# an idle JVM: found, captured on request
watched_run app "$T/idle.pid" "$JAVA" $JOPTS -XX:NativeMemoryTracking=summary -cp "$CLASSES" Idle
wait_until 60 cgw_log_has "Watch 'app': the JVM is process $(cat "$T/idle.pid")" ||
        not_ok "app: the idle JVM is found as the main process" "$(tail -5 "$T/cgw.err")"
check_eq "status: app running with the JVM's pid" "running $(cat "$T/idle.pid")" "$(st app 's[0]["state"] + " " + str(s[0]["pid"])')"
check_eq "status: app's cgroup" "$TESTREL/app" "$(st app 's[0]["cgroup"]')"
wait_until 60 grep -q '^ready' "$T/app.out" || not_ok "the idle JVM is ready" "$(cat "$T/app.out")"
"$CGW" capture app -c "$T/c.ini" > "$T/cap.out" 2>&1
check_eq "capture app: exit 0" 0 "$?"
d=$(capture_dir_of app manual)
check "capture app: a manual capture" test -n "$d"
[ -n "$d" ] && check_eq "capture app: threads item ok (attach through the JVM's own pid)" ok "$(mf_item "$d" threads)"
"$CGW" stop app -c "$T/c.ini" > "$T/stop.out" 2>&1
check "stop app: refused, cgwarden does not stop a watched cgroup" grep -q "cgwarden does not stop it" "$T/stop.out"
kill "$(cat "$T/idle.pid")"
wait_until 20 cgw_log_has "Watch 'app': process $(cat "$T/idle.pid") (java) is gone" ||
        not_ok "app: the idle JVM's end is seen" "$(tail -5 "$T/cgw.err")"

# a leaking JVM: pre-oom capture before the kernel's kill
watched_run app "$T/leak.pid" "$JAVA" $JOPTS -XX:NativeMemoryTracking=summary -XX:MaxDirectMemorySize=2g \
        -cp "$CLASSES" DirectLeak 25
wait_until 60 cgw_log_has "Watch 'app': the JVM is process $(cat "$T/leak.pid")" ||
        not_ok "app: the leaking JVM is found" "$(tail -5 "$T/cgw.err")"
wait_until 180 cgw_log_has "Observation oom-kill for 'app'" || not_ok "app: the kernel kills the leaking JVM" "$(tail -5 "$T/cgw.err")"
wait_until 60 sh -c "ls -d $T/captures/app/*-oom-kill > /dev/null 2>&1" || not_ok "app: a post-mortem capture" "$(tail -5 "$T/cgw.err")"
d=$(capture_dir_of app pre-oom)
say "app: pre-oom capture $d"
check "app: a pre-oom capture" test -n "$d"
if [ -n "$d" ]; then
        check_complete "app: pre-oom capture complete" "$d"
        for item in nmt nmt-diff threads pmap tasks; do
                check_eq "app: item $item ok" ok "$(mf_item "$d" $item)"
        done
        top=$(mf "$d" "m['findings'].get('nmt_top_growth', '')")
        say "app: nmt top growth: $top"
        check "app: the grown NMT category is the direct buffers' (Other)" sh -c "echo '$top' | grep -q '^Other +'"
        check "app: the capture finished before the OOM kill" \
                test "$(log_line_of "Capture for 'app' finished")" -lt "$(log_line_of "Observation oom-kill for 'app'")"
fi
d=$(capture_dir_of app oom-kill)
[ -n "$d" ] && check "app: the post-mortem holds the kernel's OOM report" grep -q "Killed process $(cat "$T/leak.pid")" "$d/oom-report.txt"
check "app: cgwarden did not write the watched cgroup's limit" \
        test "$(cat "$TESTCG/app/memory.$([ "$LANE" = v2 ] && echo max || echo limit_in_bytes)")" = $((256 << 20))

# ---- kill: after the capture, before the kernel ----
# killed_after_capture WATCH CGROUP SECONDS: on_pre_oom = capture kill did
# its work within SECONDS; sets d to the pre-oom capture
killed_after_capture() {
        local w=$1 cg=$2
        wait_until "$3" cgw_log_has "Watch '$w': killing every process of cgroup $TESTREL/$cg" ||
                not_ok "$w: cgwarden kills the leaker's cgroup" "$(grep "'$w'" "$T/cgw.err" | tail -8; cat "$T/$cg.out")"
        check "$w: the leaker is dead" wait_until 10 is_dead "$(cat "$T/$cg.pid")"
        d=$(capture_dir_of "$w" pre-oom)
        check "$w: a pre-oom capture first" test -n "$d"
        check "$w: the capture finished before the kill" \
                test "$(log_line_of "Capture for '$w' finished")" -lt "$(log_line_of "Watch '$w': killing")"
        check "$w: no OOM kill by the kernel" sh -c "! grep -q \"Observation oom-kill for '$w'\" '$T/cgw.err'"
}
watched_run killme "$T/killme.pid" "$HELPERS/leaker" 20
killed_after_capture k killme 60
check "k: the cgroup is empty" sh -c "[ -z \"\$(cat '$TESTCG/killme/cgroup.procs')\" ]"

# ---- idle: sampled every idle_sample_interval, then a leak ----
# sh sleeps 20 s (~1 MB, far below a quarter of capture_at = 54 MB), then
# becomes a leaker of 8 MB/s: seen at the next stretched sample (< 6.25 s,
# < 51 MB), then every second up to half of capture_at (108 MB); 217 MB
# (capture_at, 85 % of 256M) ~27 s after the sleep
watched_run idle "$T/idle.pid" sh -c "sleep 20; exec '$HELPERS/leaker' 8"
killed_after_capture idle idle 120
# the gaps between samples: both ends below 8 MB (asleep), and both ends
# in the leak below half of capture_at (where sampling is per second).
# Asleep, the long gaps are counted, not the median: each process that
# becomes the main one gets its first sample_interval in full, and found
# before its exec (a loaded host) the shell is four of them: bash, sh,
# sleep, sh again (CI's host-asan lane: 6 gaps, 4 of ~1.2 s)
gaps=$([ -n "$d" ] && python3 - "$d/history.csv" << 'PY'
import csv, datetime, sys
rows = list(csv.DictReader(open(sys.argv[1])))
t = [datetime.datetime.fromisoformat(r["time_utc"].rstrip("Z")).timestamp() for r in rows]
m = [int(r["memory_current"]) for r in rows]
half = int((256 << 20) * 0.85 / 2)
idle = [t[i + 1] - t[i] for i in range(len(t) - 1) if m[i] < 8 << 20 and m[i + 1] < 8 << 20]
grow = [t[i + 1] - t[i] for i in range(len(t) - 1) if (16 << 20) < m[i] < half and m[i + 1] < half]
print(len(idle), sum(g >= 4.0 for g in idle), len(grow), "%.2f" % max(grow) if grow else "-",
      "/".join("%.2f" % g for g in idle))
PY
)
read -r n_idle n_long n_grow max_grow idle_gaps <<< "${gaps:-0 0 0 - -}"
check "idle: asleep, sampled every idle_sample_interval (gaps $idle_gaps)" test "$n_long" -ge 2
# v1: the usage threshold at capture_at tells of the climb, so the
# samples stay 5 s apart below half of it (README: watch mode, Sampling)
[ "$LANE" = v2 ] && check "idle: growing, sampled every second (largest gap ${max_grow} s of $n_grow)" \
        python3 -c "import sys; sys.exit(not ($n_grow >= 1 and float('${max_grow/-/99}') < 3.0))"

# ---- match=: cgroups appear and go ----
watched_cg_make ctr-a || not_ok "make ctr-a"
wait_until 10 cgw_log_has "Watch 'ctr.ctr-a': guarding cgroup $TESTREL/ctr-a" ||
        not_ok "ctr-a: found as it appears" "$(tail -5 "$T/cgw.err")"
check_eq "status: ctr.ctr-a listed" cgroup "$(st ctr.ctr-a 's[0]["kind"]')"
watched_cg_remove ctr-a
check "ctr-a: dropped when it goes" wait_until 10 absent ctr.ctr-a

# a cgroup that goes while its capture runs: a JVM that never starts its
# attach listener (-XX:+DisableAttachMechanism) holds the capture in its
# attach step until capture_timeout
watched_cg_make ctr-b || not_ok "make ctr-b"
wait_until 10 cgw_log_has "Watch 'ctr.ctr-b': guarding" || not_ok "ctr-b: found"
watched_run ctr-b "$T/fake.pid" "$JAVA" $JOPTS -XX:+DisableAttachMechanism -cp "$CLASSES" Idle
wait_until 30 cgw_log_has "Watch 'ctr.ctr-b': the JVM is process $(cat "$T/fake.pid")" ||
        not_ok "ctr-b: the fake JVM is found" "$(tail -5 "$T/cgw.err")"
"$CGW" capture ctr.ctr-b -c "$T/c.ini" > "$T/capb.out" 2>&1 &
echo $! > "$T/capb.pid"
wait_until 20 cgw_log_has "Capture ctr.ctr-b/.*-manual started" || not_ok "ctr-b: the capture starts"
watched_cg_remove ctr-b
# the process dies first (a cgroup with processes cannot be removed): the
# capture may end before the removal is seen, or after
wait_until 20 cgw_log_has "Watch 'ctr.ctr-b': cgroup $TESTREL/ctr-b is gone" ||
        not_ok "ctr-b: the removal is seen" "$(tail -5 "$T/cgw.err")"
cgw_log_has "is gone; the running capture ends" && say "ctr-b: the removal was seen while the capture ran"
wait_until 30 cgw_log_has "Capture for 'ctr.ctr-b' finished" || not_ok "ctr-b: the capture ends" "$(tail -5 "$T/cgw.err")"
d=$(capture_dir_of ctr.ctr-b manual)
check "ctr-b: the capture directory is there" test -n "$d"
[ -n "$d" ] && check_eq "ctr-b: its manifest says incomplete" False "$(mf "$d" "m['complete']")"
wait_until 20 sh -c "! kill -0 $(cat "$T/capb.pid") 2>/dev/null" || not_ok "ctr-b: the capture request is answered"
check "ctr-b: dropped once its capture ended" wait_until 10 absent ctr.ctr-b
check "cgwarden goes on: status answers" sh -c "\"$CGW\" status -c \"$T/c.ini\" > /dev/null"
check "cgwarden goes on: still running" kill -0 "$CGW_PID"

# ---- reload: a watch added, one removed, the others kept ----
sed -i '/^\[watch:k\]/,/^on_pre_oom = capture kill/d' "$T/c.ini"
printf '\n[watch:late]\ncgroup = %s/app\n' "$TESTREL" >> "$T/c.ini"
"$CGW" reload -c "$T/c.ini" > /dev/null 2>&1
wait_until 20 cgw_log_has "Watch 'late' added." || not_ok "reload: the new watch is added" "$(tail -5 "$T/cgw.err")"
check "reload: the removed watch ends" cgw_log_has "Watch 'k' changed or removed: it ends"
check "reload: the unchanged watch is kept" sh -c "! grep -q \"Watch 'app' changed or removed\" '$T/cgw.err'"
check_eq "reload: status lists late" cgroup "$(st late 's[0]["kind"]')"
check "reload: k is gone from status" absent k

cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"
check "the watched cgroup is left in place" test -d "$TESTCG/app"
