/*
 * User-creatable objects: -object, QMP object-add / object-del and HMP
 * object_add / object_del for secret, rng-random, rng-builtin, iothread
 * and the memory backends, what qom-list and qom-get show of them at
 * /objects, and QEMU 7.2's error words (each checked against
 * qemu-system-x86_64 7.2's QMP by hand).
 */
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

static void assert_qmp_error(QTestState *s, const char *cmd, const char *desc)
{
    JsonObject *resp = qtest_qmp(s, "%s", cmd);
    const char *got;

    g_assert_true(json_object_has_member(resp, "error"));
    g_assert_cmpstr(qtest_qmp_error_class(resp), ==, "GenericError");
    got = json_object_get_string_member(
        json_object_get_object_member(resp, "error"), "desc");
    if (!g_str_has_prefix(got, desc)) {
        g_error("%s: expected \"%s\", got \"%s\"", cmd, desc, got);
    }
    json_object_unref(resp);
}

static int compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the children of /objects, sorted, comma-separated. */
static char *objects_list(QTestState *s)
{
    JsonNode *ret = qtest_qmp_assert_success_ref(
        s, "{'execute': 'qom-list', 'arguments': {'path': '/objects'}}");
    JsonArray *props = json_node_get_array(ret);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    char *out;

    for (guint i = 0; i < json_array_get_length(props); i++) {
        JsonObject *p = json_array_get_object_element(props, i);
        const char *type = json_object_get_string_member(p, "type");

        if (g_str_has_prefix(type, "child<")) {
            g_ptr_array_add(names,
                            (gpointer)json_object_get_string_member(p, "name"));
        }
    }
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    out = g_strjoinv(",", (char **)names->pdata);
    json_node_unref(ret);
    return out;
}

static char *qom_get_str(QTestState *s, const char *path, const char *prop)
{
    JsonNode *ret = qtest_qmp_assert_success_ref(
        s,
        "{'execute': 'qom-get', 'arguments': {'path': '%s', 'property': "
        "'%s'}}",
        path, prop);
    char *v = g_strdup(json_node_get_string(ret));

    json_node_unref(ret);
    return v;
}

static void test_command_line(void)
{
    g_autofree char *file = qtest_tmp_path("secret.txt");
    g_autofree char *list = NULL, *fmt = NULL, *fname = NULL;
    QTestState *s;

    g_assert_true(g_file_set_contents(file, "c2VjcmV0", -1, NULL));
    s = qtest_initf("-object secret,id=sec0,data=letmein "
                    "-object secret,id=sec1,file=%s,format=base64 "
                    "-object rng-random,id=rng0,filename=/dev/urandom "
                    "-object rng-builtin,id=rng1 "
                    "-object '{\"qom-type\":\"iothread\",\"id\":\"io0\"}'",
                    file);
    list = objects_list(s);
    g_assert_cmpstr(list, ==, "io0,rng0,rng1,sec0,sec1");
    fmt = qom_get_str(s, "/objects/sec1", "format");
    g_assert_cmpstr(fmt, ==, "base64");
    fname = qom_get_str(s, "/objects/rng0", "filename");
    g_assert_cmpstr(fname, ==, "/dev/urandom");
    g_free(fmt);
    fmt = qom_get_str(s, "/objects/rng1", "type");
    g_assert_cmpstr(fmt, ==, "rng-builtin");
    qtest_quit(s);
    unlink(file);
}

static void test_command_line_errors(void)
{
    static const struct {
        const char *args, *error;
    } bad[] = {
        {"-object secret,id=s0", "Either 'file' or 'data' must be provided"},
        {"-object secret,id=s0,data=x,file=/etc/hostname",
         "'file' and 'data' are mutually exclusive"},
        {"-object secret,id=s0,data=x,format=hex",
         "Parameter 'format' does not accept value 'hex'"},
        {"-object secret,id=s0,data=!!,format=base64",
         "Base64 data contains invalid characters"},
        {"-object secret,id=s0,file=/nonexistent/s",
         "Unable to read /nonexistent/s: "},
        {"-object secret,id=s0,data=x -object secret,id=s0,data=y",
         "Duplicate ID 's0' for object"},
        {"-object rng-random,id=r0,filename=/nonexistent/r",
         "Could not open '/nonexistent/r': No such file or directory"},
        {"-object rng-builtin,id=r0,colour=red", "Invalid parameter 'colour'"},
        {"-object nosuch,id=x0",
         "Parameter 'qom-type' does not accept value 'nosuch'"},
        {"-object secret,data=x", "Parameter 'id' is missing"},
        {"-object secret,id=1s,data=x", "Parameter 'id' expects an identifier"},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        qtest_assert_startup_error(bad[i].args, bad[i].error);
    }
}

