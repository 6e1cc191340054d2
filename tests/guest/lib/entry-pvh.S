/*
 * PVH entry of the 64-bit runtime (Xen "x86/HVM direct boot ABI",
 * docs/misc/pvh.pandoc in Xen, and xen/include/public/arch-x86/hvm/
 * start_info.h). The loader finds the 32-bit entry point in the
 * XEN_ELFNOTE_PHYS32_ENTRY note (type 18, name "Xen") and enters it in
 * flat 32-bit protected mode with paging off, interrupts off and EBX =
 * physical address of struct hvm_start_info. GDTR and IDTR are not
 * specified, so the first thing is our own GDT.
 *
 * The entry checks that .bss is zero, clears it anyway (it holds the page
 * tables), identity-maps the low 4 GiB with 2 MiB pages (the top GiB, with
 * the LAPIC and IOAPIC, uncached), sets CR4.PAE, CR3, EFER.LME and CR0.PG
 * and far-jumps to the 64-bit code segment, then calls
 * guest64_start(start_info, bss_dirty).
 */

#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define PTE_PRESENT (1 << 0)
#define PTE_WRITE (1 << 1)
#define PTE_PWT (1 << 3)
#define PTE_PCD (1 << 4)
#define PTE_LARGE (1 << 7)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

    .section .note.Xen, "a", @note
    .balign 4
    .long 2f - 1f               /* namesz */
    .long 4f - 3f               /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
1:  .asciz "Xen"
2:  .balign 4
3:  .quad pvh_start             /* 8 bytes in an ELF64 file, as Linux does */
4:  .balign 4

    .text
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    mov %ebx, %esi              /* struct hvm_start_info * */
    lgdt gdt_descriptor
    ljmp $0x08, $1f
1:  mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss

    /* Was .bss zero? Remember in EBP, then clear it for real. */
    xor %ebp, %ebp
    mov $__bss_start, %ecx
2:  cmp $__bss_end, %ecx
    jae 3f
    or (%ecx), %ebp
    add $4, %ecx
    jmp 2b
3:  mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl

    /* PML4[0] -> PDPT, PDPT[i] -> PD i, PD[i][j] -> (i * 512 + j) * 2 MiB. */
    movl $(pdpt + PTE_PRESENT + PTE_WRITE), pml4
    mov $pdpt, %edi
    mov $(pd + PTE_PRESENT + PTE_WRITE), %eax
    mov $4, %ecx
4:  mov %eax, (%edi)
    add $4096, %eax
    add $8, %edi
    loop 4b
    mov $pd, %edi
    mov $(PTE_PRESENT + PTE_WRITE + PTE_LARGE), %eax
    mov $2048, %ecx
5:  mov %eax, (%edi)
    cmp $0xC0000000, %eax       /* 3-4 GiB: MMIO, uncached */
    jb 6f
    orl $(PTE_PCD + PTE_PWT), (%edi)
6:  add $0x200000, %eax
    add $8, %edi
    loop 5b

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG + CR0_PE), %eax
    mov %eax, %cr0
    ljmp $0x18, $long_entry

    .code64
long_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $boot_stack_top, %rsp
    mov %esi, %edi              /* start_info, zero-extended */
    mov %ebp, %esi              /* nonzero if .bss was dirty */
    call guest64_start
7:  cli
    hlt
    jmp 7b

    .section .rodata
    .align 8
gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF    /* 0x08: 32-bit code, flat */
    .quad 0x00CF92000000FFFF    /* 0x10: data, flat */
    .quad 0x00AF9A000000FFFF    /* 0x18: 64-bit code (L=1, D=0) */
gdt_end:
    .align 4
    .word 0
gdt_descriptor:
    .word gdt_end - gdt - 1
    .long gdt

    .bss
    .align 4096
pml4:
    .skip 4096
pdpt:
    .skip 4096
pd:
    .skip 4 * 4096
    .align 16
    .skip 16384
boot_stack_top:
