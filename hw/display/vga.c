/*
 * The VGA core: register files, planar video memory through the legacy
 * window, and the Bochs VBE DISPI extension. Register semantics follow
 * the IBM VGA as FreeVGA documents it (sequencer, graphics controller,
 * CRTC, attribute controller, DAC, general registers); DISPI follows
 * Bochs' vbe.h and QEMU's documented standard VGA.
 *
 * Memory access: chain-4 and odd/even addressing, planar write modes 0-3
 * with set/reset, rotate, logical function, bit mask and map mask, read
 * modes 0 (plane select) and 1 (colour compare). Left out: the light
 * pen, the CGA shift interleave and split screen (line compare) in the
 * renderer, and timing: input status #1 toggles its retrace bits on each
 * read so that drivers polling it make progress.
 */
#include <string.h>

#include "hw/display/vga.h"
#include "util/error.h"
#include "util/log.h"

/* Writable bits per register index (FreeVGA's reserved bits read 0). */
static const uint8_t sr_mask[VGA_SEQ_COUNT] = {
    0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0x00,
};
static const uint8_t gr_mask[VGA_GFX_COUNT] = {
    0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff,
};

/* A byte for each plane whose bit is set in a 4-bit value. */
static uint32_t plane_expand(uint8_t bits)
{
    uint32_t v = 0;

    for (int p = 0; p < 4; p++) {
        if (bits & (1 << p)) {
            v |= 0xffu << (p * 8);
        }
    }
    return v;
}

static bool vga_color_addressing(const VGACommonState *s)
{
    return s->misc_output & VGA_MIS_COLOR;
}

/*
 * Maps the window straight onto video memory when every access would just
 * be vram[offset]: chain-4, all planes writable, the 64 KiB map at 0xA0000.
 */
static void vga_update_memory_access(VGACommonState *s)
{
    bool direct = (s->sr[VGA_SEQ_MEMORY_MODE] & VGA_SR04_CHAIN4) &&
                  (s->sr[VGA_SEQ_PLANE_WRITE] & 0x0f) == 0x0f &&
                  ((s->gr[VGA_GFX_MISC] >> VGA_GR06_MEMORY_MAP_SHIFT) & 3) == 1;

    memory_region_transaction_begin();
    if (direct) {
        memory_region_set_alias_offset(&s->chain4_alias, s->bank_offset);
    }
    memory_region_set_enabled(&s->chain4_alias, direct);
    memory_region_transaction_commit();
}

/* ---- Ports 0x3B0-0x3DF ----------------------------------------------------
 */

/* Ports of the monochrome or colour block the misc register deselected. */
static bool vga_port_ignored(const VGACommonState *s, uint32_t addr)
{
    if (addr >= 0x3b0 && addr <= 0x3bf) {
        return vga_color_addressing(s);
    }
    if (addr >= 0x3d0 && addr <= 0x3df) {
        return !vga_color_addressing(s);
    }
    return false;
}

uint32_t vga_ioport_read(VGACommonState *s, uint32_t addr)
{
    uint32_t val = 0xff;

    if (vga_port_ignored(s, addr)) {
        return 0xff;
    }
    switch (addr) {
    case VGA_ATT_W:
        val = s->ar_index;
        break;
    case VGA_ATT_R: {
        uint8_t index = s->ar_index & 0x1f;

        val = index < VGA_ATC_COUNT ? s->ar[index] : 0;
        break;
    }
    case VGA_IS0_R:
        val = 0; /* no switch sense, no CRT interrupt */
        break;
    case VGA_SEQ_I:
        val = s->sr_index;
        break;
    case VGA_SEQ_D:
        val = s->sr[s->sr_index & 7];
        break;
    case VGA_PEL_MSK:
        val = 0xff;
        break;
    case VGA_PEL_IR:
        val = s->dac_state;
        break;
    case VGA_PEL_IW:
        val = s->dac_write_index;
        break;
    case VGA_PEL_D:
        val = s->palette[s->dac_read_index * 3 + s->dac_sub_index];
        if (++s->dac_sub_index == 3) {
            s->dac_sub_index = 0;
            s->dac_read_index++;
        }
        break;
    case VGA_FTC_R:
        val = s->feature_control;
        break;
    case VGA_MIS_R:
        val = s->misc_output;
        break;
    case VGA_GFX_I:
        val = s->gr_index;
        break;
    case VGA_GFX_D:
        val = s->gr[s->gr_index & 0x0f];
        break;
    case VGA_CRT_IM:
    case VGA_CRT_IC:
        val = s->cr_index;
        break;
    case VGA_CRT_DM:
    case VGA_CRT_DC:
        val = s->cr[s->cr_index];
        break;
    case VGA_IS1_RM:
    case VGA_IS1_RC:
        /* Reading input status #1 resets the attribute flip-flop. */
        s->st01 ^= VGA_IS1_DISPLAY_DISABLED | VGA_IS1_VRETRACE;
        val = s->st01;
        s->ar_flip_flop = false;
        break;
    default:
        log_unimp_once("vga: read of unimplemented port 0x%x\n", addr);
        break;
    }
    return val;
}

