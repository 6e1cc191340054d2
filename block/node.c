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
#include "util/error.h"

/* Every node by name, and in the order they were opened. */
static GHashTable *nodes_by_name;
static GPtrArray *nodes;
static unsigned nodes_generated;

static const BlockDriver *const drivers[] = {&bdrv_raw, &bdrv_file};

const BlockDriver *bdrv_find_driver(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(drivers); i++) {
        if (!strcmp(drivers[i]->name, name)) {
            return drivers[i];
        }
    }
    return NULL;
}

/* QEMU's id rule: a letter, then letters, digits, '-', '.' and '_'. */
static bool bdrv_name_wellformed(const char *name)
{
    if (!g_ascii_isalpha(name[0])) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

bool bdrv_node_name_check(const char *name, GError **errp)
{
    if (!bdrv_name_wellformed(name)) {
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

void bdrv_add_poll_fds(BlockDriverState *bs, GArray *fds)
{
    for (; bs; bs = bs->file) {
        bool seen = false;

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
}

uint64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->drv->getlength(bs);
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
    if (end > bdrv_getlength(bs)) {
        return -EIO;
    }
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

BlockDriverState *bdrv_open_image(const char *filename, const BlockOptions *o,
                                  const char *node_name, GError **errp)
{
    BlockDriverState *file;

    file = bdrv_open_node(&bdrv_file, NULL, filename, NULL, o, errp);
    if (!file) {
        return NULL;
    }
    return bdrv_open_node(&bdrv_raw, file, filename, node_name, o, errp);
}
