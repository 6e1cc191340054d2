/* -daemonize and -pidfile (include/util/daemon.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/daemon.h"
#include "util/error.h"

static bool daemonized;
static int ready_fd = -1; /* the pipe to the waiting parent */
static char *pidfile_path;
static int pidfile_fd = -1;

bool os_daemonize(GError **errp)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) < 0) {
        return error_setg(errp, "-daemonize: %s", g_strerror(errno));
    }
    pid = fork();
    if (pid < 0) {
        return error_setg(errp, "-daemonize: %s", g_strerror(errno));
    }
    if (pid > 0) {
        char status = 1;
        ssize_t n;

        /* The parent: the daemon's verdict, or its end (EOF: it failed). */
        close(fds[1]);
        do {
            n = read(fds[0], &status, 1);
        } while (n < 0 && errno == EINTR);
        _exit(n == 1 && status == 0 ? 0 : 1);
    }
    close(fds[0]);
    setsid();
    pid = fork();
    if (pid < 0) {
        error_report("-daemonize: %s", g_strerror(errno));
        _exit(1);
    }
    if (pid > 0) {
        _exit(0); /* the session leader goes: no terminal can come back */
    }
    umask(027);
    signal(SIGTSTP, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    signal(SIGTTIN, SIG_IGN);
    ready_fd = fds[1];
    daemonized = true;
    return true;
}

bool os_is_daemonized(void)
{
    return daemonized;
}

void os_daemon_ready(void)
{
    char ok = 0;
    int null;

    if (!daemonized || ready_fd < 0) {
        return;
    }
    if (chdir("/") < 0) {
        /* stays where it was */
    }
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    while (write(ready_fd, &ok, 1) < 0 && errno == EINTR) {
    }
    close(ready_fd);
    ready_fd = -1;
}

bool os_write_pidfile(const char *path, GError **errp)
{
    struct stat a, b;
    char buf[32];
    int fd, len;

    fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        return error_setg(errp,
                          "cannot create PID file: Cannot open pid file: %s",
                          g_strerror(errno));
    }
    if (lockf(fd, F_TLOCK, 0) < 0) {
        int e = errno;

        close(fd);
        return error_setg(errp,
                          "cannot create PID file: Cannot lock pid file: %s",
                          g_strerror(e));
    }
    /* Another process may have removed the file we locked: ours is it? */
    if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino ||
        a.st_dev != b.st_dev) {
        close(fd);
        return error_setg(errp, "cannot create PID file: the file changed "
                                "while it was locked");
    }
    len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, buf, len) != len) {
        int e = errno;

        close(fd);
        return error_setg(errp,
                          "cannot create PID file: Failed to write pid "
                          "file: %s",
                          g_strerror(e));
    }
    pidfile_fd = fd; /* kept open: the lock lasts while pcvm runs */
    g_free(pidfile_path);
    pidfile_path = g_strdup(path);
    atexit(os_remove_pidfile); /* every exit path, errors included */
    return true;
}

void os_remove_pidfile(void)
{
    if (pidfile_path) {
        unlink(pidfile_path);
        g_clear_pointer(&pidfile_path, g_free);
    }
    if (pidfile_fd >= 0) {
        close(pidfile_fd);
        pidfile_fd = -1;
    }
}
