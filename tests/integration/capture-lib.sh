# Helpers for the capture tests (sourced after lib.sh).

# newest finished capture of SERVICE with REASON (a path), or nothing
capture_dir_of() { # SERVICE REASON
        ls -d "$T/captures/$1"/*-"$2" 2>/dev/null | tail -n1
}

# manifest FIELD extraction with python3 (json), e.g. mf DIR complete
mf() { # DIR PYTHON-EXPRESSION-ON-m
        python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/manifest.json")); print(eval(sys.argv[2]))' "$1" "$2"
}

# the item NAME of the manifest: "ok", "skipped: ERROR" or "failed: ERROR"
mf_item() { # DIR NAME
        mf "$1" "next(((('skipped: ' + (i['error'] or '')) if i.get('skipped') else ('ok' if i['ok'] else 'failed: ' + (i['error'] or ''))) for i in m['items'] if i['name'] == '$2'), 'absent')"
}

# files 0600, directory 0700, no partial directory left
capture_modes_ok() { # DIR
        [ "$(stat -c %a "$1")" = 700 ] || return 1
        for f in "$1"/*; do [ "$(stat -c %a "$f")" = 600 ] || return 1; done
        ! ls -d "$(dirname "$1")"/.*.partial > /dev/null 2>&1
}

# line number in cgwarden's log of the first match, or 999999
log_line_of() { grep -n -- "$1" "$T/cgw.err" | head -n1 | cut -d: -f1 | grep . || echo 999999; }

# check that the capture in DIR is complete; if not, say which items failed
check_complete() { # DESCRIPTION DIR
        local c
        c=$(mf "$2" "m['complete']" 2>/dev/null)
        check_eq "$1" True "$c"
        [ "$c" = True ] || say "incomplete: $(mf "$2" "'; '.join(i['name'] + ': ' + str(i['error']) for i in m['items'] if not i['ok'] and not i.get('skipped'))" 2>&1)"
}
