/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: fault injection as a test uses it (docs/fault-injection.md):
 * query-mdev-faults lists the vfio class's faults, mdev-fault-inject and
 * mdev-fault-clear arm and disarm them, refusals name what is accepted,
 * HMP does the same, migration is blocked while a fault is armed and not
 * after it is cleared, and drop-irq loses exactly the interrupt it is
 * armed for (an mtty UART's INTx, seen in PCI_STATUS); mtty's own faults
 * (line errors, overrun, break, modem lines) as its UART's registers and
 * INTx show them.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "mdev-qtest-common.h"

#define UUID "83b8f4f2-509f-382f-3c1e-e6bfe0fa10f1"
#define MTTY "-M q35 -nodefaults -device mdev-mtty,class=vfio,mdev-type=mtty-1," \
             "addr=04.0,uuid=" UUID
#define MTTY_OFFERS "parity-error, framing-error, overrun, break, modem-lines, " \
                    "drop-irq, spurious-irq, dma-error"

/* 16550 registers (offsets in the port's BAR). */
#define THR 0
#define RBR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define IER_ERBFI 0x01
#define IER_ELSI 0x04
#define IER_EDSSI 0x08
#define FCR_FIFO 0x01
#define LCR_8N1 0x03
#define LCR_PEN 0x08
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define IIR_FIFO 0xc0
#define IIR_MSI 0x00
#define IIR_RLSI 0x06
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_IDLE 0x60
#define LSR_FIFOE 0x80
#define MSR_DCTS 0x01
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

static QDict *fault_of(QDict *resp, const char *name)
{
    QList *mdevs = qdict_get_qlist(resp, "return");
    QDict *m;
    QListEntry *e;

    g_assert_cmpint(qlist_size(mdevs), ==, 1);
    m = qobject_to(QDict, qlist_peek(mdevs));
    g_assert_cmpstr(qdict_get_str(m, "uuid"), ==, UUID);
    QLIST_FOREACH_ENTRY(qdict_get_qlist(m, "faults"), e) {
        QDict *f = qobject_to(QDict, qlist_entry_obj(e));
        if (!strcmp(qdict_get_str(f, "name"), name)) {
            return f;
        }
    }
    return NULL;
}

/* @fault's member @key (armed or fired) from query-mdev-faults. */
static int64_t fault_get(QTestState *qts, const char *fault, const char *key)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-faults',"
                            "  'arguments': { 'uuid': %s } }", UUID);
    QDict *f = fault_of(resp, fault);
    int64_t v;

    g_assert_nonnull(f);
    v = !strcmp(key, "armed") ? qdict_get_bool(f, key) : qdict_get_int(f, key);
    qobject_unref(resp);
    return v;
}

static void test_query(void)
{
    QTestState *qts = qtest_init(MTTY);
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-faults' }");
    QDict *f = fault_of(resp, "drop-irq");
    QDict *p;

    g_assert_nonnull(f);
    g_assert_false(qdict_get_bool(f, "armed"));
    g_assert_cmpint(qdict_get_int(f, "fired"), ==, 0);
    g_assert_nonnull(strstr(qdict_get_str(f, "description"), "not delivered"));
    p = qobject_to(QDict, qlist_peek(qdict_get_qlist(f, "params")));
    g_assert_cmpstr(qdict_get_str(p, "name"), ==, "vector");
    g_assert_cmpstr(qdict_get_str(p, "type"), ==, "int");
    g_assert_nonnull(fault_of(resp, "spurious-irq"));
    g_assert_nonnull(fault_of(resp, "dma-error"));
    qobject_unref(resp);
    qtest_quit(qts);
}

/* The error of @cmd (a QMP command) contains @needle. */
static void assert_error(QTestState *qts, QDict *resp, const char *needle)
{
    const char *desc;

    g_assert(qdict_haskey(resp, "error"));
    desc = qdict_get_str(qdict_get_qdict(resp, "error"), "desc");
    if (!strstr(desc, needle)) {
        g_error("error '%s' does not contain '%s'", desc, needle);
    }
    qobject_unref(resp);
}

