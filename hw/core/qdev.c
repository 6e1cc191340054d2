/*
 * The device type registry, properties, and the machine -> bus -> device
 * tree, with the QOM view of all three: device classes and bus kinds are
 * QOM types, devices and buses are objects placed where QEMU puts them
 * (include/qom/object.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/device.h"
#include "util/cutils.h"
#include "util/error.h"
#include "util/keyval.h"

static GHashTable *classes; /* name -> DeviceClass * */

void device_class_register(DeviceClass *dc)
{
    /* The class lives as long as the process, so does its QOM type. */
    TypeInfo *info = g_new0(TypeInfo, 1);

    if (!classes) {
        classes = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_assert(!g_hash_table_contains(classes, dc->name));
    g_hash_table_insert(classes, (gpointer)dc->name, dc);
    info->name = dc->name;
    info->parent = dc->parent ? dc->parent : "device";
    info->abstract = dc->abstract;
    info->interfaces = dc->interfaces;
    type_register(info);
}

DeviceClass *device_class_find(const char *name)
{
    return classes ? g_hash_table_lookup(classes, name) : NULL;
}

bool device_class_is(DeviceClass *dc, const char *type_name)
{
    while (dc) {
        if (!strcmp(dc->name, type_name)) {
            return true;
        }
        dc = dc->parent ? device_class_find(dc->parent) : NULL;
    }
    return false;
}

#ifndef NDEBUG
void *device_cast_check(const void *dev, const char *type_name,
                        const char *file, int line)
{
    const DeviceState *d = dev;

    /* The exact type first: most casts are, and it needs no lookup. */
    if (d && d->klass->name != type_name && strcmp(d->klass->name, type_name) &&
        !device_class_is(d->klass, type_name)) {
        g_error("%s:%d: a device of type %s used as type %s", file, line,
                d->klass->name, type_name);
    }
    return (void *)dev;
}
#endif

static gint class_name_order(gconstpointer a, gconstpointer b)
{
    const DeviceClass *x = *(DeviceClass *const *)a;
    const DeviceClass *y = *(DeviceClass *const *)b;

    return strcmp(x->name, y->name);
}

GPtrArray *device_class_list(void)
{
    GPtrArray *list = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    if (classes) {
        g_hash_table_iter_init(&it, classes);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            g_ptr_array_add(list, value);
        }
    }
    g_ptr_array_sort(list, class_name_order);
    return list;
}

static const char *const category_names[DEVICE_CATEGORY_MAX] = {
    [DEVICE_CATEGORY_MISC] = "Misc devices",
    [DEVICE_CATEGORY_INPUT] = "Input devices",
    [DEVICE_CATEGORY_DISPLAY] = "Display devices",
    [DEVICE_CATEGORY_NETWORK] = "Network devices",
    [DEVICE_CATEGORY_STORAGE] = "Storage devices",
    [DEVICE_CATEGORY_SOUND] = "Sound devices",
    [DEVICE_CATEGORY_BRIDGE] = "Controller/Bridge/Hub devices",
};

/* The same layout as QEMU's "-device help". */
void device_class_print_help(FILE *out)
{
    g_autoptr(GPtrArray) list = device_class_list();

    for (int cat = 0; cat < DEVICE_CATEGORY_MAX; cat++) {
        bool header = false;

        for (unsigned i = 0; i < list->len; i++) {
            DeviceClass *dc = g_ptr_array_index(list, i);

            if (dc->category != cat || !dc->user_creatable || dc->abstract) {
                continue;
            }
            if (!header) {
                fprintf(out, "%s%s:\n", cat ? "\n" : "", category_names[cat]);
                header = true;
            }
            fprintf(out, "name \"%s\"", dc->name);
            if (dc->bus_type) {
                fprintf(out, ", bus %s", dc->bus_type);
            }
            if (dc->description) {
                fprintf(out, ", desc \"%s\"", dc->description);
            }
            fputc('\n', out);
        }
    }
}

const char *device_property_type_name(const Property *p)
{
    if (p->link_type) {
        g_autofree char *name = g_strdup_printf("link<%s>", p->link_type);

        return g_intern_string(name);
    }
    return p->info->name;
}

