/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for -device mdev-mnvme (an NVMe 1.4 controller): the PCI function
 * Linux's nvme driver binds by class (010802), then the admin queue driven
 * by hand through BAR0 and guest memory as the driver drives it (NVMe 1.4
 * 7.6.1: AQA/ASQ/ACQ, CC.EN, CSTS.RDY), Identify Controller and Namespace
 * checked field by field, I/O queues created and a pattern written and read
 * back through a PRP list, on the RAM namespace and on a file namespace
 * (whose bytes are then read from the file), INTx on the IOAPIC, a bad
 * doorbell, system reset, MSI-X (a vector per CQ, masking and the PBA, on
 * the vfio-msix frontend), migration, and command lines QEMU refuses.
 *
 * The expected values are the device's definition (hw/mdev/samples/mnvme/,
 * docs/samples.md), itself from the NVMe 1.4 spec.
 *
 * INTx: the device is in slot 4 of a q35, whose INTA# is GSI 20 with no
 * programming (see mtty_route_intx() in mdev-mtty-test.c).
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "qemu/bswap.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qstring.h"
#include "hw/pci/pci_regs.h"
#include "mdev-qtest-common.h"

#define MNVME_UUID "6e766d65-5174-4000-8000-000000000001"
#define MNVME_GSI 20

/* NVMe 1.4, 3.1: registers. */
#define REG_CAP   0x00
#define REG_VS    0x08
#define REG_INTMS 0x0c
#define REG_CC    0x14
#define REG_CSTS  0x1c
#define REG_AQA   0x24
#define REG_ASQ   0x28
#define REG_ACQ   0x30
#define REG_DBS   0x1000
#define CC_EN     1u
#define CC_IOSQES (6u << 16)
#define CC_IOCQES (4u << 20)
#define CSTS_RDY  1u
#define CSTS_CFS  2u

/* Guest memory the tests use (q35 has 128 MiB). */
#define ASQ  0x1000000ull
#define ACQ  0x1001000ull
#define IOSQ 0x1002000ull
#define IOCQ 0x1003000ull
#define LIST 0x1004000ull
#define BUF  0x1010000ull
#define BUF2 0x1040000ull

#define QDEPTH 16

typedef struct Nvme {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar;
    uint64_t sq[2], cq[2];
    uint16_t sq_tail[2], cq_head[2];
    bool phase[2];
    uint16_t cid;
} Nvme;

typedef struct Cqe {
    uint32_t dw0;
    uint16_t sqhd, sqid, cid, status; /* status without the phase tag */
} Cqe;

static void nvme_attach(Nvme *n)
{
    uint64_t size;

    n->bus = qpci_new_pc(n->qts, NULL);
    n->dev = mdev_qtest_enable_fn(n->bus, 4); /* memory space and bus mastering */
    n->bar = qpci_iomap(n->dev, 0, &size);
    g_assert_cmpuint(size, ==, 0x4000);
    qtest_irq_intercept_in(n->qts, "ioapic");
}

static void nvme_open(Nvme *n, const char *extra)
{
    memset(n, 0, sizeof(*n));
    n->qts = qtest_initf("-M q35 -nodefaults -device mdev-mnvme,class=vfio,"
                         "addr=04.0,uuid=" MNVME_UUID "%s", extra ? extra : "");
    nvme_attach(n);
}

static void nvme_close(Nvme *n)
{
    mdev_qtest_close(n->qts, n->bus, n->dev);
}

static uint32_t rd(Nvme *n, uint32_t reg)
{
    return qpci_io_readl(n->dev, n->bar, reg);
}

static void wr(Nvme *n, uint32_t reg, uint32_t v)
{
    qpci_io_writel(n->dev, n->bar, reg, v);
}

static bool intx(Nvme *n)
{
    return qtest_get_irq(n->qts, MNVME_GSI);
}

