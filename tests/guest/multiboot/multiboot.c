/*
 * multiboot: checks the Multiboot v1 entry state and boot information.
 * Entered by entry-multiboot.S with the magic from EAX and the info
 * pointer from EBX. Prints mem_lower/mem_upper, every memory map entry,
 * the boot loader name if given and the command line, then exits with
 * EXIT_MULTIBOOT_OK if
 *   - EAX held 0x2BADB002,
 *   - memory info (flag 0) and a memory map (flag 6) are present, the map
 *     walk ends exactly at mmap_addr + mmap_length, and the kernel image
 *     itself lies inside one available (type 1) range,
 *   - a non-empty command line (flag 2) is present.
 * What the command line says is for the runner to check.
 */
#include "guest.h"
#include "runtime.h"
#include "multiboot.h"

extern char __image_start[], __bss_end[];

void guest_main(uint32_t magic, uint32_t info)
{
    const struct multiboot_info *mbi = (const void *)info;

    printf("multiboot: entered with eax=0x%08x ebx=0x%08x\n", magic, info);
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        guest_fail(EXIT_FAIL_MAGIC, "eax is 0x%08x, expected 0x%08x", magic,
                   MULTIBOOT_BOOTLOADER_MAGIC);
    printf("multiboot: flags=0x%08x\n", mbi->flags);

    if (!(mbi->flags & MULTIBOOT_INFO_MEMORY))
        guest_fail(EXIT_FAIL_BOOTINFO, "no mem_lower/mem_upper (flag 0)");
    printf("multiboot: mem_lower=%u KiB mem_upper=%u KiB\n", mbi->mem_lower,
           mbi->mem_upper);
    if (mbi->mem_lower == 0 || mbi->mem_lower > 640 || mbi->mem_upper == 0)
        guest_fail(EXIT_FAIL_BOOTINFO, "implausible mem_lower/mem_upper");

    if (!(mbi->flags & MULTIBOOT_INFO_MEM_MAP))
        guest_fail(EXIT_FAIL_BOOTINFO, "no memory map (flag 6)");
    printf("multiboot: mmap_addr=0x%08x mmap_length=%u\n", mbi->mmap_addr,
           mbi->mmap_length);
    uint32_t kernel_start = (uint32_t)__image_start;
    uint32_t kernel_end = (uint32_t)__bss_end;
    uint32_t entries = 0, kernel_covered = 0;
    uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
    while (p < end) {
        const struct multiboot_mmap_entry *e = (const void *)p;
        printf("multiboot: mmap base=0x%016llx length=0x%016llx type=%u\n",
               (unsigned long long)e->base_addr, (unsigned long long)e->length,
               e->type);
        if (e->type == MULTIBOOT_MEMORY_AVAILABLE &&
            e->base_addr <= kernel_start &&
            e->base_addr + e->length >= kernel_end)
            kernel_covered = 1;
        entries++;
        if (e->size < 20 || entries > 128)
            guest_fail(EXIT_FAIL_BOOTINFO, "bad mmap entry size %u", e->size);
        p += e->size + 4;
    }
    if (entries == 0 || p != end)
        guest_fail(EXIT_FAIL_BOOTINFO,
                   "memory map has %u entries, walk ended at 0x%08x not 0x%08x",
                   entries, p, end);
    if (!kernel_covered)
        guest_fail(EXIT_FAIL_BOOTINFO,
                   "kernel 0x%08x-0x%08x not inside an available range",
                   kernel_start, kernel_end);

    if (mbi->flags & MULTIBOOT_INFO_BOOT_LOADER_NAME)
        printf("multiboot: boot_loader_name='%s'\n",
               (const char *)mbi->boot_loader_name);

    if (!(mbi->flags & MULTIBOOT_INFO_CMDLINE))
        guest_fail(EXIT_FAIL_CMDLINE, "no command line (flag 2)");
    const char *cmdline = (const char *)mbi->cmdline;
    printf("multiboot: cmdline='%s'\n", cmdline);
    if (!cmdline[0])
        guest_fail(EXIT_FAIL_CMDLINE, "empty command line");

    printf("multiboot: all checks passed\n");
    guest_exit(EXIT_MULTIBOOT_OK);
}
