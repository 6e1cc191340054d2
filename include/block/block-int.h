/*
 * Inside the block layer: the node tree under a BlockBackend and the
 * async engines of the file protocol. Only block/ (and its unit tests)
 * include this.
 *
 * A backend owns one tree: a format node (raw today, qcow2 next) whose
 * child is a protocol node (file-posix). A request travels down as a
 * BdrvRequest: each node's op either completes it or hands it (or, for a
 * format that maps ranges, requests of its own) to its child. Every
 * completion comes back on the backend's completion context: engines
 * signal the backend's eventfd (notify_fd) and the backend's source on
 * that context reaps them with bdrv_reap(), which runs req->complete.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include "block/block.h"

typedef enum {
    BDRV_REQ_READ,
    BDRV_REQ_WRITE,
    BDRV_REQ_FLUSH,
    BDRV_REQ_DISCARD,
    BDRV_REQ_WRITE_ZEROES,
} BdrvRequestKind;

typedef struct BdrvRequest BdrvRequest;
typedef struct BlockAioEngine BlockAioEngine;

struct BdrvRequest {
    BdrvRequestKind kind;
    uint64_t offset, bytes;
    const struct iovec *iov; /* READ, WRITE */
    unsigned niov;
    int flags; /* BDRV_REQ_MAY_UNMAP */
    /* Runs once, on the completion context; ret 0 or a negative errno. */
    void (*complete)(BdrvRequest *req, int ret);

    /*
     * The file node's: the completion above it, its state, and the bounce
     * of misaligned buffers (O_DIRECT; bounce.iov_base NULL without).
     */
    void (*file_complete)(BdrvRequest *req, int ret);
    void *file_state;
    const struct iovec *orig_iov;
    unsigned orig_niov;
    struct iovec bounce;

    /* The engine's: its queue link, result and private storage. */
    BlockAioEngine *engine;
    BdrvRequest *next;
    int ret;
    uint64_t engine_data[8] __attribute__((aligned(8)));
};

typedef struct BlockDriverState BlockDriverState;

typedef struct BlockDriver {
    const char *name;
    bool (*open)(BlockDriverState *bs, const BlockOptions *o, GError **errp);
    void (*close)(BlockDriverState *bs);
    /* Each takes a request the backend checked and completes it once. */
    void (*preadv)(BlockDriverState *bs, BdrvRequest *req);
    void (*pwritev)(BlockDriverState *bs, BdrvRequest *req);
    void (*flush)(BlockDriverState *bs, BdrvRequest *req);
    void (*pdiscard)(BlockDriverState *bs, BdrvRequest *req);
    void (*pwrite_zeroes)(BlockDriverState *bs, BdrvRequest *req);
    uint64_t (*getlength)(BlockDriverState *bs);
    /* Optional; when NULL the generic code passes them to bs->file. */
    void (*io_plug)(BlockDriverState *bs);
    void (*io_unplug)(BlockDriverState *bs);
    /* Runs the completions that have arrived (on the completion context). */
    void (*reap)(BlockDriverState *bs);
} BlockDriver;

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;           /* the driver's state */
    BlockDriverState *file; /* the child; NULL for a protocol node */
    char *filename;
    int notify_fd; /* the backend's eventfd: written when a request is done */
    BlockLimits bl;
};

extern const BlockDriver bdrv_raw;
extern const BlockDriver bdrv_file;

/* Opens a node of drv (over file, which it then owns) or fails. */
BlockDriverState *bdrv_open_node(const BlockDriver *drv, BlockDriverState *file,
                                 const char *filename, int notify_fd,
                                 const BlockOptions *o, GError **errp);
void bdrv_close_node(BlockDriverState *bs);
void bdrv_submit(BlockDriverState *bs, BdrvRequest *req);
void bdrv_io_plug(BlockDriverState *bs);
void bdrv_io_unplug(BlockDriverState *bs);
void bdrv_reap(BlockDriverState *bs);
uint64_t bdrv_getlength(BlockDriverState *bs);
/*
 * Reads bytes at offset from bs and waits, reaping bs's own completions:
 * for a driver's open (a format's header) while the backend runs no
 * other request. Any offset and length: it reads the aligned range
 * around them. 0 or a negative errno.
 */
int bdrv_pread_sync(BlockDriverState *bs, uint64_t offset, void *buf,
                    uint64_t bytes);

/*
 * What a kernel engine reports for a read or write that moved fewer bytes
 * than asked (never at the medium's end, which the backend checks): the
 * file node runs the request again on the pool, which resumes short
 * transfers.
 */
#define BDRV_SHORT_TRANSFER 1

/*
 * Async engines. An engine queues what it is given while plugged (or
 * full) and submits the queue at once; it runs req->complete from
 * aio_engine_reap(), after writing notify_fd for every completion.
 */
typedef struct BlockAioEngineOps {
    const char *name;
    /* Hands the queued requests (a list through ->next) to the kernel or
     * the pool; returns those it could not take, still linked. */
    BdrvRequest *(*submit)(BlockAioEngine *e, BdrvRequest *list);
    /* Moves finished requests, ret set, onto the done list. */
    void (*collect)(BlockAioEngine *e, BdrvRequest ***done_tail);
    void (*destroy)(BlockAioEngine *e);
} BlockAioEngineOps;

struct BlockAioEngine {
    const BlockAioEngineOps *ops;
    int fd;             /* the image */
    int notify_fd;      /* the backend's eventfd */
    bool flush_in_pool; /* the kernel cannot flush asynchronously here */
    GMutex lock;        /* the fields below, and the kernel queue of collect */
    unsigned plugged;
    BdrvRequest *queue, **queue_tail; /* not yet submitted */
    unsigned in_flight;               /* submitted, not reaped */
};

BlockAioEngine *aio_threads_new(int fd, int notify_fd, GError **errp);
BlockAioEngine *aio_linux_new(int fd, int notify_fd, GError **errp);
BlockAioEngine *aio_uring_new(int fd, int notify_fd, GError **errp);

void aio_engine_init(BlockAioEngine *e, const BlockAioEngineOps *ops, int fd,
                     int notify_fd);
void aio_engine_submit(BlockAioEngine *e, BdrvRequest *req);
void aio_engine_plug(BlockAioEngine *e);
void aio_engine_unplug(BlockAioEngine *e);
void aio_engine_reap(BlockAioEngine *e);
/*
 * For a kernel engine's collect: req finished with res (bytes moved, or a
 * negative errno); sets req->ret (a short read or write is
 * BDRV_SHORT_TRANSFER) and appends req to the done list.
 */
void aio_engine_kernel_done(BdrvRequest *req, long res,
                            BdrvRequest ***done_tail);
void aio_engine_notify(BlockAioEngine *e);
void aio_engine_destroy(BlockAioEngine *e);

/*
 * Runs one request with plain system calls (the thread pool's work, and
 * what the kernel engines hand to the pool: discard, write-zeroes and
 * vectors longer than IOV_MAX). 0 or a negative errno.
 */
int file_posix_run(int fd, BdrvRequest *req);

#endif
