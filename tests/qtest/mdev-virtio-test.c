/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for the virtio frontend (hw/mdev/virtio): -device
 * mdev-mvnet,class=virtio seen as a virtio-pci modern device. The PCI face
 * (ids, vendor capabilities, BARs, MSI-X), libqos's virtio 1.0 driver
 * negotiating and looping frames through mvnet's TX and RX queues with INTx
 * (ISR) and with MSI-X, reset and renegotiation, and a guest driving hostile
 * values that must end as guest errors.
 *
 * The expected values are the transport's definition: the layout in
 * include/hw/mdev/capi/virtio-pci.h and hw/mdev/virtio/transport.cpp (also
 * checked by tests/unit/virtio_transport_test.cpp).
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "mdev-qtest-common.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "libqos/malloc-pc.h"
#include "libqos/virtio.h"
#include "libqos/virtio-pci.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qapi/error.h"
#include "standard-headers/linux/virtio_config.h"
#include "standard-headers/linux/virtio_pci.h"
#include "standard-headers/linux/virtio_net.h"

#define MVNET_UUID "6a1d3c52-0000-4000-8000-0000000000aa"
#define MVNET_SLOT 4
#define MVNET_ARGS "-device mdev-mvnet,class=virtio,addr=04.0,uuid=" \
    MVNET_UUID ",mac=52:54:00:12:34:56"

#define NET_HDR_LEN 12
#define FRAME_LEN 64

typedef struct Net {
    QTestState *qts;
    QPCIBus *bus;
    QGuestAllocator alloc;
    QVirtioPCIDevice pci;
    QVirtioDevice *d;
    QVirtQueue *rx;
    QVirtQueue *tx;
} Net;

/* With a log: guest errors and the driver-level trace events in it. */
static QTestState *boot(const char *log)
{
    if (log) {
        return qtest_initf("-M q35 -nodefaults -d guest_errors "
                           "-trace mdev_virtio_status "
                           "-trace mdev_virtio_driver_features "
                           "-trace mdev_virtio_queue_enable "
                           "-trace mdev_virtio_kick -trace mdev_vring_* "
                           "-D %s " MVNET_ARGS, log);
    }
    return qtest_initf("-M q35 -nodefaults " MVNET_ARGS);
}

static void net_attach(Net *n, QTestState *qts)
{
    QPCIAddress addr = { .devfn = QPCI_DEVFN(MVNET_SLOT, 0) };

    memset(n, 0, sizeof(*n));
    n->qts = qts;
    n->bus = qpci_new_pc(n->qts, NULL);
    pc_alloc_init(&n->alloc, n->qts, ALLOC_NO_FLAGS);
    virtio_pci_init(&n->pci, n->bus, &addr);
    n->d = &n->pci.vdev;
    qvirtio_pci_device_enable(&n->pci);
}

static void net_open(Net *n, const char *log)
{
    net_attach(n, boot(log));
}

static void net_close(Net *n)
{
    if (n->rx) {
        qvirtqueue_cleanup(n->d->bus, n->rx, &n->alloc);
    }
    if (n->tx) {
        qvirtqueue_cleanup(n->d->bus, n->tx, &n->alloc);
    }
    qvirtio_pci_device_disable(&n->pci);
    g_free(n->pci.pdev);
    alloc_destroy(&n->alloc);
    qpci_free_pc(n->bus);
    qtest_quit(n->qts);
}

/* Common-config register access through the mapped structure BAR. */
static uint16_t common_readw(Net *n, unsigned off)
{
    return qpci_io_readw(n->pci.pdev, n->pci.bar,
                         n->pci.common_cfg_offset + off);
}

static void common_writew(Net *n, unsigned off, uint16_t v)
{
    qpci_io_writew(n->pci.pdev, n->pci.bar, n->pci.common_cfg_offset + off, v);
}

static void common_writel(Net *n, unsigned off, uint32_t v)
{
    qpci_io_writel(n->pci.pdev, n->pci.bar, n->pci.common_cfg_offset + off, v);
}

