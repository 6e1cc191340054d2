/*
 * MSI (PCI 3.0, 6.8.1). The capability's registers live in config space;
 * this file gives them their meaning. The message goes out through the
 * bus's msi_deliver, so devices never learn how the platform injects it.
 */
#include "hw/pci/msi.h"
#include "util/error.h"

static uint16_t msi_flags(PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS);
}

static bool msi_is_64bit(PCIDevice *dev)
{
    return msi_flags(dev) & PCI_MSI_FLAGS_64BIT;
}

static uint8_t msi_data_offset(PCIDevice *dev)
{
    return dev->msi_cap + (msi_is_64bit(dev) ? 0xc : 0x8);
}

static uint8_t msi_mask_offset(PCIDevice *dev)
{
    return dev->msi_cap + (msi_is_64bit(dev) ? 0x10 : 0xc);
}

int msi_init(PCIDevice *dev, uint8_t offset, unsigned nr_vectors, bool is_64bit,
             bool per_vector_mask, GError **errp)
{
    uint8_t size = (is_64bit ? 0xe : 0xa) + (per_vector_mask ? 0xa : 0);
    unsigned log2 = 0;
    uint16_t flags;
    int pos;

    g_assert(nr_vectors && nr_vectors <= 32 &&
             !(nr_vectors & (nr_vectors - 1)));
    while ((1u << log2) < nr_vectors) {
        log2++;
    }
    pos = pci_add_capability(dev, PCI_CAP_ID_MSI, offset, size, errp);
    if (pos < 0) {
        return pos;
    }
    dev->msi_cap = pos;
    flags = log2 << 1;
    flags |= is_64bit ? PCI_MSI_FLAGS_64BIT : 0;
    flags |= per_vector_mask ? PCI_MSI_FLAGS_MASKBIT : 0;
    pci_set_word(dev->config + pos + PCI_MSI_FLAGS, flags);
    pci_set_word(dev->wmask + pos + PCI_MSI_FLAGS,
                 PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    pci_set_long(dev->wmask + pos + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    if (is_64bit) {
        pci_set_long(dev->wmask + pos + 8, 0xffffffff);
    }
    pci_set_word(dev->wmask + msi_data_offset(dev), 0xffff);
    if (per_vector_mask) {
        uint32_t bits = nr_vectors == 32 ? 0xffffffff : (1u << nr_vectors) - 1;

        pci_set_long(dev->wmask + msi_mask_offset(dev), bits);
    }
    return pos;
}

bool msi_enabled(PCIDevice *dev)
{
    return dev->msi_cap && (msi_flags(dev) & PCI_MSI_FLAGS_ENABLE);
}

/* How many vectors the guest enabled (Multiple Message Enable). */
static unsigned msi_vectors_enabled(PCIDevice *dev)
{
    unsigned mme = (msi_flags(dev) & PCI_MSI_FLAGS_QSIZE) >> 4;
    unsigned mmc = (msi_flags(dev) & PCI_MSI_FLAGS_QMASK) >> 1;

    /* Enabling more than the function can do gets what it can do. */
    return 1u << MIN(mme, mmc);
}

static void msi_send(PCIDevice *dev, unsigned vector)
{
    uint64_t address =
        pci_get_long(dev->config + dev->msi_cap + PCI_MSI_ADDRESS_LO);
    uint16_t data = pci_get_word(dev->config + msi_data_offset(dev));
    unsigned n = msi_vectors_enabled(dev);

    if (msi_is_64bit(dev)) {
        address |= (uint64_t)pci_get_long(dev->config + dev->msi_cap + 8) << 32;
    }
    /* With n vectors the low log2(n) data bits carry the vector number. */
    data = (data & ~(n - 1)) | (vector & (n - 1));
    pci_msi_send(dev, address, data);
}

void msi_notify(PCIDevice *dev, unsigned vector)
{
    if (!msi_enabled(dev) || vector >= msi_vectors_enabled(dev)) {
        return;
    }
    if (msi_flags(dev) & PCI_MSI_FLAGS_MASKBIT) {
        uint8_t mask = msi_mask_offset(dev);

        if (pci_get_long(dev->config + mask) & (1u << vector)) {
            pci_set_long(dev->config + mask + 4,
                         pci_get_long(dev->config + mask + 4) | (1u << vector));
            return;
        }
    }
    msi_send(dev, vector);
}

void msi_config_write(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint8_t mask;
    uint32_t pending, masked;

    if (!dev->msi_cap || addr + len <= dev->msi_cap ||
        addr >= dev->msi_cap + 0x18u || !msi_enabled(dev) ||
        !(msi_flags(dev) & PCI_MSI_FLAGS_MASKBIT)) {
        return;
    }
    /* A vector unmasked while pending is sent now. */
    mask = msi_mask_offset(dev);
    masked = pci_get_long(dev->config + mask);
    pending = pci_get_long(dev->config + mask + 4);
    for (unsigned v = 0; v < msi_vectors_enabled(dev); v++) {
        if ((pending & (1u << v)) && !(masked & (1u << v))) {
            pending &= ~(1u << v);
            pci_set_long(dev->config + mask + 4, pending);
            msi_send(dev, v);
        }
    }
}
