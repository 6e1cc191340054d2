/*
 * The main loop (a GLib main context on the main thread) and the big VMM
 * lock (BQL). Device emulation, timers and backends run with the BQL held;
 * the main loop drops it only while it sleeps in poll(), and vCPU threads
 * take it around each exit they hand to a device.
 */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

#include <glib.h>
#include <stdbool.h>

void main_loop_init(void);
GMainContext *main_loop_context(void);
/* Runs one iteration; blocks until something happens if blocking. */
void main_loop_iterate(bool blocking);
/* Wakes the main loop from another thread (its timeouts may have changed). */
void main_loop_wakeup(void);
bool main_loop_is_current_thread(void);

void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);
/* Waits on cond, releasing the BQL meanwhile (the caller holds it). */
void bql_cond_wait(GCond *cond);

#endif
