/*
 * virtio-net-pci driven as a driver drives it, against a socket backend
 * whose far end the test holds (pcvm connects to the test's TCP port):
 * IDs, features and the configuration (MAC, link status), a frame on the
 * transmit queue arriving byte for byte behind QEMU's length prefix, a
 * frame written to the socket landing in a receive buffer behind a
 * virtio-net header with num_buffers, a frame spread over mergeable
 * buffers, back-pressure (no receive buffers: pcvm stops reading, the
 * test's writes block, and every frame arrives in order once buffers
 * come), the control queue's receive filter, set_link, and malformed
 * transmit chains that leave pcvm running and the device asking for a
 * reset, after which it works again; and QEMU's virtio-net at the other
 * end of the socket (when qemu-system-x86_64 is installed), frames going
 * both ways byte for byte.
 *
 * With PCVM_QTEST_BINARY=qemu-system-x86_64 the IDs, configuration,
 * transmit, burst, receive, mergeable, back-pressure, filter, link and
 * legacy cases pass against QEMU 7.2 too. pcvm's own: save-load
 * (x-save-devices), the error messages (QEMU names the property
 * 'virtio-net-device.netdev'), the malformed chains (QEMU 7.2 aborts)
 * and the frame too big for the whole ring (QEMU 7.2 waits for room that
 * can never come, and receives nothing more).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqvirtio.h"

#define NET_LEGACY_ID 0x1000
#define F_MAC 5
#define F_MRG_RXBUF 15
#define F_STATUS 16
#define F_CTRL_VQ 17
#define F_CTRL_RX 18
#define F_CTRL_MAC_ADDR 23
#define HDR_LEN 12 /* VERSION_1: num_buffers is always there */
#define RX_BUF_LEN 2048
#define RX_BUFS 64

static const uint8_t test_mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

typedef struct Net {
    QTestState *s;
    QVirtioDev d;
    QVirtQueue rx, tx, ctrl;
    int listen_fd, sock;
    uint64_t rx_buf[RX_BUFS];
    unsigned rx_buf_len;
} Net;

static int tcp_listen(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void net_driver_start(Net *n, uint64_t features);

static void net_start(Net *n, uint64_t features, const char *extra)
{
    int port;

    memset(n, 0, sizeof(*n));
    n->listen_fd = tcp_listen(&port);
    n->s = qtest_initf("-netdev socket,id=n0,connect=127.0.0.1:%d "
                       "-device virtio-net-pci,netdev=n0,addr=04.0,"
                       "mac=52:54:00:ab:cd:ef%s",
                       port, extra ? extra : "");
    n->sock = accept(n->listen_fd, NULL, NULL);
    g_assert_cmpint(n->sock, >=, 0);
    net_driver_start(n, features);
}

/* The driver's side: features, queues, DRIVER_OK. */
static void net_driver_start(Net *n, uint64_t features)
{
    qvirtio_pci_init(&n->d, n->s, NET_LEGACY_ID, true, true);
    g_assert_true(qvirtio_start(&n->d, features));
    qvirtio_set_config_vector(&n->d, 0);
    qvirtqueue_setup(&n->d, &n->rx, 0, 0, 1);
    qvirtqueue_setup(&n->d, &n->tx, 1, 0, 2);
    if (features & (1ull << F_CTRL_VQ)) {
        qvirtqueue_setup(&n->d, &n->ctrl, 2, 0, 3);
    }
    qvirtio_driver_ok(&n->d);
}

static void net_stop(Net *n)
{
    qtest_quit(n->s);
    close(n->sock);
    close(n->listen_fd);
}

static const uint64_t all_features =
    (1ull << QVIRTIO_F_VERSION_1) | (1ull << F_MAC) | (1ull << F_MRG_RXBUF) |
    (1ull << F_STATUS) | (1ull << F_CTRL_VQ) | (1ull << F_CTRL_RX) |
    (1ull << F_CTRL_MAC_ADDR);

/* A frame to dst carrying seq and len - 14 payload bytes of a pattern. */
static void frame_make(uint8_t *f, size_t len, const uint8_t *dst, unsigned seq)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
    f[12] = 0x88;
    f[13] = 0xb5; /* local experimental ethertype */
    for (size_t i = 14; i < len; i++) {
        f[i] = (uint8_t)(seq * 7 + i);
    }
    if (len >= 18) {
        f[14] = seq >> 24;
        f[15] = seq >> 16;
        f[16] = seq >> 8;
        f[17] = seq;
    }
}

static void sock_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t w = write(fd, p, len);

        g_assert_cmpint(w, >, 0);
        p += w;
        len -= w;
    }
}

static void sock_send_frame(Net *n, const uint8_t *f, size_t len)
{
    uint32_t be = htonl(len);

    sock_write_all(n->sock, &be, 4);
    sock_write_all(n->sock, f, len);
}

static void sock_read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t r;

        g_assert_cmpint(poll(&pfd, 1, 5000), ==, 1);
        r = read(fd, p, len);
        g_assert_cmpint(r, >, 0);
        p += r;
        len -= r;
    }
}

/* Puts one transmit chain (header, then the frame) at buf on the queue. */
static void tx_send_at(Net *n, uint64_t buf, const uint8_t *frame, size_t len,
                       bool split)
{
    uint8_t hdr[HDR_LEN] = {0};
    unsigned head = qvirtqueue_desc_alloc(&n->tx);

    qtest_memwrite(n->s, buf, hdr, HDR_LEN);
    qtest_memwrite(n->s, buf + HDR_LEN, frame, len);
    if (split) {
        unsigned next = qvirtqueue_desc_alloc(&n->tx);

        qvring_desc_write(n->s, n->tx.desc, head, buf, HDR_LEN,
                          QVRING_DESC_F_NEXT, next);
        qvring_desc_write(n->s, n->tx.desc, next, buf + HDR_LEN, len, 0, 0);
    } else {
        qvring_desc_write(n->s, n->tx.desc, head, buf, HDR_LEN + len, 0, 0);
    }
    qvirtqueue_make_available(&n->tx, head);
    qvirtqueue_kick(&n->tx);
}

static void tx_send(Net *n, const uint8_t *frame, size_t len, bool split)
{
    tx_send_at(n, qvirtio_alloc(n->s, HDR_LEN + len, 16), frame, len, split);
}

/* Posts receive buffer i (of n->rx_buf_len bytes) without kicking. */
static void rx_post(Net *n, unsigned i)
{
    unsigned head = i; /* buffer i always uses descriptor i */

    qvring_desc_write(n->s, n->rx.desc, head, n->rx_buf[i], n->rx_buf_len,
                      QVRING_DESC_F_WRITE, 0);
    qvirtqueue_make_available(&n->rx, head);
}

static void rx_alloc(Net *n, unsigned len)
{
    n->rx_buf_len = len;
    for (unsigned i = 0; i < RX_BUFS; i++) {
        n->rx_buf[i] = qvirtio_alloc(n->s, len, 64);
    }
}

static void test_ids_and_config(void)
{
    Net n;
    int devfn = QVIRTIO_SLOT << 3;
    uint64_t f;

    net_start(&n, all_features, NULL);
    g_assert_cmphex(qpci_cfg_readw(n.s, devfn, 0), ==, 0x1af4);
    g_assert_cmphex(qpci_cfg_readw(n.s, devfn, 2), ==, NET_LEGACY_ID);
    g_assert_cmphex(qpci_cfg_readw(n.s, devfn, 0x0a), ==, 0x0200);
    g_assert_cmphex(qpci_cfg_readw(n.s, devfn, 0x2e), ==, 1);
    f = qvirtio_device_features(&n.d);
    g_assert_true(f & (1ull << F_MAC));
    g_assert_true(f & (1ull << F_MRG_RXBUF));
    g_assert_true(f & (1ull << F_STATUS));
    g_assert_true(f & (1ull << F_CTRL_RX));
    g_assert_cmphex(qvirtio_get_status(&n.d) & QVIRTIO_STATUS_DRIVER_OK, ==,
                    QVIRTIO_STATUS_DRIVER_OK);
    for (unsigned i = 0; i < 6; i++) {
        g_assert_cmphex(qvirtio_config_readb(&n.d, i), ==, test_mac[i]);
    }
    g_assert_cmpuint(qvirtio_config_readw(&n.d, 6), ==, 1); /* LINK_UP */
    net_stop(&n);

    /* Without the property the MAC is QEMU's default. */
    {
        int port, fd = tcp_listen(&port);
        QTestState *s =
            qtest_initf("-netdev socket,id=n0,connect=127.0.0.1:%d "
                        "-device virtio-net-pci,netdev=n0,addr=04.0",
                        port);
        QVirtioDev d;

        qvirtio_pci_init(&d, s, NET_LEGACY_ID, true, true);
        g_assert_true(qvirtio_start(&d, 1ull << QVIRTIO_F_VERSION_1));
        g_assert_cmphex(qvirtio_config_readl(&d, 0), ==, 0x12005452);
        g_assert_cmphex(qvirtio_config_readw(&d, 4), ==, 0x5634);
        qtest_quit(s);
        close(fd);
    }
}

static void test_tx(void)
{
    Net n;
    uint8_t frame[1514], got[1514];
    uint32_t be, id, len;

    net_start(&n, all_features, NULL);
    frame_make(frame, sizeof(frame),
               (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 1);
    tx_send(&n, frame, sizeof(frame), false);
    g_assert_true(qvirtqueue_wait_used(&n.tx, &id, &len));
    g_assert_true(qvirtio_wait_msix(&n.d, 2, 2000));
    sock_read_all(n.sock, &be, 4);
    g_assert_cmpuint(ntohl(be), ==, sizeof(frame));
    sock_read_all(n.sock, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), frame, sizeof(frame));

    /* Header and frame in separate descriptors: the same bytes. */
    frame_make(frame, 60, test_mac, 2);
    tx_send(&n, frame, 60, true);
    g_assert_true(qvirtqueue_wait_used(&n.tx, &id, &len));
    sock_read_all(n.sock, &be, 4);
    g_assert_cmpuint(ntohl(be), ==, 60);
    sock_read_all(n.sock, got, 60);
    g_assert_cmpmem(got, 60, frame, 60);
    net_stop(&n);
}

