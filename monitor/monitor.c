/*
 * The part of a monitor HMP and QMP share: the chardev front end, the
 * output buffer and the list of monitors.
 *
 * Output is buffered and written at each newline. A monitor on a mux that
 * lost the focus (MUX_OUT) keeps its output until it gets the focus back
 * (MUX_IN), so it never writes over the serial console it shares the
 * terminal with; QEMU behaves the same way.
 */
#include <string.h>

#include "monitor/monitor-internal.h"
#include "util/error.h"

static GPtrArray *monitors; /* Monitor *, chardev monitors only */

/* ---- output ------------------------------------------------------------- */

void monitor_flush(Monitor *mon)
{
    if (mon->dead || !mon->has_chardev || mon->mux_out || !mon->outbuf->len) {
        return;
    }
    /*
     * Take the text out first: writing may block on a slow peer, and a
     * monitor is never re-entered from here, but stay safe if it were.
     */
    g_autoptr(GString) out = mon->outbuf;

    mon->outbuf = g_string_new(NULL);
    chardev_fe_write_all(&mon->fe, (const uint8_t *)out->str, out->len);
}

void monitor_write(Monitor *mon, const char *buf, size_t len)
{
    if (!mon->dead) {
        g_string_append_len(mon->outbuf, buf, len);
    }
}

int monitor_puts(Monitor *mon, const char *str)
{
    bool newline = false;
    int n = 0;

    if (mon->dead) {
        return 0;
    }
    for (const char *p = str; *p; p++, n++) {
        if (*p == '\n') {
            g_string_append_c(mon->outbuf, '\r');
            newline = true;
        }
        g_string_append_c(mon->outbuf, *p);
    }
    if (newline) {
        monitor_flush(mon);
    }
    return n;
}

int monitor_vprintf(Monitor *mon, const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);

    return monitor_puts(mon, text);
}

int monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = monitor_vprintf(mon, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- input and events from the chardev ---------------------------------- */

static int monitor_chr_can_receive(void *opaque)
{
    Monitor *mon = opaque;

    if (!mon->receive) {
        return 0;
    }
    return mon->can_receive ? mon->can_receive(mon) : 4096;
}

static void monitor_chr_receive(void *opaque, const uint8_t *buf, int size)
{
    Monitor *mon = opaque;

    if (mon->receive) {
        mon->receive(mon, buf, size);
    }
}

static void monitor_chr_event(void *opaque, CharEvent event)
{
    Monitor *mon = opaque;

    if (event == CHR_EVENT_MUX_IN) {
        mon->mux_out = false;
    }
    if (mon->event) {
        mon->event(mon, event);
    }
    switch (event) {
    case CHR_EVENT_MUX_IN:
        monitor_flush(mon);
        break;
    case CHR_EVENT_MUX_OUT:
        /* What the mode printed on its way out still goes out. */
        monitor_flush(mon);
        mon->mux_out = true;
        break;
    default:
        break;
    }
}

void monitor_set_input(Monitor *mon, MonitorCanReceive *can_receive,
                       MonitorReceive *receive, MonitorEvent *event)
{
    mon->can_receive = can_receive;
    mon->receive = receive;
    mon->event = event;
    if (mon->has_chardev) {
        chardev_fe_set_handlers(&mon->fe, monitor_chr_can_receive,
                                monitor_chr_receive, monitor_chr_event, mon);
    }
}

void monitor_accept_input(Monitor *mon)
{
    if (mon->has_chardev && !mon->dead) {
        chardev_fe_accept_input(&mon->fe);
    }
}

/* ---- life cycle --------------------------------------------------------- */

Monitor *monitor_new(Chardev *chr, bool qmp, bool pretty, GError **errp)
{
    Monitor *mon;

    if (!chr) {
        error_setg(errp, "a monitor needs a chardev");
        return NULL;
    }
    mon = g_new0(Monitor, 1);
    mon->has_chardev = true;
    mon->is_qmp = qmp;
    mon->pretty = pretty;
    mon->outbuf = g_string_new(NULL);
    if (!chardev_fe_init(&mon->fe, chr, errp)) {
        g_string_free(mon->outbuf, true);
        g_free(mon);
        return NULL;
    }
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    g_ptr_array_add(monitors, mon);
    /* The mode attaches its handlers; the greeting or banner follows. */
    if (qmp) {
        qmp_monitor_setup(mon);
    } else {
        hmp_monitor_setup(mon);
    }
    return mon;
}

Monitor *monitor_capture_new(void)
{
    Monitor *mon = g_new0(Monitor, 1);

    mon->outbuf = g_string_new(NULL);
    return mon;
}

char *monitor_capture_finish(Monitor *mon)
{
    char *text;

    if (mon->destroy) {
        mon->destroy(mon);
    }
    text = g_string_free(mon->outbuf, false);
    g_free(mon);
    return text;
}

GPtrArray *monitor_list(void)
{
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    return monitors;
}

void monitor_cleanup(void)
{
    if (!monitors) {
        return;
    }
    for (unsigned i = 0; i < monitors->len; i++) {
        Monitor *mon = g_ptr_array_index(monitors, i);

        /*
         * The mode may still have output (QMP: the reply to quit, after
         * SHUTDOWN); it all goes out before the chardev is let go.
         */
        if (mon->destroy) {
            mon->destroy(mon);
        }
        monitor_flush(mon);
        mon->dead = true;
        chardev_fe_deinit(&mon->fe);
        g_string_free(mon->outbuf, true);
        g_free(mon);
    }
    g_ptr_array_free(monitors, true);
    monitors = NULL;
}
