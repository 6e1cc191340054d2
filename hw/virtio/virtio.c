/*
 * The virtio device core: status, features, configuration space and split
 * virtqueues (virtio 1.2, 2.1-2.7). Packed rings, VIRTIO_F_RING_RESET,
 * notification data and the in-order feature are left out.
 */
#include <stdarg.h>
#include <string.h>

#include "hw/virtio/virtio.h"
#include "util/error.h"
#include "util/log.h"

/* Where the split ring's fields are (2.7.5, 2.7.6, 2.7.8). */
#define VRING_AVAIL_FLAGS 0
#define VRING_AVAIL_IDX 2
#define VRING_AVAIL_RING 4
#define VRING_USED_FLAGS 0
#define VRING_USED_IDX 2
#define VRING_USED_RING 4

typedef struct VRingDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VRingDesc;

/* ---- errors ------------------------------------------------------------ */

void virtio_error(VirtIODevice *vdev, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    log_mask_printf(LOG_GUEST_ERROR, "%s: %s\n", vdev->name, msg);
    if (vdev->broken) {
        return;
    }
    vdev->broken = true;
    if (virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
        virtio_notify_config(vdev);
    }
}

/* ---- ring access ------------------------------------------------------- */

static uint16_t vring_load16(VirtQueue *vq, uint64_t addr)
{
    uint64_t v = 0xffff;

    dma_load(vq->vdev->dma_as, addr, 2, &v);
    return v;
}

static void vring_store16(VirtQueue *vq, uint64_t addr, uint16_t v)
{
    dma_store(vq->vdev->dma_as, addr, 2, v);
}

