#!/bin/bash
# The Debian package under a real systemd (the systemd lane): the .deb that
# tests/docs/deb-check built (tests/run keeps it in build/deb, CGW_DEB) is
# installed with dpkg in the VM's writable root, and the installed files
# do the job:
#   install: /usr/bin/cgwarden, the unit (ExecStart=/usr/bin/cgwarden),
#            neither enabled nor started (no config yet), tmpfiles.d's
#            dirs, the man pages, the completion, the profiles
#   run:     /etc/cgwarden/cgwarden.ini written, `systemctl start
#            cgwarden`: active, a C leaker (profile = generic, found in
#            /usr/share/cgwarden/profiles) in <unit>/services/leak gets a
#            complete pre-oom capture in /var/lib/cgwarden/captures before
#            the kernel's OOM kill; `cgwarden status` answers through the
#            unit's socket, to root and a member of control_group, not to
#            another user; the installed completion completes its service; journalctl -o json MESSAGE_ID=... finds the
#            start, pre-oom, capture, oom-kill, exit and restart entries
#            with their CGWARDEN_* fields; the service's own output is in
#            /var/log/cgwarden/leak.log
#   harden:  the same under contrib/systemd/hardening.conf (ProtectSystem=
#            strict, ReadWritePaths= the capture, state and log dirs, and
#            the rest that leaves attach and the services alone) as a
#            drop-in: still active, still a complete capture
#   remove:  dpkg -r stops the unit; no cgroup of it is left
# Skips (77) unless PID 1 is systemd, and when no package was built (run
# tests/docs/deb-check with CGW_DEB_KEEP=DIR, then CGW_DEB=DIR/cgwarden_*.deb).
# systemd-lane: run by tests/integration/run --lane systemd
# timeout: 400
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] || [ ! -d /run/systemd/system ]; then
        echo "SKIP: PID 1 is not systemd (runs in the systemd lane: tests/vm/run-in-vm --systemd)"
        exit 77
fi
CGW_NO_TESTCG=1
. "$(dirname "$0")/lib.sh"
require_v2
# (only the one named: a .deb left by an earlier run may be stale)
DEB=${CGW_DEB:-}
[ -n "$DEB" ] && [ -f "$DEB" ] || skip_test "no cgwarden .deb given (tests/run builds it with tests/docs/deb-check and passes CGW_DEB)"
[ -e /usr/bin/cgwarden ] && skip_test "/usr/bin/cgwarden exists here already: not installing over it"

UNIT=cgwarden.service
CGU=/sys/fs/cgroup/system.slice/$UNIT
deb_cleanup() {
        systemctl stop "$UNIT" 2> /dev/null
        rm -rf /etc/systemd/system/$UNIT.d
        dpkg -P cgwarden > /dev/null 2>&1
        rm -rf /etc/cgwarden /var/lib/cgwarden /var/log/cgwarden /run/cgwarden
        userdel "cgwm$$" 2> /dev/null
        userdel "cgwo$$" 2> /dev/null
        groupdel "cgwctl$$" 2> /dev/null
        [ -n "${POLICY_SAVED:-}" ] && mv "$T/policy-rc.d" /usr/sbin/policy-rc.d
        systemctl daemon-reload
}
trap 'rc=$?; deb_cleanup; (exit $rc); cleanup' EXIT
prop() { systemctl show -p "$1" --value "$UNIT"; }

# ---- install ----
# man-db's trigger rebuilds its whole index, minutes under TCG: off in the
# VM's throwaway root (the man pages are checked as files)
rm -f /var/lib/man-db/auto-update
# this machine's image has a policy-rc.d that forbids maintainer scripts
# every service action (exit 101, as build chroots have): aside for the
# test, as on an installed system, which has none
if [ -e /usr/sbin/policy-rc.d ]; then
        mv /usr/sbin/policy-rc.d "$T/policy-rc.d" && POLICY_SAVED=1
