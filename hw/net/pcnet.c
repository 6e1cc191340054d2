/*
 * The AMD LANCE/PCnet Ethernet controller core, after the Am79C970A
 * PCnet-PCI II datasheet (AMD publication 19436): the register access
 * ports (RAP/RDP/BDP, word and double-word I/O), the CSRs and BCRs the
 * chip and Linux's pcnet32 use, the initialization block in its 16- and
 * 32-bit forms, the receive and transmit descriptor rings in software
 * styles 0 (LANCE), 2 and 3 (PCnet-PCI), internal and external loopback,
 * the logical address (multicast) filter, and the transmit poll timer.
 *
 * The bus glue (hw/net/pcnet-pci.c) maps the register window and carries
 * DMA and the interrupt line; this file knows no bus.
 *
 * Left out: the EEPROM interface (BCR19 is plain storage), SRAM, the
 * magic packet and sleep modes (their CSR5 bits are stored), collisions
 * and retries (nothing collides on a virtual wire), runt and receive pad
 * stripping (ASTRP_RCV), byte swapping (BSWP) and the ILACC style 1, which
 * is run as style 2. A small MII PHY answers BCR32-34 as on the later
 * PCnet parts, always with its link up and autonegotiation done.
 */
#include <string.h>

#include "pcnet.h"
#include "system/dma.h"
#include "util/byteorder.h"
#include "util/error.h"
#include "util/log.h"

/* ---- Registers (datasheet names) --------------------------------------- */

/* CSR0: controller status and control. */
#define CSR0_INIT 0x0001
#define CSR0_STRT 0x0002
#define CSR0_STOP 0x0004
#define CSR0_TDMD 0x0008
#define CSR0_TXON 0x0010
#define CSR0_RXON 0x0020
#define CSR0_IENA 0x0040 /* INEA */
#define CSR0_INTR 0x0080
#define CSR0_IDON 0x0100
#define CSR0_TINT 0x0200
#define CSR0_RINT 0x0400
#define CSR0_MERR 0x0800
#define CSR0_MISS 0x1000
#define CSR0_CERR 0x2000
#define CSR0_BABL 0x4000
#define CSR0_ERR 0x8000
#define CSR0_W1C 0x7f00
#define CSR0_INT_SOURCES                                                       \
    (CSR0_BABL | CSR0_MISS | CSR0_MERR | CSR0_RINT | CSR0_TINT | CSR0_IDON)

/* CSR3: interrupt masks and deferral control; the masks match CSR0. */
#define CSR3_DXSUFLO 0x0040

/* CSR4: test and features control; each status bit over its mask. */
#define CSR4_JAB 0x0002
#define CSR4_TXSTRT 0x0008
#define CSR4_RCVCCO 0x0020
#define CSR4_UINT 0x0040
#define CSR4_UINTCMD 0x0080
#define CSR4_MFCO 0x0200
#define CSR4_ASTRP_RCV 0x0400
#define CSR4_APAD_XMT 0x0800
#define CSR4_DPOLL 0x1000
#define CSR4_W1C (CSR4_MFCO | CSR4_UINT | CSR4_RCVCCO | CSR4_TXSTRT | CSR4_JAB)
#define CSR4_RESET 0x0115 /* MFCOM, RCVCCOM, TXSTRTM, JABM */

/* CSR5: extended control and interrupt; each status bit over its enable. */
#define CSR5_SPND 0x0001
#define CSR5_MPINT 0x0010
#define CSR5_EXDINT 0x0080
#define CSR5_SLPINT 0x0200
#define CSR5_SINT 0x0800
#define CSR5_LTINTEN 0x4000
#define CSR5_TOKINTD 0x8000
#define CSR5_W1C (CSR5_SINT | CSR5_SLPINT | CSR5_EXDINT | CSR5_MPINT)

/* CSR15: mode (the initialization block's MODE). */
#define CSR15_DRX 0x0001
#define CSR15_DTX 0x0002
#define CSR15_LOOP 0x0004
#define CSR15_DXMTFCS 0x0008
#define CSR15_INTL 0x0040
#define CSR15_DRCVPA 0x2000
#define CSR15_DRCVBC 0x4000
#define CSR15_PROM 0x8000

/* CSR numbers. */
#define CSR_IADR_LO 1
#define CSR_IADR_HI 2
#define CSR_RLEN_TLEN 6
#define CSR_LADRF0 8
#define CSR_PADR0 12
#define CSR_MODE 15
#define CSR_BADR_LO 24 /* receive ring base */
#define CSR_BADR_HI 25
#define CSR_NRDA_LO 26
#define CSR_NRDA_HI 27
#define CSR_CRDA_LO 28
#define CSR_CRDA_HI 29
#define CSR_BADX_LO 30 /* transmit ring base */
#define CSR_BADX_HI 31
#define CSR_NXDA_LO 32
#define CSR_NXDA_HI 33
#define CSR_CXDA_LO 34
#define CSR_CXDA_HI 35
#define CSR_POLLINT 47
#define CSR_SWS 58
#define CSR_RCVRC 72
#define CSR_XMTRC 74
#define CSR_RCVRL 76
#define CSR_XMTRL 78
#define CSR_CHIPID_LO 88
#define CSR_CHIPID_HI 89
#define CSR_MISSC 112
#define CSR_RCVCC 114

/* BCR numbers and bits. */
#define BCR_MSRDA 0
#define BCR_MSWRA 1
#define BCR_MC 2
#define BCR_MC_APROMWE 0x0100
#define BCR_LNKST 4 /* LED0 */
#define BCR_LED1 5
#define BCR_LED2 6
#define BCR_LED3 7
#define BCR_LED_LEDOUT 0x8000
#define BCR_LED_LNKSTE 0x0040
#define BCR_FDC 9
#define BCR_IOBASEL 16
#define BCR_IOBASEU 17
#define BCR_BSBC 18
#define BCR_BSBC_DWIO 0x0080
#define BCR_EECAS 19
#define BCR_SWS 20
#define BCR_SWS_SSIZE32 0x0100
#define BCR_SWS_CSRPCNET 0x0200
#define BCR_INTCON 21
#define BCR_PCILAT 22
#define BCR_MIICAS 32
#define BCR_MIICAS_MIIPD 0x4000
#define BCR_MIIADDR 33
#define BCR_MIIMDR 34

/* Descriptor bits, in the 32-bit RMD1/TMD1 upper half. */
#define DESC_OWN 0x8000
#define DESC_ERR 0x4000
#define RMD1_FRAM 0x2000
#define RMD1_OFLO 0x1000
#define RMD1_CRC 0x0800
#define RMD1_BUFF 0x0400
#define DESC_STP 0x0200
#define DESC_ENP 0x0100
#define RMD1_PAM 0x0040
#define RMD1_LAFM 0x0020
#define RMD1_BAM 0x0010
#define TMD1_ADD_FCS 0x2000
#define TMD1_LTINT 0x1000 /* MORE unless CSR5.LTINTEN */
#define TMD1_ONE 0x0800
#define TMD1_DEF 0x0400
/* TMD2 (32-bit layout; the 16-bit TMD3 is its upper half). */
#define TMD2_BUFF 0x80000000u
#define TMD2_UFLO 0x40000000u
#define TMD2_LCAR 0x08000000u
/* What the chip writes of TMD2: BUFF ... RTRY, TDR and TRC. */
#define TMD2_STATUS 0xffff000fu
#define RMD2_MCNT 0x00000fffu

