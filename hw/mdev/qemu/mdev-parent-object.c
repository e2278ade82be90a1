/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: -object mdev-parent,id=ID,kind=KIND[,budget=N]: a parent of
 * mdevs with a budget of its own (mtty's ports, mdpy's displays, mbochs's
 * MB of video memory) beside the default parent of its kind. One QOM type
 * for every kind, because -object and object-add only take types that
 * QEMU's QAPI schema lists (qapi/qom.json: MdevParentProperties), and a
 * parent author writes no schema: the kind names a declared parent, whose
 * declaration says what the budget counts. Completing the object registers
 * a parent under ID with the core (and its ops); a device names it with
 * parent=ID. The object cannot be deleted while any mdev of it exists;
 * deleting it takes the parent away, so its id can be used again.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qom/object_interfaces.h"
#include "hw/mdev/capi/mdev.h"
#include "hw/mdev/capi/mdev-parent.h"
#include "hw/mdev/qemu/mdev-parent-object.h"

OBJECT_DECLARE_SIMPLE_TYPE(MdevParentObject, MDEV_PARENT)

struct MdevParentObject {
    Object parent_obj;
    char *kind;
    uint32_t budget;
    bool budget_set;
    /* The core's id once complete() registered the parent, else NULL. */
    char *id;
};

static char *mdev_parent_get_kind(Object *obj, Error **errp)
{
    return g_strdup(MDEV_PARENT(obj)->kind);
}

static void mdev_parent_set_kind(Object *obj, const char *value, Error **errp)
{
    MdevParentObject *p = MDEV_PARENT(obj);

    if (p->id) {
        error_setg(errp, "property 'kind': parent '%s' exists already", p->id);
        return;
    }
    g_free(p->kind);
    p->kind = g_strdup(value);
}

static void mdev_parent_get_budget(Object *obj, Visitor *v, const char *name,
                                   void *opaque, Error **errp)
{
    visit_type_uint32(v, name, &MDEV_PARENT(obj)->budget, errp);
}

static void mdev_parent_set_budget(Object *obj, Visitor *v, const char *name,
                                   void *opaque, Error **errp)
{
    MdevParentObject *p = MDEV_PARENT(obj);
    uint32_t value;

    if (p->id) {
        error_setg(errp, "property 'budget': the budget of parent '%s' "
                   "cannot change once it exists", p->id);
        return;
    }
    if (visit_type_uint32(v, name, &value, errp)) {
        p->budget = value;
        p->budget_set = true;
    }
}

/* "mtty, mdpy, ...": the kinds this QEMU has, for messages. */
static char *mdev_parent_kinds(void)
{
    GString *s = g_string_new("");
    const MdevParentInfo *info;

    for (size_t i = 0; (info = mdev_parent_info(i)) != NULL; i++) {
        g_string_append_printf(s, "%s%s", i ? ", " : "", info->name);
    }
    return g_string_free(s, false);
}

const MdevParentInfo *mdev_parent_kind_info(const char *kind)
{
    const MdevParentInfo *info;

    for (size_t i = 0; kind && (info = mdev_parent_info(i)) != NULL; i++) {
        if (!strcmp(info->name, kind)) {
            return info;
        }
    }
    return NULL;
}

static void mdev_parent_complete(UserCreatable *uc, Error **errp)
{
    MdevParentObject *p = MDEV_PARENT(uc);
    const char *id = object_get_canonical_path_component(OBJECT(uc));
    const MdevParentInfo *info = mdev_parent_kind_info(p->kind);
    char budget[16];
    MdevError err;

    if (!info) {
        g_autofree char *kinds = mdev_parent_kinds();

        error_setg(errp, "mdev-parent '%s': property 'kind': %s; accepted: %s",
                   id ? id : "?",
                   p->kind ? "no such parent kind" : "required", kinds);
        return;
    }
    snprintf(budget, sizeof(budget), "%" PRIu32, p->budget);
    if (!mdev_parent_new(info->name, id, p->budget_set ? budget : NULL,
                         &err)) {
        /* The core's message says why (an id taken, a budget refused). */
        error_setg(errp, "mdev-parent '%s': %s", id, err.message);
        return;
    }
    p->id = g_strdup(id);
}

static bool mdev_parent_can_be_deleted(UserCreatable *uc)
{
    MdevParentObject *p = MDEV_PARENT(uc);

    return !p->id || !mdev_parent_in_use(p->id);
}

static void mdev_parent_instance_finalize(Object *obj)
{
    MdevParentObject *p = MDEV_PARENT(obj);
    MdevError err;

    /*
     * object-del has made sure no mdev is left (can_be_deleted). At exit,
     * QEMU deletes user objects while devices still exist: the parent then
     * stays with the core, which lives as long as the process.
     */
    if (p->id) {
        (void)mdev_parent_delete(p->id, &err);
    }
    g_free(p->id);
    g_free(p->kind);
}

const char *mdev_parent_object_id(Object *obj, const char *kind, Error **errp)
{
    MdevParentObject *p = MDEV_PARENT(obj);
    const char *name = object_get_canonical_path_component(obj);

    if (!p->id) {
        error_setg(errp, "property 'parent': mdev-parent '%s' was not "
                   "created", name);
        return NULL;
    }
    if (strcmp(p->kind, kind) != 0) {
        error_setg(errp, "property 'parent': '%s' is a parent of kind '%s'; "
                   "an mdev-%s needs one of kind '%s'", p->id, p->kind, kind,
                   kind);
        return NULL;
    }
    return p->id;
}

static void mdev_parent_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    g_autofree char *kinds = mdev_parent_kinds();
    g_autofree char *kind_help = g_strdup_printf(
        "Required. The parent's kind: %s", kinds);

    ucc->complete = mdev_parent_complete;
    ucc->can_be_deleted = mdev_parent_can_be_deleted;
    object_class_property_add_str(oc, "kind", mdev_parent_get_kind,
                                  mdev_parent_set_kind);
    object_class_property_set_description(oc, "kind", kind_help);
    object_class_property_add(oc, "budget", "uint32", mdev_parent_get_budget,
                              mdev_parent_set_budget, NULL, NULL);
    object_class_property_set_description(oc, "budget",
        "The parent's budget in its kind's unit (mtty: ports, mdpy: "
        "displays, mbochs: MB of video memory); default: the kind's default "
        "parent's");
}

static const TypeInfo mdev_parent_types[] = {
    {
        .name = TYPE_MDEV_PARENT,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(MdevParentObject),
        .instance_finalize = mdev_parent_instance_finalize,
        .class_init = mdev_parent_class_init,
        .interfaces = (InterfaceInfo[]) {
            { TYPE_USER_CREATABLE },
            { }
        },
    },
};

DEFINE_TYPES(mdev_parent_types)
module_obj(TYPE_MDEV_PARENT);
