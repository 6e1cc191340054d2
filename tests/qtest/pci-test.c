/*
 * The PCI core and the i440FX/PIIX3 chipset through configuration
 * mechanism #1, as firmware and drivers use them: enumeration, BAR sizing,
 * placement and decoding, the expansion ROM, INTx through the PIIX3 PIRQ
 * router, MSI and MSI-X messages, bus-master DMA, PAM shadowing of the
 * BIOS area, the -device addr=/multifunction= rules, and the routing the
 * board programs and the MP table describes under direct boot. pci-testdev
 * (1b36:0005; registers in hw/pci/pci-testdev.c) stands in for a driver's
 * device.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

#define CONFADD 0xcf8
#define CONFDATA 0xcfc

#define TESTDEV_SLOT 4
#define TESTDEV_DEVFN (TESTDEV_SLOT << 3)
#define TESTDEV_MMIO 0xe0000000u
#define TESTDEV_MMIO2 0xe0100000u
#define TESTDEV_PORT 0xc000
#define TESTDEV_MEMBAR 0x200000000ull
#define PCI_DEVFN_TEST(slot, fn) (((slot) << 3) | (fn))

static uint32_t cfg_addr(int devfn, int reg)
{
    return 0x80000000u | (devfn << 8) | (reg & 0xfc);
}

static uint32_t cfg_readl(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    return qtest_inl(s, CONFDATA);
}

static uint16_t cfg_readw(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    return qtest_inw(s, CONFDATA + (reg & 2));
}

static uint8_t cfg_readb(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    return qtest_inb(s, CONFDATA + (reg & 3));
}

static void cfg_writel(QTestState *s, int devfn, int reg, uint32_t v)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    qtest_outl(s, CONFDATA, v);
}

static void cfg_writew(QTestState *s, int devfn, int reg, uint16_t v)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    qtest_outw(s, CONFDATA + (reg & 2), v);
}

static void cfg_writeb(QTestState *s, int devfn, int reg, uint8_t v)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    qtest_outb(s, CONFDATA + (reg & 3), v);
}

static QTestState *start_with_testdev(const char *extra)
{
    return qtest_initf("-device pci-testdev,addr=%x,membar=1M,id=td %s",
                       TESTDEV_SLOT, extra ? extra : "");
}

/* Maps BAR0 (memory), BAR1 (I/O) and enables decoding and mastering. */
static void testdev_map(QTestState *s)
{
    cfg_writel(s, TESTDEV_DEVFN, 0x10, TESTDEV_MMIO);
    cfg_writel(s, TESTDEV_DEVFN, 0x14, TESTDEV_PORT);
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0007);
}

static void test_enumeration(void)
{
    QTestState *s = start_with_testdev(NULL);
    static const struct {
        int devfn;
        uint32_t id;
        uint32_t class_rev; /* class, prog-if, revision */
        uint8_t header;
    } expected[] = {
        {0x00, 0x12378086, 0x06000002, 0x00},
        {0x08, 0x70008086, 0x06010000, 0x80},
        {0x09, 0x70108086, 0x01018000, 0x00},
        {0x10, 0x11111234, 0x03000002, 0x00}, /* -vga std, the default */
        {0x0b, 0x71138086, 0x06800003, 0x00},
        {TESTDEV_DEVFN, 0x00051b36, 0xff000000, 0x00},
    };
    int found = 0;

    for (int devfn = 0; devfn < 256; devfn++) {
        uint32_t id = cfg_readl(s, devfn, 0);
        bool listed = false;

        for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
            if (expected[i].devfn != devfn) {
                continue;
            }
            listed = true;
            found++;
            g_assert_cmphex(id, ==, expected[i].id);
            g_assert_cmphex(cfg_readl(s, devfn, 0x08), ==,
                            expected[i].class_rev);
            g_assert_cmphex(cfg_readb(s, devfn, 0x0e), ==, expected[i].header);
            g_assert_cmphex(cfg_readl(s, devfn, 0x2c), ==, 0x11001af4);
        }
        if (!listed) {
            g_assert_cmphex(id, ==, 0xffffffff);
        }
    }
    g_assert_cmpint(found, ==, G_N_ELEMENTS(expected));

    /* Byte and word reads pick their part of the dword. */
    g_assert_cmphex(cfg_readw(s, 0x08, 0x02), ==, 0x7000);
    g_assert_cmphex(cfg_readb(s, 0x00, 0x03), ==, 0x12);
    /* CONFADD keeps the address as written (low bits too, as QEMU); with
     * the enable bit clear the data port answers all ones. */
    qtest_outl(s, CONFADD, 0x80000003);
    g_assert_cmphex(qtest_inl(s, CONFADD), ==, 0x80000003);
    qtest_outl(s, CONFADD, 0x00000000);
    g_assert_cmphex(qtest_inl(s, CONFDATA), ==, 0xffffffff);
    /* Only bus 0 exists. */
    qtest_outl(s, CONFADD, 0x80010000);
    g_assert_cmphex(qtest_inl(s, CONFDATA), ==, 0xffffffff);
    /* A byte at 0xcf9 is the reset control register, not CONFADD. */
    qtest_outl(s, CONFADD, 0x80000800);
    qtest_outb(s, 0xcf9, 0x02);
    g_assert_cmphex(qtest_inl(s, CONFADD), ==, 0x80000800);
    g_assert_cmphex(qtest_inb(s, 0xcf9), ==, 0x02);
    /* PIIX3 register defaults (PIRQ routing disabled). */
    g_assert_cmphex(cfg_readl(s, 0x08, 0x60), ==, 0x80808080);
    g_assert_cmphex(cfg_readb(s, 0x08, 0x4c), ==, 0x4d);
    qtest_quit(s);
}

