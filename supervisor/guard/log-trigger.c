/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log_trigger: regexes on the service's output lines (guard.h). */

#include "base/log.h"
#include "base/units.h"
#include "guard/guard-internal.h"

void guard_triggers_free(Guard *g) {
        for (size_t i = 0; i < g->n_regex; i++)
                regfree(&g->regex[i]);
        g->regex = mfree(g->regex);
        g->n_regex = 0;
        g->regex_cfg = NULL;
}

/* Compile the service's log_trigger regexes (once per configuration; the
 * config parser has checked them already). */
void guard_triggers_setup(Guard *g) {
        size_t n = g->cfg->n_log_triggers;

        if (g->regex_cfg == g->cfg)
                return;
        guard_triggers_free(g);
        /* trigger slots are by index: a new configuration starts over (the
         * state is allocated again, with its number of slots) */
        g->policy = mfree(g->policy);
        g->regex_cfg = g->cfg;
        if (n == 0)
                return;
        g->regex = calloc(n, sizeof *g->regex);
        if (!g->regex) {
                guard_triggers_free(g);
                log_oom();
                return;
        }
        for (size_t i = 0; i < n; i++) {
                int r = regcomp(&g->regex[i], g->cfg->log_triggers[i].regex_src, REG_EXTENDED | REG_NOSUB);
                if (r != 0) {
                        log_error("Service '%s': log_trigger /%s/ does not compile; ignored.", g->cfg->name,
                                  g->cfg->log_triggers[i].regex_src);
                        /* an always-failing pattern keeps the indexes aligned */
                        (void) regcomp(&g->regex[i], "^\\b\\B$", REG_EXTENDED | REG_NOSUB);
                }
                g->n_regex = i + 1;
        }
        g->regex_cfg = g->cfg;
        if (!g->log)
                log_warning("Service '%s': log_trigger needs the service's output (log_dir): not active.",
                            g->cfg->name);
}

static void trigger_fired(Guard *g, size_t i, const char *line) {
        const LogTrigger *t = &g->cfg->log_triggers[i];
        CaptureTrigger trig = {
                .memory_current = UINT64_MAX,
                .memory_max = UINT64_MAX,
                .pids_current = UINT64_MAX,
                .pids_max = UINT64_MAX,
                .eta = USEC_INFINITY,
        };
        char f_re[300], f_line[300];

        /* each trigger at most once per action_cooldown: the engine's; the
         * log entry only for a trigger that may fire */
        if (g->policy &&
            policy_trigger_cooling(g->cfg, g->policy, i, now_usec(CLOCK_MONOTONIC), guard_incarnation(g)))
                return;
        snprintf(trig.what, sizeof trig.what, "log_trigger /%.60s/ matched: %.100s", t->regex_src, line);
        snprintf(f_re, sizeof f_re, "CGWARDEN_LOG_TRIGGER=%s", t->regex_src);
        snprintf(f_line, sizeof f_line, "CGWARDEN_LINE=%.250s", line);
        (void) log_service_event(LOG_WARNING, watch_message_id(EVENT_LOG_TRIGGER), g->cfg->name,
                                 "log-trigger", (char *[]){ f_re, f_line, NULL },
                                 "Observation log-trigger for '%s': /%s/ matched: %.200s", g->cfg->name,
                                 t->regex_src, line);
        watch_fill_trigger(g->watch, &trig);
        g->trigger = trig;
        g->event_captured = false;
        snprintf(g->last_event, sizeof g->last_event, "log-trigger");
        g->last_event_at = now_usec(CLOCK_MONOTONIC);
        g->report = mfree(g->report);
        if (g->capture) {
                log_info("Service '%s': a capture is running; log-trigger actions skipped.", g->cfg->name);
                return;
        }
        guard_decide_and_run(g, EVENT_LOG_TRIGGER, (int) i);
}

/* The line a JVM prints on stderr at its start when it takes options
 * from the environment: "Picked up JAVA_TOOL_OPTIONS: ..." (JDK 8 and
 * later), "NOTE: Picked up JDK_JAVA_OPTIONS: ..." (9 and later), "Picked
 * up _JAVA_OPTIONS: ...". It repeats jvm_options, which may well name
 * what a trigger looks for (-XX:+HeapDumpOnOutOfMemoryError), and it is
 * not the service's own output. */
static bool is_jvm_options_echo(int stream, const char *line, size_t n) {
        static const char *const prefixes[] = {
                "Picked up JAVA_TOOL_OPTIONS: ",
                "NOTE: Picked up JDK_JAVA_OPTIONS: ",
                "Picked up _JAVA_OPTIONS: ",
        };

        if (stream != 2)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (n >= strlen(prefixes[i]) && memcmp(line, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

/* Every complete line of the service's output (outlog.h): the SIGQUIT
 * dump tap, then the log triggers (not on a JVM's echo of its options). */
void guard_on_line(void *userdata, int stream, const char *line, size_t n) {
        Guard *g = userdata;
        char buf[OUTLOG_LINE_MAX + 1];

        if (g->dump_fd >= 0)
                guard_dump_line(g, stream, line, n);
        if (g->n_regex == 0 || is_jvm_options_echo(stream, line, n))
                return;
        n = MIN(n, sizeof buf - 1);
        memcpy(buf, line, n);
        buf[n] = 0;
        for (size_t i = 0; i < g->n_regex; i++)
                if (regexec(&g->regex[i], buf, 0, NULL, 0) == 0)
                        trigger_fired(g, i, buf);
}
