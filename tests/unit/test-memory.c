/* Flattening, priorities, aliases, listeners and dispatch of the memory API. */
#include <string.h>

#include "system/dma.h"
#include "system/memory.h"

typedef struct {
    uint8_t regs[16];
    unsigned reads, writes;
    unsigned last_size;
} TestDevice;

static uint64_t test_read(void *opaque, uint64_t addr, unsigned size)
{
    TestDevice *d = opaque;
    uint64_t v = 0;

    d->reads++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(addr + i) % 16] << (8 * i);
    }
    return v;
}

static void test_write(void *opaque, uint64_t addr, uint64_t value,
                       unsigned size)
{
    TestDevice *d = opaque;

    d->writes++;
    d->last_size = size;
    for (unsigned i = 0; i < size; i++) {
        d->regs[(addr + i) % 16] = value >> (8 * i);
    }
}

static const MemoryRegionOps byte_ops = {
    .read = test_read,
    .write = test_write,
    .impl_max = 1,
    .valid_max = 4,
};
static const MemoryRegionOps dword_only_ops = {
    .read = test_read,
    .write = test_write,
    .valid_min = 4,
    .valid_max = 4,
    .impl_min = 4,
    .impl_max = 4,
};

/* Renders the view as "start-last:name@offset " for compact assertions. */
static char *view_string(AddressSpace *as)
{
    GString *s = g_string_new(NULL);

    for (unsigned i = 0; i < as->view->ranges->len; i++) {
        FlatRange *r = &g_array_index(as->view->ranges, FlatRange, i);

        g_string_append_printf(s, "%" PRIx64 "-%" PRIx64 ":%s@%" PRIx64 " ",
                               r->start, r->start + r->size - 1, r->mr->name,
                               r->offset);
    }
    return g_string_free(s, false);
}

static void test_overlap_priority(void)
{
    /* static: the address space keeps pointing at them after the test */
    static MemoryRegion root, ram, mmio, low;
    AddressSpace as;
    TestDevice dev = {0};
    g_autofree char *v1 = NULL, *v2 = NULL, *v3 = NULL;

    memory_region_init_container(&root, "root", UINT64_MAX);
    memory_region_init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&mmio, "mmio", &byte_ops, &dev, 0x1000);
    memory_region_init_io(&low, "low", &byte_ops, &dev, 0x3000);
    address_space_init(&as, &root, "test");

    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion_overlap(&root, 0x4000, &mmio, 1);
    /* Lower priority than ram: visible only beyond ram's end. */
    memory_region_add_subregion_overlap(&root, 0xf000, &low, -1);
    v1 = view_string(&as);
    g_assert_cmpstr(v1, ==,
                    "0-3fff:ram@0 4000-4fff:mmio@0 5000-ffff:ram@5000 "
                    "10000-11fff:low@1000 ");

    /* Disabling the MMIO window uncovers the RAM below it, merged. */
    memory_region_set_enabled(&mmio, false);
    v2 = view_string(&as);
    g_assert_cmpstr(v2, ==, "0-ffff:ram@0 10000-11fff:low@1000 ");

    /* Moving it (like a PCI BAR) re-flattens around the new place. */
    memory_region_set_enabled(&mmio, true);
    memory_region_set_address(&mmio, 0xf800);
    v3 = view_string(&as);
    g_assert_cmpstr(v3, ==,
                    "0-f7ff:ram@0 f800-107ff:mmio@0 "
                    "10800-11fff:low@1800 ");

    memory_region_del_subregion(&root, &mmio);
    memory_region_del_subregion(&root, &low);
    memory_region_del_subregion(&root, &ram);
    address_space_destroy(&as);
}

static void test_equal_priority_last_added_wins(void)
{
    /* static: the address space keeps pointing at them after the test */
    static MemoryRegion root, a, b;
    AddressSpace as;
    g_autofree char *v = NULL;

    memory_region_init_container(&root, "root", 0x10000);
    memory_region_init_ram(&a, "a", 0x2000);
    memory_region_init_ram(&b, "b", 0x2000);
    address_space_init(&as, &root, "test");
    memory_region_add_subregion(&root, 0, &a);
    memory_region_add_subregion(&root, 0x1000, &b);
    v = view_string(&as);
    g_assert_cmpstr(v, ==, "0-fff:a@0 1000-2fff:b@0 ");
    address_space_destroy(&as);
}

