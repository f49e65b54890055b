# SPDX-License-Identifier: GPL-2.0
#
# TEE-IO for Linux 6.12: entry points.  See README.md.
#
#   make             install missing packages, prepare the tree, build the
#                    test kernel, boot it and run the demonstration
#   make check       every test tier and gate; ends with "N passed, N failed"
#   make run TEST=x  boot the VM and run script x inside it
#                    (PLATFORM=sevtio: with the SEV-TIO host and guest up)
#   make tools       build the device/firmware model and VM test programs
#   make series      export the work as a git format-patch series and
#                    build every prefix of it
#   make distcheck   build the touched directories with Debian's amd64
#                    configuration plus our options; no new warnings
#   make bench       the benchmark: three non-debug kernels, figures with
#                    their limits and ratios (scripts/bench.sh)
#   make fuzz        the libFuzzer targets, FUZZ_TIME seconds each (default
#                    60; tools/testing/tsm-model/fuzz)

SHELL := /bin/bash
TOP := $(CURDIR)

.PHONY: all deps tree kernel tools demo check run series distcheck bench fuzz clean distclean

all: kernel tools
	TSM_PLATFORM=sevtio scripts/vm-run.sh tools/testing/selftests/tsm/demo.sh

deps:
	scripts/deps.sh

tree: deps
	scripts/prepare-tree.sh

kernel: tree
	scripts/build-kernel.sh vm configs/vm.config

# The device/firmware model (static, for the VM), its test PKI and the
# static helper programs of the VM selftests.
tools: deps
	$(MAKE) -C tools/testing/tsm-model static certs
	scripts/build-vm-bin.sh

demo: all

check: kernel tools
	scripts/check.sh

run: kernel tools
	@if [ -z "$(TEST)" ]; then echo "usage: make run TEST=path/to/script.sh" >&2; exit 2; fi
	TSM_PLATFORM=$(PLATFORM) scripts/vm-run.sh "$(TEST)"

series: tree
	scripts/series.sh

distcheck: tree
	scripts/distcheck.sh

bench: deps
	scripts/bench.sh

fuzz: deps
	$(MAKE) -C tools/testing/tsm-model/fuzz fuzz

clean:
	rm -rf build/vm build/kunit build/gates build/gates-base build/initramfs* \
		build/dist build/dist-base build/bench* build/src-bench-poll*

distclean:
	rm -rf build
