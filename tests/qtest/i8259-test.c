/*
 * The 8259A pair driven through its ports the way a driver does, with real
 * interrupt sources: 16550 UARTs whose THRE interrupt raises their line
 * (COM1 on IRQ4, COM2 on IRQ3, two more on IRQ10 and IRQ11 behind the
 * slave). With no CPU to run INTA cycles, requests are taken with the poll
 * command, which acknowledges like INTA and reads back the level.
 *
 * Each test unmasks only the lines it uses, so other board devices (a PIT
 * on IRQ0, say) cannot disturb what the poll command returns.
 */
#include <glib.h>
#include <string.h>

#include "libqtest.h"

#define PIC_MASTER 0x20
#define PIC_SLAVE 0xa0
#define PIC_CMD 0
#define PIC_DATA 1
#define ELCR_MASTER 0x4d0
#define ELCR_SLAVE 0x4d1

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_INIT 0x10
#define ICW4_UPM 0x01
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW2_EOI 0x20
#define OCW2_SPECIFIC_EOI 0x60
#define OCW2_ROTATE_EOI 0xa0
#define OCW2_ROTATE_SPECIFIC_EOI 0xe0
#define OCW2_SET_PRIORITY 0xc0
#define OCW2_ROTATE_AEOI_SET 0x80
#define OCW2_ROTATE_AEOI_CLEAR 0x00
#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define OCW3_POLL 0x0c
#define OCW3_SMM_SET 0x68
#define OCW3_SMM_CLEAR 0x48
#define POLL_PENDING 0x80

#define MASTER_VECTOR_BASE 0x08
#define SLAVE_VECTOR_BASE 0x70

/* UARTs and the IRQ each one drives. */
#define COM1 0x3f8 /* IRQ4 */
#define COM2 0x2f8 /* IRQ3 */
#define COM_IRQ10 0x2e8
#define COM_IRQ11 0x3e8
#define UART_IER 1
#define UART_IIR 2
#define UART_MCR 4
#define UART_IER_ETBEI 0x02
#define UART_MCR_OUT2 0x08

#define MACHINE_ARGS                                                           \
    "-serial null -serial null "                                               \
    "-device isa-serial,iobase=0x2e8,irq=10 "                                  \
    "-device isa-serial,iobase=0x3e8,irq=11"

static QTestState *machine_start(void)
{
    return qtest_init(MACHINE_ARGS);
}

/* ICW1-ICW4 as a PC BIOS does, then OCW1 with the given masks. */
static void pic_init_pair(QTestState *s, uint8_t master_icw4,
                          uint8_t master_mask, uint8_t slave_mask)
{
    qtest_outb(s, PIC_MASTER + PIC_CMD, ICW1_INIT | ICW1_IC4);
    qtest_outb(s, PIC_MASTER + PIC_DATA, MASTER_VECTOR_BASE);
    qtest_outb(s, PIC_MASTER + PIC_DATA, 1 << 2); /* slave on IR2 */
    qtest_outb(s, PIC_MASTER + PIC_DATA, master_icw4);
    qtest_outb(s, PIC_SLAVE + PIC_CMD, ICW1_INIT | ICW1_IC4);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, SLAVE_VECTOR_BASE);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, 2); /* slave ID */
    qtest_outb(s, PIC_SLAVE + PIC_DATA, ICW4_UPM);
    qtest_outb(s, PIC_MASTER + PIC_DATA, master_mask);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, slave_mask);
}

static void pic_init(QTestState *s, uint8_t master_mask, uint8_t slave_mask)
{
    pic_init_pair(s, ICW4_UPM, master_mask, slave_mask);
}

static uint8_t pic_irr(QTestState *s, uint16_t pic)
{
    qtest_outb(s, pic + PIC_CMD, OCW3_READ_IRR);
    return qtest_inb(s, pic + PIC_CMD);
}

static uint8_t pic_isr(QTestState *s, uint16_t pic)
{
    qtest_outb(s, pic + PIC_CMD, OCW3_READ_ISR);
    return qtest_inb(s, pic + PIC_CMD);
}

