/*
 * The 8254x e1000 family driven through its registers as Linux's e1000
 * driver drives it, against a socket backend whose far end the test holds:
 * the three variants' IDs, the EEPROM through EERD and bit-banged EECD,
 * the PHY through MDIC and set_link, legacy and TSO transmit (frames,
 * checksums, segment sizes on the socket), receive into descriptors with
 * status and INTx, the unicast/multicast/VLAN filters, ITR throttling, and
 * QEMU's published e1000 CVEs replayed: each leaves pcvm answering.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libqvirtio.h"

#define MMIO 0xe0000000ull
#define IOBASE 0xc000
#define DEVFN (4 << 3)
#define IRQ 11
#define TX_RING 0x100000ull
#define RX_RING 0x110000ull
#define TX_BUF 0x200000ull
#define RX_BUF 0x300000ull
#define RING_N 16

#define CTRL 0x0000
#define STATUS 0x0008
#define EECD 0x0010
#define EERD 0x0014
#define MDIC 0x0020
#define VET 0x0038
#define ICR 0x00c0
#define ITR 0x00c4
#define ICS 0x00c8
#define IMS 0x00d0
#define RCTL 0x0100
#define TCTL 0x0400
#define RDBAL 0x2800
#define RDBAH 0x2804
#define RDLEN 0x2808
#define RDH 0x2810
#define RDT 0x2818
#define TDBAL 0x3800
#define TDBAH 0x3804
#define TDLEN 0x3808
#define TDH 0x3810
#define TDT 0x3818
#define GPRC 0x4074
#define GPTC 0x4080
#define TPT 0x40d4
#define MTA 0x5200
#define RA 0x5400
#define VFTA 0x5600

static const uint8_t test_mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

typedef struct E1000 {
    QTestState *s;
    int listen_fd, sock;
} E1000;

static uint32_t rd(E1000 *e, unsigned reg)
{
    return qtest_readl(e->s, MMIO + reg);
}

static void wr(E1000 *e, unsigned reg, uint32_t v)
{
    qtest_writel(e->s, MMIO + reg, v);
}

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

static void e1000_start_model(E1000 *e, const char *model)
{
    int port;

    e->listen_fd = tcp_listen(&port);
    e->s = qtest_initf("-netdev socket,id=n0,connect=127.0.0.1:%d "
                       "-device %s,netdev=n0,addr=04.0,mac=52:54:00:ab:cd:ef",
                       port, model);
    e->sock = accept(e->listen_fd, NULL, NULL);
    g_assert_cmpint(e->sock, >=, 0);
    qpci_cfg_writel(e->s, DEVFN, 0x10, (uint32_t)MMIO);
    qpci_cfg_writel(e->s, DEVFN, 0x14, IOBASE);
    qpci_cfg_writew(e->s, DEVFN, 0x04, 0x0007);
    /* Slot 4 INTA is PIRQD on the i440FX board. */
    qpci_cfg_writeb(e->s, 0x08, 0x63, IRQ);
    qtest_irq_intercept_in(e->s, "ioapic");
}

static void e1000_start(E1000 *e)
{
    e1000_start_model(e, "e1000");
}

static void e1000_stop(E1000 *e)
{
    qtest_quit(e->s);
    close(e->sock);
    close(e->listen_fd);
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

static void sock_send_frame(E1000 *e, const uint8_t *f, size_t len)
{
    uint32_t be = htonl(len);

    sock_write_all(e->sock, &be, 4);
    sock_write_all(e->sock, f, len);
}

static bool sock_read_all(int fd, void *buf, size_t len, int timeout_ms)
{
    uint8_t *p = buf;

    while (len) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t r;

        if (poll(&pfd, 1, timeout_ms) != 1) {
            return false;
        }
        r = read(fd, p, len);
        g_assert_cmpint(r, >, 0);
        p += r;
        len -= r;
    }
    return true;
}

/* The next frame on the socket; its length. */
static size_t sock_recv_frame(E1000 *e, uint8_t *buf, size_t max)
{
    uint32_t be;
    size_t len;

    g_assert_true(sock_read_all(e->sock, &be, 4, 5000));
    len = ntohl(be);
    g_assert_cmpuint(len, <=, max);
    g_assert_true(sock_read_all(e->sock, buf, len, 5000));
    return len;
}

static void frame_make(uint8_t *f, size_t len, const uint8_t *dst, unsigned seq)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (size_t i = 14; i < len; i++) {
        f[i] = (uint8_t)(seq * 7 + i);
    }
}

/* ---- transmit helpers ---------------------------------------------------- */

static void tx_setup(E1000 *e)
{
    wr(e, TDBAL, (uint32_t)TX_RING);
    wr(e, TDBAH, 0);
    wr(e, TDLEN, RING_N * 16);
    wr(e, TDH, 0);
    wr(e, TDT, 0);
    wr(e, TCTL, 1u << 1);
}

static void tx_desc_write(E1000 *e, unsigned i, uint64_t addr, uint32_t lower,
                          uint32_t upper)
{
    uint64_t d = TX_RING + 16ull * i;

    qtest_writeq(e->s, d, addr);
    qtest_writel(e->s, d + 8, lower);
    qtest_writel(e->s, d + 12, upper);
}

/* ---- receive helpers ----------------------------------------------------- */

