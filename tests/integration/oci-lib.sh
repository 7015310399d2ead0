# OCI containers run by crun, for the tests that supervise or inspect a
# process inside a container (sourced after lib.sh, and after jvm-lib.sh
# when the container runs a JVM: its $CLASSES is bound in).
#
#   oci_rootfs DIR                  a minimal rootfs made of host files: the
#                                   merged-/usr links (bin lib lib64 sbin),
#                                   empty usr proc dev sys tmp run root, and
#                                   a small /etc (passwd, group, hosts,
#                                   alternatives, the JDKs' /etc files)
#   oci_bundle DIR CGPATH LIMIT -- ARGV...
#                                   DIR/config.json (and DIR/rootfs if
#                                   missing: a copy of one oci_rootfs made
#                                   once per test): ARGV as the process
#                                   (root, cwd /, only PATH, no tty; give
#                                   full paths), pid+mount+ipc+uts
#                                   namespaces (the host's network), /proc,
#                                   /dev, /dev/pts, /dev/shm, /sys (ro), /tmp
#                                   (tmpfs), the host's /usr read-only, and
#                                   $CLASSES and $OCI_BINDS read-only at the
#                                   same paths, $OCI_MOUNTS ("SRC:DST:ro|rw"
#                                   ...) as given; $OCI_ENV ("K=V ...") added
#                                   to the environment, $OCI_NAMESPACES
#                                   ("mount ipc ...") instead of the four,
#                                   $OCI_CAPS ("SYS_ADMIN KILL ...") instead of
#                                   crun's default capabilities; memory limit LIMIT bytes, no
#                                   swap; cgroup CGPATH ("/oci-ID"), which is
#                                   relative to the test's cgroup, see below
#   oci_run ID DIR                  start the bundle DIR as container ID, in
#                                   the background (crun run -d); the
#                                   process's stdout+stderr go to DIR/out.log,
#                                   crun's own errors to DIR/crun.log (and
#                                   out.log). Returns crun's status (0 once
#                                   the process runs); sets OCI_START_MS, the
#                                   milliseconds crun took
#   oci_pid ID                      the container init's host pid
#   oci_status ID                   crun's state: created, running, stopped
#   oci_cgdir ID [CTRL]             the host path of the container's cgroup
#                                   (v1: in CTRL's hierarchy, default memory)
#   oci_mem_limit ID                memory.max (v2) / memory.limit_in_bytes (v1)
#   oci_oom_kills ID                the oom_kill count of the container's cgroup
#                                   (memory.events on v2, memory.oom_control v1)
#   oci_wait_gone ID SECONDS        wait until the init process is dead
#   oci_crun ARGS...                crun with this library's state dir and
#                                   cgroup view (crun kill, exec, ps, state)
#   oci_cleanup ID                  kill (crun kill KILL, crun delete -f) and
#                                   make sure the cgroup is gone; safe to call
#                                   twice, and called for every container
#                                   still there by the EXIT trap, before
#                                   lib.sh's cleanup
#
# The container's cgroup is created by crun, below the test's own cgroup
# only. On v1 and hybrid hosts crun's cgroupfs manager (crun 1.8.1,
# enter_cgroup_v1) makes the same path, linux.cgroupsPath, with mkdir -p
# below /sys/fs/cgroup/H for every hierarchy H in its /proc/self/cgroup
# (here memory, pids, cpu, freezer, blkio, devices, cpuset, cpuacct,
# name=systemd and the hybrid v2 "unified"). The test cgroups are at
# different places in each (memory: /process_api/<hash>/cgwtest-PID; pids,
# cpu, freezer: /cgwtest-PID), so no path is below the test's cgroup in all
# of them: /process_api/<hash>/cgwtest-PID/x would make /process_api/...
# at the root of the nine others, /cgwtest-PID/x would land at the root of
# the memory hierarchy, above our own memory cgroup. So every crun command runs in a private mount namespace whose
# /sys/fs/cgroup shows the test's cgroups as the roots: on v1 a tmpfs with
# only memory, pids, cpu and freezer, each the test cgroup of that
# hierarchy (crun skips the hierarchies that are not there: blkio, devices,
# cpuset, cpuacct, name=systemd, unified); on v2 $TESTCG itself. crun then
# makes CGPATH inside the test's cgroup, applies the limits there, and
# removes it on delete. With no devices hierarchy, the config has no
# linux.resources.devices (crun's default /dev nodes only). On v2 crun
# enables cpu, memory and pids in $TESTCG's cgroup.subtree_control, so
# $TESTCG must hold no process then (cgwarden sits in $TESTCG/supervisor).
# The container's init is reparented to PID 1 (crun run -d): its exit
# status is lost, but the cgroup and its counters stay until oci_cleanup.
#
# crun's state (--root) is $T/crun, private to the test.

