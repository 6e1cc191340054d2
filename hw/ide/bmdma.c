/*
 * Bus-master IDE DMA of the PIIX3/PIIX4 (Intel 82371SB datasheet, section
 * 2.7 "Bus Master IDE Registers", and the SFF-8038i programming model).
 *
 * A transfer runs when both sides are ready: the guest has set SSBM (which
 * sets BMIDEA) and the selected device has issued a DMA command and has its
 * data (reads) or its buffer (writes) ready. The engine then walks the PRD
 * table from BMIDTP: each entry's base and byte count (0 meaning 64 KiB)
 * are checked by the DMA helpers, and data is copied between guest memory
 * and the device's bounce buffer; the device does the medium I/O
 * asynchronously. BMIDEA clears when the table ends exactly with the
 * transfer; if the table is longer it stays set, as the datasheet says.
 * A table too short for the transfer, or a bad address, ends the command
 * with an error. IDEINTS follows the channel's interrupt line.
 */
#include <string.h>

#include "hw/ide/bmdma.h"
#include "system/dma.h"
#include "util/log.h"

static void bmdma_run(BMDMAChannel *ch)
{
    BMDMAState *s = ch->controller;
    uint64_t prd = ch->prdt;
    uint32_t len, moved = 0;
    uint8_t *buf;
    bool to_memory, eot = false, table_left = false, ok = true;

    if (!(ch->status & BMDMA_BMISTA_BMIDEA) ||
        !ide_bus_dma_pending(ch->bus, &buf, &len, &to_memory)) {
        return;
    }
    if (s->master_enabled && !s->master_enabled(s->master_opaque)) {
        log_mask_printf(LOG_GUEST_ERROR, "bmdma: transfer with bus "
                                         "mastering disabled\n");
        ch->status &= ~BMDMA_BMISTA_BMIDEA;
        ch->status |= BMDMA_BMISTA_ERROR;
        ide_bus_dma_done(ch->bus, false);
        return;
    }
    if (!!(ch->cmd & BMDMA_BMICOM_RWCON) != to_memory) {
        log_mask_printf(LOG_GUEST_ERROR, "bmdma: direction bit disagrees "
                                         "with the drive's command\n");
    }
    for (unsigned n = 0; moved < len; n++) {
        uint64_t base, control;
        uint32_t count, chunk;
        MemTxResult r;

        if (eot || n >= BMDMA_PRD_MAX_ENTRIES) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "bmdma: PRD table at 0x%08x "
                            "ends %u bytes before the transfer\n",
                            ch->prdt, len - moved);
            ok = false;
            break;
        }
        if (dma_load(s->as, prd, 4, &base) != MEMTX_OK ||
            dma_load(s->as, prd + 4, 4, &control) != MEMTX_OK) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "bmdma: PRD entry at 0x%" PRIx64 " unreadable\n",
                            prd);
            ch->status |= BMDMA_BMISTA_ERROR;
            ok = false;
            break;
        }
        prd += 8;
        eot = control & BMDMA_PRD_EOT;
        count = control & 0xfffe;
        if (!count) {
            count = 0x10000;
        }
        base &= ~1ull; /* bit 0 is reserved */
        chunk = MIN(count, len - moved);
        r = to_memory ? dma_memory_write(s->as, base, buf + moved, chunk)
                      : dma_memory_read(s->as, base, buf + moved, chunk);
        if (r != MEMTX_OK) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "bmdma: PRD region 0x%" PRIx64
                            "+%u not in guest memory\n",
                            base, chunk);
            ch->status |= BMDMA_BMISTA_ERROR;
            ok = false;
            break;
        }
        moved += chunk;
        table_left = chunk < count || !eot;
    }
    if (!ok || !table_left) {
        ch->status &= ~BMDMA_BMISTA_BMIDEA;
    }
    ide_bus_dma_done(ch->bus, ok);
}

static void bmdma_ready(void *opaque)
{
    bmdma_run(opaque);
}

static void bmdma_irq(void *opaque)
{
    BMDMAChannel *ch = opaque;

    ch->status |= BMDMA_BMISTA_IDEINTS;
}

static const IDEDMAOps bmdma_ide_ops = {
    .ready = bmdma_ready,
    .irq = bmdma_irq,
};

