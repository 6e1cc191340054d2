/*
 * qcow2 metadata (block/qcow2.h): the cache of L2 tables and refcount
 * blocks, refcounts of any width, and cluster allocation, including new
 * refcount blocks and a larger refcount table when the image outgrows
 * the one it has.
 *
 * Runs in the metadata lock's holder: a coroutine (guest requests) or
 * the opener's thread (open, create, check), where the I/O helpers of
 * block-int.h wait by polling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/qcow2.h"
#include "util/error.h"

/* ---- the table cache ---------------------------------------------------- */

bool qcow2_cache_init(BDRVQcow2State *s, Qcow2Cache *c, unsigned n)
{
    void *data = NULL;

    memset(c, 0, sizeof(*c));
    c->n = MAX(n, 2u);
    c->table_bits = s->cluster_bits;
    if (posix_memalign(&data, 4096, (size_t)c->n * s->cluster_size)) {
        return false;
    }
    c->data = data;
    c->offset = g_new0(uint64_t, c->n);
    c->dirty = g_new0(bool, c->n);
    c->refs = g_new0(unsigned, c->n);
    c->lru = g_new0(uint64_t, c->n);
    c->map = g_hash_table_new(g_int64_hash, g_int64_equal);
    return true;
}

void qcow2_cache_destroy(Qcow2Cache *c)
{
    free(c->data);
    g_free(c->offset);
    g_free(c->dirty);
    g_free(c->refs);
    g_free(c->lru);
    if (c->map) {
        g_hash_table_destroy(c->map);
    }
    memset(c, 0, sizeof(*c));
}

static uint64_t *cache_table(BDRVQcow2State *s, Qcow2Cache *c, unsigned i)
{
    return (uint64_t *)(c->data + (size_t)i * s->cluster_size);
}

static unsigned cache_index(Qcow2Cache *c, const uint64_t *table)
{
    return ((const uint8_t *)table - c->data) >> c->table_bits;
}

/* The slot holding offset, or c->n. Keys point into c->offset. */
static unsigned cache_find(Qcow2Cache *c, uint64_t offset)
{
    gpointer v = g_hash_table_lookup(c->map, &offset);

    return v ? GPOINTER_TO_UINT(v) - 1 : c->n;
}

static void cache_set_offset(Qcow2Cache *c, unsigned i, uint64_t offset)
{
    if (c->offset[i]) {
        g_hash_table_remove(c->map, &c->offset[i]);
    }
    c->offset[i] = offset;
    if (offset) {
        g_hash_table_insert(c->map, &c->offset[i], GUINT_TO_POINTER(i + 1));
    }
}

static int cache_write_back(BDRVQcow2State *s, Qcow2Cache *c, unsigned i)
{
    int ret;

    if (!c->dirty[i]) {
        return 0;
    }
    if (c->depends) {
        ret = qcow2_cache_flush(s, c->depends);
        if (ret < 0) {
            return ret;
        }
        ret = bdrv_co_flush(s->bs->file);
        if (ret < 0) {
            return ret;
        }
    }
    ret = bdrv_co_pwrite(s->bs->file, c->offset[i], cache_table(s, c, i),
                         s->cluster_size);
    if (ret < 0) {
        return ret;
    }
    c->dirty[i] = false;
    return 0;
}

int qcow2_cache_flush(BDRVQcow2State *s, Qcow2Cache *c)
{
    int ret = 0;

    for (unsigned i = 0; i < c->n; i++) {
        int r = cache_write_back(s, c, i);

        ret = ret ? ret : r;
    }
    return ret;
}

