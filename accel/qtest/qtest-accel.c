/*
 * -accel qtest: an accelerator that runs no guest code. The vCPUs exist as
 * state only, the virtual clock moves when the test says (clock_step), and
 * the board builds userspace interrupt controllers (irqchip_create is NULL)
 * so a test can watch and intercept device interrupts.
 */
#include <errno.h>

#include "accel/accel.h"
#include "system/timer.h"
#include "util/error.h"

static bool qtest_accel_init(MachineState *ms, GError **errp)
{
    /* Guest time starts at 0, as under QEMU's qtest. */
    vm_clock_virtual_set_manual(0);
    return true;
}

static bool qtest_vcpus_create(MachineState *ms, GError **errp)
{
    return true;
}

static void qtest_vcpus_nothing(void)
{
}

/* No LAPIC exists to receive it: an MSI is dropped, as in QEMU's qtest. */
static void qtest_send_msi(uint64_t address, uint32_t data)
{
}

static int qtest_msi_route_add(uint64_t address, uint32_t data)
{
    return -ENOSYS;
}

static void qtest_msi_route_release(int gsi)
{
}

static bool qtest_irqfd_set(EventNotifier *notifier, int gsi, bool assign,
                            GError **errp)
{
    return error_setg(errp, "irqfd is not available with -accel qtest");
}

static const AccelOps qtest_accel_ops = {
    .name = "qtest",
    .machine =
        {
            .send_msi = qtest_send_msi,
            .msi_route_add = qtest_msi_route_add,
            .msi_route_release = qtest_msi_route_release,
            .irqfd_set = qtest_irqfd_set,
        },
    .init = qtest_accel_init,
    .vcpus_create = qtest_vcpus_create,
    .vcpus_pause = qtest_vcpus_nothing,
    .vcpus_resume = qtest_vcpus_nothing,
};

static void __attribute__((constructor)) qtest_accel_register(void)
{
    accel_register(&qtest_accel_ops);
}
