/*
 * Intel 8237A DMA controller, as the PC has two of them (Intel 8237A
 * datasheet, 290123): the master at 0x00-0x0F serves channels 0-3 with byte
 * addresses, the slave at 0xC0-0xDF (registers on even ports) channels 4-7
 * with word addresses, and the page registers at 0x81-0x8F give bits 16-23
 * (QEMU's layout: 0x87/0x83/0x81/0x82 for channels 0-3, 0x8F/0x8B/0x89/0x8A
 * for 4-7). Transfers are driven by the devices: a device holding DREQ on
 * an unmasked channel has its handler called, and moves data through the
 * channel with the DMA helpers, never past the programmed count.
 *
 * Left out: memory-to-memory transfers (command bit 0), the high page
 * registers at 0x480, cascade semantics beyond channel 4 being unused, and
 * priority rotation (channels are served in order); single, block and
 * demand modes all move what the device offers per call.
 */
#include <string.h>

#include "hw/core/machine.h"
#include "hw/core/vmstate.h"
#include "hw/dma/i8257.h"
#include "hw/isa/isa.h"
#include "system/dma.h"
#include "util/error.h"
#include "util/log.h"

/* Port offsets (before the slave's word shift). */
#define I8257_STATUS 0x08  /* read: status; write: command */
#define I8257_REQUEST 0x09 /* write: software request */
#define I8257_MASK_SINGLE 0x0a
#define I8257_MODE 0x0b
#define I8257_CLEAR_FLIP_FLOP 0x0c
#define I8257_MASTER_CLEAR 0x0d /* read: temporary register */
#define I8257_CLEAR_MASK 0x0e
#define I8257_MASK_ALL 0x0f

#define I8257_MODE_TRANSFER(m)                                                 \
    (((m) >> 2) & 3) /* 0 verify, 1 write, 2 read                              \
                      */
#define I8257_MODE_AUTOINIT 0x10
#define I8257_MODE_DECREMENT 0x20
#define I8257_COMMAND_DISABLE 0x04

typedef struct I8257Channel {
    uint16_t base_address;
    uint16_t base_count;
    uint16_t current_address;
    uint16_t current_count;
    uint8_t mode;
    uint8_t page;
    I8257TransferHandler handler;
    void *opaque;
} I8257Channel;

typedef struct I8257State {
    DeviceState parent_obj;
    uint32_t base;
    uint32_t page_base;
    uint32_t dshift;

    MemoryRegion io;
    MemoryRegion page_io_low;  /* channels 1-3's pages, first port + 0 */
    MemoryRegion page_io_high; /* channel 0's page, first port + 6 */
    I8257Channel channels[4];
    uint8_t command;
    uint8_t status; /* TC bits 0-3, request bits 4-7 */
    uint8_t mask;
    uint8_t flip_flop;
    uint8_t dreq;            /* devices' DREQ lines */
    int32_t transfer_pos[4]; /* bytes moved in the current block */
    bool running;
} I8257State;

#define I8257(obj) DEVICE_CAST(I8257State, obj, TYPE_I8257)

static I8257State *i8257_controllers[2];

/* Page register port offsets (from 0x80) for channels 0-3 of a controller. */
static const int i8257_page_port[4] = {7, 3, 1, 2};

static I8257State *i8257_lookup(int nchan, I8257Channel **ch)
{
    I8257State *s;

    if (nchan < 0 || nchan >= I8257_CHANNELS) {
        return NULL;
    }
    s = i8257_controllers[nchan >> 2];
    if (s && ch) {
        *ch = &s->channels[nchan & 3];
    }
    return s;
}

/* The block's length in bytes: count + 1 units. */
static int i8257_block_size(I8257State *s, I8257Channel *ch)
{
    return ((int)ch->base_count + 1) << s->dshift;
}

static uint64_t i8257_block_address(I8257State *s, I8257Channel *ch)
{
    uint64_t page = s->dshift ? (ch->page & 0xfe) : ch->page;

    return (page << 16) | ((uint64_t)ch->base_address << s->dshift);
}

/* The current registers as the guest reads them mid-block. */
static void i8257_current_update(I8257State *s, int n)
{
    I8257Channel *ch = &s->channels[n];
    int units = s->transfer_pos[n] >> s->dshift;

    if (ch->mode & I8257_MODE_DECREMENT) {
        ch->current_address = ch->base_address - units;
    } else {
        ch->current_address = ch->base_address + units;
    }
    ch->current_count = ch->base_count - units;
}

