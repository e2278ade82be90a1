// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serialfault: what Linux's 8250 driver and the tty layer make of the line
 * faults and modem-line changes that the host injects into an mdev-mtty
 * port (docs/fault-injection.md), seen through the port's tty as a program
 * sees it: TIOCGICOUNT's counters, the characters read with INPCK and
 * PARMRK (termios(3): a character with a parity or framing error arrives
 * as \377 \0 X, a break as \377 \0 \0), TIOCMGET's modem lines, and a
 * TIOCMIWAIT waiter woken by a change.
 *
 *   serialfault /dev/ttySN
 *
 * The port must loop its transmitter into its receiver (mdev-mtty does).
 * The host arms each fault when asked: the program prints
 * "=== MDEV-HOST-<REQUEST> ===" on stdout and reads the host's answer line
 * ("host-ok ..." or "host-fail ...") from stdin (tests/guest/run's host
 * routines over QMP). Requests:
 *   MTTY-ARM-<fault>          arm parity-error, framing-error, overrun or
 *                             break on this port, count 1
 *   MTTY-MODEM-<k>=<v>,...    modem-lines on this port now (cts, dsr, dcd,
 *                             ri = 0/1; release)
 * Every check begins on the unfaulted port: first a stream of bytes back
 * equal with no counter moving while nothing is armed.
 *
 * Prints "ok: ..." and "FAIL: ..." lines; exit status: the number of
 * failed checks (at most 100), or 2 when the port cannot be set up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* x86_64's ioctl, as /proc/PID/syscall shows the call a task sleeps in. */
#define SYSCALL_IOCTL 16

/* Seconds without progress before a read or a wait fails: generous, the
 * guest runs under TCG on a shared host. */
#define STALL_SECONDS 30

static int failures;
static const char *dev;

static void ok(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    printf("ok: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static void fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    printf("FAIL: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    failures++;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Asks the host for REQUEST; 0 if it answered host-ok. */
static int ask(const char *request)
{
    char line[512];
    size_t n;

    printf("=== MDEV-HOST-%s ===\n", request);
    fflush(stdout);
    if (!fgets(line, sizeof(line), stdin)) {
        fail("host: no answer to %s", request);
        return -1;
    }
    n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        line[--n] = '\0';
    }
    if (strncmp(line, "host-ok", 7) != 0) {
        fail("host: %s", line);
        return -1;
    }
    ok("host: %s", line + (line[7] == ' ' ? 8 : 7));
    return 0;
}

/* Text for a byte string: printable as is, the rest as \ooo. */
static const char *shown(const unsigned char *b, size_t n)
{
    static char out[4 * 256 + 1];
    size_t o = 0;

    for (size_t i = 0; i < n && o + 5 < sizeof(out); i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\') {
            out[o++] = (char)b[i];
        } else {
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\%o", b[i]);
        }
    }
    out[o] = '\0';
    return out;
}

/* Reads exactly n bytes from the non-blocking fd, or fewer if nothing comes
 * for STALL_SECONDS; returns how many. */
static size_t read_exact(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    double last = now();

    while (got < n && now() - last < STALL_SECONDS) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t r;

        if (poll(&p, 1, 200) <= 0) {
            continue;
        }
        r = read(fd, buf + got, n - got);
        if (r > 0) {
            got += (size_t)r;
            last = now();
        } else if (r < 0 && errno != EAGAIN && errno != EINTR) {
            fail("%s: read: %s", dev, strerror(errno));
            break;
        }
    }
    return got;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *b = buf;
    double last = now();

    while (n > 0 && now() - last < STALL_SECONDS) {
        ssize_t w = write(fd, b, n);

        if (w > 0) {
            b += w;
            n -= (size_t)w;
            last = now();
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            fail("%s: write: %s", dev, strerror(errno));
            return -1;
        } else {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            poll(&p, 1, 200);
        }
    }
    if (n) {
        fail("%s: write stalled with %zu bytes left", dev, n);
        return -1;
    }
    return 0;
}

static int icount(int fd, struct serial_icounter_struct *c)
{
    memset(c, 0, sizeof(*c));
    if (ioctl(fd, TIOCGICOUNT, c) < 0) {
        fail("%s: TIOCGICOUNT: %s", dev, strerror(errno));
        return -1;
    }
    return 0;
}

