/*
 * Multiboot v1 loader (the Multiboot Specification 0.6.96): kernels with the
 * a.out kludge load addresses or plain ELF, entered in flat 32-bit protected
 * mode with EAX = 0x2BADB002 and EBX = the multiboot information. -initrd
 * takes a comma-separated list of modules, each "path [arguments]", and
 * ",," stands for a literal comma, as QEMU does.
 */
#include <string.h>

#include "hw/core/loader.h"
#include "hw/i386/pc.h"
#include "util/byteorder.h"
#include "util/error.h"

#define MULTIBOOT_HEADER_MAGIC 0x1badb002
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002
#define MULTIBOOT_SEARCH 8192
#define MULTIBOOT_PAGE_ALIGN 0x00000001
#define MULTIBOOT_MEMORY_INFO 0x00000002
#define MULTIBOOT_VIDEO_MODE 0x00000004
#define MULTIBOOT_AOUT_KLUDGE 0x00010000

#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS (1u << 3)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER (1u << 9)

/* Offsets in struct multiboot_info. */
#define MBI_FLAGS 0
#define MBI_MEM_LOWER 4
#define MBI_MEM_UPPER 8
#define MBI_CMDLINE 16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR 24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR 48
#define MBI_LOADER_NAME 64
#define MBI_SIZE 0x80

/* Layout of the information area at MULTIBOOT_INFO_ADDR. */
#define MB_AREA_SIZE 0x8000
#define MB_MMAP_OFFSET 0x100
#define MB_MODS_OFFSET 0x1000
#define MB_STRINGS_OFFSET 0x2000
#define MB_MAX_MODULES 256

static const uint8_t *multiboot_find_header(const uint8_t *kernel, size_t size)
{
    for (size_t off = 0; off + 12 <= MIN(size, MULTIBOOT_SEARCH); off += 4) {
        const uint8_t *h = kernel + off;

        if (ldl_le_p(h) == MULTIBOOT_HEADER_MAGIC &&
            (uint32_t)(ldl_le_p(h) + ldl_le_p(h + 4) + ldl_le_p(h + 8)) == 0) {
            return h;
        }
    }
    return NULL;
}

bool multiboot_header_present(const uint8_t *kernel, size_t size)
{
    return multiboot_find_header(kernel, size) != NULL;
}

/* Splits the -initrd string into modules at unescaped commas. */
static GPtrArray *multiboot_split_modules(const char *list)
{
    GPtrArray *mods = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = list; *p; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',') {
            g_ptr_array_add(mods, g_string_free(cur, false));
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_ptr_array_add(mods, g_string_free(cur, false));
    return mods;
}

static bool multiboot_load_image(GMappedFile *file, const uint8_t *header,
                                 uint32_t *entry, uint64_t *high, GError **errp)
{
    const uint8_t *kernel = (const uint8_t *)g_mapped_file_get_contents(file);
    size_t size = g_mapped_file_get_length(file);
    uint32_t flags = ldl_le_p(header + 4);

    if (flags & MULTIBOOT_AOUT_KLUDGE) {
        uint32_t header_addr = ldl_le_p(header + 12);
        uint32_t load_addr = ldl_le_p(header + 16);
        uint32_t load_end = ldl_le_p(header + 20);
        uint32_t bss_end = ldl_le_p(header + 24);
        uint64_t header_offset = header - kernel;
        uint64_t file_offset, load_size, mem_size;

        if (header_addr < load_addr ||
            header_addr - load_addr > header_offset) {
            return error_setg(errp, "invalid multiboot load addresses");
        }
        file_offset = header_offset - (header_addr - load_addr);
        load_size =
            load_end ? (uint64_t)load_end - load_addr : size - file_offset;
        if (load_end && load_end < load_addr) {
            return error_setg(errp, "invalid multiboot load_end_addr");
        }
        if (file_offset + load_size > size) {
            return error_setg(errp, "multiboot image is truncated");
        }
        mem_size =
            bss_end > load_addr + load_size ? bss_end - load_addr : load_size;
        rom_add_file_range("multiboot-kernel", file, file_offset, load_size,
                           mem_size - load_size, load_addr);
        *entry = ldl_le_p(header + 28);
        *high = (uint64_t)load_addr + mem_size;
        return true;
    } else {
        ElfImage elf;
        uint64_t low;

        if (!elf_parse(&elf, kernel, size, errp)) {
            error_prefix(errp, "multiboot kernel without a.out kludge");
            return false;
        }
        if (!elf_load_segments(&elf, file, "multiboot-kernel", &low, high,
                               errp)) {
            elf_free(&elf);
            return false;
        }
        /* The entry is virtual; find the segment holding it. */
        *entry = elf.entry;
        for (unsigned i = 0; i < elf.segments->len; i++) {
            ElfSegment *seg = &g_array_index(elf.segments, ElfSegment, i);

            if (elf.entry >= seg->vaddr &&
                elf.entry < seg->vaddr + seg->mem_size) {
                *entry = elf.entry - seg->vaddr + seg->paddr;
            }
        }
        elf_free(&elf);
        return true;
    }
}

