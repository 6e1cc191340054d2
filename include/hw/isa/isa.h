/*
 * The ISA bus: 16 IRQ lines and the I/O port space. ISA devices register
 * their ports and take their IRQ line from here, so they never see how the
 * board wires IRQs to the interrupt controllers.
 */
#ifndef HW_ISA_ISA_H
#define HW_ISA_ISA_H

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "system/memory.h"

#define TYPE_ISA_DEVICE "isa-device"
#define ISA_BUS_TYPE "ISA"
#define ISA_NUM_IRQS 16

typedef struct ISABus {
    BusState *bus;
    MemoryRegion *io;
    MemoryRegion *memory;
    IRQLine *irqs[ISA_NUM_IRQS];
} ISABus;

ISABus *isa_bus_new(DeviceState *parent, MemoryRegion *io, MemoryRegion *memory,
                    IRQLine **irqs);
ISABus *isa_bus_from_device(DeviceState *dev);
/* ISA IRQ n of the device's bus; NULL (not connected) for n out of range. */
IRQLine *isa_get_irq(DeviceState *dev, unsigned n);
void isa_register_ioport(DeviceState *dev, MemoryRegion *mr, uint16_t port);
void isa_unregister_ioport(DeviceState *dev, MemoryRegion *mr);

#endif
