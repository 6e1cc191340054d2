/*
 * QMP as a client sees it: the greeting, negotiation, replies in order with
 * the request's id, QEMU's error messages, input split anywhere, the JSON
 * text QEMU writes (member order, escapes, pretty form), the command
 * results, and run-state events over a real socket chardev.
 *
 * Most tests drive a capture monitor (no chardev) through its input
 * handler; the event test uses a unix socket like a real client.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config-host.h"
#include "monitor/monitor-internal.h"
#include "system/main-loop.h"
#include "system/runstate.h"

static const char greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, "
    "\"major\": 7}, \"package\": \"pcvm-" PCVM_VERSION
    "\"}, \"capabilities\": [\"oob\"]}}\r\n";

/* ---- helpers ---------------------------------------------------------- */

static Monitor *qmp_new(void)
{
    Monitor *mon = monitor_capture_new();

    qmp_monitor_setup(mon);
    mon->event(mon, CHR_EVENT_OPENED);
    return mon;
}

/* What the monitor wrote since the last call. */
static char *take_output(Monitor *mon)
{
    char *out = g_strndup(mon->outbuf->str, mon->outbuf->len);

    g_string_truncate(mon->outbuf, 0);
    return out;
}

static char *exchange(Monitor *mon, const char *input)
{
    mon->receive(mon, (const uint8_t *)input, strlen(input));
    return take_output(mon);
}

static Monitor *qmp_new_negotiated(void)
{
    Monitor *mon = qmp_new();
    g_autofree char *greet = take_output(mon);
    g_autofree char *reply =
        exchange(mon, "{\"execute\":\"qmp_capabilities\"}");

    g_assert_cmpstr(reply, ==, "{\"return\": {}}\r\n");
    return mon;
}

static void qmp_free(Monitor *mon)
{
    g_free(monitor_capture_finish(mon));
}

/* Runs one command and returns its reply parsed ("return" or "error"). */
static JsonNode *command(Monitor *mon, const char *json)
{
    g_autofree char *reply = exchange(mon, json);
    g_autoptr(JsonParser) parser = json_parser_new();

    g_assert_true(g_str_has_suffix(reply, "\r\n"));
    g_assert_true(json_parser_load_from_data(parser, reply, -1, NULL));
    return json_node_copy(json_parser_get_root(parser));
}

static JsonNode *command_return(Monitor *mon, const char *json)
{
    g_autoptr(JsonNode) reply = command(mon, json);
    JsonObject *obj = json_node_get_object(reply);

    if (!json_object_has_member(obj, "return")) {
        g_error("%s: %s", json, qmp_json_to_string(reply, false));
    }
    return json_node_copy(json_object_get_member(obj, "return"));
}

/* ---- the JSON writer -------------------------------------------------- */

static char *rewrite(const char *json, bool pretty)
{
    g_autoptr(JsonParser) parser = json_parser_new();

    g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
    return qmp_json_to_string(json_parser_get_root(parser), pretty);
}

static void test_json_writer(void)
{
    g_autofree char *order = rewrite(
        "{\"event\":\"STOP\",\"timestamp\":{\"seconds\":1,\"microseconds\":2}}",
        false);
    g_autofree char *status = rewrite(
        "{\"running\":true,\"singlestep\":false,\"status\":\"running\"}",
        false);
    g_autofree char *escapes =
        rewrite("[\"q\\\"b\\\\n\\n\\t\\u0001\\u00e9\\ud83d\\ude00/\", -5, "
                "1.5, null, true]",
                false);
    g_autofree char *pretty =
        rewrite("{\"return\":{},\"id\":[1,{\"a\":[]}]}", true);
    g_autofree char *empty = rewrite("{\"a\":{},\"b\":[]}", false);

    /* QEMU's dictionary order, as its replies show it. */
    g_assert_cmpstr(order, ==,
                    "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
                    "\"event\": \"STOP\"}");
    g_assert_cmpstr(status, ==,
                    "{\"status\": \"running\", \"singlestep\": false, "
                    "\"running\": true}");
    g_assert_cmpstr(escapes, ==,
                    "[\"q\\\"b\\\\n\\n\\t\\u0001\\u00E9\\uD83D\\uDE00/\", -5, "
                    "1.5, null, true]");
    g_assert_cmpstr(pretty, ==,
                    "{\n"
                    "    \"return\": {\n"
                    "    },\n"
                    "    \"id\": [\n"
                    "        1,\n"
                    "        {\n"
                    "            \"a\": [\n"
                    "            ]\n"
                    "        }\n"
                    "    ]\n"
                    "}");
    g_assert_cmpstr(empty, ==, "{\"a\": {}, \"b\": []}");
}

