/*
 * The generic part of the node tree (include/block/block-int.h): opening
 * a node over its child, passing a request to the driver op of its kind,
 * and the ops a driver may leave to its child (plug, unplug, reap).
 */
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
