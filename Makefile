# SPDX-License-Identifier: GPL-2.0-only
#
# VFIO PCI driver stack for Debian 12's Linux 6.1: developer entry point.
# `make help` lists the targets.  The modules themselves are described by
# ./Kbuild and drivers/vfio/pci/Makefile; this file drives Kbuild and the
# tools around it.  Every target first installs missing Debian packages
# (scripts/deps.sh: one dpkg-query when nothing is missing), so a fresh
# Debian 12 machine needs nothing but `make`.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Kernel build directory.  Evaluated on first use only, i.e. after `deps`
# has installed the headers: the newest installed Debian 6.1 build tree.
KDIR ?= $(eval KDIR := $(shell ls -d /lib/modules/6.1.0-*-amd64/build 2>/dev/null | sort -V | tail -n 1))$(KDIR)
# The release those headers are for (the vermagic; Debian's
# include/config/kernel.release says 6.1.NNN instead); `make install`
# installs for it.
KVER ?= $(eval KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null))$(KVER)

# Extra warnings (W=1) are the project's baseline, and a warning fails the
# build (WERROR=0 to only see them) so none can slip into a commit.
W ?= 1
WERROR ?= 1

# The unpacked kernel source (for KUnit and checkpatch) and the KUnit build
# directory live outside the work tree, which is checked out afresh for
# every session: keeping them here makes re-runs incremental.
CACHE ?= $(HOME)/.cache/vfio-pci
export CACHE
KUNIT_JOBS ?= $(shell nproc)

# Userspace build products (demo client, check logs).
BUILD := $(CURDIR)/build

# Everyone builds in this one tree at the same time: serialise Kbuild runs.
LOCK := $(CURDIR)/scripts/lock.sh /tmp/vfio-build.lock
KBUILD = $(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) $(if $(filter 1,$(WERROR)),KCFLAGS=-Werror)

# `make -n` prints what would run and runs nothing. Recipes that run make
# or a script that does are marked recursive ('+', so they share the
# jobserver) only when make is not dry-running; and they name it
# $(SUBMAKE), since make runs every line naming $(MAKE) even under -n.
DRY_RUN = $(findstring n,$(firstword -$(MAKEFLAGS)))
SUB = $(if $(DRY_RUN),,+)
SUBMAKE = $(MAKE)

# Linux 6.12 (bookworm-backports): build-6.12 builds the same sources
# against its headers, in a copy of the tree.
KVER_612 ?= $(shell scripts/deps.sh --kver-6.12)

SELFTESTS := tools/testing/selftests/vfio
VM_RUN := $(CURDIR)/$(SELFTESTS)/vm-run

.PHONY: all modules deps kunit checkpatch sparse install uninstall \
	selftests vm demo bench check clean help kernel-source _modules \
	docs tools guard-tests bench-tests debug-kernel vm-debug fuzz build-6.12 \
	vm-6.12 vm-stock-6.12 debug-kernel-6.12 kunit-6.12 vm-cdev-6.12 \
	vm-debug-6.12 dkms-check build-trixie

all: modules

deps:
	@scripts/deps.sh

# Build the modules, then prove that no module binds a device on its own:
# the guard checks every PCI ID table built under drivers/vfio/.
modules: deps
	@test -d "$(KDIR)" || { echo "no kernel build tree (KDIR=$(KDIR))" >&2; exit 1; }
	$(SUB)@$(LOCK) $(SUBMAKE) --no-print-directory _modules

_modules:
	$(SUB)$(KBUILD) modules
	$(SUB)$(SUBMAKE) -C scripts/mod KDIR=$(KDIR)
	scripts/mod/vfio_override_check $$(find drivers/vfio -name '*.ko' | sort)

# sparse on every file of ours (C=2 checks even up-to-date objects).  The
# kernel headers are not ours, so only reports located in this tree count.
sparse: deps
	$(SUB)@$(LOCK) $(SHELL) -o pipefail -c '$(KBUILD) C=2 modules 2>&1 | tee $(BUILD)/sparse.log' \
		|| { echo "sparse: the build failed" >&2; exit 1; }
	@if grep -E '^($(CURDIR)/|drivers/|include/)[^ ]*:[0-9]+:' $(BUILD)/sparse.log; then \
		echo "sparse: the reports above are in our files" >&2; exit 1; fi
	@echo "sparse: clean"

$(BUILD):
	@mkdir -p $@

sparse: | $(BUILD)

kernel-source: deps
	@scripts/kernel-source.sh "$(CACHE)" >/dev/null

checkpatch: deps
	@scripts/checkpatch.sh "$(CACHE)"

kunit: deps
	@scripts/kunit.sh "$(CACHE)" $(KUNIT_JOBS)

# The debug kernel (KASAN, lockdep, kmemleak, ...) with our drivers in
# tree, cached in $(CACHE); vm-debug runs the whole VM suite on it.
debug-kernel: deps
	@scripts/debug-kernel.sh "$(CACHE)" $(KUNIT_JOBS)