/* ---- protocol --------------------------------------------------------- */

static void test_greeting_and_negotiation(void)
{
    Monitor *mon = qmp_new();
    g_autofree char *greet = take_output(mon);
    g_autofree char *early = exchange(mon, "{\"execute\":\"query-status\"}");
    g_autofree char *unknown = exchange(mon, "{\"execute\":\"no-such\"}");
    g_autofree char *caps = exchange(
        mon, "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":"
             "[\"oob\"]},\"id\":{\"tag\":[1,\"x\"]}}");
    g_autofree char *again =
        exchange(mon, "{\"execute\":\"qmp_capabilities\"}");
    g_autofree char *status =
        exchange(mon, "{\"execute\":\"query-status\",\"id\":\"s1\"}");

    g_assert_cmpstr(greet, ==, greeting);
    g_assert_cmpstr(early, ==,
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                    "\"Expecting capabilities negotiation with "
                    "'qmp_capabilities'\"}}\r\n");
    g_assert_cmpstr(unknown, ==, early);
    g_assert_cmpstr(caps, ==,
                    "{\"return\": {}, \"id\": {\"tag\": [1, \"x\"]}}\r\n");
    g_assert_cmpstr(again, ==,
                    "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                    "\"Capabilities negotiation is already complete, command "
                    "ignored\"}}\r\n");
    g_assert_true(g_str_has_prefix(status, "{\"return\": {\"status\": \""));
    g_assert_true(g_str_has_suffix(status, "}, \"id\": \"s1\"}\r\n"));

    /* A new client (OPENED again) has to negotiate again. */
    mon->event(mon, CHR_EVENT_OPENED);
    g_free(take_output(mon));
    g_free(status);
    status = exchange(mon, "{\"execute\":\"query-status\"}");
    g_assert_cmpstr(status, ==, early);
    qmp_free(mon);
}

