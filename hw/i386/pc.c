/*
 * The "pc" machine: RAM below the PCI hole and above 4 GiB, firmware or a
 * directly booted kernel, the vCPUs, the i440FX host bridge with the PIIX3
 * ISA bridge at 01.0, and the legacy ISA devices (COM ports, debug ports,
 * reset sources).
 */
#include <string.h>
#include <unistd.h>

#include "hw/core/loader.h"
#include "hw/i386/pc.h"
#include "hw/acpi/piix4.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/ide/piix.h"
#include "hw/isa/piix3.h"
#include "hw/pci-host/i440fx.h"
#include "qom/object.h"
#include "target/i386/cpu.h"
#include "util/error.h"

#define PC_MAX_CPUS 255
/* Where the PCI hole starts when RAM would not fit below it (i440FX). */
#define PC_LOWMEM_LIMIT 0xe0000000ull
#define PC_LOWMEM_SPLIT 0xc0000000ull
#define BIOS_MAX_SIZE (16ull << 20)
#define ISA_BIOS_MAX_SIZE (128 << 10)

/* ---- e820 ------------------------------------------------------------- */

static gint e820_order(gconstpointer a, gconstpointer b)
{
    const E820Entry *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void e820_add_entry(PCMachineState *pcms, uint64_t addr, uint64_t size,
                    uint32_t type)
{
    E820Entry e = {.addr = addr, .size = size, .type = type};

    g_array_append_val(pcms->e820, e);
    g_array_sort(pcms->e820, e820_order);
}

static void pc_e820_init(PCMachineState *pcms)
{
    pcms->e820 = g_array_new(false, false, sizeof(E820Entry));
    /* Conventional memory; its last KiB stands in for an EBDA. */
    e820_add_entry(pcms, 0, 0x9fc00, E820_RAM);
    e820_add_entry(pcms, 0x9fc00, 0x400, E820_RESERVED);
    e820_add_entry(pcms, 0xf0000, 0x10000, E820_RESERVED);
    e820_add_entry(pcms, 0x100000, pcms->below_4g_mem_size - 0x100000,
                   E820_RAM);
    /* KVM's identity-map page and TSS for VMX real mode. */
    e820_add_entry(pcms, 0xfeffc000, 0x4000, E820_RESERVED);
    if (pcms->above_4g_mem_size) {
        e820_add_entry(pcms, 1ull << 32, pcms->above_4g_mem_size, E820_RAM);
    }
}

/* ---- memory ----------------------------------------------------------- */

static void pc_memory_init(PCMachineState *pcms)
{
    MachineState *ms = pcms->machine;

    if (ms->ram_size >= PC_LOWMEM_LIMIT) {
        pcms->below_4g_mem_size = PC_LOWMEM_SPLIT;
    } else {
        pcms->below_4g_mem_size = ms->ram_size;
    }
    pcms->above_4g_mem_size = ms->ram_size - pcms->below_4g_mem_size;

    /* PCI space sits below everything: RAM hides BARs placed over it. */
    memory_region_init_container(&pcms->pci_memory, "pci", UINT64_MAX);
    memory_region_add_subregion_overlap(ms->system_memory, 0, &pcms->pci_memory,
                                        -1);
    if (ms->ram_ptr) {
        memory_region_init_ram_ptr(&pcms->ram, "pc.ram", ms->ram_size,
                                   ms->ram_ptr);
    } else {
        memory_region_init_ram(&pcms->ram, "pc.ram", ms->ram_size);
    }
    memory_region_init_alias(&pcms->ram_below_4g, "ram-below-4g", &pcms->ram, 0,
                             pcms->below_4g_mem_size);
    memory_region_add_subregion(ms->system_memory, 0, &pcms->ram_below_4g);
    if (pcms->above_4g_mem_size) {
        memory_region_init_alias(&pcms->ram_above_4g, "ram-above-4g",
                                 &pcms->ram, pcms->below_4g_mem_size,
                                 pcms->above_4g_mem_size);
        memory_region_add_subregion(ms->system_memory, 1ull << 32,
                                    &pcms->ram_above_4g);
    }
}

/*
 * The BIOS sits below 4 GiB; its last 128 KiB also appear below 1 MiB, in
 * PCI space, where the i440FX's PAM registers decide if they show.
 */
static bool pc_firmware_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->machine;
    uint8_t *data;
    size_t size, isa_size;

    if (!load_file(ms->firmware, BIOS_MAX_SIZE, &data, &size, errp)) {
        error_prefix(errp, "could not load PC BIOS '%s'", ms->firmware);
        return false;
    }
    if (size == 0 || size > BIOS_MAX_SIZE || size % 65536) {
        g_free(data);
        return error_setg(errp,
                          "PC BIOS '%s' has a size (%zu bytes) that is "
                          "not a multiple of 64 KiB up to 16 MiB",
                          ms->firmware, size);
    }
    memory_region_init_rom(&pcms->bios, "pc.bios", size);
    memcpy(memory_region_get_ram_ptr(&pcms->bios), data, size);
    g_free(data);
    memory_region_add_subregion(&pcms->pci_memory, (1ull << 32) - size,
                                &pcms->bios);
    isa_size = MIN(size, ISA_BIOS_MAX_SIZE);
    memory_region_init_alias(&pcms->isa_bios, "isa-bios", &pcms->bios,
                             size - isa_size, isa_size);
    memory_region_add_subregion_overlap(&pcms->pci_memory, 0x100000 - isa_size,
                                        &pcms->isa_bios, 1);
    return true;
}

