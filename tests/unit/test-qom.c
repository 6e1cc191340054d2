/*
 * The object model as the monitor and qtest use it: types answer is-a
 * through parents and interfaces, type lists filter and sort, children get
 * their [*] numbers, full and partial paths resolve (or are ambiguous), and
 * devices, buses, chardevs and the machine appear at QEMU's paths with
 * properties that read back what was configured.
 */
#include <string.h>

#include "hw/audio/audiodev-prop.h"
#include "hw/char/char-prop.h"
#include "hw/core/machine.h"
#include "hw/isa/isa.h"
#include "hw/net/netdev-prop.h"
#include "hw/pci/pci.h"
#include "qom/object.h"
#include "system/memory.h"

/* ---- types ------------------------------------------------------------- */

static const char *const leaf_interfaces[] = {"test-iface-sub", NULL};

static const TypeInfo test_types[] = {
    {.name = "test-iface", .parent = "interface", .abstract = true},
    {.name = "test-iface-sub", .parent = "test-iface", .abstract = true},
    {.name = "test-base", .parent = "object", .abstract = true},
    {.name = "test-leaf", .parent = "test-base", .interfaces = leaf_interfaces},
    {.name = "test-other", .parent = "object"},
};

static bool list_has(GPtrArray *list, const char *name)
{
    for (unsigned i = 0; i < list->len; i++) {
        if (!strcmp(((const TypeInfo *)list->pdata[i])->name, name)) {
            return true;
        }
    }
    return false;
}

static void test_types_is_a(void)
{
    g_assert_true(type_is_a("test-leaf", "test-leaf"));
    g_assert_true(type_is_a("test-leaf", "test-base"));
    g_assert_true(type_is_a("test-leaf", "object"));
    /* Through the interface and the interface's own parent. */
    g_assert_true(type_is_a("test-leaf", "test-iface-sub"));
    g_assert_true(type_is_a("test-leaf", "test-iface"));
    g_assert_true(type_is_a("test-leaf", "interface"));
    g_assert_false(type_is_a("test-base", "test-leaf"));
    g_assert_false(type_is_a("test-other", "test-iface"));
    g_assert_false(type_is_a("no-such-type", "object"));
    g_assert_false(type_is_a("test-leaf", "no-such-type"));

    /* The registries feed this one. */
    g_assert_true(type_is_a("isa-serial", "isa-device"));
    g_assert_true(type_is_a("isa-serial", "device"));
    g_assert_true(type_find("isa-device")->abstract);
    g_assert_true(type_is_a("chardev-null", "chardev"));
    g_assert_true(type_is_a("chardev-socket", "chardev"));
    g_assert_true(type_is_a("chardev-mux", "chardev"));
    g_assert_true(type_is_a("qtest-accel", "accel"));
    g_assert_true(type_is_a("generic-pc-machine", "machine"));
    g_assert_true(type_find("x86-machine")->abstract);
}

static void test_types_list(void)
{
    g_autoptr(GPtrArray) concrete = type_list("test-iface", false);
    g_autoptr(GPtrArray) all = type_list("test-iface", true);
    g_autoptr(GPtrArray) everything = type_list(NULL, false);
    g_autoptr(GPtrArray) devices = type_list("device", false);
    g_autoptr(GPtrArray) unknown = type_list("no-such-type", true);

    g_assert_cmpuint(concrete->len, ==, 1);
    g_assert_cmpstr(((const TypeInfo *)concrete->pdata[0])->name, ==,
                    "test-leaf");

    g_assert_cmpuint(all->len, ==, 3);
    g_assert_cmpstr(((const TypeInfo *)all->pdata[0])->name, ==, "test-iface");
    g_assert_cmpstr(((const TypeInfo *)all->pdata[1])->name, ==,
                    "test-iface-sub");
    g_assert_cmpstr(((const TypeInfo *)all->pdata[2])->name, ==, "test-leaf");

    g_assert_true(list_has(everything, "container"));
    g_assert_true(list_has(everything, "test-other"));
    g_assert_false(list_has(everything, "object"));
    g_assert_false(list_has(everything, "device"));
    for (unsigned i = 1; i < everything->len; i++) {
        g_assert_cmpint(
            strcmp(((const TypeInfo *)everything->pdata[i - 1])->name,
                   ((const TypeInfo *)everything->pdata[i])->name),
            <, 0);
    }

    g_assert_true(list_has(devices, "isa-serial"));
    g_assert_false(list_has(devices, "isa-device"));
    g_assert_false(list_has(devices, "chardev-null"));
    g_assert_cmpuint(unknown->len, ==, 0);
}

/* ---- children and paths ------------------------------------------------ */

static Object *object_new_of(const char *type)
{
    Object *obj = g_new0(Object, 1);

    object_init(obj, type);
    return obj;
}

