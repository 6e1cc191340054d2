/*
 * The VNC server: RFB (RFC 6143; versions 3.3, 3.7 and 3.8) on a TCP or
 * unix socket, showing the first graphic console.
 *
 * Security types None and VNC authentication (DES challenge-response,
 * ui/vnc-des.c). Encodings raw, hextile and zlib (ui/vnc-enc.c, one zlib
 * stream per client, as the protocol wants), with the DesktopSize (-223)
 * and QEMU extended key event (-258) pseudo-encodings. Client pixel
 * formats of 8, 16 and 32 bits per pixel, true colour only.
 *
 * The console marks its whole surface changed at every render, so each
 * client keeps a shadow copy of what it was last sent and incremental
 * updates send the 16x16 tiles that differ from it. A refresh timer on
 * the main loop renders while some client waits for an update.
 *
 * Clients never stall the guest or the main loop: sockets are
 * non-blocking, output waits in a per-client buffer, no update is made
 * for a client whose buffer holds more than VNC_OUTPUT_SOFT_LIMIT, and a
 * client whose buffer passes VNC_OUTPUT_HARD_LIMIT is dropped.
 *
 * Left out: copyrect, tight, ZRLE, websockets, TLS/SASL, colour maps,
 * exclusive (non-shared) sessions, the clipboard (ClientCutText is read
 * and ignored), audio.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include <glib-unix.h>

#include "qapi/qmp-registry.h"
#include "system/main-loop.h"
#include "ui/console.h"
#include "ui/input.h"
#include "ui/vnc-des.h"
#include "ui/vnc-keysym.h"
#include "ui/vnc-internal.h"
#include "ui/vnc.h"
#include "util/error.h"
#include "util/keyval.h"
#include "util/log.h"

static VncServer *vnc_server;

static void vnc_client_update(VncClient *c, DisplaySurface *s);
static void vnc_refresh_arm(VncServer *vs);

/* ---- display specs ------------------------------------------------------ */

typedef struct VncSpec {
    bool none;
    bool is_unix;
    char *path;
    char *host;
    char *port;
    bool password;
} VncSpec;

static void vnc_spec_clear(VncSpec *spec)
{
    g_free(spec->path);
    g_free(spec->host);
    g_free(spec->port);
}

static bool vnc_spec_parse(const char *str, VncSpec *spec, GError **errp)
{
    g_autoptr(KeyValList) kv = keyval_parse(str, "vnc", errp);
    const char *addr, *colon;
    char *end;
    long display;

    memset(spec, 0, sizeof(*spec));
    if (!kv) {
        return false;
    }
    addr = keyval_get(kv, "vnc");
    if (!addr || !*addr) {
        return error_setg(errp, "VNC display is missing");
    }
    if (!keyval_get_bool(kv, "password", false, &spec->password, errp) ||
        !keyval_check_unused(kv, errp)) {
        return false;
    }
    if (!strcmp(addr, "none")) {
        spec->none = true;
        return true;
    }
    if (g_str_has_prefix(addr, "unix:")) {
        if (!addr[5]) {
            return error_setg(errp, "VNC unix socket path is empty");
        }
        spec->is_unix = true;
        spec->path = g_strdup(addr + 5);
        return true;
    }
    colon = strrchr(addr, ':');
    if (!colon) {
        return error_setg(
            errp, "VNC display '%s' is not [HOST]:N, unix:PATH or none", addr);
    }
    errno = 0;
    display = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || display < 0 ||
        display > 65535 - VNC_PORT_BASE) {
        return error_setg(errp, "VNC display number '%s' is not 0..%d",
                          colon + 1, 65535 - VNC_PORT_BASE);
    }
    if (addr[0] == '[' && colon > addr && colon[-1] == ']') {
        spec->host = g_strndup(addr + 1, colon - addr - 2);
    } else {
        spec->host = g_strndup(addr, colon - addr);
    }
    spec->port = g_strdup_printf("%ld", VNC_PORT_BASE + display);
    return true;
}

bool vnc_display_check(const char *spec, GError **errp)
{
    VncSpec parsed;
    bool ok = vnc_spec_parse(spec, &parsed, errp);

    vnc_spec_clear(&parsed);
    return ok;
}

/* ---- sockets ------------------------------------------------------------ */

static bool vnc_address_describe(const struct sockaddr_storage *ss,
                                 socklen_t len, char **host, char **service,
                                 const char **family)
{
    char h[NI_MAXHOST], p[NI_MAXSERV];

    if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;

        *host = g_strdup(
            len > offsetof(struct sockaddr_un, sun_path) ? sun->sun_path : "");
        *service = g_strdup("");
        *family = "unix";
        return true;
    }
    if (getnameinfo((const struct sockaddr *)ss, len, h, sizeof(h), p,
                    sizeof(p), NI_NUMERICHOST | NI_NUMERICSERV)) {
        *host = g_strdup("");
        *service = g_strdup("");
        *family = "unknown";
        return false;
    }
    *host = g_strdup(h);
    *service = g_strdup(p);
    *family = ss->ss_family == AF_INET6 ? "ipv6" : "ipv4";
    return true;
}

