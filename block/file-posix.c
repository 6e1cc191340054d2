/*
 * The file protocol node: an image file (or a host block device) opened
 * with the backend's cache flags, locked as QEMU locks it, and driven by
 * one async engine.
 *
 * cache.direct=on opens the file O_DIRECT. The kernel then wants offsets,
 * lengths and buffers aligned to the medium's logical block size, probed
 * at open (512..4096). Misaligned offsets and lengths never reach this
 * node (the backend refuses them with -EINVAL, limits.request_alignment
 * tells the device); misaligned buffers are bounced through an aligned
 * one, copied back on completion for a read.
 *
 * Locking follows QEMU's file-posix so that pcvm and QEMU refuse each
 * other's images: OFD read locks on one byte per permission at 100 + bit
 * for the permissions the user takes and at 200 + bit for those it does
 * not share (bits: 0 consistent read, 1 write, 2 write unchanged,
 * 3 resize). A read-write user takes {read, write} and does not share
 * write; a read-only one takes {read} and shares neither write nor resize
 * (QEMU's ide-hd and ide-cd). Opening tests with F_OFD_GETLK that nobody
 * else holds 200 + bit for a permission we take, nor 100 + bit for one we
 * do not share. OFD locks belong to the open file description, so two
 * opens in one process conflict too, and close() drops them.
 *
 * Reads, writes and flushes go to the chosen engine; discard and
 * write-zeroes (rare, and possibly falling back to writing zeroes) and
 * vectors longer than IOV_MAX always run on the thread pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "block/block-int.h"
#include "util/error.h"

#define FILE_MAX_TRANSFER (1u << 30)
#define LOCK_PERM_BASE 100
#define LOCK_SHARED_BASE 200

enum {
    PERM_CONSISTENT_READ,
    PERM_WRITE,
    PERM_WRITE_UNCHANGED,
    PERM_RESIZE,
    PERM_COUNT,
};

static const char *const perm_names[PERM_COUNT] = {"consistent read", "write",
                                                   "write unchanged", "resize"};

typedef struct FileState {
    int fd;
    uint64_t size;
    bool direct;
    uint32_t align; /* O_DIRECT: offsets, lengths and buffers */
    BlockAioEngine *pool;
    BlockAioEngine *engine; /* aio=native/io_uring, or the pool */
} FileState;

/* ---- the work itself, on a pool thread ----------------------------------- */

/*
 * Reads or writes the whole vector at offset, resuming after short
 * transfers and signals; what a read finds past the file's end is
 * zeroes (QEMU's rule: a qcow2 image may end inside its last table).
 * preadv/pwritev take at most IOV_MAX elements and start at an element
 * boundary, so a transfer that ended inside an element finishes that element
 * with plain pread/pwrite first.
 */
