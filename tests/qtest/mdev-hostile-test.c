/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest: a guest that turns an mdev's own bus-master traffic against it, and
 * migration streams that do not fit the destination (issue 8's three cases,
 * in this project's set-ups).
 *
 * - DMA aimed at a device is refused: bus-master DMA reaches RAM only
 *   (mdev-pci.c), so an RX buffer whose second segment is the Slot Control
 *   register of the device's own root port (in MMCONFIG), or the device's
 *   own virtio PCI configuration access window, breaks the ring
 *   (NEEDS_RESET) and changes nothing else.
 * - An MSI-X message is a memory write QEMU lets go anywhere: aimed at the
 *   Slot Control register it unplugs the device while the device's own call
 *   is on the stack, aimed at its configuration window it resets it. The
 *   device's C++ state stays alive until that call returns (Core::Pin), and
 *   a ring walk stops touching guest memory once its ring was reset.
 * - A migration stream says which mdev it is (parent, type, class), and a
 *   destination that differs refuses it with one line.
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
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "standard-headers/linux/virtio_config.h"
#include "standard-headers/linux/virtio_pci.h"

#define NET_UUID "6a1d3c52-0000-4000-8000-0000000000bb"
#define NET_HDR_LEN 12
#define FRAME_LEN 64

/* Where the test maps MMCONFIG (q35's PCIEXBAR, which firmware would set). */
#define MMCFG_BASE 0xb0000000ull
#define MCH_PCIEXBAR 0x60

#define ROOT_PORT_SLOT 5
/* The device behind the root port: bus 1, device 0 (CF8 encoding). */
#define BEHIND_PORT_DEVFN ((1 << 8) | QPCI_DEVFN(0, 0))
#define ON_BUS0_SLOT 4

/* Slot Control: indicators off, power controller off (the unplug). */
#define SLTCTL_POWER_OFF 0x07c0

typedef struct Guest {
    QTestState *qts;
    QPCIBus *bus;
    QGuestAllocator alloc;
    QVirtioPCIDevice pci;
    QVirtioDevice *d;
    QVirtQueue *rx;
    QVirtQueue *tx;
    char *log;
} Guest;

static uint64_t mmcfg(int devfn, unsigned reg)
{
    /* devfn may carry the bus in bits 8..15, as CF8 takes it. */
    return MMCFG_BASE + ((uint64_t)devfn << 12) + reg;
}

/* What firmware does on q35: MMCONFIG at MMCFG_BASE, 256 buses. */
static void enable_mmcfg(QPCIBus *bus)
{
    QPCIDevice *mch = qpci_device_find(bus, 0);

    qpci_config_writel(mch, MCH_PCIEXBAR + 4, 0);
    qpci_config_writel(mch, MCH_PCIEXBAR, MMCFG_BASE | 1);
    g_free(mch);
}

/* Bus 1 behind the root port, with windows over libqos's BAR ranges. */
static QPCIDevice *open_root_port(QPCIBus *bus)
{
    QPCIDevice *rp = mdev_qtest_find_fn(bus, ROOT_PORT_SLOT);

    qpci_config_writeb(rp, PCI_PRIMARY_BUS, 0);
    qpci_config_writeb(rp, PCI_SECONDARY_BUS, 1);
    qpci_config_writeb(rp, PCI_SUBORDINATE_BUS, 1);
    qpci_config_writeb(rp, PCI_IO_BASE, 0xc0);
    qpci_config_writeb(rp, PCI_IO_LIMIT, 0xf0);
    qpci_config_writew(rp, PCI_MEMORY_BASE, 0xe000);
    qpci_config_writew(rp, PCI_MEMORY_LIMIT, 0xeff0);
    qpci_config_writew(rp, PCI_PREF_MEMORY_BASE, 0xe000);
    qpci_config_writew(rp, PCI_PREF_MEMORY_LIMIT, 0xeff0);
    qpci_config_writel(rp, PCI_PREF_BASE_UPPER32, 0);
    qpci_config_writel(rp, PCI_PREF_LIMIT_UPPER32, 0);
    qpci_config_writew(rp, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                       PCI_COMMAND_MASTER);
    return rp;
}

static uint16_t slot_control(QPCIDevice *rp)
{
    uint8_t exp = qpci_find_capability(rp, PCI_CAP_ID_EXP, 0);

    g_assert_cmpuint(exp, !=, 0);
    return qpci_config_readw(rp, exp + PCI_EXP_SLTCTL);
}

static uint64_t slot_control_mmcfg(QPCIDevice *rp)
{
    return mmcfg(QPCI_DEVFN(ROOT_PORT_SLOT, 0),
                 qpci_find_capability(rp, PCI_CAP_ID_EXP, 0) +
                 PCI_EXP_SLTCTL);
}

/*
 * QEMU with mdev-mvnet on bus 0 or behind a root port with native PCIe
 * hotplug; guest errors and every DMA of the device (trace) in g->log.
 */
static void guest_open(Guest *g, bool behind_root_port)
{
    QPCIAddress addr = {
        .devfn = behind_root_port ? BEHIND_PORT_DEVFN
                                  : QPCI_DEVFN(ON_BUS0_SLOT, 0),
    };

    memset(g, 0, sizeof(*g));
    g->log = mdev_qtest_temp_file("mdev-hostile-test-XXXXXX.log");
    if (behind_root_port) {
        g->qts = qtest_initf(
            "-M q35 -nodefaults -d guest_errors,trace:mdev_pci_dma -D %s "
            "-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off "
            "-device pcie-root-port,id=rp,bus=pcie.0,addr=%d.0,chassis=1,"
            "slot=1 -device mdev-mvnet,class=virtio,bus=rp,id=net,uuid=" NET_UUID,
            g->log, ROOT_PORT_SLOT);
    } else {
        g->qts = qtest_initf(
            "-M q35 -nodefaults -d guest_errors,trace:mdev_pci_dma -D %s "
            "-device mdev-mvnet,class=virtio,addr=%d.0,id=net,uuid=" NET_UUID,
            g->log, ON_BUS0_SLOT);
    }
    g->bus = qpci_new_pc(g->qts, NULL);
    pc_alloc_init(&g->alloc, g->qts, ALLOC_NO_FLAGS);
    enable_mmcfg(g->bus);
    if (behind_root_port) {
        g_free(open_root_port(g->bus));
    }
    virtio_pci_init(&g->pci, g->bus, &addr);
    g->d = &g->pci.vdev;
    qvirtio_pci_device_enable(&g->pci);
}

/* The device may be gone: only QEMU's and libqos's state is released. */
static char *guest_close(Guest *g)
{
    char *text = NULL;

    /* libqos's queues: host memory and allocator bookkeeping, no access. */
    if (g->rx) {
        qvirtqueue_cleanup(g->d->bus, g->rx, &g->alloc);
    }
    if (g->tx) {
        qvirtqueue_cleanup(g->d->bus, g->tx, &g->alloc);
    }
    g_free(g->pci.pdev);
    alloc_destroy(&g->alloc);
    qpci_free_pc(g->bus);
    qtest_quit(g->qts);
    g_assert_true(g_file_get_contents(g->log, &text, NULL, NULL));
    unlink(g->log);
    g_free(g->log);
    g_test_message("log:\n%s", text);
    return text;
}

/* virtio-net up: features, RX and TX queues, MSI-X vectors 1 and 2 or INTx. */
static void net_start(Guest *g, bool msix)
{
    qvirtio_start_device(g->d);
    qvirtio_set_features(g->d, qvirtio_get_features(g->d));
    g->rx = qvirtqueue_setup(g->d, &g->alloc, 0);
    g->tx = qvirtqueue_setup(g->d, &g->alloc, 1);
    if (msix) {
        qpci_msix_enable(g->pci.pdev);
        qvirtio_pci_set_msix_configuration_vector(&g->pci, &g->alloc, 0);
        qvirtqueue_pci_msix_setup(&g->pci, (QVirtQueuePCI *)g->rx,
                                  &g->alloc, 1);
        qvirtqueue_pci_msix_setup(&g->pci, (QVirtQueuePCI *)g->tx,
                                  &g->alloc, 2);
    }
    qvirtio_set_driver_ok(g->d);
}

/* Points MSI-X table entry @entry at @addr with @data. */
static void aim_msix(Guest *g, unsigned entry, uint64_t addr, uint32_t data)
{
    QPCIDevice *dev = g->pci.pdev;
    uint64_t off = dev->msix_table_off + entry * PCI_MSIX_ENTRY_SIZE;

    qpci_io_writel(dev, dev->msix_table_bar, off + PCI_MSIX_ENTRY_LOWER_ADDR,
                   addr & 0xffffffff);
    qpci_io_writel(dev, dev->msix_table_bar, off + PCI_MSIX_ENTRY_UPPER_ADDR,
                   addr >> 32);
    qpci_io_writel(dev, dev->msix_table_bar, off + PCI_MSIX_ENTRY_DATA, data);
}

/*
 * One frame of FRAME_LEN bytes ending in @tail (@tail_len bytes) into an RX
 * chain whose last @tail_len bytes are at @target; kicks RX, then TX.
 */
static void send_into(Guest *g, uint64_t target, const uint8_t *tail,
                      unsigned tail_len)
{
    uint8_t frame[FRAME_LEN] = { 0 };
    uint64_t rxbuf = guest_alloc(&g->alloc, FRAME_LEN);
    uint64_t txbuf = guest_alloc(&g->alloc, FRAME_LEN);
    uint32_t head;

    memset(frame + NET_HDR_LEN, 0x5a, FRAME_LEN - NET_HDR_LEN);
    memcpy(frame + FRAME_LEN - tail_len, tail, tail_len);
    qtest_memwrite(g->qts, txbuf, frame, sizeof(frame));
    head = qvirtqueue_add(g->qts, g->rx, rxbuf, FRAME_LEN - tail_len, true,
                          true);
    qvirtqueue_add(g->qts, g->rx, target, tail_len, true, false);
    qvirtqueue_kick(g->qts, g->d, g->rx, head);
    head = qvirtqueue_add(g->qts, g->tx, txbuf, FRAME_LEN, false, false);
    qvirtqueue_kick(g->qts, g->d, g->tx, head);
}

/* A frame that RAM can take, so the run reaches its interrupts. */
static void send_frame(Guest *g)
{
    uint64_t rxbuf = guest_alloc(&g->alloc, 2048);
    uint64_t txbuf = guest_alloc(&g->alloc, FRAME_LEN);
    uint32_t head;

    qtest_memset(g->qts, txbuf, 0x11, FRAME_LEN);
    head = qvirtqueue_add(g->qts, g->rx, rxbuf, 2048, true, false);
    qvirtqueue_kick(g->qts, g->d, g->rx, head);
    head = qvirtqueue_add(g->qts, g->tx, txbuf, FRAME_LEN, false, false);
    qvirtqueue_kick(g->qts, g->d, g->tx, head);
}

static void assert_qemu_alive(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'query-status' }");

    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
}

