/*
 * ATAPI: the PACKET protocol of an IDE CD/DVD-ROM drive (ATA/ATAPI-8 ACS
 * section 7.18 and the PACKET protocol of ATA8-APT) and the SCSI/MMC
 * commands (SPC-3, MMC-6) an OS or SeaBIOS uses to find and read an El
 * Torito CD: TEST UNIT READY, REQUEST SENSE, INQUIRY, READ CAPACITY,
 * READ(10)/(12), MODE SENSE(10), GET CONFIGURATION, READ TOC/PMA/ATIP
 * (formats 0-2), READ DISC INFORMATION, GET EVENT STATUS NOTIFICATION,
 * START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, MECHANISM STATUS and
 * SET CD SPEED; data is 2048-byte user data sectors.
 *
 * A reply goes out in DRQ blocks of at most the byte count limit the host
 * set in LBA mid/high, and never more than one sector of the medium per
 * block; with the DMA bit of the features register it goes through the DMA
 * engine instead. Left out: READ CD and raw sectors, audio, the tray
 * (eject and medium change), DVD structures, unit attention conditions.
 */
#include <string.h>

#include "hw/ide/ide-internal.h"
#include "util/byteorder.h"
#include "util/log.h"

/* SCSI operation codes */
#define GPCMD_TEST_UNIT_READY 0x00
#define GPCMD_REQUEST_SENSE 0x03
#define GPCMD_INQUIRY 0x12
#define GPCMD_START_STOP_UNIT 0x1b
#define GPCMD_PREVENT_ALLOW_MEDIUM_REMOVAL 0x1e
#define GPCMD_READ_CAPACITY 0x25
#define GPCMD_READ_10 0x28
#define GPCMD_SEEK 0x2b
#define GPCMD_READ_TOC_PMA_ATIP 0x43
#define GPCMD_GET_CONFIGURATION 0x46
#define GPCMD_GET_EVENT_STATUS_NOTIFICATION 0x4a
#define GPCMD_READ_DISC_INFO 0x51
#define GPCMD_MODE_SENSE_10 0x5a
#define GPCMD_READ_12 0xa8
#define GPCMD_SET_SPEED 0xbb
#define GPCMD_MECHANISM_STATUS 0xbd

/* Sense keys and additional sense codes */
#define SENSE_NONE 0x00
#define SENSE_NOT_READY 0x02
#define SENSE_MEDIUM_ERROR 0x03
#define SENSE_ILLEGAL_REQUEST 0x05
#define ASC_UNRECOVERED_READ_ERROR 0x11
#define ASC_INVALID_COMMAND_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD_IN_CDB 0x24
#define ASC_SAVING_PARAMETERS_NOT_SUPPORTED 0x39
#define ASC_MEDIUM_NOT_PRESENT 0x3a

/* MMC profiles */
#define MMC_PROFILE_NONE 0x0000
#define MMC_PROFILE_CD_ROM 0x0008
#define MMC_PROFILE_DVD_ROM 0x0010

/* One DMA command moves at most this much (64 MiB, a bounce buffer). */
#define ATAPI_DMA_MAX_SECTORS 32768

/* The largest CD (80 minutes of 75 2048-byte frames a second). */
#define CD_MAX_SECTORS (80 * 60 * 75)

/* MODE SENSE pages */
#define MODE_PAGE_R_W_ERROR 0x01
#define MODE_PAGE_AUDIO_CTL 0x0e
#define MODE_PAGE_CAPABILITIES 0x2a
#define MODE_PAGE_ALL 0x3f

