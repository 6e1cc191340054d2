/*
 * The drive= property kind: a DriveConfig * field, set from a -drive id
 * or the name of a -blockdev node (QEMU's "drive" property). Setting it
 * claims the drive for the device, so a second device naming the same
 * drive is refused, with QEMU's words; a node gets a backend of its own.
 */
#include "hw/block/drive-prop.h"
#include "util/error.h"

static bool drive_prop_parse(DeviceState *dev, const Property *p, void *field,
                             const char *text, GError **errp)
{
    DriveConfig **slot = field;
    DriveConfig *drive;
    GError *err = NULL;

    if (*slot && (*slot)->blk &&
        !g_strcmp0(blk_node_name((*slot)->blk), text)) {
        return true;
    }
    drive = drive_find_or_attach(text, &err);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    if (!drive) {
        return error_setg(errp, "Property '%s.%s' can't find value '%s'",
                          dev->klass->name, p->name, text);
    }
    if (drive == *slot) {
        return true;
    }
    if (drive->attached) {
        return error_setg(
            errp, "Drive '%s' is already in use by another device", drive->id);
    }
    if (*slot) {
        drive_release(*slot);
    }
    drive->attached = dev;
    *slot = drive;
    return true;
}

static char *drive_prop_print(const Property *p, const void *field)
{
    const DriveConfig *drive = *(DriveConfig *const *)field;

    if (drive && !*drive->id) {
        return g_strdup(blk_node_name(drive->blk)); /* drive=NODE */
    }
    return g_strdup(drive ? drive->id : "");
}

static void drive_prop_release(const Property *p, void *field)
{
    DriveConfig **slot = field;

    if (*slot) {
        drive_release(*slot);
        *slot = NULL;
    }
}

const PropertyInfo prop_info_drive = {
    .name = "str",
    .description = "Node name or ID of a block device to use as a backend",
    .parse = drive_prop_parse,
    .print = drive_prop_print,
    .release = drive_prop_release,
    .quoted = true,
};
