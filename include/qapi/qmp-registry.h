/*
 * QMP commands that subsystems register from their own files (query-pci
 * beside hw/pci, ...). A handler takes the command's checked arguments and
 * returns its "return" value; the monitor dispatches to it, lists it in
 * query-commands and query-qmp-schema, and HMP's "info" commands format
 * what it returns (monitor_run_query). This layer sits below every subsystem
 * (it knows JSON and nothing of devices or monitors), so registering includes
 * nothing above.
 */
#ifndef QAPI_QMP_REGISTRY_H
#define QAPI_QMP_REGISTRY_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/*
 * QMP error classes: the GError code in the QMP_ERROR domain. Errors of any
 * other domain are reported as GenericError.
 */
typedef enum {
    QMP_ERROR_CLASS_GENERIC,
    QMP_ERROR_CLASS_COMMAND_NOT_FOUND,
    QMP_ERROR_CLASS_DEVICE_NOT_ACTIVE,
    QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
    QMP_ERROR_CLASS_KVM_MISSING_CAP,
} QmpErrorClass;

#define QMP_ERROR qmp_error_quark()
GQuark qmp_error_quark(void);

/*
 * One member of a command's arguments or of a schema object. type is a
 * builtin ("str", "int", "bool", "number", "any"), an enum or object type of
 * the schema table, or "[T]" for an array of T.
 */
typedef struct QmpMember {
    const char *name;
    const char *type;
    bool optional;
} QmpMember;

/*
 * The args of a command whose handler checks its arguments itself (QEMU's
 * boxed commands such as blockdev-add, whose arguments are a union).
 */
extern const QmpMember qmp_args_boxed[];

/* Returns the "return" value; NULL without an error means {}. */
typedef JsonNode *QmpHandler(JsonObject *args, GError **errp);

typedef struct QmpCommandDef {
    const char *name;
    QmpHandler *handler;
    const QmpMember *args; /* NULL-name terminated, or NULL for none */
    const char *ret_type;  /* schema type of the return value; NULL: {} */
} QmpCommandDef;

/*
 * Events a subsystem sends (BALLOON_CHANGE): the monitor installs the
 * sink that passes them to every QMP client; qmp_event_emit takes data
 * (NULL for none) and drops it when no monitor exists.
 */
typedef void QmpEventSink(const char *name, JsonNode *data);
void qmp_event_set_sink(QmpEventSink *sink);
void qmp_event_emit(const char *name, JsonNode *data);

/* Adds the NULL-name terminated defs (from a constructor: qmp_init). */
void qmp_register_commands(const QmpCommandDef *defs);
/* Every registered command (const QmpCommandDef *), in registration order. */
GPtrArray *qmp_registered_commands(void);
const QmpCommandDef *qmp_registered_find(const char *name);
#define qmp_init(fn)                                                           \
    static void __attribute__((constructor)) fn##_register_qmp(void)           \
    {                                                                          \
        fn();                                                                  \
    }

#endif
