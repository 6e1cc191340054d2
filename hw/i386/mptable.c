/*
 * MP configuration table (Intel MultiProcessor Specification 1.4, chapter 4)
 * for directly booted kernels: it tells a kernel without ACPI how many CPUs
 * there are, where the IOAPIC is and how ISA IRQs reach it. The floating
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

static void add_io_interrupt(GByteArray *t, uint8_t type, uint8_t irq,
                             uint8_t ioapic_id, uint8_t pin)
{
    uint8_t e[8] = {MP_ENTRY_IO_INTERRUPT, type, 0, 0, 0, irq, ioapic_id, pin};

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
        uint8_t bus[8] = {MP_ENTRY_BUS, 0, 'I', 'S', 'A', ' ', ' ', ' '};
        uint8_t ioapic[8] = {MP_ENTRY_IOAPIC, ioapic_id, IOAPIC_VERSION, 1};

        stl_le_p(ioapic + 4, IOAPIC_ADDRESS);
        g_byte_array_append(t, bus, sizeof(bus));
        g_byte_array_append(t, ioapic, sizeof(ioapic));
        entries += 2;
    }
    /* ISA IRQs, identity mapped except the timer (pin 2); pin 0 is ExtINT. */
    add_io_interrupt(t, MP_INT_TYPE_EXTINT, 0, ioapic_id, 0);
    entries++;
    for (uint8_t irq = 0; irq < 16; irq++) {
        if (irq == 2) {
            continue;
        }
        add_io_interrupt(t, MP_INT_TYPE_INT, irq, ioapic_id, irq ? irq : 2);
        entries++;
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
