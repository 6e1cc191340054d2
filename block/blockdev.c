/*
 * -blockdev and blockdev-add: QEMU's BlockdevOptions, a JSON object (or
 * the same as dotted keys: file.driver=file,file.filename=x), opened as
 * a graph of nodes bottom up.
 *
 * A child (file=) is either an object, opened here as a node of its own
 * with a generated name unless it has one, or a string naming a node
 * that exists. An object child inherits read-only, auto-read-only, the
 * cache flags, discard and detect-zeroes from its parent unless it sets
 * them (QEMU's inherited options); a named node keeps its own.
 *
 * Values are typed as in QMP (true, 512) or strings as dotted keys give
 * them ("on", "512"); errors are QEMU's ("Parameter 'file.driver' is
 * missing", "Parameter 'aio' does not accept value 'x'", ...).
 */
#include <errno.h>
#include <string.h>

#include "block/blockdev.h"
#include "block/block-int.h"
#include "block/drive.h"
#include "util/cutils.h"
#include "util/error.h"
#include "util/keyval.h"

/* Where a member sits, for error messages: "file.filename". */
static char *bd_name(const char *prefix, const char *key)
{
    return prefix ? g_strdup_printf("%s.%s", prefix, key) : g_strdup(key);
}

static bool bd_type_error(const char *prefix, const char *key, const char *type,
                          GError **errp)
{
    g_autofree char *name = bd_name(prefix, key);

    return error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                      name, type);
}

static const char *bd_string_value(JsonNode *n)
{
    return JSON_NODE_HOLDS_VALUE(n) &&
                   json_node_get_value_type(n) == G_TYPE_STRING
               ? json_node_get_string(n)
               : NULL;
}

static bool bd_get_str(JsonObject *o, const char *prefix, const char *key,
                       const char **out, GError **errp)
{
    JsonNode *n = json_object_get_member(o, key);

    if (!n) {
        return true;
    }
    if (!(*out = bd_string_value(n))) {
        return bd_type_error(prefix, key, "string", errp);
    }
    return true;
}

static bool bd_get_bool(JsonObject *o, const char *prefix, const char *key,
                        bool *out, GError **errp)
{
    JsonNode *n = json_object_get_member(o, key);
    const char *s;

    if (!n) {
        return true;
    }
    if (JSON_NODE_HOLDS_VALUE(n) &&
        json_node_get_value_type(n) == G_TYPE_BOOLEAN) {
        *out = json_node_get_boolean(n);
        return true;
    }
    if ((s = bd_string_value(n))) {
        g_autofree char *name = bd_name(prefix, key);

        if (!strcmp(s, "on")) {
            *out = true;
        } else if (!strcmp(s, "off")) {
            *out = false;
        } else {
            return error_setg(errp, "Parameter '%s' expects 'on' or 'off'",
                              name);
        }
        return true;
    }
    return bd_type_error(prefix, key, "boolean", errp);
}

/* A size: a JSON number, or a string with QEMU's suffixes (dotted keys). */
static bool bd_get_size(JsonObject *o, const char *prefix, const char *key,
                        uint64_t *out, GError **errp)
{
    JsonNode *n = json_object_get_member(o, key);
    const char *s;

    if (!n) {
        return true;
    }
    if (JSON_NODE_HOLDS_VALUE(n) &&
        json_node_get_value_type(n) == G_TYPE_INT64 &&
        json_node_get_int(n) >= 0) {
        *out = json_node_get_int(n);
        return true;
    }
    if ((s = bd_string_value(n))) {
        g_autofree char *name = bd_name(prefix, key);

        if (!parse_size(s, 1, out, NULL)) {
            return error_setg(errp, "Parameter '%s' expects a size", name);
        }
        return true;
    }
    return bd_type_error(prefix, key, "size", errp);
}

/* An enum member: *out is the index of its value in names. */
static bool bd_get_enum(JsonObject *o, const char *prefix, const char *key,
                        const char *const *names, int *out, GError **errp)
{
    const char *s = NULL;

    if (!bd_get_str(o, prefix, key, &s, errp)) {
        return false;
    }
    if (!s) {
        return true;
    }
    for (int i = 0; names[i]; i++) {
        if (!strcmp(s, names[i])) {
            *out = i;
            return true;
        }
    }
    g_autofree char *name = bd_name(prefix, key);

    return error_setg(errp, "Parameter '%s' does not accept value '%s'", name,
                      s);
}

