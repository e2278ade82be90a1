#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: Linux's 8250 driver and tty layer meeting the line faults and
# modem-line changes injected into an mdev-mtty port
# (docs/fault-injection.md). The host (tests/guest/run, MttyFaultHost) arms
# each fault over QMP on port 1 of the card when the guest asks; serialfault
# (tests/guest/progs/serialfault.c) checks, on that port's tty:
#  - unfaulted: 2 KiB back equal with INPCK, PARMRK and PARENB, and no
#    TIOCGICOUNT counter moving while nothing is armed;
#  - parity-error, framing-error, break, overrun: each raises its counter
#    (parity, frame, brk, overrun) by exactly one and no other; the marked
#    character arrives (\377 \0 X; a break \377 \0 \0), the overrun's is lost;
#  - modem-lines: TIOCMGET follows each change, the counters (cts, dsr, dcd,
#    rng: RI's trailing edge) move by one per line changed, and a TIOCMIWAIT
#    waiter wakes.
# Then: /proc/tty/driver/serial shows the errors on port 1 and none on
# port 0, nothing bad in the kernel log (but port 1's overrun), and the
# host saw each fault fire as often as armed.
. /lib/mdev/guest-lib.sh

fn=$(pci_functions 4348:3253)
[ -n "$fn" ] || { fail "no mdev-mtty (4348:3253)"; finish; exit; }
drv=$(pci_driver "$fn")
[ "$drv" = serial ] && ok "$fn bound by serial (8250_pci)" || fail "$fn bound by '$drv'"

# Port N of the card is the ttyS at the start of I/O BAR N.
tty_of_bar() {
    local bar start end t
    while read -r bar start end; do
        [ "$bar" = "$1" ] || continue
        for t in $(ttys_of "$fn"); do
            [ "$(tty_port "$t")" = "$start" ] && echo "$t"
        done
    done <<EOF
$(pci_io_bars "$fn")
EOF
}
port0=$(tty_of_bar 0)
port1=$(tty_of_bar 1)
[ -n "$port0" ] && [ -n "$port1" ] || { fail "no ttyS for BAR0/BAR1 of $fn"; finish; exit; }
ok "port 0 is $port0, port 1 is $port1"

dmesg -c >/dev/null
if serialfault "/dev/$port1"; then
    ok "serialfault /dev/$port1: every check passed"
else
    fail "serialfault /dev/$port1: exit status $?"
fi

line=$(proc_serial "$port1")
echo "/proc/tty/driver/serial: $line"
case $line in
*" fe:1 pe:1 brk:1 oe:1"*) ok "$port1 counts fe:1 pe:1 brk:1 oe:1" ;;
*) fail "$port1: want fe:1 pe:1 brk:1 oe:1 in: $line" ;;
esac
line=$(proc_serial "$port0")
echo "/proc/tty/driver/serial: $line"
case $line in
*" fe:"*|*" pe:"*|*" brk:"*|*" oe:"*) fail "$port0 (no fault armed on it) counted line errors: $line" ;;
*) ok "$port0 counted no line errors" ;;
esac

# n_tty logs "ttySN: N input overrun(s)", at most once a second (so
# perhaps not yet): expected here, on port 1 only.
dmesg | grep "input overrun" | sed 's/^/    the tty layer logged: /'
bad=$(dmesg | grep -v "$port1: [0-9]* input overrun" | grep -E "$bad_log_pattern")
[ -z "$bad" ] && ok "kernel log: nothing else matches /$bad_log_pattern/" ||
    { fail "kernel log reports trouble:"; echo "$bad" | sed 's/^/    /'; }

ask MTTY-FIRED
finish