const char *device_property_description(const Property *p)
{
    return p->description ? p->description : p->info->description;
}

GVariant *device_property_default_value(const Property *p)
{
    return p->info->default_value ? p->info->default_value(p) : NULL;
}

/* The default as text: numbers and bools as JSON has them, strings bare. */
char *device_property_default_string(const Property *p)
{
    g_autoptr(GVariant) v = device_property_default_value(p);

    if (!v) {
        return NULL;
    }
    g_variant_take_ref(v);
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
        return g_strdup(g_variant_get_string(v, NULL));
    }
    return g_variant_print(v, false);
}

/* Every property of dc and of its parents. */
static void class_properties(DeviceClass *dc, GPtrArray *out)
{
    for (; dc; dc = dc->parent ? device_class_find(dc->parent) : NULL) {
        for (const Property *p = dc->props; p && p->name; p++) {
            g_ptr_array_add(out, (gpointer)p);
        }
    }
}

GPtrArray *device_class_get_properties(DeviceClass *dc)
{
    GPtrArray *props = g_ptr_array_new();

    class_properties(dc, props);
    return props;
}

static const Property *property_find(DeviceClass *dc, const char *name)
{
    for (; dc; dc = dc->parent ? device_class_find(dc->parent) : NULL) {
        for (const Property *p = dc->props; p && p->name; p++) {
            if (!strcmp(p->name, name)) {
                return p;
            }
        }
    }
    return NULL;
}

static gint property_name_order(gconstpointer a, gconstpointer b)
{
    const Property *x = *(const Property *const *)a;
    const Property *y = *(const Property *const *)b;

    return strcmp(x->name, y->name);
}

/*
 * QEMU's "-device NAME,help" lines, sorted by name: "  name=<type>" padded
 * to 24 columns, then " - description" and " (default: JSON)" when there
 * are any.
 */
char *device_property_help_line(const Property *p)
{
    g_autoptr(GVariant) def = device_property_default_value(p);
    const char *desc = device_property_description(p);
    GString *line = g_string_new(NULL);

    g_string_append_printf(line, "  %s=<%s>", p->name,
                           device_property_type_name(p));
    if (desc || def) {
        if (line->len < 24) {
            g_string_append_printf(line, "%*s", 24 - (int)line->len, "");
        }
        g_string_append(line, " - ");
    }
    if (desc) {
        g_string_append(line, desc);
    }
    if (def) {
        g_autofree char *text = g_variant_print(g_variant_take_ref(def), false);

        /* GVariant's text is JSON's for these kinds, bar the quotes */
        if (g_variant_is_of_type(def, G_VARIANT_TYPE_STRING)) {
            g_free(text);
            text = g_strdup_printf("\"%s\"", g_variant_get_string(def, NULL));
        }
        g_string_append_printf(line, " (default: %s)", text);
    }
    return g_string_free(line, false);
}

void device_class_print_properties(DeviceClass *dc, FILE *out)
{
    g_autoptr(GPtrArray) props = g_ptr_array_new();

    class_properties(dc, props);
    if (!props->len) {
        fprintf(out, "There are no options for %s.\n", dc->name);
        return;
    }
    g_ptr_array_sort(props, property_name_order);
    fprintf(out, "%s options:\n", dc->name);
    for (unsigned i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);
        g_autofree char *line = NULL;

        if (property_find(dc, p->name) != p) {
            continue; /* a subclass's property of that name hides it */
        }
        line = device_property_help_line(p);
        fprintf(out, "%s\n", line);
    }
}

static void *property_field(DeviceState *dev, const Property *p)
{
    return (uint8_t *)dev + p->offset;
}

static void property_set_default(DeviceState *dev, const Property *p)
{
    if (p->info->set_default) {
        p->info->set_default(p, property_field(dev, p));
    }
}

/* A class property as qom-get reads it (kinds: include/qom/object.h). */
static GVariant *device_property_get(Object *obj, void *opaque)
{
    const Property *p = opaque;
    void *field = property_field((DeviceState *)obj, p);
    g_autofree char *text = NULL;

    if (p->info->get) {
        return p->info->get(p, field);
    }
    text = p->info->print(p, field);
    return g_variant_new_string(text);
}

