/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev's libqos (qgraph) nodes: one per sample x class, so that
 * QEMU's own qos-test cases written against "pci-device", "virtio" or
 * "virtio-net" reach our devices with no new test code, and our qtest
 * authors write qos_add_test() against them (mdev-qos.h says what each
 * interface gives; docs/qtest.md how to use them).
 *
 * Each node is -device mdev-<parent>,...,addr=04.0 on the PC machine's
 * PCI bus ("pci-bus", the only x86 PCI bus libqos has). The two mtty
 * nodes share one QEMU device, so they are named nodes with qemu_name
 * "mdev-mtty" (qos-test marks both available when QEMU has mdev-mtty).
 * Each node checks the function's vendor:device ID as it is created, so
 * a path never runs against the wrong device.
 *
 * Built into qos-test only (scripts/qemu-overlay.patch adds
 * mdev_qos_sources to qos_test_ss): qos-test is the one program that
 * walks the graph; the other qtests link libqos but never walk it.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "qemu/module.h"
#include "libqos/qgraph.h"
#include "libqos/pci.h"
#include "libqos/virtio.h"
#include "libqos/virtio-pci.h"
#include "libqos/virtio-net.h"
#include "standard-headers/linux/virtio_config.h"
#include "standard-headers/linux/virtio_ids.h"
#include "standard-headers/linux/virtio_ring.h"
#include "standard-headers/linux/virtio_net.h"
#include "standard-headers/linux/virtio_console.h"
#include "mdev-qos.h"

/* ---- vfio-class mdevs: a PCI function -------------------------------------- */

typedef struct MdevQPci {
    QOSGraphObject obj;
    QPCIDevice dev;
} MdevQPci;

static void *mdev_qpci_get_driver(void *object, const char *interface)
{
    MdevQPci *m = object;

    if (!g_strcmp0(interface, "pci-device")) {
        return &m->dev;
    }
    fprintf(stderr, "%s not present in an mdev vfio node\n", interface);
    g_assert_not_reached();
}

static void mdev_qpci_start_hw(QOSGraphObject *obj)
{
    MdevQPci *m = (MdevQPci *)obj;

    qpci_device_enable(&m->dev);
}

static void *mdev_qpci_create(void *pci_bus, QGuestAllocator *alloc,
                              void *addr)
{
    MdevQPci *m = g_new0(MdevQPci, 1);

    qpci_device_init(&m->dev, pci_bus, addr);
    m->obj.get_driver = mdev_qpci_get_driver;
    m->obj.start_hw = mdev_qpci_start_hw;
    return &m->obj;
}

/* ---- virtio-class mdevs: shared by both virtio nodes ------------------------- */

/*
 * Negotiates what the device offers, less what libqos's split-ring driver
 * does not do (indirect descriptors, event idx; our devices offer neither,
 * so this is only a guard), as QEMU's own virtio nodes do.
 */
static uint64_t mdev_qos_negotiate(QVirtioDevice *vdev)
{
    uint64_t features = qvirtio_get_features(vdev);

    features &= ~(QVIRTIO_F_BAD_FEATURE |
                  (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
                  (1ull << VIRTIO_RING_F_EVENT_IDX));
    g_assert(features & (1ull << VIRTIO_F_VERSION_1)); /* modern only */
    qvirtio_set_features(vdev, features);
    return features;
}

static QVirtQueue **mdev_qos_setup_queues(QVirtioDevice *vdev,
                                          QGuestAllocator *alloc, int n)
{
    QVirtQueue **queues = g_new0(QVirtQueue *, n);
    int i;

    for (i = 0; i < n; i++) {
        queues[i] = qvirtqueue_setup(vdev, alloc, i);
    }
    return queues;
}

static void mdev_qos_cleanup_queues(QVirtioDevice *vdev, QGuestAllocator *alloc,
                                    QVirtQueue **queues, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        qvirtqueue_cleanup(vdev->bus, queues[i], alloc);
    }
    g_free(queues);
}

/* ---- mdev-mvnet: virtio-net ---------------------------------------------------- */

typedef struct MdevQMvnet {
    QVirtioPCIDevice pci; /* first: qvirtio_pci_* take the object as this */
    QVirtioNet net;
    QGuestAllocator *alloc;
} MdevQMvnet;