static bool device_present(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                           "{ 'path': '/machine/peripheral/net', "
                           "'property': 'uuid' } }");
    bool present = qdict_haskey(rsp, "return");

    qobject_unref(rsp);
    return present;
}

/* ---- case 1: the device's slot powered off by its own traffic ------------ */

static void test_dma_to_slot_control(void)
{
    static const uint8_t power_off[] = { 0xc0, 0x07 };
    g_autofree char *log = NULL;
    QPCIDevice *rp;
    Guest g;

    guest_open(&g, true);
    net_start(&g, false);
    rp = mdev_qtest_find_fn(g.bus, ROOT_PORT_SLOT);
    g_assert_cmphex(slot_control(rp) & PCI_EXP_SLTCTL_PCC, ==, 0);

    send_into(&g, slot_control_mmcfg(rp), power_off, sizeof(power_off));

    /* The DMA never reached the port: the slot is on, the device there. */
    assert_qemu_alive(g.qts);
    g_assert_cmphex(slot_control(rp) & PCI_EXP_SLTCTL_PCC, ==, 0);
    g_assert_true(device_present(g.qts));
    g_assert_cmphex(g.d->bus->get_status(g.d) & VIRTIO_CONFIG_S_NEEDS_RESET,
                    ==, VIRTIO_CONFIG_S_NEEDS_RESET);
    g_free(rp);
    log = guest_close(&g);
    g_assert_nonnull(strstr(log, "mvnet rx: cannot write 2 bytes to a buffer "
                            "at 0xb0028"));
}

