/*
 * The qcow2 format node (block/qcow2.h): opening and checking the
 * header, its extensions and backing image, the guest's requests mapped
 * through L1 and L2 tables, copy-on-write of partial clusters, zero and
 * compressed clusters, and image creation.
 *
 * Each guest request runs in a coroutine of its own, entered from
 * bdrv_submit: mapping lookups and allocations hold s->lock, data moves
 * without it where the mapping is settled. A request that finishes
 * before its first wait is completed later, from the node's reap, so no
 * callback runs inside the call that submitted its request.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zlib.h>

#include "block/qcow2.h"
#include "util/byteorder.h"
#include "util/error.h"

struct Qcow2Request {
    BlockDriverState *bs;
    BdrvRequest *req;
    bool *finished_in_submit; /* the submitter's, while it runs */
    int ret;
    Qcow2Request *next;
};

static void *qcow2_alloc_aligned(size_t size)
{
    void *p = NULL;

    if (posix_memalign(&p, 4096, MAX(size, 1))) {
        return NULL;
    }
    memset(p, 0, size);
    return p;
}

void qcow2_compressed_extent(const BDRVQcow2State *s, uint64_t l2e,
                             uint64_t *offset, uint64_t *bytes)
{
    unsigned shift = 62 - (s->cluster_bits - 8);
    uint64_t sectors =
        ((l2e >> shift) & ((1ull << (s->cluster_bits - 8)) - 1)) + 1;

    *offset = l2e & ((1ull << shift) - 1);
    *bytes = sectors * 512 - (*offset & 511);
}

/* ---- the header --------------------------------------------------------- */

int qcow2_build_header(const BDRVQcow2State *s, uint8_t *buf, size_t cap)
{
    uint32_t hlen = s->version >= 3 ? 112 : QCOW2_HEADER_V2_SIZE;
    size_t pos = hlen, len;

    memset(buf, 0, cap);
    stl_be_p(buf, QCOW2_MAGIC);
    stl_be_p(buf + 4, s->version);
    stl_be_p(buf + 20, s->cluster_bits);
    stq_be_p(buf + 24, s->size);
    stl_be_p(buf + 32, s->crypt_method);
    stl_be_p(buf + 36, s->l1_size);
    stq_be_p(buf + 40, s->l1_table_offset);
    stq_be_p(buf + 48, s->refcount_table_offset);
    stl_be_p(buf + 56, s->refcount_table_clusters);
    stl_be_p(buf + 60, s->nb_snapshots);
    stq_be_p(buf + 64, s->snapshots_offset);
    if (s->version >= 3) {
        stq_be_p(buf + 72, s->incompatible);
        stq_be_p(buf + 80, s->compatible);
        stq_be_p(buf + 88, s->autoclear);
        stl_be_p(buf + 96, s->refcount_order);
        stl_be_p(buf + 100, hlen);
        buf[104] = s->compression_type;
    }
    if (s->backing_format) {
        len = strlen(s->backing_format);
        if (pos + 8 + ROUND_UP(len, 8) > cap) {
            return -ENOSPC;
        }
        stl_be_p(buf + pos, QCOW2_EXT_BACKING_FORMAT);
        stl_be_p(buf + pos + 4, len);
        memcpy(buf + pos + 8, s->backing_format, len);
        pos += 8 + ROUND_UP(len, 8);
    }
    if (s->unknown_exts && s->unknown_exts->len) {
        if (pos + s->unknown_exts->len > cap) {
            return -ENOSPC;
        }
        memcpy(buf + pos, s->unknown_exts->data, s->unknown_exts->len);
        pos += s->unknown_exts->len;
    }
    pos += 8; /* the end extension: zeroes */
    if (s->backing_file) {
        len = strlen(s->backing_file);
        if (pos + len > cap) {
            return -ENOSPC;
        }
        stq_be_p(buf + 8, pos);
        stl_be_p(buf + 16, len);
        memcpy(buf + pos, s->backing_file, len);
        pos += len;
    }
    return ROUND_UP(pos, s->meta_align);
}

int qcow2_update_header(BDRVQcow2State *s)
{
    size_t cap = MIN(s->cluster_size, 65536u);
    uint8_t *buf = qcow2_alloc_aligned(cap);
    int len;

    if (!buf) {
        return -ENOMEM;
    }
    len = qcow2_build_header(s, buf, cap);
    if (len >= 0) {
        len = bdrv_co_pwrite(s->bs->file, 0, buf, len);
    }
    free(buf);
    return len;
}

static bool qcow2_read_extensions(BDRVQcow2State *s, const uint8_t *hdr,
                                  uint64_t hdr_bytes, uint64_t end,
                                  GError **errp)
{
    uint64_t pos = s->header_length;

    while (pos + 8 <= end) {
        uint32_t type = ldl_be_p(hdr + pos), len = ldl_be_p(hdr + pos + 4);
        uint64_t next = pos + 8 + ROUND_UP((uint64_t)len, 8);

        if (type == QCOW2_EXT_END) {
            return true;
        }
        if (next > end || next > hdr_bytes) {
            return error_setg(errp, "Invalid extension length");
        }
        switch (type) {
        case QCOW2_EXT_BACKING_FORMAT:
            if (len > 15) {
                return error_setg(errp,
                                  "ERROR: ext_backing_format: len=%u "
                                  "too large (>=16)",
                                  len);
            }
            g_free(s->backing_format);
            s->backing_format = g_strndup((const char *)hdr + pos + 8, len);
            break;
        case QCOW2_EXT_FEATURE_TABLE:
            break; /* names only; rewritten by nobody here */
        default:
            if (!s->unknown_exts) {
                s->unknown_exts = g_byte_array_new();
            }
            g_byte_array_append(s->unknown_exts, hdr + pos, next - pos);
            break;
        }
        pos = next;
    }
    return true;
}

static bool qcow2_read_table(BDRVQcow2State *s, uint64_t offset,
                             uint64_t entries, uint64_t **table, GError **errp)
{
    uint64_t bytes = ROUND_UP(MAX(entries * 8, 1), s->cluster_size);
    int ret;

    *table = qcow2_alloc_aligned(bytes);
    if (!*table) {
        return error_setg(
            errp, "Could not allocate a table of %" PRIu64 " bytes", bytes);
    }
    if (!entries) {
        return true;
    }
    ret = bdrv_pread_sync(s->bs->file, offset, *table, entries * 8);
    if (ret < 0) {
        return error_setg(errp, "Could not read a table: %s", g_strerror(-ret));
    }
    return true;
}

static bool qcow2_open_backing(BDRVQcow2State *s, const BlockOptions *o,
                               GError **errp)
{
    BlockDriverState *bs = s->bs, *backing;
    g_autofree char *path = NULL;
    BlockOptions bo = *o;
    GError *err = NULL;

    if (o->no_backing) {
        return true;
    }
    if (o->backing) {
        backing = bdrv_find_node(o->backing);
        if (!backing) {
            return error_setg(errp,
                              "Cannot find device='%s' nor node-name='%s'",
                              o->backing, o->backing);
        }
        bdrv_ref(backing);
        bdrv_set_backing(bs, backing);
        return true;
    }
    if (!s->backing_file) {
        return true;
    }
    if (g_path_is_absolute(s->backing_file)) {
        path = g_strdup(s->backing_file);
    } else {
        g_autofree char *dir = g_path_get_dirname(bs->filename);

        path = g_build_filename(dir, s->backing_file, NULL);
    }
    bo.read_only = true;
    bo.format = s->backing_format;
    bo.backing = NULL;
    bo.no_backing = false;
    bo.probed = false;
    backing = bdrv_open_image(path, &bo, NULL, &err);
    if (!backing) {
        error_setg(errp, "Could not open backing file: %s", err->message);
        g_error_free(err);
        return false;
    }
    bdrv_set_backing(bs, backing);
    return true;
}

