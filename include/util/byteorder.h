/*
 * Little-endian loads and stores at unaligned addresses, for building and
 * parsing the tables guests read (boot_params, MP tables, multiboot info),
 * and big-endian ones for on-disk formats.
 */
#ifndef UTIL_BYTEORDER_H
#define UTIL_BYTEORDER_H

#include <inttypes.h>
#include <string.h>

/* pcvm runs on little-endian x86 hosts only, so these are plain copies. */
static inline uint16_t lduw_le_p(const void *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint32_t ldl_le_p(const void *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint64_t ldq_le_p(const void *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void stw_le_p(void *p, uint16_t v)
{
    memcpy(p, &v, sizeof(v));
}

static inline void stl_le_p(void *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static inline void stq_le_p(void *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

/*
 * A host-order integer of size 1, 2, 4 or 8 bytes (a struct field whose
 * width is known only at run time), widened to or narrowed from 64 bits.
 */
/* Big-endian ones, for on-disk formats (qcow2). */
static inline uint16_t lduw_be_p(const void *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return __builtin_bswap16(v);
}

static inline uint32_t ldl_be_p(const void *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return __builtin_bswap32(v);
}

static inline uint64_t ldq_be_p(const void *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return __builtin_bswap64(v);
}

static inline void stw_be_p(void *p, uint16_t v)
{
    v = __builtin_bswap16(v);
    memcpy(p, &v, sizeof(v));
}

static inline void stl_be_p(void *p, uint32_t v)
{
    v = __builtin_bswap32(v);
    memcpy(p, &v, sizeof(v));
}

static inline void stq_be_p(void *p, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(p, &v, sizeof(v));
}

static inline uint64_t ldn_he_p(const void *p, unsigned size)
{
    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2:
        return *(const uint16_t *)p;
    case 4:
        return *(const uint32_t *)p;
    default:
        return *(const uint64_t *)p;
    }
}

static inline void stn_he_p(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)p = v;
        break;
    case 2:
        *(uint16_t *)p = v;
        break;
    case 4:
        *(uint32_t *)p = v;
        break;
    default:
        *(uint64_t *)p = v;
        break;
    }
}

#endif
