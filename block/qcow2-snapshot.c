/*
 * qcow2 internal snapshots (block/qcow2.h): the snapshot table, and
 * creating, deleting and going back to a snapshot.
 *
 * A snapshot is a copy of the active L1 table; every L2 table and data
 * cluster it reaches has its refcount raised by one, so the first write
 * to such a cluster through the active table copies it (COPIED clear).
 * Snapshot operations run with no guest request in flight (pcvm-img, a
 * stopped VM), outside coroutines.
 *
 * Order on disk: a new snapshot's L1 copy and the raised refcounts are
 * flushed before the snapshot table that names them; a deleted snapshot
 * leaves the table before its clusters' refcounts drop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "block/qcow2.h"
#include "util/byteorder.h"
#include "util/error.h"

#define SNAPSHOT_HEADER 40
#define SNAPSHOT_EXTRA_V3 24 /* vm_state_size_large, disk_size, icount */
#define SNAPSHOT_MAX_EXTRA 1024

void qcow2_free_snapshots(BDRVQcow2State *s)
{
    for (uint32_t i = 0; s->snapshots && i < s->nb_snapshots; i++) {
        g_free(s->snapshots[i].id);
        g_free(s->snapshots[i].name);
    }
    g_free(s->snapshots);
    s->snapshots = NULL;
}

int qcow2_read_snapshots(BDRVQcow2State *s, GError **errp)
{
    uint64_t pos = s->snapshots_offset;

    s->snapshots = g_new0(Qcow2Snapshot, MAX(s->nb_snapshots, 1));
    if (s->nb_snapshots && (pos & (s->cluster_size - 1))) {
        error_setg(errp, "Snapshot table offset invalid");
        return -EINVAL;
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        Qcow2Snapshot *sn = &s->snapshots[i];
        uint8_t h[SNAPSHOT_HEADER], extra[SNAPSHOT_MAX_EXTRA] = {0};
        uint32_t extra_size;
        uint16_t id_size, name_size;
        int ret;

        ret = bdrv_pread_sync(s->bs->file, pos, h, sizeof(h));
        if (ret < 0) {
            error_setg(errp, "Failed to read snapshot table");
            return ret;
        }
        sn->l1_table_offset = ldq_be_p(h);
        sn->l1_size = ldl_be_p(h + 8);
        id_size = lduw_be_p(h + 12);
        name_size = lduw_be_p(h + 14);
        sn->date_sec = ldl_be_p(h + 16);
        sn->date_nsec = ldl_be_p(h + 20);
        sn->vm_clock_nsec = ldq_be_p(h + 24);
        sn->vm_state_size = ldl_be_p(h + 32);
        extra_size = ldl_be_p(h + 36);
        sn->icount = -1;
        if (extra_size > SNAPSHOT_MAX_EXTRA) {
            error_setg(errp,
                       "Too much extra metadata in snapshot table entry "
                       "%u",
                       i);
            return -EFBIG;
        }
        pos += sizeof(h);
        if (extra_size) {
            ret = bdrv_pread_sync(s->bs->file, pos, extra, extra_size);
            if (ret < 0) {
                error_setg(errp, "Failed to read snapshot table");
                return ret;
            }
        }
        if (extra_size >= 8) {
            sn->vm_state_size = ldq_be_p(extra);
        }
        sn->disk_size = extra_size >= 16 ? ldq_be_p(extra + 8) : s->size;
        if (extra_size >= 24) {
            sn->icount = ldq_be_p(extra + 16);
        }
        pos += extra_size;
        sn->id = g_malloc0(id_size + 1);
        sn->name = g_malloc0(name_size + 1);
        if ((id_size &&
             (ret = bdrv_pread_sync(s->bs->file, pos, sn->id, id_size)) < 0) ||
            (name_size && (ret = bdrv_pread_sync(s->bs->file, pos + id_size,
                                                 sn->name, name_size)) < 0)) {
            error_setg(errp, "Failed to read snapshot table");
            return ret;
        }
        pos += id_size + name_size;
        pos = ROUND_UP(pos, 8);
        if ((sn->l1_table_offset & (s->cluster_size - 1)) ||
            (uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
            error_setg(errp, "Snapshot L1 table is invalid");
            return -EINVAL;
        }
    }
    s->snapshots_size = pos - s->snapshots_offset;
    return 0;
}

/* The table as on disk; its length in *len. */
static uint8_t *snapshots_serialize(BDRVQcow2State *s, uint64_t *len)
{
    GByteArray *out = g_byte_array_new();

    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        const Qcow2Snapshot *sn = &s->snapshots[i];
        size_t id_len = strlen(sn->id), name_len = strlen(sn->name);
        uint8_t h[SNAPSHOT_HEADER + SNAPSHOT_EXTRA_V3] = {0};
        static const uint8_t pad[8];
        size_t extra = s->version >= 3 ? SNAPSHOT_EXTRA_V3 : 0;

        stq_be_p(h, sn->l1_table_offset);
        stl_be_p(h + 8, sn->l1_size);
        stw_be_p(h + 12, id_len);
        stw_be_p(h + 14, name_len);
        stl_be_p(h + 16, sn->date_sec);
        stl_be_p(h + 20, sn->date_nsec);
        stq_be_p(h + 24, sn->vm_clock_nsec);
        stl_be_p(h + 32,
                 sn->vm_state_size > UINT32_MAX ? 0 : sn->vm_state_size);
        stl_be_p(h + 36, extra);
        if (extra) {
            stq_be_p(h + 40, sn->vm_state_size);
            stq_be_p(h + 48, sn->disk_size);
            stq_be_p(h + 56, sn->icount);
        }
        g_byte_array_append(out, h, SNAPSHOT_HEADER + extra);
        g_byte_array_append(out, (const uint8_t *)sn->id, id_len);
        g_byte_array_append(out, (const uint8_t *)sn->name, name_len);
        g_byte_array_append(out, pad, (8 - out->len % 8) % 8);
    }
    *len = out->len;
    return g_byte_array_free(out, false);
}

