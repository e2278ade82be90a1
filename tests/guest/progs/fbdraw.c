// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fbdraw: draw into a Linux framebuffer (/dev/fb0) through mmap.
 *
 *   fbdraw [-d DEV] pattern     fill the visible screen with a test pattern
 *                               that the host checks in a screendump
 *   fbdraw [-d DEV] bench MIB [FILE]
 *                               write MIB mebibytes to the framebuffer
 *                               (whole-screen passes of 32-bit stores), or
 *                               to FILE mmapped (a PCI BAR's sysfs
 *                               resourceN), and print the bandwidth; for
 *                               bench/, not for tests
 *
 * Pattern (XRGB8888) for a W x H screen, pixel (x, y):
 *   red = x * 256 / W, green = y * 256 / H,
 *   blue = 0xc0 on the dark squares of a 32-pixel checkerboard, else 0x40.
 * tests/guest/run computes the same from the screendump's size.
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint32_t pattern(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
    uint32_t r = x * 256 / w, g = y * 256 / h;
    uint32_t b = (((x >> 5) ^ (y >> 5)) & 1) ? 0xc0 : 0x40;

    return r << 16 | g << 8 | b;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *dev = "/dev/fb0";
    struct fb_var_screeninfo var;
    struct fb_fix_screeninfo fix;
    uint8_t *fb;
    int fd;

    if (argc > 2 && !strcmp(argv[1], "-d")) {
        dev = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: fbdraw [-d DEV] pattern | bench MIB\n");
        return 2;
    }
    fd = open(dev, O_RDWR);
    if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
        perror(dev);
        return 1;
    }
    if (var.bits_per_pixel != 32) {
        fprintf(stderr, "fbdraw: %u bpp, want 32\n", var.bits_per_pixel);
        return 1;
    }
    fb = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fb == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    printf("fbdraw: %s %ux%u 32 bpp, stride %u, %u bytes of memory\n", fix.id, var.xres,
           var.yres, fix.line_length, fix.smem_len);
    if (!strcmp(argv[1], "pattern")) {
        for (uint32_t y = 0; y < var.yres; y++) {
            uint32_t *line = (uint32_t *)(fb + (size_t)(y + var.yoffset) * fix.line_length) +
                             var.xoffset;
            for (uint32_t x = 0; x < var.xres; x++) {
                line[x] = pattern(x, y, var.xres, var.yres);
            }
        }
        msync(fb, fix.smem_len, MS_SYNC);
        printf("fbdraw: pattern drawn\n");
    } else if (!strcmp(argv[1], "bench") && argc > 2) {
        const uint64_t want = strtoull(argv[2], NULL, 0) << 20;
        size_t screen = (size_t)fix.line_length * var.yres;
        uint8_t *dst = fb;
        const char *what = dev;
        uint64_t done = 0;
        uint32_t v = 0;
        double t0, dt;

        if (argc > 3) {
            int bar = open(argv[3], O_RDWR | O_SYNC);
            struct stat st;
            off_t size;
            if (bar < 0 || fstat(bar, &st) || st.st_size <= 0) {
                perror(argv[3]);
                return 1;
            }
            size = st.st_size;
            /* One screen's worth, as the framebuffer case writes. */
            screen = screen < (size_t)size ? screen : (size_t)size;
            dst = mmap(NULL, screen, PROT_READ | PROT_WRITE, MAP_SHARED, bar, 0);
            if (dst == MAP_FAILED) {
                perror("mmap BAR");
                return 1;
            }
            what = argv[3];
        }
        t0 = now();
        while (done < want) {
            size_t n = screen < want - done ? screen : want - done;
            uint32_t *p = (uint32_t *)dst;
            for (size_t i = 0; i < n / 4; i++) {
                p[i] = v + i;
            }
            v += 0x010101;
            done += n;
        }
        dt = now() - t0;
        printf("fbbench: %s: %llu MiB in %.3f s = %.1f MiB/s\n", what,
               (unsigned long long)(done >> 20), dt, (done / 1048576.0) / dt);
    } else {
        fprintf(stderr, "fbdraw: unknown command %s\n", argv[1]);
        return 2;
    }
    munmap(fb, fix.smem_len);
    close(fd);
    return 0;
}
