/*
 * The type registry and the object tree behind qom-list, qom-get,
 * qom-list-types and qtest's device paths (include/qom/object.h).
 *
 * Types are names with a parent and interfaces, nothing more: classes,
 * instance sizes and constructors stay with the device, machine, chardev and
 * accelerator registries that register them here. Objects carry a list of
 * read-only properties; children are properties too, as in QEMU, so a path
 * is a walk through child<> (and link<>) properties. Left out: property
 * setters, reference counting and finalisation (pcvm never unplugs).
 */
#include <string.h>

#include "qom/object.h"
#include "util/error.h"

/* ---- type registry ---------------------------------------------------- */

static GHashTable *types; /* name -> const TypeInfo * */

static const TypeInfo base_types[] = {
    {.name = "object", .abstract = true},
    {.name = "interface", .abstract = true},
    {.name = "container", .parent = "object"},
    {.name = "device", .parent = "object", .abstract = true},
    {.name = "bus", .parent = "object", .abstract = true},
    {.name = "machine", .parent = "object", .abstract = true},
    {.name = "chardev", .parent = "object", .abstract = true},
    {.name = "accel", .parent = "object", .abstract = true},
};

/*
 * Created on first use because registration runs from constructors, in an
 * order nobody controls; the base types come with it.
 */
static GHashTable *types_get(void)
{
    if (!types) {
        types = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; i < G_N_ELEMENTS(base_types); i++) {
            g_hash_table_insert(types, (gpointer)base_types[i].name,
                                (gpointer)&base_types[i]);
        }
    }
    return types;
}

void type_register(const TypeInfo *info)
{
    g_assert(info->name && !g_hash_table_contains(types_get(), info->name));
    g_hash_table_insert(types_get(), (gpointer)info->name, (gpointer)info);
}

const TypeInfo *type_register_simple(const char *name, const char *parent,
                                     bool abstract)
{
    const TypeInfo *found = type_find(name);
    TypeInfo *info;

    if (found) {
        return found;
    }
    /* Owned by the registry for the rest of the process. */
    info = g_new0(TypeInfo, 1);
    info->name = g_strdup(name);
    info->parent = g_strdup(parent);
    info->abstract = abstract;
    type_register(info);
    return info;
}

const TypeInfo *type_find(const char *name)
{
    return name ? g_hash_table_lookup(types_get(), name) : NULL;
}

bool type_is_a(const char *name, const char *ancestor)
{
    /* Bounded, so a parent loop in registrations cannot hang a query. */
    for (int depth = 0; depth < 64 && name; depth++) {
        const TypeInfo *info = type_find(name);

        if (!info) {
            return false;
        }
        if (!strcmp(info->name, ancestor)) {
            return true;
        }
        for (const char *const *i = info->interfaces; i && *i; i++) {
            if (type_is_a(*i, ancestor)) {
                return true;
            }
        }
        name = info->parent;
    }
    return false;
}

static gint type_name_order(gconstpointer a, gconstpointer b)
{
    const TypeInfo *x = *(const TypeInfo *const *)a;
    const TypeInfo *y = *(const TypeInfo *const *)b;

    return strcmp(x->name, y->name);
}

GPtrArray *type_list(const char *implements, bool include_abstract)
{
    GPtrArray *list = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, types_get());
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const TypeInfo *info = value;

        if ((!info->abstract || include_abstract) &&
            (!implements || type_is_a(info->name, implements))) {
            g_ptr_array_add(list, value);
        }
    }
    g_ptr_array_sort(list, type_name_order);
    return list;
}

/* ---- objects and properties ------------------------------------------- */

static void property_free(gpointer data)
{
    ObjectProperty *prop = data;

    g_free(prop->name);
    g_free(prop->type);
    g_free(prop->description);
    g_free(prop);
}

static GVariant *property_get_type(Object *obj, void *opaque)
{
    return g_variant_new_string(obj->type);
}

void object_init(Object *obj, const char *type)
{
    const TypeInfo *info = type_find(type);

    g_assert(info && !info->abstract);
    /* The registry's copy of the name outlives whatever the caller passed. */
    obj->type = info->name;
    obj->name = NULL;
    obj->parent = NULL;
    obj->properties = g_ptr_array_new_with_free_func(property_free);
    object_add_property(obj, "type", "string", property_get_type, NULL, NULL);
}

bool object_is_a(Object *obj, const char *type)
{
    return obj && type_is_a(obj->type, type);
}

ObjectProperty *object_property_find(Object *obj, const char *name)
{
    for (unsigned i = 0; i < obj->properties->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(obj->properties, i);

        if (!strcmp(prop->name, name)) {
            return prop;
        }
    }
    return NULL;
}

