/*
 * isa-debugcon: Bochs-style debug console port (0xe9 by default). Bytes
 * written go to its chardev; a read returns the "readback" value (0xe9) so
 * firmware can detect the port.
 */
#include "hw/char/char-prop.h"
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"

typedef struct DebugconState {
    DeviceState parent_obj;
    uint32_t iobase;
    uint32_t readback;
    CharFrontend chr;
    MemoryRegion io;
} DebugconState;

#define DEBUGCON(obj) DEVICE_CAST(DebugconState, obj, "isa-debugcon")

static uint64_t debugcon_read(void *opaque, uint64_t addr, unsigned size)
{
    DebugconState *s = opaque;

    return s->readback;
}

static void debugcon_write(void *opaque, uint64_t addr, uint64_t value,
                           unsigned size)
{
    DebugconState *s = opaque;
    uint8_t byte = value;

    if (s->chr.chr) {
        chardev_fe_write_all(&s->chr, &byte, 1);
    }
}

static const MemoryRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .valid_min = 1,
    .valid_max = 1,
};

static bool debugcon_realize(DeviceState *dev, GError **errp)
{
    DebugconState *s = DEBUGCON(dev);

    memory_region_init_io(&s->io, "isa-debugcon", &debugcon_ops, s, 1);
    isa_register_ioport(dev, &s->io, s->iobase);
    return true;
}

static const Property debugcon_properties[] = {
    DEFINE_PROP_UINT32("iobase", DebugconState, iobase, 0xe9),
    DEFINE_PROP_UINT32("readback", DebugconState, readback, 0xe9),
    DEFINE_PROP_CHARDEV("chardev", DebugconState, chr),
    DEFINE_PROP_END,
};

/* Writes go straight to the chardev; nothing is held. */
static const VMStateDescription vmstate_debugcon = {
    .name = "isa-debugcon",
    .version_id = 1,
    .minimum_version_id = 1,
};

static DeviceClass debugcon_class = {
    .name = "isa-debugcon",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(DebugconState),
    .props = debugcon_properties,
    .user_creatable = true,
    .realize = debugcon_realize,
    .vmsd = &vmstate_debugcon,
};

static void debugcon_register(void)
{
    device_class_register(&debugcon_class);
}
type_init(debugcon_register)
