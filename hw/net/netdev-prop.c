/*
 * The netdev= property kind: a NetClientState * field, set from a -netdev
 * id (QEMU's "netdev" property). A backend serves one NIC: the property
 * claims it and releasing the property (or the device) gives it back.
 */
#include "hw/net/netdev-prop.h"
#include "util/error.h"

static bool netdev_prop_parse(DeviceState *dev, const Property *p, void *field,
                              const char *text, GError **errp)
{
    NetClientState **slot = field;
    NetClientState *nc = net_client_find(text);

    if (!nc) {
        return error_setg(errp, "Property '%s.%s' can't find value '%s'",
                          dev->klass->name, p->name, text);
    }
    if (nc == *slot) {
        return true;
    }
    if (nc->peer_nic || nc->peer) {
        return error_setg(errp,
                          "Property '%s.%s' can't take value '%s', it's in use",
                          dev->klass->name, p->name, text);
    }
    if (*slot) {
        (*slot)->peer_nic = NULL;
    }
    nc->peer_nic = dev;
    *slot = nc;
    return true;
}

static char *netdev_prop_print(const Property *p, const void *field)
{
    const NetClientState *nc = *(NetClientState *const *)field;

    return g_strdup(nc ? nc->name : "");
}

static void netdev_prop_release(const Property *p, void *field)
{
    NetClientState **slot = field;

    if (*slot) {
        (*slot)->peer_nic = NULL;
        *slot = NULL;
    }
}

const PropertyInfo prop_info_netdev = {
    .name = "str",
    .description = "ID of a netdev to use as a backend",
    .parse = netdev_prop_parse,
    .print = netdev_prop_print,
    .release = netdev_prop_release,
};
