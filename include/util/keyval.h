/*
 * "driver,key=value,flag,key2=a,,b" option strings, as QEMU's -device,
 * -chardev, -machine... take them. ",," stands for a literal comma. The
 * first element may omit "key=" when the option has an implied key
 * (-device's "driver", -chardev's "backend", -machine's "type").
 * A bare "flag" means flag=on.
 */
#ifndef UTIL_KEYVAL_H
#define UTIL_KEYVAL_H

#include <glib.h>
#include <stdbool.h>
#include <inttypes.h>

typedef struct KeyValList KeyValList;

KeyValList *keyval_parse(const char *str, const char *implied_key,
                         GError **errp);
void keyval_free(KeyValList *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KeyValList, keyval_free)

/* The last value given for key, or NULL. Marks key as used. */
const char *keyval_get(KeyValList *kv, const char *key);
bool keyval_has(KeyValList *kv, const char *key);
bool keyval_get_bool(KeyValList *kv, const char *key, bool def, bool *out,
                     GError **errp);
bool keyval_get_uint(KeyValList *kv, const char *key, uint64_t def,
                     uint64_t *out, GError **errp);
bool keyval_get_size(KeyValList *kv, const char *key, uint64_t def,
                     uint64_t *out, GError **errp);
/* Number of key=value pairs; iteration in the order given. */
unsigned keyval_count(KeyValList *kv);
const char *keyval_key_at(KeyValList *kv, unsigned i);
const char *keyval_value_at(KeyValList *kv, unsigned i);
void keyval_mark_used(KeyValList *kv, const char *key);
/* Fails with "Invalid parameter 'k'" naming the first key never read. */
bool keyval_check_unused(KeyValList *kv, GError **errp);

#endif
