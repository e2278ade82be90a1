/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: an mdev's identity travels with its migration stream. A
 * destination whose uuid was left "auto" takes the source's UUID (query-mdevs
 * shows it, mvnet's MAC follows it); one given another UUID refuses the
 * stream naming both; a destination without a device the stream has (one
 * hotplugged on the source, say) fails naming the device (mdev-inventory).
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "mdev-qtest-common.h"

#define SRC_UUID "6d766e65-7400-4000-8000-00a1b2c3d4e5"
#define OTHER_UUID "6d766e65-7400-4000-8000-0000000000ff"
/* mvnet's address from SRC_UUID: 02 and its last five bytes. */
#define SRC_MAC "02:a1:b2:c3:d4:e5"

/* The UUID query-mdevs reports for the only mdev. */
static char *only_mdev_uuid(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-mdevs' }");
    QList *list = qdict_get_qlist(resp, "return");
    char *uuid;

    g_assert_cmpint(qlist_size(list), ==, 1);
    uuid = g_strdup(qdict_get_str(qobject_to(QDict, qlist_peek(list)),
                                  "uuid"));
    qobject_unref(resp);
    return uuid;
}

static char *qom_get_str(QTestState *qts, const char *path, const char *prop)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                            "{ 'path': %s, 'property': %s } }", path, prop);
    char *v = g_strdup(qdict_get_str(resp, "return"));

    qobject_unref(resp);
    return v;
}

/* A stream of an mvnet with uuid SRC_UUID and its derived MAC, in @file. */
static char *mvnet_stream(void)
{
    char *file = mdev_qtest_temp_file("mdev-migration-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *mac = NULL;
    QTestState *src;

    src = qtest_init("-M q35 -nodefaults -device mdev-mvnet,class=virtio,"
                     "addr=04.0,id=net,uuid=" SRC_UUID);
    mac = qom_get_str(src, "/machine/peripheral/net", "mac");
    g_assert_cmpstr(mac, ==, SRC_MAC);
    mdev_qtest_migrate_and_quit(src, uri);
    return file;
}

/*
 * uuid left out on the destination: the mdev takes the source's UUID from
 * the stream, everywhere the UUID shows (query-mdevs, the uuid property,
 * the mdev bus's mirror), and mvnet's MAC is the source's, which follows
 * that UUID.
 */
static void test_auto_uuid_takes_the_sources(void)
{
    g_autofree char *file = mvnet_stream();
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *prop = NULL;
    g_autofree char *mirror = NULL;
    g_autofree char *mac = NULL;
    const char *desc;
    QTestState *dst;
    QDict *resp;

    dst = qtest_init("-M q35 -nodefaults -device mdev-mvnet,class=virtio,"
                     "addr=04.0,id=net -incoming defer");
    before = only_mdev_uuid(dst);
    g_assert_cmpstr(before, !=, SRC_UUID);
    mac = qom_get_str(dst, "/machine/peripheral/net", "mac");
    g_assert_cmpstr(mac, !=, SRC_MAC); /* its own, from its random UUID */
    g_free(mac);
    qtest_qmp_assert_success(dst, "{ 'execute': 'migrate-incoming', "
                             "'arguments': { 'uri': %s } }", uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);

    after = only_mdev_uuid(dst);
    g_assert_cmpstr(after, ==, SRC_UUID);
    prop = qom_get_str(dst, "/machine/peripheral/net", "uuid");
    g_assert_cmpstr(prop, ==, SRC_UUID);
    mirror = qom_get_str(dst, "/machine/peripheral/net/mdev", "uuid");
    g_assert_cmpstr(mirror, ==, SRC_UUID);
    mac = qom_get_str(dst, "/machine/peripheral/net", "mac");
    g_assert_cmpstr(mac, ==, SRC_MAC);
    /* The random UUID it had is gone: no mdev answers to it any more. */
    resp = qtest_qmp(dst, "{ 'execute': 'mdev-remove', 'arguments': "
                     "{ 'uuid': %s } }", before);
    desc = qdict_get_str(qdict_get_qdict(resp, "error"), "desc");
    g_assert_nonnull(strstr(desc, "no mdev has UUID"));
    qobject_unref(resp);
    qtest_quit(dst);
}

/* The same UUID given on both sides: nothing to take, the stream loads. */
static void test_same_explicit_uuid_loads(void)
{
    g_autofree char *file = mvnet_stream();
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *after = NULL;
    QTestState *dst;

    dst = qtest_initf("-M q35 -nodefaults -device mdev-mvnet,class=virtio,"
                      "addr=04.0,id=net,uuid=" SRC_UUID " -incoming %s", uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);
    after = only_mdev_uuid(dst);
    g_assert_cmpstr(after, ==, SRC_UUID);
    qtest_quit(dst);
}

/* An explicit different UUID: refused, naming both. */
static void test_explicit_other_uuid_is_refused(void)
{
    g_autofree char *file = mvnet_stream();
    g_autofree char *args = g_strdup_printf(
        "-device mdev-mvnet,class=virtio,addr=04.0,id=dst,uuid=" OTHER_UUID
        " -incoming file:%s", file);
    MdevQemuRun r;

    r = mdev_qtest_run_qemu_incoming(args);
    unlink(file);
    g_test_message("stderr: %s", r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "mdev-mvnet 'dst': migration stream is of "
                            "mdev " SRC_UUID "; this device was given uuid="
                            OTHER_UUID ": refused"));
    mdev_qtest_run_free(&r);
}

