/*
 * Mode-independent helpers of the runtimes: interrupt handler table and
 * dispatch, LAPIC, 8259A and IOAPIC register access, bounded waits.
 * Unexpected exceptions and vectors print what happened and exit with a
 * failure status instead of triple-faulting silently.
 */
#include "guest.h"
#include "io.h"
#include "runtime.h"

const char *boot_cmdline = "";

static irq_handler_fn irq_handlers[256];

void irq_set_handler(uint8_t vector, irq_handler_fn fn)
{
    irq_handlers[vector] = fn;
}

void irq_ignore(struct irq_frame *frame)
{
    (void)frame;
}

void irq_dispatch(struct irq_frame *frame)
{
    irq_handler_fn fn = irq_handlers[frame->vector & 0xff];

    if (fn) {
        fn(frame);
        return;
    }
    if (frame->vector < 32)
        guest_fail(EXIT_FAIL_EXCEPTION,
                   "exception %u, error code 0x%lx, at %04lx:%lx",
                   (unsigned)frame->vector, (unsigned long)frame->error_code,
                   (unsigned long)frame->cs, (unsigned long)frame->ip);
    guest_fail(EXIT_FAIL_UNEXPECTED, "unexpected interrupt vector 0x%x at %lx",
               (unsigned)frame->vector, (unsigned long)frame->ip);
}

uint32_t lapic_read(uint32_t reg)
{
    return mmio_read32(LAPIC_BASE + reg);
}

void lapic_write(uint32_t reg, uint32_t val)
{
    mmio_write32(LAPIC_BASE + reg, val);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_enable(void)
{
    irq_set_handler(LAPIC_SPURIOUS_VECTOR, irq_ignore);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

void pic_init(uint8_t base)
{
    /* Mask everything first so nothing fires with half-set vectors. */
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
    outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 needed */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, base); /* ICW2: vector base */
    outb(PIC2_DATA, base + 8);
    outb(PIC1_DATA, 1u << 2); /* ICW3: slave on master IR2 */
    outb(PIC2_DATA, 2);       /* ICW3: slave id 2 */
    outb(PIC1_DATA, 0x01);    /* ICW4: 8086 mode, normal EOI */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xFF); /* OCW1: all masked */
    outb(PIC2_DATA, 0xFF);
    /* Spurious IRQ7/IRQ15 arrive without an in-service bit: ignore. */
    irq_set_handler(base + 7, irq_ignore);
    irq_set_handler(base + 15, irq_ignore);
}

uint32_t ioapic_read(uint32_t reg)
{
    mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
    return mmio_read32(IOAPIC_BASE + IOAPIC_WINDOW);
}

void ioapic_write(uint32_t reg, uint32_t val)
{
    mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
    mmio_write32(IOAPIC_BASE + IOAPIC_WINDOW, val);
}

uint32_t spin_wait_ge(volatile uint32_t *p, uint32_t target, uint32_t seconds)
{
    uint64_t start = rdtsc();
    uint64_t budget = (uint64_t)seconds * 5000000000ull;
    /*
     * Only for a TSC that does not move: the TSC bound normally ends the
     * wait first (each iteration costs ~2 us under an emulating KVM and a
     * few ns on hardware).
     */
    uint32_t max_iterations = seconds * 20000000u;
    uint32_t v;

    for (uint32_t i = 0; (v = *p) < target; i++) {
        if (i >= max_iterations || rdtsc() - start > budget)
            break;
        cpu_relax();
    }
    return v;
}
