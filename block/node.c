/*
 * The generic part of the node graph (include/block/block-int.h): the
 * drivers by name, opening a node over its child, names and references,
 * passing a request to the driver op of its kind, and the ops a driver
 * may leave to its child (plug, unplug, reap).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/block-int.h"
#include "util/coroutine.h"
#include "util/error.h"
#include "util/cutils.h"

/* Every node by name, and in the order they were opened. */
static GHashTable *nodes_by_name;
static GPtrArray *nodes;
static unsigned nodes_generated;

static const BlockDriver *const drivers[] = {&bdrv_raw, &bdrv_qcow2,
                                             &bdrv_file};

const BlockDriver *bdrv_find_driver(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(drivers); i++) {
        if (!strcmp(drivers[i]->name, name)) {
            return drivers[i];
        }
    }
    return NULL;
}

bool bdrv_node_name_check(const char *name, GError **errp)
{
    if (!id_wellformed(name)) {
        return error_setg(errp, "Invalid node-name: '%s'", name);
    }
    if (strlen(name) > BDRV_NODE_NAME_MAX) {
        return error_setg(errp, "Node name too long");
    }
    if (bdrv_find_node(name)) {
        return error_setg(errp, "Duplicate nodes with node-name='%s'", name);
    }
    return true;
}

static bool bdrv_assign_name(BlockDriverState *bs, const char *name,
                             GError **errp)
{
    bdrv_node_list();
    if (!name) {
        do {
            g_free(bs->node_name);
            bs->node_name = g_strdup_printf("#block%03u", ++nodes_generated);
        } while (g_hash_table_contains(nodes_by_name, bs->node_name));
    } else if (!bdrv_node_name_check(name, errp)) {
        return false;
    } else {
        bs->node_name = g_strdup(name);
    }
    g_hash_table_insert(nodes_by_name, bs->node_name, bs);
    g_ptr_array_add(nodes, bs);
    return true;
}

BlockDriverState *bdrv_find_node(const char *name)
{
    return nodes_by_name ? g_hash_table_lookup(nodes_by_name, name) : NULL;
}

GPtrArray *bdrv_node_list(void)
{
    if (!nodes) {
        nodes = g_ptr_array_new();
        nodes_by_name = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return nodes;
}

static void bdrv_close_node(BlockDriverState *bs)
{
    if (bs->node_name && nodes_by_name &&
        g_hash_table_lookup(nodes_by_name, bs->node_name) == bs) {
        g_hash_table_remove(nodes_by_name, bs->node_name);
        g_ptr_array_remove(nodes, bs);
    }
    bs->drv->close(bs);
    if (bs->backing) {
        bs->backing->parents--;
        bdrv_unref(bs->backing);
    }
    if (bs->file) {
        bs->file->parents--;
        bdrv_unref(bs->file);
    }
    g_free(bs->filename);
    g_free(bs->node_name);
    g_free(bs);
}

BlockDriverState *bdrv_open_node(const BlockDriver *drv, BlockDriverState *file,
                                 const char *filename, const char *node_name,
                                 const BlockOptions *o, GError **errp)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);

    bs->drv = drv;
    bs->file = file;
    if (file) {
        file->parents++;
    }
    bs->filename = g_strdup(filename);
    bs->opts = *o;
    bs->opts.format = NULL;
    bs->opts.backing = NULL; /* a name the caller owns */
    bs->refcnt = 1;
    bs->notify_fd = -1;
    if (!bdrv_assign_name(bs, node_name, errp) || !drv->open(bs, o, errp)) {
        bdrv_close_node(bs);
        return NULL;
    }
    return bs;
}

void bdrv_ref(BlockDriverState *bs)
{
    bs->refcnt++;
}

void bdrv_unref(BlockDriverState *bs)
{
    if (bs && --bs->refcnt == 0) {
        bdrv_close_node(bs);
    }
}

void bdrv_set_backing(BlockDriverState *bs, BlockDriverState *backing)
{
    g_assert(!bs->backing);
    bs->backing = backing;
    backing->parents++;
}

