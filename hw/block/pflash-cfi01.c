/*
 * "cfi.pflash01": a parallel NOR flash with the Intel/Sharp basic command
 * set (JEDEC JESD68.01 CFI, primary algorithm 0x0001), byte-wide, as QEMU's
 * pc maps UEFI firmware's code and variable store. Commands, written to
 * any address of the chip:
 *
 *   0xff, 0x00  read array          0x70  read status register
 *   0x10, 0x40  program (one write) 0x50  clear status register
 *   0x20 0xd0   block erase         0x90  read identifier codes
 *   0xe8 N ... 0xd0  write to buffer (N + 1 bytes)
 *   0x60 0x01/0xd0/0x2f  block lock, unlock, lock-down (accepted, no lock)
 *   0x98  CFI query
 *
 * Programming only clears bits (a byte becomes old AND new), as in the
 * part; erasing sets a block to 0xff. Both are written through to the
 * drive at once, so the variable store survives a kill. A read-only drive
 * (the code flash) refuses them with the status register's error bits.
 * The status register reads 0 after clear status and has SR.7 (ready) set
 * after each operation, which is how UEFI firmware (OVMF's QemuFlash) tells
 * the chip from ROM or RAM.
 */
#include <inttypes.h>
#include <string.h>

#include "block/block.h"
#include "hw/block/drive-prop.h"
#include "hw/block/flash.h"
#include "hw/core/vmstate.h"
#include "util/error.h"
#include "util/log.h"

#define PFLASH_BUFFER_SIZE 64 /* write-to-buffer bytes, CFI 0x2a: 2^6 */

/* Status register bits. */
#define SR_READY 0x80         /* SR.7 write state machine ready */
#define SR_ERASE_ERROR 0x20   /* SR.5 erase (or clear lock) error */
#define SR_PROGRAM_ERROR 0x10 /* SR.4 program (or set lock) error */
#define SR_BLOCK_LOCKED 0x02  /* SR.1 the operation hit a protected block */
#define SR_SEQUENCE_ERROR (SR_ERASE_ERROR | SR_PROGRAM_ERROR)

typedef enum {
    PFLASH_READ_ARRAY,
    PFLASH_READ_STATUS,
    PFLASH_READ_ID,
    PFLASH_CFI_QUERY,
} PFlashReadMode;

/* What the next write is, after a command's first cycle. */
typedef enum {
    PFLASH_CMD,          /* a new command */
    PFLASH_PROGRAM,      /* the data of a program command */
    PFLASH_ERASE,        /* the erase confirm (0xd0) */
    PFLASH_LOCK,         /* the lock command's second cycle */
    PFLASH_BUFFER_COUNT, /* write to buffer: the byte count less one */
    PFLASH_BUFFER_DATA,  /* write to buffer: the data */
    PFLASH_BUFFER_CONFIRM,
} PFlashWriteState;

typedef struct PFlashState {
    DeviceState parent_obj;
    /* properties */
    DriveConfig *drive;
    uint32_t num_blocks;
    uint64_t sector_len;
    uint8_t width;
    uint16_t ident[4];
    char *name;

    uint64_t size;
    bool read_only;
    MemoryRegion container, array, query;
    uint8_t *storage; /* the array's memory */
    uint8_t cfi[0x40];

    uint32_t read_mode;   /* PFlashReadMode */
    uint32_t write_state; /* PFlashWriteState */
    uint8_t status;
    uint32_t buffer_count; /* bytes still to come (write to buffer) */
    uint32_t buffer_len;
    uint64_t buffer_start; /* chip offset of buffer[0] */
    uint8_t buffer[PFLASH_BUFFER_SIZE];
} PFlashState;

#define PFLASH(obj) DEVICE_CAST(PFlashState, obj, TYPE_PFLASH_CFI01)

MemoryRegion *pflash_cfi01_region(DeviceState *dev)
{
    return &PFLASH(dev)->container;
}

static void pflash_set_read_mode(PFlashState *s, PFlashReadMode mode)
{
    s->read_mode = mode;
    /* Outside read array mode the chip answers reads itself. */
    memory_region_set_enabled(&s->query, mode != PFLASH_READ_ARRAY);
}

/* Writes [offset, offset + len) of the array through to the drive. */
static void pflash_write_back(PFlashState *s, uint64_t offset, uint64_t len)
{
    uint64_t start = offset & ~(uint64_t)(BDRV_SECTOR_SIZE - 1);
    uint64_t end = (offset + len + BDRV_SECTOR_SIZE - 1) &
                   ~(uint64_t)(BDRV_SECTOR_SIZE - 1);

    end = MIN(end, s->size);
    if (blk_pwrite(s->drive->blk, start, s->storage + start, end - start) < 0) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "pflash %s: could not write the drive at 0x%" PRIx64
                        "\n",
                        s->name ? s->name : "", start);
    }
}

