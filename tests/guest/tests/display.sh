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
#   display_preferred=WxH  the mode DRM flags preferred on the connector
#                          (as modetest shows it): from DRM's own KMS debug
#                          report of a re-probe, and first in sysfs' list
#   display_modes=WxH,...  every mode the connector keeps (after bochs-drm
#                          pruned those its video memory cannot take), as
#                          a set; display_largest=WxH the largest of them
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

# The connector's modes as DRM keeps them. sysfs lists them sorted, the
# preferred one first if there is one; which one DRM flags preferred comes
# from its own report (drm.debug KMS bit) of a re-probe that writing
# "detect" to the connector's status starts: each kept mode as
# 'Modeline "WxH": vrefresh clock h... v... type flags', the type's bit 3
# (DRM_MODE_TYPE_PREFERRED) being what modetest prints as "preferred".
check_modes() {
    local conn modes prefs first largest want got n bar0 start end flags w h
    conn=$(ls -d /sys/class/drm/card*-* 2>/dev/null | head -n 1)
    [ -n "$conn" ] || { fail "no DRM connector in /sys/class/drm"; return; }
    modes=$(cat "$conn/modes")
    first=$(echo "$modes" | head -n 1)
    echo "connector ${conn##*/}: $(echo "$modes" | wc -l) modes: $(echo $modes)"
    # Video memory: BAR0 of the function, the memory bochs-drm manages.
    read -r start end flags <"/sys/bus/pci/devices/$1/resource"
    bar0=$((end - start + 1))
    echo "video memory (BAR0): $((bar0 >> 20)) MiB; bochs-drm keeps a mode if W*H*4 <= $((bar0 / 2))"

    echo 0x04 >/sys/module/drm/parameters/debug
    echo detect >"$conn/status"
    echo 0 >/sys/module/drm/parameters/debug
    # Only the report of the last probe: after its "probed modes" line.
    prefs=$(dmesg | awk '/probed modes/ { n = 0; delete p; inp = 1; next }
        inp && /Modeline/ { if (and($(NF-1) + 0, 8)) { m = $0; sub(/.*Modeline "/, "", m);
            sub(/".*/, "", m); p[n++] = m } next }
        inp { inp = 0 }
        END { for (i = 0; i < n; i++) print p[i] }' | sort -u)
    dmesg | grep -E 'Not using .* mode' | sed 's/.*Not using/dmesg: pruned/' | sort -u | head -n 8
    echo "DRM preferred: ${prefs:-none}"
    if [ -n "$display_preferred" ]; then
        [ "$prefs" = "$display_preferred" ] && ok "DRM flags $display_preferred preferred" ||
            fail "DRM's preferred mode is '${prefs:-none}', want $display_preferred"
        [ "$first" = "$display_preferred" ] && ok "sysfs lists $first first" ||
            fail "sysfs lists $first first, want $display_preferred"
    fi
    largest=0x0
    for m in $modes; do
        w=${m%x*}; h=${m#*x}; h=${h%%[!0-9]*}
        [ $((w * h)) -gt $((${largest%x*} * ${largest#*x})) ] && largest=${w}x$h
        [ $((w * h * 4)) -le $((bar0 / 2)) ] || fail "$m kept although over half the video memory"
    done
    if [ -n "$display_largest" ]; then
        [ "$largest" = "$display_largest" ] && ok "largest mode $largest" ||
            fail "largest mode $largest, want $display_largest"
    fi
    if [ -n "$display_modes" ]; then
        want=$(echo "$display_modes" | tr , '\n' | sort -u)
        got=$(echo "$modes" | sort -u)
        if [ "$got" = "$want" ]; then
            ok "modes: the $(echo "$want" | wc -l) expected"
        else
            fail "modes differ from the expected set"
            echo "$want" | while read -r m; do echo "$got" | grep -qx "$m" || echo "  missing $m"; done
            echo "$got" | while read -r m; do echo "$want" | grep -qx "$m" || echo "  extra $m"; done
        fi
    fi
}
if [ -n "$display_preferred$display_modes$display_largest" ]; then
    for fn in $fns; do check_modes "$fn"; done
fi

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
