/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for -device mdev-mbochs: the PCI function (ids, BARs), the BAR2
 * register file (EDID, DISPI with its 16-bit rule), video memory in BAR0,
 * and the display: a pattern written through BAR0 under a DISPI mode shows
 * in a screendump, and a mode change is followed.
 *
 * The expected values are the device's definition: hw/mdev/samples/
 * mbochs_vfio.cpp (config space, BAR2 layout) and mbochs_dispi.cpp (DISPI
 * and the primary plane), also checked by tests/unit/mbochs_test.cpp.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "mdev-qtest-common.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qapi/error.h"
#include "qemu/units.h"
#include "qemu/bswap.h"

#define MBOCHS_SLOT 4

/* BAR2 layout. */
#define EDID_OFFSET 0x000
#define VGA_OFFSET 0x400
#define QEXT_OFFSET 0x600
#define DISPI(reg) (0x500 + 2 * (reg))

/* DISPI register indexes. */
enum {
    DISPI_ID, DISPI_XRES, DISPI_YRES, DISPI_BPP, DISPI_ENABLE, DISPI_BANK,
    DISPI_VIRT_WIDTH, DISPI_VIRT_HEIGHT, DISPI_X_OFFSET, DISPI_Y_OFFSET,
    DISPI_VIDEO_MEMORY_64K,
};
#define DISPI_ENABLED 0x01
#define DISPI_LFB_ENABLED 0x40

typedef struct Mbochs {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar vram;
    QPCIBar mmio;
    uint64_t vram_size;
} Mbochs;

/* extra: more -device properties, e.g. ",xres=1280,yres=800", or "". */
static void mbochs_start_with(Mbochs *m, const char *type, const char *extra)
{
    uint64_t size;

    m->qts = qtest_initf("-M q35 -nodefaults -device mdev-mbochs,class=vfio,"
                         "mdev-type=%s,id=mb,addr=%02x.0%s", type, MBOCHS_SLOT,
                         extra);
    m->bus = qpci_new_pc(m->qts, NULL);
    m->dev = mdev_qtest_enable_fn(m->bus, MBOCHS_SLOT);
    m->vram = qpci_iomap(m->dev, 0, &m->vram_size);
    m->mmio = qpci_iomap(m->dev, 2, &size);
    g_assert_cmpuint(size, ==, 4096);
}

static void mbochs_start(Mbochs *m, const char *type)
{
    mbochs_start_with(m, type, "");
}

static void mbochs_stop(Mbochs *m)
{
    mdev_qtest_close(m->qts, m->bus, m->dev);
}

static uint16_t dispi_rd(Mbochs *m, int reg)
{
    return qpci_io_readw(m->dev, m->mmio, DISPI(reg));
}

static void dispi_wr(Mbochs *m, int reg, uint16_t v)
{
    qpci_io_writew(m->dev, m->mmio, DISPI(reg), v);
}

/* As Linux's bochs-drm sets a mode: disable, program, enable. */
static void set_mode(Mbochs *m, uint16_t x, uint16_t y, uint16_t virt_width,
                     uint16_t xoff, uint16_t yoff)
{
    dispi_wr(m, DISPI_ENABLE, 0);
    dispi_wr(m, DISPI_BPP, 32);
    dispi_wr(m, DISPI_XRES, x);
    dispi_wr(m, DISPI_YRES, y);
    dispi_wr(m, DISPI_BANK, 0);
    dispi_wr(m, DISPI_VIRT_WIDTH, virt_width);
    dispi_wr(m, DISPI_VIRT_HEIGHT, y);
    dispi_wr(m, DISPI_X_OFFSET, xoff);
    dispi_wr(m, DISPI_Y_OFFSET, yoff);
    dispi_wr(m, DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED);
}

/* ---- PCI function ----------------------------------------------------- */

static void check_type(const char *type, uint64_t vram_size)
{
    Mbochs m;

    mbochs_start(&m, type);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_VENDOR_ID), ==, 0x1234);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_DEVICE_ID), ==, 0x1111);
    g_assert_cmphex(qpci_config_readb(m.dev, PCI_REVISION_ID), ==, 0x01);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_CLASS_DEVICE), ==, 0x0380);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1af4);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_SUBSYSTEM_ID), ==, 0x1100);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_STATUS) & PCI_STATUS_CAP_LIST,
                    ==, 0);
    g_assert_cmphex(qpci_config_readb(m.dev, PCI_INTERRUPT_PIN), ==, 0);
    g_assert_cmpuint(m.vram_size, ==, vram_size);
    g_assert_cmphex(qpci_config_readl(m.dev, PCI_BASE_ADDRESS_0) & 0xf, ==,
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    g_assert_cmphex(qpci_config_readl(m.dev, PCI_BASE_ADDRESS_2) & 0xf, ==, 0);
    g_assert_cmphex(dispi_rd(&m, DISPI_VIDEO_MEMORY_64K), ==,
                    vram_size / 65536);
    mbochs_stop(&m);
}