int qcow2_cache_get(BDRVQcow2State *s, Qcow2Cache *c, uint64_t offset,
                    bool fresh, uint64_t **table)
{
    unsigned victim = c->n, i = cache_find(c, offset);
    int ret;

    if (i < c->n) {
        c->refs[i]++;
        c->lru[i] = ++c->lru_clock;
        if (fresh) {
            memset(cache_table(s, c, i), 0, s->cluster_size);
        }
        *table = cache_table(s, c, i);
        return 0;
    }
    /* The least recently used table nobody holds. */
    for (unsigned i = 0; i < c->n; i++) {
        if (!c->refs[i] &&
            (victim == c->n || !c->offset[i] ||
             (c->offset[victim] && c->lru[i] < c->lru[victim]))) {
            victim = i;
        }
    }
    if (victim == c->n) {
        return -ENOSPC; /* every table held: the cache is too small */
    }
    ret = cache_write_back(s, c, victim);
    if (ret < 0) {
        return ret;
    }
    cache_set_offset(c, victim, 0);
    if (fresh) {
        memset(cache_table(s, c, victim), 0, s->cluster_size);
    } else {
        ret = bdrv_co_pread(s->bs->file, offset, cache_table(s, c, victim),
                            s->cluster_size);
        if (ret < 0) {
            return ret;
        }
    }
    /* Another coroutine may have loaded it while this one read. */
    i = cache_find(c, offset);
    if (i < c->n) {
        c->refs[i]++;
        c->lru[i] = ++c->lru_clock;
        *table = cache_table(s, c, i);
        return 0;
    }
    cache_set_offset(c, victim, offset);
    c->refs[victim] = 1;
    c->dirty[victim] = false;
    c->lru[victim] = ++c->lru_clock;
    *table = cache_table(s, c, victim);
    return 0;
}

void qcow2_cache_put(Qcow2Cache *c, uint64_t *table)
{
    unsigned i = cache_index(c, table);

    g_assert(i < c->n && c->refs[i]);
    c->refs[i]--;
}

void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint64_t *table)
{
    c->dirty[cache_index(c, table)] = true;
}

void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset)
{
    unsigned i = cache_find(c, offset);

    if (i < c->n) {
        cache_set_offset(c, i, 0);
        c->dirty[i] = false;
    }
}

/* ---- refcounts ---------------------------------------------------------- */

#define REFT_OFFSET_MASK 0xfffffffffffffe00ull

uint64_t qcow2_refblock_get(const BDRVQcow2State *s, const uint64_t *block,
                            uint64_t index)
{
    const uint8_t *b = (const uint8_t *)block;
    unsigned width = 1u << s->refcount_order;

    switch (s->refcount_order) {
    case 0:
    case 1:
    case 2: {
        unsigned per_byte = 8 / width;

        return (b[index / per_byte] >> (width * (index % per_byte))) &
               ((1u << width) - 1);
    }
    case 3:
        return b[index];
    case 4:
        return GUINT16_FROM_BE(((const uint16_t *)b)[index]);
    case 5:
        return GUINT32_FROM_BE(((const uint32_t *)b)[index]);
    default:
        return GUINT64_FROM_BE(((const uint64_t *)b)[index]);
    }
}

void qcow2_refblock_set(const BDRVQcow2State *s, uint64_t *block,
                        uint64_t index, uint64_t value)
{
    uint8_t *b = (uint8_t *)block;
    unsigned width = 1u << s->refcount_order;

    switch (s->refcount_order) {
    case 0:
    case 1:
    case 2: {
        unsigned per_byte = 8 / width, shift = width * (index % per_byte);
        uint8_t mask = ((1u << width) - 1) << shift;

        b[index / per_byte] = (b[index / per_byte] & ~mask) | (value << shift);
        break;
    }
    case 3:
        b[index] = value;
        break;
    case 4:
        ((uint16_t *)b)[index] = GUINT16_TO_BE(value);
        break;
    case 5:
        ((uint32_t *)b)[index] = GUINT32_TO_BE(value);
        break;
    default:
        ((uint64_t *)b)[index] = GUINT64_TO_BE(value);
        break;
    }
}

int qcow2_write_table_entry(BDRVQcow2State *s, uint64_t table_offset,
                            const uint64_t *table, uint64_t index)
{
    uint64_t start = (index * 8) & ~(uint64_t)(s->meta_align - 1);

    return bdrv_co_pwrite(s->bs->file, table_offset + start,
                          (const uint8_t *)table + start, s->meta_align);
}

