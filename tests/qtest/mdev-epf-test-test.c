/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for -device mdev-epf-test (hw/mdev/samples/epf-test: Linux's PCI
 * endpoint test function, as pci_endpoint_test drives it): its BARs, its
 * raise commands, READ/WRITE/COPY with crc32 and the DMA flag, hostile
 * register values; and through it the vfio frontend's MSI-X, MSI, INTx
 * switching, DMA checks, reset and migration. With libqos's own MSI-X
 * helpers, as QEMU's virtio qtests use them: messages are aimed at guest
 * RAM, so one that is sent lands there as a 32-bit write that the test
 * reads back.
 *
 * INTx: slot 4 of a q35, INTA# is GSI 20 with no programming.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "mdev-qtest-common.h"

#define EP_UUID "5e7c0a10-1d2e-4f30-9a4b-0000000000a1"
#define EP_GSI 20

/* pci-epf-test's registers (drivers/misc/pci_endpoint_test.c's names). */
enum {
    PCI_ENDPOINT_TEST_MAGIC = 0x00,
    PCI_ENDPOINT_TEST_COMMAND = 0x04,
    PCI_ENDPOINT_TEST_STATUS = 0x08,
    PCI_ENDPOINT_TEST_LOWER_SRC_ADDR = 0x0c,
    PCI_ENDPOINT_TEST_UPPER_SRC_ADDR = 0x10,
    PCI_ENDPOINT_TEST_LOWER_DST_ADDR = 0x14,
    PCI_ENDPOINT_TEST_UPPER_DST_ADDR = 0x18,
    PCI_ENDPOINT_TEST_SIZE = 0x1c,
    PCI_ENDPOINT_TEST_CHECKSUM = 0x20,
    PCI_ENDPOINT_TEST_IRQ_TYPE = 0x24,
    PCI_ENDPOINT_TEST_IRQ_NUMBER = 0x28,
    PCI_ENDPOINT_TEST_FLAGS = 0x2c,
};
#define COMMAND_RAISE_LEGACY_IRQ (1u << 0)
#define COMMAND_RAISE_MSI_IRQ (1u << 1)
#define COMMAND_RAISE_MSIX_IRQ (1u << 2)
#define COMMAND_READ (1u << 3)
#define COMMAND_WRITE (1u << 4)
#define COMMAND_COPY (1u << 5)
#define STATUS_READ_SUCCESS (1u << 0)
#define STATUS_READ_FAIL (1u << 1)
#define STATUS_WRITE_SUCCESS (1u << 2)
#define STATUS_WRITE_FAIL (1u << 3)
#define STATUS_COPY_SUCCESS (1u << 4)
#define STATUS_COPY_FAIL (1u << 5)
#define STATUS_IRQ_RAISED (1u << 6)
#define STATUS_SRC_ADDR_INVALID (1u << 7)
#define STATUS_DST_ADDR_INVALID (1u << 8)
#define IRQ_TYPE_LEGACY 0
#define IRQ_TYPE_MSI 1
#define IRQ_TYPE_MSIX 2
#define FLAG_USE_DMA (1u << 0)

/* pci-epf-test's bar_size[] for BAR1..5. */
static const uint64_t bar_size[6] = {0, 512, 1024, 16384, 131072, 1048576};

/* Where messages land: guest RAM, one dword per vector. */
#define MSG_BASE 0x200000ULL
#define DMA_BASE 0x300000ULL

typedef struct Ep {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar0;
} Ep;

static void ep_attach(Ep *p, bool msix)
{
    p->bus = qpci_new_pc(p->qts, NULL);
    p->dev = mdev_qtest_find_fn(p->bus, 4);
    g_assert_cmphex(qpci_config_readw(p->dev, PCI_VENDOR_ID), ==, 0x104c);
    g_assert_cmphex(qpci_config_readw(p->dev, PCI_DEVICE_ID), ==, 0xb500);
    qpci_device_enable(p->dev);
    if (msix) {
        /* Maps BAR0: registers, table and PBA. */
        qpci_msix_enable(p->dev);
        p->bar0 = p->dev->msix_table_bar;
    } else {
        p->bar0 = qpci_iomap(p->dev, 0, NULL);
    }
    qtest_irq_intercept_in(p->qts, "ioapic");
}

static void ep_open(Ep *p, const char *props, bool msix)
{
    p->qts = qtest_initf("-M q35 -nodefaults -device mdev-epf-test,addr=04.0,"
                         "uuid=" EP_UUID "%s", props);
    ep_attach(p, msix);
}

static void ep_close(Ep *p)
{
    mdev_qtest_close(p->qts, p->bus, p->dev);
}

static uint32_t rd(Ep *p, uint64_t reg)
{
    return qpci_io_readl(p->dev, p->bar0, reg);
}

static void wr(Ep *p, uint64_t reg, uint32_t v)
{
    qpci_io_writel(p->dev, p->bar0, reg, v);
}

/* A command as pci_endpoint_test issues it; returns STATUS after it. */
static uint32_t command(Ep *p, uint32_t type, uint32_t number, uint32_t cmd)
{
    wr(p, PCI_ENDPOINT_TEST_IRQ_TYPE, type);
    wr(p, PCI_ENDPOINT_TEST_IRQ_NUMBER, number);
    wr(p, PCI_ENDPOINT_TEST_COMMAND, cmd);
    g_assert_cmphex(rd(p, PCI_ENDPOINT_TEST_COMMAND), ==, 0);
    return rd(p, PCI_ENDPOINT_TEST_STATUS);
}

