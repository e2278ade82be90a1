/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QMP queries (qapi/mdev.json) and HMP "info mdev" as a
 * management tool uses them: parents with their types and budgets, mdevs
 * with their UUID, parent, type, class, driver and QOM path, across
 * device_add and an ACPI unplug on -M pc (the budget goes down and back
 * up), and the errors a sysfs user gets for a taken UUID or an exhausted
 * budget.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qjson.h"
#include "qobject/qstring.h"
#include "qapi/error.h"
#include "mdev-qtest-common.h"

/* PIIX4's ACPI PCI hotplug block (hw/acpi/pcihp.c): the eject register. */
#define MDEV_PIIX4_PCIHP_EJECT (0xae00 + 0x08)

#define UUID_A "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define UUID_B "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"

/* The entry of list @l whose member @key is @value, or NULL. */
static QDict *find_entry(QList *l, const char *key, const char *value)
{
    QListEntry *e;

    QLIST_FOREACH_ENTRY(l, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));
        if (d && !g_strcmp0(qdict_get_try_str(d, key), value)) {
            return d;
        }
    }
    return NULL;
}

/* available-instances of @type of parent @parent, from query-mdev-parents. */
static int64_t available(QTestState *qts, const char *parent, const char *type)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-parents' }");
    QDict *p, *t;
    int64_t n;

    g_assert(qdict_haskey(resp, "return"));
    p = find_entry(qdict_get_qlist(resp, "return"), "id", parent);
    g_assert_nonnull(p);
    t = find_entry(qdict_get_qlist(p, "types"), "id", type);
    g_assert_nonnull(t);
    n = qdict_get_int(t, "available-instances");
    qobject_unref(resp);
    return n;
}

static void test_parents(void)
{
    QTestState *qts = qtest_init("-M pc -nodefaults");
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-parents' }");
    QList *parents = qdict_get_qlist(resp, "return");
    QDict *types_resp;
    QList *types;
    QListEntry *e;
    size_t kinds = 0;
    QDict *mtty, *t;
    QList *classes;

    /*
     * The parent kinds are the concrete QOM types of mdev-pci (one
     * mdev-<kind> per declared parent): each has its default parent, and
     * there is no other. A new parent needs no edit here.
     */
    types_resp = qtest_qmp(qts, "{ 'execute': 'qom-list-types', 'arguments': "
                           "{ 'implements': 'mdev-pci', 'abstract': false } }");
    types = qdict_get_qlist(types_resp, "return");
    QLIST_FOREACH_ENTRY(types, e) {
        QDict *ty = qobject_to(QDict, qlist_entry_obj(e));
        const char *qom = qdict_get_str(ty, "name");
        const char *kind = qom + strlen("mdev-");
        QDict *p;

        g_assert_true(g_str_has_prefix(qom, "mdev-"));
        p = find_entry(parents, "id", kind);
        g_assert_nonnull(p);
        g_assert_cmpstr(qdict_get_str(p, "kind"), ==, kind);
        g_assert_cmpstr(qdict_get_str(p, "qom-type"), ==, qom);
        g_assert_cmpint(qlist_size(qdict_get_qlist(p, "types")), >, 0);
        kinds++;
    }
    /* mtty, mvnet and at least one vfio-only sample. */
    g_assert_cmpint(kinds, >=, 3);
    g_assert_cmpint(qlist_size(parents), ==, kinds);
    qobject_unref(types_resp);

    mtty = find_entry(parents, "id", "mtty");
    classes = qdict_get_qlist(mtty, "classes");
    g_assert_cmpint(qlist_size(classes), ==, 2);
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, qlist_peek(classes))),
                    ==, "vfio");
    t = find_entry(qdict_get_qlist(mtty, "types"), "id", "mtty-2");
    g_assert_nonnull(t);
    g_assert_cmpstr(qdict_get_str(t, "name"), ==, "Dual port serial");
    g_assert_cmpstr(qdict_get_str(t, "device-api"), ==, "vfio-pci");
    /* 24 ports, two per mtty-2. */
    g_assert_cmpint(qdict_get_int(t, "available-instances"), ==, 12);
    qobject_unref(resp);

    /* mnvme: 2048 MiB for RAM namespaces, two mnvme-1g. */
    g_assert_cmpint(available(qts, "mnvme", "mnvme-1g"), ==, 2);
    g_assert_cmpint(available(qts, "mnvme", "mnvme-64m"), ==, 32);

    resp = qtest_qmp(qts, "{ 'execute': 'query-mdevs' }");
    g_assert_cmpint(qlist_size(qdict_get_qlist(resp, "return")), ==, 0);
    qobject_unref(resp);
    qtest_quit(qts);
}