/* Writes the table to new clusters, points the header at it, frees the
 * old one. */
static int snapshots_write(BDRVQcow2State *s)
{
    uint64_t len, old_offset = s->snapshots_offset;
    uint64_t old_size = s->snapshots_size;
    g_autofree uint8_t *table = snapshots_serialize(s, &len);
    int64_t offset = 0;
    int ret;

    if (len) {
        uint64_t bytes = ROUND_UP(len, s->cluster_size);
        g_autofree uint8_t *buf = g_malloc0(bytes);

        offset = qcow2_alloc_clusters(s, bytes >> s->cluster_bits);
        if (offset < 0) {
            return offset;
        }
        memcpy(buf, table, len);
        ret = bdrv_co_pwrite(s->bs->file, offset, buf, bytes);
        if (ret < 0) {
            return ret;
        }
    }
    ret = qcow2_cache_flush(s, &s->refblock_cache);
    if (ret >= 0) {
        ret = bdrv_co_flush(s->bs->file);
    }
    if (ret < 0) {
        return ret;
    }
    s->snapshots_offset = offset;
    s->snapshots_size = len;
    ret = qcow2_update_header(s);
    if (ret >= 0) {
        ret = bdrv_co_flush(s->bs->file);
    }
    if (ret >= 0 && old_size) {
        ret = qcow2_update_refcount(s, old_offset, old_size, -1);
    }
    return ret;
}