/* MSI-X vector @vector (0-based; the command's numbers are 1-based). */
static uint32_t raise_msix(Ep *p, uint16_t vector)
{
    return command(p, IRQ_TYPE_MSIX, vector + 1, COMMAND_RAISE_MSIX_IRQ);
}

static uint32_t raise_msi(Ep *p, uint16_t vector)
{
    return command(p, IRQ_TYPE_MSI, vector + 1, COMMAND_RAISE_MSI_IRQ);
}

static uint32_t raise_intx(Ep *p)
{
    return command(p, IRQ_TYPE_LEGACY, 0, COMMAND_RAISE_LEGACY_IRQ);
}

/* The host driver's interrupt handler: STATUS back without IRQ_RAISED. */
static void ack(Ep *p)
{
    wr(p, PCI_ENDPOINT_TEST_STATUS,
       rd(p, PCI_ENDPOINT_TEST_STATUS) & ~STATUS_IRQ_RAISED);
}

static uint64_t msg_addr(uint16_t vector)
{
    return MSG_BASE + 4 * vector;
}

/* Entry @vector aimed at its dword of RAM, data 0xd000 + vector. */
static void program(Ep *p, uint16_t vector, bool masked)
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

static void set_masked(Ep *p, uint16_t vector, bool masked)
{
    qpci_io_writel(p->dev, p->dev->msix_table_bar,
                   p->dev->msix_table_off + vector * PCI_MSIX_ENTRY_SIZE +
                   PCI_MSIX_ENTRY_VECTOR_CTRL, masked);
}

static bool landed(Ep *p, uint16_t vector)
{
    return qtest_readl(p->qts, msg_addr(vector)) == 0xd000u + vector;
}

static void clear_landed(Ep *p, uint16_t vector)
{
    qtest_writel(p->qts, msg_addr(vector), 0);
}

static uint8_t msix_cap(Ep *p)
{
    uint8_t cap = qpci_find_capability(p->dev, PCI_CAP_ID_MSIX, 0);

    g_assert_cmphex(cap, !=, 0);
    return cap;
}

/* crc32_le(~0, data, len) of <linux/crc32.h>: no final inversion. */
static uint32_t crc32_le_seeded(const uint8_t *data, size_t len)
{
    uint32_t crc = ~0u;

    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
        }
    }
    return crc;
}

/* ---- the BARs, as pci_endpoint_test's BAR test ----------------------------- */

static void test_bars(void)
{
    Ep p;

    ep_open(&p, ",msix-vectors=0", false);
    /* The register BAR: MAGIC only, a scratch register (0 at power-on). */
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_MAGIC), ==, 0);
    wr(&p, PCI_ENDPOINT_TEST_MAGIC, 0xa0a0a0a0);
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_MAGIC), ==, 0xa0a0a0a0);
    for (int b = 1; b < 6; b++) {
        uint64_t size;
        QPCIBar bar = qpci_iomap(p.dev, b, &size);

        g_assert_cmpuint(size, ==, bar_size[b]);
        /* First, last and a middle dword of each (the whole BAR in the guest case). */
        qpci_io_writel(p.dev, bar, 0, 0xa0a0a0a0);
        qpci_io_writel(p.dev, bar, size / 2, 0x5a5a0000 + b);
        qpci_io_writel(p.dev, bar, size - 4, 0xa0a0a0a0);
        g_assert_cmphex(qpci_io_readl(p.dev, bar, 0), ==, 0xa0a0a0a0);
        g_assert_cmphex(qpci_io_readl(p.dev, bar, size / 2), ==, 0x5a5a0000 + b);
        g_assert_cmphex(qpci_io_readl(p.dev, bar, size - 4), ==, 0xa0a0a0a0);
        /* Bytes and quads are memory too. */
        qpci_io_writeb(p.dev, bar, 5, 0x77);
        g_assert_cmphex(qpci_io_readb(p.dev, bar, 5), ==, 0x77);
        qpci_io_writeq(p.dev, bar, 8, 0x1122334455667788ULL);
        g_assert_cmphex(qpci_io_readq(p.dev, bar, 8), ==, 0x1122334455667788ULL);
    }
    /* A reset zeroes them. */
    qtest_system_reset(p.qts);
    qpci_device_enable(p.dev);
    p.bar0 = qpci_iomap(p.dev, 0, NULL);
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_MAGIC), ==, 0);
    ep_close(&p);
}

/* ---- MSI-X ---------------------------------------------------------------- */

/* pci-epf-test's layout: the table right after the 128 bytes of registers. */
static void test_msix_capability(void)
{
    Ep p;
    uint8_t cap;

    ep_open(&p, ",msix-vectors=8", false);
    cap = msix_cap(&p);
    g_assert_cmphex(qpci_config_readw(p.dev, cap + PCI_MSIX_FLAGS), ==, 7);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSIX_TABLE), ==, 0x80);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSIX_PBA), ==,
                    0x80 + 8 * PCI_MSIX_ENTRY_SIZE);
    /* Enable and function mask are writable; the table size is not. */
    qpci_config_writew(p.dev, cap + PCI_MSIX_FLAGS, 0xffff);
    g_assert_cmphex(qpci_config_readw(p.dev, cap + PCI_MSIX_FLAGS), ==,
                    PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 7);
    qpci_config_writew(p.dev, cap + PCI_MSIX_FLAGS, 0);
    ep_close(&p);
}