/*
 * Two mdevs with "auto" on the destination and one stream UUID already
 * taken by the other: refused, naming the UUID (never two mdevs with one).
 */
static void test_stream_uuid_taken_on_the_destination(void)
{
    g_autofree char *file = mvnet_stream();
    g_autofree char *args = g_strdup_printf(
        "-device mdev-mtty,class=vfio,mdev-type=mtty-1,addr=05.0,uuid="
        SRC_UUID " -device mdev-mvnet,class=virtio,addr=04.0,id=dst "
        "-incoming file:%s", file);
    MdevQemuRun r;

    r = mdev_qtest_run_qemu_incoming(args);
    unlink(file);
    g_test_message("stderr: %s", r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "mdev-mvnet 'dst': cannot take the "
                            "migration stream's mdev UUID " SRC_UUID));
    mdev_qtest_run_free(&r);
}

/*
 * A stream from a build before the UUID travelled: mdev-identity version 1
 * (no UUID). Made from a real stream by setting the section's version to 1
 * and taking the 16 bytes of the UUID out. It loads, and the destination
 * keeps its own UUID, as before; even one given explicitly.
 */
static void forge_identity_v1(const char *file, const char *idstr)
{
    g_autofree gchar *data = NULL;
    g_autoptr(GByteArray) forged = g_byte_array_new();
    size_t len, idlen = strlen(idstr);
    const char *at;
    const char *version, *fields;
    guint8 v1[4] = { 0, 0, 0, 1 };

    g_assert_true(g_file_get_contents(file, &data, &len, NULL));
    at = mdev_qtest_stream_find(data, len, idstr) + 1; /* the name */
    /* Then the instance id (4 bytes) and the version (4 bytes). */
    version = at + idlen + 4;
    g_assert_cmpuint(ldl_be_p(version), ==, 2);
    /* The identity: a length byte and its text; the UUID follows. */
    fields = version + 4;
    fields += 1 + (guint8)fields[0];
    g_byte_array_append(forged, (guint8 *)data, version - data);
    g_byte_array_append(forged, v1, sizeof(v1));
    g_byte_array_append(forged, (guint8 *)version + 4, fields - (version + 4));
    g_byte_array_append(forged, (guint8 *)fields + 16,
                        len - (fields + 16 - data));
    g_assert_true(g_file_set_contents(file, (gchar *)forged->data,
                                      forged->len, NULL));
}

static void test_version_1_identity_keeps_the_destinations_uuid(void)
{
    g_autofree char *file = mvnet_stream();
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *after = NULL;
    QTestState *dst;

    forge_identity_v1(file, "0000:00:04.0/mdev-identity");
    dst = qtest_initf("-M q35 -nodefaults -device mdev-mvnet,class=virtio,"
                      "addr=04.0,id=net,uuid=" OTHER_UUID " -incoming %s",
                      uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);
    after = only_mdev_uuid(dst);
    g_assert_cmpstr(after, ==, OTHER_UUID);
    qtest_quit(dst);
}

/*
 * The hotplug-then-save case: an mdev hotplugged on the source (device_add
 * into a root port) and a destination started from the original
 * configuration, with no mdev at all (so hw-mdev's module is not even
 * loaded there). The stream's mdev-inventory section, the first of the
 * stream, makes the refusal name the device: its type, id, UUID and PCI
 * address, and how to start the destination.
 */
static void test_destination_without_the_hotplugged_mdev(void)
{
    g_autofree char *file =
        mdev_qtest_temp_file("mdev-migration-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *args = NULL;
    QTestState *src;
    MdevQemuRun r;

    src = qtest_init("-M q35 -nodefaults -device pcie-root-port,id=rp,"
                     "chassis=1,slot=1,addr=03.0");
    qtest_qmp_device_add(src, "mdev-mtty", "tty1",
                         "{'class': 'vfio', 'mdev-type': 'mtty-1', "
                         "'bus': 'rp'}");
    mdev_qtest_migrate_and_quit(src, uri);

    args = g_strdup_printf("-device pcie-root-port,id=rp,chassis=1,slot=1,"
                           "addr=03.0 -incoming %s", uri);
    r = mdev_qtest_run_qemu_incoming(args);
    unlink(file);
    g_test_message("stderr: %s", r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "the source has an mdev this QEMU was "
                            "started without: mdev-mtty 'tty1' (mdev "));
    g_assert_nonnull(strstr(r.err, ") at PCI address 0000:00:03.0:00.0. "
                            "Start the destination with that device"));
    mdev_qtest_run_free(&r);
}

