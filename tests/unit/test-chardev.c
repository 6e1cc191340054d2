/*
 * The chardev layer seen from a front end: bytes written reach the file,
 * socket peer or pty reader; bytes sent by the peer reach receive(); events
 * arrive; the mux routes input by focus and obeys its Ctrl-A escapes; bad
 * options fail with the messages users see.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "chardev/char.h"
#include "system/main-loop.h"
#include "system/runstate.h"

static char *tmpdir;

/* A front end that records what it gets. */
typedef struct {
    CharFrontend fe;
    GByteArray *rx;
    int limit; /* bytes can_receive offers; -1 for plenty */
    int events[CHR_EVENT_MUX_OUT + 1];
    GArray *event_log;
} FakeFrontend;

static int fake_can_receive(void *opaque)
{
    FakeFrontend *f = opaque;

    return f->limit < 0 ? 1024 : f->limit;
}

static void fake_receive(void *opaque, const uint8_t *buf, int size)
{
    FakeFrontend *f = opaque;

    g_assert_cmpint(size, >, 0);
    if (f->limit >= 0) {
        g_assert_cmpint(size, <=, f->limit);
    }
    g_byte_array_append(f->rx, buf, size);
}

static void fake_event(void *opaque, CharEvent event)
{
    FakeFrontend *f = opaque;
    int e = event;

    f->events[event]++;
    g_array_append_val(f->event_log, e);
}

static FakeFrontend *fake_new(Chardev *chr)
{
    FakeFrontend *f = g_new0(FakeFrontend, 1);
    g_autoptr(GError) err = NULL;

    f->rx = g_byte_array_new();
    f->event_log = g_array_new(false, false, sizeof(int));
    f->limit = -1;
    g_assert_true(chardev_fe_init(&f->fe, chr, &err));
    g_assert_no_error(err);
    chardev_fe_set_handlers(&f->fe, fake_can_receive, fake_receive, fake_event,
                            f);
    return f;
}

static void fake_free(FakeFrontend *f)
{
    chardev_fe_set_handlers(&f->fe, NULL, NULL, NULL, NULL);
    chardev_fe_deinit(&f->fe);
    g_byte_array_unref(f->rx);
    g_array_unref(f->event_log);
    g_free(f);
}

static void fake_write(FakeFrontend *f, const char *s)
{
    g_assert_cmpint(chardev_fe_write_all(&f->fe, (const uint8_t *)s, strlen(s)),
                    ==, strlen(s));
}

static bool rx_equals(FakeFrontend *f, const char *s)
{
    return f->rx->len == strlen(s) && !memcmp(f->rx->data, s, f->rx->len);
}

/* Runs the main loop until cond holds, for at most five seconds. */
#define WAIT_UNTIL(cond)                                                       \
    do {                                                                       \
        gint64 deadline_ = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;        \
        while (!(cond) && g_get_monotonic_time() < deadline_) {                \
            main_loop_iterate(false);                                          \
            g_usleep(1000);                                                    \
        }                                                                      \
        g_assert_true(cond);                                                   \
    } while (0)

static void run_loop_ms(int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        main_loop_iterate(false);
        g_usleep(1000);
    }
}

/* Reads exactly len bytes from fd (waiting up to five seconds). */
static char *read_exact(int fd, size_t len)
{
    char *buf = g_malloc0(len + 1);
    size_t got = 0;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (got < len && g_get_monotonic_time() < deadline) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (poll(&pfd, 1, 50) <= 0) {
            /* The chardev may need the main loop to make progress. */
            main_loop_iterate(false);
            continue;
        }
        n = read(fd, buf + got, len - got);
        if (n <= 0) {
            break;
        }
        got += n;
    }
    g_assert_cmpuint(got, ==, len);
    return buf;
}

/* Reads whatever arrives within ms milliseconds. */
static GString *read_for(int fd, int ms)
{
    GString *s = g_string_new(NULL);
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char buf[256];
        ssize_t n;

        main_loop_iterate(false);
        if (poll(&pfd, 1, 10) > 0) {
            n = read(fd, buf, sizeof(buf));
            if (n <= 0) {
                break;
            }
            g_string_append_len(s, buf, n);
        }
    }
    return s;
}