static int vnc_listen_unix(const char *path, GError **errp)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long", path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    if (unlink(path) < 0 && errno != ENOENT) {
        error_setg(errp, "Failed to unlink socket %s: %s", path,
                   g_strerror(errno));
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
        listen(fd, 8) < 0) {
        int err = errno;

        if (fd >= 0) {
            close(fd);
        }
        error_setg(errp, "Failed to bind socket to %s: %s", path,
                   g_strerror(err));
        return -1;
    }
    return fd;
}

static int vnc_listen_tcp(const char *host, const char *port, GError **errp)
{
    struct addrinfo hints = {
        .ai_flags = AI_PASSIVE,
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
    };
    struct addrinfo *res, *ai;
    int fd = -1, err = EADDRNOTAVAIL, one = 1;
    int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);

    if (rc) {
        error_setg(errp, "address resolution failed for %s:%s: %s", host, port,
                   gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int off = 0;

        fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6) {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 8) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg(errp, "Failed to bind socket to %s:%s: %s",
                   *host ? host : "*", port, g_strerror(err));
    }
    return fd;
}

/* ---- output ------------------------------------------------------------- */

static void vnc_client_close(VncClient *c);

static gboolean vnc_client_writable(int fd, GIOCondition cond, void *opaque);

static void vnc_flush(VncClient *c)
{
    while (c->out->len && !c->closing) {
        ssize_t n = send(c->fd, c->out->data, MIN(c->out->len, VNC_SEND_CHUNK),
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n > 0) {
            g_byte_array_remove_range(c->out, 0, n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        c->closing = true; /* the peer is gone */
        return;
    }
    if (c->out->len > VNC_OUTPUT_HARD_LIMIT) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "vnc: client %s:%s stopped reading, dropped\n", c->host,
                        c->service);
        c->closing = true;
        return;
    }
    if (c->out->len && !c->out_source) {
        c->out_source = g_unix_fd_source_new(c->fd, G_IO_OUT);
        g_source_set_callback(c->out_source,
                              (GSourceFunc)(void (*)(void))vnc_client_writable,
                              c, NULL);
        g_source_attach(c->out_source, main_loop_context());
    } else if (!c->out->len && c->out_source) {
        g_source_destroy(c->out_source);
        g_source_unref(c->out_source);
        c->out_source = NULL;
    }
}

void vnc_write(VncClient *c, const void *data, size_t len)
{
    g_byte_array_append(c->out, data, len);
}

void vnc_write_u8(VncClient *c, uint8_t v)
{
    vnc_write(c, &v, 1);
}

void vnc_write_u16(VncClient *c, uint16_t v)
{
    uint8_t b[2] = {v >> 8, v};

    vnc_write(c, b, 2);
}

void vnc_write_u32(VncClient *c, uint32_t v)
{
    uint8_t b[4] = {v >> 24, v >> 16, v >> 8, v};

    vnc_write(c, b, 4);
}

static uint16_t read_u16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* ---- QMP information ---------------------------------------------------- */

static JsonObject *vnc_basic_info(const char *host, const char *service,
                                  const char *family)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "host", host);
    json_object_set_string_member(o, "service", service);
    json_object_set_string_member(o, "family", family);
    json_object_set_boolean_member(o, "websocket", false);
    return o;
}

static const char *vnc_auth_name(VncServer *vs)
{
    return vs->auth == VNC_AUTH_VNC ? "vnc" : "none";
}

static JsonObject *vnc_server_info(VncServer *vs)
{
    JsonObject *o = vnc_basic_info(vs->host, vs->service, vs->family);

    json_object_set_string_member(o, "auth", vnc_auth_name(vs));
    return o;
}

static JsonObject *vnc_client_info(VncClient *c)
{
    return vnc_basic_info(c->host, c->service, c->family);
}

static void vnc_event(VncClient *c, const char *name)
{
    JsonObject *data = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_object_set_object_member(data, "server", vnc_server_info(c->server));
    json_object_set_object_member(data, "client", vnc_client_info(c));
    json_node_take_object(node, data);
    qmp_event_emit(name, node);
}

const char *vnc_display_auth(void)
{
    return vnc_server ? vnc_auth_name(vnc_server) : NULL;
}

