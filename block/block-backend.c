/*
 * Raw image files as block backends, with a GLib thread pool for the
 * asynchronous path.
 *
 * A request runs preadv/pwritev/fdatasync on a pool thread, which never
 * takes the BQL. Its buffers may be guest RAM that a device mapped for the
 * request (system/dma.h): the worker reads and writes only those, and the
 * device unmaps them from the callback, on the main loop.
 * The finished request goes onto its backend's done queue, and an idle
 * source on the main context runs the callbacks there. blk_drain() waits
 * for the pool with a condition variable and runs the queue itself, so it
 * works from any thread that holds the BQL. Sizes are fixed at open time;
 * format probing only refuses qcow2 (which would otherwise be shown raw).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "system/main-loop.h"
#include "util/error.h"

#define BLK_POOL_THREADS 4

typedef enum {
    BLK_REQ_READ,
    BLK_REQ_WRITE,
    BLK_REQ_FLUSH,
} BlockRequestKind;

typedef struct BlockRequest {
    BlockBackend *blk;
    BlockRequestKind kind;
    uint64_t offset, bytes;
    const struct iovec *iov; /* the caller's, or &single */
    unsigned niov;
    struct iovec single; /* blk_aio_pread/pwrite's one buffer */
    BlockCompletionFunc *cb;
    void *opaque;
    int ret;
} BlockRequest;

struct BlockBackend {
    int refcount; /* atomic: the owner and every scheduled idle source */
    char *filename;
    int fd; /* -1 when there is no medium */
    bool read_only;
    bool locked; /* main loop only */
    uint64_t size;

    GMutex lock; /* protects the fields below */
    GCond cond;
    unsigned in_worker; /* submitted to the pool, not finished */
    unsigned in_flight; /* submitted, callback not run yet */
    GQueue done;        /* BlockRequest *, finished, callback pending */
};

static GThreadPool *blk_pool;
static GOnce blk_pool_once = G_ONCE_INIT;

static BlockBackend *blk_alloc(const char *filename, int fd, bool read_only,
                               uint64_t size)
{
    BlockBackend *blk = g_new0(BlockBackend, 1);

    blk->refcount = 1;
    blk->filename = g_strdup(filename);
    blk->fd = fd;
    blk->read_only = read_only;
    blk->size = size;
    g_mutex_init(&blk->lock);
    g_cond_init(&blk->cond);
    g_queue_init(&blk->done);
    return blk;
}

static bool is_qcow2(int fd)
{
    uint8_t magic[4];

    return pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
           !memcmp(magic, "QFI\xfb", 4);
}

BlockBackend *blk_open(const char *filename, const char *format, bool read_only,
                       GError **errp)
{
    struct stat st;
    off_t end;
    int fd;

    if (format && strcmp(format, "raw")) {
        error_setg(errp, "'%s' invalid format", format);
        return NULL;
    }
    fd = open(filename, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        error_setg(errp, "Could not open '%s': %s", filename,
                   g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        error_setg(errp, "Could not open '%s': %s", filename,
                   g_strerror(S_ISDIR(st.st_mode) ? EISDIR : errno));
        close(fd);
        return NULL;
    }
    /* Block devices report their size through lseek, not st_size. */
    end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        error_setg(errp, "Could not open '%s': %s", filename,
                   g_strerror(errno));
        close(fd);
        return NULL;
    }
    if (!format && is_qcow2(fd)) {
        error_setg(errp,
                   "Could not open '%s': qcow2 images are not "
                   "supported yet (only format=raw)",
                   filename);
        close(fd);
        return NULL;
    }
    return blk_alloc(filename, fd, read_only, (uint64_t)end);
}

BlockBackend *blk_new_empty(bool read_only)
{
    return blk_alloc(NULL, -1, read_only, 0);
}

static void blk_release(BlockBackend *blk)
{
    if (!g_atomic_int_dec_and_test(&blk->refcount)) {
        return;
    }
    if (blk->fd >= 0) {
        close(blk->fd);
    }
    g_free(blk->filename);
    g_mutex_clear(&blk->lock);
    g_cond_clear(&blk->cond);
    g_free(blk);
}

void blk_unref(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    blk_drain(blk);
    blk_release(blk);
}

bool blk_is_inserted(BlockBackend *blk)
{
    return blk && blk->fd >= 0;
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
    return blk && blk->fd >= 0 ? blk->size : 0;
}

