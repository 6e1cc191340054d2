/*
 * QEMU's BIOS linker/loader interface ("etc/table-loader" in fw_cfg, as
 * SeaBIOS's src/fw/romfile_loader.c reads it): a list of 128-byte commands
 * telling the firmware to allocate fw_cfg files in guest memory, patch
 * pointers from one file into another and fix up checksums. A board
 * describes its tables once as files plus commands; the firmware carries
 * the commands out, or, when no firmware runs, acpi_loader_link() does the
 * same with addresses the board chose.
 */
#ifndef HW_ACPI_TABLE_LOADER_H
#define HW_ACPI_TABLE_LOADER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Command numbers and allocation zones of the interface. */
#define ACPI_LOADER_ALLOCATE 1
#define ACPI_LOADER_ADD_POINTER 2
#define ACPI_LOADER_ADD_CHECKSUM 3
#define ACPI_LOADER_ZONE_HIGH 1 /* anywhere in 32-bit memory */
#define ACPI_LOADER_ZONE_FSEG 2 /* the F segment, where the RSDP is sought */
#define ACPI_LOADER_COMMAND_SIZE 128
#define ACPI_LOADER_FILE_SIZE 56 /* a NUL-terminated fw_cfg file name */

typedef struct AcpiLoader AcpiLoader;

AcpiLoader *acpi_loader_new(void);
void acpi_loader_free(AcpiLoader *l);

/*
 * ALLOCATE: a file whose contents are blob (the loader keeps a reference
 * and reads it when linking), align a power of two.
 */
void acpi_loader_allocate(AcpiLoader *l, const char *file, GByteArray *blob,
                          uint32_t align, uint8_t zone);
/*
 * ADD_POINTER: the size-byte little-endian value at offset in dest_file,
 * an offset into src_file, becomes an address by adding src_file's.
 */
void acpi_loader_add_pointer(AcpiLoader *l, const char *dest_file,
                             uint32_t offset, uint8_t size,
                             const char *src_file);
/*
 * ADD_CHECKSUM: the byte at offset in file is adjusted so that len bytes
 * from start sum to zero.
 */
void acpi_loader_add_checksum(AcpiLoader *l, const char *file, uint32_t offset,
                              uint32_t start, uint32_t len);

/* The commands, as "etc/table-loader" holds them. */
GByteArray *acpi_loader_commands(AcpiLoader *l);

/*
 * Carries the commands out as firmware would, with the i-th allocated file
 * at addr[i]: returns a linked copy of each file (g_ptr_array_unref), the
 * files themselves stay as they are, for fw_cfg.
 */
GPtrArray *acpi_loader_link(AcpiLoader *l, const uint64_t *addr);

#endif
