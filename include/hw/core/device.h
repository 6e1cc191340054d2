/*
 * The device model: a registry of device types (name -> class with
 * properties, realize and reset), and a tree machine -> buses -> devices.
 *
 * A device type embeds DeviceState as its first member and registers a
 * DeviceClass from a type_init() constructor. -device, "info qtree" and
 * QMP introspection all read this registry; no device is reachable only
 * through a global.
 */
#ifndef HW_CORE_DEVICE_H
#define HW_CORE_DEVICE_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hw/core/irq.h"
#include "qom/object.h"

typedef struct DeviceState DeviceState;
typedef struct BusState BusState;
typedef struct DeviceClass DeviceClass;

typedef struct Property Property;

/*
 * A property kind: how a field of that kind is set from text (-device,
 * board code), read back, shown to qom-get, defaulted and released. The
 * core knows kinds only through this table, so a backend's kind (chardev=,
 * drive=, netdev=) lives beside its backend and the core includes none of
 * their headers.
 */
typedef struct PropertyInfo {
    const char *name;        /* the type QEMU shows: "bool", "uint32", "str" */
    const char *description; /* for properties without their own */
    /* Puts the field at p's default (a fresh device is zeroed). */
    void (*set_default)(const Property *p, void *field);
    /* Sets the field from text; false with QEMU's message on bad input. */
    bool (*parse)(DeviceState *dev, const Property *p, void *field,
                  const char *text, GError **errp);
    /* The field as text ("info qtree", device_get_property); g_free it. */
    char *(*print)(const Property *p, const void *field);
    /* The field as qom-get returns it (a floating GVariant); NULL: a string,
     * the text print gives. */
    GVariant *(*get)(const Property *p, const void *field);
    /* p's default as qom-get would return it; NULL when there is none. */
    GVariant *(*default_value)(const Property *p);
    /* Frees what parse or set_default allocated (NULL: nothing). */
    void (*release)(const Property *p, void *field);
    bool quoted; /* "info qtree" shows the text in quotes */
    /* An enum kind's names, by value, NULL-terminated (an int field). */
    const char *const *enum_table;
} PropertyInfo;

struct Property {
    const char *name;
    const PropertyInfo *info;
    size_t offset;
    uint64_t default_value; /* numbers and bools */
    const char *default_string;
    const char *description;
    const char *link_type; /* link kind: the type the target must be */
};

extern const PropertyInfo prop_info_bool, prop_info_uint8, prop_info_uint16,
    prop_info_uint32, prop_info_uint64, prop_info_int32, prop_info_size,
    prop_info_string, prop_info_macaddr, prop_info_uuid, prop_info_on_off_auto,
    prop_info_lost_tick_policy, prop_info_link;

/* int32's callbacks, for kinds that keep an int32_t (PCI's addr=). */
void prop_int32_set_default(const Property *p, void *field);
GVariant *prop_int32_get(const Property *p, const void *field);
GVariant *prop_int32_default(const Property *p);

/* A MAC address field (macaddr kind), as "52:54:00:12:34:56". */
typedef struct MACAddr {
    uint8_t a[6];
} MACAddr;

/* QEMU's LostTickPolicy: what a timer does with ticks the guest missed. */
typedef enum {
    LOST_TICK_POLICY_DISCARD,
    LOST_TICK_POLICY_DELAY,
    LOST_TICK_POLICY_SLEW,
} LostTickPolicy;

/* QEMU's OnOffAuto (the on-off-auto enum kind; an int field). */
typedef enum {
    ON_OFF_AUTO_AUTO,
    ON_OFF_AUTO_ON,
    ON_OFF_AUTO_OFF,
} OnOffAuto;

/*
 * An enum kind of an int field: QEMU's type name, a description and the
 * names by value (NULL-terminated); a subsystem defines its own enums so.
 */
void prop_enum_set_default(const Property *p, void *field);
bool prop_enum_parse(DeviceState *dev, const Property *p, void *field,
                     const char *text, GError **errp);
