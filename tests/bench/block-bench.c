/*
 * The block layer's engines against QEMU's, on the same image in the same
 * run: COUNT requests of SIZE bytes, DEPTH in flight, at sequential
 * offsets (wrapping at the end of the image) or, with --random, at
 * size-aligned offsets from a fixed-seed generator, through pcvm's
 * BlockBackend with each aio= engine; then through `qemu-img bench`
 * (sequential only: it has no random mode) and fio on the same file with
 * the same cache mode (O_DIRECT for none/directsync), engine (threads:
 * fio's posixaio, native: libaio, io_uring), count, depth and size.
 * Prints requests per second for each and two ratios: pcvm's time over
 * qemu-img's (below 1, pcvm is faster) and pcvm's rate over fio's (the
 * block layer's cost over the host's bare engine: 1 is no cost).
 *
 *   block-bench [--count N] [--depth D] [--size BYTES] [--cache MODE]
 *               [--write] [--random] [--image FILE] [--qemu-img PATH]
 *               [--fio PATH]
 *
 * Without --image it writes a 64 MiB image in $TMPDIR and removes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block/block.h"

typedef struct Bench {
    BlockBackend *blk;
    uint8_t *buf;
    uint64_t size, image_size, next_offset;
    unsigned remaining, in_flight;
    bool write, random;
    uint64_t seed;
    int errors;
} Bench;

/* One more request at the next offset. */
static void bench_submit_one(Bench *b);

static void bench_done(void *opaque, int ret)
{
    Bench *b = opaque;

    b->errors += ret < 0;
    b->in_flight--;
    if (b->remaining) {
        bench_submit_one(b);
    }
}

static void bench_submit_one(Bench *b)
{
    uint64_t offset = b->next_offset;

    if (b->random) {
        /* xorshift64: every run and engine sees the same offsets */
        b->seed ^= b->seed << 13;
        b->seed ^= b->seed >> 7;
        b->seed ^= b->seed << 17;
        offset = b->seed % (b->image_size / b->size) * b->size;
    }
    b->next_offset = (offset + b->size) % b->image_size;
    b->remaining--;
    b->in_flight++;
    if (b->write) {
        blk_aio_pwrite(b->blk, offset, b->buf, b->size, bench_done, b);
    } else {
        blk_aio_pread(b->blk, offset, b->buf, b->size, bench_done, b);
    }
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds for the run, or a negative number on failure. */
static double bench_pcvm(const char *image, BlockAioMode aio, const char *cache,
                         unsigned count, unsigned depth, uint64_t size,
                         bool write, bool random)
{
    BlockOptions o;
    GError *err = NULL;
    Bench b = {0};
    double start, end;
    void *buf;

    blk_options_init(&o);
    o.format = "raw";
    o.aio = aio;
    blk_options_set_cache(&o, cache);
    b.blk = blk_open_opts(image, &o, &err);
    if (!b.blk) {
        fprintf(stderr, "block-bench: %s\n", err->message);
        g_error_free(err);
        return -1;
    }
    if (posix_memalign(&buf, 4096, size)) {
        return -1;
    }
    memset(buf, 0x5a, size);
    b.buf = buf;
    b.size = size;
    b.image_size = blk_getlength(b.blk) / size * size;
    b.write = write;
    b.random = random;
    b.seed = 0x9e3779b97f4a7c15ull;
    b.remaining = count;
    start = now_seconds();
    /* depth requests in flight: each completion submits the next one. */
    blk_io_plug(b.blk);
    for (unsigned i = 0; i < depth && b.remaining; i++) {
        bench_submit_one(&b);
    }
    blk_io_unplug(b.blk);
    while (b.in_flight) {
        g_main_context_iteration(NULL, true);
    }
    end = now_seconds();
    blk_unref(b.blk);
    free(buf);
    return b.errors ? -1 : end - start;
}

static double bench_qemu(const char *qemu_img, const char *image,
                         const char *aio, const char *cache, unsigned count,
                         unsigned depth, uint64_t size, bool write)
{
    g_autofree char *c = g_strdup_printf("%u", count);
    g_autofree char *d = g_strdup_printf("%u", depth);
    g_autofree char *s = g_strdup_printf("%" PRIu64, size);
    g_autofree char *out = NULL;
    const char *argv[] = {qemu_img, "bench", "-f",  "raw", "-t", cache,
                          "-i",     aio,     "-c",  c,     "-d", d,
                          "-s",     s,       image, NULL,  NULL};
    const char *done;
    int status;

    if (write) {
        argv[14] = "-w";
        argv[15] = image;
    }
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL)) {
        return -1;
    }
    done = strstr(out, "Run completed in ");
    return done ? g_ascii_strtod(done + strlen("Run completed in "), NULL) : -1;
}