bool blk_range_valid(BlockBackend *blk, uint64_t offset, uint64_t bytes)
{
    return blk->fd >= 0 && offset <= blk->size && bytes <= blk->size - offset;
}

static int blk_check(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                     bool write)
{
    if (blk->fd < 0) {
        return -ENOMEDIUM;
    }
    if (write && blk->read_only) {
        return -EACCES;
    }
    if (!blk_range_valid(blk, offset, bytes)) {
        return -EIO;
    }
    return 0;
}

/*
 * Reads or writes the whole vector at offset, resuming after short
 * transfers and signals. preadv/pwritev take at most IOV_MAX elements and
 * start at an element boundary, so a transfer that ended inside an element
 * finishes that element with plain pread/pwrite first.
 */
static int blk_do_rw(BlockBackend *blk, uint64_t offset,
                     const struct iovec *iov, unsigned niov, bool write)
{
    unsigned i = 0;
    size_t skip = 0; /* bytes of iov[i] already done */

    while (i < niov) {
        ssize_t n;

        if (skip || niov - i == 1) {
            uint8_t *base = (uint8_t *)iov[i].iov_base + skip;
            size_t len = MIN(iov[i].iov_len - skip, (size_t)1 << 30);

            n = write ? pwrite(blk->fd, base, len, offset)
                      : pread(blk->fd, base, len, offset);
        } else {
            int count = MIN(niov - i, (unsigned)IOV_MAX);

            n = write ? pwritev(blk->fd, iov + i, count, offset)
                      : preadv(blk->fd, iov + i, count, offset);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0 && iov[i].iov_len > skip) {
            return -EIO; /* the file shrank under us, or a full disk */
        }
        offset += n;
        /* Advance over what was done, element by element. */
        while (i < niov && (size_t)n >= iov[i].iov_len - skip) {
            n -= iov[i].iov_len - skip;
            skip = 0;
            i++;
        }
        skip += n;
    }
    return 0;
}

static int blk_do_flush(BlockBackend *blk)
{
    if (blk->fd < 0) {
        return -ENOMEDIUM;
    }
    if (blk->read_only) {
        return 0;
    }
    return fdatasync(blk->fd) < 0 ? -errno : 0;
}

int blk_preadv(BlockBackend *blk, uint64_t offset, IOVector *qiov)
{
    int ret = blk_check(blk, offset, qiov->size, false);

    return ret ? ret : blk_do_rw(blk, offset, qiov->iov, qiov->niov, false);
}

int blk_pwritev(BlockBackend *blk, uint64_t offset, IOVector *qiov)
{
    int ret = blk_check(blk, offset, qiov->size, true);

    return ret ? ret : blk_do_rw(blk, offset, qiov->iov, qiov->niov, true);
}

int blk_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes)
{
    struct iovec iov = {buf, bytes};
    IOVector qiov;

    iovector_init_external(&qiov, &iov, bytes ? 1 : 0);
    return blk_preadv(blk, offset, &qiov);
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
    return blk_do_flush(blk);
}

/* ---- asynchronous requests --------------------------------------------- */

/* Runs the callbacks of finished requests (main loop or blk_drain). */
static void blk_dispatch_done(BlockBackend *blk)
{
    for (;;) {
        BlockRequest *req;

        g_mutex_lock(&blk->lock);
        req = g_queue_pop_head(&blk->done);
        if (req) {
            /* Before the callback, which may drain or submit again. */
            blk->in_flight--;
        }
        g_mutex_unlock(&blk->lock);
        if (!req) {
            return;
        }
        req->cb(req->opaque, req->ret);
        g_free(req);
    }
}

static gboolean blk_done_idle(gpointer data)
{
    BlockBackend *blk = data;

    blk_dispatch_done(blk);
    blk_release(blk);
    return G_SOURCE_REMOVE;
}

/* Queues a finished request and asks the main loop to run its callback. */
static void blk_request_finish(BlockRequest *req, bool from_worker)
{
    BlockBackend *blk = req->blk;
    GMainContext *ctx = main_loop_context();
    GSource *source;

    g_atomic_int_inc(&blk->refcount);
    g_mutex_lock(&blk->lock);
    g_queue_push_tail(&blk->done, req);
    if (from_worker) {
        blk->in_worker--;
    }
    g_cond_broadcast(&blk->cond);
    g_mutex_unlock(&blk->lock);
    source = g_idle_source_new();
    g_source_set_callback(source, blk_done_idle, blk, NULL);
    g_source_attach(source, ctx ? ctx : g_main_context_default());
    g_source_unref(source);
}

