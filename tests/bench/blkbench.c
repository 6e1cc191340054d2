/*
 * blkbench: block device throughput as a guest (or the host) sees it.
 *
 *     blkbench DEVICE PATTERN BLOCK_SIZE QUEUE_DEPTH SECONDS [SPAN]
 *
 * PATTERN is seqread, seqwrite, randread or randwrite. The device (or
 * file) is opened with O_DIRECT and driven through Linux AIO (io_submit /
 * io_getevents, called as raw system calls so the program links
 * statically with nothing but libc) with QUEUE_DEPTH requests of
 * BLOCK_SIZE bytes kept in flight for SECONDS, within the first SPAN bytes
 * (default: the whole device). Random offsets are block-aligned and come
 * from a fixed-seed generator, so two VMMs see the same sequence.
 *
 * One line on stdout:
 *     blkbench PATTERN bs=N qd=N bytes=N ns=N ios=N
 * Exit status 0, or 1 with a message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 256

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64: the same offsets in every run */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

static int fail(const char *what)
{
    fprintf(stderr, "blkbench: %s: %s\n", what, strerror(errno));
    return 1;
}

static uint64_t device_size(int fd)
{
    struct stat st;
    uint64_t size = 0;

    if (fstat(fd, &st) < 0) {
        return 0;
    }
    if (S_ISBLK(st.st_mode)) {
        return ioctl(fd, BLKGETSIZE64, &size) < 0 ? 0 : size;
    }
    return (uint64_t)st.st_size;
}

int main(int argc, char **argv)
{
    struct iocb iocbs[MAX_DEPTH], *ptrs[MAX_DEPTH];
    struct io_event events[MAX_DEPTH];
    aio_context_t ctx = 0;
    uint64_t span, bs, seq = 0, seed = 0x9e3779b97f4a7c15ull;
    uint64_t bytes = 0, ios = 0, start, deadline, inflight = 0;
    unsigned depth, seconds;
    bool writing, random_access;
    char *buf;
    int fd;

    if (argc < 6) {
        fprintf(stderr, "usage: blkbench DEVICE seqread|seqwrite|randread|"
                        "randwrite BLOCK_SIZE QUEUE_DEPTH SECONDS [SPAN]\n");
        return 2;
    }
    writing = strstr(argv[2], "write") != NULL;
    random_access = strncmp(argv[2], "rand", 4) == 0;
    bs = strtoull(argv[3], NULL, 0);
    depth = (unsigned)strtoul(argv[4], NULL, 0);
    seconds = (unsigned)strtoul(argv[5], NULL, 0);
    if (bs < 512 || bs % 512 || depth < 1 || depth > MAX_DEPTH || !seconds) {
        fprintf(stderr, "blkbench: bad block size, depth or time\n");
        return 2;
    }
    fd = open(argv[1], (writing ? O_RDWR : O_RDONLY) | O_DIRECT);
    if (fd < 0) {
        return fail(argv[1]);
    }
    span = argc > 6 ? strtoull(argv[6], NULL, 0) : device_size(fd);
    span -= span % bs;
    if (span < bs * depth) {
        fprintf(stderr, "blkbench: %s is too small\n", argv[1]);
        return 1;
    }
    if (posix_memalign((void **)&buf, 4096, bs * depth)) {
        return fail("memory");
    }
    memset(buf, 0x5a, bs * depth);
    if (syscall(SYS_io_setup, depth, &ctx) < 0) {
        return fail("io_setup");
    }

    start = now_ns();
    deadline = start + (uint64_t)seconds * 1000000000u;
    for (unsigned i = 0; i < depth; i++) {
        ptrs[i] = &iocbs[i];
    }
    for (;;) {
        unsigned n = 0;
        long got;

        /* Refill every free slot, then wait for at least one. */
        while (inflight < depth && now_ns() < deadline) {
            struct iocb *cb = ptrs[n];
            uint64_t slot = (uint64_t)(cb - iocbs);
            uint64_t off =
                random_access ? next_random(&seed) % (span / bs) * bs : seq;

            seq = (seq + bs) % span;
            memset(cb, 0, sizeof(*cb));
            cb->aio_fildes = (uint32_t)fd;
            cb->aio_lio_opcode = writing ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
            cb->aio_buf = (uint64_t)(uintptr_t)(buf + slot * bs);
            cb->aio_nbytes = bs;
            cb->aio_offset = (int64_t)off;
            cb->aio_data = slot;
            n++;
            inflight++;
        }
        if (n && syscall(SYS_io_submit, ctx, (long)n, ptrs) != (long)n) {
            return fail("io_submit");
        }
        if (!inflight) {
            break;
        }
        got = syscall(SYS_io_getevents, ctx, 1L, (long)depth, events, NULL);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("io_getevents");
        }
        for (long i = 0; i < got; i++) {
            if ((int64_t)events[i].res != (int64_t)bs) {
                errno = events[i].res < 0 ? (int)-events[i].res : EIO;
                return fail("request");
            }
            /* The finished slots are the next ones to refill. */
            ptrs[i] = &iocbs[events[i].data];
            bytes += bs;
            ios++;
            inflight--;
        }
    }
    printf("blkbench %s bs=%llu qd=%u bytes=%llu ns=%llu ios=%llu\n", argv[2],
           (unsigned long long)bs, depth, (unsigned long long)bytes,
           (unsigned long long)(now_ns() - start), (unsigned long long)ios);
    return 0;
}
