/*
 * The net layer: network clients and the packet path between them.
 *
 * A client (NetClientState) is either end of a link: a NIC model's side or
 * a backend's (-netdev user, socket, hubport). Two clients are peers; a
 * packet one side sends goes to its peer's receive(). When the peer cannot
 * take it now (can_receive() false, or receive() returns 0) the packet
 * waits in the peer's incoming queue, in order, and the sender learns it:
 * net_send_packet_async() returns 0 and the sender's callback runs once the
 * packet is delivered. A backend reading a host fd stops reading until
 * then, so a slow guest pushes back on the host instead of losing frames.
 * When the NIC can receive again (the guest posted buffers) it calls
 * net_queue_flush(), QEMU's qemu_flush_queued_packets().
 *
 * A packet sent without a callback (a source that cannot wait, as slirp)
 * is queued too while there is room; past the queue's limit it is dropped
 * and counted (NetClientState.dropped), never silently.
 *
 * Backends registered with net_client_register() are the -netdev ids that
 * a NIC's netdev= property finds. Everything here runs on the main loop
 * with the BQL held.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct DeviceState;

/* QEMU's NET_BUFSIZE: the largest frame a backend reads in one go. */
#define NET_BUFSIZE (4096 + 65536)
/* Packets a client's incoming queue holds before uncallbacked ones drop. */
#define NET_QUEUE_DEFAULT_LIMIT 10000

typedef struct NetClientState NetClientState;
typedef struct NetPacket NetPacket;

/* Tells a sender its queued packet went out (len bytes, or <0 dropped). */
typedef void NetPacketSent(NetClientState *sender, ssize_t len);

typedef enum {
    NET_CLIENT_NIC,
    NET_CLIENT_USER,
    NET_CLIENT_SOCKET,
    NET_CLIENT_HUBPORT,
    NET_CLIENT_TEST, /* unit tests' own clients */
} NetClientKind;

typedef struct NetClientInfo {
    NetClientKind kind;
    const char *type; /* "nic", "user", "socket", "hubport" */
    size_t size;      /* of the state that embeds NetClientState first */
    /* Takes a packet: bytes taken (size), 0 = cannot take it now. */
    ssize_t (*receive)(NetClientState *nc, const uint8_t *buf, size_t size);
    /* Whether receive() would take a packet now (NULL: always). */
    bool (*can_receive)(NetClientState *nc);
    /* The link went up or down (set_link). */
    void (*link_status_changed)(NetClientState *nc);
    /* The peer flushed its queue, so it may take more (a hub passes it on). */
    void (*peer_flushed)(NetClientState *nc);
    /* Frees what the client holds (the state itself is freed after). */
    void (*cleanup)(NetClientState *nc);
} NetClientInfo;

struct NetClientState {
    const NetClientInfo *info;
    char *name;        /* the -netdev id, or the NIC's name */
    const char *model; /* info->type, or the NIC's device type */
    NetClientState *peer;
    /* The NIC device using this backend (set through the netdev= property). */
    struct DeviceState *peer_nic;
    bool link_down;
    bool registered; /* a -netdev id in the registry */
    /* Packets for this client that it could not take yet, oldest first. */
    GQueue incoming;
    unsigned queue_limit;
    bool delivering; /* inside receive(): sends to it queue */
    uint64_t dropped;
    char info_str[256]; /* what `info network` shows */
};

/*
 * Makes a client of info->size bytes (info->size >= sizeof(NetClientState),
 * NetClientState first), peered with peer if not NULL. name is copied.
 */
NetClientState *net_client_new(const NetClientInfo *info, NetClientState *peer,
                               const char *model, const char *name);
/* Unpeers, drops the queue (telling senders), cleans up and frees nc. */
void net_client_free(NetClientState *nc);
/* Peers a and b (each must be unpeered). */
void net_client_set_peer(NetClientState *a, NetClientState *b);

/*
 * Sends a packet from sender to its peer. Returns size if the peer took
 * it, or if it was dropped because a link is down or there is no peer;
 * 0 if it was queued: sent_cb runs once it is delivered, and the sender
 * should send nothing more until then; -ENOBUFS if it had no sent_cb and
 * the peer's queue was full (dropped and counted).
 */
ssize_t net_send_packet_async(NetClientState *sender, const uint8_t *buf,
                              size_t size, NetPacketSent *sent_cb);
/* net_send_packet_async() with no callback. */
ssize_t net_send_packet(NetClientState *sender, const uint8_t *buf,
                        size_t size);
/* Whether sender's peer would take a packet now. */
bool net_can_send(NetClientState *sender);
/*
 * Delivers nc's queued incoming packets, oldest first, while it takes them
 * (QEMU's qemu_flush_queued_packets); a NIC calls it when it can receive
 * again. Returns whether the queue is now empty.
 */
bool net_queue_flush(NetClientState *nc);
/* Packets waiting in nc's incoming queue. */
unsigned net_queue_length(const NetClientState *nc);
/* Drops nc's incoming queue, telling each sender (len -1). */
void net_queue_purge(NetClientState *nc);
/*
 * Drops the packets sender has waiting at its peer, without calling it
 * back (a NIC reset forgets the frames it sent).
 */
void net_queue_purge_sender(NetClientState *sender);

/* set_link: the link of nc and its peer (a NIC's and its backend's). */
void net_client_set_link(NetClientState *nc, bool up);
/* set_link NAME on|off: NAME a -netdev id or a NIC's name. */
bool net_set_link(const char *name, bool up, GError **errp);
/* The client named name (a backend, a NIC or a hub port), or NULL. */
NetClientState *net_client_find_by_name(const char *name);
/* "NAME: index=0,type=TYPE,INFO" as `info network` lists a client. */
void net_client_describe(NetClientState *nc, GString *out);
/* What `info network` shows: the hubs, then each NIC with its backend. */
void net_info_network(GString *out);

/* The -netdev registry: adds nc under nc->name; false if the id exists. */
bool net_client_register(NetClientState *nc);
void net_client_unregister(NetClientState *nc);
NetClientState *net_client_find(const char *id);
/* Every client made and not freed (NICs, backends, hub ports), in order. */
GList *net_client_list(void);
/* Frees every client (at exit). */
void net_cleanup(void);

#endif
