#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: PCI serial functions (mdev-mtty) bound by 8250_pci, their ttyS
# ports, and bytes looping through each port.
#
# Parameters (kernel command line, arrive as variables):
#   serial_ids=VVVV:DDDD  the functions under test (default 4348:3253, WCH
#                         CH352 2S = mdev-mtty; 1b36:0003 = pci-serial-2x)
#   serial_ports=N,N...   ports of each such function, in any order
#                         (default 2: one function, two ports)
#   serial_layout=bar|stride8  bar: one port at the start of each I/O BAR
#                         (WCH CH352 board of mdev-mtty); stride8: ports 8
#                         bytes apart through each I/O BAR (pci-serial-2x)
#   serial_loop=device|mcr  device: the port loops by itself (mdev-mtty);
#                         mcr: set the UART's MCR LOOP bit (plain 16550)
#   serial_bytes=N        bytes per bulk transfer (default 65536)
#
# Checks, per function: vendor:device, driver "serial" bound, at every port
# address of its I/O BARs a ttyS whose device is that function, of type
# 16550A, and no ttyS of it elsewhere; per port: a short line and N random bytes come back in order on the
# same port (ttyloop: one writer and a concurrent reader), then all ports at
# once; no error counters in /proc/tty/driver/serial; each function's IRQ
# counted interrupts; nothing bad in dmesg.
. /lib/mdev/guest-lib.sh

ids=${serial_ids:-4348:3253}
nports=${serial_ports:-2}
layout=${serial_layout:-bar}
loop=${serial_loop:-device}
bytes=${serial_bytes:-65536}
loopopt=
[ "$loop" = mcr ] && loopopt=--mcr-loop

fns=$(pci_functions "$ids")
want=$(echo "$nports" | tr ',' '\n' | sort | tr '\n' ' ')
have=
ports=                                  # ttySN list to loop through
echo "functions $ids: $(echo $fns)"
[ -n "$fns" ] || fail "no PCI function $ids (all: $(for f in $(pci_functions); do printf '%s=%s ' $f $(pci_id $f); done))"

for fn in $fns; do
    drv=$(pci_driver "$fn")
    if [ "$drv" = serial ]; then ok "$fn $(pci_id "$fn") class $(pci_class "$fn") bound by driver serial (8250_pci)"
    else fail "$fn $(pci_id "$fn") bound by driver '$drv', want serial"; fi

    iobars=$(pci_io_bars "$fn")
    ttys=$(ttys_of "$fn")
    echo "$fn: I/O BARs: $(echo "$iobars" | awk 'NF { printf "BAR%s %s-%s  ", $1, $2, $3 }')ttys: $(echo $ttys)"
    # The addresses where the board's ports must be.
    expect=$(echo "$iobars" | while read -r bar start end; do
        [ -n "$bar" ] || continue
        if [ "$layout" = stride8 ]; then
            a=$((start)); while [ $a -lt $((end)) ]; do printf '%s 0x%x\n' "$bar" $a; a=$((a + 8)); done
        else
            echo "$bar $start"
        fi
    done)
    n=0
    while read -r bar addr; do
        [ -n "$bar" ] || continue
        tty=
        for t in $ttys; do
            [ "$(tty_port "$t")" = "$addr" ] && tty=$t
        done
        if [ -z "$tty" ]; then
            fail "$fn BAR$bar: no ttyS at I/O $addr"
            continue
        fi
        n=$((n + 1))
        ports="$ports $tty"
        type=$(tty_type "$tty")
        if [ "$type" = 4 ]; then ok "$tty at I/O $addr (BAR$bar of $fn) is a 16550A"
        else fail "$tty at I/O $addr (BAR$bar of $fn) has UART type $type ($(uart_name "$type")), want 4 (16550A)"; fi
    done <<EOF
$expect
EOF
    for t in $ttys; do
        p=$(tty_port "$t")
        echo "$expect" | grep -q " $p\$" && continue
        if [ "$p" = 0x0 ]; then
            echo "note: $t belongs to $fn but has no I/O address (type $(uart_name "$(tty_type "$t")"))"
        else
            fail "$t belongs to $fn but sits at I/O $p, where no port of its I/O BARs is"
        fi
    done
    have="$have$n
"
done
have=$(echo -n "$have" | sort | tr '\n' ' ')
if [ "$have" = "$want" ]; then ok "working ports per function: $have"
else fail "working ports per function: $have, want $want"; fi

seed=1
for t in $ports; do
    seed=$((seed + 1))
    if out=$(ttyloop $loopopt --line "hello through $t" "/dev/$t" 2>&1); then
        ok "$out"
    else
        fail "short line on $t:"; echo "$out" | sed 's/^/    /'
        echo "skipped: $bytes random bytes on $t"
        continue
    fi
    if out=$(ttyloop $loopopt --bytes "$bytes" --seed $seed "/dev/$t" 2>&1); then ok "$out"
    else fail "$bytes random bytes on $t:"; echo "$out" | sed 's/^/    /'; fi
done

# All ports at once: interrupts of several ports (and functions) interleave.
set -- $ports
if [ $# -gt 1 ] && [ "$failures" != 0 ]; then
    echo "skipped: all ports at once (earlier checks failed)"
elif [ $# -gt 1 ]; then
    for t in $ports; do
        seed=$((seed + 1))
        ttyloop $loopopt --bytes "$bytes" --seed $seed "/dev/$t" >"/tmp/all.$t" 2>&1 &
    done
    wait
    for t in $ports; do
        if grep -q 'looped back in order' "/tmp/all.$t"; then ok "concurrently: $(cat "/tmp/all.$t")"
        else fail "concurrently on $t:"; sed 's/^/    /' "/tmp/all.$t"; fi
    done
fi

for t in $ports; do
    line=$(proc_serial "$t")
    echo "/proc/tty/driver/serial: $line"
    case $line in
    *" fe:"*|*" pe:"*|*" brk:"*|*" oe:"*) fail "$t counted line errors: $line" ;;
    esac
done
# The ports moved data by interrupts (INTx), not by the 8250 driver's
# polling fallbacks: each function's IRQ counted interrupts.
for fn in $fns; do
    irq=$(pci_irq "$fn")
    line=$(grep "^ *$irq:" /proc/interrupts | tr -s ' ')
    count=$(echo "$line" | awk '{ n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }')
    if [ "${count:-0}" -gt 0 ]; then ok "$fn IRQ $irq: $count interrupts ($line)"
    else fail "$fn IRQ $irq counted no interrupts (/proc/interrupts: ${line:-no line})"; fi
done
check_kernel_log
finish