/* The chip ID CSR88/89 report: part 0x2621 (Am79C970A), AMD's 0x003. */
#define PCNET_CHIP_ID 0x02621003u
/* Poll interval clock (CSR47 counts periods of the 33 MHz bus clock). */
#define PCNET_CLOCK_HZ 33000000ll
/* Descriptors one transmit pass takes before yielding. */
#define PCNET_TX_BATCH 512
/* The largest frame received: what MCNT (12 bits) counts with its FCS. */
#define PCNET_RX_MAX 4095
#define PCNET_MIN_FRAME 60
#define PCNET_PHY_ADDR 0

/* MII registers of the PHY behind BCR32-34. */
#define MII_BMCR 0
#define MII_BMCR_RESET 0x8000
#define MII_BMCR_ANRESTART 0x0200
#define MII_BMSR 1
#define MII_BMSR_LINK 0x0004
#define MII_BMSR_ANEGCOMPLETE 0x0020
#define MII_PHYID1 2
#define MII_PHYID2 3
#define MII_ANAR 4
#define MII_ANLPAR 5
#define MII_ANER 6

typedef struct PCNetDesc {
    uint32_t addr;   /* buffer address (24 bits in style 0) */
    uint16_t bcnt;   /* ONES and the two's complement byte count */
    uint16_t status; /* OWN, ERR, ... as in the 32-bit RMD1/TMD1 [31:16] */
    uint32_t misc;   /* RMD2 (MCNT) / TMD2 (errors), 32-bit layout */
} PCNetDesc;

typedef enum {
    PCNET_FCS_NONE,   /* a loopback frame that carries its own FCS */
    PCNET_FCS_APPEND, /* append the FCS the wire would carry */
} PCNetFcs;

static void pcnet_tx_run(PCNetState *s);
static ssize_t pcnet_receive_frame(PCNetState *s, const uint8_t *buf,
                                   size_t size, bool loopback, PCNetFcs fcs);

static bool pcnet_stopped(PCNetState *s)
{
    return s->csr[0] & CSR0_STOP;
}

static bool pcnet_suspended(PCNetState *s)
{
    return s->csr[5] & CSR5_SPND;
}

static unsigned pcnet_swstyle(PCNetState *s)
{
    return s->bcr[BCR_SWS] & 0xff;
}

static bool pcnet_ssize32(PCNetState *s)
{
    return s->bcr[BCR_SWS] & BCR_SWS_SSIZE32;
}

static bool pcnet_dwio(PCNetState *s)
{
    return s->bcr[BCR_BSBC] & BCR_BSBC_DWIO;
}

static bool pcnet_link_up(PCNetState *s)
{
    return !s->nic->nc.link_down;
}

/*
 * With SSIZE32 clear, structures carry 24-bit addresses; the upper byte
 * of every address is IADR[31:24] (CSR2 bits 15:8).
 */
static uint32_t pcnet_physaddr(PCNetState *s, uint32_t addr)
{
    if (pcnet_ssize32(s)) {
        return addr;
    }
    return (addr & 0xffffff) | (uint32_t)(s->csr[CSR_IADR_HI] & 0xff00) << 16;
}

/* CSR76/78 hold the two's complement of a length of 1 to 65535. */
static uint32_t pcnet_ring_len(PCNetState *s, unsigned csr)
{
    uint16_t v = s->csr[csr];

    return v ? 0x10000u - v : 0x10000u;
}

static uint32_t pcnet_rx_base(PCNetState *s)
{
    return s->csr[CSR_BADR_LO] | (uint32_t)s->csr[CSR_BADR_HI] << 16;
}

static uint32_t pcnet_tx_base(PCNetState *s)
{
    return s->csr[CSR_BADX_LO] | (uint32_t)s->csr[CSR_BADX_HI] << 16;
}

/* ---- Interrupts -------------------------------------------------------- */

static void pcnet_update_irq(PCNetState *s)
{
    uint16_t *csr = s->csr;
    bool intr;
    int level;

    if (csr[4] & CSR4_UINTCMD) {
        csr[4] = (csr[4] & ~CSR4_UINTCMD) | CSR4_UINT;
    }
    intr = (csr[0] & ~csr[3] & CSR0_INT_SOURCES) ||
           (csr[4] & (CSR4_JAB | CSR4_TXSTRT | CSR4_RCVCCO | CSR4_MFCO) &
            ~(csr[4] << 1)) ||
           (csr[4] & CSR4_UINT) || (csr[5] & CSR5_W1C & (csr[5] << 1));
    csr[0] &= ~(CSR0_INTR | CSR0_ERR);
    if (intr) {
        csr[0] |= CSR0_INTR;
    }
    if (csr[0] & (CSR0_BABL | CSR0_CERR | CSR0_MISS | CSR0_MERR)) {
        csr[0] |= CSR0_ERR;
    }
    level = intr && (csr[0] & CSR0_IENA);
    if (level != s->irq_level) {
        s->irq_level = level;
        s->set_irq(s->bus_opaque, level);
    }
}

/* ---- DMA --------------------------------------------------------------- */

/*
 * Every access is made with dma_busy set, so one that lands in our own
 * registers is refused there instead of running them from inside.
 */
static bool pcnet_dma_read(PCNetState *s, uint64_t addr, void *buf,
                           uint64_t len)
{
    bool was_busy = s->dma_busy;
    MemTxResult r;

    s->dma_busy = true;
    r = s->dma_read(s->bus_opaque, addr, buf, len);
    s->dma_busy = was_busy;
    if (r != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pcnet: DMA read of %#" PRIx64 "+%" PRIu64 " failed\n",
                        addr, len);
        s->csr[0] |= CSR0_MERR;
        return false;
    }
    return true;
}

static bool pcnet_dma_write(PCNetState *s, uint64_t addr, const void *buf,
                            uint64_t len)
{
    bool was_busy = s->dma_busy;
    MemTxResult r;

    s->dma_busy = true;
    r = s->dma_write(s->bus_opaque, addr, buf, len);
    s->dma_busy = was_busy;
    if (r != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pcnet: DMA write of %#" PRIx64 "+%" PRIu64 " failed\n",
                        addr, len);
        s->csr[0] |= CSR0_MERR;
        return false;
    }
    return true;
}

/* ---- Descriptors ------------------------------------------------------- */

static unsigned pcnet_desc_size(PCNetState *s)
{
    return pcnet_swstyle(s) == 0 ? 8 : 16;
}

static uint64_t pcnet_desc_addr(PCNetState *s, uint32_t base, uint32_t index)
{
    return (uint64_t)pcnet_physaddr(s, base) +
           (uint64_t)index * pcnet_desc_size(s);
}

/* Buffer length from a BCNT field: 1 to 4096 bytes (0 means 4096). */
static uint32_t pcnet_bcnt_len(uint16_t bcnt)
{
    return 0x1000u - (bcnt & 0xfff);
}

/*
 * Reads a descriptor in the current software style: style 0 packs the
 * status byte with the address bits 23:16, style 3 swaps words 0 and 2
 * of style 2.
 */