static void rx_setup(E1000 *e, uint32_t rctl, unsigned posted)
{
    for (unsigned i = 0; i < RING_N; i++) {
        qtest_writeq(e->s, RX_RING + 16 * i, RX_BUF + 0x1000 * i);
        qtest_writeq(e->s, RX_RING + 16 * i + 8, 0);
    }
    wr(e, RDBAL, (uint32_t)RX_RING);
    wr(e, RDBAH, 0);
    wr(e, RDLEN, RING_N * 16);
    wr(e, RDH, 0);
    wr(e, RDT, posted);
    wr(e, RCTL, rctl | (1u << 1));
}

/* Waits for descriptor i's DD bit; returns its status byte (0: none). */
static uint8_t rx_wait(E1000 *e, unsigned i, int tries)
{
    for (int t = 0; t < tries; t++) {
        uint8_t st = qtest_readb(e->s, RX_RING + 16 * i + 12);

        if (st & 1) {
            return st;
        }
        g_usleep(10000);
    }
    return 0;
}

/* ---- the tests ------------------------------------------------------------
 */

static void test_ids(void)
{
    static const struct {
        const char *model;
        uint16_t id, phy_id2;
    } v[] = {{"e1000", 0x100e, 0x0c20},
             {"e1000-82544gc", 0x100c, 0x0c30},
             {"e1000-82545em", 0x100f, 0x0c20}};

    for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
        E1000 e;

        e1000_start_model(&e, v[i].model);
        g_assert_cmphex(qpci_cfg_readw(e.s, DEVFN, 0), ==, 0x8086);
        g_assert_cmphex(qpci_cfg_readw(e.s, DEVFN, 2), ==, v[i].id);
        g_assert_cmphex(qpci_cfg_readw(e.s, DEVFN, 0x0a), ==, 0x0200);
        /* BAR0 is 128 KiB of memory, BAR1 I/O. */
        qpci_cfg_writel(e.s, DEVFN, 0x10, 0xffffffff);
        g_assert_cmphex(qpci_cfg_readl(e.s, DEVFN, 0x10), ==, 0xfffe0000);
        g_assert_cmphex(qpci_cfg_readl(e.s, DEVFN, 0x14) & 1, ==, 1);
        qpci_cfg_writel(e.s, DEVFN, 0x10, (uint32_t)MMIO);
        /* The EEPROM's device ID word is the variant's. */
        wr(&e, EERD, 0x0d << 8 | 1);
        g_assert_cmphex(rd(&e, EERD) >> 16, ==, v[i].id);
        /* The M88 part the driver looks for on that MAC. */
        wr(&e, MDIC, 2u << 26 | 1u << 21 | 3u << 16);
        g_assert_cmphex(rd(&e, MDIC) & 0xffff, ==, v[i].phy_id2);
        e1000_stop(&e);
    }
}

static uint16_t eeprom_read_eerd(E1000 *e, unsigned addr)
{
    uint32_t v;

    wr(e, EERD, addr << 8 | 1);
    v = rd(e, EERD);
    g_assert_true(v & (1u << 4));
    return v >> 16;
}

static void eecd_clock(E1000 *e, uint32_t v)
{
    wr(e, EECD, v | 1);
    wr(e, EECD, v);
}

/* A Microwire READ as e1000_read_eeprom bit-bangs it. */
static uint16_t eeprom_read_bitbang(E1000 *e, unsigned addr)
{
    uint32_t base = 1u << 6; /* EE_REQ */
    uint32_t cmd = 0x6u << 6 | addr;
    uint16_t data = 0;

    wr(e, EECD, base);
    g_assert_true(rd(e, EECD) & (1u << 7)); /* EE_GNT */
    g_assert_true(rd(e, EECD) & (1u << 8)); /* EE_PRES */
    base |= 2;                              /* CS */
    wr(e, EECD, base);
    for (int b = 8; b >= 0; b--) {
        eecd_clock(e, base | ((cmd >> b) & 1 ? 4 : 0));
    }
    for (int b = 0; b < 16; b++) {
        wr(e, EECD, base | 1);
        data = data << 1 | ((rd(e, EECD) >> 3) & 1);
        wr(e, EECD, base);
    }
    wr(e, EECD, 0);
    return data;
}

static void test_eeprom(void)
{
    E1000 e;
    uint16_t sum = 0;

    e1000_start(&e);
    for (unsigned i = 0; i < 64; i++) {
        sum += eeprom_read_eerd(&e, i);
    }
    g_assert_cmphex(sum, ==, 0xbaba);
    g_assert_cmphex(eeprom_read_eerd(&e, 0), ==, 0x5452);
    g_assert_cmphex(eeprom_read_eerd(&e, 1), ==, 0xab00);
    g_assert_cmphex(eeprom_read_eerd(&e, 2), ==, 0xefcd);
    for (unsigned i = 0; i < 64; i += 7) {
        g_assert_cmphex(eeprom_read_bitbang(&e, i), ==,
                        eeprom_read_eerd(&e, i));
    }
    g_assert_cmphex(eeprom_read_bitbang(&e, 0x3f), ==,
                    eeprom_read_eerd(&e, 0x3f));
    /* RAL0/RAH0 hold the MAC with the address-valid bit. */
    g_assert_cmphex(rd(&e, RA), ==, 0xab005452);
    g_assert_cmphex(rd(&e, RA + 4), ==, 0x8000efcd);
    e1000_stop(&e);
}

