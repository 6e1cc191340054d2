/*
 * Saving and loading device state descriptions, and the stream format of
 * a whole machine's devices.
 *
 * One description's state (its "payload"):
 *     fields, in table order, little-endian, each as wide as its kind
 *     ('S' name version length payload) for each subsection saved
 *     'E'
 * A stream:
 *     "PCVMDEVS" u32 format-version
 *     ('D' id name u32 version u32 length payload u32 crc32) per section
 *     'Z' u32 section-count
 * where a name or id is u16 length + bytes, and crc32 covers the section
 * from its 'D' to the end of its payload.
 */
#include <string.h>
#include <zlib.h>

#include "hw/core/vmstate.h"
#include "system/timer.h"
#include "util/byteorder.h"
#include "util/error.h"

#define MARK_SUBSECTION 'S'
#define MARK_END 'E'
#define MARK_SECTION 'D'
#define MARK_STREAM_END 'Z'
/* Nested descriptions deeper than this are a table bug (a loop). */
#define VMSTATE_MAX_DEPTH 16

/* ---- writing --------------------------------------------------------- */

static void put_u8(GByteArray *out, uint8_t v)
{
    g_byte_array_append(out, &v, 1);
}

static void put_le(GByteArray *out, uint64_t v, unsigned size)
{
    uint8_t b[8];

    for (unsigned i = 0; i < size; i++) {
        b[i] = v >> (8 * i);
    }
    g_byte_array_append(out, b, size);
}

static void put_str(GByteArray *out, const char *str)
{
    size_t len = strlen(str);

    g_assert(len <= UINT16_MAX);
    put_le(out, len, 2);
    g_byte_array_append(out, (const uint8_t *)str, len);
}

/* Patches the u32 length at out[at] to cover everything after it. */
static void patch_length(GByteArray *out, size_t at)
{
    uint32_t len = out->len - at - 4;

    for (unsigned i = 0; i < 4; i++) {
        out->data[at + i] = len >> (8 * i);
    }
}

/* Elements of field f that opaque has now. */
static unsigned field_count(const VMStateField *f, const void *opaque)
{
    if (f->count_in_field) {
        return *(const uint32_t *)((const uint8_t *)opaque + f->count_offset);
    }
    return f->count;
}

static void *field_base(const VMStateField *f, void *opaque)
{
    void *p = (uint8_t *)opaque + f->offset;

    return f->pointer ? *(void **)p : p;
}

static bool save_desc(const VMStateDescription *vmsd, void *opaque,
                      GByteArray *out, int depth, GError **errp);

static bool save_field(const VMStateField *f, void *opaque, GByteArray *out,
                       int depth, GError **errp)
{
    uint8_t *base = field_base(f, opaque);
    unsigned n = field_count(f, opaque);

    if (!f->pointer && n > f->count) {
        return error_setg(errp, "field %s: %u elements, at most %u", f->name, n,
                          f->count);
    }
    if (f->count_in_field) {
        put_le(out, n, 4);
    }
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = base + i * f->size;

        switch (f->kind) {
        case VMS_BOOL:
            put_u8(out, *(bool *)p);
            break;
        case VMS_UINT8:
        case VMS_UINT16:
        case VMS_UINT32:
        case VMS_UINT64:
        case VMS_INT32:
        case VMS_INT64:
            put_le(out, ldn_he_p(p, f->size), f->size);
            break;
        case VMS_BUFFER:
            g_byte_array_append(out, p, f->size);
            break;
        case VMS_STRUCT:
            if (!save_desc(f->vmsd, p, out, depth + 1, errp)) {
                return false;
            }
            break;
        case VMS_TIMER: {
            Timer *t = *(Timer **)p;
            int64_t left = -1;

            if (t && timer_pending(t)) {
                /* The clock is the timer's own; the deadline is what counts. */
                left = MAX(timer_expire_time_ns(t) - timer_clock_ns(t), 0);
            }
            put_le(out, (uint64_t)left, 8);
            break;
        }
        case VMS_END:
            g_assert_not_reached();
        }
    }
    return true;
}