static void test_chunked_input(void)
{
    Monitor *mon = qmp_new_negotiated();
    const char *input =
        "  {\"execute\" : \"query-kvm\", \"id\": \"a\\\"}{\"}\r\n\t"
        "[1, {\"x\": [2]}]"
        "{'execute':'query-version','id':'it\\'s \"q\"'} 7 "
        "{\"execute\":\"query-kvm\",\"id\":\"\\u00e9\"}\n";
    GString *out = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;

    /* One byte at a time: replies may come only once a value is whole. */
    for (const char *p = input; *p; p++) {
        mon->receive(mon, (const uint8_t *)p, 1);
        g_string_append(out, mon->outbuf->str);
        g_string_truncate(mon->outbuf, 0);
    }
    lines = g_strsplit(out->str, "\r\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 6);
    g_assert_true(g_str_has_suffix(lines[0], ", \"id\": \"a\\\"}{\"}"));
    g_assert_cmpstr(lines[1], ==,
                    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP "
                    "input must be a JSON object\"}}");
    g_assert_true(g_str_has_prefix(lines[2], "{\"return\": {\"qemu\": "));
    g_assert_true(g_str_has_suffix(lines[2], ", \"id\": \"it's \\\"q\\\"\"}"));
    g_assert_cmpstr(lines[3], ==, lines[1]);
    g_assert_true(g_str_has_suffix(lines[4], ", \"id\": \"\\u00E9\"}"));
    g_assert_cmpstr(lines[5], ==, "");
    g_string_free(out, true);
    qmp_free(mon);
}

static void test_errors(void)
{
    static const struct {
        const char *input;
        const char *desc;
        const char *cls;
    } cases[] = {
        {"[]", "QMP input must be a JSON object"},
        {"{}", "QMP input lacks member 'execute'"},
        {"{\"execute\":1}", "QMP input member 'execute' must be a string"},
        {"{\"execute\":\"stop\",\"x\":1}",
         "QMP input member 'x' is unexpected"},
        {"{\"execute\":\"stop\",\"arguments\":[]}",
         "QMP input member 'arguments' must be an object"},
        {"{\"exec-oob\":\"stop\"}",
         "QMP input member 'exec-oob' is unexpected"},
        {"{\"execute\":\"bogus\"}", "The command bogus has not been found",
         "CommandNotFound"},
        {"{\"execute\":\"stop\",\"arguments\":{\"force\":true}}",
         "Parameter 'force' is unexpected"},
        {"{\"execute\":\"qom-list\"}", "Parameter 'path' is missing"},
        {"{\"execute\":\"qom-list\",\"arguments\":{\"path\":1}}",
         "Invalid parameter type for 'path', expected: string"},
        {"{\"execute\":\"human-monitor-command\",\"arguments\":"
         "{\"command-line\":\"x\",\"cpu-index\":1.5}}",
         "Invalid parameter type for 'cpu-index', expected: integer"},
        {"{\"execute\":\"qom-list-types\",\"arguments\":{\"abstract\":1}}",
         "Invalid parameter type for 'abstract', expected: boolean"},
        {"{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"/nonexistent\"}}",
         "Device '/nonexistent' not found", "DeviceNotFound"},
        {"{\"execute\":\"device-list-properties\",\"arguments\":"
         "{\"typename\":\"no-such-device\"}}",
         "Device 'no-such-device' not found", "DeviceNotFound"},
        {"{\"execute\":\"device-list-properties\",\"arguments\":"
         "{\"typename\":\"isa-device\"}}",
         "Parameter 'typename' expects a non-abstract device type"},
        {"{\"execute\" @}", "JSON parse error, stray '@'"},
        {"foo", "JSON parse error, invalid keyword 'foo'"},
    };
    Monitor *mon = qmp_new_negotiated();

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *input = g_strdup_printf("%s\n", cases[i].input);
        g_autofree char *reply = exchange(mon, input);
        g_autofree char *expect = g_strdup_printf(
            "{\"error\": {\"class\": \"%s\", \"desc\": \"%s\"}}\r\n",
            cases[i].cls ? cases[i].cls : "GenericError", cases[i].desc);

        /* "{"execute" @}": the '}' after the error is a stray of its own. */
        if (strchr(cases[i].input, '@')) {
            g_autofree char *stray = g_strdup_printf(
                "%s{\"error\": {\"class\": \"GenericError\", \"desc\": "
                "\"JSON parse error, expecting value\"}}\r\n",
                expect);

            g_assert_cmpstr(reply, ==, stray);
            continue;
        }
        g_assert_cmpstr(reply, ==, expect);
    }
    /* The id comes back with errors too; a malformed value then recovers. */
    g_autofree char *with_id = exchange(mon, "{\"execute\":\"x\",\"id\":7}");
    g_autofree char *bad =
        exchange(mon, "{\"a\" 1}{\"execute\":\"query-kvm\"}");

    g_assert_true(g_str_has_prefix(with_id, "{\"id\": 7, \"error\": "));
    g_assert_true(g_str_has_prefix(bad, "{\"error\": {\"class\": \"GenericError"
                                        "\", \"desc\": \"JSON parse error, "));
    g_assert_nonnull(strstr(bad, "}}\r\n{\"return\": {\"enabled\": "));
    qmp_free(mon);
}

/* ---- commands --------------------------------------------------------- */

static bool list_has_name(JsonArray *list, const char *name)
{
    for (unsigned i = 0; i < json_array_get_length(list); i++) {
        JsonObject *o = json_array_get_object_element(list, i);

        if (!g_strcmp0(json_object_get_string_member(o, "name"), name)) {
            return true;
        }
    }
    return false;
}

static JsonObject *list_find(JsonArray *list, const char *name)
{
    for (unsigned i = 0; i < json_array_get_length(list); i++) {
        JsonObject *o = json_array_get_object_element(list, i);

        if (!g_strcmp0(json_object_get_string_member(o, "name"), name)) {
            return o;
        }
    }
    return NULL;
}

