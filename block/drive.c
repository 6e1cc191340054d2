/*
 * The registry of opened drives. -drive only describes a drive; the
 * system opens it before the board is built, and the board (if=ide) or a
 * device's drive property (if=none) picks it up from here.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "block/block-int.h"
#include "block/drive.h"
#include "util/cutils.h"
#include "util/error.h"
#include "util/keyval.h"

static GPtrArray *drives; /* DriveConfig *, owned by the VMConfig */

void drive_config_free(DriveConfig *drive)
{
    if (!drive) {
        return;
    }
    g_free(drive->spec);
    g_free(drive->file);
    g_free(drive->format);
    g_free(drive->id);
    g_free(drive->node_name);
    g_free(drive);
}

const char *drive_interface_name(BlockInterfaceType iface)
{
    switch (iface) {
    case IF_IDE:
        return "ide";
    case IF_VIRTIO:
        return "virtio";
    case IF_PFLASH:
        return "pflash";
    default:
        return "none";
    }
}

/* QEMU's words for a bad boolean of -drive. */
static bool drive_bool(KeyValList *kv, const char *key, bool *out,
                       GError **errp)
{
    const char *v = keyval_get(kv, key);

    if (v && !parse_bool(v, out, NULL)) {
        return error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
    }
    return true;
}

/* Index of v in names (NULL-terminated), or -1. */
static int drive_lookup(const char *v, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        if (!strcmp(v, names[i])) {
            return i;
        }
    }
    return -1;
}

bool drive_parse_options(KeyValList *kv, BlockOptions *o, GError **errp)
{
    static const char *const aio_names[] = {"threads", "native", "io_uring",
                                            NULL};
    /* off and on are QEMU's older spellings of ignore and unmap. */
    static const char *const discard_names[] = {"ignore", "unmap", "off", "on",
                                                NULL};
    static const char *const zeroes_names[] = {"off", "on", "unmap", NULL};
    static const char *const locking_names[] = {"auto", "on", "off", NULL};
    const char *v;
    int i;

    v = keyval_get(kv, "cache");
    if (v && !blk_options_set_cache(o, v)) {
        return error_setg(errp, "invalid cache option");
    }
    if (!drive_bool(kv, "cache.writeback", &o->writeback, errp) ||
        !drive_bool(kv, "cache.direct", &o->direct, errp) ||
        !drive_bool(kv, "cache.no-flush", &o->no_flush, errp)) {
        return false;
    }
    v = keyval_get(kv, "aio");
    if (v) {
        if ((i = drive_lookup(v, aio_names)) < 0) {
            return error_setg(errp, "invalid aio option");
        }
        o->aio = (BlockAioMode)i;
    }
    v = keyval_get(kv, "discard");
    if (v) {
        if ((i = drive_lookup(v, discard_names)) < 0) {
            return error_setg(errp, "Invalid discard option");
        }
        o->discard = i % 2 ? BLOCK_DISCARD_UNMAP : BLOCK_DISCARD_IGNORE;
    }
    if (keyval_has(kv, "l2-cache-size") &&
        !keyval_get_size(kv, "l2-cache-size", 0, &o->l2_cache_size, errp)) {
        return false;
    }
    v = keyval_get(kv, "detect-zeroes");
    if (v) {
        if ((i = drive_lookup(v, zeroes_names)) < 0) {
            return error_setg(errp, "invalid parameter value: %s", v);
        }
        o->detect_zeroes = (BlockDetectZeroes)i;
    }
    v = keyval_get(kv, "file.locking");
    if (v) {
        if ((i = drive_lookup(v, locking_names)) < 0) {
            return error_setg(errp, "invalid parameter value: %s", v);
        }
        o->locking = (BlockLockingMode)i;
    }
    if (o->aio == BLOCK_AIO_NATIVE && !o->direct) {
        return error_setg(errp, "aio=native was specified, but it requires "
                                "cache.direct=on, which was not specified.");
    }
    return true;
}

/*
 * snapshot=on: the image opened read-only under a new qcow2 overlay in
 * $TMPDIR (else /var/tmp, as QEMU), which takes every write. The overlay
 * file is unlinked as soon as it is open, so nothing is left behind
 * however pcvm ends.
 */
