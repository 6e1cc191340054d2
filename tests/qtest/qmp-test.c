/*
 * QMP, the JSON monitor: the greeting and capabilities negotiation, "id"
 * echo, one reply per command, each command pcvm implements, the error
 * replies for bad input (and that the monitor keeps working after them),
 * and the events with their order and timestamps, including those of
 * quit and of SIGTERM.
 *
 * Where pcvm legitimately differs from QEMU (the version numbers, the
 * greeting's package string, which types exist) the shape is asserted,
 * not the value.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "libqtest.h"

/* Every command a QMP client of pcvm may count on. */
static const char *const commands[] = {
    "qmp_capabilities",
    "query-version",
    "query-status",
    "query-commands",
    "query-machines",
    "query-kvm",
    "query-cpus-fast",
    "stop",
    "cont",
    "system_reset",
    "system_powerdown",
    "quit",
    "qom-list",
    "qom-get",
    "qom-list-types",
    "device-list-properties",
    "human-monitor-command",
    "query-qmp-schema",
};

/* ---- Helpers ----------------------------------------------------------- */

static void assert_error(JsonObject *resp, const char *class)
{
    const char *got = qtest_qmp_error_class(resp);

    if (!got || strcmp(got, class) != 0) {
        char *text = qtest_json_to_string(resp);

        g_test_message("expected error class %s, got %s", class, text);
        g_free(text);
    }
    g_assert_cmpstr(got, ==, class);
    g_assert_true(json_object_has_member(
        json_object_get_object_member(resp, "error"), "desc"));
    g_assert_false(json_object_has_member(resp, "return"));
    json_object_unref(resp);
}

static void assert_error_qmp(QTestState *s, const char *class, const char *cmd)
{
    assert_error(qtest_qmp(s, "%s", cmd), class);
}

static void assert_empty_return(JsonObject *resp)
{
    JsonNode *ret = json_object_get_member(resp, "return");

    g_assert_nonnull(ret);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    g_assert_cmpuint(json_object_get_size(json_node_get_object(ret)), ==, 0);
    json_object_unref(resp);
}

static JsonObject *return_object(QTestState *s, const char *cmd)
{
    JsonNode *ret = qtest_qmp_assert_success_ref(s, "%s", cmd);
    JsonObject *obj;

    g_assert_true(JSON_NODE_HOLDS_OBJECT(ret));
    obj = json_object_ref(json_node_get_object(ret));
    json_node_unref(ret);
    return obj;
}

static JsonArray *return_array(QTestState *s, const char *cmd)
{
    JsonNode *ret = qtest_qmp_assert_success_ref(s, "%s", cmd);
    JsonArray *array;

    g_assert_true(JSON_NODE_HOLDS_ARRAY(ret));
    array = json_array_ref(json_node_get_array(ret));
    json_node_unref(ret);
    return array;
}

/* The element of array whose string member key is value, or NULL. */
static JsonObject *array_find(JsonArray *array, const char *key,
                              const char *value)
{
    guint i;

    for (i = 0; i < json_array_get_length(array); i++) {
        JsonObject *elem = json_array_get_object_element(array, i);

        g_assert_nonnull(elem);
        if (g_strcmp0(
                json_object_get_string_member_with_default(elem, key, NULL),
                value) == 0) {
            return elem;
        }
    }
    return NULL;
}

static bool member_is_int(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);

    return node && JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == G_TYPE_INT64;
}

static bool member_is_string(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);

    return node && JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == G_TYPE_STRING;
}

static bool member_is_bool(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);

    return node && JSON_NODE_HOLDS_VALUE(node) &&
           json_node_get_value_type(node) == G_TYPE_BOOLEAN;
}

static const char *query_status(QTestState *s, bool *running)
{
    static char status[32];
    JsonObject *ret = return_object(s, "{\"execute\": \"query-status\"}");

    g_assert_true(member_is_string(ret, "status"));
    g_assert_true(member_is_bool(ret, "running"));
    g_strlcpy(status, json_object_get_string_member(ret, "status"),
              sizeof(status));
    *running = json_object_get_boolean_member(ret, "running");
    json_object_unref(ret);
    return status;
}

