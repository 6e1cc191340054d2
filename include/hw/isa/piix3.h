/*
 * Intel 82371SB PIIX3, function 0: the PCI-to-ISA bridge with the PIRQ
 * router that steers PCI INTA-D to ISA IRQs.
 */
#ifndef HW_ISA_PIIX3_H
#define HW_ISA_PIIX3_H

#include "hw/isa/isa.h"
#include "hw/pci/pci.h"

#define TYPE_PIIX3_DEVICE "PIIX3"
#define PIIX_PIRQRC 0x60 /* PIRQ[A-D] route control, 4 bytes */
#define PIIX_NUM_PIRQS 4
#define PIIX_PIRQRC_IRQEN 0x80 /* set: routing disabled */

/*
 * Creates the bridge at devfn (function 0 of a multifunction slot), its ISA
 * bus "isa.0" (ports in io, ISA memory in isa_memory, IRQs on isa_irqs) and
 * the PIRQ routing of bus's INTx lines.
 */
/*
 * The ISA bus behind a PIIX3 function 0, for the chip's other functions
 * (IDE at function 1); NULL if dev is not a PIIX3 ISA bridge.
 */
ISABus *piix3_isa_bus(PCIDevice *dev);

PCIDevice *piix3_create(PCIBus *bus, int devfn, MemoryRegion *io,
                        MemoryRegion *isa_memory, IRQLine **isa_irqs,
                        ISABus **isa_bus, GError **errp);

#endif
