/*
 * The memory API: regions composed into address spaces.
 *
 * A region is RAM (host memory the guest sees directly), ROM (same, but
 * guest writes are dropped), I/O (read/write callbacks: MMIO or port I/O),
 * a container of subregions, or an alias of part of another region. A
 * subregion sits at an offset inside its container with a priority; where
 * siblings overlap, the higher priority wins, and among equals the one added
 * last. Each address space keeps a flattened view: a sorted list of
 * non-overlapping ranges, each backed by one leaf region. The view is
 * recomputed after every change and both dispatches accesses and drives
 * listeners (the KVM memory-slot listener).
 *
 * Threading: topology changes and dispatch both run under the big VMM lock.
 */
#ifndef SYSTEM_MEMORY_H
#define SYSTEM_MEMORY_H

#include <glib.h>
#include <stdbool.h>
#include <inttypes.h>

#include "util/event-notifier.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t value, unsigned size);
    /*
     * Access sizes the guest may use (valid) and the ones the callbacks
     * handle (impl). Zero means 1 and 4 respectively. A guest access outside
     * the valid range is dropped (reads return all ones); one outside impl is
     * split into several impl-sized calls or widened to impl_min.
     */
    unsigned valid_min, valid_max;
    unsigned impl_min, impl_max;
    /* Accept accesses not aligned to their size (default: reject). */
    bool unaligned;
} MemoryRegionOps;

typedef enum {
    MR_CONTAINER,
    MR_RAM,
    MR_ROM,
    MR_IO,
    MR_ALIAS,
} MemoryRegionKind;

struct MemoryRegion {
    char *name;
    MemoryRegionKind kind;
    uint64_t size;
    void *ram;      /* RAM/ROM: host memory */
    bool ram_owned; /* allocated by the region, freed with it */
    const MemoryRegionOps *ops;
    void *opaque;
    MemoryRegion *alias;
    uint64_t alias_offset;
    /* placement */
    MemoryRegion *container;
    uint64_t addr;
    int priority;
    bool enabled;
    unsigned add_sequence;
    GPtrArray *subregions;
    GArray *ioeventfds; /* MemoryRegionIoeventfd, offsets in this region */
    GArray *coalesced;  /* MemoryRegionCoalesced, offsets in this region */
};

/* A range of an I/O region whose writes may be queued (see below). */
typedef struct MemoryRegionCoalesced {
    uint64_t offset;
    uint64_t size;
} MemoryRegionCoalesced;

/*
 * A write of size bytes at offset (with data equal to the given value when
 * match_data) signals the notifier instead of calling the region's write
 * callback. Under KVM the kernel signals it without leaving the guest.
 */
typedef struct MemoryRegionIoeventfd {
    uint64_t offset; /* in the region; in the address space for listeners */
    unsigned size;
    bool match_data;
    uint64_t data;
    EventNotifier *notifier;
} MemoryRegionIoeventfd;

/* One non-overlapping piece of a flattened view. */
typedef struct FlatRange {
    uint64_t start; /* address in the address space */
    uint64_t size;
    MemoryRegion *mr; /* leaf: RAM, ROM or IO */
    uint64_t offset;  /* offset of start inside mr */
} FlatRange;

struct FlatView {
    GArray *ranges; /* FlatRange, sorted by start */
};

typedef struct MemoryListener {
    /* Called for each range that appears or disappears in the view. */
    void (*region_add)(struct MemoryListener *l, const FlatRange *fr);
    void (*region_del)(struct MemoryListener *l, const FlatRange *fr);
    /* Called for each ioeventfd that appears or disappears (absolute address).
     */
    void (*eventfd_add)(struct MemoryListener *l, AddressSpace *as,
                        const MemoryRegionIoeventfd *fd);
    void (*eventfd_del)(struct MemoryListener *l, AddressSpace *as,
                        const MemoryRegionIoeventfd *fd);
    void *opaque;
} MemoryListener;

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *view;
    GPtrArray *listeners;
    GArray *ioeventfds; /* MemoryRegionIoeventfd at absolute addresses */
};

/* Region construction. size may be UINT64_MAX for "whole 64-bit space". */
void memory_region_init_container(MemoryRegion *mr, const char *name,
                                  uint64_t size);