static void vga_attr_write(VGACommonState *s, uint8_t val)
{
    uint8_t index;

    if (!s->ar_flip_flop) {
        s->ar_index = val & 0x3f;
        s->ar_flip_flop = true;
        return;
    }
    s->ar_flip_flop = false;
    index = s->ar_index & 0x1f;
    if (index < VGA_ATC_PALETTE_COUNT) {
        s->ar[index] = val & 0x3f;
    } else if (index == VGA_ATC_MODE) {
        s->ar[index] = val & ~0x10;
    } else if (index == VGA_ATC_OVERSCAN) {
        s->ar[index] = val;
    } else if (index == VGA_ATC_PLANE_ENABLE) {
        s->ar[index] = val & 0x3f;
    } else if (index == VGA_ATC_PEL) {
        s->ar[index] = val & 0x0f;
    } else if (index == VGA_ATC_COLOR_SELECT) {
        s->ar[index] = val & 0x0f;
    } else {
        log_mask_printf(LOG_GUEST_ERROR,
                        "vga: write to attribute register 0x%x\n", index);
    }
}

static void vga_crtc_write(VGACommonState *s, uint8_t val)
{
    uint8_t index = s->cr_index;

    /* CR11 bit 7 protects CR00-CR07, except CR07's line compare bit 8. */
    if ((s->cr[VGA_CRTC_V_SYNC_END] & VGA_CR11_PROTECT) &&
        index <= VGA_CRTC_OVERFLOW) {
        if (index == VGA_CRTC_OVERFLOW) {
            s->cr[index] = (s->cr[index] & ~0x10) | (val & 0x10);
        }
        return;
    }
    s->cr[index] = val;
}

static void vga_dac_write(VGACommonState *s, uint8_t val)
{
    bool dac_8bit = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;

    s->dac_cache[s->dac_sub_index] = dac_8bit ? val : val & 0x3f;
    if (++s->dac_sub_index == 3) {
        memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
        s->dac_sub_index = 0;
        s->dac_write_index++;
    }
}

void vga_ioport_write(VGACommonState *s, uint32_t addr, uint32_t val)
{
    val &= 0xff;
    if (vga_port_ignored(s, addr)) {
        return;
    }
    switch (addr) {
    case VGA_ATT_W:
        vga_attr_write(s, val);
        break;
    case VGA_MIS_W:
        s->misc_output = val & ~0x10;
        break;
    case VGA_SEQ_I:
        s->sr_index = val & 7;
        break;
    case VGA_SEQ_D:
        s->sr[s->sr_index] = val & sr_mask[s->sr_index];
        vga_update_memory_access(s);
        break;
    case VGA_PEL_MSK:
        break; /* the pixel mask stays 0xFF, as on QEMU's VGA */
    case VGA_PEL_IR:
        s->dac_read_index = val;
        s->dac_sub_index = 0;
        s->dac_state = 3;
        break;
    case VGA_PEL_IW:
        s->dac_write_index = val;
        s->dac_sub_index = 0;
        s->dac_state = 0;
        break;
    case VGA_PEL_D:
        vga_dac_write(s, val);
        break;
    case VGA_GFX_I:
        s->gr_index = val & 0x0f;
        break;
    case VGA_GFX_D:
        s->gr[s->gr_index] = val & gr_mask[s->gr_index];
        vga_update_memory_access(s);
        break;
    case VGA_CRT_IM:
    case VGA_CRT_IC:
        s->cr_index = val;
        break;
    case VGA_CRT_DM:
    case VGA_CRT_DC:
        vga_crtc_write(s, val);
        break;
    case VGA_IS1_RM:
    case VGA_IS1_RC:
        s->feature_control = val & 0x03;
        break;
    default:
        log_unimp_once("vga: write of unimplemented port 0x%x\n", addr);
        break;
    }
}

