/*
 * The socket and user backends against a test client standing in for a
 * NIC: socket's length-prefixed stream framing both ways over a socket
 * pair the test holds (fd=), datagrams one frame each, a NIC that cannot
 * receive stopping the backend's reads until its queue flushes (nothing
 * lost, order kept); and libslirp answering a DHCP discover and
 * forwarding a host TCP connection (hostfwd=) to the guest's port 22.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "net/netdev.h"
#include "system/main-loop.h"

typedef struct TestNic {
    NetClientState nc;
    bool can_receive;
    GPtrArray *received; /* GBytes * */
} TestNic;

static ssize_t test_nic_receive(NetClientState *nc, const uint8_t *buf,
                                size_t size)
{
    TestNic *n = (TestNic *)nc;

    g_ptr_array_add(n->received, g_bytes_new(buf, size));
    return size;
}

static bool test_nic_can_receive(NetClientState *nc)
{
    return ((TestNic *)nc)->can_receive;
}

static void test_nic_cleanup(NetClientState *nc)
{
    g_ptr_array_unref(((TestNic *)nc)->received);
}

static const NetClientInfo test_nic_info = {
    .kind = NET_CLIENT_NIC,
    .type = "nic",
    .size = sizeof(TestNic),
    .receive = test_nic_receive,
    .can_receive = test_nic_can_receive,
    .cleanup = test_nic_cleanup,
};

static TestNic *test_nic_new(NetClientState *backend)
{
    TestNic *n =
        (TestNic *)net_client_new(&test_nic_info, backend, NULL, "nic");

    n->can_receive = true;
    n->received = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    return n;
}

static void iterate_for(unsigned ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, false);
        g_usleep(1000);
    }
}

/* Runs the main loop until nic has received n frames (or 5 s passed). */
static void wait_frames(TestNic *nic, unsigned n)
{
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (nic->received->len < n && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, false);
        g_usleep(1000);
    }
    g_assert_cmpuint(nic->received->len, >=, n);
}

static const uint8_t *frame_at(TestNic *nic, unsigned i, size_t *len)
{
    return g_bytes_get_data(g_ptr_array_index(nic->received, i), len);
}

static void write_framed(int fd, const char *text)
{
    uint32_t len = htonl(strlen(text));

    g_assert_cmpint(write(fd, &len, 4), ==, 4);
    g_assert_cmpint(write(fd, text, strlen(text)), ==, (ssize_t)strlen(text));
}

static void read_exact(int fd, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, (uint8_t *)buf + done, len - done);

        g_assert_cmpint(n, >, 0);
        done += n;
    }
}

static void test_socket_stream(void)
{
    int sv[2];
    g_autofree char *opts = NULL;
    NetClientState *backend;
    TestNic *nic;
    GError *err = NULL;
    uint8_t hdr[4], data[16];
    size_t len;
    const uint8_t *f;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    opts = g_strdup_printf("socket,id=s0,fd=%d", sv[0]);
    backend = netdev_add(opts, &err);
    g_assert_no_error(err);
    g_assert_true(net_client_find("s0") == backend);
    nic = test_nic_new(backend);

    /* NIC -> socket: a 32-bit big-endian length, then the frame. */
    g_assert_cmpint(net_send_packet(&nic->nc, (const uint8_t *)"frame-1", 7),
                    ==, 7);
    read_exact(sv[1], hdr, 4);
    g_assert_cmpmem(hdr, 4, "\0\0\0\7", 4);
    read_exact(sv[1], data, 7);
    g_assert_cmpmem(data, 7, "frame-1", 7);

    /* socket -> NIC, including a frame split across writes. */
    write_framed(sv[1], "in-1");
    g_assert_cmpint(write(sv[1], "\0\0\0\5in", 6), ==, 6);
    iterate_for(20);
    g_assert_cmpint(write(sv[1], "-23", 3), ==, 3);
    wait_frames(nic, 2);
    f = frame_at(nic, 0, &len);
    g_assert_cmpmem(f, len, "in-1", 4);
    f = frame_at(nic, 1, &len);
    g_assert_cmpmem(f, len, "in-23", 5);

    /* A NIC that cannot receive: the backend stops, then resumes intact. */
    nic->can_receive = false;
    for (int i = 0; i < 50; i++) {
        g_autofree char *t = g_strdup_printf("held-%02d", i);

        write_framed(sv[1], t);
    }
    iterate_for(50);
    g_assert_cmpuint(nic->received->len, ==, 2);
    /* One frame waits in the queue; the rest stay in the socket. */
    g_assert_cmpuint(net_queue_length(&nic->nc), ==, 1);
    nic->can_receive = true;
    net_queue_flush(&nic->nc);
    wait_frames(nic, 52);
    for (int i = 0; i < 50; i++) {
        g_autofree char *t = g_strdup_printf("held-%02d", i);

        f = frame_at(nic, 2 + i, &len);
        g_assert_cmpmem(f, len, t, strlen(t));
    }
    g_assert_cmpuint(nic->nc.dropped, ==, 0);

    /* A length past NET_BUFSIZE ends the connection, pcvm goes on. */
    g_assert_cmpint(write(sv[1], "\xff\xff\xff\xff", 4), ==, 4);
    iterate_for(20);
    g_assert_cmpint(read(sv[1], data, sizeof(data)), ==, 0);
    g_assert_nonnull(strstr(backend->info_str, "disconnected"));
    close(sv[1]);
    net_cleanup();
}

