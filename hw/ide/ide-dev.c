/*
 * "ide-hd" and "ide-cd": a hard disk or an ATAPI CD-ROM on one unit of an
 * IDE channel (a bus of kind TYPE_IDE_BUS, "ide.0", "ide.1", ...), QEMU's
 * devices of those names and properties: drive=, unit= (the first free
 * one when not given), serial=, model=, ver=, wwn=, logical_block_size=
 * (IDE transfers 512-byte sectors only) and physical_block_size=; an
 * ide-hd also takes cyls=, heads=, secs= and bios-chs-trans=. The
 * board turns -drive if=ide into these, so `info qtree` shows every drive
 * as a device on its channel.
 */
#include <inttypes.h>

#include "block/block.h"
#include "hw/block/drive-prop.h"
#include "hw/ide/ide.h"
#include "util/error.h"

#define TYPE_IDE_DEVICE "ide-device"
#define IDE_BLOCK_SIZE_MAX (2u << 20)

typedef struct IDEDevice {
    DeviceState parent_obj;
    /* properties */
    DriveConfig *drive;
    uint32_t unit; /* UINT32_MAX: the first free unit */
    char *serial, *model, *version;
    uint64_t wwn;
    uint64_t logical_block_size, physical_block_size;
    uint32_t cyls, heads, secs; /* ide-hd: 0, 0, 0 to guess */
    int chs_trans;              /* ide-hd: IDEBiosTranslation */

    BlockBackend *empty; /* an ide-cd without drive=: its empty tray */
} IDEDevice;

#define IDE_DEVICE(obj) DEVICE_CAST(IDEDevice, obj, TYPE_IDE_DEVICE)

/* QEMU's rule and words for a block size property: a power of 2 in range. */
static bool ide_dev_block_size(const char *name, uint64_t v, GError **errp)
{
    if (v < 512 || v > IDE_BLOCK_SIZE_MAX) {
        return error_setg(errp,
                          "Property .%s doesn't take value %" PRIu64
                          " (minimum: 512, maximum: %u)",
                          name, v, IDE_BLOCK_SIZE_MAX);
    }
    if (v & (v - 1)) {
        return error_setg(errp,
                          "Property .%s doesn't take value '%" PRIu64
                          "', it's not a power of 2",
                          name, v);
    }
    return true;
}

static bool ide_dev_realize(DeviceState *dev, IDEDriveKind kind, GError **errp)
{
    IDEDevice *d = IDE_DEVICE(dev);
    IDEBus *bus = dev->parent_bus->opaque;
    BlockBackend *blk;
    IDEDriveOptions opts = {
        .serial = d->serial,
        .model = d->model,
        .version = d->version,
        .wwn = d->wwn,
        .physical_block_size = d->physical_block_size,
        .cyls = d->cyls,
        .heads = d->heads,
        .secs = d->secs,
        .chs_trans = d->chs_trans,
    };

    if (d->unit == UINT32_MAX) {
        d->unit = bus->ifs[0].kind == IDE_NONE ? 0 : 1;
    }
    if (d->unit > 1) {
        return error_setg(errp,
                          "Can't create IDE unit %u, bus supports only 2 units",
                          d->unit);
    }
    if (bus->ifs[d->unit].kind != IDE_NONE) {
        return error_setg(errp, "IDE unit %u is in use", d->unit);
    }
    if (!ide_dev_block_size("logical_block_size", d->logical_block_size,
                            errp) ||
        !ide_dev_block_size("physical_block_size", d->physical_block_size,
                            errp)) {
        return false;
    }
    if (d->logical_block_size > d->physical_block_size) {
        return error_setg(
            errp, "logical_block_size > physical_block_size not supported");
    }
    if (d->logical_block_size != 512) {
        return error_setg(errp, "logical_block_size must be 512 for IDE");
    }
    if (!d->drive && kind == IDE_HD) {
        return error_setg(errp, "No drive specified");
    }
    if (d->drive) {
        blk = d->drive->blk;
    } else {
        blk = d->empty = blk_new_empty(true);
    }
    if (!ide_bus_attach(bus, d->unit, blk, kind, &opts, errp)) {
        return false;
    }
    /* What the drive reports, as QEMU shows it afterwards. */
    if (!d->serial) {
        d->serial = g_strdup(bus->ifs[d->unit].serial);
    }
    if (!d->version) {
        d->version = g_strdup(bus->ifs[d->unit].version);
    }
    return true;
}

