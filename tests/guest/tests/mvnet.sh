#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: mdev-mvnet (class=virtio) as a virtio-net device bound by
# virtio_pci + virtio_net, its station address and link, and frames looping
# back through it.
#
# Parameters (kernel command line):
#   mvnet_mac=XX:XX:...   the address the device must show (the mac= given)
#   mvnet_frames=N        frames per size (default 200)
#
# modules: virtio_pci virtio_net
. /lib/mdev/guest-lib.sh

mac=${mvnet_mac:-52:54:00:12:34:56}
frames=${mvnet_frames:-200}

fns=$(pci_functions 1af4:1041)
set -- $fns
[ $# = 1 ] || fail "want one virtio-net PCI function (1af4:1041), found: $fns"
fn=$1
drv=$(pci_driver "$fn")
[ "$drv" = virtio-pci ] && ok "$fn bound by virtio-pci" || fail "$fn bound by '$drv', want virtio-pci"

iface=
for v in /sys/bus/pci/devices/$fn/virtio*; do
    [ -d "$v" ] || continue
    d=$(readlink "$v/driver"); d=${d##*/}
    [ "$d" = virtio_net ] && ok "${v##*/} bound by virtio_net" || fail "${v##*/} bound by '$d', want virtio_net"
    for n in "$v"/net/*; do [ -d "$n" ] && iface=${n##*/}; done
done
[ -n "$iface" ] || { fail "no network interface on $fn"; finish; exit; }

have=$(cat /sys/class/net/$iface/address)
[ "$have" = "$mac" ] && ok "$iface address $have (from the config space)" || fail "$iface address $have, want $mac"
# addr_assign_type 0: permanent (read from the device), 1: random.
t=$(cat /sys/class/net/$iface/addr_assign_type)
[ "$t" = 0 ] && ok "$iface address is the device's (addr_assign_type 0)" || fail "$iface addr_assign_type $t, want 0"

ip link set "$iface" up
carrier=$(cat /sys/class/net/$iface/carrier 2>/dev/null)
[ "$carrier" = 1 ] && ok "$iface carrier up (VIRTIO_NET_S_LINK_UP)" || fail "$iface carrier '$carrier', want 1"

for size in 60 1514; do
    if out=$(netloop "$iface" "$frames" $size 2>&1); then ok "$out"
    else fail "frames of $size bytes:"; echo "$out" | sed 's/^/    /'; fi
done
rxp=$(cat /sys/class/net/$iface/statistics/rx_packets)
[ "$rxp" -ge $((2 * frames)) ] && ok "$iface rx_packets $rxp" || fail "$iface rx_packets $rxp, want >= $((2 * frames))"
check_kernel_log
finish
