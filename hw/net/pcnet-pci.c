/*
 * `pcnet`: the AMD PCnet-PCI II (Am79C970A) on PCI, as QEMU's: 1022:2000
 * revision 0x10, class 0x0200, subsystem 0000:0000, the 32-byte register
 * window in I/O BAR0 and again in memory BAR1, INTA. The chip itself is
 * hw/net/pcnet.c; this file is only the bus glue. No option ROM.
 */
#include "hw/net/netdev-prop.h"
#include <string.h>

#include "hw/pci/pci.h"
#include "pcnet.h"
#include "util/error.h"

#define PCI_VENDOR_ID_AMD 0x1022
#define PCI_DEVICE_ID_AMD_LANCE 0x2000

typedef struct PCIPCNetState {
    PCIDevice parent_obj;
    PCNetState state;
    MemoryRegion io, mmio;
} PCIPCNetState;

#define PCI_PCNET(obj) DEVICE_CAST(PCIPCNetState, obj, "pcnet")

static uint64_t pcnet_pci_io_read(void *opaque, uint64_t addr, unsigned size)
{
    return pcnet_io_read(opaque, addr, size);
}

static void pcnet_pci_io_write(void *opaque, uint64_t addr, uint64_t val,
                               unsigned size)
{
    pcnet_io_write(opaque, addr, val, size);
}

static const MemoryRegionOps pcnet_pci_io_ops = {
    .read = pcnet_pci_io_read,
    .write = pcnet_pci_io_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

static MemTxResult pcnet_pci_dma_read(void *opaque, uint64_t addr, void *buf,
                                      uint64_t len)
{
    return pci_dma_read(opaque, addr, buf, len);
}

static MemTxResult pcnet_pci_dma_write(void *opaque, uint64_t addr,
                                       const void *buf, uint64_t len)
{
    return pci_dma_write(opaque, addr, buf, len);
}

static void pcnet_pci_set_irq(void *opaque, int level)
{
    pci_set_irq(opaque, level);
}

static void pcnet_pci_reset(PCIDevice *dev)
{
    pcnet_h_reset(&PCI_PCNET(dev)->state);
}

/* Enabling bus mastering lets queued frames in and the ring run. */
static void pcnet_pci_config_write(PCIDevice *dev, uint32_t addr,
                                   uint32_t value, unsigned len)
{
    bool was_master = dev->config[PCI_COMMAND] & PCI_COMMAND_MASTER;

    pci_default_config_write(dev, addr, value, len);
    if (!was_master && (dev->config[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
        pcnet_dma_enabled(&PCI_PCNET(dev)->state);
    }
}

static bool pcnet_pci_realize(PCIDevice *dev, GError **errp)
{
    PCIPCNetState *d = PCI_PCNET(dev);
    PCNetState *s = &d->state;

    if (s->netdev && s->netdev->peer) {
        return error_setg(errp, "netdev '%s' is already in use",
                          s->netdev->name);
    }
    dev->config[PCI_STATUS] = PCI_STATUS_FAST_BACK;
    dev->config[PCI_STATUS + 1] = PCI_STATUS_DEVSEL_MEDIUM >> 8;
    /* QEMU's pcnet clears the subsystem IDs the PCI core defaults to. */
    memset(dev->config + PCI_SUBSYSTEM_VENDOR_ID, 0, 4);
    dev->config[PCI_INTERRUPT_PIN] = 1;
    dev->config[PCI_MIN_GNT] = 0x06;
    dev->config[PCI_MAX_LAT] = 0xff;

    s->bus_opaque = dev;
    s->dma_read = pcnet_pci_dma_read;
    s->dma_write = pcnet_pci_dma_write;
    s->set_irq = pcnet_pci_set_irq;
    pcnet_core_init(s, "pcnet", dev->parent_obj.id);

    memory_region_init_io(&d->io, "pcnet-io", &pcnet_pci_io_ops, s,
                          PCNET_IO_SIZE);
    pci_register_bar(dev, 0, PCI_BASE_ADDRESS_SPACE_IO, &d->io);
    memory_region_init_io(&d->mmio, "pcnet-mmio", &pcnet_pci_io_ops, s,
                          PCNET_IO_SIZE);
    pci_register_bar(dev, 1, 0, &d->mmio);
    pcnet_h_reset(s);
    return true;
}

static void pcnet_pci_unrealize(DeviceState *dev)
{
    pcnet_core_cleanup(&PCI_PCNET(dev)->state);
}

static const VMStateDescription vmstate_pcnet_pci = {
    .name = "pcnet",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, PCIPCNetState),
            VMSTATE_STRUCT(state, PCIPCNetState, vmstate_pcnet, PCNetState),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property pcnet_pci_properties[] = {
    DEFINE_PROP_NETDEV("netdev", PCIPCNetState, state.netdev),
    DEFINE_PROP_MACADDR("mac", PCIPCNetState, state.mac_prop),
    DEFINE_PROP_END,
};

static PCIDeviceClass pcnet_pci_class = {
    .parent_class =
        {
            .name = "pcnet",
            .description = "AMD PCnet-PCI II (Am79C970A) Ethernet",
            .category = DEVICE_CATEGORY_NETWORK,
            .instance_size = sizeof(PCIPCNetState),
            .props = pcnet_pci_properties,
            .user_creatable = true,
            .vmsd = &vmstate_pcnet_pci,
            .unrealize = pcnet_pci_unrealize,
        },
    .vendor_id = PCI_VENDOR_ID_AMD,
    .device_id = PCI_DEVICE_ID_AMD_LANCE,
    .revision = 0x10,
    .class_id = PCI_CLASS_NETWORK_ETHERNET,
    .realize = pcnet_pci_realize,
    .reset = pcnet_pci_reset,
    .config_write = pcnet_pci_config_write,
};

static void pcnet_pci_register(void)
{
    pci_device_class_register(&pcnet_pci_class);
}
type_init(pcnet_pci_register)
