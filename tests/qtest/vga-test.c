/*
 * The standard VGA ("VGA", 1234:1111) driven as a VGA BIOS and the Bochs
 * DRM driver drive it: PCI identity and BARs, the VGA BIOS behind the ROM
 * BAR, sequencer/graphics/CRTC/attribute/DAC registers as index/data pairs
 * (word OUTs included), the attribute flip-flop and its reset through
 * 0x3DA, the legacy window as the memory map select places it, planar
 * write modes 0-3 and read modes 0/1 against a model of the four planes,
 * chain-4 and odd/even addressing, the DISPI interface over ports and
 * over BAR2, and the linear framebuffer in BAR0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "libqtest.h"

#define CONFADD 0xcf8
#define CONFDATA 0xcfc
#define VGA_SLOT 5
#define VGA_DEVFN (VGA_SLOT << 3)
#define VGA_LFB 0xe0000000u
#define VGA_MMIO 0xe1000000u
#define VGA_ROM_ADDR 0xe2000000u

static uint32_t cfg_addr(int devfn, int reg)
{
    return 0x80000000u | (devfn << 8) | (reg & 0xfc);
}

static uint32_t cfg_readl(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    return qtest_inl(s, CONFDATA);
}

static void cfg_writel(QTestState *s, int devfn, int reg, uint32_t v)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    qtest_outl(s, CONFDATA, v);
}

static QTestState *vga_start(const char *extra)
{
    QTestState *s =
        qtest_initf("-device VGA,addr=%x %s", VGA_SLOT, extra ? extra : "");

    cfg_writel(s, VGA_DEVFN, 0x10, VGA_LFB);
    cfg_writel(s, VGA_DEVFN, 0x18, VGA_MMIO);
    cfg_writel(s, VGA_DEVFN, 0x04, 0x0003);
    return s;
}

static void seq_write(QTestState *s, uint8_t index, uint8_t val)
{
    qtest_outw(s, 0x3c4, index | val << 8);
}

static uint8_t seq_read(QTestState *s, uint8_t index)
{
    qtest_outb(s, 0x3c4, index);
    return qtest_inb(s, 0x3c5);
}

static void gfx_write(QTestState *s, uint8_t index, uint8_t val)
{
    qtest_outb(s, 0x3ce, index);
    qtest_outb(s, 0x3cf, val);
}

static uint8_t gfx_read(QTestState *s, uint8_t index)
{
    qtest_outb(s, 0x3ce, index);
    return qtest_inb(s, 0x3cf);
}

static void crtc_write(QTestState *s, uint8_t index, uint8_t val)
{
    qtest_outw(s, 0x3d4, index | val << 8);
}

static uint8_t crtc_read(QTestState *s, uint8_t index)
{
    qtest_outb(s, 0x3d4, index);
    return qtest_inb(s, 0x3d5);
}

static void attr_write(QTestState *s, uint8_t index, uint8_t val)
{
    qtest_inb(s, 0x3da); /* flip-flop to index */
    qtest_outb(s, 0x3c0, index);
    qtest_outb(s, 0x3c0, val);
}

static uint8_t attr_read(QTestState *s, uint8_t index)
{
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, index);
    return qtest_inb(s, 0x3c1);
}

static void vbe_write(QTestState *s, uint16_t index, uint16_t val)
{
    qtest_outw(s, 0x1ce, index);
    qtest_outw(s, 0x1cf, val);
}

static uint16_t vbe_read(QTestState *s, uint16_t index)
{
    qtest_outw(s, 0x1ce, index);
    return qtest_inw(s, 0x1cf);
}

static void test_pci_identity(void)
{
    QTestState *s = vga_start(NULL);
    uint32_t bar;

    g_assert_cmphex(cfg_readl(s, VGA_DEVFN, 0x00), ==, 0x11111234);
    g_assert_cmphex(cfg_readl(s, VGA_DEVFN, 0x08), ==, 0x03000002);
    /* BAR0: 16 MiB prefetchable memory; BAR2: 4 KiB memory. */
    cfg_writel(s, VGA_DEVFN, 0x10, 0xffffffff);
    bar = cfg_readl(s, VGA_DEVFN, 0x10);
    g_assert_cmphex(bar, ==, 0xff000008);
    cfg_writel(s, VGA_DEVFN, 0x18, 0xffffffff);
    g_assert_cmphex(cfg_readl(s, VGA_DEVFN, 0x18), ==, 0xfffff000);
    cfg_writel(s, VGA_DEVFN, 0x10, VGA_LFB);
    cfg_writel(s, VGA_DEVFN, 0x18, VGA_MMIO);
    /* The VGA BIOS behind the ROM BAR: 55 AA, then the PCI data "PCIR". */
    cfg_writel(s, VGA_DEVFN, 0x30, VGA_ROM_ADDR | 1);
    cfg_writel(s, VGA_DEVFN, 0x04, 0x0002);
    g_assert_cmphex(qtest_readw(s, VGA_ROM_ADDR), ==, 0xaa55);
    {
        uint16_t pcir = qtest_readw(s, VGA_ROM_ADDR + 0x18);

        g_assert_cmphex(qtest_readl(s, VGA_ROM_ADDR + pcir), ==, 0x52494350);
        g_assert_cmphex(qtest_readl(s, VGA_ROM_ADDR + pcir + 4), ==,
                        0x11111234);
    }
    qtest_quit(s);

    s = qtest_init("-device VGA,vgamem_mb=6,mmio=off,addr=05");
    cfg_writel(s, VGA_DEVFN, 0x10, 0xffffffff);
    g_assert_cmphex(cfg_readl(s, VGA_DEVFN, 0x10), ==, 0xff800008);
    cfg_writel(s, VGA_DEVFN, 0x18, 0xffffffff);
    g_assert_cmphex(cfg_readl(s, VGA_DEVFN, 0x18), ==, 0);
    qtest_quit(s);
}

static void test_vga_option(void)
{
    /* -vga std puts the adapter in the first free slot, 00:02.0. */
    QTestState *s = qtest_init("-vga std");

    g_assert_cmphex(cfg_readl(s, 2 << 3, 0x00), ==, 0x11111234);
    qtest_quit(s);
    s = qtest_init("-nodefaults -vga none");
    g_assert_cmphex(cfg_readl(s, 2 << 3, 0x00), ==, 0xffffffff);
    qtest_quit(s);
    qtest_assert_startup_error("-vga foo", "unknown vga type: foo");
}