static GVariant *device_get_realized(Object *obj, void *opaque)
{
    return g_variant_new_boolean(((DeviceState *)obj)->realized);
}

/* pcvm has no hotplug: QEMU's hotpluggable/hotplugged always read false. */
static GVariant *device_get_false(Object *obj, void *opaque)
{
    return g_variant_new_boolean(false);
}

static void device_object_init(DeviceState *dev, GPtrArray *props)
{
    Object *obj = OBJECT(dev);

    object_init(obj, dev->klass->name);
    for (unsigned i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);

        /* A subclass property hides its parent's, as property_find does. */
        if (!object_property_find(obj, p->name)) {
            object_add_property(obj, p->name, device_property_type_name(p),
                                device_property_get, (void *)p, p->description);
        }
    }
    object_add_property(obj, "realized", "bool", device_get_realized, NULL,
                        NULL);
    object_add_property(obj, "hotpluggable", "bool", device_get_false, NULL,
                        NULL);
    object_add_property(obj, "hotplugged", "bool", device_get_false, NULL,
                        NULL);
}

/* What the properties' kinds hold for a device that is going away. */
static void device_release_properties(DeviceState *dev)
{
    g_autoptr(GPtrArray) props = g_ptr_array_new();

    class_properties(dev->klass, props);
    for (unsigned i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);

        if (p->info->release) {
            p->info->release(p, property_field(dev, p));
        }
    }
}

/* ---- -global ------------------------------------------------------------ */

typedef struct DeviceGlobal {
    char *driver, *property, *value;
} DeviceGlobal;

static GPtrArray *device_globals; /* DeviceGlobal *, in the order given */

static void device_global_free(gpointer data)
{
    DeviceGlobal *g = data;

    g_free(g->driver);
    g_free(g->property);
    g_free(g->value);
    g_free(g);
}

void device_global_add(const char *driver, const char *property,
                       const char *value)
{
    DeviceGlobal *g = g_new0(DeviceGlobal, 1);

    if (!device_globals) {
        device_globals = g_ptr_array_new_with_free_func(device_global_free);
    }
    g->driver = g_strdup(driver);
    g->property = g_strdup(property);
    g->value = g_strdup(value);
    g_ptr_array_add(device_globals, g);
}

void device_globals_check(void)
{
    for (unsigned i = 0; device_globals && i < device_globals->len; i++) {
        DeviceGlobal *g = g_ptr_array_index(device_globals, i);

        if (!device_class_find(g->driver)) {
            warn_report("global %s.%s has invalid class name", g->driver,
                        g->property);
        }
    }
}

void device_globals_clear(void)
{
    if (device_globals) {
        g_ptr_array_set_size(device_globals, 0);
    }
}

/* The globals for dev's type and the types it derives from. */
static void device_apply_globals(DeviceState *dev)
{
    for (unsigned i = 0; device_globals && i < device_globals->len; i++) {
        DeviceGlobal *g = g_ptr_array_index(device_globals, i);
        GError *err = NULL;

        if (!device_class_is(dev->klass, g->driver)) {
            continue;
        }
        if (!device_set_property(dev, g->property, g->value, &err)) {
            if (!dev->global_error) {
                g_prefix_error(&err, "can't apply global %s.%s=%s: ", g->driver,
                               g->property, g->value);
                dev->global_error = err;
            } else {
                g_error_free(err);
            }
        }
    }
}

DeviceState *device_new(const char *type_name)
{
    DeviceClass *dc = device_class_find(type_name);
    DeviceState *dev;
    g_autoptr(GPtrArray) props = g_ptr_array_new();

    g_assert(dc && !dc->abstract);
    dev = g_malloc0(dc->instance_size);
    dev->klass = dc;
    dev->child_buses = g_ptr_array_new();
    class_properties(dc, props);
    for (unsigned i = 0; i < props->len; i++) {
        property_set_default(dev, g_ptr_array_index(props, i));
    }
    device_object_init(dev, props);
    device_apply_globals(dev);
    return dev;
}

