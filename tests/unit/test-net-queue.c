/*
 * The net layer's packet path (net/net.c, net/hub.c) between test clients:
 * a peer that cannot receive makes the sender wait (0 returned, callback
 * on delivery) instead of losing packets, a flush delivers them oldest
 * first and stops where the receiver stops taking, uncallbacked packets
 * past the queue's limit are dropped and counted, a pulled link drops
 * everything, and the hub forwards to every other port with the same
 * back-pressure.
 */
#include <errno.h>
#include <string.h>

#include "net/hub.h"
#include "net/net.h"

typedef struct TestClient {
    NetClientState nc;
    bool can_receive;     /* what can_receive() answers */
    int refuse;           /* receive() returns 0 this many times */
    GPtrArray *received;  /* GBytes * */
    GArray *sent;         /* ssize_t, what sent callbacks reported */
    unsigned link_events; /* link_status_changed calls */
} TestClient;

static ssize_t test_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
    TestClient *c = (TestClient *)nc;

    if (c->refuse > 0) {
        c->refuse--;
        return 0;
    }
    g_ptr_array_add(c->received, g_bytes_new(buf, size));
    return size;
}

static bool test_can_receive(NetClientState *nc)
{
    return ((TestClient *)nc)->can_receive;
}

static void test_link_status_changed(NetClientState *nc)
{
    ((TestClient *)nc)->link_events++;
}

static void test_cleanup(NetClientState *nc)
{
    TestClient *c = (TestClient *)nc;

    g_ptr_array_unref(c->received);
    g_array_unref(c->sent);
}

static const NetClientInfo test_info = {
    .kind = NET_CLIENT_TEST,
    .type = "test",
    .size = sizeof(TestClient),
    .receive = test_receive,
    .can_receive = test_can_receive,
    .link_status_changed = test_link_status_changed,
    .cleanup = test_cleanup,
};

static TestClient *test_client_new(const char *name, NetClientState *peer)
{
    TestClient *c = (TestClient *)net_client_new(&test_info, peer, NULL, name);

    c->can_receive = true;
    c->received = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    c->sent = g_array_new(false, false, sizeof(ssize_t));
    return c;
}

static void test_sent(NetClientState *sender, ssize_t len)
{
    g_array_append_val(((TestClient *)sender)->sent, len);
}

static void assert_received(TestClient *c, unsigned i, const char *text)
{
    GBytes *b;

    g_assert_cmpuint(c->received->len, >, i);
    b = g_ptr_array_index(c->received, i);
    g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b), text,
                    strlen(text));
}

static ssize_t send_text(TestClient *from, const char *text, bool with_cb)
{
    return net_send_packet_async(&from->nc, (const uint8_t *)text, strlen(text),
                                 with_cb ? test_sent : NULL);
}

static void test_direct(void)
{
    TestClient *a = test_client_new("a", NULL);
    TestClient *b = test_client_new("b", &a->nc);

    g_assert_true(a->nc.peer == &b->nc && b->nc.peer == &a->nc);
    g_assert_cmpint(send_text(a, "hello", true), ==, 5);
    assert_received(b, 0, "hello");
    g_assert_cmpuint(a->sent->len, ==, 0); /* delivered at once: no callback */
    g_assert_cmpint(send_text(b, "back", false), ==, 4);
    assert_received(a, 0, "back");
    net_cleanup();
}

static void test_backpressure(void)
{
    TestClient *nic = test_client_new("nic", NULL);
    TestClient *backend = test_client_new("backend", &nic->nc);

    nic->can_receive = false;
    g_assert_false(net_can_send(&backend->nc));
    g_assert_cmpint(send_text(backend, "one", true), ==, 0);
    g_assert_cmpint(send_text(backend, "two", true), ==, 0);
    g_assert_cmpint(send_text(backend, "three", true), ==, 0);
    g_assert_cmpuint(nic->received->len, ==, 0);
    g_assert_cmpuint(net_queue_length(&nic->nc), ==, 3);
    /* Still unable: a flush delivers nothing. */
    g_assert_false(net_queue_flush(&nic->nc));
    g_assert_cmpuint(backend->sent->len, ==, 0);

    nic->can_receive = true;
    /* While packets wait, new ones queue behind them, never ahead. */
    g_assert_false(net_can_send(&backend->nc));
    g_assert_cmpint(send_text(backend, "four", true), ==, 0);
    g_assert_true(net_queue_flush(&nic->nc));
    g_assert_cmpuint(nic->received->len, ==, 4);
    assert_received(nic, 0, "one");
    assert_received(nic, 1, "two");
    assert_received(nic, 2, "three");
    assert_received(nic, 3, "four");
    g_assert_cmpuint(backend->sent->len, ==, 4);
    g_assert_cmpint(g_array_index(backend->sent, ssize_t, 0), ==, 3);
    g_assert_cmpint(g_array_index(backend->sent, ssize_t, 2), ==, 5);
    g_assert_true(net_can_send(&backend->nc));
    g_assert_cmpuint(nic->nc.dropped, ==, 0);
    net_cleanup();
}

