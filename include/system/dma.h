/*
 * The one way a device touches guest memory: DMA through an address space,
 * with the guest-supplied address and length checked where they enter.
 *
 * A range that wraps around the 64-bit space, or is longer than the caller
 * allows, is refused whole (nothing is read or written) and reported as
 * MEMTX_DECODE_ERROR, so a device can log a guest error and keep working.
 * Unmapped parts of a range read as all ones and drop writes, as on a real
 * bus. Values are little-endian, as on the PC.
 *
 * For transfers the device's backend should do in place (disk I/O straight
 * into guest RAM), a range is mapped instead of copied: RAM maps to a
 * pointer into the guest's memory, and anything else the address space
 * decodes (MMIO, a write into ROM) to a bounce buffer that is filled from
 * the guest at map time (to the device) or written back to it at unmap
 * (from the device). A mapping may be shorter than asked: it stops where
 * the region under it ends. Space nothing decodes is never mapped. A device
 * builds a scatter-gather list of guest ranges (DMASGList), maps it into
 * host pieces (DMAMapping, a struct iovec array for block/iov.h's
 * IOVector), hands those to its backend and unmaps them with the number of
 * bytes the backend actually moved.
 *
 * Threading: map and unmap run under the big VMM lock, like every access
 * to the address space; the mapped memory itself may be read and written
 * from any thread until it is unmapped (RAM stays allocated for the life
 * of its region, which outlives the machine's run).
 */
#ifndef SYSTEM_DMA_H
#define SYSTEM_DMA_H

#include <inttypes.h>
#include <stdbool.h>
#include <sys/uio.h>

#include "system/memory.h"

/* The largest single transfer the helpers accept (guards host buffers). */
#define DMA_MAX_TRANSFER (1ull << 30)

/* True if [addr, addr + len) neither wraps nor exceeds DMA_MAX_TRANSFER. */
bool dma_range_valid(uint64_t addr, uint64_t len);

MemTxResult dma_memory_read(AddressSpace *as, uint64_t addr, void *buf,
                            uint64_t len);
MemTxResult dma_memory_write(AddressSpace *as, uint64_t addr, const void *buf,
                             uint64_t len);
MemTxResult dma_memory_set(AddressSpace *as, uint64_t addr, uint8_t c,
                           uint64_t len);

/* Little-endian loads and stores of 1, 2, 4 or 8 bytes. */
MemTxResult dma_load(AddressSpace *as, uint64_t addr, unsigned size,
                     uint64_t *value);
MemTxResult dma_store(AddressSpace *as, uint64_t addr, unsigned size,
                      uint64_t value);

/* ---- mapping guest memory for direct access ---------------------------- */

typedef enum {
    DMA_DIRECTION_TO_DEVICE,   /* the device reads guest memory */
    DMA_DIRECTION_FROM_DEVICE, /* the device writes guest memory */
} DMADirection;

/* The longest piece one bounce buffer covers (a map of MMIO is cut here). */
#define DMA_BOUNCE_MAX (64 * 1024)

/*
 * Maps [addr, addr + *len) for access in direction dir. Returns the host
 * address of the first *len bytes, *len cut to what one region (or one
 * bounce buffer) covers, or NULL with *len 0 when the range is refused
 * (empty, wrapping, longer than DMA_MAX_TRANSFER) or nothing is mapped at
 * addr. The caller maps the rest from addr + *len.
 */
void *dma_memory_map(AddressSpace *as, uint64_t addr, uint64_t *len,
                     DMADirection dir);
/*
 * Ends a mapping: host and len as dma_memory_map returned them, access_len
 * the bytes (from the start) the device actually accessed. For a bounce
 * buffer mapped from the device, those are written to the guest now; for
 * RAM they are the bytes to mark written once dirty tracking exists.
 */
void dma_memory_unmap(AddressSpace *as, void *host, uint64_t len,
                      DMADirection dir, uint64_t access_len);

/*
 * Gives the host back the memory under [addr, addr + len), which must be
 * whole host pages of guest RAM (the virtio balloon's inflated pages):
 * it reads as zeroes afterwards. False, and nothing done, when any of it
 * is not RAM or not page-aligned on the host.
 */
bool dma_memory_discard(AddressSpace *as, uint64_t addr, uint64_t len);

/*
 * Makes the accelerator forget its mapping of the guest RAM page at addr
 * (pc-testdev's flush port): the host page is made read-only for a moment
 * and writable again, which tears down KVM's mapping of it, so the guest's
 * next access faults it in anew. Its contents stay. False when addr is not
 * in RAM.
 */
bool dma_memory_flush_page(AddressSpace *as, uint64_t addr);

/* A scatter-gather list: guest ranges that one transfer covers in order. */
typedef struct DMASGEntry {
    uint64_t addr;
    uint64_t len;
} DMASGEntry;

typedef struct DMASGList {
    AddressSpace *as;
    DMASGEntry *sg;
    unsigned nsg, nalloc;
    uint64_t size; /* the entries' lengths summed */
} DMASGList;

void dma_sglist_init(DMASGList *sgl, AddressSpace *as, unsigned alloc_hint);
/*
 * Appends a guest range (a zero-length one is ignored). A range that wraps,
 * or that would make the list longer than DMA_MAX_TRANSFER, is refused:
 * false, and the list is unchanged.
 */
bool dma_sglist_add(DMASGList *sgl, uint64_t addr, uint64_t len);
void dma_sglist_destroy(DMASGList *sgl);

/* A scatter-gather list mapped into host memory, in the list's order. */
typedef struct DMAMapping {
    AddressSpace *as;
    DMADirection dir;
    struct iovec *iov; /* adjacent RAM pieces are merged */
    unsigned niov, nalloc;
    uint64_t size; /* bytes mapped */
} DMAMapping;

/*
 * Maps every entry of sgl. MEMTX_OK when the whole list is mapped
 * (map->size == sgl->size); MEMTX_DECODE_ERROR when a part of it is not
 * mapped at all: map then holds the pieces before that part. Either way,
 * the caller ends the mapping with dma_mapping_unmap.
 */
MemTxResult dma_sglist_map(const DMASGList *sgl, DMADirection dir,
                           DMAMapping *map);
/* Unmaps every piece; access_len counts from the start of the mapping. */
void dma_mapping_unmap(DMAMapping *map, uint64_t access_len);

#endif