/* Reset, ACKNOWLEDGE|DRIVER, features, both queues, DRIVER_OK. */
static void net_start(Net *n, bool msix)
{
    uint64_t features;

    qvirtio_start_device(n->d);
    features = qvirtio_get_features(n->d);
    g_assert_cmphex(features, ==, (1ull << VIRTIO_F_VERSION_1) |
                    (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
                    (1ull << VIRTIO_NET_F_MTU));
    /* libqos asserts that FEATURES_OK reads back set. */
    qvirtio_set_features(n->d, features);
    n->rx = qvirtqueue_setup(n->d, &n->alloc, 0);
    n->tx = qvirtqueue_setup(n->d, &n->alloc, 1);
    if (msix) {
        qvirtio_pci_set_msix_configuration_vector(&n->pci, &n->alloc, 0);
        qvirtqueue_pci_msix_setup(&n->pci, (QVirtQueuePCI *)n->rx,
                                  &n->alloc, 1);
        qvirtqueue_pci_msix_setup(&n->pci, (QVirtQueuePCI *)n->tx,
                                  &n->alloc, 2);
    }
    qvirtio_set_driver_ok(n->d);
}

/*
 * One frame out on TX and back on RX. mvnet moves it while handling the TX
 * doorbell, so both used rings are filled when the kick returns.
 */
static void loop_frame(Net *n, uint8_t seed, bool msix)
{
    uint8_t frame[NET_HDR_LEN + FRAME_LEN] = { 0 };
    uint8_t back[NET_HDR_LEN + FRAME_LEN];
    uint64_t rxbuf = guest_alloc(&n->alloc, 2048);
    uint64_t txbuf = guest_alloc(&n->alloc, sizeof(frame));
    uint32_t rx_head, tx_head, got, len;
    unsigned i;

    for (i = 0; i < FRAME_LEN; i++) {
        frame[NET_HDR_LEN + i] = seed + i;
    }
    qtest_memwrite(n->qts, txbuf, frame, sizeof(frame));
    qtest_memset(n->qts, rxbuf, 0xee, 2048);

    rx_head = qvirtqueue_add(n->qts, n->rx, rxbuf, 2048, true, false);
    qvirtqueue_kick(n->qts, n->d, n->rx, rx_head);
    tx_head = qvirtqueue_add(n->qts, n->tx, txbuf, sizeof(frame), false, false);
    qvirtqueue_kick(n->qts, n->d, n->tx, tx_head);

    if (msix) {
        /* Each queue's vector wrote its message. */
        g_assert_true(n->d->bus->get_queue_isr_status(n->d, n->rx));
        g_assert_true(n->d->bus->get_queue_isr_status(n->d, n->tx));
    } else {
        /* ISR bit 0, then clear: the read acknowledged it. */
        g_assert_cmphex(qpci_io_readb(n->pci.pdev, n->pci.bar,
                                      n->pci.isr_cfg_offset), ==, 1);
        g_assert_cmphex(qpci_io_readb(n->pci.pdev, n->pci.bar,
                                      n->pci.isr_cfg_offset), ==, 0);
    }
    g_assert_true(qvirtqueue_get_buf(n->qts, n->tx, &got, NULL));
    g_assert_cmpuint(got, ==, tx_head);
    g_assert_true(qvirtqueue_get_buf(n->qts, n->rx, &got, &len));
    g_assert_cmpuint(got, ==, rx_head);
    g_assert_cmpuint(len, ==, sizeof(frame));

    qtest_memread(n->qts, rxbuf, back, sizeof(back));
    frame[10] = 1; /* num_buffers, set by the device */
    g_assert_cmpmem(back, sizeof(back), frame, sizeof(frame));
    guest_free(&n->alloc, rxbuf);
    guest_free(&n->alloc, txbuf);
}

/*
 * TX with no RX buffer posted (QEMU's virtio-net-test large_tx posts that):
 * every chain comes back used at once, the frames dropped, and the device
 * stays usable. A chain of UINT32_MAX bytes is no frame at all (a guest
 * error), but is completed too rather than held or breaking the ring, and
 * so is large_tx/net_bufsize's chain: 65 descriptors of 1088 bytes over one
 * area, 70720 bytes in all, more than a frame can be, and large_tx/uint_max's:
 * 65 x 67108863 bytes, over 4 GiB in all, which the ring walker once refused
 * by breaking the ring (QEMU's own test then timed out). The device judges
 * a chain's length, not the ring: it is logged, dropped and completed.
 */
static void test_tx_without_rx(void)
{
    uint8_t frame[NET_HDR_LEN + FRAME_LEN] = { 0 };
    uint64_t txbuf;
    uint32_t head, big, chain, got, len;
    int i;
    g_autofree char *log = mdev_qtest_temp_file("mdev-virtio-test-XXXXXX.log");
    g_autofree char *text = NULL;
    Net n;

    net_open(&n, log);
    net_start(&n, false);
    txbuf = guest_alloc(&n.alloc, 1088); /* the largest descriptor below */
    qtest_memwrite(n.qts, txbuf, frame, sizeof(frame));

    head = qvirtqueue_add(n.qts, n.tx, txbuf, sizeof(frame), false, false);
    qvirtqueue_kick(n.qts, n.d, n.tx, head);
    g_assert_true(qvirtqueue_get_buf(n.qts, n.tx, &got, &len));
    g_assert_cmpuint(got, ==, head);
    g_assert_cmpuint(len, ==, 0);

    big = qvirtqueue_add(n.qts, n.tx, txbuf, UINT32_MAX, false, false);
    qvirtqueue_kick(n.qts, n.d, n.tx, big);
    g_assert_true(qvirtqueue_get_buf(n.qts, n.tx, &got, &len));
    g_assert_cmpuint(got, ==, big);
    g_assert_cmphex(n.d->bus->get_status(n.d) & VIRTIO_CONFIG_S_NEEDS_RESET,
                    ==, 0);

    chain = qvirtqueue_add(n.qts, n.tx, txbuf, 1088, false, true);
    for (i = 0; i < 64; i++) {
        qvirtqueue_add(n.qts, n.tx, txbuf, 1088, false, i != 63);
    }
    qvirtqueue_kick(n.qts, n.d, n.tx, chain);
    g_assert_true(qvirtqueue_get_buf(n.qts, n.tx, &got, &len));
    g_assert_cmpuint(got, ==, chain);
    g_assert_cmphex(n.d->bus->get_status(n.d) & VIRTIO_CONFIG_S_NEEDS_RESET,
                    ==, 0);

    chain = qvirtqueue_add(n.qts, n.tx, txbuf, 67108863, false, true);
    for (i = 0; i < 64; i++) {
        qvirtqueue_add(n.qts, n.tx, txbuf, 67108863, false, i != 63);
    }
    qvirtqueue_kick(n.qts, n.d, n.tx, chain);
    g_assert_true(qvirtqueue_get_buf(n.qts, n.tx, &got, &len));
    g_assert_cmpuint(got, ==, chain);
    g_assert_cmpuint(len, ==, 0);
    g_assert_cmphex(n.d->bus->get_status(n.d) & VIRTIO_CONFIG_S_NEEDS_RESET,
                    ==, 0);

    /* Nothing was held back for a later RX buffer: frames loop again. */
    loop_frame(&n, 0x30, false);
    net_close(&n);

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    unlink(log);
    g_assert_nonnull(strstr(text, "TX frame of 4294967295 bytes"));
    g_assert_nonnull(strstr(text, "TX frame of 70720 bytes"));
    g_assert_nonnull(strstr(text, "TX frame of 4362076095 bytes"));
    g_assert_null(strstr(text, "queue stopped"));
}

/* ---- the PCI face ---------------------------------------------------------- */

static void test_pci_face(void)
{
    QTestState *qts = boot(NULL);
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = mdev_qtest_find_fn(bus, MVNET_SLOT);
    uint8_t cap;
    unsigned seen = 0;
    uint32_t bar;

    g_assert_cmphex(qpci_config_readw(dev, PCI_VENDOR_ID), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(dev, PCI_DEVICE_ID), ==, 0x1041);
    g_assert_cmphex(qpci_config_readb(dev, PCI_REVISION_ID), ==, 1);
    g_assert_cmphex(qpci_config_readw(dev, PCI_CLASS_DEVICE), ==, 0x0200);
    g_assert_cmphex(qpci_config_readw(dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1af4);
    g_assert_cmphex(qpci_config_readw(dev, PCI_SUBSYSTEM_ID), ==, 0x1100);
    g_assert_cmphex(qpci_config_readb(dev, PCI_INTERRUPT_PIN), ==, 1);
    g_assert_cmphex(qpci_config_readw(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST,
                    ==, PCI_STATUS_CAP_LIST);

    /* BAR4: 64-bit prefetchable memory, 16 KiB. */
    bar = qpci_config_readl(dev, PCI_BASE_ADDRESS_4);
    g_assert_cmphex(bar & 0xf, ==, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    qpci_config_writel(dev, PCI_BASE_ADDRESS_4, 0xffffffff);
    g_assert_cmphex(qpci_config_readl(dev, PCI_BASE_ADDRESS_4), ==,
                    0xffffc00c);

    /* Each virtio structure exactly once, where the layout puts it. */
    cap = 0;
    while ((cap = qpci_find_capability(dev, PCI_CAP_ID_VNDR, cap)) != 0) {
        uint8_t type = qpci_config_readb(dev, cap + 3);
        uint32_t off = qpci_config_readl(dev, cap + 8);
        uint32_t len = qpci_config_readl(dev, cap + 12);

        g_assert_cmpuint(type, >=, 1);
        g_assert_cmpuint(type, <=, 5);
        g_assert_false(seen & (1u << type));
        seen |= 1u << type;
        if (type != VIRTIO_PCI_CAP_PCI_CFG) {
            g_assert_cmpuint(qpci_config_readb(dev, cap + 4), ==, 4);
        }
        switch (type) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
            g_assert_cmpuint(qpci_config_readb(dev, cap + 2), ==, 16);
            g_assert_cmphex(off, ==, 0x0000);
            g_assert_cmphex(len, ==, 0x38);
            break;
        case VIRTIO_PCI_CAP_ISR_CFG:
            g_assert_cmphex(off, ==, 0x1000);
            g_assert_cmphex(len, ==, 1);
            break;
        case VIRTIO_PCI_CAP_DEVICE_CFG:
            g_assert_cmphex(off, ==, 0x2000);
            /* struct virtio_net_config up to and including mtu */
            g_assert_cmphex(len, ==, 12);
            break;
        case VIRTIO_PCI_CAP_NOTIFY_CFG:
            g_assert_cmpuint(qpci_config_readb(dev, cap + 2), ==, 20);
            g_assert_cmphex(off, ==, 0x3000);
            g_assert_cmphex(len, ==, 2 * 4);
            g_assert_cmphex(qpci_config_readl(dev, cap + 16), ==, 4);
            break;
        case VIRTIO_PCI_CAP_PCI_CFG:
            g_assert_cmpuint(qpci_config_readb(dev, cap + 2), ==, 20);
            break;
        default:
            g_assert_not_reached();
        }
    }
    g_assert_cmphex(seen, ==, 0x3e);

    /* MSI-X: config + 2 queues, table and PBA in BAR1. */
    cap = qpci_find_capability(dev, PCI_CAP_ID_MSIX, 0);
    g_assert_cmpuint(cap, !=, 0);
    g_assert_cmphex(qpci_config_readw(dev, cap + PCI_MSIX_FLAGS) &
                    PCI_MSIX_FLAGS_QSIZE, ==, 2);
    g_assert_cmphex(qpci_config_readl(dev, cap + PCI_MSIX_TABLE) &
                    PCI_MSIX_TABLE_BIR, ==, 1);
    g_assert_cmphex(qpci_config_readl(dev, cap + PCI_MSIX_PBA) &
                    PCI_MSIX_PBA_BIR, ==, 1);

    mdev_qtest_close(qts, bus, dev);
}

/* mtty's virtio face: a console, with two ports' queues plus control. */
static void test_console_face(void)
{
    QTestState *qts = qtest_initf("-M q35 -nodefaults -device mdev-mtty,"
                                  "class=virtio,mdev-type=mtty-2,addr=04.0");
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = mdev_qtest_find_fn(bus, MVNET_SLOT);
    QPCIBar bar;
    uint8_t cap;

    g_assert_cmphex(qpci_config_readw(dev, PCI_VENDOR_ID), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(dev, PCI_DEVICE_ID), ==, 0x1043);
    g_assert_cmphex(qpci_config_readw(dev, PCI_CLASS_DEVICE), ==, 0x0780);
    cap = qpci_find_capability(dev, PCI_CAP_ID_MSIX, 0);
    g_assert_cmphex(qpci_config_readw(dev, cap + PCI_MSIX_FLAGS) &
                    PCI_MSIX_FLAGS_QSIZE, ==, 6);
    qpci_device_enable(dev);
    bar = qpci_iomap(dev, 4, NULL);
    g_assert_cmpuint(qpci_io_readw(dev, bar, VIRTIO_PCI_COMMON_NUMQ), ==, 6);
    qpci_iounmap(dev, bar);
    mdev_qtest_close(qts, bus, dev);
}

/* ---- the PCI configuration access capability ------------------------------- */

static void cfg_window(QPCIDevice *dev, uint8_t cap, uint8_t bar,
                       uint32_t off, uint32_t len)
{
    qpci_config_writeb(dev, cap + 4, bar);
    qpci_config_writel(dev, cap + 8, off);
    qpci_config_writel(dev, cap + 12, len);
}

static void test_pci_cfg_access(void)
{
    g_autofree char *log = NULL;
    g_autofree char *text = NULL;
    Net n;
    uint8_t cap;

    log = mdev_qtest_temp_file("mdev-virtio-test-XXXXXX.log");
    net_open(&n, log);
    cap = mdev_qtest_virtio_pci_cfg_cap(n.pci.pdev);

    /* num_queues through the window, then status written through it. */
    cfg_window(n.pci.pdev, cap, 4, VIRTIO_PCI_COMMON_NUMQ, 2);
    g_assert_cmphex(qpci_config_readl(n.pci.pdev, cap + 16) & 0xffff, ==, 2);
    cfg_window(n.pci.pdev, cap, 4, VIRTIO_PCI_COMMON_STATUS, 1);
    qpci_config_writel(n.pci.pdev, cap + 16, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    g_assert_cmphex(n.d->bus->get_status(n.d), ==,
                    VIRTIO_CONFIG_S_ACKNOWLEDGE);
    /* Device config: the MAC's first bytes. */
    cfg_window(n.pci.pdev, cap, 4, 0x2000, 4);
    g_assert_cmphex(qpci_config_readl(n.pci.pdev, cap + 16), ==, 0x12005452);

    /* Hostile windows: odd length, misaligned, another BAR, past the BAR. */
    cfg_window(n.pci.pdev, cap, 4, VIRTIO_PCI_COMMON_STATUS, 3);
    g_assert_cmphex(qpci_config_readl(n.pci.pdev, cap + 16), ==, 0);
    cfg_window(n.pci.pdev, cap, 4, 0x13, 2);
    g_assert_cmphex(qpci_config_readl(n.pci.pdev, cap + 16), ==, 0);
    cfg_window(n.pci.pdev, cap, 0, 0, 4);
    qpci_config_writel(n.pci.pdev, cap + 16, 0);
    cfg_window(n.pci.pdev, cap, 4, 0xfffffffc, 4);
    qpci_config_writel(n.pci.pdev, cap + 16, 0);
    g_assert_cmphex(n.d->bus->get_status(n.d), ==,
                    VIRTIO_CONFIG_S_ACKNOWLEDGE);
    net_close(&n);

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    unlink(log);
    g_test_message("guest_errors log:\n%s", text);
    g_assert_nonnull(strstr(text, "virtio: PCI cfg access read of BAR4 offset "
                            "0x14 length 3: not a 1/2/4-byte aligned access "
                            "inside BAR4\n"));
    g_assert_nonnull(strstr(text, "PCI cfg access read of BAR4 offset 0x13 "
                            "length 2"));
    g_assert_nonnull(strstr(text, "PCI cfg access write of BAR0 offset 0x0 "
                            "length 4"));
    g_assert_nonnull(strstr(text, "PCI cfg access write of BAR4 offset "
                            "0xfffffffc length 4"));
}

/* ---- libqos's virtio 1.0 driver --------------------------------------------- */

static void test_loopback_intx(void)
{
    Net n;

    net_open(&n, NULL);
    g_assert_cmpuint(n.d->device_type, ==, 1);
    g_assert_cmphex(n.pci.common_cfg_offset, ==, 0x0000);
    g_assert_cmphex(n.pci.notify_cfg_offset, ==, 0x3000);
    g_assert_cmphex(n.pci.notify_off_multiplier, ==, 4);
    net_start(&n, false);

    /* struct virtio_net_config: mac, status LINK_UP, one pair, mtu 1500. */
    g_assert_cmphex(qvirtio_config_readb(n.d, 0), ==, 0x52);
    g_assert_cmphex(qvirtio_config_readb(n.d, 5), ==, 0x56);
    g_assert_cmphex(qvirtio_config_readw(n.d, 6), ==, 1);
    g_assert_cmphex(qvirtio_config_readw(n.d, 8), ==, 1);
    g_assert_cmpuint(qvirtio_config_readw(n.d, 10), ==, 1500);

    loop_frame(&n, 0x10, false);
    loop_frame(&n, 0x80, false);
    net_close(&n);
}

static void test_loopback_msix(void)
{
    Net n;

    net_open(&n, NULL);
    qpci_msix_enable(n.pci.pdev);
    net_start(&n, true);
    loop_frame(&n, 0x20, true);
    /* With MSI-X on, the ISR is not used. */
    g_assert_cmphex(qpci_io_readb(n.pci.pdev, n.pci.bar,
                                  n.pci.isr_cfg_offset), ==, 0);
    net_close(&n);
}

static void test_reset_and_renegotiate(void)
{
    Net n;

    net_open(&n, NULL);
    net_start(&n, false);
    loop_frame(&n, 0x30, false);

    qvirtio_reset(n.d);
    g_assert_cmphex(n.d->bus->get_status(n.d), ==, 0);
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SELECT, 1);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_ENABLE), ==, 0);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_SIZE), ==, 256);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_SELECT), ==, 1);
    qvirtqueue_cleanup(n.d->bus, n.rx, &n.alloc);
    qvirtqueue_cleanup(n.d->bus, n.tx, &n.alloc);

    net_start(&n, false);
    loop_frame(&n, 0x40, false);

    /* A system reset is a device reset too (BARs need mapping again). */
    qtest_system_reset(n.qts);
    qvirtio_pci_device_enable(&n.pci);
    g_assert_cmphex(n.d->bus->get_status(n.d), ==, 0);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_ENABLE), ==, 0);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_SELECT), ==, 0);
    net_close(&n);
}

