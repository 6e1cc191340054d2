/*
 * Mapping guest memory for DMA: RAM in place, MMIO (and writes into ROM)
 * through bounce buffers written back at unmap, short maps where a region
 * ends, refused ranges, and scatter-gather lists mapped into I/O vectors
 * that a block request fills without a copy.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"
#include "system/dma.h"
#include "system/memory.h"

#define RAM_SIZE 0x10000
#define MMIO_BASE 0x10000 /* right after RAM */
#define MMIO_SIZE 0x100
#define ROM_BASE 0x20000
#define BIG_MMIO_BASE 0x100000
#define BIG_MMIO_SIZE (4 * DMA_BOUNCE_MAX)

typedef struct TestDevice {
    uint8_t regs[MMIO_SIZE];
    unsigned reads, writes;
} TestDevice;

static uint64_t dev_read(void *opaque, uint64_t addr, unsigned size)
{
    TestDevice *d = opaque;
    uint64_t v = 0;

    d->reads++;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[(addr + i) % MMIO_SIZE] << (8 * i);
    }
    return v;
}

static void dev_write(void *opaque, uint64_t addr, uint64_t value,
                      unsigned size)
{
    TestDevice *d = opaque;

    d->writes++;
    for (unsigned i = 0; i < size; i++) {
        d->regs[(addr + i) % MMIO_SIZE] = value >> (8 * i);
    }
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .valid_max = 8,
    .impl_max = 8,
};

/* One address space for every test: RAM, MMIO right after it, a ROM. */
static MemoryRegion root, ram, mmio, rom, big_mmio;
static AddressSpace as;
static TestDevice dev, big_dev;

static void machine_init(void)
{
    memory_region_init_container(&root, "root", UINT64_MAX);
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memory_region_init_io(&mmio, "mmio", &dev_ops, &dev, MMIO_SIZE);
    memory_region_init_rom(&rom, "rom", 0x1000);
    memory_region_init_io(&big_mmio, "big-mmio", &dev_ops, &big_dev,
                          BIG_MMIO_SIZE);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, MMIO_BASE, &mmio);
    memory_region_add_subregion(&root, ROM_BASE, &rom);
    memory_region_add_subregion(&root, BIG_MMIO_BASE, &big_mmio);
    address_space_init(&as, &root, "dma-test");
}

static void test_map_ram(void)
{
    uint64_t len = 0x100;
    uint8_t *p = dma_memory_map(&as, 0x1234, &len, DMA_DIRECTION_FROM_DEVICE);
    uint8_t buf[4];

    /* In place: a pointer into the region's own memory, nothing copied. */
    g_assert_true(p == (uint8_t *)ram.ram + 0x1234);
    g_assert_cmpuint(len, ==, 0x100);
    memcpy(p, "ramx", 4);
    dma_memory_unmap(&as, p, len, DMA_DIRECTION_FROM_DEVICE, 4);
    g_assert_cmpint(dma_memory_read(&as, 0x1234, buf, 4), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 4, "ramx", 4);

    /* ROM maps in place for reading; a write goes to a copy and is lost. */
    memcpy(rom.ram, "rom!", 4);
    len = 4;
    p = dma_memory_map(&as, ROM_BASE, &len, DMA_DIRECTION_TO_DEVICE);
    g_assert_true(p == rom.ram);
    dma_memory_unmap(&as, p, len, DMA_DIRECTION_TO_DEVICE, len);
    len = 4;
    p = dma_memory_map(&as, ROM_BASE, &len, DMA_DIRECTION_FROM_DEVICE);
    g_assert_nonnull(p);
    g_assert_true(p != rom.ram);
    memcpy(p, "XXXX", 4);
    dma_memory_unmap(&as, p, len, DMA_DIRECTION_FROM_DEVICE, 4);
    g_assert_cmpmem(rom.ram, 4, "rom!", 4);
}

static void test_map_boundary(void)
{
    uint64_t len = 0x40;
    uint8_t *p =
        dma_memory_map(&as, MMIO_BASE - 0x10, &len, DMA_DIRECTION_TO_DEVICE);
    uint8_t *q;

    /* The map stops where RAM ends; the caller maps the rest. */
    g_assert_true(p == (uint8_t *)ram.ram + RAM_SIZE - 0x10);
    g_assert_cmpuint(len, ==, 0x10);
    len = 0x30;
    q = dma_memory_map(&as, MMIO_BASE, &len, DMA_DIRECTION_TO_DEVICE);
    g_assert_nonnull(q);
    g_assert_cmpuint(len, ==, 0x30);
    dma_memory_unmap(&as, q, len, DMA_DIRECTION_TO_DEVICE, len);
    dma_memory_unmap(&as, p, 0x10, DMA_DIRECTION_TO_DEVICE, 0x10);

    /* An MMIO map past the region's end is cut there too. */
    len = 0x1000;
    q = dma_memory_map(&as, MMIO_BASE + MMIO_SIZE - 8, &len,
                       DMA_DIRECTION_TO_DEVICE);
    g_assert_cmpuint(len, ==, 8);
    dma_memory_unmap(&as, q, len, DMA_DIRECTION_TO_DEVICE, len);

    /* One bounce buffer covers at most DMA_BOUNCE_MAX. */
    len = BIG_MMIO_SIZE;
    q = dma_memory_map(&as, BIG_MMIO_BASE, &len, DMA_DIRECTION_FROM_DEVICE);
    g_assert_cmpuint(len, ==, DMA_BOUNCE_MAX);
    dma_memory_unmap(&as, q, len, DMA_DIRECTION_FROM_DEVICE, 0);
    g_assert_cmpuint(big_dev.writes, ==, 0);
}

