/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the abstract PCI function of an mdev. It asks the core for an
 * mdev of the concrete type's parent, mirrors it on an mdev bus, and lets
 * the frontend for the mdev's class build the function. It knows the
 * frontends only through the table each registers for its class.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/uuid.h"
#include "hw/qdev-properties.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "system/dma.h"
#include "migration/blocker.h"
#include "migration/qemu-file-types.h"
#include "migration/vmstate.h"
#include "qapi/visitor.h"
#include "hw/mdev/qemu/mdev-pci.h"
#include "hw/mdev/qemu/mdev-parent-object.h"
#include "hw/mdev/capi/mdev-fault.h"
#include "trace.h"

char *mdev_pci_describe(MdevPCIState *s)
{
    g_autofree char *path = NULL;

    if (DEVICE(s)->id) {
        return g_strdup_printf("%s '%s' (mdev %s)",
                               object_get_typename(OBJECT(s)),
                               DEVICE(s)->id, s->uuid);
    }
    path = object_get_canonical_path(OBJECT(s));
    return g_strdup_printf("%s %s (mdev %s)", object_get_typename(OBJECT(s)),
                           path ? path : "(unattached)", s->uuid);
}

static void mdev_pci_guest_error(void *opaque, const char *message)
{
    MdevPCIState *s = opaque;
    g_autofree char *who = NULL;

    if (s->load_messages) {
        g_ptr_array_add(s->load_messages, g_strdup(message));
        return;
    }
    if (!qemu_loglevel_mask(LOG_GUEST_ERROR)) {
        return;
    }
    who = mdev_pci_describe(s);
    qemu_log("%s: %s\n", who, message);
}

static void mdev_pci_set_intx(void *opaque, bool asserted)
{
    MdevPCIState *s = opaque;

    trace_mdev_pci_intx(s->uuid, asserted);
    pci_set_irq(PCI_DEVICE(s), asserted);
}

static void mdev_pci_notify_msi(void *opaque, uint32_t vector)
{
    MdevPCIState *s = opaque;

    trace_mdev_pci_msi(s->uuid, vector);
    if (msix_enabled(PCI_DEVICE(s))) {
        msix_notify(PCI_DEVICE(s), vector);
    } else {
        msi_notify(PCI_DEVICE(s), vector);
    }
}

/*
 * Bus-master DMA reaches guest RAM only, as an mdev's does on Linux
 * (vfio_dma_rw works on pinned RAM). The 'memory' attribute makes QEMU's
 * memory core refuse any part of the range that is not RAM, before any
 * MMIO handler runs: a device's DMA can never land on a device (its own
 * config space through MMCONFIG, the hotplug controller of its slot), so
 * it cannot re-enter or unplug anything. Bus mastering off, an IOMMU fault,
 * unassigned memory and a non-RAM target are all one refusal: false, and
 * the device reports the guest error (a broken ring: NEEDS_RESET).
 *
 * The addresses are I/O virtual addresses, translated by the guest's IOMMU
 * if the machine has one (the function's bus-master address space), unless
 * the frontend says they are guest-physical (virtio without
 * VIRTIO_F_ACCESS_PLATFORM, whose driver gives physical addresses even
 * behind an IOMMU): those go to system memory directly, as QEMU's virtio
 * does then (virtio_bus_device_plugged), still only with Bus Master Enable
 * set, which the bus-master address space checks for the others.
 */
static const MemTxAttrs mdev_pci_dma_attrs = { .memory = 1 };