JsonNode *vnc_query_info(void)
{
    VncServer *vs = vnc_server;
    JsonObject *info = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_object_set_boolean_member(info, "enabled", vs && vs->enabled);
    if (vs && vs->enabled) {
        JsonArray *clients = json_array_new();

        json_object_set_string_member(info, "host", vs->host);
        json_object_set_string_member(info, "service", vs->service);
        json_object_set_string_member(info, "family", vs->family);
        json_object_set_string_member(info, "auth", vnc_auth_name(vs));
        for (GList *l = vs->clients; l; l = l->next) {
            json_array_add_object_element(clients, vnc_client_info(l->data));
        }
        json_object_set_array_member(info, "clients", clients);
    }
    json_node_take_object(node, info);
    return node;
}

/* ---- framebuffer updates ------------------------------------------------ */

static DisplaySurface *vnc_surface(VncServer *vs, bool render)
{
    QemuConsole *con = qemu_console_lookup_by_index(0);

    if (!con) {
        return &vs->blank;
    }
    if (render) {
        graphic_hw_update(con);
    }
    return qemu_console_surface(con);
}

static void vnc_shadow_reset(VncClient *c, int width, int height)
{
    g_free(c->shadow);
    c->fb_width = width;
    c->fb_height = height;
    c->shadow = g_new0(uint32_t, (size_t)width * height);
    c->shadow_valid = false;
}

static bool vnc_tile_changed(VncClient *c, DisplaySurface *s, int x, int y,
                             int w, int h)
{
    for (int row = y; row < y + h; row++) {
        if (memcmp(surface_row(s, row) + x,
                   c->shadow + (size_t)row * c->fb_width + x, w * 4)) {
            return true;
        }
    }
    return false;
}

static void vnc_shadow_store(VncClient *c, DisplaySurface *s, int x, int y,
                             int w, int h)
{
    for (int row = y; row < y + h; row++) {
        memcpy(c->shadow + (size_t)row * c->fb_width + x,
               surface_row(s, row) + x, w * 4);
    }
}

static void vnc_send_rect(VncClient *c, DisplaySurface *s, int x, int y, int w,
                          int h)
{
    switch (c->encoding) {
    case RFB_ENCODING_HEXTILE:
        vnc_send_hextile(c, s, x, y, w, h);
        break;
    case RFB_ENCODING_ZLIB:
        if (!vnc_send_zlib(c, s, x, y, w, h)) {
            c->closing = true;
        }
        break;
    default:
        vnc_send_raw(c, s, x, y, w, h);
        break;
    }
    vnc_shadow_store(c, s, x, y, w, h);
}

static void vnc_send_desktop_size(VncClient *c, int width, int height)
{
    vnc_write_u8(c, RFB_MSG_FB_UPDATE);
    vnc_write_u8(c, 0);
    vnc_write_u16(c, 1);
    vnc_rect_header(c, 0, 0, width, height, RFB_ENCODING_DESKTOP_SIZE);
}

/*
 * Answers the client's pending request from surface s: a changed size
 * first (DesktopSize), then the requested area in full or the tiles that
 * differ from the shadow. Nothing changed: the request keeps waiting.
 */
static void vnc_client_update(VncClient *c, DisplaySurface *s)
{
    int sw = surface_width(s), sh = surface_height(s);
    int x1, y1, x2, y2;
    GArray *rects;

    if (!c->update_requested || c->closing ||
        c->out->len > VNC_OUTPUT_SOFT_LIMIT) {
        return;
    }
    if (sw != c->fb_width || sh != c->fb_height) {
        if (c->has_desktop_size) {
            vnc_send_desktop_size(c, sw, sh);
            vnc_shadow_reset(c, sw, sh);
            c->update_requested = false;
            vnc_flush(c);
            return;
        }
        /*
         * The client cannot resize: keep its size and send what fits,
         * the rest black.
         */
    }
    if (!c->shadow_valid || c->full_requested) {
        x1 = c->shadow_valid ? c->requested.x1 : 0;
        y1 = c->shadow_valid ? c->requested.y1 : 0;
        x2 = c->shadow_valid ? c->requested.x2 : c->fb_width;
        y2 = c->shadow_valid ? c->requested.y2 : c->fb_height;
    } else {
        x1 = c->requested.x1;
        y1 = c->requested.y1;
        x2 = c->requested.x2;
        y2 = c->requested.y2;
    }
    x2 = MIN(x2, MIN(sw, c->fb_width));
    y2 = MIN(y2, MIN(sh, c->fb_height));
    rects = g_array_new(false, false, sizeof(pixman_box32_t));
    if (x1 < x2 && y1 < y2) {
        bool full = !c->shadow_valid || c->full_requested;

        /* Changed tiles, merged along each tile row. */
        for (int ty = y1; ty < y2; ty = (ty / VNC_TILE + 1) * VNC_TILE) {
            int th = MIN((ty / VNC_TILE + 1) * VNC_TILE, y2) - ty;
            int run = -1;

            for (int tx = x1; tx < x2; tx = (tx / VNC_TILE + 1) * VNC_TILE) {
                int tw = MIN((tx / VNC_TILE + 1) * VNC_TILE, x2) - tx;
                bool changed = full || vnc_tile_changed(c, s, tx, ty, tw, th);

                if (changed && run < 0) {
                    run = tx;
                }
                if (!changed && run >= 0) {
                    pixman_box32_t b = {run, ty, tx, ty + th};

                    g_array_append_val(rects, b);
                    run = -1;
                }
            }
            if (run >= 0) {
                pixman_box32_t b = {run, ty, x2, ty + th};

                g_array_append_val(rects, b);
            }
        }
    }
    /* A non-incremental request always gets an answer, even an empty one. */
    if (rects->len || c->full_requested || !c->shadow_valid) {
        vnc_write_u8(c, RFB_MSG_FB_UPDATE);
        vnc_write_u8(c, 0);
        vnc_write_u16(c, MIN(rects->len, 65535));
        for (guint i = 0; i < rects->len && i < 65535; i++) {
            pixman_box32_t *b = &g_array_index(rects, pixman_box32_t, i);

            vnc_send_rect(c, s, b->x1, b->y1, b->x2 - b->x1, b->y2 - b->y1);
        }
        c->update_requested = false;
        c->full_requested = false;
        /* All the client can be sent (its size or the surface's) is sent. */
        if (x1 == 0 && y1 == 0 && x2 == MIN(sw, c->fb_width) &&
            y2 == MIN(sh, c->fb_height)) {
            c->shadow_valid = true;
        }
        vnc_flush(c);
    }
    g_array_free(rects, true);
}

