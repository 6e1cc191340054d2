/*
 * aio=native: Linux AIO through libaio (io_submit/io_getevents), the
 * kernel's own asynchronous path for O_DIRECT files. Reads and writes
 * are IOCB_CMD_PREADV/PWRITEV, flushes IOCB_CMD_FDSYNC (fdatasync's
 * semantics, Linux 4.18 on; on older kernels, found by one flush at
 * open, flushes run on the thread pool). Every iocb carries the backend's
 * eventfd (IOCB_FLAG_RESFD), so the kernel itself signals a completion.
 * Requests past the context's depth wait in the engine queue until some finish.
 */
#include <errno.h>
#include <libaio.h>
#include <string.h>

#include "block/block-int.h"
#include "util/error.h"

#define AIO_LINUX_DEPTH 128

typedef struct LinuxAioEngine {
    BlockAioEngine base;
    io_context_t ctx;
    BdrvRequest *failed, **failed_tail; /* refused by io_submit */
} LinuxAioEngine;

G_STATIC_ASSERT(sizeof(struct iocb) <= sizeof(((BdrvRequest *)0)->engine_data));

static BdrvRequest *aio_linux_submit(BlockAioEngine *e, BdrvRequest *list)
{
    LinuxAioEngine *l = (LinuxAioEngine *)e;
    struct iocb *batch[AIO_LINUX_DEPTH];
    BdrvRequest *reqs[AIO_LINUX_DEPTH], *rest = list;
    unsigned room = AIO_LINUX_DEPTH - e->in_flight, n = 0, done = 0;

    for (; rest && n < room; rest = rest->next) {
        struct iocb *cb = (struct iocb *)rest->engine_data;

        switch (rest->kind) {
        case BDRV_REQ_READ:
            io_prep_preadv(cb, e->fd, rest->iov, rest->niov, rest->offset);
            break;
        case BDRV_REQ_WRITE:
            io_prep_pwritev(cb, e->fd, rest->iov, rest->niov, rest->offset);
            break;
        default: /* the file node sends only reads, writes and flushes */
            io_prep_fdsync(cb, e->fd);
            break;
        }
        io_set_eventfd(cb, e->notify_fd);
        cb->data = rest;
        batch[n] = cb;
        reqs[n++] = rest;
    }
    while (done < n) {
        int ret = io_submit(l->ctx, n - done, batch + done);

        if (ret == -EINTR) {
            continue;
        }
        if (ret == -EAGAIN && (e->in_flight || done)) {
            return reqs[done]; /* the rest waits for completions */
        }
        if (ret == -EAGAIN) {
            /*
             * Nothing in flight will complete to submit these again: the
             * file node runs them on the pool instead.
             */
            for (; done < n; done++) {
                reqs[done]->ret = BDRV_SHORT_TRANSFER;
                reqs[done]->next = NULL;
                *l->failed_tail = reqs[done];
                l->failed_tail = &reqs[done]->next;
            }
            aio_engine_notify(e);
            break;
        }
        if (ret < 0) {
            /* The kernel refused the first iocb: it fails on its own. */
            BdrvRequest *bad = reqs[done];

            bad->ret = ret;
            bad->next = NULL;
            *l->failed_tail = bad;
            l->failed_tail = &bad->next;
            aio_engine_notify(e);
            ret = 1;
        }
        done += ret;
    }
    return rest;
}

static void aio_linux_collect(BlockAioEngine *e, BdrvRequest ***done_tail)
{
    LinuxAioEngine *l = (LinuxAioEngine *)e;
    struct io_event events[AIO_LINUX_DEPTH];
    struct timespec zero = {0, 0};
    int n;

    if (l->failed) {
        **done_tail = l->failed;
        *done_tail = l->failed_tail;
        l->failed = NULL;
        l->failed_tail = &l->failed;
    }
    do {
        n = io_getevents(l->ctx, 0, AIO_LINUX_DEPTH, events, &zero);
    } while (n == -EINTR);
    for (int i = 0; i < n; i++) {
        BdrvRequest *req = events[i].data;
        long res = (long)events[i].res;

        aio_engine_kernel_done(req, res, done_tail);
    }
}

static void aio_linux_destroy(BlockAioEngine *e)
{
    LinuxAioEngine *l = (LinuxAioEngine *)e;

    io_destroy(l->ctx);
    g_free(l);
}

static const BlockAioEngineOps aio_linux_ops = {
    .name = "native",
    .submit = aio_linux_submit,
    .collect = aio_linux_collect,
    .destroy = aio_linux_destroy,
};

/* Submits one IOCB_CMD_FDSYNC and waits for it. */
static bool aio_linux_can_fdsync(io_context_t ctx, int fd)
{
    struct iocb cb, *cbs[1] = {&cb};
    struct io_event ev;
    int ret;

    io_prep_fdsync(&cb, fd);
    if (io_submit(ctx, 1, cbs) != 1) {
        return false;
    }
    do {
        ret = io_getevents(ctx, 1, 1, &ev, NULL);
    } while (ret == -EINTR);
    return ret == 1 && (long)ev.res >= 0;
}

BlockAioEngine *aio_linux_new(int fd, int notify_fd, GError **errp)
{
    LinuxAioEngine *l = g_new0(LinuxAioEngine, 1);
    int ret = io_setup(AIO_LINUX_DEPTH, &l->ctx);

    if (ret < 0) {
        error_setg(errp, "Unable to use native AIO: %s", g_strerror(-ret));
        g_free(l);
        return NULL;
    }
    aio_engine_init(&l->base, &aio_linux_ops, fd, notify_fd);
    l->failed_tail = &l->failed;
    l->base.flush_in_pool = !aio_linux_can_fdsync(l->ctx, fd);
    return &l->base;
}