static uint8_t pic_poll(QTestState *s, uint16_t pic)
{
    qtest_outb(s, pic + PIC_CMD, OCW3_POLL);
    return qtest_inb(s, pic + PIC_CMD);
}

static void pic_eoi(QTestState *s, uint16_t pic)
{
    qtest_outb(s, pic + PIC_CMD, OCW2_EOI);
}

/* Raises the UART's line: THR is empty, so enabling ETBEI interrupts. */
static void uart_irq_raise(QTestState *s, uint16_t uart)
{
    qtest_outb(s, uart + UART_MCR, UART_MCR_OUT2);
    qtest_outb(s, uart + UART_IER, UART_IER_ETBEI);
}

static void uart_irq_lower(QTestState *s, uint16_t uart)
{
    qtest_outb(s, uart + UART_IER, 0);
}

/* A fresh rising edge on the UART's line. */
static void uart_irq_edge(QTestState *s, uint16_t uart)
{
    uart_irq_lower(s, uart);
    uart_irq_raise(s, uart);
}

static void test_init_sequence(void)
{
    QTestState *s = machine_start();

    /* OCW1 works before any ICW; ICW1 then clears the mask. */
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xff);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_DATA), ==, 0xff);
    qtest_outb(s, PIC_MASTER + PIC_CMD, ICW1_INIT | ICW1_IC4);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_DATA), ==, 0x00);
    /* Cascade mode with ICW4: ICW2, ICW3, ICW4, then OCW1 again. */
    qtest_outb(s, PIC_MASTER + PIC_DATA, MASTER_VECTOR_BASE);
    qtest_outb(s, PIC_MASTER + PIC_DATA, 1 << 2);
    qtest_outb(s, PIC_MASTER + PIC_DATA, ICW4_UPM);
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xa5);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_DATA), ==, 0xa5);

    /* Single mode skips ICW3: ICW2, ICW4, then the mask. */
    qtest_outb(s, PIC_SLAVE + PIC_CMD, ICW1_INIT | ICW1_SNGL | ICW1_IC4);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, SLAVE_VECTOR_BASE);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, ICW4_UPM);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, 0x5a);
    g_assert_cmphex(qtest_inb(s, PIC_SLAVE + PIC_DATA), ==, 0x5a);

    /* Without ICW4 the sequence ends after ICW3. */
    qtest_outb(s, PIC_SLAVE + PIC_CMD, ICW1_INIT);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, SLAVE_VECTOR_BASE);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, 2);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, 0x3c);
    g_assert_cmphex(qtest_inb(s, PIC_SLAVE + PIC_DATA), ==, 0x3c);

    /* ICW1 forgets an edge request and the IRR/ISR selection. */
    pic_init(s, 0xef, 0xff);
    uart_irq_raise(s, COM1);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0x10);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW3_READ_ISR);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_CMD) & 0x10, ==, 0);
    pic_init(s, 0xef, 0xff);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_CMD) & 0x10, ==, 0);
    uart_irq_edge(s, COM1);
    /* IRR is selected again after ICW1. */
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_CMD) & 0x10, ==, 0x10);
    qtest_quit(s);
}

static void test_irr_isr(void)
{
    QTestState *s = machine_start();

    pic_init(s, 0xff, 0xff);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0);
    uart_irq_raise(s, COM1);
    /* The mask hides the request from INT, not from IRR. */
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0x10);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);

    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xef);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x10);
    /* Edge triggered: acknowledging consumed the request. */
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    pic_eoi(s, PIC_MASTER);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);

    /* Reading IIR acknowledges the UART's THRE interrupt: line down. */
    qtest_inb(s, COM1 + UART_IIR);
    uart_irq_raise(s, COM1); /* ETBEI already set: no new edge */
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0);
    uart_irq_edge(s, COM1);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0x10);
    qtest_quit(s);
}

