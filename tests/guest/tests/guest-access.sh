#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark body (bench/guest-access), not a test of the suite: times single
# register accesses to QEMU's native device and to the mdev in the same boot
# (tests/guest/progs/iobench.c). No display driver is loaded: the MMIO BARs
# are mapped through sysfs, with memory decoding enabled by hand.
#
# Parameters (kernel command line):
#   ga_fns=SERIAL,MTTY,BOCHS,MBOCHS   the four PCI functions (0000:00:10.0 ...)
#   ga_rounds=R  ga_n=N               paired rounds, accesses per try
#   ga_mtty_id=VVVV:DDDD              the second serial's ids (an A/A run: 1b36:0002)
#   ga_serial_id=VVVV:DDDD            the first serial's ids (bench/vfio-user-access:
#                                     mdev-mtty in-process, 4348:3253)
. /lib/mdev/guest-lib.sh

set -- $(echo "$ga_fns" | tr ',' ' ')
[ $# = 4 ] || { fail "ga_fns needs four functions, got '$ga_fns'"; finish; exit; }
serial=$1 mtty=$2 bochs=$3 mbochs=$4

expect() {
    [ "$(pci_id "$1")" = "$2" ] || fail "$1 is $(pci_id "$1"), expected $2"
}
expect "$serial" "${ga_serial_id:-1b36:0002}"
expect "$mtty" "${ga_mtty_id:-4348:3253}"
expect "$bochs" 1234:1111
expect "$mbochs" 1234:1111

# First I/O BAR's start: "N 0xSTART 0xEND".
io_base() { pci_io_bars "$1" | awk 'NR == 1 { print $2 }'; }
pio_native=$(io_base "$serial")
pio_mdev=$(io_base "$mtty")
[ -n "$pio_native" ] && [ -n "$pio_mdev" ] || fail "no I/O BAR on $serial or $mtty"
for fn in "$bochs" "$mbochs"; do
    echo 1 >"/sys/bus/pci/devices/$fn/enable" || fail "cannot enable $fn"
done
[ "$failures" = 0 ] || { finish; exit; }
ok "pci-serial $serial at $pio_native, mdev-mtty $mtty at $pio_mdev," \
   "bochs-display $bochs, mdev-mbochs $mbochs"
iobench "${ga_rounds:-200}" "${ga_n:-2000}" "$pio_native" "$pio_mdev" \
    "/sys/bus/pci/devices/$bochs/resource2" "/sys/bus/pci/devices/$mbochs/resource2" ||
    fail "iobench failed"
finish