static bool mdev_pci_dma(MdevPCIState *s, uint64_t addr, void *buf,
                         size_t len, DMADirection dir)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    bool translated = !s->frontend || !s->frontend->dma_translated ||
                      s->frontend->dma_translated(s);
    MemTxResult r;

    if (translated) {
        r = pci_dma_rw(pdev, addr, buf, len, dir, mdev_pci_dma_attrs);
    } else if (!(pci_get_word(pdev->config + PCI_COMMAND) &
                 PCI_COMMAND_MASTER)) {
        r = MEMTX_ACCESS_ERROR;
    } else {
        r = dma_memory_rw(&address_space_memory, addr, buf, len, dir,
                          mdev_pci_dma_attrs);
    }
    trace_mdev_pci_dma(s->uuid, dir == DMA_DIRECTION_FROM_DEVICE, addr, len,
                       translated, r);
    return r == MEMTX_OK;
}

static bool mdev_pci_dma_read(void *opaque, uint64_t addr, void *buf,
                              size_t len)
{
    return mdev_pci_dma(opaque, addr, buf, len, DMA_DIRECTION_TO_DEVICE);
}

static bool mdev_pci_dma_write(void *opaque, uint64_t addr, const void *buf,
                               size_t len)
{
    return mdev_pci_dma(opaque, addr, (void *)buf, len,
                        DMA_DIRECTION_FROM_DEVICE);
}

/*
 * An MSI-X message the vfio frontend composed from its table: sent as
 * QEMU's own MSI-X sends one (msix_notify), a 32-bit write on the
 * function's bus-master address space with its requester id, so it goes
 * nowhere while bus mastering is off.
 */
static void mdev_pci_send_msi(void *opaque, uint64_t address, uint32_t data)
{
    MdevPCIState *s = opaque;
    MSIMessage msg = { .address = address, .data = data };

    trace_mdev_pci_send_msi(s->uuid, address, data);
    msi_send_message(PCI_DEVICE(s), msg);
}

