/*
 * Intel 82371SB PIIX3 function 1: the IDE controller ("piix3-ide",
 * 8086:7010): two legacy channels and the bus-master DMA engine at BAR4.
 */
#ifndef HW_IDE_PIIX_H
#define HW_IDE_PIIX_H

#include "hw/ide/ide.h"
#include "hw/isa/isa.h"
#include "hw/pci/pci.h"

#define TYPE_PIIX3_IDE "piix3-ide"

/*
 * Creates the function at devfn with the -drive if=ide drives (bus 0 and
 * 1, units 0 and 1): channel 0 at 0x1f0/0x3f6 on ISA IRQ 14, channel 1 at
 * 0x170/0x376 on IRQ 15, on the ISA bus of the PIIX3 bridge that must be
 * function 0 of the same slot (it is one chip).
 */
PCIDevice *piix3_ide_create(PCIBus *bus, int devfn, GError **errp);

/* Channel 0 (primary) or 1 (secondary) of the function; NULL beyond. */
IDEBus *piix3_ide_bus(PCIDevice *dev, unsigned channel);

#endif