static uint16_t vring_avail_idx(VirtQueue *vq)
{
    uint16_t idx = vring_load16(vq, vq->avail + VRING_AVAIL_IDX);

    /* Read the ring entries only after the index that publishes them. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return idx;
}

static uint16_t vring_avail_flags(VirtQueue *vq)
{
    return vring_load16(vq, vq->avail + VRING_AVAIL_FLAGS);
}

static uint16_t vring_used_event(VirtQueue *vq)
{
    return vring_load16(vq, vq->avail + VRING_AVAIL_RING + 2u * vq->num);
}

static void vring_set_avail_event(VirtQueue *vq, uint16_t v)
{
    vring_store16(vq,
                  vq->used + VRING_USED_RING +
                      (uint64_t)VRING_USED_ELEM_SIZE * vq->num,
                  v);
}

static bool vring_desc_read(VirtIODevice *vdev, uint64_t table, unsigned i,
                            VRingDesc *d)
{
    uint8_t raw[VRING_DESC_SIZE];

    if (dma_memory_read(vdev->dma_as, table + (uint64_t)i * VRING_DESC_SIZE,
                        raw, sizeof(raw)) != MEMTX_OK) {
        return false;
    }
    memcpy(&d->addr, raw, 8);
    memcpy(&d->len, raw + 8, 4);
    memcpy(&d->flags, raw + 12, 2);
    memcpy(&d->next, raw + 14, 2);
    d->addr = GUINT64_FROM_LE(d->addr);
    d->len = GUINT32_FROM_LE(d->len);
    d->flags = GUINT16_FROM_LE(d->flags);
    d->next = GUINT16_FROM_LE(d->next);
    return true;
}

/*
 * Whether [addr, addr + len) is all guest RAM (or ROM, for what the device
 * only reads). Buffers and rings elsewhere are refused: a bounce buffer
 * written back into a device's registers (this one's, say) would run
 * device code from inside a completion.
 */
static bool virtio_range_in_ram(AddressSpace *as, uint64_t addr, uint64_t len,
                                bool device_writes)
{
    if (!dma_range_valid(addr, len)) {
        return false;
    }
    while (len) {
        const FlatRange *fr = address_space_lookup(as, addr);
        uint64_t piece;

        if (!fr || !(fr->mr->kind == MR_RAM ||
                     (fr->mr->kind == MR_ROM && !device_writes))) {
            return false;
        }
        piece = MIN(len, fr->start + fr->size - addr);
        addr += piece;
        len -= piece;
    }
    return true;
}

static bool virtqueue_ready(VirtQueue *vq)
{
    return vq->enabled && vq->num && !vq->vdev->broken;
}

/* ---- popping a request ------------------------------------------------- */

bool virtqueue_empty(VirtQueue *vq)
{
    if (!virtqueue_ready(vq)) {
        return true;
    }
    return vring_avail_idx(vq) == vq->last_avail_idx;
}

void virtqueue_detach_element(VirtQueue *vq, VirtQueueElement *elem)
{
    if (vq->inuse) {
        vq->inuse--;
    }
    virtqueue_element_free(elem);
}

void virtqueue_element_free(VirtQueueElement *elem)
{
    if (!elem) {
        return;
    }
    dma_mapping_unmap(&elem->out, 0);
    dma_mapping_unmap(&elem->in, 0);
    g_free(elem);
}

/*
 * Walks the chain at head into two lists (readable, then writable), with
 * every bound 2.7.5 and 2.7.5.3 set. False after virtio_error.
 */
static bool virtqueue_walk_chain(VirtQueue *vq, unsigned head, DMASGList *out,
                                 DMASGList *in, unsigned *ndescs)
{
    VirtIODevice *vdev = vq->vdev;
    uint64_t table = vq->desc;
    unsigned max = vq->num, i = head, count = 0;
    bool indirect = false;
    VRingDesc d;

    *ndescs = 0;
    for (;;) {
        if (!vring_desc_read(vdev, table, i, &d)) {
            virtio_error(vdev,
                         "queue %u: descriptor %u is outside guest "
                         "memory",
                         vq->index, i);
            return false;
        }
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (!virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC)) {
                virtio_error(vdev,
                             "queue %u: indirect descriptor without "
                             "the feature",
                             vq->index);
                return false;
            }
            if (indirect) {
                virtio_error(vdev,
                             "queue %u: indirect descriptor inside an "
                             "indirect table",
                             vq->index);
                return false;
            }
            if (d.flags & VRING_DESC_F_NEXT) {
                virtio_error(vdev,
                             "queue %u: indirect descriptor with "
                             "NEXT set",
                             vq->index);
                return false;
            }
            if (!d.len || d.len % VRING_DESC_SIZE ||
                d.len / VRING_DESC_SIZE > VIRTIO_QUEUE_MAX_SIZE ||
                !virtio_range_in_ram(vdev->dma_as, d.addr, d.len, false)) {
                virtio_error(vdev,
                             "queue %u: bad indirect table (0x%" PRIx64
                             ", %u bytes)",
                             vq->index, d.addr, d.len);
                return false;
            }
            indirect = true;
            table = d.addr;
            max = d.len / VRING_DESC_SIZE;
            i = 0;
            count = 0;
            continue;
        }
        /* A chain is never longer than its table, nor than the queue. */
        if (++count > max || *ndescs >= vq->num) {
            virtio_error(vdev,
                         "queue %u: descriptor chain at %u is longer "
                         "than %u (a loop?)",
                         vq->index, head, MIN(max, vq->num));
            return false;
        }
        if (!d.len) {
            virtio_error(vdev, "queue %u: zero-length descriptor %u", vq->index,
                         i);
            return false;
        }
        if (!virtio_range_in_ram(vdev->dma_as, d.addr, d.len,
                                 d.flags & VRING_DESC_F_WRITE)) {
            virtio_error(vdev,
                         "queue %u: descriptor %u buffer 0x%" PRIx64
                         "+%u is not in guest RAM",
                         vq->index, i, d.addr, d.len);
            return false;
        }
        if (d.flags & VRING_DESC_F_WRITE) {
            if (!dma_sglist_add(in, d.addr, d.len)) {
                goto bad_range;
            }
        } else {
            if (in->nsg) {
                virtio_error(vdev,
                             "queue %u: readable descriptor %u after "
                             "a writable one",
                             vq->index, i);
                return false;
            }
            if (!dma_sglist_add(out, d.addr, d.len)) {
                goto bad_range;
            }
        }
        (*ndescs)++;
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        if (d.next >= max) {
            virtio_error(vdev,
                         "queue %u: next descriptor %u out of range "
                         "(%u)",
                         vq->index, d.next, max);
            return false;
        }
        i = d.next;
    }

bad_range:
    virtio_error(vdev,
                 "queue %u: descriptor %u buffer 0x%" PRIx64
                 "+%u wraps or is too long",
                 vq->index, i, d.addr, d.len);
    return false;
}

VirtQueueElement *virtqueue_pop(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    VirtQueueElement *elem;
    DMASGList out, in;
    uint16_t avail_idx, pending;
    unsigned head;
    bool ok;

    if (!virtqueue_ready(vq)) {
        return NULL;
    }
    avail_idx = vring_avail_idx(vq);
    pending = avail_idx - vq->last_avail_idx;
    if (pending > vq->num) {
        virtio_error(vdev, "queue %u: available index %u is %u ahead of %u",
                     vq->index, avail_idx, pending, vq->last_avail_idx);
        return NULL;
    }
    if (!pending) {
        return NULL;
    }
    head = vring_load16(vq, vq->avail + VRING_AVAIL_RING +
                                2u * (vq->last_avail_idx % vq->num));
    if (head >= vq->num) {
        virtio_error(vdev, "queue %u: head descriptor %u out of range (%u)",
                     vq->index, head, vq->num);
        return NULL;
    }

    elem = g_new0(VirtQueueElement, 1);
    elem->head = head;
    dma_sglist_init(&out, vdev->dma_as, 4);
    dma_sglist_init(&in, vdev->dma_as, 4);
    ok = virtqueue_walk_chain(vq, head, &out, &in, &elem->ndescs);
    if (ok && (dma_sglist_map(&out, DMA_DIRECTION_TO_DEVICE, &elem->out) !=
                   MEMTX_OK ||
               dma_sglist_map(&in, DMA_DIRECTION_FROM_DEVICE, &elem->in) !=
                   MEMTX_OK)) {
        virtio_error(vdev,
                     "queue %u: a buffer of chain %u is outside guest "
                     "memory",
                     vq->index, head);
        ok = false;
    }
    dma_sglist_destroy(&out);
    dma_sglist_destroy(&in);
    if (!ok) {
        virtqueue_element_free(elem);
        return NULL;
    }
    vq->last_avail_idx++;
    vq->inuse++;
    if (virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        vring_set_avail_event(vq, vq->last_avail_idx);
    }
    return elem;
}

/* ---- returning it ------------------------------------------------------ */

void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len,
                    unsigned idx)
{
    uint64_t slot;

    /*
     * len is what the driver is told; the device may have written bytes
     * past it (virtio-blk's status byte ends the buffers whatever the
     * data length), so all of in counts as written. Buffers are RAM (no
     * bounce buffer to write back), so this only widens what dirty
     * tracking will mark.
     */
    dma_mapping_unmap(&elem->out, elem->out.size);
    dma_mapping_unmap(&elem->in, elem->in.size);
    if (vq->inuse) {
        vq->inuse--;
    }
    if (virtqueue_ready(vq)) {
        slot = vq->used + VRING_USED_RING +
               (uint64_t)VRING_USED_ELEM_SIZE *
                   ((uint16_t)(vq->used_idx + idx) % vq->num);
        dma_store(vq->vdev->dma_as, slot, 4, elem->head);
        dma_store(vq->vdev->dma_as, slot + 4, 4, len);
    }
    g_free(elem);
}

