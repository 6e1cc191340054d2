/*
 * Memory regions, their flattening into address-space views, listeners and
 * access dispatch. See include/system/memory.h for the model.
 *
 * Flattening walks the region tree from the root, visiting siblings from the
 * highest priority down, and fills only the holes still uncovered: what a
 * higher-priority sibling already claimed stays claimed. Aliases render their
 * target shifted to where the alias sits.
 */
#include <string.h>
#include <sys/mman.h>

#include "system/memory.h"
#include "util/log.h"

typedef __int128 wide_t; /* region bases may go below 0 or above 2^64 */

static GPtrArray *address_spaces;
static unsigned transaction_depth;
static bool topology_changed;
static unsigned add_sequence_counter;

/* ---- region construction ---------------------------------------------- */

static void region_init(MemoryRegion *mr, const char *name,
                        MemoryRegionKind kind, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->kind = kind;
    mr->size = size;
    mr->enabled = true;
    mr->subregions = g_ptr_array_new();
}

void memory_region_init_container(MemoryRegion *mr, const char *name,
                                  uint64_t size)
{
    region_init(mr, name, MR_CONTAINER, size);
}

static void *ram_alloc(uint64_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        g_error("cannot allocate %" PRIu64 " bytes of guest memory", size);
    }
    return p;
}

void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    region_init(mr, name, MR_RAM, size);
    mr->ram = ram_alloc(size);
    mr->ram_owned = true;
}

void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    memory_region_init_ram(mr, name, size);
    mr->kind = MR_ROM;
}