static bool qcow2_parse_header(BDRVQcow2State *s, const uint8_t *h,
                               uint64_t file_len, GError **errp)
{
    uint64_t backing_offset;
    uint32_t backing_size;

    if (ldl_be_p(h) != QCOW2_MAGIC) {
        return error_setg(errp, "Image is not in qcow2 format");
    }
    s->version = ldl_be_p(h + 4);
    if (s->version < 2 || s->version > 3) {
        return error_setg(errp, "Unsupported qcow2 version %u", s->version);
    }
    s->cluster_bits = ldl_be_p(h + 20);
    if (s->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
        s->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        return error_setg(errp, "Unsupported cluster size: 2^%u",
                          s->cluster_bits);
    }
    s->cluster_size = 1ull << s->cluster_bits;
    s->l2_bits = s->cluster_bits - 3;
    s->size = ldq_be_p(h + 24);
    s->crypt_method = ldl_be_p(h + 32);
    s->l1_size = ldl_be_p(h + 36);
    s->l1_table_offset = ldq_be_p(h + 40);
    s->refcount_table_offset = ldq_be_p(h + 48);
    s->refcount_table_clusters = ldl_be_p(h + 56);
    s->nb_snapshots = ldl_be_p(h + 60);
    s->snapshots_offset = ldq_be_p(h + 64);
    backing_offset = ldq_be_p(h + 8);
    backing_size = ldl_be_p(h + 16);
    if (s->version == 2) {
        s->header_length = QCOW2_HEADER_V2_SIZE;
        s->refcount_order = 4;
    } else {
        s->incompatible = ldq_be_p(h + 72);
        s->compatible = ldq_be_p(h + 80);
        s->autoclear = ldq_be_p(h + 88);
        s->refcount_order = ldl_be_p(h + 96);
        s->header_length = ldl_be_p(h + 100);
        if (s->header_length < QCOW2_HEADER_V3_SIZE ||
            s->header_length > s->cluster_size) {
            return error_setg(errp, "qcow2 header too short or too long");
        }
        if (s->header_length > QCOW2_HEADER_V3_SIZE) {
            s->compression_type = h[104];
        }
    }
    if (s->incompatible & ~QCOW2_INCOMPAT_KNOWN) {
        uint64_t bad = s->incompatible & ~QCOW2_INCOMPAT_KNOWN;

        if (bad & QCOW2_INCOMPAT_EXTL2) {
            return error_setg(errp, "Unsupported qcow2 feature(s): "
                                    "Extended L2 entries");
        }
        if (bad & QCOW2_INCOMPAT_DATA_FILE) {
            return error_setg(errp, "Unsupported qcow2 feature(s): "
                                    "External data file");
        }
        if (bad & QCOW2_INCOMPAT_COMPRESSION) {
            return error_setg(errp, "Unsupported qcow2 feature(s): "
                                    "Compression type");
        }
        return error_setg(errp,
                          "Unsupported qcow2 feature(s): Unknown "
                          "incompatible feature: %" PRIx64,
                          bad);
    }
    if (s->refcount_order > 6) {
        return error_setg(errp, "Reference count entry width too large; may "
                                "not exceed 64 bits");
    }
    if (s->crypt_method) {
        return error_setg(errp, "Unsupported encryption method: %u",
                          s->crypt_method);
    }
    if (backing_offset) {
        if (backing_size > QCOW2_MAX_BACKING_NAME ||
            backing_offset + backing_size > MIN(s->cluster_size, file_len)) {
            return error_setg(errp, "Backing file name too long");
        }
        s->backing_file = g_strdup(""); /* read with the whole header */
    }
    if (s->l1_table_offset & (s->cluster_size - 1) ||
        s->refcount_table_offset & (s->cluster_size - 1)) {
        return error_setg(errp, "Image is corrupt: a table offset is not "
                                "cluster aligned");
    }
    if ((uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        return error_setg(errp, "Active L1 table too large");
    }
    if ((uint64_t)s->refcount_table_clusters << s->cluster_bits >
        QCOW2_MAX_REFTABLE_BYTES) {
        return error_setg(errp, "Reference count table too large");
    }
    if (!s->refcount_table_clusters) {
        return error_setg(errp, "Image does not contain a reference count "
                                "table");
    }
    if (s->nb_snapshots > QCOW2_MAX_SNAPSHOTS) {
        return error_setg(errp, "Too many snapshots");
    }
    {
        uint64_t l2_span = s->cluster_size << s->l2_bits;
        uint64_t need = (s->size + l2_span - 1) / l2_span;

        if (s->size > (1ull << 62) || need > s->l1_size) {
            return error_setg(errp, "L1 table is too small");
        }
    }
    return true;
}

static bool qcow2_open(BlockDriverState *bs, const BlockOptions *o,
                       GError **errp)
{
    BDRVQcow2State *s = g_new0(BDRVQcow2State, 1);
    uint64_t file_len = bdrv_getlength(bs->file);
    uint8_t first[QCOW2_HEADER_V3_SIZE + 8] = {0};
    g_autofree uint8_t *hdr = NULL;
    uint64_t hdr_bytes, l2_entries, l2_tables;
    int ret;

    bs->opaque = s;
    s->bs = bs;
    s->read_only = o->read_only;
    g_mutex_init(&s->done_lock);
    co_mutex_init(&s->lock);
    co_queue_init(&s->alloc_queue);
    if (file_len < QCOW2_HEADER_V2_SIZE) {
        return error_setg(errp, "Image is not in qcow2 format");
    }
    ret = bdrv_pread_sync(bs->file, 0, first, MIN(file_len, sizeof(first)));
    if (ret < 0) {
        return error_setg(errp, "Could not read qcow2 header: %s",
                          g_strerror(-ret));
    }
    if (!qcow2_parse_header(s, first, file_len, errp)) {
        return false;
    }
    hdr_bytes = MIN(s->cluster_size, file_len);
    hdr = g_malloc0(hdr_bytes);
    ret = bdrv_pread_sync(bs->file, 0, hdr, hdr_bytes);
    if (ret < 0) {
        return error_setg(errp, "Could not read qcow2 header: %s",
                          g_strerror(-ret));
    }
    if (s->backing_file) {
        /* The name ends the extension area. */
        uint64_t end = ldq_be_p(hdr + 8);

        g_free(s->backing_file);
        s->backing_file =
            g_strndup((const char *)hdr + end, ldl_be_p(hdr + 16));
        if (!qcow2_read_extensions(s, hdr, hdr_bytes, end, errp)) {
            return false;
        }
    } else if (!qcow2_read_extensions(s, hdr, hdr_bytes, hdr_bytes, errp)) {
        return false;
    }
    if ((s->incompatible & QCOW2_INCOMPAT_CORRUPT) && !o->read_only) {
        return error_setg(errp, "qcow2: Image is corrupt; cannot be opened "
                                "read/write");
    }
    s->refcount_block_bits = s->cluster_bits + 3 - s->refcount_order;
    s->refcount_max = s->refcount_order == 6
                          ? UINT64_MAX
                          : (1ull << (1u << s->refcount_order)) - 1;
    s->meta_align = MAX(512u, bs->file->bl.request_alignment);
    if (s->meta_align > s->cluster_size) {
        return error_setg(errp,
                          "Cluster size %" PRIu64 " is smaller than the "
                          "host's block size %u",
                          s->cluster_size, s->meta_align);
    }
    if (!qcow2_read_table(s, s->l1_table_offset, s->l1_size, &s->l1_table,
                          errp)) {
        return false;
    }
    s->refcount_table_size = (uint64_t)s->refcount_table_clusters
                             << (s->cluster_bits - 3);
    if (!qcow2_read_table(s, s->refcount_table_offset, s->refcount_table_size,
                          &s->refcount_table, errp)) {
        return false;
    }
    /* The L2 cache covers the whole image up to QEMU's 32 MiB default. */
    l2_entries = 1ull << s->l2_bits;
    l2_tables = ((s->size >> s->cluster_bits) + l2_entries - 1) / l2_entries;
    if (o->l2_cache_size) {
        l2_tables = o->l2_cache_size >> s->cluster_bits;
    } else {
        l2_tables = MIN(l2_tables, (32ull << 20) >> s->cluster_bits);
    }
    l2_tables = MIN(MAX(l2_tables, 2), 65536);
    if (!qcow2_cache_init(s, &s->l2_cache, l2_tables) ||
        !qcow2_cache_init(s, &s->refblock_cache,
                          MAX(4u, (unsigned)l2_tables / 4))) {
        return error_setg(errp, "Could not allocate the metadata cache");
    }
    s->l2_cache.depends = &s->refblock_cache;
    s->alloc_end = qcow2_size_to_clusters(s, file_len);
    if (qcow2_read_snapshots(s, errp) < 0) {
        return false;
    }
    if (!qcow2_open_backing(s, o, errp)) {
        return false;
    }
    if (bs->file->notify_fd < 0) {
        return error_setg(errp, "qcow2 needs a file node below it");
    }
    bs->bl = bs->file->bl;
    bs->bl.discard_granularity = s->cluster_size;
    bs->bl.write_zeroes_granularity = s->cluster_size;
    bs->bl.max_transfer = MIN(bs->bl.max_transfer, 1u << 30);
    if ((s->incompatible & QCOW2_INCOMPAT_DIRTY) && !o->read_only) {
        /* Left open with lazy refcounts: recount, as QEMU does on open. */
        BlockCheckResult r = {.log = g_string_new(NULL)};

        ret = qcow2_check(bs, &r, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
        g_string_free(r.log, true);
        if (ret >= 0) {
            s->incompatible &= ~QCOW2_INCOMPAT_DIRTY;
            ret = qcow2_update_header(s);
        }
        if (ret >= 0) {
            ret = bdrv_co_flush(bs->file);
        }
        if (ret < 0) {
            return error_setg(errp, "Could not repair dirty image: %s",
                              g_strerror(-ret));
        }
    }
    if (!o->read_only && s->version >= 3 && s->autoclear) {
        s->autoclear = 0; /* none of them is kept up to date here */
        ret = qcow2_update_header(s);
        if (ret < 0) {
            return error_setg(errp, "Could not update qcow2 header: %s",
                              g_strerror(-ret));
        }
    }
    return true;
}

static void qcow2_close(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    if (!s) {
        return;
    }
    if (!s->read_only && s->l2_cache.n) {
        qcow2_cache_flush(s, &s->l2_cache);
        qcow2_cache_flush(s, &s->refblock_cache);
        bdrv_co_flush(bs->file);
    }
    if (bs->notify_fd >= 0) {
        close(bs->notify_fd);
        bs->notify_fd = -1;
    }
    qcow2_cache_destroy(&s->l2_cache);
    qcow2_cache_destroy(&s->refblock_cache);
    free(s->l1_table);
    free(s->refcount_table);
    qcow2_free_snapshots(s);
    g_free(s->backing_file);
    g_free(s->backing_format);
    if (s->unknown_exts) {
        g_byte_array_free(s->unknown_exts, true);
    }
    g_mutex_clear(&s->done_lock);
    g_free(s);
    bs->opaque = NULL;
}

static uint64_t qcow2_getlength(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;

    return s->size;
}

/* ---- mapping ------------------------------------------------------------ */

/* Bytes of a vector from skip on, as a vector of their own. */
static void iov_slice(const IOVector *v, uint64_t skip, uint64_t bytes,
                      IOVector *out)
{
    iovector_reset(out);
    for (unsigned i = 0; i < v->niov && bytes; i++) {
        uint64_t len = v->iov[i].iov_len;

        if (skip >= len) {
            skip -= len;
            continue;
        }
        len = MIN(len - skip, bytes);
        iovector_add(out, (uint8_t *)v->iov[i].iov_base + skip, len);
        bytes -= len;
        skip = 0;
    }
}

typedef struct Qcow2Mapping {
    Qcow2ClusterType type;
    uint64_t l2e;  /* the first cluster's entry */
    uint64_t host; /* NORMAL, ZERO_ALLOC: where offset's byte is */
    uint64_t bytes;
} Qcow2Mapping;

/*
 * What [offset, +bytes) maps to, as far as the first run of clusters of
 * one kind goes (contiguous on the host for NORMAL, each entry with the
 * same COPIED flag; one cluster for COMPRESSED), inside one L2 table.
 */
static int qcow2_get_mapping(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                             Qcow2Mapping *m)
{
    uint64_t entries = 1ull << s->l2_bits;
    uint64_t in_cluster = qcow2_offset_into_cluster(s, offset);
    uint64_t l1_index = offset >> (s->cluster_bits + s->l2_bits);
    uint64_t l2_index = (offset >> s->cluster_bits) & (entries - 1);
    uint64_t max_clusters = entries - l2_index, n = 1;
    uint64_t l2_offset, *table;
    int ret;

    bytes = MIN(bytes, (max_clusters << s->cluster_bits) - in_cluster);
    max_clusters =
        (in_cluster + bytes + s->cluster_size - 1) >> s->cluster_bits;
    *m = (Qcow2Mapping){.type = QCOW2_CLUSTER_UNALLOCATED, .bytes = bytes};
    if (l1_index >= s->l1_size) {
        return 0;
    }
    l2_offset = GUINT64_FROM_BE(s->l1_table[l1_index]) & QCOW2_L1E_OFFSET_MASK;
    if (!l2_offset) {
        return 0;
    }
    if (l2_offset & (s->cluster_size - 1)) {
        return qcow2_signal_corruption(s, "L2 table offset not aligned",
                                       l2_offset);
    }
    ret = qcow2_cache_get(s, &s->l2_cache, l2_offset, false, &table);
    if (ret < 0) {
        return ret;
    }
    m->l2e = GUINT64_FROM_BE(table[l2_index]);
    m->type = qcow2_l2e_type(s, m->l2e);
    if (m->type == QCOW2_CLUSTER_NORMAL ||
        m->type == QCOW2_CLUSTER_ZERO_ALLOC) {
        uint64_t host = m->l2e & QCOW2_L2E_OFFSET_MASK;

        if (host & (s->cluster_size - 1)) {
            qcow2_cache_put(&s->l2_cache, table);
            return qcow2_signal_corruption(s, "data cluster not aligned", host);
        }
        m->host = host + in_cluster;
    }
    if (m->type != QCOW2_CLUSTER_COMPRESSED) {
        for (; n < max_clusters; n++) {
            uint64_t e = GUINT64_FROM_BE(table[l2_index + n]);

            if (qcow2_l2e_type(s, e) != m->type ||
                (e & QCOW2_OFLAG_COPIED) != (m->l2e & QCOW2_OFLAG_COPIED)) {
                break;
            }
            if (m->type == QCOW2_CLUSTER_NORMAL &&
                (e & QCOW2_L2E_OFFSET_MASK) !=
                    (m->l2e & QCOW2_L2E_OFFSET_MASK) + (n << s->cluster_bits)) {
                break;
            }
        }
    }
    qcow2_cache_put(&s->l2_cache, table);
    m->bytes = MIN(bytes, (n << s->cluster_bits) - in_cluster);
    return 0;
}

/* A compressed cluster, inflated into buf (one cluster). */
static int qcow2_read_compressed(BDRVQcow2State *s, uint64_t l2e, uint8_t *buf)
{
    uint64_t offset, bytes, start, len;
    g_autofree uint8_t *in = NULL;
    z_stream z = {0};
    int ret;

    qcow2_compressed_extent(s, l2e, &offset, &bytes);
    /* Whole sectors around it, but not past the file's end (the last
     * compressed cluster may end the file inside a sector). */
    start = offset & ~511ull;
    len = ROUND_UP(offset + bytes, 512) - start;
    if (start >= bdrv_getlength(s->bs->file)) {
        return qcow2_signal_corruption(s, "compressed cluster past the end",
                                       offset);
    }
    len = MIN(len, bdrv_getlength(s->bs->file) - start);
    if (len <= offset - start) {
        return qcow2_signal_corruption(s, "compressed cluster past the end",
                                       offset);
    }
    in = qcow2_alloc_aligned(len);
    ret = bdrv_co_request(s->bs->file, BDRV_REQ_READ, start, len,
                          &(struct iovec){in, len}, 1, 0);
    if (ret < 0) {
        return ret;
    }
    z.next_in = in + (offset - start);
    z.avail_in = MIN(bytes, len - (offset - start));
    z.next_out = buf;
    z.avail_out = s->cluster_size;
    if (inflateInit2(&z, -12) != Z_OK) {
        return -ENOMEM;
    }
    ret = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if (ret != Z_STREAM_END && !(ret == Z_BUF_ERROR && !z.avail_out)) {
        return -EIO;
    }
    if (z.avail_out) {
        memset(buf + s->cluster_size - z.avail_out, 0, z.avail_out);
    }
    return 0;
}

/* The backing image's bytes of [offset, +bytes), zeroes past its end. */
static int qcow2_read_backing(BDRVQcow2State *s, uint64_t offset,
                              uint64_t bytes, IOVector *v)
{
    BlockDriverState *backing = s->bs->backing;
    uint64_t blen = backing ? bdrv_getlength(backing) : 0;
    uint64_t n = offset < blen ? MIN(bytes, blen - offset) : 0;
    int ret = 0;

    if (n) {
        IOVector part;

        iovector_init(&part, v->niov);
        iov_slice(v, 0, n, &part);
        ret = bdrv_co_request(backing, BDRV_REQ_READ, offset, n, part.iov,
                              part.niov, 0);
        iovector_destroy(&part);
    }
    if (bytes > n) {
        iovector_memset(v, n, 0, bytes - n);
    }
    return ret;
}

/*
 * Bytes of the image file at host into v: a data cluster may end past
 * the file's end (only the guest's part of a fresh cluster was written),
 * and that part reads as the zeroes it holds.
 */
static int qcow2_pread_host(BDRVQcow2State *s, uint64_t host, uint64_t bytes,
                            IOVector *v)
{
    uint64_t flen = bdrv_getlength(s->bs->file);
    uint64_t n = host < flen ? MIN(bytes, flen - host) : 0;
    int ret = 0;

    if (n == bytes) {
        return bdrv_co_request(s->bs->file, BDRV_REQ_READ, host, bytes, v->iov,
                               v->niov, 0);
    }
    if (n) {
        IOVector part;

        iovector_init(&part, v->niov);
        iov_slice(v, 0, n, &part);
        ret = bdrv_co_request(s->bs->file, BDRV_REQ_READ, host, n, part.iov,
                              part.niov, 0);
        iovector_destroy(&part);
    }
    iovector_memset(v, n, 0, bytes - n);
    return ret;
}

/* The current contents of one whole guest cluster into buf. */
static int qcow2_read_cluster(BDRVQcow2State *s, uint64_t cluster_offset,
                              const Qcow2Mapping *m, uint8_t *buf)
{
    IOVector v;
    int ret;

    switch (m->type) {
    case QCOW2_CLUSTER_NORMAL:
        iovector_init(&v, 1);
        iovector_add(&v, buf, s->cluster_size);
        ret = qcow2_pread_host(s, m->l2e & QCOW2_L2E_OFFSET_MASK,
                               s->cluster_size, &v);
        iovector_destroy(&v);
        return ret;
    case QCOW2_CLUSTER_COMPRESSED:
        return qcow2_read_compressed(s, m->l2e, buf);
    case QCOW2_CLUSTER_UNALLOCATED:
        iovector_init(&v, 1);
        iovector_add(&v, buf, s->cluster_size);
        ret = qcow2_read_backing(s, cluster_offset, s->cluster_size, &v);
        iovector_destroy(&v);
        return ret;
    default:
        memset(buf, 0, s->cluster_size);
        return 0;
    }
}

/* ---- reads -------------------------------------------------------------- */

static int qcow2_co_preadv(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                           IOVector *qiov)
{
    IOVector part;
    uint64_t done = 0;
    uint8_t *cbuf = NULL;
    int ret = 0;

    iovector_init(&part, qiov->niov);
    while (done < bytes && ret >= 0) {
        Qcow2Mapping m;

        co_mutex_lock(&s->lock);
        ret = qcow2_get_mapping(s, offset + done, bytes - done, &m);
        co_mutex_unlock(&s->lock);
        if (ret < 0) {
            break;
        }
        iov_slice(qiov, done, m.bytes, &part);
        switch (m.type) {
        case QCOW2_CLUSTER_UNALLOCATED:
            ret = qcow2_read_backing(s, offset + done, m.bytes, &part);
            break;
        case QCOW2_CLUSTER_ZERO_PLAIN:
        case QCOW2_CLUSTER_ZERO_ALLOC:
            iovector_memset(&part, 0, 0, m.bytes);
            break;
        case QCOW2_CLUSTER_NORMAL:
            ret = qcow2_pread_host(s, m.host, m.bytes, &part);
            break;
        case QCOW2_CLUSTER_COMPRESSED:
            if (!cbuf) {
                cbuf = qcow2_alloc_aligned(s->cluster_size);
            }
            ret = qcow2_read_compressed(s, m.l2e, cbuf);
            if (ret >= 0) {
                iovector_from_buf(
                    &part, 0,
                    cbuf + qcow2_offset_into_cluster(s, offset + done),
                    m.bytes);
            }
            break;
        }
        done += m.bytes;
    }
    free(cbuf);
    iovector_destroy(&part);
    return ret < 0 ? ret : 0;
}

/* ---- writes ------------------------------------------------------------- */

/*
 * Frees clusters that an L2 entry pointed at: the tables that no longer
 * point at them reach the disk first, so the space is never reused while
 * an old table on disk still names it.
 */
static int qcow2_free_after_l2(BDRVQcow2State *s, uint64_t offset,
                               uint64_t bytes)
{
    int ret = qcow2_cache_flush(s, &s->l2_cache);

    if (ret < 0) {
        return ret;
    }
    return qcow2_update_refcount(s, offset, bytes, -1);
}

/* The clusters an entry holds a reference to (none for zero/unallocated). */
static int qcow2_free_l2e(BDRVQcow2State *s, uint64_t l2e)
{
    switch (qcow2_l2e_type(s, l2e)) {
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return qcow2_free_after_l2(s, l2e & QCOW2_L2E_OFFSET_MASK,
                                   s->cluster_size);
    case QCOW2_CLUSTER_COMPRESSED: {
        uint64_t off, bytes;

        qcow2_compressed_extent(s, l2e, &off, &bytes);
        return qcow2_free_after_l2(s, off, bytes);
    }
    default:
        return 0;
    }
}

/*
 * The L2 table for offset, ready to be changed: allocated (zeroed) if
 * the L1 entry has none, copied if it is shared with a snapshot. The
 * table is held until qcow2_cache_put.
 */
static int qcow2_get_l2_for_write(BDRVQcow2State *s, uint64_t offset,
                                  uint64_t **table, uint64_t *l2_index)
{
    uint64_t l1_index = offset >> (s->cluster_bits + s->l2_bits);
    uint64_t l1e, old, *old_table = NULL;
    int64_t fresh;
    int ret;

    *l2_index = (offset >> s->cluster_bits) & ((1ull << s->l2_bits) - 1);
    if (l1_index >= s->l1_size) {
        return -EIO;
    }
    l1e = GUINT64_FROM_BE(s->l1_table[l1_index]);
    old = l1e & QCOW2_L1E_OFFSET_MASK;
    if (old & (s->cluster_size - 1)) {
        return qcow2_signal_corruption(s, "L2 table offset not aligned", old);
    }
    if (old && (l1e & QCOW2_OFLAG_COPIED)) {
        return qcow2_cache_get(s, &s->l2_cache, old, false, table);
    }
    fresh = qcow2_alloc_clusters(s, 1);
    if (fresh < 0) {
        return fresh;
    }
    ret = qcow2_cache_get(s, &s->l2_cache, fresh, true, table);
    if (ret < 0) {
        return ret;
    }
    if (old) {
        ret = qcow2_cache_get(s, &s->l2_cache, old, false, &old_table);
        if (ret < 0) {
            goto fail;
        }
        memcpy(*table, old_table, s->cluster_size);
        qcow2_cache_put(&s->l2_cache, old_table);
    }
    /* The table, then its refcount, on disk before the L1 names it. */
    ret = bdrv_co_pwrite(s->bs->file, fresh, *table, s->cluster_size);
    if (ret >= 0) {
        ret = qcow2_cache_flush(s, &s->refblock_cache);
    }
    if (ret >= 0) {
        ret = bdrv_co_flush(s->bs->file);
    }
    if (ret < 0) {
        goto fail;
    }
    s->l1_table[l1_index] = GUINT64_TO_BE(fresh | QCOW2_OFLAG_COPIED);
    ret = qcow2_write_table_entry(s, s->l1_table_offset, s->l1_table, l1_index);
    if (ret < 0) {
        s->l1_table[l1_index] = GUINT64_TO_BE(l1e);
        goto fail;
    }
    if (old) {
        return qcow2_update_refcount(s, old, s->cluster_size, -1);
    }
    return 0;
fail:
    qcow2_cache_put(&s->l2_cache, *table);
    qcow2_cache_discard(&s->l2_cache, fresh);
    qcow2_update_refcount(s, fresh, s->cluster_size, -1);
    return ret;
}

/* Is a write allocating a cluster in [first, first + n) right now? */
static bool qcow2_alloc_in_flight(BDRVQcow2State *s, uint64_t first, uint64_t n)
{
    for (Qcow2InFlight *f = s->in_flight; f; f = f->next) {
        if (f->cluster >= first && f->cluster < first + n) {
            return true;
        }
    }
    return false;
}

/* Do the bytes around the guest's in a cluster of this entry read zero? */
static bool qcow2_cow_is_zero(BDRVQcow2State *s, uint64_t cluster_offset,
                              Qcow2ClusterType type)
{
    BlockDriverState *backing = s->bs->backing;

    if (type == QCOW2_CLUSTER_ZERO_PLAIN || type == QCOW2_CLUSTER_ZERO_ALLOC) {
        return true;
    }
    return type == QCOW2_CLUSTER_UNALLOCATED &&
           (!backing || cluster_offset >= bdrv_getlength(backing));
}

/*
 * A write of [offset, +bytes) (inside one cluster) that needs the
 * cluster (re)allocated: merged with the cluster's current contents,
 * written to a new cluster (or the kept one of a ZERO_ALLOC entry), then
 * entered in the L2 table. data NULL writes zeroes.
 *
 * Called and returns with s->lock held, but drops it while the data
 * moves, so writes to other clusters allocate in parallel; the cluster
 * is marked in flight meanwhile, and writes, zeroes and discards that
 * reach it wait (qcow2_co_pwritev retries them).
 */
static int qcow2_alloc_write(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                             IOVector *data)
{
    uint64_t cluster_offset = offset & ~(s->cluster_size - 1);
    uint64_t in_cluster = offset - cluster_offset;
    uint64_t *table, l2_index, l2e, cur = 0, host;
    Qcow2InFlight me = {.cluster = offset >> s->cluster_bits};
    uint8_t *buf = NULL;
    Qcow2ClusterType type;
    bool reuse, never_written;
    int64_t fresh = 0;
    int ret;

    ret = qcow2_get_l2_for_write(s, offset, &table, &l2_index);
    if (ret < 0) {
        return ret;
    }
    l2e = GUINT64_FROM_BE(table[l2_index]);
    qcow2_cache_put(&s->l2_cache, table);
    type = qcow2_l2e_type(s, l2e);
    reuse = type == QCOW2_CLUSTER_ZERO_ALLOC && (l2e & QCOW2_OFLAG_COPIED);
    if (reuse) {
        host = l2e & QCOW2_L2E_OFFSET_MASK;
        never_written = false;
    } else {
        fresh = qcow2_alloc_clusters(s, 1);
        if (fresh < 0) {
            return fresh;
        }
        host = fresh;
        /* Past the file's end: a hole that reads zero, nobody wrote it. */
        never_written = host >= bdrv_getlength(s->bs->file);
    }
    me.next = s->in_flight;
    s->in_flight = &me;
    co_mutex_unlock(&s->lock);

    if (bytes == s->cluster_size ||
        (never_written && qcow2_cow_is_zero(s, cluster_offset, type))) {
        /* Only the guest's bytes: the rest is zero already. */
        if (data) {
            ret =
                bdrv_co_request(s->bs->file, BDRV_REQ_WRITE, host + in_cluster,
                                bytes, data->iov, data->niov, 0);
        } else if (never_written) {
            /* Written, not fallocated (which keeps the size): the file
             * must reach the cluster, as qemu-img check wants. */
            buf = qcow2_alloc_aligned(bytes);
            ret =
                buf ? bdrv_co_pwrite(s->bs->file, host + in_cluster, buf, bytes)
                    : -ENOMEM;
            free(buf);
            buf = NULL;
        } else {
            ret = bdrv_co_request(s->bs->file, BDRV_REQ_WRITE_ZEROES,
                                  host + in_cluster, bytes, NULL, 0, 0);
        }
    } else {
        Qcow2Mapping m = {.type = reuse ? QCOW2_CLUSTER_ZERO_PLAIN : type,
                          .l2e = l2e};

        buf = qcow2_alloc_aligned(s->cluster_size);
        ret = buf ? qcow2_read_cluster(s, cluster_offset, &m, buf) : -ENOMEM;
        if (ret >= 0) {
            if (data) {
                iovector_to_buf(data, 0, buf + in_cluster, bytes);
            } else {
                memset(buf + in_cluster, 0, bytes);
            }
            ret = bdrv_co_pwrite(s->bs->file, host, buf, s->cluster_size);
        }
        free(buf);
    }

    co_mutex_lock(&s->lock);
    if (ret >= 0) {
        /* The data is there: the entry may name it. */
        ret = qcow2_get_l2_for_write(s, offset, &table, &l2_index);
    }
    if (ret >= 0) {
        cur = GUINT64_FROM_BE(table[l2_index]);
        table[l2_index] = GUINT64_TO_BE(host | QCOW2_OFLAG_COPIED);
        qcow2_cache_mark_dirty(&s->l2_cache, table);
        qcow2_cache_put(&s->l2_cache, table);
        fresh = 0;
    }
    for (Qcow2InFlight **p = &s->in_flight; *p; p = &(*p)->next) {
        if (*p == &me) {
            *p = me.next;
            break;
        }
    }
    co_queue_restart_all(&s->alloc_queue);
    if (ret >= 0 && !reuse) {
        ret = qcow2_free_l2e(s, cur);
    }
    if (fresh > 0) {
        qcow2_update_refcount(s, fresh, s->cluster_size, -1);
    }
    return ret;
}

static int qcow2_co_pwritev(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                            IOVector *qiov)
{
    IOVector part;
    uint64_t done = 0;
    int ret = 0;

    if (s->incompatible & QCOW2_INCOMPAT_CORRUPT) {
        return -EIO;
    }
    iovector_init(&part, qiov ? qiov->niov : 1);
    while (done < bytes && ret >= 0) {
        Qcow2Mapping m;

        co_mutex_lock(&s->lock);
        ret = qcow2_get_mapping(s, offset + done, bytes - done, &m);
        if (ret >= 0 && m.type == QCOW2_CLUSTER_NORMAL &&
            (m.l2e & QCOW2_OFLAG_COPIED)) {
            /* In place: no metadata changes. */
            co_mutex_unlock(&s->lock);
            if (qiov) {
                iov_slice(qiov, done, m.bytes, &part);
                ret = bdrv_co_request(s->bs->file, BDRV_REQ_WRITE, m.host,
                                      m.bytes, part.iov, part.niov, 0);
            } else {
                ret = bdrv_co_request(s->bs->file, BDRV_REQ_WRITE_ZEROES,
                                      m.host, m.bytes, NULL, 0, 0);
            }
            done += m.bytes;
            continue;
        }
        if (ret >= 0 &&
            qcow2_alloc_in_flight(s, (offset + done) >> s->cluster_bits, 1)) {
            /* Another write is allocating this cluster: look again after. */
            co_mutex_unlock(&s->lock);
            co_queue_wait(&s->alloc_queue);
            continue;
        }
        if (ret >= 0) {
            uint64_t in_cluster = qcow2_offset_into_cluster(s, offset + done);

            m.bytes = MIN(bytes - done, s->cluster_size - in_cluster);
            if (qiov) {
                iov_slice(qiov, done, m.bytes, &part);
            }
            ret = qcow2_alloc_write(s, offset + done, m.bytes,
                                    qiov ? &part : NULL);
        }
        co_mutex_unlock(&s->lock);
        done += m.bytes;
    }
    iovector_destroy(&part);
    return ret < 0 ? ret : 0;
}

typedef enum {
    QCOW2_ZERO_KEEP,  /* reads as zeroes, allocation kept where it can be */
    QCOW2_ZERO_UNMAP, /* reads as zeroes, clusters freed */
    QCOW2_DISCARD,    /* reads as zeroes or the backing image's (v2) */
} Qcow2ZeroMode;

/* Whole clusters [offset, +n clusters) inside one L2 table. Holds lock. */
static int qcow2_zero_clusters(BDRVQcow2State *s, uint64_t offset, uint64_t n,
                               Qcow2ZeroMode mode)
{
    uint64_t *table, l2_index;
    uint64_t *freed = g_new(uint64_t, n);
    unsigned nfreed = 0;
    bool has_backing = s->bs->backing != NULL;
    int ret;

    ret = qcow2_get_l2_for_write(s, offset, &table, &l2_index);
    if (ret < 0) {
        g_free(freed);
        return ret;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t old = GUINT64_FROM_BE(table[l2_index + i]), e;
        Qcow2ClusterType type = qcow2_l2e_type(s, old);

        if (s->version < 3) {
            e = 0; /* no zero flag: only without a backing image */
        } else if (mode == QCOW2_ZERO_KEEP &&
                   (type == QCOW2_CLUSTER_NORMAL ||
                    type == QCOW2_CLUSTER_ZERO_ALLOC) &&
                   (old & QCOW2_OFLAG_COPIED)) {
            e = (old & QCOW2_L2E_OFFSET_MASK) | QCOW2_OFLAG_ZERO |
                QCOW2_OFLAG_COPIED;
        } else if (mode == QCOW2_DISCARD && !has_backing) {
            e = 0;
        } else {
            e = QCOW2_OFLAG_ZERO;
        }
        if (e == old) {
            continue;
        }
        if (!(e & QCOW2_L2E_OFFSET_MASK) && type != QCOW2_CLUSTER_UNALLOCATED &&
            type != QCOW2_CLUSTER_ZERO_PLAIN) {
            freed[nfreed++] = old;
        }
        table[l2_index + i] = GUINT64_TO_BE(e);
        qcow2_cache_mark_dirty(&s->l2_cache, table);
    }
    qcow2_cache_put(&s->l2_cache, table);
    for (unsigned i = 0; i < nfreed && ret >= 0; i++) {
        ret = qcow2_free_l2e(s, freed[i]);
    }
    g_free(freed);
    return ret;
}

static int qcow2_co_zero(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                         Qcow2ZeroMode mode)
{
    uint64_t end = offset + bytes;
    uint64_t entries = 1ull << s->l2_bits;
    int ret = 0;

    if (s->incompatible & QCOW2_INCOMPAT_CORRUPT) {
        return -EIO;
    }
    while (offset < end && ret >= 0) {
        uint64_t in_cluster = qcow2_offset_into_cluster(s, offset);
        uint64_t n;

        if (in_cluster || end - offset < s->cluster_size ||
            (mode != QCOW2_DISCARD && s->version < 3 && s->bs->backing)) {
            /* Part of a cluster: discard skips it, zeroes are written. */
            n = MIN(end - offset, s->cluster_size - in_cluster);
            if (mode == QCOW2_DISCARD) {
                offset += n;
                continue;
            }
            if (mode != QCOW2_DISCARD && in_cluster == 0 &&
                n == s->cluster_size) {
                /* v2 over a backing image: whole clusters written. */
            }
            ret = qcow2_co_pwritev(s, offset, n, NULL);
            offset += n;
            continue;
        }
        if (mode == QCOW2_DISCARD && s->version < 3 && s->bs->backing) {
            offset = end; /* nothing can hide the backing image */
            break;
        }
        n = MIN((end - offset) >> s->cluster_bits,
                entries - ((offset >> s->cluster_bits) & (entries - 1)));
        co_mutex_lock(&s->lock);
        if (qcow2_alloc_in_flight(s, offset >> s->cluster_bits, n)) {
            co_mutex_unlock(&s->lock);
            co_queue_wait(&s->alloc_queue);
            continue;
        }
        ret = qcow2_zero_clusters(s, offset, n, mode);
        co_mutex_unlock(&s->lock);
        offset += n << s->cluster_bits;
    }
    return ret;
}

static int qcow2_co_flush(BDRVQcow2State *s)
{
    int ret;

    co_mutex_lock(&s->lock);
    ret = qcow2_cache_flush(s, &s->l2_cache);
    if (ret >= 0) {
        ret = qcow2_cache_flush(s, &s->refblock_cache);
    }
    co_mutex_unlock(&s->lock);
    if (ret >= 0) {
        ret = bdrv_co_flush(s->bs->file);
    }
    return ret;
}

/* ---- requests ----------------------------------------------------------- */

static void qcow2_co_entry(void *opaque)
{
    Qcow2Request *r = opaque;
    BDRVQcow2State *s = r->bs->opaque;
    BdrvRequest *req = r->req;
    IOVector v;

    iovector_init_external(&v, (struct iovec *)req->iov, req->niov);
    switch (req->kind) {
    case BDRV_REQ_READ:
        r->ret = qcow2_co_preadv(s, req->offset, req->bytes, &v);
        break;
    case BDRV_REQ_WRITE:
        r->ret = qcow2_co_pwritev(s, req->offset, req->bytes, &v);
        break;
    case BDRV_REQ_FLUSH:
        r->ret = qcow2_co_flush(s);
        break;
    case BDRV_REQ_DISCARD:
        r->ret = qcow2_co_zero(s, req->offset, req->bytes, QCOW2_DISCARD);
        break;
    case BDRV_REQ_WRITE_ZEROES:
        r->ret =
            qcow2_co_zero(s, req->offset, req->bytes,
                          req->flags & BDRV_REQ_MAY_UNMAP ? QCOW2_ZERO_UNMAP
                                                          : QCOW2_ZERO_KEEP);
        break;
    }
    if (r->finished_in_submit) {
        *r->finished_in_submit = true; /* the submitter defers it */
        return;
    }
    req->complete(req, r->ret);
    g_free(r);
}

static void qcow2_submit(BlockDriverState *bs, BdrvRequest *req)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Request *r = g_new0(Qcow2Request, 1);
    bool finished = false;
    uint64_t one = 1;

    r->bs = bs;
    r->req = req;
    r->finished_in_submit = &finished;
    coroutine_enter(coroutine_create(qcow2_co_entry, r));
    if (!finished) {
        r->finished_in_submit = NULL; /* it waits: completes itself */
        return;
    }
    /* Finished without waiting: completed from reap, never in here. */
    g_mutex_lock(&s->done_lock);
    r->next = s->done;
    s->done = r;
    g_mutex_unlock(&s->done_lock);
    /*
     * One wake-up for a batch: the reap takes the whole list; none when
     * this node's backend is reaping right now (it reaps again).
     */
    if (!r->next && bdrv_reaping_root() != bs &&
        write(bs->file->notify_fd, &one, sizeof(one)) < 0) {
        /* the counter is full: a reap is due anyway */
    }
}

static bool qcow2_pending(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    bool pending;

    g_mutex_lock(&s->done_lock);
    pending = s->done != NULL;
    g_mutex_unlock(&s->done_lock);
    return pending;
}

static void qcow2_reap(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Request *list, *prev = NULL;

    g_mutex_lock(&s->done_lock);
    list = s->done;
    s->done = NULL;
    g_mutex_unlock(&s->done_lock);
    /* In submission order. */
    while (list) {
        Qcow2Request *next = list->next;

        list->next = prev;
        prev = list;
        list = next;
    }
    while (prev) {
        Qcow2Request *r = prev;

        prev = r->next;
        r->req->complete(r->req, r->ret);
        g_free(r);
    }
}

static int qcow2_block_status(BlockDriverState *bs, uint64_t offset,
                              uint64_t bytes, uint64_t *pnum)
{
    BDRVQcow2State *s = bs->opaque;
    Qcow2Mapping m;
    int ret = qcow2_get_mapping(s, offset, bytes, &m);

    if (ret < 0) {
        return ret;
    }
    *pnum = m.bytes;
    switch (m.type) {
    case QCOW2_CLUSTER_NORMAL:
    case QCOW2_CLUSTER_COMPRESSED:
        return BDRV_BLOCK_DATA;
    case QCOW2_CLUSTER_ZERO_PLAIN:
    case QCOW2_CLUSTER_ZERO_ALLOC:
        return BDRV_BLOCK_ZERO;
    default:
        return 0;
    }
}

/*
 * A larger guest size: a larger L1 table where the old one cannot cover
 * it (written, then the header points at it, then the old one is
 * freed). Shrinking is refused, as QEMU's qcow2 does without --shrink.
 */
static int qcow2_resize(BlockDriverState *bs, uint64_t size)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t l2_span = s->cluster_size << s->l2_bits;
    uint64_t need = (size + l2_span - 1) / l2_span;
    int ret;

    if (size < s->size) {
        return -ENOTSUP;
    }
    if (size & 511) {
        return -EINVAL;
    }
    if (need * 8 > QCOW2_MAX_L1_BYTES) {
        return -EFBIG;
    }
    if (need > s->l1_size) {
        uint64_t bytes = ROUND_UP(need * 8, s->cluster_size);
        uint64_t old_offset = s->l1_table_offset;
        uint64_t old_bytes = (uint64_t)s->l1_size * 8;
        uint64_t *table = qcow2_alloc_aligned(bytes);
        int64_t offset;

        if (!table) {
            return -ENOMEM;
        }
        memcpy(table, s->l1_table, old_bytes);
        offset = qcow2_alloc_clusters(s, bytes >> s->cluster_bits);
        ret = offset < 0 ? offset
                         : bdrv_co_pwrite(bs->file, offset, table, bytes);
        if (ret >= 0) {
            ret = qcow2_cache_flush(s, &s->refblock_cache);
        }
        if (ret >= 0) {
            ret = bdrv_co_flush(bs->file);
        }
        if (ret < 0) {
            free(table);
            return ret;
        }
        free(s->l1_table);
        s->l1_table = table;
        s->l1_table_offset = offset;
        s->l1_size = need;
        s->size = size;
        ret = qcow2_update_header(s);
        if (ret >= 0) {
            ret = bdrv_co_flush(bs->file);
        }
        if (ret >= 0 && old_bytes) {
            ret = qcow2_update_refcount(s, old_offset, old_bytes, -1);
        }
        return ret;
    }
    s->size = size;
    ret = qcow2_update_header(s);
    return ret < 0 ? ret : bdrv_co_flush(bs->file);
}