vm-debug: selftests
	$(SUB)@dir=$$(scripts/debug-kernel.sh "$(CACHE)" $(KUNIT_JOBS)) && \
		FUZZ_OPS=$(DEBUG_FUZZ_OPS) $(VM_RUN) --timeout 1500 --debug-kernel "$$dir"

# The same for Linux 6.12, whose debug kernel also has iommufd and the VFIO
# device cdev (Debian's 6.12 has neither): KUnit on it, the cdev test on
# it (what make check runs), and the whole suite on it.
debug-kernel-6.12: deps
	@scripts/debug-kernel.sh "$(CACHE)" $(KUNIT_JOBS) 6.12

kunit-6.12: deps
	@scripts/kunit.sh "$(CACHE)" $(KUNIT_JOBS) 6.12

vm-cdev-6.12: selftests
	$(SUB)@dir=$$(scripts/debug-kernel.sh "$(CACHE)" $(KUNIT_JOBS) 6.12) && \
		$(VM_RUN) --debug-kernel "$$dir" -- $(SELFTESTS)/vfio_pci_cdev_test

vm-debug-6.12: selftests
	$(SUB)@dir=$$(scripts/debug-kernel.sh "$(CACHE)" $(KUNIT_JOBS) 6.12) && \
		FUZZ_OPS=$(DEBUG_FUZZ_OPS) $(VM_RUN) --timeout 1500 --debug-kernel "$$dir"

# The fuzzer's soak: FUZZ_OPS operations on every zoo device and an nvme
# VF, on Debian's kernel with our modules (FUZZ_KERNEL=debug: on the
# debug kernel, far slower), FUZZ_SEED to repeat a run.
FUZZ_OPS ?= 1000000
DEBUG_FUZZ_OPS ?= 1000
fuzz: selftests
	$(SUB)@debug=; if [ "$(FUZZ_KERNEL)" = debug ]; then \
		debug=$$(scripts/debug-kernel.sh "$(CACHE)" $(KUNIT_JOBS)) || exit 1; fi; \
	FUZZ_OPS=$(FUZZ_OPS) FUZZ_SEED=$(FUZZ_SEED) $(VM_RUN) \
		--timeout $$((900 + $(FUZZ_OPS) / 20)) $${debug:+--debug-kernel "$$debug"} \
		tools/testing/selftests/vfio/vfio_pci_fuzz_test.sh

# W=1 with warnings as errors, the guard and sparse, against 6.12's headers.
build-6.12: deps
	$(SUB)@scripts/build-kernel.sh $(KVER_612) $(BUILD)/kernel-$(KVER_612)

# The build of a Debian 13 machine: trixie's 6.12 headers and gcc-14, in a
# trixie root made once into $(CACHE).
build-trixie: deps
	$(SUB)@scripts/trixie-build.sh "$(CACHE)"

# The VM suite on 6.12 (bookworm-backports' kernel image): with ours as
# build-6.12 built them, and with that kernel's stock modules.
vm-6.12: selftests build-6.12
	$(SUB)VM_KVER=$(KVER_612) $(VM_RUN)

vm-stock-6.12: selftests
	$(SUB)VM_KVER=$(KVER_612) $(VM_RUN) --stock

# The DKMS package built for Linux 6.1 and 6.12, as DKMS would.
dkms-check: deps
	$(SUB)@scripts/dkms-check.sh $(KVER) $(KVER_612)

