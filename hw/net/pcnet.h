/*
 * The LANCE/PCnet chip core (hw/net/pcnet.c) as its bus front ends see it
 * (hw/net/pcnet-pci.c). The core owns the registers, the descriptor
 * engines, the poll timer and the NIC's network client; a front end maps
 * the register window, carries the bus-master DMA and drives the
 * interrupt line through the three hooks below.
 */
#ifndef HW_NET_PCNET_H
#define HW_NET_PCNET_H

#include "hw/core/device.h"
#include "hw/core/vmstate.h"
#include "net/net.h"
#include "system/memory.h"
#include "system/timer.h"

/* The register window: APROM, RDP, RAP, RESET, BDP (datasheet, I/O map). */
#define PCNET_IO_SIZE 0x20
#define PCNET_CSR_COUNT 128
#define PCNET_BCR_COUNT 36
#define PCNET_MII_REGS 32
/* The largest frame the transmit engine gathers (12-bit BCNT, one buffer). */
#define PCNET_FRAME_MAX 4096

typedef struct PCNetState PCNetState;

typedef struct PCNetClient {
    NetClientState nc;
    PCNetState *s;
} PCNetClient;

struct PCNetState {
    /* Properties, set through the front end's property table. */
    NetClientState *netdev;
    MACAddr mac_prop;

    /* What the front end provides. */
    void *bus_opaque;
    MemTxResult (*dma_read)(void *opaque, uint64_t addr, void *buf,
                            uint64_t len);
    MemTxResult (*dma_write)(void *opaque, uint64_t addr, const void *buf,
                             uint64_t len);
    void (*set_irq)(void *opaque, int level);

    PCNetClient *nic;
    Timer *poll_timer; /* the CSR47 polling interval */
    Timer *tx_timer;   /* resumes a transmit pass that hit its bound */
    uint8_t mac[6];

    /* Guest-visible state. */
    uint8_t aprom[16];
    uint16_t csr[PCNET_CSR_COUNT];
    uint16_t bcr[PCNET_BCR_COUNT];
    uint16_t mii[PCNET_MII_REGS];
    uint32_t rap;
    uint32_t rx_index, tx_index; /* current descriptors of the rings */
    /* Transmit: a frame being gathered over several descriptors. */
    bool tx_in_frame;
    bool tx_error;   /* it outgrew the buffer: dropped at ENP */
    bool tx_add_fcs; /* the STP descriptor asked for an FCS */
    uint32_t tx_len;
    uint8_t tx_buf[PCNET_FRAME_MAX];

    bool tx_waiting; /* a frame waits at the backend */
    bool dma_busy;   /* reentrancy guard: DMA reaching our own registers */
    int irq_level;
};

/* Makes the network client and the timers (realize). */
void pcnet_core_init(PCNetState *s, const char *model, const char *name);
void pcnet_core_cleanup(PCNetState *s);
/* H_RESET: the hardware reset line (machine reset). */
void pcnet_h_reset(PCNetState *s);
/* Accesses of size 1, 2 or 4 at offset addr of the register window. */
uint64_t pcnet_io_read(PCNetState *s, uint64_t addr, unsigned size);
void pcnet_io_write(PCNetState *s, uint64_t addr, uint64_t val, unsigned size);
/* The front end's DMA became possible (bus mastering turned on). */
void pcnet_dma_enabled(PCNetState *s);

extern const VMStateDescription vmstate_pcnet;

#endif