static void st16_be(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void st32_be(uint8_t *p, uint32_t v)
{
    st16_be(p, v >> 16);
    st16_be(p + 2, v);
}

static uint16_t ld16_be(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static uint32_t ld32_be(const uint8_t *p)
{
    return ((uint32_t)ld16_be(p) << 16) | ld16_be(p + 2);
}

static uint64_t atapi_nb_sectors(IDEState *s)
{
    return blk_getlength(s->blk) / ATAPI_SECTOR_SIZE;
}

/* ---- identify ----------------------------------------------------------- */

void ide_atapi_identify(IDEState *s)
{
    uint8_t *id = s->identify;
    uint16_t mwdma = 0x07, udma = 0x3f;

    memset(id, 0, sizeof(s->identify));
    /* ATAPI, CD-ROM class, removable, 50 us DRQ, 12-byte packets */
    stw_le_p(id + 0, (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5));
    ide_identify_string(id + 20, s->serial, 20);
    stw_le_p(id + 40, 3); /* buffer type */
    stw_le_p(id + 42, 512);
    stw_le_p(id + 44, 4);
    ide_identify_string(id + 46, s->version, 8);
    ide_identify_string(id + 54, s->model, 40);
    stw_le_p(id + 96, 1);                               /* word 48 */
    stw_le_p(id + 98, (1 << 11) | (1 << 9) | (1 << 8)); /* IORDY LBA DMA */
    stw_le_p(id + 106, 1 | 2 | 4);                      /* word 53 */
    stw_le_p(id + 124, 0x07);                           /* word 62 */
    if ((s->xfer_mode & 0xf8) == 0x20) {
        mwdma |= 0x100 << (s->xfer_mode & 7);
    } else if ((s->xfer_mode & 0xf8) == 0x40) {
        udma |= 0x100 << (s->xfer_mode & 7);
    }
    stw_le_p(id + 126, mwdma); /* word 63 */
    stw_le_p(id + 128, 0x03);  /* word 64: PIO 3, 4 */
    stw_le_p(id + 130, 0xb4);  /* words 65-68: cycle times */
    stw_le_p(id + 132, 0xb4);
    stw_le_p(id + 134, 0x12c);
    stw_le_p(id + 136, 0xb4);
    stw_le_p(id + 142, 30); /* words 71-72: release / service times */
    stw_le_p(id + 144, 30);
    stw_le_p(id + 160, 0x1e);                 /* word 80: ATAPI-1 to -4 */
    stw_le_p(id + 164, (1 << 14) | (1 << 4)); /* word 82: NOP, PACKET */
    stw_le_p(id + 166, 1 << 14);
    stw_le_p(id + 168, 1 << 14);
    stw_le_p(id + 170, (1 << 14) | (1 << 4));
    stw_le_p(id + 172, 0);
    stw_le_p(id + 174, 1 << 14);
    stw_le_p(id + 176, udma);                      /* word 88 */
    stw_le_p(id + 186, (1 << 14) | (1 << 13) | 1); /* word 93 */
    ide_identify_checksum(id);
}

/* ---- completion --------------------------------------------------------- */

static void atapi_command_ok(IDEState *s)
{
    ide_transfer_stop(s);
    s->error = 0;
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    s->nsector = ATAPI_INTR_IO | ATAPI_INTR_COD;
    ide_set_irq(s->bus);
}

static void atapi_check_condition(IDEState *s, uint8_t key, uint8_t asc)
{
    ide_transfer_stop(s);
    s->sense_key = key;
    s->asc = asc;
    s->ascq = 0;
    s->error = key << 4;
    s->status = ATA_STATUS_DRDY | ATA_STATUS_ERR;
    s->nsector = ATAPI_INTR_IO | ATAPI_INTR_COD;
    ide_set_irq(s->bus);
}

void ide_atapi_dma_finished(IDEState *s, bool ok)
{
    s->atapi_total = 0;
    s->atapi_sectors_left = 0;
    if (ok) {
        atapi_command_ok(s);
    } else {
        atapi_check_condition(s, SENSE_MEDIUM_ERROR,
                              ASC_UNRECOVERED_READ_ERROR);
    }
}

void ide_atapi_reset(IDEState *s)
{
    s->atapi_total = 0;
    s->atapi_sectors_left = 0;
    s->atapi_buf_pos = s->atapi_buf_len = 0;
    s->sense_key = SENSE_NONE;
    s->asc = s->ascq = 0;
}

/* ---- PIO data-in ------------------------------------------------------- */

static void atapi_pio_next(IDEState *s);

static void atapi_pio_block_done(IDEState *s)
{
    /* The block ran from atapi_buf_pos to data_end; the host took it all. */
    s->atapi_total -= s->data_end - s->atapi_buf_pos;
    s->atapi_buf_pos = s->data_end;
    atapi_pio_next(s);
}

/* Sends the next DRQ block of the reply, or ends the command. */
static void atapi_pio_next(IDEState *s)
{
    uint32_t size, limit = s->atapi_byte_limit;

    ide_transfer_stop(s);
    if (!s->atapi_total) {
        atapi_command_ok(s);
        return;
    }
    if (s->atapi_buf_pos >= s->atapi_buf_len) {
        if (!s->atapi_sectors_left ||
            blk_pread(s->blk, s->atapi_lba * ATAPI_SECTOR_SIZE, s->io_buffer,
                      ATAPI_SECTOR_SIZE) < 0) {
            atapi_check_condition(s, SENSE_MEDIUM_ERROR,
                                  ASC_UNRECOVERED_READ_ERROR);
            return;
        }
        s->atapi_lba++;
        s->atapi_sectors_left--;
        s->atapi_buf_pos = 0;
        s->atapi_buf_len = ATAPI_SECTOR_SIZE;
    }
    size = MIN(s->atapi_total, s->atapi_buf_len - s->atapi_buf_pos);
    if (size > limit) {
        size = limit;
    }
    s->lcyl = size;
    s->hcyl = size >> 8;
    s->nsector = ATAPI_INTR_IO;
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    ide_transfer_start(s, s->io_buffer + s->atapi_buf_pos, size,
                       atapi_pio_block_done);
    ide_set_irq(s->bus);
}

/* Sends the size bytes of io_buffer, cut to the allocation length. */
static void atapi_reply(IDEState *s, uint32_t size, uint32_t alloc)
{
    size = MIN(size, alloc);
    if (!size) {
        atapi_command_ok(s);
        return;
    }
    if (s->atapi_dma) {
        uint8_t *buf = g_malloc(size);

        memcpy(buf, s->io_buffer, size);

        s->atapi_total = size;
        ide_dma_start(s, true, 0, size, buf);
        return;
    }
    s->atapi_total = size;
    s->atapi_sectors_left = 0;
    s->atapi_buf_pos = 0;
    s->atapi_buf_len = size;
    atapi_pio_next(s);
}

static void atapi_read_sectors(IDEState *s, uint64_t lba, uint32_t count)
{
    if (lba > atapi_nb_sectors(s) || count > atapi_nb_sectors(s) - lba) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "%s: ATAPI read of %u sectors at %" PRIu64
                        " beyond the medium\n",
                        s->bus->name, count, lba);
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    if (!count) {
        atapi_command_ok(s);
        return;
    }
    if (s->atapi_dma) {
        if (count > ATAPI_DMA_MAX_SECTORS) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "%s: ATAPI DMA read of %u "
                            "sectors is too large\n",
                            s->bus->name, count);
            atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                                  ASC_INVALID_FIELD_IN_CDB);
            return;
        }
        s->atapi_total = (uint64_t)count * ATAPI_SECTOR_SIZE;
        ide_dma_start(s, true, lba * ATAPI_SECTOR_SIZE,
                      count * ATAPI_SECTOR_SIZE, NULL);
        return;
    }
    s->atapi_lba = lba;
    s->atapi_sectors_left = count;
    s->atapi_total = (uint64_t)count * ATAPI_SECTOR_SIZE;
    s->atapi_buf_pos = s->atapi_buf_len = 0;
    atapi_pio_next(s);
}

