/*
 * Inside the block layer: the node tree under a BlockBackend and the
 * async engines of the file protocol. Only block/ (and its unit tests)
 * include this.
 *
 * Nodes form a graph: a format node (raw, qcow2) whose child is a
 * protocol node (file-posix), and for qcow2 a backing child: the format
 * node of its backing image, opened read-only. A node is opened over children
 * that exist already and holds a reference to each; -blockdev and blockdev-add
 * name nodes and build the graph bottom up, -drive builds the same graph with
 * generated names. A backend attaches to a node, its root. A request travels
 * down as a BdrvRequest: each node's op either completes it or hands it (or,
 * for a format that maps ranges, requests of its own) to its child. Every
 * protocol node has an eventfd (notify_fd) that its engine writes when a
 * request is done; the backend above watches the eventfds of its whole graph on
 * its completion context and reaps with bdrv_reap(), which runs req->complete.
 * A node reached by two backends must be in the same completion context for
 * both (the main loop).
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

/* What qemu-img check reports; log holds its lines. */
typedef struct BlockCheckResult {
    uint64_t corruptions, leaks, corruptions_fixed, leaks_fixed;
    uint64_t total_clusters, allocated_clusters, fragmented_clusters,
        compressed_clusters;
    uint64_t image_end_offset;
    GString *log;
} BlockCheckResult;

#define BDRV_FIX_LEAKS 1
#define BDRV_FIX_ERRORS 2

typedef struct BlockSnapshotInfo {
    char *id, *name;
    uint64_t vm_state_size, vm_clock_nsec;
    uint32_t date_sec, date_nsec;
    int64_t icount; /* -1: not recorded */
} BlockSnapshotInfo;

/* What qemu-img info reports of a format node. */
typedef struct BlockImageInfo {
    uint64_t virtual_size;
    uint64_t cluster_size; /* 0: the format has none */
    char *backing_file, *backing_format;
    /* qcow2 */
    unsigned qcow2_version, refcount_bits;
    bool lazy_refcounts, corrupt, dirty;
    GArray *snapshots; /* BlockSnapshotInfo */
} BlockImageInfo;

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
    /* Optional: sets the length (synchronously); 0 or a negative errno. */
    int (*truncate)(BlockDriverState *bs, uint64_t size);
    /* Optional; when NULL the generic code passes them to bs->file. */
    void (*io_plug)(BlockDriverState *bs);
    void (*io_unplug)(BlockDriverState *bs);
    /* Runs the completions that have arrived (on the completion context). */
    void (*reap)(BlockDriverState *bs);
    /* Optional: has completions queued for the next reap (no wake-up). */
    bool (*pending)(BlockDriverState *bs);
    /* Optional, for pcvm-img and savevm; no request in flight. */
    void (*get_info)(BlockDriverState *bs, BlockImageInfo *info);
    int (*check)(BlockDriverState *bs, BlockCheckResult *r, int fix);
    bool (*snapshot_create)(BlockDriverState *bs, const char *name,
                            uint64_t vm_clock_nsec, GError **errp);
    bool (*snapshot_delete)(BlockDriverState *bs, const char *name,
                            GError **errp);
    bool (*snapshot_goto)(BlockDriverState *bs, const char *name,
                          GError **errp);
    /* BDRV_BLOCK_* of [offset, +bytes) from offset on, for *pnum bytes. */
    int (*block_status)(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                        uint64_t *pnum);
    /* Sets the guest-visible size; 0 or a negative errno. */
    int (*resize)(BlockDriverState *bs, uint64_t size);
    /* One whole, so far unallocated cluster written compressed. */
    int (*pwrite_compressed)(BlockDriverState *bs, uint64_t offset,
                             const void *buf);
    /* Every cluster made unallocated (qemu-img commit's emptying). */
    int (*make_empty)(BlockDriverState *bs);
    /* Names another backing file in the image (rebase -u). */
    int (*change_backing)(BlockDriverState *bs, const char *file,
                          const char *format);
} BlockDriver;

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;              /* the driver's state */
    BlockDriverState *file;    /* the child; NULL for a protocol node */
    BlockDriverState *backing; /* a format's backing image, or NULL */
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
extern const BlockDriver bdrv_qcow2;

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
/*
 * The root whose completions this thread is running now (inside
 * blk_run_completions), or NULL. A node that is that root may queue a
 * completion without waking the context: the backend reaps again while
 * bdrv_pending says there is more.
 */