void bdrv_add_poll_fds(BlockDriverState *bs, GArray *fds)
{
    for (; bs; bs = bs->file) {
        bool seen = false;

        if (bs->backing) {
            bdrv_add_poll_fds(bs->backing, fds);
        }
        if (bs->notify_fd < 0) {
            continue;
        }
        for (unsigned i = 0; i < fds->len; i++) {
            seen |= g_array_index(fds, int, i) == bs->notify_fd;
        }
        if (!seen) {
            g_array_append_val(fds, bs->notify_fd);
        }
    }
}

void bdrv_poll_wait(BlockDriverState *bs)
{
    g_autoptr(GArray) fds = g_array_new(false, false, sizeof(int));
    struct pollfd pfd[BDRV_POLL_FDS_MAX];
    unsigned n;

    bdrv_add_poll_fds(bs, fds);
    n = MIN(fds->len, G_N_ELEMENTS(pfd));
    for (unsigned i = 0; i < n; i++) {
        pfd[i] = (struct pollfd){g_array_index(fds, int, i), POLLIN, 0};
    }
    while (poll(pfd, n, -1) < 0 && errno == EINTR) {
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t count;

        if (read(pfd[i].fd, &count, sizeof(count)) < 0) {
            /* EAGAIN: nothing there; reaped anyway */
        }
    }
}

void bdrv_submit(BlockDriverState *bs, BdrvRequest *req)
{
    switch (req->kind) {
    case BDRV_REQ_READ:
        bs->drv->preadv(bs, req);
        break;
    case BDRV_REQ_WRITE:
        bs->drv->pwritev(bs, req);
        break;
    case BDRV_REQ_FLUSH:
        bs->drv->flush(bs, req);
        break;
    case BDRV_REQ_DISCARD:
        bs->drv->pdiscard(bs, req);
        break;
    case BDRV_REQ_WRITE_ZEROES:
        bs->drv->pwrite_zeroes(bs, req);
        break;
    }
}

void bdrv_io_plug(BlockDriverState *bs)
{
    if (bs->drv->io_plug) {
        bs->drv->io_plug(bs);
    } else if (bs->file) {
        bdrv_io_plug(bs->file);
    }
}

void bdrv_io_unplug(BlockDriverState *bs)
{
    if (bs->drv->io_unplug) {
        bs->drv->io_unplug(bs);
    } else if (bs->file) {
        bdrv_io_unplug(bs->file);
    }
}

void bdrv_reap(BlockDriverState *bs)
{
    if (bs->drv->reap) {
        bs->drv->reap(bs);
    }
    if (bs->file) {
        bdrv_reap(bs->file);
    }
    if (bs->backing) {
        bdrv_reap(bs->backing);
    }
}

static __thread BlockDriverState *reaping_root;

BlockDriverState *bdrv_reaping_root(void)
{
    return reaping_root;
}

void bdrv_set_reaping_root(BlockDriverState *bs)
{
    reaping_root = bs;
}

bool bdrv_pending(BlockDriverState *bs)
{
    return bs->drv->pending && bs->drv->pending(bs);
}

uint64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->drv->getlength(bs);
}

typedef struct BdrvCoRequest {
    BdrvRequest req;
    Coroutine *co; /* the waiter, or NULL when it polls */
    bool done, waiting;
    int ret;
} BdrvCoRequest;

static void bdrv_co_request_done(BdrvRequest *req, int ret)
{
    BdrvCoRequest *r = (BdrvCoRequest *)req;

    r->ret = ret;
    r->done = true;
    if (r->waiting) {
        coroutine_enter(r->co);
    }
}

int bdrv_co_request(BlockDriverState *bs, BdrvRequestKind kind, uint64_t offset,
                    uint64_t bytes, const struct iovec *iov, unsigned niov,
                    int flags)
{
    BdrvCoRequest r = {.req = {.kind = kind,
                               .offset = offset,
                               .bytes = bytes,
                               .iov = iov,
                               .niov = niov,
                               .flags = flags,
                               .complete = bdrv_co_request_done},
                       .co = coroutine_self()};

    bdrv_submit(bs, &r.req);
    while (!r.done) {
        if (r.co) {
            r.waiting = true;
            coroutine_yield();
            r.waiting = false;
        } else {
            bdrv_poll_wait(bs);
            bdrv_reap(bs);
        }
    }
    return r.ret;
}

