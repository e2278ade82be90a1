/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the fault commands of qapi/mdev.json (query-mdev-faults,
 * mdev-fault-inject, mdev-fault-clear), handed to the monitor's side
 * (hw/mdev/qemu/mdev-monitor.c) when hw/mdev is registered. The faults
 * themselves live with each mdev (include/hw/mdev/fault.hpp, through
 * mdev-fault.h); this file finds the mdev by UUID, turns QMP's arguments
 * into text, and blocks migration while an mdev has faults armed: armed
 * faults are a test's instrument and are not carried in the stream, so from
 * mdev-fault-inject until the mdev's faults are cleared (mdev-fault-clear,
 * or the device's removal) migration is refused, even once a counted fault
 * has fired its count (docs/fault-injection.md, "Migration").
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/uuid.h"
#include "qemu/module.h"
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "migration/blocker.h"
#include "hw/mdev/qemu/mdev-pci.h"
#include "hw/mdev/capi/mdev-fault.h"
#include "hw/mdev/qemu/mdev-monitor.h"

/* UUID (canonical text) -> the Error that blocks migration for it. */
static GHashTable *mdev_fault_blockers;

typedef struct MdevFaultFind {
    const char *uuid; /* NULL: every mdev */
    MdevFaultsList ***tail;
    MdevHandle *found;
} MdevFaultFind;

static MdevHandle *mdev_fault_handle(Object *obj)
{
    MdevPCIState *s = (MdevPCIState *)object_dynamic_cast(obj, TYPE_MDEV_PCI);

    return s ? s->handle : NULL;
}

static int mdev_fault_find(Object *obj, void *opaque)
{
    MdevFaultFind *f = opaque;
    MdevHandle *h = mdev_fault_handle(obj);

    if (h && !strcmp(mdev_uuid(h), f->uuid)) {
        f->found = h;
        return 1;
    }
    return 0;
}

/* The canonical form of @uuid, or NULL and @errp. */
static char *mdev_fault_canonical(const char *uuid, Error **errp)
{
    QemuUUID parsed;

    if (qemu_uuid_parse(uuid, &parsed) < 0) {
        error_setg(errp, "'%s' is not a UUID", uuid);
        error_append_hint(errp, "A UUID is 8-4-4-4-12 hex digits, e.g. "
                          "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\n");
        return NULL;
    }
    return qemu_uuid_unparse_strdup(&parsed);
}

static MdevHandle *mdev_fault_lookup(const char *uuid, char **canonical,
                                     Error **errp)
{
    MdevFaultFind f = { 0 };
    char *c = mdev_fault_canonical(uuid, errp);

    if (!c) {
        return NULL;
    }
    f.uuid = c;
    object_child_foreach_recursive(object_get_root(), mdev_fault_find, &f);
    if (!f.found) {
        error_setg(errp, "no mdev has UUID %s", c);
        error_append_hint(errp, "query-mdevs lists the mdevs that exist\n");
        g_free(c);
        return NULL;
    }
    *canonical = c;
    return f.found;
}

static MdevFaults *mdev_fault_describe(MdevHandle *h)
{
    MdevFaults *m = g_new0(MdevFaults, 1);
    MdevFaultInfoList **tail = &m->faults;
    MdevFaultDesc info;

    m->uuid = g_strdup(mdev_uuid(h));
    for (size_t i = 0; mdev_fault_info(h, i, &info); i++) {
        MdevFaultInfo *fi = g_new0(MdevFaultInfo, 1);
        MdevFaultParamList **ptail = &fi->params;
        MdevFaultParamDesc pinfo;

        fi->name = g_strdup(info.name);
        fi->description = g_strdup(info.description);
        fi->armed = info.armed;
        fi->count = info.count;
        fi->skip = info.skip;
        fi->fired = info.fired;
        for (size_t j = 0; mdev_fault_param(h, i, j, &pinfo); j++) {
            MdevFaultParam *p = g_new0(MdevFaultParam, 1);

            p->name = g_strdup(pinfo.name);
            p->type = g_strdup(pinfo.type);
            p->description = g_strdup(pinfo.description);
            QAPI_LIST_APPEND(ptail, p);
        }
        QAPI_LIST_APPEND(tail, fi);
    }
    return m;
}

static int mdev_fault_collect(Object *obj, void *opaque)
{
    MdevFaultFind *f = opaque;
    MdevHandle *h = mdev_fault_handle(obj);

    if (h) {
        QAPI_LIST_APPEND(*f->tail, mdev_fault_describe(h));
    }
    return 0;
}

static MdevFaultsList *mdev_fault_query(const char *uuid, Error **errp)
{
    MdevFaultsList *list = NULL;
    MdevFaultsList **tail = &list;
    MdevFaultFind f = { .tail = &tail };

    if (uuid) {
        g_autofree char *canonical = NULL;
        MdevHandle *h = mdev_fault_lookup(uuid, &canonical, errp);

        if (h) {
            QAPI_LIST_APPEND(tail, mdev_fault_describe(h));
        }
        return list;
    }
    object_child_foreach_recursive(object_get_root(), mdev_fault_collect, &f);
    return list;
}

