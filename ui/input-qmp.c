/*
 * The input layer's QMP commands: send-key (keys by QKeyCode name or QEMU
 * key number, pressed together and released after hold-time ms).
 */
#include <string.h>

#include "qapi/qmp-registry.h"
#include "ui/input.h"

static JsonNode *qmp_send_key(JsonObject *args, GError **errp)
{
    JsonArray *list = json_object_get_array_member(args, "keys");
    unsigned n = json_array_get_length(list);
    g_autofree QKeyCode *keys = g_new0(QKeyCode, n + 1);
    int64_t hold = 100; /* QEMU's documented default */

    if (json_object_has_member(args, "hold-time")) {
        hold = json_object_get_int_member(args, "hold-time");
    }
    for (unsigned i = 0; i < n; i++) {
        JsonObject *key = json_array_get_object_element(list, i);

        if (!strcmp(json_object_get_string_member(key, "type"), "number")) {
            int64_t number = json_object_get_int_member(key, "data");

            keys[i] = qkeycode_from_number(
                number < 0 || number > 0xff ? -1 : (int)number);
        } else {
            keys[i] =
                qkeycode_from_name(json_object_get_string_member(key, "data"));
        }
    }
    input_send_keys(keys, n, hold < 0 ? 0 : hold);
    return NULL;
}

static const QmpMember send_key_args[] = {
    {"keys", "[KeyValue]"}, {"hold-time", "int", true}, {NULL}};

static const QmpCommandDef input_qmp_commands[] = {
    {"send-key", qmp_send_key, send_key_args, NULL},
    {NULL},
};

static void input_qmp_register(void)
{
    qmp_register_commands(input_qmp_commands);
}
qmp_init(input_qmp_register)