static void test_object_add_del(void)
{
    QTestState *s = qtest_init("-object iothread,id=io-used "
                               "-device virtio-blk-pci,iothread=io-used,"
                               "drive=d0 -drive if=none,id=d0,format=raw,"
                               "file=/dev/null,readonly=on");
    g_autofree char *list = NULL, *fmt = NULL;
    g_autofree char *hmp = NULL;

    qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': 'secret', "
           "'id': 's0', 'data': 'hello'}}");
    qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': 'secret', "
           "'id': 's1', 'data': 'aGVsbG8=', 'format': 'base64'}}");
    qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': "
           "'rng-builtin', 'id': 'r0'}}");
    qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': 'iothread', "
           "'id': 'io0'}}");
    qtest_qmp_assert_success(
        s, "{'execute': 'object-add', 'arguments': {'qom-type': "
           "'memory-backend-ram', 'id': 'm0', 'size': 1048576}}");
    fmt = qom_get_str(s, "/objects/s1", "format");
    g_assert_cmpstr(fmt, ==, "base64");

    assert_qmp_error(s,
                     "{'execute': 'object-add', 'arguments': {'qom-type': "
                     "'secret', 'id': 's0', 'data': 'again'}}",
                     "attempt to add duplicate property 's0' to object "
                     "(type 'container')");
    assert_qmp_error(s,
                     "{'execute': 'object-add', 'arguments': {'qom-type': "
                     "'nosuch', 'id': 'x0'}}",
                     "Parameter 'qom-type' does not accept value 'nosuch'");
    assert_qmp_error(s,
                     "{'execute': 'object-add', 'arguments': {'qom-type': "
                     "'secret', 'id': 's2'}}",
                     "Either 'file' or 'data' must be provided");
    assert_qmp_error(s,
                     "{'execute': 'object-add', 'arguments': {'qom-type': "
                     "'rng-random', 'id': 'r1', 'filename': '/nonexistent'}}",
                     "Could not open '/nonexistent': No such file or "
                     "directory");
    assert_qmp_error(s,
                     "{'execute': 'object-add', 'arguments': {'qom-type': "
                     "'secret', 'data': 'x'}}",
                     "Parameter 'id' is missing");
    /* a failed object-add leaves nothing behind */
    list = objects_list(s);
    g_assert_cmpstr(list, ==, "io-used,io0,m0,r0,s0,s1");

    qtest_qmp_assert_success(
        s, "{'execute': 'object-del', 'arguments': {'id': 's0'}}");
    qtest_qmp_assert_success(
        s, "{'execute': 'object-del', 'arguments': {'id': 'io0'}}");
    qtest_qmp_assert_success(
        s, "{'execute': 'object-del', 'arguments': {'id': 'm0'}}");
    assert_qmp_error(s, "{'execute': 'object-del', 'arguments': {'id': 's0'}}",
                     "object 's0' not found");
    /* the device's iothread= links to it */
    assert_qmp_error(
        s, "{'execute': 'object-del', 'arguments': {'id': 'io-used'}}",
        "object 'io-used' is in use, can not be deleted");

    /* HMP: the same, in -object's text form */
    hmp = qtest_hmp(s, "object_add secret,id=s9,data=x");
    g_assert_cmpstr(hmp, ==, "");
    g_free(hmp);
    hmp = qtest_hmp(s, "object_add secret,id=s9,data=x");
    g_assert_nonnull(strstr(hmp, "Error: attempt to add duplicate property"));
    g_free(hmp);
    hmp = qtest_hmp(s, "object_del r0");
    g_assert_cmpstr(hmp, ==, "");
    g_free(hmp);
    hmp = qtest_hmp(s, "object_del r0");
    g_assert_cmpstr(hmp, ==, "Error: object 'r0' not found\r\n");
    g_free(list);
    list = objects_list(s);
    g_assert_cmpstr(list, ==, "io-used,s1,s9");
    qtest_quit(s);
}

/* A backend that is the guest's RAM cannot go. */
static void test_ram_backend_in_use(void)
{
    QTestState *s = qtest_init("-object memory-backend-ram,id=pc.ram,size=64M "
                               "-machine memory-backend=pc.ram");
    g_autofree char *size = NULL;
    JsonNode *ret;

    ret = qtest_qmp_assert_success_ref(
        s, "{'execute': 'qom-get', 'arguments': {'path': '/objects/pc.ram', "
           "'property': 'size'}}");
    g_assert_cmpint(json_node_get_int(ret), ==, 64 << 20);
    json_node_unref(ret);
    assert_qmp_error(s,
                     "{'execute': 'object-del', 'arguments': {'id': 'pc.ram'}}",
                     "object 'pc.ram' is in use, can not be deleted");
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/object/command-line", test_command_line);
    g_test_add_func("/object/command-line/errors", test_command_line_errors);
    g_test_add_func("/object/add-del", test_object_add_del);
    g_test_add_func("/object/ram-backend-in-use", test_ram_backend_in_use);
    return g_test_run();
}
