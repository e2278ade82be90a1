/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for -device mdev-mdpy: the PCI function (ids, vendor capability,
 * BAR0), and what its graphic console shows: a black screen until the guest draws, pixels
 * written through BAR0, only the lines written since the last refresh
 * reported to the UI (dirty tracking), reset, and the parent's budget.
 *
 * The console is read with QMP screendump (PPM, QEMU's default, which is
 * plain RGB and easy to parse; PNG is checked for its header). The expected
 * values are the device's definition: hw/mdev/samples/mdpy/.
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "mdev-qtest-common.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"

#define MDPY_VENDOR 0x1b36
#define MDPY_DEVICE 0x000f
#define MDPY_UUID "5e0d6c1a-7a2b-4c3d-8e4f-00000000d0d0"
#define DRM_FORMAT_XRGB8888 0x34325258

typedef struct Mdpy {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar0;
    uint64_t bar0_size;
} Mdpy;

typedef struct Image {
    int width;
    int height;
    guchar *rgb; /* width * height * 3 bytes */
    gsize len;
    gchar *file;
} Image;

static void mdpy_open(Mdpy *m, const char *extra)
{
    m->qts = qtest_initf("-M q35 -nodefaults -device mdev-mdpy,class=vfio,"
                         "id=mdpy0,addr=04.0,uuid=" MDPY_UUID "%s",
                         extra ? extra : "");
    m->bus = qpci_new_pc(m->qts, NULL);
    m->dev = mdev_qtest_enable_fn(m->bus, 4);
    m->bar0 = qpci_iomap(m->dev, 0, &m->bar0_size);
}

static void mdpy_close(Mdpy *m)
{
    mdev_qtest_close(m->qts, m->bus, m->dev);
}

static void image_free(Image *img)
{
    g_free(img->rgb);
    if (img->file) {
        unlink(img->file);
        g_free(img->file);
    }
}

/* Parses a binary PPM (P6, maxval 255) as ppm_save() writes it. */
static void parse_ppm(Image *img, const guchar *data, gsize len)
{
    int maxval, used = 0;

    g_assert_cmpint(sscanf((const char *)data, "P6\n%d %d\n%d\n%n", &img->width,
                           &img->height, &maxval, &used), ==, 3);
    g_assert_cmpint(maxval, ==, 255);
    g_assert_cmpuint(len - used, ==, (gsize)img->width * img->height * 3);
    img->rgb = g_memdup2(data + used, len - used);
    img->len = len - used;
}

static void screendump(Mdpy *m, Image *img)
{
    g_autofree gchar *data = NULL;
    gsize len;
    QDict *resp;

    memset(img, 0, sizeof(*img));
    img->file = mdev_qtest_temp_file("mdev-mdpy-test-XXXXXX.ppm");
    resp = qtest_qmp(m->qts, "{'execute': 'screendump', 'arguments': "
                     "{'filename': %s, 'device': 'mdpy0'}}", img->file);
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    g_assert_true(g_file_get_contents(img->file, &data, &len, NULL));
    parse_ppm(img, (guchar *)data, len);
}

/* The pixel at (x, y) as 0xRRGGBB. */
static uint32_t pixel(const Image *img, int x, int y)
{
    const guchar *p = img->rgb + ((gsize)y * img->width + x) * 3;

    g_assert_cmpint(x, <, img->width);
    g_assert_cmpint(y, <, img->height);
    return (p[0] << 16) | (p[1] << 8) | p[2];
}

/*
 * A pixel of line y of a framebuffer the guest has not written: black, at
 * power-on and after a reset (mdpy.cpp: the memory is lazy, all zero).
 */
static uint32_t untouched(int y, int height)
{
    g_assert_cmpint(y, <, height);
    return 0;
}

static void put_pixel(Mdpy *m, int width, int x, int y, uint32_t xrgb)
{
    qpci_io_writel(m->dev, m->bar0, ((uint64_t)y * width + x) * 4, xrgb);
}