static void *mdev_qmvnet_get_driver(void *object, const char *interface)
{
    MdevQMvnet *m = object;

    if (!g_strcmp0(interface, "virtio-net")) {
        return &m->net;
    }
    if (!g_strcmp0(interface, "virtio")) {
        return &m->pci.vdev;
    }
    if (!g_strcmp0(interface, "pci-device")) {
        return m->pci.pdev;
    }
    fprintf(stderr, "%s not present in mdev-mvnet\n", interface);
    g_assert_not_reached();
}

/*
 * The queues the device really has: a receiveq/transmitq pair per queue
 * pair (one without VIRTIO_NET_F_MQ), and a control queue only with
 * VIRTIO_NET_F_CTRL_VQ. mvnet offers neither, so: receiveq 0, transmitq 1.
 * (QEMU's own virtio-net node always adds a control queue: virtio-net-pci
 * has one.)
 */
static void mdev_qmvnet_start_hw(QOSGraphObject *obj)
{
    MdevQMvnet *m = (MdevQMvnet *)obj;
    QVirtioDevice *vdev = &m->pci.vdev;
    uint64_t features;
    int pairs = 1;

    qvirtio_pci_start_hw(obj);
    features = mdev_qos_negotiate(vdev);
    if (features & (1ull << VIRTIO_NET_F_MQ)) {
        pairs = qvirtio_config_readw(vdev, 8); /* max_virtqueue_pairs */
    }
    m->net.n_queues = 2 * pairs +
        !!(features & (1ull << VIRTIO_NET_F_CTRL_VQ));
    m->net.queues = mdev_qos_setup_queues(vdev, m->alloc, m->net.n_queues);
    qvirtio_set_driver_ok(vdev);
}

static void mdev_qmvnet_destructor(QOSGraphObject *obj)
{
    MdevQMvnet *m = (MdevQMvnet *)obj;

    mdev_qos_cleanup_queues(&m->pci.vdev, m->alloc, m->net.queues,
                            m->net.n_queues);
    qvirtio_pci_destructor(obj);
}

static void *mdev_qmvnet_create(void *pci_bus, QGuestAllocator *alloc,
                                void *addr)
{
    MdevQMvnet *m = g_new0(MdevQMvnet, 1);

    virtio_pci_init(&m->pci, pci_bus, addr);
    g_assert_cmphex(m->pci.vdev.device_type, ==, VIRTIO_ID_NET);
    m->net.vdev = &m->pci.vdev;
    m->alloc = alloc;
    m->pci.obj.get_driver = mdev_qmvnet_get_driver;
    m->pci.obj.start_hw = mdev_qmvnet_start_hw;
    m->pci.obj.destructor = mdev_qmvnet_destructor;
    return &m->pci.obj;
}

/* ---- mdev-mtty,class=virtio: a multiport virtio console --------------------- */

typedef struct MdevQMttyVirtio {
    QVirtioPCIDevice pci; /* first, as above */
    MdevQVirtioConsole con;
} MdevQMttyVirtio;

static void *mdev_qmtty_virtio_get_driver(void *object, const char *interface)
{
    MdevQMttyVirtio *m = object;

    if (!g_strcmp0(interface, "virtio-console")) {
        return &m->con;
    }
    if (!g_strcmp0(interface, "virtio")) {
        return &m->pci.vdev;
    }
    if (!g_strcmp0(interface, "pci-device")) {
        return m->pci.pdev;
    }
    fprintf(stderr, "%s not present in mdev-mtty-virtio\n", interface);
    g_assert_not_reached();
}

/*
 * Without VIRTIO_CONSOLE_F_MULTIPORT a console has port 0's two queues;
 * with it, max_nr_ports ports of two queues each plus the control pair.
 */
static void mdev_qmtty_virtio_start_hw(QOSGraphObject *obj)
{
    MdevQMttyVirtio *m = (MdevQMttyVirtio *)obj;
    QVirtioDevice *vdev = &m->pci.vdev;
    uint64_t features;

    qvirtio_pci_start_hw(obj);
    features = mdev_qos_negotiate(vdev);
    if (features & (1ull << VIRTIO_CONSOLE_F_MULTIPORT)) {
        m->con.max_nr_ports = qvirtio_config_readl(vdev, 4);
        g_assert_cmpuint(m->con.max_nr_ports, >=, 1);
        m->con.n_queues = 2 * (m->con.max_nr_ports + 1);
    } else {
        m->con.max_nr_ports = 1;
        m->con.n_queues = 2;
    }
    m->con.queues = mdev_qos_setup_queues(vdev, m->con.alloc, m->con.n_queues);
    qvirtio_set_driver_ok(vdev);
}