static void test_bar_sizing_and_moving(void)
{
    QTestState *s = start_with_testdev(NULL);

    /* Sizing: write all ones, read back the size mask and type bits. */
    for (int reg = 0x10; reg <= 0x1c; reg += 4) {
        cfg_writel(s, TESTDEV_DEVFN, reg, 0xffffffff);
    }
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, 0x10), ==, 0xfffff000);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, 0x14), ==, 0xffffff01);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, 0x18), ==, 0xfff0000c);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, 0x1c), ==, 0xffffffff);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, 0x20), ==, 0);

    testdev_map(s);
    cfg_writel(s, TESTDEV_DEVFN, 0x18, (uint32_t)TESTDEV_MEMBAR | 0xc);
    cfg_writel(s, TESTDEV_DEVFN, 0x1c, TESTDEV_MEMBAR >> 32);
    /* The scratch register answers through the memory and I/O BARs. */
    qtest_writel(s, TESTDEV_MMIO + 8, 0xcafef00d);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO + 8), ==, 0xcafef00d);
    g_assert_cmphex(qtest_inl(s, TESTDEV_PORT + 8), ==, 0xcafef00d);
    qtest_outl(s, TESTDEV_PORT + 12, 0x12345678);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO + 12), ==, 0x12345678);
    /* The 64-bit prefetchable BAR above 4 GiB. */
    qtest_writeq(s, TESTDEV_MEMBAR + 0x100, 0x0123456789abcdefull);
    g_assert_cmphex(qtest_readq(s, TESTDEV_MEMBAR + 0x100), ==,
                    0x0123456789abcdefull);

    /* Moving BAR0: the old place goes quiet, the new one answers. */
    cfg_writel(s, TESTDEV_DEVFN, 0x10, TESTDEV_MMIO2);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO + 8), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO2 + 8), ==, 0xcafef00d);
    /* Memory decode off: no memory BAR answers; I/O still does. */
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0001);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO2 + 8), ==, 0xffffffff);
    g_assert_cmphex(qtest_readq(s, TESTDEV_MEMBAR + 0x100), ==,
                    0xffffffffffffffffull);
    g_assert_cmphex(qtest_inl(s, TESTDEV_PORT + 8), ==, 0xcafef00d);
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0000);
    g_assert_cmphex(qtest_inl(s, TESTDEV_PORT + 8), ==, 0xffffffff);
    /* A BAR over RAM is hidden by RAM. */
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0002);
    cfg_writel(s, TESTDEV_DEVFN, 0x10, 0x00100000);
    qtest_writel(s, 0x00100008, 0x11112222);
    g_assert_cmphex(qtest_readl(s, 0x00100008), ==, 0x11112222);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO2 + 8), ==, 0xffffffff);

    /* A reset puts every BAR back to 0 with decoding off. */
    qtest_qmp_assert_success(s, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(s, "RESET");
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, 0x10), ==, 0);
    g_assert_cmphex(cfg_readw(s, TESTDEV_DEVFN, 0x04), ==, 0);
    qtest_quit(s);
}

