/*
 * The ATA core of an IDE channel: task-file registers, device selection,
 * software reset, interrupts and the ATA command set of a hard disk (ATA/
 * ATAPI-8 ACS, T13/1699-D, sections 6 and 7), for one master and one slave.
 *
 * PIO data moves through io_buffer synchronously; DMA commands read or
 * write the medium asynchronously, straight into or out of the guest
 * buffers that the DMA engine (bmdma.c) mapped for them. Addressing is CHS (in
 * the geometry given or guessed as QEMU does), LBA28 or LBA48. Left out:
 * security, SMART, power management states (the commands succeed and change
 * nothing), overlapped/queued commands, the host protected area, and
 * INITIALIZE DEVICE PARAMETERS changing the translation.
 */
#include <errno.h>
#include <string.h>

#include "hw/ide/ide-internal.h"
#include "util/byteorder.h"
#include "util/error.h"
#include "util/log.h"

/* Command block register offsets */
#define ATA_REG_DATA 0
#define ATA_REG_ERROR 1 /* features when written */
#define ATA_REG_NSECTOR 2
#define ATA_REG_LBAL 3
#define ATA_REG_LBAM 4
#define ATA_REG_LBAH 5
#define ATA_REG_DEVICE 6
#define ATA_REG_STATUS 7 /* command when written */

/* Device control register */
#define ATA_DEVCTL_NIEN 0x02
#define ATA_DEVCTL_SRST 0x04
#define ATA_DEVCTL_HOB 0x80

/* Device/head register */
#define ATA_DEV_LBA 0x40
#define ATA_DEV_DEV 0x10

/* Commands */
#define WIN_NOP 0x00
#define WIN_DEVICE_RESET 0x08
#define WIN_RECAL 0x10
#define WIN_READ 0x20
#define WIN_READ_ONCE 0x21
#define WIN_READ_EXT 0x24
#define WIN_READDMA_EXT 0x25
#define WIN_MULTREAD_EXT 0x29
#define WIN_WRITE 0x30
#define WIN_WRITE_ONCE 0x31
#define WIN_WRITE_EXT 0x34
#define WIN_WRITEDMA_EXT 0x35
#define WIN_MULTWRITE_EXT 0x39
#define WIN_VERIFY 0x40
#define WIN_VERIFY_ONCE 0x41
#define WIN_VERIFY_EXT 0x42
#define WIN_SEEK 0x70
#define WIN_DIAGNOSE 0x90
#define WIN_SPECIFY 0x91 /* INITIALIZE DEVICE PARAMETERS */
#define WIN_PACKETCMD 0xa0
#define WIN_PIDENTIFY 0xa1
#define WIN_MULTREAD 0xc4
#define WIN_MULTWRITE 0xc5
#define WIN_SETMULT 0xc6
#define WIN_READDMA 0xc8
#define WIN_READDMA_ONCE 0xc9
#define WIN_WRITEDMA 0xca
#define WIN_WRITEDMA_ONCE 0xcb
#define WIN_STANDBYNOW1 0xe0
#define WIN_IDLEIMMEDIATE 0xe1
#define WIN_STANDBY 0xe2
#define WIN_SETIDLE1 0xe3
#define WIN_CHECKPOWERMODE1 0xe5
#define WIN_SLEEPNOW1 0xe6
#define WIN_FLUSH_CACHE 0xe7
#define WIN_FLUSH_CACHE_EXT 0xea
#define WIN_IDENTIFY 0xec
#define WIN_SETFEATURES 0xef

/* SET FEATURES subcommands */
#define SETFEATURES_EN_WCACHE 0x02
#define SETFEATURES_XFER 0x03
#define SETFEATURES_DIS_WCACHE 0x82
#define SETFEATURES_XFER_PIO 0x08
#define SETFEATURES_XFER_MWDMA 0x20
#define SETFEATURES_XFER_UDMA 0x40

#define IDE_MAX_MULT_SECTORS 16
#define IDE_LBA28_MAX 0x0fffffffull

static unsigned ide_drive_serial;

static IDEState *ide_current(IDEBus *bus)
{
    return &bus->ifs[bus->unit];
}

static void ide_update_irq(IDEBus *bus)
{
    irq_set_level(bus->irq,
                  bus->irq_pending && !(bus->devctl & ATA_DEVCTL_NIEN));
}

void ide_set_irq(IDEBus *bus)
{
    bus->irq_pending = true;
    ide_update_irq(bus);
    if (!(bus->devctl & ATA_DEVCTL_NIEN) && bus->dma_ops) {
        bus->dma_ops->irq(bus->dma_opaque);
    }
}

static void ide_clear_irq(IDEBus *bus)
{
    bus->irq_pending = false;
    ide_update_irq(bus);
}

/* ---- identify --------------------------------------------------------- */

void ide_identify_string(uint8_t *words, const char *str, size_t len)
{
    size_t n = strlen(str);

    for (size_t i = 0; i < len; i++) {
        /* Each word holds two characters, the first in the high byte. */
        words[i ^ 1] = i < n ? str[i] : ' ';
    }
}

/* Word 255: signature 0xA5 and a checksum making all 512 bytes sum to 0. */
void ide_identify_checksum(uint8_t *identify)
{
    uint8_t sum = 0;

    identify[510] = 0xa5;
    for (int i = 0; i < 511; i++) {
        sum += identify[i];
    }
    identify[511] = -sum;
}

static void put_word(uint8_t *identify, int word, uint16_t value)
{
    stw_le_p(identify + 2 * word, value);
}

/* The selected transfer mode bits of words 62/63 and 88. */
static void ide_identify_transfer_modes(IDEState *s, uint8_t *id)
{
    uint16_t mwdma = 0x07, udma = 0x3f;

    if ((s->xfer_mode & 0xf8) == SETFEATURES_XFER_MWDMA) {
        mwdma |= 0x100 << (s->xfer_mode & 7);
    } else if ((s->xfer_mode & 0xf8) == SETFEATURES_XFER_UDMA) {
        udma |= 0x100 << (s->xfer_mode & 7);
    }
    put_word(id, 63, mwdma);
    put_word(id, 88, udma);
}

