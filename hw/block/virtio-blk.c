/*
 * virtio-blk (virtio 1.2, 5.2): reads, writes, flushes and GET_ID on a
 * block backend, one or more request queues. A request's buffers are the
 * guest's own, mapped in place by the virtio core and handed to the block
 * layer as I/O vectors; every request of one notification is submitted
 * before the handler returns (between a plug and an unplug of the
 * backend, so a kernel engine gets them in one submission), and completes
 * asynchronously. Discard and write zeroes take one segment each, as in
 * QEMU. The writeback byte is the backend's write cache: the block layer
 * makes a write stable before it completes when the guest turns it off.
 * Not offered: geometry, lifetime and zoned devices.
 *
 * Saved state: in-flight requests are never in the stream. Saving drains
 * the backend first (every request completes and is pushed to the used
 * ring), and refuses if a popped request is still not returned.
 */
#include <string.h>

#include "block/block.h"
#include "hw/block/drive-prop.h"
#include "hw/block/virtio-blk.h"
#include "util/error.h"
#include "util/log.h"

/* A single segment's limit: seg_max of them stay under DMA_MAX_TRANSFER. */
#define VIRTIO_BLK_SIZE_MAX (1u << 20)
#define VIRTIO_BLK_HEADER_SIZE 16

typedef struct VirtIOBlockReq {
    VirtIOBlock *s;
    VirtQueue *vq;
    VirtQueueElement *elem;
    uint32_t type;
    uint64_t sector;
    IOVector qiov;   /* the data buffers, without header or status */
    uint8_t *status; /* the last driver-writable byte */
    uint32_t in_len; /* bytes written to the driver, status included */
} VirtIOBlockReq;

static VirtIOBlock *VIRTIO_BLK(VirtIODevice *vdev)
{
    return (VirtIOBlock *)vdev;
}

/* ---- requests ---------------------------------------------------------- */

static void virtio_blk_req_complete(VirtIOBlockReq *req, uint8_t status)
{
    *req->status = status;
    virtqueue_push(req->vq, req->elem, req->in_len);
    iovector_destroy(&req->qiov);
    g_free(req);
}

static void virtio_blk_rw_done(void *opaque, int ret)
{
    VirtIOBlockReq *req = opaque;
    VirtIOBlock *s = req->s;
    VirtQueue *vq = req->vq;

    if (ret) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-blk: request type %u at sector %" PRIu64
                        " failed: %s\n",
                        req->type, req->sector, g_strerror(-ret));
        req->in_len = 1;
        virtio_blk_req_complete(req, VIRTIO_BLK_S_IOERR);
    } else {
        virtio_blk_req_complete(req, VIRTIO_BLK_S_OK);
    }
    virtio_notify(&s->parent_obj, vq);
}

/* Appends the bytes [offset, offset + len) of map's host pieces to v. */
static void virtio_blk_iov_slice(IOVector *v, const DMAMapping *map,
                                 uint64_t offset, uint64_t len)
{
    for (unsigned i = 0; i < map->niov && len; i++) {
        uint64_t piece = map->iov[i].iov_len;

        if (offset >= piece) {
            offset -= piece;
            continue;
        }
        piece = MIN(piece - offset, len);
        iovector_add(v, (uint8_t *)map->iov[i].iov_base + offset, piece);
        len -= piece;
        offset = 0;
    }
}

static bool virtio_blk_range_ok(VirtIOBlock *s, VirtIOBlockReq *req)
{
    uint64_t bytes = req->qiov.size;

    if (bytes % BDRV_SECTOR_SIZE) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-blk: %" PRIu64 " bytes is not a whole "
                        "number of sectors\n",
                        bytes);
        return false;
    }
    if (req->sector > UINT64_MAX / BDRV_SECTOR_SIZE ||
        !blk_range_valid(s->blk, req->sector * BDRV_SECTOR_SIZE, bytes)) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-blk: sector %" PRIu64 " + %" PRIu64
                        " bytes is past the end\n",
                        req->sector, bytes);
        return false;
    }
    return true;
}

