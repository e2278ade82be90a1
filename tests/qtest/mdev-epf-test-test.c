/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for the vfio frontend's MSI-X, MSI and DMA, on -device mdev-pcitest
 * (hw/mdev/samples/pcitest: a function that raises the vector the guest
 * names and runs a DMA when told). With libqos's own MSI-X helpers, as
 * QEMU's virtio qtests use them: messages are aimed at guest RAM, so one
 * that is sent lands there as a 32-bit write that the test reads back.
 *
 * INTx: slot 4 of a q35, INTA# is GSI 20 with no programming.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "mdev-qtest-common.h"

#define PT_UUID "5e7c0a10-1d2e-4f30-9a4b-0000000000a1"
#define PT_GSI 20

/* BAR0 registers (hw/mdev/samples/pcitest/pcitest.hpp). */
enum {
    PT_MAGIC = 0x00,
    PT_RAISE = 0x04,
    PT_INTX_CLEAR = 0x08,
    PT_IRQ_INDEX = 0x0c,
    PT_DMA_ADDR_LO = 0x10,
    PT_DMA_ADDR_HI = 0x14,
    PT_DMA_LEN = 0x18,
    PT_DMA_CMD = 0x1c,
    PT_DMA_STATUS = 0x20,
    PT_BUF = 0x100,
};
#define PT_MAGIC_VALUE 0x74657374
#define PT_DMA_FROM_GUEST 1
#define PT_DMA_TO_GUEST 2
#define PT_DMA_DONE 1
#define PT_DMA_FAILED 2
/* VFIO_PCI_*_IRQ_INDEX as the device reports the index it signals on. */
#define PT_INDEX_INTX 0
#define PT_INDEX_MSI 1
#define PT_INDEX_MSIX 2

/* Where messages land: guest RAM, one dword per vector. */
#define MSG_BASE 0x200000ULL
#define DMA_BASE 0x300000ULL

typedef struct Pt {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar0;
} Pt;

static void pt_attach(Pt *p, bool msix)
{
    p->bus = qpci_new_pc(p->qts, NULL);
    p->dev = qpci_device_find(p->bus, QPCI_DEVFN(4, 0));
    g_assert_nonnull(p->dev);
    qpci_device_enable(p->dev);
    if (msix) {
        /* Maps BAR2 (table) and BAR0 (PBA, beside the registers). */
        qpci_msix_enable(p->dev);
        p->bar0 = p->dev->msix_pba_bar;
    } else {
        p->bar0 = qpci_iomap(p->dev, 0, NULL);
    }
    g_assert_cmphex(qpci_io_readl(p->dev, p->bar0, PT_MAGIC), ==,
                    PT_MAGIC_VALUE);
    qtest_irq_intercept_in(p->qts, "ioapic");
}

static void pt_open(Pt *p, const char *props, bool msix)
{
    p->qts = qtest_initf("-M q35 -nodefaults -device mdev-pcitest,addr=04.0,"
                         "uuid=" PT_UUID "%s", props);
    pt_attach(p, msix);
}

static void pt_close(Pt *p)
{
    g_free(p->dev);
    qpci_free_pc(p->bus);
    qtest_quit(p->qts);
}

static uint32_t rd(Pt *p, uint64_t reg)
{
    return qpci_io_readl(p->dev, p->bar0, reg);
}

static void wr(Pt *p, uint64_t reg, uint32_t v)
{
    qpci_io_writel(p->dev, p->bar0, reg, v);
}

static uint64_t msg_addr(uint16_t vector)
{
    return MSG_BASE + 4 * vector;
}

/* Entry @vector aimed at its dword of RAM, data 0xd000 + vector. */
static void program(Pt *p, uint16_t vector, bool masked)
{
    uint64_t off = p->dev->msix_table_off + vector * PCI_MSIX_ENTRY_SIZE;
    QPCIBar t = p->dev->msix_table_bar;

    qpci_io_writel(p->dev, t, off + PCI_MSIX_ENTRY_LOWER_ADDR,
                   msg_addr(vector) & 0xffffffff);
    qpci_io_writel(p->dev, t, off + PCI_MSIX_ENTRY_UPPER_ADDR,
                   msg_addr(vector) >> 32);
    qpci_io_writel(p->dev, t, off + PCI_MSIX_ENTRY_DATA, 0xd000 + vector);
    qpci_io_writel(p->dev, t, off + PCI_MSIX_ENTRY_VECTOR_CTRL, masked);
}