static void write_str(int fd, const char *s)
{
    g_assert_cmpint(write(fd, s, strlen(s)), ==, strlen(s));
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    return fd;
}

static int unix_listen(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    unlink(path);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(fd, 4), ==, 0);
    return fd;
}

static Chardev *new_chardev(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static Chardev *new_chardev(const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *opts = NULL;
    va_list ap;
    Chardev *chr;

    va_start(ap, fmt);
    opts = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    chr = chardev_new_from_options(opts, &err);
    g_assert_no_error(err);
    g_assert_nonnull(chr);
    return chr;
}

static void expect_error(const char *opts, const char *message)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(chardev_new_from_options(opts, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
}

static gboolean set_flag(gpointer opaque)
{
    *(bool *)opaque = true;
    return G_SOURCE_REMOVE;
}

/* stdio: runs first, with pipes standing in for the terminal. */
static void test_stdio(void)
{
    int in[2], out[2], saved_in, saved_out;
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;
    FakeFrontend *f;
    Chardev *chr;
    int iterations = 0;
    bool fired = false;

    /* Even when run with stdin closed, fd 0 is no other file (see stdio). */
    g_assert_cmpint(fcntl(0, F_GETFD), >=, 0);
    saved_in = dup(0);
    saved_out = dup(1);
    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    dup2(in[0], 0);
    close(in[0]);
    fflush(stdout);
    dup2(out[1], 1);
    close(out[1]);

    chr = new_chardev("stdio,id=st0,signal=off");
    g_assert_cmpstr(chr->filename, ==, "stdio");
    g_assert_null(chardev_new_from_options("stdio,id=st1", &err));
    g_assert_cmpstr(err->message, ==,
                    "cannot use stdio by multiple character devices");
    f = fake_new(chr);
    g_assert_cmpint(f->events[CHR_EVENT_OPENED], ==, 1);

    fake_write(f, "to stdout");
    dup2(saved_out, 1);
    close(saved_out);
    got = read_exact(out[0], 9);
    g_assert_cmpstr(got, ==, "to stdout");
    close(out[0]);

    write_str(in[1], "typed");
    WAIT_UNTIL(rx_equals(f, "typed"));

    /* At end of input the backend stops reading instead of spinning. */
    close(in[1]);
    run_loop_ms(20);
    g_timeout_add(100, set_flag, &fired);
    while (!fired) {
        main_loop_iterate(true);
        iterations++;
    }
    g_assert_cmpint(iterations, <, 20);
    g_assert_true(rx_equals(f, "typed"));

    dup2(saved_in, 0);
    close(saved_in);
}

static void test_file(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "out.txt", NULL);
    g_autofree char *filename = g_strdup_printf("file:%s", path);
    g_autofree char *contents = NULL;
    FakeFrontend *f1, *f2;
    Chardev *chr;

    chr = new_chardev("file,id=file0,path=%s", path);
    g_assert_cmpstr(chr->filename, ==, filename);
    f1 = fake_new(chr);
    g_assert_true(chardev_fe_backend_connected(&f1->fe));
    fake_write(f1, "hello ");
    fake_write(f1, "world\n");
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello world\n");
    g_clear_pointer(&contents, g_free);

    /* append=on keeps what is there. */
    chr = new_chardev("file,id=file1,path=%s,append=on", path);
    f2 = fake_new(chr);
    fake_write(f2, "more\n");
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello world\nmore\n");
    g_clear_pointer(&contents, g_free);

    /* Without append the file starts empty. */
    chr = new_chardev("file,id=file2,path=%s", path);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "");
    fake_free(f1);
    fake_free(f2);
}

static void test_file_input_and_log(void)
{
    g_autofree char *out = g_build_filename(tmpdir, "io-out.txt", NULL);
    g_autofree char *in = g_build_filename(tmpdir, "io-in.txt", NULL);
    g_autofree char *log = g_build_filename(tmpdir, "io-log.txt", NULL);
    g_autofree char *contents = NULL;
    FakeFrontend *f;

    g_assert_true(g_file_set_contents(in, "input bytes", -1, NULL));
    f = fake_new(new_chardev("file,id=fileio,path=%s,input-path=%s,"
                             "logfile=%s",
                             out, in, log));
    WAIT_UNTIL(rx_equals(f, "input bytes"));
    fake_write(f, "logged");
    g_assert_true(g_file_get_contents(log, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "logged");
    fake_free(f);
}

static void test_null(void)
{
    Chardev *chr = new_chardev("null,id=null0");
    FakeFrontend *f = fake_new(chr);

    g_assert_cmpstr(chr->filename, ==, "null");
    g_assert_cmpint(f->events[CHR_EVENT_OPENED], ==, 1);
    fake_write(f, "gone");
    g_assert_true(chardev_find("null0") == chr);
    fake_free(f);
}

static void test_socket_server(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "server.sock", NULL);
    g_autofree char *expect = NULL;
    g_autofree char *got = NULL;
    Chardev *chr;
    FakeFrontend *f;
    int client, second;

    chr = new_chardev("socket,id=sock0,path=%s,server=on,wait=off", path);
    expect = g_strdup_printf("disconnected:unix:%s,server=on", path);
    g_assert_cmpstr(chr->filename, ==, expect);
    f = fake_new(chr);
    g_assert_false(chardev_fe_backend_connected(&f->fe));
    g_assert_cmpint(f->events[CHR_EVENT_OPENED], ==, 0);

    /* With nobody connected output is dropped, without blocking. */
    fake_write(f, "nobody hears this");

    client = unix_connect(path);
    WAIT_UNTIL(f->events[CHR_EVENT_OPENED] == 1);
    g_assert_true(chardev_fe_backend_connected(&f->fe));
    g_clear_pointer(&expect, g_free);
    expect = g_strdup_printf("unix:%s,server=on", path);
    g_assert_cmpstr(chr->filename, ==, expect);

    fake_write(f, "to client");
    got = read_exact(client, 9);
    g_assert_cmpstr(got, ==, "to client");

    write_str(client, "from client");
    WAIT_UNTIL(rx_equals(f, "from client"));

    /* A front end that takes nothing gets nothing, then catches up. */
    g_byte_array_set_size(f->rx, 0);
    f->limit = 0;
    write_str(client, "held back");
    run_loop_ms(50);
    g_assert_cmpuint(f->rx->len, ==, 0);
    f->limit = 2;
    chardev_fe_accept_input(&f->fe);
    WAIT_UNTIL(rx_equals(f, "held back"));
    f->limit = -1;

    /* A second client waits until the first leaves. */
    second = unix_connect(path);
    write_str(second, "second");
    run_loop_ms(50);
    g_assert_cmpint(f->events[CHR_EVENT_OPENED], ==, 1);
    g_assert_true(rx_equals(f, "held back"));

    close(client);
    WAIT_UNTIL(f->events[CHR_EVENT_CLOSED] == 1);
    WAIT_UNTIL(f->events[CHR_EVENT_OPENED] == 2);
    WAIT_UNTIL(rx_equals(f, "held backsecond"));
    fake_write(f, "hi 2");
    g_clear_pointer(&got, g_free);
    got = read_exact(second, 4);
    g_assert_cmpstr(got, ==, "hi 2");

    /* A write to a client that has gone drops the data, then CLOSED. */
    close(second);
    fake_write(f, "into the void");
    WAIT_UNTIL(f->events[CHR_EVENT_CLOSED] == 2);
    fake_free(f);
}

