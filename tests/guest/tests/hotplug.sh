#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: an mdev created and removed by UUID while the guest runs, as
# on sysfs. The guest boots with an empty pcie-root-port (native PCIe
# hotplug: pciehp); the host (tests/guest/run, hotplug_host) does a QMP
# device_add of an mdev-mtty with a UUID into it, and later mdev-remove of
# that UUID, checking query-mdevs and the budget each time.
#
# Checks: after the add, a WCH CH352 function (4348:3253, mdev-mtty) appears
# behind the root port, 8250_pci binds it and gives it a 16550A ttyS that
# loops bytes; after the removal (the host saw DEVICE_DELETED) the function
# and its ttyS are gone; nothing bad in the kernel log.
. /lib/mdev/guest-lib.sh

ids=4348:3253
[ -z "$(pci_functions $ids)" ] || fail "an mdev-mtty function exists before the hot-add"

echo "=== MDEV-HOST-HOTPLUG-ADD ==="
read -r answer
case $answer in
host-ok*) ok "host: ${answer#host-ok }" ;;
*) fail "host: $answer" ;;
esac

# pciehp enumerates the slot on the presence-detect interrupt.
fn=
i=0
while [ $i -lt 100 ]; do
    fn=$(pci_functions $ids)
    [ -n "$fn" ] && [ "$(pci_driver "$fn")" = serial ] && break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$fn" ]; then
    fail "no function $ids 10 s after the hot-add"
else
    ok "$fn $(pci_id "$fn") appeared after the hot-add"
    parent=$(readlink "/sys/bus/pci/devices/$fn" | awk -F/ '{ print $(NF-1) }')
    echo "$fn is behind $parent"
    [ "$(pci_driver "$fn")" = serial ] && ok "$fn bound by driver serial (8250_pci)" ||
        fail "$fn bound by '$(pci_driver "$fn")', want serial"
    tty=$(ttys_of "$fn")
    if [ -n "$tty" ]; then
        t=$(uart_name "$(tty_type "$tty")")
        [ "$t" = 16550A ] && ok "$tty is a 16550A" || fail "$tty is a '$t', want 16550A"
        if out=$(ttyloop --bytes 4096 --seed 7 "/dev/$tty" 2>&1); then ok "$out"
        else fail "ttyloop $tty: $out"; fi
    else
        fail "$fn has no ttyS"
    fi
fi

echo "=== MDEV-HOST-HOTPLUG-DEL ==="
read -r answer
case $answer in
host-ok*) ok "host: ${answer#host-ok }" ;;
*) fail "host: $answer" ;;
esac
[ -z "$(pci_functions $ids)" ] && ok "the function is gone after mdev-remove" ||
    fail "function $(pci_functions $ids) still there after mdev-remove"
[ -z "$fn" ] || [ -z "$(ttys_of "$fn")" ] || fail "a ttyS of $fn is still there"

check_kernel_log
finish