static bool pcnet_desc_load(PCNetState *s, uint64_t addr, PCNetDesc *d, bool tx)
{
    uint8_t raw[16];

    if (!pcnet_dma_read(s, addr, raw, pcnet_desc_size(s))) {
        return false;
    }
    switch (pcnet_swstyle(s)) {
    case 0: {
        uint16_t w1 = lduw_le_p(raw + 2), w3 = lduw_le_p(raw + 6);

        d->addr = lduw_le_p(raw) | (uint32_t)(w1 & 0xff) << 16;
        d->status = w1 & 0xff00;
        d->bcnt = lduw_le_p(raw + 4);
        d->misc = tx ? (uint32_t)w3 << 16 : w3;
        break;
    }
    case 3:
        d->misc = ldl_le_p(raw);
        d->bcnt = lduw_le_p(raw + 4);
        d->status = lduw_le_p(raw + 6);
        d->addr = ldl_le_p(raw + 8);
        break;
    default:
        d->addr = ldl_le_p(raw);
        d->bcnt = lduw_le_p(raw + 4);
        d->status = lduw_le_p(raw + 6);
        d->misc = ldl_le_p(raw + 8);
        break;
    }
    return true;
}

/* Writes back what the chip owns: the third word first, then the status. */
static void pcnet_desc_store(PCNetState *s, uint64_t addr, const PCNetDesc *d,
                             bool tx)
{
    uint8_t b[4];

    switch (pcnet_swstyle(s)) {
    case 0:
        stw_le_p(b, tx ? d->misc >> 16 : d->misc);
        pcnet_dma_write(s, addr + 6, b, 2);
        stw_le_p(b, (d->status & 0xff00) | ((d->addr >> 16) & 0xff));
        pcnet_dma_write(s, addr + 2, b, 2);
        break;
    case 3:
        stl_le_p(b, d->misc);
        pcnet_dma_write(s, addr, b, 4);
        stw_le_p(b, d->status);
        pcnet_dma_write(s, addr + 6, b, 2);
        break;
    default:
        stl_le_p(b, d->misc);
        pcnet_dma_write(s, addr + 8, b, 4);
        stw_le_p(b, d->status);
        pcnet_dma_write(s, addr + 6, b, 2);
        break;
    }
}

/* ---- Frames ------------------------------------------------------------ */

/* IEEE 802.3 CRC-32 (reflected 0xedb88320), not inverted at the end. */
static uint32_t pcnet_crc32_le(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xffffffff;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
        }
    }
    return crc;
}

static void pcnet_fcs_put(uint8_t *p, const uint8_t *frame, size_t len)
{
    stl_le_p(p, ~pcnet_crc32_le(frame, len));
}

/* The logical address filter: the CRC's top 6 bits index LADRF. */
static bool pcnet_ladrf_match(PCNetState *s, const uint8_t *dst)
{
    unsigned bit = pcnet_crc32_le(dst, 6) >> 26;

    return s->csr[CSR_LADRF0 + bit / 16] & (1u << (bit % 16));
}

static bool pcnet_padr_match(PCNetState *s, const uint8_t *dst)
{
    for (int i = 0; i < 3; i++) {
        uint16_t w = s->csr[CSR_PADR0 + i];

        if (dst[2 * i] != (w & 0xff) || dst[2 * i + 1] != (w >> 8)) {
            return false;
        }
    }
    return true;
}

/* Which match accepted a frame (RMD1 PAM/LAFM/BAM), or 0 and false. */
static bool pcnet_rx_filter(PCNetState *s, const uint8_t *dst, uint16_t *match)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint16_t mode = s->csr[CSR_MODE];

    *match = 0;
    if (!memcmp(dst, bcast, 6)) {
        if (!(mode & CSR15_DRCVBC)) {
            *match = RMD1_BAM;
        }
    } else if (dst[0] & 1) {
        if (pcnet_ladrf_match(s, dst)) {
            *match = RMD1_LAFM;
        }
    } else if (!(mode & CSR15_DRCVPA) && pcnet_padr_match(s, dst)) {
        *match = RMD1_PAM;
    }
    if (mode & CSR15_PROM) {
        *match = 0; /* the match bits are not reported in promiscuous mode */
        return true;
    }
    return *match != 0;
}

/* ---- Receive ----------------------------------------------------------- */

static bool pcnet_rx_running(PCNetState *s)
{
    return (s->csr[0] & CSR0_RXON) && !pcnet_stopped(s) && !pcnet_suspended(s);
}

static bool pcnet_rx_owned(PCNetState *s)
{
    PCNetDesc d;
    uint64_t addr = pcnet_desc_addr(s, pcnet_rx_base(s), s->rx_index);

    return pcnet_desc_load(s, addr, &d, false) && (d.status & DESC_OWN);
}

static void pcnet_rx_advance(PCNetState *s)
{
    s->rx_index = (s->rx_index + 1) % pcnet_ring_len(s, CSR_RCVRL);
}

static void pcnet_rx_missed(PCNetState *s)
{
    s->csr[0] |= CSR0_MISS;
    s->csr[CSR_MISSC]++;
}

/*
 * Puts a frame (with its FCS) into the receive ring from the current
 * descriptor on, chaining buffers with STP and ENP. The STP descriptor
 * is handed back last, so a driver that looks there sees a whole frame.
 */
static void pcnet_rx_store(PCNetState *s, const uint8_t *frame, size_t len,
                           uint16_t match, uint16_t errors)
{
    uint32_t ring = pcnet_ring_len(s, CSR_RCVRL), base = pcnet_rx_base(s);
    uint64_t stp_addr = 0, prev_addr = 0;
    PCNetDesc stp = {0}, prev = {0}, d;
    size_t done = 0;
    uint32_t used = 0;

    while (done < len) {
        uint64_t addr = pcnet_desc_addr(s, base, s->rx_index);
        uint32_t chunk;

        if (used == ring || !pcnet_desc_load(s, addr, &d, false) ||
            !(d.status & DESC_OWN)) {
            /* Out of buffers inside a frame: BUFF on the last one. */
            if (!used) {
                pcnet_rx_missed(s);
                return;
            }
            (used == 1 ? &stp : &prev)->status |=
                DESC_ERR | RMD1_BUFF | RMD1_OFLO;
            break;
        }
        chunk = MIN(len - done, (size_t)pcnet_bcnt_len(d.bcnt));
        pcnet_dma_write(s, pcnet_physaddr(s, d.addr), frame + done, chunk);
        done += chunk;
        d.status &= ~(DESC_OWN | DESC_ERR | RMD1_FRAM | RMD1_OFLO | RMD1_CRC |
                      RMD1_BUFF | DESC_STP | DESC_ENP | RMD1_PAM | RMD1_LAFM |
                      RMD1_BAM);
        d.misc = 0;
        if (!used) {
            d.status |= DESC_STP;
        }
        if (done == len) {
            d.status |= DESC_ENP | errors | (pcnet_swstyle(s) ? match : 0);
            d.misc = len & RMD2_MCNT;
        }
        if (used >= 2) {
            pcnet_desc_store(s, prev_addr, &prev, false);
        }
        if (used) {
            prev = d;
            prev_addr = addr;
        } else {
            stp = d;
            stp_addr = addr;
        }
        used++;
        pcnet_rx_advance(s);
    }
    if (used >= 2) {
        pcnet_desc_store(s, prev_addr, &prev, false);
    }
    pcnet_desc_store(s, stp_addr, &stp, false);
    s->csr[0] |= CSR0_RINT;
}

