/*
 * Block backends: the device's view of a medium (include/block/block.h).
 *
 * A backend holds what the device sees: read-only or not, the write
 * cache flag, the range and alignment checks, the statistics, and the
 * completion context. Below it sits its node tree (raw over file-posix,
 * block-int.h); a request that passes the checks goes down the tree as a
 * BdrvRequest and comes back through the backend's eventfd, which every
 * engine writes when a request of this backend is done. A GSource on the
 * completion context (the main loop by default, with the BQL; an I/O
 * thread's context after blk_set_aio_context) watches the eventfd, reaps
 * the engines and runs the callbacks. A request refused by the checks
 * (or one with nothing to do: an ignored discard, a no-flush flush) goes
 * on the backend's own deferred list and is completed the same way, so
 * a callback never runs inside the call that submitted it.
 *
 * With the write cache off (cache.writeback=off, or the guest's toggle),
 * a write is followed by a flush of the file node before its callback
 * runs: the data is durable when the device reports the write complete.
 * (A flush per write rather than O_DSYNC, because the guest may turn the
 * cache back on at any time without reopening the file.)
 *
 * The synchronous calls submit the same requests and wait for them: on
 * the completion context's thread (or, for the main loop, under the BQL)
 * by polling the eventfd and reaping here, which may run other requests'
 * callbacks too; from another thread by waiting for that thread to run
 * the callback. blk_drain() waits the same way for every request.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>

#include "block/block-int.h"
#include "system/main-loop.h"
#include "util/error.h"

typedef struct BlkRequest BlkRequest;

struct BlkRequest {
    BdrvRequest r;
    BlockBackend *blk;
    BlockCompletionFunc *cb;
    void *opaque;
    struct iovec single;       /* blk_aio_pread/pwrite's one buffer */
    BdrvRequestKind acct_kind; /* as the device asked (detect-zeroes) */
    uint64_t acct_bytes;
    int64_t start_ns;
    bool invalid;     /* refused by the checks */
    bool unaccounted; /* not in the statistics (blk_pread_unaccounted) */
    bool flush_after; /* write cache off: a flush before cb */
    int ret;          /* deferred requests */
    BlkRequest *next_deferred;
};

struct BlockBackend {
    char *filename;
    char *format;
    BlockDriverState *root; /* NULL when there is no medium */
    BlockOptions opts;      /* opts.format points at format */
    bool read_only;
    bool locked;     /* main loop only */
    int write_cache; /* atomic: the guest toggles it */
    uint64_t size;
    BlockLimits bl;

    void (*resize_cb)(void *opaque); /* the device's, after a resize */
    void *resize_opaque;

    int notify_fd;     /* eventfd: a deferred request is done */
    GArray *poll_fds;  /* notify_fd and the eventfds of the root's graph */
    GMainContext *ctx; /* NULL: the main loop */
    GSource *source;

    GMutex lock; /* protects the fields below */
    GCond cond;
    unsigned in_flight;   /* submitted, callback not run yet */
    unsigned dispatching; /* callbacks running now */
    BlkRequest *deferred, **deferred_tail;
    BlockAcctStats stats;
};

/* ---- options --------------------------------------------------------------
 */

void blk_options_init(BlockOptions *o)
{
    *o = (BlockOptions){.writeback = true};
}

bool blk_options_set_cache(BlockOptions *o, const char *mode)
{
    static const struct {
        const char *name;
        bool writeback, direct, no_flush;
    } modes[] = {
        {"writeback", true, false, false},
        {"none", true, true, false},
        {"writethrough", false, false, false},
        {"directsync", false, true, false},
        {"unsafe", true, false, true},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        if (!strcmp(mode, modes[i].name)) {
            o->writeback = modes[i].writeback;
            o->direct = modes[i].direct;
            o->no_flush = modes[i].no_flush;
            return true;
        }
    }
    return false;
}