static uint16_t phy_read(E1000 *e, unsigned reg)
{
    uint32_t v;

    wr(e, MDIC, 2u << 26 | 1u << 21 | reg << 16);
    v = rd(e, MDIC);
    g_assert_true(v & (1u << 28));
    g_assert_false(v & (1u << 30));
    return v & 0xffff;
}

static void test_phy_link(void)
{
    E1000 e;

    e1000_start(&e);
    g_assert_cmphex(rd(&e, STATUS) & 0xc3, ==, 0x83); /* FD, LU, 1000 */
    g_assert_cmphex(phy_read(&e, 1) & 0x24, ==, 0x24);
    g_assert_cmphex(phy_read(&e, 2), ==, 0x0141);
    g_assert_cmphex(phy_read(&e, 3), ==, 0x0c20);
    g_assert_cmphex(phy_read(&e, 5), !=, 0);
    g_assert_cmphex(phy_read(&e, 10) & 0x0c00, ==, 0x0c00);
    /* Another PHY address does not answer. */
    wr(&e, MDIC, 2u << 26 | 2u << 21 | 1u << 16);
    g_assert_true(rd(&e, MDIC) & (1u << 30));

    wr(&e, IMS, 1u << 2);
    rd(&e, ICR);
    g_assert_false(qtest_get_irq(e.s, IRQ));
    g_free(qtest_hmp(e.s, "set_link n0 off"));
    g_assert_cmphex(rd(&e, STATUS) & 2, ==, 0);
    g_assert_cmphex(phy_read(&e, 1) & 4, ==, 0);
    g_assert_true(qtest_get_irq(e.s, IRQ));
    g_assert_cmphex(rd(&e, ICR) & 4, ==, 4);
    g_assert_false(qtest_get_irq(e.s, IRQ)); /* read clears */
    g_assert_cmphex(rd(&e, ICR), ==, 0);
    g_free(qtest_hmp(e.s, "set_link n0 on"));
    g_assert_cmphex(rd(&e, STATUS) & 2, ==, 2);
    g_assert_cmphex(phy_read(&e, 1) & 4, ==, 4);
    e1000_stop(&e);
}

