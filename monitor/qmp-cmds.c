/*
 * The QMP commands: one table gives each command's handler, its arguments
 * (checked before the handler runs, with QEMU 7.2's messages) and its
 * return type; query-qmp-schema describes the same table in QEMU's
 * introspection format (SchemaInfo), with type names masked as QEMU does.
 *
 * Return values have QEMU 7.2's shapes (QEMU's qapi/ schema files); members are
 * added in QAPI declaration order so the QMP writer can reproduce QEMU's
 * member order.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/drive.h"
#include "config-host.h"
#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/pci/pci.h"
#include "monitor/monitor-internal.h"
#include "qom/object.h"
#include "accel/accel.h"
#include "system/runstate.h"
#include "target/i386/cpu.h"
#include "ui/input.h"
#include "util/error.h"

/* ---- the schema types --------------------------------------------------- */

typedef struct QmpVariant {
    const char *tag_value;
    const char *type;
} QmpVariant;

typedef struct QmpSchemaType {
    const char *name;
    bool is_enum;
    const QmpMember *members; /* objects */
    const char *tag;          /* objects with variants (unions) */
    const QmpVariant *variants;
    const char *const *values; /* enums */
} QmpSchemaType;

static const char *const qmp_capability_values[] = {"oob", NULL};

static const char *const run_state_values[] = {
    "debug",      "inmigrate",   "internal-error", "io-error",
    "paused",     "postmigrate", "prelaunch",      "finish-migrate",
    "restore-vm", "running",     "save-vm",        "shutdown",
    "suspended",  "watchdog",    "guest-panicked", "colo",
    NULL};

static const char *const shutdown_cause_values[] = {
    "none",        "host-error",      "host-qmp-quit",  "host-qmp-system-reset",
    "host-signal", "host-ui",         "guest-shutdown", "guest-reset",
    "guest-panic", "subsystem-reset", "snapshot-load",  NULL};

static const char *const sys_emu_target_values[] = {
    "aarch64",      "alpha",   "arm",         "avr",      "cris",
    "hppa",         "i386",    "loongarch64", "m68k",     "microblaze",
    "microblazeel", "mips",    "mips64",      "mips64el", "mipsel",
    "nios2",        "or1k",    "ppc",         "ppc64",    "riscv32",
    "riscv64",      "rx",      "s390x",       "sh4",      "sh4eb",
    "sparc",        "sparc64", "tricore",     "x86_64",   "xtensa",
    "xtensaeb",     NULL};

static const char *const schema_meta_type_values[] = {
    "builtin",   "enum",    "array", "object",
    "alternate", "command", "event", NULL};

static const char *const json_type_values[] = {"string",  "number", "int",
                                               "boolean", "null",   "object",
                                               "array",   "value",  NULL};

static const QmpMember version_triple_members[] = {
    {"major", "int"}, {"minor", "int"}, {"micro", "int"}, {NULL}};
static const QmpMember version_info_members[] = {
    {"qemu", "VersionTriple"}, {"package", "str"}, {NULL}};
static const QmpMember status_info_members[] = {{"running", "bool"},
                                                {"singlestep", "bool"},
                                                {"status", "RunState"},
                                                {NULL}};
static const QmpMember command_info_members[] = {{"name", "str"}, {NULL}};
static const QmpMember machine_info_members[] = {
    {"name", "str"},
    {"alias", "str", true},
    {"is-default", "bool", true},
    {"cpu-max", "int"},
    {"hotpluggable-cpus", "bool"},
    {"numa-mem-supported", "bool"},
    {"deprecated", "bool"},
    {"default-cpu-type", "str", true},
    {"default-ram-id", "str", true},
    {NULL}};
static const QmpMember kvm_info_members[] = {
    {"enabled", "bool"}, {"present", "bool"}, {NULL}};
static const QmpMember cpu_instance_properties_members[] = {
    {"node-id", "int", true},
    {"socket-id", "int", true},
    {"die-id", "int", true},
    {"cluster-id", "int", true},
    {"core-id", "int", true},
    {"thread-id", "int", true},
    {NULL}};
static const QmpMember cpu_info_fast_members[] = {
    {"cpu-index", "int"},       {"qom-path", "str"},
    {"thread-id", "int"},       {"props", "CpuInstanceProperties", true},
    {"target", "SysEmuTarget"}, {NULL}};
static const QmpMember cpu_definition_info_members[] = {
    {"name", "str"},
    {"migration-safe", "bool", true},
    {"static", "bool"},
    {"unavailable-features", "[str]", true},
    {"typename", "str"},
    {"deprecated", "bool"},
    {NULL}};
static const QmpMember cpu_model_info_members[] = {
    {"name", "str"}, {"props", "any", true}, {NULL}};
static const QmpMember cpu_model_expansion_info_members[] = {
    {"model", "CpuModelInfo"}, {NULL}};
static const char *const cpu_model_expansion_type_values[] = {"static", "full",
                                                              NULL};
static const char *const guest_panic_action_values[] = {"pause", "poweroff",
                                                        "run", NULL};
static const QmpMember guest_panic_event_members[] = {
    {"action", "GuestPanicAction"}, {NULL}};
static const QmpMember balloon_info_members[] = {{"actual", "int"}, {NULL}};
static const QmpMember block_info_members[] = {
    {"device", "str"},
    {"qdev", "str", true},
    {"type", "str"},
    {"removable", "bool"},
    {"locked", "bool"},
    {"inserted", "BlockDeviceInfo", true},
    {"tray_open", "bool", true},
    {NULL}};
static const QmpMember block_device_info_members[] = {
    {"file", "str"},
    {"node-name", "str", true},
    {"ro", "bool"},
    {"drv", "str"},
    {"backing_file_depth", "int"},
    {"encrypted", "bool"},
    {"detect_zeroes", "BlockdevDetectZeroesOptions"},
    {"bps", "int"},
    {"bps_rd", "int"},
    {"bps_wr", "int"},
    {"iops", "int"},
    {"iops_rd", "int"},
    {"iops_wr", "int"},
    {"image", "ImageInfo"},
    {"cache", "BlockdevCacheInfo"},
    {"write_threshold", "int"},
    {NULL}};
static const QmpMember image_info_members[] = {
    {"filename", "str"},          {"format", "str"},
    {"virtual-size", "int"},      {"actual-size", "int", true},
    {"dirty-flag", "bool", true}, {NULL}};
static const QmpMember blockdev_cache_info_members[] = {
    {"writeback", "bool"}, {"direct", "bool"}, {"no-flush", "bool"}, {NULL}};
static const char *const detect_zeroes_values[] = {"off", "on", "unmap", NULL};
static const QmpMember pci_info_members[] = {
    {"bus", "int"}, {"devices", "[PciDeviceInfo]"}, {NULL}};
static const QmpMember pci_device_info_members[] = {
    {"bus", "int"},
    {"slot", "int"},
    {"function", "int"},
    {"class_info", "PciDeviceClass"},
    {"id", "PciDeviceId"},
    {"irq", "int", true},
    {"irq_pin", "int"},
    {"qdev_id", "str"},
    {"regions", "[PciMemoryRegion]"},
    {NULL}};