static void test_alias_and_nested_container(void)
{
    /* static: the address space keeps pointing at them after the test */
    static MemoryRegion root, ram, bios, alias, sub, inner;
    AddressSpace as;
    g_autofree char *v = NULL;
    uint8_t *bios_ptr;
    uint8_t byte;

    memory_region_init_container(&root, "root", UINT64_MAX);
    memory_region_init_ram(&ram, "ram", 0x100000);
    memory_region_init_rom(&bios, "bios", 0x20000);
    /* The last 64K of the BIOS also appears below 1 MiB, like on a PC. */
    memory_region_init_alias(&alias, "bios-low", &bios, 0x10000, 0x10000);
    memory_region_init_container(&sub, "sub", 0x1000);
    memory_region_init_ram(&inner, "inner", 0x100);
    address_space_init(&as, &root, "test");

    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 0x100000000ull - 0x20000, &bios);
    memory_region_add_subregion_overlap(&root, 0xf0000, &alias, 1);
    memory_region_add_subregion(&sub, 0x80, &inner);
    memory_region_add_subregion_overlap(&root, 0x2000, &sub, 1);
    memory_region_transaction_commit();
    v = view_string(&as);
    g_assert_cmpstr(v, ==,
                    "0-207f:ram@0 2080-217f:inner@0 2180-effff:ram@2180 "
                    "f0000-fffff:bios@10000 fffe0000-ffffffff:bios@0 ");

    bios_ptr = memory_region_get_ram_ptr(&bios);
    bios_ptr[0x1fff0] = 0xea;
    g_assert_cmpint(address_space_read(&as, 0xffff0, &byte, 1), ==, MEMTX_OK);
    g_assert_cmphex(byte, ==, 0xea);
    g_assert_cmpint(address_space_read(&as, 0xfffffff0, &byte, 1), ==,
                    MEMTX_OK);
    g_assert_cmphex(byte, ==, 0xea);
    /* ROM ignores guest writes, but a loader may write it. */
    byte = 0x90;
    address_space_write(&as, 0xffff0, &byte, 1);
    g_assert_cmphex(bios_ptr[0x1fff0], ==, 0xea);
    address_space_write_rom(&as, 0xffff0, &byte, 1);
    g_assert_cmphex(bios_ptr[0x1fff0], ==, 0x90);
    address_space_destroy(&as);
}

static void test_io_access_sizes(void)
{
    /* static: the address space keeps pointing at them after the test */
    static MemoryRegion root, bytes, dwords;
    AddressSpace as;
    TestDevice dev = {0}, dev2 = {0};
    uint64_t v;
    uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    memory_region_init_container(&root, "io", 0x10000);
    memory_region_init_io(&bytes, "bytes", &byte_ops, &dev, 16);
    memory_region_init_io(&dwords, "dwords", &dword_only_ops, &dev2, 16);
    address_space_init(&as, &root, "io");
    memory_region_add_subregion(&root, 0x100, &bytes);
    memory_region_add_subregion(&root, 0x200, &dwords);

    /* A 4-byte access to a byte-implemented device becomes 4 calls. */
    g_assert_cmpint(address_space_st(&as, 0x100, 4, 0x44332211), ==, MEMTX_OK);
    g_assert_cmpuint(dev.writes, ==, 4);
    g_assert_cmpuint(dev.last_size, ==, 1);
    g_assert_cmphex(dev.regs[3], ==, 0x44);
    address_space_ld(&as, 0x100, 2, &v);
    g_assert_cmphex(v, ==, 0x2211);

    /* A byte access where only dwords are valid is dropped: all ones. */
    address_space_ld(&as, 0x200, 1, &v);
    g_assert_cmphex(v, ==, 0xff);
    g_assert_cmpuint(dev2.reads, ==, 0);
    /* A buffer write is carved into dword accesses. */
    address_space_write(&as, 0x200, buf, 8);
    g_assert_cmpuint(dev2.writes, ==, 2);
    g_assert_cmpuint(dev2.last_size, ==, 4);
    g_assert_cmphex(dev2.regs[7], ==, 8);

    /* Unassigned space reads as ones and reports a decode error. */
    g_assert_cmpint(address_space_ld(&as, 0x300, 2, &v), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xffff);
    address_space_destroy(&as);
}

