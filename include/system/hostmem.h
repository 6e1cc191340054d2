/*
 * Host memory backends: where guest RAM comes from when the command line
 * says (QEMU's -object memory-backend-ram / memory-backend-file with
 * -machine memory-backend=, and -mem-path / -mem-prealloc). Without them
 * the board allocates anonymous private memory itself.
 */
#ifndef SYSTEM_HOSTMEM_H
#define SYSTEM_HOSTMEM_H

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>

#include "util/keyval.h"

/*
 * -object memory-backend-ram|memory-backend-file,id=ID,size=S[,share=]
 * [,prealloc=][,mem-path=P][,discard-data=][,merge=][,dump=] are
 * user-creatable objects (qom/user-object.h) at /objects/ID; their
 * memory is mapped by host_memory_backends_create().
 */
/*
 * Maps every backend. Errors are QEMU's ("can't create backend with size
 * 0", "mem-path property not set", the file's open or mmap error).
 */
bool host_memory_backends_create(GError **errp);
/*
 * The mapping of backend id and its size, which from now on is in use
 * (object-del refuses); NULL if there is none.
 */
void *host_memory_backend_get(const char *id, uint64_t *size);
/*
 * -mem-path PATH (a file, or a directory to make an unlinked one in) and
 * -mem-prealloc: guest RAM of size from there; NULL with errp set.
 */
void *host_memory_map_path(const char *path, uint64_t size, bool share,
                           bool prealloc, GError **errp);
/* Touches every page of [p, p + size) for writing (prealloc=on). */
void host_memory_prealloc(void *p, uint64_t size);

#endif
