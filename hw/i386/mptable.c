/*
 * MP configuration table (Intel MultiProcessor Specification 1.4, chapter 4)
 * for directly booted kernels: it tells a kernel without ACPI how many CPUs
 * there are, where the IOAPIC is and how ISA IRQs and PCI INTx reach it
 * (bus and I/O interrupt entries, 4.3.2 and 4.3.4). The floating
 * pointer goes in the BIOS area (0xF0000-0xFFFFF), which kernels scan.
 */
#include <string.h>

#include "hw/core/loader.h"
#include "hw/i386/pc.h"
#include "target/i386/cpu.h"
#include "util/byteorder.h"

#define MP_ENTRY_PROCESSOR 0
#define MP_ENTRY_BUS 1
#define MP_ENTRY_IOAPIC 2
#define MP_ENTRY_IO_INTERRUPT 3
#define MP_ENTRY_LOCAL_INTERRUPT 4
#define MP_INT_TYPE_INT 0
#define MP_INT_TYPE_NMI 1
#define MP_INT_TYPE_EXTINT 3
/* I/O interrupt entry flags: polarity in bits 1:0, trigger in bits 3:2. */
#define MP_IRQ_ACTIVE_HIGH 0x1
#define MP_IRQ_ACTIVE_LOW 0x3
#define MP_IRQ_EDGE (0x1 << 2)
#define MP_IRQ_LEVEL (0x3 << 2)
/*
 * Bus ids: a PCI bus's id is its bus number (Linux and the spec match PCI
 * sources by it), so PCI bus 0 comes first and ISA after it, as SeaBIOS
 * numbers them.
 */
#define MP_BUS_PCI 0
#define MP_BUS_ISA 1
#define MP_CPU_ENABLED 0x01
#define MP_CPU_BOOTSTRAP 0x02
#define IOAPIC_ADDRESS 0xfec00000u
#define IOAPIC_VERSION 0x11
#define LAPIC_ADDRESS 0xfee00000u
#define LAPIC_VERSION 0x14

static uint8_t checksum(const uint8_t *data, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += data[i];
    }
    return -sum;
}

static void add_io_interrupt(GByteArray *t, uint8_t type, uint16_t flags,
                             uint8_t bus, uint8_t irq, uint8_t ioapic_id,
                             uint8_t pin)
{
    uint8_t e[8] = {MP_ENTRY_IO_INTERRUPT,
                    type,
                    flags,
                    flags >> 8,
                    bus,
                    irq,
                    ioapic_id,
                    pin};

    g_byte_array_append(t, e, sizeof(e));
}

void mptable_build(PCMachineState *pcms)
{
    MachineState *ms = pcms->machine;
    GByteArray *t = g_byte_array_new();
    uint8_t header[44] = "PCMP";
    uint8_t floating[16] = "_MP_";
    uint8_t ioapic_id = ms->smp_cpus;
    unsigned entries = 0;
    uint8_t *table;

    g_byte_array_append(t, header, sizeof(header));
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];
        const CPUIDEntry *leaf1 = x86_cpu_cpuid_find(cpu, 1, 0);
        uint8_t e[20] = {MP_ENTRY_PROCESSOR, cpu->apic_id, LAPIC_VERSION,
                         MP_CPU_ENABLED | (i == 0 ? MP_CPU_BOOTSTRAP : 0)};

        stl_le_p(e + 4, leaf1 ? leaf1->eax : 0x600);
        stl_le_p(e + 8, leaf1 ? leaf1->edx : 0);
        g_byte_array_append(t, e, sizeof(e));
        entries++;
    }
    {
        uint8_t pci[8] = {MP_ENTRY_BUS, MP_BUS_PCI, 'P', 'C',
                          'I',          ' ',        ' ', ' '};
        uint8_t isa[8] = {MP_ENTRY_BUS, MP_BUS_ISA, 'I', 'S',
                          'A',          ' ',        ' ', ' '};
        uint8_t ioapic[8] = {MP_ENTRY_IOAPIC, ioapic_id, IOAPIC_VERSION, 1};

        stl_le_p(ioapic + 4, IOAPIC_ADDRESS);
        g_byte_array_append(t, pci, sizeof(pci));
        g_byte_array_append(t, isa, sizeof(isa));
        g_byte_array_append(t, ioapic, sizeof(ioapic));
        entries += 3;
    }
    /* ISA IRQs, identity mapped except the timer (pin 2); pin 0 is ExtINT. */
    add_io_interrupt(t, MP_INT_TYPE_EXTINT, 0, MP_BUS_ISA, 0, ioapic_id, 0);
    entries++;
    for (uint8_t irq = 0; irq < 16; irq++) {
        if (irq == 2) {
            continue;
        }
        add_io_interrupt(t, MP_INT_TYPE_INT, 0, MP_BUS_ISA, irq, ioapic_id,
                         irq ? irq : 2);
        entries++;
    }
    /*
     * Every slot's INTA-D (the source IRQ is slot << 2 | pin), where the
     * PIIX3 routes them: PCI's level-triggered, active-low lines. Cards
     * added with -device come after this table is built, so all 32 slots
     * are listed. Slot 1 INTA is the PIIX4's SCI, level and active high as
     * the ACPI tables say.
     */
    for (uint8_t slot = 0; slot < 32; slot++) {
        for (uint8_t pin = 0; pin < PCI_NUM_PINS; pin++) {
            int irq = pc_pci_intx_irq(slot, pin);
            uint16_t flags = irq == PC_SCI_IRQ
                                 ? MP_IRQ_LEVEL | MP_IRQ_ACTIVE_HIGH
                                 : MP_IRQ_LEVEL | MP_IRQ_ACTIVE_LOW;

            add_io_interrupt(t, MP_INT_TYPE_INT, flags, MP_BUS_PCI,
                             slot << 2 | pin, ioapic_id, irq);
            entries++;
        }
    }
    {
        uint8_t extint[8] = {
            MP_ENTRY_LOCAL_INTERRUPT, MP_INT_TYPE_EXTINT, 0, 0, 0, 0, 0xff, 0};
        uint8_t nmi[8] = {
            MP_ENTRY_LOCAL_INTERRUPT, MP_INT_TYPE_NMI, 0, 0, 0, 0, 0xff, 1};

        g_byte_array_append(t, extint, sizeof(extint));
        g_byte_array_append(t, nmi, sizeof(nmi));
        entries += 2;
    }

    table = t->data;
    stw_le_p(table + 4, t->len); /* base table length */
    table[6] = 4;                /* spec revision 1.4 */
    memcpy(table + 8, "PCVM    ", 8);
    memcpy(table + 16, "PCVM PC     ", 12);
    stw_le_p(table + 34, entries);
    stl_le_p(table + 36, LAPIC_ADDRESS);
    table[7] = checksum(table, t->len);

    stl_le_p(floating + 4, MPTABLE_ADDR + 16);
    floating[8] = 1; /* length in 16-byte units */
    floating[9] = 4; /* revision */
    floating[10] = checksum(floating, sizeof(floating));

    rom_add_blob("mptable-floating", floating, sizeof(floating), MPTABLE_ADDR);
    rom_add_blob("mptable", table, t->len, MPTABLE_ADDR + 16);
    g_byte_array_unref(t);
}
