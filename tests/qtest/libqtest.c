/*
 * The qtest client library (see libqtest.h): spawns the VMM with
 * -accel qtest, serves the two sockets it connects out to (qtest and QMP),
 * and speaks both protocols with bounded waits.
 *
 * A test process may run several VMMs at once. Each is started with
 * PR_SET_PDEATHSIG so it dies with the test even if the test is killed
 * outright, and a handler on the fatal signals (abort() from a failed
 * assertion among them) kills them at once and removes the temporary
 * sockets.
 */
#include "libqtest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The pcvm of this build (meson defines it); $PCVM_QTEST_BINARY overrides. */
#ifndef QTEST_BUILD_BINARY
#define QTEST_BUILD_BINARY "pcvm"
#endif

/* Live children and temporary files, kept where a signal handler can reach. */
#define QTEST_MAX_CHILDREN 64
#define QTEST_MAX_TMP_PATHS 4096 /* a crash loop starts hundreds */

struct QTestState {
    pid_t pid;
    bool exited;
    int wstatus;
    int expected_status;

    int qtest_fd;
    GString *qtest_rx;
    bool irq_level[QTEST_MAX_IRQ];
    bool big_endian;

    int qmp_fd;
    GString *qmp_rx;
    GQueue events; /* JsonObject *, oldest first */

    bool accel_qtest; /* false: a QEMU without it, run under TCG */

    char *cmdline; /* for messages */
};

static volatile pid_t live_pids[QTEST_MAX_CHILDREN];
static char *tmp_paths[QTEST_MAX_TMP_PATHS];
static volatile int tmp_path_count;
static char *tmp_dir;
static bool log_enabled;

/* ---- Cleanup ----------------------------------------------------------- */

static void qtest_remove_tmp_files(void)
{
    int i;

    for (i = 0; i < tmp_path_count; i++) {
        if (tmp_paths[i]) {
            unlink(tmp_paths[i]);
        }
    }
    if (tmp_dir) {
        rmdir(tmp_dir);
    }
}

/* Async-signal-safe: only kill(), unlink(), rmdir() and raise(). */
static void qtest_fatal_signal(int sig)
{
    int i;

    for (i = 0; i < QTEST_MAX_CHILDREN; i++) {
        if (live_pids[i] > 0) {
            kill(live_pids[i], SIGKILL);
        }
    }
    qtest_remove_tmp_files();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void qtest_at_exit(void)
{
    int i;

    for (i = 0; i < QTEST_MAX_CHILDREN; i++) {
        if (live_pids[i] > 0) {
            kill(live_pids[i], SIGKILL);
            waitpid(live_pids[i], NULL, 0);
            live_pids[i] = 0;
        }
    }
    qtest_remove_tmp_files();
}

static void qtest_setup_once(void)
{
    static bool done;
    static const int fatal[] = {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                                SIGTRAP, SIGTERM, SIGINT, SIGHUP};
    struct sigaction sa = {.sa_handler = qtest_fatal_signal};
    size_t i;

    if (done) {
        return;
    }
    done = true;
    log_enabled = getenv("QTEST_LOG") != NULL;
    /* A VMM that dies mid-write must give an error, not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (i = 0; i < G_N_ELEMENTS(fatal); i++) {
        sigaction(fatal[i], &sa, NULL);
    }
    atexit(qtest_at_exit);
}

static void qtest_track_pid(pid_t pid)
{
    int i;

    for (i = 0; i < QTEST_MAX_CHILDREN; i++) {
        if (live_pids[i] == 0) {
            live_pids[i] = pid;
            return;
        }
    }
    kill(pid, SIGKILL);
    g_error("libqtest: more than %d VMMs at once", QTEST_MAX_CHILDREN);
}

static void qtest_untrack_pid(pid_t pid)
{
    int i;

    for (i = 0; i < QTEST_MAX_CHILDREN; i++) {
        if (live_pids[i] == pid) {
            live_pids[i] = 0;
        }
    }
}

char *qtest_tmp_path(const char *name)
{
    static unsigned serial;
    char *path;

    qtest_setup_once();
    if (!tmp_dir) {
        GError *err = NULL;

        tmp_dir = g_dir_make_tmp("pcvm-qtest-XXXXXX", &err);
        if (!tmp_dir) {
            g_error("libqtest: cannot create a temporary directory: %s",
                    err->message);
        }
    }
    if (tmp_path_count >= QTEST_MAX_TMP_PATHS) {
        g_error("libqtest: too many temporary paths");
    }
    path = g_strdup_printf("%s/%u-%s", tmp_dir, serial++, name);
    tmp_paths[tmp_path_count] = g_strdup(path);
    tmp_path_count++;
    return path;
}

/* ---- Timeouts and plain I/O -------------------------------------------- */

static gint64 qtest_deadline(void)
{
    return g_get_monotonic_time() +
           (gint64)QTEST_REPLY_TIMEOUT_S * G_USEC_PER_SEC;
}

/*
 * Waits until fd is readable or the deadline passes. Returns false on
 * timeout. A negative remaining time polls without blocking.
 */
static bool qtest_wait_readable(int fd, gint64 deadline)
{
    for (;;) {
        gint64 left_us = deadline - g_get_monotonic_time();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ret;

        ret = poll(&pfd, 1, left_us > 0 ? (int)((left_us + 999) / 1000) : 0);
        if (ret > 0) {
            return true;
        }
        if (ret == 0) {
            return false;
        }
        if (errno != EINTR) {
            g_error("libqtest: poll: %s", g_strerror(errno));
        }
    }
}

/* One read() into buf: >0 bytes read, 0 end of stream, -1 error. */
static ssize_t qtest_read_into(int fd, GString *buf)
{
    char chunk[4096];
    ssize_t n;

    do {
        n = read(fd, chunk, sizeof(chunk));
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        g_string_append_len(buf, chunk, n);
    }
    return n;
}

static bool qtest_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data += n;
        len -= n;
    }
    return true;
}

