# Convenience front end over Meson/Ninja, in QEMU's spirit:
#   ./configure && make        build
#   make check                 every test suite, unit/qtest also under ASan/UBSan
#                              (ends with "N passed, N failed")
#   make run                   boot the default guest on the console
#   make run KERNEL=bzImage INITRD=initrd.img APPEND="console=ttyS0"
BUILD_DIR ?= build
PCVM = $(BUILD_DIR)/pcvm
GUEST_BUILD = pc-bios/guest/build.sh

.PHONY: all check check-unit check-qtest check-guest check-firmware check-nested bench bench-exit bench-virtio-blk bench-qcow2 bench-block run guest install clean distclean

all: $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR)

$(BUILD_DIR)/build.ninja:
	./configure

check: all
	@scripts/run-tests.sh $(BUILD_DIR)

check-unit check-qtest check-guest check-firmware check-nested: all
	@scripts/run-tests.sh $(BUILD_DIR) $(subst check-,,$@)

# The default guest under pcvm and qemu-system-x86_64, booted the same way,
# then SeaBIOS from reset to "No bootable device." under both, then the
# cost of one guest exit of each kind under both, then a guest's virtio-blk
# throughput under both (in the test host).
bench: all guest
	python3 tests/bench/boot-bench --pcvm $(PCVM) \
	    --kernel $(BUILD_DIR)/guest/vmlinux \
	    --initrd $(BUILD_DIR)/guest/initramfs.cpio \
	    --append "$$(cat pc-bios/guest/cmdline)" \
	    --marker 'pcvm-guest: init reached'
	python3 tests/bench/seabios-bench --pcvm $(PCVM)
	$(MAKE) bench-exit
	$(MAKE) bench-virtio-blk

bench-virtio-blk: all
	python3 tests/bench/virtio-blk-bench --pcvm $(PCVM)

# qcow2: pcvm-img bench beside qemu-img bench, then the guest's view.
bench-qcow2: all
	python3 tests/bench/qcow2-bench --nested --pcvm $(PCVM)

# pcvm's block engines against qemu-img bench on the same image.
# The block layer alone beside qemu-img bench and fio on the same file:
# sequential 1 MiB and random 4 KiB, read and write, queue depth 1 and 32.
bench-block: all
	for rw in "" --write; do for qd in 1 32; do \
	    $(BUILD_DIR)/tests/bench/block-bench --size 1048576 --count 2000 --depth $$qd $$rw; \
	    $(BUILD_DIR)/tests/bench/block-bench --size 4096 --count 20000 --depth $$qd --random $$rw; \
	done; done

bench-exit: all
	python3 tests/bench/exit-bench --pcvm $(PCVM) \
	    --image $(BUILD_DIR)/tests/guest/exit-bench.elf

guest:
	@$(GUEST_BUILD) $(BUILD_DIR)/guest

ifeq ($(KERNEL),)
run: all guest
	@scripts/run-default-guest.sh $(PCVM) $(BUILD_DIR)/guest
else
run: all
	$(PCVM) -m $(or $(MEM),256) -nographic -kernel $(KERNEL) \
	    $(if $(INITRD),-initrd $(INITRD)) \
	    -append "$(or $(APPEND),console=ttyS0)"
endif

install: all
	meson install -C $(BUILD_DIR)

clean:
	ninja -C $(BUILD_DIR) clean

distclean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-san
