/*
 * The virtio device core (virtio 1.2, sections 2 and 3): device status,
 * 64-bit feature negotiation, the device configuration space with its
 * generation counter, and split virtqueues (2.7) whose descriptors,
 * available and used rings live in guest memory. It knows no transport: a
 * transport (hw/virtio/virtio-pci.c) fills in VirtIOTransportOps and moves
 * the driver's register accesses here; a device (hw/block/virtio-blk.c)
 * fills in VirtIODeviceOps and pops requests from its queues.
 *
 * Everything a driver puts in guest memory is checked where it is read: a
 * descriptor index past the queue, a chain longer than the queue (which is
 * how a NEXT loop shows), an indirect table that is empty, not a multiple
 * of 16 bytes or nested, a zero-length buffer, a buffer or ring outside
 * guest RAM (a device register is never a buffer), a
 * readable descriptor after a writable one, an available index more than
 * the queue size ahead. Such a driver gets a logged guest error
 * (-d guest_errors), the device stops processing every queue and, once
 * VERSION_1 is negotiated, shows DEVICE_NEEDS_RESET with a configuration
 * change interrupt (2.1.1); a device reset makes it work again.
 *
 * Locking rule: every function here runs with the BQL held, whichever
 * thread calls it (the main loop, a vCPU thread dispatching an exit, or an
 * I/O thread handling a queue notification, which takes the BQL around its
 * work). Guest memory is reached only through system/dma.h, whose map and
 * unmap need the BQL; the mapped buffers of a popped element may be read
 * and written by any thread (the block layer's workers) until the element
 * is pushed back.
 */
#ifndef HW_VIRTIO_VIRTIO_H
#define HW_VIRTIO_VIRTIO_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "hw/core/vmstate.h"
#include "system/dma.h"
#include "util/event-notifier.h"

/* Device status bits (2.1). */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER 2
#define VIRTIO_CONFIG_S_DRIVER_OK 4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED 0x80

/* Transport and ring feature bits (6). */
#define VIRTIO_F_NOTIFY_ON_EMPTY 24
#define VIRTIO_F_ANY_LAYOUT 27
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Split virtqueue layout (2.7). */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_DESC_SIZE 16
#define VRING_USED_ELEM_SIZE 8
/* The legacy interface's ring alignment (2.7.2). */
#define VIRTIO_LEGACY_VRING_ALIGN 4096

#define VIRTIO_QUEUE_MAX_SIZE 1024
#define VIRTIO_NO_VECTOR 0xffff

/* ISR status bits (4.1.4.5). */
#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

typedef struct VirtIODevice VirtIODevice;
typedef struct VirtQueue VirtQueue;

/*
 * One request popped from a queue: the driver-readable buffers (out) and
 * driver-writable buffers (in) of its descriptor chain, mapped in place.
 */
typedef struct VirtQueueElement {
    unsigned head; /* the chain's first descriptor, what the used ring gets */
    unsigned ndescs;
    DMAMapping out; /* read by the device */
    DMAMapping in;  /* written by the device */
} VirtQueueElement;

typedef void VirtIOHandleOutput(VirtIODevice *vdev, VirtQueue *vq);

struct VirtQueue {
    VirtIODevice *vdev;
    unsigned index;
    uint16_t num;     /* size the driver uses (0: queue not set up) */
    uint16_t num_max; /* size the device offers */
    bool enabled;     /* modern queue_enable, or a legacy PFN written */
    uint64_t desc, avail, used;
    uint16_t last_avail_idx;
    uint16_t used_idx;
    uint16_t signalled_used;
    bool signalled_used_valid;
    uint16_t vector;
    uint32_t inuse; /* popped and not pushed yet */
    VirtIOHandleOutput *handle_output;
    EventNotifier host_notifier; /* the driver's kick (ioeventfd) */
};

/* What the device model provides to the core. */
typedef struct VirtIODeviceOps {
    /* The device feature bits it offers (the core adds the ring ones). */
    uint64_t (*get_features)(VirtIODevice *vdev);
    /* Fills vdev->config before the driver reads it. */
    void (*get_config)(VirtIODevice *vdev, uint8_t *config);
    /* After the driver wrote vdev->config. */
    void (*set_config)(VirtIODevice *vdev, const uint8_t *config);
    /* Status changed (DRIVER_OK set or cleared); before reset's clearing. */
    void (*set_status)(VirtIODevice *vdev, uint8_t status);
    /* Device reset: stop, drain in-flight requests, clear device state. */
    void (*reset)(VirtIODevice *vdev);
} VirtIODeviceOps;

/* What the transport provides to the core. */
typedef struct VirtIOTransportOps {
    /* Signals the interrupt for vector (MSI-X), or INTx from vdev->isr. */
    void (*notify)(void *opaque, uint16_t vector);
    /* DRIVER_OK set (start) or the device stops (reset, status change). */
    void (*ioeventfd_start)(void *opaque);
    void (*ioeventfd_stop)(void *opaque);
} VirtIOTransportOps;

struct VirtIODevice {
    const char *name; /* for messages: "virtio-blk" */
    uint16_t device_id;
    const VirtIODeviceOps *ops;
    const VirtIOTransportOps *transport;
    void *transport_opaque;
    AddressSpace *dma_as;
    uint8_t status;
    uint8_t isr;
    bool broken;  /* a driver error stopped it until reset */
    bool started; /* DRIVER_OK seen and the transport started */
    uint64_t host_features;
    uint64_t guest_features;
    uint16_t config_vector;
    uint32_t config_generation;
    uint32_t config_len;
    uint8_t *config;
    uint32_t nvqs;
    VirtQueue *vq;
};

