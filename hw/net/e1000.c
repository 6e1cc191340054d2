/*
 * Intel 8254x gigabit Ethernet controllers (82540EM, 82544GC, 82545EM),
 * after the "PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual" (8254x SDM). One register core; a variant is data:
 * its PCI device ID and the PHY identifier the driver expects.
 *
 * The guest sees BAR0 (128 KiB of registers), BAR1 (IOADDR/IODATA, SDM
 * 13.2), a 64-word Microwire EEPROM behind EECD/EERD and an M88 PHY behind
 * MDIC. Transmit takes legacy, context and data descriptors with IP and
 * TCP/UDP checksum insertion and TCP segmentation (SDM 3.3, 3.5, 3.6);
 * receive filters (RAL/RAH, MTA, VFTA), strips VLAN tags, writes legacy
 * receive descriptors and appends the CRC the driver strips (SDM 3.2).
 * Left out: flow control, wake-up, the management engine, receive checksum
 * offload (frames are reported IXSM), the TIDV/TADV transmit delays
 * (transmit interrupts are immediate, throttled by ITR) and PHY loopback
 * timing.
 */
#include <string.h>

#include "hw/net/e1000-regs.h"
#include "hw/net/netdev-prop.h"
#include "hw/pci/pci.h"
#include "net/net.h"
#include "system/dma.h"
#include "system/timer.h"
#include "util/byteorder.h"
#include "util/error.h"
#include "util/log.h"

#define E1000_TX_BUF_SIZE 0x10100 /* 64 KiB of payload plus headers */
/* Descriptors one pass of the transmit engine takes before yielding. */
#define E1000_TX_BATCH 256

/* ---- State ------------------------------------------------------------- */

typedef struct E1000Variant {
    const char *name;
    const char *description;
    uint16_t device_id;
    uint16_t phy_id2; /* the M88 part the driver looks for */
} E1000Variant;

typedef struct E1000Class {
    PCIDeviceClass parent_class;
    const E1000Variant *variant;
} E1000Class;

typedef struct E1000State E1000State;

typedef struct E1000Client {
    NetClientState nc;
    E1000State *s;
} E1000Client;

/* The transmit context the last context descriptor set (SDM 3.3.6). */
typedef struct E1000TxContext {
    uint8_t ipcss, ipcso, tucss, tucso;
    uint16_t ipcse, tucse;
    uint32_t paylen;
    uint8_t tucmd, hdrlen;
    uint16_t mss;
} E1000TxContext;

struct E1000State {
    PCIDevice parent_obj;
    /* Properties. */
    NetClientState *netdev;
    MACAddr mac_prop;

    MemoryRegion mmio, io;
    E1000Client *nic;
    const E1000Variant *variant;
    uint8_t mac[6];

    uint32_t reg[E1000_NREGS];
    uint16_t phy[E1000_PHY_REGS];
    uint16_t eeprom[E1000_EEPROM_WORDS];
    uint32_t ioaddr;

    /* The Microwire EEPROM's serial state machine. */
    struct {
        uint32_t val_in;
        uint32_t bitnum_in;
        int32_t bitnum_out; /* -1: the dummy zero before the data */
        uint32_t addr;
        bool reading;
        bool old_sk;
        bool do_bit;
    } eecd_state;

    /* Transmit: the packet being gathered from descriptors. */
    E1000TxContext ctx;
    uint8_t tx_popts;
    bool tx_tse;   /* the packet being gathered uses TCP segmentation */
    bool tx_error; /* it outgrew the buffer: drop it at EOP */
    bool tx_vle;
    uint16_t tx_vlan;
    uint32_t tx_size;
    uint8_t tx_buf[E1000_TX_BUF_SIZE];
    uint8_t tx_seg[E1000_TX_BUF_SIZE];
    bool tx_waiting; /* a frame waits at the backend */
    Timer *tx_timer; /* resumes a bounded transmit pass */

    Timer *mit_timer;  /* ITR: the line may rise again at mit_until */
    int64_t mit_until; /* virtual ns */
    Timer *rdtr_timer, *radv_timer;

    bool dma_busy; /* reentrancy guard: DMA reaching our own registers */
};

#define E1000(obj) ((E1000State *)(obj))

static unsigned e1000_nic_count;
static unsigned e1000_default_macs;

static bool e1000_link_up(E1000State *s)
{
    return s->reg[E1000_STATUS >> 2] & E1000_STATUS_LU;
}

/* ---- Interrupts (SDM 13.4.17-13.4.21) ---------------------------------- */

static void e1000_update_irq(E1000State *s)
{
    PCIDevice *dev = &s->parent_obj;
    uint32_t pending = s->reg[E1000_ICR >> 2] & s->reg[E1000_IMS >> 2];
    uint32_t itr = s->reg[E1000_ITR >> 2] & 0xffff;
    int64_t now;

    if (!pending) {
        pci_set_irq(dev, 0);
        return;
    }
    if (dev->irq_level) {
        return;
    }
    now = vm_clock_get_ns(VM_CLOCK_VIRTUAL);
    if (itr && now < s->mit_until) {
        /* Throttled: the timer raises the line when the interval ends. */
        if (!timer_pending(s->mit_timer)) {
            timer_mod_ns(s->mit_timer, s->mit_until);
        }
        return;
    }
    if (itr) {
        s->mit_until = now + (int64_t)itr * 256;
    }
    pci_set_irq(dev, 1);
}

static void e1000_set_ics(E1000State *s, uint32_t cause)
{
    s->reg[E1000_ICR >> 2] |= cause & E1000_ICR_MASK;
    e1000_update_irq(s);
}

static void e1000_mit_timer(void *opaque)
{
    E1000State *s = opaque;

    s->mit_until = 0;
    e1000_update_irq(s);
}

static void e1000_rx_delay_timer(void *opaque)
{
    E1000State *s = opaque;

    timer_del(s->rdtr_timer);
    timer_del(s->radv_timer);
    e1000_set_ics(s, E1000_ICR_RXT0);
}

/* A frame landed: RXT0 now, or when RDTR/RADV say (SDM 3.2.7). */
static void e1000_rx_interrupt(E1000State *s)
{
    uint32_t rdtr = s->reg[E1000_RDTR >> 2] & 0xffff;
    uint32_t radv = s->reg[E1000_RADV >> 2] & 0xffff;
    int64_t now = vm_clock_get_ns(VM_CLOCK_VIRTUAL);

    if (!rdtr) {
        e1000_set_ics(s, E1000_ICR_RXT0);
        return;
    }
    timer_mod_ns(s->rdtr_timer, now + (int64_t)rdtr * 1024);
    if (radv && !timer_pending(s->radv_timer)) {
        timer_mod_ns(s->radv_timer, now + (int64_t)radv * 1024);
    }
}

/* ---- Link and PHY ------------------------------------------------------ */

static void e1000_link_set(E1000State *s, bool up)
{
    uint32_t *status = &s->reg[E1000_STATUS >> 2];

    if (up) {
        *status |= E1000_STATUS_LU;
        s->phy[PHY_STATUS] |= MII_SR_LINK_STATUS | MII_SR_AUTONEG_COMPLETE;
        s->phy[PHY_LP_ABILITY] = 0x45e0;
        s->phy[M88E1000_PHY_SPEC_STATUS] |= 1u << 10; /* real-time link */
    } else {
        *status &= ~E1000_STATUS_LU;
        s->phy[PHY_STATUS] &= ~(MII_SR_LINK_STATUS | MII_SR_AUTONEG_COMPLETE);
        s->phy[PHY_LP_ABILITY] = 0;
        s->phy[M88E1000_PHY_SPEC_STATUS] &= ~(1u << 10);
    }
}

