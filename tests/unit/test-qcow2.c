/*
 * qcow2: images made by qemu-img and by pcvm, driven through a block
 * backend with random writes, reads, discards and write-zeroes that are
 * checked against a model of the guest's disk; then `qemu-img check`
 * must find the image clean (no leaks, no corruption) and `qemu-img
 * compare` equal to a raw file holding the model. Also backing files,
 * compressed clusters, refcount widths, small and large clusters, a
 * refcount table that has to grow, and the errors of bad headers.
 *
 * The tests that need qemu-img (qemu-utils) skip without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block-int.h"

static char *qemu_img;

static char *tmp_path(const char *name)
{
    char *path = NULL;
    g_autofree char *tmpl = g_strdup_printf("pcvm-qcow2-XXXXXX-%s", name);
    int fd = g_file_open_tmp(tmpl, &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    return path;
}

/* Runs qemu-img with the NULL-terminated arguments; its exit status.
 * Its output (not TAP) goes to *out, or nowhere. */
static int run_qemu_img(char **out, const char *first, ...)
{
    GPtrArray *argv = g_ptr_array_new();
    g_autofree char *err = NULL, *ignored = NULL;
    const char *a;
    va_list ap;
    int status = -1;

    g_ptr_array_add(argv, qemu_img);
    va_start(ap, first);
    for (a = first; a; a = va_arg(ap, const char *)) {
        g_ptr_array_add(argv, (char *)a);
    }
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_DEFAULT, NULL, NULL,
                               out ? out : &ignored, &err, &status, NULL));
    g_ptr_array_free(argv, true);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_test_message("qemu-img %s: %s", first, err ? err : "");
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool need_qemu_img(void)
{
    if (!qemu_img) {
        g_test_skip("qemu-img (qemu-utils) is not installed");
        return false;
    }
    return true;
}

static BlockBackend *open_qcow2(const char *path, bool read_only)
{
    BlockOptions o;
    GError *err = NULL;
    BlockBackend *blk;

    blk_options_init(&o);
    o.format = "qcow2";
    o.read_only = read_only;
    o.discard = BLOCK_DISCARD_UNMAP;
    blk = blk_open_opts(path, &o, &err);
    g_assert_no_error(err);
    return blk;
}

static void write_raw(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, data, size), ==, (ssize_t)size);
    close(fd);
}

/* qemu-img check finds nothing wrong, compare finds it equal to model. */
static void check_against(const char *qcow, const uint8_t *model, size_t size)
{
    g_autofree char *raw = tmp_path("model.raw");
    g_autofree char *out = NULL;

    g_assert_cmpint(run_qemu_img(&out, "check", "-f", "qcow2", qcow, NULL), ==,
                    0);
    write_raw(raw, model, size);
    g_assert_cmpint(run_qemu_img(NULL, "compare", "-f", "qcow2", "-F", "raw",
                                 qcow, raw, NULL),
                    ==, 0);
    unlink(raw);
}

typedef struct Completion {
    int pending;
    int ret;
} Completion;

static void async_done(void *opaque, int ret)
{
    Completion *c = opaque;

    c->pending--;
    if (ret < 0) {
        c->ret = ret;
    }
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
    }
}

/*
 * A random sequence of requests at sector granularity, some batched
 * asynchronously (disjoint, so their order does not matter), checked
 * against the model as it goes and at the end.
 */
