/*
 * Drives: what -drive (and -hda/-cdrom/a positional image) describe, and
 * the registry of opened drives that boards and devices look up by
 * interface, bus and unit (if=ide) or by id (if=none).
 */
#ifndef BLOCK_DRIVE_H
#define BLOCK_DRIVE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "block/block.h"

typedef enum {
    IF_NONE,
    IF_IDE,
    IF_VIRTIO, /* parsed and registered; the board wires the devices */
    IF_PFLASH, /* the pc's system flash: unit 0 code, unit 1 variables */
} BlockInterfaceType;

typedef enum {
    MEDIA_DISK,
    MEDIA_CDROM,
} DriveMediaType;

/* Devices per bus and buses of an interface (the pc's two IDE channels). */
#define IDE_UNITS_PER_BUS 2
#define IDE_BUSES_MAX 2

typedef struct DriveConfig {
    char *spec; /* the option as given, for error messages */
    char *file; /* NULL: no medium */
    BlockInterfaceType iface;
    int bus, unit;
    DriveMediaType media;
    bool read_only;
    bool snapshot;   /* writes go to a temporary qcow2 overlay */
    char *format;    /* NULL: raw */
    char *id;        /* given or generated ("ide0-hd0", "ide1-cd0", "none0");
                        "" for a device's backend on a -blockdev node */
    char *node_name; /* -drive node-name=: the format node's; NULL: generated */
    /* cache, aio, discard, detect-zeroes, file.locking (drive_parse_options) */
    BlockOptions opts;
    BlockBackend *blk;            /* set by drive_open() */
    struct DeviceState *attached; /* the device using it, or NULL */
} DriveConfig;

void drive_config_free(DriveConfig *drive);
/*
 * Reads -drive's block keys from kv into o (QEMU's defaults for those
 * absent): cache=, cache.writeback/direct/no-flush= (which override
 * cache=), aio=, discard=, detect-zeroes=, file.locking=. Errors are
 * QEMU's ("invalid cache option", "invalid aio option", ...).
 */
struct KeyValList;
bool drive_parse_options(struct KeyValList *kv, BlockOptions *o, GError **errp);
const char *drive_interface_name(BlockInterfaceType iface);

/* Opens the drive's backend and adds it to the registry. */
bool drive_open(DriveConfig *drive, GError **errp);
/* The opened drive at (iface, bus, unit), or NULL. */
DriveConfig *drive_get(BlockInterfaceType iface, int bus, int unit);
DriveConfig *drive_find_by_id(const char *id);
/*
 * What a device's drive=NAME means: the drive with that id, or else a new
 * anonymous backend on the node of that name (QEMU's drive=NODE), which
 * drive_release() closes again. NULL with errp unset when neither exists.
 */
DriveConfig *drive_find_or_attach(const char *name, GError **errp);
/* The device lets go of the drive; an anonymous one is closed. */
void drive_release(DriveConfig *drive);
/* Every opened drive (DriveConfig *), in command-line order; may be empty. */
GPtrArray *drive_list(void);
/* Closes every opened drive (end of pcvm, unit tests). */
void drive_close_all(void);

#endif