static void e1000_phy_reset(E1000State *s)
{
    static const uint16_t init[E1000_PHY_REGS] = {
        [PHY_CTRL] = 0x1140,   /* autoneg enabled, full duplex, 1000 */
        [PHY_STATUS] = 0x794d, /* capabilities, extended status */
        [PHY_ID1] = 0x0141,    /* Marvell */
        [PHY_AUTONEG_ADV] = 0x0de1,
        [PHY_AUTONEG_EXP] = 0x0001,
        [PHY_1000T_CTRL] = 0x0e00,
        [PHY_1000T_STATUS] = 0x3c00,
        [PHY_EXT_STATUS] = 0x3000,
        [M88E1000_PHY_SPEC_CTRL] = 0x0360,
        [M88E1000_PHY_SPEC_STATUS] = 0xa000 | 0x2000 | 0x0800,
        [M88E1000_EXT_PHY_SPEC_CTRL] = 0x0d60,
    };

    memcpy(s->phy, init, sizeof(s->phy));
    s->phy[PHY_ID2] = s->variant->phy_id2;
    e1000_link_set(s, !s->nic->nc.link_down);
}

static void e1000_phy_write(E1000State *s, unsigned reg, uint16_t val)
{
    switch (reg) {
    case PHY_CTRL:
        if (val & MII_CR_RESET) {
            e1000_phy_reset(s);
            return;
        }
        /* Autonegotiation completes at once against QEMU's partner. */
        s->phy[PHY_CTRL] = val & ~(MII_CR_RESET | MII_CR_RESTART_AUTO_NEG);
        e1000_link_set(s, !s->nic->nc.link_down);
        break;
    case PHY_AUTONEG_ADV:
    case PHY_1000T_CTRL:
    case M88E1000_PHY_SPEC_CTRL:
    case M88E1000_EXT_PHY_SPEC_CTRL:
    case M88E1000_PHY_PAGE_SELECT:
    case M88E1000_PHY_GEN_CONTROL:
        s->phy[reg] = val;
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "e1000: write to read-only PHY register %#x\n", reg);
    }
}

static void e1000_mdic_write(E1000State *s, uint32_t val)
{
    unsigned reg = (val >> E1000_MDIC_REG_SHIFT) & 0x1f;
    unsigned phy = (val >> E1000_MDIC_PHY_SHIFT) & 0x1f;
    uint32_t op = val & (3u << 26);

    val &= ~(E1000_MDIC_READY | E1000_MDIC_ERROR);
    if (phy != E1000_PHY_ADDR) {
        val |= E1000_MDIC_ERROR; /* nothing answers at that address */
    } else if (op == E1000_MDIC_OP_READ) {
        val = (val & ~E1000_MDIC_DATA_MASK) | s->phy[reg];
    } else if (op == E1000_MDIC_OP_WRITE) {
        e1000_phy_write(s, reg, val & E1000_MDIC_DATA_MASK);
    } else {
        val |= E1000_MDIC_ERROR;
    }
    s->reg[E1000_MDIC >> 2] = val | E1000_MDIC_READY;
    if (val & E1000_MDIC_INT_EN) {
        e1000_set_ics(s, E1000_ICR_MDAC);
    }
}

/* ---- EEPROM ------------------------------------------------------------ */

static void e1000_eeprom_init(E1000State *s)
{
    uint16_t sum = 0;

    memset(s->eeprom, 0, sizeof(s->eeprom));
    for (int i = 0; i < 3; i++) {
        s->eeprom[i] = s->mac[2 * i] | s->mac[2 * i + 1] << 8;
    }
    /* Signature 01b in bits 15:14; full duplex, no power management. */
    s->eeprom[EEPROM_INIT_CONTROL1] = 0x4000;
    s->eeprom[EEPROM_SUBSYSTEM_ID] = PCI_SUBDEVICE_ID_QEMU;
    s->eeprom[EEPROM_SUBSYSTEM_VENDOR] = PCI_SUBVENDOR_ID_REDHAT_QUMRANET;
    s->eeprom[EEPROM_DEVICE_ID] = s->variant->device_id;
    s->eeprom[EEPROM_VENDOR_ID] = PCI_VENDOR_ID_INTEL;
    s->eeprom[EEPROM_INIT_CONTROL2] = 0x3000;
    for (int i = 0; i < EEPROM_CHECKSUM; i++) {
        sum += s->eeprom[i];
    }
    s->eeprom[EEPROM_CHECKSUM] = (uint16_t)(EEPROM_SUM - sum);
}

/* The guest bit-bangs the Microwire lines (SDM 5.3.1). */
static void e1000_eecd_write(E1000State *s, uint32_t val)
{
    bool cs = val & E1000_EECD_CS, sk = val & E1000_EECD_SK;
    bool rising = sk && !s->eecd_state.old_sk;

    s->reg[E1000_EECD >> 2] =
        val & (E1000_EECD_SK | E1000_EECD_CS | E1000_EECD_DI | E1000_EECD_FWE |
               E1000_EECD_REQ);
    if (!cs) {
        memset(&s->eecd_state, 0, sizeof(s->eecd_state));
        return;
    }
    s->eecd_state.old_sk = sk;
    if (!rising) {
        return;
    }
    if (s->eecd_state.reading) {
        unsigned pos = ++s->eecd_state.bitnum_out;
        uint16_t word = s->eeprom[(s->eecd_state.addr + pos / 16) &
                                  (E1000_EEPROM_WORDS - 1)];

        s->eecd_state.do_bit = (word >> (15 - pos % 16)) & 1;
        return;
    }
    if (!s->eecd_state.bitnum_in && !(val & E1000_EECD_DI)) {
        return; /* zeros before the start bit */
    }
    s->eecd_state.val_in =
        s->eecd_state.val_in << 1 | ((val & E1000_EECD_DI) ? 1 : 0);
    if (++s->eecd_state.bitnum_in == EEPROM_COMMAND_BITS) {
        if (s->eecd_state.val_in >> 6 == EEPROM_READ_COMMAND) {
            s->eecd_state.reading = true;
            s->eecd_state.addr = s->eecd_state.val_in & 0x3f;
            s->eecd_state.bitnum_out = -1;
            s->eecd_state.do_bit = false;
        } else {
            log_unimp_once("e1000: EEPROM command %#x (only READ)\n",
                           s->eecd_state.val_in >> 6);
        }
    }
}

static uint32_t e1000_eecd_read(E1000State *s)
{
    uint32_t v = s->reg[E1000_EECD >> 2] | E1000_EECD_PRES;

    if (v & E1000_EECD_REQ) {
        v |= E1000_EECD_GNT;
    }
    if (s->eecd_state.do_bit) {
        v |= E1000_EECD_DO;
    }
    return v;
}

static void e1000_eerd_write(E1000State *s, uint32_t val)
{
    unsigned addr = (val >> E1000_EERD_ADDR_SHIFT) & 0xff;

    if (!(val & E1000_EERD_START)) {
        s->reg[E1000_EERD >> 2] = val & ~E1000_EERD_DONE;
        return;
    }
    val &= 0xff00;
    if (addr < E1000_EEPROM_WORDS) {
        val |= (uint32_t)s->eeprom[addr] << E1000_EERD_DATA_SHIFT;
    }
    s->reg[E1000_EERD >> 2] = val | E1000_EERD_DONE;
}

/* ---- Statistics -------------------------------------------------------- */

static void e1000_stat_inc(E1000State *s, unsigned reg, uint32_t by)
{
    uint32_t *r = &s->reg[reg >> 2];

    *r = *r + by < *r ? UINT32_MAX : *r + by; /* they saturate */
}

