/*
 * qcow2 consistency check and repair (pcvm-img check): every cluster's
 * refcount is computed from the metadata that references it (header,
 * L1 and L2 tables of the active image and of each snapshot, data and
 * compressed clusters, the refcount table and blocks, the snapshot
 * table) and compared with the refcount stored for it. A stored count
 * above the computed one is a leak (space lost, no harm); one below is
 * corruption (a cluster that could be handed out twice). Wrong COPIED
 * flags and misaligned or out-of-image offsets are corruption too.
 *
 * Repair of leaks lowers stored refcounts to the computed ones; repair
 * of errors raises them and corrects COPIED flags. Runs outside
 * coroutines, with no guest request in flight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/qcow2.h"
#include "util/error.h"

typedef struct CheckState {
    BDRVQcow2State *s;
    uint64_t *refs; /* computed, by cluster */
    uint64_t nb;
    BlockCheckResult *r;
} CheckState;

static void check_log(CheckState *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void check_log(CheckState *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(c->r->log, fmt, ap);
    va_end(ap);
}

static void check_ref(CheckState *c, uint64_t offset, uint64_t bytes)
{
    uint64_t first = offset >> c->s->cluster_bits;
    uint64_t last = (offset + MAX(bytes, 1) - 1) >> c->s->cluster_bits;

    for (uint64_t i = first; i <= last; i++) {
        if (i >= c->nb) {
            uint64_t nb = MAX(i + 1, c->nb * 2);

            c->refs = g_renew(uint64_t, c->refs, nb);
            memset(c->refs + c->nb, 0, (nb - c->nb) * 8);
            c->nb = nb;
        }
        c->refs[i]++;
    }
}

/* One L1 table's tree; active: also check COPIED flags afterwards. */
static int check_l1(CheckState *c, uint64_t l1_offset, uint32_t l1_size,
                    uint64_t **l2_list, uint32_t *n_l2)
{
    BDRVQcow2State *s = c->s;
    uint64_t entries = 1ull << s->l2_bits;
    uint64_t bytes = ROUND_UP(MAX((uint64_t)l1_size * 8, 1), s->cluster_size);
    g_autofree uint64_t *l1 = g_malloc0(bytes);
    g_autofree uint64_t *l2 = g_malloc(s->cluster_size);
    uint64_t file_len = bdrv_getlength(s->bs->file);
    uint64_t next_contiguous = 0;
    int ret;

    if (l1_size) {
        check_ref(c, l1_offset, (uint64_t)l1_size * 8);
        ret =
            bdrv_pread_sync(s->bs->file, l1_offset, l1, (uint64_t)l1_size * 8);
        if (ret < 0) {
            return ret;
        }
    }
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_offset = GUINT64_FROM_BE(l1[i]) & QCOW2_L1E_OFFSET_MASK;

        if (!l2_offset) {
            continue;
        }
        if (l2_offset & (s->cluster_size - 1) || l2_offset >= file_len) {
            check_log(c,
                      "ERROR l2_offset=%" PRIx64 ": Table is not cluster "
                      "aligned or outside the image\n",
                      l2_offset);
            c->r->corruptions++;
            continue;
        }
        check_ref(c, l2_offset, s->cluster_size);
        if (l2_list) {
            *l2_list = g_renew(uint64_t, *l2_list, *n_l2 + 1);
            (*l2_list)[(*n_l2)++] = l2_offset;
        }
        ret = bdrv_pread_sync(s->bs->file, l2_offset, l2, s->cluster_size);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t j = 0; j < entries; j++) {
            uint64_t e = GUINT64_FROM_BE(l2[j]), off, len;

            switch (qcow2_l2e_type(s, e)) {
            case QCOW2_CLUSTER_NORMAL:
            case QCOW2_CLUSTER_ZERO_ALLOC:
                off = e & QCOW2_L2E_OFFSET_MASK;
                if (off & (s->cluster_size - 1)) {
                    check_log(c,
                              "ERROR offset=%" PRIx64 ": Cluster is not "
                              "properly aligned; L2 entry corrupted.\n",
                              off);
                    c->r->corruptions++;
                    break;
                }
                check_ref(c, off, s->cluster_size);
                if (l2_list) {
                    c->r->allocated_clusters++;
                    if (next_contiguous && off != next_contiguous) {
                        c->r->fragmented_clusters++;
                    }
                    next_contiguous = off + s->cluster_size;
                }
                break;
            case QCOW2_CLUSTER_COMPRESSED:
                qcow2_compressed_extent(s, e, &off, &len);
                check_ref(c, off, len);
                if (l2_list) {
                    /* Fragmented by nature, as QEMU counts them. */
                    c->r->allocated_clusters++;
                    c->r->compressed_clusters++;
                    c->r->fragmented_clusters++;
                }
                break;
            default:
                break;
            }
        }
    }
    return 0;
}

