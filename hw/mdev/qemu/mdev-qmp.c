/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: what the QMP queries of parents and mdevs (qapi/mdev.json) and
 * HMP "info mdev" report, handed to the monitor's side of them
 * (hw/mdev/qemu/mdev-monitor.c) when hw/mdev is registered. Parents come from their declarations,
 * with what is left of their budget; mdevs are found as the QOM devices
 * that hold them, so that each comes with its QOM path and id.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-qdev.h"
#include "qemu/uuid.h"
#include "qemu/module.h"
#include "hw/mdev/qemu/mdev-pci.h"
#include "hw/mdev/qemu/mdev-monitor.h"
#include "hw/mdev/qemu/mdev-parent-object.h"

static const char *mdev_class_text(MdevClass c)
{
    switch (c) {
    case MDEV_CLASS_VFIO:
        return "vfio";
    case MDEV_CLASS_VIRTIO:
        return "virtio";
    }
    return "unknown";
}

static strList *mdev_split_classes(const char *classes)
{
    g_auto(GStrv) parts = g_strsplit(classes, ", ", -1);
    strList *list = NULL;
    strList **tail = &list;

    for (char **p = parts; *p; p++) {
        if (**p) {
            QAPI_LIST_APPEND(tail, g_strdup(*p));
        }
    }
    return list;
}

static MdevParentSummaryList *mdev_qmp_query_parents(Error **errp)
{
    MdevParentSummaryList *list = NULL;
    MdevParentSummaryList **tail = &list;
    const char *id, *kind;

    /* The default parent of each kind first, then the user's. */
    for (size_t i = 0; mdev_parent_at(i, &id, &kind); i++) {
        const MdevParentInfo *info = mdev_parent_kind_info(kind);
        MdevParentSummary *p;
        MdevTypeInfoList **types;

        if (!info) {
            continue;
        }
        p = g_new0(MdevParentSummary, 1);
        types = &p->types;
        p->id = g_strdup(id);
        p->kind = g_strdup(info->name);
        p->qom_type = g_strdup_printf("mdev-%s", info->name);
        p->classes = mdev_split_classes(info->classes);
        for (size_t t = 0; t < info->ntypes; t++) {
            const MdevParentType *pt = &info->types[t];
            MdevTypeInfo *ti = g_new0(MdevTypeInfo, 1);

            ti->id = g_strdup(pt->id);
            ti->name = g_strdup(pt->name);
            ti->description = g_strdup(pt->description);
            ti->device_api = g_strdup(pt->device_api);
            ti->available_instances = mdev_available_instances(id, pt->id);
            QAPI_LIST_APPEND(types, ti);
        }
        QAPI_LIST_APPEND(tail, p);
    }
    return list;
}

static int mdev_collect(Object *obj, void *opaque)
{
    MdevInfoList ***tail = opaque;
    MdevPCIState *s = (MdevPCIState *)object_dynamic_cast(obj, TYPE_MDEV_PCI);
    MdevInfo *m;

    /* Not realized (or realize failed): no mdev behind it yet. */
    if (!s || !s->handle) {
        return 0;
    }
    m = g_new0(MdevInfo, 1);
    m->uuid = g_strdup(mdev_uuid(s->handle));
    m->parent = g_strdup(mdev_parent_id(s->handle));
    m->type = g_strdup(mdev_type_id(s->handle));
    m->q_class = g_strdup(mdev_class_text(mdev_class(s->handle)));
    m->driver = g_strdup(mdev_driver_name(s->handle));
    m->qom_path = object_get_canonical_path(obj);
    if (DEVICE(obj)->id) {
        m->device_id = g_strdup(DEVICE(obj)->id);
    }
    QAPI_LIST_APPEND(*tail, m);
    return 0;
}

static MdevInfoList *mdev_qmp_query_mdevs(Error **errp)
{
    MdevInfoList *list = NULL;
    MdevInfoList **tail = &list;

    object_child_foreach_recursive(object_get_root(), mdev_collect, &tail);
    return list;
}

typedef struct MdevFind {
    const char *uuid;
    Object *found;
} MdevFind;

static int mdev_find_by_uuid(Object *obj, void *opaque)
{
    MdevFind *f = opaque;
    MdevPCIState *s = (MdevPCIState *)object_dynamic_cast(obj, TYPE_MDEV_PCI);

    if (s && s->handle && !strcmp(mdev_uuid(s->handle), f->uuid)) {
        f->found = obj;
        return 1;
    }
    return 0;
}

static void mdev_qmp_remove(const char *uuid, Error **errp)
{
    QemuUUID parsed;
    g_autofree char *canonical = NULL;
    g_autofree char *path = NULL;
    MdevFind f = { 0 };

    if (qemu_uuid_parse(uuid, &parsed) < 0) {
        error_setg(errp, "'%s' is not a UUID", uuid);
        error_append_hint(errp, "A UUID is 8-4-4-4-12 hex digits, e.g. "
                          "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\n");
        return;
    }
    canonical = qemu_uuid_unparse_strdup(&parsed);
    f.uuid = canonical;
    object_child_foreach_recursive(object_get_root(), mdev_find_by_uuid, &f);
    if (!f.found) {
        error_setg(errp, "no mdev has UUID %s", canonical);
        error_append_hint(errp, "query-mdevs lists the mdevs that exist\n");
        return;
    }
    path = object_get_canonical_path(f.found);
    qmp_device_del(path, errp);
}

static const MdevMonitorOps mdev_qmp_ops = {
    .query_parents = mdev_qmp_query_parents,
    .query_mdevs = mdev_qmp_query_mdevs,
    .remove = mdev_qmp_remove,
};

static void mdev_qmp_register(void)
{
    mdev_monitor_register(&mdev_qmp_ops);
}

type_init(mdev_qmp_register)
