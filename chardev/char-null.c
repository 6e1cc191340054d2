/* The "null" backend: output vanishes, input never comes. */
#include "chardev/char-internal.h"

static bool null_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    chr->filename = g_strdup("null");
    return true;
}

static int null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static const ChardevClass null_class = {
    .name = "null",
    .instance_size = sizeof(Chardev),
    .open = null_open,
    .write = null_write,
};

static void __attribute__((constructor)) null_register(void)
{
    chardev_class_register(&null_class);
}