/* An event's name and its timestamp's shape: {seconds, microseconds}. */
static gint64 assert_event(JsonObject *event, const char *name)
{
    JsonObject *ts;
    gint64 us;

    g_assert_cmpstr(json_object_get_string_member(event, "event"), ==, name);
    ts = json_object_get_object_member(event, "timestamp");
    g_assert_nonnull(ts);
    g_assert_true(member_is_int(ts, "seconds"));
    g_assert_true(member_is_int(ts, "microseconds"));
    us = json_object_get_int_member(ts, "microseconds");
    g_assert_cmpint(us, >=, 0);
    g_assert_cmpint(us, <, 1000000);
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >, 0);
    return json_object_get_int_member(ts, "seconds") * 1000000 + us;
}

static void assert_event_data(JsonObject *event, bool guest, const char *reason)
{
    JsonObject *data = json_object_get_object_member(event, "data");

    g_assert_nonnull(data);
    g_assert_true(member_is_bool(data, "guest"));
    g_assert_cmpint(json_object_get_boolean_member(data, "guest"), ==, guest);
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==, reason);
}

static void assert_exit_status(QTestState *s, int status)
{
    int wstatus = qtest_wait_exit(s);

    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, status);
}

/* ---- Tests ------------------------------------------------------------- */

static void test_greeting(void)
{
    QTestState *s = qtest_init_without_qmp_handshake(NULL);
    JsonObject *greeting = qtest_qmp_receive_dict(s);
    JsonObject *qmp;
    JsonObject *version;
    JsonObject *qemu;
    JsonNode *caps;

    g_assert_cmpuint(json_object_get_size(greeting), ==, 1);
    qmp = json_object_get_object_member(greeting, "QMP");
    g_assert_nonnull(qmp);
    version = json_object_get_object_member(qmp, "version");
    g_assert_nonnull(version);
    qemu = json_object_get_object_member(version, "qemu");
    g_assert_nonnull(qemu);
    g_assert_true(member_is_int(qemu, "major"));
    g_assert_true(member_is_int(qemu, "minor"));
    g_assert_true(member_is_int(qemu, "micro"));
    g_assert_true(member_is_string(version, "package"));
    caps = json_object_get_member(qmp, "capabilities");
    g_assert_nonnull(caps);
    g_assert_true(JSON_NODE_HOLDS_ARRAY(caps));
    json_object_unref(greeting);

    /* Before negotiation, commands do not exist ... */
    assert_error_qmp(s, "CommandNotFound", "{\"execute\": \"query-status\"}");
    assert_error_qmp(s, "CommandNotFound", "{\"execute\": \"stop\"}");
    /* ... negotiation succeeds once ... */
    assert_empty_return(qtest_qmp(s, "{\"execute\": \"qmp_capabilities\"}"));
    assert_error_qmp(s, "CommandNotFound",
                     "{\"execute\": \"qmp_capabilities\"}");
    /* ... and the VM was never stopped by the rejected one. */
    {
        bool running;

        g_assert_cmpstr(query_status(s, &running), ==, "running");
        g_assert_true(running);
    }
    qtest_quit(s);
}

