/*
 * virtio-blk (virtio 1.2, 5.2): a block device over one or more request
 * queues. The transport-independent device; virtio-blk-pci
 * (hw/block/virtio-blk-pci.c) puts it on PCI.
 */
#ifndef HW_VIRTIO_VIRTIO_BLK_H
#define HW_VIRTIO_VIRTIO_BLK_H

#include "block/drive.h"
#include "hw/virtio/virtio.h"

#define VIRTIO_ID_BLOCK 2

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
/* struct virtio_blk_discard_write_zeroes: le64 sector, le32 num, le32 flags */
#define VIRTIO_BLK_DWZ_SEG_SIZE 16
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1u
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20

/* struct virtio_blk_config offsets (5.2.4). */
#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8
#define VIRTIO_BLK_CFG_SEG_MAX 12
#define VIRTIO_BLK_CFG_BLK_SIZE 20
#define VIRTIO_BLK_CFG_PHYSICAL_BLOCK_EXP 24
#define VIRTIO_BLK_CFG_ALIGNMENT_OFFSET 25
#define VIRTIO_BLK_CFG_MIN_IO_SIZE 26
#define VIRTIO_BLK_CFG_OPT_IO_SIZE 28
#define VIRTIO_BLK_CFG_WRITEBACK 32
#define VIRTIO_BLK_CFG_NUM_QUEUES 34
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 36
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG 40
#define VIRTIO_BLK_CFG_DISCARD_ALIGNMENT 44
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 48
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG 52
#define VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP 56
#define VIRTIO_BLK_CFG_SIZE 60

/* num-queues' default: one queue per vCPU, as QEMU. */
#define VIRTIO_BLK_AUTO_NUM_QUEUES 0xffff
/* QEMU's default discard and write-zeroes limit (INT_MAX bytes in sectors) */
#define VIRTIO_BLK_MAX_SECTORS 4194303u

typedef struct VirtIOBlock {
    VirtIODevice parent_obj;
    /* Properties. */
    DriveConfig *drive;
    char *serial;
    uint16_t num_queues;
    uint16_t queue_size;
    bool discard, write_zeroes; /* offer the features (QEMU's default: on) */
    uint32_t max_discard_sectors, max_write_zeroes_sectors;
    /* Backend and guest state. */
    BlockBackend *blk;
    uint8_t wce;      /* the writeback byte: 1 writeback, 0 writethrough */
    bool wce_default; /* the drive's cache.writeback, restored at reset */
} VirtIOBlock;

#define VIRTIO_BLK_PROPERTIES(st, f)                                           \
    DEFINE_PROP_DRIVE("drive", st, f.drive),                                   \
        DEFINE_PROP_STRING("serial", st, f.serial),                            \
        DEFINE_PROP_UINT16("num-queues", st, f.num_queues,                     \
                           VIRTIO_BLK_AUTO_NUM_QUEUES),                        \
        DEFINE_PROP_UINT16("queue-size", st, f.queue_size, 256),               \
        DEFINE_PROP_BOOL("discard", st, f.discard, true),                      \
        DEFINE_PROP_BOOL("write-zeroes", st, f.write_zeroes, true),            \
        DEFINE_PROP_UINT32("max-discard-sectors", st, f.max_discard_sectors,   \
                           VIRTIO_BLK_MAX_SECTORS),                            \
        DEFINE_PROP_UINT32("max-write-zeroes-sectors", st,                     \
                           f.max_write_zeroes_sectors, VIRTIO_BLK_MAX_SECTORS)

/* Checks the properties and sets up the virtio device with its queues. */
bool virtio_blk_realize(VirtIOBlock *s, unsigned ncpus, GError **errp);

extern const VMStateDescription vmstate_virtio_blk;

#endif
