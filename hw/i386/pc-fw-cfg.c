/*
 * What the pc board puts in fw_cfg for SeaBIOS: the items QEMU's pc
 * machine provides (QEMU's docs/specs/fw_cfg.rst for the keys, SeaBIOS's
 * src/fw/paravirt.c and src/boot.c for how they are read), and a Linux
 * kernel for firmware boot: setup, kernel, initrd and command line in the
 * FW_CFG_SETUP_*, KERNEL_*, INITRD_* and CMDLINE_* items, run by QEMU's
 * linuxboot_dma.bin option ROM, which enters the kernel's real-mode setup
 * code (Documentation/arch/x86/boot.rst, "the real-mode kernel header").
 *
 * The ACPI tables and their linker/loader files come from acpi-build.c.
 * Left out: SMBIOS tables, NUMA nodes, an HPET, multiboot and
 * PVH kernels under firmware, device paths in "bootorder".
 */
#include <stdlib.h>
#include <string.h>

#include "hw/core/loader.h"
#include "hw/i386/bootparam.h"
#include "hw/i386/pc.h"
#include "hw/nvram/fw_cfg.h"
#include "target/i386/cpu.h"
#include "util/byteorder.h"
#include "util/error.h"

/* The largest option ROM read from a file (they are a few KiB). */
#define OPTION_ROM_MAX_SIZE (1u << 20)
#define COM1_PORT 0x3f8
/* The legacy FW_CFG_E820_TABLE: le32 count and room for 16 reservations. */
#define E820_LEGACY_ENTRIES 16
/* struct hpet_fw_config: a count and 8 entries of 15 bytes. */
#define HPET_FW_CONFIG_SIZE (1 + 8 * 15)

#define LINUXBOOT_ROM "linuxboot_dma.bin"
#define LINUXBOOT_FILE "genroms/" LINUXBOOT_ROM

/* QEMU's boot loader ID (type 0xB, version 0). */
#define LOADER_TYPE_QEMU 0xb0

/*
 * Where the option ROM puts a "high and recent" (2.02+) kernel: setup at
 * 0x10000, its heap and stack up to the command line at 0x20000, the
 * protected-mode kernel at 1 MiB. The initrd stays below the top of low
 * RAM less the room QEMU keeps for ACPI tables, as QEMU does.
 */
#define LINUX_SETUP_ADDR 0x10000
#define LINUX_CMDLINE_ADDR 0x20000
#define LINUX_KERNEL_ADDR 0x100000
#define ACPI_DATA_SIZE (0x20000 + 0x8000)

static void pc_fw_cfg_e820_add(PCMachineState *pcms, FWCfgState *s)
{
    uint8_t legacy[4 + E820_LEGACY_ENTRIES * sizeof(E820Entry)] = {0};
    uint32_t reserved = 0;

    fw_cfg_add_file(s, "etc/e820", pcms->e820->data,
                    pcms->e820->len * sizeof(E820Entry));
    for (unsigned i = 0; i < pcms->e820->len; i++) {
        E820Entry *e = &g_array_index(pcms->e820, E820Entry, i);

        if (e->type == E820_RESERVED && reserved < E820_LEGACY_ENTRIES) {
            memcpy(legacy + 4 + reserved * sizeof(E820Entry), e, sizeof(*e));
            reserved++;
        }
    }
    stl_le_p(legacy, reserved);
    fw_cfg_add_bytes(s, FW_CFG_E820_TABLE, legacy, sizeof(legacy));
}

static void pc_fw_cfg_boot_options_add(MachineState *ms, FWCfgState *s)
{
    uint8_t le[4];

    fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, ms->boot_menu);
    if (ms->boot_splash_time >= 0) {
        stw_le_p(le, ms->boot_splash_time);
        fw_cfg_add_file(s, "etc/boot-menu-wait", le, 2);
    }
    /* -1 (no retry) when not given, as QEMU always provides it. */
    stl_le_p(le, (uint32_t)ms->boot_reboot_timeout);
    fw_cfg_add_file(s, "etc/boot-fail-wait", le, 4);
}