/*
 * Room for compressed data: bytes inside the cluster the last one ended
 * in, or new clusters. Every cluster the data touches counts it once.
 */
static int64_t qcow2_alloc_bytes(BDRVQcow2State *s, uint64_t bytes)
{
    uint64_t off = s->free_byte_offset;
    int64_t fresh;
    int ret;

    if (off && qcow2_offset_into_cluster(s, off) + bytes <= s->cluster_size) {
        ret = qcow2_update_refcount(s, off, 1, 1);
        if (ret < 0) {
            return ret;
        }
        s->free_byte_offset = off + bytes;
        if (!qcow2_offset_into_cluster(s, s->free_byte_offset)) {
            s->free_byte_offset = 0;
        }
        return off;
    }
    fresh = qcow2_alloc_clusters(s, qcow2_size_to_clusters(s, bytes));
    if (fresh < 0) {
        return fresh;
    }
    s->free_byte_offset =
        qcow2_offset_into_cluster(s, fresh + bytes) ? fresh + bytes : 0;
    return fresh;
}

static int qcow2_pwrite_compressed(BlockDriverState *bs, uint64_t offset,
                                   const void *buf)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t *table, l2_index, entry, sectors;
    unsigned shift = 62 - (s->cluster_bits - 8);
    g_autofree uint8_t *out = g_malloc(s->cluster_size);
    z_stream z = {0};
    uint64_t len;
    int64_t host;
    int ret;

    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = (uint8_t *)buf;
    z.avail_in = s->cluster_size;
    z.next_out = out;
    z.avail_out = s->cluster_size;
    ret = deflate(&z, Z_FINISH);
    len = s->cluster_size - z.avail_out;
    deflateEnd(&z);
    if (ret != Z_STREAM_END || len >= s->cluster_size - 512) {
        /* Does not pay: written as it is. */
        IOVector v;

        iovector_init(&v, 1);
        iovector_add(&v, (void *)buf, s->cluster_size);
        ret = qcow2_co_pwritev(s, offset, s->cluster_size, &v);
        iovector_destroy(&v);
        return ret;
    }
    ret = qcow2_get_l2_for_write(s, offset, &table, &l2_index);
    if (ret < 0) {
        return ret;
    }
    if (qcow2_l2e_type(s, GUINT64_FROM_BE(table[l2_index])) !=
        QCOW2_CLUSTER_UNALLOCATED) {
        qcow2_cache_put(&s->l2_cache, table);
        return -EEXIST;
    }
    host = qcow2_alloc_bytes(s, len);
    if (host < 0) {
        qcow2_cache_put(&s->l2_cache, table);
        return host;
    }
    ret = bdrv_co_pwrite(bs->file, host, out, len);
    if (ret >= 0) {
        sectors = ((host + len - 1) >> 9) - (host >> 9);
        entry = QCOW2_OFLAG_COMPRESSED | (sectors << shift) | host;
        table[l2_index] = GUINT64_TO_BE(entry);
        qcow2_cache_mark_dirty(&s->l2_cache, table);
    }
    qcow2_cache_put(&s->l2_cache, table);
    return ret;
}

