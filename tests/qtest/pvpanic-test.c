/*
 * pvpanic as Linux's pvpanic driver uses it: it reads the port for the
 * events the device supports and writes PANICKED (bit 0) from its panic
 * notifier, CRASH_LOADED (bit 1) once a crash kernel runs. The host sees
 * GUEST_PANICKED with the action -action panic= chose, and pcvm does it:
 * shut down (the default), pause, exit with status 1, or nothing.
 */
#include <string.h>
#include <sys/wait.h>

#include "libqtest.h"

#define PVPANIC_PORT 0x505

static const char *event_action(JsonObject *ev)
{
    return json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "action");
}

static const char *query_status(QTestState *s)
{
    static char status[32];
    g_autoptr(JsonObject) r = qtest_qmp(s, "{'execute': 'query-status'}");

    g_strlcpy(status,
              json_object_get_string_member(
                  json_object_get_object_member(r, "return"), "status"),
              sizeof(status));
    return status;
}

static void test_events_port(void)
{
    QTestState *s = qtest_init("-device pvpanic");

    g_assert_cmphex(qtest_inb(s, PVPANIC_PORT), ==, 3);
    qtest_quit(s);
    s = qtest_init("-device pvpanic,ioport=0x600,events=1");
    g_assert_cmphex(qtest_inb(s, 0x600), ==, 1);
    /* CRASH_LOADED is not offered: the write changes nothing. */
    qtest_outb(s, 0x600, 2);
    g_assert_cmpstr(query_status(s), ==, "running");
    g_assert_cmpuint(qtest_qmp_events_pending(s), ==, 0);
    qtest_quit(s);
}

/* The default: the event says poweroff, then the guest's shutdown. */
static void test_panic_shutdown(void)
{
    QTestState *s = qtest_init("-device pvpanic");
    g_autoptr(JsonObject) ev = NULL;
    g_autoptr(JsonObject) sd = NULL;
    int status;

    qtest_outb(s, PVPANIC_PORT, 1);
    ev = qtest_qmp_eventwait_ref(s, "GUEST_PANICKED");
    g_assert_cmpstr(event_action(ev), ==, "poweroff");
    sd = qtest_qmp_eventwait_ref(s, "SHUTDOWN");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(sd, "data"), "reason"),
                    ==, "guest-panic");
    status = qtest_wait_exit(s);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    qtest_quit(s);
}

static void test_panic_pause(void)
{
    static const char *const args[] = {"-device pvpanic -action panic=pause",
                                       "-device pvpanic -no-shutdown"};

    for (size_t i = 0; i < G_N_ELEMENTS(args); i++) {
        QTestState *s = qtest_init(args[i]);
        g_autoptr(JsonObject) ev = NULL;

        qtest_outb(s, PVPANIC_PORT, 1);
        ev = qtest_qmp_eventwait_ref(s, "GUEST_PANICKED");
        g_assert_cmpstr(event_action(ev), ==, "pause");
        g_assert_cmpstr(query_status(s), ==, "guest-panicked");
        /* As in QEMU, the guest may be continued (to debug it, say). */
        qtest_qmp_assert_success(s, "{'execute': 'cont'}");
        g_assert_cmpstr(query_status(s), ==, "running");
        qtest_quit(s);
    }
}

static void test_panic_exit_failure_and_none(void)
{
    QTestState *s = qtest_init("-device pvpanic -action panic=exit-failure");
    g_autoptr(JsonObject) ev = NULL;
    g_autoptr(JsonObject) ev2 = NULL;
    g_autoptr(JsonObject) ev3 = NULL;
    int status;

    qtest_outb(s, PVPANIC_PORT, 1);
    ev = qtest_qmp_eventwait_ref(s, "GUEST_PANICKED");
    g_assert_cmpstr(event_action(ev), ==, "poweroff");
    status = qtest_wait_exit(s);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    qtest_set_expected_status(s, 1);
    qtest_quit(s);

    s = qtest_init("-device pvpanic -action panic=none");
    qtest_outb(s, PVPANIC_PORT, 1);
    ev2 = qtest_qmp_eventwait_ref(s, "GUEST_PANICKED");
    g_assert_cmpstr(event_action(ev2), ==, "run");
    g_assert_cmpstr(query_status(s), ==, "running");
    qtest_outb(s, PVPANIC_PORT, 2);
    ev3 = qtest_qmp_eventwait_ref(s, "GUEST_CRASHLOADED");
    g_assert_cmpstr(event_action(ev3), ==, "run");
    qtest_quit(s);
}

static void test_bad_options(void)
{
    static const struct {
        const char *args, *error;
    } cases[] = {
        {"-action panic=explode",
         "-action panic=explode: Parameter 'panic' does not accept value "
         "'explode'"},
        {"-watchdog-action bark",
         "-watchdog-action bark: Parameter 'watchdog' does not accept value "
         "'bark'"},
        {"-device pvpanic,events=4", "Property 'pvpanic.events' has bits"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        qtest_assert_startup_error(cases[i].args, cases[i].error);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pvpanic/events-port", test_events_port);
    g_test_add_func("/pvpanic/panic-shutdown", test_panic_shutdown);
    g_test_add_func("/pvpanic/panic-pause", test_panic_pause);
    g_test_add_func("/pvpanic/exit-failure-and-none",
                    test_panic_exit_failure_and_none);
    g_test_add_func("/pvpanic/bad-options", test_bad_options);
    return g_test_run();
}
