/*
 * Boot-time images ("ROMs") and an ELF reader (System V ABI, ELF-32/64
 * program headers and PT_NOTE segments).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "hw/core/loader.h"
#include "util/error.h"

/*
 * A blob is len bytes of data followed by zero_len zero bytes. The data
 * either belongs to the blob or lies in a read-only mapping of the file it
 * came from, so a kernel or initrd costs page cache, not a private copy.
 */
typedef struct Rom {
    char *name;
    const uint8_t *data;
    size_t len;
    size_t zero_len;
    uint64_t addr;
    uint8_t *owned;
    GMappedFile *file;
} Rom;

static GArray *roms; /* Rom */

static void rom_add(Rom rom)
{
    if (!roms) {
        roms = g_array_new(false, false, sizeof(Rom));
    }
    g_array_append_val(roms, rom);
}

void rom_add_blob_take(const char *name, void *data, size_t len, uint64_t addr)
{
    rom_add((Rom){.name = g_strdup(name),
                  .data = data,
                  .len = len,
                  .addr = addr,
                  .owned = data});
}

void rom_add_file_range(const char *name, GMappedFile *file, size_t offset,
                        size_t len, size_t zero_len, uint64_t addr)
{
    const uint8_t *base = (const uint8_t *)g_mapped_file_get_contents(file);

    g_assert(offset + len <= g_mapped_file_get_length(file));
    rom_add((Rom){.name = g_strdup(name),
                  .data = base + offset,
                  .len = len,
                  .zero_len = zero_len,
                  .addr = addr,
                  .file = g_mapped_file_ref(file)});
}

void rom_add_blob(const char *name, const void *data, size_t len, uint64_t addr)
{
    rom_add_blob_take(name, g_memdup2(data, len), len, addr);
}

bool rom_check_overlaps(GError **errp)
{
    for (unsigned i = 0; roms && i < roms->len; i++) {
        Rom *a = &g_array_index(roms, Rom, i);

        for (unsigned j = i + 1; j < roms->len; j++) {
            Rom *b = &g_array_index(roms, Rom, j);

            uint64_t a_end = a->addr + a->len + a->zero_len;
            uint64_t b_end = b->addr + b->len + b->zero_len;

            if (a_end > a->addr && b_end > b->addr && a->addr < b_end &&
                b->addr < a_end) {
                return error_setg(errp,
                                  "%s (0x%" PRIx64 "-0x%" PRIx64
                                  ") overlaps %s (0x%" PRIx64 "-0x%" PRIx64 ")",
                                  a->name, a->addr, a_end - 1, b->name, b->addr,
                                  b_end - 1);
            }
        }
    }
    return true;
}

void rom_reset_all(AddressSpace *as)
{
    static const uint8_t zeros[4096];

    for (unsigned i = 0; roms && i < roms->len; i++) {
        Rom *rom = &g_array_index(roms, Rom, i);
        uint64_t addr = rom->addr + rom->len;

        address_space_write_rom(as, rom->addr, rom->data, rom->len);
        for (size_t left = rom->zero_len; left;) {
            size_t chunk = MIN(left, sizeof(zeros));

            address_space_write_rom(as, addr, zeros, chunk);
            addr += chunk;
            left -= chunk;
        }
    }
}

void rom_dump(GString *out)
{
    for (unsigned i = 0; roms && i < roms->len; i++) {
        Rom *rom = &g_array_index(roms, Rom, i);

        g_string_append_printf(out,
                               "addr=%016" PRIx64 " size=0x%06zx "
                               "name=\"%s\"\n",
                               rom->addr, rom->len + rom->zero_len, rom->name);
    }
}

/* Says what went wrong the way strerror would, without GLib's wording. */
static bool file_error(GError *err, GError **errp)
{
    int code = err->code;

    g_error_free(err);
    return error_setg(errp, "%s",
                      g_strerror(code == G_FILE_ERROR_NOENT   ? ENOENT
                                 : code == G_FILE_ERROR_ACCES ? EACCES
                                 : code == G_FILE_ERROR_ISDIR ? EISDIR
                                                              : EIO));
}

bool load_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
               GError **errp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    size_t len = 0;
    uint8_t *buf;

    if (fd < 0) {
        return error_setg(errp, "%s", g_strerror(errno));
    }
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno;

        close(fd);
        return error_setg(errp, "%s", g_strerror(e));
    }
    /* Checked before reading: /dev/zero or a huge file never fill memory. */
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_size) {
        close(fd);
        return error_setg(errp,
                          "file too large (%" PRIu64 " bytes, at most %zu)",
                          (uint64_t)st.st_size, max_size);
    }
    buf = g_malloc(max_size + 1);
    while (len <= max_size) {
        ssize_t n = read(fd, buf + len, max_size + 1 - len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int e = errno;

            close(fd);
            g_free(buf);
            return error_setg(errp, "%s", g_strerror(e));
        }
        if (n == 0) {
            break;
        }
        len += n;
    }
    close(fd);
    if (len > max_size) {
        g_free(buf);
        return error_setg(errp, "file too large (more than %zu bytes)",
                          max_size);
    }
    *data = g_realloc(buf, MAX(len, 1));
    *size = len;
    return true;
}