static void test_id(void)
{
    QTestState *s = qtest_init(NULL);
    static const char *const ids[] = {
        "1",
        "-7",
        "0",
        "\"abc\"",
        "\"\"",
        "{\"a\": [1, \"x\", {\"b\": null}]}",
        "[true, false]",
        "2.5",
    };
    JsonObject *resp;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ids); i++) {
        JsonNode *sent = json_from_string(ids[i], NULL);

        g_assert_nonnull(sent);
        resp =
            qtest_qmp(s, "{\"execute\": \"query-status\", \"id\": %s}", ids[i]);
        g_assert_true(json_object_has_member(resp, "return"));
        g_assert_true(
            json_node_equal(json_object_get_member(resp, "id"), sent));
        json_object_unref(resp);

        /* Errors carry it too. */
        resp = qtest_qmp(s, "{\"execute\": \"no-such-command\", \"id\": %s}",
                         ids[i]);
        g_assert_true(
            json_node_equal(json_object_get_member(resp, "id"), sent));
        assert_error(resp, "CommandNotFound");
        json_node_unref(sent);
    }

    /* No id, no id in the reply. */
    resp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    g_assert_false(json_object_has_member(resp, "id"));
    json_object_unref(resp);

    /* Several commands in one write: one reply each, in order. */
    qtest_qmp_send_raw(s, "{\"execute\": \"query-status\", \"id\": 1}"
                          "{\"execute\": \"query-version\", \"id\": 2}\n"
                          "{\"execute\": \"no-such-command\", \"id\": 3}\n");
    for (i = 1; i <= 3; i++) {
        resp = qtest_qmp_receive(s);
        g_assert_cmpint(json_object_get_int_member(resp, "id"), ==, i);
        g_assert_cmpint(json_object_has_member(resp, "return"), ==, i < 3);
        g_assert_cmpint(json_object_has_member(resp, "error"), ==, i == 3);
        json_object_unref(resp);
    }
    resp = qtest_qmp(s, "{\"execute\": \"query-status\", \"id\": \"last\"}");
    g_assert_cmpstr(json_object_get_string_member(resp, "id"), ==, "last");
    json_object_unref(resp);
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
    qtest_quit(s);
}

static void test_query_version(void)
{
    QTestState *s = qtest_init_without_qmp_handshake(NULL);
    JsonObject *greeting = qtest_qmp_receive_dict(s);
    JsonObject *greeting_version = json_object_get_object_member(
        json_object_get_object_member(greeting, "QMP"), "version");
    JsonObject *ret;
    JsonNode *a;
    JsonNode *b;

    qtest_qmp_assert_success(s, "{\"execute\": \"qmp_capabilities\"}");
    ret = return_object(s, "{\"execute\": \"query-version\"}");
    g_assert_true(member_is_string(ret, "package"));
    g_assert_true(
        member_is_int(json_object_get_object_member(ret, "qemu"), "major"));
    g_assert_true(
        member_is_int(json_object_get_object_member(ret, "qemu"), "minor"));
    g_assert_true(
        member_is_int(json_object_get_object_member(ret, "qemu"), "micro"));
    /* The same version as the greeting announced. */
    a = json_object_get_member(ret, "qemu");
    b = json_object_get_member(greeting_version, "qemu");
    g_assert_true(json_node_equal(a, b));
    g_assert_cmpstr(json_object_get_string_member(ret, "package"), ==,
                    json_object_get_string_member(greeting_version, "package"));
    json_object_unref(ret);
    json_object_unref(greeting);
    qtest_quit(s);
}

static void test_stop_cont(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *event;
    bool running;

    g_assert_cmpstr(query_status(s, &running), ==, "running");
    g_assert_true(running);

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"stop\"}"));
    event = qtest_qmp_eventwait_ref(s, "STOP");
    assert_event(event, "STOP");
    json_object_unref(event);
    g_assert_cmpstr(query_status(s, &running), ==, "paused");
    g_assert_false(running);

    /* Stopping a stopped VM is fine. */
    assert_empty_return(qtest_qmp(s, "{\"execute\": \"stop\"}"));
    g_assert_cmpstr(query_status(s, &running), ==, "paused");

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"cont\"}"));
    event = qtest_qmp_eventwait_ref(s, "RESUME");
    assert_event(event, "RESUME");
    json_object_unref(event);
    g_assert_cmpstr(query_status(s, &running), ==, "running");
    g_assert_true(running);
    qtest_quit(s);
}

static void test_query_commands(void)
{
    QTestState *s = qtest_init(NULL);
    JsonArray *list = return_array(s, "{\"execute\": \"query-commands\"}");
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!array_find(list, "name", commands[i])) {
            g_test_message("query-commands lacks %s", commands[i]);
        }
        g_assert_nonnull(array_find(list, "name", commands[i]));
    }
    /* ... and lists nothing twice. */
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonObject *elem = json_array_get_object_element(list, i);
        const char *name = json_object_get_string_member(elem, "name");

        g_assert_nonnull(name);
        g_assert_true(array_find(list, "name", name) == elem);
    }
    json_array_unref(list);
    qtest_quit(s);
}