OCI_CRUN=${CGW_CRUN:-$(command -v crun 2>/dev/null)}
{ [ -n "$OCI_CRUN" ] && [ -x "$OCI_CRUN" ]; } || skip_test "needs crun (apt-get install crun)"
command -v unshare > /dev/null || skip_test "needs unshare (util-linux)"
command -v python3 > /dev/null || skip_test "needs python3 (writes config.json)"
OCI_STATE=$T/crun
OCI_REG=$T/oci.d # one file per container started: ID, holding its bundle dir
OCI_VIEW=$T/oci-cgview # the mount point of the private /sys/fs/cgroup (v1)
# the real /sys/fs/cgroup in crun's mount namespace: a bind source for a
# container that is to see the whole tree (a node agent's hostPath)
OCI_REALCG=$T/oci-realcg
OCI_START_MS=
mkdir -p "$OCI_STATE" "$OCI_REG" "$OCI_VIEW" "$OCI_REALCG"

# The test cgroup in each hierarchy, as "NAME=HOSTPATH ..." (v1), or $TESTCG
if [ "$LANE" = v2 ]; then
        OCI_CGROOTS=$TESTCG
else
        OCI_CGROOTS=
        for c in $V1_CTRLS; do
                d=/sys/fs/cgroup/$c$(own_path "$c" | sed 's:/$::')/$TESTCG_NAME
                [ -d "$d" ] && OCI_CGROOTS="$OCI_CGROOTS $c=$d"
        done
fi

oci_crun() {
        # shellcheck disable=SC2016 # the script is expanded by the inner bash
        unshare --mount --propagation private -- /bin/bash -c '
                set -e
                lane=$1 view=$2 roots=$3 real=$4
                shift 4
                # the real tree stays reachable (a bind source for a
                # container that is to see all of it: $OCI_REALCG)
                mount --rbind /sys/fs/cgroup "$real"
                if [ "$lane" = v2 ]; then
                        mount --bind "$roots" /sys/fs/cgroup
                else
                        mount -t tmpfs -o mode=0755,size=64k oci-cgview "$view"
                        for r in $roots; do
                                mkdir "$view/${r%%=*}"
                                mount --bind "${r#*=}" "$view/${r%%=*}"
                        done
                        mount --rbind "$view" /sys/fs/cgroup
                fi
                exec "$@"' oci-crun "$LANE" "$OCI_VIEW" "$OCI_CGROOTS" "$OCI_REALCG" \
                "$OCI_CRUN" --root "$OCI_STATE" --cgroup-manager cgroupfs "$@"
}

