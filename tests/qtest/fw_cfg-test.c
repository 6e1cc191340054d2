/*
 * fw_cfg, QEMU's firmware configuration device, read as SeaBIOS reads it
 * (QEMU's docs/specs/fw_cfg.rst): a 16-bit selector at port 0x510, item
 * bytes at 0x511, and a DMA address register at 0x514 (two big-endian
 * halves, the low one at 0x518 starts the transfer) pointing at an
 * FWCfgDmaAccess in guest RAM. Checked: the signature and ID, the items
 * the pc board fills from the command line (RAM size, CPUs, UUID, -boot
 * options), the sorted file directory, etc/e820's RAM entries, DMA read,
 * skip, zero fill and errors, the selection after a reset, and a Linux
 * kernel handed to the firmware with -machine firmware=seabios.
 */
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define FW_CFG_CTL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA_HIGH 0x514
#define FW_CFG_DMA_LOW 0x518

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_BOOT_MENU 0x0e
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_IRQ0_OVERRIDE 0x8002

#define FW_CFG_VERSION 0x01
#define FW_CFG_VERSION_DMA 0x02

#define DMA_CTL_ERROR 0x01
#define DMA_CTL_READ 0x02
#define DMA_CTL_SKIP 0x04
#define DMA_CTL_SELECT 0x08
#define DMA_CTL_WRITE 0x10

#define E820_RAM 1

/* Guest RAM the tests use: the descriptor, then the data buffer. */
#define DESC_ADDR 0x1000
#define BUF_ADDR 0x2000
#define BUF_SIZE 0x4000

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t le_n(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = n; i > 0; i--) {
        v = (v << 8) | p[i - 1];
    }
    return v;
}

static void fw_cfg_select(QTestState *s, uint16_t key)
{
    qtest_outw(s, FW_CFG_CTL, key);
}

static void fw_cfg_read(QTestState *s, void *buf, size_t len)
{
    uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        p[i] = qtest_inb(s, FW_CFG_DATA);
    }
}

static uint64_t fw_cfg_get(QTestState *s, uint16_t key, size_t len)
{
    uint8_t buf[8];

    fw_cfg_select(s, key);
    fw_cfg_read(s, buf, len);
    return le_n(buf, len);
}

/* Writes an FWCfgDmaAccess at DESC_ADDR, starts it, returns its control. */
static uint32_t fw_cfg_dma(QTestState *s, uint32_t control, uint32_t len,
                           uint64_t addr)
{
    uint8_t desc[16];
    uint8_t out[4];

    for (int i = 0; i < 4; i++) {
        desc[i] = control >> (24 - 8 * i);
        desc[4 + i] = len >> (24 - 8 * i);
    }
    for (int i = 0; i < 8; i++) {
        desc[8 + i] = addr >> (56 - 8 * i);
    }
    qtest_memwrite(s, DESC_ADDR, desc, sizeof(desc));
    /* The register is big-endian: byte-swapped halves, as SeaBIOS writes. */
    qtest_outl(s, FW_CFG_DMA_HIGH, 0);
    qtest_outl(s, FW_CFG_DMA_LOW, __builtin_bswap32(DESC_ADDR));
    qtest_memread(s, DESC_ADDR, out, sizeof(out));
    return be32(out);
}

/* Finds a file in the directory (read through the data port). */
static bool fw_cfg_find_file(QTestState *s, const char *name, uint16_t *select,
                             uint32_t *size)
{
    uint8_t count_be[4];
    uint32_t count;

    fw_cfg_select(s, FW_CFG_FILE_DIR);
    fw_cfg_read(s, count_be, 4);
    count = be32(count_be);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t f[64];

        fw_cfg_read(s, f, sizeof(f));
        if (!strncmp((char *)f + 8, name, 56)) {
            *size = be32(f);
            *select = (f[4] << 8) | f[5];
            return true;
        }
    }
    return false;
}

