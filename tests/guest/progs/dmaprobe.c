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
 * /proc/self/pagemap. The device writes 256 bytes of its own at that
 * address as one DMA (device to memory).
 * - refused: the function is behind the guest's IOMMU (intel_iommu=on) and
 *   nothing is mapped for it (no driver: its default domain is empty), so
 *   the address is an IOVA nobody mapped: the device must report the DMA as
 *   failed and the page must be untouched.
 * - written: no IOMMU (or passthrough): the device must complete and the
 *   page must have changed in those 256 bytes and nowhere else.
 * It prints "dmaprobe: ADDR 0x..." first, so the caller can look for the
 * address in QEMU's log and the kernel's.
 *
 * What is particular to the device is one struct dma_dev below: its PCI
 * ids and one device-to-memory DMA through its BAR0; the rest (config
 * space, pagemap, the page) is any device's.
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

enum dma_result { DMA_DONE, DMA_FAILED, DMA_NEITHER };

/* A test function that can DMA: what dmaprobe needs of it. */
struct dma_dev {
    const char *name;
    uint16_t vendor, device;
    /* Write @len bytes of the device's own at @addr, through BAR0. */
    enum dma_result (*dma_to_memory)(volatile uint32_t *bar0, uint64_t addr,
                                     uint32_t len);
};

/*
 * mdev-epf-test: Linux's pci-epf-test registers (struct pci_epf_test_reg,
 * as drivers/misc/pci_endpoint_test.c names them), hw/mdev/samples/
 * epf-test. COMMAND_WRITE stores SIZE bytes of its own at DST_ADDR, with
 * FLAG_USE_DMA as one DMA transfer; the model runs it within the register
 * write and reports in STATUS. Writing STATUS back clears IRQ_RAISED (and
 * the INTx level the command raised), as the host driver's handler does.
 */
#define EPF_COMMAND 0x04
#define EPF_STATUS 0x08
#define EPF_LOWER_DST_ADDR 0x14
#define EPF_UPPER_DST_ADDR 0x18
#define EPF_SIZE 0x1c
#define EPF_IRQ_TYPE 0x24
#define EPF_FLAGS 0x2c
#define EPF_COMMAND_WRITE (1u << 4)
#define EPF_STATUS_WRITE_SUCCESS (1u << 2)
#define EPF_STATUS_WRITE_FAIL (1u << 3)
#define EPF_IRQ_TYPE_LEGACY 0
#define EPF_FLAG_USE_DMA (1u << 0)

static enum dma_result epf_dma_to_memory(volatile uint32_t *bar0, uint64_t addr,
                                         uint32_t len)
{
    uint32_t status;

    bar0[EPF_LOWER_DST_ADDR / 4] = (uint32_t)addr;
    bar0[EPF_UPPER_DST_ADDR / 4] = (uint32_t)(addr >> 32);
    bar0[EPF_SIZE / 4] = len;
    bar0[EPF_IRQ_TYPE / 4] = EPF_IRQ_TYPE_LEGACY;
    bar0[EPF_FLAGS / 4] = EPF_FLAG_USE_DMA;
    bar0[EPF_COMMAND / 4] = EPF_COMMAND_WRITE;
    status = bar0[EPF_STATUS / 4];
    bar0[EPF_STATUS / 4] = 0;
    printf("dmaprobe: epf-test STATUS 0x%x\n", status);
    if (status & EPF_STATUS_WRITE_SUCCESS) {
        return DMA_DONE;
    }
    return status & EPF_STATUS_WRITE_FAIL ? DMA_FAILED : DMA_NEITHER;
}

static const struct dma_dev devices[] = {
    { "mdev-epf-test", 0x104c, 0xb500, epf_dma_to_memory },
};

static unsigned read_id(const char *fn, const char *what)
{
    char path[256];
    unsigned v = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", fn, what);
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%x", &v) != 1) {
            v = 0;
        }
        fclose(f);
    }
    return v;
}

/* BAR0's start address (the first line of sysfs "resource"). */
static bool bar0_start(const char *fn, unsigned long long *start)
{
    char path[256];
    FILE *f;
    bool ok;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", fn);
    f = fopen(path, "r");
    ok = f && fscanf(f, "%llx", start) == 1;
    if (f) {
        fclose(f);
    }
    return ok;
}

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
    void *map;
    unsigned long long start;
    uint8_t *page;
    uint64_t addr;
    bool want_written;
    enum dma_result r;
    size_t changed = 0, outside = 0;
    int fd;

    if (argc != 3 || (strcmp(argv[2], "refused") && strcmp(argv[2], "written"))) {
        fprintf(stderr, "usage: dmaprobe FN refused|written\n");
        return 2;
    }
    want_written = !strcmp(argv[2], "written");
    if (!enable(argv[1])) {
        return 2;
    }
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
        if (read_id(argv[1], "vendor") == devices[i].vendor &&
            read_id(argv[1], "device") == devices[i].device) {
            dev = &devices[i];
        }
    }
    if (!dev) {
        fprintf(stderr, "dmaprobe: %s is no device this program knows\n", argv[1]);
        return 2;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", argv[1]);
    fd = open(path, O_RDWR | O_SYNC);
    map = fd < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED || !bar0_start(argv[1], &start)) {
        perror("dmaprobe: resource0");
        return 2;
    }
    /* A BAR smaller than a page need not start one: the mapping does. */
    bar = (volatile uint32_t *)((volatile uint8_t *)map + start % PAGE);

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

    r = dev->dma_to_memory(bar, addr, DMA_LEN);
    for (size_t i = 0; i < PAGE; i++) {
        changed += page[i] != FILL_PAGE;
        outside += i >= DMA_LEN && page[i] != FILL_PAGE;
    }
    printf("dmaprobe: device says %s; %zu byte(s) of the page changed, %zu past the "
           "%u bytes asked for\n",
           r == DMA_DONE ? "done" : r == DMA_FAILED ? "failed" : "neither done nor failed",
           changed, outside, DMA_LEN);
    if (want_written) {
        /* The device's bytes are its own (random): a few may equal the fill. */
        return r == DMA_DONE && changed >= DMA_LEN - 8 && outside == 0 ? 0 : 1;
    }
    return r == DMA_FAILED && changed == 0 ? 0 : 1;
}