static bool save_desc(const VMStateDescription *vmsd, void *opaque,
                      GByteArray *out, int depth, GError **errp)
{
    g_assert(depth < VMSTATE_MAX_DEPTH);
    if (vmsd->unmigratable) {
        return error_setg(errp, "%s: %s", vmsd->name, vmsd->unmigratable);
    }
    if (vmsd->pre_save && !vmsd->pre_save(opaque, errp)) {
        error_prefix(errp, "%s", vmsd->name);
        return false;
    }
    for (const VMStateField *f = vmsd->fields; f && f->kind != VMS_END; f++) {
        if (!save_field(f, opaque, out, depth, errp)) {
            error_prefix(errp, "%s", vmsd->name);
            return false;
        }
    }
    for (const VMStateDescription *const *sub = vmsd->subsections; sub && *sub;
         sub++) {
        size_t at;

        if ((*sub)->needed && !(*sub)->needed(opaque)) {
            continue;
        }
        put_u8(out, MARK_SUBSECTION);
        put_str(out, (*sub)->name);
        put_le(out, (*sub)->version_id, 4);
        at = out->len;
        put_le(out, 0, 4);
        if (!save_desc(*sub, opaque, out, depth + 1, errp)) {
            error_prefix(errp, "%s", vmsd->name);
            return false;
        }
        patch_length(out, at);
    }
    put_u8(out, MARK_END);
    return true;
}

bool vmstate_save(const VMStateDescription *vmsd, void *opaque, GByteArray *out,
                  GError **errp)
{
    return save_desc(vmsd, opaque, out, 0, errp);
}

/* ---- reading --------------------------------------------------------- */

typedef struct Reader {
    const uint8_t *p, *end;
} Reader;

static bool take(Reader *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n) {
        return false;
    }
    *out = r->p;
    r->p += n;
    return true;
}

static bool get_le(Reader *r, unsigned size, uint64_t *v)
{
    const uint8_t *b;

    if (!take(r, size, &b)) {
        return false;
    }
    *v = 0;
    for (unsigned i = 0; i < size; i++) {
        *v |= (uint64_t)b[i] << (8 * i);
    }
    return true;
}

static bool get_u8(Reader *r, uint8_t *v)
{
    uint64_t x;

    if (!get_le(r, 1, &x)) {
        return false;
    }
    *v = x;
    return true;
}

static char *get_str(Reader *r)
{
    uint64_t len;
    const uint8_t *b;

    if (!get_le(r, 2, &len) || !take(r, len, &b)) {
        return NULL;
    }
    return g_strndup((const char *)b, len);
}

static bool load_desc(const VMStateDescription *vmsd, void *opaque,
                      int version_id, Reader *r, int depth, GError **errp);

static bool truncated(GError **errp, const VMStateDescription *vmsd,
                      const char *what)
{
    return error_setg(errp, "%s: stream ends inside %s", vmsd->name, what);
}

static bool load_field(const VMStateDescription *vmsd, const VMStateField *f,
                       void *opaque, Reader *r, int depth, GError **errp)
{
    uint8_t *base = field_base(f, opaque);
    unsigned n = f->count;
    const uint8_t *b;
    uint64_t v;

    if (f->count_in_field) {
        if (!get_le(r, 4, &v)) {
            return truncated(errp, vmsd, f->name);
        }
        if (f->pointer) {
            /* The device sized the array; the stream must agree. */
            n = field_count(f, opaque);
            if (v != n) {
                return error_setg(errp,
                                  "%s: field %s has %" PRIu64 " "
                                  "elements in the stream, %u here",
                                  vmsd->name, f->name, v, n);
            }
        } else if (v > f->count) {
            return error_setg(errp,
                              "%s: field %s has %" PRIu64 " elements, "
                              "at most %u",
                              vmsd->name, f->name, v, f->count);
        }
        n = v;
        *(uint32_t *)((uint8_t *)opaque + f->count_offset) = n;
    }
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = base + i * f->size;

        switch (f->kind) {
        case VMS_BOOL:
            if (!get_le(r, 1, &v)) {
                return truncated(errp, vmsd, f->name);
            }
            if (v > 1) {
                return error_setg(errp,
                                  "%s: field %s: %" PRIu64 " is not a "
                                  "bool",
                                  vmsd->name, f->name, v);
            }
            *(bool *)p = v;
            break;
        case VMS_UINT8:
        case VMS_UINT16:
        case VMS_UINT32:
        case VMS_UINT64:
        case VMS_INT32:
        case VMS_INT64:
            if (!get_le(r, f->size, &v)) {
                return truncated(errp, vmsd, f->name);
            }
            stn_he_p(p, f->size, v);
            break;
        case VMS_BUFFER:
            if (!take(r, f->size, &b)) {
                return truncated(errp, vmsd, f->name);
            }
            memcpy(p, b, f->size);
            break;
        case VMS_STRUCT:
            if (!load_desc(f->vmsd, p, f->vmsd->version_id, r, depth + 1,
                           errp)) {
                error_prefix(errp, "%s", vmsd->name);
                return false;
            }
            break;
        case VMS_TIMER: {
            Timer *t = *(Timer **)p;
            int64_t left;

            if (!get_le(r, 8, &v)) {
                return truncated(errp, vmsd, f->name);
            }
            left = (int64_t)v;
            if (!t) {
                if (left >= 0) {
                    return error_setg(errp, "%s: field %s: no timer to arm",
                                      vmsd->name, f->name);
                }
            } else if (left < 0) {
                timer_del(t);
            } else {
                timer_mod_ns(t, timer_clock_ns(t) + left);
            }
            break;
        }
        case VMS_END:
            g_assert_not_reached();
        }
    }
    return true;
}