/* Anonymous host memory (MAP_NORESERVE, zeroed). */
void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
/* RAM backed by memory the caller owns and keeps alive. */
void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr);
/*
 * Read-only view of memory the caller owns (writes are dropped), such as
 * RAM a chipset makes read-only (PAM).
 */
void memory_region_init_rom_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr);
void memory_region_init_io(MemoryRegion *mr, const char *name,
                           const MemoryRegionOps *ops, void *opaque,
                           uint64_t size);
/*
 * A ROM device (flash): reads come from its memory (a read-only KVM slot),
 * the guest's writes go to ops->write. A device that answers reads itself
 * in some modes (status, query) covers the ROM with an I/O region then.
 */
void memory_region_init_rom_device(MemoryRegion *mr, const char *name,
                                   const MemoryRegionOps *ops, void *opaque,
                                   uint64_t size);
void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, uint64_t offset,
                              uint64_t size);
void memory_region_destroy(MemoryRegion *mr);

void memory_region_add_subregion(MemoryRegion *container, uint64_t offset,
                                 MemoryRegion *sub);
void memory_region_add_subregion_overlap(MemoryRegion *container,
                                         uint64_t offset, MemoryRegion *sub,
                                         int priority);
void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, uint64_t addr);
void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset);
void *memory_region_get_ram_ptr(MemoryRegion *mr);
/*
 * A write of size bytes at offset (size 0: of any size, which lets KVM
 * catch an MMIO write on its fast path without decoding the instruction,
 * as QEMU does for virtio's notify area), and with match_data only of
 * value data, signals notifier instead of reaching the region.
 */
void memory_region_add_eventfd(MemoryRegion *mr, uint64_t offset, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *notifier);
void memory_region_del_eventfd(MemoryRegion *mr, uint64_t offset, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *notifier);

/*
 * Writes to [offset, offset + size) of an I/O region may be queued by the
 * accelerator instead of leaving the guest, and reach the region, in
 * order, before the next access of any vCPU that reaches pcvm and before
 * the vCPUs stop (under KVM: the coalesced MMIO/PIO ring). Only for
 * registers whose writes have no effect of their own until the device is
 * accessed again, such as an index register. Reads are never queued.
 * Without accelerator support the writes simply arrive at once. Call it
 * before the region is mapped; listeners see it with the region's ranges.
 */
void memory_region_add_coalescing(MemoryRegion *mr, uint64_t offset,
                                  uint64_t size);

/*
 * Batching: changes made between begin and commit recompute the views once.
 * Nested pairs are allowed. Every single-change call above does its own
 * begin/commit.
 */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);
/* Adds a listener and replays the current view's ranges to it. */
void memory_listener_register(AddressSpace *as, MemoryListener *l);
void memory_listener_unregister(AddressSpace *as, MemoryListener *l);

/* The leaf range containing addr, or NULL if nothing is mapped there. */
const FlatRange *address_space_lookup(AddressSpace *as, uint64_t addr);

typedef enum {
    MEMTX_OK = 0,
    MEMTX_DECODE_ERROR = 1, /* some part of the access hit unmapped space */
} MemTxResult;

/*
 * Accesses of any length: RAM is copied, I/O regions are called with sizes
 * they accept, unmapped space reads as all ones and ignores writes (and
 * reports MEMTX_DECODE_ERROR). ROM ignores writes.
 */
MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf,
                               uint64_t len);
MemTxResult address_space_write(AddressSpace *as, uint64_t addr,
                                const void *buf, uint64_t len);
/* Writes that also land in ROM (firmware and boot loaders). */
MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr,
                                    const void *buf, uint64_t len);
/* A single access of size 1, 2, 4 or 8, little-endian value. */
MemTxResult address_space_ld(AddressSpace *as, uint64_t addr, unsigned size,
                             uint64_t *value);
MemTxResult address_space_st(AddressSpace *as, uint64_t addr, unsigned size,
                             uint64_t value);

/* Writes the view as text, for "info mtree -f" and for tests. */
void address_space_dump_flat(AddressSpace *as, GString *out);
/* Writes the region tree as text, for "info mtree". */
void memory_region_dump_tree(MemoryRegion *mr, GString *out);

#endif
