/*
 * virtio-net-pci: the virtio network device on the virtio PCI transport,
 * with QEMU's IDs (1af4:1000 transitional, 1af4:1041 modern-only; class
 * 0x0200 Ethernet) and four MSI-X vectors as QEMU gives one queue pair.
 */
#include "hw/net/virtio-net.h"
#include "hw/virtio/virtio-pci.h"

#define TYPE_VIRTIO_NET_PCI "virtio-net-pci"
#define PCI_DEVICE_ID_VIRTIO_NET 0x1000

typedef struct VirtIONetPCI {
    VirtIOPCIProxy parent_obj;
    VirtIONet vnet;
} VirtIONetPCI;

#define VIRTIO_NET_PCI(obj) DEVICE_CAST(VirtIONetPCI, obj, TYPE_VIRTIO_NET_PCI)

static void virtio_net_pci_reset(PCIDevice *dev)
{
    virtio_pci_reset(&VIRTIO_NET_PCI(dev)->parent_obj);
}

static bool virtio_net_pci_realize(PCIDevice *dev, GError **errp)
{
    VirtIONetPCI *d = VIRTIO_NET_PCI(dev);

    if (!virtio_net_realize(&d->vnet, dev->parent_obj.id, errp)) {
        return false;
    }
    if (!virtio_pci_realize(&d->parent_obj, &d->vnet.parent_obj, 4, errp)) {
        virtio_net_unrealize(&d->vnet);
        return false;
    }
    return true;
}

static void virtio_net_pci_unrealize(DeviceState *dev)
{
    virtio_net_unrealize(&VIRTIO_NET_PCI(dev)->vnet);
}

static bool virtio_net_pci_post_load(void *opaque, int version_id,
                                     GError **errp)
{
    VirtIONetPCI *d = opaque;

    if (!virtio_pci_post_load(&d->parent_obj, errp)) {
        return false;
    }
    virtio_net_post_load(&d->vnet);
    return true;
}

static const VMStateDescription vmstate_virtio_net_pci = {
    .name = "virtio-net-pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = virtio_net_pci_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(parent_obj, VirtIONetPCI, vmstate_virtio_pci,
                           VirtIOPCIProxy),
            VMSTATE_STRUCT(vnet, VirtIONetPCI, vmstate_virtio_net, VirtIONet),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property virtio_net_pci_properties[] = {
    VIRTIO_PCI_PROPERTIES(VirtIONetPCI, parent_obj),
    VIRTIO_NET_PROPERTIES(VirtIONetPCI, vnet),
    DEFINE_PROP_END,
};

static PCIDeviceClass virtio_net_pci_class = {
    .parent_class =
        {
            .name = TYPE_VIRTIO_NET_PCI,
            .description = "Virtio network device",
            .category = DEVICE_CATEGORY_NETWORK,
            .instance_size = sizeof(VirtIONetPCI),
            .props = virtio_net_pci_properties,
            .user_creatable = true,
            .vmsd = &vmstate_virtio_net_pci,
            .unrealize = virtio_net_pci_unrealize,
        },
    .vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET,
    .device_id = PCI_DEVICE_ID_VIRTIO_NET,
    .class_id = PCI_CLASS_NETWORK_ETHERNET,
    .subsystem_vendor_id = PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
    .subsystem_id = VIRTIO_ID_NET,
    .realize = virtio_net_pci_realize,
    .reset = virtio_net_pci_reset,
};

static void virtio_net_pci_register(void)
{
    pci_device_class_register(&virtio_net_pci_class);
}
type_init(virtio_net_pci_register)