static uint64_t vga_ioport_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return vga_ioport_read(opaque, VGA_PORT_BASE + addr);
}

static void vga_ioport_mr_write(void *opaque, uint64_t addr, uint64_t val,
                                unsigned size)
{
    vga_ioport_write(opaque, VGA_PORT_BASE + addr, val);
}

/* Word accesses (index and data in one OUT) split into two bytes. */
const MemoryRegionOps vga_ioport_ops = {
    .read = vga_ioport_mr_read,
    .write = vga_ioport_mr_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 1,
    .unaligned = true,
};

/* ---- VBE DISPI --------------------------------------------------------------
 */

bool vbe_enabled(const VGACommonState *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}

static unsigned vbe_bits_per_pixel(const VGACommonState *s)
{
    return s->vbe_regs[VBE_DISPI_INDEX_BPP];
}

/* Bytes per line for a virtual width at the current depth. */
static uint32_t vbe_line_bytes(const VGACommonState *s, uint32_t width)
{
    unsigned bpp = vbe_bits_per_pixel(s);

    return bpp == 4 ? width >> 1 : width * ((bpp + 7) / 8);
}

/*
 * Recomputes the line offset, virtual height and start address from the
 * registers, clamping what does not fit into video memory.
 */
static void vbe_update_geometry(VGACommonState *s)
{
    uint16_t *r = s->vbe_regs;
    unsigned bpp = vbe_bits_per_pixel(s);
    uint32_t line, offset;

    if (r[VBE_DISPI_INDEX_VIRT_WIDTH] < r[VBE_DISPI_INDEX_XRES]) {
        r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
    }
    line = vbe_line_bytes(s, r[VBE_DISPI_INDEX_VIRT_WIDTH]);
    if (!line) {
        s->vbe_line_offset = 0;
        s->vbe_start_addr = 0;
        return;
    }
    if ((uint64_t)line * r[VBE_DISPI_INDEX_YRES] > s->vram_size) {
        /* Too wide for the memory: fall back to the visible width. */
        r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
        line = vbe_line_bytes(s, r[VBE_DISPI_INDEX_XRES]);
    }
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = MIN(s->vram_size / line, 0xffff);
    /* Enabled, the visible lines must fit too (this bounds the surface). */
    if (vbe_enabled(s) &&
        r[VBE_DISPI_INDEX_YRES] > r[VBE_DISPI_INDEX_VIRT_HEIGHT]) {
        r[VBE_DISPI_INDEX_YRES] = r[VBE_DISPI_INDEX_VIRT_HEIGHT];
    }
    s->vbe_line_offset = line;
    if (r[VBE_DISPI_INDEX_X_OFFSET] >= r[VBE_DISPI_INDEX_VIRT_WIDTH]) {
        r[VBE_DISPI_INDEX_X_OFFSET] = 0;
    }
    if (r[VBE_DISPI_INDEX_Y_OFFSET] >= r[VBE_DISPI_INDEX_VIRT_HEIGHT]) {
        r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    }
    offset = bpp == 4 ? r[VBE_DISPI_INDEX_X_OFFSET] >> 3
                      : r[VBE_DISPI_INDEX_X_OFFSET] * ((bpp + 7) / 8);
    s->vbe_start_addr =
        (uint32_t)((uint64_t)line * r[VBE_DISPI_INDEX_Y_OFFSET] + offset) %
        s->vram_size;
}

