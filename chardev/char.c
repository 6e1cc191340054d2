/*
 * The chardev core: the backend registry, creation from -chardev options and
 * from the legacy -serial/-monitor spellings, the list "info chardev" reads,
 * the QOM objects under /chardevs, and the front-end calls devices make.
 *
 * Follows QEMU's documented -chardev behaviour: common options id=, mux=on
 * (the backend is created as "ID-base" with a mux named ID on top), logfile=
 * and logappend=. Left out: chardev-add/remove at run time, and the legacy
 * spellings for host serial/parallel ports, pipe:, udp: and telnet:.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chardev/char-internal.h"
#include "system/main-loop.h"
#include "util/error.h"
#include "util/cutils.h"

static GPtrArray *backend_classes; /* of const ChardevClass * */
static GPtrArray *chardevs;        /* of Chardev *, in creation order */

void chardev_class_register(const ChardevClass *klass)
{
    /* QEMU's QOM type name for the backend, as qom-list-types shows it. */
    g_autofree char *type = g_strdup_printf("chardev-%s", klass->name);

    g_assert(klass->instance_size >= sizeof(Chardev));
    g_assert(!chardev_class_find(klass->name));
    if (!backend_classes) {
        backend_classes = g_ptr_array_new();
    }
    g_ptr_array_add(backend_classes, (gpointer)klass);
    type_register_simple(type, "chardev", false);
}

const ChardevClass *chardev_class_find(const char *name)
{
    for (unsigned i = 0; backend_classes && i < backend_classes->len; i++) {
        const ChardevClass *klass = g_ptr_array_index(backend_classes, i);

        if (!strcmp(klass->name, name)) {
            return klass;
        }
    }
    return NULL;
}

static gint class_name_compare(gconstpointer a, gconstpointer b)
{
    const ChardevClass *ka = *(const ChardevClass *const *)a;
    const ChardevClass *kb = *(const ChardevClass *const *)b;

    return strcmp(ka->name, kb->name);
}

void chardev_print_backends(FILE *out)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();

    for (unsigned i = 0; backend_classes && i < backend_classes->len; i++) {
        g_ptr_array_add(sorted, g_ptr_array_index(backend_classes, i));
    }
    g_ptr_array_sort(sorted, class_name_compare);
    fprintf(out, "Available chardev backend types:\n");
    for (unsigned i = 0; i < sorted->len; i++) {
        fprintf(out, "  %s\n", ((const ChardevClass *)sorted->pdata[i])->name);
    }
}

Chardev *chardev_find(const char *id)
{
    for (unsigned i = 0; chardevs && i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);

        if (!strcmp(chr->id, id)) {
            return chr;
        }
    }
    return NULL;
}

GPtrArray *chardev_list(void)
{
    if (!chardevs) {
        chardevs = g_ptr_array_new();
    }
    return chardevs;
}

static void chardev_free(Chardev *chr)
{
    object_unparent(OBJECT(chr));
    g_ptr_array_unref(OBJECT(chr)->properties);
    g_free(chr->id);
    g_free(chr->filename);
    g_free(chr);
}

static void chardev_close(Chardev *chr)
{
    if (chr->closed) {
        return;
    }
    chr->closed = true;
    if (chr->klass->close) {
        chr->klass->close(chr);
    }
    if (chr->log_fd >= 0) {
        close(chr->log_fd);
        chr->log_fd = -1;
    }
}

Chardev *chardev_new_with_class(const ChardevClass *klass, const char *id,
                                KeyValList *opts, GError **errp)
{
    static bool atexit_installed;
    Chardev *chr = g_malloc0(klass->instance_size);
    g_autofree char *type = g_strdup_printf("chardev-%s", klass->name);

    object_init(OBJECT(chr), type);
    chr->klass = klass;
    chr->id = g_strdup(id);
    chr->connected = true;
    chr->log_fd = -1;
    if (!klass->open(chr, opts, errp)) {
        chardev_free(chr);
        return NULL;
    }
    if (!keyval_check_unused(opts, errp)) {
        chardev_close(chr);
        chardev_free(chr);
        return NULL;
    }
    if (!chr->filename) {
        chr->filename = g_strdup(klass->name);
    }
    /* Callers check the id is free; this only guards against a slip. */
    if (!object_try_add_child(object_container_get("/chardevs"), id,
                              OBJECT(chr), errp)) {
        chardev_close(chr);
        chardev_free(chr);
        return NULL;
    }
    g_ptr_array_add(chardev_list(), chr);
    if (!atexit_installed) {
        /* Whatever way pcvm exits, the terminal gets its settings back. */
        atexit(chardev_close_all);
        atexit_installed = true;
    }
    return chr;
}

