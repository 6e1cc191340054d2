/*
 * "VGA": the VGA core as QEMU's standard PCI VGA (1234:1111, class 0300),
 * laid out as QEMU's docs/specs/standard-vga.rst describes it:
 *
 *   BAR0  video memory (vgamem_mb MiB, prefetchable): the linear
 *         framebuffer of VBE modes
 *   BAR2  4 KiB MMIO: 0x000-0x3ff an EDID 1.4 block (edid=on; zeroes
 *         after its 128 bytes), 0x400-0x41f the ports 0x3C0-0x3DF (a word write
 * is index then data), 0x500-0x515 the DISPI registers at index * 2,
 *         0x600-0x607 QEMU's extended registers (region size, framebuffer
 *         endianness; PCI revision 2 says they exist)
 *   ROM   the VGA BIOS, vgabios-stdvga.bin from the firmware path
 *
 * plus the legacy decode every VGA has: ports 0x3B0-0x3DF and 0x1CE-0x1CF
 * in the bus's I/O space, and 0xA0000-0xBFFFF in its memory space. Left
 * out: QEMU's xres/yres/xmax/ymax (the EDID always prefers 1280x800).
 */
#include <string.h>

#include "hw/display/edid.h"
#include "hw/display/vga.h"
#include "hw/pci/pci.h"
#include "util/error.h"
#include "util/log.h"

#define PCI_VENDOR_ID_QEMU 0x1234
#define PCI_DEVICE_ID_QEMU_VGA 0x1111

#define PCI_VGA_MMIO_SIZE 0x1000
#define PCI_VGA_EDID_OFFSET 0x000
#define PCI_VGA_EDID_SIZE 0x400
#define PCI_VGA_IOPORT_OFFSET 0x400
#define PCI_VGA_IOPORT_SIZE 0x20
#define PCI_VGA_BOCHS_OFFSET 0x500
#define PCI_VGA_BOCHS_SIZE (VBE_DISPI_INDEX_NB * 2)
#define PCI_VGA_QEXT_OFFSET 0x600
#define PCI_VGA_QEXT_SIZE 8
#define PCI_VGA_QEXT_REG_SIZE 0x0
#define PCI_VGA_QEXT_REG_BYTEORDER 0x4
#define PCI_VGA_QEXT_LITTLE_ENDIAN 0x1e1e1e1e

typedef struct PCIVGAState {
    PCIDevice parent_obj;
    VGACommonState vga;
    /* Properties. */
    uint32_t vgamem_mb;
    bool mmio_enabled;
    bool qext_enabled;
    bool edid_enabled;
    uint8_t edid[EDID_BLOCK_SIZE];
    MemoryRegion vram;
    MemoryRegion mmio, mmio_edid, mmio_ioport, mmio_bochs, mmio_qext;
    MemoryRegion ioport, vbe_ioport, legacy_window;
} PCIVGAState;

#define PCI_VGA(obj) DEVICE_CAST(PCIVGAState, obj, "VGA")

/* ---- BAR2 -------------------------------------------------------------------
 */

/* The EDID blob: read-only bytes, zeroes after the block. */
static uint64_t pci_vga_edid_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIVGAState *s = opaque;

    return addr < EDID_BLOCK_SIZE ? s->edid[addr] : 0;
}

static void pci_vga_edid_write(void *opaque, uint64_t addr, uint64_t val,
                               unsigned size)
{
}

static const MemoryRegionOps pci_vga_edid_ops = {
    .read = pci_vga_edid_read,
    .write = pci_vga_edid_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 1,
};

static uint64_t pci_vga_ioport_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIVGAState *s = opaque;

    return vga_ioport_read(&s->vga, 0x3c0 + addr);
}

static void pci_vga_ioport_write(void *opaque, uint64_t addr, uint64_t val,
                                 unsigned size)
{
    PCIVGAState *s = opaque;

    vga_ioport_write(&s->vga, 0x3c0 + addr, val);
}

static const MemoryRegionOps pci_vga_ioport_ops = {
    .read = pci_vga_ioport_read,
    .write = pci_vga_ioport_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 1,
};

static uint64_t pci_vga_bochs_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIVGAState *s = opaque;

    vbe_ioport_write_index(&s->vga, addr >> 1);
    return vbe_ioport_read_data(&s->vga);
}

static void pci_vga_bochs_write(void *opaque, uint64_t addr, uint64_t val,
                                unsigned size)
{
    PCIVGAState *s = opaque;

    vbe_ioport_write_index(&s->vga, addr >> 1);
    vbe_ioport_write_data(&s->vga, val);
}

static const MemoryRegionOps pci_vga_bochs_ops = {
    .read = pci_vga_bochs_read,
    .write = pci_vga_bochs_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 2,
    .impl_max = 2,
};

static uint64_t pci_vga_qext_read(void *opaque, uint64_t addr, unsigned size)
{
    switch (addr) {
    case PCI_VGA_QEXT_REG_SIZE:
        return PCI_VGA_QEXT_SIZE;
    case PCI_VGA_QEXT_REG_BYTEORDER:
        return PCI_VGA_QEXT_LITTLE_ENDIAN;
    }
    return 0;
}

static void pci_vga_qext_write(void *opaque, uint64_t addr, uint64_t val,
                               unsigned size)
{
    /* Only little-endian framebuffers: the byte-order register is fixed. */
    if (addr == PCI_VGA_QEXT_REG_BYTEORDER &&
        val != PCI_VGA_QEXT_LITTLE_ENDIAN) {
        log_unimp_once("VGA: big-endian framebuffer requested\n");
    }
}

