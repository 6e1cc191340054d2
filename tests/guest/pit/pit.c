/*
 * pit: timer interrupts from the i8254 PIT through either interrupt
 * controller path of a PC:
 *   - "pic" (default): 8259A pair remapped to vectors 0x20-0x2F, IRQ0
 *     unmasked, the BSP's LAPIC LINT0 set to ExtINT (virtual wire mode, so
 *     the PIC reaches the CPU whatever the firmware did), EOI to the PIC;
 *   - "ioapic" on the command line: PIC fully masked, IOAPIC pin 2 (where
 *     PC platforms route ISA IRQ0, per the MADT interrupt source override)
 *     programmed as fixed/edge/vector 0x30 to the BSP, EOI to the LAPIC.
 * PIT channel 0 runs in mode 2 (rate generator) at ~1000 Hz. The guest
 * enables interrupts with STI and spins (bounded) until "ticks=N" (default
 * 100) interrupts arrived, then prints the count and exits with
 * EXIT_PIT_OK iff count >= N. Software interrupts (INT n) are never used.
 *
 * Mode-independent: built as a 64-bit PVH guest ("pit", returns with
 * IRETQ) and as a 32-bit Multiboot guest ("pit32", returns without IRET,
 * see idt32.S).
 */
#include "guest.h"
#include "runtime.h"
#include "io.h"

#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_FREQUENCY 1193182
#define PIT_HZ 1000
/* channel 0, lobyte/hibyte access, mode 2, binary */
#define PIT_MODE_CH0_RATE 0x34

#define PIC_VECTOR_BASE 0x20
#define IOAPIC_VECTOR 0x30
#define IOAPIC_PIT_PIN 2

static volatile uint32_t ticks;

static void pit_irq_pic(struct irq_frame *frame)
{
    (void)frame;
    ticks++;
    outb(PIC1_CMD, PIC_EOI);
}

static void pit_irq_ioapic(struct irq_frame *frame)
{
    (void)frame;
    ticks++;
    lapic_write(LAPIC_EOI, 0);
}

static void pit_start(void)
{
    uint16_t divisor = PIT_FREQUENCY / PIT_HZ;
    outb(PIT_MODE, PIT_MODE_CH0_RATE);
    outb(PIT_CH0, (uint8_t)divisor);
    outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

void guest_main(uint32_t magic, uint32_t info)
{
    const char *cmdline = boot_cmdline;
    uint32_t target = 100;

    (void)magic;
    (void)info;
    int use_ioapic = cmdline_has_word(cmdline, "ioapic");
    if (cmdline_get_uint(cmdline, "ticks", &target) == 0 && target == 0)
        guest_fail(EXIT_FAIL_CMDLINE, "ticks=0");
    const char *path = use_ioapic ? "ioapic" : "pic";

    pic_init(PIC_VECTOR_BASE);
    lapic_enable();
    uint32_t bsp_id = lapic_id();
    if (use_ioapic) {
        uint32_t version = ioapic_read(IOAPIC_REG_VERSION);
        printf("pit: ioapic version 0x%x, %u pins; lapic id %u\n",
               version & 0xff, ((version >> 16) & 0xff) + 1, bsp_id);
        lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED | LAPIC_DM_EXTINT);
        irq_set_handler(IOAPIC_VECTOR, pit_irq_ioapic);
        /* Fixed, physical, active high, edge, unmasked, to the BSP. */
        ioapic_write(IOAPIC_REG_REDIR(IOAPIC_PIT_PIN) + 1, bsp_id << 24);
        ioapic_write(IOAPIC_REG_REDIR(IOAPIC_PIT_PIN), IOAPIC_VECTOR);
    } else {
        printf("pit: 8259 PIC at vector 0x%x, lapic id %u\n", PIC_VECTOR_BASE,
               bsp_id);
        lapic_write(LAPIC_LVT_LINT0, LAPIC_DM_EXTINT);
        irq_set_handler(PIC_VECTOR_BASE + 0, pit_irq_pic);
        outb(PIC1_DATA, 0xFE); /* unmask IRQ0 only */
    }

    pit_start();
    printf("pit: channel 0 mode 2 at %u Hz, waiting for %u interrupts via %s\n",
           PIT_HZ, target, path);
    uint64_t tsc_start = rdtsc();
    irq_enable();
    spin_wait_ge(&ticks, target, 10);
    irq_disable();
    uint64_t tsc_cycles = rdtsc() - tsc_start;
    uint32_t count = ticks;

    /* Stop the interrupt source before printing (and exiting). */
    if (use_ioapic)
        ioapic_write(IOAPIC_REG_REDIR(IOAPIC_PIT_PIN), IOAPIC_REDIR_MASKED);
    else
        outb(PIC1_DATA, 0xFF);

    printf("pit: %u timer interrupts via %s (%llu TSC cycles)\n", count, path,
           (unsigned long long)tsc_cycles);
    if (count < target)
        guest_fail(EXIT_FAIL_COUNT, "expected at least %u timer interrupts",
                   target);
    printf("pit: ok\n");
    guest_exit(EXIT_PIT_OK);
}