static gboolean vnc_refresh(gpointer opaque)
{
    VncServer *vs = opaque;
    DisplaySurface *s = NULL;
    bool waiting = false;

    for (GList *l = vs->clients; l; l = l->next) {
        VncClient *c = l->data;

        if (c->initialized && c->update_requested &&
            c->out->len <= VNC_OUTPUT_SOFT_LIMIT) {
            if (!s) {
                s = vnc_surface(vs, true);
            }
            vnc_client_update(c, s);
        }
        waiting |= c->initialized && c->update_requested;
    }
    for (GList *l = vs->clients; l;) {
        VncClient *c = l->data;

        l = l->next;
        if (c->closing) {
            vnc_client_close(c);
        }
    }
    if (!waiting) {
        g_source_unref(vs->refresh);
        vs->refresh = NULL;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void vnc_refresh_arm(VncServer *vs)
{
    if (!vs->refresh) {
        vs->refresh = g_timeout_source_new(VNC_REFRESH_MS);
        g_source_set_callback(vs->refresh, vnc_refresh, vs, NULL);
        g_source_attach(vs->refresh, main_loop_context());
    }
}

/* ---- client messages ---------------------------------------------------- */

static void vnc_client_fail(VncClient *c, const char *why)
{
    log_mask_printf(LOG_GUEST_ERROR, "vnc: client %s:%s: %s\n", c->host,
                    c->service, why);
    c->closing = true;
}

static void vnc_set_pixel_format(VncClient *c, const uint8_t *m)
{
    VncPixelFormat pf = {
        .bits_per_pixel = m[4],
        .depth = m[5],
        .big_endian = m[6] != 0,
        .true_colour = m[7] != 0,
        .max = {read_u16(m + 8), read_u16(m + 10), read_u16(m + 12)},
        .shift = {m[14], m[15], m[16]},
    };

    if (pf.bits_per_pixel != 8 && pf.bits_per_pixel != 16 &&
        pf.bits_per_pixel != 32) {
        vnc_client_fail(c, "SetPixelFormat: bits-per-pixel not 8, 16 or 32");
        return;
    }
    if (!pf.true_colour) {
        vnc_client_fail(c, "SetPixelFormat: colour maps are not supported");
        return;
    }
    for (int i = 0; i < 3; i++) {
        if (!pf.max[i] || pf.shift[i] >= pf.bits_per_pixel) {
            vnc_client_fail(c, "SetPixelFormat: bad channel max or shift");
            return;
        }
    }
    c->pf = pf;
    c->pf_native = vnc_format_is_native(&pf);
    /* What the client has is now in another format: send it again. */
    c->shadow_valid = false;
}

static void vnc_set_encodings(VncClient *c, const uint8_t *m, unsigned n)
{
    bool chosen = false;

    c->encoding = RFB_ENCODING_RAW;
    c->has_desktop_size = false;
    c->has_ext_key = false;
    for (unsigned i = 0; i < n; i++) {
        int32_t e = (int32_t)read_u32(m + 4 + 4 * i);

        switch (e) {
        case RFB_ENCODING_RAW:
        case RFB_ENCODING_HEXTILE:
        case RFB_ENCODING_ZLIB:
            if (!chosen) {
                c->encoding = e;
                chosen = true;
            }
            break;
        case RFB_ENCODING_DESKTOP_SIZE:
            c->has_desktop_size = true;
            break;
        case RFB_ENCODING_QEMU_EXT_KEY:
            c->has_ext_key = true;
            break;
        }
    }
    if (c->has_ext_key) {
        /* QEMU's acknowledgement: a pseudo-rectangle of that encoding. */
        vnc_write_u8(c, RFB_MSG_FB_UPDATE);
        vnc_write_u8(c, 0);
        vnc_write_u16(c, 1);
        vnc_rect_header(c, 0, 0, c->fb_width, c->fb_height,
                        RFB_ENCODING_QEMU_EXT_KEY);
        vnc_flush(c);
    }
}

static void vnc_update_request(VncClient *c, const uint8_t *m)
{
    int x = read_u16(m + 2), y = read_u16(m + 4);
    int w = read_u16(m + 6), h = read_u16(m + 8);

    c->requested = (pixman_box32_t){x, y, x + w, y + h};
    c->update_requested = true;
    if (!m[1]) {
        c->full_requested = true;
        /* A full picture is wanted now, not at the next refresh. */
        vnc_client_update(c, vnc_surface(c->server, true));
    }
    vnc_refresh_arm(c->server);
}

static void vnc_pointer(VncClient *c, uint8_t mask, int x, int y);

static void vnc_key(VncClient *c, bool down, uint32_t keysym, uint32_t keycode)
{
    QKeyCode qcode = Q_KEY_CODE_UNMAPPED;

    if (keycode) {
        qcode = qkeycode_from_number(keycode > 0xff ? -1 : (int)keycode);
    }
    if (qcode == Q_KEY_CODE_UNMAPPED) {
        qcode = qkeycode_from_keysym(keysym);
    }
    if (qcode == Q_KEY_CODE_UNMAPPED) {
        return;
    }
    if (down) {
        c->keys_down[qcode / 8] |= 1 << (qcode % 8);
    } else {
        c->keys_down[qcode / 8] &= ~(1 << (qcode % 8));
    }
    input_event_send_key(qcode, down);
}

/* A client that leaves lets go of its keys and buttons, as QEMU's does. */
static void vnc_input_release(VncClient *c)
{
    for (int qcode = 0; qcode < Q_KEY_CODE__MAX; qcode++) {
        if (c->keys_down[qcode / 8] & (1 << (qcode % 8))) {
            input_event_send_key(qcode, false);
        }
    }
    memset(c->keys_down, 0, sizeof(c->keys_down));
    if (c->buttons) {
        vnc_pointer(c, 0, c->pointer_x, c->pointer_y);
    }
}

static void vnc_pointer(VncClient *c, uint8_t mask, int x, int y)
{
    static const InputButton buttons[5] = {
        INPUT_BUTTON_LEFT, INPUT_BUTTON_MIDDLE, INPUT_BUTTON_RIGHT,
        INPUT_BUTTON_WHEEL_UP, INPUT_BUTTON_WHEEL_DOWN};
    uint8_t changed = mask ^ c->buttons;

    for (int i = 0; i < 5; i++) {
        if (changed & (1 << i)) {
            input_event_send_button(buttons[i], mask & (1 << i));
        }
    }
    c->buttons = mask;
    if (input_pointer_is_absolute()) {
        input_event_send_abs(INPUT_AXIS_X, x, 0, MAX(c->fb_width - 1, 1));
        input_event_send_abs(INPUT_AXIS_Y, y, 0, MAX(c->fb_height - 1, 1));
    } else if (c->pointer_known) {
        /* A relative mouse moves by the difference of positions. */
        if (x != c->pointer_x) {
            input_event_send_rel(INPUT_AXIS_X, x - c->pointer_x);
        }
        if (y != c->pointer_y) {
            input_event_send_rel(INPUT_AXIS_Y, y - c->pointer_y);
        }
    }
    c->pointer_x = x;
    c->pointer_y = y;
    c->pointer_known = true;
    input_event_sync();
}

/*
 * The length of the client message at m (avail bytes there), 0 if more
 * bytes are needed to know, -1 for an unknown message.
 */
static long vnc_message_length(const uint8_t *m, size_t avail)
{
    switch (m[0]) {
    case RFB_MSG_SET_PIXEL_FORMAT:
        return 20;
    case RFB_MSG_SET_ENCODINGS:
        return avail < 4 ? 0 : 4 + 4L * read_u16(m + 2);
    case RFB_MSG_FB_UPDATE_REQUEST:
        return 10;
    case RFB_MSG_KEY_EVENT:
        return 8;
    case RFB_MSG_POINTER_EVENT:
        return 6;
    case RFB_MSG_CLIENT_CUT_TEXT:
        if (avail < 8) {
            return 0;
        }
        if (read_u32(m + 4) > VNC_CUT_TEXT_LIMIT) {
            return -1;
        }
        return 8 + (long)read_u32(m + 4);
    case RFB_MSG_QEMU:
        if (avail < 2) {
            return 0;
        }
        return m[1] == RFB_QEMU_EXTENDED_KEY_EVENT ? 12 : -1;
    default:
        return -1;
    }
}

static void vnc_message(VncClient *c, const uint8_t *m, size_t len)
{
    switch (m[0]) {
    case RFB_MSG_SET_PIXEL_FORMAT:
        vnc_set_pixel_format(c, m);
        break;
    case RFB_MSG_SET_ENCODINGS:
        vnc_set_encodings(c, m, read_u16(m + 2));
        break;
    case RFB_MSG_FB_UPDATE_REQUEST:
        vnc_update_request(c, m);
        break;
    case RFB_MSG_KEY_EVENT:
        vnc_key(c, m[1], read_u32(m + 4), 0);
        break;
    case RFB_MSG_POINTER_EVENT:
        vnc_pointer(c, m[1], read_u16(m + 2), read_u16(m + 4));
        break;
    case RFB_MSG_CLIENT_CUT_TEXT:
        break; /* no clipboard: read and dropped */
    case RFB_MSG_QEMU:
        vnc_key(c, read_u16(m + 2), read_u32(m + 4), read_u32(m + 8));
        break;
    }
}

/* ---- handshake ---------------------------------------------------------- */

static void vnc_security_failure(VncClient *c, const char *reason)
{
    vnc_write_u32(c, RFB_RESULT_FAILED);
    if (c->minor >= 8) {
        vnc_write_u32(c, strlen(reason));
        vnc_write(c, reason, strlen(reason));
    }
    vnc_flush(c);
    c->closing = true;
}

static void vnc_start_auth(VncClient *c, uint8_t type)
{
    VncServer *vs = c->server;
    uint8_t wanted =
        vs->auth == VNC_AUTH_VNC ? RFB_SECURITY_VNC : RFB_SECURITY_NONE;

    if (type != wanted) {
        vnc_security_failure(c, "Unsupported security type");
        return;
    }
    if (type == RFB_SECURITY_NONE) {
        /* 3.8 reports the result of None too; older versions do not. */
        if (c->minor >= 8) {
            vnc_write_u32(c, RFB_RESULT_OK);
        }
        c->state = VNC_STATE_INIT;
        return;
    }
    for (int i = 0; i < 16; i++) {
        c->challenge[i] = g_random_int_range(0, 256);
    }
    vnc_write(c, c->challenge, 16);
    c->state = VNC_STATE_AUTH;
}

static void vnc_check_response(VncClient *c, const uint8_t *response)
{
    VncServer *vs = c->server;
    uint8_t expected[16];

    if (!vs->password) {
        /* As in QEMU: without a password, nobody gets in. */
        log_mask_printf(LOG_GUEST_ERROR,
                        "vnc: client %s:%s: VNC password not set\n", c->host,
                        c->service);
        vnc_security_failure(c, "Authentication failed");
        return;
    }
    if (vs->password_expiry && g_get_real_time() >= vs->password_expiry) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "vnc: client %s:%s: VNC password is expired\n", c->host,
                        c->service);
        vnc_security_failure(c, "Authentication failed");
        return;
    }
    vnc_des_response(vs->password, c->challenge, expected);
    if (memcmp(expected, response, 16)) {
        vnc_security_failure(c, "Authentication failed");
        return;
    }
    vnc_write_u32(c, RFB_RESULT_OK);
    c->state = VNC_STATE_INIT;
}

