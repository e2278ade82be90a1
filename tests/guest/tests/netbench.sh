#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark body (bench/mvnet-loopback), not a test of the suite: runs the
# netbench program on the one virtio-net interface, whose frames come back
# (mdev-mvnet loops them; virtio-net-pci is given a netdev that reflects).
# modules: virtio_pci virtio_net
#
# Parameters (kernel command line):
#   netbench_runs=COUNT:SIZE,...   one netbench run each (default 200000:64,50000:1500)
#   netbench_window=N              frames outstanding at most (default 128)
#   netbench_seconds=S             time bound of each run (default 60)
#   netbench_perf=1                wait 3 s before sending, for the host to
#                                  attach perf to QEMU (it starts on the "ok:" line),
#                                  then print "netbench: starting"
#
# Fails only when no interface is found or netbench fails (nothing reflects).
. /lib/mdev/guest-lib.sh

runs=${netbench_runs:-200000:64,50000:1500}
window=${netbench_window:-128}
seconds=${netbench_seconds:-60}

iface=
for n in /sys/class/net/*; do
    [ "${n##*/}" = lo ] || iface=${n##*/}
done
[ -n "$iface" ] || { fail "no network interface"; finish; exit; }
ip link set "$iface" up
# Nothing else should send on it while we measure (IPv6 DAD, router solicitations).
echo 1 >/proc/sys/net/ipv6/conf/"$iface"/disable_ipv6 2>/dev/null
ok "$iface: $(cat /sys/class/net/$iface/address), driver $(basename "$(readlink /sys/class/net/$iface/device/driver)")"

# Interrupts the guest took from the device's queues (all CPUs).
virtio_irqs() {
    grep -E 'virtio[0-9]+-(input|output)|virtio[0-9]+$' /proc/interrupts |
        awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }'
}

if [ "${netbench_perf:-0}" = 1 ]; then
    sleep 3
    # The host reads its threads' CPU times from here to netbench's line.
    echo "netbench: starting"
fi
for r in $(echo "$runs" | tr ',' ' '); do
    i0=$(virtio_irqs)
    if out=$(netbench "$iface" "${r%%:*}" "${r##*:}" "$window" "$seconds" 2>&1); then
        echo "$out interrupts $(( $(virtio_irqs) - i0 ))"
    else fail "netbench $iface $r: $out"; fi
done
finish
