/*
 * Multiboot v1 entry shared by the 32-bit guests. The header asks for
 * memory information and carries the a.out-kludge address fields (flag
 * 16), so a loader needs nothing from the ELF headers; the image is also
 * a valid ELF32 file with a single PT_LOAD segment at 1 MiB. Built with
 * -DMULTIBOOT_ELF, flag 16 is clear and the loader must use the ELF
 * program headers instead (the address fields stay, ignored).
 *
 * The Multiboot spec guarantees only flat CS/DS/ES/FS/GS/SS, protected
 * mode, paging off, interrupts off, EAX = 0x2BADB002 and EBX = the info
 * structure; GDTR and IDTR may be garbage and there is no stack. So load
 * our own GDT before touching a segment register and a stack before any
 * call. Before the stack is used, the whole .bss (stack included) is
 * checked to be zero, as the loader must leave it (bss_end_addr).
 */
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
#ifdef MULTIBOOT_ELF
/* page-aligned modules | memory info: the loader must parse the ELF */
#define MULTIBOOT_HEADER_FLAGS 0x00000003
#else
/* page-aligned modules | memory info | a.out kludge address fields */
#define MULTIBOOT_HEADER_FLAGS 0x00010003
#endif

    .section .multiboot, "a"
    .align 4
multiboot_header:
    .long MULTIBOOT_HEADER_MAGIC
    .long MULTIBOOT_HEADER_FLAGS
    .long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)
    .long multiboot_header      /* header_addr */
    .long __image_start         /* load_addr */
    .long __load_end            /* load_end_addr */
    .long __bss_end             /* bss_end_addr */
    .long _start                /* entry_addr */

    .text
    .code32
    .globl _start
_start:
    cli
    cld
    mov %eax, %edi              /* boot magic */
    mov %ebx, %esi              /* multiboot_info physical address */
    lgdt gdt_descriptor
    ljmp $0x08, $1f
1:  mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss

    xor %edx, %edx
    mov $__bss_start, %ecx
2:  cmp $__bss_end, %ecx
    jae 3f
    or (%ecx), %edx
    add $4, %ecx
    jmp 2b
3:
    mov $boot_stack_top, %esp
    push %edx                   /* nonzero if .bss was dirty */
    push %esi
    push %edi
    call guest32_start
4:  cli
    hlt
    jmp 4b

    .section .rodata
    .align 8
    .globl gdt, gdt_limit, gdt_descriptor
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF    /* 0x08: code, base 0, 4 GiB, 32-bit */
    .quad 0x00CF92000000FFFF    /* 0x10: data, base 0, 4 GiB */
gdt_end:
    .set gdt_limit, gdt_end - gdt - 1   /* absolute, for smp's trampoline */
    .align 4
    .word 0
gdt_descriptor:
    .word gdt_limit
    .long gdt

    .bss
    .align 16
boot_stack:
    .skip 16384
boot_stack_top:
