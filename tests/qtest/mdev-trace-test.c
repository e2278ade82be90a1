/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest: the driver-level trace events of the C++ parents reach QEMU's
 * tracing as any QEMU device's do (-trace patterns, -D log file), through
 * hw/mdev/qemu/trace-bridge.py: mtty's UART registers by the datasheet's names,
 * mbochs's DISPI registers by index and name, and the shared ring code's
 * pops and pushes (mvnet's loop, exercised by mdev-virtio-test's own trace
 * case, is checked there), epf-test's BAR0 registers by pci-epf-test's
 * names. Every line names the mdev by its UUID. Events left off print
 * nothing.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "mdev-qtest-common.h"

#define MTTY_UUID  "5e1f2c3d-0000-4000-8000-000000000001"
#define MBOCHS_UUID "5e1f2c3d-0000-4000-8000-000000000002"
#define EPF_UUID "5e1f2c3d-0000-4000-8000-000000000003"
#define MTTY_SLOT 3
#define MBOCHS_SLOT 4
#define EPF_SLOT 5
#define DISPI(reg) (0x500 + 2 * (reg))

static void test_uart_and_dispi(void)
{
    g_autofree char *log = mdev_qtest_temp_file("mdev-trace-XXXXXX.log");
    g_autofree char *text = NULL;
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *tty, *fb, *ep;
    QPCIBar uart, mmio, ep0;
    uint64_t size;

    qts = qtest_initf("-M pc -nodefaults -D %s "
                      "-trace mdev_reg_* "
                      "-device mdev-mtty,class=vfio,mdev-type=mtty-1,uuid=" MTTY_UUID
                      ",addr=%d "
                      "-device mdev-mbochs,uuid=" MBOCHS_UUID ",addr=%d "
                      "-device mdev-epf-test,uuid=" EPF_UUID ",addr=%d",
                      log, MTTY_SLOT, MBOCHS_SLOT, EPF_SLOT);
    bus = qpci_new_pc(qts, NULL);
    tty = mdev_qtest_enable_fn(bus, MTTY_SLOT);
    fb = mdev_qtest_enable_fn(bus, MBOCHS_SLOT);
    ep = mdev_qtest_enable_fn(bus, EPF_SLOT);
    uart = qpci_iomap(tty, 0, &size);
    mmio = qpci_iomap(fb, 2, &size);
    ep0 = qpci_iomap(ep, 0, &size);

    qpci_io_writeb(tty, uart, 3, 0x83);           /* LCR: DLAB, 8 bits */
    qpci_io_writeb(tty, uart, 0, 0x01);           /* DLL */
    qpci_io_writeb(tty, uart, 3, 0x03);           /* LCR */
    qpci_io_writeb(tty, uart, 0, 'x');            /* THR, looped back */
    g_assert_cmpuint(qpci_io_readb(tty, uart, 0), ==, 'x'); /* RBR */
    qpci_io_writew(fb, mmio, DISPI(1), 640);      /* XRES */
    g_assert_cmpuint(qpci_io_readw(fb, mmio, DISPI(0)), ==, 0xb0c5); /* ID: off */

    qpci_io_writel(ep, ep0, 0x0, 0xa0a0a0a0);     /* MAGIC */
    g_assert_cmphex(qpci_io_readl(ep, ep0, 0x0), ==, 0xa0a0a0a0);

    g_free(tty);
    g_free(fb);
    g_free(ep);
    qpci_free_pc(bus);
    qtest_quit(qts);

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    unlink(log);
    g_test_message("trace:\n%s", text);
    /* One line per access, from the register file, by the register's name. */
    g_assert_nonnull(strstr(text, "mdev_reg_write " MTTY_UUID
                            " port 0 mtty: UART LCR (0x3/1) <- 0x83\n"));
    g_assert_nonnull(strstr(text, "mdev_reg_write " MTTY_UUID
                            " port 0 mtty: UART DLL (0x0/1) <- 0x1\n"));
    g_assert_nonnull(strstr(text, "mdev_reg_write " MTTY_UUID
                            " port 0 mtty: UART THR (0x0/1) <- 0x78\n"));
    g_assert_nonnull(strstr(text, "mdev_reg_read " MTTY_UUID
                            " port 0 mtty: UART RBR (0x0/1) -> 0x78\n"));
    g_assert_nonnull(strstr(text, "mdev_reg_write " MBOCHS_UUID
                            " mbochs: DISPI XRES (0x2/2) <- 0x280\n"));
    g_assert_nonnull(strstr(text, "mdev_reg_read " MBOCHS_UUID
                            " mbochs: DISPI ID (0x0/2) -> 0xb0c5\n"));
    g_assert_nonnull(strstr(text, "mdev_reg_write " EPF_UUID
                            " epf-test: BAR0 MAGIC (0x0/4) <- 0xa0a0a0a0\n"));
    g_assert_nonnull(strstr(text, "mdev_reg_read " EPF_UUID
                            " epf-test: BAR0 MAGIC (0x0/4) -> 0xa0a0a0a0\n"));
    /* The samples' former events are gone: one trace per access. */
    g_assert_null(strstr(text, "mtty_uart_"));
    g_assert_null(strstr(text, "mbochs_dispi_"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev/trace/uart-and-dispi", test_uart_and_dispi);
    return g_test_run();
}
