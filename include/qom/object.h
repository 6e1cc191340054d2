/*
 * The object model the monitor and qtest see: a registry of type names with
 * their parents and interfaces (qom-list-types), and a tree of named objects
 * with typed, readable properties (qom-list, qom-get, irq_intercept_in PATH).
 *
 * The tree follows QEMU's paths: /machine (the board), /machine/peripheral/ID
 * (-device with id=), /machine/peripheral-anon/device[N] (-device without
 * id), /machine/unattached/device[N] (board-created devices the board did
 * not name), named board children such as /machine/ioapic, buses as children
 * of their parent device (".../isa.0"), the main system bus at
 * /machine/unattached/sysbus, /chardevs/ID and /objects/ID (-object).
 *
 * Devices, buses, chardevs and the machine embed an Object as their first
 * member; types come from the device, machine, chardev and accelerator
 * registries, which register here too. This layer never frees an object:
 * whoever takes one out of the tree (device unplug, object-del) does.
 *
 * Property values are GVariants of these kinds (what the monitor turns into
 * JSON): "b" for bool; "t" for every unsigned kind (uint8, uint16, uint32,
 * uint64, size); "i" for int32; "s" for strings, chardev links, child<>
 * and link<> properties (the target's path, "" for an empty link).
 * Consumers should still accept any integer class.
 */
#ifndef QOM_OBJECT_H
#define QOM_OBJECT_H

#include <glib.h>
#include <stdbool.h>

typedef struct Object Object;

typedef struct TypeInfo {
    const char *name;
    const char *parent; /* NULL only for "object" and "interface" */
    bool abstract;
    const char *const *interfaces; /* NULL-terminated, or NULL */
} TypeInfo;

/*
 * info must stay valid (static storage or owned by a registry). Works from
 * constructors: the registry (with the base types object, interface,
 * container, device, bus, machine, chardev, accel) is created on first use,
 * and parents may be registered after their children.
 */
void type_register(const TypeInfo *info);
/* Registers a copy of name/parent unless name is already known. */
const TypeInfo *type_register_simple(const char *name, const char *parent,
                                     bool abstract);
const TypeInfo *type_find(const char *name);
/* name is ancestor, is a subtype of it, or implements it as an interface. */
bool type_is_a(const char *name, const char *ancestor);
/*
 * The registered types (TypeInfo *, sorted by name) that are a subtype of
 * (or implement) implements (all when NULL), abstract ones only if asked.
 * Free with g_ptr_array_unref.
 */
GPtrArray *type_list(const char *implements, bool include_abstract);

/* Returns a new GVariant of one of the kinds listed at the top. */
typedef GVariant *ObjectPropertyGet(Object *obj, void *opaque);

typedef struct ObjectProperty {
    char *name;
    char *type;             /* QEMU's spelling: "bool", "uint32", "str",
                               "child<isa-serial>", "link<...>" */
    char *description;      /* or NULL */
    ObjectPropertyGet *get; /* NULL: not readable (children read as path) */
    void *opaque;
    Object *child;  /* for child<> properties */
    Object *target; /* for link<> properties (NULL: empty link) */
} ObjectProperty;

struct Object {
    const char *type; /* a registered type name */
    char *name;       /* name in the parent, NULL while unparented */
    Object *parent;
    GPtrArray *properties; /* ObjectProperty *, in insertion order */
};

#define OBJECT(obj) ((Object *)(obj))

/* type must be registered and not abstract; adds the "type" property. */
void object_init(Object *obj, const char *type);
/*
 * Makes child a child of parent under name. A name ending in "[*]" takes
 * the first free index: "device[*]" -> "device[0]", "device[1]", ...
 * A taken name or a child that already has a parent is a programming error
 * here; object_try_add_child reports a taken name instead.
 */
void object_add_child(Object *parent, const char *name, Object *child);
bool object_try_add_child(Object *parent, const char *name, Object *child,
                          GError **errp);
void object_unparent(Object *obj);
/* Unparents obj and frees its properties; the caller frees obj itself. */
void object_finalize(Object *obj);
void object_add_property(Object *obj, const char *name, const char *type,
                         ObjectPropertyGet *get, void *opaque,
                         const char *description);
/* A "link<target_type>" property reading as target's path. */
void object_add_link(Object *obj, const char *name, const char *target_type,
                     Object *target);
/* Removes a (non-child) property; false if there is none of that name. */
bool object_property_del(Object *obj, const char *name);

Object *object_root(void); /* "/" */
/*
 * "/machine": the machine object once machine_object_init() installed it;
 * before that a placeholder container whose children the machine adopts.
 */
Object *object_machine_container(void);
/*
 * Puts machine at /machine. Whatever was there (the placeholder) hands its
 * children over under the same names, so early additions are kept.
 */
void object_machine_container_set(Object *machine);
Object *object_container_get(const char *path); /* creates missing levels */

/*
 * A full path ("/machine/ioapic") or a partial one ("ioapic"), matched like
 * QEMU: a partial path must end at exactly one object, else NULL and
 * *ambiguous (when non-NULL) tells why. Full paths follow child<> and
 * link<> properties; partial ones are tried from every object of the tree.
 */
Object *object_resolve_path(const char *path, bool *ambiguous);
/* The same, counting only objects that are a type (e.g. "device"). */
Object *object_resolve_path_type(const char *path, const char *type,
                                 bool *ambiguous);
/* g_free; NULL when obj is not in the tree below "/". */
char *object_get_path(Object *obj);
/* The properties of obj including child<> ones (ObjectProperty *). */
const GPtrArray *object_get_properties(Object *obj);
ObjectProperty *object_property_find(Object *obj, const char *name);
/*
 * A property's value as a new, non-floating GVariant (g_variant_unref it);
 * child<> and link<> read as the path of the target. Errors use QEMU's
 * wording: "Property 'TYPE.NAME' not found".
 */
GVariant *object_property_get(Object *obj, const char *name, GError **errp);
bool object_is_a(Object *obj, const char *type);
/* True if a link<> property of any object in the tree points at obj. */
bool object_is_link_target(Object *obj);

/*
 * The composition tree below obj as HMP's "info qom-tree" prints it:
 * "/name (type)" per object, two spaces of indent per level.
 */
void object_print_tree(Object *obj, GString *out);

#endif