/* fio on the same file: requests per second, or a negative number. */
static double bench_fio(const char *fio, const char *image, const char *aio,
                        const char *cache, unsigned count, unsigned depth,
                        uint64_t size, bool write, bool random)
{
    static const char *const rw[2][2] = {{"read", "write"},
                                         {"randread", "randwrite"}};
    const char *engine = !strcmp(aio, "native")     ? "libaio"
                         : !strcmp(aio, "io_uring") ? "io_uring"
                                                    : "posixaio";
    bool direct = !strcmp(cache, "none") || !strcmp(cache, "directsync");
    g_autofree char *a_file = g_strdup_printf("--filename=%s", image);
    g_autofree char *a_rw = g_strdup_printf("--rw=%s", rw[random][write]);
    g_autofree char *a_bs = g_strdup_printf("--bs=%" PRIu64, size);
    g_autofree char *a_qd = g_strdup_printf("--iodepth=%u", depth);
    g_autofree char *a_eng = g_strdup_printf("--ioengine=%s", engine);
    g_autofree char *a_dir = g_strdup_printf("--direct=%d", direct);
    g_autofree char *a_n = g_strdup_printf("--number_ios=%u", count);
    g_autofree char *out = NULL;
    const char *argv[] = {
        fio, "--name=block-bench",   a_file, a_rw, a_bs, a_qd, a_eng, a_dir,
        a_n, "--output-format=json", NULL};
    const char *key = write ? "\"write\" : {" : "\"read\" : {";
    const char *p;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL)) {
        return -1;
    }
    /* jobs[0].read|write.iops, the first "iops" after the section name */
    p = strstr(out, key);
    p = p ? strstr(p, "\"iops\"") : NULL;
    p = p ? strchr(p, ':') : NULL;
    return p ? g_ascii_strtod(p + 1, NULL) : -1;
}

static void print_rate(double v)
{
    if (v > 0) {
        printf("%12.0f ", v);
    } else {
        printf("%12s ", "-");
    }
}

int main(int argc, char **argv)
{
    static const struct {
        BlockAioMode mode;
        const char *name;
    } engines[] = {{BLOCK_AIO_THREADS, "threads"},
                   {BLOCK_AIO_NATIVE, "native"},
                   {BLOCK_AIO_IO_URING, "io_uring"}};
    unsigned count = 50000, depth = 32;
    uint64_t size = 4096;
    const char *cache = "none", *image = NULL, *qemu_img = NULL;
    g_autofree char *found = g_find_program_in_path("qemu-img");
    g_autofree char *found_fio = g_find_program_in_path("fio");
    const char *fio = NULL;
    g_autofree char *tmp = NULL;
    bool writes = false, random = false;

    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(argv[i], "--count") && next) {
            count = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--depth") && next) {
            depth = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--size") && next) {
            size = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--cache") && next) {
            cache = argv[++i];
        } else if (!strcmp(argv[i], "--image") && next) {
            image = argv[++i];
        } else if (!strcmp(argv[i], "--qemu-img") && next) {
            qemu_img = argv[++i];
        } else if (!strcmp(argv[i], "--fio") && next) {
            fio = argv[++i];
        } else if (!strcmp(argv[i], "--write")) {
            writes = true;
        } else if (!strcmp(argv[i], "--random")) {
            random = true;
        } else {
            fprintf(stderr, "usage: block-bench [--count N] [--depth D] "
                            "[--size BYTES] [--cache MODE] [--write] "
                            "[--random] [--image FILE] [--qemu-img PATH] "
                            "[--fio PATH]\n");
            return 1;
        }
    }
    if (!qemu_img) {
        qemu_img = found;
    }
    if (!fio) {
        fio = found_fio;
    }
    if (!image) {
        int fd = g_file_open_tmp("pcvm-bench-XXXXXX.img", &tmp, NULL);
        g_autofree uint8_t *chunk = g_malloc(1 << 20);

        /* Written, not sparse: reads of holes would measure nothing. */
        memset(chunk, 0xa5, 1 << 20);
        for (int i = 0; fd >= 0 && i < 64; i++) {
            if (write(fd, chunk, 1 << 20) != 1 << 20) {
                close(fd);
                fd = -1;
            }
        }
        if (fd < 0 || fsync(fd) < 0) {
            fprintf(stderr, "block-bench: cannot create an image\n");
            return 1;
        }
        close(fd);
        image = tmp;
    }
    printf("%u %s %s requests of %" PRIu64 " bytes, %u in flight, "
           "cache=%s\n",
           count, random ? "random" : "sequential", writes ? "write" : "read",
           size, depth, cache);
    printf("%-9s %12s %12s %12s %9s %9s\n", "aio", "pcvm req/s", "qemu-img",
           "fio", "pcvm/qemu", "pcvm/fio");
    for (size_t i = 0; i < G_N_ELEMENTS(engines); i++) {
        double p = bench_pcvm(image, engines[i].mode, cache, count, depth, size,
                              writes, random);
        /* qemu-img bench has no random offsets: sequential runs only */
        double q = qemu_img && !random
                       ? bench_qemu(qemu_img, image, engines[i].name, cache,
                                    count, depth, size, writes)
                       : -1;
        double f = fio ? bench_fio(fio, image, engines[i].name, cache, count,
                                   depth, size, writes, random)
                       : -1;

        printf("%-9s ", engines[i].name);
        print_rate(p > 0 ? count / p : -1);
        print_rate(q > 0 ? count / q : -1);
        print_rate(f);
        if (p > 0 && q > 0) {
            printf("%9.2f ", p / q); /* pcvm's time over QEMU's */
        } else {
            printf("%9s ", "-");
        }
        if (p > 0 && f > 0) {
            printf("%9.2f\n", count / p / f); /* pcvm's rate over fio's */
        } else {
            printf("%9s\n", "-");
        }
    }
    if (tmp) {
        unlink(tmp);
    }
    return 0;
}
