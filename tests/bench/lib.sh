# Sourced by tests/bench/spawn-overhead, footprint and run.
# Shared helpers: where the binary is, statistics, result files.
# Nothing here starts a process that outlives the calling script.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
BUILD=${CGW_BUILD:-$TOP/build}

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
say() { printf '# %s\n' "$*" >&2; }

# find_cgwarden: sets CGW. $CGWARDEN wins (to bench an installed binary);
# else the meson build dir, brought up to date first (a no-op when it is)
# so the numbers are never those of a stale binary.
find_cgwarden() {
        if [ -n "${CGWARDEN:-}" ]; then
                CGW=$CGWARDEN
        else
                [ -f "$BUILD/build.ninja" ] ||
                        die "no build in $BUILD: run 'meson setup build && ninja -C build' (or set CGWARDEN=/path/to/cgwarden)"
                ninja -C "$BUILD" supervisor/cgwarden >/dev/null ||
                        die "ninja -C $BUILD failed"
                CGW=$BUILD/supervisor/cgwarden
        fi
        [ -x "$CGW" ] || die "$CGW is not executable"
}

# build_helper DIR: compile bare-spawn.c into DIR/bare-spawn with -O2.
# Built per run into a temp dir, so the bench needs no meson target.
build_helper() {
        command -v cc >/dev/null || die "cc not found (apt-get install -y gcc)"
        cc -O2 -Wall -Wextra -o "$1/bare-spawn" "$BENCH_DIR/bare-spawn.c" ||
                die "cannot compile $BENCH_DIR/bare-spawn.c"
}

# stats FILE: one number per line -> "n median p90 min max mean".
# median: mean of the two middle values for even n; p90: nearest rank
# (the ceil(0.9 n)-th smallest), the usual definition for latency reports.
stats() {
        sort -g "$1" | awk '
                { v[NR] = $1; s += $1 }
                END {
                        n = NR
                        if (n == 0) { print "0 nan nan nan nan nan"; exit }
                        med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                        r = int(0.9 * n); if (r < 0.9 * n) r++; if (r < 1) r = 1
                        printf "%d %.6g %.6g %.6g %.6g %.6g\n", n, med, v[r], v[1], v[n], s / n
                }'
}

# fmt X DIGITS: printf a float, "n/a" for empty or nan.
fmt() {
        case ${1:-} in
        "" | nan | -nan | inf | -inf) echo n/a ;;
        *) LC_ALL=C printf "%.${2:-2}f" "$1" ;;
        esac
}

# calc EXPR: floating point arithmetic through awk ("n/a" on division by 0).
calc() { LC_ALL=C awk "BEGIN { d = 0; r = ($1); printf \"%.6g\", r }" 2>/dev/null || echo nan; }

# result KEY VALUE: append to $RESULTS (a key=value file read by tests/bench/run).
result() {
        [ -n "${RESULTS:-}" ] || return 0
        printf '%s=%s\n' "$1" "$2" >>"$RESULTS"
}

# machine_line: one line saying what the numbers were measured on.
machine_line() {
        local model cores kernel os
        model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
        cores=$(nproc)
        kernel=$(uname -r)
        os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
        printf '%s, %s cores (%s), kernel %s, cgroup %s' "${os:-Linux}" "$cores" "${model:-unknown cpu}" "$kernel" "$(cgroup_mode)"
}

cgroup_mode() {
        if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
                echo v2
        elif [ -d /sys/fs/cgroup/unified ]; then
                echo hybrid
        else
                echo v1
        fi
}

# build_type: meson buildtype of $BUILD ("" when not a meson build).
build_type() {
        [ -z "${CGWARDEN:-}" ] || { echo "external binary"; return; }
        python3 - "$BUILD" 2>/dev/null <<'EOF' || true
import json, sys
opts = {o["name"]: o["value"] for o in json.load(open(sys.argv[1] + "/meson-info/intro-buildoptions.json"))}
print("%s, b_sanitize=%s" % (opts.get("buildtype"), opts.get("b_sanitize")))
EOF
}

# pause SECONDS: sleep that a trapped signal interrupts at once (bash runs
# traps only after a foreground child ends; "wait" returns on a signal).
# The sleep's pid is in PAUSE_PID so that an EXIT trap can end it.
PAUSE_PID=
pause() {
        sleep "$1" &
        PAUSE_PID=$!
        wait "$PAUSE_PID" || true
        PAUSE_PID=
}
end_pause() {
        [ -n "${PAUSE_PID:-}" ] && kill "$PAUSE_PID" 2>/dev/null
        PAUSE_PID=
}