/* ---- migration ------------------------------------------------------------------ */

/*
 * A driver set up on one QEMU keeps working on the QEMU the machine
 * migrated to: transport registers, MSI-X table and the device's rings all
 * travel in the stream.
 */
static void test_migration(void)
{
    g_autofree char *file = NULL;
    g_autofree char *out_uri = NULL;
    g_autofree char *in_uri = NULL;
    QTestState *dst;
    Net n;

    file = mdev_qtest_temp_file("mdev-virtio-mig-XXXXXX");
    out_uri = g_strdup_printf("exec:cat > %s", file);
    in_uri = g_strdup_printf("exec:cat %s", file);

    net_open(&n, NULL);
    qpci_msix_enable(n.pci.pdev);
    net_start(&n, true);
    loop_frame(&n, 0x60, true);

    mdev_qtest_migrate(n.qts, out_uri);
    qtest_quit(n.qts);

    dst = qtest_initf("-M q35 -nodefaults " MVNET_ARGS " -incoming defer");
    qtest_qmp_assert_success(dst, "{ 'execute': 'migrate-incoming', "
                             "'arguments': { 'uri': %s } }", in_uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);

    /* The test's view of the machine now talks to the destination. */
    n.qts = dst;
    n.bus->qts = dst;
    g_assert_cmphex(n.d->bus->get_status(n.d), ==,
                    VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SELECT, 1);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_MSIX), ==, 2);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_ENABLE), ==, 1);
    loop_frame(&n, 0x70, true);
    loop_frame(&n, 0x71, true);
    net_close(&n);
}