/* ---- commands ---------------------------------------------------------- */

static void lba_to_msf(uint8_t *p, uint64_t lba)
{
    lba += 150;
    p[0] = lba / (75 * 60);
    p[1] = (lba / 75) % 60;
    p[2] = lba % 75;
}

static uint32_t atapi_inquiry(IDEState *s)
{
    uint8_t *b = s->io_buffer;

    memset(b, 0, 36);
    b[0] = 0x05; /* CD/DVD device */
    b[1] = 0x80; /* removable */
    b[2] = 0x00;
    b[3] = 0x21; /* ATAPI version 2, response data format 1 */
    b[4] = 36 - 5;
    memcpy(b + 8, "QEMU    ", 8);
    memcpy(b + 16, "QEMU DVD-ROM    ", 16);
    memset(b + 32, ' ', 4); /* revision: the drive's version, space-padded */
    memcpy(b + 32, s->version, MIN(strlen(s->version), 4));
    return 36;
}

static uint32_t atapi_mode_page(IDEState *s, uint8_t page, uint8_t *p)
{
    switch (page) {
    case MODE_PAGE_R_W_ERROR:
        memset(p, 0, 8);
        p[0] = MODE_PAGE_R_W_ERROR;
        p[1] = 6;
        p[3] = 5; /* read retry count */
        return 8;
    case MODE_PAGE_AUDIO_CTL:
        memset(p, 0, 16);
        p[0] = MODE_PAGE_AUDIO_CTL;
        p[1] = 14;
        p[2] = 0x04; /* immediate */
        p[8] = 1;    /* channel 0 to port 0 at full volume */
        p[9] = 0xff;
        p[10] = 2; /* channel 1 to port 1 */
        p[11] = 0xff;
        return 16;
    case MODE_PAGE_CAPABILITIES:
        memset(p, 0, 22);
        p[0] = MODE_PAGE_CAPABILITIES;
        p[1] = 20;
        p[2] = 0x3b; /* reads CD-R, CD-RW, method 2, DVD-ROM */
        p[4] = 0x71; /* audio play, composite, digital ports, multi-session */
        p[5] = 0x7f; /* CD-DA, accurate, R-W, C2, ISRC, UPC, barcode */
        p[6] =
            0x29 | (blk_is_locked(s->blk) ? 0x02 : 0); /* lock, eject, tray */
        p[7] = 0x03;          /* separate volume and mute */
        st16_be(p + 8, 706);  /* maximum speed, kB/s */
        st16_be(p + 10, 2);   /* volume levels */
        st16_be(p + 12, 512); /* buffer, KiB */
        st16_be(p + 14, 706); /* current speed */
        return 22;
    }
    return 0;
}

