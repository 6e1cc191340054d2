/*
 * The "socket" backend: a unix (path=) or TCP (host=, port=) stream socket,
 * listening (server=on) or connecting out.
 *
 * Follows QEMU's documented -chardev socket behaviour: a server serves one
 * client at a time and accepts the next one once it leaves; with wait=on
 * (the default) start-up blocks until the first client arrives. A client
 * that cannot connect at start-up is an error unless reconnect= (seconds,
 * or reconnect-ms=) is given, in which case it retries on the main loop, as
 * it does after every disconnect. Output with no peer is dropped. Front ends
 * get OPENED and CLOSED as peers come and go. Left out: telnet, websocket,
 * TLS, fd= and abstract unix sockets.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "chardev/char-internal.h"
#include "util/error.h"

typedef struct {
    Chardev parent;
    bool is_unix;
    bool server;
    bool wait; /* server: block at start-up until the first client */
    bool nodelay;
    char *path;
    char *host;
    char *port;
    uint64_t reconnect_ms;
    char *address; /* "unix:PATH,server=on", "tcp:HOST:PORT" */

    int listen_fd;
    GSource *listen_source;
    int fd;
    ChardevWatch *watch;
    GSource *reconnect_source;
    GSource *hangup_source; /* a write failed: disconnect on the main loop */
    bool reconnect_warned;
} SocketChardev;

static gboolean socket_accept(int listen_fd, GIOCondition cond, void *opaque);
static void socket_eof(Chardev *chr);

static void socket_update_filename(SocketChardev *s, const char *peer)
{
    Chardev *chr = &s->parent;

    g_free(chr->filename);
    if (!chr->connected) {
        chr->filename = g_strdup_printf("disconnected:%s", s->address);
    } else if (peer) {
        chr->filename = g_strdup_printf("%s <-> %s", s->address, peer);
    } else {
        chr->filename = g_strdup(s->address);
    }
}

/* "HOST:PORT" of a TCP socket address, or NULL for a unix one. */
static char *socket_address_string(const struct sockaddr_storage *ss,
                                   socklen_t len)
{
    char host[NI_MAXHOST], port[NI_MAXSERV];

    if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6) {
        return NULL;
    }
    if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host), port,
                    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
        return NULL;
    }
    return g_strdup_printf("%s:%s", host, port);
}

static bool socket_unix_address(SocketChardev *s, struct sockaddr_un *sun,
                                GError **errp)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(s->path) >= sizeof(sun->sun_path)) {
        return error_setg(errp, "UNIX socket path '%s' is too long", s->path);
    }
    strcpy(sun->sun_path, s->path);
    return true;
}

static void socket_connected(SocketChardev *s, int fd)
{
    Chardev *chr = &s->parent;
    struct sockaddr_storage peer;
    socklen_t len = sizeof(peer);
    g_autofree char *peer_name = NULL;
    int one = 1;

    chardev_fd_set_nonblock(fd);
    if (!s->is_unix && s->nodelay) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0) {
        peer_name = socket_address_string(&peer, len);
    }
    s->fd = fd;
    s->reconnect_warned = false;
    chardev_source_remove(&s->listen_source);
    chardev_source_remove(&s->reconnect_source);
    chr->connected = true;
    socket_update_filename(s, peer_name);
    s->watch = chardev_watch_new(chr, fd, socket_eof);
    chardev_be_event(chr, CHR_EVENT_OPENED);
}

static void socket_listen_watch(SocketChardev *s)
{
    if (!s->listen_source && s->listen_fd >= 0) {
        s->listen_source = chardev_source_attach(
            g_unix_fd_source_new(s->listen_fd, G_IO_IN),
            (GSourceFunc)(void (*)(void))socket_accept, s);
    }
}

static gboolean socket_reconnect(gpointer opaque);

static void socket_disconnect(SocketChardev *s)
{
    Chardev *chr = &s->parent;

    chardev_source_remove(&s->hangup_source);
    if (s->fd < 0) {
        return;
    }
    chardev_watch_free(s->watch);
    s->watch = NULL;
    close(s->fd);
    s->fd = -1;
    chr->connected = false;
    socket_update_filename(s, NULL);
    if (chr->closed) {
        return; /* pcvm is exiting: no events, no new clients */
    }
    chardev_be_event(chr, CHR_EVENT_CLOSED);
    if (s->server) {
        socket_listen_watch(s);
    } else if (s->reconnect_ms && !s->reconnect_source) {
        s->reconnect_source = chardev_source_attach(
            g_timeout_source_new(s->reconnect_ms), socket_reconnect, s);
    }
}

