/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A cgroup tree in a tmpdir for the unit tests of the watchers and the
 * guard: the real cgroup backend (cg_context_new_fixture) on plain files
 * the test writes, an sd-event loop run until a condition holds (bounded),
 * and a service configuration built through the real parser. No root, no
 * kernel cgroups. Include after <cmocka.h>. */

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "cgroup/cgroup.h"
#include "config/config.h"
#include "service-fixture.h"

typedef struct CgFixture {
        char root[64];
        char dir[128]; /* the service's cgroup directory */
        CgContext *ctx;
        CgService *cg;
        sd_event *event;
} CgFixture;

static inline void fx_write(const CgFixture *f, const char *file, const char *value) {
        char p[256];
        int fd;

        snprintf(p, sizeof p, "%s/%s", f->dir, file);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, value, strlen(value)), (ssize_t) strlen(value));
        close(fd);
}

/* The file's content without a trailing newline; "" when absent. */
static inline const char *fx_read(const CgFixture *f, const char *file) {
        static char buf[256];
        char p[256];
        ssize_t n;
        int fd;

        snprintf(p, sizeof p, "%s/%s", f->dir, file);
        buf[0] = 0;
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return buf;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[n > 0 ? n : 0] = 0;
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = 0;
        return buf;
}

/* v2: root/services/NAME with the files the watchers and the guard use,
 * memory.max = memory_max, nothing charged yet. */
static inline void fx_setup_v2(CgFixture *f, const char *name, const char *memory_max) {
        char p[192];

        memset(f, 0, sizeof *f);
        snprintf(f->root, sizeof f->root, "/tmp/cgw-unit-cg.XXXXXX");
        assert_non_null(mkdtemp(f->root));
        snprintf(p, sizeof p, "%s/services", f->root);
        assert_int_equal(mkdir(p, 0755), 0);
        assert_int_equal(cg_context_new_fixture(f->root, CG_MODE_UNIFIED, &f->ctx), 0);
        assert_int_equal(cg_service_new(f->ctx, name, &f->cg), 0);
        snprintf(f->dir, sizeof f->dir, "%s/services/%s", f->root, name);
        fx_write(f, "cgroup.events", "populated 0\nfrozen 0\n");
        fx_write(f, "cgroup.procs", "");
        fx_write(f, "cgroup.kill", "");
        fx_write(f, "memory.current", "0\n");
        fx_write(f, "memory.max", memory_max);
        fx_write(f, "memory.high", "max\n");
        fx_write(f, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        fx_write(f, "memory.stat", "anon 0\nfile 0\n");
        fx_write(f, "pids.current", "1\n");
        fx_write(f, "pids.max", "max\n");
        fx_write(f, "pids.events", "max 0\n");
        fx_write(f, "cpu.max", "max 100000\n");
        assert_int_equal(sd_event_new(&f->event), 0);
}

static inline int fx_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static inline void fx_teardown(CgFixture *f) {
        f->cg = cg_service_free(f->cg);
        f->ctx = cg_context_free(f->ctx);
        f->event = sd_event_unref(f->event);
        (void) nftw(f->root, fx_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run the loop until *done or timeout_ms; returns *done. */
static inline bool fx_run_until(CgFixture *f, const bool *done, unsigned timeout_ms) {
        for (unsigned waited = 0; !*done && waited < timeout_ms; waited += 10)
                (void) sd_event_run(f->event, 10 * 1000);
        return *done;
}