int qcow2_signal_corruption(BDRVQcow2State *s, const char *what,
                            uint64_t offset)
{
    if (!(s->incompatible & QCOW2_INCOMPAT_CORRUPT)) {
        fprintf(stderr,
                "qcow2: Marking image as corrupt: %s (offset %#" PRIx64
                "); further corruption events will be suppressed\n",
                what, offset);
        s->incompatible |= QCOW2_INCOMPAT_CORRUPT;
        if (!s->read_only) {
            qcow2_update_header(s);
        }
    }
    return -EIO;
}

/* The refcount block's offset for a cluster, 0 if it has none. */
static int refblock_offset(BDRVQcow2State *s, uint64_t cluster, uint64_t *off)
{
    uint64_t rt_index = cluster >> s->refcount_block_bits;

    *off = 0;
    if (rt_index >= s->refcount_table_size) {
        return 0;
    }
    *off = GUINT64_FROM_BE(s->refcount_table[rt_index]) & REFT_OFFSET_MASK;
    if (*off & (s->cluster_size - 1)) {
        return qcow2_signal_corruption(s, "refblock offset not aligned", *off);
    }
    return 0;
}

int qcow2_get_refcount(BDRVQcow2State *s, uint64_t cluster, uint64_t *rc)
{
    uint64_t off, *block;
    int ret = refblock_offset(s, cluster, &off);

    *rc = 0;
    if (ret < 0 || !off) {
        return ret;
    }
    ret = qcow2_cache_get(s, &s->refblock_cache, off, false, &block);
    if (ret < 0) {
        return ret;
    }
    *rc = qcow2_refblock_get(s, block,
                             cluster & ((1ull << s->refcount_block_bits) - 1));
    qcow2_cache_put(&s->refblock_cache, block);
    return 0;
}

static uint64_t alloc_end_cluster(BDRVQcow2State *s)
{
    return MAX(s->alloc_end,
               qcow2_size_to_clusters(s, bdrv_getlength(s->bs->file)));
}

/*
 * A larger refcount table, for at least min_entries refcount blocks:
 * the new table and the refcount blocks that describe it go after
 * everything allocated, the new blocks describing themselves too; then
 * the header points at the new table and the old one is freed.
 */
