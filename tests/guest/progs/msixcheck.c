// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msixcheck: drive an mdev-pcitest's MSI-X table and PBA from the guest's
 * CPU, on every page they cover, and check that each vector fired arrives.
 * No Linux driver binds the function (1af4:10f0); this program is its
 * driver, through sysfs (config, resourceN mmap), so every table and PBA
 * access is a guest CPU access to MMIO (under TCG: through QEMU's CPU TLB,
 * which is what a table at a non-page-aligned offset used to break).
 *
 *   msixcheck FN SINK
 *
 * FN is the pcitest under test (0000:00:04.0); SINK another pcitest whose
 * BAR0 DMA buffer (offset 0x100, 64 dwords) receives the messages: vector
 * v's message is the dword 0xd000 + v written at buffer slot v % 64.
 * For one vector starting on each page of the table, and the last one:
 * program the entry masked, raise the vector through the register mirror
 * in the table's BAR (pcitest's BAR2 below 0x800, which shares the table's
 * first page when the table is at 0x80) or BAR0, check that its PBA bit is
 * set and nothing arrived, unmask, check that the message arrived and the
 * PBA bit is clear. Every table page is read back too.
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

/* hw/mdev/samples/pcitest/pcitest.hpp */
#define PT_MAGIC 0x00
#define PT_RAISE 0x04
#define PT_MAGIC_VALUE 0x74657374
#define PT_BUF 0x100
#define PT_MIRROR_END 0x800 /* BAR2 below this mirrors BAR0's registers */

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
    sink = bar_map(argv[2], 0);
    /* The registers: the mirror in the table's BAR when the table leaves it
     * room on its first page, else BAR0. */
    regs = (tbir != 0 && toff >= 8 && toff <= PT_MIRROR_END) ? tb : &bars[0];
    printf("msixcheck: %s: %u vectors, table BAR%u+0x%" PRIx64 ", PBA BAR%u+0x%"
           PRIx64 ", registers in BAR%u\n", argv[1], vectors, tbir, toff, pbir,
           poff, (unsigned)(regs - bars));
    CHECK(rd32(regs, PT_MAGIC) == PT_MAGIC_VALUE, "magic 0x%x",
          rd32(regs, PT_MAGIC));
    CHECK(rd32(&sink, PT_MAGIC) == PT_MAGIC_VALUE, "sink magic");

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
        msg = sink.phys + PT_BUF + 4 * slot;
        wr32(&sink, PT_BUF + 4 * slot, 0);
        wr32(tb, e + 0, (uint32_t)msg);
        wr32(tb, e + 4, (uint32_t)(msg >> 32));
        wr32(tb, e + 8, 0xd000 + v);
        wr32(tb, e + 12, 1); /* masked */
        CHECK(rd32(tb, e + 8) == 0xd000 + v, "vector %u: data reads 0x%x", v,
              rd32(tb, e + 8));
        wr32(regs, PT_RAISE, v);
        CHECK(rd64(pb, poff + 8 * (v / 64)) & (1ull << (v % 64)),
              "vector %u: masked, raised, not pending", v);
        CHECK(rd32(&sink, PT_BUF + 4 * slot) == 0,
              "vector %u: masked, but its message arrived", v);
        wr32(tb, e + 12, 0); /* unmask: the pending message goes out */
        CHECK(rd32(&sink, PT_BUF + 4 * slot) == 0xd000 + v,
              "vector %u: unmasked, message 0x%x, want 0x%x", v,
              rd32(&sink, PT_BUF + 4 * slot), 0xd000 + v);
        CHECK(!(rd64(pb, poff + 8 * (v / 64)) & (1ull << (v % 64))),
              "vector %u: still pending after delivery", v);
        /* And once more unmasked: sent at once. */
        wr32(&sink, PT_BUF + 4 * slot, 0);
        wr32(regs, PT_RAISE, v);
        CHECK(rd32(&sink, PT_BUF + 4 * slot) == 0xd000 + v,
              "vector %u: unmasked raise did not arrive", v);
        printf("msixcheck: vector %u (table page at BAR%u+0x%" PRIx64
               "): pending while masked, delivered on unmask\n", v, tbir,
               e / PAGE * PAGE);
    }
    cfg_write(fd, cap + MSIX_FLAGS, 0, 2);
    printf("msixcheck: %d failure(s)\n", failures);
    return failures ? 1 : 0;
}
