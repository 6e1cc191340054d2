/*
 * The VGA core: the registers of an IBM VGA (sequencer, graphics
 * controller, CRT controller, attribute controller, DAC, general
 * registers), its four planes of video memory seen through the legacy
 * window at 0xA0000-0xBFFFF, and the Bochs VBE "DISPI" extension that
 * QEMU's standard VGA adds for linear high-resolution modes.
 *
 * A front end (hw/display/vga-pci.c: the PCI "VGA") owns the video memory
 * region and maps the core's port and memory handlers; the core knows no
 * bus. Rendering into a console surface is hw/display/vga-render.c.
 *
 * Video memory layout: byte 4 * N + P is byte N of plane P, so a chain-4
 * access at address A is byte A, and the linear framebuffer of VBE modes
 * is the same memory read as a plain array.
 */
#ifndef HW_DISPLAY_VGA_H
#define HW_DISPLAY_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/vmstate.h"
#include "system/memory.h"
#include "ui/console.h"

/* I/O ports (FreeVGA names). */
#define VGA_ATT_W 0x3c0     /* attribute index / data (flip-flop) */
#define VGA_ATT_R 0x3c1     /* attribute data read */
#define VGA_MIS_W 0x3c2     /* miscellaneous output write */
#define VGA_IS0_R 0x3c2     /* input status #0 */
#define VGA_SEQ_I 0x3c4     /* sequencer index */
#define VGA_SEQ_D 0x3c5     /* sequencer data */
#define VGA_PEL_MSK 0x3c6   /* DAC pixel mask */
#define VGA_PEL_IR 0x3c7    /* DAC read index (write) / DAC state (read) */
#define VGA_PEL_IW 0x3c8    /* DAC write index */
#define VGA_PEL_D 0x3c9     /* DAC data */
#define VGA_FTC_R 0x3ca     /* feature control read */
#define VGA_MIS_R 0x3cc     /* miscellaneous output read */
#define VGA_GFX_I 0x3ce     /* graphics controller index */
#define VGA_GFX_D 0x3cf     /* graphics controller data */
#define VGA_CRT_IM 0x3b4    /* CRTC index, monochrome addressing */
#define VGA_CRT_DM 0x3b5    /* CRTC data, monochrome addressing */
#define VGA_IS1_RM 0x3ba    /* input status #1, monochrome */
#define VGA_CRT_IC 0x3d4    /* CRTC index, colour addressing */
#define VGA_CRT_DC 0x3d5    /* CRTC data, colour addressing */
#define VGA_IS1_RC 0x3da    /* input status #1, colour */
#define VGA_PORT_BASE 0x3b0 /* the block the core decodes */
#define VGA_PORT_SIZE 0x30

/* Miscellaneous output. */
#define VGA_MIS_COLOR 0x01 /* CRTC and IS1 at 0x3Dx instead of 0x3Bx */

/* Input status #1. */
#define VGA_IS1_DISPLAY_DISABLED 0x01
#define VGA_IS1_VRETRACE 0x08

/* Sequencer registers. */
#define VGA_SEQ_RESET 0x00
#define VGA_SEQ_CLOCK_MODE 0x01
#define VGA_SEQ_PLANE_WRITE 0x02
#define VGA_SEQ_CHARACTER_MAP 0x03
#define VGA_SEQ_MEMORY_MODE 0x04
#define VGA_SEQ_COUNT 8
#define VGA_SR01_CHAR_CLK_8DOTS 0x01
#define VGA_SR01_DOT_CLOCK_DIVIDE 0x08
#define VGA_SR01_SCREEN_OFF 0x20
#define VGA_SR04_EXT_MEM 0x02
#define VGA_SR04_ODD_EVEN_DISABLE 0x04
#define VGA_SR04_CHAIN4 0x08

