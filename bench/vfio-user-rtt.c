// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-user-rtt: the round trip of one trapped register read over a
 * vfio-user socket, without a guest or QEMU's client in the way (for
 * bench/vfio-user-access; not a test).
 *
 *   vfio-user-rtt SOCKET REGION OFFSET BATCHES N
 *   vfio-user-rtt --floor BATCHES N
 *
 * SOCKET: a vfio-user server's socket (mdev-vfio-user). The program sends
 * VERSION (docs/interop/vfio-user.rst), then BATCHES x N REGION_READ
 * messages of one byte at OFFSET of REGION, each waiting for its reply,
 * as QEMU's vfio-user-pci does for a guest's `inb`.
 * --floor: the same message sizes bounced between two processes over a
 * socketpair by a peer that does what a poll-driven server must (poll,
 * read, reply): the cost of the socket and of the two wake-ups alone.
 *
 * Prints the median and the fastest batch, in microseconds per round trip:
 *   vfio-user-rtt: MODE median US min US batches B n N
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct hdr {
    uint16_t id;
    uint16_t command;
    uint32_t size;
    uint32_t flags;
    uint32_t error;
} __attribute__((packed));

struct region_access {
    struct hdr h;
    uint64_t offset;
    uint32_t region;
    uint32_t count;
} __attribute__((packed));

enum { VERSION = 1, REGION_READ = 9, FLAG_REPLY = 1, FLAG_ERROR = 0x20 };

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Reads exactly len bytes. */
static void read_all(int fd, void *buf, size_t len)
{
    ssize_t n = recv(fd, buf, len, MSG_WAITALL);

    if (n != (ssize_t)len) {
        fprintf(stderr, "vfio-user-rtt: short read (%zd of %zu)\n", n, len);
        exit(1);
    }
}

/* One request, one reply; returns the reply's payload length. */
static size_t transact(int fd, const void *req, size_t len, uint8_t *reply, size_t max)
{
    struct hdr h;

    if (send(fd, req, len, 0) != (ssize_t)len) {
        die("send");
    }
    read_all(fd, &h, sizeof(h));
    if (!(h.flags & FLAG_REPLY) || (h.flags & FLAG_ERROR) || h.size < sizeof(h) ||
        h.size - sizeof(h) > max) {
        fprintf(stderr, "vfio-user-rtt: bad reply (flags %#x error %u size %u)\n", h.flags,
                h.error, h.size);
        exit(1);
    }
    read_all(fd, reply, h.size - sizeof(h));
    return h.size - sizeof(h);
}

static void report(const char *mode, double *batch, int batches, long n)
{
    qsort(batch, batches, sizeof(*batch), cmp_double);
    printf("vfio-user-rtt: %s median %.2f min %.2f batches %d n %ld\n", mode,
           batch[batches / 2] / n, batch[0] / n, batches, n);
}

static int floor_run(int batches, long n)
{
    int sv[2];
    struct region_access req = {{0, REGION_READ, sizeof(req), 0, 0}, 5, 0, 1};
    uint8_t reply[64];
    double *batch = calloc(batches, sizeof(double));
    pid_t child;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        die("socketpair");
    }
    child = fork();
    if (child == 0) {
        /* The peer: wait, read a request, answer with a reply's size. */
        struct region_access in;
        uint8_t out[sizeof(struct region_access) + 1] = {0};
        struct hdr *oh = (struct hdr *)out;

        close(sv[0]);
        for (;;) {
            struct pollfd p = {sv[1], POLLIN, 0};

            if (poll(&p, 1, -1) < 0 || recv(sv[1], &in, sizeof(in), MSG_WAITALL) != sizeof(in)) {
                _exit(0);
            }
            oh->id = in.h.id;
            oh->command = in.h.command;
            oh->size = sizeof(out);
            oh->flags = FLAG_REPLY;
            if (send(sv[1], out, sizeof(out), 0) != sizeof(out)) {
                _exit(0);
            }
        }
    }
    close(sv[1]);
    for (int b = 0; b < batches; b++) {
        double t0 = now_us();

        for (long i = 0; i < n; i++) {
            req.h.id = (uint16_t)i;
            transact(sv[0], &req, sizeof(req), reply, sizeof(reply));
        }
        batch[b] = now_us() - t0;
    }
    close(sv[0]);
    waitpid(child, NULL, 0);
    report("floor", batch, batches, n);
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct {
        struct hdr h;
        uint16_t major, minor;
        char json[3];
    } __attribute__((packed)) version = {{0, VERSION, sizeof(version), 0, 0}, 0, 1, "{}"};
    struct region_access req = {{0, REGION_READ, sizeof(req), 0, 0}, 0, 0, 1};
    uint8_t reply[4096];
    int batches, fd;
    long n;
    double *batch;

    if (argc == 4 && strcmp(argv[1], "--floor") == 0) {
        batches = atoi(argv[2]);
        n = atol(argv[3]);
        if (batches < 1 || n < 1) {
            fprintf(stderr, "vfio-user-rtt: BATCHES >= 1 and N >= 1\n");
            return 2;
        }
        return floor_run(batches, n);
    }
    if (argc != 6) {
        fprintf(stderr, "usage: vfio-user-rtt SOCKET REGION OFFSET BATCHES N\n"
                        "       vfio-user-rtt --floor BATCHES N\n");
        return 2;
    }
    req.region = (uint32_t)strtoul(argv[2], NULL, 0);
    req.offset = strtoull(argv[3], NULL, 0);
    batches = atoi(argv[4]);
    n = atol(argv[5]);
    if (batches < 1 || n < 1 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "vfio-user-rtt: BATCHES >= 1, N >= 1, a socket path that fits\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        die(argv[1]);
    }
    transact(fd, &version, sizeof(version), reply, sizeof(reply));
    batch = calloc(batches, sizeof(double));
    for (int b = 0; b < batches; b++) {
        double t0 = now_us();

        for (long i = 0; i < n; i++) {
            req.h.id = (uint16_t)(i + 1);
            if (transact(fd, &req, sizeof(req), reply, sizeof(reply)) != sizeof(req) - sizeof(struct hdr) + 1) {
                fprintf(stderr, "vfio-user-rtt: REGION_READ reply of the wrong size\n");
                return 1;
            }
        }
        batch[b] = now_us() - t0;
    }
    close(fd);
    report("server", batch, batches, n);
    return 0;
}
