/*
 * The seccomp sandbox and privilege dropping (include/system/sandbox.h).
 *
 * QEMU's -sandbox is a deny-list; pcvm's is an allow-list of what the
 * running VMM calls (found by running the test suites and strace -f over
 * real runs), and QEMU's four groups decide which calls of theirs join it:
 * a group that is allowed (QEMU's default for all but obsolete) is in the
 * list, a denied one is not (resourcecontrol's calls then fail with EPERM,
 * as QEMU's do, instead of killing). Every other call raises SIGSYS
 * (SECCOMP_RET_TRAP); the handler prints the call's name from a table made
 * before the filter went in (resolving a number is not async-signal-safe)
 * and the process dies of SIGSYS, as with QEMU's SECCOMP_RET_KILL_PROCESS.
 * A child exec'd with spawn allowed keeps the filter but not the handler:
 * a call of its own outside the list kills only that child.
 */
#include <errno.h>
#include <grp.h>
#include <linux/sched.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "system/sandbox.h"
#include "util/error.h"
#include "util/keyval.h"

/* What the running VMM calls, whatever the command line says. */
static const char *const allowed_syscalls[] = {
    /* file descriptors and files (QMP opens images and screendumps) */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "lseek",
    "close",
    "close_range",
    "fstat",
    "newfstatat",
    "stat",
    "lstat",
    "statx",
    "fstatfs",
    "statfs",
    "open",
    "openat",
    "creat",
    "access",
    "faccessat",
    "faccessat2",
    "ioctl",
    "fcntl",
    "dup",
    "dup2",
    "dup3",
    "pipe",
    "pipe2",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "rmdir",
    "readlink",
    "readlinkat",
    "getdents64",
    "fsync",
    "fdatasync",
    "ftruncate",
    "fallocate",
    "fadvise64",
    "sync_file_range",
    "flock",
    "copy_file_range",
    "sendfile",
    "getcwd",
    "chdir",
    "fchdir",
    "umask",
    "memfd_create",
    "fchmod",
    "chmod",
    /* waiting: the main loop, iothreads, aio completion */
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "eventfd",
    "eventfd2",
    "timerfd_create",
    "timerfd_settime",
    "timerfd_gettime",
    "signalfd",
    "signalfd4",
    "futex",
    "futex_waitv",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "sched_yield",
    "nanosleep",
    "clock_nanosleep",
    "membarrier",
    /* time */
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "time",
    "timer_create",
    "timer_settime",
    "timer_gettime",
    "timer_getoverrun",
    "timer_delete",
    "getitimer",
    "setitimer",
    "alarm",
    "times",
    "getrusage",
    /* memory: guest RAM, the balloon's MADV_DONTNEED, malloc */
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "brk",
    "mlock",
    "mlock2",
    "munlock",
    "mlockall",
    "munlockall",
    "mincore",
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    /* signals and threads */
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigtimedwait",
    "rt_sigpending",
    "rt_sigsuspend",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "sigaltstack",
    "kill",
    "tgkill",
    "tkill",
    "restart_syscall",
    "exit",
    "exit_group",
    "set_tid_address",
    "arch_prctl",
    "prctl",
    "wait4",
    "waitid",
    /* identity (reading only) */
    "getpid",
    "gettid",
    "getppid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "getpgrp",
    "getpgid",
    "getsid",
    "uname",
    "sysinfo",
    "getrandom",
    "getcpu",
    /* scheduling, reading only (glib asks before making threads) */
    "sched_getaffinity",
    "sched_getparam",
    "sched_getscheduler",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "getpriority",
    "ioprio_get",
    /* sockets: monitors, chardevs, VNC, net backends, slirp */
    "socket",
    "socketpair",
    "bind",
    "listen",
    "accept",
    "accept4",
    "connect",
    "getsockname",
    "getpeername",
    "setsockopt",
    "getsockopt",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "shutdown",
    /* aio=native and aio=io_uring */
    "io_setup",
    "io_destroy",
    "io_submit",
    "io_getevents",
    "io_pgetevents",
    "io_cancel",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
#ifdef __SANITIZE_ADDRESS__
    /* LeakSanitizer stops the world with ptrace from a clone at exit. */
    "ptrace",
    "process_vm_readv",
#endif
};

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer's helper is a clone without CLONE_THREAD. */
static const bool sanitizer_build = true;
#else
static const bool sanitizer_build = false;
#endif

