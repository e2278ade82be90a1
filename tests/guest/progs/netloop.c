// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netloop: send Ethernet frames out of an interface and check that each comes
 * back, in order and byte for byte, on the same interface (mdev-mvnet loops
 * every frame it transmits into its own receive queue).
 *
 *   netloop IFACE [COUNT [SIZE [tally]]]   default 100 frames of 1514 bytes
 *
 * Frames go to the interface's own address with the local experimental
 * ethertype 0x88b5 and a sequence number; the packet socket sees our own
 * transmissions too (PACKET_OUTGOING), which are skipped. Exit status: 0 all
 * frames came back, 1 a frame was lost, changed or reordered (or nothing
 * came within 5 s), 2 system error.
 *
 * With "tally" (for injected faults, docs/fault-injection.md) it sends all
 * COUNT frames, one at a time, whatever happens to each, and prints one
 * line: how many came back unchanged, which were lost (nothing within 5 s)
 * and which came back changed (the first byte that differs, sent and
 * received value), plus frames that came late (after their wait ended).
 * Exit status then: 0 whatever the tally, 2 system error.
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
#include <unistd.h>

#define ETHERTYPE_LOOP 0x88b5

static void build(uint8_t *f, size_t size, const uint8_t *mac, unsigned seq)
{
    memcpy(f, mac, 6);
    memcpy(f + 6, mac, 6);
    f[12] = ETHERTYPE_LOOP >> 8;
    f[13] = ETHERTYPE_LOOP & 0xff;
    for (size_t i = 14; i < size; i++)
        f[i] = (uint8_t)(seq * 131 + i * 7);
    memcpy(f + 14, &seq, sizeof(seq));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: netloop IFACE [COUNT [SIZE [tally]]]\n");
        return 2;
    }
    const char *ifname = argv[1];
    unsigned count = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
    size_t size = argc > 3 ? (size_t)atoi(argv[3]) : 1514;
    int tally = argc > 4 && strcmp(argv[4], "tally") == 0;
    unsigned back = 0, lost = 0, changed = 0, late = 0;
    char lost_text[256] = "", changed_text[512] = "";
    if (size < 60 || size > 1514) {
        fprintf(stderr, "netloop: size must be 60..1514\n");
        return 2;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_LOOP));
    if (fd < 0) {
        perror("netloop: socket");
        return 2;
    }
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        perror("netloop: SIOCGIFINDEX");
        return 2;
    }
    int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        perror("netloop: SIOCGIFHWADDR");
        return 2;
    }
    uint8_t mac[6];
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll sll = {0};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETHERTYPE_LOOP);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        perror("netloop: bind");
        return 2;
    }

    uint8_t out[1514], in[2048];
    for (unsigned seq = 0; seq < count; seq++) {
        build(out, size, mac, seq);
        if (send(fd, out, size, 0) != (ssize_t)size) {
            perror("netloop: send");
            return 2;
        }
        for (;;) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 5000) <= 0) {
                if (tally) {
                    lost++;
                    size_t l = strlen(lost_text);
                    snprintf(lost_text + l, sizeof(lost_text) - l, " %u", seq);
                    break;
                }
                fprintf(stderr, "netloop: %s: frame %u of %u did not come back within 5 s\n",
                        ifname, seq, count);
                return 1;
            }
            struct sockaddr_ll from;
            socklen_t fl = sizeof(from);
            ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
            if (n < 0) {
                perror("netloop: recv");
                return 2;
            }
            if (from.sll_pkttype == PACKET_OUTGOING)
                continue;
            if (tally) {
                unsigned got;
                memcpy(&got, in + 14, sizeof(got));
                if ((size_t)n == size && memcmp(in, out, size) == 0) {
                    back++;
                } else if ((size_t)n == size && got < seq) {
                    late++; /* an earlier frame, after its wait ended */
                    continue;
                } else {
                    changed++;
                    size_t at = 0;
                    while (at < size && at < (size_t)n && in[at] == out[at])
                        at++;
                    size_t l = strlen(changed_text);
                    if (at < size && at < (size_t)n)
                        snprintf(changed_text + l, sizeof(changed_text) - l,
                                 " (seq %u byte %zu: 0x%02x -> 0x%02x)", seq, at, out[at], in[at]);
                    else
                        snprintf(changed_text + l, sizeof(changed_text) - l,
                                 " (seq %u: %zd bytes)", seq, n);
                }
                break;
            }
            if ((size_t)n != size || memcmp(in, out, size) != 0) {
                unsigned got;
                memcpy(&got, in + 14, sizeof(got));
                fprintf(stderr, "netloop: %s: frame %u came back as %zd bytes (seq %u), "
                        "want %zu identical bytes\n", ifname, seq, n, got, size);
                return 1;
            }
            break;
        }
    }
    if (tally) {
        char lost_list[300] = "";
        if (lost)
            snprintf(lost_list, sizeof(lost_list), " (seq%s)", lost_text);
        printf("netloop: %s: %u frames of %zu bytes: %u back, %u lost%s, %u changed%s, %u late\n",
               ifname, count, size, back, lost, lost_list, changed, changed_text, late);
        return 0;
    }
    printf("netloop: %s: %u frames of %zu bytes looped back in order\n", ifname, count, size);
    return 0;
}
