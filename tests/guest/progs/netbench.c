// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netbench: loopback throughput of a network interface whose frames come
 * back to it (mdev-mvnet; QEMU's virtio-net-pci on a netdev that reflects).
 * For bench/mvnet-loopback; a measurement, not a test, but every frame that
 * comes back is checked: its length, header, sequence number and contents.
 *
 *   netbench IFACE COUNT SIZE [WINDOW [SECONDS]]
 *
 * Sends COUNT frames of SIZE bytes (Ethernet header included, no FCS) to the
 * interface's own address with the local experimental ethertype 0x88b5 as
 * fast as it can, with at most WINDOW (default 128) frames sent and not yet
 * back, and receives them on the same AF_PACKET socket (our own outgoing
 * copies are ignored). Stops when every frame is back or counted lost (none
 * came for 500 ms: the outstanding ones are lost), or after SECONDS (default
 * 60). Frame k carries k (8 bytes, little-endian, after the Ethernet header)
 * and then bytes that depend on k and their offset. A frame counts as back
 * only if it is the next one expected, whole and intact; one that skips
 * ahead makes the frames it skipped lost; an earlier one (reordered or
 * duplicated), a corrupted one or one of the wrong length counts as other.
 * Prints one line:
 *
 *   netbench: IFACE size S window W: sent N back R lost L other O in T s = P pps G Gbit/s
 *
 * timed with CLOCK_MONOTONIC from the first send to the last frame back.
 * Before timing, one frame must come back within 2 s (else exit 1: the
 * interface does not reflect). Exit status 0, 1 nothing reflects, 2 error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETHERTYPE_BENCH 0x88b5

/* Byte i (past the sequence number) of frame seq. */
static uint8_t pattern(uint64_t seq, size_t i)
{
    return (uint8_t)(seq * 131 + i * 7);
}

/* Frame seq: the header already in f, then seq, then the pattern. */
static void fill(uint8_t *f, size_t size, uint64_t seq)
{
    memcpy(f + 14, &seq, sizeof(seq));
    for (size_t i = 22; i < size; i++)
        f[i] = pattern(seq, i);
}

/* Whether a received frame has our header and the pattern of its number. */
static int intact(const uint8_t *in, const uint8_t *out, size_t size, uint64_t *seq)
{
    if (memcmp(in, out, 14) != 0)
        return 0;
    memcpy(seq, in + 14, sizeof(*seq));
    for (size_t i = 22; i < size; i++)
        if (in[i] != pattern(*seq, i))
            return 0;
    return 1;
}
#define MAX_FRAME 1514

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

// One frame back from the socket without blocking (or waiting up to
// wait_ms when > 0): its length, 0 when none, -1 on error.
static ssize_t recv_one(int fd, uint8_t *buf, size_t cap, int wait_ms, int skip_outgoing)
{
    for (;;) {
        if (wait_ms > 0) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            int r = poll(&p, 1, wait_ms);
            if (r < 0)
                return errno == EINTR ? 0 : -1;
            if (r == 0)
                return 0;
        }
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        if (skip_outgoing && from.sll_pkttype == PACKET_OUTGOING)
            continue;
        return n;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: netbench IFACE COUNT SIZE [WINDOW [SECONDS]]\n");
        return 2;
    }
    const char *ifname = argv[1];
    unsigned long count = strtoul(argv[2], NULL, 0);
    size_t size = strtoul(argv[3], NULL, 0);
    unsigned long window = argc > 4 ? strtoul(argv[4], NULL, 0) : 128;
    double bound = argc > 5 ? atof(argv[5]) : 60;
    if (size < 60 || size > MAX_FRAME || count == 0 || window == 0) {
        fprintf(stderr, "netbench: SIZE must be 60..%d, COUNT and WINDOW > 0\n", MAX_FRAME);
        return 2;
    }

    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_BENCH));
    if (fd < 0) {
        perror("netbench: socket");
        return 2;
    }
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        perror("netbench: SIOCGIFINDEX");
        return 2;
    }
    int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        perror("netbench: SIOCGIFHWADDR");
        return 2;
    }
    uint8_t mac[6];
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    // Our own transmissions would double the receive work: have the kernel
    // not queue them (Linux 4.20+); else skip them by packet type.
    int one = 1;
    int skip_outgoing =
        setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0;
    // Room for a whole window of the largest frames (root may exceed rmem_max).
    int rcvbuf = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    struct sockaddr_ll sll = {0};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETHERTYPE_BENCH);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        perror("netbench: bind");
        return 2;
    }

    uint8_t out[MAX_FRAME], in[2048];
    memcpy(out, mac, 6);
    memcpy(out + 6, mac, 6);
    out[12] = ETHERTYPE_BENCH >> 8;
    out[13] = ETHERTYPE_BENCH & 0xff;
    for (size_t i = 14; i < size; i++)
        out[i] = (uint8_t)(i * 7);

    // Does the interface reflect at all?
    if (send(fd, out, size, 0) != (ssize_t)size) {
        perror("netbench: send");
        return 2;
    }
    for (double t0 = now();;) {
        ssize_t n = recv_one(fd, in, sizeof(in), 100, skip_outgoing);
        if (n < 0) {
            perror("netbench: recv");
            return 2;
        }
        if (n == (ssize_t)size)
            break;
        if (now() - t0 > 2) {
            fprintf(stderr, "netbench: %s: the first frame did not come back within 2 s\n",
                    ifname);
            return 1;
        }
    }

    unsigned long sent = 0, back = 0, lost = 0, bad = 0, next = 0;
    unsigned long long bytes = 0;
    double start = now(), last = start, deadline = start + bound;
    while (back + lost < count) {
        while (sent < count && sent - back - lost < window) {
            fill(out, size, sent);
            ssize_t n = send(fd, out, size, MSG_DONTWAIT);
            if (n == (ssize_t)size) {
                sent++;
                continue;
            }
            if (n < 0 && (errno == ENOBUFS || errno == EAGAIN))
                break; // the queue is full: take frames back first
            perror("netbench: send");
            return 2;
        }
        // Take back whatever has come; wait only when nothing has.
        int got = 0;
        for (;;) {
            ssize_t n = recv_one(fd, in, sizeof(in), got ? 0 : 500, skip_outgoing);
            if (n < 0) {
                perror("netbench: recv");
                return 2;
            }
            if (n == 0)
                break;
            got++;
            uint64_t seq;
            if ((size_t)n != size || !intact(in, out, size, &seq) || seq < next || seq >= sent) {
                bad++;
            } else {
                lost += seq - next; // skipped: they will not come back in order
                next = seq + 1;
                back++;
                bytes += (unsigned long long)n;
            }
            if (back + lost >= sent)
                break;
        }
        double t = now();
        if (got)
            last = t;
        else
            lost = sent - back; // nothing for 500 ms: the outstanding ones are gone
        if (t > deadline)
            break;
    }
    double dt = last - start;
    if (dt <= 0)
        dt = 1e-9;
    printf("netbench: %s: size %zu window %lu: sent %lu back %lu lost %lu other %lu in %.3f s"
           " = %.0f pps %.3f Gbit/s\n",
           ifname, size, window, sent, back, lost, bad, dt, back / dt, bytes * 8 / dt / 1e9);
    return 0;
}
