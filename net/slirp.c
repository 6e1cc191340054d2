/*
 * -netdev user: the user-mode network stack of libslirp. The guest sees a
 * router at host= (default 10.0.2.2) that answers DHCP from dhcpstart=
 * (10.0.2.15) on, forwards DNS at dns= (10.0.2.3), serves TFTP from tftp=
 * and NATs the guest's TCP and UDP through host sockets; hostfwd= rules
 * forward host ports in. restrict=on keeps the guest from reaching out.
 *
 * slirp's sockets and timers live on the main loop: a GSource asks slirp
 * for its fds before each poll and hands the results back after it, and
 * slirp's timers are pcvm timers on the realtime clock. slirp cannot wait
 * for the guest, so its frames are queued up to the NIC's queue limit and
 * then dropped and counted (TCP retransmits), as QEMU does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <string.h>

#include "net/netdev.h"
#include "system/main-loop.h"
#include "system/timer.h"
#include "util/cutils.h"
#include "util/error.h"

typedef struct NetSlirpState {
    NetClientState nc;
    Slirp *slirp;
    GSource *source;
    GPtrArray *pollfds; /* GPollFD *, what the source polls this round */
    char *strings[8];   /* option values slirp keeps pointers to */
    GStrv dnssearch;
} NetSlirpState;

typedef struct SlirpSource {
    GSource source;
    NetSlirpState *s;
} SlirpSource;

static ssize_t net_slirp_send_packet(const void *buf, size_t len, void *opaque)
{
    NetSlirpState *s = opaque;

    net_send_packet(&s->nc, buf, len);
    return len;
}

static void net_slirp_guest_error(const char *msg, void *opaque)
{
    error_report("netdev %s: guest error: %s",
                 ((NetSlirpState *)opaque)->nc.name, msg);
}

static int64_t net_slirp_clock_get_ns(void *opaque)
{
    return vm_clock_get_ns(VM_CLOCK_REALTIME);
}

static void *net_slirp_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    return timer_new_ns(VM_CLOCK_REALTIME, cb, cb_opaque);
}

static void net_slirp_timer_free(void *timer, void *opaque)
{
    timer_free(timer);
}

static void net_slirp_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    timer_mod_ns(timer, expire_ms * 1000000);
}

static void net_slirp_register_poll_fd(int fd, void *opaque)
{
}

static void net_slirp_unregister_poll_fd(int fd, void *opaque)
{
}

static void net_slirp_notify(void *opaque)
{
    main_loop_wakeup();
}

static const SlirpCb net_slirp_callbacks = {
    .send_packet = net_slirp_send_packet,
    .guest_error = net_slirp_guest_error,
    .clock_get_ns = net_slirp_clock_get_ns,
    .timer_new = net_slirp_timer_new,
    .timer_free = net_slirp_timer_free,
    .timer_mod = net_slirp_timer_mod,
    .register_poll_fd = net_slirp_register_poll_fd,
    .unregister_poll_fd = net_slirp_unregister_poll_fd,
    .notify = net_slirp_notify,
};

static int net_slirp_add_poll(int fd, int events, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD *pfd = g_new0(GPollFD, 1);

    pfd->fd = fd;
    pfd->events = (events & SLIRP_POLL_IN ? G_IO_IN : 0) |
                  (events & SLIRP_POLL_OUT ? G_IO_OUT : 0) |
                  (events & SLIRP_POLL_PRI ? G_IO_PRI : 0) |
                  (events & SLIRP_POLL_ERR ? G_IO_ERR : 0) |
                  (events & SLIRP_POLL_HUP ? G_IO_HUP : 0);
    g_ptr_array_add(src->s->pollfds, pfd);
    g_source_add_poll(&src->source, pfd);
    return src->s->pollfds->len - 1;
}

static int net_slirp_get_revents(int idx, void *opaque)
{
    SlirpSource *src = opaque;
    GPollFD *pfd;
    int revents;

    if (idx < 0 || (unsigned)idx >= src->s->pollfds->len) {
        return 0;
    }
    pfd = g_ptr_array_index(src->s->pollfds, idx);
    revents = pfd->revents;
    return (revents & G_IO_IN ? SLIRP_POLL_IN : 0) |
           (revents & G_IO_OUT ? SLIRP_POLL_OUT : 0) |
           (revents & G_IO_PRI ? SLIRP_POLL_PRI : 0) |
           (revents & G_IO_ERR ? SLIRP_POLL_ERR : 0) |
           (revents & G_IO_HUP ? SLIRP_POLL_HUP : 0);
}

