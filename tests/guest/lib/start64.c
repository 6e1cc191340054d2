/*
 * C start of the 64-bit runtime, called by entry-pvh.S in long mode:
 * reports a dirty .bss, builds and loads the IDT (64-bit interrupt gates
 * to the idt64.S stubs), picks up the PVH command line and calls
 * guest_main(0, start_info).
 */
#include "guest.h"
#include "pvh.h"
#include "runtime.h"

#define GDT_CODE64 0x18

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

extern const uint64_t irq_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));

void guest64_start(uint32_t start_info, uint32_t bss_dirty)
{
    if (bss_dirty)
        guest_fail(EXIT_FAIL_BSS, ".bss not zero at entry");
    for (int v = 0; v < 256; v++) {
        uint64_t stub = irq_stub_table[v];
        idt[v].offset_low = (uint16_t)stub;
        idt[v].selector = GDT_CODE64;
        idt[v].ist = 0;
        idt[v].type_attr = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
        idt[v].offset_mid = (uint16_t)(stub >> 16);
        idt[v].offset_high = (uint32_t)(stub >> 32);
        idt[v].reserved = 0;
    }
    idt_load();
    const struct hvm_start_info *si = (const void *)(uintptr_t)start_info;
    if (si->magic == HVM_START_MAGIC_VALUE && si->cmdline_paddr)
        boot_cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
    guest_main(0, start_info);
    guest_fail(EXIT_FAIL_UNEXPECTED, "guest_main returned");
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = {sizeof(idt) - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