static void test_socket_tcp(void)
{
    Chardev *chr = new_chardev("socket,id=tcp0,host=127.0.0.1,port=0,"
                               "server=on,wait=off,nodelay=on");
    struct sockaddr_in sin = {.sin_family = AF_INET};
    const char *colon;
    g_autofree char *got = NULL;
    FakeFrontend *f = fake_new(chr);
    int port, fd;

    /* port=0 picked a free port, which the filename shows. */
    g_assert_true(
        g_str_has_prefix(chr->filename, "disconnected:tcp:127.0.0.1:"));
    colon = strrchr(chr->filename, ':');
    port = atoi(colon + 1);
    g_assert_cmpint(port, >, 0);

    fd = socket(AF_INET, SOCK_STREAM, 0);
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    WAIT_UNTIL(f->events[CHR_EVENT_OPENED] == 1);
    g_assert_true(strstr(chr->filename, " <-> 127.0.0.1:") != NULL);
    fake_write(f, "tcp out");
    got = read_exact(fd, 7);
    g_assert_cmpstr(got, ==, "tcp out");
    write_str(fd, "tcp in");
    WAIT_UNTIL(rx_equals(f, "tcp in"));
    close(fd);
    WAIT_UNTIL(f->events[CHR_EVENT_CLOSED] == 1);
    fake_free(f);
}

static void test_socket_client(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "listen.sock", NULL);
    g_autofree char *got = NULL;
    int listener = unix_listen(path);
    Chardev *chr = new_chardev("socket,id=client0,path=%s", path);
    FakeFrontend *f;
    int peer;

    peer = accept(listener, NULL, NULL);
    g_assert_cmpint(peer, >=, 0);
    f = fake_new(chr);
    /* Already connected when the front end attached. */
    g_assert_cmpint(f->events[CHR_EVENT_OPENED], ==, 1);
    fake_write(f, "client out");
    got = read_exact(peer, 10);
    g_assert_cmpstr(got, ==, "client out");
    write_str(peer, "client in");
    WAIT_UNTIL(rx_equals(f, "client in"));
    close(peer);
    WAIT_UNTIL(f->events[CHR_EVENT_CLOSED] == 1);
    g_assert_false(chardev_fe_backend_connected(&f->fe));
    fake_free(f);
    close(listener);
}

static void test_socket_client_reconnect(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "later.sock", NULL);
    Chardev *chr =
        new_chardev("socket,id=client1,path=%s,reconnect-ms=50", path);
    FakeFrontend *f = fake_new(chr);
    int listener, peer;

    /* Nobody listens yet: no error, just not connected. */
    g_assert_false(chardev_fe_backend_connected(&f->fe));
    listener = unix_listen(path);
    WAIT_UNTIL(f->events[CHR_EVENT_OPENED] == 1);
    peer = accept(listener, NULL, NULL);
    close(peer);
    WAIT_UNTIL(f->events[CHR_EVENT_CLOSED] == 1);
    /* It comes back on its own. */
    WAIT_UNTIL(f->events[CHR_EVENT_OPENED] == 2);
    peer = accept(listener, NULL, NULL);
    g_assert_cmpint(peer, >=, 0);
    close(peer);
    close(listener);
    fake_free(f);
}

static void test_pty(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;
    Chardev *chr = chardev_new_from_options("pty,id=pty0", &err);
    FakeFrontend *f;
    const char *name;
    int slave;

    if (!chr) {
        g_test_skip(err->message);
        return;
    }
    g_assert_true(g_str_has_prefix(chr->filename, "pty:/dev/"));
    name = chr->filename + 4;
    f = fake_new(chr);
    g_assert_false(chardev_fe_backend_connected(&f->fe));

    /* Nobody has the pty open: output is dropped, the writer never blocks. */
    for (int i = 0; i < 2000; i++) {
        fake_write(f, "dropped dropped dropped dropped dropped\n");
    }

    slave = open(name, O_RDWR | O_NOCTTY);
    g_assert_cmpint(slave, >=, 0);
    WAIT_UNTIL(f->events[CHR_EVENT_OPENED] == 1);
    fake_write(f, "hello pty\n");
    got = read_exact(slave, 10);
    g_assert_cmpstr(got, ==, "hello pty\n");

    /* Raw mode: what the reader types arrives as is, nothing echoed. */
    write_str(slave, "typed\r");
    WAIT_UNTIL(rx_equals(f, "typed\r"));
    run_loop_ms(20);
    g_assert_true(rx_equals(f, "typed\r"));

    close(slave);
    WAIT_UNTIL(f->events[CHR_EVENT_CLOSED] == 1);
    g_assert_false(chardev_fe_backend_connected(&f->fe));
    fake_free(f);
}