static void test_children(void)
{
    Object *parent = object_container_get("/test-children");
    Object *a = object_new_of("test-leaf");
    Object *b = object_new_of("test-leaf");
    Object *c = object_new_of("test-other");
    Object *d = object_new_of("test-other");
    ObjectProperty *prop;
    GError *err = NULL;

    object_add_child(parent, "item[*]", a);
    object_add_child(parent, "item[*]", b);
    g_assert_cmpstr(a->name, ==, "item[0]");
    g_assert_cmpstr(b->name, ==, "item[1]");
    g_assert_true(a->parent == parent);

    prop = object_property_find(parent, "item[1]");
    g_assert_nonnull(prop);
    g_assert_cmpstr(prop->type, ==, "child<test-leaf>");
    g_assert_true(prop->child == b);

    /* A freed index is the first free one again. */
    object_unparent(a);
    g_assert_null(a->parent);
    g_assert_null(object_property_find(parent, "item[0]"));
    object_finalize(a);
    g_free(a);
    object_add_child(parent, "item[*]", c);
    g_assert_cmpstr(c->name, ==, "item[0]");

    g_assert_false(object_try_add_child(parent, "item[1]", d, &err));
    g_assert_cmpstr(err->message, ==,
                    "attempt to add duplicate property 'item[1]' to object "
                    "(type 'container')");
    g_clear_error(&err);
    g_assert_null(d->parent);
    object_finalize(d);
    g_free(d);

    /* Every object has "type"; children come after in insertion order. */
    prop = g_ptr_array_index(object_get_properties(parent), 0);
    g_assert_cmpstr(prop->name, ==, "type");
    g_assert_cmpstr(prop->type, ==, "string");
}

static void test_paths(void)
{
    Object *a = object_container_get("/test-paths/a");
    Object *b = object_container_get("/test-paths/b");
    Object *leaf_a = object_new_of("test-leaf");
    Object *leaf_b = object_new_of("test-other");
    Object *unique = object_new_of("test-leaf");
    g_autofree char *path = NULL;
    g_autofree char *root_path = object_get_path(object_root());
    bool ambiguous = true;

    object_add_child(a, "leaf", leaf_a);
    object_add_child(b, "leaf", leaf_b);
    object_add_child(b, "only-here", unique);
    object_add_link(a, "to-b", "container", b);

    path = object_get_path(leaf_a);
    g_assert_cmpstr(path, ==, "/test-paths/a/leaf");
    g_assert_cmpstr(root_path, ==, "/");
    {
        Object *loose = object_new_of("test-leaf");

        g_assert_null(object_get_path(loose));
        object_finalize(loose);
        g_free(loose);
    }

    /* Full paths, with empty components skipped and links followed. */
    g_assert_true(object_resolve_path("/", NULL) == object_root());
    g_assert_true(object_resolve_path("/test-paths/a/leaf", &ambiguous) ==
                  leaf_a);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("//test-paths/b/leaf/", NULL) == leaf_b);
    g_assert_true(object_resolve_path("/test-paths/a/to-b/only-here", NULL) ==
                  unique);
    g_assert_null(object_resolve_path("/test-paths/a/nothing", &ambiguous));
    g_assert_false(ambiguous);
    /* A non-child, non-link property is not a path component. */
    g_assert_null(object_resolve_path("/test-paths/a/type", NULL));

    /* Partial paths: unique suffixes resolve, repeated ones do not. */
    g_assert_true(object_resolve_path("only-here", &ambiguous) == unique);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("a/leaf", &ambiguous) == leaf_a);
    g_assert_false(ambiguous);
    g_assert_null(object_resolve_path("leaf", &ambiguous));
    g_assert_true(ambiguous);
    g_assert_null(object_resolve_path("no-such-name", &ambiguous));
    g_assert_false(ambiguous);
    /* A type narrows the candidates: only one "leaf" is a test-leaf. */
    g_assert_true(object_resolve_path_type("leaf", "test-leaf", &ambiguous) ==
                  leaf_a);
    g_assert_false(ambiguous);
}

