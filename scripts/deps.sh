#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the project needs, only those missing;
# arguments name more packages.
set -euo pipefail

# openssl: the test PKI is made with it, and scripts/build-vm-bin.sh copies
# the command with its shared libraries (libssl3, a dependency) into the VM.
# clang-14 and libclang-rt-14-dev: the libFuzzer targets (make fuzz, and
# their smoke pass in make check).  acpica-tools: iasl compiles the SSDT
# that gives the emulated endpoints ACPI power resources (D3cold, passed to
# QEMU by scripts/vm-run.sh).
pkgs="linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	cpio xz-utils kmod dwarves python3 perl openssl rsync git ccache sparse
	qemu-system-x86 qemu-system-data busybox-static clang-14 libclang-rt-14-dev
	acpica-tools"
# Extra packages of one entry point (scripts/distcheck.sh: linux-config-6.12)
pkgs="$pkgs $*"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root (or install:$missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
