/*
 * The PCnet-PCI II (pcnet) driven through its registers as Linux's
 * pcnet32 drives it (double-word I/O, software style 2), and in word I/O
 * with the LANCE's 16-bit structures and in style 3, against a socket
 * backend whose far end the test holds: the IDs and BARs, the APROM,
 * initialization and IDON, frames sent and received byte for byte with
 * their descriptor status, chained receive buffers, the multicast filter,
 * internal loopback with and without a generated FCS, the poll timer, the
 * MII, and QEMU's published pcnet CVEs replayed: each leaves pcvm running
 * and the device working after a reset.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqvirtio.h"

#define IOBASE 0xc000
#define MMIO 0xe0000000ull
#define DEVFN (4 << 3)
#define IRQ 11
#define INIT_BLOCK 0x100000ull
#define RX_RING 0x110000ull
#define TX_RING 0x120000ull
#define RX_BUF 0x200000ull
#define TX_BUF 0x300000ull
#define RING_LOG2 4
#define RING_N (1u << RING_LOG2)
#define BUF_SIZE 0x800

/* CSR0 bits. */
#define INIT 0x0001
#define STRT 0x0002
#define STOP 0x0004
#define TDMD 0x0008
#define TXON 0x0010
#define RXON 0x0020
#define IENA 0x0040
#define INTR 0x0080
#define IDON 0x0100
#define TINT 0x0200
#define RINT 0x0400
#define MERR 0x0800
#define MISS 0x1000

/* Descriptor status (the upper half of RMD1/TMD1). */
#define OWN 0x8000
#define ERR 0x4000
#define ADD_FCS 0x2000
#define RCRC 0x0800
#define BUFF 0x0400
#define STP 0x0200
#define ENP 0x0100
#define PAM 0x0040
#define LAFM 0x0020

/* CSR15 mode bits. */
#define LOOP 0x0004
#define DXMTFCS 0x0008
#define INTL 0x0040

static const uint8_t test_mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

typedef struct PCNet {
    QTestState *s;
    int listen_fd, sock;
    bool dwio;
    unsigned style;
} PCNet;

/* ---- register access ------------------------------------------------------
 */

static void csr_w(PCNet *p, unsigned idx, uint16_t v)
{
    if (p->dwio) {
        qtest_outl(p->s, IOBASE + 0x14, idx);
        qtest_outl(p->s, IOBASE + 0x10, v);
    } else {
        qtest_outw(p->s, IOBASE + 0x12, idx);
        qtest_outw(p->s, IOBASE + 0x10, v);
    }
}

static uint16_t csr_r(PCNet *p, unsigned idx)
{
    if (p->dwio) {
        qtest_outl(p->s, IOBASE + 0x14, idx);
        return qtest_inl(p->s, IOBASE + 0x10) & 0xffff;
    }
    qtest_outw(p->s, IOBASE + 0x12, idx);
    return qtest_inw(p->s, IOBASE + 0x10);
}

static void bcr_w(PCNet *p, unsigned idx, uint16_t v)
{
    if (p->dwio) {
        qtest_outl(p->s, IOBASE + 0x14, idx);
        qtest_outl(p->s, IOBASE + 0x1c, v);
    } else {
        qtest_outw(p->s, IOBASE + 0x12, idx);
        qtest_outw(p->s, IOBASE + 0x16, v);
    }
}

static uint16_t bcr_r(PCNet *p, unsigned idx)
{
    if (p->dwio) {
        qtest_outl(p->s, IOBASE + 0x14, idx);
        return qtest_inl(p->s, IOBASE + 0x1c) & 0xffff;
    }
    qtest_outw(p->s, IOBASE + 0x12, idx);
    return qtest_inw(p->s, IOBASE + 0x16);
}

/* S_RESET: a read of the RESET register. */
static void chip_reset(PCNet *p)
{
    if (p->dwio) {
        qtest_inl(p->s, IOBASE + 0x18);
    } else {
        qtest_inw(p->s, IOBASE + 0x14);
    }
}

/* ---- the socket backend ---------------------------------------------------
 */

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

static void sock_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *b = buf;

    while (len) {
        ssize_t w = write(fd, b, len);

        g_assert_cmpint(w, >, 0);
        b += w;
        len -= w;
    }
}

static void sock_send_frame(PCNet *p, const uint8_t *f, size_t len)
{
    uint32_t be = htonl(len);

    sock_write_all(p->sock, &be, 4);
    sock_write_all(p->sock, f, len);
}

static bool sock_read_all(int fd, void *buf, size_t len, int timeout_ms)
{
    uint8_t *b = buf;

    while (len) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t r;

        if (poll(&pfd, 1, timeout_ms) != 1) {
            return false;
        }
        r = read(fd, b, len);
        g_assert_cmpint(r, >, 0);
        b += r;
        len -= r;
    }
    return true;
}

static size_t sock_recv_frame(PCNet *p, uint8_t *buf, size_t max)
{
    uint32_t be;
    size_t len;

    g_assert_true(sock_read_all(p->sock, &be, 4, 5000));
    len = ntohl(be);
    g_assert_cmpuint(len, <=, max);
    g_assert_true(sock_read_all(p->sock, buf, len, 5000));
    return len;
}

static bool sock_quiet(PCNet *p, int ms)
{
    struct pollfd pfd = {.fd = p->sock, .events = POLLIN};

    return poll(&pfd, 1, ms) == 0;
}

static void frame_make(uint8_t *f, size_t len, const uint8_t *dst, unsigned seq)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, peer_mac, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (size_t i = 14; i < len; i++) {
        f[i] = (uint8_t)(seq * 7 + i);
    }
}

