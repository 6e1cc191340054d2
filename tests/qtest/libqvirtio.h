/*
 * A test-side virtio PCI driver over the qtest protocol: finds a function
 * by its IDs in PCI configuration space, maps its BARs, drives either the
 * modern (capabilities in BAR4) or the legacy (BAR0) interface, sets up
 * split virtqueues in guest RAM with qtest memory writes, kicks them and
 * waits for the used ring. Interrupts are MSI-X messages aimed at guest
 * RAM (qtest has no LAPIC, so a message to RAM is a plain write the test
 * reads) or INTx through the PIIX3 router to IRQ 11, intercepted at the
 * IOAPIC.
 */
#ifndef LIBQVIRTIO_H
#define LIBQVIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "libqtest.h"

#define QVIRTIO_SLOT 4
#define QVIRTIO_INTX_IRQ 11

#define QVIRTIO_STATUS_ACK 1
#define QVIRTIO_STATUS_DRIVER 2
#define QVIRTIO_STATUS_DRIVER_OK 4
#define QVIRTIO_STATUS_FEATURES_OK 8
#define QVIRTIO_STATUS_NEEDS_RESET 0x40

#define QVIRTIO_F_INDIRECT_DESC 28
#define QVIRTIO_F_EVENT_IDX 29
#define QVIRTIO_F_VERSION_1 32

#define QVRING_DESC_F_NEXT 1
#define QVRING_DESC_F_WRITE 2
#define QVRING_DESC_F_INDIRECT 4

typedef struct QVirtioDev {
    QTestState *qts;
    int devfn;
    bool modern;   /* drive the modern interface (else legacy BAR0) */
    bool use_msix; /* MSI-X enabled, one message slot per vector */
    uint16_t io;   /* legacy BAR0 */
    uint64_t common, isr, device, notify;
    uint32_t notify_mult;
    uint64_t msix_table;
    uint8_t msix_cap;
    uint64_t features; /* what was negotiated */
} QVirtioDev;

typedef struct QVirtQueue {
    QVirtioDev *d;
    unsigned index;
    unsigned size;
    uint64_t desc, avail, used;
    uint16_t avail_idx; /* the driver's next available index */
    uint16_t last_used;
    unsigned next_desc; /* descriptors handed out round-robin */
    uint16_t vector;
} QVirtQueue;

/* A bump allocator over guest RAM from 2 MiB (aligned, zeroed). */
uint64_t qvirtio_alloc(QTestState *qts, uint64_t size, uint64_t align);
/* Where vector v's MSI-X message lands in guest RAM. */
uint64_t qvirtio_msix_addr(unsigned vector);

/* PCI configuration access (mechanism #1). */
uint32_t qpci_cfg_readl(QTestState *s, int devfn, int reg);
uint16_t qpci_cfg_readw(QTestState *s, int devfn, int reg);
uint8_t qpci_cfg_readb(QTestState *s, int devfn, int reg);
void qpci_cfg_writel(QTestState *s, int devfn, int reg, uint32_t v);
void qpci_cfg_writew(QTestState *s, int devfn, int reg, uint16_t v);
void qpci_cfg_writeb(QTestState *s, int devfn, int reg, uint8_t v);

/*
 * Finds vendor:device, maps BAR0 at 0xc000, BAR1 at 0xe0000000 and BAR4
 * at 0xe0100000 and enables I/O, memory and bus mastering. With
 * use_msix, enables MSI-X with every vector unmasked and aimed at
 * qvirtio_msix_addr(); else routes INTx to IRQ 11 and intercepts it.
 */
void qvirtio_pci_init(QVirtioDev *d, QTestState *qts, uint16_t device_id,
                      bool modern, bool use_msix);
/* Resets, acknowledges, negotiates want & offer; false if FEATURES_OK
 * did not stick. */
bool qvirtio_start(QVirtioDev *d, uint64_t want);
void qvirtio_driver_ok(QVirtioDev *d);
uint64_t qvirtio_device_features(QVirtioDev *d);
uint8_t qvirtio_get_status(QVirtioDev *d);
void qvirtio_set_status(QVirtioDev *d, uint8_t status);
void qvirtio_reset(QVirtioDev *d);
uint8_t qvirtio_isr(QVirtioDev *d);
uint8_t qvirtio_config_readb(QVirtioDev *d, unsigned off);
uint16_t qvirtio_config_readw(QVirtioDev *d, unsigned off);
uint32_t qvirtio_config_readl(QVirtioDev *d, unsigned off);
uint64_t qvirtio_config_readq(QVirtioDev *d, unsigned off);
void qvirtio_config_writeb(QVirtioDev *d, unsigned off, uint8_t v);
void qvirtio_set_config_vector(QVirtioDev *d, uint16_t v);

/* Sets up queue index with size entries (0: the device's), vector v. */
void qvirtqueue_setup(QVirtioDev *d, QVirtQueue *q, unsigned index,
                      unsigned size, uint16_t vector);
/* Writes descriptor i of the queue's table (or of a table at 'table'). */
void qvring_desc_write(QTestState *qts, uint64_t table, unsigned i,
                       uint64_t addr, uint32_t len, uint16_t flags,
                       uint16_t next);
/* Makes head available (without kicking). */
void qvirtqueue_make_available(QVirtQueue *q, uint16_t head);
void qvirtqueue_kick(QVirtQueue *q);
/* Takes the next descriptor index for a chain. */
unsigned qvirtqueue_desc_alloc(QVirtQueue *q);
/*
 * Waits (up to 5 s) for the used index to move; returns the used entry's
 * id and len through the pointers. False on timeout.
 */
bool qvirtqueue_wait_used(QVirtQueue *q, uint32_t *id, uint32_t *len);
uint16_t qvirtqueue_used_idx(QVirtQueue *q);
/* Waits up to ms for the MSI-X message of vector v (and clears it). */
bool qvirtio_wait_msix(QVirtioDev *d, unsigned v, unsigned ms);

#endif