static uint64_t bmdma_read(void *opaque, uint64_t addr, unsigned size)
{
    BMDMAState *s = opaque;
    BMDMAChannel *ch = &s->channel[addr >> 3];
    unsigned reg = addr & 7;

    switch (reg) {
    case BMDMA_BMICOM:
        return ch->cmd;
    case BMDMA_BMISTA:
        return ch->status;
    case BMDMA_BMIDTP ... BMDMA_BMIDTP + 3:
        return (ch->prdt >> (8 * (reg - BMDMA_BMIDTP))) & 0xff;
    }
    return 0; /* reserved bytes read as 0 */
}

static void bmdma_write(void *opaque, uint64_t addr, uint64_t value,
                        unsigned size)
{
    BMDMAState *s = opaque;
    BMDMAChannel *ch = &s->channel[addr >> 3];
    unsigned reg = addr & 7, shift;

    switch (reg) {
    case BMDMA_BMICOM:
        if ((value & BMDMA_BMICOM_SSBM) && !(ch->cmd & BMDMA_BMICOM_SSBM)) {
            ch->cmd = value & (BMDMA_BMICOM_SSBM | BMDMA_BMICOM_RWCON);
            ch->status |= BMDMA_BMISTA_BMIDEA;
            if (ch->bus) {
                bmdma_run(ch);
            }
            return;
        }
        if (!(value & BMDMA_BMICOM_SSBM)) {
            /* Stop: the transfer (if any) is abandoned by the engine. */
            ch->status &= ~BMDMA_BMISTA_BMIDEA;
        }
        ch->cmd = value & (BMDMA_BMICOM_SSBM | BMDMA_BMICOM_RWCON);
        return;
    case BMDMA_BMISTA:
        ch->status =
            (ch->status & ~(BMDMA_BMISTA_DMA0CAP | BMDMA_BMISTA_DMA1CAP)) |
            (value & (BMDMA_BMISTA_DMA0CAP | BMDMA_BMISTA_DMA1CAP));
        ch->status &= ~(value & (BMDMA_BMISTA_ERROR | BMDMA_BMISTA_IDEINTS));
        return;
    case BMDMA_BMIDTP ... BMDMA_BMIDTP + 3:
        shift = 8 * (reg - BMDMA_BMIDTP);
        ch->prdt = (ch->prdt & ~(0xffu << shift)) | ((value & 0xff) << shift);
        ch->prdt &= ~3u; /* dword aligned */
        return;
    }
    log_mask_printf(LOG_GUEST_ERROR,
                    "bmdma: write 0x%02x to reserved offset "
                    "%" PRIu64 "\n",
                    (unsigned)value, addr);
}

static const MemoryRegionOps bmdma_ops = {
    .read = bmdma_read,
    .write = bmdma_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 1,
};

void bmdma_reset(BMDMAState *s)
{
    for (int i = 0; i < 2; i++) {
        s->channel[i].cmd = 0;
        s->channel[i].status = 0;
        s->channel[i].prdt = 0;
    }
}

void bmdma_init(BMDMAState *s, const char *name, IDEBus *bus0, IDEBus *bus1,
                AddressSpace *as)
{
    IDEBus *buses[2] = {bus0, bus1};

    memset(s->channel, 0, sizeof(s->channel));
    s->as = as;
    s->master_enabled = NULL;
    for (int i = 0; i < 2; i++) {
        s->channel[i].controller = s;
        s->channel[i].bus = buses[i];
        if (buses[i]) {
            ide_bus_set_dma(buses[i], &bmdma_ide_ops, &s->channel[i]);
        }
    }
    memory_region_init_io(&s->io, name, &bmdma_ops, s, BMDMA_REGION_SIZE);
}

void bmdma_set_master_check(BMDMAState *s, bool (*enabled)(void *opaque),
                            void *opaque)
{
    s->master_enabled = enabled;
    s->master_opaque = opaque;
}

MemoryRegion *bmdma_io_region(BMDMAState *s)
{
    return &s->io;
}

/* ---- state ------------------------------------------------------------ */

static const VMStateDescription vmstate_bmdma_channel = {
    .name = "ide bmdma",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]){
        VMSTATE_UINT8(cmd, BMDMAChannel),
        VMSTATE_UINT8(status, BMDMAChannel),
        VMSTATE_UINT32(prdt, BMDMAChannel),
        VMSTATE_END_OF_LIST(),
    },
};

const VMStateDescription vmstate_bmdma = {
    .name = "bmdma",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]){
        VMSTATE_STRUCT_ARRAY(channel, BMDMAState, 2, vmstate_bmdma_channel,
                             BMDMAChannel),
        VMSTATE_END_OF_LIST(),
    },
};