static uint32_t ldl_le(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Discard and write zeroes (5.2.6.2): one segment after the header, as
 * QEMU takes; its flags and range are checked before the backend sees it.
 * True if the request completed at once.
 */
static bool virtio_blk_handle_dwz(VirtIOBlock *s, VirtIOBlockReq *req,
                                  IOVector *out)
{
    bool discard = req->type == VIRTIO_BLK_T_DISCARD;
    uint32_t feature =
        discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
    uint32_t max =
        discard ? s->max_discard_sectors : s->max_write_zeroes_sectors;
    uint8_t seg[VIRTIO_BLK_DWZ_SEG_SIZE];
    uint64_t sector = 0, bytes;
    uint32_t nsectors, flags;

    if (!virtio_has_feature(&s->parent_obj, feature) ||
        out->size != VIRTIO_BLK_HEADER_SIZE + sizeof(seg)) {
        /* Not negotiated, or more (or less) than one segment. */
        virtio_blk_req_complete(req, VIRTIO_BLK_S_UNSUPP);
        return true;
    }
    iovector_to_buf(out, VIRTIO_BLK_HEADER_SIZE, seg, sizeof(seg));
    for (int i = 7; i >= 0; i--) {
        sector = sector << 8 | seg[i];
    }
    nsectors = ldl_le(seg + 8);
    flags = ldl_le(seg + 12);
    if (flags & ~(discard ? 0u : VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)) {
        virtio_blk_req_complete(req, VIRTIO_BLK_S_UNSUPP);
        return true;
    }
    bytes = (uint64_t)nsectors * BDRV_SECTOR_SIZE;
    if (nsectors > max || blk_is_read_only(s->blk) ||
        sector > UINT64_MAX / BDRV_SECTOR_SIZE ||
        !blk_range_valid(s->blk, sector * BDRV_SECTOR_SIZE, bytes)) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "virtio-blk: %s of %u sectors at %" PRIu64 " refused\n",
                        discard ? "discard" : "write zeroes", nsectors, sector);
        virtio_blk_req_complete(req, VIRTIO_BLK_S_IOERR);
        return true;
    }
    req->sector = sector;
    if (discard) {
        blk_aio_pdiscard(s->blk, sector * BDRV_SECTOR_SIZE, bytes,
                         virtio_blk_rw_done, req);
    } else {
        blk_aio_pwrite_zeroes(
            s->blk, sector * BDRV_SECTOR_SIZE, bytes,
            flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP ? BDRV_REQ_MAY_UNMAP : 0,
            virtio_blk_rw_done, req);
    }
    return false;
}

/* Starts one request; true if it completed synchronously (notify later). */
static bool virtio_blk_handle_request(VirtIOBlock *s, VirtQueue *vq,
                                      VirtQueueElement *elem)
{
    VirtIODevice *vdev = &s->parent_obj;
    uint8_t hdr[VIRTIO_BLK_HEADER_SIZE];
    const struct iovec *last;
    VirtIOBlockReq *req;
    IOVector out;
    uint64_t data_len;

    if (elem->out.size < VIRTIO_BLK_HEADER_SIZE || elem->in.size < 1) {
        virtio_error(vdev, "request %u lacks its header or status byte",
                     elem->head);
        virtqueue_detach_element(vq, elem);
        return false;
    }
    iovector_init_external(&out, elem->out.iov, elem->out.niov);
    iovector_to_buf(&out, 0, hdr, sizeof(hdr));

    req = g_new0(VirtIOBlockReq, 1);
    req->s = s;
    req->vq = vq;
    req->elem = elem;
    req->type = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    for (int i = 7; i >= 0; i--) {
        req->sector = req->sector << 8 | hdr[8 + i];
    }
    last = &elem->in.iov[elem->in.niov - 1];
    req->status = (uint8_t *)last->iov_base + last->iov_len - 1;
    req->in_len = 1;
    iovector_init(&req->qiov, 4);

    switch (req->type) {
    case VIRTIO_BLK_T_IN:
        data_len = elem->in.size - 1;
        virtio_blk_iov_slice(&req->qiov, &elem->in, 0, data_len);
        if (!virtio_blk_range_ok(s, req)) {
            break;
        }
        req->in_len = data_len + 1;
        blk_aio_preadv(s->blk, req->sector * BDRV_SECTOR_SIZE, &req->qiov,
                       virtio_blk_rw_done, req);
        return false;
    case VIRTIO_BLK_T_OUT:
        data_len = elem->out.size - VIRTIO_BLK_HEADER_SIZE;
        virtio_blk_iov_slice(&req->qiov, &elem->out, VIRTIO_BLK_HEADER_SIZE,
                             data_len);
        if (blk_is_read_only(s->blk) || !virtio_blk_range_ok(s, req)) {
            break;
        }
        blk_aio_pwritev(s->blk, req->sector * BDRV_SECTOR_SIZE, &req->qiov,
                        virtio_blk_rw_done, req);
        return false;
    case VIRTIO_BLK_T_FLUSH:
        blk_aio_flush(s->blk, virtio_blk_rw_done, req);
        return false;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        return virtio_blk_handle_dwz(s, req, &out);
    case VIRTIO_BLK_T_GET_ID: {
        uint8_t id[VIRTIO_BLK_ID_BYTES] = {0};
        IOVector in;
        uint64_t n = MIN(elem->in.size - 1, VIRTIO_BLK_ID_BYTES);

        if (s->serial) {
            memcpy(id, s->serial, MIN(strlen(s->serial), sizeof(id)));
        }
        iovector_init_external(&in, elem->in.iov, elem->in.niov);
        iovector_from_buf(&in, 0, id, n);
        req->in_len = n + 1;
        virtio_blk_req_complete(req, VIRTIO_BLK_S_OK);
        return true;
    }
    default:
        virtio_blk_req_complete(req, VIRTIO_BLK_S_UNSUPP);
        return true;
    }
    virtio_blk_req_complete(req, VIRTIO_BLK_S_IOERR);
    return true;
}

static void virtio_blk_handle_output(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    VirtQueueElement *elem;
    bool completed = false;

    blk_io_plug(s->blk);
    do {
        virtqueue_set_notification(vq, false);
        while ((elem = virtqueue_pop(vq))) {
            completed |= virtio_blk_handle_request(s, vq, elem);
        }
        virtqueue_set_notification(vq, true);
    } while (!vdev->broken && !virtqueue_empty(vq));
    blk_io_unplug(s->blk);
    if (completed) {
        virtio_notify(vdev, vq);
    }
}

/* ---- configuration and features ---------------------------------------- */

static uint64_t virtio_blk_get_features(VirtIODevice *vdev)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    uint64_t f =
        (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
        (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH) |
        (1ull << VIRTIO_BLK_F_TOPOLOGY) | (1ull << VIRTIO_BLK_F_CONFIG_WCE);

    if (s->num_queues > 1) {
        f |= 1ull << VIRTIO_BLK_F_MQ;
    }
    if (blk_is_read_only(s->blk)) {
        f |= 1ull << VIRTIO_BLK_F_RO;
    }
    if (s->discard) {
        f |= 1ull << VIRTIO_BLK_F_DISCARD;
    }
    if (s->write_zeroes) {
        f |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
    }
    return f;
}

static void virtio_blk_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);
    uint64_t capacity = blk_getlength(s->blk) / BDRV_SECTOR_SIZE;
    uint32_t v32;
    uint16_t v16;

    memset(config, 0, VIRTIO_BLK_CFG_SIZE);
    capacity = GUINT64_TO_LE(capacity);
    memcpy(config + VIRTIO_BLK_CFG_CAPACITY, &capacity, 8);
    v32 = GUINT32_TO_LE(VIRTIO_BLK_SIZE_MAX);
    memcpy(config + VIRTIO_BLK_CFG_SIZE_MAX, &v32, 4);
    v32 = GUINT32_TO_LE(s->queue_size - 2u);
    memcpy(config + VIRTIO_BLK_CFG_SEG_MAX, &v32, 4);
    v32 = GUINT32_TO_LE(BDRV_SECTOR_SIZE);
    memcpy(config + VIRTIO_BLK_CFG_BLK_SIZE, &v32, 4);
    /* Topology: 512-byte physical blocks, no alignment offset or hints. */
    config[VIRTIO_BLK_CFG_WRITEBACK] = s->wce;
    v16 = GUINT16_TO_LE(s->num_queues);
    memcpy(config + VIRTIO_BLK_CFG_NUM_QUEUES, &v16, 2);
    /* One segment per request, sector-aligned, as QEMU reports them. */
    v32 = GUINT32_TO_LE(s->max_discard_sectors);
    memcpy(config + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, &v32, 4);
    v32 = GUINT32_TO_LE(1);
    memcpy(config + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, &v32, 4);
    memcpy(config + VIRTIO_BLK_CFG_DISCARD_ALIGNMENT, &v32, 4);
    memcpy(config + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, &v32, 4);
    v32 = GUINT32_TO_LE(s->max_write_zeroes_sectors);
    memcpy(config + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, &v32, 4);
    config[VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = 1;
}

static void virtio_blk_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);

    if (!virtio_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE)) {
        return;
    }
    s->wce = config[VIRTIO_BLK_CFG_WRITEBACK] != 0;
    blk_set_enable_write_cache(s->blk, s->wce);
}

