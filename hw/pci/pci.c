/*
 * The PCI core: buses, configuration space semantics, BAR mapping, INTx
 * routing and the expansion ROM, after the PCI Local Bus Specification 3.0
 * (6.1 header, 6.2.5 base addresses, 6.2.5.2 expansion ROM, 6.7
 * capabilities). Function-specific registers belong to the device models;
 * MSI and MSI-X are in msi.c and msix.c. Only bus 0 exists (no bridges).
 */
#include <string.h>

#include "hw/core/loader.h"
#include "hw/core/machine.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "system/dma.h"
#include "util/error.h"
#include "util/log.h"

PCIBus *pci_bus_new(DeviceState *parent, const char *name, MemoryRegion *memory,
                    MemoryRegion *io, AddressSpace *dma_as)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    bus->bus = bus_new(parent, PCI_BUS_TYPE, name);
    bus->bus->opaque = bus;
    bus->memory = memory;
    bus->io = io;
    bus->dma_as = dma_as;
    return bus;
}

void pci_bus_irqs(PCIBus *bus, PCIMapIRQFunc map_irq, IRQLine **irqs, int nirq)
{
    bus->map_irq = map_irq;
    bus->irqs = irqs;
    bus->nirq = nirq;
    bus->irq_count = g_new0(int, nirq);
}

/* ---- configuration space ------------------------------------------------ */

static bool ranges_overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

uint32_t pci_default_config_read(PCIDevice *dev, uint32_t addr, unsigned len)
{
    uint32_t value = 0;

    for (unsigned i = 0; i < len; i++) {
        value |= (uint32_t)dev->config[addr + i] << (8 * i);
    }
    return value;
}

/* Where BAR n's register is in the header. */
static uint32_t pci_bar_offset(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * n;
}

/*
 * Where BAR n decodes now, or PCI_BAR_UNMAPPED: decoding off, address 0,
 * or a range that wraps or leaves its space (as right after sizing, when
 * the BAR reads back as all ones above its size bits).
 */
static uint64_t pci_bar_address(PCIDevice *dev, int n)
{
    PCIIORegion *r = &dev->io_regions[n];
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    uint32_t off = pci_bar_offset(n);
    uint64_t addr, last;

    if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
        if (!(cmd & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(dev->config + off) & ~(r->size - 1) & ~3u;
        last = addr + r->size - 1;
        return addr && last > addr && last < 0xffff ? addr : PCI_BAR_UNMAPPED;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    if (n == PCI_ROM_SLOT &&
        !(dev->config[PCI_ROM_ADDRESS] & PCI_ROM_ADDRESS_ENABLE)) {
        return PCI_BAR_UNMAPPED;
    }
    if (r->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        addr = pci_get_quad(dev->config + off) & ~(r->size - 1) & ~0xfull;
        last = addr + r->size - 1;
        return addr && last > addr && last != UINT64_MAX ? addr
                                                         : PCI_BAR_UNMAPPED;
    }
    addr = pci_get_long(dev->config + off) & ~(r->size - 1) &
           (n == PCI_ROM_SLOT ? ~0x7ffu : ~0xfu);
    last = addr + r->size - 1;
    return addr && last > addr && last < 0xffffffffull ? addr
                                                       : PCI_BAR_UNMAPPED;
}

static void pci_update_mappings(PCIDevice *dev)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];
        MemoryRegion *space = r->type & PCI_BASE_ADDRESS_SPACE_IO
                                  ? dev->bus->io
                                  : dev->bus->memory;
        uint64_t addr;

        if (!r->size) {
            continue;
        }
        addr = pci_bar_address(dev, n);
        if (addr == r->addr) {
            continue;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(space, r->mr);
        }
        r->addr = addr;
        if (addr != PCI_BAR_UNMAPPED) {
            /* Above the bus's background, below RAM (which is elsewhere). */
            memory_region_add_subregion_overlap(space, addr, r->mr, 1);
        }
    }
    memory_region_transaction_commit();
}

/* Puts the device's INTx state on its bus line (INTx-disable applied). */
static void pci_intx_update(PCIDevice *dev)
{
    uint16_t cmd = pci_get_word(dev->config + PCI_COMMAND);
    int pin = dev->config[PCI_INTERRUPT_PIN] - 1;
    bool assert = dev->irq_level && !(cmd & PCI_COMMAND_INTX_DISABLE);
    PCIBus *bus = dev->bus;
    int line;

    if (assert == dev->intx_asserted || pin < 0 || pin >= PCI_NUM_PINS ||
        !bus->map_irq) {
        dev->intx_asserted = assert;
        return;
    }
    dev->intx_asserted = assert;
    line = bus->map_irq(dev, pin);
    g_assert(line >= 0 && line < bus->nirq);
    bus->irq_count[line] += assert ? 1 : -1;
    irq_set_level(bus->irqs[line], bus->irq_count[line] > 0);
}

