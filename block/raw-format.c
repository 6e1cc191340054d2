/*
 * The raw format node: the image's bytes are the guest's, so every
 * request passes to the file node unchanged. Opened without format=, it
 * refuses a file that starts with qcow2's magic rather than show the
 * guest a qcow2 image's metadata as its disk.
 */
#include <string.h>

#include "block/block-int.h"
#include "util/error.h"

static bool raw_is_qcow2(BlockDriverState *file)
{
    uint8_t magic[4];

    return bdrv_getlength(file) >= sizeof(magic) &&
           bdrv_pread_sync(file, 0, magic, sizeof(magic)) == 0 &&
           !memcmp(magic, "QFI\xfb", 4);
}

static bool raw_open(BlockDriverState *bs, const BlockOptions *o, GError **errp)
{
    if (!o->format && raw_is_qcow2(bs->file)) {
        return error_setg(errp,
                          "Could not open '%s': qcow2 images are not "
                          "supported yet (only format=raw)",
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
