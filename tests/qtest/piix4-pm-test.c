/*
 * PIIX4 power management (01.3) as firmware and an ACPI OS drive it: the
 * function's configuration, the PM I/O window at PMBA, the PM timer, its
 * overflow event, the power button (system_powerdown), GPE0, the APM
 * ACPI enable/disable commands, S5 soft-off ending pcvm, and the SMBus
 * host with nothing behind it. SCI is ISA IRQ 9.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

#define PM_DEVFN 0x0b
#define PMBA 0x600
#define SMBBA 0x700

#define PM1_STS (PMBA + 0)
#define PM1_EN (PMBA + 2)
#define PM1_CNT (PMBA + 4)
#define PM_TMR (PMBA + 8)

static uint32_t cfg_readl(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, 0xcf8, 0x80000000u | (devfn << 8) | reg);
    return qtest_inl(s, 0xcfc);
}

static void cfg_writel(QTestState *s, int devfn, int reg, uint32_t v)
{
    qtest_outl(s, 0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc));
    qtest_outl(s, 0xcfc, v);
}

static void cfg_writeb(QTestState *s, int devfn, int reg, uint8_t v)
{
    qtest_outl(s, 0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc));
    qtest_outb(s, 0xcfc + (reg & 3), v);
}

/* What SeaBIOS does: PMBA, PM I/O enable, SMBus base and enable. */
static QTestState *start_pm(void)
{
    QTestState *s = qtest_init("");

    qtest_irq_intercept_in(s, "ioapic");
    cfg_writel(s, PM_DEVFN, 0x40, PMBA | 1);
    cfg_writeb(s, PM_DEVFN, 0x80, 0x01);
    cfg_writel(s, PM_DEVFN, 0x90, SMBBA | 1);
    cfg_writeb(s, PM_DEVFN, 0xd2, 0x09);
    cfg_writel(s, PM_DEVFN, 0x04, 0x0001);
    return s;
}

static void test_config(void)
{
    QTestState *s = qtest_init("");

    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x00), ==, 0x71138086);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x08), ==, 0x06800003);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x3c) >> 8 & 0xff, ==, 1);
    /* PMBA and SMBBA read with their I/O-space bit; APMC_EN preset. */
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x40), ==, 0x00000001);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x58) >> 24, ==, 0x02);
    cfg_writel(s, PM_DEVFN, 0x40, 0xb000);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x40), ==, 0xb001);
    /* Before PMREGMISC enables it, nothing answers at PMBA. */
    g_assert_cmphex(qtest_inw(s, 0xb004), ==, 0xffff);
    cfg_writeb(s, PM_DEVFN, 0x80, 0x01);
    g_assert_cmphex(qtest_inw(s, 0xb004), ==, 0x0001); /* SCI_EN */
    /* Moving PMBA moves the window. */
    cfg_writel(s, PM_DEVFN, 0x40, PMBA | 1);
    g_assert_cmphex(qtest_inw(s, 0xb004), ==, 0xffff);
    g_assert_cmphex(qtest_inw(s, PM1_CNT), ==, 0x0001);
    qtest_quit(s);
}

static void test_pm_timer(void)
{
    QTestState *s = start_pm();
    uint32_t t0, t1;

    t0 = qtest_inl(s, PM_TMR);
    g_assert_cmphex(t0 & ~0xffffffu, ==, 0);
    qtest_clock_step(s, 1000000000);
    t1 = qtest_inl(s, PM_TMR);
    g_assert_cmpuint((t1 - t0) & 0xffffff, ==, 3579545 & 0xffffff);

    /* The overflow event: bit 23 toggles every 2^23 ticks (~2.34 s). */
    g_assert_false(qtest_get_irq(s, 9));
    qtest_outw(s, PM1_EN, 0x0001);
    qtest_clock_step(s, 2400000000);
    g_assert_true(qtest_inw(s, PM1_STS) & 0x0001);
    g_assert_true(qtest_get_irq(s, 9));
    qtest_outw(s, PM1_STS, 0x0001);
    g_assert_false(qtest_inw(s, PM1_STS) & 0x0001);
    g_assert_false(qtest_get_irq(s, 9));
    /* With TMR_EN clear the status still latches but no SCI. */
    qtest_outw(s, PM1_EN, 0);
    qtest_clock_step(s, 2400000000);
    g_assert_false(qtest_get_irq(s, 9));
    qtest_quit(s);
}