static void test_errors(void)
{
    QTestState *qts = qtest_init(MTTY);

    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': 'nope', 'fault': 'drop-irq' } }"),
        "is not a UUID");
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': '83b8f4f2-509f-382f-3c1e-e6bfe0fa1999',"
        " 'fault': 'drop-irq' } }"), "no mdev has UUID");
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'melt' } }", UUID),
        "it offers: " MTTY_OFFERS);
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'drop-irq',"
        " 'args': { 'vectr': 1 } } }", UUID), "it takes: vector (int)");
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'drop-irq',"
        " 'args': { 'vector': 'two' } } }", UUID), "takes an integer");
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'dma-error',"
        " 'args': { 'direction': 'sideways' } } }", UUID),
        "one of read, write, any");
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'drop-irq',"
        " 'args': { 'vector': [ 1 ] } } }", UUID),
        "must be a string, an integer or a boolean");
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'drop-irq', 'args': 3 } }",
        UUID), "must be an object");
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-clear',"
        " 'arguments': { 'uuid': %s, 'fault': 'melt' } }", UUID),
        "it offers: " MTTY_OFFERS);
    /* Nothing was armed by a refused command. */
    g_assert_false(fault_get(qts, "drop-irq", "armed"));
    g_assert_false(fault_get(qts, "dma-error", "armed"));
    qtest_quit(qts);
}

static void test_migration_blocked_while_armed(void)
{
    QTestState *qts = qtest_init(MTTY);
    QDict *resp;

    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'dma-error', 'count': 0 } }",
        UUID);
    g_assert_true(fault_get(qts, "dma-error", "armed"));
    resp = qtest_qmp(qts, "{ 'execute': 'migrate',"
                     "  'arguments': { 'uri': 'exec:cat > /dev/null' } }");
    assert_error(qts, resp, "has faults armed");
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-clear',"
        " 'arguments': { 'uuid': %s } }", UUID);
    g_assert_false(fault_get(qts, "dma-error", "armed"));
    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate',"
        " 'arguments': { 'uri': 'exec:cat > /dev/null' } }");
    mdev_qtest_wait_migration(qts, "completed");
    qtest_quit(qts);
}

static void test_hmp(void)
{
    QTestState *qts = qtest_init(MTTY);
    g_autofree char *out = NULL;

    /* spurious-irq happens at once, count times: each counted. */
    out = qtest_hmp(qts, "mdev_fault_inject " UUID " spurious-irq count=2");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    g_assert_cmpint(fault_get(qts, "spurious-irq", "fired"), ==, 2);
    out = qtest_hmp(qts, "mdev_fault_inject " UUID " drop-irq count=0 "
                    "skip=3 vector=0");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    out = qtest_hmp(qts, "info mdev-faults " UUID);
    g_assert_nonnull(strstr(out, "drop-irq           armed, fired 0 "
                            "(until cleared)"));
    g_assert_nonnull(strstr(out, "spurious-irq       not armed, fired 2"));
    g_assert_nonnull(strstr(out, "vector=int"));
    g_free(out);
    out = qtest_hmp(qts, "mdev_fault_inject " UUID " drop-irq vector=x");
    g_assert_nonnull(strstr(out, "takes an integer"));
    g_free(out);
    out = qtest_hmp(qts, "mdev_fault_inject " UUID " drop-irq count=many");
    g_assert_nonnull(strstr(out, "count takes an unsigned integer"));
    g_free(out);
    out = qtest_hmp(qts, "mdev_fault_clear " UUID " drop-irq");
    g_assert_cmpstr(out, ==, "");
    g_assert_false(fault_get(qts, "drop-irq", "armed"));
    qtest_quit(qts);
}

/* The UART's INTx as PCI_STATUS shows it. */
static bool intx(QPCIDevice *dev)
{
    return qpci_config_readw(dev, PCI_STATUS) & PCI_STATUS_INTERRUPT;
}