/* Every member of o must be one of the NULL-terminated lists. */
static bool bd_check_members(JsonObject *o, const char *prefix,
                             const char *const *common,
                             const char *const *driver, GError **errp)
{
    g_autoptr(GList) members = json_object_get_members(o);

    for (GList *m = members; m; m = m->next) {
        const char *key = m->data;
        bool known = false;

        for (int i = 0; common[i] && !known; i++) {
            known = !strcmp(key, common[i]);
        }
        for (int i = 0; driver && driver[i] && !known; i++) {
            known = !strcmp(key, driver[i]);
        }
        if (!known) {
            g_autofree char *name = bd_name(prefix, key);

            return error_setg(errp, "Parameter '%s' is unexpected", name);
        }
    }
    return true;
}

/* The members every driver has (QEMU's BlockdevOptions base). */
static const char *const bd_common_members[] = {
    "driver",    "node-name",      "discard",       "cache",
    "read-only", "auto-read-only", "detect-zeroes", NULL,
};

/* What each driver adds. */
static const char *const bd_file_members[] = {"filename", "aio", "locking",
                                              NULL};
static const char *const bd_format_members[] = {"file", NULL};
static const char *const bd_qcow2_members[] = {"file", "backing",
                                               "l2-cache-size", NULL};

static const char *const *bd_driver_members(const BlockDriver *drv)
{
    if (drv == &bdrv_qcow2) {
        return bd_qcow2_members;
    }
    return drv == &bdrv_file ? bd_file_members : bd_format_members;
}

/* The base members into o (which holds what a parent passes down). */
static bool bd_parse_common(JsonObject *obj, const char *prefix,
                            BlockOptions *o, bool *auto_ro, GError **errp)
{
    static const char *const discard_names[] = {"ignore", "unmap", NULL};
    static const char *const zeroes_names[] = {"off", "on", "unmap", NULL};
    JsonNode *cache = json_object_get_member(obj, "cache");
    int discard = o->discard, zeroes = o->detect_zeroes;

    if (!bd_get_bool(obj, prefix, "read-only", &o->read_only, errp) ||
        !bd_get_bool(obj, prefix, "auto-read-only", auto_ro, errp) ||
        !bd_get_enum(obj, prefix, "discard", discard_names, &discard, errp) ||
        !bd_get_enum(obj, prefix, "detect-zeroes", zeroes_names, &zeroes,
                     errp)) {
        return false;
    }
    o->discard = (BlockDiscardMode)discard;
    o->detect_zeroes = (BlockDetectZeroes)zeroes;
    if (zeroes == BLOCK_DETECT_ZEROES_UNMAP &&
        o->discard != BLOCK_DISCARD_UNMAP) {
        return error_setg(errp, "setting detect-zeroes to unmap is not "
                                "allowed without setting discard operation "
                                "to unmap");
    }
    if (cache) {
        static const char *const cache_members[] = {"direct", "no-flush", NULL};
        g_autofree char *cprefix = bd_name(prefix, "cache");
        JsonObject *c;

        if (!JSON_NODE_HOLDS_OBJECT(cache)) {
            return bd_type_error(prefix, "cache", "object", errp);
        }
        c = json_node_get_object(cache);
        if (!bd_check_members(c, cprefix, cache_members, NULL, errp) ||
            !bd_get_bool(c, cprefix, "direct", &o->direct, errp) ||
            !bd_get_bool(c, cprefix, "no-flush", &o->no_flush, errp)) {
            return false;
        }
    }
    return true;
}

static bool bd_parse_file(JsonObject *obj, const char *prefix, BlockOptions *o,
                          const char **filename, GError **errp)
{
    static const char *const aio_names[] = {"threads", "native", "io_uring",
                                            NULL};
    static const char *const locking_names[] = {"auto", "on", "off", NULL};
    int aio = o->aio, locking = o->locking;

    if (!bd_get_str(obj, prefix, "filename", filename, errp) ||
        !bd_get_enum(obj, prefix, "aio", aio_names, &aio, errp) ||
        !bd_get_enum(obj, prefix, "locking", locking_names, &locking, errp)) {
        return false;
    }
    if (!*filename) {
        g_autofree char *name = bd_name(prefix, "filename");

        return error_setg(errp, "Parameter '%s' is missing", name);
    }
    o->aio = (BlockAioMode)aio;
    o->locking = (BlockLockingMode)locking;
    if (o->aio == BLOCK_AIO_NATIVE && !o->direct) {
        return error_setg(errp, "aio=native was specified, but it requires "
                                "cache.direct=on, which was not specified.");
    }
    return true;
}