int qtest_socket_server(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    qtest_setup_once();
    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_error("libqtest: socket path too long: %s", path);
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        g_error("libqtest: socket: %s", g_strerror(errno));
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 1) < 0) {
        g_error("libqtest: cannot listen on %s: %s", path, g_strerror(errno));
    }
    return fd;
}

/* accept() bounded by the reply timeout; while waiting, s's VMM must live. */
static int qtest_accept_for(QTestState *s, int listen_fd, const char *what)
{
    gint64 deadline = qtest_deadline();
    int fd;

    for (;;) {
        int wstatus;

        /* Short slices, so a VMM that dies on startup is noticed at once. */
        gint64 slice = MIN(deadline, g_get_monotonic_time() + 100 * 1000);

        if (qtest_wait_readable(listen_fd, slice)) {
            break;
        }
        if (s && !qtest_probe_child(s, &wstatus)) {
            if (WIFEXITED(wstatus)) {
                g_error("libqtest: the VMM exited with status %d before "
                        "connecting its %s socket (command: %s)",
                        WEXITSTATUS(wstatus), what, s->cmdline);
            }
            g_error("libqtest: the VMM died of signal %d before connecting "
                    "its %s socket (command: %s)",
                    WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : -1, what,
                    s->cmdline);
        }
        if (g_get_monotonic_time() >= deadline) {
            g_error("libqtest: no %s connection within %d s (command: %s)",
                    what, QTEST_REPLY_TIMEOUT_S, s ? s->cmdline : "?");
        }
    }
    do {
        fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        g_error("libqtest: accept (%s): %s", what, g_strerror(errno));
    }
    return fd;
}

int qtest_socket_accept(int listen_fd)
{
    return qtest_accept_for(NULL, listen_fd, "monitor");
}

char *qtest_socket_read_until(int fd, GString *buf, const char *needle)
{
    gint64 deadline = qtest_deadline();
    const char *hit;

    while (!(hit = strstr(buf->str, needle))) {
        ssize_t n;

        if (!qtest_wait_readable(fd, deadline)) {
            g_error("libqtest: no '%s' within %d s; received so far: '%s'",
                    g_strescape(needle, NULL), QTEST_REPLY_TIMEOUT_S,
                    g_strescape(buf->str, NULL));
        }
        n = qtest_read_into(fd, buf);
        if (n <= 0) {
            g_error("libqtest: stream ended before '%s'; received: '%s'",
                    g_strescape(needle, NULL), g_strescape(buf->str, NULL));
        }
    }
    {
        size_t len = hit - buf->str + strlen(needle);
        char *text = g_strndup(buf->str, len);

        g_string_erase(buf, 0, len);
        return text;
    }
}

/* ---- Process ----------------------------------------------------------- */

const char *qtest_binary(void)
{
    const char *bin = getenv("PCVM_QTEST_BINARY");

    return bin && *bin ? bin : QTEST_BUILD_BINARY;
}

static void qtest_describe_status(int wstatus, char *buf, size_t len)
{
    if (WIFEXITED(wstatus)) {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
    } else if (WIFSIGNALED(wstatus)) {
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(wstatus));
    } else {
        snprintf(buf, len, "ended with wait status 0x%x", wstatus);
    }
}

bool qtest_probe_child(QTestState *s, int *wstatus)
{
    if (!s->exited) {
        pid_t ret;

        do {
            ret = waitpid(s->pid, &s->wstatus, WNOHANG);
        } while (ret < 0 && errno == EINTR);
        if (ret == 0) {
            return true;
        }
        if (ret < 0) {
            g_error("libqtest: waitpid: %s", g_strerror(errno));
        }
        s->exited = true;
        qtest_untrack_pid(s->pid);
    }
    if (wstatus) {
        *wstatus = s->wstatus;
    }
    return false;
}

