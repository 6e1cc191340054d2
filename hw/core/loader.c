/*
 * Boot-time images ("ROMs") and an ELF reader (System V ABI, ELF-32/64
 * program headers and PT_NOTE segments).
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "hw/core/loader.h"
#include "util/error.h"

typedef struct Rom {
    char *name;
    uint8_t *data;
    size_t len;
    uint64_t addr;
} Rom;

static GArray *roms; /* Rom */

void rom_add_blob_take(const char *name, void *data, size_t len,
                       uint64_t addr)
{
    Rom rom = {.name = g_strdup(name), .data = data, .len = len, .addr = addr};

    if (!roms) {
        roms = g_array_new(false, false, sizeof(Rom));
    }
    g_array_append_val(roms, rom);
}

void rom_add_blob(const char *name, const void *data, size_t len,
                  uint64_t addr)
{
    rom_add_blob_take(name, g_memdup2(data, len), len, addr);
}

bool rom_check_overlaps(GError **errp)
{
    for (unsigned i = 0; roms && i < roms->len; i++) {
        Rom *a = &g_array_index(roms, Rom, i);

        for (unsigned j = i + 1; j < roms->len; j++) {
            Rom *b = &g_array_index(roms, Rom, j);

            if (a->len && b->len && a->addr < b->addr + b->len &&
                b->addr < a->addr + a->len) {
                return error_setg(errp, "%s (0x%" PRIx64 "-0x%" PRIx64
                                  ") overlaps %s (0x%" PRIx64 "-0x%" PRIx64
                                  ")", a->name, a->addr, a->addr + a->len - 1,
                                  b->name, b->addr, b->addr + b->len - 1);
            }
        }
    }
    return true;
}

void rom_reset_all(AddressSpace *as)
{
    for (unsigned i = 0; roms && i < roms->len; i++) {
        Rom *rom = &g_array_index(roms, Rom, i);

        address_space_write_rom(as, rom->addr, rom->data, rom->len);
    }
}

void rom_dump(GString *out)
{
    for (unsigned i = 0; roms && i < roms->len; i++) {
        Rom *rom = &g_array_index(roms, Rom, i);

        g_string_append_printf(out, "addr=%016" PRIx64 " size=0x%06zx name=\"%s\"\n",
                               rom->addr, rom->len, rom->name);
    }
}

bool load_file(const char *path, uint8_t **data, size_t *size, GError **errp)
{
    GError *err = NULL;
    gsize len;

    if (!g_file_get_contents(path, (gchar **)data, &len, &err)) {
        int code = err->code;

        g_error_free(err);
        /* Say it the way strerror would, without GLib's wording. */
        return error_setg(errp, "%s", g_strerror(
            code == G_FILE_ERROR_NOENT ? ENOENT :
            code == G_FILE_ERROR_ACCES ? EACCES :
            code == G_FILE_ERROR_ISDIR ? EISDIR : EIO));
    }
    *size = len;
    return true;
}

/* ---- ELF -------------------------------------------------------------- */

static bool in_file(const ElfImage *elf, uint64_t offset, uint64_t len)
{
    return offset <= elf->size && len <= elf->size - offset;
}

