/*
 * The block graph of -blockdev and blockdev-add: options as dotted keys
 * and as JSON, nodes named and shared, what a child inherits, QEMU's
 * errors, blockdev-del's rules, and a device's backend on a named node.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "block/block-int.h"
#include "block/blockdev.h"
#include "block/drive.h"

static char *image_new(size_t size)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-blockdev-XXXXXX.img", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    close(fd);
    return path;
}

static JsonObject *parse(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static JsonObject *parse(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *str = NULL;
    GError *err = NULL;
    JsonObject *o;

    va_start(ap, fmt);
    str = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    o = blockdev_options_parse(str, &err);
    g_assert_no_error(err);
    return o;
}

static void add_ok(const char *fmt, const char *file)
{
    g_autoptr(JsonObject) o = parse(fmt, file);
    GError *err = NULL;

    g_assert_true(blockdev_add(o, &err));
    g_assert_no_error(err);
}

static void add_fails(const char *spec, const char *message)
{
    g_autoptr(JsonObject) o = parse("%s", spec);
    GError *err = NULL;

    g_assert_false(blockdev_add(o, &err));
    g_assert_cmpstr(err->message, ==, message);
    g_error_free(err);
}

static void test_parse(void)
{
    g_autoptr(JsonObject) dotted =
        parse("driver=raw,node-name=r,file.driver=file,file.filename=/x,"
              "file.cache.direct=on");
    g_autoptr(JsonObject) json =
        parse("{\"driver\": \"raw\", \"file\": {\"driver\": \"file\", "
              "\"cache\": {\"direct\": true}}}");
    JsonObject *file;
    GError *err = NULL;

    g_assert_cmpstr(json_object_get_string_member(dotted, "driver"), ==, "raw");
    file = json_object_get_object_member(dotted, "file");
    g_assert_cmpstr(json_object_get_string_member(file, "filename"), ==, "/x");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(file, "cache"), "direct"),
                    ==, "on");
    file = json_object_get_object_member(json, "file");
    g_assert_true(json_object_get_boolean_member(
        json_object_get_object_member(file, "cache"), "direct"));

    /* A key cannot be both a value and a prefix. */
    g_assert_null(blockdev_options_parse("file=a,file.driver=file", &err));
    g_assert_cmpstr(err->message, ==,
                    "Parameters 'file.*' used inconsistently");
    g_clear_error(&err);
    g_assert_null(blockdev_options_parse("{\"driver\":", &err));
    g_clear_error(&err);
}

static void test_errors(void)
{
    g_autofree char *img = image_new(65536);
    g_autofree char *ok = g_strdup_printf(
        "driver=raw,node-name=base,file.driver=file,file.filename=%s", img);
    static const struct {
        const char *spec, *message;
    } cases[] = {
        {"driver=file,filename=/x", "'node-name' must be specified for the "
                                    "root node"},
        {"node-name=a", "Parameter 'driver' is missing"},
        {"node-name=a,driver=vmdk", "Parameter 'driver' does not accept "
                                    "value 'vmdk'"},
        {"node-name=a,driver=file", "Parameter 'filename' is missing"},
        {"node-name=a,driver=raw", "Parameter 'file' is missing"},
        {"node-name=a,driver=raw,file.node-name=b",
         "Parameter 'file.driver' is missing"},
        {"node-name=a,driver=raw,file=nothing",
         "Cannot find device='nothing' nor node-name='nothing'"},
        {"node-name=a,driver=file,filename=/x,colour=red",
         "Parameter 'colour' is unexpected"},
        {"node-name=a,driver=raw,file=base", "Conflicts with use by another "
                                             "node, which does not allow "
                                             "'write' on base"},
        {"node-name=a,driver=file,filename=/x,aio=fast",
         "Parameter 'aio' does not accept value 'fast'"},
        {"node-name=a,driver=file,filename=/x,aio=native",
         "aio=native was specified, but it requires cache.direct=on, which "
         "was not specified."},
        {"node-name=a,driver=file,filename=/x,read-only=maybe",
         "Parameter 'read-only' expects 'on' or 'off'"},
        {"node-name=a,driver=file,filename=/x,cache.writeback=on",
         "Parameter 'cache.writeback' is unexpected"},
        {"node-name=a,driver=file,filename=/x,detect-zeroes=unmap",
         "setting detect-zeroes to unmap is not allowed without setting "
         "discard operation to unmap"},
        {"node-name=1a,driver=file,filename=/x", "Invalid node-name: '1a'"},
        {"node-name=a-very-long-node-name-beyond-31-chars,driver=file,"
         "filename=/x",
         "Node name too long"},
        {"node-name=base,driver=file,filename=/x",
         "Duplicate nodes with node-name='base'"},
        {"{\"node-name\": \"a\", \"driver\": \"file\", \"filename\": 7}",
         "Invalid parameter type for 'filename', expected: string"},
        {"node-name=a,driver=file,filename=/nonexistent/x",
         "Could not open '/nonexistent/x': No such file or directory"},
    };

    add_ok("%s", ok);
    add_ok("driver=raw,node-name=top,file=%s", "base");
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("%s", cases[i].spec);
        add_fails(cases[i].spec, cases[i].message);
    }
    /* Nothing a failed add opened stays behind. */
    g_assert_cmpuint(bdrv_node_list()->len, ==, 3);
    blockdev_close_all();
    g_assert_cmpuint(bdrv_node_list()->len, ==, 0);
    unlink(img);
}

