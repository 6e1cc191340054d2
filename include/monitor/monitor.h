/*
 * Monitors: HMP (the "(qemu)" text prompt) and QMP (QEMU's JSON protocol),
 * each on its own chardev. Every monitor sees the same command tables; QMP
 * clients also receive events (STOP, RESUME, RESET, SHUTDOWN, POWERDOWN).
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <glib.h>
#include <stdbool.h>

#include "chardev/char.h"

typedef struct Monitor Monitor;

/*
 * Starts a monitor on chr (-monitor, -qmp, -mon chardev=ID,mode=...).
 * qmp: JSON control protocol; otherwise HMP. pretty: indented JSON replies.
 */
Monitor *monitor_new(Chardev *chr, bool qmp, bool pretty, GError **errp);
/* Flushes and detaches every monitor (at exit). */
void monitor_cleanup(void);

#endif
