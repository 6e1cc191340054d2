/*
 * fw_cfg's board-side API, read back through the device's own ports: files
 * keep their keys in name order as more are added, fw_cfg_modify_* replace
 * contents (and the directory's sizes), numbers are little-endian, and a
 * mapped item reads straight from its file.
 */
#include <string.h>
#include <unistd.h>

#include "hw/core/machine.h"
#include "hw/nvram/fw_cfg.h"

static MemoryRegion io_root, mem_root, ram;

static void fw_cfg_select(uint16_t key)
{
    address_space_st(&address_space_io, FW_CFG_IO_BASE, 2, key);
}

static void fw_cfg_read(void *buf, size_t len)
{
    uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        uint64_t v;

        address_space_ld(&address_space_io, FW_CFG_IO_BASE + 1, 1, &v);
        p[i] = v;
    }
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

/* The directory entry of name: its key and size; false if absent. */
static bool dir_lookup(const char *name, uint16_t *key, uint32_t *size)
{
    uint8_t count[4], f[FW_CFG_FILE_ENTRY_SIZE];

    fw_cfg_select(FW_CFG_FILE_DIR);
    fw_cfg_read(count, 4);
    for (uint32_t i = 0; i < be32(count); i++) {
        fw_cfg_read(f, sizeof(f));
        if (!strcmp((char *)f + 8, name)) {
            *key = (f[4] << 8) | f[5];
            *size = be32(f);
            return true;
        }
    }
    return false;
}

static FWCfgState *fw_cfg_setup(void)
{
    static FWCfgState *s;
    GError *err = NULL;

    if (s) {
        return s;
    }
    memory_region_init_container(&io_root, "io", 0x10000);
    memory_region_init_container(&mem_root, "system", UINT64_MAX);
    memory_region_init_ram(&ram, "ram", 1 << 20);
    memory_region_add_subregion(&mem_root, 0, &ram);
    address_space_init(&address_space_io, &io_root, "I/O");
    address_space_init(&address_space_memory, &mem_root, "memory");
    s = fw_cfg_init_io_dma(bus_new(NULL, "System", "main-system-bus"), &io_root,
                           FW_CFG_IO_BASE, &err);
    g_assert_no_error(err);
    g_assert_true(fw_cfg_find() == s);
    return s;
}

static void test_file_order(void)
{
    FWCfgState *s = fw_cfg_setup();
    uint16_t key_a, key_b, key_c;
    uint32_t size;
    char data[8];

    fw_cfg_add_file(s, "test/b", "bbb", 3);
    fw_cfg_add_file(s, "test/c", "cccc", 4);
    g_assert_true(dir_lookup("test/b", &key_b, &size));
    g_assert_true(dir_lookup("test/c", &key_c, &size));
    g_assert_cmpuint(key_c, ==, key_b + 1);

    /* "a" sorts first: it takes b's key and the others move up. */
    fw_cfg_add_file(s, "test/a", "a", 1);
    g_assert_true(dir_lookup("test/a", &key_a, &size));
    g_assert_cmpuint(key_a, ==, key_b);
    g_assert_true(dir_lookup("test/b", &key_b, &size));
    g_assert_cmpuint(size, ==, 3);
    g_assert_cmpuint(key_b, ==, key_a + 1);
    fw_cfg_select(key_b);
    fw_cfg_read(data, 4);
    g_assert_cmpmem(data, 4, "bbb\0", 4);

    /* Replacing contents changes the size the directory reports. */
    fw_cfg_modify_file(s, "test/b", "BBBBBB", 6);
    g_assert_true(dir_lookup("test/b", &key_b, &size));
    g_assert_cmpuint(size, ==, 6);
    fw_cfg_select(key_b);
    fw_cfg_read(data, 6);
    g_assert_cmpmem(data, 6, "BBBBBB", 6);
    g_assert_nonnull(fw_cfg_get_file(s, "test/b", &(size_t){0}));
    g_assert_null(fw_cfg_get_file(s, "test/none", &(size_t){0}));
}

static void test_numbers(void)
{
    FWCfgState *s = fw_cfg_setup();
    uint8_t data[8];

    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, 0x0102030405060708ull);
    fw_cfg_select(FW_CFG_RAM_SIZE);
    fw_cfg_read(data, 8);
    g_assert_cmpmem(data, 8, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);

    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, 2);
    fw_cfg_modify_i16(s, FW_CFG_NB_CPUS, 0x1234);
    fw_cfg_select(FW_CFG_NB_CPUS);
    fw_cfg_read(data, 3);
    g_assert_cmpmem(data, 3, "\x34\x12\x00", 3);

    fw_cfg_add_i32(s, FW_CFG_IRQ0_OVERRIDE, 1);
    fw_cfg_modify_i32(s, FW_CFG_IRQ0_OVERRIDE, 0xa0b0c0d0);
    fw_cfg_select(FW_CFG_IRQ0_OVERRIDE);
    fw_cfg_read(data, 4);
    g_assert_cmpmem(data, 4, "\xd0\xc0\xb0\xa0", 4);

    fw_cfg_add_string(s, FW_CFG_CMDLINE_DATA, "ab");
    fw_cfg_modify_string(s, FW_CFG_CMDLINE_DATA, "xyz");
    fw_cfg_select(FW_CFG_CMDLINE_DATA);
    fw_cfg_read(data, 5);
    g_assert_cmpmem(data, 5, "xyz\0\0", 5);
}

static void test_mapped(void)
{
    FWCfgState *s = fw_cfg_setup();
    char *path =
        g_build_filename(g_get_tmp_dir(), "pcvm-test-fw-cfg-XXXXXX", NULL);
    GMappedFile *file;
    char data[6];
    int fd = g_mkstemp(path);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "0123456789", 10), ==, 10);
    close(fd);
    file = g_mapped_file_new(path, false, NULL);
    g_assert_nonnull(file);
    fw_cfg_add_mapped(s, FW_CFG_KERNEL_DATA, file, 3, 5);
    /* The item holds its own reference. */
    g_mapped_file_unref(file);
    unlink(path);
    g_free(path);
    fw_cfg_select(FW_CFG_KERNEL_DATA);
    fw_cfg_read(data, 6);
    g_assert_cmpmem(data, 6, "34567\0", 6);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fw_cfg/file-order", test_file_order);
    g_test_add_func("/fw_cfg/numbers", test_numbers);
    g_test_add_func("/fw_cfg/mapped", test_mapped);
    return g_test_run();
}
