/*
 * The chardev= property kind: links a device's CharFrontend to a backend
 * by its -chardev id, as QEMU's "chr" property does.
 */
#include "hw/char/char-prop.h"
#include "util/error.h"

static void chardev_prop_set_default(const Property *p, void *field)
{
    ((CharFrontend *)field)->mux_index = -1;
}

static bool chardev_prop_parse(DeviceState *dev, const Property *p, void *field,
                               const char *text, GError **errp)
{
    Chardev *chr = chardev_find(text);

    if (!chr) {
        return error_setg(errp, "Property '%s.%s' can't find value '%s'",
                          dev->klass->name, p->name, text);
    }
    return chardev_fe_init(field, chr, errp);
}

static const char *chardev_prop_id(const void *field)
{
    const CharFrontend *fe = field;

    return fe->chr ? fe->chr->id : "";
}

static char *chardev_prop_print(const Property *p, const void *field)
{
    return g_strdup(chardev_prop_id(field));
}

/* The device is going: the chardev is free for another front end. */
static void chardev_prop_release(const Property *p, void *field)
{
    chardev_fe_deinit(field);
}

const PropertyInfo prop_info_chardev = {
    .name = "str",
    .description = "ID of a chardev to use as a backend", /* QEMU's */
    .set_default = chardev_prop_set_default,
    .parse = chardev_prop_parse,
    .print = chardev_prop_print,
    .release = chardev_prop_release,
};