/* ---- device side ---------------------------------------------------------
 */

/* Sets up the core for a device with nvqs queues (handlers added next). */
void virtio_init(VirtIODevice *vdev, const char *name, uint16_t device_id,
                 const VirtIODeviceOps *ops, uint32_t config_len,
                 uint32_t nvqs);
void virtio_cleanup(VirtIODevice *vdev);
void virtio_add_queue(VirtIODevice *vdev, unsigned index, uint16_t size,
                      VirtIOHandleOutput *handle);
bool virtio_has_feature(const VirtIODevice *vdev, unsigned bit);
/*
 * A driver error: logs it, stops every queue and asks for a reset
 * (NEEDS_RESET and a configuration interrupt once VERSION_1 is in use).
 */
void virtio_error(VirtIODevice *vdev, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * The next available request, or NULL if there is none (or the device is
 * broken: the chain failed validation, which also calls virtio_error).
 */
VirtQueueElement *virtqueue_pop(VirtQueue *vq);
/*
 * Returns elem to the driver with len bytes written to its in buffers:
 * unmaps it, fills a used ring entry and publishes the used index. Frees
 * elem. Does not notify: call virtio_notify once per batch.
 */
void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len);
/*
 * The two halves of a push for several elements published at once (a
 * received frame spread over mergeable buffers): fill puts elem in the
 * used ring idx entries after the published index, flush publishes count
 * entries.
 */
void virtqueue_fill(VirtQueue *vq, VirtQueueElement *elem, uint32_t len,
                    unsigned idx);
void virtqueue_flush(VirtQueue *vq, unsigned count);
/*
 * Puts back the element popped last, as if it was never popped (a frame
 * that does not fit the buffers there are: they wait for more). Elements
 * go back in the reverse order they were popped.
 */
void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem);
/* Gives up on elem without returning it (reset, broken device). */
void virtqueue_element_free(VirtQueueElement *elem);
/* Gives up on an element popped from vq: no longer in use, then freed. */
void virtqueue_detach_element(VirtQueue *vq, VirtQueueElement *elem);
/* Whether the driver has made nothing new available. */
bool virtqueue_empty(VirtQueue *vq);
/* Asks the driver to (not) kick while the device is processing (2.7.10). */
void virtqueue_set_notification(VirtQueue *vq, bool enable);
/* Interrupts the driver for vq's used ring, unless it suppressed that. */
void virtio_notify(VirtIODevice *vdev, VirtQueue *vq);
/* A configuration change interrupt (bumps config_generation). */
void virtio_notify_config(VirtIODevice *vdev);
/* Runs vq's handler, as a kick does (transport, ioeventfd handlers). */
void virtio_queue_notify(VirtIODevice *vdev, unsigned index);

/* ---- transport side ------------------------------------------------------
 */

void virtio_set_transport(VirtIODevice *vdev, const VirtIOTransportOps *ops,
                          void *opaque, AddressSpace *dma_as);
/* Device reset: the driver wrote status 0, or the machine resets. */
void virtio_reset(VirtIODevice *vdev);
/*
 * A driver status write. FEATURES_OK is kept only if the features the
 * driver wrote are acceptable (a subset of the offer; VERSION_1 on the
 * modern interface); the driver reads the status back to see.
 */
void virtio_set_status(VirtIODevice *vdev, uint8_t status, bool modern);
/*
 * What the driver sees offered: the modern interface does not show the
 * legacy-only NOTIFY_ON_EMPTY and ANY_LAYOUT, the legacy one shows the
 * low 32 bits.
 */
uint64_t virtio_offered_features(const VirtIODevice *vdev, bool modern);
/* The driver's feature bits (ignored once FEATURES_OK is set). */
void virtio_set_guest_features(VirtIODevice *vdev, uint64_t features);
/* Device configuration access, bounds-checked; reads fill from the device. */
uint64_t virtio_config_read(VirtIODevice *vdev, uint32_t addr, unsigned size);
void virtio_config_write(VirtIODevice *vdev, uint32_t addr, uint64_t value,
                         unsigned size);
/*
 * Queue setup. Modern: the driver writes size and addresses, then enables;
 * legacy: a page frame number lays the rings out at the legacy alignment
 * (0 disables). Both check the rings fit guest memory.
 */
void virtio_queue_set_num(VirtQueue *vq, uint16_t num);
void virtio_queue_enable(VirtQueue *vq);
void virtio_queue_set_legacy_pfn(VirtQueue *vq, uint32_t pfn);
/* After a load: checks the queues and restarts a running device. */
bool virtio_post_load(VirtIODevice *vdev, GError **errp);

/*
 * The split ring's EVENT_IDX rule (2.7.7.2, 2.7.10.2): after moving an
 * index from old to new, the other side wants a notification if event
 * lies in [old, new), all modulo 2^16.
 */
static inline bool vring_need_event(uint16_t event, uint16_t new_idx,
                                    uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* The transport-independent part of a virtio device's saved state. */
extern const VMStateDescription vmstate_virtio_device;

#endif
