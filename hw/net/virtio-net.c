/*
 * The virtio network device (include/hw/net/virtio-net.h), virtio 1.2
 * section 5.1.
 *
 * Transmit: each chain is a virtio_net_hdr (ignored: no offloads are
 * offered) followed by one frame, sent to the backend. When the backend
 * cannot take it, the chain stays popped until the net layer delivers it,
 * and the queue is not read meanwhile. Receive: a frame goes into the
 * next receive buffer behind a header, or with MRG_RXBUF across as many
 * buffers as it needs, num_buffers saying how many. With no buffer posted
 * the device tells the backend it cannot receive (the frame waits in the
 * net queue, a socket backend stops reading) and asks the driver for a
 * kick, on which it flushes the queue. The control queue sets promiscuous
 * and all-multicast mode, the MAC filter table and the MAC address. A
 * reset leaves the device promiscuous, as QEMU's, so a driver without
 * CTRL_RX receives everything.
 */
#include <string.h>

#include "block/iov.h"
#include "hw/net/virtio-net.h"
#include "util/byteorder.h"
#include "util/error.h"
#include "util/log.h"

static unsigned virtio_net_nic_count;
/* NICs given QEMU's default MAC so far (those with mac= do not count). */
static unsigned virtio_net_default_macs;

static size_t virtio_net_hdr_len(VirtIONet *n)
{
    VirtIODevice *vdev = &n->parent_obj;

    return virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF) ||
                   virtio_has_feature(vdev, VIRTIO_F_VERSION_1)
               ? VIRTIO_NET_HDR_MRG_SIZE
               : VIRTIO_NET_HDR_SIZE;
}

static bool virtio_net_running(VirtIONet *n)
{
    VirtIODevice *vdev = &n->parent_obj;

    return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !vdev->broken;
}

/* ---- configuration ------------------------------------------------------ */

static uint64_t virtio_net_get_features(VirtIODevice *vdev)
{
    VirtIONet *n = (VirtIONet *)vdev;
    uint64_t f = 1ull << VIRTIO_NET_F_MAC;

    if (n->mrg_rxbuf) {
        f |= 1ull << VIRTIO_NET_F_MRG_RXBUF;
    }
    if (n->status_feature) {
        f |= 1ull << VIRTIO_NET_F_STATUS;
    }
    if (n->ctrl_vq) {
        f |= 1ull << VIRTIO_NET_F_CTRL_VQ | 1ull << VIRTIO_NET_F_CTRL_RX |
             1ull << VIRTIO_NET_F_CTRL_MAC_ADDR;
    }
    return f | 1ull << VIRTIO_F_VERSION_1;
}

static void virtio_net_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIONet *n = (VirtIONet *)vdev;

    memcpy(config + VIRTIO_NET_CFG_MAC, n->mac, 6);
    stw_le_p(config + VIRTIO_NET_CFG_STATUS, n->status);
    stw_le_p(config + VIRTIO_NET_CFG_MAX_VQ_PAIRS, 1);
}

static void virtio_net_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIONet *n = (VirtIONet *)vdev;

    /* Legacy drivers without CTRL_MAC_ADDR set the MAC here (5.1.4.2). */
    if (!virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_MAC_ADDR) &&
        !virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
        memcpy(n->mac, config + VIRTIO_NET_CFG_MAC, 6);
    }
}

static void virtio_net_update_link(VirtIONet *n)
{
    bool up = !n->nic->nc.link_down;
    uint16_t old = n->status;

    n->status = up ? n->status | VIRTIO_NET_S_LINK_UP
                   : n->status & ~VIRTIO_NET_S_LINK_UP;
    if (old != n->status &&
        virtio_has_feature(&n->parent_obj, VIRTIO_NET_F_STATUS)) {
        virtio_notify_config(&n->parent_obj);
    }
}

/* ---- receive ------------------------------------------------------------ */

