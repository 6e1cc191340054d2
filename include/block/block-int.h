/*
 * Inside the block layer: the node tree under a BlockBackend and the
 * async engines of the file protocol. Only block/ (and its unit tests)
 * include this.
 *
 * Nodes form a graph: a format node (raw today, qcow2 next) whose child
 * is a protocol node (file-posix). A node is opened over children that
 * exist already and holds a reference to each; -blockdev and
 * blockdev-add name nodes and build the graph bottom up, -drive builds
 * the same graph with generated names. A backend attaches to a node,
 * its root. A request travels down as a BdrvRequest: each node's op
 * either completes it or hands it (or, for a format that maps ranges,
 * requests of its own) to its child. Every protocol node has an eventfd
 * (notify_fd) that its engine writes when a request is done; the
 * backend above watches the eventfds of its whole graph on its
 * completion context and reaps with bdrv_reap(), which runs
 * req->complete. A node reached by two backends must be in the same
 * completion context for both (the main loop).
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
    char *node_name;    /* given (node-name=) or generated ("#block001") */
    BlockOptions opts;  /* as opened; opts.format is NULL */
    unsigned refcnt;    /* parents, backends and the monitor */
    bool monitor_owned; /* -blockdev, blockdev-add: blockdev-del drops it */
    BlockBackend *blk;  /* the backend attached here, if any */
    unsigned parents;   /* nodes whose child this is */
    /* A protocol node's eventfd, written when a request is done; else -1. */
    int notify_fd;
    BlockLimits bl;
};

extern const BlockDriver bdrv_raw;
extern const BlockDriver bdrv_file;

/*
 * Opens a node of drv over file (whose reference the node then holds)
 * or fails, dropping that reference. node_name NULL generates one; a
 * given one must be well formed and unused (QEMU's errors). The new node
 * has one reference, the caller's.
 */
BlockDriverState *bdrv_open_node(const BlockDriver *drv, BlockDriverState *file,
                                 const char *filename, const char *node_name,
                                 const BlockOptions *o, GError **errp);
/*
 * Opens filename as -drive does: a file node with generated name, and
 * over it the format node o->format names (raw when NULL) as node_name
 * (generated when NULL). The caller holds the one reference.
 */
BlockDriverState *bdrv_open_image(const char *filename, const BlockOptions *o,
                                  const char *node_name, GError **errp);
void bdrv_ref(BlockDriverState *bs);
#define BDRV_NODE_NAME_MAX 31
/* May a new node be called name? QEMU's errors if not. */
bool bdrv_node_name_check(const char *name, GError **errp);
/* Every node by name (generated ones too), or NULL. */
BlockDriverState *bdrv_find_node(const char *name);
/* Every open node, in the order they were opened. */
GPtrArray *bdrv_node_list(void);
/* Drops a reference; the last one closes the node and drops its children. */
void bdrv_unref(BlockDriverState *bs);
/* The driver of that name (format or protocol), or NULL. */
const BlockDriver *bdrv_find_driver(const char *name);
/* Adds the eventfds of bs and every node below it (once each) to fds. */
#define BDRV_POLL_FDS_MAX 16
void bdrv_add_poll_fds(BlockDriverState *bs, GArray *fds);
/* Opens a backend on bs (taking a reference), as blk_open_opts does. */
BlockBackend *blk_new_on_node(BlockDriverState *bs, const BlockOptions *o,
                              GError **errp);
BlockDriverState *blk_root(BlockBackend *blk);
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
/* Polls the eventfds of bs's graph until one is readable; clears them. */
void bdrv_poll_wait(BlockDriverState *bs);

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