static const MemoryRegionOps pci_vga_qext_ops = {
    .read = pci_vga_qext_read,
    .write = pci_vga_qext_write,
    .valid_min = 4,
    .valid_max = 4,
    .impl_min = 4,
    .impl_max = 4,
};

/* ---- Realize and reset --------------------------------------------------- */

static bool pci_vga_realize(PCIDevice *dev, GError **errp)
{
    PCIVGAState *s = PCI_VGA(dev);
    PCIBus *bus = dev->bus;
    uint32_t mb = s->vgamem_mb;
    uint32_t size = 1;

    /* QEMU's range: 1-512 MiB, rounded up to a power of two. */
    mb = MAX(1u, MIN(mb, 512u));
    while (size < mb) {
        size <<= 1;
    }
    memory_region_init_ram(&s->vram, "vga.vram", (uint64_t)size << 20);
    vga_common_init(&s->vga, &s->vram);
    pci_register_bar(dev, 0, PCI_BASE_ADDRESS_MEM_PREFETCH, &s->vram);

    if (s->mmio_enabled) {
        memory_region_init_container(&s->mmio, "vga.mmio", PCI_VGA_MMIO_SIZE);
        if (s->edid_enabled) {
            edid_generate(s->edid);
            memory_region_init_io(&s->mmio_edid, "edid", &pci_vga_edid_ops, s,
                                  PCI_VGA_EDID_SIZE);
            memory_region_add_subregion(&s->mmio, PCI_VGA_EDID_OFFSET,
                                        &s->mmio_edid);
        }
        memory_region_init_io(&s->mmio_ioport, "vga ioports remapped",
                              &pci_vga_ioport_ops, s, PCI_VGA_IOPORT_SIZE);
        memory_region_add_subregion(&s->mmio, PCI_VGA_IOPORT_OFFSET,
                                    &s->mmio_ioport);
        memory_region_init_io(&s->mmio_bochs, "bochs dispi interface",
                              &pci_vga_bochs_ops, s, PCI_VGA_BOCHS_SIZE);
        memory_region_add_subregion(&s->mmio, PCI_VGA_BOCHS_OFFSET,
                                    &s->mmio_bochs);
        if (s->qext_enabled) {
            memory_region_init_io(&s->mmio_qext, "qemu extended regs",
                                  &pci_vga_qext_ops, s, PCI_VGA_QEXT_SIZE);
            memory_region_add_subregion(&s->mmio, PCI_VGA_QEXT_OFFSET,
                                        &s->mmio_qext);
            dev->config[PCI_REVISION_ID] = 2;
        }
        pci_register_bar(dev, 2, 0, &s->mmio);
    }

    /* The legacy decode, above the host bridge's unassigned window. */
    memory_region_init_io(&s->ioport, "vga", &vga_ioport_ops, &s->vga,
                          VGA_PORT_SIZE);
    memory_region_add_subregion(bus->io, VGA_PORT_BASE, &s->ioport);
    memory_region_init_io(&s->vbe_ioport, "vbe", &vbe_ioport_ops, &s->vga,
                          VBE_DISPI_IOPORT_SIZE);
    memory_region_add_subregion(bus->io, VBE_DISPI_IOPORT_INDEX,
                                &s->vbe_ioport);
    memory_region_init_io(&s->legacy_window, "vga-lowmem", &vga_mem_ops,
                          &s->vga, 0x20000);
    memory_region_add_subregion_overlap(bus->memory, 0xa0000, &s->legacy_window,
                                        1);
    memory_region_add_subregion_overlap(bus->memory, 0xa0000,
                                        &s->vga.chain4_alias, 2);

    s->vga.con =
        graphic_console_init(DEVICE(dev)->id, 0, &vga_console_ops, &s->vga);
    return true;
}

static void pci_vga_reset(PCIDevice *dev)
{
    vga_common_reset(&PCI_VGA(dev)->vga);
}

static bool pci_vga_post_load(void *opaque, int version_id, GError **errp)
{
    PCIVGAState *s = opaque;

    return vga_common_post_load(&s->vga, errp);
}

static const VMStateDescription vmstate_pci_vga = {
    .name = "vga",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pci_vga_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, PCIVGAState),
            VMSTATE_STRUCT(vga, PCIVGAState, vmstate_vga_common,
                           VGACommonState),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property pci_vga_properties[] = {
    DEFINE_PROP_UINT32("vgamem_mb", PCIVGAState, vgamem_mb, 16),
    DEFINE_PROP_BOOL("mmio", PCIVGAState, mmio_enabled, true),
    DEFINE_PROP_BOOL("qemu-extended-regs", PCIVGAState, qext_enabled, true),
    DEFINE_PROP_BOOL("edid", PCIVGAState, edid_enabled, true),
    DEFINE_PROP_END,
};

static PCIDeviceClass pci_vga_class = {
    .parent_class =
        {
            .name = "VGA",
            .description = "",
            .category = DEVICE_CATEGORY_DISPLAY,
            .instance_size = sizeof(PCIVGAState),
            .props = pci_vga_properties,
            .user_creatable = true,
            .vmsd = &vmstate_pci_vga,
        },
    .vendor_id = PCI_VENDOR_ID_QEMU,
    .device_id = PCI_DEVICE_ID_QEMU_VGA,
    .class_id = PCI_CLASS_DISPLAY_VGA,
    .romfile = "vgabios-stdvga.bin",
    .realize = pci_vga_realize,
    .reset = pci_vga_reset,
};

static void pci_vga_register(void)
{
    pci_device_class_register(&pci_vga_class);
}
type_init(pci_vga_register)