static BlockDriverState *bd_open(JsonObject *obj, const char *prefix,
                                 const BlockOptions *inherited, GError **errp);

/* A child given as an object (opened here) or as a node's name. */
static BlockDriverState *bd_open_child(JsonObject *parent, const char *prefix,
                                       const char *key,
                                       const BlockOptions *inherited,
                                       GError **errp)
{
    JsonNode *n = json_object_get_member(parent, key);
    g_autofree char *name = bd_name(prefix, key);
    const char *ref;
    BlockDriverState *bs;

    if (!n) {
        error_setg(errp, "Parameter '%s' is missing", name);
        return NULL;
    }
    if (JSON_NODE_HOLDS_OBJECT(n)) {
        return bd_open(json_node_get_object(n), name, inherited, errp);
    }
    if (!(ref = bd_string_value(n))) {
        bd_type_error(prefix, key, "BlockdevRef", errp);
        return NULL;
    }
    bs = bdrv_find_node(ref);
    if (!bs) {
        error_setg(errp, "Cannot find device='%s' nor node-name='%s'", ref,
                   ref);
        return NULL;
    }
    if (!inherited->read_only && bs->opts.read_only) {
        error_setg(errp, "Block node is read-only");
        return NULL;
    }
    /* One writer per node: a backend, or the node above it. */
    if (!inherited->read_only && (bs->blk || bs->parents)) {
        error_setg(errp,
                   "Conflicts with use by %s, which does not allow "
                   "'write' on %s",
                   bs->blk ? "a device" : "another node", ref);
        return NULL;
    }
    bdrv_ref(bs);
    return bs;
}

/*
 * qcow2's own members: backing (null, a node's name or an object opened
 * read-only here; absent: the image's backing file) and l2-cache-size.
 */
static bool bd_parse_qcow2(JsonObject *obj, const char *prefix, BlockOptions *o,
                           BlockDriverState **backing, GError **errp)
{
    JsonNode *n = json_object_get_member(obj, "backing");
    const char *ref;

    if (!bd_get_size(obj, prefix, "l2-cache-size", &o->l2_cache_size, errp)) {
        return false;
    }
    if (!n) {
        return true;
    }
    ref = bd_string_value(n);
    if (JSON_NODE_HOLDS_NULL(n) || (ref && !strcmp(ref, "null"))) {
        o->no_backing = true;
        return true;
    }
    {
        BlockOptions ro = *o;

        ro.read_only = true;
        ro.no_backing = false;
        ro.l2_cache_size = 0;
        *backing = bd_open_child(obj, prefix, "backing", &ro, errp);
    }
    return *backing != NULL;
}

static BlockDriverState *bd_open(JsonObject *obj, const char *prefix,
                                 const BlockOptions *inherited, GError **errp)
{
    const char *driver = NULL, *node_name = NULL, *filename = NULL;
    const BlockDriver *drv;
    BlockOptions o = *inherited;
    bool auto_ro = false;
    BlockDriverState *file = NULL, *backing = NULL, *bs;

    if (!bd_get_str(obj, prefix, "driver", &driver, errp) ||
        !bd_get_str(obj, prefix, "node-name", &node_name, errp)) {
        return NULL;
    }
    if (!driver) {
        g_autofree char *name = bd_name(prefix, "driver");

        error_setg(errp, "Parameter '%s' is missing", name);
        return NULL;
    }
    if (!(drv = bdrv_find_driver(driver))) {
        g_autofree char *name = bd_name(prefix, "driver");

        error_setg(errp, "Parameter '%s' does not accept value '%s'", name,
                   driver);
        return NULL;
    }
    if (!bd_check_members(obj, prefix, bd_common_members,
                          bd_driver_members(drv), errp) ||
        !bd_parse_common(obj, prefix, &o, &auto_ro, errp)) {
        return NULL;
    }
    /* The name before the children, so a clash opens nothing. */
    if (node_name && !bdrv_node_name_check(node_name, errp)) {
        return NULL;
    }
    if (node_name && drive_find_by_id(node_name)) {
        error_setg(errp, "node-name=%s is conflicting with a device id",
                   node_name);
        return NULL;
    }
    if (drv == &bdrv_file) {
        if (!bd_parse_file(obj, prefix, &o, &filename, errp)) {
            return NULL;
        }
    } else {
        file = bd_open_child(obj, prefix, "file", &o, errp);
        if (!file) {
            return NULL;
        }
        filename = file->filename;
    }
    if (drv == &bdrv_qcow2 &&
        !bd_parse_qcow2(obj, prefix, &o, &backing, errp)) {
        bdrv_unref(file);
        return NULL;
    }
    o.backing = backing ? backing->node_name : NULL;
    bs = bdrv_open_node(drv, file, filename, node_name, &o, errp);
    bdrv_unref(backing); /* the qcow2 node holds its own reference */
    if (!bs && auto_ro && !o.read_only && drv == &bdrv_file) {
        /* auto-read-only: a file we may not write is opened read-only. */
        g_autoptr(GError) err = NULL;

        o.read_only = true;
        bs = bdrv_open_node(drv, NULL, filename, node_name, &o, &err);
        if (bs) {
            g_clear_error(errp);
        }
    }
    return bs;
}