static void mdev_qmtty_virtio_destructor(QOSGraphObject *obj)
{
    MdevQMttyVirtio *m = (MdevQMttyVirtio *)obj;

    mdev_qos_cleanup_queues(&m->pci.vdev, m->con.alloc, m->con.queues,
                            m->con.n_queues);
    qvirtio_pci_destructor(obj);
}

static void *mdev_qmtty_virtio_create(void *pci_bus, QGuestAllocator *alloc,
                                      void *addr)
{
    MdevQMttyVirtio *m = g_new0(MdevQMttyVirtio, 1);

    virtio_pci_init(&m->pci, pci_bus, addr);
    g_assert_cmphex(m->pci.vdev.device_type, ==, VIRTIO_ID_CONSOLE);
    m->con.vdev = &m->pci.vdev;
    m->con.alloc = alloc;
    m->pci.obj.get_driver = mdev_qmtty_virtio_get_driver;
    m->pci.obj.start_hw = mdev_qmtty_virtio_start_hw;
    m->pci.obj.destructor = mdev_qmtty_virtio_destructor;
    return &m->pci.obj;
}

/* ---- registration ------------------------------------------------------------ */

/*
 * One node. @qemu_name is the -device name when the node's name is not
 * one (the two mtty classes); @opts follow it after a comma; the device is
 * checked to be @vendor:@device at 04.0 as the node is created.
 */
static void mdev_qos_node(const char *name, const char *qemu_name,
                          const char *opts, uint16_t vendor, uint16_t device,
                          QOSCreateDriverFunc create)
{
    /* The edge options keep a copy of the address (size_arg). */
    QPCIAddress addr = {
        .devfn = QPCI_DEVFN(MDEV_QOS_SLOT, 0),
        .vendor_id = vendor,
        .device_id = device,
    };
    g_autofree char *extra = g_strdup_printf("%s,addr=%02x.0", opts,
                                             MDEV_QOS_SLOT);
    QOSGraphEdgeOptions edge = { .extra_device_opts = extra };

    add_qpci_address(&edge, &addr);
    if (qemu_name) {
        qos_node_create_driver_named(name, qemu_name, create);
    } else {
        qos_node_create_driver(name, create);
    }
    qos_node_consumes(name, "pci-bus", &edge);
    qos_node_produces(name, "pci-device");
}

static void mdev_qos_register_nodes(void)
{
    /* vfio class: the PCI function built from the mdev's region and IRQ ops. */
    mdev_qos_node("mdev-mtty-vfio", "mdev-mtty", "class=vfio",
                  0x4348, 0x3253, mdev_qpci_create);
    mdev_qos_node("mdev-mdpy", NULL, "class=vfio", 0x1b36, 0x000f,
                  mdev_qpci_create);
    mdev_qos_node("mdev-mbochs", NULL, "class=vfio", 0x1234, 0x1111,
                  mdev_qpci_create);
    mdev_qos_node("mdev-gpio", NULL, "class=vfio", 0x494f, 0x0dc8,
                  mdev_qpci_create);

    /* virtio class: virtio-pci modern (device IDs 0x1040 + virtio ID). */
    mdev_qos_node("mdev-mtty-virtio", "mdev-mtty", "class=virtio",
                  0x1af4, 0x1040 + VIRTIO_ID_CONSOLE, mdev_qmtty_virtio_create);
    qos_node_produces("mdev-mtty-virtio", "virtio");
    qos_node_produces("mdev-mtty-virtio", "virtio-console");

    mdev_qos_node("mdev-mvnet", NULL, "class=virtio", 0x1af4,
                  0x1040 + VIRTIO_ID_NET, mdev_qmvnet_create);
    qos_node_produces("mdev-mvnet", "virtio");
    qos_node_produces("mdev-mvnet", "virtio-net");
}

libqos_init(mdev_qos_register_nodes);