static int grow_refcount_table(BDRVQcow2State *s, uint64_t min_entries)
{
    uint64_t per_table_cluster = s->cluster_size / 8;
    uint64_t blocks_per = 1ull << s->refcount_block_bits;
    uint64_t old_offset = s->refcount_table_offset;
    uint64_t old_clusters = s->refcount_table_clusters;
    uint64_t start = alloc_end_cluster(s);
    uint64_t table_clusters, nblocks = 0, entries;
    uint64_t *table = NULL, *block = NULL;
    uint64_t *new_ranges = NULL;
    int ret;

    entries = MAX(min_entries,
                  s->refcount_table_size + s->refcount_table_size / 2 + 1);
    /* The area holds the table and its new blocks: iterate to a fit. */
    for (;;) {
        uint64_t first, last, need = 0;

        table_clusters = (entries + per_table_cluster - 1) / per_table_cluster;
        first = start >> s->refcount_block_bits;
        last = (start + table_clusters + nblocks - 1) >> s->refcount_block_bits;
        for (uint64_t r = first; r <= last; r++) {
            if (r >= s->refcount_table_size || !s->refcount_table[r]) {
                need++;
            }
        }
        if (last >= entries) {
            entries = last + 1;
            continue;
        }
        if (need == nblocks) {
            break;
        }
        nblocks = need;
    }
    if (table_clusters * s->cluster_size > QCOW2_MAX_REFTABLE_BYTES) {
        return -EFBIG;
    }
    if (posix_memalign((void **)&table, 4096,
                       table_clusters * s->cluster_size) ||
        posix_memalign((void **)&block, 4096, s->cluster_size)) {
        free(table);
        return -ENOMEM;
    }
    memset(table, 0, table_clusters * s->cluster_size);
    memcpy(table, s->refcount_table, s->refcount_table_size * 8);
    new_ranges = g_new0(uint64_t, nblocks + 1);

    /* New blocks, each holding the area's refcounts in its range. */
    {
        uint64_t area_end = start + table_clusters + nblocks, k = 0;
        uint64_t first = start >> s->refcount_block_bits;
        uint64_t last = (area_end - 1) >> s->refcount_block_bits;

        for (uint64_t r = first; r <= last; r++) {
            uint64_t lo = MAX(start, r * blocks_per);
            uint64_t hi = MIN(area_end, (r + 1) * blocks_per);
            uint64_t at;

            if (r < s->refcount_table_size && s->refcount_table[r]) {
                continue;
            }
            at = start + table_clusters + k;
            memset(block, 0, s->cluster_size);
            for (uint64_t c = lo; c < hi; c++) {
                qcow2_refblock_set(s, block, c - r * blocks_per, 1);
            }
            ret = bdrv_co_pwrite(s->bs->file, at << s->cluster_bits, block,
                                 s->cluster_size);
            if (ret < 0) {
                goto out;
            }
            table[r] = GUINT64_TO_BE(at << s->cluster_bits);
            new_ranges[k++] = r;
        }
    }
    ret = bdrv_co_pwrite(s->bs->file, start << s->cluster_bits, table,
                         table_clusters * s->cluster_size);
    if (ret < 0) {
        goto out;
    }
    s->alloc_end = start + table_clusters + nblocks;
    /* The area's clusters in ranges whose blocks existed already. */
    {
        uint64_t *old_table = s->refcount_table;
        uint64_t old_size = s->refcount_table_size;

        s->refcount_table = table;
        s->refcount_table_size = table_clusters * per_table_cluster;
        for (uint64_t c = start; c < s->alloc_end; c++) {
            uint64_t r = c >> s->refcount_block_bits;

            if (r < old_size && old_table[r]) {
                ret = qcow2_update_refcount(s, c << s->cluster_bits, 1, 1);
                if (ret < 0) {
                    s->refcount_table = old_table;
                    s->refcount_table_size = old_size;
                    goto out;
                }
            }
        }
        table = old_table;
    }
    ret = qcow2_cache_flush(s, &s->refblock_cache);
    if (ret >= 0) {
        ret = bdrv_co_flush(s->bs->file);
    }
    if (ret < 0) {
        goto out;
    }
    s->refcount_table_offset = start << s->cluster_bits;
    s->refcount_table_clusters = table_clusters;
    ret = qcow2_update_header(s);
    if (ret >= 0) {
        ret = bdrv_co_flush(s->bs->file);
    }
    if (ret >= 0) {
        ret = qcow2_update_refcount(s, old_offset,
                                    old_clusters << s->cluster_bits, -1);
    }
out:
    g_free(new_ranges);
    free(table);
    free(block);
    return ret;
}

/*
 * The refcount block of range rt_index, which has none: at the first
 * cluster of its own range (all of which is free, since no block counts
 * it), describing itself.
 */
static int create_refblock(BDRVQcow2State *s, uint64_t rt_index)
{
    uint64_t cluster = rt_index << s->refcount_block_bits;
    uint64_t *block;
    int ret;

    if (rt_index >= s->refcount_table_size) {
        ret = grow_refcount_table(s, rt_index + 1);
        if (ret < 0 || s->refcount_table[rt_index]) {
            return ret; /* the growth may have made this one */
        }
    }
    if ((cluster << s->cluster_bits) & ~QCOW2_L2E_OFFSET_MASK) {
        return -EFBIG;
    }
    ret = qcow2_cache_get(s, &s->refblock_cache, cluster << s->cluster_bits,
                          true, &block);
    if (ret < 0) {
        return ret;
    }
    qcow2_refblock_set(s, block, 0, 1);
    ret = bdrv_co_pwrite(s->bs->file, cluster << s->cluster_bits, block,
                         s->cluster_size);
    qcow2_cache_put(&s->refblock_cache, block);
    if (ret < 0) {
        qcow2_cache_discard(&s->refblock_cache, cluster << s->cluster_bits);
        return ret;
    }
    s->alloc_end = MAX(s->alloc_end, cluster + 1);
    ret = bdrv_co_flush(s->bs->file);
    if (ret < 0) {
        return ret;
    }
    s->refcount_table[rt_index] = GUINT64_TO_BE(cluster << s->cluster_bits);
    return qcow2_write_table_entry(s, s->refcount_table_offset,
                                   s->refcount_table, rt_index);
}