static void ide_identify(IDEState *s)
{
    uint8_t *id = s->identify;
    uint64_t lba28 = MIN(s->nb_sectors, IDE_LBA28_MAX);
    uint64_t chs = (uint64_t)s->cylinders * s->heads * s->sectors;

    memset(id, 0, sizeof(s->identify));
    put_word(id, 0, 0x0040); /* fixed, not removable */
    put_word(id, 1, s->cylinders);
    put_word(id, 3, s->heads);
    put_word(id, 4, 512 * s->sectors); /* obsolete: bytes per track */
    put_word(id, 5, 512);
    put_word(id, 6, s->sectors);
    ide_identify_string(id + 20, s->serial, 20);
    put_word(id, 20, 3); /* obsolete: buffer type */
    put_word(id, 21, 512);
    put_word(id, 22, 4);
    ide_identify_string(id + 46, s->version, 8);
    ide_identify_string(id + 54, s->model, 40);
    put_word(id, 47, 0x8000 | IDE_MAX_MULT_SECTORS);
    put_word(id, 48, 1);                               /* 32-bit PIO */
    put_word(id, 49, (1 << 11) | (1 << 9) | (1 << 8)); /* IORDY, LBA, DMA */
    put_word(id, 50, 0x4000);
    put_word(id, 51, 0x200); /* PIO timing */
    put_word(id, 52, 0x200);
    put_word(id, 53, 1 | 2 | 4); /* words 54-58, 64-70 and 88 valid */
    put_word(id, 54, s->cylinders);
    put_word(id, 55, s->heads);
    put_word(id, 56, s->sectors);
    put_word(id, 57, chs);
    put_word(id, 58, chs >> 16);
    if (s->mult_sectors) {
        put_word(id, 59, 0x100 | s->mult_sectors);
    }
    put_word(id, 60, lba28);
    put_word(id, 61, lba28 >> 16);
    put_word(id, 62, 0x07); /* single word DMA 0-2 (obsolete) */
    put_word(id, 64, 0x03); /* PIO 3 and 4 */
    put_word(id, 65, 120);  /* minimum cycle times (ns) */
    put_word(id, 66, 120);
    put_word(id, 67, 120);
    put_word(id, 68, 120);
    put_word(id, 80, 0xf0); /* ATA/ATAPI-4 to -7 */
    put_word(id, 81, 0x16);
    /* supported: NOP, look-ahead, write cache; FLUSH (EXT), LBA48 */
    put_word(id, 82, (1 << 14) | (1 << 6) | (1 << 5));
    put_word(id, 83, (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10));
    put_word(id, 84, (1 << 14) | (s->wwn ? 1 << 8 : 0)); /* 8: WWN */
    put_word(id, 85, (1 << 14) | (1 << 6) | (s->write_cache ? 1 << 5 : 0));
    put_word(id, 86, (1 << 13) | (1 << 12) | (1 << 10));
    put_word(id, 87, (1 << 14) | (s->wwn ? 1 << 8 : 0));
    put_word(id, 93, (1 << 14) | (1 << 13) | 1); /* 80-wire cable */
    put_word(id, 100, s->nb_sectors);
    put_word(id, 101, s->nb_sectors >> 16);
    put_word(id, 102, s->nb_sectors >> 32);
    put_word(id, 103, s->nb_sectors >> 48);
    /* physical sector size: bit 13, several logical sectors per one */
    put_word(id, 106,
             (1 << 14) | (s->physical_exp ? (1 << 13) | s->physical_exp : 0));
    if (s->wwn) { /* most significant word first */
        put_word(id, 108, s->wwn >> 48);
        put_word(id, 109, s->wwn >> 32);
        put_word(id, 110, s->wwn >> 16);
        put_word(id, 111, s->wwn);
    }
    ide_identify_transfer_modes(s, id);
    ide_identify_checksum(id);
}

/* ---- task file and transfers ------------------------------------------ */

/* What EXECUTE DEVICE DIAGNOSTIC and resets leave: the device's class. */
static void ide_set_signature(IDEState *s)
{
    s->select &= ATA_DEV_DEV;
    s->select |= 0xa0;
    s->nsector = 1;
    s->sector = 1;
    if (s->kind == IDE_CD) {
        s->lcyl = 0x14;
        s->hcyl = 0xeb;
    } else if (s->kind == IDE_HD) {
        s->lcyl = 0;
        s->hcyl = 0;
    } else {
        s->lcyl = 0xff;
        s->hcyl = 0xff;
    }
}

void ide_transfer_start(IDEState *s, uint8_t *buf, uint32_t size,
                        IDEEndTransferFunc *end)
{
    g_assert(buf >= s->io_buffer &&
             buf + size <= s->io_buffer + IDE_IO_BUFFER_SIZE);
    s->data_pos = buf - s->io_buffer;
    s->data_end = s->data_pos + size;
    s->end_transfer = end;
    s->status |= ATA_STATUS_DRQ;
}

void ide_transfer_stop(IDEState *s)
{
    s->data_pos = s->data_end = 0;
    s->end_transfer = NULL;
    s->status &= ~ATA_STATUS_DRQ;
}

void ide_abort_command(IDEState *s)
{
    ide_transfer_stop(s);
    s->status = ATA_STATUS_DRDY | ATA_STATUS_ERR;
    s->error = ATA_ERROR_ABRT;
}

static void ide_command_done(IDEState *s)
{
    ide_transfer_stop(s);
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    ide_set_irq(s->bus);
}

static void ide_command_error(IDEState *s, uint8_t error)
{
    ide_transfer_stop(s);
    s->status = ATA_STATUS_DRDY | ATA_STATUS_ERR;
    s->error = error;
    ide_set_irq(s->bus);
}

