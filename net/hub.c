/*
 * The hub of QEMU's legacy -net options (include/net/hub.h).
 */
#include <stdio.h>

#include "net/hub.h"

typedef struct NetHub {
    int id;
    GList *ports; /* NetHubPort *, in the order they joined */
    unsigned next_port;
} NetHub;

typedef struct NetHubPort {
    NetClientState nc;
    NetHub *hub;
    unsigned id;
} NetHubPort;

static GList *hubs;

static NetHub *net_hub_find(int id)
{
    for (GList *l = hubs; l; l = l->next) {
        NetHub *hub = l->data;

        if (hub->id == id) {
            return hub;
        }
    }
    return NULL;
}

static ssize_t net_hub_port_receive(NetClientState *nc, const uint8_t *buf,
                                    size_t size)
{
    NetHubPort *port = (NetHubPort *)nc;

    for (GList *l = port->hub->ports; l; l = l->next) {
        NetHubPort *other = l->data;

        if (other != port) {
            net_send_packet(&other->nc, buf, size);
        }
    }
    return size;
}

static bool net_hub_port_can_receive(NetClientState *nc)
{
    NetHubPort *port = (NetHubPort *)nc;

    for (GList *l = port->hub->ports; l; l = l->next) {
        NetHubPort *other = l->data;

        if (other != port && !net_can_send(&other->nc)) {
            return false;
        }
    }
    return true;
}

/* A port's peer drained its queue: what waits at any port may go on. */
static void net_hub_port_peer_flushed(NetClientState *nc)
{
    NetHubPort *port = (NetHubPort *)nc;

    for (GList *l = port->hub->ports; l; l = l->next) {
        NetHubPort *other = l->data;

        if (other != port) {
            net_queue_flush(&other->nc);
        }
    }
}

static void net_hub_port_cleanup(NetClientState *nc)
{
    NetHubPort *port = (NetHubPort *)nc;
    NetHub *hub = port->hub;

    hub->ports = g_list_remove(hub->ports, port);
    if (!hub->ports) {
        hubs = g_list_remove(hubs, hub);
        g_free(hub);
    }
}

static const NetClientInfo net_hub_port_info = {
    .kind = NET_CLIENT_HUBPORT,
    .type = "hubport",
    .size = sizeof(NetHubPort),
    .receive = net_hub_port_receive,
    .can_receive = net_hub_port_can_receive,
    .peer_flushed = net_hub_port_peer_flushed,
    .cleanup = net_hub_port_cleanup,
};

NetClientState *net_hub_add_port(int hub_id, const char *name)
{
    NetHub *hub = net_hub_find(hub_id);
    g_autofree char *auto_name = NULL;
    NetHubPort *port;

    if (!hub) {
        hub = g_new0(NetHub, 1);
        hub->id = hub_id;
        hubs = g_list_append(hubs, hub);
    }
    if (!name) {
        auto_name = g_strdup_printf("hub%dport%u", hub_id, hub->next_port);
        name = auto_name;
    }
    port = (NetHubPort *)net_client_new(&net_hub_port_info, NULL, NULL, name);
    port->hub = hub;
    port->id = hub->next_port++;
    hub->ports = g_list_append(hub->ports, port);
    snprintf(port->nc.info_str, sizeof(port->nc.info_str), "hub %d", hub_id);
    return &port->nc;
}

int net_hub_id_for_client(const NetClientState *nc)
{
    if (nc->info != &net_hub_port_info) {
        return -1;
    }
    return ((const NetHubPort *)nc)->hub->id;
}

void net_hub_info(GString *out)
{
    for (GList *l = hubs; l; l = l->next) {
        NetHub *hub = l->data;

        g_string_append_printf(out, "hub %d\n", hub->id);
        /* Newest port first, as QEMU lists them. */
        for (GList *p = g_list_last(hub->ports); p; p = p->prev) {
            NetHubPort *port = p->data;
            NetClientState *peer = port->nc.peer;

            g_string_append_printf(out, " \\ %s", port->nc.name);
            if (peer) {
                g_string_append(out, ": ");
                net_client_describe(peer, out);
            }
            g_string_append_c(out, '\n');
        }
    }
}
