/*
 * The virtio memory balloon (include/hw/virtio/virtio-balloon.h).
 *
 * Queues: 0 inflate, 1 deflate, 2 statistics (STATS_VQ, always offered
 * as QEMU does). An inflate buffer is an array of little-endian 32-bit
 * page frame numbers of 4 KiB pages; each page that is guest RAM is given
 * back to the host (dma_memory_discard: it reads as zeroes when the guest
 * touches it again), anything else is a logged guest error and skipped.
 * A deflate needs nothing from the host: the page comes back on its first
 * touch. The statistics buffer (tag le16, value le64, 10 bytes each) is
 * kept after the driver's first report; every polling interval it is
 * handed back, which asks the driver for a fresh report.
 *
 * Configuration: num_pages (le32, the host's target) at 0 and actual
 * (le32, written by the driver) at 4. A new actual is reported to QMP
 * clients as BALLOON_CHANGE. The monitor's balloon and query-balloon
 * commands reach the one balloon a machine may have.
 */
#include <string.h>
#include <time.h>

#include "block/iov.h"
#include "hw/virtio/virtio-balloon.h"
#include "qapi/qmp-registry.h"
#include "util/byteorder.h"
#include "util/error.h"
#include "util/log.h"

#define BALLOON_PAGE_SIZE (1u << VIRTIO_BALLOON_PFN_SHIFT)
#define BALLOON_CONFIG_LEN 8
#define BALLOON_STAT_SIZE 10 /* le16 tag, le64 value, packed */

/* The machine's balloon: the monitor's commands act on it. */
static VirtIOBalloon *the_balloon;

static uint64_t balloon_actual_bytes(VirtIOBalloon *s)
{
    return s->ram_size - (uint64_t)s->actual * BALLOON_PAGE_SIZE;
}

/* ---- queues ------------------------------------------------------------- */

/* Gives [first, first + count) pages back to the host, or logs why not. */
static void balloon_discard(VirtIOBalloon *s, uint64_t first, uint64_t count)
{
    VirtIODevice *vdev = &s->parent_obj;
    uint64_t gpa = first << VIRTIO_BALLOON_PFN_SHIFT;

    if (!count) {
        return;
    }
    if (dma_memory_discard(vdev->dma_as, gpa,
                           count << VIRTIO_BALLOON_PFN_SHIFT)) {
        s->discarded += count;
        return;
    }
    /* A run that is not all RAM: page by page, to keep the RAM in it. */
    for (uint64_t i = 0; count > 1 && i < count; i++) {
        balloon_discard(s, first + i, 1);
    }
    if (count == 1) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-balloon: inflated page 0x%" PRIx64
                        " is not guest RAM\n",
                        gpa);
    }
}

/*
 * Inflate and deflate buffers: arrays of page frame numbers. Adjacent
 * pages (the driver sends them in the order it allocated them) are
 * discarded as one range.
 */
static void balloon_handle_pages(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *s = (VirtIOBalloon *)vdev;
    VirtQueueElement *elem;
    bool done = false;

    while ((elem = virtqueue_pop(vq))) {
        uint64_t first = 0, count = 0;
        IOVector out;
        uint8_t pfn[4];

        iovector_init_external(&out, elem->out.iov, elem->out.niov);
        for (uint64_t off = 0;
             vq == s->ivq && off + sizeof(pfn) <= elem->out.size;
             off += sizeof(pfn)) {
            uint64_t page;

            iovector_to_buf(&out, off, pfn, sizeof(pfn));
            page = ldl_le_p(pfn);
            if (count && page == first + count) {
                count++;
                continue;
            }
            balloon_discard(s, first, count);
            first = page;
            count = 1;
        }
        balloon_discard(s, first, count);
        virtqueue_push(vq, elem, 0);
        done = true;
    }
    if (done) {
        virtio_notify(vdev, vq);
    }
}

static void balloon_stats_arm(VirtIOBalloon *s)
{
    if (s->stats_poll_interval && s->stats_timer) {
        timer_mod_ns(s->stats_timer,
                     vm_clock_get_ns(VM_CLOCK_VIRTUAL) +
                         (int64_t)s->stats_poll_interval * 1000000000LL);
    }
}