static uint32_t get_le32(const uint8_t *b)
{
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void put_le32(uint8_t *b, uint32_t v)
{
    b[0] = v;
    b[1] = v >> 8;
    b[2] = v >> 16;
    b[3] = v >> 24;
}

static uint32_t crc32_le(const uint8_t *b, size_t len)
{
    uint32_t crc = 0xffffffff;

    for (size_t i = 0; i < len; i++) {
        crc ^= b[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
        }
    }
    return crc;
}

/* ---- start-up ---------------------------------------------------------- */

static void pci_setup(PCNet *p)
{
    qpci_cfg_writel(p->s, DEVFN, 0x10, IOBASE);
    qpci_cfg_writel(p->s, DEVFN, 0x14, (uint32_t)MMIO);
    qpci_cfg_writew(p->s, DEVFN, 0x04, 0x0007);
    /* Slot 4 INTA is PIRQD on the i440FX board. */
    qpci_cfg_writeb(p->s, 0x08, 0x63, IRQ);
}

static void pcnet_boot(PCNet *p, bool dwio, unsigned style)
{
    int port;

    p->listen_fd = tcp_listen(&port);
    p->s =
        qtest_initf("-netdev socket,id=n0,connect=127.0.0.1:%d "
                    "-device pcnet,netdev=n0,addr=04.0,mac=52:54:00:ab:cd:ef",
                    port);
    p->sock = accept(p->listen_fd, NULL, NULL);
    g_assert_cmpint(p->sock, >=, 0);
    pci_setup(p);
    qtest_irq_intercept_in(p->s, "ioapic");
    p->dwio = false;
    p->style = style;
    /* As pcnet32_probe1: reset, CSR0 reads STOP, RAP reads back. */
    chip_reset(p);
    g_assert_cmphex(csr_r(p, 0), ==, STOP);
    if (dwio) {
        qtest_outl(p->s, IOBASE + 0x10, 0); /* the switching access */
        p->dwio = true;
        chip_reset(p);
        g_assert_cmphex(csr_r(p, 0), ==, STOP);
        qtest_outl(p->s, IOBASE + 0x14, 88);
        g_assert_cmphex(qtest_inl(p->s, IOBASE + 0x14) & 0xffff, ==, 88);
    }
    bcr_w(p, 20, style);
}

static void pcnet_quit(PCNet *p)
{
    qtest_quit(p->s);
    close(p->sock);
    close(p->listen_fd);
}

static void init_block_write(PCNet *p, uint16_t mode, const uint8_t *ladrf,
                             uint64_t rx_ring, uint64_t tx_ring)
{
    static const uint8_t none[8];

    if (!ladrf) {
        ladrf = none;
    }
    if (p->style) {
        qtest_writew(p->s, INIT_BLOCK, mode);
        qtest_writeb(p->s, INIT_BLOCK + 2, RING_LOG2 << 4);
        qtest_writeb(p->s, INIT_BLOCK + 3, RING_LOG2 << 4);
        qtest_memwrite(p->s, INIT_BLOCK + 4, test_mac, 6);
        qtest_writew(p->s, INIT_BLOCK + 10, 0);
        qtest_memwrite(p->s, INIT_BLOCK + 12, ladrf, 8);
        qtest_writel(p->s, INIT_BLOCK + 20, (uint32_t)rx_ring);
        qtest_writel(p->s, INIT_BLOCK + 24, (uint32_t)tx_ring);
    } else {
        qtest_writew(p->s, INIT_BLOCK, mode);
        qtest_memwrite(p->s, INIT_BLOCK + 2, test_mac, 6);
        qtest_memwrite(p->s, INIT_BLOCK + 8, ladrf, 8);
        qtest_writel(p->s, INIT_BLOCK + 16,
                     (uint32_t)rx_ring | (uint32_t)RING_LOG2 << 29);
        qtest_writel(p->s, INIT_BLOCK + 20,
                     (uint32_t)tx_ring | (uint32_t)RING_LOG2 << 29);
    }
}

static unsigned desc_size(PCNet *p)
{
    return p->style ? 16 : 8;
}

static void rx_desc_set(PCNet *p, unsigned i, uint64_t buf, unsigned len)
{
    uint64_t d = RX_RING + i * desc_size(p);
    uint16_t bcnt = 0xf000 | (-len & 0xfff);

    switch (p->style) {
    case 0:
        qtest_writew(p->s, d, buf);
        qtest_writew(p->s, d + 4, bcnt);
        qtest_writew(p->s, d + 6, 0);
        qtest_writew(p->s, d + 2, OWN | ((buf >> 16) & 0xff));
        break;
    case 3:
        qtest_writel(p->s, d, 0);
        qtest_writel(p->s, d + 8, buf);
        qtest_writew(p->s, d + 4, bcnt);
        qtest_writew(p->s, d + 6, OWN);
        break;
    default:
        qtest_writel(p->s, d, buf);
        qtest_writel(p->s, d + 8, 0);
        qtest_writew(p->s, d + 4, bcnt);
        qtest_writew(p->s, d + 6, OWN);
        break;
    }
}

static uint16_t rx_status(PCNet *p, unsigned i)
{
    uint64_t d = RX_RING + i * desc_size(p);

    return p->style ? qtest_readw(p->s, d + 6)
                    : qtest_readw(p->s, d + 2) & 0xff00;
}

static unsigned rx_mcnt(PCNet *p, unsigned i)
{
    uint64_t d = RX_RING + i * desc_size(p);

    switch (p->style) {
    case 0:
        return qtest_readw(p->s, d + 6) & 0xfff;
    case 3:
        return qtest_readl(p->s, d) & 0xfff;
    default:
        return qtest_readl(p->s, d + 8) & 0xfff;
    }
}

static void tx_desc_set(PCNet *p, unsigned i, uint64_t buf, unsigned len,
                        uint16_t flags)
{
    uint64_t d = TX_RING + i * desc_size(p);
    uint16_t bcnt = 0xf000 | (-len & 0xfff);

    switch (p->style) {
    case 0:
        qtest_writew(p->s, d, buf);
        qtest_writew(p->s, d + 4, bcnt);
        qtest_writew(p->s, d + 6, 0);
        qtest_writew(p->s, d + 2, flags | ((buf >> 16) & 0xff));
        break;
    case 3:
        qtest_writel(p->s, d, 0);
        qtest_writel(p->s, d + 8, buf);
        qtest_writew(p->s, d + 4, bcnt);
        qtest_writew(p->s, d + 6, flags);
        break;
    default:
        qtest_writel(p->s, d, buf);
        qtest_writel(p->s, d + 8, 0);
        qtest_writew(p->s, d + 4, bcnt);
        qtest_writew(p->s, d + 6, flags);
        break;
    }
}

static uint16_t tx_status(PCNet *p, unsigned i)
{
    uint64_t d = TX_RING + i * desc_size(p);

    return p->style ? qtest_readw(p->s, d + 6)
                    : qtest_readw(p->s, d + 2) & 0xff00;
}

static void rx_ring_fill(PCNet *p, unsigned len)
{
    for (unsigned i = 0; i < RING_N; i++) {
        rx_desc_set(p, i, RX_BUF + BUF_SIZE * i, len);
    }
}

/* INIT, wait for IDON as pcnet32_open does, then IENA | STRT. */
static void pcnet_start(PCNet *p, uint16_t mode, const uint8_t *ladrf)
{
    init_block_write(p, mode, ladrf, RX_RING, TX_RING);
    rx_ring_fill(p, BUF_SIZE);
    for (unsigned i = 0; i < RING_N; i++) {
        tx_desc_set(p, i, 0, 0, 0);
    }
    csr_w(p, 1, (uint32_t)INIT_BLOCK & 0xffff);
    csr_w(p, 2, (uint32_t)INIT_BLOCK >> 16);
    csr_w(p, 4, 0x0915); /* APAD_XMT, as pcnet32 */
    csr_w(p, 0, INIT);
    g_assert_true(csr_r(p, 0) & IDON);
    csr_w(p, 0, IDON | IENA | STRT);
    g_assert_cmphex(csr_r(p, 0) & (TXON | RXON | STRT | STOP | IDON), ==,
                    TXON | RXON | STRT);
}

/* Waits for the chip to hand back receive descriptor i. */
static uint16_t rx_wait(PCNet *p, unsigned i)
{
    for (int t = 0; t < 500; t++) {
        uint16_t st = rx_status(p, i);

        if (!(st & OWN)) {
            return st;
        }
        g_usleep(10000);
    }
    return OWN;
}

/* Sends one frame through descriptor i with TDMD, checks the socket. */
static void tx_check(PCNet *p, unsigned i, unsigned seq)
{
    uint8_t f[100], got[2048];

    frame_make(f, sizeof(f), peer_mac, seq);
    qtest_memwrite(p->s, TX_BUF, f, sizeof(f));
    tx_desc_set(p, i, TX_BUF, sizeof(f), OWN | STP | ENP);
    csr_w(p, 0, IENA | TDMD);
    g_assert_cmpuint(sock_recv_frame(p, got, sizeof(got)), ==, sizeof(f));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    g_assert_cmphex(tx_status(p, i), ==, STP | ENP);
}

/* After a CVE replay: S_RESET, a fresh start, and a frame goes out. */
static void recover_check(PCNet *p)
{
    chip_reset(p);
    g_assert_cmphex(csr_r(p, 0), ==, STOP);
    bcr_w(p, 20, p->style);
    pcnet_start(p, 0, NULL);
    tx_check(p, 0, 99);
}

/* ---- the tests ------------------------------------------------------------
 */

static void test_ids(void)
{
    PCNet p;

    pcnet_boot(&p, false, 0);
    g_assert_cmphex(qpci_cfg_readl(p.s, DEVFN, 0), ==, 0x20001022);
    g_assert_cmphex(qpci_cfg_readw(p.s, DEVFN, 0x0a), ==, 0x0200);
    g_assert_cmphex(qpci_cfg_readb(p.s, DEVFN, 0x08), ==, 0x10);
    g_assert_cmphex(qpci_cfg_readl(p.s, DEVFN, 0x2c), ==, 0);
    g_assert_cmphex(qpci_cfg_readb(p.s, DEVFN, 0x3d), ==, 1);
    /* BAR0: 32 bytes of I/O, BAR1: 32 bytes of memory. */
    qpci_cfg_writel(p.s, DEVFN, 0x10, 0xffffffff);
    g_assert_cmphex(qpci_cfg_readl(p.s, DEVFN, 0x10) & 0xffff, ==, 0xffe1);
    qpci_cfg_writel(p.s, DEVFN, 0x14, 0xffffffff);
    g_assert_cmphex(qpci_cfg_readl(p.s, DEVFN, 0x14), ==, 0xffffffe0);
    pcnet_quit(&p);
}

static void test_aprom(void)
{
    PCNet p;
    uint8_t prom[16];
    uint16_t sum = 0;

    pcnet_boot(&p, false, 0);
    for (int i = 0; i < 16; i++) {
        prom[i] = qtest_inb(p.s, IOBASE + i);
    }
    g_assert_cmpmem(prom, 6, test_mac, 6);
    g_assert_cmphex(prom[9], ==, 0x11);
    g_assert_cmphex(prom[14], ==, 'W');
    g_assert_cmphex(prom[15], ==, 'W');
    for (int i = 0; i < 16; i++) {
        sum += i == 12 || i == 13 ? 0 : prom[i];
    }
    g_assert_cmphex(prom[12] | prom[13] << 8, ==, sum);
    g_assert_cmphex(qtest_inw(p.s, IOBASE + 2), ==, 0xab00);
    /* The reset loads PADR from the PROM; the chip ID says 79C970A. */
    g_assert_cmphex(csr_r(&p, 12), ==, 0x5452);
    g_assert_cmphex(csr_r(&p, 13), ==, 0xab00);
    g_assert_cmphex(csr_r(&p, 14), ==, 0xefcd);
    g_assert_cmphex(csr_r(&p, 88), ==, 0x1003);
    g_assert_cmphex(csr_r(&p, 89), ==, 0x0262);
    /* The APROM is read-only unless BCR2.APROMWE. */
    qtest_outb(p.s, IOBASE + 10, 0x5a);
    g_assert_cmphex(qtest_inb(p.s, IOBASE + 10), ==, 0);
    bcr_w(&p, 2, bcr_r(&p, 2) | 0x100);
    qtest_outb(p.s, IOBASE + 10, 0x5a);
    g_assert_cmphex(qtest_inb(p.s, IOBASE + 10), ==, 0x5a);
    /* In DWIO the APROM is read a dword at a time, bytes read as ones. */
    qtest_outl(p.s, IOBASE + 0x10, 0);
    p.dwio = true;
    g_assert_cmphex(qtest_inl(p.s, IOBASE), ==, 0xab005452);
    g_assert_cmphex(qtest_inb(p.s, IOBASE), ==, 0xff);
    g_assert_cmphex(bcr_r(&p, 18) & 0x80, ==, 0x80);
    /* The MMIO BAR is the same window. */
    g_assert_cmphex(qtest_readl(p.s, MMIO), ==, 0xab005452);
    qtest_writel(p.s, MMIO + 0x14, 88);
    g_assert_cmphex(qtest_readl(p.s, MMIO + 0x10), ==, 0x1003);
    /* S_RESET keeps DWIO; a 16-bit access reads as ones. */
    chip_reset(&p);
    g_assert_cmphex(qtest_inw(p.s, IOBASE + 0x10), ==, 0xffff);
    g_assert_cmphex(csr_r(&p, 0), ==, STOP);
    pcnet_quit(&p);
}

/* As pcnet32: DWIO, SWSTYLE 2, the 32-bit initialization block. */
static void test_init(void)
{
    static const uint8_t ladrf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    PCNet p;

    pcnet_boot(&p, true, 2);
    g_assert_cmphex(bcr_r(&p, 20), ==, 0x0302); /* SSIZE32, CSRPCNET */
    g_assert_cmphex(csr_r(&p, 58), ==, 0x0302);
    init_block_write(&p, 0x0080, ladrf, RX_RING, TX_RING);
    csr_w(&p, 1, (uint32_t)INIT_BLOCK & 0xffff);
    csr_w(&p, 2, (uint32_t)INIT_BLOCK >> 16);
    csr_w(&p, 0, INIT | IENA);
    g_assert_cmphex(csr_r(&p, 0), ==, INIT | IENA | INTR | IDON);
    g_assert_true(qtest_get_irq(p.s, IRQ));
    g_assert_cmphex(csr_r(&p, 15), ==, 0x0080);
    g_assert_cmphex(csr_r(&p, 8), ==, 0x0201);
    g_assert_cmphex(csr_r(&p, 11), ==, 0x0807);
    g_assert_cmphex(csr_r(&p, 12), ==, 0x5452);
    g_assert_cmphex(csr_r(&p, 76), ==, 0x10000 - RING_N);
    g_assert_cmphex(csr_r(&p, 78), ==, 0x10000 - RING_N);
    g_assert_cmphex(csr_r(&p, 24) | csr_r(&p, 25) << 16, ==, RX_RING);
    g_assert_cmphex(csr_r(&p, 30) | csr_r(&p, 31) << 16, ==, TX_RING);
    g_assert_cmphex(csr_r(&p, 28) | csr_r(&p, 29) << 16, ==, RX_RING);
    /* IDONM masks it; IDON is write-1-to-clear. */
    csr_w(&p, 3, 0x0100);
    g_assert_false(qtest_get_irq(p.s, IRQ));
    csr_w(&p, 3, 0);
    g_assert_true(qtest_get_irq(p.s, IRQ));
    csr_w(&p, 0, IDON | IENA);
    g_assert_false(qtest_get_irq(p.s, IRQ));
    g_assert_cmphex(csr_r(&p, 0) & IDON, ==, 0);
    /* CSR76 is writable only while stopped. */
    csr_w(&p, 0, STRT | IENA);
    csr_w(&p, 76, 0xfffe);
    g_assert_cmphex(csr_r(&p, 76), ==, 0x10000 - RING_N);
    csr_w(&p, 0, STOP);
    g_assert_cmphex(csr_r(&p, 0), ==, STOP);
    csr_w(&p, 76, 0xfffe);
    g_assert_cmphex(csr_r(&p, 76), ==, 0xfffe);
    /* The user interrupt. */
    csr_w(&p, 0, INIT | IENA);
    csr_w(&p, 0, IDON | IENA);
    g_assert_false(qtest_get_irq(p.s, IRQ));
    csr_w(&p, 4, 0x0915 | 0x80);
    g_assert_true(qtest_get_irq(p.s, IRQ));
    g_assert_cmphex(csr_r(&p, 4) & 0x40, ==, 0x40);
    csr_w(&p, 4, 0x0915 | 0x40);
    g_assert_false(qtest_get_irq(p.s, IRQ));
    pcnet_quit(&p);
}

static void test_tx(void)
{
    PCNet p;
    uint8_t f[300], got[2048];

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, NULL);
    frame_make(f, sizeof(f), peer_mac, 1);
    qtest_memwrite(p.s, TX_BUF, f, sizeof(f));
    tx_desc_set(&p, 0, TX_BUF, sizeof(f), OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmpuint(sock_recv_frame(&p, got, sizeof(got)), ==, sizeof(f));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    g_assert_cmphex(tx_status(&p, 0), ==, STP | ENP);
    g_assert_cmphex(qtest_readl(p.s, TX_RING + 8), ==, 0);
    g_assert_true(qtest_get_irq(p.s, IRQ));
    g_assert_cmphex(csr_r(&p, 0) & (TINT | INTR | TDMD), ==, TINT | INTR);
    /* pcnet32's interrupt handler: acknowledge what CSR0 shows. */
    csr_w(&p, 0, csr_r(&p, 0) & ~0x004f);
    g_assert_false(qtest_get_irq(p.s, IRQ));
    /* A frame over two buffers, and a short one padded (APAD_XMT). */
    qtest_memwrite(p.s, TX_BUF + 0x1000, f, 100);
    qtest_memwrite(p.s, TX_BUF + 0x2000, f + 100, 200);
    tx_desc_set(&p, 2, TX_BUF + 0x2000, 200, OWN | ENP);
    tx_desc_set(&p, 1, TX_BUF + 0x1000, 100, OWN | STP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmpuint(sock_recv_frame(&p, got, sizeof(got)), ==, sizeof(f));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    g_assert_cmphex(tx_status(&p, 1), ==, STP);
    g_assert_cmphex(tx_status(&p, 2), ==, ENP);
    tx_desc_set(&p, 3, TX_BUF, 20, OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmpuint(sock_recv_frame(&p, got, sizeof(got)), ==, 60);
    g_assert_cmpmem(got, 20, f, 20);
    g_assert_cmphex(got[59], ==, 0);
    /* The poll timer finds a descriptor without TDMD. */
    tx_desc_set(&p, 4, TX_BUF, sizeof(f), OWN | STP | ENP);
    g_assert_true(sock_quiet(&p, 50));
    qtest_clock_step(p.s, 2500000);
    g_assert_cmpuint(sock_recv_frame(&p, got, sizeof(got)), ==, sizeof(f));
    g_assert_cmphex(tx_status(&p, 4), ==, STP | ENP);
    /* Not with DPOLL. */
    csr_w(&p, 4, 0x0915 | 0x1000);
    tx_desc_set(&p, 5, TX_BUF, sizeof(f), OWN | STP | ENP);
    qtest_clock_step(p.s, 5000000);
    g_assert_true(sock_quiet(&p, 50));
    g_assert_cmphex(tx_status(&p, 5), ==, OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmpuint(sock_recv_frame(&p, got, sizeof(got)), ==, sizeof(f));
    pcnet_quit(&p);
}

static void test_rx(void)
{
    PCNet p;
    uint8_t f[100], got[104];
    uint32_t fcs;

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, NULL);
    frame_make(f, sizeof(f), test_mac, 2);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP | PAM);
    /* MCNT counts the FCS, as pcnet32 expects (it subtracts 4). */
    g_assert_cmpuint(rx_mcnt(&p, 0), ==, sizeof(f) + 4);
    qtest_memread(p.s, RX_BUF, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    fcs = ~crc32_le(f, sizeof(f));
    g_assert_cmphex(got[100] | got[101] << 8 | got[102] << 16 |
                        (uint32_t)got[103] << 24,
                    ==, fcs);
    g_assert_true(qtest_get_irq(p.s, IRQ));
    g_assert_cmphex(csr_r(&p, 0) & RINT, ==, RINT);
    g_assert_cmphex(csr_r(&p, 28) | csr_r(&p, 29) << 16, ==, RX_RING + 16);
    /* RINTM masks it, as pcnet32's NAPI poll does. */
    csr_w(&p, 3, 0x5f00);
    g_assert_false(qtest_get_irq(p.s, IRQ));
    csr_w(&p, 3, 0);
    csr_w(&p, 0, RINT | IENA);
    g_assert_false(qtest_get_irq(p.s, IRQ));
    /* A short frame is padded to 60 bytes before its FCS. */
    sock_send_frame(&p, f, 20);
    g_assert_cmphex(rx_wait(&p, 1), ==, STP | ENP | PAM);
    g_assert_cmpuint(rx_mcnt(&p, 1), ==, 64);
    /* Another station's frame is not taken. */
    frame_make(f, sizeof(f), peer_mac, 3);
    sock_send_frame(&p, f, sizeof(f));
    frame_make(f, sizeof(f), test_mac, 4);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 2), ==, STP | ENP | PAM);
    qtest_memread(p.s, RX_BUF + 2 * BUF_SIZE, got, sizeof(f));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    g_assert_cmphex(rx_status(&p, 3), ==, OWN);
    pcnet_quit(&p);
}

/* Frames wait in the backend while the ring has no buffer for them. */
static void test_rx_backpressure(void)
{
    PCNet p;
    uint8_t f[80];

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, NULL);
    for (unsigned i = 0; i < RING_N; i++) {
        qtest_writew(p.s, RX_RING + 16 * i + 6, 0); /* the driver's */
    }
    frame_make(f, sizeof(f), test_mac, 5);
    sock_send_frame(&p, f, sizeof(f));
    g_usleep(50000);
    csr_r(&p, 0);
    g_assert_cmphex(csr_r(&p, 0) & (RINT | MISS), ==, 0);
    rx_desc_set(&p, 0, RX_BUF, BUF_SIZE);
    qtest_clock_step(p.s, 2500000); /* the receive poll */
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP | PAM);
    pcnet_quit(&p);
}

