/*
 * The VNC server spoken to as an RFB client does: the 3.3, 3.7 and 3.8
 * handshakes, VNC authentication with the password QMP and HMP set,
 * framebuffer updates in raw, hextile and zlib decoded here and compared
 * with pcvm's own screendump, incremental updates that carry only what
 * changed, DesktopSize when the VGA changes mode, key and pointer events
 * read back as PS/2 bytes at the i8042, several clients, a client that
 * never reads, query-vnc, the VNC events and `info vnc`.
 *
 * The picture is a VBE linear mode the test draws with qtest writes into
 * the VGA's framebuffer BAR. The response to VNC's challenge is computed
 * with the server's DES (ui/vnc-des.c, checked against FIPS 46-3 vectors in
 * tests/unit/test-vnc-des.c); vncsnapshot, when installed, is a client
 * written by others.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include "libqtest.h"
#include "ui/vnc-des.h"

#define CONFADD 0xcf8
#define CONFDATA 0xcfc
#define VGA_SLOT 5
#define VGA_DEVFN (VGA_SLOT << 3)
#define VGA_LFB 0xe0000000u
#define VGA_MMIO 0xe1000000u

#define KBC_DATA 0x60
#define KBC_CMD 0x64
#define STAT_OBF 0x01
#define STAT_AUX_OBF 0x20

#define RFB_TIMEOUT_MS 10000

/* ---- the machine -------------------------------------------------------- */

typedef struct Vm {
    QTestState *qts;
    char *sock;
    int width, height;
} Vm;

static void cfg_writel(QTestState *s, int devfn, int reg, uint32_t v)
{
    qtest_outl(s, CONFADD, 0x80000000u | (devfn << 8) | (reg & 0xfc));
    qtest_outl(s, CONFDATA, v);
}

static void vbe_write(QTestState *s, uint16_t index, uint16_t val)
{
    qtest_outw(s, 0x1ce, index);
    qtest_outw(s, 0x1cf, val);
}

/* A VBE 32 bpp mode of width x height. */
static void vga_mode(Vm *vm, int width, int height)
{
    vbe_write(vm->qts, 4, 0);
    vbe_write(vm->qts, 1, width);
    vbe_write(vm->qts, 2, height);
    vbe_write(vm->qts, 3, 32);
    vbe_write(vm->qts, 4, 0x41);
    vm->width = width;
    vm->height = height;
}

/* Fills the mode with a pattern seeded by seed: many colours, some runs. */
static void vga_draw(Vm *vm, unsigned seed)
{
    size_t n = (size_t)vm->width * vm->height;
    g_autofree uint32_t *fb = g_new(uint32_t, n);

    for (int y = 0; y < vm->height; y++) {
        for (int x = 0; x < vm->width; x++) {
            uint32_t v;

            static const uint32_t few[5] = {0xff0000, 0x00ff00, 0x0000ff,
                                            0xffff00, 0x808080};

            /* Each kind of hextile tile: solid, mono, coloured, raw. */
            if (x < 64 && y < 32) {
                v = 0x336699 + seed; /* whole tiles of one colour */
            } else if (y >= vm->height - 48) {
                /* Few colours in small blocks: coloured rectangles. */
                v = few[(x / 4 + y / 3 + seed) % 5];
            } else if (x < 64) {
                v = (x / 4 + y / 4) % 2 ? 0xffffff : 0x000000; /* mono */
            } else if ((x / 8 + y / 8) % 3 == 0) {
                v = 0x102030 * (seed + 1);
            } else {
                /* Noise: a pixel hash, no two neighbours alike. */
                uint32_t h = x * 0x9e3779b1u ^ y * 0x85ebca6bu ^
                             (seed + 1) * 0xc2b2ae35u;

                h ^= h >> 15;
                h *= 0x2c1b3c6du;
                h ^= h >> 12;
                h *= 0x297a2d39u;
                h ^= h >> 15;
                v = h & 0xffffff;
            }
            fb[y * vm->width + x] = v | 0xa5000000u; /* x byte ignored */
        }
    }
    qtest_memwrite(vm->qts, VGA_LFB, fb, n * 4);
}

static void vga_fill_rect(Vm *vm, int x0, int y0, int w, int h, uint32_t v)
{
    for (int y = y0; y < y0 + h; y++) {
        g_autofree uint32_t *row = g_new(uint32_t, w);

        for (int x = 0; x < w; x++) {
            row[x] = v;
        }
        qtest_memwrite(vm->qts, VGA_LFB + 4 * ((size_t)y * vm->width + x0), row,
                       4 * w);
    }
}

static Vm *vm_start(const char *vnc_opts, const char *extra)
{
    Vm *vm = g_new0(Vm, 1);

    vm->sock = g_strdup_printf("/tmp/pcvm-vnc-test-%d-%u.sock", getpid(),
                               g_random_int());
    vm->qts =
        qtest_initf("-device VGA,addr=%x -vnc unix:%s%s %s", VGA_SLOT, vm->sock,
                    vnc_opts ? vnc_opts : "", extra ? extra : "");
    cfg_writel(vm->qts, VGA_DEVFN, 0x10, VGA_LFB);
    cfg_writel(vm->qts, VGA_DEVFN, 0x18, VGA_MMIO);
    cfg_writel(vm->qts, VGA_DEVFN, 0x04, 0x0003);
    vga_mode(vm, 320, 200);
    vga_draw(vm, 0);
    /*
     * A screendump renders the new mode now; QEMU's console would
     * otherwise only see it at its next display refresh.
     */
    qtest_qmp_assert_success(vm->qts,
                             "{\"execute\": \"screendump\", \"arguments\": "
                             "{\"filename\": \"/dev/null\"}}");
    return vm;
}

static void vm_quit(Vm *vm)
{
    qtest_quit(vm->qts);
    unlink(vm->sock);
    g_free(vm->sock);
    g_free(vm);
}

/* ---- pictures ----------------------------------------------------------- */

typedef struct Image {
    int width, height;
    uint32_t *px; /* 0x00RRGGBB */
} Image;

static void image_resize(Image *img, int width, int height)
{
    g_free(img->px);
    img->width = width;
    img->height = height;
    img->px = g_new0(uint32_t, (size_t)width * height);
}

static void screendump_read(Vm *vm, Image *img)
{
    g_autofree char *path = qtest_tmp_path("shot.ppm");
    g_autofree char *data = NULL;
    gsize len;
    int maxval, n = 0;

    qtest_qmp_assert_success(vm->qts,
                             "{\"execute\": \"screendump\", \"arguments\": "
                             "{\"filename\": \"%s\"}}",
                             path);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    unlink(path);
    g_assert_cmpint(
        sscanf(data, "P6 %d %d %d%n", &img->width, &img->height, &maxval, &n),
        ==, 3);
    n++;
    g_assert_cmpuint(len - n, ==, (gsize)img->width * img->height * 3);
    img->px = g_new(uint32_t, (size_t)img->width * img->height);
    for (int i = 0; i < img->width * img->height; i++) {
        const uint8_t *p = (const uint8_t *)data + n + 3 * i;

        img->px[i] = p[0] << 16 | p[1] << 8 | p[2];
    }
}