static void random_io(BlockBackend *blk, uint8_t *model, uint64_t size,
                      GRand *rand, unsigned ops)
{
    uint64_t sectors = size / 512;
    g_autofree uint8_t *buf = g_malloc(1 << 20);

    for (unsigned op = 0; op < ops; op++) {
        unsigned kind = g_rand_int_range(rand, 0, 10);
        uint64_t len = (uint64_t)g_rand_int_range(rand, 1, 129) * 512;
        uint64_t off = (uint64_t)g_rand_int_range(rand, 0, sectors) * 512;

        if (g_rand_int_range(rand, 0, 4) == 0) {
            len = (uint64_t)g_rand_int_range(rand, 1, 2049) * 512;
        }
        len = MIN(len, size - off);
        len = MIN(len, 1u << 20);
        if (kind < 4) { /* write */
            fill_pattern(buf, len, op);
            g_assert_cmpint(blk_pwrite(blk, off, buf, len), ==, 0);
            memcpy(model + off, buf, len);
        } else if (kind < 7) { /* read */
            g_assert_cmpint(blk_pread(blk, off, buf, len), ==, 0);
            g_assert_cmpmem(buf, len, model + off, len);
        } else if (kind == 7) {
            g_assert_cmpint(blk_pwrite_zeroes(blk, off, len,
                                              op & 1 ? BDRV_REQ_MAY_UNMAP : 0),
                            ==, 0);
            memset(model + off, 0, len);
        } else if (kind == 8) {
            /* Discard: the device may read anything back; the test
             * writes the range afterwards so the model stays exact. */
            g_assert_cmpint(blk_pdiscard(blk, off, len), ==, 0);
            fill_pattern(buf, len, op + 1000);
            g_assert_cmpint(blk_pwrite(blk, off, buf, len), ==, 0);
            memcpy(model + off, buf, len);
        } else { /* 4 async writes to disjoint places, then a flush */
            Completion c = {0, 0};
            uint8_t *bufs[4];
            uint64_t slot = size / 4;

            for (int i = 0; i < 4; i++) {
                uint64_t o = slot * i + (off % (slot - 65536)) / 512 * 512;
                uint64_t l = MIN(len, 65536);

                bufs[i] = g_malloc(l);
                fill_pattern(bufs[i], l, op * 4 + i);
                memcpy(model + o, bufs[i], l);
                c.pending++;
                blk_aio_pwrite(blk, o, bufs[i], l, async_done, &c);
            }
            c.pending++;
            blk_aio_flush(blk, async_done, &c);
            blk_drain(blk);
            g_assert_cmpint(c.pending, ==, 0);
            g_assert_cmpint(c.ret, ==, 0);
            for (int i = 0; i < 4; i++) {
                g_free(bufs[i]);
            }
        }
    }
    for (uint64_t off = 0; off < size; off += 1 << 20) {
        uint64_t len = MIN(1u << 20, size - off);

        g_assert_cmpint(blk_pread(blk, off, buf, len), ==, 0);
        g_assert_cmpmem(buf, len, model + off, len);
    }
}

typedef struct RandomCase {
    const char *name;
    bool made_by_qemu;
    unsigned version;
    unsigned cluster_size;
    unsigned refcount_bits;
    uint64_t size;
    unsigned ops;
} RandomCase;

static void test_random(gconstpointer data)
{
    const RandomCase *rc = data;
    g_autofree char *img = tmp_path("random.qcow2");
    uint8_t *model;
    BlockBackend *blk;
    GRand *rand = g_rand_new_with_seed(0x5eed + rc->cluster_size + rc->version);

    if (!need_qemu_img()) {
        return;
    }
    if (rc->made_by_qemu) {
        g_autofree char *opts =
            g_strdup_printf("compat=%s,cluster_size=%u,refcount_bits=%u",
                            rc->version == 2 ? "0.10" : "1.1", rc->cluster_size,
                            rc->refcount_bits);
        g_autofree char *size = g_strdup_printf("%" PRIu64, rc->size);

        g_assert_cmpint(run_qemu_img(NULL, "create", "-q", "-f", "qcow2", "-o",
                                     opts, img, size, NULL),
                        ==, 0);
    } else {
        Qcow2CreateOptions co = {.version = rc->version,
                                 .cluster_size = rc->cluster_size,
                                 .refcount_bits = rc->refcount_bits};
        GError *err = NULL;

        g_assert_true(qcow2_create(img, rc->size, &co, &err));
        g_assert_no_error(err);
    }
    model = g_malloc0(rc->size);
    blk = open_qcow2(img, false);
    g_assert_cmpuint(blk_getlength(blk), ==, rc->size);
    random_io(blk, model, rc->size, rand, rc->ops);
    blk_unref(blk);
    check_against(img, model, rc->size);

    /* Reopened, everything reads back; more I/O on the reopened image. */
    blk = open_qcow2(img, false);
    random_io(blk, model, rc->size, rand, rc->ops / 4);
    blk_unref(blk);
    check_against(img, model, rc->size);
    g_free(model);
    g_rand_free(rand);
    unlink(img);
}

