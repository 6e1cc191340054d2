/* EventNotifier over Linux eventfd(2). */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/error.h"
#include "util/event-notifier.h"

bool event_notifier_init(EventNotifier *e, GError **errp)
{
    e->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->fd < 0) {
        return error_setg(errp, "cannot create eventfd: %s", g_strerror(errno));
    }
    return true;
}

void event_notifier_cleanup(EventNotifier *e)
{
    if (e->fd >= 0) {
        close(e->fd);
        e->fd = -1;
    }
}

int event_notifier_get_fd(const EventNotifier *e)
{
    return e->fd;
}

void event_notifier_set(EventNotifier *e)
{
    uint64_t one = 1;
    ssize_t ret;

    do {
        ret = write(e->fd, &one, sizeof(one));
    } while (ret < 0 && errno == EINTR);
    /* EAGAIN means the counter is saturated: it is signalled already. */
}

bool event_notifier_test_and_clear(EventNotifier *e)
{
    uint64_t value;
    ssize_t ret;

    do {
        ret = read(e->fd, &value, sizeof(value));
    } while (ret < 0 && errno == EINTR);
    return ret == sizeof(value) && value > 0;
}
