/*
 * virtio-balloon-pci driven as Linux's virtio_balloon drives it: IDs and
 * features, the host's target through QMP's balloon, the driver's actual
 * through query-balloon and BALLOON_CHANGE, inflated pages given back to
 * the host (pcvm's resident memory drops, the pages read as zeroes), bad
 * page numbers ignored, the statistics buffer held and handed back each
 * polling interval, and qom-get's guest-stats.
 */
#include <stdio.h>
#include <string.h>

#include "libqvirtio.h"

#define BALLOON_LEGACY_ID 0x1002
#define F_STATS_VQ 1
#define F_DEFLATE_ON_OOM 2
#define RAM_MB 256
#define FILL_ADDR (64u << 20) /* the pages the test fills and inflates */
#define FILL_PAGES 8192       /* 32 MiB */

typedef struct Balloon {
    QTestState *s;
    QVirtioDev d;
    QVirtQueue ivq, dvq, svq;
} Balloon;

static void balloon_start(Balloon *b, const char *props)
{
    memset(b, 0, sizeof(*b));
    b->s = qtest_initf("-m %u -device virtio-balloon-pci,addr=04.0%s%s", RAM_MB,
                       props ? "," : "", props ? props : "");
    qvirtio_pci_init(&b->d, b->s, BALLOON_LEGACY_ID, true, true);
    g_assert_true(qvirtio_start(&b->d, (1ull << QVIRTIO_F_VERSION_1) |
                                           (1ull << F_STATS_VQ)));
    qvirtio_set_config_vector(&b->d, 0);
    qvirtqueue_setup(&b->d, &b->ivq, 0, 0, 1);
    qvirtqueue_setup(&b->d, &b->dvq, 1, 0, 1);
    qvirtqueue_setup(&b->d, &b->svq, 2, 0, 1);
    qvirtio_driver_ok(&b->d);
}

/* Resident anonymous memory of the pcvm process, in KiB. */
static long vmm_rss_anon_kb(Balloon *b)
{
    g_autofree char *path =
        g_strdup_printf("/proc/%d/status", (int)qtest_pid(b->s));
    g_autofree char *text = NULL;
    const char *line;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    line = strstr(text, "RssAnon:");
    g_assert_nonnull(line);
    return strtol(line + strlen("RssAnon:"), NULL, 10);
}

/* Sends count page frame numbers from pfns on vq, waits for them back. */
static void balloon_send_pfns(Balloon *b, QVirtQueue *q, const uint32_t *pfns,
                              unsigned count)
{
    uint64_t buf = qvirtio_alloc(b->s, count * 4, 4096);
    unsigned head = qvirtqueue_desc_alloc(q);
    uint32_t id, len;

    qtest_memwrite(b->s, buf, pfns, count * 4);
    qvring_desc_write(b->s, q->desc, head, buf, count * 4, 0, 0);
    qvirtqueue_make_available(q, head);
    qvirtqueue_kick(q);
    g_assert_true(qvirtqueue_wait_used(q, &id, &len));
    g_assert_cmpuint(id, ==, head);
    g_assert_cmpuint(len, ==, 0);
    g_assert_true(qvirtio_wait_msix(&b->d, q->vector, 2000));
}

static gint64 query_actual(Balloon *b)
{
    g_autoptr(JsonObject) r = qtest_qmp(b->s, "{'execute': 'query-balloon'}");

    return json_object_get_int_member(
        json_object_get_object_member(r, "return"), "actual");
}

static void test_ids(void)
{
    Balloon b;
    int devfn = QVIRTIO_SLOT << 3;

    balloon_start(&b, NULL);
    g_assert_cmphex(qpci_cfg_readw(b.s, devfn, 0), ==, 0x1af4);
    g_assert_cmphex(qpci_cfg_readw(b.s, devfn, 2), ==, BALLOON_LEGACY_ID);
    g_assert_cmphex(qpci_cfg_readw(b.s, devfn, 0x0a), ==, 0x00ff);
    g_assert_cmphex(qpci_cfg_readw(b.s, devfn, 0x2e), ==, 5);
    g_assert_true(qvirtio_device_features(&b.d) & (1ull << F_STATS_VQ));
    g_assert_false(qvirtio_device_features(&b.d) & (1ull << F_DEFLATE_ON_OOM));
    qtest_quit(b.s);

    balloon_start(&b, "deflate-on-oom=on");
    g_assert_true(qvirtio_device_features(&b.d) & (1ull << F_DEFLATE_ON_OOM));
    qtest_quit(b.s);
}