static void set_masked(Pt *p, uint16_t vector, bool masked)
{
    qpci_io_writel(p->dev, p->dev->msix_table_bar,
                   p->dev->msix_table_off + vector * PCI_MSIX_ENTRY_SIZE +
                   PCI_MSIX_ENTRY_VECTOR_CTRL, masked);
}

static bool landed(Pt *p, uint16_t vector)
{
    return qtest_readl(p->qts, msg_addr(vector)) == 0xd000u + vector;
}

static void clear_landed(Pt *p, uint16_t vector)
{
    qtest_writel(p->qts, msg_addr(vector), 0);
}

static uint8_t msix_cap(Pt *p)
{
    uint8_t cap = qpci_find_capability(p->dev, PCI_CAP_ID_MSIX, 0);

    g_assert_cmphex(cap, !=, 0);
    return cap;
}

/* ---- MSI-X ---------------------------------------------------------------- */

static void test_msix_capability(void)
{
    Pt p;
    uint8_t cap;

    pt_open(&p, ",msix-vectors=8", false);
    cap = msix_cap(&p);
    g_assert_cmphex(qpci_config_readw(p.dev, cap + PCI_MSIX_FLAGS), ==, 7);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSIX_TABLE), ==, 2);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSIX_PBA), ==, 0x800);
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_INTX);
    /* Enable and function mask are writable; the table size is not. */
    qpci_config_writew(p.dev, cap + PCI_MSIX_FLAGS, 0xffff);
    g_assert_cmphex(qpci_config_readw(p.dev, cap + PCI_MSIX_FLAGS), ==,
                    PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 7);
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_MSIX);
    qpci_config_writew(p.dev, cap + PCI_MSIX_FLAGS, 0);
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_INTX);
    pt_close(&p);
}

static void test_msix_delivers(void)
{
    Pt p;

    pt_open(&p, ",msix-vectors=4", true);
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_MSIX);
    program(&p, 2, false);
    g_assert_false(landed(&p, 2));
    wr(&p, PT_RAISE, 2);
    g_assert_true(landed(&p, 2));
    g_assert_false(qpci_msix_pending(p.dev, 2));
    /* INTx stays quiet while MSI-X is on. */
    g_assert_false(qtest_get_irq(p.qts, PT_GSI));
    pt_close(&p);
}