static void test_registers(void)
{
    QTestState *s = vga_start(NULL);

    /* Misc output selects the colour addresses for the CRTC. */
    qtest_outb(s, 0x3c2, 0x67);
    g_assert_cmphex(qtest_inb(s, 0x3cc), ==, 0x67);

    /* Sequencer: index/data, reserved bits read as zero. */
    seq_write(s, 0x02, 0xff);
    g_assert_cmphex(seq_read(s, 0x02), ==, 0x0f);
    seq_write(s, 0x04, 0x06);
    g_assert_cmphex(seq_read(s, 0x04), ==, 0x06);
    seq_write(s, 0x01, 0x01);
    g_assert_cmphex(seq_read(s, 0x01), ==, 0x01);
    g_assert_cmphex(qtest_inb(s, 0x3c4), ==, 0x01);

    /* Graphics controller. */
    gfx_write(s, 0x05, 0xff);
    g_assert_cmphex(gfx_read(s, 0x05), ==, 0x7b);
    gfx_write(s, 0x08, 0xa5);
    g_assert_cmphex(gfx_read(s, 0x08), ==, 0xa5);

    /* CRTC at 0x3D4 (colour); 0x3B4 is deselected and reads 0xFF. */
    crtc_write(s, 0x0e, 0x12);
    crtc_write(s, 0x0f, 0x34);
    g_assert_cmphex(crtc_read(s, 0x0e), ==, 0x12);
    g_assert_cmphex(crtc_read(s, 0x0f), ==, 0x34);
    g_assert_cmphex(qtest_inb(s, 0x3b5), ==, 0xff);
    /* CR11 bit 7 protects CR00-CR07 but CR07 bit 4. */
    crtc_write(s, 0x01, 0x4f);
    crtc_write(s, 0x07, 0x00);
    crtc_write(s, 0x11, 0x80);
    crtc_write(s, 0x01, 0x27);
    crtc_write(s, 0x07, 0xff);
    g_assert_cmphex(crtc_read(s, 0x01), ==, 0x4f);
    g_assert_cmphex(crtc_read(s, 0x07), ==, 0x10);
    crtc_write(s, 0x11, 0x00);
    crtc_write(s, 0x01, 0x27);
    g_assert_cmphex(crtc_read(s, 0x01), ==, 0x27);
    /* Monochrome addressing moves the CRTC to 0x3B4. */
    qtest_outb(s, 0x3c2, 0x66);
    qtest_outb(s, 0x3b4, 0x0e);
    g_assert_cmphex(qtest_inb(s, 0x3b5), ==, 0x12);
    g_assert_cmphex(qtest_inb(s, 0x3d5), ==, 0xff);
    qtest_outb(s, 0x3c2, 0x67);

    /* Attribute controller: the flip-flop alternates index and data. */
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, 0x01);
    qtest_outb(s, 0x3c0, 0x3f);
    qtest_outb(s, 0x3c0, 0x02); /* index again */
    qtest_outb(s, 0x3c0, 0x15);
    g_assert_cmphex(attr_read(s, 0x01), ==, 0x3f);
    g_assert_cmphex(attr_read(s, 0x02), ==, 0x15);
    /* A read of 0x3DA in the middle resets it to index. */
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, 0x03);
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, 0x04);
    qtest_outb(s, 0x3c0, 0x2a);
    g_assert_cmphex(attr_read(s, 0x04), ==, 0x2a);
    g_assert_cmphex(attr_read(s, 0x03), ==, 0x00);
    /* The index register keeps the PAS bit. */
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, 0x20 | 0x12);
    qtest_inb(s, 0x3da);
    g_assert_cmphex(qtest_inb(s, 0x3c0), ==, 0x32);
    attr_write(s, 0x12, 0x0f);
    g_assert_cmphex(attr_read(s, 0x12), ==, 0x0f);
    /* Input status #1's retrace bit moves so that polling loops end. */
    {
        uint8_t a = qtest_inb(s, 0x3da), b = qtest_inb(s, 0x3da);

        g_assert_cmphex((a ^ b) & 0x08, ==, 0x08);
    }

    /* DAC: write index auto-increments after blue; reads the same way. */
    qtest_outb(s, 0x3c8, 0x10);
    for (int i = 0; i < 6; i++) {
        qtest_outb(s, 0x3c9, 0x3a - i * 7);
    }
    g_assert_cmphex(qtest_inb(s, 0x3c8), ==, 0x12);
    g_assert_cmphex(qtest_inb(s, 0x3c7) & 3, ==, 0);
    qtest_outb(s, 0x3c7, 0x10);
    g_assert_cmphex(qtest_inb(s, 0x3c7) & 3, ==, 3);
    for (int i = 0; i < 6; i++) {
        g_assert_cmphex(qtest_inb(s, 0x3c9), ==, 0x3a - i * 7);
    }
    /* Six-bit DAC: the top bits are dropped. */
    qtest_outb(s, 0x3c8, 0x20);
    qtest_outb(s, 0x3c9, 0xff);
    qtest_outb(s, 0x3c9, 0x40);
    qtest_outb(s, 0x3c9, 0x81);
    qtest_outb(s, 0x3c7, 0x20);
    g_assert_cmphex(qtest_inb(s, 0x3c9), ==, 0x3f);
    g_assert_cmphex(qtest_inb(s, 0x3c9), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, 0x3c9), ==, 0x01);
    g_assert_cmphex(qtest_inb(s, 0x3c6), ==, 0xff);
    qtest_quit(s);
}

/* ---- Planar memory ------------------------------------------------------- */

/* A 64 KiB window at 0xA0000, planar addressing. */
static void planar_setup(QTestState *s)
{
    seq_write(s, 0x04, 0x06);
    gfx_write(s, 0x06, 0x05);
    gfx_write(s, 0x05, 0x00);
    gfx_write(s, 0x01, 0x00);
    gfx_write(s, 0x03, 0x00);
    gfx_write(s, 0x08, 0xff);
    seq_write(s, 0x02, 0x0f);
}

static uint8_t plane_read(QTestState *s, uint32_t off, int plane)
{
    gfx_write(s, 0x05, gfx_read(s, 0x05) & ~0x08);
    gfx_write(s, 0x04, plane);
    return qtest_readb(s, 0xa0000 + off);
}

static void plane_fill(QTestState *s, uint32_t off, const uint8_t v[4])
{
    uint8_t mode = gfx_read(s, 0x05);

    gfx_write(s, 0x05, 0x00);
    gfx_write(s, 0x08, 0xff);
    gfx_write(s, 0x03, 0x00);
    gfx_write(s, 0x01, 0x00);
    for (int p = 0; p < 4; p++) {
        seq_write(s, 0x02, 1 << p);
        qtest_writeb(s, 0xa0000 + off, v[p]);
    }
    seq_write(s, 0x02, 0x0f);
    gfx_write(s, 0x05, mode);
}

static void assert_planes(QTestState *s, uint32_t off, const uint8_t v[4])
{
    for (int p = 0; p < 4; p++) {
        g_assert_cmphex(plane_read(s, off, p), ==, v[p]);
    }
}

static void test_planar_write_modes(void)
{
    QTestState *s = vga_start(NULL);
    const uint8_t base[4] = {0x0f, 0xf0, 0x55, 0xaa};

    planar_setup(s);
    plane_fill(s, 0x100, base);
    assert_planes(s, 0x100, base);

    /* Mode 0, set/reset on planes 0 and 2 with value 0b0001, bit mask 0x3c,
     * XOR with the latches, data rotated right by 4. */
    qtest_readb(s, 0xa0100); /* load the latches */
    gfx_write(s, 0x00, 0x01);
    gfx_write(s, 0x01, 0x05);
    gfx_write(s, 0x03, (3 << 3) | 4);
    gfx_write(s, 0x08, 0x3c);
    qtest_writeb(s, 0xa0100, 0x1e); /* rotated: 0xe1 */
    {
        uint8_t d[4] = {0xff, 0xe1, 0x00, 0xe1};
        uint8_t want[4];

        for (int p = 0; p < 4; p++) {
            uint8_t r = d[p] ^ base[p];

            want[p] = (r & 0x3c) | (base[p] & ~0x3c);
        }
        gfx_write(s, 0x01, 0x00);
        gfx_write(s, 0x03, 0x00);
        gfx_write(s, 0x08, 0xff);
        assert_planes(s, 0x100, want);
    }

    /* Mode 1: the latches copied to another address. */
    plane_fill(s, 0x100, base);
    qtest_readb(s, 0xa0100);
    gfx_write(s, 0x05, 0x01);
    qtest_writeb(s, 0xa0200, 0x00);
    gfx_write(s, 0x05, 0x00);
    assert_planes(s, 0x200, base);

    /* Mode 2: the data's low nibble is a colour, bit mask 0xf0, AND. */
    qtest_readb(s, 0xa0100);
    gfx_write(s, 0x05, 0x02);
    gfx_write(s, 0x03, 1 << 3);
    gfx_write(s, 0x08, 0xf0);
    qtest_writeb(s, 0xa0100, 0x06); /* planes 1 and 2 */
    {
        const uint8_t want[4] = {0x0f, 0xf0, 0x55, 0x0a};

        gfx_write(s, 0x05, 0x00);
        gfx_write(s, 0x03, 0x00);
        gfx_write(s, 0x08, 0xff);
        assert_planes(s, 0x100, want);
    }

    /* Mode 3: rotated data ANDed with the bit mask, set/reset as colour. */
    plane_fill(s, 0x100, base);
    qtest_readb(s, 0xa0100);
    gfx_write(s, 0x05, 0x03);
    gfx_write(s, 0x00, 0x0c);
    gfx_write(s, 0x08, 0x0f);
    qtest_writeb(s, 0xa0100, 0xff);
    {
        const uint8_t want[4] = {0x00, 0xf0, 0x5f, 0xaf};

        gfx_write(s, 0x05, 0x00);
        gfx_write(s, 0x08, 0xff);
        assert_planes(s, 0x100, want);
    }

    /* The map mask keeps planes out of a write. */
    plane_fill(s, 0x300, base);
    seq_write(s, 0x02, 0x09);
    qtest_writeb(s, 0xa0300, 0x77);
    seq_write(s, 0x02, 0x0f);
    {
        const uint8_t want[4] = {0x77, 0xf0, 0x55, 0x77};

        assert_planes(s, 0x300, want);
    }
    qtest_quit(s);
}