int qcow2_update_tree_refcounts(BDRVQcow2State *s, const uint64_t *l1,
                                uint32_t l1_size, int delta)
{
    uint64_t entries = 1ull << s->l2_bits;

    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2_offset = GUINT64_FROM_BE(l1[i]) & QCOW2_L1E_OFFSET_MASK;
        uint64_t *table;
        int ret;

        if (!l2_offset) {
            continue;
        }
        ret = qcow2_cache_get(s, &s->l2_cache, l2_offset, false, &table);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t j = 0; j < entries && ret >= 0; j++) {
            uint64_t e = GUINT64_FROM_BE(table[j]), off, bytes;

            switch (qcow2_l2e_type(s, e)) {
            case QCOW2_CLUSTER_NORMAL:
            case QCOW2_CLUSTER_ZERO_ALLOC:
                ret = qcow2_update_refcount(s, e & QCOW2_L2E_OFFSET_MASK,
                                            s->cluster_size, delta);
                break;
            case QCOW2_CLUSTER_COMPRESSED:
                qcow2_compressed_extent(s, e, &off, &bytes);
                ret = qcow2_update_refcount(s, off, bytes, delta);
                break;
            default:
                break;
            }
        }
        qcow2_cache_put(&s->l2_cache, table);
        if (ret >= 0) {
            ret = qcow2_update_refcount(s, l2_offset, s->cluster_size, delta);
        }
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

static uint64_t with_copied(uint64_t e, bool copied)
{
    return copied ? e | QCOW2_OFLAG_COPIED : e & ~QCOW2_OFLAG_COPIED;
}

int qcow2_fix_copied(BDRVQcow2State *s)
{
    uint64_t entries = 1ull << s->l2_bits;
    bool l1_dirty = false;
    int ret;

    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l1e = GUINT64_FROM_BE(s->l1_table[i]);
        uint64_t l2_offset = l1e & QCOW2_L1E_OFFSET_MASK, rc, *table;

        if (!l2_offset) {
            continue;
        }
        ret = qcow2_get_refcount(s, l2_offset >> s->cluster_bits, &rc);
        if (ret < 0) {
            return ret;
        }
        if (with_copied(l1e, rc == 1) != l1e) {
            s->l1_table[i] = GUINT64_TO_BE(with_copied(l1e, rc == 1));
            l1_dirty = true;
        }
        /* A shared table too: its flags must say what the counts say. */
        ret = qcow2_cache_get(s, &s->l2_cache, l2_offset, false, &table);
        if (ret < 0) {
            return ret;
        }
        for (uint64_t j = 0; j < entries; j++) {
            uint64_t e = GUINT64_FROM_BE(table[j]), drc;
            Qcow2ClusterType type = qcow2_l2e_type(s, e);

            if (type != QCOW2_CLUSTER_NORMAL &&
                type != QCOW2_CLUSTER_ZERO_ALLOC) {
                continue;
            }
            ret = qcow2_get_refcount(
                s, (e & QCOW2_L2E_OFFSET_MASK) >> s->cluster_bits, &drc);
            if (ret < 0) {
                break;
            }
            if (with_copied(e, drc == 1) != e) {
                table[j] = GUINT64_TO_BE(with_copied(e, drc == 1));
                qcow2_cache_mark_dirty(&s->l2_cache, table);
            }
        }
        qcow2_cache_put(&s->l2_cache, table);
        if (ret < 0) {
            return ret;
        }
    }
    ret = qcow2_cache_flush(s, &s->l2_cache);
    if (ret >= 0 && l1_dirty) {
        ret = bdrv_co_flush(s->bs->file);
        if (ret >= 0) {
            ret = bdrv_co_pwrite(
                s->bs->file, s->l1_table_offset, s->l1_table,
                ROUND_UP((uint64_t)s->l1_size * 8, s->meta_align));
        }
    }
    return ret;
}

static int qcow2_find_snapshot(BDRVQcow2State *s, const char *name)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].id, name)) {
            return i;
        }
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snapshots[i].name, name)) {
            return i;
        }
    }
    return -1;
}