static bool virtio_net_nic_can_receive(NetClientState *nc)
{
    VirtIONet *n = ((VirtIONetClient *)nc)->n;

    if (!virtio_net_running(n) || !n->rx_vq->enabled) {
        return false;
    }
    if (virtqueue_empty(n->rx_vq)) {
        /* Kick us when buffers come: then the waiting frames go in. */
        virtqueue_set_notification(n->rx_vq, true);
        return !virtqueue_empty(n->rx_vq);
    }
    return true;
}

static bool virtio_net_mac_in_table(VirtIONet *n, const uint8_t *mac,
                                    uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) {
        if (!memcmp(n->mac_table + i * 6, mac, 6)) {
            return true;
        }
    }
    return false;
}

/* Whether the receive filter lets a frame to dst through. */
static bool virtio_net_filter(VirtIONet *n, const uint8_t *buf, size_t size)
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    if (n->promisc || size < 6) {
        return true;
    }
    if (!memcmp(buf, broadcast, 6)) {
        return true;
    }
    if (buf[0] & 1) {
        return n->allmulti || n->multi_overflow ||
               virtio_net_mac_in_table(n, buf, n->mac_table_first_multi,
                                       n->mac_table_in_use);
    }
    return !memcmp(buf, n->mac, 6) || n->uni_overflow ||
           virtio_net_mac_in_table(n, buf, 0, n->mac_table_first_multi);
}

static ssize_t virtio_net_nic_receive(NetClientState *nc, const uint8_t *buf,
                                      size_t size)
{
    VirtIONet *n = ((VirtIONetClient *)nc)->n;
    VirtIODevice *vdev = &n->parent_obj;
    bool mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
    size_t hdr_len = virtio_net_hdr_len(n), total = hdr_len + size, done = 0;
    g_autofree VirtQueueElement **elems = NULL;
    g_autofree uint32_t *lens = NULL;
    uint8_t hdr[VIRTIO_NET_HDR_MRG_SIZE] = {0};
    unsigned count = 0, max = n->rx_vq->num;

    if (!virtio_net_nic_can_receive(nc)) {
        return 0;
    }
    if (!virtio_net_filter(n, buf, size)) {
        n->rx_filtered++;
        return size;
    }
    elems = g_new0(VirtQueueElement *, max);
    lens = g_new0(uint32_t, max);
    while (done < total) {
        VirtQueueElement *elem = count < max ? virtqueue_pop(n->rx_vq) : NULL;
        IOVector in;
        size_t len;

        if (!elem) {
            bool never = count == max; /* a whole ring is not enough */

            /* Not enough buffers yet: put them back, wait for more. */
            while (count) {
                virtqueue_unpop(n->rx_vq, elems[--count]);
            }
            if (vdev->broken) {
                return size;
            }
            if (never) {
                log_mask_printf(LOG_GUEST_ERROR,
                                "virtio-net: a %zu-byte frame does not fit "
                                "the whole receive queue, dropped\n",
                                size);
                n->rx_filtered++;
                return size;
            }
            virtqueue_set_notification(n->rx_vq, true);
            return 0;
        }
        elems[count] = elem;
        if (elem->out.size || elem->in.size < (count ? 1 : hdr_len)) {
            virtio_error(vdev,
                         "virtio-net: receive buffer %u of %" PRIu64
                         " bytes (%" PRIu64 " readable) cannot take a frame",
                         elem->head, elem->in.size, elem->out.size);
            for (unsigned i = 0; i <= count; i++) {
                virtqueue_detach_element(n->rx_vq, elems[i]);
            }
            return size;
        }
        len = MIN(elem->in.size, total - done);
        if (!mergeable && len < total) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "virtio-net: a %zu-byte frame does not fit the "
                            "%" PRIu64 "-byte receive buffer, dropped\n",
                            size, elem->in.size);
            virtqueue_unpop(n->rx_vq, elem);
            n->rx_filtered++;
            return size;
        }
        iovector_init_external(&in, elem->in.iov, elem->in.niov);
        if (!count) {
            iovector_from_buf(&in, hdr_len, buf, len - hdr_len);
        } else {
            iovector_from_buf(&in, 0, buf + (done - hdr_len), len);
        }
        lens[count++] = len;
        done += len;
    }
    /* The header last: num_buffers is known now. */
    if (hdr_len == VIRTIO_NET_HDR_MRG_SIZE) {
        stw_le_p(hdr + VIRTIO_NET_HDR_NUM_BUFFERS, mergeable ? count : 1);
    }
    {
        IOVector in;

        iovector_init_external(&in, elems[0]->in.iov, elems[0]->in.niov);
        iovector_from_buf(&in, 0, hdr, hdr_len);
    }
    for (unsigned i = 0; i < count; i++) {
        virtqueue_fill(n->rx_vq, elems[i], lens[i], i);
    }
    virtqueue_flush(n->rx_vq, count);
    virtio_notify(vdev, n->rx_vq);
    n->rx_frames++;
    return size;
}

