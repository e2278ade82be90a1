// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iobench: time single register accesses to two devices side by side, in
 * paired, alternating rounds (for bench/guest-access; not a test).
 *
 *   iobench ROUNDS N PIO_NATIVE PIO_MDEV MMIO_NATIVE MMIO_MDEV
 *
 * PIO_*: the I/O base (hex) of a 16550 UART's eight registers; the rows
 *   time `inb` of LSR (base + 5) and `outb` of SCR (base + 7), registers
 *   whose accesses have no side effect on either device.
 * MMIO_*: a bochs display's MMIO BAR (the sysfs resource2 file); the rows
 *   time 16-bit reads of the DISPI XRES register (0x502) and 16-bit writes
 *   of 0 to DISPI X_OFFSET (0x510).
 *
 * Each round times N accesses on one device, then N on the other, five
 * times, the order swapped every time, so that drift in the host's speed
 * (other guests, frequency) hits both alike; each device's round time is
 * its fastest try (host preemption only ever adds time), and a round's
 * ratio is mdev / native.
 * Prints per row the median ns per access of each device and the median,
 * 10th and 90th percentile of the per-round ratios:
 *   iobench: ROW native NS mdev NS ratio MEDIAN p10 P10 p90 P90 rounds R
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Tries per device and round; the fastest counts. */
#define REPS 5

#define UART_LSR 5
#define UART_SCR 7
#define DISPI_ID 0x500
#define DISPI_XRES 0x502
#define DISPI_X_OFFSET 0x510

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorted in place), nearest rank. */
static double quantile(double *v, int n, double q)
{
    int i = (int)(q * (n - 1) + 0.5);

    qsort(v, n, sizeof(*v), cmp_double);
    return v[i];
}

struct target {
    uint16_t port;
    volatile uint8_t *mmio;
};

enum kind { PIO_READ, PIO_WRITE, MMIO_READ, MMIO_WRITE };

/* ns for n accesses of `kind` on t. */
static double run(enum kind kind, const struct target *t, long n)
{
    double t0 = now_ns();
    volatile uint16_t *xres = (volatile uint16_t *)(t->mmio + DISPI_XRES);
    volatile uint16_t *xoff = (volatile uint16_t *)(t->mmio + DISPI_X_OFFSET);
    long i;

    switch (kind) {
    case PIO_READ:
        for (i = 0; i < n; i++) {
            (void)inb(t->port + UART_LSR);
        }
        break;
    case PIO_WRITE:
        for (i = 0; i < n; i++) {
            outb(0x5a, t->port + UART_SCR);
        }
        break;
    case MMIO_READ:
        for (i = 0; i < n; i++) {
            (void)*xres;
        }
        break;
    case MMIO_WRITE:
        for (i = 0; i < n; i++) {
            *xoff = 0;
        }
        break;
    }
    return now_ns() - t0;
}

static volatile uint8_t *map_bar(const char *path)
{
    int fd = open(path, O_RDWR | O_SYNC);
    void *p;

    if (fd < 0) {
        perror(path);
        exit(1);
    }
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        perror(path);
        exit(1);
    }
    close(fd);
    return p;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"pio-read", "pio-write", "mmio-read", "mmio-write"};
    struct target native, mdev;
    int rounds, r, k;
    long n;

    if (argc != 7) {
        fprintf(stderr, "usage: iobench ROUNDS N PIO_NATIVE PIO_MDEV MMIO_NATIVE MMIO_MDEV\n");
        return 2;
    }
    rounds = atoi(argv[1]);
    n = atol(argv[2]);
    if (rounds < 2 || n < 1) {
        fprintf(stderr, "iobench: ROUNDS >= 2 and N >= 1\n");
        return 2;
    }
    native.port = (uint16_t)strtoul(argv[3], NULL, 16);
    mdev.port = (uint16_t)strtoul(argv[4], NULL, 16);
    if (iopl(3) != 0) {
        perror("iopl");
        return 1;
    }
    native.mmio = map_bar(argv[5]);
    mdev.mmio = map_bar(argv[6]);
    /* Both devices must answer as the same register file does. */
    {
        uint16_t id_n = *(volatile uint16_t *)(native.mmio + DISPI_ID);
        uint16_t id_m = *(volatile uint16_t *)(mdev.mmio + DISPI_ID);
        uint8_t lsr_n = inb(native.port + UART_LSR), lsr_m = inb(mdev.port + UART_LSR);

        if (id_n != id_m || lsr_n != lsr_m) {
            fprintf(stderr, "iobench: the devices differ (DISPI ID %04x/%04x, LSR %02x/%02x)\n",
                    id_n, id_m, lsr_n, lsr_m);
            return 1;
        }
    }

    for (k = 0; k < 4; k++) {
        double *tn = calloc(rounds, sizeof(double));
        double *tm = calloc(rounds, sizeof(double));
        double *ratio = calloc(rounds, sizeof(double));

        /* Warm-up: translate the loops, fill the TLBs. */
        run(k, &native, n / 10 + 1);
        run(k, &mdev, n / 10 + 1);
        for (r = 0; r < rounds; r++) {
            /*
             * A round's time per device is the fastest of REPS tries,
             * interleaved: a try that a host interrupt or another
             * process's time slice landed in is dropped, not averaged in.
             */
            tn[r] = tm[r] = 1e300;
            for (int rep = 0; rep < REPS; rep++) {
                double a, b;

                if ((r + rep) % 2 == 0) {
                    a = run(k, &native, n);
                    b = run(k, &mdev, n);
                } else {
                    b = run(k, &mdev, n);
                    a = run(k, &native, n);
                }
                tn[r] = a < tn[r] ? a : tn[r];
                tm[r] = b < tm[r] ? b : tm[r];
            }
            ratio[r] = tm[r] / tn[r];
        }
        {
            double p10 = quantile(ratio, rounds, 0.10);
            double p90 = quantile(ratio, rounds, 0.90);
            double med = quantile(ratio, rounds, 0.5);

            printf("iobench: %s native %.2f mdev %.2f ratio %.4f p10 %.4f p90 %.4f rounds %d n %ld\n",
                   names[k], quantile(tn, rounds, 0.5) / n, quantile(tm, rounds, 0.5) / n, med,
                   p10, p90, rounds, n);
            fflush(stdout);
        }
        free(tn);
        free(tm);
        free(ratio);
    }
    return 0;
}
