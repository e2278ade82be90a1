# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the guest's test scripts (busybox sh); sourced as
#   . /lib/mdev/guest-lib.sh
# Everything is read from sysfs: which PCI functions exist, the driver bound
# to each, their I/O BARs, and the ttyS ports whose device is that function.
# Port names are never assumed: ttyS numbers depend on probe order.

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
# Asks the host side of the case (tests/guest/run's host= function, which
# answers on the console) to do something, e.g. arm a fault over QMP: its
# "host-ok ..." or "host-fail ..." answer becomes this test's ok or fail.
ask() {
    echo "=== MDEV-HOST-$1 ==="
    read -r answer
    case $answer in
    host-ok*) ok "host: ${answer#host-ok }" ;;
    *) fail "host: $answer" ;;
    esac
}
# The test's exit status: 0 when nothing failed.
finish() {
    if [ "$failures" = 0 ]; then echo "all checks passed"; return 0; fi
    echo "$failures check(s) failed"
    return 1
}

# pci_id FN -> vvvv:dddd
pci_id() {
    local v d
    read -r v <"/sys/bus/pci/devices/$1/vendor"
    read -r d <"/sys/bus/pci/devices/$1/device"
    echo "${v#0x}:${d#0x}"
}
# pci_class FN -> cccccc (class, subclass, prog-if)
pci_class() { local c; read -r c <"/sys/bus/pci/devices/$1/class"; echo "${c#0x}"; }
# pci_driver FN -> bound driver's name, or "-"
pci_driver() {
    local l
    l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || { echo -; return; }
    echo "${l##*/}"
}
# pci_functions [vvvv:dddd] -> function names (0000:00:02.0), in address order
pci_functions() {
    local d fn
    for d in /sys/bus/pci/devices/*; do
        fn=${d##*/}
        [ -z "$1" ] || [ "$(pci_id "$fn")" = "$1" ] || continue
        echo "$fn"
    done
}
# pci_io_bars FN -> "N 0xSTART 0xEND" per I/O BAR (IORESOURCE_IO, 0x100)
pci_io_bars() {
    local i=0 start end flags
    while read -r start end flags; do
        [ $i -le 5 ] || break
        if [ $((flags & 0x100)) != 0 ] && [ $((start)) != 0 ]; then
            printf '%d 0x%x 0x%x\n' $i $((start)) $((end))
        fi
        i=$((i + 1))
    done <"/sys/bus/pci/devices/$1/resource"
}
# pci_irq FN -> legacy IRQ number
pci_irq() { cat "/sys/bus/pci/devices/$1/irq"; }

# ttys_of FN -> ttySN names whose device is the PCI function FN (6.1: the
# function itself; 6.2 and later: a serial port device below it)
ttys_of() {
    local t dev
    dev=$(readlink -f "/sys/bus/pci/devices/$1")
    for t in /sys/class/tty/ttyS*; do
        case $(readlink -f "$t/device" 2>/dev/null) in
        "$dev"|"$dev"/*) echo "${t##*/}" ;;
        esac
    done
}
# tty_port ttySN -> I/O port as 0x%x; tty_type ttySN -> numeric UART type
tty_port() { local p; read -r p <"/sys/class/tty/$1/port"; printf '0x%x\n' $((p)); }
tty_type() { cat "/sys/class/tty/$1/type"; }
# uart_name TYPE -> name (include/uapi/linux/serial_core.h PORT_*)
uart_name() {
    case $1 in
    0) echo unknown ;; 1) echo 8250 ;; 2) echo 16450 ;; 3) echo 16550 ;;
    4) echo 16550A ;; 5) echo Cirrus ;; 6) echo ST16650 ;; 7) echo ST16650V2 ;;
    8) echo 16750 ;; 9) echo Startech ;; 10) echo 16C950 ;; 11) echo 16654 ;;
    12) echo 16850 ;; 13) echo RSA ;; *) echo "type$1" ;;
    esac
}
# proc_serial ttySN -> its line of /proc/tty/driver/serial (counters; the
# driver adds fe:/pe:/brk:/oe: only when such errors were seen)
proc_serial() { grep "^${1#ttyS}: " /proc/tty/driver/serial; }

# Kernel log lines that say a device or its driver misbehaved.
bad_log_pattern='too much work|nobody cared|Disabling IRQ|input overrun|LSR safety|serial8250.*(timeout|error)|BUG:|WARNING:|Oops|Call Trace|soft lockup|hung task'
check_kernel_log() {
    local bad
    bad=$(dmesg | grep -E "$bad_log_pattern")
    if [ -n "$bad" ]; then
        fail "kernel log reports trouble:"
        echo "$bad" | sed 's/^/    /'
    else
        ok "kernel log: nothing matches /$bad_log_pattern/"
    fi
}

# check_iommu_domain FN TYPE: FN sits behind an IOMMU in a domain of TYPE
# (sysfs iommu_group/type: "DMA" with iommu.strict=1, "DMA-FQ" lazy,
# "identity" passthrough), so the addresses its driver gives it are I/O
# virtual ones that the IOMMU translates. Also no IOMMU fault in the log
# (intel-iommu's "DMAR: [DMA ..." and "fault addr", virtio-iommu's "fault
# from EP").
check_iommu_domain() {
    local t faults
    if [ ! -e "/sys/bus/pci/devices/$1/iommu_group/type" ]; then
        fail "$1 has no IOMMU group: no IOMMU translates its DMA"
        return
    fi
    read -r t <"/sys/bus/pci/devices/$1/iommu_group/type"
    [ "$t" = "$2" ] && ok "$1 behind the IOMMU, domain type $t" ||
        fail "$1 IOMMU domain type '$t', want '$2'"
    faults=$(dmesg | grep -iE 'DMAR: \[DMA|fault addr|fault from EP')
    [ -z "$faults" ] && ok "no IOMMU fault in the kernel log" || {
        fail "IOMMU faults in the kernel log:"; echo "$faults" | sed 's/^/    /'; }
}

# dd_direct_timed DEV write|read BS_K COUNT REPS: REPS passes of COUNT
# O_DIRECT blocks of BS_K KiB (written from /dev/zero or read to /dev/null),
# timed by /proc/uptime (busybox has no date with sub-second precision);
# prints the seconds as S.CC. Status 1 if a dd failed (the time is printed
# all the same). The benchmarks' dd loop (nvme.sh, nvme-pair.sh).
uptime_cs() { local u; read -r u _ </proc/uptime; echo "${u%.*}${u#*.}"; }
dd_direct_timed() {
    local t0 cs r=0 status=0
    t0=$(uptime_cs)
    while [ $r -lt "$5" ]; do
        if [ "$2" = write ]; then
            dd if=/dev/zero of="$1" bs="${3}k" count="$4" oflag=direct 2>/dev/null
        else
            dd if="$1" of=/dev/null bs="${3}k" count="$4" iflag=direct 2>/dev/null
        fi || status=1
        r=$((r + 1))
    done
    cs=$(($(uptime_cs) - t0))
    echo "$((cs / 100)).$(printf %02d $((cs % 100)))"
    return $status
}