static void test_query_pci(void)
{
    QTestState *s = start_with_testdev(NULL);
    JsonNode *ret;
    JsonArray *buses, *devices, *regions;
    JsonObject *dev, *region;
    char *text;

    testdev_map(s);
    ret = qtest_qmp_assert_success_ref(s, "{'execute': 'query-pci'}");
    buses = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(buses), ==, 1);
    devices = json_object_get_array_member(
        json_array_get_object_element(buses, 0), "devices");
    g_assert_cmpuint(json_array_get_length(devices), ==,
                     6); /* with the default VGA */
    dev = json_array_get_object_element(devices, 5);
    g_assert_cmpint(json_object_get_int_member(dev, "slot"), ==, TESTDEV_SLOT);
    g_assert_cmpstr(json_object_get_string_member(dev, "qdev_id"), ==, "td");
    g_assert_cmpint(json_object_get_int_member(
                        json_object_get_object_member(dev, "id"), "vendor"),
                    ==, 0x1b36);
    regions = json_object_get_array_member(dev, "regions");
    g_assert_cmpuint(json_array_get_length(regions), ==, 3);
    region = json_array_get_object_element(regions, 1);
    g_assert_cmpstr(json_object_get_string_member(region, "type"), ==, "io");
    g_assert_cmpint(json_object_get_int_member(region, "address"), ==,
                    TESTDEV_PORT);
    g_assert_cmpint(json_object_get_int_member(region, "size"), ==, 256);
    json_node_unref(ret);

    text = qtest_hmp(s, "info pci");
    g_assert_nonnull(strstr(text, "  Bus  0, device   0, function 0:\r\n"
                                  "    Host bridge: PCI device 8086:1237\r\n"));
    g_assert_nonnull(strstr(text, "ISA bridge: PCI device 8086:7000"));
    g_assert_nonnull(strstr(text, "      BAR0: 32 bit memory at 0xe0000000 "
                                  "[0xe0000fff].\r\n"));
    g_assert_nonnull(strstr(text, "      BAR1: I/O at 0xc000 [0xc0ff].\r\n"));
    g_assert_nonnull(strstr(text, "      id \"td\"\r\n"));
    g_free(text);
    qtest_quit(s);
}

static void test_intx_pirq(void)
{
    QTestState *s = start_with_testdev(NULL);
    /* Slot 4 INTA is PIRQD on the i440FX board. */
    const int pirqd = 0x63;

    qtest_irq_intercept_in(s, "ioapic");
    testdev_map(s);
    g_assert_cmphex(cfg_readb(s, TESTDEV_DEVFN, 0x3d), ==, 1);

    /* Routing disabled: the line goes nowhere. */
    qtest_writel(s, TESTDEV_MMIO + 0x40, 1);
    g_assert_true(cfg_readw(s, TESTDEV_DEVFN, 0x06) & 0x0008);
    g_assert_false(qtest_get_irq(s, 11));
    /* Routed to IRQ 11 while asserted: the IRQ rises at once. */
    cfg_writeb(s, 0x08, pirqd, 11);
    g_assert_true(qtest_get_irq(s, 11));
    /* Interrupt Disable masks it; the status bit still shows the level. */
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0407);
    g_assert_false(qtest_get_irq(s, 11));
    g_assert_true(cfg_readw(s, TESTDEV_DEVFN, 0x06) & 0x0008);
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0007);
    g_assert_true(qtest_get_irq(s, 11));
    /* Re-routing moves the level from IRQ 11 to IRQ 10. */
    cfg_writeb(s, 0x08, pirqd, 10);
    g_assert_false(qtest_get_irq(s, 11));
    g_assert_true(qtest_get_irq(s, 10));
    qtest_writel(s, TESTDEV_MMIO + 0x40, 0);
    g_assert_false(qtest_get_irq(s, 10));
    g_assert_false(cfg_readw(s, TESTDEV_DEVFN, 0x06) & 0x0008);
    qtest_quit(s);
}