static void e1000_stat_add64(E1000State *s, unsigned low, uint64_t by)
{
    uint64_t v = s->reg[low >> 2] | (uint64_t)s->reg[(low >> 2) + 1] << 32;

    v += by;
    s->reg[low >> 2] = (uint32_t)v;
    s->reg[(low >> 2) + 1] = (uint32_t)(v >> 32);
}

static void e1000_stat_size(E1000State *s, unsigned base64, size_t len)
{
    static const size_t limits[] = {64, 127, 255, 511, 1023};
    unsigned i = 0;

    while (i < G_N_ELEMENTS(limits) && len > limits[i]) {
        i++;
    }
    e1000_stat_inc(s, base64 + 4 * i, 1);
}

/* ---- Transmit (SDM 3.3) ------------------------------------------------ */

static uint32_t e1000_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t e1000_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static uint16_t get_be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

/*
 * Inserts the ones' complement sum of [start, end] (end 0: the frame's
 * end) at offset, plus extra (TSO's pseudo-header length). Offsets the
 * guest set wrong are skipped, not trusted.
 */
static void e1000_csum_insert(uint8_t *buf, size_t len, unsigned offset,
                              unsigned start, unsigned end, uint32_t extra,
                              bool udp)
{
    uint16_t csum;

    if (!end || end >= len) {
        end = len - 1;
    }
    if (start > end || offset + 2 > len) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "e1000: checksum range %u-%u at %u outside a frame "
                        "of %zu bytes\n",
                        start, end, offset, len);
        return;
    }
    csum = e1000_csum_fold(e1000_csum_add(extra, buf + start, end - start + 1));
    if (udp && !csum) {
        csum = 0xffff;
    }
    put_be16(buf + offset, csum);
}

static void e1000_tx_complete(NetClientState *nc, ssize_t len);

/* Puts a finished frame on the wire, or back into receive (loopback). */
static ssize_t e1000_receive_frame(E1000State *s, const uint8_t *buf,
                                   size_t size);

static void e1000_tx_frame_send(E1000State *s, uint8_t *buf, size_t len)
{
    uint8_t *frame = buf;
    uint32_t lbm = (s->reg[E1000_RCTL >> 2] >> E1000_RCTL_LBM_SHIFT) & 3;

    if (s->tx_vle && (s->reg[E1000_CTRL >> 2] & E1000_CTRL_VME) && len >= 12 &&
        len + 4 <= E1000_TX_BUF_SIZE) {
        memmove(buf + 16, buf + 12, len - 12);
        put_be16(buf + 12, s->reg[E1000_VET >> 2] & 0xffff);
        put_be16(buf + 14, s->tx_vlan);
        len += 4;
    }
    e1000_stat_inc(s, E1000_TPT, 1);
    e1000_stat_inc(s, E1000_GPTC, 1);
    e1000_stat_add64(s, E1000_GOTCL, len + 4);
    e1000_stat_add64(s, E1000_TOTL, len + 4);
    e1000_stat_size(s, E1000_PTC64, len + 4);
    if (len >= 6 && !memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6)) {
        e1000_stat_inc(s, E1000_BPTC, 1);
    } else if (len >= 6 && (frame[0] & 1)) {
        e1000_stat_inc(s, E1000_MPTC, 1);
    }
    if (lbm == E1000_RCTL_LBM_MAC || (s->phy[PHY_CTRL] & MII_CR_LOOPBACK)) {
        e1000_receive_frame(s, frame, len);
        return;
    }
    if (net_send_packet_async(&s->nic->nc, frame, len, e1000_tx_complete) ==
        0) {
        s->tx_waiting = true;
    }
}

/* TCP segmentation of the gathered packet (SDM 3.6.3). */
static void e1000_tx_tso(E1000State *s)
{
    E1000TxContext *c = &s->ctx;
    unsigned hdr = c->hdrlen, mss = c->mss;
    bool tcp = c->tucmd & E1000_TXD_TUCMD_TCP;
    bool ipv4 = c->tucmd & E1000_TXD_TUCMD_IP;
    size_t payload, off = 0;
    uint16_t ip_id;
    uint32_t seq;

    if (hdr > s->tx_size || !mss || hdr + mss > E1000_TX_BUF_SIZE ||
        c->ipcss + 20 > hdr || c->tucss + (tcp ? 20 : 8) > hdr) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "e1000: TSO header %u / MSS %u does not fit a packet "
                        "of %u bytes\n",
                        hdr, mss, s->tx_size);
        return;
    }
    payload = s->tx_size - hdr;
    ip_id = get_be16(s->tx_buf + c->ipcss + 4);
    seq = (uint32_t)get_be16(s->tx_buf + c->tucss + 4) << 16 |
          get_be16(s->tx_buf + c->tucss + 6);
    do {
        size_t chunk = MIN(payload - off, (size_t)mss);
        size_t len = hdr + chunk;
        bool last = off + chunk >= payload;
        uint8_t *f = s->tx_seg;

        memcpy(f, s->tx_buf, hdr);
        memcpy(f + hdr, s->tx_buf + hdr + off, chunk);
        if (ipv4) {
            put_be16(f + c->ipcss + 2, len - c->ipcss);
            put_be16(f + c->ipcss + 4, ip_id++);
        } else {
            put_be16(f + c->ipcss + 4, len - c->ipcss - 40);
        }
        if (tcp) {
            uint32_t sq = seq + off;

            put_be16(f + c->tucss + 4, sq >> 16);
            put_be16(f + c->tucss + 6, sq);
            if (!last) {
                f[c->tucss + 13] &= ~(0x01 | 0x08); /* FIN, PSH */
            }
        } else {
            put_be16(f + c->tucss + 4, len - c->tucss);
        }
        if (s->tx_popts & E1000_TXD_POPTS_IXSM) {
            put_be16(f + c->ipcso, 0);
            e1000_csum_insert(f, len, c->ipcso, c->ipcss, c->ipcse, 0, false);
        }
        if (s->tx_popts & E1000_TXD_POPTS_TXSM) {
            /* The driver seeds the pseudo-header without the length. */
            e1000_csum_insert(f, len, c->tucso, c->tucss, 0, len - c->tucss,
                              !tcp);
        }
        e1000_tx_frame_send(s, f, len);
        off += chunk;
    } while (off < payload);
    e1000_stat_inc(s, E1000_TSCTC, 1);
}

static void e1000_tx_packet_end(E1000State *s)
{
    E1000TxContext *c = &s->ctx;

    if (s->tx_error || !s->tx_size) {
        /* Dropped. */
    } else if (s->tx_tse) {
        e1000_tx_tso(s);
    } else {
        if (s->tx_popts & E1000_TXD_POPTS_IXSM) {
            e1000_csum_insert(s->tx_buf, s->tx_size, c->ipcso, c->ipcss,
                              c->ipcse, 0, false);
        }
        if (s->tx_popts & E1000_TXD_POPTS_TXSM) {
            e1000_csum_insert(s->tx_buf, s->tx_size, c->tucso, c->tucss,
                              c->tucse, 0, !(c->tucmd & E1000_TXD_TUCMD_TCP));
        }
        e1000_tx_frame_send(s, s->tx_buf, s->tx_size);
    }
    s->tx_size = 0;
    s->tx_error = false;
    s->tx_tse = false;
    s->tx_popts = 0;
    s->tx_vle = false;
}

static void e1000_tx_append(E1000State *s, uint64_t addr, uint32_t len)
{
    if (s->tx_error || !len) {
        return;
    }
    if (len > E1000_TX_BUF_SIZE - 4 - s->tx_size) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "e1000: transmit packet over %u bytes dropped\n",
                        E1000_TX_BUF_SIZE - 4);
        s->tx_error = true;
        return;
    }
    if (dma_memory_read(s->parent_obj.bus->dma_as, addr, s->tx_buf + s->tx_size,
                        len) != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "e1000: transmit buffer %#" PRIx64 "+%u unreadable\n",
                        addr, len);
        s->tx_error = true;
        return;
    }
    s->tx_size += len;
}

