/*
 * The virtio memory balloon (virtio 1.2, 5.5), transport-independent: the
 * host sets a target of pages the driver should hand back (num_pages),
 * the driver inflates by sending page frame numbers and reports what it
 * holds (actual); the pages it inflates are given back to the host. The
 * statistics queue carries the guest's memory statistics when the
 * polling interval asks for them.
 */
#ifndef HW_VIRTIO_VIRTIO_BALLOON_H
#define HW_VIRTIO_VIRTIO_BALLOON_H

#include "hw/core/device.h"
#include "hw/virtio/virtio.h"
#include "system/timer.h"

#define VIRTIO_ID_BALLOON 5

/* Feature bits (5.5.3). */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define VIRTIO_BALLOON_F_STATS_VQ 1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2

/* The balloon's page size, whatever the guest's or the host's (5.5.6). */
#define VIRTIO_BALLOON_PFN_SHIFT 12

/* Statistics tags (5.5.6.3). */
enum {
    VIRTIO_BALLOON_S_SWAP_IN,
    VIRTIO_BALLOON_S_SWAP_OUT,
    VIRTIO_BALLOON_S_MAJFLT,
    VIRTIO_BALLOON_S_MINFLT,
    VIRTIO_BALLOON_S_MEMFREE,
    VIRTIO_BALLOON_S_MEMTOT,
    VIRTIO_BALLOON_S_AVAIL,
    VIRTIO_BALLOON_S_CACHES,
    VIRTIO_BALLOON_S_HTLB_PGALLOC,
    VIRTIO_BALLOON_S_HTLB_PGFAIL,
    VIRTIO_BALLOON_S_NR,
};

typedef struct VirtIOBalloon {
    VirtIODevice parent_obj;
    uint64_t ram_size;  /* the guest's, in bytes */
    uint32_t num_pages; /* target: pages the driver should give back */
    uint32_t actual;    /* pages the driver says it gave back */
    uint64_t discarded; /* pages given back to the host (statistics) */
    VirtQueue *ivq, *dvq, *svq;
    VirtQueueElement *stats_elem; /* the driver's buffer, held for a poll */
    bool stats_held;              /* saved: stats_elem was set */
    uint64_t stats[VIRTIO_BALLOON_S_NR];
    int64_t stats_last_update;    /* host seconds; 0: never */
    uint32_t stats_poll_interval; /* seconds; 0: no polling */
    Timer *stats_timer;
    bool deflate_on_oom;
} VirtIOBalloon;

#define VIRTIO_BALLOON_PROPERTIES(st, f)                                       \
    DEFINE_PROP_BOOL("deflate-on-oom", st, f.deflate_on_oom, false),           \
        DEFINE_PROP_UINT32("guest-stats-polling-interval", st,                 \
                           f.stats_poll_interval, 0)

bool virtio_balloon_realize(VirtIOBalloon *s, uint64_t ram_size, GError **errp);
void virtio_balloon_unrealize(VirtIOBalloon *s);
/* After the transport's post_load: takes the held buffer back. */
void virtio_balloon_post_load(VirtIOBalloon *s);
/* QOM's "guest-stats" of the device object: QEMU's layout. */
void virtio_balloon_add_properties(VirtIOBalloon *s, Object *obj);

extern const VMStateDescription vmstate_virtio_balloon;

#endif
