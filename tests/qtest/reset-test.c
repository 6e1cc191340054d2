/*
 * Guest-initiated resets of the PC: the PIIX reset control register at
 * 0xcf9 (bit 2 RST_CPU starts a reset, bit 1 SYS_RST is a plain stored
 * bit) and bit 0 of port 0x92 ("fast reset", on its rising edge). A reset
 * shows on QMP as a RESET event (guest true, reason guest-reset) and leaves
 * the VM running; with -no-reboot it becomes a SHUTDOWN event with the same
 * data and the VMM exits with status 0.
 */
#include <sys/wait.h>

#include "libqtest.h"

#define RCR_PORT 0xcf9
#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04

#define PORT92 0x92
#define PORT92_RESET 0x01
#define PORT92_A20 0x02

static void assert_guest_event(QTestState *s, const char *name)
{
    JsonObject *event = qtest_qmp_eventwait_ref(s, name);
    JsonObject *data = json_object_get_object_member(event, "data");

    g_assert_nonnull(data);
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    g_assert_cmpstr(json_object_get_string_member(data, "reason"), ==,
                    "guest-reset");
    g_assert_nonnull(json_object_get_object_member(event, "timestamp"));
    json_object_unref(event);
}

static void assert_running(QTestState *s)
{
    JsonNode *ret =
        qtest_qmp_assert_success_ref(s, "{\"execute\": \"query-status\"}");
    JsonObject *status = json_node_get_object(ret);

    g_assert_cmpstr(json_object_get_string_member(status, "status"), ==,
                    "running");
    json_node_unref(ret);
}

/* A QMP round trip, then no reset may have been reported. */
static void assert_no_reset(QTestState *s)
{
    JsonObject *event;

    assert_running(s);
    event = qtest_qmp_event_ref(s, "RESET");
    g_assert_null(event);
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
}

/* Sends a reset-causing write; with -no-reboot no reply may come. */
static void assert_shutdown_exit(QTestState *s, uint16_t port, uint8_t value)
{
    int wstatus;

    qtest_command_send(s, "outb 0x%x 0x%x", port, value);
    assert_guest_event(s, "SHUTDOWN");
    wstatus = qtest_wait_exit(s);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
}

static void test_cf9(void)
{
    QTestState *s = qtest_init(NULL);

    /* SYS_RST alone only selects the reset kind. */
    qtest_outb(s, RCR_PORT, RCR_SYS_RST);
    g_assert_cmphex(qtest_inb(s, RCR_PORT), ==, RCR_SYS_RST);
    assert_no_reset(s);

    qtest_outb(s, RCR_PORT, RCR_SYS_RST | RCR_RST_CPU);
    assert_guest_event(s, "RESET");
    assert_running(s);
    /* The reset cleared the register. */
    g_assert_cmphex(qtest_inb(s, RCR_PORT), ==, 0x00);

    /* Again: every reset is reported. */
    qtest_outb(s, RCR_PORT, RCR_SYS_RST | RCR_RST_CPU);
    assert_guest_event(s, "RESET");
    assert_running(s);
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
    qtest_quit(s);
}

static void test_cf9_no_reboot(void)
{
    QTestState *s = qtest_init("-no-reboot");

    assert_shutdown_exit(s, RCR_PORT, RCR_SYS_RST | RCR_RST_CPU);
    qtest_quit(s);
}

static void test_port92(void)
{
    QTestState *s = qtest_init(NULL);

    /* The A20 gate bit alone does not reset. */
    qtest_outb(s, PORT92, PORT92_A20);
    g_assert_cmphex(qtest_inb(s, PORT92) & (PORT92_A20 | PORT92_RESET), ==,
                    PORT92_A20);
    assert_no_reset(s);

    qtest_outb(s, PORT92, PORT92_A20 | PORT92_RESET);
    assert_guest_event(s, "RESET");
    assert_running(s);
    /* The reset cleared bit 0, so the next rising edge resets again. */
    g_assert_cmphex(qtest_inb(s, PORT92) & PORT92_RESET, ==, 0);
    qtest_outb(s, PORT92, PORT92_A20 | PORT92_RESET);
    assert_guest_event(s, "RESET");
    assert_running(s);
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
    qtest_quit(s);
}

static void test_port92_no_reboot(void)
{
    QTestState *s = qtest_init("-no-reboot");

    assert_shutdown_exit(s, PORT92, PORT92_RESET);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reset/cf9", test_cf9);
    g_test_add_func("/reset/cf9-no-reboot", test_cf9_no_reboot);
    g_test_add_func("/reset/port92", test_port92);
    g_test_add_func("/reset/port92-no-reboot", test_port92_no_reboot);
    return g_test_run();
}