/* ---- PCI function ---------------------------------------------------------- */

static void check_config(const char *type, int width, int height,
                         uint64_t bar_size)
{
    g_autofree char *extra = g_strdup_printf(",mdev-type=%s", type);
    Mdpy m;

    mdpy_open(&m, extra);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_VENDOR_ID), ==, MDPY_VENDOR);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_DEVICE_ID), ==, MDPY_DEVICE);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1af4);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_SUBSYSTEM_ID), ==, 0x1100);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_CLASS_DEVICE), ==, 0x0380);
    g_assert_cmphex(qpci_config_readb(m.dev, PCI_REVISION_ID), ==, 0x01);
    g_assert_cmphex(qpci_config_readb(m.dev, PCI_INTERRUPT_PIN), ==, 0);
    g_assert_cmphex(qpci_config_readw(m.dev, PCI_STATUS) & PCI_STATUS_CAP_LIST,
                    ==, PCI_STATUS_CAP_LIST);
    g_assert_cmphex(qpci_config_readb(m.dev, PCI_CAPABILITY_LIST), ==, 0x40);
    g_assert_cmphex(qpci_config_readb(m.dev, 0x40), ==, 0x09);
    g_assert_cmphex(qpci_config_readb(m.dev, 0x41), ==, 0x00);
    g_assert_cmphex(qpci_config_readb(m.dev, 0x42), ==, 0x10);
    g_assert_cmphex(qpci_config_readl(m.dev, 0x44), ==, DRM_FORMAT_XRGB8888);
    g_assert_cmpuint(qpci_config_readl(m.dev, 0x48), ==, width);
    g_assert_cmpuint(qpci_config_readl(m.dev, 0x4c), ==, height);
    /* Read-only. */
    qpci_config_writel(m.dev, 0x48, 4096);
    g_assert_cmpuint(qpci_config_readl(m.dev, 0x48), ==, width);
    /* BAR0: 32-bit prefetchable memory of the framebuffer's size. */
    g_assert_cmpuint(m.bar0_size, ==, bar_size);
    g_assert_cmphex(qpci_config_readl(m.dev, PCI_BASE_ADDRESS_0) & 0xf, ==,
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    g_assert_cmphex(qpci_config_readl(m.dev, PCI_BASE_ADDRESS_1), ==, 0);
    mdpy_close(&m);
}

static void test_config_vga(void)
{
    check_config("mdpy-vga", 640, 480, 2 * MiB);
}

static void test_config_xga(void)
{
    check_config("mdpy-xga", 1024, 768, 4 * MiB);
}

static void test_config_hd(void)
{
    check_config("mdpy-hd", 1920, 1080, 8 * MiB);
}

/* ---- display --------------------------------------------------------------- */

static void assert_untouched(const Image *img)
{
    int y;

    for (y = 0; y < img->height; y += 7) {
        g_assert_cmphex(pixel(img, 0, y), ==, untouched(y, img->height));
        g_assert_cmphex(pixel(img, img->width - 1, y), ==,
                        untouched(y, img->height));
    }
}

static void test_power_on_black(void)
{
    Mdpy m;
    Image img;

    mdpy_open(&m, ",mdev-type=mdpy-xga");
    screendump(&m, &img);
    g_assert_cmpint(img.width, ==, 1024);
    g_assert_cmpint(img.height, ==, 768);
    assert_untouched(&img);
    image_free(&img);
    mdpy_close(&m);
}

/* The mdev_vfio_display_update trace lines of a log, as "y+n[F]" words. */
static char *display_updates(const char *log_text)
{
    GString *out = g_string_new("");
    const char *p = log_text;
    unsigned y, n;
    int full;

    while ((p = strstr(p, "mdev_vfio_display_update uuid " MDPY_UUID))) {
        g_assert_cmpint(sscanf(p, "mdev_vfio_display_update uuid " MDPY_UUID
                               " lines %u+%u full %d", &y, &n, &full), ==, 3);
        g_string_append_printf(out, "%s%u+%u%s", out->len ? " " : "", y, n,
                               full ? "F" : "");
        p++;
    }
    return g_string_free(out, false);
}

