/*
 * Device state descriptions: what of a device's state the guest can see,
 * declared as a table of fields, so that the machine can be saved to a
 * stream and loaded into a second pcvm started with the same command line.
 *
 * A description (VMStateDescription) has a name, a version, the oldest
 * version it still loads, fields (each with the version it appeared in),
 * optional subsections for state that is only sometimes there (sent when
 * their needed() says so, skipped by a loader that does not ask for them),
 * and pre-save/post-load hooks that turn derived state (mapped BARs, IRQ
 * levels, timers) into fields and back.
 *
 * The stream is pcvm's own (docs/architecture.md, "Device state"): fixed
 * little-endian fields, a marker and length around every section and
 * subsection and a CRC-32 per section, so that a truncated, altered or
 * mismatched stream is refused with one line before any device is touched.
 */
#ifndef HW_CORE_VMSTATE_H
#define HW_CORE_VMSTATE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct VMStateDescription VMStateDescription;

typedef enum VMStateKind {
    VMS_END,
    VMS_BOOL,
    VMS_UINT8,
    VMS_UINT16,
    VMS_UINT32,
    VMS_UINT64,
    VMS_INT32,
    VMS_INT64,
    VMS_BUFFER, /* size bytes as they are */
    VMS_STRUCT, /* a nested description over a struct of size bytes */
    VMS_TIMER,  /* a Timer *: time left to its deadline, or stopped */
} VMStateKind;

typedef struct VMStateField {
    const char *name;
    VMStateKind kind;
    size_t offset;
    size_t size;    /* one element's size */
    unsigned count; /* elements of an array; 1 for a single field */
    /* Elements an array has now: the uint32 at this offset (if set). */
    bool count_in_field;
    size_t count_offset;
    bool pointer;                   /* the field holds a pointer to the data */
    const VMStateDescription *vmsd; /* VMS_STRUCT */
    int version_id; /* the description's version that added it */
} VMStateField;

struct VMStateDescription {
    const char *name;
    int version_id;
    int minimum_version_id;
    const VMStateField *fields; /* ends with VMSTATE_END_OF_LIST() */
    /* NULL-terminated; each saved only when its needed() is true. */
    const VMStateDescription *const *subsections;
    bool (*needed)(void *opaque);
    /* Before saving: make the fields current (false: cannot save now). */
    bool (*pre_save)(void *opaque, GError **errp);
    /* Before loading fields into opaque. */
    void (*pre_load)(void *opaque);
    /*
     * After loading: check what the stream put in the fields (they are the
     * guest's, in effect) and rebuild derived state. False refuses it.
     */
    bool (*post_load)(void *opaque, int version_id, GError **errp);
    /*
     * Set for a device whose state cannot be described yet: saving a
     * machine that has one fails with this reason (QEMU's migration
     * blocker).
     */
    const char *unmigratable;
};

/* ---- declaring fields ------------------------------------------------ */

/* Compile-time check that st's field f has type t (evaluates to 0). */
#define VMSTATE_TYPE_CHECK(t, st, f)                                           \
    (0 * sizeof(char[__builtin_types_compatible_p(t, __typeof__(((st *)0)->f)) \
                         ? 1                                                   \
                         : -1]))
#define VMSTATE_ARRAY_CHECK(t, n, st, f)                                       \
    (0 *                                                                       \
     sizeof(char[__builtin_types_compatible_p(t[n], __typeof__(((st *)0)->f))  \
                     ? 1                                                       \
                     : -1]))

#define VMSTATE_SCALAR_V(f, st, t, k, v)                                       \
    {                                                                          \
        .name = #f, .kind = (k),                                               \
        .offset = offsetof(st, f) + VMSTATE_TYPE_CHECK(t, st, f),              \
        .size = sizeof(t), .count = 1, .version_id = (v)                       \
    }
#define VMSTATE_ARRAY_V(f, st, n, t, k, v)                                     \
    {                                                                          \
        .name = #f, .kind = (k),                                               \
        .offset = offsetof(st, f) + VMSTATE_ARRAY_CHECK(t, n, st, f),          \
        .size = sizeof(t), .count = (n), .version_id = (v)                     \
    }

#define VMSTATE_BOOL_V(f, st, v) VMSTATE_SCALAR_V(f, st, bool, VMS_BOOL, v)
#define VMSTATE_UINT8_V(f, st, v) VMSTATE_SCALAR_V(f, st, uint8_t, VMS_UINT8, v)
#define VMSTATE_UINT16_V(f, st, v)                                             \
    VMSTATE_SCALAR_V(f, st, uint16_t, VMS_UINT16, v)
