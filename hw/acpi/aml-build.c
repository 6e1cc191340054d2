/*
 * ACPI table and AML builder (ACPI 6.4: 5.2.6 the system description table
 * header, 20.2 the AML grammar, 6.4 resource descriptors). A block keeps
 * its body until it is closed, because its PkgLength, which comes first,
 * depends on everything inside it.
 */
#include <string.h>

#include "hw/acpi/aml-build.h"
#include "util/byteorder.h"

/* AML opcodes (ACPI 6.4, 20.3). */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_DUAL_NAME_PREFIX 0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP 0x82 /* after the ext prefix */
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_PREFIX_CHAR '^'

/* Resource descriptor tags (6.4.2 small, 6.4.3 large). */
#define ACPI_RES_IRQ_NO_FLAGS 0x22
#define ACPI_RES_IO 0x47
#define ACPI_RES_END_TAG 0x79
#define ACPI_RES_DWORD_ADDRESS 0x87
#define ACPI_RES_WORD_ADDRESS 0x88
#define ACPI_RES_IO_DECODE16 0x01
/* Address space resource types and flags (6.4.3.5). */
#define ACPI_ADDRESS_MEMORY 0
#define ACPI_ADDRESS_IO 1
#define ACPI_ADDRESS_BUS 2
#define ACPI_ADDRESS_MIN_FIXED 0x04
#define ACPI_ADDRESS_MAX_FIXED 0x08
#define ACPI_ADDRESS_IO_ENTIRE_RANGE 0x03
#define ACPI_ADDRESS_MEM_READ_WRITE 0x01
#define ACPI_ADDRESS_MEM_CACHEABLE (1 << 1)

typedef enum AmlKind {
    AML_TERM,     /* encoded already */
    AML_SCOPE,    /* ScopeOp PkgLength NameString TermList */
    AML_DEVICE,   /* DeviceOp PkgLength NameString TermList */
    AML_PACKAGE,  /* PackageOp PkgLength NumElements PackageElementList */
    AML_TEMPLATE, /* BufferOp PkgLength BufferSize descriptors EndTag */
} AmlKind;

struct Aml {
    AmlKind kind;
    GByteArray *name; /* a block's NameString */
    GByteArray *body; /* a term's encoding or a block's contents */
    unsigned count;   /* a package's elements */
};

static Aml *aml_new(AmlKind kind)
{
    Aml *a = g_new0(Aml, 1);

    a->kind = kind;
    a->body = g_byte_array_new();
    return a;
}

static void append_byte(GByteArray *out, uint8_t b)
{
    g_byte_array_append(out, &b, 1);
}

static void append_le(GByteArray *out, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        append_byte(out, v >> (8 * i));
    }
}

/* ---- encodings ---------------------------------------------------------- */

/*
 * PkgLength counts itself: one byte holds up to 63; longer ones take 2-4
 * bytes, the lead byte giving the count in bits 7:6 and the low nibble in
 * bits 3:0, the following bytes the rest, 8 bits each.
 */
void aml_encode_pkglength(GByteArray *out, size_t len)
{
    size_t total;
    unsigned extra;

    if (len + 1 <= 0x3f) {
        append_byte(out, len + 1);
        return;
    }
    for (extra = 1; extra <= 3; extra++) {
        total = len + 1 + extra;
        if (total < (1ull << (4 + 8 * extra))) {
            break;
        }
    }
    g_assert(extra <= 3);
    append_byte(out, (extra << 6) | (total & 0x0f));
    for (unsigned i = 0; i < extra; i++) {
        append_byte(out, total >> (4 + 8 * i));
    }
}

static void append_nameseg(GByteArray *out, const char *seg, size_t len)
{
    char padded[4] = {'_', '_', '_', '_'};

    g_assert(len >= 1 && len <= 4);
    memcpy(padded, seg, len);
    g_byte_array_append(out, (const uint8_t *)padded, 4);
}

void aml_encode_namestring(GByteArray *out, const char *path)
{
    g_auto(GStrv) segs = NULL;
    unsigned n;

    if (*path == AML_ROOT_CHAR) {
        append_byte(out, AML_ROOT_CHAR);
        path++;
    }
    while (*path == AML_PARENT_PREFIX_CHAR) {
        append_byte(out, AML_PARENT_PREFIX_CHAR);
        path++;
    }
    if (!*path) {
        append_byte(out, AML_ZERO_OP); /* NullName */
        return;
    }
    segs = g_strsplit(path, ".", -1);
    n = g_strv_length(segs);
    if (n == 2) {
        append_byte(out, AML_DUAL_NAME_PREFIX);
    } else if (n > 2) {
        g_assert(n <= 255);
        append_byte(out, AML_MULTI_NAME_PREFIX);
        append_byte(out, n);
    }
    for (unsigned i = 0; i < n; i++) {
        append_nameseg(out, segs[i], strlen(segs[i]));
    }
}

