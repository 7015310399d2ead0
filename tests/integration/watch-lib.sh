# Helpers for the watch-mode tests (sourced after lib.sh): cgroups that
# cgwarden did not create, made below the test cgroup, and cgwarden started
# in a leaf of its own (on v2 a cgroup with processes cannot have children
# with controllers, and the watched cgroups are the test cgroup's children).

# the path of the test cgroup in the tree cgwarden names cgroups by (v2:
# the one; v1: the memory hierarchy), e.g. /process_api/x/cgwtest-123
if [ "$LANE" = v2 ]; then
        TESTREL=${TESTCG#/sys/fs/cgroup}
else
        TESTREL=${TESTCG#/sys/fs/cgroup/memory}
fi

# watched_cg_make NAME [MEMORY_LIMIT_BYTES]: a cgroup TESTCG/NAME (v1: in
# the memory and pids hierarchies) with that memory limit; prints nothing
watched_cg_make() {
        local name=$1 limit=${2:-}
        if [ "$LANE" = v2 ]; then
                mkdir "$TESTCG/$name" || return 1
                [ -n "$limit" ] && echo "$limit" > "$TESTCG/$name/memory.max"
        else
                mkdir "$TESTCG/$name" || return 1
                mkdir -p "/sys/fs/cgroup/pids$(own_path pids | sed 's:/$::')/$TESTCG_NAME/$name"
                [ -n "$limit" ] && echo "$limit" > "$TESTCG/$name/memory.limit_in_bytes"
        fi
        return 0
}

# the cgroup.procs files a process must join to be in TESTCG/NAME
watched_cg_procs() { # NAME
        if [ "$LANE" = v2 ]; then
                echo "$TESTCG/$1/cgroup.procs"
        else
                echo "$TESTCG/$1/cgroup.procs /sys/fs/cgroup/pids$(own_path pids | sed 's:/$::')/$TESTCG_NAME/$1/cgroup.procs"
        fi
}

# watched_cg_remove NAME: kill what is in it, remove it
watched_cg_remove() { # NAME
        cg_remove_tree "$TESTCG/$1"
        [ "$LANE" = v2 ] || cg_remove_tree "/sys/fs/cgroup/pids$(own_path pids | sed 's:/$::')/$TESTCG_NAME/$1"
}

# watched_run NAME PIDFILE CMD...: run CMD in TESTCG/NAME, in the
# background, output to $T/NAME.out; its pid goes to PIDFILE (killed by
# the cleanup when it ends in .pid under $T)
watched_run() { # NAME PIDFILE CMD...
        local name=$1 pidfile=$2
        shift 2
        (
                for p in $(watched_cg_procs "$name"); do echo "$BASHPID" > "$p" || exit 99; done
                exec "$@"
        ) > "$T/$name.out" 2>&1 &
        echo $! > "$pidfile"
        disown $! # no "Killed" from bash when the test kills it
}

# cgwarden in TESTCG/cgw on v2 (so that TESTCG holds no process)
# and the watched cgroups get the memory and pids controllers
if [ "$LANE" = v2 ]; then
        echo "+memory +pids" > "$TESTCG/cgroup.subtree_control" || skip_test "cannot enable memory+pids in $TESTCG"
        mkdir "$TESTCG/cgw"
        TESTCG_PROCS=$TESTCG/cgw/cgroup.procs
fi