static bool mdev_pci_bus_master(void *opaque)
{
    PCIDevice *pdev = PCI_DEVICE(opaque);

    return pci_get_word(pdev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

/*
 * QEMU's migration blocker for the device, while its parent says its state
 * cannot migrate. The one place that calls the blocker API.
 */
static void mdev_pci_drop_blocker(MdevPCIState *s)
{
    if (s->migration_blocker) {
        migrate_del_blocker(&s->migration_blocker);
    }
    g_free(s->migration_block_reason);
    s->migration_block_reason = NULL;
}

static void mdev_pci_block_migration(void *opaque, const char *reason)
{
    MdevPCIState *s = opaque;
    g_autofree char *who = mdev_pci_describe(s);
    Error *local_err = NULL;

    mdev_pci_drop_blocker(s);
    s->migration_block_reason = g_strdup(reason);
    trace_mdev_pci_migration_blocked(s->uuid, reason);
    error_setg(&s->migration_blocker, "%s cannot migrate now: %s", who,
               reason);
    if (migrate_add_blocker(&s->migration_blocker, &local_err) < 0) {
        /*
         * A migration is under way, or -only-migratable: the blocker is
         * freed (s->migration_blocker is NULL). pre_save refuses instead,
         * so no stream without the state is ever completed.
         */
        warn_report_err(local_err);
    }
}

static void mdev_pci_unblock_migration(void *opaque)
{
    MdevPCIState *s = opaque;

    trace_mdev_pci_migration_unblocked(s->uuid);
    mdev_pci_drop_blocker(s);
}

static bool mdev_pci_set_present(void *opaque, bool present)
{
    MdevPCIState *s = opaque;

    trace_mdev_pci_present(s->uuid, present);
    return s->frontend && s->frontend->set_present &&
           s->frontend->set_present(s, present);
}

static const MdevHostOps mdev_pci_host_ops = {
    .guest_error = mdev_pci_guest_error,
    .set_intx = mdev_pci_set_intx,
    .notify_msi = mdev_pci_notify_msi,
    .dma_read = mdev_pci_dma_read,
    .dma_write = mdev_pci_dma_write,
    .send_msi = mdev_pci_send_msi,
    .bus_master = mdev_pci_bus_master,
    .block_migration = mdev_pci_block_migration,
    .unblock_migration = mdev_pci_unblock_migration,
    .set_present = mdev_pci_set_present,
};

const char *mdev_pci_name(MdevPCIState *s)
{
    return DEVICE(s)->id ? DEVICE(s)->id : s->uuid;
}

/* The property a create error is about, for the user's message. */
static const char *mdev_pci_error_property(MdevErrorCode code)
{
    switch (code) {
    case MDEV_ERR_UNKNOWN_TYPE:
    case MDEV_ERR_BUDGET_EXHAUSTED:
        return "mdev-type";
    case MDEV_ERR_UNKNOWN_CLASS:
    case MDEV_ERR_CLASS_UNSUPPORTED:
    case MDEV_ERR_NO_DRIVER:
        return "class";
    case MDEV_ERR_MALFORMED_UUID:
    case MDEV_ERR_DUPLICATE_UUID:
        return "uuid";
    case MDEV_ERR_INVALID_PROPERTY:
        return NULL; /* the message names it */
    default:
        return NULL;
    }
}

/* A declared property's value in its text form; false: unset. */
static bool mdev_pci_property_text(MdevPCIState *s, unsigned i, char *buf,
                                   size_t size)
{
    const MdevPropertyDecl *p = &MDEV_PCI_GET_CLASS(s)->info->properties[i];
    const MdevPCIPropertySlot *v = &s->props[i];
    static const MACAddr zero_mac;

    switch (p->kind) {
    case MDEV_PROP_STRING:
        /* qdev's string properties have no default of their own. */
        if (!v->str && !p->default_value) {
            return false;
        }
        snprintf(buf, size, "%s", v->str ? v->str : p->default_value);
        return true;
    case MDEV_PROP_BOOL:
        snprintf(buf, size, "%s", v->b ? "on" : "off");
        return true;
    case MDEV_PROP_UINT32:
        snprintf(buf, size, "%" PRIu32, v->u32);
        return true;
    case MDEV_PROP_MACADDR:
        /* All zero is QEMU's "not set" for a MAC property. */
        if (!memcmp(&v->mac, &zero_mac, sizeof(zero_mac))) {
            return false;
        }
        snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", v->mac.a[0],
                 v->mac.a[1], v->mac.a[2], v->mac.a[3], v->mac.a[4],
                 v->mac.a[5]);
        return true;
    }
    return false;
}

/*
 * Shows the value the device put in effect (mvnet's address derived from
 * its UUID, say) in the property, for info qtree and qom-get.
 */
static void mdev_pci_read_back_properties(MdevPCIState *s)
{
    const MdevParentInfo *info = MDEV_PCI_GET_CLASS(s)->info;
    char text[128];

    for (size_t i = 0; i < info->nproperties; i++) {
        if (!mdev_property(s->handle, info->properties[i].name, text,
                           sizeof(text))) {
            continue;
        }
        object_property_parse(OBJECT(s), info->properties[i].name, text,
                              &error_abort);
    }
}

static bool mdev_pci_create_mdev(MdevPCIState *s, Error **errp)
{
    const MdevParentInfo *info = MDEV_PCI_GET_CLASS(s)->info;
    MdevPropertyValue values[MDEV_PCI_MAX_PROPERTIES];
    char texts[MDEV_PCI_MAX_PROPERTIES][128];
    size_t nvalues = 0;
    MdevError err;
    const char *prop;
    const char *parent_id;

    if (!s->class_name) {
        if (!info->default_class) {
            error_setg(errp, "property 'class' is required; accepted: %s",
                       info->classes);
            return false;
        }
        s->class_name = g_strdup(info->default_class);
    }
    if (!s->type) {
        s->type = g_strdup(info->default_type);
    }
    for (size_t i = 0; i < info->nproperties; i++) {
        if (mdev_pci_property_text(s, i, texts[nvalues], sizeof(texts[0]))) {
            values[nvalues].name = info->properties[i].name;
            values[nvalues].value = texts[nvalues];
            nvalues++;
        }
    }
    /* Lower-case 8-4-4-4-12: already the core's canonical spelling. */
    g_free(s->uuid);
    s->uuid = qemu_uuid_unparse_strdup(&s->uuid_prop);

    parent_id = info->name;
    if (s->parent_link) {
        parent_id = mdev_parent_object_id(s->parent_link, info->name, errp);
        if (!parent_id) {
            return false;
        }
    }
    s->handle = mdev_create(parent_id, s->type, s->uuid, s->class_name,
                            values, nvalues, &mdev_pci_host_ops, s, &err);
    if (!s->handle) {
        prop = mdev_pci_error_property(err.code);
        if (prop) {
            error_setg(errp, "property '%s': %s", prop, err.message);
        } else {
            error_setg(errp, "%s", err.message);
        }
        return false;
    }
    trace_mdev_pci_create(mdev_parent_name(s->handle), mdev_type_id(s->handle),
                          s->uuid, s->class_name, mdev_driver_name(s->handle));
    return true;
}

/*
 * The same after a migration load, on a realized device (whose properties
 * qdev no longer sets): the values in effect now come from the stream
 * (mvnet's address, which follows the source's UUID).
 */
static void mdev_pci_refresh_properties(MdevPCIState *s)
{
    const MdevParentInfo *info = MDEV_PCI_GET_CLASS(s)->info;
    MdevPCIPropertySlot *v;
    char text[128];
    unsigned m[6];

    for (size_t i = 0; i < info->nproperties; i++) {
        if (!mdev_property(s->handle, info->properties[i].name, text,
                           sizeof(text))) {
            continue;
        }
        v = &s->props[i];
        switch (info->properties[i].kind) {
        case MDEV_PROP_STRING:
            g_free(v->str);
            v->str = g_strdup(text);
            break;
        case MDEV_PROP_BOOL:
            v->b = !strcmp(text, "on");
            break;
        case MDEV_PROP_UINT32:
            v->u32 = g_ascii_strtoull(text, NULL, 0);
            break;
        case MDEV_PROP_MACADDR:
            if (sscanf(text, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
                       &m[4], &m[5]) == 6) {
                for (int b = 0; b < 6; b++) {
                    v->mac.a[b] = m[b];
                }
            }
            break;
        }
    }
}

/* Where the live mdev keeps each piece of its migrated state. */
static void mdev_pci_bind_state(MdevPCIState *s)
{
    const MdevParentInfo *info = MDEV_PCI_GET_CLASS(s)->info;

    for (size_t i = 0; i < info->nstate; i++) {
        s->state[i] = mdev_migration_data(s->handle, info->state[i]);
    }
}

/*
 * What identifies an mdev in a migration stream: its parent, type and class
 * fix every layout behind it (which BARs exist and their RAM, which
 * sections follow, how many ports or queues). It travels in a section of
 * its own sent in the setup phase, before RAM and every other device's
 * state (early_setup, and a priority above RAM's), so a stream saved from
 * another kind of mdev is refused with one line before any of it is loaded.
 */
static int mdev_pci_identity_get(QEMUFile *f, void *pv, size_t size,
                                 const VMStateField *field)
{
    MdevPCIState *s = container_of(pv, MdevPCIState, identity);
    char theirs[MDEV_PCI_IDENTITY_SIZE];
    unsigned len = qemu_get_byte(f);

    if (len >= sizeof(theirs)) {
        error_report("%s '%s': migration stream: mdev identity of %u bytes, "
                     "at most %zu expected: refused",
                     object_get_typename(OBJECT(s)),
                     mdev_pci_name(s), len,
                     sizeof(theirs) - 1);
        return -EINVAL;
    }
    if (qemu_get_buffer(f, (uint8_t *)theirs, len) != len) {
        return -EIO;
    }
    theirs[len] = '\0';
    if (strcmp(theirs, s->identity) != 0) {
        error_report("%s '%s': migration stream is of an mdev with %s; "
                     "this device is %s: refused",
                     object_get_typename(OBJECT(s)),
                     mdev_pci_name(s), theirs,
                     s->identity);
        return -EINVAL;
    }
    return 0;
}

static int mdev_pci_identity_put(QEMUFile *f, void *pv, size_t size,
                                 const VMStateField *field, JSONWriter *vmdesc)
{
    const char *mine = pv;
    size_t len = strlen(mine);

    qemu_put_byte(f, len);
    qemu_put_buffer(f, (const uint8_t *)mine, len);
    return 0;
}

static const VMStateInfo vmstate_info_mdev_identity = {
    .name = "mdev-identity",
    .get = mdev_pci_identity_get,
    .put = mdev_pci_identity_put,
};

/* The UUID the identity carries (version 2), from the mdev's. */
static int mdev_pci_identity_pre_save(void *opaque)
{
    MdevPCIState *s = opaque;
    QemuUUID uuid;

    if (qemu_uuid_parse(s->uuid, &uuid) < 0) {
        error_report("%s: mdev UUID '%s' is malformed", mdev_pci_name(s),
                     s->uuid);
        return -EINVAL;
    }
    memcpy(s->stream_uuid, uuid.data, sizeof(s->stream_uuid));
    return 0;
}

/*
 * The UUID travels with the mdev: a device whose uuid was left "auto"
 * takes the source's (its random one was never seen by the guest of the
 * stream), one given a UUID refuses another. A version 1 stream has no
 * UUID: the device keeps its own, as before.
 */
static int mdev_pci_identity_post_load(void *opaque, int version_id)
{
    MdevPCIState *s = opaque;
    g_autofree char *theirs = NULL;
    g_autofree char *mine = NULL;
    QemuUUID uuid;
    MdevError err;

    if (version_id < 2) {
        return 0;
    }
    memcpy(uuid.data, s->stream_uuid, sizeof(uuid.data));
    theirs = qemu_uuid_unparse_strdup(&uuid);
    if (!strcmp(theirs, s->uuid)) {
        return 0;
    }
    if (!s->uuid_auto) {
        error_report("%s '%s': migration stream is of mdev %s; this device "
                     "was given uuid=%s: refused (give the source's UUID, or "
                     "leave uuid out to take it from the stream)",
                     object_get_typename(OBJECT(s)), mdev_pci_name(s),
                     theirs, s->uuid);
        return -EINVAL;
    }
    mine = g_strdup(s->uuid);
    if (!mdev_set_uuid(s->handle, theirs, &err)) {
        error_report("%s '%s': cannot take the migration stream's mdev UUID "
                     "%s: %s", object_get_typename(OBJECT(s)),
                     mdev_pci_name(s), theirs, err.message);
        return -EINVAL;
    }
    /* Same length: trace names and messages keep pointing at it. */
    g_free(s->uuid);
    s->uuid = g_strdup(mdev_uuid(s->handle));
    s->uuid_prop = uuid;
    g_free(s->mdev.uuid);
    s->mdev.uuid = g_strdup(s->uuid);
    trace_mdev_pci_uuid_from_stream(mine, s->uuid);
    return 0;
}

static const VMStateDescription vmstate_mdev_pci_identity = {
    .name = "mdev-identity",
    /*
     * Version 2 adds the UUID. A version 1 stream still loads (the device
     * keeps its UUID); a version 2 stream is refused by a QEMU that knows
     * version 1 only ("mdev-identity: version 2 > 1").
     */
    .version_id = 2,
    .minimum_version_id = 1,
    .pre_save = mdev_pci_identity_pre_save,
    .post_load = mdev_pci_identity_post_load,
    .early_setup = true,
    /*
     * Setup-phase sections go out in priority order, and RAM's (with the
     * sizes of the BARs' RAM blocks, which differ between types) has the
     * default: the lowest priority above it puts the identity first.
     */
    .priority = MIG_PRI_IOMMU,
    .fields = (const VMStateField[]) {
        {
            .name = "identity",
            .info = &vmstate_info_mdev_identity,
            .flags = VMS_SINGLE,
            .offset = offsetof(MdevPCIState, identity),
            .size = MDEV_PCI_IDENTITY_SIZE,
        },
        VMSTATE_UINT8_ARRAY_V(stream_uuid, MdevPCIState, 16, 2),
        VMSTATE_END_OF_LIST()
    },
};

static void mdev_pci_register_identity(MdevPCIState *s)
{
    snprintf(s->identity, sizeof(s->identity), "parent=%s type=%s class=%s",
             mdev_parent_name(s->handle), mdev_type_id(s->handle),
             s->class_name);
    vmstate_register_any(VMSTATE_IF(s), &vmstate_mdev_pci_identity, s);
}

static bool mdev_pci_mirror_on_bus(MdevPCIState *s, Error **errp)
{
    DeviceState *mdev = DEVICE(&s->mdev);

    qdev_prop_set_string(mdev, "parent", mdev_parent_id(s->handle));
    qdev_prop_set_string(mdev, "mdev-type", mdev_type_id(s->handle));
    qdev_prop_set_string(mdev, "uuid", s->uuid);
    qdev_prop_set_string(mdev, "class", s->class_name);
    qdev_prop_set_string(mdev, "driver", mdev_driver_name(s->handle));
    return qdev_realize(mdev, BUS(&s->bus), errp);
}

/* The frontends, by class (MdevClass values are small). */
#define MDEV_PCI_MAX_CLASSES 8
static const MdevPCIFrontend *mdev_pci_frontends[MDEV_PCI_MAX_CLASSES];

void mdev_pci_register_frontend(MdevClass cls, const MdevPCIFrontend *fe)
{
    assert(cls > 0 && cls < MDEV_PCI_MAX_CLASSES);
    assert(!mdev_pci_frontends[cls]);
    assert(fe->state_size >= sizeof(MdevPCIFrontendState));
    assert(fe->realize && fe->reset && fe->config_read && fe->config_write);
    mdev_pci_frontends[cls] = fe;
}

MdevPCIFrontendState *mdev_pci_frontend_state(MdevPCIState *s)
{
    return s->frontend_state;
}

static bool mdev_pci_frontend_realize(MdevPCIState *s, Error **errp)
{
    MdevClass cls = mdev_class(s->handle);
    const MdevPCIFrontend *fe = cls > 0 && cls < MDEV_PCI_MAX_CLASSES ?
                                mdev_pci_frontends[cls] : NULL;

    if (!fe) {
        error_setg(errp, "property 'class': class '%s' has no PCI frontend "
                   "in this build", s->class_name);
        return false;
    }
    if (s->iommu_platform && !fe->dma_translated) {
        error_setg(errp, "property 'iommu_platform': class '%s' has no "
                   "such feature (it is virtio's VIRTIO_F_ACCESS_PLATFORM; "
                   "a class '%s' function's DMA always goes through the "
                   "guest's IOMMU, if there is one)", s->class_name,
                   s->class_name);
        return false;
    }
    /*
     * The state lives until instance_finalize (MdevPCIFrontend says why),
     * so a device realized again after unrealize has it already.
     */
    if (!s->frontend_state) {
        s->frontend_state = g_malloc0(fe->state_size);
        s->frontend_state->dev = s;
        s->frontend = fe;
    } else if (s->frontend != fe) {
        error_setg(errp, "property 'class': this device was realized before "
                   "with another class; it cannot change");
        return false;
    }
    return fe->realize(s, errp);
}

static void mdev_pci_frontend_exit(MdevPCIState *s)
{
    if (s->frontend->exit) {
        s->frontend->exit(s);
    }
}

static void mdev_pci_realize(PCIDevice *pdev, Error **errp)
{
    MdevPCIState *s = MDEV_PCI(pdev);
    bool ok;

    if (!mdev_pci_create_mdev(s, errp)) {
        return;
    }
    ok = mdev_pci_frontend_realize(s, errp);
    if (ok && !mdev_pci_mirror_on_bus(s, errp)) {
        mdev_pci_frontend_exit(s);
        ok = false;
    }
    if (!ok) {
        mdev_destroy(s->handle);
        s->handle = NULL;
        return;
    }
    mdev_pci_register_identity(s);
    s->hold = mdev_hold(s->handle);
    mdev_pci_bind_state(s);
    mdev_pci_read_back_properties(s);
}

static void mdev_pci_exit(PCIDevice *pdev)
{
    MdevPCIState *s = MDEV_PCI(pdev);

    if (!s->handle) {
        return;
    }
    trace_mdev_pci_destroy(s->uuid);
    mdev_fault_forget(mdev_uuid(s->handle));
    mdev_pci_drop_blocker(s);
    vmstate_unregister(VMSTATE_IF(s), &vmstate_mdev_pci_identity, s);
    mdev_pci_frontend_exit(s);
    mdev_destroy(s->handle);
    s->handle = NULL;
    /* Its parent may have blocked from its unplug path: gone with it. */
    mdev_pci_drop_blocker(s);
}

static uint32_t mdev_pci_config_read(PCIDevice *pdev, uint32_t addr, int len)
{
    MdevPCIState *s = MDEV_PCI(pdev);

    if (s->handle && s->frontend) {
        return s->frontend->config_read(s, addr, len);
    }
    return pci_default_read_config(pdev, addr, len);
}

static void mdev_pci_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
                                  int len)
{
    MdevPCIState *s = MDEV_PCI(pdev);

    if (s->handle && s->frontend) {
        s->frontend->config_write(s, addr, val, len);
        return;
    }
    pci_default_write_config(pdev, addr, val, len);
}

