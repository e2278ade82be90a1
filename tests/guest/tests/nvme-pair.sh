#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest benchmark script (bench/mnvme-vfio-user --paired): two NVMe
# controllers in one guest, told apart by serial, timed in alternating
# rounds so that both see the same load (the machine's, which on a shared
# host moves more between boots than between rounds). Each round times, for
# both controllers (the order alternating), dd with oflag=direct to the
# namespace and then iflag=direct from it.
# modules: nvme
#
# Parameters (kernel command line):
#   pair_a=SERIAL pair_b=SERIAL   the two controllers (nvme's sysfs serial)
#   pair_mib=MIB                  MiB per dd (default 200)
#   pair_reps=K                   dd passes per timing (default 4)
#   pair_bs=KIB                   request size (default 1024)
#   pair_rounds=R                 rounds (default 6)
# Prints "nvmepair: ROUND a|b write|read MIB MiB in S s" per timing.
. /lib/mdev/guest-lib.sh

mib=${pair_mib:-200}
reps=${pair_reps:-4}
bs_k=${pair_bs:-1024}
rounds=${pair_rounds:-6}
count=$((mib * 1024 / bs_k))

# The driver probes asynchronously: wait for both namespaces.
i=0
while [ $i -lt 300 ]; do
    [ -b /dev/nvme0n1 ] && [ -b /dev/nvme1n1 ] && break
    sleep 0.1
    i=$((i + 1))
done
dev_of() {
    local c s
    for c in /sys/class/nvme/nvme*; do
        read -r s <"$c/serial"
        [ "$s" = "$1" ] && { echo "/dev/$(basename "$c")n1"; return; }
    done
}
a=$(dev_of "$pair_a")
b=$(dev_of "$pair_b")
[ -b "$a" ] && ok "a: $pair_a is $a" || { fail "no namespace for serial $pair_a"; finish; }
[ -b "$b" ] && ok "b: $pair_b is $b" || { fail "no namespace for serial $pair_b"; finish; }
# The block layer's limits: how many commands a request becomes.
for d in "$a" "$b"; do
    q=/sys/block/$(basename "$d")/queue
    echo "nvmepair: $d max_hw_sectors_kb $(cat $q/max_hw_sectors_kb) max_sectors_kb" \
        "$(cat $q/max_sectors_kb) max_segments $(cat $q/max_segments)"
done

timed() { # WAY DEV DIR
    local s
    s=$(dd_direct_timed "$2" "$3" "$bs_k" "$count" "$reps") || fail "dd $3 on $2"
    echo "nvmepair: $round $1 $3 $((mib * reps)) MiB in $s s"
}
round=1
while [ $round -le "$rounds" ]; do
    if [ $((round % 2)) = 1 ]; then order="a b"; else order="b a"; fi
    for way in $order; do
        if [ $way = a ]; then dev=$a; else dev=$b; fi
        timed $way "$dev" write
        timed $way "$dev" read
    done
    round=$((round + 1))
done
check_kernel_log
finish