int bdrv_co_pread(BlockDriverState *bs, uint64_t offset, void *buf,
                  uint64_t bytes)
{
    struct iovec iov = {buf, bytes};

    return bdrv_co_request(bs, BDRV_REQ_READ, offset, bytes, &iov, 1, 0);
}

int bdrv_co_pwrite(BlockDriverState *bs, uint64_t offset, const void *buf,
                   uint64_t bytes)
{
    struct iovec iov = {(void *)buf, bytes};

    return bdrv_co_request(bs, BDRV_REQ_WRITE, offset, bytes, &iov, 1, 0);
}

int bdrv_co_flush(BlockDriverState *bs)
{
    if (bs->opts.no_flush) {
        return 0;
    }
    return bdrv_co_request(bs, BDRV_REQ_FLUSH, 0, 0, NULL, 0, 0);
}

int bdrv_truncate(BlockDriverState *bs, uint64_t size)
{
    if (!bs->drv->truncate) {
        return -ENOTSUP;
    }
    return bs->drv->truncate(bs, size);
}

typedef struct BdrvSyncRead {
    BdrvRequest req;
    bool done;
    int ret;
} BdrvSyncRead;

static void bdrv_sync_done(BdrvRequest *req, int ret)
{
    BdrvSyncRead *r = (BdrvSyncRead *)req;

    r->ret = ret;
    r->done = true;
}

int bdrv_pread_sync(BlockDriverState *bs, uint64_t offset, void *buf,
                    uint64_t bytes)
{
    uint32_t align = MAX(bs->bl.request_alignment, 1u);
    uint64_t start = offset - offset % align;
    uint64_t end = offset + bytes;
    uint64_t len;
    BdrvSyncRead r = {{0}};
    struct iovec iov;
    void *bounce = NULL;

    end += (align - end % align) % align;
    len = end - start;
    /* What lies past the file's end reads as zeroes (file-posix). */
    if (posix_memalign(&bounce, MAX(align, 4096u), MAX(len, 1))) {
        return -ENOMEM;
    }
    iov = (struct iovec){bounce, len};
    r.req = (BdrvRequest){.kind = BDRV_REQ_READ,
                          .offset = start,
                          .bytes = len,
                          .iov = &iov,
                          .niov = 1,
                          .complete = bdrv_sync_done};
    bdrv_submit(bs, &r.req);
    while (!r.done) {
        bdrv_poll_wait(bs);
        bdrv_reap(bs);
    }
    if (!r.ret) {
        memcpy(buf, (uint8_t *)bounce + (offset - start), bytes);
    }
    free(bounce);
    return r.ret;
}

const char *bdrv_probe_format(BlockDriverState *file, GError **errp)
{
    uint8_t magic[4];
    int ret;

    if (bdrv_getlength(file) < sizeof(magic)) {
        return "raw";
    }
    ret = bdrv_pread_sync(file, 0, magic, sizeof(magic));
    if (ret < 0) {
        error_setg(errp, "Could not read image for determining its format: %s",
                   g_strerror(-ret));
        return NULL;
    }
    return memcmp(magic, "QFI\xfb", 4) ? "raw" : "qcow2";
}

BlockDriverState *bdrv_open_image(const char *filename, const BlockOptions *o,
                                  const char *node_name, GError **errp)
{
    BlockDriverState *file;
    const BlockDriver *drv;
    const char *format = o->format;
    BlockOptions fo = *o;

    file = bdrv_open_node(&bdrv_file, NULL, filename, NULL, o, errp);
    if (!file) {
        return NULL;
    }
    if (!format) {
        format = bdrv_probe_format(file, errp);
        if (!format) {
            bdrv_unref(file);
            return NULL;
        }
        fo.probed = true;
    }
    drv = bdrv_find_driver(format);
    if (!drv || drv == &bdrv_file) {
        error_setg(errp, "Unknown driver '%s'", format);
        bdrv_unref(file);
        return NULL;
    }
    return bdrv_open_node(drv, file, filename, node_name, &fo, errp);
}

