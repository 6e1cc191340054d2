/*
 * The 16550A UART at COM1 (0x3f8, ISA IRQ 4), driven through its registers
 * as a driver would (register meanings from the TI/NS PC16550D datasheet):
 * the divisor latch behind LCR.DLAB, the scratch register, loopback (the
 * transmitted byte comes back in RBR; MSR mirrors the MCR outputs), LSR
 * status, IIR priorities (line status > received data > THR empty), the
 * FIFOs with their trigger level and character timeout, and the interrupt
 * line as the IOAPIC sees it. The backend test checks that bytes written to
 * THR reach the chardev and bytes from the chardev reach RBR.
 *
 * The IRQ line is checked outside loopback only: on a PC, loopback cuts the
 * OUT2-gated interrupt pin, while QEMU (and pcvm) raise it regardless.
 */
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define COM1 0x3f8
#define COM1_IRQ 4

/* Register offsets */
#define UART_RBR 0 /* read, DLAB=0 */
#define UART_THR 0 /* write, DLAB=0 */
#define UART_DLL 0 /* DLAB=1 */
#define UART_IER 1 /* DLAB=0 */
#define UART_DLM 1 /* DLAB=1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI 0x01  /* received data available */
#define UART_IER_THRI 0x02 /* THR empty */
#define UART_IER_RLSI 0x04 /* receiver line status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_CTI 0x0c
#define UART_IIR_FIFO_ENABLED 0xc0

#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_FCR_CLEAR_XMIT 0x04
#define UART_FCR_TRIGGER_4 0x40

#define UART_LCR_WLEN8 0x03
#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

static QTestState *serial_start(void)
{
    return qtest_init("-serial null");
}

static uint8_t uart_in(QTestState *s, int reg)
{
    return qtest_inb(s, COM1 + reg);
}

static void uart_out(QTestState *s, int reg, uint8_t value)
{
    qtest_outb(s, COM1 + reg, value);
}

static void uart_set_divisor(QTestState *s, uint16_t divisor)
{
    uint8_t lcr = uart_in(s, UART_LCR);

    uart_out(s, UART_LCR, lcr | UART_LCR_DLAB);
    uart_out(s, UART_DLL, divisor & 0xff);
    uart_out(s, UART_DLM, divisor >> 8);
    uart_out(s, UART_LCR, lcr);
}

static void test_reset_state(void)
{
    QTestState *s = serial_start();

    g_assert_cmphex(uart_in(s, UART_IER), ==, 0x00);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);
    g_assert_cmphex(uart_in(s, UART_LCR), ==, 0x00);
    g_assert_cmphex(uart_in(s, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);
    qtest_quit(s);
}

