/*
 * pc-testdev: QEMU's ISA test device, which kvm-unit-tests and other test
 * guests use to check instruction emulation, interrupt routing and
 * paging from inside the guest:
 *
 *   0xe0-0xe3    a 32-bit data register, read and written in any of its
 *                byte lanes (1, 2 or 4 bytes, aligned)
 *   0xe4         a 4-byte write of a guest physical address makes the
 *                accelerator forget its mapping of that RAM page
 *   0xe8-0xeb    the same data register, taken a byte at a time
 *   0x2000-0x2017  a byte write to 0x2000 + n sets ISA IRQ n to the
 *                value's truth (n 16-23: no ISA line, ignored)
 *   0xff000000   64 KiB of memory-mapped storage, any size up to 4 bytes
 */
#include <inttypes.h>
#include <string.h>

#include "hw/core/machine.h"
#include "hw/core/vmstate.h"
#include "hw/isa/isa.h"
#include "system/dma.h"
#include "util/log.h"

#define PC_TESTDEV_IOMEM_BASE 0xff000000u
#define PC_TESTDEV_IOMEM_LEN 0x10000u
#define PC_TESTDEV_IRQ_LINES 24

typedef struct PCTestdevState {
    DeviceState parent_obj;
    MemoryRegion data_io, data_byte_io, flush_io, irq_io, iomem;
    uint32_t data;
    uint8_t iomem_buf[PC_TESTDEV_IOMEM_LEN];
} PCTestdevState;

#define PC_TESTDEV(obj) DEVICE_CAST(PCTestdevState, obj, "pc-testdev")

static uint64_t testdev_data_read(void *opaque, uint64_t addr, unsigned size)
{
    PCTestdevState *s = opaque;
    uint64_t mask = size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1;

    return (s->data >> (8 * (addr & 3))) & mask;
}

static void testdev_data_write(void *opaque, uint64_t addr, uint64_t value,
                               unsigned size)
{
    PCTestdevState *s = opaque;
    unsigned shift = 8 * (addr & 3);
    uint32_t mask = (size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1) << shift;

    s->data = (s->data & ~mask) | (((uint32_t)value << shift) & mask);
}

static const MemoryRegionOps testdev_data_ops = {
    .read = testdev_data_read,
    .write = testdev_data_write,
    .valid_min = 1,
    .valid_max = 4,
};

static const MemoryRegionOps testdev_data_byte_ops = {
    .read = testdev_data_read,
    .write = testdev_data_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 1,
};

static uint64_t testdev_none_read(void *opaque, uint64_t addr, unsigned size)
{
    return UINT64_MAX;
}

static void testdev_flush_write(void *opaque, uint64_t addr, uint64_t value,
                                unsigned size)
{
    if (!dma_memory_flush_page(&address_space_memory, value & ~0xfffull)) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pc-testdev: flush of 0x%" PRIx64 ": not RAM\n", value);
    }
}

static const MemoryRegionOps testdev_flush_ops = {
    .read = testdev_none_read,
    .write = testdev_flush_write,
    .valid_min = 4,
    .valid_max = 4,
};

static void testdev_irq_write(void *opaque, uint64_t addr, uint64_t value,
                              unsigned size)
{
    PCTestdevState *s = opaque;
    IRQLine *line = isa_get_irq(DEVICE(s), addr);

    if (!line) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pc-testdev: IRQ line %" PRIu64 " is not an ISA IRQ\n",
                        addr);
        return;
    }
    irq_set_level(line, value != 0);
}

static const MemoryRegionOps testdev_irq_ops = {
    .read = testdev_none_read,
    .write = testdev_irq_write,
    .valid_min = 1,
    .valid_max = 1,
};

static uint64_t testdev_iomem_read(void *opaque, uint64_t addr, unsigned size)
{
    PCTestdevState *s = opaque;
    uint64_t v = 0;

    memcpy(&v, s->iomem_buf + addr, MIN(size, PC_TESTDEV_IOMEM_LEN - addr));
    return GUINT64_FROM_LE(v);
}

static void testdev_iomem_write(void *opaque, uint64_t addr, uint64_t value,
                                unsigned size)
{
    PCTestdevState *s = opaque;
    uint64_t v = GUINT64_TO_LE(value);

    memcpy(s->iomem_buf + addr, &v, MIN(size, PC_TESTDEV_IOMEM_LEN - addr));
}

static const MemoryRegionOps testdev_iomem_ops = {
    .read = testdev_iomem_read,
    .write = testdev_iomem_write,
    .valid_min = 1,
    .valid_max = 4,
};

static bool testdev_realize(DeviceState *dev, GError **errp)
{
    PCTestdevState *s = PC_TESTDEV(dev);
    ISABus *isa = isa_bus_from_device(dev);

    memory_region_init_io(&s->data_io, "pc-testdev-ioport", &testdev_data_ops,
                          s, 4);
    memory_region_init_io(&s->flush_io, "pc-testdev-flush-page",
                          &testdev_flush_ops, s, 4);
    memory_region_init_io(&s->data_byte_io, "pc-testdev-ioport-byte",
                          &testdev_data_byte_ops, s, 4);
    memory_region_init_io(&s->irq_io, "pc-testdev-irq-line", &testdev_irq_ops,
                          s, PC_TESTDEV_IRQ_LINES);
    memory_region_init_io(&s->iomem, "pc-testdev-iomem", &testdev_iomem_ops, s,
                          PC_TESTDEV_IOMEM_LEN);
    isa_register_ioport(dev, &s->data_io, 0xe0);
    isa_register_ioport(dev, &s->flush_io, 0xe4);
    isa_register_ioport(dev, &s->data_byte_io, 0xe8);
    isa_register_ioport(dev, &s->irq_io, 0x2000);
    memory_region_add_subregion(isa->memory, PC_TESTDEV_IOMEM_BASE, &s->iomem);
    return true;
}

static const VMStateDescription vmstate_pc_testdev = {
    .name = "pc-testdev",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT32(data, PCTestdevState),
            VMSTATE_UINT8_ARRAY(iomem_buf, PCTestdevState,
                                PC_TESTDEV_IOMEM_LEN),
            VMSTATE_END_OF_LIST(),
        },
};

static DeviceClass pc_testdev_class = {
    .name = "pc-testdev",
    .parent = TYPE_ISA_DEVICE,
    .bus_type = ISA_BUS_TYPE,
    .description = "QEMU's x86 ISA test device",
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(PCTestdevState),
    .user_creatable = true,
    .realize = testdev_realize,
    .vmsd = &vmstate_pc_testdev,
};

static void pc_testdev_register(void)
{
    device_class_register(&pc_testdev_class);
}
type_init(pc_testdev_register)
