/*
 * QMP's screendump (filename, device, head, format): the picture of a
 * device's console as PPM or PNG. It lives beside the display devices
 * because telling "no such device" from "a device without a console"
 * takes the device tree, which the ui layer below does not see.
 */
#include <string.h>

#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/display/screendump.h"
#include "qapi/qmp-registry.h"
#include "util/error.h"

bool screendump(const char *filename, const char *device, bool has_head,
                int64_t head, ImageFormat format, GError **errp)
{
    MachineState *ms = current_machine_get();
    QemuConsole *con;

    if (!device) {
        if (has_head) {
            return error_setg(
                errp, "'head' must be specified together with 'device'");
        }
        con = qemu_console_lookup_by_index(0);
        if (!con) {
            return error_setg(errp,
                              "There is no console to take a screendump from");
        }
    } else {
        if (!ms || !device_find_by_id(ms->main_bus, device)) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
                        "Device '%s' not found", device);
            return false;
        }
        con = head < 0 || head > UINT32_MAX
                  ? NULL
                  : qemu_console_lookup_by_device(device, (unsigned)head);
        if (!con) {
            return error_setg(errp,
                              "Device %s (head %" PRId64
                              ") is not bound to a QemuConsole",
                              device, head);
        }
    }
    return qemu_console_screendump(con, filename, format, errp);
}

static JsonNode *qmp_screendump(JsonObject *args, GError **errp)
{
    const char *device = json_object_has_member(args, "device")
                             ? json_object_get_string_member(args, "device")
                             : NULL;
    bool has_head = json_object_has_member(args, "head");
    int64_t head = has_head ? json_object_get_int_member(args, "head") : 0;
    ImageFormat format = IMAGE_FORMAT_PPM;

    if (json_object_has_member(args, "format") &&
        !strcmp(json_object_get_string_member(args, "format"), "png")) {
        format = IMAGE_FORMAT_PNG;
    }
    screendump(json_object_get_string_member(args, "filename"), device,
               has_head, head, format, errp);
    return NULL;
}

static const QmpMember screendump_args[] = {{"filename", "str"},
                                            {"device", "str", true},
                                            {"head", "int", true},
                                            {"format", "ImageFormat", true},
                                            {NULL}};

static const QmpCommandDef screendump_qmp_commands[] = {
    {"screendump", qmp_screendump, screendump_args, NULL},
    {NULL},
};

static void screendump_qmp_register(void)
{
    qmp_register_commands(screendump_qmp_commands);
}
qmp_init(screendump_qmp_register)
