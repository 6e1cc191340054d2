/*
 * virtio-blk-pci: virtio-blk on the virtio PCI transport, with QEMU's IDs
 * (1af4:1001 transitional, 1af4:1042 modern-only; class 0x0100) and its
 * default of one MSI-X vector per queue plus one for configuration.
 */
#include "hw/block/drive-prop.h"
#include "hw/core/machine.h"
#include "hw/block/virtio-blk.h"
#include "hw/virtio/virtio-pci.h"

#define TYPE_VIRTIO_BLK_PCI "virtio-blk-pci"
#define PCI_DEVICE_ID_VIRTIO_BLOCK 0x1001
#define PCI_CLASS_STORAGE_SCSI 0x0100

typedef struct VirtIOBlkPCI {
    VirtIOPCIProxy parent_obj;
    VirtIOBlock vblk;
} VirtIOBlkPCI;

#define VIRTIO_BLK_PCI(obj) DEVICE_CAST(VirtIOBlkPCI, obj, TYPE_VIRTIO_BLK_PCI)

static void virtio_blk_pci_reset(PCIDevice *dev)
{
    virtio_pci_reset(&VIRTIO_BLK_PCI(dev)->parent_obj);
}

static bool virtio_blk_pci_realize(PCIDevice *dev, GError **errp)
{
    VirtIOBlkPCI *d = VIRTIO_BLK_PCI(dev);
    MachineState *ms = current_machine_get();

    if (!virtio_blk_realize(&d->vblk, ms ? ms->smp_cpus : 1, errp)) {
        return false;
    }
    if (!virtio_pci_realize(&d->parent_obj, &d->vblk.parent_obj,
                            d->vblk.num_queues + 1, errp)) {
        /* A realize that fails leaves nothing behind (device core rule). */
        virtio_cleanup(&d->vblk.parent_obj);
        return false;
    }
    return true;
}

static bool virtio_blk_pci_post_load(void *opaque, int version_id,
                                     GError **errp)
{
    VirtIOBlkPCI *d = opaque;

    return virtio_pci_post_load(&d->parent_obj, errp);
}

static const VMStateDescription vmstate_virtio_blk_pci = {
    .name = "virtio-blk-pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = virtio_blk_pci_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(parent_obj, VirtIOBlkPCI, vmstate_virtio_pci,
                           VirtIOPCIProxy),
            VMSTATE_STRUCT(vblk, VirtIOBlkPCI, vmstate_virtio_blk, VirtIOBlock),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property virtio_blk_pci_properties[] = {
    VIRTIO_PCI_PROPERTIES(VirtIOBlkPCI, parent_obj),
    VIRTIO_BLK_PROPERTIES(VirtIOBlkPCI, vblk),
    DEFINE_PROP_END,
};

static PCIDeviceClass virtio_blk_pci_class = {
    .parent_class =
        {
            .name = TYPE_VIRTIO_BLK_PCI,
            .description = "Virtio block device",
            .category = DEVICE_CATEGORY_STORAGE,
            .instance_size = sizeof(VirtIOBlkPCI),
            .props = virtio_blk_pci_properties,
            .user_creatable = true,
            .vmsd = &vmstate_virtio_blk_pci,
        },
    .vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET,
    .device_id = PCI_DEVICE_ID_VIRTIO_BLOCK,
    .class_id = PCI_CLASS_STORAGE_SCSI,
    .subsystem_vendor_id = PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
    .subsystem_id = VIRTIO_ID_BLOCK,
    .realize = virtio_blk_pci_realize,
    .reset = virtio_blk_pci_reset,
};

static void virtio_blk_pci_register(void)
{
    pci_device_class_register(&virtio_blk_pci_class);
}
type_init(virtio_blk_pci_register)
