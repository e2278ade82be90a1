/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest: register accesses of widths a register file does not take behave
 * on an mdev exactly as on QEMU's native equivalent. The same script of
 * accesses runs on both devices of one machine, and every value read must
 * match:
 *  - mdev-mtty,class=vfio beside pci-serial: byte-wide 16550 registers; a
 *    16- or 32-bit access is one byte access per register, low address
 *    first, each with its side effects (misaligned ones included);
 *  - mdev-mbochs beside bochs-display: the 16-bit DISPI registers at 0x500
 *    of BAR2; a 32-bit access is two registers, a byte access is a 16-bit
 *    one at the same offset (a write stores the byte zero-extended); a
 *    64-bit or misaligned one is what QEMU's memory core makes of it (on
 *    qtest's path it is cut into valid aligned pieces), the same on both.
 * Where the two devices differ by design (mtty loops its transmitter back;
 * pci-serial does only in loopback mode, so the script sets it) the script
 * avoids the difference rather than papering over it.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "mdev-qtest-common.h"

typedef struct Fn {
    QPCIDevice *dev;
    QPCIBar bar;
} Fn;

static Fn open_fn(QPCIBus *bus, int slot, int bar, uint16_t vendor)
{
    Fn f;

    f.dev = mdev_qtest_find_fn(bus, slot);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_VENDOR_ID), ==, vendor);
    qpci_device_enable(f.dev);
    f.bar = qpci_iomap(f.dev, bar, NULL);
    return f;
}

/*
 * One step of a script: a read (its value is compared between the devices,
 * and with `expect` unless that is -1) or a write.
 */
typedef struct Step {
    bool write;
    unsigned size;
    uint64_t offset;
    uint64_t value;     /* written */
    int64_t expect;     /* read: the value both must give, or -1 */
} Step;

#define RD(sz, off, exp) { false, sz, off, 0, exp }
#define WR(sz, off, val) { true, sz, off, val, -1 }

static uint64_t do_read(Fn *f, unsigned size, uint64_t off)
{
    switch (size) {
    case 1:
        return qpci_io_readb(f->dev, f->bar, off);
    case 2:
        return qpci_io_readw(f->dev, f->bar, off);
    case 4:
        return qpci_io_readl(f->dev, f->bar, off);
    default:
        return qpci_io_readq(f->dev, f->bar, off);
    }
}

static void do_write(Fn *f, unsigned size, uint64_t off, uint64_t v)
{
    switch (size) {
    case 1:
        qpci_io_writeb(f->dev, f->bar, off, v);
        break;
    case 2:
        qpci_io_writew(f->dev, f->bar, off, v);
        break;
    case 4:
        qpci_io_writel(f->dev, f->bar, off, v);
        break;
    default:
        qpci_io_writeq(f->dev, f->bar, off, v);
        break;
    }
}

static void run_script(Fn *native, Fn *mdev, const Step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const Step *s = &steps[i];

        if (s->write) {
            do_write(native, s->size, s->offset, s->value);
            do_write(mdev, s->size, s->offset, s->value);
            continue;
        }
        uint64_t a = do_read(native, s->size, s->offset);
        uint64_t b = do_read(mdev, s->size, s->offset);

        g_test_message("step %zu: %u-byte read at 0x%" PRIx64 ": native 0x%"
                       PRIx64 ", mdev 0x%" PRIx64, i, s->size, s->offset, a, b);
        g_assert_cmphex(b, ==, a);
        if (s->expect >= 0) {
            g_assert_cmphex(a, ==, (uint64_t)s->expect);
        }
    }
}

