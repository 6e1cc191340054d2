/*
 * The VNC server's pixel formats and encodings (RFC 6143, 7.4 and 7.7):
 * surface pixels in a client's true-colour format of 8, 16 or 32 bits,
 * and rectangles in raw, hextile (16x16 tiles: solid, one foreground
 * colour, coloured sub-rectangles grown greedily, or raw when smaller)
 * and zlib (the raw pixels through the client's one deflate stream,
 * sync-flushed after each rectangle).
 */
#include <string.h>

#include "ui/vnc-internal.h"

/* ---- pixels ------------------------------------------------------------- */

const VncPixelFormat vnc_native_format = {
    .bits_per_pixel = 32,
    .depth = 24,
    .big_endian = false,
    .true_colour = true,
    .max = {255, 255, 255},
    .shift = {16, 8, 0},
};

bool vnc_format_is_native(const VncPixelFormat *pf)
{
    return pf->bits_per_pixel == 32 && !pf->big_endian && pf->max[0] == 255 &&
           pf->max[1] == 255 && pf->max[2] == 255 && pf->shift[0] == 16 &&
           pf->shift[1] == 8 && pf->shift[2] == 0;
}

void vnc_write_pixel_format(VncClient *c, const VncPixelFormat *pf)
{
    vnc_write_u8(c, pf->bits_per_pixel);
    vnc_write_u8(c, pf->depth);
    vnc_write_u8(c, pf->big_endian);
    vnc_write_u8(c, pf->true_colour);
    for (int i = 0; i < 3; i++) {
        vnc_write_u16(c, pf->max[i]);
    }
    for (int i = 0; i < 3; i++) {
        vnc_write_u8(c, pf->shift[i]);
    }
    vnc_write(c, "\0\0\0", 3);
}

/* 0x00RRGGBB in the client's format: each channel scaled to its max. */
static uint32_t vnc_pixel_value(const VncPixelFormat *pf, uint32_t rgb)
{
    uint32_t v = 0;

    for (int i = 0; i < 3; i++) {
        uint32_t channel = (rgb >> (16 - 8 * i)) & 0xff;

        v |= ((channel * ((uint32_t)pf->max[i] + 1)) >> 8) << pf->shift[i];
    }
    return v;
}

