/*
 * The virtio PCI transport (virtio 1.2, 4.1), laid out as QEMU's default
 * transitional devices: legacy registers in I/O BAR0, MSI-X in BAR1, the
 * modern common/ISR/device/notify structures at 0x0000/0x1000/0x2000/
 * 0x3000 of the 64-bit prefetchable BAR4, notify_off_multiplier 4.
 * Left out: the PCI configuration access capability (VIRTIO_PCI_CAP_PCI_CFG),
 * notification data, queue reset, shared memory regions.
 */
#include <glib-unix.h>
#include <string.h>

#include "hw/core/machine.h"
#include "hw/pci/msix.h"
#include "hw/virtio/virtio-pci.h"
#include "system/main-loop.h"
#include "util/error.h"
#include "util/log.h"

static VirtQueue *virtio_pci_selected_queue(VirtIOPCIProxy *proxy)
{
    VirtIODevice *vdev = proxy->vdev;

    return proxy->queue_sel < vdev->nvqs ? &vdev->vq[proxy->queue_sel] : NULL;
}

/* ---- interrupts -------------------------------------------------------- */

static const MachineAccelOps *virtio_pci_accel(void)
{
    MachineState *ms = current_machine_get();
    const MachineAccelOps *ops = ms ? ms->accel : NULL;

    return ops && ops->msi_route_add && ops->irqfd_set ? ops : NULL;
}

static void virtio_pci_vector_unroute(VirtIOPCIProxy *proxy, unsigned v)
{
    VirtIOPCIVector *vec = &proxy->vectors[v];
    const MachineAccelOps *accel = virtio_pci_accel();

    if (vec->gsi >= 0 && accel) {
        accel->irqfd_set(&vec->irqfd, vec->gsi, false, NULL);
        accel->msi_route_release(vec->gsi);
    }
    vec->gsi = -1;
    vec->unroutable = false;
}

/*
 * Gives vector v an MSI route with an irqfd for its current message, made
 * at its first use and re-made when the driver rewrites the table entry
 * (msix_vector_changed, and checked again here). False when irqfd cannot
 * be used for it.
 */
static bool virtio_pci_vector_route(VirtIOPCIProxy *proxy, unsigned v)
{
    PCIDevice *pci = &proxy->parent_obj;
    VirtIOPCIVector *vec = &proxy->vectors[v];
    const MSIXVector *entry = &pci->msix_table[v];
    const MachineAccelOps *accel = virtio_pci_accel();
    int gsi;

    /* A message outside the interrupt window is a memory write (PCI core). */
    if (!accel || vec->unroutable ||
        (entry->address & 0xfff00000ull) != 0xfee00000ull) {
        return false;
    }
    if (vec->gsi >= 0 && vec->address == entry->address &&
        vec->data == entry->data) {
        return true;
    }
    virtio_pci_vector_unroute(proxy, v);
    if (vec->irqfd.fd < 0 && !event_notifier_init(&vec->irqfd, NULL)) {
        vec->unroutable = true;
        return false;
    }
    gsi = accel->msi_route_add(entry->address, entry->data);
    if (gsi < 0) {
        vec->unroutable = true;
        return false;
    }
    if (!accel->irqfd_set(&vec->irqfd, gsi, true, NULL)) {
        accel->msi_route_release(gsi);
        vec->unroutable = true;
        return false;
    }
    vec->gsi = gsi;
    vec->address = entry->address;
    vec->data = entry->data;
    return true;
}

/* The driver rewrote a table entry: a routed vector follows it now. */
static void virtio_pci_msix_vector_changed(PCIDevice *pci, unsigned v)
{
    VirtIOPCIProxy *proxy = (VirtIOPCIProxy *)pci;

    if (proxy->vectors[v].gsi >= 0) {
        virtio_pci_vector_route(proxy, v);
    }
}

