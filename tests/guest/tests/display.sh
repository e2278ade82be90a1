#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: a bochs display function (mdev-mbochs, or QEMU's bochs-display
# as a baseline) bound by Linux's bochs-drm, which reads the EDID, sets a mode
# and gives /dev/fb0 (fbdev emulation); fbdraw then fills the screen with a
# pattern that the host checks in a screendump (tests/guest/run with
# screendump.py: taken when this script prints the HOST-SCREENDUMP marker,
# answered with one line on the console).
#
# Parameters (kernel command line, arrive as variables):
#   display_ids=VVVV:DDDD  the function under test (default 1234:1111)
#   display_mode=W,H       the mode fbdev must come up in (the EDID's
#                          preferred mode); unset: not checked
#   display_bench=MIB      also time writing MIB MiB to /dev/fb0 and to the
#                          mmapped BAR0 (bench/)
#   display_screen=1       the host takes a screendump: wait for its answer
#
# modules: bochs
. /lib/mdev/guest-lib.sh

ids=${display_ids:-1234:1111}
mode=${display_mode:-}

fns=$(pci_functions "$ids")
echo "functions $ids: $(echo $fns)"
[ -n "$fns" ] || fail "no PCI function $ids"
for fn in $fns; do
    drv=$(pci_driver "$fn")
    [ "$drv" = bochs-drm ] && ok "$fn bound by bochs-drm" || fail "$fn driver is $drv, not bochs-drm"
done

fb=/sys/class/graphics/fb0
if [ -e "$fb" ]; then
    name=$(cat $fb/name)
    size=$(cat $fb/virtual_size)
    echo "fb0: $name, virtual size $size, $(cat $fb/bits_per_pixel) bpp"
    case $name in
    bochs*) ok "fb0 is bochs-drm's ($name)" ;;
    *) fail "fb0 is '$name', not bochs-drm's" ;;
    esac
    if [ -n "$mode" ]; then
        [ "$size" = "$mode" ] && ok "fbdev mode $mode (EDID preferred)" ||
            fail "fb0 virtual size $size, want $mode"
    fi
else
    fail "no /dev/fb0"
fi
dmesg | grep -iE 'bochs|\[drm\]' | sed 's/^/dmesg: /' | tail -n 8

# Take fbcon off the framebuffer so that no console text or cursor covers
# the pattern.
for vt in /sys/class/vtconsole/vtcon*; do
    grep -q 'frame buffer' "$vt/name" && echo 0 >"$vt/bind"
done

if [ -e /dev/fb0 ]; then
    fbdraw pattern || fail "fbdraw pattern"
    if [ -n "$display_bench" ]; then
        for fn in $fns; do
            fbdraw bench "$display_bench" || fail "fbdraw bench"
            fbdraw bench "$display_bench" "/sys/bus/pci/devices/$fn/resource0" ||
                fail "fbdraw bench BAR0"
        done
        fbdraw pattern >/dev/null
    fi
fi
if [ -n "$display_screen" ]; then
    # The host checks the screen now; its answer is one line on the console.
    echo "=== MDEV-HOST-SCREENDUMP ==="
    read -r answer
    case $answer in
    host-ok*) ok "host: ${answer#host-ok }" ;;
    *) fail "host: $answer" ;;
    esac
fi
finish
