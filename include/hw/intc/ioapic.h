/*
 * The I/O APIC ("ioapic"): 24 GPIO inputs (the level of each pin) that it
 * turns into MSI-format messages for the local APICs.
 */
#ifndef HW_INTC_IOAPIC_H
#define HW_INTC_IOAPIC_H

#include <inttypes.h>

#include "hw/core/device.h"
#include "system/memory.h"

#define TYPE_IOAPIC "ioapic"

#define IOAPIC_NUM_PINS 24
#define IOAPIC_DEFAULT_ADDRESS 0xfec00000ull
#define IOAPIC_MMIO_SIZE 0x1000

/* Receives each interrupt message: address 0xFEExxxxx and data. */
typedef void IOAPICDeliver(uint64_t address, uint32_t data);

/* The registers, for the board to map (at IOAPIC_DEFAULT_ADDRESS on a PC). */
MemoryRegion *ioapic_mmio(DeviceState *dev);
/* Where messages go; without a callback they are dropped. */
void ioapic_set_delivery(DeviceState *dev, IOAPICDeliver *deliver);
/*
 * A local APIC broadcast an EOI for vector: level-triggered entries with
 * that vector get their remote IRR cleared (and fire again if still
 * asserted), as with a write to the version 0x20 EOI register.
 */
void ioapic_eoi_broadcast(DeviceState *dev, int vector);

#endif