static BlockBackend *drive_open_snapshot(DriveConfig *drive, GError **errp)
{
    const char *dir = g_getenv("TMPDIR") ? g_getenv("TMPDIR") : "/var/tmp";
    g_autofree char *tmp = g_build_filename(dir, "vl.XXXXXX", NULL);
    g_autofree char *abs = NULL;
    BlockOptions o = drive->opts;
    BlockDriverState *base, *top;
    Qcow2CreateOptions co = {0};
    BlockBackend *blk;
    int fd;

    o.format = drive->format;
    o.read_only = true;
    base = bdrv_open_image(drive->file, &o, NULL, errp);
    if (!base) {
        return NULL;
    }
    fd = g_mkstemp(tmp);
    if (fd < 0) {
        error_setg(errp, "Could not create temporary overlay '%s': %s", tmp,
                   g_strerror(errno));
        bdrv_unref(base);
        return NULL;
    }
    close(fd);
    abs = g_canonicalize_filename(drive->file, NULL);
    co.backing_file = abs;
    co.backing_format = base->drv->name;
    o = drive->opts;
    o.format = "qcow2";
    o.read_only = false;
    o.backing = base->node_name;
    top = qcow2_create(tmp, bdrv_getlength(base), &co, errp)
              ? bdrv_open_image(tmp, &o, drive->node_name, errp)
              : NULL;
    unlink(tmp);
    bdrv_unref(base); /* the overlay holds it now */
    if (!top) {
        return NULL;
    }
    blk = blk_new_on_node(top, &o, errp);
    bdrv_unref(top);
    return blk;
}

bool drive_open(DriveConfig *drive, GError **errp)
{
    if (bdrv_find_node(drive->id)) {
        return error_setg(errp,
                          "Device name '%s' conflicts with an existing node "
                          "name",
                          drive->id);
    }
    if (drive->file && drive->snapshot) {
        drive->blk = drive_open_snapshot(drive, errp);
    } else if (drive->file) {
        BlockOptions o = drive->opts;

        o.format = drive->format;
        o.read_only = drive->read_only;
        drive->blk = blk_open_as(drive->file, drive->node_name, &o, errp);
    } else {
        drive->blk = blk_new_empty(drive->read_only);
    }
    if (!drive->blk) {
        return false;
    }
    if (!drives) {
        drives = g_ptr_array_new();
    }
    g_ptr_array_add(drives, drive);
    return true;
}

DriveConfig *drive_get(BlockInterfaceType iface, int bus, int unit)
{
    for (unsigned i = 0; drives && i < drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(drives, i);

        if (d->iface == iface && d->bus == bus && d->unit == unit) {
            return d;
        }
    }
    return NULL;
}

DriveConfig *drive_find_by_id(const char *id)
{
    for (unsigned i = 0; drives && i < drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(drives, i);

        if (*d->id && !strcmp(d->id, id)) {
            return d;
        }
    }
    return NULL;
}

DriveConfig *drive_find_or_attach(const char *name, GError **errp)
{
    DriveConfig *d = drive_find_by_id(name);
    BlockBackend *blk;

    if (d || !*name) {
        return d;
    }
    blk = blk_new_on_named_node(name, errp);
    if (!blk) {
        return NULL;
    }
    d = g_new0(DriveConfig, 1);
    d->spec = g_strdup_printf("drive=%s", name);
    d->file = g_strdup(blk_filename(blk));
    d->iface = IF_NONE;
    d->read_only = blk_is_read_only(blk);
    d->id = g_strdup("");
    d->blk = blk;
    blk_get_options(blk, &d->opts);
    d->opts.format = NULL;
    g_ptr_array_add(drive_list(), d);
    return d;
}

void drive_release(DriveConfig *drive)
{
    drive->attached = NULL;
    if (*drive->id) {
        return;
    }
    g_ptr_array_remove(drive_list(), drive);
    blk_unref(drive->blk);
    drive_config_free(drive);
}

GPtrArray *drive_list(void)
{
    if (!drives) {
        drives = g_ptr_array_new();
    }
    return drives;
}

void drive_close_all(void)
{
    for (unsigned i = 0; drives && i < drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(drives, i);

        blk_unref(d->blk);
        d->blk = NULL;
        if (!*d->id) {
            drive_config_free(d); /* anonymous: not the VMConfig's */
        }
    }
    if (drives) {
        g_ptr_array_set_size(drives, 0);
    }
}