/* The driver posted receive buffers: what waits may go in now. */
static void virtio_net_handle_rx(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *n = (VirtIONet *)vdev;

    net_queue_flush(&n->nic->nc);
}

/* ---- transmit ----------------------------------------------------------- */

static void virtio_net_flush_tx(VirtIONet *n);

static void virtio_net_tx_complete(NetClientState *nc, ssize_t len)
{
    VirtIONet *n = ((VirtIONetClient *)nc)->n;

    if (!n->tx_waiting) {
        return;
    }
    virtqueue_push(n->tx_vq, n->tx_waiting, 0);
    n->tx_waiting = NULL;
    n->tx_frames++;
    virtio_notify(&n->parent_obj, n->tx_vq);
    virtqueue_set_notification(n->tx_vq, true);
    virtio_net_flush_tx(n);
}

static void virtio_net_flush_tx(VirtIONet *n)
{
    VirtIODevice *vdev = &n->parent_obj;
    size_t hdr_len = virtio_net_hdr_len(n);
    VirtQueueElement *elem;
    bool pushed = false;
    unsigned sent = 0;

    if (n->tx_waiting || !virtio_net_running(n)) {
        return;
    }
    while (sent < VIRTIO_NET_TX_BURST && (elem = virtqueue_pop(n->tx_vq))) {
        g_autofree uint8_t *frame = NULL;
        uint64_t size;
        IOVector out;

        if (elem->in.size || elem->out.size < hdr_len) {
            virtio_error(vdev,
                         "virtio-net: transmit chain %u has %" PRIu64
                         " readable bytes (a %zu-byte header needed) and "
                         "%" PRIu64 " writable",
                         elem->head, elem->out.size, hdr_len, elem->in.size);
            virtqueue_detach_element(n->tx_vq, elem);
            break;
        }
        size = elem->out.size - hdr_len;
        if (size > NET_BUFSIZE) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "virtio-net: a %" PRIu64 "-byte frame is too "
                            "long, dropped\n",
                            size);
            virtqueue_push(n->tx_vq, elem, 0);
            pushed = true;
            continue;
        }
        frame = g_malloc(size ? size : 1);
        iovector_init_external(&out, elem->out.iov, elem->out.niov);
        iovector_to_buf(&out, hdr_len, frame, size);
        if (net_send_packet_async(&n->nic->nc, frame, size,
                                  virtio_net_tx_complete) == 0) {
            /* The backend is busy: this chain completes when it is sent. */
            n->tx_waiting = elem;
            virtqueue_set_notification(n->tx_vq, false);
            break;
        }
        virtqueue_push(n->tx_vq, elem, 0);
        n->tx_frames++;
        pushed = true;
        sent++;
    }
    if (pushed) {
        virtio_notify(vdev, n->tx_vq);
    }
    if (sent == VIRTIO_NET_TX_BURST && !n->tx_waiting) {
        /* More may wait: go on from the main loop, after the others. */
        timer_mod_ns(n->tx_timer, timer_clock_ns(n->tx_timer));
    }
}

static void virtio_net_tx_timer(void *opaque)
{
    virtio_net_flush_tx(opaque);
}

static void virtio_net_handle_tx(VirtIODevice *vdev, VirtQueue *vq)
{
    virtio_net_flush_tx((VirtIONet *)vdev);
}

/* ---- control queue ------------------------------------------------------ */