/* Writes n surface pixels in the client's format to out. */
void vnc_pixels_convert(const VncClient *c, const uint32_t *src, int n,
                        uint8_t *out)
{
    unsigned bytes = c->pf.bits_per_pixel / 8;

    if (c->pf_native) {
        for (int i = 0; i < n; i++) {
            uint8_t *p = out + 4 * i;

            p[0] = src[i];
            p[1] = src[i] >> 8;
            p[2] = src[i] >> 16;
            p[3] = 0;
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        uint32_t v = vnc_pixel_value(&c->pf, src[i]);
        uint8_t *p = out + i * bytes;

        for (unsigned b = 0; b < bytes; b++) {
            unsigned shift = c->pf.big_endian ? 8 * (bytes - 1 - b) : 8 * b;

            p[b] = v >> shift;
        }
    }
}

/* ---- encodings ---------------------------------------------------------- */

void vnc_rect_header(VncClient *c, int x, int y, int w, int h, int32_t encoding)
{
    vnc_write_u16(c, x);
    vnc_write_u16(c, y);
    vnc_write_u16(c, w);
    vnc_write_u16(c, h);
    vnc_write_u32(c, (uint32_t)encoding);
}

/* The rectangle's pixels in the client's format, row after row. */
static void vnc_rect_raw_data(VncClient *c, DisplaySurface *s, int x, int y,
                              int w, int h, GByteArray *out)
{
    unsigned bytes = c->pf.bits_per_pixel / 8;
    guint start = out->len;

    g_byte_array_set_size(out, start + (size_t)w * h * bytes);
    for (int row = 0; row < h; row++) {
        vnc_pixels_convert(c, surface_row(s, y + row) + x, w,
                           out->data + start + (size_t)row * w * bytes);
    }
}

void vnc_send_raw(VncClient *c, DisplaySurface *s, int x, int y, int w, int h)
{
    vnc_rect_header(c, x, y, w, h, RFB_ENCODING_RAW);
    vnc_rect_raw_data(c, s, x, y, w, h, c->out);
}

/*
 * One hextile tile: a solid colour as the background alone; otherwise the
 * most common colour as background and rectangles of the others grown
 * greedily (right, then down), or raw pixels when that would be smaller.
 */
static void vnc_hextile_tile(VncClient *c, DisplaySurface *s, int x, int y,
                             int w, int h)
{
    unsigned bytes = c->pf.bits_per_pixel / 8;
    uint32_t px[VNC_TILE * VNC_TILE] = {0}; /* w, h >= 1: all set below */
    bool covered[VNC_TILE * VNC_TILE] = {false};
    uint8_t rects[255][3];
    uint32_t rect_colour[255];
    uint32_t bg, fg = 0;
    unsigned n = 0, best = 0;
    bool mono = true, too_many = false;
    uint8_t pix[4];
    size_t size;

    for (int row = 0; row < h; row++) {
        const uint32_t *src = surface_row(s, y + row) + x;

        for (int col = 0; col < w; col++) {
            px[row * w + col] = src[col] & 0xffffff;
        }
    }
    /* Background: the colour of the longest run in raster order. */
    bg = px[0];
    for (int i = 0, run = 0; i < w * h; i++) {
        run = i && px[i] == px[i - 1] ? run + 1 : 1;
        if ((unsigned)run > best) {
            best = run;
            bg = px[i];
        }
    }
    for (int row = 0; row < h && !too_many; row++) {
        for (int col = 0; col < w; col++) {
            int i = row * w + col, rw = 1, rh = 1;
            uint32_t colour = px[i];

            if (colour == bg || covered[i]) {
                continue;
            }
            while (col + rw < w && px[i + rw] == colour && !covered[i + rw]) {
                rw++;
            }
            for (bool grow = true; grow && row + rh < h;) {
                for (int k = 0; k < rw; k++) {
                    int j = (row + rh) * w + col + k;

                    if (px[j] != colour || covered[j]) {
                        grow = false;
                        break;
                    }
                }
                rh += grow;
            }
            for (int r = 0; r < rh; r++) {
                memset(&covered[(row + r) * w + col], 1, rw);
            }
            if (n == 255) {
                too_many = true;
                break;
            }
            if (n == 0) {
                fg = colour;
            } else if (colour != fg) {
                mono = false;
            }
            rect_colour[n] = colour;
            rects[n][0] = col << 4 | row;
            rects[n][1] = (rw - 1) << 4 | (rh - 1);
            n++;
        }
    }
    size = mono ? 2 + 2 * bytes + 2 * n : 2 + bytes + (2 + bytes) * n;
    if (too_many || size >= 1 + (size_t)w * h * bytes) {
        guint start;

        vnc_write_u8(c, HEXTILE_RAW);
        start = c->out->len;
        g_byte_array_set_size(c->out, start + (size_t)w * h * bytes);
        for (int row = 0; row < h; row++) {
            vnc_pixels_convert(c, px + row * w, w,
                               c->out->data + start + (size_t)row * w * bytes);
        }
        return;
    }
    if (n == 0) {
        vnc_write_u8(c, HEXTILE_BACKGROUND_SPECIFIED);
        vnc_pixels_convert(c, &bg, 1, pix);
        vnc_write(c, pix, bytes);
        return;
    }
    vnc_write_u8(c, HEXTILE_BACKGROUND_SPECIFIED | HEXTILE_ANY_SUBRECTS |
                        (mono ? HEXTILE_FOREGROUND_SPECIFIED
                              : HEXTILE_SUBRECTS_COLOURED));
    vnc_pixels_convert(c, &bg, 1, pix);
    vnc_write(c, pix, bytes);
    if (mono) {
        vnc_pixels_convert(c, &fg, 1, pix);
        vnc_write(c, pix, bytes);
    }
    vnc_write_u8(c, n);
    for (unsigned i = 0; i < n; i++) {
        if (!mono) {
            vnc_pixels_convert(c, &rect_colour[i], 1, pix);
            vnc_write(c, pix, bytes);
        }
        vnc_write(c, rects[i], 2);
    }
}

void vnc_send_hextile(VncClient *c, DisplaySurface *s, int x, int y, int w,
                      int h)
{
    vnc_rect_header(c, x, y, w, h, RFB_ENCODING_HEXTILE);
    for (int ty = y; ty < y + h; ty += VNC_TILE) {
        for (int tx = x; tx < x + w; tx += VNC_TILE) {
            vnc_hextile_tile(c, s, tx, ty, MIN(VNC_TILE, x + w - tx),
                             MIN(VNC_TILE, y + h - ty));
        }
    }
}

bool vnc_send_zlib(VncClient *c, DisplaySurface *s, int x, int y, int w, int h)
{
    g_autoptr(GByteArray) raw = g_byte_array_new();
    guint len_pos, start;
    uLong bound;

    if (!c->zlib_ready) {
        if (deflateInit(&c->zlib, Z_DEFAULT_COMPRESSION) != Z_OK) {
            return false;
        }
        c->zlib_ready = true;
    }
    vnc_rect_raw_data(c, s, x, y, w, h, raw);
    vnc_rect_header(c, x, y, w, h, RFB_ENCODING_ZLIB);
    len_pos = c->out->len;
    vnc_write_u32(c, 0);
    start = c->out->len;
    bound = deflateBound(&c->zlib, raw->len) + 64;
    g_byte_array_set_size(c->out, start + bound);
    c->zlib.next_in = raw->data;
    c->zlib.avail_in = raw->len;
    c->zlib.next_out = c->out->data + start;
    c->zlib.avail_out = bound;
    /* A sync flush ends the rectangle on a byte boundary, stream kept. */
    while (c->zlib.avail_in || c->zlib.avail_out == 0) {
        if (c->zlib.avail_out == 0) {
            guint used = c->out->len;

            g_byte_array_set_size(c->out, used + 4096);
            c->zlib.next_out = c->out->data + used;
            c->zlib.avail_out = 4096;
        }
        switch (deflate(&c->zlib, Z_SYNC_FLUSH)) {
        case Z_OK:
            break;
        case Z_BUF_ERROR:
            /* Nothing more to flush: the last call filled the space. */
            if (!c->zlib.avail_in) {
                goto done;
            }
            return false;
        default:
            return false;
        }
    }
done:
    g_byte_array_set_size(c->out, (guint)(c->zlib.next_out - c->out->data));
    {
        uint32_t n = c->out->len - start;
        uint8_t *p = c->out->data + len_pos;

        p[0] = n >> 24;
        p[1] = n >> 16;
        p[2] = n >> 8;
        p[3] = n;
    }
    return true;
}