/* One descriptor; returns whether it asked for status (RS). */
static bool e1000_tx_descriptor_process(E1000State *s, const uint8_t *d)
{
    uint64_t addr = ldq_le_p(d);
    uint32_t lower = ldl_le_p(d + 8), upper = ldl_le_p(d + 12);
    uint8_t cmd = lower >> 24;
    unsigned dtyp = (lower >> 20) & 0xf;

    if (!(cmd & E1000_TXD_CMD_DEXT)) {
        /* Legacy (SDM 3.3.3): length 15:0, CSO 23:16; CSS in upper. */
        uint32_t len = lower & 0xffff;

        e1000_tx_append(s, addr, len);
        if (cmd & E1000_TXD_CMD_VLE) {
            s->tx_vle = true;
            s->tx_vlan = upper >> 16;
        }
        if (cmd & E1000_TXD_CMD_EOP) {
            if ((cmd & E1000_TXD_CMD_IC) && !s->tx_error && s->tx_size) {
                e1000_csum_insert(s->tx_buf, s->tx_size, (lower >> 16) & 0xff,
                                  (upper >> 8) & 0xff, 0, 0, false);
            }
            s->tx_popts = 0;
            s->tx_tse = false;
            e1000_tx_packet_end(s);
        }
        return cmd & E1000_TXD_CMD_RS;
    }
    if (dtyp == E1000_TXD_DTYP_CONTEXT) {
        E1000TxContext *c = &s->ctx;

        c->ipcss = addr;
        c->ipcso = addr >> 8;
        c->ipcse = addr >> 16;
        c->tucss = addr >> 32;
        c->tucso = addr >> 40;
        c->tucse = addr >> 48;
        c->paylen = lower & 0xfffff;
        c->tucmd = cmd;
        c->hdrlen = upper >> 8;
        c->mss = upper >> 16;
        return cmd & E1000_TXD_CMD_RS;
    }
    if (dtyp == E1000_TXD_DTYP_DATA) {
        if (!s->tx_size) {
            s->tx_popts = upper >> 8;
            s->tx_tse = (cmd & E1000_TXD_CMD_TSE) &&
                        (s->ctx.tucmd & E1000_TXD_TUCMD_TSE);
        }
        if (cmd & E1000_TXD_CMD_VLE) {
            s->tx_vle = true;
            s->tx_vlan = upper >> 16;
        }
        e1000_tx_append(s, addr, lower & 0xfffff);
        if (cmd & E1000_TXD_CMD_EOP) {
            e1000_tx_packet_end(s);
        }
        return cmd & E1000_TXD_CMD_RS;
    }
    log_mask_printf(LOG_GUEST_ERROR, "e1000: transmit descriptor type %u\n",
                    dtyp);
    return false;
}

/*
 * Runs the transmit ring from TDH towards TDT, at most E1000_TX_BATCH
 * descriptors before it yields to the main loop (tx_timer resumes it).
 */
static void e1000_tx_run(E1000State *s)
{
    AddressSpace *as = s->parent_obj.bus->dma_as;
    uint32_t *tdh = &s->reg[E1000_TDH >> 2];
    uint32_t tdt = s->reg[E1000_TDT >> 2];
    uint32_t n = s->reg[E1000_TDLEN >> 2] / 16;
    uint64_t base =
        (uint64_t)s->reg[E1000_TDBAH >> 2] << 32 | s->reg[E1000_TDBAL >> 2];
    uint32_t cause = 0;
    unsigned done = 0;

    if (s->tx_waiting || s->dma_busy ||
        !(s->reg[E1000_TCTL >> 2] & E1000_TCTL_EN) ||
        !(s->parent_obj.config[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
        return;
    }
    if (!n || *tdh >= n || tdt >= n) {
        if (*tdh != tdt) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "e1000: TDH %u / TDT %u outside a ring of %u\n",
                            *tdh, tdt, n);
        }
        return;
    }
    s->dma_busy = true;
    while (*tdh != tdt && !s->tx_waiting) {
        uint64_t addr = base + (uint64_t)*tdh * 16;
        uint8_t d[16];

        if (done++ == E1000_TX_BATCH) {
            timer_mod_ns(s->tx_timer, vm_clock_get_ns(VM_CLOCK_REALTIME));
            break;
        }
        if (dma_memory_read(as, addr, d, 16) != MEMTX_OK) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "e1000: transmit descriptor at %#" PRIx64
                            " unreadable\n",
                            addr);
            break;
        }
        if (e1000_tx_descriptor_process(s, d)) {
            d[12] |= E1000_TXD_STAT_DD;
            dma_memory_write(as, addr + 12, &d[12], 1);
        }
        cause |= E1000_ICR_TXDW;
        *tdh = (*tdh + 1) % n;
        tdt = s->reg[E1000_TDT >> 2] < n ? s->reg[E1000_TDT >> 2] : *tdh;
    }
    s->dma_busy = false;
    if (*tdh == tdt) {
        cause |= E1000_ICR_TXQE;
    }
    if (cause) {
        e1000_set_ics(s, cause);
    }
    /*
     * A backend that answers from inside our send (slirp's ARP and DHCP
     * replies) found us busy and queued its frame: take it now, since
     * the guest has no reason to move RDT before it sees it.
     */
    if (net_queue_length(&s->nic->nc)) {
        net_queue_flush(&s->nic->nc);
    }
}

static void e1000_tx_timer(void *opaque)
{
    e1000_tx_run(opaque);
}

static void e1000_tx_complete(NetClientState *nc, ssize_t len)
{
    E1000State *s = ((E1000Client *)nc)->s;

    s->tx_waiting = false;
    e1000_tx_run(s);
}

/* ---- Receive (SDM 3.2) ------------------------------------------------- */

static uint32_t e1000_rx_buffer_size(E1000State *s)
{
    uint32_t rctl = s->reg[E1000_RCTL >> 2];
    unsigned bsize = (rctl >> E1000_RCTL_BSIZE_SHIFT) & 3;

    if (rctl & E1000_RCTL_BSEX) {
        return bsize ? 32768u >> bsize : 2048; /* 00b is reserved */
    }
    return 2048u >> bsize;
}

static uint32_t e1000_rx_ring_size(E1000State *s)
{
    return s->reg[E1000_RDLEN >> 2] / 16;
}

/* Descriptors the hardware owns: RDH up to, not including, RDT. */
static uint32_t e1000_rx_available(E1000State *s)
{
    uint32_t n = e1000_rx_ring_size(s);
    uint32_t rdh = s->reg[E1000_RDH >> 2], rdt = s->reg[E1000_RDT >> 2];

    if (!n || rdh >= n || rdt >= n) {
        return 0;
    }
    return (rdt + n - rdh) % n;
}

static bool e1000_rx_ready(E1000State *s)
{
    return (s->reg[E1000_RCTL >> 2] & E1000_RCTL_EN) && e1000_link_up(s) &&
           (s->parent_obj.config[PCI_COMMAND] & PCI_COMMAND_MASTER);
}

static bool e1000_nic_can_receive(NetClientState *nc)
{
    E1000State *s = ((E1000Client *)nc)->s;

    return e1000_rx_ready(s) && e1000_rx_available(s) > 0;
}

