/*
 * How -smp arranges the vCPUs: packages (sockets) of cores of threads. The
 * machine keeps it; the CPU model derives APIC ids and CPUID leaves from it.
 */
#ifndef HW_CORE_CPU_TOPOLOGY_H
#define HW_CORE_CPU_TOPOLOGY_H

typedef struct CpuTopology {
    unsigned sockets, cores, threads;
} CpuTopology;

#endif