int qtest_wait_exit(QTestState *s)
{
    gint64 deadline = qtest_deadline();
    int wstatus;

    while (qtest_probe_child(s, &wstatus)) {
        if (g_get_monotonic_time() >= deadline) {
            kill(s->pid, SIGKILL);
            g_error("libqtest: the VMM did not exit within %d s (killed it)",
                    QTEST_REPLY_TIMEOUT_S);
        }
        g_usleep(5 * 1000);
    }
    return wstatus;
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

void qtest_kill(QTestState *s, int sig)
{
    if (!s->exited && kill(s->pid, sig) < 0) {
        g_error("libqtest: kill(%d, %d): %s", (int)s->pid, sig,
                g_strerror(errno));
    }
}

void qtest_set_expected_status(QTestState *s, int status)
{
    s->expected_status = status;
}

/*
 * Debian's qemu-system-x86_64 is built without the qtest accelerator (the
 * qtest protocol itself is there). To still compare pcvm with it, such a
 * QEMU runs under TCG with a 64 KiB firmware whose reset vector is
 * "cli; hlt; jmp .-2": no guest code touches a device, but the virtual
 * clock runs in real time and the clock commands answer FAIL.
 */
static bool qtest_binary_lacks_accel_qtest(const char *bin)
{
    /* The answer for the binary asked about last (a test may start two). */
    static char *checked;
    static int lacks = -1;
    char **argv = NULL;
    char *out = NULL;
    char *base;
    char *cmd;

    if (lacks >= 0 && !g_strcmp0(checked, bin)) {
        return lacks;
    }
    g_free(checked);
    checked = g_strdup(bin);
    lacks = 0;
    if (!g_shell_parse_argv(bin, NULL, &argv, NULL)) {
        return lacks;
    }
    base = g_path_get_basename(argv[0]);
    if (g_str_has_prefix(base, "qemu-system")) {
        cmd = g_strdup_printf("%s -accel help", argv[0]);
        if (g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL) && out &&
            !strstr(out, "qtest")) {
            lacks = 1;
        }
        g_free(cmd);
        g_free(out);
    }
    g_free(base);
    g_strfreev(argv);
    return lacks;
}

static const char *qtest_halt_firmware(void)
{
    static char *path;

    if (!path) {
        static const uint8_t reset_vector[] = {0xfa, 0xf4, 0xeb, 0xfd};
        size_t size = 64 * 1024;
        char *image = g_malloc(size);
        GError *err = NULL;

        memset(image, 0xf4, size);
        memcpy(image + size - 16, reset_vector, sizeof(reset_vector));
        path = qtest_tmp_path("halt.bin");
        if (!g_file_set_contents(path, image, size, &err)) {
            g_error("libqtest: %s", err->message);
        }
        g_free(image);
    }
    return path;
}

bool qtest_has_accel_qtest(QTestState *s)
{
    return s->accel_qtest;
}