/* Compares with each channel reduced to the client's bits (8: equal). */
static void assert_images_equal(const Image *got, const Image *want,
                                const int bits[3])
{
    static const int full[3] = {8, 8, 8};

    bits = bits ? bits : full;
    g_assert_cmpint(got->width, ==, want->width);
    g_assert_cmpint(got->height, ==, want->height);
    for (int i = 0; i < got->width * got->height; i++) {
        uint32_t w = 0;

        for (int c = 0; c < 3; c++) {
            uint32_t mask = (0xff << (8 - bits[c])) & 0xff;

            w |= ((want->px[i] >> (16 - 8 * c)) & mask) << (16 - 8 * c);
        }
        if (got->px[i] != w) {
            g_test_message("pixel (%d, %d)", i % got->width, i / got->width);
            g_assert_cmphex(got->px[i], ==, w);
        }
    }
}

/* ---- an RFB client ------------------------------------------------------ */

typedef struct Rfb {
    int fd;
    int minor;
    Image fb;
    /* Pixel format in use. */
    int bpp;
    bool big_endian;
    int max[3], shift[3];
    z_stream zs;
    bool zs_ready;
    /* Seen in the last update. */
    int rects;
    long area;
    bool desktop_size;
    bool ext_key_ack;
} Rfb;

static int rfb_socket(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(sun.sun_path));
    strcpy(sun.sun_path, path);
    for (int i = 0; i < 500; i++) {
        if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            return fd;
        }
        g_usleep(10 * 1000);
    }
    g_error("cannot connect to %s: %s", path, g_strerror(errno));
}

static void rfb_read(Rfb *r, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
        ssize_t n;

        g_assert_cmpint(poll(&pfd, 1, RFB_TIMEOUT_MS), ==, 1);
        n = read(r->fd, p, len);
        if (n <= 0) {
            g_error("RFB read: %s", n ? g_strerror(errno) : "end of file");
        }
        p += n;
        len -= n;
    }
}