static int qcow2_flush_all(BDRVQcow2State *s)
{
    int ret = qcow2_cache_flush(s, &s->l2_cache);

    if (ret >= 0) {
        ret = qcow2_cache_flush(s, &s->refblock_cache);
    }
    if (ret >= 0) {
        ret = bdrv_co_flush(s->bs->file);
    }
    return ret;
}

static bool snapshot_fail(int ret, const char *what, GError **errp)
{
    return error_setg(errp, "Could not %s: %s", what, g_strerror(-ret));
}

bool qcow2_snapshot_create(BlockDriverState *bs, const char *name,
                           uint64_t vm_clock_nsec, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t l1_bytes = (uint64_t)s->l1_size * 8, next_id = 1;
    g_autofree uint8_t *copy = NULL;
    Qcow2Snapshot sn = {0};
    struct timespec now;
    int64_t l1_copy = 0;
    int ret;

    if (qcow2_find_snapshot(s, name) >= 0) {
        return error_setg(errp, "Snapshot with name '%s' already exists", name);
    }
    if (s->nb_snapshots >= QCOW2_MAX_SNAPSHOTS) {
        return error_setg(errp, "Too many snapshots");
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        next_id =
            MAX(next_id, g_ascii_strtoull(s->snapshots[i].id, NULL, 10) + 1);
    }
    ret = qcow2_flush_all(s);
    if (ret < 0) {
        return snapshot_fail(ret, "flush the image", errp);
    }
    if (l1_bytes) {
        uint64_t bytes = ROUND_UP(l1_bytes, s->cluster_size);

        copy = g_malloc0(bytes);
        memcpy(copy, s->l1_table, l1_bytes);
        l1_copy = qcow2_alloc_clusters(s, bytes >> s->cluster_bits);
        if (l1_copy < 0) {
            return snapshot_fail(l1_copy, "allocate the snapshot's L1 table",
                                 errp);
        }
        ret = bdrv_co_pwrite(bs->file, l1_copy, copy, bytes);
        if (ret < 0) {
            return snapshot_fail(ret, "write the snapshot's L1 table", errp);
        }
    }
    ret = qcow2_update_tree_refcounts(s, s->l1_table, s->l1_size, 1);
    if (ret >= 0) {
        ret = qcow2_fix_copied(s);
    }
    if (ret >= 0) {
        ret = qcow2_flush_all(s);
    }
    if (ret < 0) {
        return snapshot_fail(ret, "update the refcounts", errp);
    }
    clock_gettime(CLOCK_REALTIME, &now);
    sn.l1_table_offset = l1_copy;
    sn.l1_size = s->l1_size;
    sn.id = g_strdup_printf("%" PRIu64, next_id);
    sn.name = g_strdup(name);
    sn.date_sec = now.tv_sec;
    sn.date_nsec = now.tv_nsec / 1000 * 1000;
    sn.vm_clock_nsec = vm_clock_nsec;
    sn.disk_size = s->size;
    s->snapshots = g_renew(Qcow2Snapshot, s->snapshots, s->nb_snapshots + 1);
    s->snapshots[s->nb_snapshots++] = sn;
    ret = snapshots_write(s);
    if (ret < 0) {
        return snapshot_fail(ret, "write the snapshot table", errp);
    }
    return true;
}

static uint64_t *snapshot_read_l1(BDRVQcow2State *s, const Qcow2Snapshot *sn,
                                  int *ret)
{
    uint64_t bytes =
        ROUND_UP(MAX((uint64_t)sn->l1_size * 8, 1), s->cluster_size);
    uint64_t *l1 = NULL;

    if (posix_memalign((void **)&l1, 4096, bytes)) {
        *ret = -ENOMEM;
        return NULL;
    }
    memset(l1, 0, bytes);
    *ret = sn->l1_size ? bdrv_co_pread(s->bs->file, sn->l1_table_offset, l1,
                                       (uint64_t)sn->l1_size * 8)
                       : 0;
    if (*ret < 0) {
        free(l1);
        return NULL;
    }
    return l1;
}