/* ---- a hostile guest ---------------------------------------------------------- */

static void test_hostile(void)
{
    g_autofree char *log = NULL;
    g_autofree char *text = NULL;
    Net n;

    log = mdev_qtest_temp_file("mdev-virtio-test-XXXXXX.log");
    net_open(&n, log);

    /* Features without VERSION_1: FEATURES_OK reads back clear. */
    qvirtio_start_device(n.d);
    common_writel(&n, VIRTIO_PCI_COMMON_GFSELECT, 0);
    common_writel(&n, VIRTIO_PCI_COMMON_GF, 1u << VIRTIO_NET_F_MAC);
    common_writel(&n, VIRTIO_PCI_COMMON_GFSELECT, 1);
    common_writel(&n, VIRTIO_PCI_COMMON_GF, 0);
    n.d->bus->set_status(n.d, n.d->bus->get_status(n.d) |
                       VIRTIO_CONFIG_S_FEATURES_OK);
    g_assert_cmphex(n.d->bus->get_status(n.d), ==,
                    VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);

    /* Now properly. */
    qvirtio_reset(n.d);
    qvirtio_start_device(n.d);
    qvirtio_set_features(n.d, 1ull << VIRTIO_F_VERSION_1);

    /* Queue sizes 0, 3 and past the max: refused, the size stays. */
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SELECT, 0);
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SIZE, 0);
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SIZE, 3);
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SIZE, 512);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_SIZE), ==, 256);

    /* Notify of a queue that does not exist, and of one not enabled. */
    qpci_io_writew(n.pci.pdev, n.pci.bar, n.pci.notify_cfg_offset + 7 * 4, 7);
    qpci_io_writew(n.pci.pdev, n.pci.bar, n.pci.notify_cfg_offset, 0);
    /* A nonexistent queue's registers. */
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SELECT, 9);
    g_assert_cmphex(common_readw(&n, VIRTIO_PCI_COMMON_Q_SIZE), ==, 0);
    common_writew(&n, VIRTIO_PCI_COMMON_Q_ENABLE, 1);

    /* Config reads past the end, and a common-config field at odd width. */
    g_assert_cmphex(qvirtio_config_readb(n.d, 12), ==, 0);
    g_assert_cmphex(qvirtio_config_readl(n.d, 12), ==, 0);
    g_assert_cmphex(qpci_io_readl(n.pci.pdev, n.pci.bar,
                                  n.pci.common_cfg_offset +
                                  VIRTIO_PCI_COMMON_STATUS), ==, 0);
    g_assert_cmphex(qpci_io_readl(n.pci.pdev, n.pci.bar, 0x3ffc), ==, 0);

    /* And the device still works. */
    common_writew(&n, VIRTIO_PCI_COMMON_Q_SELECT, 0);
    n.rx = qvirtqueue_setup(n.d, &n.alloc, 0);
    n.tx = qvirtqueue_setup(n.d, &n.alloc, 1);
    qvirtio_set_driver_ok(n.d);
    loop_frame(&n, 0x50, false);
    qvirtqueue_cleanup(n.d->bus, n.rx, &n.alloc);
    qvirtqueue_cleanup(n.d->bus, n.tx, &n.alloc);
    n.rx = n.tx = NULL;

    /*
     * Rings outside guest RAM: the device's DMA goes through pci_dma_*,
     * which refuses it; the device stops and asks for a reset.
     */
    qvirtio_reset(n.d);
    qvirtio_start_device(n.d);
    qvirtio_set_features(n.d, 1ull << VIRTIO_F_VERSION_1);
    for (unsigned q = 0; q < 2; q++) {
        uint64_t base = 0xfe0000000000ull + q * 0x10000;

        common_writew(&n, VIRTIO_PCI_COMMON_Q_SELECT, q);
        common_writel(&n, VIRTIO_PCI_COMMON_Q_DESCLO, (uint32_t)base);
        common_writel(&n, VIRTIO_PCI_COMMON_Q_DESCHI, base >> 32);
        common_writel(&n, VIRTIO_PCI_COMMON_Q_AVAILLO, (uint32_t)base + 0x1000);
        common_writel(&n, VIRTIO_PCI_COMMON_Q_AVAILHI, base >> 32);
        common_writel(&n, VIRTIO_PCI_COMMON_Q_USEDLO, (uint32_t)base + 0x2000);
        common_writel(&n, VIRTIO_PCI_COMMON_Q_USEDHI, base >> 32);
        common_writew(&n, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
    }
    /* mvnet reads the rings as soon as DRIVER_OK is set. */
    n.d->bus->set_status(n.d, n.d->bus->get_status(n.d) |
                         VIRTIO_CONFIG_S_DRIVER_OK);
    qpci_io_writew(n.pci.pdev, n.pci.bar, n.pci.notify_cfg_offset + 4, 1);
    g_assert_cmphex(n.d->bus->get_status(n.d) & VIRTIO_CONFIG_S_NEEDS_RESET,
                    ==, VIRTIO_CONFIG_S_NEEDS_RESET);
    /* Config interrupt (ISR bit 1) told the driver. */
    g_assert_cmphex(qpci_io_readb(n.pci.pdev, n.pci.bar,
                                  n.pci.isr_cfg_offset) & 2, ==, 2);
    net_close(&n);

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    unlink(log);
    g_test_message("guest_errors log:\n%s", text);
    g_assert_nonnull(strstr(text, "mdev-mvnet /machine/peripheral-anon/"
                            "device[0] (mdev " MVNET_UUID "): virtio: features "
                            "0x20 not accepted: VERSION_1 is not negotiated\n"));
    g_assert_nonnull(strstr(text, "virtio: queue 0 size 0 refused"));
    g_assert_nonnull(strstr(text, "virtio: queue 0 size 3 refused"));
    g_assert_nonnull(strstr(text, "virtio: queue 0 size 512 refused"));
    g_assert_nonnull(strstr(text, "virtio: notify for queue 7, which does not "
                            "exist"));
    g_assert_nonnull(strstr(text, "virtio: notify for queue 0, which is not "
                            "enabled"));
    g_assert_nonnull(strstr(text, "virtio: write to common config 0x1c for "
                            "queue 9, which does not exist"));
    g_assert_nonnull(strstr(text, "virtio: device config read at 0xc size 1 "
                            "past its end (12 bytes)"));
    g_assert_nonnull(strstr(text, "virtio: device config read at 0xc size 4 "
                            "past its end"));
    g_assert_nonnull(strstr(text, "virtio: common config read at 0x14 has "
                            "size 4, the field has 1"));
    g_assert_nonnull(strstr(text, "virtio: read of notify structure at 0xffc"));
    g_assert_nonnull(strstr(text, "cannot read the ring at 0xfe00000"));
}

