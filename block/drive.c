/*
 * The registry of opened drives. -drive only describes a drive; the
 * system opens it before the board is built, and the board (if=ide) or a
 * device's drive property (if=none) picks it up from here.
 */
#include <string.h>

#include "block/drive.h"
#include "util/error.h"

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
    g_free(drive);
}

const char *drive_interface_name(BlockInterfaceType iface)
{
    return iface == IF_IDE ? "ide" : "none";
}

bool drive_open(DriveConfig *drive, GError **errp)
{
    if (drive->file) {
        drive->blk =
            blk_open(drive->file, drive->format, drive->read_only, errp);
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

        if (!strcmp(d->id, id)) {
            return d;
        }
    }
    return NULL;
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
    }
    if (drives) {
        g_ptr_array_set_size(drives, 0);
    }
}
