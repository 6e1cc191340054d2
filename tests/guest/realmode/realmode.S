/*
 * realmode: a 64 KiB flat firmware image for -bios. The CPU starts at
 * F000:FFF0 with CS.base = 0xFFFF0000, i.e. it fetches the reset vector
 * through the mapping just below 4 GiB; the far jump there reloads CS with
 * 0xF000 and continues through the alias of the image at 0xF0000. So
 * reaching the first message proves both mappings. The guest then checks
 * that CR0.PE is clear, that low RAM is read/write (the stack at 0:7000 and
 * a pattern test at 0:0500), prints the result and leaves through
 * isa-debug-exit with 0x21 (process status 67).
 *
 * Everything is real-mode code: there is no RAM content to rely on, so no
 * IVT, no BDA and interrupts stay disabled.
 */

#define COM1_THR 0x3f8
#define COM1_LSR 0x3fd
#define LSR_THRE 0x20
#define DEBUG_EXIT_PORT 0xf4
#define EXIT_OK 0x21
#define EXIT_FAIL_MODE 0x44
#define EXIT_FAIL_RAM 0x42

    .code16
    .section .text, "ax"
    .globl start
start:
    cli
    cld
    mov %edx, %ebp          /* EDX holds the CPU signature after reset */
    xor %ax, %ax
    mov %ax, %ss
    mov $0x7000, %sp
    mov %cs, %ax
    mov %ax, %ds            /* strings live in the image itself */

    mov $msg_hello, %si
    call puts

    mov $msg_cs, %si
    call puts
    mov %cs, %ax
    call puthex16
    mov $msg_edx, %si
    call puts
    mov %ebp, %eax
    shr $16, %eax
    call puthex16
    mov %bp, %ax
    call puthex16
    mov $msg_newline, %si
    call puts

    /* Still in real mode? (SMSW works at any privilege and in any mode.) */
    smsw %ax
    test $1, %ax
    jz 1f
    mov $msg_fail_pe, %si
    call puts
    mov $EXIT_FAIL_MODE, %eax
    jmp exit
1:
    /* Pattern test on 256 bytes of conventional memory at 0:0500. */
    xor %ax, %ax
    mov %ax, %es
    mov $0x500, %di
    mov $128, %cx
    mov $0x55aa, %ax
2:  mov %ax, %es:(%di)
    add $2, %di
    rol $1, %ax
    loop 2b
    mov $0x500, %di
    mov $128, %cx
    mov $0x55aa, %ax
3:  cmp %ax, %es:(%di)
    jne ram_bad
    add $2, %di
    rol $1, %ax
    loop 3b

    mov $msg_ok, %si
    call puts
    mov $EXIT_OK, %eax
    jmp exit

ram_bad:
    mov $msg_fail_ram, %si
    call puts
    mov $EXIT_FAIL_RAM, %eax

/* Leaves through isa-debug-exit with the code in EAX. */
exit:
    mov $DEBUG_EXIT_PORT, %dx
    outl %eax, %dx
4:  hlt
    jmp 4b

/* Prints the NUL-terminated string at DS:SI. */
puts:
    lodsb
    test %al, %al
    jz 2f
    call putc
    jmp puts
2:  ret

/* Prints AL on COM1 once the transmitter holding register is empty. */
putc:
    push %dx
    push %ax
    mov $COM1_LSR, %dx
1:  in %dx, %al
    test $LSR_THRE, %al
    jz 1b
    pop %ax
    mov $COM1_THR, %dx
    out %al, %dx
    pop %dx
    ret

/* Prints AX as four lower-case hex digits. */
puthex16:
    push %cx
    push %bx
    mov %ax, %bx
    mov $4, %cx
1:  rol $4, %bx
    mov %bl, %al
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $('a' - '9' - 1), %al
2:  call putc
    loop 1b
    pop %bx
    pop %cx
    ret

    .section .rodata, "a"
msg_hello:
    .asciz "realmode: hello from real mode\r\n"
msg_cs:
    .asciz "realmode: cs="
msg_edx:
    .asciz " edx-at-reset="
msg_newline:
    .asciz "\r\n"
msg_ok:
    .asciz "realmode: cr0.pe=0, low ram ok\r\n"
msg_fail_pe:
    .asciz "FAIL: CR0.PE set in real mode\r\n"
msg_fail_ram:
    .asciz "FAIL: low RAM pattern mismatch at 0:0500\r\n"

/* The reset vector: the last 16 bytes of the image, at F000:FFF0. */
    .section .reset, "ax"
reset_vector:
    ljmp $0xf000, $start
    .fill 16 - (. - reset_vector), 1, 0xf4
