/*
 * Clocks and timers.
 *
 * VIRTUAL is guest time: it stops while the VM is paused (and under qtest it
 * only moves when the test says). REALTIME is the host's monotonic clock and
 * HOST its wall clock. Timer callbacks run on the main loop with the BQL held.
 */
#ifndef SYSTEM_TIMER_H
#define SYSTEM_TIMER_H

#include <inttypes.h>
#include <stdbool.h>

typedef enum {
    VM_CLOCK_REALTIME,
    VM_CLOCK_VIRTUAL,
    VM_CLOCK_HOST,
    VM_CLOCK_MAX
} VMClockType;

#define NANOSECONDS_PER_SECOND 1000000000LL

typedef struct Timer Timer;
typedef void TimerCallback(void *opaque);

int64_t vm_clock_get_ns(VMClockType type);
/* Stops/starts the virtual clock (run state changes call these). */
void vm_clock_virtual_stop(void);
void vm_clock_virtual_start(void);
/*
 * Makes the virtual clock manual, reading start_ns: it then moves only
 * through vm_clock_virtual_step_to(), which also runs the timers that expire.
 */
void vm_clock_virtual_set_manual(int64_t start_ns);
void vm_clock_virtual_step_to(int64_t ns);
/*
 * Makes the virtual clock read ns from now on (loading a saved machine);
 * timers already armed on it keep their deadlines.
 */
void vm_clock_virtual_set(int64_t ns);
/* When the earliest virtual-clock timer expires (absolute ns), or -1. */
int64_t vm_clock_virtual_deadline(void);

Timer *timer_new_ns(VMClockType type, TimerCallback *cb, void *opaque);
void timer_free(Timer *t);
/* Arms (or re-arms) the timer to fire at expire_ns on its clock. */
void timer_mod_ns(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(Timer *t);
int64_t timer_expire_time_ns(Timer *t);
/* What the timer's clock reads now. */
int64_t timer_clock_ns(Timer *t);

/* Nanoseconds until the earliest timer of any clock expires, or -1. */
int64_t timers_deadline_ns(void);
/* Runs the expired timers of all clocks. Returns true if any ran. */
bool timers_run_expired(void);

#endif
