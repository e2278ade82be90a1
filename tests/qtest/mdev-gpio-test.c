/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for -device mdev-gpio (an ACCES PCI-IDIO-16): the PCI function as a
 * guest finds it (ids, class, only BAR2, an 8-byte I/O BAR, INTA#), the
 * outputs looped back to the inputs through BAR2, the change-of-state
 * interrupt on the IOAPIC, system reset, migration and wrong-size accesses.
 *
 * The expected values are the device's definition: hw/mdev/samples/gpio/
 * (also checked by tests/unit/gpio_test.cpp), which follows what Linux's
 * gpio-pci-idio-16 does with the card.
 *
 * INTx: the device is put in slot 4 of a q35, whose INTA# is GSI 20 with no
 * programming (see mtty_route_intx() in mdev-mtty-test.c for why).
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "mdev-qtest-common.h"

#define GPIO_VENDOR 0x494f
#define GPIO_DEVICE 0x0dc8
#define GPIO_UUID "6a0e7c2b-8b3c-4d4e-9f50-000000001d16"
#define GPIO_GSI 20 /* slot 4, INTA#, q35 */

/* BAR2's registers. */
enum {
    OUT0_7 = 0,     /* r/w */
    IN0_7 = 1,      /* r: inputs; w: clear interrupt */
    IRQ_CTL = 2,    /* r: enable; w: disable */
    FILTER_CTL = 3, /* r: filters on; w: off */
    OUT8_15 = 4,
    IN8_15 = 5,
    IRQ_STATUS = 6,
    FILTER_MASK = 7,
};

#define STATUS_LOW     0x01
#define STATUS_HIGH    0x02
#define STATUS_PENDING 0x04

typedef struct Gpio {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar2;
} Gpio;

static void gpio_attach(Gpio *g)
{
    uint64_t size;

    g->bus = qpci_new_pc(g->qts, NULL);
    g->dev = mdev_qtest_enable_fn(g->bus, 4);
    g->bar2 = qpci_iomap(g->dev, 2, &size);
    g_assert_cmpuint(size, ==, 8);
    qtest_irq_intercept_in(g->qts, "ioapic");
}

static void gpio_open(Gpio *g, const char *extra)
{
    g->qts = qtest_initf("-M q35 -nodefaults -device mdev-gpio,class=vfio,"
                         "addr=04.0,uuid=" GPIO_UUID "%s", extra ? extra : "");
    gpio_attach(g);
}

static void gpio_close(Gpio *g)
{
    mdev_qtest_close(g->qts, g->bus, g->dev);
}

static uint8_t rd(Gpio *g, int reg)
{
    return qpci_io_readb(g->dev, g->bar2, reg);
}

static void wr(Gpio *g, int reg, uint8_t value)
{
    qpci_io_writeb(g->dev, g->bar2, reg, value);
}

static bool intx(Gpio *g)
{
    return qtest_get_irq(g->qts, GPIO_GSI);
}

/* What gpio-pci-idio-16's probe writes: filters off, IRQ off, clear. */
static void driver_probe(Gpio *g)
{
    wr(g, FILTER_CTL, 0);
    wr(g, IRQ_CTL, 0);
    wr(g, IN0_7, 0);
}

/* ---- PCI configuration space ------------------------------------------ */

static void test_config(void)
{
    QTestState *qts = qtest_init("-M q35 -nodefaults "
                                 "-device mdev-gpio,class=vfio,addr=04.0");
    QPCIBus *bus = qpci_new_pc(qts, NULL);
    QPCIDevice *dev = mdev_qtest_find_fn(bus, 4);
    static const int absent[] = {
        PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_1, PCI_BASE_ADDRESS_3,
        PCI_BASE_ADDRESS_4, PCI_BASE_ADDRESS_5,
    };
    int i;

    g_assert_cmphex(qpci_config_readw(dev, PCI_VENDOR_ID), ==, GPIO_VENDOR);
    g_assert_cmphex(qpci_config_readw(dev, PCI_DEVICE_ID), ==, GPIO_DEVICE);
    g_assert_cmphex(qpci_config_readw(dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    GPIO_VENDOR);
    g_assert_cmphex(qpci_config_readw(dev, PCI_SUBSYSTEM_ID), ==, GPIO_DEVICE);
    g_assert_cmphex(qpci_config_readl(dev, PCI_CLASS_REVISION), ==, 0xff000000);
    g_assert_cmphex(qpci_config_readb(dev, PCI_HEADER_TYPE), ==,
                    PCI_HEADER_TYPE_NORMAL);
    g_assert_cmphex(qpci_config_readb(dev, PCI_INTERRUPT_PIN), ==, 0x01);
    g_assert_cmphex(qpci_config_readw(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST,
                    ==, 0);
    g_assert_cmphex(qpci_config_readw(dev, PCI_COMMAND), ==, 0);

    /* BAR2: 8 bytes of I/O space; every other BAR slot is empty. */
    qpci_config_writel(dev, PCI_BASE_ADDRESS_2, 0xffffffff);
    g_assert_cmphex(qpci_config_readl(dev, PCI_BASE_ADDRESS_2), ==, 0xfffffff9);
    for (i = 0; i < ARRAY_SIZE(absent); i++) {
        qpci_config_writel(dev, absent[i], 0xffffffff);
        g_assert_cmphex(qpci_config_readl(dev, absent[i]), ==, 0);
    }

    mdev_qtest_close(qts, bus, dev);
}

/* ---- outputs and inputs --------------------------------------------------- */

static void test_loopback(void)
{
    Gpio g;
    int bit;

    gpio_open(&g, NULL);
    driver_probe(&g);
    g_assert_cmphex(rd(&g, OUT0_7), ==, 0);
    g_assert_cmphex(rd(&g, IN0_7), ==, 0);
    g_assert_cmphex(rd(&g, IN8_15), ==, 0);

    /* Each output alone, then patterns, read back on its input. */
    for (bit = 0; bit < 16; bit++) {
        wr(&g, OUT0_7, bit < 8 ? 1 << bit : 0);
        wr(&g, OUT8_15, bit < 8 ? 0 : 1 << (bit - 8));
        g_assert_cmphex(rd(&g, IN0_7) | rd(&g, IN8_15) << 8, ==, 1 << bit);
    }
    wr(&g, OUT0_7, 0xa5);
    wr(&g, OUT8_15, 0x3c);
    g_assert_cmphex(rd(&g, OUT0_7), ==, 0xa5);
    g_assert_cmphex(rd(&g, OUT8_15), ==, 0x3c);
    g_assert_cmphex(rd(&g, IN0_7), ==, 0xa5);
    g_assert_cmphex(rd(&g, IN8_15), ==, 0x3c);
    /* Nothing was enabled: no interrupt. */
    g_assert_false(intx(&g));
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0);
    gpio_close(&g);
}

/* ---- change-of-state interrupt ----------------------------------------- */

static void test_intx(void)
{
    Gpio g;

    gpio_open(&g, NULL);
    driver_probe(&g);
    g_assert_false(intx(&g));

    rd(&g, IRQ_CTL); /* enable */
    g_assert_false(intx(&g));
    wr(&g, OUT0_7, 0x00); /* no change */
    g_assert_false(intx(&g));

    wr(&g, OUT0_7, 0x02); /* input 1 rises */
    g_assert_true(intx(&g));
    g_assert_cmphex(qpci_config_readw(g.dev, PCI_STATUS) & PCI_STATUS_INTERRUPT,
                    ==, PCI_STATUS_INTERRUPT);
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, STATUS_PENDING | STATUS_LOW);
    wr(&g, IN0_7, 0); /* the handler's clear */
    g_assert_false(intx(&g));
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0);

    wr(&g, OUT8_15, 0x40); /* input 14 rises */
    g_assert_true(intx(&g));
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, STATUS_PENDING | STATUS_HIGH);
    /* The command register's INTx disable masks it (QEMU's PCI core). */
    qpci_config_writew(g.dev, PCI_COMMAND,
                       qpci_config_readw(g.dev, PCI_COMMAND) |
                       PCI_COMMAND_INTX_DISABLE);
    g_assert_false(intx(&g));
    qpci_config_writew(g.dev, PCI_COMMAND,
                       qpci_config_readw(g.dev, PCI_COMMAND) &
                       ~PCI_COMMAND_INTX_DISABLE);
    g_assert_true(intx(&g));
    wr(&g, IN0_7, 0);
    g_assert_false(intx(&g));

    /* Disabled: changes latch nothing. */
    wr(&g, IRQ_CTL, 0);
    wr(&g, OUT8_15, 0x00);
    g_assert_false(intx(&g));
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0);
    gpio_close(&g);
}

