/*
 * The KVM accelerator: the VM file descriptor, guest memory slots fed by the
 * memory API, interrupt routing, and one thread per vCPU running KVM_RUN.
 *
 * Exits that need a device (port I/O, MMIO) are dispatched through the
 * address spaces with the BQL held. Errors the guest cannot recover from
 * (emulation failure, failed entry, triple fault) are reported with RIP and
 * the instruction bytes, never left to hang.
 *
 * Follows the KVM API documentation (Documentation/virt/kvm/api.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel/kvm.h"
#include "accel/accel.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "target/i386/cpu.h"
#include "util/error.h"
#include "util/log.h"

#define SIG_KICK SIGUSR1

KVMState *kvm_state;
static KVMVCPU *vcpus;
static unsigned vcpu_count;
static GCond vcpu_state_cond; /* a vCPU stopped, or the VM was resumed */

/* ---- ioctl helpers ---------------------------------------------------- */

static int ioctl_retry(int fd, unsigned long request, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : ret;
}

int kvm_ioctl(int request, void *arg)
{
    return ioctl_retry(kvm_state->fd, request, arg);
}

int kvm_vm_ioctl(unsigned long request, void *arg)
{
    return ioctl_retry(kvm_state->vm_fd, request, arg);
}

int kvm_vcpu_ioctl(KVMVCPU *vcpu, unsigned long request, void *arg)
{
    return ioctl_retry(vcpu->fd, request, arg);
}

static int kvm_check_extension(int cap)
{
    int ret = ioctl(kvm_state->vm_fd, KVM_CHECK_EXTENSION, cap);

    return ret < 0 ? 0 : ret;
}

bool kvm_has_msr(uint32_t index)
{
    struct kvm_msr_list *list = kvm_state->msr_list;

    for (unsigned i = 0; list && i < list->nmsrs; i++) {
        if (list->indices[i] == index) {
            return true;
        }
    }
    return false;
}

/* ---- memory slots ----------------------------------------------------- */

#define KVM_PAGE_SIZE 4096ull

typedef struct KVMSlot {
    bool used;
    uint64_t start, size;
    void *host;
} KVMSlot;

static GArray *slots; /* KVMSlot, index = slot number */

static int slot_set(unsigned index, uint64_t start, uint64_t size, void *host,
                    bool readonly)
{
    struct kvm_userspace_memory_region region = {
        .slot = index,
        .flags = readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = start,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };

    return kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION, &region);
}

/* The page-aligned part of a RAM/ROM range; the rest stays on MMIO exits. */
static bool slot_range(const FlatRange *fr, uint64_t *start, uint64_t *size,
                       void **host)
{
    uint64_t begin = (fr->start + KVM_PAGE_SIZE - 1) & ~(KVM_PAGE_SIZE - 1);
    uint64_t end = (fr->start + fr->size) & ~(KVM_PAGE_SIZE - 1);

    if (fr->mr->kind != MR_RAM && fr->mr->kind != MR_ROM) {
        return false;
    }
    if (fr->mr->kind == MR_ROM && !kvm_state->readonly_mem) {
        return false; /* without read-only slots ROM is emulated on exits */
    }
    if (end <= begin) {
        return false;
    }
    *start = begin;
    *size = end - begin;
    *host = (uint8_t *)fr->mr->ram + fr->offset + (begin - fr->start);
    return true;
}

static void kvm_region_add(MemoryListener *l, const FlatRange *fr)
{
    uint64_t start, size;
    void *host;
    unsigned index;
    KVMSlot *slot;
    int ret;

    if (!slot_range(fr, &start, &size, &host)) {
        return;
    }
    for (index = 0; index < slots->len; index++) {
        if (!g_array_index(slots, KVMSlot, index).used) {
            break;
        }
    }
    if (index == slots->len) {
        g_array_set_size(slots, index + 1);
    }
    slot = &g_array_index(slots, KVMSlot, index);
    ret = slot_set(index, start, size, host, fr->mr->kind == MR_ROM);
    if (ret < 0) {
        error_report("KVM: cannot map %s at 0x%" PRIx64 "+0x%" PRIx64 ": %s",
                     fr->mr->name, start, size, g_strerror(-ret));
        abort();
    }
    slot->used = true;
    slot->start = start;
    slot->size = size;
    slot->host = host;
    log_mask_printf(LOG_KVM, "kvm: slot %u = %s 0x%" PRIx64 "+0x%" PRIx64 "\n",
                    index, fr->mr->name, start, size);
}