/* The error and modem counters' change from a to b, as text, and whether
 * it is exactly the one expected (fields as in serial_icounter_struct). */
struct deltas {
    int parity, frame, overrun, brk, cts, dsr, dcd, rng;
};

static struct deltas diff(const struct serial_icounter_struct *a,
                          const struct serial_icounter_struct *b)
{
    struct deltas d = {
        b->parity - a->parity, b->frame - a->frame, b->overrun - a->overrun,
        b->brk - a->brk, b->cts - a->cts, b->dsr - a->dsr, b->dcd - a->dcd,
        b->rng - a->rng,
    };
    return d;
}

static const char *deltas_text(const struct deltas *d)
{
    static char out[160];

    snprintf(out, sizeof(out),
             "parity %+d frame %+d overrun %+d brk %+d cts %+d dsr %+d dcd %+d rng %+d",
             d->parity, d->frame, d->overrun, d->brk, d->cts, d->dsr, d->dcd, d->rng);
    return out;
}

static void check_deltas(const char *what, const struct serial_icounter_struct *before,
                         int fd, const struct deltas *want)
{
    struct serial_icounter_struct after;
    struct deltas got;

    if (icount(fd, &after) < 0) {
        return;
    }
    got = diff(before, &after);
    if (memcmp(&got, want, sizeof(got)) == 0) {
        ok("%s: TIOCGICOUNT %s", what, deltas_text(&got));
    } else {
        char w[160];

        snprintf(w, sizeof(w), "%s", deltas_text(want));
        fail("%s: TIOCGICOUNT %s, want %s", what, deltas_text(&got), w);
    }
}

/* Writes `out`, reads len(want) bytes back and compares. */
static void loop_check(int fd, const char *what, const char *out, const unsigned char *want,
                       size_t want_len)
{
    unsigned char got[256];
    size_t n;

    if (write_all(fd, out, strlen(out)) < 0) {
        return;
    }
    n = read_exact(fd, got, want_len);
    if (n == want_len && memcmp(got, want, want_len) == 0) {
        ok("%s: wrote \"%s\", read \"%s\"", what, out, shown(got, n));
    } else {
        char w[4 * 256 + 1];

        snprintf(w, sizeof(w), "%s", shown(want, want_len));
        fail("%s: wrote \"%s\", read \"%s\" (%zu bytes), want \"%s\"", what, out,
             shown(got, n), n, w);
    }
}

static int setup_port(int fd)
{
    struct termios t;

    if (tcgetattr(fd, &t) < 0) {
        fail("%s: tcgetattr: %s", dev, strerror(errno));
        return -1;
    }
    /* Input parity checking with marking (INPCK, PARMRK), no stripping, no
     * break signal, no flow control, no line editing or echo; 8 bits with
     * parity enabled (PARENB: LCR.PEN), so a parity error can be one. */
    t.c_iflag = INPCK | PARMRK;
    t.c_oflag = 0;
    t.c_lflag = 0;
    t.c_cflag = CS8 | CREAD | CLOCAL | PARENB;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        fail("%s: tcsetattr: %s", dev, strerror(errno));
        return -1;
    }
    tcflush(fd, TCIOFLUSH);
    return 0;
}

/* ---- The line faults ---- */

static void unfaulted(int fd)
{
    struct serial_icounter_struct before;
    static const struct deltas none;
    unsigned char out[64], back[64];
    int bad = 0;

    if (icount(fd, &before) < 0) {
        return;
    }
    /* 32 rounds of 64 printable bytes (no \377, which PARMRK doubles). */
    for (int round = 0; round < 32 && !bad; round++) {
        for (int i = 0; i < 64; i++) {
            out[i] = (unsigned char)(' ' + (round * 7 + i * 13) % 95);
        }
        if (write_all(fd, out, sizeof(out)) < 0) {
            return;
        }
        if (read_exact(fd, back, sizeof(back)) != sizeof(back) ||
            memcmp(out, back, sizeof(out)) != 0) {
            fail("unfaulted: round %d: the 64 bytes did not come back equal", round);
            bad = 1;
        }
    }
    if (!bad) {
        ok("unfaulted: 2048 bytes back equal (INPCK, PARMRK, PARENB)");
    }
    check_deltas("unfaulted", &before, fd, &none);
}