static void test_cascade(void)
{
    QTestState *s = machine_start();

    pic_init(s, 0xfb, 0xfb);
    uart_irq_raise(s, COM_IRQ10);
    g_assert_cmphex(pic_irr(s, PIC_SLAVE) & 0x04, ==, 0x04);
    /* The slave's INT is the master's IR2. */
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x04, ==, 0x04);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 2);
    g_assert_cmphex(pic_poll(s, PIC_SLAVE), ==, POLL_PENDING | 2);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x04);
    g_assert_cmphex(pic_isr(s, PIC_SLAVE), ==, 0x04);
    g_assert_cmphex(pic_irr(s, PIC_SLAVE) & 0x04, ==, 0);
    pic_eoi(s, PIC_SLAVE);
    pic_eoi(s, PIC_MASTER);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);
    g_assert_cmphex(pic_isr(s, PIC_SLAVE), ==, 0);

    /* A masked slave input does not reach the master. */
    qtest_outb(s, PIC_SLAVE + PIC_DATA, 0xff);
    uart_irq_edge(s, COM_IRQ10);
    g_assert_cmphex(pic_irr(s, PIC_SLAVE) & 0x04, ==, 0x04);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x04, ==, 0);
    qtest_outb(s, PIC_SLAVE + PIC_DATA, 0xfb);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x04, ==, 0x04);
    qtest_quit(s);
}

static void test_eoi_and_priority(void)
{
    QTestState *s = machine_start();

    pic_init(s, 0xe7, 0xff);
    uart_irq_raise(s, COM1);
    uart_irq_raise(s, COM2);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x18, ==, 0x18);

    /* IR3 wins; while it is in service the lower IR4 waits. */
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x08);
    /* A specific EOI for another level changes nothing. */
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_SPECIFIC_EOI | 4);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x08);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_SPECIFIC_EOI | 3);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);

    /* Fully nested: IR3 interrupts IR4's service... */
    uart_irq_edge(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x18);
    /* ...and a non-specific EOI ends the highest one in service. */
    pic_eoi(s, PIC_MASTER);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x10);
    pic_eoi(s, PIC_MASTER);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);
    qtest_quit(s);
}

static void test_rotation(void)
{
    QTestState *s = machine_start();

    pic_init(s, 0xe7, 0xff);
    uart_irq_raise(s, COM1);
    uart_irq_raise(s, COM2);

    /* Set priority: IR3 lowest makes IR4 the highest. */
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_SET_PRIORITY | 3);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    /* IR3 is now lower than IR4 in service. */
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    pic_eoi(s, PIC_MASTER);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    pic_eoi(s, PIC_MASTER);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);

    /* Back to IR0 highest; rotate on non-specific EOI after IR3. */
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_SET_PRIORITY | 7);
    uart_irq_edge(s, COM1);
    uart_irq_edge(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_ROTATE_EOI);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);
    uart_irq_edge(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    /* Rotate on specific EOI of IR4: IR5 highest, IR3 before IR4. */
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_ROTATE_SPECIFIC_EOI | 4);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);
    uart_irq_edge(s, COM1);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_ROTATE_EOI);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    pic_eoi(s, PIC_MASTER);
    qtest_quit(s);
}

