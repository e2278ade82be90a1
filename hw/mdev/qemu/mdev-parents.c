/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: one QOM type per declared parent. Each parent declares itself
 * in C++ (declaration.hpp): its name, description, extra -device properties
 * and the layout of its migrated state. This file turns every declaration
 * into -device mdev-<name>: a concrete mdev-pci type with the properties
 * class, mdev-type, uuid and the parent's own (all qdev properties, so all
 * show in info qtree), and a VMState built from the declared layout. No
 * parent has a QOM file of its own.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/module.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "migration/vmstate.h"
#include "migration/qemu-file-types.h"
#include "hw/mdev/qemu/mdev-pci.h"
#include "hw/mdev/qemu/mdev-parent-object.h"

/* ------------------------------------------------------------- VMState -- */

static const VMStateInfo *mdev_scalar_info(MdevFieldKind kind)
{
    switch (kind) {
    case MDEV_FIELD_U8:
        return &vmstate_info_uint8;
    case MDEV_FIELD_U16:
        return &vmstate_info_uint16;
    case MDEV_FIELD_U32:
        return &vmstate_info_uint32;
    case MDEV_FIELD_U64:
        return &vmstate_info_uint64;
    case MDEV_FIELD_BOOL:
        return &vmstate_info_bool;
    case MDEV_FIELD_STRUCT:
        break;
    }
    g_assert_not_reached();
}

/*
 * Every declared struct travels with its own version in front of it, so
 * that MDEV_MIGRATE_SINCE means what it says. QEMU's own nested structs
 * (VMS_STRUCT) do not: their loader is told the *destination's* version, and
 * a member added in version 2 would be read from a version-1 stream that
 * does not hold it. This field type writes the struct's version, then the
 * struct; it reads the version the stream holds and loads the struct at
 * that version, so members newer than the stream keep the values the
 * device had (its reset state) and older streams stay loadable down to the
 * struct's min_version. One such field per struct (or per element of an
 * array of structs).
 */
/*
 * Which mdev is loading, for the refusal's message: set by the pre_load of
 * the subsection whose fields are being read (a field type's get is not
 * told its device). A copy of the name, never a pointer to the device.
 */
static char *mdev_state_loading;

static int mdev_versioned_struct_get(QEMUFile *f, void *pv, size_t size,
                                     const VMStateField *field)
{
    const VMStateDescription *vmsd = field->vmsd;
    uint32_t version = qemu_get_be32(f);
    int ret = qemu_file_get_error(f);
    Error *local_err = NULL;

    if (ret) {
        return ret;
    }
    if (version < (uint32_t)vmsd->minimum_version_id ||
        version > (uint32_t)vmsd->version_id) {
        error_report("%s: migration stream holds version %" PRIu32 " of "
                     "state '%s'; this QEMU loads versions %d to %d: refused",
                     mdev_state_loading ? mdev_state_loading : "mdev",
                     version, vmsd->name, vmsd->minimum_version_id,
                     vmsd->version_id);
        return -EINVAL;
    }
    ret = vmstate_load_state(f, vmsd, pv, (int)version, &local_err);
    if (local_err) {
        error_report_err(local_err);
    }
    return ret;
}

static int mdev_versioned_struct_put(QEMUFile *f, void *pv, size_t size,
                                     const VMStateField *field,
                                     JSONWriter *vmdesc)
{
    Error *local_err = NULL;
    int ret;

    qemu_put_be32(f, field->vmsd->version_id);
    /*
     * No description of the inner fields in the stream's JSON: the field
     * is described as one "mdev-versioned-struct" of its size.
     */
    ret = vmstate_save_state(f, field->vmsd, pv, NULL, &local_err);
    if (local_err) {
        error_report_err(local_err);
    }
    return ret;
}

static const VMStateInfo mdev_versioned_struct_info = {
    .name = "mdev-versioned-struct",
    .get = mdev_versioned_struct_get,
    .put = mdev_versioned_struct_put,
};

/*
 * The VMState of one declared struct, made once per struct (a struct
 * shared by several parents, such as the ring walker's VringState, gets
 * one description) and kept for the life of the process. A member's
 * `since` is compared with the version the stream holds.
 */