static void test_msi_to_slot_control(void)
{
    g_autofree char *log = NULL;
    QPCIDevice *rp;
    Guest g;

    guest_open(&g, true);
    net_start(&g, true);
    rp = mdev_qtest_find_fn(g.bus, ROOT_PORT_SLOT);
    /* TX's vector: the message powers the slot off, mid-run. */
    aim_msix(&g, 2, slot_control_mmcfg(rp), SLTCTL_POWER_OFF);
    send_frame(&g);

    /* Unplugged under its own call, and QEMU carries on. */
    assert_qemu_alive(g.qts);
    g_assert_true(slot_control(rp) & PCI_EXP_SLTCTL_PCC);
    g_assert_false(device_present(g.qts));
    g_assert_cmphex(qpci_config_readw(g.pci.pdev, PCI_VENDOR_ID), ==, 0xffff);
    g_free(rp);
    log = guest_close(&g);
    /* The RX notification after the unplug did no DMA: detached host. */
    g_assert_null(strstr(log, "mvnet rx: cannot read"));
}

/* ---- case 2: the device reset through its own config window ---------------- */

/* The window onto device_status (BAR4, 1 byte); its data register's address. */
static uint64_t aim_window_at_status(Guest *g)
{
    uint8_t cap = mdev_qtest_virtio_pci_cfg_cap(g->pci.pdev);

    qpci_config_writeb(g->pci.pdev, cap + 4, 4);
    qpci_config_writel(g->pci.pdev, cap + 8, VIRTIO_PCI_COMMON_STATUS);
    qpci_config_writel(g->pci.pdev, cap + 12, 1);
    return mmcfg(QPCI_DEVFN(ON_BUS0_SLOT, 0), cap + 16);
}