/* Put chains i .. i + count - 1 of frames on the queue, then kick once. */
static void tx_send_many(Net *n, uint64_t buf, unsigned first, unsigned count,
                         unsigned len)
{
    uint8_t frame[64];

    for (unsigned i = first; i < first + count; i++) {
        uint64_t at = buf + i * (HDR_LEN + len);
        unsigned head = qvirtqueue_desc_alloc(&n->tx);

        frame_make(frame, len, test_mac, i);
        qtest_memwrite(n->s, at + HDR_LEN, frame, len);
        qvring_desc_write(n->s, n->tx.desc, head, at, HDR_LEN + len, 0, 0);
        qtest_writew(n->s,
                     n->tx.avail + 4 + 2ull * (n->tx.avail_idx % n->tx.size),
                     head);
        n->tx.avail_idx++;
    }
    qtest_writew(n->s, n->tx.avail + 2, n->tx.avail_idx);
    qvirtqueue_kick(&n->tx);
}

/*
 * A full queue (QEMU's 256 entries: tx_queue_size=512 is for vhost-user
 * only) in one kick, then more: every frame goes out, in order.
 */
static void test_tx_burst(void)
{
    enum { FRAMES = 300, LEN = 64 };
    Net n;
    uint64_t buf;
    uint8_t frame[LEN], got[LEN];
    uint32_t be;

    net_start(&n, all_features, ",tx_queue_size=512");
    g_assert_cmpuint(n.tx.size, ==, 256);
    buf = qvirtio_alloc(n.s, FRAMES * (HDR_LEN + LEN), 16);
    tx_send_many(&n, buf, 0, 256, LEN);
    tx_send_many(&n, buf, 256, FRAMES - 256, LEN);
    for (unsigned i = 0; i < FRAMES; i++) {
        sock_read_all(n.sock, &be, 4);
        g_assert_cmpuint(ntohl(be), ==, LEN);
        sock_read_all(n.sock, got, LEN);
        frame_make(frame, LEN, test_mac, i);
        g_assert_cmpmem(got, LEN, frame, LEN);
    }
    net_stop(&n);
}

static void test_rx(void)
{
    Net n;
    uint8_t frame[1000], got[HDR_LEN + sizeof(frame)];
    uint32_t id, len;

    net_start(&n, all_features, NULL);
    rx_alloc(&n, RX_BUF_LEN);
    rx_post(&n, 0);
    qvirtqueue_kick(&n.rx);
    frame_make(frame, sizeof(frame), test_mac, 5);
    sock_send_frame(&n, frame, sizeof(frame));
    g_assert_true(qvirtqueue_wait_used(&n.rx, &id, &len));
    g_assert_cmpuint(id, ==, 0);
    g_assert_cmpuint(len, ==, HDR_LEN + sizeof(frame));
    g_assert_true(qvirtio_wait_msix(&n.d, 1, 2000));
    qtest_memread(n.s, n.rx_buf[0], got, sizeof(got));
    /* flags, gso_type, hdr_len, gso_size, csum_*: 0; num_buffers 1. */
    g_assert_cmpmem(got, HDR_LEN, "\0\0\0\0\0\0\0\0\0\0\1\0", HDR_LEN);
    g_assert_cmpmem(got + HDR_LEN, sizeof(frame), frame, sizeof(frame));
    net_stop(&n);
}

/* A frame larger than one buffer spreads over several: num_buffers. */
static void test_rx_mergeable(void)
{
    Net n;
    uint8_t frame[1514], got[600];
    uint32_t id, len, lens[3];
    size_t off = 0;

    net_start(&n, all_features, NULL);
    rx_alloc(&n, 600);
    for (unsigned i = 0; i < 4; i++) {
        rx_post(&n, i);
    }
    qvirtqueue_kick(&n.rx);
    frame_make(frame, sizeof(frame), test_mac, 9);
    sock_send_frame(&n, frame, sizeof(frame));
    /* 12 + 1514 bytes: 600 + 600 + 326. */
    for (unsigned i = 0; i < 3; i++) {
        g_assert_true(qvirtqueue_wait_used(&n.rx, &id, &len));
        g_assert_cmpuint(id, ==, i);
        lens[i] = len;
    }
    g_assert_cmpuint(lens[0], ==, 600);
    g_assert_cmpuint(lens[1], ==, 600);
    g_assert_cmpuint(lens[2], ==, HDR_LEN + sizeof(frame) - 1200);
    qtest_memread(n.s, n.rx_buf[0], got, 600);
    g_assert_cmpuint(got[10] | got[11] << 8, ==, 3);
    g_assert_cmpmem(got + HDR_LEN, 600 - HDR_LEN, frame, 600 - HDR_LEN);
    off = 600 - HDR_LEN;
    for (unsigned i = 1; i < 3; i++) {
        qtest_memread(n.s, n.rx_buf[i], got, lens[i]);
        g_assert_cmpmem(got, lens[i], frame + off, lens[i]);
        off += lens[i];
    }
    g_assert_cmpuint(qvirtqueue_used_idx(&n.rx), ==, 3);
    net_stop(&n);
}