static const VMStateDescription *mdev_vmsd_of(const MdevStateStruct *st)
{
    static GHashTable *made;
    VMStateDescription *vmsd;
    VMStateField *fields;

    if (!made) {
        made = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    vmsd = g_hash_table_lookup(made, st);
    if (vmsd) {
        return vmsd;
    }

    fields = g_new0(VMStateField, st->nfields + 1);
    for (size_t i = 0; i < st->nfields; i++) {
        const MdevStateField *in = &st->fields[i];
        VMStateField *f = &fields[i];

        f->name = in->name;
        f->offset = in->offset;
        f->size = in->elem_size;
        f->version_id = in->since;
        if (in->kind == MDEV_FIELD_STRUCT) {
            f->vmsd = mdev_vmsd_of(in->sub);
            f->info = &mdev_versioned_struct_info;
        } else {
            f->info = mdev_scalar_info(in->kind);
        }
        f->flags = in->count ? VMS_ARRAY : VMS_SINGLE;
        f->num = in->count;
    }
    fields[st->nfields].flags = VMS_END;

    vmsd = g_new0(VMStateDescription, 1);
    vmsd->name = st->name;
    vmsd->version_id = st->version;
    vmsd->minimum_version_id = st->min_version;
    vmsd->fields = fields;
    g_hash_table_insert(made, (gpointer)st, vmsd);
    return vmsd;
}

/*
 * A piece of state travels when the live mdev has it (mtty's virtio face
 * only with class=virtio): one subsection per piece, each asking for its
 * own slot. The identity section has already made sure that both ends are
 * of the same parent, type and class.
 */
static bool mdev_state_needed(void *opaque, unsigned i)
{
    return MDEV_PCI(opaque)->state[i] != NULL;
}

/*
 * A loader takes a subsection it knows whether or not its own device needs
 * it; a stream (forged, or corrupted past the identity check) that carries
 * a piece of state this mdev does not have would be loaded through a NULL
 * pointer. Refuse it instead, with one line.
 */
static int mdev_state_pre_load(void *opaque, unsigned i)
{
    MdevPCIState *s = MDEV_PCI(opaque);

    if (s->state[i]) {
        g_free(mdev_state_loading);
        mdev_state_loading = g_strdup_printf("%s '%s'",
                                             object_get_typename(OBJECT(s)),
                                             mdev_pci_name(s));
        return 0;
    }
    error_report("%s '%s': migration stream carries state '%s' that this "
                 "mdev does not have: refused", object_get_typename(OBJECT(s)),
                 mdev_pci_name(s),
                 MDEV_PCI_GET_CLASS(s)->info->state[i]->name);
    return -EINVAL;
}

#define MDEV_STATE_HOOKS(i)                                                   \
    static bool mdev_state_needed_##i(void *opaque)                           \
    {                                                                         \
        return mdev_state_needed(opaque, i);                                  \
    }                                                                         \
    static int mdev_state_pre_load_##i(void *opaque)                          \
    {                                                                         \
        return mdev_state_pre_load(opaque, i);                                \
    }
MDEV_STATE_HOOKS(0)
MDEV_STATE_HOOKS(1)
MDEV_STATE_HOOKS(2)
MDEV_STATE_HOOKS(3)
static bool (*const mdev_state_needed_fn[MDEV_PCI_MAX_STATE])(void *) = {
    mdev_state_needed_0, mdev_state_needed_1, mdev_state_needed_2,
    mdev_state_needed_3,
};
static int (*const mdev_state_pre_load_fn[MDEV_PCI_MAX_STATE])(void *) = {
    mdev_state_pre_load_0, mdev_state_pre_load_1, mdev_state_pre_load_2,
    mdev_state_pre_load_3,
};

static const VMStateDescription *mdev_state_section(const char *type_name,
                                                    const MdevStateStruct *st,
                                                    unsigned i)
{
    VMStateDescription *sub = g_new0(VMStateDescription, 1);
    VMStateField *fields = g_new0(VMStateField, 2);

    fields[0] = (VMStateField) {
        .name = st->name,
        .offset = offsetof(MdevPCIState, state) + i * sizeof(void *),
        .size = st->size,
        .vmsd = mdev_vmsd_of(st),
        .info = &mdev_versioned_struct_info,
        .flags = VMS_SINGLE | VMS_POINTER,
    };
    fields[1].flags = VMS_END;
    /*
     * Subsection names start with their section's, as QEMU requires. The
     * subsection's own version stays 1: the struct's version travels inside
     * it (mdev_versioned_struct_info).
     */
    sub->name = g_strdup_printf("%s/%s", type_name, st->name);
    sub->version_id = 1;
    sub->minimum_version_id = 1;
    sub->needed = mdev_state_needed_fn[i];
    sub->pre_load = mdev_state_pre_load_fn[i];
    sub->fields = fields;
    return sub;
}

static const VMStateDescription *mdev_type_vmsd(const char *type_name,
                                                const MdevParentInfo *info)
{
    VMStateDescription *vmsd = g_new0(VMStateDescription, 1);
    const VMStateDescription **subs = g_new0(const VMStateDescription *,
                                             info->nstate + 1);
    VMStateField *fields = g_new0(VMStateField, 2);

    fields[0] = (VMStateField)VMSTATE_PCI_DEVICE(parent_obj, MdevPCIState);
    fields[1].flags = VMS_END;
    for (size_t i = 0; i < info->nstate; i++) {
        subs[i] = mdev_state_section(type_name, info->state[i], i);
    }
    vmsd->name = type_name;
    vmsd->version_id = 1;
    vmsd->minimum_version_id = 1;
    vmsd->post_load = mdev_pci_post_load;
    vmsd->pre_save = mdev_pci_pre_save;
    vmsd->fields = fields;
    vmsd->subsections = subs;
    return vmsd;
}

/* ---------------------------------------------------------- properties -- */

static Property mdev_declared_property(const MdevPropertyDecl *p, unsigned i)
{
    Property prop = { .name = p->name };
    size_t slot = offsetof(MdevPCIState, props) +
                  i * sizeof(MdevPCIPropertySlot);

    switch (p->kind) {
    case MDEV_PROP_STRING:
        prop.info = &qdev_prop_string;
        prop.offset = slot + offsetof(MdevPCIPropertySlot, str);
        break;
    case MDEV_PROP_BOOL:
        prop.info = &qdev_prop_bool;
        prop.offset = slot + offsetof(MdevPCIPropertySlot, b);
        prop.set_default = true;
        prop.defval.u = p->default_value &&
                        !strcmp(p->default_value, "on");
        break;
    case MDEV_PROP_UINT32:
        prop.info = &qdev_prop_uint32;
        prop.offset = slot + offsetof(MdevPCIPropertySlot, u32);
        prop.set_default = true;
        prop.defval.u = p->default_value ?
                        g_ascii_strtoull(p->default_value, NULL, 0) : 0;
        break;
    case MDEV_PROP_MACADDR:
        prop.info = &qdev_prop_macaddr;
        prop.offset = slot + offsetof(MdevPCIPropertySlot, mac);
        break;
    }
    return prop;
}

static void mdev_type_add_properties(ObjectClass *klass,
                                     const MdevParentInfo *info)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    size_t n = 5 + info->nproperties;
    Property *props = g_new0(Property, n);
    g_autofree char *class_help = NULL;
    g_autofree char *parent_help = NULL;

    /*
     * The mdev type is "mdev-type", not "type": every QOM object already
     * has a read-only "type" property naming its QOM type.
     */
    props[0] = (Property)DEFINE_PROP_STRING("class", MdevPCIState, class_name);
    props[1] = (Property)DEFINE_PROP_STRING("mdev-type", MdevPCIState, type);
    props[2] = (Property)DEFINE_PROP("uuid", MdevPCIState, uuid_prop,
                                     mdev_prop_uuid, QemuUUID,
                                     .set_default = true);
    props[3] = (Property)DEFINE_PROP_LINK("parent", MdevPCIState, parent_link,
                                          TYPE_MDEV_PARENT, Object *);
    for (size_t i = 0; i < info->nproperties; i++) {
        props[4 + i] = mdev_declared_property(&info->properties[i], i);
    }
    /* virtio-pci's name and default for VIRTIO_F_ACCESS_PLATFORM. */
    props[n - 1] = (Property)DEFINE_PROP_BOOL("iommu_platform", MdevPCIState,
                                              iommu_platform, false);
    device_class_set_props_n(dc, props, n);

    if (info->default_class) {
        class_help = g_strdup_printf(
            "The mdev class whose ops drive the device, which also picks the "
            "frontend; this parent has %s ops only, the default",
            info->default_class);
    } else {
        class_help = g_strdup_printf(
            "Required. The mdev class whose ops drive the device, which also "
            "picks the frontend: %s (vfio: a PCI function built from region "
            "and IRQ ops; virtio: a virtio-pci device over vDPA-style ops)",
            info->classes);
    }
    object_class_property_set_description(klass, "class", class_help);
    object_class_property_set_description(klass, "mdev-type", info->type_help);
    parent_help = g_strdup_printf(
        "The id of the -object mdev-parent (kind=%s) whose budget the mdev "
        "takes; default: the default parent of kind '%s'", info->name,
        info->name);
    object_class_property_set_description(klass, "parent", parent_help);
    object_class_property_set_description(klass, "iommu_platform",
        "class=virtio: offer (and require) VIRTIO_F_ACCESS_PLATFORM, so that "
        "the driver gives I/O virtual addresses, which the guest's IOMMU "
        "translates (default off: guest-physical addresses, as virtio-pci's "
        "iommu_platform)");
    object_class_property_set_description(klass, "uuid",
        "The mdev's UUID: 8-4-4-4-12 hex digits, or \"auto\" (the default) "
        "for a random one, which an incoming migration replaces with the "
        "source's");
    for (size_t i = 0; i < info->nproperties; i++) {
        object_class_property_set_description(klass, info->properties[i].name,
                                              info->properties[i].help);
    }
}