static uint8_t virtio_net_ctrl_rx(VirtIONet *n, uint8_t cmd, IOVector *out,
                                  uint64_t off, uint64_t size)
{
    uint8_t on;

    if (size - off < 1) {
        return VIRTIO_NET_ERR;
    }
    iovector_to_buf(out, off, &on, 1);
    switch (cmd) {
    case VIRTIO_NET_CTRL_RX_PROMISC:
        n->promisc = !!on;
        return VIRTIO_NET_OK;
    case VIRTIO_NET_CTRL_RX_ALLMULTI:
        n->allmulti = !!on;
        return VIRTIO_NET_OK;
    }
    return VIRTIO_NET_ERR;
}

/* One half of MAC_TABLE_SET: le32 entries, then 6 bytes each. */
static bool virtio_net_mac_list(IOVector *out, uint64_t *off, uint64_t size,
                                uint8_t *table, uint32_t *in_use,
                                uint8_t *overflow)
{
    uint8_t le[4];
    uint32_t entries;

    if (size - *off < 4) {
        return false;
    }
    iovector_to_buf(out, *off, le, 4);
    entries = ldl_le_p(le);
    *off += 4;
    if (entries > (size - *off) / 6) {
        return false;
    }
    if (*in_use + entries <= VIRTIO_NET_MAC_TABLE_ENTRIES) {
        iovector_to_buf(out, *off, table + *in_use * 6, entries * 6ull);
        *in_use += entries;
    } else {
        *overflow = 1;
    }
    *off += entries * 6ull;
    return true;
}

static uint8_t virtio_net_ctrl_mac(VirtIONet *n, uint8_t cmd, IOVector *out,
                                   uint64_t off, uint64_t size)
{
    uint8_t table[VIRTIO_NET_MAC_TABLE_ENTRIES * 6];
    uint32_t in_use = 0, first_multi;
    uint8_t uni_overflow = 0, multi_overflow = 0;

    if (cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET) {
        if (size - off != 6) {
            return VIRTIO_NET_ERR;
        }
        iovector_to_buf(out, off, n->mac, 6);
        return VIRTIO_NET_OK;
    }
    if (cmd != VIRTIO_NET_CTRL_MAC_TABLE_SET) {
        return VIRTIO_NET_ERR;
    }
    if (!virtio_net_mac_list(out, &off, size, table, &in_use, &uni_overflow)) {
        return VIRTIO_NET_ERR;
    }
    first_multi = in_use;
    if (!virtio_net_mac_list(out, &off, size, table, &in_use,
                             &multi_overflow) ||
        off != size) {
        return VIRTIO_NET_ERR;
    }
    memcpy(n->mac_table, table, in_use * 6);
    n->mac_table_in_use = in_use;
    n->mac_table_first_multi = first_multi;
    n->uni_overflow = uni_overflow;
    n->multi_overflow = multi_overflow;
    return VIRTIO_NET_OK;
}

static void virtio_net_handle_ctrl(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIONet *n = (VirtIONet *)vdev;
    VirtQueueElement *elem;
    bool pushed = false;

    while ((elem = virtqueue_pop(vq))) {
        uint8_t cmd[2], status = VIRTIO_NET_ERR;
        IOVector out, in;

        if (elem->out.size < sizeof(cmd) || elem->in.size < 1) {
            virtio_error(vdev,
                         "virtio-net: control command %u lacks its "
                         "header or its ack byte",
                         elem->head);
            virtqueue_detach_element(vq, elem);
            break;
        }
        iovector_init_external(&out, elem->out.iov, elem->out.niov);
        iovector_init_external(&in, elem->in.iov, elem->in.niov);
        iovector_to_buf(&out, 0, cmd, sizeof(cmd));
        if (cmd[0] == VIRTIO_NET_CTRL_RX) {
            status = virtio_net_ctrl_rx(n, cmd[1], &out, 2, elem->out.size);
        } else if (cmd[0] == VIRTIO_NET_CTRL_MAC) {
            status = virtio_net_ctrl_mac(n, cmd[1], &out, 2, elem->out.size);
        } else {
            log_mask_printf(LOG_UNIMP,
                            "virtio-net: control class %u not implemented\n",
                            cmd[0]);
        }
        iovector_from_buf(&in, elem->in.size - 1, &status, 1);
        virtqueue_push(vq, elem, 1);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
    /* A filter that lets more through may take what waits. */
    net_queue_flush(&n->nic->nc);
}

/* ---- status and reset --------------------------------------------------- */

static void virtio_net_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIONet *n = (VirtIONet *)vdev;

    if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
        net_queue_flush(&n->nic->nc);
    }
}

