/*
 * Block backends: a guest-visible disk or CD-ROM medium backed by a raw
 * image file. Devices read and write byte ranges (sector-aligned by their
 * own rules) from one buffer or an I/O vector (block/iov.h) either
 * synchronously, from the thread that emulates the
 * device, or asynchronously: the request runs on a worker thread and its
 * callback runs later on the main loop, with the BQL held, like every other
 * device event.
 *
 * Every range is checked against the medium's size: a request past the end
 * fails with -EIO and touches nothing. Writes to a read-only backend fail
 * with -EACCES, any request on an empty one with -ENOMEDIUM.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "block/iov.h"

#define BDRV_SECTOR_SIZE 512

typedef struct BlockBackend BlockBackend;

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
 * from the main loop (never from inside the call), even when the request
 * fails its checks.
 */
void blk_aio_pread(BlockBackend *blk, uint64_t offset, void *buf,
                   uint64_t bytes, BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwrite(BlockBackend *blk, uint64_t offset, const void *buf,
                    uint64_t bytes, BlockCompletionFunc *cb, void *opaque);
/*
 * The vector's array and buffers (guest RAM mapped with dma_memory_map,
 * say) must stay valid and untouched until cb runs; the worker thread
 * copies neither.
 */
void blk_aio_preadv(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                    BlockCompletionFunc *cb, void *opaque);
void blk_aio_pwritev(BlockBackend *blk, uint64_t offset, IOVector *qiov,
                     BlockCompletionFunc *cb, void *opaque);
void blk_aio_flush(BlockBackend *blk, BlockCompletionFunc *cb, void *opaque);
/* Requests submitted and whose callback has not run yet. */
unsigned blk_in_flight(BlockBackend *blk);
/* Waits until every request of blk finished and ran its callback. */
void blk_drain(BlockBackend *blk);

#endif