/* Every L2 entry of the active image cleared; the clusters freed. */
static int qcow2_make_empty(BlockDriverState *bs)
{
    BDRVQcow2State *s = bs->opaque;
    uint64_t entries = 1ull << s->l2_bits;
    int ret = 0;

    for (uint32_t i = 0; i < s->l1_size && ret >= 0; i++) {
        uint64_t l2_offset =
            GUINT64_FROM_BE(s->l1_table[i]) & QCOW2_L1E_OFFSET_MASK;
        uint64_t *table;
        GArray *freed;

        if (!l2_offset) {
            continue;
        }
        ret = qcow2_get_l2_for_write(
            s, (uint64_t)i << (s->cluster_bits + s->l2_bits), &table,
            &(uint64_t){0});
        if (ret < 0) {
            break;
        }
        freed = g_array_new(false, false, sizeof(uint64_t));
        for (uint64_t j = 0; j < entries; j++) {
            uint64_t e = GUINT64_FROM_BE(table[j]);

            if (e) {
                g_array_append_val(freed, e);
                table[j] = 0;
                qcow2_cache_mark_dirty(&s->l2_cache, table);
            }
        }
        qcow2_cache_put(&s->l2_cache, table);
        for (unsigned k = 0; k < freed->len && ret >= 0; k++) {
            ret = qcow2_free_l2e(s, g_array_index(freed, uint64_t, k));
        }
        g_array_free(freed, true);
    }
    if (ret >= 0) {
        ret = qcow2_co_flush(s);
    }
    return ret;
}