/* A whole file by DMA into guest RAM; returns it (g_free) or NULL. */
static uint8_t *fw_cfg_read_file(QTestState *s, const char *name,
                                 uint32_t *size)
{
    uint16_t select;
    uint8_t *data;

    if (!fw_cfg_find_file(s, name, &select, size)) {
        return NULL;
    }
    g_assert_cmpuint(*size, <=, BUF_SIZE);
    g_assert_cmphex(fw_cfg_dma(s,
                               (select << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                               *size, BUF_ADDR),
                    ==, 0);
    data = g_malloc(*size + 1);
    qtest_memread(s, BUF_ADDR, data, *size);
    data[*size] = 0;
    return data;
}

static void test_signature(void)
{
    QTestState *s = qtest_init(NULL);
    char sig[6];

    fw_cfg_select(s, FW_CFG_SIGNATURE);
    fw_cfg_read(s, sig, 6);
    g_assert_cmpmem(sig, 6, "QEMU\0\0", 6);
    /* Selecting again starts over at offset 0. */
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    fw_cfg_read(s, sig, 2);
    g_assert_cmpmem(sig, 2, "QE", 2);
    /* The DMA register reads as "QEMU CFG" in memory order. */
    g_assert_cmphex(qtest_inl(s, FW_CFG_DMA_HIGH), ==, 0x554d4551);
    g_assert_cmphex(qtest_inl(s, FW_CFG_DMA_LOW), ==, 0x47464320);
    /* A key nobody defined reads as zeros. */
    fw_cfg_select(s, 0x3000);
    g_assert_cmphex(qtest_inb(s, FW_CFG_DATA), ==, 0);
    qtest_quit(s);
}

static void test_id(void)
{
    QTestState *s = qtest_init(NULL);
    JsonNode *type;

    /* QEMU's type name and place in the QOM tree. */
    type = qtest_qmp_assert_success_ref(
        s, "{\"execute\": \"qom-get\", \"arguments\": "
           "{\"path\": \"/machine/fw_cfg\", \"property\": \"type\"}}");
    g_assert_cmpstr(json_node_get_string(type), ==, "fw_cfg_io");
    json_node_unref(type);

    g_assert_cmphex(fw_cfg_get(s, FW_CFG_ID, 4), ==,
                    FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    g_assert_cmphex(fw_cfg_get(s, FW_CFG_IRQ0_OVERRIDE, 4), ==, 1);
    /* libqtest runs with -display none, which is not -nographic. */
    g_assert_cmphex(fw_cfg_get(s, FW_CFG_NOGRAPHIC, 2), ==, 0);
    qtest_quit(s);

    s = qtest_init("-nographic -serial null");
    g_assert_cmphex(fw_cfg_get(s, FW_CFG_NOGRAPHIC, 2), ==, 1);
    qtest_quit(s);
}

static void test_ram_cpus(void)
{
    QTestState *s = qtest_init("-m 256 -smp 3,maxcpus=4");

    g_assert_cmphex(fw_cfg_get(s, FW_CFG_RAM_SIZE, 8), ==, 256ull << 20);
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_NB_CPUS, 2), ==, 3);
    /* One socket per CPU: APIC IDs 0-3, so the limit is 4. */
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_MAX_CPUS, 2), ==, 4);
    qtest_quit(s);

    s = qtest_init("-smp 2,sockets=1,cores=2,threads=1,maxcpus=2");
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_NB_CPUS, 2), ==, 2);
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_MAX_CPUS, 2), ==, 2);
    qtest_quit(s);
}

static void test_uuid(void)
{
    static const uint8_t expect[16] = {
        0x46, 0x00, 0xcb, 0x32, 0x38, 0xec, 0x4b, 0x2f,
        0x8a, 0xcb, 0x81, 0xc6, 0xea, 0x54, 0xf2, 0xd8,
    };
    QTestState *s = qtest_init("-uuid 4600cb32-38ec-4b2f-8acb-81c6ea54f2d8");
    uint8_t uuid[16];

    fw_cfg_select(s, FW_CFG_UUID);
    fw_cfg_read(s, uuid, sizeof(uuid));
    g_assert_cmpmem(uuid, sizeof(uuid), expect, sizeof(expect));
    qtest_quit(s);

    /* Without -uuid: all zeros. */
    s = qtest_init(NULL);
    fw_cfg_select(s, FW_CFG_UUID);
    fw_cfg_read(s, uuid, sizeof(uuid));
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(uuid[i], ==, 0);
    }
    qtest_quit(s);
}

