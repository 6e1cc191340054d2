/*
 * qcow2 inside the block layer: the on-disk layout (QEMU's
 * docs/interop/qcow2.txt is the specification) and the state the format
 * driver keeps, shared by block/qcow2.c (open, header, guest requests),
 * block/qcow2-meta.c (table cache, refcounts, allocation) and
 * block/qcow2-check.c (check and repair).
 *
 * Every table is kept in memory exactly as on disk (big-endian), so a
 * table is written back as it is. Metadata is changed only by coroutines
 * holding s->lock; the guest's data moves without it where no metadata
 * changes.
 *
 * Ordering, so that a crash leaves at worst leaked clusters: a cluster's
 * refcount reaches the disk before any table that points at it (the L2
 * cache flushes the refcount cache and the file first), a new L2 table
 * before the L1 entry that points at it, new data before the L2 entry;
 * and when clusters are freed, the tables that no longer point at them
 * reach the disk before their lowered refcounts.
 */
#ifndef BLOCK_QCOW2_H
#define BLOCK_QCOW2_H

#include "block/block-int.h"
#include "util/coroutine.h"

#ifndef ROUND_UP
#define ROUND_UP(n, d) (((n) + (d)-1) / (d) * (d))
#endif

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_HEADER_V2_SIZE 72
#define QCOW2_HEADER_V3_SIZE 104
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_L1_BYTES (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS 65536

/* Header extensions. */
#define QCOW2_EXT_END 0
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE 0x6803f857u

/* Feature bits. */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)
#define QCOW2_INCOMPAT_KNOWN (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* L1 and L2 entries. */
#define QCOW2_OFLAG_COPIED (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO (1ull << 0)
#define QCOW2_L1E_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_L2E_OFFSET_MASK 0x00fffffffffffe00ull

typedef enum {
    QCOW2_CLUSTER_UNALLOCATED, /* the backing image's (or zeroes) */
    QCOW2_CLUSTER_ZERO_PLAIN,  /* zero flag, no cluster */
    QCOW2_CLUSTER_ZERO_ALLOC,  /* zero flag over a kept cluster */
    QCOW2_CLUSTER_NORMAL,
    QCOW2_CLUSTER_COMPRESSED,
} Qcow2ClusterType;

/* A cache of cluster-sized tables (L2 tables, refcount blocks). */
typedef struct Qcow2Cache {
    unsigned n;
    unsigned table_bits; /* log2 of a table's bytes: the cluster size */
    uint64_t *offset;    /* 0: the slot is empty */
    uint8_t *data;       /* n clusters, aligned */
    bool *dirty;
    unsigned *refs; /* held by a coroutine: not evicted */
    uint64_t *lru;
    uint64_t lru_clock;
    GHashTable *map; /* offset -> slot + 1 */
    /* Written back (and the file flushed) before any table of this one. */
    struct Qcow2Cache *depends;
} Qcow2Cache;

typedef struct Qcow2Snapshot {
    uint64_t l1_table_offset;
    uint32_t l1_size;
    char *id, *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;
    int64_t icount; /* -1: not recorded */
} Qcow2Snapshot;

typedef struct Qcow2Request Qcow2Request;

/* A guest cluster a write is allocating, while its data moves. */
typedef struct Qcow2InFlight {
    uint64_t cluster;
    struct Qcow2InFlight *next;
} Qcow2InFlight;

typedef struct BDRVQcow2State {
    BlockDriverState *bs;
    uint32_t version;
    unsigned cluster_bits;
    uint64_t cluster_size;
    unsigned l2_bits; /* entries per L2 table: 1 << l2_bits */
    uint64_t size;    /* the guest's */
    uint32_t crypt_method;

    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t *l1_table; /* big-endian, whole clusters */

    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint64_t *refcount_table;     /* big-endian, whole clusters */
    uint64_t refcount_table_size; /* entries */
    unsigned refcount_order;      /* width 1 << order bits */
    unsigned refcount_block_bits; /* entries per block: 1 << bits */
    uint64_t refcount_max;

    uint64_t incompatible, compatible, autoclear;
    uint32_t header_length;
    uint8_t compression_type;
    char *backing_file, *backing_format;
    GByteArray *unknown_exts; /* kept and written back as they were */

    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    uint64_t snapshots_size; /* bytes of the table on disk */
    Qcow2Snapshot *snapshots;

    Qcow2Cache l2_cache, refblock_cache;
    CoMutex lock;
    Qcow2InFlight *in_flight;    /* allocations with s->lock dropped */
    CoQueue alloc_queue;         /* requests waiting for one to finish */
    uint64_t free_cluster_index; /* no free cluster below it */
    uint64_t alloc_end;          /* clusters allocated end below this */
    uint64_t free_byte_offset;   /* where compressed data may go on */
    uint32_t meta_align;         /* smallest metadata write */
    bool read_only;

    /* Requests that finished inside their submission (block-int.h). */
    GMutex done_lock;
    Qcow2Request *done;
} BDRVQcow2State;