void memory_region_init_rom_device(MemoryRegion *mr, const char *name,
                                   const MemoryRegionOps *ops, void *opaque,
                                   uint64_t size)
{
    memory_region_init_rom(mr, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr)
{
    region_init(mr, name, MR_RAM, size);
    mr->ram = ptr;
}

void memory_region_init_rom_ptr(MemoryRegion *mr, const char *name,
                                uint64_t size, void *ptr)
{
    region_init(mr, name, MR_ROM, size);
    mr->ram = ptr;
}

void memory_region_init_io(MemoryRegion *mr, const char *name,
                           const MemoryRegionOps *ops, void *opaque,
                           uint64_t size)
{
    region_init(mr, name, MR_IO, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, const char *name,
                              MemoryRegion *orig, uint64_t offset,
                              uint64_t size)
{
    region_init(mr, name, MR_ALIAS, size);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_destroy(MemoryRegion *mr)
{
    g_assert(!mr->container);
    g_assert(mr->subregions->len == 0);
    if (mr->ram_owned) {
        munmap(mr->ram, mr->size);
    }
    if (mr->ioeventfds) {
        g_array_unref(mr->ioeventfds);
    }
    if (mr->coalesced) {
        g_array_unref(mr->coalesced);
    }
    g_ptr_array_unref(mr->subregions);
    g_free(mr->name);
    memset(mr, 0, sizeof(*mr));
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    uint64_t offset = 0;

    /* An alias (of an alias...) of RAM points into the RAM it shows. */
    while (mr->kind == MR_ALIAS) {
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    g_assert(mr->kind == MR_RAM || mr->kind == MR_ROM);
    return (uint8_t *)mr->ram + offset;
}

/* ---- topology --------------------------------------------------------- */

static void topology_update(void)
{
    memory_region_transaction_begin();
    topology_changed = true;
    memory_region_transaction_commit();
}

static bool ioeventfd_equal(const MemoryRegionIoeventfd *a,
                            const MemoryRegionIoeventfd *b)
{
    return a->offset == b->offset && a->size == b->size &&
           a->match_data == b->match_data &&
           (!a->match_data || a->data == b->data) && a->notifier == b->notifier;
}

void memory_region_add_eventfd(MemoryRegion *mr, uint64_t offset, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *notifier)
{
    MemoryRegionIoeventfd fd = {offset, size, match_data, data, notifier};

    if (!mr->ioeventfds) {
        mr->ioeventfds = g_array_new(false, false, sizeof(fd));
    }
    g_array_append_val(mr->ioeventfds, fd);
    topology_update();
}

void memory_region_del_eventfd(MemoryRegion *mr, uint64_t offset, unsigned size,
                               bool match_data, uint64_t data,
                               EventNotifier *notifier)
{
    MemoryRegionIoeventfd fd = {offset, size, match_data, data, notifier};

    for (unsigned i = 0; mr->ioeventfds && i < mr->ioeventfds->len; i++) {
        if (ioeventfd_equal(
                &g_array_index(mr->ioeventfds, MemoryRegionIoeventfd, i),
                &fd)) {
            g_array_remove_index(mr->ioeventfds, i);
            topology_update();
            return;
        }
    }
    g_assert_not_reached();
}

void memory_region_add_coalescing(MemoryRegion *mr, uint64_t offset,
                                  uint64_t size)
{
    MemoryRegionCoalesced range = {offset, size};

    g_assert(mr->kind == MR_IO && !mr->container);
    g_assert(size && offset < mr->size && size <= mr->size - offset);
    if (!mr->coalesced) {
        mr->coalesced = g_array_new(false, false, sizeof(range));
    }
    g_array_append_val(mr->coalesced, range);
}

/* Highest priority first; among equals the most recently added first. */
static gint subregion_order(gconstpointer a, gconstpointer b)
{
    const MemoryRegion *x = *(MemoryRegion *const *)a;
    const MemoryRegion *y = *(MemoryRegion *const *)b;

    if (x->priority != y->priority) {
        return x->priority > y->priority ? -1 : 1;
    }
    return x->add_sequence > y->add_sequence ? -1 : 1;
}

void memory_region_add_subregion_overlap(MemoryRegion *container,
                                         uint64_t offset, MemoryRegion *sub,
                                         int priority)
{
    g_assert(!sub->container);
    sub->container = container;
    sub->addr = offset;
    sub->priority = priority;
    sub->add_sequence = ++add_sequence_counter;
    g_ptr_array_add(container->subregions, sub);
    g_ptr_array_sort(container->subregions, subregion_order);
    topology_update();
}

void memory_region_add_subregion(MemoryRegion *container, uint64_t offset,
                                 MemoryRegion *sub)
{
    memory_region_add_subregion_overlap(container, offset, sub, 0);
}

void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub)
{
    g_assert(sub->container == container);
    g_ptr_array_remove(container->subregions, sub);
    sub->container = NULL;
    topology_update();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        topology_update();
    }
}

void memory_region_set_address(MemoryRegion *mr, uint64_t addr)
{
    if (mr->addr != addr) {
        mr->addr = addr;
        topology_update();
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset)
{
    g_assert(mr->kind == MR_ALIAS);
    if (mr->alias_offset != offset) {
        mr->alias_offset = offset;
        topology_update();
    }
}

/* ---- flattening ------------------------------------------------------- */

/* Inserts [start, last] into the sorted range list wherever it is still free.
 */
static void flat_fill_holes(GArray *ranges, uint64_t start, uint64_t last,
                            MemoryRegion *mr, wide_t base)
{
    uint64_t cur = start;
    unsigned i = 0;

    for (;;) {
        FlatRange *r = NULL;
        FlatRange piece;

        while (i < ranges->len) {
            r = &g_array_index(ranges, FlatRange, i);
            if (r->start + (r->size - 1) >= cur) {
                break;
            }
            r = NULL;
            i++;
        }
        piece.start = cur;
        piece.mr = mr;
        piece.offset = (uint64_t)((wide_t)cur - base);
        if (!r || r->start > last) {
            piece.size = last - cur + 1;
            g_array_insert_val(ranges, i, piece);
            return;
        }
        if (r->start > cur) {
            piece.size = r->start - cur;
            g_array_insert_val(ranges, i, piece);
            i++;
            r = &g_array_index(ranges, FlatRange, i);
        }
        if (r->start + (r->size - 1) >= last) {
            return;
        }
        cur = r->start + r->size;
        i++;
    }
}

static void flat_render(GArray *ranges, MemoryRegion *mr, wide_t base,
                        uint64_t clip_start, uint64_t clip_last)
{
    wide_t lo, hi;

    if (!mr->enabled || mr->size == 0) {
        return;
    }
    lo = MAX(base, (wide_t)clip_start);
    hi = MIN(base + (wide_t)mr->size - 1, (wide_t)clip_last);
    if (lo > hi) {
        return;
    }
    if (mr->kind == MR_ALIAS) {
        flat_render(ranges, mr->alias, base - (wide_t)mr->alias_offset,
                    (uint64_t)lo, (uint64_t)hi);
        return;
    }
    for (unsigned i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);

        flat_render(ranges, sub, base + (wide_t)sub->addr, (uint64_t)lo,
                    (uint64_t)hi);
    }
    if (mr->kind != MR_CONTAINER) {
        flat_fill_holes(ranges, (uint64_t)lo, (uint64_t)hi, mr, base);
    }
}

static bool flat_range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->size == b->size && a->mr == b->mr &&
           a->offset == b->offset;
}

static FlatView *flatview_new(MemoryRegion *root)
{
    FlatView *view = g_new0(FlatView, 1);
    GArray *merged;

    view->ranges = g_array_new(false, false, sizeof(FlatRange));
    if (root) {
        flat_render(view->ranges, root, 0, 0, UINT64_MAX);
    }
    /* Join neighbours that continue the same region, so KVM sees one slot. */
    merged = g_array_new(false, false, sizeof(FlatRange));
    for (unsigned i = 0; i < view->ranges->len; i++) {
        FlatRange *r = &g_array_index(view->ranges, FlatRange, i);
        FlatRange *prev =
            merged->len ? &g_array_index(merged, FlatRange, merged->len - 1)
                        : NULL;

        if (prev && prev->mr == r->mr && prev->start + prev->size == r->start &&
            prev->offset + prev->size == r->offset) {
            prev->size += r->size;
        } else {
            g_array_append_val(merged, *r);
        }
    }
    g_array_unref(view->ranges);
    view->ranges = merged;
    return view;
}

static void flatview_free(FlatView *view)
{
    if (view) {
        g_array_unref(view->ranges);
        g_free(view);
    }
}

static bool flatview_contains(FlatView *view, const FlatRange *fr)
{
    for (unsigned i = 0; view && i < view->ranges->len; i++) {
        if (flat_range_equal(&g_array_index(view->ranges, FlatRange, i), fr)) {
            return true;
        }
    }
    return false;
}

/* Every ioeventfd of the regions visible in view, at absolute addresses. */
static GArray *flatview_ioeventfds(FlatView *view)
{
    GArray *fds = g_array_new(false, false, sizeof(MemoryRegionIoeventfd));

    for (unsigned i = 0; i < view->ranges->len; i++) {
        FlatRange *fr = &g_array_index(view->ranges, FlatRange, i);
        GArray *mine = fr->mr->ioeventfds;

        for (unsigned j = 0; mine && j < mine->len; j++) {
            MemoryRegionIoeventfd fd =
                g_array_index(mine, MemoryRegionIoeventfd, j);

            if (fd.offset >= fr->offset &&
                fd.offset - fr->offset + fd.size <= fr->size) {
                fd.offset = fr->start + (fd.offset - fr->offset);
                g_array_append_val(fds, fd);
            }
        }
    }
    return fds;
}

static bool ioeventfds_contain(GArray *fds, const MemoryRegionIoeventfd *fd)
{
    for (unsigned i = 0; fds && i < fds->len; i++) {
        if (ioeventfd_equal(&g_array_index(fds, MemoryRegionIoeventfd, i),
                            fd)) {
            return true;
        }
    }
    return false;
}

static void address_space_update_ioeventfds(AddressSpace *as)
{
    GArray *old = as->ioeventfds;
    GArray *new = flatview_ioeventfds(as->view);

    as->ioeventfds = new;
    for (unsigned l = 0; l < as->listeners->len; l++) {
        MemoryListener *ml = g_ptr_array_index(as->listeners, l);

        for (unsigned i = 0; old && ml->eventfd_del && i < old->len; i++) {
            MemoryRegionIoeventfd *fd =
                &g_array_index(old, MemoryRegionIoeventfd, i);

            if (!ioeventfds_contain(new, fd)) {
                ml->eventfd_del(ml, as, fd);
            }
        }
        for (unsigned i = 0; ml->eventfd_add && i < new->len; i++) {
            MemoryRegionIoeventfd *fd =
                &g_array_index(new, MemoryRegionIoeventfd, i);

            if (!ioeventfds_contain(old, fd)) {
                ml->eventfd_add(ml, as, fd);
            }
        }
    }
    if (old) {
        g_array_unref(old);
    }
}

static void address_space_update(AddressSpace *as)
{
    FlatView *old = as->view;
    FlatView *new = flatview_new(as->root);

    as->view = new;
    for (unsigned l = 0; l < as->listeners->len; l++) {
        MemoryListener *ml = g_ptr_array_index(as->listeners, l);

        for (unsigned i = 0; old && i < old->ranges->len; i++) {
            FlatRange *fr = &g_array_index(old->ranges, FlatRange, i);

            if (ml->region_del && !flatview_contains(new, fr)) {
                ml->region_del(ml, fr);
            }
        }
        for (unsigned i = 0; i < new->ranges->len; i++) {
            FlatRange *fr = &g_array_index(new->ranges, FlatRange, i);

            if (ml->region_add && !flatview_contains(old, fr)) {
                ml->region_add(ml, fr);
            }
        }
    }
    flatview_free(old);
    address_space_update_ioeventfds(as);
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_assert(transaction_depth > 0);
    if (--transaction_depth || !topology_changed) {
        return;
    }
    topology_changed = false;
    for (unsigned i = 0; address_spaces && i < address_spaces->len; i++) {
        address_space_update(g_ptr_array_index(address_spaces, i));
    }
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name);
    as->root = root;
    as->listeners = g_ptr_array_new();
    if (!address_spaces) {
        address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(address_spaces, as);
    address_space_update(as);
}

void address_space_destroy(AddressSpace *as)
{
    g_ptr_array_remove(address_spaces, as);
    flatview_free(as->view);
    if (as->ioeventfds) {
        g_array_unref(as->ioeventfds);
    }
    g_ptr_array_unref(as->listeners);
    g_free(as->name);
    memset(as, 0, sizeof(*as));
}

void memory_listener_register(AddressSpace *as, MemoryListener *l)
{
    g_ptr_array_add(as->listeners, l);
    for (unsigned i = 0; l->region_add && i < as->view->ranges->len; i++) {
        l->region_add(l, &g_array_index(as->view->ranges, FlatRange, i));
    }
    for (unsigned i = 0; l->eventfd_add && i < as->ioeventfds->len; i++) {
        l->eventfd_add(
            l, as, &g_array_index(as->ioeventfds, MemoryRegionIoeventfd, i));
    }
}

void memory_listener_unregister(AddressSpace *as, MemoryListener *l)
{
    for (unsigned i = 0; l->eventfd_del && i < as->ioeventfds->len; i++) {
        l->eventfd_del(
            l, as, &g_array_index(as->ioeventfds, MemoryRegionIoeventfd, i));
    }
    for (unsigned i = 0; l->region_del && i < as->view->ranges->len; i++) {
        l->region_del(l, &g_array_index(as->view->ranges, FlatRange, i));
    }
    g_ptr_array_remove(as->listeners, l);
}

/*
 * The range containing addr, or NULL with *next set to the index of the
 * first range above addr (ranges->len if none): one binary search serves
 * both the hit and the extent of a hole.
 */
static const FlatRange *flatview_find(FlatView *view, uint64_t addr,
                                      unsigned *next)
{
    GArray *ranges = view->ranges;
    unsigned lo = 0, hi = ranges->len;

    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        FlatRange *r = &g_array_index(ranges, FlatRange, mid);

        if (addr < r->start) {
            hi = mid;
        } else if (addr - r->start >= r->size) {
            lo = mid + 1;
        } else {
            return r;
        }
    }
    *next = lo;
    return NULL;
}