static void test_type_small(void)
{
    check_type("mbochs-small", 4 * MiB);
}

static void test_type_medium(void)
{
    check_type("mbochs-medium", 16 * MiB);
}

static void test_type_large(void)
{
    check_type("mbochs-large", 64 * MiB);
}

/* ---- BAR2 ------------------------------------------------------------- */

static void test_edid(void)
{
    static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
    Mbochs m;
    unsigned sum = 0;
    int i;

    mbochs_start(&m, "mbochs-small");
    for (i = 0; i < 8; i++) {
        g_assert_cmphex(qpci_io_readb(m.dev, m.mmio, EDID_OFFSET + i), ==,
                        header[i]);
    }
    for (i = 0; i < 128; i++) {
        sum += qpci_io_readb(m.dev, m.mmio, EDID_OFFSET + i);
    }
    g_assert_cmpuint(sum % 256, ==, 0);
    /* Preferred mode 800x600: DTD at 54, hactive low byte at 56. */
    g_assert_cmphex(qpci_io_readb(m.dev, m.mmio, 56), ==, 800 & 0xff);
    g_assert_cmphex(qpci_io_readb(m.dev, m.mmio, 58) >> 4, ==, 800 >> 8);
    g_assert_cmphex(qpci_io_readb(m.dev, m.mmio, 59), ==, 600 & 0xff);
    g_assert_cmphex(qpci_io_readl(m.dev, m.mmio, 0x200), ==, 0);
    /* Read-only: a write changes nothing. */
    qpci_io_writeb(m.dev, m.mmio, 1, 0x00);
    g_assert_cmphex(qpci_io_readb(m.dev, m.mmio, 1), ==, 0xff);
    mbochs_stop(&m);
}

/* The EDID's size in bytes, after checking each block's checksum. */
static unsigned edid_check_blocks(Mbochs *m)
{
    unsigned blocks = 1 + qpci_io_readb(m->dev, m->mmio, EDID_OFFSET + 126);
    unsigned b, i, sum;

    g_assert_cmpuint(blocks, <=, 2);
    for (b = 0; b < blocks; b++) {
        sum = 0;
        for (i = 0; i < 128; i++) {
            sum += qpci_io_readb(m->dev, m->mmio, EDID_OFFSET + 128 * b + i);
        }
        g_assert_cmpuint(sum % 256, ==, 0);
    }
    /* Zeros after the blob, up to the VGA window. */
    g_assert_cmphex(qpci_io_readl(m->dev, m->mmio, EDID_OFFSET + 128 * blocks),
                    ==, 0);
    return 128 * blocks;
}

/* The preferred mode: the first detailed timing, at byte 54. */
static void edid_preferred(Mbochs *m, unsigned *w, unsigned *h)
{
    uint8_t hi_w = qpci_io_readb(m->dev, m->mmio, EDID_OFFSET + 58);
    uint8_t hi_h = qpci_io_readb(m->dev, m->mmio, EDID_OFFSET + 61);

    *w = qpci_io_readb(m->dev, m->mmio, EDID_OFFSET + 56) | (hi_w >> 4) << 8;
    *h = qpci_io_readb(m->dev, m->mmio, EDID_OFFSET + 59) | (hi_h >> 4) << 8;
}

/*
 * Each type prefers a mode whose 32-bit frame fits half its memory (what
 * bochs-drm keeps); mbochs-small's modes all fit the base block, the
 * others' 1600x900 (and mbochs-large's wider ones) need the CTA-861
 * extension block.
 */