/*
 * The conventions of every -device mdev-<parent>, on the parent with one
 * class and a property of its own: class defaults to virtio, the mac the
 * device derived from its UUID shows in info qtree, a multicast address or
 * the class mvnet has no ops for is refused on one line; mac= wins over
 * the uuid's address.
 */
static void test_properties(void)
{
    static const char *const multicast[] = {
        "property 'mac'", "01:00:5e:00:00:01", "multicast", NULL
    };
    static const char *const no_vfio[] = {
        "property 'class'", "no vfio ops", "accepted: virtio", NULL
    };
    QTestState *qts = qtest_init("-M q35 -nodefaults -device mdev-mvnet,"
                                 "id=n,uuid=6a1d3c52-0000-4000-8000-0123456789ab");
    g_autofree char *raw = qtest_hmp(qts, "info qtree");
    g_auto(GStrv) lines = g_strsplit(raw, "\r", -1);
    g_autofree char *tree = g_strjoinv("", lines);
    const char *fn = strstr(tree, "dev: mdev-mvnet, id \"n\"");
    QDict *rsp;

    g_assert_nonnull(fn);
    g_assert_nonnull(strstr(fn, "class = \"virtio\"\n"));
    g_assert_nonnull(strstr(fn, "mdev-type = \"mvnet-virtio\"\n"));
    g_assert_nonnull(strstr(fn, "uuid = \"6a1d3c52-0000-4000-8000-0123456789ab\"\n"));
    /* 02 (locally administered), then the UUID's last five bytes. */
    g_assert_nonnull(strstr(fn, "mac = \"02:23:45:67:89:ab\"\n"));
    qtest_quit(qts);

    /* mac= wins over the uuid's address. */
    qts = qtest_init("-M q35 -nodefaults -device mdev-mvnet,id=b,"
                     "mac=52:54:00:aa:bb:cc,uuid=6a1d3c52-0000-4000-8000-0123456789ab");
    rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                    "{ 'path': '/machine/peripheral/b', 'property': 'mac' } }");
    g_assert_cmpstr(qdict_get_str(rsp, "return"), ==, "52:54:00:aa:bb:cc");
    qobject_unref(rsp);
    qtest_quit(qts);

    mdev_qtest_assert_starts("-device mdev-mvnet,mac=52:54:00:12:34:56,uuid=auto");
    mdev_qtest_assert_fails("-device mdev-mvnet,mac=01:00:5e:00:00:01",
                            multicast);
    mdev_qtest_assert_fails("-device mdev-mvnet,class=vfio", no_vfio);
}

#define MVNET_FEATURES ((1ull << VIRTIO_F_VERSION_1) | \
                        (1ull << VIRTIO_NET_F_MAC) | \
                        (1ull << VIRTIO_NET_F_STATUS) | \
                        (1ull << VIRTIO_NET_F_MTU))

/*
 * One boot of mvnet with @props; the DMA trace of a frame looped with
 * ACCESS_PLATFORM negotiated or not as @platform says, in a string.
 */
static char *iommu_platform_loop(const char *props, bool platform)
{
    g_autofree char *log = mdev_qtest_temp_file("mdev-virtio-iommu-XXXXXX.log");
    uint64_t want = MVNET_FEATURES |
                    (platform ? 1ull << VIRTIO_F_ACCESS_PLATFORM : 0);
    char *text = NULL;
    Net n;

    net_attach(&n, qtest_initf("-M q35 -nodefaults -d guest_errors "
                               "-trace mdev_pci_dma -D %s " MVNET_ARGS "%s",
                               log, props));
    qvirtio_start_device(n.d);
    g_assert_cmphex(qvirtio_get_features(n.d), ==, want);
    if (platform) {
        /* Offered, it is required: FEATURES_OK reads back clear without. */
        n.d->bus->set_features(n.d, MVNET_FEATURES);
        n.d->bus->set_status(n.d, n.d->bus->get_status(n.d) |
                             VIRTIO_CONFIG_S_FEATURES_OK);
        g_assert_false(n.d->bus->get_status(n.d) & VIRTIO_CONFIG_S_FEATURES_OK);
        qvirtio_start_device(n.d);
    }
    qvirtio_set_features(n.d, want);
    n.rx = qvirtqueue_setup(n.d, &n.alloc, 0);
    n.tx = qvirtqueue_setup(n.d, &n.alloc, 1);
    qvirtio_set_driver_ok(n.d);
    loop_frame(&n, 0x31, false);
    net_close(&n);

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    unlink(log);
    return text;
}