static void socket_eof(Chardev *chr)
{
    socket_disconnect((SocketChardev *)chr);
}

static gboolean socket_hangup(gpointer opaque)
{
    socket_disconnect(opaque);
    return G_SOURCE_REMOVE;
}

static gboolean socket_accept(int listen_fd, GIOCondition cond, void *opaque)
{
    SocketChardev *s = opaque;
    int fd;

    if (s->fd >= 0) {
        return G_SOURCE_CONTINUE;
    }
    fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        return G_SOURCE_CONTINUE;
    }
    /* One client at a time: stop accepting until this one leaves. */
    socket_connected(s, fd);
    return G_SOURCE_REMOVE;
}

static bool socket_listen(SocketChardev *s, GError **errp)
{
    int fd = -1, err = 0, one = 1;

    if (s->is_unix) {
        struct sockaddr_un sun;

        if (!socket_unix_address(s, &sun, errp)) {
            return false;
        }
        if (unlink(s->path) < 0 && errno != ENOENT) {
            return error_setg(errp, "Failed to unlink socket %s: %s", s->path,
                              g_strerror(errno));
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
            err = errno;
            goto fail;
        }
    } else {
        struct addrinfo hints = {
            .ai_flags = AI_PASSIVE,
            .ai_family = AF_UNSPEC,
            .ai_socktype = SOCK_STREAM,
        };
        struct addrinfo *res, *ai;
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        g_autofree char *bound = NULL;
        int rc = getaddrinfo(*s->host ? s->host : NULL, s->port, &hints, &res);

        if (rc) {
            return error_setg(errp, "address resolution failed for %s:%s: %s",
                              s->host, s->port, gai_strerror(rc));
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
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                break;
            }
            err = errno;
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
        if (fd < 0) {
            goto fail;
        }
        /* port=0 picks a free port: show the one we got. */
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
            (bound = socket_address_string(&ss, len))) {
            g_free(s->address);
            s->address = g_strdup_printf("tcp:%s,server=on", bound);
        }
    }
    if (listen(fd, 1) < 0) {
        err = errno;
        goto fail;
    }
    s->listen_fd = fd;
    return true;

fail:
    if (fd >= 0) {
        close(fd);
    }
    if (s->is_unix) {
        return error_setg(errp, "Failed to bind socket to %s: %s", s->path,
                          g_strerror(err));
    }
    return error_setg(errp, "Failed to bind socket to %s:%s: %s", s->host,
                      s->port, g_strerror(err));
}

/* A blocking connect; returns the fd or -1 with errno set. */
static int socket_try_connect(SocketChardev *s, GError **errp)
{
    int fd, err = ECONNREFUSED;

    if (s->is_unix) {
        struct sockaddr_un sun;

        if (!socket_unix_address(s, &sun, errp)) {
            return -1;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            return fd;
        }
        err = errno;
        if (fd >= 0) {
            close(fd);
        }
    } else {
        struct addrinfo hints = {.ai_family = AF_UNSPEC,
                                 .ai_socktype = SOCK_STREAM};
        struct addrinfo *res, *ai;
        int rc = getaddrinfo(*s->host ? s->host : NULL, s->port, &hints, &res);

        if (rc) {
            error_setg(errp, "address resolution failed for %s:%s: %s", s->host,
                       s->port, gai_strerror(rc));
            return -1;
        }
        fd = -1;
        for (ai = res; ai; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
            if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                break;
            }
            err = errno;
            if (fd >= 0) {
                close(fd);
                fd = -1;
            }
        }
        freeaddrinfo(res);
        if (fd >= 0) {
            return fd;
        }
    }
    error_setg(errp, "Failed to connect to '%s': %s", s->address,
               g_strerror(err));
    return -1;
}

static gboolean socket_reconnect(gpointer opaque)
{
    SocketChardev *s = opaque;
    g_autoptr(GError) err = NULL;
    int fd = socket_try_connect(s, &err);

    if (fd < 0) {
        if (!s->reconnect_warned) {
            warn_report("chardev '%s': %s; retrying every %" PRIu64 " ms",
                        s->parent.id, err->message, s->reconnect_ms);
            s->reconnect_warned = true;
        }
        return G_SOURCE_CONTINUE;
    }
    /* socket_connected() drops reconnect_source, our own source. */
    socket_connected(s, fd);
    return G_SOURCE_REMOVE;
}