bool pc_fw_cfg_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->machine;
    unsigned max_cpus = MAX(ms->max_cpus, ms->smp_cpus);
    unsigned apic_id_limit =
        x86_apic_id_from_index(&ms->topology, max_cpus - 1) + 1;
    uint8_t hpet[HPET_FW_CONFIG_SIZE] = {0}; /* no HPET: count 0 */
    uint8_t *numa;
    uint8_t le[2];
    FWCfgState *s;

    s = fw_cfg_init_io_dma(ms->main_bus, ms->system_io, FW_CFG_IO_BASE, errp);
    if (!s) {
        return false;
    }
    pcms->fw_cfg = s;
    fw_cfg_add_bytes(s, FW_CFG_UUID, ms->uuid, sizeof(ms->uuid));
    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, ms->ram_size);
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, ms->no_graphic_display);
    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, ms->smp_cpus);
    fw_cfg_add_i16(s, FW_CFG_MAX_CPUS, apic_id_limit);
    stw_le_p(le, ms->smp_cpus);
    fw_cfg_add_file(s, "etc/boot-cpus", le, 2);
    /* No NUMA nodes: a zero node count, then each CPU's node (0). */
    numa = g_malloc0((1 + apic_id_limit) * 8);
    fw_cfg_add_bytes(s, FW_CFG_NUMA, numa, (1 + apic_id_limit) * 8);
    g_free(numa);
    fw_cfg_add_i16(s, FW_CFG_ACPI_TABLES, 0);
    fw_cfg_add_i32(s, FW_CFG_IRQ0_OVERRIDE, 1);
    fw_cfg_add_bytes(s, FW_CFG_HPET, hpet, sizeof(hpet));
    pc_fw_cfg_e820_add(pcms, s);
    pc_fw_cfg_boot_options_add(ms, s);
    /*
     * pcvm has no display adapter yet, so SeaBIOS's screen output (and its
     * boot menu) can only go to COM1: tell it so even without -nographic.
     */
    stw_le_p(le, COM1_PORT);
    fw_cfg_add_file(s, "etc/sercon-port", le, 2);
    return true;
}

/*
 * QEMU's pc registers its TPR-patching option ROM, kvmvapic.bin (Debian's
 * qemu-system-data), as genroms/kvmvapic.bin whenever firmware runs, and
 * what SeaBIOS does with it shows: running a legacy ROM at "Scan for
 * option roms" flushes its serial console's pending line end (else the
 * banner's "\r\n" waits until the boot attempt), and the ROM's boot
 * connection vector puts the hard-disk entry ahead of the floppy one when
 * no drive claims either. pcvm hands SeaBIOS the same file, so the
 * firmware runs the same ROMs in the same order as under QEMU. pcvm has
 * no vapic device behind the ROM's port 0x7e, so the ROM's patching stays
 * inert (as QEMU's does on CPUs with APIC virtualisation). Without the
 * file, SeaBIOS behaves as under QEMU with -global kvm-apic.vapic=off.
 */
#define VAPIC_ROM "kvmvapic.bin"

void pc_fw_cfg_vapic_rom_add(PCMachineState *pcms)
{
    g_autofree char *path = machine_find_firmware(pcms->machine, VAPIC_ROM);
    uint8_t *rom;
    size_t size;

    if (!path || !load_file(path, OPTION_ROM_MAX_SIZE, &rom, &size, NULL)) {
        return;
    }
    fw_cfg_add_file(pcms->fw_cfg, "genroms/" VAPIC_ROM, rom, size);
    g_free(rom);
}

/*
 * "bootorder": the option ROM booting -kernel first. With -boot strict=on,
 * HALT follows a non-empty list (QEMU adds none to an empty one, which
 * would stop the firmware from booting anything). QEMU always provides the
 * file, empty when there is nothing to say.
 */
void pc_fw_cfg_bootorder_add(PCMachineState *pcms)
{
    MachineState *ms = pcms->machine;
    g_autoptr(GString) order = g_string_new(NULL);
    size_t len;

    if (fw_cfg_get_file(pcms->fw_cfg, LINUXBOOT_FILE, &len)) {
        g_string_append(order, "/rom@" LINUXBOOT_FILE "\n");
    }
    if (ms->boot_strict && order->len) {
        g_string_append(order, "HALT\n");
    }
    /* Entries are separated by newlines; the last one ends in NUL. */
    if (order->len) {
        order->str[order->len - 1] = '\0';
    }
    fw_cfg_add_file(pcms->fw_cfg, "bootorder", order->str, order->len);
}

/* vga=normal|ext|ask|N on the command line sets the header's vid_mode. */
static bool linux_vga_mode(const char *cmdline, uint16_t *mode)
{
    const char *p = cmdline;

    while ((p = strstr(p, "vga="))) {
        if (p == cmdline || p[-1] == ' ') {
            p += 4;
            if (!strncmp(p, "normal", 6)) {
                *mode = 0xffff;
            } else if (!strncmp(p, "ext", 3)) {
                *mode = 0xfffe;
            } else if (!strncmp(p, "ask", 3)) {
                *mode = 0xfffd;
            } else {
                *mode = strtoul(p, NULL, 0);
            }
            return true;
        }
        p += 4;
    }
    return false;
}

static bool linux_initrd_add(PCMachineState *pcms, uint8_t *setup,
                             uint16_t version, GError **errp)
{
    const char *path = pcms->machine->initrd_filename;
    g_autoptr(GMappedFile) file = load_file_mapped(path, errp);
    uint64_t initrd_max =
        version >= 0x203 ? ldl_le_p(setup + HDR_INITRD_ADDR_MAX) : 0x37ffffff;
    uint64_t size, addr;

    if (!file) {
        error_prefix(errp, "could not load initrd '%s'", path);
        return false;
    }
    if (initrd_max >= pcms->below_4g_mem_size - ACPI_DATA_SIZE) {
        initrd_max = pcms->below_4g_mem_size - ACPI_DATA_SIZE - 1;
    }
    size = g_mapped_file_get_length(file);
    if (size >= initrd_max) {
        return error_setg(errp,
                          "initrd '%s' is too large (%" PRIu64
                          " bytes, at most %" PRIu64 ")",
                          path, size, initrd_max);
    }
    addr = (initrd_max - size) & ~0xfffull;
    fw_cfg_add_i32(pcms->fw_cfg, FW_CFG_INITRD_ADDR, addr);
    fw_cfg_add_i32(pcms->fw_cfg, FW_CFG_INITRD_SIZE, size);
    fw_cfg_add_mapped(pcms->fw_cfg, FW_CFG_INITRD_DATA, file, 0, size);
    stl_le_p(setup + HDR_RAMDISK_IMAGE, addr);
    stl_le_p(setup + HDR_RAMDISK_SIZE, size);
    return true;
}