/* Graphics controller registers. */
#define VGA_GFX_SR_VALUE 0x00
#define VGA_GFX_SR_ENABLE 0x01
#define VGA_GFX_COMPARE_VALUE 0x02
#define VGA_GFX_DATA_ROTATE 0x03
#define VGA_GFX_PLANE_READ 0x04
#define VGA_GFX_MODE 0x05
#define VGA_GFX_MISC 0x06
#define VGA_GFX_COMPARE_MASK 0x07
#define VGA_GFX_BIT_MASK 0x08
#define VGA_GFX_COUNT 16
#define VGA_GR05_READ_MODE_1 0x08
#define VGA_GR05_HOST_ODD_EVEN 0x10
#define VGA_GR05_SHIFT_INTERLEAVE 0x20
#define VGA_GR05_SHIFT_256 0x40
#define VGA_GR06_GRAPHICS 0x01
#define VGA_GR06_MEMORY_MAP_SHIFT 2

/* CRT controller registers. */
#define VGA_CRTC_H_DISP 0x01
#define VGA_CRTC_OVERFLOW 0x07
#define VGA_CRTC_MAX_SCAN 0x09
#define VGA_CRTC_CURSOR_START 0x0a
#define VGA_CRTC_CURSOR_END 0x0b
#define VGA_CRTC_START_HI 0x0c
#define VGA_CRTC_START_LO 0x0d
#define VGA_CRTC_CURSOR_HI 0x0e
#define VGA_CRTC_CURSOR_LO 0x0f
#define VGA_CRTC_V_SYNC_END 0x11
#define VGA_CRTC_V_DISP_END 0x12
#define VGA_CRTC_OFFSET 0x13
#define VGA_CRTC_UNDERLINE 0x14
#define VGA_CRTC_MODE 0x17
#define VGA_CRTC_COUNT 0x19 /* the VGA's registers 0x00-0x18 */
#define VGA_CR09_DOUBLE_SCAN 0x80
#define VGA_CR0A_CURSOR_OFF 0x20
#define VGA_CR11_PROTECT 0x80

/* Attribute controller registers. */
#define VGA_ATC_PALETTE_COUNT 0x10
#define VGA_ATC_MODE 0x10
#define VGA_ATC_OVERSCAN 0x11
#define VGA_ATC_PLANE_ENABLE 0x12
#define VGA_ATC_PEL 0x13
#define VGA_ATC_COLOR_SELECT 0x14
#define VGA_ATC_COUNT 0x15
#define VGA_AR_PAS 0x20 /* index bit: palette address source (video on) */
#define VGA_AR10_GRAPHICS 0x01
#define VGA_AR10_LINE_GRAPHICS 0x04
#define VGA_AR10_BLINK 0x08
#define VGA_AR10_P54_SELECT 0x80

/* Bochs VBE "DISPI" interface (Bochs' vbe.h names). */
#define VBE_DISPI_IOPORT_INDEX 0x1ce
#define VBE_DISPI_IOPORT_DATA 0x1cf
#define VBE_DISPI_IOPORT_SIZE 3
#define VBE_DISPI_INDEX_ID 0x0
#define VBE_DISPI_INDEX_XRES 0x1
#define VBE_DISPI_INDEX_YRES 0x2
#define VBE_DISPI_INDEX_BPP 0x3
#define VBE_DISPI_INDEX_ENABLE 0x4
#define VBE_DISPI_INDEX_BANK 0x5
#define VBE_DISPI_INDEX_VIRT_WIDTH 0x6
#define VBE_DISPI_INDEX_VIRT_HEIGHT 0x7
#define VBE_DISPI_INDEX_X_OFFSET 0x8
#define VBE_DISPI_INDEX_Y_OFFSET 0x9
#define VBE_DISPI_INDEX_VIDEO_MEMORY_64K 0xa
#define VBE_DISPI_INDEX_NB 0xb
#define VBE_DISPI_ID0 0xb0c0
#define VBE_DISPI_ID5 0xb0c5
#define VBE_DISPI_DISABLED 0x00
#define VBE_DISPI_ENABLED 0x01
#define VBE_DISPI_GETCAPS 0x02
#define VBE_DISPI_8BIT_DAC 0x20
#define VBE_DISPI_LFB_ENABLED 0x40
#define VBE_DISPI_NOCLEARMEM 0x80
#define VBE_DISPI_MAX_XRES 16000
#define VBE_DISPI_MAX_YRES 12000
#define VBE_DISPI_MAX_BPP 32