const FlatRange *address_space_lookup(AddressSpace *as, uint64_t addr)
{
    unsigned next;

    return flatview_find(as->view, addr, &next);
}

/* ---- dispatch --------------------------------------------------------- */

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

/* One access the region's valid rules accept, adapted to its impl sizes. */
static void io_access_adjusted(MemoryRegion *mr, uint64_t addr, uint64_t *value,
                               unsigned size, bool write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned impl_min = ops->impl_min ? ops->impl_min : 1;
    unsigned impl_max = ops->impl_max ? ops->impl_max : 4;

    if (size > impl_max) {
        uint64_t result = 0;

        for (unsigned done = 0; done < size; done += impl_max) {
            uint64_t part =
                write ? (*value >> (done * 8)) & size_mask(impl_max) : 0;

            io_access_adjusted(mr, addr + done, &part, impl_max, write);
            result |= (part & size_mask(impl_max)) << (done * 8);
        }
        if (!write) {
            *value = result;
        }
    } else if (size < impl_min) {
        uint64_t aligned = addr & ~(uint64_t)(impl_min - 1);
        unsigned shift = (addr - aligned) * 8;

        if (write) {
            if (ops->write) {
                ops->write(mr->opaque, aligned,
                           (*value & size_mask(size)) << shift, impl_min);
            }
        } else {
            uint64_t wide = ops->read ? ops->read(mr->opaque, aligned, impl_min)
                                      : size_mask(impl_min);

            *value = (wide >> shift) & size_mask(size);
        }
    } else if (write) {
        if (ops->write) {
            ops->write(mr->opaque, addr, *value & size_mask(size), size);
        }
    } else {
        *value = ops->read ? ops->read(mr->opaque, addr, size) & size_mask(size)
                           : size_mask(size);
    }
}

