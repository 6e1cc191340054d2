/*
 * The part every async engine shares (the plug queue, reaping, the
 * completion eventfd) and the thread-pool engine, aio=threads.
 *
 * Requests wait in the engine's queue while it is plugged, or while the
 * kernel ring is full, and go to the engine's submit op together. Done
 * requests are collected under the engine lock and completed outside
 * it, so that a completion may submit again.
 *
 * The thread pool is shared by every engine: a worker runs the request
 * with plain system calls (file_posix_run), puts it on its engine's done
 * list and writes the backend's eventfd. A worker touches only the host
 * file and the request's buffers, never device state.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "block/block-int.h"

/*
 * Enough for a queue depth of 32 with O_DIRECT: with 4, 4 KiB reads ran
 * at 0.6x QEMU's pool (up to 64 threads) in tests/bench/block-bench;
 * with 16, at 1.2x. GLib lets most idle threads of a pool exit.
 */
#define AIO_POOL_THREADS 16

void aio_engine_init(BlockAioEngine *e, const BlockAioEngineOps *ops, int fd,
                     int notify_fd)
{
    e->ops = ops;
    e->fd = fd;
    e->notify_fd = notify_fd;
    g_mutex_init(&e->lock);
    e->queue = NULL;
    e->queue_tail = &e->queue;
}

void aio_engine_notify(BlockAioEngine *e)
{
    uint64_t one = 1;

    /* The counter only saturates after 2^64 - 2 unread writes. */
    while (write(e->notify_fd, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
}

/* With e->lock held: hands the queue to the engine unless plugged. */
static void aio_engine_kick(BlockAioEngine *e)
{
    BdrvRequest *left;
    unsigned queued = 0;

    if (e->plugged || !e->queue) {
        return;
    }
    for (BdrvRequest *r = e->queue; r; r = r->next) {
        queued++;
    }
    left = e->ops->submit(e, e->queue);
    for (BdrvRequest *r = left; r; r = r->next) {
        queued--;
    }
    e->in_flight += queued;
    e->queue = left;
    if (!left) {
        e->queue_tail = &e->queue;
    }
}

void aio_engine_submit(BlockAioEngine *e, BdrvRequest *req)
{
    req->engine = e;
    req->next = NULL;
    g_mutex_lock(&e->lock);
    *e->queue_tail = req;
    e->queue_tail = &req->next;
    aio_engine_kick(e);
    g_mutex_unlock(&e->lock);
}

void aio_engine_plug(BlockAioEngine *e)
{
    g_mutex_lock(&e->lock);
    e->plugged++;
    g_mutex_unlock(&e->lock);
}

void aio_engine_unplug(BlockAioEngine *e)
{
    g_mutex_lock(&e->lock);
    g_assert(e->plugged);
    if (!--e->plugged) {
        aio_engine_kick(e);
    }
    g_mutex_unlock(&e->lock);
}

void aio_engine_kernel_done(BdrvRequest *req, long res,
                            BdrvRequest ***done_tail)
{
    if (res < 0) {
        req->ret = (int)res;
    } else if (req->kind == BDRV_REQ_FLUSH) {
        req->ret = 0;
    } else {
        req->ret = (uint64_t)res == req->bytes ? 0 : BDRV_SHORT_TRANSFER;
    }
    req->next = NULL;
    **done_tail = req;
    *done_tail = &req->next;
}

void aio_engine_reap(BlockAioEngine *e)
{
    BdrvRequest *done = NULL, **tail = &done;

    g_mutex_lock(&e->lock);
    e->ops->collect(e, &tail);
    for (BdrvRequest *r = done; r; r = r->next) {
        e->in_flight--;
    }
    /* A full ring has room again. */
    aio_engine_kick(e);
    g_mutex_unlock(&e->lock);
    while (done) {
        BdrvRequest *req = done;

        done = req->next;
        req->complete(req, req->ret);
    }
}

void aio_engine_destroy(BlockAioEngine *e)
{
    if (!e) {
        return;
    }
    g_assert(!e->in_flight && !e->queue);
    /* A pool thread that just queued its last request leaves the lock. */
    g_mutex_lock(&e->lock);
    g_mutex_unlock(&e->lock);
    g_mutex_clear(&e->lock);
    e->ops->destroy(e);
}

/* ---- aio=threads -------------------------------------------------------- */

typedef struct ThreadsEngine {
    BlockAioEngine base;
    BdrvRequest *done, **done_tail; /* under base.lock */
} ThreadsEngine;

static GThreadPool *aio_pool;
static GOnce aio_pool_once = G_ONCE_INIT;

static void aio_threads_work(gpointer data, gpointer unused)
{
    BdrvRequest *req = data;
    ThreadsEngine *t = (ThreadsEngine *)req->engine;

    req->ret = file_posix_run(t->base.fd, req);
    req->next = NULL;
    g_mutex_lock(&t->base.lock);
    *t->done_tail = req;
    t->done_tail = &req->next;
    /*
     * Still under the lock: once it is free, the reaper may take this
     * request, find the engine idle and destroy it (ASan saw the write
     * land in freed memory).
     */
    aio_engine_notify(&t->base);
    g_mutex_unlock(&t->base.lock);
}

static gpointer aio_pool_create(gpointer unused)
{
    return g_thread_pool_new(aio_threads_work, NULL, AIO_POOL_THREADS, false,
                             NULL);
}

static BdrvRequest *aio_threads_submit(BlockAioEngine *e, BdrvRequest *list)
{
    aio_pool = g_once(&aio_pool_once, aio_pool_create, NULL);
    while (list) {
        BdrvRequest *req = list;

        list = req->next;
        g_thread_pool_push(aio_pool, req, NULL);
    }
    return NULL;
}

static void aio_threads_collect(BlockAioEngine *e, BdrvRequest ***done_tail)
{
    ThreadsEngine *t = (ThreadsEngine *)e;

    if (!t->done) {
        return;
    }
    **done_tail = t->done;
    *done_tail = t->done_tail;
    t->done = NULL;
    t->done_tail = &t->done;
}

static void aio_threads_destroy(BlockAioEngine *e)
{
    g_free(e);
}

static const BlockAioEngineOps aio_threads_ops = {
    .name = "threads",
    .submit = aio_threads_submit,
    .collect = aio_threads_collect,
    .destroy = aio_threads_destroy,
};

BlockAioEngine *aio_threads_new(int fd, int notify_fd, GError **errp)
{
    ThreadsEngine *t = g_new0(ThreadsEngine, 1);

    aio_engine_init(&t->base, &aio_threads_ops, fd, notify_fd);
    t->done_tail = &t->done;
    return &t->base;
}