static void test_graph(void)
{
    g_autofree char *img = image_new(65536);
    BlockDriverState *file, *raw;
    GError *err = NULL;

    /* Bottom up: a named file node, then a raw node over it. */
    add_ok("driver=file,node-name=f0,filename=%s", img);
    add_ok("{\"driver\": \"raw\", \"node-name\": \"r0\", \"file\": \"%s\"}",
           "f0");
    file = bdrv_find_node("f0");
    raw = bdrv_find_node("r0");
    g_assert_nonnull(file);
    g_assert_true(raw->file == file);
    g_assert_cmpuint(file->refcnt, ==, 2); /* the monitor and r0 */
    g_assert_cmpuint(bdrv_getlength(raw), ==, 65536);

    /* A child in use stays; its parent goes first. */
    g_assert_false(blockdev_del("f0", &err));
    g_assert_cmpstr(err->message, ==, "Block device f0 is in use");
    g_clear_error(&err);
    g_assert_false(blockdev_del("nope", &err));
    g_assert_cmpstr(err->message, ==,
                    "Failed to find node with node-name='nope'");
    g_clear_error(&err);
    g_assert_true(blockdev_del("r0", &err));
    g_assert_null(bdrv_find_node("r0"));
    g_assert_cmpuint(file->refcnt, ==, 1);
    g_assert_true(blockdev_del("f0", &err));
    g_assert_null(bdrv_find_node("f0"));

    /* An inline child gets a generated name the monitor does not own. */
    add_ok("driver=raw,node-name=r1,read-only=on,file.driver=file,"
           "file.filename=%s",
           img);
    raw = bdrv_find_node("r1");
    g_assert_true(raw->file->node_name[0] == '#');
    g_assert_true(raw->file->opts.read_only); /* inherited */
    g_assert_false(blockdev_del(raw->file->node_name, &err));
    g_assert_true(
        g_str_has_suffix(err->message, "is not owned by the monitor"));
    g_clear_error(&err);
    /* A read-only node cannot be the child of a writable one. */
    add_fails("driver=raw,node-name=r2,file=r1", "Block node is read-only");
    add_ok("driver=raw,node-name=r2,read-only=on,file=%s", "r1");
    blockdev_close_all();
    g_assert_cmpuint(bdrv_node_list()->len, ==, 0);
    unlink(img);
}

/* A device's drive=NODE: an anonymous backend that writes to the image. */
static void test_attach(void)
{
    g_autofree char *img = image_new(65536);
    DriveConfig *d;
    GError *err = NULL;
    char buf[5] = {0};
    int fd;

    add_ok("driver=raw,node-name=disk,file.driver=file,file.filename=%s", img);
    g_assert_null(drive_find_or_attach("missing", &err));
    g_assert_no_error(err);
    d = drive_find_or_attach("disk", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(d->id, ==, "");
    g_assert_cmpstr(blk_node_name(d->blk), ==, "disk");
    g_assert_cmpint(blk_pwrite(d->blk, 4096, "pcvm", 4), ==, 0);
    g_assert_cmpint(blk_flush(d->blk), ==, 0);
    fd = open(img, O_RDONLY);
    g_assert_cmpint(pread(fd, buf, 4, 4096), ==, 4);
    close(fd);
    g_assert_cmpstr(buf, ==, "pcvm");

    /* One device per node, and the node stays while it is used. */
    g_assert_null(drive_find_or_attach("disk", &err));
    g_assert_cmpstr(err->message, ==,
                    "Conflicts with use by a device, which does not allow "
                    "'write' on disk");
    g_clear_error(&err);
    g_assert_false(blockdev_del("disk", &err));
    g_assert_cmpstr(err->message, ==, "Node disk is in use");
    g_clear_error(&err);
    drive_release(d);
    g_assert_true(blockdev_del("disk", &err));
    g_assert_cmpuint(bdrv_node_list()->len, ==, 0);
    unlink(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/blockdev/parse", test_parse);
    g_test_add_func("/blockdev/errors", test_errors);
    g_test_add_func("/blockdev/graph", test_graph);
    g_test_add_func("/blockdev/attach", test_attach);
    return g_test_run();
}
