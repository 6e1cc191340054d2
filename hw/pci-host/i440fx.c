/*
 * Intel 82441FX PMC (i440FX host bridge), after the 82441FX/82442FX
 * datasheet (order 290549): PCI configuration mechanism #1 (3.1), the
 * Programmable Attribute Map registers PAM0-PAM6 that decide whether
 * 0xC0000-0xFFFFF reads and writes reach DRAM or PCI (3.2.18), and the
 * SMRAM control register's open/closed state for 0xA0000-0xBFFFF (3.2.19).
 * DRAM sizing (DRB), timing and error registers are plain storage; SMM
 * itself (the CPU's view of SMRAM when D_OPEN is clear) is not modelled.
 */
#include <string.h>

#include "hw/core/machine.h"
#include "hw/core/vmstate.h"
#include "hw/pci-host/i440fx.h"
#include "qom/object.h"
#include "util/log.h"

#define CONFIG_ADDRESS_ENABLE 0x80000000u

/* 0xF0000 (PAM0 high nibble) then twelve 16 KiB pieces from 0xC0000. */
#define PAM_SEGMENTS 13

typedef enum {
    PAM_PCI,        /* 00: DRAM disabled, accesses go to PCI */
    PAM_READ_ONLY,  /* 01: reads DRAM, writes go to PCI (dropped here) */
    PAM_WRITE_ONLY, /* 10: writes DRAM, reads go to PCI */
    PAM_READ_WRITE, /* 11 */
    PAM_MODES
} PAMMode;

typedef struct I440FXState I440FXState;

typedef struct PAMSegment {
    I440FXState *owner;
    uint64_t base, size;
    MemoryRegion views[PAM_MODES];
    PAMMode mode;
} PAMSegment;

struct I440FXState {
    PCIDevice parent_obj;
    MemoryRegion *system_memory, *pci_memory, *ram;
    AddressSpace pci_as; /* reads of write-only PAM segments */
    PAMSegment pam[PAM_SEGMENTS];
    MemoryRegion smram_window;      /* 0xA0000: PCI unless SMRAM is open */
    MemoryRegion legacy_unassigned; /* PCI space 0xA0000-0xFFFFF below all */
};

#define I440FX(obj) DEVICE_CAST(I440FXState, obj, TYPE_I440FX_PCI_DEVICE)

typedef struct I440FXHostState {
    DeviceState parent_obj;
    PCIBus *bus;
    uint32_t config_address;
    MemoryRegion address_io, data_io;
} I440FXHostState;

#define I440FX_HOST(obj) DEVICE_CAST(I440FXHostState, obj, TYPE_I440FX_PCI_HOST)

/* ---- configuration mechanism #1 ------------------------------------------ */

static uint64_t host_address_read(void *opaque, uint64_t addr, unsigned size)
{
    return ((I440FXHostState *)opaque)->config_address;
}

static void host_address_write(void *opaque, uint64_t addr, uint64_t value,
                               unsigned size)
{
    /*
     * Kept as written, bits 1:0 too, as QEMU keeps them (its test library
     * reads a word at offset 2 by writing 2 into CONFADD): they are ORed
     * into the register offset of the data access.
     */
    ((I440FXHostState *)opaque)->config_address = value;
}

/* Only dword accesses reach CONFADD; bytes at 0xCF9 belong to the RCR. */
static const MemoryRegionOps host_address_ops = {
    .read = host_address_read,
    .write = host_address_write,
    .valid_min = 4,
    .valid_max = 4,
    .impl_min = 4,
    .impl_max = 4,
};

/* The function and register CONFADD selects, or -1 when none answers. */
static int host_config_target(I440FXHostState *s, uint64_t offset,
                              uint32_t *reg)
{
    uint32_t a = s->config_address;

    if (!(a & CONFIG_ADDRESS_ENABLE) || ((a >> 16) & 0xff) != 0) {
        return -1; /* disabled, or a bus behind a bridge pcvm lacks */
    }
    *reg = (a | offset) & 0xff;
    return (a >> 8) & 0xff;
}