/*
 * A write an ioeventfd covers signals it instead of reaching the device, as
 * the kernel would have done (this path serves accelerators without
 * ioeventfd support and accesses that did not come from a vCPU).
 */
static bool io_write_eventfd(MemoryRegion *mr, uint64_t addr, uint64_t value,
                             unsigned size)
{
    for (unsigned i = 0; mr->ioeventfds && i < mr->ioeventfds->len; i++) {
        MemoryRegionIoeventfd *fd =
            &g_array_index(mr->ioeventfds, MemoryRegionIoeventfd, i);

        if (fd->offset == addr && (!fd->size || fd->size == size) &&
            (!fd->match_data || fd->data == value)) {
            event_notifier_set(fd->notifier);
            return true;
        }
    }
    return false;
}

static bool io_access_valid(MemoryRegion *mr, uint64_t addr, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned valid_min = ops->valid_min ? ops->valid_min : 1;
    unsigned valid_max = ops->valid_max ? ops->valid_max : 4;

    if (size < valid_min || size > valid_max) {
        return false;
    }
    return ops->unaligned || (addr & (size - 1)) == 0;
}

/* The access size to use for the next chunk of a buffer access. */
static unsigned io_chunk_size(MemoryRegion *mr, uint64_t addr, uint64_t len)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned valid_max = ops->valid_max ? ops->valid_max : 4;
    unsigned size = 8;

    while (size > 1 && (size > len || size > valid_max ||
                        (!ops->unaligned && (addr & (size - 1))))) {
        size >>= 1;
    }
    return size;
}

