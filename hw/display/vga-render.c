/*
 * Drawing the VGA's picture into its console surface, on demand (a
 * screendump, a display refresh): text modes (glyphs from plane 2 as the
 * character map select names them, 8 or 9 dot cells with line-graphics
 * replication, attributes through the attribute controller and DAC,
 * blink-enable turning bit 7 into a background bit, the cursor), 16-colour
 * planar graphics, 256-colour (chain-4 or unchained) graphics, and VBE
 * CGA-compatible 4-colour graphics, and VBE linear modes of 8, 15, 16, 24
 * and 32 bits per pixel.
 *
 * The geometry comes from the CRTC (FreeVGA): horizontal display end for
 * the width, vertical display end with its overflow bits for the height,
 * max scan line for character height and scan doubling, offset for the
 * pitch, start address for the first cell. Left out: blinking (blinking
 * text and the cursor are drawn in their visible phase), split screen,
 * pixel panning, VBE 4-bit planar modes.
 */
#include <string.h>

#include "hw/display/vga.h"
#include "util/log.h"

#define VGA_TEXT_MAX_COLS 256
#define VGA_TEXT_MAX_ROWS 128
#define VGA_GFX_MAX_WIDTH 2048
#define VGA_GFX_MAX_HEIGHT 2048

static uint8_t dac_to_8bit(const VGACommonState *s, uint8_t v)
{
    if (s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC) {
        return v;
    }
    /* Six bits to eight with the low bit repeated, so that screendumps
     * match QEMU's pixel for pixel. */
    v &= 0x3f;
    return (v << 2) | ((v & 1) ? 3 : 0);
}

/* The DAC entry index as 0x00RRGGBB. */
static uint32_t vga_dac_rgb(const VGACommonState *s, uint8_t index)
{
    const uint8_t *p = &s->palette[index * 3];

    return (uint32_t)dac_to_8bit(s, p[0]) << 16 |
           (uint32_t)dac_to_8bit(s, p[1]) << 8 | dac_to_8bit(s, p[2]);
}

/* A 4-bit colour through the attribute palette and colour select. */
static uint32_t vga_attr_rgb(const VGACommonState *s, uint8_t color)
{
    uint8_t v = s->ar[color & 0x0f];

    if (s->ar[VGA_ATC_MODE] & VGA_AR10_P54_SELECT) {
        v = (v & 0x0f) | ((s->ar[VGA_ATC_COLOR_SELECT] & 0x0f) << 4);
    } else {
        v = (v & 0x3f) | ((s->ar[VGA_ATC_COLOR_SELECT] & 0x0c) << 4);
    }
    return vga_dac_rgb(s, v);
}

static unsigned vga_vertical_display_end(const VGACommonState *s)
{
    const uint8_t *cr = s->cr;

    return (cr[VGA_CRTC_V_DISP_END] | (cr[VGA_CRTC_OVERFLOW] & 0x02) << 7 |
            (cr[VGA_CRTC_OVERFLOW] & 0x40) << 3) +
           1;
}

static unsigned vga_start_address(const VGACommonState *s)
{
    return s->cr[VGA_CRTC_START_HI] << 8 | s->cr[VGA_CRTC_START_LO];
}

/* Rows of the pitch, in 4-byte units (one cell / 8 planar pixels). */
static unsigned vga_pitch_units(const VGACommonState *s)
{
    return s->cr[VGA_CRTC_OFFSET] * 2;
}

/* The plane byte at CRTC address unit (64 Ki units: 256 KiB, as a VGA). */
static uint8_t vga_plane_byte(const VGACommonState *s, unsigned unit,
                              unsigned plane)
{
    return s->vram[((unit & 0xffff) << 2) | plane];
}

/* Offset in plane 2 of a character map select value (FreeVGA's table). */
static unsigned vga_font_offset(unsigned map)
{
    return ((map & 3) << 14) | ((map >> 2) << 13);
}

static void vga_blank(VGACommonState *s, int width, int height)
{
    DisplaySurface *ds = qemu_console_resize(s->con, width, height);

    for (int y = 0; y < surface_height(ds); y++) {
        memset(surface_row(ds, y), 0, 4 * (size_t)surface_width(ds));
    }
}

