/*
 * The 8237A pair driven through its ports as a driver programs it: address
 * and count through the flip-flop, page registers at QEMU's ports, mode,
 * masks (single, all, clear) and master clear, on both the byte controller
 * at 0x00 and the word controller at 0xC0. Transfers need a DMA device and
 * are tested with it.
 *
 * The masks are read back through port 0x0F (0xDE), as PIIX-family
 * 8237 cores allow; QEMU reads 0 there, so that case is pcvm's own.
 */
#include <glib.h>

#include "libqtest.h"

#define DMA1_BASE 0x00
#define DMA2_BASE 0xc0
#define DMA_CLEAR_FLIP_FLOP 0x0c
#define DMA_MASK_SINGLE 0x0a
#define DMA_MODE 0x0b
#define DMA_MASTER_CLEAR 0x0d
#define DMA_CLEAR_MASK 0x0e
#define DMA_MASK_ALL 0x0f

/* Register r of controller base; the word controller's are on even ports. */
static uint16_t dma_port(uint16_t base, unsigned r)
{
    return base == DMA2_BASE ? base + 2 * r : base + r;
}

static void dma_write16(QTestState *s, uint16_t port, uint16_t value)
{
    qtest_outb(s, port, value & 0xff);
    qtest_outb(s, port, value >> 8);
}

static uint16_t dma_read16(QTestState *s, uint16_t port)
{
    uint16_t low = qtest_inb(s, port);

    return low | (qtest_inb(s, port) << 8);
}

static void test_address_count_round_trip(void)
{
    QTestState *s = qtest_init("");
    static const uint16_t bases[] = {DMA1_BASE, DMA2_BASE};

    for (unsigned c = 0; c < 2; c++) {
        uint16_t base = bases[c];

        qtest_outb(s, dma_port(base, DMA_CLEAR_FLIP_FLOP), 0);
        for (unsigned n = 0; n < 4; n++) {
            dma_write16(s, dma_port(base, 2 * n), 0x1234 + n * 0x1111);
            dma_write16(s, dma_port(base, 2 * n + 1), 0x0fff - n);
        }
        for (unsigned n = 0; n < 4; n++) {
            g_assert_cmphex(dma_read16(s, dma_port(base, 2 * n)), ==,
                            0x1234 + n * 0x1111);
            g_assert_cmphex(dma_read16(s, dma_port(base, 2 * n + 1)), ==,
                            0x0fff - n);
        }
        /*
         * A lone byte leaves the flip-flop high; clearing it realigns, so
         * the next pair is low then high.
         */
        qtest_outb(s, dma_port(base, 0), 0x55);
        qtest_outb(s, dma_port(base, DMA_CLEAR_FLIP_FLOP), 0);
        dma_write16(s, dma_port(base, 0), 0x7766);
        qtest_outb(s, dma_port(base, DMA_CLEAR_FLIP_FLOP), 0);
        g_assert_cmphex(dma_read16(s, dma_port(base, 0)), ==, 0x7766);
    }
    qtest_quit(s);
}

static void test_page_registers(void)
{
    QTestState *s = qtest_init("");
    /* Channels 0-3 then 4-7, QEMU's port for each. */
    static const uint16_t ports[] = {0x87, 0x83, 0x81, 0x82,
                                     0x8f, 0x8b, 0x89, 0x8a};

    for (unsigned n = 0; n < 8; n++) {
        qtest_outb(s, ports[n], 0x10 + n);
    }
    for (unsigned n = 0; n < 8; n++) {
        g_assert_cmphex(qtest_inb(s, ports[n]), ==, 0x10 + n);
    }
    qtest_quit(s);
}

static void test_masks_and_master_clear(void)
{
    QTestState *s = qtest_init("");

    for (unsigned c = 0; c < 2; c++) {
        uint16_t base = c ? DMA2_BASE : DMA1_BASE;
        uint16_t mask_all = dma_port(base, DMA_MASK_ALL);

        qtest_outb(s, dma_port(base, DMA_CLEAR_MASK), 0);
        g_assert_cmphex(qtest_inb(s, mask_all) & 0x0f, ==, 0x00);
        qtest_outb(s, dma_port(base, DMA_MASK_SINGLE), 0x04 | 2);
        g_assert_cmphex(qtest_inb(s, mask_all) & 0x0f, ==, 0x04);
        qtest_outb(s, mask_all, 0x09);
        g_assert_cmphex(qtest_inb(s, mask_all) & 0x0f, ==, 0x09);
        qtest_outb(s, dma_port(base, DMA_MASK_SINGLE), 0x00 | 3);
        g_assert_cmphex(qtest_inb(s, mask_all) & 0x0f, ==, 0x01);
        /* Master clear masks all four and resets the flip-flop. */
        qtest_outb(s, dma_port(base, 0), 0xaa);
        qtest_outb(s, dma_port(base, DMA_MASTER_CLEAR), 0);
        g_assert_cmphex(qtest_inb(s, mask_all) & 0x0f, ==, 0x0f);
        dma_write16(s, dma_port(base, 0), 0xbeef);
        g_assert_cmphex(dma_read16(s, dma_port(base, 0)), ==, 0xbeef);
        /* No transfer has finished: no terminal count in the status. */
        qtest_outb(s, dma_port(base, DMA_MODE), 0x58 | 1);
        g_assert_cmphex(qtest_inb(s, dma_port(base, 8)) & 0x0f, ==, 0);
    }
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8257/address-count", test_address_count_round_trip);
    g_test_add_func("/i8257/page-registers", test_page_registers);
    g_test_add_func("/i8257/masks-master-clear", test_masks_and_master_clear);
    return g_test_run();
}