/* The address the task file holds, or UINT64_MAX for an invalid CHS. */
static uint64_t ide_get_sector(IDEState *s)
{
    if (s->select & ATA_DEV_LBA) {
        if (s->lba48) {
            return ((uint64_t)s->hob_hcyl << 40) |
                   ((uint64_t)s->hob_lcyl << 32) |
                   ((uint64_t)s->hob_sector << 24) | ((uint64_t)s->hcyl << 16) |
                   ((uint64_t)s->lcyl << 8) | s->sector;
        }
        return ((uint64_t)(s->select & 0x0f) << 24) |
               ((uint64_t)s->hcyl << 16) | ((uint64_t)s->lcyl << 8) | s->sector;
    }
    {
        unsigned cyl = (s->hcyl << 8) | s->lcyl;
        unsigned head = s->select & 0x0f;

        if (s->sector == 0 || s->sector > s->sectors || head >= s->heads ||
            cyl >= s->cylinders) {
            return UINT64_MAX;
        }
        return ((uint64_t)cyl * s->heads + head) * s->sectors + s->sector - 1;
    }
}

/*
 * Leaves an address in the task file: like QEMU, the sector after the last
 * one transferred (ATA leaves it unspecified on success).
 */
static void ide_set_sector(IDEState *s, uint64_t lba)
{
    if (s->select & ATA_DEV_LBA) {
        s->sector = lba;
        s->lcyl = lba >> 8;
        s->hcyl = lba >> 16;
        if (s->lba48) {
            s->hob_sector = lba >> 24;
            s->hob_lcyl = lba >> 32;
            s->hob_hcyl = lba >> 40;
        } else {
            s->select = (s->select & 0xf0) | ((lba >> 24) & 0x0f);
        }
    } else if (s->heads && s->sectors) {
        unsigned cyl = lba / (s->heads * s->sectors);
        unsigned rest = lba % (s->heads * s->sectors);

        s->hcyl = cyl >> 8;
        s->lcyl = cyl;
        s->select = (s->select & 0xf0) | (rest / s->sectors);
        s->sector = rest % s->sectors + 1;
    }
}

static uint32_t ide_get_count(IDEState *s)
{
    if (s->lba48) {
        uint32_t n = (s->hob_nsector << 8) | s->nsector;

        return n ? n : 65536;
    }
    return s->nsector ? s->nsector : 256;
}

/*
 * The command's range [lba, lba + count), checked against the medium.
 * False (with IDNF reported) when any of it lies past the end.
 */
static bool ide_get_range(IDEState *s, uint64_t *lba, uint32_t *count)
{
    *lba = ide_get_sector(s);
    *count = ide_get_count(s);
    if (*lba == UINT64_MAX || *lba > s->nb_sectors ||
        *count > s->nb_sectors - *lba) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: sector range %" PRIu64
                        "+%u beyond the medium (%" PRIu64 " sectors)\n",
                        s->bus->name, *lba, *count, s->nb_sectors);
        ide_command_error(s, ATA_ERROR_IDNF | ATA_ERROR_ABRT);
        return false;
    }
    return true;
}

/* ---- PIO --------------------------------------------------------------- */

static void ide_pio_read_next(IDEState *s)
{
    uint32_t n = MIN(s->pio_remaining, s->pio_block);

    ide_transfer_stop(s);
    if (!n) {
        s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
        return;
    }
    if (blk_pread(s->blk, s->pio_lba * BDRV_SECTOR_SIZE, s->io_buffer,
                  (uint64_t)n * BDRV_SECTOR_SIZE) < 0) {
        ide_command_error(s, ATA_ERROR_UNC | ATA_ERROR_ABRT);
        return;
    }
    ide_set_sector(s, s->pio_lba + n);
    s->pio_lba += n;
    s->pio_remaining -= n;
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    ide_transfer_start(s, s->io_buffer, n * BDRV_SECTOR_SIZE,
                       ide_pio_read_next);
    ide_set_irq(s->bus);
}

static void ide_pio_write_block_start(IDEState *s);

static void ide_pio_write_block_done(IDEState *s)
{
    uint32_t n = MIN(s->pio_remaining, s->pio_block);

    ide_transfer_stop(s);
    if (blk_pwrite(s->blk, s->pio_lba * BDRV_SECTOR_SIZE, s->io_buffer,
                   (uint64_t)n * BDRV_SECTOR_SIZE) < 0) {
        ide_command_error(s, ATA_ERROR_ABRT);
        return;
    }
    /* With the write cache off the backend made the data durable. */
    ide_set_sector(s, s->pio_lba + n);
    s->pio_lba += n;
    s->pio_remaining -= n;
    if (!s->pio_remaining) {
        ide_command_done(s);
        return;
    }
    ide_pio_write_block_start(s);
    ide_set_irq(s->bus);
}

static void ide_pio_write_block_start(IDEState *s)
{
    uint32_t n = MIN(s->pio_remaining, s->pio_block);

    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    ide_transfer_start(s, s->io_buffer, n * BDRV_SECTOR_SIZE,
                       ide_pio_write_block_done);
}

static void ide_pio_start(IDEState *s, bool write, uint32_t block)
{
    uint64_t lba;
    uint32_t count;

    if (!ide_get_range(s, &lba, &count)) {
        return;
    }
    s->pio_lba = lba;
    s->pio_remaining = count;
    s->pio_block = block;
    s->pio_write = write;
    if (write) {
        /* The first block is requested without an interrupt. */
        ide_pio_write_block_start(s);
    } else {
        ide_pio_read_next(s);
    }
}

/* ---- DMA --------------------------------------------------------------- */

/*
 * A DMA command waits (dma_ready) until the engine has mapped the guest's
 * buffers for it. The medium is then read straight into them or written
 * straight from them; when that finishes the engine releases the buffers,
 * and only then does the command complete and interrupt.
 */
typedef struct IDEDMARequest {
    IDEState *s;
    unsigned generation;
    bool complete; /* the engine's buffers covered the whole transfer */
    IDEDMADoneFunc *done;
    void *done_opaque;
} IDEDMARequest;

static void ide_dma_complete(IDEState *s, bool ok)
{
    s->bus->dma_dev = NULL;
    if (s->kind == IDE_CD) {
        ide_atapi_dma_finished(s, ok);
    } else if (ok) {
        ide_set_sector(s, s->dma_lba);
        ide_command_done(s);
    } else {
        ide_command_error(s, ATA_ERROR_ABRT);
    }
}

