/* pcvm: a QEMU-compatible PC virtual machine monitor on /dev/kvm. */
#include "system/system.h"

int main(int argc, char **argv)
{
    return pcvm_main(argc, argv);
}