/* A frame over several small buffers: STP on the first, ENP and MCNT last. */
static void test_rx_chain(void)
{
    PCNet p;
    uint8_t f[200], got[64];

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, NULL);
    for (unsigned i = 0; i < RING_N; i++) {
        rx_desc_set(&p, i, RX_BUF + BUF_SIZE * i, 64);
    }
    frame_make(f, sizeof(f), test_mac, 6);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 0), ==, STP);
    g_assert_cmphex(rx_wait(&p, 1), ==, 0);
    g_assert_cmphex(rx_wait(&p, 2), ==, 0);
    g_assert_cmphex(rx_wait(&p, 3), ==, ENP | PAM);
    g_assert_cmpuint(rx_mcnt(&p, 3), ==, 204);
    g_assert_cmpuint(rx_mcnt(&p, 0), ==, 0);
    for (unsigned i = 0; i < 3; i++) {
        qtest_memread(p.s, RX_BUF + BUF_SIZE * i, got, 64);
        g_assert_cmpmem(got, 64, f + 64 * i, 64);
    }
    g_assert_cmphex(rx_status(&p, 4), ==, OWN);
    /* The ring runs out inside a frame: BUFF on the last buffer taken. */
    rx_desc_set(&p, 4, RX_BUF, 64);
    rx_desc_set(&p, 5, RX_BUF + BUF_SIZE, 64);
    qtest_writew(p.s, RX_RING + 16 * 6 + 6, 0);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 4), ==, STP);
    g_assert_cmphex(rx_status(&p, 5) & (OWN | ERR | BUFF | ENP), ==,
                    ERR | BUFF);
    pcnet_quit(&p);
}

