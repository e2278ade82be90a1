/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for -device mdev-mtty: the PCI function (config space, BARs, INTx),
 * the 16550A ports behind its I/O BARs, reset, the parent's port budget and
 * the command-line errors and introspection.
 *
 * The expected values are the device's definition: hw/mdev/samples/
 * mtty_uart.{hpp,cpp} (register model, also checked by
 * tests/unit/mtty_uart_test.cpp) and mtty_vfio.cpp (config space).
 *
 * INTx: the function's INTA# is observed on the IOAPIC inputs through
 * qtest_irq_intercept_in(qts, "ioapic"); see mtty_route_intx() for which GSI
 * that is on each machine and why.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "mdev-qtest-common.h"

#define MTTY_VENDOR 0x4348
#define MTTY_DEVICE 0x3253

/* UART registers (offsets in a port's 8-byte I/O BAR). */
enum {
    RBR = 0, THR = 0, DLL = 0,
    IER = 1, DLM = 1,
    IIR = 2, FCR = 2,
    LCR = 3,
    MCR = 4,
    LSR = 5,
    MSR = 6,
    SCR = 7,
};

#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define IER_ELSI  0x04
#define IER_EDSSI 0x08

#define IIR_MS    0x00
#define IIR_NONE  0x01
#define IIR_THRE  0x02
#define IIR_RDA   0x04
#define IIR_RLS   0x06
#define IIR_CTO   0x0c
#define IIR_FIFO  0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_IDLE 0x60 /* THRE | TEMT: always set on the infinitely fast line */

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80

#define MTTY_UUID_A "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define MTTY_UUID_B "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"

/* One mdev-mtty PCI function, enabled, with its ports' BARs mapped. */
typedef struct Mtty {
    QTestState *qts;
    QPCIDevice *dev;
    QPCIBar bar[2];
    int ports;
    int slot;
} Mtty;

static QTestState *mtty_start(const char *machine, const char *args)
{
    return qtest_initf("-M %s -nodefaults %s", machine, args);
}

static void mtty_map(Mtty *m)
{
    uint64_t size;
    int i;

    qpci_device_enable(m->dev);
    for (i = 0; i < m->ports; i++) {
        m->bar[i] = qpci_iomap(m->dev, i, &size);
        g_assert_cmpuint(size, ==, 8);
    }
}

static void mtty_open(Mtty *m, QTestState *qts, QPCIBus *bus, int slot,
                      int ports)
{
    m->qts = qts;
    m->slot = slot;
    m->ports = ports;
    m->dev = mdev_qtest_find_fn(bus, slot);
    g_assert_cmphex(qpci_config_readw(m->dev, PCI_VENDOR_ID), ==, MTTY_VENDOR);
    g_assert_cmphex(qpci_config_readw(m->dev, PCI_DEVICE_ID), ==, MTTY_DEVICE);
    mtty_map(m);
}

static void mtty_close(Mtty *m)
{
    g_free(m->dev);
    m->dev = NULL;
}

static uint8_t rd(Mtty *m, int port, int reg)
{
    g_assert(port < m->ports);
    return qpci_io_readb(m->dev, m->bar[port], reg);
}

static void wr(Mtty *m, int port, int reg, uint8_t value)
{
    g_assert(port < m->ports);
    qpci_io_writeb(m->dev, m->bar[port], reg, value);
}

#define assert_reg(m, port, reg, expected)                                   \
    g_assert_cmphex(rd((m), (port), (reg)), ==, (expected))

/* Every register of a port reads its power-on value (no side effects). */
static void assert_port_reset(Mtty *m, int port)
{
    assert_reg(m, port, IER, 0x00);
    assert_reg(m, port, IIR, IIR_NONE);
    assert_reg(m, port, LCR, 0x00);
    assert_reg(m, port, MCR, 0x00);
    assert_reg(m, port, LSR, LSR_IDLE);
    assert_reg(m, port, MSR, 0x00);
    assert_reg(m, port, SCR, 0x00);
    assert_reg(m, port, RBR, 0x00); /* empty RBR reads 0 (mtty_uart.cpp) */
    wr(m, port, LCR, LCR_DLAB);
    assert_reg(m, port, DLL, 0x00);
    assert_reg(m, port, DLM, 0x00);
    wr(m, port, LCR, 0x00);
}

/*
 * Which IOAPIC input the INTA# of a function in slot `slot` of the root bus
 * drives; qtest has no BIOS, so whatever routing firmware would do is done
 * here.
 *
 * q35: the ICH9 LPC maps slot s, pin p to PIRQ[(s + p) % 4 + 4], i.e.
 *   PIRQE..H (ich9_cc_init(); only slots 25..31 follow the D25IR..D31IR
 *   chipset registers), and in APIC mode PIRQ[A..H] drive GSI 16..23
 *   directly, whatever the PIRQx_ROUT registers say (ich9_lpc_update_apic()).
 *   So INTA# of slot s is GSI 20 + s % 4 with no programming: slot 4 -> 20,
 *   slot 5 -> 21.
 * pc: the i440FX/PIIX3 maps slot s, pin p to PIRQ[(s - 1 + p) & 3]
 *   (pc_pci_slot_get_pirq()), and the PIIX3 (00:01.0) routes PIRQ n to the
 *   ISA IRQ in its config byte 0x60 + n, which is 0x80 (disabled) after
 *   reset and is normally set by the BIOS. We write `pc_irq` there; ISA IRQ
 *   n reaches IOAPIC pin n (gsi_handler()).
 */
static int mtty_route_intx(QPCIBus *bus, const char *machine, int slot,
                           int pc_irq)
{
    QPCIDevice *piix;

    if (!strcmp(machine, "q35")) {
        return 16 + (slot % 4) + 4;
    }
    g_assert_cmpstr(machine, ==, "pc");
    piix = mdev_qtest_find_fn(bus, 1);
    qpci_config_writeb(piix, 0x60 + ((slot - 1) & 3), pc_irq);
    g_assert_cmpuint(qpci_config_readb(piix, 0x60 + ((slot - 1) & 3)), ==,
                     pc_irq);
    g_free(piix);
    return pc_irq;
}

/* ---- PCI configuration space ------------------------------------------ */

