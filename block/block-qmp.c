/*
 * The block layer's QMP commands: query-block (QEMU's BlockInfo for every
 * -drive), which HMP's "info block" formats.
 */
#include <sys/stat.h>

#include "block/drive.h"
#include "qapi/qmp-registry.h"
#include "qom/object.h"

static JsonObject *block_device_info(DriveConfig *d)
{
    JsonObject *info = json_object_new();
    JsonObject *image = json_object_new();
    JsonObject *cache = json_object_new();
    const char *format = d->format ? d->format : "raw";
    static const char *const throttles[] = {"bps",  "bps_rd",  "bps_wr",
                                            "iops", "iops_rd", "iops_wr"};
    struct stat st;

    json_object_set_string_member(info, "file", blk_filename(d->blk));
    json_object_set_boolean_member(info, "ro", blk_is_read_only(d->blk));
    json_object_set_string_member(info, "drv", format);
    json_object_set_int_member(info, "backing_file_depth", 0);
    json_object_set_boolean_member(info, "encrypted", false);
    json_object_set_string_member(info, "detect_zeroes", "off");
    for (size_t i = 0; i < G_N_ELEMENTS(throttles); i++) {
        json_object_set_int_member(info, throttles[i], 0);
    }
    json_object_set_string_member(image, "filename", blk_filename(d->blk));
    json_object_set_string_member(image, "format", format);
    json_object_set_int_member(image, "virtual-size",
                               (gint64)blk_getlength(d->blk));
    if (stat(blk_filename(d->blk), &st) == 0) {
        json_object_set_int_member(image, "actual-size",
                                   (gint64)st.st_blocks * 512);
    }
    json_object_set_boolean_member(image, "dirty-flag", false);
    json_object_set_object_member(info, "image", image);
    /* Writes go through the host page cache; flushes reach fdatasync. */
    json_object_set_boolean_member(cache, "writeback", true);
    json_object_set_boolean_member(cache, "direct", false);
    json_object_set_boolean_member(cache, "no-flush", false);
    json_object_set_object_member(info, "cache", cache);
    json_object_set_int_member(info, "write_threshold", 0);
    return info;
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

static const QmpCommandDef block_qmp_commands[] = {
    {"query-block", qmp_query_block, NULL, "[BlockInfo]"},
    {NULL},
};

static void block_qmp_register(void)
{
    qmp_register_commands(block_qmp_commands);
}
qmp_init(block_qmp_register)
