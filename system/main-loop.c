/*
 * The main loop: the default GLib main context, polled with the BQL released,
 * plus a source that fires expired timers.
 */
#include "system/main-loop.h"
#include "system/timer.h"

static GMutex bql;
static GPrivate bql_held;
static GMainContext *context;
static GThread *main_thread;

void bql_lock(void)
{
    g_mutex_lock(&bql);
    g_private_set(&bql_held, GINT_TO_POINTER(1));
}

void bql_unlock(void)
{
    g_private_set(&bql_held, NULL);
    g_mutex_unlock(&bql);
}

void bql_cond_wait(GCond *cond)
{
    g_private_set(&bql_held, NULL);
    g_cond_wait(cond, &bql);
    g_private_set(&bql_held, GINT_TO_POINTER(1));
}

bool bql_locked(void)
{
    return g_private_get(&bql_held) != NULL;
}

static gint poll_without_bql(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    bql_unlock();
    ret = g_poll(fds, nfds, timeout);
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

void main_loop_wakeup(void)
{
    if (context) {
        g_main_context_wakeup(context);
    }
}

bool main_loop_is_current_thread(void)
{
    return g_thread_self() == main_thread;
}
