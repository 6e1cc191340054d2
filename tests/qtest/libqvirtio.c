/*
 * The test-side virtio PCI driver (see libqvirtio.h). Register offsets
 * are the virtio 1.2 spec's (4.1.4), written out here so the tests read
 * like a driver rather than share the device's headers.
 */
#include <string.h>

#include "libqvirtio.h"

#define CONFADD 0xcf8
#define CONFDATA 0xcfc

#define BAR0_PORT 0xc000
#define BAR1_ADDR 0xe0000000ull
#define BAR4_ADDR 0xe0100000ull
#define MSIX_MSG_BASE 0x1f00000ull
#define ALLOC_BASE 0x200000ull
#define ALLOC_END 0x1e00000ull
#define PCI_SLOT_OF(devfn) ((devfn) >> 3)

/* Legacy registers. */
#define L_HOST_FEATURES 0x00
#define L_GUEST_FEATURES 0x04
#define L_QUEUE_PFN 0x08
#define L_QUEUE_NUM 0x0c
#define L_QUEUE_SEL 0x0e
#define L_QUEUE_NOTIFY 0x10
#define L_STATUS 0x12
#define L_ISR 0x13
#define L_CONFIG_VECTOR 0x14
#define L_QUEUE_VECTOR 0x16

/* Modern common configuration. */
#define C_DFSELECT 0x00
#define C_DF 0x04
#define C_GFSELECT 0x08
#define C_GF 0x0c
#define C_MSIX 0x10
#define C_STATUS 0x14
#define C_Q_SELECT 0x16
#define C_Q_SIZE 0x18
#define C_Q_MSIX 0x1a
#define C_Q_ENABLE 0x1c
#define C_Q_NOFF 0x1e
#define C_Q_DESC 0x20
#define C_Q_AVAIL 0x28
#define C_Q_USED 0x30

static uint64_t alloc_next = ALLOC_BASE;
static QTestState *alloc_owner;
static pid_t alloc_owner_pid;

uint64_t qvirtio_alloc(QTestState *qts, uint64_t size, uint64_t align)
{
    uint64_t addr;

    /* A new VMM starts again at the base: by pid as well, since a freed
     * QTestState's address comes back for the next one. */
    if (alloc_owner != qts || alloc_owner_pid != qtest_pid(qts)) {
        alloc_owner = qts;
        alloc_owner_pid = qtest_pid(qts);
        alloc_next = ALLOC_BASE;
    }
    addr = (alloc_next + align - 1) & ~(align - 1);
    alloc_next = addr + size;
    g_assert_cmphex(alloc_next, <=, ALLOC_END);
    qtest_memset(qts, addr, 0, size);
    return addr;
}

uint64_t qvirtio_msix_addr(unsigned vector)
{
    return MSIX_MSG_BASE + 16ull * vector;
}

/* ---- PCI configuration ------------------------------------------------- */

static uint32_t cfg_addr(int devfn, int reg)
{
    return 0x80000000u | (devfn << 8) | (reg & 0xfc);
}

uint32_t qpci_cfg_readl(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    return qtest_inl(s, CONFDATA);
}

uint16_t qpci_cfg_readw(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    return qtest_inw(s, CONFDATA + (reg & 2));
}

uint8_t qpci_cfg_readb(QTestState *s, int devfn, int reg)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    return qtest_inb(s, CONFDATA + (reg & 3));
}

void qpci_cfg_writel(QTestState *s, int devfn, int reg, uint32_t v)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    qtest_outl(s, CONFDATA, v);
}

void qpci_cfg_writew(QTestState *s, int devfn, int reg, uint16_t v)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    qtest_outw(s, CONFDATA + (reg & 2), v);
}

void qpci_cfg_writeb(QTestState *s, int devfn, int reg, uint8_t v)
{
    qtest_outl(s, CONFADD, cfg_addr(devfn, reg));
    qtest_outb(s, CONFDATA + (reg & 3), v);
}

/* ---- device discovery -------------------------------------------------- */