static const QmpMember pci_device_class_members[] = {
    {"desc", "str", true}, {"class", "int"}, {NULL}};
static const QmpMember pci_device_id_members[] = {
    {"device", "int"},
    {"vendor", "int"},
    {"subsystem", "int", true},
    {"subsystem-vendor", "int", true},
    {NULL}};
static const QmpMember pci_memory_region_members[] = {
    {"bar", "int"},
    {"type", "str"},
    {"address", "int"},
    {"size", "int"},
    {"prefetch", "bool", true},
    {"mem_type_64", "bool", true},
    {NULL}};
static const QmpMember object_property_info_members[] = {
    {"name", "str"},
    {"type", "str"},
    {"description", "str", true},
    {"default-value", "any", true},
    {NULL}};
static const QmpMember object_type_info_members[] = {{"name", "str"},
                                                     {"abstract", "bool", true},
                                                     {"parent", "str", true},
                                                     {NULL}};
static const QmpMember shutdown_event_members[] = {
    {"guest", "bool"}, {"reason", "ShutdownCause"}, {NULL}};

/* SchemaInfo: the introspection format describes itself too. */
static const QmpMember schema_info_members[] = {{"name", "str"},
                                                {"meta-type", "SchemaMetaType"},
                                                {"features", "[str]", true},
                                                {NULL}};
static const QmpVariant schema_info_variants[] = {
    {"builtin", "SchemaInfoBuiltin"},     {"enum", "SchemaInfoEnum"},
    {"array", "SchemaInfoArray"},         {"object", "SchemaInfoObject"},
    {"alternate", "SchemaInfoAlternate"}, {"command", "SchemaInfoCommand"},
    {"event", "SchemaInfoEvent"},         {NULL, NULL}};
static const QmpMember schema_info_builtin_members[] = {
    {"json-type", "JSONType"}, {NULL}};
static const QmpMember schema_info_enum_members[] = {
    {"members", "[SchemaInfoEnumMember]"}, {"values", "[str]"}, {NULL}};
static const QmpMember schema_info_enum_member_members[] = {
    {"name", "str"}, {"features", "[str]", true}, {NULL}};
static const QmpMember schema_info_array_members[] = {{"element-type", "str"},
                                                      {NULL}};
static const QmpMember schema_info_object_members[] = {
    {"members", "[SchemaInfoObjectMember]"},
    {"tag", "str", true},
    {"variants", "[SchemaInfoObjectVariant]", true},
    {NULL}};
static const QmpMember schema_info_object_member_members[] = {
    {"name", "str"},
    {"type", "str"},
    {"default", "any", true},
    {"features", "[str]", true},
    {NULL}};
static const QmpMember schema_info_object_variant_members[] = {
    {"case", "str"}, {"type", "str"}, {NULL}};
static const QmpMember schema_info_alternate_members[] = {
    {"members", "[SchemaInfoAlternateMember]"}, {NULL}};
static const QmpMember schema_info_alternate_member_members[] = {
    {"type", "str"}, {NULL}};
static const QmpMember schema_info_command_members[] = {
    {"arg-type", "str"},
    {"ret-type", "str"},
    {"allow-oob", "bool", true},
    {NULL}};
static const QmpMember schema_info_event_members[] = {{"arg-type", "str"},
                                                      {NULL}};
static const QmpMember no_members[] = {{NULL}};

/* send-key's KeyValue: a union on "type" (KeyValueKind). */
static const char *const key_value_kind_values[] = {"number", "qcode", NULL};
static const char *qkeycode_values[Q_KEY_CODE__MAX + 1]; /* filled lazily */
static const QmpMember key_value_members[] = {{"type", "KeyValueKind"}, {NULL}};
static const QmpVariant key_value_variants[] = {
    {"number", "IntWrapper"}, {"qcode", "QKeyCodeWrapper"}, {NULL, NULL}};
static const QmpMember int_wrapper_members[] = {{"data", "int"}, {NULL}};
static const QmpMember block_stats_members[] = {{"device", "str", true},
                                                {"qdev", "str", true},
                                                {"stats", "BlockDeviceStats"},
                                                {NULL}};
static const QmpMember block_device_stats_members[] = {
    {"rd_bytes", "int"},
    {"wr_bytes", "int"},
    {"unmap_bytes", "int"},
    {"rd_operations", "int"},
    {"wr_operations", "int"},
    {"flush_operations", "int"},
    {"unmap_operations", "int"},
    {"rd_total_time_ns", "int"},
    {"wr_total_time_ns", "int"},
    {"flush_total_time_ns", "int"},
    {"unmap_total_time_ns", "int"},
    {"wr_highest_offset", "int"},
    {"rd_merged", "int"},
    {"wr_merged", "int"},
    {"unmap_merged", "int"},
    {"idle_time_ns", "int", true},
    {"failed_rd_operations", "int"},
    {"failed_wr_operations", "int"},
    {"failed_flush_operations", "int"},
    {"failed_unmap_operations", "int"},
    {"invalid_rd_operations", "int"},
    {"invalid_wr_operations", "int"},
    {"invalid_flush_operations", "int"},
    {"invalid_unmap_operations", "int"},
    {"account_invalid", "bool"},
    {"account_failed", "bool"},
    {"timed_stats", "[any]"},
    {NULL}};
static const QmpMember qkeycode_wrapper_members[] = {{"data", "QKeyCode"},
                                                     {NULL}};

static const char *const image_format_values[] = {"ppm", "png", NULL};

/* query-vnc and the VNC events (QEMU's qapi/ui.json). */
static const char *const network_address_family_values[] = {
    "ipv4", "ipv6", "unix", "vsock", "unknown", NULL};
static const QmpMember vnc_info_members[] = {
    {"enabled", "bool"},
    {"host", "str", true},
    {"family", "NetworkAddressFamily", true},
    {"service", "str", true},
    {"auth", "str", true},
    {"clients", "[VncClientInfo]", true},
    {NULL}};
static const QmpMember vnc_basic_info_members[] = {
    {"host", "str"},
    {"service", "str"},
    {"family", "NetworkAddressFamily"},
    {"websocket", "bool"},
    {NULL}};
static const QmpMember vnc_client_info_members[] = {
    {"host", "str"},
    {"service", "str"},
    {"family", "NetworkAddressFamily"},
    {"websocket", "bool"},
    {"x509_dname", "str", true},
    {"sasl_username", "str", true},
    {NULL}};
static const QmpMember vnc_server_info_members[] = {
    {"host", "str"},
    {"service", "str"},
    {"family", "NetworkAddressFamily"},
    {"websocket", "bool"},
    {"auth", "str", true},
    {NULL}};
static const QmpMember vnc_connected_event_members[] = {
    {"server", "VncServerInfo"}, {"client", "VncBasicInfo"}, {NULL}};