static void test_msi(void)
{
    QTestState *s = start_with_testdev(NULL);
    uint8_t cap = cfg_readb(s, TESTDEV_DEVFN, 0x34);
    const uint64_t target = 0x10000;

    testdev_map(s);
    g_assert_true(cfg_readw(s, TESTDEV_DEVFN, 0x06) & 0x0010);
    /* Walk the list to the MSI capability (05h): 64-bit, maskable, 4. */
    while (cap && cfg_readb(s, TESTDEV_DEVFN, cap) != 0x05) {
        cap = cfg_readb(s, TESTDEV_DEVFN, cap + 1);
    }
    g_assert_cmphex(cap, !=, 0);
    g_assert_cmphex(cfg_readw(s, TESTDEV_DEVFN, cap + 2), ==, 0x0184);

    /* A message to RAM is a plain dword write; 4 vectors enabled. */
    cfg_writel(s, TESTDEV_DEVFN, cap + 4, target);
    cfg_writel(s, TESTDEV_DEVFN, cap + 8, 0);
    cfg_writew(s, TESTDEV_DEVFN, cap + 12, 0x4240);
    qtest_writel(s, TESTDEV_MMIO + 0x44, 1);
    g_assert_cmphex(qtest_readl(s, target), ==, 0); /* not enabled yet */
    cfg_writew(s, TESTDEV_DEVFN, cap + 2, 0x0021);
    qtest_writel(s, TESTDEV_MMIO + 0x44, 3);
    g_assert_cmphex(qtest_readl(s, target), ==, 0x4243);
    /* Masked: pending instead; unmasking sends it. */
    qtest_writel(s, target, 0);
    cfg_writel(s, TESTDEV_DEVFN, cap + 0x10, 0x2);
    qtest_writel(s, TESTDEV_MMIO + 0x44, 1);
    g_assert_cmphex(qtest_readl(s, target), ==, 0);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, cap + 0x14), ==, 0x2);
    cfg_writel(s, TESTDEV_DEVFN, cap + 0x10, 0);
    g_assert_cmphex(qtest_readl(s, target), ==, 0x4241);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, cap + 0x14), ==, 0);
    /* Bus mastering off: no message at all. */
    qtest_writel(s, target, 0);
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0003);
    qtest_writel(s, TESTDEV_MMIO + 0x44, 0);
    g_assert_cmphex(qtest_readl(s, target), ==, 0);
    qtest_quit(s);
}

static void test_msix(void)
{
    QTestState *s = start_with_testdev(NULL);
    uint8_t cap = cfg_readb(s, TESTDEV_DEVFN, 0x34);
    const uint64_t table = TESTDEV_MMIO + 0x800, pba = TESTDEV_MMIO + 0xc00;
    const uint64_t target = 0x20000;

    testdev_map(s);
    while (cap && cfg_readb(s, TESTDEV_DEVFN, cap) != 0x11) {
        cap = cfg_readb(s, TESTDEV_DEVFN, cap + 1);
    }
    g_assert_cmphex(cap, !=, 0);
    g_assert_cmphex(cfg_readw(s, TESTDEV_DEVFN, cap + 2), ==, 7);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, cap + 4), ==, 0x800);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, cap + 8), ==, 0xc00);
    /* Vectors start masked. */
    g_assert_cmphex(qtest_readl(s, table + 5 * 16 + 12), ==, 1);

    qtest_writel(s, table + 5 * 16, target);
    qtest_writel(s, table + 5 * 16 + 4, 0);
    qtest_writel(s, table + 5 * 16 + 8, 0x7755);
    cfg_writew(s, TESTDEV_DEVFN, cap + 2, 0x8000);
    /* Masked vector: pending bit, no write. */
    qtest_writel(s, TESTDEV_MMIO + 0x48, 5);
    g_assert_cmphex(qtest_readl(s, target), ==, 0);
    g_assert_cmphex(qtest_readl(s, pba), ==, 1u << 5);
    /* Unmasking the entry sends it and clears the pending bit. */
    qtest_writel(s, table + 5 * 16 + 12, 0);
    g_assert_cmphex(qtest_readl(s, target), ==, 0x7755);
    g_assert_cmphex(qtest_readl(s, pba), ==, 0);
    /* Function mask holds every vector. */
    qtest_writel(s, target, 0);
    cfg_writew(s, TESTDEV_DEVFN, cap + 2, 0xc000);
    qtest_writel(s, TESTDEV_MMIO + 0x48, 5);
    g_assert_cmphex(qtest_readl(s, target), ==, 0);
    cfg_writew(s, TESTDEV_DEVFN, cap + 2, 0x8000);
    g_assert_cmphex(qtest_readl(s, target), ==, 0x7755);
    /* Out-of-range vectors are ignored. */
    qtest_writel(s, TESTDEV_MMIO + 0x48, 200);
    qtest_quit(s);
}

