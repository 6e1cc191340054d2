/*
 * The Intel 82441FX PCI and memory controller (i440FX host bridge) and its
 * configuration mechanism #1 at 0xCF8/0xCFC.
 */
#ifndef HW_PCI_HOST_I440FX_H
#define HW_PCI_HOST_I440FX_H

#include "hw/pci/pci.h"

#define TYPE_I440FX_PCI_HOST "i440FX-pcihost"
#define TYPE_I440FX_PCI_DEVICE "i440FX"

/* 82441FX configuration registers (datasheet 3.2). */
#define I440FX_PAM0 0x59
#define I440FX_PAM_COUNT 7
#define I440FX_SMRAM 0x72
#define I440FX_SMRAM_C_BASE_SEG 0x02 /* fixed: SMRAM at 0xA0000 */
#define I440FX_SMRAM_G_SMRAME 0x08
#define I440FX_SMRAM_D_LCK 0x10
#define I440FX_SMRAM_D_CLS 0x20
#define I440FX_SMRAM_D_OPEN 0x40

/*
 * Creates the host bridge on the system bus with its PCI bus "pci.0"
 * (BARs in pci_memory and system_io, DMA into address_space_memory) and the
 * 82441FX function at 00.0, which shadows 0xA0000-0xFFFFF between RAM and
 * pci_memory (PAM, SMRAM).
 */
PCIBus *i440fx_init(MachineState *ms, MemoryRegion *ram,
                    MemoryRegion *pci_memory, PCIDevice **i440fx,
                    GError **errp);
/*
 * Makes 0xC0000-0xFFFFF read/write RAM, as firmware leaves it; for boots
 * that run no firmware.
 */
void i440fx_pam_set_ram(PCIDevice *i440fx);

#endif
