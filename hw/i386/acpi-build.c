/*
 * The pc board's ACPI tables (ACPI 6.4, chapter 5): RSDP 2.0 with RSDT and
 * XSDT, FADT revision 3 for the PIIX4's fixed hardware, FACS, MADT
 * (local APICs, the IOAPIC, QEMU's pc interrupt overrides), and a DSDT
 * with the PCI host bridge, its _PRT, the ISA devices and \_S5.
 *
 * One description, two placements: with firmware, SeaBIOS gets the files
 * etc/acpi/rsdp and etc/acpi/tables and the commands in etc/table-loader
 * that link them (QEMU's interface, so it installs these tables instead of
 * its own); without firmware the same commands are carried out here and
 * the tables land in the BIOS area, where Linux's RSDP scan finds them.
 *
 * PCI interrupts go straight to GSIs in _PRT, no link devices: the PIIX3
 * router is fixed by then (SeaBIOS programs it, and so does the board
 * under direct boot, with the same routes), Linux takes a GSI entry as
 * level and active low in both PIC and APIC mode, and there is no AML
 * method for a guest to get wrong. Left out: an HPET (pcvm has none),
 * S3/S4, CPU and PCI hotplug, a 64-bit PCI window, SRAT/SLIT.
 */
#include <string.h>

#include "hw/acpi/aml-build.h"
#include "hw/acpi/piix4.h"
#include "hw/acpi/table-loader.h"
#include "hw/core/loader.h"
#include "hw/i386/pc.h"
#include "hw/intc/ioapic.h"
#include "hw/nvram/fw_cfg.h"
#include "target/i386/cpu.h"
#include "util/byteorder.h"
#include "util/error.h"

#define ACPI_RSDP_FILE "etc/acpi/rsdp"
#define ACPI_TABLES_FILE "etc/acpi/tables"
#define ACPI_LOADER_FILE "etc/table-loader"

#define LAPIC_ADDRESS 0xfee00000u
#define RESET_CONTROL_PORT 0xcf9
#define RESET_CONTROL_RESET 0x06 /* full reset: RST_CPU | SYS_RST */
#define RTC_CENTURY 0x32
/* The PCI window ends below the IOAPIC; the VGA window is 0xA0000. */
#define PCI_HOLE_END (IOAPIC_DEFAULT_ADDRESS - 1)

/* FADT (5.2.9): sizes, offsets of the fields set here, flags. */
#define FADT_REVISION 3
#define FADT_SIZE 244
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_ACPI_DISABLE 53
#define FADT_PM1A_EVT_BLK 56
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM_TMR_BLK 76
#define FADT_GPE0_BLK 80
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM_TMR_LEN 91
#define FADT_GPE0_BLK_LEN 92
#define FADT_P_LVL2_LAT 96
#define FADT_P_LVL3_LAT 98
#define FADT_CENTURY 108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM_TMR_BLK 208
#define FADT_X_GPE0_BLK 220
#define FADT_LVL_UNSUPPORTED 0x0fff  /* C2/C3 latency > 100/1000 us */
#define FADT_BOOT_LEGACY_DEVICES 0x1 /* ISA devices exist */
#define FADT_BOOT_8042 0x2
#define FADT_F_WBINVD (1u << 0)
#define FADT_F_PROC_C1 (1u << 2)
#define FADT_F_SLP_BUTTON (1u << 5) /* no fixed sleep button */
#define FADT_F_FIX_RTC (1u << 6)    /* no RTC wake status in PM1 */
#define FADT_F_RESET_REG_SUP (1u << 10)
/* Generic Address Structure (5.2.3.2): 12 bytes. */
#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_WORD 2
#define GAS_ACCESS_DWORD 3

/* FACS (5.2.10). */
#define FACS_SIZE 64
#define FACS_VERSION 1