void ide_dma_start(IDEState *s, bool to_memory, uint64_t offset, uint32_t len,
                   uint8_t *buf)
{
    s->bus->dma_dev = s;
    s->dma_to_memory = to_memory;
    s->dma_offset = offset;
    s->dma_buf = buf;
    s->dma_len = len;
    s->dma_ready = true;
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_DRQ;
    if (s->bus->dma_ops) {
        s->bus->dma_ops->ready(s->bus->dma_opaque);
    }
}

static void ide_dma_io_cb(void *opaque, int ret)
{
    IDEDMARequest *req = opaque;
    IDEState *s = req->s;

    /* Even for a reset device: the engine's buffers are released. */
    req->done(req->done_opaque, ret);
    if (req->generation == s->generation) {
        ide_dma_complete(s, ret >= 0 && req->complete);
    }
    g_free(req);
}

bool ide_bus_dma_pending(IDEBus *bus, uint32_t *len, bool *to_memory)
{
    IDEState *s = bus->dma_dev;

    if (!s || !s->dma_ready) {
        return false;
    }
    *len = s->dma_len;
    *to_memory = s->dma_to_memory;
    return true;
}

void ide_bus_dma_transfer(IDEBus *bus, IOVector *qiov, bool complete,
                          IDEDMADoneFunc *done, void *opaque)
{
    IDEState *s = bus->dma_dev;
    IDEDMARequest *req;

    g_assert(s && s->dma_ready && qiov->size <= s->dma_len);
    g_assert(complete || qiov->size < s->dma_len);
    s->dma_ready = false;
    req = g_new0(IDEDMARequest, 1);
    *req = (IDEDMARequest){.s = s,
                           .generation = s->generation,
                           .complete = complete,
                           .done = done,
                           .done_opaque = opaque};
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_BSY;
    if (s->dma_buf) {
        /* A reply the device built (ATAPI): copied out at once. */
        iovector_from_buf(qiov, 0, s->dma_buf, qiov->size);
        g_clear_pointer(&s->dma_buf, g_free);
        ide_dma_io_cb(req, 0);
    } else if (s->dma_to_memory) {
        /* Even a short table gets what it covers, as on hardware. */
        blk_aio_preadv(s->blk, s->dma_offset, qiov, ide_dma_io_cb, req);
    } else if (complete) {
        blk_aio_pwritev(s->blk, s->dma_offset, qiov, ide_dma_io_cb, req);
    } else {
        /* Part of a write never reaches the medium. */
        ide_dma_io_cb(req, 0);
    }
}

void ide_bus_dma_abort(IDEBus *bus)
{
    IDEState *s = bus->dma_dev;

    if (!s || !s->dma_ready) {
        return;
    }
    s->dma_ready = false;
    g_clear_pointer(&s->dma_buf, g_free);
    ide_dma_complete(s, false);
}

static void ide_dma_command(IDEState *s, bool write)
{
    uint64_t lba;
    uint32_t count;

    if (!s->bus->dma_ops) {
        /* A channel without a bus master (isa-ide) cannot do DMA. */
        ide_abort_command(s);
        ide_set_irq(s->bus);
        return;
    }
    if (!ide_get_range(s, &lba, &count)) {
        return;
    }
    s->dma_lba = lba + count;
    ide_dma_start(s, !write, lba * BDRV_SECTOR_SIZE, count * BDRV_SECTOR_SIZE,
                  NULL);
}

/* Drops any transfer in progress (reset): late completions are ignored. */
static void ide_cancel(IDEState *s)
{
    if (s->bus->dma_dev == s) {
        s->bus->dma_dev = NULL;
    }
    s->generation++;
    s->dma_ready = false;
    g_clear_pointer(&s->dma_buf, g_free);
    ide_transfer_stop(s);
    s->pio_remaining = 0;
}

/* ---- commands ---------------------------------------------------------- */

static void ide_flush_cb(void *opaque, int ret)
{
    IDEDMARequest *req = opaque;

    if (req->generation == req->s->generation) {
        if (ret < 0) {
            ide_command_error(req->s, ATA_ERROR_ABRT);
        } else {
            ide_command_done(req->s);
        }
    }
    g_free(req);
}

static void ide_set_features(IDEState *s)
{
    uint8_t mode = s->nsector;

    switch (s->feature) {
    case SETFEATURES_EN_WCACHE:
    case SETFEATURES_DIS_WCACHE:
        if (s->kind != IDE_HD) {
            break;
        }
        s->write_cache = s->feature == SETFEATURES_EN_WCACHE;
        /* Off: the backend completes a write once it is durable. */
        blk_set_enable_write_cache(s->blk, s->write_cache);
        ide_identify(s);
        ide_command_done(s);
        return;
    case SETFEATURES_XFER:
        if (mode <= 1 ||
            ((mode & 0xf8) == SETFEATURES_XFER_PIO && (mode & 7) <= 4) ||
            ((mode & 0xf8) == SETFEATURES_XFER_MWDMA && (mode & 7) <= 2) ||
            ((mode & 0xf8) == SETFEATURES_XFER_UDMA && (mode & 7) <= 5)) {
            s->xfer_mode = mode;
            if (s->kind == IDE_HD) {
                ide_identify(s);
            } else {
                ide_atapi_identify(s);
            }
            ide_command_done(s);
            return;
        }
        break;
    case 0x66: /* keep / revert to power-on defaults */
    case 0xcc:
    case 0xaa: /* read look-ahead on / off */
    case 0x55:
        ide_command_done(s);
        return;
    }
    log_unimp_once("%s: SET FEATURES 0x%02x (count 0x%02x)\n", s->bus->name,
                   s->feature, mode);
    ide_abort_command(s);
    ide_set_irq(s->bus);
}