static void test_msix_delivers(void)
{
    Ep p;

    ep_open(&p, ",msix-vectors=4", true);
    g_assert_cmphex(p.dev->msix_table_off, ==, 0x80);
    program(&p, 2, false);
    g_assert_false(landed(&p, 2));
    g_assert_cmphex(raise_msix(&p, 2), ==, STATUS_IRQ_RAISED);
    g_assert_true(landed(&p, 2));
    g_assert_false(qpci_msix_pending(p.dev, 2));
    /* INTx stays quiet while MSI-X is on. */
    g_assert_false(qtest_get_irq(p.qts, EP_GSI));
    /* The registers in front of the table are still the function's. */
    wr(&p, PCI_ENDPOINT_TEST_MAGIC, 0x12345678);
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_MAGIC), ==, 0x12345678);
    ep_close(&p);
}

static void test_msix_mask_pending_unmask(void)
{
    Ep p;

    ep_open(&p, ",msix-vectors=4", true);
    program(&p, 1, true);
    g_assert_true(qpci_msix_masked(p.dev, 1));
    raise_msix(&p, 1);
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
    raise_msix(&p, 1);
    g_assert_false(landed(&p, 1));
    g_assert_true(qpci_msix_pending(p.dev, 1));
    qpci_config_writew(p.dev, msix_cap(&p) + PCI_MSIX_FLAGS,
                       PCI_MSIX_FLAGS_ENABLE);
    g_assert_true(landed(&p, 1));
    g_assert_false(qpci_msix_pending(p.dev, 1));
    ep_close(&p);
}

static void test_msix_2048_vectors(void)
{
    Ep p;

    ep_open(&p, ",msix-vectors=2048", true);
    g_assert_cmpuint(qpci_msix_table_size(p.dev), ==, 2048);
    program(&p, 2047, false);
    g_assert_cmphex(raise_msix(&p, 2047), ==, STATUS_IRQ_RAISED);
    g_assert_true(landed(&p, 2047));
    program(&p, 0, false);
    raise_msix(&p, 0);
    g_assert_true(landed(&p, 0));
    /* Past the table: refused by the function, not raised, no abort. */
    g_assert_cmphex(raise_msix(&p, 2048), ==, 0);
    g_assert_cmphex(command(&p, IRQ_TYPE_MSIX, 0, COMMAND_RAISE_MSIX_IRQ), ==, 0);
    ep_close(&p);
}