static bool chardev_open_log(Chardev *chr, const char *path, bool append,
                             GError **errp)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);

    chr->log_fd = open(path, flags, 0666);
    if (chr->log_fd < 0) {
        return error_setg(errp, "Unable to open logfile %s: %s", path,
                          g_strerror(errno));
    }
    return true;
}

/* Drops a chardev that never made it to the list. */
static void chardev_unlist_and_free(Chardev *chr)
{
    chardev_close(chr);
    g_ptr_array_remove(chardev_list(), chr);
    chardev_free(chr);
}

static Chardev *chardev_new_from_keyval(KeyValList *kv, GError **errp)
{
    const char *backend = keyval_get(kv, "backend");
    const char *id = keyval_get(kv, "id");
    const char *logfile = keyval_get(kv, "logfile");
    const ChardevClass *klass;
    bool mux, logappend;
    Chardev *chr, *base = NULL;

    if (!backend || !*backend) {
        error_setg(errp, "Parameter 'backend' is missing");
        return NULL;
    }
    klass = chardev_class_find(backend);
    if (!klass) {
        error_setg(errp, "chardev: backend '%s' not found", backend);
        return NULL;
    }
    if (!id) {
        error_setg(errp, "chardev: no id specified");
        return NULL;
    }
    if (!id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    if (chardev_find(id)) {
        error_setg(errp, "Duplicate ID '%s' for chardev", id);
        return NULL;
    }
    if (!keyval_get_bool(kv, "mux", false, &mux, errp) ||
        !keyval_get_bool(kv, "logappend", false, &logappend, errp)) {
        return NULL;
    }
    if (mux) {
        g_autofree char *base_id = g_strdup_printf("%s-base", id);

        if (klass == &chardev_mux_class) {
            error_setg(errp, "chardev: mux=on cannot be used with 'mux'");
            return NULL;
        }
        if (chardev_find(base_id)) {
            error_setg(errp, "Duplicate ID '%s' for chardev", base_id);
            return NULL;
        }
        base = chardev_new_with_class(klass, base_id, kv, errp);
        if (!base) {
            return NULL;
        }
        chr = chardev_mux_new(id, base, errp);
        if (!chr) {
            chardev_unlist_and_free(base);
            return NULL;
        }
    } else {
        chr = chardev_new_with_class(klass, id, kv, errp);
        if (!chr) {
            return NULL;
        }
    }
    /* With mux=on the log goes on the mux, which every front end writes. */
    if (logfile && !chardev_open_log(chr, logfile, logappend, errp)) {
        chardev_unlist_and_free(chr);
        if (base) {
            chardev_unlist_and_free(base);
        }
        return NULL;
    }
    return chr;
}

Chardev *chardev_new_from_options(const char *options, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(options, "backend", errp);

    if (!kv) {
        return NULL;
    }
    return chardev_new_from_keyval(kv, errp);
}

/* Appends ",key=value" with commas in the value doubled. */
static void append_option(GString *out, const char *key, const char *value)
{
    g_string_append_printf(out, ",%s=", key);
    for (const char *p = value; *p; p++) {
        if (*p == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, *p);
    }
}

/*
 * Copies "key=value,flag,..." options onto out, translating the old
 * "noKEY" flags ("nowait") to "KEY=off".
 */
static bool append_legacy_options(GString *out, const char *opts,
                                  const char *implied_key, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(opts, implied_key, errp);

    if (!kv) {
        return false;
    }
    for (unsigned i = 0; i < keyval_count(kv); i++) {
        const char *key = keyval_key_at(kv, i);
        const char *value = keyval_value_at(kv, i);

        if (g_str_has_prefix(key, "no") && strcmp(key, "nodelay") &&
            !strcmp(value, "on") && key[2]) {
            append_option(out, key + 2, "off");
        } else {
            append_option(out, key, value);
        }
    }
    return true;
}

/* "tcp:[HOST]:PORT[,opts]" (HOST may be "[v6addr]") to socket options. */
static bool legacy_tcp(GString *out, const char *spec, GError **errp)
{
    const char *p = spec, *colon, *comma;
    g_autofree char *host = NULL;

    if (*p == '[') {
        const char *end = strchr(p, ']');

        if (!end || end[1] != ':') {
            return error_setg(errp, "chardev: 'tcp:%s': expected HOST:PORT",
                              spec);
        }
        host = g_strndup(p + 1, end - p - 1);
        colon = end + 1;
    } else {
        colon = strchr(p, ':');
        if (!colon) {
            return error_setg(errp, "chardev: 'tcp:%s': expected HOST:PORT",
                              spec);
        }
        host = g_strndup(p, colon - p);
    }
    comma = strchr(colon + 1, ',');
    g_string_append(out, "socket");
    append_option(out, "host", host);
    if (comma) {
        g_autofree char *port = g_strndup(colon + 1, comma - colon - 1);

        append_option(out, "port", port);
        return append_legacy_options(out, comma + 1, NULL, errp);
    }
    append_option(out, "port", colon + 1);
    return true;
}

Chardev *chardev_new_from_legacy(const char *spec, const char *id,
                                 GError **errp)
{
    g_autoptr(GString) opts = g_string_new(NULL);
    const char *p;
    bool mux = false;

    if (!strcmp(spec, "none")) {
        return NULL;
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        Chardev *chr = chardev_find(spec + strlen("chardev:"));

        if (!chr) {
            error_setg(errp, "chardev '%s' not found",
                       spec + strlen("chardev:"));
        }
        return chr;
    }
    if (g_str_has_prefix(spec, "mon:")) {
        spec += strlen("mon:");
        mux = true;
    }
    if (!strcmp(spec, "stdio")) {
        g_string_append(opts, "stdio");
        if (mux) {
            /* The monitor shares the terminal: Ctrl-C goes to the guest. */
            g_string_append(opts, ",signal=off");
        }
    } else if (!strcmp(spec, "null") || !strcmp(spec, "pty")) {
        g_string_append(opts, spec);
    } else if (g_str_has_prefix(spec, "file:")) {
        g_string_append(opts, "file");
        append_option(opts, "path", spec + strlen("file:"));
    } else if ((p = g_str_has_prefix(spec, "unix:") ? spec + 5 : NULL)) {
        g_string_append(opts, "socket");
        if (!append_legacy_options(opts, p, "path", errp)) {
            return NULL;
        }
    } else if ((p = g_str_has_prefix(spec, "tcp:") ? spec + 4 : NULL)) {
        if (!legacy_tcp(opts, p, errp)) {
            return NULL;
        }
    } else {
        g_autofree char *name = g_strndup(spec, strcspn(spec, ":,"));

        error_setg(errp, "chardev: backend '%s' not found", name);
        return NULL;
    }
    append_option(opts, "id", id);
    if (mux) {
        g_string_append(opts, ",mux=on");
    }
    return chardev_new_from_options(opts->str, errp);
}

void chardev_close_all(void)
{
    /* Newest first, so a mux lets go of its backend before that closes. */
    for (int i = (int)chardev_list()->len - 1; i >= 0; i--) {
        chardev_close(g_ptr_array_index(chardevs, i));
    }
}

static bool chardev_is_mux(Chardev *chr)
{
    return chr->klass == &chardev_mux_class;
}

/* Backend side. */

void chardev_be_event(Chardev *chr, CharEvent event)
{
    CharFrontend *fe = chr->fe;

    if (fe && fe->event) {
        fe->event(fe->opaque, event);
    }
}

int chardev_be_can_receive(Chardev *chr)
{
    CharFrontend *fe = chr->fe;

    if (chr->closed || !fe || !fe->receive) {
        return 0;
    }
    if (!fe->can_receive) {
        return 4096;
    }
    return MAX(fe->can_receive(fe->opaque), 0);
}

void chardev_be_receive(Chardev *chr, const uint8_t *buf, int len)
{
    CharFrontend *fe = chr->fe;

    if (!chr->closed && fe && fe->receive && len > 0) {
        fe->receive(fe->opaque, buf, len);
    }
}

/* Front-end side. */

bool chardev_fe_init(CharFrontend *fe, Chardev *chr, GError **errp)
{
    if (chr && chardev_is_mux(chr)) {
        return mux_frontend_attach(chr, fe, errp);
    }
    fe->mux_index = -1;
    if (!chr) {
        fe->chr = NULL;
        return true;
    }
    if (chr->fe && chr->fe != fe) {
        return error_setg(errp, "chardev '%s' is already in use", chr->id);
    }
    chr->fe = fe;
    fe->chr = chr;
    return true;
}

void chardev_fe_deinit(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (!chr) {
        return;
    }
    if (chardev_is_mux(chr)) {
        mux_frontend_detach(chr, fe);
    } else if (chr->fe == fe) {
        chr->fe = NULL;
    }
    fe->chr = NULL;
    fe->mux_index = -1;
}

void chardev_fe_set_handlers(CharFrontend *fe, CharCanReceive *can_receive,
                             CharReceive *receive, CharEventHandler *event,
                             void *opaque)
{
    Chardev *chr = fe->chr;

    fe->can_receive = can_receive;
    fe->receive = receive;
    fe->event = event;
    fe->opaque = opaque;
    if (!chr || chr->closed) {
        return;
    }
    if (chardev_is_mux(chr)) {
        mux_frontend_handlers_set(chr, fe);
    } else if (chr->klass->frontend_attached) {
        chr->klass->frontend_attached(chr);
    } else if (chr->connected && event) {
        /* Attaching to an open backend: tell the front end it is open. */
        event(opaque, CHR_EVENT_OPENED);
    }
    /* The input watches re-check can_receive on the next iteration. */
    main_loop_wakeup();
}

/* Returns false when the peer hung up while we waited. */
static bool chardev_wait_writable(Chardev *chr)
{
    int fd = chr->klass->write_fd ? chr->klass->write_fd(chr) : -1;
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};

    if (fd < 0) {
        g_usleep(1000);
        return true;
    }
    if (poll(&pfd, 1, 1000) > 0 &&
        (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) &&
        !(pfd.revents & POLLOUT)) {
        return false;
    }
    return true;
}