void pci_set_irq(PCIDevice *dev, int level)
{
    level = !!level;
    if (dev->irq_level == level) {
        return;
    }
    dev->irq_level = level;
    if (level) {
        dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        dev->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    pci_intx_update(dev);
}

void pci_default_config_write(PCIDevice *dev, uint32_t addr, uint32_t value,
                              unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        uint8_t v = value >> (8 * i);
        uint8_t *c = &dev->config[addr + i];

        *c = (*c & ~dev->wmask[addr + i]) | (v & dev->wmask[addr + i]);
        *c &= ~(v & dev->w1cmask[addr + i]);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 24) ||
        ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4)) {
        pci_update_mappings(dev);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND + 1, 1)) {
        pci_intx_update(dev);
    }
    msi_config_write(dev, addr, len);
    msix_config_write(dev, addr, len);
}

/*
 * Any access that stays inside the 256 bytes, aligned or not: QEMU's
 * config space takes an unaligned word too (CONFADD's low bits).
 */
static bool pci_config_access_valid(uint32_t addr, unsigned len)
{
    return (len == 1 || len == 2 || len == 4) && addr + len <= 256;
}

uint32_t pci_bus_config_read(PCIBus *bus, int devfn, uint32_t addr,
                             unsigned len)
{
    PCIDevice *dev = devfn >= 0 && devfn < 256 ? bus->devices[devfn] : NULL;
    PCIDeviceClass *pc;

    if (!dev || !pci_config_access_valid(addr, len)) {
        return len == 4 ? UINT32_MAX : (1u << (8 * len)) - 1;
    }
    pc = PCI_DEVICE_GET_CLASS(dev);
    return pc->config_read ? pc->config_read(dev, addr, len)
                           : pci_default_config_read(dev, addr, len);
}

void pci_bus_config_write(PCIBus *bus, int devfn, uint32_t addr, uint32_t value,
                          unsigned len)
{
    PCIDevice *dev = devfn >= 0 && devfn < 256 ? bus->devices[devfn] : NULL;
    PCIDeviceClass *pc;

    if (!dev || !pci_config_access_valid(addr, len)) {
        return;
    }
    pc = PCI_DEVICE_GET_CLASS(dev);
    if (pc->config_write) {
        pc->config_write(dev, addr, value, len);
    } else {
        pci_default_config_write(dev, addr, value, len);
    }
}

/* ---- BARs and capabilities ---------------------------------------------- */

void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr)
{
    PCIIORegion *r = &dev->io_regions[n];
    uint64_t size = mr->size;
    uint64_t wmask = ~(size - 1);
    uint32_t off = pci_bar_offset(n);
    bool is64 = !(type & PCI_BASE_ADDRESS_SPACE_IO) &&
                (type & PCI_BASE_ADDRESS_MEM_TYPE_64);

    g_assert(n >= 0 && n < PCI_NUM_REGIONS && !r->size);
    g_assert(size && !(size & (size - 1)));
    g_assert(size >= (type & PCI_BASE_ADDRESS_SPACE_IO ? 4 : 16));
    g_assert(!is64 || n + 1 < PCI_NUM_BARS);
    r->size = size;
    r->type = type;
    r->mr = mr;
    r->addr = PCI_BAR_UNMAPPED;
    if (n == PCI_ROM_SLOT) {
        wmask |= PCI_ROM_ADDRESS_ENABLE;
        type = 0;
    } else if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        /*
         * All 32 bits writable, as QEMU has them: SeaBIOS sizes an I/O BAR
         * from the full dword and runs out of I/O space on 0x0000fff1.
         * Addresses past 0xffff simply leave the BAR unmapped.
         */
        wmask &= 0xffffffffu & ~3u;
    }
    pci_set_long(dev->config + off, type);
    pci_set_long(dev->wmask + off, (uint32_t)wmask);
    if (is64) {
        pci_set_long(dev->config + off + 4, 0);
        pci_set_long(dev->wmask + off + 4, wmask >> 32);
    }
}

