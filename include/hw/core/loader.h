/*
 * Images loaded into guest memory: each blob is kept and written again at
 * every system reset, so a rebooted guest starts from pristine kernel,
 * initrd and tables (what QEMU calls ROMs).
 */
#ifndef HW_CORE_LOADER_H
#define HW_CORE_LOADER_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "system/memory.h"

/* Copies len bytes of data; they land at addr on every reset. */
void rom_add_blob(const char *name, const void *data, size_t len,
                  uint64_t addr);
/* Like rom_add_blob, but the blob takes ownership of data (g_free). */
void rom_add_blob_take(const char *name, void *data, size_t len, uint64_t addr);
/*
 * len bytes at offset of a mapped file, then zero_len zero bytes, at addr.
 * The blob keeps a reference to the mapping instead of a copy.
 */
void rom_add_file_range(const char *name, GMappedFile *file, size_t offset,
                        size_t len, size_t zero_len, uint64_t addr);
/* Fails when two blobs overlap (a kernel too big for where it must go). */
bool rom_check_overlaps(GError **errp);
void rom_reset_all(AddressSpace *as);
/* "name addr-end" lines, for info roms and debugging. */
void rom_dump(GString *out);

/*
 * A file read whole, at most max_size bytes: a larger file is refused
 * before reading (a device or a pipe, such as /dev/zero, once max_size is
 * passed). The error gives the system's reason; the caller names the file.
 */
bool load_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
               GError **errp);
/* A file mapped read-only and private (g_mapped_file_unref when done). */
GMappedFile *load_file_mapped(const char *path, GError **errp);

typedef struct ElfSegment {
    uint64_t paddr, vaddr;
    uint64_t file_offset, file_size, mem_size;
} ElfSegment;

typedef struct ElfImage {
    const uint8_t *data;
    size_t size;
    bool is64;
    uint16_t machine;
    uint64_t entry;
    GArray *segments; /* ElfSegment, the PT_LOAD ones */
} ElfImage;

/* Parses an ELF executable's header and program headers. */
bool elf_parse(ElfImage *elf, const uint8_t *data, size_t size, GError **errp);
void elf_free(ElfImage *elf);
/* Finds a note by owner name and type; returns its descriptor. */
const uint8_t *elf_find_note(ElfImage *elf, const char *owner, uint32_t type,
                             uint32_t *desc_size);
/*
 * Adds every PT_LOAD segment (zero-filled past file_size) as a blob; elf
 * must have been parsed from the contents of file.
 */
bool elf_load_segments(ElfImage *elf, GMappedFile *file, const char *name,
                       uint64_t *low, uint64_t *high, GError **errp);

#endif
