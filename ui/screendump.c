/*
 * Writing a console's surface to a file: binary PPM (P6, maxval 255) and
 * PNG (ISO/IEC 15948: 8-bit truecolour, no interlace, filter type 0 on
 * every row, the image data deflated with zlib into IDAT chunks).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "ui/console.h"
#include "util/error.h"

#define PNG_IDAT_CHUNK 65536

static void row_to_rgb(DisplaySurface *s, int y, uint8_t *out)
{
    const uint32_t *row = surface_row(s, y);

    for (int x = 0; x < surface_width(s); x++) {
        out[3 * x] = row[x] >> 16;
        out[3 * x + 1] = row[x] >> 8;
        out[3 * x + 2] = row[x];
    }
}

static bool ppm_write(FILE *f, DisplaySurface *s)
{
    int w = surface_width(s), h = surface_height(s);
    g_autofree uint8_t *line = g_malloc(3 * (size_t)w);

    if (fprintf(f, "P6\n%d %d\n255\n", w, h) < 0) {
        return false;
    }
    for (int y = 0; y < h; y++) {
        row_to_rgb(s, y, line);
        if (fwrite(line, 3, w, f) != (size_t)w) {
            return false;
        }
    }
    return true;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* One chunk: length, type, data, CRC-32 of type and data. */
static bool png_chunk(FILE *f, const char *type, const uint8_t *data,
                      uint32_t len)
{
    uint8_t head[8], tail[4];
    uLong crc = crc32(0, (const Bytef *)type, 4);

    if (len) {
        crc = crc32(crc, data, len);
    }
    put_be32(head, len);
    memcpy(head + 4, type, 4);
    put_be32(tail, crc);
    return fwrite(head, 1, 8, f) == 8 &&
           (!len || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4;
}

static bool png_write(FILE *f, DisplaySurface *s)
{
    static const uint8_t signature[8] = {0x89, 'P',  'N',  'G',
                                         '\r', '\n', 0x1a, '\n'};
    int w = surface_width(s), h = surface_height(s);
    g_autofree uint8_t *line = g_malloc(3 * (size_t)w + 1);
    g_autofree uint8_t *out = g_malloc(PNG_IDAT_CHUNK);
    uint8_t ihdr[13];
    z_stream z = {0};
    bool ok = true;

    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: truecolour */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering (each row says its filter) */
    ihdr[12] = 0; /* no interlace */
    if (fwrite(signature, 1, 8, f) != 8 || !png_chunk(f, "IHDR", ihdr, 13) ||
        deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK) {
        return false;
    }
    z.next_out = out;
    z.avail_out = PNG_IDAT_CHUNK;
    for (int y = 0; ok && y <= h; y++) {
        int flush = y == h ? Z_FINISH : Z_NO_FLUSH;
        int ret;

        if (y < h) {
            line[0] = 0; /* filter: none */
            row_to_rgb(s, y, line + 1);
            z.next_in = line;
            z.avail_in = 3 * w + 1;
        }
        do {
            ret = deflate(&z, flush);
            if (ret == Z_STREAM_ERROR) {
                ok = false;
                break;
            }
            if (!z.avail_out || (flush == Z_FINISH && ret == Z_STREAM_END)) {
                uint32_t n = PNG_IDAT_CHUNK - z.avail_out;

                if (n && !png_chunk(f, "IDAT", out, n)) {
                    ok = false;
                    break;
                }
                z.next_out = out;
                z.avail_out = PNG_IDAT_CHUNK;
            }
        } while (z.avail_in || (flush == Z_FINISH && ret != Z_STREAM_END));
    }
    deflateEnd(&z);
    return ok && png_chunk(f, "IEND", NULL, 0);
}

bool qemu_console_screendump(QemuConsole *con, const char *filename,
                             ImageFormat format, GError **errp)
{
    DisplaySurface *s;
    FILE *f;
    bool ok;

    graphic_hw_update(con);
    s = qemu_console_surface(con);
    f = fopen(filename, "wb");
    if (!f) {
        return error_setg(errp, "failed to open file '%s': %s", filename,
                          g_strerror(errno));
    }
    ok = format == IMAGE_FORMAT_PNG ? png_write(f, s) : ppm_write(f, s);
    if (fclose(f) != 0) {
        ok = false;
    }
    if (!ok) {
        return error_setg(errp, "failed to write file '%s': %s", filename,
                          g_strerror(errno));
    }
    return true;
}