static bool virtio_pci_vector_masked(VirtIOPCIProxy *proxy, unsigned v)
{
    PCIDevice *pci = &proxy->parent_obj;
    uint16_t flags = pci_get_word(pci->config + pci->msix_cap + PCI_MSIX_FLAGS);

    return (flags & PCI_MSIX_FLAGS_MASKALL) ||
           (pci->msix_table[v].control & PCI_MSIX_ENTRY_CTRL_MASKBIT) ||
           !(pci_get_word(pci->config + PCI_COMMAND) & PCI_COMMAND_MASTER);
}

static void virtio_pci_notify(void *opaque, uint16_t vector)
{
    VirtIOPCIProxy *proxy = opaque;
    PCIDevice *pci = &proxy->parent_obj;

    if (msix_enabled(pci)) {
        if (vector >= pci->msix_entries) {
            return;
        }
        /* A masked vector goes through the PCI core, which keeps it
         * pending until the driver unmasks it. */
        if (!virtio_pci_vector_masked(proxy, vector) &&
            virtio_pci_vector_route(proxy, vector)) {
            event_notifier_set(&proxy->vectors[vector].irqfd);
        } else {
            msix_notify(pci, vector);
        }
        return;
    }
    pci_set_irq(pci, proxy->vdev->isr != 0);
}

static uint8_t virtio_pci_isr_read_clear(VirtIOPCIProxy *proxy)
{
    uint8_t isr = proxy->vdev->isr;

    proxy->vdev->isr = 0;
    pci_set_irq(&proxy->parent_obj, 0);
    return isr;
}

static uint16_t virtio_pci_vector_check(VirtIOPCIProxy *proxy, uint16_t v)
{
    return v < proxy->parent_obj.msix_entries ? v : VIRTIO_NO_VECTOR;
}

/* ---- queue notifications ----------------------------------------------- */

static gboolean virtio_pci_kick(gint fd, GIOCondition cond, gpointer opaque)
{
    VirtQueue *vq = opaque;
    /* On the main loop the BQL is held already; an I/O thread takes it. */
    bool take_bql = !bql_locked();

    if (take_bql) {
        bql_lock();
    }
    /* The device may have stopped while this thread waited for the lock. */
    if (!g_source_is_destroyed(g_main_current_source())) {
        event_notifier_test_and_clear(&vq->host_notifier);
        virtio_queue_notify(vq->vdev, vq->index);
    }
    if (take_bql) {
        bql_unlock();
    }
    return G_SOURCE_CONTINUE;
}

static void virtio_pci_eventfds(VirtIOPCIProxy *proxy, VirtQueue *vq, bool add)
{
    EventNotifier *n = &vq->host_notifier;
    uint64_t offset = (uint64_t)vq->index * VIRTIO_PCI_NOTIFY_MULTIPLIER;

    if (add) {
        if (proxy->modern) {
            /* Any length: the driver's write lands on KVM's fast path. */
            memory_region_add_eventfd(&proxy->notify, offset, 0, false, 0, n);
        }
        if (proxy->legacy) {
            memory_region_add_eventfd(&proxy->legacy_io,
                                      VIRTIO_PCI_QUEUE_NOTIFY, 2, true,
                                      vq->index, n);
        }
    } else {
        if (proxy->modern) {
            memory_region_del_eventfd(&proxy->notify, offset, 0, false, 0, n);
        }
        if (proxy->legacy) {
            memory_region_del_eventfd(&proxy->legacy_io,
                                      VIRTIO_PCI_QUEUE_NOTIFY, 2, true,
                                      vq->index, n);
        }
    }
}

static void virtio_pci_ioeventfd_start(void *opaque)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    GMainContext *ctx = proxy->iothread ? iothread_get_context(proxy->iothread)
                                        : main_loop_context();

    if (!proxy->ioeventfd || proxy->ioeventfd_started) {
        return;
    }
    memory_region_transaction_begin();
    for (unsigned i = 0; i < vdev->nvqs; i++) {
        VirtQueue *vq = &vdev->vq[i];
        GSource *src;

        if (vq->host_notifier.fd < 0) {
            continue;
        }
        virtio_pci_eventfds(proxy, vq, true);
        src = g_unix_fd_source_new(vq->host_notifier.fd, G_IO_IN);
        g_source_set_callback(src, G_SOURCE_FUNC(virtio_pci_kick), vq, NULL);
        g_source_attach(src, ctx);
        proxy->kick_sources[i] = src;
    }
    memory_region_transaction_commit();
    proxy->ioeventfd_started = true;
}