static void test_property_get(void)
{
    Object *obj = object_resolve_path("/test-paths/a", NULL);
    g_autoptr(GVariant) type = NULL;
    g_autoptr(GVariant) child = NULL;
    g_autoptr(GVariant) link = NULL;
    GError *err = NULL;

    type = object_property_get(obj, "type", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(g_variant_get_string(type, NULL), ==, "container");
    g_assert_false(g_variant_is_floating(type));

    child = object_property_get(obj, "leaf", &err);
    g_assert_cmpstr(g_variant_get_string(child, NULL), ==,
                    "/test-paths/a/leaf");
    link = object_property_get(obj, "to-b", &err);
    g_assert_cmpstr(g_variant_get_string(link, NULL), ==, "/test-paths/b");
    g_assert_cmpstr(object_property_find(obj, "to-b")->type, ==,
                    "link<container>");

    g_assert_null(object_property_get(obj, "foo", &err));
    g_assert_cmpstr(err->message, ==, "Property 'container.foo' not found");
    g_clear_error(&err);
}

/* ---- devices ----------------------------------------------------------- */

typedef struct TestDev {
    DeviceState parent_obj;
    uint32_t base_prop;
    bool flag;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t level;
    uint64_t size;
    char *label;
    CharFrontend chr;
    int32_t devfn;
    MACAddr mac;
    uint8_t uuid[16];
    int mode;
    DeviceState *peer;
    NetClientState *netdev;
    AudioBackend *audiodev;
    bool fail;
} TestDev;

static bool test_dev_realize(DeviceState *dev, GError **errp)
{
    TestDev *t = (TestDev *)dev;

    if (t->fail) {
        g_set_error_literal(errp, g_quark_from_static_string("test"), 0,
                            "told to fail");
        return false;
    }
    return true;
}

static const Property test_base_props[] = {
    DEFINE_PROP_UINT32("base-prop", TestDev, base_prop, 7),
    DEFINE_PROP_END,
};

static const Property test_dev_props[] = {
    DEFINE_PROP_BOOL("flag", TestDev, flag, true),
    DEFINE_PROP_UINT8("u8", TestDev, u8, 8),
    DEFINE_PROP_UINT16("u16", TestDev, u16, 16),
    DEFINE_PROP_UINT32("u32", TestDev, u32, 32),
    DEFINE_PROP_UINT64("u64", TestDev, u64, 64),
    DEFINE_PROP_INT32("level", TestDev, level, -1),
    DEFINE_PROP_SIZE("size", TestDev, size, 4096),
    {.name = "label",
     .info = &prop_info_string,
     .offset = offsetof(TestDev, label),
     .default_string = "hello",
     .description = "a label"},
    DEFINE_PROP_CHARDEV("chardev", TestDev, chr),
    DEFINE_PROP_PCI_DEVFN("devfn", TestDev, devfn, -1),
    DEFINE_PROP_MACADDR("mac", TestDev, mac),
    DEFINE_PROP_UUID("uuid", TestDev, uuid),
    DEFINE_PROP_ON_OFF_AUTO("mode", TestDev, mode, ON_OFF_AUTO_AUTO),
    DEFINE_PROP_LINK("peer", TestDev, peer, "test-qom-base"),
    DEFINE_PROP_NETDEV("netdev", TestDev, netdev),
    DEFINE_PROP_AUDIODEV("audiodev", TestDev, audiodev),
    DEFINE_PROP_BOOL("fail", TestDev, fail, false),
    DEFINE_PROP_END,
};

static DeviceClass test_base_class = {
    .name = "test-qom-base",
    .abstract = true,
    .props = test_base_props,
};

static DeviceClass test_dev_class = {
    .name = "test-qom-dev",
    .parent = "test-qom-base",
    .bus_type = "System",
    .instance_size = sizeof(TestDev),
    .props = test_dev_props,
    .user_creatable = true,
    .realize = test_dev_realize,
};

static DeviceClass test_busless_class = {
    .name = "test-qom-busless",
    .instance_size = sizeof(DeviceState),
    .user_creatable = true,
};

static BusState *sysbus;

static BusState *test_sysbus(void)
{
    if (!sysbus) {
        sysbus = bus_new(NULL, "System", "main-system-bus");
    }
    return sysbus;
}

static GVariant *get(Object *obj, const char *name)
{
    GError *err = NULL;
    GVariant *value = object_property_get(obj, name, &err);

    g_assert_no_error(err);
    return value;
}

static void assert_string_prop(Object *obj, const char *name,
                               const char *expected)
{
    g_autoptr(GVariant) value = get(obj, name);

    g_assert_cmpstr(g_variant_get_type_string(value), ==, "s");
    g_assert_cmpstr(g_variant_get_string(value, NULL), ==, expected);
}

static void assert_path(Object *obj, const char *expected)
{
    g_autofree char *path = object_get_path(obj);

    g_assert_cmpstr(path, ==, expected);
}

static void test_device_properties(void)
{
    GError *err = NULL;
    Chardev *chr = chardev_new_from_options("null,id=qomchr", &err);
    DeviceState *dev;
    Object *obj;
    g_autoptr(GVariant) flag = NULL, u8 = NULL, u16 = NULL, u64 = NULL;
    g_autoptr(GVariant) level = NULL, size = NULL, base = NULL;
    g_autoptr(GVariant) realized = NULL;

    g_assert_no_error(err);
    dev = device_create_from_options("test-qom-dev,id=d0,flag=off,u8=200,"
                                     "level=-5,size=2M,chardev=qomchr,"
                                     "label=x",
                                     test_sysbus(), &err);
    g_assert_no_error(err);
    obj = OBJECT(dev);
    assert_path(obj, "/machine/peripheral/d0");
    g_assert_true(object_is_a(obj, "test-qom-base"));
    g_assert_true(object_is_a(obj, "device"));

    flag = get(obj, "flag");
    g_assert_true(g_variant_is_of_type(flag, G_VARIANT_TYPE_BOOLEAN));
    g_assert_false(g_variant_get_boolean(flag));
    u8 = get(obj, "u8");
    g_assert_cmpuint(g_variant_get_uint64(u8), ==, 200);
    u16 = get(obj, "u16");
    g_assert_cmpuint(g_variant_get_uint64(u16), ==, 16);
    u64 = get(obj, "u64");
    g_assert_cmpuint(g_variant_get_uint64(u64), ==, 64);
    level = get(obj, "level");
    g_assert_cmpint(g_variant_get_int32(level), ==, -5);
    size = get(obj, "size");
    g_assert_cmpuint(g_variant_get_uint64(size), ==, 2 << 20);
    base = get(obj, "base-prop");
    g_assert_cmpuint(g_variant_get_uint64(base), ==, 7);
    realized = get(obj, "realized");
    g_assert_true(g_variant_get_boolean(realized));
    assert_string_prop(obj, "label", "x");
    assert_string_prop(obj, "chardev", "qomchr");
    assert_string_prop(obj, "type", "test-qom-dev");
    assert_string_prop(obj, "parent_bus", "/machine/unattached/sysbus");

    g_assert_cmpstr(object_property_find(obj, "u8")->type, ==, "uint8");
    g_assert_cmpstr(object_property_find(obj, "size")->type, ==, "size");
    g_assert_cmpstr(object_property_find(obj, "chardev")->type, ==, "str");
    g_assert_cmpstr(object_property_find(obj, "parent_bus")->type, ==,
                    "link<bus>");
    g_assert_cmpstr(object_property_find(obj, "label")->description, ==,
                    "a label");

    /* The bus: its kind is a type, the device is its child[0] link. */
    g_assert_true(type_is_a("System", "bus"));
    assert_path(OBJECT(test_sysbus()), "/machine/unattached/sysbus");
    assert_string_prop(OBJECT(test_sysbus()), "type", "System");
    assert_string_prop(OBJECT(test_sysbus()), "child[0]",
                       "/machine/peripheral/d0");
    g_assert_cmpstr(
        object_property_find(OBJECT(test_sysbus()), "child[0]")->type, ==,
        "link<test-qom-dev>");
    g_assert_true(object_resolve_path("/machine/unattached/sysbus/child[0]",
                                      NULL) == obj);
    g_assert_true(object_resolve_path("d0", NULL) == obj);
    g_assert_true(object_resolve_path_type("d0", "device", NULL) == obj);
    g_assert_true(chr->parent_obj.parent != NULL);
}

static void test_device_placement(void)
{
    GError *err = NULL;
    DeviceState *anon, *anon2, *board, *named, *busless;

    anon = device_create_from_options("test-qom-dev", test_sysbus(), &err);
    g_assert_no_error(err);
    anon2 = device_create_from_options("test-qom-busless", test_sysbus(), &err);
    g_assert_no_error(err);
    assert_path(OBJECT(anon), "/machine/peripheral-anon/device[0]");
    assert_path(OBJECT(anon2), "/machine/peripheral-anon/device[1]");
    g_assert_null(object_property_find(OBJECT(anon2), "parent_bus"));

    board = device_new("test-qom-dev");
    g_assert_true(device_realize(board, test_sysbus(), &err));
    assert_path(OBJECT(board), "/machine/unattached/device[0]");

    named = device_new("test-qom-dev");
    object_add_child(object_machine_container(), "named", OBJECT(named));
    g_assert_true(device_realize(named, test_sysbus(), &err));
    assert_path(OBJECT(named), "/machine/named");
    g_assert_true(object_resolve_path("named", NULL) == OBJECT(named));

    busless = device_new("test-qom-busless");
    g_assert_true(device_realize(busless, NULL, &err));
    assert_path(OBJECT(busless), "/machine/unattached/device[1]");

    /* Bad ids and failed realizes leave nothing behind. */
    g_assert_null(
        device_create_from_options("test-qom-dev,id=d0", test_sysbus(), &err));
    g_assert_cmpstr(err->message, ==, "Duplicate device ID 'd0'");
    g_clear_error(&err);
    g_assert_null(
        device_create_from_options("test-qom-dev,id=a/b", test_sysbus(), &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'id' expects an identifier");
    g_clear_error(&err);
    g_assert_null(device_create_from_options("test-qom-dev,id=bad,fail=on",
                                             test_sysbus(), &err));
    g_assert_cmpstr(err->message, ==, "told to fail");
    g_clear_error(&err);
    g_assert_null(object_resolve_path("/machine/peripheral/bad", NULL));
    g_assert_null(object_property_find(OBJECT(test_sysbus()), "child[4]"));
    g_assert_nonnull(object_property_find(OBJECT(test_sysbus()), "child[3]"));
}

/* device-list-properties' view of a class from the registry. */
static void test_device_class_properties(void)
{
    g_autoptr(GPtrArray) props =
        device_class_get_properties(device_class_find("test-qom-dev"));
    const Property *last = g_ptr_array_index(props, props->len - 1);
    g_autofree char *def_level = NULL, *def_label = NULL, *def_flag = NULL;
    g_autoptr(GVariant) value = NULL;

    /* Own properties first, then the parent's. */
    g_assert_cmpuint(props->len, ==, 18);
    g_assert_cmpstr(last->name, ==, "base-prop");
    for (unsigned i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);

        if (!strcmp(p->name, "level")) {
            def_level = device_property_default_string(p);
            g_assert_cmpstr(device_property_type_name(p), ==, "int32");
        } else if (!strcmp(p->name, "label")) {
            def_label = device_property_default_string(p);
            value = device_property_default_value(p);
        } else if (!strcmp(p->name, "flag")) {
            def_flag = device_property_default_string(p);
        } else if (!strcmp(p->name, "chardev")) {
            g_assert_null(device_property_default_string(p));
            g_assert_null(device_property_default_value(p));
        }
    }
    g_assert_cmpstr(def_level, ==, "-1");
    g_assert_cmpstr(def_label, ==, "hello");
    g_assert_cmpstr(def_flag, ==, "true");
    g_assert_cmpstr(g_variant_get_string(value, NULL), ==, "hello");
}

/* Every kind parses, prints and refuses bad text with QEMU's words. */
static void test_property_kinds(void)
{
    static const struct {
        const char *name, *text, *printed;
    } good[] = {
        {"flag", "off", "false"},
        {"flag", "on", "true"},
        {"flag", "yes", "true"},
        {"u8", "255", "255"},
        {"u8", "0x10", "16"},
        {"u16", "65535", "65535"},
        {"u32", "4294967295", "4294967295"},
        {"u64", "18446744073709551615", "18446744073709551615"},
        {"level", "-2147483648", "-2147483648"},
        {"level", "2147483647", "2147483647"},
        {"size", "4k", "4096"},
        {"size", "1G", "1073741824"},
        {"label", "a,b", "a,b"},
        {"label", "", ""},
        {"devfn", "6", "06.0"},
        {"devfn", "1f.7", "1f.7"},
        {"devfn", "0x3.1", "03.1"},
        {"mac", "52:54:00:12:34:56", "52:54:00:12:34:56"},
        {"mac", "0A-0b-0C-0d-0E-0f", "0a:0b:0c:0d:0e:0f"},
        {"uuid", "6B8C1A5E-0C39-4B4A-9D3E-1F2A3B4C5D6E",
         "6b8c1a5e-0c39-4b4a-9d3e-1f2a3b4c5d6e"},
        {"mode", "on", "on"},
        {"mode", "off", "off"},
        {"mode", "auto", "auto"},
        {"netdev", "net1", "net1"},
        {"netdev", "net0", "net0"},
        {"audiodev", "snd0", "snd0"},
    };
    static const struct {
        const char *name, *text, *error;
    } bad[] = {
        {"flag", "maybe", "Parameter 'flag' expects 'on' or 'off'"},
        {"u8", "256", "Parameter 'u8' expects a value up to 255"},
        {"u8", "-1", "Parameter 'u8' expects an integer"},
        {"u16", "65536", "Parameter 'u16' expects a value up to 65535"},
        {"u32", "x", "Parameter 'u32' expects an integer"},
        {"u64", "", "Parameter 'u64' expects an integer"},
        {"level", "2147483648", "Parameter 'level' expects an integer"},
        {"level", "1.5", "Parameter 'level' expects an integer"},
        {"size", "4q", "Parameter 'size' expects a size value"},
        {"chardev", "nosuch",
         "Property 'test-qom-dev.chardev' can't find value 'nosuch'"},
        {"nosuch", "1", "Property 'test-qom-dev.nosuch' not found"},
        {"devfn", "20",
         "Property 'test-qom-dev.devfn' doesn't take value '20'"},
        {"devfn", "3.8",
         "Property 'test-qom-dev.devfn' doesn't take value '3.8'"},
        {"devfn", "3.",
         "Property 'test-qom-dev.devfn' doesn't take value '3.'"},
        {"devfn", "", "Property 'test-qom-dev.devfn' doesn't take value ''"},
        {"mac", "52:54:00:12:34",
         "Property 'test-qom-dev.mac' doesn't take value '52:54:00:12:34'"},
        {"mac", "52:54:00:12:34:567",
         "Property 'test-qom-dev.mac' doesn't take value '52:54:00:12:34:567'"},
        {"mac", "5254.0012.3456",
         "Property 'test-qom-dev.mac' doesn't take value '5254.0012.3456'"},
        {"uuid", "6b8c1a5e0c394b4a9d3e1f2a3b4c5d6e",
         "Property 'test-qom-dev.uuid' doesn't take value "
         "'6b8c1a5e0c394b4a9d3e1f2a3b4c5d6e'"},
        {"mode", "maybe", "Parameter 'mode' does not accept value 'maybe'"},
        {"peer", "nosuch", "Device 'nosuch' not found"},
        {"netdev", "nosuch",
         "Property 'test-qom-dev.netdev' can't find value 'nosuch'"},
        {"audiodev", "nosuch",
         "Property 'test-qom-dev.audiodev' can't find value 'nosuch'"},
    };
    static NetClientState net0 = {.name = "net0", .model = "test"};
    static NetClientState net1 = {.name = "net1", .model = "test"};
    static AudioBackend snd0 = {.id = "snd0", .driver = "none"};
    DeviceState *dev = device_new("test-qom-dev");
    g_autoptr(GPtrArray) props =
        device_class_get_properties(device_class_find("test-qom-dev"));
    g_autofree char *unset = device_get_property(dev, "devfn");

    g_assert_true(net_client_register(&net0));
    g_assert_true(net_client_register(&net1));
    g_assert_false(net_client_register(&net0));
    g_assert_true(audio_backend_register(&snd0));

    g_assert_cmpstr(unset, ==, "<unset>");
    for (unsigned i = 0; i < G_N_ELEMENTS(good); i++) {
        GError *err = NULL;
        g_autofree char *back = NULL;

        g_assert_true(
            device_set_property(dev, good[i].name, good[i].text, &err));
        g_assert_no_error(err);
        back = device_get_property(dev, good[i].name);
        g_assert_cmpstr(back, ==, good[i].printed);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        g_autofree char *before = device_get_property(dev, bad[i].name);
        g_autofree char *after = NULL;

        g_assert_false(
            device_set_property(dev, bad[i].name, bad[i].text, &err));
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==, bad[i].error);
        g_error_free(err);
        /* a refused value leaves the field as it was */
        after = device_get_property(dev, bad[i].name);
        g_assert_cmpstr(after, ==, before);
    }

    /* uuid: each device gets its own random one, and "auto" makes another */
    {
        DeviceState *other = device_new("test-qom-dev");
        g_autofree char *a = device_get_property(dev, "uuid");
        g_autofree char *b = device_get_property(other, "uuid");
        g_autofree char *c = NULL;

        g_assert_true(g_uuid_string_is_valid(b));
        g_assert_cmpstr(a, !=, b);
        g_assert_true(device_set_property(other, "uuid", "auto", NULL));
        c = device_get_property(other, "uuid");
        g_assert_true(g_uuid_string_is_valid(c));
        g_assert_cmpstr(c, !=, b);
        device_free(other);
    }
    /* netdev: one NIC per backend; audiodev: backends are shared */
    {
        DeviceState *other = device_new("test-qom-dev");
        GError *err = NULL;

        g_assert_true(net0.peer_nic == dev);
        g_assert_null(net1.peer_nic); /* given back when dev took net0 */
        g_assert_false(device_set_property(other, "netdev", "net0", &err));
        g_assert_cmpstr(
            err->message, ==,
            "Property 'test-qom-dev.netdev' can't take value 'net0', it's in "
            "use");
        g_clear_error(&err);
        g_assert_true(device_set_property(other, "netdev", "net1", NULL));
        g_assert_true(net1.peer_nic == other);
        g_assert_true(device_set_property(other, "audiodev", "snd0", NULL));
        device_free(other);
        g_assert_null(net1.peer_nic); /* freeing the NIC releases it */
        g_assert_true(net0.peer_nic == dev);
    }
    /* link: by id or QOM path, to an object of the link's type only */
    {
        GError *err = NULL;
        DeviceState *target = device_create_from_options(
            "test-qom-dev,id=linktarget", test_sysbus(), &err);
        g_autofree char *path = NULL;

        g_assert_no_error(err);
        g_assert_true(device_set_property(dev, "peer", "linktarget", &err));
        g_assert_no_error(err);
        g_assert_true(((TestDev *)dev)->peer == target);
        path = device_get_property(dev, "peer");
        g_assert_cmpstr(path, ==, "/machine/peripheral/linktarget");
        g_assert_false(device_set_property(dev, "peer", "/machine", &err));
        g_assert_cmpstr(err->message, ==, "Device '/machine' not found");
        g_clear_error(&err);
    }

    /* -device NAME,help: QEMU's columns, description and JSON default */
    for (unsigned i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);
        g_autofree char *line = device_property_help_line(p);

        if (!strcmp(p->name, "flag")) {
            g_assert_cmpstr(
                line, ==, "  flag=<bool>            - on/off (default: true)");
        } else if (!strcmp(p->name, "level")) {
            g_assert_cmpstr(line, ==,
                            "  level=<int32>          -  (default: -1)");
        } else if (!strcmp(p->name, "label")) {
            g_assert_cmpstr(line, ==,
                            "  label=<str>            - a label "
                            "(default: \"hello\")");
        } else if (!strcmp(p->name, "chardev")) {
            g_assert_cmpstr(line, ==,
                            "  chardev=<str>          - ID of a "
                            "chardev to use as a backend");
        } else if (!strcmp(p->name, "netdev")) {
            g_assert_cmpstr(line, ==,
                            "  netdev=<str>           - ID of a "
                            "netdev to use as a backend");
        } else if (!strcmp(p->name, "audiodev")) {
            g_assert_cmpstr(line, ==,
                            "  audiodev=<str>         - ID of an "
                            "audiodev to use as a backend");
        } else if (!strcmp(p->name, "devfn")) {
            g_assert_cmpstr(line, ==,
                            "  devfn=<int32>          - Slot and "
                            "optional function number, example: "
                            "06.0 or 06 (default: -1)");
        } else if (!strcmp(p->name, "mac")) {
            g_assert_cmpstr(line, ==,
                            "  mac=<str>              - Ethernet "
                            "6-byte MAC Address, example: "
                            "52:54:00:12:34:56");
        } else if (!strcmp(p->name, "mode")) {
            g_assert_cmpstr(line, ==,
                            "  mode=<OnOffAuto>       - on/off/auto "
                            "(default: \"auto\")");
        } else if (!strcmp(p->name, "peer")) {
            g_assert_cmpstr(line, ==, "  peer=<link<test-qom-base>>");
        } else if (!strcmp(p->name, "size")) {
            g_assert_cmpstr(line, ==,
                            "  size=<size>            -  (default: 4096)");
        }
    }
    device_free(dev);
    g_assert_null(net0.peer_nic);
    net_client_unregister(&net0);
    net_client_unregister(&net1);
    g_assert_null(net_client_find("net0"));
    audio_backend_unregister(&snd0);
}