static void i8257_run(I8257State *s)
{
    if (s->running || (s->command & I8257_COMMAND_DISABLE)) {
        return;
    }
    s->running = true;
    for (int n = 0; n < 4; n++) {
        I8257Channel *ch = &s->channels[n];
        bool requested = (s->dreq | (s->status >> 4)) & (1 << n);
        int size, pos;

        if (!requested || (s->mask & (1 << n)) || !ch->handler) {
            continue;
        }
        size = i8257_block_size(s, ch);
        pos = ch->handler(ch->opaque, (s->dshift << 2) | n, s->transfer_pos[n],
                          size);
        if (pos < 0 || pos > size) {
            pos = size;
        }
        s->transfer_pos[n] = pos;
        if (pos == size) {
            s->status |= 1 << n;
            s->status &= ~(0x10 << n);
            s->transfer_pos[n] = 0;
            if (!(ch->mode & I8257_MODE_AUTOINIT)) {
                s->mask |= 1 << n;
                ch->current_address =
                    ch->base_address + ((ch->mode & I8257_MODE_DECREMENT)
                                            ? -(int)ch->base_count - 1
                                            : ch->base_count + 1);
                ch->current_count = 0xffff;
                continue;
            }
        }
        i8257_current_update(s, n);
    }
    s->running = false;
}

/* ---- registers ---------------------------------------------------------- */

static void i8257_master_clear(I8257State *s)
{
    s->command = 0;
    s->status = 0;
    s->mask = 0x0f;
    s->flip_flop = 0;
    memset(s->transfer_pos, 0, sizeof(s->transfer_pos));
}

static uint64_t i8257_io_read(void *opaque, uint64_t addr, unsigned size)
{
    I8257State *s = opaque;
    unsigned reg = addr >> s->dshift;
    uint8_t value;

    if (reg < 8) {
        I8257Channel *ch = &s->channels[reg >> 1];
        uint16_t word = (reg & 1) ? ch->current_count : ch->current_address;

        value = s->flip_flop ? word >> 8 : word & 0xff;
        s->flip_flop ^= 1;
        return value;
    }
    switch (reg) {
    case I8257_STATUS:
        /* Reading clears the terminal-count bits. */
        value = s->status | (s->dreq << 4);
        s->status &= 0xf0;
        return value;
    case I8257_MASK_ALL:
        return s->mask | 0xf0;
    case I8257_MASTER_CLEAR: /* temporary register: memory-to-memory only */
        return 0;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "i8257: read of write-only port 0x%x\n",
                        (unsigned)(s->base + addr));
        return 0xff;
    }
}

static void i8257_io_write(void *opaque, uint64_t addr, uint64_t value,
                           unsigned size)
{
    I8257State *s = opaque;
    unsigned reg = addr >> s->dshift;
    uint8_t v = value;

    if (addr & ((1u << s->dshift) - 1)) {
        return; /* the slave decodes even ports only */
    }
    if (reg < 8) {
        I8257Channel *ch = &s->channels[reg >> 1];
        uint16_t *base = (reg & 1) ? &ch->base_count : &ch->base_address;

        *base =
            s->flip_flop ? (*base & 0x00ff) | (v << 8) : (*base & 0xff00) | v;
        s->flip_flop ^= 1;
        s->transfer_pos[reg >> 1] = 0;
        i8257_current_update(s, reg >> 1);
        return;
    }
    switch (reg) {
    case I8257_STATUS:
        if (v & 0x01) {
            log_mask_printf(LOG_UNIMP, "i8257: memory-to-memory transfer not "
                                       "supported\n");
        }
        s->command = v;
        break;
    case I8257_REQUEST:
        if (v & 0x04) {
            s->status |= 0x10 << (v & 3);
        } else {
            s->status &= ~(0x10 << (v & 3));
        }
        break;
    case I8257_MASK_SINGLE:
        if (v & 0x04) {
            s->mask |= 1 << (v & 3);
        } else {
            s->mask &= ~(1 << (v & 3));
        }
        break;
    case I8257_MODE:
        s->channels[v & 3].mode = v;
        break;
    case I8257_CLEAR_FLIP_FLOP:
        s->flip_flop = 0;
        break;
    case I8257_MASTER_CLEAR:
        i8257_master_clear(s);
        return;
    case I8257_CLEAR_MASK:
        s->mask = 0;
        break;
    case I8257_MASK_ALL:
        s->mask = v & 0x0f;
        break;
    }
    i8257_run(s);
}