JsonObject *blockdev_options_parse(const char *str, GError **errp)
{
    g_autoptr(KeyValList) kv = NULL;
    JsonObject *root;

    if (str[0] == '{') {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) err = NULL;
        JsonNode *n;

        if (!json_parser_load_from_data(parser, str, -1, &err)) {
            error_setg(errp, "%s", err->message);
            return NULL;
        }
        n = json_parser_get_root(parser);
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
            error_setg(errp, "JSON argument must be an object");
            return NULL;
        }
        return json_object_ref(json_node_get_object(n));
    }
    kv = keyval_parse(str, NULL, errp);
    if (!kv) {
        return NULL;
    }
    root = json_object_new();
    for (unsigned i = 0; i < keyval_count(kv); i++) {
        g_auto(GStrv) parts = g_strsplit(keyval_key_at(kv, i), ".", -1);
        JsonObject *o = root;
        unsigned n = g_strv_length(parts);

        for (unsigned j = 0; j + 1 < n; j++) {
            JsonNode *child = json_object_get_member(o, parts[j]);

            if (!child) {
                JsonObject *sub = json_object_new();

                json_object_set_object_member(o, parts[j], sub);
                o = sub;
            } else if (JSON_NODE_HOLDS_OBJECT(child)) {
                o = json_node_get_object(child);
            } else {
                o = NULL;
                break;
            }
        }
        if (!o ||
            (json_object_has_member(o, parts[n - 1]) &&
             JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, parts[n - 1])))) {
            error_setg(errp, "Parameters '%s.*' used inconsistently", parts[0]);
            json_object_unref(root);
            return NULL;
        }
        json_object_set_string_member(o, parts[n - 1], keyval_value_at(kv, i));
    }
    return root;
}

static BlockDriverState *blockdev_open(JsonObject *opts, GError **errp)
{
    BlockOptions o;
    BlockDriverState *bs;

    blk_options_init(&o);
    bs = bd_open(opts, NULL, &o, errp);
    if (bs) {
        bs->monitor_owned = true;
    }
    return bs;
}

bool blockdev_add(JsonObject *opts, GError **errp)
{
    if (!json_object_has_member(opts, "node-name")) {
        return error_setg(errp,
                          "'node-name' must be specified for the root node");
    }
    return blockdev_open(opts, errp) != NULL;
}

bool blockdev_del(const char *node_name, GError **errp)
{
    BlockDriverState *bs = bdrv_find_node(node_name);

    if (!bs) {
        return error_setg(errp, "Failed to find node with node-name='%s'",
                          node_name);
    }
    if (!bs->monitor_owned) {
        return error_setg(errp, "Node %s is not owned by the monitor",
                          node_name);
    }
    if (bs->blk) {
        return error_setg(errp, "Node %s is in use", node_name);
    }
    if (bs->refcnt > 1) {
        return error_setg(errp, "Block device %s is in use", node_name);
    }
    bs->monitor_owned = false;
    bdrv_unref(bs);
    return true;
}

void blockdev_close_all(void)
{
    GPtrArray *nodes = bdrv_node_list();
    g_autoptr(GPtrArray) owned = g_ptr_array_new();

    for (unsigned i = 0; i < nodes->len; i++) {
        BlockDriverState *bs = g_ptr_array_index(nodes, i);

        if (bs->monitor_owned) {
            g_ptr_array_add(owned, bs);
        }
    }
    /*
     * Newest first: a parent drops its children's references before the
     * monitor drops theirs, so every pointer here stays valid.
     */
    for (unsigned i = owned->len; i-- > 0;) {
        BlockDriverState *bs = g_ptr_array_index(owned, i);

        bs->monitor_owned = false;
        bdrv_unref(bs);
    }
}