static void test_backing(void)
{
    g_autofree char *base = tmp_path("base.raw");
    g_autofree char *top = tmp_path("top.qcow2");
    g_autofree char *base_sum = NULL, *after_sum = NULL, *out = NULL;
    const uint64_t size = 4 << 20, bsize = 3 << 20;
    g_autofree uint8_t *model = g_malloc0(size);
    g_autofree uint8_t *buf = g_malloc(size);
    BlockBackend *blk;
    GRand *rand = g_rand_new_with_seed(42);

    if (!need_qemu_img()) {
        return;
    }
    /* A backing file shorter than the overlay: the rest reads as zero. */
    fill_pattern(model, bsize, 7);
    write_raw(base, model, bsize);
    base_sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, model, bsize);
    g_assert_cmpint(run_qemu_img(NULL, "create", "-q", "-f", "qcow2", "-o",
                                 "cluster_size=4096", "-b", base, "-F", "raw",
                                 top, "4M", NULL),
                    ==, 0);
    blk = open_qcow2(top, false);
    g_assert_cmpint(blk_pread(blk, 0, buf, size), ==, 0);
    g_assert_cmpmem(buf, size, model, size);
    /* Partial-cluster writes copy the rest of the cluster from below. */
    memset(buf, 0xab, 1000 * 512);
    g_assert_cmpint(blk_pwrite(blk, 512 * 3, buf, 512 * 1000), ==, 0);
    memcpy(model + 512 * 3, buf, 512 * 1000);
    random_io(blk, model, size, rand, 300);
    blk_unref(blk);
    check_against(top, model, size);
    {
        g_autofree uint8_t *now = NULL;
        gsize len;

        g_assert_true(g_file_get_contents(base, (char **)&now, &len, NULL));
        after_sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, now, len);
        g_assert_cmpuint(len, ==, bsize);
    }
    g_assert_cmpstr(base_sum, ==, after_sum);
    g_rand_free(rand);
    unlink(base);
    unlink(top);
}

static void test_compressed(void)
{
    g_autofree char *raw = tmp_path("plain.raw");
    g_autofree char *comp = tmp_path("comp.qcow2");
    const uint64_t size = 2 << 20;
    g_autofree uint8_t *model = g_malloc0(size);
    g_autofree uint8_t *buf = g_malloc(size);
    BlockBackend *blk;

    if (!need_qemu_img()) {
        return;
    }
    /* Compressible data, with some zero clusters between. */
    for (uint64_t i = 0; i < size; i++) {
        model[i] = (i / 65536) % 3 ? "pcvm compressed "[i % 16] : 0;
    }
    write_raw(raw, model, size);
    g_assert_cmpint(run_qemu_img(NULL, "convert", "-c", "-f", "raw", "-O",
                                 "qcow2", "-o", "cluster_size=65536", raw, comp,
                                 NULL),
                    ==, 0);
    {
        struct stat st;

        g_assert_cmpint(stat(comp, &st), ==, 0);
        g_assert_cmpint(st.st_size, <, size / 4); /* really compressed */
    }
    blk = open_qcow2(comp, false);
    g_assert_cmpint(blk_pread(blk, 0, buf, size), ==, 0);
    g_assert_cmpmem(buf, size, model, size);
    /* Writing into a compressed cluster moves it to a plain one. */
    memset(buf, 0x11, 4096);
    g_assert_cmpint(blk_pwrite(blk, 65536 + 8192, buf, 4096), ==, 0);
    memcpy(model + 65536 + 8192, buf, 4096);
    g_assert_cmpint(blk_pwrite_zeroes(blk, 65536 * 4, 65536, 0), ==, 0);
    memset(model + 65536 * 4, 0, 65536);
    g_assert_cmpint(blk_pread(blk, 0, buf, size), ==, 0);
    g_assert_cmpmem(buf, size, model, size);
    blk_unref(blk);
    check_against(comp, model, size);
    unlink(raw);
    unlink(comp);
}

