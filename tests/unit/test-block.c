/*
 * Block backends: opening raw images (and QEMU's errors when that fails),
 * bounds-checked synchronous I/O, and the asynchronous path whose callbacks
 * run from the main context, never from inside the submitting call.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"

static char *image_new(size_t size, uint8_t fill)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-block-XXXXXX.img", &path, NULL);
    g_autofree uint8_t *data = g_malloc(size);

    g_assert_cmpint(fd, >=, 0);
    memset(data, fill, size);
    g_assert_cmpint(write(fd, data, size), ==, (ssize_t)size);
    close(fd);
    return path;
}

static void test_open_errors(void)
{
    GError *err = NULL;
    g_autofree char *img = image_new(4096, 0);
    g_autofree char *qcow = image_new(4096, 0);
    int fd;

    g_assert_null(blk_open("/nonexistent/disk.img", NULL, false, &err));
    g_assert_cmpstr(err->message, ==,
                    "Could not open '/nonexistent/disk.img'"
                    ": No such file or directory");
    g_clear_error(&err);
    g_assert_null(blk_open(img, "qcow2", false, &err));
    g_assert_cmpstr(err->message, ==, "'qcow2' invalid format");
    g_clear_error(&err);
    g_assert_null(blk_open(img, "vmdk", true, &err));
    g_assert_cmpstr(err->message, ==, "'vmdk' invalid format");
    g_clear_error(&err);
    g_assert_null(blk_open("/tmp", NULL, true, &err));
    g_clear_error(&err);

    /* A qcow2 file is not shown to the guest as raw bytes. */
    fd = open(qcow, O_WRONLY);
    g_assert_cmpint(pwrite(fd, "QFI\xfb", 4, 0), ==, 4);
    close(fd);
    g_assert_null(blk_open(qcow, NULL, false, &err));
    g_assert_nonnull(strstr(err->message, "qcow2"));
    g_clear_error(&err);
    unlink(img);
    unlink(qcow);
}

static void test_sync_io(void)
{
    g_autofree char *img = image_new(8 * BDRV_SECTOR_SIZE, 0xab);
    BlockBackend *blk = blk_open(img, "raw", false, NULL);
    uint8_t buf[2 * BDRV_SECTOR_SIZE], back[sizeof(buf)];
    int fd;

    g_assert_nonnull(blk);
    g_assert_true(blk_is_inserted(blk));
    g_assert_false(blk_is_read_only(blk));
    g_assert_cmpuint(blk_getlength(blk), ==, 8 * BDRV_SECTOR_SIZE);
    g_assert_cmpstr(blk_filename(blk), ==, img);

    g_assert_cmpint(blk_pread(blk, 0, buf, sizeof(buf)), ==, 0);
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmphex(buf[i], ==, 0xab);
    }
    memset(buf, 0x5a, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 6 * BDRV_SECTOR_SIZE, buf, sizeof(buf)), ==,
                    0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    /* It is in the file. */
    fd = open(img, O_RDONLY);
    g_assert_cmpint(pread(fd, back, sizeof(back), 6 * BDRV_SECTOR_SIZE), ==,
                    (ssize_t)sizeof(back));
    close(fd);
    g_assert_cmpmem(back, sizeof(back), buf, sizeof(buf));

    /* Past the end, or wrapping: refused whole, nothing written. */
    g_assert_cmpint(blk_pread(blk, 7 * BDRV_SECTOR_SIZE, buf, sizeof(buf)), ==,
                    -EIO);
    g_assert_cmpint(blk_pwrite(blk, 8 * BDRV_SECTOR_SIZE, buf, 1), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, UINT64_MAX - 10, buf, 512), ==, -EIO);
    g_assert_false(blk_range_valid(blk, 1, 8 * BDRV_SECTOR_SIZE));
    g_assert_true(blk_range_valid(blk, 0, 8 * BDRV_SECTOR_SIZE));
    blk_unref(blk);

    /* Read-only: reads work, writes fail. */
    blk = blk_open(img, NULL, true, NULL);
    g_assert_true(blk_is_read_only(blk));
    g_assert_cmpint(blk_pread(blk, 0, buf, 512), ==, 0);
    g_assert_cmpint(blk_pwrite(blk, 0, buf, 512), ==, -EACCES);
    blk_unref(blk);
    unlink(img);
}