/* SDM 13.5.1: the multicast offset RCTL.MO picks out of the address. */
static bool e1000_mta_match(E1000State *s, const uint8_t *dst)
{
    static const unsigned shift[4] = {4, 3, 2, 0};
    unsigned mo = (s->reg[E1000_RCTL >> 2] >> E1000_RCTL_MO_SHIFT) & 3;
    uint32_t hash =
        ((dst[4] >> shift[mo]) | (dst[5] << (8 - shift[mo]))) & 0xfff;

    return s->reg[(E1000_MTA >> 2) + (hash >> 5)] & (1u << (hash & 31));
}

static bool e1000_ra_match(E1000State *s, const uint8_t *dst)
{
    for (int i = 0; i < 16; i++) {
        uint32_t ral = s->reg[(E1000_RA >> 2) + 2 * i];
        uint32_t rah = s->reg[(E1000_RA >> 2) + 2 * i + 1];
        uint8_t a[6] = {ral, ral >> 8, ral >> 16, ral >> 24, rah, rah >> 8};

        if ((rah & E1000_RAH_AV) && !memcmp(a, dst, 6)) {
            return true;
        }
    }
    return false;
}

static bool e1000_rx_filter(E1000State *s, const uint8_t *buf, size_t size)
{
    uint32_t rctl = s->reg[E1000_RCTL >> 2];
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

    if (size < 14) {
        return false;
    }
    if ((s->reg[E1000_CTRL >> 2] & E1000_CTRL_VME) && size >= 18 &&
        get_be16(buf + 12) == (s->reg[E1000_VET >> 2] & 0xffff) &&
        (rctl & E1000_RCTL_VFE)) {
        unsigned vid = get_be16(buf + 14) & 0xfff;

        if (!(s->reg[(E1000_VFTA >> 2) + (vid >> 5)] & (1u << (vid & 31)))) {
            return false;
        }
    }
    if (!memcmp(buf, bcast, 6)) {
        return (rctl & E1000_RCTL_BAM) || e1000_ra_match(s, buf);
    }
    if (buf[0] & 1) {
        return (rctl & E1000_RCTL_MPE) || e1000_mta_match(s, buf);
    }
    return (rctl & E1000_RCTL_UPE) || e1000_ra_match(s, buf);
}

/* IEEE 802.3 CRC-32 (reflected, polynomial 0xedb88320). */
static uint32_t e1000_crc32(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xffffffff;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
        }
    }
    return ~crc;
}

static ssize_t e1000_receive_frame(E1000State *s, const uint8_t *buf,
                                   size_t size)
{
    AddressSpace *as = s->parent_obj.bus->dma_as;
    uint32_t rctl = s->reg[E1000_RCTL >> 2];
    uint32_t n = e1000_rx_ring_size(s), bufsize = e1000_rx_buffer_size(s);
    uint64_t base =
        (uint64_t)s->reg[E1000_RDBAH >> 2] << 32 | s->reg[E1000_RDBAL >> 2];
    uint8_t frame[E1000_MAX_LONG_FRAME + 4];
    uint16_t special = 0;
    uint8_t status = E1000_RXD_STAT_IXSM;
    size_t len, done = 0, need;
    uint32_t *rdh = &s->reg[E1000_RDH >> 2];
    uint32_t avail, thresh;
    bool crc = !(rctl & E1000_RCTL_SECRC);
    bool was_busy = s->dma_busy; /* loopback: inside the transmit engine */

    if (!e1000_rx_ready(s)) {
        return size; /* a loopback frame with receive off */
    }
    if (size > E1000_MAX_LONG_FRAME ||
        (size > E1000_MAX_FRAME_VLAN && !(rctl & E1000_RCTL_LPE))) {
        e1000_stat_inc(s, E1000_ROC, 1);
        return size; /* SDM 3.2.4: long frames without LPE are dropped */
    }
    if (!e1000_rx_filter(s, buf, size)) {
        return size;
    }
    memcpy(frame, buf, size);
    len = size;
    if ((s->reg[E1000_CTRL >> 2] & E1000_CTRL_VME) && len >= 18 &&
        get_be16(frame + 12) == (s->reg[E1000_VET >> 2] & 0xffff)) {
        special = get_be16(frame + 14);
        memmove(frame + 12, frame + 16, len - 16);
        len -= 4;
        status |= E1000_RXD_STAT_VP;
    }
    if (len < E1000_MIN_FRAME) {
        memset(frame + len, 0, E1000_MIN_FRAME - len);
        len = E1000_MIN_FRAME;
    }
    if (crc) {
        uint32_t fcs = e1000_crc32(frame, len);

        memcpy(frame + len, (uint8_t[4]){fcs, fcs >> 8, fcs >> 16, fcs >> 24},
               4);
        len += 4;
    }
    need = (len + bufsize - 1) / bufsize;
    avail = e1000_rx_available(s);
    if (n && need >= n) {
        /* It can never fit this ring: waiting would stall receive. */
        e1000_stat_inc(s, E1000_ROC, 1);
        e1000_set_ics(s, E1000_ICR_RXO);
        return size;
    }
    if (avail < need) {
        e1000_stat_inc(s, E1000_RNBC, 1);
        if (was_busy) {
            e1000_set_ics(s, E1000_ICR_RXO);
            return size; /* loopback cannot wait for the guest */
        }
        return 0; /* stays queued until RDT moves */
    }
    s->dma_busy = true;
    while (done < len) {
        uint64_t daddr = base + (uint64_t)*rdh * 16;
        uint8_t d[16];
        uint64_t baddr;
        size_t chunk = MIN(len - done, (size_t)bufsize);

        if (dma_memory_read(as, daddr, d, 16) != MEMTX_OK) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "e1000: receive descriptor at %#" PRIx64
                            " unreadable\n",
                            daddr);
            break;
        }
        baddr = ldq_le_p(d);
        if (baddr) {
            /* A descriptor with no buffer is skipped, as the SDM allows. */
            dma_memory_write(as, baddr, frame + done, chunk);
            done += chunk;
        }
        stw_le_p(d + 8, baddr ? chunk : 0);
        stw_le_p(d + 10, 0);
        d[12] =
            status | E1000_RXD_STAT_DD | (done >= len ? E1000_RXD_STAT_EOP : 0);
        d[13] = 0;
        stw_le_p(d + 14, special);
        dma_memory_write(as, daddr + 8, d + 8, 8);
        *rdh = (*rdh + 1) % n;
        if (*rdh == s->reg[E1000_RDT >> 2]) {
            break; /* the ring ran out under us (skipped descriptors) */
        }
    }
    s->dma_busy = was_busy;
    e1000_stat_inc(s, E1000_TPR, 1);
    e1000_stat_inc(s, E1000_GPRC, 1);
    e1000_stat_add64(s, E1000_GORCL, len);
    e1000_stat_add64(s, E1000_TORL, len);
    e1000_stat_size(s, E1000_PRC64, len);
    if (!memcmp(buf, "\xff\xff\xff\xff\xff\xff", 6)) {
        e1000_stat_inc(s, E1000_BPRC, 1);
    } else if (buf[0] & 1) {
        e1000_stat_inc(s, E1000_MPRC, 1);
    }
    avail = e1000_rx_available(s);
    thresh = n >> (1 + ((rctl >> E1000_RCTL_RDMTS_SHIFT) & 3));
    if (avail <= thresh) {
        e1000_set_ics(s, E1000_ICR_RXDMT0);
    }
    e1000_rx_interrupt(s);
    return size;
}

static ssize_t e1000_nic_receive(NetClientState *nc, const uint8_t *buf,
                                 size_t size)
{
    E1000State *s = ((E1000Client *)nc)->s;

    if (!e1000_nic_can_receive(nc) || s->dma_busy) {
        return 0;
    }
    return e1000_receive_frame(s, buf, size);
}

