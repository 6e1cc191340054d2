/*
 * Clocks and timers. Each clock keeps its armed timers sorted by expiry; the
 * main loop sleeps until the earliest one. All of it runs under the BQL.
 */
#include <time.h>

#include "system/main-loop.h"
#include "system/timer.h"

struct Timer {
    VMClockType type;
    TimerCallback *cb;
    void *opaque;
    int64_t expire;
    bool pending;
};

static GList *active[VM_CLOCK_MAX]; /* Timer *, sorted by expire */

/* Virtual time = host monotonic time - time spent stopped. */
static int64_t virtual_offset;
static int64_t virtual_stopped_at = -1;
static bool virtual_manual;
static int64_t virtual_manual_ns;

static int64_t host_clock(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

int64_t vm_clock_get_ns(VMClockType type)
{
    switch (type) {
    case VM_CLOCK_REALTIME:
        return host_clock(CLOCK_MONOTONIC);
    case VM_CLOCK_HOST:
        return host_clock(CLOCK_REALTIME);
    case VM_CLOCK_VIRTUAL:
        if (virtual_manual) {
            return virtual_manual_ns;
        }
        if (virtual_stopped_at >= 0) {
            return virtual_stopped_at - virtual_offset;
        }
        return host_clock(CLOCK_MONOTONIC) - virtual_offset;
    default:
        g_assert_not_reached();
    }
}

void vm_clock_virtual_stop(void)
{
    if (virtual_stopped_at < 0) {
        virtual_stopped_at = host_clock(CLOCK_MONOTONIC);
    }
}

void vm_clock_virtual_start(void)
{
    if (virtual_stopped_at >= 0) {
        virtual_offset += host_clock(CLOCK_MONOTONIC) - virtual_stopped_at;
        virtual_stopped_at = -1;
        main_loop_wakeup();
    }
}

void vm_clock_virtual_set_manual(int64_t start_ns)
{
    virtual_manual_ns = start_ns;
    virtual_manual = true;
}

void vm_clock_virtual_set(int64_t ns)
{
    if (virtual_manual) {
        virtual_manual_ns = ns;
    } else if (virtual_stopped_at >= 0) {
        virtual_offset = virtual_stopped_at - ns;
    } else {
        virtual_offset = host_clock(CLOCK_MONOTONIC) - ns;
    }
    main_loop_wakeup();
}

void vm_clock_virtual_step_to(int64_t ns)
{
    g_assert(virtual_manual);
    /* Fire timers in order, with the clock reading each one's expiry. */
    while (active[VM_CLOCK_VIRTUAL]) {
        Timer *t = active[VM_CLOCK_VIRTUAL]->data;

        if (t->expire > ns) {
            break;
        }
        if (t->expire > virtual_manual_ns) {
            virtual_manual_ns = t->expire;
        }
        timer_del(t);
        t->cb(t->opaque);
    }
    if (ns > virtual_manual_ns) {
        virtual_manual_ns = ns;
    }
}

int64_t vm_clock_virtual_deadline(void)
{
    GList *first = active[VM_CLOCK_VIRTUAL];

    return first ? ((Timer *)first->data)->expire : -1;
}

Timer *timer_new_ns(VMClockType type, TimerCallback *cb, void *opaque)
{
    Timer *t = g_new0(Timer, 1);

    t->type = type;
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

static gint timer_order(gconstpointer a, gconstpointer b)
{
    const Timer *x = a, *y = b;

    return x->expire < y->expire ? -1 : x->expire > y->expire;
}

void timer_mod_ns(Timer *t, int64_t expire_ns)
{
    bool first;

    timer_del(t);
    t->expire = expire_ns;
    t->pending = true;
    active[t->type] = g_list_insert_sorted(active[t->type], t, timer_order);
    first = active[t->type]->data == t;
    if (first && !main_loop_is_current_thread()) {
        main_loop_wakeup();
    }
}

int64_t timer_clock_ns(Timer *t)
{
    return vm_clock_get_ns(t->type);
}

void timer_del(Timer *t)
{
    if (t->pending) {
        active[t->type] = g_list_remove(active[t->type], t);
        t->pending = false;
    }
}

bool timer_pending(Timer *t)
{
    return t->pending;
}

int64_t timer_expire_time_ns(Timer *t)
{
    return t->pending ? t->expire : -1;
}

int64_t timers_deadline_ns(void)
{
    int64_t best = -1;

    for (int type = 0; type < VM_CLOCK_MAX; type++) {
        Timer *t;
        int64_t delta;

        if (!active[type] || (type == VM_CLOCK_VIRTUAL && virtual_manual)) {
            continue;
        }
        if (type == VM_CLOCK_VIRTUAL && virtual_stopped_at >= 0) {
            continue; /* frozen: nothing expires while stopped */
        }
        t = active[type]->data;
        delta = MAX(t->expire - vm_clock_get_ns(type), 0);
        if (best < 0 || delta < best) {
            best = delta;
        }
    }
    return best;
}

bool timers_run_expired(void)
{
    bool ran = false;

    for (int type = 0; type < VM_CLOCK_MAX; type++) {
        int64_t now;

        if (type == VM_CLOCK_VIRTUAL &&
            (virtual_manual || virtual_stopped_at >= 0)) {
            continue;
        }
        now = vm_clock_get_ns(type);
        while (active[type]) {
            Timer *t = active[type]->data;

            if (t->expire > now) {
                break;
            }
            timer_del(t);
            t->cb(t->opaque);
            ran = true;
        }
    }
    return ran;
}
