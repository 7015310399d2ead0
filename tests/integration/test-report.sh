#!/bin/bash
# cgwarden report on a real capture: DirectLeak (direct ByteBuffers, its
# main thread named <script>alert(1)</script>) under memory_max = 256M,
# a manual capture after the NMT baseline, then the pre-oom capture.
#   text     the findings of the manifest, in plain words, the timeline,
#            the NMT categories and the file sections
#   html     one page python3's html.parser reads with every tag closed,
#            an <svg> with the memory polyline, the limit line and the
#            capture marks, the findings; no <script>: the hostile thread
#            name and a hostile finding come out escaped
#   service  the service's captures, oldest first (by directory, and by
#            name through -c CONFIG); --compare A B
#   bad      a history.csv with bad lines still gives a timeline
#   chromium when installed, a screenshot of the page, its pixels showing
#            the memory and limit lines and the NMT bars (python3-pil)
# timeout: 120
# not-in-lanes: vm (the report reads a capture's files, the same on v1 and v2; test-capture-jvm runs the v2 capture path, and CI's VM lane has no minutes to spare; in the VM run it with tests/integration/run --lane v2 test-report.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/capture-lib.sh"
. "$(dirname "$0")/jvm-lib.sh"

[ -f "$CLASSES/DirectLeak.class" ] || skip_test "the Java test programs were not compiled (no javac at build time)"
HOSTILE='<script>alert(1)</script>'
ESC=$(printf '\033')

cfg_header > "$T/c.ini"
{
        printf '\n[service:leaky]\n'
        printf "exec = %s -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxDirectMemorySize=1g -cp %s DirectLeak 30 1024 '%s'\n" "$JAVA" "$CLASSES" "$HOSTILE"
        printf 'memory_max = 256M\nmemory_high = none\nnmt_baseline_after = 2s\nrestart = no\n'
        printf 'on_pre_oom = capture stop\nstop_timeout = 2s\ncapture_timeout = 20s\n'
} >> "$T/c.ini"
check "config valid" "$CGW" check "$T/c.ini"
cgw_start run -c "$T/c.ini"

wait_until 30 cgw_log_has "Service 'leaky': NMT baseline" ||
        not_ok "an NMT baseline" "$(tail -5 "$T/cgw.err")"
"$CGW" capture leaky -c "$T/c.ini" > "$T/cap.out" 2>&1 || not_ok "a manual capture" "$(cat "$T/cap.out")"
wait_until 40 sh -c "ls '$T/captures/leaky'/*-pre-oom/manifest.json > /dev/null 2>&1" ||
        not_ok "a pre-oom capture" "$(tail -6 "$T/cgw.err")"
man=$(capture_dir_of leaky manual)
d=$(capture_dir_of leaky pre-oom)
[ -n "$d" ] && [ -n "$man" ] || exit 1
say "captures: $man $d"

# python3 checks, written to files (no heredoc in a heredoc)
cat > "$T/findings.py" << 'EOF'
# every finding of the manifest is in the text report: the values as
# they are, but nmt_top_growth in words (its category, what grew)
import json, re, sys
m = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
findings = text.split("\n== Timeline")[0]
bad = []
if m["reason"] + " at " + m["started_at"] + ": " + m["trigger"]["what"] not in findings:
    bad.append("trigger")
for k, v in m["findings"].items():
    if k == "nmt_top_growth":
        name = v.split(" +")[0]
        if not re.search(re.escape(name) + r".* grew \S+ \(committed\) since the NMT baseline", findings):
            bad.append(k)
    elif v not in findings:
        bad.append(k)
