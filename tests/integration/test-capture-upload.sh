#!/bin/bash
# capture_upload with a real client, rclone, to a real WebDAV server on
# loopback (rclone serve webdav, from Debian's rclone):
#   leak   a C leaker under memory_max = 128M (memory_high = none, so that
#          on v2 the kernel kills it rather than throttles it): its pre-oom capture and the
#          oom-kill post-mortem are each uploaded as a tarball named
#          HOST/SERVICE/INCIDENT/CAPTURE.tar.gz (one incident for both), holding the capture as it is on
#          disk; the capture gets .uploaded, the tarball beside it is
#          removed; the client ran outside the service's cgroup and got
#          cgwarden's environment (RCLONE_WEBDAV_URL) and CGWARDEN_*
#   down   the server unreachable (a closed port): 3 attempts with 1 s,
#          2 s back-off, then given up; the capture stays, without
#          .uploaded; status answers meanwhile (uploads_pending 1)
#   slow   a client that hangs: killed with the child it started at
#          capture_upload_timeout
#   again  the next start of cgwarden queues the captures left without
#          .uploaded (down's, given up) and uploads them under their own
#          incident; the ones uploaded before are left alone
#   exec   `cgwarden exec` of the leaker exits 137 only once its captures
#          are uploaded, and leaves the pod's termination message (JSON:
#          why it ended, where the evidence is, under 4096 bytes)
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"

command -v rclone > /dev/null || skip_test "no rclone (Debian package rclone)"
command -v tar > /dev/null || skip_test "no tar"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
dead=$(free_port) # bound and closed again: nothing listens there
mkdir -p "$T/remote"
rclone serve webdav "$T/remote" --addr "127.0.0.1:$port" > "$T/webdav.log" 2>&1 &
echo $! > "$T/webdav.pid"
wait_until 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2> /dev/null || not_ok "the WebDAV server listens" "$(cat "$T/webdav.log")"
export RCLONE_WEBDAV_URL=http://127.0.0.1:$port RCLONE_CONFIG=$T/rclone.conf
HOST=$(hostname)

