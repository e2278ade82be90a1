#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest side of tests/libvirt/check: the guest of docs/install-and-libvirt.md's
# example domains, started by libvirt. Its devices: an mdev-mtty (vfio,
# mtty-2), an mdev-mnvme whose namespace 2 is a file, an mdev-gpio. The host
# answers each "=== MDEV-HOST-... ===" marker with one line on the console
# ("host-ok ..." or "host-fail ..."), after doing that step through virsh.
# modules: nvme gpio-pci-idio-16
#
# Checks, at boot: every mtty port is a 16550A that loops 64 KiB back
# (ttyloop); nvme binds the NVMe function and 4 MiB written to the file
# namespace with O_DIRECT read back equal; gpio-pci-idio-16 binds the card,
# gpioloop passes, then the outputs are left at 0xa55a.
# HOTPLUG-ADD (the host: device_add by UUID through the monitor): one more
# mtty function appears, 8250_pci binds it, it loops bytes.
# HOTPLUG-DEL (the host: mdev-remove by that UUID): the function is gone.
# SAVE-RESTORE (the host: virsh save, virsh restore): the card's inputs still
# read 0xa55a, the 4 MiB read back from the file namespace are the pattern,
# a new write reads back, every mtty port loops again.
# HOTPLUG-SAVE-RESTORE (the host: device_add of another mtty, virsh save,
# virsh restore --xml naming it): the function is there and loops, the card
# still drives its value; nothing bad in the kernel log.
# RAM-SAVE (the guest wrote nvme0n1, the RAM namespace, whose contents do not
# migrate; the host: virsh save, which must refuse and leave the guest
# running).
. /lib/mdev/guest-lib.sh

MTTY=4348:3253 NVME=1af4:10f1 GPIO=494f:0dc8
GPIO_VALUE=0xa55a

# host STEP: ask the host for STEP and report its answer.
host() {
    echo "=== MDEV-HOST-$1 ==="
    read -r answer
    case $answer in
    host-ok*) ok "host $1: ${answer#host-ok }" ;;
    *) fail "host $1: $answer" ;;
    esac
}

# Every port of every mtty function loops bytes.
mtty_loops() {
    local fn tty out n=0
    for fn in $(pci_functions $MTTY); do
        [ "$(pci_driver "$fn")" = serial ] || { fail "$fn bound by '$(pci_driver "$fn")', want serial"; continue; }
        for tty in $(ttys_of "$fn"); do
            if out=$(ttyloop --bytes 65536 --seed 3 "/dev/$tty" 2>&1); then ok "$fn $tty: $out"
            else fail "ttyloop $fn $tty: $out"; fi
            n=$((n + 1))
        done
    done
    [ $n -ge "$1" ] && ok "$n mtty ports loop ($1 wanted)" || fail "$n mtty ports loop, want $1"
}

gpio_chip() {
    local c
    for c in /sys/bus/pci/devices/"$1"/gpiochip*; do
        [ -e "$c" ] && echo "${c##*/}"
    done
}

# --- at boot ----------------------------------------------------------------
# The guest's stdin is the console the host writes its answers to: no echo,
# and Enter (CR, as virsh console sends it) ends a line.
stty -echo icrnl 2>/dev/null

mtty_loops 2