static uint64_t host_data_read(void *opaque, uint64_t addr, unsigned size)
{
    I440FXHostState *s = opaque;
    uint32_t reg;
    int devfn = host_config_target(s, addr, &reg);

    if (devfn < 0) {
        return size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
    }
    return pci_bus_config_read(s->bus, devfn, reg, size);
}

static void host_data_write(void *opaque, uint64_t addr, uint64_t value,
                            unsigned size)
{
    I440FXHostState *s = opaque;
    uint32_t reg;
    int devfn = host_config_target(s, addr, &reg);

    if (devfn >= 0) {
        pci_bus_config_write(s->bus, devfn, reg, value, size);
    }
}

static const MemoryRegionOps host_data_ops = {
    .read = host_data_read,
    .write = host_data_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

static void host_reset(DeviceState *dev)
{
    (I440FX_HOST(dev))->config_address = 0;
}

static bool host_realize(DeviceState *dev, GError **errp)
{
    I440FXHostState *s = I440FX_HOST(dev);
    MachineState *ms = current_machine_get();

    memory_region_init_io(&s->address_io, "pci-conf-idx", &host_address_ops, s,
                          4);
    memory_region_add_subregion(ms->system_io, 0xcf8, &s->address_io);
    memory_region_init_io(&s->data_io, "pci-conf-data", &host_data_ops, s, 4);
    memory_region_add_subregion(ms->system_io, 0xcfc, &s->data_io);
    return true;
}

/* ---- PAM and SMRAM ------------------------------------------------------- */

/*
 * Where PAM or SMRAM send an access to PCI and no device claims it, the
 * bus master-aborts: reads are all ones and writes vanish. Without this
 * the RAM underneath would show through.
 */
static uint64_t unassigned_read(void *opaque, uint64_t addr, unsigned size)
{
    return UINT64_MAX;
}

static void unassigned_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
}

static const MemoryRegionOps unassigned_ops = {
    .read = unassigned_read,
    .write = unassigned_write,
    .valid_min = 1,
    .valid_max = 8,
    .impl_min = 1,
    .impl_max = 8,
    .unaligned = true,
};

static uint64_t pam_write_only_read(void *opaque, uint64_t addr, unsigned size)
{
    PAMSegment *seg = opaque;
    uint64_t value = 0;

    address_space_ld(&seg->owner->pci_as, seg->base + addr, size, &value);
    return value;
}

static void pam_write_only_write(void *opaque, uint64_t addr, uint64_t value,
                                 unsigned size)
{
    PAMSegment *seg = opaque;
    uint8_t *ram = (uint8_t *)memory_region_get_ram_ptr(seg->owner->ram) +
                   seg->base + addr;

    for (unsigned i = 0; i < size; i++) {
        ram[i] = value >> (8 * i);
    }
}

static const MemoryRegionOps pam_write_only_ops = {
    .read = pam_write_only_read,
    .write = pam_write_only_write,
    .valid_min = 1,
    .valid_max = 8,
    .impl_min = 1,
    .impl_max = 8,
    .unaligned = true,
};

static void pam_segment_init(I440FXState *s, PAMSegment *seg, uint64_t base,
                             uint64_t size)
{
    static const char *const names[PAM_MODES] = {"pam-pci", "pam-rom", "pam-wo",
                                                 "pam-ram"};
    void *ram = (uint8_t *)memory_region_get_ram_ptr(s->ram) + base;

    seg->owner = s;
    seg->base = base;
    seg->size = size;
    memory_region_init_alias(&seg->views[PAM_PCI], names[PAM_PCI],
                             s->pci_memory, base, size);
    memory_region_init_rom_ptr(&seg->views[PAM_READ_ONLY], names[PAM_READ_ONLY],
                               size, ram);
    memory_region_init_io(&seg->views[PAM_WRITE_ONLY], names[PAM_WRITE_ONLY],
                          &pam_write_only_ops, seg, size);
    memory_region_init_alias(&seg->views[PAM_READ_WRITE], names[PAM_READ_WRITE],
                             s->ram, base, size);
    for (int m = 0; m < PAM_MODES; m++) {
        memory_region_set_enabled(&seg->views[m], m == PAM_PCI);
        memory_region_add_subregion_overlap(s->system_memory, base,
                                            &seg->views[m], 1);
    }
    seg->mode = PAM_PCI;
}