static void test_query_machines(void)
{
    QTestState *s = qtest_init(NULL);
    JsonArray *list = return_array(s, "{\"execute\": \"query-machines\"}");
    JsonObject *pc = array_find(list, "name", "pc-i440fx-7.2");
    guint i;
    int defaults = 0;

    g_assert_nonnull(pc);
    g_assert_cmpstr(json_object_get_string_member(pc, "alias"), ==, "pc");
    g_assert_true(
        json_object_get_boolean_member_with_default(pc, "is-default", FALSE));
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonObject *m = json_array_get_object_element(list, i);

        g_assert_true(member_is_string(m, "name"));
        g_assert_true(member_is_int(m, "cpu-max"));
        defaults +=
            json_object_get_boolean_member_with_default(m, "is-default", FALSE);
    }
    g_assert_cmpint(defaults, ==, 1);
    json_array_unref(list);
    qtest_quit(s);
}

static void test_query_kvm(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *ret = return_object(s, "{\"execute\": \"query-kvm\"}");

    g_assert_true(member_is_bool(ret, "enabled"));
    g_assert_true(member_is_bool(ret, "present"));
    g_assert_false(json_object_get_boolean_member(ret, "enabled"));
    json_object_unref(ret);
    qtest_quit(s);
}

static void check_cpus(const char *args, int count)
{
    QTestState *s = qtest_init(args);
    JsonArray *list = return_array(s, "{\"execute\": \"query-cpus-fast\"}");
    guint i;

    g_assert_cmpuint(json_array_get_length(list), ==, count);
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonObject *cpu = json_array_get_object_element(list, i);

        g_assert_true(member_is_int(cpu, "cpu-index"));
        g_assert_cmpint(json_object_get_int_member(cpu, "cpu-index"), ==, i);
        g_assert_true(member_is_string(cpu, "qom-path"));
        g_assert_true(member_is_int(cpu, "thread-id"));
        g_assert_cmpstr(json_object_get_string_member(cpu, "target"), ==,
                        "x86_64");
    }
    json_array_unref(list);
    qtest_quit(s);
}

static void test_query_cpus_fast(void)
{
    check_cpus(NULL, 1);
    check_cpus("-smp 2", 2);
}

static void test_system_reset(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *event;
    bool running;

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"system_reset\"}"));
    event = qtest_qmp_eventwait_ref(s, "RESET");
    assert_event(event, "RESET");
    assert_event_data(event, false, "host-qmp-system-reset");
    json_object_unref(event);
    /* A reset does not stop the VM. */
    g_assert_cmpstr(query_status(s, &running), ==, "running");
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
    qtest_quit(s);
}

static void test_system_powerdown(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *event;
    bool running;

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"system_powerdown\"}"));
    event = qtest_qmp_eventwait_ref(s, "POWERDOWN");
    assert_event(event, "POWERDOWN");
    json_object_unref(event);
    /* Only a request to the guest: nothing runs here to act on it. */
    g_assert_cmpstr(query_status(s, &running), ==, "running");
    qtest_quit(s);
}

static void test_quit(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *event;

    assert_empty_return(qtest_qmp(s, "{\"execute\": \"quit\"}"));
    event = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    assert_event(event, "SHUTDOWN");
    assert_event_data(event, false, "host-qmp-quit");
    json_object_unref(event);
    assert_exit_status(s, 0);
    qtest_quit(s);
}