/* Guest memory below 4 KiB, where a reset ring's areas point. */
static void fill_low_memory(QTestState *qts)
{
    qtest_memset(qts, 0, 0xa5, 0x1000);
}

static void assert_low_memory_untouched(QTestState *qts)
{
    uint8_t low[0x1000];
    unsigned i;

    qtest_memread(qts, 0, low, sizeof(low));
    for (i = 0; i < sizeof(low); i++) {
        g_assert_cmphex(low[i], ==, 0xa5);
    }
}

/* No DMA of the device below 4 KiB (trace lines "addr 0x<3 digits> "). */
static void assert_no_low_dma(const char *log)
{
    g_autoptr(GRegex) re = g_regex_new("mdev_pci_dma .* addr 0x[0-9a-f]{1,3} ",
                                       0, 0, NULL);

    g_assert_false(g_regex_match(re, log, 0, NULL));
}

static void test_dma_to_own_config_window(void)
{
    static const uint8_t reset[] = { 0 };
    g_autofree char *log = NULL;
    Guest g;

    guest_open(&g, false);
    net_start(&g, false);
    fill_low_memory(g.qts);
    send_into(&g, aim_window_at_status(&g), reset, sizeof(reset));

    assert_qemu_alive(g.qts);
    /* Not reset: live, with NEEDS_RESET for the broken ring. */
    g_assert_cmphex(g.d->bus->get_status(g.d), ==,
                    VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK |
                    VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_low_memory_untouched(g.qts);
    log = guest_close(&g);
    g_assert_nonnull(strstr(log, "mvnet rx: cannot write 1 bytes to a buffer "
                            "at 0xb0020"));
    assert_no_low_dma(log);
}

static void test_msi_to_own_config_window(void)
{
    g_autofree char *log = NULL;
    Guest g;

    guest_open(&g, false);
    net_start(&g, true);
    fill_low_memory(g.qts);
    /* TX's message writes 0 to device_status: a reset in the middle of run. */
    aim_msix(&g, 2, aim_window_at_status(&g), 0);
    send_frame(&g);

    assert_qemu_alive(g.qts);
    g_assert_cmphex(g.d->bus->get_status(g.d), ==, 0);
    /* The walk after the reset (RX's notification) touched nothing. */
    assert_low_memory_untouched(g.qts);
    log = guest_close(&g);
    assert_no_low_dma(log);
    /* And the stale walk is not the new driver's fault. */
    g_assert_null(strstr(log, "queue stopped until reset"));
}

/* ---- case 3: streams of another mdev ------------------------------------- */

/*
 * The footer (QEMU_VM_SECTION_FOOTER and the section id) of the full
 * section whose idstr's length byte is at @idstr: QEMU_VM_SECTION_FULL, the
 * section id (be32) and the idstr come before it.
 */
static const char *stream_section_footer(const char *data, size_t len,
                                         const char *idstr)
{
    char tag[5];
    const char *footer;

    g_assert_cmpint(idstr[-5], ==, 0x04);
    tag[0] = 0x7e;
    memcpy(tag + 1, idstr - 4, 4);
    footer = memmem(idstr, len - (idstr - data), tag, sizeof(tag));
    g_assert_nonnull(footer);
    return footer;
}

typedef struct StreamCase {
    const char *name;
    const char *source;
    const char *destination;
    const char *theirs;
    const char *mine;
} StreamCase;

static const StreamCase stream_cases[] = {
    { "mtty-type", "mdev-mtty,class=vfio,mdev-type=mtty-2",
      "mdev-mtty,class=vfio,mdev-type=mtty-1",
      "parent=mtty type=mtty-2 class=vfio",
      "parent=mtty type=mtty-1 class=vfio" },
    { "mtty-class", "mdev-mtty,class=vfio,mdev-type=mtty-1",
      "mdev-mtty,class=virtio,mdev-type=mtty-1",
      "parent=mtty type=mtty-1 class=vfio",
      "parent=mtty type=mtty-1 class=virtio" },
    { "mdpy-type", "mdev-mdpy,class=vfio,mdev-type=mdpy-vga",
      "mdev-mdpy,class=vfio,mdev-type=mdpy-hd",
      "parent=mdpy type=mdpy-vga class=vfio",
      "parent=mdpy type=mdpy-hd class=vfio" },
    { "mbochs-type", "mdev-mbochs,class=vfio,mdev-type=mbochs-small",
      "mdev-mbochs,class=vfio,mdev-type=mbochs-large",
      "parent=mbochs type=mbochs-small class=vfio",
      "parent=mbochs type=mbochs-large class=vfio" },
    { "mvnet-parent", "mdev-mvnet,class=virtio",
      "mdev-mtty,class=virtio,mdev-type=mtty-2",
      "parent=mvnet type=mvnet-virtio class=virtio",
      "parent=mtty type=mtty-2 class=virtio" },
};

static void test_stream_of_another_mdev(const void *data)
{
    const StreamCase *c = data;
    g_autofree char *file = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *dst = NULL;
    g_autofree char *line = NULL;
    QTestState *src;
    MdevQemuRun r;

    file = mdev_qtest_temp_file("mdev-hostile-stream-XXXXXX");
    uri = g_strdup_printf("file:%s", file);

    src = qtest_initf("-M q35 -nodefaults -device %s,addr=04.0", c->source);
    mdev_qtest_migrate_and_quit(src, uri);

    dst = g_strdup_printf("-device %s,addr=04.0,id=dst -incoming %s",
                          c->destination, uri);
    r = mdev_qtest_run_qemu_incoming(dst);
    unlink(file);
    g_test_message("args: %s\nstderr: %s", dst, r.err);
    g_assert_cmpint(r.status, ==, 1);
    /* The first line is the refusal, naming both sides. */
    line = g_strdup_printf("'dst': migration stream is of an mdev with %s; "
                           "this device is %s: refused\n",
                           c->theirs, c->mine);
    g_assert_nonnull(strstr(r.err, line));
    g_assert_true(strstr(r.err, line) < strchr(r.err, '\n'));
    mdev_qtest_run_free(&r);
}

/*
 * A stream that passes the identity check but carries a piece of mdev state
 * the destination does not have (here mtty's virtio face, inserted into a
 * class=vfio mtty's section as a subsection): QEMU's loader would take it
 * through the device's NULL pointer for that state and abort; the mdev
 * refuses it with one line instead. The stream is a real one with the
 * subsection spliced in before the section's footer (QEMU_VM_SUBSECTION,
 * its name, version 1, then bytes that are never read).
 */
static void test_stream_with_state_the_mdev_lacks(void)
{
    static const char idstr[] = "0000:00:04.0/mdev-mtty";
    static const char sub[] = "mdev-mtty/mtty/virtio";
    g_autofree char *file = mdev_qtest_temp_file("mdev-hostile-sub-XXXXXX");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *dst = NULL;
    g_autofree gchar *data = NULL;
    g_autoptr(GByteArray) forged = g_byte_array_new();
    const char *footer;
    size_t len;
    guint8 head[2 + sizeof(sub) - 1 + 4];
    guint8 body[64] = { 0 };
    QTestState *src;
    MdevQemuRun r;

    src = qtest_init("-M q35 -nodefaults "
                     "-device mdev-mtty,class=vfio,mdev-type=mtty-1,addr=04.0");
    mdev_qtest_migrate_and_quit(src, uri);

    g_assert_true(g_file_get_contents(file, &data, &len, NULL));
    footer = stream_section_footer(data, len,
                                   mdev_qtest_stream_find(data, len, idstr));

    head[0] = 0x05; /* QEMU_VM_SUBSECTION */
    head[1] = sizeof(sub) - 1;
    memcpy(head + 2, sub, sizeof(sub) - 1);
    memcpy(head + 2 + sizeof(sub) - 1, "\0\0\0\1", 4);
    g_byte_array_append(forged, (guint8 *)data, footer - data);
    g_byte_array_append(forged, head, sizeof(head));
    g_byte_array_append(forged, body, sizeof(body));
    g_byte_array_append(forged, (guint8 *)footer, len - (footer - data));
    g_assert_true(g_file_set_contents(file, (gchar *)forged->data,
                                      forged->len, NULL));

    dst = g_strdup_printf("-device mdev-mtty,class=vfio,mdev-type=mtty-1,"
                          "addr=04.0,id=dst -incoming %s", uri);
    r = mdev_qtest_run_qemu_incoming(dst);
    unlink(file);
    g_test_message("args: %s\nstderr: %s", dst, r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "mdev-mtty 'dst': migration stream "
                            "carries state 'mtty/virtio' that this mdev "
                            "does not have: refused\n"));
    mdev_qtest_run_free(&r);
}

