/*
 * The registry of network backends by id (include/net/net.h).
 */
#include <glib.h>

#include "net/net.h"

static GHashTable *net_clients; /* id -> NetClientState *, not owned */

bool net_client_register(NetClientState *nc)
{
    if (!net_clients) {
        net_clients = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (g_hash_table_contains(net_clients, nc->name)) {
        return false;
    }
    g_hash_table_insert(net_clients, nc->name, nc);
    return true;
}

void net_client_unregister(NetClientState *nc)
{
    if (net_clients && g_hash_table_lookup(net_clients, nc->name) == nc) {
        g_hash_table_remove(net_clients, nc->name);
    }
}

NetClientState *net_client_find(const char *id)
{
    return net_clients ? g_hash_table_lookup(net_clients, id) : NULL;
}
