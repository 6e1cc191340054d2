/*
 * Random number backends (-object rng-random,id=ID[,filename=PATH] and
 * -object rng-builtin,id=ID): where an entropy device such as virtio-rng
 * gets its bytes. rng-random reads a file (default /dev/urandom, as QEMU),
 * opened when the object is made; rng-builtin asks the kernel
 * (getrandom(2)).
 */
#ifndef SYSTEM_RNG_H
#define SYSTEM_RNG_H

#include <glib.h>
#include <sys/types.h>

#define TYPE_RNG_BACKEND "rng-backend"

typedef struct RngBackend RngBackend;

/* The backend at /objects/ID, or NULL (also when ID is something else). */
RngBackend *rng_backend_find(const char *id);
/*
 * Up to len random bytes into buf, as many as there are now (never
 * blocking); 0 when the source has none at the moment, -errno on failure.
 */
ssize_t rng_backend_read(RngBackend *rng, void *buf, size_t len);

#endif
