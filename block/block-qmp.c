/*
 * The block layer's QMP commands: query-block (QEMU's BlockInfo for every
 * -drive), which HMP's "info block" formats, and query-blockstats (QEMU's
 * BlockStats: the backend's accounting, per drive).
 */
#include <sys/stat.h>
#include <time.h>

#include "block/block-int.h"
#include "block/blockdev.h"
#include "block/drive.h"
#include "qapi/qmp-registry.h"
#include "qom/object.h"
#include "util/error.h"

/* QEMU's BlockDeviceInfo for a node (query-block's "inserted"). */
/* ImageInfo: the format node's image, and its backing chain below it. */
static JsonObject *block_image_info(BlockDriverState *bs)
{
    JsonObject *image = json_object_new();
    BlockImageInfo ii;
    struct stat st;

    bdrv_get_image_info(bs, &ii);
    json_object_set_string_member(image, "filename", bs->filename);
    json_object_set_string_member(image, "format", bs->drv->name);
    json_object_set_int_member(image, "virtual-size", (gint64)ii.virtual_size);
    if (stat(bs->filename, &st) == 0) {
        json_object_set_int_member(image, "actual-size",
                                   (gint64)st.st_blocks * 512);
    }
    if (ii.cluster_size) {
        json_object_set_int_member(image, "cluster-size",
                                   (gint64)ii.cluster_size);
    }
    json_object_set_boolean_member(image, "dirty-flag", ii.dirty);
    if (ii.backing_file) {
        json_object_set_string_member(image, "backing-filename",
                                      ii.backing_file);
        if (ii.backing_format) {
            json_object_set_string_member(image, "backing-filename-format",
                                          ii.backing_format);
        }
    }
    if (bs->backing) {
        json_object_set_string_member(image, "full-backing-filename",
                                      bs->backing->filename);
        json_object_set_object_member(image, "backing-image",
                                      block_image_info(bs->backing));
    }
    block_image_info_clear(&ii);
    return image;
}

static JsonObject *block_node_info(BlockDriverState *bs, bool writeback)
{
    JsonObject *info = json_object_new();
    JsonObject *cache = json_object_new();
    static const char *const zeroes[] = {"off", "on", "unmap"};
    static const char *const throttles[] = {"bps",  "bps_rd",  "bps_wr",
                                            "iops", "iops_rd", "iops_wr"};

    json_object_set_string_member(info, "file", bs->filename);
    json_object_set_string_member(info, "node-name", bs->node_name);
    json_object_set_boolean_member(info, "ro", bs->opts.read_only);
    json_object_set_string_member(info, "drv", bs->drv->name);
    {
        int depth = 0;

        for (BlockDriverState *b = bs->backing; b; b = b->backing) {
            depth++;
        }
        json_object_set_int_member(info, "backing_file_depth", depth);
        if (bs->backing) {
            json_object_set_string_member(info, "backing_file",
                                          bs->backing->filename);
        }
    }
    json_object_set_boolean_member(info, "encrypted", false);
    json_object_set_string_member(info, "detect_zeroes",
                                  zeroes[bs->opts.detect_zeroes]);
    for (size_t i = 0; i < G_N_ELEMENTS(throttles); i++) {
        json_object_set_int_member(info, throttles[i], 0);
    }
    json_object_set_object_member(info, "image", block_image_info(bs));
    json_object_set_boolean_member(cache, "writeback", writeback);
    json_object_set_boolean_member(cache, "direct", bs->opts.direct);
    json_object_set_boolean_member(cache, "no-flush", bs->opts.no_flush);
    json_object_set_object_member(info, "cache", cache);
    json_object_set_int_member(info, "write_threshold", 0);
    return info;
}

static JsonObject *block_device_info(DriveConfig *d)
{
    BlockOptions o;

    blk_get_options(d->blk, &o);
    return block_node_info(blk_root(d->blk), o.writeback);
}

static JsonNode *qmp_query_block(JsonObject *args, GError **errp)
{
    JsonArray *list = json_array_new();
    GPtrArray *drives = drive_list();
    JsonNode *node;

    for (unsigned i = 0; i < drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(drives, i);
        JsonObject *info = json_object_new();
        bool removable = d->media == MEDIA_CDROM;

        json_object_set_string_member(info, "device", d->id);
        if (d->attached) {
            g_autofree char *path = object_get_path(OBJECT(d->attached));

            json_object_set_string_member(info, "qdev", path);
        }
        json_object_set_string_member(info, "type", "unknown");
        json_object_set_boolean_member(info, "removable", removable);
        json_object_set_boolean_member(info, "locked", blk_is_locked(d->blk));
        if (blk_is_inserted(d->blk)) {
            json_object_set_object_member(info, "inserted",
                                          block_device_info(d));
        }
        if (removable) {
            json_object_set_boolean_member(info, "tray_open", false);
        }
        json_array_add_object_element(list, info);
    }
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, list);
    return node;
}

