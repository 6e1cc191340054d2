/*
 * Reset guests (multiboot, a.out kludge, 32-bit, no C runtime).
 *
 * reset-*: counts its boots in RAM that the loader does not rewrite
 * (0x50000). The first boot asks for a reset through RESET_METHOD; the
 * second boot finds the count at 1, so the machine really went through a
 * reset and re-entered the kernel, and exits through isa-debug-exit with
 * 0x31 (process status 99). With -no-reboot the first reset ends pcvm.
 *
 * triplefault: loads an empty IDT and executes UD2, which escalates to a
 * triple fault; the VMM must report it (RIP and the bytes 0f 0b).
 *
 * debugcon: writes a line to the Bochs debug port 0xE9 and exits with
 * 0x31; the VMM's -debugcon backend must receive exactly that line.
 *
 * emulfail: executes POPCNT, then exits with 0x31. Hardware runs it; an
 * instruction-emulating KVM (like the project's test machines) refuses it
 * with an internal error, which the VMM must report with RIP and the bytes
 * f3 0f b8, ending with status 1 rather than hanging.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00010002
#define BOOT_COUNT 0x50000
#define COM1 0x3f8

    .code32
    .section .text
    .globl _start
_start:
header:
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    .long header, header, 0, 0, entry

entry:
    mov $0x9f000, %esp
#ifdef TRIPLE_FAULT
    mov $msg_fault, %esi
    call puts
    lidt empty_idt
    .globl fault_here
fault_here:
    ud2
#elif defined(DEBUGCON)
    mov $msg_debugcon, %esi
1:  lodsb
    test %al, %al
    jz 2f
    mov $0xe9, %dx
    out %al, %dx
    jmp 1b
2:  mov $0x31, %al
#elif defined(EMULATION_FAILURE)
    mov $msg_popcnt, %esi
    call puts
    popcnt %eax, %eax
    mov $0x31, %al
#else
    mov BOOT_COUNT, %eax
    cmp $1, %eax
    je second_boot
    movl $1, BOOT_COUNT
    mov $msg_first, %esi
    call puts
    RESET_SEQUENCE
    /* Still here: the reset did not happen. */
    mov $msg_noreset, %esi
    call puts
    mov $0x46, %al
    jmp leave
second_boot:
    mov $msg_second, %esi
    call puts
    mov $0x31, %al
#endif
leave:
    mov $0xf4, %dx
    out %al, %dx
1:  hlt
    jmp 1b

/* Writes the NUL-terminated string at %esi to COM1. */
puts:
    lodsb
    test %al, %al
    jz 2f
    mov $COM1, %dx
    out %al, %dx
    jmp puts
2:  ret

empty_idt:
    .word 0
    .long 0
msg_fault:    .asciz "triplefault: about to fault\n"
msg_first:    .asciz "reset: first boot, resetting\n"
msg_second:   .asciz "reset: second boot after reset\n"
msg_noreset:  .asciz "FAIL: reset request ignored\n"
msg_popcnt:   .asciz "emulfail: executing popcnt\n"
msg_debugcon: .asciz "debugcon: hello on port 0xe9\n"
