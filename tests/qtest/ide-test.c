/*
 * IDE: the pc's legacy channels driven through their task-file registers as
 * a driver does. A raw image the test writes is the disk: IDENTIFY DEVICE
 * reports its size, READ SECTORS (LBA28 and LBA48) returns its pattern,
 * WRITE SECTORS lands in the file, a range past the end fails and leaves the
 * channel working, nIEN gates IRQ14. An ISO-sized file given with -cdrom is
 * an ATAPI drive (IDENTIFY PACKET DEVICE, INQUIRY, READ CAPACITY, READ(10));
 * an empty one reports "medium not present". Bus-master DMA (READ/WRITE DMA
 * through a PRD table, one of them with dozens of tiny and page-straddling
 * buffers) goes through the PIIX3 IDE function's BAR4, set up over PCI
 * configuration space as a driver does.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "libqtest.h"

#define IDE0 0x1f0
#define IDE0_CTL 0x3f6
#define IDE1 0x170
#define IDE1_CTL 0x376

#define REG_DATA 0
#define REG_ERROR 1
#define REG_FEATURE 1
#define REG_NSECTOR 2
#define REG_LBAL 3
#define REG_LBAM 4
#define REG_LBAH 5
#define REG_DEVICE 6
#define REG_STATUS 7
#define REG_COMMAND 7

#define STATUS_BSY 0x80
#define STATUS_DRDY 0x40
#define STATUS_DRQ 0x08
#define STATUS_ERR 0x01
#define ERROR_IDNF 0x10
#define ERROR_ABRT 0x04
#define DEVCTL_NIEN 0x02
#define DEVCTL_SRST 0x04
#define DEVCTL_HOB 0x80
#define DEV_LBA 0x40

#define CMD_READ 0x20
#define CMD_READ_EXT 0x24
#define CMD_READ_DMA_EXT 0x25
#define CMD_WRITE 0x30
#define CMD_READ_MULTIPLE 0xc4
#define CMD_SET_MULTIPLE 0xc6
#define CMD_READ_DMA 0xc8
#define CMD_WRITE_DMA 0xca
#define CMD_PACKET 0xa0
#define CMD_IDENTIFY_PACKET 0xa1
#define CMD_IDENTIFY 0xec
#define CMD_FLUSH 0xe7
#define CMD_SET_FEATURES 0xef

#define DISK_SECTORS 8192 /* 4 MiB */
#define CD_SECTORS 300    /* 600 KiB */
#define IDE0_IRQ 14

/* PIIX3 IDE at 00:01.1; its BAR4 (bus master) placed at BMDMA */
#define PCI_CONFADD 0xcf8
#define PCI_CONFDATA 0xcfc
#define PIIX_IDE_DEVFN 0x09
#define BMDMA 0xc000
#define BM0 BMDMA
#define BM1 (BMDMA + 8)
#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRDT 4
#define BM_CMD_START 0x01
#define BM_CMD_WRITE_MEMORY 0x08
#define BM_STATUS_ACTIVE 0x01
#define BM_STATUS_ERROR 0x02
#define BM_STATUS_INT 0x04
#define PRD_EOT 0x80000000u

/* The byte at offset i of 512-byte sector lba in the pattern. */
static uint8_t pattern_byte(uint64_t lba, unsigned i)
{
    return (uint8_t)(lba * 7 + i * 3 + (lba >> 16));
}

/* A sparse raw image of size bytes with the pattern in the given sectors. */
static char *image_create(uint64_t size, const uint64_t *lbas, int n)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-ide-XXXXXX.img", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    for (int k = 0; k < n; k++) {
        uint8_t sector[512];

        for (unsigned i = 0; i < 512; i++) {
            sector[i] = pattern_byte(lbas[k], i);
        }
        g_assert_cmpint(pwrite(fd, sector, 512, lbas[k] * 512), ==, 512);
    }
    close(fd);
    return path;
}

static char *disk_create(void)
{
    uint64_t lbas[DISK_SECTORS];

    for (int i = 0; i < DISK_SECTORS; i++) {
        lbas[i] = i;
    }
    return image_create(DISK_SECTORS * 512ull, lbas, DISK_SECTORS);
}

static void image_read(const char *path, uint64_t offset, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, offset), ==, (ssize_t)len);
    close(fd);
}

static void assert_sector_pattern(const uint8_t *buf, uint64_t lba)
{
    for (unsigned i = 0; i < 512; i++) {
        if (buf[i] != pattern_byte(lba, i)) {
            g_error("sector %" PRIu64 " byte %u: 0x%02x, expected 0x%02x", lba,
                    i, buf[i], pattern_byte(lba, i));
        }
    }
}

static uint8_t wait_not_busy(QTestState *s, uint16_t base)
{
    uint8_t status;

    for (int i = 0; i < 10000; i++) {
        status = qtest_inb(s, base + REG_STATUS);
        if (!(status & STATUS_BSY)) {
            return status;
        }
        g_usleep(100);
    }
    g_error("IDE at 0x%x stays busy", base);
}

static void read_words(QTestState *s, uint16_t base, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i += 2) {
        uint16_t w = qtest_inw(s, base + REG_DATA);

        buf[i] = w;
        buf[i + 1] = w >> 8;
    }
}

static void write_words(QTestState *s, uint16_t base, const uint8_t *buf,
                        size_t len)
{
    for (size_t i = 0; i < len; i += 2) {
        qtest_outw(s, base + REG_DATA, buf[i] | (buf[i + 1] << 8));
    }
}

static void lba28_setup(QTestState *s, uint16_t base, uint32_t lba,
                        uint8_t count)
{
    qtest_outb(s, base + REG_DEVICE, 0xe0 | ((lba >> 24) & 0x0f));
    qtest_outb(s, base + REG_NSECTOR, count);
    qtest_outb(s, base + REG_LBAL, lba);
    qtest_outb(s, base + REG_LBAM, lba >> 8);
    qtest_outb(s, base + REG_LBAH, lba >> 16);
}

static void lba48_setup(QTestState *s, uint16_t base, uint64_t lba,
                        uint16_t count)
{
    qtest_outb(s, base + REG_DEVICE, 0xe0);
    /* High bytes first: each register keeps the previous write for HOB. */
    qtest_outb(s, base + REG_NSECTOR, count >> 8);
    qtest_outb(s, base + REG_LBAL, lba >> 24);
    qtest_outb(s, base + REG_LBAM, lba >> 32);
    qtest_outb(s, base + REG_LBAH, lba >> 40);
    qtest_outb(s, base + REG_NSECTOR, count);
    qtest_outb(s, base + REG_LBAL, lba);
    qtest_outb(s, base + REG_LBAM, lba >> 8);
    qtest_outb(s, base + REG_LBAH, lba >> 16);
}

static uint16_t word(const uint8_t *id, int n)
{
    return id[2 * n] | (id[2 * n + 1] << 8);
}

/* An identify string: ATA stores two characters per word, swapped. */
static void identify_string(const uint8_t *id, int first_word, int words,
                            char *out)
{
    for (int i = 0; i < words; i++) {
        out[2 * i] = id[2 * (first_word + i) + 1];
        out[2 * i + 1] = id[2 * (first_word + i)];
    }
    out[2 * words] = 0;
    g_strchomp(out);
}

/* IDENTIFY (PACKET) DEVICE of unit 0 (master) or 1 (slave). */
static void identify_unit(QTestState *s, uint16_t base, int unit, uint8_t cmd,
                          uint8_t *id)
{
    uint8_t status;

    qtest_outb(s, base + REG_DEVICE, unit ? 0xb0 : 0xa0);
    qtest_outb(s, base + REG_COMMAND, cmd);
    status = wait_not_busy(s, base);
    g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, STATUS_DRQ);
    read_words(s, base, id, 512);
    status = qtest_inb(s, base + REG_STATUS);
    g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, 0);
}

static void identify(QTestState *s, uint16_t base, uint8_t cmd, uint8_t *id)
{
    identify_unit(s, base, 0, cmd, id);
}

/*
 * The VMM started with args (after -accel qtest -display none) exits at
 * once with status 1 and error, one line, on stderr.
 */
static void assert_startup_error(const char *args, const char *error)
{
    g_autofree char *cmd = g_strdup_printf("%s -accel qtest -display none %s",
                                           qtest_binary(), args);
    g_autofree char *out = NULL, *err = NULL;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
    if (!strstr(err, error)) {
        g_error("%s: expected \"%s\", got \"%s\"", args, error, err);
    }
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    g_assert_null(strchr(g_strchomp(err), '\n')); /* one line */
}

