/*
 * MSI-X (PCI 3.0, 6.8.2). The table and pending-bit array are MMIO regions
 * placed inside the function's BARs; the capability in config space holds
 * the enable and function-mask bits. A masked vector that fires sets its
 * pending bit and is sent when unmasked.
 */
#include <string.h>

#include "hw/pci/msix.h"
#include "util/error.h"
#include "util/log.h"

static uint16_t msix_flags(PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msix_cap + PCI_MSIX_FLAGS);
}

bool msix_enabled(PCIDevice *dev)
{
    return dev->msix_cap && (msix_flags(dev) & PCI_MSIX_FLAGS_ENABLE);
}

static bool msix_masked(PCIDevice *dev, unsigned vector)
{
    return (msix_flags(dev) & PCI_MSIX_FLAGS_MASKALL) ||
           (dev->msix_table[vector].control & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static bool msix_pending(PCIDevice *dev, unsigned vector)
{
    return dev->msix_pending[vector / 8] & (1u << (vector % 8));
}

static void msix_set_pending(PCIDevice *dev, unsigned vector, bool pending)
{
    if (pending) {
        dev->msix_pending[vector / 8] |= 1u << (vector % 8);
    } else {
        dev->msix_pending[vector / 8] &= ~(1u << (vector % 8));
    }
}

static void msix_send(PCIDevice *dev, unsigned vector)
{
    MSIXVector *v = &dev->msix_table[vector];

    pci_msi_send(dev, v->address, v->data);
}

void msix_notify(PCIDevice *dev, unsigned vector)
{
    if (!msix_enabled(dev) || vector >= dev->msix_entries) {
        return;
    }
    if (msix_masked(dev, vector)) {
        msix_set_pending(dev, vector, true);
        return;
    }
    msix_send(dev, vector);
}

/* Sends what became unmasked while pending. */
static void msix_flush_pending(PCIDevice *dev)
{
    if (!msix_enabled(dev)) {
        return;
    }
    for (unsigned v = 0; v < dev->msix_entries; v++) {
        if (msix_pending(dev, v) && !msix_masked(dev, v)) {
            msix_set_pending(dev, v, false);
            msix_send(dev, v);
        }
    }
}

void msix_config_write(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint32_t flags = dev->msix_cap + PCI_MSIX_FLAGS;

    if (dev->msix_cap && addr < flags + 2 && addr + len > flags) {
        msix_flush_pending(dev);
    }
}

static uint64_t msix_table_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIDevice *dev = opaque;
    MSIXVector *v = &dev->msix_table[addr / PCI_MSIX_ENTRY_SIZE];

    switch (addr % PCI_MSIX_ENTRY_SIZE) {
    case 0:
        return (uint32_t)v->address;
    case 4:
        return v->address >> 32;
    case 8:
        return v->data;
    default:
        return v->control;
    }
}

static void msix_table_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    PCIDevice *dev = opaque;
    unsigned vector = addr / PCI_MSIX_ENTRY_SIZE;
    MSIXVector *v = &dev->msix_table[vector];

    switch (addr % PCI_MSIX_ENTRY_SIZE) {
    case 0:
        v->address = (v->address & ~0xffffffffull) | (uint32_t)value;
        break;
    case 4:
        v->address = (v->address & 0xffffffffull) | (value << 32);
        break;
    case 8:
        v->data = value;
        break;
    default:
        v->control = value & PCI_MSIX_ENTRY_CTRL_MASKBIT;
        msix_flush_pending(dev);
        break;
    }
    if (dev->msix_vector_changed) {
        dev->msix_vector_changed(dev, vector);
    }
}

/* Table entries are dwords (a qword access is split in two). */
static const MemoryRegionOps msix_table_ops = {
    .read = msix_table_read,
    .write = msix_table_write,
    .valid_min = 4,
    .valid_max = 8,
    .impl_min = 4,
    .impl_max = 4,
};

static uint64_t msix_pba_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIDevice *dev = opaque;
    uint64_t value = 0;
    unsigned bytes = (dev->msix_entries + 7) / 8;

    for (unsigned i = 0; i < size; i++) {
        if (addr + i < bytes) {
            value |= (uint64_t)dev->msix_pending[addr + i] << (8 * i);
        }
    }
    return value;
}

static void msix_pba_write(void *opaque, uint64_t addr, uint64_t value,
                           unsigned size)
{
    log_mask_printf(LOG_GUEST_ERROR,
                    "msix: write to the read-only pending "
                    "bit array at 0x%" PRIx64 "\n",
                    addr);
}

static const MemoryRegionOps msix_pba_ops = {
    .read = msix_pba_read,
    .write = msix_pba_write,
    .valid_min = 4,
    .valid_max = 8,
    .impl_min = 1,
    .impl_max = 8,
};

int msix_init(PCIDevice *dev, unsigned nentries, MemoryRegion *table_bar,
              uint8_t table_bar_nr, uint32_t table_offset,
              MemoryRegion *pba_bar, uint8_t pba_bar_nr, uint32_t pba_offset,
              uint8_t cap_pos, GError **errp)
{
    uint64_t table_size = (uint64_t)nentries * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_size = ((nentries + 63) / 64) * 8;
    int pos;

    if (!nentries || nentries > 2048) {
        error_setg(errp, "MSI-X: %u vectors (1 to 2048)", nentries);
        return -1;
    }
    if ((table_offset | pba_offset) & 7 ||
        table_offset + table_size > table_bar->size ||
        pba_offset + pba_size > pba_bar->size ||
        (table_bar == pba_bar && table_offset < pba_offset + pba_size &&
         pba_offset < table_offset + table_size)) {
        error_setg(errp, "MSI-X: table or pending bits do not fit the BAR");
        return -1;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_MSIX, cap_pos, 12, errp);
    if (pos < 0) {
        return pos;
    }
    dev->msix_cap = pos;
    dev->msix_entries = nentries;
    dev->msix_table = g_new0(MSIXVector, nentries);
    dev->msix_pending = g_malloc0(pba_size);
    dev->msix_pba_bytes = pba_size;
    pci_set_word(dev->config + pos + PCI_MSIX_FLAGS, nentries - 1);
    pci_set_word(dev->wmask + pos + PCI_MSIX_FLAGS,
                 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    pci_set_long(dev->config + pos + PCI_MSIX_TABLE,
                 table_offset | table_bar_nr);
    pci_set_long(dev->config + pos + PCI_MSIX_PBA, pba_offset | pba_bar_nr);
    memory_region_init_io(&dev->msix_table_mr, "msix-table", &msix_table_ops,
                          dev, table_size);
    memory_region_add_subregion(table_bar, table_offset, &dev->msix_table_mr);
    memory_region_init_io(&dev->msix_pba_mr, "msix-pba", &msix_pba_ops, dev,
                          pba_size);
    memory_region_add_subregion(pba_bar, pba_offset, &dev->msix_pba_mr);
    msix_reset(dev);
    return pos;
}

void msix_reset(PCIDevice *dev)
{
    if (!dev->msix_cap) {
        return;
    }
    for (unsigned v = 0; v < dev->msix_entries; v++) {
        dev->msix_table[v] =
            (MSIXVector){.control = PCI_MSIX_ENTRY_CTRL_MASKBIT};
    }
    memset(dev->msix_pending, 0, dev->msix_pba_bytes);
}
