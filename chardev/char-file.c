/*
 * The "file" backend: output goes to path= (truncated, or appended to with
 * append=on); input, if any, is read once from input-path= up to its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "util/error.h"

typedef struct {
    Chardev parent;
    int out_fd;
    int in_fd;
    ChardevWatch *watch;
} FileChardev;

static bool file_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    FileChardev *s = (FileChardev *)chr;
    const char *path = keyval_get(opts, "path");
    const char *input_path = keyval_get(opts, "input-path");
    bool append;

    s->out_fd = s->in_fd = -1;
    if (!path || !*path) {
        return error_setg(errp, "chardev: file: path= is required");
    }
    if (!keyval_get_bool(opts, "append", false, &append, errp) ||
        !keyval_check_unused(opts, errp)) {
        return false;
    }
    s->out_fd = open(
        path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC),
        0666);
    if (s->out_fd < 0) {
        return error_setg(errp, "Could not open '%s': %s", path,
                          g_strerror(errno));
    }
    if (input_path) {
        s->in_fd = open(input_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (s->in_fd < 0) {
            error_setg(errp, "Could not open '%s': %s", input_path,
                       g_strerror(errno));
            close(s->out_fd);
            return false;
        }
        s->watch = chardev_watch_new(chr, s->in_fd, NULL);
    }
    chr->filename = g_strdup_printf("file:%s", path);
    return true;
}

static int file_write(Chardev *chr, const uint8_t *buf, int len)
{
    FileChardev *s = (FileChardev *)chr;
    ssize_t n = write(s->out_fd, buf, len);

    if (n >= 0) {
        return n;
    }
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

static int file_write_fd(Chardev *chr)
{
    return ((FileChardev *)chr)->out_fd;
}

static void file_close(Chardev *chr)
{
    FileChardev *s = (FileChardev *)chr;

    chardev_watch_free(s->watch);
    s->watch = NULL;
    if (s->in_fd >= 0) {
        close(s->in_fd);
    }
    close(s->out_fd);
    s->in_fd = s->out_fd = -1;
}

static const ChardevClass file_class = {
    .name = "file",
    .instance_size = sizeof(FileChardev),
    .open = file_open,
    .write = file_write,
    .write_fd = file_write_fd,
    .close = file_close,
};

static void __attribute__((constructor)) file_register(void)
{
    chardev_class_register(&file_class);
}