bool elf_parse(ElfImage *elf, const uint8_t *data, size_t size, GError **errp)
{
    uint64_t phoff;
    unsigned phnum, phentsize;

    memset(elf, 0, sizeof(*elf));
    elf->data = data;
    elf->size = size;
    if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG)) {
        return error_setg(errp, "not an ELF file");
    }
    if (data[EI_DATA] != ELFDATA2LSB) {
        return error_setg(errp, "not a little-endian ELF file");
    }
    elf->is64 = data[EI_CLASS] == ELFCLASS64;
    if (elf->is64) {
        const Elf64_Ehdr *eh = (const void *)data;

        if (size < sizeof(*eh)) {
            return error_setg(errp, "truncated ELF header");
        }
        elf->machine = eh->e_machine;
        elf->entry = eh->e_entry;
        phoff = eh->e_phoff;
        phnum = eh->e_phnum;
        phentsize = eh->e_phentsize;
        if (phentsize < sizeof(Elf64_Phdr)) {
            return error_setg(errp, "bad ELF program header size");
        }
    } else {
        const Elf32_Ehdr *eh = (const void *)data;

        if (size < sizeof(*eh)) {
            return error_setg(errp, "truncated ELF header");
        }
        elf->machine = eh->e_machine;
        elf->entry = eh->e_entry;
        phoff = eh->e_phoff;
        phnum = eh->e_phnum;
        phentsize = eh->e_phentsize;
        if (phentsize < sizeof(Elf32_Phdr)) {
            return error_setg(errp, "bad ELF program header size");
        }
    }
    if (!in_file(elf, phoff, (uint64_t)phnum * phentsize)) {
        return error_setg(errp, "ELF program headers outside the file");
    }
    elf->segments = g_array_new(false, false, sizeof(ElfSegment));
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = data + phoff + (uint64_t)i * phentsize;
        ElfSegment seg;
        uint32_t type;

        if (elf->is64) {
            const Elf64_Phdr *p = (const void *)ph;

            type = p->p_type;
            seg = (ElfSegment){p->p_paddr, p->p_vaddr, p->p_offset,
                               p->p_filesz, p->p_memsz};
        } else {
            const Elf32_Phdr *p = (const void *)ph;

            type = p->p_type;
            seg = (ElfSegment){p->p_paddr, p->p_vaddr, p->p_offset,
                               p->p_filesz, p->p_memsz};
        }
        if (type != PT_LOAD) {
            continue;
        }
        if (!in_file(elf, seg.file_offset, seg.file_size) ||
            seg.file_size > seg.mem_size) {
            elf_free(elf);
            return error_setg(errp, "ELF segment %u outside the file", i);
        }
        g_array_append_val(elf->segments, seg);
    }
    return true;
}

void elf_free(ElfImage *elf)
{
    if (elf->segments) {
        g_array_unref(elf->segments);
        elf->segments = NULL;
    }
}

const uint8_t *elf_find_note(ElfImage *elf, const char *owner, uint32_t type,
                             uint32_t *desc_size)
{
    const uint8_t *data = elf->data;
    uint64_t phoff;
    unsigned phnum, phentsize;
    size_t owner_len = strlen(owner) + 1;

    if (elf->is64) {
        const Elf64_Ehdr *eh = (const void *)data;

        phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
    } else {
        const Elf32_Ehdr *eh = (const void *)data;

        phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = data + phoff + (uint64_t)i * phentsize;
        uint64_t offset, len, pos;

        if (elf->is64) {
            const Elf64_Phdr *p = (const void *)ph;

            if (p->p_type != PT_NOTE) {
                continue;
            }
            offset = p->p_offset, len = p->p_filesz;
        } else {
            const Elf32_Phdr *p = (const void *)ph;

            if (p->p_type != PT_NOTE) {
                continue;
            }
            offset = p->p_offset, len = p->p_filesz;
        }
        if (!in_file(elf, offset, len)) {
            continue;
        }
        /* Notes: namesz, descsz, type, name (4-aligned), desc (4-aligned). */
        for (pos = 0; pos + 12 <= len;) {
            const uint32_t *hdr = (const void *)(data + offset + pos);
            uint64_t name_len = hdr[0], dlen = hdr[1];
            uint64_t name_off = pos + 12;
            uint64_t desc_off = name_off + ((name_len + 3) & ~3ull);
            uint64_t next = desc_off + ((dlen + 3) & ~3ull);

            if (next > len) {
                break;
            }
            if (hdr[2] == type && name_len == owner_len &&
                !memcmp(data + offset + name_off, owner, owner_len)) {
                *desc_size = dlen;
                return data + offset + desc_off;
            }
            pos = next;
        }
    }
    return NULL;
}

bool elf_load_segments(ElfImage *elf, const char *name, uint64_t *low,
                       uint64_t *high, GError **errp)
{
    *low = UINT64_MAX;
    *high = 0;
    for (unsigned i = 0; i < elf->segments->len; i++) {
        ElfSegment *seg = &g_array_index(elf->segments, ElfSegment, i);
        uint8_t *buf;

        if (!seg->mem_size) {
            continue;
        }
        if (seg->mem_size > (1ull << 32)) {
            return error_setg(errp, "ELF segment %u is too large", i);
        }
        buf = g_malloc0(seg->mem_size);
        memcpy(buf, elf->data + seg->file_offset, seg->file_size);
        rom_add_blob_take(name, buf, seg->mem_size, seg->paddr);
        *low = MIN(*low, seg->paddr);
        *high = MAX(*high, seg->paddr + seg->mem_size);
    }
    if (*low == UINT64_MAX) {
        return error_setg(errp, "ELF file has nothing to load");
    }
    return true;
}