/* MADT (5.2.12) and its entries. */
#define MADT_PCAT_COMPAT 0x1
#define MADT_LOCAL_APIC 0
#define MADT_IO_APIC 1
#define MADT_INT_SOURCE_OVERRIDE 2
#define MADT_LOCAL_APIC_NMI 4
#define MADT_LAPIC_ENABLED 0x1
#define MPS_INTI_ACTIVE_HIGH 0x1
#define MPS_INTI_LEVEL (0x3 << 2)
#define ACPI_ALL_PROCESSORS 0xff

/* RSDP (5.2.5). */
#define RSDP_SIZE 36
#define RSDP_V1_SIZE 20
#define RSDP_CHECKSUM 8
#define RSDP_RSDT_ADDRESS 16
#define RSDP_LENGTH 20
#define RSDP_XSDT_ADDRESS 24
#define RSDP_EXT_CHECKSUM 32

/* Where direct boot puts them: the RSDP first, on a 16-byte boundary. */
#define ACPI_DIRECT_RSDP_ADDR ACPI_DIRECT_ADDR
#define ACPI_DIRECT_TABLES_ADDR (ACPI_DIRECT_ADDR + 0x40)
#define ACPI_DIRECT_END (ACPI_DIRECT_ADDR + ACPI_DIRECT_SIZE)

/* A table's checksum, fixed again once its pointers are patched. */
static void table_checksum(AcpiLoader *l, GByteArray *t, size_t start)
{
    acpi_loader_add_checksum(l, ACPI_TABLES_FILE,
                             start + ACPI_TABLE_CHECKSUM_OFFSET, start,
                             ldl_le_p(t->data + start + 4));
}

/* A pointer field in the tables file to another place in it. */
static void table_pointer(AcpiLoader *l, GByteArray *t, size_t field,
                          unsigned size, size_t target)
{
    for (unsigned i = 0; i < size; i++) {
        t->data[field + i] = (uint64_t)target >> (8 * i);
    }
    acpi_loader_add_pointer(l, ACPI_TABLES_FILE, field, size, ACPI_TABLES_FILE);
}

static void gas_io(uint8_t *p, unsigned bit_width, uint8_t access,
                   uint64_t address)
{
    p[0] = GAS_SYSTEM_IO;
    p[1] = bit_width;
    p[2] = 0; /* bit offset */
    p[3] = access;
    stq_le_p(p + 4, address);
}

/* ---- DSDT --------------------------------------------------------------- */

