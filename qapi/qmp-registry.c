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

GQuark qmp_error_quark(void)
{
    return g_quark_from_static_string("pcvm-qmp-error-quark");
}

static QmpEventSink *event_sink;

void qmp_event_set_sink(QmpEventSink *sink)
{
    event_sink = sink;
}

void qmp_event_emit(const char *name, JsonNode *data)
{
    if (event_sink) {
        event_sink(name, data); /* takes data */
    } else if (data) {
        json_node_unref(data);
    }
}

const QmpMember qmp_args_boxed[] = {{"*", "any", true}, {NULL}};

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
