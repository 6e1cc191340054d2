/*
 * -netdev socket: frames over a host socket, as QEMU's socket backend.
 * listen=[HOST]:PORT waits for one TCP connection (another may come once
 * it closes), connect=HOST:PORT makes one, fd=N takes an open socket;
 * these carry QEMU's stream framing: each frame is preceded by its length
 * as a 32-bit big-endian number. udp=HOST:PORT with localaddr=HOST:PORT
 * and mcast=GROUP:PORT[,localaddr=ADDR] send one frame per datagram.
 * IPv4 only, as QEMU's.
 *
 * Back-pressure: while the NIC cannot take a frame the backend stops
 * reading its socket (the kernel's buffers, then TCP, push back on the
 * other end); while the socket cannot take a frame the backend says it
 * cannot receive, so the NIC's frames wait in the net layer's queue.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netdev.h"
#include "util/error.h"

typedef struct NetSocketState {
    NetClientState nc;
    int listen_fd; /* listen=: the listening socket, else -1 */
    int fd;        /* the connection or datagram socket, -1 while none */
    bool dgram;
    bool has_dst; /* udp=, mcast=: where datagrams go */
    struct sockaddr_in dst;
    guint listen_watch, read_watch, write_watch;
    bool rx_blocked; /* a frame waits for the NIC: do not read */
    /* Stream input not parsed into frames yet. */
    GByteArray *rx;
    /* Stream output the socket did not take yet (or a datagram). */
    GByteArray *tx;
} NetSocketState;

static void net_socket_read_start(NetSocketState *s);
static void net_socket_process(NetSocketState *s);

static bool net_socket_parse_addr(const char *str, bool empty_is_any,
                                  struct sockaddr_in *sa, GError **errp)
{
    const char *colon = strrchr(str, ':');
    g_autofree char *host = NULL;
    char *end;
    long port;

    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    if (!colon) {
        return error_setg(errp, "host address '%s' has no port", str);
    }
    host = g_strndup(str, colon - str);
    port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535) {
        return error_setg(errp, "invalid port in '%s'", str);
    }
    sa->sin_port = htons(port);
    if (!*host) {
        sa->sin_addr.s_addr =
            htonl(empty_is_any ? INADDR_ANY : INADDR_LOOPBACK);
    } else if (!inet_aton(host, &sa->sin_addr)) {
        struct addrinfo hints = {.ai_family = AF_INET};
        struct addrinfo *res;

        if (getaddrinfo(host, NULL, &hints, &res) != 0) {
            return error_setg(errp, "host not found: '%s'", host);
        }
        sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
        freeaddrinfo(res);
    }
    return true;
}

static void net_socket_set_info(NetSocketState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
static void net_socket_set_info(NetSocketState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->nc.info_str, sizeof(s->nc.info_str), fmt, ap);
    va_end(ap);
}

static void net_socket_watch_remove(guint *watch)
{
    if (*watch) {
        g_source_remove(*watch);
        *watch = 0;
    }
}

static gboolean net_socket_listen_ready(int fd, GIOCondition cond,
                                        gpointer opaque);

/* The connection ended: back to listening, or nothing more for connect=. */
static void net_socket_disconnect(NetSocketState *s)
{
    net_socket_watch_remove(&s->read_watch);
    net_socket_watch_remove(&s->write_watch);
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    g_byte_array_set_size(s->rx, 0);
    g_byte_array_set_size(s->tx, 0);
    s->rx_blocked = false;
    if (s->listen_fd >= 0 && !s->listen_watch) {
        s->listen_watch =
            g_unix_fd_add(s->listen_fd, G_IO_IN, net_socket_listen_ready, s);
        net_socket_set_info(s, "wait connection");
    } else {
        net_socket_set_info(s, "disconnected");
    }
    /* Frames the NIC queued for us go nowhere now. */
    net_queue_flush(&s->nc);
}

static void net_socket_sent(NetClientState *nc, ssize_t len)
{
    NetSocketState *s = (NetSocketState *)nc;

    s->rx_blocked = false;
    net_socket_process(s);
    if (!s->rx_blocked) {
        net_socket_read_start(s);
    }
}