void virtqueue_flush(VirtQueue *vq, unsigned count)
{
    if (!virtqueue_ready(vq)) {
        return;
    }
    /* The entries must be visible before the index that publishes them. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->used_idx += count;
    vring_store16(vq, vq->used + VRING_USED_IDX, vq->used_idx);
}

void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len)
{
    virtqueue_fill(vq, elem, len, 0);
    virtqueue_flush(vq, 1);
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem)
{
    dma_mapping_unmap(&elem->out, 0);
    dma_mapping_unmap(&elem->in, 0);
    vq->last_avail_idx--;
    if (vq->inuse) {
        vq->inuse--;
    }
    g_free(elem);
}

void virtqueue_set_notification(VirtQueue *vq, bool enable)
{
    uint16_t flags;

    if (!virtqueue_ready(vq)) {
        return;
    }
    if (virtio_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
        if (enable) {
            vring_set_avail_event(vq, vring_avail_idx(vq));
        }
        return;
    }
    flags = vring_load16(vq, vq->used + VRING_USED_FLAGS);
    flags = enable ? flags & ~VRING_USED_F_NO_NOTIFY
                   : flags | VRING_USED_F_NO_NOTIFY;
    vring_store16(vq, vq->used + VRING_USED_FLAGS, flags);
    /* A kick the driver decides on after this must see the new flags. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static bool virtio_should_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    uint16_t old, new_idx;
    bool valid;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (virtio_has_feature(vdev, VIRTIO_F_NOTIFY_ON_EMPTY) && !vq->inuse &&
        virtqueue_empty(vq)) {
        return true;
    }
    if (!virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        return !(vring_avail_flags(vq) & VRING_AVAIL_F_NO_INTERRUPT);
    }
    old = vq->signalled_used;
    new_idx = vq->used_idx;
    valid = vq->signalled_used_valid;
    vq->signalled_used = new_idx;
    vq->signalled_used_valid = true;
    return !valid || vring_need_event(vring_used_event(vq), new_idx, old);
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!virtqueue_ready(vq) || !virtio_should_notify(vdev, vq)) {
        return;
    }
    vdev->isr |= VIRTIO_ISR_QUEUE;
    vdev->transport->notify(vdev->transport_opaque, vq->vector);
}

void virtio_notify_config(VirtIODevice *vdev)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        return;
    }
    vdev->config_generation++;
    vdev->isr |= VIRTIO_ISR_CONFIG;
    vdev->transport->notify(vdev->transport_opaque, vdev->config_vector);
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned index)
{
    VirtQueue *vq;

    if (index >= vdev->nvqs) {
        log_mask_printf(LOG_GUEST_ERROR, "%s: notify of queue %u (%u exist)\n",
                        vdev->name, index, vdev->nvqs);
        return;
    }
    vq = &vdev->vq[index];
    if (vq->handle_output && virtqueue_ready(vq)) {
        vq->handle_output(vdev, vq);
    }
}

/* ---- setup and negotiation --------------------------------------------- */

void virtio_init(VirtIODevice *vdev, const char *name, uint16_t device_id,
                 const VirtIODeviceOps *ops, uint32_t config_len, uint32_t nvqs)
{
    vdev->name = name;
    vdev->device_id = device_id;
    vdev->ops = ops;
    vdev->config_len = config_len;
    vdev->config = g_malloc0(config_len);
    vdev->nvqs = nvqs;
    vdev->vq = g_new0(VirtQueue, nvqs);
    vdev->config_vector = VIRTIO_NO_VECTOR;
    for (unsigned i = 0; i < nvqs; i++) {
        vdev->vq[i].vdev = vdev;
        vdev->vq[i].index = i;
        vdev->vq[i].vector = VIRTIO_NO_VECTOR;
        vdev->vq[i].host_notifier.fd = -1;
    }
}

void virtio_cleanup(VirtIODevice *vdev)
{
    for (unsigned i = 0; i < vdev->nvqs; i++) {
        if (vdev->vq[i].host_notifier.fd >= 0) {
            event_notifier_cleanup(&vdev->vq[i].host_notifier);
        }
    }
    g_clear_pointer(&vdev->vq, g_free);
    g_clear_pointer(&vdev->config, g_free);
    vdev->nvqs = 0;
}

void virtio_add_queue(VirtIODevice *vdev, unsigned index, uint16_t size,
                      VirtIOHandleOutput *handle)
{
    VirtQueue *vq = &vdev->vq[index];

    vq->num_max = size;
    vq->num = size;
    vq->handle_output = handle;
}

void virtio_set_transport(VirtIODevice *vdev, const VirtIOTransportOps *ops,
                          void *opaque, AddressSpace *dma_as)
{
    uint64_t features = vdev->ops->get_features(vdev);

    vdev->transport = ops;
    vdev->transport_opaque = opaque;
    vdev->dma_as = dma_as;
    vdev->host_features =
        features | (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
        (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_F_NOTIFY_ON_EMPTY) |
        (1ull << VIRTIO_F_ANY_LAYOUT) | (1ull << VIRTIO_F_VERSION_1);
}

bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit)
{
    return vdev->guest_features & (1ull << bit);
}

static void virtio_stop(VirtIODevice *vdev)
{
    if (vdev->started) {
        vdev->started = false;
        if (vdev->transport && vdev->transport->ioeventfd_stop) {
            vdev->transport->ioeventfd_stop(vdev->transport_opaque);
        }
    }
}

static void virtio_start(VirtIODevice *vdev)
{
    if (!vdev->started) {
        vdev->started = true;
        if (vdev->transport && vdev->transport->ioeventfd_start) {
            vdev->transport->ioeventfd_start(vdev->transport_opaque);
        }
    }
}

void virtio_reset(VirtIODevice *vdev)
{
    if (vdev->ops->set_status) {
        vdev->ops->set_status(vdev, 0);
    }
    virtio_stop(vdev);
    if (vdev->ops->reset) {
        vdev->ops->reset(vdev);
    }
    vdev->status = 0;
    vdev->isr = 0;
    vdev->broken = false;
    vdev->guest_features = 0;
    vdev->config_vector = VIRTIO_NO_VECTOR;
    for (unsigned i = 0; i < vdev->nvqs; i++) {
        VirtQueue *vq = &vdev->vq[i];

        vq->num = vq->num_max;
        vq->enabled = false;
        vq->desc = vq->avail = vq->used = 0;
        vq->last_avail_idx = vq->used_idx = 0;
        vq->signalled_used = 0;
        vq->signalled_used_valid = false;
        vq->vector = VIRTIO_NO_VECTOR;
        vq->inuse = 0;
    }
}

void virtio_set_guest_features(VirtIODevice *vdev, uint64_t features)
{
    if (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: features written after FEATURES_OK\n", vdev->name);
        return;
    }
    vdev->guest_features = features;
}

uint64_t virtio_offered_features(const VirtIODevice *vdev, bool modern)
{
    if (!modern) {
        return (uint32_t)vdev->host_features;
    }
    return vdev->host_features & ~((1ull << VIRTIO_F_NOTIFY_ON_EMPTY) |
                                   (1ull << VIRTIO_F_ANY_LAYOUT));
}

static bool virtio_features_acceptable(VirtIODevice *vdev, bool modern)
{
    if (vdev->guest_features & ~virtio_offered_features(vdev, modern)) {
        return false;
    }
    return !modern || virtio_has_feature(vdev, VIRTIO_F_VERSION_1);
}

void virtio_set_status(VirtIODevice *vdev, uint8_t status, bool modern)
{
    uint8_t old = vdev->status;

    if (!status) {
        virtio_reset(vdev);
        return;
    }
    if (!modern) {
        /* The legacy interface has no FEATURES_OK; VERSION_1 is modern. */
        vdev->guest_features &= 0xffffffffull;
    } else if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
               !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
               !virtio_features_acceptable(vdev, modern)) {
        status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
    }
    /* NEEDS_RESET is the device's to set and only a reset clears it. */
    status = (status & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
             (old & VIRTIO_CONFIG_S_NEEDS_RESET);
    vdev->status = status;
    if (vdev->ops->set_status) {
        vdev->ops->set_status(vdev, status);
    }
    if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken) {
        virtio_start(vdev);
    } else {
        virtio_stop(vdev);
    }
}