static void test_queries(void)
{
    Monitor *mon = qmp_new_negotiated();
    g_autoptr(JsonNode) version =
        command_return(mon, "{\"execute\":\"query-version\"}");
    g_autoptr(JsonNode) commands =
        command_return(mon, "{\"execute\":\"query-commands\"}");
    g_autoptr(JsonNode) machines =
        command_return(mon, "{\"execute\":\"query-machines\"}");
    g_autoptr(JsonNode) kvm =
        command_return(mon, "{\"execute\":\"query-kvm\"}");
    g_autoptr(JsonNode) cpus =
        command_return(mon, "{\"execute\":\"query-cpus-fast\"}");
    g_autoptr(JsonNode) status =
        command_return(mon, "{\"execute\":\"query-status\"}");
    g_autoptr(JsonNode) hmp = command_return(
        mon, "{\"execute\":\"human-monitor-command\",\"arguments\":"
             "{\"command-line\":\"info status\"}}");
    JsonObject *qemu =
        json_object_get_object_member(json_node_get_object(version), "qemu");
    JsonObject *pc;

    g_assert_cmpint(json_object_get_int_member(qemu, "major"), ==, 7);
    g_assert_cmpint(json_object_get_int_member(qemu, "minor"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(qemu, "micro"), ==, 0);
    for (const QmpCommand *cmd = qmp_command_table; cmd->name; cmd++) {
        g_assert_true(list_has_name(json_node_get_array(commands), cmd->name));
    }
    pc = list_find(json_node_get_array(machines), "pc-i440fx-7.2");
    g_assert_nonnull(pc);
    g_assert_cmpstr(json_object_get_string_member(pc, "alias"), ==, "pc");
    g_assert_true(json_object_get_boolean_member(pc, "is-default"));
    g_assert_cmpstr(json_object_get_string_member(pc, "default-ram-id"), ==,
                    "pc.ram");
    g_assert_true(json_object_has_member(json_node_get_object(kvm), "present"));
    g_assert_false(
        json_object_get_boolean_member(json_node_get_object(kvm), "enabled"));
    /* No machine in this test: no vCPUs. */
    g_assert_cmpuint(json_array_get_length(json_node_get_array(cpus)), ==, 0);
    g_assert_cmpstr(
        json_object_get_string_member(json_node_get_object(status), "status"),
        ==, runstate_name(runstate_get()));
    g_assert_true(g_str_has_prefix(json_node_get_string(hmp), "VM status: "));
    g_assert_true(g_str_has_suffix(json_node_get_string(hmp), "\r\n"));
    qmp_free(mon);
}

static void test_device_introspection(void)
{
    Monitor *mon = qmp_new_negotiated();
    g_autoptr(JsonNode) props = command_return(
        mon, "{\"execute\":\"device-list-properties\",\"arguments\":"
             "{\"typename\":\"isa-serial\"}}");
    g_autoptr(JsonNode) types =
        command_return(mon, "{\"execute\":\"qom-list-types\",\"arguments\":"
                            "{\"implements\":\"device\"}}");
    g_autoptr(JsonNode) all_types =
        command_return(mon, "{\"execute\":\"qom-list-types\",\"arguments\":"
                            "{\"abstract\":true}}");
    JsonObject *chardev, *serial;

    chardev = list_find(json_node_get_array(props), "chardev");
    g_assert_nonnull(chardev);
    g_assert_cmpstr(json_object_get_string_member(chardev, "type"), ==, "str");
    g_assert_true(list_has_name(json_node_get_array(props), "index"));
    serial = list_find(json_node_get_array(types), "isa-serial");
    g_assert_nonnull(serial);
    g_assert_true(json_object_has_member(serial, "parent"));
    g_assert_false(json_object_has_member(serial, "abstract"));
    /* Abstract types only when asked for. */
    g_assert_false(list_has_name(json_node_get_array(types), "device"));
    g_assert_true(list_has_name(json_node_get_array(all_types), "device"));
    qmp_free(mon);
}

/* Every type a schema entry names is described in the schema. */
static void test_schema(void)
{
    Monitor *mon = qmp_new_negotiated();
    g_autoptr(JsonNode) schema =
        command_return(mon, "{\"execute\":\"query-qmp-schema\"}");
    JsonArray *list = json_node_get_array(schema);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    JsonObject *hmc, *args;

    for (unsigned i = 0; i < json_array_get_length(list); i++) {
        JsonObject *e = json_array_get_object_element(list, i);

        g_hash_table_add(names,
                         (gpointer)json_object_get_string_member(e, "name"));
    }
#define REFERS(e, member)                                                      \
    g_assert_true(g_hash_table_contains(                                       \
        names, json_object_get_string_member(e, member)))
    for (unsigned i = 0; i < json_array_get_length(list); i++) {
        JsonObject *e = json_array_get_object_element(list, i);
        const char *meta = json_object_get_string_member(e, "meta-type");

        if (!strcmp(meta, "command")) {
            REFERS(e, "arg-type");
            REFERS(e, "ret-type");
        } else if (!strcmp(meta, "event")) {
            REFERS(e, "arg-type");
        } else if (!strcmp(meta, "array")) {
            REFERS(e, "element-type");
        } else if (!strcmp(meta, "object")) {
            JsonArray *members = json_object_get_array_member(e, "members");

            for (unsigned j = 0; j < json_array_get_length(members); j++) {
                REFERS(json_array_get_object_element(members, j), "type");
            }
        }
    }
    for (const QmpCommand *cmd = qmp_command_table; cmd->name; cmd++) {
        g_assert_true(g_hash_table_contains(names, cmd->name));
    }
    g_assert_true(g_hash_table_contains(names, "SHUTDOWN"));
    /* human-monitor-command: command-line required, cpu-index optional. */
    hmc = list_find(list, "human-monitor-command");
    args = list_find(list, json_object_get_string_member(hmc, "arg-type"));
    g_assert_cmpstr(json_object_get_string_member(hmc, "ret-type"), ==, "str");
    g_assert_nonnull(args);
    {
        JsonArray *members = json_object_get_array_member(args, "members");
        JsonObject *line = list_find(members, "command-line");
        JsonObject *cpu = list_find(members, "cpu-index");

        g_assert_cmpstr(json_object_get_string_member(line, "type"), ==, "str");
        g_assert_false(json_object_has_member(line, "default"));
        g_assert_cmpstr(json_object_get_string_member(cpu, "type"), ==, "int");
        g_assert_true(json_object_has_member(cpu, "default"));
    }
#undef REFERS
    qmp_free(mon);
}

/* ---- events over a socket --------------------------------------------- */

/*
 * Reads from fd until it holds n "\r\n" lines, running the main loop the
 * way pcvm_main() does: one iteration, then the pending requests. Sets
 * *exited (if given) when they said to exit, and stops looping then.
 */
static char *read_lines_vl(int fd, unsigned n, bool *exited)
{
    GString *s = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    unsigned lines = 0;
    int status;

    while (lines < n && g_get_monotonic_time() < deadline) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char buf[512];
        ssize_t got;

        if (!exited || !*exited) {
            main_loop_iterate(false);
            if (exited && main_loop_should_exit(&status)) {
                g_assert_cmpint(status, ==, 0);
                *exited = true;
                monitor_cleanup();
            }
        }
        if (poll(&pfd, 1, 10) <= 0) {
            continue;
        }
        got = read(fd, buf, sizeof(buf));
        g_assert_cmpint(got, >, 0);
        g_string_append_len(s, buf, got);
        lines = 0;
        for (const char *p = s->str; (p = strstr(p, "\r\n")); p += 2) {
            lines++;
        }
    }
    g_assert_cmpuint(lines, ==, n);
    return g_string_free(s, false);
}