static void find_caps(QVirtioDev *d)
{
    QTestState *s = d->qts;
    uint8_t cap = qpci_cfg_readb(s, d->devfn, 0x34);

    while (cap) {
        uint8_t id = qpci_cfg_readb(s, d->devfn, cap);

        if (id == 0x11) {
            d->msix_cap = cap;
        } else if (id == 0x09) {
            uint8_t type = qpci_cfg_readb(s, d->devfn, cap + 3);
            uint8_t bar = qpci_cfg_readb(s, d->devfn, cap + 4);
            uint64_t addr = BAR4_ADDR + qpci_cfg_readl(s, d->devfn, cap + 8);

            /* Type 5 (PCI configuration access) names no BAR of ours. */
            if (type >= 1 && type <= 4) {
                g_assert_cmpuint(bar, ==, 4);
            }
            switch (type) {
            case 1:
                d->common = addr;
                break;
            case 2:
                d->notify = addr;
                d->notify_mult = qpci_cfg_readl(s, d->devfn, cap + 16);
                break;
            case 3:
                d->isr = addr;
                break;
            case 4:
                d->device = addr;
                break;
            }
        }
        cap = qpci_cfg_readb(s, d->devfn, cap + 1);
    }
}

void qvirtio_pci_init(QVirtioDev *d, QTestState *qts, uint16_t device_id,
                      bool modern, bool use_msix)
{
    memset(d, 0, sizeof(*d));
    d->qts = qts;
    d->devfn = -1;
    for (int devfn = 0; devfn < 256; devfn += 8) {
        if (qpci_cfg_readl(qts, devfn, 0) == (0x1af4u | device_id << 16)) {
            d->devfn = devfn;
            break;
        }
    }
    g_assert_cmpint(d->devfn, >=, 0);
    d->modern = modern;
    d->io = BAR0_PORT;
    qpci_cfg_writel(qts, d->devfn, 0x10, BAR0_PORT);
    qpci_cfg_writel(qts, d->devfn, 0x14, BAR1_ADDR);
    qpci_cfg_writel(qts, d->devfn, 0x20, BAR4_ADDR);
    qpci_cfg_writel(qts, d->devfn, 0x24, 0);
    qpci_cfg_writew(qts, d->devfn, 0x04, 0x0007);
    find_caps(d);
    if (modern) {
        g_assert_cmphex(d->common, !=, 0);
        g_assert_cmphex(d->notify, !=, 0);
    }
    if (use_msix) {
        g_assert_cmpuint(d->msix_cap, !=, 0);
        d->use_msix = true;
        d->msix_table = BAR1_ADDR;
        qpci_cfg_writew(qts, d->devfn, d->msix_cap + 2, 0x8000);
        for (unsigned v = 0; v < 4; v++) {
            qtest_writel(qts, d->msix_table + 16 * v, qvirtio_msix_addr(v));
            qtest_writel(qts, d->msix_table + 16 * v + 4, 0);
            qtest_writel(qts, d->msix_table + 16 * v + 8, 0x4000 + v);
            qtest_writel(qts, d->msix_table + 16 * v + 12, 0);
        }
    } else {
        /* Slot 4 INTA is PIRQD on the i440FX board. */
        qpci_cfg_writeb(qts, 0x08, 0x60 + ((PCI_SLOT_OF(d->devfn) - 1) & 3),
                        QVIRTIO_INTX_IRQ);
        qtest_irq_intercept_in(qts, "ioapic");
    }
}

/* ---- status, features, config ------------------------------------------ */

uint8_t qvirtio_get_status(QVirtioDev *d)
{
    return d->modern ? qtest_readb(d->qts, d->common + C_STATUS)
                     : qtest_inb(d->qts, d->io + L_STATUS);
}

void qvirtio_set_status(QVirtioDev *d, uint8_t status)
{
    if (d->modern) {
        qtest_writeb(d->qts, d->common + C_STATUS, status);
    } else {
        qtest_outb(d->qts, d->io + L_STATUS, status);
    }
}

void qvirtio_reset(QVirtioDev *d)
{
    qvirtio_set_status(d, 0);
    g_assert_cmpuint(qvirtio_get_status(d), ==, 0);
}

uint8_t qvirtio_isr(QVirtioDev *d)
{
    return d->modern ? qtest_readb(d->qts, d->isr)
                     : qtest_inb(d->qts, d->io + L_ISR);
}

