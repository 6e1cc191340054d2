/*
 * Network clients, the packet path between peers and each client's queue
 * of packets it could not take yet (include/net/net.h), and the registry of
 * -netdev backends by id.
 */
#include <errno.h>
#include <string.h>

#include "net/hub.h"
#include "net/net.h"
#include "util/error.h"

struct NetPacket {
    NetClientState *sender;
    NetPacketSent *sent_cb;
    size_t size;
    uint8_t data[];
};

static GHashTable *net_clients; /* id -> NetClientState *, not owned */
static GList *all_clients;      /* every client net_client_new made */

NetClientState *net_client_new(const NetClientInfo *info, NetClientState *peer,
                               const char *model, const char *name)
{
    NetClientState *nc;

    g_assert(info->size >= sizeof(NetClientState));
    nc = g_malloc0(info->size);
    nc->info = info;
    nc->model = model ? model : info->type;
    nc->name = g_strdup(name);
    nc->queue_limit = NET_QUEUE_DEFAULT_LIMIT;
    g_queue_init(&nc->incoming);
    if (peer) {
        net_client_set_peer(nc, peer);
    }
    all_clients = g_list_append(all_clients, nc);
    return nc;
}

void net_client_set_peer(NetClientState *a, NetClientState *b)
{
    g_assert(!a->peer && !b->peer);
    a->peer = b;
    b->peer = a;
}

/* Drops the packets of sender waiting anywhere (it is going away). */
void net_queue_purge_sender(NetClientState *sender)
{
    for (GList *l = all_clients; l; l = l->next) {
        NetClientState *nc = l->data;

        for (GList *p = nc->incoming.head; p;) {
            GList *next = p->next;
            NetPacket *pkt = p->data;

            if (pkt->sender == sender) {
                g_queue_delete_link(&nc->incoming, p);
                g_free(pkt);
            }
            p = next;
        }
    }
}

void net_client_free(NetClientState *nc)
{
    if (!nc) {
        return;
    }
    net_client_unregister(nc);
    net_queue_purge(nc);
    net_queue_purge_sender(nc);
    if (nc->peer) {
        NetClientState *peer = nc->peer;

        /* The peer's queued packets were ours, now sent to nobody. */
        net_queue_purge(peer);
        peer->peer = NULL;
        nc->peer = NULL;
    }
    if (nc->info && nc->info->cleanup) {
        nc->info->cleanup(nc);
    }
    all_clients = g_list_remove(all_clients, nc);
    g_free(nc->name);
    g_free(nc);
}

static bool net_client_can_receive(NetClientState *nc)
{
    if (!nc->info || !nc->info->receive) {
        return false;
    }
    return !nc->info->can_receive || nc->info->can_receive(nc);
}

bool net_can_send(NetClientState *sender)
{
    NetClientState *peer = sender->peer;

    if (!peer || sender->link_down || peer->link_down) {
        return true; /* anything sent is dropped at once */
    }
    return !peer->delivering && g_queue_is_empty(&peer->incoming) &&
           net_client_can_receive(peer);
}

/* Hands one packet to nc: bytes taken, 0 if it could not take it. */
static ssize_t net_deliver(NetClientState *nc, const uint8_t *buf, size_t size)
{
    ssize_t ret;

    nc->delivering = true;
    ret = nc->info->receive(nc, buf, size);
    nc->delivering = false;
    return ret;
}

static ssize_t net_queue_append(NetClientState *nc, NetClientState *sender,
                                const uint8_t *buf, size_t size,
                                NetPacketSent *sent_cb)
{
    NetPacket *pkt;

    /* A sender that waits for its callback sends one packet at a time. */
    if (!sent_cb && g_queue_get_length(&nc->incoming) >= nc->queue_limit) {
        nc->dropped++;
        return -ENOBUFS;
    }
    pkt = g_malloc(sizeof(*pkt) + size);
    pkt->sender = sender;
    pkt->sent_cb = sent_cb;
    pkt->size = size;
    memcpy(pkt->data, buf, size);
    g_queue_push_tail(&nc->incoming, pkt);
    return 0;
}

ssize_t net_send_packet_async(NetClientState *sender, const uint8_t *buf,
                              size_t size, NetPacketSent *sent_cb)
{
    NetClientState *peer = sender->peer;
    ssize_t ret;

    if (!peer || sender->link_down || peer->link_down) {
        return size;
    }
    if (!net_can_send(sender)) {
        return net_queue_append(peer, sender, buf, size, sent_cb);
    }
    ret = net_deliver(peer, buf, size);
    if (ret == 0) {
        return net_queue_append(peer, sender, buf, size, sent_cb);
    }
    return ret;
}

