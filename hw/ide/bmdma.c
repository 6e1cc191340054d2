/*
 * Bus-master IDE DMA of the PIIX3/PIIX4 (Intel 82371SB datasheet, section
 * 2.7 "Bus Master IDE Registers", and the SFF-8038i programming model).
 *
 * A transfer runs when both sides are ready: the guest has set SSBM (which
 * sets BMIDEA) and the selected device has issued a DMA command. The engine
 * then walks the PRD table from BMIDTP: each entry's base and byte count (0
 * meaning 64 KiB) form a scatter-gather list that the DMA helpers map (RAM in
 * place, MMIO through bounce buffers), and the drive reads or writes its medium
 * straight into or out of those buffers, asynchronously. BMIDEA clears
 * when the table ends exactly with the transfer; if the table is longer it
 * stays set, as the datasheet says. A table too short for the transfer, or
 * an address nothing decodes, ends the command with an error once the
 * covered part moved (ERROR set for the address). IDEINTS follows the
 * channel's interrupt line.
 */
#include <string.h>

#include "hw/ide/bmdma.h"
#include "system/dma.h"
#include "util/log.h"

/* One transfer handed to the drive; lives until the drive is done with it. */
struct BMDMATransfer {
    BMDMAChannel *ch;
    DMAMapping map;
    IOVector qiov;   /* the drive's view of map */
    bool complete;   /* the table covered the transfer and all of it mapped */
    bool table_left; /* PRD bytes remain after the transfer */
    bool error;      /* a PRD entry unreadable or pointing at nothing */
};

/*
 * Collects the PRD entries that cover len bytes into sgl. Returns false
 * when the table ends first or an entry cannot be read (*error then);
 * sgl holds the entries before that.
 */
static bool bmdma_prd_collect(BMDMAChannel *ch, uint32_t len, DMASGList *sgl,
                              bool *table_left, bool *error)
{
    BMDMAState *s = ch->controller;
    uint64_t prd = ch->prdt;
    bool eot = false;

    *table_left = false;
    *error = false;
    for (unsigned n = 0; sgl->size < len; n++) {
        uint64_t base, control;
        uint32_t count, chunk;

        if (eot || n >= BMDMA_PRD_MAX_ENTRIES) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "bmdma: PRD table at 0x%08x "
                            "ends %" PRIu64 " bytes before the transfer\n",
                            ch->prdt, len - sgl->size);
            return false;
        }
        if (dma_load(s->as, prd, 4, &base) != MEMTX_OK ||
            dma_load(s->as, prd + 4, 4, &control) != MEMTX_OK) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "bmdma: PRD entry at 0x%" PRIx64 " unreadable\n",
                            prd);
            *error = true;
            return false;
        }
        prd += 8;
        eot = control & BMDMA_PRD_EOT;
        count = control & 0xfffe;
        if (!count) {
            count = 0x10000;
        }
        base &= ~1ull; /* bit 0 is reserved */
        chunk = MIN(count, len - sgl->size);
        if (!dma_sglist_add(sgl, base, chunk)) {
            /* Cannot happen for 32-bit bases; the helpers decide anyway. */
            *error = true;
            return false;
        }
        *table_left = chunk < count || !eot;
    }
    return true;
}

/* The guest address where a mapping of sgl stopped, for the log. */
static uint64_t bmdma_sglist_addr_at(const DMASGList *sgl, uint64_t offset)
{
    for (unsigned i = 0; i < sgl->nsg; i++) {
        if (offset < sgl->sg[i].len) {
            return sgl->sg[i].addr + offset;
        }
        offset -= sgl->sg[i].len;
    }
    return 0;
}

static void bmdma_transfer_done(void *opaque, int ret)
{
    BMDMATransfer *t = opaque;
    BMDMAChannel *ch = t->ch;
    bool to_memory = t->map.dir == DMA_DIRECTION_FROM_DEVICE;

    /* A failed read leaves MMIO alone; RAM may hold part of it. */
    dma_mapping_unmap(&t->map, ret >= 0 ? t->map.size : 0);
    /* A reset or a newer transfer since: the registers are not ours. */
    if (ch->transfer == t) {
        ch->transfer = NULL;
        if (t->error) {
            ch->status |= BMDMA_BMISTA_ERROR;
        }
        /* A drive that failed a read sent nothing: the PRDs stay pending. */
        if (!t->complete || (!t->table_left && (ret >= 0 || !to_memory))) {
            ch->status &= ~BMDMA_BMISTA_BMIDEA;
        }
    }
    g_free(t);
}

static void bmdma_run(BMDMAChannel *ch)
{
    BMDMAState *s = ch->controller;
    BMDMATransfer *t;
    DMASGList sgl;
    uint32_t len;
    bool to_memory;

    if (!(ch->status & BMDMA_BMISTA_BMIDEA) ||
        !ide_bus_dma_pending(ch->bus, &len, &to_memory)) {
        return;
    }
    if (s->master_enabled && !s->master_enabled(s->master_opaque)) {
        log_mask_printf(LOG_GUEST_ERROR, "bmdma: transfer with bus "
                                         "mastering disabled\n");
        ch->status &= ~BMDMA_BMISTA_BMIDEA;
        ch->status |= BMDMA_BMISTA_ERROR;
        ide_bus_dma_abort(ch->bus);
        return;
    }
    if (!!(ch->cmd & BMDMA_BMICOM_RWCON) != to_memory) {
        log_mask_printf(LOG_GUEST_ERROR, "bmdma: direction bit disagrees "
                                         "with the drive's command\n");
    }
    t = g_new0(BMDMATransfer, 1);
    t->ch = ch;
    dma_sglist_init(&sgl, s->as, 16);
    t->complete = bmdma_prd_collect(ch, len, &sgl, &t->table_left, &t->error);
    if (dma_sglist_map(&sgl,
                       to_memory ? DMA_DIRECTION_FROM_DEVICE
                                 : DMA_DIRECTION_TO_DEVICE,
                       &t->map) != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "bmdma: PRD region at 0x%" PRIx64
                        " not in guest memory\n",
                        bmdma_sglist_addr_at(&sgl, t->map.size));
        t->error = true;
        t->complete = false;
    }
    dma_sglist_destroy(&sgl);
    iovector_init_external(&t->qiov, t->map.iov, t->map.niov);
    ch->transfer = t;
    /* May finish (and free t) before it returns. */
    ide_bus_dma_transfer(ch->bus, &t->qiov, t->complete, bmdma_transfer_done,
                         t);
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
        /* One in flight frees itself when the drive is done with it. */
        s->channel[i].transfer = NULL;
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
    .fields =
        (const VMStateField[]){
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
    .fields =
        (const VMStateField[]){
            VMSTATE_STRUCT_ARRAY(channel, BMDMAState, 2, vmstate_bmdma_channel,
                                 BMDMAChannel),
            VMSTATE_END_OF_LIST(),
        },
};
