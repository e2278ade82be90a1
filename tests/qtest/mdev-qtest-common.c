/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: helpers the mdev qtests share (mdev-qtest-common.h).
 */
#include "qemu/osdep.h"
#include "qobject/qdict.h"
#include "mdev-qtest-common.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "standard-headers/linux/virtio_pci.h"

static char *quit_file;

static void remove_quit_file(void)
{
    unlink(quit_file);
    g_free(quit_file);
}

/* A file holding "quit", for the monitor of every QEMU this process runs. */
static const char *quit_file_path(void)
{
    int fd;

    if (quit_file) {
        return quit_file;
    }
    fd = g_file_open_tmp("mdev-qtest-quit-XXXXXX", &quit_file, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "quit\n", 5), ==, 5);
    close(fd);
    atexit(remove_quit_file);
    return quit_file;
}

/* In the child: stdin from the quit file; the alarm is a last resort. */
static void run_child_setup(gpointer data)
{
    int fd = open(data, O_RDONLY);

    if (fd >= 0) {
        dup2(fd, 0);
        close(fd);
    }
    alarm(60);
}

/*
 * Removes, in place, the warning that an ASan build of QEMU prints once per
 * process when its first coroutine starts ("==PID==WARNING: ASan doesn't fully
 * support makecontext/swapcontext functions ..."): QEMU tells ASan about its
 * coroutine stacks (CONFIG_ASAN_IFACE_FIBER), so the warning says nothing
 * about the command line under test, whose stderr is checked line by line.
 */
static void drop_asan_swapcontext_warning(char *err)
{
    char *line = err;

    while (*line) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);

        if (line[0] == '=' && line[1] == '=' &&
            g_strstr_len(line, len, "==WARNING: ASan doesn't fully support "
                         "makecontext/swapcontext")) {
            memmove(line, line + len, strlen(line + len) + 1);
        } else {
            line += len;
        }
    }
}

/* QEMU with @extra and @args, stdin from @stdin_path; waits for its end. */
static MdevQemuRun run_qemu(const char *extra, const char *args,
                            const char *stdin_path)
{
    const char *binary = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = NULL;
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) error = NULL;
    MdevQemuRun r = { .status = -1 };
    int wait_status;

    g_assert_nonnull(binary);
    cmd = g_strdup_printf("%s -M q35 -accel qtest -nodefaults -display none "
                          "%s %s", binary, extra, args);
    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &error));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT,
                               run_child_setup, (gpointer)stdin_path,
                               &r.out, &r.err, &wait_status, &error));
    if (WIFEXITED(wait_status)) {
        r.status = WEXITSTATUS(wait_status);
    }
    drop_asan_swapcontext_warning(r.err);
    return r;
}

MdevQemuRun mdev_qtest_run_qemu(const char *args)
{
    return run_qemu("-S -monitor stdio", args, quit_file_path());
}

MdevQemuRun mdev_qtest_run_qemu_incoming(const char *args)
{
    return run_qemu("", args, "/dev/null");
}

void mdev_qtest_run_free(MdevQemuRun *r)
{
    g_free(r->out);
    g_free(r->err);
}

void mdev_qtest_assert_starts(const char *args)
{
    MdevQemuRun r = mdev_qtest_run_qemu(args);

    if (r.status != 0 || *r.err) {
        g_test_message("args: %s\nstderr: %s", args, r.err);
    }
    g_assert_cmpint(r.status, ==, 0);
    g_assert_cmpstr(r.err, ==, "");
    mdev_qtest_run_free(&r);
}

void mdev_qtest_assert_fails(const char *args, const char *const *needles)
{
    MdevQemuRun r = mdev_qtest_run_qemu(args);
    const char *nl;
    int i;

    g_test_message("args: %s\nstderr: %s", args, r.err);
    g_assert_cmpint(r.status, ==, 1);
    nl = strchr(r.err, '\n');
    g_assert_nonnull(nl);
    g_assert_cmpstr(nl, ==, "\n");
    for (i = 0; needles[i]; i++) {
        g_assert_nonnull(strstr(r.err, needles[i]));
    }
    mdev_qtest_run_free(&r);
}

