/*
 * The BIOS linker/loader commands (QEMU's interface, read by SeaBIOS's
 * romfile_loader.c), kept as structures so that the same list can be
 * serialised for fw_cfg and executed here for direct boot.
 *
 * A command is a le32 command number and a 124-byte union:
 *   ALLOCATE      file[56], le32 align, u8 zone
 *   ADD_POINTER   dest_file[56], src_file[56], le32 offset, u8 size
 *   ADD_CHECKSUM  file[56], le32 offset, le32 start, le32 length
 */
#include <string.h>

#include "hw/acpi/table-loader.h"
#include "util/byteorder.h"

typedef struct AcpiLoaderFile {
    char *name;
    GByteArray *blob;
    uint32_t align;
    uint8_t zone;
} AcpiLoaderFile;

typedef struct AcpiLoaderCommand {
    uint32_t command;
    unsigned file, src;  /* indexes into files */
    uint32_t offset;     /* pointer or checksum byte */
    uint32_t start, len; /* checksummed range */
    uint8_t size;        /* pointer size */
} AcpiLoaderCommand;

struct AcpiLoader {
    GArray *files;    /* AcpiLoaderFile */
    GArray *commands; /* AcpiLoaderCommand */
};

AcpiLoader *acpi_loader_new(void)
{
    AcpiLoader *l = g_new0(AcpiLoader, 1);

    l->files = g_array_new(false, true, sizeof(AcpiLoaderFile));
    l->commands = g_array_new(false, true, sizeof(AcpiLoaderCommand));
    return l;
}

void acpi_loader_free(AcpiLoader *l)
{
    for (unsigned i = 0; i < l->files->len; i++) {
        AcpiLoaderFile *f = &g_array_index(l->files, AcpiLoaderFile, i);

        g_free(f->name);
        g_byte_array_unref(f->blob);
    }
    g_array_unref(l->files);
    g_array_unref(l->commands);
    g_free(l);
}

static unsigned loader_file(AcpiLoader *l, const char *name)
{
    for (unsigned i = 0; i < l->files->len; i++) {
        if (!strcmp(g_array_index(l->files, AcpiLoaderFile, i).name, name)) {
            return i;
        }
    }
    g_assert_not_reached();
}

static AcpiLoaderFile *loader_file_at(AcpiLoader *l, unsigned i)
{
    return &g_array_index(l->files, AcpiLoaderFile, i);
}

void acpi_loader_allocate(AcpiLoader *l, const char *file, GByteArray *blob,
                          uint32_t align, uint8_t zone)
{
    AcpiLoaderFile f = {g_strdup(file), g_byte_array_ref(blob), align, zone};
    AcpiLoaderCommand c = {.command = ACPI_LOADER_ALLOCATE,
                           .file = l->files->len};

    g_assert(strlen(file) < ACPI_LOADER_FILE_SIZE);
    g_assert(align && !(align & (align - 1)));
    g_array_append_val(l->files, f);
    g_array_append_val(l->commands, c);
}

void acpi_loader_add_pointer(AcpiLoader *l, const char *dest_file,
                             uint32_t offset, uint8_t size,
                             const char *src_file)
{
    AcpiLoaderCommand c = {.command = ACPI_LOADER_ADD_POINTER,
                           .file = loader_file(l, dest_file),
                           .src = loader_file(l, src_file),
                           .offset = offset,
                           .size = size};

    g_assert(size == 1 || size == 2 || size == 4 || size == 8);
    g_assert(offset + size <= loader_file_at(l, c.file)->blob->len);
    g_array_append_val(l->commands, c);
}

void acpi_loader_add_checksum(AcpiLoader *l, const char *file, uint32_t offset,
                              uint32_t start, uint32_t len)
{
    AcpiLoaderCommand c = {.command = ACPI_LOADER_ADD_CHECKSUM,
                           .file = loader_file(l, file),
                           .offset = offset,
                           .start = start,
                           .len = len};

    g_assert(start + len <= loader_file_at(l, c.file)->blob->len);
    g_assert(offset >= start && offset < start + len);
    g_array_append_val(l->commands, c);
}

static void put_name(uint8_t *p, const char *name)
{
    strncpy((char *)p, name, ACPI_LOADER_FILE_SIZE - 1);
}

GByteArray *acpi_loader_commands(AcpiLoader *l)
{
    GByteArray *out = g_byte_array_new();

    g_byte_array_set_size(out, l->commands->len * ACPI_LOADER_COMMAND_SIZE);
    memset(out->data, 0, out->len);
    for (unsigned i = 0; i < l->commands->len; i++) {
        AcpiLoaderCommand *c =
            &g_array_index(l->commands, AcpiLoaderCommand, i);
        uint8_t *p = out->data + i * ACPI_LOADER_COMMAND_SIZE;
        uint8_t *u = p + 4;
        AcpiLoaderFile *f = loader_file_at(l, c->file);

        stl_le_p(p, c->command);
        put_name(u, f->name);
        switch (c->command) {
        case ACPI_LOADER_ALLOCATE:
            stl_le_p(u + ACPI_LOADER_FILE_SIZE, f->align);
            u[ACPI_LOADER_FILE_SIZE + 4] = f->zone;
            break;
        case ACPI_LOADER_ADD_POINTER:
            put_name(u + ACPI_LOADER_FILE_SIZE,
                     loader_file_at(l, c->src)->name);
            stl_le_p(u + 2 * ACPI_LOADER_FILE_SIZE, c->offset);
            u[2 * ACPI_LOADER_FILE_SIZE + 4] = c->size;
            break;
        case ACPI_LOADER_ADD_CHECKSUM:
            stl_le_p(u + ACPI_LOADER_FILE_SIZE, c->offset);
            stl_le_p(u + ACPI_LOADER_FILE_SIZE + 4, c->start);
            stl_le_p(u + ACPI_LOADER_FILE_SIZE + 8, c->len);
            break;
        }
    }
    return out;
}

GPtrArray *acpi_loader_link(AcpiLoader *l, const uint64_t *addr)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);

    for (unsigned i = 0; i < l->files->len; i++) {
        GByteArray *blob = loader_file_at(l, i)->blob;
        GByteArray *copy = g_byte_array_sized_new(blob->len);

        g_assert(!(addr[i] & (loader_file_at(l, i)->align - 1)));
        g_byte_array_append(copy, blob->data, blob->len);
        g_ptr_array_add(out, copy);
    }
    for (unsigned i = 0; i < l->commands->len; i++) {
        AcpiLoaderCommand *c =
            &g_array_index(l->commands, AcpiLoaderCommand, i);
        uint8_t *data = ((GByteArray *)out->pdata[c->file])->data;
        uint64_t v = 0;

        switch (c->command) {
        case ACPI_LOADER_ADD_POINTER:
            for (unsigned b = 0; b < c->size; b++) {
                v |= (uint64_t)data[c->offset + b] << (8 * b);
            }
            v += addr[c->src];
            for (unsigned b = 0; b < c->size; b++) {
                data[c->offset + b] = v >> (8 * b);
            }
            break;
        case ACPI_LOADER_ADD_CHECKSUM: {
            uint8_t sum = 0;

            for (uint32_t b = 0; b < c->len; b++) {
                sum += data[c->start + b];
            }
            data[c->offset] -= sum;
            break;
        }
        }
    }
    return out;
}