st() { # SERVICE EXPR-ON-s
        "$CGW" status --json "$1" -c "$T/c.ini" 2> /dev/null |
                python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

{ cfg_header; cat <<EOF
[service:leak]
exec = $HELPERS/leaker 40
memory_max = 128M
memory_high = none
oom_pause_max = 1s
restart = no
stop_timeout = 2s
capture_upload = sh -c 'cat /proc/self/cgroup > "\$0/where.\$CGWARDEN_EVENT"; env | grep ^CGWARDEN_ > "\$0/env.\$CGWARDEN_EVENT"; exec rclone copyto --retries 1 --low-level-retries 1 "\$CGWARDEN_CAPTURE_TARBALL" ":webdav:\$CGWARDEN_OBJECT"' $T

[service:down]
exec = /bin/sleep infinity
capture_upload = env RCLONE_WEBDAV_URL=http://127.0.0.1:$dead rclone copyto --retries 1 --low-level-retries 1 \${CGWARDEN_CAPTURE_TARBALL} :webdav:\${CGWARDEN_OBJECT}
capture_upload_retries = 2
capture_upload_backoff = 1s
capture_upload_timeout = 30s

[service:slow]
exec = /bin/sleep infinity
capture_upload = sh -c 'sleep 300 & echo \$! > "\$0/slow-child.pid"; wait' $T
capture_upload_retries = 0
capture_upload_timeout = 1s
EOF
} > "$T/c.ini"
cgw_start run -c "$T/c.ini"

# ---- leak: both captures uploaded ----
wait_until 90 cgw_log_has "Service 'leak': capture .*-oom-kill uploaded (attempt 1" ||
        not_ok "leak: the oom-kill capture is uploaded" "$(grep -i "upload\|leak" "$T/cgw.err" | tail -8)"
for reason in pre-oom oom-kill; do
        d=$(capture_dir_of leak $reason)
        name=$(basename "${d:-none}")
        inc=$(mf "$d" "m['incident']" 2> /dev/null)
        eval "inc_${reason//-/_}=\$inc"
        obj=$T/remote/$HOST/leak/$inc/$name.tar.gz
        check "leak: $reason capture uploaded as HOST/leak/INCIDENT/$name.tar.gz" test -s "$obj"
        check "leak: $reason tarball holds the capture's manifest, as on disk" \
                sh -c "tar -xzOf '$obj' '$name/manifest.json' | cmp -s - '$d/manifest.json'"
        check "leak: $reason capture has .uploaded (RFC 3339 stamp, attempt 1)" \
                grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z attempt 1$' "$d/.uploaded"
        check "leak: $reason client ran outside the service's cgroup" sh -c "! grep -q '/leak\$' '$T/where.$reason'"
        check "leak: $reason client had CGWARDEN_CAPTURE_DIR and CGWARDEN_EVENT" \
                sh -c "grep -qx 'CGWARDEN_CAPTURE_DIR=$d' '$T/env.$reason' && grep -qx 'CGWARDEN_EVENT=$reason' '$T/env.$reason'"
done
# (its upload may end after the kill: 2.3 s in the VM, with the leak 1 s from the limit)
check "leak: the pre-oom capture finished before the OOM kill was seen" \
        test "$(log_line_of "Capture for 'leak' finished (complete): .*-pre-oom")" -lt "$(log_line_of "Observation oom-kill for 'leak'")"
check "leak: one incident id (32 hex) for the pre-oom capture and the OOM kill of one process" \
        sh -c "echo '$inc_pre_oom' | grep -Eqx '[0-9a-f]{32}' && [ '$inc_pre_oom' = '$inc_oom_kill' ]"
check "leak: the report names the incident" sh -c "'$CGW' report '$(capture_dir_of leak oom-kill)' --text 2> /dev/null | grep -qx '   incident $inc_oom_kill'"
check "leak: no tarball left beside the captures" sh -c "! ls -a '$T/captures/leak' | grep -q 'tar.gz'"
check_eq "leak: status uploads, upload_failures, uploads_pending" "2 0 0" \
        "$(st leak '" ".join(str(s[0][k]) for k in ("uploads", "upload_failures", "uploads_pending"))')"

# ---- down: bounded retries, the capture stays ----
"$CGW" capture down -c "$T/c.ini" > "$T/cap-down.out" 2>&1
check_eq "down: capture down: exit 0" 0 "$?"
check_eq "down: status answers while the upload is retried (uploads_pending 1)" 1 "$(st down 's[0]["uploads_pending"]')"
wait_until 60 cgw_log_has "Service 'down': upload of .* given up after 3 attempts" ||
        not_ok "down: given up after 3 attempts" "$(grep "'down'" "$T/cgw.err" | tail -5)"
check "down: attempt 1 of 3 failed, the next in 1s" cgw_log_has "Service 'down': upload of .* failed (exit status [0-9]*), attempt 1 of 3; the next in 1s"
check "down: attempt 2 of 3 failed, the next in 2s" cgw_log_has "Service 'down': upload of .* failed (exit status [0-9]*), attempt 2 of 3; the next in 2s"
d=$(capture_dir_of down manual)
check "down: the capture stays" test -s "$d/manifest.json"
check "down: without .uploaded" test ! -e "$d/.uploaded"
check "down: no tarball left" sh -c "! ls -a '$T/captures/down' | grep -q 'tar.gz'"
check_eq "down: status upload_failures 1, uploads_pending 0" "1 0" "$(st down '"%d %d" % (s[0]["upload_failures"], s[0]["uploads_pending"])')"

# ---- slow: the timeout kills the client and what it started ----
"$CGW" capture slow -c "$T/c.ini" > "$T/cap-slow.out" 2>&1
wait_until 30 cgw_log_has "Service 'slow': upload of .* given up after 1 attempts" ||
        not_ok "slow: given up after its one attempt" "$(grep "'slow'" "$T/cgw.err" | tail -5)"
check "slow: the attempt timed out after 1s" cgw_log_has "Service 'slow': upload of .* failed (timed out after 1s)"
check "slow: the client's own child is killed too" wait_until 10 is_dead "$(cat "$T/slow-child.pid" 2> /dev/null || echo 0)"

cgw_stop TERM
check_eq "cgwarden exits 0" 0 "$CGW_RC"

# ---- again: what was not uploaded is queued at the next start ----
d=$(capture_dir_of down manual)
inc=$(mf "$d" "m['incident']" 2> /dev/null)
{ cfg_header; cat <<EOF
[service:down]
exec = /bin/sleep infinity
capture_upload = rclone copyto --retries 1 --low-level-retries 1 \${CGWARDEN_CAPTURE_TARBALL} :webdav:\${CGWARDEN_OBJECT}

[service:leak]
exec = /bin/sleep infinity
capture_upload = rclone copyto --retries 1 --low-level-retries 1 \${CGWARDEN_CAPTURE_TARBALL} :webdav:again/\${CGWARDEN_CAPTURE_NAME}
EOF
} > "$T/c2.ini"
cgw_start run -c "$T/c2.ini"
check "again: down's capture without .uploaded is queued at start" \
        wait_until 20 cgw_log_has "Service 'down': 1 capture(s) of before without .uploaded, 1 queued for capture_upload"
check "again: and uploaded" wait_until 30 test -s "$d/.uploaded"
check "again: under its own incident's name" test -s "$T/remote/$HOST/down/${inc:-none}/$(basename "${d:-x}").tar.gz"
check "again: leak's captures, uploaded before, are not queued" \
        sh -c "! grep -q \"Service 'leak': .* of before without .uploaded\" '$T/cgw.err' && ! test -e '$T/remote/again'"
cgw_stop TERM
check_eq "again: cgwarden exits 0" 0 "$CGW_RC"

# ---- exec: the exit waits for the uploads ----
rm -rf "$T/remote/$HOST"
cgw_run_fg exec --restart=no --memory-max=128M --memory-high=none --oom-pause-max=1s --capture-dir="$T/xcap" \
        --termination-log="$T/termination-log" \
        --capture-upload="rclone copyto --retries 1 --low-level-retries 1 \${CGWARDEN_CAPTURE_TARBALL} :webdav:x/\${CGWARDEN_CAPTURE_NAME}.tar.gz" \
        -- "$HELPERS/leaker" 40 > /dev/null 2> "$T/exec.err"
check_eq "exec: exits 137 (the OOM kill's SIGKILL)" 137 "$?"
n=$(ls "$T/xcap"/*/ 2> /dev/null | wc -l)
check "exec: its captures were made" test "$n" -ge 1
check_eq "exec: each was uploaded before it exited" "$n" "$(ls "$T/remote/x" 2> /dev/null | wc -l)"
check "exec: it said it waits for the upload" grep -q "exiting once its running capture is finished and uploaded" "$T/exec.err"
# the pod's termination message (kubectl describe pod): why, and where the evidence is
tl() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/termination-log" "$1"; }
check "exec: termination message written, under 4096 bytes" test -s "$T/termination-log" -a "$(stat -c %s "$T/termination-log" 2> /dev/null || echo 9999)" -lt 4096
check_eq "exec: termination message: service, exit_status, last_event" "leaker 137 oom-kill" \
        "$(tl '"%s %d %s" % (m["service"], m["exit_status"], m["last_event"])')"
last=$(ls -d "$T/xcap/leaker"/*-oom-kill 2> /dev/null | tail -n1)
inc=$(mf "$last" "m['incident']" 2> /dev/null)
check_eq "exec: termination message: incident, last_capture, uploaded_as" \
        "$inc $last $HOST/leaker/$inc/$(basename "${last:-x}").tar.gz" \
        "$(tl '"%s %s %s" % (m.get("incident"), m["last_capture"], m.get("uploaded_as"))')"
say "termination message: $(cat "$T/termination-log")"
