// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msixcheck: drive an mdev-epf-test's MSI-X table and PBA from the guest's
 * CPU, on every page they cover, and check that each vector fired arrives.
 * The function's table is where pci-epf-test puts it, BAR0 + 0x80 right
 * after the registers, and its PBA right after the table. No driver is
 * bound (the case does not load pci_endpoint_test); this program is the
 * driver, through sysfs (config, resourceN mmap), so every table and PBA
 * access is a guest CPU access to MMIO (under TCG: through QEMU's CPU TLB,
 * which is what a table at a non-page-aligned offset used to break).
 *
 *   msixcheck FN SINK
 *
 * FN is the epf-test under test (0000:00:04.0); SINK another epf-test
 * whose BAR3 (plain memory, 16 KiB) receives the messages: vector v's
 * message is the dword 0xd000 + v written at slot v % 64.
 * For one vector starting on each page of the table, and the last one:
 * program the entry masked, raise the vector with the function's
 * RAISE_MSIX_IRQ command (its registers share the table's first page),
 * check that its PBA bit is set and nothing arrived, unmask, check that
 * the message arrived and the PBA bit is clear. Every table page is read
 * back too.
 * Exit status: 0 every check passed, 1 a check failed, 2 usage or system
 * error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* <linux/pci_regs.h> */
#define CAP_LIST 0x34
#define CAP_ID_MSIX 0x11
#define MSIX_FLAGS 2
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_ENABLE 0x8000
#define ENTRY_SIZE 16
#define COMMAND 0x04
#define COMMAND_MEMORY 0x2
#define COMMAND_MASTER 0x4

/* struct pci_epf_test_reg (drivers/misc/pci_endpoint_test.c's names) */
#define PCI_ENDPOINT_TEST_MAGIC 0x00
#define PCI_ENDPOINT_TEST_COMMAND 0x04
#define PCI_ENDPOINT_TEST_STATUS 0x08
#define PCI_ENDPOINT_TEST_IRQ_TYPE 0x24
#define PCI_ENDPOINT_TEST_IRQ_NUMBER 0x28
#define COMMAND_RAISE_MSIX_IRQ (1u << 2)
#define STATUS_IRQ_RAISED (1u << 6)
#define IRQ_TYPE_MSIX 2
/*
 * The sink's plain-memory BAR that takes the messages: BAR3, 16 KiB, so
 * page-aligned. A sysfs resource mmap starts at the BAR's page, so a BAR
 * smaller than a page (BAR1, 512 bytes) may not start where the mapping
 * does.
 */
#define SINK_BAR 3

#define PAGE 4096

static int failures;

#define CHECK(cond, ...) do {                         \
        if (!(cond)) {                                \
            printf("msixcheck: FAIL: " __VA_ARGS__);  \
            printf("\n");                             \
            failures++;                               \
        }                                             \
    } while (0)

static void die(const char *what, const char *path)
{
    fprintf(stderr, "msixcheck: %s %s: %m\n", what, path);
    exit(2);
}

typedef struct Bar {
    volatile uint8_t *p;
    uint64_t phys, size;
} Bar;

static int config_fd(const char *fn)
{
    char path[256];
    int fd;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", fn);
    fd = open(path, O_RDWR);
    if (fd < 0) {
        die("open", path);
    }
    return fd;
}

static uint32_t cfg_read(int fd, unsigned off, unsigned len)
{
    uint32_t v = 0;

    if (pread(fd, &v, len, off) != (ssize_t)len) {
        die("read", "config");
    }
    return v;
}

static void cfg_write(int fd, unsigned off, uint32_t v, unsigned len)
{
    if (pwrite(fd, &v, len, off) != (ssize_t)len) {
        die("write", "config");
    }
}

static Bar bar_map(const char *fn, unsigned n)
{
    char path[256];
    unsigned long long start = 0, end = 0, flags = 0;
    unsigned i;
    FILE *f;
    Bar b;
    int fd;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", fn);
    f = fopen(path, "r");
    if (!f) {
        die("open", path);
    }
    for (i = 0; i <= n; i++) {
        if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3) {
            die("parse", path);
        }
    }
    fclose(f);
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%u", fn, n);
    fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0) {
        die("open", path);
    }
    b.phys = start;
    b.size = end - start + 1;
    b.p = mmap(NULL, b.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (b.p == MAP_FAILED) {
        die("mmap", path);
    }
    close(fd);
    return b;
}

static uint32_t rd32(const Bar *b, uint64_t off)
{
    return *(volatile uint32_t *)(b->p + off);
}

static void wr32(const Bar *b, uint64_t off, uint32_t v)
{
    *(volatile uint32_t *)(b->p + off) = v;
}

static uint64_t rd64(const Bar *b, uint64_t off)
{
    return *(volatile uint64_t *)(b->p + off);
}

/* pci_endpoint_test's MSI-X raise: vector numbers are 1-based there. */
static void raise_msix(const Bar *regs, unsigned v)
{
    wr32(regs, PCI_ENDPOINT_TEST_STATUS, 0);
    wr32(regs, PCI_ENDPOINT_TEST_IRQ_TYPE, IRQ_TYPE_MSIX);
    wr32(regs, PCI_ENDPOINT_TEST_IRQ_NUMBER, v + 1);
    wr32(regs, PCI_ENDPOINT_TEST_COMMAND, COMMAND_RAISE_MSIX_IRQ);
    CHECK(rd32(regs, PCI_ENDPOINT_TEST_STATUS) & STATUS_IRQ_RAISED,
          "vector %u: STATUS 0x%x after RAISE_MSIX_IRQ", v,
          rd32(regs, PCI_ENDPOINT_TEST_STATUS));
}