/*
 * A frame for the receive ring. From the network it is padded to 60
 * bytes and gets the FCS the wire would have carried; a loopback frame
 * gets one only when the transmitter generated it, and is otherwise
 * checked against the four bytes it ends with.
 */
static ssize_t pcnet_receive_frame(PCNetState *s, const uint8_t *buf,
                                   size_t size, bool loopback, PCNetFcs fcs)
{
    static uint8_t frame[PCNET_RX_MAX];
    uint16_t match, errors = 0;
    size_t len = size;

    if (!pcnet_rx_running(s)) {
        return size;
    }
    if (size < 6 || size > PCNET_RX_MAX - 4) {
        /* A network frame larger than any buffer chain is dropped. */
        if (loopback) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "pcnet: loopback frame of %zu bytes dropped\n",
                            size);
        }
        s->csr[CSR_RCVCC]++;
        return size;
    }
    if (!pcnet_rx_filter(s, buf, &match)) {
        return size;
    }
    memcpy(frame, buf, size);
    if (fcs == PCNET_FCS_APPEND) {
        if (len < PCNET_MIN_FRAME) {
            memset(frame + len, 0, PCNET_MIN_FRAME - len);
            len = PCNET_MIN_FRAME;
        }
        pcnet_fcs_put(frame + len, frame, len);
        len += 4;
    } else if (len < 4 || ldl_le_p(frame + len - 4) !=
                              (uint32_t)~pcnet_crc32_le(frame, len - 4)) {
        errors = DESC_ERR | RMD1_CRC;
    }
    pcnet_rx_store(s, frame, len, match, errors);
    pcnet_update_irq(s);
    return size;
}

static bool pcnet_nic_can_receive(NetClientState *nc)
{
    PCNetState *s = ((PCNetClient *)nc)->s;

    if (pcnet_stopped(s) || pcnet_suspended(s) || s->dma_busy) {
        return false; /* frames wait for the driver to start the chip */
    }
    if (!pcnet_rx_running(s) || (s->csr[CSR_MODE] & CSR15_LOOP)) {
        return true; /* dropped, as the wire would lose them */
    }
    return pcnet_rx_owned(s);
}

static ssize_t pcnet_nic_receive(NetClientState *nc, const uint8_t *buf,
                                 size_t size)
{
    PCNetState *s = ((PCNetClient *)nc)->s;

    if (!pcnet_nic_can_receive(nc)) {
        return 0;
    }
    if (s->csr[CSR_MODE] & CSR15_LOOP) {
        return size; /* in loopback the receiver hears only itself */
    }
    s->dma_busy = true;
    pcnet_receive_frame(s, buf, size, false, PCNET_FCS_APPEND);
    s->dma_busy = false;
    return size;
}

static void pcnet_nic_link_status_changed(NetClientState *nc)
{
    PCNetState *s = ((PCNetClient *)nc)->s;

    if (nc->link_down) {
        s->mii[MII_BMSR] &= ~(MII_BMSR_LINK | MII_BMSR_ANEGCOMPLETE);
        s->mii[MII_ANLPAR] = 0;
    } else {
        s->mii[MII_BMSR] |= MII_BMSR_LINK | MII_BMSR_ANEGCOMPLETE;
        s->mii[MII_ANLPAR] = 0x45e1;
        net_queue_flush(nc);
    }
}

static const NetClientInfo pcnet_nic_info = {
    .kind = NET_CLIENT_NIC,
    .type = "nic",
    .size = sizeof(PCNetClient),
    .receive = pcnet_nic_receive,
    .can_receive = pcnet_nic_can_receive,
    .link_status_changed = pcnet_nic_link_status_changed,
};

/* Lets frames the backend holds in, if the ring has room now. */
static void pcnet_rx_flush(PCNetState *s)
{
    if (net_queue_length(&s->nic->nc) && pcnet_rx_running(s)) {
        net_queue_flush(&s->nic->nc);
    }
}

/* ---- Transmit ---------------------------------------------------------- */

static bool pcnet_tx_running(PCNetState *s)
{
    return (s->csr[0] & CSR0_TXON) && !pcnet_stopped(s) && !pcnet_suspended(s);
}

static void pcnet_tx_complete(NetClientState *nc, ssize_t len)
{
    PCNetState *s = ((PCNetClient *)nc)->s;

    s->tx_waiting = false;
    pcnet_tx_run(s);
    pcnet_update_irq(s);
}

/* Sends the gathered frame: onto the wire, or back to the receiver. */
static void pcnet_tx_frame_send(PCNetState *s)
{
    uint16_t mode = s->csr[CSR_MODE];
    bool fcs = !(mode & CSR15_DXMTFCS) || s->tx_add_fcs;
    uint32_t len = s->tx_len;

    if ((s->csr[4] & CSR4_APAD_XMT) && fcs && len < PCNET_MIN_FRAME) {
        memset(s->tx_buf + len, 0, PCNET_MIN_FRAME - len);
        len = PCNET_MIN_FRAME;
    }
    s->csr[4] |= CSR4_TXSTRT;
    if (mode & CSR15_LOOP) {
        pcnet_receive_frame(s, s->tx_buf, len, true,
                            fcs ? PCNET_FCS_APPEND : PCNET_FCS_NONE);
        return;
    }
    if (net_send_packet_async(&s->nic->nc, s->tx_buf, len, pcnet_tx_complete) ==
        0) {
        s->tx_waiting = true;
    }
}

static void pcnet_tx_append(PCNetState *s, const PCNetDesc *d)
{
    uint32_t len = pcnet_bcnt_len(d->bcnt);

    if (s->tx_error) {
        return;
    }
    if (len > PCNET_FRAME_MAX - s->tx_len) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pcnet: transmit frame over %u bytes dropped\n",
                        PCNET_FRAME_MAX);
        s->tx_error = true;
        return;
    }
    if (!pcnet_dma_read(s, pcnet_physaddr(s, d->addr), s->tx_buf + s->tx_len,
                        len)) {
        s->tx_error = true;
        return;
    }
    s->tx_len += len;
}

/*
 * Runs the transmit ring from the current descriptor while the chip owns
 * it, at most PCNET_TX_BATCH descriptors before it yields to the main
 * loop: a guest that keeps handing descriptors back (or a ring in our own
 * registers, whose OWN bits the write-back cannot clear) never holds it.
 */
