/*
 * Intel 82371SB PIIX3 function 1, the PCI IDE controller, after the
 * 82371FB/82371SB datasheet (order 290550), 2.3 "PCI configuration
 * registers (IDE function)" and 2.7 "Bus master IDE registers".
 *
 * Both channels work in legacy (compatibility) mode only, as the PIIX3
 * does: programming interface 0x80 (bus master capable, no native mode),
 * the ISA ports 0x1f0-0x1f7/0x3f6 (IRQ 14) and 0x170-0x177/0x376 (IRQ 15),
 * and BMIBA (BAR4, 16 bytes of I/O) for the bus-master registers. Bus
 * mastering follows the command register's BME bit. IDETIM timings are
 * plain storage; their IDE decode enable bits come up set, as firmware
 * leaves them (a directly booted Linux needs them), and the legacy ports
 * decode regardless, as in QEMU. Left out: SIDETIM, native PCI mode.
 */
#include <string.h>

#include "block/drive.h"
#include "hw/ide/bmdma.h"
#include "hw/ide/ide.h"
#include "hw/ide/piix.h"
#include "hw/isa/piix3.h"
#include "util/error.h"

#define PIIX_IDETIM_PRI 0x40 /* 16 bits, bit 15: IDE decode enable */
#define PIIX_IDETIM_SEC 0x42
#define PIIX_IDETIM_IDE 0x8000
#define PIIX_SIDETIM 0x44
#define PIIX_BMIBA_BAR 4

static const uint16_t piix_ide_cmd_port[2] = {0x1f0, 0x170};
static const uint16_t piix_ide_ctl_port[2] = {0x3f6, 0x376};
static const uint8_t piix_ide_irq[2] = {14, 15};

typedef struct PIIX3IDEState {
    PCIDevice parent_obj;
    ISABus *isa;
    IDEBus bus[2];
    BMDMAState bmdma;
} PIIX3IDEState;

#define PIIX3_IDE(obj) DEVICE_CAST(PIIX3IDEState, obj, TYPE_PIIX3_IDE)

static bool piix_ide_bus_master(void *opaque)
{
    PCIDevice *dev = opaque;

    return pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

static void piix_ide_reset(PCIDevice *dev)
{
    PIIX3IDEState *s = PIIX3_IDE(dev);
    uint8_t *c = dev->config;

    pci_set_word(c + PCI_STATUS,
                 PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
    pci_set_word(c + PIIX_IDETIM_PRI, PIIX_IDETIM_IDE);
    pci_set_word(c + PIIX_IDETIM_SEC, PIIX_IDETIM_IDE);
    c[PIIX_SIDETIM] = 0;
    for (int i = 0; i < 2; i++) {
        ide_bus_reset(&s->bus[i]);
    }
    bmdma_reset(&s->bmdma);
}

/*
 * -drive if=ide,bus=B,unit=U becomes an ide-hd or ide-cd on ide.B, as in
 * QEMU's pc: a device in the tree like one given with -device.
 */
static bool piix_ide_attach_drives(PIIX3IDEState *s, GError **errp)
{
    for (int bus = 0; bus < 2; bus++) {
        for (int unit = 0; unit < 2; unit++) {
            DriveConfig *drive = drive_get(IF_IDE, bus, unit);
            DeviceState *dev;
            char unit_text[2] = {'0' + unit, 0};

            if (!drive) {
                continue;
            }
            dev = device_new(drive->media == MEDIA_CDROM ? "ide-cd" : "ide-hd");
            if (!device_set_property(dev, "drive", drive->id, errp) ||
                !device_set_property(dev, "unit", unit_text, errp) ||
                !device_realize(dev, s->bus[bus].qbus, errp)) {
                device_free(dev);
                error_prefix(errp, "%s", drive->spec);
                return false;
            }
        }
    }
    return true;
}

static bool piix_ide_realize(PCIDevice *dev, GError **errp)
{
    PIIX3IDEState *s = PIIX3_IDE(dev);
    uint8_t *c = dev->config;

    /*
     * One chip: the ISA side (legacy ports, IRQ 14 and 15) is that of the
     * PIIX3 bridge at function 0 of the same slot.
     */
    s->isa =
        piix3_isa_bus(dev->bus->devices[PCI_DEVFN(PCI_SLOT(dev->devfn), 0)]);
    if (!s->isa) {
        return error_setg(errp, "piix3-ide: needs the PIIX3 ISA bridge at "
                                "function 0 of its slot");
    }
    for (int i = 0; i < 2; i++) {
        g_autofree char *name = ide_bus_next_name();

        ide_bus_init(&s->bus[i], name);
        ide_bus_add_qbus(&s->bus[i], DEVICE(dev));
    }
    if (!piix_ide_attach_drives(s, errp)) {
        return false;
    }
    for (int i = 0; i < 2; i++) {
        ide_bus_init_ioports(&s->bus[i]);
        ide_bus_set_irq(&s->bus[i], s->isa->irqs[piix_ide_irq[i]]);
        memory_region_add_subregion(s->isa->io, piix_ide_cmd_port[i],
                                    &s->bus[i].cmd_io);
        memory_region_add_subregion(s->isa->io, piix_ide_ctl_port[i],
                                    &s->bus[i].ctl_io);
    }
    bmdma_init(&s->bmdma, "piix-bmdma", &s->bus[0], &s->bus[1],
               dev->bus->dma_as);
    bmdma_set_master_check(&s->bmdma, piix_ide_bus_master, dev);
    pci_register_bar(dev, PIIX_BMIBA_BAR, PCI_BASE_ADDRESS_SPACE_IO,
                     bmdma_io_region(&s->bmdma));
    /* IDETIM and SIDETIM are the guest's to program. */
    memset(dev->wmask + PIIX_IDETIM_PRI, 0xff, 5);
    c[PCI_INTERRUPT_PIN] = 0; /* legacy mode: ISA IRQs, no INTx */
    return true;
}

static const VMStateDescription vmstate_piix_ide = {
    .name = "ide",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, PIIX3IDEState),
            VMSTATE_STRUCT(bmdma, PIIX3IDEState, vmstate_bmdma, BMDMAState),
            VMSTATE_STRUCT_ARRAY(bus, PIIX3IDEState, 2, vmstate_ide_bus,
                                 IDEBus),
            VMSTATE_END_OF_LIST(),
        },
};

static PCIDeviceClass piix_ide_class = {
    .parent_class =
        {
            .name = TYPE_PIIX3_IDE,
            .description = "PIIX3 IDE controller",
            .category = DEVICE_CATEGORY_STORAGE,
            .instance_size = sizeof(PIIX3IDEState),
            .vmsd = &vmstate_piix_ide,
        },
    .vendor_id = PCI_VENDOR_ID_INTEL,
    .device_id = 0x7010,
    .class_id = PCI_CLASS_STORAGE_IDE,
    .prog_if = 0x80,
    .realize = piix_ide_realize,
    .reset = piix_ide_reset,
};

PCIDevice *piix3_ide_create(PCIBus *bus, int devfn, GError **errp)
{
    PCIDevice *dev = pci_new(devfn, TYPE_PIIX3_IDE);

    return pci_realize(dev, bus, errp) ? dev : NULL;
}

IDEBus *piix3_ide_bus(PCIDevice *dev, unsigned channel)
{
    return channel < 2 ? &PIIX3_IDE(dev)->bus[channel] : NULL;
}

static void piix_ide_register(void)
{
    pci_device_class_register(&piix_ide_class);
}
type_init(piix_ide_register)