static bool socket_parse(SocketChardev *s, KeyValList *opts, GError **errp)
{
    const char *path = keyval_get(opts, "path");
    const char *host = keyval_get(opts, "host");
    const char *port = keyval_get(opts, "port");
    bool has_wait = keyval_has(opts, "wait");
    uint64_t reconnect_s, reconnect_ms;

    if (!keyval_get_bool(opts, "server", false, &s->server, errp) ||
        !keyval_get_bool(opts, "wait", true, &s->wait, errp) ||
        !keyval_get_bool(opts, "nodelay", false, &s->nodelay, errp) ||
        !keyval_get_uint(opts, "reconnect", 0, &reconnect_s, errp) ||
        !keyval_get_uint(opts, "reconnect-ms", 0, &reconnect_ms, errp)) {
        return false;
    }
    if (path && (host || port)) {
        return error_setg(errp, "chardev: socket: path= cannot be combined "
                                "with host= or port=");
    }
    if (!path && !port) {
        return error_setg(errp, "chardev: socket: path= or port= is required");
    }
    if (path && !*path) {
        return error_setg(errp, "chardev: socket: path= is empty");
    }
    if (!s->server && has_wait) {
        return error_setg(errp, "'wait' option is incompatible with socket "
                                "in client connect mode");
    }
    s->reconnect_ms = reconnect_ms ? reconnect_ms : reconnect_s * 1000;
    if (s->server && s->reconnect_ms) {
        return error_setg(errp, "'reconnect' option is incompatible with "
                                "socket in server listen mode");
    }
    s->is_unix = path != NULL;
    s->path = g_strdup(path);
    s->host = g_strdup(host ? host : "");
    s->port = g_strdup(port);
    if (s->is_unix) {
        s->address =
            g_strdup_printf("unix:%s%s", path, s->server ? ",server=on" : "");
    } else {
        s->address = g_strdup_printf("tcp:%s:%s%s", s->host, port,
                                     s->server ? ",server=on" : "");
    }
    return true;
}

static void socket_free_strings(SocketChardev *s)
{
    g_free(s->path);
    g_free(s->host);
    g_free(s->port);
    g_free(s->address);
}

static bool socket_open(Chardev *chr, KeyValList *opts, GError **errp)
{
    SocketChardev *s = (SocketChardev *)chr;
    int fd;

    s->fd = s->listen_fd = -1;
    /* Nothing may be left over before we block waiting for a client. */
    if (!socket_parse(s, opts, errp) || !keyval_check_unused(opts, errp)) {
        socket_free_strings(s);
        return false;
    }
    chr->connected = false;
    socket_update_filename(s, NULL);

    if (s->server) {
        if (!socket_listen(s, errp)) {
            socket_free_strings(s);
            return false;
        }
        socket_update_filename(s, NULL);
        if (s->wait) {
            struct pollfd pfd = {.fd = s->listen_fd, .events = POLLIN};

            fprintf(stderr, "pcvm: waiting for connection on: %s\n",
                    chr->filename);
            while (s->fd < 0) {
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
                    break;
                }
                fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0) {
                    socket_connected(s, fd);
                }
            }
        }
        if (s->fd < 0) {
            socket_listen_watch(s);
        }
        return true;
    }

    fd = socket_try_connect(s, s->reconnect_ms ? NULL : errp);
    if (fd >= 0) {
        socket_connected(s, fd);
    } else if (s->reconnect_ms) {
        s->reconnect_source = chardev_source_attach(
            g_timeout_source_new(s->reconnect_ms), socket_reconnect, s);
    } else {
        socket_free_strings(s);
        return false;
    }
    return true;
}

static int socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    SocketChardev *s = (SocketChardev *)chr;
    ssize_t n;

    if (s->fd < 0 || s->hangup_source) {
        return -1;
    }
    n = send(s->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) {
        return n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return 0;
    }
    /*
     * The peer is gone. Tear down on the main loop, not here inside a front
     * end's write (which may be on a vCPU thread, in the middle of a
     * device register access).
     */
    s->hangup_source =
        chardev_source_attach(g_idle_source_new(), socket_hangup, s);
    return -1;
}

static int socket_write_fd(Chardev *chr)
{
    return ((SocketChardev *)chr)->fd;
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    chardev_source_remove(&s->listen_source);
    chardev_source_remove(&s->reconnect_source);
    socket_disconnect(s);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
        if (s->is_unix) {
            unlink(s->path);
        }
    }
    socket_free_strings(s);
    s->path = s->host = s->port = s->address = NULL;
}

static const ChardevClass socket_class = {
    .name = "socket",
    .instance_size = sizeof(SocketChardev),
    .open = socket_open,
    .write = socket_write,
    .write_fd = socket_write_fd,
    .close = socket_close,
};

static void __attribute__((constructor)) socket_register(void)
{
    chardev_class_register(&socket_class);
}