/* Programs len bytes at offset: bits only go from 1 to 0. */
static void pflash_program(PFlashState *s, uint64_t offset, const uint8_t *data,
                           uint64_t len)
{
    if (s->read_only) {
        s->status |= SR_PROGRAM_ERROR | SR_BLOCK_LOCKED;
        return;
    }
    for (uint64_t i = 0; i < len; i++) {
        s->storage[offset + i] &= data[i];
    }
    pflash_write_back(s, offset, len);
}

static void pflash_erase(PFlashState *s, uint64_t offset)
{
    uint64_t block = offset & ~(s->sector_len - 1);

    if (s->read_only) {
        s->status |= SR_ERASE_ERROR | SR_BLOCK_LOCKED;
        return;
    }
    memset(s->storage + block, 0xff, s->sector_len);
    pflash_write_back(s, block, s->sector_len);
}

/* A bad second cycle: SR.4 and SR.5 say so, the chip shows its status. */
static void pflash_sequence_error(PFlashState *s, uint8_t value)
{
    log_mask_printf(LOG_GUEST_ERROR,
                    "pflash %s: 0x%02x is not a valid second cycle\n",
                    s->name ? s->name : "", value);
    s->status |= SR_SEQUENCE_ERROR;
    s->write_state = PFLASH_CMD;
    pflash_set_read_mode(s, PFLASH_READ_STATUS);
}

static void pflash_command(PFlashState *s, uint64_t offset, uint8_t cmd)
{
    switch (cmd) {
    case 0x00:
    case 0xff:
        pflash_set_read_mode(s, PFLASH_READ_ARRAY);
        return;
    case 0x10:
    case 0x40:
        s->write_state = PFLASH_PROGRAM;
        break;
    case 0x20:
        s->write_state = PFLASH_ERASE;
        break;
    case 0x50:
        s->status = 0;
        pflash_set_read_mode(s, PFLASH_READ_ARRAY);
        return;
    case 0x60:
        s->write_state = PFLASH_LOCK;
        break;
    case 0x70:
        break;
    case 0x90:
        pflash_set_read_mode(s, PFLASH_READ_ID);
        return;
    case 0x98:
        pflash_set_read_mode(s, PFLASH_CFI_QUERY);
        return;
    case 0xe8:
        /* The extended status (buffer available) reads as SR.7. */
        s->status |= SR_READY;
        s->write_state = PFLASH_BUFFER_COUNT;
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "pflash %s: unknown command 0x%02x at 0x%" PRIx64 "\n",
                        s->name ? s->name : "", cmd, offset);
        pflash_set_read_mode(s, PFLASH_READ_ARRAY);
        return;
    }
    pflash_set_read_mode(s, PFLASH_READ_STATUS);
}

static void pflash_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    PFlashState *s = opaque;
    uint8_t data[8];
    uint8_t cmd = value;

    for (unsigned i = 0; i < size; i++) {
        data[i] = value >> (8 * i);
    }
    switch (s->write_state) {
    case PFLASH_CMD:
        pflash_command(s, offset, cmd);
        return;
    case PFLASH_PROGRAM:
        pflash_program(s, offset, data, MIN(size, s->size - offset));
        s->status |= SR_READY;
        break;
    case PFLASH_ERASE:
        if (cmd != 0xd0) {
            pflash_sequence_error(s, cmd);
            return;
        }
        pflash_erase(s, offset);
        s->status |= SR_READY;
        break;
    case PFLASH_LOCK:
        if (cmd != 0x01 && cmd != 0xd0 && cmd != 0x2f) {
            pflash_sequence_error(s, cmd);
            return;
        }
        s->status |= SR_READY;
        break;
    case PFLASH_BUFFER_COUNT:
        /* N + 1 bytes, within one buffer-aligned window of the array. */
        if (cmd >= PFLASH_BUFFER_SIZE) {
            pflash_sequence_error(s, cmd);
            return;
        }
        s->buffer_count = cmd + 1u;
        s->buffer_len = 0;
        s->buffer_start = UINT64_MAX;
        memset(s->buffer, 0xff, sizeof(s->buffer));
        s->write_state = PFLASH_BUFFER_DATA;
        return;
    case PFLASH_BUFFER_DATA:
        if (s->buffer_start == UINT64_MAX) {
            s->buffer_start = offset;
        }
        if (offset < s->buffer_start ||
            (offset & ~(uint64_t)(PFLASH_BUFFER_SIZE - 1)) !=
                (s->buffer_start & ~(uint64_t)(PFLASH_BUFFER_SIZE - 1))) {
            /* Data outside the window the first write chose. */
            s->status |= SR_PROGRAM_ERROR;
            pflash_sequence_error(s, cmd);
            return;
        }
        for (unsigned i = 0; i < size && s->buffer_count; i++) {
            uint64_t at = offset + i - s->buffer_start;

            if (at >= PFLASH_BUFFER_SIZE) {
                break;
            }
            s->buffer[at] = data[i];
            s->buffer_len = MAX(s->buffer_len, (uint32_t)at + 1);
            s->buffer_count--;
        }
        if (!s->buffer_count) {
            s->write_state = PFLASH_BUFFER_CONFIRM;
        }
        return;
    case PFLASH_BUFFER_CONFIRM:
        if (cmd != 0xd0) {
            pflash_sequence_error(s, cmd);
            return;
        }
        pflash_program(s, s->buffer_start, s->buffer,
                       MIN(s->buffer_len, s->size - s->buffer_start));
        s->status |= SR_READY;
        break;
    }
    s->write_state = PFLASH_CMD;
    pflash_set_read_mode(s, PFLASH_READ_STATUS);
}

