/* Host memory backends (include/system/hostmem.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "system/hostmem.h"
#include "qom/user-object.h"
#include "util/cutils.h"
#include "util/error.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

typedef struct HostMemoryBackend {
    Object parent_obj;
    char *id;
    bool file; /* memory-backend-file */
    uint64_t size;
    bool share, prealloc;
    char *mem_path;
    void *ptr;
    bool used; /* guest RAM: object-del refuses */
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

static GVariant *backend_get_size(Object *obj, void *opaque)
{
    return g_variant_new_uint64(((HostMemoryBackend *)obj)->size);
}

static GVariant *backend_get_share(Object *obj, void *opaque)
{
    return g_variant_new_boolean(((HostMemoryBackend *)obj)->share);
}

static GVariant *backend_get_prealloc(Object *obj, void *opaque)
{
    return g_variant_new_boolean(((HostMemoryBackend *)obj)->prealloc);
}

static GVariant *backend_get_mem_path(Object *obj, void *opaque)
{
    HostMemoryBackend *b = (HostMemoryBackend *)obj;

    return g_variant_new_string(b->mem_path ? b->mem_path : "");
}

static void backend_free(HostMemoryBackend *b)
{
    if (b->ptr) {
        munmap(b->ptr, b->size);
    }
    object_finalize(OBJECT(b));
    g_free(b->mem_path);
    g_free(b->id);
    g_free(b);
}

/*
 * memory-backend-ram|memory-backend-file,id=ID,size=S[,share=][,prealloc=]
 * [,mem-path=P][,discard-data=][,merge=][,dump=]: checked and remembered;
 * the memory is mapped by host_memory_backends_create().
 */
static Object *backend_create(const char *id, KeyValList *kv, GError **errp)
{
    const char *type = keyval_get(kv, "qom-type");
    HostMemoryBackend *b = g_new0(HostMemoryBackend, 1);
    bool ignored;

    object_init(OBJECT(b), type);
    b->id = g_strdup(id);
    b->file = !strcmp(type, "memory-backend-file");
    if (!keyval_get_size(kv, "size", 0, &b->size, errp) ||
        !keyval_get_bool(kv, "share", false, &b->share, errp) ||
        !keyval_get_bool(kv, "prealloc", false, &b->prealloc, errp) ||
        /* QEMU's tuning knobs: accepted with their default meaning */
        !keyval_get_bool(kv, "merge", true, &ignored, errp) ||
        !keyval_get_bool(kv, "dump", true, &ignored, errp) ||
        (b->file &&
         !keyval_get_bool(kv, "discard-data", false, &ignored, errp))) {
        backend_free(b);
        return NULL;
    }
    keyval_mark_used(kv, "policy");
    keyval_mark_used(kv, "x-use-canonical-path-for-ramblock-id");
    if (b->file) {
        b->mem_path = g_strdup(keyval_get(kv, "mem-path"));
        keyval_mark_used(kv, "align");
        keyval_mark_used(kv, "readonly");
    }
    if (!keyval_check_unused(kv, errp)) {
        backend_free(b);
        return NULL;
    }
    if (!b->size) {
        backend_free(b);
        error_setg(errp, "can't create backend with size 0");
        return NULL;
    }
    if (b->file && !b->mem_path) {
        backend_free(b);
        error_setg(errp, "mem-path property not set");
        return NULL;
    }
    object_add_property(OBJECT(b), "size", "uint64", backend_get_size, NULL,
                        "size of the memory region in bytes");
    object_add_property(OBJECT(b), "share", "bool", backend_get_share, NULL,
                        "mark the memory as private to QEMU or shared");
    object_add_property(OBJECT(b), "prealloc", "bool", backend_get_prealloc,
                        NULL, "preallocate memory");
    if (b->file) {
        object_add_property(OBJECT(b), "mem-path", "string",
                            backend_get_mem_path, NULL,
                            "file to use for the backing store");
    }
    if (!backends) {
        backends = g_ptr_array_new();
    }
    g_ptr_array_add(backends, b);
    return OBJECT(b);
}

static bool backend_in_use(Object *obj)
{
    return ((HostMemoryBackend *)obj)->used;
}

static void backend_destroy(Object *obj)
{
    g_ptr_array_remove(backends, obj);
    backend_free((HostMemoryBackend *)obj);
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
    b->used = true;
    *size = b->size;
    return b->ptr;
}

static const UserObjectKind backend_kinds[] = {
    {"memory-backend-ram", backend_create, backend_destroy, backend_in_use},
    {"memory-backend-file", backend_create, backend_destroy, backend_in_use},
};

static void __attribute__((constructor)) host_memory_backend_register(void)
{
    type_register_simple("memory-backend", "object", true);
    for (unsigned i = 0; i < G_N_ELEMENTS(backend_kinds); i++) {
        type_register_simple(backend_kinds[i].type, "memory-backend", false);
        user_object_kind_register(&backend_kinds[i]);
    }
}