static void test_divisor_latch(void)
{
    QTestState *s = serial_start();

    uart_out(s, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
    g_assert_cmphex(uart_in(s, UART_LCR), ==, UART_LCR_DLAB | UART_LCR_WLEN8);
    uart_out(s, UART_DLL, 0x0c);
    uart_out(s, UART_DLM, 0x03);
    g_assert_cmphex(uart_in(s, UART_DLL), ==, 0x0c);
    g_assert_cmphex(uart_in(s, UART_DLM), ==, 0x03);

    /* With DLAB clear the same offsets are RBR/THR and IER. */
    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    g_assert_cmphex(uart_in(s, UART_LCR), ==, UART_LCR_WLEN8);
    g_assert_cmphex(uart_in(s, UART_IER), ==, 0x00);
    uart_out(s, UART_IER, UART_IER_RDI);
    g_assert_cmphex(uart_in(s, UART_IER), ==, UART_IER_RDI);

    /* ... and the latch kept its value meanwhile. */
    uart_out(s, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
    g_assert_cmphex(uart_in(s, UART_DLL), ==, 0x0c);
    g_assert_cmphex(uart_in(s, UART_DLM), ==, 0x03);
    uart_out(s, UART_DLL, 0x01);
    uart_out(s, UART_DLM, 0x00);
    g_assert_cmphex(uart_in(s, UART_DLL), ==, 0x01);
    g_assert_cmphex(uart_in(s, UART_DLM), ==, 0x00);
    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    g_assert_cmphex(uart_in(s, UART_IER), ==, UART_IER_RDI);
    qtest_quit(s);
}

static void test_scratch(void)
{
    static const uint8_t patterns[] = {0x55, 0xaa, 0xff, 0x00, 0x5a};
    QTestState *s = serial_start();
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(patterns); i++) {
        uart_out(s, UART_SCR, patterns[i]);
        g_assert_cmphex(uart_in(s, UART_SCR), ==, patterns[i]);
    }
    qtest_quit(s);
}

static void test_loopback(void)
{
    static const char text[] = "pcvm\x00\xff";
    QTestState *s = serial_start();
    size_t i;

    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    uart_out(s, UART_MCR, UART_MCR_LOOP);
    g_assert_cmphex(uart_in(s, UART_MCR), ==, UART_MCR_LOOP);

    for (i = 0; i < sizeof(text) - 1; i++) {
        g_assert_cmphex(uart_in(s, UART_LSR) & UART_LSR_DR, ==, 0);
        uart_out(s, UART_THR, text[i]);
        /* Sent at once (THR and shifter empty), received at once. */
        g_assert_cmphex(uart_in(s, UART_LSR), ==,
                        UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
        g_assert_cmphex(uart_in(s, UART_RBR), ==, (uint8_t)text[i]);
        g_assert_cmphex(uart_in(s, UART_LSR), ==,
                        UART_LSR_THRE | UART_LSR_TEMT);
    }

    /* The modem outputs drive the modem inputs. */
    uart_out(s, UART_MCR, UART_MCR_LOOP);
    g_assert_cmphex(uart_in(s, UART_MSR) & 0xf0, ==, 0);
    uart_out(s, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
    g_assert_cmphex(uart_in(s, UART_MSR) & 0xf0, ==, UART_MSR_DSR);
    uart_out(s, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
    g_assert_cmphex(uart_in(s, UART_MSR) & 0xf0, ==, UART_MSR_CTS);
    uart_out(s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
    g_assert_cmphex(uart_in(s, UART_MSR) & 0xf0, ==, UART_MSR_RI);
    uart_out(s, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
    g_assert_cmphex(uart_in(s, UART_MSR) & 0xf0, ==, UART_MSR_DCD);
    uart_out(s, UART_MCR, UART_MCR_LOOP | 0x0f);
    g_assert_cmphex(uart_in(s, UART_MSR) & 0xf0, ==,
                    UART_MSR_DSR | UART_MSR_CTS | UART_MSR_RI | UART_MSR_DCD);
    qtest_quit(s);
}

/* THR empty interrupt, and the IRQ line at the IOAPIC's input 4. */
static void test_thre_interrupt(void)
{
    QTestState *s = serial_start();

    qtest_irq_intercept_in(s, "ioapic");
    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    uart_out(s, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));

    /* Enabling it with THR empty makes it pending at once. */
    uart_out(s, UART_IER, UART_IER_THRI);
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_THRI);
    /* Reading IIR that reported it clears it. */
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);

    /* Each transmitted byte empties THR again. */
    uart_out(s, UART_THR, 'x');
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(uart_in(s, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_THRI);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));

    /* Pending again, then masked: the line drops and IIR has nothing. */
    uart_out(s, UART_THR, 'y');
    g_assert_true(qtest_get_irq(s, COM1_IRQ));
    uart_out(s, UART_IER, 0);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);
    qtest_quit(s);
}

static void test_rx_interrupt(void)
{
    QTestState *s = serial_start();

    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    uart_out(s, UART_MCR, UART_MCR_LOOP);
    uart_out(s, UART_IER, UART_IER_RDI);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);

    uart_out(s, UART_THR, 'r');
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RDI);
    /* IIR reads do not clear it; reading the data does. */
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RDI);
    g_assert_cmphex(uart_in(s, UART_RBR), ==, 'r');
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);

    /* Masking hides it; unmasking shows it again. */
    uart_out(s, UART_THR, 's');
    uart_out(s, UART_IER, 0);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);
    uart_out(s, UART_IER, UART_IER_RDI);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RDI);
    g_assert_cmphex(uart_in(s, UART_RBR), ==, 's');
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);
    qtest_quit(s);
}