bool qcow2_snapshot_delete(BlockDriverState *bs, const char *name,
                           GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int i = qcow2_find_snapshot(s, name);
    Qcow2Snapshot sn;
    uint64_t *l1;
    int ret;

    if (i < 0) {
        return error_setg(errp, "Can't find the snapshot");
    }
    sn = s->snapshots[i];
    l1 = snapshot_read_l1(s, &sn, &ret);
    if (!l1) {
        return snapshot_fail(ret, "read the snapshot's L1 table", errp);
    }
    memmove(&s->snapshots[i], &s->snapshots[i + 1],
            (s->nb_snapshots - i - 1) * sizeof(*s->snapshots));
    s->nb_snapshots--;
    /* Off the table first; then nothing names what it held. */
    ret = snapshots_write(s);
    if (ret >= 0) {
        ret = qcow2_update_tree_refcounts(s, l1, sn.l1_size, -1);
    }
    if (ret >= 0 && sn.l1_size) {
        ret = qcow2_update_refcount(s, sn.l1_table_offset,
                                    (uint64_t)sn.l1_size * 8, -1);
    }
    if (ret >= 0) {
        ret = qcow2_fix_copied(s);
    }
    if (ret >= 0) {
        ret = qcow2_flush_all(s);
    }
    free(l1);
    g_free(sn.id);
    g_free(sn.name);
    if (ret < 0) {
        return snapshot_fail(ret, "delete the snapshot", errp);
    }
    return true;
}

bool qcow2_snapshot_goto(BlockDriverState *bs, const char *name, GError **errp)
{
    BDRVQcow2State *s = bs->opaque;
    int i = qcow2_find_snapshot(s, name);
    uint64_t *l1, *old;
    uint32_t old_size = s->l1_size;
    int ret;

    if (i < 0) {
        return error_setg(errp, "Can't find the snapshot");
    }
    if (s->snapshots[i].l1_size > s->l1_size) {
        return error_setg(errp, "The snapshot's disk is larger than the "
                                "image's; resize the image first");
    }
    l1 = snapshot_read_l1(s, &s->snapshots[i], &ret);
    if (!l1) {
        return snapshot_fail(ret, "read the snapshot's L1 table", errp);
    }
    ret = qcow2_flush_all(s);
    if (ret >= 0) {
        ret = qcow2_update_tree_refcounts(s, l1, s->snapshots[i].l1_size, 1);
    }
    if (ret >= 0) {
        ret = qcow2_flush_all(s);
    }
    if (ret < 0) {
        free(l1);
        return snapshot_fail(ret, "update the refcounts", errp);
    }
    /* The active table becomes the snapshot's; the old tree is let go. */
    old = s->l1_table;
    {
        uint64_t bytes = ROUND_UP((uint64_t)old_size * 8, s->cluster_size);
        uint64_t *fresh = NULL;

        if (posix_memalign((void **)&fresh, 4096, MAX(bytes, 1))) {
            free(l1);
            return snapshot_fail(-ENOMEM, "revert", errp);
        }
        memset(fresh, 0, bytes);
        memcpy(fresh, l1, (uint64_t)s->snapshots[i].l1_size * 8);
        free(l1);
        s->l1_table = fresh;
    }
    ret = bdrv_co_pwrite(bs->file, s->l1_table_offset, s->l1_table,
                         ROUND_UP((uint64_t)old_size * 8, s->meta_align));
    if (ret >= 0) {
        ret = bdrv_co_flush(bs->file);
    }
    if (ret >= 0) {
        ret = qcow2_update_tree_refcounts(s, old, old_size, -1);
    }
    free(old);
    if (ret >= 0) {
        ret = qcow2_fix_copied(s);
    }
    if (ret >= 0) {
        ret = qcow2_flush_all(s);
    }
    if (ret < 0) {
        return snapshot_fail(ret, "revert to the snapshot", errp);
    }
    return true;
}
