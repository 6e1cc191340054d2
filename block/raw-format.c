/*
 * The raw format node: the image's bytes are the guest's, so every
 * request passes to the file node unchanged. Opened without format=, it
 * refuses a file that starts with qcow2's magic rather than show the
 * guest a qcow2 image's metadata as its disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "block/block-int.h"
#include "util/error.h"

/* Read through a plain descriptor: the file node's may be O_DIRECT. */
static bool raw_is_qcow2(const char *filename)
{
    uint8_t magic[4];
    int fd = open(filename, O_RDONLY | O_CLOEXEC);
    bool qcow2;

    if (fd < 0) {
        return false;
    }
    qcow2 = pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
            !memcmp(magic, "QFI\xfb", 4);
    close(fd);
    return qcow2;
}

static bool raw_open(BlockDriverState *bs, const BlockOptions *o, GError **errp)
{
    if (!o->format && raw_is_qcow2(bs->filename)) {
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