/*
 * A frame no ring of buffers can hold (256 buffers of 16 bytes) is
 * dropped rather than waited for; the next frame still comes in.
 */
static void test_rx_too_big(void)
{
    Net n;
    uint8_t big[5000], small[4] = {1, 2, 3, 4}, got[16];
    uint32_t id, len;
    uint64_t pool;

    net_start(&n, all_features, NULL);
    pool = qvirtio_alloc(n.s, 256 * 16, 16);
    for (unsigned i = 0; i < 256; i++) {
        qvring_desc_write(n.s, n.rx.desc, i, pool + i * 16, 16,
                          QVRING_DESC_F_WRITE, 0);
        qtest_writew(n.s, n.rx.avail + 4 + 2ull * i, i);
    }
    n.rx.avail_idx = 256;
    qtest_writew(n.s, n.rx.avail + 2, n.rx.avail_idx);
    qvirtqueue_kick(&n.rx);
    frame_make(big, sizeof(big), test_mac, 1);
    sock_send_frame(&n, big, sizeof(big));
    sock_send_frame(&n, small, sizeof(small));
    g_assert_true(qvirtqueue_wait_used(&n.rx, &id, &len));
    g_assert_cmpuint(id, ==, 0);
    g_assert_cmpuint(len, ==, HDR_LEN + sizeof(small));
    qtest_memread(n.s, pool, got, sizeof(got));
    g_assert_cmpuint(got[10], ==, 1); /* num_buffers */
    g_assert_cmpmem(got + HDR_LEN, 4, small, 4);
    g_assert_cmpuint(qvirtqueue_used_idx(&n.rx), ==, 1);
    net_stop(&n);
}

/*
 * No receive buffers: pcvm stops reading the socket, so the test's
 * writes block once the socket buffers fill; when buffers come, every
 * frame arrives, in order, none lost.
 */
static void test_rx_backpressure(void)
{
    enum { FRAME = 16000, MAX_FRAMES = 2000 };
    Net n;
    g_autofree uint8_t *stream = g_malloc((4 + FRAME) * (size_t)MAX_FRAMES);
    size_t total = (4 + FRAME) * (size_t)MAX_FRAMES, written = 0;
    unsigned frames_written, next = 0, posted;
    int idle = 0;

    net_start(&n, all_features, NULL);
    rx_alloc(&n, HDR_LEN + FRAME);
    for (unsigned i = 0; i < MAX_FRAMES; i++) {
        uint8_t *p = stream + i * (size_t)(4 + FRAME);
        uint32_t be = htonl(FRAME);

        memcpy(p, &be, 4);
        frame_make(p + 4, FRAME, test_mac, i);
    }
    fcntl(n.sock, F_SETFL, O_NONBLOCK);
    while (written < total && idle < 5) {
        ssize_t w = write(n.sock, stream + written, total - written);

        if (w > 0) {
            written += w;
            idle = 0;
        } else {
            g_assert_cmpint(errno, ==, EAGAIN);
            idle++;
            g_usleep(100 * 1000);
        }
    }
    /* The writes blocked: pcvm read a little, then stopped. */
    g_assert_cmpuint(written, <, total);
    g_assert_cmpuint(qvirtqueue_used_idx(&n.rx), ==, 0);
    frames_written = written / (4 + FRAME);
    g_assert_cmpuint(frames_written, >, 4);

    for (posted = 0; posted < RX_BUFS; posted++) {
        rx_post(&n, posted);
    }
    qvirtqueue_kick(&n.rx);
    /* Frames as they come, buffers recycled; the rest of the stream too. */
    frames_written = MAX_FRAMES;
    while (next < frames_written) {
        uint32_t id, len;
        uint8_t got[HDR_LEN + 18];
        unsigned seq;

        if (written < total) {
            ssize_t w = write(n.sock, stream + written, total - written);

            if (w > 0) {
                written += w;
            }
        }
        if (qvirtqueue_used_idx(&n.rx) == n.rx.last_used) {
            g_usleep(1000);
            continue;
        }
        g_assert_true(qvirtqueue_wait_used(&n.rx, &id, &len));
        g_assert_cmpuint(len, ==, HDR_LEN + FRAME);
        qtest_memread(n.s, n.rx_buf[id], got, sizeof(got));
        seq = got[HDR_LEN + 14] << 24 | got[HDR_LEN + 15] << 16 |
              got[HDR_LEN + 16] << 8 | got[HDR_LEN + 17];
        g_assert_cmpuint(seq, ==, next);
        if (next % 97 == 0) {
            g_autofree uint8_t *whole = g_malloc(FRAME);

            qtest_memread(n.s, n.rx_buf[id] + HDR_LEN, whole, FRAME);
            g_assert_cmpmem(whole, FRAME,
                            stream + next * (size_t)(4 + FRAME) + 4, FRAME);
        }
        next++;
        rx_post(&n, id);
        qvirtqueue_kick(&n.rx);
    }
    g_assert_cmpuint(written, ==, total);
    net_stop(&n);
}