static JsonObject *block_device_stats(BlockBackend *blk)
{
    JsonObject *stats = json_object_new();
    BlockAcctStats st;
    struct timespec now;
    const struct {
        const char *name;
        const uint64_t *value;
    } fields[] = {
        {"rd_bytes", &st.rd_bytes},
        {"wr_bytes", &st.wr_bytes},
        {"unmap_bytes", &st.unmap_bytes},
        {"rd_operations", &st.rd_operations},
        {"wr_operations", &st.wr_operations},
        {"flush_operations", &st.flush_operations},
        {"unmap_operations", &st.unmap_operations},
        {"rd_total_time_ns", &st.rd_total_time_ns},
        {"wr_total_time_ns", &st.wr_total_time_ns},
        {"flush_total_time_ns", &st.flush_total_time_ns},
        {"unmap_total_time_ns", &st.unmap_total_time_ns},
        {"wr_highest_offset", &st.wr_highest_offset},
        {"failed_rd_operations", &st.failed_rd_operations},
        {"failed_wr_operations", &st.failed_wr_operations},
        {"failed_flush_operations", &st.failed_flush_operations},
        {"failed_unmap_operations", &st.failed_unmap_operations},
        {"invalid_rd_operations", &st.invalid_rd_operations},
        {"invalid_wr_operations", &st.invalid_wr_operations},
        {"invalid_flush_operations", &st.invalid_flush_operations},
        {"invalid_unmap_operations", &st.invalid_unmap_operations},
    };
    static const char *const merged[] = {"rd_merged", "wr_merged",
                                         "unmap_merged"};

    blk_get_stats(blk, &st);
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        json_object_set_int_member(stats, fields[i].name,
                                   (gint64)*fields[i].value);
    }
    /* Requests are never merged. */
    for (size_t i = 0; i < G_N_ELEMENTS(merged); i++) {
        json_object_set_int_member(stats, merged[i], 0);
    }
    /* Present once a request has finished, as in QEMU. */
    if (st.last_done_ns) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        json_object_set_int_member(stats, "idle_time_ns",
                                   now.tv_sec * 1000000000LL + now.tv_nsec -
                                       st.last_done_ns);
    }
    json_object_set_boolean_member(stats, "account_invalid", true);
    json_object_set_boolean_member(stats, "account_failed", true);
    json_object_set_array_member(stats, "timed_stats", json_array_new());
    return stats;
}

static JsonNode *qmp_query_blockstats(JsonObject *args, GError **errp)
{
    JsonArray *list = json_array_new();
    GPtrArray *drives = drive_list();
    JsonNode *node;

    for (unsigned i = 0; i < drives->len; i++) {
        DriveConfig *d = g_ptr_array_index(drives, i);
        JsonObject *entry = json_object_new();

        json_object_set_string_member(entry, "device", d->id);
        if (d->attached) {
            g_autofree char *path = object_get_path(OBJECT(d->attached));

            json_object_set_string_member(entry, "qdev", path);
        }
        json_object_set_object_member(entry, "stats",
                                      block_device_stats(d->blk));
        json_array_add_object_element(list, entry);
    }
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, list);
    return node;
}

/* QEMU's argument: statistics are kept per backend, so it changes nothing. */
static const QmpMember query_blockstats_args[] = {{"query-nodes", "bool", true},
                                                  {NULL}};

static JsonNode *qmp_query_named_block_nodes(JsonObject *args, GError **errp)
{
    JsonArray *list = json_array_new();
    GPtrArray *nodes = bdrv_node_list();
    JsonNode *node;

    for (unsigned i = 0; i < nodes->len; i++) {
        BlockDriverState *bs = g_ptr_array_index(nodes, i);

        json_array_add_object_element(list, block_node_info(bs, true));
    }
    node = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(node, list);
    return node;
}

/* flat: QEMU leaves out the backing-image chains; pcvm lists them always. */
static const QmpMember query_named_block_nodes_args[] = {{"flat", "bool", true},
                                                         {NULL}};

static JsonNode *qmp_blockdev_add(JsonObject *args, GError **errp)
{
    blockdev_add(args, errp);
    return NULL;
}

static JsonNode *qmp_blockdev_del(JsonObject *args, GError **errp)
{
    blockdev_del(json_object_get_string_member(args, "node-name"), errp);
    return NULL;
}

static const QmpMember blockdev_del_args[] = {{"node-name", "str"}, {NULL}};

/* block_resize {device | node-name, size}: the backend of either. */
static JsonNode *qmp_block_resize(JsonObject *args, GError **errp)
{
    const char *device =
        json_object_get_string_member_with_default(args, "device", NULL);
    const char *node =
        json_object_get_string_member_with_default(args, "node-name", NULL);
    gint64 size = json_object_get_int_member(args, "size");
    BlockBackend *blk = NULL;
    DriveConfig *d;

    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a >0 size");
        return NULL;
    }
    if (device && (d = drive_find_by_id(device))) {
        blk = d->blk;
    } else if (node && bdrv_find_node(node)) {
        blk = bdrv_find_node(node)->blk;
        if (!blk) {
            error_setg(errp, "Node '%s' is not attached to a device", node);
            return NULL;
        }
    } else if (!device && !node) {
        error_setg(errp, "Cannot find device='' nor node-name=''");
        return NULL;
    }
    if (!blk) {
        error_setg(errp, "Cannot find device='%s' nor node-name='%s'",
                   device ? device : "", node ? node : "");
        return NULL;
    }
    blk_truncate(blk, size, errp);
    return NULL;
}

static const QmpMember block_resize_args[] = {{"device", "str", true},
                                              {"node-name", "str", true},
                                              {"size", "int"},
                                              {NULL}};

static const QmpCommandDef block_qmp_commands[] = {
    {"query-block", qmp_query_block, NULL, "[BlockInfo]"},
    {"query-blockstats", qmp_query_blockstats, query_blockstats_args,
     "[BlockStats]"},
    {"query-named-block-nodes", qmp_query_named_block_nodes,
     query_named_block_nodes_args, "[BlockDeviceInfo]"},
    {"blockdev-add", qmp_blockdev_add, qmp_args_boxed, NULL},
    {"blockdev-del", qmp_blockdev_del, blockdev_del_args, NULL},
    {"block_resize", qmp_block_resize, block_resize_args, NULL},
    {NULL},
};

static void block_qmp_register(void)
{
    qmp_register_commands(block_qmp_commands);
}
qmp_init(block_qmp_register)
