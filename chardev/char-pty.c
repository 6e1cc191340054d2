/*
 * The "pty" backend: a new pseudo-terminal whose slave side (/dev/pts/N) a
 * user opens with screen, minicom or cat.
 *
 * The slave is put in raw mode and closed again, as QEMU does, so the master
 * reports POLLHUP until someone opens it. While nobody has it open output
 * is dropped rather than left to fill the tty buffer; a one-second timer
 * watches for readers coming and going and sends OPENED and CLOSED.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "util/error.h"

#define PTY_POLL_MS 1000

typedef struct {
    Chardev parent;
    int master;
    ChardevWatch *watch;
    GSource *timer;
} PtyChardev;

/* True when the slave side is open somewhere. */
static bool pty_has_reader(PtyChardev *s)
{
    struct pollfd pfd = {.fd = s->master, .events = POLLIN};

    return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP);
}

static void pty_disconnected(Chardev *chr)
{
    PtyChardev *s = (PtyChardev *)chr;

    chardev_watch_free(s->watch);
    s->watch = NULL;
    if (chr->connected) {
        chr->connected = false;
        chardev_be_event(chr, CHR_EVENT_CLOSED);
    }
}

static void pty_update(PtyChardev *s)
{
    Chardev *chr = &s->parent;
    bool reader = pty_has_reader(s);

    if (reader && !chr->connected) {
        chr->connected = true;
        s->watch = chardev_watch_new(chr, s->master, pty_disconnected);
        chardev_be_event(chr, CHR_EVENT_OPENED);
    } else if (!reader && chr->connected) {
        pty_disconnected(chr);
    }
}

static gboolean pty_timer(gpointer opaque)
{
    pty_update(opaque);
    return G_SOURCE_CONTINUE;
}

static bool pty_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    PtyChardev *s = (PtyChardev *)chr;
    struct termios tty;
    char name[64];
    int slave;

    if (!keyval_check_unused(opts, errp)) {
        return false;
    }
    if (openpty(&s->master, &slave, NULL, NULL, NULL) < 0) {
        return error_setg(errp, "Failed to create PTY: %s", g_strerror(errno));
    }
    if (ptsname_r(s->master, name, sizeof(name)) != 0) {
        error_setg(errp, "Failed to create PTY: %s", g_strerror(errno));
        close(slave);
        close(s->master);
        return false;
    }
    /* Raw, so the reader sees the guest's bytes and no echo comes back. */
    if (tcgetattr(slave, &tty) == 0) {
        cfmakeraw(&tty);
        tcsetattr(slave, TCSANOW, &tty);
    }
    close(slave);
    fcntl(s->master, F_SETFD, FD_CLOEXEC);
    chardev_fd_set_nonblock(s->master);

    chr->connected = false;
    chr->filename = g_strdup_printf("pty:%s", name);
    fprintf(stderr, "char device redirected to %s (label %s)\n", name, chr->id);
    s->timer =
        chardev_source_attach(g_timeout_source_new(PTY_POLL_MS), pty_timer, s);
    return true;
}

static int pty_write(Chardev *chr, const uint8_t *buf, int len)
{
    PtyChardev *s = (PtyChardev *)chr;
    ssize_t n;

    /*
     * The timer may not have noticed a new reader yet; ask the pty, but leave
     * the OPENED event to the timer rather than sending it from inside a
     * front end's write.
     */
    if (!chr->connected && !pty_has_reader(s)) {
        return len;
    }
    n = write(s->master, buf, len);
    if (n >= 0) {
        return n;
    }
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

static int pty_write_fd(Chardev *chr)
{
    return ((PtyChardev *)chr)->master;
}

static void pty_close(Chardev *chr)
{
    PtyChardev *s = (PtyChardev *)chr;

    chardev_source_remove(&s->timer);
    chardev_watch_free(s->watch);
    s->watch = NULL;
    close(s->master);
    s->master = -1;
}

static const ChardevClass pty_class = {
    .name = "pty",
    .instance_size = sizeof(PtyChardev),
    .open = pty_open,
    .write = pty_write,
    .write_fd = pty_write_fd,
    .close = pty_close,
};

static void __attribute__((constructor)) pty_register(void)
{
    chardev_class_register(&pty_class);
}