static bool blk_options_check(const BlockOptions *o, GError **errp)
{
    if (o->format && strcmp(o->format, "raw") && strcmp(o->format, "qcow2")) {
        return error_setg(errp, "'%s' invalid format", o->format);
    }
    if (o->aio == BLOCK_AIO_NATIVE && !o->direct) {
        return error_setg(errp, "aio=native was specified, but it requires "
                                "cache.direct=on, which was not specified.");
    }
    return true;
}

/* ---- completion context ------------------------------------------------- */

static GMainContext *blk_context(BlockBackend *blk)
{
    GMainContext *main_ctx = main_loop_context();

    if (blk->ctx) {
        return blk->ctx;
    }
    return main_ctx ? main_ctx : g_main_context_default();
}

/* Reaps every engine and the deferred list, running the callbacks. */
static void blk_run_completions(BlockBackend *blk)
{
    BlkRequest *deferred;
    uint64_t count;

    /*
     * Counted as dispatching from the first reap to the last callback, so
     * a thread waiting for idle (blk_unref from outside the context) does
     * not free the backend while this one still walks its engines.
     */
    g_mutex_lock(&blk->lock);
    blk->dispatching++;
    g_mutex_unlock(&blk->lock);
    /* Clear first: a completion after this read writes the fd again. */
    for (unsigned i = 0; i < blk->poll_fds->len; i++) {
        if (read(g_array_index(blk->poll_fds, int, i), &count, sizeof(count)) <
            0) {
            /* EAGAIN: someone reaped already; look anyway */
        }
    }
    /*
     * A callback may submit a request the root completes at once (a
     * qcow2 read of unallocated clusters): it queues it without a
     * wake-up while this runs, and the loop reaps again.
     */
    {
        BlockDriverState *outer = bdrv_reaping_root();
        unsigned rounds = 0;

        bdrv_set_reaping_root(blk->root);
        do {
            if (blk->root) {
                bdrv_reap(blk->root);
            }
            g_mutex_lock(&blk->lock);
            deferred = blk->deferred;
            blk->deferred = NULL;
            blk->deferred_tail = &blk->deferred;
            g_mutex_unlock(&blk->lock);
            while (deferred) {
                BlkRequest *req = deferred;

                deferred = req->next_deferred;
                req->r.complete(&req->r, req->ret);
            }
        } while (blk->root && bdrv_pending(blk->root) && ++rounds < 256);
        bdrv_set_reaping_root(outer);
        if (blk->root && bdrv_pending(blk->root)) {
            /* Still more after many rounds: let the loop come back. */
            uint64_t one = 1;

            if (write(blk->notify_fd, &one, sizeof(one)) < 0) {
                /* full: a dispatch is due anyway */
            }
        }
    }
    g_mutex_lock(&blk->lock);
    blk->dispatching--;
    g_cond_broadcast(&blk->cond);
    g_mutex_unlock(&blk->lock);
}

