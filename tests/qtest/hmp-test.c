/*
 * HMP, the human monitor, on a socket chardev the VMM connects out to
 * (-chardev socket,path=M,id=hmp -mon chardev=hmp,mode=readline), typed at
 * as a person would: the banner and "(qemu) " prompt, info status, stop and
 * cont (cross-checked against QMP's events and query-status), an unknown
 * command, and quit ending the process with status 0; and the same monitor
 * through -monitor chardev:ID.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

#define PROMPT "(qemu) "

typedef struct Hmp {
    QTestState *s;
    int fd;
    GString *rx;
} Hmp;

static void hmp_start(Hmp *h, char **path, int *listen_fd, const char *mon_args)
{
    *path = qtest_tmp_path("hmp.sock");
    *listen_fd = qtest_socket_server(*path);
    h->s = qtest_initf("-chardev socket,path=%s,id=hmp %s", *path, mon_args);
    h->fd = qtest_socket_accept(*listen_fd);
    h->rx = g_string_new("");
}

/* Types a command line; returns what came back up to the next prompt. */
static char *hmp_type(Hmp *h, const char *line)
{
    char *text = g_strconcat(line, "\r", NULL);

    g_assert_cmpint(write(h->fd, text, strlen(text)), ==, (gssize)strlen(text));
    g_free(text);
    return qtest_socket_read_until(h->fd, h->rx, PROMPT);
}

static const char *qmp_status(QTestState *s)
{
    static char status[32];
    JsonNode *ret =
        qtest_qmp_assert_success_ref(s, "{\"execute\": \"query-status\"}");

    g_strlcpy(
        status,
        json_object_get_string_member(json_node_get_object(ret), "status"),
        sizeof(status));
    json_node_unref(ret);
    return status;
}

static void test_hmp(void)
{
    Hmp h;
    char *path;
    int listen_fd;
    char *out;
    int wstatus;

    hmp_start(&h, &path, &listen_fd, "-mon chardev=hmp,mode=readline");

    out = qtest_socket_read_until(h.fd, h.rx, PROMPT);
    g_test_message("banner: %s", out);
    g_assert_nonnull(strstr(out, "monitor"));
    g_assert_true(g_str_has_suffix(out, "\r\n" PROMPT));
    g_free(out);

    out = hmp_type(&h, "info status");
    g_assert_nonnull(strstr(out, "VM status: running\r\n"));
    g_free(out);

    out = hmp_type(&h, "stop");
    g_free(out);
    qtest_qmp_eventwait(h.s, "STOP");
    g_assert_cmpstr(qmp_status(h.s), ==, "paused");
    out = hmp_type(&h, "info status");
    g_assert_nonnull(strstr(out, "VM status: paused\r\n"));
    g_free(out);

    out = hmp_type(&h, "cont");
    g_free(out);
    qtest_qmp_eventwait(h.s, "RESUME");
    g_assert_cmpstr(qmp_status(h.s), ==, "running");
    out = hmp_type(&h, "info status");
    g_assert_nonnull(strstr(out, "VM status: running\r\n"));
    g_free(out);

    /* A mistyped command gets a message and a new prompt. */
    out = hmp_type(&h, "no-such-command");
    g_assert_nonnull(strstr(out, "no-such-command"));
    g_free(out);

    /* quit: no prompt comes back; the process ends with status 0. */
    g_assert_cmpint(write(h.fd, "quit\r", 5), ==, 5);
    wstatus = qtest_wait_exit(h.s);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
    qtest_quit(h.s);

    close(h.fd);
    close(listen_fd);
    unlink(path);
    g_free(path);
    g_string_free(h.rx, TRUE);
}

/* The -monitor spelling of the same thing. */
static void test_monitor_option(void)
{
    Hmp h;
    char *path;
    int listen_fd;
    char *out;

    hmp_start(&h, &path, &listen_fd, "-monitor chardev:hmp");
    out = qtest_socket_read_until(h.fd, h.rx, PROMPT);
    g_assert_nonnull(strstr(out, "monitor"));
    g_free(out);
    out = hmp_type(&h, "info status");
    g_assert_nonnull(strstr(out, "VM status: running\r\n"));
    g_free(out);
    qtest_quit(h.s);

    close(h.fd);
    close(listen_fd);
    unlink(path);
    g_free(path);
    g_string_free(h.rx, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hmp/session", test_hmp);
    g_test_add_func("/hmp/monitor-option", test_monitor_option);
    return g_test_run();
}