/* COPIED must be set exactly where the refcount is 1 (active tables). */
static int check_copied(CheckState *c, const uint64_t *l2_list, uint32_t n_l2,
                        bool fix)
{
    BDRVQcow2State *s = c->s;
    uint64_t entries = 1ull << s->l2_bits;
    unsigned wrong = 0;
    int ret;

    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l1e = GUINT64_FROM_BE(s->l1_table[i]);
        uint64_t off = l1e & QCOW2_L1E_OFFSET_MASK, rc;

        if (!off || off & (s->cluster_size - 1)) {
            continue;
        }
        ret = qcow2_get_refcount(s, off >> s->cluster_bits, &rc);
        if (ret < 0) {
            return ret;
        }
        if ((rc == 1) != !!(l1e & QCOW2_OFLAG_COPIED)) {
            check_log(c,
                      "ERROR OFLAG_COPIED L2 cluster: l1_index=%u "
                      "l1_entry=%" PRIx64 " refcount=%" PRIu64 "\n",
                      i, l1e, rc);
            wrong++;
        }
    }
    for (uint32_t t = 0; t < n_l2; t++) {
        uint64_t *table;

        ret = qcow2_cache_get(s, &s->l2_cache, l2_list[t], false, &table);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t j = 0; j < entries; j++) {
            uint64_t e = GUINT64_FROM_BE(table[j]), rc;
            Qcow2ClusterType type = qcow2_l2e_type(s, e);

            if ((type != QCOW2_CLUSTER_NORMAL &&
                 type != QCOW2_CLUSTER_ZERO_ALLOC) ||
                (e & QCOW2_L2E_OFFSET_MASK & (s->cluster_size - 1))) {
                continue;
            }
            ret = qcow2_get_refcount(
                s, (e & QCOW2_L2E_OFFSET_MASK) >> s->cluster_bits, &rc);
            if (ret >= 0 && (rc == 1) != !!(e & QCOW2_OFLAG_COPIED)) {
                check_log(c,
                          "ERROR OFLAG_COPIED data cluster: l2_entry=%" PRIx64
                          " refcount=%" PRIu64 "\n",
                          e, rc);
                wrong++;
            }
        }
        qcow2_cache_put(&s->l2_cache, table);
    }
    if (wrong && fix) {
        ret = qcow2_fix_copied(s);
        if (ret < 0) {
            return ret;
        }
        c->r->corruptions_fixed += wrong;
    } else {
        c->r->corruptions += wrong;
    }
    return 0;
}