# Into updates/, which depmod ranks ahead of the kernel's own modules, so
# `modprobe vfio-pci` picks ours.  Debian's modules are signed at package
# build time with a key nobody else has: do not try to sign ours.
install: modules
	$(SUB)$(LOCK) $(SUBMAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

uninstall: deps
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates/drivers/vfio/pci/vfio-pci-core.ko \
	      $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates/drivers/vfio/pci/vfio-pci.ko
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

# Sphinx and kernel-doc come from the unpacked kernel source.
docs: kernel-source
	$(SUB)$(SUBMAKE) -C Documentation check KSRC=$(CACHE)/linux-source-6.1

# Host-side unit tests of the vfio-bind tool and of the module guard.
tools: deps
	$(SUB)$(SUBMAKE) -C tools/vfio check

guard-tests: deps
	$(SUB)$(SUBMAKE) -C scripts/mod check KDIR=$(KDIR)

# The test bench's own host-side tests: its splat scanner and the failure
# summary make check ends with.
bench-tests:
	$(SUB)$(SUBMAKE) -C $(SELFTESTS) check-bench

# Everything the VM tests use: the kselftests, the vfio-bind tool that
# vfio_tool_test drives, and the test-only variant driver, a module built
# against our library's exports (its Makefile locks and guards it).
selftests: modules kernel-source
	$(SUB)$(SUBMAKE) -C $(SELFTESTS) \
		KSFT_DIR=$(CACHE)/linux-source-6.1/tools/testing/selftests \
		UAPI_612=$$(scripts/uapi-headers.sh "$(CACHE)")
	$(SUB)$(SUBMAKE) -C tools/vfio
	$(SUB)$(SUBMAKE) -C $(SELFTESTS)/vfio_test_driver KDIR=$(KDIR) \
		$(if $(filter 1,$(WERROR)),KCFLAGS=-Werror)

vm: modules selftests
	$(VM_RUN) --shell

demo: modules $(BUILD)/edu-demo
	$(VM_RUN) -- $(CURDIR)/scripts/demo.sh $(BUILD)/edu-demo

$(BUILD)/edu-demo: samples/vfio-pci/edu-demo.c | $(BUILD) deps
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# Guest instructions first (deterministic), then wall-clock time.
bench: modules selftests
	$(SELFTESTS)/run_bench --icount
	$(SELFTESTS)/run_bench

check: deps
	$(SUB)@MAKE="$(SUBMAKE)" scripts/check.sh

clean:
	$(SUB)@test ! -d "$(KDIR)" || $(LOCK) $(KBUILD) clean
	$(SUB)@test ! -f scripts/mod/Makefile || $(SUBMAKE) -C scripts/mod clean
	$(SUB)@test ! -f $(SELFTESTS)/Makefile || $(SUBMAKE) -C $(SELFTESTS) clean
	$(SUB)@test ! -d "$(KDIR)" || $(SUBMAKE) -C $(SELFTESTS)/vfio_test_driver KDIR=$(KDIR) clean
	$(SUB)@$(SUBMAKE) -C tools/vfio clean
	rm -rf $(BUILD)

help:
	@echo 'Targets (each installs missing Debian packages first; times on a'
	@echo '2-core machine, "cold" when $$CACHE is empty):'
	@echo '  all/modules  build vfio-pci-core.ko and vfio-pci.ko (W=1, warnings fail)'
	@echo '               and run the driver_override-only guard on them   ~1 min'
	@echo '  deps         install the Debian packages every target needs    ~3 min cold'
	@echo '  check        everything below, summary "N passed, N failed"'
	@echo '               ~20 min warm, ~30 min cold, + ~6 min of packages on a new'
	@echo '               machine (`make -n check` lists it)'
	@echo '  build-6.12   the modules and the test driver built against Linux 6.12'
	@echo '               (bookworm-backports headers), guard and sparse    ~1 min'
	@echo '  build-trixie the same build as on Debian 13 (its 6.12 headers, gcc-14)'
	@echo '               in a trixie root made once      ~5 min cold, ~30 s'
	@echo '  vm-6.12      the VM suite on Linux 6.12 with ours              ~4 min'
	@echo '  vm-stock-6.12 the same with 6.12'"'"'s stock modules             ~2 min'
	@echo '  checkpatch   checkpatch.pl --strict on all our C files         ~20 s'
	@echo '  sparse       the module build under sparse (C=2)               ~30 s'
	@echo '  kunit        KUnit tests, on the debug kernel          ~1 min (+ debug-kernel)'
	@echo '  debug-kernel build the debug kernel (KASAN, lockdep, kmemleak) into $$CACHE'
	@echo '               ~8 min cold, ~20 s after a driver change'
	@echo '  vm-debug     the VM suite on the debug kernel, fuzzer included ~5 min'
	@echo '  debug-kernel-6.12, kunit-6.12, vm-debug-6.12: the same for Linux 6.12'
	@echo '               (its debug kernel has iommufd)    ~10 min cold to build'
	@echo '  vm-cdev-6.12 the VFIO device cdev test on the 6.12 debug kernel  ~2 min'
	@echo '  fuzz         the uAPI fuzzer soak (FUZZ_OPS=1000000 per device: ~1 h;'
	@echo '               FUZZ_SEED, FUZZ_KERNEL=debug: several hours)'
	@echo '  docs         build the documentation, check the kernel-doc and the'
	@echo '               map of the tree                                   ~10 s'
	@echo '  guard-tests  tests of the driver_override-only guard           ~5 s'
	@echo '  bench-tests  tests of the VM bench'"'"'s own scripts               ~1 s'
	@echo '  tools        build and test the vfio-bind tool                 ~5 s'
	@echo '  selftests    build the VFIO kselftests and what they need      ~30 s'
	@echo '  vm           a shell in the test VM with our modules loaded    ~20 s to boot'
	@echo '  demo         boot the VM, bind the device zoo, drive edu via VFIO  ~1 min'
	@echo '  bench        benchmark, ours against stock: guest instructions, then time'
	@echo '               ~15 min'
	@echo '  install      install into /lib/modules/$$KVER/updates (uninstall)'
	@echo '  dkms-check   build the DKMS package for 6.1 and 6.12            ~30 s'
	@echo '  clean        remove build products (not $$CACHE)'
	@echo 'Variables: KDIR, KVER, W=1, WERROR=1, CACHE=~/.cache/vfio-pci,'
	@echo '           KUNIT_JOBS, INSTALL_MOD_PATH'