static int qcow2_change_backing(BlockDriverState *bs, const char *file,
                                const char *format)
{
    BDRVQcow2State *s = bs->opaque;
    char *old_file = s->backing_file, *old_format = s->backing_format;
    int ret;

    if (file && strlen(file) > QCOW2_MAX_BACKING_NAME) {
        return -EINVAL;
    }
    s->backing_file = file && *file ? g_strdup(file) : NULL;
    s->backing_format = s->backing_file && format ? g_strdup(format) : NULL;
    ret = qcow2_update_header(s);
    if (ret >= 0) {
        ret = bdrv_co_flush(bs->file);
    }
    if (ret < 0) {
        g_free(s->backing_file);
        g_free(s->backing_format);
        s->backing_file = old_file;
        s->backing_format = old_format;
        return ret;
    }
    g_free(old_file);
    g_free(old_format);
    return 0;
}

static void qcow2_get_info(BlockDriverState *bs, BlockImageInfo *info)
{
    BDRVQcow2State *s = bs->opaque;

    info->cluster_size = s->cluster_size;
    info->backing_file = g_strdup(s->backing_file);
    info->backing_format = g_strdup(s->backing_format);
    info->qcow2_version = s->version;
    info->refcount_bits = 1u << s->refcount_order;
    info->lazy_refcounts = s->compatible & QCOW2_COMPAT_LAZY_REFCOUNTS;
    info->corrupt = s->incompatible & QCOW2_INCOMPAT_CORRUPT;
    info->dirty = s->incompatible & QCOW2_INCOMPAT_DIRTY;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        const Qcow2Snapshot *sn = &s->snapshots[i];
        BlockSnapshotInfo si = {
            .id = g_strdup(sn->id),
            .name = g_strdup(sn->name),
            .vm_state_size = sn->vm_state_size,
            .vm_clock_nsec = sn->vm_clock_nsec,
            .date_sec = sn->date_sec,
            .date_nsec = sn->date_nsec,
            .icount = sn->icount,
        };

        g_array_append_val(info->snapshots, si);
    }
}