static void kvm_region_del(MemoryListener *l, const FlatRange *fr)
{
    uint64_t start, size;
    void *host;

    if (!slot_range(fr, &start, &size, &host)) {
        return;
    }
    for (unsigned i = 0; i < slots->len; i++) {
        KVMSlot *slot = &g_array_index(slots, KVMSlot, i);

        if (slot->used && slot->start == start && slot->size == size) {
            slot_set(i, start, 0, host, false);
            slot->used = false;
            return;
        }
    }
}

static void kvm_eventfd_update(AddressSpace *as,
                               const MemoryRegionIoeventfd *fd, bool assign)
{
    int ret = kvm_set_ioeventfd(event_notifier_get_fd(fd->notifier), fd->offset,
                                fd->size, as == &address_space_io,
                                fd->match_data, fd->data, assign);

    if (ret < 0) {
        /* Without it, the write reaches the memory API, which signals. */
        log_mask_printf(LOG_KVM, "kvm: ioeventfd at 0x%" PRIx64 ": %s\n",
                        fd->offset, g_strerror(-ret));
    }
}

static void kvm_eventfd_add(MemoryListener *l, AddressSpace *as,
                            const MemoryRegionIoeventfd *fd)
{
    kvm_eventfd_update(as, fd, true);
}

static void kvm_eventfd_del(MemoryListener *l, AddressSpace *as,
                            const MemoryRegionIoeventfd *fd)
{
    kvm_eventfd_update(as, fd, false);
}

/* ---- coalesced I/O ---------------------------------------------------- */

/*
 * Writes to a coalesced zone do not leave the guest: the kernel appends
 * them to a ring shared by all vCPUs (a page of each vCPU's mapping). Every
 * return from KVM_RUN delivers what the ring holds before anything else,
 * with the BQL, so a device receives the queued writes in guest order and
 * ahead of the access that comes back to it (or the pause that stops the
 * vCPUs). A full ring makes the kernel take an ordinary exit.
 */
#define COALESCED_RING_MAX                                                     \
    ((KVM_PAGE_SIZE - sizeof(struct kvm_coalesced_mmio_ring)) /                \
     sizeof(struct kvm_coalesced_mmio))

static void kvm_coalesced_flush(void)
{
    static bool flushing;
    struct kvm_coalesced_mmio_ring *ring = kvm_state->coalesced_ring;
    uint32_t first;

    if (!ring || flushing) {
        return;
    }
    flushing = true;
    first = ring->first;
    while (first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
        struct kvm_coalesced_mmio *entry = &ring->coalesced_mmio[first];

        address_space_write(entry->pio ? &address_space_io
                                       : &address_space_memory,
                            entry->phys_addr, entry->data,
                            MIN(entry->len, sizeof(entry->data)));
        first = (first + 1) % COALESCED_RING_MAX;
        __atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
    }
    flushing = false;
}