/* QEMU's groups, with QEMU's calls in each. */
static const char *const obsolete_syscalls[] = {
    "readdir",
    "_sysctl",
    "bdflush",
    "create_module",
    "get_kernel_syms",
    "query_module",
    "sgetmask",
    "ssetmask",
    "sysfs",
    "uselib",
    "ustat",
    "afs_syscall",
    "break",
    "ftime",
    "getpmsg",
    "gtty",
    "lock",
    "mpx",
    "prof",
    "profil",
    "putpmsg",
    "security",
    "stty",
    "tuxcall",
    "ulimit",
    "vserver",
};

static const char *const privileged_syscalls[] = {
    "setuid",    "setgid",    "setpgid",  "setsid",   "setreuid",  "setregid",
    "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
};

static const char *const spawn_syscalls[] = {
    "fork",
    "vfork",
    "execve",
    "execveat",
};

static const char *const resource_syscalls[] = {
    "setpriority",       "sched_setparam", "sched_setscheduler",
    "sched_setaffinity", "sched_setattr",  "ioprio_set",
    "setrlimit",
};

void sandbox_config_init(SandboxConfig *cfg)
{
    *cfg = (SandboxConfig){
        .enable = true,
        .obsolete_deny = true,
        .privileges = SANDBOX_PRIV_ALLOW,
    };
}

/* allow|deny, or "children" where that is a word; QEMU's message else. */
static bool group_value(KeyValList *kv, const char *key, bool children_ok,
                        int *out, GError **errp)
{
    const char *v = keyval_get(kv, key);

    if (!v) {
        return true;
    }
    if (!strcmp(v, "allow")) {
        *out = SANDBOX_PRIV_ALLOW;
    } else if (!strcmp(v, "deny")) {
        *out = SANDBOX_PRIV_DENY;
    } else if (children_ok && !strcmp(v, "children")) {
        *out = SANDBOX_PRIV_CHILDREN;
    } else {
        return error_setg(errp, "invalid argument for %s", key);
    }
    return true;
}

bool sandbox_parse(SandboxConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, "enable", errp);
    int obsolete = cfg->obsolete_deny ? SANDBOX_PRIV_DENY : SANDBOX_PRIV_ALLOW;
    int privileges = cfg->privileges;
    int spawn = cfg->spawn_deny ? SANDBOX_PRIV_DENY : SANDBOX_PRIV_ALLOW;
    int resources =
        cfg->resourcecontrol_deny ? SANDBOX_PRIV_DENY : SANDBOX_PRIV_ALLOW;
    bool enable;

    if (!kv || !keyval_get_bool(kv, "enable", cfg->enable, &enable, errp) ||
        !group_value(kv, "obsolete", false, &obsolete, errp) ||
        !group_value(kv, "elevateprivileges", true, &privileges, errp) ||
        !group_value(kv, "spawn", false, &spawn, errp) ||
        !group_value(kv, "resourcecontrol", false, &resources, errp) ||
        !keyval_check_unused(kv, errp)) {
        return false;
    }
    cfg->enable = enable;
    cfg->obsolete_deny = obsolete == SANDBOX_PRIV_DENY;
    cfg->privileges = privileges;
    cfg->spawn_deny = spawn == SANDBOX_PRIV_DENY;
    cfg->resourcecontrol_deny = resources == SANDBOX_PRIV_DENY;
    return true;
}

/*
 * The SIGSYS handler's names, filled before the filter is loaded; a
 * number past the table (or without a name) is printed alone.
 */
#define SYSCALL_NAMES 1024
static char *syscall_names[SYSCALL_NAMES];

static size_t append(char *buf, size_t pos, size_t size, const char *s)
{
    while (*s && pos + 1 < size) {
        buf[pos++] = *s++;
    }
    return pos;
}