static void virtio_net_reset(VirtIODevice *vdev)
{
    VirtIONet *n = (VirtIONet *)vdev;

    if (n->tx_waiting) {
        virtqueue_detach_element(n->tx_vq, n->tx_waiting);
        n->tx_waiting = NULL;
    }
    timer_del(n->tx_timer);
    /* Frames the old driver sent and the backend has not taken yet. */
    net_queue_purge_sender(&n->nic->nc);
    memcpy(n->mac, n->mac_prop.a, 6);
    n->promisc = 1;
    n->allmulti = 0;
    n->uni_overflow = n->multi_overflow = 0;
    n->mac_table_in_use = n->mac_table_first_multi = 0;
    memset(n->mac_table, 0, sizeof(n->mac_table));
    n->status = n->nic->nc.link_down ? 0 : VIRTIO_NET_S_LINK_UP;
}

static const VirtIODeviceOps virtio_net_ops = {
    .get_features = virtio_net_get_features,
    .get_config = virtio_net_get_config,
    .set_config = virtio_net_set_config,
    .set_status = virtio_net_set_status,
    .reset = virtio_net_reset,
};

/* ---- the NIC's net client ----------------------------------------------- */

static void virtio_net_nic_link_status_changed(NetClientState *nc)
{
    virtio_net_update_link(((VirtIONetClient *)nc)->n);
}

static const NetClientInfo virtio_net_nic_info = {
    .kind = NET_CLIENT_NIC,
    .type = "nic",
    .size = sizeof(VirtIONetClient),
    .receive = virtio_net_nic_receive,
    .can_receive = virtio_net_nic_can_receive,
    .link_status_changed = virtio_net_nic_link_status_changed,
};

static bool virtio_net_queue_size_check(const char *name, uint16_t size,
                                        GError **errp)
{
    if (size < 256 || size > VIRTIO_QUEUE_MAX_SIZE || (size & (size - 1))) {
        return error_setg(errp,
                          "Invalid %s_queue_size (= %u), must be a power of 2 "
                          "between 256 and %u.",
                          name, size, VIRTIO_QUEUE_MAX_SIZE);
    }
    return true;
}