/* Dispatched when any of the source's eventfds is readable. */
static gboolean blk_source_dispatch(GSource *source, GSourceFunc cb,
                                    gpointer data)
{
    blk_run_completions(data);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs blk_source_funcs = {.dispatch = blk_source_dispatch};

static void blk_attach_source(BlockBackend *blk)
{
    blk->source = g_source_new(&blk_source_funcs, sizeof(GSource));
    for (unsigned i = 0; i < blk->poll_fds->len; i++) {
        g_source_add_unix_fd(blk->source, g_array_index(blk->poll_fds, int, i),
                             G_IO_IN);
    }
    g_source_set_callback(blk->source, NULL, blk, NULL);
    g_source_set_name(blk->source, "pcvm-block");
    /*
     * GLib blocks a source that cannot recurse while it dispatches it,
     * taking each of its fds out of the poll set and back, and each of
     * those writes the context's wake-up fd: two system calls per fd per
     * dispatch. blk_run_completions may run nested (synchronous waits do
     * it already), so the source may too.
     */
    g_source_set_can_recurse(blk->source, TRUE);
    g_source_attach(blk->source, blk_context(blk));
}

static void blk_detach_source(BlockBackend *blk)
{
    g_source_destroy(blk->source);
    g_source_unref(blk->source);
}

/*
 * May this thread reap the backend's completions? The main loop's only
 * with the BQL (or, in unit tests, before there is a main loop); an I/O
 * thread's context when this thread owns it or nobody runs it. Takes the
 * context for the caller, who gives it back with blk_context_leave().
 */
static bool blk_context_enter(BlockBackend *blk)
{
    if (!blk->ctx) {
        return true;
    }
    return g_main_context_acquire(blk->ctx);
}

static void blk_context_leave(BlockBackend *blk)
{
    if (blk->ctx) {
        g_main_context_release(blk->ctx);
    }
}

/* Polls the eventfds once and runs what is due; the context entered. */
static void blk_poll_entered(BlockBackend *blk)
{
    struct pollfd pfd[BDRV_POLL_FDS_MAX + 1];
    unsigned n = MIN(blk->poll_fds->len, G_N_ELEMENTS(pfd));

    for (unsigned i = 0; i < n; i++) {
        pfd[i] =
            (struct pollfd){g_array_index(blk->poll_fds, int, i), POLLIN, 0};
    }
    while (poll(pfd, n, -1) < 0 && errno == EINTR) {
    }
    blk_run_completions(blk);
}

void blk_poll(BlockBackend *blk)
{
    if (blk_context_enter(blk)) {
        blk_poll_entered(blk);
        blk_context_leave(blk);
    }
}

/* Waits until *done (set by a callback) or, done NULL, until idle. */
static void blk_wait(BlockBackend *blk, const bool *done)
{
    for (;;) {
        bool finished;

        g_mutex_lock(&blk->lock);
        finished = done ? *done : !blk->in_flight;
        g_mutex_unlock(&blk->lock);
        if (finished) {
            return;
        }
        if (blk_context_enter(blk)) {
            blk_poll_entered(blk);
            blk_context_leave(blk);
        } else {
            /* The context's own thread runs the callbacks; wait for it. */
            g_mutex_lock(&blk->lock);
            while (done ? !*done : (blk->in_flight || blk->dispatching)) {
                g_cond_wait(&blk->cond, &blk->lock);
            }
            g_mutex_unlock(&blk->lock);
        }
    }
}

/* ---- opening and closing ------------------------------------------------ */

/* A backend on root (whose reference it takes over), or empty. */
static BlockBackend *blk_alloc(BlockDriverState *root, const BlockOptions *o)
{
    BlockBackend *blk = g_new0(BlockBackend, 1);

    blk->root = root;
    blk->filename = g_strdup(root ? root->filename : NULL);
    blk->format = g_strdup(root ? root->drv->name : NULL);
    blk->opts = *o;
    blk->opts.format = blk->format;
    blk->read_only = o->read_only;
    blk->write_cache = o->writeback;
    blk->bl = (BlockLimits){.request_alignment = 1, .memory_alignment = 1};
    g_mutex_init(&blk->lock);
    g_cond_init(&blk->cond);
    blk->deferred_tail = &blk->deferred;
    blk->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (blk->notify_fd < 0) {
        g_error("eventfd: %s", g_strerror(errno));
    }
    blk->poll_fds = g_array_new(false, false, sizeof(int));
    g_array_append_val(blk->poll_fds, blk->notify_fd);
    if (root) {
        root->blk = blk;
        bdrv_add_poll_fds(root, blk->poll_fds);
        blk->size = bdrv_getlength(root);
        blk->bl = root->bl;
        if (o->discard != BLOCK_DISCARD_UNMAP) {
            blk->bl.discard_granularity = 0;
        }
    }
    blk_attach_source(blk);
    return blk;
}

static void blk_free(BlockBackend *blk)
{
    blk_detach_source(blk);
    if (blk->root) {
        blk->root->blk = NULL;
        bdrv_unref(blk->root);
    }
    close(blk->notify_fd);
    g_array_free(blk->poll_fds, true);
    g_free(blk->filename);
    g_free(blk->format);
    g_mutex_clear(&blk->lock);
    g_cond_clear(&blk->cond);
    g_free(blk);
}

BlockBackend *blk_open_as(const char *filename, const char *node_name,
                          const BlockOptions *o, GError **errp)
{
    BlockDriverState *root;

    if (!blk_options_check(o, errp)) {
        return NULL;
    }
    root = bdrv_open_image(filename, o, node_name, errp);
    return root ? blk_alloc(root, o) : NULL;
}

BlockBackend *blk_open_opts(const char *filename, const BlockOptions *o,
                            GError **errp)
{
    return blk_open_as(filename, NULL, o, errp);
}

BlockBackend *blk_new_on_node(BlockDriverState *bs, const BlockOptions *o,
                              GError **errp)
{
    /* One writer per node: a backend, or the node above it. */
    if (bs->blk || (bs->parents && !o->read_only)) {
        error_setg(errp,
                   "Conflicts with use by %s, which does not allow "
                   "'write' on %s",
                   bs->blk ? "a device" : "another node", bs->node_name);
        return NULL;
    }
    if (!o->read_only && bs->opts.read_only) {
        error_setg(errp, "Block node is read-only");
        return NULL;
    }
    bdrv_ref(bs);
    return blk_alloc(bs, o);
}

BlockBackend *blk_new_on_named_node(const char *node_name, GError **errp)
{
    BlockDriverState *bs = bdrv_find_node(node_name);
    BlockOptions o;

    if (!bs) {
        return NULL;
    }
    o = bs->opts;
    o.writeback = true; /* the device's write-cache=auto */
    return blk_new_on_node(bs, &o, errp);
}

const char *blk_node_name(BlockBackend *blk)
{
    return blk->root ? blk->root->node_name : NULL;
}

BlockDriverState *blk_root(BlockBackend *blk)
{
    return blk->root;
}

BlockBackend *blk_open(const char *filename, const char *format, bool read_only,
                       GError **errp)
{
    BlockOptions o;

    blk_options_init(&o);
    o.format = format;
    o.read_only = read_only;
    return blk_open_opts(filename, &o, errp);
}

BlockBackend *blk_new_empty(bool read_only)
{
    BlockOptions o;

    blk_options_init(&o);
    o.read_only = read_only;
    return blk_alloc(NULL, &o);
}

void blk_unref(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    blk_set_aio_context(blk, NULL); /* drains */
    blk_free(blk);
}

void blk_set_aio_context(BlockBackend *blk, GMainContext *ctx)
{
    if (ctx && ctx == main_loop_context()) {
        ctx = NULL; /* the main loop's rules: the BQL, not ownership */
    }
    blk_drain(blk);
    if (ctx == blk->ctx) {
        return;
    }
    blk_detach_source(blk);
    if (blk->ctx) {
        g_main_context_unref(blk->ctx);
    }
    blk->ctx = ctx ? g_main_context_ref(ctx) : NULL;
    blk_attach_source(blk);
}

GMainContext *blk_get_aio_context(BlockBackend *blk)
{
    return blk->ctx;
}

void blk_set_resize_cb(BlockBackend *blk, void (*cb)(void *opaque),
                       void *opaque)
{
    blk->resize_cb = cb;
    blk->resize_opaque = opaque;
}

bool blk_truncate(BlockBackend *blk, uint64_t size, GError **errp)
{
    int ret;

    if (!blk->root) {
        return error_setg(errp, "No medium inserted");
    }
    if (blk->read_only) {
        return error_setg(errp, "Image is read-only");
    }
    if (size % BDRV_SECTOR_SIZE) {
        return error_setg(errp, "The new size must be a multiple of %u",
                          BDRV_SECTOR_SIZE);
    }
    blk_drain(blk);
    ret = bdrv_resize(blk->root, size);
    if (ret == -ENOTSUP) {
        return error_setg(errp, "qcow2 doesn't support shrinking images yet");
    }
    if (ret < 0) {
        return error_setg(errp, "Could not resize: %s", g_strerror(-ret));
    }
    blk->size = bdrv_getlength(blk->root);
    if (blk->resize_cb) {
        blk->resize_cb(blk->resize_opaque);
    }
    return true;
}

/* ---- properties --------------------------------------------------------- */

bool blk_is_inserted(BlockBackend *blk)
{
    return blk && blk->root;
}

bool blk_is_read_only(BlockBackend *blk)
{
    return blk->read_only;
}

const char *blk_filename(BlockBackend *blk)
{
    return blk->filename;
}

void blk_lock_medium(BlockBackend *blk, bool locked)
{
    blk->locked = locked;
}

bool blk_is_locked(BlockBackend *blk)
{
    return blk->locked;
}

uint64_t blk_getlength(BlockBackend *blk)
{
    return blk && blk->root ? blk->size : 0;
}

bool blk_range_valid(BlockBackend *blk, uint64_t offset, uint64_t bytes)
{
    return blk->root && offset <= blk->size && bytes <= blk->size - offset;
}

bool blk_enable_write_cache(BlockBackend *blk)
{
    return g_atomic_int_get(&blk->write_cache);
}

void blk_set_enable_write_cache(BlockBackend *blk, bool enable)
{
    g_atomic_int_set(&blk->write_cache, enable);
}

void blk_get_options(BlockBackend *blk, BlockOptions *o)
{
    *o = blk->opts;
    o->writeback = blk_enable_write_cache(blk);
}

void blk_get_limits(BlockBackend *blk, BlockLimits *limits)
{
    *limits = blk->bl;
}

void blk_get_stats(BlockBackend *blk, BlockAcctStats *stats)
{
    g_mutex_lock(&blk->lock);
    *stats = blk->stats;
    g_mutex_unlock(&blk->lock);
}

/* ---- requests ----------------------------------------------------------- */

static int64_t blk_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool blk_kind_writes(BdrvRequestKind kind)
{
    return kind == BDRV_REQ_WRITE || kind == BDRV_REQ_DISCARD ||
           kind == BDRV_REQ_WRITE_ZEROES;
}

static int blk_check(BlockBackend *blk, BlkRequest *req)
{
    uint32_t align = blk->bl.request_alignment;

    if (!blk->root) {
        return -ENOMEDIUM;
    }
    if (blk_kind_writes(req->r.kind) && blk->read_only) {
        return -EACCES;
    }
    if (req->r.kind == BDRV_REQ_FLUSH) {
        return 0;
    }
    if (!blk_range_valid(blk, req->r.offset, req->r.bytes)) {
        return -EIO;
    }
    if (req->r.offset % align || req->r.bytes % align) {
        return -EINVAL; /* O_DIRECT: only whole logical blocks */
    }
    if ((req->r.kind == BDRV_REQ_READ || req->r.kind == BDRV_REQ_WRITE) &&
        req->r.bytes > blk->bl.max_transfer) {
        return -EINVAL;
    }
    if (req->r.kind == BDRV_REQ_WRITE && req->r.offset == 0 &&
        blk->root->drv == &bdrv_raw && blk->root->opts.probed) {
        uint8_t head[4];
        IOVector v;

        /* A probed raw image must not start to look like qcow2. */
        iovector_init_external(&v, (struct iovec *)req->r.iov, req->r.niov);
        if (iovector_to_buf(&v, 0, head, sizeof(head)) == sizeof(head) &&
            !memcmp(head, "QFI\xfb", 4)) {
            return -EPERM;
        }
    }
    return 0;
}

static void blk_account(BlockBackend *blk, BlkRequest *req, int ret)
{
    BlockAcctStats *st = &blk->stats;
    int64_t now = blk_now_ns();
    uint64_t ns = now - req->start_ns;
    bool failed = ret < 0 && !req->invalid;

    st->last_done_ns = now;
    switch (req->acct_kind) {
    case BDRV_REQ_READ:
        st->invalid_rd_operations += req->invalid;
        st->failed_rd_operations += failed;
        if (!ret) {
            st->rd_operations++;
            st->rd_bytes += req->acct_bytes;
            st->rd_total_time_ns += ns;
        }
        break;
    case BDRV_REQ_WRITE:
    case BDRV_REQ_WRITE_ZEROES:
        st->invalid_wr_operations += req->invalid;
        st->failed_wr_operations += failed;
        if (!ret) {
            st->wr_operations++;
            st->wr_bytes += req->acct_bytes;
            st->wr_total_time_ns += ns;
            st->wr_highest_offset =
                MAX(st->wr_highest_offset, req->r.offset + req->acct_bytes);
        }
        break;
    case BDRV_REQ_FLUSH:
        st->invalid_flush_operations += req->invalid;
        st->failed_flush_operations += failed;
        if (!ret) {
            st->flush_operations++;
            st->flush_total_time_ns += ns;
        }
        break;
    case BDRV_REQ_DISCARD:
        st->invalid_unmap_operations += req->invalid;
        st->failed_unmap_operations += failed;
        if (!ret) {
            st->unmap_operations++;
            st->unmap_bytes += req->acct_bytes;
            st->unmap_total_time_ns += ns;
        }
        break;
    }
}

/* On the completion context: the request is finished. */
static void blk_request_done(BdrvRequest *r, int ret)
{
    BlkRequest *req = (BlkRequest *)r;
    BlockBackend *blk = req->blk;

    if (!ret && req->flush_after) {
        /* Write cache off: the write is done once it is durable. */
        req->flush_after = false;
        r->kind = BDRV_REQ_FLUSH;
        bdrv_submit(blk->root, r);
        return;
    }
    g_mutex_lock(&blk->lock);
    if (!req->unaccounted) {
        blk_account(blk, req, ret);
    }
    /* Before the callback, which may drain or submit again. */
    blk->in_flight--;
    blk->dispatching++;
    g_mutex_unlock(&blk->lock);
    req->cb(req->opaque, ret);
    g_mutex_lock(&blk->lock);
    blk->dispatching--;
    g_cond_broadcast(&blk->cond);
    g_mutex_unlock(&blk->lock);
    g_free(req);
}

/* Completes req from the completion context, soon. */
static void blk_defer(BlockBackend *blk, BlkRequest *req, int ret)
{
    uint64_t one = 1;

    req->ret = ret;
    req->next_deferred = NULL;
    g_mutex_lock(&blk->lock);
    *blk->deferred_tail = req;
    blk->deferred_tail = &req->next_deferred;
    g_mutex_unlock(&blk->lock);
    if (write(blk->notify_fd, &one, sizeof(one)) < 0) {
        /* only a saturated counter fails, and it is still readable */
    }
}

static bool blk_iov_is_zero(const struct iovec *iov, unsigned niov)
{
    for (unsigned i = 0; i < niov; i++) {
        const uint8_t *p = iov[i].iov_base;
        size_t len = iov[i].iov_len;

        for (; len && ((uintptr_t)p & 7); p++, len--) {
            if (*p) {
                return false;
            }
        }
        for (; len >= 8; p += 8, len -= 8) {
            if (*(const uint64_t *)p) {
                return false;
            }
        }
        for (; len; p++, len--) {
            if (*p) {
                return false;
            }
        }
    }
    return true;
}

static void blk_submit(BlkRequest *req)
{
    BlockBackend *blk = req->blk;
    BdrvRequest *r = &req->r;
    int ret;

    req->acct_kind = r->kind;
    req->acct_bytes = r->bytes;
    req->start_ns = blk_now_ns();
    r->complete = blk_request_done;
    g_mutex_lock(&blk->lock);
    blk->in_flight++;
    g_mutex_unlock(&blk->lock);

    ret = blk_check(blk, req);
    if (ret) {
        req->invalid = true;
        blk_defer(blk, req, ret);
        return;
    }
    switch (r->kind) {
    case BDRV_REQ_FLUSH:
        if (blk->opts.no_flush || blk->read_only) {
            blk_defer(blk, req, 0);
            return;
        }
        break;
    case BDRV_REQ_DISCARD:
        if (blk->opts.discard != BLOCK_DISCARD_UNMAP || !r->bytes) {
            blk_defer(blk, req, 0);
            return;
        }
        break;
    case BDRV_REQ_WRITE:
        if (blk->opts.detect_zeroes != BLOCK_DETECT_ZEROES_OFF && r->bytes &&
            blk_iov_is_zero(r->iov, r->niov)) {
            r->kind = BDRV_REQ_WRITE_ZEROES;
            if (blk->opts.detect_zeroes == BLOCK_DETECT_ZEROES_UNMAP) {
                r->flags |= BDRV_REQ_MAY_UNMAP;
            }
        }
        break;
    default:
        break;
    }
    if (r->kind == BDRV_REQ_WRITE_ZEROES) {
        if (blk->opts.discard != BLOCK_DISCARD_UNMAP) {
            r->flags &= ~BDRV_REQ_MAY_UNMAP;
        }
        if (!r->bytes) {
            blk_defer(blk, req, 0);
            return;
        }
    }
    if ((r->kind == BDRV_REQ_WRITE || r->kind == BDRV_REQ_WRITE_ZEROES) &&
        !blk_enable_write_cache(blk) && !blk->opts.no_flush) {
        req->flush_after = true;
    }
    bdrv_submit(blk->root, r);
}

static BlkRequest *blk_request_new(BlockBackend *blk, BdrvRequestKind kind,
                                   uint64_t offset, uint64_t bytes,
                                   BlockCompletionFunc *cb, void *opaque)
{
    BlkRequest *req = g_new0(BlkRequest, 1);

    req->blk = blk;
    req->r.kind = kind;
    req->r.offset = offset;
    req->r.bytes = bytes;
    req->cb = cb;
    req->opaque = opaque;
    return req;
}

static void blk_aio_rw(BlockBackend *blk, BdrvRequestKind kind, uint64_t offset,
                       void *buf, uint64_t bytes, BlockCompletionFunc *cb,
                       void *opaque)
{
    BlkRequest *req = blk_request_new(blk, kind, offset, bytes, cb, opaque);

    req->single = (struct iovec){buf, bytes};
    req->r.iov = &req->single;
    req->r.niov = bytes ? 1 : 0;
    blk_submit(req);
}

static void blk_aio_rwv(BlockBackend *blk, BdrvRequestKind kind,
                        uint64_t offset, IOVector *qiov,
                        BlockCompletionFunc *cb, void *opaque)
{
    BlkRequest *req =
        blk_request_new(blk, kind, offset, qiov->size, cb, opaque);

    req->r.iov = qiov->iov;
    req->r.niov = qiov->niov;
    blk_submit(req);
}

void blk_aio_pread(BlockBackend *blk, uint64_t offset, void *buf,
                   uint64_t bytes, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rw(blk, BDRV_REQ_READ, offset, buf, bytes, cb, opaque);
}

void blk_aio_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
                    uint64_t bytes, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rw(blk, BDRV_REQ_WRITE, offset, (void *)buf, bytes, cb, opaque);
}