static void test_msix_hostile_table_accesses(void)
{
    Ep p;
    QPCIBar t;
    uint64_t off;

    ep_open(&p, ",msix-vectors=2", true);
    t = p.dev->msix_table_bar;
    off = p.dev->msix_table_off;
    program(&p, 0, true);
    /* Byte and word accesses, misaligned dwords. */
    g_assert_cmphex(qpci_io_readb(p.dev, t, off + PCI_MSIX_ENTRY_DATA), ==, 0xff);
    g_assert_cmphex(qpci_io_readw(p.dev, t, off + PCI_MSIX_ENTRY_DATA), ==, 0xffff);
    qpci_io_writeb(p.dev, t, off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    qpci_io_writew(p.dev, t, off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    qpci_io_writel(p.dev, t, off + PCI_MSIX_ENTRY_DATA + 1, 0);
    /* The PBA is read-only. */
    qpci_io_writel(p.dev, p.bar0, p.dev->msix_pba_off, 0xffffffff);
    g_assert_false(qpci_msix_pending(p.dev, 0));
    /* None of that unmasked or changed vector 0. */
    g_assert_true(qpci_msix_masked(p.dev, 0));
    g_assert_cmphex(qpci_io_readl(p.dev, t, off + PCI_MSIX_ENTRY_DATA), ==, 0xd000);
    raise_msix(&p, 0);
    g_assert_false(landed(&p, 0));
    g_assert_true(qpci_msix_pending(p.dev, 0));
    ep_close(&p);
}

/* ---- the table where pci-epf-test puts it -------------------------------- */

#define PAGE 0x1000

/*
 * One vector whose entry starts on each page of the table, and the last:
 * its entry read back, a raise (through the registers, which share the
 * table's first page) while masked leaves it pending in the PBA and nothing
 * lands, the unmask sends it and clears the bit.
 */
static void check_every_table_page(Ep *p)
{
    uint64_t toff = p->dev->msix_table_off;
    uint16_t n = qpci_msix_table_size(p->dev);
    uint64_t end = toff + (uint64_t)n * PCI_MSIX_ENTRY_SIZE;
    uint64_t page;
    unsigned checked = 0;

    for (page = toff / PAGE * PAGE; page <= end; page += PAGE) {
        uint16_t v = page <= toff ? 0 :
                     (page - toff + PCI_MSIX_ENTRY_SIZE - 1) / PCI_MSIX_ENTRY_SIZE;

        if (page + PAGE > end) {
            v = n - 1;
        }
        program(p, v, true);
        g_assert_cmphex(qpci_io_readl(p->dev, p->dev->msix_table_bar,
                                      toff + v * PCI_MSIX_ENTRY_SIZE +
                                      PCI_MSIX_ENTRY_DATA), ==, 0xd000 + v);
        g_assert_true(qpci_msix_masked(p->dev, v));
        g_assert_cmphex(raise_msix(p, v), ==, STATUS_IRQ_RAISED);
        g_assert_false(landed(p, v));
        g_assert_true(qpci_msix_pending(p->dev, v));
        set_masked(p, v, false);
        g_assert_true(landed(p, v));
        g_assert_false(qpci_msix_pending(p->dev, v));
        clear_landed(p, v);
        raise_msix(p, v);
        g_assert_true(landed(p, v));
        checked++;
        if (v == n - 1) {
            break;
        }
    }
    g_assert_cmpuint(checked, ==, (end - 1) / PAGE - toff / PAGE + 1);
}

/*
 * 2048 vectors: the table at BAR0 + 0x80 (nine pages, the first shared
 * with the registers) and the PBA right after it at 0x8080, as
 * pci-epf-test lays them out. Under TCG this layout once aborted QEMU on
 * the table's second page; qtest has no CPU TLB, so the guest case
 * msix-epf-layout is that regression, this one the frontend's routing.
 */
static void test_msix_epf_layout_2048(void)
{
    Ep p;
    QPCIBar t;

    ep_open(&p, "", true);
    t = p.dev->msix_table_bar;
    g_assert_cmpuint(qpci_msix_table_size(p.dev), ==, 2048);
    g_assert_cmphex(p.dev->msix_table_off, ==, 0x80);
    g_assert_cmphex(p.dev->msix_pba_off, ==, 0x8080);
    g_assert_cmphex(p.dev->msix_pba_bar.addr, ==, t.addr);
    /* The registers below the table, on its page, are the function's. */
    wr(&p, PCI_ENDPOINT_TEST_MAGIC, 0xa0a0a0a0);
    g_assert_cmphex(qpci_io_readl(p.dev, t, PCI_ENDPOINT_TEST_MAGIC), ==, 0xa0a0a0a0);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x7c), ==, 0);
    check_every_table_page(&p);
    /* Vector 2047's pending bit is the PBA's last: BAR0 + 0x817f. */
    program(&p, 2047, true);
    raise_msix(&p, 2047);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x817c), ==, 0x80000000);
    set_masked(&p, 2047, false);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x817c), ==, 0);
    /* Past the PBA, on its page: the function's (unused) memory again. */
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x8180), ==, 0);
    qpci_io_writel(p.dev, t, 0x8180, 0x12345678);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x8180), ==, 0);
    /*
     * A quadword right below the table is the registers' (unused memory:
     * reads 0, a write refused); the table's first entry is untouched.
     */
    qpci_io_writeq(p.dev, t, 0x78, UINT64_MAX);
    g_assert_cmphex(qpci_io_readq(p.dev, t, 0x78), ==, 0);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x80 + PCI_MSIX_ENTRY_LOWER_ADDR),
                    ==, msg_addr(0));
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_MAGIC), ==, 0xa0a0a0a0);
    ep_close(&p);
}

/*
 * Registers, table and PBA on one page: 8 vectors, registers 0..0x7f,
 * table 0x80..0xff, PBA at 0x100, unused register memory after it.
 */
static void test_msix_one_page_with_registers(void)
{
    Ep p;
    QPCIBar t;

    ep_open(&p, ",msix-vectors=8", true);
    t = p.dev->msix_table_bar;
    g_assert_cmphex(p.dev->msix_table_off, ==, 0x80);
    g_assert_cmphex(p.dev->msix_pba_off, ==, 0x100);
    check_every_table_page(&p);
    /* Registers in front of the MSI-X bytes, in the same page. */
    qpci_io_writel(p.dev, t, PCI_ENDPOINT_TEST_SIZE, 0x40);
    g_assert_cmphex(qpci_io_readl(p.dev, t, PCI_ENDPOINT_TEST_SIZE), ==, 0x40);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x108), ==, 0);
    /* The PBA between them is read-only and says what is pending. */
    program(&p, 3, true);
    raise_msix(&p, 3);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x100), ==, 1u << 3);
    qpci_io_writel(p.dev, t, 0x100, 0);
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x100), ==, 1u << 3);
    set_masked(&p, 3, false);
    g_assert_true(landed(&p, 3));
    g_assert_cmphex(qpci_io_readl(p.dev, t, 0x100), ==, 0);
    ep_close(&p);
}

/* ---- switching ------------------------------------------------------------ */

static void msi_setup(Ep *p, uint64_t addr, uint16_t data)
{
    uint8_t cap = qpci_find_capability(p->dev, PCI_CAP_ID_MSI, 0);

    g_assert_cmphex(cap, !=, 0);
    qpci_config_writel(p->dev, cap + PCI_MSI_ADDRESS_LO, addr & 0xffffffff);
    qpci_config_writel(p->dev, cap + PCI_MSI_ADDRESS_HI, addr >> 32);
    qpci_config_writew(p->dev, cap + PCI_MSI_DATA_64, data);
}

static void msi_enable(Ep *p, bool on)
{
    uint8_t cap = qpci_find_capability(p->dev, PCI_CAP_ID_MSI, 0);
    uint16_t flags = qpci_config_readw(p->dev, cap + PCI_MSI_FLAGS);

    flags &= ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    qpci_config_writew(p->dev, cap + PCI_MSI_FLAGS,
                       flags | (on ? PCI_MSI_FLAGS_ENABLE : 0));
}