static bool vmm_is_pcvm(void)
{
    const char *bin = g_getenv("PCVM_QTEST_BINARY");

    return !bin || !strstr(bin, "qemu");
}

/* Word 255 (pcvm fills it; QEMU leaves it 0): signature and checksum. */
static void assert_identify_checksum(const uint8_t *id)
{
    uint8_t sum = 0;

    if (!vmm_is_pcvm()) {
        return;
    }
    g_assert_cmphex(id[510], ==, 0xa5);
    for (int i = 0; i < 512; i++) {
        sum += id[i];
    }
    g_assert_cmphex(sum, ==, 0);
}

/* ---- disk ------------------------------------------------------------- */

static void test_identify(void)
{
    g_autofree char *img = disk_create();
    QTestState *s =
        qtest_initf("-drive file=%s,format=raw,if=ide,index=0", img);
    uint8_t id[512];
    char model[41], serial[21], firmware[9];

    identify(s, IDE0, CMD_IDENTIFY, id);
    identify_string(id, 27, 20, model);
    identify_string(id, 10, 10, serial);
    identify_string(id, 23, 4, firmware);
    g_assert_cmpstr(model, ==, "QEMU HARDDISK");
    g_assert_cmpuint(strlen(serial), >, 0);
    g_assert_cmpuint(strlen(firmware), >, 0);
    g_assert_cmphex(word(id, 0) & 0x8000, ==, 0);     /* ATA device */
    g_assert_cmphex(word(id, 49) & 0x300, ==, 0x300); /* LBA and DMA */
    g_assert_cmpuint(word(id, 60) | (word(id, 61) << 16), ==, DISK_SECTORS);
    g_assert_cmpuint(word(id, 100) | (word(id, 101) << 16), ==, DISK_SECTORS);
    g_assert_cmpuint(word(id, 102) | word(id, 103), ==, 0);
    g_assert_cmphex(word(id, 83) & (1 << 10), ==, 1 << 10); /* LBA48 */
    g_assert_cmphex(word(id, 88) & 0x3f, ==, 0x3f);         /* UDMA 0-5 */
    g_assert_cmphex(word(id, 63) & 0x07, ==, 0x07);         /* MWDMA 0-2 */
    g_assert_cmpuint(word(id, 3), ==, 16); /* CHS translation */
    g_assert_cmpuint(word(id, 6), ==, 63);
    g_assert_cmpuint(word(id, 1), ==, DISK_SECTORS / (16 * 63));
    assert_identify_checksum(id);
    /* No slave on this channel: its status reads 0. */
    qtest_outb(s, IDE0 + REG_DEVICE, 0xb0);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_STATUS), ==, 0);
    qtest_quit(s);
    unlink(img);
}

static void test_read_sectors(void)
{
    g_autofree char *img = disk_create();
    QTestState *s = qtest_initf("-hda %s", img);
    uint8_t buf[512];
    uint8_t status;

    lba28_setup(s, IDE0, 100, 3);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ);
    for (int i = 0; i < 3; i++) {
        status = wait_not_busy(s, IDE0);
        g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, STATUS_DRQ);
        read_words(s, IDE0, buf, 512);
        assert_sector_pattern(buf, 100 + i);
    }
    status = qtest_inb(s, IDE0 + REG_STATUS);
    g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR | STATUS_BSY), ==, 0);
    g_assert_cmphex(status & STATUS_DRDY, ==, STATUS_DRDY);
    /* The task file ends past the last sector read (as QEMU leaves it). */
    g_assert_cmpuint(qtest_inb(s, IDE0 + REG_LBAL), ==, 103);

    /* CHS: cylinder 1, head 2, sector 5 = (1 * 16 + 2) * 63 + 4 */
    qtest_outb(s, IDE0 + REG_DEVICE, 0xa0 | 2);
    qtest_outb(s, IDE0 + REG_NSECTOR, 1);
    qtest_outb(s, IDE0 + REG_LBAL, 5);
    qtest_outb(s, IDE0 + REG_LBAM, 1);
    qtest_outb(s, IDE0 + REG_LBAH, 0);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, STATUS_DRQ);
    read_words(s, IDE0, buf, 512);
    assert_sector_pattern(buf, (1 * 16 + 2) * 63 + 4);

    /* READ MULTIPLE: 4 sectors per DRQ block, 32-bit data reads */
    lba28_setup(s, IDE0, 0, 4);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_SET_MULTIPLE);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & STATUS_ERR, ==, 0);
    lba28_setup(s, IDE0, 2000, 8);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_MULTIPLE);
    for (int block = 0; block < 2; block++) {
        uint8_t big[2048];

        status = wait_not_busy(s, IDE0);
        g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, STATUS_DRQ);
        for (int i = 0; i < 2048; i += 4) {
            uint32_t l = qtest_inl(s, IDE0 + REG_DATA);

            memcpy(big + i, &l, 4);
        }
        for (int i = 0; i < 4; i++) {
            assert_sector_pattern(big + 512 * i, 2000 + block * 4 + i);
        }
    }
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_STATUS) & STATUS_DRQ, ==, 0);
    qtest_quit(s);
    unlink(img);
}

static void test_write_sectors(void)
{
    g_autofree char *img = disk_create();
    QTestState *s = qtest_initf("-drive file=%s,format=raw,index=0", img);
    uint8_t buf[1024], back[1024];
    uint8_t status;

    for (int i = 0; i < 1024; i++) {
        buf[i] = 0xff - (i & 0x7f);
    }
    lba28_setup(s, IDE0, 4000, 2);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_WRITE);
    for (int i = 0; i < 2; i++) {
        status = wait_not_busy(s, IDE0);
        g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, STATUS_DRQ);
        write_words(s, IDE0, buf + 512 * i, 512);
    }
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, 0);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_FLUSH);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & STATUS_ERR, ==, 0);
    image_read(img, 4000 * 512, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), buf, sizeof(buf));
    /* Its neighbours are untouched. */
    image_read(img, 4002 * 512, back, 512);
    assert_sector_pattern(back, 4002);
    qtest_quit(s);
    unlink(img);
}

static void test_lba48(void)
{
    /* 256 GiB sparse: more sectors than LBA28 can address. */
    const uint64_t sectors = 1ull << 29, lba = 0x12345678;
    const uint64_t lbas[] = {lba, lba + 1};
    g_autofree char *img = image_create(sectors * 512, lbas, 2);
    QTestState *s = qtest_initf("-hda %s", img);
    uint8_t id[512], buf[512];
    uint8_t status;

    identify(s, IDE0, CMD_IDENTIFY, id);
    g_assert_cmphex(word(id, 60) | (word(id, 61) << 16), ==, 0x0fffffff);
    g_assert_cmphex(word(id, 100) | ((uint32_t)word(id, 101) << 16), ==,
                    sectors);

    lba48_setup(s, IDE0, lba, 2);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_EXT);
    for (int i = 0; i < 2; i++) {
        status = wait_not_busy(s, IDE0);
        g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, STATUS_DRQ);
        read_words(s, IDE0, buf, 512);
        assert_sector_pattern(buf, lba + i);
    }
    /* HOB reads back the high-order bytes of the address it ended at. */
    qtest_outb(s, IDE0_CTL, DEVCTL_HOB);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_LBAL), ==,
                    ((lba + 2) >> 24) & 0xff);
    qtest_outb(s, IDE0_CTL, 0);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_LBAL), ==, (lba + 2) & 0xff);
    qtest_quit(s);
    unlink(img);
}

/*
 * A command that must fail: the device may take or offer the sectors inside
 * the medium first (QEMU does), but ends with ERR and IDNF or ABRT.
 */
static void pio_expect_error(QTestState *s, uint16_t base, bool write)
{
    uint8_t buf[512] = {0}, status;

    for (int blocks = 0;; blocks++) {
        status = wait_not_busy(s, base);
        if (!(status & STATUS_DRQ)) {
            break;
        }
        g_assert_cmpint(blocks, <, 3);
        if (write) {
            write_words(s, base, buf, 512);
        } else {
            read_words(s, base, buf, 512);
        }
    }
    g_assert_cmphex(status & STATUS_ERR, ==, STATUS_ERR);
    g_assert_cmphex(qtest_inb(s, base + REG_ERROR) & (ERROR_IDNF | ERROR_ABRT),
                    !=, 0);
}