/* Hands the NIC every whole frame read so far, until it cannot take one. */
static void net_socket_process(NetSocketState *s)
{
    size_t pos = 0;

    if (s->dgram) {
        return;
    }
    while (!s->rx_blocked && s->rx->len - pos >= 4) {
        uint32_t len = (uint32_t)s->rx->data[pos] << 24 |
                       s->rx->data[pos + 1] << 16 | s->rx->data[pos + 2] << 8 |
                       s->rx->data[pos + 3];

        if (len > NET_BUFSIZE) {
            error_report("netdev %s: frame of %u bytes is too long, "
                         "dropping the connection",
                         s->nc.name, len);
            net_socket_disconnect(s);
            return;
        }
        if (s->rx->len - pos - 4 < len) {
            break;
        }
        if (net_send_packet_async(&s->nc, s->rx->data + pos + 4, len,
                                  net_socket_sent) == 0) {
            s->rx_blocked = true;
        }
        pos += 4 + len;
    }
    g_byte_array_remove_range(s->rx, 0, pos);
}

static gboolean net_socket_readable(int fd, GIOCondition cond, gpointer opaque)
{
    NetSocketState *s = opaque;
    uint8_t buf[NET_BUFSIZE];
    ssize_t n;

    if (s->dgram) {
        n = recv(s->fd, buf, sizeof(buf), 0);
        if (n < 0) {
            return G_SOURCE_CONTINUE;
        }
        if (net_send_packet_async(&s->nc, buf, n, net_socket_sent) == 0) {
            s->rx_blocked = true;
            s->read_watch = 0;
            return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
    }
    n = recv(s->fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        s->read_watch = 0;
        net_socket_disconnect(s);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_append(s->rx, buf, n);
    net_socket_process(s);
    if (s->rx_blocked && s->read_watch) {
        s->read_watch = 0;
        return G_SOURCE_REMOVE;
    }
    return s->read_watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void net_socket_read_start(NetSocketState *s)
{
    if (s->fd >= 0 && !s->read_watch && !s->rx_blocked) {
        s->read_watch = g_unix_fd_add(s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      net_socket_readable, s);
    }
}

/* Writes what is pending; false if the socket failed. */
static bool net_socket_tx_flush(NetSocketState *s)
{
    while (s->tx->len) {
        ssize_t n;

        if (s->dgram && s->has_dst) {
            n = sendto(s->fd, s->tx->data, s->tx->len, MSG_NOSIGNAL,
                       (struct sockaddr *)&s->dst, sizeof(s->dst));
        } else {
            n = send(s->fd, s->tx->data, s->tx->len, MSG_NOSIGNAL);
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return true; /* the rest when the socket is writable */
            }
            if (!s->dgram) {
                return false;
            }
            /* A datagram nobody takes (no route, refused) is lost. */
            g_byte_array_set_size(s->tx, 0);
            return true;
        }
        g_byte_array_remove_range(s->tx, 0, s->dgram ? s->tx->len : n);
    }
    return true;
}

static gboolean net_socket_writable(int fd, GIOCondition cond, gpointer opaque)
{
    NetSocketState *s = opaque;

    if (!net_socket_tx_flush(s)) {
        s->write_watch = 0;
        net_socket_disconnect(s);
        return G_SOURCE_REMOVE;
    }
    if (s->tx->len) {
        return G_SOURCE_CONTINUE;
    }
    s->write_watch = 0;
    net_queue_flush(&s->nc);
    return G_SOURCE_REMOVE;
}

static ssize_t net_socket_receive(NetClientState *nc, const uint8_t *buf,
                                  size_t size)
{
    NetSocketState *s = (NetSocketState *)nc;

    if (s->fd < 0) {
        return size; /* nobody connected: the frame is lost, as on a wire */
    }
    if (s->tx->len) {
        return 0;
    }
    if (!s->dgram) {
        uint8_t len[4] = {size >> 24, size >> 16, size >> 8, size};

        g_byte_array_append(s->tx, len, 4);
    }
    g_byte_array_append(s->tx, buf, size);
    if (!net_socket_tx_flush(s)) {
        net_socket_disconnect(s);
        return size;
    }
    if (s->tx->len && !s->write_watch) {
        s->write_watch = g_unix_fd_add(s->fd, G_IO_OUT | G_IO_ERR | G_IO_HUP,
                                       net_socket_writable, s);
    }
    return size;
}

static bool net_socket_can_receive(NetClientState *nc)
{
    NetSocketState *s = (NetSocketState *)nc;

    return s->fd < 0 || !s->tx->len;
}

static void net_socket_cleanup(NetClientState *nc)
{
    NetSocketState *s = (NetSocketState *)nc;

    net_socket_watch_remove(&s->listen_watch);
    net_socket_watch_remove(&s->read_watch);
    net_socket_watch_remove(&s->write_watch);
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    g_byte_array_unref(s->rx);
    g_byte_array_unref(s->tx);
}

static const NetClientInfo net_socket_info = {
    .kind = NET_CLIENT_SOCKET,
    .type = "socket",
    .size = sizeof(NetSocketState),
    .receive = net_socket_receive,
    .can_receive = net_socket_can_receive,
    .cleanup = net_socket_cleanup,
};

static void net_socket_connected(NetSocketState *s, int fd)
{
    g_unix_set_fd_nonblocking(fd, true, NULL);
    s->fd = fd;
    net_socket_read_start(s);
}

static gboolean net_socket_listen_ready(int fd, GIOCondition cond,
                                        gpointer opaque)
{
    NetSocketState *s = opaque;
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    int conn = accept(fd, (struct sockaddr *)&peer, &len);

    if (conn < 0) {
        return G_SOURCE_CONTINUE;
    }
    net_socket_set_info(s, "connection from %s:%d", inet_ntoa(peer.sin_addr),
                        ntohs(peer.sin_port));
    s->listen_watch = 0;
    net_socket_connected(s, conn);
    return G_SOURCE_REMOVE;
}

static NetSocketState *net_socket_new(NetClientState *peer, const char *name)
{
    NetSocketState *s =
        (NetSocketState *)net_client_new(&net_socket_info, peer, NULL, name);

    s->fd = s->listen_fd = -1;
    s->rx = g_byte_array_new();
    s->tx = g_byte_array_new();
    return s;
}

static bool net_socket_listen(NetSocketState *s, const char *addr,
                              GError **errp)
{
    struct sockaddr_in sa;
    int one = 1;

    if (!net_socket_parse_addr(addr, true, &sa, errp)) {
        return false;
    }
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0) {
        return error_setg(errp, "can't create socket: %s", g_strerror(errno));
    }
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        return error_setg(errp, "can't bind ip=%s to socket: %s",
                          inet_ntoa(sa.sin_addr), g_strerror(errno));
    }
    if (listen(s->listen_fd, 1) < 0) {
        return error_setg(errp, "can't listen on socket: %s",
                          g_strerror(errno));
    }
    s->listen_watch =
        g_unix_fd_add(s->listen_fd, G_IO_IN, net_socket_listen_ready, s);
    net_socket_set_info(s, "wait connection");
    return true;
}

