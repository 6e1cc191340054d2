/*
 * The mux: up to four front ends (a serial port and the monitor, typically)
 * sharing one backend, as QEMU's mux=on and mon:SPEC do.
 *
 * Every front end's output goes straight through to the backend. Input goes
 * to the front end with the focus, the first one attached at start; a small
 * per-front-end buffer holds what it cannot take yet. Ctrl-A escapes, as
 * QEMU documents them for the mux:
 *   C-a h  help          C-a x  quit pcvm        C-a s  sync disks (no-op)
 *   C-a b  send a break  C-a c  next front end   C-a t  console timestamps
 *   C-a C-a  a literal C-a
 * Backend OPENED/CLOSED go to every front end; the focus change sends
 * MUX_OUT to the old front end and MUX_IN to the new one.
 */
#include <string.h>

#include "chardev/char-internal.h"
#include "system/runstate.h"
#include "util/error.h"

#define MUX_MAX_FRONTENDS 4
#define MUX_BUFFER_SIZE 32
#define MUX_ESCAPE 0x01 /* Ctrl-A */

typedef struct {
    uint8_t data[MUX_BUFFER_SIZE];
    int len;
} MuxBuffer;

typedef struct {
    Chardev parent;
    Chardev *base;
    CharFrontend base_fe; /* the mux is the front end of its backend */
    CharFrontend *frontends[MUX_MAX_FRONTENDS];
    MuxBuffer buffers[MUX_MAX_FRONTENDS];
    int count; /* slots used; a detached front end leaves a hole */
    int focus;
    bool got_escape;
    bool flushing;
    bool timestamps;
    bool line_start;
    gint64 timestamps_start_us;
} MuxChardev;

static void mux_write_string(MuxChardev *m, const char *text)
{
    chardev_fe_write_all(&m->base_fe, (const uint8_t *)text, strlen(text));
}

static void mux_send_event(MuxChardev *m, int index, CharEvent event)
{
    CharFrontend *fe = m->frontends[index];

    if (fe && fe->event) {
        fe->event(fe->opaque, event);
    }
}

/* Hands buffered input to front end index as far as it takes it. */
static void mux_flush(MuxChardev *m, int index)
{
    CharFrontend *fe = m->frontends[index];
    MuxBuffer *b = &m->buffers[index];

    if (m->flushing || !fe) {
        return;
    }
    m->flushing = true;
    while (b->len > 0 && fe->receive) {
        int n = fe->can_receive ? fe->can_receive(fe->opaque) : b->len;
        uint8_t chunk[MUX_BUFFER_SIZE];

        n = MIN(n, b->len);
        if (n <= 0) {
            break;
        }
        /* Copy out first: receive() may call back into the mux. */
        memcpy(chunk, b->data, n);
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        fe->receive(fe->opaque, chunk, n);
    }
    m->flushing = false;
}

static void mux_set_focus(MuxChardev *m, int index)
{
    /* What was typed before C-a c goes to where it was typed. */
    mux_flush(m, m->focus);
    mux_send_event(m, m->focus, CHR_EVENT_MUX_OUT);
    m->focus = index;
    mux_send_event(m, m->focus, CHR_EVENT_MUX_IN);
    mux_flush(m, m->focus);
}

static void mux_focus_next(MuxChardev *m)
{
    for (int i = 1; i <= m->count; i++) {
        int next = (m->focus + i) % m->count;

        if (m->frontends[next]) {
            mux_set_focus(m, next);
            return;
        }
    }
}

static void mux_print_help(MuxChardev *m)
{
    static const char *const lines[] = {
        "\r\n",
        "C-a h    print this help\r\n",
        "C-a x    exit pcvm\r\n",
        "C-a s    save disk data back to file (if -snapshot)\r\n",
        "C-a t    toggle console timestamps\r\n",
        "C-a b    send break (magic sysrq)\r\n",
        "C-a c    switch between console and monitor\r\n",
        "C-a C-a  sends C-a\r\n",
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(lines); i++) {
        mux_write_string(m, lines[i]);
    }
}

/* Handles one input byte; true when it is data for the focused front end. */
static bool mux_process_byte(MuxChardev *m, uint8_t ch)
{
    if (!m->got_escape) {
        if (ch == MUX_ESCAPE) {
            m->got_escape = true;
            return false;
        }
        return true;
    }
    m->got_escape = false;
    switch (ch) {
    case MUX_ESCAPE:
        return true;
    case 'h':
    case '?':
        mux_print_help(m);
        break;
    case 'x':
        mux_write_string(m, "pcvm: terminated\r\n");
        system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
        break;
    case 's':
        /* Nothing to commit until -snapshot exists. */
        break;
    case 'b':
        mux_send_event(m, m->focus, CHR_EVENT_BREAK);
        break;
    case 'c':
        mux_focus_next(m);
        break;
    case 't':
        m->timestamps = !m->timestamps;
        m->timestamps_start_us = g_get_monotonic_time();
        m->line_start = false;
        break;
    default:
        /* Unknown escapes are swallowed, as in QEMU. */
        break;
    }
    return false;
}

/* The backend side: the mux as its backend's front end. */

static int mux_can_receive(void *opaque)
{
    MuxChardev *m = opaque;

    if (!m->count) {
        return 0;
    }
    mux_flush(m, m->focus);
    return MUX_BUFFER_SIZE - m->buffers[m->focus].len;
}

static void mux_receive(void *opaque, const uint8_t *buf, int size)
{
    MuxChardev *m = opaque;

    for (int i = 0; i < size; i++) {
        /* The focus may move half-way through buf (C-a c). */
        MuxBuffer *b = &m->buffers[m->focus];

        if (mux_process_byte(m, buf[i]) && b->len < MUX_BUFFER_SIZE) {
            b->data[b->len++] = buf[i];
        }
    }
    mux_flush(m, m->focus);
}

