#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the TEE-IO benchmark.  Builds three kernels without debug
# options (configs/vm.config minus its debug section, plus
# configs/bench.config):
#
#   build/bench        the series;
#   build/bench-poll   the series without patch 0004 (the base tree's
#                      fixed DOE polling), from its own tree build/src-bench-poll;
#   build/bench-notsm  the series with CONFIG_PCI_TSM=n (no TSM core);
#
# boots each under QEMU (TCG) with tools/testing/selftests/tsm/bench.sh,
# collects the "@@BENCH" figures of the three runs and prints, for every
# scenario, the measured figure, the limit it is compared with and the
# ratio, plus a Markdown table in build/bench/results.md.  Exits 1 if a
# run fails or a target of the issue is missed.
#
# BENCH_REPS=N repeats every measurement N times (default 3; medians).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
mkdir -p "$out"
reps=${BENCH_REPS:-3}
vmfrag=$top/configs/vm.config

# The fragments: vm.config without "# Debug options" up to the next blank
# line, then bench.config; the no-TSM kernel also drops what needs PCI_TSM.
sed '/^# Debug options/,/^$/d' "$vmfrag" > "$out/bench.config.new"
cat "$top/configs/bench.config" >> "$out/bench.config.new"
grep -Ev '^CONFIG_(PCI_TSM|CRYPTO_DEV_SP_PSP_TIO_EMU|SAMPLE_TSM_EMU_PSP|SAMPLE_TSM_LINK|SAMPLE_TSM_DEVSEC|SEV_TIO_GUEST)=' \
	"$out/bench.config.new" > "$out/notsm.config.new"
echo 'CONFIG_PCI_TSM=n' >> "$out/notsm.config.new"
# Rewrite a fragment only when it changed, so the builds stay incremental.
for f in bench notsm; do
	cmp -s "$out/$f.config.new" "$out/$f.config" || mv "$out/$f.config.new" "$out/$f.config"
	rm -f "$out/$f.config.new"
done

"$top/scripts/deps.sh"
"$top/scripts/prepare-tree.sh"
TSM_SRC=$top/build/src-bench-poll TSM_SKIP_PATCHES=0004 "$top/scripts/prepare-tree.sh"
make -s -C "$top" tools

# One kernel at a time: two cores.
"$top/scripts/build-kernel.sh" bench "$out/bench.config"
TSM_SRC=$top/build/src-bench-poll "$top/scripts/build-kernel.sh" bench-poll "$out/bench.config"
"$top/scripts/build-kernel.sh" bench-notsm "$out/notsm.config"

run()	# run KERNEL MODE
{
	local mode=$2 log=$out/$2.log
	echo "$mode $reps" > "$out/bench-mode"
	echo "bench: $mode ($1)"
	if ! TSM_KBUILD=$top/build/$1 TSM_VM_LOG=$log.console \
	     "$top/scripts/vm-run.sh" "$top/tools/testing/selftests/tsm/bench.sh" \
	     "$out/bench-mode" > "$log" 2>&1; then
		echo "bench: the $mode run failed:" >&2
		tail -20 "$log" >&2
		exit 1
	fi
	grep '^@@BENCH ' "$log" | cut -d' ' -f2- > "$out/$mode.fig"
}
run bench full
run bench-poll poll
run bench-notsm notsm