static const VMStateDescription *find_subsection(const VMStateDescription *vmsd,
                                                 const char *name)
{
    for (const VMStateDescription *const *sub = vmsd->subsections; sub && *sub;
         sub++) {
        if (!strcmp((*sub)->name, name)) {
            return *sub;
        }
    }
    return NULL;
}

static bool load_desc(const VMStateDescription *vmsd, void *opaque,
                      int version_id, Reader *r, int depth, GError **errp)
{
    uint8_t mark;

    if (depth >= VMSTATE_MAX_DEPTH) {
        return error_setg(errp, "%s: nested too deep", vmsd->name);
    }
    if (version_id > vmsd->version_id ||
        version_id < vmsd->minimum_version_id) {
        return error_setg(errp,
                          "%s: version %d in the stream, this pcvm "
                          "loads %d to %d",
                          vmsd->name, version_id, vmsd->minimum_version_id,
                          vmsd->version_id);
    }
    if (vmsd->unmigratable) {
        return error_setg(errp, "%s: %s", vmsd->name, vmsd->unmigratable);
    }
    if (vmsd->pre_load) {
        vmsd->pre_load(opaque);
    }
    for (const VMStateField *f = vmsd->fields; f && f->kind != VMS_END; f++) {
        if (f->version_id > version_id) {
            continue; /* added after the stream's version */
        }
        if (!load_field(vmsd, f, opaque, r, depth, errp)) {
            return false;
        }
    }
    for (;;) {
        const VMStateDescription *sub;
        g_autofree char *name = NULL;
        uint64_t sub_version, len;
        Reader inner;

        if (!get_u8(r, &mark)) {
            return truncated(errp, vmsd, "its end marker");
        }
        if (mark == MARK_END) {
            break;
        }
        if (mark != MARK_SUBSECTION) {
            return error_setg(errp,
                              "%s: bad marker 0x%02x after the fields "
                              "(the stream does not match this description)",
                              vmsd->name, mark);
        }
        name = get_str(r);
        if (!name || !get_le(r, 4, &sub_version) || !get_le(r, 4, &len) ||
            (uint64_t)(r->end - r->p) < len) {
            return truncated(errp, vmsd, "a subsection");
        }
        sub = find_subsection(vmsd, name);
        if (!sub) {
            return error_setg(errp, "%s: unknown subsection '%s'", vmsd->name,
                              name);
        }
        inner = (Reader){r->p, r->p + len};
        r->p += len;
        if (!load_desc(sub, opaque, sub_version, &inner, depth + 1, errp)) {
            error_prefix(errp, "%s", vmsd->name);
            return false;
        }
        if (inner.p != inner.end) {
            return error_setg(errp, "%s: subsection %s: %zu bytes left over",
                              vmsd->name, name, (size_t)(inner.end - inner.p));
        }
    }
    if (vmsd->post_load && !vmsd->post_load(opaque, version_id, errp)) {
        error_prefix(errp, "%s", vmsd->name);
        return false;
    }
    return true;
}

bool vmstate_load(const VMStateDescription *vmsd, void *opaque, int version_id,
                  const uint8_t *data, size_t len, GError **errp)
{
    Reader r = {data, data + len};

    if (!load_desc(vmsd, opaque, version_id, &r, 0, errp)) {
        return false;
    }
    if (r.p != r.end) {
        return error_setg(errp, "%s: %zu bytes left over after the state",
                          vmsd->name, (size_t)(r.end - r.p));
    }
    return true;
}

/* ---- the stream ------------------------------------------------------ */

struct VMStateStream {
    GByteArray *out;
    uint32_t sections;
};

VMStateStream *vmstate_stream_new(void)
{
    VMStateStream *s = g_new0(VMStateStream, 1);

    s->out = g_byte_array_new();
    g_byte_array_append(s->out, (const uint8_t *)VMSTATE_STREAM_MAGIC, 8);
    put_le(s->out, VMSTATE_STREAM_VERSION, 4);
    return s;
}