/* True if the server closed the connection (nothing more to read). */
static bool rfb_closed(Rfb *r)
{
    struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
    uint8_t b;

    ssize_t n;

    g_assert_cmpint(poll(&pfd, 1, RFB_TIMEOUT_MS), ==, 1);
    n = read(r->fd, &b, 1);
    if (n != 0) {
        g_test_message("read %zd (%s), byte 0x%02x", n,
                       n < 0 ? g_strerror(errno) : "data", b);
    }
    /* A reset (the server closed with our bytes unread) is closed too. */
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

static uint8_t rfb_u8(Rfb *r)
{
    uint8_t b;

    rfb_read(r, &b, 1);
    return b;
}

static uint16_t rfb_u16(Rfb *r)
{
    uint8_t b[2];

    rfb_read(r, b, 2);
    return b[0] << 8 | b[1];
}

static uint32_t rfb_u32(Rfb *r)
{
    uint8_t b[4];

    rfb_read(r, b, 4);
    return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

static void rfb_write(Rfb *r, const void *buf, size_t len)
{
    g_assert_cmpint(write(r->fd, buf, len), ==, (ssize_t)len);
}

static char *rfb_reason(Rfb *r)
{
    uint32_t len = rfb_u32(r);
    char *s = g_malloc0(len + 1);

    rfb_read(r, s, len);
    return s;
}

/*
 * Connects and runs the handshake for RFB 3.minor with password (NULL:
 * security None). Returns NULL if the server refused; *reason then holds
 * its reason (3.8) when reason is non-NULL.
 */
static Rfb *rfb_connect(const char *path, int minor, const char *password,
                        char **reason)
{
    Rfb *r = g_new0(Rfb, 1);
    char version[13] = {0};
    uint8_t type;
    uint32_t name_len;
    g_autofree char *name = NULL;
    uint8_t pf[16];

    r->fd = rfb_socket(path);
    r->minor = minor;
    rfb_read(r, version, 12);
    g_assert_cmpstr(version, ==, "RFB 003.008\n");
    g_snprintf(version, sizeof(version), "RFB 003.%03d\n", minor);
    rfb_write(r, version, 12);
    if (minor < 7) { /* 3.3, and versions between that act as 3.3 */
        type = rfb_u32(r);
    } else {
        uint8_t n = rfb_u8(r), types[255];

        g_assert_cmpuint(n, ==, 1);
        rfb_read(r, types, n);
        type = types[0];
        rfb_write(r, &type, 1);
    }
    g_assert_cmpuint(type, ==, password ? 2 : 1);
    if (type == 2) {
        uint8_t challenge[16], response[16];

        rfb_read(r, challenge, 16);
        vnc_des_response(password, challenge, response);
        rfb_write(r, response, 16);
    }
    if (type == 2 || minor >= 8) {
        uint32_t result = rfb_u32(r);

        if (result != 0) {
            g_assert_cmpuint(result, ==, 1);
            if (minor >= 8) {
                char *why = rfb_reason(r);

                if (reason) {
                    *reason = why;
                } else {
                    g_free(why);
                }
            }
            g_assert_true(rfb_closed(r));
            close(r->fd);
            g_free(r);
            return NULL;
        }
    }
    rfb_write(r, "\1", 1); /* shared */
    r->fb.width = rfb_u16(r);
    r->fb.height = rfb_u16(r);
    image_resize(&r->fb, r->fb.width, r->fb.height);
    rfb_read(r, pf, 16);
    /* 32 bpp, depth 24, little endian, true colour, 8:8:8 at 16/8/0. */
    g_assert_cmpmem(pf, 16,
                    "\x20\x18\x00\x01\x00\xff\x00\xff\x00\xff\x10\x08\x00"
                    "\x00\x00\x00",
                    16);
    r->bpp = 32;
    r->max[0] = r->max[1] = r->max[2] = 255;
    r->shift[0] = 16;
    r->shift[1] = 8;
    r->shift[2] = 0;
    name_len = rfb_u32(r);
    g_assert_cmpuint(name_len, <, 256);
    name = g_malloc0(name_len + 1);
    rfb_read(r, name, name_len);
    g_assert_cmpuint(name_len, >, 0); /* "pcvm", QEMU's "QEMU" */
    return r;
}

static void rfb_close(Rfb *r)
{
    if (r->zs_ready) {
        inflateEnd(&r->zs);
    }
    close(r->fd);
    g_free(r->fb.px);
    g_free(r);
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void rfb_set_encodings(Rfb *r, const int32_t *encodings, int n)
{
    uint8_t m[4 + 4 * 16] = {2, 0};

    g_assert_cmpint(n, <=, 16);
    put_u16(m + 2, n);
    for (int i = 0; i < n; i++) {
        put_u32(m + 4 + 4 * i, (uint32_t)encodings[i]);
    }
    rfb_write(r, m, 4 + 4 * n);
}

static void rfb_set_pixel_format(Rfb *r, int bpp, bool big_endian,
                                 const int max[3], const int shift[3])
{
    uint8_t m[20] = {0};

    m[4] = bpp;
    m[5] = bpp == 32 ? 24 : bpp;
    m[6] = big_endian;
    m[7] = 1;
    for (int i = 0; i < 3; i++) {
        put_u16(m + 8 + 2 * i, max[i]);
        m[14 + i] = shift[i];
        r->max[i] = max[i];
        r->shift[i] = shift[i];
    }
    r->bpp = bpp;
    r->big_endian = big_endian;
    rfb_write(r, m, sizeof(m));
}

static void rfb_request(Rfb *r, bool incremental)
{
    uint8_t m[10] = {3, incremental};

    put_u16(m + 6, r->fb.width);
    put_u16(m + 8, r->fb.height);
    rfb_write(r, m, sizeof(m));
}

/* A pixel in the client's format back to 0x00RRGGBB (channels widened). */
static uint32_t rfb_pixel(Rfb *r, const uint8_t *p)
{
    int bytes = r->bpp / 8;
    uint32_t v = 0, rgb = 0;

    for (int b = 0; b < bytes; b++) {
        v |= (uint32_t)p[b] << (r->big_endian ? 8 * (bytes - 1 - b) : 8 * b);
    }
    for (int c = 0; c < 3; c++) {
        uint32_t ch = (v >> r->shift[c]) & r->max[c];
        int bits = 0;

        while ((1 << bits) <= r->max[c]) {
            bits++;
        }
        rgb |= (ch << (8 - bits)) << (16 - 8 * c);
    }
    return rgb;
}

static uint32_t rfb_read_pixel(Rfb *r)
{
    uint8_t p[4];

    rfb_read(r, p, r->bpp / 8);
    return rfb_pixel(r, p);
}

static void rfb_decode_raw(Rfb *r, const uint8_t *data, int x, int y, int w,
                           int h)
{
    int bytes = r->bpp / 8;

    for (int row = 0; row < h; row++) {
        for (int col = 0; col < w; col++) {
            r->fb.px[(y + row) * r->fb.width + x + col] =
                rfb_pixel(r, data + ((size_t)row * w + col) * bytes);
        }
    }
}

static void rfb_fill(Rfb *r, int x, int y, int w, int h, uint32_t v)
{
    g_assert_cmpint(x + w, <=, r->fb.width);
    g_assert_cmpint(y + h, <=, r->fb.height);
    for (int row = y; row < y + h; row++) {
        for (int col = x; col < x + w; col++) {
            r->fb.px[row * r->fb.width + col] = v;
        }
    }
}

static void rfb_decode_hextile(Rfb *r, int x, int y, int w, int h)
{
    uint32_t bg = 0, fg = 0;

    for (int ty = y; ty < y + h; ty += 16) {
        for (int tx = x; tx < x + w; tx += 16) {
            int tw = MIN(16, x + w - tx), th = MIN(16, y + h - ty);
            uint8_t mask = rfb_u8(r);

            if (mask & 1) {
                g_autofree uint8_t *raw = g_malloc(tw * th * r->bpp / 8);

                rfb_read(r, raw, tw * th * r->bpp / 8);
                rfb_decode_raw(r, raw, tx, ty, tw, th);
                continue;
            }
            if (mask & 2) {
                bg = rfb_read_pixel(r);
            }
            rfb_fill(r, tx, ty, tw, th, bg);
            if (mask & 4) {
                fg = rfb_read_pixel(r);
            }
            if (mask & 8) {
                int n = rfb_u8(r);

                for (int i = 0; i < n; i++) {
                    uint32_t colour = mask & 16 ? rfb_read_pixel(r) : fg;
                    uint8_t xy = rfb_u8(r), wh = rfb_u8(r);

                    rfb_fill(r, tx + (xy >> 4), ty + (xy & 15), (wh >> 4) + 1,
                             (wh & 15) + 1, colour);
                }
            }
        }
    }
}

static void rfb_decode_zlib(Rfb *r, int x, int y, int w, int h)
{
    uint32_t len = rfb_u32(r);
    g_autofree uint8_t *in = g_malloc(len);
    size_t raw_len = (size_t)w * h * r->bpp / 8;
    g_autofree uint8_t *raw = g_malloc(raw_len + 1);

    rfb_read(r, in, len);
    if (!r->zs_ready) {
        g_assert_cmpint(inflateInit(&r->zs), ==, Z_OK);
        r->zs_ready = true;
    }
    r->zs.next_in = in;
    r->zs.avail_in = len;
    r->zs.next_out = raw;
    r->zs.avail_out = raw_len + 1;
    g_assert_cmpint(inflate(&r->zs, Z_SYNC_FLUSH), ==, Z_OK);
    /* Each rectangle is all its pixels, flushed: nothing left over. */
    g_assert_cmpuint(r->zs.avail_in, ==, 0);
    g_assert_cmpuint(raw_len + 1 - r->zs.avail_out, ==, raw_len);
    rfb_decode_raw(r, raw, x, y, w, h);
}

/* Reads one FramebufferUpdate into r->fb. */
static void rfb_update(Rfb *r)
{
    int n;

    g_assert_cmpuint(rfb_u8(r), ==, 0);
    rfb_u8(r);
    n = rfb_u16(r);
    r->rects = 0;
    r->area = 0;
    r->desktop_size = false;
    r->ext_key_ack = false;
    for (int i = 0; i < n; i++) {
        int x = rfb_u16(r), y = rfb_u16(r), w = rfb_u16(r), h = rfb_u16(r);
        int32_t enc = (int32_t)rfb_u32(r);

        switch (enc) {
        case 0: {
            g_autofree uint8_t *raw = g_malloc((size_t)w * h * r->bpp / 8);

            g_assert_cmpint(x + w, <=, r->fb.width);
            g_assert_cmpint(y + h, <=, r->fb.height);
            rfb_read(r, raw, (size_t)w * h * r->bpp / 8);
            rfb_decode_raw(r, raw, x, y, w, h);
            break;
        }
        case 5:
            rfb_decode_hextile(r, x, y, w, h);
            break;
        case 6:
            rfb_decode_zlib(r, x, y, w, h);
            break;
        case -223:
            image_resize(&r->fb, w, h);
            r->desktop_size = true;
            continue;
        case -258:
            r->ext_key_ack = true;
            continue;
        default:
            g_error("unexpected encoding %d", enc);
        }
        r->rects++;
        r->area += (long)w * h;
    }
}

/* A full picture in encoding: requested, read, compared with screendump. */
static void assert_full_update(Vm *vm, Rfb *r, const int bits[3])
{
    Image shot = {0};

    rfb_request(r, false);
    rfb_update(r);
    screendump_read(vm, &shot);
    assert_images_equal(&r->fb, &shot, bits);
    g_free(shot.px);
}

/* ---- tests -------------------------------------------------------------- */

static const int32_t enc_raw[] = {0};

static void test_handshakes(void)
{
    Vm *vm = vm_start(NULL, NULL);
    static const int minors[] = {8, 7, 3, 5};

    for (unsigned i = 0; i < G_N_ELEMENTS(minors); i++) {
        Rfb *r = rfb_connect(vm->sock, minors[i], NULL, NULL);

        g_test_message("RFB 3.%d", minors[i]);
        g_assert_nonnull(r);
        g_assert_cmpint(r->fb.width, ==, 320);
        g_assert_cmpint(r->fb.height, ==, 200);
        rfb_set_encodings(r, enc_raw, 1);
        assert_full_update(vm, r, NULL);
        rfb_close(r);
    }
    /* Not RFB at all: dropped, and the server carries on. */
    {
        Rfb bad = {.fd = rfb_socket(vm->sock)};
        char version[12];

        rfb_read(&bad, version, 12);
        rfb_write(&bad, "HTTP/1.1 200", 12);
        g_assert_true(rfb_closed(&bad));
        close(bad.fd);
    }
    {
        Rfb *r = rfb_connect(vm->sock, 8, NULL, NULL);

        g_assert_nonnull(r);
        rfb_close(r);
    }
    vm_quit(vm);
}

#define EXPIRE(time)                                                           \
    "{\"execute\": \"expire_password\", \"arguments\": {\"protocol\": "        \
    "\"vnc\", \"time\": \"" time "\"}}"

static void test_password(void)
{
    Vm *vm = vm_start(",password=on", NULL);
    g_autofree char *reason = NULL;
    g_autofree char *out = NULL;
    JsonObject *resp;
    Rfb *r;

    /* No password set yet: nobody gets in, whatever they send. */
    g_assert_null(rfb_connect(vm->sock, 8, "", &reason));
    g_assert_cmpstr(reason, ==, "Authentication failed");
    qtest_qmp_assert_success(vm->qts,
                             "{\"execute\": \"change-vnc-password\", "
                             "\"arguments\": {\"password\": \"secret\"}}");
    r = rfb_connect(vm->sock, 8, "secret", NULL);
    g_assert_nonnull(r);
    rfb_set_encodings(r, enc_raw, 1);
    assert_full_update(vm, r, NULL);
    rfb_close(r);
    g_free(reason);
    reason = NULL;
    g_assert_null(rfb_connect(vm->sock, 8, "wrong", &reason));
    g_assert_cmpstr(reason, ==, "Authentication failed");
    g_assert_null(rfb_connect(vm->sock, 7, "wrong", NULL));
    g_assert_null(rfb_connect(vm->sock, 3, "wrong", NULL));
    r = rfb_connect(vm->sock, 3, "secret", NULL);
    g_assert_nonnull(r);
    rfb_close(r);

    /* set_password and HMP's change replace it. */
    qtest_qmp_assert_success(vm->qts,
                             "{\"execute\": \"set_password\", \"arguments\": "
                             "{\"protocol\": \"vnc\", \"password\": \"two\"}}");
    g_assert_null(rfb_connect(vm->sock, 8, "secret", NULL));
    r = rfb_connect(vm->sock, 7, "two", NULL);
    g_assert_nonnull(r);
    rfb_close(r);
    out = qtest_hmp(vm->qts, "change vnc password three");
    g_assert_cmpstr(out, ==, "");
    g_assert_null(rfb_connect(vm->sock, 8, "two", NULL));
    r = rfb_connect(vm->sock, 8, "three", NULL);
    g_assert_nonnull(r);
    rfb_close(r);
    /* expire_password: now refuses the right password, later and never
     * let it in again. */
    qtest_qmp_assert_success(vm->qts, EXPIRE("now"));
    g_free(reason);
    reason = NULL;
    g_assert_null(rfb_connect(vm->sock, 8, "three", &reason));
    g_assert_cmpstr(reason, ==, "Authentication failed"); /* QEMU's words */
    qtest_qmp_assert_success(vm->qts, EXPIRE("+3600"));
    r = rfb_connect(vm->sock, 8, "three", NULL);
    g_assert_nonnull(r);
    rfb_close(r);
    g_free(out);
    out = qtest_hmp(vm->qts, "expire_password vnc now");
    g_assert_cmpstr(out, ==, "");
    g_assert_null(rfb_connect(vm->sock, 8, "three", NULL));
    qtest_qmp_assert_success(vm->qts, EXPIRE("never"));
    r = rfb_connect(vm->sock, 8, "three", NULL);
    g_assert_nonnull(r);
    rfb_close(r);
    /*
     * pcvm refuses a time it cannot read; QEMU takes it as 0 (expired
     * since 1970), so this part is pcvm's alone (QEMU here has no qtest
     * accelerator).
     */
    if (qtest_has_accel_qtest(vm->qts)) {
        resp = qtest_qmp(vm->qts, EXPIRE("soon"));
        g_assert_nonnull(json_object_get_member(resp, "error"));
        json_object_unref(resp);
    }

    resp =
        qtest_qmp(vm->qts, "{\"execute\": \"set_password\", \"arguments\": "
                           "{\"protocol\": \"spice\", \"password\": \"x\"}}");
    g_assert_nonnull(json_object_get_member(resp, "error"));
    json_object_unref(resp);
    vm_quit(vm);

    /* A server without password auth refuses to take one, as QEMU. */
    vm = vm_start(NULL, NULL);
    resp = qtest_qmp(vm->qts, "{\"execute\": \"change-vnc-password\", "
                              "\"arguments\": {\"password\": \"x\"}}");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(resp, "error"), "desc"),
                    ==, "Could not set password");
    json_object_unref(resp);
    vm_quit(vm);
}

static void test_encodings(void)
{
    static const int32_t hextile[] = {5, 0};
    static const int32_t zlib_enc[] = {6, 5, 0};
    Vm *vm = vm_start(NULL, NULL);
    Rfb *r = rfb_connect(vm->sock, 8, NULL, NULL);
    Rfb *z = rfb_connect(vm->sock, 8, NULL, NULL);

    rfb_set_encodings(r, hextile, G_N_ELEMENTS(hextile));
    assert_full_update(vm, r, NULL);
    g_assert_cmpint(r->rects, >, 0);
    rfb_set_encodings(z, zlib_enc, G_N_ELEMENTS(zlib_enc));
    assert_full_update(vm, z, NULL);
    /* The same zlib stream goes on across updates. */
    for (unsigned seed = 1; seed < 4; seed++) {
        vga_draw(vm, seed);
        assert_full_update(vm, z, NULL);
        assert_full_update(vm, r, NULL);
    }
    rfb_close(r);
    rfb_close(z);
    vm_quit(vm);
}

static void test_pixel_formats(void)
{
    static const struct {
        int bpp;
        bool big_endian;
        int max[3], shift[3], bits[3];
    } formats[] = {
        {16, false, {31, 63, 31}, {11, 5, 0}, {5, 6, 5}},
        {16, true, {31, 31, 31}, {10, 5, 0}, {5, 5, 5}},
        {8, false, {7, 7, 3}, {0, 3, 6}, {3, 3, 2}},
        {32, true, {255, 255, 255}, {0, 8, 16}, {8, 8, 8}},
    };
    static const int32_t hextile[] = {5};
    Vm *vm = vm_start(NULL, NULL);
    Rfb *r = rfb_connect(vm->sock, 8, NULL, NULL);

    for (unsigned i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_test_message("%d bpp", formats[i].bpp);
        rfb_set_pixel_format(r, formats[i].bpp, formats[i].big_endian,
                             formats[i].max, formats[i].shift);
        rfb_set_encodings(r, enc_raw, 1);
        assert_full_update(vm, r, formats[i].bits);
        rfb_set_encodings(r, hextile, 1);
        assert_full_update(vm, r, formats[i].bits);
    }
    rfb_close(r);
    /* A colour-map format is refused: the client is dropped. */
    r = rfb_connect(vm->sock, 8, NULL, NULL);
    {
        uint8_t m[20] = {0, 0, 0, 0, 8, 8, 0, 0};

        rfb_write(r, m, sizeof(m));
        g_assert_true(rfb_closed(r));
    }
    rfb_close(r);
    vm_quit(vm);
}

static void test_incremental(void)
{
    static const int32_t encodings[] = {0, -223};
    Vm *vm = vm_start(NULL, NULL);
    Rfb *r = rfb_connect(vm->sock, 8, NULL, NULL), *old;
    Image shot = {0};

    rfb_set_encodings(r, encodings, G_N_ELEMENTS(encodings));
    assert_full_update(vm, r, NULL);
    /* A 10x10 square inside one 16x16 tile: that tile alone comes. */
    vga_fill_rect(vm, 100, 50, 10, 10, 0x00ff8040);
    rfb_request(r, true);
    rfb_update(r);
    g_assert_cmpint(r->rects, ==, 1);
    g_assert_cmpint(r->area, ==, 16 * 16);
    screendump_read(vm, &shot);
    assert_images_equal(&r->fb, &shot, NULL);
    g_free(shot.px);
    shot.px = NULL;

    /* Nothing changed: no answer until something does. */
    rfb_request(r, true);
    {
        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};

        g_assert_cmpint(poll(&pfd, 1, 200), ==, 0);
    }
    vga_fill_rect(vm, 0, 0, 1, 1, 0x00123456);
    rfb_update(r);
    g_assert_cmpint(r->area, ==, 16 * 16);
    g_assert_cmphex(r->fb.px[0], ==, 0x123456);

    /* A new mode: DesktopSize first, then the new picture. */
    old = rfb_connect(vm->sock, 8, NULL, NULL);
    rfb_set_encodings(old, enc_raw, 1); /* no DesktopSize */
    assert_full_update(vm, old, NULL);
    vga_mode(vm, 256, 160);
    vga_draw(vm, 7);
    rfb_request(r, true);
    rfb_update(r);
    g_assert_true(r->desktop_size);
    g_assert_cmpint(r->fb.width, ==, 256);
    g_assert_cmpint(r->fb.height, ==, 160);
    rfb_request(r, true);
    rfb_update(r);
    screendump_read(vm, &shot);
    assert_images_equal(&r->fb, &shot, NULL);

    /*
     * A client that cannot resize keeps 320x200 and gets the new picture
     * where it fits; after that, nothing until something changes.
     */
    rfb_request(old, true);
    rfb_update(old);
    g_assert_false(old->desktop_size);
    g_assert_cmpint(old->fb.width, ==, 320);
    for (int y = 0; y < 160; y++) {
        for (int x = 0; x < 256; x++) {
            g_assert_cmphex(old->fb.px[y * 320 + x], ==, shot.px[y * 256 + x]);
        }
    }
    /* A new pixel format: everything it can show again, then quiet. */
    {
        static const int max[3] = {255, 255, 255}, shift[3] = {16, 8, 0};
        struct pollfd pfd = {.fd = old->fd, .events = POLLIN};

        rfb_set_pixel_format(old, 32, false, max, shift);
        rfb_request(old, true);
        rfb_update(old);
        g_assert_cmpint(old->area, ==, 256 * 160);
        rfb_request(old, true);
        g_assert_cmpint(poll(&pfd, 1, 200), ==, 0);
    }
    g_free(shot.px);
    rfb_close(old);
    rfb_close(r);
    vm_quit(vm);
}

