/*
 * Graphic consoles and screendump files without a device: a console whose
 * update callback draws a known pattern, its surface resized and marked
 * changed, and the PPM and PNG files screendump writes, read back here
 * (the PNG by its chunks, CRCs and zlib stream).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ui/console.h"
#include "util/error.h"

typedef struct Pattern {
    int width, height, updates;
} Pattern;

static uint32_t pattern_pixel(int x, int y)
{
    return ((x * 7) & 0xff) << 16 | ((y * 13) & 0xff) << 8 | ((x ^ y) & 0xff);
}

static QemuConsole *pattern_con;

static void pattern_update(void *opaque)
{
    Pattern *p = opaque;
    DisplaySurface *s = qemu_console_resize(pattern_con, p->width, p->height);

    for (int y = 0; y < p->height; y++) {
        for (int x = 0; x < p->width; x++) {
            surface_row(s, y)[x] = pattern_pixel(x, y);
        }
    }
    p->updates++;
}

static const GraphicHwOps pattern_ops = {.gfx_update = pattern_update};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void test_surfaces(void)
{
    Pattern p = {33, 7};
    QemuConsole *con = graphic_console_init("dev0", 0, &pattern_ops, &p);
    DisplaySurface *s = qemu_console_surface(con);
    pixman_box32_t box;

    pattern_con = con;
    g_assert_cmpint(surface_width(s), ==, 640);
    g_assert_cmpint(surface_height(s), ==, 480);
    g_assert_cmphex(surface_row(s, 479)[639], ==, 0);
    g_assert_true(qemu_console_lookup_by_index(0) == con);
    g_assert_true(qemu_console_lookup_by_device("dev0", 0) == con);
    g_assert_null(qemu_console_lookup_by_device("dev0", 1));
    g_assert_null(qemu_console_lookup_by_device("dev1", 0));
    g_assert_true(qemu_console_device_exists("dev0"));

    /* The changed rectangle: the union of what was marked, taken once. */
    g_assert_true(qemu_console_take_dirty(con, &box));
    g_assert_false(qemu_console_take_dirty(con, &box));
    dpy_gfx_update(con, 10, 20, 5, 5);
    dpy_gfx_update(con, 2, 30, 1, 1);
    g_assert_true(qemu_console_take_dirty(con, &box));
    g_assert_cmpint(box.x1, ==, 2);
    g_assert_cmpint(box.y1, ==, 20);
    g_assert_cmpint(box.x2, ==, 15);
    g_assert_cmpint(box.y2, ==, 31);

    graphic_hw_update(con);
    g_assert_cmpint(p.updates, ==, 1);
    s = qemu_console_surface(con);
    g_assert_cmpint(surface_width(s), ==, 33);
    g_assert_cmpint(surface_height(s), ==, 7);
    g_assert_cmphex(surface_row(s, 6)[32], ==, pattern_pixel(32, 6));
    /* Sizes are clamped. */
    qemu_console_resize(con, 0, 100000);
    g_assert_cmpint(surface_width(s), ==, 1);
    g_assert_cmpint(surface_height(s), ==, 16384);
    graphic_console_close(con);
    g_assert_null(qemu_console_lookup_by_index(0));
}

static void test_screendump_files(void)
{
    Pattern p = {37, 300};
    QemuConsole *con = graphic_console_init(NULL, 0, &pattern_ops, &p);
    g_autofree char *dir = g_dir_make_tmp("pcvm-console-XXXXXX", NULL);
    g_autofree char *ppm = g_build_filename(dir, "a.ppm", NULL);
    g_autofree char *png = g_build_filename(dir, "a.png", NULL);
    g_autofree char *data = NULL;
    g_autoptr(GByteArray) idat = g_byte_array_new();
    g_autofree uint8_t *raw = NULL;
    g_autoptr(GError) err = NULL;
    gsize len, pos = 8;
    uLongf raw_len = (37 * 3 + 1) * 300;
    int w, h, maxval, n = 0;

    pattern_con = con;
    g_assert_true(qemu_console_screendump(con, ppm, IMAGE_FORMAT_PPM, &err));
    g_assert_true(g_file_get_contents(ppm, &data, &len, NULL));
    g_assert_cmpint(sscanf(data, "P6 %d %d %d%n", &w, &h, &maxval, &n), ==, 3);
    g_assert_cmpint(w, ==, 37);
    g_assert_cmpint(h, ==, 300);
    g_assert_cmpint(maxval, ==, 255);
    n++;
    g_assert_cmpuint(len - n, ==, 37 * 300 * 3);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const uint8_t *q = (uint8_t *)data + n + 3 * (y * w + x);

            g_assert_cmphex(q[0] << 16 | q[1] << 8 | q[2], ==,
                            pattern_pixel(x, y));
        }
    }
    g_free(data);

    g_assert_true(qemu_console_screendump(con, png, IMAGE_FORMAT_PNG, &err));
    g_assert_true(g_file_get_contents(png, &data, &len, NULL));
    g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
    for (;;) {
        const uint8_t *c = (uint8_t *)data + pos;
        uint32_t clen = be32(c);

        g_assert_cmphex(crc32(0, c + 4, clen + 4), ==, be32(c + 8 + clen));
        if (!memcmp(c + 4, "IHDR", 4)) {
            g_assert_cmpuint(be32(c + 8), ==, 37);
            g_assert_cmpuint(be32(c + 12), ==, 300);
            g_assert_cmpmem(c + 16, 5, "\x08\x02\x00\x00\x00", 5);
        } else if (!memcmp(c + 4, "IDAT", 4)) {
            g_byte_array_append(idat, c + 8, clen);
        }
        pos += 12 + clen;
        if (!memcmp(c + 4, "IEND", 4)) {
            break;
        }
    }
    g_assert_cmpuint(pos, ==, len);
    raw = g_malloc(raw_len);
    g_assert_cmpint(uncompress(raw, &raw_len, idat->data, idat->len), ==, Z_OK);
    g_assert_cmpuint(raw_len, ==, (37 * 3 + 1) * 300);
    for (int y = 0; y < 300; y++) {
        const uint8_t *row = raw + y * (37 * 3 + 1);

        g_assert_cmpuint(row[0], ==, 0); /* filter type none */
        for (int x = 0; x < 37; x++) {
            const uint8_t *q = row + 1 + 3 * x;

            g_assert_cmphex(q[0] << 16 | q[1] << 8 | q[2], ==,
                            pattern_pixel(x, y));
        }
    }
    g_assert_cmpint(p.updates, ==, 2);

    /* A file that cannot be created: QEMU's message. */
    g_assert_false(qemu_console_screendump(con, "/nonexistent/a.ppm",
                                           IMAGE_FORMAT_PPM, &err));
    g_assert_cmpstr(err->message, ==,
                    "failed to open file '/nonexistent/a.ppm': No such file "
                    "or directory");
    graphic_console_close(con);
    unlink(ppm);
    unlink(png);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/console/surfaces", test_surfaces);
    g_test_add_func("/console/screendump-files", test_screendump_files);
    return g_test_run();
}