/* The driver filled the statistics buffer: keep it for the next poll. */
static void balloon_handle_stats(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *s = (VirtIOBalloon *)vdev;
    VirtQueueElement *elem = virtqueue_pop(vq);
    IOVector out;
    uint8_t entry[BALLOON_STAT_SIZE];

    if (!elem) {
        return;
    }
    if (s->stats_elem) {
        virtio_error(vdev, "virtio-balloon: a second statistics buffer");
        virtqueue_detach_element(vq, elem);
        return;
    }
    iovector_init_external(&out, elem->out.iov, elem->out.niov);
    for (uint64_t off = 0; off + sizeof(entry) <= elem->out.size;
         off += sizeof(entry)) {
        uint16_t tag;

        iovector_to_buf(&out, off, entry, sizeof(entry));
        tag = lduw_le_p(entry);
        if (tag < VIRTIO_BALLOON_S_NR) {
            s->stats[tag] = ldq_le_p(entry + 2);
        }
    }
    s->stats_elem = elem;
    s->stats_last_update = time(NULL);
    balloon_stats_arm(s);
}

/* A poll: the buffer goes back, the driver answers with fresh values. */
static void balloon_stats_poll(void *opaque)
{
    VirtIOBalloon *s = opaque;
    VirtIODevice *vdev = &s->parent_obj;

    if (!s->stats_elem || !vdev->started) {
        balloon_stats_arm(s);
        return;
    }
    virtqueue_push(s->svq, s->stats_elem, 0);
    s->stats_elem = NULL;
    virtio_notify(vdev, s->svq);
}

/* ---- device ops --------------------------------------------------------- */

static uint64_t balloon_get_features(VirtIODevice *vdev)
{
    VirtIOBalloon *s = (VirtIOBalloon *)vdev;
    uint64_t f = 1ull << VIRTIO_BALLOON_F_STATS_VQ;

    if (s->deflate_on_oom) {
        f |= 1ull << VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
    }
    return f;
}

static void balloon_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOBalloon *s = (VirtIOBalloon *)vdev;

    stl_le_p(config, s->num_pages);
    stl_le_p(config + 4, s->actual);
}

static void balloon_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIOBalloon *s = (VirtIOBalloon *)vdev;
    uint32_t actual = ldl_le_p(config + 4);
    JsonObject *data;
    JsonNode *node;

    /* The driver cannot give back more than the guest has. */
    actual = MIN(actual, (uint32_t)(s->ram_size / BALLOON_PAGE_SIZE));
    if (actual == s->actual) {
        return;
    }
    s->actual = actual;
    data = json_object_new();
    json_object_set_int_member(data, "actual", (gint64)balloon_actual_bytes(s));
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, data);
    qmp_event_emit("BALLOON_CHANGE", node);
}

static void balloon_reset(VirtIODevice *vdev)
{
    VirtIOBalloon *s = (VirtIOBalloon *)vdev;

    if (s->stats_elem) {
        virtqueue_element_free(s->stats_elem);
        s->stats_elem = NULL;
    }
    if (s->stats_timer) {
        timer_del(s->stats_timer);
    }
    /* The guest's driver starts over with all its memory (QEMU's). */
    s->actual = 0;
}

static const VirtIODeviceOps balloon_ops = {
    .get_features = balloon_get_features,
    .get_config = balloon_get_config,
    .set_config = balloon_set_config,
    .reset = balloon_reset,
};

/* ---- monitor ------------------------------------------------------------ */

static JsonNode *balloon_info_node(VirtIOBalloon *s)
{
    JsonObject *info = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_object_set_int_member(info, "actual", (gint64)balloon_actual_bytes(s));
    json_node_take_object(node, info);
    return node;
}

static bool balloon_active(GError **errp)
{
    if (!the_balloon) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_ACTIVE,
                    "No balloon device has been activated");
        return false;
    }
    return true;
}

static JsonNode *qmp_query_balloon(JsonObject *args, GError **errp)
{
    return balloon_active(errp) ? balloon_info_node(the_balloon) : NULL;
}

/* balloon value=BYTES: the guest's memory target. */
static JsonNode *qmp_balloon(JsonObject *args, GError **errp)
{
    gint64 value = json_object_get_int_member(args, "value");
    VirtIOBalloon *s = the_balloon;
    uint64_t target;

    if (!balloon_active(errp)) {
        return NULL;
    }
    if (value <= 0) {
        error_setg(errp, "Parameter 'target' expects a size");
        return NULL;
    }
    target = MIN((uint64_t)value, s->ram_size);
    s->num_pages = (s->ram_size - target) >> VIRTIO_BALLOON_PFN_SHIFT;
    virtio_notify_config(&s->parent_obj);
    return NULL;
}