static void mdev_pci_reset(DeviceState *dev)
{
    MdevPCIState *s = MDEV_PCI(dev);

    if (!s->handle) {
        return;
    }
    trace_mdev_pci_reset(s->uuid);
    s->frontend->reset(s);
}

static void mdev_pci_instance_init(Object *obj)
{
    MdevPCIState *s = MDEV_PCI(obj);

    /*
     * One mdev bus per function, under a fixed name (as virtio-pci's
     * "virtio-bus"): its path is the function's path plus "/mdev-bus",
     * whatever else was created before.
     */
    qbus_init(&s->bus, sizeof(s->bus), TYPE_MDEV_BUS, DEVICE(obj), "mdev-bus");
    object_initialize_child(obj, "mdev", &s->mdev, TYPE_MDEV_DEVICE);
}

/*
 * The mdev was removed at unrealize (budget back, host detached); its state
 * is freed only now: the old memory map, which RCU retires after unrealize,
 * and TCG's TLBs until they are flushed, may still point into a RAM BAR
 * whose host memory is the device's, as for QEMU's own RAM-backed devices.
 */
static void mdev_pci_instance_finalize(Object *obj)
{
    MdevPCIState *s = MDEV_PCI(obj);

    if (s->hold) {
        mdev_release(s->hold);
        s->hold = NULL;
    }
    /* Its memory regions, embedded in it, were unparented already. */
    g_free(s->frontend_state);
    s->frontend_state = NULL;
    s->frontend = NULL;
    /* Not a property (uuid_prop is): qdev does not free it. */
    g_free(s->uuid);
    s->uuid = NULL;
}