static Aml *isa_device(const char *name, const char *hid, Aml *crs)
{
    Aml *dev = aml_device(name);

    aml_append(dev, aml_name_decl("_HID", aml_eisaid(hid)));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

/* A numeric property of an ISA device (its I/O port, IRQ, index). */
static uint64_t isa_prop(DeviceState *dev, const char *name)
{
    g_autofree char *text = device_get_property(dev, name);

    return text ? g_ascii_strtoull(text, NULL, 0) : 0;
}

static Aml *isa_bridge_build(PCMachineState *pcms)
{
    Aml *isa = aml_device("ISA");
    Aml *crs;

    aml_append(isa, aml_name_decl("_ADR", aml_int(1 << 16))); /* 01.0 */

    crs = aml_resource_template();
    aml_append(crs, aml_io(0x70, 0x70, 1, 2));
    aml_append(crs, aml_irq_no_flags(8));
    aml_append(isa, isa_device("RTC", "PNP0B00", crs));

    crs = aml_resource_template();
    aml_append(crs, aml_io(0x60, 0x60, 1, 1));
    aml_append(crs, aml_io(0x64, 0x64, 1, 1));
    aml_append(crs, aml_irq_no_flags(1));
    aml_append(isa, isa_device("KBD", "PNP0303", crs));

    crs = aml_resource_template();
    aml_append(crs, aml_irq_no_flags(12));
    aml_append(isa, isa_device("MOU", "PNP0F13", crs));

    /*
     * The devices on the ISA bus, the board's and -device's: serial ports
     * (COM1-4 by index, QEMU's names) and pvpanic (QEMU0001).
     */
    for (unsigned i = 0; i < pcms->isa->bus->children->len; i++) {
        DeviceState *d = g_ptr_array_index(pcms->isa->bus->children, i);

        if (device_class_is(d->klass, "isa-serial")) {
            uint64_t index = isa_prop(d, "index"), port = isa_prop(d, "iobase");
            g_autofree char *name =
                g_strdup_printf("COM%u", (unsigned)index + 1);
            Aml *dev;

            if (index >= 4) {
                continue;
            }
            crs = aml_resource_template();
            aml_append(crs, aml_io(port, port, 1, 8));
            aml_append(crs, aml_irq_no_flags(isa_prop(d, "irq")));
            dev = isa_device(name, "PNP0501", crs);
            aml_append(dev, aml_name_decl("_UID", aml_int(index + 1)));
            aml_append(isa, dev);
        } else if (device_class_is(d->klass, "pvpanic")) {
            uint64_t port = isa_prop(d, "ioport");
            Aml *dev = aml_device("PEVT");

            crs = aml_resource_template();
            aml_append(crs, aml_io(port, port, 1, 1));
            aml_append(dev, aml_name_decl("_HID", aml_string("QEMU0001")));
            aml_append(dev, aml_name_decl("_CRS", crs));
            aml_append(dev, aml_name_decl("_STA", aml_int(0xf)));
            aml_append(isa, dev);
        }
    }
    return isa;
}

/*
 * Package (4) {slot address, pin, no source: GSI} per slot and pin. Not
 * for slot 1 INTA, the PIIX4 PM function's pin, which stands for its SCI:
 * a GSI entry is level, active-low to the OS, while the MADT makes IRQ 9
 * level, active-high (QEMU reaches it through an active-high link); left
 * out, the OS takes the function's Interrupt Line (9) and the override.
 */
static Aml *pci_prt_build(void)
{
    Aml *prt = aml_package();

    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < PCI_NUM_PINS; pin++) {
            Aml *entry;

            if (slot == 1 && pin == 0) {
                continue;
            }
            entry = aml_package();

            aml_append(entry, aml_int((uint64_t)slot << 16 | 0xffff));
            aml_append(entry, aml_int(pin));
            aml_append(entry, aml_int(0));
            aml_append(entry, aml_int(pc_pci_intx_irq(slot, pin)));
            aml_append(prt, entry);
        }
    }
    return prt;
}

static Aml *pci_host_build(PCMachineState *pcms)
{
    Aml *pci = aml_device("PCI0");
    Aml *crs = aml_resource_template();

    aml_append(pci, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci, aml_name_decl("_UID", aml_int(0)));
    /* Bus numbers, the config ports it consumes, what it forwards. */
    aml_append(crs, aml_word_bus_number(0, 0xff));
    aml_append(crs, aml_io(0xcf8, 0xcf8, 1, 8));
    aml_append(crs, aml_word_io(0x0000, 0x0cf7));
    aml_append(crs, aml_word_io(0x0d00, 0xffff));
    aml_append(crs, aml_dword_memory(0xa0000, 0xbffff));
    aml_append(crs, aml_dword_memory(pcms->below_4g_mem_size, PCI_HOLE_END));
    aml_append(pci, aml_name_decl("_CRS", crs));
    aml_append(pci, aml_name_decl("_PRT", pci_prt_build()));
    aml_append(pci, isa_bridge_build(pcms));
    return pci;
}

static void dsdt_build(PCMachineState *pcms, GByteArray *t)
{
    MachineState *ms = pcms->machine;
    size_t start = acpi_table_begin(t, "DSDT", 2); /* 64-bit integers */
    Aml *sb = aml_scope("\\_SB");
    Aml *s5 = aml_package();
    GByteArray *bytes;

    aml_append(sb, pci_host_build(pcms));
    /* Processor devices whose _UID the MADT's entries name. */
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        g_autofree char *name = g_strdup_printf("C%03X", i);
        Aml *cpu = aml_device(name);

        aml_append(cpu, aml_name_decl("_HID", aml_string("ACPI0007")));
        aml_append(cpu, aml_name_decl("_UID", aml_int(i)));
        aml_append(sb, cpu);
    }
    bytes = aml_take(sb);
    g_byte_array_append(t, bytes->data, bytes->len);
    g_byte_array_unref(bytes);

    /* \_S5: SLP_TYPa, SLP_TYPb and two reserved values. */
    for (unsigned i = 0; i < 4; i++) {
        aml_append(s5, aml_int(i < 2 ? PIIX4_SLP_TYP_S5 : 0));
    }
    bytes = aml_take(aml_name_decl("\\_S5", s5));
    g_byte_array_append(t, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
    acpi_table_end(t, start);
}

