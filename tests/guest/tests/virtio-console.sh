#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: mdev-mtty,class=virtio (mtty's virtio-console face) through
# the virtio frontend, driven by Linux's virtio_pci and virtio_console.
# modules: virtio_pci virtio_console
#
# Parameters (kernel command line):
#   vcon_ports=N   ports the device has (mtty-2: 2, mtty-1: 1)
#
# Checks: function 1af4:1043 class 078000 bound by virtio-pci; its virtio
# device bound by virtio_console; N ports named mtty.0..mtty.N-1; a line
# written to each port comes back on the same port, then 64 KiB of random
# bytes (ttyloop); nothing bad in dmesg.
. /lib/mdev/guest-lib.sh

nports=${vcon_ports:-2}

fns=$(pci_functions 1af4:1043)
[ -n "$fns" ] || fail "no PCI function 1af4:1043 (all: $(for f in $(pci_functions); do printf '%s=%s ' $f $(pci_id $f); done))"

for fn in $fns; do
    drv=$(pci_driver "$fn")
    [ "$drv" = virtio-pci ] && ok "$fn bound by virtio-pci" || fail "$fn bound by '$drv', want virtio-pci"
    cls=$(pci_class "$fn")
    [ "$cls" = 078000 ] && ok "$fn class $cls" || fail "$fn class $cls, want 078000"
    vdev=$(ls -d /sys/bus/pci/devices/$fn/virtio* 2>/dev/null | head -n 1)
    [ -n "$vdev" ] || { fail "$fn has no virtio device"; continue; }
    vname=${vdev##*/}
    vdrv=$(readlink "$vdev/driver" 2>/dev/null); vdrv=${vdrv##*/}
    [ "$vdrv" = virtio_console ] && ok "$vname bound by virtio_console" || fail "$vname bound by '$vdrv', want virtio_console"

    # The ports announce themselves through the control queues; give the
    # driver's work queue a moment to create the devices.
    i=0
    while [ $i -lt 50 ] && [ "$(ls -d $vdev/virtio-ports/vport* 2>/dev/null | wc -l)" -lt "$nports" ]; do
        sleep 0.1; i=$((i + 1))
    done
    ports=$(ls $vdev/virtio-ports 2>/dev/null)
    n=$(echo $ports | wc -w)
    [ "$n" = "$nports" ] && ok "$vname has $n ports: $(echo $ports)" || fail "$vname has $n ports ($(echo $ports)), want $nports"

    for p in $ports; do
        name=$(cat $vdev/virtio-ports/$p/name 2>/dev/null)
        case $name in mtty.[0-9]*) ok "$p named $name" ;; *) fail "$p named '$name', want mtty.N" ;; esac
        exec 3<>/dev/$p
        printf 'hello through %s\n' "$p" >&3
        got=
        read -t 5 got <&3
        exec 3>&-
        [ "$got" = "hello through $p" ] && ok "$p: line came back" || fail "$p: read back '$got'"
        # 64 KiB of random bytes, written while read (ttyloop), come back in
        # order on the same port.
        seed=$((${seed:-1} + 1))
        if out=$(ttyloop --bytes 65536 --seed $seed "/dev/$p" 2>&1); then ok "$out"
        else fail "65536 bytes on $p:"; echo "$out" | sed 's/^/    /'; fi
    done
done

check_kernel_log
finish
