/*
 * The VNC server's QMP commands: query-vnc, change-vnc-password,
 * set_password and expire_password (protocol "vnc"; pcvm has no SPICE),
 * with QEMU 7.2's arguments and errors.
 */
#include <string.h>

#include "qapi/qmp-registry.h"
#include "ui/vnc.h"
#include "util/error.h"

static JsonNode *qmp_query_vnc(JsonObject *args, GError **errp)
{
    return vnc_query_info();
}

static JsonNode *qmp_change_vnc_password(JsonObject *args, GError **errp)
{
    vnc_display_password_set(json_object_get_string_member(args, "password"),
                             errp);
    return NULL;
}

static JsonNode *qmp_set_password(JsonObject *args, GError **errp)
{
    const char *protocol = json_object_get_string_member(args, "protocol");
    const char *connected =
        json_object_has_member(args, "connected")
            ? json_object_get_string_member(args, "connected")
            : "keep";

    if (!strcmp(protocol, "spice")) {
        error_setg(errp, "SPICE is not in use");
        return NULL;
    }
    if (strcmp(protocol, "vnc")) {
        error_setg(errp, "Parameter 'protocol' does not accept value '%s'",
                   protocol);
        return NULL;
    }
    if (strcmp(connected, "keep")) {
        error_setg(errp, "VNC protocol only supports 'connected=keep'");
        return NULL;
    }
    vnc_display_password_set(json_object_get_string_member(args, "password"),
                             errp);
    return NULL;
}

static JsonNode *qmp_expire_password(JsonObject *args, GError **errp)
{
    const char *protocol = json_object_get_string_member(args, "protocol");

    if (!strcmp(protocol, "spice")) {
        error_setg(errp, "SPICE is not in use");
        return NULL;
    }
    if (strcmp(protocol, "vnc")) {
        error_setg(errp, "Parameter 'protocol' does not accept value '%s'",
                   protocol);
        return NULL;
    }
    vnc_display_password_expire(json_object_get_string_member(args, "time"),
                                errp);
    return NULL;
}

static const QmpMember change_vnc_password_args[] = {{"password", "str"},
                                                     {NULL}};
static const QmpMember set_password_args[] = {{"protocol", "str"},
                                              {"password", "str"},
                                              {"connected", "str", true},
                                              {"display", "str", true},
                                              {NULL}};

static const QmpMember expire_password_args[] = {
    {"protocol", "str"}, {"time", "str"}, {"display", "str", true}, {NULL}};

static const QmpCommandDef vnc_qmp_commands[] = {
    {"query-vnc", qmp_query_vnc, NULL, "VncInfo"},
    {"change-vnc-password", qmp_change_vnc_password, change_vnc_password_args,
     NULL},
    {"set_password", qmp_set_password, set_password_args, NULL},
    {"expire_password", qmp_expire_password, expire_password_args, NULL},
    {NULL},
};

static void vnc_qmp_register(void)
{
    qmp_register_commands(vnc_qmp_commands);
}
qmp_init(vnc_qmp_register)