/* The host's target reaches the driver; the driver's answer the host. */
static void test_target_and_actual(void)
{
    Balloon b;
    g_autoptr(JsonObject) ev = NULL;
    g_autoptr(JsonObject) r = NULL;

    balloon_start(&b, NULL);
    g_assert_cmpuint(qvirtio_config_readl(&b.d, 0), ==, 0);
    g_assert_cmpint(query_actual(&b), ==, (gint64)RAM_MB << 20);

    /* balloon 192 MiB: the driver should give back 64 MiB of pages. */
    qtest_qmp_assert_success(b.s,
                             "{'execute': 'balloon', "
                             "'arguments': {'value': %u}}",
                             192u << 20);
    g_assert_true(qvirtio_wait_msix(&b.d, 0, 2000)); /* config change */
    g_assert_cmpuint(qvirtio_config_readl(&b.d, 0), ==, (64u << 20) / 4096);

    /* The driver reports what it holds: actual is RAM minus that. */
    qtest_writel(b.s, b.d.device + 4, (64u << 20) / 4096);
    ev = qtest_qmp_eventwait_ref(b.s, "BALLOON_CHANGE");
    g_assert_cmpint(json_object_get_int_member(
                        json_object_get_object_member(ev, "data"), "actual"),
                    ==, 192ll << 20);
    g_assert_cmpint(query_actual(&b), ==, 192ll << 20);

    /* More than the guest has is the whole guest (an empty balloon). */
    qtest_qmp_assert_success(b.s,
                             "{'execute': 'balloon', "
                             "'arguments': {'value': %llu}}",
                             1ull << 40);
    g_assert_cmpuint(qvirtio_config_readl(&b.d, 0), ==, 0);
    r = qtest_qmp(b.s, "{'execute': 'balloon', 'arguments': {'value': 0}}");
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(r, "error"), "desc"),
                    ==, "Parameter 'target' expects a size");
    qtest_quit(b.s);
}

static void test_inflate(void)
{
    Balloon b;
    g_autofree uint32_t *pfns = g_new(uint32_t, FILL_PAGES);
    static const uint32_t bad[] = {
        0xfec00,    /* the IOAPIC */
        0xfffff,    /* the BIOS ROM */
        0x7fffffff, /* nothing at all */
        (RAM_MB << 20) / 4096 + 5,
    };
    long before, filled, after;

    balloon_start(&b, NULL);
    before = vmm_rss_anon_kb(&b);
    /* One page more than the balloon takes, to see it stays. */
    qtest_memset(b.s, FILL_ADDR, 0x5a, (FILL_PAGES + 1) * 4096ull);
    filled = vmm_rss_anon_kb(&b);
    g_test_message("RssAnon: %ld KiB, filled %ld KiB", before, filled);
    qtest_readb(b.s, 0);
    filled = vmm_rss_anon_kb(&b);
    g_test_message("RssAnon a moment later: %ld KiB", filled);
    g_assert_cmpint(filled - before, >=, FILL_PAGES * 4 * 9 / 10);

    for (unsigned i = 0; i < FILL_PAGES; i++) {
        pfns[i] = FILL_ADDR / 4096 + i;
    }
    balloon_send_pfns(&b, &b.ivq, pfns, FILL_PAGES);
    after = vmm_rss_anon_kb(&b);
    g_test_message("RssAnon after inflating 32 MiB: %ld KiB", after);
    g_assert_cmpint(filled - after, >=, FILL_PAGES * 4 * 9 / 10);
    /* The guest gets the pages back, as zeroes, on first touch. */
    g_assert_cmphex(qtest_readq(b.s, FILL_ADDR), ==, 0);
    g_assert_cmphex(qtest_readq(b.s, FILL_ADDR + FILL_PAGES * 4096ull - 8), ==,
                    0);
    g_assert_cmphex(qtest_readb(b.s, FILL_ADDR + FILL_PAGES * 4096ull), ==,
                    0x5a);

    /* Pages that are not RAM are skipped; the device keeps working. */
    balloon_send_pfns(&b, &b.ivq, bad, G_N_ELEMENTS(bad));
    balloon_send_pfns(&b, &b.dvq, pfns, 16);
    g_assert_cmpuint(qvirtio_get_status(&b.d) & QVIRTIO_STATUS_NEEDS_RESET, ==,
                     0);
    qtest_quit(b.s);
}