/* Registers or drops the zones of fr's region that fr shows. */
static void kvm_coalesced_update(const FlatRange *fr, bool pio, bool assign)
{
    GArray *ranges = fr->mr->coalesced;

    if (fr->mr->kind != MR_IO || !ranges || !kvm_state->coalesced_page ||
        (pio && !kvm_state->coalesced_pio)) {
        return;
    }
    if (!assign) {
        /* Queued writes go to the region while it is still there. */
        kvm_coalesced_flush();
    }
    for (unsigned i = 0; i < ranges->len; i++) {
        MemoryRegionCoalesced *c =
            &g_array_index(ranges, MemoryRegionCoalesced, i);
        uint64_t begin = MAX(c->offset, fr->offset);
        uint64_t end = MIN(c->offset + c->size, fr->offset + fr->size);
        struct kvm_coalesced_mmio_zone zone = {
            .addr = fr->start + (begin - fr->offset),
            .size = end - begin,
            .pio = pio,
        };
        int ret;

        if (begin >= end) {
            continue;
        }
        ret = kvm_vm_ioctl(assign ? KVM_REGISTER_COALESCED_MMIO
                                  : KVM_UNREGISTER_COALESCED_MMIO,
                           &zone);
        if (ret < 0) {
            /* Without the zone the writes take ordinary exits. */
            log_mask_printf(LOG_KVM,
                            "kvm: coalesced %s zone 0x%" PRIx64 "+0x%x: %s\n",
                            pio ? "pio" : "mmio", (uint64_t)zone.addr,
                            zone.size, g_strerror(-ret));
        }
    }
}

static void kvm_memory_region_add(MemoryListener *l, const FlatRange *fr)
{
    kvm_region_add(l, fr);
    kvm_coalesced_update(fr, false, true);
}

static void kvm_memory_region_del(MemoryListener *l, const FlatRange *fr)
{
    kvm_coalesced_update(fr, false, false);
    kvm_region_del(l, fr);
}

static void kvm_io_region_add(MemoryListener *l, const FlatRange *fr)
{
    kvm_coalesced_update(fr, true, true);
}

static void kvm_io_region_del(MemoryListener *l, const FlatRange *fr)
{
    kvm_coalesced_update(fr, true, false);
}

static MemoryListener kvm_memory_listener = {
    .region_add = kvm_memory_region_add,
    .region_del = kvm_memory_region_del,
    .eventfd_add = kvm_eventfd_add,
    .eventfd_del = kvm_eventfd_del,
};

static MemoryListener kvm_io_listener = {
    .region_add = kvm_io_region_add,
    .region_del = kvm_io_region_del,
    .eventfd_add = kvm_eventfd_add,
    .eventfd_del = kvm_eventfd_del,
};

/* ---- interrupts ------------------------------------------------------- */

static struct kvm_irq_routing *routing;
static unsigned routing_capacity;
/* GSIs the kernel routes (KVM_CAP_IRQ_ROUTING's answer). */
static unsigned routing_max_gsi;

static void routing_add(const struct kvm_irq_routing_entry *entry)
{
    if (!routing || routing->nr == routing_capacity) {
        routing_capacity = routing_capacity ? routing_capacity * 2 : 64;
        routing = g_realloc(routing,
                            sizeof(*routing) +
                                routing_capacity * sizeof(routing->entries[0]));
        if (routing_capacity == 64) {
            routing->nr = 0;
            routing->flags = 0;
        }
    }
    routing->entries[routing->nr++] = *entry;
}

static void routing_add_irqchip(unsigned gsi, unsigned chip, unsigned pin)
{
    struct kvm_irq_routing_entry e = {
        .gsi = gsi,
        .type = KVM_IRQ_ROUTING_IRQCHIP,
        .u.irqchip = {.irqchip = chip, .pin = pin},
    };

    routing_add(&e);
}

static int routing_commit(void)
{
    return kvm_vm_ioctl(KVM_SET_GSI_ROUTING, routing);
}

static bool routing_gsi_used(unsigned gsi)
{
    for (unsigned i = 0; routing && i < routing->nr; i++) {
        if (routing->entries[i].gsi == gsi) {
            return true;
        }
    }
    return false;
}

/*
 * The lowest GSI above the board's that no route uses: a device that
 * re-routes its vectors again and again (every MSI-X unmask) releases
 * and takes GSIs back, so a long-running guest never runs out of them.
 */
int kvm_irqchip_add_msi_route(uint64_t address, uint32_t data)
{
    struct kvm_irq_routing_entry e = {
        .gsi = MACHINE_GSI_COUNT,
        .type = KVM_IRQ_ROUTING_MSI,
        .u.msi = {.address_lo = (uint32_t)address,
                  .address_hi = address >> 32,
                  .data = data},
    };
    int ret;

    while (routing_gsi_used(e.gsi)) {
        e.gsi++;
    }
    if (e.gsi >= routing_max_gsi) {
        return -ENOSPC;
    }
    routing_add(&e);
    ret = routing_commit();
    if (ret < 0) {
        /* The kernel refused the table: the entry must not stay in it. */
        routing->nr--;
        return ret;
    }
    return (int)e.gsi;
}

