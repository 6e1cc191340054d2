/*
 * The "stdio" backend: the guest reads pcvm's stdin and writes its stdout.
 *
 * When stdin is a terminal it is put in raw mode the way QEMU does for
 * -serial stdio and -nographic: no echo, no line editing, no CR/NL or flow
 * control translation, 8-bit characters; Ctrl-C still raises SIGINT unless
 * signal=off (which mon:stdio implies, so Ctrl-C reaches the guest). Output
 * post-processing stays on, as in QEMU, so bare "\n" from firmware does not
 * stair-step. The settings are restored when the chardev closes, which
 * chardev_close_all() does at exit. Stdin may be /dev/null or closed: at end
 * of file the backend just stops reading. Left out: re-applying the mode
 * after SIGCONT.
 *
 * If pcvm starts with fd 0, 1 or 2 closed, the next file it opens (GLib's
 * wakeup fd, /dev/kvm, a disk image) would take that number and be read or
 * written as stdio; so before main() runs, closed standard fds are pointed
 * at /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "util/daemon.h"
#include "util/error.h"

typedef struct {
    Chardev parent;
    ChardevWatch *watch;
    bool tty_saved;
    struct termios saved;
} StdioChardev;

static bool stdio_in_use;

static void stdio_set_raw(StdioChardev *s, bool allow_signals)
{
    struct termios tty;

    if (tcgetattr(STDIN_FILENO, &s->saved) < 0) {
        return;
    }
    s->tty_saved = true;
    tty = s->saved;
    tty.c_iflag &=
        ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tty.c_oflag |= OPOST;
    tty.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tty.c_lflag &= ~ISIG;
    }
    tty.c_cflag &= ~(CSIZE | PARENB);
    tty.c_cflag |= CS8;
    tty.c_cc[VMIN] = 1;
    tty.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &tty);
}

static bool stdio_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    StdioChardev *s = (StdioChardev *)chr;
    bool allow_signals;

    if (stdio_in_use) {
        return error_setg(errp,
                          "cannot use stdio by multiple character devices");
    }
    if (os_is_daemonized()) {
        return error_setg(errp, "cannot use stdio with -daemonize");
    }
    if (!keyval_get_bool(opts, "signal", true, &allow_signals, errp) ||
        !keyval_check_unused(opts, errp)) {
        return false;
    }
    if (fcntl(STDIN_FILENO, F_GETFL) >= 0) {
        if (isatty(STDIN_FILENO)) {
            stdio_set_raw(s, allow_signals);
        }
        s->watch = chardev_watch_new(chr, STDIN_FILENO, NULL);
    }
    stdio_in_use = true;
    chr->filename = g_strdup("stdio");
    return true;
}

static int stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    ssize_t n = write(STDOUT_FILENO, buf, len);

    if (n >= 0) {
        return n;
    }
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

static int stdio_write_fd(Chardev *chr)
{
    return STDOUT_FILENO;
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = (StdioChardev *)chr;

    chardev_watch_free(s->watch);
    s->watch = NULL;
    if (s->tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &s->saved);
        s->tty_saved = false;
    }
    stdio_in_use = false;
}

static const ChardevClass stdio_class = {
    .name = "stdio",
    .instance_size = sizeof(StdioChardev),
    .open = stdio_open,
    .write = stdio_write,
    .write_fd = stdio_write_fd,
    .close = stdio_close,
};

static void __attribute__((constructor)) stdio_register(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int null_fd = open("/dev/null", fd ? O_WRONLY : O_RDONLY);

            if (null_fd >= 0 && null_fd != fd) {
                dup2(null_fd, fd);
                close(null_fd);
            }
        }
    }
    chardev_class_register(&stdio_class);
}