/*
 * VIRTIO_F_ACCESS_PLATFORM is offered only with iommu_platform=on (as
 * virtio-pci's), and then required (a driver without it is refused, so it
 * cannot step around the guest's IOMMU). Negotiated, the ring and buffer
 * addresses are I/O virtual ones, which go through the function's
 * bus-master address space (translated 1: an IOMMU would translate them;
 * there is none here); without it they are guest-physical (translated 0),
 * which is what made mvnet behind intel-iommu send nothing when they were
 * translated anyway. The vfio class has no such feature: refused.
 */
static void test_iommu_platform(void)
{
    static const char *const vfio[] = {
        "property 'iommu_platform'", "no such feature", NULL
    };
    g_autofree char *off = iommu_platform_loop("", false);
    g_autofree char *on = iommu_platform_loop(",iommu_platform=on", true);

    g_assert_nonnull(strstr(off, "mdev_pci_dma uuid " MVNET_UUID));
    g_assert_nonnull(strstr(off, " translated 0 result 0\n"));
    g_assert_null(strstr(off, " translated 1 "));
    g_assert_nonnull(strstr(on, "mdev_pci_dma uuid " MVNET_UUID));
    g_assert_nonnull(strstr(on, " translated 1 result 0\n"));
    g_assert_null(strstr(on, " translated 0 "));
    g_assert_nonnull(strstr(on, "not accepted: ACCESS_PLATFORM is not negotiated"));
    mdev_qtest_assert_fails("-device mdev-epf-test,iommu_platform=on", vfio);
}

/*
 * The trace events a driver developer follows: status as written and as
 * the device then reads, driver features per select, queue enables with
 * their size, kicks by queue.
 */
static void test_driver_trace(void)
{
    g_autofree char *log = mdev_qtest_temp_file("mdev-virtio-trace-XXXXXX.log");
    g_autofree char *text = NULL;
    Net n;

    net_open(&n, log);
    net_start(&n, false);
    loop_frame(&n, 0x21, false);
    net_close(&n);

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    unlink(log);
    g_test_message("trace:\n%s", text);
    g_assert_nonnull(strstr(text, "mdev_virtio_status uuid " MVNET_UUID
                            " device_status <- 0x03, reads 0x03\n"));
    g_assert_nonnull(strstr(text, "device_status <- 0x0b, reads 0x0b\n"));
    g_assert_nonnull(strstr(text, "device_status <- 0x0f, reads 0x0f\n"));
    g_assert_nonnull(strstr(text, "mdev_virtio_driver_features uuid " MVNET_UUID
                            " driver_feature[1] <- 0x00000001\n"));
    g_assert_nonnull(strstr(text, "mdev_virtio_queue_enable uuid " MVNET_UUID
                            " queue 0 enable"));
    g_assert_nonnull(strstr(text, " queue 1 enable"));
    g_assert_nonnull(strstr(text, "mdev_virtio_kick uuid " MVNET_UUID
                            " notify queue 1\n"));
    /* The shared ring code's events, from the C++ (trace-bridge.py). */
    g_assert_nonnull(strstr(text, "mdev_vring_pop uuid " MVNET_UUID " mvnet tx: chain "));
    g_assert_nonnull(strstr(text, "mdev_vring_pop uuid " MVNET_UUID " mvnet rx: chain "));
    g_assert_nonnull(strstr(text, "mdev_vring_push uuid " MVNET_UUID " mvnet rx: chain "));
    g_assert_nonnull(strstr(text, "mdev_vring_push uuid " MVNET_UUID " mvnet tx: chain "));
}

/* ---- Fault injection (docs/fault-injection.md) ----------------------------- */

/* mdev-fault-inject or -clear of @fault, with @args (JSON text) if given. */
static void fault_qmp(Net *n, const char *cmd, const char *fault,
                      const char *args)
{
    if (args) {
        qtest_qmp_assert_success(n->qts, "{ 'execute': %s, 'arguments': {"
                                 " 'uuid': %s, 'fault': %s, 'args': %p } }",
                                 cmd, MVNET_UUID, fault,
                                 qobject_from_json(args, &error_abort));
    } else {
        qtest_qmp_assert_success(n->qts, "{ 'execute': %s, 'arguments': {"
                                 " 'uuid': %s, 'fault': %s } }",
                                 cmd, MVNET_UUID, fault);
    }
}

static uint8_t isr(Net *n)
{
    return qpci_io_readb(n->pci.pdev, n->pci.bar, n->pci.isr_cfg_offset);
}

/*
 * One frame of FRAME_LEN bytes (payload seed + i) out on TX, with one RX
 * buffer posted (the one a lost frame left, or a new one); whether each
 * queue's buffer came back, and what RX received.
 */