static void qtest_spawn(QTestState *s, const char *qtest_path,
                        const char *qmp_path, const char *extra_args)
{
    GError *err = NULL;
    char **argv = NULL;
    pid_t parent = getpid();
    char *accel;
    pid_t pid;

    s->accel_qtest = !qtest_binary_lacks_accel_qtest(qtest_binary());
    if (s->accel_qtest) {
        accel = g_strdup("-accel qtest");
    } else {
        accel = g_strdup_printf("-accel tcg -bios %s", qtest_halt_firmware());
    }
    s->cmdline = g_strdup_printf(
        "%s -qtest unix:%s -qtest-log %s "
        "-chardev socket,path=%s,id=char0 -mon chardev=char0,mode=control "
        "-display none %s %s",
        qtest_binary(), qtest_path, log_enabled ? "/dev/fd/2" : "/dev/null",
        qmp_path, accel, extra_args ? extra_args : "");
    g_free(accel);
    if (!g_shell_parse_argv(s->cmdline, NULL, &argv, &err)) {
        g_error("libqtest: cannot split '%s': %s", s->cmdline, err->message);
    }
    if (log_enabled) {
        g_printerr("libqtest: starting %s\n", s->cmdline);
    }

    pid = fork();
    if (pid < 0) {
        g_error("libqtest: fork: %s", g_strerror(errno));
    }
    if (pid == 0) {
        /* Die with the test, even when it is killed without cleanup. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        /* The VMM runs with default signal dispositions, not the test's. */
        signal(SIGPIPE, SIG_DFL);
        /* stdout carries the test's TAP stream: the VMM's goes to stderr. */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "libqtest: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    g_strfreev(argv);
    s->pid = pid;
    qtest_track_pid(pid);
}

/* ---- qtest protocol ---------------------------------------------------- */

static void qtest_fail_stream(QTestState *s, const char *what, const char *cmd)
{
    char status[64];
    int wstatus;

    /* Give a dying VMM a moment, to report how it ended. */
    for (int i = 0; i < 100 && qtest_probe_child(s, &wstatus); i++) {
        g_usleep(10 * 1000);
    }
    if (qtest_probe_child(s, &wstatus)) {
        snprintf(status, sizeof(status), "is still running");
    } else {
        qtest_describe_status(wstatus, status, sizeof(status));
    }
    g_error("libqtest: %s while waiting for the reply to '%s'; the VMM %s",
            what, cmd, status);
}

static void qtest_handle_irq_line(QTestState *s, gchar **words,
                                  const char *line)
{
    gint64 num;
    char *end;

    if (!words[1] || !words[2]) {
        g_error("libqtest: malformed IRQ line '%s'", line);
    }
    num = g_ascii_strtoll(words[2], &end, 0);
    if (*end || num < 0 || num >= QTEST_MAX_IRQ) {
        g_error("libqtest: IRQ line number out of range in '%s'", line);
    }
    if (strcmp(words[1], "raise") == 0) {
        s->irq_level[num] = true;
    } else if (strcmp(words[1], "lower") == 0) {
        s->irq_level[num] = false;
    } else {
        g_error("libqtest: malformed IRQ line '%s'", line);
    }
}

/*
 * Takes the next complete line out of qtest_rx, handling asynchronous IRQ
 * lines. Returns a reply line, or NULL if no complete reply is buffered.
 */
static char *qtest_take_reply_line(QTestState *s)
{
    char *nl;

    while ((nl = strchr(s->qtest_rx->str, '\n'))) {
        char *line = g_strndup(s->qtest_rx->str, nl - s->qtest_rx->str);
        gchar **words;

        g_string_erase(s->qtest_rx, 0, nl - s->qtest_rx->str + 1);
        if (line[0] && line[strlen(line) - 1] == '\r') {
            line[strlen(line) - 1] = '\0';
        }
        words = g_strsplit(line, " ", 0);
        if (strcmp(words[0], "IRQ") == 0) {
            qtest_handle_irq_line(s, words, line);
            g_strfreev(words);
            g_free(line);
            continue;
        }
        g_strfreev(words);
        return line;
    }
    return NULL;
}

static char *qtest_read_reply(QTestState *s, const char *cmd)
{
    gint64 deadline = qtest_deadline();
    char *line;

    while (!(line = qtest_take_reply_line(s))) {
        ssize_t n;

        if (!qtest_wait_readable(s->qtest_fd, deadline)) {
            kill(s->pid, SIGKILL);
            g_error("libqtest: no reply to '%s' within %d s (killed the VMM)",
                    cmd, QTEST_REPLY_TIMEOUT_S);
        }
        n = qtest_read_into(s->qtest_fd, s->qtest_rx);
        if (n == 0) {
            qtest_fail_stream(s, "the qtest connection closed", cmd);
        } else if (n < 0) {
            qtest_fail_stream(s, g_strerror(errno), cmd);
        }
    }
    return line;
}

/* Reads IRQ lines that have already arrived, without waiting. */
static void qtest_drain_irq_lines(QTestState *s)
{
    char *line;

    while (qtest_wait_readable(s->qtest_fd, 0)) {
        if (qtest_read_into(s->qtest_fd, s->qtest_rx) <= 0) {
            break;
        }
    }
    line = qtest_take_reply_line(s);
    if (line) {
        g_error("libqtest: unexpected qtest line '%s' with no command pending",
                line);
    }
}

static void qtest_send_line(QTestState *s, const char *cmd)
{
    char *line = g_strconcat(cmd, "\n", NULL);

    if (!qtest_write_all(s->qtest_fd, line, strlen(line))) {
        qtest_fail_stream(s, "sending failed", cmd);
    }
    g_free(line);
}

static char *qtest_vcommand_raw(QTestState *s, const char *fmt, va_list ap)
{
    char *cmd = g_strdup_vprintf(fmt, ap);
    char *reply;

    qtest_send_line(s, cmd);
    reply = qtest_read_reply(s, cmd);
    g_free(cmd);
    return reply;
}

void qtest_assert_startup_error(const char *args, const char *error)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s -accel qtest -display none -nodefaults %s", qtest_binary(), args);
    g_autofree char *err = NULL;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status, NULL));
    if (!strstr(err, error)) {
        g_test_message("%s: stderr was: %s", args, err);
    }
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    g_assert_nonnull(strstr(err, error));
    g_assert_null(strchr(g_strchomp(err), '\n')); /* one line */
}

char *qtest_command_bytes(QTestState *s, const void *bytes, size_t len)
{
    g_autofree char *line = g_malloc(len + 1);
    g_autofree char *shown = g_strndup(bytes, len);

    memcpy(line, bytes, len);
    line[len] = '\n';
    if (!qtest_write_all(s->qtest_fd, line, len + 1)) {
        qtest_fail_stream(s, "sending failed", shown);
    }
    return qtest_read_reply(s, shown);
}

char *qtest_command_raw(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *reply;

    va_start(ap, fmt);
    reply = qtest_vcommand_raw(s, fmt, ap);
    va_end(ap);
    return reply;
}

void qtest_command_send(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *cmd;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_send_line(s, cmd);
    g_free(cmd);
}

static gchar **qtest_vcommand(QTestState *s, const char *fmt, va_list ap)
{
    char *cmd = g_strdup_vprintf(fmt, ap);
    char *reply;
    gchar **words;
    gchar **rest;

    qtest_send_line(s, cmd);
    reply = qtest_read_reply(s, cmd);
    words = g_strsplit(reply, " ", 0);
    if (strcmp(words[0], "OK") != 0) {
        g_error("libqtest: '%s' failed: '%s'", cmd, reply);
    }
    rest = g_strdupv(words + 1);
    g_strfreev(words);
    g_free(reply);
    g_free(cmd);
    return rest;
}