/* Line status (overrun) > received data > THR empty. */
static void test_interrupt_priority(void)
{
    QTestState *s = serial_start();

    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    uart_out(s, UART_MCR, UART_MCR_LOOP);
    uart_out(s, UART_IER, UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_THRI);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);

    /* THR empty again and data received: data wins. */
    uart_out(s, UART_THR, 'a');
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RDI);

    /* A second byte with the first unread overruns: line status wins. */
    uart_out(s, UART_THR, 'b');
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RLSI);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RLSI);
    /* Reading LSR reports and clears the overrun. */
    g_assert_cmphex(uart_in(s, UART_LSR), ==,
                    UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
    g_assert_cmphex(uart_in(s, UART_LSR), ==,
                    UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RDI);

    /* Then the data, then the THR empty condition still pending. */
    uart_in(s, UART_RBR);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_THRI);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);

    /* Without RLSI enabled an overrun shows as plain data. */
    uart_out(s, UART_IER, UART_IER_RDI);
    uart_out(s, UART_THR, 'c');
    uart_out(s, UART_THR, 'd');
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RDI);
    g_assert_cmphex(uart_in(s, UART_LSR) & UART_LSR_OE, ==, UART_LSR_OE);
    uart_in(s, UART_RBR);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);
    qtest_quit(s);
}

