/*
 * The HMP command-line parser without a machine: command and sub-command
 * lookup, help, argument types, expressions, /fmt and QEMU's messages, as
 * QMP's human-monitor-command sees them (hmp_execute_command).
 */
#include <string.h>

#include "config-host.h"
#include "monitor/monitor-internal.h"

static void assert_output(const char *cmdline, const char *expected)
{
    g_autofree char *out = hmp_execute_command(cmdline);

    g_assert_cmpstr(out, ==, expected);
}

static void test_unknown_commands(void)
{
    assert_output("", "");
    assert_output("   ", "");
    assert_output("nosuch", "unknown command: 'nosuch'\r\n");
    assert_output("  nosuch 1 2", "unknown command: 'nosuch'\r\n");
    assert_output("info nosuch", "unknown command: 'info nosuch'\r\n");
    assert_output("help nosuch", "unknown command: 'nosuch'\r\n");
    assert_output("help info nosuch", "unknown command: 'info nosuch'\r\n");
}

static void test_help(void)
{
    g_autofree char *all = hmp_execute_command("help");
    g_autofree char *qmark = hmp_execute_command("?");
    g_autofree char *info = hmp_execute_command("info");
    g_auto(GStrv) lines = g_strsplit(all, "\r\n", -1);

    /* One "NAME PARAMS -- HELP" line per command. */
    g_assert_true(g_str_has_prefix(all, "help|? [cmd] -- "));
    for (unsigned i = 0; lines[i] && *lines[i]; i++) {
        g_assert_nonnull(strstr(lines[i], " -- "));
    }
    g_assert_nonnull(strstr(all, "\r\nx /fmt addr -- "));
    g_assert_nonnull(strstr(all, "\r\ncont|c  -- "));
    g_assert_cmpstr(all, ==, qmark);
    /* "info" alone lists its sub-commands with the prefix. */
    g_assert_nonnull(strstr(info, "info status  -- "));
    g_assert_nonnull(strstr(info, "info registers [-a|vcpu] -- "));
    g_assert_null(strstr(info, "\r\nx "));

    assert_output("help c", "cont|c  -- start or resume the vCPUs\r\n");
    assert_output("help info mtree",
                  "info mtree [-f] -- show the memory region tree (-f: the "
                  "flat view of each address space)\r\n");
}

static void test_expressions(void)
{
    assert_output("p 1+2*3", "0x7\r\n");
    assert_output("p (1+2)*3", "0x9\r\n");
    assert_output("print 0x10 | 1 & 3", "0x11\r\n");
    assert_output("p 7 % 4 ^ 1", "0x2\r\n");
    assert_output("p ~0", "0xffffffffffffffff\r\n");
    assert_output("p /d -(2 - 5)", "3\r\n");
    assert_output("p /d 100/-7", "-14\r\n");
    assert_output("p /u 010", "8\r\n");
    assert_output("p /o 8", "010\r\n");
    assert_output("p /x 'A'", "0x41\r\n");
    assert_output("p /c 0x42", "'B'\r\n");
    assert_output("p /x 0", "0\r\n");

    assert_output("p", "unexpected end of expression\r\n"
                       "Try \"help p\" for more information\r\n");
    assert_output("p (1", "')' expected\r\n"
                          "Try \"help p\" for more information\r\n");
    assert_output("p 1/0", "division by zero\r\n"
                           "Try \"help p\" for more information\r\n");
    assert_output("p 12 / (1 + 2)", "0x4\r\n");
    /* Deep nesting is refused, not a stack overflow. */
    {
        GString *deep = g_string_new("p ");
        g_autofree char *line = NULL;

        for (int i = 0; i < 30000; i++) {
            g_string_append(deep, i % 2 ? "(" : "-(");
        }
        g_string_append_c(deep, '1');
        for (int i = 0; i < 30000; i++) {
            g_string_append_c(deep, ')');
        }
        line = g_string_free(deep, false);
        assert_output(line, "expression too deeply nested (at most 256 "
                            "levels)\r\nTry \"help p\" for more "
                            "information\r\n");
        assert_output("p ((((((((((((((((((((((((((((((((((((((((1))))))))))))"
                      "))))))))))))))))))))))))))))",
                      "0x1\r\n");
    }
    /* A '/' that cannot start a division ends the expression. */
    assert_output("p 12 /tmp",
                  "print|p: extraneous characters at the end of line\r\n"
                  "Try \"help p\" for more information\r\n");
    assert_output("p 1 + @", "invalid char '@' in expression\r\n"
                             "Try \"help p\" for more information\r\n");
    assert_output(
        "p 99999999999999999999999",
        "number too large\r\nTry \"help p\" for more information\r\n");
    assert_output("p 1 2",
                  "print|p: extraneous characters at the end of line\r\n"
                  "Try \"help p\" for more information\r\n");
    /* No machine: no CPU to read registers from. */
    assert_output("p $rip", "unknown register\r\n"
                            "Try \"help p\" for more information\r\n");
}