/*
 * An image with an internal snapshot (qemu-img's): writes through the
 * active table copy the shared L2 tables and clusters, the snapshot
 * keeps what it held, and both check clean.
 */
static void test_snapshot_cow(void)
{
    g_autofree char *img = tmp_path("snap.qcow2");
    g_autofree char *snap_raw = tmp_path("snap.raw");
    const uint64_t size = 8 << 20;
    g_autofree uint8_t *model = g_malloc0(size);
    g_autofree uint8_t *before = NULL;
    BlockBackend *blk;
    GRand *rand = g_rand_new_with_seed(99);

    if (!need_qemu_img()) {
        return;
    }
    g_assert_cmpint(run_qemu_img(NULL, "create", "-q", "-f", "qcow2", "-o",
                                 "cluster_size=4096", img, "8M", NULL),
                    ==, 0);
    blk = open_qcow2(img, false);
    random_io(blk, model, size, rand, 200);
    blk_unref(blk);
    before = g_memdup2(model, size);
    g_assert_cmpint(run_qemu_img(NULL, "snapshot", "-c", "s1", img, NULL), ==,
                    0);
    blk = open_qcow2(img, false);
    random_io(blk, model, size, rand, 300);
    blk_unref(blk);
    check_against(img, model, size);
    /* The snapshot still holds the disk as it was. */
    g_assert_cmpint(run_qemu_img(NULL, "convert", "-l", "snapshot.name=s1",
                                 "-O", "raw", img, snap_raw, NULL),
                    ==, 0);
    {
        g_autofree uint8_t *now = NULL;
        gsize len;

        g_assert_true(g_file_get_contents(snap_raw, (char **)&now, &len, NULL));
        g_assert_cmpmem(now, len, before, size);
    }
    g_rand_free(rand);
    unlink(img);
    unlink(snap_raw);
}

/*
 * An image left dirty (lazy refcounts, its VMM killed): opened for
 * writing, its refcounts are recounted from the metadata and the dirty
 * bit cleared, as QEMU does; read-only it opens as it is.
 */
static void test_dirty_repair(void)
{
    g_autofree char *img = tmp_path("dirty.qcow2");
    Qcow2CreateOptions co = {.cluster_size = 65536, .lazy_refcounts = true};
    GError *err = NULL;
    g_autofree uint8_t *buf = g_malloc(65536);
    uint8_t b[8];
    BlockBackend *blk;
    int fd;

    if (!need_qemu_img()) {
        return;
    }
    g_assert_true(qcow2_create(img, 4 << 20, &co, &err));
    blk = open_qcow2(img, false);
    memset(buf, 0x3c, 65536);
    g_assert_cmpint(blk_pwrite(blk, 0, buf, 65536), ==, 0);
    blk_unref(blk);
    /* Dirty bit set; the data cluster (cluster 5) not counted. */
    fd = open(img, O_RDWR);
    memcpy(b, "\0\0\0\0\0\0\0\x01", 8);
    g_assert_cmpint(pwrite(fd, b, 8, 72), ==, 8);
    g_assert_cmpint(pwrite(fd, "\0\0", 2, 0x20000 + 2 * 5), ==, 2);
    close(fd);
    g_assert_cmpint(run_qemu_img(NULL, "check", img, NULL), !=, 0);
    blk_unref(open_qcow2(img, true)); /* read-only: left alone */
    g_assert_cmpint(run_qemu_img(NULL, "check", img, NULL), !=, 0);
    blk = open_qcow2(img, false);
    memset(buf, 0, 65536);
    g_assert_cmpint(blk_pread(blk, 0, buf, 65536), ==, 0);
    g_assert_cmphex(buf[65535], ==, 0x3c);
    blk_unref(blk);
    g_assert_cmpint(run_qemu_img(NULL, "check", img, NULL), ==, 0);
    fd = open(img, O_RDONLY);
    g_assert_cmpint(pread(fd, b, 8, 72), ==, 8);
    close(fd);
    g_assert_cmphex(b[7], ==, 0); /* the dirty bit is gone */
    unlink(img);
}

/*
 * Many writes in flight at once, each to its own sector, several to each
 * cluster they allocate: the first allocates, the others wait for it
 * and then write in place, so none is lost and no cluster is allocated
 * twice (qemu-img check would find the leak). Over a backing file too,
 * so the partial clusters are copied while others wait.
 */