static void test_bus_master_dma(void)
{
    QTestState *s = start_with_testdev(NULL);
    uint8_t buf[16];

    testdev_map(s);
    qtest_writel(s, TESTDEV_MMIO + 0, 0x64636261);
    qtest_writel(s, TESTDEV_MMIO + 4, 0x68676665);
    qtest_writel(s, TESTDEV_MMIO + 0x50, 0x30000);
    qtest_writel(s, TESTDEV_MMIO + 0x54, 0);
    qtest_writel(s, TESTDEV_MMIO + 0x58, 8);
    qtest_writel(s, TESTDEV_MMIO + 0x5c, 1);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO + 0x5c), ==, 0);
    qtest_memread(s, 0x30000, buf, 8);
    g_assert_cmpmem(buf, 8, "abcdefgh", 8);
    /* Into the device from guest memory. */
    qtest_memwrite(s, 0x30000, "ABCDEFGH", 8);
    qtest_writel(s, TESTDEV_MMIO + 0x5c, 2);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO + 4), ==, 0x48474645);
    /* Without bus mastering the transfer is refused. */
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0003);
    qtest_memwrite(s, 0x30000, "zzzzzzzz", 8);
    qtest_writel(s, TESTDEV_MMIO + 0x5c, 1);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO + 0x5c), ==, 1);
    qtest_memread(s, 0x30000, buf, 8);
    g_assert_cmpmem(buf, 8, "zzzzzzzz", 8);
    /* A range wrapping the address space is refused whole. */
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0007);
    qtest_writel(s, TESTDEV_MMIO + 0x50, 0xfffffffc);
    qtest_writel(s, TESTDEV_MMIO + 0x54, 0xffffffff);
    qtest_writel(s, TESTDEV_MMIO + 0x5c, 1);
    g_assert_cmphex(qtest_readl(s, TESTDEV_MMIO + 0x5c), ==, 1);
    qtest_quit(s);
}

static void test_rom_bar(void)
{
    g_autofree char *rom = qtest_tmp_path("testdev.rom");
    uint8_t image[3000];
    QTestState *s;

    memset(image, 0x5a, sizeof(image));
    image[0] = 0x55;
    image[1] = 0xaa;
    image[2] = sizeof(image) / 512 + 1;
    g_assert_true(g_file_set_contents(rom, (char *)image, sizeof(image), NULL));
    s = qtest_initf("-device pci-testdev,addr=%x,romfile=%s", TESTDEV_SLOT,
                    rom);
    /* 3000 bytes round up to a 4 KiB ROM BAR with its enable bit. */
    cfg_writel(s, TESTDEV_DEVFN, 0x30, 0xffffffff);
    g_assert_cmphex(cfg_readl(s, TESTDEV_DEVFN, 0x30), ==, 0xfffff001);
    cfg_writel(s, TESTDEV_DEVFN, 0x30, 0xe0200000);
    cfg_writew(s, TESTDEV_DEVFN, 0x04, 0x0002);
    g_assert_cmphex(qtest_readw(s, 0xe0200000), ==, 0xffff);
    cfg_writel(s, TESTDEV_DEVFN, 0x30, 0xe0200001);
    g_assert_cmphex(qtest_readw(s, 0xe0200000), ==, 0xaa55);
    g_assert_cmphex(qtest_readb(s, 0xe0200000 + 2999), ==, 0x5a);
    g_assert_cmphex(qtest_readb(s, 0xe0200000 + 3000), ==, 0x00);
    /* ROM: writes are dropped. */
    qtest_writeb(s, 0xe0200004, 0x11);
    g_assert_cmphex(qtest_readb(s, 0xe0200004), ==, 0x5a);
    qtest_quit(s);
    unlink(rom);
}

