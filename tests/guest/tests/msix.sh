#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: an mdev-pcitest's MSI-X table and PBA where the command line
# put them (msix-table-offset=128: the table shares its first page with
# registers, as pci-epf-test's does), driven by the guest CPU on every page
# they cover (progs/msixcheck.c): entries written and read back, a masked
# vector pending in the PBA, delivered on unmask into a second pcitest's
# buffer. No Linux driver binds 1af4:10f0; msixcheck is the driver.
#
# Parameters (kernel command line): msix_fn, msix_sink (PCI functions).
# Checks: msixcheck's; nothing bad in the kernel log.
. /lib/mdev/guest-lib.sh

for fn in "$msix_fn" "$msix_sink"; do
    [ "$(pci_id "$fn")" = 1af4:10f0 ] && ok "$fn is a pcitest (1af4:10f0)" ||
        fail "$fn is '$(pci_id "$fn" 2>/dev/null)', want 1af4:10f0"
done
if [ "$failures" = 0 ]; then
    msixcheck "$msix_fn" "$msix_sink" && ok "msixcheck: every table page, the PBA, mask/unmask" ||
        fail "msixcheck status $?"
fi
check_kernel_log
finish