char *prop_enum_print(const Property *p, const void *field);
GVariant *prop_enum_default(const Property *p);
#define PROP_ENUM_KIND(type, desc, names)                                      \
    {                                                                          \
        .name = (type), .description = (desc),                                 \
        .set_default = prop_enum_set_default, .parse = prop_enum_parse,        \
        .print = prop_enum_print, .default_value = prop_enum_default,          \
        .enum_table = (names)                                                  \
    }

#define DEFINE_PROP(n, st, field, kind, def)                                   \
    {                                                                          \
        .name = (n), .info = &(kind), .offset = offsetof(st, field),           \
        .default_value = (def)                                                 \
    }
#define DEFINE_PROP_BOOL(n, st, f, d) DEFINE_PROP(n, st, f, prop_info_bool, d)
#define DEFINE_PROP_UINT8(n, st, f, d) DEFINE_PROP(n, st, f, prop_info_uint8, d)
#define DEFINE_PROP_UINT16(n, st, f, d)                                        \
    DEFINE_PROP(n, st, f, prop_info_uint16, d)
#define DEFINE_PROP_UINT32(n, st, f, d)                                        \
    DEFINE_PROP(n, st, f, prop_info_uint32, d)
#define DEFINE_PROP_UINT64(n, st, f, d)                                        \
    DEFINE_PROP(n, st, f, prop_info_uint64, d)
#define DEFINE_PROP_INT32(n, st, f, d) DEFINE_PROP(n, st, f, prop_info_int32, d)
/* uint64_t with K/M/G suffixes */
#define DEFINE_PROP_SIZE(n, st, f, d) DEFINE_PROP(n, st, f, prop_info_size, d)
/* char *, owned by the device */
#define DEFINE_PROP_MACADDR(n, st, f)                                          \
    {                                                                          \
        .name = (n), .info = &prop_info_macaddr, .offset = offsetof(st, f)     \
    }
/* uint8_t[16]; default "auto", a random UUID per device, as in QEMU */
#define DEFINE_PROP_UUID(n, st, f)                                             \
    {                                                                          \
        .name = (n), .info = &prop_info_uuid, .offset = offsetof(st, f)        \
    }
#define DEFINE_PROP_ON_OFF_AUTO(n, st, f, d)                                   \
    DEFINE_PROP(n, st, f, prop_info_on_off_auto, d)
#define DEFINE_PROP_LOSTTICKPOLICY(n, st, f, d)                                \
    DEFINE_PROP(n, st, f, prop_info_lost_tick_policy, d)
/* DeviceState *, set from a device id or QOM path; the target must be a t */
#define DEFINE_PROP_LINK(n, st, f, t)                                          \
    {                                                                          \
        .name = (n), .info = &prop_info_link, .offset = offsetof(st, f),       \
        .link_type = (t)                                                       \
    }
#define DEFINE_PROP_STRING(n, st, f)                                           \
    {                                                                          \
        .name = (n), .info = &prop_info_string, .offset = offsetof(st, f)      \
    }
#define DEFINE_PROP_END                                                        \
    {                                                                          \
        .name = NULL                                                           \
    }

typedef enum {
    DEVICE_CATEGORY_MISC,
    DEVICE_CATEGORY_INPUT,
    DEVICE_CATEGORY_DISPLAY,
    DEVICE_CATEGORY_NETWORK,
    DEVICE_CATEGORY_STORAGE,
    DEVICE_CATEGORY_SOUND,
    DEVICE_CATEGORY_BRIDGE,
    DEVICE_CATEGORY_MAX
} DeviceCategory;

struct DeviceClass {
    const char *name;
    const char *parent;            /* abstract parent type name, or NULL */
    const char *const *interfaces; /* QOM interfaces (NULL-terminated) */
    const char *description;
    const char *bus_type; /* the kind of bus it plugs into, NULL for none */
    DeviceCategory category;
    size_t instance_size;
    const Property *props;
    bool user_creatable; /* may be created with -device */
    bool abstract;
    bool (*realize)(DeviceState *dev, GError **errp);
    /*
     * Undoes realize (unmaps its regions, frees its timers, lowers its
     * lines); NULL for a device that cannot be taken out while the machine
     * runs. Properties are released by the core afterwards.
     */
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
    /*
     * What of the device's state the guest can see, for saving the machine
     * (hw/core/vmstate.h). Every concrete device has one: a device without
     * state has one with no fields, a device that cannot be saved yet one
     * with an unmigratable reason.
     */
    const struct VMStateDescription *vmsd;
    /* Appends device-specific lines to "info qtree". */
    void (*print_info)(DeviceState *dev, GString *out, int indent);
};

/*
 * The QOM side: a device type is also a QOM type (parent "device" when the
 * class names none), and every device is an Object with a "type" property,
 * its class properties, "realized", "hotpluggable", "hotplugged" and, on a
 * bus, "parent_bus". Realize puts a device that has no parent yet at
 * /machine/unattached/device[N]; -device puts it at /machine/peripheral/ID
 * or /machine/peripheral-anon/device[N].
 */
struct DeviceState {
    Object parent_obj; /* first: OBJECT(dev) works for every device */
    DeviceClass *klass;
    char *id; /* user-given id=, or NULL */
    BusState *parent_bus;
    GPtrArray *child_buses; /* BusState * */
    bool realized;
    /*
     * GPIO lines: inputs the device owns (an interrupt controller's pins)
     * and outputs it drives (a pointer to the device's own IRQLine * array,
     * filled by whoever connects them). qtest intercepts both by QOM path.
     */
    IRQLine **gpio_in;
    int gpio_in_count;
    IRQLine **gpio_out;
    int gpio_out_count;
    /* A -global for this type that did not apply; realize fails with it. */
    GError *global_error;
};

/*
 * A bus is a QOM object of its kind ("System", "ISA"), the child of its
 * parent device under its name, or /machine/unattached/sysbus when it has
 * no parent device; the devices on it are its "child[N]" links.
 */
struct BusState {
    Object parent_obj;
    char *name;       /* "isa.0", "main-system-bus" */
    const char *type; /* matches DeviceClass.bus_type */
    DeviceState *parent;
    GPtrArray *children; /* DeviceState *, in creation order */
    void *opaque;        /* the bus kind's own data (ISABus, ...) */
    unsigned max_index;  /* next "child[N]" number, never reused */
    bool hotpluggable;   /* devices may be unplugged while it runs */
};

#define type_init(fn)                                                          \
    static void __attribute__((constructor)) fn##_register_types(void)         \
    {                                                                          \
        fn();                                                                  \
    }

void device_class_register(DeviceClass *dc);
DeviceClass *device_class_find(const char *name);
/* True if dc is type_name or inherits from it. */
bool device_class_is(DeviceClass *dc, const char *type_name);
/* All registered classes, sorted by name. Free with g_ptr_array_unref. */
GPtrArray *device_class_list(void);
void device_class_print_help(FILE *out);
void device_class_print_properties(DeviceClass *dc, FILE *out);
/*
 * For device-list-properties: dc's properties then its parents'
 * (const Property *; g_ptr_array_unref), each property's type in QEMU's
 * spelling ("bool", "uint32", "size", "str"), and its default: as text
 * ("true", "16", "ttyS0"; NULL when it has none, like a chardev) or as a
 * floating GVariant of the kind qom-get returns (NULL when none).
 */
GPtrArray *device_class_get_properties(DeviceClass *dc);
const char *device_property_type_name(const Property *p);
/* One line of "-device NAME,help" for p, as QEMU prints it (g_free). */
char *device_property_help_line(const Property *p);
/* p's own description, or its kind's (NULL when neither has one). */
const char *device_property_description(const Property *p);
char *device_property_default_string(const Property *p);
GVariant *device_property_default_value(const Property *p);

