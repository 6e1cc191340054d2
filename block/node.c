/*
 * The generic part of the node tree (include/block/block-int.h): opening
 * a node over its child, passing a request to the driver op of its kind,
 * and the ops a driver may leave to its child (plug, unplug, reap).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/block-int.h"

BlockDriverState *bdrv_open_node(const BlockDriver *drv, BlockDriverState *file,
                                 const char *filename, int notify_fd,
                                 const BlockOptions *o, GError **errp)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);

    bs->drv = drv;
    bs->file = file;
    bs->filename = g_strdup(filename);
    bs->notify_fd = notify_fd;
    if (!drv->open(bs, o, errp)) {
        bdrv_close_node(bs);
        return NULL;
    }
    return bs;
}

void bdrv_close_node(BlockDriverState *bs)
{
    if (!bs) {
        return;
    }
    bs->drv->close(bs);
    bdrv_close_node(bs->file);
    g_free(bs->filename);
    g_free(bs);
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
        struct pollfd pfd = {.fd = bs->notify_fd, .events = POLLIN};
        uint64_t count;

        while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
        }
        if (read(bs->notify_fd, &count, sizeof(count)) < 0) {
            /* EAGAIN: reaped below anyway */
        }
        bdrv_reap(bs);
    }
    if (!r.ret) {
        memcpy(buf, (uint8_t *)bounce + (offset - start), bytes);
    }
    free(bounce);
    return r.ret;
}