/* Reads while the chip is out of read array mode. */
static uint64_t pflash_query_read(void *opaque, uint64_t offset, unsigned size)
{
    PFlashState *s = opaque;
    uint64_t value = 0;

    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        uint8_t byte = 0;

        switch (s->read_mode) {
        case PFLASH_READ_STATUS:
            byte = s->status;
            break;
        case PFLASH_READ_ID:
            /* Manufacturer, device, then the block's lock status (0). */
            byte = (at & 0xff) < 2 ? s->ident[at & 1] : 0;
            break;
        case PFLASH_CFI_QUERY:
            byte = (at & 0xff) < sizeof(s->cfi) ? s->cfi[at & 0xff] : 0;
            break;
        case PFLASH_READ_ARRAY:
            byte = s->storage[at];
            break;
        }
        value |= (uint64_t)byte << (8 * i);
    }
    return value;
}

static const MemoryRegionOps pflash_array_ops = {
    .write = pflash_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
    .unaligned = true,
};

static const MemoryRegionOps pflash_query_ops = {
    .read = pflash_query_read,
    .write = pflash_write,
    .valid_min = 1,
    .valid_max = 4,
    .impl_min = 1,
    .impl_max = 4,
    .unaligned = true,
};

/* The CFI query structure (JESD68.01), byte-wide addressing. */
static void pflash_cfi_init(PFlashState *s)
{
    uint8_t *q = s->cfi;
    /* 2^N bytes at least the chip's size */
    unsigned size_log2 = s->size > 1 ? 64 - __builtin_clzll(s->size - 1) : 0;

    memset(q, 0, sizeof(s->cfi));
    q[0x10] = 'Q';
    q[0x11] = 'R';
    q[0x12] = 'Y';
    q[0x13] = 0x01; /* primary algorithm: Intel/Sharp extended */
    q[0x15] = 0x31; /* its extended table */
    q[0x1b] = 0x45; /* Vcc 4.5 to 5.5 V */
    q[0x1c] = 0x55;
    q[0x1f] = 0x07; /* typical program 2^7 us */
    q[0x20] = 0x07; /* typical buffer program 2^7 us */
    q[0x21] = 0x0a; /* typical block erase 2^10 ms */
    q[0x23] = 0x04; /* maximum: 2^4 times typical */
    q[0x24] = 0x04;
    q[0x25] = 0x04;
    q[0x27] = size_log2;
    q[0x28] = 0x00; /* x8 only */
    q[0x2a] = 6;    /* write buffer: 2^6 bytes */
    q[0x2c] = 1;    /* one erase block region */
    q[0x2d] = (s->num_blocks - 1) & 0xff;
    q[0x2e] = (s->num_blocks - 1) >> 8;
    q[0x2f] = (s->sector_len >> 8) & 0xff;
    q[0x30] = s->sector_len >> 16;
    q[0x31] = 'P';
    q[0x32] = 'R';
    q[0x33] = 'I';
    q[0x34] = '1';
    q[0x35] = '0';
}

