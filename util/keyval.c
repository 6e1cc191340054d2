/* QEMU-style "key=value,key=value" option strings. */
#include <string.h>

#include "util/cutils.h"
#include "util/error.h"
#include "util/keyval.h"

typedef struct KeyVal {
    char *key;
    char *value;
    bool used;
} KeyVal;

struct KeyValList {
    GArray *items; /* of KeyVal */
};

static void keyval_clear(gpointer p)
{
    KeyVal *kv = p;

    g_free(kv->key);
    g_free(kv->value);
}

/* Copies up to an unescaped ',' (or '=' when stop_at_equals), unescaping ",,".
 */
static const char *scan_part(const char *p, bool stop_at_equals, GString *out)
{
    while (*p) {
        if (*p == ',') {
            if (p[1] == ',') {
                g_string_append_c(out, ',');
                p += 2;
                continue;
            }
            break;
        }
        if (stop_at_equals && *p == '=') {
            break;
        }
        g_string_append_c(out, *p++);
    }
    return p;
}

KeyValList *keyval_parse(const char *str, const char *implied_key,
                         GError **errp)
{
    KeyValList *list = g_new0(KeyValList, 1);
    const char *p = str;
    bool first = true;

    list->items = g_array_new(false, true, sizeof(KeyVal));
    g_array_set_clear_func(list->items, keyval_clear);
    while (*p) {
        g_autoptr(GString) key = g_string_new(NULL);
        KeyVal kv = {0};

        p = scan_part(p, true, key);
        if (*p == '=') {
            g_autoptr(GString) value = g_string_new(NULL);

            p = scan_part(p + 1, false, value);
            if (!key->len) {
                error_setg(errp, "expected parameter name before '='");
                keyval_free(list);
                return NULL;
            }
            kv.key = g_strdup(key->str);
            kv.value = g_strdup(value->str);
        } else if (first && implied_key) {
            kv.key = g_strdup(implied_key);
            kv.value = g_strdup(key->str);
        } else if (key->len) {
            /* "flag" alone means flag=on, "noflag" is not supported. */
            kv.key = g_strdup(key->str);
            kv.value = g_strdup("on");
        }
        if (kv.key) {
            g_array_append_val(list->items, kv);
        }
        first = false;
        if (*p == ',') {
            p++;
        }
    }
    return list;
}

void keyval_free(KeyValList *list)
{
    if (list) {
        g_array_unref(list->items);
        g_free(list);
    }
}

static KeyVal *keyval_find(KeyValList *list, const char *key)
{
    for (int i = list->items->len - 1; i >= 0; i--) {
        KeyVal *kv = &g_array_index(list->items, KeyVal, i);

        if (!strcmp(kv->key, key)) {
            return kv;
        }
    }
    return NULL;
}

void keyval_mark_used(KeyValList *list, const char *key)
{
    for (unsigned i = 0; i < list->items->len; i++) {
        KeyVal *kv = &g_array_index(list->items, KeyVal, i);

        if (!strcmp(kv->key, key)) {
            kv->used = true;
        }
    }
}

const char *keyval_get(KeyValList *list, const char *key)
{
    KeyVal *kv = keyval_find(list, key);

    if (!kv) {
        return NULL;
    }
    keyval_mark_used(list, key);
    return kv->value;
}

bool keyval_has(KeyValList *list, const char *key)
{
    return keyval_find(list, key) != NULL;
}

bool keyval_get_bool(KeyValList *list, const char *key, bool def, bool *out,
                     GError **errp)
{
    const char *v = keyval_get(list, key);

    if (!v) {
        *out = def;
        return true;
    }
    if (!parse_bool(v, out, NULL)) {
        return error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
    }
    return true;
}

bool keyval_get_uint(KeyValList *list, const char *key, uint64_t def,
                     uint64_t *out, GError **errp)
{
    const char *v = keyval_get(list, key);

    if (!v) {
        *out = def;
        return true;
    }
    if (!parse_uint64(v, out, errp)) {
        error_prefix(errp, "%s", key);
        return false;
    }
    return true;
}

bool keyval_get_size(KeyValList *list, const char *key, uint64_t def,
                     uint64_t *out, GError **errp)
{
    const char *v = keyval_get(list, key);

    if (!v) {
        *out = def;
        return true;
    }
    if (!parse_size(v, 1, out, errp)) {
        error_prefix(errp, "%s", key);
        return false;
    }
    return true;
}

unsigned keyval_count(KeyValList *list)
{
    return list->items->len;
}

const char *keyval_key_at(KeyValList *list, unsigned i)
{
    return g_array_index(list->items, KeyVal, i).key;
}

const char *keyval_value_at(KeyValList *list, unsigned i)
{
    return g_array_index(list->items, KeyVal, i).value;
}

bool keyval_check_unused(KeyValList *list, GError **errp)
{
    for (unsigned i = 0; i < list->items->len; i++) {
        KeyVal *kv = &g_array_index(list->items, KeyVal, i);

        if (!kv->used) {
            return error_setg(errp, "Invalid parameter '%s'", kv->key);
        }
    }
    return true;
}