static void test_file_dir(void)
{
    QTestState *s = qtest_init(NULL);
    uint8_t count_be[4];
    uint32_t count;
    uint8_t(*files)[64];
    bool e820 = false;

    fw_cfg_select(s, FW_CFG_FILE_DIR);
    fw_cfg_read(s, count_be, 4);
    count = be32(count_be);
    g_assert_cmpuint(count, >=, 2);
    g_assert_cmpuint(count, <=, 0x20);
    files = g_malloc(count * 64);
    fw_cfg_read(s, files, count * 64);
    /* Nothing after the last entry. */
    g_assert_cmphex(qtest_inb(s, FW_CFG_DATA), ==, 0);

    for (uint32_t i = 0; i < count; i++) {
        const char *name = (const char *)files[i] + 8;
        uint16_t select = (files[i][4] << 8) | files[i][5];
        uint32_t size = be32(files[i]);
        uint8_t last[2];

        g_assert_cmpuint(strnlen(name, 56), <, 56);
        g_assert_cmpuint(select, >=, FW_CFG_FILE_FIRST);
        g_assert_cmpuint(files[i][6] | files[i][7], ==, 0);
        if (i > 0) {
            g_assert_cmpint(strcmp((const char *)files[i - 1] + 8, name), <, 0);
        }
        if (!strcmp(name, "etc/e820")) {
            e820 = true;
            g_assert_cmpuint(size % 20, ==, 0);
        }
        if (!strcmp(name, "etc/boot-fail-wait")) {
            g_assert_cmpuint(size, ==, 4);
        }
        /* The item is exactly as long as the directory says. */
        if (size > 0 && size < 1024) {
            fw_cfg_select(s, select);
            for (uint32_t j = 0; j + 1 < size; j++) {
                qtest_inb(s, FW_CFG_DATA);
            }
            fw_cfg_read(s, last, 2);
            g_assert_cmphex(last[1], ==, 0);
        }
    }
    g_assert_true(e820);
    g_free(files);
    qtest_quit(s);
}

/* Highest RAM end below 4 GiB, and RAM from 4 GiB on (0: none). */
static void e820_ram(QTestState *s, uint64_t *low_end, uint64_t *high_size)
{
    uint32_t size;
    uint8_t *table = fw_cfg_read_file(s, "etc/e820", &size);

    g_assert_nonnull(table);
    *low_end = *high_size = 0;
    for (uint32_t i = 0; i < size / 20; i++) {
        uint64_t addr = le_n(table + i * 20, 8);
        uint64_t len = le_n(table + i * 20 + 8, 8);
        uint32_t type = le_n(table + i * 20 + 16, 4);

        if (type != E820_RAM) {
            continue;
        }
        if (addr < (1ull << 32)) {
            g_assert_cmphex(addr + len, <=, 1ull << 32);
            *low_end = MAX(*low_end, addr + len);
        } else {
            g_assert_cmphex(addr, ==, 1ull << 32);
            *high_size += len;
        }
    }
    g_free(table);
}

static void test_e820(void)
{
    QTestState *s = qtest_init("-m 128");
    uint64_t low_end, high_size;

    e820_ram(s, &low_end, &high_size);
    g_assert_cmphex(low_end, ==, 128 << 20);
    g_assert_cmphex(high_size, ==, 0);
    qtest_quit(s);

    s = qtest_init("-m 4G");
    e820_ram(s, &low_end, &high_size);
    g_assert_cmphex(low_end, ==, 3ull << 30);
    g_assert_cmphex(high_size, ==, 1ull << 30);
    qtest_quit(s);
}

static void test_dma(void)
{
    QTestState *s = qtest_init(NULL);
    uint8_t buf[16];

    /* Select and read. */
    qtest_memset(s, BUF_ADDR, 0xff, sizeof(buf));
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                   4, BUF_ADDR),
        ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 5);
    g_assert_cmpmem(buf, 5, "QEMU\xff", 5);

    /* Skip two bytes of the selected item, then read on from there. */
    qtest_memset(s, BUF_ADDR, 0xff, sizeof(buf));
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_SKIP,
                   2, BUF_ADDR),
        ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 1);
    g_assert_cmphex(buf[0], ==, 0xff);
    g_assert_cmphex(fw_cfg_dma(s, DMA_CTL_READ, 2, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 3);
    g_assert_cmpmem(buf, 3, "MU\xff", 3);
    /* The data port continues where DMA stopped: past the end. */
    g_assert_cmphex(qtest_inb(s, FW_CFG_DATA), ==, 0);

    /* A read running past the item's end fills zeros. */
    qtest_memset(s, BUF_ADDR, 0xff, sizeof(buf));
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                   8, BUF_ADDR),
        ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 9);
    g_assert_cmpmem(buf, 9, "QEMU\0\0\0\0\xff", 9);

    /* So does a read of a key nobody defined. */
    qtest_memset(s, BUF_ADDR, 0xff, sizeof(buf));
    g_assert_cmphex(fw_cfg_dma(s,
                               (0x3000 << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                               4, BUF_ADDR),
                    ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 5);
    g_assert_cmpmem(buf, 5, "\0\0\0\0\xff", 5);

    /* Writing a read-only item is an error; memory is left alone. */
    qtest_memset(s, BUF_ADDR, 0xaa, sizeof(buf));
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_WRITE,
                   4, BUF_ADDR),
        ==, DMA_CTL_ERROR);
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    fw_cfg_read(s, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);

    /* Control without read, write or skip only selects. */
    qtest_memset(s, BUF_ADDR, 0xaa, sizeof(buf));
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_ID << 16) | DMA_CTL_SELECT, 4, BUF_ADDR), ==, 0);
    qtest_memread(s, BUF_ADDR, buf, 1);
    g_assert_cmphex(buf[0], ==, 0xaa);
    g_assert_cmphex(qtest_inb(s, FW_CFG_DATA), ==,
                    FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    qtest_quit(s);
}