/* Both interrupts on, translation on, the mouse reporting. */
static void kbc_setup(QTestState *s)
{
    qtest_outb(s, KBC_CMD, 0x60);
    qtest_outb(s, KBC_DATA, 0x47);
}

/* The next byte at the i8042 (bounded wait: VNC input comes by itself). */
static uint8_t kbc_next(QTestState *s, bool aux)
{
    for (int i = 0; i < 500; i++) {
        uint8_t status = qtest_inb(s, KBC_CMD);

        if (status & STAT_OBF) {
            g_assert_cmphex(status & STAT_AUX_OBF, ==, aux ? STAT_AUX_OBF : 0);
            return qtest_inb(s, KBC_DATA);
        }
        g_usleep(10 * 1000);
    }
    g_error("no byte at the i8042");
}

static void rfb_key(Rfb *r, bool down, uint32_t keysym)
{
    uint8_t m[8] = {4, down};

    put_u32(m + 4, keysym);
    rfb_write(r, m, sizeof(m));
}

static void rfb_ext_key(Rfb *r, bool down, uint32_t keysym, uint32_t keycode)
{
    uint8_t m[12] = {255, 0};

    put_u16(m + 2, down);
    put_u32(m + 4, keysym);
    put_u32(m + 8, keycode);
    rfb_write(r, m, sizeof(m));
}