static inline uint64_t qcow2_offset_into_cluster(const BDRVQcow2State *s,
                                                 uint64_t offset)
{
    return offset & (s->cluster_size - 1);
}

static inline uint64_t qcow2_size_to_clusters(const BDRVQcow2State *s,
                                              uint64_t size)
{
    return (size + s->cluster_size - 1) >> s->cluster_bits;
}

static inline Qcow2ClusterType qcow2_l2e_type(const BDRVQcow2State *s,
                                              uint64_t l2e)
{
    if (l2e & QCOW2_OFLAG_COMPRESSED) {
        return QCOW2_CLUSTER_COMPRESSED;
    }
    if ((l2e & QCOW2_OFLAG_ZERO) && s->version >= 3) {
        return l2e & QCOW2_L2E_OFFSET_MASK ? QCOW2_CLUSTER_ZERO_ALLOC
                                           : QCOW2_CLUSTER_ZERO_PLAIN;
    }
    return l2e & QCOW2_L2E_OFFSET_MASK ? QCOW2_CLUSTER_NORMAL
                                       : QCOW2_CLUSTER_UNALLOCATED;
}

/* A compressed cluster's data: where it starts and how many bytes. */
void qcow2_compressed_extent(const BDRVQcow2State *s, uint64_t l2e,
                             uint64_t *offset, uint64_t *bytes);

/* ---- qcow2-meta.c ---------------------------------------------------- */

bool qcow2_cache_init(BDRVQcow2State *s, Qcow2Cache *c, unsigned n);
void qcow2_cache_destroy(Qcow2Cache *c);
/* A table at offset, read unless fresh (zeroed); release with put. */
int qcow2_cache_get(BDRVQcow2State *s, Qcow2Cache *c, uint64_t offset,
                    bool fresh, uint64_t **table);
void qcow2_cache_put(Qcow2Cache *c, uint64_t *table);
void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint64_t *table);
/* Writes back every dirty table (the depended-on cache first). */
int qcow2_cache_flush(BDRVQcow2State *s, Qcow2Cache *c);
/* Forgets a table (its cluster was freed). */
void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset);

int qcow2_get_refcount(BDRVQcow2State *s, uint64_t cluster, uint64_t *rc);
/* Adds delta to the refcounts of the clusters over [offset, +bytes). */
int qcow2_update_refcount(BDRVQcow2State *s, uint64_t offset, uint64_t bytes,
                          int64_t delta);
/* n contiguous free clusters, their refcounts set to 1: the offset or a
 * negative errno. */
int64_t qcow2_alloc_clusters(BDRVQcow2State *s, uint64_t n);
uint64_t qcow2_refblock_get(const BDRVQcow2State *s, const uint64_t *block,
                            uint64_t index);
void qcow2_refblock_set(const BDRVQcow2State *s, uint64_t *block,
                        uint64_t index, uint64_t value);
/* Writes one aligned piece of an in-memory table of whole clusters. */
int qcow2_write_table_entry(BDRVQcow2State *s, uint64_t table_offset,
                            const uint64_t *table, uint64_t index);
/* Marks the image corrupt (a metadata offset outside the rules). */
int qcow2_signal_corruption(BDRVQcow2State *s, const char *what,
                            uint64_t offset);

/* ---- qcow2-snapshot.c ---------------------------------------------------- */

int qcow2_read_snapshots(BDRVQcow2State *s, GError **errp);
void qcow2_free_snapshots(BDRVQcow2State *s);
/*
 * Adds delta to the refcount of every table and cluster an L1 table
 * (big-endian, l1_size entries) reaches.
 */
int qcow2_update_tree_refcounts(BDRVQcow2State *s, const uint64_t *l1,
                                uint32_t l1_size, int delta);
/* Sets each COPIED flag of the active tables to (refcount == 1). */
int qcow2_fix_copied(BDRVQcow2State *s);

bool qcow2_snapshot_create(BlockDriverState *bs, const char *name,
                           uint64_t vm_clock_nsec, GError **errp);
bool qcow2_snapshot_delete(BlockDriverState *bs, const char *name,
                           GError **errp);
bool qcow2_snapshot_goto(BlockDriverState *bs, const char *name, GError **errp);

/* ---- qcow2-check.c ------------------------------------------------------- */

int qcow2_check(BlockDriverState *bs, BlockCheckResult *r, int fix);

/* ---- qcow2.c ----------------------------------------------------------- */

/* Rewrites the header cluster from s. 0 or a negative errno. */
int qcow2_update_header(BDRVQcow2State *s);
/* The header and its extensions into buf: the bytes used, or -ENOSPC. */
int qcow2_build_header(const BDRVQcow2State *s, uint8_t *buf, size_t cap);

#endif
