/*
 * DMA helpers: every device access to guest memory goes through here, so
 * that addresses and lengths a guest programmed are checked in one place.
 */
#include <string.h>

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