static const QmpMember vnc_client_event_members[] = {
    {"server", "VncServerInfo"}, {"client", "VncClientInfo"}, {NULL}};

#define OBJECT_TYPE(n, m)                                                      \
    {                                                                          \
        .name = (n), .members = (m)                                            \
    }
#define ENUM_TYPE(n, v)                                                        \
    {                                                                          \
        .name = (n), .is_enum = true, .values = (v)                            \
    }

static const QmpSchemaType schema_types[] = {
    OBJECT_TYPE("q_empty", no_members),
    ENUM_TYPE("QMPCapability", qmp_capability_values),
    OBJECT_TYPE("VersionTriple", version_triple_members),
    OBJECT_TYPE("VersionInfo", version_info_members),
    ENUM_TYPE("RunState", run_state_values),
    OBJECT_TYPE("StatusInfo", status_info_members),
    OBJECT_TYPE("CommandInfo", command_info_members),
    OBJECT_TYPE("MachineInfo", machine_info_members),
    OBJECT_TYPE("KvmInfo", kvm_info_members),
    OBJECT_TYPE("CpuInstanceProperties", cpu_instance_properties_members),
    ENUM_TYPE("SysEmuTarget", sys_emu_target_values),
    OBJECT_TYPE("CpuInfoFast", cpu_info_fast_members),
    OBJECT_TYPE("CpuDefinitionInfo", cpu_definition_info_members),
    OBJECT_TYPE("CpuModelInfo", cpu_model_info_members),
    OBJECT_TYPE("CpuModelExpansionInfo", cpu_model_expansion_info_members),
    ENUM_TYPE("CpuModelExpansionType", cpu_model_expansion_type_values),
    OBJECT_TYPE("BlockInfo", block_info_members),
    OBJECT_TYPE("BlockDeviceInfo", block_device_info_members),
    OBJECT_TYPE("ImageInfo", image_info_members),
    OBJECT_TYPE("BlockdevCacheInfo", blockdev_cache_info_members),
    ENUM_TYPE("BlockdevDetectZeroesOptions", detect_zeroes_values),
    OBJECT_TYPE("BlockStats", block_stats_members),
    OBJECT_TYPE("BlockDeviceStats", block_device_stats_members),
    OBJECT_TYPE("PciInfo", pci_info_members),
    OBJECT_TYPE("PciDeviceInfo", pci_device_info_members),
    OBJECT_TYPE("PciDeviceClass", pci_device_class_members),
    OBJECT_TYPE("PciDeviceId", pci_device_id_members),
    OBJECT_TYPE("PciMemoryRegion", pci_memory_region_members),
    OBJECT_TYPE("ObjectPropertyInfo", object_property_info_members),
    OBJECT_TYPE("ObjectTypeInfo", object_type_info_members),
    ENUM_TYPE("ShutdownCause", shutdown_cause_values),
    OBJECT_TYPE("q_obj_SHUTDOWN-arg", shutdown_event_members),
    OBJECT_TYPE("q_obj_RESET-arg", shutdown_event_members),
    OBJECT_TYPE("q_obj_BALLOON_CHANGE-arg", balloon_info_members),
    OBJECT_TYPE("BalloonInfo", balloon_info_members),
    ENUM_TYPE("GuestPanicAction", guest_panic_action_values),
    OBJECT_TYPE("q_obj_GUEST_PANICKED-arg", guest_panic_event_members),
    OBJECT_TYPE("q_obj_GUEST_CRASHLOADED-arg", guest_panic_event_members),
    {.name = "SchemaInfo",
     .members = schema_info_members,
     .tag = "meta-type",
     .variants = schema_info_variants},
    ENUM_TYPE("SchemaMetaType", schema_meta_type_values),
    ENUM_TYPE("JSONType", json_type_values),
    OBJECT_TYPE("SchemaInfoBuiltin", schema_info_builtin_members),
    OBJECT_TYPE("SchemaInfoEnum", schema_info_enum_members),
    OBJECT_TYPE("SchemaInfoEnumMember", schema_info_enum_member_members),
    OBJECT_TYPE("SchemaInfoArray", schema_info_array_members),
    OBJECT_TYPE("SchemaInfoObject", schema_info_object_members),
    OBJECT_TYPE("SchemaInfoObjectMember", schema_info_object_member_members),
    OBJECT_TYPE("SchemaInfoObjectVariant", schema_info_object_variant_members),
    OBJECT_TYPE("SchemaInfoAlternate", schema_info_alternate_members),
    OBJECT_TYPE("SchemaInfoAlternateMember",
                schema_info_alternate_member_members),
    OBJECT_TYPE("SchemaInfoCommand", schema_info_command_members),
    OBJECT_TYPE("SchemaInfoEvent", schema_info_event_members),
    {.name = "KeyValue",
     .members = key_value_members,
     .tag = "type",
     .variants = key_value_variants},
    ENUM_TYPE("KeyValueKind", key_value_kind_values),
    OBJECT_TYPE("IntWrapper", int_wrapper_members),
    OBJECT_TYPE("QKeyCodeWrapper", qkeycode_wrapper_members),
    ENUM_TYPE("QKeyCode", qkeycode_values),
    ENUM_TYPE("ImageFormat", image_format_values),
    ENUM_TYPE("NetworkAddressFamily", network_address_family_values),
    OBJECT_TYPE("VncInfo", vnc_info_members),
    OBJECT_TYPE("VncBasicInfo", vnc_basic_info_members),
    OBJECT_TYPE("VncClientInfo", vnc_client_info_members),
    OBJECT_TYPE("VncServerInfo", vnc_server_info_members),
    OBJECT_TYPE("q_obj_VNC_CONNECTED-arg", vnc_connected_event_members),
    OBJECT_TYPE("q_obj_VNC_INITIALIZED-arg", vnc_client_event_members),
    OBJECT_TYPE("q_obj_VNC_DISCONNECTED-arg", vnc_client_event_members),
    {NULL}};

typedef struct QmpEventInfo {
    const char *name;
    const char *arg_type; /* NULL: no data */
} QmpEventInfo;

static const QmpEventInfo event_table[] = {
    {"SHUTDOWN", "q_obj_SHUTDOWN-arg"},
    {"POWERDOWN", NULL},
    {"RESET", "q_obj_RESET-arg"},
    {"STOP", NULL},
    {"BALLOON_CHANGE", "q_obj_BALLOON_CHANGE-arg"},
    {"RESUME", NULL},
    {"VNC_CONNECTED", "q_obj_VNC_CONNECTED-arg"},
    {"VNC_INITIALIZED", "q_obj_VNC_INITIALIZED-arg"},
    {"VNC_DISCONNECTED", "q_obj_VNC_DISCONNECTED-arg"},
    {NULL, NULL}};

static const QmpSchemaType *schema_type_find(const char *name)
{
    if (!qkeycode_values[0]) {
        for (int i = 0; i < Q_KEY_CODE__MAX; i++) {
            qkeycode_values[i] = qkeycode_name(i);
        }
    }
    for (const QmpSchemaType *t = schema_types; t->name; t++) {
        if (!strcmp(t->name, name)) {
            return t;
        }
    }
    return NULL;
}