/* --------------------------------------------------------------- types -- */

static const int mdev_category_bit[] = {
    [MDEV_CATEGORY_MISC] = DEVICE_CATEGORY_MISC,
    [MDEV_CATEGORY_DISPLAY] = DEVICE_CATEGORY_DISPLAY,
    [MDEV_CATEGORY_NETWORK] = DEVICE_CATEGORY_NETWORK,
    [MDEV_CATEGORY_INPUT] = DEVICE_CATEGORY_INPUT,
    [MDEV_CATEGORY_STORAGE] = DEVICE_CATEGORY_STORAGE,
};

static void mdev_type_class_init(ObjectClass *klass, const void *data)
{
    const MdevParentInfo *info = data;
    DeviceClass *dc = DEVICE_CLASS(klass);
    MdevPCIClass *mc = MDEV_PCI_CLASS(klass);
    const char *type_name = object_class_get_name(klass);

    mc->info = info;
    dc->desc = info->description;
    set_bit(mdev_category_bit[info->category], dc->categories);
    mdev_type_add_properties(klass, info);
    dc->vmsd = mdev_type_vmsd(type_name, info);
}

/*
 * Limits a declaration must keep to (the device's storage for properties
 * and state pieces is fixed); a parent beyond them is a build mistake,
 * reported when QEMU starts rather than halfway through a migration.
 */