static void test_tx_legacy(void)
{
    E1000 e;
    uint8_t f[200], got[2048];
    size_t len;

    e1000_start(&e);
    tx_setup(&e);
    frame_make(f, sizeof(f), (const uint8_t *)"\x02\x00\x00\x00\x00\x02", 1);
    qtest_memwrite(e.s, TX_BUF, f, 100);
    qtest_memwrite(e.s, TX_BUF + 0x1000, f + 100, 100);
    wr(&e, IMS, 1);
    /* Two descriptors, the second with EOP and RS. */
    tx_desc_write(&e, 0, TX_BUF, 100 | 0x02u << 24, 0);
    tx_desc_write(&e, 1, TX_BUF + 0x1000, 100 | 0x0bu << 24, 0);
    wr(&e, TDT, 2);
    len = sock_recv_frame(&e, got, sizeof(got));
    g_assert_cmpuint(len, ==, sizeof(f));
    g_assert_cmpmem(got, len, f, sizeof(f));
    g_assert_cmphex(qtest_readb(e.s, TX_RING + 16 + 12) & 1, ==, 1);
    g_assert_cmpuint(rd(&e, TDH), ==, 2);
    g_assert_true(qtest_get_irq(e.s, IRQ));
    g_assert_cmphex(rd(&e, ICR) & 3, ==, 3); /* TXDW, TXQE */
    g_assert_cmpuint(rd(&e, GPTC), ==, 1);
    g_assert_cmpuint(rd(&e, GPTC), ==, 0); /* clear on read */
    e1000_stop(&e);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* Whether a TCP/IPv4 frame's IP and TCP checksums are right. */
static void check_tcp_frame(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14, *tcp = f + 34;
    size_t tcp_len = len - 34;
    uint32_t ph = 0;

    g_assert_cmphex(csum_fold(csum_add(0, ip, 20)), ==, 0);
    ph = csum_add(ph, ip + 12, 8);
    ph += 6 + tcp_len;
    g_assert_cmphex(csum_fold(csum_add(ph, tcp, tcp_len)), ==, 0);
}

static void tcp_packet_make(uint8_t *p, size_t payload, bool tso)
{
    uint8_t *ip = p + 14, *tcp = p + 34;
    size_t len = 54 + payload;
    uint32_t ph;

    memset(p, 0, 54);
    memcpy(p, "\x02\x00\x00\x00\x00\x02", 6);
    memcpy(p + 6, test_mac, 6);
    p[12] = 0x08;
    ip[0] = 0x45;
    ip[2] = (len - 14) >> 8;
    ip[3] = len - 14;
    ip[4] = 0x12;
    ip[5] = 0x34;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    tcp[0] = 0x30;
    tcp[1] = 0x39;
    tcp[2] = 0x00;
    tcp[3] = 0x50;
    memcpy(tcp + 4, "\x00\x00\x10\x00", 4); /* seq 0x1000 */
    tcp[12] = 5 << 4;
    tcp[13] = 0x18 | 0x01; /* PSH ACK FIN */
    for (size_t i = 0; i < payload; i++) {
        p[54 + i] = (uint8_t)(i * 13);
    }
    /* As Linux: the pseudo-header sum, without the length for TSO. */
    ph = csum_add(0, ip + 12, 8) + 6 + (tso ? 0 : len - 34);
    while (ph >> 16) {
        ph = (ph & 0xffff) + (ph >> 16);
    }
    tcp[16] = ph >> 8;
    tcp[17] = ph;
}

/* A context descriptor: IP at 14, TCP at 34, checksum offsets. */
static void tx_context_write(E1000 *e, unsigned i, bool tse, uint32_t paylen,
                             unsigned hdrlen, unsigned mss)
{
    uint64_t lo = 14ull | (14ull + 10) << 8 | (33ull) << 16 | 34ull << 32 |
                  (34ull + 16) << 40;
    uint8_t tucmd = 0x01 | 0x02 | (tse ? 0x04 : 0) | 0x20;

    tx_desc_write(e, i, lo, paylen | (uint32_t)tucmd << 24,
                  hdrlen << 8 | mss << 16);
}

static void test_tx_offload(void)
{
    E1000 e;
    static uint8_t pkt[54 + 3000], got[4096];
    size_t len;

    e1000_start(&e);
    tx_setup(&e);

    /* Checksum offload of one frame: IXSM and TXSM. */
    tcp_packet_make(pkt, 300, false);
    qtest_memwrite(e.s, TX_BUF, pkt, 354);
    tx_context_write(&e, 0, false, 0, 0, 0);
    tx_desc_write(&e, 1, TX_BUF, 354 | 1u << 20 | (0x01u | 0x08 | 0x20) << 24,
                  0x03u << 8);
    wr(&e, TDT, 2);
    len = sock_recv_frame(&e, got, sizeof(got));
    g_assert_cmpuint(len, ==, 354);
    check_tcp_frame(got, len);
    g_assert_cmpmem(got + 54, 300, pkt + 54, 300);

    /* TSO: 3000 bytes at MSS 1000 in three segments. */
    tcp_packet_make(pkt, 3000, true);
    qtest_memwrite(e.s, TX_BUF, pkt, sizeof(pkt));
    tx_context_write(&e, 2, true, 3000, 54, 1000);
    tx_desc_write(&e, 3, TX_BUF, 54 | 1u << 20 | (0x04u | 0x20) << 24,
                  0x03u << 8);
    tx_desc_write(&e, 4, TX_BUF + 54,
                  3000 | 1u << 20 | (0x01u | 0x04 | 0x08 | 0x20) << 24,
                  0x03u << 8);
    wr(&e, TDT, 5);
    for (unsigned seg = 0; seg < 3; seg++) {
        uint32_t seq;

        len = sock_recv_frame(&e, got, sizeof(got));
        g_assert_cmpuint(len, ==, 1054);
        check_tcp_frame(got, len);
        g_assert_cmpuint(got[16] << 8 | got[17], ==, 1040); /* IP length */
        g_assert_cmpuint(got[18] << 8 | got[19], ==, 0x1234 + seg);
        seq = (uint32_t)got[38] << 24 | got[39] << 16 | got[40] << 8 | got[41];
        g_assert_cmphex(seq, ==, 0x1000 + 1000 * seg);
        g_assert_cmphex(got[47] & 0x09, ==, seg == 2 ? 0x09 : 0);
        g_assert_cmpmem(got + 54, 1000, pkt + 54 + 1000 * seg, 1000);
    }
    g_assert_cmpuint(rd(&e, TDH), ==, 5);
    e1000_stop(&e);
}

static void test_rx(void)
{
    E1000 e;
    uint8_t f[100], got[200];

    e1000_start(&e);
    wr(&e, IMS, 1u << 7);
    rx_setup(&e, 0, 8);
    frame_make(f, sizeof(f), test_mac, 3);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 0, 500) & 0x07, ==, 0x07); /* DD EOP IXSM */
    /* The frame and the CRC the driver strips. */
    g_assert_cmpuint(qtest_readw(e.s, RX_RING + 8), ==, sizeof(f) + 4);
    qtest_memread(e.s, RX_BUF, got, sizeof(f));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    g_assert_true(qtest_get_irq(e.s, IRQ));
    /* RXT0, and RXDMT0: 7 free descriptors of 16 is under half. */
    g_assert_cmphex(rd(&e, ICR) & 0x90, ==, 0x90);
    g_assert_cmpuint(rd(&e, RDH), ==, 1);
    g_assert_cmpuint(rd(&e, GPRC), ==, 1);

    /* Without bus mastering a frame waits; it lands once it is back. */
    qpci_cfg_writew(e.s, DEVFN, 0x04, 0x0003);
    wr(&e, RDH, 0);
    wr(&e, RDT, 8);
    frame_make(f, sizeof(f), test_mac, 5);
    sock_send_frame(&e, f, sizeof(f));
    qtest_writeb(e.s, RX_RING + 12, 0);
    g_assert_cmphex(rx_wait(&e, 0, 30), ==, 0);
    qpci_cfg_writew(e.s, DEVFN, 0x04, 0x0007);
    g_assert_cmphex(rx_wait(&e, 0, 500) & 3, ==, 3);
    g_assert_cmphex(qtest_readb(e.s, RX_BUF + 14), ==, (uint8_t)(5 * 7 + 14));
    wr(&e, RDH, 1);

    /* No descriptors: the frame waits, and lands once RDT moves. */
    wr(&e, RDT, 1);
    wr(&e, RCTL, 1u << 1);
    frame_make(f, sizeof(f), test_mac, 4);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 1, 30), ==, 0);
    wr(&e, RDT, 4);
    g_assert_cmphex(rx_wait(&e, 1, 500) & 3, ==, 3);
    qtest_memread(e.s, RX_BUF + 0x1000, got, sizeof(f));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    e1000_stop(&e);
}