static const char *builtin_json_type(const char *type)
{
    static const char *const builtins[][2] = {
        {"str", "string"},    {"int", "int"},   {"bool", "boolean"},
        {"number", "number"}, {"any", "value"}, {"null", "null"},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(builtins); i++) {
        if (!strcmp(builtins[i][0], type)) {
            return builtins[i][1];
        }
    }
    return NULL;
}

/* ---- argument checking -------------------------------------------------- */

static bool node_is_value_of(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == type;
}

static bool invalid_type(GError **errp, const char *name, const char *expected)
{
    g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                "Invalid parameter type for '%s', expected: %s", name,
                expected);
    return false;
}

static bool check_members(const QmpMember *spec, JsonObject *obj,
                          const char *prefix, GError **errp);
static bool check_union(const char *name, const QmpSchemaType *t,
                        JsonObject *obj, GError **errp);

static bool check_value(const char *name, const char *type, JsonNode *node,
                        GError **errp)
{
    const QmpSchemaType *t;

    if (!strcmp(type, "any")) {
        return true;
    }
    if (!strcmp(type, "str")) {
        return node_is_value_of(node, G_TYPE_STRING) ||
               invalid_type(errp, name, "string");
    }
    if (!strcmp(type, "int")) {
        return node_is_value_of(node, G_TYPE_INT64) ||
               invalid_type(errp, name, "integer");
    }
    if (!strcmp(type, "bool")) {
        return node_is_value_of(node, G_TYPE_BOOLEAN) ||
               invalid_type(errp, name, "boolean");
    }
    if (!strcmp(type, "number")) {
        return node_is_value_of(node, G_TYPE_INT64) ||
               node_is_value_of(node, G_TYPE_DOUBLE) ||
               invalid_type(errp, name, "number");
    }
    if (type[0] == '[') {
        g_autofree char *element = g_strndup(type + 1, strlen(type) - 2);
        JsonArray *array;

        if (!JSON_NODE_HOLDS_ARRAY(node)) {
            return invalid_type(errp, name, "array");
        }
        array = json_node_get_array(node);
        for (unsigned i = 0; i < json_array_get_length(array); i++) {
            g_autofree char *item = g_strdup_printf("%s[%u]", name, i);

            if (!check_value(item, element, json_array_get_element(array, i),
                             errp)) {
                return false;
            }
        }
        return true;
    }
    t = schema_type_find(type);
    g_assert(t);
    if (t->is_enum) {
        const char *value;

        if (!node_is_value_of(node, G_TYPE_STRING)) {
            return invalid_type(errp, name, "string");
        }
        value = json_node_get_string(node);
        for (const char *const *v = t->values; *v; v++) {
            if (!strcmp(*v, value)) {
                return true;
            }
        }
        /* QEMU names only the member here, not the path to it. */
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "Parameter '%s' does not accept value '%s'",
                    strrchr(name, '.') ? strrchr(name, '.') + 1 : name, value);
        return false;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        return invalid_type(errp, name, "object");
    }
    if (t->tag) {
        return check_union(name, t, json_node_get_object(node), errp);
    }
    return check_members(t->members, json_node_get_object(node), name, errp);
}

/* A union: its base members, then those of the variant its tag selects. */
static bool check_union(const char *name, const QmpSchemaType *t,
                        JsonObject *obj, GError **errp)
{
    g_autoptr(GArray) spec = g_array_new(true, true, sizeof(QmpMember));
    JsonNode *tag = json_object_get_member(obj, t->tag);
    const QmpSchemaType *variant = NULL;

    for (const QmpMember *m = t->members; m->name; m++) {
        g_array_append_val(spec, *m);
    }
    /* Without a valid tag, checking the base alone reports it. */
    if (tag && node_is_value_of(tag, G_TYPE_STRING)) {
        for (const QmpVariant *v = t->variants; v->tag_value; v++) {
            if (!strcmp(v->tag_value, json_node_get_string(tag))) {
                variant = schema_type_find(v->type);
            }
        }
    }
    if (!variant) {
        return check_members(t->members, obj, name, errp);
    }
    for (const QmpMember *m = variant->members; m->name; m++) {
        g_array_append_val(spec, *m);
    }
    return check_members((const QmpMember *)spec->data, obj, name, errp);
}

static bool check_members(const QmpMember *spec, JsonObject *obj,
                          const char *prefix, GError **errp)
{
    unsigned n;
    g_autofree const char **keys = NULL;

    for (const QmpMember *m = spec; m && m->name; m++) {
        g_autofree char *name = prefix
                                    ? g_strdup_printf("%s.%s", prefix, m->name)
                                    : g_strdup(m->name);
        JsonNode *node = json_object_get_member(obj, m->name);

        if (!node) {
            if (m->optional) {
                continue;
            }
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                        "Parameter '%s' is missing", name);
            return false;
        }
        if (!check_value(name, m->type, node, errp)) {
            return false;
        }
    }
    /* Then what is left over, in the order QEMU walks its dictionary. */
    keys = qmp_json_object_keys(obj, &n);
    for (unsigned i = 0; i < n; i++) {
        const QmpMember *m = spec;

        while (m && m->name && strcmp(m->name, keys[i])) {
            m++;
        }
        if (!m || !m->name) {
            g_autofree char *name =
                prefix ? g_strdup_printf("%s.%s", prefix, keys[i])
                       : g_strdup(keys[i]);

            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                        "Parameter '%s' is unexpected", name);
            return false;
        }
    }
    return true;
}

bool qmp_args_check(const QmpMember *spec, JsonObject *args, GError **errp)
{
    if (spec == qmp_args_boxed) {
        return true; /* the handler checks them */
    }
    return check_members(spec, args, NULL, errp);
}

/* ---- helpers ------------------------------------------------------------ */

static JsonNode *object_node(JsonObject *obj)
{
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, obj);
    return node;
}

static JsonNode *array_node(JsonArray *array)
{
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, array);
    return node;
}

static const char *arg_str(JsonObject *args, const char *name)
{
    return json_object_has_member(args, name)
               ? json_object_get_string_member(args, name)
               : NULL;
}

/* ---- session and version ------------------------------------------------ */

static JsonNode *qmp_capabilities(Monitor *mon, JsonObject *args, GError **errp)
{
    bool oob = false;

    if (qmp_monitor_negotiated(mon)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command "
                    "ignored");
        return NULL;
    }
    if (json_object_has_member(args, "enable")) {
        JsonArray *caps = json_object_get_array_member(args, "enable");

        /* The enum check let only "oob" through; it is on offer. */
        oob = json_array_get_length(caps) > 0;
    }
    qmp_monitor_negotiation_done(mon, oob);
    return NULL;
}