/* receive() returning 0 is "not now": the packet stays first in line. */
static void test_receive_refuses(void)
{
    TestClient *nic = test_client_new("nic", NULL);
    TestClient *backend = test_client_new("backend", &nic->nc);

    nic->refuse = 1;
    g_assert_cmpint(send_text(backend, "a", true), ==, 0);
    g_assert_cmpint(send_text(backend, "b", true), ==, 0);
    nic->refuse = 1;
    g_assert_false(net_queue_flush(&nic->nc));
    g_assert_cmpuint(nic->received->len, ==, 0);
    g_assert_cmpuint(net_queue_length(&nic->nc), ==, 2);
    g_assert_true(net_queue_flush(&nic->nc));
    assert_received(nic, 0, "a");
    assert_received(nic, 1, "b");
    g_assert_cmpuint(backend->sent->len, ==, 2);
    net_cleanup();
}

/* A source that cannot wait is queued up to the limit, then counted. */
static void test_queue_limit(void)
{
    TestClient *nic = test_client_new("nic", NULL);
    TestClient *backend = test_client_new("backend", &nic->nc);

    nic->nc.queue_limit = 2;
    nic->can_receive = false;
    g_assert_cmpint(send_text(backend, "p1", false), ==, 0);
    g_assert_cmpint(send_text(backend, "p2", false), ==, 0);
    g_assert_cmpint(send_text(backend, "p3", false), ==, -ENOBUFS);
    g_assert_cmpuint(nic->nc.dropped, ==, 1);
    /* One that waits for its callback is still taken. */
    g_assert_cmpint(send_text(backend, "p4", true), ==, 0);
    nic->can_receive = true;
    g_assert_true(net_queue_flush(&nic->nc));
    g_assert_cmpuint(nic->received->len, ==, 3);
    assert_received(nic, 0, "p1");
    assert_received(nic, 1, "p2");
    assert_received(nic, 2, "p4");
    g_assert_cmpuint(backend->sent->len, ==, 1);
    net_cleanup();
}

static void test_link_down(void)
{
    TestClient *nic = test_client_new("nic", NULL);
    TestClient *backend = test_client_new("backend", &nic->nc);

    nic->can_receive = false;
    g_assert_cmpint(send_text(backend, "lost", true), ==, 0);
    net_client_set_link(&nic->nc, false);
    g_assert_true(nic->nc.link_down && backend->nc.link_down);
    g_assert_cmpuint(nic->link_events, ==, 1);
    g_assert_cmpuint(backend->link_events, ==, 1);
    /* The waiting packet is dropped and its sender told. */
    g_assert_cmpuint(net_queue_length(&nic->nc), ==, 0);
    g_assert_cmpuint(backend->sent->len, ==, 1);
    g_assert_cmpint(g_array_index(backend->sent, ssize_t, 0), ==, -1);
    nic->can_receive = true;
    g_assert_cmpint(send_text(backend, "gone", true), ==, 4);
    g_assert_cmpint(send_text(nic, "gone", true), ==, 4);
    g_assert_cmpuint(nic->received->len, ==, 0);
    g_assert_cmpuint(backend->received->len, ==, 0);
    net_client_set_link(&backend->nc, true);
    g_assert_cmpint(send_text(backend, "back", true), ==, 4);
    assert_received(nic, 0, "back");
    net_cleanup();
}

