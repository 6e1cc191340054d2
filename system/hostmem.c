/* Host memory backends (include/system/hostmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "system/hostmem.h"
#include "util/cutils.h"
#include "util/error.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

typedef struct HostMemoryBackend {
    char *id;
    bool file; /* memory-backend-file */
    uint64_t size;
    bool share, prealloc;
    char *mem_path;
    void *ptr;
} HostMemoryBackend;

static GPtrArray *backends; /* HostMemoryBackend * */

static HostMemoryBackend *backend_find(const char *id)
{
    for (unsigned i = 0; backends && i < backends->len; i++) {
        HostMemoryBackend *b = g_ptr_array_index(backends, i);

        if (!strcmp(b->id, id)) {
            return b;
        }
    }
    return NULL;
}

bool host_memory_backend_add(const char *type, KeyValList *kv, GError **errp)
{
    g_autofree HostMemoryBackend *b = g_new0(HostMemoryBackend, 1);
    const char *id = keyval_get(kv, "id");
    bool ignored;

    b->file = !strcmp(type, "memory-backend-file");
    if (!keyval_get_size(kv, "size", 0, &b->size, errp) ||
        !keyval_get_bool(kv, "share", false, &b->share, errp) ||
        !keyval_get_bool(kv, "prealloc", false, &b->prealloc, errp) ||
        /* QEMU's tuning knobs: accepted with their default meaning */
        !keyval_get_bool(kv, "merge", true, &ignored, errp) ||
        !keyval_get_bool(kv, "dump", true, &ignored, errp) ||
        (b->file &&
         !keyval_get_bool(kv, "discard-data", false, &ignored, errp))) {
        return false;
    }
    keyval_mark_used(kv, "policy");
    keyval_mark_used(kv, "x-use-canonical-path-for-ramblock-id");
    if (b->file) {
        b->mem_path = g_strdup(keyval_get(kv, "mem-path"));
        keyval_mark_used(kv, "align");
        keyval_mark_used(kv, "readonly");
    }
    if (!keyval_check_unused(kv, errp)) {
        g_free(b->mem_path);
        return false;
    }
    if (!b->size) {
        g_free(b->mem_path);
        return error_setg(errp, "can't create backend with size 0");
    }
    if (b->file && !b->mem_path) {
        return error_setg(errp, "mem-path property not set");
    }
    b->id = g_strdup(id);
    if (!backends) {
        backends = g_ptr_array_new();
    }
    g_ptr_array_add(backends, g_steal_pointer(&b));
    return true;
}

bool host_memory_backend_exists(const char *id)
{
    return backend_find(id) != NULL;
}

void host_memory_prealloc(void *p, uint64_t size)
{
    long page = sysconf(_SC_PAGESIZE);

    if (madvise(p, size, MADV_POPULATE_WRITE) == 0) {
        return;
    }
    /* Older kernels: write each page (its content is zero anyway). */
    for (uint64_t off = 0; off < size; off += page) {
        volatile uint8_t *b = (uint8_t *)p + off;

        *b = *b;
    }
}

void *host_memory_map_path(const char *path, uint64_t size, bool share,
                           bool prealloc, GError **errp)
{
    struct stat st;
    int fd;
    void *p;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_autofree char *tmpl =
            g_build_filename(path, "pcvm_back_mem.XXXXXX", NULL);

        fd = mkostemp(tmpl, O_CLOEXEC);
        if (fd >= 0) {
            unlink(tmpl); /* the memory goes with pcvm */
        }
    } else {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        error_setg(errp, "can't open backing store %s for guest RAM: %s", path,
                   g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size < size && ftruncate(fd, size) < 0) {
        error_setg(errp, "can't resize %s to %" PRIu64 " bytes: %s", path, size,
                   g_strerror(errno));
        close(fd);
        return NULL;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE,
             share ? MAP_SHARED : MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        error_setg(errp, "unable to map backing store for guest RAM: %s",
                   g_strerror(errno));
        return NULL;
    }
    if (prealloc) {
        host_memory_prealloc(p, size);
    }
    return p;
}

bool host_memory_backends_create(GError **errp)
{
    for (unsigned i = 0; backends && i < backends->len; i++) {
        HostMemoryBackend *b = g_ptr_array_index(backends, i);

        if (b->ptr) {
            continue;
        }
        if (b->file) {
            b->ptr = host_memory_map_path(b->mem_path, b->size, b->share,
                                          b->prealloc, errp);
            if (!b->ptr) {
                return false;
            }
            continue;
        }
        b->ptr = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
                      (b->share ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
                          MAP_NORESERVE,
                      -1, 0);
        if (b->ptr == MAP_FAILED) {
            b->ptr = NULL;
            return error_setg(errp,
                              "cannot allocate memory backend '%s' (%" PRIu64
                              " bytes): %s",
                              b->id, b->size, g_strerror(errno));
        }
        if (b->prealloc) {
            host_memory_prealloc(b->ptr, b->size);
        }
    }
    return true;
}

void *host_memory_backend_get(const char *id, uint64_t *size)
{
    HostMemoryBackend *b = backend_find(id);

    if (!b) {
        return NULL;
    }
    *size = b->size;
    return b->ptr;
}
