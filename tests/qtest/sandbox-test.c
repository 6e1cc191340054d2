/*
 * The seccomp sandbox and privilege dropping as a user sees them.
 *
 * A process made at run time: -netdev user's guestfwd=...-cmd: makes slirp
 * fork and exec the command for each connection the guest opens. The test
 * plays the guest on a -netdev socket (UDP) hubbed to the user network: an
 * ARP request so slirp knows the guest, then a TCP handshake to the
 * forwarded address; the command's output comes back as TCP data. With
 * spawn=deny the fork is refused and pcvm dies of SIGSYS, naming the call.
 *
 * -run-with user=nobody (as root): the process's ids change once the
 * machine is built, and the disk it opened as root still reads.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libqtest.h"

#define GUEST_MAC "\x52\x54\x00\x12\x34\x56"
#define GUEST_IP 0x0a00020fu /* 10.0.2.15 */
#define GATEWAY_IP 0x0a000202u
#define FWD_IP 0x0a000264u /* 10.0.2.100 */
#define FWD_PORT 4321
#define GUEST_PORT 40000
#define GUEST_ISS 1000u

/* ---- frames -------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* An ARP request from the guest for the gateway. */
static size_t arp_request(uint8_t *f)
{
    memset(f, 0, 42);
    memset(f, 0xff, 6);
    memcpy(f + 6, GUEST_MAC, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);      /* Ethernet */
    put16(f + 16, 0x0800); /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, 1); /* request */
    memcpy(f + 22, GUEST_MAC, 6);
    put32(f + 28, GUEST_IP);
    put32(f + 38, GATEWAY_IP);
    return 42;
}

/* A TCP segment without options or data from the guest to FWD_IP. */
static size_t tcp_segment(uint8_t *f, const uint8_t *router_mac, uint32_t seq,
                          uint32_t ack, uint8_t flags)
{
    uint8_t *ip = f + 14, *tcp = ip + 20;
    uint8_t pseudo[12];

    memset(f, 0, 54);
    memcpy(f, router_mac, 6);
    memcpy(f + 6, GUEST_MAC, 6);
    put16(f + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, 40);
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, GUEST_IP);
    put32(ip + 16, FWD_IP);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    put16(tcp, GUEST_PORT);
    put16(tcp + 2, FWD_PORT);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, 20);
    put16(tcp + 16, fold(sum16(tcp, 20, sum16(pseudo, 12, 0))));
    return 54;
}

/* ---- the guest's side -----------------------------------------------------
 */

typedef struct Guest {
    int fd;          /* our end of -netdev socket,udp= */
    uint8_t mac[6];  /* the router's, from its ARP reply */
    GString *data;   /* what the command wrote, as TCP data */
    uint32_t seq_in; /* the router's next sequence number */
    bool syn_acked;
} Guest;