static unsigned hex_digit(char c)
{
    return g_ascii_xdigit_value(c);
}

/*
 * Three letters of 5 bits each ('A' = 1) and four hex digits, stored
 * most significant byte first: "PNP0A03" is 41 d0 0a 03 in memory.
 */
uint32_t aml_eisaid_value(const char *id)
{
    uint32_t v;

    g_assert(strlen(id) == 7);
    v = (uint32_t)(id[0] - 0x40) << 26 | (uint32_t)(id[1] - 0x40) << 21 |
        (uint32_t)(id[2] - 0x40) << 16;
    for (unsigned i = 3; i < 7; i++) {
        v |= hex_digit(id[i]) << (4 * (6 - i));
    }
    return GUINT32_SWAP_LE_BE(v);
}

/* ---- terms -------------------------------------------------------------- */

static void append_integer(GByteArray *out, uint64_t v)
{
    if (v == 0) {
        append_byte(out, AML_ZERO_OP);
    } else if (v == 1) {
        append_byte(out, AML_ONE_OP);
    } else if (v <= 0xff) {
        append_byte(out, AML_BYTE_PREFIX);
        append_le(out, v, 1);
    } else if (v <= 0xffff) {
        append_byte(out, AML_WORD_PREFIX);
        append_le(out, v, 2);
    } else if (v <= 0xffffffff) {
        append_byte(out, AML_DWORD_PREFIX);
        append_le(out, v, 4);
    } else {
        append_byte(out, AML_QWORD_PREFIX);
        append_le(out, v, 8);
    }
}

Aml *aml_int(uint64_t value)
{
    Aml *a = aml_new(AML_TERM);

    append_integer(a->body, value);
    return a;
}

Aml *aml_string(const char *str)
{
    Aml *a = aml_new(AML_TERM);

    append_byte(a->body, AML_STRING_PREFIX);
    g_byte_array_append(a->body, (const uint8_t *)str, strlen(str) + 1);
    return a;
}

Aml *aml_eisaid(const char *id)
{
    Aml *a = aml_new(AML_TERM);

    append_byte(a->body, AML_DWORD_PREFIX);
    append_le(a->body, aml_eisaid_value(id), 4);
    return a;
}

Aml *aml_name(const char *path)
{
    Aml *a = aml_new(AML_TERM);

    aml_encode_namestring(a->body, path);
    return a;
}

static void append_term(GByteArray *out, Aml *term)
{
    GByteArray *bytes = aml_take(term);

    g_byte_array_append(out, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_new(AML_TERM);

    append_byte(a->body, AML_NAME_OP);
    aml_encode_namestring(a->body, name);
    append_term(a->body, value);
    return a;
}

static Aml *aml_named_block(AmlKind kind, const char *path)
{
    Aml *a = aml_new(kind);

    a->name = g_byte_array_new();
    aml_encode_namestring(a->name, path);
    return a;
}

Aml *aml_scope(const char *path)
{
    return aml_named_block(AML_SCOPE, path);
}

Aml *aml_device(const char *name)
{
    return aml_named_block(AML_DEVICE, name);
}

Aml *aml_package(void)
{
    return aml_new(AML_PACKAGE);
}

Aml *aml_resource_template(void)
{
    return aml_new(AML_TEMPLATE);
}

void aml_append(Aml *parent, Aml *child)
{
    g_assert(parent->kind != AML_TERM);
    if (parent->kind == AML_PACKAGE) {
        g_assert(parent->count < 255);
        parent->count++;
    }
    append_term(parent->body, child);
}

void aml_free(Aml *term)
{
    if (term->name) {
        g_byte_array_unref(term->name);
    }
    g_byte_array_unref(term->body);
    g_free(term);
}

/* Opcode, PkgLength, then contents (what the PkgLength counts). */
static GByteArray *close_block(const uint8_t *op, unsigned op_len,
                               GByteArray *contents)
{
    GByteArray *out = g_byte_array_new();

    g_byte_array_append(out, op, op_len);
    aml_encode_pkglength(out, contents->len);
    g_byte_array_append(out, contents->data, contents->len);
    return out;
}

GByteArray *aml_take(Aml *term)
{
    static const uint8_t scope_op[] = {AML_SCOPE_OP};
    static const uint8_t device_op[] = {AML_EXT_OP_PREFIX, AML_DEVICE_OP};
    static const uint8_t package_op[] = {AML_PACKAGE_OP};
    static const uint8_t buffer_op[] = {AML_BUFFER_OP};
    g_autoptr(GByteArray) contents = g_byte_array_new();
    GByteArray *out = NULL;

    switch (term->kind) {
    case AML_TERM:
        out = g_byte_array_ref(term->body);
        break;
    case AML_SCOPE:
    case AML_DEVICE:
        g_byte_array_append(contents, term->name->data, term->name->len);
        g_byte_array_append(contents, term->body->data, term->body->len);
        out = term->kind == AML_SCOPE ? close_block(scope_op, 1, contents)
                                      : close_block(device_op, 2, contents);
        break;
    case AML_PACKAGE:
        append_byte(contents, term->count);
        g_byte_array_append(contents, term->body->data, term->body->len);
        out = close_block(package_op, 1, contents);
        break;
    case AML_TEMPLATE: {
        /* The end tag's checksum byte 0 means "treat as correct". */
        static const uint8_t end_tag[] = {ACPI_RES_END_TAG, 0};

        append_integer(contents, term->body->len + sizeof(end_tag));
        g_byte_array_append(contents, term->body->data, term->body->len);
        g_byte_array_append(contents, end_tag, sizeof(end_tag));
        out = close_block(buffer_op, 1, contents);
        break;
    }
    }
    aml_free(term);
    return out;
}

/* ---- resource descriptors ----------------------------------------------- */

Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    Aml *a = aml_new(AML_TERM);

    append_byte(a->body, ACPI_RES_IO);
    append_byte(a->body, ACPI_RES_IO_DECODE16);
    append_le(a->body, min, 2);
    append_le(a->body, max, 2);
    append_byte(a->body, align);
    append_byte(a->body, len);
    return a;
}