static void vnc_version(VncClient *c, const uint8_t *m)
{
    VncServer *vs = c->server;
    unsigned major, minor;
    char text[13];

    memcpy(text, m, 12);
    text[12] = 0;
    if (sscanf(text, "RFB %03u.%03u\n", &major, &minor) != 2 || major != 3 ||
        text[11] != '\n') {
        vnc_client_fail(c, "bad ProtocolVersion");
        return;
    }
    /* 3.4-3.6 (and Apple's 3.889) behave as 3.3, as RFC 6143 says. */
    c->minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;
    if (c->minor == 3) {
        vnc_write_u32(c, vs->auth == VNC_AUTH_VNC ? RFB_SECURITY_VNC
                                                  : RFB_SECURITY_NONE);
        if (vs->auth == VNC_AUTH_VNC) {
            vnc_start_auth(c, RFB_SECURITY_VNC);
        } else {
            c->state = VNC_STATE_INIT;
        }
        return;
    }
    vnc_write_u8(c, 1);
    vnc_write_u8(c, vs->auth == VNC_AUTH_VNC ? RFB_SECURITY_VNC
                                             : RFB_SECURITY_NONE);
    c->state = VNC_STATE_SECURITY;
}

static void vnc_client_init(VncClient *c)
{
    DisplaySurface *s = vnc_surface(c->server, true);
    static const char name[] = "pcvm";

    /* Every session is shared (the shared-flag is not honoured). */
    vnc_shadow_reset(c, surface_width(s), surface_height(s));
    vnc_write_u16(c, c->fb_width);
    vnc_write_u16(c, c->fb_height);
    vnc_write_pixel_format(c, &vnc_native_format);
    vnc_write_u32(c, strlen(name));
    vnc_write(c, name, strlen(name));
    c->pf = vnc_native_format;
    c->pf_native = true;
    c->state = VNC_STATE_NORMAL;
    c->initialized = true;
    vnc_event(c, "VNC_INITIALIZED");
}