static void test_parallel_alloc(void)
{
    const uint64_t size = 1 << 20;
    g_autofree char *base = tmp_path("pbase.raw");
    g_autofree uint8_t *model = g_malloc(size);
    GRand *rand = g_rand_new_with_seed(7);

    if (!need_qemu_img()) {
        return;
    }
    fill_pattern(model, size, 3);
    write_raw(base, model, size);
    for (int with_backing = 0; with_backing < 2; with_backing++) {
        g_autofree char *img = tmp_path("par.qcow2");
        g_autofree uint8_t *bufs = g_malloc(64 * 512);
        unsigned order[64];
        Completion c = {0, 0};
        BlockBackend *blk;

        if (with_backing) {
            fill_pattern(model, size, 3); /* what the backing file holds */
            g_assert_cmpint(run_qemu_img(NULL, "create", "-q", "-f", "qcow2",
                                         "-o", "cluster_size=4096", "-b", base,
                                         "-F", "raw", img, NULL),
                            ==, 0);
        } else {
            g_assert_cmpint(run_qemu_img(NULL, "create", "-q", "-f", "qcow2",
                                         "-o", "cluster_size=4096", img, "1M",
                                         NULL),
                            ==, 0);
            memset(model, 0, size);
        }
        blk = open_qcow2(img, false);
        for (int round = 0; round < 4; round++) {
            uint64_t first = (uint64_t)round * 8 * 4096 + 65536;

            /* 64 sectors of 8 clusters, in a shuffled order. */
            for (unsigned i = 0; i < 64; i++) {
                order[i] = i;
            }
            for (unsigned i = 63; i > 0; i--) {
                unsigned j = g_rand_int_range(rand, 0, i + 1), t = order[i];

                order[i] = order[j];
                order[j] = t;
            }
            blk_io_plug(blk);
            for (unsigned i = 0; i < 64; i++) {
                uint64_t off = first + order[i] * 512ull;
                uint8_t *b = bufs + i * 512;

                memset(b, (uint8_t)(round * 64 + i + 1), 512);
                memcpy(model + off, b, 512);
                c.pending++;
                blk_aio_pwrite(blk, off, b, 512, async_done, &c);
            }
            blk_io_unplug(blk);
            blk_drain(blk);
            g_assert_cmpint(c.pending, ==, 0);
            g_assert_cmpint(c.ret, ==, 0);
        }
        {
            g_autofree uint8_t *now = g_malloc(size);

            g_assert_cmpint(blk_pread(blk, 0, now, size), ==, 0);
            for (uint64_t i = 0; i < size; i += 512) {
                if (memcmp(now + i, model + i, 512)) {
                    g_test_message("backing %d: sector at %#" PRIx64
                                   " holds %#x, wrote %#x",
                                   with_backing, i, now[i], model[i]);
                }
            }
            g_assert_cmpmem(now, size, model, size);
        }
        blk_unref(blk);
        check_against(img, model, size);
        unlink(img);
    }
    g_rand_free(rand);
    unlink(base);
}

/* What pcvm makes, qemu-img reads as the same image. */
static void test_create_info(void)
{
    g_autofree char *img = tmp_path("made.qcow2");
    g_autofree char *base = tmp_path("b.raw");
    g_autofree char *out = NULL;
    Qcow2CreateOptions co = {
        .cluster_size = 4096, .backing_file = base, .backing_format = "raw"};
    GError *err = NULL;
    uint8_t z[512] = {0};

    if (!need_qemu_img()) {
        return;
    }
    write_raw(base, z, sizeof(z));
    g_assert_true(qcow2_create(img, 64 << 20, &co, &err));
    g_assert_no_error(err);
    g_assert_cmpint(run_qemu_img(&out, "info", "--output", "json", img, NULL),
                    ==, 0);
    g_assert_nonnull(strstr(out, "\"virtual-size\": 67108864"));
    g_assert_nonnull(strstr(out, "\"cluster-size\": 4096"));
    g_assert_nonnull(strstr(out, "\"backing-filename-format\": \"raw\""));
    g_assert_nonnull(strstr(out, "\"compat\": \"1.1\""));
    g_assert_cmpint(run_qemu_img(NULL, "check", img, NULL), ==, 0);
    unlink(img);
    unlink(base);
}