gchar **qtest_command(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    gchar **words;

    va_start(ap, fmt);
    words = qtest_vcommand(s, fmt, ap);
    va_end(ap);
    return words;
}

/* A command whose reply is "OK" and nothing else of interest. */
static void G_GNUC_PRINTF(2, 3)
    qtest_command_ok(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_strfreev(qtest_vcommand(s, fmt, ap));
    va_end(ap);
}

/* A command whose reply is "OK <number>". */
static uint64_t G_GNUC_PRINTF(2, 3)
    qtest_command_value(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    gchar **words;
    uint64_t value;
    char *end;

    va_start(ap, fmt);
    words = qtest_vcommand(s, fmt, ap);
    va_end(ap);
    if (!words[0]) {
        g_error("libqtest: reply carries no value");
    }
    errno = 0;
    value = g_ascii_strtoull(words[0], &end, 0);
    if (words[0][0] == '-') {
        value = (uint64_t)g_ascii_strtoll(words[0], &end, 0);
    }
    if (*end || errno) {
        g_error("libqtest: bad value '%s' in reply", words[0]);
    }
    g_strfreev(words);
    return value;
}

void qtest_outb(QTestState *s, uint16_t addr, uint8_t value)
{
    qtest_command_ok(s, "outb 0x%x 0x%x", addr, value);
}

void qtest_outw(QTestState *s, uint16_t addr, uint16_t value)
{
    qtest_command_ok(s, "outw 0x%x 0x%x", addr, value);
}

void qtest_outl(QTestState *s, uint16_t addr, uint32_t value)
{
    qtest_command_ok(s, "outl 0x%x 0x%x", addr, value);
}

uint8_t qtest_inb(QTestState *s, uint16_t addr)
{
    return qtest_command_value(s, "inb 0x%x", addr);
}

uint16_t qtest_inw(QTestState *s, uint16_t addr)
{
    return qtest_command_value(s, "inw 0x%x", addr);
}

uint32_t qtest_inl(QTestState *s, uint16_t addr)
{
    return qtest_command_value(s, "inl 0x%x", addr);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value)
{
    qtest_command_ok(s, "writeb 0x%" G_GINT64_MODIFIER "x 0x%x", addr, value);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t value)
{
    qtest_command_ok(s, "writew 0x%" G_GINT64_MODIFIER "x 0x%x", addr, value);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t value)
{
    qtest_command_ok(s, "writel 0x%" G_GINT64_MODIFIER "x 0x%x", addr, value);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value)
{
    qtest_command_ok(
        s, "writeq 0x%" G_GINT64_MODIFIER "x 0x%" G_GINT64_MODIFIER "x", addr,
        value);
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_command_value(s, "readb 0x%" G_GINT64_MODIFIER "x", addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_command_value(s, "readw 0x%" G_GINT64_MODIFIER "x", addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_command_value(s, "readl 0x%" G_GINT64_MODIFIER "x", addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_command_value(s, "readq 0x%" G_GINT64_MODIFIER "x", addr);
}

void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    uint8_t *out = data;
    gchar **words;
    const char *hex;
    size_t i;

    if (size == 0) {
        return;
    }
    words =
        qtest_command(s, "read 0x%" G_GINT64_MODIFIER "x 0x%zx", addr, size);
    hex = words[0];
    if (!hex || strncmp(hex, "0x", 2) != 0 || strlen(hex) != 2 + 2 * size) {
        g_error("libqtest: read of %zu bytes: bad reply data '%s'", size,
                hex ? hex : "");
    }
    for (i = 0; i < size; i++) {
        int hi = g_ascii_xdigit_value(hex[2 + 2 * i]);
        int lo = g_ascii_xdigit_value(hex[3 + 2 * i]);

        if (hi < 0 || lo < 0) {
            g_error("libqtest: read: bad hex in reply '%s'", hex);
        }
        out[i] = hi << 4 | lo;
    }
    g_strfreev(words);
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *data, size_t size)
{
    const uint8_t *in = data;
    GString *hex;
    size_t i;

    if (size == 0) {
        return;
    }
    hex = g_string_sized_new(2 * size + 3);
    g_string_append(hex, "0x");
    for (i = 0; i < size; i++) {
        g_string_append_printf(hex, "%02x", in[i]);
    }
    qtest_command_ok(s, "write 0x%" G_GINT64_MODIFIER "x 0x%zx %s", addr, size,
                     hex->str);
    g_string_free(hex, TRUE);
}

void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    gchar **words;
    guchar *bytes;
    gsize len;

    if (size == 0) {
        return;
    }
    words =
        qtest_command(s, "b64read 0x%" G_GINT64_MODIFIER "x 0x%zx", addr, size);
    if (!words[0]) {
        g_error("libqtest: b64read: no data in reply");
    }
    bytes = g_base64_decode(words[0], &len);
    if (len != size) {
        g_error("libqtest: b64read of %zu bytes returned %zu", size,
                (size_t)len);
    }
    memcpy(data, bytes, size);
    g_free(bytes);
    g_strfreev(words);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data, size_t size)
{
    char *b64;

    if (size == 0) {
        return;
    }
    b64 = g_base64_encode(data, size);
    qtest_command_ok(s, "b64write 0x%" G_GINT64_MODIFIER "x 0x%zx %s", addr,
                     size, b64);
    g_free(b64);
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size)
{
    if (size == 0) {
        return;
    }
    qtest_command_ok(s, "memset 0x%" G_GINT64_MODIFIER "x 0x%zx 0x%02x", addr,
                     size, pattern);
}

int64_t qtest_clock_step(QTestState *s, int64_t ns)
{
    return qtest_command_value(s, "clock_step %" G_GINT64_FORMAT, (gint64)ns);
}

int64_t qtest_clock_step_next(QTestState *s)
{
    return qtest_command_value(s, "clock_step");
}

int64_t qtest_clock_set(QTestState *s, int64_t ns)
{
    return qtest_command_value(s, "clock_set %" G_GINT64_FORMAT, (gint64)ns);
}

void qtest_irq_intercept_in(QTestState *s, const char *qom_path)
{
    qtest_command_ok(s, "irq_intercept_in %s", qom_path);
}

void qtest_irq_intercept_out(QTestState *s, const char *qom_path)
{
    qtest_command_ok(s, "irq_intercept_out %s", qom_path);
}

bool qtest_get_irq(QTestState *s, int num)
{
    g_assert(num >= 0 && num < QTEST_MAX_IRQ);
    qtest_drain_irq_lines(s);
    return s->irq_level[num];
}

void qtest_set_irq_in(QTestState *s, const char *qom_path, const char *name,
                      int num, int level)
{
    qtest_command_ok(s, "set_irq_in %s %s %d %d", qom_path, name, num, level);
}

bool qtest_big_endian(QTestState *s)
{
    return s->big_endian;
}

static void qtest_query_endianness(QTestState *s)
{
    gchar **words = qtest_command(s, "endianness");

    if (!words[0] || (strcmp(words[0], "little") && strcmp(words[0], "big"))) {
        g_error("libqtest: unexpected endianness reply");
    }
    s->big_endian = strcmp(words[0], "big") == 0;
    g_strfreev(words);
}

/* ---- QMP --------------------------------------------------------------- */

/*
 * Length of the first complete JSON value in text (after leading
 * whitespace, which is counted), or 0 if it is not complete yet. Strings
 * are skipped with their escapes, so braces inside them do not count.
 */
static size_t qmp_value_length(const char *text, size_t len)
{
    size_t i = 0;
    int depth = 0;
    bool in_string = false;
    bool escaped = false;

    while (i < len && g_ascii_isspace(text[i])) {
        i++;
    }
    if (i == len) {
        return 0;
    }
    if (text[i] != '{' && text[i] != '[') {
        /* A scalar (only malformed peers send one): up to the line's end. */
        const char *nl = memchr(text + i, '\n', len - i);

        return nl ? (size_t)(nl - text) + 1 : 0;
    }
    for (; i < len; i++) {
        char c = text[i];

        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) {
                return i + 1;
            }
        }
    }
    return 0;
}