/* Commands a CD-ROM (ATAPI) device accepts; the others abort. */
static bool ide_command_allowed_on_cd(uint8_t cmd)
{
    switch (cmd) {
    case WIN_DEVICE_RESET:
    case WIN_PACKETCMD:
    case WIN_PIDENTIFY:
    case WIN_DIAGNOSE:
    case WIN_CHECKPOWERMODE1:
    case WIN_SETFEATURES:
    case WIN_STANDBYNOW1:
    case WIN_IDLEIMMEDIATE:
    case WIN_STANDBY:
    case WIN_SETIDLE1:
    case WIN_SLEEPNOW1:
    case WIN_FLUSH_CACHE:
        return true;
    }
    return false;
}

static void ide_exec_cmd(IDEBus *bus, uint8_t cmd)
{
    IDEState *s = ide_current(bus);

    /* A command to an absent device is ignored; so is one while busy. */
    if (s->kind == IDE_NONE || (s->status & ATA_STATUS_BSY)) {
        return;
    }
    ide_clear_irq(bus);
    /* A new command abandons a DMA transfer the engine never ran. */
    ide_cancel(s);
    s->error = 0;
    s->lba48 = false;
    if (s->kind == IDE_CD && !ide_command_allowed_on_cd(cmd)) {
        /* How drivers tell ATAPI from ATA: the signature, then ABRT. */
        ide_set_signature(s);
        ide_abort_command(s);
        ide_set_irq(bus);
        return;
    }
    if (s->kind == IDE_HD && (cmd == WIN_DEVICE_RESET || cmd == WIN_PACKETCMD ||
                              cmd == WIN_PIDENTIFY)) {
        ide_abort_command(s);
        ide_set_irq(bus);
        return;
    }

    switch (cmd) {
    case WIN_IDENTIFY:
        memcpy(s->io_buffer, s->identify, sizeof(s->identify));
        s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
        ide_transfer_start(s, s->io_buffer, 512, ide_transfer_stop);
        ide_set_irq(bus);
        return;
    case WIN_PIDENTIFY:
        memcpy(s->io_buffer, s->identify, sizeof(s->identify));
        s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
        ide_transfer_start(s, s->io_buffer, 512, ide_transfer_stop);
        ide_set_irq(bus);
        return;
    case WIN_READ_EXT:
    case WIN_MULTREAD_EXT:
    case WIN_WRITE_EXT:
    case WIN_MULTWRITE_EXT:
    case WIN_READDMA_EXT:
    case WIN_WRITEDMA_EXT:
    case WIN_VERIFY_EXT:
    case WIN_FLUSH_CACHE_EXT:
        s->lba48 = true;
        break;
    }

    switch (cmd) {
    case WIN_READ:
    case WIN_READ_ONCE:
    case WIN_READ_EXT:
        ide_pio_start(s, false, 1);
        return;
    case WIN_WRITE:
    case WIN_WRITE_ONCE:
    case WIN_WRITE_EXT:
        ide_pio_start(s, true, 1);
        return;
    case WIN_MULTREAD:
    case WIN_MULTREAD_EXT:
    case WIN_MULTWRITE:
    case WIN_MULTWRITE_EXT:
        if (!s->mult_sectors) {
            ide_abort_command(s);
            ide_set_irq(bus);
            return;
        }
        ide_pio_start(s, cmd == WIN_MULTWRITE || cmd == WIN_MULTWRITE_EXT,
                      s->mult_sectors);
        return;
    case WIN_READDMA:
    case WIN_READDMA_ONCE:
    case WIN_READDMA_EXT:
        ide_dma_command(s, false);
        return;
    case WIN_WRITEDMA:
    case WIN_WRITEDMA_ONCE:
    case WIN_WRITEDMA_EXT:
        ide_dma_command(s, true);
        return;
    case WIN_VERIFY:
    case WIN_VERIFY_ONCE:
    case WIN_VERIFY_EXT: {
        uint64_t lba;
        uint32_t count;

        if (ide_get_range(s, &lba, &count)) {
            ide_set_sector(s, lba + count);
            ide_command_done(s);
        }
        return;
    }
    case WIN_SETMULT:
        if (s->nsector > IDE_MAX_MULT_SECTORS ||
            (s->nsector & (s->nsector - 1))) {
            ide_abort_command(s);
            ide_set_irq(bus);
            return;
        }
        s->mult_sectors = s->nsector;
        ide_identify(s);
        ide_command_done(s);
        return;
    case WIN_FLUSH_CACHE:
    case WIN_FLUSH_CACHE_EXT: {
        IDEDMARequest *req;

        if (s->kind != IDE_HD) {
            ide_command_done(s);
            return;
        }
        req = g_new0(IDEDMARequest, 1);
        req->s = s;
        req->generation = s->generation;
        s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_BSY;
        blk_aio_flush(s->blk, ide_flush_cb, req);
        return;
    }
    case WIN_SETFEATURES:
        ide_set_features(s);
        return;
    case WIN_SPECIFY:
    case WIN_RECAL:
    case WIN_RECAL + 1 ... WIN_RECAL + 15:
    case WIN_SEEK ... WIN_SEEK + 15:
    case WIN_STANDBYNOW1:
    case WIN_IDLEIMMEDIATE:
    case WIN_STANDBY:
    case WIN_SETIDLE1:
    case WIN_SLEEPNOW1:
        ide_command_done(s);
        return;
    case WIN_CHECKPOWERMODE1:
        s->nsector = 0xff; /* active or idle */
        ide_command_done(s);
        return;
    case WIN_DIAGNOSE:
        for (int i = 0; i < 2; i++) {
            ide_set_signature(&bus->ifs[i]);
            bus->ifs[i].error = 0x01; /* no error detected */
            if (bus->ifs[i].kind == IDE_HD) {
                bus->ifs[i].status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
            } else if (bus->ifs[i].kind == IDE_CD) {
                bus->ifs[i].status = 0;
            }
        }
        ide_set_irq(bus);
        return;
    case WIN_DEVICE_RESET:
        ide_cancel(s);
        ide_atapi_reset(s);
        ide_set_signature(s);
        s->status = 0;
        s->error = 0x01;
        return;
    case WIN_PACKETCMD:
        ide_atapi_packet_command(s);
        return;
    }
    log_unimp_once("%s: ATA command 0x%02x\n", bus->name, cmd);
    ide_abort_command(s);
    ide_set_irq(bus);
}

/* ---- registers --------------------------------------------------------- */