static void test_multicast(void)
{
    uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    uint8_t other[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x02};
    uint8_t ladrf[8] = {0};
    unsigned bit = crc32_le(mc, 6) >> 26;
    uint8_t f[80];
    PCNet p;

    /* As pcnet32_load_multicast: the CRC's top 6 bits pick the bit. */
    ladrf[bit >> 3] |= 1 << (bit & 7);
    if (((crc32_le(other, 6) >> 26) >> 3) == (bit >> 3) &&
        (((crc32_le(other, 6) >> 26) & 7) == (bit & 7))) {
        other[5] = 3;
    }
    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, ladrf);
    frame_make(f, sizeof(f), other, 7);
    sock_send_frame(&p, f, sizeof(f));
    frame_make(f, sizeof(f), mc, 8);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP | LAFM);
    g_assert_cmphex(qtest_readb(p.s, RX_BUF + 13 + 1), ==, f[14]);
    /* Broadcast is taken (BAM), and everything with PROM. */
    memset(f, 0xff, 6);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 1), ==, STP | ENP | 0x0010);
    pcnet_quit(&p);
}

/* Internal loopback: what is sent comes back to the receiver, not the wire. */
static void test_loopback(void)
{
    PCNet p;
    uint8_t f[104], got[104];

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, LOOP | INTL, NULL);
    frame_make(f, 100, test_mac, 9);
    qtest_memwrite(p.s, TX_BUF, f, 100);
    tx_desc_set(&p, 0, TX_BUF, 100, OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmphex(tx_status(&p, 0), ==, STP | ENP);
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP | PAM);
    g_assert_cmpuint(rx_mcnt(&p, 0), ==, 104);
    qtest_memread(p.s, RX_BUF, got, 104);
    g_assert_cmpmem(got, 100, f, 100);
    g_assert_cmphex(get_le32(got + 100), ==, ~crc32_le(f, 100));
    g_assert_cmphex(csr_r(&p, 0) & (RINT | TINT), ==, RINT | TINT);
    g_assert_true(sock_quiet(&p, 50));
    /* Frames from the wire are not heard in loopback. */
    sock_send_frame(&p, f, 100);
    g_usleep(50000);
    g_assert_cmphex(rx_status(&p, 1), ==, OWN);
    pcnet_quit(&p);

    /* DXMTFCS: the frame carries its own FCS, checked on receive ... */
    pcnet_boot(&p, true, 2);
    pcnet_start(&p, LOOP | INTL | DXMTFCS, NULL);
    frame_make(f, 100, test_mac, 10);
    put_le32(f + 100, ~crc32_le(f, 100));
    qtest_memwrite(p.s, TX_BUF, f, 104);
    tx_desc_set(&p, 0, TX_BUF, 104, OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP | PAM);
    g_assert_cmpuint(rx_mcnt(&p, 0), ==, 104);
    /* ... a wrong one is a CRC error ... */
    f[100] ^= 1;
    qtest_memwrite(p.s, TX_BUF, f, 104);
    tx_desc_set(&p, 1, TX_BUF, 104, OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmphex(rx_wait(&p, 1), ==, STP | ENP | PAM | ERR | RCRC);
    /* ... and ADD_FCS asks for one anyway. */
    tx_desc_set(&p, 2, TX_BUF, 100, OWN | STP | ENP | ADD_FCS);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmphex(rx_wait(&p, 2), ==, STP | ENP | PAM);
    g_assert_cmpuint(rx_mcnt(&p, 2), ==, 104);
    pcnet_quit(&p);
}