static void rfb_pointer(Rfb *r, uint8_t buttons, int x, int y)
{
    uint8_t m[6] = {5, buttons};

    put_u16(m + 2, x);
    put_u16(m + 4, y);
    rfb_write(r, m, sizeof(m));
}

static void test_input(void)
{
    static const int32_t encodings[] = {0, -258};
    Vm *vm = vm_start(NULL, NULL);
    Rfb *r = rfb_connect(vm->sock, 8, NULL, NULL);
    QTestState *s = vm->qts;

    kbc_setup(s);
    /* Keysyms: 'a', then shift and '!' (the 1 key), translated to set 1. */
    rfb_key(r, true, 'a');
    g_assert_cmphex(kbc_next(s, false), ==, 0x1e);
    rfb_key(r, false, 'a');
    g_assert_cmphex(kbc_next(s, false), ==, 0x9e);
    rfb_key(r, true, 0xffe1);
    rfb_key(r, true, '!');
    rfb_key(r, false, '!');
    rfb_key(r, false, 0xffe1);
    g_assert_cmphex(kbc_next(s, false), ==, 0x2a);
    g_assert_cmphex(kbc_next(s, false), ==, 0x02);
    g_assert_cmphex(kbc_next(s, false), ==, 0x82);
    g_assert_cmphex(kbc_next(s, false), ==, 0xaa);
    rfb_key(r, true, 0xff52); /* Up: an 0xE0 key */
    g_assert_cmphex(kbc_next(s, false), ==, 0xe0);
    g_assert_cmphex(kbc_next(s, false), ==, 0x48);

    /* QEMU's extended key event: the scancode wins over the keysym. */
    rfb_set_encodings(r, encodings, G_N_ELEMENTS(encodings));
    rfb_update(r);
    g_assert_true(r->ext_key_ack);
    rfb_ext_key(r, true, 'q', 0x1e);
    g_assert_cmphex(kbc_next(s, false), ==, 0x1e);
    rfb_ext_key(r, true, 0, 0x9d); /* right ctrl: 0xE0 0x1D */
    g_assert_cmphex(kbc_next(s, false), ==, 0xe0);
    g_assert_cmphex(kbc_next(s, false), ==, 0x1d);
    rfb_ext_key(r, false, 0, 0x9d);
    g_assert_cmphex(kbc_next(s, false), ==, 0xe0);
    g_assert_cmphex(kbc_next(s, false), ==, 0x9d);

    /* The PS/2 mouse is relative: positions become differences. */
    qtest_outb(s, KBC_CMD, 0xd4);
    qtest_outb(s, KBC_DATA, 0xf4);
    g_assert_cmphex(kbc_next(s, true), ==, 0xfa);
    rfb_pointer(r, 0, 100, 100);
    rfb_pointer(r, 0, 105, 97);
    /* The first position only sets the origin (an empty report at most). */
    {
        uint8_t b = kbc_next(s, true);

        if (b == 0x08 && qtest_inb(s, KBC_CMD) & STAT_OBF) {
            uint8_t b1 = kbc_next(s, true), b2 = kbc_next(s, true);

            if (b1 == 0 && b2 == 0) {
                b = kbc_next(s, true);
            } else {
                g_assert_cmphex(b1, ==, 0x05);
                g_assert_cmphex(b2, ==, 0x03);
                b = 0;
            }
        }
        if (b) {
            g_assert_cmphex(b, ==, 0x08);
            g_assert_cmphex(kbc_next(s, true), ==, 0x05);
            g_assert_cmphex(kbc_next(s, true), ==, 0x03); /* 3 up */
        }
    }
    rfb_pointer(r, 1, 105, 97); /* left button */
    g_assert_cmphex(kbc_next(s, true), ==, 0x09);
    g_assert_cmphex(kbc_next(s, true), ==, 0x00);
    g_assert_cmphex(kbc_next(s, true), ==, 0x00);

    /* Clipboard text is read and dropped; the session goes on. */
    {
        uint8_t m[8 + 5] = {6, 0, 0, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};

        rfb_write(r, m, sizeof(m));
        rfb_set_encodings(r, enc_raw, 1);
        assert_full_update(vm, r, NULL);
    }
    /*
     * Leaving with keys down lets go of them: 'z' now, and the A (the
     * extended event's) and Up keys still held from above.
     */
    rfb_key(r, true, 'z');
    g_assert_cmphex(kbc_next(s, false), ==, 0x2c);
    rfb_close(r);
    g_assert_cmphex(kbc_next(s, false), ==, 0x9e);
    g_assert_cmphex(kbc_next(s, false), ==, 0xac);
    g_assert_cmphex(kbc_next(s, false), ==, 0xe0);
    g_assert_cmphex(kbc_next(s, false), ==, 0xc8);
    vm_quit(vm);
}