static void virtio_pci_ioeventfd_stop(void *opaque)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;

    if (!proxy->ioeventfd_started) {
        return;
    }
    memory_region_transaction_begin();
    for (unsigned i = 0; i < vdev->nvqs; i++) {
        VirtQueue *vq = &vdev->vq[i];

        if (!proxy->kick_sources[i]) {
            continue;
        }
        /*
         * We hold the BQL: a handler on the I/O thread is either not
         * running or waiting for the lock, and then sees its source gone.
         */
        g_source_destroy(proxy->kick_sources[i]);
        g_source_unref(proxy->kick_sources[i]);
        proxy->kick_sources[i] = NULL;
        virtio_pci_eventfds(proxy, vq, false);
        event_notifier_test_and_clear(&vq->host_notifier);
    }
    memory_region_transaction_commit();
    proxy->ioeventfd_started = false;
}

static const VirtIOTransportOps virtio_pci_transport_ops = {
    .notify = virtio_pci_notify,
    .ioeventfd_start = virtio_pci_ioeventfd_start,
    .ioeventfd_stop = virtio_pci_ioeventfd_stop,
};

/* ---- legacy registers (BAR0) ------------------------------------------- */

static uint64_t virtio_pci_legacy_read(void *opaque, uint64_t addr,
                                       unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    bool msix = msix_enabled(&proxy->parent_obj);
    uint32_t config = VIRTIO_PCI_CONFIG_OFF(msix);
    VirtQueue *vq = virtio_pci_selected_queue(proxy);

    if (addr >= config) {
        return virtio_config_read(vdev, addr - config, size);
    }
    switch (addr) {
    case VIRTIO_PCI_HOST_FEATURES:
        return virtio_offered_features(vdev, false);
    case VIRTIO_PCI_GUEST_FEATURES:
        return (uint32_t)vdev->guest_features;
    case VIRTIO_PCI_QUEUE_PFN:
        return vq && vq->enabled ? vq->desc / VIRTIO_LEGACY_VRING_ALIGN : 0;
    case VIRTIO_PCI_QUEUE_NUM:
        return vq ? vq->num_max : 0;
    case VIRTIO_PCI_QUEUE_SEL:
        return proxy->queue_sel;
    case VIRTIO_PCI_STATUS:
        return vdev->status;
    case VIRTIO_PCI_ISR:
        return virtio_pci_isr_read_clear(proxy);
    case VIRTIO_MSI_CONFIG_VECTOR:
        return vdev->config_vector;
    case VIRTIO_MSI_QUEUE_VECTOR:
        return vq ? vq->vector : VIRTIO_NO_VECTOR;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-pci: legacy read of %u at 0x%" PRIx64 "\n",
                        size, addr);
        return UINT64_MAX;
    }
}

static void virtio_pci_legacy_write(void *opaque, uint64_t addr, uint64_t value,
                                    unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    bool msix = msix_enabled(&proxy->parent_obj);
    uint32_t config = VIRTIO_PCI_CONFIG_OFF(msix);
    VirtQueue *vq = virtio_pci_selected_queue(proxy);

    if (addr >= config) {
        virtio_config_write(vdev, addr - config, value, size);
        return;
    }
    switch (addr) {
    case VIRTIO_PCI_GUEST_FEATURES:
        virtio_set_guest_features(vdev,
                                  value & virtio_offered_features(vdev, false));
        break;
    case VIRTIO_PCI_QUEUE_PFN:
        if (!vq) {
            break;
        }
        if (!value) {
            /* The legacy way to reset the device. */
            virtio_pci_reset(proxy);
        } else {
            virtio_queue_set_legacy_pfn(vq, value);
        }
        break;
    case VIRTIO_PCI_QUEUE_SEL:
        proxy->queue_sel = value;
        break;
    case VIRTIO_PCI_QUEUE_NOTIFY:
        virtio_queue_notify(vdev, value);
        break;
    case VIRTIO_PCI_STATUS:
        if (!value) {
            virtio_pci_reset(proxy); /* the whole reset, as at power-on */
        } else {
            virtio_set_status(vdev, value, false);
        }
        break;
    case VIRTIO_MSI_CONFIG_VECTOR:
        if (msix) {
            vdev->config_vector = virtio_pci_vector_check(proxy, value);
        }
        break;
    case VIRTIO_MSI_QUEUE_VECTOR:
        if (msix && vq) {
            vq->vector = virtio_pci_vector_check(proxy, value);
        }
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-pci: legacy write of %u at 0x%" PRIx64 "\n",
                        size, addr);
        break;
    }
}

