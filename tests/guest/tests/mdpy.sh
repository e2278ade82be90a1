#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: an mdev-mdpy display seen and drawn on by the guest. No
# in-tree driver binds 1b36:000f, so mdpydraw (progs/mdpydraw.c) does what a
# driver would: reads the mode from the vendor capability, maps BAR0 and
# draws a known pattern. Then the host takes a screendump of the device's
# console and checks its pixels (tests/guest/run, screendump.py): the guest
# asks with a marker line and waits for the host's answer on the console.
#
# Parameters: mdpy_mode=WxH (the mode the type must report; default 640x480)
. /lib/mdev/guest-lib.sh

mode=${mdpy_mode:-640x480}
fns=$(pci_functions 1b36:000f)
[ -n "$fns" ] || fail "no PCI function 1b36:000f"
for fn in $fns; do
    [ "$(pci_class "$fn")" = 038000 ] && ok "$fn class 038000 (display, other)" ||
        fail "$fn class $(pci_class "$fn"), want 038000"
    drv=$(pci_driver "$fn")
    [ "$drv" = - ] && ok "$fn: no driver bound (none in-tree claims mdpy)" ||
        fail "$fn bound by '$drv'"
    res=$(cat "/sys/bus/pci/devices/$fn/resource" | head -1)
    echo "$fn: BAR0 $res"
done

out=$(mdpydraw --check 2>&1); rc=$?
echo "$out"
[ $rc = 0 ] && ok "mdpydraw drew and read back the pattern" || fail "mdpydraw status $rc"
echo "$out" | grep -q "^mdpy .* $mode format 0x34325258 cap 0x40$" &&
    ok "capability says $mode XRGB8888" || fail "capability does not say $mode XRGB8888"

# The host checks the screen now; its answer is one line on the console.
echo "=== MDEV-HOST-SCREENDUMP ==="
read -r answer
case $answer in
host-ok*) ok "host: ${answer#host-ok }" ;;
*) fail "host: $answer" ;;
esac
finish