static void test_edid_types(void)
{
    static const struct {
        const char *type;
        unsigned size, w, h;
    } want[] = {
        { "mbochs-small", 128, 800, 600 },
        { "mbochs-medium", 256, 1920, 1080 },
        { "mbochs-large", 256, 1920, 1080 },
    };
    Mbochs m;
    unsigned i, w, h;

    for (i = 0; i < G_N_ELEMENTS(want); i++) {
        mbochs_start(&m, want[i].type);
        g_assert_cmpuint(edid_check_blocks(&m), ==, want[i].size);
        edid_preferred(&m, &w, &h);
        g_assert_cmpuint(w, ==, want[i].w);
        g_assert_cmpuint(h, ==, want[i].h);
        g_assert_cmpuint((uint64_t)w * h * 4, <=, m.vram_size / 2);
        mbochs_stop(&m);
    }
}

/*
 * xres/yres/xmax/ymax as on bochs-display: the EDID follows them, and
 * -device help, qom-get and info qtree show them (xres/yres as in effect).
 */
static void test_edid_properties(void)
{
    Mbochs m;
    QDict *resp;
    QList *props;
    const QListEntry *e;
    unsigned w, h, found = 0;
    char *qtree;

    mbochs_start_with(&m, "mbochs-large",
                      ",xres=1280,yres=800,xmax=1280,ymax=1024");
    edid_preferred(&m, &w, &h);
    g_assert_cmpuint(w, ==, 1280);
    g_assert_cmpuint(h, ==, 800);
    /* Nothing over 1280x1024: no mode needs the extension. */
    g_assert_cmpuint(edid_check_blocks(&m), ==, 128);

    resp = qtest_qmp(m.qts, "{'execute': 'device-list-properties',"
                     " 'arguments': {'typename': 'mdev-mbochs'}}");
    props = qdict_get_qlist(resp, "return");
    QLIST_FOREACH_ENTRY(props, e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));
        const char *name = qdict_get_str(p, "name");

        if (!strcmp(name, "xres") || !strcmp(name, "yres") ||
            !strcmp(name, "xmax") || !strcmp(name, "ymax")) {
            g_assert_cmpstr(qdict_get_str(p, "type"), ==, "uint32");
            g_assert_true(qdict_haskey(p, "description"));
            found++;
        }
    }
    g_assert_cmpuint(found, ==, 4);
    qobject_unref(resp);

    qtree = qtest_hmp(m.qts, "info qtree");
    g_assert_nonnull(strstr(qtree, "xres = 1280"));
    g_assert_nonnull(strstr(qtree, "yres = 800"));
    g_assert_nonnull(strstr(qtree, "xmax = 1280"));
    g_assert_nonnull(strstr(qtree, "ymax = 1024"));
    g_free(qtree);
    mbochs_stop(&m);

    /* Unset: qom-get tells the type's preferred mode. */
    mbochs_start(&m, "mbochs-small");
    resp = qtest_qmp(m.qts, "{'execute': 'qom-get', 'arguments': {"
                     "'path': '/machine/peripheral/mb', 'property': 'xres'}}");
    g_assert_cmpint(qdict_get_int(resp, "return"), ==, 800);
    qobject_unref(resp);
    resp = qtest_qmp(m.qts, "{'execute': 'qom-get', 'arguments': {"
                     "'path': '/machine/peripheral/mb', 'property': 'xmax'}}");
    g_assert_cmpint(qdict_get_int(resp, "return"), ==, 0);
    qobject_unref(resp);
    mbochs_stop(&m);
}

/* Values the type cannot show are refused with the reason, nothing breaks. */
static void test_edid_refused(void)
{
    static const struct {
        const char *type, *props, *says;
    } bad[] = {
        { "mbochs-medium", "'xres': 1920, 'yres': 1440",
          "property 'xres': 1920x1440 does not fit mbochs-medium's 16 MiB" },
        { "mbochs-small", "'xres': 1024, 'yres': 768",
          "largest common mode: 800x600" },
        { "mbochs-large", "'xres': 5000, 'yres': 1000",
          "property 'xres': 5000 is out of range" },
        { "mbochs-large", "'xres': 1280", "property 'yres': unset" },
        { "mbochs-large", "'xres': 1920, 'yres': 1080, 'xmax': 1280",
          "larger than xmax/ymax" },
    };
    QTestState *qts = qtest_init("-M pc -nodefaults");
    QDict *resp;
    const char *desc;
    unsigned i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *args = g_strdup_printf(
            "{'driver': 'mdev-mbochs', 'class': 'vfio', 'id': 'bad%u', "
            "'mdev-type': '%s', %s}", i, bad[i].type, bad[i].props);

        resp = qtest_qmp(qts, "{'execute': 'device_add', 'arguments': %p}",
                         qobject_from_json(args, &error_abort));
        g_assert_true(qdict_haskey(resp, "error"));
        desc = qdict_get_str(qdict_get_qdict(resp, "error"), "desc");
        g_test_message("device_add %s: %s", bad[i].props, desc);
        g_assert_nonnull(strstr(desc, bad[i].says));
        qobject_unref(resp);
    }
    /* The refusals took no video memory: four mbochs-large still fit. */
    for (i = 0; i < 4; i++) {
        g_autofree char *id = g_strdup_printf("l%u", i);

        resp = qtest_qmp(qts, "{'execute': 'device_add', 'arguments': {"
                         "'driver': 'mdev-mbochs', 'class': 'vfio', 'id': %s, "
                         "'mdev-type': 'mbochs-large', 'xres': 3840, "
                         "'yres': 2160}}", id);
        g_assert_true(qdict_haskey(resp, "return"));
        qobject_unref(resp);
    }
    qtest_quit(qts);
}

