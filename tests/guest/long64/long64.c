/*
 * long64: checks the PVH entry and the switch to long mode done by
 * entry-pvh.S. Proves it runs in 64-bit mode (EFER.LMA set, CS is the L=1
 * selector, and a REX.W rotate of a 64-bit immediate gives the 64-bit
 * result, which compatibility mode would decode as different
 * instructions), then checks and prints the PVH start_info: magic,
 * command line and memory map (if version >= 1 gives one, the kernel
 * image must lie in a RAM entry). Exits with EXIT_LONG64_OK when all
 * checks pass.
 */
#include "guest.h"
#include "io.h"
#include "pvh.h"
#include "runtime.h"

#define MSR_EFER 0xC0000080
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

extern char __image_start[], __bss_end[];

void guest_main(uint32_t magic, uint32_t start_info_pa)
{
    uint64_t cr0, cr4, rotated;
    uint16_t cs;

    (void)magic;
    printf("long64: hello from 64-bit mode\n");

    uint64_t efer = rdmsr(MSR_EFER);
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    printf("long64: efer=0x%llx cr0=0x%llx cr4=0x%llx cs=0x%x\n",
           (unsigned long long)efer, (unsigned long long)cr0,
           (unsigned long long)cr4, cs);
    if (!(efer & EFER_LMA) || !(efer & EFER_LME))
        guest_fail(EXIT_FAIL_MODE, "EFER.LMA/LME not set");
    if (cs != 0x18)
        guest_fail(EXIT_FAIL_MODE, "CS is 0x%x, expected 0x18", cs);
    __asm__ volatile("movabs $0x123456789abcdef0, %0\n\t"
                     "rol $8, %0"
                     : "=r"(rotated));
    if (rotated != 0x3456789abcdef012ull)
        guest_fail(EXIT_FAIL_MODE, "64-bit rotate gave 0x%llx",
                   (unsigned long long)rotated);
    printf("long64: EFER.LMA set, 64-bit operations ok\n");

    const struct hvm_start_info *si = (const void *)(uintptr_t)start_info_pa;
    printf("long64: start_info at 0x%x magic=0x%x version=%u flags=0x%x\n",
           start_info_pa, si->magic, si->version, si->flags);
    if (si->magic != HVM_START_MAGIC_VALUE)
        guest_fail(EXIT_FAIL_MAGIC, "start_info magic is 0x%x, expected 0x%x",
                   si->magic, HVM_START_MAGIC_VALUE);
    if (si->cmdline_paddr)
        printf("long64: cmdline='%s'\n",
               (const char *)(uintptr_t)si->cmdline_paddr);
    else
        printf("long64: no cmdline\n");
    if (si->version >= 1 && si->memmap_entries) {
        const struct hvm_memmap_table_entry *e =
            (const void *)(uintptr_t)si->memmap_paddr;
        uint64_t kernel_start = (uintptr_t)__image_start;
        uint64_t kernel_end = (uintptr_t)__bss_end;
        int kernel_covered = 0;
        for (uint32_t i = 0; i < si->memmap_entries && i < 128; i++) {
            printf("long64: memmap addr=0x%016llx size=0x%016llx type=%u\n",
                   (unsigned long long)e[i].addr, (unsigned long long)e[i].size,
                   e[i].type);
            if (e[i].type == HVM_MEMMAP_TYPE_RAM && e[i].addr <= kernel_start &&
                e[i].addr + e[i].size >= kernel_end)
                kernel_covered = 1;
        }
        if (!kernel_covered)
            guest_fail(EXIT_FAIL_BOOTINFO,
                       "kernel 0x%llx-0x%llx not inside a RAM range",
                       (unsigned long long)kernel_start,
                       (unsigned long long)kernel_end);
    }
    printf("long64: all checks passed\n");
    guest_exit(EXIT_LONG64_OK);
}