/* The 82441FX PAM registers steer 0xC0000-0xFFFFF between BIOS and RAM. */
static void test_pam(void)
{
    /* No VGA: its legacy window would answer at 0xA0000. */
    QTestState *s = qtest_init("-vga none");
    uint32_t bios_top = qtest_readl(s, 0xffff0);

    /* Power-on: reads reach the BIOS ROM (aliased from below 4 GiB), and
     * the option ROM area has nothing. */
    g_assert_cmphex(bios_top, ==, qtest_readl(s, 0xfffffff0));
    g_assert_cmphex(qtest_readl(s, 0xc0000), ==, 0xffffffff);
    qtest_writel(s, 0xc0000, 0x12345678);
    g_assert_cmphex(qtest_readl(s, 0xc0000), ==, 0xffffffff);

    /* 0xC0000-0xC3FFF read/write DRAM (PAM1 low nibble = 11). */
    cfg_writeb(s, 0, 0x5a, 0x03);
    qtest_writel(s, 0xc0000, 0x12345678);
    g_assert_cmphex(qtest_readl(s, 0xc0000), ==, 0x12345678);
    g_assert_cmphex(qtest_readl(s, 0xc4000), ==, 0xffffffff);
    /* Read-only: what is in RAM shows, writes are dropped. */
    cfg_writeb(s, 0, 0x5a, 0x01);
    qtest_writel(s, 0xc0000, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(s, 0xc0000), ==, 0x12345678);
    /* Write-only: writes reach RAM, reads go to PCI. */
    cfg_writeb(s, 0, 0x5a, 0x02);
    qtest_writel(s, 0xc0000, 0x0badcafe);
    g_assert_cmphex(qtest_readl(s, 0xc0000), ==, 0xffffffff);
    cfg_writeb(s, 0, 0x5a, 0x03);
    g_assert_cmphex(qtest_readl(s, 0xc0000), ==, 0x0badcafe);

    /* Shadowing the BIOS the way firmware does: copy while write-only... */
    cfg_writeb(s, 0, 0x59, 0x20);
    qtest_writel(s, 0xffff0, bios_top ^ 0xffffffff);
    g_assert_cmphex(qtest_readl(s, 0xffff0), ==, bios_top);
    /* ...then read/write DRAM shows the RAM copy, PCI (00) the ROM again. */
    cfg_writeb(s, 0, 0x59, 0x30);
    g_assert_cmphex(qtest_readl(s, 0xffff0), ==, bios_top ^ 0xffffffff);
    cfg_writeb(s, 0, 0x59, 0x00);
    g_assert_cmphex(qtest_readl(s, 0xffff0), ==, bios_top);

    /* SMRAM: 0xA0000 is PCI (nothing) until D_OPEN shows the RAM. */
    g_assert_cmphex(cfg_readb(s, 0, 0x72), ==, 0x02);
    qtest_writel(s, 0xa0000, 0x55667788);
    g_assert_cmphex(qtest_readl(s, 0xa0000), ==, 0xffffffff);
    cfg_writeb(s, 0, 0x72, 0x4a);
    qtest_writel(s, 0xa0000, 0x55667788);
    g_assert_cmphex(qtest_readl(s, 0xa0000), ==, 0x55667788);
    /* D_LCK closes SMRAM and keeps it closed. */
    cfg_writeb(s, 0, 0x72, 0x1a);
    cfg_writeb(s, 0, 0x72, 0x4a);
    g_assert_cmphex(cfg_readb(s, 0, 0x72), ==, 0x1a);
    g_assert_cmphex(qtest_readl(s, 0xa0000), ==, 0xffffffff);
    qtest_quit(s);
}

/* pcvm's error and exit status for a -device line. */
static char *device_error(const char *device)
{
    g_autofree char *out = NULL, *err = NULL;
    const char *argv[] = {qtest_binary(),
                          "-accel",
                          "qtest",
                          "-display",
                          "none",
                          "-nodefaults",
                          "-device",
                          device,
                          "-device",
                          "pci-testdev,addr=5.0",
                          NULL};
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
                               &err, &status, NULL));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    return g_strchomp(g_strdup(err));
}