static void check_ids(const char *machine, const char *type)
{
    g_autofree char *args = g_strdup_printf(
        "-device mdev-mtty,class=vfio,mdev-type=%s,addr=04.0", type);
    QTestState *qts = mtty_start(machine, args);
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = mdev_qtest_find_fn(bus, 4);

    g_assert_cmphex(qpci_config_readl(dev, PCI_VENDOR_ID), ==, 0x32534348);
    g_assert_cmphex(qpci_config_readw(dev, PCI_VENDOR_ID), ==, MTTY_VENDOR);
    g_assert_cmphex(qpci_config_readw(dev, PCI_DEVICE_ID), ==, MTTY_DEVICE);
    g_assert_cmphex(qpci_config_readw(dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    MTTY_VENDOR);
    g_assert_cmphex(qpci_config_readw(dev, PCI_SUBSYSTEM_ID), ==, MTTY_DEVICE);
    g_assert_cmphex(qpci_config_readb(dev, PCI_REVISION_ID), ==, 0x10);
    g_assert_cmphex(qpci_config_readb(dev, PCI_CLASS_PROG), ==, 0x02);
    g_assert_cmphex(qpci_config_readw(dev, PCI_CLASS_DEVICE), ==, 0x0700);
    g_assert_cmphex(qpci_config_readl(dev, PCI_CLASS_REVISION), ==, 0x07000210);
    g_assert_cmphex(qpci_config_readb(dev, PCI_HEADER_TYPE), ==,
                    PCI_HEADER_TYPE_NORMAL);
    g_assert_cmphex(qpci_config_readb(dev, PCI_INTERRUPT_PIN), ==, 0x01);
    /* No capabilities: status bit 4 clear, no list pointer. */
    g_assert_cmphex(qpci_config_readw(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST,
                    ==, 0);
    g_assert_cmphex(qpci_config_readb(dev, PCI_CAPABILITY_LIST), ==, 0);
    /* Nothing asserted, nothing enabled at power-on. */
    g_assert_cmphex(qpci_config_readw(dev, PCI_STATUS) & PCI_STATUS_INTERRUPT,
                    ==, 0);
    g_assert_cmphex(qpci_config_readw(dev, PCI_COMMAND), ==, 0);

    mdev_qtest_close(qts, bus, dev);
}

static void test_ids_q35(void)
{
    check_ids("q35", "mtty-2");
    check_ids("q35", "mtty-1");
}

static void test_ids_pc(void)
{
    check_ids("pc", "mtty-2");
}

static void check_bars(const char *type, int ports)
{
    static const uint8_t bar_reg[6] = {
        PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_1, PCI_BASE_ADDRESS_2,
        PCI_BASE_ADDRESS_3, PCI_BASE_ADDRESS_4, PCI_BASE_ADDRESS_5,
    };
    g_autofree char *args = g_strdup_printf(
        "-device mdev-mtty,class=vfio,mdev-type=%s,addr=04.0", type);
    QTestState *qts = mtty_start("q35", args);
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = mdev_qtest_find_fn(bus, 4);
    int i;

    for (i = 0; i < 6; i++) {
        bool port = i < ports;

        /* An unassigned I/O BAR reads only its I/O space bit. */
        g_assert_cmphex(qpci_config_readl(dev, bar_reg[i]), ==, port ? 1 : 0);
        /* Sizing: all ones reads back the 8-byte mask with bit 0 (I/O). */
        qpci_config_writel(dev, bar_reg[i], 0xffffffff);
        g_assert_cmphex(qpci_config_readl(dev, bar_reg[i]), ==,
                        port ? 0xfffffff9 : 0);
        /* An address keeps bits 31:3. */
        qpci_config_writel(dev, bar_reg[i], 0xc0a5);
        g_assert_cmphex(qpci_config_readl(dev, bar_reg[i]), ==,
                        port ? 0xc0a1 : 0);
        qpci_config_writel(dev, bar_reg[i], 0);
        g_assert_cmphex(qpci_config_readl(dev, bar_reg[i]), ==, port ? 1 : 0);
    }
    /* No expansion ROM. */
    qpci_config_writel(dev, PCI_ROM_ADDRESS, 0xffffffff);
    g_assert_cmphex(qpci_config_readl(dev, PCI_ROM_ADDRESS), ==, 0);

    mdev_qtest_close(qts, bus, dev);
}

static void test_bars_mtty2(void)
{
    check_bars("mtty-2", 2);
}

static void test_bars_mtty1(void)
{
    check_bars("mtty-1", 1);
}

/* ---- UART registers ---------------------------------------------------- */

typedef struct Rig {
    QTestState *qts;
    QPCIBus *bus;
    Mtty m;
} Rig;

static void rig_start(Rig *r, const char *type, int ports)
{
    g_autofree char *args = g_strdup_printf(
        "-device mdev-mtty,class=vfio,mdev-type=%s,addr=04.0", type);

    r->qts = mtty_start("q35", args);
    r->bus = qpci_new_pc(r->qts, NULL);
    mtty_open(&r->m, r->qts, r->bus, 4, ports);
}

static void rig_stop(Rig *r)
{
    mtty_close(&r->m);
    qpci_free_pc(r->bus);
    qtest_quit(r->qts);
}

static void test_uart_reset_values(void)
{
    Rig r;

    rig_start(&r, "mtty-2", 2);
    assert_port_reset(&r.m, 0);
    assert_port_reset(&r.m, 1);
    rig_stop(&r);
}

/* mtty-2: each port loops back into itself; nothing crosses to the other. */
static void test_uart_loopback(void)
{
    static const char a[] = "port0-data";
    static const char b[] = "PORT1";
    Mtty *m;
    Rig r;
    int i;

    rig_start(&r, "mtty-2", 2);
    m = &r.m;

    /* 16450 mode: one byte each. */
    wr(m, 0, THR, 'a');
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR);
    assert_reg(m, 1, LSR, LSR_IDLE);
    wr(m, 1, THR, 'z');
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR);
    assert_reg(m, 1, LSR, LSR_IDLE | LSR_DR);
    assert_reg(m, 1, RBR, 'z');
    assert_reg(m, 1, LSR, LSR_IDLE);
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR);
    assert_reg(m, 0, RBR, 'a');
    assert_reg(m, 0, LSR, LSR_IDLE);
    assert_reg(m, 0, RBR, 0x00);

    /* 16450 mode: a second byte overwrites the unread one, with OE. */
    wr(m, 0, THR, 0x11);
    wr(m, 0, THR, 0x22);
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR | LSR_OE);
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR);
    assert_reg(m, 1, LSR, LSR_IDLE);
    assert_reg(m, 0, RBR, 0x22);
    assert_reg(m, 0, LSR, LSR_IDLE);

    /* FIFO mode, interleaved writes to both ports. */
    wr(m, 0, FCR, FCR_ENABLE);
    wr(m, 1, FCR, FCR_ENABLE);
    for (i = 0; i < strlen(a); i++) {
        wr(m, 0, THR, a[i]);
        if (i < strlen(b)) {
            wr(m, 1, THR, b[i]);
        }
    }
    for (i = 0; i < strlen(b); i++) {
        assert_reg(m, 1, LSR, LSR_IDLE | LSR_DR);
        assert_reg(m, 1, RBR, b[i]);
    }
    assert_reg(m, 1, LSR, LSR_IDLE);
    for (i = 0; i < strlen(a); i++) {
        assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR);
        assert_reg(m, 0, RBR, a[i]);
    }
    assert_reg(m, 0, LSR, LSR_IDLE);

    /* Internal loopback (MCR.LOOP) takes the same data path. */
    wr(m, 1, MCR, MCR_LOOP);
    wr(m, 1, THR, 0x5a);
    assert_reg(m, 1, RBR, 0x5a);
    assert_reg(m, 0, LSR, LSR_IDLE);
    rig_stop(&r);
}