static void test_header_errors(void)
{
    g_autofree char *img = tmp_path("bad.qcow2");
    Qcow2CreateOptions co = {0};
    GError *err = NULL;
    BlockOptions o;
    uint8_t b[8];
    int fd;

    g_assert_true(qcow2_create(img, 1 << 20, &co, &err));
    blk_options_init(&o);
    o.format = "qcow2";
    fd = open(img, O_RDWR);
    /* An incompatible feature this driver does not know. */
    memcpy(b, "\0\0\0\0\0\0\x01\0", 8);
    g_assert_cmpint(pwrite(fd, b, 8, 72), ==, 8);
    g_assert_null(blk_open_opts(img, &o, &err));
    g_assert_cmpstr(err->message, ==,
                    "Unsupported qcow2 feature(s): Unknown incompatible "
                    "feature: 100");
    g_clear_error(&err);
    /* The corrupt bit: read-only only. */
    memcpy(b, "\0\0\0\0\0\0\0\x02", 8);
    g_assert_cmpint(pwrite(fd, b, 8, 72), ==, 8);
    g_assert_null(blk_open_opts(img, &o, &err));
    g_assert_cmpstr(err->message, ==,
                    "qcow2: Image is corrupt; cannot be opened read/write");
    g_clear_error(&err);
    o.read_only = true;
    blk_unref(blk_open_opts(img, &o, &err));
    g_assert_no_error(err);
    o.read_only = false;
    /* A version nobody wrote. */
    memcpy(b, "\0\0\0\x07", 4);
    g_assert_cmpint(pwrite(fd, b, 4, 4), ==, 4);
    g_assert_null(blk_open_opts(img, &o, &err));
    g_assert_cmpstr(err->message, ==, "Unsupported qcow2 version 7");
    g_clear_error(&err);
    close(fd);
    /* Probing finds qcow2 without format=. */
    g_assert_true(qcow2_create(img, 1 << 20, &co, &err));
    o.format = NULL;
    {
        BlockBackend *blk = blk_open_opts(img, &o, &err);

        g_assert_no_error(err);
        g_assert_cmpuint(blk_getlength(blk), ==, 1 << 20);
        blk_unref(blk);
    }
    unlink(img);
}

static const RandomCase random_cases[] = {
    {"qemu-v3-64k", true, 3, 65536, 16, 32 << 20, 400},
    {"qemu-v2-64k", true, 2, 65536, 16, 32 << 20, 300},
    {"qemu-v3-512", true, 3, 512, 16, 24 << 20, 300},
    {"qemu-v3-4k-refcount1", true, 3, 4096, 1, 16 << 20, 300},
    {"qemu-v3-4k-refcount64", true, 3, 4096, 64, 16 << 20, 300},
    {"qemu-v3-2m", true, 3, 2 << 20, 16, 64 << 20, 100},
    {"pcvm-v3-64k", false, 3, 65536, 16, 32 << 20, 300},
    {"pcvm-v2-4k", false, 2, 4096, 16, 16 << 20, 300},
    {"pcvm-v3-512-refcount8", false, 3, 512, 8, 16 << 20, 300},
};

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_img = g_find_program_in_path("qemu-img");
    for (size_t i = 0; i < G_N_ELEMENTS(random_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/qcow2/random/%s", random_cases[i].name);

        g_test_add_data_func(path, &random_cases[i], test_random);
    }
    g_test_add_func("/qcow2/backing", test_backing);
    g_test_add_func("/qcow2/compressed", test_compressed);
    g_test_add_func("/qcow2/snapshot-cow", test_snapshot_cow);
    g_test_add_func("/qcow2/dirty-repair", test_dirty_repair);
    g_test_add_func("/qcow2/parallel-alloc", test_parallel_alloc);
    g_test_add_func("/qcow2/create-info", test_create_info);
    g_test_add_func("/qcow2/header-errors", test_header_errors);
    return g_test_run();
}
