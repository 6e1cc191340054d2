/*
 * A small builder for ACPI tables and the AML in them (ACPI 6.4, chapter 5
 * "ACPI Software Programming Model" for the table header, chapter 20 "ACPI
 * Machine Language Specification" for the encodings, 6.4 "Resource Data
 * Types" for resource templates). It covers what a static description of
 * a PC needs: scopes, devices, named objects, integers, strings, EISA ids,
 * packages and resource templates. Methods and operators are left out.
 *
 * An Aml is a term being built. Leaves (integers, strings, names) are
 * encoded when made; a block (Scope, Device, Package, ResourceTemplate)
 * collects children with aml_append() and is closed, with its opcode and
 * PkgLength, when it is appended to its parent or written out.
 */
#ifndef HW_ACPI_AML_BUILD_H
#define HW_ACPI_AML_BUILD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The ids every pcvm table carries in its header (ACPI 6.4, 5.2.6). */
#define ACPI_OEM_ID "PCVM  "         /* 6 bytes */
#define ACPI_OEM_TABLE_PREFIX "PCVM" /* + the signature: "PCVMDSDT" */
#define ACPI_OEM_REVISION 1
#define ACPI_CREATOR_ID "PCVM"
#define ACPI_CREATOR_REVISION 1

#define ACPI_TABLE_HEADER_SIZE 36
#define ACPI_TABLE_CHECKSUM_OFFSET 9

typedef struct Aml Aml;

/* ---- encodings (exposed for their tests) ------------------------------ */

/* PkgLength of a package whose contents (after the PkgLength) are len. */
void aml_encode_pkglength(GByteArray *out, size_t len);
/*
 * NameString: an optional "\\" or "^" prefixes, then 4-character segments
 * separated by dots; shorter segments are padded with '_'.
 */
void aml_encode_namestring(GByteArray *out, const char *path);
/* The compressed EISA id of "PNP0A03" (3 letters, 4 hex digits). */
uint32_t aml_eisaid_value(const char *id);

/* ---- terms ------------------------------------------------------------ */

Aml *aml_int(uint64_t value);
Aml *aml_string(const char *str);
Aml *aml_eisaid(const char *id);
/* A reference to a named object (a path, as aml_encode_namestring). */
Aml *aml_name(const char *path);
/* Name (name, value): value is consumed. */
Aml *aml_name_decl(const char *name, Aml *value);

/* Blocks: append children, then append the block to its parent. */
Aml *aml_scope(const char *path);
Aml *aml_device(const char *name);
Aml *aml_package(void);
Aml *aml_resource_template(void);

/* Adds child (consumed) to the block parent. */
void aml_append(Aml *parent, Aml *child);
/* Closes term and returns its encoding (term is consumed). */
GByteArray *aml_take(Aml *term);
void aml_free(Aml *term);

/* ---- resource descriptors (for aml_resource_template) ----------------- */

/* I/O port descriptor, 16-bit decode. */
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
/* IRQ descriptor without flags (edge, active high). */
Aml *aml_irq_no_flags(uint8_t irq);
/* Word address space descriptors a bridge produces (fixed min and max). */
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
/* DWord memory range a bridge produces: cacheable, read-write. */
Aml *aml_dword_memory(uint32_t min, uint32_t max);

/* ---- tables ----------------------------------------------------------- */

/* ACPI's checksum: the byte that makes len bytes sum to zero. */
uint8_t acpi_checksum(const uint8_t *data, size_t len);
/*
 * Starts a table at the end of t: a header with signature sig and
 * revision rev, its length and checksum still zero. Returns its offset.
 */
size_t acpi_table_begin(GByteArray *t, const char *sig, uint8_t rev);
/* Sets the length and checksum of the table that starts at offset. */
void acpi_table_end(GByteArray *t, size_t offset);
/* Appends len zero bytes and returns the offset of the first. */
size_t acpi_reserve(GByteArray *t, size_t len);
/* Pads t with zeros to a multiple of align. */
void acpi_align(GByteArray *t, size_t align);

#endif