static void test_addr_rules(void)
{
    char *e;

    e = device_error("pci-testdev,addr=5.0");
    g_assert_cmpstr(e, ==,
                    "pcvm: -device pci-testdev,addr=5.0: PCI: slot 5 "
                    "function 0 not available for pci-testdev, in use "
                    "by pci-testdev");
    g_free(e);
    e = device_error("pci-testdev,addr=0.1");
    g_assert_cmpstr(e, ==,
                    "pcvm: -device pci-testdev,addr=0.1: PCI: single "
                    "function device can't be populated in function "
                    "0.1");
    g_free(e);
    e = device_error("pci-testdev,addr=32");
    g_assert_cmpstr(e, ==,
                    "pcvm: -device pci-testdev,addr=32: Property "
                    "'pci-testdev.addr' doesn't take value '32'");
    g_free(e);

    /* Function 1 of a multifunction slot, and a second bus name lookup. */
    {
        QTestState *s = qtest_init("-device pci-testdev,addr=6.0,"
                                   "multifunction=on -device pci-testdev,"
                                   "addr=6.1,bus=pci.0");

        g_assert_cmphex(cfg_readl(s, PCI_DEVFN_TEST(6, 1), 0), ==, 0x00051b36);
        g_assert_cmphex(cfg_readb(s, PCI_DEVFN_TEST(6, 0), 0x0e), ==, 0x80);
        qtest_quit(s);
    }
}

/* The MP table's I/O interrupt entry for a PCI source, or NULL. */
static const uint8_t *mp_pci_entry(const uint8_t *table, unsigned len,
                                   uint8_t bus, uint8_t source)
{
    static const uint8_t sizes[] = {20, 8, 8, 8, 8};

    for (unsigned off = 44; off < len && table[off] < 5;
         off += sizes[table[off]]) {
        const uint8_t *e = table + off;

        if (e[0] == 3 && e[4] == bus && e[5] == source) {
            return e;
        }
    }
    return NULL;
}

/*
 * Without firmware the board routes PCI interrupts as SeaBIOS would:
 * PIRQA-D to IRQs 10, 10, 11, 11, each function's Interrupt Line set to
 * its routed IRQ, and the MP table's PCI bus with every slot's INTA-D.
 */
