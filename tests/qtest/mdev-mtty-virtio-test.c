/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for the virtio samples through the virtio-pci frontend:
 * -device mdev-mtty,class=virtio (a multiport virtio-console) driven by
 * libqos's virtio 1.0 driver through the control protocol (DEVICE_READY,
 * DEVICE_ADD, PORT_READY, PORT_NAME, PORT_OPEN) and a loopback on each
 * port; and mdev-mvnet's station address (from the uuid unless mac= says
 * otherwise). The expected values are the samples' definition
 * (docs/samples.md).
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "mdev-qtest-common.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "libqos/malloc-pc.h"
#include "libqos/virtio.h"
#include "libqos/virtio-pci.h"
#include "qobject/qdict.h"
#include "standard-headers/linux/virtio_config.h"
#include "standard-headers/linux/virtio_console.h"

#define CON_SLOT 5
#define CON_ARGS "-M q35 -nodefaults -device mdev-mtty,class=virtio," \
    "mdev-type=mtty-2,addr=05.0"
#define CON_QUEUES 6 /* port 0, control, port 1 */
#define CTL_BUFS 8
#define CTL_BUF_LEN 64

typedef struct Con {
    QTestState *qts;
    QPCIBus *bus;
    QGuestAllocator alloc;
    QVirtioPCIDevice pci;
    QVirtioDevice *d;
    QVirtQueue *vq[CON_QUEUES];
    /* c_ivq buffers by head index. */
    uint64_t ctl_buf[256];
} Con;

static void con_open(Con *c)
{
    QPCIAddress addr = { .devfn = QPCI_DEVFN(CON_SLOT, 0) };

    memset(c, 0, sizeof(*c));
    c->qts = qtest_init(CON_ARGS);
    c->bus = qpci_new_pc(c->qts, NULL);
    pc_alloc_init(&c->alloc, c->qts, ALLOC_NO_FLAGS);
    virtio_pci_init(&c->pci, c->bus, &addr);
    c->d = &c->pci.vdev;
    qvirtio_pci_device_enable(&c->pci);
}

static void con_close(Con *c)
{
    unsigned i;

    for (i = 0; i < CON_QUEUES; i++) {
        if (c->vq[i]) {
            qvirtqueue_cleanup(c->d->bus, c->vq[i], &c->alloc);
        }
    }
    qvirtio_pci_device_disable(&c->pci);
    g_free(c->pci.pdev);
    alloc_destroy(&c->alloc);
    qpci_free_pc(c->bus);
    qtest_quit(c->qts);
}

static void add_ctl_buffer(Con *c)
{
    uint64_t buf = guest_alloc(&c->alloc, CTL_BUF_LEN);
    QVirtQueue *vq = c->vq[2];
    uint32_t head = qvirtqueue_add(c->qts, vq, buf, CTL_BUF_LEN, true, false);

    c->ctl_buf[head] = buf;
    qvirtqueue_kick(c->qts, c->d, vq, head);
}

static void con_start(Con *c)
{
    uint64_t features;
    unsigned i;

    qvirtio_start_device(c->d);
    features = qvirtio_get_features(c->d);
    g_assert_cmphex(features, ==, (1ull << VIRTIO_F_VERSION_1) |
                    (1ull << VIRTIO_CONSOLE_F_MULTIPORT));
    qvirtio_set_features(c->d, features);
    for (i = 0; i < CON_QUEUES; i++) {
        c->vq[i] = qvirtqueue_setup(c->d, &c->alloc, i);
    }
    qvirtio_set_driver_ok(c->d);
    for (i = 0; i < CTL_BUFS; i++) {
        add_ctl_buffer(c);
    }
}

static void send_ctl(Con *c, uint32_t id, uint16_t event, uint16_t value)
{
    uint8_t msg[8] = {
        id, id >> 8, id >> 16, id >> 24, event, event >> 8, value, value >> 8
    };
    uint64_t buf = guest_alloc(&c->alloc, sizeof(msg));
    uint32_t head, got;

    qtest_memwrite(c->qts, buf, msg, sizeof(msg));
    head = qvirtqueue_add(c->qts, c->vq[3], buf, sizeof(msg), false, false);
    qvirtqueue_kick(c->qts, c->d, c->vq[3], head);
    g_assert_true(qvirtqueue_get_buf(c->qts, c->vq[3], &got, NULL));
    g_assert_cmpuint(got, ==, head);
    guest_free(&c->alloc, buf);
}

