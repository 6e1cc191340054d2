/*
 * The seccomp sandbox (-sandbox) and privilege dropping (-run-with,
 * -runas, -chroot), with QEMU's option words. Unlike QEMU, pcvm's sandbox
 * is on by default: once the machine is built and before the vCPUs run,
 * every thread gets an allow-list filter of the system calls pcvm makes
 * while it runs; QEMU's groups (obsolete, elevateprivileges, spawn,
 * resourcecontrol) are taken out of it when the command line denies them.
 * A call outside the filter ends pcvm with
 * "pcvm: seccomp: denied system call NAME (NR)" on stderr and SIGSYS.
 */
#ifndef SYSTEM_SANDBOX_H
#define SYSTEM_SANDBOX_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef enum {
    SANDBOX_PRIV_ALLOW,
    SANDBOX_PRIV_DENY,
    SANDBOX_PRIV_CHILDREN, /* deny, and set no_new_privs for children */
} SandboxPrivileges;

typedef struct SandboxConfig {
    bool enable;
    bool obsolete_deny; /* QEMU's default when on */
    SandboxPrivileges privileges;
    bool spawn_deny;
    bool resourcecontrol_deny;
} SandboxConfig;

typedef struct RunAsConfig {
    char *chroot_dir; /* NULL: no chroot */
    bool set_user;    /* a user or UID:GID was given */
    char *user_name;  /* the name looked up, NULL for UID:GID */
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* supplementary groups, read before any chroot */
    int n_groups;
} RunAsConfig;

/* pcvm's default: on, with QEMU's default groups (only obsolete denied). */
void sandbox_config_init(SandboxConfig *cfg);
/* -sandbox on|off[,obsolete=..][,elevateprivileges=..][,spawn=..][,...] */
bool sandbox_parse(SandboxConfig *cfg, const char *arg, GError **errp);
/*
 * Loads the filter into every thread of the process (TSYNC). Nothing when
 * the sandbox is off. Errors are QEMU's words.
 */
bool sandbox_install(const SandboxConfig *cfg, GError **errp);

void run_as_config_clear(RunAsConfig *cfg);
/* -run-with [user=NAME|UID:GID][,chroot=DIR] */
bool run_with_parse(RunAsConfig *cfg, const char *arg, GError **errp);
/* -runas NAME|UID:GID: looked up now, like QEMU */
bool run_as_parse_user(RunAsConfig *cfg, const char *user, GError **errp);
/* chroot, then setgroups/setgid/setuid; QEMU's messages. */
bool run_as_apply(const RunAsConfig *cfg, GError **errp);

#endif
