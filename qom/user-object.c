/*
 * The registry of user-creatable object kinds, and -object / object-add /
 * object-del on top of it (include/qom/user-object.h).
 */
#include <string.h>

#include "qapi/qmp-registry.h"
#include "qom/user-object.h"
#include "util/error.h"
#include "util/cutils.h"

static GHashTable *kinds; /* type -> const UserObjectKind * */

void user_object_kind_register(const UserObjectKind *kind)
{
    if (!kinds) {
        kinds = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_assert(!g_hash_table_contains(kinds, kind->type));
    g_hash_table_insert(kinds, (gpointer)kind->type, (gpointer)kind);
}

static const UserObjectKind *kind_find(const char *type)
{
    return kinds ? g_hash_table_lookup(kinds, type) : NULL;
}

bool user_object_kind_exists(const char *type)
{
    return kind_find(type) != NULL;
}

bool user_object_check(KeyValList *kv, GError **errp)
{
    const char *type = keyval_get(kv, "qom-type");
    const char *id = keyval_get(kv, "id");

    if (!type) {
        return error_setg(errp, "Parameter 'qom-type' is missing");
    }
    if (!kind_find(type)) {
        return error_setg(
            errp, "Parameter 'qom-type' does not accept value '%s'", type);
    }
    if (!id) {
        return error_setg(errp, "Parameter 'id' is missing");
    }
    if (!id_wellformed(id)) {
        return error_setg(errp, "Parameter 'id' expects an identifier");
    }
    return true;
}

Object *user_object_create(KeyValList *kv, GError **errp)
{
    Object *objects = object_container_get("/objects");
    const UserObjectKind *kind;
    const char *id;
    Object *obj;

    if (!user_object_check(kv, errp)) {
        return NULL;
    }
    kind = kind_find(keyval_get(kv, "qom-type"));
    id = keyval_get(kv, "id");
    if (object_property_find(objects, id)) {
        error_setg(errp,
                   "attempt to add duplicate property '%s' to object (type "
                   "'container')",
                   id);
        return NULL;
    }
    obj = kind->create(id, kv, errp);
    if (!obj) {
        return NULL;
    }
    if (!keyval_check_unused(kv, errp)) {
        if (kind->destroy) {
            kind->destroy(obj);
        }
        return NULL;
    }
    object_add_child(objects, id, obj);
    return obj;
}

KeyValList *user_object_parse_option(const char *arg, GError **errp)
{
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    JsonNode *root;

    if (arg[0] != '{') {
        return keyval_parse(arg, "qom-type", errp);
    }
    parser = json_parser_new();
    if (!json_parser_load_from_data(parser, arg, -1, &err)) {
        error_setg(errp, "%s", err->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        error_setg(errp, "JSON argument must be an object");
        return NULL;
    }
    text = user_object_json_to_keyval(json_node_get_object(root), errp);
    return text ? keyval_parse(text, "qom-type", errp) : NULL;
}

Object *user_object_create_from_option(const char *arg, GError **errp)
{
    g_autoptr(KeyValList) kv = user_object_parse_option(arg, errp);

    return kv ? user_object_create(kv, errp) : NULL;
}

bool user_object_delete(const char *id, GError **errp)
{
    Object *objects = object_container_get("/objects");
    ObjectProperty *prop = object_property_find(objects, id);
    const UserObjectKind *kind;
    Object *obj;

    if (!prop || !prop->child) {
        return error_setg(errp, "object '%s' not found", id);
    }
    obj = prop->child;
    kind = kind_find(obj->type);
    if (!kind || !kind->destroy || object_is_link_target(obj) ||
        (kind->in_use && kind->in_use(obj))) {
        return error_setg(errp, "object '%s' is in use, can not be deleted",
                          id);
    }
    object_unparent(obj);
    kind->destroy(obj);
    return true;
}

char *user_object_json_to_keyval(JsonObject *obj, GError **errp)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GList) members = json_object_get_members(obj);

    for (GList *m = members; m; m = m->next) {
        JsonNode *n = json_object_get_member(obj, m->data);
        g_autofree char *value = NULL;

        if (!JSON_NODE_HOLDS_VALUE(n)) {
            error_setg(errp, "Parameter '%s' must be a scalar here",
                       (const char *)m->data);
            return NULL;
        }
        switch (json_node_get_value_type(n)) {
        case G_TYPE_BOOLEAN:
            value = g_strdup(json_node_get_boolean(n) ? "on" : "off");
            break;
        case G_TYPE_INT64:
            value = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
            break;
        case G_TYPE_STRING:
            value = g_strdup(json_node_get_string(n));
            break;
        default:
            value = g_strdup_printf("%.17g", json_node_get_double(n));
            break;
        }
        if (out->len) {
            g_string_append_c(out, ',');
        }
        g_string_append_printf(out, "%s=", (const char *)m->data);
        for (const char *p = value; *p; p++) {
            g_string_append(out, *p == ',' ? ",," : (char[]){*p, 0});
        }
    }
    return g_strdup(out->str);
}

/* ---- QMP ---------------------------------------------------------------- */

static JsonNode *qmp_object_add(JsonObject *args, GError **errp)
{
    g_autofree char *text = user_object_json_to_keyval(args, errp);
    g_autoptr(KeyValList) kv =
        text ? keyval_parse(text, "qom-type", errp) : NULL;

    if (kv) {
        user_object_create(kv, errp);
    }
    return NULL;
}

static JsonNode *qmp_object_del(JsonObject *args, GError **errp)
{
    user_object_delete(json_object_get_string_member(args, "id"), errp);
    return NULL;
}

static const QmpMember object_del_args[] = {{"id", "str"}, {NULL}};

static const QmpCommandDef user_object_qmp_commands[] = {
    {"object-add", qmp_object_add, qmp_args_boxed, NULL},
    {"object-del", qmp_object_del, object_del_args, NULL},
    {NULL},
};

static void __attribute__((constructor)) user_object_qmp_register(void)
{
    qmp_register_commands(user_object_qmp_commands);
}