/* ---- reset and migration ------------------------------------------------- */

static void test_reset(void)
{
    Gpio g;

    gpio_open(&g, NULL);
    rd(&g, IRQ_CTL);
    wr(&g, FILTER_MASK, 0x33);
    wr(&g, OUT0_7, 0xff);
    wr(&g, OUT8_15, 0xff);
    g_assert_true(intx(&g));

    qtest_qmp_assert_success(g.qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(g.qts, "RESET");
    g_assert_false(intx(&g));

    /* The guest's BIOS would map it again; so does the test. */
    g_free(g.dev);
    qpci_free_pc(g.bus);
    gpio_attach(&g);
    g_assert_cmphex(rd(&g, OUT0_7), ==, 0);
    g_assert_cmphex(rd(&g, IN8_15), ==, 0);
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0);
    g_assert_cmphex(rd(&g, FILTER_MASK), ==, 0);
    wr(&g, OUT0_7, 1); /* interrupt off after reset */
    g_assert_false(intx(&g));
    gpio_close(&g);
}

static void test_migration(void)
{
    g_autofree char *file = mdev_qtest_temp_file("mdev-gpio-test-XXXXXX.mig");
    g_autofree char *uri = g_strdup_printf("file:%s", file);
    g_autofree char *incoming = g_strdup_printf(" -incoming %s", uri);
    Gpio src, dst;

    gpio_open(&src, NULL);
    driver_probe(&src);
    rd(&src, IRQ_CTL);
    wr(&src, OUT0_7, 0x81);
    wr(&src, OUT8_15, 0x18);
    wr(&src, FILTER_MASK, 0x42);
    g_assert_true(intx(&src));
    mdev_qtest_migrate(src.qts, uri);
    gpio_close(&src);

    dst.qts = qtest_initf("-M q35 -nodefaults -device mdev-gpio,class=vfio,"
                          "addr=04.0,uuid=" GPIO_UUID "%s", incoming);
    qtest_irq_intercept_in(dst.qts, "ioapic");
    mdev_qtest_wait_migration(dst.qts, "completed");
    unlink(file);
    dst.bus = qpci_new_pc(dst.qts, NULL);
    dst.dev = mdev_qtest_find_fn(dst.bus, 4);
    /* The BAR as the source's guest left it (migrated PCI config). */
    dst.bar2 = mdev_qtest_bar_as_configured(dst.dev, 2);
    /*
     * The line came up asserted: QEMU's PCI core migrates the pin's level,
     * so the IOAPIC input never changed on the destination and the qtest
     * interception has nothing to report; the status bit says it.
     */
    g_assert_cmphex(qpci_config_readw(dst.dev, PCI_STATUS) &
                    PCI_STATUS_INTERRUPT, ==, PCI_STATUS_INTERRUPT);
    g_assert_cmphex(rd(&dst, IN0_7), ==, 0x81);
    g_assert_cmphex(rd(&dst, IN8_15), ==, 0x18);
    g_assert_cmphex(rd(&dst, FILTER_MASK), ==, 0x42);
    g_assert_cmphex(rd(&dst, IRQ_STATUS), ==,
                    STATUS_PENDING | STATUS_LOW | STATUS_HIGH);
    wr(&dst, IN0_7, 0);
    g_assert_false(intx(&dst));
    g_assert_cmphex(qpci_config_readw(dst.dev, PCI_STATUS) &
                    PCI_STATUS_INTERRUPT, ==, 0);
    /* And the change-of-state interrupt still works. */
    wr(&dst, OUT0_7, 0x80);
    g_assert_true(intx(&dst));
    gpio_close(&dst);
}