/* ---- fixed tables ------------------------------------------------------- */

static size_t fadt_build(GByteArray *t, AcpiLoader *l, size_t facs, size_t dsdt)
{
    size_t start = acpi_table_begin(t, "FACP", FADT_REVISION);
    uint8_t *f;

    acpi_reserve(t, FADT_SIZE - ACPI_TABLE_HEADER_SIZE);
    f = t->data + start;
    stw_le_p(f + FADT_SCI_INT, PC_SCI_IRQ);
    stl_le_p(f + FADT_SMI_CMD, PIIX4_APM_CNT_PORT);
    f[FADT_ACPI_ENABLE] = PIIX4_APM_ACPI_ENABLE;
    f[FADT_ACPI_DISABLE] = PIIX4_APM_ACPI_DISABLE;
    stl_le_p(f + FADT_PM1A_EVT_BLK, PC_ACPI_PM_BASE + PIIX4_PM1_EVT_BLK);
    stl_le_p(f + FADT_PM1A_CNT_BLK, PC_ACPI_PM_BASE + PIIX4_PM1_CNT_BLK);
    stl_le_p(f + FADT_PM_TMR_BLK, PC_ACPI_PM_BASE + PIIX4_PM_TMR_BLK);
    stl_le_p(f + FADT_GPE0_BLK, PIIX4_GPE0_BASE);
    f[FADT_PM1_EVT_LEN] = PIIX4_PM1_EVT_LEN;
    f[FADT_PM1_CNT_LEN] = PIIX4_PM1_CNT_LEN;
    f[FADT_PM_TMR_LEN] = PIIX4_PM_TMR_LEN;
    f[FADT_GPE0_BLK_LEN] = PIIX4_GPE0_LEN;
    stw_le_p(f + FADT_P_LVL2_LAT, FADT_LVL_UNSUPPORTED);
    stw_le_p(f + FADT_P_LVL3_LAT, FADT_LVL_UNSUPPORTED);
    f[FADT_CENTURY] = RTC_CENTURY;
    stw_le_p(f + FADT_IAPC_BOOT_ARCH,
             FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_8042);
    stl_le_p(f + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 |
                                 FADT_F_SLP_BUTTON | FADT_F_FIX_RTC |
                                 FADT_F_RESET_REG_SUP);
    gas_io(f + FADT_RESET_REG, 8, GAS_ACCESS_BYTE, RESET_CONTROL_PORT);
    f[FADT_RESET_VALUE] = RESET_CONTROL_RESET;
    /* The extended blocks repeat the 32-bit ones, as ACPI 2.0+ wants. */
    gas_io(f + FADT_X_PM1A_EVT_BLK, 8 * PIIX4_PM1_EVT_LEN, GAS_ACCESS_WORD,
           PC_ACPI_PM_BASE + PIIX4_PM1_EVT_BLK);
    gas_io(f + FADT_X_PM1A_CNT_BLK, 8 * PIIX4_PM1_CNT_LEN, GAS_ACCESS_WORD,
           PC_ACPI_PM_BASE + PIIX4_PM1_CNT_BLK);
    gas_io(f + FADT_X_PM_TMR_BLK, 8 * PIIX4_PM_TMR_LEN, GAS_ACCESS_DWORD,
           PC_ACPI_PM_BASE + PIIX4_PM_TMR_BLK);
    gas_io(f + FADT_X_GPE0_BLK, 8 * PIIX4_GPE0_LEN, GAS_ACCESS_BYTE,
           PIIX4_GPE0_BASE);
    table_pointer(l, t, start + FADT_FIRMWARE_CTRL, 4, facs);
    table_pointer(l, t, start + FADT_DSDT, 4, dsdt);
    table_pointer(l, t, start + FADT_X_DSDT, 8, dsdt);
    acpi_table_end(t, start);
    return start;
}