/* Allocates a device with its properties at their defaults. */
DeviceState *device_new(const char *type_name);
/*
 * -global DRIVER.PROPERTY=VALUE: a default for every device of DRIVER or
 * of a type derived from it, applied as it is created, in the order the
 * globals were given. A value the property refuses makes that device's
 * realize fail ("can't apply global D.P=V: ..."), as in QEMU.
 */
void device_global_add(const char *driver, const char *property,
                       const char *value);
/* QEMU's warning for each global whose driver is no device type. */
void device_globals_check(void);
/* Forgets every global (unit tests). */
void device_globals_clear(void);
/* Frees a device that is not (or no longer) realized, and what it holds. */
void device_free(DeviceState *dev);
bool device_set_property(DeviceState *dev, const char *name, const char *value,
                         GError **errp);
/* Sets a property from the string form; aborts on failure (board code). */
void device_set_property_or_die(DeviceState *dev, const char *name,
                                const char *value);
/* Reads a property back as a string (g_free it). */
char *device_get_property(DeviceState *dev, const char *name);
/* Plugs dev into bus (may be NULL for bus-less devices) and realizes it. */
bool device_realize(DeviceState *dev, BusState *bus, GError **errp);
/*
 * Takes a realized device out: its child buses' devices first, then its own
 * unrealize, its properties' hold (drive, chardev), its place on the bus and
 * in the QOM tree. The device's memory is freed; dev is gone afterwards.
 */
void device_unrealize(DeviceState *dev);
/*
 * device_del: unplugs dev if its bus and its type allow it, with QEMU's
 * messages otherwise.
 */
bool device_unplug(DeviceState *dev, GError **errp);
/* Creates, configures from "key=value" pairs in opts and realizes. */
DeviceState *device_create_from_options(const char *options, BusState *root,
                                        GError **errp);

/* Allocates n input lines that call handler(dev, pin, level). */
void device_init_gpio_in(DeviceState *dev, IRQHandler handler, int n);
IRQLine *device_get_gpio_in(DeviceState *dev, int n);
/* pins is the device's own array of n output lines (initially NULL). */
void device_init_gpio_out(DeviceState *dev, IRQLine **pins, int n);
void device_connect_gpio_out(DeviceState *dev, int n, IRQLine *line);
/*
 * Test hooks (qtest irq_intercept_in/out): every input line of dev now calls
 * handler(opaque, pin, level) instead of the device; every output line of
 * dev is replaced by one that calls handler. False if dev has no such lines
 * or they were already intercepted.
 */
bool device_intercept_gpio_in(DeviceState *dev, IRQHandler handler,
                              void *opaque);
bool device_intercept_gpio_out(DeviceState *dev, IRQHandler handler,
                               void *opaque);

BusState *bus_new(DeviceState *parent, const char *type, const char *name);
/* The first bus of the tree (depth first) with the given type or name. */
BusState *bus_find(BusState *root, const char *type, const char *name);
DeviceState *device_find_by_id(BusState *root, const char *id);

/* Resets every realized device below bus, children before parents. */
void bus_reset_all(BusState *bus);
void bus_print_tree(BusState *bus, GString *out, int indent);

#define DEVICE(obj) (&(obj)->parent_obj)

/*
 * DEVICE_CAST(FooState, dev, TYPE_FOO): dev (a DeviceState *, or a device
 * state whose first member leads to one, such as a PCIDevice *) as the
 * FooState that contains it. FooState must start with its parent device
 * (checked when it compiles); in builds with assertions, dev's type must
 * be TYPE_FOO or derive from it, and a mismatch aborts with both names. A
 * mismatch is a pcvm bug: no guest or command line can cause one.
 */
#define DEVICE_CAST(T, dev, type_name)                                         \
    ((void)sizeof(char[offsetof(T, parent_obj) == 0 ? 1 : -1]),                \
     (T *)device_cast_check((dev), (type_name), __FILE__, __LINE__))
#ifdef NDEBUG
static inline void *device_cast_check(const void *dev, const char *type_name,
                                      const char *file, int line)
{
    return (void *)dev;
}
#else
void *device_cast_check(const void *dev, const char *type_name,
                        const char *file, int line);
#endif

#endif