static bool pc_kernel_load(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->machine;
    g_autoptr(GMappedFile) file = load_file_mapped(ms->kernel_filename, errp);
    const uint8_t *kernel;
    size_t size;

    if (!file) {
        return false;
    }
    kernel = (const uint8_t *)g_mapped_file_get_contents(file);
    size = g_mapped_file_get_length(file);
    /* The same order QEMU tries: Linux header, PVH note, multiboot. */
    if (size > 0x206 && !memcmp(kernel + 0x202, "HdrS", 4)) {
        return x86_load_linux(pcms, file, errp);
    } else if (elf_has_pvh_note(kernel, size)) {
        return x86_load_pvh(pcms, file, errp);
    } else if (multiboot_header_present(kernel, size)) {
        return x86_load_multiboot(pcms, file, errp);
    }
    return error_setg(errp, "not a Linux bzImage, PVH ELF or multiboot kernel");
}

/* ---- interrupt controllers (without an in-kernel irqchip) ------------- */

/*
 * Where each GSI goes: the 8259 input of the same number (ISA IRQs 0-15)
 * and the IOAPIC pin of the same number, except ISA IRQ0 (the PIT), which
 * the IOAPIC sees on pin 2 as the MP table and QEMU's pc say. The lines are
 * the controllers' own GPIO inputs, so qtest interception sees every GSI.
 */
typedef struct PCGSIRouter {
    IRQLine *i8259[ISA_NUM_IRQS];
    IRQLine *ioapic[MACHINE_GSI_COUNT];
} PCGSIRouter;

static void pc_gsi_set(void *opaque, int n, int level)
{
    PCGSIRouter *router = opaque;

    if (n < ISA_NUM_IRQS) {
        irq_set_level(router->i8259[n], level);
    }
    irq_set_level(router->ioapic[n], level);
}

/* The GSI lines exist first: the ISA bus hands them out to its devices. */
static PCGSIRouter *pc_gsi_router_new(MachineState *ms)
{
    PCGSIRouter *router = g_new0(PCGSIRouter, 1);

    for (int i = 0; i < MACHINE_GSI_COUNT; i++) {
        ms->gsi[i] = irq_new(pc_gsi_set, router, i);
    }
    return router;
}

/* Master and slave 8259 on the ISA bus, the IOAPIC at /machine/ioapic. */
static bool pc_irqchip_create(PCMachineState *pcms, PCGSIRouter *router,
                              GError **errp)
{
    MachineState *ms = pcms->machine;
    DeviceState *pic, *pic_slave, *ioapic;

    pic = i8259_create_pair(pcms->isa->bus, &pic_slave, errp);
    if (!pic) {
        return false;
    }
    /* The master's INT stays unconnected (no CPU to interrupt yet). */
    ioapic = device_new(TYPE_IOAPIC);
    object_add_child(object_machine_container(), "ioapic", OBJECT(ioapic));
    if (!device_realize(ioapic, ms->main_bus, errp)) {
        return false;
    }
    memory_region_add_subregion(ms->system_memory, IOAPIC_DEFAULT_ADDRESS,
                                ioapic_mmio(ioapic));
    ioapic_set_delivery(ioapic, ms->accel->send_msi);
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        router->i8259[i] =
            i < I8259_NUM_IRQS
                ? device_get_gpio_in(pic, i)
                : device_get_gpio_in(pic_slave, i - I8259_NUM_IRQS);
    }
    for (int i = 0; i < MACHINE_GSI_COUNT; i++) {
        router->ioapic[i] = device_get_gpio_in(ioapic, i == 0 ? 2 : i);
    }
    return true;
}