int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp)
{
    if (!offset) {
        for (unsigned o = PCI_CONFIG_HEADER_SIZE; o + size <= 256; o += 4) {
            bool free = true;

            for (unsigned i = 0; i < size && free; i++) {
                free = !dev->used[o + i];
            }
            if (free) {
                offset = o;
                break;
            }
        }
        if (!offset) {
            error_setg(errp, "no room for PCI capability 0x%x", cap_id);
            return -1;
        }
    }
    if (offset < PCI_CONFIG_HEADER_SIZE || offset + size > 256 || offset % 4) {
        error_setg(errp, "PCI capability 0x%x at 0x%x does not fit", cap_id,
                   offset);
        return -1;
    }
    for (unsigned i = 0; i < size; i++) {
        if (dev->used[offset + i]) {
            error_setg(errp, "PCI capability 0x%x at 0x%x overlaps another",
                       cap_id, offset);
            return -1;
        }
    }
    memset(dev->used + offset, 0xff, size);
    /* A capability's registers are read-only unless its code says so. */
    memset(dev->wmask + offset, 0, size);
    memset(dev->w1cmask + offset, 0, size);
    dev->config[offset] = cap_id;
    dev->config[offset + 1] = dev->config[PCI_CAPABILITY_LIST];
    dev->config[PCI_CAPABILITY_LIST] = offset;
    dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    return offset;
}

/* ---- DMA ----------------------------------------------------------------- */

static bool pci_bus_master(PCIDevice *dev)
{
    return pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

MemTxResult pci_dma_read(PCIDevice *dev, uint64_t addr, void *buf, uint64_t len)
{
    if (!pci_bus_master(dev)) {
        memset(buf, 0xff, len <= DMA_MAX_TRANSFER ? len : 0);
        return MEMTX_DECODE_ERROR;
    }
    return dma_memory_read(dev->bus->dma_as, addr, buf, len);
}

MemTxResult pci_dma_write(PCIDevice *dev, uint64_t addr, const void *buf,
                          uint64_t len)
{
    if (!pci_bus_master(dev)) {
        return MEMTX_DECODE_ERROR;
    }
    return dma_memory_write(dev->bus->dma_as, addr, buf, len);
}

#define MSI_ADDRESS_WINDOW 0xfee00000ull
#define MSI_ADDRESS_MASK 0xfff00000ull

void pci_msi_send(PCIDevice *dev, uint64_t address, uint32_t data)
{
    /* A message is a bus-master write like any other. */
    if (!pci_bus_master(dev)) {
        return;
    }
    if ((address & MSI_ADDRESS_MASK) == MSI_ADDRESS_WINDOW) {
        if (dev->bus->msi_deliver) {
            dev->bus->msi_deliver(address, data);
        }
        return;
    }
    if (dma_store(dev->bus->dma_as, address, 4, data) != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pci %02x.%x: MSI write to 0x%" PRIx64 " failed\n",
                        PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn), address);
    }
}

/* ---- the addr= property kind ------------------------------------------- */

/* addr= is "SLOT[.FUNCTION]" in hex, as QEMU takes it. */
static bool pci_parse_devfn(const char *text, int32_t *devfn)
{
    unsigned long slot, fn = 0;
    char *end;

    slot = strtoul(text, &end, 16);
    if (end == text) {
        return false;
    }
    if (*end == '.') {
        const char *f = end + 1;

        fn = strtoul(f, &end, 16);
        if (end == f) {
            return false;
        }
    }
    if (*end || slot > 31 || fn > 7) {
        return false;
    }
    *devfn = PCI_DEVFN(slot, fn);
    return true;
}

static bool pci_devfn_parse(DeviceState *dev, const Property *p, void *field,
                            const char *text, GError **errp)
{
    if (!pci_parse_devfn(text, field)) {
        return error_setg(errp, "Property '%s.%s' doesn't take value '%s'",
                          dev->klass->name, p->name, text);
    }
    return true;
}

static char *pci_devfn_print(const Property *p, const void *field)
{
    int32_t devfn = *(const int32_t *)field;

    if (devfn < 0) {
        return g_strdup("<unset>");
    }
    return g_strdup_printf("%02x.%x", PCI_SLOT(devfn), PCI_FUNC(devfn));
}

const PropertyInfo prop_info_pci_devfn = {
    .name = "int32",
    .description = "Slot and optional function number, example: 06.0 or 06",
    .set_default = prop_int32_set_default,
    .parse = pci_devfn_parse,
    .print = pci_devfn_print,
    .get = prop_int32_get,
    .default_value = prop_int32_default,
};