uint32_t vbe_ioport_read_index(VGACommonState *s)
{
    return s->vbe_index;
}

void vbe_ioport_write_index(VGACommonState *s, uint32_t val)
{
    s->vbe_index = val;
}

uint32_t vbe_ioport_read_data(VGACommonState *s)
{
    uint16_t index = s->vbe_index;
    bool caps = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS;

    if (index == VBE_DISPI_INDEX_VIDEO_MEMORY_64K) {
        return s->vram_size >> 16;
    }
    if (index >= VBE_DISPI_INDEX_NB) {
        return 0;
    }
    if (caps) {
        /* GETCAPS: XRES/YRES/BPP read back the maxima. */
        switch (index) {
        case VBE_DISPI_INDEX_XRES:
            return VBE_DISPI_MAX_XRES;
        case VBE_DISPI_INDEX_YRES:
            return VBE_DISPI_MAX_YRES;
        case VBE_DISPI_INDEX_BPP:
            return VBE_DISPI_MAX_BPP;
        }
    }
    return s->vbe_regs[index];
}

/* Clears video memory and sets the VGA up for a linear graphics mode. */
static void vbe_enable(VGACommonState *s, uint16_t val)
{
    uint16_t *r = s->vbe_regs;

    r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
    r[VBE_DISPI_INDEX_X_OFFSET] = 0;
    r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    r[VBE_DISPI_INDEX_ENABLE] = val;
    vbe_update_geometry(s);
    if (!(val & VBE_DISPI_NOCLEARMEM)) {
        uint64_t len = (uint64_t)s->vbe_line_offset * r[VBE_DISPI_INDEX_YRES];

        memset(s->vram, 0, MIN(len, s->vram_size));
    }
    /* Graphics mode, the 64 KiB window at 0xA0000, chain-4 addressing. */
    s->gr[VGA_GFX_MISC] = (s->gr[VGA_GFX_MISC] & ~0x0c) | VGA_GR06_GRAPHICS |
                          (1 << VGA_GR06_MEMORY_MAP_SHIFT);
    s->sr[VGA_SEQ_MEMORY_MODE] |= VGA_SR04_CHAIN4;
    s->sr[VGA_SEQ_PLANE_WRITE] = 0x0f;
    s->ar[VGA_ATC_MODE] |= VGA_AR10_GRAPHICS;
}

void vbe_ioport_write_data(VGACommonState *s, uint32_t val)
{
    uint16_t *r = s->vbe_regs;
    uint16_t index = s->vbe_index;

    val &= 0xffff;
    switch (index) {
    case VBE_DISPI_INDEX_ID:
        if (val >= VBE_DISPI_ID0 && val <= VBE_DISPI_ID5) {
            r[index] = val;
        }
        break;
    case VBE_DISPI_INDEX_XRES:
        r[index] = MIN(val, VBE_DISPI_MAX_XRES) & ~7u;
        vbe_update_geometry(s);
        break;
    case VBE_DISPI_INDEX_YRES:
        r[index] = MIN(val, VBE_DISPI_MAX_YRES);
        vbe_update_geometry(s);
        break;
    case VBE_DISPI_INDEX_BPP:
        if (val != 4 && val != 8 && val != 15 && val != 16 && val != 24 &&
            val != 32) {
            /* 0 and unsupported depths fall back to 8, as on QEMU. */
            if (val) {
                log_mask_printf(LOG_GUEST_ERROR, "vga: VBE bpp %u\n", val);
            }
            val = 8;
        }
        r[index] = val;
        vbe_update_geometry(s);
        break;
    case VBE_DISPI_INDEX_BANK:
        val &= (s->vram_size >> 16) - 1;
        r[index] = val;
        s->bank_offset = val << 16;
        vga_update_memory_access(s);
        break;
    case VBE_DISPI_INDEX_ENABLE:
        if ((val & VBE_DISPI_ENABLED) && !vbe_enabled(s)) {
            vbe_enable(s, val);
        } else if (!(val & VBE_DISPI_ENABLED)) {
            r[index] = val;
            s->bank_offset = 0;
            r[VBE_DISPI_INDEX_BANK] = 0;
        } else {
            r[index] = val; /* flags change while enabled */
        }
        vga_update_memory_access(s);
        break;
    case VBE_DISPI_INDEX_VIRT_WIDTH:
        r[index] = val;
        vbe_update_geometry(s);
        break;
    case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[index] = val;
        vbe_update_geometry(s);
        break;
    case VBE_DISPI_INDEX_VIRT_HEIGHT:
        break; /* derived from the memory size and line */
    default:
        log_mask_printf(LOG_GUEST_ERROR, "vga: write to VBE index 0x%x\n",
                        index);
        break;
    }
}