void kvm_irqchip_release_route(int gsi)
{
    for (unsigned i = 0; i < routing->nr; i++) {
        if (routing->entries[i].gsi == (unsigned)gsi &&
            routing->entries[i].type == KVM_IRQ_ROUTING_MSI) {
            routing->entries[i] = routing->entries[--routing->nr];
            routing_commit();
            return;
        }
    }
}

/*
 * ISA IRQs 0-15 go to both 8259s and the IOAPIC; IRQ0 (the PIT) arrives at
 * IOAPIC pin 2, as the MP table's interrupt source override says. GSIs 16-23
 * are IOAPIC-only (PCI).
 */
static int routing_init_pc(void)
{
    for (unsigned i = 0; i < 16; i++) {
        if (i == 2) {
            continue;
        }
        routing_add_irqchip(
            i, i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, i % 8);
    }
    for (unsigned i = 0; i < MACHINE_GSI_COUNT; i++) {
        if (i == 0) {
            routing_add_irqchip(0, KVM_IRQCHIP_IOAPIC, 2);
        } else if (i != 2) {
            routing_add_irqchip(i, KVM_IRQCHIP_IOAPIC, i);
        }
    }
    return routing_commit();
}

static void kvm_gsi_set(void *opaque, int gsi, int level)
{
    struct kvm_irq_level irq = {.irq = gsi, .level = level};

    kvm_vm_ioctl(KVM_IRQ_LINE, &irq);
}

static bool kvm_irqchip_create(MachineState *ms, GError **errp)
{
    int ret;

    if (!kvm_arch_irqchip_create(kvm_state, errp)) {
        return false;
    }
    ret = routing_init_pc();
    if (ret < 0) {
        return error_setg(errp, "KVM: cannot set GSI routing: %s",
                          g_strerror(-ret));
    }
    for (int i = 0; i < MACHINE_GSI_COUNT; i++) {
        ms->gsi[i] = irq_new(kvm_gsi_set, NULL, i);
    }
    return true;
}

static void kvm_send_msi(uint64_t address, uint32_t data)
{
    struct kvm_msi msi = {
        .address_lo = (uint32_t)address,
        .address_hi = address >> 32,
        .data = data,
    };
    int ret = kvm_vm_ioctl(KVM_SIGNAL_MSI, &msi);

    if (ret < 0) {
        log_mask_printf(LOG_GUEST_ERROR, "kvm: MSI 0x%" PRIx64 "/0x%x: %s\n",
                        address, data, g_strerror(-ret));
    }
}