/* ---- realize and reset -------------------------------------------------- */

static bool pci_rom_load(PCIDevice *dev, GError **errp)
{
    g_autofree char *path = NULL;
    g_autofree uint8_t *data = NULL;
    g_autofree char *name = NULL;
    size_t size;
    uint64_t rom_size = 2048;

    if (!dev->romfile || !dev->romfile[0]) {
        return true;
    }
    path = machine_find_firmware(current_machine_get(), dev->romfile);
    if (!path) {
        return error_setg(errp, "failed to find romfile \"%s\"", dev->romfile);
    }
    if (!load_file(path, 16u << 20, &data, &size, errp)) {
        return false;
    }
    if (!size || size > (16u << 20)) {
        return error_setg(errp,
                          "romfile \"%s\" is empty or larger than "
                          "16 MiB",
                          dev->romfile);
    }
    while (rom_size < size) {
        rom_size <<= 1;
    }
    name = g_strdup_printf("%s.rom", DEVICE(dev)->klass->name);
    memory_region_init_rom(&dev->rom, name, rom_size);
    memcpy(memory_region_get_ram_ptr(&dev->rom), data, size);
    if (dev->rombar) {
        pci_register_bar(dev, PCI_ROM_SLOT, 0, &dev->rom);
    }
    return true;
}

static bool pci_qdev_realize(DeviceState *qdev, GError **errp)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);
    PCIBus *bus = qdev->parent_bus->opaque;
    int devfn = dev->addr;

    if (devfn < 0) {
        for (int d = 0; d < 256; d += 8) {
            if (!bus->devices[d]) {
                devfn = d;
                break;
            }
        }
        if (devfn < 0) {
            return error_setg(errp,
                              "PCI: no slot/function available for %s, "
                              "all in use or reserved",
                              qdev->klass->name);
        }
    }
    if (bus->devices[devfn]) {
        return error_setg(errp,
                          "PCI: slot %d function %d not available for "
                          "%s, in use by %s",
                          PCI_SLOT(devfn), PCI_FUNC(devfn), qdev->klass->name,
                          DEVICE(bus->devices[devfn])->klass->name);
    }
    /* A function other than 0 needs a multifunction function 0, and back. */
    if (PCI_FUNC(devfn)) {
        PCIDevice *f0 = bus->devices[PCI_DEVFN(PCI_SLOT(devfn), 0)];

        if (f0 && !f0->multifunction) {
            return error_setg(errp,
                              "PCI: single function device can't be "
                              "populated in function %x.%x",
                              PCI_SLOT(devfn), PCI_FUNC(devfn));
        }
    } else if (!dev->multifunction) {
        for (int f = 1; f < 8; f++) {
            if (bus->devices[devfn + f]) {
                return error_setg(errp,
                                  "PCI: %x.0 indicates single function, "
                                  "but %x.%x is already populated",
                                  PCI_SLOT(devfn), PCI_SLOT(devfn), f);
            }
        }
    }
    dev->bus = bus;
    dev->devfn = devfn;
    dev->addr = devfn;
    pci_set_word(dev->config + PCI_VENDOR_ID, pc->vendor_id);
    pci_set_word(dev->config + PCI_DEVICE_ID, pc->device_id);
    dev->config[PCI_REVISION_ID] = pc->revision;
    dev->config[PCI_CLASS_PROG] = pc->prog_if;
    pci_set_word(dev->config + PCI_CLASS_DEVICE, pc->class_id);
    /* Like QEMU, functions without their own say "Red Hat, QEMU". */
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID,
                 pc->subsystem_vendor_id ? pc->subsystem_vendor_id
                                         : PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, pc->subsystem_vendor_id
                                                     ? pc->subsystem_id
                                                     : PCI_SUBDEVICE_ID_QEMU);
    if (dev->multifunction) {
        dev->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
    }
    pci_set_word(dev->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                     PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                     PCI_COMMAND_INTX_DISABLE);
    pci_set_word(dev->w1cmask + PCI_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                     PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                     PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
    dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    dev->wmask[PCI_LATENCY_TIMER] = 0xff;
    dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
    memset(dev->used, 0xff, PCI_CONFIG_HEADER_SIZE);
    /*
     * Device-specific registers are writable unless the function says
     * otherwise, so firmware and drivers read back what they wrote.
     */
    memset(dev->wmask + PCI_CONFIG_HEADER_SIZE, 0xff,
           PCI_CONFIG_SPACE_SIZE - PCI_CONFIG_HEADER_SIZE);
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        dev->io_regions[n].addr = PCI_BAR_UNMAPPED;
    }
    bus->devices[devfn] = dev;
    /* romfile= not given: the class's ROM (romfile= with no name: none). */
    if (!dev->romfile && pc->romfile) {
        dev->romfile = g_strdup(pc->romfile);
    }
    /*
     * The ROM first: a device's realize may map regions outside its BARs
     * (a VGA's legacy window), which a failure after it would leave behind.
     */
    if (!pci_rom_load(dev, errp) || (pc->realize && !pc->realize(dev, errp))) {
        bus->devices[devfn] = NULL;
        return false;
    }
    return true;
}