static void test_direct_boot_intx(void)
{
    g_autofree char *kernel = qtest_multiboot_kernel_new();
    QTestState *s =
        qtest_initf("-kernel %s -device pci-testdev,addr=%x -device "
                    "pci-testdev,addr=6",
                    kernel, TESTDEV_SLOT);
    uint8_t floating[16], header[44];
    g_autofree uint8_t *table = NULL;
    const uint8_t *e;
    unsigned len, pci_entries = 0;
    uint8_t sum = 0;

    for (int round = 0; round < 2; round++) {
        g_assert_cmphex(cfg_readl(s, 0x08, 0x60), ==, 0x0b0b0a0a);
        /* Slot 4 INTA is PIRQD, slot 6 INTA PIRQB, the PM's is its SCI. */
        g_assert_cmpint(cfg_readb(s, TESTDEV_DEVFN, 0x3c), ==, 11);
        g_assert_cmpint(cfg_readb(s, PCI_DEVFN_TEST(6, 0), 0x3c), ==, 10);
        g_assert_cmpint(cfg_readb(s, PCI_DEVFN_TEST(1, 3), 0x3c), ==, 9);
        /* The IDE function has no pin and keeps its line. */
        g_assert_cmpint(cfg_readb(s, PCI_DEVFN_TEST(1, 1), 0x3c), ==, 0);
        /* Still so after a reset: nothing else would redo it. */
        qtest_qmp_assert_success(s, "{'execute': 'system_reset'}");
        qtest_qmp_eventwait(s, "RESET");
    }

    /* The line reaches the IOAPIC pin the tables name. */
    qtest_irq_intercept_in(s, "ioapic");
    testdev_map(s);
    qtest_writel(s, TESTDEV_MMIO + 0x40, 1);
    g_assert_true(qtest_get_irq(s, 11));
    qtest_writel(s, TESTDEV_MMIO + 0x40, 0);
    g_assert_false(qtest_get_irq(s, 11));

    qtest_memread(s, 0xf0000, floating, sizeof(floating));
    g_assert_cmpmem(floating, 4, "_MP_", 4);
    qtest_memread(s, floating[4] | floating[5] << 8 | floating[6] << 16, header,
                  sizeof(header));
    g_assert_cmpmem(header, 4, "PCMP", 4);
    len = header[4] | header[5] << 8;
    table = g_malloc(len);
    qtest_memread(s, floating[4] | floating[5] << 8 | floating[6] << 16, table,
                  len);
    for (unsigned i = 0; i < len; i++) {
        sum += table[i];
    }
    g_assert_cmpint(sum, ==, 0);
    /* Bus 0 is PCI, bus 1 ISA; IRQ 4 (COM1) comes from the ISA bus. */
    g_assert_nonnull(memmem(table, len, "\x01\x00PCI   ", 8));
    g_assert_nonnull(memmem(table, len, "\x01\x01ISA   ", 8));
    e = mp_pci_entry(table, len, 1, 4);
    g_assert_nonnull(e);
    g_assert_cmpint(e[7], ==, 4);
    /* Slot 4 INTA: level, active low, on IOAPIC pin 11; INTB on 10. */
    e = mp_pci_entry(table, len, 0, TESTDEV_SLOT << 2 | 0);
    g_assert_nonnull(e);
    g_assert_cmphex(e[2], ==, 0x0f);
    g_assert_cmpint(e[7], ==, 11);
    e = mp_pci_entry(table, len, 0, TESTDEV_SLOT << 2 | 1);
    g_assert_nonnull(e);
    g_assert_cmpint(e[7], ==, 10);
    /* Slot 1 INTA is the SCI: level, active high, pin 9. */
    e = mp_pci_entry(table, len, 0, 1 << 2);
    g_assert_nonnull(e);
    g_assert_cmphex(e[2], ==, 0x0d);
    g_assert_cmpint(e[7], ==, 9);
    for (unsigned slot = 0; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            pci_entries += mp_pci_entry(table, len, 0, slot << 2 | pin) != 0;
        }
    }
    g_assert_cmpint(pci_entries, ==, 128);
    qtest_quit(s);
    unlink(kernel);
}

/*
 * CONFADD keeps the two low bits it was written with and ORs them into
 * the register offset, as QEMU does: its test library reads a word at
 * offset 2 by writing 2 into CONFADD and reading 0xCFC.
 */
static void test_confadd_low_bits(void)
{
    QTestState *s = qtest_init("");
    uint32_t base = 0x80000000u; /* 00.0, the i440FX: 8086:1237 */

    qtest_outl(s, CONFADD, base | 2);
    g_assert_cmphex(qtest_inl(s, CONFADD), ==, base | 2);
    g_assert_cmphex(qtest_inw(s, 0xcfc), ==, 0x1237);
    qtest_outl(s, CONFADD, base | 1);
    g_assert_cmphex(qtest_inb(s, 0xcfc), ==, 0x80);   /* vendor high byte */
    g_assert_cmphex(qtest_inw(s, 0xcfc), ==, 0x3780); /* bytes 1-2 */
    qtest_outl(s, CONFADD, base);
    g_assert_cmphex(qtest_inw(s, 0xcfe), ==, 0x1237); /* the data offset */
    g_assert_cmphex(qtest_inl(s, 0xcfc), ==, 0x12378086);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/enumeration", test_enumeration);
    g_test_add_func("/pci/bar-sizing-moving", test_bar_sizing_and_moving);
    g_test_add_func("/pci/query-pci", test_query_pci);
    g_test_add_func("/pci/intx-pirq", test_intx_pirq);
    g_test_add_func("/pci/msi", test_msi);
    g_test_add_func("/pci/msix", test_msix);
    g_test_add_func("/pci/bus-master-dma", test_bus_master_dma);
    g_test_add_func("/pci/rom-bar", test_rom_bar);
    g_test_add_func("/pci/pam-smram", test_pam);
    g_test_add_func("/pci/addr-rules", test_addr_rules);
    g_test_add_func("/pci/confadd-low-bits", test_confadd_low_bits);
    g_test_add_func("/pci/direct-boot-intx", test_direct_boot_intx);
    return g_test_run();
}