static void mux_event(void *opaque, CharEvent event)
{
    MuxChardev *m = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
    case CHR_EVENT_CLOSED:
        m->parent.connected = event == CHR_EVENT_OPENED;
        for (int i = 0; i < m->count; i++) {
            mux_send_event(m, i, event);
        }
        break;
    case CHR_EVENT_BREAK:
        mux_send_event(m, m->focus, event);
        break;
    default:
        break;
    }
}

/* The front-end side, called by the core. */

bool mux_frontend_attach(Chardev *chr, CharFrontend *fe, GError **errp)
{
    MuxChardev *m = (MuxChardev *)chr;
    int index;

    if (fe->chr == chr && fe->mux_index >= 0 && fe->mux_index < m->count &&
        m->frontends[fe->mux_index] == fe) {
        return true;
    }
    /* Reuse the slot of a front end that was detached, if any. */
    for (index = 0; index < m->count && m->frontends[index]; index++) {
    }
    if (index == MUX_MAX_FRONTENDS) {
        return error_setg(errp, "too many uses of multiplexed chardev '%s'",
                          chr->id);
    }
    fe->chr = chr;
    fe->mux_index = index;
    m->frontends[index] = fe;
    m->buffers[index].len = 0;
    if (index == m->count) {
        m->count++;
    }
    return true;
}

void mux_frontend_detach(Chardev *chr, CharFrontend *fe)
{
    MuxChardev *m = (MuxChardev *)chr;
    int index = fe->mux_index;

    if (index < 0 || index >= m->count || m->frontends[index] != fe) {
        return;
    }
    m->frontends[index] = NULL;
    m->buffers[index].len = 0;
    if (m->focus == index) {
        mux_focus_next(m);
    }
}

void mux_frontend_handlers_set(Chardev *chr, CharFrontend *fe)
{
    MuxChardev *m = (MuxChardev *)chr;
    int index = fe->mux_index;

    if (!fe->event) {
        return;
    }
    fe->event(fe->opaque,
              index == m->focus ? CHR_EVENT_MUX_IN : CHR_EVENT_MUX_OUT);
    if (chr->connected) {
        fe->event(fe->opaque, CHR_EVENT_OPENED);
    }
}

/* The mux as a chardev. */

static bool mux_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    MuxChardev *m = (MuxChardev *)chr;
    const char *base_id = keyval_get(opts, "chardev");

    if (!base_id) {
        return error_setg(errp, "chardev: mux: chardev= is required");
    }
    m->base = chardev_find(base_id);
    if (!m->base) {
        return error_setg(errp, "chardev '%s' not found", base_id);
    }
    if (!chardev_fe_init(&m->base_fe, m->base, errp)) {
        return false;
    }
    chr->connected = m->base->connected;
    chr->filename = g_strdup("mux");
    chardev_fe_set_handlers(&m->base_fe, mux_can_receive, mux_receive,
                            mux_event, m);
    return true;
}

/* Writes with a "[hh:mm:ss.mmm] " stamp at the start of every line. */
static int mux_write_timestamped(MuxChardev *m, const uint8_t *buf, int len)
{
    int start = 0;

    for (int i = 0; i < len; i++) {
        if (m->line_start) {
            gint64 ms =
                (g_get_monotonic_time() - m->timestamps_start_us) / 1000;
            g_autofree char *stamp =
                g_strdup_printf("[%02d:%02d:%02d.%03d] ", (int)(ms / 3600000),
                                (int)(ms / 60000 % 60), (int)(ms / 1000 % 60),
                                (int)(ms % 1000));

            chardev_write_blocking(m->base, (const uint8_t *)stamp,
                                   strlen(stamp));
            m->line_start = false;
        }
        if (buf[i] == '\n') {
            chardev_write_blocking(m->base, buf + start, i + 1 - start);
            start = i + 1;
            m->line_start = true;
        }
    }
    chardev_write_blocking(m->base, buf + start, len - start);
    return len;
}

static int mux_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *m = (MuxChardev *)chr;

    if (m->base->closed) {
        return -1;
    }
    if (m->timestamps) {
        return mux_write_timestamped(m, buf, len);
    }
    return m->base->klass->write(m->base, buf, len);
}

static int mux_write_fd(Chardev *chr)
{
    Chardev *base = ((MuxChardev *)chr)->base;

    return base->klass->write_fd ? base->klass->write_fd(base) : -1;
}

static void mux_accept_input(Chardev *chr)
{
    MuxChardev *m = (MuxChardev *)chr;

    if (m->count) {
        mux_flush(m, m->focus);
    }
    chardev_fe_accept_input(&m->base_fe);
}

static void mux_close(Chardev *chr)
{
    MuxChardev *m = (MuxChardev *)chr;

    chardev_fe_set_handlers(&m->base_fe, NULL, NULL, NULL, NULL);
    chardev_fe_deinit(&m->base_fe);
}

const ChardevClass chardev_mux_class = {
    .name = "mux",
    .instance_size = sizeof(MuxChardev),
    .open = mux_open,
    .write = mux_write,
    .write_fd = mux_write_fd,
    .accept_input = mux_accept_input,
    .close = mux_close,
};

Chardev *chardev_mux_new(const char *id, Chardev *base, GError **errp)
{
    g_autofree char *options = g_strdup_printf("chardev=%s", base->id);
    g_autoptr(KeyValList) opts = keyval_parse(options, NULL, errp);

    return opts ? chardev_new_with_class(&chardev_mux_class, id, opts, errp)
                : NULL;
}

static void __attribute__((constructor)) mux_register(void)
{
    chardev_class_register(&chardev_mux_class);
}