static void test_intx_msix_msi_intx(void)
{
    Ep p;
    uint8_t cap;

    ep_open(&p, ",msi-vectors=1,msix-vectors=1", false);
    cap = msix_cap(&p);
    /* INTx: asserted until the handler clears IRQ_RAISED. */
    g_assert_cmphex(raise_intx(&p), ==, STATUS_IRQ_RAISED);
    g_assert_true(qtest_get_irq(p.qts, EP_GSI));
    ack(&p);
    g_assert_false(qtest_get_irq(p.qts, EP_GSI));
    /* A raise of a kind the host has not enabled: nothing arrives. */
    raise_msi(&p, 0);
    g_assert_false(qtest_get_irq(p.qts, EP_GSI));

    qpci_msix_enable(p.dev);
    p.bar0 = p.dev->msix_table_bar;
    program(&p, 0, false);
    raise_msix(&p, 0);
    g_assert_true(landed(&p, 0));
    g_assert_false(qtest_get_irq(p.qts, EP_GSI));

    qpci_config_writew(p.dev, cap + PCI_MSIX_FLAGS, 0);
    msi_setup(&p, MSG_BASE + 0x100, 0x5a5a);
    msi_enable(&p, true);
    raise_msi(&p, 0);
    g_assert_cmphex(qtest_readl(p.qts, MSG_BASE + 0x100), ==, 0x5a5a);

    msi_enable(&p, false);
    raise_intx(&p);
    g_assert_true(qtest_get_irq(p.qts, EP_GSI));
    /* A new command clears STATUS, and with it the line. */
    wr(&p, PCI_ENDPOINT_TEST_COMMAND, COMMAND_RAISE_MSI_IRQ);
    g_assert_false(qtest_get_irq(p.qts, EP_GSI));
    ep_close(&p);
}

/* MSI with per-vector masking: QEMU's msi.c behind the frontend's routing. */
static void test_msi_mask_pending(void)
{
    Ep p;
    uint8_t cap;
    uint16_t flags;

    ep_open(&p, ",msi-vectors=4,msix-vectors=0", false);
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
    raise_msi(&p, 1);
    g_assert_cmphex(qtest_readl(p.qts, MSG_BASE + 0x40), ==, 0);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSI_PENDING_64), ==,
                    1u << 1);
    qpci_config_writel(p.dev, cap + PCI_MSI_MASK_64, 0);
    /* Vector 1's message: the data with its low bits replaced by 1. */
    g_assert_cmphex(qtest_readl(p.qts, MSG_BASE + 0x40), ==, 0x7701);
    g_assert_cmphex(qpci_config_readl(p.dev, cap + PCI_MSI_PENDING_64), ==, 0);
    /* Vector 3 is past the two enabled: a guest error, no abort. */
    raise_msi(&p, 3);
    /* Number 33 is past the function's 32 at all: not raised. */
    g_assert_cmphex(command(&p, IRQ_TYPE_MSI, 33, COMMAND_RAISE_MSI_IRQ), ==, 0);
    ep_close(&p);
}

/*
 * A hostile guest aims vector 0 at the device's own table, at the vector
 * control word of vector 1 (masked, pending): the message is an MMIO write
 * into the device while it is raising the interrupt. QEMU's re-entrancy
 * guard refuses the nested access; nothing crashes and the state holds.
 */
static void test_msix_message_at_own_table(void)
{
    Ep p;
    uint64_t ctrl1;
    uint64_t off;

    ep_open(&p, ",msix-vectors=4", true);
    off = p.dev->msix_table_off;
    program(&p, 1, true);
    raise_msix(&p, 1);
    g_assert_true(qpci_msix_pending(p.dev, 1));
    ctrl1 = p.dev->msix_table_bar.addr + off + PCI_MSIX_ENTRY_SIZE +
            PCI_MSIX_ENTRY_VECTOR_CTRL;
    qpci_io_writel(p.dev, p.dev->msix_table_bar, off + PCI_MSIX_ENTRY_LOWER_ADDR,
                   ctrl1 & 0xffffffff);
    qpci_io_writel(p.dev, p.dev->msix_table_bar, off + PCI_MSIX_ENTRY_UPPER_ADDR,
                   ctrl1 >> 32);
    qpci_io_writel(p.dev, p.dev->msix_table_bar, off + PCI_MSIX_ENTRY_DATA, 0);
    qpci_io_writel(p.dev, p.dev->msix_table_bar, off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    raise_msix(&p, 0);
    g_assert_true(qpci_msix_masked(p.dev, 1));
    g_assert_true(qpci_msix_pending(p.dev, 1));
    g_assert_false(landed(&p, 1));
    set_masked(&p, 1, false);
    g_assert_true(landed(&p, 1));
    ep_close(&p);
}

/*
 * The same with the message aimed at the function's own COMMAND register:
 * the command it writes runs after the one in progress, once, and the
 * function keeps working.
 */
static void test_msix_message_at_own_command(void)
{
    Ep p;
    uint64_t cmd_addr;
    uint64_t off;

    ep_open(&p, ",msix-vectors=4", true);
    off = p.dev->msix_table_off;
    cmd_addr = p.bar0.addr + PCI_ENDPOINT_TEST_COMMAND;
    qpci_io_writel(p.dev, p.bar0, off + PCI_MSIX_ENTRY_LOWER_ADDR, cmd_addr & 0xffffffff);
    qpci_io_writel(p.dev, p.bar0, off + PCI_MSIX_ENTRY_UPPER_ADDR, cmd_addr >> 32);
    /* Data: RAISE_MSIX_IRQ again, with IRQ_NUMBER still 1: a loop. */
    qpci_io_writel(p.dev, p.bar0, off + PCI_MSIX_ENTRY_DATA, COMMAND_RAISE_MSIX_IRQ);
    qpci_io_writel(p.dev, p.bar0, off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    raise_msix(&p, 0);
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_COMMAND), ==, 0);
    program(&p, 2, false);
    g_assert_cmphex(raise_msix(&p, 2), ==, STATUS_IRQ_RAISED);
    g_assert_true(landed(&p, 2));
    ep_close(&p);
}