static void atapi_mode_sense(IDEState *s, const uint8_t *cdb)
{
    uint8_t control = cdb[2] >> 6, page = cdb[2] & 0x3f;
    uint32_t alloc = ld16_be(cdb + 7), size = 8;
    uint8_t *b = s->io_buffer;

    if (control == 3) {
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                              ASC_SAVING_PARAMETERS_NOT_SUPPORTED);
        return;
    }
    memset(b, 0, 8);
    if (page == MODE_PAGE_ALL) {
        size += atapi_mode_page(s, MODE_PAGE_R_W_ERROR, b + size);
        size += atapi_mode_page(s, MODE_PAGE_AUDIO_CTL, b + size);
        size += atapi_mode_page(s, MODE_PAGE_CAPABILITIES, b + size);
    } else {
        uint32_t n = atapi_mode_page(s, page, b + size);

        if (!n) {
            atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                                  ASC_INVALID_FIELD_IN_CDB);
            return;
        }
        size += n;
    }
    if (control == 1) {
        /* Changeable values: nothing is. */
        for (uint32_t i = 8; i < size;) {
            uint32_t len = b[i + 1] + 2;

            memset(b + i + 2, 0, len - 2);
            i += len;
        }
    }
    st16_be(b, size - 2);
    b[2] = 0x70; /* medium type (obsolete): as QEMU reports */
    atapi_reply(s, size, alloc);
}

static uint16_t atapi_current_profile(IDEState *s)
{
    if (!blk_is_inserted(s->blk)) {
        return MMC_PROFILE_NONE;
    }
    return atapi_nb_sectors(s) > CD_MAX_SECTORS ? MMC_PROFILE_DVD_ROM
                                                : MMC_PROFILE_CD_ROM;
}

/* RT 0 and 1: the features from start on; RT 2: that one feature. */
static bool atapi_feature_wanted(uint8_t rt, uint16_t start, uint16_t code)
{
    return rt == 2 ? code == start : code >= start;
}

static void atapi_get_configuration(IDEState *s, const uint8_t *cdb)
{
    uint8_t rt = cdb[1] & 3;
    uint16_t start = ld16_be(cdb + 2), profile = atapi_current_profile(s);
    uint32_t alloc = ld16_be(cdb + 7), size = 8;
    uint8_t *b = s->io_buffer;

    if (rt == 3) {
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                              ASC_INVALID_FIELD_IN_CDB);
        return;
    }
    memset(b, 0, 64);
    st16_be(b + 6, profile);
    /* Feature 0: profile list, DVD-ROM and CD-ROM */
    if (atapi_feature_wanted(rt, start, 0)) {
        uint8_t *f = b + size;

        st16_be(f, 0x0000);
        f[2] = 0x03; /* persistent, current */
        f[3] = 8;
        st16_be(f + 4, MMC_PROFILE_DVD_ROM);
        f[6] = profile == MMC_PROFILE_DVD_ROM;
        st16_be(f + 8, MMC_PROFILE_CD_ROM);
        f[10] = profile == MMC_PROFILE_CD_ROM;
        size += 12;
    }
    /* Feature 1: core, ATAPI physical interface */
    if (atapi_feature_wanted(rt, start, 1)) {
        uint8_t *f = b + size;

        st16_be(f, 0x0001);
        f[2] = 0x0b; /* version 2, persistent, current */
        f[3] = 8;
        st32_be(f + 4, 2); /* ATAPI */
        f[8] = 1;          /* device busy event */
        size += 12;
    }
    /* Feature 3: removable medium, tray, lockable */
    if (atapi_feature_wanted(rt, start, 3)) {
        uint8_t *f = b + size;

        st16_be(f, 0x0003);
        f[2] = 0x03;
        f[3] = 4;
        f[4] = 0x29 | (blk_is_locked(s->blk) ? 0x04 : 0);
        size += 8;
    }
    st32_be(b, size - 4);
    atapi_reply(s, size, alloc);
}