/* ---- devices ---------------------------------------------------------- */

static DeviceState *pc_isa_device(PCMachineState *pcms, const char *type,
                                  GError **errp)
{
    DeviceState *dev = device_new(type);

    if (!device_realize(dev, pcms->isa->bus, errp)) {
        return NULL;
    }
    return dev;
}

/*
 * The two 8237A DMA controllers, as QEMU's pc has them: channels 0-3 at
 * 0x00 with pages at 0x81-0x87, channels 4-7 at 0xC0 (word ports) with
 * pages at 0x89-0x8F.
 */
static bool pc_dma_init(PCMachineState *pcms, GError **errp)
{
    DeviceState *low = device_new("i8257");
    DeviceState *high = device_new("i8257");

    return device_realize(low, pcms->isa->bus, errp) &&
           device_set_property(high, "base", "0xc0", errp) &&
           device_set_property(high, "page-base", "0x88", errp) &&
           device_set_property(high, "dshift", "1", errp) &&
           device_realize(high, pcms->isa->bus, errp);
}

/* PIIX3 IDE at 01.1 with the -drive if=ide drives, as in QEMU's pc. */
static bool pc_ide_init(PCMachineState *pcms, GError **errp)
{
    pcms->ide = piix3_ide_create(pcms->pci_bus, PCI_DEVFN(1, 1), errp);
    return pcms->ide != NULL;
}

/* The COM ports on the -serial chardevs, then the -debugcon port. */
static bool pc_serial_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->machine;
    DeviceState *dev;

    for (unsigned i = 0; ms->serial_chardevs && i < ms->serial_chardevs->len;
         i++) {
        const char *chardev = g_ptr_array_index(ms->serial_chardevs, i);
        g_autofree char *index = g_strdup_printf("%u", i);

        if (!chardev) {
            continue;
        }
        dev = device_new("isa-serial");
        if (!device_set_property(dev, "index", index, errp) ||
            !device_set_property(dev, "chardev", chardev, errp) ||
            !device_realize(dev, pcms->isa->bus, errp)) {
            error_prefix(errp, "-serial (COM%u)", i + 1);
            return false;
        }
    }
    if (!ms->debugcon_chardev) {
        return true;
    }
    dev = device_new("isa-debugcon");
    if (!device_set_property(dev, "chardev", ms->debugcon_chardev, errp) ||
        !device_realize(dev, pcms->isa->bus, errp)) {
        error_prefix(errp, "-debugcon");
        return false;
    }
    return true;
}

static bool pc_devices_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->machine;
    IRQLine *isa_irqs[ISA_NUM_IRQS];
    PCGSIRouter *router = NULL;

    if (!ms->accel->irqchip_create) {
        router = pc_gsi_router_new(ms);
    }
    for (int i = 0; i < ISA_NUM_IRQS; i++) {
        isa_irqs[i] = ms->gsi[i];
    }
    pcms->pci_bus =
        i440fx_init(ms, &pcms->ram, &pcms->pci_memory, &pcms->i440fx, errp);
    if (!pcms->pci_bus) {
        return false;
    }
    pcms->pci_bus->msi_deliver = ms->accel->send_msi;
    pcms->piix3 = piix3_create(pcms->pci_bus, PCI_DEVFN(1, 0), ms->system_io,
                               &pcms->pci_memory, isa_irqs, &pcms->isa, errp);
    if (!pcms->piix3) {
        return false;
    }
    /* PIIX4 power management at 01.3, its SCI on ISA IRQ 9 (QEMU's pc). */
    pcms->pm = piix4_pm_create(pcms->pci_bus, PCI_DEVFN(1, 3), errp);
    if (!pcms->pm) {
        return false;
    }
    device_connect_gpio_out(DEVICE(pcms->pm), 0, isa_irqs[9]);
    /* The controllers come first: the devices below may raise lines. */
    if (router && !pc_irqchip_create(pcms, router, errp)) {
        return false;
    }
    if (!pc_isa_device(pcms, "port92", errp) ||
        !pc_isa_device(pcms, "reset-control", errp) ||
        !pc_isa_device(pcms, "i8042", errp)) {
        return false;
    }
    if (!pc_dma_init(pcms, errp)) {
        return false;
    }
    pcms->rtc = device_new("mc146818rtc");
    if ((ms->rtc_base &&
         !device_set_property(pcms->rtc, "x-base", ms->rtc_base, errp)) ||
        (ms->rtc_clock &&
         !device_set_property(pcms->rtc, "x-clock", ms->rtc_clock, errp)) ||
        !device_realize(pcms->rtc, pcms->isa->bus, errp)) {
        return false;
    }
    pc_cmos_init(pcms, pcms->rtc);
    return pc_serial_init(pcms, errp) && pc_ide_init(pcms, errp);
}

