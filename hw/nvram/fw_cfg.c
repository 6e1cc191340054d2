/*
 * fw_cfg_io: QEMU's firmware configuration device in its PC (I/O port)
 * form, following QEMU's docs/specs/fw_cfg.rst. Port 0x510 is the 16-bit
 * selector, 0x511 the data port (bytes of the selected item, from offset 0
 * after each select, zeros past the end), and 0x514/0x518 the big-endian
 * halves of the DMA address register: writing the low half makes the
 * device read an FWCfgDmaAccess (be32 control, be32 length, be64 address)
 * from guest memory, carry it out and clear its control field (or leave
 * the error bit). Reading the DMA register gives "QEMU CFG".
 *
 * Left out: writable items (data port writes are ignored as in QEMU 2.4+,
 * DMA writes end with the error bit), the MMIO flavour, read callbacks.
 */
#include <string.h>

#include "hw/core/machine.h"
#include "hw/core/vmstate.h"
#include "hw/nvram/fw_cfg.h"
#include "qom/object.h"
#include "system/dma.h"
#include "util/error.h"
#include "util/log.h"

#define FW_CFG_INVALID 0xffff
#define FW_CFG_DMA_ACCESS_SIZE 16

typedef struct FWCfgEntry {
    const uint8_t *data;
    uint32_t len;
    bool present;
    void *owner; /* what keeps data alive: a g_malloc copy or a mapping */
    GDestroyNotify owner_free;
} FWCfgEntry;

struct FWCfgState {
    DeviceState parent_obj;
    uint32_t iobase;
    bool dma_enabled;
    MemoryRegion comb_io; /* selector (0x510) and data (0x511) */
    MemoryRegion dma_io;  /* DMA address (0x514-0x51b) */
    AddressSpace *dma_as;
    /* [0]: generic keys, [1]: FW_CFG_ARCH_LOCAL keys; index = key & mask. */
    FWCfgEntry entries[2][FW_CFG_MAX_ENTRY];
    /* Names of the files at FW_CFG_FILE_FIRST + i, sorted. */
    char file_names[FW_CFG_FILE_SLOTS][FW_CFG_MAX_FILE_PATH];
    unsigned file_count;
    uint16_t cur_entry;
    uint32_t cur_offset;
    uint64_t dma_addr;
};

#define FW_CFG(obj) DEVICE_CAST(FWCfgState, obj, TYPE_FW_CFG_IO)

static inline uint32_t be32_load(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

static inline void be32_store(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* ---- items ------------------------------------------------------------ */

static FWCfgEntry *fw_cfg_entry(FWCfgState *s, uint16_t key)
{
    unsigned index = key & FW_CFG_ENTRY_MASK;

    if (key == FW_CFG_INVALID || index >= FW_CFG_MAX_ENTRY) {
        return NULL;
    }
    return &s->entries[!!(key & FW_CFG_ARCH_LOCAL)][index];
}

static void fw_cfg_entry_clear(FWCfgEntry *e)
{
    if (e->owner_free) {
        e->owner_free(e->owner);
    }
    *e = (FWCfgEntry){0};
}

static void fw_cfg_entry_set(FWCfgState *s, uint16_t key, bool replace,
                             const uint8_t *data, size_t len, void *owner,
                             GDestroyNotify owner_free)
{
    FWCfgEntry *e = fw_cfg_entry(s, key);

    /* Board code's mistakes, never guest input. */
    g_assert(e && len <= UINT32_MAX);
    g_assert(replace || !e->present);
    fw_cfg_entry_clear(e);
    *e = (FWCfgEntry){
        .data = data,
        .len = len,
        .present = true,
        .owner = owner,
        .owner_free = owner_free,
    };
}

static void fw_cfg_set_copy(FWCfgState *s, uint16_t key, bool replace,
                            const void *data, size_t len)
{
    uint8_t *copy = g_memdup2(data, len);

    fw_cfg_entry_set(s, key, replace, copy, len, copy, g_free);
}

/* A little-endian integer item of size bytes. */
static void fw_cfg_set_le(FWCfgState *s, uint16_t key, bool replace,
                          uint64_t value, unsigned size)
{
    uint8_t le[8];

    for (unsigned i = 0; i < size; i++) {
        le[i] = value >> (8 * i);
    }
    fw_cfg_set_copy(s, key, replace, le, size);
}

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len)
{
    fw_cfg_set_copy(s, key, false, data, len);
}

void fw_cfg_add_mapped(FWCfgState *s, uint16_t key, GMappedFile *file,
                       size_t offset, size_t len)
{
    const uint8_t *base = (const uint8_t *)g_mapped_file_get_contents(file);

    g_assert(offset + len <= g_mapped_file_get_length(file));
    fw_cfg_entry_set(s, key, false, base + offset, len, g_mapped_file_ref(file),
                     (GDestroyNotify)g_mapped_file_unref);
}

void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value)
{
    fw_cfg_add_bytes(s, key, value, strlen(value) + 1);
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    fw_cfg_set_le(s, key, false, value, 2);
}