static uint32_t ide_data_read(IDEBus *bus, unsigned size)
{
    IDEState *s = ide_current(bus);
    uint32_t value = 0;

    if (!(s->status & ATA_STATUS_DRQ) || !s->end_transfer) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: data read outside a data "
                        "phase\n",
                        bus->name);
        return 0;
    }
    for (unsigned i = 0; i < size && s->data_pos < s->data_end; i++) {
        value |= (uint32_t)s->io_buffer[s->data_pos++] << (8 * i);
    }
    if (s->data_pos >= s->data_end) {
        s->end_transfer(s);
    }
    return value;
}

static void ide_data_write(IDEBus *bus, uint32_t value, unsigned size)
{
    IDEState *s = ide_current(bus);

    if (!(s->status & ATA_STATUS_DRQ) || !s->end_transfer) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: data write outside a data "
                        "phase\n",
                        bus->name);
        return;
    }
    for (unsigned i = 0; i < size && s->data_pos < s->data_end; i++) {
        s->io_buffer[s->data_pos++] = value >> (8 * i);
    }
    if (s->data_pos >= s->data_end) {
        s->end_transfer(s);
    }
}

static uint64_t ide_cmd_read(void *opaque, uint64_t addr, unsigned size)
{
    IDEBus *bus = opaque;
    IDEState *s = ide_current(bus);
    bool hob = bus->devctl & ATA_DEVCTL_HOB;
    bool present = bus->ifs[0].kind != IDE_NONE || bus->ifs[1].kind != IDE_NONE;

    if (addr == ATA_REG_DATA) {
        return ide_data_read(bus, size);
    }
    if (size != 1) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: %u-byte read of register %" PRIu64 "\n", bus->name,
                        size, addr);
        return UINT64_MAX;
    }
    /* No device on the channel: nothing drives the bus. */
    if (!present) {
        return 0;
    }
    switch (addr) {
    case ATA_REG_ERROR:
        return hob ? s->hob_feature : s->error;
    case ATA_REG_NSECTOR:
        return hob ? s->hob_nsector : s->nsector;
    case ATA_REG_LBAL:
        return hob ? s->hob_sector : s->sector;
    case ATA_REG_LBAM:
        return hob ? s->hob_lcyl : s->lcyl;
    case ATA_REG_LBAH:
        return hob ? s->hob_hcyl : s->hcyl;
    case ATA_REG_DEVICE:
        return s->select;
    case ATA_REG_STATUS:
        /* Reading the status acknowledges the interrupt. */
        ide_clear_irq(bus);
        return s->kind == IDE_NONE ? 0 : s->status;
    }
    return 0xff;
}

static void ide_cmd_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    IDEBus *bus = opaque;

    if (addr == ATA_REG_DATA) {
        ide_data_write(bus, value, size);
        return;
    }
    if (size != 1) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: %u-byte write of register %" PRIu64 "\n",
                        bus->name, size, addr);
        return;
    }
    if (addr == ATA_REG_STATUS) {
        ide_exec_cmd(bus, value);
        return;
    }
    /* Registers are written to both devices; HOB reads the older byte. */
    bus->devctl &= ~ATA_DEVCTL_HOB;
    for (int i = 0; i < 2; i++) {
        IDEState *s = &bus->ifs[i];

        switch (addr) {
        case ATA_REG_ERROR:
            s->hob_feature = s->feature;
            s->feature = value;
            break;
        case ATA_REG_NSECTOR:
            s->hob_nsector = s->nsector;
            s->nsector = value;
            break;
        case ATA_REG_LBAL:
            s->hob_sector = s->sector;
            s->sector = value;
            break;
        case ATA_REG_LBAM:
            s->hob_lcyl = s->lcyl;
            s->lcyl = value;
            break;
        case ATA_REG_LBAH:
            s->hob_hcyl = s->hcyl;
            s->hcyl = value;
            break;
        case ATA_REG_DEVICE:
            s->select = (value & ~ATA_DEV_DEV) | (i ? ATA_DEV_DEV : 0) | 0xa0;
            break;
        }
    }
    if (addr == ATA_REG_DEVICE) {
        bus->unit = (value & ATA_DEV_DEV) ? 1 : 0;
    }
}

const MemoryRegionOps ide_cmd_ops = {
    .read = ide_cmd_read,
    .write = ide_cmd_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
};

static void ide_bus_soft_reset(IDEBus *bus)
{
    for (int i = 0; i < 2; i++) {
        IDEState *s = &bus->ifs[i];

        ide_cancel(s);
        ide_atapi_reset(s);
        s->mult_sectors = 0;
        ide_set_signature(s);
        s->error = 0x01;
        s->status = s->kind == IDE_HD ? ATA_STATUS_DRDY | ATA_STATUS_DSC : 0;
        if (s->kind == IDE_HD) {
            ide_identify(s);
        }
    }
    bus->dma_dev = NULL;
    bus->unit = 0;
}

static uint64_t ide_ctl_read(void *opaque, uint64_t addr, unsigned size)
{
    IDEBus *bus = opaque;
    IDEState *s = ide_current(bus);

    /* Alternate status: the status without acknowledging anything. */
    if (bus->ifs[0].kind == IDE_NONE && bus->ifs[1].kind == IDE_NONE) {
        return 0;
    }
    return s->kind == IDE_NONE ? 0 : s->status;
}

static void ide_ctl_write(void *opaque, uint64_t addr, uint64_t value,
                          unsigned size)
{
    IDEBus *bus = opaque;
    uint8_t old = bus->devctl;

    bus->devctl = value & (ATA_DEVCTL_NIEN | ATA_DEVCTL_SRST | ATA_DEVCTL_HOB);
    if ((value & ATA_DEVCTL_SRST) && !(old & ATA_DEVCTL_SRST)) {
        /* Reset asserted: both devices busy until it is released. */
        for (int i = 0; i < 2; i++) {
            ide_cancel(&bus->ifs[i]);
            if (bus->ifs[i].kind != IDE_NONE) {
                bus->ifs[i].status = ATA_STATUS_BSY | ATA_STATUS_DSC;
            }
        }
        bus->irq_pending = false;
    } else if (!(value & ATA_DEVCTL_SRST) && (old & ATA_DEVCTL_SRST)) {
        ide_bus_soft_reset(bus);
    }
    ide_update_irq(bus);
}

