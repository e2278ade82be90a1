#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: an mdev-epf-test's MSI-X table and PBA where pci-epf-test
# puts them (the table at BAR0 + 0x80, sharing its first page with the
# registers, the PBA right after it), driven by the guest CPU on every page
# they cover (progs/msixcheck.c): entries written and read back, a masked
# vector pending in the PBA, delivered on unmask into a second epf-test's
# BAR3. pci_endpoint_test is not loaded: msixcheck is the driver.
#
# Parameters (kernel command line): msix_fn, msix_sink (PCI functions).
# Checks: msixcheck's; nothing bad in the kernel log.
. /lib/mdev/guest-lib.sh

for fn in "$msix_fn" "$msix_sink"; do
    [ "$(pci_id "$fn")" = 104c:b500 ] && ok "$fn is an epf-test (104c:b500)" ||
        fail "$fn is '$(pci_id "$fn" 2>/dev/null)', want 104c:b500"
    drv=$(pci_driver "$fn")
    [ "$drv" = - ] && ok "$fn has no driver" || fail "$fn bound by '$drv'"
done
if [ "$failures" = 0 ]; then
    msixcheck "$msix_fn" "$msix_sink" && ok "msixcheck: every table page, the PBA, mask/unmask" ||
        fail "msixcheck status $?"
fi
check_kernel_log
finish