static void test_out_of_range(void)
{
    g_autofree char *img = disk_create();
    QTestState *s = qtest_initf("-hda %s", img);
    uint8_t id[512], buf[512];
    uint8_t status;

    /* The last two sectors of the read lie past the end. */
    lba28_setup(s, IDE0, DISK_SECTORS - 1, 3);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ);
    pio_expect_error(s, IDE0, false);
    /* LBA48 far out, and a write. */
    lba48_setup(s, IDE0, 0xffffffffffffull, 1);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_EXT);
    pio_expect_error(s, IDE0, false);
    lba28_setup(s, IDE0, DISK_SECTORS, 1);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_WRITE);
    pio_expect_error(s, IDE0, true);
    /* An unknown command aborts. */
    qtest_outb(s, IDE0 + REG_COMMAND, 0x5f);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & STATUS_ERR, ==, STATUS_ERR);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_ERROR), ==, ERROR_ABRT);

    /* The channel keeps working: the last sector reads fine. */
    identify(s, IDE0, CMD_IDENTIFY, id);
    lba28_setup(s, IDE0, DISK_SECTORS - 1, 1);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & (STATUS_DRQ | STATUS_ERR), ==, STATUS_DRQ);
    read_words(s, IDE0, buf, 512);
    assert_sector_pattern(buf, DISK_SECTORS - 1);
    qtest_quit(s);
    unlink(img);
}

static void test_interrupts(void)
{
    g_autofree char *img = disk_create();
    QTestState *s = qtest_initf("-hda %s", img);
    uint8_t id[512];

    qtest_irq_intercept_in(s, "ioapic");
    /* nIEN: the command completes without raising IRQ14. */
    qtest_outb(s, IDE0_CTL, DEVCTL_NIEN);
    qtest_outb(s, IDE0 + REG_DEVICE, 0xa0);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_IDENTIFY);
    g_assert_cmphex(qtest_inb(s, IDE0_CTL) & STATUS_DRQ, ==, STATUS_DRQ);
    g_assert_false(qtest_get_irq(s, IDE0_IRQ));
    read_words(s, IDE0, id, 512);
    qtest_inb(s, IDE0 + REG_STATUS);

    /* Interrupts enabled: IRQ14 rises; the alternate status leaves it. */
    qtest_outb(s, IDE0_CTL, 0);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_IDENTIFY);
    g_assert_true(qtest_get_irq(s, IDE0_IRQ));
    g_assert_cmphex(qtest_inb(s, IDE0_CTL) & STATUS_DRQ, ==, STATUS_DRQ);
    g_assert_true(qtest_get_irq(s, IDE0_IRQ));
    /* Reading the status register acknowledges it. */
    qtest_inb(s, IDE0 + REG_STATUS);
    g_assert_false(qtest_get_irq(s, IDE0_IRQ));
    read_words(s, IDE0, id, 512);
    g_assert_cmpstr((char *)id + 54, !=, ""); /* data did arrive */

    /* Software reset: the disk's signature and a ready status. */
    qtest_outb(s, IDE0_CTL, DEVCTL_SRST);
    qtest_outb(s, IDE0_CTL, 0);
    g_assert_cmphex(wait_not_busy(s, IDE0) & STATUS_DRDY, ==, STATUS_DRDY);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_NSECTOR), ==, 1);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_LBAL), ==, 1);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_LBAM), ==, 0);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_LBAH), ==, 0);
    qtest_quit(s);
    unlink(img);
}

/* ---- ATAPI ------------------------------------------------------------- */

static void atapi_send(QTestState *s, uint16_t base, const uint8_t *cdb,
                       uint16_t limit)
{
    uint8_t status;

    qtest_outb(s, base + REG_DEVICE, 0xa0);
    qtest_outb(s, base + REG_FEATURE, 0);
    qtest_outb(s, base + REG_LBAM, limit);
    qtest_outb(s, base + REG_LBAH, limit >> 8);
    qtest_outb(s, base + REG_COMMAND, CMD_PACKET);
    status = wait_not_busy(s, base);
    g_assert_cmphex(status & STATUS_DRQ, ==, STATUS_DRQ);
    /* Interrupt reason: command (CoD=1, IO=0) */
    g_assert_cmphex(qtest_inb(s, base + REG_NSECTOR) & 3, ==, 1);
    write_words(s, base, cdb, 12);
}

/*
 * Reads the reply's DRQ blocks (each at most limit bytes) into buf; returns
 * the byte count, or -1 with *sense_key set when the command failed.
 */
static int atapi_reply(QTestState *s, uint16_t base, uint8_t *buf, size_t max,
                       uint16_t limit, uint8_t *sense_key)
{
    size_t got = 0;

    for (;;) {
        uint8_t status = wait_not_busy(s, base);
        uint8_t reason = qtest_inb(s, base + REG_NSECTOR) & 3;
        unsigned n;

        if (!(status & STATUS_DRQ)) {
            g_assert_cmphex(reason, ==, 3); /* IO and CoD: status phase */
            if (status & STATUS_ERR) {
                *sense_key = qtest_inb(s, base + REG_ERROR) >> 4;
                return -1;
            }
            return got;
        }
        g_assert_cmphex(reason, ==, 2); /* data to the host */
        n = qtest_inb(s, base + REG_LBAM) |
            (qtest_inb(s, base + REG_LBAH) << 8);
        g_assert_cmpuint(n, >, 0);
        g_assert_cmpuint(n, <=, limit);
        g_assert_cmpuint(got + n, <=, max);
        read_words(s, base, buf + got, n + (n & 1));
        got += n;
    }
}

static int atapi_command(QTestState *s, uint16_t base, const uint8_t *cdb,
                         uint8_t *buf, size_t max, uint8_t *sense_key)
{
    atapi_send(s, base, cdb, max);
    return atapi_reply(s, base, buf, max, max, sense_key);
}

static char *cd_create(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("pcvm-cd-XXXXXX.iso", &path, NULL);
    uint8_t sector[2048];

    g_assert_cmpint(fd, >=, 0);
    for (int lba = 0; lba < CD_SECTORS; lba++) {
        for (int i = 0; i < 2048; i++) {
            sector[i] = lba + i;
        }
        if (lba == 16) {
            memcpy(sector,
                   "\x01"
                   "CD001\x01",
                   7); /* primary volume */
        }
        g_assert_cmpint(write(fd, sector, 2048), ==, 2048);
    }
    close(fd);
    return path;
}

static void test_atapi_identify(void)
{
    g_autofree char *iso = cd_create();
    QTestState *s = qtest_initf("-cdrom %s", iso);
    uint8_t id[512];
    char model[41];
    uint8_t status;

    /* IDENTIFY DEVICE aborts and leaves the ATAPI signature. */
    qtest_outb(s, IDE1 + REG_DEVICE, 0xa0);
    qtest_outb(s, IDE1 + REG_COMMAND, CMD_IDENTIFY);
    status = wait_not_busy(s, IDE1);
    g_assert_cmphex(status & STATUS_ERR, ==, STATUS_ERR);
    g_assert_cmphex(qtest_inb(s, IDE1 + REG_ERROR) & ERROR_ABRT, ==,
                    ERROR_ABRT);
    g_assert_cmphex(qtest_inb(s, IDE1 + REG_LBAM), ==, 0x14);
    g_assert_cmphex(qtest_inb(s, IDE1 + REG_LBAH), ==, 0xeb);

    identify(s, IDE1, CMD_IDENTIFY_PACKET, id);
    identify_string(id, 27, 20, model);
    g_assert_cmpstr(model, ==, "QEMU DVD-ROM");
    /* ATAPI, CD-ROM device type, removable, 12-byte packets */
    g_assert_cmphex(word(id, 0) & 0xdf83, ==, 0x8580);
    g_assert_cmphex(word(id, 49) & 0x300, ==, 0x300);
    assert_identify_checksum(id);
    qtest_quit(s);
    unlink(iso);
}