static void test_qom(void)
{
    QTestState *s = qtest_init(NULL);
    JsonArray *list;
    JsonObject *prop;
    JsonNode *ret;
    guint i;

    list = return_array(
        s, "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/\"}}");
    prop = array_find(list, "name", "machine");
    g_assert_nonnull(prop);
    g_assert_true(g_str_has_prefix(json_object_get_string_member(prop, "type"),
                                   "child<"));
    json_array_unref(list);

    list = return_array(
        s,
        "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/machine\"}}");
    g_assert_cmpuint(json_array_get_length(list), >, 0);
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonObject *elem = json_array_get_object_element(list, i);

        g_assert_true(member_is_string(elem, "name"));
        g_assert_true(member_is_string(elem, "type"));
    }
    prop = array_find(list, "name", "type");
    g_assert_nonnull(prop);
    g_assert_cmpstr(json_object_get_string_member(prop, "type"), ==, "string");
    json_array_unref(list);

    ret = qtest_qmp_assert_success_ref(
        s, "{\"execute\": \"qom-get\", \"arguments\": "
           "{\"path\": \"/machine\", \"property\": \"type\"}}");
    g_assert_cmpstr(json_node_get_string(ret), ==, "pc-i440fx-7.2-machine");
    json_node_unref(ret);

    assert_error_qmp(
        s, "DeviceNotFound",
        "{\"execute\": \"qom-get\", \"arguments\": "
        "{\"path\": \"/no/such/object\", \"property\": \"type\"}}");
    assert_error_qmp(
        s, "GenericError",
        "{\"execute\": \"qom-get\", \"arguments\": "
        "{\"path\": \"/machine\", \"property\": \"no-such-property\"}}");
    assert_error_qmp(s, "DeviceNotFound",
                     "{\"execute\": \"qom-list\", \"arguments\": {\"path\": "
                     "\"/no/such/object\"}}");
    qtest_quit(s);
}

static JsonArray *list_types(QTestState *s, const char *args)
{
    char *cmd = g_strdup_printf(
        "{\"execute\": \"qom-list-types\", \"arguments\": %s}", args);
    JsonArray *list = return_array(s, cmd);
    guint i;

    g_free(cmd);
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonObject *elem = json_array_get_object_element(list, i);

        g_assert_true(member_is_string(elem, "name"));
        if (json_object_has_member(elem, "abstract")) {
            g_assert_true(member_is_bool(elem, "abstract"));
        }
    }
    return list;
}

static bool type_is_abstract(JsonObject *type)
{
    return json_object_get_boolean_member_with_default(type, "abstract", FALSE);
}

static void test_qom_list_types(void)
{
    QTestState *s = qtest_init(NULL);
    JsonArray *list;
    JsonObject *type;
    guint i;

    /* By default, concrete types only. */
    list = list_types(s, "{}");
    g_assert_nonnull(array_find(list, "name", "isa-serial"));
    g_assert_nonnull(array_find(list, "name", "pc-i440fx-7.2-machine"));
    g_assert_null(array_find(list, "name", "device"));
    for (i = 0; i < json_array_get_length(list); i++) {
        g_assert_false(
            type_is_abstract(json_array_get_object_element(list, i)));
    }
    json_array_unref(list);

    list = list_types(s, "{\"abstract\": true}");
    type = array_find(list, "name", "device");
    g_assert_nonnull(type);
    g_assert_true(type_is_abstract(type));
    g_assert_nonnull(array_find(list, "name", "isa-serial"));
    json_array_unref(list);

    list = list_types(s, "{\"implements\": \"device\"}");
    g_assert_nonnull(array_find(list, "name", "isa-serial"));
    g_assert_null(array_find(list, "name", "pc-i440fx-7.2-machine"));
    g_assert_null(array_find(list, "name", "device"));
    json_array_unref(list);

    list = list_types(s, "{\"implements\": \"device\", \"abstract\": true}");
    g_assert_nonnull(array_find(list, "name", "isa-serial"));
    g_assert_nonnull(array_find(list, "name", "device"));
    g_assert_null(array_find(list, "name", "pc-i440fx-7.2-machine"));
    json_array_unref(list);

    list = list_types(s, "{\"implements\": \"machine\"}");
    g_assert_nonnull(array_find(list, "name", "pc-i440fx-7.2-machine"));
    g_assert_null(array_find(list, "name", "isa-serial"));
    json_array_unref(list);
    qtest_quit(s);
}

/*
 * How management tools probe a binary: -machine none (no board, no RAM,
 * no vCPU), then the machines, every device type and its properties, and
 * the CPU models, each without an error.
 */