fn=$(pci_functions $NVME | head -n 1)
[ -n "$fn" ] || fail "no NVMe function $NVME"
i=0
while [ ! -b /dev/nvme0n2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$fn" ] && [ "$(pci_driver "$fn")" = nvme ] && ok "$fn bound by nvme" ||
    fail "$fn bound by '$(pci_driver "$fn")', want nvme"
if [ -b /dev/nvme0n2 ]; then
    ok "/dev/nvme0n2 (the file namespace): $(cat /sys/block/nvme0n2/size) blocks"
    dd if=/dev/urandom of=/tmp/pattern bs=64k count=64 2>/dev/null
    dd if=/tmp/pattern of=/dev/nvme0n2 bs=64k seek=16 count=64 oflag=direct 2>/tmp/dd.err ||
        fail "dd write: $(cat /tmp/dd.err)"
    dd if=/dev/nvme0n2 of=/tmp/back bs=64k skip=16 count=64 iflag=direct 2>/tmp/dd.err ||
        fail "dd read: $(cat /tmp/dd.err)"
    cmp /tmp/pattern /tmp/back && ok "nvme0n2: 4 MiB written with O_DIRECT read back equal" ||
        fail "nvme0n2: read-back differs from the pattern"
else
    fail "no /dev/nvme0n2 after 30 s"; dmesg | grep -i nvme
fi

gfn=$(pci_functions $GPIO | head -n 1)
chip=$( [ -n "$gfn" ] && gpio_chip "$gfn")
if [ -n "$chip" ] && [ "$(pci_driver "$gfn")" = pci-idio-16 ]; then
    ok "$gfn bound by pci-idio-16: /dev/$chip"
    out=$(gpioloop "/dev/$chip" 2>&1) && ok "gpioloop /dev/$chip: outputs loop back, edge events arrive" ||
        { fail "gpioloop /dev/$chip"; echo "$out"; }
    out=$(gpioloop --set "/dev/$chip" $GPIO_VALUE 2>&1)
    got=$(gpioloop --get "/dev/$chip" 2>&1)
    [ "$got" = "inputs $GPIO_VALUE" ] && ok "outputs left at $GPIO_VALUE: $got" ||
        fail "outputs set to $GPIO_VALUE ($out), $got"
else
    fail "no gpio card bound by pci-idio-16 (function '$gfn', driver '$(pci_driver "$gfn")', chip '$chip')"
fi

# --- hotplug ----------------------------------------------------------------
before=$(pci_functions $MTTY | wc -l)
host HOTPLUG-ADD
# acpiphp (pc) or pciehp (q35) enumerates the slot; 8250_pci then binds it.
bound() {
    local f n=0
    for f in $(pci_functions $MTTY); do
        [ "$(pci_driver "$f")" = serial ] && [ -n "$(ttys_of "$f")" ] && n=$((n + 1))
    done
    echo $n
}
i=0
while [ "$(bound)" -le "$before" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(bound)" -gt "$before" ]; then
    ok "a new mtty function bound by serial after $((i / 10)).$((i % 10)) s"
    mtty_loops 3
else
    fail "no new mtty function 15 s after the hot-add ($before before)"
    dmesg | tail -n 20
fi
host HOTPLUG-DEL
i=0
while [ "$(pci_functions $MTTY | wc -l)" -gt "$before" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(pci_functions $MTTY | wc -l)" = "$before" ] && ok "the hot-added function is gone after mdev-remove" ||
    fail "$(pci_functions $MTTY | wc -l) mtty functions after mdev-remove, want $before"

# --- save and restore -------------------------------------------------------
host SAVE-RESTORE
if [ -n "$chip" ]; then
    got=$(gpioloop --get "/dev/$chip" 2>&1)
    [ "$got" = "inputs $GPIO_VALUE" ] && ok "after restore the card still drives $GPIO_VALUE: $got" ||
        fail "after restore: $got, want inputs $GPIO_VALUE"
fi
if [ -b /dev/nvme0n2 ]; then
    dd if=/dev/nvme0n2 of=/tmp/back bs=64k skip=16 count=64 iflag=direct 2>/tmp/dd.err ||
        fail "dd read after restore: $(cat /tmp/dd.err)"
    cmp /tmp/pattern /tmp/back && ok "after restore nvme0n2 reads back the 4 MiB written before" ||
        fail "after restore nvme0n2 differs from what was written before"
    dd if=/dev/urandom of=/tmp/pattern2 bs=64k count=16 2>/dev/null
    dd if=/tmp/pattern2 of=/dev/nvme0n2 bs=64k seek=128 count=16 oflag=direct 2>/dev/null &&
        dd if=/dev/nvme0n2 of=/tmp/back2 bs=64k skip=128 count=16 iflag=direct 2>/dev/null &&
        cmp /tmp/pattern2 /tmp/back2 && ok "after restore a new 1 MiB write reads back equal" ||
        fail "after restore a new write does not read back"
fi
mtty_loops 2

# --- save and restore with a device the monitor added -----------------------
# (the host: device_add, virsh save; virsh restore fails, as libvirt starts
# QEMU from its XML, which does not name the device; virsh restore --xml
# with the device's -device line added restores it)
before=$(bound)
host HOTPLUG-SAVE-RESTORE
i=0
while [ "$(bound)" -le "$before" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(bound)" -gt "$before" ]; then
    ok "the mtty function added before the save is bound by serial after the restore"
    mtty_loops 3
else
    fail "no new mtty function 15 s after the restore ($before before)"
fi
if [ -n "$chip" ]; then
    got=$(gpioloop --get "/dev/$chip" 2>&1)
    [ "$got" = "inputs $GPIO_VALUE" ] && ok "after the second restore the card still drives $GPIO_VALUE" ||
        fail "after the second restore: $got, want inputs $GPIO_VALUE"
fi
check_kernel_log

# --- a save after the guest wrote the RAM namespace -------------------------
# Its contents do not migrate: virsh save must refuse, and the guest go on.
if [ -b /dev/nvme0n1 ]; then
    dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k count=16 oflag=direct 2>/dev/null &&
        ok "1 MiB written to nvme0n1 (the RAM namespace)" || fail "dd to nvme0n1"
else
    fail "no /dev/nvme0n1"
fi
echo "checks before the RAM-namespace save: $failures failed"
host RAM-SAVE
finish