/* ---- READ / WRITE / COPY --------------------------------------------------- */

static void set_addr(Ep *p, uint32_t lo_reg, uint64_t addr)
{
    wr(p, lo_reg, addr & 0xffffffff);
    wr(p, lo_reg + 4, addr >> 32);
}

static uint32_t xfer(Ep *p, uint32_t cmd, uint64_t src, uint64_t dst,
                     uint32_t size, bool dma)
{
    uint32_t status;

    set_addr(p, PCI_ENDPOINT_TEST_LOWER_SRC_ADDR, src);
    set_addr(p, PCI_ENDPOINT_TEST_LOWER_DST_ADDR, dst);
    wr(p, PCI_ENDPOINT_TEST_SIZE, size);
    wr(p, PCI_ENDPOINT_TEST_FLAGS, dma ? FLAG_USE_DMA : 0);
    status = command(p, IRQ_TYPE_LEGACY, 1, cmd);
    /* Every transfer ends with the interrupt asked for. */
    g_assert_true(status & STATUS_IRQ_RAISED);
    g_assert_true(qtest_get_irq(p->qts, EP_GSI));
    ack(p);
    g_assert_false(qtest_get_irq(p->qts, EP_GSI));
    return status & ~STATUS_IRQ_RAISED;
}

static void fill(Ep *p, uint64_t addr, uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed + i * 7 + (i >> 8));
    }
    qtest_memwrite(p->qts, addr, buf, len);
}

static void test_transfers(void)
{
    static const uint32_t sizes[] = {1, 1024, 1025, 65536 + 3};
    Ep p;

    ep_open(&p, ",msix-vectors=0", false);
    for (int dma = 0; dma < 2; dma++) {
        for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
            uint32_t n = sizes[i];
            g_autofree uint8_t *src = g_malloc(n);
            g_autofree uint8_t *out = g_malloc(n);

            /* READ: the function checks the crc32 the host wrote. */
            fill(&p, DMA_BASE, src, n, 3 * i + dma);
            wr(&p, PCI_ENDPOINT_TEST_CHECKSUM, crc32_le_seeded(src, n));
            g_assert_cmphex(xfer(&p, COMMAND_READ, DMA_BASE, 0, n, dma), ==,
                            STATUS_READ_SUCCESS);
            wr(&p, PCI_ENDPOINT_TEST_CHECKSUM, crc32_le_seeded(src, n) ^ 1);
            g_assert_cmphex(xfer(&p, COMMAND_READ, DMA_BASE, 0, n, dma), ==,
                            STATUS_READ_FAIL);

            /* WRITE: the host checks the crc32 the function left. */
            g_assert_cmphex(xfer(&p, COMMAND_WRITE, 0, DMA_BASE + 0x100000, n, dma),
                            ==, STATUS_WRITE_SUCCESS);
            qtest_memread(p.qts, DMA_BASE + 0x100000, out, n);
            g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_CHECKSUM), ==,
                            crc32_le_seeded(out, n));

            /* COPY. */
            g_assert_cmphex(xfer(&p, COMMAND_COPY, DMA_BASE, DMA_BASE + 0x200000, n,
                                 dma), ==, STATUS_COPY_SUCCESS);
            qtest_memread(p.qts, DMA_BASE + 0x200000, out, n);
            g_assert_cmpmem(out, n, src, n);
        }
    }
    /* crc32_le(~0, "123456789"): the check value of CRC-32, not inverted. */
    qtest_memwrite(p.qts, DMA_BASE, "123456789", 9);
    wr(&p, PCI_ENDPOINT_TEST_CHECKSUM, ~0xcbf43926u);
    g_assert_cmphex(xfer(&p, COMMAND_READ, DMA_BASE, 0, 9, true), ==,
                    STATUS_READ_SUCCESS);
    ep_close(&p);
}