static void test_formats(void)
{
    assert_output("p /4z 1", "invalid char in format: 'z'\r\n"
                             "Try \"help p\" for more information\r\n");
    /* The format is remembered for the next command without one. */
    assert_output("p /c 65", "'A'\r\n");
    assert_output("p 66", "'B'\r\n");
    assert_output("p/d 66", "66\r\n");
    assert_output("p /x 66", "0x42\r\n");
    /* x needs a CPU; the /fmt glued to the name is still parsed. */
    assert_output("x/4xb 0x1000", "Can not dump without CPU\r\n");
    assert_output("x /4xb", "unexpected end of expression\r\n"
                            "Try \"help x\" for more information\r\n");
}

static void test_argument_types(void)
{
    /* i: 32 bits, sign-extended values allowed */
    assert_output("cpu 0x100000000",
                  "'cpu' has failed: integer is for "
                  "32-bit values\r\n"
                  "Try \"help cpu\" for more information\r\n");
    assert_output("cpu 3", "invalid CPU index\r\n");
    assert_output("cpu", "unexpected end of expression\r\n"
                         "Try \"help cpu\" for more information\r\n");
    /* flags */
    assert_output("info mtree -z", "mtree: unsupported option -z\r\n"
                                   "Try \"help info mtree\" for more "
                                   "information\r\n");
    /* a flag with a value (screendump FILE -f FORMAT) */
    assert_output("screendump /tmp/pcvm-none.ppm -f",
                  "screendump: value expected for -f\r\n"
                  "Try \"help screendump\" for more information\r\n");
    assert_output("screendump /tmp/pcvm-none.ppm -f gif",
                  "Error: invalid parameter value: gif\r\n");
    assert_output("screendump /tmp/pcvm-none.png -f png",
                  "Error: There is no console to take a screendump from\r\n");
    assert_output("screendump /tmp/pcvm-none.png -g png",
                  "screendump: unsupported option -g\r\n"
                  "Try \"help screendump\" for more information\r\n");
    assert_output("info registers -a", "");
    assert_output("info registers", "No CPU available\r\n");
    assert_output("info registers 2", "CPU#2 not available\r\n");
    /* quoted words */
    assert_output("info qom-tree \"/no such\"",
                  "Path '/no such' could not be resolved.\r\n");
    assert_output("info qom-tree \"/open",
                  "unterminated string\r\nqom-tree: string expected\r\n"
                  "Try \"help info qom-tree\" for more information\r\n");
    assert_output("info qom-tree \"\\q\"",
                  "unsupported escape code: '\\q'\r\n"
                  "qom-tree: string expected\r\n"
                  "Try \"help info qom-tree\" for more information\r\n");
    assert_output("info status extra",
                  "status: extraneous characters at the end of line\r\n"
                  "Try \"help info status\" for more information\r\n");
}

static void test_status(void)
{
    assert_output("info status", "VM status: paused (prelaunch)\r\n");
    assert_output("info version", "7.2.0 (pcvm " PCVM_VERSION ")\r\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hmp/unknown-commands", test_unknown_commands);
    g_test_add_func("/hmp/help", test_help);
    g_test_add_func("/hmp/expressions", test_expressions);
    g_test_add_func("/hmp/formats", test_formats);
    g_test_add_func("/hmp/argument-types", test_argument_types);
    g_test_add_func("/hmp/status", test_status);
    return g_test_run();
}