/*
 * The region spans 0x1CE-0x1D0 so that a word access at 0x1CF (the data
 * register) stays in it; a lone access to 0x1D0 decodes nothing.
 */
static uint64_t vbe_ioport_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    switch (addr) {
    case 0:
        return vbe_ioport_read_index(opaque);
    case 1:
        return vbe_ioport_read_data(opaque);
    }
    return UINT64_MAX;
}

static void vbe_ioport_mr_write(void *opaque, uint64_t addr, uint64_t val,
                                unsigned size)
{
    if (addr == 0) {
        vbe_ioport_write_index(opaque, val);
    } else if (addr == 1) {
        vbe_ioport_write_data(opaque, val);
    }
}

/* Index at 0x1CE, data at 0x1CF: 16-bit registers. */
const MemoryRegionOps vbe_ioport_ops = {
    .read = vbe_ioport_mr_read,
    .write = vbe_ioport_mr_write,
    .valid_min = 1,
    .valid_max = 2,
    .impl_min = 1,
    .impl_max = 2,
    .unaligned = true,
};

/* ---- The legacy window ------------------------------------------------------
 */

/*
 * The memory map select of GR06 places the window; returns the offset
 * into it, or -1 where the window does not decode addr.
 */
static int64_t vga_window_offset(const VGACommonState *s, uint64_t addr)
{
    switch ((s->gr[VGA_GFX_MISC] >> VGA_GR06_MEMORY_MAP_SHIFT) & 3) {
    case 0: /* 0xA0000-0xBFFFF */
        return addr;
    case 1: /* 0xA0000-0xAFFFF, banked by VBE */
        return addr < 0x10000 ? (int64_t)(addr + s->bank_offset) : -1;
    case 2: /* 0xB0000-0xB7FFF */
        return addr >= 0x10000 && addr < 0x18000 ? (int64_t)(addr - 0x10000)
                                                 : -1;
    default: /* 0xB8000-0xBFFFF */
        return addr >= 0x18000 ? (int64_t)(addr - 0x18000) : -1;
    }
}

uint8_t vga_mem_readb(VGACommonState *s, uint64_t addr)
{
    int64_t off = vga_window_offset(s, addr);
    uint32_t plane, ret;

    if (off < 0) {
        return 0xff;
    }
    if (s->sr[VGA_SEQ_MEMORY_MODE] & VGA_SR04_CHAIN4) {
        return off < s->vram_size ? s->vram[off] : 0xff;
    }
    if (s->gr[VGA_GFX_MODE] & VGA_GR05_HOST_ODD_EVEN) {
        /* Even addresses read plane 0 (or 2), odd ones plane 1 (or 3). */
        plane = (s->gr[VGA_GFX_PLANE_READ] & 2) | (off & 1);
        off = ((off & ~1) << 1) | plane;
        return off < s->vram_size ? s->vram[off] : 0xff;
    }
    if ((uint64_t)off * 4 + 3 >= s->vram_size) {
        return 0xff;
    }
    memcpy(&s->latch, &s->vram[off * 4], 4);
    if (!(s->gr[VGA_GFX_MODE] & VGA_GR05_READ_MODE_1)) {
        plane = s->gr[VGA_GFX_PLANE_READ] & 3;
        return s->latch >> (plane * 8);
    }
    /* Read mode 1: a pixel matches where every cared-for plane matches. */
    ret = (s->latch ^ plane_expand(s->gr[VGA_GFX_COMPARE_VALUE])) &
          plane_expand(s->gr[VGA_GFX_COMPARE_MASK]);
    ret |= ret >> 16;
    ret |= ret >> 8;
    return ~ret & 0xff;
}