static void test_drop_irq_intx(void)
{
    QTestState *qts = qtest_init(MTTY);
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = qpci_device_find(bus, QPCI_DEVFN(4, 0));
    QPCIBar bar;

    g_assert_nonnull(dev);
    qpci_device_enable(dev);
    bar = qpci_iomap(dev, 0, NULL);
    qpci_io_writeb(dev, bar, IER, IER_ERBFI);

    /* Unfaulted: a received byte raises INTx; reading it lowers it. */
    qpci_io_writeb(dev, bar, THR, 0x41);
    g_assert_true(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 0x41);
    g_assert_false(intx(dev));

    /* The next assertion is lost, once. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'drop-irq' } }", UUID);
    qpci_io_writeb(dev, bar, THR, 0x42);
    g_assert_false(intx(dev));
    g_assert_cmpint(fault_get(qts, "drop-irq", "fired"), ==, 1);
    g_assert_false(fault_get(qts, "drop-irq", "armed"));
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 0x42);
    g_assert_false(intx(dev));

    /* Spent: the next one is delivered. */
    qpci_io_writeb(dev, bar, THR, 0x43);
    g_assert_true(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 0x43);

    g_free(dev);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

/* mtty's line faults through QMP, as the 8250 driver reads them: the
 * receiver line status interrupt on INTx, LSR with the error of the
 * character at the top of the FIFO and bit 7, then the character. */
static void test_mtty_line_faults(void)
{
    QTestState *qts = qtest_init(MTTY);
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = qpci_device_find(bus, QPCI_DEVFN(4, 0));
    QDict *resp, *f, *p;
    QPCIBar bar;

    g_assert_nonnull(dev);
    /* Declared with a port parameter fitted to the card (mtty-1: 0). */
    resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-faults' }");
    f = fault_of(resp, "parity-error");
    g_assert_nonnull(f);
    g_assert_nonnull(strstr(qdict_get_str(f, "description"), "parity error"));
    p = qobject_to(QDict, qlist_peek(qdict_get_qlist(f, "params")));
    g_assert_cmpstr(qdict_get_str(p, "name"), ==, "port");
    g_assert_nonnull(fault_of(resp, "modem-lines"));
    qobject_unref(resp);
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'break',"
        " 'args': { 'port': 1 } } }", UUID), "takes 0 to 0, not 1");

    qpci_device_enable(dev);
    bar = qpci_iomap(dev, 0, NULL);
    qpci_io_writeb(dev, bar, FCR, FCR_FIFO);
    qpci_io_writeb(dev, bar, LCR, LCR_8N1 | LCR_PEN);
    qpci_io_writeb(dev, bar, IER, IER_ELSI);

    /* Unfaulted: no line status interrupt. */
    qpci_io_writeb(dev, bar, THR, 'a');
    g_assert_false(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE | LSR_DR);
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 'a');

    /* parity-error, skipping one character. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'parity-error', 'skip': 1,"
        " 'args': { 'port': 0 } } }", UUID);
    qpci_io_writeb(dev, bar, THR, 'b');
    g_assert_false(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE | LSR_DR);
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 'b');
    qpci_io_writeb(dev, bar, THR, 'X');
    g_assert_true(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, IIR), ==, IIR_FIFO | IIR_RLSI);
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==,
                    LSR_IDLE | LSR_DR | LSR_PE | LSR_FIFOE);
    g_assert_false(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 'X');
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE);
    g_assert_cmpint(fault_get(qts, "parity-error", "fired"), ==, 1);
    g_assert_false(fault_get(qts, "parity-error", "armed"));

    /* framing-error. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'framing-error' } }", UUID);
    qpci_io_writeb(dev, bar, THR, 'Y');
    g_assert_true(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==,
                    LSR_IDLE | LSR_DR | LSR_FE | LSR_FIFOE);
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 'Y');

    /* break: a 0 character with BI (and FE) instead of 'B'. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'break' } }", UUID);
    qpci_io_writeb(dev, bar, THR, 'B');
    g_assert_true(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==,
                    LSR_IDLE | LSR_DR | LSR_BI | LSR_FE | LSR_FIFOE);
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 0);
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE);

    /* overrun: 'L' is lost, OE; 'K' arrives. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'overrun' } }", UUID);
    qpci_io_writeb(dev, bar, THR, 'L');
    g_assert_true(intx(dev));
    qpci_io_writeb(dev, bar, THR, 'K');
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE | LSR_DR | LSR_OE);
    g_assert_false(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 'K');
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE);

    g_assert_cmpint(fault_get(qts, "framing-error", "fired"), ==, 1);
    g_assert_cmpint(fault_get(qts, "break", "fired"), ==, 1);
    g_assert_cmpint(fault_get(qts, "overrun", "fired"), ==, 1);
    g_free(dev);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

/* modem-lines happens at once: MSR and the modem status interrupt; over
 * QMP with booleans, over HMP with text. */