/*
 * Every piece of declared mdev state travels with its struct's version in
 * front of it (after the subsection's own header). A stream that claims a
 * version the destination cannot load, newer than its declaration or older
 * than its min_version, is refused with one line naming the state, not
 * read at the wrong layout.
 */
typedef struct StateVersionCase {
    const char *name;
    guint32 version;
} StateVersionCase;

static const StateVersionCase state_version_cases[] = {
    { "newer", 2 },
    { "older", 0 },
    { "huge", 0xffffffffu },
};

static void test_stream_with_state_version(const void *data)
{
    const StateVersionCase *c = data;
    static const char sub[] = "mdev-gpio/gpio/regs";
    static const char dev[] = "mdev-gpio,addr=04.0";
    g_autofree char *file = mdev_qtest_temp_file("mdev-hostile-ver-XXXXXX");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *dst = NULL;
    g_autofree char *line = NULL;
    g_autofree gchar *data_bytes = NULL;
    guint8 *version;
    const char *name;
    size_t len;
    QTestState *src;
    MdevQemuRun r;

    src = qtest_initf("-M q35 -nodefaults -device %s", dev);
    mdev_qtest_migrate_and_quit(src, uri);

    g_assert_true(g_file_get_contents(file, &data_bytes, &len, NULL));
    /* QEMU_VM_SUBSECTION, name length, name, subsection version (be32). */
    name = mdev_qtest_stream_find(data_bytes, len, sub);
    g_assert_cmpint(name[-1], ==, 0x05);
    version = (guint8 *)name + 1 + strlen(sub) + 4;
    /* The struct's version, as the source wrote it: 1. */
    g_assert_cmpint(ldl_be_p(version), ==, 1);
    stl_be_p(version, c->version);
    g_assert_true(g_file_set_contents(file, data_bytes, len, NULL));

    dst = g_strdup_printf("-device %s,id=dst -incoming %s", dev, uri);
    r = mdev_qtest_run_qemu_incoming(dst);
    unlink(file);
    g_test_message("args: %s\nstderr: %s", dst, r.err);
    g_assert_cmpint(r.status, ==, 1);
    line = g_strdup_printf("mdev-gpio 'dst': migration stream holds version "
                           "%" PRIu32 " of state 'gpio/regs'; this QEMU "
                           "loads versions 1 to 1: refused\n", c->version);
    g_assert_nonnull(strstr(r.err, line));
    mdev_qtest_run_free(&r);
}