/*
 * -kernel with firmware: the bzImage's setup code (with its header filled
 * in as a boot loader would), the protected-mode part, initrd and command
 * line become fw_cfg items, and linuxboot_dma.bin loads and enters them.
 */
bool pc_fw_cfg_load_kernel(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->machine;
    FWCfgState *s = pcms->fw_cfg;
    g_autoptr(GMappedFile) file = load_file_mapped(ms->kernel_filename, errp);
    const char *cmdline = ms->kernel_cmdline ? ms->kernel_cmdline : "";
    g_autofree char *rom_path = NULL;
    g_autofree uint8_t *rom = NULL;
    g_autofree uint8_t *setup = NULL;
    const uint8_t *kernel;
    size_t size, rom_size, setup_size;
    uint32_t cmdline_max;
    uint16_t version, vga;

    if (!file) {
        return false;
    }
    kernel = (const uint8_t *)g_mapped_file_get_contents(file);
    size = g_mapped_file_get_length(file);
    if (size <= HDR_CMDLINE_SIZE + 4 || memcmp(kernel + HDR_MAGIC, "HdrS", 4)) {
        return error_setg(errp, "firmware boot supports only Linux bzImage "
                                "kernels");
    }
    version = lduw_le_p(kernel + HDR_VERSION);
    if (version < 0x202 || !(kernel[HDR_LOADFLAGS] & LOADED_HIGH)) {
        return error_setg(errp,
                          "Linux boot protocol %x.%02x kernels loaded "
                          "low are not supported",
                          version >> 8, version & 0xff);
    }
    setup_size =
        ((kernel[HDR_SETUP_SECTS] ? kernel[HDR_SETUP_SECTS] : 4) + 1) * 512;
    if (setup_size >= size || setup_size <= HDR_CMDLINE_SIZE + 4) {
        return error_setg(errp, "kernel image is truncated");
    }
    cmdline_max = version >= 0x206 ? ldl_le_p(kernel + HDR_CMDLINE_SIZE) : 255;
    if (strlen(cmdline) > cmdline_max) {
        return error_setg(errp,
                          "kernel command line too long (%zu > %u "
                          "bytes)",
                          strlen(cmdline), cmdline_max);
    }
    rom_path = machine_find_firmware(ms, LINUXBOOT_ROM);
    if (!rom_path) {
        g_autofree char *dirs = g_strjoinv(":", ms->firmware_path);

        return error_setg(errp,
                          "could not find the option ROM %s (search "
                          "path: %s)",
                          LINUXBOOT_ROM, dirs);
    }
    if (!load_file(rom_path, OPTION_ROM_MAX_SIZE, &rom, &rom_size, errp)) {
        return false;
    }

    setup = g_memdup2(kernel, setup_size);
    setup[HDR_TYPE_OF_LOADER] = LOADER_TYPE_QEMU;
    setup[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    stw_le_p(setup + HDR_HEAP_END_PTR,
             LINUX_CMDLINE_ADDR - LINUX_SETUP_ADDR - 0x200);
    stl_le_p(setup + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
    if (linux_vga_mode(cmdline, &vga)) {
        stw_le_p(setup + HDR_VID_MODE, vga);
    }
    if (ms->initrd_filename && !linux_initrd_add(pcms, setup, version, errp)) {
        return false;
    }

    fw_cfg_add_i32(s, FW_CFG_SETUP_ADDR, LINUX_SETUP_ADDR);
    fw_cfg_add_i32(s, FW_CFG_SETUP_SIZE, setup_size);
    fw_cfg_add_bytes(s, FW_CFG_SETUP_DATA, setup, setup_size);
    fw_cfg_add_i32(s, FW_CFG_KERNEL_ADDR, LINUX_KERNEL_ADDR);
    fw_cfg_add_i32(s, FW_CFG_KERNEL_SIZE, size - setup_size);
    fw_cfg_add_mapped(s, FW_CFG_KERNEL_DATA, file, setup_size,
                      size - setup_size);
    fw_cfg_add_i32(s, FW_CFG_CMDLINE_ADDR, LINUX_CMDLINE_ADDR);
    fw_cfg_add_i32(s, FW_CFG_CMDLINE_SIZE, strlen(cmdline) + 1);
    fw_cfg_add_string(s, FW_CFG_CMDLINE_DATA, cmdline);
    fw_cfg_add_file(s, LINUXBOOT_FILE, rom, rom_size);
    return true;
}
