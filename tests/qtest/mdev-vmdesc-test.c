/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest of the migration sections the PCI frontends register themselves
 * (mdev-vfio-msix, mdev-virtio-pci) and of mdev-pci's mdev-identity. QEMU's
 * -dump-vmstate (and so vmstate-static-checker.py) sees only each device
 * type's own VMState, not sections registered at realize, so these are
 * checked here, in the description QEMU appends to every stream it saves:
 * section names and versions, field names, types and sizes in stream
 * order, and where the frontend's section stands against the concrete
 * type's. A stream of this layout is what older builds send and expect.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "mdev-qtest-common.h"

/* "name[array_len]:type:size{vmsd_name vN: fields}" for each field. */
static void describe_fields(GString *out, QList *fields)
{
    const QListEntry *e;
    bool first = true;

    QLIST_FOREACH_ENTRY(fields, e) {
        QDict *f = qobject_to(QDict, qlist_entry_obj(e));
        QDict *st = qdict_get_qdict(f, "struct");

        g_string_append_printf(out, "%s%s", first ? "" : ", ",
                               qdict_get_str(f, "name"));
        if (qdict_haskey(f, "array_len")) {
            g_string_append_printf(out, "[%" PRId64 "]",
                                   qdict_get_int(f, "array_len"));
        }
        g_string_append_printf(out, ":%s:%" PRId64, qdict_get_str(f, "type"),
                               qdict_get_int(f, "size"));
        if (st) {
            g_string_append_printf(out, "{%s v%" PRId64 ": ",
                                   qdict_get_str(st, "vmsd_name"),
                                   qdict_get_int(st, "version"));
            describe_fields(out, qdict_get_qlist(st, "fields"));
            g_string_append(out, "}");
        }
        first = false;
    }
}

/*
 * The stream's description: its "devices", in stream order. It ends the
 * stream: QEMU_VM_VMDESCRIPTION (6), its length (be32), then the JSON.
 */
static QDict *stream_description(const char *path)
{
    g_autofree char *data = NULL;
    g_autofree char *json = NULL;
    gsize len, p;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    for (p = len - MIN(len, 5); p > 0; p--) {
        if (data[p] == 6 && data[p + 5] == '{' &&
            ldl_be_p(data + p + 1) == len - p - 5) {
            break;
        }
    }
    g_assert_cmpuint(p, >, 0);
    json = g_strndup(data + p + 5, len - p - 5);
    return qobject_to(QDict, qobject_from_json(json, &error_abort));
}

/* Section @name's layout, and its place in the stream (*index). */
static char *section(QDict *desc, const char *name, int *index)
{
    const QListEntry *e;
    int i = 0;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(desc, "devices"), e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));
        GString *out;

        if (strcmp(qdict_get_str(d, "name"), name) != 0) {
            i++;
            continue;
        }
        out = g_string_new(NULL);
        g_string_append_printf(out, "%s v%" PRId64 ": ",
                               qdict_get_str(d, "vmsd_name"),
                               qdict_get_int(d, "version"));
        describe_fields(out, qdict_get_qlist(d, "fields"));
        *index = i;
        return g_string_free(out, false);
    }
    g_test_message("no section '%s' in the stream", name);
    g_assert_not_reached();
}

static void test_frontend_sections(void)
{
    g_autofree char *mig = mdev_qtest_temp_file("mdev-vmdesc-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", mig);
    QTestState *qts;
    QDict *desc;
    g_autofree char *vfio_id = NULL, *vfio_msix = NULL, *vfio_dev = NULL;
    g_autofree char *virtio_id = NULL, *virtio_pci = NULL, *virtio_dev = NULL;
    int vfio_id_at, vfio_msix_at, vfio_dev_at;
    int virtio_id_at, virtio_pci_at, virtio_dev_at;

    /* mnvme: a vfio function with MSI-X (17 vectors); mtty-2's virtio face. */
    qts = qtest_init("-M q35 -nodefaults "
                     "-device mdev-mnvme,class=vfio,addr=04.0 "
                     "-device mdev-mtty,class=virtio,mdev-type=mtty-2,"
                     "addr=05.0");
    mdev_qtest_migrate(qts, uri);
    qtest_quit(qts);
    desc = stream_description(mig);
    unlink(mig);

    vfio_id = section(desc, "0000:00:04.0/mdev-identity", &vfio_id_at);
    g_assert_cmpstr(vfio_id, ==, "mdev-identity v2: identity:mdev-identity:39, "
                    "stream_uuid[16]:uint8:1");
    vfio_msix = section(desc, "0000:00:04.0/mdev-vfio-msix", &vfio_msix_at);
    g_assert_cmpstr(vfio_msix, ==,
                    "mdev-vfio-msix v1: msix_state:struct:286"
                    "{mdev-vfio-msix-state v1: vectors:mdev-msix-vectors:4, "
                    "control:uint16:2, table:buffer:272, pba:buffer:8}");
    vfio_dev = section(desc, "0000:00:04.0/mdev-mnvme", &vfio_dev_at);
    /* The identity first; MSI-X before the PCI config it depends on. */
    g_assert_cmpint(vfio_id_at, <, vfio_msix_at);
    g_assert_cmpint(vfio_msix_at, <, vfio_dev_at);

    virtio_id = section(desc, "0000:00:05.0/mdev-identity", &virtio_id_at);
    g_assert_cmpstr(virtio_id, ==,
                    "mdev-identity v2: identity:mdev-identity:37, "
                    "stream_uuid[16]:uint8:1");
    virtio_pci = section(desc, "0000:00:05.0/mdev-virtio-pci", &virtio_pci_at);
    g_assert_cmpstr(virtio_pci, ==,
                    "mdev-virtio-pci v1: "
                    "parent_obj:struct:113{msix v0: msix:msix state:113}, "
                    "virtio_state:struct:1878{mdev-virtio-transport v1: "
                    "device_feature_select:uint32:4, "
                    "driver_feature_select:uint32:4, "
                    "driver_features:uint64:8, msix_config:uint16:2, "
                    "queue_select:uint16:2, isr:uint8:1, "
                    "msix_enabled:uint8:1, "
                    "queue[64]:struct:29{mdev-virtio-queue v1: "
                    "size:uint16:2, msix_vector:uint16:2, enabled:uint8:1, "
                    "desc:uint64:8, driver:uint64:8, device:uint64:8}}");
    virtio_dev = section(desc, "0000:00:05.0/mdev-mtty", &virtio_dev_at);
    g_assert_cmpint(virtio_id_at, <, virtio_pci_at);
    g_assert_cmpint(virtio_pci_at, <, virtio_dev_at);
    qobject_unref(desc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev-vmdesc/frontend-sections", test_frontend_sections);
    return g_test_run();
}
