/*
 * The net layer's QMP commands: netdev_add (QEMU's Netdev: type, id and
 * the type's options as members), netdev_del and set_link. HMP's
 * netdev_add, netdev_del and set_link run the same functions.
 */
#include <string.h>

#include "net/netdev.h"
#include "qapi/qmp-registry.h"
#include "util/error.h"

/* Appends value to out with the commas of key=value strings doubled. */
static void append_escaped(GString *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, *p);
    }
}

/* A member's value as an option string takes it, or NULL if it cannot. */
static char *member_text(JsonNode *node)
{
    GType t;

    if (JSON_NODE_TYPE(node) != JSON_NODE_VALUE) {
        return NULL;
    }
    t = json_node_get_value_type(node);
    if (t == G_TYPE_STRING) {
        return g_strdup(json_node_get_string(node));
    }
    if (t == G_TYPE_BOOLEAN) {
        return g_strdup(json_node_get_boolean(node) ? "on" : "off");
    }
    if (t == G_TYPE_INT64) {
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    }
    return NULL;
}

static JsonNode *qmp_netdev_add(JsonObject *args, GError **errp)
{
    g_autoptr(GString) opts = g_string_new(NULL);
    g_autoptr(GList) members = json_object_get_members(args);
    JsonNode *type = json_object_get_member(args, "type");
    g_autofree char *type_text = type ? member_text(type) : NULL;

    if (!type_text) {
        error_setg(errp, "Parameter 'type' is missing");
        return NULL;
    }
    {
        JsonNode *id = json_object_get_member(args, "id");
        g_autofree char *id_text = id ? member_text(id) : NULL;

        /* QMP's wording (the command line's adds "for netdev"). */
        if (id_text && net_client_find(id_text)) {
            error_setg(errp, "Duplicate ID '%s'", id_text);
            return NULL;
        }
    }
    g_string_append(opts, "type=");
    append_escaped(opts, type_text);
    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;
        g_autofree char *text = NULL;

        if (!strcmp(key, "type")) {
            continue;
        }
        text = member_text(json_object_get_member(args, key));
        if (!text) {
            error_setg(errp, "Parameter '%s' has an unsupported type", key);
            return NULL;
        }
        g_string_append_printf(opts, ",%s=", key);
        append_escaped(opts, text);
    }
    netdev_add(opts->str, errp);
    return NULL;
}

static JsonNode *qmp_netdev_del(JsonObject *args, GError **errp)
{
    netdev_del(json_object_get_string_member(args, "id"), errp);
    return NULL;
}

static JsonNode *qmp_set_link(JsonObject *args, GError **errp)
{
    net_set_link(json_object_get_string_member(args, "name"),
                 json_object_get_boolean_member(args, "up"), errp);
    return NULL;
}

static const QmpMember netdev_del_args[] = {{"id", "str"}, {NULL}};
static const QmpMember set_link_args[] = {
    {"name", "str"},
    {"up", "bool"},
    {NULL},
};

static const QmpCommandDef net_qmp_commands[] = {
    {"netdev_add", qmp_netdev_add, qmp_args_boxed, NULL},
    {"netdev_del", qmp_netdev_del, netdev_del_args, NULL},
    {"set_link", qmp_set_link, set_link_args, NULL},
    {NULL},
};

static void net_qmp_register(void)
{
    qmp_register_commands(net_qmp_commands);
}
qmp_init(net_qmp_register)