static const MemoryRegionOps virtio_pci_legacy_ops = {
    .read = virtio_pci_legacy_read,
    .write = virtio_pci_legacy_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

/* ---- modern common configuration --------------------------------------- */

static uint64_t virtio_pci_common_read(void *opaque, uint64_t addr,
                                       unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    VirtQueue *vq = virtio_pci_selected_queue(proxy);

    switch (addr) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        return proxy->dfselect;
    case VIRTIO_PCI_COMMON_DF:
        return proxy->dfselect < 2
                   ? (uint32_t)(virtio_offered_features(vdev, true) >>
                                (32 * proxy->dfselect))
                   : 0;
    case VIRTIO_PCI_COMMON_GFSELECT:
        return proxy->gfselect;
    case VIRTIO_PCI_COMMON_GF:
        return proxy->gfselect < 2
                   ? (uint32_t)(vdev->guest_features >> (32 * proxy->gfselect))
                   : 0;
    case VIRTIO_PCI_COMMON_MSIX:
        return vdev->config_vector;
    case VIRTIO_PCI_COMMON_NUMQ:
        return vdev->nvqs;
    case VIRTIO_PCI_COMMON_STATUS:
        return vdev->status;
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return (uint8_t)vdev->config_generation;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        return proxy->queue_sel;
    }
    if (!vq) {
        return 0;
    }
    switch (addr) {
    case VIRTIO_PCI_COMMON_Q_SIZE:
        return vq->num_max ? vq->num : 0;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        return vq->vector;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        return vq->enabled;
    case VIRTIO_PCI_COMMON_Q_NOFF:
        return vq->index;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
        return (uint32_t)vq->desc;
    case VIRTIO_PCI_COMMON_Q_DESCHI:
        return vq->desc >> 32;
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
        return (uint32_t)vq->avail;
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
        return vq->avail >> 32;
    case VIRTIO_PCI_COMMON_Q_USEDLO:
        return (uint32_t)vq->used;
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        return vq->used >> 32;
    default:
        return 0;
    }
}

/* A queue address half, which the driver may only change while disabled. */
static void virtio_pci_queue_addr_write(VirtQueue *vq, uint64_t *field,
                                        bool high, uint32_t value)
{
    if (vq->enabled) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-pci: queue %u address written while "
                        "enabled\n",
                        vq->index);
        return;
    }
    *field = high ? (*field & 0xffffffffull) | ((uint64_t)value << 32)
                  : (*field & ~0xffffffffull) | value;
}