static void test_mux(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "mux.sock", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) help = NULL;
    g_autoptr(GString) out = NULL;
    Chardev *mux, *base;
    FakeFrontend *serial, *monitor, *third, *fourth;
    CharFrontend fifth = {0};
    int client, status;

    mux = new_chardev("socket,id=mux0,path=%s,server=on,wait=off,mux=on", path);
    base = chardev_find("mux0-base");
    g_assert_nonnull(base);
    g_assert_true(chardev_find("mux0") == mux);
    g_assert_cmpstr(mux->filename, ==, "mux");

    serial = fake_new(mux);
    monitor = fake_new(mux);
    g_assert_cmpint(serial->fe.mux_index, ==, 0);
    g_assert_cmpint(monitor->fe.mux_index, ==, 1);
    /* The first front end has the focus. */
    g_assert_cmpint(serial->events[CHR_EVENT_MUX_IN], ==, 1);
    g_assert_cmpint(monitor->events[CHR_EVENT_MUX_OUT], ==, 1);

    client = unix_connect(path);
    WAIT_UNTIL(serial->events[CHR_EVENT_OPENED] == 1 &&
               monitor->events[CHR_EVENT_OPENED] == 1);

    write_str(client, "ab");
    WAIT_UNTIL(rx_equals(serial, "ab"));
    g_assert_cmpuint(monitor->rx->len, ==, 0);

    /* C-a c moves the focus on. */
    write_str(client, "\x01"
                      "cxy");
    WAIT_UNTIL(rx_equals(monitor, "xy"));
    g_assert_true(rx_equals(serial, "ab"));
    g_assert_cmpint(serial->events[CHR_EVENT_MUX_OUT], ==, 1);
    g_assert_cmpint(monitor->events[CHR_EVENT_MUX_IN], ==, 1);

    /* C-a C-a is one C-a. */
    write_str(client, "\x01\x01");
    WAIT_UNTIL(rx_equals(monitor, "xy\x01"));

    /* Back to the serial port, which gets a break. */
    write_str(client, "\x01"
                      "c"
                      "\x01"
                      "bz");
    WAIT_UNTIL(rx_equals(serial, "abz"));
    g_assert_cmpint(serial->events[CHR_EVENT_MUX_IN], ==, 2);
    g_assert_cmpint(serial->events[CHR_EVENT_BREAK], ==, 1);
    g_assert_cmpint(monitor->events[CHR_EVENT_BREAK], ==, 0);
    g_assert_true(rx_equals(monitor, "xy\x01"));

    /*
     * One read that visits the monitor and comes back: the monitor gets
     * its bytes before the focus leaves it, as a user typing fast (or a
     * script writing in one go) expects.
     */
    write_str(client, "\x01"
                      "cinfo\n\x01"
                      "c");
    WAIT_UNTIL(rx_equals(monitor, "xy\x01info\n"));
    g_assert_cmpint(serial->events[CHR_EVENT_MUX_IN], ==, 3);

    /* A front end that is not ready keeps its input buffered. */
    serial->limit = 0;
    write_str(client, "later");
    run_loop_ms(50);
    g_assert_true(rx_equals(serial, "abz"));
    serial->limit = -1;
    chardev_fe_accept_input(&serial->fe);
    WAIT_UNTIL(rx_equals(serial, "abzlater"));

    /* Both front ends write through. */
    fake_write(serial, "[serial]");
    fake_write(monitor, "[monitor]");
    out = read_for(client, 100);
    g_assert_cmpstr(out->str, ==, "[serial][monitor]");

    /* C-a h prints the help on the backend. */
    write_str(client, "\x01h");
    help = read_for(client, 200);
    g_assert_nonnull(strstr(help->str, "C-a x    exit pcvm"));
    g_assert_nonnull(strstr(help->str, "C-a c"));

    /* C-a t stamps each line. */
    write_str(client, "\x01t");
    run_loop_ms(20);
    fake_write(serial, "line one\nline two\n");
    g_string_free(out, true);
    out = read_for(client, 100);
    g_assert_true(g_regex_match_simple(
        "^line one\n\\[\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d\\] line two\n$",
        out->str, 0, 0));
    write_str(client, "\x01t");
    run_loop_ms(20);

    /* At most four front ends; a plain backend takes only one. */
    third = fake_new(mux);
    fourth = fake_new(mux);
    g_assert_false(chardev_fe_init(&fifth, mux, &err));
    g_assert_cmpstr(err->message, ==,
                    "too many uses of multiplexed chardev 'mux0'");
    g_clear_error(&err);
    g_assert_false(chardev_fe_init(&fifth, base, &err));
    g_assert_cmpstr(err->message, ==, "chardev 'mux0-base' is already in use");
    g_clear_error(&err);
    /* A detached front end's slot is free again. */
    fake_free(fourth);
    g_assert_true(chardev_fe_init(&fifth, mux, &err));
    g_assert_cmpint(fifth.mux_index, ==, 3);
    chardev_fe_deinit(&fifth);

    /* C-a x asks pcvm to quit. */
    g_assert_false(main_loop_should_exit(&status));
    write_str(client, "\x01x");
    g_string_free(out, true);
    out = read_for(client, 100);
    g_assert_cmpstr(out->str, ==, "pcvm: terminated\r\n");
    g_assert_true(main_loop_should_exit(&status));
    g_assert_cmpint(status, ==, 0);

    close(client);
    WAIT_UNTIL(serial->events[CHR_EVENT_CLOSED] == 1 &&
               monitor->events[CHR_EVENT_CLOSED] == 1 &&
               third->events[CHR_EVENT_CLOSED] == 1);
    fake_free(serial);
    fake_free(monitor);
    fake_free(third);
}