/* What the device logs while it checks a loaded stream: mdev-pci.h. */
int mdev_pci_check_loaded(MdevPCIState *s, bool (*check)(MdevHandle *h),
                          const char *what)
{
    g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *who = mdev_pci_describe(s);
    bool ok;

    s->load_messages = held;
    ok = check(s->handle);
    s->load_messages = NULL;
    for (guint i = 0; i < held->len; i++) {
        const char *line = g_ptr_array_index(held, i);
        if (!ok) {
            error_report("%s: loading the migration stream: %s", who, line);
        } else if (qemu_loglevel_mask(LOG_GUEST_ERROR)) {
            qemu_log("%s: %s\n", who, line);
        }
    }
    if (!ok && held->len == 0) {
        error_report("%s: loading the migration stream: refused by %s", who, what);
    }
    return ok ? 0 : -EINVAL;
}

/*
 * After the whole device was loaded (PCI state, then each piece of the
 * mdev's own state): the device checks what it got.
 */
int mdev_pci_post_load(void *opaque, int version_id)
{
    MdevPCIState *s = opaque;
    g_autofree char *what = g_strdup_printf("the parent '%s'",
                                            MDEV_PCI_GET_CLASS(s)->info->name);

    if (mdev_pci_check_loaded(s, mdev_post_load, what) != 0) {
        return -EINVAL;
    }
    /* The device's state is in place: the frontend applies it. */
    if (s->frontend->post_load) {
        s->frontend->post_load(s);
    }
    mdev_pci_refresh_properties(s);
    return 0;
}