static void test_machine_none_probe(void)
{
    QTestState *s = qtest_init("-machine none -nodefaults");
    JsonArray *machines, *types, *cpus;
    bool found = false;

    machines = return_array(s, "{\"execute\": \"query-machines\"}");
    for (unsigned i = 0; i < json_array_get_length(machines); i++) {
        JsonObject *m = json_array_get_object_element(machines, i);

        found |= !strcmp(json_object_get_string_member(m, "name"), "none");
    }
    g_assert_true(found);
    json_array_unref(machines);

    types = return_array(s, "{\"execute\": \"qom-list-types\", \"arguments\": "
                            "{\"implements\": \"device\", "
                            "\"abstract\": false}}");
    g_assert_cmpuint(json_array_get_length(types), >, 10);
    for (unsigned i = 0; i < json_array_get_length(types); i++) {
        const char *name = json_object_get_string_member(
            json_array_get_object_element(types, i), "name");
        g_autoptr(JsonObject) r =
            qtest_qmp(s,
                      "{\"execute\": \"device-list-properties\", "
                      "\"arguments\": {\"typename\": \"%s\"}}",
                      name);

        if (!json_object_has_member(r, "return")) {
            g_test_message("device-list-properties %s failed", name);
        }
        g_assert_true(json_object_has_member(r, "return"));
    }
    json_array_unref(types);

    cpus = return_array(s, "{\"execute\": \"query-cpu-definitions\"}");
    g_assert_nonnull(array_find(cpus, "name", "qemu64"));
    g_assert_nonnull(array_find(cpus, "typename", "qemu64-x86_64-cpu"));
    json_array_unref(cpus);

    /* No board: no vCPU. */
    cpus = return_array(s, "{\"execute\": \"query-cpus-fast\"}");
    g_assert_cmpuint(json_array_get_length(cpus), ==, 0);
    json_array_unref(cpus);
    qtest_quit(s);
}

static gint64 qom_get_int(QTestState *s, const char *path, const char *prop)
{
    JsonNode *ret = qtest_qmp_assert_success_ref(
        s,
        "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"%s\", "
        "\"property\": \"%s\"}}",
        path, prop);
    gint64 v = json_node_get_int(ret);

    json_node_unref(ret);
    return v;
}

/*
 * -global sets the default of a property for every device of a type; a
 * -device's own value still wins; a global the type refuses stops pcvm
 * with QEMU's words, and one for a type that does not exist is a warning.
 */
static void test_global(void)
{
    QTestState *s =
        qtest_init("-global isa-debug-exit.iobase=0x511 "
                   "-global driver=isa-debug-exit,property=iosize,value=4 "
                   "-device isa-debug-exit,id=de1 -device "
                   "isa-debug-exit,id=de2,iobase=0x520");
    static const struct {
        const char *args, *error;
    } bad[] = {
        {"-global isa-debug-exit.iobase=zz -device isa-debug-exit",
         "can't apply global isa-debug-exit.iobase=zz: "},
        {"-global isa-debug-exit.colour=red -device isa-debug-exit",
         "can't apply global isa-debug-exit.colour=red: Property "
         "'isa-debug-exit.colour' not found"},
        {"-global isa-debug-exit", "-global isa-debug-exit: Invalid parameter "
                                   "'isa-debug-exit'"},
        {"-global driver=isa-debug-exit,property=iobase",
         "Parameter 'value' is missing"},
    };

    g_assert_cmpint(qom_get_int(s, "/machine/peripheral/de1", "iobase"), ==,
                    0x511);
    g_assert_cmpint(qom_get_int(s, "/machine/peripheral/de1", "iosize"), ==, 4);
    g_assert_cmpint(qom_get_int(s, "/machine/peripheral/de2", "iobase"), ==,
                    0x520);
    qtest_quit(s);

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        qtest_assert_startup_error(bad[i].args, bad[i].error);
    }
    {
        /* The warning comes before the error that ends this run. */
        g_autofree char *cmd = g_strdup_printf(
            "%s -accel qtest -display none -nodefaults "
            "-global kvm-pit.lost_tick_policy=delay "
            "-global nosuch-timer.lost_tick_policy=delay "
            "-global isa-debug-exit.colour=red -device isa-debug-exit",
            qtest_binary());
        g_autofree char *err = NULL;
        int status;

        g_assert_true(
            g_spawn_command_line_sync(cmd, NULL, &err, &status, NULL));
        /* kvm-pit is a class (made under KVM only): no warning for it */
        g_assert_true(g_str_has_prefix(err, "pcvm: warning: global "
                                            "nosuch-timer.lost_tick_policy "
                                            "has invalid class name\n"));
    }
}