static void test_legacy(void)
{
    g_autofree char *file = g_build_filename(tmpdir, "legacy,out", NULL);
    g_autofree char *sock = g_build_filename(tmpdir, "legacy.sock", NULL);
    g_autofree char *sock2 = g_build_filename(tmpdir, "legacy2.sock", NULL);
    g_autofree char *spec = NULL;
    g_autofree char *expect = NULL;
    g_autofree char *contents = NULL;
    g_autoptr(GError) err = NULL;
    FakeFrontend *f;
    Chardev *chr;

    g_assert_null(chardev_new_from_legacy("none", "legacy0", &err));
    g_assert_no_error(err);

    chr = chardev_new_from_legacy("null", "legacy1", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chr->id, ==, "legacy1");
    g_assert_cmpstr(chr->filename, ==, "null");

    /* The path is taken literally, commas and all. */
    spec = g_strdup_printf("file:%s", file);
    chr = chardev_new_from_legacy(spec, "legacy2", &err);
    g_assert_no_error(err);
    f = fake_new(chr);
    fake_write(f, "legacy file");
    g_assert_true(g_file_get_contents(file, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "legacy file");
    fake_free(f);

    /* Old-style flags: server, nowait. */
    g_clear_pointer(&spec, g_free);
    spec = g_strdup_printf("unix:%s,server,nowait", sock);
    chr = chardev_new_from_legacy(spec, "legacy3", &err);
    g_assert_no_error(err);
    expect = g_strdup_printf("disconnected:unix:%s,server=on", sock);
    g_assert_cmpstr(chr->filename, ==, expect);

    chr = chardev_new_from_legacy("tcp:127.0.0.1:0,server=on,wait=off",
                                  "legacy4", &err);
    g_assert_no_error(err);
    g_assert_true(
        g_str_has_prefix(chr->filename, "disconnected:tcp:127.0.0.1:"));
    g_assert_true(g_str_has_suffix(chr->filename, ",server=on"));

    g_clear_pointer(&spec, g_free);
    spec = g_strdup_printf("mon:unix:%s,server=on,wait=off", sock2);
    chr = chardev_new_from_legacy(spec, "legacy5", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(chr->filename, ==, "mux");
    g_assert_nonnull(chardev_find("legacy5-base"));

    g_assert_true(chardev_new_from_legacy("chardev:legacy5", "x", &err) == chr);
    g_assert_null(chardev_new_from_legacy("chardev:nope", "x", &err));
    g_assert_cmpstr(err->message, ==, "chardev 'nope' not found");
    g_clear_error(&err);
    g_assert_null(chardev_new_from_legacy("bogus:thing", "legacy6", &err));
    g_assert_cmpstr(err->message, ==, "chardev: backend 'bogus' not found");
}

static void test_errors(void)
{
    g_autofree char *missing = g_build_filename(tmpdir, "nobody.sock", NULL);
    g_autofree char *opts = NULL;
    g_autofree char *message = NULL;

    expect_error("foo,id=x", "chardev: backend 'foo' not found");
    expect_error("file,id=nopath", "chardev: file: path= is required");
    expect_error("null,id=null0", "Duplicate ID 'null0' for chardev");
    expect_error("null,id=bad0,bogus=1", "Invalid parameter 'bogus'");
    expect_error("null", "chardev: no id specified");
    expect_error("null,id=0bad", "Parameter 'id' expects an identifier");
    expect_error("id=x", "Parameter 'backend' is missing");
    expect_error("socket,id=s9", "chardev: socket: path= or port= is required");
    expect_error("file,id=f9,path=/nonexistent/dir/file",
                 "Could not open '/nonexistent/dir/file': "
                 "No such file or directory");
    expect_error("null,id=m9,mux=maybe",
                 "Parameter 'mux' expects 'on' or 'off'");

    opts = g_strdup_printf("socket,id=s10,path=%s", missing);
    message = g_strdup_printf("Failed to connect to 'unix:%s': "
                              "No such file or directory",
                              missing);
    expect_error(opts, message);
    g_clear_pointer(&opts, g_free);
    opts = g_strdup_printf("socket,id=s11,path=%s,wait=off", missing);
    expect_error(opts, "'wait' option is incompatible with socket in client "
                       "connect mode");
    /* A failed chardev leaves its id free. */
    g_assert_null(chardev_find("s10"));
    g_assert_null(chardev_find("bad0"));
}

static void test_close_all(void)
{
    GPtrArray *list = chardev_list();
    g_autofree char *sock = g_build_filename(tmpdir, "server.sock", NULL);

    g_assert_cmpuint(list->len, >, 5);
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
    chardev_close_all();
    chardev_close_all();
    /* The server's socket file went with it. */
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
}

static void remove_tree(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        unlink(path);
    }
    if (d) {
        g_dir_close(d);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    main_loop_init();
    tmpdir = g_dir_make_tmp("pcvm-chardev-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/chardev/stdio", test_stdio);
    g_test_add_func("/chardev/file", test_file);
    g_test_add_func("/chardev/file-input-log", test_file_input_and_log);
    g_test_add_func("/chardev/null", test_null);
    g_test_add_func("/chardev/socket-server", test_socket_server);
    g_test_add_func("/chardev/socket-tcp", test_socket_tcp);
    g_test_add_func("/chardev/socket-client", test_socket_client);
    g_test_add_func("/chardev/socket-client-reconnect",
                    test_socket_client_reconnect);
    g_test_add_func("/chardev/pty", test_pty);
    g_test_add_func("/chardev/mux", test_mux);
    g_test_add_func("/chardev/legacy", test_legacy);
    g_test_add_func("/chardev/errors", test_errors);
    g_test_add_func("/chardev/close-all", test_close_all);
    ret = g_test_run();
    remove_tree(tmpdir);
    g_free(tmpdir);
    return ret;
}