static void test_dispi(void)
{
    Mbochs m;

    mbochs_start(&m, "mbochs-medium");
    g_assert_cmphex(dispi_rd(&m, DISPI_ID), ==, 0xb0c5);
    g_assert_cmphex(dispi_rd(&m, DISPI_ENABLE), ==, 0);
    dispi_wr(&m, DISPI_XRES, 1024);
    dispi_wr(&m, DISPI_Y_OFFSET, 0xffff);
    g_assert_cmphex(dispi_rd(&m, DISPI_XRES), ==, 1024);
    g_assert_cmphex(dispi_rd(&m, DISPI_Y_OFFSET), ==, 0xffff);
    /*
     * Read-only memory size. The registers are 16 bits wide; other widths
     * behave as on bochs-display (mdev-access-size-test compares them):
     * a 32-bit access is two registers, a byte one a 16-bit access at the
     * same offset.
     */
    dispi_wr(&m, DISPI_VIDEO_MEMORY_64K, 1);
    g_assert_cmphex(dispi_rd(&m, DISPI_VIDEO_MEMORY_64K), ==, 256);
    g_assert_cmphex(qpci_io_readl(m.dev, m.mmio, DISPI(DISPI_ID)), ==,
                    0x0400b0c5);
    g_assert_cmphex(qpci_io_readb(m.dev, m.mmio, DISPI(DISPI_ID)), ==, 0xc5);
    qpci_io_writel(m.dev, m.mmio, DISPI(DISPI_XRES), 640);
    g_assert_cmphex(dispi_rd(&m, DISPI_XRES), ==, 640);
    g_assert_cmphex(dispi_rd(&m, DISPI_YRES), ==, 0);
    dispi_wr(&m, DISPI_XRES, 1024);
    /* Ignored windows read 0; no QEMU extended registers. */
    qpci_io_writel(m.dev, m.mmio, VGA_OFFSET, 0xffffffff);
    g_assert_cmphex(qpci_io_readl(m.dev, m.mmio, VGA_OFFSET), ==, 0);
    g_assert_cmphex(qpci_io_readl(m.dev, m.mmio, QEXT_OFFSET), ==, 0);
    /* System reset: DISPI back to power-on, video memory kept. */
    qpci_io_writel(m.dev, m.vram, 0x100, 0xcafef00d);
    qtest_system_reset(m.qts);
    /* Reset cleared the BAR registers: map them again, as firmware would. */
    qpci_device_enable(m.dev);
    m.vram = qpci_iomap(m.dev, 0, NULL);
    m.mmio = qpci_iomap(m.dev, 2, NULL);
    g_assert_cmphex(dispi_rd(&m, DISPI_XRES), ==, 0);
    g_assert_cmphex(dispi_rd(&m, DISPI_ID), ==, 0xb0c5);
    g_assert_cmphex(qpci_io_readl(m.dev, m.vram, 0x100), ==, 0xcafef00d);
    mbochs_stop(&m);
}

static void test_vram(void)
{
    Mbochs m;
    uint64_t off;

    mbochs_start(&m, "mbochs-large");
    for (off = 0; off < m.vram_size; off += 4 * MiB + 4) {
        qpci_io_writel(m.dev, m.vram, off, 0x5a000000 | (uint32_t)(off >> 2));
    }
    qpci_io_writeq(m.dev, m.vram, m.vram_size - 8, 0x0123456789abcdefULL);
    for (off = 0; off < m.vram_size; off += 4 * MiB + 4) {
        g_assert_cmphex(qpci_io_readl(m.dev, m.vram, off), ==,
                        0x5a000000 | (uint32_t)(off >> 2));
    }
    g_assert_cmphex(qpci_io_readq(m.dev, m.vram, m.vram_size - 8), ==,
                    0x0123456789abcdefULL);
    g_assert_cmphex(qpci_io_readl(m.dev, m.vram, 4), ==, 0);
    mbochs_stop(&m);
}