static void test_uart_loopback_mtty1(void)
{
    Rig r;

    rig_start(&r, "mtty-1", 1);
    assert_port_reset(&r.m, 0);
    wr(&r.m, 0, THR, 0xa5);
    assert_reg(&r.m, 0, LSR, LSR_IDLE | LSR_DR);
    assert_reg(&r.m, 0, RBR, 0xa5);
    assert_reg(&r.m, 0, LSR, LSR_IDLE);
    rig_stop(&r);
}

/* FIFO depth 16; the 17th byte is lost with OE; RLS when ELSI. */
static void test_uart_fifo_overrun(void)
{
    Mtty *m;
    Rig r;
    int port, i;

    rig_start(&r, "mtty-2", 2);
    m = &r.m;
    for (port = 0; port < 2; port++) {
        wr(m, port, FCR, FCR_ENABLE);
        wr(m, port, IER, IER_ELSI);
        for (i = 0; i < 16; i++) {
            wr(m, port, THR, 0x30 + port * 0x20 + i);
            assert_reg(m, port, IIR, IIR_FIFO | IIR_NONE);
        }
        wr(m, port, THR, 0xee); /* the 17th */
        assert_reg(m, port, IIR, IIR_FIFO | IIR_RLS);
        assert_reg(m, port, IIR, IIR_FIFO | IIR_RLS); /* IIR does not ack */
        assert_reg(m, port, LSR, LSR_IDLE | LSR_DR | LSR_OE);
        /* Reading LSR cleared OE, and with it the RLS interrupt. */
        assert_reg(m, port, LSR, LSR_IDLE | LSR_DR);
        assert_reg(m, port, IIR, IIR_FIFO | IIR_NONE);
        if (port == 0) {
            /* The other port is untouched. */
            assert_reg(m, 1, LSR, LSR_IDLE);
        }
        for (i = 0; i < 16; i++) {
            assert_reg(m, port, LSR, LSR_IDLE | LSR_DR);
            assert_reg(m, port, RBR, 0x30 + port * 0x20 + i);
        }
        assert_reg(m, port, LSR, LSR_IDLE);
        assert_reg(m, port, RBR, 0x00);
    }

    /* Clearing the RX FIFO empties it but leaves OE (datasheet). */
    for (i = 0; i < 17; i++) {
        wr(m, 0, THR, i);
    }
    wr(m, 0, FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_OE);
    assert_reg(m, 0, LSR, LSR_IDLE);

    /* Leaving FIFO mode empties the FIFO. */
    wr(m, 0, THR, 1);
    wr(m, 0, THR, 2);
    wr(m, 0, FCR, 0);
    assert_reg(m, 0, LSR, LSR_IDLE);
    assert_reg(m, 0, IIR, IIR_NONE);
    /* ... and so does entering it. */
    wr(m, 0, THR, 3);
    wr(m, 0, FCR, FCR_ENABLE);
    assert_reg(m, 0, LSR, LSR_IDLE);
    assert_reg(m, 0, IIR, IIR_FIFO | IIR_NONE);
    rig_stop(&r);
}

/* RDA at and above each trigger level, character timeout below it. */
static void test_uart_iir_rx(void)
{
    static const struct {
        uint8_t fcr;
        int level;
    } trig[] = { { 0x00, 1 }, { 0x40, 4 }, { 0x80, 8 }, { 0xc0, 14 } };
    Mtty *m;
    Rig r;
    int t, n;

    rig_start(&r, "mtty-1", 1);
    m = &r.m;

    /* 16450 mode: RDA as soon as a byte is there, no FIFO bits. */
    wr(m, 0, IER, IER_ERBFI);
    assert_reg(m, 0, IER, IER_ERBFI);
    assert_reg(m, 0, IIR, IIR_NONE);
    wr(m, 0, THR, 0x41);
    assert_reg(m, 0, IIR, IIR_RDA);
    assert_reg(m, 0, RBR, 0x41);
    assert_reg(m, 0, IIR, IIR_NONE);

    for (t = 0; t < ARRAY_SIZE(trig); t++) {
        wr(m, 0, FCR, FCR_ENABLE | FCR_CLEAR_RX | trig[t].fcr);
        assert_reg(m, 0, IIR, IIR_FIFO | IIR_NONE);
        for (n = 1; n <= 16; n++) {
            uint8_t want = IIR_FIFO |
                (n >= trig[t].level ? IIR_RDA : IIR_CTO);

            wr(m, 0, THR, n);
            assert_reg(m, 0, IIR, want);
            assert_reg(m, 0, IIR, want); /* reading IIR acks neither */
        }
        /* Draining crosses back below the trigger level. */
        for (n = 16; n >= 1; n--) {
            uint8_t want = IIR_FIFO |
                (n >= trig[t].level ? IIR_RDA : IIR_CTO);

            assert_reg(m, 0, IIR, want);
            assert_reg(m, 0, RBR, 17 - n);
        }
        assert_reg(m, 0, IIR, IIR_FIFO | IIR_NONE);
    }

    /* Without ERBFI nothing is reported for received data. */
    wr(m, 0, IER, 0);
    wr(m, 0, THR, 0x42);
    assert_reg(m, 0, IIR, IIR_FIFO | IIR_NONE);
    /* FIFO off again: bits 7:6 go back to 0. */
    wr(m, 0, FCR, 0);
    assert_reg(m, 0, IIR, IIR_NONE);
    rig_stop(&r);
}

