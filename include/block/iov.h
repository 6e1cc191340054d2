/*
 * I/O vectors: an ordered list of host buffers (struct iovec) that one
 * block request reads into or writes from, so that a device can hand the
 * block layer a guest's scatter list mapped in place (system/dma.h)
 * instead of copying it through one flat buffer.
 *
 * A vector either owns its array (iovector_init, grown by iovector_add)
 * or wraps an array the caller keeps alive (iovector_init_external); the
 * buffers themselves always belong to the caller. size is the sum of the
 * element lengths.
 */
#ifndef BLOCK_IOV_H
#define BLOCK_IOV_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/uio.h>

typedef struct IOVector {
    struct iovec *iov;
    unsigned niov;
    unsigned nalloc; /* 0: iov belongs to the caller, the vector is fixed */
    uint64_t size;
} IOVector;

void iovector_init(IOVector *v, unsigned alloc_hint);
/* Wraps iov[0..niov) without copying it; iovector_add may not be used. */
void iovector_init_external(IOVector *v, struct iovec *iov, unsigned niov);
/* Appends len bytes at base; zero-length pieces are skipped. */
void iovector_add(IOVector *v, void *base, size_t len);
/* Empties the vector, keeping its array for reuse. */
void iovector_reset(IOVector *v);
void iovector_destroy(IOVector *v);

/*
 * Copy between the vector, from byte offset in it, and a flat buffer;
 * both return the bytes copied (fewer when the vector ends first).
 */
uint64_t iovector_to_buf(const IOVector *v, uint64_t offset, void *buf,
                         uint64_t bytes);
uint64_t iovector_from_buf(IOVector *v, uint64_t offset, const void *buf,
                           uint64_t bytes);
/* Sets bytes of the vector from offset to c; returns the bytes set. */
uint64_t iovector_memset(IOVector *v, uint64_t offset, int c, uint64_t bytes);

#endif