static void test_add_query_unplug(void)
{
    QTestState *qts = qtest_init("-M pc -nodefaults");
    QDict *resp, *m;
    QList *mdevs;
    g_autofree char *hmp = NULL;

    g_assert_cmpint(available(qts, "mtty", "mtty-2"), ==, 12);
    g_assert_cmpint(available(qts, "mtty", "mtty-1"), ==, 24);

    qtest_qmp_device_add(qts, "mdev-mtty", "tty0",
                         "{'class': 'vfio', 'mdev-type': 'mtty-2', "
                         "'uuid': %s, 'addr': '05.0'}", UUID_A);
    g_assert_cmpint(available(qts, "mtty", "mtty-2"), ==, 11);
    g_assert_cmpint(available(qts, "mtty", "mtty-1"), ==, 22);

    resp = qtest_qmp(qts, "{ 'execute': 'query-mdevs' }");
    mdevs = qdict_get_qlist(resp, "return");
    g_assert_cmpint(qlist_size(mdevs), ==, 1);
    m = find_entry(mdevs, "uuid", UUID_A);
    g_assert_nonnull(m);
    g_assert_cmpstr(qdict_get_str(m, "parent"), ==, "mtty");
    g_assert_cmpstr(qdict_get_str(m, "type"), ==, "mtty-2");
    g_assert_cmpstr(qdict_get_str(m, "class"), ==, "vfio");
    g_assert_cmpstr(qdict_get_str(m, "driver"), ==, "vfio-pci");
    g_assert_cmpstr(qdict_get_str(m, "qom-path"), ==,
                    "/machine/peripheral/tty0");
    g_assert_cmpstr(qdict_get_str(m, "device-id"), ==, "tty0");
    qobject_unref(resp);

    /* HMP prints both. */
    hmp = qtest_hmp(qts, "info mdev");
    g_test_message("info mdev:\n%s", hmp);
    /* (The monitor ends its lines with \r\n.) */
    g_assert_nonnull(strstr(hmp, "parent mtty (mdev-mtty), classes vfio, "
                            "virtio\r\n"));
    g_assert_nonnull(strstr(hmp, "available 11"));
    g_assert_nonnull(strstr(hmp, "mdev " UUID_A " parent mtty type mtty-2 "
                            "class vfio driver vfio-pci at "
                            "/machine/peripheral/tty0\r\n"));

    /* Removed (the guest's side of an ACPI unplug done by hand). */
    qpci_unplug_acpi_device_test(qts, "tty0", 5);
    g_assert_cmpint(available(qts, "mtty", "mtty-2"), ==, 12);
    resp = qtest_qmp(qts, "{ 'execute': 'query-mdevs' }");
    g_assert_cmpint(qlist_size(qdict_get_qlist(resp, "return")), ==, 0);
    qobject_unref(resp);

    /* The UUID is free again, as after a sysfs remove. */
    qtest_qmp_device_add(qts, "mdev-mtty", "tty1",
                         "{'class': 'virtio', 'mdev-type': 'mtty-1', "
                         "'uuid': %s, 'addr': '06.0'}", UUID_A);
    resp = qtest_qmp(qts, "{ 'execute': 'query-mdevs' }");
    m = find_entry(qdict_get_qlist(resp, "return"), "uuid", UUID_A);
    g_assert_nonnull(m);
    g_assert_cmpstr(qdict_get_str(m, "class"), ==, "virtio");
    g_assert_cmpstr(qdict_get_str(m, "driver"), ==, "virtio-pci");
    qobject_unref(resp);
    qtest_quit(qts);
}

/*
 * mdev-remove by UUID, in any case, unplugs the function as device_del
 * would; an unknown or malformed UUID is refused with a hint.
 */
