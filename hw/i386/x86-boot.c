/*
 * Direct kernel boot without firmware: Linux bzImage through the 32-bit
 * boot protocol (Documentation/arch/x86/boot.rst: "32-bit boot protocol"),
 * and ELF kernels with a Xen PVH entry note (the PVH boot ABI: 32-bit flat
 * protected mode, paging off, EBX = struct hvm_start_info).
 */
#include <string.h>

#include "hw/core/loader.h"
#include "hw/i386/bootparam.h"
#include "hw/i386/pc.h"
#include "util/byteorder.h"
#include "util/error.h"

/* boot_params fields past the setup header (zero-page.rst). */
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BOOT_PARAMS_SIZE 4096

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578

void x86_boot_gdt_add(void)
{
    /* null, unused, flat 4 GiB code (0x10), flat 4 GiB data (0x18). */
    static const uint64_t gdt[] = {
        0,
        0,
        0x00cf9b000000ffffull,
        0x00cf93000000ffffull,
    };

    rom_add_blob("boot-gdt", gdt, sizeof(gdt), BOOT_GDT_ADDR);
}

static bool cmdline_add(PCMachineState *pcms, const char *cmdline,
                        uint32_t max_len, GError **errp)
{
    size_t len = strlen(cmdline) + 1;

    if (len > max_len) {
        return error_setg(errp, "kernel command line too long (%zu > %u bytes)",
                          len - 1, max_len - 1);
    }
    rom_add_blob("cmdline", cmdline, len, BOOT_CMDLINE_ADDR);
    return true;
}

bool x86_load_initrd(PCMachineState *pcms, uint64_t max_addr, uint64_t *addr,
                     uint64_t *size, GError **errp)
{
    const char *path = pcms->machine->initrd_filename;
    GMappedFile *file = load_file_mapped(path, errp);
    uint64_t top = MIN(max_addr + 1, pcms->below_4g_mem_size);
    size_t len;

    if (!file) {
        error_prefix(errp, "could not load initrd '%s'", path);
        return false;
    }
    len = g_mapped_file_get_length(file);
    if (len > top - KERNEL_LOAD_ADDR) {
        g_mapped_file_unref(file);
        return error_setg(errp,
                          "initrd '%s' is too large (%zu bytes) for "
                          "%" PRIu64 " MiB of low memory",
                          path, len, pcms->below_4g_mem_size >> 20);
    }
    *addr = (top - len) & ~0xfffull;
    *size = len;
    rom_add_file_range("initrd", file, 0, len, 0, *addr);
    g_mapped_file_unref(file);
    return true;
}

static void e820_copy_to_boot_params(PCMachineState *pcms, uint8_t *bp)
{
    unsigned n = MIN(pcms->e820->len, E820_MAX_BOOT_PARAMS);

    bp[BP_E820_ENTRIES] = n;
    memcpy(bp + BP_E820_TABLE, pcms->e820->data, n * sizeof(E820Entry));
}

bool x86_load_linux(PCMachineState *pcms, GMappedFile *file, GError **errp)
{
    MachineState *ms = pcms->machine;
    const uint8_t *kernel = (const uint8_t *)g_mapped_file_get_contents(file);
    size_t size = g_mapped_file_get_length(file);
    uint16_t version = lduw_le_p(kernel + HDR_VERSION);
    unsigned setup_sects =
        kernel[HDR_SETUP_SECTS] ? kernel[HDR_SETUP_SECTS] : 4;
    size_t setup_size = (setup_sects + 1) * 512;
    size_t header_end = HDR_JUMP + 2 + kernel[HDR_JUMP + 1];
    uint32_t cmdline_size =
        version >= 0x206 ? ldl_le_p(kernel + HDR_CMDLINE_SIZE) : 255;
    uint8_t *bp;

    if (version < 0x202) {
        return error_setg(errp,
                          "Linux boot protocol %x.%02x is too old "
                          "(2.02 or later needed)",
                          version >> 8, version & 0xff);
    }
    if (!(kernel[HDR_LOADFLAGS] & LOADED_HIGH)) {
        return error_setg(errp,
                          "zImage kernels (loaded low) are not supported");
    }
    if (setup_size >= size) {
        return error_setg(errp, "kernel image is truncated");
    }
    bp = g_malloc0(BOOT_PARAMS_SIZE);
    memcpy(bp + HDR_SETUP_SECTS, kernel + HDR_SETUP_SECTS,
           MIN(header_end, setup_size) - HDR_SETUP_SECTS);
    bp[HDR_TYPE_OF_LOADER] = 0xff; /* undefined boot loader */
    stw_le_p(bp + HDR_VID_MODE, 0xffff);
    stl_le_p(bp + HDR_CMD_LINE_PTR, BOOT_CMDLINE_ADDR);
    if (!cmdline_add(pcms, ms->kernel_cmdline ? ms->kernel_cmdline : "",
                     MIN(cmdline_size + 1, BOOT_CMDLINE_MAX), errp)) {
        g_free(bp);
        return false;
    }
    if (ms->initrd_filename) {
        uint32_t max = version >= 0x203 ? ldl_le_p(kernel + HDR_INITRD_ADDR_MAX)
                                        : 0x37ffffff;
        uint64_t addr, len;

        if (!x86_load_initrd(pcms, max, &addr, &len, errp)) {
            g_free(bp);
            return false;
        }
        stl_le_p(bp + HDR_RAMDISK_IMAGE, addr);
        stl_le_p(bp + HDR_RAMDISK_SIZE, len);
    }
    e820_copy_to_boot_params(pcms, bp);
    rom_add_blob_take("linux-boot-params", bp, BOOT_PARAMS_SIZE,
                      BOOT_PARAMS_ADDR);
    rom_add_file_range("linux-kernel", file, setup_size, size - setup_size, 0,
                       KERNEL_LOAD_ADDR);
    x86_boot_gdt_add();
    pcms->boot = (X86BootEntry){
        .valid = true,
        .entry = KERNEL_LOAD_ADDR,
        .esi = BOOT_PARAMS_ADDR,
    };
    return true;
}

