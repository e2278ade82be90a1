#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest "test" for the demo: print what the guest sees. Every PCI function
# with its ids, class and bound driver (from sysfs, like lspci -nnk), the
# ttyS ports of PCI functions with UART type and I/O port, and a line sent
# through each such port and read back from it. Fails only when a line does
# not come back.
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
echo
finish