static void test_planar_read_modes(void)
{
    QTestState *s = vga_start(NULL);
    const uint8_t v[4] = {0xf0, 0xcc, 0xaa, 0x0f};

    planar_setup(s);
    plane_fill(s, 0x40, v);
    /* Read mode 1: pixels of colour 0b0011 (planes 0, 1 set, 2, 3 clear). */
    gfx_write(s, 0x05, 0x08);
    gfx_write(s, 0x02, 0x03);
    gfx_write(s, 0x07, 0x0f);
    g_assert_cmphex(qtest_readb(s, 0xa0040), ==, 0xc0 & 0x55 & 0xf0);
    /* Don't care about planes 2 and 3: pixels with planes 0, 1 set. */
    gfx_write(s, 0x07, 0x03);
    g_assert_cmphex(qtest_readb(s, 0xa0040), ==, 0xc0);
    /* Nothing cared for: every pixel matches. */
    gfx_write(s, 0x07, 0x00);
    g_assert_cmphex(qtest_readb(s, 0xa0040), ==, 0xff);
    qtest_quit(s);
}

static void test_addressing(void)
{
    QTestState *s = vga_start(NULL);

    /* Chain-4 (mode 13h): address A is plane A & 3; seen linearly. */
    seq_write(s, 0x02, 0x0f);
    seq_write(s, 0x04, 0x0e);
    gfx_write(s, 0x06, 0x05);
    qtest_writel(s, 0xa0000, 0x44332211);
    g_assert_cmphex(qtest_readl(s, 0xa0000), ==, 0x44332211);
    seq_write(s, 0x04, 0x06);
    gfx_write(s, 0x05, 0x00);
    g_assert_cmphex(plane_read(s, 0, 0), ==, 0x11);
    g_assert_cmphex(plane_read(s, 0, 3), ==, 0x44);
    /* ... and in BAR0 at the same place. */
    g_assert_cmphex(qtest_readl(s, VGA_LFB), ==, 0x44332211);
    /* Chain-4 with every plane writable maps the window onto video memory
     * (pcvm's flat view; QEMU names the range differently). */
    seq_write(s, 0x04, 0x0e);
    {
        g_autofree char *view = qtest_hmp(s, "info mtree -f");

        g_assert_nonnull(
            strstr(view, "00000000000a0000-00000000000affff (ram) vga.vram"));
    }
    /* With plane 1 masked the window decodes again and drops its bytes. */
    seq_write(s, 0x02, 0x0d);
    qtest_writel(s, 0xa0000, 0x88776655);
    seq_write(s, 0x02, 0x0f);
    g_assert_cmphex(qtest_readl(s, 0xa0000), ==, 0x88772255);
    seq_write(s, 0x04, 0x06);
    {
        g_autofree char *view = qtest_hmp(s, "info mtree -f");

        g_assert_null(strstr(view, "00000000000a0000-00000000000affff (ram)"));
    }

    /* Odd/even at 0xB8000 (text): even bytes plane 0, odd plane 1. */
    seq_write(s, 0x04, 0x02);
    gfx_write(s, 0x04, 0x00);
    gfx_write(s, 0x05, 0x10);
    gfx_write(s, 0x06, 0x0e);
    qtest_writew(s, 0xb8000 + 2 * 3, 0x1f41);
    g_assert_cmphex(qtest_readw(s, 0xb8000 + 2 * 3), ==, 0x1f41);
    seq_write(s, 0x04, 0x06);
    gfx_write(s, 0x05, 0x00);
    gfx_write(s, 0x06, 0x05);
    /* Cell N is plane offset N, as the CRTC fetches it in text modes. */
    g_assert_cmphex(plane_read(s, 3, 0), ==, 0x41);
    g_assert_cmphex(plane_read(s, 3, 1), ==, 0x1f);
    /* The map select: 0xB8000 is not decoded with map 1 (0xA0000). */
    g_assert_cmphex(qtest_readb(s, 0xb8006), ==, 0xff);
    gfx_write(s, 0x06, 0x09); /* map 2: 0xB0000-0xB7FFF */
    g_assert_cmphex(qtest_readb(s, 0xa0006), ==, 0xff);
    gfx_write(s, 0x04, 0x00);
    g_assert_cmphex(qtest_readb(s, 0xb0003), ==, 0x41);
    qtest_quit(s);
}

/* ---- VBE -------------------------------------------------------------------
 */

static void test_vbe(void)
{
    QTestState *s = vga_start(NULL);

    /* The ID handshake the VGA BIOS and the bochs driver do. */
    g_assert_cmphex(vbe_read(s, 0), ==, 0xb0c5);
    vbe_write(s, 0, 0xb0c0);
    g_assert_cmphex(vbe_read(s, 0), ==, 0xb0c0);
    vbe_write(s, 0, 0x1234);
    g_assert_cmphex(vbe_read(s, 0), ==, 0xb0c0);
    vbe_write(s, 0, 0xb0c5);
    g_assert_cmpuint(vbe_read(s, 0xa), ==, 16 * 1024 / 64);
    /* GETCAPS reads the maxima. */
    vbe_write(s, 4, 0x02);
    g_assert_cmpuint(vbe_read(s, 1), ==, 16000);
    g_assert_cmpuint(vbe_read(s, 3), ==, 32);
    vbe_write(s, 4, 0);

    /* 640x480x32 with the linear framebuffer. */
    vbe_write(s, 1, 640);
    vbe_write(s, 2, 480);
    vbe_write(s, 3, 32);
    vbe_write(s, 4, 0x41);
    g_assert_cmpuint(vbe_read(s, 1), ==, 640);
    g_assert_cmpuint(vbe_read(s, 4), ==, 0x41);
    g_assert_cmpuint(vbe_read(s, 6), ==, 640);
    g_assert_cmpuint(vbe_read(s, 7), ==, 16 * 1024 * 1024 / (640 * 4));
    /* Unsupported depths fall back to 8; widths are multiples of 8. */
    vbe_write(s, 4, 0);
    vbe_write(s, 3, 12);
    g_assert_cmpuint(vbe_read(s, 3), ==, 8);
    vbe_write(s, 1, 643);
    g_assert_cmpuint(vbe_read(s, 1), ==, 640);
    vbe_write(s, 3, 32);
    vbe_write(s, 4, 0x41);

    /* The LFB is BAR0; banked access at 0xA0000 reaches the same memory. */
    qtest_writel(s, VGA_LFB + 0x10000 * 3 + 8, 0xcafef00d);
    vbe_write(s, 5, 3);
    g_assert_cmphex(qtest_readl(s, 0xa0008), ==, 0xcafef00d);
    qtest_writel(s, 0xa000c, 0x01020304);
    g_assert_cmphex(qtest_readl(s, VGA_LFB + 0x3000c), ==, 0x01020304);

    /* Enabling clears memory, unless NOCLEARMEM. */
    vbe_write(s, 4, 0);
    vbe_write(s, 4, 0xc1);
    g_assert_cmphex(qtest_readl(s, VGA_LFB + 0x3000c), ==, 0x01020304);
    vbe_write(s, 4, 0);
    vbe_write(s, 4, 0x41);
    g_assert_cmphex(qtest_readl(s, VGA_LFB + 0x3000c), ==, 0);

    /* A mode larger than video memory shows only the lines that fit. */
    vbe_write(s, 4, 0);
    vbe_write(s, 1, 16000);
    vbe_write(s, 2, 12000);
    vbe_write(s, 3, 32);
    g_assert_cmpuint(vbe_read(s, 2), ==, 12000);
    vbe_write(s, 4, 0x41);
    g_assert_cmpuint(vbe_read(s, 2), ==, 16 * 1024 * 1024 / (16000 * 4));
    vbe_write(s, 4, 0);
    vbe_write(s, 1, 640);
    vbe_write(s, 2, 480);
    vbe_write(s, 4, 0x41);

    /* Virtual width and panning. */
    vbe_write(s, 6, 1024);
    g_assert_cmpuint(vbe_read(s, 6), ==, 1024);
    g_assert_cmpuint(vbe_read(s, 7), ==, 16 * 1024 * 1024 / (1024 * 4));
    vbe_write(s, 8, 16);
    vbe_write(s, 9, 2);
    g_assert_cmpuint(vbe_read(s, 8), ==, 16);
    g_assert_cmpuint(vbe_read(s, 9), ==, 2);
    qtest_quit(s);
}