char *mdev_qtest_repeat_device(const char *dev, int n)
{
    GString *s = g_string_new("");
    int i;

    for (i = 0; i < n; i++) {
        g_string_append_printf(s, " -device %s", dev);
    }
    return g_string_free(s, false);
}

void mdev_qtest_wait_migration(QTestState *qts, const char *want)
{
    for (;;) {
        QDict *rsp = qtest_qmp(qts, "{ 'execute': 'query-migrate' }");
        QDict *ret = qdict_get_qdict(rsp, "return");
        const char *status = qdict_haskey(ret, "status") ?
            qdict_get_str(ret, "status") : "none";
        bool done = !strcmp(status, want);

        g_assert_cmpstr(status, !=, "failed");
        qobject_unref(rsp);
        if (done) {
            return;
        }
        g_usleep(10 * 1000);
    }
}

char *mdev_qtest_temp_file(const char *tmpl)
{
    char *path = NULL;
    int fd = g_file_open_tmp(tmpl, &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    return path;
}

const char *mdev_qtest_stream_find(const char *data, size_t len, const char *name)
{
    size_t n = strlen(name);
    g_autofree char *needle = g_malloc(n + 1);
    const char *at;

    needle[0] = n;
    memcpy(needle + 1, name, n);
    at = memmem(data, len, needle, n + 1);
    g_assert_nonnull(at);
    return at;
}

uint8_t mdev_qtest_virtio_pci_cfg_cap(QPCIDevice *dev)
{
    uint8_t cap = 0;

    while ((cap = qpci_find_capability(dev, PCI_CAP_ID_VNDR, cap)) != 0) {
        if (qpci_config_readb(dev, cap + 3) == VIRTIO_PCI_CAP_PCI_CFG) {
            return cap;
        }
    }
    g_assert_not_reached();
}

QPCIDevice *mdev_qtest_find_fn(QPCIBus *bus, int slot)
{
    QPCIDevice *dev = qpci_device_find(bus, QPCI_DEVFN(slot, 0));

    g_assert_nonnull(dev);
    return dev;
}

QPCIDevice *mdev_qtest_enable_fn(QPCIBus *bus, int slot)
{
    QPCIDevice *dev = mdev_qtest_find_fn(bus, slot);

    qpci_device_enable(dev);
    return dev;
}

void mdev_qtest_close(QTestState *qts, QPCIBus *bus, QPCIDevice *dev)
{
    g_free(dev);
    qpci_free_pc(bus);
    qtest_quit(qts);
}

QPCIBar mdev_qtest_bar_as_configured(QPCIDevice *dev, int bar)
{
    uint32_t lo = qpci_config_readl(dev, PCI_BASE_ADDRESS_0 + 4 * bar);
    QPCIBar b = { 0 };

    if (lo & PCI_BASE_ADDRESS_SPACE_IO) {
        return qpci_legacy_iomap(dev, lo & PCI_BASE_ADDRESS_IO_MASK);
    }
    b.addr = lo & PCI_BASE_ADDRESS_MEM_MASK;
    if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
        b.addr |= (uint64_t)qpci_config_readl(dev, PCI_BASE_ADDRESS_0 +
                                              4 * (bar + 1)) << 32;
    }
    b.is_io = false;
    return b;
}

void mdev_qtest_migrate(QTestState *qts, const char *uri)
{
    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate', 'arguments': "
                             "{ 'uri': %s } }", uri);
    mdev_qtest_wait_migration(qts, "completed");
}

void mdev_qtest_migrate_and_quit(QTestState *qts, const char *uri)
{
    mdev_qtest_migrate(qts, uri);
    qtest_quit(qts);
}
