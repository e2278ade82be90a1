#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: mdev-mvnet,class=virtio through the virtio frontend, driven by
# Linux's own virtio_pci (modern) and virtio_net.
# modules: virtio_pci virtio_net
#
# Parameters (kernel command line):
#   vnet_mac=xx:xx:...   the station address the device was given
#   vnet_irq=msix|intx   how the queues interrupt: per-queue MSI-X vectors
#                        (default), or INTx + ISR (boot with pci=nomsi)
#   vnet_access_platform=0|1  whether VIRTIO_F_ACCESS_PLATFORM (feature bit
#                        33) must be negotiated (default: not checked)
#   iommu_domain=TYPE    the function is behind the guest's IOMMU in a domain
#                        of TYPE (intel_iommu=on iommu.strict=1: DMA)
#
# Checks: function 1af4:1041 class 020000 bound by virtio-pci; its virtio
# device negotiated VERSION_1 and is bound by virtio_net; the netdev has the
# given address, from the device, and carrier up; ARP requests sent on it
# come back (the device loops every frame), so received frames match
# transmitted ones; 200 raw frames of 60 and of 1514 bytes come back byte for
# byte and in order (netloop); the queues' MSI-X
# vectors (or the shared INTx line) counted interrupts; nothing bad in dmesg.
. /lib/mdev/guest-lib.sh

mac=${vnet_mac:-52:54:00:12:34:56}
irq=${vnet_irq:-msix}

fns=$(pci_functions 1af4:1041)
[ -n "$fns" ] || fail "no PCI function 1af4:1041 (all: $(for f in $(pci_functions); do printf '%s=%s ' $f $(pci_id $f); done))"

for fn in $fns; do
    drv=$(pci_driver "$fn")
    [ "$drv" = virtio-pci ] && ok "$fn bound by virtio-pci" || fail "$fn bound by '$drv', want virtio-pci"
    cls=$(pci_class "$fn")
    [ "$cls" = 020000 ] && ok "$fn class $cls" || fail "$fn class $cls, want 020000"

    vdev=$(ls -d /sys/bus/pci/devices/$fn/virtio* 2>/dev/null | head -n 1)
    [ -n "$vdev" ] || { fail "$fn has no virtio device"; continue; }
    vname=${vdev##*/}
    vdrv=$(readlink "$vdev/driver" 2>/dev/null); vdrv=${vdrv##*/}
    [ "$vdrv" = virtio_net ] && ok "$vname bound by virtio_net" || fail "$vname bound by '$vdrv', want virtio_net"
    feat=$(cat "$vdev/features")
    # features: one character per bit, bit 0 first; bit 32 is VERSION_1.
    v1=$(echo "$feat" | cut -c33)
    [ "$v1" = 1 ] && ok "$vname negotiated VERSION_1 (features $feat)" || fail "$vname features $feat lack VERSION_1"
    if [ -n "$vnet_access_platform" ]; then
        ap=$(echo "$feat" | cut -c34)
        [ "$ap" = "$vnet_access_platform" ] &&
            ok "$vname ACCESS_PLATFORM negotiated: $ap" ||
            fail "$vname ACCESS_PLATFORM negotiated: '$ap', want $vnet_access_platform"
    fi
    [ -z "$iommu_domain" ] || check_iommu_domain "$fn" "$iommu_domain"

    net=$(ls "$vdev/net" 2>/dev/null | head -n 1)
    [ -n "$net" ] || { fail "$vname has no netdev"; continue; }
    addr=$(cat "/sys/class/net/$net/address")
    [ "$addr" = "$mac" ] && ok "$net address $addr" || fail "$net address $addr, want $mac"

    ip link set "$net" up
    ip addr add 10.99.0.1/24 dev "$net"
    st=/sys/class/net/$net/statistics
    # The two counters move apart, each with its own lag: virtio_net adds a
    # sent frame to tx_packets when it reclaims the buffer (TX completion),
    # and its looped copy to rx_packets when RX NAPI takes it; and the
    # kernel sends frames of its own at any time once the link is up (IPv6
    # DAD, MLD, router solicitations). A single read of each, as this check
    # once did, raced a frame in flight (seen under heavy load: one more on
    # one side), at the baseline as well as after arping. Every frame this
    # netdev sends comes back (the device loops them all), so the totals
    # agree whenever nothing is in flight: wait for that, 60 s at most.
    # settle MIN: until tx_packets == rx_packets (tx read on both sides of
    # rx) and tx_packets >= MIN; sets tx and rx; false on timeout.
    settle() {
        local i=0
        while :; do
            tx=$(cat $st/tx_packets); rx=$(cat $st/rx_packets)
            [ "$rx" = "$tx" ] && [ "$(cat $st/tx_packets)" = "$tx" ] && [ "$tx" -ge "$1" ] && return 0
            [ $i -ge 600 ] && return 1
            sleep 0.1; i=$((i + 1))
        done
    }
    settle 0 || fail "$net: before arping, tx_packets $tx and rx_packets $rx never agreed within 60 s"
    tx0=$tx; rx0=$rx
    arping -c 5 -w 3 -I "$net" 10.99.0.2 >/dev/null 2>&1
    settle $((tx0 + 5))
    tx=$((tx - tx0)); rx=$((rx - rx0))
    if [ "$tx" -ge 5 ] && [ "$rx" = "$tx" ]; then ok "$net: $tx frames sent, $rx came back"
    else fail "$net: $tx frames sent (want >= 5), $rx came back (want $tx; waited 60 s for them)"; fi
    # Byte for byte, in order, small and full-size frames (netloop: raw
    # frames to our own address, each must come back unchanged).
    for size in 60 1514; do
        if out=$(netloop "$net" 200 $size 2>&1); then ok "$out"
        else fail "$net: frames of $size bytes:"; echo "$out" | sed 's/^/    /'; fi
    done
    # The address is the device's (read from config, F_MAC), the link is
    # up (F_STATUS, VIRTIO_NET_S_LINK_UP).
    t=$(cat /sys/class/net/$net/addr_assign_type)
    [ "$t" = 0 ] && ok "$net address from the device (addr_assign_type 0)" || fail "$net addr_assign_type $t, want 0 (permanent)"
    c=$(cat /sys/class/net/$net/carrier)
    [ "$c" = 1 ] && ok "$net carrier up" || fail "$net carrier '$c', want 1"
    for c in rx_errors tx_errors rx_dropped tx_dropped; do
        v=$(cat $st/$c)
        [ "$v" = 0 ] || fail "$net $c = $v"
    done

    # Sum of the per-CPU counts of /proc/interrupts lines matching $1.
    irq_count() {
        grep -E "$1" /proc/interrupts |
            awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }'
    }
    grep "$vname" /proc/interrupts
    if [ "$irq" = msix ]; then
        n=$(irq_count "PCI-MSI.*$vname-input")
        [ "$n" -gt 0 ] && ok "$vname-input.0 (MSI-X) counted $n interrupts" || fail "no MSI-X interrupts on $vname-input.0"
    else
        n=$(irq_count "IO-APIC.*$vname\$")
        [ "$n" -gt 0 ] && ok "$vname on INTx counted $n interrupts" || fail "no INTx interrupts on $vname"
        grep -q "PCI-MSI.*$vname" /proc/interrupts && fail "$vname uses MSI although booted with pci=nomsi"
    fi
done

check_kernel_log
finish