/* The EDID block at BAR2 0x000, parsed as a driver's EDID reader does. */
static void test_edid(void)
{
    QTestState *s = vga_start(NULL);
    uint8_t e[128], sum = 0;
    const uint8_t *dt = e + 54;
    bool named = false;

    qtest_memread(s, VGA_MMIO, e, sizeof(e));
    g_assert_cmpmem(e, 8, "\x00\xff\xff\xff\xff\xff\xff\x00", 8);
    for (int i = 0; i < 128; i++) {
        sum += e[i];
    }
    g_assert_cmpuint(sum, ==, 0);
    /* Vendor "RHT", EDID 1.4, a digital input, no extension blocks. */
    g_assert_cmpuint((e[8] << 8 | e[9]), ==,
                     ('R' - '@') << 10 | ('H' - '@') << 5 | ('T' - '@'));
    g_assert_cmpuint(e[18], ==, 1);
    g_assert_cmpuint(e[19], ==, 4);
    g_assert_cmphex(e[20] & 0x80, ==, 0x80);
    g_assert_cmpuint(e[126], ==, 0);
    /* The preferred timing: 1280x800, 71 MHz, 60 Hz. */
    {
        unsigned clock = (dt[0] | dt[1] << 8) * 10000;
        unsigned hactive = dt[2] | (dt[4] >> 4) << 8;
        unsigned hblank = dt[3] | (dt[4] & 0x0f) << 8;
        unsigned vactive = dt[5] | (dt[7] >> 4) << 8;
        unsigned vblank = dt[6] | (dt[7] & 0x0f) << 8;
        unsigned refresh =
            clock / ((hactive + hblank) * (vactive + vblank) / 10) / 10;

        g_assert_cmpuint(clock, ==, 71000000);
        g_assert_cmpuint(hactive, ==, 1280);
        g_assert_cmpuint(vactive, ==, 800);
        g_assert_cmpuint(refresh, ==, 59); /* 59.9 Hz, CVT-RB's "60" */
    }
    for (int d = 1; d < 4; d++) {
        const uint8_t *p = e + 54 + 18 * d;

        g_assert_cmpuint(p[0] | p[1], ==, 0); /* a display descriptor */
        if (p[3] == 0xfc) {
            named = !memcmp(p + 5, "QEMU Monitor\n", 13);
        }
    }
    g_assert_true(named);
    /* The rest of the 1 KiB blob reads as zeroes. */
    g_assert_cmphex(qtest_readl(s, VGA_MMIO + 0x80), ==, 0);
    g_assert_cmphex(qtest_readl(s, VGA_MMIO + 0x3fc), ==, 0);
    qtest_quit(s);

    /* edid=off: nothing decodes there (all ones), so no EDID header. */
    s = vga_start("-global VGA.edid=off");
    g_assert_cmphex(qtest_readb(s, VGA_MMIO), ==, 0xff);
    qtest_quit(s);
}

static void test_mmio_bar(void)
{
    QTestState *s = vga_start(NULL);

    /* DISPI registers at 0x500 + index * 2. */
    g_assert_cmphex(qtest_readw(s, VGA_MMIO + 0x500), ==, 0xb0c5);
    qtest_writew(s, VGA_MMIO + 0x502, 800);
    qtest_writew(s, VGA_MMIO + 0x504, 600);
    qtest_writew(s, VGA_MMIO + 0x506, 16);
    g_assert_cmpuint(vbe_read(s, 1), ==, 800);
    g_assert_cmpuint(vbe_read(s, 2), ==, 600);
    g_assert_cmpuint(qtest_readw(s, VGA_MMIO + 0x506), ==, 16);
    g_assert_cmpuint(qtest_readw(s, VGA_MMIO + 0x514), ==, 256);
    /* VGA ports at 0x400 + port - 0x3C0; a word is index then data. */
    qtest_writew(s, VGA_MMIO + 0x404, 0x0302);
    g_assert_cmphex(seq_read(s, 0x02), ==, 0x03);
    qtest_writeb(s, VGA_MMIO + 0x408, 0x05);
    qtest_writeb(s, VGA_MMIO + 0x409, 0x11);
    qtest_writeb(s, VGA_MMIO + 0x409, 0x22);
    qtest_writeb(s, VGA_MMIO + 0x409, 0x33);
    qtest_outb(s, 0x3c7, 0x05);
    g_assert_cmphex(qtest_inb(s, 0x3c9), ==, 0x11);
    /* QEMU's extended registers: size 8, little-endian framebuffer. */
    g_assert_cmphex(qtest_readl(s, VGA_MMIO + 0x600), ==, 8);
    g_assert_cmphex(qtest_readl(s, VGA_MMIO + 0x604), ==, 0x1e1e1e1e);
    qtest_quit(s);
}

/* ---- Screendumps ------------------------------------------------------------
 */

typedef struct Image {
    int width, height;
    uint8_t *rgb; /* width * height * 3 */
} Image;

static void image_free(Image *img)
{
    g_free(img->rgb);
    img->rgb = NULL;
}