static size_t madt_build(PCMachineState *pcms, GByteArray *t)
{
    MachineState *ms = pcms->machine;
    size_t start = acpi_table_begin(t, "APIC", 1);
    uint8_t *p;

    p = t->data + acpi_reserve(t, 8);
    stl_le_p(p, LAPIC_ADDRESS);
    stl_le_p(p + 4, MADT_PCAT_COMPAT);
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        p = t->data + acpi_reserve(t, 8);
        p[0] = MADT_LOCAL_APIC;
        p[1] = 8;
        p[2] = i; /* processor UID, the DSDT's Cnnn._UID */
        p[3] = ms->cpus[i]->apic_id;
        stl_le_p(p + 4, MADT_LAPIC_ENABLED);
    }
    /* The IOAPIC, with the id the MP table gives it, GSIs from 0. */
    p = t->data + acpi_reserve(t, 12);
    p[0] = MADT_IO_APIC;
    p[1] = 12;
    p[2] = ms->smp_cpus;
    stl_le_p(p + 4, IOAPIC_DEFAULT_ADDRESS);
    stl_le_p(p + 8, 0);
    /* IRQ0 (the PIT) is GSI 2; the SCI is level and active high. */
    for (unsigned i = 0; i < 2; i++) {
        p = t->data + acpi_reserve(t, 10);
        p[0] = MADT_INT_SOURCE_OVERRIDE;
        p[1] = 10;
        p[2] = 0; /* ISA */
        p[3] = i ? PC_SCI_IRQ : 0;
        stl_le_p(p + 4, i ? PC_SCI_IRQ : 2);
        stw_le_p(p + 8, i ? MPS_INTI_LEVEL | MPS_INTI_ACTIVE_HIGH : 0);
    }
    /* LINT1 of every local APIC is NMI, as the MP table says. */
    p = t->data + acpi_reserve(t, 6);
    p[0] = MADT_LOCAL_APIC_NMI;
    p[1] = 6;
    p[2] = ACPI_ALL_PROCESSORS;
    stw_le_p(p + 3, 0);
    p[5] = 1;
    acpi_table_end(t, start);
    return start;
}

/* RSDT (4-byte entries) or XSDT (8-byte) pointing at the tables. */
static size_t sdt_build(GByteArray *t, AcpiLoader *l, const char *sig,
                        unsigned entry_size, const size_t *tables, unsigned n)
{
    size_t start = acpi_table_begin(t, sig, 1);
    size_t entries = acpi_reserve(t, entry_size * n);

    for (unsigned i = 0; i < n; i++) {
        table_pointer(l, t, entries + i * entry_size, entry_size, tables[i]);
    }
    acpi_table_end(t, start);
    return start;
}

/*
 * Builds the tables file, the RSDP file and the commands that link them;
 * every pointer holds an offset into the tables file until linked.
 */