int qcow2_check(BlockDriverState *bs, BlockCheckResult *r, int fix)
{
    BDRVQcow2State *s = bs->opaque;
    CheckState c = {.s = s, .r = r};
    g_autofree uint64_t *l2_list = NULL;
    uint32_t n_l2 = 0;
    uint64_t stored_end;
    int ret;

    if (fix && s->read_only) {
        return -EROFS;
    }
    c.nb = MAX(qcow2_size_to_clusters(s, bdrv_getlength(bs->file)), 1);
    c.refs = g_new0(uint64_t, c.nb);
    check_ref(&c, 0, s->cluster_size); /* the header */
    ret = check_l1(&c, s->l1_table_offset, s->l1_size, &l2_list, &n_l2);
    for (uint32_t i = 0; ret >= 0 && i < s->nb_snapshots; i++) {
        ret = check_l1(&c, s->snapshots[i].l1_table_offset,
                       s->snapshots[i].l1_size, NULL, NULL);
    }
    if (ret < 0) {
        goto out;
    }
    if (s->snapshots_size) {
        check_ref(&c, s->snapshots_offset, s->snapshots_size);
    }
    check_ref(&c, s->refcount_table_offset,
              (uint64_t)s->refcount_table_clusters << s->cluster_bits);
    for (uint64_t i = 0; i < s->refcount_table_size; i++) {
        uint64_t off =
            GUINT64_FROM_BE(s->refcount_table[i]) & 0xfffffffffffffe00ull;

        if (!off) {
            continue;
        }
        if (off & (s->cluster_size - 1)) {
            check_log(&c,
                      "ERROR refcount block %" PRIu64 " is not cluster "
                      "aligned; refcount table entry corrupted\n",
                      i);
            r->corruptions++;
            continue;
        }
        check_ref(&c, off, s->cluster_size);
    }
    /* Compare with what is stored, over every cluster either knows. */
    stored_end =
        MIN(s->refcount_table_size << s->refcount_block_bits,
            MAX(c.nb, qcow2_size_to_clusters(s, bdrv_getlength(bs->file))));
    for (uint64_t i = 0; i < MAX(c.nb, stored_end); i++) {
        uint64_t want = i < c.nb ? c.refs[i] : 0, have = 0;

        ret = qcow2_get_refcount(s, i, &have);
        if (ret < 0) {
            goto out;
        }
        if (have == want) {
            if (want) {
                r->image_end_offset = (i + 1) << s->cluster_bits;
            }
            continue;
        }
        if (have > want) {
            if (fix & BDRV_FIX_LEAKS) {
                ret = qcow2_update_refcount(s, i << s->cluster_bits, 1,
                                            -(int64_t)(have - want));
                if (ret < 0) {
                    goto out;
                }
                r->leaks_fixed++;
                check_log(&c,
                          "Repairing cluster %" PRIu64 " refcount=%" PRIu64
                          " reference=%" PRIu64 "\n",
                          i, have, want);
            } else {
                r->leaks++;
                check_log(&c,
                          "Leaked cluster %" PRIu64 " refcount=%" PRIu64
                          " reference=%" PRIu64 "\n",
                          i, have, want);
            }
        } else {
            if (fix & BDRV_FIX_ERRORS) {
                ret = qcow2_update_refcount(s, i << s->cluster_bits, 1,
                                            want - have);
                if (ret < 0) {
                    goto out;
                }
                r->corruptions_fixed++;
                check_log(&c,
                          "Repairing cluster %" PRIu64 " refcount=%" PRIu64
                          " reference=%" PRIu64 "\n",
                          i, have, want);
            } else {
                r->corruptions++;
                check_log(&c,
                          "ERROR cluster %" PRIu64 " refcount=%" PRIu64
                          " reference=%" PRIu64 "\n",
                          i, have, want);
            }
        }
        if (want) {
            r->image_end_offset = (i + 1) << s->cluster_bits;
        }
    }
    ret = check_copied(&c, l2_list, n_l2, fix & BDRV_FIX_ERRORS);
    if (ret >= 0 && fix) {
        ret = qcow2_cache_flush(s, &s->l2_cache);
        if (ret >= 0) {
            ret = qcow2_cache_flush(s, &s->refblock_cache);
        }
        if (ret >= 0) {
            ret = bdrv_co_flush(bs->file);
        }
    }
    r->total_clusters = qcow2_size_to_clusters(s, s->size);
out:
    g_free(c.refs);
    return ret;
}