/* Sends a control command; returns the ack byte. */
static uint8_t ctrl_cmd(Net *n, uint8_t class, uint8_t cmd, const void *data,
                        size_t len)
{
    uint64_t buf = qvirtio_alloc(n->s, 2 + len + 1, 16);
    unsigned h = qvirtqueue_desc_alloc(&n->ctrl);
    unsigned d2 = qvirtqueue_desc_alloc(&n->ctrl);
    uint8_t hdr[2] = {class, cmd};
    uint32_t id, used_len;

    qtest_memwrite(n->s, buf, hdr, 2);
    if (len) {
        qtest_memwrite(n->s, buf + 2, data, len);
    }
    qtest_writeb(n->s, buf + 2 + len, 0xee);
    qvring_desc_write(n->s, n->ctrl.desc, h, buf, 2 + len, QVRING_DESC_F_NEXT,
                      d2);
    qvring_desc_write(n->s, n->ctrl.desc, d2, buf + 2 + len, 1,
                      QVRING_DESC_F_WRITE, 0);
    qvirtqueue_make_available(&n->ctrl, h);
    qvirtqueue_kick(&n->ctrl);
    g_assert_true(qvirtqueue_wait_used(&n->ctrl, &id, &used_len));
    g_assert_cmpuint(id, ==, h);
    return qtest_readb(n->s, buf + 2 + len);
}

/* Which of the frames to these MACs the guest receives, as a bit mask. */
static unsigned rx_which(Net *n, const uint8_t (*macs)[6], unsigned count)
{
    unsigned got = 0;
    uint8_t frame[64];

    for (unsigned i = 0; i < count; i++) {
        frame_make(frame, sizeof(frame), macs[i], i);
        sock_send_frame(n, frame, sizeof(frame));
    }
    /* A marker to our own MAC ends the batch. */
    frame_make(frame, sizeof(frame), test_mac, 0xffff);
    sock_send_frame(n, frame, sizeof(frame));
    for (;;) {
        uint32_t id, len;
        uint8_t data[HDR_LEN + 18];
        unsigned seq;

        g_assert_true(qvirtqueue_wait_used(&n->rx, &id, &len));
        qtest_memread(n->s, n->rx_buf[id], data, sizeof(data));
        rx_post(n, id);
        qvirtqueue_kick(&n->rx);
        seq = data[HDR_LEN + 16] << 8 | data[HDR_LEN + 17];
        if (seq == 0xffff) {
            return got;
        }
        got |= 1u << seq;
    }
}

