/*
 * Network backends (-netdev): the registry that NIC models look their
 * backend up in by id. This is the frame the net layer grows into: a
 * backend registers itself under its id, a NIC's netdev= property claims
 * it, and each backend serves one NIC at a time, as in QEMU. Packet
 * queues, receive and back-pressure come with the backends themselves.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>

struct DeviceState;

typedef struct NetClientState {
    char *name;        /* the -netdev id */
    const char *model; /* the backend type: "user", "tap", "socket", ... */
    /* The NIC using it, or NULL (set through the netdev= property). */
    struct DeviceState *peer_nic;
} NetClientState;

/* Adds nc under nc->name; false if a backend of that id exists already. */
bool net_client_register(NetClientState *nc);
void net_client_unregister(NetClientState *nc);
NetClientState *net_client_find(const char *id);

#endif