/*
 * Power-on state: every bit the guest may write goes back to 0 (decoding
 * off, BARs at 0, capabilities disabled); the function's own reset then
 * sets its register defaults.
 */
static void pci_qdev_reset(DeviceState *qdev)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    PCIDeviceClass *pc = PCI_DEVICE_GET_CLASS(dev);

    for (int i = 0; i < PCI_CONFIG_SPACE_SIZE; i++) {
        dev->config[i] &= ~(dev->wmask[i] | dev->w1cmask[i]);
    }
    pci_set_irq(dev, 0);
    pci_update_mappings(dev);
    msix_reset(dev);
    if (pc->reset) {
        pc->reset(dev);
    }
}

static void pci_print_info(DeviceState *qdev, GString *out, int indent)
{
    PCIDevice *dev = PCI_DEVICE(qdev);
    uint16_t class_id = pci_get_word(dev->config + PCI_CLASS_DEVICE);
    const char *desc = pci_class_description(class_id);

    if (desc) {
        g_string_append_printf(out, "%*sclass %s, ", indent, "", desc);
    } else {
        g_string_append_printf(out, "%*sclass Class %04x, ", indent, "",
                               class_id);
    }
    g_string_append_printf(out,
                           "addr 00:%02x.%x, pci id %04x:%04x (sub "
                           "%04x:%04x)\n",
                           PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn),
                           pci_get_word(dev->config + PCI_VENDOR_ID),
                           pci_get_word(dev->config + PCI_DEVICE_ID),
                           pci_get_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID),
                           pci_get_word(dev->config + PCI_SUBSYSTEM_ID));
    for (int n = 0; n < PCI_NUM_REGIONS; n++) {
        PCIIORegion *r = &dev->io_regions[n];

        if (!r->size) {
            continue;
        }
        g_string_append_printf(
            out, "%*sbar %d: %s at 0x%" PRIx64 " [0x%" PRIx64 "]\n", indent, "",
            n, r->type & PCI_BASE_ADDRESS_SPACE_IO ? "i/o" : "mem", r->addr,
            r->addr == PCI_BAR_UNMAPPED ? r->size - 2 : r->addr + r->size - 1);
    }
}

void pci_device_class_register(PCIDeviceClass *pc)
{
    DeviceClass *dc = &pc->parent_class;

    if (!dc->parent) {
        dc->parent = TYPE_PCI_DEVICE;
    }
    dc->bus_type = PCI_BUS_TYPE;
    dc->realize = pci_qdev_realize;
    dc->reset = pci_qdev_reset;
    if (!dc->print_info) {
        dc->print_info = pci_print_info;
    }
    device_class_register(dc);
}

PCIDevice *pci_new(int devfn, const char *type)
{
    PCIDevice *dev = PCI_DEVICE(device_new(type));

    dev->addr = devfn < 0 ? -1 : devfn;
    return dev;
}

bool pci_realize(PCIDevice *dev, PCIBus *bus, GError **errp)
{
    return device_realize(DEVICE(dev), bus->bus, errp);
}

PCIDevice *pci_create_simple(PCIBus *bus, int devfn, const char *type,
                             GError **errp)
{
    PCIDevice *dev = pci_new(devfn, type);

    return pci_realize(dev, bus, errp) ? dev : NULL;
}