void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    fw_cfg_set_le(s, key, false, value, 4);
}

void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    fw_cfg_set_le(s, key, false, value, 8);
}

void fw_cfg_modify_bytes(FWCfgState *s, uint16_t key, const void *data,
                         size_t len)
{
    fw_cfg_set_copy(s, key, true, data, len);
}

void fw_cfg_modify_string(FWCfgState *s, uint16_t key, const char *value)
{
    fw_cfg_modify_bytes(s, key, value, strlen(value) + 1);
}

void fw_cfg_modify_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    fw_cfg_set_le(s, key, true, value, 2);
}

void fw_cfg_modify_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    fw_cfg_set_le(s, key, true, value, 4);
}

void fw_cfg_modify_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    fw_cfg_set_le(s, key, true, value, 8);
}

/* ---- the file directory ----------------------------------------------- */

/* FW_CFG_FILE_DIR: be32 count, then one 64-byte entry per file. */
static void fw_cfg_directory_update(FWCfgState *s)
{
    size_t len = 4 + (size_t)s->file_count * FW_CFG_FILE_ENTRY_SIZE;
    uint8_t *dir = g_malloc0(len);

    be32_store(dir, s->file_count);
    for (unsigned i = 0; i < s->file_count; i++) {
        uint8_t *f = dir + 4 + i * FW_CFG_FILE_ENTRY_SIZE;
        uint16_t select = FW_CFG_FILE_FIRST + i;

        be32_store(f, s->entries[0][select].len);
        f[4] = select >> 8;
        f[5] = select & 0xff;
        memcpy(f + 8, s->file_names[i], FW_CFG_MAX_FILE_PATH);
    }
    fw_cfg_entry_set(s, FW_CFG_FILE_DIR, true, dir, len, dir, g_free);
}

static int fw_cfg_file_index(FWCfgState *s, const char *name)
{
    for (unsigned i = 0; i < s->file_count; i++) {
        if (!strcmp(s->file_names[i], name)) {
            return i;
        }
    }
    return -1;
}

void fw_cfg_add_file(FWCfgState *s, const char *name, const void *data,
                     size_t len)
{
    unsigned index = 0;

    g_assert(strlen(name) < FW_CFG_MAX_FILE_PATH);
    g_assert(s->file_count < FW_CFG_FILE_SLOTS);
    g_assert(fw_cfg_file_index(s, name) < 0);
    while (index < s->file_count && strcmp(s->file_names[index], name) < 0) {
        index++;
    }
    /* Files after the new one move up a key, so keys stay in name order. */
    for (unsigned i = s->file_count; i > index; i--) {
        s->entries[0][FW_CFG_FILE_FIRST + i] =
            s->entries[0][FW_CFG_FILE_FIRST + i - 1];
        memcpy(s->file_names[i], s->file_names[i - 1], FW_CFG_MAX_FILE_PATH);
    }
    s->entries[0][FW_CFG_FILE_FIRST + index] = (FWCfgEntry){0};
    memset(s->file_names[index], 0, FW_CFG_MAX_FILE_PATH);
    strcpy(s->file_names[index], name);
    s->file_count++;
    fw_cfg_set_copy(s, FW_CFG_FILE_FIRST + index, false, data, len);
    fw_cfg_directory_update(s);
}

void fw_cfg_modify_file(FWCfgState *s, const char *name, const void *data,
                        size_t len)
{
    int index = fw_cfg_file_index(s, name);

    if (index < 0) {
        fw_cfg_add_file(s, name, data, len);
        return;
    }
    fw_cfg_set_copy(s, FW_CFG_FILE_FIRST + index, true, data, len);
    fw_cfg_directory_update(s);
}

const void *fw_cfg_get_file(FWCfgState *s, const char *name, size_t *len)
{
    int index = fw_cfg_file_index(s, name);
    FWCfgEntry *e;

    if (index < 0) {
        return NULL;
    }
    e = &s->entries[0][FW_CFG_FILE_FIRST + index];
    *len = e->len;
    return e->data;
}

/* ---- selector and data port ------------------------------------------- */

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->cur_offset = 0;
    s->cur_entry = fw_cfg_entry(s, key) ? key : FW_CFG_INVALID;
}

/* The next byte of the selected item; 0 past its end or with none. */
static uint8_t fw_cfg_data_read(FWCfgState *s)
{
    FWCfgEntry *e = fw_cfg_entry(s, s->cur_entry);

    if (!e || !e->present || s->cur_offset >= e->len) {
        return 0;
    }
    return e->data[s->cur_offset++];
}