/* A bridge device of the test's own to carry an ISA bus. */
static DeviceClass test_bridge_class = {
    .name = "test-isa-bridge",
    .category = DEVICE_CATEGORY_BRIDGE,
    .instance_size = sizeof(DeviceState),
};

/* A real device from the registry on a real ISA bus. */
static void test_isa_serial(void)
{
    static MemoryRegion io, mem;
    IRQLine *irqs[ISA_NUM_IRQS] = {NULL};
    GError *err = NULL;
    DeviceState *bridge = device_new("test-isa-bridge");
    ISABus *isa;
    DeviceState *serial;
    g_autoptr(GVariant) iobase = NULL, irq = NULL;
    g_autofree char *bridge_path = NULL, *bus_path = NULL;

    memory_region_init_container(&io, "test-io", 0x10000);
    memory_region_init_container(&mem, "test-mem", UINT64_MAX);
    g_assert_true(device_realize(bridge, test_sysbus(), &err));
    isa = isa_bus_new(bridge, &io, &mem, irqs);
    g_assert_nonnull(chardev_new_from_options("null,id=qomserial", &err));
    serial = device_create_from_options(
        "isa-serial,id=com1,index=0,chardev=qomserial", test_sysbus(), &err);
    g_assert_no_error(err);

    bridge_path = object_get_path(OBJECT(bridge));
    bus_path = g_strdup_printf("%s/isa.0", bridge_path);
    assert_path(OBJECT(isa->bus), bus_path);
    assert_string_prop(OBJECT(isa->bus), "type", "ISA");
    assert_string_prop(OBJECT(serial), "parent_bus", bus_path);
    assert_string_prop(OBJECT(serial), "chardev", "qomserial");
    iobase = get(OBJECT(serial), "iobase");
    g_assert_cmpuint(g_variant_get_uint64(iobase), ==, 0x3f8);
    irq = get(OBJECT(serial), "irq");
    g_assert_cmpuint(g_variant_get_uint64(irq), ==, 4);
    g_assert_cmpstr(object_property_find(OBJECT(serial), "iobase")->type, ==,
                    "uint32");
    g_assert_cmpstr(object_property_find(OBJECT(bridge), "isa.0")->type, ==,
                    "child<ISA>");
    g_assert_true(object_resolve_path("isa.0", NULL) == OBJECT(isa->bus));
    g_assert_true(object_resolve_path("com1", NULL) == OBJECT(serial));

    /* device_del: refused on a bus without hotplug, QEMU's words. */
    g_assert_false(device_unplug(serial, &err));
    g_assert_cmpstr(err->message, ==,
                    "Bus 'isa.0' does not support "
                    "hotplugging");
    g_clear_error(&err);
    /* Where the bus allows it, the port, its QOM path and its id go... */
    isa->bus->hotpluggable = true;
    g_assert_true(device_unplug(serial, &err));
    g_assert_no_error(err);
    g_assert_null(object_resolve_path("com1", NULL));
    g_assert_cmpuint(isa->bus->children->len, ==, 0);
    g_assert_cmpuint(io.subregions ? io.subregions->len : 0, ==, 0);
    /* ...the chardev is free for another front end, the id and port too. */
    serial = device_create_from_options(
        "isa-serial,id=com1,index=0,chardev=qomserial", test_sysbus(), &err);
    g_assert_no_error(err);
    g_assert_true(object_resolve_path("com1", NULL) == OBJECT(serial));
    g_assert_cmpuint(io.subregions->len, ==, 1);
    isa->bus->hotpluggable = false;
    /* A type without unrealize cannot be taken out. */
    {
        DeviceState *p92 = device_new("port92");

        g_assert_true(device_realize(p92, isa->bus, &err));
        isa->bus->hotpluggable = true;
        g_assert_false(device_unplug(p92, &err));
        g_assert_cmpstr(err->message, ==,
                        "Device 'port92' does not support "
                        "hotplugging");
        g_clear_error(&err);
        isa->bus->hotpluggable = false;
    }
}