/* The next control message from the device, and its trailing name. */
static void expect_ctl(Con *c, uint32_t id, uint16_t event, uint16_t value,
                       const char *name)
{
    uint8_t msg[CTL_BUF_LEN];
    uint32_t head, len;
    size_t name_len = name ? strlen(name) : 0;

    g_assert_true(qvirtqueue_get_buf(c->qts, c->vq[2], &head, &len));
    g_assert_cmpuint(len, ==, 8 + name_len);
    qtest_memread(c->qts, c->ctl_buf[head], msg, len);
    g_assert_cmpuint(ldl_le_p(msg), ==, id);
    g_assert_cmpuint(lduw_le_p(msg + 4), ==, event);
    g_assert_cmpuint(lduw_le_p(msg + 6), ==, value);
    if (name) {
        g_assert_cmpmem(msg + 8, name_len, name, name_len);
    }
    guest_free(&c->alloc, c->ctl_buf[head]);
    add_ctl_buffer(c);
}

static void expect_no_ctl(Con *c)
{
    uint32_t head, len;

    g_assert_false(qvirtqueue_get_buf(c->qts, c->vq[2], &head, &len));
}

/* Bytes written on a port's TX come back on its RX. */
static void loop_port(Con *c, unsigned rxq, const char *text)
{
    size_t n = strlen(text);
    uint64_t rxbuf = guest_alloc(&c->alloc, 256);
    uint64_t txbuf = guest_alloc(&c->alloc, n);
    uint32_t rx_head, tx_head, got, len;
    char back[256];

    qtest_memwrite(c->qts, txbuf, text, n);
    rx_head = qvirtqueue_add(c->qts, c->vq[rxq], rxbuf, 256, true, false);
    qvirtqueue_kick(c->qts, c->d, c->vq[rxq], rx_head);
    tx_head = qvirtqueue_add(c->qts, c->vq[rxq + 1], txbuf, n, false, false);
    qvirtqueue_kick(c->qts, c->d, c->vq[rxq + 1], tx_head);

    g_assert_true(qvirtqueue_get_buf(c->qts, c->vq[rxq + 1], &got, &len));
    g_assert_cmpuint(got, ==, tx_head);
    g_assert_cmpuint(len, ==, 0);
    g_assert_true(qvirtqueue_get_buf(c->qts, c->vq[rxq], &got, &len));
    g_assert_cmpuint(got, ==, rx_head);
    g_assert_cmpuint(len, ==, n);
    qtest_memread(c->qts, rxbuf, back, n);
    g_assert_cmpmem(back, n, text, n);
    guest_free(&c->alloc, rxbuf);
    guest_free(&c->alloc, txbuf);
}

static void test_console_multiport(void)
{
    Con c;

    con_open(&c);
    g_assert_cmpuint(c.d->device_type, ==, 3);
    con_start(&c);
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
    loop_port(&c, 4, "and port one too");
    loop_port(&c, 4, "again");
    con_close(&c);
}

/*
 * Migrate in the middle of everything: port 1 not yet acknowledged, and
 * port 0 with bytes half looped back (3 of 11 delivered, the rest waiting
 * in the TX buffer). The destination carries on from there: the protocol
 * state, the rings and the offset into the TX chain travel in the
 * mdev-mtty/virtio subsection.
 */
