/*
 * The virtio core's split rings on a plain buffer mapped as guest RAM:
 * vring_need_event's arithmetic, indexes wrapping at 65536, elements
 * mapped in place, EVENT_IDX in both directions, and the descriptor-chain
 * validator (each bad chain breaks the device until a reset).
 */
#include <string.h>

#include "hw/virtio/virtio.h"
#include "system/memory.h"

#define RAM_SIZE 0x100000
#define QSIZE 16
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define BUF 0x10000
#define MMIO_BASE 0x200000

static uint8_t *ram_buf;
static MemoryRegion root, ram, mmio;
static unsigned mmio_writes;
static AddressSpace as;
static VirtIODevice vdev;
static unsigned notifies, config_notifies;

static uint64_t test_get_features(VirtIODevice *v)
{
    return 0;
}

static const VirtIODeviceOps test_ops = {
    .get_features = test_get_features,
};

static void test_notify(void *opaque, uint16_t vector)
{
    if (vector == 7) {
        config_notifies++;
    } else {
        notifies++;
    }
}

static unsigned mmio_reads;

static uint64_t mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    mmio_reads++;
    return 0;
}

static void mmio_write(void *opaque, uint64_t addr, uint64_t v, unsigned size)
{
    mmio_writes++;
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .valid_max = 8,
    .impl_max = 8,
};

static const VirtIOTransportOps test_transport = {
    .notify = test_notify,
};

static void put16(uint64_t addr, uint16_t v)
{
    v = GUINT16_TO_LE(v);
    memcpy(ram_buf + addr, &v, 2);
}

static uint16_t get16(uint64_t addr)
{
    uint16_t v;

    memcpy(&v, ram_buf + addr, 2);
    return GUINT16_FROM_LE(v);
}

static uint32_t get32(uint64_t addr)
{
    uint32_t v;

    memcpy(&v, ram_buf + addr, 4);
    return GUINT32_FROM_LE(v);
}