/* Memory decoding and bus mastering on (messages are the function's writes). */
static void enable(int fd)
{
    cfg_write(fd, COMMAND, cfg_read(fd, COMMAND, 2) | COMMAND_MEMORY |
              COMMAND_MASTER, 2);
}

int main(int argc, char **argv)
{
    int fd, sink_fd;
    unsigned cap = 0, n, vectors, tbir, pbir, pages, page, i;
    uint32_t table, pba;
    uint64_t toff, poff;
    Bar bars[6] = { 0 }, sink;
    const Bar *tb, *pb, *regs;

    if (argc != 3) {
        fprintf(stderr, "usage: msixcheck FN SINK\n");
        return 2;
    }
    fd = config_fd(argv[1]);
    sink_fd = config_fd(argv[2]);
    for (n = cfg_read(fd, CAP_LIST, 1) & ~3u, i = 0; n && i < 48;
         n = cfg_read(fd, n + 1, 1) & ~3u, i++) {
        if (cfg_read(fd, n, 1) == CAP_ID_MSIX) {
            cap = n;
            break;
        }
    }
    if (!cap) {
        fprintf(stderr, "msixcheck: %s has no MSI-X capability\n", argv[1]);
        return 2;
    }
    vectors = (cfg_read(fd, cap + MSIX_FLAGS, 2) & 0x7ff) + 1;
    table = cfg_read(fd, cap + MSIX_TABLE, 4);
    pba = cfg_read(fd, cap + MSIX_PBA, 4);
    tbir = table & 7;
    toff = table & ~7u;
    pbir = pba & 7;
    poff = pba & ~7u;
    enable(fd);
    enable(sink_fd);
    bars[0] = bar_map(argv[1], 0);
    if (tbir != 0) {
        bars[tbir] = bar_map(argv[1], tbir);
    }
    if (pbir != 0 && pbir != tbir) {
        bars[pbir] = bar_map(argv[1], pbir);
    }
    tb = &bars[tbir];
    pb = &bars[pbir];
    sink = bar_map(argv[2], SINK_BAR);
    regs = &bars[0]; /* the registers: BAR0 + 0, in front of the table */
    printf("msixcheck: %s: %u vectors, table BAR%u+0x%" PRIx64 ", PBA BAR%u+0x%"
           PRIx64 ", registers in BAR0\n", argv[1], vectors, tbir, toff, pbir,
           poff);
    /* MAGIC is a scratch register, as pci_endpoint_test's BAR test uses it. */
    wr32(regs, PCI_ENDPOINT_TEST_MAGIC, 0xa0a0a0a0);
    CHECK(rd32(regs, PCI_ENDPOINT_TEST_MAGIC) == 0xa0a0a0a0, "magic 0x%x",
          rd32(regs, PCI_ENDPOINT_TEST_MAGIC));
    wr32(&sink, 0, 0x5a5a5a5a);
    CHECK(rd32(&sink, 0) == 0x5a5a5a5a, "sink BAR%u is not memory", SINK_BAR);

    cfg_write(fd, cap + MSIX_FLAGS, MSIX_ENABLE, 2);
    pages = (unsigned)((toff + (uint64_t)vectors * ENTRY_SIZE - 1) / PAGE -
                       toff / PAGE + 1);
    for (page = 0; page <= pages; page++) {
        uint64_t at = (toff / PAGE + page) * PAGE;
        unsigned v = at <= toff ? 0 :
                     (unsigned)((at - toff + ENTRY_SIZE - 1) / ENTRY_SIZE);
        uint64_t e, msg;
        unsigned slot;

        if (page == pages) {
            v = vectors - 1; /* and the last entry */
        } else if (v >= vectors) {
            continue;
        }
        e = toff + (uint64_t)v * ENTRY_SIZE;
        slot = v % 64;
        msg = sink.phys + 4 * slot;
        wr32(&sink, 4 * slot, 0);
        wr32(tb, e + 0, (uint32_t)msg);
        wr32(tb, e + 4, (uint32_t)(msg >> 32));
        wr32(tb, e + 8, 0xd000 + v);
        wr32(tb, e + 12, 1); /* masked */
        CHECK(rd32(tb, e + 8) == 0xd000 + v, "vector %u: data reads 0x%x", v,
              rd32(tb, e + 8));
        raise_msix(regs, v);
        CHECK(rd64(pb, poff + 8 * (v / 64)) & (1ull << (v % 64)),
              "vector %u: masked, raised, not pending", v);
        CHECK(rd32(&sink, 4 * slot) == 0,
              "vector %u: masked, but its message arrived", v);
        wr32(tb, e + 12, 0); /* unmask: the pending message goes out */
        CHECK(rd32(&sink, 4 * slot) == 0xd000 + v,
              "vector %u: unmasked, message 0x%x, want 0x%x", v,
              rd32(&sink, 4 * slot), 0xd000 + v);
        CHECK(!(rd64(pb, poff + 8 * (v / 64)) & (1ull << (v % 64))),
              "vector %u: still pending after delivery", v);
        /* And once more unmasked: sent at once. */
        wr32(&sink, 4 * slot, 0);
        raise_msix(regs, v);
        CHECK(rd32(&sink, 4 * slot) == 0xd000 + v,
              "vector %u: unmasked raise did not arrive", v);
        printf("msixcheck: vector %u (table page at BAR%u+0x%" PRIx64
               "): pending while masked, delivered on unmask\n", v, tbir,
               e / PAGE * PAGE);
    }
    cfg_write(fd, cap + MSIX_FLAGS, 0, 2);
    printf("msixcheck: %d failure(s)\n", failures);
    return failures ? 1 : 0;
}