/* THRE latch, priorities, and the modem-status interrupt. */
static void test_uart_iir_thre_ms(void)
{
    Mtty *m;
    Rig r;

    rig_start(&r, "mtty-1", 1);
    m = &r.m;

    /* Enabling ETBEI with THR empty sets the latch; reading IIR clears it. */
    wr(m, 0, IER, IER_ETBEI);
    assert_reg(m, 0, IIR, IIR_THRE);
    assert_reg(m, 0, IIR, IIR_NONE);
    /* Writing IER again without a 0->1 ETBEI edge does not re-arm it. */
    wr(m, 0, IER, IER_ETBEI);
    assert_reg(m, 0, IIR, IIR_NONE);
    wr(m, 0, IER, 0);
    wr(m, 0, IER, IER_ETBEI);
    assert_reg(m, 0, IIR, IIR_THRE);
    assert_reg(m, 0, IIR, IIR_NONE);
    /* A THR write sets it again (the byte left at once). */
    wr(m, 0, THR, 0x61);
    assert_reg(m, 0, IIR, IIR_THRE);
    assert_reg(m, 0, IIR, IIR_NONE);
    assert_reg(m, 0, RBR, 0x61);

    /* RDA hides THRE, and an IIR read that names RDA leaves THRE set. */
    wr(m, 0, IER, IER_ERBFI | IER_ETBEI);
    wr(m, 0, THR, 0x62);
    assert_reg(m, 0, IIR, IIR_RDA);
    assert_reg(m, 0, IIR, IIR_RDA);
    assert_reg(m, 0, RBR, 0x62);
    assert_reg(m, 0, IIR, IIR_THRE);
    assert_reg(m, 0, IIR, IIR_NONE);

    /* RLS beats RDA: overrun in 16450 mode. */
    wr(m, 0, IER, IER_ERBFI | IER_ELSI);
    wr(m, 0, THR, 0x63);
    wr(m, 0, THR, 0x64);
    assert_reg(m, 0, IIR, IIR_RLS);
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR | LSR_OE);
    assert_reg(m, 0, IIR, IIR_RDA);
    assert_reg(m, 0, RBR, 0x64);
    assert_reg(m, 0, IIR, IIR_NONE);

    /* Modem status: a delta with EDSSI; reading MSR acknowledges it. */
    wr(m, 0, IER, IER_EDSSI);
    assert_reg(m, 0, IIR, IIR_NONE);
    wr(m, 0, MCR, MCR_RTS);
    assert_reg(m, 0, IIR, IIR_MS);
    assert_reg(m, 0, IIR, IIR_MS);
    assert_reg(m, 0, MSR, MSR_CTS | MSR_DCTS);
    assert_reg(m, 0, IIR, IIR_NONE);
    assert_reg(m, 0, MSR, MSR_CTS);

    /* THRE beats MS. */
    wr(m, 0, IER, IER_EDSSI | IER_ETBEI);
    wr(m, 0, MCR, 0);
    assert_reg(m, 0, IIR, IIR_THRE);
    assert_reg(m, 0, IIR, IIR_MS);
    assert_reg(m, 0, MSR, MSR_DCTS);
    assert_reg(m, 0, IIR, IIR_NONE);
    rig_stop(&r);
}

/* MSR inputs from the loopback plug / internal loopback, and deltas. */
static void test_uart_modem_status(void)
{
    Mtty *m;
    Rig r;

    rig_start(&r, "mtty-1", 1);
    m = &r.m;

    /* Plug: RTS -> CTS, DTR -> DSR + DCD, RI open. */
    wr(m, 0, MCR, MCR_DTR);
    assert_reg(m, 0, MCR, MCR_DTR);
    assert_reg(m, 0, MSR, MSR_DSR | MSR_DCD | MSR_DDSR | MSR_DDCD);
    assert_reg(m, 0, MSR, MSR_DSR | MSR_DCD);
    wr(m, 0, MCR, MCR_DTR | MCR_RTS);
    assert_reg(m, 0, MSR, MSR_CTS | MSR_DSR | MSR_DCD | MSR_DCTS);
    assert_reg(m, 0, MSR, MSR_CTS | MSR_DSR | MSR_DCD);
    /* OUT1/OUT2 are not wired outside loop mode. */
    wr(m, 0, MCR, MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);
    assert_reg(m, 0, MSR, MSR_CTS | MSR_DSR | MSR_DCD);
    wr(m, 0, MCR, 0);
    assert_reg(m, 0, MSR, MSR_DCTS | MSR_DDSR | MSR_DDCD);
    assert_reg(m, 0, MSR, 0x00);

    /* Internal loopback: what Linux's autoconfig probes. */
    wr(m, 0, MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
    assert_reg(m, 0, MSR, MSR_DCD | MSR_CTS | MSR_DDCD | MSR_DCTS);
    assert_reg(m, 0, MSR, MSR_DCD | MSR_CTS);
    /* OUT1 -> RI: the rising edge latches no delta. */
    wr(m, 0, MCR, MCR_LOOP | MCR_OUT1);
    assert_reg(m, 0, MSR, MSR_RI | MSR_DDCD | MSR_DCTS);
    assert_reg(m, 0, MSR, MSR_RI);
    /* RI's trailing edge sets TERI. */
    wr(m, 0, MCR, MCR_LOOP);
    assert_reg(m, 0, MSR, MSR_TERI);
    assert_reg(m, 0, MSR, 0x00);
    /* Loop mode DTR -> DSR only (DCD follows OUT2 there). */
    wr(m, 0, MCR, MCR_LOOP | MCR_DTR);
    assert_reg(m, 0, MSR, MSR_DSR | MSR_DDSR);
    wr(m, 0, MCR, 0);
    assert_reg(m, 0, MSR, MSR_DDSR);

    /* MCR keeps bits 4:0 only. */
    wr(m, 0, MCR, 0xe0);
    assert_reg(m, 0, MCR, 0x00);
    assert_reg(m, 0, MSR, 0x00);
    rig_stop(&r);
}

/* Divisor latch behind DLAB, LCR, IER mask, SCR. */
static void test_uart_dlab_scr(void)
{
    Mtty *m;
    Rig r;

    rig_start(&r, "mtty-2", 2);
    m = &r.m;

    wr(m, 0, SCR, 0x5a);
    assert_reg(m, 0, SCR, 0x5a);
    assert_reg(m, 1, SCR, 0x00);
    wr(m, 1, SCR, 0xa5);
    assert_reg(m, 0, SCR, 0x5a);
    assert_reg(m, 1, SCR, 0xa5);

    wr(m, 0, IER, 0xff);
    assert_reg(m, 0, IER, 0x0f);
    wr(m, 0, IER, 0x00);

    wr(m, 0, LCR, LCR_DLAB | 0x03);
    assert_reg(m, 0, LCR, 0x83);
    wr(m, 0, DLL, 0x0c);
    wr(m, 0, DLM, 0x01);
    assert_reg(m, 0, DLL, 0x0c);
    assert_reg(m, 0, DLM, 0x01);
    /* With DLAB set, offset 0 is not THR: nothing is transmitted. */
    assert_reg(m, 0, LSR, LSR_IDLE);
    assert_reg(m, 0, IIR, IIR_NONE);
    /* Port 1 has its own latch. */
    wr(m, 1, LCR, LCR_DLAB);
    assert_reg(m, 1, DLL, 0x00);
    assert_reg(m, 1, DLM, 0x00);
    wr(m, 1, LCR, 0);

    wr(m, 0, LCR, 0x03);
    assert_reg(m, 0, LCR, 0x03);
    /* DLM write did not reach IER; offset 0 is THR/RBR again. */
    assert_reg(m, 0, IER, 0x00);
    wr(m, 0, THR, 0x77);
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR);
    assert_reg(m, 0, RBR, 0x77);
    /* The latch kept its value. */
    wr(m, 0, LCR, LCR_DLAB | 0x03);
    assert_reg(m, 0, DLL, 0x0c);
    assert_reg(m, 0, DLM, 0x01);
    rig_stop(&r);
}