/* Lengths and addresses the guest gets wrong end in the error bit. */
static void test_dma_errors(void)
{
    QTestState *s = qtest_init("-m 128");
    uint8_t buf[8];

    /* Zero fill of 4 GiB - 1 past the item: refused, not carried out. */
    qtest_memset(s, BUF_ADDR, 0xaa, sizeof(buf));
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                   0xffffffff, BUF_ADDR),
        ==, DMA_CTL_ERROR);
    qtest_memread(s, BUF_ADDR, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);

    /* A destination that wraps around the 64-bit space. */
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                   4, 0xfffffffffffffffeull),
        ==, DMA_CTL_ERROR);

    /* A descriptor outside RAM is ignored; the device keeps working. */
    qtest_outl(s, FW_CFG_DMA_HIGH, __builtin_bswap32(0xffffffff));
    qtest_outl(s, FW_CFG_DMA_LOW, __builtin_bswap32(0xfffffff8));
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_ID << 16) | DMA_CTL_SELECT | DMA_CTL_READ, 1,
                   BUF_ADDR),
        ==, 0);
    g_assert_cmphex(qtest_readb(s, BUF_ADDR), ==,
                    FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    qtest_quit(s);
}

/* A reset selects the signature again. */
static void test_reset(void)
{
    QTestState *s = qtest_init(NULL);
    char sig[4];

    fw_cfg_select(s, FW_CFG_ID);
    qtest_inb(s, FW_CFG_DATA);
    qtest_outb(s, 0xcf9, 0x06);
    qtest_qmp_eventwait(s, "RESET");
    fw_cfg_read(s, sig, 4);
    g_assert_cmpmem(sig, 4, "QEMU", 4);
    qtest_quit(s);
}

static void test_boot_options(void)
{
    QTestState *s = qtest_init(NULL);
    uint16_t select;
    uint32_t size;
    uint8_t *data;

    /* Defaults: no menu, no menu wait, never retry, an empty bootorder. */
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_BOOT_MENU, 2), ==, 0);
    g_assert_false(fw_cfg_find_file(s, "etc/boot-menu-wait", &select, &size));
    g_assert_true(fw_cfg_find_file(s, "bootorder", &select, &size));
    g_assert_cmpuint(size, ==, 0);
    data = fw_cfg_read_file(s, "etc/boot-fail-wait", &size);
    g_assert_nonnull(data);
    g_assert_cmphex(le_n(data, 4), ==, 0xffffffff);
    g_free(data);
    qtest_quit(s);

    s = qtest_init("-boot menu=on,splash-time=1234,reboot-timeout=1000,"
                   "strict=on");
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_BOOT_MENU, 2), ==, 1);
    data = fw_cfg_read_file(s, "etc/boot-menu-wait", &size);
    g_assert_nonnull(data);
    g_assert_cmpuint(size, ==, 2);
    g_assert_cmpuint(le_n(data, 2), ==, 1234);
    g_free(data);
    data = fw_cfg_read_file(s, "etc/boot-fail-wait", &size);
    g_assert_nonnull(data);
    g_assert_cmpuint(le_n(data, 4), ==, 1000);
    g_free(data);
    /* Strict, but no device has a boot index: no HALT either. */
    g_assert_true(fw_cfg_find_file(s, "bootorder", &select, &size));
    g_assert_cmpuint(size, ==, 0);
    qtest_quit(s);
}

