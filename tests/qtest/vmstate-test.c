/*
 * Saving and loading the machine's device state (x-save-devices and
 * x-load-devices): registers poked in one pcvm read back the same in a
 * second pcvm started with the same command line after it loads the first
 * one's state, the stream a freshly loaded machine saves is byte for byte
 * the one it loaded, and a stream that is cut short, altered or from
 * another command line is refused with one line.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define COM1 0x3f8
#define IDE0 0x1f0
#define IOAPIC_BASE 0xfec00000ull
#define FW_CFG_CTL 0x510
#define FW_CFG_DATA 0x511
#define KBD_DATA 0x60
#define KBD_STATUS 0x64
#define PCI_TESTDEV "00:03.0"

static char *disk;

static const char *machine_args(void)
{
    static char *args;

    if (!args) {
        args = g_strdup_printf("-nodefaults -serial null -rtc clock=vm "
                               "-device pci-testdev,addr=03.0 "
                               "-drive file=%s,format=raw,if=ide,index=0",
                               disk);
    }
    return args;
}

static uint32_t pci_config_addr(int dev, int fn, int reg)
{
    return 0x80000000u | (dev << 11) | (fn << 8) | (reg & 0xfc);
}

static void pci_writel(QTestState *s, int dev, int fn, int reg, uint32_t v)
{
    qtest_outl(s, 0xcf8, pci_config_addr(dev, fn, reg));
    qtest_outl(s, 0xcfc, v);
}

static uint32_t pci_readl(QTestState *s, int dev, int fn, int reg)
{
    qtest_outl(s, 0xcf8, pci_config_addr(dev, fn, reg));
    return qtest_inl(s, 0xcfc);
}

static void pci_writeb(QTestState *s, int dev, int fn, int reg, uint8_t v)
{
    qtest_outl(s, 0xcf8, pci_config_addr(dev, fn, reg));
    qtest_outb(s, 0xcfc + (reg & 3), v);
}

/* Puts every device the test reads into a state other than its reset one. */
static void poke(QTestState *s)
{
    /* serial: 57600 8N1 via DLAB, interrupts, scratch, modem control */
    qtest_outb(s, COM1 + 3, 0x83);
    qtest_outb(s, COM1 + 0, 0x02);
    qtest_outb(s, COM1 + 1, 0x00);
    qtest_outb(s, COM1 + 3, 0x03);
    qtest_outb(s, COM1 + 1, 0x05);
    qtest_outb(s, COM1 + 4, 0x0b);
    qtest_outb(s, COM1 + 7, 0x5a);
    /* RTC: alarm seconds, a CMOS byte, and the index left at 0x0e */
    qtest_outb(s, 0x70, 0x01);
    qtest_outb(s, 0x71, 0x37);
    qtest_outb(s, 0x70, 0x40);
    qtest_outb(s, 0x71, 0xab);
    qtest_outb(s, 0x70, 0x0e);
    qtest_outb(s, 0x71, 0x77);
    /* PIC: master initialised to vector 0x28, a mask; slave mask */
    qtest_outb(s, 0x20, 0x11);
    qtest_outb(s, 0x21, 0x28);
    qtest_outb(s, 0x21, 0x04);
    qtest_outb(s, 0x21, 0x01);
    qtest_outb(s, 0x21, 0x5a);
    qtest_outb(s, 0xa1, 0xc3);
    qtest_outb(s, 0x20, 0x0b); /* OCW3: the command port reads ISR */
    /* IOAPIC: redirection entry 3, and IOREGSEL left pointing at it */
    qtest_writel(s, IOAPIC_BASE, 0x16);
    qtest_writel(s, IOAPIC_BASE + 0x10, 0x0001a033);
    qtest_writel(s, IOAPIC_BASE, 0x17);
    qtest_writel(s, IOAPIC_BASE + 0x10, 0x01000000);
    /* PCI: PIIX3 PIRQ routes, i440FX PAM, pci-testdev BAR and command */
    pci_writel(s, 1, 0, 0x60, 0x0b0a0b0a);
    pci_writeb(s, 0, 0, 0x59, 0x30);
    pci_writel(s, 3, 0, 0x10, 0xfebf0000);
    pci_writel(s, 3, 0, 0x04, 0x00000007);
    /* pci-testdev scratch through the BAR just mapped */
    qtest_writel(s, 0xfebf0000ull, 0xc0ffee11);
    /* IDE: a task file for the master, no command */
    qtest_outb(s, IDE0 + 6, 0xe0);
    qtest_outb(s, IDE0 + 2, 0x05);
    qtest_outb(s, IDE0 + 3, 0x11);
    qtest_outb(s, IDE0 + 4, 0x22);
    qtest_outb(s, IDE0 + 5, 0x33);
    qtest_outb(s, IDE0 + 1, 0x44);
    /* fw_cfg: the signature item, two bytes into it */
    qtest_outw(s, FW_CFG_CTL, 0x0000);
    g_assert_cmphex(qtest_inb(s, FW_CFG_DATA), ==, 'Q');
    g_assert_cmphex(qtest_inb(s, FW_CFG_DATA), ==, 'E');
    /*
     * PS/2: the keyboard's identify reply (FA AB 83) and the echo (EE)
     * queued; the controller's output buffer holds the first byte.
     */
    qtest_outb(s, KBD_DATA, 0xf2);
    qtest_outb(s, KBD_DATA, 0xee);
    /* 8237A: channel 2's address and page, channel 5's (word) address. */
    qtest_outb(s, 0x0c, 0);
    qtest_outb(s, 0x04, 0x34);
    qtest_outb(s, 0x04, 0x12);
    qtest_outb(s, 0x81, 0x56);
    qtest_outb(s, 0xd8, 0);
    qtest_outb(s, 0xc4, 0x78);
    qtest_outb(s, 0xc4, 0x9a);
}

