# Sourced by tests/integration/test-*.sh. Drives the real cgwarden binary on
# real cgroups. Every test runs cgwarden inside a fresh test cgroup below
# the caller's own (as systemd's Delegate=yes would give it one), and the
# EXIT trap removes every cgroup and process the test made, also on failure.
# Exit status: 0 pass, 1 fail, 77 skip (with the missing feature named).
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${CGW_BUILD:-$TOP/build}" && pwd)
CGW=$BUILD/supervisor/cgwarden
# the test programs; the ASan lane uses the plain build's, so that a
# leaker behaves like a real program (ASan keeps freed memory in quarantine)
HELPERS=${CGW_HELPERS:-$BUILD/tests}
FIXTURES=$TOP/tests/fixtures
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/cgw-$TEST_NAME.XXXXXX")
chmod 755 "$T"
CGW_PID=
FAILED=0
N_CHECK=0

if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
        LANE=v2
else
        LANE=v1
fi

say() { printf '# %s\n' "$*"; }

ok() {
        N_CHECK=$((N_CHECK + 1))
        printf 'ok %d - %s\n' "$N_CHECK" "$1"
}

not_ok() {
        N_CHECK=$((N_CHECK + 1))
        FAILED=1
        printf 'not ok %d - %s\n' "$N_CHECK" "$1"
        shift
        for l in "$@"; do printf '#   %s\n' "$l"; done
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds
check() {
        local d=$1
        shift
        if "$@"; then ok "$d"; else not_ok "$d" "command: $*"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
        if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: '$2'" "actual:   '$3'"; fi
}

skip_test() {
        echo "SKIP: $*"
        exit 77
}

require_v2() { [ "$LANE" = v2 ] || skip_test "needs cgroup v2 (runs in the VM lane)"; }
require_v1() { [ "$LANE" = v1 ] || skip_test "needs cgroup v1 (runs in the host lane)"; }
require_root() { [ "$(id -u)" = 0 ] || skip_test "needs root"; }

# wait_until SECONDS COMMAND...: poll COMMAND every 20 ms, bounded by the
# wall clock (a count of polls stretches under TCG, where each poll's fork
# is slow).
wait_until() {
        local limit=$1 deadline
        shift
        deadline=$(( ${EPOCHREALTIME/./} + limit * 1000000 ))
        while ! "$@" 2>/dev/null; do
                [ "${EPOCHREALTIME/./}" -ge "$deadline" ] && return 1
                sleep 0.02
        done
        return 0
}

# ---- the test cgroup ----
V1_CTRLS="memory pids cpu freezer"
TESTCG_NAME=cgwtest-$$
TESTCG=

own_path() { # controller ("" for v2)
        if [ -z "$1" ]; then
                sed -n 's/^0:://p' /proc/self/cgroup
        else
                awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup
        fi
}

cg_setup() {
        if [ "$LANE" = v2 ]; then
                local own base
                own=$(own_path "")
                base=/sys/fs/cgroup${own%/}
                TESTCG=$base/$TESTCG_NAME
                mkdir "$TESTCG" || skip_test "cannot create a test cgroup below $base"
                # Give the test cgroup the controllers, as a delegating
                # systemd would (only possible where $base holds no
                # process: the root of the VM, or a delegated subtree).
                echo "+memory +pids +cpu" > "$base/cgroup.subtree_control" 2>/dev/null ||
                        echo "+memory +pids" > "$base/cgroup.subtree_control" 2>/dev/null ||
                        { rmdir "$TESTCG"; skip_test "cannot enable memory+pids controllers in $base"; }
                TESTCG_PROCS=$TESTCG/cgroup.procs
        else
                TESTCG_PROCS=
                for c in $V1_CTRLS; do
                        local p
                        p=$(own_path "$c")
                        [ -n "$p" ] && [ -d "/sys/fs/cgroup/$c" ] || continue
                        mkdir "/sys/fs/cgroup/$c${p%/}/$TESTCG_NAME"
                        TESTCG_PROCS="$TESTCG_PROCS /sys/fs/cgroup/$c${p%/}/$TESTCG_NAME/cgroup.procs"
                done
                TESTCG=/sys/fs/cgroup/memory$(own_path memory | sed 's:/$::')/$TESTCG_NAME
        fi
}

# Directory of a service's cgroup (memory hierarchy on v1, or CTRL's).
svc_cg() { # NAME [CTRL]
        if [ "$LANE" = v2 ]; then
                echo "$TESTCG/services/$1"
        else
                local c=${2:-memory}
                echo "/sys/fs/cgroup/$c$(own_path "$c" | sed 's:/$::')/$TESTCG_NAME/services/$1"
        fi
}

svc_pids() { cat "$(svc_cg "$1")/cgroup.procs" 2>/dev/null; }
svc_main_pid() { svc_pids "$1" | head -n1; }
has_main_pid() { test -n "$(svc_main_pid "$1")"; }
# a process is dead when gone or a zombie (its reaper may be slow)
is_dead() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# remove a cgroup tree depth-first, killing what is left inside
cg_remove_tree() {
        local d=$1
        [ -d "$d" ] || return 0
        find "$d" -depth -type d | while read -r sub; do
                for _ in 1 2 3 4 5 6 7 8 9 10; do
                        pids=$(cat "$sub/cgroup.procs" 2>/dev/null)
                        [ -z "$pids" ] && break
                        kill -9 $pids 2>/dev/null
                        sleep 0.05
                done
                rmdir "$sub" 2>/dev/null || { sleep 0.2; rmdir "$sub" 2>/dev/null; } ||
                        echo "# warning: could not remove $sub" >&2
        done
}

cg_teardown() {
        [ "${CGW_NO_TESTCG:-}" != 1 ] || return 0
        if [ "$LANE" = v2 ]; then
                cg_remove_tree "$TESTCG"
        else
                for c in $V1_CTRLS; do
                        local p
                        p=$(own_path "$c")
                        [ -n "$p" ] || continue
                        cg_remove_tree "/sys/fs/cgroup/$c${p%/}/$TESTCG_NAME"
                done
        fi
}

# the stock profiles (policies/profiles), for configs with profile =
export CGWARDEN_PROFILE_DIR=$TOP/policies/profiles

# ---- cgwarden ----

# cgw_start ARGS...: start cgwarden in the test cgroup, in the background.
# Output: $T/cgw.out, $T/cgw.err. Sets CGW_PID.
cgw_start() {
        (
                for p in ${TESTCG_PROCS:-}; do echo "$BASHPID" > "$p" || exit 99; done
                exec "$CGW" "$@"
        ) > "$T/cgw.out" 2> "$T/cgw.err" &
        CGW_PID=$!
}

# cgw_run_fg ARGS...: run cgwarden in the test cgroup in the foreground;
# returns its exit status.
cgw_run_fg() {
        (
                for p in $TESTCG_PROCS; do echo "$BASHPID" > "$p" || exit 99; done
                exec "$CGW" "$@"
        )
}

# cgw_stop [SIGNAL]: signal cgwarden and wait for it (bounded); sets CGW_RC
cgw_stop() {
        local sig=${1:-TERM}
        CGW_RC=
        [ -n "$CGW_PID" ] || return 0
        kill -s "$sig" "$CGW_PID" 2>/dev/null
        if wait_until 60 sh -c "! kill -0 $CGW_PID 2>/dev/null || grep -q '^State:.*Z' /proc/$CGW_PID/status"; then
                wait "$CGW_PID"
                CGW_RC=$?
        else
                kill -9 "$CGW_PID" 2>/dev/null
                wait "$CGW_PID" 2>/dev/null
                CGW_RC=timeout
        fi
        CGW_PID=
}

cgw_log_has() { grep -q -- "$1" "$T/cgw.err"; }

cleanup() {
        local rc=$?
        if [ -n "$CGW_PID" ]; then
                kill -TERM "$CGW_PID" 2>/dev/null
                wait_until 20 sh -c "! kill -0 $CGW_PID 2>/dev/null || grep -q '^State:.*Z' /proc/$CGW_PID/status" ||
                        kill -9 "$CGW_PID" 2>/dev/null
                wait "$CGW_PID" 2>/dev/null
        fi
        # processes a test service may have left (pid files), by pid
        for f in "$T"/*.pid; do
                [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
        done
        cg_teardown
        if [ "$FAILED" != 0 ] || [ "$rc" != 0 ]; then
                if [ -s "$T/cgw.err" ]; then
                        echo "# --- cgwarden stderr (last 40 lines) ---"
                        tail -n 40 "$T/cgw.err" | sed 's/^/#   /'
                fi
                # CGW_KEEP_FAILED=DIR: the failed test's temp dir (logs,
                # captures) is copied there
                if [ -n "${CGW_KEEP_FAILED:-}" ] && mkdir -p "$CGW_KEEP_FAILED"; then
                        cp -a "$T" "$CGW_KEEP_FAILED/" 2>/dev/null &&
                                echo "# kept: $CGW_KEEP_FAILED/$(basename "$T")"
                fi
        fi
        rm -rf "$T"
        # directories a test made outside $T (space separated)
        [ -n "${EXTRA_CLEANUP_DIRS:-}" ] && rm -rf $EXTRA_CLEANUP_DIRS
        if [ "$rc" = 77 ]; then exit 77; fi
        if [ "$FAILED" != 0 ]; then exit 1; fi
        exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$CGW" ] || { echo "cgwarden not built at $CGW (set CGW_BUILD)"; exit 1; }
require_root
# CGW_NO_TESTCG=1 (set by the test before sourcing): no test cgroup, for a
# test that lets systemd make the cgroups (test-systemd-unit.sh)
[ "${CGW_NO_TESTCG:-}" = 1 ] || cg_setup

# write_config FILE <<EOF ... : config with log_dir etc. under $T
cfg_header() {
        cat <<EOC
[supervisor]
log_dir = $T/log
capture_dir = $T/captures
state_dir = $T/state
EOC
}