/* Word I/O and the LANCE's 16-bit structures (SWSTYLE 0). */
static void test_wio_style0(void)
{
    PCNet p;
    uint8_t f[100], got[100];

    pcnet_boot(&p, false, 0);
    g_assert_cmphex(bcr_r(&p, 20), ==, 0x0200);
    pcnet_start(&p, 0, NULL);
    g_assert_cmphex(csr_r(&p, 76), ==, 0x10000 - RING_N);
    tx_check(&p, 0, 11);
    frame_make(f, sizeof(f), test_mac, 12);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP);
    g_assert_cmpuint(rx_mcnt(&p, 0), ==, 104);
    qtest_memread(p.s, RX_BUF, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    g_assert_cmphex(csr_r(&p, 28) | csr_r(&p, 29) << 16, ==, RX_RING + 8);
    pcnet_quit(&p);
}

static void test_style3(void)
{
    PCNet p;
    uint8_t f[100], got[100];

    pcnet_boot(&p, true, 3);
    g_assert_cmphex(bcr_r(&p, 20), ==, 0x0303);
    pcnet_start(&p, 0, NULL);
    tx_check(&p, 0, 13);
    frame_make(f, sizeof(f), test_mac, 14);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP | PAM);
    g_assert_cmpuint(rx_mcnt(&p, 0), ==, 104);
    qtest_memread(p.s, RX_BUF, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    pcnet_quit(&p);
}