uint64_t virtio_config_read(VirtIODevice *vdev, uint32_t addr, unsigned size)
{
    uint64_t v = 0;

    if (addr > vdev->config_len || size > vdev->config_len - addr) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: config read of %u at 0x%x past %u bytes\n",
                        vdev->name, size, addr, vdev->config_len);
        return UINT64_MAX;
    }
    if (vdev->ops->get_config) {
        vdev->ops->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)vdev->config[addr + i] << (8 * i);
    }
    return v;
}

void virtio_config_write(VirtIODevice *vdev, uint32_t addr, uint64_t value,
                         unsigned size)
{
    if (addr > vdev->config_len || size > vdev->config_len - addr) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: config write of %u at 0x%x past %u bytes\n",
                        vdev->name, size, addr, vdev->config_len);
        return;
    }
    if (vdev->ops->get_config) {
        vdev->ops->get_config(vdev, vdev->config);
    }
    for (unsigned i = 0; i < size; i++) {
        vdev->config[addr + i] = value >> (8 * i);
    }
    if (vdev->ops->set_config) {
        vdev->ops->set_config(vdev, vdev->config);
    }
}

void virtio_queue_set_num(VirtQueue *vq, uint16_t num)
{
    if (vq->enabled) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: queue %u size written while enabled\n",
                        vq->vdev->name, vq->index);
        return;
    }
    if (!num || num > vq->num_max || (num & (num - 1))) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: queue %u size %u (a power of two up to %u)\n",
                        vq->vdev->name, vq->index, num, vq->num_max);
        return;
    }
    vq->num = num;
}

