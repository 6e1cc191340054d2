/*
 * The netdev= property kind (hw/net/netdev-prop.c): a NetClientState *
 * field, set from a -netdev id; setting it claims the backend for the NIC,
 * so a second NIC naming the same backend is refused, with QEMU's words.
 */
#ifndef HW_NET_NETDEV_PROP_H
#define HW_NET_NETDEV_PROP_H

#include "hw/core/device.h"
#include "net/net.h"

extern const PropertyInfo prop_info_netdev;
#define DEFINE_PROP_NETDEV(n, st, f)                                           \
    {                                                                          \
        .name = (n), .info = &prop_info_netdev, .offset = offsetof(st, f)      \
    }

#endif