static int udp_socket_bound(uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void guest_send(Guest *g, const uint8_t *f, size_t len)
{
    g_assert_cmpint(send(g->fd, f, len, 0), ==, (ssize_t)len);
}

/* Takes one frame (false after timeout_ms without one). */
static bool guest_receive(Guest *g, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    uint8_t f[2048];
    ssize_t n;

    setsockopt(g->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    n = recv(g->fd, f, sizeof(f), 0);
    if (n < 14) {
        return false;
    }
    if (f[12] == 0x08 && f[13] == 0x06 && n >= 42 && f[21] == 2) {
        memcpy(g->mac, f + 22, 6);
    } else if (f[12] == 0x08 && f[13] == 0x00 && n >= 54 && f[23] == 6) {
        const uint8_t *ip = f + 14, *tcp = ip + (ip[0] & 15) * 4;
        size_t ip_len = ip[2] << 8 | ip[3];
        size_t hdr = (tcp[12] >> 4) * 4;
        size_t payload = ip_len - (tcp - ip) - hdr;

        if ((tcp[13] & 0x12) == 0x12) { /* SYN+ACK */
            g->seq_in = get32(tcp + 4) + 1;
            g->syn_acked = true;
        } else if (payload && tcp + hdr + payload <= f + n) {
            g_string_append_len(g->data, (const char *)tcp + hdr, payload);
        }
    }
    return true;
}

/*
 * The pcvm arguments of a user network with the forwarding and the socket
 * the test talks on; g is ready to run guest_connect().
 */
static char *guest_setup(Guest *g, const char *cmd)
{
    uint16_t ours, theirs;
    int probe = udp_socket_bound(&theirs);
    struct sockaddr_in peer = {.sin_family = AF_INET};

    close(probe); /* a free port for pcvm's end */
    memset(g, 0, sizeof(*g));
    g->fd = udp_socket_bound(&ours);
    g->data = g_string_new(NULL);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    peer.sin_port = htons(theirs);
    g_assert_cmpint(connect(g->fd, (struct sockaddr *)&peer, sizeof(peer)), ==,
                    0);
    return g_strdup_printf(
        "-netdev user,id=u0,guestfwd=tcp:10.0.2.100:%d-cmd:%s "
        "-netdev socket,id=s0,udp=127.0.0.1:%u,localaddr=127.0.0.1:%u "
        "-netdev hubport,id=p0,hubid=0,netdev=u0 "
        "-netdev hubport,id=p1,hubid=0,netdev=s0",
        FWD_PORT, cmd, ours, theirs);
}

/* ARP, then SYN and the ACK of slirp's SYN+ACK: slirp starts the command. */
static void guest_connect(Guest *g)
{
    uint8_t f[64];
    size_t len;

    for (int i = 0; i < 20 && !g->mac[0] && !g->mac[5]; i++) {
        guest_send(g, f, arp_request(f));
        guest_receive(g, 500);
    }
    g_assert_true(g->mac[0] || g->mac[5]);
    len = tcp_segment(f, g->mac, GUEST_ISS, 0, 0x02);
    for (int i = 0; i < 20 && !g->syn_acked; i++) {
        guest_send(g, f, len);
        guest_receive(g, 500);
    }
    g_assert_true(g->syn_acked);
    guest_send(g, f, tcp_segment(f, g->mac, GUEST_ISS + 1, g->seq_in, 0x10));
}

static void guest_free(Guest *g)
{
    close(g->fd);
    g_string_free(g->data, true);
}

/* Waits up to 10 s for text in what the command sent. */
static bool guest_wait_data(Guest *g, const char *text)
{
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (!strstr(g->data->str, text) && g_get_monotonic_time() < end) {
        guest_receive(g, 200);
    }
    return strstr(g->data->str, text) != NULL;
}

/* ---- a) spawn ------------------------------------------------------------ */

/* The command runs: under the default sandbox and with -sandbox off. */
static void spawn_allowed(const char *sandbox)
{
    Guest g;
    g_autofree char *net = guest_setup(&g, "echo\\ sandbox-spawned");
    QTestState *s = qtest_initf("%s %s", sandbox, net);

    guest_connect(&g);
    g_assert_true(guest_wait_data(&g, "sandbox-spawned"));
    /* pcvm itself carries on. */
    qtest_qmp_assert_success(s, "{'execute': 'query-status'}");
    qtest_quit(s);
    guest_free(&g);
}

static void test_spawn_default(void)
{
    spawn_allowed("");
}

static void test_spawn_sandbox_off(void)
{
    spawn_allowed("-sandbox off");
}

/* spawn=deny: the fork is refused and pcvm dies, saying which call. */
static void test_spawn_deny(void)
{
    Guest g;
    g_autofree char *net = guest_setup(&g, "echo\\ sandbox-spawned");
    g_autofree char *log = NULL, *text = NULL;
    QTestState *s;
    int saved = dup(STDERR_FILENO), fd, status;

    /* pcvm's stderr is the test's: catch it in a file for this run. */
    log = g_build_filename(g_get_tmp_dir(), "pcvm-sandbox-XXXXXX", NULL);
    fd = g_mkstemp(log);
    g_assert_cmpint(fd, >=, 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    s = qtest_initf("-sandbox on,spawn=deny %s", net);
    dup2(saved, STDERR_FILENO);
    close(saved);

    guest_connect(&g);
    status = qtest_wait_exit(s);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGSYS);
    g_assert_false(strstr(g.data->str, "sandbox-spawned"));
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_test_message("pcvm said: %s", text);
    g_assert_true(g_regex_match_simple(
        "pcvm: seccomp: denied system call (clone|clone3|fork|vfork) "
        "\\([0-9]+\\)\n",
        text, 0, 0));
    unlink(log);
    qtest_set_expected_status(s, -SIGSYS);
    qtest_quit(s);
    guest_free(&g);
}

/* ---- b) -run-with user= ---------------------------------------------------
 */

static bool status_ids(pid_t pid, const char *key, unsigned *ids)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    g_autofree char *prefix = g_strdup_printf("\n%s:", key);
    const char *line;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(line = strstr(text, prefix))) {
        return false;
    }
    return sscanf(line + strlen(prefix), "%u %u %u %u", &ids[0], &ids[1],
                  &ids[2], &ids[3]) == 4;
}