static void test_auto_eoi(void)
{
    QTestState *s = machine_start();

    pic_init_pair(s, ICW4_UPM | ICW4_AEOI, 0xe7, 0xff);
    uart_irq_raise(s, COM1);
    uart_irq_raise(s, COM2);
    /* Nothing stays in service, so IR4 follows IR3 without an EOI. */
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);

    /* Rotate in automatic EOI mode: the level just served goes last. */
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_ROTATE_AEOI_SET);
    uart_irq_edge(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    uart_irq_edge(s, COM1);
    uart_irq_edge(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    /* Rotation off again: priorities stay where they are. */
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_ROTATE_AEOI_CLEAR);
    uart_irq_edge(s, COM1);
    uart_irq_edge(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    uart_irq_edge(s, COM1);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    qtest_quit(s);
}

static void test_elcr(void)
{
    QTestState *s = machine_start();

    /* Only the PIIX's level-capable inputs: not IRQ0-2, 8 and 13. */
    qtest_outb(s, ELCR_MASTER, 0xff);
    qtest_outb(s, ELCR_SLAVE, 0xff);
    g_assert_cmphex(qtest_inb(s, ELCR_MASTER), ==, 0xf8);
    g_assert_cmphex(qtest_inb(s, ELCR_SLAVE), ==, 0xde);
    qtest_outb(s, ELCR_MASTER, 0x10);
    qtest_outb(s, ELCR_SLAVE, 0x00);
    g_assert_cmphex(qtest_inb(s, ELCR_MASTER), ==, 0x10);

    /* Level: the request follows the line, and outlives the INTA. */
    pic_init(s, 0xef, 0xff);
    uart_irq_raise(s, COM1);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0x10);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0x10);
    pic_eoi(s, PIC_MASTER);
    /* Still asserted after the EOI: it interrupts again. */
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    pic_eoi(s, PIC_MASTER);
    uart_irq_lower(s, COM1);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);

    /* Edge: one request per rising edge, however long the line stays up. */
    qtest_outb(s, ELCR_MASTER, 0x00);
    uart_irq_raise(s, COM1);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x10, ==, 0);
    pic_eoi(s, PIC_MASTER);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    uart_irq_edge(s, COM1);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    pic_eoi(s, PIC_MASTER);

    /* The slave's ELCR works the same way for IRQ10. */
    qtest_outb(s, ELCR_SLAVE, 0x04);
    pic_init(s, 0xfb, 0xfb);
    uart_irq_raise(s, COM_IRQ10);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 2);
    g_assert_cmphex(pic_poll(s, PIC_SLAVE), ==, POLL_PENDING | 2);
    g_assert_cmphex(pic_irr(s, PIC_SLAVE) & 0x04, ==, 0x04);
    uart_irq_lower(s, COM_IRQ10);
    g_assert_cmphex(pic_irr(s, PIC_SLAVE) & 0x04, ==, 0);
    qtest_quit(s);
}

static void test_poll(void)
{
    QTestState *s = machine_start();

    pic_init(s, 0xef, 0xff);
    /* Nothing pending: the poll word says so. */
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    uart_irq_raise(s, COM1);
    /* Poll answers on either port, once; then reads are normal again. */
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW3_READ_IRR);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW3_POLL);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_DATA), ==, POLL_PENDING | 4);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_DATA), ==, 0xef);
    g_assert_cmphex(qtest_inb(s, PIC_MASTER + PIC_CMD) & 0x10, ==, 0);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x10);
    pic_eoi(s, PIC_MASTER);
    qtest_quit(s);
}

static void test_special_mask_mode(void)
{
    QTestState *s = machine_start();

    pic_init(s, 0xe7, 0xff);
    uart_irq_raise(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    uart_irq_raise(s, COM1);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    /* IR3's handler masks itself and lets lower levels in. */
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xef);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW3_SMM_SET);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0x18);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_SPECIFIC_EOI | 4);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW3_SMM_CLEAR);
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xe7);
    qtest_outb(s, PIC_MASTER + PIC_CMD, OCW2_SPECIFIC_EOI | 3);
    g_assert_cmphex(pic_isr(s, PIC_MASTER), ==, 0);

    /* Out of special mask mode, an in-service level holds off lower ones. */
    uart_irq_edge(s, COM2);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    uart_irq_edge(s, COM1);
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xef);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, 0);
    qtest_quit(s);
}

/* IRQ11 in service; then IRQ10, of higher priority, on the same slave. */
static uint8_t nested_slave_poll(bool special_fully_nested)
{
    QTestState *s = machine_start();
    uint8_t poll;

    pic_init_pair(s, ICW4_UPM | (special_fully_nested ? ICW4_SFNM : 0), 0xfb,
                  0xf3);
    uart_irq_raise(s, COM_IRQ11);
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 2);
    g_assert_cmphex(pic_poll(s, PIC_SLAVE), ==, POLL_PENDING | 3);
    uart_irq_raise(s, COM_IRQ10);
    g_assert_cmphex(pic_irr(s, PIC_MASTER) & 0x04, ==, 0x04);
    poll = pic_poll(s, PIC_MASTER);
    qtest_quit(s);
    return poll;
}