static void e1000_nic_link_status_changed(NetClientState *nc)
{
    E1000State *s = ((E1000Client *)nc)->s;

    e1000_link_set(s, !nc->link_down);
    e1000_set_ics(s, E1000_ICR_LSC);
    if (!nc->link_down) {
        net_queue_flush(nc);
    }
}

static const NetClientInfo e1000_nic_info = {
    .kind = NET_CLIENT_NIC,
    .type = "nic",
    .size = sizeof(E1000Client),
    .receive = e1000_nic_receive,
    .can_receive = e1000_nic_can_receive,
    .link_status_changed = e1000_nic_link_status_changed,
};

/* ---- Register access --------------------------------------------------- */

static void e1000_regs_reset(E1000State *s);

typedef uint32_t E1000RegRead(E1000State *s, unsigned index);
typedef void E1000RegWrite(E1000State *s, unsigned index, uint32_t val);

static uint32_t e1000_reg_read(E1000State *s, unsigned index)
{
    return s->reg[index];
}

static uint32_t e1000_reg_read_clear(E1000State *s, unsigned index)
{
    uint32_t v = s->reg[index];

    s->reg[index] = 0;
    return v;
}

static uint32_t e1000_reg_read_zero(E1000State *s, unsigned index)
{
    return 0; /* write-only */
}

static uint32_t e1000_icr_read(E1000State *s, unsigned index)
{
    uint32_t v = s->reg[index];

    s->reg[index] = 0;
    e1000_update_irq(s);
    return v;
}

static uint32_t e1000_eecd_reg_read(E1000State *s, unsigned index)
{
    return e1000_eecd_read(s);
}

static void e1000_reg_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val;
}

static void e1000_reg_write16(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val & 0xffff;
}

static void e1000_reg_write_ro(E1000State *s, unsigned index, uint32_t val)
{
    log_mask_printf(LOG_GUEST_ERROR, "e1000: write to read-only register %#x\n",
                    index << 2);
}

static void e1000_ctrl_write(E1000State *s, unsigned index, uint32_t val)
{
    if (val & E1000_CTRL_RST) {
        e1000_regs_reset(s);
        return;
    }
    s->reg[index] = val & ~E1000_CTRL_RST;
    if (val & E1000_CTRL_PHY_RST) {
        e1000_phy_reset(s);
    }
}

static void e1000_eecd_reg_write(E1000State *s, unsigned index, uint32_t val)
{
    e1000_eecd_write(s, val);
}

static void e1000_eerd_reg_write(E1000State *s, unsigned index, uint32_t val)
{
    e1000_eerd_write(s, val);
}

static void e1000_mdic_reg_write(E1000State *s, unsigned index, uint32_t val)
{
    e1000_mdic_write(s, val);
}

static void e1000_icr_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[E1000_ICR >> 2] &= ~val;
    e1000_update_irq(s);
}

static void e1000_ics_write(E1000State *s, unsigned index, uint32_t val)
{
    e1000_set_ics(s, val);
}

static void e1000_ims_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[E1000_IMS >> 2] |= val & E1000_ICR_MASK;
    e1000_update_irq(s);
}

static void e1000_imc_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[E1000_IMS >> 2] &= ~val;
    e1000_update_irq(s);
}

static void e1000_rctl_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val;
    net_queue_flush(&s->nic->nc);
}

static void e1000_tctl_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val;
    e1000_tx_run(s);
}

static void e1000_ring_base_low_write(E1000State *s, unsigned index,
                                      uint32_t val)
{
    s->reg[index] = val & ~0xfu; /* 16-byte aligned (SDM 13.4.27) */
}

static void e1000_ring_len_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val & 0xfff80; /* 128-byte multiples */
}

static void e1000_rdt_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val & 0xffff;
    net_queue_flush(&s->nic->nc);
}

static void e1000_tdt_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val & 0xffff;
    e1000_tx_run(s);
}

static void e1000_rdtr_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val & 0xffff;
    if (val & E1000_RDTR_FPD) {
        /* Flush partial descriptor block: the pending RXT0 now. */
        if (timer_pending(s->rdtr_timer) || timer_pending(s->radv_timer)) {
            e1000_rx_delay_timer(s);
        }
    }
}

static void e1000_itr_write(E1000State *s, unsigned index, uint32_t val)
{
    s->reg[index] = val & 0xffff;
    if (!s->reg[index]) {
        timer_del(s->mit_timer);
        s->mit_until = 0;
        e1000_update_irq(s);
    }
}

typedef struct E1000RegOps {
    E1000RegRead *read;
    E1000RegWrite *write;
} E1000RegOps;

#define R_PLAIN                                                                \
    {                                                                          \
        e1000_reg_read, e1000_reg_write                                        \
    }
#define R_STAT                                                                 \
    {                                                                          \
        e1000_reg_read_clear, e1000_reg_write_ro                               \
    }
#define R_RANGE(first, count) [(first) >> 2 ...((first) >> 2) + (count)-1]

/* What each register does on access; registers left out are unimplemented. */
static const E1000RegOps e1000_regs[E1000_NREGS] = {
    [E1000_CTRL >> 2] = {e1000_reg_read, e1000_ctrl_write},
    [E1000_STATUS >> 2] = {e1000_reg_read, e1000_reg_write_ro},
    [E1000_EECD >> 2] = {e1000_eecd_reg_read, e1000_eecd_reg_write},
    [E1000_EERD >> 2] = {e1000_reg_read, e1000_eerd_reg_write},
    [E1000_CTRL_EXT >> 2] = R_PLAIN,
    [E1000_FLA >> 2] = R_PLAIN,
    [E1000_MDIC >> 2] = {e1000_reg_read, e1000_mdic_reg_write},
    [E1000_FCAL >> 2] = R_PLAIN,
    [E1000_FCAH >> 2] = R_PLAIN,
    [E1000_FCT >> 2] = R_PLAIN,
    [E1000_VET >> 2] = {e1000_reg_read, e1000_reg_write16},
    [E1000_ICR >> 2] = {e1000_icr_read, e1000_icr_write},
    [E1000_ITR >> 2] = {e1000_reg_read, e1000_itr_write},
    [E1000_ICS >> 2] = {e1000_reg_read_zero, e1000_ics_write},
    [E1000_IMS >> 2] = {e1000_reg_read, e1000_ims_write},
    [E1000_IMC >> 2] = {e1000_reg_read_zero, e1000_imc_write},
    [E1000_RCTL >> 2] = {e1000_reg_read, e1000_rctl_write},
    [E1000_FCTTV >> 2] = R_PLAIN,
    [E1000_TXCW >> 2] = R_PLAIN,
    [E1000_RXCW >> 2] = R_PLAIN,
    [E1000_TCTL >> 2] = {e1000_reg_read, e1000_tctl_write},
    [E1000_TIPG >> 2] = R_PLAIN,
    [E1000_AIT >> 2] = R_PLAIN,
    [E1000_LEDCTL >> 2] = R_PLAIN,
    [E1000_PBA >> 2] = R_PLAIN,
    [E1000_FCRTL >> 2] = R_PLAIN,
    [E1000_FCRTH >> 2] = R_PLAIN,
    [E1000_RDBAL >> 2] = {e1000_reg_read, e1000_ring_base_low_write},
    [E1000_RDBAH >> 2] = R_PLAIN,
    [E1000_RDLEN >> 2] = {e1000_reg_read, e1000_ring_len_write},
    [E1000_RDH >> 2] = {e1000_reg_read, e1000_reg_write16},
    [E1000_RDT >> 2] = {e1000_reg_read, e1000_rdt_write},
    [E1000_RDTR >> 2] = {e1000_reg_read, e1000_rdtr_write},
    [E1000_RXDCTL >> 2] = R_PLAIN,
    [E1000_RADV >> 2] = {e1000_reg_read, e1000_reg_write16},
    [E1000_RSRPD >> 2] = R_PLAIN,
    [E1000_TXDMAC >> 2] = R_PLAIN,
    [E1000_TDBAL >> 2] = {e1000_reg_read, e1000_ring_base_low_write},
    [E1000_TDBAH >> 2] = R_PLAIN,
    [E1000_TDLEN >> 2] = {e1000_reg_read, e1000_ring_len_write},
    [E1000_TDH >> 2] = {e1000_reg_read, e1000_reg_write16},
    [E1000_TDT >> 2] = {e1000_reg_read, e1000_tdt_write},
    [E1000_TIDV >> 2] = {e1000_reg_read, e1000_reg_write16},
    [E1000_TXDCTL >> 2] = R_PLAIN,
    [E1000_TADV >> 2] = {e1000_reg_read, e1000_reg_write16},
    [E1000_TSPMT >> 2] = R_PLAIN,
    R_RANGE(E1000_CRCERRS, (E1000_STATS_END - E1000_CRCERRS) / 4) = R_STAT,
    [E1000_RXCSUM >> 2] = R_PLAIN,
    R_RANGE(E1000_MTA, 128) = R_PLAIN,
    R_RANGE(E1000_RA, 32) = R_PLAIN,
    R_RANGE(E1000_VFTA, 128) = R_PLAIN,
    [E1000_WUC >> 2] = R_PLAIN,
    [E1000_WUFC >> 2] = R_PLAIN,
    [E1000_WUS >> 2] = R_PLAIN,
    [E1000_MANC >> 2] = R_PLAIN,
};