/* No display adapter: SeaBIOS is told to use COM1 as its screen. */
static void test_sercon(void)
{
    QTestState *s = qtest_init(NULL);
    uint32_t size;
    uint8_t *data = fw_cfg_read_file(s, "etc/sercon-port", &size);

    g_assert_nonnull(data);
    g_assert_cmpuint(size, ==, 2);
    g_assert_cmphex(le_n(data, 2), ==, 0x3f8);
    g_free(data);
    qtest_quit(s);
}

/*
 * A minimal bzImage: 2 setup sectors plus the boot sector, "HdrS" protocol
 * 2.15 loaded high, then a protected-mode part with a recognisable pattern.
 */
#define FAKE_SETUP_SECTS 2
#define FAKE_SETUP_SIZE ((FAKE_SETUP_SECTS + 1) * 512)
#define FAKE_KERNEL_SIZE 5000
#define FAKE_INITRD_SIZE 3000

static char *fake_kernel_write(void)
{
    size_t size = FAKE_SETUP_SIZE + FAKE_KERNEL_SIZE;
    uint8_t *image = g_malloc0(size);
    char *path = qtest_tmp_path("fwcfg-bzImage");

    image[0x1f1] = FAKE_SETUP_SECTS;
    image[0x1fa] = 0x34; /* vid_mode the command line overrides */
    image[0x1fe] = 0x55;
    image[0x1ff] = 0xaa;
    image[0x200] = 0xeb; /* jmp over the header */
    image[0x201] = 0x66;
    memcpy(image + 0x202, "HdrS", 4);
    image[0x206] = 0x0f; /* protocol 2.15 */
    image[0x207] = 0x02;
    image[0x211] = 0x01; /* LOADED_HIGH */
    image[0x22c] = 0xff; /* initrd_addr_max 0x7fffffff */
    image[0x22d] = 0xff;
    image[0x22e] = 0xff;
    image[0x22f] = 0x7f;
    image[0x238] = 0xff; /* cmdline_size 2047 */
    image[0x239] = 0x07;
    for (size_t i = FAKE_SETUP_SIZE; i < size; i++) {
        image[i] = i * 7;
    }
    g_assert_true(g_file_set_contents(path, (char *)image, size, NULL));
    g_free(image);
    return path;
}