void blk_aio_preadv(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                    BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rwv(blk, BDRV_REQ_READ, offset, qiov, cb, opaque);
}

void blk_aio_pwritev(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                     BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rwv(blk, BDRV_REQ_WRITE, offset, qiov, cb, opaque);
}

void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(blk_request_new(blk, BDRV_REQ_FLUSH, 0, 0, cb, opaque));
}

void blk_aio_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                      BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(
        blk_request_new(blk, BDRV_REQ_DISCARD, offset, bytes, cb, opaque));
}

void blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                           int flags, BlockCompletionFunc *cb, void *opaque)
{
    BlkRequest *req =
        blk_request_new(blk, BDRV_REQ_WRITE_ZEROES, offset, bytes, cb, opaque);

    req->r.flags = flags & BDRV_REQ_MAY_UNMAP;
    blk_submit(req);
}

void blk_io_plug(BlockBackend *blk)
{
    if (blk->root) {
        bdrv_io_plug(blk->root);
    }
}

void blk_io_unplug(BlockBackend *blk)
{
    if (blk->root) {
        bdrv_io_unplug(blk->root);
    }
}

unsigned blk_in_flight(BlockBackend *blk)
{
    unsigned n;

    g_mutex_lock(&blk->lock);
    n = blk->in_flight;
    g_mutex_unlock(&blk->lock);
    return n;
}