static void test_empty(void)
{
    BlockBackend *blk = blk_new_empty(true);
    uint8_t buf[512];

    g_assert_false(blk_is_inserted(blk));
    g_assert_cmpuint(blk_getlength(blk), ==, 0);
    g_assert_null(blk_filename(blk));
    g_assert_cmpint(blk_pread(blk, 0, buf, 512), ==, -ENOMEDIUM);
    blk_unref(blk);
}

typedef struct Completion {
    int calls;
    int ret;
} Completion;

static void on_complete(void *opaque, int ret)
{
    Completion *c = opaque;

    c->calls++;
    c->ret = ret;
}

static void wait_for(Completion *c)
{
    for (int i = 0; i < 10000 && !c->calls; i++) {
        g_main_context_iteration(NULL, true);
    }
    g_assert_cmpint(c->calls, ==, 1);
}

static void test_async(void)
{
    g_autofree char *img = image_new(64 * BDRV_SECTOR_SIZE, 0x11);
    BlockBackend *blk = blk_open(img, NULL, false, NULL);
    g_autofree uint8_t *buf = g_malloc(16 * BDRV_SECTOR_SIZE);
    g_autofree uint8_t *back = g_malloc(16 * BDRV_SECTOR_SIZE);
    Completion c = {0};

    memset(buf, 0xc3, 16 * BDRV_SECTOR_SIZE);
    blk_aio_pwrite(blk, 8 * BDRV_SECTOR_SIZE, buf, 16 * BDRV_SECTOR_SIZE,
                   on_complete, &c);
    /* Never from inside the call. */
    g_assert_cmpint(c.calls, ==, 0);
    g_assert_cmpuint(blk_in_flight(blk), ==, 1);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    g_assert_cmpuint(blk_in_flight(blk), ==, 0);

    c = (Completion){0};
    blk_aio_pread(blk, 8 * BDRV_SECTOR_SIZE, back, 16 * BDRV_SECTOR_SIZE,
                  on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    g_assert_cmpmem(back, 16 * BDRV_SECTOR_SIZE, buf, 16 * BDRV_SECTOR_SIZE);

    c = (Completion){0};
    blk_aio_flush(blk, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);

    /* A bad range still completes through the main context, with -EIO. */
    c = (Completion){0};
    blk_aio_pread(blk, 60 * BDRV_SECTOR_SIZE, back, 8 * BDRV_SECTOR_SIZE,
                  on_complete, &c);
    g_assert_cmpint(c.calls, ==, 0);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, -EIO);

    /* blk_drain waits for the pool and runs the callbacks itself. */
    {
        Completion many[8] = {{0}};

        for (int i = 0; i < 8; i++) {
            blk_aio_pread(blk, i * BDRV_SECTOR_SIZE, back + i * 512, 512,
                          on_complete, &many[i]);
        }
        blk_drain(blk);
        g_assert_cmpuint(blk_in_flight(blk), ==, 0);
        for (int i = 0; i < 8; i++) {
            g_assert_cmpint(many[i].calls, ==, 1);
            g_assert_cmpint(many[i].ret, ==, 0);
        }
        /* The idle sources left behind find nothing to run twice. */
        while (g_main_context_iteration(NULL, false)) {
        }
        for (int i = 0; i < 8; i++) {
            g_assert_cmpint(many[i].calls, ==, 1);
        }
    }
    blk_unref(blk);
    unlink(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/block/open-errors", test_open_errors);
    g_test_add_func("/block/sync-io", test_sync_io);
    g_test_add_func("/block/empty", test_empty);
    g_test_add_func("/block/async", test_async);
    return g_test_run();
}
