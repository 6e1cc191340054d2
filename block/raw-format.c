/*
 * The raw format node: the image's bytes are the guest's, so every
 * request passes to the file node unchanged. When the format was only
 * guessed (no format=), it warns as QEMU does; the backend then refuses
 * a write that would make block 0 look like a qcow2 header
 * (blk_check), so a guest cannot turn its disk into an image that the
 * next probe opens as qcow2, whose backing file could name any file of
 * the host.
 */
#include <string.h>

#include "block/block-int.h"
#include "util/error.h"

static bool raw_open(BlockDriverState *bs, const BlockOptions *o, GError **errp)
{
    if (o->probed) {
        warn_report("Image format was not specified for '%s' and probing "
                    "guessed raw.\n"
                    "         Automatically detecting the format is dangerous "
                    "for raw images, write operations on block 0 will be "
                    "restricted.\n"
                    "         Specify the 'raw' format explicitly to remove "
                    "the restrictions.",
                    bs->filename);
    }
    bs->bl = bs->file->bl;
    return true;
}

static void raw_close(BlockDriverState *bs)
{
}

static void raw_submit(BlockDriverState *bs, BdrvRequest *req)
{
    bdrv_submit(bs->file, req);
}

static uint64_t raw_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file);
}

const BlockDriver bdrv_raw = {
    .name = "raw",
    .open = raw_open,
    .close = raw_close,
    .preadv = raw_submit,
    .pwritev = raw_submit,
    .flush = raw_submit,
    .pdiscard = raw_submit,
    .pwrite_zeroes = raw_submit,
    .getlength = raw_getlength,
};