void blk_drain(BlockBackend *blk)
{
    blk_wait(blk, NULL);
}

/* ---- synchronous requests ----------------------------------------------- */

typedef struct BlkSyncWait {
    BlockBackend *blk;
    bool done; /* under blk->lock: another thread may be waiting */
    int ret;
} BlkSyncWait;

static void blk_sync_cb(void *opaque, int ret)
{
    BlkSyncWait *w = opaque;

    g_mutex_lock(&w->blk->lock);
    w->ret = ret;
    w->done = true;
    g_mutex_unlock(&w->blk->lock);
}

static int blk_sync(BlockBackend *blk, BlkRequest *req)
{
    BlkSyncWait w = {blk, false, 0};

    req->cb = blk_sync_cb;
    req->opaque = &w;
    blk_submit(req);
    blk_wait(blk, &w.done);
    return w.ret;
}

int blk_preadv(BlockBackend *blk, uint64_t offset, IOVector *qiov)
{
    BlkRequest *req =
        blk_request_new(blk, BDRV_REQ_READ, offset, qiov->size, NULL, NULL);

    req->r.iov = qiov->iov;
    req->r.niov = qiov->niov;
    return blk_sync(blk, req);
}

int blk_pwritev(BlockBackend *blk, uint64_t offset, IOVector *qiov)
{
    BlkRequest *req =
        blk_request_new(blk, BDRV_REQ_WRITE, offset, qiov->size, NULL, NULL);

    req->r.iov = qiov->iov;
    req->r.niov = qiov->niov;
    return blk_sync(blk, req);
}

