/*
 * -daemonize and -pidfile, as QEMU does them: the process forks early and
 * the parent waits until the child has set the machine up (or failed),
 * then exits with the child's verdict, so errors during set-up still
 * reach the terminal; the child then leaves it for /dev/null. The pid
 * file holds the running process's id, locked for as long as it runs.
 */
#ifndef UTIL_DAEMON_H
#define UTIL_DAEMON_H

#include <glib.h>
#include <stdbool.h>

/*
 * Forks twice; returns in the daemon (a new session). The first parent
 * waits for os_daemon_ready() or the daemon's end, and exits.
 */
bool os_daemonize(GError **errp);
/* -daemonize is in effect (stdio cannot be a chardev then). */
bool os_is_daemonized(void);
/* Set-up is done: chdir /, stdio to /dev/null, the parent exits 0. */
void os_daemon_ready(void);

/* Writes the process id to path, locked; QEMU's errors. */
bool os_write_pidfile(const char *path, GError **errp);
/* Removes the pid file written above (at exit). */
void os_remove_pidfile(void);

#endif