bool x86_load_multiboot(PCMachineState *pcms, GMappedFile *file, GError **errp)
{
    MachineState *ms = pcms->machine;
    const uint8_t *header =
        multiboot_find_header((const uint8_t *)g_mapped_file_get_contents(file),
                              g_mapped_file_get_length(file));
    uint32_t flags = ldl_le_p(header + 4);
    uint32_t entry = 0;
    uint64_t high = 0, next;
    uint8_t *mbi;
    uint32_t strings = MB_STRINGS_OFFSET;
    g_autofree char *cmdline = NULL;
    unsigned mod_count = 0;

    /* Bits 0-15 are requirements; refuse the ones a loader must not skip. */
    if (flags & 0x0000fff8) {
        return error_setg(errp,
                          "multiboot kernel requires unknown features "
                          "(flags 0x%08x)",
                          flags);
    }
    if (flags & MULTIBOOT_VIDEO_MODE) {
        return error_setg(errp, "multiboot kernel requires a video mode, "
                                "which pcvm does not provide");
    }
    if (!multiboot_load_image(file, header, &entry, &high, errp)) {
        return false;
    }
    mbi = g_malloc0(MB_AREA_SIZE);

    /* The command line starts with the kernel's name, as GRUB passes it. */
    cmdline =
        g_strdup_printf("%s%s%s", ms->kernel_filename,
                        ms->kernel_cmdline && *ms->kernel_cmdline ? " " : "",
                        ms->kernel_cmdline ? ms->kernel_cmdline : "");
    if (strlen(cmdline) + 1 > BOOT_CMDLINE_MAX) {
        g_free(mbi);
        return error_setg(errp, "kernel command line too long");
    }
    rom_add_blob("multiboot-cmdline", cmdline, strlen(cmdline) + 1,
                 BOOT_CMDLINE_ADDR);

    next = (high + 0xfff) & ~0xfffull;
    if (ms->initrd_filename) {
        g_autoptr(GPtrArray) mods =
            multiboot_split_modules(ms->initrd_filename);

        for (unsigned i = 0; i < mods->len && i < MB_MAX_MODULES; i++) {
            const char *spec = g_ptr_array_index(mods, i);
            g_autofree char *path = g_strdup(spec);
            char *space = strchr(path, ' ');
            GMappedFile *module;
            size_t len, slen = strlen(spec) + 1;
            uint8_t *m = mbi + MB_MODS_OFFSET + i * 16;

            if (space) {
                *space = '\0';
            }
            module = load_file_mapped(path, errp);
            if (!module) {
                g_free(mbi);
                error_prefix(errp, "could not load multiboot module '%s'",
                             path);
                return false;
            }
            len = g_mapped_file_get_length(module);
            if (next + len > pcms->below_4g_mem_size ||
                strings + slen > MB_AREA_SIZE) {
                g_mapped_file_unref(module);
                g_free(mbi);
                return error_setg(errp,
                                  "multiboot module '%s' does not fit "
                                  "in RAM",
                                  path);
            }
            rom_add_file_range("multiboot-module", module, 0, len, 0, next);
            g_mapped_file_unref(module);
            memcpy(mbi + strings, spec, slen);
            stl_le_p(m, next);
            stl_le_p(m + 4, next + len);
            stl_le_p(m + 8, MULTIBOOT_INFO_ADDR + strings);
            strings += slen;
            next = (next + len + 0xfff) & ~0xfffull;
            mod_count++;
        }
    }

    memcpy(mbi + strings, "pcvm", 5);
    stl_le_p(mbi + MBI_LOADER_NAME, MULTIBOOT_INFO_ADDR + strings);
    stl_le_p(mbi + MBI_MEM_LOWER, 640);
    stl_le_p(mbi + MBI_MEM_UPPER, (pcms->below_4g_mem_size - 0x100000) >> 10);
    stl_le_p(mbi + MBI_CMDLINE, BOOT_CMDLINE_ADDR);
    stl_le_p(mbi + MBI_MODS_COUNT, mod_count);
    stl_le_p(mbi + MBI_MODS_ADDR, MULTIBOOT_INFO_ADDR + MB_MODS_OFFSET);
    for (unsigned i = 0; i < pcms->e820->len; i++) {
        E820Entry *e = &g_array_index(pcms->e820, E820Entry, i);
        uint8_t *m = mbi + MB_MMAP_OFFSET + i * 24;

        stl_le_p(m, 20); /* size of the entry after this field */
        stq_le_p(m + 4, e->addr);
        stq_le_p(m + 12, e->size);
        stl_le_p(m + 20, e->type);
    }
    stl_le_p(mbi + MBI_MMAP_LENGTH, pcms->e820->len * 24);
    stl_le_p(mbi + MBI_MMAP_ADDR, MULTIBOOT_INFO_ADDR + MB_MMAP_OFFSET);
    stl_le_p(mbi + MBI_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
                                  MBI_FLAG_MMAP | MBI_FLAG_LOADER);
    rom_add_blob_take("multiboot-info", mbi, MB_AREA_SIZE, MULTIBOOT_INFO_ADDR);
    x86_boot_gdt_add();
    pcms->boot = (X86BootEntry){
        .valid = true,
        .entry = entry,
        .eax = MULTIBOOT_BOOTLOADER_MAGIC,
        .ebx = MULTIBOOT_INFO_ADDR,
    };
    return true;
}
