/*
 * Input watches and small fd helpers the backends share.
 *
 * The watch is a GSource whose prepare() asks the front end how much it
 * takes and only then adds the fd to the poll set, the way QEMU's
 * io_watch_poll does: no reads while the guest is not ready, and no polling
 * of an fd that would report "readable" or "hung up" forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "system/main-loop.h"

#define WATCH_READ_MAX 4096

struct ChardevWatch {
    GSource source;
    Chardev *chr;
    int fd;
    gpointer tag; /* non-NULL while the fd is in the poll set */
    bool dead;    /* end of file seen: never poll again */
    ChardevWatchEof *eof;
};

static gboolean watch_prepare(GSource *source, gint *timeout)
{
    ChardevWatch *w = (ChardevWatch *)source;
    bool want = !w->dead && chardev_be_can_receive(w->chr) > 0;

    *timeout = -1;
    if (want && !w->tag) {
        w->tag =
            g_source_add_unix_fd(source, w->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    } else if (!want && w->tag) {
        g_source_remove_unix_fd(source, w->tag);
        w->tag = NULL;
    }
    return false;
}

static gboolean watch_check(GSource *source)
{
    ChardevWatch *w = (ChardevWatch *)source;

    return w->tag && g_source_query_unix_fd(source, w->tag) != 0;
}

static gboolean watch_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    ChardevWatch *w = (ChardevWatch *)source;
    uint8_t buf[WATCH_READ_MAX];
    int room = chardev_be_can_receive(w->chr);
    ssize_t n;

    if (w->dead || room <= 0) {
        return G_SOURCE_CONTINUE;
    }
    n = read(w->fd, buf, MIN(room, (int)sizeof(buf)));
    if (n > 0) {
        chardev_be_receive(w->chr, buf, n);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    w->dead = true;
    if (w->tag) {
        g_source_remove_unix_fd(source, w->tag);
        w->tag = NULL;
    }
    if (w->eof) {
        /* May free the watch; GLib holds a reference until we return. */
        w->eof(w->chr);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs watch_funcs = {
    .prepare = watch_prepare,
    .check = watch_check,
    .dispatch = watch_dispatch,
};

ChardevWatch *chardev_watch_new(Chardev *chr, int fd, ChardevWatchEof *eof)
{
    GSource *source = g_source_new(&watch_funcs, sizeof(ChardevWatch));
    ChardevWatch *w = (ChardevWatch *)source;

    w->chr = chr;
    w->fd = fd;
    w->eof = eof;
    g_source_set_name(source, "chardev-input");
    g_source_attach(source, main_loop_context());
    return w;
}

void chardev_watch_free(ChardevWatch *w)
{
    if (w) {
        g_source_destroy(&w->source);
        g_source_unref(&w->source);
    }
}

void chardev_source_remove(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

GSource *chardev_source_attach(GSource *source, GSourceFunc fn, void *opaque)
{
    g_source_set_callback(source, fn, opaque, NULL);
    g_source_attach(source, main_loop_context());
    return source;
}

bool chardev_fd_set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}