static void test_draw(void)
{
    g_autofree char *log = NULL;
    g_autofree char *log_text = NULL;
    g_autofree char *updates = NULL;
    g_autofree char *extra = NULL;
    Mdpy m;
    Image img;
    int x, y;

    log = mdev_qtest_temp_file("mdev-mdpy-test-XXXXXX.log");
    extra = g_strdup_printf(" -d trace:mdev_vfio_display_update -D %s", log);
    mdpy_open(&m, extra);

    /* A red 16x8 block at (100, 50), then the first refresh: all of it. */
    for (y = 50; y < 58; y++) {
        for (x = 100; x < 116; x++) {
            put_pixel(&m, 640, x, y, 0x00ff0000);
        }
    }
    screendump(&m, &img);
    g_assert_cmpint(img.width, ==, 640);
    g_assert_cmpint(img.height, ==, 480);
    g_assert_cmphex(pixel(&img, 100, 50), ==, 0xff0000);
    g_assert_cmphex(pixel(&img, 115, 57), ==, 0xff0000);
    g_assert_cmphex(pixel(&img, 99, 50), ==, untouched(50, 480));
    g_assert_cmphex(pixel(&img, 116, 57), ==, untouched(57, 480));
    g_assert_cmphex(pixel(&img, 100, 58), ==, untouched(58, 480));
    image_free(&img);

    /* One green pixel at (7, 300) and a blue line 400: only those change. */
    put_pixel(&m, 640, 7, 300, 0x0000ff00);
    for (x = 0; x < 640; x++) {
        put_pixel(&m, 640, x, 400, 0x000000ff);
    }
    screendump(&m, &img);
    g_assert_cmphex(pixel(&img, 7, 300), ==, 0x00ff00);
    g_assert_cmphex(pixel(&img, 8, 300), ==, untouched(300, 480));
    g_assert_cmphex(pixel(&img, 0, 400), ==, 0x0000ff);
    g_assert_cmphex(pixel(&img, 639, 400), ==, 0x0000ff);
    g_assert_cmphex(pixel(&img, 110, 55), ==, 0xff0000);
    image_free(&img);

    /* Nothing written: a refresh reports nothing. */
    screendump(&m, &img);
    g_assert_cmphex(pixel(&img, 7, 300), ==, 0x00ff00);
    image_free(&img);

    /* Lines 10..12 through a 4-pixel (16-byte) write each. */
    for (y = 10; y < 13; y++) {
        static const uint8_t white[16] = {
            0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0,
            0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0,
        };
        qpci_memwrite(m.dev, m.bar0, (uint64_t)y * 640 * 4 + 600 * 4, white,
                      sizeof(white));
    }
    screendump(&m, &img);
    g_assert_cmphex(pixel(&img, 603, 12), ==, 0xffffff);
    g_assert_cmphex(pixel(&img, 604, 12), ==, untouched(12, 480));
    image_free(&img);
    mdpy_close(&m);

    g_assert_true(g_file_get_contents(log, &log_text, NULL, NULL));
    unlink(log);
    updates = display_updates(log_text);
    g_test_message("display updates: %s", updates);
    /*
     * The dirty log has one bit per 4 KiB page and a line is 2560 bytes, so
     * a write marks every line that shares a page with it:
     *   (7, 300) is byte 768028, page 187 = lines 299..300;
     *   line 400 is bytes 1024000..1026559, page 250 = lines 400..401;
     *   lines 10..12 at x 600..603 touch pages 6, 7, 8 = lines 9..14.
     * The third refresh, with nothing written, reports nothing.
     */
    g_assert_cmpstr(updates, ==, "0+480F 299+2 400+2 9+6");
}