const MemoryRegionOps ide_ctl_ops = {
    .read = ide_ctl_read,
    .write = ide_ctl_write,
    .valid_min = 1,
    .valid_max = 1,
};

/* ---- setup ------------------------------------------------------------- */

void ide_bus_init(IDEBus *bus, const char *name)
{
    memset(bus, 0, sizeof(*bus));
    bus->name = g_strdup(name);
    for (int i = 0; i < 2; i++) {
        bus->ifs[i].bus = bus;
        bus->ifs[i].unit = i;
        bus->ifs[i].io_buffer = g_malloc0(IDE_IO_BUFFER_SIZE);
    }
}

/* Without a partition table: 16 heads, 63 sectors, 2 to 16383 cylinders. */
static void ide_geometry_for_size(IDEState *s)
{
    uint64_t cylinders = s->nb_sectors / (16 * 63);

    s->heads = 16;
    s->sectors = 63;
    s->cylinders = CLAMP(cylinders, 2, 16383);
}

/*
 * The logical geometry an MBR's partition table implies, as QEMU guesses
 * it: the first partition with sectors and a non-zero end head is taken
 * to end on a cylinder boundary, so heads are its end head plus one and
 * sectors per track its end sector.
 */
static bool ide_geometry_from_mbr(IDEState *s, unsigned *cyls, unsigned *heads,
                                  unsigned *secs)
{
    uint8_t mbr[BDRV_SECTOR_SIZE];

    if (blk_pread_unaccounted(s->blk, 0, mbr, sizeof(mbr)) < 0 ||
        mbr[510] != 0x55 || mbr[511] != 0xaa) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        const uint8_t *entry = mbr + 0x1be + 16 * i;
        unsigned end_head = entry[5], end_sector = entry[6] & 63;
        uint64_t c;

        if (!ldl_le_p(entry + 12) || !end_head || !end_sector) {
            continue;
        }
        c = s->nb_sectors / ((end_head + 1) * end_sector);
        if (c < 1 || c > 16383) {
            continue;
        }
        *cyls = c;
        *heads = end_head + 1;
        *secs = end_sector;
        return true;
    }
    return false;
}

static IDEBiosTranslation ide_chs_auto_trans(const IDEState *s)
{
    return s->cylinders <= 1024 && s->heads <= 16 && s->sectors <= 63
               ? IDE_CHS_TRANS_NONE
               : IDE_CHS_TRANS_LBA;
}

/*
 * A disk's geometry and BIOS translation: the -device's (checked against
 * IDE's limits, with QEMU's words) or guessed as QEMU guesses it.
 */
static bool ide_geometry_init(IDEState *s, const IDEDriveOptions *opts,
                              GError **errp)
{
    unsigned c, h, sec;
    IDEBiosTranslation trans;

    if (opts->cyls || opts->heads || opts->secs) {
        if (opts->cyls < 1 || opts->cyls > 65535) {
            return error_setg(errp, "cyls must be between 1 and 65535");
        }
        if (opts->heads < 1 || opts->heads > 16) {
            return error_setg(errp, "heads must be between 1 and 16");
        }
        if (opts->secs < 1 || opts->secs > 255) {
            return error_setg(errp, "secs must be between 1 and 255");
        }
        s->cylinders = opts->cyls;
        s->heads = opts->heads;
        s->sectors = opts->secs;
        trans = ide_chs_auto_trans(s);
    } else if (!ide_geometry_from_mbr(s, &c, &h, &sec)) {
        ide_geometry_for_size(s);
        trans = ide_chs_auto_trans(s);
    } else if (h > 16) {
        /* More than 16 heads: the BIOS that partitioned it translated. */
        ide_geometry_for_size(s);
        trans = (uint64_t)s->cylinders * s->heads <= 131072
                    ? IDE_CHS_TRANS_LARGE
                    : IDE_CHS_TRANS_LBA;
    } else {
        /* The partitions' geometry is the drive's, untranslated. */
        s->cylinders = c;
        s->heads = h;
        s->sectors = sec;
        trans = IDE_CHS_TRANS_NONE;
    }
    s->chs_trans =
        opts->chs_trans != IDE_CHS_TRANS_AUTO ? opts->chs_trans : trans;
    return true;
}

static unsigned ide_bus_count;

char *ide_bus_next_name(void)
{
    return g_strdup_printf("ide.%u", ide_bus_count++);
}

void ide_bus_add_qbus(IDEBus *bus, DeviceState *parent)
{
    bus->qbus = bus_new(parent, TYPE_IDE_BUS, bus->name);
    bus->qbus->opaque = bus;
}

bool ide_bus_attach(IDEBus *bus, int unit, BlockBackend *blk, IDEDriveKind kind,
                    const IDEDriveOptions *opts, GError **errp)
{
    static const IDEDriveOptions defaults;
    IDEState *s = &bus->ifs[unit];
    uint32_t pbs;

    if (!opts) {
        opts = &defaults;
    }
    pbs = opts->physical_block_size ? opts->physical_block_size : 512;
    if (kind == IDE_HD && !blk_is_inserted(blk)) {
        return error_setg(errp, "Device needs media, but drive is empty");
    }
    if (kind == IDE_HD && blk_is_read_only(blk)) {
        return error_setg(errp, "Can't use a read-only drive");
    }
    s->blk = blk;
    if (kind == IDE_HD) {
        s->nb_sectors = blk_getlength(blk) / BDRV_SECTOR_SIZE;
        if (!ide_geometry_init(s, opts, errp)) {
            s->blk = NULL;
            return false;
        }
    }
    s->kind = kind;
    if (opts->serial) {
        g_strlcpy(s->serial, opts->serial, sizeof(s->serial));
    } else {
        snprintf(s->serial, sizeof(s->serial), "QM%05u", ++ide_drive_serial);
    }
    g_strlcpy(s->model,
              opts->model      ? opts->model
              : kind == IDE_CD ? "QEMU DVD-ROM"
                               : "QEMU HARDDISK",
              sizeof(s->model));
    g_strlcpy(s->version, opts->version ? opts->version : "2.5+",
              sizeof(s->version));
    s->wwn = opts->wwn;
    s->physical_exp = pbs > 512 ? __builtin_ctz(pbs / 512) : 0;
    /* A medium present at power-on is reported once as new media. */
    s->media_event_pending = kind == IDE_CD && blk_is_inserted(blk);
    if (kind == IDE_HD) {
        /* cache.writeback= of the -drive, until the guest changes it */
        s->write_cache_default = blk_enable_write_cache(blk);
        s->write_cache = s->write_cache_default;
    }
    return true;
}