/* Linux's nvme_pci_configure_admin_queue: disable, set up, enable. */
static void nvme_enable(Nvme *n)
{
    uint8_t zero[16 * QDEPTH] = { 0 };

    wr(n, REG_CC, 0);
    g_assert_cmphex(rd(n, REG_CSTS) & CSTS_RDY, ==, 0);
    qtest_memwrite(n->qts, ACQ, zero, sizeof(zero));
    wr(n, REG_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
    wr(n, REG_ASQ, (uint32_t)ASQ);
    wr(n, REG_ASQ + 4, 0);
    wr(n, REG_ACQ, (uint32_t)ACQ);
    wr(n, REG_ACQ + 4, 0);
    wr(n, REG_CC, CC_EN | CC_IOSQES | CC_IOCQES);
    g_assert_cmphex(rd(n, REG_CSTS), ==, CSTS_RDY);
    n->sq[0] = ASQ;
    n->cq[0] = ACQ;
    n->sq_tail[0] = n->cq_head[0] = 0;
    n->phase[0] = true;
}

/*
 * One submission queue entry (4.2): opcode, cid, nsid, PRP1/2, CDW10-12,
 * written at the tail, which moves; no doorbell.
 */
static void queue_entry(Nvme *n, int q, uint8_t opcode, uint32_t nsid,
                        uint64_t prp1, uint64_t prp2,
                        uint32_t cdw10, uint32_t cdw11, uint32_t cdw12)
{
    uint8_t e[64] = { 0 };

    e[0] = opcode;
    stw_le_p(&e[2], ++n->cid);
    stl_le_p(&e[4], nsid);
    stq_le_p(&e[24], prp1);
    stq_le_p(&e[32], prp2);
    stl_le_p(&e[40], cdw10);
    stl_le_p(&e[44], cdw11);
    stl_le_p(&e[48], cdw12);
    qtest_memwrite(n->qts, n->sq[q] + 64 * n->sq_tail[q], e, sizeof(e));
    n->sq_tail[q] = (n->sq_tail[q] + 1) % QDEPTH;
}

/* The same, and the tail doorbell. */
static void submit(Nvme *n, int q, uint8_t opcode, uint32_t nsid,
                   uint64_t prp1, uint64_t prp2,
                   uint32_t cdw10, uint32_t cdw11, uint32_t cdw12)
{
    queue_entry(n, q, opcode, nsid, prp1, prp2, cdw10, cdw11, cdw12);
    wr(n, REG_DBS + 8 * q, n->sq_tail[q]);
}

/*
 * The next completion of CQ q (4.6), if its phase tag says it is new; the
 * head doorbell is written if `ring`.
 */
static bool reap_entry(Nvme *n, int q, Cqe *c, bool ring)
{
    uint8_t e[16];
    uint16_t st;

    qtest_memread(n->qts, n->cq[q] + 16 * n->cq_head[q], e, sizeof(e));
    st = lduw_le_p(&e[14]);
    if ((st & 1) != n->phase[q]) {
        return false;
    }
    c->dw0 = ldl_le_p(&e[0]);
    c->sqhd = lduw_le_p(&e[8]);
    c->sqid = lduw_le_p(&e[10]);
    c->cid = lduw_le_p(&e[12]);
    c->status = st >> 1;
    n->cq_head[q] = (n->cq_head[q] + 1) % QDEPTH;
    if (n->cq_head[q] == 0) {
        n->phase[q] = !n->phase[q];
    }
    if (ring) {
        wr(n, REG_DBS + 8 * q + 4, n->cq_head[q]);
    }
    return true;
}

static bool reap(Nvme *n, int q, Cqe *c)
{
    return reap_entry(n, q, c, true);
}

/* Submits and returns the completion's status (and DW0). */
static uint16_t cmd(Nvme *n, int q, uint8_t opcode, uint32_t nsid,
                    uint64_t prp1, uint64_t prp2,
                    uint32_t cdw10, uint32_t cdw11, uint32_t cdw12, uint32_t *dw0)
{
    Cqe c;

    submit(n, q, opcode, nsid, prp1, prp2, cdw10, cdw11, cdw12);
    g_assert_true(reap(n, q, &c));
    g_assert_cmpuint(c.cid, ==, n->cid);
    g_assert_cmpuint(c.sqid, ==, q);
    g_assert_cmpuint(c.sqhd, ==, n->sq_tail[q]);
    if (dw0) {
        *dw0 = c.dw0;
    }
    return c.status;
}

/* Number of Queues, then I/O CQ 1 (vector 0, interrupts on) and SQ 1. */
static void nvme_io_queues(Nvme *n)
{
    uint32_t dw0;
    uint8_t zero[16 * QDEPTH] = { 0 };

    g_assert_cmphex(cmd(n, 0, 0x09, 0, 0, 0, 0x07, 0x003f003f, 0, &dw0), ==, 0);
    g_assert_cmphex(dw0, ==, 0x000f000f); /* 64 asked, 16 and 16 granted (0-based) */
    qtest_memwrite(n->qts, IOCQ, zero, sizeof(zero));
    g_assert_cmphex(cmd(n, 0, 0x05, 0, IOCQ, 0, (QDEPTH - 1) << 16 | 1,
                        0 << 16 | 2 | 1, 0, NULL), ==, 0);
    g_assert_cmphex(cmd(n, 0, 0x01, 0, IOSQ, 0, (QDEPTH - 1) << 16 | 1,
                        1 << 16 | 1, 0, NULL), ==, 0);
    n->sq[1] = IOSQ;
    n->cq[1] = IOCQ;
    n->sq_tail[1] = n->cq_head[1] = 0;
    n->phase[1] = true;
}

/* ---- Shadow doorbells (Doorbell Buffer Config, admin opcode 7Ch) ---------- */

#define DBS 0x1020000ull /* shadow doorbell buffer */
#define EIS 0x1021000ull /* EventIdx buffer */

/* The host's rule (Linux's nvme_dbbuf_need_event): ring if and only if the
 * EventIdx lies in [old, new) modulo 2^16. */
static bool host_rings(uint16_t event_idx, uint16_t new_value, uint16_t old_value)
{
    return (uint16_t)(new_value - event_idx - 1) < (uint16_t)(new_value - old_value);
}

static void test_shadow_doorbells(void)
{
    Nvme n;
    uint8_t id[4096];
    uint16_t old;
    Cqe c;

    nvme_open(&n, NULL);
    nvme_enable(&n);
    g_assert_cmphex(cmd(&n, 0, 0x06, 0, BUF, 0, 0x01, 0, 0, NULL), ==, 0);
    qtest_memread(n.qts, BUF, id, sizeof(id));
    g_assert_cmphex(lduw_le_p(&id[256]), ==, 1 << 8); /* OACS: Doorbell Buffer Config */
    nvme_io_queues(&n);
    g_assert_cmphex(cmd(&n, 1, 0x02, 1, BUF, 0, 0, 0, 0, NULL), ==, 0);

    /* Refused: not page aligned, the same page twice. */
    g_assert_cmphex(cmd(&n, 0, 0x7c, 0, DBS + 4, EIS, 0, 0, 0, NULL), ==, 0x4002);
    g_assert_cmphex(cmd(&n, 0, 0x7c, 0, DBS, DBS, 0, 0, 0, NULL), ==, 0x4002);
    qtest_memset(n.qts, DBS, 0xff, 0x2000);
    g_assert_cmphex(cmd(&n, 0, 0x7c, 0, DBS, EIS, 0, 0, 0, NULL), ==, 0);
    /* The queues' current values in both buffers: SQ 1 at 8, CQ 1 at 12. */
    g_assert_cmpuint(qtest_readl(n.qts, DBS + 8), ==, 1);
    g_assert_cmpuint(qtest_readl(n.qts, EIS + 8), ==, 1);
    g_assert_cmpuint(qtest_readl(n.qts, DBS + 12), ==, 1);
    g_assert_cmpuint(qtest_readl(n.qts, EIS + 12), ==, 1);

    /* A new tail in the shadow alone: nothing runs, the controller does not
     * poll (and the host's rule says ring: EventIdx 1 is in [1, 2)). */
    queue_entry(&n, 1, 0x02, 1, BUF, 0, 0, 0, 0);
    old = qtest_readl(n.qts, DBS + 8);
    qtest_writel(n.qts, DBS + 8, n.sq_tail[1]);
    g_assert_false(reap_entry(&n, 1, &c, false));
    g_assert_true(host_rings(qtest_readl(n.qts, EIS + 8), n.sq_tail[1], old));
    wr(&n, REG_DBS + 8, n.sq_tail[1]);
    g_assert_true(intx(&n));
    /* Idle again: EventIdx = the tail, so the next entry rings too. */
    g_assert_cmpuint(qtest_readl(n.qts, EIS + 8), ==, n.sq_tail[1]);
    /* Pin-based interrupts: the CQ head decides the level, so EventIdx
     * asks for the head doorbell; the shadow head alone leaves INTx up. */
    g_assert_cmpuint(qtest_readl(n.qts, EIS + 12), ==, n.cq_head[1]);
    old = n.cq_head[1];
    g_assert_true(reap_entry(&n, 1, &c, false));
    g_assert_cmphex(c.status, ==, 0);
    qtest_writel(n.qts, DBS + 12, n.cq_head[1]);
    g_assert_true(intx(&n));
    g_assert_true(host_rings(qtest_readl(n.qts, EIS + 12), n.cq_head[1], old));
    wr(&n, REG_DBS + 12, n.cq_head[1]);
    g_assert_false(intx(&n));

    /* With shadow doorbells the MMIO write of an I/O queue says "look",
     * the shadow holds the value (a posted write may arrive late). A shadow
     * tail past the queue: ignored (a guest error), nothing runs. */
    queue_entry(&n, 1, 0x02, 1, BUF, 0, 0, 0, 0);
    qtest_writel(n.qts, DBS + 8, QDEPTH + 3);
    wr(&n, REG_DBS + 8, n.sq_tail[1]);
    g_assert_false(reap(&n, 1, &c));
    qtest_writel(n.qts, DBS + 8, n.sq_tail[1]);
    wr(&n, REG_DBS + 8, 0); /* a stale value: the shadow's counts */
    g_assert_true(reap(&n, 1, &c));
    g_assert_cmpuint(c.sqhd, ==, n.sq_tail[1]);
    g_assert_false(reap(&n, 1, &c));

    /* A controller reset forgets the buffers: the EventIdx page stays as
     * the host left it, only the MMIO doorbells count. */
    nvme_enable(&n);
    nvme_io_queues(&n);
    qtest_writel(n.qts, EIS + 8, 0xdead);
    g_assert_cmphex(cmd(&n, 1, 0x02, 1, BUF, 0, 0, 0, 0, NULL), ==, 0);
    g_assert_cmphex(qtest_readl(n.qts, EIS + 8), ==, 0xdead);
    nvme_close(&n);

    /* shadow-doorbells=off: not offered, the opcode is unknown. */
    nvme_open(&n, ",shadow-doorbells=off");
    nvme_enable(&n);
    g_assert_cmphex(cmd(&n, 0, 0x06, 0, BUF, 0, 0x01, 0, 0, NULL), ==, 0);
    qtest_memread(n.qts, BUF, id, sizeof(id));
    g_assert_cmphex(lduw_le_p(&id[256]), ==, 0);
    g_assert_cmphex(cmd(&n, 0, 0x7c, 0, DBS, EIS, 0, 0, 0, NULL), ==, 0x4001);
    nvme_close(&n);
}

/* ---- PCI configuration space ---------------------------------------------- */

static void test_config(void)
{
    Nvme n;
    uint64_t cap;

    nvme_open(&n, NULL);
    g_assert_cmphex(qpci_config_readw(n.dev, PCI_VENDOR_ID), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(n.dev, PCI_DEVICE_ID), ==, 0x10f1);
    g_assert_cmphex(qpci_config_readw(n.dev, PCI_SUBSYSTEM_VENDOR_ID), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(n.dev, PCI_SUBSYSTEM_ID), ==, 0x1100);
    /* PCI_CLASS_STORAGE_EXPRESS, prog-if 02h: what nvme_id_table matches. */
    g_assert_cmphex(qpci_config_readl(n.dev, PCI_CLASS_REVISION) >> 8, ==, 0x010802);
    g_assert_cmphex(qpci_config_readb(n.dev, PCI_INTERRUPT_PIN), ==, 0x01);
    g_assert_cmphex(qpci_config_readl(n.dev, PCI_BASE_ADDRESS_0) & 0xf, ==,
                    PCI_BASE_ADDRESS_MEM_TYPE_64);

    cap = rd(&n, REG_CAP) | (uint64_t)rd(&n, REG_CAP + 4) << 32;
    g_assert_cmphex(cap & 0xffff, ==, 1023);     /* MQES */
    g_assert_cmphex(cap >> 16 & 1, ==, 1);       /* CQR */
    g_assert_cmphex(cap >> 32 & 0xf, ==, 0);     /* DSTRD */
    g_assert_cmphex(cap >> 37 & 0xff, ==, 1);    /* CSS: NVM */
    g_assert_cmphex(cap >> 48 & 0xff, ==, 0);    /* MPSMIN, MPSMAX: 4 KiB */
    g_assert_cmphex(rd(&n, REG_VS), ==, 0x00010400);
    g_assert_cmphex(rd(&n, REG_CSTS), ==, 0);
    g_assert_cmphex(rd(&n, REG_CC), ==, 0);
    nvme_close(&n);
}

/* ---- admin queue by hand ----------------------------------------------------- */

static void test_identify(void)
{
    Nvme n;
    uint8_t id[4096];
    char text[41];
    Cqe c;

    nvme_open(&n, NULL);
    nvme_enable(&n);
    g_assert_false(intx(&n));

    /* Identify Controller (CNS 01h), 5.15.2.2. */
    submit(&n, 0, 0x06, 0, BUF, 0, 0x01, 0, 0);
    g_assert_true(intx(&n)); /* an entry the host has not consumed */
    g_assert_true(reap(&n, 0, &c));
    g_assert_cmphex(c.status, ==, 0);
    g_assert_false(intx(&n)); /* the head doorbell consumed it */
    qtest_memread(n.qts, BUF, id, sizeof(id));
    g_assert_cmphex(lduw_le_p(&id[0]), ==, 0x1af4);          /* VID */
    g_assert_cmphex(lduw_le_p(&id[2]), ==, 0x1af4);          /* SSVID */
    memcpy(text, &id[4], 20);
    text[20] = 0;
    g_assert_cmpstr(text, ==, "MNVME000000000001   ");       /* SN */
    memcpy(text, &id[24], 40);
    text[40] = 0;
    g_assert_true(g_str_has_prefix(text, "QEMU mdev-mnvme 64m  ")); /* MN */
    g_assert_cmpuint(id[77], ==, 7);                         /* MDTS */
    g_assert_cmphex(ldl_le_p(&id[80]), ==, 0x00010400);      /* VER */
    g_assert_cmpuint(id[111], ==, 1);                        /* CNTRLTYPE: I/O */
    g_assert_cmpuint(id[259], ==, 3);                        /* AERL */
    g_assert_cmphex(id[512], ==, 0x66);                      /* SQES */
    g_assert_cmphex(id[513], ==, 0x44);                      /* CQES */
    g_assert_cmpuint(ldl_le_p(&id[516]), ==, 2);             /* NN */
    g_assert_cmphex(lduw_le_p(&id[520]), ==, 1 << 3);        /* ONCS: Write Zeroes */
    g_assert_cmphex(id[525], ==, 1);                         /* VWC */
    g_assert_true(g_str_has_prefix((char *)&id[768],
                  "nqn.2014-08.org.nvmexpress:uuid:6e766d65-5174-4000-8000-000000000001"));

    /* Identify Namespace 1 (CNS 00h): 64 MiB of 512-byte blocks. */
    g_assert_cmphex(cmd(&n, 0, 0x06, 1, BUF, 0, 0x00, 0, 0, NULL), ==, 0);
    qtest_memread(n.qts, BUF, id, sizeof(id));
    g_assert_cmpuint(ldq_le_p(&id[0]), ==, 64 * 2048);       /* NSZE */
    g_assert_cmpuint(ldq_le_p(&id[8]), ==, 64 * 2048);       /* NCAP */
    g_assert_cmpuint(id[25], ==, 0);                         /* NLBAF */
    g_assert_cmpuint(id[128 + 2], ==, 9);                    /* LBAF0.LBADS */

    /* Active namespace list (CNS 02h): only 1 without file=. */
    g_assert_cmphex(cmd(&n, 0, 0x06, 0, BUF, 0, 0x02, 0, 0, NULL), ==, 0);
    qtest_memread(n.qts, BUF, id, 8);
    g_assert_cmpuint(ldl_le_p(&id[0]), ==, 1);
    g_assert_cmpuint(ldl_le_p(&id[4]), ==, 0);

    /* Identify for a namespace that cannot exist: Invalid Namespace, DNR. */
    g_assert_cmphex(cmd(&n, 0, 0x06, 7, BUF, 0, 0x00, 0, 0, NULL), ==, 0x400b);
    /* An unknown opcode: Invalid Command Opcode, DNR. */
    g_assert_cmphex(cmd(&n, 0, 0x7f, 0, 0, 0, 0, 0, 0, NULL), ==, 0x4001);
    nvme_close(&n);
}

/* ---- I/O: a pattern written and read back ------------------------------------ */

static void write_read_pattern(Nvme *n, uint32_t nsid, uint64_t slba)
{
    const unsigned blocks = 24, bytes = blocks * 512; /* 12 KiB: PRP1 + a list of 2 */
    g_autofree uint8_t *pattern = g_malloc(bytes);
    g_autofree uint8_t *back = g_malloc0(bytes);
    uint64_t list[2];
    unsigned i;

    for (i = 0; i < bytes; i++) {
        pattern[i] = (uint8_t)(i * 13 + nsid);
    }
    qtest_memwrite(n->qts, BUF, pattern, bytes);
    list[0] = cpu_to_le64(BUF + 0x1000);
    list[1] = cpu_to_le64(BUF + 0x2000);
    qtest_memwrite(n->qts, LIST, list, sizeof(list));
    g_assert_cmphex(cmd(n, 1, 0x01, nsid, BUF, LIST, (uint32_t)slba,
                        (uint32_t)(slba >> 32), blocks - 1, NULL), ==, 0);
    g_assert_cmphex(cmd(n, 1, 0x00, nsid, 0, 0, 0, 0, 0, NULL), ==, 0); /* Flush */

    list[0] = cpu_to_le64(BUF2 + 0x1000);
    list[1] = cpu_to_le64(BUF2 + 0x2000);
    qtest_memwrite(n->qts, LIST, list, sizeof(list));
    qtest_memset(n->qts, BUF2, 0, bytes);
    g_assert_cmphex(cmd(n, 1, 0x02, nsid, BUF2, LIST, (uint32_t)slba,
                        (uint32_t)(slba >> 32), blocks - 1, NULL), ==, 0);
    qtest_memread(n->qts, BUF2, back, bytes);
    g_assert_cmpmem(back, bytes, pattern, bytes);
}

static void test_io(void)
{
    Nvme n;

    nvme_open(&n, NULL);
    nvme_enable(&n);
    nvme_io_queues(&n);
    write_read_pattern(&n, 1, 1000);
    /* Past the namespace's end: LBA Out of Range, DNR. */
    g_assert_cmphex(cmd(&n, 1, 0x02, 1, BUF, 0, 64 * 2048, 0, 0, NULL), ==, 0x4080);
    /* Write Zeroes, then the blocks read as zeros. */
    g_assert_cmphex(cmd(&n, 1, 0x08, 1, 0, 0, 1000, 0, 7, NULL), ==, 0);
    g_assert_cmphex(cmd(&n, 1, 0x02, 1, BUF2, 0, 1000, 0, 0, NULL), ==, 0);
    g_assert_cmphex(qtest_readq(n.qts, BUF2), ==, 0);
    nvme_close(&n);
}

static void test_file_namespace(void)
{
    g_autofree char *path = mdev_qtest_temp_file("mnvme-XXXXXX.img");
    g_autofree char *extra = g_strdup_printf(",file=%s", path);
    g_autofree gchar *contents = NULL;
    gsize len;
    uint8_t id[4096];
    Nvme n;

    g_assert_cmpint(truncate(path, 1 << 20), ==, 0);
    nvme_open(&n, extra);
    nvme_enable(&n);
    g_assert_cmphex(cmd(&n, 0, 0x06, 2, BUF, 0, 0x00, 0, 0, NULL), ==, 0);
    qtest_memread(n.qts, BUF, id, sizeof(id));
    g_assert_cmpuint(ldq_le_p(&id[0]), ==, 2048);
    g_assert_cmphex(cmd(&n, 0, 0x06, 0, BUF, 0, 0x02, 0, 0, NULL), ==, 0);
    qtest_memread(n.qts, BUF, id, 8);
    g_assert_cmpuint(ldl_le_p(&id[4]), ==, 2);
    nvme_io_queues(&n);
    write_read_pattern(&n, 2, 100);
    nvme_close(&n);

    /* The bytes are in the file, at LBA 100. */
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, ==, 1 << 20);
    g_assert_cmphex((uint8_t)contents[100 * 512 + 1], ==, (uint8_t)(13 + 2));
    unlink(path);
}

