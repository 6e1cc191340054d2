/*
 * The I/O APIC driven through IOREGSEL/IOWIN and its EOI register the way
 * an OS does, with COM1 (ISA IRQ4, IOAPIC pin 4) as a real interrupt
 * source: enabling the UART's THRE interrupt with an empty THR raises the
 * line, disabling it lowers it.
 */
#include <glib.h>

#include "libqtest.h"

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_IOREGSEL (IOAPIC_BASE + 0x00)
#define IOAPIC_IOWIN (IOAPIC_BASE + 0x10)
#define IOAPIC_EOI (IOAPIC_BASE + 0x40)

#define IOAPIC_IOAPICID 0x00
#define IOAPIC_IOAPICVER 0x01
#define IOAPIC_IOAPICARB 0x02
#define IOAPIC_IOREDTBL(pin) (0x10 + 2 * (pin))
#define IOAPIC_NUM_PINS 24

#define IOREDTBL_DELMOD_LOWEST (1u << 8)
#define IOREDTBL_DESTMOD (1u << 11)
#define IOREDTBL_DELIVS (1u << 12)
#define IOREDTBL_INTPOL (1u << 13)
#define IOREDTBL_REMOTE_IRR (1u << 14)
#define IOREDTBL_TRIGGER_LEVEL (1u << 15)
#define IOREDTBL_MASK (1u << 16)

#define PIC_MASTER 0x20

#define COM1 0x3f8
#define COM1_PIN 4
#define UART_IER 1
#define UART_IIR 2
#define UART_MCR 4
#define UART_IER_ETBEI 0x02
#define UART_MCR_OUT2 0x08

static uint32_t ioapic_read(QTestState *s, uint8_t index)
{
    qtest_writel(s, IOAPIC_IOREGSEL, index);
    return qtest_readl(s, IOAPIC_IOWIN);
}

static void ioapic_write(QTestState *s, uint8_t index, uint32_t value)
{
    qtest_writel(s, IOAPIC_IOREGSEL, index);
    qtest_writel(s, IOAPIC_IOWIN, value);
}

static uint32_t redirection_low(QTestState *s, int pin)
{
    return ioapic_read(s, IOAPIC_IOREDTBL(pin));
}

static void uart_irq_raise(QTestState *s)
{
    qtest_outb(s, COM1 + UART_MCR, UART_MCR_OUT2);
    qtest_outb(s, COM1 + UART_IER, UART_IER_ETBEI);
}

static void uart_irq_lower(QTestState *s)
{
    qtest_outb(s, COM1 + UART_IER, 0);
}

static void test_id_version_arbitration(void)
{
    QTestState *s = qtest_init("");

    /* Version 0x20 with 24 entries (maximum redirection entry 23). */
    g_assert_cmphex(ioapic_read(s, IOAPIC_IOAPICVER), ==, 0x00170020);
    g_assert_cmphex(ioapic_read(s, IOAPIC_IOAPICID), ==, 0);
    ioapic_write(s, IOAPIC_IOAPICID, 0x0a000000);
    g_assert_cmphex(ioapic_read(s, IOAPIC_IOAPICID), ==, 0x0a000000);
    /* The arbitration ID takes the ID's value. */
    g_assert_cmphex(ioapic_read(s, IOAPIC_IOAPICARB), ==, 0x0a000000);
    /* Only bits 27:24 of the ID exist. */
    ioapic_write(s, IOAPIC_IOAPICID, 0xffffffff);
    g_assert_cmphex(ioapic_read(s, IOAPIC_IOAPICID), ==, 0x0f000000);
    /* The version register is read-only. */
    ioapic_write(s, IOAPIC_IOAPICVER, 0);
    g_assert_cmphex(ioapic_read(s, IOAPIC_IOAPICVER), ==, 0x00170020);
    /* IOREGSEL reads back what was selected. */
    qtest_writel(s, IOAPIC_IOREGSEL, IOAPIC_IOREDTBL(5));
    g_assert_cmphex(qtest_readl(s, IOAPIC_IOREGSEL) & 0xff, ==,
                    IOAPIC_IOREDTBL(5));
    qtest_quit(s);
}

