/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: HMP "info mdev" (hw/mdev/mdev-qmp.c), for QEMU's HMP command
 * table (hmp-commands-info.hx, through scripts/qemu-overlay.patch).
 */
#ifndef HW_MDEV_MDEV_MONITOR_H
#define HW_MDEV_MDEV_MONITOR_H

#include "qobject/qdict.h"

void hmp_info_mdev(Monitor *mon, const QDict *qdict);

#endif /* HW_MDEV_MDEV_MONITOR_H */