static void test_device_list_properties(void)
{
    static const char *const props[] = {"chardev", "index", "iobase", "irq"};
    QTestState *s = qtest_init(NULL);
    JsonArray *list;
    size_t i;

    list = return_array(s, "{\"execute\": \"device-list-properties\", "
                           "\"arguments\": {\"typename\": \"isa-serial\"}}");
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonObject *elem = json_array_get_object_element(list, i);

        g_assert_true(member_is_string(elem, "name"));
        g_assert_true(member_is_string(elem, "type"));
    }
    for (i = 0; i < G_N_ELEMENTS(props); i++) {
        if (!array_find(list, "name", props[i])) {
            g_test_message("isa-serial lacks property %s", props[i]);
        }
        g_assert_nonnull(array_find(list, "name", props[i]));
    }
    json_array_unref(list);

    assert_error_qmp(s, "DeviceNotFound",
                     "{\"execute\": \"device-list-properties\", "
                     "\"arguments\": {\"typename\": \"no-such-device\"}}");
    assert_error_qmp(s, "GenericError",
                     "{\"execute\": \"device-list-properties\", "
                     "\"arguments\": {\"typename\": \"device\"}}");
    qtest_quit(s);
}

static void test_human_monitor_command(void)
{
    QTestState *s = qtest_init(NULL);
    char *out;

    out = qtest_hmp(s, "info status");
    g_assert_cmpstr(out, ==, "VM status: running\r\n");
    g_free(out);

    out = qtest_hmp(s, "stop");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    qtest_qmp_eventwait(s, "STOP");
    out = qtest_hmp(s, "info status");
    g_assert_cmpstr(out, ==, "VM status: paused\r\n");
    g_free(out);

    out = qtest_hmp(s, "cont");
    g_free(out);
    qtest_qmp_eventwait(s, "RESUME");
    out = qtest_hmp(s, "info status");
    g_assert_cmpstr(out, ==, "VM status: running\r\n");
    g_free(out);

    /* An unknown HMP command is output, not a QMP error. */
    out = qtest_hmp(s, "no-such-hmp-command");
    g_assert_cmpstr(out, !=, "");
    g_free(out);
    qtest_quit(s);
}

static void test_query_qmp_schema(void)
{
    QTestState *s = qtest_init(NULL);
    JsonArray *list = return_array(s, "{\"execute\": \"query-qmp-schema\"}");
    JsonObject *entry;
    guint i;

    g_assert_cmpuint(json_array_get_length(list), >, 0);
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonObject *elem = json_array_get_object_element(list, i);

        g_assert_true(member_is_string(elem, "name"));
        g_assert_true(member_is_string(elem, "meta-type"));
    }
    entry = array_find(list, "name", "query-status");
    g_assert_nonnull(entry);
    g_assert_cmpstr(json_object_get_string_member(entry, "meta-type"), ==,
                    "command");
    json_array_unref(list);
    qtest_quit(s);
}

/* After a bad input, the monitor still answers. */
static void assert_recovered(QTestState *s)
{
    assert_error_qmp(s, "CommandNotFound",
                     "{\"execute\": \"no-such-command\"}");
    qtest_qmp_assert_success(s, "{\"execute\": \"query-status\"}");
}