static void io_rw(MemoryRegion *mr, uint64_t addr, uint8_t *buf, uint64_t len,
                  bool write)
{
    while (len) {
        unsigned size = io_chunk_size(mr, addr, len);
        uint64_t value = 0;

        if (!io_access_valid(mr, addr, size)) {
            log_mask_printf(LOG_GUEST_ERROR,
                            "invalid %u-byte access to %s at offset 0x%" PRIx64
                            "\n",
                            size, mr->name, addr);
            value = UINT64_MAX;
        } else {
            if (write) {
                for (unsigned i = 0; i < size; i++) {
                    value |= (uint64_t)buf[i] << (i * 8);
                }
            }
            if (!write || !io_write_eventfd(mr, addr, value, size)) {
                io_access_adjusted(mr, addr, &value, size, write);
            }
        }
        if (!write) {
            for (unsigned i = 0; i < size; i++) {
                buf[i] = value >> (i * 8);
            }
        }
        addr += size;
        buf += size;
        len -= size;
    }
}

typedef enum { ACCESS_READ, ACCESS_WRITE, ACCESS_WRITE_ROM } AccessKind;

static MemTxResult address_space_rw(AddressSpace *as, uint64_t addr,
                                    uint8_t *buf, uint64_t len, AccessKind kind)
{
    MemTxResult result = MEMTX_OK;

    while (len) {
        unsigned next_index;
        const FlatRange *fr = flatview_find(as->view, addr, &next_index);
        uint64_t chunk, offset;

        if (!fr) {
            /* Unmapped: up to the next mapped range, or the end. */
            GArray *ranges = as->view->ranges;
            const FlatRange *next =
                next_index < ranges->len
                    ? &g_array_index(ranges, FlatRange, next_index)
                    : NULL;

            chunk = next ? MIN(len, next->start - addr) : len;
            if (kind == ACCESS_READ) {
                memset(buf, 0xff, chunk);
            }
            log_mask_printf(
                LOG_IOPORT, "%s: unassigned %s 0x%" PRIx64 " len %" PRIu64 "\n",
                as->name, kind == ACCESS_READ ? "read" : "write", addr, chunk);
            result = MEMTX_DECODE_ERROR;
        } else {
            offset = fr->offset + (addr - fr->start);
            chunk = MIN(len, fr->size - (addr - fr->start));
            /*
             * A register access belongs whole to the device that decodes
             * its first byte, even where another region covers a later
             * byte (PCI's dword 0xCF8 over the reset register at 0xCF9).
             */
            if (fr->mr->kind == MR_IO && len <= 8 &&
                offset + len <= fr->mr->size) {
                chunk = len;
            }
            switch (fr->mr->kind) {
            case MR_RAM:
            case MR_ROM:
                if (kind == ACCESS_READ) {
                    memcpy(buf, (uint8_t *)fr->mr->ram + offset, chunk);
                } else if (fr->mr->kind == MR_ROM && fr->mr->ops &&
                           kind == ACCESS_WRITE) {
                    /* A ROM device: the guest's writes are commands. */
                    io_rw(fr->mr, offset, buf, chunk, true);
                } else if (fr->mr->kind == MR_RAM || kind == ACCESS_WRITE_ROM) {
                    memcpy((uint8_t *)fr->mr->ram + offset, buf, chunk);
                }
                break;
            case MR_IO:
                io_rw(fr->mr, offset, buf, chunk, kind != ACCESS_READ);
                break;
            default:
                g_assert_not_reached();
            }
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return result;
}

MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf,
                               uint64_t len)
{
    return address_space_rw(as, addr, buf, len, ACCESS_READ);
}

MemTxResult address_space_write(AddressSpace *as, uint64_t addr,
                                const void *buf, uint64_t len)
{
    return address_space_rw(as, addr, (uint8_t *)buf, len, ACCESS_WRITE);
}

MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr,
                                    const void *buf, uint64_t len)
{
    return address_space_rw(as, addr, (uint8_t *)buf, len, ACCESS_WRITE_ROM);
}