int blk_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes)
{
    struct iovec iov = {buf, bytes};
    IOVector qiov;

    iovector_init_external(&qiov, &iov, bytes ? 1 : 0);
    return blk_preadv(blk, offset, &qiov);
}

int blk_pread_unaccounted(BlockBackend *blk, uint64_t offset, void *buf,
                          uint64_t bytes)
{
    struct iovec iov = {buf, bytes};
    BlkRequest *req =
        blk_request_new(blk, BDRV_REQ_READ, offset, bytes, NULL, NULL);

    req->r.iov = &iov;
    req->r.niov = bytes ? 1 : 0;
    req->unaccounted = true;
    return blk_sync(blk, req);
}

int blk_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
               uint64_t bytes)
{
    struct iovec iov = {(void *)buf, bytes};
    IOVector qiov;

    iovector_init_external(&qiov, &iov, bytes ? 1 : 0);
    return blk_pwritev(blk, offset, &qiov);
}

int blk_flush(BlockBackend *blk)
{
    return blk_sync(blk,
                    blk_request_new(blk, BDRV_REQ_FLUSH, 0, 0, NULL, NULL));
}

int blk_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes)
{
    return blk_sync(
        blk, blk_request_new(blk, BDRV_REQ_DISCARD, offset, bytes, NULL, NULL));
}

int blk_pwrite_zeroes(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                      int flags)
{
    BlkRequest *req =
        blk_request_new(blk, BDRV_REQ_WRITE_ZEROES, offset, bytes, NULL, NULL);

    req->r.flags = flags & BDRV_REQ_MAY_UNMAP;
    return blk_sync(blk, req);
}