static void vga_render_text(VGACommonState *s)
{
    unsigned cols = s->cr[VGA_CRTC_H_DISP] + 1;
    unsigned cheight = (s->cr[VGA_CRTC_MAX_SCAN] & 0x1f) + 1;
    unsigned cwidth =
        s->sr[VGA_SEQ_CLOCK_MODE] & VGA_SR01_CHAR_CLK_8DOTS ? 8 : 9;
    unsigned lines = vga_vertical_display_end(s);
    unsigned rows, start = vga_start_address(s), pitch = vga_pitch_units(s);
    unsigned cursor =
        s->cr[VGA_CRTC_CURSOR_HI] << 8 | s->cr[VGA_CRTC_CURSOR_LO];
    unsigned cursor_start = s->cr[VGA_CRTC_CURSOR_START] & 0x1f;
    unsigned cursor_end = s->cr[VGA_CRTC_CURSOR_END] & 0x1f;
    bool cursor_on = !(s->cr[VGA_CRTC_CURSOR_START] & VGA_CR0A_CURSOR_OFF);
    uint8_t sr3 = s->sr[VGA_SEQ_CHARACTER_MAP];
    /* Map A (bits 5, 3-2) for attribute bit 3 set, map B (4, 1-0) clear. */
    unsigned font_a = vga_font_offset(((sr3 >> 5) & 1) << 2 | ((sr3 >> 2) & 3));
    unsigned font_b = vga_font_offset(((sr3 >> 4) & 1) << 2 | (sr3 & 3));
    bool blink = s->ar[VGA_ATC_MODE] & VGA_AR10_BLINK;
    bool line_graphics = s->ar[VGA_ATC_MODE] & VGA_AR10_LINE_GRAPHICS;
    DisplaySurface *ds;

    if (s->cr[VGA_CRTC_MAX_SCAN] & VGA_CR09_DOUBLE_SCAN) {
        lines /= 2;
    }
    rows = lines / cheight;
    if (cols > VGA_TEXT_MAX_COLS || !rows || rows > VGA_TEXT_MAX_ROWS) {
        vga_blank(s, 640, 480);
        return;
    }
    ds = qemu_console_resize(s->con, cols * cwidth, rows * cheight);
    for (unsigned r = 0; r < rows; r++) {
        for (unsigned c = 0; c < cols; c++) {
            unsigned unit = start + r * pitch + c;
            uint8_t ch = vga_plane_byte(s, unit, 0);
            uint8_t attr = vga_plane_byte(s, unit, 1);
            uint8_t bg_index = blink ? (attr >> 4) & 7 : attr >> 4;
            uint32_t fg = vga_attr_rgb(s, attr & 0x0f);
            uint32_t bg = vga_attr_rgb(s, bg_index);
            unsigned font = (attr & 0x08) ? font_a : font_b;
            bool is_cursor = cursor_on && (unit & 0xffff) == cursor;

            for (unsigned l = 0; l < cheight; l++) {
                uint32_t *px = surface_row(ds, r * cheight + l) + c * cwidth;
                uint8_t bits = vga_plane_byte(s, (font + ch * 32 + l), 2);
                bool ninth = false;

                if (is_cursor && cursor_start <= cursor_end &&
                    l >= cursor_start && l <= cursor_end) {
                    bits = 0xff;
                    ninth = true;
                } else if (cwidth == 9 && line_graphics && ch >= 0xc0 &&
                           ch <= 0xdf) {
                    ninth = bits & 1;
                }
                for (unsigned x = 0; x < 8; x++) {
                    px[x] = (bits & (0x80 >> x)) ? fg : bg;
                }
                if (cwidth == 9) {
                    px[8] = ninth ? fg : bg;
                }
            }
        }
    }
}