/* -netdev hubport,netdev=: a backend on a hub, a NIC on another port. */
static void test_hubport(void)
{
    int sv[2];
    g_autofree char *opts = NULL;
    GError *err = NULL;
    NetClientState *port;
    TestNic *nic;
    char buf[16];
    size_t len;
    const uint8_t *f;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), ==, 0);
    opts = g_strdup_printf("socket,id=s9,fd=%d", sv[0]);
    g_assert_nonnull(netdev_add(opts, &err));
    g_assert_nonnull(netdev_add("hubport,id=h0,hubid=3,netdev=s9", &err));
    g_assert_no_error(err);
    port = netdev_add("hubport,id=h1,hubid=3", &err);
    g_assert_no_error(err);
    g_assert_null(netdev_add("hubport,id=h2,hubid=3,netdev=s9", &err));
    g_assert_cmpstr(err->message, ==, "netdev 's9' is already in use");
    g_clear_error(&err);
    g_assert_null(netdev_add("hubport,id=h2,hubid=x", &err));
    g_assert_cmpstr(err->message, ==,
                    "Parameter 'hubid' expects an int64 value");
    g_clear_error(&err);
    nic = test_nic_new(port);
    g_assert_cmpint(send(sv[1], "via-hub", 7, 0), ==, 7);
    wait_frames(nic, 1);
    f = frame_at(nic, 0, &len);
    g_assert_cmpmem(f, len, "via-hub", 7);
    net_send_packet(&nic->nc, (const uint8_t *)"back", 4);
    g_assert_cmpint(recv(sv[1], buf, sizeof(buf), 0), ==, 4);
    g_assert_cmpmem(buf, 4, "back", 4);
    close(sv[1]);
    net_cleanup();
}

static void test_socket_dgram(void)
{
    int sv[2];
    g_autofree char *opts = NULL;
    NetClientState *backend;
    TestNic *nic;
    GError *err = NULL;
    char buf[64];
    size_t len;
    const uint8_t *f;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), ==, 0);
    opts = g_strdup_printf("socket,id=d0,fd=%d", sv[0]);
    backend = netdev_add(opts, &err);
    g_assert_no_error(err);
    nic = test_nic_new(backend);
    net_send_packet(&nic->nc, (const uint8_t *)"dgram-out", 9);
    g_assert_cmpint(recv(sv[1], buf, sizeof(buf), 0), ==, 9);
    g_assert_cmpmem(buf, 9, "dgram-out", 9);
    g_assert_cmpint(send(sv[1], "one", 3, 0), ==, 3);
    g_assert_cmpint(send(sv[1], "two", 3, 0), ==, 3);
    wait_frames(nic, 2);
    f = frame_at(nic, 0, &len);
    g_assert_cmpmem(f, len, "one", 3);
    f = frame_at(nic, 1, &len);
    g_assert_cmpmem(f, len, "two", 3);
    close(sv[1]);
    net_cleanup();
}

