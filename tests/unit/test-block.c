/*
 * Block backends: opening raw images (and QEMU's errors when that fails),
 * bounds-checked synchronous I/O, and the asynchronous path whose callbacks
 * run from the main context, never from inside the submitting call; I/O
 * vectors and the vectored requests built on them.
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
    g_assert_cmpstr(err->message, ==, "Image is not in qcow2 format");
    g_clear_error(&err);
    g_assert_null(blk_open(img, "vmdk", true, &err));
    g_assert_cmpstr(err->message, ==, "'vmdk' invalid format");
    g_clear_error(&err);
    g_assert_null(blk_open("/tmp", NULL, true, &err));
    g_clear_error(&err);

    /* A file with qcow2's magic is probed as qcow2, not shown raw. */
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

/* Splits buf into pieces of the given sizes (odd ones included). */
static void iovector_split(IOVector *v, uint8_t *buf, const size_t *sizes,
                           unsigned n)
{
    iovector_init(v, 1); /* grows as pieces are added */
    for (unsigned i = 0; i < n; i++) {
        iovector_add(v, buf, sizes[i]);
        buf += sizes[i];
    }
}

static const size_t odd_sizes[] = {1, 511, 0, 3, 1024, 7, 2048, 13, 489};
#define ODD_TOTAL (1 + 511 + 3 + 1024 + 7 + 2048 + 13 + 489) /* 4096 */