static void test_chardevs(void)
{
    Object *chr = object_resolve_path("/chardevs/qomchr", NULL);

    g_assert_nonnull(chr);
    g_assert_true(chr == OBJECT(chardev_find("qomchr")));
    assert_string_prop(chr, "type", "chardev-null");
    g_assert_true(object_is_a(chr, "chardev"));
}

/* Runs after the devices: everything added to /machine so far is kept. */
static void test_machine(void)
{
    static const MachineClass test_machine_class = {.name = "test-board"};
    MachineState *ms = g_new0(MachineState, 1);
    Object *d0 = object_resolve_path("/machine/peripheral/d0", NULL);
    Object *named = object_resolve_path("/machine/named", NULL);
    g_autoptr(GString) tree = g_string_new(NULL);

    ms->klass = &test_machine_class;
    ms->kernel_filename = "bzImage";
    machine_object_init(ms);

    g_assert_true(object_resolve_path("/machine", NULL) == OBJECT(ms));
    g_assert_true(object_machine_container() == OBJECT(ms));
    assert_string_prop(OBJECT(ms), "type", "test-board-machine");
    assert_string_prop(OBJECT(ms), "kernel", "bzImage");
    assert_string_prop(OBJECT(ms), "append", "");
    g_assert_true(type_is_a("test-board-machine", "generic-pc-machine"));
    g_assert_true(type_is_a("test-board-machine", "x86-machine"));
    g_assert_true(type_is_a("test-board-machine", "machine"));

    g_assert_true(object_resolve_path("/machine/peripheral/d0", NULL) == d0);
    g_assert_true(object_resolve_path("/machine/named", NULL) == named);
    assert_path(d0, "/machine/peripheral/d0");
    assert_string_prop(OBJECT(test_sysbus()), "child[0]",
                       "/machine/peripheral/d0");
    g_assert_cmpstr(object_property_find(OBJECT(ms), "peripheral")->type, ==,
                    "child<container>");
    g_assert_cmpstr(object_property_find(OBJECT(ms), "unattached")->type, ==,
                    "child<container>");
    g_assert_cmpstr(object_property_find(OBJECT(ms), "peripheral-anon")->type,
                    ==, "child<container>");
    g_assert_cmpstr(object_property_find(object_root(), "machine")->type, ==,
                    "child<test-board-machine>");

    object_print_tree(OBJECT(ms), tree);
    g_assert_true(
        g_str_has_prefix(tree->str, "/machine (test-board-machine)\n"));
    g_assert_nonnull(strstr(tree->str, "\n  /peripheral (container)\n"
                                       "    /d0 (test-qom-dev)\n"));
    g_assert_nonnull(strstr(tree->str, "\n    /sysbus (System)\n"));
    if (g_test_verbose()) {
        g_test_message("%s", tree->str);
    }
}

