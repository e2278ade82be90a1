#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest "test" for the demo: print what the guest sees. Every PCI function
# with its ids, class and bound driver (from sysfs, like lspci -nnk), the
# ttyS ports of PCI functions with UART type and I/O port, and a line sent
# through each such port and read back from it; then, for whichever of them
# are present, virtio-net interfaces (frames looped), virtio-console ports
# (a line looped) and framebuffers (the mode the driver set). Fails only
# when data does not come back.
# modules: virtio_pci virtio_net virtio_console bochs
#
# demo_loop=mcr (kernel command line) sets the UART's loopback bit, for
# serial cards that do not loop by themselves (QEMU's pci-serial-2x).
. /lib/mdev/guest-lib.sh
loopopt=
[ "${demo_loop:-}" = mcr ] && loopopt=--mcr-loop

echo "Guest kernel $(uname -r); PCI functions (from /sys/bus/pci/devices):"
printf '  %-13s %-9s %-6s %-16s %s\n' FUNCTION VEN:DEV CLASS SUBSYS DRIVER
for fn in $(pci_functions); do
    read -r sv <"/sys/bus/pci/devices/$fn/subsystem_vendor"
    read -r sd <"/sys/bus/pci/devices/$fn/subsystem_device"
    printf '  %-13s %-9s %-6s %-16s %s\n' "$fn" "$(pci_id "$fn")" "$(pci_class "$fn" | cut -c1-4)" \
        "${sv#0x}:${sd#0x}" "$(pci_driver "$fn")"
done

echo
echo "Serial ports on PCI functions (/sys/class/tty/ttyS*/{device,type,port}):"
ports=
for fn in $(pci_functions); do
    for t in $(ttys_of "$fn"); do
        p=$(tty_port "$t") bar=
        while read -r n start end; do
            [ -n "$n" ] && [ $((p)) -ge $((start)) ] && [ $((p)) -le $((end)) ] || continue
            bar=BAR$n
            [ $((p)) = $((start)) ] || bar=$(printf 'BAR%s+%d' "$n" $((p - start)))
        done <<EOF
$(pci_io_bars "$fn")
EOF
        printf '  %-6s %s %-6s I/O %-7s irq %-3s %s\n' "$t" "$fn" "${bar:--}" "$(tty_port "$t")" \
            "$(pci_irq "$fn")" "$(uart_name "$(tty_type "$t")")"
        [ -n "$bar" ] && ports="$ports $t"
    done
done

echo
echo "Data looping through each port (raw mode, written and read back on the same port):"
for t in $ports; do
    if out=$(ttyloop $loopopt --line "hello through $t" "/dev/$t" 2>&1); then echo "  $out"
    else fail "no loop on $t:"; echo "$out" | sed 's/^/    /'; fi
    if out=$(ttyloop $loopopt --bytes 65536 "/dev/$t" 2>&1); then echo "  $out"
    else fail "no loop on $t:"; echo "$out" | sed 's/^/    /'; fi
done
[ -n "$ports" ] || fail "no serial port on any PCI function"

nets=
for n in /sys/class/net/*; do
    [ "$(readlink "$n/device/driver" 2>/dev/null | sed 's|.*/||')" = virtio_net ] && nets="$nets ${n##*/}"
done
if [ -n "$nets" ]; then
    echo
    echo "virtio-net interfaces (virtio_net), raw frames sent and received back:"
    for net in $nets; do
        ip link set "$net" up
        echo "  $net  $(cat /sys/class/net/$net/address)  on $(readlink /sys/class/net/$net/device | sed 's|.*/||') of $(readlink -f /sys/class/net/$net/device/.. | sed 's|.*/||')"
        if out=$(netloop "$net" 200 1514 2>&1); then echo "  $out"
        else fail "no loop on $net:"; echo "$out" | sed 's/^/    /'; fi
    done
fi

vports=
i=0
while [ $i -lt 30 ] && [ -d /sys/bus/virtio/drivers/virtio_console ] && [ -z "$(ls /sys/class/virtio-ports 2>/dev/null)" ]; do
    sleep 0.1; i=$((i + 1))
done
for v in $(ls /sys/class/virtio-ports 2>/dev/null); do vports="$vports $v"; done
if [ -n "$vports" ]; then
    echo
    echo "virtio-console ports (virtio_console), a line written and read back:"
    for p in $vports; do
        exec 3<>/dev/$p
        printf 'hello through %s\n' "$p" >&3
        got=
        read -t 5 got <&3
        exec 3>&-
        if [ "$got" = "hello through $p" ]; then
            echo "  $p ($(cat /sys/class/virtio-ports/$p/name)): line \"$got\" came back"
        else fail "$p: read back '$got'"; fi
    done
fi

if [ -e /sys/class/graphics/fb0 ]; then
    echo
    echo "Framebuffers (/sys/class/graphics):"
    for fb in /sys/class/graphics/fb[0-9]*; do
        echo "  ${fb##*/}: $(cat $fb/name), $(cat $fb/virtual_size | tr , x) at $(cat $fb/bits_per_pixel) bpp"
    done
fi
echo
finish