static JsonNode *qmp_query_version(Monitor *mon, JsonObject *args,
                                   GError **errp)
{
    JsonObject *info = json_object_new(), *qemu = json_object_new();

    json_object_set_int_member(qemu, "major", 7);
    json_object_set_int_member(qemu, "minor", 2);
    json_object_set_int_member(qemu, "micro", 0);
    json_object_set_object_member(info, "qemu", qemu);
    json_object_set_string_member(info, "package", "pcvm-" PCVM_VERSION);
    return object_node(info);
}

static JsonNode *qmp_query_commands(Monitor *mon, JsonObject *args,
                                    GError **errp)
{
    JsonArray *list = json_array_new();
    GPtrArray *all = qmp_commands();

    for (unsigned i = 0; i < all->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(all, i);
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "name", cmd->name);
        json_array_add_object_element(list, info);
    }
    return array_node(list);
}

/* ---- run state ---------------------------------------------------------- */

static JsonNode *qmp_query_status(Monitor *mon, JsonObject *args, GError **errp)
{
    JsonObject *info = json_object_new();

    json_object_set_boolean_member(info, "running", runstate_is_running());
    json_object_set_boolean_member(info, "singlestep", false);
    json_object_set_string_member(info, "status",
                                  runstate_name(runstate_get()));
    return object_node(info);
}

static JsonNode *qmp_stop(Monitor *mon, JsonObject *args, GError **errp)
{
    /* Like QEMU, stopping a machine that is not running changes nothing. */
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED);
    }
    return NULL;
}

static JsonNode *qmp_cont(Monitor *mon, JsonObject *args, GError **errp)
{
    RunState state = runstate_get();

    if (state == RUN_STATE_SHUTDOWN || state == RUN_STATE_INTERNAL_ERROR) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "Resetting the Virtual Machine is required");
        return NULL;
    }
    vm_start();
    return NULL;
}

static JsonNode *qmp_system_reset(Monitor *mon, JsonObject *args, GError **errp)
{
    system_reset_request(RESET_CAUSE_HOST);
    return NULL;
}

static JsonNode *qmp_system_powerdown(Monitor *mon, JsonObject *args,
                                      GError **errp)
{
    system_powerdown_request();
    return NULL;
}

static JsonNode *qmp_quit(Monitor *mon, JsonObject *args, GError **errp)
{
    /* The reply goes out now; SHUTDOWN when the main loop acts on it. */
    system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    return NULL;
}

/* ---- machine ------------------------------------------------------------ */

static JsonNode *qmp_query_machines(Monitor *mon, JsonObject *args,
                                    GError **errp)
{
    JsonArray *list = json_array_new();
    GPtrArray *classes = machine_class_list();

    for (unsigned i = 0; i < classes->len; i++) {
        const MachineClass *mc = g_ptr_array_index(classes, i);
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "name", mc->name);
        if (mc->alias) {
            json_object_set_string_member(info, "alias", mc->alias);
        }
        if (mc->is_default) {
            json_object_set_boolean_member(info, "is-default", true);
        }
        json_object_set_int_member(info, "cpu-max", mc->max_cpus);
        json_object_set_boolean_member(info, "hotpluggable-cpus", false);
        json_object_set_boolean_member(info, "numa-mem-supported", false);
        json_object_set_boolean_member(info, "deprecated", false);
        json_object_set_string_member(info, "default-cpu-type",
                                      "qemu64-x86_64-cpu");
        json_object_set_string_member(info, "default-ram-id", "pc.ram");
        json_array_add_object_element(list, info);
    }
    return array_node(list);
}

static JsonNode *qmp_query_kvm(Monitor *mon, JsonObject *args, GError **errp)
{
    JsonObject *info = json_object_new();
    const AccelOps *accel = accel_current();

    json_object_set_boolean_member(info, "enabled",
                                   accel && !strcmp(accel->name, "kvm"));
    /* QEMU's meaning: KVM support is built into this binary (always). */
    json_object_set_boolean_member(info, "present", true);
    return object_node(info);
}

static JsonNode *qmp_query_cpus_fast(Monitor *mon, JsonObject *args,
                                     GError **errp)
{
    JsonArray *list = json_array_new();
    MachineState *ms = current_machine_get();

    for (unsigned i = 0; ms && ms->cpus && i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];
        const CpuTopology *topo = &ms->topology;
        unsigned threads = MAX(topo->threads, 1), cores = MAX(topo->cores, 1);
        JsonObject *info = json_object_new(), *props = json_object_new();
        int tid = accel_vcpu_thread_id(cpu);

        g_autofree char *path =
            g_strdup_printf("/machine/unattached/device[%d]", cpu->index);

        json_object_set_int_member(info, "cpu-index", cpu->index);
        json_object_set_string_member(info, "qom-path", path);
        /* No vCPU thread (qtest): the main thread runs the machine. */
        json_object_set_int_member(info, "thread-id", tid > 0 ? tid : getpid());
        json_object_set_int_member(props, "socket-id",
                                   cpu->index / (threads * cores));
        json_object_set_int_member(props, "core-id",
                                   cpu->index / threads % cores);
        json_object_set_int_member(props, "thread-id", cpu->index % threads);
        json_object_set_object_member(info, "props", props);
        json_object_set_string_member(info, "target", "x86_64");
        json_array_add_object_element(list, info);
    }
    return array_node(list);
}

/* ---- HMP passthrough ---------------------------------------------------- */

static JsonNode *qmp_human_monitor_command(Monitor *mon, JsonObject *args,
                                           GError **errp)
{
    MachineState *ms = current_machine_get();
    g_autofree char *output = NULL;
    JsonNode *ret;

    if (json_object_has_member(args, "cpu-index")) {
        gint64 index = json_object_get_int_member(args, "cpu-index");

        if (!ms || index < 0 || index >= ms->smp_cpus) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                        "Parameter 'cpu-index' expects a CPU number");
            return NULL;
        }
    }
    output = hmp_execute_command(arg_str(args, "command-line"));
    ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(ret, output ? output : "");
    return ret;
}

/* ---- introspection ------------------------------------------------------ */

typedef struct SchemaBuilder {
    GHashTable *masked;  /* type name -> masked name (owned) */
    GQueue pending;      /* named types to describe, in discovery order */
    GPtrArray *arrays;   /* array names "[T]" described so far (owned) */
    GPtrArray *builtins; /* builtin names used, in order */
    GPtrArray *owned;    /* other names handed out (owned) */
    JsonArray *out;
    JsonArray *types_out; /* named types and arrays, after the entities */
    unsigned next_number;
} SchemaBuilder;

static const char *schema_use(SchemaBuilder *b, const char *type);

static const char *schema_use_array(SchemaBuilder *b, const char *type)
{
    g_autofree char *element = g_strndup(type + 1, strlen(type) - 2);
    const char *element_name = schema_use(b, element);
    char *name = g_strdup_printf("[%s]", element_name);
    JsonObject *entry;

    for (unsigned i = 0; i < b->arrays->len; i++) {
        if (!strcmp(g_ptr_array_index(b->arrays, i), name)) {
            g_free(name);
            return g_ptr_array_index(b->arrays, i);
        }
    }
    g_ptr_array_add(b->arrays, name);
    entry = json_object_new();
    json_object_set_string_member(entry, "name", name);
    json_object_set_string_member(entry, "meta-type", "array");
    json_object_set_string_member(entry, "element-type", element_name);
    json_array_add_object_element(b->types_out, entry);
    return name;
}