/* ---- Display ---------------------------------------------------------- */

typedef struct Ppm {
    int width, height;
    uint8_t *rgb;
    gchar *file;
} Ppm;

static Ppm screendump(Mbochs *m)
{
    Ppm p = { 0 };
    g_autofree char *name = NULL;
    gchar *data;
    gsize len;
    int maxval, n = 0;
    QDict *resp;

    name = mdev_qtest_temp_file("mdev-mbochs-screen-XXXXXX.ppm");
    resp = qtest_qmp(m->qts, "{'execute': 'screendump', 'arguments': "
                     "{'filename': %s, 'device': 'mb'}}", name);
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    g_assert_true(g_file_get_contents(name, &data, &len, NULL));
    unlink(name);
    g_assert_cmpint(sscanf(data, "P6 %d %d %d%n", &p.width, &p.height, &maxval,
                           &n), ==, 3);
    g_assert_cmpint(maxval, ==, 255);
    g_assert_cmpuint(len, ==, n + 1 + (gsize)p.width * p.height * 3);
    p.rgb = (uint8_t *)data + n + 1;
    p.file = data;
    return p;
}

static uint32_t ppm_pixel(const Ppm *p, int x, int y)
{
    const uint8_t *px = p->rgb + ((size_t)y * p->width + x) * 3;

    return (px[0] << 16) | (px[1] << 8) | px[2];
}

/* An XRGB8888 pattern that differs in every pixel's row and column. */
static uint32_t pattern(int x, int y)
{
    return ((x * 3) & 0xff) << 16 | ((y * 5) & 0xff) << 8 | ((x ^ y) & 0xff);
}

static void draw(Mbochs *m, uint64_t offset, uint32_t stride, int w, int h)
{
    int x, y;

    for (y = 0; y < h; y++) {
        g_autofree uint32_t *line = g_new(uint32_t, w);

        for (x = 0; x < w; x++) {
            line[x] = cpu_to_le32(pattern(x, y) | 0xff000000); /* X ignored */
        }
        qpci_memwrite(m->dev, m->vram, offset + (uint64_t)y * stride, line,
                      w * 4);
    }
}

static void assert_shows_pattern(Mbochs *m, int w, int h)
{
    Ppm p = screendump(m);
    int x, y;

    g_assert_cmpint(p.width, ==, w);
    g_assert_cmpint(p.height, ==, h);
    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            if (ppm_pixel(&p, x, y) != pattern(x, y)) {
                g_test_message("pixel %d,%d", x, y);
                g_assert_cmphex(ppm_pixel(&p, x, y), ==, pattern(x, y));
            }
        }
    }
    g_free(p.file);
}

static void test_display(void)
{
    Mbochs m;

    mbochs_start(&m, "mbochs-small");
    set_mode(&m, 160, 120, 160, 0, 0);
    draw(&m, 0, 160 * 4, 160, 120);
    assert_shows_pattern(&m, 160, 120);

    /*
     * Mode change: 96x64 in a 200-pixel-wide virtual screen, panned to
     * (8, 10). The first screendump after the change shows the new mode.
     */
    set_mode(&m, 96, 64, 200, 8, 10);
    draw(&m, 8 * 4 + 10 * 200 * 4, 200 * 4, 96, 64);
    assert_shows_pattern(&m, 96, 64);
    mbochs_stop(&m);
}

/* ---- Migration --------------------------------------------------------- */

/*
 * The DISPI registers travel in the device's VMState and the video memory
 * as RAM: the destination shows the same mode and the same pixels.
 */