/* The 2-bit attribute of segment i in the PAM registers. */
static PAMMode pam_segment_mode(I440FXState *s, int i)
{
    const uint8_t *config = s->parent_obj.config;

    if (i == 0) {
        return (config[I440FX_PAM0] >> 4) & 3;
    }
    return (config[I440FX_PAM0 + (i + 1) / 2] >> (i % 2 ? 0 : 4)) & 3;
}

static void i440fx_update_memory(I440FXState *s)
{
    uint8_t smram = s->parent_obj.config[I440FX_SMRAM];

    memory_region_transaction_begin();
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        PAMSegment *seg = &s->pam[i];
        PAMMode mode = pam_segment_mode(s, i);

        if (mode != seg->mode) {
            memory_region_set_enabled(&seg->views[seg->mode], false);
            memory_region_set_enabled(&seg->views[mode], true);
            seg->mode = mode;
        }
    }
    memory_region_set_enabled(&s->smram_window, !(smram & I440FX_SMRAM_D_OPEN));
    memory_region_transaction_commit();
}

void i440fx_pam_set_ram(PCIDevice *dev)
{
    dev->config[I440FX_PAM0] = 0x30;
    memset(dev->config + I440FX_PAM0 + 1, 0x33, I440FX_PAM_COUNT - 1);
    i440fx_update_memory(I440FX(dev));
}

static void i440fx_config_write(PCIDevice *dev, uint32_t addr, uint32_t value,
                                unsigned len)
{
    I440FXState *s = I440FX(dev);
    uint8_t old_smram = dev->config[I440FX_SMRAM];

    pci_default_config_write(dev, addr, value, len);
    if (addr <= I440FX_SMRAM && addr + len > I440FX_SMRAM) {
        uint8_t smram = dev->config[I440FX_SMRAM];

        /* C_BASE_SEG is fixed; once D_LCK is set, D_OPEN stays clear and
         * G_SMRAME and D_LCK stay as they are until reset. */
        smram = (smram & ~0x07) | I440FX_SMRAM_C_BASE_SEG;
        if (old_smram & I440FX_SMRAM_D_LCK) {
            smram = (smram & ~(I440FX_SMRAM_D_OPEN | I440FX_SMRAM_G_SMRAME |
                               I440FX_SMRAM_D_LCK)) |
                    (old_smram & (I440FX_SMRAM_G_SMRAME | I440FX_SMRAM_D_LCK));
        } else if (smram & I440FX_SMRAM_D_LCK) {
            smram &= ~I440FX_SMRAM_D_OPEN;
        }
        dev->config[I440FX_SMRAM] = smram;
    }
    if ((addr < I440FX_PAM0 + I440FX_PAM_COUNT && addr + len > I440FX_PAM0) ||
        (addr <= I440FX_SMRAM && addr + len > I440FX_SMRAM)) {
        i440fx_update_memory(s);
    }
}

