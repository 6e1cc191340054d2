/*
 * System control port A (port 0x92, "fast A20 and reset"), as on PS/2 and
 * every PC chipset since: bit 0 going from 0 to 1 resets the CPU, bit 1 is
 * the A20 gate. KVM has no A20 masking, so the gate is only stored.
 */
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "system/runstate.h"

#define PORT92_RESET 0x01
#define PORT92_A20 0x02

typedef struct Port92State {
    DeviceState parent_obj;
    MemoryRegion io;
    uint8_t value;
} Port92State;

#define PORT92(obj) DEVICE_CAST(Port92State, obj, "port92")

static uint64_t port92_read(void *opaque, uint64_t addr, unsigned size)
{
    Port92State *s = opaque;

    return s->value;
}

static void port92_write(void *opaque, uint64_t addr, uint64_t value,
                         unsigned size)
{
    Port92State *s = opaque;
    uint8_t old = s->value;

    s->value = value & ~PORT92_RESET;
    if ((value & PORT92_RESET) && !(old & PORT92_RESET)) {
        system_reset_request(RESET_CAUSE_GUEST);
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .valid_min = 1,
    .valid_max = 1,
};

static void port92_reset(DeviceState *dev)
{
    (PORT92(dev))->value = PORT92_A20;
}

static bool port92_realize(DeviceState *dev, GError **errp)
{
    Port92State *s = PORT92(dev);

    memory_region_init_io(&s->io, "port92", &port92_ops, s, 1);
    isa_register_ioport(dev, &s->io, 0x92);
    return true;
}

static const VMStateDescription vmstate_port92 = {
    .name = "port92",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(value, Port92State),
            VMSTATE_END_OF_LIST(),
        },
};

static DeviceClass port92_class = {
    .name = "port92",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .instance_size = sizeof(Port92State),
    .realize = port92_realize,
    .reset = port92_reset,
    .vmsd = &vmstate_port92,
};

static void port92_register(void)
{
    device_class_register(&port92_class);
}
type_init(port92_register)