/* Reads sector 0 of the IDE primary master with READ SECTORS (PIO). */
static void ide_read_sector0(QTestState *s, uint8_t *buf)
{
    int i;

    qtest_outb(s, 0x1f6, 0xe0); /* LBA, device 0 */
    qtest_outb(s, 0x1f2, 1);
    qtest_outb(s, 0x1f3, 0);
    qtest_outb(s, 0x1f4, 0);
    qtest_outb(s, 0x1f5, 0);
    qtest_outb(s, 0x1f7, 0x20);
    for (i = 0; i < 1000 && (qtest_inb(s, 0x1f7) & 0x88) != 0x08; i++) {
        g_usleep(1000);
    }
    g_assert_cmphex(qtest_inb(s, 0x1f7) & 0x89, ==, 0x08); /* DRQ, no ERR */
    for (i = 0; i < 256; i++) {
        uint16_t w = qtest_inw(s, 0x1f0);

        buf[2 * i] = w;
        buf[2 * i + 1] = w >> 8;
    }
}

static void run_as_nobody(const char *option)
{
    struct passwd *pw = getpwnam("nobody");
    g_autofree char *image = NULL;
    g_autofree char *args = NULL;
    uint8_t sector[512], want[512];
    unsigned uid[4], gid[4];
    QTestState *s;
    JsonObject *reply;

    if (geteuid() != 0 || !pw) {
        g_test_skip("needs root and a user 'nobody'");
        return;
    }
    for (int i = 0; i < 512; i++) {
        want[i] = i * 7 + 3;
    }
    /* A disk only root may open: pcvm opens it before it drops root. */
    image = g_build_filename(g_get_tmp_dir(), "pcvm-sandbox-XXXXXX", NULL);
    {
        int fd = g_mkstemp_full(image, O_RDWR, 0600);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(write(fd, want, sizeof(want)), ==, sizeof(want));
        g_assert_cmpint(ftruncate(fd, 1 << 20), ==, 0);
        close(fd);
    }
    args =
        g_strdup_printf("%s -drive file=%s,format=raw,if=ide", option, image);
    s = qtest_init(args);
    reply = qtest_qmp(s, "{'execute': 'query-status'}");
    g_assert_nonnull(json_object_get_object_member(reply, "return"));
    json_object_unref(reply);
    g_assert_true(status_ids(qtest_pid(s), "Uid", uid));
    g_assert_true(status_ids(qtest_pid(s), "Gid", gid));
    for (int i = 0; i < 4; i++) {
        g_assert_cmpuint(uid[i], ==, pw->pw_uid);
        g_assert_cmpuint(gid[i], ==, pw->pw_gid);
    }
    ide_read_sector0(s, sector);
    g_assert_cmpmem(sector, sizeof(sector), want, sizeof(want));
    qtest_quit(s);
    unlink(image);
}

static void test_run_with_user(void)
{
    run_as_nobody("-run-with user=nobody");
}

static void test_runas(void)
{
    run_as_nobody("-runas nobody");
}

/* chroot= : the process's root is the directory. */
static void test_run_with_chroot(void)
{
    g_autofree char *dir = NULL, *root_link = NULL, *root = NULL;
    g_autofree char *args = NULL;
    QTestState *s;

    if (geteuid() != 0) {
        g_test_skip("needs root");
        return;
    }
    dir = g_dir_make_tmp("pcvm-chroot-XXXXXX", NULL);
    g_assert_nonnull(dir);
    args = g_strdup_printf("-run-with chroot=%s,user=nobody", dir);
    s = qtest_init(args);
    qtest_qmp_assert_success(s, "{'execute': 'query-status'}");
    root_link = g_strdup_printf("/proc/%d/root", (int)qtest_pid(s));
    root = g_file_read_link(root_link, NULL);
    g_assert_cmpstr(root, ==, dir);
    qtest_quit(s);
    rmdir(dir);
}

/* Sends quit on a QMP socket (greeting and negotiation first). */
static void qmp_socket_quit(const char *path)
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

/*
 * -daemonize with a chroot that has no /dev: the daemon's stdio is still
 * /dev/null (opened before the chroot), and it runs as nobody inside it.
 */