static void pcnet_tx_run(PCNetState *s)
{
    uint32_t ring = pcnet_ring_len(s, CSR_XMTRL), base = pcnet_tx_base(s);
    bool ltinten = s->csr[5] & CSR5_LTINTEN;
    unsigned done = 0;

    if (!pcnet_tx_running(s)) {
        s->csr[0] &= ~CSR0_TDMD;
        return;
    }
    if (s->tx_waiting || s->dma_busy) {
        return;
    }
    s->dma_busy = true;
    while (!s->tx_waiting) {
        uint64_t addr = pcnet_desc_addr(s, base, s->tx_index);
        bool tint = false;
        PCNetDesc d;

        if (done++ == PCNET_TX_BATCH) {
            /* The rest a little later: a ring that never empties (one in
             * our own registers, whose OWN bits stay set) costs little. */
            timer_mod_ns(s->tx_timer,
                         vm_clock_get_ns(VM_CLOCK_REALTIME) + 1000000);
            break;
        }
        if (!pcnet_desc_load(s, addr, &d, true) || !(d.status & DESC_OWN)) {
            break;
        }
        if (d.status & DESC_STP) {
            if (s->tx_in_frame) {
                log_mask_printf(LOG_GUEST_ERROR,
                                "pcnet: STP inside a frame, the frame "
                                "before it dropped\n");
            }
            s->tx_in_frame = true;
            s->tx_error = false;
            s->tx_len = 0;
            s->tx_add_fcs = d.status & TMD1_ADD_FCS;
        }
        d.misc &= ~TMD2_STATUS;
        if (!s->tx_in_frame) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "pcnet: transmit descriptor %u without STP\n",
                            s->tx_index);
        } else {
            pcnet_tx_append(s, &d);
        }
        if ((d.status & DESC_ENP) && s->tx_in_frame) {
            if (s->tx_error) {
                d.misc |= TMD2_UFLO;
            } else if (!pcnet_link_up(s) && !(s->csr[CSR_MODE] & CSR15_LOOP)) {
                d.misc |= TMD2_LCAR;
            } else {
                pcnet_tx_frame_send(s);
            }
            s->tx_in_frame = false;
            tint = true;
        } else if (s->tx_in_frame) {
            /* The chip owns the next one, or the frame underflows. */
            PCNetDesc next;
            uint32_t n = (s->tx_index + 1) % ring;

            if (!pcnet_desc_load(s, pcnet_desc_addr(s, base, n), &next, true) ||
                !(next.status & DESC_OWN)) {
                d.misc |= TMD2_BUFF | TMD2_UFLO;
                s->tx_in_frame = false;
                tint = true;
                if (!(s->csr[3] & CSR3_DXSUFLO)) {
                    s->csr[0] &= ~CSR0_TXON;
                }
            }
        }
        if (d.misc & (TMD2_BUFF | TMD2_UFLO | TMD2_LCAR)) {
            d.status |= DESC_ERR;
        } else {
            d.status &= ~DESC_ERR;
        }
        d.status &= ~(DESC_OWN | TMD1_ONE | TMD1_DEF);
        if (!ltinten) {
            d.status &= ~TMD1_LTINT; /* MORE: no retries on this wire */
        }
        pcnet_desc_store(s, addr, &d, true);
        s->tx_index = (s->tx_index + 1) % ring;
        if (tint) {
            bool error = d.status & DESC_ERR;

            if (error || (ltinten ? (d.status & TMD1_LTINT)
                                  : !(s->csr[5] & CSR5_TOKINTD))) {
                s->csr[0] |= CSR0_TINT;
            }
        }
        if (!pcnet_tx_running(s)) {
            break;
        }
    }
    s->dma_busy = false;
    if (!s->tx_waiting) {
        s->csr[0] &= ~CSR0_TDMD;
    }
    pcnet_update_irq(s);
    /*
     * A backend that answers from inside our send (slirp's ARP and DHCP
     * replies) found us busy and queued its frame: take it now.
     */
    pcnet_rx_flush(s);
}

static void pcnet_tx_timer(void *opaque)
{
    pcnet_tx_run(opaque);
}

/* ---- Poll timer -------------------------------------------------------- */

/* POLLINT (CSR47) is the two's complement of the interval in bus clocks. */
static int64_t pcnet_poll_interval_ns(PCNetState *s)
{
    uint32_t clocks = 0x10000u - (s->csr[CSR_POLLINT] & 0xfff0);

    return clocks * 1000000000ll / PCNET_CLOCK_HZ;
}

static void pcnet_poll_arm(PCNetState *s)
{
    if (pcnet_stopped(s) || pcnet_suspended(s)) {
        timer_del(s->poll_timer);
        return;
    }
    timer_mod_ns(s->poll_timer,
                 vm_clock_get_ns(VM_CLOCK_VIRTUAL) + pcnet_poll_interval_ns(s));
}

/* The chip polls the transmit ring (unless DPOLL) and its receive ring. */
static void pcnet_poll_timer(void *opaque)
{
    PCNetState *s = opaque;

    if (pcnet_tx_running(s) && !(s->csr[4] & CSR4_DPOLL)) {
        pcnet_tx_run(s);
    }
    pcnet_rx_flush(s);
    pcnet_update_irq(s);
    pcnet_poll_arm(s);
}

/* ---- Initialization, start, stop ---------------------------------------- */

static uint32_t pcnet_rlen_to_len(unsigned rlen)
{
    return rlen < 9 ? 1u << rlen : 512;
}

/* Reads the initialization block at IADR (datasheet, "Initialization"). */
static void pcnet_init(PCNetState *s)
{
    uint64_t iadr = s->csr[CSR_IADR_LO] | (uint32_t)s->csr[CSR_IADR_HI] << 16;
    uint8_t ib[28];
    uint16_t mode;
    uint32_t rdra, tdra;
    unsigned rlen, tlen, padr, ladrf;

    if (pcnet_ssize32(s)) {
        if (!pcnet_dma_read(s, iadr, ib, 28)) {
            return;
        }
        mode = lduw_le_p(ib);
        rlen = ib[2] >> 4;
        tlen = ib[3] >> 4;
        padr = 4;
        ladrf = 12;
        rdra = ldl_le_p(ib + 20);
        tdra = ldl_le_p(ib + 24);
    } else {
        if (!pcnet_dma_read(s, iadr, ib, 24)) {
            return;
        }
        mode = lduw_le_p(ib);
        padr = 2;
        ladrf = 8;
        rdra = ldl_le_p(ib + 16);
        tdra = ldl_le_p(ib + 20);
        rlen = rdra >> 29;
        tlen = tdra >> 29;
        rdra = pcnet_physaddr(s, rdra);
        tdra = pcnet_physaddr(s, tdra);
    }
    s->csr[CSR_MODE] = mode;
    for (int i = 0; i < 3; i++) {
        s->csr[CSR_PADR0 + i] = lduw_le_p(ib + padr + 2 * i);
    }
    for (int i = 0; i < 4; i++) {
        s->csr[CSR_LADRF0 + i] = lduw_le_p(ib + ladrf + 2 * i);
    }
    s->csr[CSR_BADR_LO] = rdra;
    s->csr[CSR_BADR_HI] = rdra >> 16;
    s->csr[CSR_BADX_LO] = tdra;
    s->csr[CSR_BADX_HI] = tdra >> 16;
    rlen = MIN(rlen, 9u);
    tlen = MIN(tlen, 9u);
    s->csr[CSR_RLEN_TLEN] = tlen << 12 | rlen << 8;
    s->csr[CSR_RCVRL] = 0x10000u - pcnet_rlen_to_len(rlen);
    s->csr[CSR_XMTRL] = 0x10000u - pcnet_rlen_to_len(tlen);
    s->rx_index = s->tx_index = 0;
    s->tx_in_frame = false;
    s->csr[0] = (s->csr[0] & ~CSR0_STOP) | CSR0_INIT | CSR0_IDON;
}