/*
 * The other half of versioned state: a stream of an OLDER version of a
 * struct loads, its newer members keeping the destination's own values.
 * mvnet's "mvnet/device" is at version 2 (tx_dropped since 2, its last
 * member); a real stream is turned into a version-1 one by setting the
 * struct's version to 1 and taking tx_dropped's 8 bytes out, as a QEMU
 * from before tx_dropped would have written it. The destination loads it
 * and the device carries on where the source left it (status, features).
 */
static void test_stream_of_older_state_version_loads(void)
{
    static const char sub[] = "mdev-mvnet/mvnet/device";
    g_autofree char *file = mdev_qtest_temp_file("mdev-hostile-old-XXXXXX");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree gchar *bytes = NULL;
    g_autoptr(GByteArray) older = g_byte_array_new();
    const char *name, *end, *next_sub;
    size_t len, struct_start;
    uint8_t status;
    uint64_t features;
    Guest g;
    QTestState *dst;
    g_autofree char *log = NULL;

    guest_open(&g, false);
    net_start(&g, false);
    status = g.d->bus->get_status(g.d);
    features = g.d->bus->get_guest_features(g.d);
    mdev_qtest_migrate_and_quit(g.qts, uri);

    g_assert_true(g_file_get_contents(file, &bytes, &len, NULL));
    name = mdev_qtest_stream_find(bytes, len, sub);
    /* Subsection version (be32), then the struct's version: 2. */
    struct_start = name - bytes + 1 + strlen(sub) + 4;
    g_assert_cmpint(ldl_be_p(bytes + struct_start), ==, 2);
    /*
     * The struct ends where the device's section does (its footer) or
     * where another of its subsections starts.
     */
    end = stream_section_footer(bytes, len,
                                mdev_qtest_stream_find(bytes, len,
                                                       "0000:00:04.0/mdev-mvnet"));
    g_assert_true(end > bytes + struct_start);
    next_sub = memmem(bytes + struct_start, end - (bytes + struct_start),
                      "mdev-mvnet/", 11);
    if (next_sub) {
        end = next_sub - 2; /* QEMU_VM_SUBSECTION and the name's length */
    }
    stl_be_p(bytes + struct_start, 1);
    g_byte_array_append(older, (guint8 *)bytes, end - 8 - bytes);
    g_byte_array_append(older, (guint8 *)end, len - (end - bytes));
    g_assert_true(g_file_set_contents(file, (gchar *)older->data, older->len,
                                      NULL));

    dst = qtest_initf("-M q35 -nodefaults -device mdev-mvnet,class=virtio,"
                      "addr=%d.0,id=net,uuid=" NET_UUID " -incoming %s",
                      ON_BUS0_SLOT, uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);
    /* The test's view of the machine now talks to the destination. */
    g.qts = dst;
    g.bus->qts = dst;
    g_assert_cmphex(g.d->bus->get_status(g.d), ==, status);
    g_assert_cmphex(g.d->bus->get_guest_features(g.d), ==, features);
    log = guest_close(&g);
}

