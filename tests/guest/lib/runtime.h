/*
 * Services of the protected-mode runtimes shared by the C guests:
 *   - 32-bit: entry-multiboot.S + idt32.S + start32.c (Multiboot v1 entry,
 *     flat GDT, paging off);
 *   - 64-bit: entry-pvh.S + idt64.S + start64.c (PVH entry, switch to long
 *     mode with the low 4 GiB identity-mapped).
 * Both install an IDT whose 256 vectors all reach irq_dispatch(), set
 * boot_cmdline and then call guest_main(). platform.c holds the
 * mode-independent LAPIC/8259/IOAPIC helpers.
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdint.h>

#ifdef __x86_64__
/* Layout pushed by idt64.S: GPRs, then vector/error, then the CPU frame. */
struct irq_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t ip, cs, flags, rsp, ss;
};
#else
/* Layout pushed by idt32.S: pusha order, then vector/error, CPU frame. */
struct irq_frame {
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
    uint32_t vector, error_code;
    uint32_t ip, cs, flags;
};
#endif

typedef void (*irq_handler_fn)(struct irq_frame *frame);

/*
 * Implemented by each guest; called with a stack, the IDT loaded and
 * interrupts disabled. Multiboot: magic = EAX at entry, info = EBX.
 * PVH: magic = 0 (the magic is in start_info), info = start_info address.
 */
void guest_main(uint32_t magic, uint32_t info);

/* The boot command line if the loader gave one (and the magic was right), else
 * "". */
extern const char *boot_cmdline;

void idt_load(void);
void irq_set_handler(uint8_t vector, irq_handler_fn fn);
/* Handler that ignores the interrupt without EOI (spurious vectors). */
void irq_ignore(struct irq_frame *frame);

/* Local APIC (xAPIC MMIO), Intel SDM vol. 3 ch. 10. */
#define LAPIC_BASE 0xFEE00000u
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_DM_FIXED (0u << 8)
#define LAPIC_DM_NMI (4u << 8)
#define LAPIC_DM_INIT (5u << 8)
#define LAPIC_DM_STARTUP (6u << 8)
#define LAPIC_DM_EXTINT (7u << 8)
#define LAPIC_ICR_DELIVERY_PENDING (1u << 12)
#define LAPIC_ICR_LEVEL_ASSERT (1u << 14)
#define LAPIC_ICR_ALL_EXCLUDING_SELF (3u << 18)
#define LAPIC_SPURIOUS_VECTOR 0xFF

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);
uint32_t lapic_id(void);
/* Software-enables the LAPIC with spurious vector 0xFF (ignored). */
void lapic_enable(void);

/* 8259A PIC pair. */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20
/* Initialises both PICs with vectors base..base+15, all lines masked. */
void pic_init(uint8_t base);

/* I/O APIC, 82093AA datasheet. */
#define IOAPIC_BASE 0xFEC00000u
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_REDIR(pin) (0x10 + 2 * (pin))
#define IOAPIC_REDIR_MASKED (1u << 16)

uint32_t ioapic_read(uint32_t reg);
void ioapic_write(uint32_t reg, uint32_t val);

/*
 * Spins until *p >= target or roughly `seconds` have passed (bounded by
 * the TSC, assuming at most 5 GHz, and by an iteration cap). Returns the
 * last value read.
 */
uint32_t spin_wait_ge(volatile uint32_t *p, uint32_t target, uint32_t seconds);

#endif
