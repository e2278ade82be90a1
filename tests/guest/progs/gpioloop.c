// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpioloop: drive a PCI-IDIO-16's outputs through the GPIO character device
 * and check that its inputs follow (a loopback plug wires output n to input
 * n), then wait for the edge events of one input as its output toggles.
 *
 * Runs inside the test guest (linked with -static). Uses only the GPIO
 * uAPI v2 (<linux/gpio.h>): GPIO_GET_CHIPINFO_IOCTL, GPIO_V2_GET_LINE_IOCTL,
 * GPIO_V2_LINE_SET_VALUES_IOCTL, GPIO_V2_LINE_GET_VALUES_IOCTL, and
 * struct gpio_v2_line_event read from a line request's fd.
 *
 *   gpioloop /dev/gpiochipN [EDGE_LINE]
 *   gpioloop --set /dev/gpiochipN VALUE   drive OUT0-15 to VALUE and release
 *                                         them (the card keeps its latch)
 *   gpioloop --get /dev/gpiochipN         print "inputs 0xVVVV" (IIN0-15)
 *
 * --set and --get let a test leave a value in the card, save and restore
 * the machine (tests/libvirt), and read the value back on the inputs.
 *
 * gpio-pci-idio-16's 32 lines: 0-15 outputs OUT0-15, 16-31 inputs IIN0-15.
 * EDGE_LINE (0-15, default 3) is the output toggled for the edge check;
 * its input is line 16 + EDGE_LINE. The driver's interrupt handler (Linux
 * 6.1) signals every unmasked input on any change of state, so only one
 * input is requested with edge detection while its output alone toggles.
 * Exit status: 0 every check passed, 1 a check failed, 2 usage or system
 * error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NOUT 16
#define EVENT_TIMEOUT_MS 5000

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) {
        failures++;
    }
}

static void die(const char *what)
{
    fprintf(stderr, "gpioloop: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* Requests @n lines from @first on with @flags; returns the request's fd. */
static int request_lines(int chip, unsigned first, unsigned n, uint64_t flags,
                         const char *consumer)
{
    struct gpio_v2_line_request req;
    unsigned i;

    memset(&req, 0, sizeof(req));
    for (i = 0; i < n; i++) {
        req.offsets[i] = first + i;
    }
    req.num_lines = n;
    req.config.flags = flags;
    snprintf(req.consumer, sizeof(req.consumer), "%s", consumer);
    if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
        die("GPIO_V2_GET_LINE_IOCTL");
    }
    return req.fd;
}

static void set_values(int fd, uint16_t value)
{
    struct gpio_v2_line_values v = { .bits = value, .mask = 0xffff };

    if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) {
        die("GPIO_V2_LINE_SET_VALUES_IOCTL");
    }
}

static uint16_t get_values(int fd, uint64_t mask)
{
    struct gpio_v2_line_values v = { .bits = 0, .mask = mask };

    if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) {
        die("GPIO_V2_LINE_GET_VALUES_IOCTL");
    }
    return (uint16_t)v.bits;
}

/* Waits for one edge event on @fd; returns 0 on a timeout. */
static int wait_event(int fd, struct gpio_v2_line_event *ev)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n = poll(&p, 1, EVENT_TIMEOUT_MS);

    if (n < 0) {
        die("poll");
    }
    if (n == 0) {
        return 0;
    }
    if (read(fd, ev, sizeof(*ev)) != (ssize_t)sizeof(*ev)) {
        die("read gpio_v2_line_event");
    }
    return 1;
}

/* One edge of output @line: the event its input must report. */
static void expect_edge(int out, int in_ev, unsigned line, uint16_t value,
                        uint32_t want_id, const char *name)
{
    struct gpio_v2_line_event ev;
    char what[128];

    set_values(out, value);
    if (!wait_event(in_ev, &ev)) {
        snprintf(what, sizeof(what), "no %s edge event on IIN%u within %d ms",
                 name, line, EVENT_TIMEOUT_MS);
        check(0, what);
        return;
    }
    snprintf(what, sizeof(what),
             "%s edge event on IIN%u (line %u): id %u offset %u seqno %u",
             name, line, 16 + line, ev.id, ev.offset, ev.seqno);
    check(ev.id == want_id && ev.offset == 16 + line, what);
}

