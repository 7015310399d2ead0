/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Private to the cgroup backends: the context, the service object and the
 * table of backend operations. */

#include "cgroup/cgroup.h"

/* v1 controllers cgwarden uses, each in its own hierarchy. */
typedef enum CgV1Ctrl {
        CG_V1_MEMORY,
        CG_V1_PIDS,
        CG_V1_CPU,
        CG_V1_FREEZER,
        _CG_V1_MAX,
} CgV1Ctrl;
extern const char *const cg_v1_ctrl_names[_CG_V1_MAX];

typedef struct CgOps CgOps;

struct CgContext {
        CgMode mode;
        const CgOps *ops;
        char *fs; /* "/sys/fs/cgroup" (or $CGWARDEN_CGROUP_FS) */
        char *tree_root; /* cg_context_tree_root() */
        /* v2: own path; v1: own path per controller (NULL if the
         * controller is not mounted) */
        char *own; /* v2 */
        char *own_v1[_CG_V1_MAX];
        /* v1: where OWN/services goes in each hierarchy: own_v1[i], but
         * memory's own path where own_v1[i] is a hierarchy's root and
         * memory's is not (a root shared with the host holds no services
         * of ours); the topmost directory of it we created (absolute),
         * removed again at the end when empty, NULL when none */
        char *base_v1[_CG_V1_MAX];
        char *base_made_v1[_CG_V1_MAX];
        char *services_rel; /* OWN/services, relative (memory on v1) */
        bool created_services[_CG_V1_MAX + 1];
        bool moved_self; /* v2: we moved into OWN/supervisor */
        bool oom_group_cleared; /* v2: OWN's memory.oom.group was 1, set to 0 (back at the end) */
        char *subtree_before; /* v2: OWN's subtree_control before us */
        bool libcgroup_ok;
        bool observe_only; /* cg_context_new_observer(): nothing created, moved or enabled */
        char *warning; /* cg_context_warning() */
};

struct CgService {
        CgContext *ctx;
        char *name;
        char *rel; /* OWN/services/NAME (v2; memory on v1) */
        char *dir_v2;
        char *dir_v1[_CG_V1_MAX]; /* NULL where the controller is absent */
        int dir_fd; /* v2 O_DIRECTORY for clone3 */
        int lock_fd; /* the service cgroup's directory (memory's on v1), flock()ed while we own it */
        bool owned; /* locked by us: ours to kill in and remove */
        unsigned orphans_killed; /* processes a crashed cgwarden left in it, killed at adoption */
        bool fresh; /* just created: the kernel defaults (no limits) are in place */
        bool opened; /* cg_service_open(): rel is the same path in every hierarchy, never ours */
        bool self; /* cg_service_open_own(): cgwarden's own cgroup (each hierarchy's), which holds
                    * cgwarden: left out of what is signalled, killed and counted */
        int procs_fds[_CG_V1_MAX];
        size_t n_procs_fds;
};

struct CgOps {
        int (*context_init)(CgContext *c, const char *root, char **ret_error);
        void (*context_done)(CgContext *c);
        int (*service_create)(CgService *s);
        int (*service_open)(CgService *s); /* an existing cgroup at s->rel */
        void (*service_remove)(CgService *s);
        int (*set_limits)(CgService *s, const CgLimits *l);
        int (*get_limits)(CgService *s, CgLimits *ret);
        int (*kill_all)(CgService *s);
        int (*populated)(CgService *s);
        int (*read)(CgService *s, const char *file, char **ret);
        int (*procs_path)(CgService *s, char ***ret_paths);
};

extern const CgOps cg_v2_ops;
extern const CgOps cg_v1_ops;

/* Shared file helpers (cgroup.c) */
int cg_read_pids(const char *procs_path, pid_t **ret, size_t *ret_n);
char *cg_path_join(const char *a, const char *b);
int cg_rmdir_wait(const char *dir);
/* *ret_error = formatted message, when ret_error is not NULL. */
void cg_set_error(char **ret_error, const char *fmt, ...) _printf_(2, 3);
