// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetraw: drive a virtio-net PCI function (modern interface) from user
 * space, to do what Linux's virtio_net never does: transmit while no
 * receive buffer is posted. virtio 1.x (5.1.6.2) lets a device drop such a
 * frame, but it must still return the chain (2.7.14: the device uses every
 * buffer it takes); a device that holds it until a receive buffer shows up
 * wedges the driver's transmit queue.
 *
 *   vnetraw 0000:00:04.0
 *
 * The function must be bound to no driver. The program enables memory and
 * bus mastering through sysfs, finds the common, notify and device
 * configuration structures from the vendor capabilities, maps their BAR
 * (resourceN), negotiates VIRTIO_F_VERSION_1 alone, enables the receive
 * queue with an empty available ring and the transmit queue, and sends
 * three 60-byte frames one at a time. Each chain must come back in the
 * used ring within 5 s, and the device must not ask for a reset
 * (DEVICE_NEEDS_RESET). Ring memory is locked pages whose guest-physical
 * addresses come from /proc/self/pagemap. Names and values: the kernel's
 * UAPI headers (<linux/virtio_pci.h>, <linux/virtio_config.h>,
 * <linux/virtio_ring.h>, <linux/virtio_net.h>, <linux/pci_regs.h>).
 * Exit status: 0 every check passed, 1 a check failed, 2 usage or system
 * error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define QSIZE 8
#define FRAMES 3
#define USED_TIMEOUT_MS 5000

static const char *fn;
static int failures;

static void die(const char *what)
{
    fprintf(stderr, "vnetraw: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) {
        failures++;
    }
}

static uint8_t config[256];

static void read_config(void)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", fn);
    fd = open(path, O_RDWR);
    if (fd < 0 || pread(fd, config, sizeof(config), 0) != sizeof(config)) {
        die(path);
    }
    /* Memory space and bus mastering on, INTx off: this driver polls. */
    uint16_t cmd = config[PCI_COMMAND] | config[PCI_COMMAND + 1] << 8;
    cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;
    if (pwrite(fd, &cmd, 2, PCI_COMMAND) != 2) {
        die("write PCI_COMMAND");
    }
    close(fd);
}

static uint32_t cfg32(unsigned off)
{
    return config[off] | config[off + 1] << 8 | config[off + 2] << 16 |
           (uint32_t)config[off + 3] << 24;
}

struct region {
    unsigned bar;
    uint32_t offset;
    uint32_t length;
    volatile uint8_t *p;
};

/* The vendor capability of cfg_type `type`; 0 if there is none. */
static unsigned find_cap(uint8_t type)
{
    unsigned pos = config[PCI_CAPABILITY_LIST] & ~3u;

    for (int guard = 0; pos && guard < 48; guard++) {
        if (config[pos] == PCI_CAP_ID_VNDR &&
            config[pos + offsetof(struct virtio_pci_cap, cfg_type)] == type) {
            return pos;
        }
        pos = config[pos + 1] & ~3u;
    }
    return 0;
}

static volatile uint8_t *bars[6];

static void map_region(struct region *r, unsigned cap)
{
    char path[128];
    int fd;
    off_t size;
    struct stat st;

    r->bar = config[cap + offsetof(struct virtio_pci_cap, bar)];
    r->offset = cfg32(cap + offsetof(struct virtio_pci_cap, offset));
    r->length = cfg32(cap + offsetof(struct virtio_pci_cap, length));
    if (r->bar > 5) {
        fprintf(stderr, "vnetraw: capability at 0x%x names BAR%u\n", cap, r->bar);
        exit(2);
    }
    if (!bars[r->bar]) {
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%u", fn, r->bar);
        fd = open(path, O_RDWR | O_SYNC);
        if (fd < 0) {
            die(path);
        }
        /* sysfs gives a resource file the BAR's size. */
        if (fstat(fd, &st) != 0 || st.st_size <= 0) {
            die("size of the BAR's resource file");
        }
        size = st.st_size;
        bars[r->bar] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (bars[r->bar] == MAP_FAILED) {
            die("mmap BAR");
        }
        close(fd);
    }
    r->p = bars[r->bar] + r->offset;
}

static struct region common, notify;
static uint32_t notify_mult;

#define COMMON(field) (common.p + offsetof(struct virtio_pci_common_cfg, field))

static uint8_t rd8(volatile uint8_t *p) { return *p; }
static uint16_t rd16(volatile uint8_t *p) { return *(volatile uint16_t *)p; }
static uint32_t rd32(volatile uint8_t *p) { return *(volatile uint32_t *)p; }
static void wr8(volatile uint8_t *p, uint8_t v) { *p = v; }
static void wr16(volatile uint8_t *p, uint16_t v) { *(volatile uint16_t *)p = v; }
static void wr32(volatile uint8_t *p, uint32_t v) { *(volatile uint32_t *)p = v; }
static void wr64(volatile uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* A locked, zeroed page and its guest-physical address. */
static void *dma_page(uint64_t *phys)
{
    long page = sysconf(_SC_PAGESIZE);
    void *p = aligned_alloc(page, page);
    uint64_t entry;
    int fd;

    if (!p || mlock(p, page) != 0) {
        die("locked page");
    }
    memset(p, 0, page);
    fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0 || pread(fd, &entry, 8, (uintptr_t)p / page * 8) != 8) {
        die("/proc/self/pagemap");
    }
    close(fd);
    if (!(entry & (1ull << 63)) || !(entry & ((1ull << 55) - 1))) {
        fprintf(stderr, "vnetraw: page not present or PFN hidden (pagemap 0x%llx)\n",
                (unsigned long long)entry);
        exit(2);
    }
    *phys = (entry & ((1ull << 55) - 1)) * page;
    return p;
}

