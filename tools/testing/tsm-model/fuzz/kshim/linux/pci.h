/* SPDX-License-Identifier: GPL-2.0 */
#include <linux/pci_regs.h>
#include "../kshim.h"
