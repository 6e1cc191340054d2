/*
 * The virtio PCI transport (virtio 1.2, 4.1), transitional as QEMU's:
 * the legacy register block in I/O BAR0, the MSI-X table and pending bits
 * in memory BAR1, and the modern capabilities (common, ISR, device and
 * notify configuration) in the 64-bit prefetchable memory BAR4.
 *
 * A virtio PCI device type embeds a VirtIOPCIProxy first and its
 * VirtIODevice after it, lists VIRTIO_PCI_PROPERTIES among its properties
 * and realizes with virtio_pci_realize once its VirtIODevice is set up.
 *
 * Queue notifications go through ioeventfds (unless ioeventfd=off) from
 * DRIVER_OK until the device stops; their handlers run on the main loop,
 * or with iothread= on that I/O thread, which takes the BQL around the
 * queue's handler (the locking rule of hw/virtio/virtio.h). Interrupts go
 * to MSI-X vectors, each one an MSI route with an irqfd when the
 * accelerator offers them (signalling it needs no lock), else a message
 * through the PCI core; without MSI-X to INTx, which the ISR read lowers.
 */
#ifndef HW_VIRTIO_VIRTIO_PCI_H
#define HW_VIRTIO_VIRTIO_PCI_H

#include "hw/pci/pci.h"
#include "hw/virtio/virtio.h"
#include "system/iothread.h"

/* Legacy register block (4.1.4.8). */
#define VIRTIO_PCI_HOST_FEATURES 0x00
#define VIRTIO_PCI_GUEST_FEATURES 0x04
#define VIRTIO_PCI_QUEUE_PFN 0x08
#define VIRTIO_PCI_QUEUE_NUM 0x0c
#define VIRTIO_PCI_QUEUE_SEL 0x0e
#define VIRTIO_PCI_QUEUE_NOTIFY 0x10
#define VIRTIO_PCI_STATUS 0x12
#define VIRTIO_PCI_ISR 0x13
#define VIRTIO_MSI_CONFIG_VECTOR 0x14
#define VIRTIO_MSI_QUEUE_VECTOR 0x16
#define VIRTIO_PCI_CONFIG_OFF(msix) ((msix) ? 0x18 : 0x14)

/* Modern common configuration (4.1.4.3). */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00
#define VIRTIO_PCI_COMMON_DF 0x04
#define VIRTIO_PCI_COMMON_GFSELECT 0x08
#define VIRTIO_PCI_COMMON_GF 0x0c
#define VIRTIO_PCI_COMMON_MSIX 0x10
#define VIRTIO_PCI_COMMON_NUMQ 0x12
#define VIRTIO_PCI_COMMON_STATUS 0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO 0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI 0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO 0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI 0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO 0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI 0x34

/* Vendor capability types (4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define PCI_CAP_ID_VNDR 0x09

/* Where QEMU puts the modern structures in BAR4, and its multiplier. */
#define VIRTIO_PCI_MODERN_BAR 4
#define VIRTIO_PCI_MSIX_BAR 1
#define VIRTIO_PCI_COMMON_OFFSET 0x0000
#define VIRTIO_PCI_ISR_OFFSET 0x1000
#define VIRTIO_PCI_DEVICE_OFFSET 0x2000
#define VIRTIO_PCI_NOTIFY_OFFSET 0x3000
#define VIRTIO_PCI_REGION_SIZE 0x1000
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 4

#define PCI_DEVICE_ID_VIRTIO_MODERN_BASE 0x1040

/* One MSI-X vector's route for irqfd (gsi < 0: none). */
typedef struct VirtIOPCIVector {
    int gsi;
    bool unroutable; /* the accelerator refused: use messages */
    uint64_t address;
    uint32_t data;
    EventNotifier irqfd;
} VirtIOPCIVector;

typedef struct VirtIOPCIProxy {
    PCIDevice parent_obj;
    VirtIODevice *vdev;
    /* Properties. */
    int disable_legacy; /* OnOffAuto */
    bool disable_modern;
    uint32_t nvectors; /* UINT32_MAX: the device's default */
    bool ioeventfd;
    IOThread *iothread;
    /* What realize made of them. */
    bool legacy, modern;
    MemoryRegion legacy_io, msix_bar, modern_bar;
    MemoryRegion common, isr, device, notify;
    VirtIOPCIVector *vectors;
    GSource **kick_sources; /* per queue, while ioeventfds are on */
    bool ioeventfd_started;
    /* Registers of the modern interface (guest state). */
    uint32_t dfselect, gfselect;
    uint16_t queue_sel;
} VirtIOPCIProxy;

#define VIRTIO_PCI_PROPERTIES(st, f)                                           \
    DEFINE_PROP_ON_OFF_AUTO("disable-legacy", st, f.disable_legacy,            \
                            ON_OFF_AUTO_AUTO),                                 \
        DEFINE_PROP_BOOL("disable-modern", st, f.disable_modern, false),       \
        DEFINE_PROP_UINT32("vectors", st, f.nvectors, UINT32_MAX),             \
        DEFINE_PROP_BOOL("ioeventfd", st, f.ioeventfd, true),                  \
        DEFINE_PROP_LINK("iothread", st, f.iothread, TYPE_IOTHREAD)

/*
 * Sets up the transport for vdev: IDs (legacy_device_id when legacy is
 * on, else 0x1040 + the virtio ID), BARs, capabilities and MSI-X with
 * default_vectors unless vectors= says otherwise.
 */
bool virtio_pci_realize(VirtIOPCIProxy *proxy, VirtIODevice *vdev,
                        unsigned default_vectors, GError **errp);
/* The PCI reset: resets the virtio device and drops irqfd routes. */
void virtio_pci_reset(VirtIOPCIProxy *proxy);
/* After a load (the device's state loaded too): re-drive and restart. */
bool virtio_pci_post_load(VirtIOPCIProxy *proxy, GError **errp);

extern const VMStateDescription vmstate_virtio_pci;

#endif