static void test_rx_filter(void)
{
    E1000 e;
    uint8_t f[80];
    static const uint8_t other[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    unsigned hash = ((mcast[4] >> 4) | (mcast[5] << 4)) & 0xfff;

    e1000_start(&e);
    rx_setup(&e, 0, 12);
    /* Someone else's unicast, a multicast not in the MTA, a broadcast
     * without BAM: all dropped; then ours lands in descriptor 0. */
    frame_make(f, sizeof(f), other, 1);
    sock_send_frame(&e, f, sizeof(f));
    frame_make(f, sizeof(f), mcast, 2);
    sock_send_frame(&e, f, sizeof(f));
    frame_make(f, sizeof(f), (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 3);
    sock_send_frame(&e, f, sizeof(f));
    frame_make(f, sizeof(f), test_mac, 4);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 0, 500), !=, 0);
    g_assert_cmphex(qtest_readb(e.s, RX_BUF + 14), ==, (uint8_t)(4 * 7 + 14));

    /* A second RAL/RAH entry accepts "other". */
    wr(&e, RA + 8, other[0] | other[1] << 8 | other[2] << 16 | other[3] << 24);
    wr(&e, RA + 12, other[4] | other[5] << 8 | 1u << 31);
    frame_make(f, sizeof(f), other, 5);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 1, 500), !=, 0);

    /* The MTA bit for the multicast (MO 00). */
    wr(&e, MTA + 4 * (hash >> 5), 1u << (hash & 31));
    frame_make(f, sizeof(f), mcast, 6);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 2, 500), !=, 0);

    /* VLAN 5 tagged frames pass only with their VFTA bit; the tag is
     * stripped into the descriptor's special field. */
    wr(&e, CTRL, rd(&e, CTRL) | 1u << 30);
    wr(&e, RCTL, rd(&e, RCTL) | 1u << 18);
    frame_make(f, sizeof(f), test_mac, 7);
    memmove(f + 16, f + 12, sizeof(f) - 16);
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = 0x00;
    f[15] = 0x05;
    sock_send_frame(&e, f, sizeof(f));
    /* An untagged frame behind it: once it lands, the tagged one is gone. */
    {
        uint8_t plain[80];

        frame_make(plain, sizeof(plain), test_mac, 8);
        sock_send_frame(&e, plain, sizeof(plain));
        g_assert_cmphex(rx_wait(&e, 3, 500) & 0x08, ==, 0);
        g_assert_cmphex(qtest_readb(e.s, RX_BUF + 3 * 0x1000 + 14), ==,
                        (uint8_t)(8 * 7 + 14));
    }
    wr(&e, VFTA, 1u << 5);
    f[17] = 0x99; /* mark the second copy */
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 4, 500) & 0x08, ==, 0x08); /* VP */
    g_assert_cmphex(qtest_readw(e.s, RX_RING + 4 * 16 + 14), ==, 5);
    g_assert_cmphex(qtest_readb(e.s, RX_BUF + 4 * 0x1000 + 13), ==, 0x99);
    e1000_stop(&e);
}

static void test_itr(void)
{
    E1000 e;

    e1000_start(&e);
    wr(&e, IMS, 1u << 2);
    wr(&e, ITR, 1000); /* 256 us */
    wr(&e, ICS, 1u << 2);
    g_assert_true(qtest_get_irq(e.s, IRQ));
    rd(&e, ICR);
    g_assert_false(qtest_get_irq(e.s, IRQ));
    wr(&e, ICS, 1u << 2);
    g_assert_false(qtest_get_irq(e.s, IRQ)); /* throttled */
    qtest_clock_step(e.s, 100000);
    g_assert_false(qtest_get_irq(e.s, IRQ));
    qtest_clock_step(e.s, 200000);
    g_assert_true(qtest_get_irq(e.s, IRQ));
    rd(&e, ICR);
    wr(&e, ITR, 0);
    wr(&e, ICS, 1u << 2);
    g_assert_true(qtest_get_irq(e.s, IRQ));
    e1000_stop(&e);
}

/* RDTR delays RXT0 (1.024 us units); RADV caps the delay. */
static void test_rx_delay(void)
{
    E1000 e;
    uint8_t f[64];

    e1000_start(&e);
    wr(&e, IMS, 1u << 7);
    wr(&e, 0x2820, 100); /* RDTR: 102.4 us */
    rx_setup(&e, 0, 15);
    frame_make(f, sizeof(f), test_mac, 1);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 0, 500), !=, 0);
    g_assert_false(qtest_get_irq(e.s, IRQ));
    qtest_clock_step(e.s, 50000);
    g_assert_false(qtest_get_irq(e.s, IRQ));
    qtest_clock_step(e.s, 60000);
    g_assert_true(qtest_get_irq(e.s, IRQ));
    g_assert_cmphex(rd(&e, ICR) & 0x80, ==, 0x80);

    wr(&e, 0x2820, 1000); /* RDTR 1.024 ms, RADV 51.2 us */
    wr(&e, 0x282c, 50);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 1, 500), !=, 0);
    g_assert_false(qtest_get_irq(e.s, IRQ));
    qtest_clock_step(e.s, 60000);
    g_assert_true(qtest_get_irq(e.s, IRQ));
    e1000_stop(&e);
}