static uint64_t fw_cfg_comb_read(void *opaque, uint64_t addr, unsigned size)
{
    FWCfgState *s = opaque;

    if (size != 1) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "fw_cfg: %u-byte read of port 0x%" PRIx64 "\n", size,
                        s->iobase + addr);
        return UINT64_MAX;
    }
    return fw_cfg_data_read(s);
}

static void fw_cfg_comb_write(void *opaque, uint64_t addr, uint64_t value,
                              unsigned size)
{
    FWCfgState *s = opaque;

    if (size == 2 && addr == 0) {
        fw_cfg_select(s, value);
    } else if (size == 1) {
        /* Item writes through the data port were dropped in QEMU 2.4. */
        log_unimp_once("fw_cfg: data port writes are ignored\n");
    } else {
        log_mask_printf(LOG_GUEST_ERROR,
                        "fw_cfg: %u-byte write to port 0x%" PRIx64 "\n", size,
                        s->iobase + addr);
    }
}

static const MemoryRegionOps fw_cfg_comb_ops = {
    .read = fw_cfg_comb_read,
    .write = fw_cfg_comb_write,
    .valid_min = 1,
    .valid_max = 2,
    .impl_min = 1,
    .impl_max = 2,
};

/* ---- DMA -------------------------------------------------------------- */

/*
 * Carries out the FWCfgDmaAccess at dma_addr. Reads past the item's end
 * (or of no item) fill guest memory with zeros; skip only moves the
 * offset; writes fail since no item is writable. The control word goes
 * back as 0, or as the error bit when a step failed.
 */
static void fw_cfg_dma_transfer(FWCfgState *s)
{
    uint64_t desc = s->dma_addr;
    uint8_t access[FW_CFG_DMA_ACCESS_SIZE];
    uint32_t control, length, status = 0;
    uint64_t address;
    bool read = false, write = false;
    uint8_t be[4];

    s->dma_addr = 0;
    if (dma_memory_read(s->dma_as, desc, access, sizeof(access)) != MEMTX_OK) {
        log_mask_printf(
            LOG_GUEST_ERROR,
            "fw_cfg: DMA descriptor at 0x%" PRIx64 " is not in memory\n", desc);
        be32_store(be, FW_CFG_DMA_CTL_ERROR);
        dma_memory_write(s->dma_as, desc, be, sizeof(be));
        return;
    }
    control = be32_load(access);
    length = be32_load(access + 4);
    address = ((uint64_t)be32_load(access + 8) << 32) | be32_load(access + 12);

    if (control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, control >> 16);
    }
    if (control & FW_CFG_DMA_CTL_READ) {
        read = true;
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        write = true;
    } else if (!(control & FW_CFG_DMA_CTL_SKIP)) {
        length = 0;
    }

    while (length > 0 && !(status & FW_CFG_DMA_CTL_ERROR)) {
        FWCfgEntry *e = fw_cfg_entry(s, s->cur_entry);
        uint32_t chunk;
        MemTxResult r = MEMTX_OK;

        if (write) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "fw_cfg: DMA write to read-only item 0x%x\n",
                            s->cur_entry);
            status |= FW_CFG_DMA_CTL_ERROR;
            break;
        }
        if (!e || !e->present || s->cur_offset >= e->len) {
            chunk = length;
            if (read) {
                r = dma_memory_set(s->dma_as, address, 0, chunk);
            }
        } else {
            chunk = MIN(length, e->len - s->cur_offset);
            if (read) {
                r = dma_memory_write(s->dma_as, address,
                                     e->data + s->cur_offset, chunk);
            }
            s->cur_offset += chunk;
        }
        if (r != MEMTX_OK) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "fw_cfg: DMA to 0x%" PRIx64 "+0x%x failed\n",
                            address, chunk);
            status |= FW_CFG_DMA_CTL_ERROR;
        }
        address += chunk;
        length -= chunk;
    }
    be32_store(be, status);
    dma_memory_write(s->dma_as, desc, be, sizeof(be));
}

static uint64_t fw_cfg_dma_read(void *opaque, uint64_t addr, unsigned size)
{
    FWCfgState *s = opaque;

    if ((size != 4 && size != 8) || addr % size) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "fw_cfg: %u-byte read of DMA port 0x%" PRIx64 "\n",
                        size, s->iobase + FW_CFG_IO_DMA_OFFSET + addr);
        return UINT64_MAX;
    }
    /* The register is big-endian: its first byte is the signature's 'Q'. */
    return size == 8 ? GUINT64_SWAP_LE_BE(FW_CFG_DMA_SIGNATURE)
                     : GUINT32_SWAP_LE_BE(
                           (uint32_t)(FW_CFG_DMA_SIGNATURE >> (32 - addr * 8)));
}