static uint16_t mii_read(PCNet *p, unsigned reg)
{
    bcr_w(p, 33, 0 << 5 | reg);
    return bcr_r(p, 34);
}

static void test_mii_link(void)
{
    PCNet p;

    pcnet_boot(&p, true, 2);
    g_assert_cmphex(bcr_r(&p, 32) & 0x4000, ==, 0x4000); /* MIIPD */
    g_assert_cmphex(mii_read(&p, 1) & 0x24, ==, 0x24);   /* link, aneg */
    g_assert_cmphex(mii_read(&p, 2), !=, 0xffff);
    bcr_w(&p, 33, 5 << 5 | 1); /* nothing at PHY address 5 */
    g_assert_cmphex(bcr_r(&p, 34), ==, 0xffff);
    /* BCR4 (LNKST) reads 0x80c0 while the link is up, as pcnet32 checks. */
    g_assert_cmphex(bcr_r(&p, 4), ==, 0x80c0);
    g_free(qtest_hmp(p.s, "set_link n0 off"));
    g_assert_cmphex(bcr_r(&p, 4), ==, 0x00c0);
    g_assert_cmphex(mii_read(&p, 1) & 0x24, ==, 0);
    g_free(qtest_hmp(p.s, "set_link n0 on"));
    g_assert_cmphex(mii_read(&p, 1) & 0x24, ==, 0x24);
    /* BCR9 (full duplex) and BCR2 (ASEL) as pcnet32_open writes them. */
    bcr_w(&p, 9, 1);
    g_assert_cmphex(bcr_r(&p, 9), ==, 1);
    g_assert_cmphex(bcr_r(&p, 2), ==, 2);
    pcnet_quit(&p);
}