/* Appends "name=value" for an inb, in the order the reads happen. */
static void in8(GString *out, QTestState *s, const char *name, uint16_t port)
{
    g_string_append_printf(out, " %s=%02x", name, qtest_inb(s, port));
}

static void cfg32(GString *out, QTestState *s, const char *name, int dev,
                  int reg)
{
    g_string_append_printf(out, " %s=%08x", name, pci_readl(s, dev, 0, reg));
}

/* Reads back what poke() set, in order; reading may consume state. */
static GString *read_back(QTestState *s)
{
    GString *out = g_string_new("serial");

    qtest_outb(s, COM1 + 3, 0x83);
    in8(out, s, "dll", COM1 + 0);
    in8(out, s, "dlm", COM1 + 1);
    qtest_outb(s, COM1 + 3, 0x03);
    in8(out, s, "ier", COM1 + 1);
    in8(out, s, "lcr", COM1 + 3);
    in8(out, s, "mcr", COM1 + 4);
    in8(out, s, "scr", COM1 + 7);
    in8(out, s, "iir", COM1 + 2);
    in8(out, s, "lsr", COM1 + 5);
    g_string_append(out, "\nrtc");
    in8(out, s, "reg0e", 0x71);
    qtest_outb(s, 0x70, 0x01);
    in8(out, s, "alarm", 0x71);
    qtest_outb(s, 0x70, 0x40);
    in8(out, s, "cmos40", 0x71);
    qtest_outb(s, 0x70, 0x0b);
    in8(out, s, "regb", 0x71);
    g_string_append(out, "\npic");
    in8(out, s, "isr", 0x20);
    in8(out, s, "imr", 0x21);
    in8(out, s, "slave-imr", 0xa1);
    g_string_append_printf(out, "\nioapic sel=%02x",
                           qtest_readl(s, IOAPIC_BASE));
    qtest_writel(s, IOAPIC_BASE, 0x16);
    g_string_append_printf(out, " redir3=%08x",
                           qtest_readl(s, IOAPIC_BASE + 0x10));
    qtest_writel(s, IOAPIC_BASE, 0x17);
    g_string_append_printf(out, ":%08x", qtest_readl(s, IOAPIC_BASE + 0x10));
    g_string_append(out, "\npci");
    cfg32(out, s, "pirq", 1, 0x60);
    cfg32(out, s, "pam", 0, 0x58);
    cfg32(out, s, "testdev-bar0", 3, 0x10);
    cfg32(out, s, "testdev-cmd", 3, 0x04);
    g_string_append_printf(out, " scratch=%08x", qtest_readl(s, 0xfebf0000ull));
    g_string_append(out, "\nide");
    in8(out, s, "nsector", IDE0 + 2);
    in8(out, s, "sector", IDE0 + 3);
    in8(out, s, "lcyl", IDE0 + 4);
    in8(out, s, "hcyl", IDE0 + 5);
    in8(out, s, "select", IDE0 + 6);
    in8(out, s, "status", IDE0 + 7);
    g_string_append(out, "\nfw_cfg");
    in8(out, s, "next", FW_CFG_DATA);
    in8(out, s, "then", FW_CFG_DATA);
    g_string_append(out, "\nps2");
    for (int i = 0; i < 4; i++) {
        in8(out, s, "status", KBD_STATUS);
        in8(out, s, "data", KBD_DATA);
    }
    in8(out, s, "status", KBD_STATUS);
    g_string_append(out, "\n");
    in8(out, s, "dma2-lo", 0x04);
    in8(out, s, "dma2-hi", 0x04);
    in8(out, s, "dma2-page", 0x81);
    in8(out, s, "dma5-lo", 0xc4);
    in8(out, s, "dma5-hi", 0xc4);
    return out;
}