static char *read_lines(int fd, unsigned n)
{
    return read_lines_vl(fd, n, NULL);
}

static void send_str(int fd, const char *s)
{
    g_assert_cmpint(write(fd, s, strlen(s)), ==, strlen(s));
}

static void test_socket_events(void)
{
    g_autofree char *dir = g_dir_make_tmp("pcvm-qmp-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *opts =
        g_strdup_printf("socket,id=qmp0,path=%s,server=on,wait=off", path);
    g_autofree char *greet = NULL, *stop = NULL, *quit = NULL, *reset = NULL;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    GError *err = NULL;
    Chardev *chr = chardev_new_from_options(opts, &err);
    int fd, status = -1;
    bool exited = false;

    g_assert_no_error(err);
    g_assert_nonnull(monitor_new(chr, true, false, &err));
    g_assert_no_error(err);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);

    greet = read_lines(fd, 1);
    g_assert_cmpstr(greet, ==, greeting);
    /* Before negotiation a client gets no events. */
    vm_start();
    send_str(fd,
             "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"stop\"}\n");
    stop = read_lines(fd, 3);
    g_assert_true(g_str_has_prefix(stop, "{\"return\": {}}\r\n{\"timestamp\": "
                                         "{\"seconds\": "));
    g_assert_true(g_str_has_suffix(stop, "}, \"event\": \"STOP\"}\r\n"
                                         "{\"return\": {}}\r\n"));

    system_reset_request(RESET_CAUSE_HOST);
    g_assert_false(main_loop_should_exit(&status));
    reset = read_lines(fd, 1);
    g_assert_true(g_str_has_suffix(
        reset, "\"event\": \"RESET\", \"data\": {\"guest\": false, "
               "\"reason\": \"host-qmp-system-reset\"}}\r\n"));

    /*
     * As in QEMU, a reply waits for the main loop's next pass, so what the
     * main loop does with the command's request comes out first.
     */
    send_str(fd, "{\"execute\":\"system_powerdown\"}\n");
    g_free(reset);
    reset = read_lines_vl(fd, 2, &exited);
    g_assert_false(exited);
    g_assert_true(g_str_has_suffix(reset, "\"event\": \"POWERDOWN\"}\r\n"
                                          "{\"return\": {}}\r\n"));

    /* quit: SHUTDOWN, then the reply, flushed before pcvm lets go. */
    send_str(fd, "{\"execute\":\"quit\",\"id\":\"q\"}\n"
                 "{\"execute\":\"query-status\"}\n");
    quit = read_lines_vl(fd, 2, &exited);
    g_assert_true(exited);
    g_assert_true(g_str_has_suffix(
        quit, "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, "
              "\"reason\": \"host-qmp-quit\"}}\r\n"
              "{\"return\": {}, \"id\": \"q\"}\r\n"));
    /* Nothing after quit ran: the connection ends there. */
    chardev_close_all();
    {
        char byte;

        g_assert_cmpint(read(fd, &byte, 1), ==, 0);
    }
    close(fd);
    unlink(path);
    rmdir(dir);
}

