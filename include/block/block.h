/*
 * Block backends: a guest-visible disk or CD-ROM medium. A device reads
 * and writes byte ranges (sector-aligned by its own rules) from one
 * buffer or an I/O vector (block/iov.h), synchronously from the thread
 * that emulates the device, or asynchronously: the request goes down the
 * backend's node tree (the raw format over the file protocol, whose async
 * engine is the thread pool, libaio or io_uring) and its callback runs
 * later on the backend's completion context: the main loop, with the BQL
 * held, like every other device event, or an I/O thread's GMainContext
 * (blk_set_aio_context), without it. A synchronous call or blk_drain
 * made under the BQL (or by the I/O thread) reaps completions itself, so
 * callbacks of other requests may run inside it, on its thread, still
 * with the BQL (or on the I/O thread). A callback never runs from inside
 * the call that submitted its request.
 *
 * Every range is checked against the medium's size: a request past the end
 * fails with -EIO and touches nothing. Writes to a read-only backend fail
 * with -EACCES, any request on an empty one with -ENOMEDIUM, and, with
 * cache.direct=on, a range that is not a multiple of the request
 * alignment (blk_get_limits) with -EINVAL. Buffers need no alignment:
 * misaligned ones are bounced.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "block/iov.h"

#define BDRV_SECTOR_SIZE 512

typedef struct BlockBackend BlockBackend;

/* aio=: how the file protocol submits requests (QEMU's names). */
typedef enum {
    BLOCK_AIO_THREADS, /* a thread pool running preadv/pwritev (default) */
    BLOCK_AIO_NATIVE,  /* Linux AIO (libaio); needs cache.direct=on */
    BLOCK_AIO_IO_URING,
} BlockAioMode;

typedef enum {
    BLOCK_DISCARD_IGNORE, /* discard requests succeed doing nothing */
    BLOCK_DISCARD_UNMAP,  /* they punch holes in the image */
} BlockDiscardMode;

typedef enum {
    BLOCK_DETECT_ZEROES_OFF,
    BLOCK_DETECT_ZEROES_ON,    /* a zero write becomes a write-zeroes */
    BLOCK_DETECT_ZEROES_UNMAP, /* ... that may unmap, with discard=unmap */
} BlockDetectZeroes;

typedef enum {
    BLOCK_LOCKING_AUTO, /* lock when the host has OFD locks */
    BLOCK_LOCKING_ON,
    BLOCK_LOCKING_OFF,
} BlockLockingMode;

/*
 * How a backend opens its image: -drive's keys. blk_options_init() gives
 * QEMU's defaults (cache=writeback, aio=threads, discard=ignore,
 * detect-zeroes=off, file.locking=auto).
 */
typedef struct BlockOptions {
    const char *format; /* NULL: probed (qcow2 or raw); "raw", "qcow2" */
    bool read_only;
    bool writeback; /* cache.writeback: off = every write is made durable */
    bool direct;    /* cache.direct: O_DIRECT, bypassing the page cache */
    bool no_flush;  /* cache.no-flush: flushes complete at once */
    BlockAioMode aio;
    BlockDiscardMode discard;
    BlockDetectZeroes detect_zeroes;
    BlockLockingMode locking;
    /* Set by the block layer: format was guessed (raw warns, guards 0). */
    bool probed;
    /* qcow2: l2-cache-size= in bytes, 0 for QEMU's default. */
    uint64_t l2_cache_size;
    /* qcow2: backing=NODE (a node's name), or none at all (backing=null);
     * both unset: the backing file the image names. */
    const char *backing;
    bool no_backing;
} BlockOptions;

void blk_options_init(BlockOptions *o);
/*
 * QEMU's cache= modes: writeback, none, writethrough, directsync, unsafe.
 * Sets the three cache flags; false for an unknown mode.
 */
bool blk_options_set_cache(BlockOptions *o, const char *mode);