static bool ide_hd_realize(DeviceState *dev, GError **errp)
{
    return ide_dev_realize(dev, IDE_HD, errp);
}

static bool ide_cd_realize(DeviceState *dev, GError **errp)
{
    return ide_dev_realize(dev, IDE_CD, errp);
}

/*
 * The drive's registers are its channel's (vmstate_ide_bus, in the
 * controller's description); the device itself adds none.
 */
static const VMStateDescription vmstate_ide_dev = {
    .name = "ide-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_END_OF_LIST(),
        },
};

static const Property ide_dev_properties[] = {
    DEFINE_PROP_DRIVE("drive", IDEDevice, drive),
    DEFINE_PROP_UINT32("unit", IDEDevice, unit, UINT32_MAX),
    DEFINE_PROP_STRING("serial", IDEDevice, serial),
    DEFINE_PROP_STRING("model", IDEDevice, model),
    DEFINE_PROP_STRING("ver", IDEDevice, version),
    DEFINE_PROP_UINT64("wwn", IDEDevice, wwn, 0),
    DEFINE_PROP_SIZE("logical_block_size", IDEDevice, logical_block_size, 512),
    DEFINE_PROP_SIZE("physical_block_size", IDEDevice, physical_block_size,
                     512),
    DEFINE_PROP_END,
};

static const char *const ide_chs_trans_names[] = {
    [IDE_CHS_TRANS_AUTO] = "auto",   [IDE_CHS_TRANS_NONE] = "none",
    [IDE_CHS_TRANS_LBA] = "lba",     [IDE_CHS_TRANS_LARGE] = "large",
    [IDE_CHS_TRANS_RECHS] = "rechs", NULL,
};

static const PropertyInfo prop_info_bios_chs_trans =
    PROP_ENUM_KIND("BiosAtaTranslation",
                   "Logical CHS translation algorithm "
                   "(auto/none/lba/large/rechs)",
                   ide_chs_trans_names);

static const Property ide_hd_properties[] = {
    DEFINE_PROP_UINT32("cyls", IDEDevice, cyls, 0),
    DEFINE_PROP_UINT32("heads", IDEDevice, heads, 0),
    DEFINE_PROP_UINT32("secs", IDEDevice, secs, 0),
    DEFINE_PROP("bios-chs-trans", IDEDevice, chs_trans,
                prop_info_bios_chs_trans, IDE_CHS_TRANS_AUTO),
    DEFINE_PROP_END,
};

static DeviceClass ide_device_class = {
    .name = TYPE_IDE_DEVICE,
    .bus_type = TYPE_IDE_BUS,
    .category = DEVICE_CATEGORY_STORAGE,
    .instance_size = sizeof(IDEDevice),
    .props = ide_dev_properties,
    .abstract = true,
};

static DeviceClass ide_hd_class = {
    .name = "ide-hd",
    .parent = TYPE_IDE_DEVICE,
    .bus_type = TYPE_IDE_BUS,
    .description = "virtual IDE disk",
    .category = DEVICE_CATEGORY_STORAGE,
    .instance_size = sizeof(IDEDevice),
    .user_creatable = true,
    .props = ide_hd_properties,
    .realize = ide_hd_realize,
    .vmsd = &vmstate_ide_dev,
};

static DeviceClass ide_cd_class = {
    .name = "ide-cd",
    .parent = TYPE_IDE_DEVICE,
    .bus_type = TYPE_IDE_BUS,
    .description = "virtual IDE CD-ROM",
    .category = DEVICE_CATEGORY_STORAGE,
    .instance_size = sizeof(IDEDevice),
    .user_creatable = true,
    .realize = ide_cd_realize,
    .vmsd = &vmstate_ide_dev,
};

static void ide_dev_register(void)
{
    device_class_register(&ide_device_class);
    device_class_register(&ide_hd_class);
    device_class_register(&ide_cd_class);
}
type_init(ide_dev_register)