static void test_iovector(void)
{
    uint8_t a[10], b[5], out[15];
    struct iovec fixed[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    IOVector v;

    iovector_init(&v, 1);
    iovector_add(&v, a, sizeof(a));
    iovector_add(&v, b, 0); /* skipped */
    iovector_add(&v, b, sizeof(b));
    g_assert_cmpuint(v.niov, ==, 2);
    g_assert_cmpuint(v.size, ==, 15);
    g_assert_cmpuint(iovector_from_buf(&v, 0, "abcdefghijklmnopq", 17), ==, 15);
    g_assert_cmpmem(a, 10, "abcdefghij", 10);
    g_assert_cmpmem(b, 5, "klmno", 5);
    /* From inside an element, across the boundary. */
    g_assert_cmpuint(iovector_to_buf(&v, 8, out, 4), ==, 4);
    g_assert_cmpmem(out, 4, "ijkl", 4);
    g_assert_cmpuint(iovector_memset(&v, 9, 'z', 100), ==, 6);
    g_assert_cmpmem(a, 10, "abcdefghiz", 10);
    g_assert_cmpmem(b, 5, "zzzzz", 5);
    g_assert_cmpuint(iovector_to_buf(&v, 15, out, 1), ==, 0);
    iovector_reset(&v);
    g_assert_cmpuint(v.size, ==, 0);
    iovector_destroy(&v);

    iovector_init_external(&v, fixed, 2);
    g_assert_cmpuint(v.size, ==, 15);
    g_assert_cmpuint(iovector_to_buf(&v, 0, out, 15), ==, 15);
    g_assert_cmpmem(out, 10, "abcdefghiz", 10);
    iovector_destroy(&v); /* leaves the caller's array alone */
    g_assert_true(fixed[0].iov_base == a);
}

static void test_vectored_sync(void)
{
    g_autofree char *img = image_new(16 * BDRV_SECTOR_SIZE, 0x77);
    BlockBackend *blk = blk_open(img, NULL, false, NULL);
    g_autofree uint8_t *data = g_malloc(ODD_TOTAL);
    g_autofree uint8_t *back = g_malloc(ODD_TOTAL);
    g_autofree uint8_t *flat = g_malloc(ODD_TOTAL);
    IOVector v;

    for (unsigned i = 0; i < ODD_TOTAL; i++) {
        data[i] = i * 13 + 5;
    }
    iovector_split(&v, data, odd_sizes, G_N_ELEMENTS(odd_sizes));
    g_assert_cmpuint(v.size, ==, ODD_TOTAL);
    /* At an odd offset: the layer is byte-granular. */
    g_assert_cmpint(blk_pwritev(blk, 3 * BDRV_SECTOR_SIZE + 1, &v), ==, 0);
    g_assert_cmpint(blk_pread(blk, 3 * BDRV_SECTOR_SIZE + 1, flat, ODD_TOTAL),
                    ==, 0);
    g_assert_cmpmem(flat, ODD_TOTAL, data, ODD_TOTAL);
    /* The byte before is untouched. */
    g_assert_cmpint(blk_pread(blk, 3 * BDRV_SECTOR_SIZE, flat, 1), ==, 0);
    g_assert_cmphex(flat[0], ==, 0x77);
    iovector_destroy(&v);

    /* Read back scattered differently. */
    {
        static const size_t other[] = {4000, 1, 95};

        memset(back, 0, ODD_TOTAL);
        iovector_split(&v, back, other, G_N_ELEMENTS(other));
        g_assert_cmpint(blk_preadv(blk, 3 * BDRV_SECTOR_SIZE + 1, &v), ==, 0);
        g_assert_cmpmem(back, ODD_TOTAL, data, ODD_TOTAL);
        /* One byte too many at the end: refused whole, nothing read. */
        memset(back, 0, ODD_TOTAL);
        g_assert_cmpint(
            blk_preadv(blk, 16 * BDRV_SECTOR_SIZE - ODD_TOTAL + 1, &v), ==,
            -EIO);
        for (unsigned i = 0; i < ODD_TOTAL; i++) {
            g_assert_cmphex(back[i], ==, 0);
        }
        iovector_destroy(&v);
    }

    /* An empty vector is a request of 0 bytes. */
    iovector_init(&v, 0);
    g_assert_cmpint(blk_preadv(blk, 0, &v), ==, 0);
    iovector_destroy(&v);
    blk_unref(blk);

    blk = blk_open(img, NULL, true, NULL);
    iovector_split(&v, data, odd_sizes, G_N_ELEMENTS(odd_sizes));
    g_assert_cmpint(blk_pwritev(blk, 0, &v), ==, -EACCES);
    iovector_destroy(&v);
    blk_unref(blk);
    unlink(img);
}

static void test_vectored_async(void)
{
    /* More elements than one preadv takes (IOV_MAX is 1024 on Linux). */
    enum { PIECES = 3000 };
    g_autofree char *img = image_new(PIECES * 3 + 8192, 0x22);
    BlockBackend *blk = blk_open(img, NULL, false, NULL);
    g_autofree uint8_t *data = g_malloc(PIECES * 3);
    g_autofree uint8_t *back = g_malloc0(PIECES * 3);
    g_autofree uint8_t *flat = g_malloc(PIECES * 3);
    IOVector v, w;
    Completion c = {0};
    uint64_t total = 0;

    iovector_init(&v, 4);
    iovector_init(&w, 4);
    for (unsigned i = 0; i < PIECES; i++) {
        size_t len = 1 + i % 5; /* 1..5 bytes */

        if (total + len > PIECES * 3) {
            len = PIECES * 3 - total;
        }
        iovector_add(&v, data + total, len);
        iovector_add(&w, back + total, len);
        total += len;
    }
    for (uint64_t i = 0; i < total; i++) {
        data[i] = i ^ (i >> 8);
    }
    g_assert_cmpuint(v.niov, >, 1024);

    blk_aio_pwritev(blk, 4095, &v, on_complete, &c);
    g_assert_cmpint(c.calls, ==, 0);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    g_assert_cmpint(blk_pread(blk, 4095, flat, total), ==, 0);
    g_assert_cmpmem(flat, total, data, total);

    c = (Completion){0};
    blk_aio_preadv(blk, 4095, &w, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    g_assert_cmpmem(back, total, data, total);

    /* Past the end: -EIO through the main context, buffers untouched. */
    memset(back, 0, total);
    c = (Completion){0};
    blk_aio_preadv(blk, blk_getlength(blk) - total + 1, &w, on_complete, &c);
    g_assert_cmpint(c.calls, ==, 0);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, -EIO);
    for (uint64_t i = 0; i < total; i++) {
        g_assert_cmphex(back[i], ==, 0);
    }
    iovector_destroy(&v);
    iovector_destroy(&w);
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
    g_test_add_func("/block/iovector", test_iovector);
    g_test_add_func("/block/vectored-sync", test_vectored_sync);
    g_test_add_func("/block/vectored-async", test_vectored_async);
    return g_test_run();
}