static void line_fault(int fd, const char *fault, const char *out, const unsigned char *want,
                       size_t want_len, const struct deltas *counts)
{
    struct serial_icounter_struct before;
    char request[64];

    if (icount(fd, &before) < 0) {
        return;
    }
    snprintf(request, sizeof(request), "MTTY-ARM-%s", fault);
    if (ask(request) < 0) {
        return;
    }
    loop_check(fd, fault, out, want, want_len);
    check_deltas(fault, &before, fd, counts);
}

/* ---- The modem lines ---- */

static int tiocm(int fd)
{
    int m = 0;

    if (ioctl(fd, TIOCMGET, &m) < 0) {
        fail("%s: TIOCMGET: %s", dev, strerror(errno));
        return -1;
    }
    return m;
}

static const char *lines_text(int m)
{
    static char out[64];

    snprintf(out, sizeof(out), "%s%s%s%s%s%s", m & TIOCM_DTR ? "DTR " : "",
             m & TIOCM_RTS ? "RTS " : "", m & TIOCM_CTS ? "CTS " : "",
             m & TIOCM_DSR ? "DSR " : "", m & TIOCM_CAR ? "CD " : "",
             m & TIOCM_RNG ? "RI " : "");
    size_t n = strlen(out);
    if (n) {
        out[n - 1] = '\0';
    }
    return out;
}

/* Whether task `pid` sleeps in ioctl(TIOCMIWAIT): it has taken its
 * counters' snapshot (uart_wait_modem_status does so before it sleeps). */
static int sleeps_in_tiocmiwait(pid_t pid)
{
    char path[64], buf[256], state = 0;
    unsigned long nr = 0, fd = 0, cmd = 0;
    FILE *f;
    const char *p;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    if (!fgets(buf, sizeof(buf), f)) {
        buf[0] = '\0';
    }
    fclose(f);
    p = strrchr(buf, ')');
    if (p && p[1] == ' ') {
        state = p[2];
    }
    snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    if (fscanf(f, "%lu %lx %lx", &nr, &fd, &cmd) != 3) {
        nr = 0;
    }
    fclose(f);
    return state == 'S' && nr == SYSCALL_IOCTL && cmd == TIOCMIWAIT;
}

/* A child that waits in TIOCMIWAIT for `mask`; its pid once it sleeps
 * there, or -1. */