static void atapi_read_toc(IDEState *s, const uint8_t *cdb)
{
    bool msf = cdb[1] & 2;
    uint8_t format = cdb[2] & 0x0f, track = cdb[6];
    uint32_t alloc = ld16_be(cdb + 7), size = 4;
    uint64_t total = atapi_nb_sectors(s);
    uint8_t *b = s->io_buffer;

    /* The pre-MMC way of asking for a format: bits 7:6 of byte 9. */
    if (!format) {
        format = cdb[9] >> 6;
    }
    memset(b, 0, 64);
    switch (format) {
    case 0:
        if (track > 1 && track != 0xaa) {
            atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                                  ASC_INVALID_FIELD_IN_CDB);
            return;
        }
        b[2] = 1; /* first and last track */
        b[3] = 1;
        if (track <= 1) {
            b[size + 1] = 0x14; /* ADR 1, data track */
            b[size + 2] = 1;
            if (msf) {
                lba_to_msf(b + size + 5, 0);
            }
            size += 8;
        }
        b[size + 1] = 0x14;
        b[size + 2] = 0xaa; /* lead-out */
        if (msf) {
            lba_to_msf(b + size + 5, total);
        } else {
            st32_be(b + size + 4, total);
        }
        size += 8;
        break;
    case 1: /* multi-session: one session starting at track 1 */
        b[2] = 1;
        b[3] = 1;
        b[5] = 0x14;
        b[6] = 1;
        if (msf) {
            lba_to_msf(b + 9, 0);
        }
        size = 12;
        break;
    case 2: { /* raw TOC: points A0, A1, A2 and track 1, always MSF */
        static const uint8_t points[] = {0xa0, 0xa1, 0xa2, 0x01};

        b[2] = 1;
        b[3] = 1;
        for (int i = 0; i < 4; i++) {
            uint8_t *d = b + size;

            d[0] = 1;    /* session */
            d[1] = 0x14; /* ADR 1, data */
            d[3] = points[i];
            if (points[i] == 0xa0 || points[i] == 0xa1) {
                d[8] = 1; /* first / last track number */
            } else if (points[i] == 0xa2) {
                lba_to_msf(d + 8, total);
            } else {
                lba_to_msf(d + 8, 0);
            }
            size += 11;
        }
        break;
    }
    default:
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                              ASC_INVALID_FIELD_IN_CDB);
        return;
    }
    st16_be(b, size - 2);
    atapi_reply(s, size, alloc);
}

static void atapi_read_disc_information(IDEState *s, const uint8_t *cdb)
{
    uint8_t *b = s->io_buffer;

    if (cdb[1] & 7) {
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                              ASC_INVALID_FIELD_IN_CDB);
        return;
    }
    memset(b, 0, 34);
    st16_be(b, 32);
    b[2] = 0x0e; /* last session complete, disc finalised */
    b[3] = 1;    /* first track */
    b[4] = 1;    /* sessions */
    b[5] = 1;    /* first and last track of the last session */
    b[6] = 1;
    b[7] = 0x20; /* unrestricted use */
    atapi_reply(s, 34, ld16_be(cdb + 7));
}

static void atapi_get_event_status(IDEState *s, const uint8_t *cdb)
{
    uint8_t *b = s->io_buffer;
    uint32_t size = 4;

    if (!(cdb[1] & 1)) {
        /* Only polled operation exists. */
        atapi_check_condition(s, SENSE_ILLEGAL_REQUEST,
                              ASC_INVALID_FIELD_IN_CDB);
        return;
    }
    memset(b, 0, 8);
    b[3] = 1 << 4; /* supported classes: media */
    if (cdb[4] & (1 << 4)) {
        b[2] = 4;                              /* media class */
        b[4] = s->media_event_pending ? 2 : 0; /* new media */
        b[5] = blk_is_inserted(s->blk) ? 0x02 : 0;
        s->media_event_pending = false;
        size = 8;
    } else {
        b[2] = 0x80; /* no event available */
    }
    st16_be(b, size - 2);
    atapi_reply(s, size, ld16_be(cdb + 7));
}