static const MemoryRegionOps i8257_io_ops = {
    .read = i8257_io_read,
    .write = i8257_io_write,
    .valid_min = 1,
    .valid_max = 1,
    .impl_min = 1,
    .impl_max = 1,
};

static int i8257_page_channel(uint64_t offset)
{
    for (int n = 0; n < 4; n++) {
        if (i8257_page_port[n] == (int)offset) {
            return n;
        }
    }
    return -1;
}

/* Page ports: offsets 1-3 are page_io_low (from +1), 7 is page_io_high. */
static uint64_t i8257_page_read(void *opaque, uint64_t addr, unsigned size)
{
    I8257State *s = opaque;
    int n = i8257_page_channel(addr);

    return n < 0 ? 0xff : s->channels[n].page;
}

static void i8257_page_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    I8257State *s = opaque;
    int n = i8257_page_channel(addr);

    if (n >= 0) {
        s->channels[n].page = value;
    }
}

static uint64_t i8257_page_low_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8257_page_read(opaque, addr + 1, size);
}

static void i8257_page_low_write(void *opaque, uint64_t addr, uint64_t value,
                                 unsigned size)
{
    i8257_page_write(opaque, addr + 1, value, size);
}

static uint64_t i8257_page_high_read(void *opaque, uint64_t addr, unsigned size)
{
    return i8257_page_read(opaque, addr + 7, size);
}

static void i8257_page_high_write(void *opaque, uint64_t addr, uint64_t value,
                                  unsigned size)
{
    i8257_page_write(opaque, addr + 7, value, size);
}

static const MemoryRegionOps i8257_page_low_ops = {
    .read = i8257_page_low_read,
    .write = i8257_page_low_write,
    .valid_min = 1,
    .valid_max = 1,
    .impl_min = 1,
    .impl_max = 1,
};

static const MemoryRegionOps i8257_page_high_ops = {
    .read = i8257_page_high_read,
    .write = i8257_page_high_write,
    .valid_min = 1,
    .valid_max = 1,
    .impl_min = 1,
    .impl_max = 1,
};

/* ---- the API for ISA devices ----------------------------------------------
 */

bool i8257_channel_register(int nchan, I8257TransferHandler handler,
                            void *opaque)
{
    I8257Channel *ch;

    if (!i8257_lookup(nchan, &ch)) {
        return false;
    }
    ch->handler = handler;
    ch->opaque = opaque;
    return true;
}

void i8257_hold_dreq(int nchan)
{
    I8257State *s = i8257_lookup(nchan, NULL);

    if (s) {
        s->dreq |= 1 << (nchan & 3);
        i8257_run(s);
    }
}

void i8257_release_dreq(int nchan)
{
    I8257State *s = i8257_lookup(nchan, NULL);

    if (s) {
        s->dreq &= ~(1 << (nchan & 3));
    }
}

/* Clamps [pos, pos + len) to the block; returns the usable length. */
static int i8257_channel_clamp(I8257State *s, I8257Channel *ch, int pos,
                               int len)
{
    int size = i8257_block_size(s, ch);

    if (pos < 0 || len <= 0 || pos >= size) {
        return 0;
    }
    return len < size - pos ? len : size - pos;
}

/*
 * Copies between buf and the block; a decrementing channel walks memory
 * downwards from the block's address, so byte i of buf is at address - i.
 */
static int i8257_channel_copy(int nchan, void *buf, int pos, int len,
                              bool to_guest)
{
    I8257Channel *ch;
    I8257State *s = i8257_lookup(nchan, &ch);
    uint64_t addr;
    uint8_t *bytes = buf;

    if (!s) {
        return 0;
    }
    len = i8257_channel_clamp(s, ch, pos, len);
    addr = i8257_block_address(s, ch);
    if (!(ch->mode & I8257_MODE_DECREMENT)) {
        if (to_guest) {
            dma_memory_write(&address_space_memory, addr + pos, buf, len);
        } else {
            dma_memory_read(&address_space_memory, addr + pos, buf, len);
        }
        return len;
    }
    for (int i = 0; i < len; i++) {
        uint64_t a = (addr - pos - i) & 0xffffff;

        if (to_guest) {
            dma_memory_write(&address_space_memory, a, &bytes[i], 1);
        } else {
            dma_memory_read(&address_space_memory, a, &bytes[i], 1);
        }
    }
    return len;
}