static void sigsys_handler(int sig, siginfo_t *info, void *context)
{
    char buf[160], digits[16];
    int nr = info->si_syscall;
    unsigned v = nr < 0 ? 0 : (unsigned)nr;
    size_t pos = 0, n = 0;
    struct sigaction dfl = {.sa_handler = SIG_DFL};

    do {
        digits[n++] = '0' + v % 10;
        v /= 10;
    } while (v && n < sizeof(digits));
    pos = append(buf, pos, sizeof(buf), "pcvm: seccomp: denied system call ");
    if (nr >= 0 && nr < SYSCALL_NAMES && syscall_names[nr]) {
        pos = append(buf, pos, sizeof(buf), syscall_names[nr]);
        pos = append(buf, pos, sizeof(buf), " (");
    } else {
        pos = append(buf, pos, sizeof(buf), "(");
    }
    while (n && pos + 1 < sizeof(buf)) {
        buf[pos++] = digits[--n];
    }
    pos = append(buf, pos, sizeof(buf), ")\n");
    if (write(STDERR_FILENO, buf, pos) < 0) {
        /* nowhere else to say it */
    }
    /* Die of the signal, as a killed process would. */
    sigaction(SIGSYS, &dfl, NULL);
    raise(SIGSYS);
    (void)sig;
    (void)context;
}

static void syscall_names_fill(void)
{
    for (int nr = 0; nr < SYSCALL_NAMES; nr++) {
        if (!syscall_names[nr]) {
            syscall_names[nr] =
                seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        }
    }
}

/* Adds a rule for each name this architecture has. */
static int rules_add(scmp_filter_ctx ctx, uint32_t action,
                     const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        int rc;

        if (nr < 0) {
            continue; /* not a call of this architecture */
        }
        rc = seccomp_rule_add(ctx, action, nr, 0);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int filter_rules_add(scmp_filter_ctx ctx, const SandboxConfig *cfg)
{
    int rc = rules_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls,
                       G_N_ELEMENTS(allowed_syscalls));

    if (!rc && !cfg->obsolete_deny) {
        rc = rules_add(ctx, SCMP_ACT_ALLOW, obsolete_syscalls,
                       G_N_ELEMENTS(obsolete_syscalls));
    }
    if (!rc && cfg->privileges == SANDBOX_PRIV_ALLOW) {
        rc = rules_add(ctx, SCMP_ACT_ALLOW, privileged_syscalls,
                       G_N_ELEMENTS(privileged_syscalls));
    }
    /*
     * Denied resource calls fail with EPERM rather than kill, as QEMU's
     * do: glib's thread pool copies the scheduler settings to each new
     * thread (sched_setattr) and carries on when refused.
     */
    if (!rc) {
        rc = rules_add(ctx,
                       cfg->resourcecontrol_deny ? SCMP_ACT_ERRNO(EPERM)
                                                 : SCMP_ACT_ALLOW,
                       resource_syscalls, G_N_ELEMENTS(resource_syscalls));
    }
    /* getrlimit is prlimit64 with no new limit; setting one is a resource. */
    if (!rc && cfg->resourcecontrol_deny) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
                              SCMP_A2(SCMP_CMP_EQ, 0));
        if (!rc) {
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
                                  SCMP_SYS(prlimit64), 1,
                                  SCMP_A2(SCMP_CMP_NE, 0));
        }
    } else if (!rc) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 0);
    }
    if (!rc && !cfg->spawn_deny) {
        rc = rules_add(ctx, SCMP_ACT_ALLOW, spawn_syscalls,
                       G_N_ELEMENTS(spawn_syscalls));
    }
    if (!rc && cfg->spawn_deny && !sanitizer_build) {
        /* Threads only: a clone without CLONE_THREAD is a new process. */
        rc = seccomp_rule_add(
            ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
            SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    } else if (!rc) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
    }
    /*
     * clone3's flags are behind a pointer the filter cannot read: say it
     * does not exist, and glibc falls back to clone, whose flags it sees.
     */
    if (!rc) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    }
    if (!rc) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_getattr), 0);
    }
    return rc;
}

bool sandbox_install(const SandboxConfig *cfg, GError **errp)
{
    struct sigaction sa = {.sa_sigaction = sigsys_handler,
                           .sa_flags = SA_SIGINFO};
    scmp_filter_ctx ctx;
    int rc;

    if (!cfg->enable) {
        return true;
    }
    if (cfg->privileges == SANDBOX_PRIV_CHILDREN &&
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        return error_setg(errp, "failed to set no_new_privs aborting");
    }
    ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx) {
        return error_setg(errp, "failed to initialize seccomp context");
    }
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (!rc) {
        rc = filter_rules_add(ctx, cfg);
    }
    if (rc < 0) {
        seccomp_release(ctx);
        return error_setg(errp, "failed to install seccomp syscall filter "
                                "in the kernel");
    }
    syscall_names_fill();
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSYS, &sa, NULL);
    /*
     * Root with CAP_SYS_ADMIN may load a filter without no_new_privs, so
     * setuid helpers keep working unless elevateprivileges=children asked
     * for it; anyone else needs it.
     */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    rc = seccomp_load(ctx);
    if (rc < 0) {
        /* libseccomp folds the kernel's EACCES into ECANCELED: retry. */
        seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
        rc = seccomp_load(ctx);
    }
    seccomp_release(ctx);
    if (rc < 0) {
        return error_setg(errp, "failed to install seccomp syscall filter "
                                "in the kernel");
    }
    return true;
}