static uint32_t image_pixel(const Image *img, int x, int y)
{
    const uint8_t *p = &img->rgb[3 * ((size_t)y * img->width + x)];

    return (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
}

static void ppm_parse(const char *path, Image *img)
{
    g_autofree char *data = NULL;
    gsize len;
    int maxval, n = 0;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpint(
        sscanf(data, "P6 %d %d %d%n", &img->width, &img->height, &maxval, &n),
        ==, 3);
    g_assert_cmpint(maxval, ==, 255);
    n++; /* the single whitespace byte before the pixels */
    g_assert_cmpuint(len - n, ==, (gsize)img->width * img->height * 3);
    img->rgb = g_memdup2(data + n, len - n);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* A test-side PNG reader: 8-bit RGB, every filter type, CRCs checked. */
static void png_parse(const char *path, Image *img)
{
    g_autofree uint8_t *data = NULL;
    g_autoptr(GByteArray) idat = g_byte_array_new();
    g_autofree uint8_t *raw = NULL;
    gsize len, pos = 8;
    uLongf raw_len;
    size_t stride;

    g_assert_true(g_file_get_contents(path, (char **)&data, &len, NULL));
    g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
    for (;;) {
        uint32_t n;

        g_assert_cmpuint(pos + 12, <=, len);
        n = be32(data + pos);
        g_assert_cmpuint(pos + 12 + n, <=, len);
        g_assert_cmphex(crc32(0, data + pos + 4, n + 4), ==,
                        be32(data + pos + 8 + n));
        if (!memcmp(data + pos + 4, "IHDR", 4)) {
            img->width = be32(data + pos + 8);
            img->height = be32(data + pos + 12);
            g_assert_cmpuint(data[pos + 16], ==, 8); /* bit depth */
            g_assert_cmpuint(data[pos + 17], ==, 2); /* RGB */
            g_assert_cmpuint(data[pos + 20], ==, 0); /* no interlace */
        } else if (!memcmp(data + pos + 4, "IDAT", 4)) {
            g_byte_array_append(idat, data + pos + 8, n);
        } else if (!memcmp(data + pos + 4, "IEND", 4)) {
            break;
        }
        pos += 12 + n;
    }
    stride = (size_t)img->width * 3;
    raw_len = (stride + 1) * img->height;
    raw = g_malloc(raw_len);
    g_assert_cmpint(uncompress(raw, &raw_len, idat->data, idat->len), ==, Z_OK);
    g_assert_cmpuint(raw_len, ==, (stride + 1) * img->height);
    img->rgb = g_malloc(stride * img->height);
    for (int y = 0; y < img->height; y++) {
        const uint8_t *in = raw + y * (stride + 1) + 1;
        uint8_t *out = img->rgb + y * stride;
        const uint8_t *up = y ? out - stride : NULL;

        for (size_t i = 0; i < stride; i++) {
            int a = i >= 3 ? out[i - 3] : 0, b = up ? up[i] : 0;
            int c = up && i >= 3 ? up[i - 3] : 0, pred = 0;

            switch (in[-1]) {
            case 0:
                break;
            case 1:
                pred = a;
                break;
            case 2:
                pred = b;
                break;
            case 3:
                pred = (a + b) / 2;
                break;
            case 4:
                pred = paeth(a, b, c);
                break;
            default:
                g_assert_not_reached();
            }
            out[i] = in[i] + pred;
        }
    }
}

/* A screendump over QMP in format ("ppm" or "png"), read back. */
static void screendump_read(QTestState *s, const char *format, Image *img)
{
    g_autofree char *path = qtest_tmp_path(format);

    qtest_qmp_assert_success(s,
                             "{\"execute\": \"screendump\", \"arguments\": "
                             "{\"filename\": \"%s\", \"format\": \"%s\"}}",
                             path, format);
    if (!strcmp(format, "png")) {
        png_parse(path, img);
    } else {
        ppm_parse(path, img);
    }
    unlink(path);
}

static void assert_images_equal(const Image *a, const Image *b)
{
    g_assert_cmpint(a->width, ==, b->width);
    g_assert_cmpint(a->height, ==, b->height);
    for (int y = 0; y < a->height; y++) {
        for (int x = 0; x < a->width; x++) {
            if (image_pixel(a, x, y) != image_pixel(b, x, y)) {
                g_test_message("pixel (%d, %d)", x, y);
                g_assert_cmphex(image_pixel(a, x, y), ==, image_pixel(b, x, y));
            }
        }
    }
}

static char *qmp_error_desc(QTestState *s, const char *cmd, const char **cls)
{
    g_autoptr(JsonObject) r = qtest_qmp(s, "%s", cmd);
    JsonObject *err = json_object_get_object_member(r, "error");

    g_assert_nonnull(err);
    *cls = g_intern_string(json_object_get_string_member(err, "class"));
    return g_strdup(json_object_get_string_member(err, "desc"));
}

static void test_screendump_command(void)
{
    QTestState *s = qtest_init("-vga none");
    g_autofree char *path = qtest_tmp_path("shot.ppm");
    g_autofree char *cmd = NULL;
    g_autofree char *desc = NULL;
    g_autofree char *out = NULL;
    const char *cls;
    Image ppm = {0}, png = {0};

    /* No display adapter: no console. */
    cmd = g_strdup_printf("{\"execute\": \"screendump\", \"arguments\": "
                          "{\"filename\": \"%s\"}}",
                          path);
    desc = qmp_error_desc(s, cmd, &cls);
    g_assert_cmpstr(desc, ==, "There is no console to take a screendump from");
    qtest_quit(s);

    s = qtest_initf("-device VGA,id=vga0,addr=%x -device pci-testdev,id=td",
                    VGA_SLOT);
    /* Before any mode is set the console is a black 640x480. */
    screendump_read(s, "ppm", &ppm);
    screendump_read(s, "png", &png);
    g_assert_cmpint(ppm.width, ==, 640);
    g_assert_cmpint(ppm.height, ==, 480);
    for (int i = 0; i < 640 * 480 * 3; i++) {
        g_assert_cmpuint(ppm.rgb[i], ==, 0);
    }
    assert_images_equal(&ppm, &png);
    image_free(&ppm);
    image_free(&png);

    /* By device and head; the errors QEMU gives. */
    g_free(cmd);
    cmd = g_strdup_printf("{\"execute\": \"screendump\", \"arguments\": "
                          "{\"filename\": \"%s\", \"device\": \"vga0\", "
                          "\"head\": 0}}",
                          path);
    qtest_qmp_assert_success(s, "%s", cmd);
    ppm_parse(path, &ppm);
    g_assert_cmpint(ppm.width, ==, 640);
    image_free(&ppm);
    g_free(cmd);
    g_free(desc);
    cmd = g_strdup_printf("{\"execute\": \"screendump\", \"arguments\": "
                          "{\"filename\": \"%s\", \"device\": \"nope\"}}",
                          path);
    desc = qmp_error_desc(s, cmd, &cls);
    g_assert_cmpstr(cls, ==, "DeviceNotFound");
    g_assert_cmpstr(desc, ==, "Device 'nope' not found");
    g_free(cmd);
    g_free(desc);
    cmd = g_strdup_printf("{\"execute\": \"screendump\", \"arguments\": "
                          "{\"filename\": \"%s\", \"device\": \"td\"}}",
                          path);
    desc = qmp_error_desc(s, cmd, &cls);
    g_assert_cmpstr(desc, ==,
                    "Device td (head 0) is not bound to a QemuConsole");
    g_free(cmd);
    g_free(desc);
    cmd = g_strdup_printf("{\"execute\": \"screendump\", \"arguments\": "
                          "{\"filename\": \"%s\", \"format\": \"jpg\"}}",
                          path);
    desc = qmp_error_desc(s, cmd, &cls);
    g_assert_cmpstr(desc, ==, "Parameter 'format' does not accept value 'jpg'");
    g_free(cmd);
    g_free(desc);
    cmd = g_strdup_printf("{\"execute\": \"screendump\", \"arguments\": "
                          "{\"filename\": \"/nonexistent/x.ppm\"}}");
    desc = qmp_error_desc(s, cmd, &cls);
    g_assert_cmpstr(desc, ==,
                    "failed to open file '/nonexistent/x.ppm': No such file or "
                    "directory");

    /* HMP: screendump FILE -f png. */
    unlink(path);
    out = qtest_hmp(s, "screendump %s -f png", path);
    g_assert_cmpstr(out, ==, "");
    png_parse(path, &png);
    g_assert_cmpint(png.width, ==, 640);
    image_free(&png);
    g_free(out);
    out = qtest_hmp(s, "screendump %s -f gif", path);
    g_assert_cmpstr(out, ==, "Error: invalid parameter value: gif\r\n");
    unlink(path);
    qtest_quit(s);
}

/* ---- Rendering against reference images -----------------------------------
 */

/* The 6-bit DAC value as eight bits (the low bit repeated, as QEMU). */
static uint8_t dac8(uint8_t v)
{
    return (v << 2) | (v & 1) * 3;
}

static uint32_t dac_rgb(const uint8_t pal[][3], uint8_t index)
{
    return (uint32_t)dac8(pal[index][0]) << 16 | dac8(pal[index][1]) << 8 |
           dac8(pal[index][2]);
}

static void dac_load(QTestState *s, const uint8_t pal[][3], unsigned n)
{
    qtest_outb(s, 0x3c8, 0);
    for (unsigned i = 0; i < n; i++) {
        for (int c = 0; c < 3; c++) {
            qtest_outb(s, 0x3c9, pal[i][c]);
        }
    }
}

/* A pseudo-random 6-bit palette the references read too. */
static void palette_make(uint8_t pal[256][3])
{
    for (int i = 0; i < 256; i++) {
        pal[i][0] = (i * 7 + 3) & 0x3f;
        pal[i][1] = (i * 13 + 17) & 0x3f;
        pal[i][2] = (i * 29 + 5) & 0x3f;
    }
}

/* The attribute controller's palette and mode, then video on (PAS). */
static void attr_setup(QTestState *s, const uint8_t ar_pal[16], uint8_t mode)
{
    for (int i = 0; i < 16; i++) {
        attr_write(s, i, ar_pal[i]);
    }
    attr_write(s, 0x10, mode);
    attr_write(s, 0x12, 0x0f);
    attr_write(s, 0x13, 0x00);
    attr_write(s, 0x14, 0x00);
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, 0x20);
}

/* CRTC timing of a 400/480-line mode, as a BIOS programs it. */
static void crtc_setup(QTestState *s, uint8_t h_disp, uint16_t lines,
                       uint8_t max_scan, uint8_t offset, uint8_t mode_ctl)
{
    uint16_t v_disp_end = lines - 1; /* the last line displayed */

    crtc_write(s, 0x11, 0x00); /* unprotect CR00-CR07 */
    crtc_write(s, 0x01, h_disp);
    crtc_write(s, 0x07,
               ((v_disp_end >> 8) & 1) << 1 | ((v_disp_end >> 9) & 1) << 6 |
                   0x10);
    crtc_write(s, 0x09, max_scan);
    crtc_write(s, 0x12, v_disp_end & 0xff);
    crtc_write(s, 0x13, offset);
    crtc_write(s, 0x0c, 0);
    crtc_write(s, 0x0d, 0);
    crtc_write(s, 0x17, mode_ctl);
}

static void test_render_vbe(void)
{
    static const unsigned depths[] = {8, 15, 16, 24, 32};
    QTestState *s = vga_start(NULL);
    uint8_t pal[256][3];
    const int w = 40, h = 24;

    palette_make(pal);
    for (unsigned d = 0; d < G_N_ELEMENTS(depths); d++) {
        unsigned bpp = depths[d], bytes = (bpp + 7) / 8;
        g_autofree uint8_t *fb = g_malloc((size_t)w * h * bytes);
        Image ref = {w, h, g_malloc((size_t)w * h * 3)}, shot = {0};

        vbe_write(s, 4, 0);
        vbe_write(s, 1, w);
        vbe_write(s, 2, h);
        vbe_write(s, 3, bpp);
        vbe_write(s, 4, 0x41);
        dac_load(s, pal, 256);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                uint8_t *p = &fb[(y * w + x) * bytes];
                uint8_t *q = &ref.rgb[(y * w + x) * 3];
                uint32_t v = (x * 37 + y * 101) * 2654435761u;
                uint8_t r, g, b;

                if (bpp == 8) {
                    p[0] = v >> 24;
                    r = dac8(pal[p[0]][0]);
                    g = dac8(pal[p[0]][1]);
                    b = dac8(pal[p[0]][2]);
                } else if (bpp == 15 || bpp == 16) {
                    unsigned gbits = bpp == 15 ? 5 : 6;
                    uint16_t r5 = (v >> 27) & 0x1f, b5 = (v >> 11) & 0x1f;
                    uint16_t gv = (v >> 18) & ((1 << gbits) - 1);
                    uint16_t pix = r5 << (5 + gbits) | gv << 5 | b5;

                    p[0] = pix;
                    p[1] = pix >> 8;
                    r = r5 * 255 / 31;
                    g = gv * 255 / ((1 << gbits) - 1);
                    b = b5 * 255 / 31;
                } else {
                    b = p[0] = v >> 8;
                    g = p[1] = v >> 16;
                    r = p[2] = v >> 24;
                    if (bytes == 4) {
                        p[3] = 0xa5; /* the unused byte does not show */
                    }
                }
                q[0] = r;
                q[1] = g;
                q[2] = b;
            }
        }
        qtest_memwrite(s, VGA_LFB, fb, (size_t)w * h * bytes);
        screendump_read(s, bpp % 2 ? "ppm" : "png", &shot);
        g_test_message("%u bpp", bpp);
        assert_images_equal(&shot, &ref);
        image_free(&shot);
        image_free(&ref);
    }

    /* Panning: the picture starts at (x, y) of a wider virtual screen. */
    {
        const int vw = 64;
        g_autofree uint32_t *fb = g_new0(uint32_t, vw * h * 2);
        Image shot = {0};

        vbe_write(s, 4, 0);
        vbe_write(s, 3, 32);
        vbe_write(s, 4, 0x41);
        vbe_write(s, 6, vw);
        for (int i = 0; i < vw * h * 2; i++) {
            fb[i] = i * 0x010203;
        }
        qtest_memwrite(s, VGA_LFB, fb, vw * h * 2 * 4);
        vbe_write(s, 8, 8);
        vbe_write(s, 9, 3);
        screendump_read(s, "ppm", &shot);
        g_assert_cmpint(shot.width, ==, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                g_assert_cmphex(image_pixel(&shot, x, y), ==,
                                fb[(y + 3) * vw + x + 8] & 0xffffff);
            }
        }
        image_free(&shot);
    }
    qtest_quit(s);
}