/* Freeing a sender forgets its queued packets without calling it back. */
static void test_free_sender(void)
{
    TestClient *nic = test_client_new("nic", NULL);
    TestClient *backend = test_client_new("backend", &nic->nc);

    nic->can_receive = false;
    g_assert_cmpint(send_text(backend, "x", true), ==, 0);
    net_client_free(&backend->nc);
    g_assert_null(nic->nc.peer);
    g_assert_cmpuint(net_queue_length(&nic->nc), ==, 0);
    nic->can_receive = true;
    g_assert_true(net_queue_flush(&nic->nc));
    g_assert_cmpuint(nic->received->len, ==, 0);
    net_cleanup();
    g_assert_null(net_client_list());
}

static void test_hub(void)
{
    NetClientState *p0 = net_hub_add_port(0, NULL);
    NetClientState *p1 = net_hub_add_port(0, NULL);
    NetClientState *p2 = net_hub_add_port(0, "named");
    NetClientState *other = net_hub_add_port(1, NULL);
    TestClient *user = test_client_new("user", p0);
    TestClient *nic1 = test_client_new("nic1", p1);
    TestClient *nic2 = test_client_new("nic2", p2);
    TestClient *lone = test_client_new("lone", other);
    g_autoptr(GString) info = g_string_new(NULL);

    g_assert_cmpstr(p0->name, ==, "hub0port0");
    g_assert_cmpstr(p1->name, ==, "hub0port1");
    g_assert_cmpstr(p2->name, ==, "named");
    g_assert_cmpstr(other->name, ==, "hub1port0");
    g_assert_cmpint(net_hub_id_for_client(p2), ==, 0);
    g_assert_cmpint(net_hub_id_for_client(other), ==, 1);
    g_assert_cmpint(net_hub_id_for_client(&user->nc), ==, -1);

    /* To every other port of the same hub, not back, not to other hubs. */
    g_assert_cmpint(send_text(user, "bcast", true), ==, 5);
    assert_received(nic1, 0, "bcast");
    assert_received(nic2, 0, "bcast");
    g_assert_cmpuint(user->received->len, ==, 0);
    g_assert_cmpuint(lone->received->len, ==, 0);
    g_assert_cmpint(send_text(nic1, "reply", true), ==, 5);
    assert_received(user, 0, "reply");
    assert_received(nic2, 1, "reply");

    /* One slow NIC holds the backend back; nothing is lost for anyone. */
    nic2->can_receive = false;
    g_assert_false(net_can_send(&user->nc));
    g_assert_cmpint(send_text(user, "w1", true), ==, 0);
    g_assert_cmpint(send_text(user, "w2", true), ==, 0);
    g_assert_cmpuint(nic1->received->len, ==, 1);
    nic2->can_receive = true;
    net_queue_flush(&nic2->nc);
    g_assert_cmpuint(nic1->received->len, ==, 3);
    assert_received(nic1, 1, "w1");
    assert_received(nic1, 2, "w2");
    g_assert_cmpuint(nic2->received->len, ==, 4);
    assert_received(nic2, 2, "w1");
    assert_received(nic2, 3, "w2");
    g_assert_cmpuint(user->sent->len, ==, 2);
    g_assert_cmpuint(nic1->nc.dropped + nic2->nc.dropped, ==, 0);

    net_hub_info(info);
    /* Newest port first, as QEMU lists them. */
    g_assert_nonnull(strstr(info->str, "hub 0\n \\ named: nic2: "));
    g_assert_nonnull(strstr(info->str, " \\ hub0port0: user: "));
    g_assert_nonnull(strstr(info->str, "hub 1\n \\ hub1port0: lone: "));
    net_cleanup();
}

static void test_registry(void)
{
    TestClient *a = test_client_new("n0", NULL);
    TestClient *b = test_client_new("n0", NULL);

    g_assert_true(net_client_register(&a->nc));
    g_assert_false(net_client_register(&b->nc));
    g_assert_true(net_client_find("n0") == &a->nc);
    net_client_free(&a->nc);
    g_assert_null(net_client_find("n0"));
    g_assert_true(net_client_register(&b->nc));
    net_cleanup();
    g_assert_null(net_client_find("n0"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/direct", test_direct);
    g_test_add_func("/net/backpressure", test_backpressure);
    g_test_add_func("/net/receive-refuses", test_receive_refuses);
    g_test_add_func("/net/queue-limit", test_queue_limit);
    g_test_add_func("/net/link-down", test_link_down);
    g_test_add_func("/net/free-sender", test_free_sender);
    g_test_add_func("/net/hub", test_hub);
    g_test_add_func("/net/registry", test_registry);
    return g_test_run();
}