bool virtio_net_realize(VirtIONet *n, const char *name, GError **errp)
{
    VirtIODevice *vdev = &n->parent_obj;
    static const uint8_t zero[6];
    g_autofree char *auto_name = NULL;

    if (!virtio_net_queue_size_check("rx", n->rx_queue_size, errp) ||
        !virtio_net_queue_size_check("tx", n->tx_queue_size, errp)) {
        return false;
    }
    /* As QEMU: a larger transmit queue is for vhost-user backends only. */
    n->tx_queue_size = MIN(n->tx_queue_size, 256);
    if (n->netdev && n->netdev->peer) {
        return error_setg(errp, "netdev '%s' is already in use",
                          n->netdev->name);
    }
    if (!memcmp(n->mac_prop.a, zero, 6)) {
        /* QEMU's default: 52:54:00:12:34:56, then 57, ... */
        static const uint8_t base[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

        memcpy(n->mac_prop.a, base, 6);
        n->mac_prop.a[5] += virtio_net_default_macs++;
    }
    if (!name) {
        auto_name = g_strdup_printf("virtio-net-pci.%u", virtio_net_nic_count);
        name = auto_name;
    }
    virtio_net_nic_count++;
    virtio_init(vdev, "virtio-net", VIRTIO_ID_NET, &virtio_net_ops,
                VIRTIO_NET_CFG_SIZE, n->ctrl_vq ? 3 : 2);
    virtio_add_queue(vdev, 0, n->rx_queue_size, virtio_net_handle_rx);
    virtio_add_queue(vdev, 1, n->tx_queue_size, virtio_net_handle_tx);
    if (n->ctrl_vq) {
        virtio_add_queue(vdev, 2, 64, virtio_net_handle_ctrl);
    }
    n->rx_vq = &vdev->vq[0];
    n->tx_vq = &vdev->vq[1];
    n->ctrl_vq_ptr = n->ctrl_vq ? &vdev->vq[2] : NULL;
    n->tx_timer = timer_new_ns(VM_CLOCK_REALTIME, virtio_net_tx_timer, n);
    n->nic = (VirtIONetClient *)net_client_new(&virtio_net_nic_info, n->netdev,
                                               "virtio-net-pci", name);
    n->nic->n = n;
    if (n->netdev) {
        n->nic->nc.link_down = n->netdev->link_down;
    }
    snprintf(n->nic->nc.info_str, sizeof(n->nic->nc.info_str),
             "model=virtio-net-pci,macaddr=%02x:%02x:%02x:%02x:%02x:%02x",
             n->mac_prop.a[0], n->mac_prop.a[1], n->mac_prop.a[2],
             n->mac_prop.a[3], n->mac_prop.a[4], n->mac_prop.a[5]);
    memcpy(n->mac, n->mac_prop.a, 6);
    n->promisc = 1;
    n->status = n->nic->nc.link_down ? 0 : VIRTIO_NET_S_LINK_UP;
    return true;
}

void virtio_net_unrealize(VirtIONet *n)
{
    if (n->tx_waiting) {
        virtqueue_element_free(n->tx_waiting);
        n->tx_waiting = NULL;
    }
    net_client_free(&n->nic->nc);
    n->nic = NULL;
    timer_free(n->tx_timer);
    n->tx_timer = NULL;
    virtio_cleanup(&n->parent_obj);
}

void virtio_net_post_load(VirtIONet *n)
{
    /* The link is the host's, not the stream's. */
    n->status = n->nic->nc.link_down ? n->status & ~VIRTIO_NET_S_LINK_UP
                                     : n->status | VIRTIO_NET_S_LINK_UP;
    net_queue_flush(&n->nic->nc);
}

static bool virtio_net_pre_save(void *opaque, GError **errp)
{
    VirtIONet *n = opaque;

    if (n->tx_waiting) {
        return error_setg(errp, "virtio-net: a transmitted frame waits for "
                                "the backend");
    }
    return true;
}

static bool virtio_net_vmstate_post_load(void *opaque, int version_id,
                                         GError **errp)
{
    VirtIONet *n = opaque;

    if (n->mac_table_in_use > VIRTIO_NET_MAC_TABLE_ENTRIES ||
        n->mac_table_first_multi > n->mac_table_in_use) {
        return error_setg(errp,
                          "virtio-net: MAC table of %u entries (%u "
                          "unicast) is invalid",
                          n->mac_table_in_use, n->mac_table_first_multi);
    }
    return true;
}

const VMStateDescription vmstate_virtio_net = {
    .name = "virtio-net",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = virtio_net_pre_save,
    .post_load = virtio_net_vmstate_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT(parent_obj, VirtIONet, vmstate_virtio_device,
                           VirtIODevice),
            VMSTATE_UINT8_ARRAY(mac, VirtIONet, 6),
            VMSTATE_UINT16(status, VirtIONet),
            VMSTATE_UINT8(promisc, VirtIONet),
            VMSTATE_UINT8(allmulti, VirtIONet),
            VMSTATE_UINT8(uni_overflow, VirtIONet),
            VMSTATE_UINT8(multi_overflow, VirtIONet),
            VMSTATE_UINT32(mac_table_in_use, VirtIONet),
            VMSTATE_UINT32(mac_table_first_multi, VirtIONet),
            VMSTATE_UINT8_ARRAY(mac_table, VirtIONet,
                                VIRTIO_NET_MAC_TABLE_ENTRIES * 6),
            VMSTATE_END_OF_LIST(),
        },
};