static void test_msix_mask_pending_unmask(void)
{
    Pt p;

    pt_open(&p, ",msix-vectors=4", true);
    program(&p, 1, true);
    g_assert_true(qpci_msix_masked(p.dev, 1));
    wr(&p, PT_RAISE, 1);
    g_assert_false(landed(&p, 1));
    g_assert_true(qpci_msix_pending(p.dev, 1));
    g_assert_false(qpci_msix_pending(p.dev, 0));
    set_masked(&p, 1, false);
    g_assert_true(landed(&p, 1));
    g_assert_false(qpci_msix_pending(p.dev, 1));

    /* The function mask holds it the same way. */
    clear_landed(&p, 1);
    qpci_config_writew(p.dev, msix_cap(&p) + PCI_MSIX_FLAGS,
                       PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    wr(&p, PT_RAISE, 1);
    g_assert_false(landed(&p, 1));
    g_assert_true(qpci_msix_pending(p.dev, 1));
    qpci_config_writew(p.dev, msix_cap(&p) + PCI_MSIX_FLAGS,
                       PCI_MSIX_FLAGS_ENABLE);
    g_assert_true(landed(&p, 1));
    g_assert_false(qpci_msix_pending(p.dev, 1));
    pt_close(&p);
}

static void test_msix_2048_vectors(void)
{
    Pt p;

    pt_open(&p, ",msix-vectors=2048", true);
    g_assert_cmpuint(qpci_msix_table_size(p.dev), ==, 2048);
    program(&p, 2047, false);
    wr(&p, PT_RAISE, 2047);
    g_assert_true(landed(&p, 2047));
    /* Past the table: the device's mistake is logged, nothing lands. */
    wr(&p, PT_RAISE, 2048);
    g_assert_cmphex(rd(&p, PT_MAGIC), ==, PT_MAGIC_VALUE);
    pt_close(&p);
}

static void test_msix_hostile_table_accesses(void)
{
    Pt p;
    QPCIBar t;

    pt_open(&p, ",msix-vectors=2", true);
    t = p.dev->msix_table_bar;
    program(&p, 0, true);
    /* Byte and word accesses, misaligned dwords, past the table. */
    g_assert_cmphex(qpci_io_readb(p.dev, t, PCI_MSIX_ENTRY_DATA), ==, 0xff);
    g_assert_cmphex(qpci_io_readw(p.dev, t, PCI_MSIX_ENTRY_DATA), ==, 0xffff);
    qpci_io_writeb(p.dev, t, PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    qpci_io_writew(p.dev, t, PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    qpci_io_writel(p.dev, t, PCI_MSIX_ENTRY_DATA + 1, 0);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 2 * PCI_MSIX_ENTRY_SIZE), ==, 0);
    qpci_io_writel(p.dev, t, 2 * PCI_MSIX_ENTRY_SIZE, 0x1234);
    /* The PBA is read-only. */
    qpci_io_writel(p.dev, p.bar0, 0x800, 0xffffffff);
    g_assert_false(qpci_msix_pending(p.dev, 0));
    /* None of that unmasked or changed vector 0. */
    g_assert_true(qpci_msix_masked(p.dev, 0));
    g_assert_cmphex(qpci_io_readl(p.dev, t, PCI_MSIX_ENTRY_DATA), ==, 0xd000);
    wr(&p, PT_RAISE, 0);
    g_assert_false(landed(&p, 0));
    g_assert_true(qpci_msix_pending(p.dev, 0));
    pt_close(&p);
}

/* ---- switching ------------------------------------------------------------ */

static void msi_setup(Pt *p, uint64_t addr, uint16_t data)
{
    uint8_t cap = qpci_find_capability(p->dev, PCI_CAP_ID_MSI, 0);

    g_assert_cmphex(cap, !=, 0);
    qpci_config_writel(p->dev, cap + PCI_MSI_ADDRESS_LO, addr & 0xffffffff);
    qpci_config_writel(p->dev, cap + PCI_MSI_ADDRESS_HI, addr >> 32);
    qpci_config_writew(p->dev, cap + PCI_MSI_DATA_64, data);
}

static void msi_enable(Pt *p, bool on)
{
    uint8_t cap = qpci_find_capability(p->dev, PCI_CAP_ID_MSI, 0);
    uint16_t flags = qpci_config_readw(p->dev, cap + PCI_MSI_FLAGS);

    flags &= ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    qpci_config_writew(p->dev, cap + PCI_MSI_FLAGS,
                       flags | (on ? PCI_MSI_FLAGS_ENABLE : 0));
}

static void test_intx_msix_msi_intx(void)
{
    Pt p;
    uint8_t cap;

    pt_open(&p, ",msi-vectors=1,msix-vectors=1", false);
    cap = msix_cap(&p);
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_INTX);
    wr(&p, PT_RAISE, 0);
    g_assert_true(qtest_get_irq(p.qts, PT_GSI));
    wr(&p, PT_INTX_CLEAR, 0);
    g_assert_false(qtest_get_irq(p.qts, PT_GSI));

    qpci_msix_enable(p.dev);
    p.bar0 = p.dev->msix_pba_bar;
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_MSIX);
    program(&p, 0, false);
    wr(&p, PT_RAISE, 0);
    g_assert_true(landed(&p, 0));
    g_assert_false(qtest_get_irq(p.qts, PT_GSI));

    qpci_config_writew(p.dev, cap + PCI_MSIX_FLAGS, 0);
    msi_setup(&p, MSG_BASE + 0x100, 0x5a5a);
    msi_enable(&p, true);
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_MSI);
    wr(&p, PT_RAISE, 0);
    g_assert_cmphex(qtest_readl(p.qts, MSG_BASE + 0x100), ==, 0x5a5a);

    msi_enable(&p, false);
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_INTX);
    wr(&p, PT_RAISE, 0);
    g_assert_true(qtest_get_irq(p.qts, PT_GSI));
    pt_close(&p);
}

