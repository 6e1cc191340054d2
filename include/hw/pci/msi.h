/*
 * MSI capability (PCI 3.0, 6.8.1): a function signals an interrupt by a
 * memory write of the programmed data to the programmed address, which the
 * platform (the bus's msi_deliver) turns into an interrupt.
 */
#ifndef HW_PCI_MSI_H
#define HW_PCI_MSI_H

#include "hw/pci/pci.h"

#define PCI_MSI_FLAGS 2
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_QMASK 0x000e /* multiple message capable */
#define PCI_MSI_FLAGS_QSIZE 0x0070 /* multiple message enable */
#define PCI_MSI_FLAGS_64BIT 0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100
#define PCI_MSI_ADDRESS_LO 4

/*
 * Adds the capability at offset (0: anywhere) for nr_vectors (1, 2, 4, 8,
 * 16 or 32), with a 64-bit address and per-vector masking if asked.
 */
int msi_init(PCIDevice *dev, uint8_t offset, unsigned nr_vectors, bool is_64bit,
             bool per_vector_mask, GError **errp);
bool msi_enabled(PCIDevice *dev);
/* Sends vector, or marks it pending while it is masked. */
void msi_notify(PCIDevice *dev, unsigned vector);
/* Called by the PCI core after every config write (delivers unmasked
 * pending vectors). */
void msi_config_write(PCIDevice *dev, uint32_t addr, unsigned len);

#endif
