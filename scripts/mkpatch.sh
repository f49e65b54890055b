#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkpatch.sh patches/NNNN-subject.patch EDITDIR FILE...
#
# Write (or rewrite) one patch of the series: the difference between each
# FILE as it stands after the patches that sort before NNNN (applied to the
# pristine base) and EDITDIR/FILE, your edited copy.  To start editing, get
# the "before" copies with:  mkpatch.sh --before patches/NNNN-x.patch DIR FILE...
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
base=$top/build/base
mode=write
if [ "${1:-}" = "--before" ]; then
	mode=before
	shift
fi
out=$1
edit=$2
shift 2
name=$(basename "$out")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
	mkdir -p "$tmp/a/$(dirname "$f")"
	[ -e "$base/$f" ] && cp "$base/$f" "$tmp/a/$f"
done
for p in "$top"/patches/*.patch; do
	[ -e "$p" ] || continue
	[[ "$(basename "$p")" < "$name" ]] || continue
	# Only the hunks of files we care about matter; filterdiff-free: apply
	# the whole patch to a scratch tree seeded with the files it touches.
	for f in $(sed -n 's#^+++ b/\([^\t ]*\).*#\1#p' "$p"); do
		if [ ! -e "$tmp/a/$f" ] && [ -e "$base/$f" ]; then
			mkdir -p "$tmp/a/$(dirname "$f")"
			cp "$base/$f" "$tmp/a/$f"
		fi
	done
	patch -d "$tmp/a" -p1 -F0 -N -s --no-backup-if-mismatch -r - < "$p"
done

if [ $mode = before ]; then
	for f in "$@"; do
		mkdir -p "$edit/$(dirname "$f")"
		if [ -e "$tmp/a/$f" ]; then cp "$tmp/a/$f" "$edit/$f"; else : > "$edit/$f"; fi
	done
	exit 0
fi

: > "$tmp/out"
for f in "$@"; do
	if [ -e "$tmp/a/$f" ]; then a=$tmp/a/$f; else a=/dev/null; fi
	diff -u --suppress-blank-empty --label "a/$f" --label "b/$f" "$a" "$edit/$f" >> "$tmp/out" || [ $? -eq 1 ]
done
# Keep a header (subject and description) already present in the patch.
hdr=""
[ -f "$out" ] && hdr=$(sed '/^--- a\//,$d' "$out")
{ [ -n "$hdr" ] && printf '%s\n' "$hdr"; cat "$tmp/out"; } > "$out"
echo "mkpatch: wrote $out"
