/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The key tables (systemd's load-fragment-gperf.gperf): each key's
 * parser, the field it writes (offsetof) and its bounds and flags. The
 * same table serves the INI file and `cgwarden exec --key-name=`. */

#include <stddef.h>
#include <stdint.h>

#include "config/config-internal.h"

#define SVC(f) offsetof(ServiceConfig, f)
#define SUP(f) offsetof(Config, f)
#define ANY 0, UINT64_MAX
#define POSITIVE 1, UINT64_MAX

/* Order matches ServiceConfig, and is the order of --help. */
const KeyDef service_keys[] = {
        { "exec", parse_exec_key, SVC(argv), ANY, NOT_IN_PROFILE | LAUNCH_ONLY },
        { "working_dir", parse_path_key, SVC(working_dir), ANY, NOT_IN_PROFILE | LAUNCH_ONLY },
        { "user", parse_name_key, SVC(user), ANY, NOT_IN_PROFILE | LAUNCH_ONLY },
        { "group", parse_name_key, SVC(group), ANY, NOT_IN_PROFILE | LAUNCH_ONLY },
        { "supplementary_groups", parse_names_key, SVC(supplementary_groups), ANY,
          NOT_IN_PROFILE | LAUNCH_ONLY },
        { "environment", parse_environment_key, SVC(environment), ANY, KEY_REPEATABLE | LAUNCH_ONLY },
        { "umask", parse_umask_key, SVC(umask), ANY, LAUNCH_ONLY },
        { "memory_max", parse_limit_key, SVC(memory_max), POSITIVE, ALLOW_NONE | ALLOW_SIZE | LAUNCH_ONLY },
        { "memory_high", parse_limit_key, SVC(memory_high), POSITIVE,
          ALLOW_NONE | ALLOW_SIZE | ALLOW_PERCENT | LAUNCH_ONLY },
        { "pids_max", parse_limit_key, SVC(pids_max), 1, INT32_MAX, ALLOW_NONE | ALLOW_COUNT | LAUNCH_ONLY },
        { "cpu_max", parse_limit_key, SVC(cpu_max), POSITIVE,
          ALLOW_NONE | ALLOW_PERCENT | ALLOW_OVER_100 | LAUNCH_ONLY },
        { "capture_at", parse_limit_key, SVC(capture_at), ANY, ALLOW_SIZE | ALLOW_PERCENT },
        { "capture_lead", parse_duration_key, SVC(capture_lead), ANY, 0 },
        { "pids_capture_at", parse_limit_key, SVC(pids_capture_at), 0, INT32_MAX,
          ALLOW_COUNT | ALLOW_PERCENT },
        { "capture", parse_capture_key, SVC(capture_mask), ANY, 0 },
        { "heap_dump", parse_heap_dump_key, SVC(heap_dump), ANY, 0 },
        { "capture_memory_sample", parse_bool_key, SVC(capture_memory_sample), ANY, 0 },
        { "capture_keep", parse_count_key, SVC(capture_keep), 1, 100000, 0 },
        { "capture_max_bytes", parse_size_key, SVC(capture_max_bytes), POSITIVE, 0 },
        { "capture_budget", parse_budget_key, SVC(capture_budget), ANY, 0 },
        { "heap_dump_budget", parse_budget_key, SVC(heap_dump_budget), ANY, 0 },
        { "capture_timeout", parse_duration_key, SVC(capture_timeout), POSITIVE, 0 },
        { "capture_reserve", parse_size_key, SVC(capture_reserve), ANY, 0 },
        { "pids_capture_reserve", parse_count_key, SVC(pids_capture_reserve), 0, INT32_MAX, 0 },
        { "nmt_baseline_after", parse_duration_key, SVC(nmt_baseline_after), ANY, 0 },
        { "jvm_options", parse_text_key, SVC(jvm_options), ANY, LAUNCH_ONLY },
        { "jvm_options_env", parse_jvm_options_env_key, SVC(jvm_options_env), ANY, LAUNCH_ONLY },
        { "on_pre_oom", parse_actions_key, SVC(on_event[EVENT_PRE_OOM]), ANY, 0 },
        { "on_oom_kill", parse_actions_key, SVC(on_event[EVENT_OOM_KILL]), ANY, 0 },
        { "on_pids_limit", parse_actions_key, SVC(on_event[EVENT_PIDS_LIMIT]), ANY, 0 },
        { "on_pids_max", parse_actions_key, SVC(on_event[EVENT_PIDS_MAX]), ANY, 0 },
        { "on_leak_trend", parse_actions_key, SVC(on_event[EVENT_LEAK_TREND]), ANY, 0 },
        { "on_log_trigger", parse_actions_key, SVC(on_event[EVENT_LOG_TRIGGER]), ANY, 0 },
        { "on_hang", parse_actions_key, SVC(on_event[EVENT_HANG]), ANY, 0 },
        { "on_heap_leak", parse_actions_key, SVC(on_event[EVENT_HEAP_LEAK]), ANY, 0 },
        { "on_gc_overhead", parse_actions_key, SVC(on_event[EVENT_GC_OVERHEAD]), ANY, 0 },
        { "gc_overhead_at", parse_gc_overhead_key, SVC(gc_overhead_bp), ANY, 0 },
        { "restart", parse_restart_key, SVC(restart), ANY, LAUNCH_ONLY },
        { "restart_delay", parse_duration_key, SVC(restart_delay), ANY, LAUNCH_ONLY },
        { "restart_delay_max", parse_duration_key, SVC(restart_delay_max), ANY, LAUNCH_ONLY },
        { "restart_reset_after", parse_duration_key, SVC(restart_reset_after), ANY, LAUNCH_ONLY },
        { "start_limit", parse_start_limit_key, SVC(start_limit_burst), ANY, LAUNCH_ONLY },
        { "stop_signal", parse_signal_key, SVC(stop_signal), ANY, LAUNCH_ONLY },
        { "stop_timeout", parse_duration_key, SVC(stop_timeout), POSITIVE, LAUNCH_ONLY },
        { "log_max_size", parse_size_key, SVC(log_max_size), POSITIVE, LAUNCH_ONLY },
        { "log_keep", parse_count_key, SVC(log_keep), 0, 1000, LAUNCH_ONLY },
        { "syscall_filter", parse_syscall_filter_key, SVC(syscall_filter), ANY, LAUNCH_ONLY },
        { "syscall_filter_action", parse_filter_action_key, SVC(syscall_filter_kill), ANY, LAUNCH_ONLY },
        { "no_new_privileges", parse_bool_key, SVC(no_new_privileges), ANY, LAUNCH_ONLY },
        { "memory_pressure", parse_memory_pressure_key, SVC(memory_pressure), ANY, 0 },
        { "sample_interval", parse_duration_key, SVC(sample_interval), 100 * USEC_PER_MSEC, USEC_PER_HOUR,
          0 },
        { "leak_window", parse_duration_key, SVC(leak_window), POSITIVE, 0 },
        { "leak_min_slope", parse_slope_key, SVC(leak_min_slope), ANY, 0 },
        { "oom_pause_max", parse_duration_key, SVC(oom_pause_max), ANY, 0 },
        { "action_cooldown", parse_duration_key, SVC(action_cooldown), ANY, 0 },
        { "throttle_cpu", parse_cpu_percent_key, SVC(throttle_cpu_bp), ANY, 0 },
        { "throttle_release_at", parse_limit_key, SVC(throttle_release_at), ANY,
          ALLOW_SIZE | ALLOW_PERCENT },
        { "throttle_then", parse_actions_key, SVC(throttle_then), ANY, NO_THROTTLE },
        { "throttle_max", parse_duration_key, SVC(throttle_max), POSITIVE, 0 },
        { "notify_exec", parse_argv_key, SVC(notify_exec), ANY, 0 },
        { "capture_upload", parse_argv_key, SVC(capture_upload), ANY, 0 },
        { "capture_upload_timeout", parse_duration_key, SVC(capture_upload_timeout), POSITIVE, 0 },
        { "capture_upload_retries", parse_count_key, SVC(capture_upload_retries), 0, 100, 0 },
        { "capture_upload_backoff", parse_duration_key, SVC(capture_upload_backoff), POSITIVE, 0 },
        { "success_exit_status", parse_exit_status_key, SVC(success_exit_status), ANY, LAUNCH_ONLY },
        { "restart_prevent_exit_status", parse_exit_status_key, SVC(restart_prevent_exit_status), ANY,
          LAUNCH_ONLY },
        { "log_trigger", parse_log_trigger_key, SVC(log_triggers), ANY, KEY_REPEATABLE | LAUNCH_ONLY },
        { "ready", parse_ready_key, SVC(ready), ANY, LAUNCH_ONLY },
        { "start_timeout", parse_duration_key, SVC(start_timeout), POSITIVE, LAUNCH_ONLY },
        /* a service cannot keep a shorter one (the event loop's and the
         * scheduler's jitter alone are milliseconds) */
        { "watchdog", parse_duration_key, SVC(watchdog), 100 * USEC_PER_MSEC, 24 * USEC_PER_HOUR,
          ALLOW_NONE | LAUNCH_ONLY },
        { "profile", parse_profile_key, SVC(profile), ANY, NOT_IN_PROFILE },
        { "cgroup", parse_cgroup_path_key, SVC(watch_cgroup), ANY, WATCH_ONLY | NOT_IN_PROFILE },
        { "unit", parse_unit_key, SVC(watch_unit), ANY, WATCH_ONLY | NOT_IN_PROFILE },
        { "match", parse_match_key, SVC(watch_match), ANY, WATCH_ONLY | NOT_IN_PROFILE },
        { "jvm_match", parse_regex_key, SVC(jvm_match), ANY, WATCH_ONLY },
        { "may_write", parse_bool_key, SVC(may_write), ANY, WATCH_ONLY | NOT_IN_PROFILE },
        { "idle_sample_interval", parse_duration_key, SVC(idle_sample_interval), 100 * USEC_PER_MSEC,
          USEC_PER_HOUR, WATCH_ONLY },
};

const KeyDef supervisor_keys[] = {
        { "capture_dir", parse_path_key, SUP(capture_dir), ANY, 0 },
        { "state_dir", parse_path_key, SUP(state_dir), ANY, 0 },
        { "log_dir", parse_path_key, SUP(log_dir), ANY, 0 },
        { "cgroup_root", parse_path_key, SUP(cgroup_root), ANY, ALLOW_AUTO },
        { "control_group", parse_name_key, SUP(control_group), ANY, 0 },
        { "metrics_file", parse_path_key, SUP(metrics_file), ANY, 0 },
        { "metrics_interval", parse_duration_key, SUP(metrics_interval), POSITIVE, 0 },
        { "metrics_listen", parse_listen_key, SUP(metrics_listen), ANY, 0 },
        { "capture_budget", parse_budget_key, SUP(capture_budget), ANY, 0 },
        { "heap_dump_budget", parse_budget_key, SUP(heap_dump_budget), ANY, 0 },
};

_Static_assert(ELEMENTSOF(service_keys) == N_SERVICE_KEYS, "update N_SERVICE_KEYS in config-internal.h");
_Static_assert(ELEMENTSOF(supervisor_keys) == N_SUPERVISOR_KEYS,
               "update N_SUPERVISOR_KEYS in config-internal.h");

const KeyDef *key_find(const KeyDef *table, size_t n, const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (streq(table[i].name, name))
                        return &table[i];
        return NULL;
}

size_t service_key_index(const char *name) {
        return (size_t) (key_find(service_keys, N_SERVICE_KEYS, name) - service_keys);
}

bool service_config_key_known(const char *key) {
        const KeyDef *k = key_find(service_keys, N_SERVICE_KEYS, key);
        return k && !(k->flags & WATCH_ONLY);
}

const char *const *service_config_keys(void) {
        /* Filled from the table so the two cannot disagree; the same
         * values are written on every call. */
        static const char *names[N_SERVICE_KEYS + 1];
        size_t n = 0;

        for (size_t i = 0; i < N_SERVICE_KEYS; i++)
                if (!(service_keys[i].flags & WATCH_ONLY))
                        names[n++] = service_keys[i].name;
        names[n] = NULL;
        return names;
}
