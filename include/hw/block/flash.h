/*
 * CFI parallel NOR flash with the Intel/Sharp command set ("cfi.pflash01",
 * QEMU's pflash_cfi01), as the pc maps it for UEFI firmware: one chip per
 * -drive if=pflash, byte-wide, in 4 KiB erase blocks.
 */
#ifndef HW_BLOCK_FLASH_H
#define HW_BLOCK_FLASH_H

#include "hw/core/device.h"
#include "system/memory.h"

#define TYPE_PFLASH_CFI01 "cfi.pflash01"

/*
 * The chip's region, for the board to map: the array reads as memory (a
 * read-only KVM slot) until a command puts the chip in a status or query
 * mode; the guest's writes are commands.
 */
MemoryRegion *pflash_cfi01_region(DeviceState *dev);

#endif