static ObjectProperty *property_new(Object *obj, const char *name, char *type)
{
    ObjectProperty *prop = g_new0(ObjectProperty, 1);

    prop->name = g_strdup(name);
    prop->type = type;
    g_ptr_array_add(obj->properties, prop);
    return prop;
}

void object_add_property(Object *obj, const char *name, const char *type,
                         ObjectPropertyGet *get, void *opaque,
                         const char *description)
{
    ObjectProperty *prop;

    g_assert(!object_property_find(obj, name));
    prop = property_new(obj, name, g_strdup(type));
    prop->get = get;
    prop->opaque = opaque;
    prop->description = g_strdup(description);
}

static GVariant *property_get_target_path(Object *target)
{
    g_autofree char *path = target ? object_get_path(target) : NULL;

    return g_variant_new_string(path ? path : "");
}

static GVariant *property_get_link(Object *obj, void *opaque)
{
    ObjectProperty *prop = opaque;

    return property_get_target_path(prop->target);
}

void object_add_link(Object *obj, const char *name, const char *target_type,
                     Object *target)
{
    ObjectProperty *prop;

    g_assert(!object_property_find(obj, name));
    prop = property_new(obj, name, g_strdup_printf("link<%s>", target_type));
    prop->get = property_get_link;
    prop->opaque = prop;
    prop->target = target;
}

bool object_property_del(Object *obj, const char *name)
{
    ObjectProperty *prop = object_property_find(obj, name);

    if (!prop || prop->child) {
        return false;
    }
    g_ptr_array_remove(obj->properties, prop);
    return true;
}

static GVariant *property_get_child(Object *obj, void *opaque)
{
    ObjectProperty *prop = opaque;

    return property_get_target_path(prop->child);
}

/* "device[*]" becomes the first "device[N]" not taken yet. */
static char *child_name_resolve(Object *parent, const char *name)
{
    size_t len = strlen(name);

    if (len < 3 || strcmp(name + len - 3, "[*]")) {
        return g_strdup(name);
    }
    for (unsigned i = 0;; i++) {
        char *candidate = g_strdup_printf("%.*s[%u]", (int)(len - 3), name, i);

        if (!object_property_find(parent, candidate)) {
            return candidate;
        }
        g_free(candidate);
    }
}

bool object_try_add_child(Object *parent, const char *name, Object *child,
                          GError **errp)
{
    g_autofree char *real_name = child_name_resolve(parent, name);
    ObjectProperty *prop;

    g_assert(!child->parent && child != parent);
    if (object_property_find(parent, real_name)) {
        return error_setg(errp,
                          "attempt to add duplicate property '%s' to object "
                          "(type '%s')",
                          real_name, parent->type);
    }
    prop = property_new(parent, real_name,
                        g_strdup_printf("child<%s>", child->type));
    prop->get = property_get_child;
    prop->opaque = prop;
    prop->child = child;
    child->parent = parent;
    child->name = g_steal_pointer(&real_name);
    return true;
}

void object_add_child(Object *parent, const char *name, Object *child)
{
    GError *err = NULL;

    if (!object_try_add_child(parent, name, child, &err)) {
        g_error("%s", err->message);
    }
}

void object_unparent(Object *obj)
{
    Object *parent = obj->parent;

    if (!parent) {
        return;
    }
    for (unsigned i = 0; i < parent->properties->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(parent->properties, i);

        if (prop->child == obj) {
            g_ptr_array_remove_index(parent->properties, i);
            break;
        }
    }
    obj->parent = NULL;
    g_clear_pointer(&obj->name, g_free);
}

void object_finalize(Object *obj)
{
    object_unparent(obj);
    g_clear_pointer(&obj->properties, g_ptr_array_unref);
}

const GPtrArray *object_get_properties(Object *obj)
{
    return obj->properties;
}

GVariant *object_property_get(Object *obj, const char *name, GError **errp)
{
    ObjectProperty *prop = object_property_find(obj, name);

    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found", obj->type, name);
        return NULL;
    }
    if (!prop->get) {
        error_setg(errp, "Property '%s' is not readable", name);
        return NULL;
    }
    return g_variant_ref_sink(prop->get(obj, prop->opaque));
}

/* ---- the tree --------------------------------------------------------- */

static Object *root;

Object *object_root(void)
{
    if (!root) {
        root = g_new0(Object, 1);
        object_init(root, "container");
        /* QEMU always has /objects, where -object puts its objects. */
        object_container_get("/objects");
    }
    return root;
}

static Object *object_child_find(Object *parent, const char *name)
{
    ObjectProperty *prop = object_property_find(parent, name);

    return prop ? prop->child : NULL;
}