/* ---- accesses of the wrong size ------------------------------------------ */

static void test_odd_access(void)
{
    g_autofree char *log = mdev_qtest_temp_file("mdev-gpio-test-XXXXXX.log");
    g_autofree char *log_text = NULL;
    g_autofree char *extra = g_strdup_printf(" -d guest_errors -D %s", log);
    Gpio g;

    gpio_open(&g, extra);
    wr(&g, OUT0_7, 0x5a);
    g_assert_cmphex(qpci_io_readw(g.dev, g.bar2, OUT0_7), ==, 0xffff);
    g_assert_cmphex(qpci_io_readl(g.dev, g.bar2, OUT8_15), ==, 0xffffffff);
    qpci_io_writew(g.dev, g.bar2, OUT0_7, 0);
    qpci_io_writel(g.dev, g.bar2, OUT8_15, 0xffffffff);
    wr(&g, IRQ_STATUS, 0xff);
    g_assert_cmphex(rd(&g, OUT0_7), ==, 0x5a);
    g_assert_cmphex(rd(&g, OUT8_15), ==, 0);
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0);
    gpio_close(&g);

    g_assert_true(g_file_get_contents(log, &log_text, NULL, NULL));
    unlink(log);
    g_test_message("guest_errors log:\n%s", log_text);
    /* The device has no id: its QOM path names it, with the UUID. */
    g_assert_nonnull(strstr(log_text, "mdev-gpio /machine/peripheral-anon/"
                            "device[0] (mdev " GPIO_UUID
                            "): gpio: BAR2: 2-byte read at offset 0x0; "
                            "the card's registers are one byte wide\n"));
    g_assert_nonnull(strstr(log_text, "BAR2: 4-byte read at offset 0x4;"));
    g_assert_nonnull(strstr(log_text, "BAR2: 2-byte write at offset 0x0;"));
    g_assert_nonnull(strstr(log_text, "BAR2: 4-byte write at offset 0x4;"));
    g_assert_nonnull(strstr(log_text, "): gpio: BAR2: IRQ_STATUS (0x6): write of 0xff "
                            "refused: read-only register\n"));
}

