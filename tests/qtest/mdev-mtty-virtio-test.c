/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qgraph test of mtty's virtio face: -device mdev-mtty,class=virtio
 * (mtty-2, a multiport virtio console) driven by libqos's virtio 1.0 driver
 * through the control protocol (DEVICE_READY, DEVICE_ADD, PORT_READY,
 * PORT_NAME, PORT_OPEN) and a loopback on each port, and migrated half-way
 * through. The expected values are the sample's definition (docs/samples.md).
 *
 * The model for a qtest on one of our devices (docs/qtest.md): the test
 * consumes an interface of a node (tests/qtest/mdev-qos.c), here
 * "virtio-console" of the node mdev-mtty-virtio, and qos-test starts QEMU
 * with the node's -device, finds the function, negotiates the features and
 * sets up the queues the device has before calling it. It is built into
 * QEMU's qos-test (mdev_qos_sources) and runs as part of mdev-qos-test.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qemu/module.h"
#include "mdev-qtest-common.h"
#include "mdev-qos.h"
#include "libqos/qgraph.h"
#include "libqos/pci.h"
#include "libqos/virtio.h"
#include "libqos/virtio-pci.h"
#include "qobject/qdict.h"
#include "standard-headers/linux/virtio_config.h"
#include "standard-headers/linux/virtio_console.h"
#include "standard-headers/linux/virtio_ids.h"

#define CTL_BUFS 8
#define CTL_BUF_LEN 64

/* What a test keeps beside the node's console: its control buffers. */
typedef struct Con {
    QTestState *qts;
    MdevQVirtioConsole *con;
    QVirtioDevice *d;
    QGuestAllocator *alloc;
    QVirtQueue *ctl_rx;
    QVirtQueue *ctl_tx;
    /* c_ivq buffers by head index. */
    uint64_t ctl_buf[256];
} Con;

static void add_ctl_buffer(Con *c)
{
    uint64_t buf = guest_alloc(c->alloc, CTL_BUF_LEN);
    QVirtQueue *vq = c->ctl_rx;
    uint32_t head = qvirtqueue_add(c->qts, vq, buf, CTL_BUF_LEN, true, false);

    c->ctl_buf[head] = buf;
    qvirtqueue_kick(c->qts, c->d, vq, head);
}

/*
 * The node negotiated MULTIPORT and set up port 0's, the control and port
 * 1's queues; the test gives the control receive queue its buffers.
 */
static void con_begin(Con *c, MdevQVirtioConsole *con, QGuestAllocator *alloc)
{
    unsigned i;

    memset(c, 0, sizeof(*c));
    c->con = con;
    c->d = con->vdev;
    c->qts = mdev_qos_qts(con->vdev);
    c->alloc = alloc;
    g_assert_cmphex(c->d->features, ==, (1ull << VIRTIO_F_VERSION_1) |
                    (1ull << VIRTIO_CONSOLE_F_MULTIPORT));
    g_assert_cmpint(con->n_queues, ==, 6);
    c->ctl_rx = con->queues[MDEV_QOS_CONSOLE_CTRL_RX];
    c->ctl_tx = con->queues[MDEV_QOS_CONSOLE_CTRL_TX];
    for (i = 0; i < CTL_BUFS; i++) {
        add_ctl_buffer(c);
    }
}

static void send_ctl(Con *c, uint32_t id, uint16_t event, uint16_t value)
{
    uint8_t msg[8] = {
        id, id >> 8, id >> 16, id >> 24, event, event >> 8, value, value >> 8
    };
    uint64_t buf = guest_alloc(c->alloc, sizeof(msg));
    uint32_t head, got;

    qtest_memwrite(c->qts, buf, msg, sizeof(msg));
    head = qvirtqueue_add(c->qts, c->ctl_tx, buf, sizeof(msg), false, false);
    qvirtqueue_kick(c->qts, c->d, c->ctl_tx, head);
    g_assert_true(qvirtqueue_get_buf(c->qts, c->ctl_tx, &got, NULL));
    g_assert_cmpuint(got, ==, head);
    guest_free(c->alloc, buf);
}