static void qmp_fail_stream(QTestState *s, const char *what)
{
    char status[64];
    int wstatus;

    for (int i = 0; i < 100 && qtest_probe_child(s, &wstatus); i++) {
        g_usleep(10 * 1000);
    }
    if (qtest_probe_child(s, &wstatus)) {
        snprintf(status, sizeof(status), "is still running");
    } else {
        qtest_describe_status(wstatus, status, sizeof(status));
    }
    g_error(
        "libqtest: %s while waiting for QMP; the VMM %s; unparsed input: '%s'",
        what, status, g_strescape(s->qmp_rx->str, NULL));
}

JsonNode *qtest_qmp_receive_node(QTestState *s)
{
    gint64 deadline = qtest_deadline();
    size_t len;
    JsonParser *parser;
    JsonNode *node;
    GError *err = NULL;
    char *text;

    while (!(len = qmp_value_length(s->qmp_rx->str, s->qmp_rx->len))) {
        ssize_t n;

        if (!qtest_wait_readable(s->qmp_fd, deadline)) {
            kill(s->pid, SIGKILL);
            g_error("libqtest: no QMP message within %d s (killed the VMM); "
                    "unparsed input: '%s'",
                    QTEST_REPLY_TIMEOUT_S, g_strescape(s->qmp_rx->str, NULL));
        }
        n = qtest_read_into(s->qmp_fd, s->qmp_rx);
        if (n == 0) {
            qmp_fail_stream(s, "the QMP connection closed");
        } else if (n < 0) {
            qmp_fail_stream(s, g_strerror(errno));
        }
    }
    text = g_strndup(s->qmp_rx->str, len);
    g_string_erase(s->qmp_rx, 0, len);
    if (log_enabled) {
        g_printerr("[QMP <] %s\n", g_strstrip(text));
    }
    parser = json_parser_new();
    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        g_error("libqtest: the VMM sent invalid JSON '%s': %s",
                g_strescape(text, NULL), err->message);
    }
    node = json_parser_steal_root(parser);
    g_object_unref(parser);
    g_free(text);
    return node;
}