/* CVE-2012-0029: a long frame into 256-byte buffers never overruns one. */
static void test_cve_2012_0029(void)
{
    E1000 e;
    uint8_t f[1500], got[256], guard[16];

    e1000_start(&e);
    for (unsigned i = 0; i < RING_N; i++) {
        qtest_memset(e.s, RX_BUF + 0x1000 * i, 0xee, 0x400);
    }
    rx_setup(&e, 3u << 16, 15); /* BSIZE 256 */
    frame_make(f, sizeof(f), test_mac, 9);
    sock_send_frame(&e, f, sizeof(f));
    g_assert_cmphex(rx_wait(&e, 5, 500) & 3, ==, 3); /* 1504 bytes: 6 */
    for (unsigned i = 0; i < 6; i++) {
        unsigned n = i < 5 ? 256 : 1504 - 5 * 256;

        g_assert_cmpuint(qtest_readw(e.s, RX_RING + 16 * i + 8), ==, n);
        qtest_memread(e.s, RX_BUF + 0x1000 * i + 256, guard, sizeof(guard));
        for (unsigned j = 0; j < sizeof(guard); j++) {
            g_assert_cmphex(guard[j], ==, 0xee);
        }
    }
    qtest_memread(e.s, RX_BUF + 0x1000 * 2, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), f + 512, 256);
    /* Without LPE a frame over 1522 bytes is dropped, not written. */
    {
        static uint8_t big[4000];

        frame_make(big, sizeof(big), test_mac, 10);
        sock_send_frame(&e, big, sizeof(big));
        frame_make(f, 60, test_mac, 11);
        sock_send_frame(&e, f, 60);
        g_assert_cmphex(rx_wait(&e, 6, 500) & 3, ==, 3);
        g_assert_cmpuint(qtest_readw(e.s, RX_RING + 6 * 16 + 8), ==, 64);
    }
    g_assert_cmphex(rd(&e, STATUS) & 2, ==, 2);
    e1000_stop(&e);
}

/* CVE-2016-1981: rings that would loop forever (TDH past the ring,
 * zero-length descriptors, a guest chasing TDT) end. */
static void test_cve_2016_1981(void)
{
    E1000 e;
    uint8_t f[60], got[128];

    e1000_start(&e);
    tx_setup(&e);
    for (unsigned i = 0; i < RING_N; i++) {
        tx_desc_write(&e, i, TX_BUF, 0 | 0x08u << 24, 0); /* zero length */
    }
    wr(&e, TDH, 40); /* outside the 16-entry ring */
    wr(&e, TDT, 3);
    g_assert_cmpuint(rd(&e, TDH), ==, 40);
    wr(&e, TDH, 0);
    wr(&e, TDT, 15);
    g_assert_cmpuint(rd(&e, TDH), ==, 15);
    /* A huge ring of zero descriptors is taken in bounded passes. */
    wr(&e, TDLEN, 0xfff80);
    wr(&e, TDT, 0xffff);
    wr(&e, TDT, 0x7fff);
    g_assert_cmphex(rd(&e, STATUS) & 2, ==, 2);
    /* The passes the device yields between finish the ring. */
    for (int t = 0; t < 500 && rd(&e, TDH) != 0x7fff; t++) {
        g_usleep(10000);
    }
    g_assert_cmphex(rd(&e, TDH), ==, 0x7fff);
    /* RDH past the ring receives nothing and hangs nothing. */
    rx_setup(&e, 0, 4);
    wr(&e, RDH, 100);
    frame_make(f, sizeof(f), test_mac, 1);
    sock_send_frame(&e, f, sizeof(f));
    g_usleep(50000);
    g_assert_cmpuint(rd(&e, RDH), ==, 100);
    /* The device still works after the guest fixes its rings. */
    wr(&e, TCTL, 0);
    tx_setup(&e);
    frame_make(f, sizeof(f), (const uint8_t *)"\x02\x00\x00\x00\x00\x02", 2);
    qtest_memwrite(e.s, TX_BUF, f, sizeof(f));
    tx_desc_write(&e, 0, TX_BUF, sizeof(f) | 0x09u << 24, 0);
    wr(&e, TDT, 1);
    g_assert_cmpuint(sock_recv_frame(&e, got, sizeof(got)), ==, sizeof(f));
    g_assert_cmpmem(got, sizeof(f), f, sizeof(f));
    e1000_stop(&e);
}

/* CVE-2021-20257: descriptors and buffers in the device's own BAR. */
static void test_cve_2021_20257(void)
{
    E1000 e;

    e1000_start(&e);
    tx_setup(&e);
    /* The ring itself is the register file. */
    wr(&e, TDBAL, (uint32_t)MMIO);
    wr(&e, TDT, 5);
    g_assert_cmphex(rd(&e, STATUS) & 2, ==, 2);
    /* Buffers pointing at TDT in the BAR. */
    wr(&e, TCTL, 0);
    tx_setup(&e);
    for (unsigned i = 0; i < RING_N; i++) {
        tx_desc_write(&e, i, MMIO + TDT, 4 | 0x09u << 24, 0);
    }
    wr(&e, TDT, 15);
    g_assert_cmpuint(rd(&e, TDH), ==, 15);
    g_assert_cmphex(rd(&e, STATUS) & 2, ==, 2);
    e1000_stop(&e);
}