static void test_migration(void)
{
    g_autofree char *file = NULL;
    g_autofree char *out_uri = NULL;
    g_autofree char *in_uri = NULL;
    const char *text = "hello again";
    uint64_t txbuf, rx1, rx2;
    uint32_t tx_head, rx_head, got, len;
    char back[16];
    QTestState *dst;
    Con c;

    file = mdev_qtest_temp_file("mdev-mtty-virtio-mig-XXXXXX");
    out_uri = g_strdup_printf("exec:cat > %s", file);
    in_uri = g_strdup_printf("exec:cat %s", file);

    con_open(&c);
    con_start(&c);
    send_ctl(&c, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
    send_ctl(&c, 0, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.0");
    expect_ctl(&c, 0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);

    txbuf = guest_alloc(&c.alloc, 16);
    rx1 = guest_alloc(&c.alloc, 16);
    rx2 = guest_alloc(&c.alloc, 16);
    qtest_memwrite(c.qts, txbuf, text, strlen(text));
    rx_head = qvirtqueue_add(c.qts, c.vq[0], rx1, 3, true, false);
    qvirtqueue_kick(c.qts, c.d, c.vq[0], rx_head);
    tx_head = qvirtqueue_add(c.qts, c.vq[1], txbuf, strlen(text), false, false);
    qvirtqueue_kick(c.qts, c.d, c.vq[1], tx_head);
    g_assert_true(qvirtqueue_get_buf(c.qts, c.vq[0], &got, &len));
    g_assert_cmpuint(len, ==, 3);
    g_assert_false(qvirtqueue_get_buf(c.qts, c.vq[1], &got, &len));

    qtest_qmp_assert_success(c.qts, "{ 'execute': 'migrate', 'arguments': "
                             "{ 'uri': %s } }", out_uri);
    mdev_qtest_wait_migration(c.qts, "completed");
    qtest_quit(c.qts);

    dst = qtest_initf(CON_ARGS " -incoming defer");
    qtest_qmp_assert_success(dst, "{ 'execute': 'migrate-incoming', "
                             "'arguments': { 'uri': %s } }", in_uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);
    c.qts = dst;
    c.bus->qts = dst;

    send_ctl(&c, 1, VIRTIO_CONSOLE_PORT_READY, 1);
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.1");
    expect_ctl(&c, 1, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);

    rx_head = qvirtqueue_add(c.qts, c.vq[0], rx2, 16, true, false);
    qvirtqueue_kick(c.qts, c.d, c.vq[0], rx_head);
    g_assert_true(qvirtqueue_get_buf(c.qts, c.vq[0], &got, &len));
    g_assert_cmpuint(got, ==, rx_head);
    g_assert_cmpuint(len, ==, strlen(text) - 3);
    qtest_memread(c.qts, rx1, back, 3);
    qtest_memread(c.qts, rx2, back + 3, len);
    g_assert_cmpmem(back, strlen(text), text, strlen(text));
    g_assert_true(qvirtqueue_get_buf(c.qts, c.vq[1], &got, &len));
    g_assert_cmpuint(got, ==, tx_head);
    loop_port(&c, 4, "port one after migration");
    con_close(&c);
}

static char *qom_get_str(QTestState *qts, const char *path, const char *prop)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                           "{ 'path': %s, 'property': %s } }", path, prop);
    char *s = g_strdup(qdict_get_str(rsp, "return"));

    qobject_unref(rsp);
    return s;
}

static void test_mvnet_mac(void)
{
    QTestState *qts = qtest_init(
        "-M q35 -nodefaults "
        "-device mdev-mvnet,class=virtio,id=a,uuid=6a1d3c52-0000-4000-8000-0123456789ab "
        "-device mdev-mvnet,class=virtio,id=b,mac=52:54:00:aa:bb:cc");
    char *a = qom_get_str(qts, "/machine/peripheral/a", "mac");
    char *b = qom_get_str(qts, "/machine/peripheral/b", "mac");

    g_assert_cmpstr(a, ==, "02:23:45:67:89:ab");
    g_assert_cmpstr(b, ==, "52:54:00:aa:bb:cc");
    g_free(a);
    g_free(b);
    qtest_quit(qts);
}

static void test_mvnet_refusals(void)
{
    static const char *const multicast[] = {
        "property 'mac'", "01:00:5e:00:00:01 is a multicast address",
        "accepted: a unicast address", NULL
    };
    static const char *const vfio[] = {
        "property 'class'", "parent 'mvnet' has no vfio ops; accepted: virtio",
        NULL
    };

    mdev_qtest_assert_fails("-device mdev-mvnet,class=virtio,mac=01:00:5e:00:00:01",
                            multicast);
    mdev_qtest_assert_fails("-device mdev-mvnet,class=vfio", vfio);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev-mtty-virtio/console-multiport", test_console_multiport);
    qtest_add_func("/mdev-mtty-virtio/migration", test_migration);
    qtest_add_func("/mdev-mtty-virtio/mvnet-mac", test_mvnet_mac);
    qtest_add_func("/mdev-mtty-virtio/mvnet-refusals", test_mvnet_refusals);
    return g_test_run();
}
