/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: helpers the mdev qtests share: starting QEMU to check how it
 * refuses (or accepts) a command line, and waiting for a migration.
 */
#ifndef MDEV_QTEST_COMMON_H
#define MDEV_QTEST_COMMON_H

#include "libqtest.h"
#include "libqos/pci.h"

typedef struct MdevQemuRun {
    int status; /* exit status, or -1 if QEMU did not exit normally */
    char *out;
    char *err;
} MdevQemuRun;

/*
 * Runs QTEST_QEMU_BINARY -M q35 -accel qtest -nodefaults -display none -S
 * with @args and its monitor on stdin, fed "quit": a QEMU that starts exits
 * 0 at once instead of sitting at -S.
 */
MdevQemuRun mdev_qtest_run_qemu(const char *args);

/*
 * Runs QTEST_QEMU_BINARY -M q35 -accel qtest -nodefaults -display none with
 * @args (which hold an -incoming) and nothing on stdin, until it exits: a
 * refused stream ends it with status 1; a QEMU still running after 60 s is
 * killed (status -1).
 */
MdevQemuRun mdev_qtest_run_qemu_incoming(const char *args);
void mdev_qtest_run_free(MdevQemuRun *r);

/* QEMU starts with @args: exit status 0, nothing on stderr. */
void mdev_qtest_assert_starts(const char *args);

/* QEMU refuses @args: exit status 1, one line on stderr holding every needle. */
void mdev_qtest_assert_fails(const char *args, const char *const *needles);

/* " -device @dev" @n times, for command lines that exhaust a budget. */
char *mdev_qtest_repeat_device(const char *dev, int n);

/* Polls query-migrate on @qts until its status is @want; "failed" fails. */
void mdev_qtest_wait_migration(QTestState *qts, const char *want);

/*
 * Migrates @qts to @uri and waits until that completed; the _and_quit form
 * then quits it (a source whose stream a test loads or edits).
 */
void mdev_qtest_migrate(QTestState *qts, const char *uri);
void mdev_qtest_migrate_and_quit(QTestState *qts, const char *uri);

/* A new empty file from the g_file_open_tmp() template @tmpl; its path. */
char *mdev_qtest_temp_file(const char *tmpl);

/*
 * Where @name stands in the migration stream @data (QEMU writes a name as a
 * length byte, then the bytes): the address of its length byte. Fails the
 * test if it is not there.
 */
const char *mdev_qtest_stream_find(const char *data, size_t len, const char *name);

/*
 * The function at slot @slot (function 0) of @bus, which must be there.
 * mdev_qtest_enable_fn() also enables it as a driver's probe does (I/O and
 * memory space, bus mastering).
 */
QPCIDevice *mdev_qtest_find_fn(QPCIBus *bus, int slot);
QPCIDevice *mdev_qtest_enable_fn(QPCIBus *bus, int slot);

/*
 * The end of a test's QEMU: frees @dev (may be NULL) and @bus (from
 * qpci_new_pc), then quits @qts.
 */
void mdev_qtest_close(QTestState *qts, QPCIBus *bus, QPCIDevice *dev);

/*
 * BAR @bar of @dev where its config space says it is, without assigning it
 * again: on a migration's destination, where the source's guest put it.
 * I/O or memory, a 64-bit one with its upper half.
 */
QPCIBar mdev_qtest_bar_as_configured(QPCIDevice *dev, int bar);

/* The virtio PCI configuration access capability of @dev (cfg_type 5). */
uint8_t mdev_qtest_virtio_pci_cfg_cap(QPCIDevice *dev);

#endif