/* Graphics geometry shared by the planar and 256-colour paths. */
static bool vga_graphics_size(const VGACommonState *s, unsigned dots_per_pixel,
                              unsigned *width, unsigned *height)
{
    unsigned scan = (s->cr[VGA_CRTC_MAX_SCAN] & 0x1f) + 1;

    if (s->cr[VGA_CRTC_MAX_SCAN] & VGA_CR09_DOUBLE_SCAN) {
        scan *= 2;
    }
    *width = (s->cr[VGA_CRTC_H_DISP] + 1) * 8 / dots_per_pixel;
    *height = vga_vertical_display_end(s) / scan;
    return *width && *height && *width <= VGA_GFX_MAX_WIDTH &&
           *height <= VGA_GFX_MAX_HEIGHT;
}

static void vga_render_planar(VGACommonState *s)
{
    unsigned width, height, start = vga_start_address(s);
    unsigned pitch = vga_pitch_units(s);
    uint8_t plane_enable = s->ar[VGA_ATC_PLANE_ENABLE] & 0x0f;
    uint32_t colors[16];
    DisplaySurface *ds;

    if (!vga_graphics_size(s, 1, &width, &height)) {
        vga_blank(s, 640, 480);
        return;
    }
    for (int i = 0; i < 16; i++) {
        colors[i] = vga_attr_rgb(s, i);
    }
    ds = qemu_console_resize(s->con, width, height);
    for (unsigned y = 0; y < height; y++) {
        uint32_t *px = surface_row(ds, y);

        for (unsigned x = 0; x < width; x += 8) {
            unsigned unit = start + y * pitch + x / 8;
            uint8_t p[4];

            for (int plane = 0; plane < 4; plane++) {
                p[plane] = vga_plane_byte(s, unit, plane);
            }
            for (unsigned b = 0; b < 8; b++) {
                unsigned bit = 7 - b;
                uint8_t c = ((p[0] >> bit) & 1) | ((p[1] >> bit) & 1) << 1 |
                            ((p[2] >> bit) & 1) << 2 | ((p[3] >> bit) & 1) << 3;

                px[x + b] = colors[c & plane_enable];
            }
        }
    }
}

/*
 * CGA-compatible 4-colour modes (04h/05h): two bits per pixel, four pixels
 * a byte, bytes in odd/even pairs (a unit holds 8 pixels), and with CR17
 * bit 0 clear the row scan counter's bit 0 standing for address bit 13,
 * so odd scan lines come from the second 8 KiB bank.
 */
static void vga_render_cga(VGACommonState *s)
{
    unsigned width = (s->cr[VGA_CRTC_H_DISP] + 1) * 8;
    unsigned height = vga_vertical_display_end(s);
    unsigned scans = (s->cr[VGA_CRTC_MAX_SCAN] & 0x1f) + 1;
    unsigned start = vga_start_address(s), pitch = vga_pitch_units(s);
    bool bank13 = !(s->cr[VGA_CRTC_MODE] & 0x01);
    uint8_t plane_enable = s->ar[VGA_ATC_PLANE_ENABLE] & 0x0f;
    uint32_t colors[4];
    DisplaySurface *ds;

    if (s->cr[VGA_CRTC_MAX_SCAN] & VGA_CR09_DOUBLE_SCAN) {
        height /= 2;
    }
    if (!width || !height || width > VGA_GFX_MAX_WIDTH ||
        height > VGA_GFX_MAX_HEIGHT) {
        vga_blank(s, 640, 480);
        return;
    }
    for (int i = 0; i < 4; i++) {
        colors[i] = vga_attr_rgb(s, i & plane_enable);
    }
    ds = qemu_console_resize(s->con, width, height);
    for (unsigned y = 0; y < height; y++) {
        uint32_t *px = surface_row(ds, y);
        unsigned row = y / scans, scan = y % scans;
        /* Units are words: address bit 13 of bytes is bit 12 of units. */
        unsigned line =
            start + row * pitch + (bank13 && (scan & 1) ? 0x1000 : 0);

        for (unsigned x = 0; x < width; x++) {
            uint8_t byte = vga_plane_byte(s, line + x / 8, (x / 4) & 1);

            px[x] = colors[(byte >> (6 - 2 * (x & 3))) & 3];
        }
    }
}