static bool pc_cpus_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->machine;
    unsigned count = 0;
    g_autofree CPUIDEntry *supported =
        ms->accel->supported_cpuid ? ms->accel->supported_cpuid(&count) : NULL;

    ms->cpus = g_new0(X86CPU *, ms->smp_cpus);
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        X86CPU *cpu = g_new0(X86CPU, 1);

        /* First in /machine/unattached, as in QEMU: device[i] is CPU i. */
        x86_cpu_object_init(cpu, ms->cpu_model);
        object_add_child(object_container_get("/machine/unattached"),
                         "device[*]", OBJECT(cpu));
        cpu->index = i;
        cpu->is_bsp = i == 0;
        cpu->apic_id = x86_apic_id_from_index(&ms->topology, i);
        if (!x86_cpu_build_cpuid(cpu, ms->cpu_model, supported, count,
                                 &ms->topology, ms->smp_cpus, errp)) {
            error_prefix(errp, "-cpu %s", ms->cpu_model);
            return false;
        }
        ms->cpus[i] = cpu;
    }
    return true;
}

static bool pc_init(MachineState *ms, GError **errp)
{
    PCMachineState *pcms = g_new0(PCMachineState, 1);
    const MachineAccelOps *accel = ms->accel;

    pcms->machine = ms;
    ms->board = pcms;
    pc_memory_init(pcms);
    pc_e820_init(pcms);
    /* Without an in-kernel irqchip, pc_devices_init builds them. */
    if ((accel->irqchip_create && !accel->irqchip_create(ms, errp)) ||
        !pc_cpus_init(pcms, errp) || !pc_devices_init(pcms, errp)) {
        return false;
    }
    /* The kernel's PIT as a device, for its properties (QEMU's kvm-pit). */
    if (accel->pit_set_reinject && !pc_isa_device(pcms, "kvm-pit", errp)) {
        return false;
    }
    /* fw_cfg exists with every boot path, as in QEMU. */
    if (!pc_fw_cfg_init(pcms, errp)) {
        return false;
    }
    if (ms->kernel_filename && !ms->firmware_boot &&
        !pc_system_flash_present()) {
        /* Before the loaders copy the map: the ACPI tables' place. */
        e820_add_entry(pcms, ACPI_DIRECT_ADDR, ACPI_DIRECT_SIZE, E820_RESERVED);
        if (!pc_kernel_load(pcms, errp)) {
            error_prefix(errp, "-kernel %s", ms->kernel_filename);
            return false;
        }
        mptable_build(pcms);
    } else if (pc_system_flash_present() ? !pc_system_flash_init(pcms, errp)
                                         : !pc_firmware_init(pcms, errp)) {
        return false;
    } else if (ms->kernel_filename && !pc_fw_cfg_load_kernel(pcms, errp)) {
        error_prefix(errp, "-kernel %s", ms->kernel_filename);
        return false;
    } else {
        pc_fw_cfg_vapic_rom_add(pcms);
    }
    return true;
}

/*
 * After the -devices: what describes the whole machine to the firmware
 * or the kernel (the ACPI tables list -device's ISA devices too, the boot
 * order their bootindex), and the check that no two images overlap.
 */
static bool pc_machine_done(MachineState *ms, GError **errp)
{
    PCMachineState *pcms = ms->board;

    if (!pc_acpi_build(pcms, errp)) {
        return false;
    }
    pc_cmos_init_disks(pcms);
    pc_fw_cfg_bootorder_add(pcms);
    return rom_check_overlaps(errp);
}