static void test_remove_by_uuid(void)
{
    QTestState *qts = qtest_init("-M pc -nodefaults");
    QDict *resp;

    qtest_qmp_device_add(qts, "mdev-gpio", "io0",
                         "{'uuid': %s, 'addr': '05.0'}", UUID_B);
    g_assert_cmpint(available(qts, "gpio", "gpio-idio16"), ==, 3);

    resp = qtest_qmp(qts, "{ 'execute': 'mdev-remove', "
                     "'arguments': { 'uuid': %s } }", UUID_A);
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    ==, "no mdev has UUID " UUID_A);
    qobject_unref(resp);
    resp = qtest_qmp(qts, "{ 'execute': 'mdev-remove', "
                     "'arguments': { 'uuid': 'not-a-uuid' } }");
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    ==, "'not-a-uuid' is not a UUID");
    qobject_unref(resp);

    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-remove', "
                             "'arguments': { 'uuid': %s } }",
                             "83B8F4F2-509F-382F-3C1E-E6BFE0FA1002");
    /* The guest's side of the ACPI unplug. */
    qtest_outl(qts, MDEV_PIIX4_PCIHP_EJECT, 1 << 5);
    qtest_qmp_eventwait(qts, "DEVICE_DELETED");
    g_assert_cmpint(available(qts, "gpio", "gpio-idio16"), ==, 4);
    resp = qtest_qmp(qts, "{ 'execute': 'query-mdevs' }");
    g_assert_cmpint(qlist_size(qdict_get_qlist(resp, "return")), ==, 0);
    qobject_unref(resp);
    qtest_quit(qts);
}

/* device_add's error, as QMP returns it, contains @needle. */
static void assert_add_fails(QTestState *qts, const char *args,
                             const char *needle)
{
    QObject *a = qobject_from_json(args, &error_abort);
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'device_add', "
                            "'arguments': %p }", a);
    QDict *err = qdict_get_qdict(resp, "error");

    g_assert_nonnull(err);
    g_test_message("device_add %s: %s", args, qdict_get_str(err, "desc"));
    g_assert_nonnull(strstr(qdict_get_str(err, "desc"), needle));
    qobject_unref(resp);
}

static void test_add_errors(void)
{
    QTestState *qts = qtest_init("-M pc -nodefaults");
    char *addr, *id;

    qtest_qmp_device_add(qts, "mdev-mtty", "a",
                         "{'class': 'vfio', 'mdev-type': 'mtty-2', "
                         "'uuid': %s, 'addr': '05.0'}", UUID_A);
    assert_add_fails(qts, "{'driver': 'mdev-mtty', 'id': 'b', "
                     "'class': 'vfio', 'uuid': '" UUID_A "'}", UUID_A);
    for (int i = 0; i < 11; i++) {
        addr = g_strdup_printf("%02x.0", 6 + i);
        id = g_strdup_printf("t%d", i);
        qtest_qmp_device_add(qts, "mdev-mtty", id, "{'class': 'vfio', "
                             "'mdev-type': 'mtty-2', 'addr': %s}", addr);
        g_free(addr);
        g_free(id);
    }
    g_assert_cmpint(available(qts, "mtty", "mtty-2"), ==, 0);
    assert_add_fails(qts, "{'driver': 'mdev-mtty', 'id': 'c', "
                     "'class': 'vfio', 'uuid': '" UUID_B "'}",
                     "no room for another 'mtty-2' (available_instances is 0)");
    qtest_quit(qts);
}

/*
 * -object mdev-parent,kind=K: parents with budgets of their own beside the
 * default one, named by devices with parent=, listed by the query, each
 * enforcing its own budget.
 */