/* The next control message from the device, and its trailing name. */
static void expect_ctl(Con *c, uint32_t id, uint16_t event, uint16_t value,
                       const char *name)
{
    uint8_t msg[CTL_BUF_LEN];
    uint32_t head, len;
    size_t name_len = name ? strlen(name) : 0;

    g_assert_true(qvirtqueue_get_buf(c->qts, c->ctl_rx, &head, &len));
    g_assert_cmpuint(len, ==, 8 + name_len);
    qtest_memread(c->qts, c->ctl_buf[head], msg, len);
    g_assert_cmpuint(ldl_le_p(msg), ==, id);
    g_assert_cmpuint(lduw_le_p(msg + 4), ==, event);
    g_assert_cmpuint(lduw_le_p(msg + 6), ==, value);
    if (name) {
        g_assert_cmpmem(msg + 8, name_len, name, name_len);
    }
    guest_free(c->alloc, c->ctl_buf[head]);
    add_ctl_buffer(c);
}

static void expect_no_ctl(Con *c)
{
    uint32_t head, len;

    g_assert_false(qvirtqueue_get_buf(c->qts, c->ctl_rx, &head, &len));
}

/* Bytes written on a port's TX come back on its RX. */
static void loop_port(Con *c, unsigned port, const char *text)
{
    QVirtQueue *rx = mdev_qos_console_rx(c->con, port);
    QVirtQueue *tx = mdev_qos_console_tx(c->con, port);
    size_t n = strlen(text);
    uint64_t rxbuf = guest_alloc(c->alloc, 256);
    uint64_t txbuf = guest_alloc(c->alloc, n);
    uint32_t rx_head, tx_head, got, len;
    char back[256];

    qtest_memwrite(c->qts, txbuf, text, n);
    rx_head = qvirtqueue_add(c->qts, rx, rxbuf, 256, true, false);
    qvirtqueue_kick(c->qts, c->d, rx, rx_head);
    tx_head = qvirtqueue_add(c->qts, tx, txbuf, n, false, false);
    qvirtqueue_kick(c->qts, c->d, tx, tx_head);

    g_assert_true(qvirtqueue_get_buf(c->qts, tx, &got, &len));
    g_assert_cmpuint(got, ==, tx_head);
    g_assert_cmpuint(len, ==, 0);
    g_assert_true(qvirtqueue_get_buf(c->qts, rx, &got, &len));
    g_assert_cmpuint(got, ==, rx_head);
    g_assert_cmpuint(len, ==, n);
    qtest_memread(c->qts, rxbuf, back, n);
    g_assert_cmpmem(back, n, text, n);
    guest_free(c->alloc, rxbuf);
    guest_free(c->alloc, txbuf);
}