/* CVE-2021-3416: MAC loopback with receive descriptors in the BAR. */
static void test_cve_2021_3416(void)
{
    E1000 e;
    uint8_t f[64];

    e1000_start(&e);
    wr(&e, RDBAL, (uint32_t)MMIO);
    wr(&e, RDLEN, RING_N * 16);
    wr(&e, RDH, 0);
    wr(&e, RDT, 8);
    wr(&e, RCTL, 1u << 1 | 1u << 3 | 1u << 6); /* EN, UPE, LBM MAC */
    tx_setup(&e);
    frame_make(f, sizeof(f), test_mac, 1);
    qtest_memwrite(e.s, TX_BUF, f, sizeof(f));
    for (unsigned i = 0; i < RING_N; i++) {
        tx_desc_write(&e, i, TX_BUF, sizeof(f) | 0x09u << 24, 0);
    }
    wr(&e, TDT, 10);
    g_assert_cmpuint(rd(&e, TDH), ==, 10);
    /* Loopback into a sane ring works. */
    rx_setup(&e, 1u << 3 | 1u << 6, 8);
    wr(&e, TDT, 11);
    g_assert_cmphex(rx_wait(&e, 0, 100) & 3, ==, 3);
    g_assert_cmpuint(rd(&e, TPT), ==, 11);
    e1000_stop(&e);
}

static void test_io_bar(void)
{
    E1000 e;

    e1000_start(&e);
    qtest_outl(e.s, IOBASE, STATUS);
    g_assert_cmphex(qtest_inl(e.s, IOBASE + 4), ==, rd(&e, STATUS));
    qtest_outl(e.s, IOBASE, VET);
    g_assert_cmphex(qtest_inl(e.s, IOBASE + 4), ==, 0x8100);
    e1000_stop(&e);
}

/*
 * x-save-devices / x-load-devices for each variant: a second pcvm loading
 * the first one's stream shows the registers the driver set, receives
 * into the ring the first one set up, and saves the same bytes again.
 */
static void test_save_load(void)
{
    static const char *const models[] = {"e1000", "e1000-82544gc",
                                         "e1000-82545em"};

    for (size_t m = 0; m < G_N_ELEMENTS(models); m++) {
        g_autofree char *path1 = qtest_tmp_path("e1000-state1");
        g_autofree char *path2 = qtest_tmp_path("e1000-state2");
        g_autofree char *data1 = NULL, *data2 = NULL;
        size_t len1, len2;
        uint8_t f[80];
        E1000 a, b;

        e1000_start_model(&a, models[m]);
        wr(&a, MTA + 8, 0x12345678);
        wr(&a, IMS, 0x80);
        rx_setup(&a, 0, 8);
        qtest_qmp_assert_success(a.s,
                                 "{'execute': 'x-save-devices', "
                                 "'arguments': {'filename': '%s'}}",
                                 path1);
        e1000_start_model(&b, models[m]);
        rx_setup(&b, 0, 8); /* the same guest memory as a's */
        wr(&b, RCTL, 0);
        wr(&b, MTA + 8, 0);
        qtest_qmp_assert_success(b.s,
                                 "{'execute': 'x-load-devices', "
                                 "'arguments': {'filename': '%s'}}",
                                 path1);
        g_assert_cmphex(rd(&b, MTA + 8), ==, 0x12345678);
        g_assert_cmphex(rd(&b, RDT), ==, 8);
        qtest_qmp_assert_success(b.s,
                                 "{'execute': 'x-save-devices', "
                                 "'arguments': {'filename': '%s'}}",
                                 path2);
        g_assert_true(g_file_get_contents(path1, &data1, &len1, NULL));
        g_assert_true(g_file_get_contents(path2, &data2, &len2, NULL));
        g_assert_cmpmem(data1, len1, data2, len2);
        frame_make(f, sizeof(f), test_mac, 1);
        sock_send_frame(&b, f, sizeof(f));
        g_assert_cmphex(rx_wait(&b, 0, 500) & 3, ==, 3);
        g_assert_true(qtest_get_irq(b.s, IRQ));
        e1000_stop(&a);
        e1000_stop(&b);
        unlink(path1);
        unlink(path2);
    }
}

/*
 * slirp answers an ARP request from inside the NIC's send: the reply must
 * still land although the transmit engine was busy when it came.
 */
static void test_slirp_arp(void)
{
    E1000 e = {.listen_fd = -1, .sock = -1};
    uint8_t f[60] = {0}, got[64];

    e.s = qtest_init("-netdev user,id=n0 -device e1000,netdev=n0,addr=04.0,"
                     "mac=52:54:00:ab:cd:ef");
    qpci_cfg_writel(e.s, DEVFN, 0x10, (uint32_t)MMIO);
    qpci_cfg_writew(e.s, DEVFN, 0x04, 0x0007);
    rx_setup(&e, 1u << 15, 8);
    tx_setup(&e);
    memset(f, 0xff, 6);
    memcpy(f + 6, test_mac, 6);
    memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
    memcpy(f + 22, test_mac, 6);
    memcpy(f + 28, "\x0a\x00\x02\x0f", 4); /* 10.0.2.15 */
    memcpy(f + 38, "\x0a\x00\x02\x02", 4); /* who has 10.0.2.2 */
    qtest_memwrite(e.s, TX_BUF, f, sizeof(f));
    tx_desc_write(&e, 0, TX_BUF, sizeof(f) | 0x0bu << 24, 0);
    wr(&e, TDT, 1);
    g_assert_cmphex(rx_wait(&e, 0, 500) & 3, ==, 3);
    qtest_memread(e.s, RX_BUF, got, sizeof(got));
    g_assert_cmpmem(got, 6, test_mac, 6);
    g_assert_cmphex(got[12] << 8 | got[13], ==, 0x0806);
    g_assert_cmphex(got[20] << 8 | got[21], ==, 2); /* reply */
    g_assert_cmpmem(got + 28, 4, "\x0a\x00\x02\x02", 4);
    qtest_quit(e.s);
}