static const QmpMember balloon_args[] = {{"value", "int"}, {NULL}};

static const QmpCommandDef balloon_qmp_commands[] = {
    {"balloon", qmp_balloon, balloon_args, NULL},
    {"query-balloon", qmp_query_balloon, NULL, "BalloonInfo"},
    {NULL},
};

static void balloon_qmp_register(void)
{
    qmp_register_commands(balloon_qmp_commands);
}
qmp_init(balloon_qmp_register)

    /* qom-get's guest-stats: QEMU's names, -1 for what the guest never sent. */
    static GVariant *balloon_get_guest_stats(Object *obj, void *opaque)
{
    static const char *const names[VIRTIO_BALLOON_S_NR] = {
        "stat-swap-in",          "stat-swap-out",    "stat-major-faults",
        "stat-minor-faults",     "stat-free-memory", "stat-total-memory",
        "stat-available-memory", "stat-disk-caches", "stat-htlb-pgalloc",
        "stat-htlb-pgfail",
    };
    VirtIOBalloon *s = opaque;
    GVariantBuilder stats, root;

    g_variant_builder_init(&stats, G_VARIANT_TYPE("a{sv}"));
    for (int i = 0; i < VIRTIO_BALLOON_S_NR; i++) {
        g_variant_builder_add(&stats, "{sv}", names[i],
                              g_variant_new_int64(s->stats_last_update
                                                      ? (gint64)s->stats[i]
                                                      : -1));
    }
    g_variant_builder_init(&root, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&root, "{sv}", "stats",
                          g_variant_builder_end(&stats));
    g_variant_builder_add(&root, "{sv}", "last-update",
                          g_variant_new_int64(s->stats_last_update));
    return g_variant_builder_end(&root);
}

void virtio_balloon_add_properties(VirtIOBalloon *s, Object *obj)
{
    object_add_property(obj, "guest-stats", "guest statistics",
                        balloon_get_guest_stats, s,
                        "the guest's memory statistics (its last report)");
}

/* ---- realize and state -------------------------------------------------- */

bool virtio_balloon_realize(VirtIOBalloon *s, uint64_t ram_size, GError **errp)
{
    VirtIODevice *vdev = &s->parent_obj;

    if (the_balloon) {
        return error_setg(errp, "Only one balloon device is supported");
    }
    s->ram_size = ram_size;
    virtio_init(vdev, "virtio-balloon", VIRTIO_ID_BALLOON, &balloon_ops,
                BALLOON_CONFIG_LEN, 3);
    virtio_add_queue(vdev, 0, 128, balloon_handle_pages);
    virtio_add_queue(vdev, 1, 128, balloon_handle_pages);
    virtio_add_queue(vdev, 2, 128, balloon_handle_stats);
    s->ivq = &vdev->vq[0];
    s->dvq = &vdev->vq[1];
    s->svq = &vdev->vq[2];
    s->stats_timer = timer_new_ns(VM_CLOCK_VIRTUAL, balloon_stats_poll, s);
    the_balloon = s;
    return true;
}

void virtio_balloon_unrealize(VirtIOBalloon *s)
{
    balloon_reset(&s->parent_obj);
    timer_free(s->stats_timer);
    s->stats_timer = NULL;
    virtio_cleanup(&s->parent_obj);
    if (the_balloon == s) {
        the_balloon = NULL;
    }
}

static bool balloon_pre_save(void *opaque, GError **errp)
{
    VirtIOBalloon *s = opaque;

    s->stats_held = s->stats_elem != NULL;
    return true;
}

/*
 * The held statistics buffer is the last one popped from the queue and
 * still the driver's (it is never returned while held): after a load,
 * once the transport restored the queues, pop it again.
 */
void virtio_balloon_post_load(VirtIOBalloon *s)
{
    if (s->stats_held && !s->stats_elem) {
        s->svq->last_avail_idx--;
        s->stats_elem = virtqueue_pop(s->svq);
    }
    if (s->stats_elem) {
        balloon_stats_arm(s);
    }
}

const VMStateDescription vmstate_virtio_balloon = {
    .name = "virtio-balloon",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = balloon_pre_save,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(parent_obj, VirtIOBalloon, vmstate_virtio_device,
                           VirtIODevice),
            VMSTATE_UINT32(num_pages, VirtIOBalloon),
            VMSTATE_UINT32(actual, VirtIOBalloon),
            VMSTATE_BOOL(stats_held, VirtIOBalloon),
            VMSTATE_END_OF_LIST(),
        },
};
