/*
 * DMA helpers: every device access to guest memory goes through here, so
 * that addresses and lengths a guest programmed are checked in one place.
 *
 * A map looks the address up in the address space's flat view: RAM (and
 * ROM, for reading) is handed out in place, anything else through a bounce
 * buffer. Live bounce buffers sit in a table keyed by their host address,
 * which is how unmap tells them from RAM (a live allocation and guest RAM
 * never share an address).
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "system/dma.h"

bool dma_range_valid(uint64_t addr, uint64_t len)
{
    return len <= DMA_MAX_TRANSFER && (len == 0 || addr + len - 1 >= addr);
}

MemTxResult dma_memory_read(AddressSpace *as, uint64_t addr, void *buf,
                            uint64_t len)
{
    if (!dma_range_valid(addr, len)) {
        memset(buf, 0xff, len <= DMA_MAX_TRANSFER ? len : 0);
        return MEMTX_DECODE_ERROR;
    }
    return address_space_read(as, addr, buf, len);
}

MemTxResult dma_memory_write(AddressSpace *as, uint64_t addr, const void *buf,
                             uint64_t len)
{
    if (!dma_range_valid(addr, len)) {
        return MEMTX_DECODE_ERROR;
    }
    return address_space_write(as, addr, buf, len);
}

MemTxResult dma_memory_set(AddressSpace *as, uint64_t addr, uint8_t c,
                           uint64_t len)
{
    uint8_t chunk[4096];
    MemTxResult result = MEMTX_OK;

    if (!dma_range_valid(addr, len)) {
        return MEMTX_DECODE_ERROR;
    }
    memset(chunk, c, sizeof(chunk));
    while (len) {
        uint64_t n = MIN(len, sizeof(chunk));

        result |= address_space_write(as, addr, chunk, n);
        addr += n;
        len -= n;
    }
    return result;
}

MemTxResult dma_load(AddressSpace *as, uint64_t addr, unsigned size,
                     uint64_t *value)
{
    if (!dma_range_valid(addr, size)) {
        *value = UINT64_MAX;
        return MEMTX_DECODE_ERROR;
    }
    return address_space_ld(as, addr, size, value);
}

MemTxResult dma_store(AddressSpace *as, uint64_t addr, unsigned size,
                      uint64_t value)
{
    if (!dma_range_valid(addr, size)) {
        return MEMTX_DECODE_ERROR;
    }
    return address_space_st(as, addr, size, value);
}

/* ---- map and unmap ------------------------------------------------------ */

typedef struct DMABounce {
    AddressSpace *as;
    uint64_t addr, len;
    uint8_t *buf;
} DMABounce;

static GMutex bounce_lock;  /* guards bounces: unmaps may come from threads */
static GHashTable *bounces; /* host address -> DMABounce */

static void *dma_map_piece(AddressSpace *as, uint64_t addr, uint64_t *len,
                           DMADirection dir, bool *bounced)
{
    uint64_t want = *len, offset, avail;
    const FlatRange *fr;
    DMABounce *b;

    *len = 0;
    *bounced = false;
    if (!want || !dma_range_valid(addr, want)) {
        return NULL;
    }
    fr = address_space_lookup(as, addr);
    if (!fr) {
        return NULL;
    }
    offset = fr->offset + (addr - fr->start);
    avail = MIN(want, fr->size - (addr - fr->start));
    if (fr->mr->kind == MR_RAM ||
        (fr->mr->kind == MR_ROM && dir == DMA_DIRECTION_TO_DEVICE)) {
        *len = avail;
        return (uint8_t *)fr->mr->ram + offset;
    }
    /* MMIO, or a write that ROM must drop: through a copy. */
    b = g_new(DMABounce, 1);
    b->as = as;
    b->addr = addr;
    b->len = MIN(avail, DMA_BOUNCE_MAX);
    b->buf = g_malloc0(b->len);
    if (dir == DMA_DIRECTION_TO_DEVICE) {
        address_space_read(as, addr, b->buf, b->len);
    }
    g_mutex_lock(&bounce_lock);
    if (!bounces) {
        bounces = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    g_hash_table_insert(bounces, b->buf, b);
    g_mutex_unlock(&bounce_lock);
    *len = b->len;
    *bounced = true;
    return b->buf;
}

void *dma_memory_map(AddressSpace *as, uint64_t addr, uint64_t *len,
                     DMADirection dir)
{
    bool bounced;

    return dma_map_piece(as, addr, len, dir, &bounced);
}

void dma_memory_unmap(AddressSpace *as, void *host, uint64_t len,
                      DMADirection dir, uint64_t access_len)
{
    DMABounce *b = NULL;

    g_mutex_lock(&bounce_lock);
    if (bounces &&
        g_hash_table_steal_extended(bounces, host, NULL, (gpointer *)&b)) {
        g_assert(b->as == as && len <= b->len);
    }
    g_mutex_unlock(&bounce_lock);
    if (!b) {
        /* RAM: the data is already in place. */
        return;
    }
    if (dir == DMA_DIRECTION_FROM_DEVICE && access_len) {
        address_space_write(as, b->addr, b->buf, MIN(access_len, len));
    }
    g_free(b->buf);
    g_free(b);
}

bool dma_memory_discard(AddressSpace *as, uint64_t addr, uint64_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    const FlatRange *fr;
    uint8_t *host;

    if (!len || !dma_range_valid(addr, len)) {
        return false;
    }
    fr = address_space_lookup(as, addr);
    if (!fr || fr->mr->kind != MR_RAM || len > fr->size - (addr - fr->start)) {
        return false;
    }
    host = (uint8_t *)fr->mr->ram + fr->offset + (addr - fr->start);
    if ((uintptr_t)host % page || len % page) {
        return false;
    }
    return madvise(host, len, MADV_DONTNEED) == 0;
}

bool dma_memory_flush_page(AddressSpace *as, uint64_t addr)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    const FlatRange *fr;
    uintptr_t host;

    fr = address_space_lookup(as, addr);
    if (!fr || fr->mr->kind != MR_RAM) {
        return false;
    }
    host = (uintptr_t)fr->mr->ram + fr->offset + (addr - fr->start);
    host &= ~(page - 1);
    /*
     * Read-only, not PROT_NONE: another thread reading the page meanwhile
     * (a device's DMA) must not fault; the protection change alone makes
     * the kernel invalidate KVM's mapping.
     */
    return mprotect((void *)host, page, PROT_READ) == 0 &&
           mprotect((void *)host, page, PROT_READ | PROT_WRITE) == 0;
}

/* ---- scatter-gather lists ---------------------------------------------- */

void dma_sglist_init(DMASGList *sgl, AddressSpace *as, unsigned alloc_hint)
{
    sgl->as = as;
    sgl->nalloc = MAX(alloc_hint, 1u);
    sgl->sg = g_new(DMASGEntry, sgl->nalloc);
    sgl->nsg = 0;
    sgl->size = 0;
}

bool dma_sglist_add(DMASGList *sgl, uint64_t addr, uint64_t len)
{
    if (!dma_range_valid(addr, len) || len > DMA_MAX_TRANSFER - sgl->size) {
        return false;
    }
    if (!len) {
        return true;
    }
    if (sgl->nsg == sgl->nalloc) {
        sgl->nalloc *= 2;
        sgl->sg = g_renew(DMASGEntry, sgl->sg, sgl->nalloc);
    }
    sgl->sg[sgl->nsg++] = (DMASGEntry){addr, len};
    sgl->size += len;
    return true;
}

void dma_sglist_destroy(DMASGList *sgl)
{
    g_free(sgl->sg);
    memset(sgl, 0, sizeof(*sgl));
}

static void dma_mapping_add(DMAMapping *map, void *host, uint64_t len,
                            bool merge)
{
    struct iovec *last = map->niov ? &map->iov[map->niov - 1] : NULL;

    map->size += len;
    if (merge && last && (uint8_t *)last->iov_base + last->iov_len == host) {
        last->iov_len += len;
        return;
    }
    if (map->niov == map->nalloc) {
        map->nalloc = MAX(2 * map->nalloc, 4u);
        map->iov = g_renew(struct iovec, map->iov, map->nalloc);
    }
    map->iov[map->niov++] = (struct iovec){host, len};
}

MemTxResult dma_sglist_map(const DMASGList *sgl, DMADirection dir,
                           DMAMapping *map)
{
    bool last_bounced = true;

    *map = (DMAMapping){.as = sgl->as, .dir = dir};
    for (unsigned i = 0; i < sgl->nsg; i++) {
        uint64_t addr = sgl->sg[i].addr, left = sgl->sg[i].len;

        while (left) {
            uint64_t len = left;
            bool bounced;
            void *host = dma_map_piece(sgl->as, addr, &len, dir, &bounced);

            if (!host) {
                return MEMTX_DECODE_ERROR;
            }
            /* Only RAM pieces merge: a bounce is unmapped by its address. */
            dma_mapping_add(map, host, len, !bounced && !last_bounced);
            last_bounced = bounced;
            addr += len;
            left -= len;
        }
    }
    return MEMTX_OK;
}

void dma_mapping_unmap(DMAMapping *map, uint64_t access_len)
{
    for (unsigned i = 0; i < map->niov; i++) {
        uint64_t len = map->iov[i].iov_len, accessed = MIN(access_len, len);

        dma_memory_unmap(map->as, map->iov[i].iov_base, len, map->dir,
                         accessed);
        access_len -= accessed;
    }
    g_free(map->iov);
    memset(map, 0, sizeof(*map));
}