static void test_special_fully_nested(void)
{
    /* Fully nested: the slave's IR2 in service blocks the master input. */
    g_assert_cmphex(nested_slave_poll(false), ==, 0);
    /* Special fully nested: the slave may interrupt its own service. */
    g_assert_cmphex(nested_slave_poll(true), ==, POLL_PENDING | 2);
}

/* The QOM path of the master 8259: a board device nobody named. */
static char *pic_master_path(QTestState *s)
{
    JsonNode *list = qtest_qmp_assert_success_ref(
        s, "{\"execute\": \"qom-list\", "
           "\"arguments\": {\"path\": \"/machine/unattached\"}}");
    JsonArray *children = json_node_get_array(list);
    char *found = NULL;

    for (guint i = 0; !found && i < json_array_get_length(children); i++) {
        JsonObject *prop = json_array_get_object_element(children, i);
        const char *name = json_object_get_string_member(prop, "name");
        g_autofree char *path = g_strdup_printf("/machine/unattached/%s", name);
        JsonNode *master;

        if (strcmp(json_object_get_string_member(prop, "type"),
                   "child<isa-i8259>")) {
            continue;
        }
        master = qtest_qmp_assert_success_ref(
            s,
            "{\"execute\": \"qom-get\", \"arguments\": "
            "{\"path\": \"%s\", \"property\": \"master\"}}",
            path);
        if (json_node_get_boolean(master)) {
            found = g_steal_pointer(&path);
        }
        json_node_unref(master);
    }
    json_node_unref(list);
    g_assert_nonnull(found);
    return found;
}

static void test_int_output(void)
{
    QTestState *s = machine_start();
    g_autofree char *master = pic_master_path(s);

    pic_init(s, 0xff, 0xfb);
    qtest_irq_intercept_out(s, master);
    g_assert_false(qtest_get_irq(s, 0));
    uart_irq_raise(s, COM1);
    g_assert_false(qtest_get_irq(s, 0)); /* masked */
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xef);
    g_assert_true(qtest_get_irq(s, 0));
    /* Acknowledged and in service: INT drops until something outranks it. */
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 4);
    g_assert_false(qtest_get_irq(s, 0));
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xe7);
    uart_irq_raise(s, COM2);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 3);
    g_assert_false(qtest_get_irq(s, 0));
    pic_eoi(s, PIC_MASTER);
    pic_eoi(s, PIC_MASTER);
    g_assert_false(qtest_get_irq(s, 0));

    /* A slave request reaches the CPU through the master's IR2. */
    qtest_outb(s, PIC_MASTER + PIC_DATA, 0xfb);
    uart_irq_raise(s, COM_IRQ10);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmphex(pic_poll(s, PIC_MASTER), ==, POLL_PENDING | 2);
    g_assert_false(qtest_get_irq(s, 0));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8259/init-sequence", test_init_sequence);
    g_test_add_func("/i8259/irr-isr", test_irr_isr);
    g_test_add_func("/i8259/cascade", test_cascade);
    g_test_add_func("/i8259/eoi-priority", test_eoi_and_priority);
    g_test_add_func("/i8259/rotation", test_rotation);
    g_test_add_func("/i8259/auto-eoi", test_auto_eoi);
    g_test_add_func("/i8259/elcr", test_elcr);
    g_test_add_func("/i8259/poll", test_poll);
    g_test_add_func("/i8259/special-mask-mode", test_special_mask_mode);
    g_test_add_func("/i8259/special-fully-nested", test_special_fully_nested);
    g_test_add_func("/i8259/int-output", test_int_output);
    return g_test_run();
}
