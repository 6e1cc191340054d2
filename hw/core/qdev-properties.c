/*
 * The core's property kinds: bool, the integers, size and string. Each is
 * a PropertyInfo (include/hw/core/device.h); kinds of a backend (chardev,
 * drive, ...) live beside that backend.
 */
#include <stdlib.h>

#include "hw/core/device.h"
#include "util/cutils.h"
#include "util/error.h"

/* ---- bool ---------------------------------------------------------------- */

static void bool_set_default(const Property *p, void *field)
{
    *(bool *)field = p->default_value;
}

static bool bool_parse(DeviceState *dev, const Property *p, void *field,
                       const char *text, GError **errp)
{
    if (!parse_bool(text, field, NULL)) {
        return error_setg(errp, "Parameter '%s' expects 'on' or 'off'",
                          p->name);
    }
    return true;
}

static char *bool_print(const Property *p, const void *field)
{
    return g_strdup(*(const bool *)field ? "true" : "false");
}

static GVariant *bool_get(const Property *p, const void *field)
{
    return g_variant_new_boolean(*(const bool *)field);
}

static GVariant *bool_default(const Property *p)
{
    return g_variant_new_boolean(p->default_value);
}

const PropertyInfo prop_info_bool = {
    .name = "bool",
    .description = "on/off",
    .set_default = bool_set_default,
    .parse = bool_parse,
    .print = bool_print,
    .get = bool_get,
    .default_value = bool_default,
};

/* ---- unsigned integers and sizes ----------------------------------------- */

/* Field width in bytes: the kinds differ only in it (and size's suffixes). */
static unsigned uint_width(const Property *p)
{
    if (p->info == &prop_info_uint8) {
        return 1;
    }
    if (p->info == &prop_info_uint16) {
        return 2;
    }
    if (p->info == &prop_info_uint32) {
        return 4;
    }
    return 8;
}

static uint64_t uint_load(const Property *p, const void *field)
{
    switch (uint_width(p)) {
    case 1:
        return *(const uint8_t *)field;
    case 2:
        return *(const uint16_t *)field;
    case 4:
        return *(const uint32_t *)field;
    default:
        return *(const uint64_t *)field;
    }
}

static void uint_store(const Property *p, void *field, uint64_t v)
{
    switch (uint_width(p)) {
    case 1:
        *(uint8_t *)field = v;
        break;
    case 2:
        *(uint16_t *)field = v;
        break;
    case 4:
        *(uint32_t *)field = v;
        break;
    default:
        *(uint64_t *)field = v;
        break;
    }
}

static void uint_set_default(const Property *p, void *field)
{
    uint_store(p, field, p->default_value);
}

static bool uint_parse(DeviceState *dev, const Property *p, void *field,
                       const char *text, GError **errp)
{
    unsigned width = uint_width(p);
    uint64_t max = width == 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
    bool is_size = p->info == &prop_info_size;
    uint64_t v;

    if (!(is_size ? parse_size(text, 1, &v, NULL)
                  : parse_uint64(text, &v, NULL))) {
        return error_setg(errp, "Parameter '%s' expects %s", p->name,
                          is_size ? "a size value" : "an integer");
    }
    if (v > max) {
        return error_setg(errp, "Parameter '%s' expects a value up to %" PRIu64,
                          p->name, max);
    }
    uint_store(p, field, v);
    return true;
}

static char *uint_print(const Property *p, const void *field)
{
    return g_strdup_printf("%" PRIu64, uint_load(p, field));
}

static GVariant *uint_get(const Property *p, const void *field)
{
    return g_variant_new_uint64(uint_load(p, field));
}

static GVariant *uint_default(const Property *p)
{
    return g_variant_new_uint64(p->default_value);
}

#define UINT_KIND(kind_name)                                                   \
    {                                                                          \
        .name = kind_name, .set_default = uint_set_default,                    \
        .parse = uint_parse, .print = uint_print, .get = uint_get,             \
        .default_value = uint_default,                                         \
    }

const PropertyInfo prop_info_uint8 = UINT_KIND("uint8");
const PropertyInfo prop_info_uint16 = UINT_KIND("uint16");
const PropertyInfo prop_info_uint32 = UINT_KIND("uint32");
const PropertyInfo prop_info_uint64 = UINT_KIND("uint64");
const PropertyInfo prop_info_size = UINT_KIND("size");

/* ---- int32 --------------------------------------------------------------- */

static void int32_set_default(const Property *p, void *field)
{
    *(int32_t *)field = (int32_t)p->default_value;
}

static bool int32_parse(DeviceState *dev, const Property *p, void *field,
                        const char *text, GError **errp)
{
    char *end;
    long long v = strtoll(text, &end, 0);

    if (!*text || *end || v < INT32_MIN || v > INT32_MAX) {
        return error_setg(errp, "Parameter '%s' expects an integer", p->name);
    }
    *(int32_t *)field = v;
    return true;
}

static char *int32_print(const Property *p, const void *field)
{
    return g_strdup_printf("%d", *(const int32_t *)field);
}

static GVariant *int32_get(const Property *p, const void *field)
{
    return g_variant_new_int32(*(const int32_t *)field);
}

static GVariant *int32_default(const Property *p)
{
    return g_variant_new_int32((int32_t)p->default_value);
}

const PropertyInfo prop_info_int32 = {
    .name = "int32",
    .set_default = int32_set_default,
    .parse = int32_parse,
    .print = int32_print,
    .get = int32_get,
    .default_value = int32_default,
};

/* ---- string -------------------------------------------------------------- */

static void string_set_default(const Property *p, void *field)
{
    *(char **)field = g_strdup(p->default_string);
}

static bool string_parse(DeviceState *dev, const Property *p, void *field,
                         const char *text, GError **errp)
{
    g_free(*(char **)field);
    *(char **)field = g_strdup(text);
    return true;
}

static char *string_print(const Property *p, const void *field)
{
    const char *value = *(char *const *)field;

    return g_strdup(value ? value : "");
}

static GVariant *string_get(const Property *p, const void *field)
{
    const char *value = *(char *const *)field;

    return g_variant_new_string(value ? value : "");
}

static GVariant *string_default(const Property *p)
{
    return p->default_string ? g_variant_new_string(p->default_string) : NULL;
}

static void string_release(const Property *p, void *field)
{
    g_clear_pointer((char **)field, g_free);
}

const PropertyInfo prop_info_string = {
    .name = "str",
    .set_default = string_set_default,
    .parse = string_parse,
    .print = string_print,
    .get = string_get,
    .default_value = string_default,
    .release = string_release,
    .quoted = true,
};
