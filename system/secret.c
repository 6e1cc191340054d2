/*
 * The secret object kind (include/system/secret.h): data= or the contents
 * of file=, raw or base64 (decoded when created), at /objects/ID.
 */
#include <string.h>

#include "system/secret.h"
#include "qom/user-object.h"
#include "util/error.h"

typedef struct Secret {
    Object parent_obj;
    char *file;   /* file=, or NULL */
    bool base64;  /* format=base64 */
    uint8_t *raw; /* the decoded bytes, NUL-terminated */
    size_t len;
} Secret;

static const char *secret_format_names[] = {"raw", "base64"};

static GVariant *secret_get_format(Object *obj, void *opaque)
{
    return g_variant_new_string(secret_format_names[((Secret *)obj)->base64]);
}

static GVariant *secret_get_file(Object *obj, void *opaque)
{
    Secret *s = (Secret *)obj;

    return g_variant_new_string(s->file ? s->file : "");
}

static GVariant *secret_get_loaded(Object *obj, void *opaque)
{
    return g_variant_new_boolean(true);
}

static void secret_free(Secret *s)
{
    object_finalize(OBJECT(s));
    if (s->raw) {
        memset(s->raw, 0, s->len); /* no copy of the secret left behind */
    }
    g_free(s->raw);
    g_free(s->file);
    g_free(s);
}

/* Base64's alphabet and padding only, as QEMU checks before decoding. */
static bool base64_valid(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isalnum(text[i]) && !strchr("+/=\n\r", text[i])) {
            return false;
        }
    }
    return true;
}

static bool secret_load(Secret *s, const char *data, GError **errp)
{
    g_autofree char *contents = NULL;
    size_t len;

    if (s->file) {
        g_autoptr(GError) err = NULL;
        gsize n;

        if (!g_file_get_contents(s->file, &contents, &n, &err)) {
            return error_setg(errp, "Unable to read %s: %s", s->file,
                              err->message);
        }
        data = contents;
        len = n;
    } else {
        len = strlen(data);
    }
    if (s->base64) {
        g_autofree char *copy = NULL;
        gsize n;

        if (!base64_valid(data, len)) {
            return error_setg(errp, "Base64 data contains invalid characters");
        }
        copy = g_strndup(data, len);
        s->raw = g_base64_decode(copy, &n);
        s->len = n;
        s->raw = g_realloc(s->raw, n + 1);
        s->raw[n] = 0;
        memset(copy, 0, len);
    } else {
        s->raw = (uint8_t *)g_strndup(data, len);
        s->len = len;
    }
    if (contents) {
        memset(contents, 0, len);
    }
    return true;
}

static Object *secret_create(const char *id, KeyValList *kv, GError **errp)
{
    const char *data = keyval_get(kv, "data");
    const char *file = keyval_get(kv, "file");
    const char *format = keyval_get(kv, "format");
    Secret *s;

    if (format && strcmp(format, "raw") && strcmp(format, "base64")) {
        error_setg(errp, "Parameter 'format' does not accept value '%s'",
                   format);
        return NULL;
    }
    if (keyval_has(kv, "keyid") || keyval_has(kv, "iv")) {
        error_setg(errp,
                   "secret '%s': keyid= and iv= (a secret encrypted "
                   "with another) are not supported by this pcvm",
                   id);
        return NULL;
    }
    if (data && file) {
        error_setg(errp, "'file' and 'data' are mutually exclusive");
        return NULL;
    }
    if (!data && !file) {
        error_setg(errp, "Either 'file' or 'data' must be provided");
        return NULL;
    }
    s = g_new0(Secret, 1);
    object_init(OBJECT(s), TYPE_SECRET);
    s->file = g_strdup(file);
    s->base64 = format && !strcmp(format, "base64");
    if (!secret_load(s, data, errp)) {
        secret_free(s);
        return NULL;
    }
    object_add_property(OBJECT(s), "format", "QCryptoSecretFormat",
                        secret_get_format, NULL, NULL);
    object_add_property(OBJECT(s), "file", "string", secret_get_file, NULL,
                        NULL);
    object_add_property(OBJECT(s), "loaded", "bool", secret_get_loaded, NULL,
                        NULL);
    return OBJECT(s);
}

static void secret_destroy(Object *obj)
{
    secret_free((Secret *)obj);
}

char *secret_lookup_as_utf8(const char *id, GError **errp)
{
    g_autofree char *path = g_strdup_printf("/objects/%s", id);
    Secret *s = (Secret *)object_resolve_path_type(path, TYPE_SECRET, NULL);

    if (!s) {
        error_setg(errp, "No secret with id '%s'", id);
        return NULL;
    }
    if (!g_utf8_validate((const char *)s->raw, s->len, NULL) ||
        memchr(s->raw, 0, s->len)) {
        error_setg(errp, "Data from secret %s is not valid UTF-8", id);
        return NULL;
    }
    return g_strndup((const char *)s->raw, s->len);
}

static const UserObjectKind secret_kind = {
    .type = TYPE_SECRET,
    .create = secret_create,
    .destroy = secret_destroy,
};

static void __attribute__((constructor)) secret_register(void)
{
    type_register_simple(TYPE_SECRET, "object", false);
    user_object_kind_register(&secret_kind);
}
