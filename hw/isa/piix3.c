/*
 * Intel 82371SB PIIX3 function 0, the PCI-to-ISA bridge, after the
 * 82371FB/82371SB datasheet (order 290550), 2.2: the PIRQ route control
 * registers (PIRQRC[A:D], 60h-63h) that send the four PCI interrupt lines
 * to ISA IRQs, and the other bridge registers as plain storage with their
 * reset values. The ISA devices behind it (PIC, PIT, RTC, ...) are separate
 * models; the reset control register (CF9h) is hw/i386/reset-control.c.
 */
#include <string.h>

#include "hw/core/vmstate.h"
#include "hw/isa/piix3.h"
#include "util/log.h"

/* Register reset values (datasheet 2.2). */
#define PIIX_IORT 0x4c
#define PIIX_XBCS 0x4e
#define PIIX_TOM 0x69
#define PIIX_MBIRQ0 0x70
#define PIIX_MBDMA 0x76
#define PIIX_PCSC 0x78
#define PIIX_SMICNTL 0xa0
#define PIIX_FTMR 0xa8

typedef struct PIIX3State {
    PCIDevice parent_obj;
    ISABus *isa;
    IRQLine **pirq_lines; /* the PCI bus's INTx lines, A-D */
    uint8_t pirq_level[PIIX_NUM_PIRQS];
    uint16_t isa_driven; /* ISA IRQs the router set high */
} PIIX3State;

#define PIIX3(obj) DEVICE_CAST(PIIX3State, obj, TYPE_PIIX3_DEVICE)

/* The ISA IRQ a PIRQ goes to, or -1 when its routing is disabled. */
static int piix3_pirq_route(PIIX3State *s, int pirq)
{
    uint8_t r = s->parent_obj.config[PIIX_PIRQRC + pirq];

    if (r & PIIX_PIRQRC_IRQEN) {
        return -1;
    }
    r &= 0x0f;
    /* IRQ 0, 1, 2, 8 and 13 are reserved routing targets. */
    return r == 0 || r == 1 || r == 2 || r == 8 || r == 13 ? -1 : r;
}

/* Each ISA IRQ is the OR of the PIRQs routed to it. */
static void piix3_update_isa_irqs(PIIX3State *s)
{
    uint16_t level = 0;

    for (int p = 0; p < PIIX_NUM_PIRQS; p++) {
        int irq = piix3_pirq_route(s, p);

        if (irq >= 0 && s->pirq_level[p]) {
            level |= 1u << irq;
        }
    }
    for (int irq = 0; irq < ISA_NUM_IRQS; irq++) {
        uint16_t bit = 1u << irq;

        if ((level ^ s->isa_driven) & bit) {
            irq_set_level(s->isa->irqs[irq], !!(level & bit));
        }
    }
    s->isa_driven = level;
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;

    s->pirq_level[pirq] = !!level;
    piix3_update_isa_irqs(s);
}

/* i440FX boards wire INTA of slot N to PIRQ (N - 1 + pin) mod 4. */
static int piix3_map_irq(PCIDevice *dev, int pin)
{
    return (PCI_SLOT(dev->devfn) + pin - 1) & 3;
}

static void piix3_config_write(PCIDevice *dev, uint32_t addr, uint32_t value,
                               unsigned len)
{
    pci_default_config_write(dev, addr, value, len);
    if (addr < PIIX_PIRQRC + PIIX_NUM_PIRQS && addr + len > PIIX_PIRQRC) {
        piix3_update_isa_irqs(PIIX3(dev));
    }
}

static void piix3_reset(PCIDevice *dev)
{
    uint8_t *c = dev->config;

    pci_set_word(c + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_set_word(c + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    memset(c + PCI_CONFIG_HEADER_SIZE, 0,
           PCI_CONFIG_SPACE_SIZE - PCI_CONFIG_HEADER_SIZE);
    c[PIIX_IORT] = 0x4d;
    c[PIIX_XBCS] = 0x03;
    memset(c + PIIX_PIRQRC, PIIX_PIRQRC_IRQEN, PIIX_NUM_PIRQS);
    c[PIIX_TOM] = 0x02;
    c[PIIX_MBIRQ0] = 0x80;
    c[PIIX_MBDMA] = 0x0c;
    c[PIIX_MBDMA + 1] = 0x0c;
    c[PIIX_PCSC] = 0x02;
    c[PIIX_SMICNTL] = 0x08;
    c[PIIX_FTMR] = 0x0f;
    piix3_update_isa_irqs(PIIX3(dev));
}

static bool piix3_post_load(void *opaque, int version_id, GError **errp)
{
    PIIX3State *s = opaque;

    for (int p = 0; p < PIIX_NUM_PIRQS; p++) {
        s->pirq_level[p] = !!s->pirq_level[p];
    }
    /* Drive the ISA lines from this pcvm's levels to the loaded routes. */
    piix3_update_isa_irqs(s);
    return true;
}

static const VMStateDescription vmstate_piix3 = {
    .name = "PIIX3",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = piix3_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, PIIX3State),
            VMSTATE_UINT8_ARRAY(pirq_level, PIIX3State, PIIX_NUM_PIRQS),
            VMSTATE_END_OF_LIST(),
        },
};

static PCIDeviceClass piix3_class = {
    .parent_class =
        {
            .name = TYPE_PIIX3_DEVICE,
            .description = "ISA bridge",
            .category = DEVICE_CATEGORY_BRIDGE,
            .instance_size = sizeof(PIIX3State),
            .vmsd = &vmstate_piix3,
        },
    .vendor_id = PCI_VENDOR_ID_INTEL,
    .device_id = 0x7000,
    .class_id = PCI_CLASS_BRIDGE_ISA,
    .reset = piix3_reset,
    .config_write = piix3_config_write,
};

ISABus *piix3_isa_bus(PCIDevice *dev)
{
    if (!dev || !device_class_is(DEVICE(dev)->klass, TYPE_PIIX3_DEVICE)) {
        return NULL;
    }
    return PIIX3(dev)->isa;
}

PCIDevice *piix3_create(PCIBus *bus, int devfn, MemoryRegion *io,
                        MemoryRegion *isa_memory, IRQLine **isa_irqs,
                        ISABus **isa_bus, GError **errp)
{
    PCIDevice *dev = pci_new(devfn, TYPE_PIIX3_DEVICE);
    PIIX3State *s = PIIX3(dev);

    dev->multifunction = true;
    /* The ISA bus exists before the bridge resets (reset drives IRQs). */
    s->isa = isa_bus_new(DEVICE(dev), io, isa_memory, isa_irqs);
    s->pirq_lines = irq_new_array(piix3_set_pirq, s, PIIX_NUM_PIRQS);
    pci_bus_irqs(bus, piix3_map_irq, s->pirq_lines, PIIX_NUM_PIRQS);
    if (!pci_realize(dev, bus, errp)) {
        return NULL;
    }
    *isa_bus = s->isa;
    return dev;
}

static void piix3_register(void)
{
    pci_device_class_register(&piix3_class);
}
type_init(piix3_register)
