/* SPDX-License-Identifier: GPL-2.0 */
/* The uapi errno values, which glibc also includes from here */
#include_next <linux/errno.h>