static uint64_t pending_rx;

static void send_frame(Net *n, uint8_t seed, bool *tx_back, bool *rx_back,
                       uint8_t *back)
{
    uint8_t frame[NET_HDR_LEN + FRAME_LEN] = { 0 };
    uint64_t txbuf = guest_alloc(&n->alloc, sizeof(frame));
    uint32_t head, got, len;
    unsigned i;

    for (i = 0; i < FRAME_LEN; i++) {
        frame[NET_HDR_LEN + i] = seed + i;
    }
    qtest_memwrite(n->qts, txbuf, frame, sizeof(frame));
    if (!pending_rx) {
        pending_rx = guest_alloc(&n->alloc, 2048);
        qtest_memset(n->qts, pending_rx, 0xee, 2048);
        head = qvirtqueue_add(n->qts, n->rx, pending_rx, 2048, true, false);
        qvirtqueue_kick(n->qts, n->d, n->rx, head);
    }
    head = qvirtqueue_add(n->qts, n->tx, txbuf, sizeof(frame), false, false);
    qvirtqueue_kick(n->qts, n->d, n->tx, head);
    *tx_back = qvirtqueue_get_buf(n->qts, n->tx, &got, NULL);
    *rx_back = qvirtqueue_get_buf(n->qts, n->rx, &got, &len);
    if (*rx_back) {
        g_assert_cmpuint(len, ==, sizeof(frame));
        qtest_memread(n->qts, pending_rx, back, sizeof(frame));
        guest_free(&n->alloc, pending_rx);
        pending_rx = 0;
        g_assert_cmphex(back[NET_HDR_LEN], ==, seed);
    }
}

/*
 * mvnet's faults and the class's drop-used over QMP, seen by libqos's driver
 * (INTx, so the ISR shows the configuration change interrupts): link-down
 * clears VIRTIO_NET_S_LINK_UP with a config interrupt until cleared, and
 * frames sent meanwhile are lost; drop-frame loses one frame; corrupt-frame
 * flips the byte it names; drop-used loses one TX completion.
 */
static void test_faults(void)
{
    uint8_t back[NET_HDR_LEN + FRAME_LEN];
    bool tx_back, rx_back;
    Net n;

    pending_rx = 0;
    net_open(&n, NULL);
    net_start(&n, false);
    g_assert_cmphex(isr(&n), ==, 0);
    g_assert_cmphex(qvirtio_config_readw(n.d, 6), ==, VIRTIO_NET_S_LINK_UP);

    fault_qmp(&n, "mdev-fault-inject", "link-down", NULL);
    g_assert_cmphex(isr(&n), ==, VIRTIO_PCI_ISR_CONFIG);
    g_assert_cmphex(qvirtio_config_readw(n.d, 6), ==, 0);
    send_frame(&n, 1, &tx_back, &rx_back, back);
    g_assert_true(tx_back);
    g_assert_false(rx_back);
    isr(&n); /* the TX interrupt's bit */
    fault_qmp(&n, "mdev-fault-clear", "link-down", NULL);
    g_assert_cmphex(isr(&n), ==, VIRTIO_PCI_ISR_CONFIG);
    g_assert_cmphex(qvirtio_config_readw(n.d, 6), ==, VIRTIO_NET_S_LINK_UP);
    /* The RX buffer the lost frame left takes the next one. */
    send_frame(&n, 0x30, &tx_back, &rx_back, back);
    g_assert_true(tx_back && rx_back);
    isr(&n);

    fault_qmp(&n, "mdev-fault-inject", "drop-frame", NULL);
    send_frame(&n, 2, &tx_back, &rx_back, back);
    g_assert_true(tx_back);
    g_assert_false(rx_back);
    send_frame(&n, 0x40, &tx_back, &rx_back, back); /* spent */
    g_assert_true(tx_back && rx_back);
    isr(&n);

    fault_qmp(&n, "mdev-fault-inject", "corrupt-frame",
              "{ \"offset\": 20, \"mask\": 128 }");
    send_frame(&n, 3, &tx_back, &rx_back, back);
    g_assert_true(tx_back && rx_back);
    for (unsigned i = 0; i < FRAME_LEN; i++) {
        uint8_t want = 3 + i;
        g_assert_cmphex(back[NET_HDR_LEN + i], ==, i == 20 ? want ^ 0x80 : want);
    }
    isr(&n);

    fault_qmp(&n, "mdev-fault-inject", "drop-used", "{ \"queue\": 1 }");
    send_frame(&n, 4, &tx_back, &rx_back, back);
    g_assert_false(tx_back); /* the TX completion is lost */
    g_assert_true(rx_back);
    isr(&n);
    send_frame(&n, 5, &tx_back, &rx_back, back); /* spent */
    g_assert_true(tx_back && rx_back);
    net_close(&n);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/mdev-virtio/pci-face", test_pci_face);
    qtest_add_func("/mdev-virtio/properties", test_properties);
    qtest_add_func("/mdev-virtio/console-face", test_console_face);
    qtest_add_func("/mdev-virtio/pci-cfg-access", test_pci_cfg_access);
    qtest_add_func("/mdev-virtio/loopback-intx", test_loopback_intx);
    qtest_add_func("/mdev-virtio/loopback-msix", test_loopback_msix);
    qtest_add_func("/mdev-virtio/reset", test_reset_and_renegotiate);
    qtest_add_func("/mdev-virtio/hostile", test_hostile);
    qtest_add_func("/mdev-virtio/tx-without-rx", test_tx_without_rx);
    qtest_add_func("/mdev-virtio/driver-trace", test_driver_trace);
    qtest_add_func("/mdev-virtio/migration", test_migration);
    qtest_add_func("/mdev-virtio/iommu-platform", test_iommu_platform);
    qtest_add_func("/mdev-virtio/faults", test_faults);
    return g_test_run();
}