/*
 * The same with another mdev present on the destination (the module
 * loaded): still named. (An mdev of another kind at that address is the
 * identity section's refusal: mdev-hostile-test.)
 */
static char *hotplug_stream(void)
{
    char *file = mdev_qtest_temp_file("mdev-migration-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    QTestState *src;

    src = qtest_init("-M q35 -nodefaults -device mdev-gpio,class=vfio,"
                     "addr=05.0 -device pcie-root-port,id=rp,chassis=1,"
                     "slot=1,addr=03.0");
    qtest_qmp_device_add(src, "mdev-mtty", "tty1",
                         "{'class': 'vfio', 'mdev-type': 'mtty-1', "
                         "'bus': 'rp', 'uuid': '" SRC_UUID "'}");
    mdev_qtest_migrate_and_quit(src, uri);
    return file;
}

static void test_destination_with_other_mdevs_names_the_missing_one(void)
{
    g_autofree char *file = hotplug_stream();
    g_autofree char *args = g_strdup_printf(
        "-device mdev-gpio,class=vfio,addr=05.0 -device pcie-root-port,"
        "id=rp,chassis=1,slot=1,addr=03.0 -incoming file:%s", file);
    MdevQemuRun r;

    r = mdev_qtest_run_qemu_incoming(args);
    g_test_message("stderr: %s", r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "started without: mdev-mtty 'tty1' (mdev "
                            SRC_UUID ") at PCI address 0000:00:03.0:00.0"));
    g_assert_nonnull(strstr(r.err, "-device mdev-mtty,uuid=" SRC_UUID));
    unlink(file);
    mdev_qtest_run_free(&r);
}

/*
 * A corrupted inventory: a length past what a stream may carry, and a NUL
 * inside the list. Refused with a line saying so; nothing allocated from
 * the stream's length.
 */
static void corrupt_inventory(const char *file, bool huge)
{
    static const char idstr[] = "mdev-inventory";
    g_autofree gchar *data = NULL;
    size_t len;
    const char *at;
    char *p;

    g_assert_true(g_file_get_contents(file, &data, &len, NULL));
    at = mdev_qtest_stream_find(data, len, idstr) + 1; /* the name */
    /* The instance id and version (4 bytes each), then the list's length. */
    p = data + (at - data) + strlen(idstr) + 8;
    g_assert_cmpuint(ldl_be_p(p), >, 0);
    if (huge) {
        stl_be_p(p, 0xfffffff0);
    } else {
        p[4 + 3] = 0;
    }
    g_assert_true(g_file_set_contents(file, data, len, NULL));
}

static void test_corrupted_inventory_is_refused(void)
{
    for (int huge = 0; huge < 2; huge++) {
        g_autofree char *file = hotplug_stream();
        g_autofree char *args = g_strdup_printf(
            "-device mdev-gpio,class=vfio,addr=05.0 -device pcie-root-port,"
            "id=rp,chassis=1,slot=1,addr=03.0 -device mdev-mtty,class=vfio,"
            "mdev-type=mtty-1,bus=rp -incoming file:%s", file);
        MdevQemuRun r;

        corrupt_inventory(file, huge);
        r = mdev_qtest_run_qemu_incoming(args);
        unlink(file);
        g_test_message("stderr: %s", r.err);
        g_assert_cmpint(r.status, ==, 1);
        g_assert_nonnull(strstr(r.err, huge ?
                                "mdev-inventory: migration stream: a list of "
                                "4294967280 bytes, more than the 65536" :
                                "mdev-inventory: migration stream: a NUL "
                                "inside the list"));
        mdev_qtest_run_free(&r);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/mdev/migration/auto-uuid-takes-the-sources",
                   test_auto_uuid_takes_the_sources);
    qtest_add_func("/mdev/migration/same-explicit-uuid-loads",
                   test_same_explicit_uuid_loads);
    qtest_add_func("/mdev/migration/explicit-other-uuid-is-refused",
                   test_explicit_other_uuid_is_refused);
    qtest_add_func("/mdev/migration/stream-uuid-taken-on-the-destination",
                   test_stream_uuid_taken_on_the_destination);
    qtest_add_func("/mdev/migration/version-1-identity-keeps-the-uuid",
                   test_version_1_identity_keeps_the_destinations_uuid);
    qtest_add_func("/mdev/migration/destination-without-the-hotplugged-mdev",
                   test_destination_without_the_hotplugged_mdev);
    qtest_add_func("/mdev/migration/destination-with-other-mdevs-names-the-"
                   "missing-one",
                   test_destination_with_other_mdevs_names_the_missing_one);
    qtest_add_func("/mdev/migration/corrupted-inventory-is-refused",
                   test_corrupted_inventory_is_refused);

    return g_test_run();
}