int kvm_set_ioeventfd(int fd, uint64_t addr, unsigned size, bool pio,
                      bool datamatch, uint64_t data, bool assign)
{
    struct kvm_ioeventfd ioev = {
        .datamatch = datamatch ? data : 0,
        .addr = addr,
        .len = size,
        .fd = fd,
        .flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
                 (datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
                 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };

    return kvm_vm_ioctl(KVM_IOEVENTFD, &ioev);
}

int kvm_set_irqfd(int fd, int resample_fd, unsigned gsi, bool assign)
{
    struct kvm_irqfd irqfd = {
        .fd = fd,
        .gsi = gsi,
        .flags = (assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN) |
                 (resample_fd >= 0 ? KVM_IRQFD_FLAG_RESAMPLE : 0),
        .resamplefd = resample_fd >= 0 ? resample_fd : 0,
    };

    return kvm_vm_ioctl(KVM_IRQFD, &irqfd);
}

/* ---- VM --------------------------------------------------------------- */

static bool kvm_init(MachineState *ms, GError **errp)
{
    KVMState *s = g_new0(KVMState, 1);
    int ret, nent = 256;

    s->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        error_setg(errp, "Could not access KVM kernel module: %s",
                   g_strerror(errno));
        g_free(s);
        return false;
    }
    kvm_state = s;
    s->machine = ms;
    if (ioctl(s->fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        return error_setg(errp, "KVM: unsupported API version");
    }
    do {
        s->vm_fd = ioctl(s->fd, KVM_CREATE_VM, 0);
    } while (s->vm_fd < 0 && errno == EINTR);
    if (s->vm_fd < 0) {
        return error_setg(errp, "KVM: cannot create VM: %s", g_strerror(errno));
    }
    if (!kvm_check_extension(KVM_CAP_IRQCHIP) ||
        !kvm_check_extension(KVM_CAP_USER_MEMORY) ||
        !kvm_check_extension(KVM_CAP_IRQ_ROUTING) ||
        !kvm_check_extension(KVM_CAP_IMMEDIATE_EXIT)) {
        return error_setg(
            errp, "KVM: the kernel lacks a required capability "
                  "(irqchip, user memory, irq routing, immediate exit)");
    }
    routing_max_gsi = (unsigned)kvm_check_extension(KVM_CAP_IRQ_ROUTING);
    s->readonly_mem = kvm_check_extension(KVM_CAP_READONLY_MEM);
    s->max_vcpus = kvm_check_extension(KVM_CAP_MAX_VCPUS);
    if (!s->max_vcpus) {
        s->max_vcpus = kvm_check_extension(KVM_CAP_NR_VCPUS);
    }
    if (ms->smp_cpus > (unsigned)s->max_vcpus) {
        return error_setg(errp,
                          "Number of SMP cpus requested (%u) exceeds "
                          "the maximum cpus supported by KVM (%d)",
                          ms->smp_cpus, s->max_vcpus);
    }
    s->vcpu_mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    /* Zones only if the ring that holds their writes can be mapped. */
    s->coalesced_page = kvm_check_extension(KVM_CAP_COALESCED_MMIO);
    if ((s->coalesced_page + 1) * KVM_PAGE_SIZE > (uint64_t)s->vcpu_mmap_size) {
        s->coalesced_page = 0;
    }
    s->coalesced_pio =
        s->coalesced_page && kvm_check_extension(KVM_CAP_COALESCED_PIO) > 0;
    /* Where VMX keeps its real-mode TSS and identity page table. */
    ret = kvm_vm_ioctl(KVM_SET_TSS_ADDR, (void *)0xfffbd000ul);
    if (ret == 0) {
        uint64_t identity = 0xfeffc000;

        kvm_vm_ioctl(KVM_SET_IDENTITY_MAP_ADDR, &identity);
    }
    for (;;) {
        s->supported_cpuid = g_malloc0(sizeof(struct kvm_cpuid2) +
                                       nent * sizeof(struct kvm_cpuid_entry2));
        s->supported_cpuid->nent = nent;
        ret = kvm_ioctl(KVM_GET_SUPPORTED_CPUID, s->supported_cpuid);
        if (ret != -E2BIG) {
            break;
        }
        g_free(s->supported_cpuid);
        nent *= 2;
    }
    if (ret < 0) {
        return error_setg(errp, "KVM: cannot read supported CPUID: %s",
                          g_strerror(-ret));
    }
    {
        struct kvm_msr_list probe = {.nmsrs = 0};

        ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe);
        s->msr_list = g_malloc0(sizeof(probe) + probe.nmsrs * sizeof(uint32_t));
        s->msr_list->nmsrs = probe.nmsrs;
        if (kvm_ioctl(KVM_GET_MSR_INDEX_LIST, s->msr_list) < 0) {
            s->msr_list->nmsrs = 0;
        }
    }
    slots = g_array_new(false, true, sizeof(KVMSlot));
    memory_listener_register(&address_space_memory, &kvm_memory_listener);
    memory_listener_register(&address_space_io, &kvm_io_listener);
    return true;
}

/* ---- vCPUs ------------------------------------------------------------ */

static void kick_handler(int sig)
{
    /* Only interrupts KVM_RUN; immediate_exit tells it not to re-enter. */
}