static bool net_socket_connect(NetSocketState *s, const char *addr,
                               GError **errp)
{
    struct sockaddr_in sa;
    int fd;

    if (!net_socket_parse_addr(addr, false, &sa, errp)) {
        return false;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return error_setg(errp, "can't create socket: %s", g_strerror(errno));
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = errno;

        close(fd);
        return error_setg(errp, "can't connect socket: %s", g_strerror(err));
    }
    net_socket_set_info(s, "connect to %s:%d", inet_ntoa(sa.sin_addr),
                        ntohs(sa.sin_port));
    net_socket_connected(s, fd);
    return true;
}

static bool net_socket_dgram(NetSocketState *s, const char *remote,
                             const char *local, bool mcast, GError **errp)
{
    struct sockaddr_in local_sa;
    int one = 1;

    if (!net_socket_parse_addr(remote, false, &s->dst, errp)) {
        return false;
    }
    if (mcast && !IN_MULTICAST(ntohl(s->dst.sin_addr.s_addr))) {
        return error_setg(errp,
                          "specified mcastaddr %s (0x%08x) does not contain a "
                          "multicast address",
                          inet_ntoa(s->dst.sin_addr),
                          ntohl(s->dst.sin_addr.s_addr));
    }
    s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        return error_setg(errp, "can't create socket: %s", g_strerror(errno));
    }
    s->dgram = s->has_dst = true;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (mcast) {
        struct ip_mreq mreq = {.imr_multiaddr = s->dst.sin_addr};
        struct sockaddr_in group = s->dst;
        unsigned char loop = 1;

        if (local) {
            if (!inet_aton(local, &mreq.imr_interface)) {
                return error_setg(errp, "localaddr '%s' is not an IPv4 address",
                                  local);
            }
            setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                       sizeof(mreq.imr_interface));
        }
        if (bind(s->fd, (struct sockaddr *)&group, sizeof(group)) < 0) {
            return error_setg(errp, "can't bind ip=%s to socket: %s",
                              inet_ntoa(group.sin_addr), g_strerror(errno));
        }
        if (setsockopt(s->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
                       sizeof(mreq)) < 0) {
            return error_setg(errp, "setsockopt(IP_ADD_MEMBERSHIP): %s",
                              g_strerror(errno));
        }
        setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
        net_socket_set_info(s, "mcast=%s:%d", inet_ntoa(s->dst.sin_addr),
                            ntohs(s->dst.sin_port));
    } else {
        if (!net_socket_parse_addr(local, true, &local_sa, errp)) {
            return false;
        }
        if (bind(s->fd, (struct sockaddr *)&local_sa, sizeof(local_sa)) < 0) {
            return error_setg(errp, "can't bind ip=%s to socket: %s",
                              inet_ntoa(local_sa.sin_addr), g_strerror(errno));
        }
        net_socket_set_info(s, "udp=%s:%d", inet_ntoa(s->dst.sin_addr),
                            ntohs(s->dst.sin_port));
    }
    net_socket_connected(s, s->fd);
    return true;
}

