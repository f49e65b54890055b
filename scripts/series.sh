#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export the work as a git format-patch series against the base tree.
#
# Every patch of patches/ is one logical change; series.conf assigns each
# file the repository adds to the patch that introduces it.  The series is
# committed on top of the pristine base in build/series-git, exported to
# build/series/, and (unless SERIES_BUILD=0) every prefix is built with the
# test kernel configuration.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
base=$top/build/base
git_dir=$top/build/series-git
out=$top/build/series
conf=$top/series.conf
cd "$top"

# Every added file must belong to exactly one patch.
mapfile -t added < <(git ls-files -co --exclude-standard -- drivers include samples lib Documentation tools)
# An entry ending in "/" stands for every added file below that directory.
for f in "${added[@]}"; do
	n=$(awk -v f="$f" '!/^#/ { for (i = 2; i <= NF; i++)
		if ($i == f || ($i ~ /\/$/ && index(f, $i) == 1)) c++ } END { print c + 0 }' "$conf")
	if [ "$n" -ne 1 ]; then
		echo "series: $f is listed $n times in series.conf (must be 1)" >&2
		exit 1
	fi
done

if [ ! -d "$git_dir/.git" ]; then
	echo "series: creating the base repository (once)"
	rm -rf "$git_dir"
	cp -a "$base" "$git_dir"
	git -C "$git_dir" init -q
	git -C "$git_dir" add -A -f
	git -C "$git_dir" -c user.name=base -c user.email=base@localhost \
		commit -q -m "Linux $(make -s -C "$base" kernelversion) (Debian linux-source-6.12)"
	git -C "$git_dir" tag base
fi
git -C "$git_dir" checkout -q -f base
git -C "$git_dir" clean -q -fdx
git -C "$git_dir" checkout -q -B series

for p in patches/*.patch; do
	num=$(basename "$p" | cut -d- -f1)
	patch -d "$git_dir" -p1 -F0 -N -s --no-backup-if-mismatch -r - < "$p"
	for e in $(awk -v n="$num" '$1 == n { for (i = 2; i <= NF; i++) print $i }' "$conf"); do
		case "$e" in
		*/) printf '%s\n' "${added[@]}" | grep "^$e" ;;
		*) echo "$e" ;;
		esac
	done | while read -r f; do
		mkdir -p "$git_dir/$(dirname "$f")"
		cp "$f" "$git_dir/$f"
	done
	git -C "$git_dir" add -A -f
	# The patch header is the commit message: Subject plus body.
	subject=$(sed -n 's/^Subject: \(\[PATCH[^]]*\] \)\?//p' "$p" | head -1)
	body=$(awk '/^Subject:/ { s = 1; next } s && /^---$/ { exit } s' "$p")
	author=$(sed -n 's/^From: //p' "$p" | head -1)
	git -C "$git_dir" -c user.name="TEE-IO developers" -c user.email=tee-io@example.org \
		commit -q --author="${author:-TEE-IO developers <tee-io@example.org>}" \
		-m "$subject" -m "$body"
done

rm -rf "$out"
git -C "$git_dir" -c user.name="TEE-IO developers" -c user.email=tee-io@example.org \
	format-patch -q --cover-letter --stat -o "$out" base..series
n=$(git -C "$git_dir" rev-list --count base..series)
# The cover letter: the first line of patches/cover-letter.txt is the
# subject, the rest (after a blank line) the blurb.
python3 - "$out/0000-cover-letter.patch" "$top/patches/cover-letter.txt" <<'PY'
import sys
cover, text = sys.argv[1], open(sys.argv[2]).read().split('\n', 2)
c = open(cover).read()
c = c.replace('*** SUBJECT HERE ***', text[0], 1)
c = c.replace('*** BLURB HERE ***', text[2].rstrip('\n'), 1)
open(cover, 'w').write(c)
PY
echo "series: $n patches in ${out#"$top"/}"
for f in "$out"/*.patch; do
	[ "$(basename "$f")" = 0000-cover-letter.patch ] && continue
	# User-space tools cannot use BIT() and call OpenSSL's and libFuzzer's
	# CamelCase API; the fuzz targets' stand-ins for kernel headers
	# (tools/testing/tsm-model/fuzz/kshim) define the kernel's u8..u64,
	# struct_size() and an empty EXPORT_SYMBOL_GPL().
	ign=""
	if ! grep '^+++ b/' "$f" | grep -qv '^+++ b/\(MAINTAINERS\|tools/\)'; then
		ign="--ignore BIT_MACRO,CAMELCASE,VOLATILE,MACRO_WITH_FLOW_CONTROL"
		ign+=",NEW_TYPEDEFS,MACRO_ARG_PRECEDENCE,EXPORT_SYMBOL"
	fi
	# shellcheck disable=SC2086
	perl "$base/scripts/checkpatch.pl" --strict --no-tree --terse -q $ign "$f" ||
		{ echo "series: checkpatch complains about $(basename "$f")" >&2; exit 1; }
done

if [ "${SERIES_BUILD:-1}" != 0 ]; then
	for c in $(git -C "$git_dir" rev-list --reverse base..series); do
		git -C "$git_dir" checkout -q "$c"
		echo "series: building $(git -C "$git_dir" log -1 --format=%s "$c")"
		TSM_RECONFIG=1 TSM_SRC=$git_dir "$top/scripts/build-kernel.sh" series configs/vm.config bzImage modules > \
			"$top/build/series-build.log" 2>&1 ||
			{ echo "series: prefix ending at $c does not build:" >&2; tail -20 "$top/build/series-build.log" >&2; exit 1; }
	done
	git -C "$git_dir" checkout -q series
	echo "series: every prefix builds"
fi