typedef struct {
    MemoryListener listener;
    GString *log;
} RecordingListener;

static void record(MemoryListener *l, const FlatRange *fr, char op)
{
    RecordingListener *r = (RecordingListener *)l;

    g_string_append_printf(r->log, "%c%" PRIx64 "+%" PRIx64 ":%s ", op,
                           fr->start, fr->size, fr->mr->name);
}

static void record_add(MemoryListener *l, const FlatRange *fr)
{
    record(l, fr, '+');
}

static void record_del(MemoryListener *l, const FlatRange *fr)
{
    record(l, fr, '-');
}

static void test_listener_diff(void)
{
    /* static: the address space keeps pointing at them after the test */
    static MemoryRegion root, ram, hole;
    AddressSpace as;
    RecordingListener rl = {
        .listener = {.region_add = record_add, .region_del = record_del},
    };
    TestDevice dev = {0};

    rl.log = g_string_new(NULL);
    memory_region_init_container(&root, "root", UINT64_MAX);
    memory_region_init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&hole, "hole", &byte_ops, &dev, 0x1000);
    address_space_init(&as, &root, "test");
    memory_region_add_subregion(&root, 0, &ram);
    memory_listener_register(&as, &rl.listener);
    g_assert_cmpstr(rl.log->str, ==, "+0+10000:ram ");

    g_string_truncate(rl.log, 0);
    memory_region_add_subregion_overlap(&root, 0x8000, &hole, 1);
    g_assert_cmpstr(rl.log->str, ==,
                    "-0+10000:ram +0+8000:ram +8000+1000:hole "
                    "+9000+7000:ram ");
    g_string_free(rl.log, true);
    address_space_destroy(&as);
}

typedef struct {
    MemoryListener listener;
    GString *log;
} EventfdListener;

static void record_eventfd(MemoryListener *l, AddressSpace *as,
                           const MemoryRegionIoeventfd *fd, char op)
{
    EventfdListener *r = (EventfdListener *)l;

    g_string_append_printf(r->log, "%c%" PRIx64 "/%u ", op, fd->offset,
                           fd->size);
}

static void record_eventfd_add(MemoryListener *l, AddressSpace *as,
                               const MemoryRegionIoeventfd *fd)
{
    record_eventfd(l, as, fd, '+');
}

static void record_eventfd_del(MemoryListener *l, AddressSpace *as,
                               const MemoryRegionIoeventfd *fd)
{
    record_eventfd(l, as, fd, '-');
}