static void net_slirp_pollfds_clear(SlirpSource *src)
{
    for (unsigned i = 0; i < src->s->pollfds->len; i++) {
        g_source_remove_poll(&src->source,
                             g_ptr_array_index(src->s->pollfds, i));
    }
    g_ptr_array_set_size(src->s->pollfds, 0);
}

static gboolean net_slirp_source_prepare(GSource *source, gint *timeout)
{
    SlirpSource *src = (SlirpSource *)source;
    uint32_t ms = UINT32_MAX;

    net_slirp_pollfds_clear(src);
    slirp_pollfds_fill(src->s->slirp, &ms, net_slirp_add_poll, src);
    *timeout = ms == UINT32_MAX ? -1 : (gint)MIN(ms, (uint32_t)G_MAXINT);
    return FALSE;
}

static gboolean net_slirp_source_check(GSource *source)
{
    /* slirp's own timeouts (TCP timers) run from its poll: always go. */
    return TRUE;
}

static gboolean net_slirp_source_dispatch(GSource *source, GSourceFunc cb,
                                          gpointer data)
{
    SlirpSource *src = (SlirpSource *)source;

    slirp_pollfds_poll(src->s->slirp, 0, net_slirp_get_revents, src);
    return G_SOURCE_CONTINUE;
}

static void net_slirp_source_finalize(GSource *source)
{
    SlirpSource *src = (SlirpSource *)source;

    if (src->s) {
        net_slirp_pollfds_clear(src);
    }
}

static GSourceFuncs net_slirp_source_funcs = {
    .prepare = net_slirp_source_prepare,
    .check = net_slirp_source_check,
    .dispatch = net_slirp_source_dispatch,
    .finalize = net_slirp_source_finalize,
};

static ssize_t net_slirp_receive(NetClientState *nc, const uint8_t *buf,
                                 size_t size)
{
    NetSlirpState *s = (NetSlirpState *)nc;

    slirp_input(s->slirp, buf, size);
    return size;
}

static void net_slirp_cleanup(NetClientState *nc)
{
    NetSlirpState *s = (NetSlirpState *)nc;

    if (s->source) {
        net_slirp_pollfds_clear((SlirpSource *)s->source);
        ((SlirpSource *)s->source)->s = NULL;
        g_source_destroy(s->source);
        g_source_unref(s->source);
    }
    if (s->slirp) {
        slirp_cleanup(s->slirp);
    }
    if (s->pollfds) {
        g_ptr_array_unref(s->pollfds);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(s->strings); i++) {
        g_free(s->strings[i]);
    }
    g_strfreev(s->dnssearch);
}

static const NetClientInfo net_slirp_info = {
    .kind = NET_CLIENT_USER,
    .type = "user",
    .size = sizeof(NetSlirpState),
    .receive = net_slirp_receive,
    .cleanup = net_slirp_cleanup,
};

static bool net_slirp_addr(const char *key, const char *value,
                           struct in_addr *out, GError **errp)
{
    if (!inet_aton(value, out)) {
        return error_setg(errp, "Failed to parse %s address '%s'", key, value);
    }
    return true;
}

/* net=ADDR[/MASK]: MASK a prefix length or a dotted mask. */
static bool net_slirp_parse_net(const char *value, struct in_addr *net,
                                struct in_addr *mask, GError **errp)
{
    const char *slash = strchr(value, '/');
    g_autofree char *addr =
        g_strndup(value, slash ? slash - value : strlen(value));

    if (!inet_aton(addr, net)) {
        return error_setg(errp, "Failed to parse net address '%s'", value);
    }
    if (slash) {
        uint64_t bits;

        if (parse_uint64(slash + 1, &bits, NULL)) {
            if (bits < 4 || bits > 32) {
                return error_setg(errp, "Invalid netmask provided (must be "
                                        "in range 4-32)");
            }
            mask->s_addr = htonl(~0u << (32 - bits));
        } else if (!inet_aton(slash + 1, mask)) {
            return error_setg(errp, "Failed to parse netmask '%s'", slash + 1);
        }
    }
    net->s_addr &= mask->s_addr;
    return true;
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
/*
 * Cuts the text up to sep off *p into a new string (NULL, *p unchanged,
 * when sep does not occur).
 */
static char *take_until(const char **p, char sep)
{
    const char *end = strchr(*p, sep);
    char *part;

    if (!end) {
        return NULL;
    }
    part = g_strndup(*p, end - *p);
    *p = end + 1;
    return part;
}

static bool parse_port(const char *text, long min, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(text, &end, 0);
    return *text && !*end && !errno && *out >= min && *out <= 65535;
}

/*
 * hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, checked
 * part by part so that the reason names the first part that is wrong.
 */
static bool net_slirp_hostfwd(NetSlirpState *s, const char *rule,
                              struct in_addr default_guest, GError **errp)
{
    struct in_addr host_addr = {.s_addr = INADDR_ANY}, guest_addr;
    g_autofree char *proto = NULL, *haddr = NULL, *hport = NULL;
    g_autofree char *gaddr = NULL;
    const char *p = rule, *reason = NULL;
    long host_port = 0, guest_port = 0;
    bool is_udp = false;

