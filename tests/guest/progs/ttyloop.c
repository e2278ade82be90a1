// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ttyloop: send bytes out of a serial port and check that the same bytes come
 * back on the same port, in order, nothing lost, nothing added. Also works
 * on a virtio-console port (/dev/vportNpM), which has no termios.
 *
 * Runs inside the test guest (linked with -static, no libc needed there).
 * The port must loop its transmitter into its receiver: mdev-mtty does so by
 * design; a plain 16550 does so when --mcr-loop sets the modem control
 * register's LOOP bit (TIOCM_LOOP).
 *
 *   ttyloop [options] /dev/ttySN
 *     --line TEXT     send TEXT followed by '\n' (a short line)
 *     --bytes N       send N pseudo-random bytes (default 65536 unless --line)
 *     --seed S        seed of the pseudo-random bytes (default 1)
 *     --chunk N       write at most N bytes per write() (default 4096)
 *     --stall SEC     fail when nothing moves for SEC seconds (default 10)
 *     --mcr-loop      set the UART's loopback bit while running
 *     --quiet         print only failures
 *
 * One process, one open file descriptor: the port is opened once (the 8250
 * driver clears the FIFOs on open), put in raw mode without echo, and a
 * poll() loop writes while it reads, so the reader always runs concurrently
 * with the writer. Exit status: 0 all bytes came back, 1 mismatch, loss or
 * extra bytes, 2 usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef TIOCM_LOOP
#define TIOCM_LOOP 0x8000       /* <asm-generic/termios.h>; glibc lacks it */
#endif

struct options {
    const char *dev;
    const char *line;
    size_t bytes;
    uint64_t seed;
    size_t chunk;
    double stall;
    int mcr_loop;
    int quiet;
};

/* The byte stream: either the fixed line or xorshift64* output. */
struct stream {
    const char *line;
    size_t line_len;
    uint64_t state;
    uint64_t word;
    unsigned word_left;
    size_t pos;
};

static void stream_init(struct stream *s, const struct options *o)
{
    memset(s, 0, sizeof(*s));
    s->line = o->line;
    s->line_len = o->line ? strlen(o->line) + 1 : 0;
    s->state = o->seed * 0x9E3779B97F4A7C15ull + 1;
}

static uint8_t stream_next(struct stream *s)
{
    uint8_t b;

    if (s->line) {
        b = s->pos + 1 == s->line_len ? '\n' : (uint8_t)s->line[s->pos];
    } else {
        if (s->word_left == 0) {
            s->state ^= s->state >> 12;
            s->state ^= s->state << 25;
            s->state ^= s->state >> 27;
            s->word = s->state * 0x2545F4914F6CDD1Dull;
            s->word_left = 8;
        }
        b = (uint8_t)s->word;
        s->word >>= 8;
        s->word_left--;
    }
    s->pos++;
    return b;
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
    return ~crc;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: ttyloop [--line TEXT | --bytes N] [--seed S] [--chunk N]"
                    " [--stall SEC] [--mcr-loop] [--quiet] /dev/ttySN\n");
    exit(2);
}

static void parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->chunk = 4096;
    o->stall = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--line") && v) {
            o->line = v, i++;
        } else if (!strcmp(a, "--bytes") && v) {
            o->bytes = strtoull(v, NULL, 0), i++;
        } else if (!strcmp(a, "--seed") && v) {
            o->seed = strtoull(v, NULL, 0), i++;
        } else if (!strcmp(a, "--chunk") && v) {
            o->chunk = strtoull(v, NULL, 0), i++;
        } else if (!strcmp(a, "--stall") && v) {
            o->stall = strtod(v, NULL), i++;
        } else if (!strcmp(a, "--mcr-loop")) {
            o->mcr_loop = 1;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] != '-' && !o->dev) {
            o->dev = a;
        } else {
            usage();
        }
    }
    if (!o->dev || o->chunk == 0 || (o->line && o->bytes))
        usage();
    if (o->line)
        o->bytes = strlen(o->line) + 1;
    else if (o->bytes == 0)
        o->bytes = 65536;
}

static int setup_port(int fd, const struct options *o, struct termios *saved)
{
    struct termios t;

    /* A virtio-console port is a plain character device: nothing to set. */
    if (!isatty(fd) && !o->mcr_loop)
        return 0;
    if (tcgetattr(fd, saved) < 0) {
        fprintf(stderr, "ttyloop: %s: tcgetattr: %s\n", o->dev, strerror(errno));
        return -1;
    }
    t = *saved;
    cfmakeraw(&t);              /* no echo, no line discipline processing */
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~CRTSCTS;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        fprintf(stderr, "ttyloop: %s: tcsetattr: %s\n", o->dev, strerror(errno));
        return -1;
    }
    if (o->mcr_loop) {
        int bits = TIOCM_LOOP;

        if (ioctl(fd, TIOCMBIS, &bits) < 0) {
            fprintf(stderr, "ttyloop: %s: TIOCMBIS LOOP: %s\n", o->dev, strerror(errno));
            return -1;
        }
    }
    tcflush(fd, TCIOFLUSH);
    return 0;
}

/* Describe what arrived around a mismatch so loss, duplication and
 * reordering can be told apart in the test log. */
