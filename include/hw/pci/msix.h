/*
 * MSI-X capability (PCI 3.0, 6.8.2): a table of (address, data, mask)
 * entries and a pending-bit array, both in memory BARs of the function.
 */
#ifndef HW_PCI_MSIX_H
#define HW_PCI_MSIX_H

#include "hw/pci/pci.h"

#define PCI_MSIX_FLAGS 2
#define PCI_MSIX_FLAGS_QSIZE 0x07ff
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_PBA 8
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_VECTOR_CTRL 12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 1

/*
 * Adds the capability (at cap_pos, 0: anywhere) with nentries vectors; the
 * table appears at table_offset of BAR table_bar_nr (whose region is
 * table_bar, a container) and the pending bits at pba_offset of pba_bar.
 */
int msix_init(PCIDevice *dev, unsigned nentries, MemoryRegion *table_bar,
              uint8_t table_bar_nr, uint32_t table_offset,
              MemoryRegion *pba_bar, uint8_t pba_bar_nr, uint32_t pba_offset,
              uint8_t cap_pos, GError **errp);
bool msix_enabled(PCIDevice *dev);
/* Sends vector, or sets its pending bit while it (or the function) is
 * masked. */
void msix_notify(PCIDevice *dev, unsigned vector);
void msix_config_write(PCIDevice *dev, uint32_t addr, unsigned len);
/* Masks every vector and clears pending bits (function reset). */
void msix_reset(PCIDevice *dev);

#endif