/*
 * The second defence on the source: a blocker QEMU refused to add (the
 * parent blocked while a migration was already running) still ends the
 * migration here, before a stream without the state is completed.
 */
int mdev_pci_pre_save(void *opaque)
{
    MdevPCIState *s = opaque;
    g_autofree char *who = NULL;

    if (!s->migration_block_reason) {
        return 0;
    }
    who = mdev_pci_describe(s);
    error_report("%s cannot migrate now: %s", who, s->migration_block_reason);
    return -EBUSY;
}

/* The "uuid" property: qdev's, and whether it was left "auto". */
static void mdev_pci_set_uuid(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    MdevPCIState *s = MDEV_PCI(obj);
    g_autofree char *str = NULL;

    if (!visit_type_str(v, name, &str, errp)) {
        return;
    }
    if (!strcmp(str, "auto")) {
        qemu_uuid_generate(&s->uuid_prop);
        s->uuid_auto = true;
        return;
    }
    if (qemu_uuid_parse(str, &s->uuid_prop) < 0) {
        /* As qdev's own UUID property says it. */
        error_set_from_qdev_prop_error(errp, -EINVAL, obj, name, str);
        return;
    }
    s->uuid_auto = false;
}

static void mdev_pci_get_uuid(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    qdev_prop_uuid.get(obj, v, name, opaque, errp);
}

