/*
 * virtio-balloon-pci: the virtio balloon on the virtio PCI transport, with
 * QEMU's IDs (1af4:1002 transitional, 1af4:1045 modern-only; class 0x00ff)
 * and two MSI-X vectors as QEMU gives it.
 */
#include "hw/core/machine.h"
#include "hw/virtio/virtio-balloon.h"
#include "hw/virtio/virtio-pci.h"

#define TYPE_VIRTIO_BALLOON_PCI "virtio-balloon-pci"
#define PCI_DEVICE_ID_VIRTIO_BALLOON 0x1002
/* QEMU's class word: base 0x00, subclass 0xff ("Unclassified device"). */
#define PCI_CLASS_VIRTIO_BALLOON 0x00ff

typedef struct VirtIOBalloonPCI {
    VirtIOPCIProxy parent_obj;
    VirtIOBalloon vballoon;
} VirtIOBalloonPCI;

#define VIRTIO_BALLOON_PCI(obj)                                                \
    DEVICE_CAST(VirtIOBalloonPCI, obj, TYPE_VIRTIO_BALLOON_PCI)

static void virtio_balloon_pci_reset(PCIDevice *dev)
{
    virtio_pci_reset(&VIRTIO_BALLOON_PCI(dev)->parent_obj);
}

static bool virtio_balloon_pci_realize(PCIDevice *dev, GError **errp)
{
    VirtIOBalloonPCI *d = VIRTIO_BALLOON_PCI(dev);
    MachineState *ms = current_machine_get();

    if (!virtio_balloon_realize(&d->vballoon, ms ? ms->ram_size : 0, errp)) {
        return false;
    }
    if (!virtio_pci_realize(&d->parent_obj, &d->vballoon.parent_obj, 2, errp)) {
        virtio_balloon_unrealize(&d->vballoon);
        return false;
    }
    virtio_balloon_add_properties(&d->vballoon, OBJECT(dev));
    return true;
}

static void virtio_balloon_pci_unrealize(DeviceState *dev)
{
    virtio_balloon_unrealize(&VIRTIO_BALLOON_PCI(dev)->vballoon);
}

static bool virtio_balloon_pci_post_load(void *opaque, int version_id,
                                         GError **errp)
{
    VirtIOBalloonPCI *d = opaque;

    if (!virtio_pci_post_load(&d->parent_obj, errp)) {
        return false;
    }
    virtio_balloon_post_load(&d->vballoon);
    return true;
}

static const VMStateDescription vmstate_virtio_balloon_pci = {
    .name = "virtio-balloon-pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = virtio_balloon_pci_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(parent_obj, VirtIOBalloonPCI, vmstate_virtio_pci,
                           VirtIOPCIProxy),
            VMSTATE_STRUCT(vballoon, VirtIOBalloonPCI, vmstate_virtio_balloon,
                           VirtIOBalloon),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property virtio_balloon_pci_properties[] = {
    VIRTIO_PCI_PROPERTIES(VirtIOBalloonPCI, parent_obj),
    VIRTIO_BALLOON_PROPERTIES(VirtIOBalloonPCI, vballoon),
    DEFINE_PROP_END,
};

static PCIDeviceClass virtio_balloon_pci_class = {
    .parent_class =
        {
            .name = TYPE_VIRTIO_BALLOON_PCI,
            .description = "Virtio balloon device",
            .category = DEVICE_CATEGORY_MISC,
            .instance_size = sizeof(VirtIOBalloonPCI),
            .props = virtio_balloon_pci_properties,
            .user_creatable = true,
            .vmsd = &vmstate_virtio_balloon_pci,
            .unrealize = virtio_balloon_pci_unrealize,
        },
    .vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET,
    .device_id = PCI_DEVICE_ID_VIRTIO_BALLOON,
    .class_id = PCI_CLASS_VIRTIO_BALLOON,
    .subsystem_vendor_id = PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
    .subsystem_id = VIRTIO_ID_BALLOON,
    .realize = virtio_balloon_pci_realize,
    .reset = virtio_balloon_pci_reset,
};

static void virtio_balloon_pci_register(void)
{
    pci_device_class_register(&virtio_balloon_pci_class);
}
type_init(virtio_balloon_pci_register)
