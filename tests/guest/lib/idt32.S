/*
 * 32-bit IDT entry stubs: one per vector (all 256), so that every
 * exception or interrupt, expected or not, reaches irq_dispatch() with its
 * vector number. Vectors where the CPU pushes an error code (8, 10-14, 17,
 * 21, 29, 30; Intel SDM vol. 3 table 6-1) skip the dummy push so every
 * frame looks the same. irq_stub_table[v] is the address of the stub for v.
 *
 * Returning uses POPF + STI + far RET instead of IRET: the development
 * hosts' emulating KVM (kvm_pvm) refuses IRET in 32-bit protected mode
 * (KVM_EXIT_INTERNAL_ERROR, emulation failure), and 32-bit paging cannot
 * be enabled there, so no 32-bit guest can IRET. For a same-privilege
 * return from a handler that ran with IF=0 the sequence below is
 * equivalent (NMI unblocking aside, and these guests take no NMIs): flags
 * come back with IF still clear, STI sets IF with its one-instruction
 * shadow so no interrupt nests before the far return, and "lret $4"
 * pops EIP and CS and drops the EFLAGS slot.
 */
    .altmacro

    .section .rodata
    .align 4
    .globl irq_stub_table
irq_stub_table:

    .text
    .code32

.macro irq_stub vector
    .section .rodata
    .long 1f
    .text
1:
    .if (\vector == 8) || ((\vector >= 10) && (\vector <= 14)) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    push $0
    .endif
    push $\vector
    jmp irq_common
.endm

    .set vector, 0
    .rept 256
    irq_stub %vector
    .set vector, vector + 1
    .endr

irq_common:
    pusha
    cld
    push %esp                   /* struct irq_frame * */
    call irq_dispatch
    add $4, %esp
    popa
    add $8, %esp                /* vector and error code */
    /* Now (%esp) = EIP, 4(%esp) = CS, 8(%esp) = EFLAGS. */
    btrl $9, 8(%esp)            /* CF = interrupted code's IF; clear it */
    jnc 1f
    pushl 8(%esp)
    popfl
    sti
    lret $4
1:  pushl 8(%esp)
    popfl
    lret $4