static void virtio_pci_common_write(void *opaque, uint64_t addr, uint64_t value,
                                    unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;
    VirtIODevice *vdev = proxy->vdev;
    VirtQueue *vq = virtio_pci_selected_queue(proxy);
    uint64_t features;

    switch (addr) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        proxy->dfselect = value;
        return;
    case VIRTIO_PCI_COMMON_GFSELECT:
        proxy->gfselect = value;
        return;
    case VIRTIO_PCI_COMMON_GF:
        if (proxy->gfselect < 2) {
            unsigned shift = 32 * proxy->gfselect;

            features = vdev->guest_features & ~(0xffffffffull << shift);
            features |= (uint64_t)(uint32_t)value << shift;
            virtio_set_guest_features(vdev, features);
        }
        return;
    case VIRTIO_PCI_COMMON_MSIX:
        vdev->config_vector = virtio_pci_vector_check(proxy, value);
        return;
    case VIRTIO_PCI_COMMON_STATUS:
        if (!value) {
            virtio_pci_reset(proxy); /* the whole reset, as at power-on */
        } else {
            virtio_set_status(vdev, value, true);
        }
        return;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        proxy->queue_sel = value;
        return;
    }
    if (!vq) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-pci: write to 0x%" PRIx64 " for queue %u, "
                        "which does not exist\n",
                        addr, proxy->queue_sel);
        return;
    }
    switch (addr) {
    case VIRTIO_PCI_COMMON_Q_SIZE:
        virtio_queue_set_num(vq, value);
        break;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        vq->vector = virtio_pci_vector_check(proxy, value);
        break;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        if (value == 1) {
            virtio_queue_enable(vq);
        } else {
            log_mask_printf(
                LOG_GUEST_ERROR,
                "virtio-pci: queue_enable written with %" PRIu64 "\n", value);
        }
        break;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
        virtio_pci_queue_addr_write(vq, &vq->desc,
                                    addr == VIRTIO_PCI_COMMON_Q_DESCHI, value);
        break;
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
        virtio_pci_queue_addr_write(vq, &vq->avail,
                                    addr == VIRTIO_PCI_COMMON_Q_AVAILHI, value);
        break;
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        virtio_pci_queue_addr_write(vq, &vq->used,
                                    addr == VIRTIO_PCI_COMMON_Q_USEDHI, value);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-pci: write to read-only common register "
                        "0x%" PRIx64 "\n",
                        addr);
        break;
    }
}