uint64_t qvirtio_device_features(QVirtioDev *d)
{
    uint64_t lo, hi;

    if (!d->modern) {
        return qtest_inl(d->qts, d->io + L_HOST_FEATURES);
    }
    qtest_writel(d->qts, d->common + C_DFSELECT, 0);
    lo = qtest_readl(d->qts, d->common + C_DF);
    qtest_writel(d->qts, d->common + C_DFSELECT, 1);
    hi = qtest_readl(d->qts, d->common + C_DF);
    return lo | hi << 32;
}

bool qvirtio_start(QVirtioDev *d, uint64_t want)
{
    uint64_t features;

    qvirtio_reset(d);
    qvirtio_set_status(d, QVIRTIO_STATUS_ACK);
    qvirtio_set_status(d, QVIRTIO_STATUS_ACK | QVIRTIO_STATUS_DRIVER);
    features = qvirtio_device_features(d) & want;
    d->features = features;
    if (!d->modern) {
        qtest_outl(d->qts, d->io + L_GUEST_FEATURES, features);
        return true;
    }
    qtest_writel(d->qts, d->common + C_GFSELECT, 0);
    qtest_writel(d->qts, d->common + C_GF, features);
    qtest_writel(d->qts, d->common + C_GFSELECT, 1);
    qtest_writel(d->qts, d->common + C_GF, features >> 32);
    qvirtio_set_status(d, QVIRTIO_STATUS_ACK | QVIRTIO_STATUS_DRIVER |
                              QVIRTIO_STATUS_FEATURES_OK);
    return qvirtio_get_status(d) & QVIRTIO_STATUS_FEATURES_OK;
}

void qvirtio_driver_ok(QVirtioDev *d)
{
    qvirtio_set_status(d, qvirtio_get_status(d) | QVIRTIO_STATUS_DRIVER_OK);
}

static uint64_t config_base(QVirtioDev *d)
{
    return d->modern ? d->device : d->io + (d->use_msix ? 0x18 : 0x14);
}

uint8_t qvirtio_config_readb(QVirtioDev *d, unsigned off)
{
    return d->modern ? qtest_readb(d->qts, config_base(d) + off)
                     : qtest_inb(d->qts, config_base(d) + off);
}

uint16_t qvirtio_config_readw(QVirtioDev *d, unsigned off)
{
    return d->modern ? qtest_readw(d->qts, config_base(d) + off)
                     : qtest_inw(d->qts, config_base(d) + off);
}

uint32_t qvirtio_config_readl(QVirtioDev *d, unsigned off)
{
    return d->modern ? qtest_readl(d->qts, config_base(d) + off)
                     : qtest_inl(d->qts, config_base(d) + off);
}

uint64_t qvirtio_config_readq(QVirtioDev *d, unsigned off)
{
    return qvirtio_config_readl(d, off) |
           (uint64_t)qvirtio_config_readl(d, off + 4) << 32;
}

void qvirtio_config_writeb(QVirtioDev *d, unsigned off, uint8_t v)
{
    if (d->modern) {
        qtest_writeb(d->qts, config_base(d) + off, v);
    } else {
        qtest_outb(d->qts, config_base(d) + off, v);
    }
}

void qvirtio_set_config_vector(QVirtioDev *d, uint16_t v)
{
    if (d->modern) {
        qtest_writew(d->qts, d->common + C_MSIX, v);
        g_assert_cmphex(qtest_readw(d->qts, d->common + C_MSIX), ==, v);
    } else {
        qtest_outw(d->qts, d->io + L_CONFIG_VECTOR, v);
    }
}

/* ---- queues ------------------------------------------------------------ */