void device_free(DeviceState *dev)
{
    g_assert(!dev->realized);
    device_release_properties(dev);
    object_finalize(OBJECT(dev));
    g_ptr_array_unref(dev->child_buses);
    g_clear_error(&dev->global_error);
    g_free(dev->id);
    g_free(dev);
}

bool device_set_property(DeviceState *dev, const char *name, const char *value,
                         GError **errp)
{
    const Property *p = property_find(dev->klass, name);

    if (!p) {
        return error_setg(errp, "Property '%s.%s' not found", dev->klass->name,
                          name);
    }
    g_assert(!dev->realized);
    return p->info->parse(dev, p, property_field(dev, p), value, errp);
}

void device_set_property_or_die(DeviceState *dev, const char *name,
                                const char *value)
{
    GError *err = NULL;

    if (!device_set_property(dev, name, value, &err)) {
        g_error("%s: %s", dev->klass->name, err->message);
    }
}

char *device_get_property(DeviceState *dev, const char *name)
{
    const Property *p = property_find(dev->klass, name);

    return p ? p->info->print(p, property_field(dev, p)) : NULL;
}

static GVariant *bus_get_realized(Object *obj, void *opaque)
{
    BusState *bus = (BusState *)obj;

    return g_variant_new_boolean(!bus->parent || bus->parent->realized);
}

BusState *bus_new(DeviceState *parent, const char *type, const char *name)
{
    BusState *bus = g_new0(BusState, 1);

    /* Bus kinds have no registry of their own: the first bus makes one. */
    type_register_simple(type, "bus", false);
    object_init(OBJECT(bus), type);
    object_add_property(OBJECT(bus), "realized", "bool", bus_get_realized, NULL,
                        NULL);
    bus->name = g_strdup(name);
    bus->type = type;
    bus->parent = parent;
    bus->children = g_ptr_array_new();
    if (parent) {
        g_ptr_array_add(parent->child_buses, bus);
        object_add_child(OBJECT(parent), name, OBJECT(bus));
    } else {
        Object *unattached = object_container_get("/machine/unattached");

        /*
         * QEMU's name for the main system bus; any further root bus gets
         * a number (only tests make those).
         */
        if (!object_try_add_child(unattached, "sysbus", OBJECT(bus), NULL)) {
            object_add_child(unattached, "sysbus[*]", OBJECT(bus));
        }
    }
    return bus;
}

BusState *bus_find(BusState *root, const char *type, const char *name)
{
    if ((!type || !strcmp(root->type, type)) &&
        (!name || !strcmp(root->name, name))) {
        return root;
    }
    for (unsigned i = 0; i < root->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(root->children, i);

        for (unsigned j = 0; j < dev->child_buses->len; j++) {
            BusState *found =
                bus_find(g_ptr_array_index(dev->child_buses, j), type, name);

            if (found) {
                return found;
            }
        }
    }
    return NULL;
}

DeviceState *device_find_by_id(BusState *root, const char *id)
{
    for (unsigned i = 0; i < root->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(root->children, i);

        if (dev->id && !strcmp(dev->id, id)) {
            return dev;
        }
        for (unsigned j = 0; j < dev->child_buses->len; j++) {
            DeviceState *found =
                device_find_by_id(g_ptr_array_index(dev->child_buses, j), id);

            if (found) {
                return found;
            }
        }
    }
    return NULL;
}