static void test_fifo(void)
{
    static const char text[] = "16550A FIFO";
    QTestState *s = serial_start();
    size_t i;

    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    uart_out(s, UART_FCR,
             UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
    g_assert_cmphex(uart_in(s, UART_IIR), ==,
                    UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);

    /* Loopback bytes queue up in the receive FIFO, in order. */
    uart_out(s, UART_MCR, UART_MCR_LOOP);
    for (i = 0; i < sizeof(text) - 1; i++) {
        uart_out(s, UART_THR, text[i]);
    }
    for (i = 0; i < sizeof(text) - 1; i++) {
        g_assert_cmphex(uart_in(s, UART_LSR) & UART_LSR_DR, ==, UART_LSR_DR);
        g_assert_cmphex(uart_in(s, UART_RBR), ==, (uint8_t)text[i]);
    }
    g_assert_cmphex(uart_in(s, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);

    /* Clearing the receive FIFO drops what it holds. */
    uart_out(s, UART_THR, 'z');
    g_assert_cmphex(uart_in(s, UART_LSR) & UART_LSR_DR, ==, UART_LSR_DR);
    uart_out(s, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
    g_assert_cmphex(uart_in(s, UART_LSR) & UART_LSR_DR, ==, 0);

    /* Disabling the FIFOs clears IIR's FIFO bits. */
    uart_out(s, UART_FCR, 0);
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);
    qtest_quit(s);
}

/*
 * Received data interrupts at the trigger level; below it, only after four
 * character times without receive activity (the character timeout). At
 * divisor 0xffff (about 1.76 bit/s) four characters take some 23 s of
 * virtual time.
 */
static void test_fifo_trigger_timeout(void)
{
    QTestState *s = serial_start();
    int i;

    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    uart_set_divisor(s, 0xffff);
    uart_out(s, UART_FCR,
             UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT |
                 UART_FCR_TRIGGER_4);
    uart_out(s, UART_MCR, UART_MCR_LOOP);
    uart_out(s, UART_IER, UART_IER_RDI);

    for (i = 0; i < 3; i++) {
        uart_out(s, UART_THR, '0' + i);
        g_assert_cmphex(uart_in(s, UART_IIR), ==,
                        UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
    }
    uart_out(s, UART_THR, '3');
    g_assert_cmphex(uart_in(s, UART_IIR), ==,
                    UART_IIR_FIFO_ENABLED | UART_IIR_RDI);
    /* Below the trigger level again. */
    g_assert_cmphex(uart_in(s, UART_RBR), ==, '0');
    g_assert_cmphex(uart_in(s, UART_IIR), ==,
                    UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);

    if (!qtest_has_accel_qtest(s)) {
        g_test_message(
            "no virtual clock control: character timeout not checked");
        qtest_quit(s);
        return;
    }
    qtest_clock_step(s, 1000 * 1000 * 1000LL);
    g_assert_cmphex(uart_in(s, UART_IIR), ==,
                    UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
    qtest_clock_step(s, 60 * 1000 * 1000 * 1000LL);
    g_assert_cmphex(uart_in(s, UART_IIR), ==,
                    UART_IIR_FIFO_ENABLED | UART_IIR_CTI);
    /* Reading data ends the timeout condition. */
    g_assert_cmphex(uart_in(s, UART_RBR), ==, '1');
    g_assert_cmphex(uart_in(s, UART_IIR), ==,
                    UART_IIR_FIFO_ENABLED | UART_IIR_NO_INT);
    g_assert_cmphex(uart_in(s, UART_RBR), ==, '2');
    g_assert_cmphex(uart_in(s, UART_RBR), ==, '3');
    g_assert_cmphex(uart_in(s, UART_LSR) & UART_LSR_DR, ==, 0);
    qtest_quit(s);
}

/* Polls LSR until data is ready (the backend delivers asynchronously). */
static void uart_wait_data(QTestState *s)
{
    gint64 deadline =
        g_get_monotonic_time() + QTEST_REPLY_TIMEOUT_S * G_USEC_PER_SEC;

    while (!(uart_in(s, UART_LSR) & UART_LSR_DR)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
}

/* Bytes both ways through a socket chardev, and the received-data IRQ. */
static void test_backend(void)
{
    static const char out[] = "hello, host\n";
    static const char in[] = "hi guest";
    char *path = qtest_tmp_path("serial.sock");
    int listen_fd = qtest_socket_server(path);
    QTestState *s = qtest_initf(
        "-chardev socket,path=%s,id=ser0 -serial chardev:ser0", path);
    int fd = qtest_socket_accept(listen_fd);
    GString *rx = g_string_new("");
    char *got;
    size_t i;

    qtest_irq_intercept_in(s, "ioapic");
    uart_out(s, UART_LCR, UART_LCR_WLEN8);
    uart_out(s, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);

    for (i = 0; i < sizeof(out) - 1; i++) {
        uart_out(s, UART_THR, out[i]);
    }
    got = qtest_socket_read_until(fd, rx, "\n");
    g_assert_cmpstr(got, ==, out);
    g_free(got);

    uart_out(s, UART_IER, UART_IER_RDI);
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmpint(write(fd, in, sizeof(in) - 1), ==, sizeof(in) - 1);
    for (i = 0; i < sizeof(in) - 1; i++) {
        uart_wait_data(s);
        g_assert_true(qtest_get_irq(s, COM1_IRQ));
        g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_RDI);
        g_assert_cmphex(uart_in(s, UART_RBR), ==, (uint8_t)in[i]);
    }
    g_assert_false(qtest_get_irq(s, COM1_IRQ));
    g_assert_cmphex(uart_in(s, UART_IIR), ==, UART_IIR_NO_INT);

    qtest_quit(s);
    close(fd);
    close(listen_fd);
    unlink(path);
    g_string_free(rx, TRUE);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/reset-state", test_reset_state);
    g_test_add_func("/serial/divisor-latch", test_divisor_latch);
    g_test_add_func("/serial/scratch", test_scratch);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/serial/rx-interrupt", test_rx_interrupt);
    g_test_add_func("/serial/interrupt-priority", test_interrupt_priority);
    g_test_add_func("/serial/fifo", test_fifo);
    g_test_add_func("/serial/fifo-trigger-timeout", test_fifo_trigger_timeout);
    g_test_add_func("/serial/backend", test_backend);
    return g_test_run();
}