static void test_mtty_modem_lines(void)
{
    QTestState *qts = qtest_init(MTTY);
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = qpci_device_find(bus, QPCI_DEVFN(4, 0));
    g_autofree char *out = NULL;
    QPCIBar bar;

    g_assert_nonnull(dev);
    qpci_device_enable(dev);
    bar = qpci_iomap(dev, 0, NULL);
    /* The loopback plug: RTS -> CTS, DTR -> DSR and DCD. */
    qpci_io_writeb(dev, bar, MCR, MCR_DTR | MCR_RTS);
    g_assert_cmphex(qpci_io_readb(dev, bar, MSR) & 0xf0, ==, MSR_CTS | MSR_DSR | MSR_DCD);
    qpci_io_writeb(dev, bar, IER, IER_EDSSI);
    g_assert_false(intx(dev));

    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'modem-lines',"
        " 'args': { 'cts': false, 'dcd': false } } }", UUID);
    g_assert_true(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, IIR), ==, IIR_MSI);
    g_assert_cmphex(qpci_io_readb(dev, bar, MSR), ==, MSR_DSR | MSR_DCTS | MSR_DDCD);
    g_assert_false(intx(dev));
    g_assert_false(fault_get(qts, "modem-lines", "armed"));
    g_assert_cmpint(fault_get(qts, "modem-lines", "fired"), ==, 1);

    /* RI up, then down: TERI on the trailing edge only. */
    out = qtest_hmp(qts, "mdev_fault_inject " UUID " modem-lines ri=on");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    g_assert_false(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, MSR), ==, MSR_DSR | MSR_RI);
    out = qtest_hmp(qts, "mdev_fault_inject " UUID " modem-lines ri=off");
    g_assert_cmpstr(out, ==, "");
    g_assert_true(intx(dev));
    g_assert_cmphex(qpci_io_readb(dev, bar, MSR), ==, MSR_DSR | MSR_TERI);

    /* Released: the plug's lines again. */
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'modem-lines',"
        " 'args': { 'release': true } } }", UUID);
    g_assert_cmphex(qpci_io_readb(dev, bar, MSR), ==,
                    MSR_CTS | MSR_DSR | MSR_DCD | MSR_DCTS | MSR_DDCD);
    g_assert_cmpint(fault_get(qts, "modem-lines", "fired"), ==, 4);
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'modem-lines',"
        " 'args': { 'cts': 'high' } } }", UUID), "takes true or false");
    g_free(dev);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

/*
 * What the faults left in the UART travels once they are cleared (the
 * blocker goes with them): a character with its framing error waiting
 * behind the top of the FIFO (LSR bit 7), and a line the far end drives.
 */