bool device_realize(DeviceState *dev, BusState *bus, GError **errp)
{
    DeviceClass *dc = dev->klass;
    Object *obj = OBJECT(dev);
    g_autofree char *link = NULL;
    bool placed = false;

    if (dc->bus_type && (!bus || strcmp(bus->type, dc->bus_type))) {
        return error_setg(errp, "Device '%s' needs a %s bus", dc->name,
                          dc->bus_type);
    }
    if (dev->global_error) {
        g_propagate_error(errp, g_error_copy(dev->global_error));
        return false;
    }
    /* Board code may have named it already (object_add_child). */
    if (!obj->parent) {
        object_add_child(object_container_get("/machine/unattached"),
                         "device[*]", obj);
        placed = true;
    }
    dev->parent_bus = bus;
    if (bus) {
        g_ptr_array_add(bus->children, dev);
        link = g_strdup_printf("child[%u]", bus->max_index++);
        object_add_link(OBJECT(bus), link, obj->type, obj);
        object_add_link(obj, "parent_bus", "bus", OBJECT(bus));
    }
    if (dc->realize && !dc->realize(dev, errp)) {
        if (bus) {
            g_ptr_array_remove(bus->children, dev);
            object_property_del(OBJECT(bus), link);
            object_property_del(obj, "parent_bus");
        }
        dev->parent_bus = NULL;
        if (placed) {
            object_unparent(obj);
        }
        return false;
    }
    dev->realized = true;
    if (dc->reset) {
        dc->reset(dev);
    }
    return true;
}

void device_unrealize(DeviceState *dev)
{
    BusState *bus = dev->parent_bus;
    Object *obj = OBJECT(dev);

    g_assert(dev->realized);
    for (unsigned i = 0; i < dev->child_buses->len; i++) {
        BusState *child = g_ptr_array_index(dev->child_buses, i);

        while (child->children->len) {
            device_unrealize(
                g_ptr_array_index(child->children, child->children->len - 1));
        }
    }
    if (dev->klass->unrealize) {
        dev->klass->unrealize(dev);
    }
    dev->realized = false;
    if (bus) {
        const GPtrArray *props = object_get_properties(OBJECT(bus));

        /* The bus's child[N] link to it goes with it. */
        for (unsigned i = 0; props && i < props->len; i++) {
            const ObjectProperty *prop = g_ptr_array_index(props, i);

            if (g_str_has_prefix(prop->name, "child[") && prop->target == obj) {
                object_property_del(OBJECT(bus), prop->name);
                break;
            }
        }
        g_ptr_array_remove(bus->children, dev);
        object_property_del(obj, "parent_bus");
        dev->parent_bus = NULL;
    }
    device_free(dev);
}

bool device_unplug(DeviceState *dev, GError **errp)
{
    BusState *bus = dev->parent_bus;

    if (!bus || !bus->hotpluggable) {
        return error_setg(errp, "Bus '%s' does not support hotplugging",
                          bus ? bus->name : "main-system-bus");
    }
    if (!dev->klass->unrealize) {
        return error_setg(errp, "Device '%s' does not support hotplugging",
                          dev->klass->name);
    }
    device_unrealize(dev);
    return true;
}

DeviceState *device_create_from_options(const char *options, BusState *root,
                                        GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(options, "driver", errp);
    const char *driver, *id, *bus_name;
    Object *peripheral;
    DeviceClass *dc;
    DeviceState *dev;
    BusState *bus = NULL;

    if (!kv) {
        return NULL;
    }
    driver = keyval_get(kv, "driver");
    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        return NULL;
    }
    dc = device_class_find(driver);
    if (!dc || dc->abstract) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return NULL;
    }
    if (!dc->user_creatable) {
        error_setg(errp, "Parameter 'driver' expects a pluggable device type");
        return NULL;
    }
    id = keyval_get(kv, "id");
    /* The id becomes a QOM path component: QEMU's identifier rule. */
    if (id && !id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    peripheral = object_container_get(id ? "/machine/peripheral"
                                         : "/machine/peripheral-anon");
    if (id &&
        (device_find_by_id(root, id) || object_property_find(peripheral, id))) {
        error_setg(errp, "Duplicate device ID '%s'", id);
        return NULL;
    }
    bus_name = keyval_get(kv, "bus");
    if (dc->bus_type) {
        bus = bus_find(root, bus_name ? NULL : dc->bus_type, bus_name);
        if (!bus) {
            if (bus_name) {
                error_setg(errp, "Bus '%s' not found", bus_name);
            } else {
                error_setg(errp, "No '%s' bus found for device '%s'",
                           dc->bus_type, driver);
            }
            return NULL;
        }
    }
    dev = device_new(driver);
    dev->id = g_strdup(id);
    for (unsigned i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key_at(kv, i);

        if (!strcmp(key, "driver") || !strcmp(key, "id") ||
            !strcmp(key, "bus")) {
            continue;
        }
        if (!device_set_property(dev, key, keyval_value_at(kv, i), errp)) {
            device_free(dev); /* releases e.g. a drive it claimed */
            return NULL;
        }
    }
    object_add_child(peripheral, id ? id : "device[*]", OBJECT(dev));
    if (!device_realize(dev, bus, errp)) {
        device_free(dev);
        return NULL;
    }
    return dev;
}