/* The error text of a QMP reply, or NULL for success. */
static char *qmp_error(JsonObject *resp)
{
    char *msg = NULL;

    if (json_object_has_member(resp, "error")) {
        msg = g_strdup(json_object_get_string_member(
            json_object_get_object_member(resp, "error"), "desc"));
        g_assert_null(strchr(msg, '\n'));
    } else {
        g_assert_true(json_object_has_member(resp, "return"));
    }
    json_object_unref(resp);
    return msg;
}

static char *save(QTestState *s, const char *path)
{
    return qmp_error(qtest_qmp(s,
                               "{'execute': 'x-save-devices', "
                               "'arguments': {'filename': '%s'}}",
                               path));
}

static char *load(QTestState *s, const char *path)
{
    return qmp_error(qtest_qmp(s,
                               "{'execute': 'x-load-devices', "
                               "'arguments': {'filename': '%s'}}",
                               path));
}

static GBytes *file_bytes(const char *path)
{
    char *data;
    size_t len;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

static void test_save_load(void)
{
    g_autofree char *first = qtest_tmp_path("vmstate-a.bin");
    g_autofree char *second = qtest_tmp_path("vmstate-b.bin");
    g_autoptr(GString) expected = NULL, got = NULL;
    g_autoptr(GBytes) a = NULL, b = NULL;
    g_autofree char *err1 = NULL, *err2 = NULL, *err3 = NULL;
    QTestState *s1 = qtest_init(machine_args());
    QTestState *s2;

    poke(s1);
    err1 = save(s1, first);
    g_assert_cmpstr(err1, ==, NULL);
    expected = read_back(s1);
    qtest_quit(s1);

    s2 = qtest_init(machine_args());
    err2 = load(s2, first);
    g_assert_cmpstr(err2, ==, NULL);
    /* Loaded into a fresh machine, then saved again: the same bytes. */
    err3 = save(s2, second);
    g_assert_cmpstr(err3, ==, NULL);
    a = file_bytes(first);
    b = file_bytes(second);
    g_assert_true(g_bytes_equal(a, b));
    got = read_back(s2);
    g_test_message("read back:\n%s", got->str);
    g_assert_cmpstr(got->str, ==, expected->str);
    /* The values are the poked ones, not the reset ones. */
    g_assert_nonnull(strstr(got->str, "dll=02 dlm=00 ier=05 lcr=03 mcr=0b "
                                      "scr=5a"));
    g_assert_nonnull(strstr(got->str, "reg0e=77 alarm=37 cmos40=ab"));
    g_assert_nonnull(strstr(got->str, "imr=5a slave-imr=c3"));
    g_assert_nonnull(strstr(got->str, "sel=17 redir3=0001a033:01000000"));
    g_assert_nonnull(strstr(got->str, "pirq=0b0a0b0a"));
    g_assert_nonnull(strstr(got->str, "testdev-bar0=febf0000"));
    g_assert_nonnull(strstr(got->str, "scratch=c0ffee11"));
    g_assert_nonnull(strstr(got->str, "nsector=05 sector=11 lcyl=22 hcyl=33 "
                                      "select=e0"));
    g_assert_nonnull(strstr(got->str, "next=4d then=55")); /* "MU" */
    /* The keyboard's queue: FA AB 83 (as set 1: 41) and the echo EE. */
    g_assert_nonnull(strstr(got->str, "data=fa status=15 data=ab status=15 "
                                      "data=41 status=15 data=ee status=14"));
    qtest_quit(s2);
    unlink(first);
    unlink(second);
}

static void test_refused(void)
{
    g_autofree char *good = qtest_tmp_path("vmstate-good.bin");
    g_autofree char *bad = qtest_tmp_path("vmstate-bad.bin");
    QTestState *s = qtest_init(machine_args());
    g_autofree char *err = save(s, good);
    g_autoptr(GBytes) bytes = NULL;
    const uint8_t *data;
    size_t len;

    g_assert_null(err);
    bytes = file_bytes(good);
    data = g_bytes_get_data(bytes, &len);

    /* cut short */
    {
        g_autofree char *msg = NULL;

        g_assert_true(
            g_file_set_contents(bad, (const char *)data, len - 9, NULL));
        msg = load(s, bad);
        g_assert_nonnull(msg);
        g_assert_nonnull(strstr(msg, "truncated"));
    }
    /* one byte altered in the middle */
    {
        g_autofree uint8_t *copy = g_memdup2(data, len);
        g_autofree char *msg = NULL;

        copy[len / 2] ^= 0x10;
        g_assert_true(g_file_set_contents(bad, (const char *)copy, len, NULL));
        msg = load(s, bad);
        g_assert_nonnull(msg);
    }
    /* not a stream at all */
    {
        g_autofree char *msg = NULL;

        g_assert_true(g_file_set_contents(bad, "hello", 5, NULL));
        msg = load(s, bad);
        g_assert_cmpstr(msg, ==,
                        "not a pcvm device state stream (no "
                        "PCVMDEVS header)");
    }
    qtest_quit(s);

    /* a machine without the pci-testdev the stream has */
    {
        g_autofree char *msg = NULL;
        g_autofree char *args =
            g_strdup_printf("-nodefaults -serial null -rtc clock=vm "
                            "-drive file=%s,format=raw,if=ide,index=0",
                            disk);

        s = qtest_init(args);
        msg = load(s, good);
        g_assert_nonnull(msg);
        g_assert_nonnull(strstr(msg, "which this machine does not have"));
        qtest_quit(s);
    }
    unlink(good);
    unlink(bad);
}

int main(int argc, char **argv)
{
    const char *bin = g_getenv("PCVM_QTEST_BINARY");
    int fd, ret;

    g_test_init(&argc, &argv, NULL);
    if (bin && strstr(bin, "qemu")) {
        /* x-save-devices and x-load-devices are pcvm's own commands. */
        g_test_skip("pcvm's own commands");
        return g_test_run();
    }
    disk = qtest_tmp_path("vmstate-disk.img");
    fd = open(disk, O_RDWR | O_CREAT | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 1 << 20), ==, 0);
    close(fd);
    g_test_add_func("/vmstate/save-load", test_save_load);
    g_test_add_func("/vmstate/refused", test_refused);
    ret = g_test_run();
    unlink(disk);
    return ret;
}