void qvirtqueue_setup(QVirtioDev *d, QVirtQueue *q, unsigned index,
                      unsigned size, uint16_t vector)
{
    QTestState *s = d->qts;

    memset(q, 0, sizeof(*q));
    q->d = d;
    q->index = index;
    q->vector = vector;
    if (!d->modern) {
        uint64_t base, avail_end;

        qtest_outw(s, d->io + L_QUEUE_SEL, index);
        q->size = qtest_inw(s, d->io + L_QUEUE_NUM);
        g_assert_cmpuint(q->size, >, 0);
        base = qvirtio_alloc(s, 16ull * q->size + 4096 * 3, 4096);
        q->desc = base;
        q->avail = base + 16ull * q->size;
        avail_end = q->avail + 6 + 2ull * q->size;
        q->used = (avail_end + 4095) & ~4095ull;
        if (d->use_msix) {
            qtest_outw(s, d->io + L_QUEUE_VECTOR, vector);
            g_assert_cmphex(qtest_inw(s, d->io + L_QUEUE_VECTOR), ==, vector);
        }
        qtest_outl(s, d->io + L_QUEUE_PFN, base / 4096);
        return;
    }
    qtest_writew(s, d->common + C_Q_SELECT, index);
    if (size) {
        qtest_writew(s, d->common + C_Q_SIZE, size);
    }
    q->size = qtest_readw(s, d->common + C_Q_SIZE);
    g_assert_cmpuint(q->size, >, 0);
    q->desc = qvirtio_alloc(s, 16ull * q->size, 4096);
    q->avail = qvirtio_alloc(s, 6 + 2ull * q->size, 2);
    q->used = qvirtio_alloc(s, 6 + 8ull * q->size, 4);
    /* 64-bit fields as two dwords, as drivers write them. */
    qtest_writel(s, d->common + C_Q_DESC, q->desc);
    qtest_writel(s, d->common + C_Q_DESC + 4, q->desc >> 32);
    qtest_writel(s, d->common + C_Q_AVAIL, q->avail);
    qtest_writel(s, d->common + C_Q_AVAIL + 4, q->avail >> 32);
    qtest_writel(s, d->common + C_Q_USED, q->used);
    qtest_writel(s, d->common + C_Q_USED + 4, q->used >> 32);
    qtest_writew(s, d->common + C_Q_MSIX, vector);
    if (d->use_msix) {
        g_assert_cmphex(qtest_readw(s, d->common + C_Q_MSIX), ==, vector);
    }
    g_assert_cmpuint(qtest_readw(s, d->common + C_Q_NOFF), ==, index);
    qtest_writew(s, d->common + C_Q_ENABLE, 1);
    g_assert_cmpuint(qtest_readw(s, d->common + C_Q_ENABLE), ==, 1);
}

void qvring_desc_write(QTestState *qts, uint64_t table, unsigned i,
                       uint64_t addr, uint32_t len, uint16_t flags,
                       uint16_t next)
{
    uint64_t at = table + 16ull * i;

    qtest_writeq(qts, at, addr);
    qtest_writel(qts, at + 8, len);
    qtest_writew(qts, at + 12, flags);
    qtest_writew(qts, at + 14, next);
}

unsigned qvirtqueue_desc_alloc(QVirtQueue *q)
{
    unsigned i = q->next_desc;

    q->next_desc = (q->next_desc + 1) % q->size;
    return i;
}

void qvirtqueue_make_available(QVirtQueue *q, uint16_t head)
{
    QTestState *s = q->d->qts;

    qtest_writew(s, q->avail + 4 + 2ull * (q->avail_idx % q->size), head);
    q->avail_idx++;
    qtest_writew(s, q->avail + 2, q->avail_idx);
}

void qvirtqueue_kick(QVirtQueue *q)
{
    QVirtioDev *d = q->d;

    if (d->modern) {
        qtest_writew(d->qts, d->notify + (uint64_t)d->notify_mult * q->index,
                     q->index);
    } else {
        qtest_outw(d->qts, d->io + L_QUEUE_NOTIFY, q->index);
    }
}

uint16_t qvirtqueue_used_idx(QVirtQueue *q)
{
    return qtest_readw(q->d->qts, q->used + 2);
}

bool qvirtqueue_wait_used(QVirtQueue *q, uint32_t *id, uint32_t *len)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    uint64_t elem;

    while (qvirtqueue_used_idx(q) == q->last_used) {
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_usleep(200);
    }
    elem = q->used + 4 + 8ull * (q->last_used % q->size);
    if (id) {
        *id = qtest_readl(q->d->qts, elem);
    }
    if (len) {
        *len = qtest_readl(q->d->qts, elem + 4);
    }
    q->last_used++;
    return true;
}

bool qvirtio_wait_msix(QVirtioDev *d, unsigned v, unsigned ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
    uint64_t addr = qvirtio_msix_addr(v);

    for (;;) {
        if (qtest_readl(d->qts, addr) == 0x4000 + v) {
            qtest_writel(d->qts, addr, 0);
            return true;
        }
        if (g_get_monotonic_time() > deadline) {
            return false;
        }
        g_usleep(200);
    }
}