static AcpiLoader *pc_acpi_tables_build(PCMachineState *pcms,
                                        GByteArray *tables, GByteArray *rsdp)
{
    AcpiLoader *l = acpi_loader_new();
    size_t facs, dsdt, fadt, madt, rsdt, xsdt, list[2];
    uint8_t *r;

    acpi_loader_allocate(l, ACPI_TABLES_FILE, tables, 64,
                         ACPI_LOADER_ZONE_HIGH);
    acpi_loader_allocate(l, ACPI_RSDP_FILE, rsdp, 16, ACPI_LOADER_ZONE_FSEG);

    /* The FACS first: it must sit on a 64-byte boundary. */
    facs = acpi_reserve(tables, FACS_SIZE);
    memcpy(tables->data + facs, "FACS", 4);
    stl_le_p(tables->data + facs + 4, FACS_SIZE);
    tables->data[facs + 32] = FACS_VERSION;

    dsdt = tables->len;
    dsdt_build(pcms, tables);
    acpi_align(tables, 8);
    fadt = fadt_build(tables, l, facs, dsdt);
    madt = madt_build(pcms, tables);
    list[0] = fadt;
    list[1] = madt;
    rsdt = sdt_build(tables, l, "RSDT", 4, list, 2);
    acpi_align(tables, 8);
    xsdt = sdt_build(tables, l, "XSDT", 8, list, 2);

    g_byte_array_set_size(rsdp, RSDP_SIZE);
    r = rsdp->data;
    memset(r, 0, RSDP_SIZE);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, ACPI_OEM_ID, 6);
    r[15] = 2; /* revision: ACPI 2.0 and later, XSDT present */
    stl_le_p(r + RSDP_RSDT_ADDRESS, rsdt);
    stl_le_p(r + RSDP_LENGTH, RSDP_SIZE);
    stq_le_p(r + RSDP_XSDT_ADDRESS, xsdt);
    acpi_loader_add_pointer(l, ACPI_RSDP_FILE, RSDP_RSDT_ADDRESS, 4,
                            ACPI_TABLES_FILE);
    acpi_loader_add_pointer(l, ACPI_RSDP_FILE, RSDP_XSDT_ADDRESS, 8,
                            ACPI_TABLES_FILE);

    /* Checksums last, over the linked contents. */
    table_checksum(l, tables, dsdt);
    table_checksum(l, tables, fadt);
    table_checksum(l, tables, madt);
    table_checksum(l, tables, rsdt);
    table_checksum(l, tables, xsdt);
    acpi_loader_add_checksum(l, ACPI_RSDP_FILE, RSDP_CHECKSUM, 0, RSDP_V1_SIZE);
    acpi_loader_add_checksum(l, ACPI_RSDP_FILE, RSDP_EXT_CHECKSUM, 0,
                             RSDP_SIZE);
    return l;
}

/* ---- placement ---------------------------------------------------------- */

bool pc_acpi_build(PCMachineState *pcms, GError **errp)
{
    g_autoptr(GByteArray) tables = g_byte_array_new();
    g_autoptr(GByteArray) rsdp = g_byte_array_new();
    AcpiLoader *l = pc_acpi_tables_build(pcms, tables, rsdp);
    MachineState *ms = pcms->machine;

    if (ms->kernel_filename && !ms->firmware_boot) {
        /* Files in allocation order: the tables, then the RSDP. */
        const uint64_t addr[] = {ACPI_DIRECT_TABLES_ADDR,
                                 ACPI_DIRECT_RSDP_ADDR};
        GPtrArray *linked;

        if (ACPI_DIRECT_TABLES_ADDR + tables->len > ACPI_DIRECT_END) {
            acpi_loader_free(l);
            return error_setg(errp,
                              "ACPI tables too large (%u bytes) for the "
                              "BIOS area",
                              tables->len);
        }
        linked = acpi_loader_link(l, addr);
        for (unsigned i = 0; i < linked->len; i++) {
            GByteArray *blob = linked->pdata[i];

            rom_add_blob(i ? "acpi-rsdp" : "acpi-tables", blob->data, blob->len,
                         addr[i]);
        }
        g_ptr_array_unref(linked);
    } else {
        g_autoptr(GByteArray) commands = acpi_loader_commands(l);

        fw_cfg_add_file(pcms->fw_cfg, ACPI_TABLES_FILE, tables->data,
                        tables->len);
        fw_cfg_add_file(pcms->fw_cfg, ACPI_RSDP_FILE, rsdp->data, rsdp->len);
        fw_cfg_add_file(pcms->fw_cfg, ACPI_LOADER_FILE, commands->data,
                        commands->len);
    }
    acpi_loader_free(l);
    return true;
}