static void test_clients(void)
{
    Vm *vm = vm_start(NULL, NULL);
    Rfb *a = rfb_connect(vm->sock, 8, NULL, NULL);
    Rfb *b = rfb_connect(vm->sock, 3, NULL, NULL);
    Rfb *stuck = rfb_connect(vm->sock, 8, NULL, NULL);
    uint8_t request[10] = {3, 0, 0, 0, 0, 0, 320 >> 8, 320 & 0xff, 0, 200};

    rfb_set_encodings(a, enc_raw, 1);
    rfb_set_encodings(b, enc_raw, 1);
    rfb_set_encodings(stuck, enc_raw, 1);
    assert_full_update(vm, a, NULL);
    assert_full_update(vm, b, NULL);

    /*
     * This one asks for full pictures and never reads them: far more than
     * any socket buffer holds. The others and qtest keep going.
     */
    for (int i = 0; i < 200; i++) {
        rfb_write(stuck, request, sizeof(request));
    }
    for (unsigned seed = 1; seed < 6; seed++) {
        vga_draw(vm, seed);
        assert_full_update(vm, a, NULL);
        assert_full_update(vm, b, NULL);
    }
    g_assert_cmphex(qtest_inb(vm->qts, 0x3cc), ==, qtest_inb(vm->qts, 0x3cc));
    /*
     * Its requests were not all answered: while its output waited, no
     * update was made for it. Read what it got; the stream is whole and
     * ends with today's picture.
     */
    {
        struct pollfd pfd = {.fd = stuck->fd, .events = POLLIN};
        Image shot = {0};
        int updates = 0;

        while (poll(&pfd, 1, 500) == 1) {
            rfb_update(stuck);
            updates++;
            g_assert_cmpint(updates, <, 40);
        }
        g_test_message("%d of 200 requests answered", updates);
        g_assert_cmpint(updates, >=, 1);
        screendump_read(vm, &shot);
        assert_images_equal(&stuck->fb, &shot, NULL);
        g_free(shot.px);
    }
    rfb_close(stuck);
    rfb_close(a);
    rfb_close(b);
    vm_quit(vm);
}