oci_rootfs() { # DIR
        local r=$1 l f
        mkdir -p "$r" || return 1
        for d in usr proc dev sys tmp run root etc; do mkdir -p "$r/$d"; done
        chmod 1777 "$r/tmp"
        chmod 700 "$r/root"
        for l in bin lib lib64 sbin; do
                [ -e "$r/$l" ] || [ -L "$r/$l" ] || ln -s "usr/$l" "$r/$l"
        done
        printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
                'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' > "$r/etc/passwd"
        printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$r/etc/group"
        printf '%s\n' '127.0.0.1 localhost' '::1 localhost ip6-localhost ip6-loopback' > "$r/etc/hosts"
        # /usr/bin/java & co. resolve through /etc/alternatives
        [ -d /etc/alternatives ] && cp -a /etc/alternatives "$r/etc/"
        # Debian's JDKs keep jvm.cfg, java.security ... in /etc (links);
        # one cp for all (a process costs ~0.1 s in the VM)
        local etc=()
        while read -r f; do
                [ -e "$f" ] && etc+=("$f")
        done < <(find /usr/lib/jvm -type l -lname '/etc/*' -printf '%l\n' 2>/dev/null | sort -u)
        [ ${#etc[@]} = 0 ] || cp -L --parents "${etc[@]}" "$r"
}

# a copy of one rootfs made once per test ($T/oci-rootfs)
oci__rootfs_copy() { # DIR
        [ -d "$T/oci-rootfs" ] || oci_rootfs "$T/oci-rootfs" || return 1
        cp -a "$T/oci-rootfs" "$1"
}

oci_bundle() { # DIR CGPATH LIMIT -- ARGV...
        local dir=$1 cgpath=$2 limit=$3
        shift 3
        [ "${1:-}" = -- ] && shift
        case $cgpath in /*) ;; *) echo "oci_bundle: CGPATH must start with /" >&2; return 1 ;; esac
        mkdir -p "$dir" || return 1
        dir=$(cd "$dir" && pwd)
        [ -d "$dir/rootfs" ] || oci__rootfs_copy "$dir/rootfs" || return 1
        rm -f "$dir/config.json"
        (cd "$dir" && "$OCI_CRUN" spec) || return 1
        OCI_MOUNTS=${OCI_MOUNTS:-} OCI_ENV=${OCI_ENV:-} OCI_NAMESPACES=${OCI_NAMESPACES:-} OCI_CAPS=${OCI_CAPS:-} \
        python3 - "$dir" "$cgpath" "$limit" "${CLASSES:-} ${OCI_BINDS:-}" "$@" <<'EOF' || return 1
import json, os, sys
d, cgpath, limit, binds = sys.argv[1:5]
argv = sys.argv[5:]
limit = int(limit)
with open(d + "/config.json") as f:
    c = json.load(f)
p = c["process"]
p["args"] = argv
p["cwd"] = "/"
p["env"] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + os.environ["OCI_ENV"].split()
p["terminal"] = False
c["root"] = {"path": d + "/rootfs", "readonly": False}
c["hostname"] = "cgw-oci"
keep = ("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys")
mounts = [m for m in c["mounts"] if m["destination"] in keep]
mounts.append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
               "options": ["nosuid", "nodev", "mode=1777"]})
mounts.append({"destination": "/usr", "type": "bind", "source": "/usr",
               "options": ["rbind", "ro"]})
for b in dict.fromkeys(binds.split()):
    if os.path.isdir(b) or os.path.isfile(b):
        mounts.append({"destination": b, "type": "bind", "source": b,
                       "options": ["rbind", "ro"]})
for m in os.environ["OCI_MOUNTS"].split():
    src, dst, mode = m.split(":")
    mounts.append({"destination": dst, "type": "bind", "source": src, "options": ["rbind", mode]})
c["mounts"] = mounts
lx = c["linux"]
if os.environ["OCI_CAPS"].split():
    caps = ["CAP_" + x for x in os.environ["OCI_CAPS"].split()]
    p["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
lx["namespaces"] = [{"type": t} for t in (os.environ["OCI_NAMESPACES"].split() or ("pid", "mount", "ipc", "uts"))]
lx["cgroupsPath"] = cgpath
# swap = limit: memory+swap no larger than memory, so no swap
lx["resources"] = {"memory": {"limit": limit, "swap": limit}}
lx.pop("seccomp", None)
with open(d + "/config.json", "w") as f:
    json.dump(c, f, indent=1)
EOF
        echo "$cgpath" > "$dir/cgroup-path"
}

oci_run() { # ID DIR
        local id=$1 dir rc t0
        dir=$(cd "$2" && pwd) || return 1
        echo "$dir" > "$OCI_REG/$id"
        rm -f "$dir/init.pid"
        t0=${EPOCHREALTIME/./}
        oci_crun --log "$dir/crun.log" run -d --pid-file "$dir/init.pid" --bundle "$dir" "$id" \
                < /dev/null > "$dir/out.log" 2>&1
        rc=$?
        # shellcheck disable=SC2034 # read by the tests
        OCI_START_MS=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
        if [ "$rc" != 0 ]; then
                echo "# oci_run $id: crun exit $rc: $(tail -n3 "$dir/crun.log" 2>/dev/null | tr '\n' ' ')" >&2
        fi
        return "$rc"
}

oci__dir() { cat "$OCI_REG/$1" 2>/dev/null; }

oci_pid() { # ID
        local d
        d=$(oci__dir "$1") && [ -s "$d/init.pid" ] && cat "$d/init.pid"
}

oci_status() { # ID
        oci_crun state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null
}

oci_cgdir() { # ID [CTRL]
        local d cgpath c=${2:-memory} r
        d=$(oci__dir "$1") || return 1
        cgpath=$(cat "$d/cgroup-path") || return 1
        if [ "$LANE" = v2 ]; then
                echo "$TESTCG$cgpath"
                return 0
        fi
        for r in $OCI_CGROOTS; do
                [ "${r%%=*}" = "$c" ] && { echo "${r#*=}$cgpath"; return 0; }
        done
        return 1
}

oci_mem_limit() { # ID
        if [ "$LANE" = v2 ]; then
                cat "$(oci_cgdir "$1")/memory.max"
        else
                cat "$(oci_cgdir "$1" memory)/memory.limit_in_bytes"
        fi
}

oci_oom_kills() { # ID
        if [ "$LANE" = v2 ]; then
                awk '$1 == "oom_kill" { print $2 }' "$(oci_cgdir "$1")/memory.events"
        else
                awk '$1 == "oom_kill" { print $2 }' "$(oci_cgdir "$1" memory)/memory.oom_control"
        fi
}

oci_wait_gone() { # ID SECONDS
        local pid
        pid=$(oci_pid "$1") || return 0
        wait_until "$2" is_dead "$pid"
}

oci_cleanup() { # ID
        local id=$1 d c r
        d=$(oci__dir "$id") || return 0
        if [ -e "$OCI_STATE/$id" ]; then
                oci_crun kill "$id" KILL > /dev/null 2>&1
                oci_crun delete -f "$id" > /dev/null 2>&1 ||
                        echo "# oci_cleanup $id: crun delete -f failed" >&2
        fi
        # what crun left (a crun that died half way): the cgroup, by pid
        if [ "$LANE" = v2 ]; then
                cg_remove_tree "$TESTCG$(cat "$d/cgroup-path" 2>/dev/null || echo /nonexistent)"
        else
                for r in $OCI_CGROOTS; do
                        cg_remove_tree "${r#*=}$(cat "$d/cgroup-path" 2>/dev/null || echo /nonexistent)"
                done
        fi
        rm -f "$OCI_REG/$id"
}

oci_cleanup_all() {
        local f
        for f in "$OCI_REG"/*; do
                [ -f "$f" ] && oci_cleanup "$(basename "$f")"
        done
        return 0
}

# the containers go before lib.sh's cleanup (which removes $T and the test
# cgroups); its exit status stays the test's
oci__exit() {
        local rc=$?
        oci_cleanup_all
        (exit "$rc")
        cleanup
}
trap oci__exit EXIT