/* CVE-2015-7504: a loopback frame of 4096 bytes plus its CRC. */
static void test_cve_2015_7504(void)
{
    static uint8_t big[4096];
    PCNet p;

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, LOOP | INTL, NULL);
    frame_make(big, sizeof(big), test_mac, 15);
    qtest_memwrite(p.s, TX_BUF, big, sizeof(big));
    tx_desc_set(&p, 0, TX_BUF, 4096, OWN | STP | ENP | ADD_FCS);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmphex(tx_status(&p, 0) & OWN, ==, 0);
    g_assert_cmphex(rx_status(&p, 0), ==, OWN);
    /* Over the buffer in several descriptors: dropped, not overflowed. */
    for (unsigned i = 1; i < 4; i++) {
        tx_desc_set(&p, i, TX_BUF, 2048,
                    OWN | (i == 1 ? STP : 0) | (i == 3 ? ENP : 0));
    }
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmphex(tx_status(&p, 3) & (OWN | ERR), ==, ERR);
    recover_check(&p);
    pcnet_quit(&p);
}

/* CVE-2015-7512: a received frame larger than any buffer chain. */
static void test_cve_2015_7512(void)
{
    static uint8_t big[5000];
    uint8_t f[80];
    PCNet p;

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, NULL);
    frame_make(big, sizeof(big), test_mac, 16);
    sock_send_frame(&p, big, sizeof(big));
    sock_send_frame(&p, big, 4092);
    frame_make(f, sizeof(f), test_mac, 17);
    sock_send_frame(&p, f, sizeof(f));
    g_assert_cmphex(rx_wait(&p, 0), ==, STP | ENP | PAM);
    g_assert_cmpuint(rx_mcnt(&p, 0), ==, sizeof(f) + 4);
    recover_check(&p);
    pcnet_quit(&p);
}

/* CVE-2018-17962: a receive of 65000 bytes (an int overflow in QEMU). */
static void test_cve_2018_17962(void)
{
    static uint8_t big[65000];
    uint8_t f[80];
    PCNet p;

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, NULL);
    for (unsigned i = 0; i < RING_N; i++) {
        rx_desc_set(&p, i, RX_BUF + BUF_SIZE * i, 1);
    }
    frame_make(big, sizeof(big), test_mac, 18);
    sock_send_frame(&p, big, sizeof(big));
    frame_make(f, sizeof(f), test_mac, 19);
    sock_send_frame(&p, f, 14);
    g_assert_cmphex(rx_wait(&p, 0), ==, STP);
    g_assert_cmphex(rx_wait(&p, RING_N - 1) & (ERR | BUFF), ==, ERR | BUFF);
    recover_check(&p);
    pcnet_quit(&p);
}

/* CVE-2016-7909: rings of length 0 must not loop forever. */
static void test_cve_2016_7909(void)
{
    uint8_t f[80], got[128];
    PCNet p;

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, 0, NULL);
    csr_w(&p, 0, STOP);
    csr_w(&p, 76, 0);
    csr_w(&p, 78, 0);
    csr_w(&p, 0, STRT | IENA);
    for (unsigned i = 0; i < RING_N; i++) {
        qtest_writew(p.s, RX_RING + 16 * i + 6, 0);
    }
    frame_make(f, sizeof(f), peer_mac, 20);
    qtest_memwrite(p.s, TX_BUF, f, sizeof(f));
    tx_desc_set(&p, 0, TX_BUF, sizeof(f), OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmpuint(sock_recv_frame(&p, got, sizeof(got)), ==, sizeof(f));
    frame_make(f, sizeof(f), test_mac, 20);
    sock_send_frame(&p, f, sizeof(f));
    qtest_clock_step(p.s, 5000000);
    g_assert_cmphex(csr_r(&p, 88), ==, 0x1003);
    recover_check(&p);
    pcnet_quit(&p);
}

/* CVE-2021-3416: rings and buffers in the device's own MMIO BAR. */
static void test_cve_2021_3416(void)
{
    PCNet p;

    pcnet_boot(&p, true, 2);
    init_block_write(&p, LOOP | INTL, NULL, MMIO, MMIO);
    csr_w(&p, 1, (uint32_t)INIT_BLOCK & 0xffff);
    csr_w(&p, 2, (uint32_t)INIT_BLOCK >> 16);
    csr_w(&p, 0, INIT);
    csr_w(&p, 0, IDON | IENA | STRT | TDMD);
    qtest_clock_step(p.s, 5000000);
    g_assert_cmphex(csr_r(&p, 88), ==, 0x1003);
    /* Buffers in the BAR, looped back into receive buffers there too. */
    csr_w(&p, 0, STOP);
    init_block_write(&p, LOOP | INTL, NULL, RX_RING, TX_RING);
    csr_w(&p, 0, INIT);
    csr_w(&p, 0, IDON | IENA | STRT);
    for (unsigned i = 0; i < RING_N; i++) {
        rx_desc_set(&p, i, MMIO, 64);
        tx_desc_set(&p, i, MMIO, 32, OWN | STP | ENP | ADD_FCS);
    }
    csr_w(&p, 0, IENA | TDMD);
    g_assert_cmphex(csr_r(&p, 88), ==, 0x1003);
    /* The init block itself in the BAR. */
    csr_w(&p, 0, STOP);
    csr_w(&p, 1, (uint32_t)MMIO & 0xffff);
    csr_w(&p, 2, (uint32_t)MMIO >> 16);
    csr_w(&p, 0, INIT);
    g_assert_cmphex(csr_r(&p, 88), ==, 0x1003);
    recover_check(&p);
    pcnet_quit(&p);
}