/*
 * A client that sends and never reads, each message asking for an answer
 * (SetEncodings with QEMU's extended key event is acknowledged every
 * time): its output passes the limit and the server drops it.
 */
static void test_drop(void)
{
    Vm *vm = vm_start(NULL, NULL);
    Rfb *r = rfb_connect(vm->sock, 8, NULL, NULL);
    const size_t chunk_msgs = 8192;
    g_autofree uint8_t *chunk = g_malloc(chunk_msgs * 8);
    size_t sent = 0;
    bool dropped = false;

    qtest_qmp_eventwait(vm->qts, "VNC_INITIALIZED");
    for (size_t i = 0; i < chunk_msgs; i++) {
        static const uint8_t m[8] = {2, 0, 0, 1, 0xff, 0xff, 0xfe, 0xfe};

        memcpy(chunk + 8 * i, m, 8);
    }
    /* 16 bytes out for every 8 in: 64 MiB out after 32 MiB in. */
    while (sent < (48u << 20)) {
        ssize_t n = send(r->fd, chunk, chunk_msgs * 8, MSG_NOSIGNAL);

        if (n < 0) {
            g_assert_true(errno == EPIPE || errno == ECONNRESET);
            dropped = true;
            break;
        }
        sent += n;
    }
    g_test_message("%zu bytes sent before the drop", sent);
    g_assert_true(dropped);
    g_assert_cmpuint(sent, >=, 30u << 20);
    qtest_qmp_eventwait(vm->qts, "VNC_DISCONNECTED");
    /* The server goes on serving. */
    rfb_close(r);
    r = rfb_connect(vm->sock, 8, NULL, NULL);
    rfb_set_encodings(r, enc_raw, 1);
    assert_full_update(vm, r, NULL);
    rfb_close(r);
    vm_quit(vm);
}

static void test_qmp(void)
{
    Vm *vm = vm_start(NULL, NULL);
    g_autoptr(JsonNode) info = NULL;
    g_autofree char *out = NULL;
    JsonObject *o, *ev;
    JsonArray *clients;
    Rfb *r;

    info =
        qtest_qmp_assert_success_ref(vm->qts, "{\"execute\": \"query-vnc\"}");
    o = json_node_get_object(info);
    g_assert_true(json_object_get_boolean_member(o, "enabled"));
    /* A unix socket as QEMU shows it: no host, the path as the service. */
    g_assert_cmpstr(json_object_get_string_member(o, "host"), ==, "");
    g_assert_cmpstr(json_object_get_string_member(o, "service"), ==, vm->sock);
    g_assert_cmpstr(json_object_get_string_member(o, "family"), ==, "unix");
    g_assert_cmpstr(json_object_get_string_member(o, "auth"), ==, "none");
    g_assert_cmpuint(
        json_array_get_length(json_object_get_array_member(o, "clients")), ==,
        0);

    r = rfb_connect(vm->sock, 8, NULL, NULL);
    ev = qtest_qmp_eventwait_ref(vm->qts, "VNC_CONNECTED");
    g_assert_cmpstr(
        json_object_get_string_member(
            json_object_get_object_member(
                json_object_get_object_member(ev, "data"), "server"),
            "auth"),
        ==, "none");
    json_object_unref(ev);
    qtest_qmp_eventwait(vm->qts, "VNC_INITIALIZED");
    json_node_unref(info);
    info =
        qtest_qmp_assert_success_ref(vm->qts, "{\"execute\": \"query-vnc\"}");
    clients =
        json_object_get_array_member(json_node_get_object(info), "clients");
    g_assert_cmpuint(json_array_get_length(clients), ==, 1);
    g_assert_cmpstr(json_object_get_string_member(
                        json_array_get_object_element(clients, 0), "family"),
                    ==, "unix");
    out = qtest_hmp(vm->qts, "info vnc");
    {
        /* QEMU's layout, line for line. */
        g_autofree char *want = g_strdup_printf(
            "default:\r\n  Server: :%s (unix)\r\n    Auth: none (Sub: "
            "none)\r\n  Client: : (unix)\r\n    x509_dname: none\r\n"
            "    sasl_username: none\r\n",
            vm->sock);
        g_autofree char *got = g_strdup(out);

        /* HMP over QMP may or may not carry \r: compare without them. */
        g_strdelimit(want, "\r", ' ');
        g_strdelimit(got, "\r", ' ');
        g_assert_cmpstr(got, ==, want);
    }
    rfb_close(r);
    qtest_qmp_eventwait(vm->qts, "VNC_DISCONNECTED");
    vm_quit(vm);

    /* -vnc none: a server that does not listen. */
    {
        QTestState *s = qtest_init("-vnc none");

        info = qtest_qmp_assert_success_ref(s, "{\"execute\": \"query-vnc\"}");
        g_assert_false(json_object_get_boolean_member(
            json_node_get_object(info), "enabled"));
        g_free(out);
        out = qtest_hmp(s, "info vnc");
        g_strdelimit(out, "\r", ' ');
        g_assert_cmpstr(out, ==, "default: \n  Auth: none (Sub: none) \n");
        qtest_quit(s);
        s = qtest_init("");
        g_free(out);
        out = qtest_hmp(s, "info vnc");
        g_strdelimit(out, "\r", ' ');
        g_assert_cmpstr(out, ==, "None \n");
        qtest_quit(s);
    }
}

/* A port 5900+N nobody listens on, by binding it here first. */
static int tcp_free_display(int *fd_out)
{
    for (int n = 100 + getpid() % 500; n < 5000; n += 7) {
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(5900 + n),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;

        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
            listen(fd, 1) == 0) {
            *fd_out = fd;
            return n;
        }
        close(fd);
    }
    g_error("no free port");
}