print("findings:", ", ".join(sorted(m["findings"])), "- missing:", ", ".join(bad) or "none")
sys.exit(1 if bad or not m["findings"] else 0)
EOF
cat > "$T/findings-html.py" << 'EOF'
import html, json, sys
m = json.load(open(sys.argv[1]))
page = open(sys.argv[2], encoding="utf-8").read()
missing = [k for k, v in m["findings"].items() if k != "nmt_top_growth" and html.escape(v) not in page]
print("missing in the page: " + (", ".join(missing) or "none"))
sys.exit(1 if missing else 0)
EOF
cat > "$T/html_ok.py" << 'EOF'
# parsed, every tag closed in order, an svg, no script
import sys
from html.parser import HTMLParser
VOID = {"meta", "line", "rect", "polyline", "br"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags = [], [], set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s> in %s" % (tag, self.stack[-3:]))
        else:
            self.stack.pop()
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
errors = p.errors + (["unclosed: %s" % p.stack] if p.stack else [])
errors += ["no <svg>"] if "svg" not in p.tags else []
errors += ["a <script> tag"] if "script" in p.tags else []
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
cat > "$T/hostile.py" << 'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["findings"]["tasks_top_group"] = "<img src=x onerror=alert(2)>\x1b]0;owned\x07 \u00e9"
m["reason"] = "pre-oom\"><b>x"
json.dump(m, open(sys.argv[1], "w"))
EOF
html_ok() { python3 "$T/html_ok.py" "$1"; }
# the plots drawn in chromium's screenshot: pixels of the memory line, the
# limit line, the NMT bars and their growth, in the page's own colours
# (anti-aliasing leaves a line's core pixels exact)
cat > "$T/png.py" << 'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
count = {}
for p in im.getdata():
    count[p] = count.get(p, 0) + 1
want = {"memory line": (0x2f, 0x6d, 0xb5), "limit line": (0xc0, 0x39, 0x2b),
        "NMT bars": (0x4e, 0x79, 0xa7), "NMT growth": (0xe1, 0x57, 0x59)}
missing = []
for name, rgb in want.items():
    n = sum(c for p, c in count.items() if max(abs(p[i] - rgb[i]) for i in range(3)) <= 12)
    print("%s: %d pixels" % (name, n))
    if n < 40:
        missing.append(name)
print("colours: %d, missing: %s" % (len(count), ", ".join(missing) or "none"))
sys.exit(1 if missing or len(count) <= 8 else 0)
EOF

# ---- one capture, text ----
"$CGW" report "$d" --text > "$T/r.txt" 2> "$T/r.err"
check_eq "report DIR --text exits 0" 0 "$?"
[ -s "$T/r.err" ] && say "stderr: $(head -3 "$T/r.err")"
out=$(python3 "$T/findings.py" "$d/manifest.json" "$T/r.txt" 2>&1)
check "text: the trigger and every finding of the manifest" test $? = 0
say "$out"
check "text: the findings say Other (direct buffers) grew" grep -q '^   - Other (direct ByteBuffers and Unsafe.allocateMemory) grew ' "$T/r.txt"
check "text: a timeline with the pre-oom mark" grep -q '\] <- pre-oom$' "$T/r.txt"
check "text: the limit" grep -q '^   limit 256M' "$T/r.txt"
check "text: NMT categories with Other" grep -q '^   Other  ' "$T/r.txt"
for s in 'Top native growth' 'Thread groups (tasks.txt)' 'Largest mappings (pmap.txt)'; do
        check "text: section $s" grep -qF "== $s" "$T/r.txt"
done
check "text: no escape character" sh -c "! grep -q '$ESC' '$T/r.txt'"

# ---- one capture, HTML ----
"$CGW" report "$d" --html "$T/r.html" > /dev/null 2>&1
check_eq "report DIR --html exits 0" 0 "$?"
check "html: well-formed, an svg, no script" html_ok "$T/r.html"
check "html: the memory polyline" grep -q '<polyline class="series memory" points="[0-9]' "$T/r.html"
check "html: the limit line" grep -q '<line class="limit" ' "$T/r.html"
check "html: the pre-oom mark" grep -q '<line class="mark pre-oom" ' "$T/r.html"
check "html: the NMT bars with growth" grep -q '<rect class="growth" ' "$T/r.html"
out=$(python3 "$T/findings-html.py" "$d/manifest.json" "$T/r.html" 2>&1)
check "html: every finding, escaped" test $? = 0
say "$out"
if grep -qF "$HOSTILE" "$d/tasks.txt"; then
        check "html: the hostile thread name only escaped" sh -c "! grep -qF '$HOSTILE' '$T/r.html' && grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' '$T/r.html'"
else
        not_ok "the hostile thread name is in tasks.txt" "$(sed -n '/Java threads/,$p' "$d/tasks.txt" | head -5)"
fi

# ---- a hostile capture: a finding with markup and a terminal escape, bad history lines ----
cp -a "$d" "$T/hostile"
python3 "$T/hostile.py" "$T/hostile/manifest.json"
printf 'not,a,row\n2026-13-01T00:00:00Z,1,2,3,4,5\n' >> "$T/hostile/history.csv"
"$CGW" report "$T/hostile" --html "$T/h.html" --text > "$T/h.txt" 2>&1
check_eq "hostile: report exits 0" 0 "$?"
check "hostile: html well-formed" html_ok "$T/h.html"
check "hostile: the finding's markup escaped" sh -c "! grep -q '<img' '$T/h.html' && ! grep -q '<b>' '$T/h.html' && grep -qF '&lt;img src=x onerror=alert(2)&gt;' '$T/h.html'"
check "hostile: no terminal escape in the text" sh -c "! grep -q '$ESC' '$T/h.txt' && grep -qF '<img src=x onerror=alert(2)>?]0;owned?' '$T/h.txt'"
check "hostile: the bad history lines skipped, the timeline kept" grep -q '<polyline class="series memory"' "$T/h.html"

# ---- the service: its captures, oldest first; by name through -c ----
"$CGW" report leaky -c "$T/c.ini" --text > "$T/s.txt" 2>&1
check_eq "report SERVICE -c CONFIG exits 0" 0 "$?"
check "service: 2 captures" grep -q '^2 capture(s) of service leaky, oldest first' "$T/s.txt"
check "service: the manual capture first" sh -c "grep '^== Findings of #' '$T/s.txt' | head -n1 | grep -q -- '-manual\$'"
check "service: both marks on the timeline" sh -c "grep -q '<- manual' '$T/s.txt' && grep -q '<- pre-oom' '$T/s.txt'"
"$CGW" report "$T/captures/leaky" --html "$T/s.html" > /dev/null 2>&1
check_eq "report SERVICE_DIR --html exits 0" 0 "$?"
check "service html: well-formed" html_ok "$T/s.html"
check "service html: the NMT categories stacked" grep -q '<svg class="nmt-stacked"' "$T/s.html"

# ---- --compare A B ----
"$CGW" report "$T/captures/leaky" --compare "$(basename "$man")" "$(basename "$d")" --text > "$T/c.txt" 2>&1
check_eq "report SERVICE_DIR --compare A B exits 0" 0 "$?"
check "compare: findings of A and B, B - A" sh -c "grep -q '^== Findings of A: ' '$T/c.txt' && grep -q '^== Findings of B: ' '$T/c.txt' && grep -q 'B - A' '$T/c.txt'"
"$CGW" report --compare "$man" "$d" --html "$T/c.html" > /dev/null 2>&1
check_eq "report --compare A B --html exits 0" 0 "$?"
check "compare html: well-formed" html_ok "$T/c.html"

# ---- usage ----
"$CGW" report > /dev/null 2>&1
check_eq "no argument: usage error" 2 "$?"
"$CGW" report "$T/nothing-here" -c "$T/c.ini" > /dev/null 2>&1
check_eq "no capture: exit 1" 1 "$?"

# ---- a screenshot, when chromium is installed ----
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$chrome" ]; then
        timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
                --screenshot="$T/r.png" --window-size=1200,1600 "file://$T/r.html" > "$T/chrome.log" 2>&1
        size=$(stat -c %s "$T/r.png" 2>/dev/null || echo 0)
        say "screenshot: $size bytes"
        check "chromium: a screenshot of more than 30 KB" test "$size" -gt 30000
        pil=
        for p in python3 /usr/bin/python3; do
                "$p" -c 'import PIL' 2> /dev/null && pil=$p && break
        done
        if [ -n "$pil" ]; then
                out=$("$pil" "$T/png.py" "$T/r.png" 2>&1)
                check "chromium: the screenshot shows the memory and limit lines and the NMT bars" test $? = 0
                say "$(echo "$out" | tr '\n' ';')"
        else
                say "python3-pil not installed: the screenshot's pixels not checked"
        fi
        # CGW_REPORT_KEEP=DIR: keep the page and its screenshot, to look at
        [ -n "${CGW_REPORT_KEEP:-}" ] && cp "$T/r.html" "$T/r.png" "$T/s.html" "$CGW_REPORT_KEEP/"
else
        say "chromium not installed: no screenshot (apt-get install chromium)"
fi
cgw_stop