/*
 * A guest writing garbage: random values into the implemented registers
 * (rings anywhere, loopback, resets), random descriptors in RAM, frames
 * arriving meanwhile. pcvm must keep answering and the device still work.
 */
static void test_random_registers(void)
{
    static const unsigned regs[] = {
        CTRL, EECD,   EERD,   MDIC,   VET, ICR,  ITR,   ICS,   IMS,
        RCTL, TCTL,   RDBAL,  RDLEN,  RDH, RDT,  TDBAL, TDLEN, TDH,
        TDT,  0x2820, 0x282c, RA + 4, MTA, VFTA, 0xd8,  0x458, 0x5000,
    };
    GRand *r = g_rand_new_with_seed(0xe1000);
    static uint8_t got[0x11000];
    uint8_t f[100];
    E1000 e;

    e1000_start(&e);
    for (unsigned i = 0; i < 64; i++) {
        uint32_t junk[4];

        for (unsigned j = 0; j < 4; j++) {
            junk[j] = g_rand_int(r);
        }
        qtest_memwrite(e.s, TX_RING + 16 * i, junk, sizeof(junk));
        qtest_memwrite(e.s, RX_RING + 16 * i, junk, sizeof(junk));
    }
    frame_make(f, sizeof(f), test_mac, 1);
    for (unsigned i = 0; i < 3000; i++) {
        unsigned reg = regs[g_rand_int_range(r, 0, G_N_ELEMENTS(regs))];
        uint32_t v = g_rand_int(r);

        switch (g_rand_int_range(r, 0, 4)) {
        case 0: /* a ring in the test's RAM, or in the BAR */
            if (reg == TDBAL || reg == RDBAL) {
                v = g_rand_boolean(r) ? (uint32_t)MMIO
                                      : (uint32_t)TX_RING + (v & 0x3ff0);
            }
            break;
        case 1:
            v &= 0xff;
            break;
        }
        wr(&e, reg, v);
        if (i % 100 == 0) {
            sock_send_frame(&e, f, sizeof(f));
        }
    }
    g_rand_free(r);
    /* Reset through CTRL.RST and check that it still transmits. */
    wr(&e, CTRL, 1u << 26);
    g_assert_cmphex(rd(&e, STATUS) & 2, ==, 2);
    tx_setup(&e);
    frame_make(f, sizeof(f), (const uint8_t *)"\x02\x00\x00\x00\x00\x02", 2);
    qtest_memwrite(e.s, TX_BUF, f, sizeof(f));
    tx_desc_write(&e, 0, TX_BUF, sizeof(f) | 0x09u << 24, 0);
    wr(&e, TDT, 1);
    /* Frames the garbage sent may come first: look for ours. */
    for (;;) {
        size_t len = sock_recv_frame(&e, got, sizeof(got));

        if (len == sizeof(f) && !memcmp(got, f, sizeof(f))) {
            break;
        }
    }
    e1000_stop(&e);
}

/* -nic user without a model gives the pc QEMU's default NIC, an e1000. */
static void test_nic_default_model(void)
{
    QTestState *s = qtest_init("-nic user");
    bool found = false;

    for (int devfn = 0; devfn < 256; devfn += 8) {
        if (qpci_cfg_readl(s, devfn, 0) == 0x100e8086) {
            found = true;
        }
    }
    g_assert_true(found);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/e1000/ids", test_ids);
    g_test_add_func("/e1000/eeprom", test_eeprom);
    g_test_add_func("/e1000/phy-link", test_phy_link);
    g_test_add_func("/e1000/io-bar", test_io_bar);
    g_test_add_func("/e1000/tx-legacy", test_tx_legacy);
    g_test_add_func("/e1000/tx-offload", test_tx_offload);
    g_test_add_func("/e1000/rx", test_rx);
    g_test_add_func("/e1000/rx-filter", test_rx_filter);
    g_test_add_func("/e1000/itr", test_itr);
    g_test_add_func("/e1000/rx-delay", test_rx_delay);
    g_test_add_func("/e1000/cve-2012-0029", test_cve_2012_0029);
    g_test_add_func("/e1000/cve-2016-1981", test_cve_2016_1981);
    g_test_add_func("/e1000/cve-2021-20257", test_cve_2021_20257);
    g_test_add_func("/e1000/cve-2021-3416", test_cve_2021_3416);
    g_test_add_func("/e1000/random-registers", test_random_registers);
    g_test_add_func("/e1000/save-load", test_save_load);
    g_test_add_func("/e1000/slirp-arp", test_slirp_arp);
    g_test_add_func("/e1000/nic-default-model", test_nic_default_model);
    return g_test_run();
}