#define VMSTATE_UINT32_V(f, st, v)                                             \
    VMSTATE_SCALAR_V(f, st, uint32_t, VMS_UINT32, v)
#define VMSTATE_UINT64_V(f, st, v)                                             \
    VMSTATE_SCALAR_V(f, st, uint64_t, VMS_UINT64, v)
#define VMSTATE_INT32_V(f, st, v) VMSTATE_SCALAR_V(f, st, int32_t, VMS_INT32, v)
#define VMSTATE_INT64_V(f, st, v) VMSTATE_SCALAR_V(f, st, int64_t, VMS_INT64, v)

#define VMSTATE_BOOL(f, st) VMSTATE_BOOL_V(f, st, 0)
#define VMSTATE_UINT8(f, st) VMSTATE_UINT8_V(f, st, 0)
#define VMSTATE_UINT16(f, st) VMSTATE_UINT16_V(f, st, 0)
#define VMSTATE_UINT32(f, st) VMSTATE_UINT32_V(f, st, 0)
#define VMSTATE_UINT64(f, st) VMSTATE_UINT64_V(f, st, 0)
#define VMSTATE_INT32(f, st) VMSTATE_INT32_V(f, st, 0)
#define VMSTATE_INT64(f, st) VMSTATE_INT64_V(f, st, 0)

#define VMSTATE_BOOL_ARRAY(f, st, n)                                           \
    VMSTATE_ARRAY_V(f, st, n, bool, VMS_BOOL, 0)
#define VMSTATE_UINT8_ARRAY(f, st, n)                                          \
    VMSTATE_ARRAY_V(f, st, n, uint8_t, VMS_UINT8, 0)
#define VMSTATE_UINT16_ARRAY(f, st, n)                                         \
    VMSTATE_ARRAY_V(f, st, n, uint16_t, VMS_UINT16, 0)
#define VMSTATE_UINT32_ARRAY(f, st, n)                                         \
    VMSTATE_ARRAY_V(f, st, n, uint32_t, VMS_UINT32, 0)
#define VMSTATE_UINT64_ARRAY(f, st, n)                                         \
    VMSTATE_ARRAY_V(f, st, n, uint64_t, VMS_UINT64, 0)
#define VMSTATE_INT32_ARRAY(f, st, n)                                          \
    VMSTATE_ARRAY_V(f, st, n, int32_t, VMS_INT32, 0)
#define VMSTATE_INT64_ARRAY(f, st, n)                                          \
    VMSTATE_ARRAY_V(f, st, n, int64_t, VMS_INT64, 0)

/* Raw bytes of a uint8_t array field (a register file, a FIFO). */
#define VMSTATE_BUFFER(f, st)                                                  \
    {                                                                          \
        .name = #f, .kind = VMS_BUFFER, .offset = offsetof(st, f),             \
        .size = sizeof(((st *)0)->f), .count = 1                               \
    }
/* Bytes of a uint8_t *field pointing at len bytes (a config space). */
#define VMSTATE_BUFFER_POINTER_LEN(f, st, len)                                 \
    {                                                                          \
        .name = #f, .kind = VMS_BUFFER,                                        \
        .offset = offsetof(st, f) + VMSTATE_TYPE_CHECK(uint8_t *, st, f),      \
        .size = (len), .count = 1, .pointer = true                             \
    }

/* A nested struct of type t, described by vmsd. */
#define VMSTATE_STRUCT(f, st, vmsd_, t)                                        \
    {                                                                          \
        .name = #f, .kind = VMS_STRUCT,                                        \
        .offset = offsetof(st, f) + VMSTATE_TYPE_CHECK(t, st, f),              \
        .size = sizeof(t), .count = 1, .vmsd = &(vmsd_)                        \
    }
#define VMSTATE_STRUCT_ARRAY(f, st, n, vmsd_, t)                               \
    {                                                                          \
        .name = #f, .kind = VMS_STRUCT,                                        \
        .offset = offsetof(st, f) + VMSTATE_ARRAY_CHECK(t, n, st, f),          \
        .size = sizeof(t), .count = (n), .vmsd = &(vmsd_)                      \
    }
/*
 * The struct a t * field points to (a part the device allocated; t may be
 * opaque here).
 */
#define VMSTATE_STRUCT_POINTER(f, st, vmsd_, t)                                \
    {                                                                          \
        .name = #f, .kind = VMS_STRUCT,                                        \
        .offset = offsetof(st, f) + VMSTATE_TYPE_CHECK(t *, st, f),            \
        .count = 1, .pointer = true, .vmsd = &(vmsd_)                          \
    }