bool elf_has_pvh_note(const uint8_t *kernel, size_t size)
{
    ElfImage elf;
    uint32_t note_size;
    bool found;

    if (!elf_parse(&elf, kernel, size, NULL)) {
        return false;
    }
    found = elf_find_note(&elf, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &note_size);
    elf_free(&elf);
    return found;
}

/* struct hvm_start_info, hvm_modlist_entry, hvm_memmap_table_entry. */
#define START_INFO_SIZE 56
#define MODLIST_OFFSET 0x100
#define MEMMAP_OFFSET 0x200
#define MEMMAP_ENTRY_SIZE 24

bool x86_load_pvh(PCMachineState *pcms, GMappedFile *file, GError **errp)
{
    MachineState *ms = pcms->machine;
    const uint8_t *kernel = (const uint8_t *)g_mapped_file_get_contents(file);
    size_t size = g_mapped_file_get_length(file);
    ElfImage elf;
    const uint8_t *note;
    uint32_t note_size, entry;
    uint64_t low, high;
    unsigned n_memmap =
        MIN(pcms->e820->len, (0x1000 - MEMMAP_OFFSET) / MEMMAP_ENTRY_SIZE);
    uint8_t *info;

    if (!elf_parse(&elf, kernel, size, errp)) {
        return false;
    }
    note = elf_find_note(&elf, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &note_size);
    if (!note || (note_size != 4 && note_size != 8)) {
        elf_free(&elf);
        return error_setg(errp, "ELF kernel has no PVH entry note");
    }
    entry = ldl_le_p(note);
    if (!elf_load_segments(&elf, file, "pvh-kernel", &low, &high, errp)) {
        elf_free(&elf);
        return false;
    }
    elf_free(&elf);
    if (low < KERNEL_LOAD_ADDR || high > pcms->below_4g_mem_size) {
        return error_setg(errp,
                          "kernel (0x%" PRIx64 "-0x%" PRIx64 ") does not "
                          "fit in RAM between 1 MiB and 0x%" PRIx64,
                          low, high, pcms->below_4g_mem_size);
    }

    info = g_malloc0(0x1000);
    stl_le_p(info + 0, HVM_START_MAGIC);
    stl_le_p(info + 4, 1); /* version 1: with the memory map */
    stq_le_p(info + 16, 0);
    if (!cmdline_add(pcms, ms->kernel_cmdline ? ms->kernel_cmdline : "",
                     BOOT_CMDLINE_MAX, errp)) {
        g_free(info);
        return false;
    }
    stq_le_p(info + 24, BOOT_CMDLINE_ADDR);
    if (ms->initrd_filename) {
        uint64_t addr, len;

        if (!x86_load_initrd(pcms, UINT32_MAX, &addr, &len, errp)) {
            g_free(info);
            return false;
        }
        if (addr < high) {
            g_free(info);
            return error_setg(errp, "initrd does not fit above the kernel");
        }
        stl_le_p(info + 12, 1);
        stq_le_p(info + 16, PVH_START_INFO_ADDR + MODLIST_OFFSET);
        stq_le_p(info + MODLIST_OFFSET, addr);
        stq_le_p(info + MODLIST_OFFSET + 8, len);
    }
    for (unsigned i = 0; i < n_memmap; i++) {
        E820Entry *e = &g_array_index(pcms->e820, E820Entry, i);
        uint8_t *m = info + MEMMAP_OFFSET + i * MEMMAP_ENTRY_SIZE;

        stq_le_p(m, e->addr);
        stq_le_p(m + 8, e->size);
        stl_le_p(m + 16, e->type);
    }
    stq_le_p(info + 40, PVH_START_INFO_ADDR + MEMMAP_OFFSET);
    stl_le_p(info + 48, n_memmap);
    rom_add_blob_take("pvh-start-info", info, 0x1000, PVH_START_INFO_ADDR);
    x86_boot_gdt_add();
    pcms->boot = (X86BootEntry){
        .valid = true,
        .entry = entry,
        .ebx = PVH_START_INFO_ADDR,
    };
    return true;
}