/* The three rings of vq lie in guest RAM. */
static bool virtio_queue_rings_valid(VirtQueue *vq)
{
    AddressSpace *as = vq->vdev->dma_as;
    uint64_t n = vq->num;

    return virtio_range_in_ram(as, vq->desc, n * VRING_DESC_SIZE, false) &&
           virtio_range_in_ram(as, vq->avail, VRING_AVAIL_RING + 2 * n + 2,
                               false) &&
           virtio_range_in_ram(as, vq->used,
                               VRING_USED_RING + VRING_USED_ELEM_SIZE * n + 2,
                               true);
}

void virtio_queue_enable(VirtQueue *vq)
{
    if (!vq->num_max) {
        log_mask_printf(LOG_GUEST_ERROR, "%s: queue %u does not exist\n",
                        vq->vdev->name, vq->index);
        return;
    }
    if (!virtio_queue_rings_valid(vq)) {
        virtio_error(vq->vdev, "queue %u: rings are not in guest RAM",
                     vq->index);
        return;
    }
    vq->enabled = true;
}

void virtio_queue_set_legacy_pfn(VirtQueue *vq, uint32_t pfn)
{
    uint64_t avail_end;

    if (!vq->num_max) {
        return;
    }
    if (!pfn) {
        vq->enabled = false;
        vq->desc = vq->avail = vq->used = 0;
        return;
    }
    vq->num = vq->num_max;
    vq->desc = (uint64_t)pfn * VIRTIO_LEGACY_VRING_ALIGN;
    vq->avail = vq->desc + (uint64_t)VRING_DESC_SIZE * vq->num;
    avail_end = vq->avail + VRING_AVAIL_RING + 2u * vq->num + 2;
    vq->used = (avail_end + VIRTIO_LEGACY_VRING_ALIGN - 1) &
               ~(uint64_t)(VIRTIO_LEGACY_VRING_ALIGN - 1);
    virtio_queue_enable(vq);
}

bool virtio_post_load(VirtIODevice *vdev, GError **errp)
{
    for (unsigned i = 0; i < vdev->nvqs; i++) {
        VirtQueue *vq = &vdev->vq[i];

        if (vq->num > vq->num_max || (vq->num & (vq->num - 1)) ||
            (vq->enabled && !virtio_queue_rings_valid(vq))) {
            return error_setg(errp, "%s: queue %u state out of range",
                              vdev->name, i);
        }
        vq->inuse = 0;
        vq->signalled_used_valid = false;
    }
    vdev->started = false;
    if ((vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken) {
        virtio_start(vdev);
    }
    return true;
}

/* ---- state ------------------------------------------------------------- */

static const VMStateDescription vmstate_virtqueue = {
    .name = "virtqueue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT16(num, VirtQueue),
            VMSTATE_BOOL(enabled, VirtQueue),
            VMSTATE_UINT64(desc, VirtQueue),
            VMSTATE_UINT64(avail, VirtQueue),
            VMSTATE_UINT64(used, VirtQueue),
            VMSTATE_UINT16(last_avail_idx, VirtQueue),
            VMSTATE_UINT16(used_idx, VirtQueue),
            VMSTATE_UINT16(vector, VirtQueue),
            VMSTATE_END_OF_LIST(),
        },
};

const VMStateDescription vmstate_virtio_device = {
    .name = "virtio-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(status, VirtIODevice),
            VMSTATE_UINT8(isr, VirtIODevice),
            VMSTATE_BOOL(broken, VirtIODevice),
            VMSTATE_UINT64(guest_features, VirtIODevice),
            VMSTATE_UINT16(config_vector, VirtIODevice),
            VMSTATE_UINT32(config_generation, VirtIODevice),
            VMSTATE_STRUCT_VARRAY_POINTER(vq, VirtIODevice, nvqs,
                                          vmstate_virtqueue, VirtQueue),
            VMSTATE_END_OF_LIST(),
        },
};