static void test_render_mode13h(void)
{
    QTestState *s = vga_start(NULL);
    static const uint8_t identity[16] = {0, 1, 2,  3,  4,  5,  6,  7,
                                         8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t pal[256][3];
    g_autofree uint8_t *pixels = g_malloc(320 * 200);
    Image ref = {320, 200, g_malloc(320 * 200 * 3)}, shot = {0};

    /* Mode 13h as the BIOS programs it: chain-4, 256-colour shift. */
    qtest_outb(s, 0x3c2, 0x63);
    seq_write(s, 0x01, 0x01);
    seq_write(s, 0x02, 0x0f);
    seq_write(s, 0x04, 0x0e);
    crtc_setup(s, 0x4f, 400, 0x41, 0x28, 0xa3);
    crtc_write(s, 0x14, 0x40);
    gfx_write(s, 0x05, 0x40);
    gfx_write(s, 0x06, 0x05);
    palette_make(pal);
    dac_load(s, pal, 256);
    attr_setup(s, identity, 0x41);
    for (int i = 0; i < 320 * 200; i++) {
        pixels[i] = (i % 320) ^ (i / 320) * 3;
        ref.rgb[3 * i] = dac_rgb(pal, pixels[i]) >> 16;
        ref.rgb[3 * i + 1] = dac_rgb(pal, pixels[i]) >> 8;
        ref.rgb[3 * i + 2] = dac_rgb(pal, pixels[i]);
    }
    qtest_memwrite(s, 0xa0000, pixels, 320 * 200);
    screendump_read(s, "png", &shot);
    assert_images_equal(&shot, &ref);
    image_free(&shot);
    image_free(&ref);
    qtest_quit(s);
}

static void test_render_planar(void)
{
    QTestState *s = vga_start(NULL);
    /* The attribute palette maps colour c to DAC entry 0x20 + 3c. */
    uint8_t ar_pal[16], pal[256][3];
    g_autofree uint8_t *planes = g_malloc(4 * 80 * 480);
    Image ref = {640, 480, g_malloc(640 * 480 * 3)}, shot = {0};

    for (int i = 0; i < 16; i++) {
        ar_pal[i] = 0x20 + 3 * i;
    }
    /* Mode 12h: 640x480, 16 colours in four planes. */
    qtest_outb(s, 0x3c2, 0xe3);
    seq_write(s, 0x01, 0x01);
    seq_write(s, 0x04, 0x06);
    crtc_setup(s, 0x4f, 480, 0x40, 0x28, 0xe3);
    gfx_write(s, 0x05, 0x00);
    gfx_write(s, 0x06, 0x05);
    gfx_write(s, 0x08, 0xff);
    gfx_write(s, 0x01, 0x00);
    gfx_write(s, 0x03, 0x00);
    palette_make(pal);
    dac_load(s, pal, 256);
    attr_setup(s, ar_pal, 0x01);
    for (int p = 0; p < 4; p++) {
        for (int i = 0; i < 80 * 480; i++) {
            planes[p * 80 * 480 + i] = (i * (p + 3) * 0x9e3779b1u) >> 24;
        }
        seq_write(s, 0x02, 1 << p);
        qtest_memwrite(s, 0xa0000, planes + p * 80 * 480, 80 * 480);
    }
    seq_write(s, 0x02, 0x0f);
    for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 640; x++) {
            unsigned byte = y * 80 + x / 8, bit = 7 - x % 8, c = 0;
            uint32_t rgb;

            for (int p = 0; p < 4; p++) {
                c |= ((planes[p * 80 * 480 + byte] >> bit) & 1) << p;
            }
            rgb = dac_rgb(pal, ar_pal[c]);
            ref.rgb[3 * (y * 640 + x)] = rgb >> 16;
            ref.rgb[3 * (y * 640 + x) + 1] = rgb >> 8;
            ref.rgb[3 * (y * 640 + x) + 2] = rgb;
        }
    }
    screendump_read(s, "ppm", &shot);
    assert_images_equal(&shot, &ref);
    image_free(&shot);
    image_free(&ref);

    /* The colour plane enable register masks planes out of the picture. */
    attr_write(s, 0x12, 0x01);
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, 0x20);
    screendump_read(s, "ppm", &shot);
    for (int x = 0; x < 640; x++) {
        unsigned c = (planes[x / 8] >> (7 - x % 8)) & 1;

        g_assert_cmphex(image_pixel(&shot, x, 0), ==, dac_rgb(pal, ar_pal[c]));
    }
    image_free(&shot);
    qtest_quit(s);
}