static void test_atapi_read(void)
{
    g_autofree char *iso = cd_create();
    QTestState *s = qtest_initf("-cdrom %s", iso);
    static const uint8_t tur[12] = {0x00};
    static const uint8_t inquiry[12] = {0x12, 0, 0, 0, 96, 0};
    static const uint8_t capacity[12] = {0x25};
    static const uint8_t read16[12] = {0x28, 0, 0, 0, 0, 16, 0, 0, 1};
    static const uint8_t read_two[12] = {0x28, 0, 0, 0, 0, 100, 0, 0, 2};
    static const uint8_t read_past[12] = {0x28, 0, 0, 0, 0x01, 0x2b, 0, 0, 2};
    static const uint8_t sense[12] = {0x03, 0, 0, 0, 18, 0};
    uint8_t buf[4096], key = 0;
    int n;

    /* A first TEST UNIT READY may report a medium change; the next not. */
    atapi_command(s, IDE1, tur, buf, 0, &key);
    g_assert_cmpint(atapi_command(s, IDE1, tur, buf, 0, &key), ==, 0);

    n = atapi_command(s, IDE1, inquiry, buf, sizeof(buf), &key);
    g_assert_cmpint(n, >=, 36);
    g_assert_cmphex(buf[0] & 0x1f, ==, 0x05); /* CD/DVD */
    g_assert_cmphex(buf[1] & 0x80, ==, 0x80); /* removable */
    g_assert_cmpmem(buf + 16, 12, "QEMU DVD-ROM", 12);

    n = atapi_command(s, IDE1, capacity, buf, 8, &key);
    g_assert_cmpint(n, ==, 8);
    g_assert_cmpuint((buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3],
                     ==, CD_SECTORS - 1);
    g_assert_cmpuint((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7],
                     ==, 2048);

    n = atapi_command(s, IDE1, read16, buf, 2048, &key);
    g_assert_cmpint(n, ==, 2048);
    g_assert_cmpmem(buf, 6,
                    "\x01"
                    "CD001",
                    6);
    g_assert_cmphex(buf[2047], ==, (uint8_t)(16 + 2047));

    /* Two sectors in DRQ blocks of at most 1000 bytes. */
    atapi_send(s, IDE1, read_two, 1000);
    n = atapi_reply(s, IDE1, buf, sizeof(buf), 1000, &key);
    g_assert_cmpint(n, ==, 4096);
    for (int i = 0; i < 4096; i++) {
        g_assert_cmphex(buf[i], ==, (uint8_t)(100 + i / 2048 + i % 2048));
    }

    /* Past the end: ILLEGAL REQUEST, LBA out of range (0x21). */
    g_assert_cmpint(atapi_command(s, IDE1, read_past, buf, 4096, &key), ==, -1);
    g_assert_cmphex(key, ==, 5);
    n = atapi_command(s, IDE1, sense, buf, 18, &key);
    g_assert_cmpint(n, ==, 18);
    g_assert_cmphex(buf[2] & 0x0f, ==, 5);
    g_assert_cmphex(buf[12], ==, 0x21);
    qtest_quit(s);
    unlink(iso);
}

static void test_atapi_mmc(void)
{
    g_autofree char *iso = cd_create();
    QTestState *s = qtest_initf("-cdrom %s", iso);
    static const uint8_t config[12] = {0x46, 0, 0, 0, 0, 0, 0, 0, 64};
    static const uint8_t mode_caps[12] = {0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64};
    static const uint8_t mode_bad[12] = {0x5a, 0, 0x13, 0, 0, 0, 0, 0, 64};
    static const uint8_t toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 64};
    static const uint8_t disc_info[12] = {0x51, 0, 0, 0, 0, 0, 0, 0, 34};
    static const uint8_t events[12] = {0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8};
    static const uint8_t lock[12] = {0x1e, 0, 0, 0, 1};
    static const uint8_t unknown[12] = {0xff};
    uint8_t buf[64], key = 0;
    int n;

    /* Current profile: CD-ROM (a CD-sized medium). */
    n = atapi_command(s, IDE1, config, buf, 64, &key);
    g_assert_cmpint(n, >=, 8);
    g_assert_cmphex((buf[6] << 8) | buf[7], ==, 0x0008);

    n = atapi_command(s, IDE1, mode_caps, buf, 64, &key);
    g_assert_cmpint(n, >=, 8 + 2);
    g_assert_cmphex(buf[8] & 0x3f, ==, 0x2a);
    g_assert_cmpint((buf[0] << 8) | buf[1], ==, 8 - 2 + 2 + buf[9]);
    g_assert_cmpint(atapi_command(s, IDE1, mode_bad, buf, 64, &key), ==, -1);
    g_assert_cmphex(key, ==, 5);

    /* TOC: track 1 at LBA 0, lead-out at the medium's end. */
    n = atapi_command(s, IDE1, toc, buf, 64, &key);
    g_assert_cmpint(n, ==, 20);
    g_assert_cmpint(buf[2], ==, 1);
    g_assert_cmpint(buf[3], ==, 1);
    g_assert_cmphex(buf[4 + 2], ==, 1);
    g_assert_cmphex(buf[12 + 2], ==, 0xaa);
    g_assert_cmpuint((buf[16] << 24) | (buf[17] << 16) | (buf[18] << 8) |
                         buf[19],
                     ==, CD_SECTORS);

    n = atapi_command(s, IDE1, disc_info, buf, 34, &key);
    g_assert_cmpint(n, ==, 34);
    g_assert_cmphex(buf[2] & 0x03, ==, 0x02); /* complete disc */

    n = atapi_command(s, IDE1, events, buf, 8, &key);
    g_assert_cmpint(n, ==, 8);
    g_assert_cmphex(buf[2] & 0x07, ==, 4);    /* media class */
    g_assert_cmphex(buf[5] & 0x02, ==, 0x02); /* medium present */

    g_assert_cmpint(atapi_command(s, IDE1, lock, buf, 0, &key), ==, 0);
    g_assert_cmpint(atapi_command(s, IDE1, unknown, buf, 64, &key), ==, -1);
    g_assert_cmphex(key, ==, 5); /* ILLEGAL REQUEST */
    qtest_quit(s);
    unlink(iso);
}

static void test_atapi_no_medium(void)
{
    QTestState *s = qtest_init("-drive if=ide,index=2,media=cdrom");
    static const uint8_t tur[12] = {0x00};
    static const uint8_t sense[12] = {0x03, 0, 0, 0, 18, 0};
    static const uint8_t inquiry[12] = {0x12, 0, 0, 0, 36, 0};
    uint8_t buf[64], key = 0;

    g_assert_cmpint(atapi_command(s, IDE1, tur, buf, 0, &key), ==, -1);
    g_assert_cmphex(key, ==, 2); /* NOT READY */
    g_assert_cmpint(atapi_command(s, IDE1, sense, buf, 18, &key), ==, 18);
    g_assert_cmphex(buf[2] & 0x0f, ==, 2);
    g_assert_cmphex(buf[12], ==, 0x3a); /* MEDIUM NOT PRESENT */
    /* INQUIRY works without a medium. */
    g_assert_cmpint(atapi_command(s, IDE1, inquiry, buf, 36, &key), ==, 36);
    qtest_quit(s);
}

/* ---- bus-master DMA through the PIIX3 IDE function -------------------- */

static uint32_t pci_config_readl(QTestState *s, uint8_t reg)
{
    qtest_outl(s, PCI_CONFADD, 0x80000000u | (PIIX_IDE_DEVFN << 8) | reg);
    return qtest_inl(s, PCI_CONFDATA);
}

static void pci_config_writel(QTestState *s, uint8_t reg, uint32_t value)
{
    qtest_outl(s, PCI_CONFADD, 0x80000000u | (PIIX_IDE_DEVFN << 8) | reg);
    qtest_outl(s, PCI_CONFDATA, value);
}

/* What a driver does first: find 8086:7010, place BAR4, enable I/O + BME. */
static void piix_ide_setup(QTestState *s, bool bus_master)
{
    g_assert_cmphex(pci_config_readl(s, 0x00), ==, 0x70108086);
    g_assert_cmphex(pci_config_readl(s, 0x08) >> 8, ==, 0x010180);
    pci_config_writel(s, 0x20, BMDMA | 1);
    g_assert_cmphex(pci_config_readl(s, 0x20), ==, BMDMA | 1);
    pci_config_writel(s, 0x04, bus_master ? 0x05 : 0x01);
}

static uint8_t dma_wait(QTestState *s, uint16_t bmdma)
{
    for (int i = 0; i < 10000; i++) {
        uint8_t bm = qtest_inb(s, bmdma + BM_STATUS);

        if (bm & (BM_STATUS_INT | BM_STATUS_ERROR)) {
            return bm;
        }
        g_usleep(100);
    }
    g_error("DMA never completed (bus master status 0x%02x)",
            qtest_inb(s, bmdma + BM_STATUS));
}