void bus_reset_all(BusState *bus)
{
    for (unsigned i = 0; i < bus->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(bus->children, i);

        for (unsigned j = 0; j < dev->child_buses->len; j++) {
            bus_reset_all(g_ptr_array_index(dev->child_buses, j));
        }
        if (dev->realized && dev->klass->reset) {
            dev->klass->reset(dev);
        }
    }
}

void bus_print_tree(BusState *bus, GString *out, int indent)
{
    g_string_append_printf(out, "%*sbus: %s\n", indent, "", bus->name);
    g_string_append_printf(out, "%*s  type %s\n", indent, "", bus->type);
    for (unsigned i = 0; i < bus->children->len; i++) {
        DeviceState *dev = g_ptr_array_index(bus->children, i);
        g_autoptr(GPtrArray) props = g_ptr_array_new();

        g_string_append_printf(out, "%*s  dev: %s, id \"%s\"\n", indent, "",
                               dev->klass->name, dev->id ? dev->id : "");
        class_properties(dev->klass, props);
        for (unsigned p = 0; p < props->len; p++) {
            const Property *prop = g_ptr_array_index(props, p);
            g_autofree char *v = device_get_property(dev, prop->name);

            g_string_append_printf(out, "%*s    %s = %s%s%s\n", indent, "",
                                   prop->name, prop->info->quoted ? "\"" : "",
                                   v, prop->info->quoted ? "\"" : "");
        }
        if (dev->klass->print_info) {
            dev->klass->print_info(dev, out, indent + 4);
        }
        for (unsigned j = 0; j < dev->child_buses->len; j++) {
            bus_print_tree(g_ptr_array_index(dev->child_buses, j), out,
                           indent + 4);
        }
    }
}

void device_init_gpio_in(DeviceState *dev, IRQHandler handler, int n)
{
    g_assert(!dev->gpio_in);
    dev->gpio_in = irq_new_array(handler, dev, n);
    dev->gpio_in_count = n;
}

IRQLine *device_get_gpio_in(DeviceState *dev, int n)
{
    g_assert(n >= 0 && n < dev->gpio_in_count);
    return dev->gpio_in[n];
}

void device_init_gpio_out(DeviceState *dev, IRQLine **pins, int n)
{
    g_assert(!dev->gpio_out);
    dev->gpio_out = pins;
    dev->gpio_out_count = n;
}

void device_connect_gpio_out(DeviceState *dev, int n, IRQLine *line)
{
    g_assert(n >= 0 && n < dev->gpio_out_count);
    dev->gpio_out[n] = line;
}

bool device_intercept_gpio_in(DeviceState *dev, IRQHandler handler,
                              void *opaque)
{
    if (!dev->gpio_in_count || dev->gpio_in[0]->handler == handler) {
        return false;
    }
    /* In place: whoever holds these lines now reaches the interceptor. */
    for (int i = 0; i < dev->gpio_in_count; i++) {
        dev->gpio_in[i]->handler = handler;
        dev->gpio_in[i]->opaque = opaque;
    }
    return true;
}

bool device_intercept_gpio_out(DeviceState *dev, IRQHandler handler,
                               void *opaque)
{
    if (!dev->gpio_out_count ||
        (dev->gpio_out[0] && dev->gpio_out[0]->handler == handler)) {
        return false;
    }
    for (int i = 0; i < dev->gpio_out_count; i++) {
        dev->gpio_out[i] = irq_new(handler, opaque, i);
    }
    return true;
}
