/* The registry of QMP commands subsystems provide (include/qapi/). */
#include <string.h>

#include "qapi/qmp-registry.h"

static GPtrArray *commands; /* const QmpCommandDef * */

void qmp_register_commands(const QmpCommandDef *defs)
{
    if (!commands) {
        commands = g_ptr_array_new();
    }
    for (const QmpCommandDef *d = defs; d->name; d++) {
        g_assert(!qmp_registered_find(d->name));
        g_ptr_array_add(commands, (gpointer)d);
    }
}

GPtrArray *qmp_registered_commands(void)
{
    if (!commands) {
        commands = g_ptr_array_new();
    }
    return commands;
}

const QmpCommandDef *qmp_registered_find(const char *name)
{
    for (unsigned i = 0; commands && i < commands->len; i++) {
        const QmpCommandDef *d = g_ptr_array_index(commands, i);

        if (!strcmp(d->name, name)) {
            return d;
        }
    }
    return NULL;
}

JsonNode *qmp_run_query(const char *name, GError **errp)
{
    const QmpCommandDef *d = qmp_registered_find(name);
    GError *err = NULL;
    JsonNode *ret;

    if (!d) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "The command %s has not been found", name);
        return NULL;
    }
    ret = d->handler(NULL, &err);
    if (err) {
        g_propagate_error(errp, err);
        if (ret) {
            json_node_unref(ret);
        }
        return NULL;
    }
    if (!ret) {
        ret = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(ret, json_object_new());
    }
    return ret;
}