JsonObject *qtest_qmp_receive_dict(QTestState *s)
{
    JsonNode *node = qtest_qmp_receive_node(s);
    JsonObject *obj;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        g_error("libqtest: the VMM sent a QMP value that is not an object");
    }
    obj = json_object_ref(json_node_get_object(node));
    json_node_unref(node);
    return obj;
}

JsonObject *qtest_qmp_receive(QTestState *s)
{
    for (;;) {
        JsonObject *obj = qtest_qmp_receive_dict(s);

        if (!json_object_has_member(obj, "event")) {
            return obj;
        }
        g_queue_push_tail(&s->events, obj);
    }
}

static void qmp_send_text(QTestState *s, const char *text)
{
    if (log_enabled) {
        char *shown = g_strchomp(g_strdup(text));

        g_printerr("[QMP >] %s\n", shown);
        g_free(shown);
    }
    if (!qtest_write_all(s->qmp_fd, text, strlen(text))) {
        qmp_fail_stream(s, "sending failed");
    }
}

void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qmp_send_text(s, text);
    g_free(text);
}

static void G_GNUC_PRINTF(2, 0)
    qtest_qmp_vsend(QTestState *s, const char *fmt, va_list ap)
{
    char *text = g_strdup_vprintf(fmt, ap);
    char *line = g_strconcat(text, "\n", NULL);

    qmp_send_text(s, line);
    g_free(line);
    g_free(text);
}

void qtest_qmp_send(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qtest_qmp_vsend(s, fmt, ap);
    va_end(ap);
}

JsonObject *qtest_vqmp(QTestState *s, const char *fmt, va_list ap)
{
    qtest_qmp_vsend(s, fmt, ap);
    return qtest_qmp_receive(s);
}

JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    JsonObject *resp;

    va_start(ap, fmt);
    resp = qtest_vqmp(s, fmt, ap);
    va_end(ap);
    return resp;
}

char *qtest_json_to_string(JsonObject *obj)
{
    JsonNode *node = json_node_alloc();
    char *text;

    json_node_init_object(node, obj);
    text = json_to_string(node, FALSE);
    json_node_unref(node);
    return text;
}

const char *qtest_qmp_error_class(JsonObject *resp)
{
    JsonObject *error;

    if (!json_object_has_member(resp, "error")) {
        return NULL;
    }
    error = json_object_get_object_member(resp, "error");
    if (!error || !json_object_has_member(error, "class")) {
        g_error("libqtest: malformed QMP error reply");
    }
    return json_object_get_string_member(error, "class");
}

static JsonNode *G_GNUC_PRINTF(2, 0)
    qtest_qmp_vassert_success_ref(QTestState *s, const char *fmt, va_list ap)
{
    JsonObject *resp = qtest_vqmp(s, fmt, ap);
    JsonNode *ret;

    if (!json_object_has_member(resp, "return")) {
        char *text = qtest_json_to_string(resp);

        g_error("libqtest: QMP command failed: %s", text);
    }
    ret = json_node_copy(json_object_get_member(resp, "return"));
    json_object_unref(resp);
    return ret;
}

JsonNode *qtest_qmp_assert_success_ref(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    JsonNode *ret;

    va_start(ap, fmt);
    ret = qtest_qmp_vassert_success_ref(s, fmt, ap);
    va_end(ap);
    return ret;
}

void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    json_node_unref(qtest_qmp_vassert_success_ref(s, fmt, ap));
    va_end(ap);
}

static bool qmp_is_event(JsonObject *obj, const char *name)
{
    const char *event =
        json_object_get_string_member_with_default(obj, "event", "");

    return strcmp(event, name) == 0;
}

JsonObject *qtest_qmp_event_ref(QTestState *s, const char *name)
{
    GList *l;

    for (l = s->events.head; l; l = l->next) {
        JsonObject *obj = l->data;

        if (qmp_is_event(obj, name)) {
            g_queue_delete_link(&s->events, l);
            return obj;
        }
    }
    return NULL;
}

JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *name)
{
    JsonObject *obj = qtest_qmp_event_ref(s, name);

    while (!obj) {
        obj = qtest_qmp_receive_dict(s);
        if (!json_object_has_member(obj, "event")) {
            char *text = qtest_json_to_string(obj);

            g_error("libqtest: reply %s while waiting for event %s", text,
                    name);
        }
        if (!qmp_is_event(obj, name)) {
            g_queue_push_tail(&s->events, obj);
            obj = NULL;
        }
    }
    return obj;
}

void qtest_qmp_eventwait(QTestState *s, const char *name)
{
    json_object_unref(qtest_qmp_eventwait_ref(s, name));
}

JsonObject *qtest_qmp_event_next(QTestState *s)
{
    JsonObject *obj = g_queue_pop_head(&s->events);

    if (!obj) {
        obj = qtest_qmp_receive_dict(s);
        if (!json_object_has_member(obj, "event")) {
            char *text = qtest_json_to_string(obj);

            g_error("libqtest: reply %s while waiting for an event", text);
        }
    }
    return obj;
}

guint qtest_qmp_events_pending(QTestState *s)
{
    return g_queue_get_length(&s->events);
}