static void test_ctrl_filter(void)
{
    static const uint8_t macs[][6] = {
        {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}, /* ours */
        {0x52, 0x54, 0x00, 0x00, 0x00, 0x01}, /* someone else */
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, /* broadcast */
        {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, /* a multicast group */
        {0x02, 0x00, 0x00, 0x00, 0x00, 0x07}, /* in the unicast table */
    };
    uint8_t table[4 + 6 + 4 + 6];
    uint8_t off = 0, on = 1;
    Net n;

    net_start(&n, all_features, NULL);
    rx_alloc(&n, RX_BUF_LEN);
    for (unsigned i = 0; i < 32; i++) {
        rx_post(&n, i);
    }
    qvirtqueue_kick(&n.rx);
    /* After reset the device is promiscuous: everything comes in. */
    g_assert_cmphex(rx_which(&n, macs, 5), ==, 0x1f);
    g_assert_cmpuint(ctrl_cmd(&n, 0, 0, &off, 1), ==, 0); /* PROMISC off */
    g_assert_cmphex(rx_which(&n, macs, 5), ==, 0x05);
    g_assert_cmpuint(ctrl_cmd(&n, 0, 1, &on, 1), ==, 0); /* ALLMULTI on */
    g_assert_cmphex(rx_which(&n, macs, 5), ==, 0x0d);
    g_assert_cmpuint(ctrl_cmd(&n, 0, 1, &off, 1), ==, 0);
    /* MAC_TABLE_SET: one unicast, one multicast entry. */
    memcpy(table, "\1\0\0\0", 4);
    memcpy(table + 4, macs[4], 6);
    memcpy(table + 10, "\1\0\0\0", 4);
    memcpy(table + 14, macs[3], 6);
    g_assert_cmpuint(ctrl_cmd(&n, 1, 0, table, sizeof(table)), ==, 0);
    g_assert_cmphex(rx_which(&n, macs, 5), ==, 0x1d);
    /* A table whose counts overrun the buffer is refused. */
    memcpy(table + 10, "\x09\0\0\0", 4);
    g_assert_cmpuint(ctrl_cmd(&n, 1, 0, table, sizeof(table)), ==, 1);
    /* MAC_ADDR_SET moves the device's MAC (config shows it). */
    g_assert_cmpuint(ctrl_cmd(&n, 1, 1, macs[1], 6), ==, 0);
    g_assert_cmphex(qvirtio_config_readb(&n.d, 5), ==, 0x01);
    /* An unknown class is an error, not a crash. */
    g_assert_cmpuint(ctrl_cmd(&n, 0x7f, 0, NULL, 0), ==, 1);
    net_stop(&n);
}

static void test_link(void)
{
    Net n;
    g_autofree char *out = NULL, *out2 = NULL;

    net_start(&n, all_features, NULL);
    out = qtest_hmp(n.s, "set_link n0 off");
    g_assert_cmpstr(out, ==, "");
    g_assert_true(qvirtio_wait_msix(&n.d, 0, 2000)); /* config change */
    g_assert_cmpuint(qvirtio_config_readw(&n.d, 6), ==, 0);
    out2 = qtest_hmp(n.s, "set_link n0 on");
    g_assert_true(qvirtio_wait_msix(&n.d, 0, 2000));
    g_assert_cmpuint(qvirtio_config_readw(&n.d, 6), ==, 1);
    net_stop(&n);
}

/* Bad transmit chains: a guest error, NEEDS_RESET, pcvm keeps running. */
static void test_tx_malformed(void)
{
    Net n;
    uint64_t buf;
    unsigned head;
    uint8_t frame[60], got[60];
    uint32_t be, id, len;
    g_autoptr(JsonObject) r = NULL;

    net_start(&n, all_features, NULL);
    /* A chain shorter than the header. */
    buf = qvirtio_alloc(n.s, 64, 16);
    head = qvirtqueue_desc_alloc(&n.tx);
    qvring_desc_write(n.s, n.tx.desc, head, buf, 4, 0, 0);
    qvirtqueue_make_available(&n.tx, head);
    qvirtqueue_kick(&n.tx);
    g_assert_true(qvirtio_wait_msix(&n.d, 0, 2000));
    g_assert_true(qvirtio_get_status(&n.d) & QVIRTIO_STATUS_NEEDS_RESET);
    r = qtest_qmp(n.s, "{'execute': 'query-status'}");
    g_assert_true(json_object_has_member(r, "return"));

    /* After a reset the device works again. */
    g_assert_true(qvirtio_start(&n.d, all_features));
    qvirtio_set_config_vector(&n.d, 0);
    qvirtqueue_setup(&n.d, &n.rx, 0, 0, 1);
    qvirtqueue_setup(&n.d, &n.tx, 1, 0, 2);
    qvirtqueue_setup(&n.d, &n.ctrl, 2, 0, 3);
    qvirtio_driver_ok(&n.d);
    /* A writable descriptor in a transmit chain. */
    head = qvirtqueue_desc_alloc(&n.tx);
    qvring_desc_write(n.s, n.tx.desc, head, buf, 64, QVRING_DESC_F_WRITE, 0);
    qvirtqueue_make_available(&n.tx, head);
    qvirtqueue_kick(&n.tx);
    g_assert_true(qvirtio_wait_msix(&n.d, 0, 2000));
    g_assert_true(qvirtio_get_status(&n.d) & QVIRTIO_STATUS_NEEDS_RESET);

    /* A descriptor pointing outside RAM, a NEXT loop: the same. */
    g_assert_true(qvirtio_start(&n.d, all_features));
    qvirtio_set_config_vector(&n.d, 0);
    qvirtqueue_setup(&n.d, &n.rx, 0, 0, 1);
    qvirtqueue_setup(&n.d, &n.tx, 1, 0, 2);
    qvirtqueue_setup(&n.d, &n.ctrl, 2, 0, 3);
    qvirtio_driver_ok(&n.d);
    head = qvirtqueue_desc_alloc(&n.tx);
    qvring_desc_write(n.s, n.tx.desc, head, buf, 16, QVRING_DESC_F_NEXT, head);
    qvirtqueue_make_available(&n.tx, head);
    qvirtqueue_kick(&n.tx);
    g_assert_true(qvirtio_wait_msix(&n.d, 0, 2000));
    g_assert_true(qvirtio_get_status(&n.d) & QVIRTIO_STATUS_NEEDS_RESET);

    g_assert_true(qvirtio_start(&n.d, all_features));
    qvirtio_set_config_vector(&n.d, 0);
    qvirtqueue_setup(&n.d, &n.rx, 0, 0, 1);
    qvirtqueue_setup(&n.d, &n.tx, 1, 0, 2);
    qvirtqueue_setup(&n.d, &n.ctrl, 2, 0, 3);
    qvirtio_driver_ok(&n.d);
    frame_make(frame, sizeof(frame), test_mac, 3);
    tx_send(&n, frame, sizeof(frame), false);
    g_assert_true(qvirtqueue_wait_used(&n.tx, &id, &len));
    sock_read_all(n.sock, &be, 4);
    g_assert_cmpuint(ntohl(be), ==, sizeof(frame));
    sock_read_all(n.sock, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), frame, sizeof(frame));
    net_stop(&n);
}