void ide_bus_init_ioports(IDEBus *bus)
{
    g_autofree char *cmd = g_strdup_printf("%s-cmd", bus->name);
    g_autofree char *ctl = g_strdup_printf("%s-ctl", bus->name);

    memory_region_init_io(&bus->cmd_io, cmd, &ide_cmd_ops, bus, 8);
    memory_region_init_io(&bus->ctl_io, ctl, &ide_ctl_ops, bus, 1);
}

void ide_bus_set_irq(IDEBus *bus, IRQLine *irq)
{
    bus->irq = irq;
}

void ide_bus_set_dma(IDEBus *bus, const IDEDMAOps *ops, void *opaque)
{
    bus->dma_ops = ops;
    bus->dma_opaque = opaque;
}

void ide_bus_reset(IDEBus *bus)
{
    bus->devctl = 0;
    bus->irq_pending = false;
    for (int i = 0; i < 2; i++) {
        IDEState *s = &bus->ifs[i];

        s->feature = s->hob_feature = 0;
        s->hob_nsector = s->hob_sector = s->hob_lcyl = s->hob_hcyl = 0;
        s->select = 0xa0 | (i ? ATA_DEV_DEV : 0);
        s->xfer_mode = 0;
        if (s->kind == IDE_HD) {
            s->write_cache = s->write_cache_default;
            blk_set_enable_write_cache(s->blk, s->write_cache);
        } else if (s->kind == IDE_CD) {
            blk_lock_medium(s->blk, false);
            ide_atapi_identify(s);
        }
    }
    ide_bus_soft_reset(bus);
    ide_update_irq(bus);
}

/* ---- state ------------------------------------------------------------ */

/*
 * A device's registers between commands. The state of a command in its
 * data phase (the PIO buffer and where it is, a DMA transfer waiting for
 * the engine, an ATAPI reply) is not described yet: saving refuses while
 * one is in progress, and the guest's next command is a moment later.
 */
static bool ide_device_pre_save(void *opaque, GError **errp)
{
    IDEState *s = opaque;

    if (s->blk) {
        blk_drain(s->blk); /* completions land before the state is read */
    }
    if ((s->status & (ATA_STATUS_BSY | ATA_STATUS_DRQ)) || s->end_transfer ||
        s->dma_ready || s->bus->dma_dev == s) {
        return error_setg(errp,
                          "%s unit %d is in the middle of a command; "
                          "its state can be saved once it completes",
                          s->bus->name, s->unit);
    }
    return true;
}

static bool ide_device_post_load(void *opaque, int version_id, GError **errp)
{
    IDEState *s = opaque;

    if (s->kind == IDE_HD) {
        blk_set_enable_write_cache(s->blk, s->write_cache);
    }
    return true;
}

static const VMStateDescription vmstate_ide_device = {
    .name = "ide_drive",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = ide_device_pre_save,
    .post_load = ide_device_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(feature, IDEState),
            VMSTATE_UINT8(error, IDEState),
            VMSTATE_UINT8(nsector, IDEState),
            VMSTATE_UINT8(sector, IDEState),
            VMSTATE_UINT8(lcyl, IDEState),
            VMSTATE_UINT8(hcyl, IDEState),
            VMSTATE_UINT8(hob_feature, IDEState),
            VMSTATE_UINT8(hob_nsector, IDEState),
            VMSTATE_UINT8(hob_sector, IDEState),
            VMSTATE_UINT8(hob_lcyl, IDEState),
            VMSTATE_UINT8(hob_hcyl, IDEState),
            VMSTATE_UINT8(select, IDEState),
            VMSTATE_UINT8(status, IDEState),
            VMSTATE_BOOL(lba48, IDEState),
            VMSTATE_UINT32(mult_sectors, IDEState),
            VMSTATE_BOOL(write_cache, IDEState),
            VMSTATE_UINT8(xfer_mode, IDEState),
            VMSTATE_UINT8(sense_key, IDEState),
            VMSTATE_UINT8(asc, IDEState),
            VMSTATE_UINT8(ascq, IDEState),
            VMSTATE_BOOL(media_event_pending, IDEState),
            VMSTATE_END_OF_LIST(),
        },
};

static bool ide_bus_post_load(void *opaque, int version_id, GError **errp)
{
    IDEBus *bus = opaque;

    for (int i = 0; i < 2; i++) {
        IDEState *s = &bus->ifs[i];

        if (s->status & (ATA_STATUS_BSY | ATA_STATUS_DRQ)) {
            return error_setg(errp,
                              "%s unit %d: status 0x%02x has a command "
                              "in progress",
                              bus->name, i, s->status);
        }
        if (s->mult_sectors > IDE_MAX_MULT_SECTORS) {
            return error_setg(errp, "%s unit %d: %u sectors per block",
                              bus->name, i, s->mult_sectors);
        }
    }
    bus->unit &= 1;
    ide_update_irq(bus);
    return true;
}

const VMStateDescription vmstate_ide_bus = {
    .name = "ide_bus",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = ide_bus_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(unit, IDEBus),
            VMSTATE_UINT8(devctl, IDEBus),
            VMSTATE_BOOL(irq_pending, IDEBus),
            VMSTATE_STRUCT_ARRAY(ifs, IDEBus, 2, vmstate_ide_device, IDEState),
            VMSTATE_END_OF_LIST(),
        },
};