fi
t0=$SECONDS
timeout 120 dpkg -i "$DEB" > "$T/dpkg.out" 2>&1
check_eq "dpkg -i $(basename "$DEB")" 0 "$?"
say "dpkg -i took $((SECONDS - t0)) s"
[ -e /usr/bin/cgwarden ] || not_ok "the package installed /usr/bin/cgwarden" "$(tail -5 "$T/dpkg.out")"
check_eq "the unit is the package's" "/lib/systemd/system/$UNIT" "$(prop FragmentPath | sed 's|^/usr/lib|/lib|')"
check "it runs /usr/bin/cgwarden" sh -c "systemctl cat $UNIT | grep -qx 'ExecStart=/usr/bin/cgwarden run -c /etc/cgwarden/cgwarden.ini'"
check_eq "it is not enabled (no config yet)" disabled "$(systemctl is-enabled "$UNIT" 2> /dev/null)"
check "it is not started" sh -c "! systemctl is-active --quiet $UNIT"
check "tmpfiles.d made /var/lib/cgwarden/captures (0700)" sh -c "[ \"\$(stat -c %a /var/lib/cgwarden/captures)\" = 700 ]"
check "the man pages are installed" test -s /usr/share/man/man5/cgwarden.ini.5.gz -a -s /usr/share/man/man1/cgwarden.1.gz
check "the completion is installed" test -s /usr/share/bash-completion/completions/cgwarden
check "the profiles are installed" test -s /usr/share/cgwarden/profiles/generic.ini

# ---- run: the installed unit, a leak, its evidence ----
mkdir -p /etc/cgwarden
# a member of control_group and a user who is not
GRP=cgwctl$$ MEMBER=cgwm$$ OTHER=cgwo$$
groupadd "$GRP" && useradd -M -G "$GRP" "$MEMBER" && useradd -M "$OTHER" ||
        not_ok "make the group and users"
cat > /etc/cgwarden/cgwarden.ini <<EOF
[supervisor]
control_group = $GRP