void vga_mem_writeb(VGACommonState *s, uint64_t addr, uint8_t val)
{
    int64_t off = vga_window_offset(s, addr);
    uint8_t map_mask = s->sr[VGA_SEQ_PLANE_WRITE] & 0x0f;
    uint32_t data, bit_mask, write_mask, cur;
    unsigned plane;

    if (off < 0) {
        return;
    }
    if (s->sr[VGA_SEQ_MEMORY_MODE] & VGA_SR04_CHAIN4) {
        plane = off & 3;
        if ((map_mask & (1 << plane)) && off < s->vram_size) {
            s->vram[off] = val;
        }
        return;
    }
    if (!(s->sr[VGA_SEQ_MEMORY_MODE] & VGA_SR04_ODD_EVEN_DISABLE)) {
        plane = (s->gr[VGA_GFX_PLANE_READ] & 2) | (off & 1);
        off = ((off & ~1) << 1) | plane;
        if ((map_mask & (1 << plane)) && off < s->vram_size) {
            s->vram[off] = val;
        }
        return;
    }
    if ((uint64_t)off * 4 + 3 >= s->vram_size) {
        return;
    }

    bit_mask = s->gr[VGA_GFX_BIT_MASK];
    switch (s->gr[VGA_GFX_MODE] & 3) {
    case 0: {
        unsigned rot = s->gr[VGA_GFX_DATA_ROTATE] & 7;
        uint8_t sr_enable = s->gr[VGA_GFX_SR_ENABLE];

        val = (uint8_t)((val >> rot) | (val << (8 - rot)));
        data = val * 0x01010101u;
        data =
            (data & ~plane_expand(sr_enable)) |
            (plane_expand(s->gr[VGA_GFX_SR_VALUE]) & plane_expand(sr_enable));
        break;
    }
    case 1:
        /* The latches go back unchanged, through the map mask only. */
        data = s->latch;
        goto store;
    case 2:
        data = plane_expand(val);
        break;
    default: {
        unsigned rot = s->gr[VGA_GFX_DATA_ROTATE] & 7;

        val = (uint8_t)((val >> rot) | (val << (8 - rot)));
        bit_mask &= val;
        data = plane_expand(s->gr[VGA_GFX_SR_VALUE]);
        break;
    }
    }

    /* Logical function with the latches, then the bit mask. */
    switch ((s->gr[VGA_GFX_DATA_ROTATE] >> 3) & 3) {
    case 1:
        data &= s->latch;
        break;
    case 2:
        data |= s->latch;
        break;
    case 3:
        data ^= s->latch;
        break;
    }
    bit_mask *= 0x01010101u;
    data = (data & bit_mask) | (s->latch & ~bit_mask);

store:
    write_mask = plane_expand(map_mask);
    memcpy(&cur, &s->vram[off * 4], 4);
    cur = (cur & ~write_mask) | (data & write_mask);
    memcpy(&s->vram[off * 4], &cur, 4);
}

static uint64_t vga_mem_mr_read(void *opaque, uint64_t addr, unsigned size)
{
    return vga_mem_readb(opaque, addr);
}

static void vga_mem_mr_write(void *opaque, uint64_t addr, uint64_t val,
                             unsigned size)
{
    vga_mem_writeb(opaque, addr, val);
}

/* Wider accesses are split into bytes, lowest address first. */
const MemoryRegionOps vga_mem_ops = {
    .read = vga_mem_mr_read,
    .write = vga_mem_mr_write,
    .valid_min = 1,
    .valid_max = 8,
    .impl_min = 1,
    .impl_max = 1,
    .unaligned = true,
};

/* ---- Reset and state ----------------------------------------------------- */

void vga_common_init(VGACommonState *s, MemoryRegion *vram)
{
    s->vram_mr = vram;
    s->vram = memory_region_get_ram_ptr(vram);
    s->vram_size = vram->size;
    memory_region_init_alias(&s->chain4_alias, "vga.chain4", vram, 0, 0x10000);
    memory_region_set_enabled(&s->chain4_alias, false);
    vga_common_reset(s);
}