int main(int argc, char **argv)
{
    unsigned i;

    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev/hostile/dma-to-slot-control",
                   test_dma_to_slot_control);
    qtest_add_func("/mdev/hostile/msi-to-slot-control",
                   test_msi_to_slot_control);
    qtest_add_func("/mdev/hostile/dma-to-own-config-window",
                   test_dma_to_own_config_window);
    qtest_add_func("/mdev/hostile/msi-to-own-config-window",
                   test_msi_to_own_config_window);
    qtest_add_func("/mdev/hostile/stream/older-state-version-loads",
                   test_stream_of_older_state_version_loads);
    qtest_add_func("/mdev/hostile/stream/state-the-mdev-lacks",
                   test_stream_with_state_the_mdev_lacks);
    for (i = 0; i < G_N_ELEMENTS(state_version_cases); i++) {
        g_autofree char *path = g_strdup_printf(
            "/mdev/hostile/stream/state-version-%s",
            state_version_cases[i].name);
        qtest_add_data_func(path, &state_version_cases[i],
                            test_stream_with_state_version);
    }
    for (i = 0; i < G_N_ELEMENTS(stream_cases); i++) {
        g_autofree char *path = g_strdup_printf("/mdev/hostile/stream/%s",
                                                stream_cases[i].name);
        qtest_add_data_func(path, &stream_cases[i],
                            test_stream_of_another_mdev);
    }
    return g_test_run();
}