static void vcpu_kick(KVMVCPU *vcpu)
{
    if (vcpu->run) {
        vcpu->run->immediate_exit = 1;
    }
    if (vcpu->created) {
        pthread_kill(vcpu->tid, SIG_KICK);
    }
}

static void report_guest_failure(KVMVCPU *vcpu, const char *what,
                                 const uint8_t *insn, unsigned insn_len)
{
    g_autoptr(GString) dump = g_string_new(NULL);
    g_autoptr(GString) bytes = g_string_new(NULL);
    uint8_t code[16];
    uint64_t rip = 0;
    int64_t phys = kvm_arch_rip_physical(vcpu, &rip);

    if (!insn && phys >= 0 &&
        address_space_read(&address_space_memory, phys, code, sizeof(code)) ==
            MEMTX_OK) {
        insn = code;
        insn_len = sizeof(code);
    }
    for (unsigned i = 0; insn && i < insn_len; i++) {
        g_string_append_printf(bytes, "%s%02x", i ? " " : "", insn[i]);
    }
    error_report("vCPU %d: %s at RIP=0x%" PRIx64 " (physical 0x%" PRIx64
                 "), code: %s",
                 vcpu->cpu->index, what, rip, phys,
                 bytes->len ? bytes->str : "unavailable");
    kvm_arch_dump_state(vcpu, dump);
    fprintf(stderr, "%s", dump->str);
}

/* Handles one exit with the BQL held. Returns false to stop the vCPU. */
static bool vcpu_handle_exit(KVMVCPU *vcpu)
{
    struct kvm_run *run = vcpu->run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        uint8_t *data = (uint8_t *)run + run->io.data_offset;

        for (unsigned i = 0; i < run->io.count; i++) {
            if (run->io.direction == KVM_EXIT_IO_OUT) {
                address_space_write(&address_space_io, run->io.port, data,
                                    run->io.size);
            } else {
                address_space_read(&address_space_io, run->io.port, data,
                                   run->io.size);
            }
            data += run->io.size;
        }
        return true;
    }
    case KVM_EXIT_MMIO:
        if (run->mmio.is_write) {
            address_space_write(&address_space_memory, run->mmio.phys_addr,
                                run->mmio.data, run->mmio.len);
        } else {
            address_space_read(&address_space_memory, run->mmio.phys_addr,
                               run->mmio.data, run->mmio.len);
        }
        return true;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_HLT:
        /* With the in-kernel LAPIC this only happens when HLT can't wake. */
        report_guest_failure(vcpu, "halted with interrupts disabled", NULL, 0);
        system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
        return false;
    case KVM_EXIT_SHUTDOWN:
        report_guest_failure(vcpu, "triple fault (shutdown), resetting", NULL,
                             0);
        system_reset_request(RESET_CAUSE_GUEST);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run->system_event.type) {
        case KVM_SYSTEM_EVENT_RESET:
            system_reset_request(RESET_CAUSE_GUEST);
            break;
        case KVM_SYSTEM_EVENT_SHUTDOWN:
            system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
            break;
        default:
            system_shutdown_request(SHUTDOWN_CAUSE_GUEST_PANIC);
            break;
        }
        return false;
    case KVM_EXIT_INTERNAL_ERROR: {
        g_autofree char *what = g_strdup_printf(
            "KVM internal error, suberror %u%s", run->internal.suberror,
            run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
                ? " (emulation failure)"
                : "");
        const uint8_t *insn = NULL;
        unsigned len = 0;

#ifdef KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES
        if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
            (run->emulation_failure.flags &
             KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
            insn = run->emulation_failure.insn_bytes;
            len = run->emulation_failure.insn_size;
        }
#endif
        report_guest_failure(vcpu, what, insn, len);
        runstate_set(RUN_STATE_INTERNAL_ERROR);
        system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
        return false;
    }
    case KVM_EXIT_FAIL_ENTRY: {
        g_autofree char *what = g_strdup_printf(
            "KVM failed to enter the guest (hardware reason 0x%llx)",
            (unsigned long long)run->fail_entry.hardware_entry_failure_reason);

        report_guest_failure(vcpu, what, NULL, 0);
        runstate_set(RUN_STATE_INTERNAL_ERROR);
        system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
        return false;
    }
    default: {
        g_autofree char *what =
            g_strdup_printf("unhandled KVM exit %u", run->exit_reason);

        report_guest_failure(vcpu, what, NULL, 0);
        system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
        return false;
    }
    }
}

