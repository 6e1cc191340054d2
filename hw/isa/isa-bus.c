/* The ISA bus and its abstract device type. */
#include "hw/isa/isa.h"

ISABus *isa_bus_new(DeviceState *parent, MemoryRegion *io, MemoryRegion *memory,
                    IRQLine **irqs)
{
    ISABus *isa = g_new0(ISABus, 1);

    isa->bus = bus_new(parent, ISA_BUS_TYPE, "isa.0");
    isa->bus->opaque = isa;
    isa->io = io;
    isa->memory = memory;
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        isa->irqs[i] = irqs[i];
    }
    return isa;
}

ISABus *isa_bus_from_device(DeviceState *dev)
{
    g_assert(dev->parent_bus && dev->parent_bus->opaque);
    return dev->parent_bus->opaque;
}

IRQLine *isa_get_irq(DeviceState *dev, unsigned n)
{
    return n < ISA_NUM_IRQS ? isa_bus_from_device(dev)->irqs[n] : NULL;
}

void isa_register_ioport(DeviceState *dev, MemoryRegion *mr, uint16_t port)
{
    memory_region_add_subregion(isa_bus_from_device(dev)->io, port, mr);
}

void isa_unregister_ioport(DeviceState *dev, MemoryRegion *mr)
{
    memory_region_del_subregion(isa_bus_from_device(dev)->io, mr);
}

static DeviceClass isa_device_class = {
    .name = TYPE_ISA_DEVICE,
    .abstract = true,
    .bus_type = ISA_BUS_TYPE,
};

static void isa_register(void)
{
    device_class_register(&isa_device_class);
}
type_init(isa_register)
