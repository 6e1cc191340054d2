/*
 * The block layer's engines and options: every engine (threads, native,
 * io_uring) under every cache mode it accepts submits, completes and
 * drains flat and vectored requests; plug/unplug holds requests back
 * until the unplug; flush, discard, write-zeroes and detect-zeroes leave
 * the bytes (and, for holes, the allocation) they promise; the cache
 * modes open the file as QEMU documents; option errors read as QEMU's;
 * images are locked as QEMU locks them (checked against qemu-io when it
 * is installed); completions run on an I/O thread's context once the
 * backend is moved there; what a child process flushed before it was
 * SIGKILLed is in the image; and a kernel that refuses io_uring (a
 * seccomp filter in a child) gives a clear error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/block.h"
#include "block/drive.h"
#include "util/keyval.h"

#define SECTOR 512
#define IMG_SIZE (4 << 20)

static const char *const aio_names[] = {"threads", "native", "io_uring"};

typedef struct EngineCase {
    BlockAioMode aio;
    const char *cache;
} EngineCase;

/* Every engine with every cache mode it accepts (native: direct only). */
static const EngineCase engine_cases[] = {
    {BLOCK_AIO_THREADS, "writeback"},    {BLOCK_AIO_THREADS, "none"},
    {BLOCK_AIO_THREADS, "writethrough"}, {BLOCK_AIO_THREADS, "directsync"},
    {BLOCK_AIO_THREADS, "unsafe"},       {BLOCK_AIO_NATIVE, "none"},
    {BLOCK_AIO_NATIVE, "directsync"},    {BLOCK_AIO_IO_URING, "writeback"},
    {BLOCK_AIO_IO_URING, "none"},        {BLOCK_AIO_IO_URING, "writethrough"},
    {BLOCK_AIO_IO_URING, "directsync"},  {BLOCK_AIO_IO_URING, "unsafe"},
};

static char *image_new(size_t size, uint8_t fill)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-aio-XXXXXX.img", &path, NULL);
    g_autofree uint8_t *data = g_malloc(size);

    g_assert_cmpint(fd, >=, 0);
    memset(data, fill, size);
    g_assert_cmpint(write(fd, data, size), ==, (ssize_t)size);
    /* Allocated now, not at writeback: st_blocks is stable from here. */
    g_assert_cmpint(fsync(fd), ==, 0);
    close(fd);
    return path;
}

static void image_read(const char *path, uint64_t offset, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(pread(fd, buf, len, offset), ==, (ssize_t)len);
    close(fd);
}

static uint64_t image_blocks(const char *path)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return st.st_blocks;
}

/*
 * Nothing of the range was freed: a freed range would drop st_blocks by
 * HOLE_SIZE / 512; the file system may still move a metadata block.
 */
static void assert_still_allocated(const char *path, uint64_t before)
{
    g_assert_cmpuint(image_blocks(path) + 64, >=, before);
}

static void options_for(BlockOptions *o, BlockAioMode aio, const char *cache)
{
    blk_options_init(o);
    o->format = "raw";
    o->aio = aio;
    g_assert_true(blk_options_set_cache(o, cache));
}

static BlockBackend *open_or_fail(const char *path, const BlockOptions *o)
{
    GError *err = NULL;
    BlockBackend *blk = blk_open_opts(path, o, &err);

    if (!blk) {
        g_error("open %s: %s", path, err->message);
    }
    return blk;
}

typedef struct Completion {
    int calls;
    int ret;
    GThread *thread;
} Completion;

static void on_complete(void *opaque, int ret)
{
    Completion *c = opaque;

    c->ret = ret;
    c->thread = g_thread_self();
    g_atomic_int_inc(&c->calls);
}

static void wait_for(Completion *c)
{
    for (int i = 0; i < 100000 && !g_atomic_int_get(&c->calls); i++) {
        g_main_context_iteration(NULL, true);
    }
    g_assert_cmpint(c->calls, ==, 1);
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + seed * 31 + (i >> 9));
    }
}

/* ---- every engine, every cache mode ------------------------------------- */