MemTxResult address_space_ld(AddressSpace *as, uint64_t addr, unsigned size,
                             uint64_t *value)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    uint8_t buf[8];
    MemTxResult r;

    /* The common case: one naturally sized access to one I/O region. */
    if (fr && fr->mr->kind == MR_IO &&
        fr->offset + (addr - fr->start) + size <= fr->mr->size) {
        uint64_t offset = fr->offset + (addr - fr->start);

        if (io_access_valid(fr->mr, offset, size)) {
            io_access_adjusted(fr->mr, offset, value, size, false);
            return MEMTX_OK;
        }
    }
    r = address_space_read(as, addr, buf, size);
    *value = 0;
    for (unsigned i = 0; i < size; i++) {
        *value |= (uint64_t)buf[i] << (i * 8);
    }
    return r;
}

MemTxResult address_space_st(AddressSpace *as, uint64_t addr, unsigned size,
                             uint64_t value)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    uint8_t buf[8];

    if (fr && fr->mr->kind == MR_IO &&
        fr->offset + (addr - fr->start) + size <= fr->mr->size) {
        uint64_t offset = fr->offset + (addr - fr->start);

        if (io_access_valid(fr->mr, offset, size)) {
            if (!io_write_eventfd(fr->mr, offset, value, size)) {
                io_access_adjusted(fr->mr, offset, &value, size, true);
            }
            return MEMTX_OK;
        }
    }
    for (unsigned i = 0; i < size; i++) {
        buf[i] = value >> (i * 8);
    }
    return address_space_write(as, addr, buf, size);
}

