/*
 * The IDE (ATA/ATAPI) bus: one channel with a master and a slave device
 * behind the task-file registers, as a controller maps them.
 *
 * A controller (isa-ide, the PIIX3 IDE function) owns IDEBus structs and
 * maps, per channel, the command block (8 ports: data, error/features,
 * sector count, LBA low/mid/high, device/head, status/command) and the
 * control block (1 port: alternate status/device control) with the
 * MemoryRegionOps below, wires the channel's interrupt line, and may attach
 * a DMA engine (hw/ide/bmdma.h) that moves the data of DMA commands.
 */
#ifndef HW_IDE_IDE_H
#define HW_IDE_IDE_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "block/block.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/core/vmstate.h"
#include "system/memory.h"

#define IDE_IO_BUFFER_SIZE (64 * 1024)
#define ATAPI_PACKET_SIZE 12

typedef enum {
    IDE_NONE,
    IDE_HD,
    IDE_CD,
} IDEDriveKind;

/*
 * QEMU's BiosAtaTranslation: the CHS translation a BIOS applies to a disk
 * (CMOS 0x39 holds it less one for each of the first four drives).
 */
typedef enum {
    IDE_CHS_TRANS_AUTO,
    IDE_CHS_TRANS_NONE,
    IDE_CHS_TRANS_LBA,
    IDE_CHS_TRANS_LARGE,
    IDE_CHS_TRANS_RECHS,
} IDEBiosTranslation;

typedef struct IDEBus IDEBus;
typedef struct IDEState IDEState;
typedef void IDEEndTransferFunc(IDEState *s);

/* One device (master or slave). */
struct IDEState {
    IDEBus *bus;
    int unit;
    IDEDriveKind kind;
    BlockBackend *blk;
    uint64_t nb_sectors;                /* 512-byte sectors (disks) */
    unsigned cylinders, heads, sectors; /* the drive's (physical) geometry */
    IDEBiosTranslation chs_trans;       /* never AUTO once attached */
    char serial[21];
    char model[41];       /* IDENTIFY words 27-46 */
    char version[9];      /* IDENTIFY words 23-26, firmware revision */
    uint64_t wwn;         /* world wide name, words 108-111; 0: none */
    uint8_t physical_exp; /* log2 of logical sectors per physical one */
    uint8_t identify[512];

    /* task file; hob_* hold the previous write (48-bit commands) */
    uint8_t feature, error, nsector, sector, lcyl, hcyl;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t select, status;
    bool lba48; /* the command in progress uses 48-bit addressing */

    unsigned mult_sectors; /* SET MULTIPLE MODE, 0: off */
    bool write_cache;
    bool write_cache_default; /* the -drive's cache.writeback */
    uint8_t xfer_mode;        /* SET FEATURES transfer mode value */

    /* PIO data phase: the guest reads/writes io_buffer[data_pos..data_end) */
    uint8_t *io_buffer;
    uint32_t data_pos, data_end;
    IDEEndTransferFunc *end_transfer;
    uint64_t pio_lba;
    uint32_t pio_remaining; /* sectors still to transfer */
    uint32_t pio_block;     /* sectors in the current DRQ block */
    bool pio_write;

    /* DMA: a transfer waiting for the DMA engine, or in flight */
    unsigned generation; /* bumped by reset: late completions are dropped */
    bool dma_ready, dma_to_memory;
    uint8_t *dma_buf; /* a reply to send instead of medium data */
    uint32_t dma_len;
    uint64_t dma_offset; /* byte offset in the medium */
    uint64_t dma_lba;    /* sector after the transfer, for the task file */

    /* ATAPI */
    uint8_t packet[ATAPI_PACKET_SIZE];
    uint8_t sense_key, asc, ascq;
    bool atapi_dma;
    uint32_t atapi_byte_limit;
    uint64_t atapi_total; /* reply bytes not yet sent */
    uint32_t atapi_buf_pos, atapi_buf_len;
    uint64_t atapi_lba; /* next 2048-byte sector to read */
    uint32_t atapi_sectors_left;
    bool media_event_pending;
};

/*
 * The controller's view of a DMA engine: ready() when a device has a DMA
 * transfer waiting (ide_bus_dma_pending() returns it), irq() whenever the
 * channel asserts its interrupt (the engine's "interrupt" status bit).
 */
typedef struct IDEDMAOps {
    void (*ready)(void *opaque);
    void (*irq)(void *opaque);
} IDEDMAOps;