static void mdev_pci_uuid_default(ObjectProperty *op, const Property *prop)
{
    object_property_set_default_str(op, "auto");
}

const PropertyInfo mdev_prop_uuid = {
    .type = "str",
    .description = "UUID (aka GUID) or \"auto\" for random value (default)",
    .get = mdev_pci_get_uuid,
    .set = mdev_pci_set_uuid,
    .set_default_value = mdev_pci_uuid_default,
};

static void mdev_pci_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);

    pc->realize = mdev_pci_realize;
    pc->exit = mdev_pci_exit;
    pc->config_read = mdev_pci_config_read;
    pc->config_write = mdev_pci_config_write;
    device_class_set_legacy_reset(dc, mdev_pci_reset);
}

static const TypeInfo mdev_pci_types[] = {
    {
        .name = TYPE_MDEV_PCI,
        .parent = TYPE_PCI_DEVICE,
        .abstract = true,
        .instance_size = sizeof(MdevPCIState),
        .instance_init = mdev_pci_instance_init,
        .instance_finalize = mdev_pci_instance_finalize,
        .class_size = sizeof(MdevPCIClass),
        .class_init = mdev_pci_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_CONVENTIONAL_PCI_DEVICE },
            { },
        },
    },
};

DEFINE_TYPES(mdev_pci_types)
module_obj(TYPE_MDEV_PCI);