/* A guest writing garbage into the CSRs and BCRs, and a reset after. */
static void test_random_registers(void)
{
    GRand *r = g_rand_new_with_seed(0x79c970a);
    static uint8_t got[8192];
    uint8_t f[100];
    PCNet p;

    pcnet_boot(&p, true, 2);
    pcnet_start(&p, LOOP | INTL, NULL);
    for (unsigned i = 0; i < 64; i++) {
        uint32_t junk[4];

        for (unsigned j = 0; j < 4; j++) {
            junk[j] = g_rand_int(r);
        }
        qtest_memwrite(p.s, TX_RING + 16 * i, junk, sizeof(junk));
        qtest_memwrite(p.s, RX_RING + 16 * i, junk, sizeof(junk));
    }
    frame_make(f, sizeof(f), test_mac, 1);
    for (unsigned i = 0; i < 2000; i++) {
        unsigned reg = g_rand_int_range(r, 0, 128);
        uint16_t v = g_rand_int(r);

        if (reg == 0 && (v & 0x0001)) {
            v &= ~0x0001; /* keep the rings where the test put them */
        }
        if (g_rand_boolean(r)) {
            csr_w(&p, reg, v);
        } else {
            bcr_w(&p, reg % 40, v);
        }
        if (i % 200 == 0) {
            sock_send_frame(&p, f, sizeof(f));
            qtest_clock_step(p.s, 2000000);
        }
    }
    g_rand_free(r);
    /* Reset (back to WIO) and check it still transmits. */
    qtest_qmp_assert_success(p.s, "{'execute': 'system_reset'}");
    pci_setup(&p);
    p.dwio = false;
    chip_reset(&p);
    bcr_w(&p, 20, 2);
    pcnet_start(&p, 0, NULL);
    frame_make(f, sizeof(f), peer_mac, 2);
    qtest_memwrite(p.s, TX_BUF, f, sizeof(f));
    tx_desc_set(&p, 0, TX_BUF, sizeof(f), OWN | STP | ENP);
    csr_w(&p, 0, IENA | TDMD);
    for (;;) {
        size_t len = sock_recv_frame(&p, got, sizeof(got));

        if (len == sizeof(f) && !memcmp(got, f, sizeof(f))) {
            break;
        }
    }
    pcnet_quit(&p);
}

/*
 * x-save-devices / x-load-devices: a second pcvm loading the first one's
 * stream shows the registers the driver set, receives into the ring the
 * first one set up, and saves the same bytes again.
 */
static void test_save_load(void)
{
    static const uint8_t ladrf[8] = {0, 0, 0, 0, 0, 0, 0, 0x80};
    g_autofree char *path1 = qtest_tmp_path("pcnet-state1");
    g_autofree char *path2 = qtest_tmp_path("pcnet-state2");
    g_autofree char *data1 = NULL, *data2 = NULL;
    size_t len1, len2;
    uint8_t f[80];
    PCNet a, b;

    pcnet_boot(&a, true, 2);
    pcnet_start(&a, 0, ladrf);
    tx_check(&a, 0, 21);
    qtest_qmp_assert_success(a.s,
                             "{'execute': 'x-save-devices', "
                             "'arguments': {'filename': '%s'}}",
                             path1);
    pcnet_boot(&b, true, 2);
    pcnet_start(&b, 0, NULL); /* the same guest memory as a's */
    tx_desc_set(&b, 0, TX_BUF, 100, STP | ENP);
    csr_w(&b, 0, STOP);
    qtest_qmp_assert_success(b.s,
                             "{'execute': 'x-load-devices', "
                             "'arguments': {'filename': '%s'}}",
                             path1);
    g_assert_cmphex(csr_r(&b, 11), ==, 0x8000);
    g_assert_cmphex(bcr_r(&b, 20), ==, 0x0302);
    g_assert_cmphex(csr_r(&b, 34) | csr_r(&b, 35) << 16, ==, TX_RING + 16);
    qtest_outl(b.s, IOBASE + 0x14, 0); /* RAP as a left it */
    qtest_qmp_assert_success(b.s,
                             "{'execute': 'x-save-devices', "
                             "'arguments': {'filename': '%s'}}",
                             path2);
    g_assert_true(g_file_get_contents(path1, &data1, &len1, NULL));
    g_assert_true(g_file_get_contents(path2, &data2, &len2, NULL));
    g_assert_cmpmem(data1, len1, data2, len2);
    frame_make(f, sizeof(f), test_mac, 22);
    sock_send_frame(&b, f, sizeof(f));
    g_assert_cmphex(rx_wait(&b, 0), ==, STP | ENP | PAM);
    g_assert_true(qtest_get_irq(b.s, IRQ));
    pcnet_quit(&a);
    pcnet_quit(&b);
    unlink(path1);
    unlink(path2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pcnet/ids", test_ids);
    g_test_add_func("/pcnet/aprom", test_aprom);
    g_test_add_func("/pcnet/init", test_init);
    g_test_add_func("/pcnet/tx", test_tx);
    g_test_add_func("/pcnet/rx", test_rx);
    g_test_add_func("/pcnet/rx-backpressure", test_rx_backpressure);
    g_test_add_func("/pcnet/rx-chain", test_rx_chain);
    g_test_add_func("/pcnet/multicast", test_multicast);
    g_test_add_func("/pcnet/loopback", test_loopback);
    g_test_add_func("/pcnet/wio-style0", test_wio_style0);
    g_test_add_func("/pcnet/style3", test_style3);
    g_test_add_func("/pcnet/mii-link", test_mii_link);
    g_test_add_func("/pcnet/cve-2015-7504", test_cve_2015_7504);
    g_test_add_func("/pcnet/cve-2015-7512", test_cve_2015_7512);
    g_test_add_func("/pcnet/cve-2018-17962", test_cve_2018_17962);
    g_test_add_func("/pcnet/cve-2016-7909", test_cve_2016_7909);
    g_test_add_func("/pcnet/cve-2021-3416", test_cve_2021_3416);
    g_test_add_func("/pcnet/random-registers", test_random_registers);
    g_test_add_func("/pcnet/save-load", test_save_load);
    return g_test_run();
}