/* What a device may report to the guest about the medium. */
typedef struct BlockLimits {
    uint32_t request_alignment;   /* offsets and lengths: 1, or 512+ (direct) */
    uint32_t memory_alignment;    /* buffers aligned so are not bounced */
    uint64_t max_transfer;        /* bytes in one request */
    uint32_t discard_granularity; /* 0: discard does nothing */
    uint32_t write_zeroes_granularity; /* unit of the efficient path */
} BlockLimits;

/* The accounting of query-blockstats (QEMU's BlockDeviceStats). */
typedef struct BlockAcctStats {
    uint64_t rd_bytes, wr_bytes, unmap_bytes;
    uint64_t rd_operations, wr_operations, flush_operations, unmap_operations;
    uint64_t rd_total_time_ns, wr_total_time_ns, flush_total_time_ns,
        unmap_total_time_ns;
    uint64_t failed_rd_operations, failed_wr_operations,
        failed_flush_operations, failed_unmap_operations;
    uint64_t invalid_rd_operations, invalid_wr_operations,
        invalid_flush_operations, invalid_unmap_operations;
    uint64_t wr_highest_offset;
    int64_t last_done_ns; /* monotonic; 0: no request finished yet */
} BlockAcctStats;

/* blk_aio_pwrite_zeroes: the range may be deallocated (discard=unmap). */
#define BDRV_REQ_MAY_UNMAP 0x4

/* ret is 0 on success or a negative errno. */
typedef void BlockCompletionFunc(void *opaque, int ret);

/*
 * Opens filename as a raw image. format may be NULL (raw; a qcow2 file is
 * refused rather than shown to the guest as raw) or "raw"; anything else
 * fails with QEMU's "'FMT' invalid format". Errors read like QEMU's:
 * "Could not open 'F': No such file or directory".
 */
BlockBackend *blk_open(const char *filename, const char *format, bool read_only,
                       GError **errp);
/*
 * The same with every option. Bad combinations fail with QEMU's words
 * ("aio=native was specified, but it requires cache.direct=on, which was
 * not specified."), and so does an image another process uses in a way
 * these options' permissions cannot share ("Failed to get "write" lock"
 * and, on a second line, "Is another process using the image [F]?").
 */
BlockBackend *blk_open_opts(const char *filename, const BlockOptions *o,
                            GError **errp);
/* The same, naming the format node (-drive node-name=; NULL: generated). */
BlockBackend *blk_open_as(const char *filename, const char *node_name,
                          const BlockOptions *o, GError **errp);
/*
 * A backend on the node named node_name (-device drive=NODE), read-only
 * if the node is: NULL with errp unset if there is no such node; an error
 * if the node has a backend already.
 */
BlockBackend *blk_new_on_named_node(const char *node_name, GError **errp);
/* The name of the backend's root node, or NULL when empty. */
const char *blk_node_name(BlockBackend *blk);
/* A backend without a medium (an empty CD-ROM drive). */
BlockBackend *blk_new_empty(bool read_only);
/* Waits for the backend's requests, runs their callbacks, closes it. */
void blk_unref(BlockBackend *blk);

bool blk_is_inserted(BlockBackend *blk);
bool blk_is_read_only(BlockBackend *blk);
const char *blk_filename(BlockBackend *blk); /* NULL when empty */
/*
 * The guest's lock on a removable medium (ATAPI PREVENT ALLOW MEDIUM
 * REMOVAL), kept with the drive so the monitor can report it.
 */
void blk_lock_medium(BlockBackend *blk, bool locked);
bool blk_is_locked(BlockBackend *blk);
/* Medium size in bytes (0 when empty). */
uint64_t blk_getlength(BlockBackend *blk);
/* True if [offset, offset + bytes) lies inside the medium. */
bool blk_range_valid(BlockBackend *blk, uint64_t offset, uint64_t bytes);

int blk_pread(BlockBackend *blk, uint64_t offset, void *buf, uint64_t bytes);
/*
 * A read that query-blockstats does not count: the board's own look at a
 * medium (the MBR for a disk's geometry), not the guest's I/O.
 */
int blk_pread_unaccounted(BlockBackend *blk, uint64_t offset, void *buf,
                          uint64_t bytes);
int blk_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
               uint64_t bytes);