static void test_png(void)
{
    g_autofree char *file = NULL;
    g_autofree gchar *data = NULL;
    static const guchar signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
                                         0x1a, '\n' };
    gsize len;
    QDict *resp;
    Mdpy m;

    file = mdev_qtest_temp_file("mdev-mdpy-test-XXXXXX.png");
    mdpy_open(&m, ",mdev-type=mdpy-hd");
    resp = qtest_qmp(m.qts, "{'execute': 'screendump', 'arguments': "
                     "{'filename': %s, 'device': 'mdpy0', 'format': 'png'}}",
                     file);
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    mdpy_close(&m);
    g_assert_true(g_file_get_contents(file, &data, &len, NULL));
    unlink(file);
    g_assert_cmpuint(len, >, 33);
    g_assert_cmpmem(data, 8, signature, 8);
    /* IHDR: width and height, big-endian, at 16 and 20. */
    g_assert_cmpmem(data + 12, 4, "IHDR", 4);
    g_assert_cmpuint(ldl_be_p(data + 16), ==, 1920);
    g_assert_cmpuint(ldl_be_p(data + 20), ==, 1080);
}

static void test_reset(void)
{
    Mdpy m;
    Image img;
    QDict *resp;

    mdpy_open(&m, NULL);
    screendump(&m, &img);
    image_free(&img);
    put_pixel(&m, 640, 320, 240, 0x00123456);
    screendump(&m, &img);
    g_assert_cmphex(pixel(&img, 320, 240), ==, 0x123456);
    image_free(&img);

    resp = qtest_qmp(m.qts, "{'execute': 'system_reset'}");
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    qtest_qmp_eventwait(m.qts, "RESET");
    screendump(&m, &img);
    assert_untouched(&img);
    g_assert_cmphex(pixel(&img, 320, 240), ==, untouched(240, 480));
    image_free(&img);
    mdev_qtest_close(m.qts, m.bus, m.dev);
}

/* Non-mmap accesses are not possible from a guest (BAR0 is RAM); what the
 * guest reads back is what it wrote, at the offset it wrote it. */
static void test_bar_readback(void)
{
    Mdpy m;

    mdpy_open(&m, NULL);
    qpci_io_writel(m.dev, m.bar0, 0x1000, 0xdeadbeef);
    qpci_io_writeb(m.dev, m.bar0, 2 * MiB - 1, 0x5a);
    g_assert_cmphex(qpci_io_readl(m.dev, m.bar0, 0x1000), ==, 0xdeadbeef);
    g_assert_cmphex(qpci_io_readb(m.dev, m.bar0, 2 * MiB - 1), ==, 0x5a);
    g_assert_cmphex(qpci_io_readl(m.dev, m.bar0, 0), ==, 0);
    mdpy_close(&m);
}

/* ---- migration ------------------------------------------------------------- */

static const char *query_status(QTestState *qts, const char *cmd,
                                const char *key, char *buf, size_t size)
{
    QDict *resp = qtest_qmp(qts, "{'execute': %s}", cmd);
    QDict *ret = qdict_get_qdict(resp, "return");

    g_assert_nonnull(ret);
    g_strlcpy(buf, qdict_haskey(ret, key) ? qdict_get_str(ret, key) : "",
              size);
    qobject_unref(resp);
    return buf;
}

/*
 * The framebuffer is RAM of the device (vmstate_register_ram): what the
 * guest drew shows on the destination; the config space comes along too.
 * Migration goes through a file, so the test needs no second QEMU running
 * at the same time.
 */