cat "$out/full.fig" "$out/poll.fig" "$out/notsm.fig" > "$out/all.fig"
awk -v reps="$reps" -v md="$out/results.md" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return a[int((n + 1) / 2)]
}
function verdict(ok) { if (!ok) failed = 1; return ok ? "ok" : "MISSED" }
function row(k, l, what, tgt) {
	printf "| 1: connect, %d us/message, %s | %.1f ms | %.1f ms (models busy + injected) | %.3f | %s |\n",
		l, what, median(wall[k, l]) / 1000, median(model[k, l]) / 1000,
		median(ratio[k, l]), tgt >> md
}
$1 == "s1" {
	wall[$2, $3] = wall[$2, $3] " " $4
	model[$2, $3] = model[$2, $3] " " $5
	ratio[$2, $3] = ratio[$2, $3] " " ($5 > 0 ? $4 / $5 : 0)
	# transport cost per DOE exchange and per firmware command
	if ($10 > 0) doex[$2, $3] = doex[$2, $3] " " ($8 - $6) / $10
	if ($11 > 0) fwx[$2, $3] = fwx[$2, $3] " " ($9 - $7) / $11
	if (!($3 in seen)) { seen[$3] = 1; lats[++nl] = $3 }
}
$1 == "s2" {
	sp = sp " " $2 / $3; ser = ser " " $2; con = con " " $3
	# The firmware is serial: its busy time bounds the concurrent wall time
	fwb = fwb " " $5; bound = bound " " ($5 > 0 ? $2 / $5 : 0)
}
$1 == "s2cpu" {
	# USER_HZ ticks (10 ms): all CPUs busy, and the two model processes
	scpu = scpu " " $2 * 10; smod = smod " " $3 * 10
	ccpu = ccpu " " $4 * 10; cmod = cmod " " $5 * 10; ncpu = $6
}
$1 == "s4_connect" { kc = $2 / 16 / 1024; pc = $3 / 16 }
$1 == "s4_bind" { kb = $2 / 16 / 1024; pb = $3 / 16 }
$1 == "enum_load_us" { if (!have_enum) { with_tsm = $2; have_enum = 1 } else without_tsm = $2 }
END {
	printf "| scenario | measured | limit | ratio | target |\n" > md
	printf "|---|---|---|---|---|\n" >> md
	printf "Scenario 1: connect wall time vs the models'"'"' busy + injected time (median of %d)\n", reps
	for (i = 1; i <= nl; i++) {
		l = lats[i]
		r = median(ratio["full", l]); ri = median(ratio["irq", l]); rp = median(ratio["poll", l])
		tgt = l >= 1000 ? 1.2 : l >= 100 ? 1.5 : 0
		v = tgt ? verdict(r <= tgt) : "-"
		vi = tgt ? verdict(ri <= tgt) : "-"
		printf "  %4d us/message: adaptive polling %.3f (%.1f / %.1f ms), DOE interrupt %.3f (%.1f / %.1f ms), fixed polling %.3f (%.1f / %.1f ms); target %s: %s, %s\n",
			l, r, median(wall["full", l]) / 1000, median(model["full", l]) / 1000,
			ri, median(wall["irq", l]) / 1000, median(model["irq", l]) / 1000,
			rp, median(wall["poll", l]) / 1000, median(model["poll", l]) / 1000,
			tgt ? "<= " tgt : "none", v, vi
		printf "        host cost per DOE exchange / per firmware command: adaptive %.0f / %.0f us, interrupt %.0f / %.0f us, fixed polling %.0f / %.0f us\n",
			median(doex["full", l]), median(fwx["full", l]), median(doex["irq", l]),
			median(fwx["irq", l]), median(doex["poll", l]), median(fwx["poll", l])
		row("full", l, "adaptive DOE polling (patch 0004)", tgt ? "<= " tgt " " v : "-")
		row("irq", l, "DOE interrupt (patch 0003)", tgt ? "<= " tgt " " vi : "-")
		row("poll", l, "base tree fixed polling", "(comparison)")
	}
	s = median(sp)
	printf "Scenario 2: 16 devices at 2 ms/message: one after another %.1f ms, concurrently %.1f ms: speedup %.2f (target >= 8) %s\n",
		median(ser) / 1000, median(con) / 1000, s, verdict(s >= 8)
	printf "        the firmware model, serial like the PSP, was running commands for %.1f ms of the %.1f ms concurrent run (%.0f%%); serial time / that = %.2f\n",
		median(fwb) / 1000, median(con) / 1000, 100 * median(fwb) / median(con), median(bound)
	printf "        CPU time in the serial run: %.0f ms, of which the models %.0f ms (%.0f%%): the rest, kernel and tools, %.1f ms per connect; concurrent run: %.0f ms on %d CPUs, models %.0f ms\n",
		median(scpu), median(smod), 100 * median(smod) / median(scpu),
		(median(scpu) - median(smod)) / 16, median(ccpu), ncpu, median(cmod)
	printf "| 2: 16 devices at 2 ms/message, concurrent vs serial | %.1f ms | %.1f ms | speedup %.2f | >= 8 %s |\n",
		median(con) / 1000, median(ser) / 1000, s, verdict(s >= 8) >> md
	printf "| 2: the serial firmware model'"'"'s busy time in the concurrent run, vs serial wall | %.1f ms | %.1f ms | %.2f | (figure) |\n",
		median(fwb) / 1000, median(ser) / 1000, median(bound) >> md
	printf "| 2: CPU time of the serial run spent in the models (kernel and tools: %.1f ms per connect) | %.0f ms | %.0f ms | %.2f | (figure) |\n",
		(median(scpu) - median(smod)) / 16, median(smod), median(scpu),
		median(smod) / median(scpu) >> md
	e = without_tsm > 0 ? with_tsm / without_tsm : 0
	printf "Scenario 3: enumeration of 256 TEE-capable functions: with the TSM core %.1f ms, without %.1f ms: ratio %.3f (target <= 1.05) %s\n",
		with_tsm / 1000, without_tsm / 1000, e, verdict(e > 0 && e <= 1.05)
	printf "| 3: enumeration, 256 TEE-capable functions, with vs without the TSM core | %.1f ms | %.1f ms | %.3f | <= 1.05 %s |\n",
		with_tsm / 1000, without_tsm / 1000, e, verdict(e > 0 && e <= 1.05) >> md
	printf "Scenario 4: slab kept (kmem trace events) per connected device %.1f KiB, per bound interface %.1f KiB; firmware-owned pages per connected device %.1f, per bound interface %.1f\n",
		kc, kb, pc, pb
	printf "| 4: slab per connected device (16 connected at once) | %.1f KiB | - | - | (figure) |\n", kc >> md
	printf "| 4: slab per bound interface (16 bound) | %.1f KiB | - | - | (figure) |\n", kb >> md
	printf "| 4: firmware-owned pages per connected device / bound interface | %.1f / %.1f | - | - | (figure) |\n",
		pc, pb >> md
	exit failed
}' "$out/all.fig"
