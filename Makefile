# qemu-mdev: the README's commands, a thin wrapper over scripts/.
#   make setup   packages, QEMU 10.2.2 fetched+verified, patched, configured and
#                built with hw/mdev: build/qemu/qemu-system-x86_64; and the
#                vfio-user server: build/vfio-user/tools/mdev-vfio-user/mdev-vfio-user
#   make demo    setup, then scripts/demo
#   make check   setup and asan, then every test (scripts/run-tests); last
#                line "N passed, N failed, N skipped"
#   make asan    a second QEMU built with ASan, LSan and UBSan:
#                build/qemu-asan/qemu-system-x86_64 (scripts/setup --asan)
#   make asan-check  asan, then the qtests and some guest cases against it
#   make unit    the GoogleTest unit tests only (no QEMU build)
#   make fuzz    every libFuzzer harness for FUZZ_SECONDS (default 60) each on a
#                scratch copy of its corpus; executions per harness (no QEMU build)
#   make fuzz-check     what make check runs of them: each replays its corpus
#   make fuzz-coverage  llvm-cov line/function coverage of hw/mdev by the corpus
#   make qtest / make guest   one part of the tests (after setup)
#   make libvirt docs/install-and-libvirt.md's domains (pc, q35) under a
#                private libvirtd: tests/libvirt/check (after setup)
#   make install [PREFIX=/opt/qemu-mdev] [DESTDIR=]  setup, then scripts/install:
#                the emulator and mdev-vfio-user into PREFIX/bin (never /usr or
#                /usr/local by default)
#   make clean   remove the build trees (keeps the verified tarball)
#   make distclean  remove build/ altogether
.PHONY: all setup asan demo check asan-check unit fuzz fuzz-check fuzz-coverage qtest guest libvirt install clean distclean

PREFIX ?= /opt/qemu-mdev

FUZZ_SECONDS ?= 60

all: setup

setup:
	scripts/setup

demo: setup
	@if [ -x scripts/demo ]; then scripts/demo; \
	else echo "make: scripts/demo does not exist yet" >&2; exit 1; fi

asan:
	scripts/setup --asan

# Not 'check: setup asan': both unpack the same build/src/qemu, so never at once.
check: setup
	scripts/setup --asan
	scripts/run-tests

asan-check: asan
	scripts/run-tests --asan

unit:
	scripts/setup --packages-only
	scripts/run-tests --unit

fuzz:
	scripts/setup --packages-only
	scripts/fuzz run --seconds $(FUZZ_SECONDS)

fuzz-check:
	scripts/setup --packages-only
	scripts/run-tests --fuzz

fuzz-coverage:
	scripts/setup --packages-only
	scripts/fuzz coverage

qtest: setup
	scripts/run-tests --qtest

guest: setup
	scripts/run-tests --guest

libvirt: setup
	scripts/run-tests --libvirt

install: setup
	scripts/install --prefix $(PREFIX) $(if $(DESTDIR),--destdir $(DESTDIR))

clean:
	rm -rf build/qemu build/qemu-asan build/src build/unit build/fuzz build/fuzz-coverage \
	  build/fuzz-runs build/test-summary.txt build/libvirt-cache

distclean:
	rm -rf build
