/*
 * QEMU's firmware configuration device (fw_cfg): a read-only store of items
 * the firmware reads (RAM size, CPU counts, boot options, the e820 map,
 * option ROMs, a kernel to boot). Items have a 16-bit key; named items
 * ("files") sit in a directory at FW_CFG_FILE_DIR with keys from
 * FW_CFG_FILE_FIRST. Layout and key numbers follow QEMU's
 * docs/specs/fw_cfg.rst, so SeaBIOS and Linux's qemu_fw_cfg driver work
 * unchanged.
 */
#ifndef HW_NVRAM_FW_CFG_H
#define HW_NVRAM_FW_CFG_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw/core/device.h"
#include "system/memory.h"

#define TYPE_FW_CFG_IO "fw_cfg_io"

/* The I/O port flavour on the PC: selector/data at 0x510, DMA at 0x514. */
#define FW_CFG_IO_BASE 0x510
#define FW_CFG_IO_DATA_OFFSET 1
#define FW_CFG_IO_DMA_OFFSET 4

/* Keys every fw_cfg has. */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MACHINE_ID 0x06
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_BOOT_DEVICE 0x0c
#define FW_CFG_NUMA 0x0d
#define FW_CFG_BOOT_MENU 0x0e
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_KERNEL_ENTRY 0x10
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_FILE_SLOTS 0x20
#define FW_CFG_MAX_ENTRY (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)

/* Selector bits: write channel (ignored) and the architecture's own keys. */
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL 0x8000
#define FW_CFG_ENTRY_MASK 0x3fff

/* The x86 keys (ARCH_LOCAL + n). */
#define FW_CFG_ACPI_TABLES (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET (FW_CFG_ARCH_LOCAL + 4)

/* FW_CFG_ID bits. */
#define FW_CFG_VERSION 0x01
#define FW_CFG_VERSION_DMA 0x02

/* FWCfgDmaAccess.control bits; the selector goes in bits 16-31. */
#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SKIP 0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE 0x10

/* What the DMA address register reads as: "QEMU CFG", big-endian. */
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ull

/* A directory entry is 64 bytes: be32 size, be16 select, be16 0, name. */
#define FW_CFG_MAX_FILE_PATH 56
#define FW_CFG_FILE_ENTRY_SIZE 64

typedef struct FWCfgState FWCfgState;

/*
 * Creates the I/O-port fw_cfg at /machine/fw_cfg on bus, with its ports
 * at iobase (selector, data) and iobase + 4 (DMA) in io; DMA goes through
 * address_space_memory. Signature and ID are filled in.
 */
FWCfgState *fw_cfg_init_io_dma(BusState *bus, MemoryRegion *io, uint16_t iobase,
                               GError **errp);
/* The machine's fw_cfg, or NULL when it has none. */
FWCfgState *fw_cfg_find(void);

/*
 * Adding items (board code, before the guest runs). Data is copied,
 * except with fw_cfg_add_mapped, which keeps a reference to the mapping.
 * Numbers are stored little-endian, as firmware on the PC reads them.
 * Adding a key twice is an internal error; use fw_cfg_modify_* to replace.
 */
void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data,
                      size_t len);
void fw_cfg_add_mapped(FWCfgState *s, uint16_t key, GMappedFile *file,
                       size_t offset, size_t len);
void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value);
void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);
void fw_cfg_modify_bytes(FWCfgState *s, uint16_t key, const void *data,
                         size_t len);
void fw_cfg_modify_string(FWCfgState *s, uint16_t key, const char *value);
void fw_cfg_modify_i16(FWCfgState *s, uint16_t key, uint16_t value);
void fw_cfg_modify_i32(FWCfgState *s, uint16_t key, uint32_t value);
void fw_cfg_modify_i64(FWCfgState *s, uint16_t key, uint64_t value);

/*
 * Named items, kept sorted by name (their keys follow that order, as in
 * QEMU). A name is at most 55 characters. Adding an existing name or more
 * than FW_CFG_FILE_SLOTS files is an internal error.
 */
void fw_cfg_add_file(FWCfgState *s, const char *name, const void *data,
                     size_t len);
/* Replaces a file's contents, or adds the file if it does not exist. */
void fw_cfg_modify_file(FWCfgState *s, const char *name, const void *data,
                        size_t len);
/* A file's contents (NULL if there is no such file), for board code. */
const void *fw_cfg_get_file(FWCfgState *s, const char *name, size_t *len);

#endif