ssize_t net_send_packet(NetClientState *sender, const uint8_t *buf, size_t size)
{
    return net_send_packet_async(sender, buf, size, NULL);
}

bool net_queue_flush(NetClientState *nc)
{
    while (!g_queue_is_empty(&nc->incoming)) {
        NetPacket *pkt;
        ssize_t ret;

        if (nc->delivering || !net_client_can_receive(nc)) {
            break;
        }
        pkt = g_queue_peek_head(&nc->incoming);
        ret = net_deliver(nc, pkt->data, pkt->size);
        if (ret == 0) {
            break; /* stays first in line */
        }
        g_queue_pop_head(&nc->incoming);
        if (pkt->sent_cb) {
            pkt->sent_cb(pkt->sender, ret);
        }
        g_free(pkt);
    }
    if (nc->peer && nc->peer->info && nc->peer->info->peer_flushed) {
        nc->peer->info->peer_flushed(nc->peer);
    }
    return g_queue_is_empty(&nc->incoming);
}

unsigned net_queue_length(const NetClientState *nc)
{
    return g_queue_get_length((GQueue *)&nc->incoming);
}

void net_queue_purge(NetClientState *nc)
{
    NetPacket *pkt;

    while ((pkt = g_queue_pop_head(&nc->incoming))) {
        if (pkt->sent_cb) {
            pkt->sent_cb(pkt->sender, -1);
        }
        g_free(pkt);
    }
}

void net_client_set_link(NetClientState *nc, bool up)
{
    nc->link_down = !up;
    if (nc->peer) {
        nc->peer->link_down = !up;
    }
    if (nc->info && nc->info->link_status_changed) {
        nc->info->link_status_changed(nc);
    }
    if (nc->peer && nc->peer->info && nc->peer->info->link_status_changed) {
        nc->peer->info->link_status_changed(nc->peer);
    }
    if (!up) {
        /* A pulled cable loses what was in flight, as QEMU's does. */
        net_queue_purge(nc);
        if (nc->peer) {
            net_queue_purge(nc->peer);
        }
    }
}

bool net_client_register(NetClientState *nc)
{
    if (!net_clients) {
        net_clients = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (g_hash_table_contains(net_clients, nc->name)) {
        return false;
    }
    g_hash_table_insert(net_clients, nc->name, nc);
    nc->registered = true;
    return true;
}

void net_client_unregister(NetClientState *nc)
{
    if (net_clients && nc->name &&
        g_hash_table_lookup(net_clients, nc->name) == nc) {
        g_hash_table_remove(net_clients, nc->name);
    }
    nc->registered = false;
}

NetClientState *net_client_find(const char *id)
{
    return net_clients ? g_hash_table_lookup(net_clients, id) : NULL;
}

GList *net_client_list(void)
{
    return all_clients;
}

void net_cleanup(void)
{
    while (all_clients) {
        net_client_free(g_list_last(all_clients)->data);
    }
}

NetClientState *net_client_find_by_name(const char *name)
{
    for (GList *l = all_clients; l; l = l->next) {
        NetClientState *nc = l->data;

        if (nc->name && !strcmp(nc->name, name)) {
            return nc;
        }
    }
    return NULL;
}

bool net_set_link(const char *name, bool up, GError **errp)
{
    NetClientState *nc = net_client_find_by_name(name);

    if (!nc) {
        return error_setg(errp, "Device '%s' not found", name);
    }
    net_client_set_link(nc, up);
    return true;
}

void net_client_describe(NetClientState *nc, GString *out)
{
    const char *type = nc->info ? nc->info->type : nc->model;

    g_string_append_printf(out, "%s: index=0,type=%s", nc->name, type);
    if (nc->info_str[0] && strcmp(nc->info_str, type)) {
        g_string_append_printf(out, ",%s", nc->info_str);
    }
}

void net_info_network(GString *out)
{
    net_hub_info(out);
    for (GList *l = all_clients; l; l = l->next) {
        NetClientState *nc = l->data;
        NetClientState *peer = nc->peer;

        if (net_hub_id_for_client(nc) >= 0 ||
            (peer && net_hub_id_for_client(peer) >= 0)) {
            continue; /* listed under its hub */
        }
        if (nc->info && nc->info->kind == NET_CLIENT_NIC) {
            net_client_describe(nc, out);
            g_string_append_c(out, '\n');
            if (peer) {
                g_string_append(out, " \\ ");
                net_client_describe(peer, out);
                g_string_append_c(out, '\n');
            }
        } else if (!peer) {
            net_client_describe(nc, out);
            g_string_append_c(out, '\n');
        }
    }
}
