/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the migration stream's list of the source's mdevs, so that a
 * destination started without one of them says which.
 *
 * Each mdev's own sections are named by its PCI address
 * ("0000:00:13.0/mdev-identity"). A destination that lacks the device (the
 * usual case: it was added with device_add on the source, and libvirt
 * restores from a domain XML that does not name it) can only report QEMU's
 * "Unknown section or instance '0000:00:13.0/mdev-identity' 0", which names
 * neither the device nor its mdev. This section goes out before every
 * mdev's own (setup phase, highest priority) and lists, per mdev, the PCI
 * address, the QOM type, the UUID and the qdev id; the destination checks
 * that it has an mdev at each address, and refuses the stream naming what
 * it lacks. Whether the mdev there is the same kind is the identity
 * section's check (mdev-pci.c), which names parent, type and class.
 *
 * It is sent only when the source has an mdev (a stream without one is the
 * stream stock QEMU would send). It is part of the emulator, not of the
 * hw-mdev module, so that a destination which never loaded the module (no
 * mdev on its command line) knows it too: it finds the mdevs through QOM
 * alone (type "mdev-pci", the "uuid" property), knowing nothing of hw/mdev's
 * structures.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/module.h"
#include "hw/qdev-core.h"
#include "migration/qemu-file-types.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "trace.h"

/* Far above what a machine's worth of mdevs needs (about 100 bytes each). */
#define MDEV_INVENTORY_MAX 65536

typedef struct MdevInventory {
    /* "path\ttype\tuuid\tid\n" per mdev; built by pre_save, read by load. */
    GString *text;
} MdevInventory;

static MdevInventory mdev_inventory;

static int mdev_inventory_collect(Object *obj, void *opaque)
{
    GPtrArray *found = opaque;

    /* NULL while hw-mdev is not loaded: the type is not registered. */
    if (object_dynamic_cast(obj, "mdev-pci") && DEVICE(obj)->realized) {
        g_ptr_array_add(found, obj);
    }
    return 0;
}

/* The realized mdevs of this machine, in QOM tree order. */
static GPtrArray *mdev_inventory_devices(void)
{
    GPtrArray *found = g_ptr_array_new();

    object_child_foreach_recursive(object_get_root(), mdev_inventory_collect,
                                   found);
    return found;
}

static bool mdev_inventory_needed(void *opaque)
{
    g_autoptr(GPtrArray) devs = mdev_inventory_devices();

    return devs->len > 0;
}

static bool mdev_inventory_pre_save(void *opaque, Error **errp)
{
    MdevInventory *inv = opaque;
    g_autoptr(GPtrArray) devs = mdev_inventory_devices();

    if (inv->text) {
        g_string_free(inv->text, true);
    }
    inv->text = g_string_new(NULL);
    for (guint i = 0; i < devs->len; i++) {
        Object *obj = g_ptr_array_index(devs, i);
        g_autofree char *path = qdev_get_dev_path(DEVICE(obj));
        g_autofree char *uuid = object_property_get_str(obj, "uuid", NULL);

        g_string_append_printf(inv->text, "%s\t%s\t%s\t%s\n",
                               path ? path : "", object_get_typename(obj),
                               uuid ? uuid : "", DEVICE(obj)->id ?: "");
    }
    if (inv->text->len > MDEV_INVENTORY_MAX) {
        error_setg(errp, "mdev-inventory: %u mdevs need %zu bytes, more than "
                   "the %d a stream may carry", devs->len, inv->text->len,
                   MDEV_INVENTORY_MAX);
        return false;
    }
    return true;
}

static int mdev_inventory_put(QEMUFile *f, void *pv, size_t size,
                              const VMStateField *field, JSONWriter *vmdesc)
{
    MdevInventory *inv = pv;
    uint32_t len = inv->text ? inv->text->len : 0;

    qemu_put_be32(f, len);
    if (len) {
        qemu_put_buffer(f, (const uint8_t *)inv->text->str, len);
    }
    return 0;
}