/*
 * Up to n elements of an array, as many as the uint32 field nf says; a
 * stream whose count is above n is refused.
 */
#define VMSTATE_UINT8_ARRAY_VARIABLE(f, st, n, nf)                             \
    {                                                                          \
        .name = #f, .kind = VMS_UINT8,                                         \
        .offset = offsetof(st, f) + VMSTATE_ARRAY_CHECK(uint8_t, n, st, f),    \
        .size = 1, .count = (n), .count_in_field = true,                       \
        .count_offset =                                                        \
            offsetof(st, nf) + VMSTATE_TYPE_CHECK(uint32_t, st, nf)            \
    }

/*
 * An array the field points to, of as many elements as the device's uint32
 * field nf says (the device allocated it); a stream with another count is
 * refused.
 */
#define VMSTATE_VARRAY_POINTER(f, st, nf, k, t)                                \
    {                                                                          \
        .name = #f, .kind = (k),                                               \
        .offset = offsetof(st, f) + VMSTATE_TYPE_CHECK(t *, st, f),            \
        .size = sizeof(t), .pointer = true, .count_in_field = true,            \
        .count_offset =                                                        \
            offsetof(st, nf) + VMSTATE_TYPE_CHECK(uint32_t, st, nf)            \
    }
#define VMSTATE_UINT8_VARRAY_POINTER(f, st, nf)                                \
    VMSTATE_VARRAY_POINTER(f, st, nf, VMS_UINT8, uint8_t)
#define VMSTATE_STRUCT_VARRAY_POINTER(f, st, nf, vmsd_, t)                     \
    {                                                                          \
        .name = #f, .kind = VMS_STRUCT,                                        \
        .offset = offsetof(st, f) + VMSTATE_TYPE_CHECK(t *, st, f),            \
        .size = sizeof(t), .pointer = true, .count_in_field = true,            \
        .count_offset =                                                        \
            offsetof(st, nf) + VMSTATE_TYPE_CHECK(uint32_t, st, nf),           \
        .vmsd = &(vmsd_)                                                       \
    }

/*
 * A Timer * field: saved as the time left to its deadline on its clock (or
 * as stopped), re-armed at load; the virtual clock itself is part of the
 * machine's stream (see hw/core/machine-state.c).
 */
#define VMSTATE_TIMER_PTR(f, st)                                               \
    {                                                                          \
        .name = #f, .kind = VMS_TIMER, .offset = offsetof(st, f),              \
        .size = sizeof(void *), .count = 1                                     \
    }

#define VMSTATE_END_OF_LIST()                                                  \
    {                                                                          \
        .kind = VMS_END                                                        \
    }

/* ---- saving and loading one description ------------------------------ */

/*
 * Appends opaque's state as vmsd describes it (fields, then the needed
 * subsections, each framed) to out. False if a pre_save hook refuses.
 */
bool vmstate_save(const VMStateDescription *vmsd, void *opaque, GByteArray *out,
                  GError **errp);
/*
 * Loads what vmstate_save wrote for a description of stream version
 * version_id from [data, data + len) into opaque; all of it must be used.
 * Errors are one line naming the description and field.
 */
bool vmstate_load(const VMStateDescription *vmsd, void *opaque, int version_id,
                  const uint8_t *data, size_t len, GError **errp);

/* ---- the stream of a whole machine ----------------------------------- */

/* "PCVMDEVS" and the format version of the stream. */
#define VMSTATE_STREAM_MAGIC "PCVMDEVS"
#define VMSTATE_STREAM_VERSION 1

typedef struct VMStateStream VMStateStream;

VMStateStream *vmstate_stream_new(void);
/* Appends a section: instance id (a QOM path), description, state. */
bool vmstate_stream_add(VMStateStream *s, const char *id,
                        const VMStateDescription *vmsd, void *opaque,
                        GError **errp);
/* The whole stream, header to end marker; frees s. */
GBytes *vmstate_stream_finish(VMStateStream *s);

typedef struct VMStateSection {
    char *id;
    char *name; /* the description's name */
    int version_id;
    const uint8_t *data;
    size_t len;
} VMStateSection;

/*
 * Splits a stream into its sections (VMStateSection *, pointing into
 * bytes) after checking the header, every marker, length and CRC; NULL
 * with one line on the first problem.
 */
GPtrArray *vmstate_stream_parse(GBytes *bytes, GError **errp);
/* Loads one parsed section into opaque, checking name and version. */
bool vmstate_section_load(const VMStateSection *sec,
                          const VMStateDescription *vmsd, void *opaque,
                          GError **errp);

#endif
