/*
 * The hub behind QEMU's legacy -net options (its "VLANs"): a hub forwards
 * what one port receives to every other port. -net nic and -net user join
 * hub 0 unless vlan= says otherwise; -netdev hubport,hubid=N joins hub N.
 * A port can take a packet only when every other port's peer can, so a
 * slow NIC on the hub pushes back on the backend instead of dropping.
 */
#ifndef NET_HUB_H
#define NET_HUB_H

#include <glib.h>

#include "net/net.h"

/*
 * A new port on hub hub_id (made if needed), unpeered; name NULL gives
 * QEMU's "hubNportM".
 */
NetClientState *net_hub_add_port(int hub_id, const char *name);
/* The hub a port is on, or -1 if nc is not a hub port. */
int net_hub_id_for_client(const NetClientState *nc);
/* Appends the hubs and their ports' peers, as `info network` lists them. */
void net_hub_info(GString *out);

#endif
