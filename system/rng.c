/*
 * The rng-random and rng-builtin object kinds (include/system/rng.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "system/rng.h"
#include "qom/user-object.h"
#include "util/error.h"

struct RngBackend {
    Object parent_obj;
    char *filename; /* rng-random; NULL for rng-builtin */
    int fd;
};

static GVariant *rng_get_filename(Object *obj, void *opaque)
{
    return g_variant_new_string(((RngBackend *)obj)->filename);
}

static Object *rng_create(const char *id, KeyValList *kv, GError **errp)
{
    const char *type = keyval_get(kv, "qom-type");
    RngBackend *rng = g_new0(RngBackend, 1);

    object_init(OBJECT(rng), type);
    rng->fd = -1;
    if (!strcmp(type, "rng-random")) {
        const char *file = keyval_get(kv, "filename");

        rng->filename = g_strdup(file ? file : "/dev/urandom");
        rng->fd = open(rng->filename, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (rng->fd < 0) {
            error_setg(errp, "Could not open '%s': %s", rng->filename,
                       g_strerror(errno));
            object_finalize(OBJECT(rng));
            g_free(rng->filename);
            g_free(rng);
            return NULL;
        }
        object_add_property(OBJECT(rng), "filename", "string", rng_get_filename,
                            NULL, NULL);
    }
    /* opened= is QEMU's old way to open early; the file opens now anyway */
    keyval_mark_used(kv, "opened");
    return OBJECT(rng);
}

static void rng_destroy(Object *obj)
{
    RngBackend *rng = (RngBackend *)obj;

    if (rng->fd >= 0) {
        close(rng->fd);
    }
    object_finalize(obj);
    g_free(rng->filename);
    g_free(rng);
}

RngBackend *rng_backend_find(const char *id)
{
    g_autofree char *path = g_strdup_printf("/objects/%s", id);

    return (RngBackend *)object_resolve_path_type(path, TYPE_RNG_BACKEND, NULL);
}

ssize_t rng_backend_read(RngBackend *rng, void *buf, size_t len)
{
    ssize_t n;

    do {
        n = rng->fd >= 0 ? read(rng->fd, buf, len)
                         : getrandom(buf, len, GRND_NONBLOCK);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EAGAIN ? 0 : -errno;
    }
    return n;
}

static const UserObjectKind rng_kinds[] = {
    {"rng-random", rng_create, rng_destroy},
    {"rng-builtin", rng_create, rng_destroy},
};

static void __attribute__((constructor)) rng_register(void)
{
    type_register_simple(TYPE_RNG_BACKEND, "object", true);
    for (unsigned i = 0; i < G_N_ELEMENTS(rng_kinds); i++) {
        type_register_simple(rng_kinds[i].type, TYPE_RNG_BACKEND, false);
        user_object_kind_register(&rng_kinds[i]);
    }
}