/* Parks the vCPU (BQL held) until the VM runs and nobody asks it to stop. */
static void vcpu_wait_runnable(KVMVCPU *vcpu)
{
    while (vcpu->stop || !runstate_is_running() || system_request_pending()) {
        if (!vcpu->stopped) {
            vcpu->stopped = true;
            g_cond_broadcast(&vcpu_state_cond);
        }
        bql_cond_wait(&vcpu_state_cond);
    }
    vcpu->stopped = false;
}

static gpointer vcpu_thread(gpointer opaque)
{
    KVMVCPU *vcpu = opaque;
    sigset_t set;
    int ret;

    sigemptyset(&set);
    sigaddset(&set, SIG_KICK);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    bql_lock();
    vcpu->tid = pthread_self();
    vcpu->thread_id = gettid();
    vcpu->created = true;
    for (;;) {
        vcpu_wait_runnable(vcpu);
        if (vcpu->cpu->state_dirty) {
            ret = kvm_arch_put_state(vcpu);
            if (ret < 0) {
                error_report("vCPU %d: cannot set state: %s", vcpu->cpu->index,
                             g_strerror(-ret));
                system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
                vcpu->stop = true;
                continue;
            }
            vcpu->cpu->state_dirty = false;
        }
        bql_unlock();
        ret = ioctl(vcpu->fd, KVM_RUN, 0);
        bql_lock();
        kvm_coalesced_flush();
        if (ret < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                vcpu->run->immediate_exit = 0;
                continue;
            }
            error_report("vCPU %d: KVM_RUN failed: %s", vcpu->cpu->index,
                         g_strerror(errno));
            system_shutdown_request(SHUTDOWN_CAUSE_HOST_ERROR);
            vcpu->stop = true;
            continue;
        }
        if (!vcpu_handle_exit(vcpu)) {
            /* Wait for the main loop to reset or end the machine. */
            vcpu->stop = true;
        }
    }
    return NULL;
}

