/*
 * -daemonize and -pidfile as management tools use them: the command
 * returns 0 once the machine is set up, with a detached process in a
 * session of its own whose id the pid file holds; the pid file is locked
 * against a second pcvm and gone when pcvm ends; a failure during set-up
 * still reaches the terminal and makes the command fail.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libqtest.h"

static int run(const char *args, char **err)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s -accel qtest -display none -nodefaults %s", qtest_binary(), args);
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, NULL, err, &status, NULL));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Sends quit on a QMP socket (greeting and negotiation first). */
static void qmp_quit(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    static const char cmds[] = "{\"execute\": \"qmp_capabilities\"}\n"
                               "{\"execute\": \"quit\"}\n";
    char buf[4096];

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(write(fd, cmds, strlen(cmds)), ==, (ssize_t)strlen(cmds));
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    close(fd);
}

static void test_daemonize_pidfile(void)
{
    g_autofree char *pidfile = qtest_tmp_path("daemon.pid");
    g_autofree char *sock = qtest_tmp_path("daemon-qmp.sock");
    g_autofree char *args = g_strdup_printf(
        "-daemonize -pidfile %s -qmp unix:%s,server=on,wait=off", pidfile,
        sock);
    g_autofree char *again = g_strdup_printf("-pidfile %s", pidfile);
    g_autofree char *err = NULL, *err2 = NULL, *text = NULL;
    pid_t pid;

    g_assert_cmpint(run(args, &err), ==, 0);
    g_assert_cmpstr(err, ==, "");
    g_assert_true(g_file_get_contents(pidfile, &text, NULL, NULL));
    pid = atoi(text);
    g_assert_cmpint(pid, >, 0);
    g_assert_cmpint(kill(pid, 0), ==, 0);
    g_assert_cmpint(getsid(pid), !=, getsid(0));

    /* A second pcvm cannot take the same pid file. */
    g_assert_cmpint(run(again, &err2), ==, 1);
    g_assert_cmpstr(err2, ==,
                    "pcvm: cannot create PID file: Cannot lock pid "
                    "file: Resource temporarily unavailable\n");

    qmp_quit(sock);
    for (int i = 0; i < 500 && kill(pid, 0) == 0; i++) {
        g_usleep(10000);
    }
    g_assert_cmpint(kill(pid, 0), !=, 0);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
    unlink(sock);
}

static void test_daemonize_errors(void)
{
    static const struct {
        const char *args, *error;
    } cases[] = {
        {"-daemonize -bios /dev/zero",
         "pcvm: could not load PC BIOS '/dev/zero': file too large (more than "
         "16777216 bytes)\n"},
        {"-daemonize -serial stdio",
         "pcvm: -serial stdio: cannot use stdio with -daemonize\n"},
        {"-daemonize -nographic",
         "pcvm: -nographic cannot be used with -daemonize\n"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *err = NULL;

        g_assert_cmpint(run(cases[i].args, &err), ==, 1);
        g_assert_cmpstr(err, ==, cases[i].error);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/daemonize-pidfile", test_daemonize_pidfile);
    g_test_add_func("/daemon/errors", test_daemonize_errors);
    return g_test_run();
}