static void test_run_with_daemonize(void)
{
    g_autofree char *dir = NULL, *sock = NULL, *pidfile = NULL;
    g_autofree char *cmd = NULL, *text = NULL, *link = NULL, *target = NULL;
    g_autofree char *err = NULL;
    unsigned uid[4];
    int status;
    pid_t pid;

    if (geteuid() != 0 || !getpwnam("nobody")) {
        g_test_skip("needs root and a user 'nobody'");
        return;
    }
    dir = g_dir_make_tmp("pcvm-chroot-XXXXXX", NULL);
    sock = g_build_filename(dir, "qmp.sock", NULL);
    pidfile = g_build_filename(dir, "pcvm.pid", NULL);
    cmd = g_strdup_printf("%s -accel qtest -display none -nodefaults "
                          "-daemonize -pidfile %s "
                          "-qmp unix:%s,server=on,wait=off "
                          "-run-with chroot=%s,user=nobody",
                          qtest_binary(), pidfile, sock, dir);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status, NULL));
    g_assert_cmpstr(err, ==, "");
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_true(g_file_get_contents(pidfile, &text, NULL, NULL));
    pid = atoi(text);
    g_assert_cmpint(pid, >, 0);
    for (int fd = 0; fd <= 2; fd++) {
        g_free(link);
        g_free(target);
        link = g_strdup_printf("/proc/%d/fd/%d", (int)pid, fd);
        target = g_file_read_link(link, NULL);
        g_assert_cmpstr(target, ==, "/dev/null");
    }
    g_free(link);
    g_free(target);
    link = g_strdup_printf("/proc/%d/root", (int)pid);
    target = g_file_read_link(link, NULL);
    g_assert_cmpstr(target, ==, dir);
    g_assert_true(status_ids(pid, "Uid", uid));
    g_assert_cmpuint(uid[0], ==, getpwnam("nobody")->pw_uid);
    qmp_socket_quit(sock);
    for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
        g_usleep(50 * 1000);
    }
    g_assert_cmpint(kill(pid, 0), <, 0);
    /* Named by paths from outside the chroot: pcvm could not remove them. */
    unlink(pidfile);
    unlink(sock);
    rmdir(dir);
}

/* ---- c) errors ------------------------------------------------------------
 */

static void test_errors(void)
{
    qtest_assert_startup_error("-sandbox maybe",
                               "-sandbox maybe: Parameter 'enable' expects "
                               "'on' or 'off'");
    qtest_assert_startup_error("-sandbox on,spawn=sometimes",
                               "-sandbox on,spawn=sometimes: invalid argument "
                               "for spawn");
    qtest_assert_startup_error("-sandbox on,obsolete=children",
                               "invalid argument for obsolete");
    qtest_assert_startup_error("-sandbox on,elevateprivileges=x",
                               "invalid argument for elevateprivileges");
    qtest_assert_startup_error("-sandbox on,resourcecontrol=x",
                               "invalid argument for resourcecontrol");
    qtest_assert_startup_error("-sandbox on,colour=red",
                               "-sandbox on,colour=red: Invalid parameter "
                               "'colour'");
    qtest_assert_startup_error("-run-with user=no-such-user-pcvm",
                               "-run-with user=no-such-user-pcvm: User "
                               "\"no-such-user-pcvm\" doesn't exist (and is "
                               "not <uid>:<gid>)");
    qtest_assert_startup_error("-runas no-such-user-pcvm",
                               "User \"no-such-user-pcvm\" doesn't exist");
    qtest_assert_startup_error("-run-with colour=red",
                               "-run-with colour=red: Invalid parameter "
                               "'colour'");
    if (geteuid() == 0) {
        qtest_assert_startup_error("-chroot /nonexistent/pcvm",
                                   "chroot failed");
    }
    qtest_assert_startup_error(
        "-netdev user,id=u,guestfwd=tcp:10.0.2.100:0-cmd:true",
        "Invalid guest forwarding rule 'tcp:10.0.2.100:0-cmd:true'");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sandbox/spawn/default", test_spawn_default);
    g_test_add_func("/sandbox/spawn/off", test_spawn_sandbox_off);
    g_test_add_func("/sandbox/spawn/deny", test_spawn_deny);
    g_test_add_func("/sandbox/run-with/user", test_run_with_user);
    g_test_add_func("/sandbox/run-with/runas", test_runas);
    g_test_add_func("/sandbox/run-with/chroot", test_run_with_chroot);
    g_test_add_func("/sandbox/run-with/daemonize", test_run_with_daemonize);
    g_test_add_func("/sandbox/errors", test_errors);
    return g_test_run();
}