const char *pci_class_description(uint16_t class_id)
{
    static const struct {
        uint16_t id;
        const char *desc;
    } names[] = {
        {0x0100, "SCSI controller"},
        {0x0101, "IDE controller"},
        {0x0102, "Floppy controller"},
        {0x0104, "RAID controller"},
        {0x0106, "SATA controller"},
        {0x0108, "NVMe controller"},
        {0x0180, "Storage controller"},
        {0x0200, "Ethernet controller"},
        {0x0280, "Network controller"},
        {0x0300, "VGA controller"},
        {0x0302, "3D controller"},
        {0x0380, "Display controller"},
        {0x0400, "Video controller"},
        {0x0401, "Audio controller"},
        {0x0403, "Audio controller"},
        {0x0480, "Multimedia controller"},
        {0x0500, "RAM controller"},
        {0x0580, "Memory controller"},
        {0x0600, "Host bridge"},
        {0x0601, "ISA bridge"},
        {0x0604, "PCI bridge"},
        {0x0680, "Bridge"},
        {0x0700, "Serial controller"},
        {0x0780, "Communication controller"},
        {0x0800, "PIC"},
        {0x0880, "System peripheral"},
        {0x0c03, "USB controller"},
        {0x0c05, "SMBus"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (names[i].id == class_id) {
            return names[i].desc;
        }
    }
    return NULL;
}

PCIBus *pci_root_bus(void)
{
    MachineState *ms = current_machine_get();
    BusState *bus = ms ? bus_find(ms->main_bus, PCI_BUS_TYPE, NULL) : NULL;

    return bus ? bus->opaque : NULL;
}

/* ---- state ------------------------------------------------------------ */

static const VMStateDescription vmstate_msix_vector = {
    .name = "msix-vector",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT64(address, MSIXVector),
            VMSTATE_UINT32(data, MSIXVector),
            VMSTATE_UINT32(control, MSIXVector),
            VMSTATE_END_OF_LIST(),
        },
};

static bool pci_msix_needed(void *opaque)
{
    return ((PCIDevice *)opaque)->msix_cap != 0;
}

static const VMStateDescription vmstate_pci_msix = {
    .name = "PCIDevice/msix",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = pci_msix_needed,
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT_VARRAY_POINTER(msix_table, PCIDevice, msix_entries,
                                          vmstate_msix_vector, MSIXVector),
            VMSTATE_UINT8_VARRAY_POINTER(msix_pending, PCIDevice,
                                         msix_pba_bytes),
            VMSTATE_END_OF_LIST(),
        },
};

static bool pci_device_pre_save(void *opaque, GError **errp)
{
    PCIDevice *dev = opaque;

    memcpy(dev->stream.config, dev->config, PCI_CONFIG_SPACE_SIZE);
    dev->stream.irq_level = dev->irq_level;
    return true;
}

static bool pci_device_post_load(void *opaque, int version_id, GError **errp)
{
    PCIDevice *dev = opaque;
    int level = dev->stream.irq_level;

    if (level != 0 && level != 1) {
        return error_setg(errp, "INTx level %d", level);
    }
    /*
     * What the guest could write (and the status bits the device sets)
     * comes from the stream; IDs and other read-only bits stay as this
     * pcvm's device has them.
     */
    for (int i = 0; i < PCI_CONFIG_SPACE_SIZE; i++) {
        uint8_t loaded = dev->wmask[i] | dev->w1cmask[i];

        dev->config[i] =
            (dev->config[i] & ~loaded) | (dev->stream.config[i] & loaded);
    }
    pci_update_mappings(dev);
    pci_set_irq(dev, 0);
    pci_intx_update(dev);
    pci_set_irq(dev, level);
    return true;
}

const VMStateDescription vmstate_pci_device = {
    .name = "PCIDevice",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = pci_device_pre_save,
    .post_load = pci_device_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_BUFFER(stream.config, PCIDevice),
            VMSTATE_INT32(stream.irq_level, PCIDevice),
            VMSTATE_END_OF_LIST(),
        },
    .subsections =
        (const VMStateDescription *const[]){
            &vmstate_pci_msix,
            NULL,
        },
};

static const Property pci_device_properties[] = {
    DEFINE_PROP_PCI_DEVFN("addr", PCIDevice, addr, -1),
    DEFINE_PROP_BOOL("multifunction", PCIDevice, multifunction, false),
    DEFINE_PROP_STRING("romfile", PCIDevice, romfile),
    DEFINE_PROP_UINT32("rombar", PCIDevice, rombar, 1),
    DEFINE_PROP_END,
};

static DeviceClass pci_device_class = {
    .name = TYPE_PCI_DEVICE,
    .abstract = true,
    .bus_type = PCI_BUS_TYPE,
    .props = pci_device_properties,
};

static void pci_register(void)
{
    device_class_register(&pci_device_class);
}
type_init(pci_register)