/* gpioloop --set CHIP VALUE / --get CHIP. */
static int set_or_get(int argc, char **argv)
{
    int chip, fd;

    if ((strcmp(argv[1], "--set") == 0 && argc != 4) ||
        (strcmp(argv[1], "--get") == 0 && argc != 3)) {
        fprintf(stderr, "usage: gpioloop --set /dev/gpiochipN VALUE | --get /dev/gpiochipN\n");
        return 2;
    }
    chip = open(argv[2], O_RDWR | O_CLOEXEC);
    if (chip < 0) {
        die(argv[2]);
    }
    if (argv[1][2] == 's') {
        uint16_t value = (uint16_t)strtoul(argv[3], NULL, 0);

        fd = request_lines(chip, 0, NOUT, GPIO_V2_LINE_FLAG_OUTPUT, "gpioloop-set");
        set_values(fd, value);
        printf("outputs 0x%04x\n", get_values(fd, 0xffff));
    } else {
        fd = request_lines(chip, NOUT, NOUT, GPIO_V2_LINE_FLAG_INPUT, "gpioloop-get");
        printf("inputs 0x%04x\n", get_values(fd, 0xffff));
    }
    close(fd);
    close(chip);
    return 0;
}

int main(int argc, char **argv)
{
    static const uint16_t patterns[] = { 0xa5a5, 0x5a5a, 0xffff, 0x0001,
                                         0x8000, 0x1234, 0x0000 };
    struct gpiochip_info info;
    unsigned edge_line = 3;
    char what[128];
    int chip, out, in, in_ev;
    unsigned i, bad;

    if (argc >= 2 && (strcmp(argv[1], "--set") == 0 || strcmp(argv[1], "--get") == 0)) {
        return set_or_get(argc, argv);
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gpioloop /dev/gpiochipN [EDGE_LINE]\n");
        return 2;
    }
    if (argc == 3) {
        edge_line = (unsigned)strtoul(argv[2], NULL, 0);
        if (edge_line >= NOUT) {
            fprintf(stderr, "gpioloop: EDGE_LINE must be 0-15\n");
            return 2;
        }
    }
    chip = open(argv[1], O_RDWR | O_CLOEXEC);
    if (chip < 0) {
        die(argv[1]);
    }
    if (ioctl(chip, GPIO_GET_CHIPINFO_IOCTL, &info) < 0) {
        die("GPIO_GET_CHIPINFO_IOCTL");
    }
    printf("%s: name %s label %s lines %u\n", argv[1], info.name, info.label,
           info.lines);
    check(info.lines == 2 * NOUT, "32 lines (16 outputs, 16 inputs)");

    out = request_lines(chip, 0, NOUT, GPIO_V2_LINE_FLAG_OUTPUT, "gpioloop-out");
    in = request_lines(chip, NOUT, NOUT, GPIO_V2_LINE_FLAG_INPUT, "gpioloop-in");

    /* Every output alone, then patterns: read back, and on the inputs. */
    bad = 0;
    for (i = 0; i < NOUT; i++) {
        uint16_t v = (uint16_t)(1u << i);
        set_values(out, v);
        if (get_values(in, 0xffff) != v || get_values(out, 0xffff) != v) {
            snprintf(what, sizeof(what), "OUT%u alone: inputs 0x%04x outputs 0x%04x",
                     i, get_values(in, 0xffff), get_values(out, 0xffff));
            check(0, what);
            bad++;
        }
    }
    check(bad == 0, "each output alone drives its input alone, read back alone");
    for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        uint16_t got_in, got_out;

        set_values(out, patterns[i]);
        got_out = get_values(out, 0xffff);
        got_in = get_values(in, 0xffff);
        snprintf(what, sizeof(what), "outputs 0x%04x: read back 0x%04x, inputs 0x%04x",
                 patterns[i], got_out, got_in);
        check(got_out == patterns[i] && got_in == patterns[i], what);
    }
    close(in);

    /*
     * Edge events. The driver accepts both edges or none (its irq_set_type),
     * so both are asked for; the event says which edge from the line's level.
     */
    in_ev = request_lines(chip, NOUT + edge_line, 1,
                          GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
                              GPIO_V2_LINE_FLAG_EDGE_FALLING,
                          "gpioloop-edge");
    expect_edge(out, in_ev, edge_line, (uint16_t)(1u << edge_line),
                GPIO_V2_LINE_EVENT_RISING_EDGE, "rising");
    expect_edge(out, in_ev, edge_line, 0, GPIO_V2_LINE_EVENT_FALLING_EDGE, "falling");
    expect_edge(out, in_ev, edge_line, (uint16_t)(1u << edge_line),
                GPIO_V2_LINE_EVENT_RISING_EDGE, "rising");
    set_values(out, 0);
    close(in_ev);
    close(out);
    close(chip);

    printf("gpioloop: %s\n", failures ? "FAILED" : "all checks passed");
    return failures ? 1 : 0;
}
