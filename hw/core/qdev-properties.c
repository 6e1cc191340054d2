/*
 * The core's property kinds: bool, the integers, size and string. Each is
 * a PropertyInfo (include/hw/core/device.h); kinds of a backend (chardev,
 * drive, ...) live beside that backend.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/core/device.h"
#include "util/byteorder.h"
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
    return ldn_he_p(field, uint_width(p));
}

static void uint_store(const Property *p, void *field, uint64_t v)
{
    stn_he_p(field, uint_width(p), v);
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

void prop_int32_set_default(const Property *p, void *field)
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

GVariant *prop_int32_get(const Property *p, const void *field)
{
    return g_variant_new_int32(*(const int32_t *)field);
}

GVariant *prop_int32_default(const Property *p)
{
    return g_variant_new_int32((int32_t)p->default_value);
}

const PropertyInfo prop_info_int32 = {
    .name = "int32",
    .set_default = prop_int32_set_default,
    .parse = int32_parse,
    .print = int32_print,
    .get = prop_int32_get,
    .default_value = prop_int32_default,
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

/* The refusal QEMU gives for text a kind cannot read. */
static bool prop_bad_value(DeviceState *dev, const Property *p,
                           const char *text, GError **errp)
{
    return error_setg(errp, "Property '%s.%s' doesn't take value '%s'",
                      dev->klass->name, p->name, text);
}

/* ---- macaddr ------------------------------------------------------------- */

/* Six pairs of hex digits, separated by ':' or '-', as QEMU reads them. */
static bool macaddr_parse(DeviceState *dev, const Property *p, void *field,
                          const char *text, GError **errp)
{
    MACAddr mac;

    for (int i = 0, pos = 0; i < 6; i++, pos += 3) {
        if (!g_ascii_isxdigit(text[pos]) || !g_ascii_isxdigit(text[pos + 1])) {
            return prop_bad_value(dev, p, text, errp);
        }
        if (i == 5 ? text[pos + 2] != '\0'
                   : text[pos + 2] != ':' && text[pos + 2] != '-') {
            return prop_bad_value(dev, p, text, errp);
        }
        mac.a[i] = g_ascii_xdigit_value(text[pos]) << 4 |
                   g_ascii_xdigit_value(text[pos + 1]);
    }
    *(MACAddr *)field = mac;
    return true;
}

static char *macaddr_print(const Property *p, const void *field)
{
    const uint8_t *a = ((const MACAddr *)field)->a;

    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2],
                           a[3], a[4], a[5]);
}

const PropertyInfo prop_info_macaddr = {
    .name = "str",
    .description = "Ethernet 6-byte MAC Address, example: 52:54:00:12:34:56",
    .parse = macaddr_parse,
    .print = macaddr_print,
};

/* ---- uuid ---------------------------------------------------------------- */

static void uuid_random(uint8_t *uuid)
{
    g_autofree char *text = g_uuid_string_random();

    parse_uuid(text, uuid);
}

static void uuid_set_default(const Property *p, void *field)
{
    uuid_random(field);
}

static bool uuid_parse(DeviceState *dev, const Property *p, void *field,
                       const char *text, GError **errp)
{
    if (!strcmp(text, "auto")) {
        uuid_random(field);
        return true;
    }
    if (!parse_uuid(text, field)) {
        return prop_bad_value(dev, p, text, errp);
    }
    return true;
}

static char *uuid_print(const Property *p, const void *field)
{
    return format_uuid(field);
}

static GVariant *uuid_default(const Property *p)
{
    return g_variant_new_string("auto");
}

const PropertyInfo prop_info_uuid = {
    .name = "str",
    .description = "UUID (aka GUID) or \"auto\" for random value (default)",
    .set_default = uuid_set_default,
    .parse = uuid_parse,
    .print = uuid_print,
    .default_value = uuid_default,
};

/* ---- enums --------------------------------------------------------------- */

void prop_enum_set_default(const Property *p, void *field)
{
    *(int *)field = (int)p->default_value;
}

bool prop_enum_parse(DeviceState *dev, const Property *p, void *field,
                     const char *text, GError **errp)
{
    for (int i = 0; p->info->enum_table[i]; i++) {
        if (!strcmp(p->info->enum_table[i], text)) {
            *(int *)field = i;
            return true;
        }
    }
    return error_setg(errp, "Parameter '%s' does not accept value '%s'",
                      p->name, text);
}

char *prop_enum_print(const Property *p, const void *field)
{
    return g_strdup(p->info->enum_table[*(const int *)field]);
}

GVariant *prop_enum_default(const Property *p)
{
    return g_variant_new_string(p->info->enum_table[p->default_value]);
}

static const char *const on_off_auto_names[] = {
    [ON_OFF_AUTO_AUTO] = "auto",
    [ON_OFF_AUTO_ON] = "on",
    [ON_OFF_AUTO_OFF] = "off",
    NULL,
};

const PropertyInfo prop_info_on_off_auto =
    PROP_ENUM_KIND("OnOffAuto", "on/off/auto", on_off_auto_names);

static const char *const lost_tick_policy_names[] = {
    [LOST_TICK_POLICY_DISCARD] = "discard",
    [LOST_TICK_POLICY_DELAY] = "delay",
    [LOST_TICK_POLICY_SLEW] = "slew",
    NULL,
};

const PropertyInfo prop_info_lost_tick_policy = PROP_ENUM_KIND(
    "LostTickPolicy", "Policy for handling lost ticks (discard/delay/slew)",
    lost_tick_policy_names);

/* ---- link to a device ---------------------------------------------------- */

static bool link_parse(DeviceState *dev, const Property *p, void *field,
                       const char *text, GError **errp)
{
    bool ambiguous = false;
    Object *target = object_resolve_path_type(text, p->link_type, &ambiguous);
    ObjectProperty *op;

    if (!target) {
        if (ambiguous) {
            return error_setg(
                errp, "Path '%s' does not uniquely identify an object", text);
        }
        return error_setg(errp, "Device '%s' not found", text);
    }
    *(DeviceState **)field = (DeviceState *)target;
    /* A QOM link like QEMU's: paths follow it, object-del sees it. */
    op = object_property_find(OBJECT(dev), p->name);
    if (op) {
        op->target = target;
    }
    return true;
}

static char *link_print(const Property *p, const void *field)
{
    DeviceState *target = *(DeviceState *const *)field;

    return target ? object_get_path(OBJECT(target)) : g_strdup("");
}

const PropertyInfo prop_info_link = {
    .name = "link", /* shown as link<TYPE> */
    .parse = link_parse,
    .print = link_print,
};