static void test_engine_io(gconstpointer data)
{
    const EngineCase *ec = data;
    g_autofree char *img = image_new(IMG_SIZE, 0x11);
    BlockOptions o;
    BlockBackend *blk;
    /* Misaligned on purpose: a direct backend must bounce these. */
    g_autofree uint8_t *raw_buf = g_malloc(64 * SECTOR + 1);
    g_autofree uint8_t *back = g_malloc(64 * SECTOR);
    g_autofree uint8_t *file = g_malloc(64 * SECTOR);
    uint8_t *buf = raw_buf + 1;
    Completion c = {0};
    IOVector v;

    options_for(&o, ec->aio, ec->cache);
    blk = open_or_fail(img, &o);

    /* Flat write, read back through the engine and from the file. */
    fill_pattern(buf, 16 * SECTOR, 1);
    blk_aio_pwrite(blk, 8 * SECTOR, buf, 16 * SECTOR, on_complete, &c);
    g_assert_cmpint(c.calls, ==, 0); /* never from inside the call */
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    c = (Completion){0};
    blk_aio_pread(blk, 8 * SECTOR, back, 16 * SECTOR, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    g_assert_cmpmem(back, 16 * SECTOR, buf, 16 * SECTOR);
    image_read(img, 8 * SECTOR, file, 16 * SECTOR);
    g_assert_cmpmem(file, 16 * SECTOR, buf, 16 * SECTOR);

    /* Vectored: three pieces, the middle one misaligned in memory. */
    fill_pattern(buf, 48 * SECTOR, 2);
    iovector_init(&v, 3);
    iovector_add(&v, buf, 8 * SECTOR);
    iovector_add(&v, buf + 8 * SECTOR, 32 * SECTOR);
    iovector_add(&v, buf + 40 * SECTOR, 8 * SECTOR);
    c = (Completion){0};
    blk_aio_pwritev(blk, 100 * SECTOR, &v, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    iovector_destroy(&v);
    memset(back, 0, 48 * SECTOR);
    iovector_init(&v, 2);
    iovector_add(&v, back, 24 * SECTOR);
    iovector_add(&v, back + 24 * SECTOR, 24 * SECTOR);
    c = (Completion){0};
    blk_aio_preadv(blk, 100 * SECTOR, &v, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    g_assert_cmpmem(back, 48 * SECTOR, buf, 48 * SECTOR);
    iovector_destroy(&v);

    /* Flush. */
    c = (Completion){0};
    blk_aio_flush(blk, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);

    /* Drain: many requests at once, blk_drain runs every callback. */
    {
        Completion many[32] = {{0}};

        for (int i = 0; i < 32; i++) {
            blk_aio_pread(blk, i * SECTOR, back + i * SECTOR, SECTOR,
                          on_complete, &many[i]);
        }
        blk_drain(blk);
        g_assert_cmpuint(blk_in_flight(blk), ==, 0);
        for (int i = 0; i < 32; i++) {
            g_assert_cmpint(many[i].calls, ==, 1);
            g_assert_cmpint(many[i].ret, ==, 0);
        }
    }

    /* The synchronous calls go the same way. */
    fill_pattern(buf, 4 * SECTOR, 3);
    g_assert_cmpint(blk_pwrite(blk, 200 * SECTOR, buf, 4 * SECTOR), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    g_assert_cmpint(blk_pread(blk, 200 * SECTOR, back, 4 * SECTOR), ==, 0);
    g_assert_cmpmem(back, 4 * SECTOR, buf, 4 * SECTOR);

    /* Past the end: -EIO through the context; direct: unaligned -EINVAL. */
    c = (Completion){0};
    blk_aio_pread(blk, IMG_SIZE - SECTOR, back, 2 * SECTOR, on_complete, &c);
    g_assert_cmpint(c.calls, ==, 0);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 3, back, SECTOR), ==,
                    o.direct ? -EINVAL : 0);
    blk_unref(blk);
    unlink(img);
}

/* ---- plug and unplug ---------------------------------------------------- */

static void test_plug(gconstpointer data)
{
    const EngineCase *ec = data;
    g_autofree char *img = image_new(IMG_SIZE, 0);
    BlockOptions o;
    BlockBackend *blk;
    uint8_t *bufs[8];
    Completion c[8] = {{0}};
    uint8_t back[SECTOR];

    options_for(&o, ec->aio, ec->cache);
    blk = open_or_fail(img, &o);
    blk_io_plug(blk);
    blk_io_plug(blk); /* nested: only the outer unplug submits */
    for (int i = 0; i < 8; i++) {
        bufs[i] = g_malloc(SECTOR);
        memset(bufs[i], 0xa0 + i, SECTOR);
        blk_aio_pwrite(blk, i * SECTOR, bufs[i], SECTOR, on_complete, &c[i]);
    }
    blk_io_unplug(blk);
    /* Held back: nothing completes, nothing reaches the file. */
    for (int n = 0; n < 20; n++) {
        g_main_context_iteration(NULL, false);
        g_usleep(1000);
    }
    for (int i = 0; i < 8; i++) {
        g_assert_cmpint(c[i].calls, ==, 0);
        image_read(img, i * SECTOR, back, SECTOR);
        g_assert_cmphex(back[0], ==, 0);
    }
    g_assert_cmpuint(blk_in_flight(blk), ==, 8);
    blk_io_unplug(blk);
    for (int i = 0; i < 8; i++) {
        wait_for(&c[i]);
        g_assert_cmpint(c[i].ret, ==, 0);
        image_read(img, i * SECTOR, back, SECTOR);
        g_assert_cmphex(back[0], ==, 0xa0 + i);
        g_free(bufs[i]);
    }
    blk_unref(blk);
    unlink(img);
}

/* ---- more requests than a ring holds; vectors past IOV_MAX -------------- */

#define DEPTH_REQUESTS 600 /* the kernel engines' rings hold 128 */

static void test_depth(gconstpointer data)
{
    const EngineCase *ec = data;
    g_autofree char *img = image_new(IMG_SIZE, 0);
    g_autofree uint8_t *pattern = g_malloc(DEPTH_REQUESTS * SECTOR);
    g_autofree uint8_t *back = g_malloc0(DEPTH_REQUESTS * SECTOR);
    g_autofree Completion *c = g_new0(Completion, DEPTH_REQUESTS);
    BlockOptions o;
    BlockBackend *blk;
    IOVector v;
    Completion one = {0};

    options_for(&o, ec->aio, ec->cache);
    blk = open_or_fail(img, &o);
    fill_pattern(pattern, DEPTH_REQUESTS * SECTOR, 9);
    g_assert_cmpint(blk_pwrite(blk, 0, pattern, DEPTH_REQUESTS * SECTOR), ==,
                    0);
    /* All at once: the engine keeps what the ring cannot take queued. */
    blk_io_plug(blk);
    for (int i = 0; i < DEPTH_REQUESTS; i++) {
        blk_aio_pread(blk, (uint64_t)i * SECTOR, back + i * SECTOR, SECTOR,
                      on_complete, &c[i]);
    }
    blk_io_unplug(blk);
    blk_drain(blk);
    for (int i = 0; i < DEPTH_REQUESTS; i++) {
        g_assert_cmpint(c[i].calls, ==, 1);
        g_assert_cmpint(c[i].ret, ==, 0);
    }
    g_assert_cmpmem(back, DEPTH_REQUESTS * SECTOR, pattern,
                    DEPTH_REQUESTS * SECTOR);

    /* 1200 one-sector pieces: more than one preadv or iocb takes. */
    memset(back, 0, DEPTH_REQUESTS * SECTOR);
    iovector_init(&v, 16);
    for (int i = 0; i < DEPTH_REQUESTS * 2; i++) {
        iovector_add(&v, back + i * (SECTOR / 2), SECTOR / 2);
    }
    blk_aio_preadv(blk, 0, &v, on_complete, &one);
    wait_for(&one);
    g_assert_cmpint(one.ret, ==, 0); /* direct: bounced whole */
    g_assert_cmpmem(back, DEPTH_REQUESTS * SECTOR, pattern,
                    DEPTH_REQUESTS * SECTOR);
    iovector_destroy(&v);
    blk_unref(blk);
    unlink(img);
}

/*
 * The image shrinks under the backend: a kernel engine's read past the new
 * end comes back short, the pool tries again and, as QEMU's file driver,
 * reads zeroes there; a read straddling the new end gets the data, then
 * zeroes.
 */
static void test_shrunk(gconstpointer data)
{
    const EngineCase *ec = data;
    g_autofree char *img = image_new(IMG_SIZE, 0x66);
    BlockOptions o;
    BlockBackend *blk;
    uint8_t back[2 * SECTOR];
    Completion c = {0};

    options_for(&o, ec->aio, ec->cache);
    blk = open_or_fail(img, &o);
    g_assert_cmpint(truncate(img, IMG_SIZE / 2), ==, 0);
    memset(back, 0xee, sizeof(back));
    blk_aio_pread(blk, IMG_SIZE - SECTOR, back, SECTOR, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    g_assert_cmphex(back[0], ==, 0);
    g_assert_cmphex(back[SECTOR - 1], ==, 0);
    g_assert_cmpint(blk_pread(blk, IMG_SIZE / 2 - SECTOR, back, 2 * SECTOR), ==,
                    0);
    g_assert_cmphex(back[SECTOR - 1], ==, 0x66);
    g_assert_cmphex(back[SECTOR], ==, 0);
    g_assert_cmpint(blk_pread(blk, IMG_SIZE / 2 - SECTOR, back, SECTOR), ==, 0);
    g_assert_cmphex(back[0], ==, 0x66);
    blk_unref(blk);
    unlink(img);
}

/* ---- discard, write-zeroes, detect-zeroes ------------------------------- */

#define HOLE_OFFSET (1 << 20)
#define HOLE_SIZE (1 << 20)

/* An image whose [1M, 2M) is written (allocated) with 0x5a. */
static char *image_allocated(void)
{
    return image_new(IMG_SIZE, 0x5a);
}

static void assert_zero_range(BlockBackend *blk, uint64_t offset, uint64_t len,
                              uint8_t expect)
{
    g_autofree uint8_t *back = g_malloc(len);

    g_assert_cmpint(blk_pread(blk, offset, back, len), ==, 0);
    for (uint64_t i = 0; i < len; i++) {
        if (back[i] != expect) {
            g_error("byte %" PRIu64 " is 0x%x, not 0x%x", offset + i, back[i],
                    expect);
        }
    }
}

static void test_discard(gconstpointer data)
{
    const EngineCase *ec = data;
    g_autofree char *img = image_allocated();
    BlockOptions o;
    BlockBackend *blk;
    BlockLimits bl;
    uint64_t before;
    Completion c = {0};

    /* discard=ignore: succeeds, changes nothing. */
    options_for(&o, ec->aio, ec->cache);
    blk = open_or_fail(img, &o);
    blk_get_limits(blk, &bl);
    g_assert_cmpuint(bl.discard_granularity, ==, 0);
    before = image_blocks(img);
    blk_aio_pdiscard(blk, HOLE_OFFSET, HOLE_SIZE, on_complete, &c);
    g_assert_cmpint(c.calls, ==, 0);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    assert_zero_range(blk, HOLE_OFFSET, HOLE_SIZE, 0x5a);
    assert_still_allocated(img, before);
    blk_unref(blk);

    /* discard=unmap: a hole; it reads as zeroes and frees its blocks. */
    o.discard = BLOCK_DISCARD_UNMAP;
    blk = open_or_fail(img, &o);
    blk_get_limits(blk, &bl);
    g_assert_cmpuint(bl.discard_granularity, >=, SECTOR);
    c = (Completion){0};
    blk_aio_pdiscard(blk, HOLE_OFFSET, HOLE_SIZE, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    assert_zero_range(blk, HOLE_OFFSET, HOLE_SIZE, 0);
    g_assert_cmpuint(image_blocks(img), <=, before - HOLE_SIZE / 512);
    assert_zero_range(blk, HOLE_OFFSET - SECTOR, SECTOR, 0x5a);
    assert_zero_range(blk, HOLE_OFFSET + HOLE_SIZE, SECTOR, 0x5a);
    /* The file keeps its size. */
    g_assert_cmpuint(blk_getlength(blk), ==, IMG_SIZE);
    blk_unref(blk);
    unlink(img);
}

static void test_write_zeroes(gconstpointer data)
{
    const EngineCase *ec = data;
    g_autofree char *img = image_allocated();
    BlockOptions o;
    BlockBackend *blk;
    uint64_t before = image_blocks(img);
    Completion c = {0};

    /* Without MAY_UNMAP: zeroes, the blocks stay allocated. */
    options_for(&o, ec->aio, ec->cache);
    o.discard = BLOCK_DISCARD_UNMAP;
    blk = open_or_fail(img, &o);
    blk_aio_pwrite_zeroes(blk, HOLE_OFFSET, HOLE_SIZE, 0, on_complete, &c);
    wait_for(&c);
    g_assert_cmpint(c.ret, ==, 0);
    assert_zero_range(blk, HOLE_OFFSET, HOLE_SIZE, 0);
    assert_zero_range(blk, HOLE_OFFSET + HOLE_SIZE, SECTOR, 0x5a);
    assert_still_allocated(img, before);

    /* MAY_UNMAP with discard=unmap: deallocated. */
    g_assert_cmpint(
        blk_pwrite_zeroes(blk, 2 * HOLE_OFFSET, HOLE_SIZE, BDRV_REQ_MAY_UNMAP),
        ==, 0);
    assert_zero_range(blk, 2 * HOLE_OFFSET, HOLE_SIZE, 0);
    g_assert_cmpuint(image_blocks(img), <=, before - HOLE_SIZE / 512);
    blk_unref(blk);

    /* MAY_UNMAP without discard=unmap: zeroes, still allocated. */
    o.discard = BLOCK_DISCARD_IGNORE;
    before = image_blocks(img);
    blk = open_or_fail(img, &o);
    g_assert_cmpint(
        blk_pwrite_zeroes(blk, 0, HOLE_SIZE / 2, BDRV_REQ_MAY_UNMAP), ==, 0);
    assert_zero_range(blk, 0, HOLE_SIZE / 2, 0);
    assert_still_allocated(img, before);
    blk_unref(blk);
    unlink(img);
}

static void test_detect_zeroes(void)
{
    g_autofree char *img = image_allocated();
    g_autofree uint8_t *zero = g_malloc0(HOLE_SIZE);
    BlockOptions o;
    BlockBackend *blk;
    uint64_t before = image_blocks(img);

    /* off: a zero write is a write. on: the same bytes, still allocated. */
    for (int mode = BLOCK_DETECT_ZEROES_OFF; mode <= BLOCK_DETECT_ZEROES_ON;
         mode++) {
        options_for(&o, BLOCK_AIO_THREADS, "writeback");
        o.detect_zeroes = mode;
        o.discard = BLOCK_DISCARD_UNMAP;
        blk = open_or_fail(img, &o);
        g_assert_cmpint(blk_pwrite(blk, mode * HOLE_SIZE, zero, HOLE_SIZE), ==,
                        0);
        assert_zero_range(blk, mode * HOLE_SIZE, HOLE_SIZE, 0);
        assert_still_allocated(img, before);
        blk_unref(blk);
    }
    /* unmap without discard=unmap acts as on (QEMU accepts it). */
    o.detect_zeroes = BLOCK_DETECT_ZEROES_UNMAP;
    o.discard = BLOCK_DISCARD_IGNORE;
    blk = open_or_fail(img, &o);
    g_assert_cmpint(blk_pwrite(blk, 2 * HOLE_SIZE, zero, HOLE_SIZE), ==, 0);
    assert_still_allocated(img, before);
    blk_unref(blk);
    /* unmap with discard=unmap: the zero write becomes a hole. */
    o.discard = BLOCK_DISCARD_UNMAP;
    blk = open_or_fail(img, &o);
    g_assert_cmpint(blk_pwrite(blk, 2 * HOLE_SIZE, zero, HOLE_SIZE), ==, 0);
    assert_zero_range(blk, 2 * HOLE_SIZE, HOLE_SIZE, 0);
    g_assert_cmpuint(image_blocks(img), <=, before - HOLE_SIZE / 512);
    /* A write that is not all zeroes is written. */
    zero[HOLE_SIZE - 1] = 1;
    g_assert_cmpint(blk_pwrite(blk, 2 * HOLE_SIZE, zero, HOLE_SIZE), ==, 0);
    assert_zero_range(blk, 2 * HOLE_SIZE + HOLE_SIZE - 1, 1, 1);
    blk_unref(blk);
    unlink(img);
}

/* ---- cache modes -------------------------------------------------------- */

/* The open flags of this process's descriptor of path (one expected). */
static int fd_flags_of(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    const char *name;
    int found = -1;

    while ((name = g_dir_read_name(dir))) {
        g_autofree char *link = g_strdup_printf("/proc/self/fd/%s", name);
        g_autofree char *target = g_file_read_link(link, NULL);

        if (target && !strcmp(target, path)) {
            g_autofree char *info = NULL;
            g_autofree char *fdinfo =
                g_strdup_printf("/proc/self/fdinfo/%s", name);
            const char *flags;

            g_assert_cmpint(found, ==, -1);
            g_assert_true(g_file_get_contents(fdinfo, &info, NULL, NULL));
            flags = strstr(info, "flags:");
            g_assert_nonnull(flags);
            found = (int)strtol(flags + 6, NULL, 8);
        }
    }
    g_assert_cmpint(found, !=, -1);
    return found;
}

static void test_cache_modes(void)
{
    static const struct {
        const char *mode;
        bool writeback, direct, no_flush;
    } modes[] = {
        {"writeback", true, false, false},
        {"none", true, true, false},
        {"writethrough", false, false, false},
        {"directsync", false, true, false},
        {"unsafe", true, false, true},
    };
    g_autofree char *img = image_new(IMG_SIZE, 0);
    g_autofree char *real = realpath(img, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        BlockOptions o, got;
        BlockBackend *blk;
        int flags;

        options_for(&o, BLOCK_AIO_THREADS, modes[i].mode);
        g_assert_cmpint(o.writeback, ==, modes[i].writeback);
        g_assert_cmpint(o.direct, ==, modes[i].direct);
        g_assert_cmpint(o.no_flush, ==, modes[i].no_flush);
        blk = open_or_fail(img, &o);
        flags = fd_flags_of(real);
        g_assert_cmpint(!!(flags & O_DIRECT), ==, modes[i].direct);
        g_assert_cmpint(flags & O_ACCMODE, ==, O_RDWR);
        g_assert_false(flags & O_DSYNC); /* writethrough flushes instead */
        g_assert_cmpint(blk_enable_write_cache(blk), ==, modes[i].writeback);
        blk_get_options(blk, &got);
        g_assert_cmpint(got.direct, ==, modes[i].direct);
        g_assert_cmpint(got.no_flush, ==, modes[i].no_flush);
        /* The guest's toggle. */
        blk_set_enable_write_cache(blk, !modes[i].writeback);
        g_assert_cmpint(blk_enable_write_cache(blk), ==, !modes[i].writeback);
        blk_get_options(blk, &got);
        g_assert_cmpint(got.writeback, ==, !modes[i].writeback);
        blk_unref(blk);
    }
    g_assert_false(blk_options_set_cache(&(BlockOptions){0}, "sometimes"));
    unlink(img);
}

/* ---- option errors ------------------------------------------------------ */

static void assert_drive_error(const char *opts, const char *message)
{
    g_autoptr(KeyValList) kv = keyval_parse(opts, NULL, NULL);
    GError *err = NULL;
    BlockOptions o;

    blk_options_init(&o);
    g_assert_false(drive_parse_options(kv, &o, &err));
    g_assert_cmpstr(err->message, ==, message);
    g_error_free(err);
}

static void test_option_errors(void)
{
    g_autofree char *img = image_new(IMG_SIZE, 0);
    g_autoptr(KeyValList) kv = NULL;
    GError *err = NULL;
    BlockOptions o;

    assert_drive_error("aio=native", "aio=native was specified, but it "
                                     "requires cache.direct=on, which was not "
                                     "specified.");
    assert_drive_error("aio=native,cache=none,cache.direct=off",
                       "aio=native was specified, but it requires "
                       "cache.direct=on, which was not specified.");
    assert_drive_error("aio=posix", "invalid aio option");
    assert_drive_error("cache=sometimes", "invalid cache option");
    assert_drive_error("cache.writeback=maybe",
                       "Parameter 'cache.writeback' expects 'on' or 'off'");
    assert_drive_error("discard=trim", "Invalid discard option");
    assert_drive_error("detect-zeroes=all", "invalid parameter value: all");
    assert_drive_error("file.locking=maybe", "invalid parameter value: maybe");

    /* Every key, and the aliases. */
    kv = keyval_parse("cache=none,cache.writeback=off,aio=native,discard=on,"
                      "detect-zeroes=unmap,file.locking=off",
                      NULL, NULL);
    blk_options_init(&o);
    g_assert_true(drive_parse_options(kv, &o, NULL));
    g_assert_true(o.direct);
    g_assert_false(o.writeback);
    g_assert_cmpint(o.aio, ==, BLOCK_AIO_NATIVE);
    g_assert_cmpint(o.discard, ==, BLOCK_DISCARD_UNMAP);
    g_assert_cmpint(o.detect_zeroes, ==, BLOCK_DETECT_ZEROES_UNMAP);
    g_assert_cmpint(o.locking, ==, BLOCK_LOCKING_OFF);
    g_clear_pointer(&kv, keyval_free);
    kv = keyval_parse("discard=off,aio=io_uring,cache=unsafe", NULL, NULL);
    blk_options_init(&o);
    g_assert_true(drive_parse_options(kv, &o, NULL));
    g_assert_cmpint(o.discard, ==, BLOCK_DISCARD_IGNORE);
    g_assert_cmpint(o.aio, ==, BLOCK_AIO_IO_URING);
    g_assert_true(o.no_flush);

    /* Probing finds qcow2 (whose header this is not) through every
     * engine, O_DIRECT included. */
    {
        int fd = open(img, O_WRONLY);

        g_assert_cmpint(pwrite(fd, "QFI\xfb", 4, 0), ==, 4);
        close(fd);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(engine_cases); i++) {
        BlockBackend *blk;

        options_for(&o, engine_cases[i].aio, engine_cases[i].cache);
        o.format = NULL;
        g_assert_null(blk_open_opts(img, &o, &err));
        g_assert_cmpstr(err->message, ==, "Unsupported qcow2 version 0");
        g_clear_error(&err);
        o.format = "raw"; /* asked for: shown raw */
        blk = open_or_fail(img, &o);
        blk_unref(blk);
    }

    /* The library refuses the same combination. */
    options_for(&o, BLOCK_AIO_NATIVE, "writeback");
    g_assert_null(blk_open_opts(img, &o, &err));
    g_assert_cmpstr(err->message, ==,
                    "aio=native was specified, but it requires "
                    "cache.direct=on, which was not specified.");
    g_clear_error(&err);
    unlink(img);
}

/* ---- locking ------------------------------------------------------------ */

static BlockBackend *open_mode(const char *img, bool read_only,
                               BlockLockingMode locking, GError **errp)
{
    BlockOptions o;

    options_for(&o, BLOCK_AIO_THREADS, "writeback");
    o.read_only = read_only;
    o.locking = locking;
    return blk_open_opts(img, &o, errp);
}

static void test_locking(void)
{
    g_autofree char *img = image_new(IMG_SIZE, 0);
    g_autofree char *in_use = g_strdup_printf(
        "Failed to get \"write\" lock\nIs another process using the image "
        "[%s]?",
        img);
    g_autofree char *shared = g_strdup_printf(
        "Failed to get shared \"write\" lock\nIs another process using the "
        "image [%s]?",
        img);
    GError *err = NULL;
    BlockBackend *a, *b;

    /* Read-write twice: the second finds write unshared. */
    a = open_mode(img, false, BLOCK_LOCKING_AUTO, NULL);
    g_assert_nonnull(a);
    g_assert_null(open_mode(img, false, BLOCK_LOCKING_AUTO, &err));
    g_assert_cmpstr(err->message, ==, in_use);
    g_clear_error(&err);
    /* A reader does not share write either, and someone writes. */
    g_assert_null(open_mode(img, true, BLOCK_LOCKING_ON, &err));
    g_assert_cmpstr(err->message, ==, shared);
    g_clear_error(&err);
    /* file.locking=off neither takes nor tests the locks. */
    b = open_mode(img, false, BLOCK_LOCKING_OFF, NULL);
    g_assert_nonnull(b);
    blk_unref(b);
    blk_unref(a);

    /* Two readers share; a writer then fails. */
    a = open_mode(img, true, BLOCK_LOCKING_AUTO, NULL);
    b = open_mode(img, true, BLOCK_LOCKING_AUTO, NULL);
    g_assert_nonnull(a);
    g_assert_nonnull(b);
    g_assert_null(open_mode(img, false, BLOCK_LOCKING_AUTO, &err));
    g_assert_cmpstr(err->message, ==, in_use);
    g_clear_error(&err);
    blk_unref(a);
    blk_unref(b);
    /* Closing drops the locks. */
    a = open_mode(img, false, BLOCK_LOCKING_AUTO, NULL);
    g_assert_nonnull(a);
    blk_unref(a);
    unlink(img);
}

/* True once some process holds an OFD lock on the image's byte. */
static bool image_byte_locked(const char *img, unsigned long byte)
{
    g_autofree char *locks = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *needle = NULL;
    struct stat st;

    g_assert_cmpint(stat(img, &st), ==, 0);
    needle = g_strdup_printf(":%lu ", (unsigned long)st.st_ino);
    g_assert_true(g_file_get_contents("/proc/locks", &locks, NULL, NULL));
    lines = g_strsplit(locks, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *at = strstr(*l, needle);
        unsigned long start, end;

        /* "1: OFDLCK ADVISORY  READ -1 fe:00:123 100 101": a merged range */
        if (at && strstr(*l, "OFDLCK") &&
            sscanf(at + strlen(needle), "%lu %lu", &start, &end) == 2 &&
            start <= byte && end >= byte) {
            return true;
        }
    }
    return false;
}

static void test_locking_qemu(void)
{
    g_autofree char *qemu_io = g_find_program_in_path("qemu-io");
    g_autofree char *qemu_system = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *img = image_new(IMG_SIZE, 0);
    g_autofree char *drive = g_strdup_printf("file=%s,format=raw,if=ide", img);
    g_autofree char *out = NULL, *errs = NULL;
    const char *argv[] = {qemu_io, "-f", "raw", "-c", "sleep 10000", img, NULL};
    GError *err = NULL;
    GPid pid;
    BlockBackend *blk;
    int status;

    if (!qemu_io) {
        g_test_skip("qemu-io is not installed");
        return;
    }
    g_test_message("holding the image with %s", qemu_io);
    /* qemu-io holds the image read-write: pcvm must not open it. */
    g_assert_true(
        g_spawn_async(NULL, (char **)argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, &pid, NULL));
    for (int i = 0; i < 500 && !image_byte_locked(img, 101); i++) {
        g_usleep(10000);
    }
    g_assert_true(image_byte_locked(img, 101));
    g_assert_null(open_mode(img, false, BLOCK_LOCKING_AUTO, &err));
    g_assert_true(g_str_has_prefix(err->message, "Failed to get shared "
                                                 "\"write\" lock\n"));
    g_clear_error(&err);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);

    /* pcvm holds it read-write: qemu-io refuses with QEMU's message. */
    blk = open_mode(img, false, BLOCK_LOCKING_AUTO, NULL);
    g_assert_nonnull(blk);
    argv[4] = "read 0 512";
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
                               &errs, &status, NULL));
    g_assert_false(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(errs, "Failed to get \"write\" lock"));
    g_assert_nonnull(strstr(errs, "Is another process using the image"));
    blk_unref(blk);

    /*
     * A QEMU whose IDE disk uses the image read-write does not share
     * write (byte 201): pcvm's read-write open fails as QEMU's would.
     */
    if (qemu_system) {
        const char *qargv[] = {qemu_system, "-machine", "accel=tcg",   "-S",
                               "-display",  "none",     "-nodefaults", "-drive",
                               drive,       NULL};

        g_assert_true(g_spawn_async(NULL, (char **)qargv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD |
                                        G_SPAWN_STDOUT_TO_DEV_NULL |
                                        G_SPAWN_STDERR_TO_DEV_NULL,
                                    NULL, NULL, &pid, NULL));
        for (int i = 0; i < 1000 && !image_byte_locked(img, 201); i++) {
            g_usleep(10000);
        }
        g_assert_true(image_byte_locked(img, 201));
        g_assert_null(open_mode(img, false, BLOCK_LOCKING_AUTO, &err));
        g_assert_true(g_str_has_prefix(err->message, "Failed to get "
                                                     "\"write\" lock\n"));
        g_clear_error(&err);
        /* A reader is refused too: QEMU writes. */
        g_assert_null(open_mode(img, true, BLOCK_LOCKING_AUTO, &err));
        g_assert_true(g_str_has_prefix(err->message, "Failed to get shared "
                                                     "\"write\" lock\n"));
        g_clear_error(&err);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        g_spawn_close_pid(pid);
    }
    unlink(img);
}

/* ---- completion context ------------------------------------------------- */

typedef struct IoThread {
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
} IoThread;

static gpointer iothread_run(gpointer data)
{
    IoThread *t = data;

    g_main_context_push_thread_default(t->ctx);
    g_main_loop_run(t->loop);
    g_main_context_pop_thread_default(t->ctx);
    return NULL;
}

static gboolean iothread_started(gpointer data)
{
    g_atomic_int_set((int *)data, 1);
    return G_SOURCE_REMOVE;
}

static gboolean iothread_quit(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

static void test_aio_context(void)
{
    g_autofree char *img = image_new(IMG_SIZE, 0x33);
    BlockBackend *blk = blk_open(img, "raw", false, NULL);
    IoThread t;
    Completion c[16] = {{0}};
    uint8_t buf[16][SECTOR];
    GSource *quit, *started;
    int running = 0;

    t.ctx = g_main_context_new();
    t.loop = g_main_loop_new(t.ctx, false);
    /* Running its loop (owning the context) before the backend moves. */
    started = g_idle_source_new();
    g_source_set_callback(started, iothread_started, &running, NULL);
    g_source_attach(started, t.ctx);
    g_source_unref(started);
    t.thread = g_thread_new("iothread", iothread_run, &t);
    while (!g_atomic_int_get(&running)) {
        g_usleep(1000);
    }
    blk_set_aio_context(blk, t.ctx);
    g_assert_true(blk_get_aio_context(blk) == t.ctx);

    for (int i = 0; i < 16; i++) {
        blk_aio_pread(blk, i * SECTOR, buf[i], SECTOR, on_complete, &c[i]);
    }
    /* From the main thread, drain waits for the I/O thread's callbacks. */
    blk_drain(blk);
    for (int i = 0; i < 16; i++) {
        g_assert_cmpint(c[i].calls, ==, 1);
        g_assert_cmpint(c[i].ret, ==, 0);
        g_assert_true(c[i].thread == t.thread);
        g_assert_cmphex(buf[i][0], ==, 0x33);
    }
    /* A synchronous call from here too; and a refused request. */
    memset(buf[0], 0x44, SECTOR);
    g_assert_cmpint(blk_pwrite(blk, 0, buf[0], SECTOR), ==, 0);
    g_assert_cmpint(blk_pread(blk, SECTOR, buf[1], SECTOR), ==, 0);
    g_assert_cmphex(buf[1][0], ==, 0x33);
    c[0] = (Completion){0};
    blk_aio_pread(blk, IMG_SIZE, buf[0], SECTOR, on_complete, &c[0]);
    blk_drain(blk);
    g_assert_cmpint(c[0].ret, ==, -EIO);
    g_assert_true(c[0].thread == t.thread);

    /* Back to the main loop. */
    blk_set_aio_context(blk, NULL);
    c[0] = (Completion){0};
    blk_aio_pread(blk, 0, buf[0], SECTOR, on_complete, &c[0]);
    wait_for(&c[0]);
    g_assert_true(c[0].thread == g_thread_self());
    g_assert_cmphex(buf[0][0], ==, 0x44);

    quit = g_idle_source_new();
    g_source_set_callback(quit, iothread_quit, t.loop, NULL);
    g_source_attach(quit, t.ctx);
    g_source_unref(quit);
    g_thread_join(t.thread);
    g_main_loop_unref(t.loop);
    g_main_context_unref(t.ctx);
    blk_unref(blk);
    unlink(img);
}

/* ---- accounting --------------------------------------------------------- */

static void test_stats(void)
{
    g_autofree char *img = image_new(IMG_SIZE, 0);
    BlockOptions o;
    BlockBackend *blk;
    BlockAcctStats st;
    uint8_t buf[4 * SECTOR] = {1};

    options_for(&o, BLOCK_AIO_THREADS, "writeback");
    o.discard = BLOCK_DISCARD_UNMAP;
    blk = open_or_fail(img, &o);
    blk_get_stats(blk, &st);
    g_assert_cmpuint(st.last_done_ns, ==, 0);
    g_assert_cmpint(blk_pread(blk, 0, buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(blk_pread(blk, SECTOR, buf, SECTOR), ==, 0);
    buf[0] = 1;
    g_assert_cmpint(blk_pwrite(blk, 8 * SECTOR, buf, 2 * SECTOR), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    g_assert_cmpint(blk_pdiscard(blk, 1 << 20, 1 << 20), ==, 0);
    g_assert_cmpint(blk_pread(blk, IMG_SIZE, buf, SECTOR), ==, -EIO);
    blk_get_stats(blk, &st);
    g_assert_cmpuint(st.rd_operations, ==, 2);
    g_assert_cmpuint(st.rd_bytes, ==, 5 * SECTOR);
    g_assert_cmpuint(st.wr_operations, ==, 1);
    g_assert_cmpuint(st.wr_bytes, ==, 2 * SECTOR);
    g_assert_cmpuint(st.wr_highest_offset, ==, 10 * SECTOR);
    g_assert_cmpuint(st.flush_operations, ==, 1);
    g_assert_cmpuint(st.unmap_operations, ==, 1);
    g_assert_cmpuint(st.unmap_bytes, ==, 1 << 20);
    g_assert_cmpuint(st.invalid_rd_operations, ==, 1);
    g_assert_cmpuint(st.failed_rd_operations, ==, 0);
    g_assert_cmpuint(st.rd_total_time_ns, >, 0);
    g_assert_cmpuint(st.last_done_ns, >, 0);
    blk_unref(blk);

    /* A read-only backend: writes are invalid, not failed. */
    o.read_only = true;
    blk = open_or_fail(img, &o);
    g_assert_cmpint(blk_pwrite(blk, 0, buf, SECTOR), ==, -EACCES);
    blk_get_stats(blk, &st);
    g_assert_cmpuint(st.invalid_wr_operations, ==, 1);
    g_assert_cmpuint(st.wr_operations, ==, 0);
    blk_unref(blk);
    unlink(img);
}

/* ---- durability --------------------------------------------------------- */

#define DURABLE_WRITES 64

/*
 * The child: opens the image, writes sector i with pattern i, flushes
 * (or, with the write cache off, relies on the write's own flush) and
 * reports each durable sector on the pipe, until it is killed.
 */
static int durability_child(const char *img, int aio, const char *cache,
                            int report_fd)
{
    BlockOptions o;
    BlockBackend *blk;
    uint8_t *buf;

    options_for(&o, (BlockAioMode)aio, cache);
    blk = open_or_fail(img, &o);
    buf = g_malloc(SECTOR);
    for (unsigned i = 0;; i = (i + 1) % DURABLE_WRITES) {
        char line[32];
        int len;

        fill_pattern(buf, SECTOR, i);
        if (blk_pwrite(blk, (uint64_t)i * SECTOR, buf, SECTOR) ||
            (blk_enable_write_cache(blk) && blk_flush(blk))) {
            return 1;
        }
        len = snprintf(line, sizeof(line), "flushed %u\n", i);
        if (write(report_fd, line, len) != len) {
            return 1;
        }
    }
}

static void test_durability(gconstpointer data)
{
    const EngineCase *ec = data;
    g_autofree char *img = image_new(DURABLE_WRITES * SECTOR, 0);
    g_autofree char *aio = g_strdup_printf("%d", ec->aio);
    g_autofree char *fd_text = NULL;
    g_autofree uint8_t *expect = g_malloc(SECTOR);
    g_autofree uint8_t *back = g_malloc(SECTOR);
    bool flushed[DURABLE_WRITES] = {false};
    unsigned reported = 0;
    int pipefd[2], status;
    FILE *report;
    char line[64];
    pid_t pid;

    g_assert_cmpint(pipe(pipefd), ==, 0);
    fd_text = g_strdup_printf("%d", pipefd[1]);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        /* A fresh process: this one's threads do not survive fork. */
        close(pipefd[0]);
        execl("/proc/self/exe", "test-block-aio", "--durability-child", img,
              aio, ec->cache, fd_text, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    report = fdopen(pipefd[0], "r");
    /* Kill it mid-way through its second round. */
    while (reported < DURABLE_WRITES + DURABLE_WRITES / 2 &&
           fgets(line, sizeof(line), report)) {
        unsigned i;

        g_assert_cmpint(sscanf(line, "flushed %u", &i), ==, 1);
        flushed[i] = true;
        reported++;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fclose(report);
    g_assert_cmpuint(reported, ==, DURABLE_WRITES + DURABLE_WRITES / 2);

    for (unsigned i = 0; i < DURABLE_WRITES; i++) {
        g_assert_true(flushed[i]);
        fill_pattern(expect, SECTOR, i);
        image_read(img, (uint64_t)i * SECTOR, back, SECTOR);
        g_assert_cmpmem(back, SECTOR, expect, SECTOR);
    }
    unlink(img);
}

/* ---- a kernel that refuses io_uring ------------------------------------- */

/*
 * The child: with a seccomp filter that fails io_uring_setup with EPERM
 * (as a container's policy or io_uring_disabled would), opening with
 * aio=io_uring must fail with a clear message, which it prints.
 */
static int uring_refused_child(const char *img)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {G_N_ELEMENTS(filter), filter};
    GError *err = NULL;
    BlockOptions o;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
        return 77;
    }
    options_for(&o, BLOCK_AIO_IO_URING, "writeback");
    if (blk_open_opts(img, &o, &err)) {
        return 1;
    }
    printf("%s\n", err->message);
    g_error_free(err);
    return 0;
}

static void test_uring_refused(void)
{
    g_autofree char *img = image_new(IMG_SIZE, 0);
    g_autofree char *out = NULL;
    const char *argv[] = {"/proc/self/exe", "--uring-refused", img, NULL};
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
                               NULL, &status, NULL));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
        g_test_skip("seccomp is not available");
    } else {
        g_assert_true(g_spawn_check_wait_status(status, NULL));
        g_assert_cmpstr(out, ==,
                        "Unable to use io_uring: Operation not permitted\n");
    }
    unlink(img);
}

/* ---- registration ------------------------------------------------------- */

static void add_engine_tests(const char *what, GTestDataFunc fn,
                             bool durable_only)
{
    for (size_t i = 0; i < G_N_ELEMENTS(engine_cases); i++) {
        const EngineCase *ec = &engine_cases[i];
        g_autofree char *path = NULL;

        /* cache=unsafe promises nothing about durability. */
        if (durable_only && !strcmp(ec->cache, "unsafe")) {
            continue;
        }
        path = g_strdup_printf("/block-aio/%s/%s/%s", what, aio_names[ec->aio],
                               ec->cache);
        g_test_add_data_func(path, ec, fn);
    }
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "--durability-child")) {
        return durability_child(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]));
    }
    if (argc == 3 && !strcmp(argv[1], "--uring-refused")) {
        return uring_refused_child(argv[2]);
    }
    if (argc == 2 && !strcmp(argv[1], "--locking-qemu")) {
        g_autofree char *qemu_io = g_find_program_in_path("qemu-io");
        char *args[] = {argv[0], NULL};
        int n = 1;

        if (!qemu_io) {
            return 77;
        }
        argv = args;
        g_test_init(&n, &argv, NULL);
        g_test_add_func("/block-aio/locking-qemu", test_locking_qemu);
        return g_test_run();
    }
    g_test_init(&argc, &argv, NULL);
    add_engine_tests("io", test_engine_io, false);
    add_engine_tests("plug", test_plug, false);
    add_engine_tests("depth", test_depth, false);
    add_engine_tests("shrunk", test_shrunk, false);
    add_engine_tests("discard", test_discard, false);
    add_engine_tests("write-zeroes", test_write_zeroes, false);
    add_engine_tests("durability", test_durability, true);
    g_test_add_func("/block-aio/detect-zeroes", test_detect_zeroes);
    g_test_add_func("/block-aio/cache-modes", test_cache_modes);
    g_test_add_func("/block-aio/option-errors", test_option_errors);
    g_test_add_func("/block-aio/locking", test_locking);
    g_test_add_func("/block-aio/aio-context", test_aio_context);
    g_test_add_func("/block-aio/stats", test_stats);
    g_test_add_func("/block-aio/uring-refused", test_uring_refused);
    return g_test_run();
}
