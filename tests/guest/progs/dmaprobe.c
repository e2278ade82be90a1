// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmaprobe: make a test function DMA into a page of this program's memory,
 * at the page's guest-physical address, and say whether the device
 * completed and whether the page changed. No Linux driver binds the
 * function; this program is its driver, through sysfs (config for the
 * command register, resource0 mmap for its registers).
 *
 *   dmaprobe FN refused|written
 *
 * The page is filled with 0xa5 and locked; its physical address comes from
 * /proc/self/pagemap. The device's buffer is filled with 0x5a and written
 * to that address as a DMA (device to memory) of 256 bytes.
 * - refused: the function is behind the guest's IOMMU (intel_iommu=on) and
 *   nothing is mapped for it (no driver: its default domain is empty), so
 *   the address is an IOVA nobody mapped: the device must report the DMA as
 *   failed and the page must be untouched.
 * - written: no IOMMU (or passthrough): the device must complete and the
 *   page must hold the buffer.
 * It prints "dmaprobe: ADDR 0x..." first, so the caller can look for the
 * address in QEMU's log and the kernel's.
 *
 * What is particular to the device is the struct dma_dev below: a probe of
 * its identity and one device-to-memory DMA; the rest is the device's
 * neighbours' business (config space, pagemap, the page).
 * Exit status: 0 as expected, 1 not, 2 usage or system error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <linux/pci_regs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define DMA_LEN 256
#define FILL_PAGE 0xa5
#define FILL_DEV 0x5a

enum dma_result { DMA_DONE, DMA_FAILED, DMA_TIMEOUT };

/* A test function that can DMA: what dmaprobe needs of it. */
struct dma_dev {
    const char *name;
    uint32_t bar0_size;
    /* Whether the BAR is this device's. */
    bool (*probe)(volatile uint32_t *bar);
    /* Fill its buffer with @fill and write @len bytes of it at @addr. */
    enum dma_result (*dma_to_memory)(volatile uint32_t *bar, uint64_t addr,
                                     uint32_t len, uint8_t fill);
};

/* mdev-pcitest: hw/mdev/samples/pcitest/pcitest.hpp */
#define PT_MAGIC 0x00
#define PT_DMA_ADDR_LO 0x10
#define PT_DMA_ADDR_HI 0x14
#define PT_DMA_LEN 0x18
#define PT_DMA_CMD 0x1c
#define PT_DMA_STATUS 0x20
#define PT_BUF 0x100
#define PT_MAGIC_VALUE 0x74657374
#define PT_DMA_TO_GUEST 2
#define PT_DMA_DONE 1
#define PT_DMA_FAILED 2

static bool pcitest_probe(volatile uint32_t *bar)
{
    return bar[PT_MAGIC / 4] == PT_MAGIC_VALUE;
}

static enum dma_result pcitest_dma_to_memory(volatile uint32_t *bar,
                                             uint64_t addr, uint32_t len,
                                             uint8_t fill)
{
    uint32_t word = fill * 0x01010101u;

    for (uint32_t i = 0; i < len; i += 4) {
        bar[(PT_BUF + i) / 4] = word;
    }
    bar[PT_DMA_ADDR_LO / 4] = (uint32_t)addr;
    bar[PT_DMA_ADDR_HI / 4] = (uint32_t)(addr >> 32);
    bar[PT_DMA_LEN / 4] = len;
    bar[PT_DMA_CMD / 4] = PT_DMA_TO_GUEST;
    /* The command runs within the register write; the status says how. */
    switch (bar[PT_DMA_STATUS / 4]) {
    case PT_DMA_DONE:
        return DMA_DONE;
    case PT_DMA_FAILED:
        return DMA_FAILED;
    default:
        return DMA_TIMEOUT;
    }
}

static const struct dma_dev devices[] = {
    { "mdev-pcitest", 4096, pcitest_probe, pcitest_dma_to_memory },
};

static int config_fd(const char *fn)
{
    char path[256];

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", fn);
    return open(path, O_RDWR);
}

/* Memory decoding and bus mastering on, as a driver's probe does. */
static bool enable(const char *fn)
{
    int fd = config_fd(fn);
    uint16_t cmd;
    bool ok;

    if (fd < 0 || pread(fd, &cmd, 2, PCI_COMMAND) != 2) {
        perror("dmaprobe: config");
        return false;
    }
    cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    ok = pwrite(fd, &cmd, 2, PCI_COMMAND) == 2;
    close(fd);
    return ok;
}

static bool physical_address(void *p, uint64_t *out)
{
    uint64_t entry;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    bool ok = fd >= 0 &&
              pread(fd, &entry, 8, (off_t)((uintptr_t)p / PAGE * 8)) == 8;

    if (fd >= 0) {
        close(fd);
    }
    /* Bit 63: present; bits 0-54: the page frame number (root only). */
    if (!ok || !(entry >> 63) || !(entry & ((1ull << 55) - 1))) {
        return false;
    }
    *out = (entry & ((1ull << 55) - 1)) * PAGE + (uintptr_t)p % PAGE;
    return true;
}

int main(int argc, char **argv)
{
    char path[256];
    const struct dma_dev *dev = NULL;
    volatile uint32_t *bar;
    uint8_t *page;
    uint64_t addr;
    bool want_written;
    enum dma_result r;
    size_t changed = 0, as_buffer = 0;
    int fd;

    if (argc != 3 || (strcmp(argv[2], "refused") && strcmp(argv[2], "written"))) {
        fprintf(stderr, "usage: dmaprobe FN refused|written\n");
        return 2;
    }
    want_written = !strcmp(argv[2], "written");
    if (!enable(argv[1])) {
        return 2;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", argv[1]);
    fd = open(path, O_RDWR | O_SYNC);
    bar = fd < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (bar == MAP_FAILED) {
        perror("dmaprobe: resource0");
        return 2;
    }
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
        if (devices[i].probe(bar)) {
            dev = &devices[i];
        }
    }
    if (!dev) {
        fprintf(stderr, "dmaprobe: %s is no device this program knows\n", argv[1]);
        return 2;
    }

    page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
    if (page == MAP_FAILED) {
        perror("dmaprobe: page");
        return 2;
    }
    memset(page, FILL_PAGE, PAGE);
    if (!physical_address(page, &addr)) {
        fprintf(stderr, "dmaprobe: no physical address in /proc/self/pagemap\n");
        return 2;
    }
    printf("dmaprobe: ADDR 0x%" PRIx64 " (%s %s, %u bytes)\n", addr, dev->name, argv[1],
           DMA_LEN);

    r = dev->dma_to_memory(bar, addr, DMA_LEN, FILL_DEV);
    for (size_t i = 0; i < PAGE; i++) {
        changed += page[i] != FILL_PAGE;
        as_buffer += i < DMA_LEN && page[i] == FILL_DEV;
    }
    printf("dmaprobe: device says %s; %zu byte(s) of the page changed, %zu hold the "
           "device's buffer\n",
           r == DMA_DONE ? "done" : r == DMA_FAILED ? "failed" : "neither done nor failed",
           changed, as_buffer);
    if (want_written) {
        return r == DMA_DONE && changed == DMA_LEN && as_buffer == DMA_LEN ? 0 : 1;
    }
    return r == DMA_FAILED && changed == 0 ? 0 : 1;
}
