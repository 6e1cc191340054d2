/*
 * The PC board: memory map, e820, direct-boot loaders and their shared
 * layout of low memory.
 */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include "hw/core/machine.h"
#include "hw/isa/isa.h"
#include "hw/pci/pci.h"

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_MAX_BOOT_PARAMS 128

typedef struct __attribute__((packed)) E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

/*
 * Low memory used by direct boot (no firmware runs, so nothing else is
 * there): a GDT with Linux's __BOOT_CS/__BOOT_DS, the PVH start info, the
 * Linux zero page, the multiboot information, the command line, and the
 * ACPI and MP tables in the BIOS area that kernels scan.
 */
#define BOOT_GDT_ADDR 0x500
#define BOOT_CODE_SELECTOR 0x10
#define BOOT_DATA_SELECTOR 0x18
#define PVH_START_INFO_ADDR 0x6000
#define BOOT_PARAMS_ADDR 0x7000
#define MULTIBOOT_INFO_ADDR 0x9000
#define BOOT_CMDLINE_ADDR 0x20000
#define BOOT_CMDLINE_MAX 0x10000
#define ACPI_DIRECT_ADDR 0xe0000 /* RSDP and tables, up to the MP table */
#define ACPI_DIRECT_SIZE 0x10000
#define MPTABLE_ADDR 0xf0000
#define KERNEL_LOAD_ADDR 0x100000

/* How the BSP enters a directly loaded kernel: flat 32-bit protected mode. */
typedef struct X86BootEntry {
    bool valid;
    uint32_t entry;
    uint32_t eax, ebx, esi;
} X86BootEntry;

typedef struct PCMachineState {
    MachineState *machine;
    MemoryRegion ram;
    MemoryRegion ram_below_4g, ram_above_4g;
    MemoryRegion bios, isa_bios;
    MemoryRegion pci_memory; /* the PCI memory space, below RAM */
    uint64_t below_4g_mem_size, above_4g_mem_size;
    GArray *e820; /* E820Entry, sorted */
    X86BootEntry boot;
    ISABus *isa;
    PCIBus *pci_bus;
    PCIDevice *i440fx, *piix3, *pm, *ide;
    DeviceState *rtc;    /* mc146818rtc, holds the CMOS */
    unsigned resets;     /* system resets seen, for -boot once= */
    bool boot_once_done; /* -boot once= has given way to order= */
    struct FWCfgState *fw_cfg;
} PCMachineState;

/*
 * -drive if=pflash given: the firmware is the flash (pc-sysfw.c), mapped
 * in place of -bios, and -kernel is booted by that firmware.
 */
bool pc_system_flash_present(void);
bool pc_system_flash_init(PCMachineState *pcms, GError **errp);

void e820_add_entry(PCMachineState *pcms, uint64_t addr, uint64_t size,
                    uint32_t type);

/* Each returns false with an error (no "-kernel" prefix) if it can't boot. */
bool x86_load_linux(PCMachineState *pcms, GMappedFile *kernel, GError **errp);
bool x86_load_pvh(PCMachineState *pcms, GMappedFile *kernel, GError **errp);
bool x86_load_multiboot(PCMachineState *pcms, GMappedFile *kernel,
                        GError **errp);
/* True if the image is an ELF file with a Xen PVH entry note. */
bool elf_has_pvh_note(const uint8_t *kernel, size_t size);
/* True if the image carries a multiboot v1 header. */
bool multiboot_header_present(const uint8_t *kernel, size_t size);
/* Loads the initrd high in low memory (below max_addr) as a blob. */
bool x86_load_initrd(PCMachineState *pcms, uint64_t max_addr, uint64_t *addr,
                     uint64_t *size, GError **errp);
/* Writes the GDT the boot entry selectors refer to. */
void x86_boot_gdt_add(void);

/*
 * Where SeaBIOS puts the PIIX4's PM and SMBus I/O blocks (its
 * PORT_ACPI_PM_BASE and PORT_SMB_BASE); the board does the same for a
 * kernel entered directly, and the ACPI tables describe that block.
 */
#define PC_ACPI_PM_BASE 0x600
#define PC_SMB_BASE 0x700

/*
 * PCI interrupts as firmware leaves them (SeaBIOS on QEMU's pc): the PIIX3
 * routes PIRQA-D to ISA IRQs 10, 10, 11, 11, and the INTx pin (0 = INTA) of
 * a function in slot reaches PIRQ (slot + pin - 1) mod 4. Slot 1 INTA, the
 * PIIX4 power management function, is its SCI on IRQ 9 instead.
 */
#define PC_SCI_IRQ 9
extern const uint8_t pc_pirq_irqs[4];
int pc_pci_intx_irq(int slot, int pin);

void mptable_build(PCMachineState *pcms);
/*
 * Builds the ACPI tables (acpi-build.c) and puts them where this boot path
 * finds them: fw_cfg's linker/loader files for firmware, guest memory at
 * ACPI_DIRECT_ADDR when no firmware runs.
 */
bool pc_acpi_build(PCMachineState *pcms, GError **errp);

/* Fills the CMOS bytes the BIOS reads (memory, CPUs, equipment, boot). */
void pc_cmos_init(PCMachineState *pcms, DeviceState *rtc);
/* The hard-disk bytes, once the -devices (ide-hd on ide.0/ide.1) exist. */
void pc_cmos_init_disks(PCMachineState *pcms);
/* At each system reset: switches from -boot once= to order= after the first. */
void pc_cmos_reset(PCMachineState *pcms);
/* fw_cfg for the firmware (pc-fw-cfg.c): the board's items, -kernel. */
bool pc_fw_cfg_init(PCMachineState *pcms, GError **errp);
bool pc_fw_cfg_load_kernel(PCMachineState *pcms, GError **errp);
void pc_fw_cfg_bootorder_add(PCMachineState *pcms);
/* genroms/kvmvapic.bin, as QEMU's pc gives its firmware (if installed). */
void pc_fw_cfg_vapic_rom_add(PCMachineState *pcms);

#endif
