#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static gates on everything the series adds or changes:
#   checkpatch --strict on every added file and every patch,
#   kernel-doc -none on every added C file and header,
#   W=1 and sparse (C=2) on the touched directories, compared with the
#   same build of the pristine base: any new warning fails.
# Prints one "ok"/"not ok" line per check and "gates: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${TSM_SRC:-$top/build/src}
base=$top/build/base
kbuild=$top/build/vm
pass=0
fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }

cd "$top" || exit 1
mapfile -t cfiles < <(git ls-files -co --exclude-standard -- drivers include samples lib |
	grep -E '\.[ch]$')
mapfile -t patches < <(ls patches/*.patch 2>/dev/null)

# checkpatch
for f in "${cfiles[@]}"; do
	out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES -f "$f" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):')
	if [ -z "$out" ]; then ok "checkpatch $f"; else nok "checkpatch $f"; echo "$out" | sed 's/^/#   /'; fi
done
for p in "${patches[@]}"; do
	# Fed on standard input: run on a path inside a git work tree,
	# checkpatch mistakes context lines for added ones.
	out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types - < "$p" 2>&1 |
		grep -E ': (ERROR|WARNING|CHECK):')
	if [ -z "$out" ]; then ok "checkpatch $p"; else nok "checkpatch $p"; echo "$out" | sed 's/^/#   /'; fi
done

# The exported series: every patch as git format-patch writes it, the
# files the repository adds included, checkpatch clean (make series
# without the prefix builds)
if out=$(SERIES_BUILD=0 "$top/scripts/series.sh" 2>&1); then
	ok "the exported series (build/series) is checkpatch clean"
else
	nok "the exported series (build/series) is checkpatch clean"
	echo "$out" | grep -v '^total: 0 errors' | tail -5 | sed 's/^/#   /'
fi

# The tsm command (user space): checkpatch without the kernel-only checks
# (BIT(), and OpenSSL's CamelCase API), as scripts/series.sh does.
for f in tools/tsm/*.[ch]; do
	out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES,BIT_MACRO,CAMELCASE -f "$f" 2>&1 |
		grep -E ': (ERROR|WARNING|CHECK):')
	if [ -z "$out" ]; then ok "checkpatch $f"; else nok "checkpatch $f"; echo "$out" | sed 's/^/#   /'; fi
done
# tsm --help and tsm(8) name the same commands, options and exit codes.
tsm_bin=$top/build/vm-bin/tsm
if [ ! -x "$tsm_bin" ]; then
	nok "tsm --help matches tsm(8): build/vm-bin/tsm is missing (run make tools)"
else
	help=$("$tsm_bin" --help)
	man=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' tools/tsm/tsm.8)
	mcmds=$(echo "$man" | sed -n 's/^\.B tsm \([a-z]*\)$/\1/p' | sort | tr '\n' ' ')
	hcmds=$(echo "$help" | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u | tr '\n' ' ')
	mopts=$(grep -o '\\-\\-[a-z]*' tools/tsm/tsm.8 | sed 's/\\//g' | sort -u | tr '\n' ' ')
	hopts=$(echo "$help" | grep -o -- '--[a-z]*' | sort -u | tr '\n' ' ')
	mexit=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH EXAMPLES/s/^\.B \([0-9]\)$/\1/p' tools/tsm/tsm.8 |
		tr '\n' ' ')
	hexit=$(echo "$help" | sed -n '/^Exit status/,$p' | grep -o '\b[0-9] [a-z]' | cut -c1 |
		tr '\n' ' ')
	if [ "$mcmds" = "$hcmds" ] && [ "$mopts" = "$hopts" ] && [ "$mexit" = "$hexit" ] &&
	   [ -n "$mcmds" ] && [ -n "$mexit" ]; then
		ok "tsm --help matches tsm(8): commands, options, exit codes"
	else
		nok "tsm --help matches tsm(8)"
		printf '#   commands: man "%s" help "%s"\n#   options: man "%s" help "%s"\n#   exit: man "%s" help "%s"\n' \
			"$mcmds" "$hcmds" "$mopts" "$hopts" "$mexit" "$hexit"
	fi
fi

# MAINTAINERS: every entry of the repository's MAINTAINERS is in the
# patched kernel MAINTAINERS word for word, and covers every added file.
maint_check=$(cat <<'PY'
import fnmatch
import sys
def entries(path):
    text = "".join(l for l in open(path) if not l.startswith("#"))
    return [p.strip("\n") for p in text.split("\n\n") if p.strip()]
ours, kernel = entries(sys.argv[1]), set(entries(sys.argv[2]))
for e in ours:
    if e not in kernel:
        print("entry '%s' differs from the series' MAINTAINERS" % e.splitlines()[0])
pats = [l[3:] for e in ours for l in e.splitlines() if l.startswith("F:\t")]
for f in sys.argv[3:]:
    # As in the kernel: "dir/" covers everything below, a wildcard does
    # not cross a directory separator.
    if not any(f == p or (p.endswith("/") and f.startswith(p)) or
               (fnmatch.fnmatchcase(f, p) and f.count("/") == p.count("/"))
               for p in pats):
        print("no entry covers " + f)
PY
)
mapfile -t added < <(git ls-files -co --exclude-standard -- drivers include samples lib Documentation tools)
out=$(python3 -c "$maint_check" MAINTAINERS "$src/MAINTAINERS" "${added[@]}")
if [ -z "$out" ]; then ok "MAINTAINERS matches the series and covers every added file"
else nok "MAINTAINERS"; echo "$out" | sed 's/^/#   /'; fi

# kernel-doc
for f in "${cfiles[@]}"; do
	out=$(perl "$src/scripts/kernel-doc" -none "$f" 2>&1)
	if [ -z "$out" ]; then ok "kernel-doc $f"; else nok "kernel-doc $f"; echo "$out" | sed 's/^/#   /'; fi
done

# W=1 and sparse on the touched directories
dirs=$( { for f in "${cfiles[@]}"; do case "$f" in *.c) dirname "$f";; esac; done
	for p in "${patches[@]}"; do sed -n 's#^+++ b/\(.*\.c\)\([\t ].*\)*$#\1#p' "$p" | xargs -r -n1 dirname; done
	} | sort -u)
if [ ! -f "$kbuild/.config" ]; then
	nok "W=1/sparse: no configured kernel in build/vm (run make)"
	dirs=""
fi
cc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache gcc"
	export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tsm-ccache} CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1
fi
# warn TREE OUTDIR: build the touched directories with W=1 C=2 into
# OUTDIR; OUTDIR/warnings gets the normalised warnings (file: message, no
# line numbers).  Fails if the build fails.
warn() {
	local tree=$1 out=$2 d st=0
	mkdir -p "$out"
	if ! cmp -s "$kbuild/.config" "$out/.config.src"; then
		cp "$kbuild/.config" "$out/.config"
		make -s -C "$tree" O="$out" CC="$cc" olddefconfig > /dev/null 2>&1 || return 1
		cp "$kbuild/.config" "$out/.config.src"
	fi
	: > "$out/build.log"
	for d in $dirs; do
		[ -d "$tree/$d" ] || continue
		# Objects are rebuilt each time so every warning is seen (ccache
		# replays the compiler's output).
		find "$out/$d" -maxdepth 1 -name '*.o' -delete 2>/dev/null
		make -C "$tree" O="$out" CC="$cc" -j"$(nproc)" W=1 C=2 "$d/" >> "$out/build.log" 2>&1 || st=1
	done
	sed -n -E 's#^(\.\./)*([^ :]+):[0-9]+(:[0-9]+)?: (warning|error): (.*)$#\2: \4: \5#p' "$out/build.log" |
		sed -E "s#^$tree/##" | sort -u > "$out/warnings"
	return $st
}
if [ -n "$dirs" ]; then
	if warn "$src" "$top/build/gates"; then
		ok "W=1 and sparse: the touched directories build"
	else
		nok "W=1 and sparse: the touched directories do not build (build/gates/build.log)"
		grep -E 'error|Error' "$top/build/gates/build.log" | head -20 | sed 's/^/#   /'
	fi
	warn "$base" "$top/build/gates-base" || true
	new=$(comm -23 "$top/build/gates/warnings" "$top/build/gates-base/warnings")
	for d in $dirs; do
		dnew=$(echo "$new" | grep "^$d/[^/]*: " || true)
		if [ -z "$dnew" ]; then
			ok "W=1 and sparse: no new warning in $d"
		else
			nok "W=1 and sparse: new warnings in $d"
			echo "$dnew" | sed 's/^/#   /'
		fi
	done
	rest=$(echo "$new" | grep -v -E "^($(echo $dirs | tr ' ' '|'))/[^/]*: " | grep -v '^$' || true)
	if [ -n "$rest" ]; then
		nok "W=1 and sparse: new warnings elsewhere"
		echo "$rest" | sed 's/^/#   /'
	fi
fi

echo "gates: $pass passed, $fail failed"
[ $fail -eq 0 ]
