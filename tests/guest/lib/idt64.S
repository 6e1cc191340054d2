/*
 * 64-bit IDT entry stubs, one per vector (all 256), as in idt32.S: the
 * error-code vectors skip the dummy push, all GPRs are saved so that
 * irq_dispatch() gets a struct irq_frame, and IRETQ returns (which, unlike
 * 32-bit IRET, the development hosts' emulating KVM accepts). The CPU
 * aligns RSP to 16 before pushing its 5-quadword frame, so after the
 * error code, vector and 15 registers RSP is 16-byte aligned at the call.
 */
    .altmacro

    .section .rodata
    .align 8
    .globl irq_stub_table
irq_stub_table:

    .text
    .code64

.macro irq_stub vector
    .section .rodata
    .quad 1f
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
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi              /* struct irq_frame * */
    call irq_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp               /* vector and error code */
    iretq