static int free_udp_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);
    int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    getsockname(fd, (struct sockaddr *)&sa, &salen);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* udp= with localaddr=: two backends aimed at each other. */
static void test_socket_udp(void)
{
    int pa = free_udp_port(), pb = free_udp_port();
    g_autofree char *oa = g_strdup_printf(
        "socket,id=ua,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d", pb, pa);
    g_autofree char *ob = g_strdup_printf(
        "socket,id=ub,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d", pa, pb);
    GError *err = NULL;
    NetClientState *a = netdev_add(oa, &err), *b;
    TestNic *nic_a, *nic_b;
    const uint8_t *f;
    size_t len;

    g_assert_no_error(err);
    b = netdev_add(ob, &err);
    g_assert_no_error(err);
    nic_a = test_nic_new(a);
    nic_b = test_nic_new(b);
    net_send_packet(&nic_a->nc, (const uint8_t *)"a-to-b", 6);
    net_send_packet(&nic_b->nc, (const uint8_t *)"b-to-a", 6);
    wait_frames(nic_b, 1);
    wait_frames(nic_a, 1);
    f = frame_at(nic_b, 0, &len);
    g_assert_cmpmem(f, len, "a-to-b", 6);
    f = frame_at(nic_a, 0, &len);
    g_assert_cmpmem(f, len, "b-to-a", 6);
    g_assert_nonnull(strstr(a->info_str, "udp=127.0.0.1:"));
    net_cleanup();
}

/*
 * mcast=: two backends in one group see each other's frames (and, with
 * multicast loop on as in QEMU, their own). Skipped where the host routes
 * no multicast.
 */
static void test_socket_mcast(void)
{
    g_autofree char *opts =
        g_strdup_printf("socket,id=ma,mcast=239.255.77.1:%d", free_udp_port());
    g_autofree char *opts_b = NULL;
    GError *err = NULL;
    NetClientState *a = netdev_add(opts, &err), *b;
    TestNic *nic_a, *nic_b;
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    const uint8_t *f;
    size_t len;

    g_assert_no_error(err);
    opts_b = g_strdup(opts);
    memcpy(strstr(opts_b, "id=ma"), "id=mb", 5);
    b = netdev_add(opts_b, &err);
    g_assert_no_error(err);
    nic_a = test_nic_new(a);
    nic_b = test_nic_new(b);
    net_send_packet(&nic_a->nc, (const uint8_t *)"to-the-group", 12);
    while (!nic_b->received->len && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, false);
        g_usleep(1000);
    }
    if (!nic_b->received->len) {
        g_test_skip("no multicast delivery on this host");
        net_cleanup();
        return;
    }
    f = frame_at(nic_b, 0, &len);
    g_assert_cmpmem(f, len, "to-the-group", 12);
    net_cleanup();
}