static void test_render_cga(void)
{
    QTestState *s = vga_start(NULL);
    static const uint8_t ar_pal[16] = {0x00, 0x13, 0x15, 0x17, 0x02, 0x04,
                                       0x06, 0x07, 0x10, 0x11, 0x12, 0x13,
                                       0x14, 0x15, 0x16, 0x17};
    uint8_t pal[256][3], host[0x4000];
    Image ref = {320, 200, g_malloc(320 * 200 * 3)}, shot = {0};

    /* Mode 04h as a BIOS sets it: 320x200, 4 colours, CGA banks at
     * 0xB8000 (even lines) and 0xBA000 (odd lines). */
    qtest_outb(s, 0x3c2, 0x63);
    seq_write(s, 0x01, 0x09);
    seq_write(s, 0x02, 0x03);
    seq_write(s, 0x04, 0x02);
    crtc_setup(s, 0x27, 400, 0xc1, 0x14, 0xa2);
    gfx_write(s, 0x05, 0x30);
    gfx_write(s, 0x06, 0x0f);
    gfx_write(s, 0x04, 0x00);
    palette_make(pal);
    dac_load(s, pal, 256);
    attr_setup(s, ar_pal, 0x01);
    attr_write(s, 0x12, 0x03);
    qtest_inb(s, 0x3da);
    qtest_outb(s, 0x3c0, 0x20);
    for (unsigned i = 0; i < sizeof(host); i++) {
        host[i] = (i * 0x45d9f3bu) >> 13;
    }
    qtest_memwrite(s, 0xb8000, host, sizeof(host));
    for (int y = 0; y < 200; y++) {
        for (int x = 0; x < 320; x++) {
            uint8_t byte = host[(y & 1) * 0x2000 + (y >> 1) * 80 + x / 4];
            uint32_t rgb =
                dac_rgb(pal, ar_pal[(byte >> (6 - 2 * (x & 3))) & 3]);
            uint8_t *p = &ref.rgb[3 * (y * 320 + x)];

            p[0] = rgb >> 16;
            p[1] = rgb >> 8;
            p[2] = rgb;
        }
    }
    screendump_read(s, "ppm", &shot);
    assert_images_equal(&shot, &ref);
    image_free(&shot);
    image_free(&ref);
    qtest_quit(s);
}

/* ---- Text mode --------------------------------------------------------------
 */

#define TEXT_COLS 80
#define TEXT_ROWS 25
#define TEXT_CHEIGHT 16

typedef struct TextScreen {
    uint8_t font[256][TEXT_CHEIGHT];
    uint8_t chars[TEXT_ROWS * TEXT_COLS];
    uint8_t attrs[TEXT_ROWS * TEXT_COLS];
    uint8_t ar_pal[16];
    uint8_t pal[256][3];
    unsigned cursor, cursor_start, cursor_end;
} TextScreen;

/* Loads the font into plane 2 the way a BIOS does (planar, plane 2 only). */
static void text_font_load(QTestState *s, const TextScreen *t)
{
    uint8_t glyphs[256 * 32] = {0};

    for (int c = 0; c < 256; c++) {
        memcpy(&glyphs[c * 32], t->font[c], TEXT_CHEIGHT);
    }
    seq_write(s, 0x02, 0x04);
    seq_write(s, 0x04, 0x06);
    gfx_write(s, 0x04, 0x02);
    gfx_write(s, 0x05, 0x00);
    gfx_write(s, 0x06, 0x04);
    gfx_write(s, 0x01, 0x00); /* no set/reset, no rotation, all bits */
    gfx_write(s, 0x03, 0x00);
    gfx_write(s, 0x08, 0xff);
    qtest_memwrite(s, 0xa0000, glyphs, sizeof(glyphs));
    /* Back to text: odd/even at 0xB8000, planes 0 and 1. */
    seq_write(s, 0x02, 0x03);
    seq_write(s, 0x04, 0x02);
    gfx_write(s, 0x04, 0x00);
    gfx_write(s, 0x05, 0x10);
    gfx_write(s, 0x06, 0x0e);
}

/* The picture of t: 720x400, 9-dot cells, line graphics, blink enabled. */
static void text_reference(const TextScreen *t, Image *img)
{
    img->width = TEXT_COLS * 9;
    img->height = TEXT_ROWS * TEXT_CHEIGHT;
    img->rgb = g_malloc((size_t)img->width * img->height * 3);
    for (int cell = 0; cell < TEXT_ROWS * TEXT_COLS; cell++) {
        uint8_t ch = t->chars[cell], attr = t->attrs[cell];
        uint32_t fg = dac_rgb(t->pal, t->ar_pal[attr & 0x0f]);
        uint32_t bg = dac_rgb(t->pal, t->ar_pal[(attr >> 4) & 7]);

        for (int l = 0; l < TEXT_CHEIGHT; l++) {
            uint16_t bits = t->font[ch][l] << 1;
            int y = cell / TEXT_COLS * TEXT_CHEIGHT + l;

            /* Box-drawing characters repeat their eighth column. */
            if (ch >= 0xc0 && ch <= 0xdf) {
                bits |= bits >> 1 & 1;
            }
            if (cell == (int)t->cursor && l >= (int)t->cursor_start &&
                l <= (int)t->cursor_end) {
                bits = 0x1ff;
            }
            for (int x = 0; x < 9; x++) {
                uint32_t rgb = bits & (0x100 >> x) ? fg : bg;
                uint8_t *p =
                    &img->rgb[3 * (y * img->width + cell % TEXT_COLS * 9 + x)];

                p[0] = rgb >> 16;
                p[1] = rgb >> 8;
                p[2] = rgb;
            }
        }
    }
}