static void test_dma(void)
{
    g_autofree char *img = NULL;
    QTestState *s;
    uint8_t buf[2048], status, bm;

    img = disk_create();
    s = qtest_initf("-drive file=%s,format=raw,if=ide,index=0", img);
    piix_ide_setup(s, true);

    /* READ DMA of 4 sectors into two PRD regions (512 + 1536 bytes). */
    qtest_writel(s, 0x1000, 0x10000);
    qtest_writel(s, 0x1004, 512);
    qtest_writel(s, 0x1008, 0x20000);
    qtest_writel(s, 0x100c, PRD_EOT | 1536);
    qtest_outl(s, BM0 + BM_PRDT, 0x1000);
    lba28_setup(s, IDE0, 300, 4);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
    bm = dma_wait(s, BM0);
    g_assert_cmphex(bm & (BM_STATUS_ACTIVE | BM_STATUS_ERROR), ==, 0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & (STATUS_ERR | STATUS_DRQ), ==, 0);
    qtest_memread(s, 0x10000, buf, 512);
    qtest_memread(s, 0x20000, buf + 512, 1536);
    for (int i = 0; i < 4; i++) {
        assert_sector_pattern(buf + 512 * i, 300 + i);
    }
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT);
    g_assert_cmphex(qtest_inb(s, BM0 + BM_STATUS) & BM_STATUS_INT, ==, 0);

    /* WRITE DMA (LBA48 READ DMA EXT checks it): start before the command. */
    for (int i = 0; i < 1024; i++) {
        buf[i] = i * 5;
    }
    qtest_memwrite(s, 0x30000, buf, 1024);
    qtest_writel(s, 0x1000, 0x30000);
    qtest_writel(s, 0x1004, PRD_EOT | 1024);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_START);
    lba28_setup(s, IDE0, 7000, 2);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_WRITE_DMA);
    bm = dma_wait(s, BM0);
    g_assert_cmphex(bm & BM_STATUS_ERROR, ==, 0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & (STATUS_ERR | STATUS_DRQ), ==, 0);
    {
        uint8_t back[1024];

        image_read(img, 7000 * 512, back, 1024);
        g_assert_cmpmem(back, 1024, buf, 1024);
    }
    qtest_memset(s, 0x30000, 0, 1024);
    lba48_setup(s, IDE0, 7000, 2);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA_EXT);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
    dma_wait(s, BM0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT);
    g_assert_cmphex(wait_not_busy(s, IDE0) & STATUS_ERR, ==, 0);
    {
        uint8_t back[1024];

        qtest_memread(s, 0x30000, back, 1024);
        g_assert_cmpmem(back, 1024, buf, 1024);
    }

    /*
     * A PRD table shorter than the transfer: pcvm ends the command in error
     * with an interrupt; QEMU stops the engine silently (the driver's
     * timeout then resets the channel), so this part is pcvm's alone.
     */
    if (vmm_is_pcvm()) {
        qtest_writel(s, 0x1004, PRD_EOT | 512);
        lba28_setup(s, IDE0, 0, 4);
        qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
        qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
        bm = dma_wait(s, BM0);
        g_assert_cmphex(bm & BM_STATUS_ACTIVE, ==, 0);
        qtest_outb(s, BM0 + BM_CMD, 0);
        g_assert_cmphex(wait_not_busy(s, IDE0) & STATUS_ERR, ==, STATUS_ERR);
        /* PRDs pointing outside guest memory: error, and pcvm keeps going. */
        qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT | BM_STATUS_ERROR);
        qtest_writel(s, 0x1000, 0xfffff000);
        qtest_writel(s, 0x1004, PRD_EOT | 0);
        lba28_setup(s, IDE0, 0, 4);
        qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
        qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
        dma_wait(s, BM0);
        qtest_outb(s, BM0 + BM_CMD, 0);
        wait_not_busy(s, IDE0);
    }
    /* Bus mastering off in the PCI command register: the transfer fails. */
    if (vmm_is_pcvm()) {
        qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT | BM_STATUS_ERROR);
        pci_config_writel(s, 0x04, 0x01);
        qtest_writel(s, 0x1000, 0x10000);
        qtest_writel(s, 0x1004, PRD_EOT | 512);
        qtest_memset(s, 0x10000, 0xee, 512);
        lba28_setup(s, IDE0, 1, 1);
        qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
        qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
        g_assert_cmphex(dma_wait(s, BM0) & BM_STATUS_ERROR, ==,
                        BM_STATUS_ERROR);
        qtest_outb(s, BM0 + BM_CMD, 0);
        g_assert_cmphex(wait_not_busy(s, IDE0) & STATUS_ERR, ==, STATUS_ERR);
        g_assert_cmphex(qtest_readb(s, 0x10000), ==, 0xee);
        pci_config_writel(s, 0x04, 0x05);
    }
    /* Out of range: the command fails (at once, or once DMA starts). */
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT | BM_STATUS_ERROR);
    qtest_writel(s, 0x1000, 0x10000);
    qtest_writel(s, 0x1004, PRD_EOT | 2048);
    lba28_setup(s, IDE0, DISK_SECTORS - 2, 4);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
    dma_wait(s, BM0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    g_assert_cmphex(wait_not_busy(s, IDE0) & STATUS_ERR, ==, STATUS_ERR);
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_ERROR) & (ERROR_IDNF | ERROR_ABRT),
                    !=, 0);
    qtest_quit(s);
    unlink(img);
}

/*
 * One PRD table of many entries: tiny buffers and buffers straddling page
 * boundaries, the way a driver's scatter list of user pages looks. A read
 * lands in exactly those bytes (their neighbours keep the guard pattern),
 * and a write gathers them back in table order.
 */
#define SCATTER_SECTORS 16
#define SCATTER_BYTES (SCATTER_SECTORS * 512)
#define SCATTER_MAX 64

typedef struct ScatterEntry {
    uint32_t base, count;
} ScatterEntry;

/* Writes a PRD table at prdt; returns the number of entries. */
static int scatter_table(QTestState *s, uint32_t prdt, uint32_t area,
                         ScatterEntry *e)
{
    static const uint32_t sizes[] = {2, 6, 510, 4, 1030, 8, 2, 600, 14, 4094};
    uint32_t done = 0;
    int n = 0;

    while (done < SCATTER_BYTES) {
        uint32_t count =
            MIN(sizes[n % G_N_ELEMENTS(sizes)], SCATTER_BYTES - done);
        /* Centred on a page boundary (an even base: bit 0 is reserved). */
        uint32_t page = area + (n + 1) * 0x2000;

        g_assert_cmpint(n, <, SCATTER_MAX);
        e[n].base = page - ((count / 2) & ~1u);
        e[n].count = count;
        done += count;
        qtest_writel(s, prdt + 8 * n, e[n].base);
        qtest_writel(s, prdt + 8 * n + 4,
                     count | (done == SCATTER_BYTES ? PRD_EOT : 0));
        n++;
    }
    return n;
}

/*
 * data: more -drive keys (the engines and cache modes). Under O_DIRECT
 * the odd-sized, odd-addressed pieces are bounced by the block layer.
 */