static void mdev_fault_unblock(const char *uuid)
{
    Error *blocker;

    if (mdev_fault_blockers &&
        (blocker = g_hash_table_lookup(mdev_fault_blockers, uuid))) {
        g_hash_table_remove(mdev_fault_blockers, uuid);
        migrate_del_blocker(&blocker);
    }
}

void mdev_fault_forget(const char *uuid)
{
    mdev_fault_unblock(uuid);
}

static bool mdev_fault_block(const char *uuid, Error **errp)
{
    Error *blocker = NULL;

    if (!mdev_fault_blockers) {
        mdev_fault_blockers = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                    g_free, NULL);
    }
    if (g_hash_table_contains(mdev_fault_blockers, uuid)) {
        return true;
    }
    error_setg(&blocker, "mdev %s has faults armed (armed faults are not "
               "migrated); mdev-fault-clear disarms them", uuid);
    if (migrate_add_blocker(&blocker, errp) < 0) {
        return false;
    }
    g_hash_table_insert(mdev_fault_blockers, g_strdup(uuid), blocker);
    return true;
}

/* One member of @args as text; NULL and @errp if it is of no accepted type. */
static char *mdev_fault_arg_text(const char *fault, const char *key,
                                 QObject *value, Error **errp)
{
    int64_t i;
    uint64_t u;

    switch (qobject_type(value)) {
    case QTYPE_QSTRING:
        return g_strdup(qstring_get_str(qobject_to(QString, value)));
    case QTYPE_QBOOL:
        return g_strdup(qbool_get_bool(qobject_to(QBool, value)) ? "true"
                                                                 : "false");
    case QTYPE_QNUM:
        if (qnum_get_try_int(qobject_to(QNum, value), &i)) {
            return g_strdup_printf("%" PRId64, i);
        }
        if (qnum_get_try_uint(qobject_to(QNum, value), &u)) {
            return g_strdup_printf("%" PRIu64, u);
        }
        break;
    default:
        break;
    }
    error_setg(errp, "fault '%s' argument '%s' must be a string, an integer "
               "or a boolean", fault, key);
    return NULL;
}

static void mdev_fault_inject_cmd(const char *uuid, const char *fault,
                                  uint64_t count, uint64_t skip,
                                  QObject *args, Error **errp)
{
    g_autofree char *canonical = NULL;
    MdevHandle *h = mdev_fault_lookup(uuid, &canonical, errp);
    g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
    g_autofree MdevFaultArg *cargs = NULL;
    size_t nargs = 0;
    MdevError err = { 0 };

    if (!h) {
        return;
    }
    if (args) {
        QDict *dict = qobject_to(QDict, args);
        const QDictEntry *e;

        if (!dict) {
            error_setg(errp, "'args' must be an object of the fault's "
                       "parameters, e.g. {\"vector\": 1}");
            return;
        }
        cargs = g_new0(MdevFaultArg, qdict_size(dict) + 1);
        for (e = qdict_first(dict); e; e = qdict_next(dict, e)) {
            char *text = mdev_fault_arg_text(fault, e->key, e->value, errp);

            if (!text) {
                return;
            }
            g_ptr_array_add(texts, text);
            cargs[nargs].name = e->key;
            cargs[nargs].value = text;
            nargs++;
        }
    }
    if (!mdev_fault_block(canonical, errp)) {
        error_prepend(errp, "cannot arm a fault now: ");
        return;
    }
    if (!mdev_fault_inject(h, fault, count, skip, cargs, nargs, &err)) {
        error_setg(errp, "%s", err.message);
        if (!mdev_faults_armed(h)) {
            mdev_fault_unblock(canonical);
        }
    }
}

static void mdev_fault_clear_cmd(const char *uuid, const char *fault,
                                 Error **errp)
{
    g_autofree char *canonical = NULL;
    MdevHandle *h = mdev_fault_lookup(uuid, &canonical, errp);
    MdevError err = { 0 };

    if (!h) {
        return;
    }
    if (!mdev_fault_clear(h, fault, &err)) {
        error_setg(errp, "%s", err.message);
        return;
    }
    if (!mdev_faults_armed(h)) {
        mdev_fault_unblock(canonical);
    }
}

static const MdevFaultMonitorOps mdev_fault_monitor_ops = {
    .query = mdev_fault_query,
    .inject = mdev_fault_inject_cmd,
    .clear = mdev_fault_clear_cmd,
};

static void mdev_fault_register(void)
{
    mdev_monitor_register_faults(&mdev_fault_monitor_ops);
}

type_init(mdev_fault_register)
