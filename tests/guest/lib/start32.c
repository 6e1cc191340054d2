/*
 * C start of the 32-bit runtime, called by entry-multiboot.S: reports a
 * dirty .bss, builds and loads the IDT (32-bit interrupt gates to the
 * idt32.S stubs), picks up the Multiboot command line and calls
 * guest_main().
 */
#include "guest.h"
#include "multiboot.h"
#include "runtime.h"

#define GDT_CODE32 0x08

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attr;
    uint16_t offset_high;
} __attribute__((packed));

extern const uint32_t irq_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(8)));

void guest32_start(uint32_t magic, uint32_t info, uint32_t bss_dirty)
{
    if (bss_dirty)
        guest_fail(EXIT_FAIL_BSS, ".bss not zero at entry");
    for (int v = 0; v < 256; v++) {
        uint32_t stub = irq_stub_table[v];
        idt[v].offset_low = (uint16_t)stub;
        idt[v].selector = GDT_CODE32;
        idt[v].zero = 0;
        idt[v].type_attr = 0x8E; /* present, DPL 0, 32-bit interrupt gate */
        idt[v].offset_high = (uint16_t)(stub >> 16);
    }
    idt_load();
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC) {
        const struct multiboot_info *mbi = (const void *)info;
        if ((mbi->flags & MULTIBOOT_INFO_CMDLINE) && mbi->cmdline)
            boot_cmdline = (const char *)mbi->cmdline;
    }
    guest_main(magic, info);
    guest_fail(EXIT_FAIL_UNEXPECTED, "guest_main returned");
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