/* What a hostile guest can ask: each fails with status bits, nothing aborts. */
static void test_hostile_transfers(void)
{
    Ep p;
    uint16_t cmd;

    ep_open(&p, ",msix-vectors=0", false);
    /* Outside RAM (the IOAPIC's page, the function's own BAR0). */
    g_assert_cmphex(xfer(&p, COMMAND_COPY, 0xfec00000, DMA_BASE, 4, true), ==,
                    STATUS_SRC_ADDR_INVALID | STATUS_COPY_FAIL);
    g_assert_cmphex(xfer(&p, COMMAND_WRITE, 0, p.bar0.addr, 16, false), ==,
                    STATUS_DST_ADDR_INVALID | STATUS_WRITE_FAIL);
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_MAGIC), ==, 0);
    /* Past 4 GiB of address space and past the function's size limit. */
    g_assert_cmphex(xfer(&p, COMMAND_READ, ~0ULL - 2, 0, 16, true), ==,
                    STATUS_SRC_ADDR_INVALID | STATUS_READ_FAIL);
    g_assert_cmphex(xfer(&p, COMMAND_WRITE, 0, DMA_BASE, 0xffffffff, true), ==,
                    STATUS_DST_ADDR_INVALID | STATUS_WRITE_FAIL);
    g_assert_cmphex(xfer(&p, COMMAND_COPY, DMA_BASE, DMA_BASE, (4u << 20) + 1, false),
                    ==, STATUS_SRC_ADDR_INVALID | STATUS_COPY_FAIL);
    /* An unknown IRQ type: the command is dropped, no status, no interrupt. */
    wr(&p, PCI_ENDPOINT_TEST_IRQ_TYPE, 7);
    wr(&p, PCI_ENDPOINT_TEST_COMMAND, COMMAND_COPY);
    g_assert_cmphex(rd(&p, PCI_ENDPOINT_TEST_STATUS), ==, 0);
    /* No command bit it knows. */
    g_assert_cmphex(command(&p, IRQ_TYPE_LEGACY, 0, 1u << 20), ==, 0);
    g_assert_false(qtest_get_irq(p.qts, EP_GSI));

    /* Bus mastering off: no DMA at all. */
    cmd = qpci_config_readw(p.dev, PCI_COMMAND);
    qpci_config_writew(p.dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    g_assert_cmphex(xfer(&p, COMMAND_WRITE, 0, DMA_BASE + 0x80, 4, true), ==,
                    STATUS_DST_ADDR_INVALID | STATUS_WRITE_FAIL);
    g_assert_cmphex(qtest_readl(p.qts, DMA_BASE + 0x80), ==, 0);
    qpci_config_writew(p.dev, PCI_COMMAND, cmd);
    g_assert_cmphex(xfer(&p, COMMAND_WRITE, 0, DMA_BASE + 0x80, 4, true), ==,
                    STATUS_WRITE_SUCCESS);
    g_assert_cmphex(qtest_readl(p.qts, DMA_BASE + 0x80), !=, 0);
    ep_close(&p);
}

/* ---- reset and migration ---------------------------------------------------- */

static void test_reset_disables_msix(void)
{
    Ep p;

    ep_open(&p, ",msix-vectors=4", true);
    program(&p, 0, true);
    raise_msix(&p, 0);
    qtest_system_reset(p.qts);
    g_assert_cmphex(qpci_config_readw(p.dev, msix_cap(&p) + PCI_MSIX_FLAGS),
                    ==, 3);
    ep_close(&p);
}

