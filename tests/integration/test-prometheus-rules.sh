#!/bin/bash
# contrib/prometheus/cgwarden-rules.yml: valid rules (promtool check rules),
# alerts that fire and stay quiet as cgwarden-rules.test.yml expects
# (promtool test rules), and no metric name the exposition does not have
# (a renamed family would silence an alert without any error).
. "$(dirname "$0")/lib.sh"

command -v promtool > /dev/null || skip_test "needs promtool (apt-get install --no-install-recommends prometheus)"
RULES_DIR=$TOP/contrib/prometheus

if promtool check rules "$RULES_DIR/cgwarden-rules.yml" > "$T/check.out" 2>&1; then
        ok "promtool check rules"
else
        not_ok "promtool check rules" "$(cat "$T/check.out")"
fi
check "rules found" grep -q "SUCCESS: [1-9][0-9]* rules found" "$T/check.out"

# the test file names the rules file relative to itself
if (cd "$RULES_DIR" && promtool test rules cgwarden-rules.test.yml) > "$T/test.out" 2>&1; then
        ok "promtool test rules"
else
        not_ok "promtool test rules" "$(cat "$T/test.out")"
fi

# every alert is exercised by the unit tests
for a in $(sed -n 's/^ *- alert: *//p' "$RULES_DIR/cgwarden-rules.yml"); do
        check "$a has unit tests" grep -q "alertname: $a\$" "$RULES_DIR/cgwarden-rules.test.yml"
done

# every metric the rules use is one cgwarden exports
SAMPLE=$HELPERS/metrics-sample
[ -x "$SAMPLE" ] || { echo "metrics-sample not built at $SAMPLE"; exit 1; }
"$SAMPLE" | sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' | sort -u > "$T/exported"
grep -o 'cgwarden_[a-z_]*' "$RULES_DIR/cgwarden-rules.yml" | sort -u > "$T/used"
check "the rules use some metrics" test -s "$T/used"
missing=$(comm -23 "$T/used" "$T/exported")
check_eq "the rules use only exported metrics" "" "$missing"
