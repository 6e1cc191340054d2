/*
 * The one way a device touches guest memory: DMA through an address space,
 * with the guest-supplied address and length checked where they enter.
 *
 * A range that wraps around the 64-bit space, or is longer than the caller
 * allows, is refused whole (nothing is read or written) and reported as
 * MEMTX_DECODE_ERROR, so a device can log a guest error and keep working.
 * Unmapped parts of a range read as all ones and drop writes, as on a real
 * bus. Values are little-endian, as on the PC.
 */
#ifndef SYSTEM_DMA_H
#define SYSTEM_DMA_H

#include <inttypes.h>
#include <stdbool.h>

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

#endif