/*
 * The device's state through x-save-devices / x-load-devices: a second
 * pcvm loading the first one's stream shows the MAC the driver set and
 * saves the same bytes again.
 */
static void test_save_load(void)
{
    static const uint8_t new_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    g_autofree char *path1 = qtest_tmp_path("vnet-state1");
    g_autofree char *path2 = qtest_tmp_path("vnet-state2");
    g_autofree char *data1 = NULL, *data2 = NULL;
    size_t len1, len2;
    uint8_t off = 0;
    Net a, b;

    net_start(&a, all_features, NULL);
    g_assert_cmpuint(ctrl_cmd(&a, 0, 0, &off, 1), ==, 0);
    g_assert_cmpuint(ctrl_cmd(&a, 1, 1, new_mac, 6), ==, 0);
    qtest_qmp_assert_success(a.s,
                             "{'execute': 'x-save-devices', "
                             "'arguments': {'filename': '%s'}}",
                             path1);
    net_start(&b, all_features, NULL);
    qtest_qmp_assert_success(b.s,
                             "{'execute': 'x-load-devices', "
                             "'arguments': {'filename': '%s'}}",
                             path1);
    for (unsigned i = 0; i < 6; i++) {
        g_assert_cmphex(qvirtio_config_readb(&b.d, i), ==, new_mac[i]);
    }
    g_assert_cmpuint(qvirtio_config_readw(&b.d, 6), ==, 1);
    qtest_qmp_assert_success(b.s,
                             "{'execute': 'x-save-devices', "
                             "'arguments': {'filename': '%s'}}",
                             path2);
    g_assert_true(g_file_get_contents(path1, &data1, &len1, NULL));
    g_assert_true(g_file_get_contents(path2, &data2, &len2, NULL));
    g_assert_cmpmem(data1, len1, data2, len2);
    net_stop(&a);
    net_stop(&b);
    unlink(path1);
    unlink(path2);
}

/* The legacy interface: a 10-byte header without MRG_RXBUF. */
static void test_legacy(void)
{
    Net n;
    int port;
    uint8_t frame[100], got[10 + sizeof(frame)];
    uint32_t be, id, len;
    uint64_t buf;
    unsigned head;

    memset(&n, 0, sizeof(n));
    n.listen_fd = tcp_listen(&port);
    n.s = qtest_initf("-netdev socket,id=n0,connect=127.0.0.1:%d "
                      "-device virtio-net-pci,netdev=n0,addr=04.0,"
                      "mac=52:54:00:ab:cd:ef",
                      port);
    n.sock = accept(n.listen_fd, NULL, NULL);
    qvirtio_pci_init(&n.d, n.s, NET_LEGACY_ID, false, false);
    g_assert_true(qvirtio_start(&n.d, 1ull << F_MAC));
    qvirtqueue_setup(&n.d, &n.rx, 0, 0, 0);
    qvirtqueue_setup(&n.d, &n.tx, 1, 0, 0);
    qvirtio_driver_ok(&n.d);

    frame_make(frame, sizeof(frame), test_mac, 4);
    buf = qvirtio_alloc(n.s, 10 + sizeof(frame), 16);
    qtest_memset(n.s, buf, 0, 10);
    qtest_memwrite(n.s, buf + 10, frame, sizeof(frame));
    head = qvirtqueue_desc_alloc(&n.tx);
    qvring_desc_write(n.s, n.tx.desc, head, buf, 10 + sizeof(frame), 0, 0);
    qvirtqueue_make_available(&n.tx, head);
    qvirtqueue_kick(&n.tx);
    g_assert_true(qvirtqueue_wait_used(&n.tx, &id, &len));
    sock_read_all(n.sock, &be, 4);
    g_assert_cmpuint(ntohl(be), ==, sizeof(frame));
    sock_read_all(n.sock, got, sizeof(frame));
    g_assert_cmpmem(got, sizeof(frame), frame, sizeof(frame));

    rx_alloc(&n, 256);
    rx_post(&n, 0);
    qvirtqueue_kick(&n.rx);
    sock_send_frame(&n, frame, sizeof(frame));
    g_assert_true(qvirtqueue_wait_used(&n.rx, &id, &len));
    g_assert_cmpuint(len, ==, 10 + sizeof(frame));
    qtest_memread(n.s, n.rx_buf[0], got, sizeof(got));
    g_assert_cmpmem(got, 10, "\0\0\0\0\0\0\0\0\0\0", 10);
    g_assert_cmpmem(got + 10, sizeof(frame), frame, sizeof(frame));
    net_stop(&n);
}

/*
 * QEMU at the other end of the socket: pcvm listens, QEMU connects; a
 * frame sent by either guest lands, byte for byte, in the other's receive
 * buffer. Skipped without qemu-system-x86_64, or when QEMU is the binary
 * under test already.
 */