static bool kvm_vcpus_create(MachineState *ms, GError **errp)
{
    struct sigaction sa = {.sa_handler = kick_handler};
    sigset_t set;

    sigaction(SIG_KICK, &sa, NULL);
    /* Only vCPU threads take the kick signal. */
    sigemptyset(&set);
    sigaddset(&set, SIG_KICK);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    vcpu_count = ms->smp_cpus;
    vcpus = g_new0(KVMVCPU, vcpu_count);
    for (unsigned i = 0; i < vcpu_count; i++) {
        KVMVCPU *vcpu = &vcpus[i];
        int fd;

        vcpu->cpu = ms->cpus[i];
        vcpu->cpu->accel = vcpu;
        vcpu->stop = true;
        fd = ioctl(kvm_state->vm_fd, KVM_CREATE_VCPU, vcpu->cpu->apic_id);
        if (fd < 0) {
            return error_setg(errp, "KVM: cannot create vCPU %u: %s", i,
                              g_strerror(errno));
        }
        vcpu->fd = fd;
        vcpu->run = mmap(NULL, kvm_state->vcpu_mmap_size,
                         PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (vcpu->run == MAP_FAILED) {
            return error_setg(errp, "KVM: cannot map vCPU %u: %s", i,
                              g_strerror(errno));
        }
        if (!kvm_arch_vcpu_init(vcpu, errp)) {
            return false;
        }
    }
    /* The ring sits in every vCPU's run area; none without a vCPU. */
    if (kvm_state->coalesced_page && vcpu_count) {
        kvm_state->coalesced_ring =
            (void *)((uint8_t *)vcpus[0].run +
                     kvm_state->coalesced_page * KVM_PAGE_SIZE);
    }
    for (unsigned i = 0; i < vcpu_count; i++) {
        g_autofree char *name = g_strdup_printf("CPU %u/KVM", i);

        vcpus[i].thread = g_thread_new(name, vcpu_thread, &vcpus[i]);
    }
    /* Wait until every thread is parked, so kicks reach a known thread. */
    for (unsigned i = 0; i < vcpu_count; i++) {
        while (!vcpus[i].stopped) {
            bql_cond_wait(&vcpu_state_cond);
        }
    }
    return true;
}

static void kvm_vcpus_pause(void)
{
    for (unsigned i = 0; i < vcpu_count; i++) {
        vcpus[i].stop = true;
        vcpu_kick(&vcpus[i]);
    }
    for (unsigned i = 0; i < vcpu_count; i++) {
        while (!vcpus[i].stopped) {
            bql_cond_wait(&vcpu_state_cond);
            /* A vCPU may be waiting in KVM_RUN for SIPI: kick again. */
            if (!vcpus[i].stopped) {
                vcpu_kick(&vcpus[i]);
            }
        }
    }
}

static void kvm_vcpus_resume(void)
{
    for (unsigned i = 0; i < vcpu_count; i++) {
        vcpus[i].stop = false;
        if (vcpus[i].run) {
            vcpus[i].run->immediate_exit = 0;
        }
    }
    g_cond_broadcast(&vcpu_state_cond);
}

static void kvm_reset(MachineState *ms)
{
    kvm_arch_irqchip_reset(kvm_state);
}

static bool kvm_irqfd_op(EventNotifier *notifier, int gsi, bool assign,
                         GError **errp)
{
    int ret = kvm_set_irqfd(event_notifier_get_fd(notifier), -1, gsi, assign);

    if (ret < 0) {
        return error_setg(errp, "KVM: cannot %s irqfd for GSI %d: %s",
                          assign ? "assign" : "release", gsi, g_strerror(-ret));
    }
    return true;
}

static CPUIDEntry *kvm_supported_cpuid(unsigned *count)
{
    struct kvm_cpuid2 *sup = kvm_state->supported_cpuid;
    CPUIDEntry *entries = g_new0(CPUIDEntry, sup->nent);

    for (unsigned i = 0; i < sup->nent; i++) {
        struct kvm_cpuid_entry2 *k = &sup->entries[i];

        entries[i] = (CPUIDEntry){
            .function = k->function,
            .index = k->index,
            .index_significant = k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
            .eax = k->eax,
            .ebx = k->ebx,
            .ecx = k->ecx,
            .edx = k->edx,
        };
    }
    *count = sup->nent;
    return entries;
}

static void kvm_vcpu_sync_state(X86CPU *cpu)
{
    /* A dirty env (reset, boot entry) is newer than what KVM holds. */
    if (cpu->accel && !cpu->state_dirty) {
        kvm_arch_get_registers(cpu->accel);
    }
}

static int kvm_vcpu_thread_id(X86CPU *cpu)
{
    KVMVCPU *vcpu = cpu->accel;

    return vcpu && vcpu->created ? vcpu->thread_id : -1;
}

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .machine =
        {
            .supported_cpuid = kvm_supported_cpuid,
            .irqchip_create = kvm_irqchip_create,
            .send_msi = kvm_send_msi,
            .msi_route_add = kvm_irqchip_add_msi_route,
            .msi_route_release = kvm_irqchip_release_route,
            .irqfd_set = kvm_irqfd_op,
            .pit_set_reinject = kvm_arch_pit_set_reinject,
        },
    .init = kvm_init,
    .vcpus_create = kvm_vcpus_create,
    .vcpus_pause = kvm_vcpus_pause,
    .vcpus_resume = kvm_vcpus_resume,
    .reset = kvm_reset,
    .vcpu_sync_state = kvm_vcpu_sync_state,
    .vcpu_thread_id = kvm_vcpu_thread_id,
};

static void __attribute__((constructor)) kvm_register(void)
{
    accel_register(&kvm_accel_ops);
}