static void pcnet_start(PCNetState *s)
{
    s->csr[0] &= ~(CSR0_STOP | CSR0_TXON | CSR0_RXON);
    s->csr[0] |= CSR0_STRT;
    if (!(s->csr[CSR_MODE] & CSR15_DTX)) {
        s->csr[0] |= CSR0_TXON;
    }
    if (!(s->csr[CSR_MODE] & CSR15_DRX)) {
        s->csr[0] |= CSR0_RXON;
    }
    pcnet_poll_arm(s);
}

/* STOP: all DMA ends; the chip waits for INIT or STRT. */
static void pcnet_stop(PCNetState *s)
{
    s->csr[0] = CSR0_STOP;
    s->csr[4] &= ~(CSR4_MFCO | CSR4_UINTCMD | CSR4_UINT | CSR4_JAB);
    s->csr[5] &= ~(CSR5_MPINT | CSR5_SPND);
    s->tx_in_frame = false;
    timer_del(s->poll_timer);
    timer_del(s->tx_timer);
}

/* S_RESET (a read of RESET): the CSRs to their reset values. */
static void pcnet_s_reset(PCNetState *s)
{
    pcnet_stop(s);
    s->rap = 0;
    s->csr[3] = 0;
    s->csr[4] = CSR4_RESET;
    s->csr[5] = 0;
    s->csr[CSR_RLEN_TLEN] = 0;
    for (int i = 0; i < 4; i++) {
        s->csr[CSR_LADRF0 + i] = 0;
    }
    for (int i = 0; i < 3; i++) {
        s->csr[CSR_PADR0 + i] = lduw_le_p(s->aprom + 2 * i);
    }
    s->csr[CSR_MODE] &= 0x21c4;
    s->csr[CSR_POLLINT] = 0;
    s->csr[80] = 0x1410;
    s->csr[CSR_CHIPID_LO] = PCNET_CHIP_ID & 0xffff;
    s->csr[CSR_CHIPID_HI] = PCNET_CHIP_ID >> 16;
    s->csr[100] = 0x0200;
    s->csr[CSR_MISSC] = 0;
    s->csr[CSR_RCVCC] = 0;
    s->csr[122] = 0;
    s->csr[124] = 0;
    s->tx_len = 0;
    s->tx_error = false;
    s->tx_waiting = false;
    net_queue_purge_sender(&s->nic->nc);
    pcnet_update_irq(s);
}

static void pcnet_mii_reset(PCNetState *s)
{
    memset(s->mii, 0, sizeof(s->mii));
    s->mii[MII_BMCR] = 0x1000; /* autonegotiation enabled */
    s->mii[MII_BMSR] = 0x7809; /* 10/100, half/full, can autonegotiate */
    s->mii[MII_PHYID1] = 0x0022;
    s->mii[MII_PHYID2] = 0x5610;
    s->mii[MII_ANAR] = 0x01e1;
    s->mii[MII_ANER] = 0x0001;
    pcnet_nic_link_status_changed(&s->nic->nc);
}

void pcnet_h_reset(PCNetState *s)
{
    static const uint16_t bcr_reset[PCNET_BCR_COUNT] = {
        [BCR_MSRDA] = 0x0005, [BCR_MSWRA] = 0x0005,  [BCR_MC] = 0x0002,
        [BCR_LNKST] = 0x00c0, [BCR_LED1] = 0x0084,   [BCR_LED2] = 0x0088,
        [BCR_LED3] = 0x0090,  [BCR_BSBC] = 0x9001,   [BCR_EECAS] = 0x0002,
        [BCR_SWS] = 0x0200,   [BCR_PCILAT] = 0xff06, [BCR_MIICAS] = 0,
    };

    memcpy(s->bcr, bcr_reset, sizeof(s->bcr));
    memset(s->csr, 0, sizeof(s->csr));
    s->csr[CSR_RCVRL] = s->csr[CSR_XMTRL] = 0xffff; /* one descriptor */
    pcnet_mii_reset(s);
    pcnet_s_reset(s);
}

/* ---- CSR and BCR access -------------------------------------------------- */

static uint16_t pcnet_csr_read(PCNetState *s, unsigned rap)
{
    uint64_t a;

    switch (rap) {
    case 0:
        pcnet_update_irq(s);
        return s->csr[0];
    case 16:
    case 17:
        return s->csr[rap - 15]; /* aliases of IADR */
    case CSR_NRDA_LO:
    case CSR_NRDA_HI:
        a = pcnet_desc_addr(s, pcnet_rx_base(s),
                            (s->rx_index + 1) % pcnet_ring_len(s, CSR_RCVRL));
        return rap == CSR_NRDA_LO ? a : a >> 16;
    case CSR_CRDA_LO:
    case CSR_CRDA_HI:
        a = pcnet_desc_addr(s, pcnet_rx_base(s), s->rx_index);
        return rap == CSR_CRDA_LO ? a : a >> 16;
    case CSR_NXDA_LO:
    case CSR_NXDA_HI:
        a = pcnet_desc_addr(s, pcnet_tx_base(s),
                            (s->tx_index + 1) % pcnet_ring_len(s, CSR_XMTRL));
        return rap == CSR_NXDA_LO ? a : a >> 16;
    case CSR_CXDA_LO:
    case CSR_CXDA_HI:
        a = pcnet_desc_addr(s, pcnet_tx_base(s), s->tx_index);
        return rap == CSR_CXDA_LO ? a : a >> 16;
    case CSR_SWS:
        return s->bcr[BCR_SWS];
    case CSR_RCVRC:
        return s->rx_index - pcnet_ring_len(s, CSR_RCVRL);
    case CSR_XMTRC:
        return s->tx_index - pcnet_ring_len(s, CSR_XMTRL);
    default:
        return s->csr[rap];
    }
}

static void pcnet_swstyle_write(PCNetState *s, uint16_t val)
{
    unsigned style = val & 0xff;

    val &= ~(BCR_SWS_SSIZE32 | BCR_SWS_CSRPCNET);
    switch (style) {
    case 0:
        val |= BCR_SWS_CSRPCNET;
        break;
    case 1:
        log_unimp_once("pcnet: SWSTYLE 1 (ILACC) is run as style 2\n");
        val |= BCR_SWS_SSIZE32;
        break;
    case 2:
    case 3:
        val |= BCR_SWS_SSIZE32 | BCR_SWS_CSRPCNET;
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "pcnet: reserved SWSTYLE %u\n", style);
        val = BCR_SWS_CSRPCNET;
    }
    s->bcr[BCR_SWS] = val;
}

static void pcnet_csr0_write(PCNetState *s, uint16_t val)
{
    uint16_t *csr0 = &s->csr[0];

    *csr0 &= ~(val & CSR0_W1C);
    *csr0 = (*csr0 & ~CSR0_IENA) | (val & (CSR0_IENA | CSR0_TDMD));
    if ((val & (CSR0_STOP | CSR0_STRT | CSR0_INIT)) ==
        (CSR0_STOP | CSR0_STRT | CSR0_INIT)) {
        val &= ~(CSR0_STRT | CSR0_INIT); /* STOP overrides both */
    }
    if ((val & CSR0_STOP) && !pcnet_stopped(s)) {
        pcnet_stop(s);
    }
    if ((val & CSR0_INIT) && !(*csr0 & CSR0_INIT)) {
        pcnet_init(s);
    }
    if ((val & CSR0_STRT) && !(*csr0 & CSR0_STRT)) {
        pcnet_start(s);
    }
    if (*csr0 & CSR0_TDMD) {
        pcnet_tx_run(s);
    }
    /* Drivers write CSR0 after they handed buffers back. */
    pcnet_rx_flush(s);
}

