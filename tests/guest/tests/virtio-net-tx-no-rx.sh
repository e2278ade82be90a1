#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: a transmit with no receive buffer posted. Linux's virtio_net
# always keeps its receive queue filled, so a user-space driver does it
# (vnetraw, progs/vnetraw.c): every transmitted chain must come back in the
# used ring although the frame cannot be received (virtio 1.x: the device
# may drop it, never hold it). mdev-mvnet used to hold such a chain until a
# receive buffer appeared, which wedged the transmit queue; QEMU's own
# virtio-net-pci (case baseline-virtio-net-tx-no-rx) completes it.
# No modules: the function stays unbound, for vnetraw to drive.
#
# Checks: a 1af4:1041 function exists and has no driver; vnetraw's checks
# pass on it; nothing bad in the kernel log.
. /lib/mdev/guest-lib.sh

fns=$(pci_functions 1af4:1041)
[ -n "$fns" ] || fail "no PCI function 1af4:1041"
for fn in $fns; do
    [ "$(pci_driver "$fn")" = - ] && ok "$fn has no driver" ||
        { fail "$fn is bound to $(pci_driver "$fn")"; continue; }
    vnetraw "$fn" || fail "vnetraw $fn"
done
check_kernel_log
finish