static int file_rw(int fd, uint64_t offset, const struct iovec *iov,
                   unsigned niov, bool write)
{
    unsigned i = 0;
    size_t skip = 0; /* bytes of iov[i] already done */

    while (i < niov) {
        ssize_t n;

        if (skip || niov - i == 1) {
            uint8_t *base = (uint8_t *)iov[i].iov_base + skip;
            size_t len = MIN(iov[i].iov_len - skip, (size_t)FILE_MAX_TRANSFER);

            n = write ? pwrite(fd, base, len, offset)
                      : pread(fd, base, len, offset);
        } else {
            int count = MIN(niov - i, (unsigned)IOV_MAX);

            n = write ? pwritev(fd, iov + i, count, offset)
                      : preadv(fd, iov + i, count, offset);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0 && iov[i].iov_len > skip) {
            if (!write) {
                /* Past the file's end reads as zeroes, as in QEMU. */
                memset((uint8_t *)iov[i].iov_base + skip, 0,
                       iov[i].iov_len - skip);
                while (++i < niov) {
                    memset(iov[i].iov_base, 0, iov[i].iov_len);
                }
                return 0;
            }
            return -EIO; /* a full disk */
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

/* Aligned for any O_DIRECT medium, so the fallback works there too. */
static const uint8_t file_zeroes[1 << 20] __attribute__((aligned(4096)));

static int file_write_zeroes(int fd, BdrvRequest *req)
{
    int mode = FALLOC_FL_KEEP_SIZE;

    if (req->flags & BDRV_REQ_MAY_UNMAP) {
        if (fallocate(fd, mode | FALLOC_FL_PUNCH_HOLE, req->offset,
                      req->bytes) == 0) {
            return 0;
        }
    }
    if (fallocate(fd, mode | FALLOC_FL_ZERO_RANGE, req->offset, req->bytes) ==
        0) {
        return 0;
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL) {
        return -errno;
    }
    /* Neither: write them (the request is aligned, so is the buffer). */
    for (uint64_t done = 0; done < req->bytes;) {
        struct iovec iov = {(void *)file_zeroes,
                            MIN(req->bytes - done, sizeof(file_zeroes))};
        int ret = file_rw(fd, req->offset + done, &iov, 1, true);

        if (ret) {
            return ret;
        }
        done += iov.iov_len;
    }
    return 0;
}

int file_posix_run(int fd, BdrvRequest *req)
{
    switch (req->kind) {
    case BDRV_REQ_READ:
    case BDRV_REQ_WRITE:
        return file_rw(fd, req->offset, req->iov, req->niov,
                       req->kind == BDRV_REQ_WRITE);
    case BDRV_REQ_FLUSH:
        return fdatasync(fd) < 0 ? -errno : 0;
    case BDRV_REQ_DISCARD:
        if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      req->offset, req->bytes) < 0 &&
            errno != EOPNOTSUPP && errno != ENOSYS) {
            return -errno;
        }
        return 0; /* a discard the file cannot do is not an error */
    case BDRV_REQ_WRITE_ZEROES:
        return file_write_zeroes(fd, req);
    }
    return -EINVAL;
}

/* ---- locking ------------------------------------------------------------ */

static int file_lock_byte(int fd, int byte)
{
    struct flock fl = {
        .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};

    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* True if another open file description holds byte. */
static bool file_byte_taken(int fd, int byte)
{
    struct flock fl = {
        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};

    return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

static bool file_lock(int fd, const char *filename, bool read_only,
                      BlockLockingMode mode, GError **errp)
{
    unsigned perm = 1u << PERM_CONSISTENT_READ;
    unsigned unshared = 1u << PERM_WRITE;
    int ret;

    if (mode == BLOCK_LOCKING_OFF) {
        return true;
    }
    if (read_only) {
        unshared |= 1u << PERM_RESIZE;
    } else {
        perm |= 1u << PERM_WRITE;
    }
    for (int bit = 0; bit < PERM_COUNT; bit++) {
        ret = 0;
        if (perm & (1u << bit)) {
            ret = file_lock_byte(fd, LOCK_PERM_BASE + bit);
        }
        if (!ret && (unshared & (1u << bit))) {
            ret = file_lock_byte(fd, LOCK_SHARED_BASE + bit);
        }
        if (ret == -EINVAL && mode == BLOCK_LOCKING_AUTO) {
            return true; /* no OFD locks here: auto means without */
        }
        if (ret) {
            return error_setg(errp, "Failed to lock byte %d: %s",
                              LOCK_PERM_BASE + bit, g_strerror(-ret));
        }
    }
    for (int bit = 0; bit < PERM_COUNT; bit++) {
        if ((perm & (1u << bit)) &&
            file_byte_taken(fd, LOCK_SHARED_BASE + bit)) {
            return error_setg(errp,
                              "Failed to get \"%s\" lock\n"
                              "Is another process using the image [%s]?",
                              perm_names[bit], filename);
        }
    }
    for (int bit = 0; bit < PERM_COUNT; bit++) {
        if ((unshared & (1u << bit)) &&
            file_byte_taken(fd, LOCK_PERM_BASE + bit)) {
            return error_setg(errp,
                              "Failed to get shared \"%s\" lock\n"
                              "Is another process using the image [%s]?",
                              perm_names[bit], filename);
        }
    }
    return true;
}

/* ---- open and close ----------------------------------------------------- */

/* The smallest transfer O_DIRECT accepts on this file. */
static uint32_t file_probe_alignment(int fd)
{
    void *buf = NULL;
    uint32_t align = 4096;
    unsigned int logical;

    if (ioctl(fd, BLKSSZGET, &logical) == 0 && logical >= 512 &&
        logical <= 4096) {
        return logical;
    }
    if (posix_memalign(&buf, 4096, 4096)) {
        return align;
    }
    for (uint32_t a = 512; a <= 4096; a *= 2) {
        if (pread(fd, buf, a, 0) >= 0 || errno != EINVAL) {
            align = a;
            break;
        }
    }
    free(buf);
    return align;
}

static bool file_open(BlockDriverState *bs, const BlockOptions *o,
                      GError **errp)
{
    FileState *s = g_new0(FileState, 1);
    int flags = (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    struct stat st;
    off_t end;

    s->fd = -1;
    bs->opaque = s;
    bs->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (bs->notify_fd < 0) {
        return error_setg(errp, "Could not open '%s': %s", bs->filename,
                          g_strerror(errno));
    }
    if (o->direct) {
        flags |= O_DIRECT;
    }
    s->fd = open(bs->filename, flags);
    if (s->fd < 0) {
        return error_setg(errp, "Could not open '%s': %s", bs->filename,
                          g_strerror(errno));
    }
    if (fstat(s->fd, &st) < 0) {
        return error_setg(errp, "Could not open '%s': %s", bs->filename,
                          g_strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        return error_setg(errp, "Could not open '%s': %s", bs->filename,
                          g_strerror(EISDIR));
    }
    /* Block devices report their size through lseek, not st_size. */
    end = lseek(s->fd, 0, SEEK_END);
    if (end < 0) {
        return error_setg(errp, "Could not open '%s': %s", bs->filename,
                          g_strerror(errno));
    }
    s->size = end;
    if (!file_lock(s->fd, bs->filename, o->read_only, o->locking, errp)) {
        return false;
    }
    s->direct = o->direct;
    s->align = o->direct ? file_probe_alignment(s->fd) : 1;
    s->pool = aio_threads_new(s->fd, bs->notify_fd, errp);
    switch (o->aio) {
    case BLOCK_AIO_THREADS:
        s->engine = s->pool;
        break;
    case BLOCK_AIO_NATIVE:
        s->engine = aio_linux_new(s->fd, bs->notify_fd, errp);
        break;
    case BLOCK_AIO_IO_URING:
        s->engine = aio_uring_new(s->fd, bs->notify_fd, errp);
        break;
    }
    if (!s->engine) {
        return false;
    }
    bs->bl = (BlockLimits){
        .request_alignment = s->align,
        .memory_alignment = s->align,
        .max_transfer = FILE_MAX_TRANSFER,
        .discard_granularity = MAX(st.st_blksize, s->align),
        .write_zeroes_granularity = MAX(st.st_blksize, s->align),
    };
    return true;
}

static void file_close(BlockDriverState *bs)
{
    FileState *s = bs->opaque;

    if (!s) {
        return;
    }
    if (s->engine != s->pool) {
        aio_engine_destroy(s->engine);
    }
    aio_engine_destroy(s->pool);
    if (s->fd >= 0) {
        close(s->fd); /* drops the OFD locks */
    }
    if (bs->notify_fd >= 0) {
        close(bs->notify_fd);
        bs->notify_fd = -1;
    }
    g_free(s);
    bs->opaque = NULL;
}

/* ---- requests ----------------------------------------------------------- */

/* Every read and write the file node sent comes back here. */
static void file_rw_done(BdrvRequest *req, int ret)
{
    FileState *s = req->file_state;

    if (ret == BDRV_SHORT_TRANSFER) {
        /* The pool finishes what the kernel engine left short. */
        aio_engine_submit(s->pool, req);
        return;
    }
    if (req->bounce.iov_base) {
        if (!ret && req->kind == BDRV_REQ_READ) {
            IOVector v;

            iovector_init_external(&v, (struct iovec *)req->orig_iov,
                                   req->orig_niov);
            iovector_from_buf(&v, 0, req->bounce.iov_base, req->bytes);
        }
        free(req->bounce.iov_base);
        req->bounce.iov_base = NULL;
        req->iov = req->orig_iov;
        req->niov = req->orig_niov;
    }
    if (!ret && req->kind == BDRV_REQ_WRITE &&
        req->offset + req->bytes > s->size) {
        s->size = req->offset + req->bytes; /* a format grew the file */
    }
    req->complete = req->file_complete;
    req->complete(req, ret);
}

static bool file_iov_aligned(const BdrvRequest *req, uint32_t align)
{
    for (unsigned i = 0; i < req->niov; i++) {
        if ((uintptr_t)req->iov[i].iov_base % align ||
            req->iov[i].iov_len % align) {
            return false;
        }
    }
    return true;
}

/* The backend bounds req->bytes by max_transfer. */
static void file_bounce(FileState *s, BdrvRequest *req)
{
    void *buf = NULL;

    if (!s->direct || file_iov_aligned(req, s->align)) {
        return;
    }
    if (posix_memalign(&buf, MAX(s->align, 4096u), MAX(req->bytes, 1))) {
        g_error("out of memory for a %" PRIu64 "-byte bounce buffer",
                req->bytes);
    }
    if (req->kind == BDRV_REQ_WRITE) {
        IOVector v;

        iovector_init_external(&v, (struct iovec *)req->iov, req->niov);
        iovector_to_buf(&v, 0, buf, req->bytes);
    }
    req->orig_iov = req->iov;
    req->orig_niov = req->niov;
    req->bounce = (struct iovec){buf, req->bytes};
    req->iov = &req->bounce;
    req->niov = 1;
}

static void file_rw_submit(BlockDriverState *bs, BdrvRequest *req)
{
    FileState *s = bs->opaque;
    BlockAioEngine *e = s->engine;

    req->file_complete = req->complete;
    req->file_state = s;
    req->complete = file_rw_done;
    req->bounce.iov_base = NULL;
    file_bounce(s, req);
    if (req->niov > IOV_MAX || req->bytes > FILE_MAX_TRANSFER) {
        e = s->pool;
    }
    aio_engine_submit(e, req);
}

static void file_flush(BlockDriverState *bs, BdrvRequest *req)
{
    FileState *s = bs->opaque;

    aio_engine_submit(s->engine->flush_in_pool ? s->pool : s->engine, req);
}

static void file_pool_submit(BlockDriverState *bs, BdrvRequest *req)
{
    FileState *s = bs->opaque;

    aio_engine_submit(s->pool, req);
}

static uint64_t file_getlength(BlockDriverState *bs)
{
    FileState *s = bs->opaque;

    return s->size;
}

static int file_truncate(BlockDriverState *bs, uint64_t size)
{
    FileState *s = bs->opaque;

    if (ftruncate(s->fd, size) < 0) {
        return -errno;
    }
    s->size = size;
    return 0;
}

static void file_io_plug(BlockDriverState *bs)
{
    FileState *s = bs->opaque;

    aio_engine_plug(s->engine);
}

static void file_io_unplug(BlockDriverState *bs)
{
    FileState *s = bs->opaque;

    aio_engine_unplug(s->engine);
}

static void file_reap(BlockDriverState *bs)
{
    FileState *s = bs->opaque;

    if (s->engine != s->pool) {
        aio_engine_reap(s->engine);
    }
    aio_engine_reap(s->pool);
}

const BlockDriver bdrv_file = {
    .name = "file",
    .open = file_open,
    .close = file_close,
    .preadv = file_rw_submit,
    .pwritev = file_rw_submit,
    .flush = file_flush,
    .pdiscard = file_pool_submit,
    .pwrite_zeroes = file_pool_submit,
    .getlength = file_getlength,
    .truncate = file_truncate,
    .io_plug = file_io_plug,
    .io_unplug = file_io_unplug,
    .reap = file_reap,
};