/* Consumes every whole message the input buffer holds. */
static void vnc_client_process(VncClient *c)
{
    size_t pos = 0;

    while (!c->closing) {
        const uint8_t *m = c->in->data + pos;
        size_t avail = c->in->len - pos;
        long need;

        switch (c->state) {
        case VNC_STATE_VERSION:
            need = 12;
            break;
        case VNC_STATE_SECURITY:
        case VNC_STATE_INIT:
            need = 1;
            break;
        case VNC_STATE_AUTH:
            need = 16;
            break;
        default:
            if (!avail) {
                need = 1;
                break;
            }
            need = vnc_message_length(m, avail);
            if (need < 0) {
                vnc_client_fail(c, "unknown or oversized message");
                break;
            }
            if (need == 0) {
                need = avail + 1;
            }
            break;
        }
        if (c->closing || avail < (size_t)need) {
            break;
        }
        switch (c->state) {
        case VNC_STATE_VERSION:
            vnc_version(c, m);
            break;
        case VNC_STATE_SECURITY:
            vnc_start_auth(c, m[0]);
            break;
        case VNC_STATE_AUTH:
            vnc_check_response(c, m);
            break;
        case VNC_STATE_INIT:
            vnc_client_init(c);
            break;
        case VNC_STATE_NORMAL:
            vnc_message(c, m, need);
            break;
        }
        pos += need;
    }
    g_byte_array_remove_range(c->in, 0, MIN(pos, c->in->len));
    if (c->in->len > VNC_INPUT_LIMIT + 16) {
        vnc_client_fail(c, "input too large");
    }
    vnc_flush(c);
}