/* ---- faults (docs/fault-injection.md) ------------------------------------- */

/* mdev-fault-inject or mdev-fault-clear (@cmd) of @fault, no arguments. */
static void fault(Gpio *g, const char *cmd, const char *fault)
{
    qtest_qmp_assert_success(g->qts, "{ 'execute': %s, 'arguments': {"
                             " 'uuid': %s, 'fault': %s } }", cmd, GPIO_UUID,
                             fault);
}

/* Sticks input @line at @value until cleared. */
static void stick(Gpio *g, int line, bool value)
{
    qtest_qmp_assert_success(g->qts, "{ 'execute': 'mdev-fault-inject',"
                             " 'arguments': { 'uuid': %s, 'fault': 'stuck-input',"
                             " 'count': 0, 'args': { 'line': %d, 'value': %i } } }",
                             GPIO_UUID, line, value);
}

/* stuck-input: the input reads its stuck level whatever its output does. */
static void test_stuck_input(void)
{
    Gpio g;

    gpio_open(&g, NULL);
    driver_probe(&g);
    wr(&g, OUT8_15, 0x00);
    stick(&g, 10, true);
    g_assert_cmphex(rd(&g, IN8_15), ==, 0x04);
    g_assert_cmphex(rd(&g, OUT8_15), ==, 0x00);
    wr(&g, OUT8_15, 0xff);
    g_assert_cmphex(rd(&g, IN8_15), ==, 0xff);
    wr(&g, OUT8_15, 0x00);
    g_assert_cmphex(rd(&g, IN8_15), ==, 0x04);
    wr(&g, OUT0_7, 0x5a);
    g_assert_cmphex(rd(&g, IN0_7), ==, 0x5a);
    fault(&g, "mdev-fault-clear", "stuck-input");
    g_assert_cmphex(rd(&g, IN8_15), ==, 0x00);
    /* Stuck low: an output on does not reach its input. */
    stick(&g, 0, false);
    wr(&g, OUT0_7, 0xff);
    g_assert_cmphex(rd(&g, IN0_7), ==, 0xfe);
    gpio_close(&g);
}

/* lost-interrupt: one change latches nothing; the next one does. */
static void test_lost_interrupt(void)
{
    Gpio g;

    gpio_open(&g, NULL);
    driver_probe(&g);
    (void)rd(&g, IRQ_CTL); /* enable */
    fault(&g, "mdev-fault-inject", "lost-interrupt");
    wr(&g, OUT0_7, 0x01);
    g_assert_cmphex(rd(&g, IN0_7), ==, 0x01);
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0);
    g_assert_false(intx(&g));
    wr(&g, OUT0_7, 0x03);
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, STATUS_PENDING | STATUS_LOW);
    g_assert_true(intx(&g));
    wr(&g, IN0_7, 0);
    g_assert_false(intx(&g));
    gpio_close(&g);
}

