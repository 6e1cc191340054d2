/*
 * "isa-ide": one legacy IDE channel on the ISA bus, QEMU's device of that
 * name: the command block at iobase (8 ports), the control block at
 * iobase2 (1 port) and an ISA IRQ. Its master and slave come from -drive
 * (by id, the "drive" and "drive1" properties, pcvm's own); a CD-ROM drive
 * (media=cdrom) becomes an ATAPI device. Its channel is also a bus, the
 * next "ide.N", for ide-hd and ide-cd devices as in QEMU. PIO only: an ISA
 * channel has no bus master.
 */
#include "hw/block/drive-prop.h"
#include "hw/ide/ide.h"
#include "hw/isa/isa.h"
#include "util/error.h"

typedef struct ISAIDEState {
    DeviceState parent_obj;
    /* properties */
    uint32_t iobase, iobase2, irq;
    DriveConfig *drive[2]; /* drive=, drive1= (claimed when set) */

    IDEBus bus;
} ISAIDEState;

#define ISA_IDE(obj) DEVICE_CAST(ISAIDEState, obj, "isa-ide")

static void isa_ide_reset(DeviceState *dev)
{
    ISAIDEState *s = ISA_IDE(dev);

    ide_bus_reset(&s->bus);
}

static bool isa_ide_attach(ISAIDEState *s, int unit, GError **errp)
{
    DriveConfig *drive = s->drive[unit];

    if (!drive) {
        return true;
    }
    if (!ide_bus_attach(&s->bus, unit, drive->blk,
                        drive->media == MEDIA_CDROM ? IDE_CD : IDE_HD, NULL,
                        errp)) {
        error_prefix(errp, "%s", drive->spec);
        return false;
    }
    return true;
}

static bool isa_ide_realize(DeviceState *dev, GError **errp)
{
    ISAIDEState *s = ISA_IDE(dev);
    g_autofree char *name = NULL;

    if (s->irq >= ISA_NUM_IRQS) {
        return error_setg(errp, "isa-ide: irq %u out of range (0-15)", s->irq);
    }
    name = ide_bus_next_name();
    ide_bus_init(&s->bus, name);
    ide_bus_add_qbus(&s->bus, dev);
    if (!isa_ide_attach(s, 0, errp) || !isa_ide_attach(s, 1, errp)) {
        return false;
    }
    ide_bus_init_ioports(&s->bus);
    ide_bus_set_irq(&s->bus, isa_get_irq(dev, s->irq));
    isa_register_ioport(dev, &s->bus.cmd_io, s->iobase);
    isa_register_ioport(dev, &s->bus.ctl_io, s->iobase2);
    return true;
}

static const VMStateDescription vmstate_isa_ide = {
    .name = "isa-ide",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(bus, ISAIDEState, vmstate_ide_bus, IDEBus),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property isa_ide_properties[] = {
    DEFINE_PROP_UINT32("iobase", ISAIDEState, iobase, 0x1f0),
    DEFINE_PROP_UINT32("iobase2", ISAIDEState, iobase2, 0x3f6),
    DEFINE_PROP_UINT32("irq", ISAIDEState, irq, 14),
    DEFINE_PROP_DRIVE("drive", ISAIDEState, drive[0]),
    DEFINE_PROP_DRIVE("drive1", ISAIDEState, drive[1]),
    DEFINE_PROP_END,
};

static DeviceClass isa_ide_class = {
    .name = "isa-ide",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .description = "ISA IDE channel",
    .category = DEVICE_CATEGORY_STORAGE,
    .instance_size = sizeof(ISAIDEState),
    .props = isa_ide_properties,
    .user_creatable = true,
    .realize = isa_ide_realize,
    .reset = isa_ide_reset,
    .vmsd = &vmstate_isa_ide,
};

static void isa_ide_register(void)
{
    device_class_register(&isa_ide_class);
}
type_init(isa_ide_register)