static bool net_socket_from_fd(NetSocketState *s, const char *str,
                               GError **errp)
{
    char *end;
    long fd = strtol(str, &end, 10);
    int type;
    socklen_t len = sizeof(type);

    if (!*str || *end || fd < 0 || fd > INT32_MAX) {
        return error_setg(errp, "File descriptor named '%s' has not been found",
                          str);
    }
    if (fcntl(fd, F_GETFL) < 0) {
        return error_setg(errp, "%s: Can't use file descriptor %ld: %s",
                          s->nc.name, fd, g_strerror(errno));
    }
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
        return error_setg(errp, "can't get socket option SO_TYPE");
    }
    s->dgram = type == SOCK_DGRAM;
    if (type != SOCK_DGRAM && type != SOCK_STREAM) {
        return error_setg(errp,
                          "socket type=%d for fd=%ld must be either "
                          "SOCK_DGRAM or SOCK_STREAM",
                          type, fd);
    }
    net_socket_set_info(s, "fd=%ld", fd);
    net_socket_connected(s, fd);
    return true;
}

NetClientState *net_socket_init(KeyValList *kv, const char *name,
                                NetClientState *peer, GError **errp)
{
    const char *listen = keyval_get(kv, "listen");
    const char *connect = keyval_get(kv, "connect");
    const char *udp = keyval_get(kv, "udp");
    const char *mcast = keyval_get(kv, "mcast");
    const char *fd = keyval_get(kv, "fd");
    const char *localaddr = keyval_get(kv, "localaddr");
    NetSocketState *s;
    bool ok;

    if (!!listen + !!connect + !!udp + !!mcast + !!fd != 1) {
        error_setg(errp, "exactly one of listen=, connect=, mcast= or udp= "
                         "is required");
        return NULL;
    }
    if (localaddr && !udp && !mcast) {
        error_setg(errp, "localaddr= is only valid with mcast= or udp=");
        return NULL;
    }
    if (udp && !localaddr) {
        error_setg(errp, "localaddr= is mandatory with udp=");
        return NULL;
    }
    s = net_socket_new(peer, name);
    if (listen) {
        ok = net_socket_listen(s, listen, errp);
    } else if (connect) {
        ok = net_socket_connect(s, connect, errp);
    } else if (fd) {
        ok = net_socket_from_fd(s, fd, errp);
    } else {
        ok = net_socket_dgram(s, udp ? udp : mcast, localaddr, !udp, errp);
    }
    if (!ok) {
        net_client_free(&s->nc);
        return NULL;
    }
    return &s->nc;
}