static void test_mmio_bounce(void)
{
    uint64_t len = 16;
    uint8_t *p;
    unsigned reads;

    for (unsigned i = 0; i < MMIO_SIZE; i++) {
        dev.regs[i] = i;
    }
    /* To the device: the device's registers are read into the copy. */
    reads = dev.reads;
    p = dma_memory_map(&as, MMIO_BASE + 0x20, &len, DMA_DIRECTION_TO_DEVICE);
    g_assert_cmpuint(len, ==, 16);
    g_assert_cmpuint(dev.reads, >, reads);
    for (unsigned i = 0; i < 16; i++) {
        g_assert_cmphex(p[i], ==, 0x20 + i);
    }
    dma_memory_unmap(&as, p, len, DMA_DIRECTION_TO_DEVICE, len);

    /* From the device: nothing reaches it before unmap, then access_len. */
    dev.writes = 0;
    len = 16;
    p = dma_memory_map(&as, MMIO_BASE + 0x40, &len, DMA_DIRECTION_FROM_DEVICE);
    memset(p, 0xaa, 16);
    g_assert_cmpuint(dev.writes, ==, 0);
    g_assert_cmphex(dev.regs[0x40], ==, 0x40);
    dma_memory_unmap(&as, p, len, DMA_DIRECTION_FROM_DEVICE, 6);
    g_assert_cmpuint(dev.writes, >, 0);
    for (unsigned i = 0; i < 6; i++) {
        g_assert_cmphex(dev.regs[0x40 + i], ==, 0xaa);
    }
    g_assert_cmphex(dev.regs[0x46], ==, 0x46);
}

static void test_map_refused(void)
{
    uint64_t len;

    /* Wraps around the top of the address space. */
    len = 8;
    g_assert_null(
        dma_memory_map(&as, UINT64_MAX - 3, &len, DMA_DIRECTION_TO_DEVICE));
    g_assert_cmpuint(len, ==, 0);
    /* Longer than any transfer may be, even though it starts in RAM. */
    len = DMA_MAX_TRANSFER + 1;
    g_assert_null(dma_memory_map(&as, 0, &len, DMA_DIRECTION_TO_DEVICE));
    g_assert_cmpuint(len, ==, 0);
    /* Nothing decodes the address. */
    len = 16;
    g_assert_null(
        dma_memory_map(&as, 0x50000, &len, DMA_DIRECTION_FROM_DEVICE));
    g_assert_cmpuint(len, ==, 0);
    /* Empty. */
    len = 0;
    g_assert_null(dma_memory_map(&as, 0, &len, DMA_DIRECTION_TO_DEVICE));
}