typedef struct VGACommonState {
    /* Video memory: the front end's RAM region. */
    MemoryRegion *vram_mr;
    uint8_t *vram;
    uint32_t vram_size;
    /*
     * The 64 KiB window at 0xA0000 straight onto video memory, which the
     * front end maps above vga_mem_ops: enabled while chain-4 with every
     * plane writable makes the window a plain view of memory (mode 13h,
     * VBE banks), so a KVM guest writes it without exits.
     */
    MemoryRegion chain4_alias;

    /* General registers. */
    uint8_t misc_output;
    uint8_t feature_control;
    uint8_t st01; /* input status #1 as last read (toggled per read) */

    uint8_t sr_index;
    uint8_t sr[VGA_SEQ_COUNT];
    uint8_t gr_index;
    uint8_t gr[VGA_GFX_COUNT];
    uint8_t cr_index;
    uint8_t cr[256];
    uint8_t ar_index;
    uint8_t ar[VGA_ATC_COUNT];
    bool ar_flip_flop; /* true: the next 0x3C0 write is data */

    /* DAC. */
    uint8_t dac_state; /* 0: last index write was 0x3C8; 3: 0x3C7 */
    uint8_t dac_read_index;
    uint8_t dac_write_index;
    uint8_t dac_sub_index; /* red, green, blue */
    uint8_t dac_cache[3];
    uint8_t palette[768];

    /* The four plane bytes the last planar read loaded. */
    uint32_t latch;

    /* VBE. */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_NB];
    uint32_t vbe_start_addr;  /* bytes */
    uint32_t vbe_line_offset; /* bytes */
    uint32_t bank_offset;     /* of the 64 KiB window at 0xA0000 */

    QemuConsole *con;
} VGACommonState;

/* Sets up the core over the RAM region vram (a power of two in size). */
void vga_common_init(VGACommonState *s, MemoryRegion *vram);
void vga_common_reset(VGACommonState *s);

/* Port accesses: addr is the port number (0x3B0-0x3DF), one byte each. */
uint32_t vga_ioport_read(VGACommonState *s, uint32_t addr);
void vga_ioport_write(VGACommonState *s, uint32_t addr, uint32_t val);

/* The DISPI index and data registers. */
uint32_t vbe_ioport_read_index(VGACommonState *s);
void vbe_ioport_write_index(VGACommonState *s, uint32_t val);
uint32_t vbe_ioport_read_data(VGACommonState *s);
void vbe_ioport_write_data(VGACommonState *s, uint32_t val);
bool vbe_enabled(const VGACommonState *s);

/* One byte of the legacy window; addr is the offset from 0xA0000. */
uint8_t vga_mem_readb(VGACommonState *s, uint64_t addr);
void vga_mem_writeb(VGACommonState *s, uint64_t addr, uint8_t val);

/* The regions a front end maps: ports 0x3B0-0x3DF, 0x1CE-0x1CF, window. */
extern const MemoryRegionOps vga_ioport_ops;
extern const MemoryRegionOps vbe_ioport_ops;
extern const MemoryRegionOps vga_mem_ops;

/* Draws the current mode into s->con's surface (hw/display/vga-render.c). */
extern const GraphicHwOps vga_console_ops;

/* The core's registers, for a front end's description to nest. */
extern const VMStateDescription vmstate_vga_common;
/* Re-derives what the registers imply after a load; false: refused. */
bool vga_common_post_load(VGACommonState *s, GError **errp);

#endif