/* ---- INTx --------------------------------------------------------------- */

static void check_intx(const char *machine)
{
    QTestState *qts = mtty_start(machine,
        "-device mdev-mtty,class=vfio,mdev-type=mtty-2,addr=04.0");
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    Mtty mt, *m = &mt;
    int gsi, other;

    qtest_irq_intercept_in(qts, "ioapic");
    gsi = mtty_route_intx(bus, machine, 4, 11);
    other = !strcmp(machine, "q35") ? 21 : 10;
    mtty_open(m, qts, bus, 4, 2);

#define ASSERT_INTX(level)                                                   \
    do {                                                                     \
        g_assert_cmpint(qtest_get_irq(qts, gsi), ==, (level));               \
        g_assert_cmphex(qpci_config_readw(m->dev, PCI_STATUS) &              \
                        PCI_STATUS_INTERRUPT, ==,                            \
                        (level) ? PCI_STATUS_INTERRUPT : 0);                 \
        g_assert_false(qtest_get_irq(qts, other));                           \
    } while (0)

    ASSERT_INTX(false);

    /* RDA on port 0. */
    wr(m, 0, IER, IER_ERBFI);
    ASSERT_INTX(false);
    wr(m, 0, THR, 0x31);
    ASSERT_INTX(true);
    assert_reg(m, 0, IIR, IIR_RDA);
    ASSERT_INTX(true); /* reading IIR does not ack RDA */
    /* Not gated by MCR.OUT2, either way. */
    wr(m, 0, MCR, MCR_OUT2);
    ASSERT_INTX(true);
    wr(m, 0, MCR, 0);
    ASSERT_INTX(true);
    /* The command register's INTx disable masks it (QEMU's PCI core). */
    qpci_config_writew(m->dev, PCI_COMMAND,
                       qpci_config_readw(m->dev, PCI_COMMAND) |
                       PCI_COMMAND_INTX_DISABLE);
    g_assert_false(qtest_get_irq(qts, gsi));
    qpci_config_writew(m->dev, PCI_COMMAND,
                       qpci_config_readw(m->dev, PCI_COMMAND) &
                       ~PCI_COMMAND_INTX_DISABLE);
    ASSERT_INTX(true);
    assert_reg(m, 0, RBR, 0x31);
    ASSERT_INTX(false);

    /* THRE on port 1: raised by enabling ETBEI, lowered by reading IIR. */
    wr(m, 1, IER, IER_ETBEI);
    ASSERT_INTX(true);
    assert_reg(m, 1, IIR, IIR_THRE);
    ASSERT_INTX(false);

    /* Both ports pending: the line stays up until both are quiet. */
    wr(m, 0, THR, 0x32);
    wr(m, 1, IER, 0);
    wr(m, 1, IER, IER_ETBEI);
    ASSERT_INTX(true);
    assert_reg(m, 0, RBR, 0x32);
    ASSERT_INTX(true);
    assert_reg(m, 1, IIR, IIR_THRE);
    ASSERT_INTX(false);
    wr(m, 1, IER, 0);

    /* FIFO character timeout (below trigger 4) and RDA both raise it. */
    wr(m, 0, FCR, FCR_ENABLE | 0x40);
    wr(m, 0, THR, 1);
    ASSERT_INTX(true);
    assert_reg(m, 0, IIR, IIR_FIFO | IIR_CTO);
    wr(m, 0, FCR, FCR_ENABLE | FCR_CLEAR_RX | 0x40);
    ASSERT_INTX(false);
    wr(m, 0, FCR, 0);

    /* RLS only: overrun raises it, reading LSR lowers it. */
    wr(m, 0, IER, IER_ELSI);
    wr(m, 0, THR, 1);
    ASSERT_INTX(false);
    wr(m, 0, THR, 2);
    ASSERT_INTX(true);
    assert_reg(m, 0, LSR, LSR_IDLE | LSR_DR | LSR_OE);
    ASSERT_INTX(false);
    assert_reg(m, 0, RBR, 2);

    /* Modem status on port 1: raised by a delta, lowered by reading MSR. */
    wr(m, 1, IER, IER_EDSSI);
    wr(m, 1, MCR, MCR_DTR);
    ASSERT_INTX(true);
    assert_reg(m, 1, MSR, MSR_DSR | MSR_DCD | MSR_DDSR | MSR_DDCD);
    ASSERT_INTX(false);

    /* Disabling the source in IER lowers it too. */
    wr(m, 0, IER, IER_ERBFI);
    wr(m, 0, THR, 3);
    ASSERT_INTX(true);
    wr(m, 0, IER, 0);
    ASSERT_INTX(false);
#undef ASSERT_INTX

    mtty_close(m);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

static void test_intx_q35(void)
{
    check_intx("q35");
}

static void test_intx_pc(void)
{
    check_intx("pc");
}

/* ---- system_reset -------------------------------------------------------- */

static void test_reset(void)
{
    QTestState *qts = mtty_start("q35",
        "-device mdev-mtty,class=vfio,mdev-type=mtty-2,addr=04.0");
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    Mtty mt, *m = &mt;
    int gsi, port;

    qtest_irq_intercept_in(qts, "ioapic");
    gsi = mtty_route_intx(bus, "q35", 4, 0);
    mtty_open(m, qts, bus, 4, 2);

    /* Dirty everything. */
    qpci_config_writeb(m->dev, PCI_INTERRUPT_LINE, 0x0b);
    for (port = 0; port < 2; port++) {
        wr(m, port, FCR, FCR_ENABLE | 0xc0);
        wr(m, port, IER, IER_ERBFI | IER_ETBEI | IER_ELSI | IER_EDSSI);
        wr(m, port, MCR, MCR_LOOP | MCR_OUT1 | MCR_RTS);
        wr(m, port, SCR, 0x99);
        wr(m, port, THR, 0x10);
        wr(m, port, LCR, LCR_DLAB | 0x1b);
        wr(m, port, DLL, 0x34);
        wr(m, port, DLM, 0x12);
    }
    g_assert_true(qtest_get_irq(qts, gsi));
    g_assert_cmphex(qpci_config_readb(m->dev, PCI_INTERRUPT_LINE), ==, 0x0b);
    g_assert_cmphex(qpci_config_readw(m->dev, PCI_COMMAND) & PCI_COMMAND_IO,
                    ==, PCI_COMMAND_IO);

    qtest_qmp_assert_success(qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(qts, "RESET");

    g_assert_false(qtest_get_irq(qts, gsi));
    /* Config space at power-on. */
    g_assert_cmphex(qpci_config_readw(m->dev, PCI_COMMAND), ==, 0);
    g_assert_cmphex(qpci_config_readw(m->dev, PCI_STATUS) &
                    (PCI_STATUS_INTERRUPT | PCI_STATUS_CAP_LIST), ==, 0);
    g_assert_cmphex(qpci_config_readl(m->dev, PCI_BASE_ADDRESS_0), ==, 1);
    g_assert_cmphex(qpci_config_readl(m->dev, PCI_BASE_ADDRESS_1), ==, 1);
    g_assert_cmphex(qpci_config_readb(m->dev, PCI_INTERRUPT_LINE), ==, 0);
    g_assert_cmphex(qpci_config_readb(m->dev, PCI_INTERRUPT_PIN), ==, 1);
    g_assert_cmphex(qpci_config_readl(m->dev, PCI_VENDOR_ID), ==, 0x32534348);

    /* UARTs at power-on. */
    mtty_map(m);
    for (port = 0; port < 2; port++) {
        assert_port_reset(m, port);
    }
    g_assert_false(qtest_get_irq(qts, gsi));
    /* And working. */
    wr(m, 1, IER, IER_ERBFI);
    wr(m, 1, THR, 0x44);
    g_assert_true(qtest_get_irq(qts, gsi));
    assert_reg(m, 1, RBR, 0x44);
    g_assert_false(qtest_get_irq(qts, gsi));

    mtty_close(m);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

/* ---- two functions -------------------------------------------------------- */

static void test_two_devices(void)
{
    QTestState *qts = mtty_start("q35",
        "-device mdev-mtty,class=vfio,mdev-type=mtty-2,addr=04.0,uuid=" MTTY_UUID_A
        " -device mdev-mtty,class=vfio,mdev-type=mtty-1,addr=05.0,uuid="
        MTTY_UUID_B);
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    Mtty a, b;
    int gsi_a, gsi_b;

    qtest_irq_intercept_in(qts, "ioapic");
    gsi_a = mtty_route_intx(bus, "q35", 4, 0);
    gsi_b = mtty_route_intx(bus, "q35", 5, 0);
    g_assert_cmpint(gsi_a, !=, gsi_b);
    mtty_open(&a, qts, bus, 4, 2);
    mtty_open(&b, qts, bus, 5, 1);

    /* b is an mtty-1: no BAR1. */
    qpci_config_writel(b.dev, PCI_BASE_ADDRESS_1, 0xffffffff);
    g_assert_cmphex(qpci_config_readl(b.dev, PCI_BASE_ADDRESS_1), ==, 0);
    g_assert_cmphex(qpci_config_readl(a.dev, PCI_BASE_ADDRESS_1) & 1, ==, 1);

    wr(&a, 0, IER, IER_ERBFI);
    wr(&b, 0, IER, IER_ERBFI);
    wr(&a, 0, SCR, 0xaa);
    assert_reg(&b, 0, SCR, 0x00);

    wr(&a, 0, THR, 0x61);
    assert_reg(&b, 0, LSR, LSR_IDLE);
    assert_reg(&a, 1, LSR, LSR_IDLE);
    g_assert_true(qtest_get_irq(qts, gsi_a));
    g_assert_false(qtest_get_irq(qts, gsi_b));

    wr(&b, 0, THR, 0x62);
    g_assert_true(qtest_get_irq(qts, gsi_b));
    assert_reg(&a, 0, RBR, 0x61);
    g_assert_false(qtest_get_irq(qts, gsi_a));
    g_assert_true(qtest_get_irq(qts, gsi_b));
    assert_reg(&a, 0, LSR, LSR_IDLE);
    assert_reg(&b, 0, RBR, 0x62);
    g_assert_false(qtest_get_irq(qts, gsi_b));

    mtty_close(&a);
    mtty_close(&b);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

/* ---- accesses wider than a register ---------------------------------------- */

/*
 * The UART's registers are one byte wide. A wider access is one byte access
 * per register, low address first, each with its side effects, as on QEMU's
 * own 16550 (pci-serial; tests/qtest/mdev/mdev-access-size-test.c runs the
 * same accesses on both); nothing is logged, as there.
 */
static void test_wide_access(void)
{
    g_autofree char *log = NULL;
    g_autofree char *log_text = NULL;
    QTestState *qts;
    QPCIBus *bus;
    Mtty mt, *m = &mt;

    log = mdev_qtest_temp_file("mdev-mtty-test-XXXXXX.log");
    qts = qtest_initf("-M q35 -nodefaults -d guest_errors -D %s "
                      "-device mdev-mtty,class=vfio,mdev-type=mtty-2,addr=04.0,"
                      "uuid=" MTTY_UUID_A, log);
    bus = qpci_new_pc(qts, NULL);
    mtty_open(m, qts, bus, 4, 2);

    wr(m, 0, FCR, FCR_ENABLE);
    wr(m, 0, THR, 0x41);
    wr(m, 0, THR, 0x42);
    wr(m, 0, SCR, 0x33);

    /* RBR pops 0x41, IER reads 0; then IIR (FIFO, no interrupt) and LCR. */
    g_assert_cmphex(qpci_io_readw(m->dev, m->bar[0], RBR), ==, 0x0041);
    g_assert_cmphex(qpci_io_readw(m->dev, m->bar[0], IIR), ==,
                    (IIR_FIFO | IIR_NONE));
    /* MCR, LSR (0x42 waiting), MSR, SCR. */
    g_assert_cmphex(qpci_io_readl(m->dev, m->bar[0], MCR), ==,
                    0x33000000 | (LSR_IDLE | LSR_DR) << 8);
    /* A word at LCR: LCR, then MCR. */
    qpci_io_writew(m->dev, m->bar[1], LCR, 0x0003 | (MCR_OUT2 << 8));
    assert_reg(m, 1, LCR, 0x03);
    assert_reg(m, 1, MCR, MCR_OUT2);
    /* THR then IER: 0x43 sent, ETBEI set. */
    qpci_io_writew(m->dev, m->bar[1], THR, 0x0243);
    assert_reg(m, 1, IER, IER_ETBEI);
    assert_reg(m, 1, RBR, 0x43);
    assert_reg(m, 0, RBR, 0x42);
    assert_reg(m, 0, LSR, LSR_IDLE);

    mtty_close(m);
    qpci_free_pc(bus);
    qtest_quit(qts);

    g_assert_true(g_file_get_contents(log, &log_text, NULL, NULL));
    unlink(log);
    g_assert_cmpstr(log_text, ==, "");
}

/* ---- command line ---------------------------------------------------------- */

static void count_mtty(QPCIDevice *dev, int devfn, void *data)
{
    int *n = data;

    /* Every one of them an mtty-2: BAR1 exists. */
    qpci_config_writel(dev, PCI_BASE_ADDRESS_1, 0xffffffff);
    g_assert_cmphex(qpci_config_readl(dev, PCI_BASE_ADDRESS_1), ==, 0xfffffff9);
    (*n)++;
    g_free(dev);
}

static void test_budget(void)
{
    static const char *const mtty2_full[] = {
        "property 'mdev-type': ", "'mtty-2'", NULL
    };
    static const char *const mtty1_full[] = {
        "property 'mdev-type': ", "'mtty-1'", NULL
    };
    g_autofree char *twelve = mdev_qtest_repeat_device("mdev-mtty,class=vfio", 12);
    g_autofree char *eleven = mdev_qtest_repeat_device(
        "mdev-mtty,class=vfio,mdev-type=mtty-2", 11);
    g_autofree char *ones = mdev_qtest_repeat_device(
        "mdev-mtty,class=vfio,mdev-type=mtty-1", 24);
    g_autofree char *args = NULL;
    QTestState *qts;
    QPCIBus *bus;
    int n = 0;

    /* 12 mtty-2 (the default type) use the 24 ports and all work. */
    qts = qtest_initf("-M q35 -nodefaults %s", twelve);
    bus = qpci_new_pc(qts, NULL);
    qpci_device_foreach(bus, MTTY_VENDOR, MTTY_DEVICE, count_mtty, &n);
    g_assert_cmpint(n, ==, 12);
    qpci_free_pc(bus);
    qtest_quit(qts);

    mdev_qtest_assert_starts(twelve);
    args = g_strdup_printf("%s -device mdev-mtty,class=vfio", twelve);
    mdev_qtest_assert_fails(args, mtty2_full);
    g_free(args);
    args = g_strdup_printf("%s -device mdev-mtty,class=vfio,mdev-type=mtty-1",
                           twelve);
    mdev_qtest_assert_fails(args, mtty1_full);
    g_free(args);

    mdev_qtest_assert_starts(ones);
    args = g_strdup_printf("%s -device mdev-mtty,class=vfio,mdev-type=mtty-1",
                           ones);
    mdev_qtest_assert_fails(args, mtty1_full);
    g_free(args);

    /* 23 ports in use: one mtty-1 fits, an mtty-2 does not. */
    args = g_strdup_printf("%s -device mdev-mtty,class=vfio,mdev-type=mtty-1 "
                           "-device mdev-mtty,class=vfio,mdev-type=mtty-1", eleven);
    mdev_qtest_assert_starts(args);
    g_free(args);
    args = g_strdup_printf("%s -device mdev-mtty,class=vfio,mdev-type=mtty-1 "
                           "-device mdev-mtty,class=vfio,mdev-type=mtty-2", eleven);
    mdev_qtest_assert_fails(args, mtty2_full);
}

static void test_bad_properties(void)
{
    static const char *const class_foo[] = {
        "property 'class': ", "'foo'", "accepted: vfio", NULL
    };
    static const char *const class_missing[] = {
        "property 'class' is required; accepted: vfio", NULL
    };
    static const char *const type_bad[] = {
        "property 'mdev-type': ", "'mtty-3'", "accepted: mtty-1, mtty-2", NULL
    };
    /* QEMU's own UUID property refuses it, as for any device's uuid. */
    static const char *const uuid_bad[] = {
        "'mdev-mtty.uuid'", "'xyz'", NULL
    };
    static const char *const uuid_dup[] = {
        "property 'uuid': ", MTTY_UUID_A, NULL
    };

    mdev_qtest_assert_starts("-device mdev-mtty,class=vfio,uuid=" MTTY_UUID_A
                  " -device mdev-mtty,class=vfio,uuid=" MTTY_UUID_B);
    /* "auto" (the default) is a random UUID, as QEMU's UUID properties take. */
    mdev_qtest_assert_starts("-device mdev-mtty,class=vfio,uuid=auto"
                  " -device mdev-mtty,class=vfio,uuid=auto");
    mdev_qtest_assert_fails("-device mdev-mtty,class=foo", class_foo);
    mdev_qtest_assert_fails("-device mdev-mtty", class_missing);
    mdev_qtest_assert_fails("-device mdev-mtty,mdev-type=mtty-1", class_missing);
    mdev_qtest_assert_fails("-device mdev-mtty,class=vfio,mdev-type=mtty-3", type_bad);
    mdev_qtest_assert_fails("-device mdev-mtty,class=vfio,uuid=xyz", uuid_bad);
    mdev_qtest_assert_fails("-device mdev-mtty,class=vfio,uuid=" MTTY_UUID_A
                 " -device mdev-mtty,class=vfio,mdev-type=mtty-1,uuid="
                 MTTY_UUID_A, uuid_dup);
}

static const char *line_with(const char *text, const char *needle,
                             char **line)
{
    const char *p = strstr(text, needle);
    const char *start, *end;

    g_assert_nonnull(p);
    start = p;
    while (start > text && start[-1] != '\n') {
        start--;
    }
    end = strchrnul(p, '\n');
    *line = g_strndup(start, end - start);
    return *line;
}

static void test_help(void)
{
    const char *binary = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *class_line = NULL;
    g_autofree char *type_line = NULL;
    g_autofree char *uuid_line = NULL;
    g_autoptr(GError) error = NULL;
    int wait_status;

    g_assert_nonnull(binary);
    cmd = g_strdup_printf("%s -device mdev-mtty,help", binary);
    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &wait_status,
                                            &error));
    g_test_message("%s", out);
    g_assert_true(WIFEXITED(wait_status));
    g_assert_cmpint(WEXITSTATUS(wait_status), ==, 0);
    g_assert_nonnull(strstr(out, "mdev-mtty options:"));
    line_with(out, "class=<str>", &class_line);
    g_assert_nonnull(strstr(class_line, "Required"));
    g_assert_nonnull(strstr(class_line, "vfio"));
    line_with(out, "mdev-type=<str>", &type_line);
    g_assert_nonnull(strstr(type_line, "mtty-1"));
    g_assert_nonnull(strstr(type_line, "mtty-2"));
    g_assert_nonnull(strstr(type_line, "24 ports"));
    line_with(out, "uuid=<str>", &uuid_line);
    g_assert_nonnull(strstr(uuid_line, "UUID"));
}

/* info qtree: the PCI function carries an mdev-bus with the mdev on it. */
static void test_qtree(void)
{
    QTestState *qts = mtty_start("q35",
        "-device mdev-mtty,class=vfio,mdev-type=mtty-1,addr=04.0,uuid="
        MTTY_UUID_A);
    g_autofree char *raw = qtest_hmp(qts, "info qtree");
    g_autofree char *tree = NULL;
    g_auto(GStrv) lines = NULL;
    const char *fn, *bus, *dev;
    g_autofree char *props = NULL;

    /* HMP output ends its lines with CR LF. */
    lines = g_strsplit(raw, "\r", -1);
    tree = g_strjoinv("", lines);
    g_test_message("%s", tree);
    fn = strstr(tree, "dev: mdev-mtty,");
    g_assert_nonnull(fn);
    bus = strstr(fn, "type mdev-bus\n");
    g_assert_nonnull(bus);
    /* The bus has a fixed name under its function, not a counted one. */
    g_assert_nonnull(strstr(fn, "bus: mdev-bus\n"));
    g_assert_true(strstr(fn, "bus: mdev-bus\n") < bus);
    dev = strstr(bus, "dev: mdev-device,");
    g_assert_nonnull(dev);
    /* The function's own properties, between it and its bus. */
    props = g_strndup(fn, bus - fn);
    g_assert_nonnull(strstr(props, "class = \"vfio\"\n"));
    g_assert_nonnull(strstr(props, "mdev-type = \"mtty-1\"\n"));
    g_assert_nonnull(strstr(props, "uuid = \"" MTTY_UUID_A "\"\n"));
    g_assert_nonnull(strstr(props, "addr = 04.0\n"));
    /* The mdev's. */
    g_assert_nonnull(strstr(dev, "parent = \"mtty\"\n"));
    g_assert_nonnull(strstr(dev, "mdev-type = \"mtty-1\"\n"));
    g_assert_nonnull(strstr(dev, "uuid = \"" MTTY_UUID_A "\"\n"));
    g_assert_nonnull(strstr(dev, "class = \"vfio\"\n"));
    g_assert_nonnull(strstr(dev, "driver = \"vfio-pci\"\n"));
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/mdev-mtty/config/ids/q35", test_ids_q35);
    qtest_add_func("/mdev-mtty/config/ids/pc", test_ids_pc);
    qtest_add_func("/mdev-mtty/config/bars/mtty-2", test_bars_mtty2);
    qtest_add_func("/mdev-mtty/config/bars/mtty-1", test_bars_mtty1);
    qtest_add_func("/mdev-mtty/uart/reset-values", test_uart_reset_values);
    qtest_add_func("/mdev-mtty/uart/loopback", test_uart_loopback);
    qtest_add_func("/mdev-mtty/uart/loopback-mtty-1", test_uart_loopback_mtty1);
    qtest_add_func("/mdev-mtty/uart/fifo-overrun", test_uart_fifo_overrun);
    qtest_add_func("/mdev-mtty/uart/iir-rx", test_uart_iir_rx);
    qtest_add_func("/mdev-mtty/uart/iir-thre-ms", test_uart_iir_thre_ms);
    qtest_add_func("/mdev-mtty/uart/modem-status", test_uart_modem_status);
    qtest_add_func("/mdev-mtty/uart/dlab-scr", test_uart_dlab_scr);
    qtest_add_func("/mdev-mtty/intx/q35", test_intx_q35);
    qtest_add_func("/mdev-mtty/intx/pc", test_intx_pc);
    qtest_add_func("/mdev-mtty/reset", test_reset);
    qtest_add_func("/mdev-mtty/two-devices", test_two_devices);
    qtest_add_func("/mdev-mtty/wide-access", test_wide_access);
    qtest_add_func("/mdev-mtty/cmdline/budget", test_budget);
    qtest_add_func("/mdev-mtty/cmdline/bad-properties", test_bad_properties);
    qtest_add_func("/mdev-mtty/cmdline/help", test_help);
    qtest_add_func("/mdev-mtty/qtree", test_qtree);

    return g_test_run();
}