static void test_sglist_map(void)
{
    DMASGList sgl;
    DMAMapping map;
    uint8_t data[0x100], back[0x100];

    dma_sglist_init(&sgl, &as, 1);
    g_assert_true(dma_sglist_add(&sgl, 0x100, 0x10));
    g_assert_true(dma_sglist_add(&sgl, 0x110, 0x20)); /* adjacent: merges */
    g_assert_true(dma_sglist_add(&sgl, 0x500, 0));    /* ignored */
    g_assert_true(dma_sglist_add(&sgl, MMIO_BASE - 4, 12)); /* RAM + MMIO */
    g_assert_true(dma_sglist_add(&sgl, 0x300, 3));
    g_assert_cmpuint(sgl.nsg, ==, 4);
    g_assert_cmpuint(sgl.size, ==, 0x30 + 12 + 3);
    /* Refused whole: a wrapping entry, or too much in total. */
    g_assert_false(dma_sglist_add(&sgl, UINT64_MAX, 2));
    g_assert_false(dma_sglist_add(&sgl, 0, DMA_MAX_TRANSFER - sgl.size + 1));
    g_assert_cmpuint(sgl.nsg, ==, 4);

    g_assert_cmpint(dma_sglist_map(&sgl, DMA_DIRECTION_FROM_DEVICE, &map), ==,
                    MEMTX_OK);
    g_assert_cmpuint(map.size, ==, sgl.size);
    /* 0x100+0x30 and the 4 RAM bytes below MMIO, 8 of MMIO, 3 at 0x300 */
    g_assert_cmpuint(map.niov, ==, 4);
    g_assert_true(map.iov[0].iov_base == (uint8_t *)ram.ram + 0x100);
    g_assert_cmpuint(map.iov[0].iov_len, ==, 0x30);
    g_assert_cmpuint(map.iov[1].iov_len, ==, 4);
    g_assert_cmpuint(map.iov[2].iov_len, ==, 8);
    g_assert_true(map.iov[3].iov_base == (uint8_t *)ram.ram + 0x300);

    /* The device fills the pieces in order, as a scatter list. */
    {
        IOVector v;

        for (unsigned i = 0; i < sizeof(data); i++) {
            data[i] = 0x80 + i;
        }
        iovector_init_external(&v, map.iov, map.niov);
        g_assert_cmpuint(iovector_from_buf(&v, 0, data, v.size), ==, v.size);
    }
    dma_mapping_unmap(&map, map.size);
    g_assert_null(map.iov);
    dma_memory_read(&as, 0x100, back, 0x30);
    g_assert_cmpmem(back, 0x30, data, 0x30);
    dma_memory_read(&as, MMIO_BASE - 4, back, 12);
    g_assert_cmpmem(back, 12, data + 0x30, 12);
    g_assert_cmpmem(dev.regs, 8, data + 0x34, 8);
    dma_memory_read(&as, 0x300, back, 3);
    g_assert_cmpmem(back, 3, data + 0x3c, 3);
    dma_sglist_destroy(&sgl);

    /* Running into space nothing decodes: the mapped part, and an error. */
    dma_sglist_init(&sgl, &as, 4);
    g_assert_true(dma_sglist_add(&sgl, 0x600, 0x20));
    g_assert_true(dma_sglist_add(&sgl, MMIO_BASE + MMIO_SIZE - 4, 0x20));
    g_assert_true(dma_sglist_add(&sgl, 0x700, 0x20));
    g_assert_cmpint(dma_sglist_map(&sgl, DMA_DIRECTION_TO_DEVICE, &map), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpuint(map.size, ==, 0x20 + 4);
    g_assert_cmpuint(map.niov, ==, 2);
    dma_mapping_unmap(&map, 0);
    dma_sglist_destroy(&sgl);
}

/* A block read scattered straight into guest RAM (and an MMIO bounce). */
static void on_complete(void *opaque, int ret)
{
    *(int *)opaque = ret == 0 ? 1 : ret;
}

static void test_sglist_block_io(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-dma-XXXXXX.img", &path, NULL);
    uint8_t image[4096], back[4096];
    BlockBackend *blk;
    DMASGList sgl;
    DMAMapping map;
    IOVector v;
    int done = 0;

    for (unsigned i = 0; i < sizeof(image); i++) {
        image[i] = i * 7 + 1;
    }
    g_assert_cmpint(write(fd, image, sizeof(image)), ==, sizeof(image));
    close(fd);
    blk = blk_open(path, NULL, false, NULL);
    g_assert_nonnull(blk);

    dma_sglist_init(&sgl, &as, 4);
    dma_sglist_add(&sgl, 0x2001, 999);          /* odd, page-crossing */
    dma_sglist_add(&sgl, MMIO_BASE - 7, 7 + 9); /* RAM then MMIO */
    dma_sglist_add(&sgl, 0x4000, 1);
    g_assert_cmpint(dma_sglist_map(&sgl, DMA_DIRECTION_FROM_DEVICE, &map), ==,
                    MEMTX_OK);
    iovector_init_external(&v, map.iov, map.niov);
    blk_aio_preadv(blk, 100, &v, on_complete, &done);
    while (!done) {
        g_main_context_iteration(NULL, true);
    }
    g_assert_cmpint(done, ==, 1);
    dma_mapping_unmap(&map, sgl.size);
    dma_memory_read(&as, 0x2001, back, 999);
    g_assert_cmpmem(back, 999, image + 100, 999);
    dma_memory_read(&as, MMIO_BASE - 7, back, 16);
    g_assert_cmpmem(back, 16, image + 1099, 16);
    g_assert_cmphex(((uint8_t *)ram.ram)[0x4000], ==, image[1115]);
    dma_sglist_destroy(&sgl);

    /* And back out: guest RAM gathered into the file. */
    dma_memory_write(&as, 0x8000, "gathered", 8);
    dma_sglist_init(&sgl, &as, 2);
    dma_sglist_add(&sgl, 0x8004, 4);
    dma_sglist_add(&sgl, 0x8000, 4);
    dma_sglist_map(&sgl, DMA_DIRECTION_TO_DEVICE, &map);
    iovector_init_external(&v, map.iov, map.niov);
    g_assert_cmpint(blk_pwritev(blk, 3, &v), ==, 0);
    dma_mapping_unmap(&map, sgl.size);
    dma_sglist_destroy(&sgl);
    g_assert_cmpint(blk_pread(blk, 3, back, 8), ==, 0);
    g_assert_cmpmem(back, 8, "eredgath", 8);
    blk_unref(blk);
    unlink(path);
    g_free(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    machine_init();
    g_test_add_func("/dma/map-ram", test_map_ram);
    g_test_add_func("/dma/map-boundary", test_map_boundary);
    g_test_add_func("/dma/mmio-bounce", test_mmio_bounce);
    g_test_add_func("/dma/map-refused", test_map_refused);
    g_test_add_func("/dma/sglist-map", test_sglist_map);
    g_test_add_func("/dma/sglist-block-io", test_sglist_block_io);
    return g_test_run();
}