static void test_console_multiport(void *obj, void *data, QGuestAllocator *alloc)
{
    Con c;

    con_begin(&c, obj, alloc);
    g_assert_cmpuint(c.d->device_type, ==, VIRTIO_ID_CONSOLE);
    /* struct virtio_console_config: cols, rows, max_nr_ports. */
    g_assert_cmpuint(qvirtio_config_readl(c.d, 4), ==, 2);

    expect_no_ctl(&c);
    send_ctl(&c, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
    expect_no_ctl(&c);
    send_ctl(&c, 0, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.0");
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
    send_ctl(&c, 1, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.1");
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
    send_ctl(&c, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
    send_ctl(&c, 1, VIRTIO_CONSOLE_PORT_OPEN, 1);
    expect_no_ctl(&c);

    loop_port(&c, 0, "port zero says hi");
    loop_port(&c, 1, "and port one too");
    loop_port(&c, 1, "again");
}

/*
 * Migrate in the middle of everything: port 1 not yet acknowledged, and
 * port 0 with bytes half looped back (3 of 11 delivered, the rest waiting
 * in the TX buffer). The destination, started from the path's own command
 * line, carries on from there: the protocol state, the rings and the offset
 * into the TX chain travel in the mdev-mtty/virtio subsection.
 */
static void test_migration(void *obj, void *data, QGuestAllocator *alloc)
{
    g_autofree char *file = NULL;
    g_autofree char *out_uri = NULL;
    g_autofree char *in_uri = NULL;
    const char *text = "hello again";
    QVirtQueue *rx0, *tx0;
    QPCIBus *bus;
    uint64_t txbuf, rx1, rx2;
    uint32_t tx_head, rx_head, got, len;
    char back[16];
    QTestState *src, *dst;
    Con c;

    file = mdev_qtest_temp_file("mdev-mtty-virtio-mig-XXXXXX");
    out_uri = g_strdup_printf("exec:cat > %s", file);
    in_uri = g_strdup_printf("exec:cat %s", file);

    con_begin(&c, obj, alloc);
    rx0 = mdev_qos_console_rx(c.con, 0);
    tx0 = mdev_qos_console_tx(c.con, 0);
    bus = container_of(c.d, QVirtioPCIDevice, vdev)->pdev->bus;
    src = c.qts;
    send_ctl(&c, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
    send_ctl(&c, 0, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.0");
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);

    txbuf = guest_alloc(c.alloc, 16);
    rx1 = guest_alloc(c.alloc, 16);
    rx2 = guest_alloc(c.alloc, 16);
    qtest_memwrite(c.qts, txbuf, text, strlen(text));
    rx_head = qvirtqueue_add(c.qts, rx0, rx1, 3, true, false);
    qvirtqueue_kick(c.qts, c.d, rx0, rx_head);
    tx_head = qvirtqueue_add(c.qts, tx0, txbuf, strlen(text), false, false);
    qvirtqueue_kick(c.qts, c.d, tx0, tx_head);
    g_assert_true(qvirtqueue_get_buf(c.qts, rx0, &got, &len));
    g_assert_cmpuint(len, ==, 3);
    g_assert_false(qvirtqueue_get_buf(c.qts, tx0, &got, &len));

    mdev_qtest_migrate(src, out_uri);

    dst = qtest_initf("%s -incoming defer", qos_get_current_command_line());
    qtest_qmp_assert_success(dst, "{ 'execute': 'migrate-incoming', "
                             "'arguments': { 'uri': %s } }", in_uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);
    /* The graph's view of the machine now talks to the destination. */
    c.qts = dst;
    bus->qts = dst;

    send_ctl(&c, 1, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.1");
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);

    rx_head = qvirtqueue_add(c.qts, rx0, rx2, 16, true, false);
    qvirtqueue_kick(c.qts, c.d, rx0, rx_head);
    g_assert_true(qvirtqueue_get_buf(c.qts, rx0, &got, &len));
    g_assert_cmpuint(got, ==, rx_head);
    g_assert_cmpuint(len, ==, strlen(text) - 3);
    qtest_memread(c.qts, rx1, back, 3);
    qtest_memread(c.qts, rx2, back + 3, len);
    g_assert_cmpmem(back, strlen(text), text, strlen(text));
    g_assert_true(qvirtqueue_get_buf(c.qts, tx0, &got, &len));
    g_assert_cmpuint(got, ==, tx_head);
    loop_port(&c, 1, "port one after migration");

    /*
     * Back to the source (stopped after migrating) for the node's
     * destructors, and a fresh QEMU for whatever path runs next.
     */
    qtest_quit(dst);
    bus->qts = src;
    qos_invalidate_command_line();
}

static void register_mdev_mtty_virtio_test(void)
{
    qos_add_test("multiport", "virtio-console", test_console_multiport, NULL);
    qos_add_test("migration", "virtio-console", test_migration, NULL);
}

libqos_init(register_mdev_mtty_virtio_test);