/*
 * The vfio frontend's surprise-removal, on a card with INTx: config space
 * and BAR2 read all ones, writes go nowhere, the line drops; clearing it
 * brings the card back as after a reset (BAR unassigned, outputs off).
 */
static void test_surprise_removal(void)
{
    Gpio g;
    uint64_t size;

    gpio_open(&g, NULL);
    driver_probe(&g);
    (void)rd(&g, IRQ_CTL);
    wr(&g, OUT0_7, 0x81);
    g_assert_true(intx(&g));
    fault(&g, "mdev-fault-inject", "surprise-removal");
    g_assert_false(intx(&g));
    g_assert_cmphex(qpci_config_readl(g.dev, PCI_VENDOR_ID), ==, 0xffffffff);
    g_assert_cmphex(qpci_config_readw(g.dev, PCI_COMMAND), ==, 0xffff);
    g_assert_cmphex(qpci_config_readb(g.dev, PCI_INTERRUPT_PIN), ==, 0xff);
    g_assert_cmphex(qpci_config_readl(g.dev, PCI_BASE_ADDRESS_2), ==,
                    0xffffffff);
    qpci_config_writew(g.dev, PCI_COMMAND, 0);
    g_assert_cmphex(rd(&g, OUT0_7), ==, 0xff);
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0xff);
    g_assert_cmphex(qpci_io_readw(g.dev, g.bar2, 0), ==, 0xffff);
    wr(&g, OUT0_7, 0x00);   /* goes nowhere */
    wr(&g, IN0_7, 0);       /* nor does the clear */
    g_assert_false(intx(&g));

    fault(&g, "mdev-fault-clear", "surprise-removal");
    g_assert_cmphex(qpci_config_readw(g.dev, PCI_VENDOR_ID), ==, GPIO_VENDOR);
    g_assert_cmphex(qpci_config_readw(g.dev, PCI_DEVICE_ID), ==, GPIO_DEVICE);
    /* A card just inserted: nothing enabled, BAR2 unassigned. */
    g_assert_cmphex(qpci_config_readw(g.dev, PCI_COMMAND), ==, 0);
    g_assert_cmphex(qpci_config_readl(g.dev, PCI_BASE_ADDRESS_2), ==,
                    PCI_BASE_ADDRESS_SPACE_IO);
    g_assert_false(intx(&g));
    qpci_device_enable(g.dev);
    g.bar2 = qpci_iomap(g.dev, 2, &size);
    g_assert_cmphex(rd(&g, OUT0_7), ==, 0x00); /* reset, not 0x81 */
    g_assert_cmphex(rd(&g, IRQ_STATUS), ==, 0x00);
    wr(&g, OUT0_7, 0x42);
    g_assert_cmphex(rd(&g, IN0_7), ==, 0x42);
    gpio_close(&g);
}

/* ---- command line ---------------------------------------------------------- */

static void test_cmdline(void)
{
    static const char *const virtio[] = {
        "parent 'gpio' has no virtio ops; accepted: vfio", NULL
    };
    static const char *const full[] = {
        "property 'mdev-type': parent 'gpio' has no room for another "
        "'gpio-idio16' (available_instances is 0)", NULL
    };
    g_autofree char *four = mdev_qtest_repeat_device(
        "mdev-gpio,class=vfio", 4);
    g_autofree char *five = mdev_qtest_repeat_device(
        "mdev-gpio,class=vfio", 5);

    mdev_qtest_assert_starts(four);
    mdev_qtest_assert_fails(five, full);
    mdev_qtest_assert_fails("-device mdev-gpio,class=virtio", virtio);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/mdev-gpio/config", test_config);
    qtest_add_func("/mdev-gpio/loopback", test_loopback);
    qtest_add_func("/mdev-gpio/intx", test_intx);
    qtest_add_func("/mdev-gpio/reset", test_reset);
    qtest_add_func("/mdev-gpio/migration", test_migration);
    qtest_add_func("/mdev-gpio/odd-access", test_odd_access);
    qtest_add_func("/mdev-gpio/cmdline", test_cmdline);
    qtest_add_func("/mdev-gpio/fault/stuck-input", test_stuck_input);
    qtest_add_func("/mdev-gpio/fault/lost-interrupt", test_lost_interrupt);
    qtest_add_func("/mdev-gpio/fault/surprise-removal", test_surprise_removal);

    return g_test_run();
}