/* ---- introspection ---------------------------------------------------- */

static const char *kind_name(MemoryRegionKind kind)
{
    static const char *const names[] = {
        [MR_CONTAINER] = "container",
        [MR_RAM] = "ram",
        [MR_ROM] = "rom",
        [MR_IO] = "i/o",
        [MR_ALIAS] = "alias",
    };
    return names[kind];
}

void address_space_dump_flat(AddressSpace *as, GString *out)
{
    g_string_append_printf(out, "FlatView for %s:\n", as->name);
    for (unsigned i = 0; i < as->view->ranges->len; i++) {
        FlatRange *r = &g_array_index(as->view->ranges, FlatRange, i);

        g_string_append_printf(out, "  %016" PRIx64 "-%016" PRIx64 " (%s) %s",
                               r->start, r->start + r->size - 1,
                               kind_name(r->mr->kind), r->mr->name);
        if (r->offset) {
            g_string_append_printf(out, " @%016" PRIx64, r->offset);
        }
        g_string_append_c(out, '\n');
    }
}

static void dump_tree(MemoryRegion *mr, uint64_t base, int depth, GString *out)
{
    g_string_append_printf(
        out, "%*s%016" PRIx64 "-%016" PRIx64 " (prio %d, %s%s): %s", depth * 2,
        "", base, base + mr->size - 1, mr->priority, kind_name(mr->kind),
        mr->enabled ? "" : ", disabled", mr->name);
    if (mr->kind == MR_ALIAS) {
        g_string_append_printf(out, " @%s %016" PRIx64 "-%016" PRIx64,
                               mr->alias->name, mr->alias_offset,
                               mr->alias_offset + mr->size - 1);
    }
    g_string_append_c(out, '\n');
    for (unsigned i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);

        dump_tree(sub, base + sub->addr, depth + 1, out);
    }
}

void memory_region_dump_tree(MemoryRegion *mr, GString *out)
{
    dump_tree(mr, 0, 0, out);
}