static void pcnet_csr_write(PCNetState *s, unsigned rap, uint16_t val)
{
    uint32_t len;

    switch (rap) {
    case 0:
        pcnet_csr0_write(s, val);
        return;
    case 3:
        s->csr[3] = val & 0x5f7c; /* masks, DXSUFLO, LAPPEN, DXMT2PD, ... */
        return;
    case 4:
        s->csr[4] = (s->csr[4] & ~val & CSR4_W1C) | (val & ~CSR4_W1C);
        return;
    case 5:
        s->csr[5] = (s->csr[5] & ~val & CSR5_W1C) | (val & ~CSR5_W1C);
        if (!pcnet_suspended(s) && !pcnet_stopped(s)) {
            pcnet_poll_arm(s);
        }
        return;
    case 16:
    case 17:
        pcnet_csr_write(s, rap - 15, val);
        return;
    case CSR_SWS:
        if (pcnet_stopped(s) || pcnet_suspended(s)) {
            pcnet_swstyle_write(s, val);
        }
        return;
    case 80:
    case 82:
    case 100:
    case 122:
    case 124:
        s->csr[rap] = val;
        return;
    }
    if (!((rap >= 1 && rap <= 2) || (rap >= 8 && rap <= 15) ||
          (rap >= 18 && rap <= 47) || rap == CSR_RCVRC || rap == CSR_XMTRC ||
          rap == CSR_RCVRL || rap == CSR_XMTRL || rap == CSR_MISSC ||
          rap == CSR_RCVCC)) {
        log_unimp_once("pcnet: write of CSR%u\n", rap);
        return;
    }
    if (!pcnet_stopped(s) && !pcnet_suspended(s)) {
        log_mask_printf(LOG_GUEST_ERROR, "pcnet: CSR%u written while running\n",
                        rap);
        return;
    }
    switch (rap) {
    case CSR_RCVRL:
    case CSR_XMTRL:
        if (!val) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "pcnet: CSR%u ring length 0 (taken as 65536)\n",
                            rap);
        }
        s->csr[rap] = val;
        len = pcnet_ring_len(s, rap);
        if (rap == CSR_RCVRL) {
            s->rx_index %= len;
        } else {
            s->tx_index %= len;
        }
        return;
    case CSR_RCVRC:
    case CSR_XMTRC:
        len = pcnet_ring_len(s, rap + 4);
        if ((uint16_t)(val + len) >= len && len != 0x10000) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "pcnet: CSR%u %#x outside a ring of %u\n", rap, val,
                            len);
            return;
        }
        if (rap == CSR_RCVRC) {
            s->rx_index = (uint16_t)(val + len) % len;
        } else {
            s->tx_index = (uint16_t)(val + len) % len;
        }
        return;
    case CSR_NRDA_LO ... CSR_CRDA_HI:
    case CSR_NXDA_LO ... CSR_CXDA_HI:
        log_unimp_once("pcnet: write of the descriptor address CSR%u\n", rap);
        return;
    }
    s->csr[rap] = val;
}

static uint16_t pcnet_mii_read(PCNetState *s)
{
    unsigned phy = (s->bcr[BCR_MIIADDR] >> 5) & 0x1f;
    unsigned reg = s->bcr[BCR_MIIADDR] & 0x1f;

    return phy == PCNET_PHY_ADDR ? s->mii[reg] : 0xffff;
}

static void pcnet_mii_write(PCNetState *s, uint16_t val)
{
    unsigned phy = (s->bcr[BCR_MIIADDR] >> 5) & 0x1f;
    unsigned reg = s->bcr[BCR_MIIADDR] & 0x1f;

    if (phy != PCNET_PHY_ADDR) {
        return;
    }
    switch (reg) {
    case MII_BMCR:
        if (val & MII_BMCR_RESET) {
            pcnet_mii_reset(s);
            return;
        }
        /* Autonegotiation completes at once against the host's partner. */
        s->mii[MII_BMCR] = val & ~MII_BMCR_ANRESTART;
        break;
    case MII_ANAR:
        s->mii[MII_ANAR] = val;
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "pcnet: write to read-only MII register %u\n", reg);
    }
}

static uint16_t pcnet_bcr_read(PCNetState *s, unsigned rap)
{
    uint16_t v;

    switch (rap) {
    case BCR_LNKST:
    case BCR_LED1:
    case BCR_LED2:
    case BCR_LED3:
        /* LEDOUT: an enabled status is active; only link status is. */
        v = s->bcr[rap] & ~BCR_LED_LEDOUT;
        if ((v & BCR_LED_LNKSTE) && pcnet_link_up(s)) {
            v |= BCR_LED_LEDOUT;
        }
        return v;
    case BCR_MIICAS:
        return s->bcr[rap] | BCR_MIICAS_MIIPD;
    case BCR_MIIMDR:
        return pcnet_mii_read(s);
    default:
        if (rap < PCNET_BCR_COUNT) {
            return s->bcr[rap];
        }
        log_unimp_once("pcnet: read of BCR%u\n", rap);
        return 0;
    }
}

static void pcnet_bcr_write(PCNetState *s, unsigned rap, uint16_t val)
{
    switch (rap) {
    case BCR_SWS:
        if (pcnet_stopped(s) || pcnet_suspended(s)) {
            pcnet_swstyle_write(s, val);
        } else {
            log_mask_printf(LOG_GUEST_ERROR,
                            "pcnet: SWSTYLE written while running\n");
        }
        break;
    case BCR_BSBC:
        /* DWIO is set only by the switching access, cleared by H_RESET. */
        s->bcr[rap] = (val & ~BCR_BSBC_DWIO) | (s->bcr[rap] & BCR_BSBC_DWIO);
        break;
    case BCR_MC:
    case BCR_LNKST:
    case BCR_LED1:
    case BCR_LED2:
    case BCR_LED3:
    case BCR_FDC:
    case BCR_IOBASEL:
    case BCR_IOBASEU:
    case BCR_EECAS:
    case BCR_INTCON:
    case BCR_PCILAT:
    case BCR_MIICAS:
    case BCR_MIIADDR:
        s->bcr[rap] = val;
        break;
    case BCR_MIIMDR:
        pcnet_mii_write(s, val);
        break;
    case BCR_MSRDA:
    case BCR_MSWRA:
        break; /* reserved, read-only */
    default:
        log_unimp_once("pcnet: write of BCR%u\n", rap);
    }
}

/* ---- The register window ------------------------------------------------ */

/*
 * A descriptor or buffer in our own registers would have the DMA engine
 * run these handlers from inside itself: refused (CVE-2021-3416).
 */
static bool pcnet_reentered(PCNetState *s)
{
    if (s->dma_busy) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pcnet: DMA into the device's own registers\n");
        return true;
    }
    return false;
}