typedef struct CastProbe {
    DeviceState parent_obj;
} CastProbe;

/* A checked cast lets the device's own type and its ancestors through. */
static void test_device_cast(void)
{
    DeviceState *dev = device_new("port92");

    g_assert_true(DEVICE_CAST(CastProbe, dev, "port92") == (CastProbe *)dev);
    g_assert_true(DEVICE_CAST(CastProbe, dev, "isa-device") ==
                  (CastProbe *)dev);
    if (g_test_subprocess()) {
        /* A port92 taken for a serial port is a bug: it must not pass. */
        DEVICE_CAST(CastProbe, dev, "isa-serial");
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr(
        "*a device of type port92 used as type isa-serial*");
    device_free(dev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(test_types); i++) {
        type_register(&test_types[i]);
    }
    device_class_register(&test_base_class);
    device_class_register(&test_dev_class);
    device_class_register(&test_busless_class);
    device_class_register(&test_bridge_class);

    /* One level: GLib runs a suite's own cases before its sub-suites. */
    g_test_add_func("/qom/types-is-a", test_types_is_a);
    g_test_add_func("/qom/types-list", test_types_list);
    g_test_add_func("/qom/children", test_children);
    g_test_add_func("/qom/paths", test_paths);
    g_test_add_func("/qom/property-get", test_property_get);
    g_test_add_func("/qom/device-properties", test_device_properties);
    g_test_add_func("/qom/device-placement", test_device_placement);
    g_test_add_func("/qom/device-class-properties",
                    test_device_class_properties);
    g_test_add_func("/qom/property-kinds", test_property_kinds);
    g_test_add_func("/qom/isa-serial", test_isa_serial);
    g_test_add_func("/qom/chardevs", test_chardevs);
    /* Last: the machine adopts what the tests above put under /machine. */
    g_test_add_func("/qom/machine", test_machine);
    g_test_add_func("/qom/device-cast", test_device_cast);
    return g_test_run();
}