int qcow2_update_refcount(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                          int64_t delta)
{
    uint64_t first = offset >> s->cluster_bits;
    uint64_t last = (offset + MAX(bytes, 1) - 1) >> s->cluster_bits;

    for (uint64_t c = first; c <= last; c++) {
        uint64_t off, *block, rc, index;
        int ret = refblock_offset(s, c, &off);

        if (ret < 0) {
            return ret;
        }
        if (!off) {
            if (delta < 0) {
                return qcow2_signal_corruption(
                    s, "freeing a cluster without a refcount block",
                    c << s->cluster_bits);
            }
            ret = create_refblock(s, c >> s->refcount_block_bits);
            if (ret >= 0) {
                ret = refblock_offset(s, c, &off);
            }
            if (ret < 0) {
                return ret;
            }
        }
        ret = qcow2_cache_get(s, &s->refblock_cache, off, false, &block);
        if (ret < 0) {
            return ret;
        }
        index = c & ((1ull << s->refcount_block_bits) - 1);
        rc = qcow2_refblock_get(s, block, index);
        if ((delta < 0 && rc < (uint64_t)-delta) ||
            (delta > 0 && s->refcount_max - rc < (uint64_t)delta)) {
            qcow2_cache_put(&s->refblock_cache, block);
            if (delta > 0) {
                return -ERANGE;
            }
            return qcow2_signal_corruption(s, "refcount below zero",
                                           c << s->cluster_bits);
        }
        rc += delta;
        qcow2_refblock_set(s, block, index, rc);
        qcow2_cache_mark_dirty(&s->refblock_cache, block);
        qcow2_cache_put(&s->refblock_cache, block);
        if (!rc) {
            s->free_cluster_index = MIN(s->free_cluster_index, c);
            qcow2_cache_discard(&s->l2_cache, c << s->cluster_bits);
            qcow2_cache_discard(&s->refblock_cache, c << s->cluster_bits);
        }
    }
    return 0;
}

int64_t qcow2_alloc_clusters(BDRVQcow2State *s, uint64_t n)
{
    uint64_t start = s->free_cluster_index, run = 0;
    bool none_free = true; /* below c: keeps free_cluster_index true */
    int ret;

    for (uint64_t c = start;; c++) {
        uint64_t off, rc = 0;

        if ((c + n) << s->cluster_bits > QCOW2_L2E_OFFSET_MASK + 1) {
            return -EFBIG;
        }
        ret = refblock_offset(s, c, &off);
        if (ret < 0) {
            return ret;
        }
        if (!off) {
            /* Blocks first, so this scan never hands out their place. */
            ret = create_refblock(s, c >> s->refcount_block_bits);
            if (ret < 0) {
                return ret;
            }
        }
        ret = qcow2_get_refcount(s, c, &rc);
        if (ret < 0) {
            return ret;
        }
        if (rc) {
            run = 0;
            if (none_free) {
                s->free_cluster_index = c + 1;
            }
            continue;
        }
        none_free = false;
        if (++run == n) {
            uint64_t first = c + 1 - n;

            ret = qcow2_update_refcount(s, first << s->cluster_bits,
                                        n << s->cluster_bits, 1);
            if (ret < 0) {
                return ret;
            }
            if (first == s->free_cluster_index) {
                s->free_cluster_index = first + n;
            }
            s->alloc_end = MAX(s->alloc_end, first + n);
            return first << s->cluster_bits;
        }
    }
}
