/*
 * pvpanic (QEMU's ISA pvpanic device, ACPI id QEMU0001): one I/O port,
 * 0x505 by default. Reading it gives the events the device supports
 * (events=, bit 0 PANICKED, bit 1 CRASH_LOADED); a guest writes bit 0 when
 * it panics and bit 1 when a crash kernel took over. A panic sends
 * GUEST_PANICKED and does what -action panic= says (the default: shut
 * down); a loaded crash kernel sends GUEST_CRASHLOADED. Bits the device
 * does not offer are ignored.
 */
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "system/runstate.h"
#include "util/error.h"

#define PVPANIC_PANICKED (1u << 0)
#define PVPANIC_CRASH_LOADED (1u << 1)

typedef struct PVPanicState {
    DeviceState parent_obj;
    uint32_t ioport;
    uint32_t events;
    MemoryRegion io;
} PVPanicState;

#define PVPANIC(obj) DEVICE_CAST(PVPanicState, obj, "pvpanic")

static uint64_t pvpanic_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((PVPanicState *)opaque)->events;
}

static void pvpanic_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    PVPanicState *s = opaque;

    value &= s->events;
    if (value & PVPANIC_PANICKED) {
        system_guest_panic_request(false);
    } else if (value & PVPANIC_CRASH_LOADED) {
        system_guest_panic_request(true);
    }
}

static const MemoryRegionOps pvpanic_ops = {
    .read = pvpanic_read,
    .write = pvpanic_write,
    .valid_min = 1,
    .valid_max = 1,
};

static bool pvpanic_realize(DeviceState *dev, GError **errp)
{
    PVPanicState *s = PVPANIC(dev);

    if (s->ioport > 0xffff) {
        return error_setg(errp, "Property 'pvpanic.ioport' must be at most "
                                "0xffff");
    }
    if (s->events & ~(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)) {
        return error_setg(errp, "Property 'pvpanic.events' has bits beyond "
                                "PANICKED (1) and CRASH_LOADED (2)");
    }
    memory_region_init_io(&s->io, "pvpanic", &pvpanic_ops, s, 1);
    isa_register_ioport(dev, &s->io, s->ioport);
    return true;
}

static const Property pvpanic_properties[] = {
    DEFINE_PROP_UINT32("ioport", PVPanicState, ioport, 0x505),
    DEFINE_PROP_UINT32("events", PVPanicState, events,
                       PVPANIC_PANICKED | PVPANIC_CRASH_LOADED),
    DEFINE_PROP_END,
};

/* Nothing of it changes while the guest runs. */
static const VMStateDescription vmstate_pvpanic = {
    .name = "pvpanic",
    .version_id = 1,
    .minimum_version_id = 1,
};

static DeviceClass pvpanic_class = {
    .name = "pvpanic",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_MISC,
    .description = "pvpanic device",
    .instance_size = sizeof(PVPanicState),
    .props = pvpanic_properties,
    .user_creatable = true,
    .realize = pvpanic_realize,
    .vmsd = &vmstate_pvpanic,
};

static void pvpanic_register(void)
{
    device_class_register(&pvpanic_class);
}
type_init(pvpanic_register)