struct queue {
    uint16_t index, size, notify_off;
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint64_t desc_pa, avail_pa, used_pa;
};

static void setup_queue(struct queue *q, uint16_t index)
{
    q->index = index;
    wr16(COMMON(queue_select), index);
    q->size = rd16(COMMON(queue_size));
    if (q->size == 0) {
        fprintf(stderr, "vnetraw: queue %u does not exist\n", index);
        exit(2);
    }
    if (q->size > QSIZE) {
        q->size = QSIZE;
        wr16(COMMON(queue_size), q->size);
    }
    q->notify_off = rd16(COMMON(queue_notify_off));
    q->desc = dma_page(&q->desc_pa);
    q->avail = dma_page(&q->avail_pa);
    q->used = dma_page(&q->used_pa);
    wr64(COMMON(queue_desc_lo), q->desc_pa);
    wr64(COMMON(queue_avail_lo), q->avail_pa);
    wr64(COMMON(queue_used_lo), q->used_pa);
    wr16(COMMON(queue_enable), 1);
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    struct queue rx, tx;
    unsigned cap;
    uint64_t frame_pa;
    uint8_t *frame;
    char what[160];
    uint8_t status;

    if (argc != 2) {
        fprintf(stderr, "usage: vnetraw DOMAIN:BUS:DEV.FN\n");
        return 2;
    }
    fn = argv[1];
    read_config();
    if (!(cap = find_cap(VIRTIO_PCI_CAP_COMMON_CFG))) {
        fprintf(stderr, "vnetraw: no common configuration capability\n");
        return 2;
    }
    map_region(&common, cap);
    if (!(cap = find_cap(VIRTIO_PCI_CAP_NOTIFY_CFG))) {
        fprintf(stderr, "vnetraw: no notify capability\n");
        return 2;
    }
    map_region(&notify, cap);
    notify_mult = cfg32(cap + offsetof(struct virtio_pci_notify_cap, notify_off_multiplier));

    /* Reset, then ACKNOWLEDGE, DRIVER, VERSION_1 alone, FEATURES_OK. */
    wr8(COMMON(device_status), 0);
    for (int i = 0; i < 1000 && rd8(COMMON(device_status)) != 0; i++) {
        usleep(1000);
    }
    wr8(COMMON(device_status), VIRTIO_CONFIG_S_ACKNOWLEDGE);
    wr8(COMMON(device_status), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    wr32(COMMON(device_feature_select), 1);
    check(rd32(COMMON(device_feature)) & (1u << (VIRTIO_F_VERSION_1 - 32)),
          "the device offers VIRTIO_F_VERSION_1");
    wr32(COMMON(guest_feature_select), 0);
    wr32(COMMON(guest_feature), 0);
    wr32(COMMON(guest_feature_select), 1);
    wr32(COMMON(guest_feature), 1u << (VIRTIO_F_VERSION_1 - 32));
    status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
    wr8(COMMON(device_status), status);
    check(rd8(COMMON(device_status)) & VIRTIO_CONFIG_S_FEATURES_OK,
          "FEATURES_OK accepted with VERSION_1 alone");

    /* Queue 0 receives, queue 1 transmits (5.1.2). RX gets no buffer. */
    setup_queue(&rx, 0);
    setup_queue(&tx, 1);
    status |= VIRTIO_CONFIG_S_DRIVER_OK;
    wr8(COMMON(device_status), status);

    frame = dma_page(&frame_pa);
    for (unsigned n = 0; n < FRAMES; n++) {
        /* virtio_net_hdr_v1 (12 bytes, all zero), then a 60-byte frame. */
        uint8_t *eth = frame + sizeof(struct virtio_net_hdr_v1);
        uint16_t slot = n % tx.size;
        long t0;

        memset(frame, 0, 4096);
        memset(eth, 0xff, 6);                                    /* broadcast */
        memcpy(eth + 6, "\x02\x00\x00\x00\x00\x01", 6);
        eth[12] = 0x88, eth[13] = 0xb5;                          /* local experimental */
        eth[14] = (uint8_t)n;
        tx.desc[slot].addr = frame_pa;
        tx.desc[slot].len = sizeof(struct virtio_net_hdr_v1) + 60;
        tx.desc[slot].flags = 0;
        tx.avail->ring[tx.avail->idx % tx.size] = slot;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        tx.avail->idx++;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        wr16(notify.p + tx.notify_off * notify_mult, tx.index);

        t0 = now_ms();
        while (*(volatile uint16_t *)&tx.used->idx != (uint16_t)(n + 1) &&
               now_ms() - t0 < USED_TIMEOUT_MS) {
            usleep(1000);
        }
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        snprintf(what, sizeof(what),
                 "frame %u: TX chain back in the used ring (id %u) with no RX buffer posted, "
                 "after %ld ms", n, tx.used->ring[n % tx.size].id, now_ms() - t0);
        check(tx.used->idx == (uint16_t)(n + 1) && tx.used->ring[n % tx.size].id == slot,
              what);
    }
    check(rx.used->idx == 0, "nothing was received: no RX buffer was posted");
    status = rd8(COMMON(device_status));
    snprintf(what, sizeof(what), "device status 0x%02x: no DEVICE_NEEDS_RESET", status);
    check(!(status & VIRTIO_CONFIG_S_NEEDS_RESET), what);

    wr8(COMMON(device_status), 0); /* reset: the device lets go of the rings */
    return failures ? 1 : 0;
}