static void put_stat(uint8_t *p, uint16_t tag, uint64_t value)
{
    p[0] = tag;
    p[1] = tag >> 8;
    for (int i = 0; i < 8; i++) {
        p[2 + i] = value >> (8 * i);
    }
}

static gint64 guest_stat(Balloon *b, const char *name)
{
    g_autoptr(JsonObject) r =
        qtest_qmp(b->s, "{'execute': 'qom-get', 'arguments': {'path': "
                        "'/machine/peripheral-anon/device[0]', 'property': "
                        "'guest-stats'}}");
    JsonObject *ret = json_object_get_object_member(r, "return");

    return json_object_get_int_member(
        json_object_get_object_member(ret, "stats"), name);
}

/* The driver's report is kept; each interval the buffer goes back. */
static void test_stats(void)
{
    Balloon b;
    uint8_t report[3 * 10];
    uint64_t buf;
    unsigned head;
    uint32_t id, len;

    balloon_start(&b, "guest-stats-polling-interval=2");
    g_assert_cmpint(guest_stat(&b, "stat-free-memory"), ==, -1);
    put_stat(report, 4, 100u << 20);      /* MEMFREE */
    put_stat(report + 10, 5, 250u << 20); /* MEMTOT */
    put_stat(report + 20, 99, 7);         /* unknown: ignored */
    buf = qvirtio_alloc(b.s, sizeof(report), 16);
    qtest_memwrite(b.s, buf, report, sizeof(report));
    head = qvirtqueue_desc_alloc(&b.svq);
    qvring_desc_write(b.s, b.svq.desc, head, buf, sizeof(report), 0, 0);
    qvirtqueue_make_available(&b.svq, head);
    qvirtqueue_kick(&b.svq);
    /* The kick is an ioeventfd: its handler runs on the main loop. */
    for (int i = 0; i < 200 && guest_stat(&b, "stat-free-memory") < 0; i++) {
        g_usleep(10000);
    }
    g_assert_cmpint(guest_stat(&b, "stat-free-memory"), ==, 100ll << 20);
    g_assert_cmpint(guest_stat(&b, "stat-total-memory"), ==, 250ll << 20);
    g_assert_cmpint(guest_stat(&b, "stat-swap-in"), ==, 0);
    /* Held: not back before the interval. */
    qtest_clock_step(b.s, 1900000000);
    g_assert_cmpuint(qvirtqueue_used_idx(&b.svq), ==, 0);
    qtest_clock_step(b.s, 200000000);
    g_assert_true(qvirtqueue_wait_used(&b.svq, &id, &len));
    g_assert_cmpuint(id, ==, head);
    g_assert_true(qvirtio_wait_msix(&b.d, 1, 2000));
    qtest_quit(b.s);
}

static void test_no_balloon(void)
{
    QTestState *s = qtest_init("");
    g_autoptr(JsonObject) r = qtest_qmp(s, "{'execute': 'query-balloon'}");
    JsonObject *err = json_object_get_object_member(r, "error");

    g_assert_cmpstr(json_object_get_string_member(err, "class"), ==,
                    "DeviceNotActive");
    g_assert_cmpstr(json_object_get_string_member(err, "desc"), ==,
                    "No balloon device has been activated");
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-balloon/ids", test_ids);
    g_test_add_func("/virtio-balloon/target-and-actual",
                    test_target_and_actual);
    g_test_add_func("/virtio-balloon/inflate", test_inflate);
    g_test_add_func("/virtio-balloon/stats", test_stats);
    g_test_add_func("/virtio-balloon/no-balloon", test_no_balloon);
    return g_test_run();
}