/* The name type goes by in the schema; queues it to be described. */
static const char *schema_use(SchemaBuilder *b, const char *type)
{
    const char *masked;

    if (builtin_json_type(type)) {
        for (unsigned i = 0; i < b->builtins->len; i++) {
            if (!strcmp(g_ptr_array_index(b->builtins, i), type)) {
                return type;
            }
        }
        g_ptr_array_add(b->builtins, (gpointer)type);
        return type;
    }
    if (type[0] == '[') {
        return schema_use_array(b, type);
    }
    masked = g_hash_table_lookup(b->masked, type);
    if (!masked) {
        /* The table's own name: type may be a temporary string. */
        const QmpSchemaType *t = schema_type_find(type);

        g_assert(t);
        masked = g_strdup_printf("%u", b->next_number++);
        g_hash_table_insert(b->masked, (gpointer)t->name, (gpointer)masked);
        g_queue_push_tail(&b->pending, (gpointer)t->name);
    }
    return masked;
}

static JsonArray *schema_members(SchemaBuilder *b, const QmpMember *members)
{
    JsonArray *list = json_array_new();

    for (const QmpMember *m = members; m && m->name; m++) {
        JsonObject *member = json_object_new();

        json_object_set_string_member(member, "name", m->name);
        json_object_set_string_member(member, "type", schema_use(b, m->type));
        if (m->optional) {
            json_object_set_null_member(member, "default");
        }
        json_array_add_object_element(list, member);
    }
    return list;
}

static void schema_describe(SchemaBuilder *b, const QmpSchemaType *t)
{
    JsonObject *entry = json_object_new();

    json_object_set_string_member(entry, "name",
                                  g_hash_table_lookup(b->masked, t->name));
    if (t->is_enum) {
        JsonArray *values = json_array_new(), *members = json_array_new();

        json_object_set_string_member(entry, "meta-type", "enum");
        for (const char *const *v = t->values; *v; v++) {
            JsonObject *member = json_object_new();

            json_array_add_string_element(values, *v);
            json_object_set_string_member(member, "name", *v);
            json_array_add_object_element(members, member);
        }
        json_object_set_array_member(entry, "members", members);
        json_object_set_array_member(entry, "values", values);
    } else {
        json_object_set_string_member(entry, "meta-type", "object");
        json_object_set_array_member(entry, "members",
                                     schema_members(b, t->members));
        if (t->tag) {
            JsonArray *variants = json_array_new();

            json_object_set_string_member(entry, "tag", t->tag);
            for (const QmpVariant *v = t->variants; v->tag_value; v++) {
                JsonObject *variant = json_object_new();

                json_object_set_string_member(variant, "case", v->tag_value);
                json_object_set_string_member(variant, "type",
                                              schema_use(b, v->type));
                json_array_add_object_element(variants, variant);
            }
            json_object_set_array_member(entry, "variants", variants);
        }
    }
    json_array_add_object_element(b->types_out, entry);
}

/* A command's arguments are an implicit object type of their own. */
static const char *schema_use_args(SchemaBuilder *b, const QmpCommand *cmd)
{
    g_autofree char *implicit = NULL;
    char *masked;
    JsonObject *entry;

    if (!cmd->args || !cmd->args->name) {
        return schema_use(b, "q_empty");
    }
    if (cmd->args == qmp_args_boxed) {
        return schema_use(b, "any");
    }
    masked = g_strdup_printf("%u", b->next_number++);
    implicit = g_strdup_printf("q_obj_%s-arg", cmd->name);
    entry = json_object_new();
    json_object_set_string_member(entry, "name", masked);
    json_object_set_string_member(entry, "meta-type", "object");
    json_object_set_array_member(entry, "members",
                                 schema_members(b, cmd->args));
    json_array_add_object_element(b->types_out, entry);
    g_ptr_array_add(b->owned, masked);
    return masked;
}

static JsonNode *qmp_query_qmp_schema(Monitor *mon, JsonObject *args,
                                      GError **errp)
{
    SchemaBuilder b = {
        .masked = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free),
        .arrays = g_ptr_array_new_with_free_func(g_free),
        .builtins = g_ptr_array_new(),
        .owned = g_ptr_array_new_with_free_func(g_free),
        .out = json_array_new(),
        .types_out = json_array_new(),
    };
    const char *type;

    g_queue_init(&b.pending);
    schema_use(&b, "q_empty"); /* "0", as in QEMU */
    for (unsigned i = 0; i < qmp_commands()->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(qmp_commands(), i);
        JsonObject *entry = json_object_new();

        json_object_set_string_member(entry, "name", cmd->name);
        json_object_set_string_member(entry, "meta-type", "command");
        json_object_set_string_member(entry, "arg-type",
                                      schema_use_args(&b, cmd));
        json_object_set_string_member(
            entry, "ret-type",
            schema_use(&b, cmd->ret_type ? cmd->ret_type : "q_empty"));
        json_array_add_object_element(b.out, entry);
    }
    for (const QmpEventInfo *ev = event_table; ev->name; ev++) {
        JsonObject *entry = json_object_new();

        json_object_set_string_member(entry, "name", ev->name);
        json_object_set_string_member(entry, "meta-type", "event");
        json_object_set_string_member(
            entry, "arg-type",
            schema_use(&b, ev->arg_type ? ev->arg_type : "q_empty"));
        json_array_add_object_element(b.out, entry);
    }
    while ((type = g_queue_pop_head(&b.pending))) {
        schema_describe(&b, schema_type_find(type));
    }
    for (unsigned i = 0; i < json_array_get_length(b.types_out); i++) {
        json_array_add_element(
            b.out, json_node_copy(json_array_get_element(b.types_out, i)));
    }
    for (unsigned i = 0; i < b.builtins->len; i++) {
        JsonObject *entry = json_object_new();
        const char *name = g_ptr_array_index(b.builtins, i);

        json_object_set_string_member(entry, "name", name);
        json_object_set_string_member(entry, "meta-type", "builtin");
        json_object_set_string_member(entry, "json-type",
                                      builtin_json_type(name));
        json_array_add_object_element(b.out, entry);
    }
    json_array_unref(b.types_out);
    g_ptr_array_free(b.builtins, true);
    g_ptr_array_free(b.owned, true);
    g_ptr_array_free(b.arrays, true);
    g_hash_table_destroy(b.masked);
    return array_node(b.out);
}

/* ---- QOM ---------------------------------------------------------------- */

static Object *qom_resolve(const char *path, GError **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (!obj) {
        if (ambiguous) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                        "Path '%s' is ambiguous", path);
        } else {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
                        "Device '%s' not found", path);
        }
    }
    return obj;
}