static void test_tcp(void)
{
    int busy;
    int n = tcp_free_display(&busy);
    g_autofree char *arg = g_strdup_printf("-vnc 127.0.0.1:%d", n);
    g_autofree char *port = g_strdup_printf("%d", 5900 + n);
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons(5900 + n),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    g_autoptr(JsonNode) info = NULL;
    QTestState *s;
    Rfb r = {0};
    char version[12];

    /* Taken: a one-line error naming the reason. */
    qtest_assert_startup_error(arg, "Address already in use");
    close(busy);
    s = qtest_initf("-display vnc=127.0.0.1:%d", n);
    info = qtest_qmp_assert_success_ref(s, "{\"execute\": \"query-vnc\"}");
    g_assert_cmpstr(
        json_object_get_string_member(json_node_get_object(info), "host"), ==,
        "127.0.0.1");
    g_assert_cmpstr(
        json_object_get_string_member(json_node_get_object(info), "service"),
        ==, port);
    g_assert_cmpstr(
        json_object_get_string_member(json_node_get_object(info), "family"), ==,
        "ipv4");
    r.fd = socket(AF_INET, SOCK_STREAM, 0);
    g_assert_cmpint(connect(r.fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    rfb_read(&r, version, 12);
    g_assert_cmpmem(version, 12, "RFB 003.008\n", 12);
    rfb_write(&r, "RFB 003.003\n", 12);
    g_assert_cmpuint(rfb_u32(&r), ==, 1);
    rfb_write(&r, "\1", 1);
    /* No display adapter: a black 640x480 picture. */
    g_assert_cmpuint(rfb_u16(&r), ==, 640);
    g_assert_cmpuint(rfb_u16(&r), ==, 480);
    close(r.fd);
    qtest_quit(s);
}

/* Colours in 16x16 blocks, which JPEG (whole MCUs) keeps nearly exact. */
static void vga_draw_blocks(Vm *vm)
{
    size_t n = (size_t)vm->width * vm->height;
    g_autofree uint32_t *fb = g_new(uint32_t, n);

    for (int y = 0; y < vm->height; y++) {
        for (int x = 0; x < vm->width; x++) {
            unsigned b = (x / 16) * 7 + (y / 16) * 13;

            fb[y * vm->width + x] = ((b * 53) & 0xff) << 16 |
                                    ((b * 97) & 0xff) << 8 | (b * 29 & 0xff);
        }
    }
    qtest_memwrite(vm->qts, VGA_LFB, fb, n * 4);
}

static uint8_t bits_mirror(uint8_t b)
{
    uint8_t m = 0;

    for (int i = 0; i < 8; i++) {
        m |= ((b >> i) & 1) << (7 - i);
    }
    return m;
}

/*
 * vncsnapshot (Debian's; a client written by others) logs in with a
 * password file and captures a JPEG, which djpeg turns into a PPM to
 * compare with pcvm's screendump.
 */
static void test_vncsnapshot(void)
{
    /* The fixed key of VNC password files (vncpasswd's obfuscation). */
    static const uint8_t fixed_key[8] = {23, 82, 107, 6, 35, 78, 88, 7};
    g_autofree char *vncsnapshot = g_find_program_in_path("vncsnapshot");
    g_autofree char *djpeg = g_find_program_in_path("djpeg");
    g_autofree char *dir = NULL, *passwd = NULL, *jpeg = NULL, *ppm = NULL;
    g_autofree char *cmd = NULL, *err = NULL;
    uint8_t key[8], plain[8] = {0}, file[8];
    Image snap = {0}, shot = {0};
    Vm *vm = g_new0(Vm, 1);
    int busy, n, status;

    if (!vncsnapshot || !djpeg) {
        g_test_skip("vncsnapshot or djpeg is not installed");
        g_free(vm);
        return;
    }
    n = tcp_free_display(&busy);
    close(busy);
    vm->sock = g_strdup("");
    vm->qts = qtest_initf("-device VGA,addr=%x -vnc 127.0.0.1:%d,password=on",
                          VGA_SLOT, n);
    cfg_writel(vm->qts, VGA_DEVFN, 0x10, VGA_LFB);
    cfg_writel(vm->qts, VGA_DEVFN, 0x04, 0x0003);
    vga_mode(vm, 320, 192);
    vga_draw_blocks(vm);
    qtest_qmp_assert_success(vm->qts,
                             "{\"execute\": \"change-vnc-password\", "
                             "\"arguments\": {\"password\": \"pcvm-pw\"}}");

    dir = g_dir_make_tmp("pcvm-vncsnapshot-XXXXXX", NULL);
    g_assert_nonnull(dir);
    passwd = g_build_filename(dir, "passwd", NULL);
    jpeg = g_build_filename(dir, "snap.jpg", NULL);
    ppm = g_build_filename(dir, "snap.ppm", NULL);
    for (int i = 0; i < 8; i++) {
        key[i] = bits_mirror(fixed_key[i]);
    }
    memcpy(plain, "pcvm-pw", 7);
    des_encrypt_block(key, plain, file);
    g_assert_true(g_file_set_contents(passwd, (char *)file, 8, NULL));

    cmd = g_strdup_printf("timeout 60 %s -quiet -passwd %s -quality 100 "
                          "127.0.0.1:%d %s",
                          vncsnapshot, passwd, n, jpeg);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_test_message("%s: %s", cmd, err);
    }
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_free(cmd);
    cmd = g_strdup_printf("sh -c '%s -pnm %s > %s'", djpeg, jpeg, ppm);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    {
        g_autofree char *data = NULL;
        gsize len;
        int maxval, off = 0;

        g_assert_true(g_file_get_contents(ppm, &data, &len, NULL));
        g_assert_cmpint(sscanf(data, "P6 %d %d %d%n", &snap.width, &snap.height,
                               &maxval, &off),
                        ==, 3);
        off++;
        g_assert_cmpuint(len - off, ==, (gsize)snap.width * snap.height * 3);
        snap.px = g_new(uint32_t, (size_t)snap.width * snap.height);
        for (int i = 0; i < snap.width * snap.height; i++) {
            const uint8_t *p = (const uint8_t *)data + off + 3 * i;

            snap.px[i] = p[0] << 16 | p[1] << 8 | p[2];
        }
    }
    screendump_read(vm, &shot);
    g_assert_cmpint(snap.width, ==, shot.width);
    g_assert_cmpint(snap.height, ==, shot.height);
    /* JPEG is lossy: each channel within a few steps. */
    for (int i = 0; i < snap.width * snap.height; i++) {
        for (int c = 0; c < 3; c++) {
            int a = (snap.px[i] >> (16 - 8 * c)) & 0xff;
            int b = (shot.px[i] >> (16 - 8 * c)) & 0xff;

            if (abs(a - b) > 8) {
                g_test_message("pixel (%d, %d)", i % snap.width,
                               i / snap.width);
                g_assert_cmphex(snap.px[i], ==, shot.px[i]);
            }
        }
    }
    g_free(snap.px);
    g_free(shot.px);
    unlink(passwd);
    unlink(jpeg);
    unlink(ppm);
    rmdir(dir);
    qtest_quit(vm->qts);
    g_free(vm->sock);
    g_free(vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vnc/handshakes", test_handshakes);
    g_test_add_func("/vnc/password", test_password);
    g_test_add_func("/vnc/encodings", test_encodings);
    g_test_add_func("/vnc/pixel-formats", test_pixel_formats);
    g_test_add_func("/vnc/incremental", test_incremental);
    g_test_add_func("/vnc/input", test_input);
    g_test_add_func("/vnc/clients", test_clients);
    g_test_add_func("/vnc/drop", test_drop);
    g_test_add_func("/vnc/qmp", test_qmp);
    g_test_add_func("/vnc/tcp", test_tcp);
    g_test_add_func("/vnc/vncsnapshot", test_vncsnapshot);
    return g_test_run();
}