static void test_migration(void)
{
    g_autofree char *file = NULL;
    g_autofree char *extra = NULL;
    g_autofree char *uri = NULL;
    char status[64];
    Mdpy src, dst;
    Image img;
    QDict *resp;

    file = mdev_qtest_temp_file("mdev-mdpy-test-XXXXXX.mig");

    mdpy_open(&src, ",mdev-type=mdpy-xga");
    put_pixel(&src, 1024, 512, 384, 0x00abcdef);
    put_pixel(&src, 1024, 1023, 767, 0x00010203);
    uri = g_strdup_printf("file:%s", file);
    resp = qtest_qmp(src.qts, "{'execute': 'migrate', 'arguments': "
                     "{'uri': %s}}", uri);
    g_assert_true(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    do {
        query_status(src.qts, "query-migrate", "status", status,
                     sizeof(status));
        g_assert_cmpstr(status, !=, "failed");
    } while (strcmp(status, "completed") != 0);
    mdpy_close(&src);

    extra = g_strdup_printf(",mdev-type=mdpy-xga -incoming file:%s", file);
    dst.qts = qtest_initf("-M q35 -nodefaults -device mdev-mdpy,class=vfio,"
                          "id=mdpy0,addr=04.0,uuid=" MDPY_UUID "%s", extra);
    do {
        query_status(dst.qts, "query-migrate", "status", status,
                     sizeof(status));
        g_assert_cmpstr(status, !=, "failed");
    } while (strcmp(status, "completed") != 0);
    unlink(file);
    dst.bus = qpci_new_pc(dst.qts, NULL);
    dst.dev = mdev_qtest_find_fn(dst.bus, 4);
    g_assert_cmpuint(qpci_config_readl(dst.dev, 0x48), ==, 1024);

    screendump(&dst, &img);
    g_assert_cmpint(img.width, ==, 1024);
    g_assert_cmphex(pixel(&img, 512, 384), ==, 0xabcdef);
    g_assert_cmphex(pixel(&img, 1023, 767), ==, 0x010203);
    g_assert_cmphex(pixel(&img, 511, 384), ==, untouched(384, 768));
    image_free(&img);
    mdpy_close(&dst);
}

/* ---- budget ---------------------------------------------------------------- */

static void count_mdpy(QPCIDevice *dev, int devfn, void *data)
{
    (*(int *)data)++;
    g_free(dev);
}

static void test_budget(void)
{
    static const char *const full[] = {
        "property 'mdev-type': parent 'mdpy' has no room for another "
        "'mdpy-vga' (available_instances is 0)", NULL
    };
    const char *vga = "mdev-mdpy,class=vfio,mdev-type=mdpy-vga";
    g_autofree char *four = mdev_qtest_repeat_device(vga, 4);
    g_autofree char *five = mdev_qtest_repeat_device(vga, 5);
    QTestState *qts;
    QPCIBus *bus;
    int n = 0;

    qts = qtest_initf("-M q35 -nodefaults %s", four);
    bus = qpci_new_pc(qts, NULL);
    qpci_device_foreach(bus, MDPY_VENDOR, MDPY_DEVICE, count_mdpy, &n);
    g_assert_cmpint(n, ==, 4);
    qpci_free_pc(bus);
    qtest_quit(qts);

    /* A fifth does not start: one line naming the property. */
    mdev_qtest_assert_fails(five, full);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/mdev-mdpy/config/mdpy-vga", test_config_vga);
    qtest_add_func("/mdev-mdpy/config/mdpy-xga", test_config_xga);
    qtest_add_func("/mdev-mdpy/config/mdpy-hd", test_config_hd);
    qtest_add_func("/mdev-mdpy/display/power-on-black", test_power_on_black);
    qtest_add_func("/mdev-mdpy/display/draw", test_draw);
    qtest_add_func("/mdev-mdpy/display/png", test_png);
    qtest_add_func("/mdev-mdpy/reset", test_reset);
    qtest_add_func("/mdev-mdpy/bar-readback", test_bar_readback);
    qtest_add_func("/mdev-mdpy/migration", test_migration);
    qtest_add_func("/mdev-mdpy/cmdline/budget", test_budget);

    return g_test_run();
}
