/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the monitor's side of mediated devices. The QMP commands of
 * qapi/mdev.json and HMP "info mdev" are part of every system emulator
 * (hw/mdev/qemu/mdev-monitor.c), because QEMU's generated command table calls
 * them by name; what they report lives with the devices (hw/mdev/qemu/mdev-qmp.c),
 * which a build with --enable-modules puts into a loadable module. The
 * devices hand their implementation over when they are registered.
 */
#ifndef HW_MDEV_MDEV_MONITOR_H
#define HW_MDEV_MDEV_MONITOR_H

#include "qapi/qapi-types-mdev.h"
#include "qobject/qdict.h"

typedef struct MdevMonitorOps {
    MdevParentSummaryList *(*query_parents)(Error **errp);
    MdevInfoList *(*query_mdevs)(Error **errp);
    void (*remove)(const char *uuid, Error **errp);
} MdevMonitorOps;

/* Called once, when hw/mdev's QOM types are registered. */
void mdev_monitor_register(const MdevMonitorOps *ops);

/* The fault commands (docs/fault-injection.md), hw/mdev/qemu/mdev-fault-qmp.c. */
typedef struct MdevFaultMonitorOps {
    MdevFaultsList *(*query)(const char *uuid, Error **errp);
    void (*inject)(const char *uuid, const char *fault, uint64_t count,
                   uint64_t skip, QObject *args, Error **errp);
    void (*clear)(const char *uuid, const char *fault, Error **errp);
} MdevFaultMonitorOps;

void mdev_monitor_register_faults(const MdevFaultMonitorOps *ops);

/* HMP "info mdev", for QEMU's command table (hmp-commands-info.hx). */
void hmp_info_mdev(Monitor *mon, const QDict *qdict);
/* HMP "info mdev-faults", mdev_fault_inject, mdev_fault_clear. */
void hmp_info_mdev_faults(Monitor *mon, const QDict *qdict);
void hmp_mdev_fault_inject(Monitor *mon, const QDict *qdict);
void hmp_mdev_fault_clear(Monitor *mon, const QDict *qdict);

#endif /* HW_MDEV_MDEV_MONITOR_H */