/* A driver taking DRIVER_OK away stops the device: let its requests end. */
static void virtio_blk_set_status(VirtIODevice *vdev, uint8_t status)
{
    if (!(status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        blk_drain(VIRTIO_BLK(vdev)->blk);
    }
}

static void virtio_blk_reset(VirtIODevice *vdev)
{
    VirtIOBlock *s = VIRTIO_BLK(vdev);

    /* Every request finishes (and returns its buffers) before the rings go. */
    blk_drain(s->blk);
    s->wce = s->wce_default;
    blk_set_enable_write_cache(s->blk, s->wce);
}

static const VirtIODeviceOps virtio_blk_ops = {
    .get_features = virtio_blk_get_features,
    .get_config = virtio_blk_get_config,
    .set_config = virtio_blk_set_config,
    .set_status = virtio_blk_set_status,
    .reset = virtio_blk_reset,
};

/* ---- realize and state ------------------------------------------------- */

static void virtio_blk_resized(void *opaque)
{
    VirtIOBlock *s = opaque;

    virtio_notify_config(&s->parent_obj);
}

bool virtio_blk_realize(VirtIOBlock *s, unsigned ncpus, GError **errp)
{
    VirtIODevice *vdev = &s->parent_obj;

    if (!s->drive) {
        return error_setg(errp, "drive property not set");
    }
    s->blk = s->drive->blk;
    if (!s->blk || !blk_is_inserted(s->blk)) {
        return error_setg(errp, "Device needs media, but drive is empty");
    }
    /* block_resize: the capacity in config space follows the backend. */
    blk_set_resize_cb(s->blk, virtio_blk_resized, s);
    if (s->queue_size <= 2) {
        return error_setg(errp, "invalid queue-size property (%u), must be > 2",
                          s->queue_size);
    }
    if (s->queue_size & (s->queue_size - 1)) {
        return error_setg(errp,
                          "invalid queue-size property (%u), must be a "
                          "power of 2",
                          s->queue_size);
    }
    if (s->queue_size > VIRTIO_QUEUE_MAX_SIZE) {
        return error_setg(errp,
                          "invalid queue-size property (%u), must be <= %u",
                          s->queue_size, VIRTIO_QUEUE_MAX_SIZE);
    }
    if (s->num_queues == VIRTIO_BLK_AUTO_NUM_QUEUES) {
        s->num_queues = MAX(1u, MIN(ncpus, 64u));
    }
    if (!s->num_queues) {
        return error_setg(errp, "num-queues property must be larger than 0");
    }
    if (s->num_queues > 64) {
        return error_setg(errp, "num-queues property must be <= 64");
    }
    if (s->serial && strlen(s->serial) > VIRTIO_BLK_ID_BYTES) {
        log_mask_printf(LOG_UNIMP,
                        "virtio-blk: serial '%s' is cut to 20 bytes\n",
                        s->serial);
    }
    if (s->discard && (!s->max_discard_sectors ||
                       s->max_discard_sectors > VIRTIO_BLK_MAX_SECTORS)) {
        return error_setg(errp,
                          "invalid max-discard-sectors property (%u), must "
                          "be between 1 and %u",
                          s->max_discard_sectors, VIRTIO_BLK_MAX_SECTORS);
    }
    if (s->write_zeroes &&
        (!s->max_write_zeroes_sectors ||
         s->max_write_zeroes_sectors > VIRTIO_BLK_MAX_SECTORS)) {
        return error_setg(errp,
                          "invalid max-write-zeroes-sectors property (%u), "
                          "must be between 1 and %u",
                          s->max_write_zeroes_sectors, VIRTIO_BLK_MAX_SECTORS);
    }
    s->wce_default = blk_enable_write_cache(s->blk);
    s->wce = s->wce_default;
    virtio_init(vdev, "virtio-blk", VIRTIO_ID_BLOCK, &virtio_blk_ops,
                VIRTIO_BLK_CFG_SIZE, s->num_queues);
    for (unsigned i = 0; i < s->num_queues; i++) {
        virtio_add_queue(vdev, i, s->queue_size, virtio_blk_handle_output);
    }
    return true;
}

static bool virtio_blk_pre_save(void *opaque, GError **errp)
{
    VirtIOBlock *s = opaque;
    VirtIODevice *vdev = &s->parent_obj;

    blk_drain(s->blk);
    for (unsigned i = 0; i < vdev->nvqs; i++) {
        if (vdev->vq[i].inuse) {
            return error_setg(errp, "queue %u has %u requests in flight", i,
                              vdev->vq[i].inuse);
        }
    }
    return true;
}

static bool virtio_blk_post_load(void *opaque, int version_id, GError **errp)
{
    VirtIOBlock *s = opaque;

    s->wce = s->wce != 0;
    blk_set_enable_write_cache(s->blk, s->wce);
    return true;
}

const VMStateDescription vmstate_virtio_blk = {
    .name = "virtio-blk",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = virtio_blk_pre_save,
    .post_load = virtio_blk_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(parent_obj, VirtIOBlock, vmstate_virtio_device,
                           VirtIODevice),
            VMSTATE_UINT8(wce, VirtIOBlock),
            VMSTATE_END_OF_LIST(),
        },
};