static void mdev_check_declaration(const MdevParentInfo *info)
{
    if (info->nproperties > MDEV_PCI_MAX_PROPERTIES ||
        info->nstate > MDEV_PCI_MAX_STATE) {
        error_report("mdev parent '%s' declares %zu properties and %zu "
                     "pieces of state; at most %d and %d are supported",
                     info->name, info->nproperties, info->nstate,
                     MDEV_PCI_MAX_PROPERTIES, MDEV_PCI_MAX_STATE);
        abort();
    }
}

/*
 * A modular build finds mdev-NAME's module only through the generated
 * module_obj() list: a parent missing from mdev_parent_kinds would work
 * when linked in and be unknown as a module. Caught in every build.
 */
static void mdev_check_listed(const MdevParentInfo *info)
{
    for (const char *const *k = mdev_module_parent_kinds; *k; k++) {
        if (!strcmp(*k, info->name)) {
            return;
        }
    }
    error_report("mdev parent '%s' is declared but not listed in "
                 "mdev_parent_kinds (add \"mdev_parent_kinds += '%s'\" to "
                 "its meson.build)", info->name, info->name);
    abort();
}

static void mdev_register_parent_types(void)
{
    const MdevParentInfo *info;

    for (size_t i = 0; (info = mdev_parent_info(i)) != NULL; i++) {
        g_autofree char *name = g_strdup_printf("mdev-%s", info->name);
        TypeInfo ti = {
            .name = name,
            .parent = TYPE_MDEV_PCI,
            .class_init = mdev_type_class_init,
            .class_data = info,
        };

        mdev_check_declaration(info);
        mdev_check_listed(info);
        type_register_static(&ti);
    }
}

type_init(mdev_register_parent_types)