static int mdev_inventory_get(QEMUFile *f, void *pv, size_t size,
                              const VMStateField *field)
{
    MdevInventory *inv = pv;
    uint32_t len = qemu_get_be32(f);
    g_autofree char *buf = NULL;

    if (len > MDEV_INVENTORY_MAX) {
        error_report("mdev-inventory: migration stream: a list of %u bytes, "
                     "more than the %d a stream may carry (corrupted?)", len,
                     MDEV_INVENTORY_MAX);
        return -EINVAL;
    }
    buf = g_malloc0(len + 1);
    if (qemu_get_buffer(f, (uint8_t *)buf, len) != len) {
        error_report("mdev-inventory: migration stream ends inside the list");
        return -EINVAL;
    }
    if (strlen(buf) != len) {
        error_report("mdev-inventory: migration stream: a NUL inside the list "
                     "(corrupted?)");
        return -EINVAL;
    }
    if (inv->text) {
        g_string_free(inv->text, true);
    }
    inv->text = g_string_new_len(buf, len);
    return 0;
}

static const VMStateInfo vmstate_info_mdev_inventory = {
    .name = "mdev-inventory",
    .get = mdev_inventory_get,
    .put = mdev_inventory_put,
};

static Object *mdev_inventory_find(GPtrArray *devs, const char *path)
{
    for (guint i = 0; i < devs->len; i++) {
        Object *obj = g_ptr_array_index(devs, i);
        g_autofree char *mine = qdev_get_dev_path(DEVICE(obj));

        if (mine && strcmp(mine, path) == 0) {
            return obj;
        }
    }
    return NULL;
}

static bool mdev_inventory_post_load(void *opaque, int version_id,
                                     Error **errp)
{
    MdevInventory *inv = opaque;
    g_autoptr(GPtrArray) devs = mdev_inventory_devices();
    g_auto(GStrv) lines = g_strsplit(inv->text ? inv->text->str : "", "\n", 0);

    for (char **line = lines; *line; line++) {
        g_auto(GStrv) f = NULL;

        if (!**line) {
            continue;
        }
        f = g_strsplit(*line, "\t", 0);
        if (g_strv_length(f) != 4) {
            error_setg(errp, "mdev-inventory: migration stream: malformed "
                       "entry '%s' (corrupted?)", *line);
            return false;
        }
        trace_mdev_inventory_load(f[0], f[1], f[2], f[3]);
        if (!mdev_inventory_find(devs, f[0])) {
            error_setg(errp, "the source has an mdev this QEMU was started "
                       "without: %s%s%s%s (mdev %s) at PCI address %s. Start "
                       "the destination with that device at that address "
                       "(-device %s,uuid=%s,...); a device added on the "
                       "source with device_add must be on the destination's "
                       "command line too (libvirt: virsh restore --xml with "
                       "its -device line, docs/install-and-libvirt.md)",
                       f[1], *f[3] ? " '" : "", f[3], *f[3] ? "'" : "",
                       f[2], f[0], f[1], f[2]);
            return false;
        }
    }
    return true;
}

static const VMStateDescription vmstate_mdev_inventory = {
    .name = "mdev-inventory",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = mdev_inventory_needed,
    .pre_save_errp = mdev_inventory_pre_save,
    .post_load_errp = mdev_inventory_post_load,
    .early_setup = true,
    /* Before every mdev's identity (MIG_PRI_IOMMU, mdev-pci.c). */
    .priority = MIG_PRI_PCI_BUS,
    .fields = (const VMStateField[]) {
        {
            .name = "mdevs",
            .info = &vmstate_info_mdev_inventory,
            .flags = VMS_SINGLE,
            .offset = 0,
            .size = sizeof(MdevInventory),
        },
        VMSTATE_END_OF_LIST()
    },
};

static void mdev_inventory_register(void)
{
    vmstate_register(NULL, 0, &vmstate_mdev_inventory, &mdev_inventory);
}

type_init(mdev_inventory_register)