/* MSI with per-vector masking: QEMU's msi.c behind the frontend's routing. */
static void test_msi_mask_pending(void)
{
    Pt p;
    uint8_t cap;
    uint16_t flags;

    pt_open(&p, ",msi-vectors=4", false);
    cap = qpci_find_capability(p.dev, PCI_CAP_ID_MSI, 0);
    flags = qpci_config_readw(p.dev, cap + PCI_MSI_FLAGS);
    g_assert_cmphex(flags & (PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT), ==,
                    PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
    g_assert_cmphex(flags & PCI_MSI_FLAGS_QMASK, ==, 2 << 1);
    msi_setup(&p, MSG_BASE + 0x40, 0x7700);
    /* Two of the four vectors enabled, vector 1 masked. */
    qpci_config_writel(p.dev, cap + PCI_MSI_MASK_64, 1u << 1);
    qpci_config_writew(p.dev, cap + PCI_MSI_FLAGS,
                       PCI_MSI_FLAGS_ENABLE | (1 << 4));
    g_assert_cmphex(rd(&p, PT_IRQ_INDEX), ==, PT_INDEX_MSI);
    wr(&p, PT_RAISE, 1);
    g_assert_cmphex(qtest_readl(p.qts, MSG_BASE + 0x40), ==, 0);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSI_PENDING_64), ==,
                    1u << 1);
    qpci_config_writel(p.dev, cap + PCI_MSI_MASK_64, 0);
    /* Vector 1's message: the data with its low bits replaced by 1. */
    g_assert_cmphex(qtest_readl(p.qts, MSG_BASE + 0x40), ==, 0x7701);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSI_PENDING_64), ==, 0);
    /* Vector 3 is past the two enabled: a guest error, no abort. */
    wr(&p, PT_RAISE, 3);
    g_assert_cmphex(rd(&p, PT_MAGIC), ==, PT_MAGIC_VALUE);
    pt_close(&p);
}

/*
 * A hostile guest aims vector 0 at the device's own table, at the vector
 * control word of vector 1 (masked, pending): the message is an MMIO write
 * into the device while it is raising the interrupt. QEMU's re-entrancy
 * guard refuses the nested access; nothing crashes and the state holds.
 */
