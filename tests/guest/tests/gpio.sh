#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: an mdev-gpio (ACCES PCI-IDIO-16, 494f:0dc8) bound by Linux's
# own gpio-pci-idio-16, used through the GPIO character device: outputs set
# and read back on the inputs (the device wires output n to input n), and
# edge events of an input as its output toggles (gpioloop, progs/gpioloop.c).
# modules: gpio-pci-idio-16
# Parameters: gpio_faults=1 also checks the stuck-input fault, which the
# case's host side arms over QMP when asked (tests/guest/run's gpio case).
#
# Checks: the function exists with class ff0000, the driver "pci-idio-16" is
# bound to it, its gpiochip (label = the function's name) has 32 lines;
# gpioloop's checks pass; the card's interrupt counted those edges; nothing
# bad in the kernel log; with input 5 stuck high by the host
# (stuck-input, docs/fault-injection.md), the character device reads it
# high while its output is off, the other inputs still follow, and once
# cleared input 5 follows again.
. /lib/mdev/guest-lib.sh

# The inputs as gpioloop --get prints them ("inputs 0xVVVV") after OUT0-15
# were set to $1.
inputs_with() {
    gpioloop --set "/dev/$chip" "$1" >/dev/null || fail "gpioloop --set $1"
    gpioloop --get "/dev/$chip" | sed -n 's/^inputs //p'
}

fns=$(pci_functions 494f:0dc8)
[ -n "$fns" ] || fail "no PCI function 494f:0dc8"
for fn in $fns; do
    [ "$(pci_class "$fn")" = ff0000 ] && ok "$fn class ff0000" ||
        fail "$fn class $(pci_class "$fn"), want ff0000"
    drv=$(pci_driver "$fn")
    [ "$drv" = pci-idio-16 ] && ok "$fn bound by pci-idio-16" ||
        { fail "$fn bound by '$drv', want pci-idio-16"; continue; }
    pci_io_bars "$fn" | while read -r n start end; do
        echo "$fn: BAR$n I/O $start-$end"
    done

    chip=
    for c in /sys/bus/pci/devices/"$fn"/gpiochip*; do
        [ -e "$c" ] && chip=${c##*/}
    done
    [ -n "$chip" ] || { fail "$fn has no gpiochip"; continue; }
    [ -c "/dev/$chip" ] || { fail "no /dev/$chip"; continue; }
    ok "$fn: /dev/$chip"

    irq=$(pci_irq "$fn")
    before=$(awk -v n="$irq:" '$1 == n { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts)
    gpioloop "/dev/$chip" 3; rc=$?
    [ $rc = 0 ] && ok "gpioloop: outputs loop back, edge events arrive" ||
        fail "gpioloop status $rc"
    after=$(awk -v n="$irq:" '$1 == n { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts)
    grep "^ *$irq:" /proc/interrupts
    [ "${after:-0}" -ge $((${before:-0} + 3)) ] &&
        ok "IRQ $irq: $((after - ${before:-0})) interrupts for the 3 edges" ||
        fail "IRQ $irq: ${before:-?} -> ${after:-?} interrupts, want 3 more"

    # gpio_faults=1: the case's host side arms stuck-input over QMP
    # (tests/guest/run's gpio case; the vfio-user runner has no monitor).
    if [ "${gpio_faults:-0}" = 1 ]; then
        ask FAULT-STUCK-INPUT
        got=$(inputs_with 0x0000)
        [ "$got" = 0x0020 ] && ok "stuck-input: outputs off, the inputs read $got (input 5 stuck high)" ||
            fail "stuck-input: outputs off, the inputs read '$got', want 0x0020"
        got=$(inputs_with 0x8001)
        [ "$got" = 0x8021 ] && ok "stuck-input: outputs 0x8001, the inputs read $got" ||
            fail "stuck-input: outputs 0x8001, the inputs read '$got', want 0x8021"
        ask FAULT-CLEAR
        got=$(inputs_with 0x0000)
        [ "$got" = 0x0000 ] && ok "cleared: outputs off, the inputs read $got" ||
            fail "cleared: outputs off, the inputs read '$got', want 0x0000"
    fi
done
check_kernel_log
finish