void vga_common_reset(VGACommonState *s)
{
    s->misc_output = 0;
    s->feature_control = 0;
    s->st01 = 0;
    s->sr_index = 0;
    memset(s->sr, 0, sizeof(s->sr));
    s->gr_index = 0;
    memset(s->gr, 0, sizeof(s->gr));
    s->cr_index = 0;
    memset(s->cr, 0, sizeof(s->cr));
    s->ar_index = 0;
    memset(s->ar, 0, sizeof(s->ar));
    s->ar_flip_flop = false;
    s->dac_state = 0;
    s->dac_read_index = 0;
    s->dac_write_index = 0;
    s->dac_sub_index = 0;
    memset(s->dac_cache, 0, sizeof(s->dac_cache));
    memset(s->palette, 0, sizeof(s->palette));
    s->latch = 0;
    s->vbe_index = 0;
    memset(s->vbe_regs, 0, sizeof(s->vbe_regs));
    s->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    s->vbe_regs[VBE_DISPI_INDEX_BPP] = 8;
    s->vbe_start_addr = 0;
    s->vbe_line_offset = 0;
    s->bank_offset = 0;
    vga_update_memory_access(s);
}

bool vga_common_post_load(VGACommonState *s, GError **errp)
{
    uint16_t bpp = s->vbe_regs[VBE_DISPI_INDEX_BPP];

    if (bpp != 4 && bpp != 8 && bpp != 15 && bpp != 16 && bpp != 24 &&
        bpp != 32) {
        return error_setg(errp, "VBE bpp %u out of range", bpp);
    }
    if (s->vbe_regs[VBE_DISPI_INDEX_XRES] > VBE_DISPI_MAX_XRES ||
        s->vbe_regs[VBE_DISPI_INDEX_YRES] > VBE_DISPI_MAX_YRES) {
        return error_setg(errp, "VBE resolution out of range");
    }
    if (s->dac_sub_index > 2) {
        return error_setg(errp, "DAC colour index %u out of range",
                          s->dac_sub_index);
    }
    s->sr_index &= 7;
    s->gr_index &= 0x0f;
    s->vbe_regs[VBE_DISPI_INDEX_BANK] &= (s->vram_size >> 16) - 1;
    s->bank_offset = s->vbe_regs[VBE_DISPI_INDEX_BANK] << 16;
    vbe_update_geometry(s);
    vga_update_memory_access(s);
    return true;
}

const VMStateDescription vmstate_vga_common = {
    .name = "vga-common",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(misc_output, VGACommonState),
            VMSTATE_UINT8(feature_control, VGACommonState),
            VMSTATE_UINT8(st01, VGACommonState),
            VMSTATE_UINT8(sr_index, VGACommonState),
            VMSTATE_BUFFER(sr, VGACommonState),
            VMSTATE_UINT8(gr_index, VGACommonState),
            VMSTATE_BUFFER(gr, VGACommonState),
            VMSTATE_UINT8(cr_index, VGACommonState),
            VMSTATE_BUFFER(cr, VGACommonState),
            VMSTATE_UINT8(ar_index, VGACommonState),
            VMSTATE_BUFFER(ar, VGACommonState),
            VMSTATE_BOOL(ar_flip_flop, VGACommonState),
            VMSTATE_UINT8(dac_state, VGACommonState),
            VMSTATE_UINT8(dac_read_index, VGACommonState),
            VMSTATE_UINT8(dac_write_index, VGACommonState),
            VMSTATE_UINT8(dac_sub_index, VGACommonState),
            VMSTATE_BUFFER(dac_cache, VGACommonState),
            VMSTATE_BUFFER(palette, VGACommonState),
            VMSTATE_UINT32(latch, VGACommonState),
            VMSTATE_UINT16(vbe_index, VGACommonState),
            VMSTATE_UINT16_ARRAY(vbe_regs, VGACommonState, VBE_DISPI_INDEX_NB),
            VMSTATE_UINT8_VARRAY_POINTER(vram, VGACommonState, vram_size),
            VMSTATE_END_OF_LIST(),
        },
};