/* ---- guest mistakes, reset ------------------------------------------------------ */

static void test_bad_doorbell_and_reset(void)
{
    Nvme n;
    uint32_t dw0;
    Cqe c;

    nvme_open(&n, NULL);
    nvme_enable(&n);
    /* An AER held until an event; a doorbell for SQ 9, which does not exist. */
    submit(&n, 0, 0x0c, 0, 0, 0, 0, 0, 0);
    g_assert_false(reap(&n, 0, &c));
    wr(&n, REG_DBS + 8 * 9, 1);
    g_assert_true(reap(&n, 0, &c));
    g_assert_cmpuint(c.cid, ==, n.cid);
    g_assert_cmphex(c.dw0, ==, 0x010000); /* error event, invalid doorbell, log 01h */
    g_assert_cmphex(rd(&n, REG_CSTS), ==, CSTS_RDY);
    /* An I/O SQ on a CQ that does not exist: Completion Queue Invalid. */
    g_assert_cmphex(cmd(&n, 0, 0x01, 0, IOSQ, 0, 15 << 16 | 1, 5 << 16 | 1, 0,
                        &dw0), ==, 0x4100);
    /* An admin queue outside RAM: fatal status, then a reset recovers. */
    wr(&n, REG_CC, 0);
    wr(&n, REG_ASQ, 0xf0000000);
    wr(&n, REG_CC, CC_EN | CC_IOSQES | CC_IOCQES);
    wr(&n, REG_DBS, 1);
    g_assert_cmphex(rd(&n, REG_CSTS) & CSTS_CFS, ==, CSTS_CFS);
    qtest_qmp_assert_success(n.qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(n.qts, "RESET");
    g_assert_false(intx(&n));
    /* The guest's BIOS would map it again; so does the test. */
    g_free(n.dev);
    qpci_free_pc(n.bus);
    nvme_attach(&n);
    g_assert_cmphex(rd(&n, REG_CSTS), ==, 0);
    g_assert_cmphex(rd(&n, REG_ASQ), ==, 0);
    nvme_enable(&n);
    g_assert_cmphex(cmd(&n, 0, 0x06, 0, BUF, 0, 0x01, 0, 0, NULL), ==, 0);
    nvme_close(&n);
}

/* ---- MSI-X: a vector per queue ----------------------------------------------------- */

#define MSG_BASE 0x1100000ull

/* Entry @v aimed at its own dword of RAM, data 0xd000 + v. */
static void msix_program(Nvme *n, uint16_t v, bool masked)
{
    uint64_t off = n->dev->msix_table_off + v * PCI_MSIX_ENTRY_SIZE;
    QPCIBar t = n->dev->msix_table_bar;

    qpci_io_writel(n->dev, t, off + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)(MSG_BASE + 4 * v));
    qpci_io_writel(n->dev, t, off + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
    qpci_io_writel(n->dev, t, off + PCI_MSIX_ENTRY_DATA, 0xd000 + v);
    qpci_io_writel(n->dev, t, off + PCI_MSIX_ENTRY_VECTOR_CTRL, masked);
}

static bool msix_landed(Nvme *n, uint16_t v)
{
    bool got = qtest_readl(n->qts, MSG_BASE + 4 * v) == 0xd000u + v;

    qtest_writel(n->qts, MSG_BASE + 4 * v, 0);
    return got;
}

static void test_msix(void)
{
    Nvme n;
    uint8_t cap;

    memset(&n, 0, sizeof(n));
    n.qts = qtest_initf("-M q35 -nodefaults -device mdev-mnvme,class=vfio,"
                        "addr=04.0,uuid=" MNVME_UUID);
    n.bus = qpci_new_pc(n.qts, NULL);
    n.dev = mdev_qtest_enable_fn(n.bus, 4);
    cap = qpci_find_capability(n.dev, PCI_CAP_ID_MSIX, 0);
    g_assert_cmpuint(cap, !=, 0);
    /* 17 vectors (admin + 16 I/O queues), table and PBA in BAR0 (BIR 0). */
    g_assert_cmpuint(qpci_config_readw(n.dev, cap + PCI_MSIX_FLAGS) &
                     PCI_MSIX_FLAGS_QSIZE, ==, 16);
    g_assert_cmphex(qpci_config_readl(n.dev, cap + PCI_MSIX_TABLE), ==, 0x2000);
    g_assert_cmphex(qpci_config_readl(n.dev, cap + PCI_MSIX_PBA), ==, 0x3000);
    qpci_msix_enable(n.dev); /* maps BAR0: table, PBA and the registers */
    n.bar = n.dev->msix_table_bar;
    qtest_irq_intercept_in(n.qts, "ioapic");
    msix_program(&n, 0, false);
    msix_program(&n, 1, false);

    nvme_enable(&n);
    g_assert_cmphex(cmd(&n, 0, 0x06, 0, BUF, 0, 0x01, 0, 0, NULL), ==, 0);
    g_assert_true(msix_landed(&n, 0));  /* the admin CQ's vector */
    /* I/O CQ 1 on vector 1, SQ 1 on it. */
    qtest_memset(n.qts, IOCQ, 0, 16 * QDEPTH);
    g_assert_cmphex(cmd(&n, 0, 0x05, 0, IOCQ, 0, (QDEPTH - 1) << 16 | 1,
                        1 << 16 | 2 | 1, 0, NULL), ==, 0);
    g_assert_cmphex(cmd(&n, 0, 0x01, 0, IOSQ, 0, (QDEPTH - 1) << 16 | 1,
                        1 << 16 | 1, 0, NULL), ==, 0);
    g_assert_true(msix_landed(&n, 0));
    n.sq[1] = IOSQ;
    n.cq[1] = IOCQ;
    n.sq_tail[1] = n.cq_head[1] = 0;
    n.phase[1] = true;
    /* A read on SQ 1 completes on CQ 1: vector 1 only. */
    g_assert_cmphex(cmd(&n, 1, 0x02, 1, BUF, 0, 0, 0, 0, NULL), ==, 0);
    g_assert_true(msix_landed(&n, 1));
    g_assert_false(msix_landed(&n, 0));
    /* Masked: pending in the PBA, delivered on unmask. */
    msix_program(&n, 1, true);
    g_assert_cmphex(cmd(&n, 1, 0x02, 1, BUF, 0, 0, 0, 0, NULL), ==, 0);
    g_assert_false(msix_landed(&n, 1));
    g_assert_true(qpci_msix_pending(n.dev, 1));
    msix_program(&n, 1, false);
    g_assert_true(msix_landed(&n, 1));
    g_assert_false(qpci_msix_pending(n.dev, 1));
    /* INTx stays quiet while MSI-X is on. */
    g_assert_false(intx(&n));
    nvme_close(&n);
}

/* ---- migration ------------------------------------------------------------------ */

/*
 * A controller with I/O queues, a held AER and data in its file namespace
 * migrates; the destination goes on from the same queue positions, finds
 * the data, and still holds the AER.
 */
static void test_migration(void)
{
    g_autofree char *mig = mdev_qtest_temp_file("mdev-mnvme-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", mig);
    g_autofree char *disk = mdev_qtest_temp_file("mnvme-XXXXXX.img");
    g_autofree char *extra = g_strdup_printf(",file=%s", disk);
    g_autofree char *dst_extra = g_strdup_printf(",file=%s -incoming %s", disk, uri);
    uint8_t before[512], after[512];
    Nvme src, dst;
    Cqe c;

    g_assert_cmpint(truncate(disk, 1 << 20), ==, 0);
    nvme_open(&src, extra);
    nvme_enable(&src);
    nvme_io_queues(&src);
    write_read_pattern(&src, 2, 8);
    submit(&src, 0, 0x0c, 0, 0, 0, 0, 0, 0); /* AER, held */
    g_assert_false(reap(&src, 0, &c));
    qtest_memread(src.qts, BUF2, before, sizeof(before));
    mdev_qtest_migrate(src.qts, uri);
    dst = src; /* the driver's view of the queues travels with the guest */
    nvme_close(&src);

    dst.qts = qtest_initf("-M q35 -nodefaults -device mdev-mnvme,class=vfio,"
                          "addr=04.0,uuid=" MNVME_UUID "%s", dst_extra);
    mdev_qtest_wait_migration(dst.qts, "completed");
    unlink(mig);
    dst.bus = qpci_new_pc(dst.qts, NULL);
    dst.dev = mdev_qtest_find_fn(dst.bus, 4);
    /* BAR0 where the source's guest put it (migrated PCI config). */
    dst.bar = mdev_qtest_bar_as_configured(dst.dev, 0);
    g_assert_cmphex(rd(&dst, REG_CSTS), ==, CSTS_RDY);
    /* Read the namespace again from where the queues stood. */
    qtest_memset(dst.qts, BUF2, 0, sizeof(after));
    g_assert_cmphex(cmd(&dst, 1, 0x02, 2, BUF2, 0, 8, 0, 0, NULL), ==, 0);
    qtest_memread(dst.qts, BUF2, after, sizeof(after));
    g_assert_cmpmem(after, sizeof(after), before, sizeof(before));
    /* The held AER came along: a bad doorbell completes it. */
    wr(&dst, REG_DBS + 8 * 9, 1);
    g_assert_true(reap(&dst, 0, &c));
    g_assert_cmphex(c.dw0, ==, 0x010000);
    nvme_close(&dst);
    unlink(disk);
}

/* The VM's run state, from query-status. */
static char *vm_status(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-status'}");
    char *status = g_strdup(qdict_get_str(qdict_get_qdict(resp, "return"),
                                          "status"));

    qobject_unref(resp);
    return status;
}

/*
 * Whether query-migrate lists a reason holding @needle among those an
 * outgoing migration is blocked for.
 */
static bool migration_blocked_for(QTestState *qts, const char *needle)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'query-migrate'}");
    QDict *ret = qdict_get_qdict(resp, "return");
    QList *reasons = qdict_haskey(ret, "blocked-reasons") ?
                     qdict_get_qlist(ret, "blocked-reasons") : NULL;
    const QListEntry *e;
    bool found = false;

    if (reasons) {
        QLIST_FOREACH_ENTRY(reasons, e) {
            const char *r = qstring_get_str(qobject_to(QString,
                                                       qlist_entry_obj(e)));
            g_test_message("blocked: %s", r);
            found |= strstr(r, needle) != NULL;
        }
    }
    qobject_unref(resp);
    return found;
}