static void test_errors(void)
{
    QTestState *s = qtest_init(NULL);

    assert_error_qmp(s, "CommandNotFound",
                     "{\"execute\": \"no-such-command\"}");
    assert_error_qmp(
        s, "CommandNotFound",
        "{\"execute\": \"no-such-command\", \"arguments\": {\"a\": 1}}");

    /* Not JSON */
    qtest_qmp_send_raw(s, "{]\n");
    assert_error(qtest_qmp_receive_dict(s), "GenericError");
    assert_recovered(s);

    /* JSON, but not an object */
    assert_error_qmp(s, "GenericError", "[]");
    assert_recovered(s);
    assert_error_qmp(s, "GenericError", "\"query-status\"");
    assert_recovered(s);
    assert_error_qmp(s, "GenericError", "null");
    assert_recovered(s);
    assert_error_qmp(s, "GenericError", "42");
    assert_recovered(s);

    /* An object, but not a command */
    assert_error_qmp(s, "GenericError", "{}");
    assert_error_qmp(s, "GenericError", "{\"arguments\": {}}");
    assert_error_qmp(s, "GenericError", "{\"execute\": true}");
    assert_error_qmp(s, "GenericError", "{\"execute\": [\"query-status\"]}");
    assert_error_qmp(s, "GenericError",
                     "{\"execute\": \"query-status\", \"arguments\": []}");
    assert_error_qmp(s, "GenericError",
                     "{\"execute\": \"query-status\", \"no-such-key\": 1}");

    /* A command with bad arguments */
    assert_error_qmp(
        s, "GenericError",
        "{\"execute\": \"query-status\", \"arguments\": {\"foo\": 1}}");
    assert_error_qmp(
        s, "GenericError",
        "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine\"}}");
    assert_error_qmp(s, "GenericError",
                     "{\"execute\": \"qom-get\", \"arguments\": "
                     "{\"path\": \"/machine\", \"property\": 5}}");
    assert_error_qmp(
        s, "GenericError",
        "{\"execute\": \"human-monitor-command\", \"arguments\": {}}");
    assert_recovered(s);
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
    qtest_quit(s);
}

/* stop, cont, system_reset, quit: their events, in order, in time order. */
static void test_event_order(void)
{
    static const char *const expected[] = {"STOP", "RESUME", "RESET",
                                           "SHUTDOWN"};
    QTestState *s = qtest_init(NULL);
    gint64 last = 0;
    size_t i;

    qtest_qmp_assert_success(s, "{\"execute\": \"stop\"}");
    qtest_qmp_assert_success(s, "{\"execute\": \"cont\"}");
    qtest_qmp_assert_success(s, "{\"execute\": \"system_reset\"}");
    qtest_qmp_assert_success(s, "{\"execute\": \"quit\"}");
    for (i = 0; i < G_N_ELEMENTS(expected); i++) {
        JsonObject *event = qtest_qmp_event_next(s);
        gint64 when = assert_event(event, expected[i]);

        g_assert_cmpint(when, >=, last);
        last = when;
        json_object_unref(event);
    }
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
    assert_exit_status(s, 0);
    qtest_quit(s);
}

static void test_sigterm(void)
{
    QTestState *s = qtest_init(NULL);
    JsonObject *event;

    qtest_kill(s, SIGTERM);
    event = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    assert_event(event, "SHUTDOWN");
    assert_event_data(event, false, "host-signal");
    json_object_unref(event);
    assert_exit_status(s, 0);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/id", test_id);
    g_test_add_func("/qmp/query-version", test_query_version);
    g_test_add_func("/qmp/stop-cont", test_stop_cont);
    g_test_add_func("/qmp/query-commands", test_query_commands);
    g_test_add_func("/qmp/query-machines", test_query_machines);
    g_test_add_func("/qmp/query-kvm", test_query_kvm);
    g_test_add_func("/qmp/query-cpus-fast", test_query_cpus_fast);
    g_test_add_func("/qmp/system-reset", test_system_reset);
    g_test_add_func("/qmp/system-powerdown", test_system_powerdown);
    g_test_add_func("/qmp/quit", test_quit);
    g_test_add_func("/qmp/qom", test_qom);
    g_test_add_func("/qmp/qom-list-types", test_qom_list_types);
    g_test_add_func("/qmp/device-list-properties", test_device_list_properties);
    g_test_add_func("/qmp/machine-none-probe", test_machine_none_probe);
    g_test_add_func("/qmp/global", test_global);
    g_test_add_func("/qmp/human-monitor-command", test_human_monitor_command);
    g_test_add_func("/qmp/query-qmp-schema", test_query_qmp_schema);
    g_test_add_func("/qmp/errors", test_errors);
    g_test_add_func("/qmp/event-order", test_event_order);
    g_test_add_func("/qmp/sigterm", test_sigterm);
    return g_test_run();
}