static void test_render_text(void)
{
    static const uint8_t ega_pal[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
                                        0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b,
                                        0x3c, 0x3d, 0x3e, 0x3f};
    /* The letter A, 8x16, as a VGA ROM font draws it. */
    static const uint8_t glyph_a[TEXT_CHEIGHT] = {
        0x00, 0x00, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe,
        0xc6, 0xc6, 0xc6, 0xc6, 0x00, 0x00, 0x00, 0x00};
    g_autofree TextScreen *t = g_new0(TextScreen, 1);
    g_autofree uint8_t *cells = g_malloc(2 * TEXT_ROWS * TEXT_COLS);
    QTestState *s = vga_start(NULL);
    Image ref = {0}, shot = {0};

    memcpy(t->font['A'], glyph_a, TEXT_CHEIGHT);
    for (int l = 0; l < TEXT_CHEIGHT; l++) {
        t->font[0xc4][l] = l == 7 ? 0xff : 0x00; /* a horizontal line */
        t->font[0xb0][l] = l & 1 ? 0x55 : 0xaa;  /* a shade: no 9th column */
        t->font['x'][l] = 0x81 | (1 << (l % 8));
    }
    memcpy(t->ar_pal, ega_pal, 16);
    palette_make(t->pal);
    for (int i = 0; i < TEXT_ROWS * TEXT_COLS; i++) {
        static const uint8_t text[] = {'A', 0xc4, 'x', 0xb0, ' ', 'A'};

        t->chars[i] = text[i % sizeof(text)];
        t->attrs[i] = (i * 37) & 0xff; /* every fg/bg pair, blink bit too */
    }
    t->chars[0] = 'A';
    t->attrs[0] = 0x1e; /* yellow on blue */
    t->cursor = 2 * TEXT_COLS + 5;
    t->cursor_start = 13;
    t->cursor_end = 14;

    /* Mode 3 registers: 80x25, 9-dot characters, 16 scan lines each. */
    qtest_outb(s, 0x3c2, 0x67);
    seq_write(s, 0x01, 0x00);
    seq_write(s, 0x03, 0x00);
    crtc_setup(s, 0x4f, 400, 0x4f, 0x28, 0xa3);
    crtc_write(s, 0x0a, t->cursor_start);
    crtc_write(s, 0x0b, t->cursor_end);
    crtc_write(s, 0x0e, t->cursor >> 8);
    crtc_write(s, 0x0f, t->cursor & 0xff);
    dac_load(s, t->pal, 256);
    attr_setup(s, t->ar_pal, 0x0c); /* line graphics, blink */
    text_font_load(s, t);
    for (int i = 0; i < TEXT_ROWS * TEXT_COLS; i++) {
        cells[2 * i] = t->chars[i];
        cells[2 * i + 1] = t->attrs[i];
    }
    qtest_memwrite(s, 0xb8000, cells, 2 * TEXT_ROWS * TEXT_COLS);

    text_reference(t, &ref);
    screendump_read(s, "ppm", &shot);
    assert_images_equal(&shot, &ref);
    image_free(&shot);

    /* The glyph of 'A' in the first cell, pixel for pixel. */
    screendump_read(s, "png", &shot);
    for (int l = 0; l < TEXT_CHEIGHT; l++) {
        for (int x = 0; x < 8; x++) {
            uint32_t want = glyph_a[l] & (0x80 >> x) ? dac_rgb(t->pal, 0x3e)
                                                     : dac_rgb(t->pal, 0x01);

            g_assert_cmphex(image_pixel(&shot, x, l), ==, want);
        }
    }
    image_free(&shot);
    image_free(&ref);

    /* Cursor off (CR0A bit 5): the cell shows its character again. */
    crtc_write(s, 0x0a, 0x20 | t->cursor_start);
    t->cursor = ~0u;
    text_reference(t, &ref);
    screendump_read(s, "ppm", &shot);
    assert_images_equal(&shot, &ref);
    image_free(&shot);
    image_free(&ref);
    qtest_quit(s);
}

/* ---- Saved state --------------------------------------------------------- */

static void qmp_file_command(QTestState *s, const char *cmd, const char *path)
{
    qtest_qmp_assert_success(
        s, "{\"execute\": \"%s\", \"arguments\": {\"filename\": \"%s\"}}", cmd,
        path);
}

/*
 * The registers and video memory move to a second pcvm with the same
 * command line: the picture and what a driver reads back are the same.
 */
static void test_state(void)
{
    g_autofree char *path = qtest_tmp_path("vga-state.bin");
    g_autofree uint32_t *fb = g_new(uint32_t, 64 * 32);
    QTestState *s = vga_start(NULL), *s2;
    Image before = {0}, after = {0};
    uint8_t pal[256][3];

    palette_make(pal);
    dac_load(s, pal, 256);
    vbe_write(s, 1, 64);
    vbe_write(s, 2, 32);
    vbe_write(s, 3, 32);
    vbe_write(s, 4, 0x41);
    vbe_write(s, 6, 128);
    vbe_write(s, 5, 2);
    seq_write(s, 0x02, 0x05);
    gfx_write(s, 0x08, 0x3c);
    qtest_outb(s, 0x3c2, 0x67); /* colour addressing */
    crtc_write(s, 0x0e, 0x07);
    attr_write(s, 0x05, 0x2b);
    qtest_outb(s, 0x3c8, 0x42); /* DAC write index, one colour part in */
    qtest_outb(s, 0x3c9, 0x11);
    for (int i = 0; i < 64 * 32; i++) {
        fb[i] = i * 0x00030507u;
    }
    for (int y = 0; y < 32; y++) {
        qtest_memwrite(s, VGA_LFB + y * 128 * 4, fb + y * 64, 64 * 4);
    }
    screendump_read(s, "ppm", &before);
    qmp_file_command(s, "x-save-devices", path);

    s2 = qtest_initf("-device VGA,addr=%x", VGA_SLOT);
    qmp_file_command(s2, "x-load-devices", path);
    qtest_quit(s);
    screendump_read(s2, "ppm", &after);
    assert_images_equal(&after, &before);
    g_assert_cmpint(after.width, ==, 64);
    g_assert_cmphex(image_pixel(&after, 5, 3), ==, fb[3 * 64 + 5] & 0xffffff);
    /* The DAC finishes the colour it was in the middle of. */
    qtest_outb(s2, 0x3c9, 0x22);
    qtest_outb(s2, 0x3c9, 0x33);
    qtest_outb(s2, 0x3c7, 0x42);
    g_assert_cmphex(qtest_inb(s2, 0x3c9), ==, 0x11);
    g_assert_cmphex(qtest_inb(s2, 0x3c9), ==, 0x22);
    g_assert_cmphex(qtest_inb(s2, 0x3c9), ==, 0x33);
    g_assert_cmphex(seq_read(s2, 0x02), ==, 0x05);
    g_assert_cmphex(gfx_read(s2, 0x08), ==, 0x3c);
    g_assert_cmphex(crtc_read(s2, 0x0e), ==, 0x07);
    g_assert_cmphex(attr_read(s2, 0x05), ==, 0x2b);
    g_assert_cmpuint(vbe_read(s2, 6), ==, 128);
    g_assert_cmpuint(vbe_read(s2, 5), ==, 2);
    /* The BAR0 mapping came with the PCI state: the LFB is where it was. */
    g_assert_cmphex(qtest_readl(s2, VGA_LFB + 4), ==, fb[1]);
    image_free(&before);
    image_free(&after);
    qtest_quit(s2);
    unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vga/pci-identity", test_pci_identity);
    g_test_add_func("/vga/vga-option", test_vga_option);
    g_test_add_func("/vga/registers", test_registers);
    g_test_add_func("/vga/planar-write-modes", test_planar_write_modes);
    g_test_add_func("/vga/planar-read-modes", test_planar_read_modes);
    g_test_add_func("/vga/addressing", test_addressing);
    g_test_add_func("/vga/vbe", test_vbe);
    g_test_add_func("/vga/mmio-bar", test_mmio_bar);
    g_test_add_func("/vga/edid", test_edid);
    g_test_add_func("/vga/screendump-command", test_screendump_command);
    g_test_add_func("/vga/render-vbe", test_render_vbe);
    g_test_add_func("/vga/render-mode13h", test_render_mode13h);
    g_test_add_func("/vga/render-planar", test_render_planar);
    g_test_add_func("/vga/render-cga", test_render_cga);
    g_test_add_func("/vga/render-text", test_render_text);
    g_test_add_func("/vga/state", test_state);
    return g_test_run();
}