static void blk_worker(gpointer data, gpointer user_data)
{
    BlockRequest *req = data;
    BlockBackend *blk = req->blk;

    switch (req->kind) {
    case BLK_REQ_READ:
    case BLK_REQ_WRITE:
        req->ret = blk_do_rw(blk, req->offset, req->iov, req->niov,
                             req->kind == BLK_REQ_WRITE);
        break;
    case BLK_REQ_FLUSH:
        req->ret = blk_do_flush(blk);
        break;
    }
    blk_request_finish(req, true);
}

static gpointer blk_pool_create(gpointer unused)
{
    return g_thread_pool_new(blk_worker, NULL, BLK_POOL_THREADS, false, NULL);
}

/* Takes a request that blk_aio_* filled in; req->iov may point into it. */
static void blk_submit(BlockRequest *req)
{
    BlockBackend *blk = req->blk;

    g_mutex_lock(&blk->lock);
    blk->in_flight++;
    g_mutex_unlock(&blk->lock);
    if (req->kind != BLK_REQ_FLUSH) {
        req->ret =
            blk_check(blk, req->offset, req->bytes, req->kind == BLK_REQ_WRITE);
    } else if (blk->fd < 0) {
        req->ret = -ENOMEDIUM;
    }
    if (req->ret) {
        blk_request_finish(req, false);
        return;
    }
    blk_pool = g_once(&blk_pool_once, blk_pool_create, NULL);
    g_mutex_lock(&blk->lock);
    blk->in_worker++;
    g_mutex_unlock(&blk->lock);
    g_thread_pool_push(blk_pool, req, NULL);
}

static BlockRequest *blk_request_new(BlockBackend *blk, BlockRequestKind kind,
                                     uint64_t offset, BlockCompletionFunc *cb,
                                     void *opaque)
{
    BlockRequest *req = g_new0(BlockRequest, 1);

    *req = (BlockRequest){
        .blk = blk, .kind = kind, .offset = offset, .cb = cb, .opaque = opaque};
    return req;
}

static void blk_aio_rw(BlockBackend *blk, BlockRequestKind kind,
                       uint64_t offset, void *buf, uint64_t bytes,
                       BlockCompletionFunc *cb, void *opaque)
{
    BlockRequest *req = blk_request_new(blk, kind, offset, cb, opaque);

    req->single = (struct iovec){buf, bytes};
    req->iov = &req->single;
    req->niov = bytes ? 1 : 0;
    req->bytes = bytes;
    blk_submit(req);
}

static void blk_aio_rwv(BlockBackend *blk, BlockRequestKind kind,
                        uint64_t offset, IOVector *qiov,
                        BlockCompletionFunc *cb, void *opaque)
{
    BlockRequest *req = blk_request_new(blk, kind, offset, cb, opaque);

    req->iov = qiov->iov;
    req->niov = qiov->niov;
    req->bytes = qiov->size;
    blk_submit(req);
}

void blk_aio_pread(BlockBackend *blk, uint64_t offset, void *buf,
                   uint64_t bytes, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rw(blk, BLK_REQ_READ, offset, buf, bytes, cb, opaque);
}

void blk_aio_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
                    uint64_t bytes, BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rw(blk, BLK_REQ_WRITE, offset, (void *)buf, bytes, cb, opaque);
}

void blk_aio_preadv(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                    BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rwv(blk, BLK_REQ_READ, offset, qiov, cb, opaque);
}

void blk_aio_pwritev(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                     BlockCompletionFunc *cb, void *opaque)
{
    blk_aio_rwv(blk, BLK_REQ_WRITE, offset, qiov, cb, opaque);
}

void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque)
{
    blk_submit(blk_request_new(blk, BLK_REQ_FLUSH, 0, cb, opaque));
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
    /* Callbacks may submit new requests; keep going until all are done. */
    for (;;) {
        g_mutex_lock(&blk->lock);
        while (blk->in_worker) {
            g_cond_wait(&blk->cond, &blk->lock);
        }
        if (!blk->in_flight) {
            g_mutex_unlock(&blk->lock);
            return;
        }
        g_mutex_unlock(&blk->lock);
        blk_dispatch_done(blk);
    }
}