static void test_migration_pending_vector(void)
{
    g_autofree char *file = mdev_qtest_temp_file("mdev-epf-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    Ep src, dst;
    QPCIBar bar5;
    uint64_t table_off, pba_off;

    ep_open(&src, ",msix-vectors=16", true);
    table_off = src.dev->msix_table_off;
    pba_off = src.dev->msix_pba_off;
    program(&src, 5, true);
    program(&src, 6, false);
    raise_msix(&src, 5);
    g_assert_true(qpci_msix_pending(src.dev, 5));
    g_assert_false(landed(&src, 5));
    wr(&src, PCI_ENDPOINT_TEST_MAGIC, 0xa0a0a0a0);
    bar5 = qpci_iomap(src.dev, 5, NULL);
    qpci_io_writel(src.dev, bar5, 0xffffc, 0x0badf00d);
    mdev_qtest_migrate(src.qts, uri);
    ep_close(&src);

    dst.qts = qtest_initf("-M q35 -nodefaults -device mdev-epf-test,addr=04.0,"
                          "uuid=" EP_UUID ",msix-vectors=16 -incoming %s",
                          uri);
    mdev_qtest_wait_migration(dst.qts, "completed");
    unlink(file);
    dst.bus = qpci_new_pc(dst.qts, NULL);
    dst.dev = mdev_qtest_find_fn(dst.bus, 4);
    /* The BARs where the source's guest put them (migrated config). */
    dst.bar0 = mdev_qtest_bar_as_configured(dst.dev, 0);
    dst.dev->msix_table_bar = dst.bar0;
    dst.dev->msix_table_off = table_off;
    dst.dev->msix_pba_bar = dst.bar0;
    dst.dev->msix_pba_off = pba_off;
    dst.dev->msix_enabled = true;
    g_assert_cmphex(qpci_config_readw(dst.dev, msix_cap(&dst) + PCI_MSIX_FLAGS),
                    ==, PCI_MSIX_FLAGS_ENABLE | 15);
    g_assert_true(qpci_msix_pending(dst.dev, 5));
    g_assert_true(qpci_msix_masked(dst.dev, 5));
    g_assert_false(landed(&dst, 5));
    /* The registers and BAR memory came over. */
    g_assert_cmphex(rd(&dst, PCI_ENDPOINT_TEST_MAGIC), ==, 0xa0a0a0a0);
    g_assert_cmphex(rd(&dst, PCI_ENDPOINT_TEST_STATUS), ==, STATUS_IRQ_RAISED);
    bar5 = mdev_qtest_bar_as_configured(dst.dev, 5);
    g_assert_cmphex(qpci_io_readl(dst.dev, bar5, 0xffffc), ==, 0x0badf00d);
    /* Unmasked on the destination: the message the source held goes out. */
    set_masked(&dst, 5, false);
    g_assert_true(landed(&dst, 5));
    g_assert_false(qpci_msix_pending(dst.dev, 5));
    /* And the entries came over: vector 6 delivers at once. */
    raise_msix(&dst, 6);
    g_assert_true(landed(&dst, 6));
    ep_close(&dst);
}

/*
 * Streams the destination must refuse, made from a real one: Message
 * Control with a bit no guest can set, and a table of another size.
 */
static void test_migration_hostile_streams(void)
{
    static const char idstr[] = "0000:00:04.0/mdev-vfio-msix";
    g_autofree char *file = mdev_qtest_temp_file("mdev-epf-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *dst = NULL;
    g_autofree gchar *data = NULL;
    size_t len;
    char *control;
    MdevQemuRun r;
    Ep src;

    ep_open(&src, ",msix-vectors=16", true);
    mdev_qtest_migrate(src.qts, uri);
    ep_close(&src);
    g_assert_true(g_file_get_contents(file, &data, &len, NULL));

    /* A table of 8 entries cannot take a stream of 16. */
    dst = g_strdup_printf("-device mdev-epf-test,addr=04.0,id=dst,"
                          "msix-vectors=8 -incoming %s", uri);
    r = mdev_qtest_run_qemu_incoming(dst);
    g_test_message("args: %s\nstderr: %s", dst, r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "migration stream has an MSI-X table of "
                            "16 vectors; this function's has 8: refused\n"));
    mdev_qtest_run_free(&r);

    /* After the idstr: instance id, version, vectors (be32), control (be16). */
    control = (char *)mdev_qtest_stream_find(data, len, idstr) + 1 +
              strlen(idstr) + 12;
    g_assert_cmphex((uint8_t)control[0], ==, PCI_MSIX_FLAGS_ENABLE >> 8);
    control[1] = 0x01;
    g_assert_true(g_file_set_contents(file, data, len, NULL));
    g_free(dst);
    dst = g_strdup_printf("-device mdev-epf-test,addr=04.0,id=dst,"
                          "msix-vectors=16 -incoming %s", uri);
    r = mdev_qtest_run_qemu_incoming(dst);
    unlink(file);
    g_test_message("args: %s\nstderr: %s", dst, r.err);
    g_assert_cmpint(r.status, ==, 1);
    g_assert_nonnull(strstr(r.err, "mdev-epf-test 'dst': migration stream: "
                            "MSI-X state refused: Message Control has bits "
                            "other than enable and function mask\n"));
    mdev_qtest_run_free(&r);
}

static void test_bad_properties(void)
{
    static const char *const msix[] = {"msix-vectors", "2049", NULL};
    static const char *const msi[] = {"msi-vectors", "3", NULL};

    mdev_qtest_assert_fails("-device mdev-epf-test,msix-vectors=2049", msix);
    mdev_qtest_assert_fails("-device mdev-epf-test,msi-vectors=3", msi);
    mdev_qtest_assert_starts("-device mdev-epf-test,msi-vectors=32,"
                             "msix-vectors=2048");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev-epf-test/bars", test_bars);
    qtest_add_func("/mdev-epf-test/msix/capability", test_msix_capability);
    qtest_add_func("/mdev-epf-test/msix/delivers", test_msix_delivers);
    qtest_add_func("/mdev-epf-test/msix/mask-pending-unmask",
                   test_msix_mask_pending_unmask);
    qtest_add_func("/mdev-epf-test/msix/2048-vectors", test_msix_2048_vectors);
    qtest_add_func("/mdev-epf-test/msix/hostile-table-accesses",
                   test_msix_hostile_table_accesses);
    qtest_add_func("/mdev-epf-test/msix/epf-layout-2048", test_msix_epf_layout_2048);
    qtest_add_func("/mdev-epf-test/msix/one-page-with-registers",
                   test_msix_one_page_with_registers);
    qtest_add_func("/mdev-epf-test/intx-msix-msi-intx", test_intx_msix_msi_intx);
    qtest_add_func("/mdev-epf-test/transfers", test_transfers);
    qtest_add_func("/mdev-epf-test/hostile-transfers", test_hostile_transfers);
    qtest_add_func("/mdev-epf-test/reset", test_reset_disables_msix);
    qtest_add_func("/mdev-epf-test/migration-pending-vector",
                   test_migration_pending_vector);
    qtest_add_func("/mdev-epf-test/migration-hostile-streams",
                   test_migration_hostile_streams);
    qtest_add_func("/mdev-epf-test/bad-properties", test_bad_properties);
    qtest_add_func("/mdev-epf-test/msi-mask-pending", test_msi_mask_pending);
    qtest_add_func("/mdev-epf-test/msix/message-at-own-table",
                   test_msix_message_at_own_table);
    qtest_add_func("/mdev-epf-test/msix/message-at-own-command",
                   test_msix_message_at_own_command);
    return g_test_run();
}
