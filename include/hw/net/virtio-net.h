/*
 * The virtio network device (virtio 1.2, 5.1), transport-independent:
 * queue 0 receives, queue 1 transmits, queue 2 is the control queue.
 * Offered: MAC, STATUS (link up/down), MRG_RXBUF, CTRL_VQ, CTRL_RX
 * (promiscuous, all-multicast) and CTRL_MAC_ADDR (the MAC table and the
 * MAC itself). No checksum or segmentation offloads (the backends carry
 * plain frames), no multiqueue, no VLAN filter.
 */
#ifndef HW_NET_VIRTIO_NET_H
#define HW_NET_VIRTIO_NET_H

#include "hw/core/device.h"
#include "hw/net/netdev-prop.h"
#include "hw/virtio/virtio.h"
#include "net/net.h"
#include "system/timer.h"

#define VIRTIO_ID_NET 1

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_CTRL_RX 18
#define VIRTIO_NET_F_CTRL_MAC_ADDR 23

/* Configuration layout (5.1.4). */
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_CFG_MAX_VQ_PAIRS 8
#define VIRTIO_NET_CFG_SIZE 10
#define VIRTIO_NET_S_LINK_UP 1

/* struct virtio_net_hdr (5.1.6): 10 bytes, 12 with num_buffers. */
#define VIRTIO_NET_HDR_SIZE 10
#define VIRTIO_NET_HDR_MRG_SIZE 12
#define VIRTIO_NET_HDR_NUM_BUFFERS 10

/* Control queue (5.1.6.5). */
#define VIRTIO_NET_OK 0
#define VIRTIO_NET_ERR 1
#define VIRTIO_NET_CTRL_RX 0
#define VIRTIO_NET_CTRL_RX_PROMISC 0
#define VIRTIO_NET_CTRL_RX_ALLMULTI 1
#define VIRTIO_NET_CTRL_MAC 1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define VIRTIO_NET_CTRL_MAC_ADDR_SET 1

/* Frames sent per run of the transmit queue before others get a turn. */
#define VIRTIO_NET_TX_BURST 256

/* QEMU's MAC_TABLE_ENTRIES: unicast and multicast entries together. */
#define VIRTIO_NET_MAC_TABLE_ENTRIES 64

typedef struct VirtIONet VirtIONet;

/* The NIC's side of the link to its backend. */
typedef struct VirtIONetClient {
    NetClientState nc;
    VirtIONet *n;
} VirtIONetClient;

struct VirtIONet {
    VirtIODevice parent_obj;
    /* Properties. */
    NetClientState *netdev;
    MACAddr mac_prop;
    bool mrg_rxbuf; /* offer MRG_RXBUF (QEMU's default: on) */
    bool status_feature;
    bool ctrl_vq;
    uint16_t rx_queue_size, tx_queue_size;
    /* Set up by realize. */
    VirtIONetClient *nic;
    VirtQueue *rx_vq, *tx_vq, *ctrl_vq_ptr;
    VirtQueueElement *tx_waiting; /* sent, its frame queued at the backend */
    Timer *tx_timer;              /* goes on after a burst */
    /* Guest state. */
    uint8_t mac[6];
    uint16_t status;
    uint8_t promisc, allmulti;
    uint8_t uni_overflow, multi_overflow; /* more than the table holds */
    uint32_t mac_table_in_use; /* entries: unicast first, then multicast */
    uint32_t mac_table_first_multi;
    uint8_t mac_table[VIRTIO_NET_MAC_TABLE_ENTRIES * 6];
    /* Statistics. */
    uint64_t rx_frames, tx_frames, rx_filtered;
};

#define VIRTIO_NET_PROPERTIES(st, f)                                           \
    DEFINE_PROP_NETDEV("netdev", st, f.netdev),                                \
        DEFINE_PROP_MACADDR("mac", st, f.mac_prop),                            \
        DEFINE_PROP_BOOL("mrg_rxbuf", st, f.mrg_rxbuf, true),                  \
        DEFINE_PROP_BOOL("status", st, f.status_feature, true),                \
        DEFINE_PROP_BOOL("ctrl_vq", st, f.ctrl_vq, true),                      \
        DEFINE_PROP_UINT16("rx_queue_size", st, f.rx_queue_size, 256),         \
        DEFINE_PROP_UINT16("tx_queue_size", st, f.tx_queue_size, 256)

/* name: the NIC's name in `info network` (the device id, or made up). */
bool virtio_net_realize(VirtIONet *n, const char *name, GError **errp);
void virtio_net_unrealize(VirtIONet *n);
/* After the transport's post_load. */
void virtio_net_post_load(VirtIONet *n);

extern const VMStateDescription vmstate_virtio_net;

#endif