/* ---- clients ------------------------------------------------------------ */

static void vnc_client_close(VncClient *c)
{
    VncServer *vs = c->server;

    vs->clients = g_list_remove(vs->clients, c);
    vnc_input_release(c);
    vnc_event(c, "VNC_DISCONNECTED");
    if (c->in_source) {
        g_source_destroy(c->in_source);
        g_source_unref(c->in_source);
    }
    if (c->out_source) {
        g_source_destroy(c->out_source);
        g_source_unref(c->out_source);
    }
    close(c->fd);
    if (c->zlib_ready) {
        deflateEnd(&c->zlib);
    }
    g_byte_array_unref(c->in);
    g_byte_array_unref(c->out);
    g_free(c->shadow);
    g_free(c->host);
    g_free(c->service);
    g_free(c);
}

static gboolean vnc_client_readable(int fd, GIOCondition cond, void *opaque)
{
    VncClient *c = opaque;
    uint8_t buf[4096];

    for (int i = 0; i < 16; i++) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0) {
            g_byte_array_append(c->in, buf, n);
            if (n < (ssize_t)sizeof(buf)) {
                break;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        c->closing = true; /* end of file or a reset */
        break;
    }
    if (!c->closing) {
        vnc_client_process(c);
    }
    if (c->closing) {
        /* GLib keeps the source alive until this dispatch returns. */
        vnc_client_close(c);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean vnc_client_writable(int fd, GIOCondition cond, void *opaque)
{
    VncClient *c = opaque;

    /* vnc_flush() destroys this source once the buffer is empty. */
    vnc_flush(c);
    if (c->closing) {
        vnc_client_close(c);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean vnc_accept(int listen_fd, GIOCondition cond, void *opaque)
{
    VncServer *vs = opaque;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len,
                     SOCK_CLOEXEC | SOCK_NONBLOCK);
    VncClient *c;
    int one = 1;

    if (fd < 0) {
        return G_SOURCE_CONTINUE;
    }
    c = g_new0(VncClient, 1);
    c->server = vs;
    c->fd = fd;
    c->in = g_byte_array_new();
    c->out = g_byte_array_new();
    c->state = VNC_STATE_VERSION;
    c->encoding = RFB_ENCODING_RAW;
    if (vs->is_unix) {
        /* A unix client's address is unnamed: QEMU shows "" for both. */
        c->host = g_strdup("");
        c->service = g_strdup("");
        c->family = "unix";
    } else {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        vnc_address_describe(&ss, len, &c->host, &c->service, &c->family);
    }
    vs->clients = g_list_append(vs->clients, c);
    c->in_source = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(c->in_source,
                          (GSourceFunc)(void (*)(void))vnc_client_readable, c,
                          NULL);
    g_source_attach(c->in_source, main_loop_context());
    vnc_event(c, "VNC_CONNECTED");
    vnc_write(c, "RFB 003.008\n", 12);
    vnc_flush(c);
    if (c->closing) {
        vnc_client_close(c);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- the server --------------------------------------------------------- */

bool vnc_display_init(const char *str, GError **errp)
{
    VncSpec spec;
    VncServer *vs;

    if (!vnc_spec_parse(str, &spec, errp)) {
        vnc_spec_clear(&spec);
        return false;
    }
    vnc_display_close();
    vs = g_new0(VncServer, 1);
    vs->listen_fd = -1;
    vs->auth = spec.password ? VNC_AUTH_VNC : VNC_AUTH_NONE;
    vs->blank.image =
        pixman_image_create_bits(PIXMAN_x8r8g8b8, 640, 480, NULL, 0);
    if (!spec.none) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);

        vs->is_unix = spec.is_unix;
        vs->listen_fd = spec.is_unix
                            ? vnc_listen_unix(spec.path, errp)
                            : vnc_listen_tcp(spec.host, spec.port, errp);
        if (vs->listen_fd < 0) {
            error_prefix(errp, "Failed to start VNC server");
            pixman_image_unref(vs->blank.image);
            g_free(vs);
            vnc_spec_clear(&spec);
            return false;
        }
        if (spec.is_unix) {
            vs->path = g_strdup(spec.path);
            /* QEMU's shape: no host, the path as the service. */
            vs->host = g_strdup("");
            vs->service = g_strdup(spec.path);
            vs->family = "unix";
        } else if (getsockname(vs->listen_fd, (struct sockaddr *)&ss, &len) ==
                   0) {
            vnc_address_describe(&ss, len, &vs->host, &vs->service,
                                 &vs->family);
        }
        vs->enabled = true;
        vs->listen_source = g_unix_fd_source_new(vs->listen_fd, G_IO_IN);
        g_source_set_callback(vs->listen_source,
                              (GSourceFunc)(void (*)(void))vnc_accept, vs,
                              NULL);
        g_source_attach(vs->listen_source, main_loop_context());
    }
    vnc_spec_clear(&spec);
    vnc_server = vs;
    return true;
}

void vnc_display_close(void)
{
    VncServer *vs = vnc_server;

    if (!vs) {
        return;
    }
    while (vs->clients) {
        vnc_client_close(vs->clients->data);
    }
    if (vs->refresh) {
        g_source_destroy(vs->refresh);
        g_source_unref(vs->refresh);
    }
    if (vs->listen_source) {
        g_source_destroy(vs->listen_source);
        g_source_unref(vs->listen_source);
    }
    if (vs->listen_fd >= 0) {
        close(vs->listen_fd);
        if (vs->is_unix) {
            unlink(vs->path);
        }
    }
    pixman_image_unref(vs->blank.image);
    g_free(vs->password);
    g_free(vs->path);
    g_free(vs->host);
    g_free(vs->service);
    g_free(vs);
    vnc_server = NULL;
}

bool vnc_display_password_set(const char *password, GError **errp)
{
    VncServer *vs = vnc_server;

    if (!vs || vs->auth != VNC_AUTH_VNC) {
        return error_setg(errp, "Could not set password");
    }
    g_free(vs->password);
    vs->password = g_strndup(password, 8);
    return true;
}

bool vnc_display_password_expire(const char *time, GError **errp)
{
    VncServer *vs = vnc_server;
    int64_t now = g_get_real_time(), when;
    const char *digits = time[0] == '+' ? time + 1 : time;
    char *end;

    if (!strcmp(time, "now")) {
        when = now;
    } else if (!strcmp(time, "never")) {
        when = 0;
    } else {
        int64_t seconds;

        errno = 0;
        seconds = g_ascii_strtoll(digits, &end, 10);
        if (!*digits || *end || errno || seconds < 0 ||
            seconds > G_MAXINT64 / G_USEC_PER_SEC / 2) {
            return error_setg(errp,
                              "Parameter 'time' expects now, never, +SECONDS "
                              "or SECONDS");
        }
        when = seconds * G_USEC_PER_SEC;
        if (time[0] == '+') {
            when += now;
        }
        when = MAX(when, 1); /* 0 means never */
    }
    if (!vs || vs->auth != VNC_AUTH_VNC) {
        return error_setg(errp, "Could not set password expire time");
    }
    vs->password_expiry = when;
    return true;
}
