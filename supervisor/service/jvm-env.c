/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jvm_options: what a java service is started with (service.h). */
#include <stdio.h>
#include <string.h>

#include "base/fs-util.h"
#include "base/log.h"
#include "capture/jvm-flags.h"
#include "capture/jvm-release.h"
#include "service/service.h"

char *service_jvm_options(const char *jvm_options, bool want_nmt, const char *existing) {
        const char *extra = NULL;
        char *r = NULL;

        if (jvm_options && streq(jvm_options, "none"))
                return NULL;
        if (jvm_options && !streq(jvm_options, "auto"))
                extra = jvm_options;
        if (asprintf(&r, "%s%s-XX:+StartAttachListener%s%s%s", existing ? existing : "", existing ? " " : "",
                     want_nmt && !(existing && strstr(existing, "NativeMemoryTracking"))
                             ? " -XX:NativeMemoryTracking=summary"
                             : "",
                     extra ? " " : "", extra ? extra : "") < 0)
                return NULL;
        return r;
}

const char *service_jvm_options_var(JvmOptionsEnv how, int version) {
        if (how == JVM_OPTIONS_ENV_JDK || (how == JVM_OPTIONS_ENV_AUTO && version >= 9))
                return "JDK_JAVA_OPTIONS";
        return "JAVA_TOOL_OPTIONS";
}

int service_jvm_env(const Service *s, char ***env) {
        _cleanup_free_ char *v = NULL, *a = NULL;
        bool want_nmt = s->cfg->capture_mask & (1u << CAPTURE_NMT);
        const char *existing = NULL, *var;
        size_t var_len;
        int version = 0;

        if (!jvm_is_launcher(s->exe))
                return 0;
        if (s->cfg->jvm_options && streq(s->cfg->jvm_options, "none"))
                return 0;
        if (s->cfg->jvm_options_env == JVM_OPTIONS_ENV_AUTO)
                version = jvm_launcher_version(s->exe);
        var = service_jvm_options_var(s->cfg->jvm_options_env, version);
        if (!streq(var, "JDK_JAVA_OPTIONS"))
                /* JDK 8 reads no JDK_JAVA_OPTIONS: without this the JVM would
                 * have no attach listener and no NMT, and its captures no
                 * thread dump at a task limit and no NMT diff */
                log_info("Service '%s': JVM options through JAVA_TOOL_OPTIONS (%s).", s->cfg->name,
                         s->cfg->jvm_options_env == JVM_OPTIONS_ENV_TOOL ? "jvm_options_env"
                         : version > 0                                   ? "a JDK 8 or older"
                                                                         : "its Java version is unknown");
        var_len = strlen(var);
        for (char **p = *env; p && *p; p++)
                if (strncmp(*p, var, var_len) == 0 && (*p)[var_len] == '=')
                        existing = *p + var_len + 1;
        /* options already on the command line need not be repeated */
        for (char **p = s->cfg->argv; p && *p; p++)
                if (strstr(*p, "NativeMemoryTracking"))
                        want_nmt = false;
        v = service_jvm_options(s->cfg->jvm_options, want_nmt, existing);
        if (!v)
                return -ENOMEM;
        if (asprintf(&a, "%s=%s", var, v) < 0)
                return -ENOMEM;
        return env_set(env, a);
}