static bool pflash_realize(DeviceState *dev, GError **errp)
{
    PFlashState *s = PFLASH(dev);
    const char *name = s->name ? s->name : TYPE_PFLASH_CFI01;
    g_autofree char *query_name = g_strdup_printf("%s.query", name);
    uint64_t len;

    if (s->width != 1) {
        return error_setg(errp, "pflash: width %u is not supported (only 1)",
                          s->width);
    }
    if (!s->num_blocks || !s->sector_len ||
        (s->sector_len & (s->sector_len - 1)) ||
        s->sector_len > UINT64_MAX / s->num_blocks) {
        return error_setg(errp, "attribute \"sector-length\" or "
                                "\"num-blocks\" not specified or zero");
    }
    s->size = s->num_blocks * s->sector_len;
    if (!s->drive) {
        return error_setg(errp, "pflash: a drive is needed");
    }
    len = blk_getlength(s->drive->blk);
    if (len != s->size) {
        return error_setg(errp,
                          "device needs %" PRIu64
                          " bytes, backing file provides only %" PRIu64
                          " bytes",
                          s->size, len);
    }
    s->read_only = blk_is_read_only(s->drive->blk);
    memory_region_init_container(&s->container, name, s->size);
    memory_region_init_rom_device(&s->array, name, &pflash_array_ops, s,
                                  s->size);
    s->storage = memory_region_get_ram_ptr(&s->array);
    if (blk_pread(s->drive->blk, 0, s->storage, s->size) < 0) {
        memory_region_destroy(&s->array);
        memory_region_destroy(&s->container);
        return error_setg(errp, "can't read block backend");
    }
    memory_region_init_io(&s->query, query_name, &pflash_query_ops, s, s->size);
    memory_region_set_enabled(&s->query, false);
    memory_region_add_subregion(&s->container, 0, &s->array);
    memory_region_add_subregion_overlap(&s->container, 0, &s->query, 1);
    pflash_cfi_init(s);
    s->status = SR_READY;
    return true;
}

static void pflash_reset(DeviceState *dev)
{
    PFlashState *s = PFLASH(dev);

    s->write_state = PFLASH_CMD;
    s->status = SR_READY;
    pflash_set_read_mode(s, PFLASH_READ_ARRAY);
}

static bool pflash_post_load(void *opaque, int version_id, GError **errp)
{
    PFlashState *s = opaque;

    if (s->read_mode > PFLASH_CFI_QUERY ||
        s->write_state > PFLASH_BUFFER_CONFIRM ||
        s->buffer_count > PFLASH_BUFFER_SIZE ||
        s->buffer_len > PFLASH_BUFFER_SIZE ||
        (s->buffer_start != UINT64_MAX && s->buffer_start >= s->size)) {
        return error_setg(errp, "pflash: invalid state");
    }
    pflash_set_read_mode(s, s->read_mode);
    return true;
}

/*
 * The command state; the array itself is the drive's contents, which every
 * program and erase has written through.
 */
static const VMStateDescription vmstate_pflash = {
    .name = "pflash_cfi01",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pflash_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT32(read_mode, PFlashState),
            VMSTATE_UINT32(write_state, PFlashState),
            VMSTATE_UINT8(status, PFlashState),
            VMSTATE_UINT32(buffer_count, PFlashState),
            VMSTATE_UINT32(buffer_len, PFlashState),
            VMSTATE_UINT64(buffer_start, PFlashState),
            VMSTATE_UINT8_ARRAY(buffer, PFlashState, PFLASH_BUFFER_SIZE),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property pflash_properties[] = {
    DEFINE_PROP_DRIVE("drive", PFlashState, drive),
    DEFINE_PROP_UINT32("num-blocks", PFlashState, num_blocks, 0),
    DEFINE_PROP_SIZE("sector-length", PFlashState, sector_len, 0),
    DEFINE_PROP_UINT8("width", PFlashState, width, 0),
    DEFINE_PROP_UINT16("id0", PFlashState, ident[0], 0),
    DEFINE_PROP_UINT16("id1", PFlashState, ident[1], 0),
    DEFINE_PROP_UINT16("id2", PFlashState, ident[2], 0),
    DEFINE_PROP_UINT16("id3", PFlashState, ident[3], 0),
    DEFINE_PROP_STRING("name", PFlashState, name),
    DEFINE_PROP_END,
};

static DeviceClass pflash_class = {
    .name = TYPE_PFLASH_CFI01,
    .description = "CFI parallel NOR flash, Intel command set",
    .category = DEVICE_CATEGORY_STORAGE,
    .instance_size = sizeof(PFlashState),
    .props = pflash_properties,
    .realize = pflash_realize,
    .reset = pflash_reset,
    .vmsd = &vmstate_pflash,
};

static void pflash_register(void)
{
    device_class_register(&pflash_class);
}
type_init(pflash_register)
