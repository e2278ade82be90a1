/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QMP commands of qapi/mdev.json and HMP "info mdev" as the
 * monitor sees them, built into every system emulator. They answer through
 * the ops hw/mdev registers (hw/mdev/qemu/mdev-qmp.c). In a modular build that
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
#include "monitor/hmp.h"
#include "qemu/cutils.h"
#include "qobject/qdict.h"
#include "hw/mdev/qemu/mdev-bus.h"
#include "hw/mdev/qemu/mdev-monitor.h"

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

/* ---- Fault injection (docs/fault-injection.md) ---------------------------- */

static const MdevFaultMonitorOps *mdev_fault_monitor_ops;

void mdev_monitor_register_faults(const MdevFaultMonitorOps *ops)
{
    mdev_fault_monitor_ops = ops;
}

static const MdevFaultMonitorOps *mdev_fault_monitor(Error **errp)
{
    /* The same module registers both (or this build has none). */
    if (!mdev_monitor(errp)) {
        return NULL;
    }
    if (!mdev_fault_monitor_ops) {
        error_setg(errp, "this build of hw/mdev has no fault injection");
    }
    return mdev_fault_monitor_ops;
}

MdevFaultsList *qmp_query_mdev_faults(const char *uuid, Error **errp)
{
    const MdevFaultMonitorOps *ops = mdev_fault_monitor(errp);

    return ops ? ops->query(uuid, errp) : NULL;
}

void qmp_mdev_fault_inject(const char *uuid, const char *fault,
                           bool has_count, uint64_t count,
                           bool has_skip, uint64_t skip,
                           QObject *args, Error **errp)
{
    const MdevFaultMonitorOps *ops = mdev_fault_monitor(errp);

    if (ops) {
        ops->inject(uuid, fault, has_count ? count : 1, has_skip ? skip : 0,
                    args, errp);
    }
}

void qmp_mdev_fault_clear(const char *uuid, const char *fault, Error **errp)
{
    const MdevFaultMonitorOps *ops = mdev_fault_monitor(errp);

    if (ops) {
        ops->clear(uuid, fault, errp);
    }
}

void hmp_info_mdev_faults(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;
    g_autoptr(MdevFaultsList) list =
        qmp_query_mdev_faults(qdict_get_try_str(qdict, "uuid"), &err);

    if (hmp_handle_error(mon, err)) {
        return;
    }
    if (!list) {
        monitor_printf(mon, "no mdevs\n");
    }
    for (MdevFaultsList *m = list; m; m = m->next) {
        monitor_printf(mon, "mdev %s\n", m->value->uuid);
        if (!m->value->faults) {
            monitor_printf(mon, "  no faults\n");
        }
        for (MdevFaultInfoList *f = m->value->faults; f; f = f->next) {
            MdevFaultInfo *fi = f->value;

            monitor_printf(mon, "  %-18s %s, fired %" PRIu64 "%s\n", fi->name,
                           fi->armed ? "armed" : "not armed", fi->fired,
                           fi->armed && fi->count == 0 ? " (until cleared)" : "");
            monitor_printf(mon, "    %s\n", fi->description);
            for (MdevFaultParamList *p = fi->params; p; p = p->next) {
                monitor_printf(mon, "    %s=%s: %s\n", p->value->name,
                               p->value->type, p->value->description);
            }
        }
    }
}

/*
 * "count=N skip=N key=value ...": count and skip are the command's, the
 * rest the fault's parameters, passed as text (the fault parses them by
 * its parameters' types).
 */
void hmp_mdev_fault_inject(Monitor *mon, const QDict *qdict)
{
    const char *rest = qdict_get_try_str(qdict, "args");
    g_auto(GStrv) words = g_strsplit_set(rest ? rest : "", " \t", -1);
    g_autoptr(QDict) args = qdict_new();
    bool has_count = false, has_skip = false;
    uint64_t count = 0, skip = 0;
    Error *err = NULL;

    for (char **w = words; *w; w++) {
        char *eq = strchr(*w, '=');
        g_autofree char *key = NULL;

        if (!**w) {
            continue;
        }
        if (!eq || eq == *w) {
            monitor_printf(mon, "'%s' is not key=value (count=N, skip=N or a "
                           "parameter of the fault)\n", *w);
            return;
        }
        key = g_strndup(*w, eq - *w);
        if (!strcmp(key, "count") || !strcmp(key, "skip")) {
            uint64_t v;

            if (qemu_strtou64(eq + 1, NULL, 0, &v) < 0) {
                monitor_printf(mon, "%s takes an unsigned integer, not '%s'\n",
                               key, eq + 1);
                return;
            }
            if (!strcmp(key, "count")) {
                has_count = true;
                count = v;
            } else {
                has_skip = true;
                skip = v;
            }
            continue;
        }
        qdict_put_str(args, key, eq + 1);
    }
    qmp_mdev_fault_inject(qdict_get_str(qdict, "uuid"),
                          qdict_get_str(qdict, "fault"), has_count, count,
                          has_skip, skip, QOBJECT(args), &err);
    hmp_handle_error(mon, err);
}

void hmp_mdev_fault_clear(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_mdev_fault_clear(qdict_get_str(qdict, "uuid"),
                         qdict_get_try_str(qdict, "fault"), &err);
    hmp_handle_error(mon, err);
}