static void vga_render_256(VGACommonState *s)
{
    unsigned width, height, start = vga_start_address(s);
    unsigned pitch = vga_pitch_units(s);
    DisplaySurface *ds;

    if (!vga_graphics_size(s, 2, &width, &height)) {
        vga_blank(s, 640, 480);
        return;
    }
    ds = qemu_console_resize(s->con, width, height);
    for (unsigned y = 0; y < height; y++) {
        uint32_t *px = surface_row(ds, y);

        for (unsigned x = 0; x < width; x++) {
            /* Pixel x is plane x & 3 of unit x / 4, chained or not. */
            unsigned unit = start + y * pitch + x / 4;

            px[x] = vga_dac_rgb(s, vga_plane_byte(s, unit, x & 3));
        }
    }
}

static uint32_t vbe_pixel(const VGACommonState *s, const uint8_t *p,
                          unsigned bpp)
{
    uint32_t v;

    switch (bpp) {
    case 8:
        return vga_dac_rgb(s, p[0]);
    case 15:
        v = p[0] | p[1] << 8;
        return ((v >> 10) & 0x1f) * 255 / 31 << 16 |
               ((v >> 5) & 0x1f) * 255 / 31 << 8 | (v & 0x1f) * 255 / 31;
    case 16:
        v = p[0] | p[1] << 8;
        return ((v >> 11) & 0x1f) * 255 / 31 << 16 |
               ((v >> 5) & 0x3f) * 255 / 63 << 8 | (v & 0x1f) * 255 / 31;
    default: /* 24 and 32: blue, green, red in memory order */
        return (uint32_t)p[2] << 16 | p[1] << 8 | p[0];
    }
}

static void vga_render_vbe(VGACommonState *s)
{
    unsigned width = s->vbe_regs[VBE_DISPI_INDEX_XRES];
    unsigned height = s->vbe_regs[VBE_DISPI_INDEX_YRES];
    unsigned bpp = s->vbe_regs[VBE_DISPI_INDEX_BPP];
    unsigned bytes = (bpp + 7) / 8;
    uint64_t line = s->vbe_line_offset, start = s->vbe_start_addr;
    DisplaySurface *ds;

    if (bpp == 4) {
        log_unimp_once("vga: VBE 4-bit planar modes are not drawn\n");
        vga_blank(s, width ? width : 640, height ? height : 480);
        return;
    }
    if (!width || !height || !line) {
        vga_blank(s, 640, 480);
        return;
    }
    /* Only whole lines inside video memory are drawn. */
    if (start + (uint64_t)width * bytes > s->vram_size) {
        vga_blank(s, width, height);
        return;
    }
    ds = qemu_console_resize(s->con, width, height);
    for (unsigned y = 0; y < height; y++) {
        uint64_t off = start + y * line;
        uint32_t *px = surface_row(ds, y);

        if (off + (uint64_t)width * bytes > s->vram_size) {
            memset(px, 0, 4 * (size_t)width);
            continue;
        }
        for (unsigned x = 0; x < width; x++) {
            px[x] = vbe_pixel(s, &s->vram[off + x * bytes], bpp);
        }
    }
}

static void vga_gfx_update(void *opaque)
{
    VGACommonState *s = opaque;
    uint8_t shift = (s->gr[VGA_GFX_MODE] >> 5) & 3;

    if (vbe_enabled(s)) {
        vga_render_vbe(s);
    } else if (!(s->ar_index & VGA_AR_PAS) ||
               (s->sr[VGA_SEQ_CLOCK_MODE] & VGA_SR01_SCREEN_OFF)) {
        /* Palette access by the CPU or screen off: the picture is blank. */
        DisplaySurface *ds = qemu_console_surface(s->con);

        vga_blank(s, surface_width(ds), surface_height(ds));
    } else if (!(s->gr[VGA_GFX_MISC] & VGA_GR06_GRAPHICS)) {
        vga_render_text(s);
    } else if (shift >= 2) {
        vga_render_256(s);
    } else if (shift == 1) {
        vga_render_cga(s);
    } else {
        vga_render_planar(s);
    }
}

const GraphicHwOps vga_console_ops = {
    .gfx_update = vga_gfx_update,
};
