/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jvm_options: what a java service is started with (service.h). */
#include <stdio.h>
#include <string.h>

#include "base/fs-util.h"
#include "capture/jvm-flags.h"
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

int service_jvm_env(const Service *s, char ***env) {
        _cleanup_free_ char *v = NULL, *a = NULL;
        bool want_nmt = s->cfg->capture_mask & (1u << CAPTURE_NMT);
        const char *existing = NULL;

        if (!jvm_is_launcher(s->exe))
                return 0;
        for (char **p = *env; p && *p; p++)
                if (strncmp(*p, "JDK_JAVA_OPTIONS=", 17) == 0)
                        existing = *p + 17;
        /* options already on the command line need not be repeated */
        for (char **p = s->cfg->argv; p && *p; p++)
                if (strstr(*p, "NativeMemoryTracking"))
                        want_nmt = false;
        v = service_jvm_options(s->cfg->jvm_options, want_nmt, existing);
        if (!v)
                return s->cfg->jvm_options && streq(s->cfg->jvm_options, "none") ? 0 : -ENOMEM;
        if (asprintf(&a, "JDK_JAVA_OPTIONS=%s", v) < 0)
                return -ENOMEM;
        return env_set(env, a);
}