static void test_dma_scatter(gconstpointer data_opts)
{
    const char *extra = data_opts;
    g_autofree char *img = disk_create();
    QTestState *s;
    ScatterEntry e[SCATTER_MAX];
    uint8_t data[SCATTER_BYTES], back[SCATTER_BYTES], piece[4096 + 2];
    uint32_t pos = 0;
    int n;

    if (*extra && !vmm_is_pcvm()) {
        g_test_skip("pcvm's engines");
        return;
    }
    s = qtest_initf("-drive file=%s,format=raw,if=ide,index=0%s", img, extra);
    piix_ide_setup(s, true);
    qtest_memset(s, 0x100000, 0xcc, 0x100000);
    n = scatter_table(s, 0x2000, 0x100000, e);
    g_assert_cmpint(n, >=, 16);
    qtest_outl(s, BM0 + BM_PRDT, 0x2000);
    lba28_setup(s, IDE0, 500, SCATTER_SECTORS);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
    g_assert_cmphex(dma_wait(s, BM0) & (BM_STATUS_ACTIVE | BM_STATUS_ERROR), ==,
                    0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT);
    g_assert_cmphex(wait_not_busy(s, IDE0) & (STATUS_ERR | STATUS_DRQ), ==, 0);
    for (int i = 0; i < n; i++) {
        /* The buffer and one guard byte on each side. */
        qtest_memread(s, e[i].base - 1, piece, e[i].count + 2);
        g_assert_cmphex(piece[0], ==, 0xcc);
        g_assert_cmphex(piece[e[i].count + 1], ==, 0xcc);
        memcpy(data + pos, piece + 1, e[i].count);
        pos += e[i].count;
    }
    for (int i = 0; i < SCATTER_SECTORS; i++) {
        assert_sector_pattern(data + 512 * i, 500 + i);
    }

    /* WRITE DMA from a table laid out the same way in another area. */
    for (int i = 0; i < SCATTER_BYTES; i++) {
        data[i] = i * 11 + (i >> 9);
    }
    n = scatter_table(s, 0x3000, 0x200000, e);
    pos = 0;
    for (int i = 0; i < n; i++) {
        qtest_memwrite(s, e[i].base, data + pos, e[i].count);
        pos += e[i].count;
    }
    qtest_outl(s, BM0 + BM_PRDT, 0x3000);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_START);
    lba28_setup(s, IDE0, 3000, SCATTER_SECTORS);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_WRITE_DMA);
    g_assert_cmphex(dma_wait(s, BM0) & (BM_STATUS_ACTIVE | BM_STATUS_ERROR), ==,
                    0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT);
    g_assert_cmphex(wait_not_busy(s, IDE0) & (STATUS_ERR | STATUS_DRQ), ==, 0);
    image_read(img, 3000 * 512, back, SCATTER_BYTES);
    g_assert_cmpmem(back, SCATTER_BYTES, data, SCATTER_BYTES);

    /*
     * An entry that runs off the end of RAM (128 MiB) into space nothing
     * decodes: the part in RAM gets its data, the engine reports ERROR and
     * the command fails. QEMU's engine handles this differently; and
     * under O_DIRECT the partial sector would be refused.
     */
    if (vmm_is_pcvm() && !*extra) {
        qtest_memset(s, 0x7ffff00, 0xcc, 0x100);
        qtest_writel(s, 0x1000, 0x7ffff00);
        qtest_writel(s, 0x1004, PRD_EOT | 1024);
        qtest_outl(s, BM0 + BM_PRDT, 0x1000);
        lba28_setup(s, IDE0, 600, 2);
        qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
        qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
        g_assert_cmphex(dma_wait(s, BM0) & (BM_STATUS_ACTIVE | BM_STATUS_ERROR),
                        ==, BM_STATUS_ERROR);
        qtest_outb(s, BM0 + BM_CMD, 0);
        g_assert_cmphex(wait_not_busy(s, IDE0) & STATUS_ERR, ==, STATUS_ERR);
        qtest_memread(s, 0x7ffff00, back, 0x100);
        for (int i = 0; i < 0x100; i++) {
            g_assert_cmphex(back[i], ==, pattern_byte(600, i));
        }
        /* The channel still works. */
        qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT | BM_STATUS_ERROR);
        qtest_writel(s, 0x1000, 0x10000);
        qtest_writel(s, 0x1004, PRD_EOT | 512);
        lba28_setup(s, IDE0, 601, 1);
        qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
        qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
        g_assert_cmphex(dma_wait(s, BM0) & BM_STATUS_ERROR, ==, 0);
        qtest_outb(s, BM0 + BM_CMD, 0);
        g_assert_cmphex(wait_not_busy(s, IDE0) & STATUS_ERR, ==, 0);
        qtest_memread(s, 0x10000, back, 512);
        assert_sector_pattern(back, 601);
    }
    qtest_quit(s);
    unlink(img);
}

/*
 * PRD entries that point at a device's registers (pcvm's pci-testdev
 * scratch dwords in its BAR0) rather than RAM: the data goes through the
 * register writes and reads the device sees, as a bus master's cycles
 * would, in the same transfer as the RAM entries around them.
 */
#define TESTDEV_DEVFN (5 << 3)
#define TESTDEV_BAR0 0xe0000000u

static void test_dma_mmio(void)
{
    g_autofree char *img = NULL;
    QTestState *s;
    uint8_t buf[512], back[512];

    if (!vmm_is_pcvm()) {
        g_test_skip("pci-testdev's scratch registers are pcvm's");
        return;
    }
    img = disk_create();
    s = qtest_initf("-drive file=%s,format=raw,if=ide,index=0 "
                    "-device pci-testdev,addr=5",
                    img);
    piix_ide_setup(s, true);
    qtest_outl(s, PCI_CONFADD, 0x80000000u | (TESTDEV_DEVFN << 8) | 0x10);
    qtest_outl(s, PCI_CONFDATA, TESTDEV_BAR0);
    qtest_outl(s, PCI_CONFADD, 0x80000000u | (TESTDEV_DEVFN << 8) | 0x04);
    qtest_outl(s, PCI_CONFDATA, 0x02); /* memory decoding */

    /* READ DMA: 224 bytes to RAM, 64 to the registers, the rest to RAM. */
    qtest_writel(s, 0x1000, 0x10000);
    qtest_writel(s, 0x1004, 224);
    qtest_writel(s, 0x1008, TESTDEV_BAR0);
    qtest_writel(s, 0x100c, 64);
    qtest_writel(s, 0x1010, 0x10000 + 224);
    qtest_writel(s, 0x1014, PRD_EOT | (512 - 224 - 64));
    qtest_outl(s, BM0 + BM_PRDT, 0x1000);
    lba28_setup(s, IDE0, 77, 1);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ_DMA);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
    g_assert_cmphex(dma_wait(s, BM0) & (BM_STATUS_ACTIVE | BM_STATUS_ERROR), ==,
                    0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT);
    g_assert_cmphex(wait_not_busy(s, IDE0) & (STATUS_ERR | STATUS_DRQ), ==, 0);
    qtest_memread(s, 0x10000, buf, 224);
    for (int i = 0; i < 64; i += 4) {
        uint32_t v = qtest_readl(s, TESTDEV_BAR0 + i);

        memcpy(buf + 224 + i, &v, 4); /* little-endian host and guest */
    }
    qtest_memread(s, 0x10000 + 224, buf + 288, 512 - 288);
    assert_sector_pattern(buf, 77);

    /* WRITE DMA gathers the registers' contents in the same places. */
    for (int i = 0; i < 512; i++) {
        buf[i] = i * 3 + 1;
    }
    qtest_memwrite(s, 0x10000, buf, 224);
    for (int i = 0; i < 64; i += 4) {
        uint32_t v;

        memcpy(&v, buf + 224 + i, 4);
        qtest_writel(s, TESTDEV_BAR0 + i, v);
    }
    qtest_memwrite(s, 0x10000 + 224, buf + 288, 512 - 288);
    qtest_outb(s, BM0 + BM_CMD, BM_CMD_START);
    lba28_setup(s, IDE0, 4000, 1);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_WRITE_DMA);
    g_assert_cmphex(dma_wait(s, BM0) & BM_STATUS_ERROR, ==, 0);
    qtest_outb(s, BM0 + BM_CMD, 0);
    qtest_outb(s, BM0 + BM_STATUS, BM_STATUS_INT);
    g_assert_cmphex(wait_not_busy(s, IDE0) & (STATUS_ERR | STATUS_DRQ), ==, 0);
    image_read(img, 4000 * 512, back, 512);
    g_assert_cmpmem(back, 512, buf, 512);
    qtest_quit(s);
    unlink(img);
}

static void test_atapi_dma(void)
{
    g_autofree char *iso = NULL;
    QTestState *s;
    static const uint8_t read2[12] = {0x28, 0, 0, 0, 0, 16, 0, 0, 2};
    uint8_t buf[4096], status;

    iso = cd_create();
    s = qtest_initf("-cdrom %s", iso);
    piix_ide_setup(s, true);
    qtest_writel(s, 0x1000, 0x40000);
    qtest_writel(s, 0x1004, PRD_EOT | 4096);
    qtest_outl(s, BM1 + BM_PRDT, 0x1000);
    /* PACKET with the DMA bit: the data goes through the bus master. */
    qtest_outb(s, IDE1 + REG_DEVICE, 0xa0);
    qtest_outb(s, IDE1 + REG_FEATURE, 1);
    qtest_outb(s, IDE1 + REG_COMMAND, CMD_PACKET);
    g_assert_cmphex(wait_not_busy(s, IDE1) & STATUS_DRQ, ==, STATUS_DRQ);
    write_words(s, IDE1, read2, 12);
    qtest_outb(s, BM1 + BM_CMD, BM_CMD_WRITE_MEMORY | BM_CMD_START);
    g_assert_cmphex(dma_wait(s, BM1) & BM_STATUS_ERROR, ==, 0);
    qtest_outb(s, BM1 + BM_CMD, 0);
    status = wait_not_busy(s, IDE1);
    g_assert_cmphex(status & (STATUS_ERR | STATUS_DRQ), ==, 0);
    g_assert_cmphex(qtest_inb(s, IDE1 + REG_NSECTOR) & 3, ==, 3);
    qtest_memread(s, 0x40000, buf, sizeof(buf));
    g_assert_cmpmem(buf, 6,
                    "\x01"
                    "CD001",
                    6);
    g_assert_cmphex(buf[2048 + 5], ==, (uint8_t)(17 + 5));
    qtest_quit(s);
    unlink(iso);
}

