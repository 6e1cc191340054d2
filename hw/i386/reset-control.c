/*
 * The reset control register at port 0xCF9 (Intel PIIX3 datasheet, 2.2.7
 * "RC - Reset Control Register"): setting RCPU (bit 2) resets the system;
 * SRST (bit 1) picks a hard reset, which is the only kind pcvm has.
 * The register belongs to the PIIX3 but sits in the ISA port space, so it
 * is its own small device on the PIIX3's ISA bus.
 */
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "system/runstate.h"

#define RCR_SRST 0x02
#define RCR_RCPU 0x04

typedef struct ResetControlState {
    DeviceState parent_obj;
    MemoryRegion io;
    uint8_t rcr;
} ResetControlState;

#define RESET_CONTROL(obj) DEVICE_CAST(ResetControlState, obj, "reset-control")

static uint64_t rcr_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((ResetControlState *)opaque)->rcr;
}

static void rcr_write(void *opaque, uint64_t addr, uint64_t value,
                      unsigned size)
{
    ResetControlState *s = opaque;

    if (value & RCR_RCPU) {
        system_reset_request(RESET_CAUSE_GUEST);
        return;
    }
    s->rcr = value & RCR_SRST;
}

static const MemoryRegionOps rcr_ops = {
    .read = rcr_read,
    .write = rcr_write,
    .valid_min = 1,
    .valid_max = 1,
};

static void rcr_reset(DeviceState *dev)
{
    (RESET_CONTROL(dev))->rcr = 0;
}

static bool rcr_realize(DeviceState *dev, GError **errp)
{
    ResetControlState *s = RESET_CONTROL(dev);

    memory_region_init_io(&s->io, "reset-control", &rcr_ops, s, 1);
    isa_register_ioport(dev, &s->io, 0xcf9);
    return true;
}

static const VMStateDescription vmstate_rcr = {
    .name = "reset-control",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(rcr, ResetControlState),
            VMSTATE_END_OF_LIST(),
        },
};

static DeviceClass rcr_class = {
    .name = "reset-control",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .instance_size = sizeof(ResetControlState),
    .realize = rcr_realize,
    .reset = rcr_reset,
    .vmsd = &vmstate_rcr,
};

static void rcr_register(void)
{
    device_class_register(&rcr_class);
}
type_init(rcr_register)
