/*
 * AP start-up code for the smp guest. ap_trampoline_start..end is copied
 * by the BSP to a 4 KiB-aligned page below 1 MiB; a STARTUP IPI with
 * vector V starts the AP in real mode at CS = V << 8, IP = 0. The blob
 * loads the guest's flat GDT (whose descriptor it carries, with the
 * GDT's absolute address), sets CR0.PE and far-jumps to ap_entry32 in the
 * kernel image. There each AP takes a stack by atomically incrementing
 * ap_started (lock xadd) and calls ap_main(index).
 */
#define AP_STACK_SIZE 4096
#define AP_MAX 8

    .section .rodata
    .code16
    .globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_gdt_descriptor - ap_trampoline_start
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $ap_entry32
    .align 4
    .word 0
ap_gdt_descriptor:
    .word gdt_limit
    .long gdt
ap_trampoline_end:

    .text
    .code32
ap_entry32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $1, %eax
    lock xadd %eax, ap_started
    cmp $AP_MAX, %eax
    jae 2f                      /* no stack left: park */
    lea 1(%eax), %ecx
    shl $12, %ecx               /* * AP_STACK_SIZE */
    add $ap_stacks, %ecx
    mov %ecx, %esp
    push %eax
    call ap_main
2:  cli
    hlt
    jmp 2b

    .data
    .align 4
    .globl ap_started
ap_started:
    .long 0

    .bss
    .align 16
ap_stacks:
    .skip AP_STACK_SIZE * AP_MAX