static void test_redirection_entries(void)
{
    QTestState *s = qtest_init("");
    uint32_t low;

    /* Power-on: every pin masked. */
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        g_assert_cmphex(redirection_low(s, pin), ==, IOREDTBL_MASK);
        g_assert_cmphex(ioapic_read(s, IOAPIC_IOREDTBL(pin) + 1), ==, 0);
    }
    /* Each entry is its own pair of registers. */
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        low = IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL |
              (pin & 1 ? IOREDTBL_INTPOL : 0) |
              (pin & 2 ? IOREDTBL_DESTMOD | IOREDTBL_DELMOD_LOWEST : 0) |
              (0x30 + pin);
        ioapic_write(s, IOAPIC_IOREDTBL(pin), low);
        ioapic_write(s, IOAPIC_IOREDTBL(pin) + 1, (uint32_t)(0x80 + pin) << 24);
    }
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        low = IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL |
              (pin & 1 ? IOREDTBL_INTPOL : 0) |
              (pin & 2 ? IOREDTBL_DESTMOD | IOREDTBL_DELMOD_LOWEST : 0) |
              (0x30 + pin);
        g_assert_cmphex(redirection_low(s, pin), ==, low);
        g_assert_cmphex(ioapic_read(s, IOAPIC_IOREDTBL(pin) + 1), ==,
                        (uint32_t)(0x80 + pin) << 24);
    }
    /* Delivery status and remote IRR are read-only. */
    ioapic_write(s, IOAPIC_IOREDTBL(7),
                 IOREDTBL_MASK | IOREDTBL_DELIVS | IOREDTBL_REMOTE_IRR |
                     IOREDTBL_TRIGGER_LEVEL | 0x41);
    g_assert_cmphex(redirection_low(s, 7), ==,
                    IOREDTBL_MASK | IOREDTBL_TRIGGER_LEVEL | 0x41);
    qtest_quit(s);
}

static void test_remote_irr(void)
{
    QTestState *s = qtest_init("");
    const uint32_t level = IOREDTBL_TRIGGER_LEVEL | 0x44;

    ioapic_write(s, IOAPIC_IOREDTBL(COM1_PIN) + 1, 0);
    ioapic_write(s, IOAPIC_IOREDTBL(COM1_PIN), level);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==, level);

    /* Delivered on assertion; remote IRR holds until the EOI. */
    uart_irq_raise(s);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==,
                    level | IOREDTBL_REMOTE_IRR);
    uart_irq_lower(s);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==,
                    level | IOREDTBL_REMOTE_IRR);
    qtest_writel(s, IOAPIC_EOI, 0x45); /* another vector */
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==,
                    level | IOREDTBL_REMOTE_IRR);
    qtest_writel(s, IOAPIC_EOI, 0x44);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==, level);

    /* An EOI while the line is still up delivers it again. */
    uart_irq_raise(s);
    qtest_writel(s, IOAPIC_EOI, 0x44);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==,
                    level | IOREDTBL_REMOTE_IRR);
    uart_irq_lower(s);
    qtest_writel(s, IOAPIC_EOI, 0x44);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==, level);

    /* Masked, an asserted level waits; unmasking delivers it. */
    ioapic_write(s, IOAPIC_IOREDTBL(COM1_PIN), level | IOREDTBL_MASK);
    uart_irq_raise(s);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==, level | IOREDTBL_MASK);
    ioapic_write(s, IOAPIC_IOREDTBL(COM1_PIN), level);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==,
                    level | IOREDTBL_REMOTE_IRR);

    /* Switching the entry to edge clears remote IRR. */
    uart_irq_lower(s);
    ioapic_write(s, IOAPIC_IOREDTBL(COM1_PIN), 0x44);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==, 0x44);
    /* Edge entries never set it. */
    uart_irq_raise(s);
    g_assert_cmphex(redirection_low(s, COM1_PIN), ==, 0x44);
    qtest_quit(s);
}

static void test_intercept_serial(void)
{
    QTestState *s = qtest_init("");

    qtest_irq_intercept_in(s, "ioapic");
    g_assert_false(qtest_get_irq(s, COM1_PIN));
    uart_irq_raise(s);
    g_assert_true(qtest_get_irq(s, COM1_PIN));
    /* The 8259 sees the same ISA IRQ. */
    qtest_outb(s, PIC_MASTER, 0x0a);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER) & (1 << COM1_PIN), ==,
                    1 << COM1_PIN);
    /* Reading IIR acknowledges the THRE interrupt. */
    qtest_inb(s, COM1 + UART_IIR);
    g_assert_false(qtest_get_irq(s, COM1_PIN));
    uart_irq_lower(s);
    uart_irq_raise(s);
    g_assert_true(qtest_get_irq(s, COM1_PIN));
    uart_irq_lower(s);
    g_assert_false(qtest_get_irq(s, COM1_PIN));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/id-version-arbitration",
                    test_id_version_arbitration);
    g_test_add_func("/ioapic/redirection-entries", test_redirection_entries);
    g_test_add_func("/ioapic/remote-irr", test_remote_irr);
    g_test_add_func("/ioapic/intercept-serial", test_intercept_serial);
    return g_test_run();
}