void bdrv_get_image_info(BlockDriverState *bs, BlockImageInfo *info)
{
    memset(info, 0, sizeof(*info));
    info->virtual_size = bdrv_getlength(bs);
    info->snapshots = g_array_new(false, true, sizeof(BlockSnapshotInfo));
    if (bs->drv->get_info) {
        bs->drv->get_info(bs, info);
    }
}

void block_image_info_clear(BlockImageInfo *info)
{
    for (unsigned i = 0; info->snapshots && i < info->snapshots->len; i++) {
        BlockSnapshotInfo *sn =
            &g_array_index(info->snapshots, BlockSnapshotInfo, i);

        g_free(sn->id);
        g_free(sn->name);
    }
    if (info->snapshots) {
        g_array_free(info->snapshots, true);
    }
    g_free(info->backing_file);
    g_free(info->backing_format);
    memset(info, 0, sizeof(*info));
}

int bdrv_check(BlockDriverState *bs, BlockCheckResult *r, int fix)
{
    return bs->drv->check ? bs->drv->check(bs, r, fix) : -ENOTSUP;
}

static bool bdrv_snapshot_unsupported(BlockDriverState *bs, GError **errp)
{
    return error_setg(errp,
                      "Block format '%s' used by device '%s' does not "
                      "support feature 'internal snapshots'",
                      bs->drv->name, bs->node_name);
}

bool bdrv_snapshot_create(BlockDriverState *bs, const char *name, GError **errp)
{
    if (!bs->drv->snapshot_create) {
        return bdrv_snapshot_unsupported(bs, errp);
    }
    return bs->drv->snapshot_create(bs, name, 0, errp);
}

bool bdrv_snapshot_delete(BlockDriverState *bs, const char *name, GError **errp)
{
    if (!bs->drv->snapshot_delete) {
        return bdrv_snapshot_unsupported(bs, errp);
    }
    return bs->drv->snapshot_delete(bs, name, errp);
}

bool bdrv_snapshot_goto(BlockDriverState *bs, const char *name, GError **errp)
{
    if (!bs->drv->snapshot_goto) {
        return bdrv_snapshot_unsupported(bs, errp);
    }
    return bs->drv->snapshot_goto(bs, name, errp);
}

int bdrv_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                      uint64_t *pnum)
{
    if (bs->drv->block_status) {
        return bs->drv->block_status(bs, offset, bytes, pnum);
    }
    *pnum = bytes;
    return BDRV_BLOCK_DATA;
}

int bdrv_resize(BlockDriverState *bs, uint64_t size)
{
    if (bs->drv->resize) {
        return bs->drv->resize(bs, size);
    }
    if (bs->drv == &bdrv_raw) {
        return bdrv_truncate(bs->file, size);
    }
    return bdrv_truncate(bs, size);
}

uint64_t bdrv_compressed_cluster(BlockDriverState *bs)
{
    BlockImageInfo info;
    uint64_t cs;

    if (!bs->drv->pwrite_compressed) {
        return 0;
    }
    bdrv_get_image_info(bs, &info);
    cs = info.cluster_size;
    block_image_info_clear(&info);
    return cs;
}

int bdrv_pwrite_compressed(BlockDriverState *bs, uint64_t offset,
                           const void *buf)
{
    return bs->drv->pwrite_compressed
               ? bs->drv->pwrite_compressed(bs, offset, buf)
               : -ENOTSUP;
}

int bdrv_make_empty(BlockDriverState *bs)
{
    return bs->drv->make_empty ? bs->drv->make_empty(bs) : -ENOTSUP;
}

int bdrv_change_backing_file(BlockDriverState *bs, const char *file,
                             const char *format)
{
    return bs->drv->change_backing ? bs->drv->change_backing(bs, file, format)
                                   : -ENOTSUP;
}
