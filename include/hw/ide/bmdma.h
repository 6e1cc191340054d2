/*
 * The bus-master IDE DMA engine of the PIIX family (Intel 82371SB/AB
 * datasheets, "Bus Master IDE Registers"): per channel a command register
 * (start/stop, direction), a status register (active, error, interrupt,
 * drive DMA capable) and the physical address of a PRD table. The two
 * channels take 16 bytes of I/O space: the PCI IDE function maps
 * bmdma_io_region() as BAR4.
 */
#ifndef HW_IDE_BMDMA_H
#define HW_IDE_BMDMA_H

#include "hw/ide/ide.h"
#include "system/memory.h"

#define BMDMA_REGION_SIZE 16

/* Registers, offsets in a channel (channel 1 at +8) */
#define BMDMA_BMICOM 0 /* command */
#define BMDMA_BMISTA 2 /* status */
#define BMDMA_BMIDTP 4 /* descriptor table pointer */

#define BMDMA_BMICOM_SSBM 0x01  /* start/stop bus master */
#define BMDMA_BMICOM_RWCON 0x08 /* 1: bus master writes memory (reads) */

#define BMDMA_BMISTA_BMIDEA 0x01  /* bus master active */
#define BMDMA_BMISTA_ERROR 0x02   /* write 1 to clear */
#define BMDMA_BMISTA_IDEINTS 0x04 /* interrupt, write 1 to clear */
#define BMDMA_BMISTA_DMA0CAP 0x20
#define BMDMA_BMISTA_DMA1CAP 0x40

/* PRD entry: base address (dword 0), byte count and EOT (dword 1) */
#define BMDMA_PRD_EOT 0x80000000u
#define BMDMA_PRD_MAX_ENTRIES 8192 /* a 64 KiB table */

typedef struct BMDMAState BMDMAState;
typedef struct BMDMATransfer BMDMATransfer;

typedef struct BMDMAChannel {
    BMDMAState *controller;
    IDEBus *bus;
    uint8_t cmd, status;
    uint32_t prdt;
    BMDMATransfer *transfer; /* the latest one the drive still works on */
} BMDMAChannel;

struct BMDMAState {
    BMDMAChannel channel[2];
    AddressSpace *as;
    MemoryRegion io;
    bool (*master_enabled)(void *opaque);
    void *master_opaque;
};

/*
 * Connects the engine to the two channels (either may be NULL) as their
 * IDEDMAOps and builds the 16-byte I/O region; data goes to and from as.
 */
void bmdma_init(BMDMAState *s, const char *name, IDEBus *bus0, IDEBus *bus1,
                AddressSpace *as);
MemoryRegion *bmdma_io_region(BMDMAState *s);
/*
 * Optional: asked before each transfer whether the engine may master the
 * bus (a PCI function's BME bit); when not, the transfer fails.
 */
void bmdma_set_master_check(BMDMAState *s, bool (*enabled)(void *opaque),
                            void *opaque);
void bmdma_reset(BMDMAState *s);
/* Both channels' registers, for the controller's description. */
extern const VMStateDescription vmstate_bmdma;

#endif
