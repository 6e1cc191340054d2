/*
 * The main loop: the default GLib main context, polled with the BQL released,
 * plus a source that fires expired timers.
 *
 * vCPU threads take the BQL around every exit they hand to a device, so
 * what the lock and a wakeup cost is paid per exit: the "held" mark is a
 * plain thread-local, and a wakeup only reaches the main thread when it
 * may be asleep with stale timeouts (see main_loop_wakeup()).
 */
#include "system/main-loop.h"
#include "system/timer.h"

static GMutex bql;
static __thread bool bql_held;
static GMainContext *context;
static GThread *main_thread;

/*
 * Set with the BQL just before the main thread releases it to poll, and
 * cleared as soon as poll() returns, before it takes the BQL back.
 */
static int main_loop_polling;
/* A wakeup is on its way to the current poll (changed with the BQL held). */
static bool main_loop_woken;
/* This thread owes the main loop a wakeup once it releases the BQL. */
static __thread bool wakeup_deferred;

void bql_lock(void)
{
    g_mutex_lock(&bql);
    bql_held = true;
}

/* Sends a wakeup deferred by main_loop_wakeup(), now that the BQL is free. */
static void wakeup_deferred_send(void)
{
    if (wakeup_deferred) {
        wakeup_deferred = false;
        g_main_context_wakeup(context);
    }
}

void bql_unlock(void)
{
    bql_held = false;
    g_mutex_unlock(&bql);
    wakeup_deferred_send();
}

void bql_cond_wait(GCond *cond)
{
    wakeup_deferred_send();
    bql_held = false;
    g_cond_wait(cond, &bql);
    bql_held = true;
}

bool bql_locked(void)
{
    return bql_held;
}

static gint poll_without_bql(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    main_loop_woken = false;
    g_atomic_int_set(&main_loop_polling, 1);
    bql_unlock();
    ret = g_poll(fds, nfds, timeout);
    g_atomic_int_set(&main_loop_polling, 0);
    bql_lock();
    return ret;
}

static gboolean timer_source_prepare(GSource *source, gint *timeout)
{
    int64_t ns = timers_deadline_ns();

    if (ns == 0) {
        *timeout = 0;
        return true;
    }
    /* Round up so that a timer is never polled for just before it expires. */
    *timeout = ns < 0 ? -1 : (gint)MIN((ns + 999999) / 1000000, G_MAXINT);
    return false;
}

static gboolean timer_source_check(GSource *source)
{
    return timers_deadline_ns() == 0;
}

static gboolean timer_source_dispatch(GSource *source, GSourceFunc cb,
                                      gpointer data)
{
    timers_run_expired();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .prepare = timer_source_prepare,
    .check = timer_source_check,
    .dispatch = timer_source_dispatch,
};

void main_loop_init(void)
{
    GSource *timers;

    context = g_main_context_default();
    main_thread = g_thread_self();
    g_main_context_set_poll_func(context, poll_without_bql);
    timers = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_set_name(timers, "pcvm-timers");
    g_source_attach(timers, context);
    g_source_unref(timers);
    bql_lock();
}

GMainContext *main_loop_context(void)
{
    return context;
}

void main_loop_iterate(bool blocking)
{
    g_main_context_iteration(context, blocking);
}

/*
 * Called after a change the main loop must see before it sleeps again (a
 * timer now due earlier, a source that may be ready, a request). Without
 * the BQL the caller cannot know where the main thread is, so it always
 * wakes it. With the BQL held, the main thread is either between releasing
 * it for poll() and poll() returning (polling set: wake it, once per poll),
 * or on its way back to the lock, after which it runs its sources' prepare
 * again before it next sleeps (no wakeup needed). The wakeup is sent when
 * the caller releases the BQL, so that the main thread does not wake only
 * to wait for the lock the caller holds (a vCPU thread in an exit).
 */
void main_loop_wakeup(void)
{
    if (!context) {
        return;
    }
    if (bql_held) {
        if (!g_atomic_int_get(&main_loop_polling) || main_loop_woken) {
            return;
        }
        main_loop_woken = true;
        wakeup_deferred = true;
        return;
    }
    g_main_context_wakeup(context);
}

bool main_loop_is_current_thread(void)
{
    return g_thread_self() == main_thread;
}