const uint8_t pc_pirq_irqs[4] = {10, 10, 11, 11};

int pc_pci_intx_irq(int slot, int pin)
{
    if (slot == 1 && pin == 0) {
        return PC_SCI_IRQ;
    }
    return pc_pirq_irqs[(slot + pin - 1) & 3];
}

/*
 * What firmware leaves programmed in PCI configuration space, for a kernel
 * entered directly: without ACPI tables, Linux finds the PM block through
 * the PIIX4's PMBA (its PCI quirk) and powers off by writing its PM1
 * control register (the piix4-poweroff driver); with PMBA left at zero,
 * "poweroff" only halts the vCPUs and the VMM never ends. The PIRQ router
 * gets SeaBIOS's routes and every function with an INTx pin the IRQ that
 * pin reaches in its Interrupt Line, which is what a kernel without ACPI
 * or MP tables has to go by. The writes take the same path as the guest's
 * own, so the devices update their mappings and lines as usual.
 */
static void pc_direct_boot_pci_setup(PCMachineState *pcms)
{
    PCIBus *bus = pcms->pci_bus;
    int devfn = pcms->pm->devfn;

    pci_bus_config_write(bus, devfn, PIIX4_PMBA,
                         PC_ACPI_PM_BASE | PCI_BASE_ADDRESS_SPACE_IO, 4);
    pci_bus_config_write(bus, devfn, PIIX4_PMREGMISC, 0x01, 1);
    pci_bus_config_write(bus, devfn, PIIX4_SMBBA,
                         PC_SMB_BASE | PCI_BASE_ADDRESS_SPACE_IO, 4);
    pci_bus_config_write(bus, devfn, PIIX4_SMBHSTCFG, 0x09, 1);
    for (int pirq = 0; pirq < PIIX_NUM_PIRQS; pirq++) {
        pci_bus_config_write(bus, pcms->piix3->devfn, PIIX_PIRQRC + pirq,
                             pc_pirq_irqs[pirq], 1);
    }
    /* The PM's INTA stands for its SCI: pc_pci_intx_irq says IRQ 9. */
    for (int fn = 0; fn < 256; fn++) {
        int pin;

        if (!bus->devices[fn]) {
            continue;
        }
        pin = pci_bus_config_read(bus, fn, PCI_INTERRUPT_PIN, 1);
        if (pin >= 1 && pin <= PCI_NUM_PINS) {
            pci_bus_config_write(bus, fn, PCI_INTERRUPT_LINE,
                                 pc_pci_intx_irq(PCI_SLOT(fn), pin - 1), 1);
        }
    }
}

/* vCPUs to their power-on state, or the BSP into the loaded kernel. */
static void pc_reset(MachineState *ms)
{
    PCMachineState *pcms = ms->board;

    /* No firmware will run: leave the chipset as firmware would. */
    if (pcms->boot.valid) {
        i440fx_pam_set_ram(pcms->i440fx);
        pc_direct_boot_pci_setup(pcms);
    }
    rom_reset_all(&address_space_memory);
    pc_cmos_reset(pcms);
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        X86CPU *cpu = ms->cpus[i];

        x86_cpu_reset_state(cpu);
        if (!pcms->boot.valid) {
            continue;
        }
        /* No firmware runs: set up what it would have left behind. */
        cpu->firmware_lapic = true;
        if (cpu->is_bsp) {
            x86_cpu_set_flat_protected_mode(cpu, BOOT_CODE_SELECTOR,
                                            BOOT_DATA_SELECTOR, BOOT_GDT_ADDR,
                                            4 * 8 - 1);
            cpu->env.rip = pcms->boot.entry;
            cpu->env.regs[R_EAX] = pcms->boot.eax;
            cpu->env.regs[R_EBX] = pcms->boot.ebx;
            cpu->env.regs[R_ESI] = pcms->boot.esi;
        }
    }
}

static const MachineClass pc_machine_class = {
    .name = "pc-i440fx-7.2",
    .alias = "pc",
    .description = "Standard PC (i440FX + PIIX, 1996)",
    .max_cpus = PC_MAX_CPUS,
    .is_default = true,
    .default_display = "std", /* QEMU's pc: a standard VGA at 00:02.0 */
    .init = pc_init,
    .done = pc_machine_done,
    .reset = pc_reset,
};

static void __attribute__((constructor)) pc_register(void)
{
    machine_class_register(&pc_machine_class);
}