static Object *container_new(Object *parent, const char *name)
{
    Object *obj = g_new0(Object, 1);

    object_init(obj, "container");
    object_add_child(parent, name, obj);
    return obj;
}

Object *object_container_get(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    Object *obj = object_root();

    for (char **part = parts; *part; part++) {
        Object *next;

        if (!**part) {
            continue;
        }
        next = object_child_find(obj, *part);
        obj = next ? next : container_new(obj, *part);
    }
    return obj;
}

Object *object_machine_container(void)
{
    return object_container_get("/machine");
}

void object_machine_container_set(Object *machine)
{
    Object *old = object_child_find(object_root(), "machine");

    if (old == machine) {
        return;
    }
    if (old) {
        object_unparent(old);
        /* Hand the children over in order, keeping their names. */
        for (unsigned i = 0; i < old->properties->len;) {
            ObjectProperty *prop = g_ptr_array_index(old->properties, i);
            Object *child = prop->child;
            g_autofree char *name = NULL;

            if (!child) {
                i++;
                continue;
            }
            name = g_strdup(child->name);
            object_unparent(child);
            object_add_child(machine, name, child);
        }
        /* A placeholder container_get made is ours to free. */
        if (!strcmp(old->type, "container")) {
            object_finalize(old);
            g_free(old);
        }
    }
    object_add_child(object_root(), "machine", machine);
}

char *object_get_path(Object *obj)
{
    Object *top = object_root();
    GString *path = g_string_new(NULL);

    /* Built leaf first, each component prepended. */
    for (; obj && obj != top; obj = obj->parent) {
        if (!obj->parent) {
            g_string_free(path, TRUE);
            return NULL;
        }
        g_string_prepend(path, obj->name);
        g_string_prepend_c(path, '/');
    }
    if (!obj) {
        g_string_free(path, TRUE);
        return NULL;
    }
    if (!path->len) {
        g_string_append_c(path, '/');
    }
    return g_string_free(path, FALSE);
}

/* Follows child<> and link<> properties; empty components are skipped. */
static Object *resolve_absolute(Object *obj, char **parts, const char *type)
{
    for (; obj && *parts; parts++) {
        ObjectProperty *prop;

        if (!**parts) {
            continue;
        }
        prop = object_property_find(obj, *parts);
        if (!prop) {
            return NULL;
        }
        obj = prop->child ? prop->child : prop->target;
    }
    return obj && (!type || object_is_a(obj, type)) ? obj : NULL;
}

/*
 * QEMU's rule: the path is tried from obj and, recursively, from each of
 * its children; two different starting points that both succeed make the
 * path ambiguous.
 */
static Object *resolve_partial(Object *obj, char **parts, const char *type,
                               bool *ambiguous)
{
    Object *found = resolve_absolute(obj, parts, type);

    for (unsigned i = 0; i < obj->properties->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(obj->properties, i);
        Object *below;

        if (!prop->child) {
            continue;
        }
        below = resolve_partial(prop->child, parts, type, ambiguous);
        if (*ambiguous) {
            return NULL;
        }
        if (below) {
            if (found) {
                *ambiguous = true;
                return NULL;
            }
            found = below;
        }
    }
    return found;
}

Object *object_resolve_path_type(const char *path, const char *type,
                                 bool *ambiguous)
{
    g_auto(GStrv) parts = NULL;
    bool ambiguous_here = false;
    Object *obj;

    if (!path) {
        if (ambiguous) {
            *ambiguous = false;
        }
        return NULL;
    }
    parts = g_strsplit(path, "/", -1);
    if (path[0] == '/') {
        obj = resolve_absolute(object_root(), parts, type);
    } else {
        obj = resolve_partial(object_root(), parts, type, &ambiguous_here);
    }
    if (ambiguous) {
        *ambiguous = ambiguous_here;
    }
    return obj;
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    return object_resolve_path_type(path, NULL, ambiguous);
}

static void print_tree(Object *obj, GString *out, int indent)
{
    g_string_append_printf(out, "%*s/%s (%s)\n", indent, "",
                           obj->name ? obj->name : "", obj->type);
    for (unsigned i = 0; i < obj->properties->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(obj->properties, i);

        if (prop->child) {
            print_tree(prop->child, out, indent + 2);
        }
    }
}

static bool links_to(Object *from, Object *obj)
{
    for (unsigned i = 0; from->properties && i < from->properties->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(from->properties, i);

        if ((!prop->child && prop->target == obj) ||
            (prop->child && links_to(prop->child, obj))) {
            return true;
        }
    }
    return false;
}

bool object_is_link_target(Object *obj)
{
    return links_to(object_root(), obj);
}

void object_print_tree(Object *obj, GString *out)
{
    print_tree(obj, out, 0);
}