static void desc_put(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
    uint8_t *d = ram_buf + table + 16 * i;

    addr = GUINT64_TO_LE(addr);
    len = GUINT32_TO_LE(len);
    flags = GUINT16_TO_LE(flags);
    next = GUINT16_TO_LE(next);
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

/* A fresh device: one 16-entry queue at DESC/AVAIL/USED, DRIVER_OK. */
static VirtQueue *setup(uint64_t features, uint16_t start_idx)
{
    static bool once;
    VirtQueue *vq;

    if (!once) {
        once = true;
        ram_buf = g_malloc0(RAM_SIZE);
        memory_region_init_container(&root, "root", UINT64_MAX);
        memory_region_init_ram_ptr(&ram, "ram", RAM_SIZE, ram_buf);
        memory_region_add_subregion(&root, 0, &ram);
        memory_region_init_io(&mmio, "mmio", &mmio_ops, NULL, 0x1000);
        memory_region_add_subregion(&root, MMIO_BASE, &mmio);
        address_space_init(&as, &root, "test");
        virtio_init(&vdev, "test-virtio", 1, &test_ops, 8, 1);
        virtio_add_queue(&vdev, 0, QSIZE, NULL);
        virtio_set_transport(&vdev, &test_transport, NULL, &as);
    }
    memset(ram_buf, 0, RAM_SIZE);
    virtio_reset(&vdev);
    notifies = config_notifies = 0;
    virtio_set_guest_features(&vdev, features | (1ull << VIRTIO_F_VERSION_1));
    virtio_set_status(&vdev,
                      VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                          VIRTIO_CONFIG_S_FEATURES_OK,
                      true);
    g_assert_true(vdev.status & VIRTIO_CONFIG_S_FEATURES_OK);
    vdev.config_vector = 7;
    vq = &vdev.vq[0];
    vq->desc = DESC;
    vq->avail = AVAIL;
    vq->used = USED;
    vq->vector = 1;
    virtio_queue_enable(vq);
    g_assert_true(vq->enabled);
    vq->last_avail_idx = vq->used_idx = start_idx;
    put16(AVAIL + 2, start_idx);
    put16(USED + 2, start_idx);
    virtio_set_status(&vdev, vdev.status | VIRTIO_CONFIG_S_DRIVER_OK, true);
    return vq;
}

static void make_available(uint16_t head)
{
    uint16_t idx = get16(AVAIL + 2);

    put16(AVAIL + 4 + 2 * (idx % QSIZE), head);
    put16(AVAIL + 2, idx + 1);
}

static void test_need_event(void)
{
    static const struct {
        uint16_t event, new_idx, old_idx;
        bool want;
    } cases[] = {
        {0, 1, 0, true},          /* the one just published */
        {1, 1, 0, false},         /* not reached yet */
        {5, 10, 3, true},         /* inside [old, new) */
        {2, 10, 3, false},        /* before old: already signalled */
        {10, 10, 3, false},       /* new itself is not crossed */
        {65535, 0, 65534, true},  /* wrapping at 65536 */
        {65535, 2, 65530, true},  /* a batch across the wrap */
        {3, 2, 65530, false},     /* past the batch */
        {65529, 2, 65530, false}, /* before the batch */
        {7, 7, 7, false},         /* nothing moved */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(vring_need_event(cases[i].event, cases[i].new_idx,
                                         cases[i].old_idx),
                        ==, cases[i].want);
    }
}

/* Readable and writable buffers are mapped in place, in order. */
static void test_pop_push(void)
{
    VirtQueue *vq = setup(0, 0);
    VirtQueueElement *elem;

    desc_put(DESC, 3, BUF, 16, VRING_DESC_F_NEXT, 5);
    desc_put(DESC, 5, BUF + 0x100, 512, VRING_DESC_F_NEXT, 9);
    desc_put(DESC, 9, BUF + 0x400, 513, VRING_DESC_F_WRITE, 0);
    make_available(3);
    g_assert_false(virtqueue_empty(vq));
    elem = virtqueue_pop(vq);
    g_assert_nonnull(elem);
    g_assert_cmpuint(elem->head, ==, 3);
    g_assert_cmpuint(elem->ndescs, ==, 3);
    g_assert_cmpuint(elem->out.size, ==, 528);
    g_assert_cmpuint(elem->out.niov, ==, 2);
    g_assert_true(elem->out.iov[0].iov_base == ram_buf + BUF);
    g_assert_true(elem->out.iov[1].iov_base == ram_buf + BUF + 0x100);
    g_assert_cmpuint(elem->in.size, ==, 513);
    g_assert_true(elem->in.iov[0].iov_base == ram_buf + BUF + 0x400);
    g_assert_true(virtqueue_empty(vq));
    g_assert_null(virtqueue_pop(vq));
    virtqueue_push(vq, elem, 100);
    g_assert_cmpuint(get16(USED + 2), ==, 1);
    g_assert_cmpuint(get32(USED + 4), ==, 3);
    g_assert_cmpuint(get32(USED + 8), ==, 100);
    virtio_notify(&vdev, vq);
    g_assert_cmpuint(notifies, ==, 1);
    g_assert_cmphex(vdev.isr, ==, VIRTIO_ISR_QUEUE);

    /* NO_INTERRUPT (without EVENT_IDX) suppresses the next one. */
    put16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
    virtio_notify(&vdev, vq);
    g_assert_cmpuint(notifies, ==, 1);
    /* And the device asks for no kicks while it processes. */
    virtqueue_set_notification(vq, false);
    g_assert_cmphex(get16(USED), ==, VRING_USED_F_NO_NOTIFY);
    virtqueue_set_notification(vq, true);
    g_assert_cmphex(get16(USED), ==, 0);
}

/* Indexes run through 65535 to 0; ring slots are taken modulo the size. */
/* Several elements published at once; an element put back comes again. */
static void test_fill_flush_unpop(void)
{
    VirtQueue *vq = setup(0, 0);
    VirtQueueElement *a, *b, *c;

    desc_put(DESC, 1, BUF, 64, VRING_DESC_F_WRITE, 0);
    desc_put(DESC, 2, BUF + 0x100, 64, VRING_DESC_F_WRITE, 0);
    desc_put(DESC, 3, BUF + 0x200, 64, VRING_DESC_F_WRITE, 0);
    make_available(1);
    make_available(2);
    make_available(3);
    a = virtqueue_pop(vq);
    b = virtqueue_pop(vq);
    c = virtqueue_pop(vq);
    g_assert_cmpuint(vq->inuse, ==, 3);
    /* Not enough: the last two go back, in reverse order. */
    virtqueue_unpop(vq, c);
    virtqueue_unpop(vq, b);
    g_assert_cmpuint(vq->inuse, ==, 1);
    g_assert_cmpuint(vq->last_avail_idx, ==, 1);
    b = virtqueue_pop(vq);
    g_assert_cmpuint(b->head, ==, 2);
    /* Filled entries are invisible until the flush publishes them. */
    virtqueue_fill(vq, a, 64, 0);
    virtqueue_fill(vq, b, 10, 1);
    g_assert_cmpuint(get16(USED + 2), ==, 0);
    g_assert_cmpuint(get32(USED + 4), ==, 1);
    g_assert_cmpuint(get32(USED + 12), ==, 2);
    g_assert_cmpuint(get32(USED + 16), ==, 10);
    virtqueue_flush(vq, 2);
    g_assert_cmpuint(get16(USED + 2), ==, 2);
    g_assert_cmpuint(vq->inuse, ==, 0);
    c = virtqueue_pop(vq);
    g_assert_cmpuint(c->head, ==, 3);
    virtqueue_push(vq, c, 0);
    g_assert_cmpuint(get16(USED + 2), ==, 3);
    g_assert_null(virtqueue_pop(vq));
}

static void test_index_wrap(void)
{
    VirtQueue *vq = setup(0, 65534);
    VirtQueueElement *elem[3];

    for (unsigned i = 0; i < 3; i++) {
        desc_put(DESC, i, BUF + 0x100 * i, 64, VRING_DESC_F_WRITE, 0);
        make_available(i);
    }
    g_assert_cmpuint(get16(AVAIL + 2), ==, 1);
    for (unsigned i = 0; i < 3; i++) {
        elem[i] = virtqueue_pop(vq);
        g_assert_nonnull(elem[i]);
        g_assert_cmpuint(elem[i]->head, ==, i);
    }
    g_assert_null(virtqueue_pop(vq));
    g_assert_cmpuint(vq->last_avail_idx, ==, 1);
    for (unsigned i = 0; i < 3; i++) {
        virtqueue_push(vq, elem[2 - i], 8);
    }
    g_assert_cmpuint(get16(USED + 2), ==, 1);
    /* Slots 65534 % 16 = 14, 15, then 0. */
    g_assert_cmpuint(get32(USED + 4 + 8 * 14), ==, 2);
    g_assert_cmpuint(get32(USED + 4 + 8 * 15), ==, 1);
    g_assert_cmpuint(get32(USED + 4 + 8 * 0), ==, 0);
    g_assert_false(vdev.broken);
}

static void test_event_idx(void)
{
    VirtQueue *vq = setup(1ull << VIRTIO_RING_F_EVENT_IDX, 0);
    uint64_t used_event = AVAIL + 4 + 2 * QSIZE;
    uint64_t avail_event = USED + 4 + 8 * QSIZE;
    VirtQueueElement *elem;

    for (unsigned round = 0; round < 4; round++) {
        desc_put(DESC, round, BUF, 16, VRING_DESC_F_WRITE, 0);
        make_available(round);
        elem = virtqueue_pop(vq);
        g_assert_nonnull(elem);
        /* The device says how far it has read (driver -> device). */
        g_assert_cmpuint(get16(avail_event), ==, round + 1);
        virtqueue_push(vq, elem, 0);
        /* The driver wants an interrupt once used idx passes 2. */
        put16(used_event, 2);
        virtio_notify(&vdev, vq);
    }
    /* The first is always sent; then only the move from 2 to 3. */
    g_assert_cmpuint(notifies, ==, 2);
    virtqueue_set_notification(vq, true);
    g_assert_cmpuint(get16(avail_event), ==, 4);
}

typedef void BadChainSetup(void);

static void bad_head(void)
{
    make_available(QSIZE);
}

static void bad_next_index(void)
{
    desc_put(DESC, 0, BUF, 16, VRING_DESC_F_NEXT, QSIZE + 3);
    make_available(0);
}

static void bad_loop(void)
{
    desc_put(DESC, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
    desc_put(DESC, 1, BUF, 16, VRING_DESC_F_NEXT, 2);
    desc_put(DESC, 2, BUF, 16, VRING_DESC_F_NEXT, 0);
    make_available(0);
}

static void bad_zero_length(void)
{
    desc_put(DESC, 0, BUF, 0, 0, 0);
    make_available(0);
}

static void bad_out_of_ram(void)
{
    desc_put(DESC, 0, RAM_SIZE - 8, 16, 0, 0);
    make_available(0);
}

/* A device register is not a buffer (a bounce would write it back). */
static void bad_mmio_buffer(void)
{
    desc_put(DESC, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
    desc_put(DESC, 1, MMIO_BASE, 16, VRING_DESC_F_WRITE, 0);
    make_available(0);
}

/* An indirect table is read from RAM only (reads have side effects). */
static void bad_mmio_indirect_table(void)
{
    desc_put(DESC, 0, MMIO_BASE, 32, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
}

static void bad_wrapping_buffer(void)
{
    desc_put(DESC, 0, UINT64_MAX - 4, 16, 0, 0);
    make_available(0);
}

static void bad_write_then_read(void)
{
    desc_put(DESC, 0, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    desc_put(DESC, 1, BUF, 16, 0, 0);
    make_available(0);
}

static void bad_indirect_nested(void)
{
    desc_put(BUF, 0, BUF + 0x100, 32, VRING_DESC_F_INDIRECT, 0);
    desc_put(DESC, 0, BUF, 16, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
}

static void bad_indirect_length(void)
{
    desc_put(BUF, 0, BUF + 0x100, 32, 0, 0);
    desc_put(DESC, 0, BUF, 24, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
}

static void bad_indirect_empty(void)
{
    desc_put(DESC, 0, BUF, 0, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
}

static void bad_indirect_with_next(void)
{
    desc_put(BUF, 0, BUF + 0x100, 32, 0, 0);
    desc_put(DESC, 0, BUF, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
    make_available(0);
}

/* 32 entries chained in an indirect table: longer than the queue. */
static void bad_indirect_too_long(void)
{
    for (unsigned i = 0; i < 32; i++) {
        desc_put(BUF, i, BUF + 0x1000, 8, i < 31 ? VRING_DESC_F_NEXT : 0,
                 i + 1);
    }
    desc_put(DESC, 0, BUF, 32 * 16, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
}

/* The table's own length bounds the next index inside it. */
static void bad_indirect_next_past_table(void)
{
    desc_put(BUF, 0, BUF + 0x1000, 8, VRING_DESC_F_NEXT, 2);
    desc_put(BUF, 1, BUF + 0x1000, 8, 0, 0);
    desc_put(DESC, 0, BUF, 2 * 16, VRING_DESC_F_INDIRECT, 0);
    make_available(0);
}

static void bad_avail_ahead(void)
{
    put16(AVAIL + 2, QSIZE + 1);
}

static void test_bad_chains(void)
{
    static BadChainSetup *const cases[] = {
        bad_head,
        bad_next_index,
        bad_loop,
        bad_zero_length,
        bad_out_of_ram,
        bad_mmio_buffer,
        bad_mmio_indirect_table,
        bad_wrapping_buffer,
        bad_write_then_read,
        bad_indirect_nested,
        bad_indirect_length,
        bad_indirect_empty,
        bad_indirect_with_next,
        bad_indirect_too_long,
        bad_indirect_next_past_table,
        bad_avail_ahead,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VirtQueue *vq = setup(1ull << VIRTIO_RING_F_INDIRECT_DESC, 0);

        cases[i]();
        g_test_message("bad chain %zu", i);
        g_assert_null(virtqueue_pop(vq));
        g_assert_true(vdev.broken);
        g_assert_cmphex(vdev.status & VIRTIO_CONFIG_S_NEEDS_RESET, ==,
                        VIRTIO_CONFIG_S_NEEDS_RESET);
        g_assert_cmphex(vdev.isr, ==, VIRTIO_ISR_CONFIG);
        g_assert_cmpuint(config_notifies, ==, 1);
        g_assert_cmpuint(mmio_writes, ==, 0);
        g_assert_cmpuint(mmio_reads, ==, 0);
        /* Nothing was consumed, and the queue stays stopped. */
        g_assert_cmpuint(vq->last_avail_idx, ==, 0);
        g_assert_true(virtqueue_empty(vq));
        /* The driver cannot clear NEEDS_RESET by writing the status. */
        virtio_set_status(&vdev, vdev.status & ~VIRTIO_CONFIG_S_NEEDS_RESET,
                          true);
        g_assert_true(vdev.status & VIRTIO_CONFIG_S_NEEDS_RESET);
    }

    /* Indirect descriptors without the feature are refused too. */
    {
        VirtQueue *vq = setup(0, 0);

        desc_put(BUF, 0, BUF + 0x100, 32, 0, 0);
        desc_put(DESC, 0, BUF, 16, VRING_DESC_F_INDIRECT, 0);
        make_available(0);
        g_assert_null(virtqueue_pop(vq));
        g_assert_true(vdev.broken);
    }

    /* After a reset, a good chain (indirect here) pops again. */
    {
        VirtQueue *vq = setup(1ull << VIRTIO_RING_F_INDIRECT_DESC, 0);
        VirtQueueElement *elem;

        g_assert_false(vdev.broken);
        desc_put(BUF, 0, BUF + 0x100, 16, VRING_DESC_F_NEXT, 1);
        desc_put(BUF, 1, BUF + 0x200, 1, VRING_DESC_F_WRITE, 0);
        desc_put(DESC, 0, BUF, 32, VRING_DESC_F_INDIRECT, 0);
        make_available(0);
        elem = virtqueue_pop(vq);
        g_assert_nonnull(elem);
        g_assert_cmpuint(elem->out.size, ==, 16);
        g_assert_cmpuint(elem->in.size, ==, 1);
        virtqueue_push(vq, elem, 1);
        g_assert_cmpuint(get16(USED + 2), ==, 1);
    }
}

/* Queue sizes a driver may choose, and rings that must fit. */
static void test_queue_setup(void)
{
    VirtQueue *vq = setup(0, 0);

    virtio_reset(&vdev);
    virtio_queue_set_num(vq, 8);
    g_assert_cmpuint(vq->num, ==, 8);
    virtio_queue_set_num(vq, 12); /* not a power of two */
    g_assert_cmpuint(vq->num, ==, 8);
    virtio_queue_set_num(vq, 32); /* more than offered */
    g_assert_cmpuint(vq->num, ==, 8);
    virtio_queue_set_num(vq, 0);
    g_assert_cmpuint(vq->num, ==, 8);
    vq->desc = UINT64_MAX - 64;
    virtio_queue_enable(vq);
    g_assert_false(vq->enabled);
    /* Rings must be RAM too. */
    virtio_reset(&vdev);
    vq->desc = DESC;
    vq->avail = AVAIL;
    vq->used = MMIO_BASE;
    virtio_queue_enable(vq);
    g_assert_false(vq->enabled);

    /* Legacy layout: avail right after the table, used page-aligned. */
    virtio_reset(&vdev);
    virtio_queue_set_legacy_pfn(vq, 0x10);
    g_assert_true(vq->enabled);
    g_assert_cmphex(vq->desc, ==, 0x10000);
    g_assert_cmphex(vq->avail, ==, 0x10000 + 16 * QSIZE);
    g_assert_cmphex(vq->used, ==, 0x11000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio/need-event", test_need_event);
    g_test_add_func("/virtio/pop-push", test_pop_push);
    g_test_add_func("/virtio/fill-flush-unpop", test_fill_flush_unpop);
    g_test_add_func("/virtio/index-wrap", test_index_wrap);
    g_test_add_func("/virtio/event-idx", test_event_idx);
    g_test_add_func("/virtio/bad-chains", test_bad_chains);
    g_test_add_func("/virtio/queue-setup", test_queue_setup);
    return g_test_run();
}
