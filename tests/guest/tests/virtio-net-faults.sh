#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: Linux's virtio_net meeting mdev-mvnet's injected faults
# (docs/fault-injection.md). The host (tests/guest/run, vnet_fault_host)
# arms each fault over QMP when the guest asks; the guest checks what the
# driver and the network stack make of it.
# modules: virtio_pci virtio_net
#
# Checks, in order, each beginning on the unfaulted device:
#  - unfaulted: 20 raw frames (netloop, EtherType 0x88b5) all come back
#    unchanged; a ping to 10.99.0.2 (a static ARP entry naming our own
#    address, so the ICMP echo request loops back to us) raises neither
#    Ip InHdrErrors (/proc/net/snmp) nor IpExt InCsumErrors
#    (/proc/net/netstat);
#  - link-down: virtio_net turns the carrier off (/sys/class/net/IF/carrier
#    0, `ip link` shows NO-CARRIER); cleared, the carrier comes back and
#    frames loop again;
#  - drop-frame (count 1, skip 2, EtherType 0x88b5): of 10 frames exactly
#    one is lost, the third (seq 2), none changed;
#  - corrupt-frame (count 1, skip 1, EtherType 0x88b5, offset 30): of 10
#    frames exactly one comes back changed, the second (seq 1), at byte 30,
#    every bit flipped (0x55 -> 0xaa);
#  - corrupt-frame on IPv4 (EtherType 0x0800, offset 22 = the TTL, mask 1):
#    the looped echo request fails the IP header checksum: Ip InHdrErrors
#    and IpExt InCsumErrors each rise by exactly one;
#  - the host reads each fault's fire count (query-mdev-faults).
. /lib/mdev/guest-lib.sh

# The value of counter $3 of the "$2" lines of $1 (a header line of names,
# then a line of values: /proc/net/snmp, /proc/net/netstat).
counter() {
    awk -v p="$2" -v f="$3" '$1 == p {
        if (!h) { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1 }
        else { print (c ? $c : "none"); exit } }' "$1"
}

# Waits up to 30 s for /sys/class/net/$net/carrier to read $1.
wait_carrier() {
    local i=0
    while [ "$(cat /sys/class/net/$net/carrier 2>/dev/null)" != "$1" ] && [ $i -lt 300 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ "$(cat /sys/class/net/$net/carrier 2>/dev/null)" = "$1" ]
}

# netloop's tally of $1 frames of 60 bytes must read $2.
tally() {
    local out
    out=$(netloop "$net" "$1" 60 tally 2>&1)
    case $out in
    *": $2") ok "$3: $out" ;;
    *) fail "$3: $out; want '$2'" ;;
    esac
}

fn=$(pci_functions 1af4:1041 | head -n 1)
[ -n "$fn" ] || { fail "no PCI function 1af4:1041"; finish; exit; }
vdev=$(ls -d /sys/bus/pci/devices/$fn/virtio* 2>/dev/null | head -n 1)
net=$(ls "$vdev/net" 2>/dev/null | head -n 1)
[ -n "$net" ] || { fail "$fn has no netdev"; finish; exit; }
ok "$fn: virtio_net netdev $net"
mac=$(cat /sys/class/net/$net/address)
ip link set "$net" up
ip addr add 10.99.0.1/24 dev "$net"
arp -i "$net" -s 10.99.0.2 "$mac"
wait_carrier 1 && ok "$net carrier up" || fail "$net carrier $(cat /sys/class/net/$net/carrier)"

# ---- unfaulted ----
tally 20 "20 back, 0 lost, 0 changed, 0 late" "unfaulted"
hdr0=$(counter /proc/net/snmp Ip: InHdrErrors)
csum0=$(counter /proc/net/netstat IpExt: InCsumErrors)
ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1
hdr1=$(counter /proc/net/snmp Ip: InHdrErrors)
csum1=$(counter /proc/net/netstat IpExt: InCsumErrors)
[ "$hdr1" = "$hdr0" ] && [ "$csum1" = "$csum0" ] &&
    ok "unfaulted: the looped echo request passes the IP checks (InHdrErrors $hdr1, InCsumErrors $csum1)" ||
    fail "unfaulted: InHdrErrors $hdr0 -> $hdr1, InCsumErrors $csum0 -> $csum1"

# ---- link-down ----
ask FAULT-LINK-DOWN
wait_carrier 0 && ok "link-down: $net carrier 0" ||
    fail "link-down: $net carrier $(cat /sys/class/net/$net/carrier) after 30 s, want 0"
link=$(ip link show "$net")
case $link in
*NO-CARRIER*) ok "link-down: ip link shows NO-CARRIER" ;;
*) fail "link-down: ip link shows: $link" ;;
esac
ask FAULT-LINK-UP
wait_carrier 1 && ok "cleared: $net carrier 1" ||
    fail "cleared: $net carrier $(cat /sys/class/net/$net/carrier) after 30 s, want 1"
link=$(ip link show "$net")
case $link in
*NO-CARRIER*) fail "cleared: ip link still shows NO-CARRIER: $link" ;;
*) ok "cleared: ip link shows no NO-CARRIER" ;;
esac
tally 20 "20 back, 0 lost, 0 changed, 0 late" "after link-down cleared"

# ---- drop-frame ----
ask FAULT-DROP-FRAME
tally 10 "9 back, 1 lost (seq 2), 0 changed, 0 late" "drop-frame"

# ---- corrupt-frame ----
ask FAULT-CORRUPT-FRAME
tally 10 "9 back, 0 lost, 1 changed (seq 1 byte 30: 0x55 -> 0xaa), 0 late" "corrupt-frame"

# ---- corrupt-frame on an IPv4 header ----
ask FAULT-CORRUPT-IP
hdr0=$(counter /proc/net/snmp Ip: InHdrErrors)
csum0=$(counter /proc/net/netstat IpExt: InCsumErrors)
ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1
hdr1=$(counter /proc/net/snmp Ip: InHdrErrors)
csum1=$(counter /proc/net/netstat IpExt: InCsumErrors)
[ "$((hdr1 - hdr0))" = 1 ] && ok "corrupt-frame (IPv4 TTL): Ip InHdrErrors $hdr0 -> $hdr1" ||
    fail "corrupt-frame (IPv4 TTL): Ip InHdrErrors $hdr0 -> $hdr1, want +1"
[ "$((csum1 - csum0))" = 1 ] && ok "corrupt-frame (IPv4 TTL): IpExt InCsumErrors $csum0 -> $csum1" ||
    fail "corrupt-frame (IPv4 TTL): IpExt InCsumErrors $csum0 -> $csum1, want +1"
tally 10 "10 back, 0 lost, 0 changed, 0 late" "after the faults"

ask FAULT-FIRED
check_kernel_log
finish