static void test_parent_objects(void)
{
    QTestState *qts = qtest_init(
        "-M pc -nodefaults -object mdev-parent,id=card0,kind=mtty,budget=4 "
        "-device mdev-mtty,parent=card0,mdev-type=mtty-2,class=vfio,addr=05.0 "
        "-device mdev-mtty,parent=card0,mdev-type=mtty-1,class=virtio,"
        "addr=06.0,id=v0");
    QDict *resp, *m;

    g_assert_cmpint(available(qts, "card0", "mtty-2"), ==, 0);
    g_assert_cmpint(available(qts, "card0", "mtty-1"), ==, 1);
    g_assert_cmpint(available(qts, "mtty", "mtty-2"), ==, 12);
    resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-parents' }");
    m = find_entry(qdict_get_qlist(resp, "return"), "id", "card0");
    g_assert_nonnull(m);
    g_assert_cmpstr(qdict_get_str(m, "kind"), ==, "mtty");
    g_assert_cmpstr(qdict_get_str(m, "qom-type"), ==, "mdev-mtty");
    qobject_unref(resp);
    resp = qtest_qmp(qts, "{ 'execute': 'query-mdevs' }");
    m = find_entry(qdict_get_qlist(resp, "return"), "device-id", "v0");
    g_assert_nonnull(m);
    g_assert_cmpstr(qdict_get_str(m, "parent"), ==, "card0");
    qobject_unref(resp);

    assert_add_fails(qts, "{'driver': 'mdev-mtty', 'id': 'x', 'parent': "
                     "'card0', 'mdev-type': 'mtty-2', 'class': 'vfio'}",
                     "parent 'card0' has no room for another 'mtty-2'");

    /* Created and deleted at run time; not deleted while it has mdevs. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'object-add', 'arguments': "
                             "{ 'qom-type': 'mdev-parent', 'id': 'card1', "
                             "'kind': 'mtty', 'budget': 1 } }");
    g_assert_cmpint(available(qts, "card1", "mtty-1"), ==, 1);
    qtest_qmp_device_add(qts, "mdev-mtty", "t1", "{'parent': 'card1', "
                         "'mdev-type': 'mtty-1', 'class': 'vfio', "
                         "'addr': '07.0'}");
    resp = qtest_qmp(qts, "{ 'execute': 'object-del', 'arguments': "
                     "{ 'id': 'card1' } }");
    g_assert_nonnull(qdict_get_qdict(resp, "error"));
    qobject_unref(resp);
    qpci_unplug_acpi_device_test(qts, "t1", 7);
    qtest_qmp_assert_success(qts, "{ 'execute': 'object-del', 'arguments': "
                             "{ 'id': 'card1' } }");
    resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-parents' }");
    g_assert_null(find_entry(qdict_get_qlist(resp, "return"), "id", "card1"));
    qobject_unref(resp);
    /* Its id can be used again. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'object-add', 'arguments': "
                             "{ 'qom-type': 'mdev-parent', 'id': 'card1', "
                             "'kind': 'mtty', 'budget': 2 } }");
    g_assert_cmpint(available(qts, "card1", "mtty-2"), ==, 1);
    qtest_quit(qts);
}

static void test_parent_object_errors(void)
{
    static const char *const kind[] = {
        "property 'parent': 'd0' is a parent of kind 'mdpy'; an mdev-mtty "
        "needs one of kind 'mtty'", NULL
    };
    static const char *const same_id[] = {
        "mdev-parent 'mtty': an mdev parent named 'mtty' exists already (the "
        "default parent of its kind)",
        NULL
    };
    static const char *const zero[] = {
        "mdev-parent 'c': budget: 0 ports; a parent has 1 to 1024 ports", NULL
    };
    static const char *const mem[] = {
        "mdev-parent 'c': budget: 5000 MB; a parent has 4 to 4096 MB", NULL
    };
    static const char *const fixed[] = {
        "mdev-parent 'c': budget: a parent of kind 'gpio' has a fixed budget",
        NULL
    };
    static const char *const no_kind[] = {
        "mdev-parent 'c': property 'kind': no such parent kind; accepted: ",
        "mtty", NULL
    };

    mdev_qtest_assert_fails("-object mdev-parent,id=d0,kind=mdpy "
                            "-device mdev-mtty,class=vfio,parent=d0", kind);
    mdev_qtest_assert_fails("-object mdev-parent,id=mtty,kind=mtty", same_id);
    mdev_qtest_assert_fails("-object mdev-parent,id=c,kind=mtty,budget=0",
                            zero);
    mdev_qtest_assert_fails("-object mdev-parent,id=c,kind=mbochs,budget=5000",
                            mem);
    mdev_qtest_assert_fails("-object mdev-parent,id=c,kind=gpio,budget=2",
                            fixed);
    mdev_qtest_assert_fails("-object mdev-parent,id=c,kind=nope", no_kind);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev/qmp/parents", test_parents);
    qtest_add_func("/mdev/qmp/add-query-unplug", test_add_query_unplug);
    qtest_add_func("/mdev/qmp/add-errors", test_add_errors);
    qtest_add_func("/mdev/qmp/remove-by-uuid", test_remove_by_uuid);
    qtest_add_func("/mdev/qmp/parent-objects", test_parent_objects);
    qtest_add_func("/mdev/qmp/parent-object-errors", test_parent_object_errors);
    return g_test_run();
}