char *qtest_hmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *cmd;
    JsonBuilder *b = json_builder_new();
    JsonNode *request;
    JsonNode *ret;
    char *text;
    char *out;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    /* Built, not formatted, so any command text is quoted correctly. */
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, "human-monitor-command");
    json_builder_set_member_name(b, "arguments");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "command-line");
    json_builder_add_string_value(b, cmd);
    json_builder_end_object(b);
    json_builder_end_object(b);
    request = json_builder_get_root(b);
    text = json_to_string(request, FALSE);

    ret = qtest_qmp_assert_success_ref(s, "%s", text);
    if (!JSON_NODE_HOLDS_VALUE(ret) ||
        json_node_get_value_type(ret) != G_TYPE_STRING) {
        g_error("libqtest: human-monitor-command '%s' returned no string", cmd);
    }
    out = g_strdup(json_node_get_string(ret));

    json_node_unref(ret);
    g_free(text);
    json_node_unref(request);
    g_object_unref(b);
    g_free(cmd);
    return out;
}

/* ---- Life cycle -------------------------------------------------------- */

static QTestState *qtest_start(const char *extra_args)
{
    QTestState *s = g_new0(QTestState, 1);
    char *qtest_path = qtest_tmp_path("qtest.sock");
    char *qmp_path = qtest_tmp_path("qmp.sock");
    int qtest_listen = qtest_socket_server(qtest_path);
    int qmp_listen = qtest_socket_server(qmp_path);

    s->qtest_rx = g_string_new("");
    s->qmp_rx = g_string_new("");
    g_queue_init(&s->events);
    qtest_spawn(s, qtest_path, qmp_path, extra_args);

    s->qtest_fd = qtest_accept_for(s, qtest_listen, "qtest");
    s->qmp_fd = qtest_accept_for(s, qmp_listen, "QMP");
    close(qtest_listen);
    close(qmp_listen);
    unlink(qtest_path);
    unlink(qmp_path);
    g_free(qtest_path);
    g_free(qmp_path);

    qtest_query_endianness(s);
    return s;
}

QTestState *qtest_init_without_qmp_handshake(const char *extra_args)
{
    return qtest_start(extra_args);
}

QTestState *qtest_init(const char *extra_args)
{
    QTestState *s = qtest_start(extra_args);
    JsonObject *greeting = qtest_qmp_receive_dict(s);

    if (!json_object_has_member(greeting, "QMP")) {
        char *text = qtest_json_to_string(greeting);

        g_error("libqtest: expected the QMP greeting, got %s", text);
    }
    json_object_unref(greeting);
    qtest_qmp_assert_success(s, "{\"execute\": \"qmp_capabilities\"}");
    return s;
}

QTestState *qtest_vinitf(const char *fmt, va_list ap)
{
    char *args = g_strdup_vprintf(fmt, ap);
    QTestState *s = qtest_init(args);

    g_free(args);
    return s;
}

QTestState *qtest_initf(const char *fmt, ...)
{
    va_list ap;
    QTestState *s;

    va_start(ap, fmt);
    s = qtest_vinitf(fmt, ap);
    va_end(ap);
    return s;
}

void qtest_quit(QTestState *s)
{
    char how[64];
    int wstatus;

    if (qtest_probe_child(s, NULL)) {
        /*
         * Ask politely; the reply and any events are not read, the exit is
         * what counts. A VMM whose QMP is gone gets SIGTERM instead.
         */
        static const char quit[] = "{\"execute\": \"quit\"}\n";

        if (!qtest_write_all(s->qmp_fd, quit, strlen(quit))) {
            kill(s->pid, SIGTERM);
        }
    }
    wstatus = qtest_wait_exit(s);

    close(s->qtest_fd);
    close(s->qmp_fd);
    g_string_free(s->qtest_rx, TRUE);
    g_string_free(s->qmp_rx, TRUE);
    g_queue_clear_full(&s->events, (GDestroyNotify)json_object_unref);

    if (s->expected_status < 0
            ? !WIFSIGNALED(wstatus) || WTERMSIG(wstatus) != -s->expected_status
            : !WIFEXITED(wstatus) ||
                  WEXITSTATUS(wstatus) != s->expected_status) {
        qtest_describe_status(wstatus, how, sizeof(how));
        g_error("libqtest: the VMM %s, expected exit status %d (command: %s)",
                how, s->expected_status, s->cmdline);
    }
    g_free(s->cmdline);
    g_free(s);
}

char *qtest_multiboot_kernel_new(void)
{
    const uint32_t magic = 0x1badb002, flags = 0x00010000;
    const uint32_t header[8] = {
        magic, flags, -(magic + flags), 0x100000, 0x100000, 0, 0, 0x100020,
    };
    const uint8_t cli_hlt[] = {0xfa, 0xf4};
    g_autoptr(GError) err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("qtest-kernel-XXXXXX", &path, &err);

    g_assert_no_error(err);
    g_assert_cmpint(write(fd, header, sizeof(header)), ==, sizeof(header));
    g_assert_cmpint(write(fd, cli_hlt, sizeof(cli_hlt)), ==, sizeof(cli_hlt));
    close(fd);
    return path;
}