const BlockDriver bdrv_qcow2 = {
    .name = "qcow2",
    .open = qcow2_open,
    .close = qcow2_close,
    .preadv = qcow2_submit,
    .pwritev = qcow2_submit,
    .flush = qcow2_submit,
    .pdiscard = qcow2_submit,
    .pwrite_zeroes = qcow2_submit,
    .getlength = qcow2_getlength,
    .reap = qcow2_reap,
    .pending = qcow2_pending,
    .get_info = qcow2_get_info,
    .check = qcow2_check,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_delete = qcow2_snapshot_delete,
    .snapshot_goto = qcow2_snapshot_goto,
    .block_status = qcow2_block_status,
    .resize = qcow2_resize,
    .pwrite_compressed = qcow2_pwrite_compressed,
    .make_empty = qcow2_make_empty,
    .change_backing = qcow2_change_backing,
};

/* ---- creating images ---------------------------------------------------- */

bool qcow2_create(const char *filename, uint64_t size,
                  const Qcow2CreateOptions *co, GError **errp)
{
    unsigned cluster_bits =
        co->cluster_size ? (unsigned)__builtin_ctzll(co->cluster_size) : 16;
    uint64_t cs = 1ull << cluster_bits;
    unsigned refcount_order =
        co->refcount_bits ? (unsigned)__builtin_ctz(co->refcount_bits) : 4;
    unsigned version = co->version ? co->version : 3;
    uint64_t l2_span, l1_size, l1_clusters, used, blocks_per;
    BDRVQcow2State st = {0};
    g_autofree uint8_t *buf = NULL;
    int fd, ret;

    if (co->cluster_size && (co->cluster_size & (co->cluster_size - 1) ||
                             cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
                             cluster_bits > QCOW2_MAX_CLUSTER_BITS)) {
        return error_setg(errp, "Cluster size must be a power of two between "
                                "512 and 2048k");
    }
    if (co->refcount_bits && (co->refcount_bits & (co->refcount_bits - 1) ||
                              co->refcount_bits > 64)) {
        return error_setg(errp, "Refcount width must be a power of two and "
                                "may not exceed 64 bits");
    }
    if (version == 2 && refcount_order != 4) {
        return error_setg(errp, "Different refcount widths than 16 bits "
                                "require compatibility level 1.1 or above "
                                "(use compat=1.1 or greater)");
    }
    if (size & 511) {
        return error_setg(errp, "Image size must be a multiple of 512 bytes");
    }
    l2_span = cs << (cluster_bits - 3);
    l1_size = (size + l2_span - 1) / l2_span;
    l1_clusters = (l1_size * 8 + cs - 1) / cs;
    if (l1_size * 8 > QCOW2_MAX_L1_BYTES) {
        return error_setg(errp, "The image size is too large for file format "
                                "'qcow2' (try using a larger cluster size)");
    }
    /* Header, refcount table, one refcount block, the L1 table. */
    used = 3 + l1_clusters;
    blocks_per = 1ull << (cluster_bits + 3 - refcount_order);
    if (used > blocks_per) {
        return error_setg(errp, "The image size is too large for file format "
                                "'qcow2' (try using a larger cluster size)");
    }
    fd = open(filename, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return error_setg(errp, "Could not create '%s': %s", filename,
                          g_strerror(errno));
    }
    buf = g_malloc0(cs * 3);
    /* Refcount table entry 0 -> the block at cluster 2, which counts
     * clusters 0 .. used-1. */
    stq_be_p(buf + cs, 2 * cs);
    st.refcount_order = refcount_order;
    for (uint64_t c = 0; c < used; c++) {
        qcow2_refblock_set(&st, (uint64_t *)(buf + 2 * cs), c, 1);
    }
    ret = pwrite(fd, buf + cs, 2 * cs, cs) == (ssize_t)(2 * cs) ? 0 : -errno;
    if (!ret && ftruncate(fd, used * cs) < 0) {
        ret = -errno;
    }
    /* The header through the same code that rewrites it. */
    st.version = version;
    st.cluster_bits = cluster_bits;
    st.cluster_size = cs;
    st.size = size;
    st.l1_size = l1_size;
    st.l1_table_offset = 3 * cs;
    st.refcount_table_offset = cs;
    st.refcount_table_clusters = 1;
    st.header_length = version >= 3 ? 112 : QCOW2_HEADER_V2_SIZE;
    st.backing_file = (char *)co->backing_file;
    st.backing_format = (char *)co->backing_format;
    st.meta_align = 512;
    st.compatible = co->lazy_refcounts ? QCOW2_COMPAT_LAZY_REFCOUNTS : 0;
    if (!ret) {
        size_t cap = MIN(cs, 65536u);
        g_autofree uint8_t *hdr = NULL;

        hdr = g_malloc0(cap);
        ret = qcow2_build_header(&st, hdr, cap);
        if (ret > 0) {
            ret = pwrite(fd, hdr, ret, 0) == ret ? 0 : -errno;
        }
    }
    if (!ret && fsync(fd) < 0) {
        ret = -errno;
    }
    close(fd);
    if (ret < 0) {
        return error_setg(errp, "Could not write '%s': %s", filename,
                          g_strerror(-ret));
    }
    return true;
}