/* Power-on defaults (datasheet 3.2). */
static void i440fx_reset(PCIDevice *dev)
{
    pci_set_word(dev->config + PCI_COMMAND, PCI_COMMAND_MEMORY);
    pci_set_word(dev->config + PCI_STATUS,
                 PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
    dev->config[I440FX_SMRAM] = I440FX_SMRAM_C_BASE_SEG;
    memset(dev->config + I440FX_PAM0, 0, I440FX_PAM_COUNT);
    i440fx_update_memory(I440FX(dev));
}

static bool i440fx_realize(PCIDevice *dev, GError **errp)
{
    I440FXState *s = I440FX(dev);
    MachineState *ms = current_machine_get();

    /* The host bridge does not decode BARs; it never masters or stops. */
    pci_set_word(dev->wmask + PCI_COMMAND, 0);
    s->system_memory = ms->system_memory;
    memory_region_init_io(&s->legacy_unassigned, "pci-legacy-unassigned",
                          &unassigned_ops, s, 0x60000);
    memory_region_add_subregion_overlap(s->pci_memory, 0xa0000,
                                        &s->legacy_unassigned, -1);
    address_space_init(&s->pci_as, s->pci_memory, "i440fx-pci-memory");
    memory_region_init_alias(&s->smram_window, "smram-region", s->pci_memory,
                             0xa0000, 0x20000);
    memory_region_add_subregion_overlap(s->system_memory, 0xa0000,
                                        &s->smram_window, 1);
    pam_segment_init(s, &s->pam[0], 0xf0000, 0x10000);
    for (int i = 1; i < PAM_SEGMENTS; i++) {
        pam_segment_init(s, &s->pam[i], 0xc0000 + (i - 1) * 0x4000, 0x4000);
    }
    return true;
}

static const VMStateDescription vmstate_i440fx_host = {
    .name = "i440FX-pcihost",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT32(config_address, I440FXHostState),
            VMSTATE_END_OF_LIST(),
        },
};

static bool i440fx_post_load(void *opaque, int version_id, GError **errp)
{
    I440FXState *s = opaque;
    uint8_t *smram = &s->parent_obj.config[I440FX_SMRAM];

    /* What i440fx_config_write lets the guest reach, and no more. */
    *smram = (*smram & ~0x07) | I440FX_SMRAM_C_BASE_SEG;
    if (*smram & I440FX_SMRAM_D_LCK) {
        *smram &= ~I440FX_SMRAM_D_OPEN;
    }
    i440fx_update_memory(s);
    return true;
}

/* PAM and SMRAM are config registers: the PCI state holds them. */
static const VMStateDescription vmstate_i440fx = {
    .name = "I440FX",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = i440fx_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, I440FXState),
            VMSTATE_END_OF_LIST(),
        },
};

static DeviceClass i440fx_host_class = {
    .name = TYPE_I440FX_PCI_HOST,
    .description = "i440FX PCI host bridge (configuration mechanism #1)",
    .category = DEVICE_CATEGORY_BRIDGE,
    .instance_size = sizeof(I440FXHostState),
    .realize = host_realize,
    .reset = host_reset,
    .vmsd = &vmstate_i440fx_host,
};

static PCIDeviceClass i440fx_class = {
    .parent_class =
        {
            .name = TYPE_I440FX_PCI_DEVICE,
            .description = "Host bridge",
            .category = DEVICE_CATEGORY_BRIDGE,
            .instance_size = sizeof(I440FXState),
            .vmsd = &vmstate_i440fx,
        },
    .vendor_id = PCI_VENDOR_ID_INTEL,
    .device_id = 0x1237,
    .revision = 0x02,
    .class_id = PCI_CLASS_BRIDGE_HOST,
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .config_write = i440fx_config_write,
};

PCIBus *i440fx_init(MachineState *ms, MemoryRegion *ram,
                    MemoryRegion *pci_memory, PCIDevice **i440fx, GError **errp)
{
    DeviceState *host = device_new(TYPE_I440FX_PCI_HOST);
    I440FXHostState *h = I440FX_HOST(host);
    I440FXState *s;

    object_add_child(object_machine_container(), "i440fx", OBJECT(host));
    if (!device_realize(host, ms->main_bus, errp)) {
        return NULL;
    }
    h->bus = pci_bus_new(host, "pci.0", pci_memory, ms->system_io,
                         &address_space_memory);
    s = I440FX(pci_new(PCI_DEVFN(0, 0), TYPE_I440FX_PCI_DEVICE));
    s->ram = ram;
    s->pci_memory = pci_memory;
    if (!pci_realize(&s->parent_obj, h->bus, errp)) {
        return NULL;
    }
    *i440fx = &s->parent_obj;
    return h->bus;
}

static void i440fx_register(void)
{
    device_class_register(&i440fx_host_class);
    pci_device_class_register(&i440fx_class);
}
type_init(i440fx_register)
