#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the kernel tree the series is built in:
#   build/base  pristine Debian linux-source-6.12, unpacked once
#   build/src   base + the repository's kernel-path files + patches/
#
# Only files whose content changed are rewritten in build/src, so an edit
# to one .c file rebuilds one object.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
base=$build/base
src=${TSM_SRC:-$build/src}
stage=$src.stage
manifest=$src.manifest
tarball=${LINUX_SOURCE_TARBALL:-$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -1)}
# TSM_SRC selects another prepared tree (default build/src), so that
# several developers can work side by side.  TSM_SKIP_PATCHES="NNNN ..."
# leaves those patches of patches/ out (the benchmark's comparison trees).
# Directories of the repository that hold files at kernel paths.
overlay_dirs="drivers include Documentation samples lib tools"

if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
	echo "prepare-tree: linux-source-6.12 is not installed (run 'make deps')" >&2
	exit 1
fi

mkdir -p "$build"
stamp=$build/.base-stamp
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$tarball $(stat -c %Y "$tarball")" ]; then
	echo "prepare-tree: unpacking $tarball"
	rm -rf "$base" "$base.tmp" "$src" "$manifest"
	mkdir -p "$base.tmp"
	tar -C "$base.tmp" --strip-components=1 -xf "$tarball"
	mv "$base.tmp" "$base"
	echo "$tarball $(stat -c %Y "$tarball")" > "$stamp"
fi
if [ ! -d "$src" ]; then
	echo "prepare-tree: creating ${src#"$top"/}"
	# Hard links are safe: files are only ever replaced, never written in place.
	cp -al "$base" "$src.tmp"
	mv "$src.tmp" "$src"
fi

basever=$(make -s -C "$base" kernelversion 2>/dev/null)
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
echo "prepare-tree: base linux $basever (Debian linux-source-6.12 $pkgver)"

# Build the desired content of every managed file in a staging tree.
rm -rf "$stage"
mkdir -p "$stage"
cd "$top"
for d in $overlay_dirs; do
	[ -d "$d" ] || continue
	git ls-files -co --exclude-standard -- "$d" 2>/dev/null | while read -r f; do
		[ -f "$f" ] || continue
		if [ -e "$base/$f" ]; then
			echo "prepare-tree: $f exists in the base tree; change it with a patch" >&2
			exit 1
		fi
		mkdir -p "$stage/$(dirname "$f")"
		cp -p "$f" "$stage/$f"
	done
done

shopt -s nullglob
for p in "$top"/patches/*.patch; do
	num=$(basename "$p" | cut -c1-4)
	case " ${TSM_SKIP_PATCHES:-} " in
	*" $num "*) echo "prepare-tree: leaving out $(basename "$p")"; continue ;;
	esac
	# Seed the staging tree with the pristine copy of every file the patch
	# touches (unless an earlier patch already put it there).
	for f in $(sed -n 's#^+++ b/\([^\t ]*\).*#\1#p' "$p"); do
		if [ ! -e "$stage/$f" ] && [ -e "$base/$f" ]; then
			mkdir -p "$stage/$(dirname "$f")"
			cp -p "$base/$f" "$stage/$f"
		fi
	done
	if ! out=$(patch -d "$stage" -p1 -F0 -N -s --no-backup-if-mismatch -r - < "$p" 2>&1); then
		echo "prepare-tree: $(basename "$p") does not apply to linux $basever:" >&2
		echo "$out" >&2
		exit 1
	fi
	if [ -n "$out" ]; then
		echo "prepare-tree: $(basename "$p") applied with complaints:" >&2
		echo "$out" >&2
		exit 1
	fi
done

# Sync: rewrite only files whose content differs; restore files that are
# no longer managed from the pristine base.
(cd "$stage" && find . -type f | sed 's#^\./##' | sort) > "$manifest.new"
if [ -f "$manifest" ]; then
	comm -23 "$manifest" "$manifest.new" | while read -r f; do
		if [ -e "$base/$f" ]; then
			cmp -s "$base/$f" "$src/$f" || cp "$base/$f" "$src/$f"
		else
			rm -f "$src/$f"
		fi
	done
fi
changed=0
while read -r f; do
	if ! cmp -s "$stage/$f" "$src/$f"; then
		mkdir -p "$src/$(dirname "$f")"
		cp "$stage/$f" "$src/$f.tmp.$$"
		mv "$src/$f.tmp.$$" "$src/$f"
		changed=$((changed + 1))
	fi
done < "$manifest.new"
mv "$manifest.new" "$manifest"
echo "prepare-tree: $(wc -l < "$manifest") managed files, $changed updated"