/* pcvm's isa-ide takes its drives by id (QEMU hangs ide-hd devices on it). */
static void test_isa_ide(void)
{
    g_autofree char *img = NULL;
    QTestState *s;
    uint8_t id[512], buf[512];

    if (!vmm_is_pcvm()) {
        g_test_skip("isa-ide's drive property is pcvm's");
        return;
    }
    img = disk_create();
    s = qtest_initf("-drive file=%s,format=raw,if=none,id=d0 -device "
                    "isa-ide,iobase=0x1e8,iobase2=0x3ee,irq=11,drive=d0",
                    img);
    identify(s, 0x1e8, CMD_IDENTIFY, id);
    g_assert_cmpuint(word(id, 60) | (word(id, 61) << 16), ==, DISK_SECTORS);
    lba28_setup(s, 0x1e8, 77, 1);
    qtest_outb(s, 0x1e8 + REG_COMMAND, CMD_READ);
    g_assert_cmphex(wait_not_busy(s, 0x1e8) & STATUS_DRQ, ==, STATUS_DRQ);
    read_words(s, 0x1e8, buf, 512);
    assert_sector_pattern(buf, 77);
    /* No bus master behind an ISA channel: DMA commands abort. */
    lba28_setup(s, 0x1e8, 0, 1);
    qtest_outb(s, 0x1e8 + REG_COMMAND, CMD_READ_DMA);
    g_assert_cmphex(wait_not_busy(s, 0x1e8) & (STATUS_ERR | STATUS_DRQ), ==,
                    STATUS_ERR);
    g_assert_cmphex(qtest_inb(s, 0x1e8 + REG_ERROR), ==, ERROR_ABRT);
    /* The pc's own channel 0 has no drive. */
    g_assert_cmphex(qtest_inb(s, IDE0 + REG_STATUS), ==, 0);
    qtest_quit(s);

    /* drive= names a -drive id and claims it, with QEMU's refusals. */
    {
        static const struct {
            const char *devices, *error;
        } bad[] = {
            {"-device isa-ide,iobase=0x1e8,iobase2=0x3ee,irq=11,drive=nosuch",
             "Property 'isa-ide.drive' can't find value 'nosuch'"},
            {"-device isa-ide,iobase=0x1e8,iobase2=0x3ee,irq=11,drive=d0 "
             "-device isa-ide,iobase=0x168,iobase2=0x36e,irq=10,drive=d0",
             "Drive 'd0' is already in use by another device"},
            {"-device isa-ide,iobase=0x1e8,iobase2=0x3ee,irq=11,drive=d0,"
             "drive1=d0",
             "Drive 'd0' is already in use by another device"},
        };

        for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
            g_autofree char *args =
                g_strdup_printf("-drive file=%s,format=raw,if=none,id=d0 %s",
                                img, bad[i].devices);

            assert_startup_error(args, bad[i].error);
        }
    }
    unlink(img);
}

/*
 * ide-hd and ide-cd on the PIIX's channels, with what they report of
 * themselves; -drive if=ide is the same device in the tree.
 */
static void test_ide_devices(void)
{
    g_autofree char *img = disk_create();
    g_autofree char *iso = cd_create();
    QTestState *s =
        qtest_initf("-drive file=%s,format=raw,if=none,id=d0 "
                    "-device ide-hd,drive=d0,bus=ide.1,unit=1,serial=PCVM-SN-1,"
                    "model=Test_Disk_7,ver=1.5,wwn=0x5000c500a1b2c3d4,"
                    "physical_block_size=4096 "
                    "-drive file=%s,format=raw,if=none,id=cd0,media=cdrom "
                    "-device ide-cd,drive=cd0,bus=ide.0,unit=1 "
                    "-device ide-cd,bus=ide.0,model=Empty_Tray",
                    img, iso);
    uint8_t id[512];
    char text[41];
    g_autofree char *tree = NULL;

    identify_unit(s, IDE1, 1, CMD_IDENTIFY, id);
    identify_string(id, 27, 20, text);
    g_assert_cmpstr(text, ==, "Test_Disk_7");
    identify_string(id, 10, 10, text);
    g_assert_cmpstr(text, ==, "PCVM-SN-1");
    identify_string(id, 23, 4, text);
    g_assert_cmpstr(text, ==, "1.5");
    g_assert_cmpuint(word(id, 60) | (word(id, 61) << 16), ==, DISK_SECTORS);
    /* the world wide name, most significant word first (ACS-2 7.17.7.53) */
    g_assert_cmphex(word(id, 87) & 0x100, ==, 0x100);
    g_assert_cmphex(word(id, 108), ==, 0x5000);
    g_assert_cmphex(word(id, 109), ==, 0xc500);
    g_assert_cmphex(word(id, 110), ==, 0xa1b2);
    g_assert_cmphex(word(id, 111), ==, 0xc3d4);
    /* 8 logical sectors per physical one */
    g_assert_cmphex(word(id, 106) & 0xe00f, ==, 0x6003);
    assert_identify_checksum(id);

    /* unit= not given: the first free one, the master of ide.0 */
    identify_unit(s, IDE0, 0, CMD_IDENTIFY_PACKET, id);
    identify_string(id, 27, 20, text);
    g_assert_cmpstr(text, ==, "Empty_Tray");
    identify_unit(s, IDE0, 1, CMD_IDENTIFY_PACKET, id);
    identify_string(id, 27, 20, text);
    g_assert_cmpstr(text, ==, "QEMU DVD-ROM");
    assert_identify_checksum(id);

    tree = qtest_hmp(s, "info qtree");
    g_assert_nonnull(strstr(tree, "dev: ide-hd, id \"\""));
    g_assert_nonnull(strstr(tree, "serial = \"PCVM-SN-1\""));
    qtest_quit(s);

    /* -drive if=ide: an ide-hd with QEMU's default serial in the tree */
    s = qtest_initf("-drive file=%s,format=raw,if=ide,index=3", img);
    identify_unit(s, IDE1, 1, CMD_IDENTIFY, id);
    identify_string(id, 10, 10, text);
    tree = (g_free(tree), qtest_hmp(s, "info qtree"));
    g_assert_nonnull(strstr(tree, "bus: ide.1"));
    g_assert_nonnull(strstr(tree, "drive = \"ide1-hd1\""));
    {
        g_autofree char *serial = g_strdup_printf("serial = \"%s\"", text);

        g_assert_nonnull(strstr(tree, serial));
    }
    qtest_quit(s);
    unlink(img);
    unlink(iso);
}

/* QEMU's refusals for ide-hd and ide-cd, word for word. */
static void test_ide_device_errors(void)
{
    static const struct {
        const char *devices, *error;
    } bad[] = {
        {"-device ide-hd,drive=d0,unit=2",
         "Can't create IDE unit 2, bus supports only 2 units"},
        {"-device ide-hd,drive=d0,bus=ide.0,unit=0 "
         "-device ide-cd,bus=ide.0,unit=0",
         "IDE unit 0 is in use"},
        {"-device ide-hd", "No drive specified"},
        {"-device ide-hd,drive=d0,bus=ide.7", "Bus 'ide.7' not found"},
        {"-device ide-hd,drive=d0,logical_block_size=4096",
         "logical_block_size > physical_block_size not supported"},
        {"-device ide-hd,drive=d0,physical_block_size=1000",
         "Property .physical_block_size doesn't take value '1000', it's not "
         "a power of 2"},
        {"-device ide-hd,drive=d0,physical_block_size=256",
         "Property .physical_block_size doesn't take value 256 (minimum: "
         "512, maximum: 2097152)"},
        {"-device ide-hd,drive=d0,unit=1 -device ide-hd,drive=d0",
         "Drive 'd0' is already in use by another device"},
    };
    g_autofree char *img = disk_create();

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *args = g_strdup_printf(
            "-drive file=%s,format=raw,if=none,id=d0 %s", img, bad[i].devices);

        assert_startup_error(args, bad[i].error);
    }
    unlink(img);
}