static void test_migration(void)
{
    g_autofree char *uri = g_strdup_printf("unix:%s/mdev-mbochs-mig-%d.sock",
                                           g_get_tmp_dir(), getpid());
    Mbochs src, dst;
    QDict *resp;

    mbochs_start(&src, "mbochs-small");
    set_mode(&src, 128, 80, 144, 4, 2);
    draw(&src, 4 * 4 + 2 * 144 * 4, 144 * 4, 128, 80);
    assert_shows_pattern(&src, 128, 80);

    dst.qts = qtest_initf("-M q35 -nodefaults -device mdev-mbochs,class=vfio,"
                          "mdev-type=mbochs-small,id=mb,addr=%02x.0 "
                          "-incoming %s", MBOCHS_SLOT, uri);
    resp = qtest_qmp(src.qts, "{'execute': 'migrate', 'arguments': {'uri': %s}}",
                     uri);
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    mdev_qtest_wait_migration(src.qts, "completed");
    qtest_qmp_eventwait(dst.qts, "RESUME");

    dst.bus = qpci_new_pc(dst.qts, NULL);
    dst.dev = mdev_qtest_find_fn(dst.bus, MBOCHS_SLOT);
    /* The BARs kept their addresses: config space migrated too. */
    dst.vram = src.vram;
    dst.mmio = src.mmio;
    g_assert_cmphex(dispi_rd(&dst, DISPI_XRES), ==, 128);
    g_assert_cmphex(dispi_rd(&dst, DISPI_VIRT_WIDTH), ==, 144);
    g_assert_cmphex(dispi_rd(&dst, DISPI_Y_OFFSET), ==, 2);
    assert_shows_pattern(&dst, 128, 80);
    mdev_qtest_close(dst.qts, dst.bus, dst.dev);
    mbochs_stop(&src);
}

/* ---- The parent's budget --------------------------------------------- */

static QDict *add_mbochs(QTestState *qts, const char *id, const char *type)
{
    return qtest_qmp(qts, "{'execute': 'device_add', 'arguments': {"
                     "'driver': 'mdev-mbochs', 'class': 'vfio', 'id': %s, "
                     "'mdev-type': %s}}", id, type);
}

static void assert_refused(QDict *resp, const char *type)
{
    const char *desc;

    g_assert_true(qdict_haskey(resp, "error"));
    desc = qdict_get_str(qdict_get_qdict(resp, "error"), "desc");
    g_test_message("device_add %s: %s", type, desc);
    g_assert_nonnull(strstr(desc, "available_instances is 0"));
    g_assert_nonnull(strstr(desc, type));
    qobject_unref(resp);
}

static void assert_added(QDict *resp)
{
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
}

/*
 * 256 MB of video memory in all: with three mbochs-large (192 MB) there is
 * room for four mbochs-medium and then for nothing, not even an
 * mbochs-small. (-M pc: its root bus takes hot-plugged devices. Giving
 * memory back on removal is a unit test: unplug needs a guest here.)
 */
static void test_budget(void)
{
    QTestState *qts = qtest_init("-M pc -nodefaults "
        "-device mdev-mbochs,class=vfio,mdev-type=mbochs-large,id=l0 "
        "-device mdev-mbochs,class=vfio,mdev-type=mbochs-large,id=l1 "
        "-device mdev-mbochs,class=vfio,mdev-type=mbochs-large,id=l2");
    char id[8];
    int i;

    for (i = 0; i < 4; i++) {
        snprintf(id, sizeof(id), "m%d", i);
        assert_added(add_mbochs(qts, id, "mbochs-medium"));
    }
    assert_refused(add_mbochs(qts, "l3", "mbochs-large"), "mbochs-large");
    assert_refused(add_mbochs(qts, "m4", "mbochs-medium"), "mbochs-medium");
    assert_refused(add_mbochs(qts, "s0", "mbochs-small"), "mbochs-small");
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/mdev-mbochs/type/small", test_type_small);
    qtest_add_func("/mdev-mbochs/type/medium", test_type_medium);
    qtest_add_func("/mdev-mbochs/type/large", test_type_large);
    qtest_add_func("/mdev-mbochs/bar2/edid", test_edid);
    qtest_add_func("/mdev-mbochs/edid/types", test_edid_types);
    qtest_add_func("/mdev-mbochs/edid/properties", test_edid_properties);
    qtest_add_func("/mdev-mbochs/edid/refused", test_edid_refused);
    qtest_add_func("/mdev-mbochs/bar2/dispi", test_dispi);
    qtest_add_func("/mdev-mbochs/bar0/vram", test_vram);
    qtest_add_func("/mdev-mbochs/display/pattern-and-mode-change", test_display);
    qtest_add_func("/mdev-mbochs/budget", test_budget);
    qtest_add_func("/mdev-mbochs/migration", test_migration);
    return g_test_run();
}
