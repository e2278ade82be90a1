/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QMP queries and HMP "info mdev" in a QEMU built without
 * hw/mdev (CONFIG_MDEV off): the schema is the same for every target, so
 * the commands exist and say that this binary has no mdevs.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-mdev.h"
#include "monitor/monitor.h"
#include "hw/mdev/mdev-monitor.h"

MdevParentSummaryList *qmp_query_mdev_parents(Error **errp)
{
    error_setg(errp, "this QEMU is built without mediated devices");
    return NULL;
}

MdevInfoList *qmp_query_mdevs(Error **errp)
{
    error_setg(errp, "this QEMU is built without mediated devices");
    return NULL;
}

void qmp_mdev_remove(const char *uuid, Error **errp)
{
    error_setg(errp, "this QEMU is built without mediated devices");
}

void hmp_info_mdev(Monitor *mon, const QDict *qdict)
{
    monitor_printf(mon, "this QEMU is built without mediated devices\n");
}