/* The monitor's view of the drives: query-block and info block. */
static void test_query_block(void)
{
    g_autofree char *disk = disk_create();
    g_autofree char *iso = cd_create();
    QTestState *s = qtest_initf("-hda %s -drive if=ide,index=2,media=cdrom,"
                                "file=%s,readonly=on",
                                disk, iso);
    const uint8_t prevent[12] = {0x1e, 0, 0, 0, 1};
    uint8_t sense = 0;
    JsonNode *ret;
    JsonArray *list;
    JsonObject *hd, *cd, *inserted, *image;
    char *text;

    if (!vmm_is_pcvm()) {
        /* QEMU's answers carry node names and more; pcvm's shape only. */
        qtest_quit(s);
        g_test_skip("pcvm's own query-block shape");
        return;
    }
    /* The guest locks the CD-ROM's tray. */
    qtest_outb(s, IDE1 + REG_DEVICE, 0xa0);
    g_assert_cmpint(atapi_command(s, IDE1, prevent, NULL, 0, &sense), ==, 0);
    g_assert_cmpint(sense, ==, 0);

    ret = qtest_qmp_assert_success_ref(s, "{'execute': 'query-block'}");
    list = json_node_get_array(ret);
    g_assert_cmpuint(json_array_get_length(list), ==, 2);
    hd = json_array_get_object_element(list, 0);
    cd = json_array_get_object_element(list, 1);
    g_assert_cmpstr(json_object_get_string_member(hd, "device"), ==,
                    "ide0-hd0");
    g_assert_false(json_object_get_boolean_member(hd, "removable"));
    g_assert_false(json_object_get_boolean_member(hd, "locked"));
    g_assert_true(g_str_has_prefix(json_object_get_string_member(hd, "qdev"),
                                   "/machine/"));
    inserted = json_object_get_object_member(hd, "inserted");
    g_assert_cmpstr(json_object_get_string_member(inserted, "file"), ==, disk);
    g_assert_cmpstr(json_object_get_string_member(inserted, "drv"), ==, "raw");
    g_assert_false(json_object_get_boolean_member(inserted, "ro"));
    image = json_object_get_object_member(inserted, "image");
    g_assert_cmpint(json_object_get_int_member(image, "virtual-size"), ==,
                    DISK_SECTORS * 512);
    g_assert_cmpstr(json_object_get_string_member(cd, "device"), ==,
                    "ide1-cd0");
    g_assert_true(json_object_get_boolean_member(cd, "removable"));
    g_assert_true(json_object_get_boolean_member(cd, "locked"));
    g_assert_false(json_object_get_boolean_member(cd, "tray_open"));
    inserted = json_object_get_object_member(cd, "inserted");
    g_assert_true(json_object_get_boolean_member(inserted, "ro"));
    json_node_unref(ret);

    text = qtest_hmp(s, "info block");
    g_assert_nonnull(strstr(text, "ide1-cd0: "));
    g_assert_nonnull(strstr(text, " (raw, read-only)\r\n"));
    g_assert_nonnull(strstr(text, "    Removable device: locked, tray "
                                  "closed\r\n"));
    g_assert_nonnull(strstr(text, "    Cache mode:       writeback\r\n"));
    g_free(text);
    qtest_quit(s);
    unlink(disk);
    unlink(iso);
}

/*
 * query-blockstats counts what the drive did (PIO reads and writes, a
 * FLUSH CACHE, a read past the end), and query-block shows the cache
 * mode -drive asked for. Asserted loosely enough for QEMU too, which
 * splits PIO transfers differently.
 */
static void test_blockstats(void)
{
    g_autofree char *img = disk_create();
    QTestState *s = qtest_initf(
        "-drive file=%s,format=raw,if=ide,index=0,cache=writethrough", img);
    uint8_t buf[512], id[512];
    JsonNode *ret;
    JsonObject *entry, *st, *inserted, *cache;
    uint8_t status;

    lba28_setup(s, IDE0, 10, 3);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_READ);
    for (int i = 0; i < 3; i++) {
        wait_not_busy(s, IDE0);
        read_words(s, IDE0, buf, 512);
    }
    lba28_setup(s, IDE0, 20, 1);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_WRITE);
    wait_not_busy(s, IDE0);
    write_words(s, IDE0, buf, 512);
    wait_not_busy(s, IDE0);
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_FLUSH);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & STATUS_ERR, ==, 0);

    ret = qtest_qmp_assert_success_ref(s, "{'execute': 'query-blockstats'}");
    entry = json_array_get_object_element(json_node_get_array(ret), 0);
    g_assert_cmpstr(json_object_get_string_member(entry, "device"), ==,
                    "ide0-hd0");
    g_assert_true(g_str_has_prefix(json_object_get_string_member(entry, "qdev"),
                                   "/machine/"));
    st = json_object_get_object_member(entry, "stats");
    g_assert_cmpint(json_object_get_int_member(st, "rd_bytes"), ==, 3 * 512);
    g_assert_cmpint(json_object_get_int_member(st, "rd_operations"), >=, 1);
    g_assert_cmpint(json_object_get_int_member(st, "wr_bytes"), ==, 512);
    g_assert_cmpint(json_object_get_int_member(st, "wr_operations"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(st, "wr_highest_offset"), ==,
                    21 * 512);
    g_assert_cmpint(json_object_get_int_member(st, "flush_operations"), >=, 1);
    g_assert_cmpint(json_object_get_int_member(st, "failed_rd_operations"), ==,
                    0);
    g_assert_true(json_object_has_member(st, "rd_total_time_ns"));
    g_assert_true(json_object_has_member(st, "idle_time_ns"));
    json_node_unref(ret);

    ret = qtest_qmp_assert_success_ref(s, "{'execute': 'query-block'}");
    entry = json_array_get_object_element(json_node_get_array(ret), 0);
    inserted = json_object_get_object_member(entry, "inserted");
    cache = json_object_get_object_member(inserted, "cache");
    g_assert_false(json_object_get_boolean_member(cache, "writeback"));
    g_assert_false(json_object_get_boolean_member(cache, "direct"));
    g_assert_false(json_object_get_boolean_member(cache, "no-flush"));
    json_node_unref(ret);

    /* IDENTIFY shows the cache off; the guest turns it on. */
    identify(s, IDE0, CMD_IDENTIFY, id);
    g_assert_cmphex(word(id, 85) & (1 << 5), ==, 0);
    qtest_outb(s, IDE0 + REG_FEATURE, 0x02); /* enable write cache */
    qtest_outb(s, IDE0 + REG_COMMAND, CMD_SET_FEATURES);
    status = wait_not_busy(s, IDE0);
    g_assert_cmphex(status & STATUS_ERR, ==, 0);
    identify(s, IDE0, CMD_IDENTIFY, id);
    g_assert_cmphex(word(id, 85) & (1 << 5), ==, 1 << 5);
    ret = qtest_qmp_assert_success_ref(s, "{'execute': 'query-block'}");
    entry = json_array_get_object_element(json_node_get_array(ret), 0);
    inserted = json_object_get_object_member(entry, "inserted");
    cache = json_object_get_object_member(inserted, "cache");
    g_assert_true(json_object_get_boolean_member(cache, "writeback"));
    json_node_unref(ret);
    qtest_quit(s);
    unlink(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ide/identify", test_identify);
    g_test_add_func("/ide/read-sectors", test_read_sectors);
    g_test_add_func("/ide/write-sectors", test_write_sectors);
    g_test_add_func("/ide/lba48", test_lba48);
    g_test_add_func("/ide/out-of-range", test_out_of_range);
    g_test_add_func("/ide/interrupts", test_interrupts);
    g_test_add_func("/ide/atapi/identify", test_atapi_identify);
    g_test_add_func("/ide/atapi/read", test_atapi_read);
    g_test_add_func("/ide/atapi/no-medium", test_atapi_no_medium);
    g_test_add_func("/ide/atapi/mmc", test_atapi_mmc);
    g_test_add_func("/ide/atapi/dma", test_atapi_dma);
    g_test_add_func("/ide/dma", test_dma);
    g_test_add_data_func("/ide/dma-scatter", "", test_dma_scatter);
    g_test_add_data_func("/ide/dma-scatter/native-none",
                         ",cache=none,aio=native", test_dma_scatter);
    g_test_add_data_func("/ide/dma-scatter/io_uring-directsync",
                         ",cache=directsync,aio=io_uring", test_dma_scatter);
    g_test_add_data_func("/ide/dma-scatter/io_uring-writethrough",
                         ",cache=writethrough,aio=io_uring", test_dma_scatter);
    g_test_add_func("/ide/dma-mmio", test_dma_mmio);
    g_test_add_func("/ide/isa-ide", test_isa_ide);
    g_test_add_func("/ide/devices", test_ide_devices);
    g_test_add_func("/ide/devices/errors", test_ide_device_errors);
    g_test_add_func("/ide/query-block", test_query_block);
    g_test_add_func("/ide/blockstats", test_blockstats);
    return g_test_run();
}
