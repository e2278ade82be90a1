#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: mdev-mvnet's MTU (VIRTIO_NET_F_MTU) as Linux's virtio_net
# takes it. The device offers mtu 1500, the most that fits the RX buffers
# virtio_net posts without mergeable buffers (header + 1518 bytes), and the
# driver makes it the interface's max_mtu: so a larger MTU must be refused
# by `ip link` itself, where before the device accepted 9000 and then lost
# every frame above 1518 bytes.
# modules: virtio_pci virtio_net
#
# Checks: the virtio device negotiated F_MTU (bit 3); the netdev starts at
# mtu 1500; `ip link set mtu 9000` and `mtu 1501` fail and leave 1500;
# 1280 and then 1500 are accepted; 200 raw frames of 1514 bytes still come
# back byte for byte and in order (netloop); nothing bad in dmesg.
. /lib/mdev/guest-lib.sh

fns=$(pci_functions 1af4:1041)
[ -n "$fns" ] || fail "no PCI function 1af4:1041"

for fn in $fns; do
    vdev=$(ls -d /sys/bus/pci/devices/$fn/virtio* 2>/dev/null | head -n 1)
    [ -n "$vdev" ] || { fail "$fn has no virtio device"; continue; }
    vname=${vdev##*/}
    feat=$(cat "$vdev/features")
    # features: one character per bit, bit 0 first; VIRTIO_NET_F_MTU is 3.
    [ "$(echo "$feat" | cut -c4)" = 1 ] && ok "$vname negotiated F_MTU (features $feat)" ||
        fail "$vname features $feat lack F_MTU"

    net=$(ls "$vdev/net" 2>/dev/null | head -n 1)
    [ -n "$net" ] || { fail "$vname has no netdev"; continue; }
    mtu() { cat "/sys/class/net/$net/mtu"; }
    [ "$(mtu)" = 1500 ] && ok "$net starts at mtu 1500" || fail "$net mtu $(mtu), want 1500"
    ip link set "$net" up

    for big in 9000 1501; do
        if out=$(ip link set dev "$net" mtu $big 2>&1); then
            fail "$net: mtu $big accepted (now $(mtu)); the device can carry 1500 at most"
        else
            ok "$net: mtu $big refused ($out)"
        fi
        [ "$(mtu)" = 1500 ] || fail "$net mtu $(mtu) after the refused $big, want 1500"
    done
    for m in 1280 1500; do
        ip link set dev "$net" mtu $m 2>&1 && [ "$(mtu)" = $m ] && ok "$net: mtu $m accepted" ||
            fail "$net: mtu $m not accepted (mtu $(mtu))"
    done

    if out=$(netloop "$net" 200 1514 2>&1); then ok "$out"
    else fail "$net: frames of 1514 bytes:"; echo "$out" | sed 's/^/    /'; fi
done

check_kernel_log
finish
