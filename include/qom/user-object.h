/*
 * User-creatable objects: what -object, QMP object-add / object-del and
 * HMP object_add / object_del make and take away, each a QOM object at
 * /objects/ID. A kind (iothread, memory-backend-ram, memory-backend-file,
 * secret, rng-random, rng-builtin) registers its constructor here; this
 * registry checks what all kinds share (qom-type, id, a taken id, keys no
 * kind reads) with QEMU's words, and refuses to take away an object that
 * something still links to.
 */
#ifndef SYSTEM_USER_OBJECT_H
#define SYSTEM_USER_OBJECT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "qom/object.h"
#include "util/keyval.h"

typedef struct UserObjectKind {
    const char *type; /* qom-type, a registered QOM type */
    /*
     * A new object of this kind (object_init'ed, not yet in the tree) from
     * kv's keys other than qom-type and id, each read with keyval_get*;
     * NULL and errp on bad input.
     */
    Object *(*create)(const char *id, KeyValList *kv, GError **errp);
    /*
     * Frees an object that left the tree (object-del); NULL: objects of
     * this kind stay until pcvm ends ("is in use, can not be deleted").
     */
    void (*destroy)(Object *obj);
    /* True while something uses obj that holds no link to it; may be NULL. */
    bool (*in_use)(Object *obj);
} UserObjectKind;

/* kind must stay valid; from a constructor (type_init) is fine. */
void user_object_kind_register(const UserObjectKind *kind);
bool user_object_kind_exists(const char *type);

/*
 * Checks qom-type and id in kv (QEMU's "Parameter 'qom-type' does not
 * accept value 'x'", "Parameter 'id' is missing", "Parameter 'id' expects
 * an identifier"); what -object checks when it is parsed.
 */
bool user_object_check(KeyValList *kv, GError **errp);
/* Creates the object kv describes and puts it at /objects/ID. */
Object *user_object_create(KeyValList *kv, GError **errp);
/*
 * -object's argument: "TYPE,id=ID,key=value,..." (also object_add's) or
 * the JSON form {"qom-type": TYPE, "id": ID, ...}, as a KeyValList.
 */
KeyValList *user_object_parse_option(const char *arg, GError **errp);
/* Creates what such an argument describes. */
Object *user_object_create_from_option(const char *arg, GError **errp);
/* Takes /objects/ID away: "object 'x' not found", "... is in use ...". */
bool user_object_delete(const char *id, GError **errp);

/*
 * The keyval text of a JSON object with scalar members, as QEMU's -object
 * {JSON} and object-add take them: booleans on/off, numbers in decimal,
 * commas doubled. NULL and errp for a nested member.
 */
char *user_object_json_to_keyval(JsonObject *obj, GError **errp);

#endif
