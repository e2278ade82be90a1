// SPDX-License-Identifier: GPL-2.0-or-later
//
// mdpydraw: what a guest program needs to draw on an mdpy display without a
// driver (no in-tree driver binds 1b36:000f): find the function in sysfs,
// read the mode from its vendor capability in config space, enable it,
// mmap BAR0 (resource0) and draw a pattern a host can check pixel by pixel.
//
//   mdpydraw [--check]
//
// The pattern (XRGB8888), for a W x H mode:
//   y <  H*3/4: eight vertical color bars, bar = x * 8 / W, colors
//               white, yellow, cyan, green, magenta, red, blue, black
//   y >= H*3/4: a gray ramp, gray = x * 255 / (W - 1)
//   a white 1-pixel frame around the whole screen.
// --check reads every pixel back through the mapping and compares.
// Prints "mdpy FUNCTION WxH format 0xFOURCC" and "drawn WxH" lines.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DRM_FORMAT_XRGB8888 0x34325258u

static const uint32_t bars[8] = {
    0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000,
};

static uint32_t pattern(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
    if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
        return 0xffffff;
    }
    if (y < h * 3 / 4) {
        return bars[x * 8 / w];
    }
    uint32_t g = x * 255 / (w - 1);
    return g << 16 | g << 8 | g;
}

static int read_hex(const char *dir, const char *name, unsigned *out)
{
    char path[512], buf[32];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    int ok = fgets(buf, sizeof(buf), f) != NULL;
    fclose(f);
    if (!ok) {
        return -1;
    }
    *out = (unsigned)strtoul(buf, NULL, 16);
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(int argc, char **argv)
{
    int check = argc > 1 && !strcmp(argv[1], "--check");
    const char *base = "/sys/bus/pci/devices";
    char dir[512] = "";
    DIR *d = opendir(base);
    struct dirent *e;

    if (!d) {
        perror(base);
        return 1;
    }
    while ((e = readdir(d))) {
        char cand[512];
        unsigned ven, dev;
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(cand, sizeof(cand), "%s/%s", base, e->d_name);
        if (read_hex(cand, "vendor", &ven) == 0 && read_hex(cand, "device", &dev) == 0 &&
            ven == 0x1b36 && dev == 0x000f) {
            snprintf(dir, sizeof(dir), "%s", cand);
            break;
        }
    }
    closedir(d);
    if (!dir[0]) {
        fprintf(stderr, "mdpydraw: no PCI function 1b36:000f\n");
        return 1;
    }

    // The mode, from the vendor capability the capability list points to.
    char path[600];
    uint8_t cfg[256];
    snprintf(path, sizeof(path), "%s/config", dir);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || read(fd, cfg, sizeof(cfg)) != (ssize_t)sizeof(cfg)) {
        fprintf(stderr, "mdpydraw: %s: %s\n", path, strerror(errno));
        return 1;
    }
    close(fd);
    uint8_t cap = cfg[0x34] & ~3u;
    if (!(cfg[0x06] & 0x10) || cap < 0x40 || cap > 0xf0 || cfg[cap] != 0x09 ||
        cfg[cap + 2] < 0x10) {
        fprintf(stderr, "mdpydraw: no mdpy vendor capability (cap ptr 0x%02x)\n", cap);
        return 1;
    }
    uint32_t format = le32(cfg + cap + 4), w = le32(cfg + cap + 8), h = le32(cfg + cap + 12);
    printf("mdpy %s %ux%u format 0x%08x cap 0x%02x\n", strrchr(dir, '/') + 1, w, h, format,
           cap);
    if (format != DRM_FORMAT_XRGB8888 || w < 2 || h < 2 || w > 16384 || h > 16384) {
        fprintf(stderr, "mdpydraw: mode not supported\n");
        return 1;
    }

    // Memory decoding on (no driver does it for us).
    snprintf(path, sizeof(path), "%s/enable", dir);
    fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, "1", 1) != 1) {
        fprintf(stderr, "mdpydraw: %s: %s\n", path, strerror(errno));
        return 1;
    }
    close(fd);

    snprintf(path, sizeof(path), "%s/resource0", dir);
    fd = open(path, O_RDWR | O_SYNC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "mdpydraw: %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t need = (size_t)w * h * 4;
    if ((size_t)st.st_size < need) {
        fprintf(stderr, "mdpydraw: BAR0 is %lld bytes, the mode needs %zu\n",
                (long long)st.st_size, need);
        return 1;
    }
    volatile uint32_t *fb = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fb == MAP_FAILED) {
        fprintf(stderr, "mdpydraw: mmap %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("BAR0 %lld bytes mapped\n", (long long)st.st_size);

    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            fb[(size_t)y * w + x] = pattern(x, y, w, h);
        }
    }
    printf("drawn %ux%u\n", w, h);

    if (check) {
        size_t bad = 0;
        for (uint32_t y = 0; y < h; y++) {
            for (uint32_t x = 0; x < w; x++) {
                uint32_t v = fb[(size_t)y * w + x] & 0xffffff;
                if (v != pattern(x, y, w, h) && bad++ < 5) {
                    printf("readback (%u,%u) = 0x%06x, want 0x%06x\n", x, y, v,
                           pattern(x, y, w, h));
                }
            }
        }
        printf("readback: %zu pixels differ\n", bad);
        if (bad) {
            return 1;
        }
    }
    munmap((void *)fb, st.st_size);
    close(fd);
    return 0;
}
