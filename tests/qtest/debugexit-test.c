/*
 * isa-debug-exit: a write to its port range ends the VMM with exit status
 * (value << 1) | 1, so a test guest can report pass/fail through the
 * process status. Checked: the status for several values, every port of
 * the range, the range's end, and a machine without the device.
 */
#include <sys/wait.h>

#include "libqtest.h"

/* Writes value to port with the device at iobase/iosize; returns the status. */
static int debugexit_write(uint16_t iobase, uint16_t iosize, uint16_t port,
                           uint8_t value)
{
    QTestState *s = qtest_initf(
        "-machine pc -device isa-debug-exit,iobase=0x%x,iosize=0x%x", iobase,
        iosize);
    int wstatus;

    /* The VMM exits inside the write: no reply comes. */
    qtest_command_send(s, "outb 0x%x 0x%x", port, value);
    wstatus = qtest_wait_exit(s);
    g_assert_true(WIFEXITED(wstatus));
    qtest_set_expected_status(s, WEXITSTATUS(wstatus));
    qtest_quit(s);
    return WEXITSTATUS(wstatus);
}

static void test_exit_status(void)
{
    static const uint8_t values[] = {0x00, 0x01, 0x10, 0x2a, 0x7f};
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(values); i++) {
        g_assert_cmphex(debugexit_write(0xf4, 4, 0xf4, values[i]), ==,
                        (values[i] << 1) | 1);
    }
}

static void test_whole_range(void)
{
    g_assert_cmphex(debugexit_write(0xf4, 4, 0xf5, 0x02), ==, 0x05);
    g_assert_cmphex(debugexit_write(0xf4, 4, 0xf7, 0x03), ==, 0x07);
    g_assert_cmphex(debugexit_write(0x501, 2, 0x502, 0x21), ==, 0x43);
}

/* A port just past the range, and the port of a machine without the device. */
static void test_outside_range(void)
{
    QTestState *s = qtest_init(
        "-machine pc -device isa-debug-exit,iobase=0xf4,iosize=0x02");
    JsonObject *resp;

    qtest_outb(s, 0xf6, 0x11);
    g_assert_true(qtest_probe_child(s, NULL));
    resp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    g_assert_true(json_object_has_member(resp, "return"));
    json_object_unref(resp);
    g_assert_true(qtest_probe_child(s, NULL));
    qtest_quit(s);

    s = qtest_init("-machine pc");
    qtest_outb(s, 0xf4, 0x11);
    resp = qtest_qmp(s, "{\"execute\": \"query-status\"}");
    g_assert_true(json_object_has_member(resp, "return"));
    json_object_unref(resp);
    g_assert_true(qtest_probe_child(s, NULL));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/debugexit/exit-status", test_exit_status);
    g_test_add_func("/debugexit/whole-range", test_whole_range);
    g_test_add_func("/debugexit/outside-range", test_outside_range);
    return g_test_run();
}
