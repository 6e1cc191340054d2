/*
 * aio=io_uring, through liburing: reads and writes are IORING_OP_READV/
 * WRITEV, flushes IORING_OP_FSYNC with IORING_FSYNC_DATASYNC. The
 * backend's eventfd is registered with the ring, so the kernel signals
 * every completion; one io_uring_submit per batch. Requests that find
 * the submission queue full wait in the engine queue.
 */
#include <errno.h>
#include <liburing.h>

#include "block/block-int.h"
#include "util/error.h"

#define AIO_URING_DEPTH 128

typedef struct UringEngine {
    BlockAioEngine base;
    struct io_uring ring;
} UringEngine;

static BdrvRequest *aio_uring_submit(BlockAioEngine *e, BdrvRequest *list)
{
    UringEngine *u = (UringEngine *)e;
    BdrvRequest *rest = list;
    unsigned n = 0;

    /* The completion queue is twice the depth: in_flight bounds both. */
    while (rest && e->in_flight + n < AIO_URING_DEPTH) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

        if (!sqe) {
            break;
        }
        switch (rest->kind) {
        case BDRV_REQ_READ:
            io_uring_prep_readv(sqe, e->fd, rest->iov, rest->niov,
                                rest->offset);
            break;
        case BDRV_REQ_WRITE:
            io_uring_prep_writev(sqe, e->fd, rest->iov, rest->niov,
                                 rest->offset);
            break;
        default: /* the file node sends only reads, writes and flushes */
            io_uring_prep_fsync(sqe, e->fd, IORING_FSYNC_DATASYNC);
            break;
        }
        io_uring_sqe_set_data(sqe, rest);
        rest = rest->next;
        n++;
    }
    if (n) {
        int ret;

        do {
            ret = io_uring_submit(&u->ring);
        } while (ret == -EINTR);
        /*
         * A failed io_uring_enter leaves the entries in the ring; the next
         * submit (at the next request or reap) passes them again.
         */
    }
    return rest;
}

static void aio_uring_collect(BlockAioEngine *e, BdrvRequest ***done_tail)
{
    UringEngine *u = (UringEngine *)e;
    struct io_uring_cqe *cqe;

    while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
        BdrvRequest *req = io_uring_cqe_get_data(cqe);
        int res = cqe->res;

        io_uring_cqe_seen(&u->ring, cqe);
        aio_engine_kernel_done(req, res, done_tail);
    }
}

static void aio_uring_destroy(BlockAioEngine *e)
{
    UringEngine *u = (UringEngine *)e;

    io_uring_queue_exit(&u->ring);
    g_free(u);
}

static const BlockAioEngineOps aio_uring_ops = {
    .name = "io_uring",
    .submit = aio_uring_submit,
    .collect = aio_uring_collect,
    .destroy = aio_uring_destroy,
};

BlockAioEngine *aio_uring_new(int fd, int notify_fd, GError **errp)
{
    UringEngine *u = g_new0(UringEngine, 1);
    int ret = io_uring_queue_init(AIO_URING_DEPTH, &u->ring, 0);

    if (ret < 0) {
        error_setg(errp, "Unable to use io_uring: %s", g_strerror(-ret));
        g_free(u);
        return NULL;
    }
    ret = io_uring_register_eventfd(&u->ring, notify_fd);
    if (ret < 0) {
        error_setg(errp, "Unable to use io_uring: %s", g_strerror(-ret));
        io_uring_queue_exit(&u->ring);
        g_free(u);
        return NULL;
    }
    aio_engine_init(&u->base, &aio_uring_ops, fd, notify_fd);
    return &u->base;
}
