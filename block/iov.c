/*
 * I/O vectors (include/block/iov.h): building them and copying between a
 * vector and a flat buffer, for bounce paths and tests.
 */
#include <string.h>

#include "block/iov.h"

void iovector_init(IOVector *v, unsigned alloc_hint)
{
    v->nalloc = MAX(alloc_hint, 1u);
    v->iov = g_new(struct iovec, v->nalloc);
    v->niov = 0;
    v->size = 0;
}

void iovector_init_external(IOVector *v, struct iovec *iov, unsigned niov)
{
    v->iov = iov;
    v->niov = niov;
    v->nalloc = 0;
    v->size = 0;
    for (unsigned i = 0; i < niov; i++) {
        v->size += iov[i].iov_len;
    }
}

void iovector_add(IOVector *v, void *base, size_t len)
{
    g_assert(v->nalloc); /* an external array cannot grow */
    if (!len) {
        return;
    }
    if (v->niov == v->nalloc) {
        v->nalloc *= 2;
        v->iov = g_renew(struct iovec, v->iov, v->nalloc);
    }
    v->iov[v->niov].iov_base = base;
    v->iov[v->niov].iov_len = len;
    v->niov++;
    v->size += len;
}

void iovector_reset(IOVector *v)
{
    g_assert(v->nalloc);
    v->niov = 0;
    v->size = 0;
}

void iovector_destroy(IOVector *v)
{
    if (v->nalloc) {
        g_free(v->iov);
    }
    memset(v, 0, sizeof(*v));
}

/*
 * Walks the pieces of [offset, offset + bytes) in the vector, calling fn
 * for each with the piece's host address, its offset in the walk and its
 * length. Returns the bytes walked.
 */
static uint64_t iovector_walk(const IOVector *v, uint64_t offset,
                              uint64_t bytes,
                              void (*fn)(uint8_t *host, uint64_t done,
                                         size_t len, void *opaque),
                              void *opaque)
{
    uint64_t done = 0;

    for (unsigned i = 0; i < v->niov && done < bytes; i++) {
        size_t len = v->iov[i].iov_len;

        if (offset >= len) {
            offset -= len;
            continue;
        }
        len = MIN(len - offset, bytes - done);
        fn((uint8_t *)v->iov[i].iov_base + offset, done, len, opaque);
        done += len;
        offset = 0;
    }
    return done;
}

static void copy_out(uint8_t *host, uint64_t done, size_t len, void *buf)
{
    memcpy((uint8_t *)buf + done, host, len);
}

static void copy_in(uint8_t *host, uint64_t done, size_t len, void *buf)
{
    memcpy(host, (const uint8_t *)buf + done, len);
}

static void fill(uint8_t *host, uint64_t done, size_t len, void *c)
{
    memset(host, *(int *)c, len);
}

uint64_t iovector_to_buf(const IOVector *v, uint64_t offset, void *buf,
                         uint64_t bytes)
{
    return iovector_walk(v, offset, bytes, copy_out, buf);
}

uint64_t iovector_from_buf(IOVector *v, uint64_t offset, const void *buf,
                           uint64_t bytes)
{
    return iovector_walk(v, offset, bytes, copy_in, (void *)buf);
}

uint64_t iovector_memset(IOVector *v, uint64_t offset, int c, uint64_t bytes)
{
    return iovector_walk(v, offset, bytes, fill, &c);
}