/*
 * The APROM is read a byte or word at a time in WIO mode and a dword at a
 * time in DWIO mode; RDP (0x10), RAP, RESET and BDP follow at 16-bit
 * offsets 0x12/0x14/0x16 (WIO) or 32-bit offsets 0x14/0x18/0x1C (DWIO).
 */
uint64_t pcnet_io_read(PCNetState *s, uint64_t addr, unsigned size)
{
    bool dwio = pcnet_dwio(s);
    uint64_t ones = (1ull << (size * 8)) - 1;
    uint64_t v = 0;

    if (pcnet_reentered(s)) {
        return ones;
    }
    if (addr < 0x10) {
        if ((dwio && size != 4) || (!dwio && size == 4)) {
            return ones;
        }
        for (unsigned i = 0; i < size; i++) {
            v |= (uint64_t)s->aprom[(addr + i) & 15] << (8 * i);
        }
        return v;
    }
    if (size != (dwio ? 4u : 2u)) {
        return ones;
    }
    switch ((addr - 0x10) / size) {
    case 0:
        v = pcnet_csr_read(s, s->rap);
        break;
    case 1:
        v = s->rap;
        break;
    case 2:
        pcnet_s_reset(s);
        v = 0;
        break;
    case 3:
        v = pcnet_bcr_read(s, s->rap);
        break;
    }
    pcnet_update_irq(s);
    return v;
}

void pcnet_io_write(PCNetState *s, uint64_t addr, uint64_t val, unsigned size)
{
    bool dwio = pcnet_dwio(s);

    if (pcnet_reentered(s)) {
        return;
    }
    if (addr < 0x10) {
        if ((dwio && size != 4) || (!dwio && size == 4)) {
            return;
        }
        if (s->bcr[BCR_MC] & BCR_MC_APROMWE) {
            for (unsigned i = 0; i < size; i++) {
                s->aprom[(addr + i) & 15] = val >> (8 * i);
            }
        }
        return;
    }
    if (!dwio && size == 4 && addr == 0x10) {
        /* A dword write to RDP switches to DWIO; its data is dropped. */
        s->bcr[BCR_BSBC] |= BCR_BSBC_DWIO;
        return;
    }
    if (size != (dwio ? 4u : 2u)) {
        return;
    }
    switch ((addr - 0x10) / size) {
    case 0:
        pcnet_csr_write(s, s->rap, val & 0xffff);
        break;
    case 1:
        s->rap = val & 0x7f;
        break;
    case 2:
        break; /* RESET acts on reads */
    case 3:
        pcnet_bcr_write(s, s->rap, val & 0xffff);
        break;
    }
    pcnet_update_irq(s);
}

void pcnet_dma_enabled(PCNetState *s)
{
    pcnet_rx_flush(s);
    if (pcnet_tx_running(s) && !(s->csr[4] & CSR4_DPOLL)) {
        pcnet_tx_run(s);
    }
}

/* ---- Realize ------------------------------------------------------------ */

static unsigned pcnet_nic_count;
static unsigned pcnet_default_macs;

void pcnet_core_init(PCNetState *s, const char *model, const char *name)
{
    static const uint8_t zero[6];
    g_autofree char *auto_name = NULL;
    uint16_t sum = 0;

    if (!memcmp(s->mac_prop.a, zero, 6)) {
        /* QEMU's default: 52:54:00:12:34:56, then 57, ... */
        static const uint8_t base[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

        memcpy(s->mac_prop.a, base, 6);
        s->mac_prop.a[5] += pcnet_default_macs++;
    }
    memcpy(s->mac, s->mac_prop.a, 6);
    if (!name) {
        auto_name = g_strdup_printf("%s.%u", model, pcnet_nic_count);
        name = auto_name;
    }
    pcnet_nic_count++;
    s->nic =
        (PCNetClient *)net_client_new(&pcnet_nic_info, s->netdev, model, name);
    s->nic->s = s;
    if (s->netdev) {
        s->nic->nc.link_down = s->netdev->link_down;
    }
    snprintf(s->nic->nc.info_str, sizeof(s->nic->nc.info_str),
             "model=%s,macaddr=%02x:%02x:%02x:%02x:%02x:%02x", model, s->mac[0],
             s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
    s->poll_timer = timer_new_ns(VM_CLOCK_VIRTUAL, pcnet_poll_timer, s);
    s->tx_timer = timer_new_ns(VM_CLOCK_REALTIME, pcnet_tx_timer, s);

    /*
     * The address PROM as QEMU lays it out after the datasheet: the MAC,
     * reserved zeroes, hardware ID 0x11, a checksum of the other bytes
     * in bytes 12-13, and "WW" for AMD's drivers.
     */
    memset(s->aprom, 0, sizeof(s->aprom));
    memcpy(s->aprom, s->mac, 6);
    s->aprom[9] = 0x11;
    s->aprom[14] = s->aprom[15] = 'W';
    for (int i = 0; i < 16; i++) {
        sum += s->aprom[i];
    }
    stw_le_p(s->aprom + 12, sum);
}

void pcnet_core_cleanup(PCNetState *s)
{
    net_client_free(&s->nic->nc);
    s->nic = NULL;
    timer_free(s->poll_timer);
    timer_free(s->tx_timer);
}

/* ---- State -------------------------------------------------------------- */

static bool pcnet_pre_save(void *opaque, GError **errp)
{
    PCNetState *s = opaque;

    if (s->tx_waiting) {
        return error_setg(errp, "pcnet: a transmitted frame waits for the "
                                "backend");
    }
    return true;
}

static bool pcnet_post_load(void *opaque, int version_id, GError **errp)
{
    PCNetState *s = opaque;

    if (s->tx_len > PCNET_FRAME_MAX || s->rap > 0x7f ||
        s->rx_index >= pcnet_ring_len(s, CSR_RCVRL) ||
        s->tx_index >= pcnet_ring_len(s, CSR_XMTRL)) {
        return error_setg(errp, "pcnet: ring or transmit state invalid");
    }
    /* The link is the host's, not the stream's. */
    pcnet_nic_link_status_changed(&s->nic->nc);
    s->irq_level = -1;
    pcnet_update_irq(s);
    pcnet_poll_arm(s);
    net_queue_flush(&s->nic->nc);
    return true;
}

const VMStateDescription vmstate_pcnet = {
    .name = "pcnet-core",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = pcnet_pre_save,
    .post_load = pcnet_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8_ARRAY(aprom, PCNetState, 16),
            VMSTATE_UINT16_ARRAY(csr, PCNetState, PCNET_CSR_COUNT),
            VMSTATE_UINT16_ARRAY(bcr, PCNetState, PCNET_BCR_COUNT),
            VMSTATE_UINT16_ARRAY(mii, PCNetState, PCNET_MII_REGS),
            VMSTATE_UINT32(rap, PCNetState),
            VMSTATE_UINT32(rx_index, PCNetState),
            VMSTATE_UINT32(tx_index, PCNetState),
            VMSTATE_BOOL(tx_in_frame, PCNetState),
            VMSTATE_BOOL(tx_error, PCNetState),
            VMSTATE_BOOL(tx_add_fcs, PCNetState),
            VMSTATE_UINT32(tx_len, PCNetState),
            VMSTATE_UINT8_ARRAY(tx_buf, PCNetState, PCNET_FRAME_MAX),
            VMSTATE_END_OF_LIST(),
        },
};