Aml *aml_irq_no_flags(uint8_t irq)
{
    Aml *a = aml_new(AML_TERM);

    g_assert(irq < 16);
    append_byte(a->body, ACPI_RES_IRQ_NO_FLAGS);
    append_le(a->body, 1u << irq, 2);
    return a;
}

/*
 * Word and DWord address space descriptors: tag, length of what follows,
 * resource type, general flags (a producer: bit 0 clear), type flags,
 * then granularity, min, max, translation offset and length.
 */
static Aml *aml_address_space(uint8_t tag, unsigned size, uint8_t type,
                              uint8_t type_flags, uint64_t min, uint64_t max)
{
    Aml *a = aml_new(AML_TERM);

    append_byte(a->body, tag);
    append_le(a->body, 3 + 5 * size, 2);
    append_byte(a->body, type);
    append_byte(a->body, ACPI_ADDRESS_MIN_FIXED | ACPI_ADDRESS_MAX_FIXED);
    append_byte(a->body, type_flags);
    append_le(a->body, 0, size); /* granularity */
    append_le(a->body, min, size);
    append_le(a->body, max, size);
    append_le(a->body, 0, size); /* translation offset */
    append_le(a->body, max - min + 1, size);
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return aml_address_space(ACPI_RES_WORD_ADDRESS, 2, ACPI_ADDRESS_BUS, 0, min,
                             max);
}

Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return aml_address_space(ACPI_RES_WORD_ADDRESS, 2, ACPI_ADDRESS_IO,
                             ACPI_ADDRESS_IO_ENTIRE_RANGE, min, max);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max)
{
    return aml_address_space(
        ACPI_RES_DWORD_ADDRESS, 4, ACPI_ADDRESS_MEMORY,
        ACPI_ADDRESS_MEM_READ_WRITE | ACPI_ADDRESS_MEM_CACHEABLE, min, max);
}

/* ---- tables ------------------------------------------------------------- */

uint8_t acpi_checksum(const uint8_t *data, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += data[i];
    }
    return -sum;
}

size_t acpi_reserve(GByteArray *t, size_t len)
{
    size_t offset = t->len;

    g_byte_array_set_size(t, t->len + len);
    memset(t->data + offset, 0, len);
    return offset;
}

void acpi_align(GByteArray *t, size_t align)
{
    acpi_reserve(t, (align - t->len % align) % align);
}

size_t acpi_table_begin(GByteArray *t, const char *sig, uint8_t rev)
{
    size_t offset = acpi_reserve(t, ACPI_TABLE_HEADER_SIZE);
    uint8_t *h = t->data + offset;

    g_assert(strlen(sig) == 4);
    memcpy(h, sig, 4);
    h[8] = rev;
    memcpy(h + 10, ACPI_OEM_ID, 6);
    memcpy(h + 16, ACPI_OEM_TABLE_PREFIX, 4);
    memcpy(h + 20, sig, 4);
    stl_le_p(h + 24, ACPI_OEM_REVISION);
    memcpy(h + 28, ACPI_CREATOR_ID, 4);
    stl_le_p(h + 32, ACPI_CREATOR_REVISION);
    return offset;
}

void acpi_table_end(GByteArray *t, size_t offset)
{
    uint8_t *h = t->data + offset;
    size_t len = t->len - offset;

    stl_le_p(h + 4, len);
    h[ACPI_TABLE_CHECKSUM_OFFSET] = 0;
    h[ACPI_TABLE_CHECKSUM_OFFSET] = acpi_checksum(h, len);
}