BlockDriverState *bdrv_reaping_root(void);
void bdrv_set_reaping_root(BlockDriverState *bs);
bool bdrv_pending(BlockDriverState *bs);
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
/* Makes backing bs's backing child (taking over the caller's reference). */
void bdrv_set_backing(BlockDriverState *bs, BlockDriverState *backing);

/*
 * One request to bs, waited for: inside a coroutine by yielding until its
 * completion enters the coroutine again, outside one by polling bs's
 * graph and reaping (a driver's open, pcvm-img). iov must respect bs's
 * request alignment. 0 or a negative errno.
 */
int bdrv_co_request(BlockDriverState *bs, BdrvRequestKind kind, uint64_t offset,
                    uint64_t bytes, const struct iovec *iov, unsigned niov,
                    int flags);
int bdrv_co_pread(BlockDriverState *bs, uint64_t offset, void *buf,
                  uint64_t bytes);
int bdrv_co_pwrite(BlockDriverState *bs, uint64_t offset, const void *buf,
                   uint64_t bytes);
int bdrv_co_flush(BlockDriverState *bs);
int bdrv_truncate(BlockDriverState *bs, uint64_t size);
/* The image's description (virtual size at least); free with clear. */
void bdrv_get_image_info(BlockDriverState *bs, BlockImageInfo *info);
void block_image_info_clear(BlockImageInfo *info);
#define BDRV_BLOCK_DATA 1 /* the image holds the bytes */
#define BDRV_BLOCK_ZERO 2 /* they read as zeroes */
/* 0 means neither: the backing image's (or zeroes without one). */
int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      uint64_t *pnum);
int bdrv_resize(BlockDriverState *bs, uint64_t size);
/* The cluster size of compressed writes, or 0 when the format has none. */
uint64_t bdrv_compressed_cluster(BlockDriverState *bs);
int bdrv_pwrite_compressed(BlockDriverState *bs, uint64_t offset,
                           const void *buf);
int bdrv_make_empty(BlockDriverState *bs);
int bdrv_change_backing_file(BlockDriverState *bs, const char *file,
                             const char *format);
/* -ENOTSUP for a format without the operation. */
int bdrv_check(BlockDriverState *bs, BlockCheckResult *r, int fix);
/* Internal snapshots by name (create) or id or name; QEMU's errors. */
bool bdrv_snapshot_create(BlockDriverState *bs, const char *name,
                          GError **errp);
bool bdrv_snapshot_delete(BlockDriverState *bs, const char *name,
                          GError **errp);
bool bdrv_snapshot_goto(BlockDriverState *bs, const char *name, GError **errp);

/* qemu-img create -f qcow2's -o options; 0 or NULL: QEMU's defaults. */
typedef struct Qcow2CreateOptions {
    unsigned version;       /* 2 (compat=0.10) or 3 (compat=1.1) */
    uint64_t cluster_size;  /* 64 KiB */
    unsigned refcount_bits; /* 16 */
    const char *backing_file, *backing_format;
    bool lazy_refcounts;
} Qcow2CreateOptions;

/* Creates (or truncates) filename as an empty qcow2 image of size bytes. */
bool qcow2_create(const char *filename, uint64_t size,
                  const Qcow2CreateOptions *co, GError **errp);

/*
 * What a file starts with: "qcow2" for qcow2's magic, else "raw" (the
 * format probing of -drive without format=). NULL with errp set when the
 * file cannot be read.
 */
const char *bdrv_probe_format(BlockDriverState *file, GError **errp);

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
