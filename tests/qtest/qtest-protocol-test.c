/*
 * The qtest protocol itself, against input a hostile or buggy client
 * sends: every line gets exactly one answer (a memset without its value,
 * a line holding a NUL byte), and a clock step past the end of time stops
 * there instead of wrapping into the past. And firmware that cannot be
 * read whole (/dev/zero) is refused before it fills memory.
 */
#include <string.h>

#include "libqtest.h"

static void test_every_line_answered(void)
{
    QTestState *s = qtest_init("");
    static const char nul_line[] = "readb\0 0x1000";
    g_autofree char *r1 = qtest_command_raw(s, "memset 0x1000 16");
    g_autofree char *r2 = qtest_command_raw(s, "memset 0x1000 16 x");
    g_autofree char *r3 =
        qtest_command_bytes(s, nul_line, sizeof(nul_line) - 1);
    g_autofree char *r4 = qtest_command_bytes(s, "\0", 1);
    g_autofree char *r5 = qtest_command_raw(s, "memset 0x1000 16 0x5a");

    g_assert_cmpstr(r1, ==, "FAIL missing value");
    g_assert_cmpstr(r2, ==, "FAIL bad value");
    g_assert_cmpstr(r3, ==, "FAIL line holds a NUL byte");
    g_assert_cmpstr(r4, ==, "FAIL line holds a NUL byte");
    g_assert_cmpstr(r5, ==, "OK");
    /* The stream stays in step: the next answer is this command's. */
    g_assert_cmphex(qtest_readb(s, 0x100f), ==, 0x5a);
    qtest_quit(s);
}

static void test_clock_step_saturates(void)
{
    QTestState *s = qtest_init("");
    g_autofree char *r = NULL;

    qtest_clock_step(s, 1000);
    r = qtest_command_raw(s, "clock_step 9223372036854775807");
    g_assert_cmpstr(r, ==, "OK 9223372036854775807");
    /* Still answering, and time does not go backwards. */
    g_assert_cmpint(qtest_clock_step(s, 5), ==, INT64_MAX);
    qtest_quit(s);
}

/* pcvm refuses firmware it must not read whole, with one line. */
static void test_firmware_size_checked(void)
{
    static const struct {
        const char *args, *error;
    } cases[] = {
        {"-bios /dev/zero", "could not load PC BIOS '/dev/zero': file too "
                            "large (more than 16777216 bytes)"},
        {"-bios /nonexistent.bin",
         "-bios /nonexistent.bin: No such file or directory"},
        {"-bios /", "could not load PC BIOS '/': Is a directory"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        qtest_assert_startup_error(cases[i].args, cases[i].error);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest-protocol/every-line-answered",
                    test_every_line_answered);
    g_test_add_func("/qtest-protocol/clock-step-saturates",
                    test_clock_step_saturates);
    g_test_add_func("/qtest-protocol/firmware-size-checked",
                    test_firmware_size_checked);
    return g_test_run();
}