static bool atapi_needs_medium(uint8_t op)
{
    switch (op) {
    case GPCMD_TEST_UNIT_READY:
    case GPCMD_READ_CAPACITY:
    case GPCMD_READ_10:
    case GPCMD_READ_12:
    case GPCMD_SEEK:
    case GPCMD_READ_TOC_PMA_ATIP:
    case GPCMD_READ_DISC_INFO:
        return true;
    }
    return false;
}

static void atapi_execute(IDEState *s)
{
    const uint8_t *cdb = s->packet;
    uint8_t *b = s->io_buffer;

    if (atapi_needs_medium(cdb[0]) && !blk_is_inserted(s->blk)) {
        atapi_check_condition(s, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
        return;
    }
    switch (cdb[0]) {
    case GPCMD_TEST_UNIT_READY:
    case GPCMD_SEEK:
    case GPCMD_SET_SPEED:
    case GPCMD_START_STOP_UNIT:
        atapi_command_ok(s);
        return;
    case GPCMD_PREVENT_ALLOW_MEDIUM_REMOVAL:
        blk_lock_medium(s->blk, cdb[4] & 1);
        atapi_command_ok(s);
        return;
    case GPCMD_REQUEST_SENSE:
        memset(b, 0, 18);
        b[0] = 0x70; /* current error, fixed format */
        b[2] = s->sense_key;
        b[7] = 10;
        b[12] = s->asc;
        b[13] = s->ascq;
        s->sense_key = SENSE_NONE;
        s->asc = s->ascq = 0;
        atapi_reply(s, 18, cdb[4]);
        return;
    case GPCMD_INQUIRY:
        atapi_reply(s, atapi_inquiry(s), ld16_be(cdb + 3));
        return;
    case GPCMD_READ_CAPACITY: {
        uint64_t total = atapi_nb_sectors(s);

        st32_be(b, total ? MIN(total - 1, UINT32_MAX) : 0);
        st32_be(b + 4, ATAPI_SECTOR_SIZE);
        atapi_reply(s, 8, 8);
        return;
    }
    case GPCMD_READ_10:
        atapi_read_sectors(s, ld32_be(cdb + 2), ld16_be(cdb + 7));
        return;
    case GPCMD_READ_12:
        atapi_read_sectors(s, ld32_be(cdb + 2), ld32_be(cdb + 6));
        return;
    case GPCMD_MODE_SENSE_10:
        atapi_mode_sense(s, cdb);
        return;
    case GPCMD_GET_CONFIGURATION:
        atapi_get_configuration(s, cdb);
        return;
    case GPCMD_READ_TOC_PMA_ATIP:
        atapi_read_toc(s, cdb);
        return;
    case GPCMD_READ_DISC_INFO:
        atapi_read_disc_information(s, cdb);
        return;
    case GPCMD_GET_EVENT_STATUS_NOTIFICATION:
        atapi_get_event_status(s, cdb);
        return;
    case GPCMD_MECHANISM_STATUS:
        memset(b, 0, 8);
        atapi_reply(s, 8, ld16_be(cdb + 8));
        return;
    }
    log_unimp_once("%s: ATAPI command 0x%02x\n", s->bus->name, cdb[0]);
    atapi_check_condition(s, SENSE_ILLEGAL_REQUEST, ASC_INVALID_COMMAND_OPCODE);
}

static void atapi_packet_received(IDEState *s)
{
    memcpy(s->packet, s->io_buffer, ATAPI_PACKET_SIZE);
    ide_transfer_stop(s);
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_BSY;
    atapi_execute(s);
}

void ide_atapi_packet_command(IDEState *s)
{
    uint32_t limit = (s->hcyl << 8) | s->lcyl;

    if (s->feature & 0x02) {
        /* overlapped operation does not exist here */
        ide_abort_command(s);
        ide_set_irq(s->bus);
        return;
    }
    s->atapi_dma = s->feature & 0x01;
    if (s->atapi_dma && !s->bus->dma_ops) {
        ide_abort_command(s);
        ide_set_irq(s->bus);
        return;
    }
    /* 0 is not a valid limit; an odd one means one byte less. */
    if (limit == 0 || limit == 0xffff) {
        limit = 0xfffe;
    }
    s->atapi_byte_limit = limit & ~1u;
    s->nsector = ATAPI_INTR_COD;
    s->status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    ide_transfer_start(s, s->io_buffer, ATAPI_PACKET_SIZE,
                       atapi_packet_received);
}