static void test_mtty_state_migrates(void)
{
    g_autofree char *file = mdev_qtest_temp_file("mdev-fault-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    QTestState *src = qtest_init(MTTY), *dst;
    QPCIBus *bus = qpci_new_pc(src, NULL);
    QPCIDevice *dev = qpci_device_find(bus, QPCI_DEVFN(4, 0));
    QPCIBar bar;
    uint32_t io;

    g_assert_nonnull(dev);
    qpci_device_enable(dev);
    bar = qpci_iomap(dev, 0, NULL);
    qpci_io_writeb(dev, bar, FCR, FCR_FIFO);
    qtest_qmp_assert_success(src, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'framing-error', 'skip': 1 } }", UUID);
    qtest_qmp_assert_success(src, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'modem-lines',"
        " 'args': { 'dsr': true } } }", UUID);
    qpci_io_writeb(dev, bar, THR, 'a');
    qpci_io_writeb(dev, bar, THR, 'x');
    g_assert_cmphex(qpci_io_readb(dev, bar, MSR), ==, MSR_DSR | 0x02 /* DDSR */);
    qtest_qmp_assert_success(src, "{ 'execute': 'mdev-fault-clear',"
        " 'arguments': { 'uuid': %s } }", UUID);
    io = qpci_config_readl(dev, PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_IO_MASK;
    qtest_qmp_assert_success(src, "{ 'execute': 'migrate',"
        " 'arguments': { 'uri': %s } }", uri);
    mdev_qtest_wait_migration(src, "completed");
    g_free(dev);
    qpci_free_pc(bus);
    qtest_quit(src);

    dst = qtest_initf("%s -incoming %s", MTTY, uri);
    mdev_qtest_wait_migration(dst, "completed");
    unlink(file);
    bus = qpci_new_pc(dst, NULL);
    dev = qpci_device_find(bus, QPCI_DEVFN(4, 0));
    g_assert_nonnull(dev);
    bar = qpci_legacy_iomap(dev, io);
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE | LSR_DR | LSR_FIFOE);
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 'a');
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==,
                    LSR_IDLE | LSR_DR | LSR_FE | LSR_FIFOE);
    g_assert_cmphex(qpci_io_readb(dev, bar, RBR), ==, 'x');
    g_assert_cmphex(qpci_io_readb(dev, bar, LSR), ==, LSR_IDLE);
    /* DSR held by the far end, not by DTR (clear). */
    g_assert_cmphex(qpci_io_readb(dev, bar, MSR), ==, MSR_DSR);
    g_free(dev);
    qpci_free_pc(bus);
    qtest_quit(dst);
}

/* The virtio class's faults: listed, performed at once, counted. */
static void test_virtio(void)
{
    QTestState *qts = qtest_init("-M q35 -nodefaults -device mdev-mtty,"
                                 "class=virtio,mdev-type=mtty-1,uuid=" UUID);
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-mdev-faults' }");

    g_assert_nonnull(fault_of(resp, "needs-reset"));
    g_assert_nonnull(fault_of(resp, "config-change"));
    g_assert_null(fault_of(resp, "drop-irq"));
    /* virtio-console has no line status or modem lines to report mtty's in. */
    g_assert_null(fault_of(resp, "parity-error"));
    g_assert_null(fault_of(resp, "modem-lines"));
    qobject_unref(resp);
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'config-change', 'count': 2 } }",
        UUID);
    g_assert_cmpint(fault_get(qts, "config-change", "fired"), ==, 2);
    assert_error(qts, qtest_qmp(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'needs-reset', 'skip': 1 } }",
        UUID), "skip does not apply");
    qtest_qmp_assert_success(qts, "{ 'execute': 'mdev-fault-inject',"
        " 'arguments': { 'uuid': %s, 'fault': 'needs-reset' } }", UUID);
    g_assert_cmpint(fault_get(qts, "needs-reset", "fired"), ==, 1);
    g_assert_false(fault_get(qts, "needs-reset", "armed"));
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev/fault/query", test_query);
    qtest_add_func("/mdev/fault/errors", test_errors);
    qtest_add_func("/mdev/fault/migration-blocked", test_migration_blocked_while_armed);
    qtest_add_func("/mdev/fault/hmp", test_hmp);
    qtest_add_func("/mdev/fault/drop-irq-intx", test_drop_irq_intx);
    qtest_add_func("/mdev/fault/mtty-line-faults", test_mtty_line_faults);
    qtest_add_func("/mdev/fault/mtty-modem-lines", test_mtty_modem_lines);
    qtest_add_func("/mdev/fault/mtty-state-migrates", test_mtty_state_migrates);
    qtest_add_func("/mdev/fault/virtio", test_virtio);
    return g_test_run();
}