static void report_mismatch(const struct options *o, size_t at, const uint8_t *got, size_t n)
{
    struct stream s;
    uint8_t want[16];
    size_t show = n < 16 ? n : 16;

    stream_init(&s, o);
    for (size_t i = 0; i < at; i++)
        stream_next(&s);
    for (size_t i = 0; i < 16; i++)
        want[i] = stream_next(&s);
    fprintf(stderr, "ttyloop: %s: MISMATCH at byte %zu of %zu\n  want:", o->dev, at, o->bytes);
    for (size_t i = 0; i < 16; i++)
        fprintf(stderr, " %02x", want[i]);
    fprintf(stderr, "\n  got: ");
    for (size_t i = 0; i < show; i++)
        fprintf(stderr, " %02x", got[i]);
    fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
    struct options o;
    struct stream tx, rx;
    struct termios saved;
    uint8_t buf[4096], rbuf[4096];
    size_t sent = 0, got = 0, extra = 0;
    uint32_t crc_tx = 0, crc_rx = 0;
    double t0, t_done = 0, last_move;
    int fd, rc = 0;

    parse(argc, argv, &o);
    if (o.chunk > sizeof(buf))
        o.chunk = sizeof(buf);
    stream_init(&tx, &o);
    stream_init(&rx, &o);

    fd = open(o.dev, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        fprintf(stderr, "ttyloop: open %s: %s\n", o.dev, strerror(errno));
        return 2;
    }
    if (setup_port(fd, &o, &saved) < 0)
        return 2;

    t0 = last_move = now();
    while (got < o.bytes) {
        struct pollfd p = { .fd = fd, .events = POLLIN | (sent < o.bytes ? POLLOUT : 0) };
        int n = poll(&p, 1, 100);

        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "ttyloop: poll: %s\n", strerror(errno));
            rc = 2;
            break;
        }
        if (n > 0 && (p.revents & POLLIN)) {
            ssize_t r = read(fd, rbuf, sizeof(rbuf));

            if (r < 0 && errno != EAGAIN && errno != EINTR) {
                fprintf(stderr, "ttyloop: read: %s\n", strerror(errno));
                rc = 2;
                break;
            }
            for (ssize_t i = 0; i < r; i++) {
                if (got + i >= o.bytes) {
                    extra += r - i;
                    break;
                }
                if (rbuf[i] != stream_next(&rx)) {
                    report_mismatch(&o, got + i, rbuf + i, r - i);
                    rc = 1;
                    break;
                }
            }
            if (rc)
                break;
            if (r > 0) {
                size_t ok = (size_t)r - extra;

                crc_rx = crc32_update(crc_rx, rbuf, ok);
                got += ok;
                last_move = now();
            }
        }
        if (n > 0 && (p.revents & POLLOUT) && sent < o.bytes) {
            size_t len = o.bytes - sent < o.chunk ? o.bytes - sent : o.chunk;
            ssize_t w;

            for (size_t i = 0; i < len; i++)
                buf[i] = stream_next(&tx);
            w = write(fd, buf, len);
            if (w < 0) {
                if (errno != EAGAIN && errno != EINTR) {
                    fprintf(stderr, "ttyloop: write: %s\n", strerror(errno));
                    rc = 2;
                    break;
                }
                w = 0;
            }
            crc_tx = crc32_update(crc_tx, buf, w);
            sent += w;
            if (w > 0)
                last_move = now();
            /* Rewind the generator over what write() did not take. */
            if ((size_t)w < len) {
                stream_init(&tx, &o);
                for (size_t i = 0; i < sent; i++)
                    stream_next(&tx);
            }
        }
        if (n > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
            fprintf(stderr, "ttyloop: %s: poll revents 0x%x\n", o.dev, p.revents);
            rc = 2;
            break;
        }
        if (now() - last_move > o.stall) {
            fprintf(stderr, "ttyloop: %s: STALLED for %.0f s: sent %zu, received %zu of %zu\n",
                    o.dev, o.stall, sent, got, o.bytes);
            rc = 1;
            break;
        }
    }

    /* Anything arriving after the last byte was duplicated or invented. */
    t_done = now();
    if (rc == 0) {
        struct pollfd p = { .fd = fd, .events = POLLIN };

        while (poll(&p, 1, 200) > 0 && (p.revents & POLLIN)) {
            ssize_t r = read(fd, rbuf, sizeof(rbuf));

            if (r <= 0)
                break;
            extra += r;
        }
        if (extra) {
            fprintf(stderr, "ttyloop: %s: %zu EXTRA bytes after the %zu sent\n", o.dev, extra, o.bytes);
            rc = 1;
        }
    }

    if (rc == 0 && !o.quiet && o.line) {
        printf("ttyloop: %s: line \"%s\" came back (%zu bytes)\n", o.dev, o.line, got);
    } else if (rc == 0 && !o.quiet) {
        double dt = t_done - t0;

        printf("ttyloop: %s: %zu bytes looped back in order, crc32 sent %08x received %08x, "
               "%.2f s (%.1f KiB/s)\n", o.dev, got, crc_tx, crc_rx, dt,
               dt > 0 ? got / 1024.0 / dt : 0.0);
    }
    if (o.mcr_loop) {
        int bits = TIOCM_LOOP;

        ioctl(fd, TIOCMBIC, &bits);
    }
    if (isatty(fd))
        tcsetattr(fd, TCSANOW, &saved);
    close(fd);
    return rc;
}