/* The bus kind of IDEBus.qbus, QEMU's "IDE": ide-hd and ide-cd sit on it. */
#define TYPE_IDE_BUS "IDE"

struct IDEBus {
    char *name;
    BusState *qbus; /* the channel in the device tree ("ide.0"), or NULL */
    IDEState ifs[2];
    uint8_t unit;   /* selected device (device/head register bit 4) */
    uint8_t devctl; /* device control: nIEN, SRST, HOB */
    bool irq_pending;
    IRQLine *irq;
    IDEState *dma_dev; /* device whose DMA transfer is in progress */
    const IDEDMAOps *dma_ops;
    void *dma_opaque;
    MemoryRegion cmd_io, ctl_io;
};

/* Command block (8 ports) and control block (1 port) ops; opaque: IDEBus. */
extern const MemoryRegionOps ide_cmd_ops;
extern const MemoryRegionOps ide_ctl_ops;

/* A channel's state (both devices), for a controller's description. */
extern const VMStateDescription vmstate_ide_bus;

void ide_bus_init(IDEBus *bus, const char *name);
/*
 * The channel's place in the device tree: a bus of kind TYPE_IDE_BUS below
 * parent, named as the IDEBus is, on which ide-hd and ide-cd devices
 * (hw/ide/ide-dev.c) attach to its units.
 */
void ide_bus_add_qbus(IDEBus *bus, DeviceState *parent);
/* QEMU's name for the next IDE channel of the machine: "ide.0", "ide.1"... */
char *ide_bus_next_name(void);

/* What a drive reports of itself; NULL or zero fields: QEMU's defaults. */
typedef struct IDEDriveOptions {
    const char *serial;  /* default "QM" and a 5-digit number */
    const char *model;   /* default "QEMU HARDDISK" / "QEMU DVD-ROM" */
    const char *version; /* default "2.5+" */
    uint64_t wwn;
    uint32_t physical_block_size; /* a power of 2, 512 to 2 MiB; 0: 512 */
    /*
     * Disks: a geometry (all three zero: guessed from the MBR's partition
     * table, else 16 heads and 63 sectors, as QEMU does) and the BIOS
     * translation (AUTO: what the geometry calls for).
     */
    uint32_t cyls, heads, secs;
    IDEBiosTranslation chs_trans;
} IDEDriveOptions;

/*
 * Puts a medium behind unit 0 (master) or 1 (slave): a disk (IDE_HD, needs
 * a medium, read-write) or a CD-ROM (IDE_CD, may be empty). opts may be
 * NULL.
 */
bool ide_bus_attach(IDEBus *bus, int unit, BlockBackend *blk, IDEDriveKind kind,
                    const IDEDriveOptions *opts, GError **errp);

/* Initialises bus->cmd_io (8 ports) and bus->ctl_io (1 port) for mapping. */
void ide_bus_init_ioports(IDEBus *bus);
void ide_bus_set_irq(IDEBus *bus, IRQLine *irq);
void ide_bus_set_dma(IDEBus *bus, const IDEDMAOps *ops, void *opaque);
/* Power-on/hardware reset of both devices; drops any DMA in progress. */
void ide_bus_reset(IDEBus *bus);

/*
 * For the DMA engine: the waiting transfer, len bytes to guest memory
 * (to_memory) or from it. False if none.
 */
bool ide_bus_dma_pending(IDEBus *bus, uint32_t *len, bool *to_memory);

/*
 * ret is 0 when the data moved, a negative errno when the medium failed;
 * runs on the main loop (or from inside ide_bus_dma_transfer), before the
 * command's completion interrupt, also when the device was reset meanwhile.
 */
typedef void IDEDMADoneFunc(void *opaque, int ret);
/*
 * The engine mapped guest buffers for the waiting transfer: qiov (kept
 * alive by the engine until done runs) covers its first qiov->size bytes,
 * all of them when complete. An incomplete one (the PRD table ended, or
 * pointed where nothing decodes) still moves what qiov covers for a read,
 * as a drive streams data until the engine stops, writes nothing to the
 * medium, and fails the command.
 */
void ide_bus_dma_transfer(IDEBus *bus, IOVector *qiov, bool complete,
                          IDEDMADoneFunc *done, void *opaque);
/* The engine refuses the waiting transfer (bus mastering disabled). */
void ide_bus_dma_abort(IDEBus *bus);

#endif