void run_as_config_clear(RunAsConfig *cfg)
{
    g_free(cfg->chroot_dir);
    g_free(cfg->user_name);
    g_free(cfg->groups);
    memset(cfg, 0, sizeof(*cfg));
}

/* A user name, else UID:GID (QEMU's forms); groups read now. */
bool run_as_parse_user(RunAsConfig *cfg, const char *user, GError **errp)
{
    struct passwd *pw = getpwnam(user);
    unsigned long uid, gid;
    char *end;

    g_clear_pointer(&cfg->user_name, g_free);
    g_clear_pointer(&cfg->groups, g_free);
    cfg->n_groups = 0;
    if (pw) {
        int n = 0;

        cfg->uid = pw->pw_uid;
        cfg->gid = pw->pw_gid;
        cfg->user_name = g_strdup(pw->pw_name);
        getgrouplist(pw->pw_name, pw->pw_gid, NULL, &n);
        cfg->groups = g_new0(gid_t, n > 0 ? n : 1);
        if (n > 0 &&
            getgrouplist(pw->pw_name, pw->pw_gid, cfg->groups, &n) >= 0) {
            cfg->n_groups = n;
        } else {
            cfg->groups[0] = pw->pw_gid;
            cfg->n_groups = 1;
        }
        cfg->set_user = true;
        return true;
    }
    errno = 0;
    uid = strtoul(user, &end, 10);
    if (end != user && *end == ':' && !errno) {
        const char *g = end + 1;

        gid = strtoul(g, &end, 10);
        if (end != g && !*end && !errno && uid < (uid_t)-1 && gid < (gid_t)-1) {
            cfg->uid = uid;
            cfg->gid = gid;
            cfg->groups = g_new(gid_t, 1);
            cfg->groups[0] = gid;
            cfg->n_groups = 1;
            cfg->set_user = true;
            return true;
        }
    }
    return error_setg(
        errp, "User \"%s\" doesn't exist (and is not <uid>:<gid>)", user);
}

bool run_with_parse(RunAsConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(arg, NULL, errp);
    const char *dir, *user;

    if (!kv) {
        return false;
    }
    dir = keyval_get(kv, "chroot");
    user = keyval_get(kv, "user");
    if (!keyval_check_unused(kv, errp)) {
        return false;
    }
    if (user && !run_as_parse_user(cfg, user, errp)) {
        return false;
    }
    if (dir) {
        g_free(cfg->chroot_dir);
        cfg->chroot_dir = g_strdup(dir);
    }
    return true;
}

bool run_as_apply(const RunAsConfig *cfg, GError **errp)
{
    if (cfg->chroot_dir) {
        if (chroot(cfg->chroot_dir) < 0) {
            return error_setg(errp, "chroot failed");
        }
        if (chdir("/") < 0) {
            return error_setg(errp, "not able to chdir to /: %s",
                              g_strerror(errno));
        }
    }
    if (!cfg->set_user) {
        return true;
    }
    if (setgroups(cfg->n_groups, cfg->groups) < 0) {
        return cfg->user_name
                   ? error_setg(errp, "Failed to initgroups(\"%s\", %d)",
                                cfg->user_name, (int)cfg->gid)
                   : error_setg(errp, "Failed to setgroups(1, [%d])",
                                (int)cfg->gid);
    }
    if (setgid(cfg->gid) < 0) {
        return error_setg(errp, "Failed to setgid(%d)", (int)cfg->gid);
    }
    if (setuid(cfg->uid) < 0) {
        return error_setg(errp, "Failed to setuid(%d)", (int)cfg->uid);
    }
    /* Root must not be able to come back. */
    if (cfg->uid != 0 && setuid(0) == 0) {
        return error_setg(errp, "Dropping privileges failed");
    }
    return true;
}