int i8257_channel_read_memory(int nchan, void *buf, int pos, int len)
{
    return i8257_channel_copy(nchan, buf, pos, len, false);
}

int i8257_channel_write_memory(int nchan, const void *buf, int pos, int len)
{
    return i8257_channel_copy(nchan, (void *)buf, pos, len, true);
}

/* ---- reset, realize, registration ------------------------------------- */

static void i8257_reset(DeviceState *dev)
{
    i8257_master_clear(I8257(dev));
}

static bool i8257_realize(DeviceState *dev, GError **errp)
{
    I8257State *s = I8257(dev);
    unsigned index = s->dshift ? 1 : 0;

    if (i8257_controllers[index]) {
        return error_setg(errp, "only one i8257 with dshift=%u is supported",
                          s->dshift);
    }
    i8257_controllers[index] = s;
    memory_region_init_io(&s->io, "dma-chan", &i8257_io_ops, s,
                          16u << s->dshift);
    isa_register_ioport(dev, &s->io, s->base);
    memory_region_init_io(&s->page_io_low, "dma-page", &i8257_page_low_ops, s,
                          3);
    isa_register_ioport(dev, &s->page_io_low, s->page_base + 1);
    memory_region_init_io(&s->page_io_high, "dma-page", &i8257_page_high_ops, s,
                          1);
    isa_register_ioport(dev, &s->page_io_high, s->page_base + 7);
    i8257_master_clear(s);
    return true;
}

static bool i8257_post_load(void *opaque, int version_id, GError **errp)
{
    I8257State *s = opaque;

    for (int n = 0; n < 4; n++) {
        int size = i8257_block_size(s, &s->channels[n]);

        if (s->transfer_pos[n] < 0 || s->transfer_pos[n] >= size) {
            s->transfer_pos[n] = 0;
        }
    }
    s->mask &= 0x0f;
    s->flip_flop &= 1;
    return true;
}

static const VMStateDescription vmstate_i8257_channel = {
    .name = "dma_channel",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT16(base_address, I8257Channel),
            VMSTATE_UINT16(base_count, I8257Channel),
            VMSTATE_UINT16(current_address, I8257Channel),
            VMSTATE_UINT16(current_count, I8257Channel),
            VMSTATE_UINT8(mode, I8257Channel),
            VMSTATE_UINT8(page, I8257Channel),
            VMSTATE_END_OF_LIST(),
        },
};

static const VMStateDescription vmstate_i8257 = {
    .name = "dma",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = i8257_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT8(command, I8257State),
            VMSTATE_UINT8(status, I8257State),
            VMSTATE_UINT8(mask, I8257State),
            VMSTATE_UINT8(flip_flop, I8257State),
            VMSTATE_INT32_ARRAY(transfer_pos, I8257State, 4),
            VMSTATE_STRUCT_ARRAY(channels, I8257State, 4, vmstate_i8257_channel,
                                 I8257Channel),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property i8257_properties[] = {
    DEFINE_PROP_UINT32("base", I8257State, base, 0x00),
    DEFINE_PROP_UINT32("page-base", I8257State, page_base, 0x80),
    DEFINE_PROP_UINT32("dshift", I8257State, dshift, 0),
    DEFINE_PROP_END,
};

static DeviceClass i8257_class = {
    .name = TYPE_I8257,
    .parent = TYPE_ISA_DEVICE,
    .description = "Intel 8237A DMA controller",
    .bus_type = ISA_BUS_TYPE,
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(I8257State),
    .props = i8257_properties,
    .user_creatable = false, /* the board creates both */
    .realize = i8257_realize,
    .reset = i8257_reset,
    .vmsd = &vmstate_i8257,
};

static void i8257_register(void)
{
    device_class_register(&i8257_class);
}
type_init(i8257_register)
