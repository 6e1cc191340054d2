/*
 * Backends from option strings (include/net/netdev.h): a table of types,
 * each with the keys it takes and its constructor.
 */
#include <string.h>

#include "net/hub.h"
#include "net/netdev.h"
#include "util/cutils.h"
#include "util/error.h"

typedef NetClientState *NetdevInit(KeyValList *kv, const char *name,
                                   NetClientState *peer, GError **errp);

static NetClientState *net_hubport_init(KeyValList *kv, const char *name,
                                        NetClientState *peer, GError **errp);

typedef struct NetdevType {
    const char *name;
    const char *const *keys;
    NetdevInit *init;
} NetdevType;

static const char *const user_keys[] = {
    "net",
    "host",
    "dhcpstart",
    "dns",
    "hostname",
    "tftp",
    "bootfile",
    "restrict",
    "hostfwd",
    "ipv4",
    "ipv6",
    "ipv6-net",
    "ipv6-host",
    "ipv6-dns",
    "dnssearch",
    "domainname",
    "tftp-server-name",
    NULL,
};
static const char *const socket_keys[] = {
    "listen", "connect", "udp", "mcast", "localaddr", "fd", NULL,
};
static const char *const hubport_keys[] = {"hubid", "netdev", NULL};

static const NetdevType netdev_types[] = {
    {"socket", socket_keys, net_socket_init},
    {"hubport", hubport_keys, net_hubport_init},
    {"user", user_keys, net_slirp_init},
};

static const NetdevType *netdev_type_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(netdev_types); i++) {
        if (!strcmp(netdev_types[i].name, name)) {
            return &netdev_types[i];
        }
    }
    return NULL;
}

bool netdev_type_exists(const char *type)
{
    return netdev_type_find(type) != NULL;
}

void netdev_print_types(FILE *out)
{
    fprintf(out, "Available netdev backend types:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(netdev_types); i++) {
        fprintf(out, "%s\n", netdev_types[i].name);
    }
}

static bool key_in(const char *key, const char *const *list)
{
    for (; list && *list; list++) {
        if (!strcmp(key, *list)) {
            return true;
        }
    }
    return false;
}

/* Parses optstr and checks type, id and keys; the type in *type_out. */
static KeyValList *netdev_parse(const char *optstr, bool need_id,
                                const char *const *skip,
                                const NetdevType **type_out, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(optstr, "type", errp);
    const NetdevType *type;
    const char *name, *id;

    if (!kv) {
        return NULL;
    }
    name = keyval_get(kv, "type");
    if (!name) {
        error_setg(errp, "Parameter 'type' is missing");
        return NULL;
    }
    type = netdev_type_find(name);
    if (!type) {
        error_setg(errp, "Parameter 'type' does not accept value '%s'", name);
        return NULL;
    }
    id = keyval_get(kv, "id");
    if (need_id && !id) {
        error_setg(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (id && !id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    for (unsigned i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key_at(kv, i);

        if (!strcmp(key, "type") || !strcmp(key, "id")) {
            continue;
        }
        if (!key_in(key, type->keys) && !key_in(key, skip)) {
            error_setg(errp, "Invalid parameter '%s'", key);
            return NULL;
        }
    }
    *type_out = type;
    return g_steal_pointer(&kv);
}

bool netdev_options_check(const char *optstr, bool need_id,
                          const char *const *skip, char **type_out,
                          char **id_out, GError **errp)
{
    const NetdevType *type;
    g_autoptr(KeyValList) kv = netdev_parse(optstr, need_id, skip, &type, errp);

    if (!kv) {
        return false;
    }
    if (type_out) {
        *type_out = g_strdup(type->name);
    }
    if (id_out) {
        *id_out = g_strdup(keyval_get(kv, "id"));
    }
    return true;
}

NetClientState *netdev_create(const char *optstr, const char *name,
                              NetClientState *peer, const char *const *skip,
                              GError **errp)
{
    const NetdevType *type;
    g_autoptr(KeyValList) kv = netdev_parse(optstr, false, skip, &type, errp);
    NetClientState *nc;

    if (!kv) {
        return NULL;
    }
    nc = type->init(kv, name, peer, errp);
    if (nc && !nc->info_str[0]) {
        g_strlcpy(nc->info_str, type->name, sizeof(nc->info_str));
    }
    return nc;
}

NetClientState *netdev_add(const char *optstr, GError **errp)
{
    const NetdevType *type;
    g_autoptr(KeyValList) kv = netdev_parse(optstr, true, NULL, &type, errp);
    const char *id;
    NetClientState *nc;

    if (!kv) {
        return NULL;
    }
    id = keyval_get(kv, "id");
    if (net_client_find(id)) {
        error_setg(errp, "Duplicate ID '%s' for netdev", id);
        return NULL;
    }
    nc = type->init(kv, id, NULL, errp);
    if (!nc) {
        return NULL;
    }
    if (!nc->info_str[0]) {
        g_strlcpy(nc->info_str, type->name, sizeof(nc->info_str));
    }
    g_assert(net_client_register(nc));
    return nc;
}

bool netdev_del(const char *id, GError **errp)
{
    NetClientState *nc = net_client_find(id);

    if (!nc) {
        return error_setg(errp, "Device '%s' not found", id);
    }
    if (nc->peer_nic || (nc->peer && nc->peer->info &&
                         nc->peer->info->kind == NET_CLIENT_NIC)) {
        return error_setg(errp,
                          "Device '%s' is in use by a NIC; remove the "
                          "NIC first",
                          id);
    }
    net_client_free(nc);
    return true;
}

/* -netdev hubport,id=ID,hubid=N[,netdev=ND]: a port on hub N. */
static NetClientState *net_hubport_init(KeyValList *kv, const char *name,
                                        NetClientState *peer, GError **errp)
{
    const char *hubid = keyval_get(kv, "hubid");
    const char *netdev = keyval_get(kv, "netdev");
    NetClientState *port, *backend = NULL;
    uint64_t id;

    if (!hubid) {
        error_setg(errp, "Parameter 'hubid' is missing");
        return NULL;
    }
    if (!parse_uint64(hubid, &id, NULL) || id > INT32_MAX) {
        error_setg(errp, "Parameter 'hubid' expects an int64 value");
        return NULL;
    }
    if (netdev) {
        backend = net_client_find(netdev);
        if (!backend) {
            error_setg(errp, "netdev '%s' not found", netdev);
            return NULL;
        }
        if (backend->peer || backend->peer_nic) {
            error_setg(errp, "netdev '%s' is already in use", netdev);
            return NULL;
        }
    }
    if (peer && backend) {
        error_setg(errp, "hubport: netdev= cannot be used here");
        return NULL;
    }
    port = net_hub_add_port(id, name);
    if (peer) {
        net_client_set_peer(port, peer);
    } else if (backend) {
        net_client_set_peer(port, backend);
    }
    return port;
}