/* @cmd fails with an error whose description holds @needle. */
static void assert_qmp_fails(QTestState *qts, const char *needle,
                             const char *cmd, const char *uri)
{
    QDict *resp = qtest_qmp(qts, cmd, uri);
    QDict *err = qdict_get_qdict(resp, "error");
    const char *desc;

    g_assert_nonnull(err);
    desc = qdict_get_str(err, "desc");
    g_test_message("%s", desc);
    g_assert_nonnull(strstr(desc, needle));
    qobject_unref(resp);
}

/*
 * RAM namespace contents do not migrate: from the first write to the RAM
 * namespace the device holds QEMU's migration blocker, so migrate (and
 * virsh save, which is a migrate) fails on the source with the parent's
 * reason, naming the device, and the guest keeps running. A reset does
 * not lift it (the data is still there). The source's reading of the
 * namespace did not block; a file namespace's writes migrate
 * (test_migration).
 */
static void test_migration_blocked_after_ram_write(void)
{
    g_autofree char *mig = mdev_qtest_temp_file("mdev-mnvme-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", mig);
    g_autofree char *after = NULL;
    g_autofree char *after_reset = NULL;
    static const char reason[] =
        "mdev-mnvme '" "nvme0" "' (mdev " MNVME_UUID ") cannot migrate now: "
        "mnvme: the RAM namespace was written, and RAM namespace contents do "
        "not migrate (use file=)";
    Nvme src;

    nvme_open(&src, ",id=nvme0");
    nvme_enable(&src);
    nvme_io_queues(&src);
    /* A read of the RAM namespace does not block. */
    g_assert_cmphex(cmd(&src, 1, 0x02, 1, BUF2, 0, 8, 0, 0, NULL), ==, 0);
    g_assert_false(migration_blocked_for(src.qts, "mnvme"));
    write_read_pattern(&src, 1, 0);
    g_assert_true(migration_blocked_for(src.qts, reason));

    assert_qmp_fails(src.qts, reason,
                     "{'execute': 'migrate', 'arguments': {'uri': %s}}", uri);
    after = vm_status(src.qts);
    g_assert_cmpstr(after, ==, "running");
    /* Still usable: the data reads back. */
    write_read_pattern(&src, 1, 16);

    /* A system reset keeps the blocker: the namespace still holds data. */
    qtest_qmp_assert_success(src.qts, "{'execute': 'system_reset'}");
    assert_qmp_fails(src.qts, reason,
                     "{'execute': 'migrate', 'arguments': {'uri': %s}}", uri);
    after_reset = vm_status(src.qts);
    g_assert_cmpstr(after_reset, ==, "running");
    nvme_close(&src);
    unlink(mig);
}