[service:leak]
exec = $HELPERS/leaker 10
profile = generic
memory_max = 96M
memory_high = none
restart = on-failure
restart_delay = 2s
EOF
check "cgwarden check accepts the config" /usr/bin/cgwarden check /etc/cgwarden/cgwarden.ini
# journalctl -o json MESSAGE_ID=... CGWARDEN_SERVICE=leak: the first entry's
# FIELD (python expression on j), "" when none
jentry() { # MESSAGE_ID EXPR
        journalctl -q --no-pager -o json "MESSAGE_ID=$1" CGWARDEN_SERVICE=leak -u "$UNIT" 2> /dev/null | head -n1 |
                python3 -c 'import json,sys
l=sys.stdin.readline()
j=json.loads(l) if l.strip() else None
print(eval(sys.argv[1]) if j else "")' "$2" 2> /dev/null
}
journald_entries() {
        check_eq "journald: start entry (CGWARDEN_EVENT, CGWARDEN_CGROUP)" "start /system.slice/$UNIT/services/leak" \
                "$(jentry 3f2a8c1e5b7d4e6f9a0b1c2d3e4f5a61 'j["CGWARDEN_EVENT"] + " " + j["CGWARDEN_CGROUP"]')"
        check_eq "journald: pre-oom entry (CGWARDEN_EVENT)" pre-oom \
                "$(jentry a046e2d49d924883a37020a55a4b5096 'j["CGWARDEN_EVENT"]')"
        check "journald: capture entry (CGWARDEN_CAPTURE_DIR, CGWARDEN_CAPTURE_COMPLETE=1)" \
                sh -c "echo '$(jentry f0a1e6a3c52a4c3f9d0f2b1c7e8d9a01 'j["CGWARDEN_CAPTURE_DIR"] + " " + j["CGWARDEN_CAPTURE_COMPLETE"]')' | grep -Eq '^/var/lib/cgwarden/captures/leak/.*-pre-oom 1$'"
        check_eq "journald: oom-kill entry" oom-kill "$(jentry 7bd6eb0938394ca48b4abee3d8426ed8 'j["CGWARDEN_EVENT"]')"
        check_eq "journald: exit entry (CGWARDEN_EXIT_SIGNAL)" KILL \
                "$(jentry 4a3b9d2f6c8e4f7a0b1c2d3e4f5a6b72 'j.get("CGWARDEN_EXIT_SIGNAL", "")' | sed 's/^SIG//')"
        wait_until 20 sh -c "journalctl -q -o cat MESSAGE_ID=5b4cae30d7f94a8b1c2d3e4f5a6b7c83 -u $UNIT | grep -q ." 
        check_eq "journald: restart entry (CGWARDEN_RESTART_DELAY_USEC)" 2000000 \
                "$(jentry 5b4cae30d7f94a8b1c2d3e4f5a6b7c83 'j["CGWARDEN_RESTART_DELAY_USEC"]')"
        check "the service's own output is in /var/log/cgwarden/leak.log (as the README says), stamped" \
                grep -Eq '^[0-9T:.-]+Z stdout: leaked 16 MB$' /var/log/cgwarden/leak.log
        check "and not in the journal" sh -c "! journalctl -q -o cat -u $UNIT | grep -q '^leaked 16 MB'"
}
run_leak() { # LABEL
        local d t0=$SECONDS
        rm -rf /var/lib/cgwarden/captures/leak
        systemctl start "$UNIT"
        check_eq "$1: systemctl start: active" active "$(systemctl is-active "$UNIT")"
        check "$1: the leak runs in <unit>/services/leak" wait_until 10 grep -q . "$CGU/services/leak/cgroup.procs"
        check "$1: cgwarden status answers through the unit's socket" \
                sh -c "/usr/bin/cgwarden status | grep -q '^leak '"
        check "$1: and to a member of control_group" \
                sh -c "runuser -u $MEMBER -- /usr/bin/cgwarden status -c /etc/cgwarden/cgwarden.ini | grep -q '^leak '"
        check "$1: not to another user" \
                sh -c "! runuser -u $OTHER -- /usr/bin/cgwarden status -c /etc/cgwarden/cgwarden.ini > /dev/null 2>&1"
        wait_until 60 sh -c "ls -d /var/lib/cgwarden/captures/leak/*-oom-kill > /dev/null 2>&1" ||
                not_ok "$1: the OOM kill's post-mortem" "$(journalctl -u "$UNIT" -n 15 --no-pager -o cat)"
        d=$(ls -d /var/lib/cgwarden/captures/leak/*-pre-oom 2> /dev/null | head -n1)
        check "$1: a pre-oom capture in /var/lib/cgwarden/captures" test -n "$d"
        [ -n "$d" ] && check_eq "$1: it is complete" True \
                "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["complete"])' "$d/manifest.json" 2> /dev/null)"
        [ -n "$d" ] && check "$1: taken before the kill (oom_kill 0)" grep -q "oom_kill 0" "$d/memory.events.txt"
        check_eq "$1: the unit is still active after the service's death" active "$(systemctl is-active "$UNIT")"
        if [ "$1" = installed ]; then
                check_eq "$1: the installed bash completion completes the running supervisor's service" leak \
                        "$(bash -c '. /usr/share/bash-completion/bash_completion 2> /dev/null
. /usr/share/bash-completion/completions/cgwarden
COMP_LINE="cgwarden status "; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(cgwarden status ""); COMP_CWORD=2
_cgwarden cgwarden "" status 2> /dev/null; printf "%s\n" "${COMPREPLY[@]}"')"
                journald_entries
        fi
        systemctl stop "$UNIT"
        check_eq "$1: systemctl stop: cgwarden exited 0" 0 "$(prop ExecMainStatus)"
        say "$1: $((SECONDS - t0)) s"
}
run_leak installed

# ---- harden: the documented drop-in ----
mkdir -p /etc/systemd/system/$UNIT.d
check "the package has the drop-in as an example" test -s /usr/share/doc/cgwarden/examples/hardening.conf
cp /usr/share/doc/cgwarden/examples/hardening.conf /etc/systemd/system/$UNIT.d/
systemctl daemon-reload
check_eq "the drop-in is loaded (ProtectSystem=strict)" strict "$(prop ProtectSystem)"
run_leak hardened
journalctl -u "$UNIT" --no-pager -o cat | grep -i "denied\|read-only\|cannot" | head -5 > "$T/denials"
check_eq "hardened: nothing refused in cgwarden's log" "" "$(cat "$T/denials")"

# ---- remove ----
systemctl start "$UNIT"
wait_until 10 grep -q . "$CGU/services/leak/cgroup.procs"
t0=$SECONDS
timeout 120 dpkg -r cgwarden > "$T/dpkg-r.out" 2>&1
check_eq "dpkg -r cgwarden" 0 "$?"
say "dpkg -r took $((SECONDS - t0)) s: $(tail -n 3 "$T/dpkg-r.out")"
check "the removal stopped the unit" sh -c "! systemctl is-active --quiet $UNIT"
check "no cgroup of it is left" wait_until 10 test ! -d "$CGU"
check "/usr/bin/cgwarden is gone" test ! -e /usr/bin/cgwarden
