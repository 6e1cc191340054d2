/*
 * Little-endian loads and stores at unaligned addresses, for building and
 * parsing the tables guests read (boot_params, MP tables, multiboot info).
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

#endif
