#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: mdev-mtty with class=virtio, a multiport virtio-console bound by
# virtio_pci + virtio_console: one port per UART port of its type, named by
# the device (mtty.N), each looping back what is written to it.
#
# Parameters (kernel command line):
#   vport_ports=N   ports the device has (mtty-1: 1, mtty-2: 2; default 2)
#   vport_bytes=N   bytes per bulk transfer (default 65536)
#
# modules: virtio_pci virtio_console
. /lib/mdev/guest-lib.sh

nports=${vport_ports:-2}
bytes=${vport_bytes:-65536}

fns=$(pci_functions 1af4:1043)
set -- $fns
[ $# = 1 ] || fail "want one virtio-console PCI function (1af4:1043), found: $fns"
fn=$1
drv=$(pci_driver "$fn")
[ "$drv" = virtio-pci ] && ok "$fn bound by virtio-pci" || fail "$fn bound by '$drv', want virtio-pci"
for v in /sys/bus/pci/devices/$fn/virtio*; do
    d=$(readlink "$v/driver"); d=${d##*/}
    [ "$d" = virtio_console ] && ok "${v##*/} bound by virtio_console" || fail "${v##*/} bound by '$d', want virtio_console"
done

# Ports appear as the driver handles DEVICE_ADD; give the control queue a moment.
i=0
while [ $(ls /sys/class/virtio-ports 2>/dev/null | wc -l) -lt "$nports" ] && [ $i -lt 50 ]; do
    sleep 0.1; i=$((i + 1))
done
ports=$(ls /sys/class/virtio-ports 2>/dev/null)
n=$(echo $ports | wc -w)
[ "$n" = "$nports" ] && ok "$n ports: $(echo $ports)" || fail "$n ports ($(echo $ports)), want $nports"

seed=1
for p in $ports; do
    name=$(cat /sys/class/virtio-ports/$p/name 2>/dev/null)
    num=${p##*p}
    [ "$name" = "mtty.$num" ] && ok "$p named $name" || fail "$p named '$name', want mtty.$num"
    [ -c /dev/$p ] || { fail "no /dev/$p"; continue; }
    seed=$((seed + 1))
    if out=$(ttyloop --line "hello through $p" "/dev/$p" 2>&1); then ok "$out"
    else fail "short line on $p:"; echo "$out" | sed 's/^/    /'; continue; fi
    if out=$(ttyloop --bytes "$bytes" --seed $seed "/dev/$p" 2>&1); then ok "$out"
    else fail "$bytes bytes on $p:"; echo "$out" | sed 's/^/    /'; fi
done
check_kernel_log
finish
