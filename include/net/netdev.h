/*
 * Network backends from option strings: -netdev TYPE,id=ID,..., the
 * netdev_add monitor command, the backends of the legacy -net TYPE (on
 * a hub) and of -nic TYPE. Types: user (libslirp), socket, hubport.
 * Errors are QEMU's words: a missing id or type, an unknown type, a
 * duplicate id, a key the type does not take.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <stdio.h>

#include "net/net.h"
#include "util/keyval.h"

/*
 * Checks optstr (type known, keys it takes, id given and well formed,
 * unless need_id is false; keys in skip are the caller's) without
 * creating anything. *type_out and
 * *id_out (if not NULL) get copies of the type and of the id (or NULL).
 */
bool netdev_options_check(const char *optstr, bool need_id,
                          const char *const *skip, char **type_out,
                          char **id_out, GError **errp);
/* Whether type names a backend type (-nic TYPE, -net TYPE). */
bool netdev_type_exists(const char *type);
/* Creates the backend of -netdev optstr (netdev_add) under its id. */
NetClientState *netdev_add(const char *optstr, GError **errp);
/*
 * Creates a backend from optstr without registering an id: the backend of
 * -net TYPE (then peer is a hub port) or of -nic TYPE (peer NULL, the NIC
 * connects later). name is the client's name. Keys in skip (NULL-ended,
 * or NULL) are left for the caller (model=, mac=).
 */
NetClientState *netdev_create(const char *optstr, const char *name,
                              NetClientState *peer, const char *const *skip,
                              GError **errp);
/* Removes the backend id (netdev_del): refused while a NIC uses it. */
bool netdev_del(const char *id, GError **errp);
/* -netdev help. */
void netdev_print_types(FILE *out);

/* The backends (net/socket.c, net/slirp.c): kv holds the type's keys. */
NetClientState *net_socket_init(KeyValList *kv, const char *name,
                                NetClientState *peer, GError **errp);
NetClientState *net_slirp_init(KeyValList *kv, const char *name,
                               NetClientState *peer, GError **errp);

#endif