static void fw_cfg_dma_write(void *opaque, uint64_t addr, uint64_t value,
                             unsigned size)
{
    FWCfgState *s = opaque;

    if (size == 4 && addr == 0) {
        s->dma_addr = (uint64_t)GUINT32_SWAP_LE_BE((uint32_t)value) << 32;
    } else if (size == 4 && addr == 4) {
        s->dma_addr |= GUINT32_SWAP_LE_BE((uint32_t)value);
        fw_cfg_dma_transfer(s);
    } else if (size == 8 && addr == 0) {
        s->dma_addr = GUINT64_SWAP_LE_BE(value);
        fw_cfg_dma_transfer(s);
    } else {
        log_mask_printf(LOG_GUEST_ERROR,
                        "fw_cfg: %u-byte write to DMA port 0x%" PRIx64 "\n",
                        size, s->iobase + FW_CFG_IO_DMA_OFFSET + addr);
    }
}

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .valid_min = 1,
    .valid_max = 8,
    .impl_min = 1,
    .impl_max = 8,
};

/* ---- reset, realize, registration -------------------------------------- */

/* The signature is selected at reset, as in QEMU; the items stay. */
static void fw_cfg_reset(DeviceState *dev)
{
    FWCfgState *s = FW_CFG(dev);

    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

static bool fw_cfg_realize(DeviceState *dev, GError **errp)
{
    FWCfgState *s = FW_CFG(dev);

    if (s->iobase > 0xffff - 11) {
        return error_setg(errp, "fw_cfg_io: iobase 0x%x is out of range",
                          s->iobase);
    }
    s->dma_as = &address_space_memory;
    memory_region_init_io(&s->comb_io, "fwcfg", &fw_cfg_comb_ops, s, 2);
    memory_region_init_io(&s->dma_io, "fwcfg.dma", &fw_cfg_dma_ops, s, 8);
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID,
                   FW_CFG_VERSION | (s->dma_enabled ? FW_CFG_VERSION_DMA : 0));
    fw_cfg_directory_update(s);
    return true;
}

FWCfgState *fw_cfg_init_io_dma(BusState *bus, MemoryRegion *io, uint16_t iobase,
                               GError **errp)
{
    DeviceState *dev = device_new(TYPE_FW_CFG_IO);
    FWCfgState *s = FW_CFG(dev);
    char value[16];

    snprintf(value, sizeof(value), "0x%x", iobase);
    device_set_property_or_die(dev, "iobase", value);
    object_add_child(object_machine_container(), "fw_cfg", OBJECT(dev));
    if (!device_realize(dev, bus, errp)) {
        return NULL;
    }
    memory_region_add_subregion(io, iobase, &s->comb_io);
    if (s->dma_enabled) {
        memory_region_add_subregion(io, iobase + FW_CFG_IO_DMA_OFFSET,
                                    &s->dma_io);
    }
    return s;
}

FWCfgState *fw_cfg_find(void)
{
    Object *obj = object_resolve_path("/machine/fw_cfg", NULL);

    if (!obj || strcmp(obj->type, TYPE_FW_CFG_IO)) {
        return NULL;
    }
    return FW_CFG(obj);
}

static bool fw_cfg_post_load(void *opaque, int version_id, GError **errp)
{
    FWCfgState *s = opaque;

    /* The items are the command line's; only the position is the guest's. */
    if (s->cur_entry != FW_CFG_INVALID && !fw_cfg_entry(s, s->cur_entry)) {
        return error_setg(errp, "selected item 0x%04x does not exist here",
                          s->cur_entry);
    }
    return true;
}

static const VMStateDescription vmstate_fw_cfg = {
    .name = "fw_cfg",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = fw_cfg_post_load,
    .fields =
        (const VMStateField[]){
            VMSTATE_UINT16(cur_entry, FWCfgState),
            VMSTATE_UINT32(cur_offset, FWCfgState),
            VMSTATE_UINT64(dma_addr, FWCfgState),
            VMSTATE_END_OF_LIST(),
        },
};

static const Property fw_cfg_properties[] = {
    DEFINE_PROP_UINT32("iobase", FWCfgState, iobase, FW_CFG_IO_BASE),
    DEFINE_PROP_BOOL("dma_enabled", FWCfgState, dma_enabled, true),
    DEFINE_PROP_END,
};

static DeviceClass fw_cfg_class = {
    .name = TYPE_FW_CFG_IO,
    .description = "QEMU firmware configuration interface (I/O ports)",
    .category = DEVICE_CATEGORY_MISC,
    .instance_size = sizeof(FWCfgState),
    .props = fw_cfg_properties,
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .vmsd = &vmstate_fw_cfg,
};

static void fw_cfg_register(void)
{
    device_class_register(&fw_cfg_class);
}
type_init(fw_cfg_register)