void chardev_write_blocking(Chardev *chr, const uint8_t *buf, int len)
{
    int done = 0;

    while (done < len && !chr->closed) {
        int n = chr->klass->write(chr, buf + done, len - done);

        if (n < 0) {
            return; /* no peer: the bytes are dropped */
        }
        if (n == 0 && !chardev_wait_writable(chr)) {
            return;
        }
        done += n;
    }
}

int chardev_fe_write_all(CharFrontend *fe, const uint8_t *buf, int len)
{
    Chardev *chr = fe->chr;

    if (!chr || chr->closed || len <= 0) {
        return len;
    }
    if (chr->log_fd >= 0) {
        for (int done = 0; done < len;) {
            ssize_t n = write(chr->log_fd, buf + done, len - done);

            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            done += n;
        }
    }
    chardev_write_blocking(chr, buf, len);
    return len;
}

void chardev_fe_accept_input(CharFrontend *fe)
{
    Chardev *chr = fe->chr;

    if (!chr || chr->closed) {
        return;
    }
    if (chr->klass->accept_input) {
        chr->klass->accept_input(chr);
    }
    main_loop_wakeup();
}

bool chardev_fe_backend_connected(CharFrontend *fe)
{
    return fe->chr && !fe->chr->closed && fe->chr->connected;
}