enum { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

static void test_uart(void)
{
    static const Step script[] = {
        /* Loopback on both: pci-serial only loops in LOOP mode. */
        WR(1, MCR, 0x10),
        WR(1, SCR, 0x33),
        /* A word at LCR: LCR, then MCR (loop kept). */
        WR(2, LCR, 0x1003),
        RD(1, LCR, 0x03), RD(1, MCR, 0x10),
        RD(2, LCR, 0x1003),
        /* Misaligned word: MCR, LSR (idle). */
        RD(2, MCR, 0x6010),
        /* IER, then FCR: FIFOs on; read back IER and IIR. */
        WR(2, IER, 0x0100),
        RD(2, IER, 0xc100),
        /* Divisor latch through a word, under DLAB. */
        WR(1, LCR, 0x83),
        WR(2, 0, 0x0c01),
        RD(2, 0, 0x0c01),
        WR(1, LCR, 0x03),
        RD(1, SCR, 0x33),
        WR(2, 6, 0x5a00),      /* MSR (read-only), SCR */
        RD(1, SCR, 0x5a),
        /* THR then IER through one word: a byte sent, IER 0. */
        WR(2, THR, 0x0041),
        RD(1, LSR, -1),
        RD(2, RBR, 0x0041),    /* RBR pops it, IER reads 0 */
        RD(1, LSR, 0x60),
    };
    QTestState *qts;
    QPCIBus *bus;
    Fn native, mdev;

    qts = qtest_init("-M q35 -nodefaults "
                     "-device pci-serial,addr=04.0 "
                     "-device mdev-mtty,class=vfio,mdev-type=mtty-1,addr=05.0");
    bus = qpci_new_pc(qts, NULL);
    native = open_fn(bus, 4, 0, 0x1b36);
    mdev = open_fn(bus, 5, 0, 0x4348);
    run_script(&native, &mdev, script, G_N_ELEMENTS(script));
    g_free(native.dev);
    g_free(mdev.dev);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

#define DISPI(i) (0x500 + 2 * (i))

static void test_dispi(void)
{
    static const Step script[] = {
        RD(2, DISPI(0), 0xb0c5),
        RD(1, DISPI(0), 0xc5),
        RD(1, DISPI(0) + 1, 0xc5),     /* widened at 0x501: still ID */
        WR(2, DISPI(1), 1024),
        RD(4, DISPI(0), 0x0400b0c5),   /* ID, XRES */
        /*
         * Misaligned: qtest's path (address_space_rw) cuts it into aligned
         * pieces before dispatch; whatever it makes of it, the same on both.
         */
        WR(4, DISPI(1) + 1, 0x300),
        RD(2, DISPI(1), -1), RD(2, DISPI(2), -1), RD(2, DISPI(3), -1),
        RD(2, DISPI(1) + 1, -1),
        WR(4, DISPI(2), 0x00200300),   /* YRES = 0x300, BPP = 0x20 */
        RD(2, DISPI(2), 0x300), RD(2, DISPI(3), 0x20),
        WR(1, DISPI(1), 0x99),         /* XRES = 0x0099 */
        RD(2, DISPI(1), 0x99),
        WR(1, DISPI(1) + 1, 0x77),     /* XRES = 0x0077: the same register */
        RD(2, DISPI(1), 0x77),
        /* 64-bit: qtest's path cuts it to the valid 32 bits, on both. */
        RD(8, DISPI(0), 0x002003000077b0c5ULL),
        WR(8, DISPI(4), 0x0001000200030004ULL),
        RD(2, DISPI(4), 4), RD(2, DISPI(5), 3), RD(2, DISPI(6), 2),
        RD(2, DISPI(7), 1),
    };
    QTestState *qts;
    QPCIBus *bus;
    Fn native, mdev;

    /* 16 MiB of video memory on both: VIDEO_MEMORY_64K reads the same. */
    qts = qtest_init("-M q35 -nodefaults "
                     "-device bochs-display,addr=04.0 "
                     "-device mdev-mbochs,class=vfio,mdev-type=mbochs-medium,"
                     "addr=05.0");
    bus = qpci_new_pc(qts, NULL);
    native = open_fn(bus, 4, 2, 0x1234);
    mdev = open_fn(bus, 5, 2, 0x1234);
    run_script(&native, &mdev, script, G_N_ELEMENTS(script));
    g_assert_cmphex(qpci_io_readw(native.dev, native.bar, DISPI(0xa)), ==,
                    qpci_io_readw(mdev.dev, mdev.bar, DISPI(0xa)));
    g_free(native.dev);
    g_free(mdev.dev);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev-access-size/uart-vs-pci-serial", test_uart);
    qtest_add_func("/mdev-access-size/dispi-vs-bochs-display", test_dispi);
    return g_test_run();
}