static void test_msix_message_at_own_table(void)
{
    Pt p;
    uint64_t ctrl1;

    pt_open(&p, ",msix-vectors=4", true);
    program(&p, 1, true);
    wr(&p, PT_RAISE, 1);
    g_assert_true(qpci_msix_pending(p.dev, 1));
    ctrl1 = p.dev->msix_table_bar.addr + PCI_MSIX_ENTRY_SIZE +
            PCI_MSIX_ENTRY_VECTOR_CTRL;
    qpci_io_writel(p.dev, p.dev->msix_table_bar, PCI_MSIX_ENTRY_LOWER_ADDR,
                   ctrl1 & 0xffffffff);
    qpci_io_writel(p.dev, p.dev->msix_table_bar, PCI_MSIX_ENTRY_UPPER_ADDR,
                   ctrl1 >> 32);
    qpci_io_writel(p.dev, p.dev->msix_table_bar, PCI_MSIX_ENTRY_DATA, 0);
    qpci_io_writel(p.dev, p.dev->msix_table_bar, PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    wr(&p, PT_RAISE, 0);
    g_assert_cmphex(rd(&p, PT_MAGIC), ==, PT_MAGIC_VALUE);
    g_assert_true(qpci_msix_masked(p.dev, 1));
    g_assert_true(qpci_msix_pending(p.dev, 1));
    g_assert_false(landed(&p, 1));
    set_masked(&p, 1, false);
    g_assert_true(landed(&p, 1));
    pt_close(&p);
}

/* ---- DMA ------------------------------------------------------------------ */

static void dma_cmd(Pt *p, uint64_t addr, uint32_t len, uint32_t cmd)
{
    wr(p, PT_DMA_ADDR_LO, addr & 0xffffffff);
    wr(p, PT_DMA_ADDR_HI, addr >> 32);
    wr(p, PT_DMA_LEN, len);
    wr(p, PT_DMA_CMD, cmd);
}

static void test_dma_and_bus_master(void)
{
    Pt p;
    uint16_t cmd;

    pt_open(&p, "", false);
    qtest_writel(p.qts, DMA_BASE, 0x11223344);
    dma_cmd(&p, DMA_BASE, 16, PT_DMA_FROM_GUEST);
    g_assert_cmphex(rd(&p, PT_DMA_STATUS), ==, PT_DMA_DONE);
    g_assert_cmphex(rd(&p, PT_BUF), ==, 0x11223344);
    wr(&p, PT_BUF, 0xcafef00d);
    dma_cmd(&p, DMA_BASE + 0x40, 4, PT_DMA_TO_GUEST);
    g_assert_cmphex(rd(&p, PT_DMA_STATUS), ==, PT_DMA_DONE);
    g_assert_cmphex(qtest_readl(p.qts, DMA_BASE + 0x40), ==, 0xcafef00d);

    /* Outside RAM (the IOAPIC's page): refused before any device runs. */
    dma_cmd(&p, 0xfec00000, 4, PT_DMA_TO_GUEST);
    g_assert_cmphex(rd(&p, PT_DMA_STATUS), ==, PT_DMA_FAILED);

    /* Bus mastering off: no DMA at all. */
    cmd = qpci_config_readw(p.dev, PCI_COMMAND);
    qpci_config_writew(p.dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    wr(&p, PT_BUF, 0xdeadbeef);
    dma_cmd(&p, DMA_BASE + 0x80, 4, PT_DMA_TO_GUEST);
    g_assert_cmphex(rd(&p, PT_DMA_STATUS), ==, PT_DMA_FAILED);
    g_assert_cmphex(qtest_readl(p.qts, DMA_BASE + 0x80), ==, 0);
    dma_cmd(&p, DMA_BASE, 4, PT_DMA_FROM_GUEST);
    g_assert_cmphex(rd(&p, PT_DMA_STATUS), ==, PT_DMA_FAILED);
    g_assert_cmphex(rd(&p, PT_BUF), ==, 0xdeadbeef);
    qpci_config_writew(p.dev, PCI_COMMAND, cmd);
    dma_cmd(&p, DMA_BASE + 0x80, 4, PT_DMA_TO_GUEST);
    g_assert_cmphex(rd(&p, PT_DMA_STATUS), ==, PT_DMA_DONE);
    g_assert_cmphex(qtest_readl(p.qts, DMA_BASE + 0x80), ==, 0xdeadbeef);
    pt_close(&p);
}

/* ---- reset and migration ---------------------------------------------------- */

static void test_reset_disables_msix(void)
{
    Pt p;

    pt_open(&p, ",msix-vectors=4", true);
    program(&p, 0, true);
    wr(&p, PT_RAISE, 0);
    qtest_system_reset(p.qts);
    g_assert_cmphex(qpci_config_readw(p.dev, msix_cap(&p) + PCI_MSIX_FLAGS),
                    ==, 3);
    pt_close(&p);
}

static QPCIBar mem_bar_from_config(QPCIDevice *dev, int bar)
{
    QPCIBar b = {
        .addr = qpci_config_readl(dev, PCI_BASE_ADDRESS_0 + 4 * bar) &
                PCI_BASE_ADDRESS_MEM_MASK,
        .is_io = false,
    };
    return b;
}

static void test_migration_pending_vector(void)
{
    g_autofree char *file = mdev_qtest_temp_file("mdev-pcitest-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    Pt src, dst;

    pt_open(&src, ",msix-vectors=16", true);
    program(&src, 5, true);
    program(&src, 6, false);
    wr(&src, PT_RAISE, 5);
    g_assert_true(qpci_msix_pending(src.dev, 5));
    g_assert_false(landed(&src, 5));
    qtest_qmp_assert_success(src.qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    mdev_qtest_wait_migration(src.qts, "completed");
    pt_close(&src);

    dst.qts = qtest_initf("-M q35 -nodefaults -device mdev-pcitest,addr=04.0,"
                          "uuid=" PT_UUID ",msix-vectors=16 -incoming %s",
                          uri);
    mdev_qtest_wait_migration(dst.qts, "completed");
    unlink(file);
    dst.bus = qpci_new_pc(dst.qts, NULL);
    dst.dev = qpci_device_find(dst.bus, QPCI_DEVFN(4, 0));
    g_assert_nonnull(dst.dev);
    /* The BARs where the source's guest put them (migrated config). */
    dst.bar0 = mem_bar_from_config(dst.dev, 0);
    dst.dev->msix_table_bar = mem_bar_from_config(dst.dev, 2);
    dst.dev->msix_table_off = 0;
    dst.dev->msix_pba_bar = dst.bar0;
    dst.dev->msix_pba_off = 0x800;
    dst.dev->msix_enabled = true;
    g_assert_cmphex(qpci_config_readw(dst.dev, msix_cap(&dst) + PCI_MSIX_FLAGS),
                    ==, PCI_MSIX_FLAGS_ENABLE | 15);
    g_assert_cmphex(rd(&dst, PT_IRQ_INDEX), ==, PT_INDEX_MSIX);
    g_assert_true(qpci_msix_pending(dst.dev, 5));
    g_assert_true(qpci_msix_masked(dst.dev, 5));
    g_assert_false(landed(&dst, 5));
    /* Unmasked on the destination: the message the source held goes out. */
    set_masked(&dst, 5, false);
    g_assert_true(landed(&dst, 5));
    g_assert_false(qpci_msix_pending(dst.dev, 5));
    /* And the entries came over: vector 6 delivers at once. */
    wr(&dst, PT_RAISE, 6);
    g_assert_true(landed(&dst, 6));
    pt_close(&dst);
}

/* Where @name's length byte stands in a stream (QEMU writes a length, then the bytes). */
static const char *stream_find(const char *data, size_t len, const char *name)
{
    size_t n = strlen(name);
    g_autofree char *needle = g_malloc(n + 1);
    const char *at;

    needle[0] = n;
    memcpy(needle + 1, name, n);
    at = memmem(data, len, needle, n + 1);
    g_assert_nonnull(at);
    return at;
}

/*
 * Streams the destination must refuse, made from a real one: Message
 * Control with a bit no guest can set, and a table of another size.
 */
static void test_migration_hostile_streams(void)
{
    static const char idstr[] = "0000:00:04.0/mdev-vfio-msix";
    g_autofree char *file = mdev_qtest_temp_file("mdev-pcitest-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *dst = NULL;
    g_autofree gchar *data = NULL;
    size_t len;
    char *control;
    MdevQemuRun r;
    Pt src;

    pt_open(&src, ",msix-vectors=16", true);
    qtest_qmp_assert_success(src.qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    mdev_qtest_wait_migration(src.qts, "completed");
    pt_close(&src);
    g_assert_true(g_file_get_contents(file, &data, &len, NULL));

    /* A table of 8 entries cannot take a stream of 16. */
    dst = g_strdup_printf("-device mdev-pcitest,addr=04.0,id=dst,"
                          "msix-vectors=8 -incoming %s", uri);
    r = mdev_qtest_run_qemu_incoming(dst);
    g_test_message("args: %s\nstderr: %s", dst, r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "migration stream has an MSI-X table of "
                            "16 vectors; this function's has 8: refused\n"));
    mdev_qtest_run_free(&r);

    /* After the idstr: instance id, version, vectors (be32), control (be16). */
    control = (char *)stream_find(data, len, idstr) + 1 + strlen(idstr) + 12;
    g_assert_cmphex((uint8_t)control[0], ==, PCI_MSIX_FLAGS_ENABLE >> 8);
    control[1] = 0x01;
    g_assert_true(g_file_set_contents(file, data, len, NULL));
    g_free(dst);
    dst = g_strdup_printf("-device mdev-pcitest,addr=04.0,id=dst,"
                          "msix-vectors=16 -incoming %s", uri);
    r = mdev_qtest_run_qemu_incoming(dst);
    unlink(file);
    g_test_message("args: %s\nstderr: %s", dst, r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "mdev-pcitest 'dst': migration stream: "
                            "MSI-X state refused: Message Control has bits "
                            "other than enable and function mask\n"));
    mdev_qtest_run_free(&r);
}

static void test_bad_properties(void)
{
    static const char *const msix[] = {"msix-vectors", "2049", NULL};
    static const char *const msi[] = {"msi-vectors", "3", NULL};

    mdev_qtest_assert_fails("-device mdev-pcitest,msix-vectors=2049", msix);
    mdev_qtest_assert_fails("-device mdev-pcitest,msi-vectors=3", msi);
    mdev_qtest_assert_starts("-device mdev-pcitest,msi-vectors=32,"
                             "msix-vectors=2048");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev-pcitest/msix/capability", test_msix_capability);
    qtest_add_func("/mdev-pcitest/msix/delivers", test_msix_delivers);
    qtest_add_func("/mdev-pcitest/msix/mask-pending-unmask",
                   test_msix_mask_pending_unmask);
    qtest_add_func("/mdev-pcitest/msix/2048-vectors", test_msix_2048_vectors);
    qtest_add_func("/mdev-pcitest/msix/hostile-table-accesses",
                   test_msix_hostile_table_accesses);
    qtest_add_func("/mdev-pcitest/intx-msix-msi-intx", test_intx_msix_msi_intx);
    qtest_add_func("/mdev-pcitest/dma-and-bus-master", test_dma_and_bus_master);
    qtest_add_func("/mdev-pcitest/reset", test_reset_disables_msix);
    qtest_add_func("/mdev-pcitest/migration-pending-vector",
                   test_migration_pending_vector);
    qtest_add_func("/mdev-pcitest/migration-hostile-streams",
                   test_migration_hostile_streams);
    qtest_add_func("/mdev-pcitest/bad-properties", test_bad_properties);
    qtest_add_func("/mdev-pcitest/msi-mask-pending", test_msi_mask_pending);
    qtest_add_func("/mdev-pcitest/msix/message-at-own-table",
                   test_msix_message_at_own_table);
    return g_test_run();
}