static void test_qemu_peer(void)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof(sa);
    uint8_t frame[300], got[HDR_LEN + sizeof(frame)];
    uint64_t p_tx, q_tx;
    Net p, q;
    uint32_t id, len;
    int probe;

    if (!qemu || g_getenv("PCVM_QTEST_BINARY")) {
        g_test_skip("needs qemu-system-x86_64 beside pcvm");
        return;
    }
    probe = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(probe, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    getsockname(probe, (struct sockaddr *)&sa, &salen);
    close(probe);

    memset(&p, 0, sizeof(p));
    memset(&q, 0, sizeof(q));
    p.s = qtest_initf("-netdev socket,id=n0,listen=127.0.0.1:%d "
                      "-device virtio-net-pci,netdev=n0,addr=04.0,"
                      "mac=52:54:00:ab:cd:ef",
                      ntohs(sa.sin_port));
    g_setenv("PCVM_QTEST_BINARY", qemu, true);
    q.s = qtest_initf("-netdev socket,id=n0,connect=127.0.0.1:%d "
                      "-device virtio-net-pci,netdev=n0,addr=04.0,"
                      "mac=52:54:00:00:00:02",
                      ntohs(sa.sin_port));
    g_unsetenv("PCVM_QTEST_BINARY");
    /*
     * The test's guest-memory allocator starts over for each VMM: all of
     * one's allocations first, then the other's.
     */
    net_driver_start(&p, all_features);
    rx_alloc(&p, RX_BUF_LEN);
    p_tx = qvirtio_alloc(p.s, HDR_LEN + sizeof(frame), 16);
    net_driver_start(&q, all_features);
    rx_alloc(&q, RX_BUF_LEN);
    q_tx = qvirtio_alloc(q.s, HDR_LEN + sizeof(frame), 16);
    rx_post(&p, 0);
    qvirtqueue_kick(&p.rx);
    rx_post(&q, 0);
    qvirtqueue_kick(&q.rx);

    /* pcvm's guest to QEMU's. */
    frame_make(frame, sizeof(frame), (const uint8_t *)"\x52\x54\0\0\0\2", 1);
    tx_send_at(&p, p_tx, frame, sizeof(frame), false);
    g_assert_true(qvirtqueue_wait_used(&q.rx, &id, &len));
    g_assert_cmpuint(len, ==, HDR_LEN + sizeof(frame));
    qtest_memread(q.s, q.rx_buf[0], got, sizeof(got));
    g_assert_cmpmem(got + HDR_LEN, sizeof(frame), frame, sizeof(frame));

    /* QEMU's guest to pcvm's. */
    frame_make(frame, sizeof(frame), test_mac, 2);
    tx_send_at(&q, q_tx, frame, sizeof(frame), true);
    g_assert_true(qvirtqueue_wait_used(&p.rx, &id, &len));
    g_assert_cmpuint(len, ==, HDR_LEN + sizeof(frame));
    qtest_memread(p.s, p.rx_buf[0], got, sizeof(got));
    g_assert_cmpmem(got, HDR_LEN, "\0\0\0\0\0\0\0\0\0\0\1\0", HDR_LEN);
    g_assert_cmpmem(got + HDR_LEN, sizeof(frame), frame, sizeof(frame));
    qtest_quit(q.s);
    qtest_quit(p.s);
}

static void test_errors(void)
{
    qtest_assert_startup_error(
        "-device virtio-net-pci,netdev=nope",
        "-device virtio-net-pci,netdev=nope: Property "
        "'virtio-net-pci.netdev' can't find value 'nope'");
    qtest_assert_startup_error(
        "-netdev user,id=u0 -device virtio-net-pci,netdev=u0 "
        "-device virtio-net-pci,netdev=u0",
        "-device virtio-net-pci,netdev=u0: Property "
        "'virtio-net-pci.netdev' can't take value 'u0', it's in use");
    qtest_assert_startup_error(
        "-netdev user,id=u0 -device virtio-net-pci,netdev=u0,rx_queue_size=100",
        "-device virtio-net-pci,netdev=u0,rx_queue_size=100: Invalid "
        "rx_queue_size (= 100), must be a power of 2 between 256 and 1024.");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-net/ids-config", test_ids_and_config);
    g_test_add_func("/virtio-net/tx", test_tx);
    g_test_add_func("/virtio-net/tx-burst", test_tx_burst);
    g_test_add_func("/virtio-net/rx", test_rx);
    g_test_add_func("/virtio-net/rx-mergeable", test_rx_mergeable);
    g_test_add_func("/virtio-net/rx-too-big", test_rx_too_big);
    g_test_add_func("/virtio-net/rx-backpressure", test_rx_backpressure);
    g_test_add_func("/virtio-net/ctrl-filter", test_ctrl_filter);
    g_test_add_func("/virtio-net/link", test_link);
    g_test_add_func("/virtio-net/tx-malformed", test_tx_malformed);
    g_test_add_func("/virtio-net/save-load", test_save_load);
    g_test_add_func("/virtio-net/legacy", test_legacy);
    g_test_add_func("/virtio-net/qemu-peer", test_qemu_peer);
    g_test_add_func("/virtio-net/errors", test_errors);
    return g_test_run();
}
