/*
 * pc-testdev as kvm-unit-tests use it: the data register's byte lanes at
 * 0xe0 and 0xe8, ISA IRQ lines raised and lowered through 0x2000 + n, the
 * 64 KiB window at 0xff000000, and the page flush port leaving RAM's
 * contents in place.
 */
#include <string.h>

#include "libqtest.h"

static void test_data_register(void)
{
    QTestState *s = qtest_init("-device pc-testdev");

    qtest_outl(s, 0xe0, 0x12345678);
    g_assert_cmphex(qtest_inl(s, 0xe0), ==, 0x12345678);
    g_assert_cmphex(qtest_inb(s, 0xe1), ==, 0x56);
    g_assert_cmphex(qtest_inw(s, 0xe2), ==, 0x1234);
    qtest_outb(s, 0xe3, 0xab);
    qtest_outw(s, 0xe0, 0xcdef);
    g_assert_cmphex(qtest_inl(s, 0xe0), ==, 0xab34cdef);
    /* 0xe8: the same register, a byte at a time */
    g_assert_cmphex(qtest_inl(s, 0xe8), ==, 0xab34cdef);
    qtest_outl(s, 0xe8, 0x01020304);
    g_assert_cmphex(qtest_inb(s, 0xea), ==, 0x02);
    g_assert_cmphex(qtest_inl(s, 0xe0), ==, 0x01020304);
    qtest_quit(s);
}

static void test_irq_lines(void)
{
    QTestState *s = qtest_init("-device pc-testdev");

    qtest_irq_intercept_in(s, "ioapic");
    g_assert_false(qtest_get_irq(s, 5));
    qtest_outb(s, 0x2000 + 5, 1);
    g_assert_true(qtest_get_irq(s, 5));
    qtest_outb(s, 0x2000 + 5, 0);
    g_assert_false(qtest_get_irq(s, 5));
    qtest_outb(s, 0x2000 + 10, 0x80); /* any non-zero value */
    g_assert_true(qtest_get_irq(s, 10));
    /* lines 16-23 have no ISA IRQ: ignored, the VMM goes on */
    qtest_outb(s, 0x2000 + 20, 1);
    g_assert_false(qtest_get_irq(s, 20));
    qtest_outb(s, 0x2000 + 10, 0);
    g_assert_false(qtest_get_irq(s, 10));
    qtest_quit(s);
}

static void test_iomem(void)
{
    QTestState *s = qtest_init("-device pc-testdev");
    uint8_t buf[16];

    qtest_writel(s, 0xff000000, 0xdeadbeef);
    g_assert_cmphex(qtest_readb(s, 0xff000000), ==, 0xef);
    g_assert_cmphex(qtest_readw(s, 0xff000002), ==, 0xdead);
    qtest_writeb(s, 0xff00fffc, 0x11);
    qtest_writew(s, 0xff00fffe, 0x3322);
    g_assert_cmphex(qtest_readl(s, 0xff00fffc), ==, 0x33220011);
    qtest_memread(s, 0xff000000, buf, 4);
    g_assert_cmphex(buf[3], ==, 0xde);
    qtest_quit(s);
}

static void test_flush_page(void)
{
    QTestState *s = qtest_init("-device pc-testdev");
    static const char pattern[] = "pcvm-flush-page";
    char buf[sizeof(pattern)];

    qtest_memwrite(s, 0x123000, pattern, sizeof(pattern));
    qtest_outl(s, 0xe4, 0x123abc); /* any address inside the page */
    qtest_memread(s, 0x123000, buf, sizeof(buf));
    g_assert_cmpmem(buf, sizeof(buf), pattern, sizeof(pattern));
    /* still writable */
    qtest_writeb(s, 0x123000, 'P');
    g_assert_cmphex(qtest_readb(s, 0x123000), ==, 'P');
    /* not RAM: refused quietly */
    qtest_outl(s, 0xe4, 0xfee00000);
    g_assert_cmphex(qtest_readb(s, 0x123001), ==, 'c');
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc-testdev/data", test_data_register);
    g_test_add_func("/pc-testdev/irq", test_irq_lines);
    g_test_add_func("/pc-testdev/iomem", test_iomem);
    g_test_add_func("/pc-testdev/flush-page", test_flush_page);
    return g_test_run();
}