static const MemoryRegionOps virtio_pci_common_ops = {
    .read = virtio_pci_common_read,
    .write = virtio_pci_common_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

/* ---- ISR, device configuration, notify --------------------------------- */

static uint64_t virtio_pci_isr_read(void *opaque, uint64_t addr, unsigned size)
{
    return addr ? 0 : virtio_pci_isr_read_clear(opaque);
}

static void virtio_pci_isr_write(void *opaque, uint64_t addr, uint64_t value,
                                 unsigned size)
{
    log_mask_printf(LOG_GUEST_ERROR, "virtio-pci: write to the ISR status\n");
}

static const MemoryRegionOps virtio_pci_isr_ops = {
    .read = virtio_pci_isr_read,
    .write = virtio_pci_isr_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 1,
};

static uint64_t virtio_pci_device_read(void *opaque, uint64_t addr,
                                       unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;

    return virtio_config_read(proxy->vdev, addr, size);
}

static void virtio_pci_device_write(void *opaque, uint64_t addr, uint64_t value,
                                    unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;

    virtio_config_write(proxy->vdev, addr, value, size);
}

static const MemoryRegionOps virtio_pci_device_ops = {
    .read = virtio_pci_device_read,
    .write = virtio_pci_device_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

static uint64_t virtio_pci_notify_read(void *opaque, uint64_t addr,
                                       unsigned size)
{
    return 0;
}

/* Reached when no ioeventfd covers the write (ioeventfd=off, not started). */
static void virtio_pci_notify_write(void *opaque, uint64_t addr, uint64_t value,
                                    unsigned size)
{
    VirtIOPCIProxy *proxy = opaque;

    virtio_queue_notify(proxy->vdev, addr / VIRTIO_PCI_NOTIFY_MULTIPLIER);
}

static const MemoryRegionOps virtio_pci_notify_ops = {
    .read = virtio_pci_notify_read,
    .write = virtio_pci_notify_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

/* ---- reset and realize ------------------------------------------------- */

void virtio_pci_reset(VirtIOPCIProxy *proxy)
{
    virtio_reset(proxy->vdev);
    for (unsigned v = 0; v < proxy->parent_obj.msix_entries; v++) {
        virtio_pci_vector_unroute(proxy, v);
    }
    proxy->dfselect = proxy->gfselect = 0;
    proxy->queue_sel = 0;
    pci_set_irq(&proxy->parent_obj, 0);
}

static int virtio_pci_add_cap(PCIDevice *pci, uint8_t type, uint32_t offset,
                              uint32_t length, uint8_t len, GError **errp)
{
    int pos = pci_add_capability(pci, PCI_CAP_ID_VNDR, 0, len, errp);

    if (pos < 0) {
        return pos;
    }
    pci->config[pos + 2] = len;
    pci->config[pos + 3] = type;
    pci->config[pos + 4] = VIRTIO_PCI_MODERN_BAR;
    pci_set_long(pci->config + pos + 8, offset);
    pci_set_long(pci->config + pos + 12, length);
    return pos;
}

static bool virtio_pci_modern_init(VirtIOPCIProxy *proxy, GError **errp)
{
    PCIDevice *pci = &proxy->parent_obj;
    int pos;

    memory_region_init_container(&proxy->modern_bar, "virtio-pci",
                                 4 * VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&proxy->common, "virtio-pci-common-virtio",
                          &virtio_pci_common_ops, proxy,
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&proxy->isr, "virtio-pci-isr-virtio",
                          &virtio_pci_isr_ops, proxy, VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&proxy->device, "virtio-pci-device-virtio",
                          &virtio_pci_device_ops, proxy,
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_init_io(&proxy->notify, "virtio-pci-notify-virtio",
                          &virtio_pci_notify_ops, proxy,
                          VIRTIO_PCI_REGION_SIZE);
    memory_region_add_subregion(&proxy->modern_bar, VIRTIO_PCI_COMMON_OFFSET,
                                &proxy->common);
    memory_region_add_subregion(&proxy->modern_bar, VIRTIO_PCI_ISR_OFFSET,
                                &proxy->isr);
    memory_region_add_subregion(&proxy->modern_bar, VIRTIO_PCI_DEVICE_OFFSET,
                                &proxy->device);
    memory_region_add_subregion(&proxy->modern_bar, VIRTIO_PCI_NOTIFY_OFFSET,
                                &proxy->notify);
    if (virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_COMMON_CFG,
                           VIRTIO_PCI_COMMON_OFFSET, VIRTIO_PCI_REGION_SIZE, 16,
                           errp) < 0 ||
        virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFFSET,
                           VIRTIO_PCI_REGION_SIZE, 16, errp) < 0 ||
        virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_DEVICE_CFG,
                           VIRTIO_PCI_DEVICE_OFFSET, VIRTIO_PCI_REGION_SIZE, 16,
                           errp) < 0) {
        return false;
    }
    pos = virtio_pci_add_cap(pci, VIRTIO_PCI_CAP_NOTIFY_CFG,
                             VIRTIO_PCI_NOTIFY_OFFSET, VIRTIO_PCI_REGION_SIZE,
                             20, errp);
    if (pos < 0) {
        return false;
    }
    pci_set_long(pci->config + pos + 16, VIRTIO_PCI_NOTIFY_MULTIPLIER);
    pci_register_bar(pci, VIRTIO_PCI_MODERN_BAR,
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                         PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &proxy->modern_bar);
    return true;
}

bool virtio_pci_realize(VirtIOPCIProxy *proxy, VirtIODevice *vdev,
                        unsigned default_vectors, GError **errp)
{
    PCIDevice *pci = &proxy->parent_obj;
    unsigned nvectors =
        proxy->nvectors == UINT32_MAX ? default_vectors : proxy->nvectors;

    proxy->vdev = vdev;
    /* As QEMU, "info qtree" shows the number in use, not "unspecified". */
    proxy->nvectors = nvectors;
    /* pc's PCI bus is conventional PCI, where "auto" keeps legacy on. */
    proxy->legacy = proxy->disable_legacy != ON_OFF_AUTO_ON;
    proxy->modern = !proxy->disable_modern;
    if (!proxy->legacy && !proxy->modern) {
        return error_setg(errp, "device cannot work as neither modern nor "
                                "legacy mode is enabled");
    }
    if (proxy->iothread && !proxy->ioeventfd) {
        return error_setg(errp, "iothread= needs ioeventfd=on (the I/O "
                                "thread waits for the queue notifiers)");
    }
    if (nvectors > 128) {
        return error_setg(errp, "vectors=%u: at most 128 MSI-X vectors",
                          nvectors);
    }
    virtio_set_transport(vdev, &virtio_pci_transport_ops, proxy,
                         pci->bus->dma_as);
    if (!proxy->modern) {
        vdev->host_features &= ~(1ull << VIRTIO_F_VERSION_1);
    }
    if (!proxy->legacy) {
        pci_set_word(pci->config + PCI_DEVICE_ID,
                     PCI_DEVICE_ID_VIRTIO_MODERN_BASE + vdev->device_id);
        pci->config[PCI_REVISION_ID] = 1;
        /* The subsystem ID names the device only for legacy drivers. */
        pci_set_word(pci->config + PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_QEMU);
    } else {
        pci_set_word(pci->config + PCI_SUBSYSTEM_VENDOR_ID,
                     PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
        pci_set_word(pci->config + PCI_SUBSYSTEM_ID, vdev->device_id);
    }
    pci->config[PCI_INTERRUPT_PIN] = 1;

    if (nvectors) {
        memory_region_init_container(&proxy->msix_bar, "virtio-pci-msix",
                                     0x1000);
        if (msix_init(pci, nvectors, &proxy->msix_bar, VIRTIO_PCI_MSIX_BAR, 0,
                      &proxy->msix_bar, VIRTIO_PCI_MSIX_BAR, 0x800, 0,
                      errp) < 0) {
            return false;
        }
        pci_register_bar(pci, VIRTIO_PCI_MSIX_BAR, 0, &proxy->msix_bar);
        pci->msix_vector_changed = virtio_pci_msix_vector_changed;
        proxy->vectors = g_new0(VirtIOPCIVector, nvectors);
        for (unsigned v = 0; v < nvectors; v++) {
            proxy->vectors[v].gsi = -1;
            proxy->vectors[v].irqfd.fd = -1;
        }
    }
    if (proxy->modern && !virtio_pci_modern_init(proxy, errp)) {
        return false;
    }
    if (proxy->legacy) {
        uint64_t size = 4;

        while (size < VIRTIO_PCI_CONFIG_OFF(true) + vdev->config_len) {
            size <<= 1;
        }
        memory_region_init_io(&proxy->legacy_io, "virtio-pci",
                              &virtio_pci_legacy_ops, proxy, size);
        pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_IO, &proxy->legacy_io);
    }
    proxy->kick_sources = g_new0(GSource *, vdev->nvqs);
    if (proxy->ioeventfd) {
        for (unsigned i = 0; i < vdev->nvqs; i++) {
            if (!event_notifier_init(&vdev->vq[i].host_notifier, errp)) {
                return false;
            }
        }
    }
    return true;
}

bool virtio_pci_post_load(VirtIOPCIProxy *proxy, GError **errp)
{
    PCIDevice *pci = &proxy->parent_obj;

    virtio_pci_ioeventfd_stop(proxy);
    for (unsigned v = 0; v < pci->msix_entries; v++) {
        virtio_pci_vector_unroute(proxy, v);
    }
    if (!virtio_post_load(proxy->vdev, errp)) {
        return false;
    }
    if (!msix_enabled(pci)) {
        pci_set_irq(pci, proxy->vdev->isr != 0);
    }
    return true;
}

const VMStateDescription vmstate_virtio_pci = {
    .name = "virtio-pci",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, VirtIOPCIProxy),
            VMSTATE_UINT32(dfselect, VirtIOPCIProxy),
            VMSTATE_UINT32(gfselect, VirtIOPCIProxy),
            VMSTATE_UINT16(queue_sel, VirtIOPCIProxy),
            VMSTATE_END_OF_LIST(),
        },
};