/* ---- command line ------------------------------------------------------------------ */

static void test_cmdline(void)
{
    static const char *const missing[] = {
        "property 'file': cannot open '/nonexistent/mnvme.img'", NULL
    };
    static const char *const bad_mdts[] = {
        "property 'mdts'", "is not 1 to 10", NULL
    };
    static const char *const full[] = {
        "property 'mdev-type': parent 'mnvme' has no room for another 'mnvme-1g'", NULL
    };
    g_autofree char *two = mdev_qtest_repeat_device(
        "mdev-mnvme,class=vfio,mdev-type=mnvme-1g", 2);
    g_autofree char *three = mdev_qtest_repeat_device(
        "mdev-mnvme,class=vfio,mdev-type=mnvme-1g", 3);

    mdev_qtest_assert_starts(two);
    mdev_qtest_assert_fails(three, full);
    mdev_qtest_assert_fails("-device mdev-mnvme,file=/nonexistent/mnvme.img",
                            missing);
    mdev_qtest_assert_fails("-device mdev-mnvme,mdts=11", bad_mdts);
    mdev_qtest_assert_fails("-device mdev-mnvme,mdts=0", bad_mdts);
    mdev_qtest_assert_starts("-device mdev-mnvme,mdts=8,shadow-doorbells=off");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/mdev-mnvme/config", test_config);
    qtest_add_func("/mdev-mnvme/identify", test_identify);
    qtest_add_func("/mdev-mnvme/io", test_io);
    qtest_add_func("/mdev-mnvme/file-namespace", test_file_namespace);
    qtest_add_func("/mdev-mnvme/bad-doorbell-and-reset", test_bad_doorbell_and_reset);
    qtest_add_func("/mdev-mnvme/msix", test_msix);
    qtest_add_func("/mdev-mnvme/shadow-doorbells", test_shadow_doorbells);
    qtest_add_func("/mdev-mnvme/migration", test_migration);
    qtest_add_func("/mdev-mnvme/migration-blocked-after-ram-write",
                   test_migration_blocked_after_ram_write);
    qtest_add_func("/mdev-mnvme/cmdline", test_cmdline);

    return g_test_run();
}