static uint32_t e1000_register_read(E1000State *s, uint64_t addr)
{
    unsigned index = addr >> 2;

    if (index < E1000_NREGS && e1000_regs[index].read) {
        return e1000_regs[index].read(s, index);
    }
    log_unimp_once("e1000: read of unimplemented register %#" PRIx64 "\n",
                   addr);
    return 0;
}

static void e1000_register_write(E1000State *s, uint64_t addr, uint32_t val)
{
    unsigned index = addr >> 2;

    if (index < E1000_NREGS && e1000_regs[index].write) {
        e1000_regs[index].write(s, index, val);
        return;
    }
    log_unimp_once("e1000: write of unimplemented register %#" PRIx64 "\n",
                   addr);
}

/*
 * A descriptor or buffer address that points into our own BAR would have
 * the DMA engine run register handlers from inside itself; such accesses
 * are refused (QEMU's memory reentrancy guard, CVE-2021-3416).
 */
static bool e1000_reentered(E1000State *s)
{
    if (s->dma_busy) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "e1000: DMA into the device's own registers\n");
        return true;
    }
    return false;
}

static uint64_t e1000_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    E1000State *s = opaque;

    return e1000_reentered(s) ? 0 : e1000_register_read(s, addr & ~3ull);
}

static void e1000_mmio_write(void *opaque, uint64_t addr, uint64_t val,
                             unsigned size)
{
    E1000State *s = opaque;

    if (!e1000_reentered(s)) {
        e1000_register_write(s, addr & ~3ull, val);
    }
}

static const MemoryRegionOps e1000_mmio_ops = {
    .read = e1000_mmio_read,
    .write = e1000_mmio_write,
    .valid_min = 4,
    .valid_max = 4,
    .impl_min = 4,
    .impl_max = 4,
};

/* BAR1: IOADDR selects a register, IODATA reaches it (SDM 13.2.2). */
static uint64_t e1000_io_read(void *opaque, uint64_t addr, unsigned size)
{
    E1000State *s = opaque;

    if (e1000_reentered(s)) {
        return 0;
    }
    if (addr == E1000_IOADDR) {
        return s->ioaddr;
    }
    if (s->ioaddr >= E1000_MMIO_SIZE) {
        return 0;
    }
    return e1000_register_read(s, s->ioaddr & ~3u);
}

static void e1000_io_write(void *opaque, uint64_t addr, uint64_t val,
                           unsigned size)
{
    E1000State *s = opaque;

    if (e1000_reentered(s)) {
        return;
    }
    if (addr == E1000_IOADDR) {
        s->ioaddr = val & 0x7fffc;
    } else if (s->ioaddr < E1000_MMIO_SIZE) {
        e1000_register_write(s, s->ioaddr, val);
    }
}

static const MemoryRegionOps e1000_io_ops = {
    .read = e1000_io_read,
    .write = e1000_io_write,
    .valid_min = 4,
    .valid_max = 4,
    .impl_min = 4,
    .impl_max = 4,
};

/* ---- Reset and realize ------------------------------------------------- */

static void e1000_regs_reset(E1000State *s)
{
    timer_del(s->tx_timer);
    timer_del(s->mit_timer);
    timer_del(s->rdtr_timer);
    timer_del(s->radv_timer);
    s->mit_until = 0;
    net_queue_purge_sender(&s->nic->nc);
    s->tx_waiting = false;
    memset(s->reg, 0, sizeof(s->reg));
    memset(&s->eecd_state, 0, sizeof(s->eecd_state));
    memset(&s->ctx, 0, sizeof(s->ctx));
    s->tx_size = 0;
    s->tx_error = s->tx_tse = s->tx_vle = false;
    s->tx_popts = 0;
    s->reg[E1000_CTRL >> 2] = E1000_CTRL_FD | E1000_CTRL_SLU;
    s->reg[E1000_STATUS >> 2] =
        E1000_STATUS_FD | E1000_STATUS_SPEED_1000 | E1000_STATUS_ASDV_1000;
    s->reg[E1000_EECD >> 2] = 0;
    s->reg[E1000_VET >> 2] = ETH_P_VLAN;
    s->reg[E1000_PBA >> 2] = 0x00100030;
    s->reg[E1000_LEDCTL >> 2] = 0x07068302;
    s->reg[E1000_TIPG >> 2] = 0x00000008;
    s->reg[E1000_MDIC >> 2] = E1000_MDIC_READY;
    /* The hardware loads RAL0/RAH0 from the EEPROM at reset. */
    s->reg[E1000_RA >> 2] = s->mac[0] | s->mac[1] << 8 | s->mac[2] << 16 |
                            (uint32_t)s->mac[3] << 24;
    s->reg[(E1000_RA >> 2) + 1] = s->mac[4] | s->mac[5] << 8 | E1000_RAH_AV;
    e1000_phy_reset(s);
    pci_set_irq(&s->parent_obj, 0);
}

static void e1000_reset(PCIDevice *dev)
{
    e1000_regs_reset(E1000(dev));
}

