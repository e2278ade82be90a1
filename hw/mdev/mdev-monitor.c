/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QMP commands of qapi/mdev.json and HMP "info mdev" as the
 * monitor sees them, built into every system emulator. They answer through
 * the ops hw/mdev registers (hw/mdev/mdev-qmp.c). In a modular build that
 * code is in a module nobody may have loaded yet (no mdev on the command
 * line), so a command loads it first, as -device would; a binary without
 * hw/mdev says so.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-mdev.h"
#include "qapi/type-helpers.h"
#include "qom/object.h"
#include "monitor/monitor.h"
#include "hw/mdev/mdev-bus.h"
#include "hw/mdev/mdev-monitor.h"

static const MdevMonitorOps *mdev_monitor_ops;

void mdev_monitor_register(const MdevMonitorOps *ops)
{
    mdev_monitor_ops = ops;
}

static const MdevMonitorOps *mdev_monitor(Error **errp)
{
    if (!mdev_monitor_ops) {
        /* Loads hw/mdev's module, if this build has one; a no-op otherwise. */
        module_object_class_by_name(TYPE_MDEV_BUS);
    }
    if (!mdev_monitor_ops) {
        error_setg(errp, "this QEMU is built without mediated devices");
        error_append_hint(errp, "hw/mdev is not in this build, or its "
                          "module (hw-mdev-devices) was not found: QEMU "
                          "loads only the modules of its own build\n");
    }
    return mdev_monitor_ops;
}

MdevParentSummaryList *qmp_query_mdev_parents(Error **errp)
{
    const MdevMonitorOps *ops = mdev_monitor(errp);

    return ops ? ops->query_parents(errp) : NULL;
}

MdevInfoList *qmp_query_mdevs(Error **errp)
{
    const MdevMonitorOps *ops = mdev_monitor(errp);

    return ops ? ops->query_mdevs(errp) : NULL;
}

void qmp_mdev_remove(const char *uuid, Error **errp)
{
    const MdevMonitorOps *ops = mdev_monitor(errp);

    if (ops) {
        ops->remove(uuid, errp);
    }
}

void hmp_info_mdev(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;
    g_autoptr(MdevParentSummaryList) parents = qmp_query_mdev_parents(&err);
    g_autoptr(MdevInfoList) mdevs = NULL;

    if (err) {
        monitor_printf(mon, "%s\n", error_get_pretty(err));
        error_free(err);
        return;
    }
    mdevs = qmp_query_mdevs(NULL);
    for (MdevParentSummaryList *p = parents; p; p = p->next) {
        MdevParentSummary *pi = p->value;
        g_auto(GStrv) class_v = strv_from_str_list(pi->classes);
        g_autofree char *classes = g_strjoinv(", ", class_v);

        monitor_printf(mon, "parent %s (%s), classes %s\n", pi->id,
                       pi->qom_type, classes);
        for (MdevTypeInfoList *t = pi->types; t; t = t->next) {
            monitor_printf(mon, "  type %-16s %-10s available %-4" PRId64
                           " %s\n", t->value->id, t->value->device_api,
                           t->value->available_instances, t->value->name);
        }
    }
    if (!mdevs) {
        monitor_printf(mon, "no mdevs\n");
    }
    for (MdevInfoList *m = mdevs; m; m = m->next) {
        MdevInfo *mi = m->value;

        monitor_printf(mon, "mdev %s parent %s type %s class %s driver %s "
                       "at %s\n", mi->uuid, mi->parent, mi->type,
                       mi->q_class, mi->driver, mi->qom_path);
    }
}