static void test_power_button(void)
{
    QTestState *s = start_pm();

    qtest_outw(s, PM1_EN, 0x0100);
    qtest_qmp_assert_success(s, "{'execute': 'system_powerdown'}");
    qtest_qmp_eventwait(s, "POWERDOWN");
    g_assert_cmphex(qtest_inw(s, PM1_STS) & 0x0100, ==, 0x0100);
    g_assert_true(qtest_get_irq(s, 9));
    qtest_outw(s, PM1_STS, 0x0100);
    g_assert_cmphex(qtest_inw(s, PM1_STS), ==, 0);
    g_assert_false(qtest_get_irq(s, 9));
    /* GPE0 at 0xafe0: enable bits are storage, status only clears. */
    qtest_outb(s, 0xafe2, 0x0f);
    g_assert_cmphex(qtest_inb(s, 0xafe2), ==, 0x0f);
    qtest_outb(s, 0xafe0, 0xff);
    g_assert_cmphex(qtest_inb(s, 0xafe0), ==, 0);
    g_assert_false(qtest_get_irq(s, 9));
    /* No PCI hotplug slots. */
    g_assert_cmphex(qtest_inl(s, 0xae0c), ==, 0);
    qtest_quit(s);
}

static void test_apm_and_smbus(void)
{
    QTestState *s = start_pm();

    qtest_outb(s, 0xb2, 0xf0);
    g_assert_cmphex(qtest_inw(s, PM1_CNT) & 1, ==, 0);
    qtest_outb(s, 0xb2, 0xf1);
    g_assert_cmphex(qtest_inw(s, PM1_CNT) & 1, ==, 1);
    qtest_outb(s, 0xb3, 0x5a);
    g_assert_cmphex(qtest_inb(s, 0xb3), ==, 0x5a);
    /* A quick read of address 0x50: nobody answers. */
    qtest_outb(s, SMBBA + 4, 0xa1);
    qtest_outb(s, SMBBA + 2, 0x40);
    g_assert_cmphex(qtest_inb(s, SMBBA) & 0x04, ==, 0x04);
    qtest_outb(s, SMBBA, 0x04);
    g_assert_cmphex(qtest_inb(s, SMBBA), ==, 0);
    qtest_quit(s);
}

static void test_soft_off(void)
{
    QTestState *s = start_pm();
    JsonObject *event, *data;

    /* SLP_TYP 0 with SLP_EN: the S5 value of QEMU's and SeaBIOS's tables. */
    qtest_outw(s, PM1_CNT, 0x2000);
    event = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    data = json_object_get_object_member(event, "data");
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "guest-shutdown");
    json_object_unref(event);
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
    qtest_quit(s);
}

/*
 * With -kernel no firmware runs, so the board leaves the function as
 * SeaBIOS would: Linux without ACPI finds PMBA and powers off through
 * PM1_CNT (its piix4-poweroff driver), which must end pcvm.
 */
static void test_direct_boot(void)
{
    g_autofree char *kernel = qtest_multiboot_kernel_new();
    QTestState *s = qtest_initf("-kernel %s", kernel);
    JsonObject *event;

    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x40), ==, PMBA | 1);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x80) & 1, ==, 1);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x90), ==, SMBBA | 1);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0xd0) >> 16 & 0xff, ==, 0x09);
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x3c) & 0xffff, ==, 0x0109);
    g_assert_cmphex(qtest_inw(s, PM1_CNT), ==, 0x0001);
    /* Still so after a reset (reboot): nothing else would redo it. */
    qtest_qmp_assert_success(s, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(s, "RESET");
    g_assert_cmphex(cfg_readl(s, PM_DEVFN, 0x40), ==, PMBA | 1);
    /* What piix4-poweroff writes: SUS_TYP soft-off with SUS_EN. */
    qtest_outw(s, PM1_CNT, 0x2000);
    event = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    json_object_unref(event);
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
    qtest_quit(s);
    unlink(kernel);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/piix4-pm/config", test_config);
    g_test_add_func("/piix4-pm/pm-timer", test_pm_timer);
    g_test_add_func("/piix4-pm/power-button", test_power_button);
    g_test_add_func("/piix4-pm/apm-smbus", test_apm_and_smbus);
    g_test_add_func("/piix4-pm/soft-off", test_soft_off);
    g_test_add_func("/piix4-pm/direct-boot", test_direct_boot);
    return g_test_run();
}