    guest_addr = default_guest;
    if (!(proto = take_until(&p, ':'))) {
        reason = "No : separators";
    } else if (*proto && strcmp(proto, "tcp") && strcmp(proto, "udp")) {
        reason = "Bad protocol name";
    } else if (!(haddr = take_until(&p, ':'))) {
        reason = "Missing : separator";
    } else if (*haddr && !inet_aton(haddr, &host_addr)) {
        reason = "Bad host address";
    } else if (!(hport = take_until(&p, '-'))) {
        reason = "Bad host port separator";
    } else if (!parse_port(hport, 0, &host_port)) {
        reason = "Bad host port";
    } else if (!(gaddr = take_until(&p, ':'))) {
        reason = "Missing guest address";
    } else if (*gaddr && !inet_aton(gaddr, &guest_addr)) {
        reason = "Bad guest address";
    } else if (!parse_port(p, 1, &guest_port)) {
        reason = "Bad guest port";
    }
    if (reason) {
        return error_setg(errp, "Invalid host forwarding rule '%s' (%s)", rule,
                          reason);
    }
    is_udp = !strcmp(proto, "udp");
    if (slirp_add_hostfwd(s->slirp, is_udp, host_addr, host_port, guest_addr,
                          guest_port) < 0) {
        return error_setg(errp, "Could not set up host forwarding rule '%s'",
                          rule);
    }
    return true;
}

static const char *net_slirp_keep(NetSlirpState *s, unsigned slot,
                                  const char *value)
{
    g_assert(slot < G_N_ELEMENTS(s->strings));
    s->strings[slot] = g_strdup(value);
    return s->strings[slot];
}

NetClientState *net_slirp_init(KeyValList *kv, const char *name,
                               NetClientState *peer, GError **errp)
{
    SlirpConfig cfg = {.version = 1, .in_enabled = true};
    NetSlirpState *s;
    const char *v, *net_str = keyval_get(kv, "net");
    struct in_addr net = {htonl(0x0a000200)}, mask = {htonl(0xffffff00)};
    struct in_addr host, dhcp, dns;
    bool restricted, ipv4, ipv6;
    g_autofree char *net_text = NULL;

    if (!keyval_get_bool(kv, "restrict", false, &restricted, errp) ||
        !keyval_get_bool(kv, "ipv4", true, &ipv4, errp) ||
        !keyval_get_bool(kv, "ipv6", true, &ipv6, errp)) {
        return NULL;
    }
    if (!ipv4 && !ipv6) {
        error_setg(errp, "IPv4 and IPv6 disabled");
        return NULL;
    }
    if (net_str && !net_slirp_parse_net(net_str, &net, &mask, errp)) {
        return NULL;
    }
    host.s_addr = net.s_addr | htonl(2);
    dhcp.s_addr = net.s_addr | htonl(15);
    dns.s_addr = net.s_addr | htonl(3);
    if (((v = keyval_get(kv, "host")) &&
         !net_slirp_addr("host", v, &host, errp)) ||
        ((v = keyval_get(kv, "dhcpstart")) &&
         !net_slirp_addr("dhcpstart", v, &dhcp, errp)) ||
        ((v = keyval_get(kv, "dns")) &&
         !net_slirp_addr("dns", v, &dns, errp))) {
        return NULL;
    }
    if ((host.s_addr & mask.s_addr) != net.s_addr) {
        error_setg(errp, "Host doesn't belong to network");
        return NULL;
    }
    if ((dns.s_addr & mask.s_addr) != net.s_addr) {
        error_setg(errp, "DNS doesn't belong to network");
        return NULL;
    }
    if ((dhcp.s_addr & mask.s_addr) != net.s_addr) {
        error_setg(errp, "DHCP doesn't belong to network");
        return NULL;
    }
    if (dns.s_addr == host.s_addr) {
        error_setg(errp, "DNS must be different from host");
        return NULL;
    }
    if (dhcp.s_addr == host.s_addr || dhcp.s_addr == dns.s_addr) {
        error_setg(errp, "DHCP must be different from host and DNS");
        return NULL;
    }
    cfg.restricted = restricted;
    cfg.in_enabled = ipv4;
    cfg.in6_enabled = ipv6;
    cfg.vnetwork = net;
    cfg.vnetmask = mask;
    cfg.vhost = host;
    cfg.vdhcp_start = dhcp;
    cfg.vnameserver = dns;
    /* IPv6: QEMU's defaults, fec0::/64 with the host at ::2, DNS at ::3. */
    inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
    cfg.vprefix_len = 64;
    inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
    if ((v = keyval_get(kv, "ipv6-net"))) {
        g_auto(GStrv) parts = g_strsplit(v, "/", 2);
        uint64_t len = 64;

        if (inet_pton(AF_INET6, parts[0], &cfg.vprefix_addr6) != 1 ||
            (parts[1] && (!parse_uint64(parts[1], &len, NULL) || len > 126))) {
            error_setg(errp, "Parameter 'ipv6-net' expects a valid IPv6 "
                             "network prefix");
            return NULL;
        }
        cfg.vprefix_len = len;
    }
    if (((v = keyval_get(kv, "ipv6-host")) &&
         inet_pton(AF_INET6, v, &cfg.vhost6) != 1) ||
        ((v = keyval_get(kv, "ipv6-dns")) &&
         inet_pton(AF_INET6, v, &cfg.vnameserver6) != 1)) {
        error_setg(errp, "Failed to parse IPv6 address '%s'", v);
        return NULL;
    }

    s = (NetSlirpState *)net_client_new(&net_slirp_info, peer, NULL, name);
    s->pollfds = g_ptr_array_new_with_free_func(g_free);
    cfg.vhostname = net_slirp_keep(s, 0, keyval_get(kv, "hostname"));
    cfg.tftp_path = net_slirp_keep(s, 1, keyval_get(kv, "tftp"));
    cfg.bootfile = net_slirp_keep(s, 2, keyval_get(kv, "bootfile"));
    cfg.vdomainname = net_slirp_keep(s, 3, keyval_get(kv, "domainname"));
    cfg.tftp_server_name =
        net_slirp_keep(s, 4, keyval_get(kv, "tftp-server-name"));
    if (keyval_has(kv, "dnssearch")) {
        /* One domain per dnssearch=, as QEMU takes them; slirp keeps it. */
        GPtrArray *domains = g_ptr_array_new();

        for (unsigned i = 0; i < keyval_count(kv); i++) {
            if (!strcmp(keyval_key_at(kv, i), "dnssearch")) {
                g_ptr_array_add(domains, g_strdup(keyval_value_at(kv, i)));
            }
        }
        g_ptr_array_add(domains, NULL);
        keyval_mark_used(kv, "dnssearch");
        s->dnssearch = (GStrv)g_ptr_array_free(domains, false);
        cfg.vdnssearch = (const char **)s->dnssearch;
    }
    s->slirp = slirp_new(&cfg, &net_slirp_callbacks, s);
    if (!s->slirp) {
        error_setg(errp, "user-mode network stack could not start");
        net_client_free(&s->nc);
        return NULL;
    }
    for (unsigned i = 0; i < keyval_count(kv); i++) {
        if (!strcmp(keyval_key_at(kv, i), "hostfwd") &&
            !net_slirp_hostfwd(s, keyval_value_at(kv, i), dhcp, errp)) {
            net_client_free(&s->nc);
            return NULL;
        }
    }
    keyval_mark_used(kv, "hostfwd");
    s->source = g_source_new(&net_slirp_source_funcs, sizeof(SlirpSource));
    ((SlirpSource *)s->source)->s = s;
    g_source_set_name(s->source, "net-slirp");
    g_source_attach(s->source, main_loop_context());
    net_text = g_strdup(inet_ntoa(net));
    snprintf(s->nc.info_str, sizeof(s->nc.info_str), "net=%s,restrict=%s",
             net_text, restricted ? "on" : "off");
    return &s->nc;
}
