/*
 * What the ATA core (core.c) and the ATAPI layer (atapi.c) share.
 */
#ifndef HW_IDE_INTERNAL_H
#define HW_IDE_INTERNAL_H

#include "hw/ide/ide.h"

/* Status register */
#define ATA_STATUS_BSY 0x80
#define ATA_STATUS_DRDY 0x40
#define ATA_STATUS_DF 0x20
#define ATA_STATUS_DSC 0x10
#define ATA_STATUS_DRQ 0x08
#define ATA_STATUS_ERR 0x01

/* Error register */
#define ATA_ERROR_UNC 0x40
#define ATA_ERROR_IDNF 0x10
#define ATA_ERROR_ABRT 0x04

/* Interrupt reason (sector count register during PACKET) */
#define ATAPI_INTR_COD 0x01
#define ATAPI_INTR_IO 0x02

#define ATAPI_SECTOR_SIZE 2048

void ide_set_irq(IDEBus *bus);
void ide_transfer_start(IDEState *s, uint8_t *buf, uint32_t size,
                        IDEEndTransferFunc *end);
void ide_transfer_stop(IDEState *s);
void ide_abort_command(IDEState *s);
/*
 * Starts a DMA transfer of len bytes and waits for the engine's buffers:
 * to_memory, the medium's bytes from offset go into them (or, when buf is
 * non-NULL, buf's len bytes, a reply the device built; the transfer then
 * owns buf); otherwise they are written to the medium at offset.
 */
void ide_dma_start(IDEState *s, bool to_memory, uint64_t offset, uint32_t len,
                   uint8_t *buf);

/* atapi.c */
void ide_atapi_identify(IDEState *s);
void ide_atapi_packet_command(IDEState *s);
void ide_atapi_dma_finished(IDEState *s, bool ok);
void ide_atapi_reset(IDEState *s);

/* Puts a space-padded ASCII string in ATA's byte-swapped word order. */
void ide_identify_string(uint8_t *words, const char *str, size_t len);
void ide_identify_checksum(uint8_t *identify);

#endif