int blk_flush(BlockBackend *blk);
/*
 * Vectored forms: qiov->size bytes at offset, scattered over (or gathered
 * from) the vector's buffers in order; the range checks are those of one
 * request of that size.
 */
int blk_preadv(BlockBackend *blk, uint64_t offset, IOVector *qiov);
int blk_pwritev(BlockBackend *blk, uint64_t offset, IOVector *qiov);

/*
 * Asynchronous forms: buf must stay valid until cb runs. cb always runs
 * on the backend's completion context (never from inside the call), even
 * when the request fails its checks.
 */
void blk_aio_pread(BlockBackend *blk, uint64_t offset, void *buf,
                   uint64_t bytes, BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
                    uint64_t bytes, BlockCompletionFunc *cb, void *opaque);
/*
 * The vector's array and buffers (guest RAM mapped with dma_memory_map,
 * say) must stay valid and untouched until cb runs; the engine copies
 * neither (except to bounce misaligned buffers under cache.direct=on).
 */
void blk_aio_preadv(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                    BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwritev(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                     BlockCompletionFunc *cb, void *opaque);
void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
/*
 * Discard: honoured only with discard=unmap (a hole is punched, the
 * range then reads as zeroes), else it succeeds doing nothing.
 * Write-zeroes: the range reads as zeroes afterwards; with
 * BDRV_REQ_MAY_UNMAP and discard=unmap it may be deallocated.
 */
void blk_aio_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                      BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                           int flags, BlockCompletionFunc *cb, void *opaque);
int blk_pdiscard(BlockBackend *blk, uint64_t offset, uint64_t bytes);
int blk_pwrite_zeroes(BlockBackend *blk, uint64_t offset, uint64_t bytes,
                      int flags);

/*
 * Batching: requests submitted between plug and unplug (which nest) reach
 * the kernel in one submission, at the outermost unplug.
 */
void blk_io_plug(BlockBackend *blk);
void blk_io_unplug(BlockBackend *blk);

/*
 * Where callbacks run: NULL (the default) is the main loop, with the BQL;
 * otherwise an I/O thread's context, without it. Drains first. The I/O
 * thread must run the context with g_main_loop_run (which holds it
 * throughout): a thread that can acquire the context reaps completions
 * itself. Synchronous calls and blk_drain work from any thread that
 * holds the BQL or owns the context.
 */
void blk_set_aio_context(BlockBackend *blk, GMainContext *ctx);
GMainContext *blk_get_aio_context(BlockBackend *blk);

/*
 * The write cache the guest sees: on with cache.writeback=on. Off, a
 * write completes only once its data is durable (the backend flushes
 * after it). The guest may toggle it (ATA SET FEATURES, virtio-blk's
 * writeback config field).
 */
bool blk_enable_write_cache(BlockBackend *blk);
void blk_set_enable_write_cache(BlockBackend *blk, bool enable);
/* The options the backend was opened with, the cache flags as now. */
void blk_get_options(BlockBackend *blk, BlockOptions *o);
void blk_get_limits(BlockBackend *blk, BlockLimits *limits);
void blk_get_stats(BlockBackend *blk, BlockAcctStats *stats);

/*
 * block_resize: drains, sets the medium's size (qcow2 grows its tables,
 * raw truncates the file), then tells the device (blk_set_resize_cb).
 * QEMU's errors: a read-only medium, a qcow2 image that would shrink.
 */
bool blk_truncate(BlockBackend *blk, uint64_t size, GError **errp);
/* Called after the size changed, on the thread that changed it. */
void blk_set_resize_cb(BlockBackend *blk, void (*cb)(void *opaque),
                       void *opaque);

/* Requests submitted and whose callback has not run yet. */
unsigned blk_in_flight(BlockBackend *blk);
/* Waits until every request of blk finished and ran its callback. */
void blk_drain(BlockBackend *blk);
/*
 * Waits for the backend's next completion and runs the callbacks that
 * are due, as the backend's context would (a tool's own event loop:
 * pcvm-img bench). Only where blk_drain may reap itself.
 */
void blk_poll(BlockBackend *blk);

#endif
