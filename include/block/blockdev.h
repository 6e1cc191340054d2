/*
 * -blockdev and the monitor's blockdev-add/blockdev-del: nodes described
 * by QEMU's BlockdevOptions (block/blockdev.c). The monitor owns what it
 * opened here; a device reaches such a node by its name (drive=NODE).
 */
#ifndef BLOCK_BLOCKDEV_H
#define BLOCK_BLOCKDEV_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/* -blockdev's argument: JSON ("{...}") or dotted keys; a new reference. */
JsonObject *blockdev_options_parse(const char *str, GError **errp);
/* Opens the described graph; its root is then owned by the monitor. */
bool blockdev_add(JsonObject *opts, GError **errp);
/* Closes a node blockdev-add opened, unless a device or a parent uses it. */
bool blockdev_del(const char *node_name, GError **errp);
/* Drops every node the monitor owns (end of pcvm, unit tests). */
void blockdev_close_all(void);

#endif