/*
 * Input a hostile client sends: a key twice (QEMU's parser refuses it;
 * json-glib alone would run the last one) and ids beyond INT64_MAX,
 * which come back as the integers they were.
 */
static void test_hostile_input(void)
{
    Monitor *mon = qmp_new_negotiated();
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"{\"execute\": \"query-status\", \"execute\": \"quit\"}",
         "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse "
         "error, duplicate key\"}}\r\n"},
        {"{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/\", "
         "\"path\": \"/machine\"}}",
         "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse "
         "error, duplicate key\"}}\r\n"},
        {"{\"execute\": \"no-such\", \"id\": 18446744073709551615}",
         "{\"id\": 18446744073709551615, \"error\": {\"class\": "
         "\"CommandNotFound\", \"desc\": \"The command no-such has not been "
         "found\"}}\r\n"},
        {"{\"execute\": \"no-such\", \"id\": 9223372036854775808}",
         "{\"id\": 9223372036854775808, \"error\": {\"class\": "
         "\"CommandNotFound\", \"desc\": \"The command no-such has not been "
         "found\"}}\r\n"},
        {"{\"execute\": \"no-such\", \"id\": -9223372036854775808}",
         "{\"id\": -9223372036854775808, \"error\": {\"class\": "
         "\"CommandNotFound\", \"desc\": \"The command no-such has not been "
         "found\"}}\r\n"},
        /* the same bytes in a string or a nested id are not the id */
        {"{\"execute\": \"no-such\", \"id\": [\"id\", 1]}",
         "{\"id\": [\"id\", 1], \"error\": {\"class\": \"CommandNotFound\", "
         "\"desc\": \"The command no-such has not been found\"}}\r\n"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *reply = exchange(mon, cases[i].in);

        g_assert_cmpstr(reply, ==, cases[i].out);
    }
    qmp_free(mon);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    main_loop_init();
    g_test_add_func("/qmp/json-writer", test_json_writer);
    g_test_add_func("/qmp/greeting-and-negotiation",
                    test_greeting_and_negotiation);
    g_test_add_func("/qmp/chunked-input", test_chunked_input);
    g_test_add_func("/qmp/errors", test_errors);
    g_test_add_func("/qmp/hostile-input", test_hostile_input);
    g_test_add_func("/qmp/queries", test_queries);
    g_test_add_func("/qmp/device-introspection", test_device_introspection);
    g_test_add_func("/qmp/schema", test_schema);
    /* Last: it ends with the exit path of the run state. */
    g_test_add_func("/qmp/socket-events", test_socket_events);
    return g_test_run();
}