GMappedFile *load_file_mapped(const char *path, GError **errp)
{
    GError *err = NULL;
    GMappedFile *file = g_mapped_file_new(path, false, &err);

    if (!file) {
        file_error(err, errp);
    }
    return file;
}

/* ---- ELF -------------------------------------------------------------- */

static bool in_file(const ElfImage *elf, uint64_t offset, uint64_t len)
{
    return offset <= elf->size && len <= elf->size - offset;
}

/* One program header, whatever the ELF class. */
typedef struct ElfPhdr {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
} ElfPhdr;

static unsigned elf_phdr_count(const ElfImage *elf)
{
    return elf->is64 ? ((const Elf64_Ehdr *)elf->data)->e_phnum
                     : ((const Elf32_Ehdr *)elf->data)->e_phnum;
}

/* Reads header i; elf_parse() checked that all of them are in the file. */
static ElfPhdr elf_phdr(const ElfImage *elf, unsigned i)
{
    if (elf->is64) {
        const Elf64_Ehdr *eh = (const void *)elf->data;
        const Elf64_Phdr *p = (const void *)(elf->data + eh->e_phoff +
                                             (uint64_t)i * eh->e_phentsize);

        return (ElfPhdr){p->p_type,  p->p_offset, p->p_vaddr,
                         p->p_paddr, p->p_filesz, p->p_memsz};
    } else {
        const Elf32_Ehdr *eh = (const void *)elf->data;
        const Elf32_Phdr *p = (const void *)(elf->data + eh->e_phoff +
                                             (uint64_t)i * eh->e_phentsize);

        return (ElfPhdr){p->p_type,  p->p_offset, p->p_vaddr,
                         p->p_paddr, p->p_filesz, p->p_memsz};
    }
}

bool elf_parse(ElfImage *elf, const uint8_t *data, size_t size, GError **errp)
{
    uint64_t phoff;
    unsigned phentsize, min_phentsize;

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
    if (size < (elf->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
        return error_setg(errp, "truncated ELF header");
    }
    if (elf->is64) {
        const Elf64_Ehdr *eh = (const void *)data;

        elf->machine = eh->e_machine;
        elf->entry = eh->e_entry;
        phoff = eh->e_phoff;
        phentsize = eh->e_phentsize;
        min_phentsize = sizeof(Elf64_Phdr);
    } else {
        const Elf32_Ehdr *eh = (const void *)data;

        elf->machine = eh->e_machine;
        elf->entry = eh->e_entry;
        phoff = eh->e_phoff;
        phentsize = eh->e_phentsize;
        min_phentsize = sizeof(Elf32_Phdr);
    }
    if (phentsize < min_phentsize) {
        return error_setg(errp, "bad ELF program header size");
    }
    if (!in_file(elf, phoff, (uint64_t)elf_phdr_count(elf) * phentsize)) {
        return error_setg(errp, "ELF program headers outside the file");
    }
    elf->segments = g_array_new(false, false, sizeof(ElfSegment));
    for (unsigned i = 0; i < elf_phdr_count(elf); i++) {
        ElfPhdr ph = elf_phdr(elf, i);
        ElfSegment seg = {ph.paddr, ph.vaddr, ph.offset, ph.filesz, ph.memsz};

        if (ph.type != PT_LOAD) {
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
    size_t owner_len = strlen(owner) + 1;

    for (unsigned i = 0; i < elf_phdr_count(elf); i++) {
        ElfPhdr ph = elf_phdr(elf, i);
        const uint8_t *notes = elf->data + ph.offset;

        if (ph.type != PT_NOTE || !in_file(elf, ph.offset, ph.filesz)) {
            continue;
        }
        /* Notes: namesz, descsz, type, name (4-aligned), desc (4-aligned). */
        for (uint64_t pos = 0; pos + 12 <= ph.filesz;) {
            const uint32_t *hdr = (const void *)(notes + pos);
            uint64_t name_len = hdr[0], dlen = hdr[1];
            uint64_t name_off = pos + 12;
            uint64_t desc_off = name_off + ((name_len + 3) & ~3ull);
            uint64_t next = desc_off + ((dlen + 3) & ~3ull);

            if (next > ph.filesz) {
                break;
            }
            if (hdr[2] == type && name_len == owner_len &&
                !memcmp(notes + name_off, owner, owner_len)) {
                *desc_size = dlen;
                return notes + desc_off;
            }
            pos = next;
        }
    }
    return NULL;
}

bool elf_load_segments(ElfImage *elf, GMappedFile *file, const char *name,
                       uint64_t *low, uint64_t *high, GError **errp)
{
    g_assert((const void *)g_mapped_file_get_contents(file) == elf->data);
    *low = UINT64_MAX;
    *high = 0;
    for (unsigned i = 0; i < elf->segments->len; i++) {
        ElfSegment *seg = &g_array_index(elf->segments, ElfSegment, i);

        if (!seg->mem_size) {
            continue;
        }
        if (seg->mem_size > (1ull << 32)) {
            return error_setg(errp, "ELF segment %u is too large", i);
        }
        rom_add_file_range(name, file, seg->file_offset, seg->file_size,
                           seg->mem_size - seg->file_size, seg->paddr);
        *low = MIN(*low, seg->paddr);
        *high = MAX(*high, seg->paddr + seg->mem_size);
    }
    if (*low == UINT64_MAX) {
        return error_setg(errp, "ELF file has nothing to load");
    }
    return true;
}
