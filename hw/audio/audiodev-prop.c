/*
 * The audiodev= property kind: an AudioBackend * field, set from an
 * -audiodev id (QEMU's "audiodev" property).
 */
#include "hw/audio/audiodev-prop.h"
#include "util/error.h"

static bool audiodev_prop_parse(DeviceState *dev, const Property *p,
                                void *field, const char *text, GError **errp)
{
    AudioBackend *be = audio_backend_find(text);

    if (!be) {
        return error_setg(errp, "Property '%s.%s' can't find value '%s'",
                          dev->klass->name, p->name, text);
    }
    *(AudioBackend **)field = be;
    return true;
}

static char *audiodev_prop_print(const Property *p, const void *field)
{
    const AudioBackend *be = *(AudioBackend *const *)field;

    return g_strdup(be ? be->id : "");
}

const PropertyInfo prop_info_audiodev = {
    .name = "str",
    .description = "ID of an audiodev to use as a backend",
    .parse = audiodev_prop_parse,
    .print = audiodev_prop_print,
};