static pid_t start_waiter(int fd, int mask)
{
    pid_t pid = fork();
    double t0;

    if (pid < 0) {
        fail("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        _exit(ioctl(fd, TIOCMIWAIT, mask) == 0 ? 0 : 1);
    }
    t0 = now();
    while (!sleeps_in_tiocmiwait(pid)) {
        if (now() - t0 > STALL_SECONDS || waitpid(pid, NULL, WNOHANG) == pid) {
            fail("the TIOCMIWAIT waiter never slept in the ioctl");
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return -1;
        }
        usleep(10000);
    }
    return pid;
}

static void end_waiter(pid_t pid, const char *what)
{
    double t0 = now();
    int status = 0;

    while (waitpid(pid, &status, WNOHANG) != pid) {
        if (now() - t0 > STALL_SECONDS) {
            fail("%s: TIOCMIWAIT was not woken in %d s", what, STALL_SECONDS);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return;
        }
        usleep(10000);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        ok("%s: the TIOCMIWAIT waiter woke and returned 0", what);
    } else {
        fail("%s: the TIOCMIWAIT waiter ended with status 0x%x", what, status);
    }
}

/* One modem-lines injection: `request` to the host, then TIOCMGET must
 * show `want` (of CTS, DSR, CD, RI) and the counters move by `counts`;
 * `wait_mask` != 0: a TIOCMIWAIT waiter for those lines must wake. */
static void modem_step(int fd, const char *request, int want, const struct deltas *counts,
                       int wait_mask)
{
    const int inputs = TIOCM_CTS | TIOCM_DSR | TIOCM_CAR | TIOCM_RNG;
    struct serial_icounter_struct before;
    pid_t waiter = 0;
    char req[96], w[64];
    int m;

    if (icount(fd, &before) < 0) {
        return;
    }
    if (wait_mask && (waiter = start_waiter(fd, wait_mask)) < 0) {
        return;
    }
    snprintf(req, sizeof(req), "MTTY-MODEM-%s", request);
    if (ask(req) < 0) {
        if (waiter > 0) {
            kill(waiter, SIGKILL);
            waitpid(waiter, NULL, 0);
        }
        return;
    }
    if (waiter > 0) {
        end_waiter(waiter, request);
    }
    m = tiocm(fd);
    if (m < 0) {
        return;
    }
    snprintf(w, sizeof(w), "%s", lines_text(want));
    if ((m & inputs) == want) {
        ok("%s: TIOCMGET: %s", request, lines_text(m));
    } else {
        fail("%s: TIOCMGET: %s, want inputs %s", request, lines_text(m), w);
    }
    check_deltas(request, &before, fd, counts);
}

int main(int argc, char **argv)
{
    static const unsigned char parity_want[] = { 0377, 0, 'X', '.' };
    static const unsigned char framing_want[] = { 0377, 0, 'Y', '.' };
    static const unsigned char break_want[] = { 0377, 0, 0, '.' };
    static const unsigned char overrun_want[] = { 'K', '.' };
    static const struct deltas parity = { .parity = 1 }, frame = { .frame = 1 },
                               brk = { .brk = 1 }, overrun = { .overrun = 1 };
    static const struct deltas cts = { .cts = 1 }, dsr_dcd = { .dsr = 1, .dcd = 1 },
                               none = { 0 }, rng = { .rng = 1 },
                               back = { .cts = 1, .dsr = 1, .dcd = 1 };
    int fd, plug;

    if (argc != 2) {
        fprintf(stderr, "usage: serialfault /dev/ttySN\n");
        return 2;
    }
    dev = argv[1];
    fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        fail("open %s: %s", dev, strerror(errno));
        return 2;
    }
    if (setup_port(fd) < 0) {
        return 2;
    }
    /* The loopback plug: the driver raised DTR and RTS as the port opened,
     * which the plug shows as DSR and CD, and CTS. Reading them also
     * consumes the deltas of that rise. */
    plug = tiocm(fd);
    if (plug < 0) {
        return 2;
    }
    if ((plug & (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR | TIOCM_RNG)) ==
        (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR)) {
        ok("%s: TIOCMGET through the loopback plug: %s", dev, lines_text(plug));
    } else {
        fail("%s: TIOCMGET %s, want CTS DSR CD (the plug)", dev, lines_text(plug));
    }

    unfaulted(fd);
    /* A character with a parity or a framing error arrives marked
     * \377 \0 X (PARMRK, INPCK), a break as \377 \0 \0; the character lost
     * to an overrun does not arrive, and the overrun is counted with the
     * next one read (the driver keeps OE in lsr_saved_flags). */
    line_fault(fd, "parity-error", "X.", parity_want, sizeof(parity_want), &parity);
    line_fault(fd, "framing-error", "Y.", framing_want, sizeof(framing_want), &frame);
    line_fault(fd, "break", "B.", break_want, sizeof(break_want), &brk);
    line_fault(fd, "overrun", "LK.", overrun_want, sizeof(overrun_want), &overrun);
    {
        static const unsigned char after[] = { 'a', 'f', 't', 'e', 'r' };
        struct serial_icounter_struct before;

        if (icount(fd, &before) == 0) {
            loop_check(fd, "after the faults", "after", after, sizeof(after));
            check_deltas("after the faults", &before, fd, &none);
        }
    }

    /* The far end's lines. */
    modem_step(fd, "cts=0", TIOCM_DSR | TIOCM_CAR, &cts, TIOCM_CTS);
    modem_step(fd, "dsr=0,dcd=0", 0, &dsr_dcd, 0);
    modem_step(fd, "ri=1", TIOCM_RNG, &none, 0);
    modem_step(fd, "ri=0", 0, &rng, TIOCM_RNG);
    modem_step(fd, "release", TIOCM_CTS | TIOCM_DSR | TIOCM_CAR, &back,
               TIOCM_CTS | TIOCM_DSR | TIOCM_CAR);

    close(fd);
    printf("serialfault: %d check(s) failed\n", failures);
    return failures > 100 ? 100 : failures;
}