static JsonNode *qmp_qom_list(Monitor *mon, JsonObject *args, GError **errp)
{
    Object *obj = qom_resolve(arg_str(args, "path"), errp);
    const GPtrArray *props;
    JsonArray *list;

    if (!obj) {
        return NULL;
    }
    list = json_array_new();
    props = object_get_properties(obj);
    for (unsigned i = 0; props && i < props->len; i++) {
        const ObjectProperty *prop = g_ptr_array_index(props, i);
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "name", prop->name);
        json_object_set_string_member(info, "type", prop->type);
        json_array_add_object_element(list, info);
    }
    return array_node(list);
}

/* QOM values come as GVariants; QMP shows them as plain JSON. */
static JsonNode *variant_to_json(GVariant *v)
{
    JsonNode *node;

    if (g_variant_is_of_type(v, G_VARIANT_TYPE_VARIANT)) {
        g_autoptr(GVariant) inner = g_variant_get_variant(v);

        return variant_to_json(inner);
    }
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_VARDICT)) {
        JsonObject *obj = json_object_new();
        GVariantIter iter;
        const char *key;
        GVariant *value;

        g_variant_iter_init(&iter, v);
        while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
            json_object_set_member(obj, key, variant_to_json(value));
            g_variant_unref(value);
        }
        return object_node(obj);
    }
    if (g_variant_is_container(v)) {
        JsonArray *array = json_array_new();
        gsize n = g_variant_n_children(v);

        if (g_variant_is_of_type(v, G_VARIANT_TYPE_MAYBE)) {
            if (!n) {
                json_array_unref(array);
                return json_node_new(JSON_NODE_NULL);
            }
            g_autoptr(GVariant) child = g_variant_get_child_value(v, 0);

            json_array_unref(array);
            return variant_to_json(child);
        }
        for (gsize i = 0; i < n; i++) {
            g_autoptr(GVariant) child = g_variant_get_child_value(v, i);

            json_array_add_element(array, variant_to_json(child));
        }
        return array_node(array);
    }
    node = json_node_new(JSON_NODE_VALUE);
    switch (g_variant_classify(v)) {
    case G_VARIANT_CLASS_BOOLEAN:
        json_node_set_boolean(node, g_variant_get_boolean(v));
        break;
    case G_VARIANT_CLASS_BYTE:
        json_node_set_int(node, g_variant_get_byte(v));
        break;
    case G_VARIANT_CLASS_INT16:
        json_node_set_int(node, g_variant_get_int16(v));
        break;
    case G_VARIANT_CLASS_UINT16:
        json_node_set_int(node, g_variant_get_uint16(v));
        break;
    case G_VARIANT_CLASS_INT32:
        json_node_set_int(node, g_variant_get_int32(v));
        break;
    case G_VARIANT_CLASS_UINT32:
        json_node_set_int(node, g_variant_get_uint32(v));
        break;
    case G_VARIANT_CLASS_INT64:
        json_node_set_int(node, g_variant_get_int64(v));
        break;
    case G_VARIANT_CLASS_UINT64:
        if (g_variant_get_uint64(v) > G_MAXINT64) {
            json_node_set_double(node, (double)g_variant_get_uint64(v));
        } else {
            json_node_set_int(node, (gint64)g_variant_get_uint64(v));
        }
        break;
    case G_VARIANT_CLASS_HANDLE:
        json_node_set_int(node, g_variant_get_handle(v));
        break;
    case G_VARIANT_CLASS_DOUBLE:
        json_node_set_double(node, g_variant_get_double(v));
        break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
        json_node_set_string(node, g_variant_get_string(v, NULL));
        break;
    default:
        json_node_free(node);
        return json_node_new(JSON_NODE_NULL);
    }
    return node;
}

static JsonNode *qmp_qom_get(Monitor *mon, JsonObject *args, GError **errp)
{
    const char *name = arg_str(args, "property");
    Object *obj = qom_resolve(arg_str(args, "path"), errp);
    g_autoptr(GVariant) value = NULL;
    GError *err = NULL;

    if (!obj) {
        return NULL;
    }
    if (!object_property_find(obj, name)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "Property '%s.%s' not found", obj->type, name);
        return NULL;
    }
    value = object_property_get(obj, name, &err);
    if (!value) {
        if (err) {
            g_propagate_error(errp, err);
        } else {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                        "Property '%s.%s' is not readable", obj->type, name);
        }
        return NULL;
    }
    return variant_to_json(g_variant_take_ref(value));
}

static JsonNode *qmp_qom_list_types(Monitor *mon, JsonObject *args,
                                    GError **errp)
{
    bool abstract = json_object_has_member(args, "abstract") &&
                    json_object_get_boolean_member(args, "abstract");
    g_autoptr(GPtrArray) types =
        type_list(arg_str(args, "implements"), abstract);
    JsonArray *list = json_array_new();

    for (unsigned i = 0; types && i < types->len; i++) {
        const TypeInfo *ti = g_ptr_array_index(types, i);
        JsonObject *info = json_object_new();

        json_object_set_string_member(info, "name", ti->name);
        if (ti->abstract) {
            json_object_set_boolean_member(info, "abstract", true);
        }
        if (ti->parent) {
            json_object_set_string_member(info, "parent", ti->parent);
        }
        json_array_add_object_element(list, info);
    }
    return array_node(list);
}

static JsonNode *qmp_device_list_properties(Monitor *mon, JsonObject *args,
                                            GError **errp)
{
    const char *name = arg_str(args, "typename");
    DeviceClass *dc = device_class_find(name);
    g_autoptr(GPtrArray) props = NULL;
    JsonArray *list;

    if (!dc) {
        if (type_find(name)) {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                        "Parameter 'typename' expects a non-abstract device "
                        "type");
        } else {
            g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
                        "Device '%s' not found", name);
        }
        return NULL;
    }
    if (dc->abstract) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_GENERIC,
                    "Parameter 'typename' expects a non-abstract device type");
        return NULL;
    }
    list = json_array_new();
    props = device_class_get_properties(dc);
    for (unsigned i = 0; i < props->len; i++) {
        const Property *p = g_ptr_array_index(props, i);
        JsonObject *info = json_object_new();
        const char *description = device_property_description(p);
        g_autoptr(GVariant) def = device_property_default_value(p);

        json_object_set_string_member(info, "name", p->name);
        json_object_set_string_member(info, "type",
                                      device_property_type_name(p));
        if (description) {
            json_object_set_string_member(info, "description", description);
        }
        if (def) {
            json_object_set_member(info, "default-value",
                                   variant_to_json(g_variant_take_ref(def)));
        }
        json_array_add_object_element(list, info);
    }
    return array_node(list);
}

/* ---- device_del ------------------------------------------------------- */