static void test_ioeventfd(void)
{
    /* static: the address space keeps pointing at them after the test */
    static MemoryRegion root, doorbell;
    AddressSpace as;
    TestDevice dev = {0};
    EventNotifier notifier;
    EventfdListener rl = {
        .listener = {.eventfd_add = record_eventfd_add,
                     .eventfd_del = record_eventfd_del},
    };

    g_assert_true(event_notifier_init(&notifier, NULL));
    rl.log = g_string_new(NULL);
    memory_region_init_container(&root, "root", 0x10000);
    memory_region_init_io(&doorbell, "doorbell", &byte_ops, &dev, 16);
    address_space_init(&as, &root, "io");
    memory_listener_register(&as, &rl.listener);
    memory_region_add_subregion(&root, 0x1000, &doorbell);
    memory_region_add_eventfd(&doorbell, 4, 2, true, 7, &notifier);
    /* Listeners see the doorbell at its address in the address space. */
    g_assert_cmpstr(rl.log->str, ==, "+1004/2 ");

    /* The matching write signals instead of reaching the device. */
    address_space_st(&as, 0x1004, 2, 7);
    g_assert_true(event_notifier_test_and_clear(&notifier));
    g_assert_cmpuint(dev.writes, ==, 0);
    /* Other data, or another size, is an ordinary write. */
    address_space_st(&as, 0x1004, 2, 8);
    g_assert_false(event_notifier_test_and_clear(&notifier));
    g_assert_cmpuint(dev.writes, ==, 2);

    /* Moving the region moves the doorbell with it. */
    g_string_truncate(rl.log, 0);
    memory_region_set_address(&doorbell, 0x2000);
    g_assert_cmpstr(rl.log->str, ==, "-1004/2 +2004/2 ");
    g_string_truncate(rl.log, 0);
    memory_region_del_eventfd(&doorbell, 4, 2, true, 7, &notifier);
    g_assert_cmpstr(rl.log->str, ==, "-2004/2 ");

    /* Size 0 catches a write of any size (KVM's fast MMIO path). */
    memory_region_add_eventfd(&doorbell, 8, 0, false, 0, &notifier);
    for (unsigned size = 1; size <= 4; size *= 2) {
        address_space_st(&as, 0x2008, size, 0x55);
        g_assert_true(event_notifier_test_and_clear(&notifier));
    }
    g_assert_cmpuint(dev.writes, ==, 2);
    memory_region_del_eventfd(&doorbell, 8, 0, false, 0, &notifier);
    address_space_st(&as, 0x2008, 1, 0x55);
    g_assert_false(event_notifier_test_and_clear(&notifier));

    memory_listener_unregister(&as, &rl.listener);
    g_string_free(rl.log, true);
    event_notifier_cleanup(&notifier);
    address_space_destroy(&as);
}

/* Guest-supplied DMA ranges: wrapping or oversized ones touch nothing. */
static void test_dma_checks(void)
{
    /* static: the address space keeps pointing at them after the test */
    static MemoryRegion root, ram;
    AddressSpace as;
    uint8_t buf[8];
    uint64_t v;

    memory_region_init_container(&root, "root", UINT64_MAX);
    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&root, 0, &ram);
    address_space_init(&as, &root, "dma");

    g_assert_cmpint(dma_memory_write(&as, 0x10, "abcdefgh", 8), ==, MEMTX_OK);
    g_assert_cmpint(dma_memory_read(&as, 0x10, buf, 8), ==, MEMTX_OK);
    g_assert(!memcmp(buf, "abcdefgh", 8));
    g_assert_cmpint(dma_load(&as, 0x10, 4, &v), ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x64636261);
    g_assert_cmpint(dma_store(&as, 0x14, 2, 0x7a79), ==, MEMTX_OK);
    g_assert_cmpint(dma_memory_set(&as, 0x16, 'q', 2), ==, MEMTX_OK);
    g_assert_cmpint(dma_memory_read(&as, 0x10, buf, 8), ==, MEMTX_OK);
    g_assert(!memcmp(buf, "abcdyzqq", 8));

    /* Wraps around the top of the address space: refused, RAM untouched. */
    g_assert(!dma_range_valid(UINT64_MAX - 3, 8));
    g_assert_cmpint(dma_memory_write(&as, UINT64_MAX - 3, "XXXXXXXX", 8), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpint(dma_memory_set(&as, 0x10, 0, DMA_MAX_TRANSFER + 1), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpint(dma_memory_read(&as, 0x10, buf, 8), ==, MEMTX_OK);
    g_assert(!memcmp(buf, "abcdyzqq", 8));
    /* Past the end of RAM: unmapped bytes read as all ones. */
    g_assert_cmpint(dma_memory_read(&as, 0xffc, buf, 8), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(buf[7], ==, 0xff);

    address_space_destroy(&as);
    memory_region_del_subregion(&root, &ram);
    memory_region_destroy(&ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/overlap-priority", test_overlap_priority);
    g_test_add_func("/memory/equal-priority",
                    test_equal_priority_last_added_wins);
    g_test_add_func("/memory/alias-nested", test_alias_and_nested_container);
    g_test_add_func("/memory/io-access-sizes", test_io_access_sizes);
    g_test_add_func("/memory/listener-diff", test_listener_diff);
    g_test_add_func("/memory/ioeventfd", test_ioeventfd);
    g_test_add_func("/memory/dma-checks", test_dma_checks);
    return g_test_run();
}