static void test_kernel(void)
{
    g_autofree char *kernel = fake_kernel_write();
    g_autofree char *initrd = qtest_tmp_path("fwcfg-initrd");
    g_autofree char *initrd_data = g_malloc(FAKE_INITRD_SIZE);
    const char *cmdline = "console=ttyS0 vga=ext";
    uint8_t setup[FAKE_SETUP_SIZE];
    uint8_t *data;
    uint32_t size, initrd_addr;
    QTestState *s;
    char line[64];

    memset(initrd_data, 0x5a, FAKE_INITRD_SIZE);
    g_assert_true(
        g_file_set_contents(initrd, initrd_data, FAKE_INITRD_SIZE, NULL));
    s = qtest_initf("-m 128 -machine firmware=seabios -kernel %s -initrd %s "
                    "-append '%s' -boot strict=on",
                    kernel, initrd, cmdline);

    g_assert_cmphex(fw_cfg_get(s, FW_CFG_SETUP_ADDR, 4), ==, 0x10000);
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_SETUP_SIZE, 4), ==, FAKE_SETUP_SIZE);
    g_assert_cmphex(fw_cfg_get(s, FW_CFG_KERNEL_ADDR, 4), ==, 0x100000);
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_KERNEL_SIZE, 4), ==,
                     FAKE_KERNEL_SIZE);
    g_assert_cmphex(fw_cfg_get(s, FW_CFG_CMDLINE_ADDR, 4), ==, 0x20000);
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_CMDLINE_SIZE, 4), ==,
                     strlen(cmdline) + 1);
    fw_cfg_select(s, FW_CFG_CMDLINE_DATA);
    fw_cfg_read(s, line, strlen(cmdline) + 1);
    g_assert_cmpstr(line, ==, cmdline);

    /* The initrd sits page-aligned below 128 MiB less QEMU's ACPI room. */
    initrd_addr = fw_cfg_get(s, FW_CFG_INITRD_ADDR, 4);
    g_assert_cmphex(initrd_addr, ==,
                    ((128 << 20) - 0x28000 - 1 - FAKE_INITRD_SIZE) & ~0xfff);
    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_INITRD_SIZE, 4), ==,
                     FAKE_INITRD_SIZE);

    /* The setup code with its header filled in as a boot loader does. */
    g_assert_cmphex(
        fw_cfg_dma(s, (FW_CFG_SETUP_DATA << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                   FAKE_SETUP_SIZE, BUF_ADDR),
        ==, 0);
    qtest_memread(s, BUF_ADDR, setup, sizeof(setup));
    g_assert_cmpmem(setup + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(setup[0x210], ==, 0xb0);              /* type_of_loader */
    g_assert_cmphex(setup[0x211], ==, 0x81);              /* CAN_USE_HEAP */
    g_assert_cmphex(le_n(setup + 0x224, 2), ==, 0xfe00);  /* heap_end_ptr */
    g_assert_cmphex(le_n(setup + 0x228, 4), ==, 0x20000); /* cmd_line_ptr */
    g_assert_cmphex(le_n(setup + 0x218, 4), ==, initrd_addr);
    g_assert_cmpuint(le_n(setup + 0x21c, 4), ==, FAKE_INITRD_SIZE);
    g_assert_cmphex(le_n(setup + 0x1fa, 2), ==, 0xfffe); /* vga=ext */

    /* The protected-mode part and the initrd, byte for byte. */
    data = g_malloc(FAKE_KERNEL_SIZE);
    g_assert_cmphex(
        fw_cfg_dma(s,
                   (FW_CFG_KERNEL_DATA << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                   FAKE_KERNEL_SIZE, BUF_ADDR),
        ==, 0);
    qtest_memread(s, BUF_ADDR, data, FAKE_KERNEL_SIZE);
    for (size_t i = 0; i < FAKE_KERNEL_SIZE; i++) {
        g_assert_cmphex(data[i], ==, (uint8_t)((FAKE_SETUP_SIZE + i) * 7));
    }
    g_assert_cmphex(
        fw_cfg_dma(s,
                   (FW_CFG_INITRD_DATA << 16) | DMA_CTL_SELECT | DMA_CTL_READ,
                   FAKE_INITRD_SIZE, BUF_ADDR),
        ==, 0);
    qtest_memread(s, BUF_ADDR, data, FAKE_INITRD_SIZE);
    g_assert_cmpmem(data, FAKE_INITRD_SIZE, initrd_data, FAKE_INITRD_SIZE);
    g_free(data);

    /* The option ROM that boots it, first in the boot order. */
    data = fw_cfg_read_file(s, "genroms/linuxboot_dma.bin", &size);
    g_assert_nonnull(data);
    g_assert_cmpuint(size, >=, 512);
    g_assert_cmphex(data[0], ==, 0x55);
    g_assert_cmphex(data[1], ==, 0xaa);
    g_free(data);
    data = fw_cfg_read_file(s, "bootorder", &size);
    g_assert_nonnull(data);
    g_assert_cmpmem(data, size, "/rom@genroms/linuxboot_dma.bin\nHALT", 36);
    g_free(data);
    qtest_quit(s);

    unlink(kernel);
    unlink(initrd);
}

/* Direct boot (no firmware) keeps the kernel out of fw_cfg. */
static void test_kernel_direct(void)
{
    g_autofree char *kernel = fake_kernel_write();
    QTestState *s = qtest_initf("-kernel %s", kernel);
    uint16_t select;
    uint32_t size;

    g_assert_cmpuint(fw_cfg_get(s, FW_CFG_KERNEL_SIZE, 4), ==, 0);
    g_assert_false(
        fw_cfg_find_file(s, "genroms/linuxboot_dma.bin", &select, &size));
    g_assert_true(fw_cfg_find_file(s, "etc/e820", &select, &size));
    qtest_quit(s);
    unlink(kernel);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fw_cfg/signature", test_signature);
    g_test_add_func("/fw_cfg/id", test_id);
    g_test_add_func("/fw_cfg/ram-cpus", test_ram_cpus);
    g_test_add_func("/fw_cfg/uuid", test_uuid);
    g_test_add_func("/fw_cfg/file-dir", test_file_dir);
    g_test_add_func("/fw_cfg/e820", test_e820);
    g_test_add_func("/fw_cfg/dma", test_dma);
    g_test_add_func("/fw_cfg/dma-errors", test_dma_errors);
    g_test_add_func("/fw_cfg/reset", test_reset);
    g_test_add_func("/fw_cfg/boot-options", test_boot_options);
    g_test_add_func("/fw_cfg/sercon", test_sercon);
    g_test_add_func("/fw_cfg/kernel", test_kernel);
    g_test_add_func("/fw_cfg/kernel-direct", test_kernel_direct);
    return g_test_run();
}
