/*
 * pci-testdev: a PCI function for testing the PCI core and the platform's
 * interrupt paths, with QEMU's IDs for its test device (1b36:0005). Its
 * registers are pcvm's own:
 *
 *   BAR0 (memory, 4 KiB) and BAR1 (I/O, 256 bytes) both decode the block
 *   0x00-0x3f  scratch dwords, read back what was written
 *   0x40       INTx: bit 0 is the level of INTA
 *   0x44       write N: send MSI vector N
 *   0x48       write N: send MSI-X vector N
 *   0x50/0x54  DMA address (low/high), 0x58 DMA length (at most 64)
 *   0x5c       write 1: copy the scratch dwords to guest memory;
 *              write 2: copy guest memory into them; reads back the
 *              result of the last transfer (0 ok, 1 refused)
 *   BAR0 also holds the MSI-X table (0x800) and pending bits (0xc00);
 *   BAR2+3 is an optional 64-bit prefetchable BAR of membar= bytes.
 */
#include <string.h>

#include "hw/core/vmstate.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "util/error.h"

#define TESTDEV_SCRATCH_SIZE 0x40
#define TESTDEV_INTX 0x40
#define TESTDEV_MSI 0x44
#define TESTDEV_MSIX 0x48
#define TESTDEV_DMA_ADDR_LO 0x50
#define TESTDEV_DMA_ADDR_HI 0x54
#define TESTDEV_DMA_LEN 0x58
#define TESTDEV_DMA_CMD 0x5c
#define TESTDEV_MSIX_VECTORS 8

typedef struct PCITestDevState {
    PCIDevice parent_obj;
    uint64_t membar_size;
    MemoryRegion bar0, regs_mem, regs_io, membar;
    uint8_t scratch[TESTDEV_SCRATCH_SIZE];
    uint64_t dma_addr;
    uint32_t dma_len;
    uint32_t dma_result;
} PCITestDevState;

#define PCI_TESTDEV(obj) DEVICE_CAST(PCITestDevState, obj, "pci-testdev")

static void testdev_dma(PCITestDevState *s, uint32_t cmd)
{
    PCIDevice *dev = &s->parent_obj;
    uint32_t len = s->dma_len;
    MemTxResult r;

    if (len > TESTDEV_SCRATCH_SIZE || (cmd != 1 && cmd != 2)) {
        s->dma_result = 1;
        return;
    }
    r = cmd == 1 ? pci_dma_write(dev, s->dma_addr, s->scratch, len)
                 : pci_dma_read(dev, s->dma_addr, s->scratch, len);
    s->dma_result = r != MEMTX_OK;
}

static uint64_t testdev_read(void *opaque, uint64_t addr, unsigned size)
{
    PCITestDevState *s = opaque;

    if (addr < TESTDEV_SCRATCH_SIZE) {
        uint32_t v;

        memcpy(&v, s->scratch + addr, 4);
        return v;
    }
    switch (addr) {
    case TESTDEV_INTX:
        return s->parent_obj.irq_level;
    case TESTDEV_DMA_ADDR_LO:
        return (uint32_t)s->dma_addr;
    case TESTDEV_DMA_ADDR_HI:
        return s->dma_addr >> 32;
    case TESTDEV_DMA_LEN:
        return s->dma_len;
    case TESTDEV_DMA_CMD:
        return s->dma_result;
    default:
        return 0;
    }
}

static void testdev_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    PCITestDevState *s = opaque;
    uint32_t v = value;

    if (addr < TESTDEV_SCRATCH_SIZE) {
        memcpy(s->scratch + addr, &v, 4);
        return;
    }
    switch (addr) {
    case TESTDEV_INTX:
        pci_set_irq(&s->parent_obj, v & 1);
        break;
    case TESTDEV_MSI:
        msi_notify(&s->parent_obj, v);
        break;
    case TESTDEV_MSIX:
        msix_notify(&s->parent_obj, v);
        break;
    case TESTDEV_DMA_ADDR_LO:
        s->dma_addr = (s->dma_addr & ~0xffffffffull) | v;
        break;
    case TESTDEV_DMA_ADDR_HI:
        s->dma_addr = (s->dma_addr & 0xffffffffull) | ((uint64_t)v << 32);
        break;
    case TESTDEV_DMA_LEN:
        s->dma_len = v;
        break;
    case TESTDEV_DMA_CMD:
        testdev_dma(s, v);
        break;
    }
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .valid_min = 4,
    .valid_max = 4,
    .impl_min = 4,
    .impl_max = 4,
};

static void testdev_reset(PCIDevice *dev)
{
    PCITestDevState *s = PCI_TESTDEV(dev);

    memset(s->scratch, 0, sizeof(s->scratch));
    s->dma_addr = 0;
    s->dma_len = 0;
    s->dma_result = 0;
}

static bool testdev_realize(PCIDevice *dev, GError **errp)
{
    PCITestDevState *s = PCI_TESTDEV(dev);

    dev->config[PCI_INTERRUPT_PIN] = 1;
    memory_region_init_container(&s->bar0, "pci-testdev-mmio", 0x1000);
    memory_region_init_io(&s->regs_mem, "pci-testdev-regs", &testdev_ops, s,
                          0x100);
    memory_region_add_subregion(&s->bar0, 0, &s->regs_mem);
    memory_region_init_io(&s->regs_io, "pci-testdev-portio", &testdev_ops, s,
                          0x100);
    pci_register_bar(dev, 0, 0, &s->bar0);
    pci_register_bar(dev, 1, PCI_BASE_ADDRESS_SPACE_IO, &s->regs_io);
    if (s->membar_size) {
        if (s->membar_size < 16 || (s->membar_size & (s->membar_size - 1))) {
            return error_setg(errp, "pci-testdev: membar must be a power of "
                                    "two of at least 16 bytes");
        }
        memory_region_init_ram(&s->membar, "pci-testdev-membar",
                               s->membar_size);
        pci_register_bar(dev, 2,
                         PCI_BASE_ADDRESS_MEM_TYPE_64 |
                             PCI_BASE_ADDRESS_MEM_PREFETCH,
                         &s->membar);
    }
    return msi_init(dev, 0, 4, true, true, errp) >= 0 &&
           msix_init(dev, TESTDEV_MSIX_VECTORS, &s->bar0, 0, 0x800, &s->bar0, 0,
                     0xc00, 0, errp) >= 0;
}

static const VMStateDescription vmstate_testdev = {
    .name = "pci-testdev",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, PCITestDevState),
            VMSTATE_BUFFER(scratch, PCITestDevState),
            VMSTATE_UINT64(dma_addr, PCITestDevState),
            VMSTATE_UINT32(dma_len, PCITestDevState),
            VMSTATE_UINT32(dma_result, PCITestDevState),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property testdev_properties[] = {
    DEFINE_PROP_SIZE("membar", PCITestDevState, membar_size, 0),
    DEFINE_PROP_END,
};

static PCIDeviceClass testdev_class = {
    .parent_class =
        {
            .name = "pci-testdev",
            .description = "PCI test device",
            .category = DEVICE_CATEGORY_MISC,
            .instance_size = sizeof(PCITestDevState),
            .props = testdev_properties,
            .user_creatable = true,
            .vmsd = &vmstate_testdev,
        },
    .vendor_id = PCI_VENDOR_ID_REDHAT,
    .device_id = 0x0005,
    .class_id = PCI_CLASS_OTHERS,
    .realize = testdev_realize,
    .reset = testdev_reset,
};

static void testdev_register(void)
{
    pci_device_class_register(&testdev_class);
}
type_init(testdev_register)
