#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the TSM VM selftests (busybox sh).  Source after
# ktap_helpers.sh.

TSM_EMU_DOMAIN=${TSM_EMU_DOMAIN:-10000}

# tsm_check DESCRIPTION COMMAND...: one KTAP result from a command's status.
tsm_check()
{
	desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# tsm_write_fails ERRNO_TEXT VALUE FILE: writing VALUE to FILE must fail
# and the shell's error text must name the expected errno.
tsm_write_fails()
{
	want=$1
	val=$2
	file=$3
	out=$( (echo "$val" > "$file") 2>&1 )
	st=$?
	if [ $st -eq 0 ]; then
		echo "# write '$val' > $file unexpectedly succeeded"
		return 1
	fi
	case "$out" in
	*"$want"*) return 0 ;;
	esac
	echo "# write '$val' > $file: '$out', expected '$want'"
	return 1
}

# tsm_read FILE: contents of FILE (empty if it cannot be read)
tsm_read()
{
	cat "$1" 2>/dev/null
}

# tsm_expect_eq WANT GOT WHAT
tsm_expect_eq()
{
	if [ "$1" = "$2" ]; then
		return 0
	fi
	echo "# $3: expected '$1', got '$2'"
	return 1
}

# tsm_module_path NAME: path of a module of the running kernel
tsm_module_path()
{
	find "$TSM_MODDIR" -name "$1.ko" | head -1
}

tsm_load()
{
	insmod "$(tsm_module_path "$1")" "$@" 2>/dev/null
}

tsm_loaded()
{
	grep -q "^$1 " /proc/modules
}