/* Enabling bus mastering lets queued frames in and the ring run. */
static void e1000_config_write(PCIDevice *dev, uint32_t addr, uint32_t value,
                               unsigned len)
{
    E1000State *s = E1000(dev);
    bool was_master = dev->config[PCI_COMMAND] & PCI_COMMAND_MASTER;

    pci_default_config_write(dev, addr, value, len);
    if (!was_master && (dev->config[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
        net_queue_flush(&s->nic->nc);
        e1000_tx_run(s);
    }
}

static bool e1000_realize(PCIDevice *dev, GError **errp)
{
    E1000State *s = E1000(dev);
    const E1000Class *k = (const E1000Class *)PCI_DEVICE_GET_CLASS(dev);
    const char *name = dev->parent_obj.id;
    g_autofree char *auto_name = NULL;
    static const uint8_t zero[6];

    s->variant = k->variant;
    if (s->netdev && s->netdev->peer) {
        return error_setg(errp, "netdev '%s' is already in use",
                          s->netdev->name);
    }
    if (!memcmp(s->mac_prop.a, zero, 6)) {
        /* QEMU's default: 52:54:00:12:34:56, then 57, ... */
        static const uint8_t base[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

        memcpy(s->mac_prop.a, base, 6);
        s->mac_prop.a[5] += e1000_default_macs++;
    }
    memcpy(s->mac, s->mac_prop.a, 6);
    if (!name) {
        auto_name = g_strdup_printf("%s.%u", s->variant->name, e1000_nic_count);
        name = auto_name;
    }
    e1000_nic_count++;
    s->nic = (E1000Client *)net_client_new(&e1000_nic_info, s->netdev,
                                           s->variant->name, name);
    s->nic->s = s;
    if (s->netdev) {
        s->nic->nc.link_down = s->netdev->link_down;
    }
    snprintf(s->nic->nc.info_str, sizeof(s->nic->nc.info_str),
             "model=%s,macaddr=%02x:%02x:%02x:%02x:%02x:%02x", s->variant->name,
             s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
    s->tx_timer = timer_new_ns(VM_CLOCK_REALTIME, e1000_tx_timer, s);
    s->mit_timer = timer_new_ns(VM_CLOCK_VIRTUAL, e1000_mit_timer, s);
    s->rdtr_timer = timer_new_ns(VM_CLOCK_VIRTUAL, e1000_rx_delay_timer, s);
    s->radv_timer = timer_new_ns(VM_CLOCK_VIRTUAL, e1000_rx_delay_timer, s);

    e1000_eeprom_init(s);
    dev->config[PCI_INTERRUPT_PIN] = 1;
    memory_region_init_io(&s->mmio, "e1000-mmio", &e1000_mmio_ops, s,
                          E1000_MMIO_SIZE);
    pci_register_bar(dev, 0, 0, &s->mmio);
    memory_region_init_io(&s->io, "e1000-io", &e1000_io_ops, s, E1000_IO_SIZE);
    pci_register_bar(dev, 1, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    e1000_regs_reset(s);
    return true;
}

static void e1000_unrealize(DeviceState *d)
{
    E1000State *s = E1000(d);

    net_client_free(&s->nic->nc);
    s->nic = NULL;
    timer_free(s->tx_timer);
    timer_free(s->mit_timer);
    timer_free(s->rdtr_timer);
    timer_free(s->radv_timer);
}

/* ---- State ------------------------------------------------------------- */

static bool e1000_pre_save(void *opaque, GError **errp)
{
    E1000State *s = opaque;

    if (s->tx_waiting) {
        return error_setg(errp, "e1000: a transmitted frame waits for the "
                                "backend");
    }
    return true;
}

static bool e1000_post_load(void *opaque, int version_id, GError **errp)
{
    E1000State *s = opaque;

    if (s->tx_size > E1000_TX_BUF_SIZE - 4 ||
        s->eecd_state.addr >= E1000_EEPROM_WORDS) {
        return error_setg(errp, "e1000: transmit state of %u bytes invalid",
                          s->tx_size);
    }
    /* The link is the host's, not the stream's. */
    e1000_link_set(s, !s->nic->nc.link_down);
    s->mit_until = 0;
    e1000_update_irq(s);
    net_queue_flush(&s->nic->nc);
    return true;
}

static const VMStateDescription vmstate_e1000_tx_context = {
    .name = "e1000/tx-context",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(ipcss, E1000TxContext),
            VMSTATE_UINT8(ipcso, E1000TxContext),
            VMSTATE_UINT16(ipcse, E1000TxContext),
            VMSTATE_UINT8(tucss, E1000TxContext),
            VMSTATE_UINT8(tucso, E1000TxContext),
            VMSTATE_UINT16(tucse, E1000TxContext),
            VMSTATE_UINT32(paylen, E1000TxContext),
            VMSTATE_UINT8(tucmd, E1000TxContext),
            VMSTATE_UINT8(hdrlen, E1000TxContext),
            VMSTATE_UINT16(mss, E1000TxContext),
            VMSTATE_END_OF_LIST(),
        },
};

static const VMStateDescription vmstate_e1000 = {
    .name = "e1000",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = e1000_pre_save,
    .post_load = e1000_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_PCI_DEVICE(parent_obj, E1000State),
            VMSTATE_UINT8_ARRAY(mac, E1000State, 6),
            VMSTATE_UINT32_ARRAY(reg, E1000State, E1000_NREGS),
            VMSTATE_UINT16_ARRAY(phy, E1000State, E1000_PHY_REGS),
            VMSTATE_UINT16_ARRAY(eeprom, E1000State, E1000_EEPROM_WORDS),
            VMSTATE_UINT32(ioaddr, E1000State),
            VMSTATE_UINT32(eecd_state.val_in, E1000State),
            VMSTATE_UINT32(eecd_state.bitnum_in, E1000State),
            VMSTATE_INT32(eecd_state.bitnum_out, E1000State),
            VMSTATE_UINT32(eecd_state.addr, E1000State),
            VMSTATE_BOOL(eecd_state.reading, E1000State),
            VMSTATE_BOOL(eecd_state.old_sk, E1000State),
            VMSTATE_BOOL(eecd_state.do_bit, E1000State),
            VMSTATE_STRUCT(ctx, E1000State, vmstate_e1000_tx_context,
                           E1000TxContext),
            VMSTATE_UINT8(tx_popts, E1000State),
            VMSTATE_BOOL(tx_tse, E1000State),
            VMSTATE_BOOL(tx_error, E1000State),
            VMSTATE_BOOL(tx_vle, E1000State),
            VMSTATE_UINT16(tx_vlan, E1000State),
            VMSTATE_UINT32(tx_size, E1000State),
            VMSTATE_UINT8_ARRAY(tx_buf, E1000State, E1000_TX_BUF_SIZE),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property e1000_properties[] = {
    DEFINE_PROP_NETDEV("netdev", E1000State, netdev),
    DEFINE_PROP_MACADDR("mac", E1000State, mac_prop),
    DEFINE_PROP_END,
};

/* ---- Types ------------------------------------------------------------- */

static const E1000Variant e1000_variants[] = {
    {"e1000", "Intel Gigabit Ethernet", 0x100e, 0x0c20 /* M88E1011 */},
    {"e1000-82544gc", "Intel Gigabit Ethernet", 0x100c,
     0x0c30 /* M88E1000 (I) */},
    {"e1000-82545em", "Intel Gigabit Ethernet", 0x100f, 0x0c20 /* M88E1011 */},
};

static E1000Class e1000_classes[G_N_ELEMENTS(e1000_variants)];

static void e1000_register_types(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(e1000_variants); i++) {
        const E1000Variant *v = &e1000_variants[i];
        E1000Class *k = &e1000_classes[i];
        DeviceClass *dc = &k->parent_class.parent_class;

        dc->name = v->name;
        dc->description = v->description;
        dc->category = DEVICE_CATEGORY_NETWORK;
        dc->instance_size = sizeof(E1000State);
        dc->props = e1000_properties;
        dc->user_creatable = true;
        dc->vmsd = &vmstate_e1000;
        dc->unrealize = e1000_unrealize;
        k->parent_class.vendor_id = PCI_VENDOR_ID_INTEL;
        k->parent_class.device_id = v->device_id;
        k->parent_class.revision = 3;
        k->parent_class.class_id = PCI_CLASS_NETWORK_ETHERNET;
        k->parent_class.subsystem_vendor_id = PCI_SUBVENDOR_ID_REDHAT_QUMRANET;
        k->parent_class.subsystem_id = PCI_SUBDEVICE_ID_QEMU;
        k->parent_class.realize = e1000_realize;
        k->parent_class.reset = e1000_reset;
        k->parent_class.config_write = e1000_config_write;
        k->variant = v;
        pci_device_class_register(&k->parent_class);
    }
}
type_init(e1000_register_types)