bool vmstate_stream_add(VMStateStream *s, const char *id,
                        const VMStateDescription *vmsd, void *opaque,
                        GError **errp)
{
    size_t start = s->out->len, at;

    put_u8(s->out, MARK_SECTION);
    put_str(s->out, id);
    put_str(s->out, vmsd->name);
    put_le(s->out, vmsd->version_id, 4);
    at = s->out->len;
    put_le(s->out, 0, 4);
    if (!vmstate_save(vmsd, opaque, s->out, errp)) {
        g_byte_array_set_size(s->out, start);
        error_prefix(errp, "%s", id);
        return false;
    }
    patch_length(s->out, at);
    put_le(s->out, crc32(0, s->out->data + start, s->out->len - start), 4);
    s->sections++;
    return true;
}

GBytes *vmstate_stream_finish(VMStateStream *s)
{
    put_u8(s->out, MARK_STREAM_END);
    put_le(s->out, s->sections, 4);
    GBytes *bytes = g_byte_array_free_to_bytes(s->out);
    g_free(s);
    return bytes;
}

static void section_free(gpointer p)
{
    VMStateSection *sec = p;

    g_free(sec->id);
    g_free(sec->name);
    g_free(sec);
}

GPtrArray *vmstate_stream_parse(GBytes *bytes, GError **errp)
{
    size_t size;
    const uint8_t *data = g_bytes_get_data(bytes, &size);
    Reader r = {data, data + size};
    g_autoptr(GPtrArray) sections =
        g_ptr_array_new_with_free_func(section_free);
    const uint8_t *b;
    uint64_t v = 0, count;
    uint8_t mark;

    if (!take(&r, 8, &b) || memcmp(b, VMSTATE_STREAM_MAGIC, 8)) {
        error_setg(errp, "not a pcvm device state stream (no %s header)",
                   VMSTATE_STREAM_MAGIC);
        return NULL;
    }
    if (!get_le(&r, 4, &v)) {
        error_setg(errp, "device state stream truncated in its header");
        return NULL;
    }
    if (v != VMSTATE_STREAM_VERSION) {
        error_setg(errp,
                   "device state stream format %" PRIu64 ", this pcvm "
                   "reads format %d",
                   v, VMSTATE_STREAM_VERSION);
        return NULL;
    }
    for (;;) {
        const uint8_t *start = r.p;
        VMStateSection *sec;
        uint64_t len, crc;

        if (!get_u8(&r, &mark)) {
            error_setg(errp,
                       "device state stream truncated after %u "
                       "sections (no end marker)",
                       sections->len);
            return NULL;
        }
        if (mark == MARK_STREAM_END) {
            break;
        }
        if (mark != MARK_SECTION) {
            error_setg(errp,
                       "device state stream: bad marker 0x%02x at "
                       "offset %zu",
                       mark, (size_t)(start - data));
            return NULL;
        }
        sec = g_new0(VMStateSection, 1);
        g_ptr_array_add(sections, sec);
        sec->id = get_str(&r);
        sec->name = sec->id ? get_str(&r) : NULL;
        if (!sec->name || !get_le(&r, 4, &v) || !get_le(&r, 4, &len) ||
            !take(&r, len, &sec->data) || !get_le(&r, 4, &crc)) {
            error_setg(errp, "device state stream truncated in section %u%s%s",
                       sections->len, sec->id ? " " : "",
                       sec->id ? sec->id : "");
            return NULL;
        }
        sec->version_id = (int)v;
        sec->len = len;
        if (crc != crc32(0, start, sec->data + len - start)) {
            error_setg(errp,
                       "device state stream: section %s (%s) fails "
                       "its checksum",
                       sec->id, sec->name);
            return NULL;
        }
    }
    if (!get_le(&r, 4, &count) || count != sections->len || r.p != r.end) {
        error_setg(errp,
                   "device state stream: the end marker does not "
                   "match (%u sections read)",
                   sections->len);
        return NULL;
    }
    return g_steal_pointer(&sections);
}

bool vmstate_section_load(const VMStateSection *sec,
                          const VMStateDescription *vmsd, void *opaque,
                          GError **errp)
{
    if (strcmp(sec->name, vmsd->name)) {
        return error_setg(errp,
                          "%s: the stream has state '%s', the device "
                          "here is described as '%s'",
                          sec->id, sec->name, vmsd->name);
    }
    if (!vmstate_load(vmsd, opaque, sec->version_id, sec->data, sec->len,
                      errp)) {
        error_prefix(errp, "%s", sec->id);
        return false;
    }
    return true;
}