/* device_del ID: ID is a device's id= or its QOM path, as in QEMU. */
bool monitor_device_del(const char *id, GError **errp)
{
    MachineState *ms = current_machine_get();
    DeviceState *dev = ms ? device_find_by_id(ms->main_bus, id) : NULL;

    if (!dev && id[0] == '/') {
        Object *obj = object_resolve_path_type(id, "device", NULL);

        dev = obj ? (DeviceState *)obj : NULL;
    }
    if (!dev) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_CLASS_DEVICE_NOT_FOUND,
                    "Device '%s' not found", id);
        return false;
    }
    return device_unplug(dev, errp);
}

static JsonNode *qmp_device_del(Monitor *mon, JsonObject *args, GError **errp)
{
    monitor_device_del(arg_str(args, "id"), errp);
    return NULL;
}

/* ---- device state ----------------------------------------------------- */

/*
 * Saves the state of every device to path (pcvm's own stream, see
 * hw/core/vmstate.h), with the vCPUs stopped while it is taken.
 */
bool monitor_devices_save(const char *path, GError **errp)
{
    MachineState *ms = current_machine_get();
    bool running = runstate_is_running();
    g_autoptr(GBytes) stream = NULL;
    const void *data;
    size_t len;

    if (!ms) {
        return error_setg(errp, "there is no machine yet");
    }
    if (running) {
        vm_stop(RUN_STATE_PAUSED);
    }
    stream = machine_save_devices(ms, errp);
    if (running) {
        vm_start();
    }
    if (!stream) {
        return false;
    }
    data = g_bytes_get_data(stream, &len);
    return g_file_set_contents(path, data, len, errp);
}

/* Loads a stream that monitor_devices_save wrote into this machine. */
bool monitor_devices_load(const char *path, GError **errp)
{
    MachineState *ms = current_machine_get();
    bool running = runstate_is_running(), ok;
    g_autofree char *data = NULL;
    g_autoptr(GBytes) stream = NULL;
    size_t len;

    if (!ms) {
        return error_setg(errp, "there is no machine yet");
    }
    if (!g_file_get_contents(path, &data, &len, errp)) {
        return false;
    }
    stream = g_bytes_new_take(g_steal_pointer(&data), len);
    if (running) {
        vm_stop(RUN_STATE_PAUSED);
    }
    ok = machine_load_devices(ms, stream, errp);
    if (running) {
        vm_start();
    }
    return ok;
}

static JsonNode *qmp_x_save_devices(Monitor *mon, JsonObject *args,
                                    GError **errp)
{
    monitor_devices_save(arg_str(args, "filename"), errp);
    return NULL;
}

static JsonNode *qmp_x_load_devices(Monitor *mon, JsonObject *args,
                                    GError **errp)
{
    monitor_devices_load(arg_str(args, "filename"), errp);
    return NULL;
}

/* ---- the table ---------------------------------------------------------- */

static const QmpMember qmp_capabilities_args[] = {
    {"enable", "[QMPCapability]", true}, {NULL}};
static const QmpMember human_monitor_command_args[] = {
    {"command-line", "str"}, {"cpu-index", "int", true}, {NULL}};
static const QmpMember qom_list_args[] = {{"path", "str"}, {NULL}};
static const QmpMember qom_get_args[] = {
    {"path", "str"}, {"property", "str"}, {NULL}};
static const QmpMember qom_list_types_args[] = {
    {"implements", "str", true}, {"abstract", "bool", true}, {NULL}};
static const QmpMember device_list_properties_args[] = {{"typename", "str"},
                                                        {NULL}};
static const QmpMember filename_args[] = {{"filename", "str"}, {NULL}};
static const QmpMember device_del_args[] = {{"id", "str"}, {NULL}};

const QmpCommand qmp_command_table[] = {
    {"qmp_capabilities", qmp_capabilities, qmp_capabilities_args, NULL},
    {"query-version", qmp_query_version, NULL, "VersionInfo"},
    {"query-commands", qmp_query_commands, NULL, "[CommandInfo]"},
    {"query-status", qmp_query_status, NULL, "StatusInfo"},
    {"stop", qmp_stop, NULL, NULL},
    {"cont", qmp_cont, NULL, NULL},
    {"system_reset", qmp_system_reset, NULL, NULL},
    {"system_powerdown", qmp_system_powerdown, NULL, NULL},
    {"device_del", qmp_device_del, device_del_args, NULL},
    {"x-save-devices", qmp_x_save_devices, filename_args, NULL},
    {"x-load-devices", qmp_x_load_devices, filename_args, NULL},
    {"quit", qmp_quit, NULL, NULL},
    {"query-machines", qmp_query_machines, NULL, "[MachineInfo]"},
    {"query-kvm", qmp_query_kvm, NULL, "KvmInfo"},
    {"query-cpus-fast", qmp_query_cpus_fast, NULL, "[CpuInfoFast]"},
    {"human-monitor-command", qmp_human_monitor_command,
     human_monitor_command_args, "str"},
    {"query-qmp-schema", qmp_query_qmp_schema, NULL, "[SchemaInfo]"},
    {"qom-list", qmp_qom_list, qom_list_args, "[ObjectPropertyInfo]"},
    {"qom-get", qmp_qom_get, qom_get_args, "any"},
    {"qom-list-types", qmp_qom_list_types, qom_list_types_args,
     "[ObjectTypeInfo]"},
    {"device-list-properties", qmp_device_list_properties,
     device_list_properties_args, "[ObjectPropertyInfo]"},
    {NULL, NULL, NULL, NULL},
};

JsonNode *monitor_run_query(Monitor *mon, const char *name, GError **errp)
{
    const QmpCommand *cmd = qmp_command_find(name);
    GError *err = NULL;
    JsonNode *ret;

    g_assert(cmd && !cmd->args); /* a query without arguments */
    ret = cmd->handler ? cmd->handler(NULL, &err) : cmd->fn(mon, NULL, &err);
    if (err) {
        g_propagate_error(errp, err);
        if (ret) {
            json_node_unref(ret);
        }
        return NULL;
    }
    return ret;
}

GPtrArray *qmp_commands(void)
{
    static GPtrArray *all;

    if (!all) {
        GPtrArray *registered = qmp_registered_commands();

        all = g_ptr_array_new();
        for (const QmpCommand *cmd = qmp_command_table; cmd->name; cmd++) {
            g_ptr_array_add(all, (gpointer)cmd);
        }
        for (unsigned i = 0; i < registered->len; i++) {
            const QmpCommandDef *d = g_ptr_array_index(registered, i);
            QmpCommand *cmd = g_new0(QmpCommand, 1);

            *cmd =
                (QmpCommand){d->name, NULL, d->args, d->ret_type, d->handler};
            g_ptr_array_add(all, cmd);
        }
    }
    return all;
}

const QmpCommand *qmp_command_find(const char *name)
{
    GPtrArray *all = qmp_commands();

    for (unsigned i = 0; i < all->len; i++) {
        const QmpCommand *cmd = g_ptr_array_index(all, i);

        if (!strcmp(cmd->name, name)) {
            return cmd;
        }
    }
    return NULL;
}