/* listen= and connect= between two backends over loopback TCP. */
static void test_socket_listen_connect(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    g_autofree char *lopts = NULL, *copts = NULL;
    NetClientState *server, *client;
    TestNic *nic_s, *nic_c;
    GError *err = NULL;
    size_t len;
    const uint8_t *f;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(probe, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    getsockname(probe, (struct sockaddr *)&sa, &salen);
    close(probe);
    lopts = g_strdup_printf("socket,id=srv,listen=127.0.0.1:%d",
                            ntohs(sa.sin_port));
    copts = g_strdup_printf("socket,id=cli,connect=127.0.0.1:%d",
                            ntohs(sa.sin_port));
    server = netdev_add(lopts, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(server->info_str, "wait connection"));
    client = netdev_add(copts, &err);
    g_assert_no_error(err);
    nic_s = test_nic_new(server);
    nic_c = test_nic_new(client);
    iterate_for(50);
    g_assert_nonnull(strstr(server->info_str, "connection from 127.0.0.1"));
    net_send_packet(&nic_c->nc, (const uint8_t *)"c2s", 3);
    net_send_packet(&nic_s->nc, (const uint8_t *)"s2c", 3);
    wait_frames(nic_s, 1);
    wait_frames(nic_c, 1);
    f = frame_at(nic_s, 0, &len);
    g_assert_cmpmem(f, len, "c2s", 3);
    f = frame_at(nic_c, 0, &len);
    g_assert_cmpmem(f, len, "s2c", 3);
    g_assert_null(netdev_add(lopts, &err));
    g_assert_nonnull(strstr(err->message, "Duplicate ID 'srv'"));
    g_clear_error(&err);
    net_cleanup();
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/*
 * A UDP/IPv4 frame from guest_mac to dst_mac (UDP checksum 0: none);
 * returns its length.
 */
static size_t udp_frame(uint8_t *f, const uint8_t *dst_mac, const char *src,
                        const char *dst, uint16_t sport, uint16_t dport,
                        const void *payload, size_t len)
{
    size_t udp_len = 8 + len, ip_len = 20 + udp_len;
    uint8_t *ip = f + 14, *udp = ip + 20;
    uint16_t sum;

    memset(f, 0, 14 + ip_len);
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = 0x08;
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len;
    ip[8] = 64;
    ip[9] = 17;
    inet_pton(AF_INET, src, ip + 12);
    inet_pton(AF_INET, dst, ip + 16);
    sum = ip_checksum(ip, 20);
    ip[10] = sum >> 8;
    ip[11] = sum;
    udp[0] = sport >> 8;
    udp[1] = sport;
    udp[2] = dport >> 8;
    udp[3] = dport;
    udp[4] = udp_len >> 8;
    udp[5] = udp_len;
    memcpy(udp + 8, payload, len);
    return 14 + ip_len;
}

/* A DHCPDISCOVER from guest_mac, as a guest's first frame. */
static size_t dhcp_discover(uint8_t *f)
{
    uint8_t bp[300] = {1, 1, 6};

    memcpy(bp + 4, "\x12\x34\x56\x78", 4);
    memcpy(bp + 28, guest_mac, 6);
    memcpy(bp + 236, "\x63\x82\x53\x63\x35\x01\x01\xff", 8);
    return udp_frame(f, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", "0.0.0.0",
                     "255.255.255.255", 68, 67, bp, sizeof(bp));
}

/* The next frame nic receives that satisfies match, or fails after 5 s. */
static const uint8_t *
wait_frame_matching(TestNic *nic, unsigned *seen,
                    bool (*match)(const uint8_t *, size_t), size_t *len)
{
    for (int tries = 0; tries < 200; tries++) {
        const uint8_t *f;

        wait_frames(nic, *seen + 1);
        f = frame_at(nic, (*seen)++, len);
        if (match(f, *len)) {
            return f;
        }
    }
    g_assert_not_reached();
}

static bool is_udp_to_guest(const uint8_t *f, size_t len)
{
    return len >= 42 && f[12] == 0x08 && f[13] == 0 && f[14 + 9] == 17 &&
           !memcmp(f + 14 + 16, "\x0a\x00\x05\x0f", 4);
}

/* Finds DHCP option code in an answer's options, or NULL. */
static const uint8_t *dhcp_option(const uint8_t *opt, const uint8_t *end,
                                  uint8_t code)
{
    while (opt + 2 <= end && *opt != 0xff) {
        if (*opt == 0) {
            opt++;
            continue;
        }
        if (*opt == code) {
            return opt;
        }
        opt += 2 + opt[1];
    }
    return NULL;
}

static void test_user(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);
    int probe = socket(AF_INET, SOCK_STREAM, 0), conn;
    g_autofree char *opts = NULL;
    NetClientState *backend;
    TestNic *nic;
    GError *err = NULL;
    uint8_t frame[400];
    const uint8_t *f, *bp, *opt;
    size_t len;
    bool syn = false;
    static const uint8_t slirp_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x05, 0x02};
    g_autofree char *tftp_dir = NULL, *tftp_file = NULL;
    unsigned seen;
    int udp;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(probe, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    getsockname(probe, (struct sockaddr *)&sa, &salen);
    close(probe);
    tftp_dir = g_dir_make_tmp("pcvm-tftp-XXXXXX", NULL);
    tftp_file = g_build_filename(tftp_dir, "boot.txt", NULL);
    g_assert_true(
        g_file_set_contents(tftp_file, "tftp says hello\n", -1, NULL));
    opts = g_strdup_printf("user,id=u0,net=10.0.5.0/24,hostname=pcvmguest,"
                           "hostfwd=tcp:127.0.0.1:%d-:22,"
                           "hostfwd=udp:127.0.0.1:%d-:5353,tftp=%s,"
                           "bootfile=boot.txt,dnssearch=example.org,"
                           "dnssearch=pcvm.test,domainname=lan.test",
                           ntohs(sa.sin_port), ntohs(sa.sin_port), tftp_dir);
    backend = netdev_add(opts, &err);
    g_assert_no_error(err);
    nic = test_nic_new(backend);

    g_assert_cmpint(net_send_packet(&nic->nc, frame, dhcp_discover(frame)), >,
                    0);
    wait_frames(nic, 1);
    f = frame_at(nic, 0, &len);
    g_assert_cmpuint(len, >, 14 + 20 + 8 + 240);
    /* To everyone, from the virtual router's MAC (52:55 + its address). */
    g_assert_cmpmem(f, 6, "\xff\xff\xff\xff\xff\xff", 6);
    g_assert_cmpmem(f + 6, 6, "\x52\x55\x0a\x00\x05\x02", 6);
    g_assert_cmpint(f[14 + 9], ==, 17); /* UDP */
    g_assert_cmpint(f[14 + 20 + 2] << 8 | f[14 + 20 + 3], ==, 68);
    bp = f + 14 + 20 + 8;
    g_assert_cmpint(bp[0], ==, 2); /* BOOTREPLY */
    g_assert_cmpmem(bp + 4, 4, "\x12\x34\x56\x78", 4);
    g_assert_cmpmem(bp + 16, 4, "\x0a\x00\x05\x0f", 4); /* 10.0.5.15 */
    opt = dhcp_option(bp + 240, f + len, 53);
    g_assert_nonnull(opt);
    g_assert_cmpint(opt[2], ==, 2);          /* DHCPOFFER */
    opt = dhcp_option(bp + 240, f + len, 3); /* router: host=, 10.0.5.2 */
    g_assert_nonnull(opt);
    g_assert_cmpmem(opt + 2, 4, "\x0a\x00\x05\x02", 4);
    opt = dhcp_option(bp + 240, f + len, 6); /* DNS: 10.0.5.3 */
    g_assert_nonnull(opt);
    g_assert_cmpmem(opt + 2, 4, "\x0a\x00\x05\x03", 4);
    opt = dhcp_option(bp + 240, f + len, 12);
    g_assert_nonnull(opt);
    g_assert_cmpmem(opt + 2, opt[1], "pcvmguest", 9);
    /* domainname= (15) and the dnssearch= list (119, RFC 3397 labels). */
    opt = dhcp_option(bp + 240, f + len, 15);
    g_assert_nonnull(opt);
    g_assert_cmpmem(opt + 2, opt[1], "lan.test", 8);
    opt = dhcp_option(bp + 240, f + len, 119);
    g_assert_nonnull(opt);
    g_assert_cmpmem(opt + 2, 13, "\7example\3org\0", 13);
    g_assert_cmpmem(opt + 15, 11, "\4pcvm\4test\0", 11);
    /* bootfile= is the BOOTP file name a PXE client loads. */
    g_assert_cmpstr((const char *)bp + 108, ==, "boot.txt");
    seen = 1;

    /* TFTP: a read request for it gets the file as data block 1. */
    len = udp_frame(frame, slirp_mac, "10.0.5.15", "10.0.5.2", 2000, 69,
                    "\0\1boot.txt\0octet\0", 17);
    g_assert_cmpint(net_send_packet(&nic->nc, frame, len), >, 0);
    f = wait_frame_matching(nic, &seen, is_udp_to_guest, &len);
    g_assert_cmpint(f[14 + 20 + 2] << 8 | f[14 + 20 + 3], ==, 2000);
    g_assert_cmpmem(f + 42, 4, "\0\3\0\1", 4); /* DATA, block 1 */
    g_assert_cmpmem(f + 46, len - 46, "tftp says hello\n", 16);

    /* hostfwd=udp: a datagram to the host port reaches the guest's 5353. */
    udp = socket(AF_INET, SOCK_DGRAM, 0);
    g_assert_cmpint(
        sendto(udp, "dns?", 4, 0, (struct sockaddr *)&sa, sizeof(sa)), ==, 4);
    f = wait_frame_matching(nic, &seen, is_udp_to_guest, &len);
    g_assert_cmpint(f[14 + 20 + 2] << 8 | f[14 + 20 + 3], ==, 5353);
    g_assert_cmpmem(f + 42, len - 42, "dns?", 4);
    close(udp);

    /* hostfwd: a host connection becomes a SYN to the guest's port 22. */
    conn = socket(AF_INET, SOCK_STREAM, 0);
    fcntl(conn, F_SETFL, O_NONBLOCK);
    connect(conn, (struct sockaddr *)&sa, sizeof(sa));
    for (int tries = 0; tries < 100 && !syn; tries++) {
        wait_frames(nic, nic->received->len + 1);
        f = frame_at(nic, nic->received->len - 1, &len);
        syn = len >= 14 + 20 + 20 && f[12] == 0x08 && f[13] == 0 &&
              f[14 + 9] == 6 && !memcmp(f + 14 + 16, "\x0a\x00\x05\x0f", 4) &&
              (f[14 + 20 + 2] << 8 | f[14 + 20 + 3]) == 22 &&
              (f[14 + 20 + 13] & 0x02);
    }
    g_assert_true(syn);
    close(conn);
    net_cleanup();
    unlink(tftp_file);
    rmdir(tftp_dir);
}

/* A TCP SYN from the guest's 10.0.2.15:40000 to dst:dport. */
static size_t tcp_syn(uint8_t *f, const char *dst, uint16_t dport)
{
    static const uint8_t router[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
    uint8_t *ip = f + 14, *tcp = ip + 20, pseudo[12 + 20];
    uint16_t sum;

    memset(f, 0, 14 + 40);
    memcpy(f, router, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = 0x08;
    ip[0] = 0x45;
    ip[3] = 40;
    ip[8] = 64;
    ip[9] = 6;
    inet_pton(AF_INET, "10.0.2.15", ip + 12);
    inet_pton(AF_INET, dst, ip + 16);
    sum = ip_checksum(ip, 20);
    ip[10] = sum >> 8;
    ip[11] = sum;
    tcp[0] = 40000 >> 8;
    tcp[1] = 40000 & 0xff;
    tcp[2] = dport >> 8;
    tcp[3] = dport;
    tcp[7] = 1;     /* sequence number 1 */
    tcp[12] = 0x50; /* 20-byte header */
    tcp[13] = 0x02; /* SYN */
    tcp[14] = 0x40; /* window 16384 */
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = 0;
    pseudo[11] = 20;
    memcpy(pseudo + 12, tcp, 20);
    sum = ip_checksum(pseudo, sizeof(pseudo));
    tcp[16] = sum >> 8;
    tcp[17] = sum;
    return 14 + 40;
}

/*
 * The guest's connections out: to the router's address they reach the
 * host's loopback (the test's listening socket); restrict=on refuses
 * them.
 */
static void test_user_outbound(void)
{
    for (int restricted = 0; restricted < 2; restricted++) {
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t salen = sizeof(sa);
        int lfd = socket(AF_INET, SOCK_STREAM, 0), conn = -1;
        g_autofree char *opts = g_strdup_printf(
            "user,id=u%d,restrict=%s", restricted, restricted ? "on" : "off");
        GError *err = NULL;
        NetClientState *backend;
        TestNic *nic;
        uint8_t frame[64];
        gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(listen(lfd, 1), ==, 0);
        getsockname(lfd, (struct sockaddr *)&sa, &salen);
        fcntl(lfd, F_SETFL, O_NONBLOCK);
        backend = netdev_add(opts, &err);
        g_assert_no_error(err);
        nic = test_nic_new(backend);
        net_send_packet(&nic->nc, frame,
                        tcp_syn(frame, "10.0.2.2", ntohs(sa.sin_port)));
        while (conn < 0 && g_get_monotonic_time() < end) {
            g_main_context_iteration(NULL, false);
            conn = accept(lfd, NULL, NULL);
            g_usleep(1000);
        }
        if (restricted) {
            g_assert_cmpint(conn, <, 0);
        } else {
            g_assert_cmpint(conn, >=, 0);
            close(conn);
        }
        close(lfd);
        net_cleanup();
    }
}

static void test_user_errors(void)
{
    static const struct {
        const char *opts, *error;
    } cases[] = {
        {"user,id=e,hostfwd=tcp", "Invalid host forwarding rule "
                                  "'tcp' (No : separators)"},
        {"user,id=e,hostfwd=tcp:22", "Invalid host forwarding rule "
                                     "'tcp:22' (Missing : separator)"},
        {"user,id=e,hostfwd=tcp::22", "Invalid host forwarding rule "
                                      "'tcp::22' (Bad host port separator)"},
        {"user,id=e,hostfwd=sctp::1-:2", "Invalid host forwarding rule "
                                         "'sctp::1-:2' (Bad protocol name)"},
        {"user,id=e,hostfwd=tcp::1:2", "Invalid host forwarding rule "
                                       "'tcp::1:2' (Bad host port separator)"},
        {"user,id=e,hostfwd=tcp::1-x:2", "Invalid host forwarding rule "
                                         "'tcp::1-x:2' (Bad guest address)"},
        {"user,id=e,net=10.0.2.0/33",
         "Invalid netmask provided (must be in range 4-32)"},
        {"user,id=e,net=10.0.2.0/3",
         "Invalid netmask provided (must be in range 4-32)"},
        {"user,id=e,hostfwd=tcp::1-:0", "Invalid host forwarding rule "
                                        "'tcp::1-:0' (Bad guest port)"},
        {"user,id=e,dns=10.0.2.2", "DNS must be different from host"},
        {"user,id=e,host=192.168.1.1", "Host doesn't belong to network"},
        {"user,id=e,dhcpstart=10.0.2.2",
         "DHCP must be different from host and DNS"},
        {"user,id=e,restrict=maybe", "Parameter 'restrict' expects 'on' or "
                                     "'off'"},
        {"user,id=e,ipv4=off,ipv6=off", "IPv4 and IPv6 disabled"},
        {"socket,id=e,listen=:1,connect=:2",
         "exactly one of listen=, connect=, mcast= or udp= is required"},
        {"socket,id=e,udp=127.0.0.1:1", "localaddr= is mandatory with udp="},
        {"socket,id=e,listen=:1,localaddr=:2",
         "localaddr= is only valid with mcast= or udp="},
        {"socket,id=e,mcast=127.0.0.1:5000",
         "specified mcastaddr 127.0.0.1 (0x7f000001) does not contain a "
         "multicast address"},
        {"socket,id=e,fd=99999", "e: Can't use file descriptor 99999: Bad "
                                 "file descriptor"},
        {"hubport,id=e", "Parameter 'hubid' is missing"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;

        g_assert_null(netdev_add(cases[i].opts, &err));
        g_assert_nonnull(err);
        g_assert_cmpstr(err->message, ==, cases[i].error);
        g_clear_error(&err);
        g_assert_null(net_client_find("e"));
    }
    {
        int fd = open("/dev/null", O_RDONLY);
        g_autofree char *opts = g_strdup_printf("socket,id=e,fd=%d", fd);
        GError *err = NULL;

        g_assert_null(netdev_add(opts, &err));
        g_assert_cmpstr(err->message, ==, "can't get socket option SO_TYPE");
        g_clear_error(&err);
        close(fd);
    }
    g_assert_null(net_client_list());
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    main_loop_init();
    g_test_add_func("/net/socket/stream", test_socket_stream);
    g_test_add_func("/net/socket/dgram", test_socket_dgram);
    g_test_add_func("/net/socket/listen-connect", test_socket_listen_connect);
    g_test_add_func("/net/socket/udp", test_socket_udp);
    g_test_add_func("/net/socket/mcast", test_socket_mcast);
    g_test_add_func("/net/hubport", test_hubport);
    g_test_add_func("/net/user/dhcp-hostfwd", test_user);
    g_test_add_func("/net/user/outbound-restrict", test_user_outbound);
    g_test_add_func("/net/errors", test_user_errors);
    return g_test_run();
}
