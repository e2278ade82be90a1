#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: an NVMe controller bound by Linux's own nvme driver, and a
# filesystem-free round trip through its first namespace: a pattern written
# with dd and O_DIRECT (so the bytes go through the controller, not the page
# cache), read back the same way and compared; then Write Zeroes
# (blkdiscard -z is not in busybox: the kernel's BLKZEROOUT path is left
# alone) and a flush.
# modules: nvme
#
# Parameters (kernel command line):
#   nvme_ids=VVVV:DDDD   the function under test (default 1af4:10f1, mdev-mnvme)
#   nvme_blocks=N        the namespace's size in 512-byte blocks (default 131072)
#   nvme_irq=msix|intx   check that the queues' interrupts are of that kind
#                        (sysfs msi_irqs/* say msix, or /proc/interrupts IO-APIC)
#   nvme_migrate=1       ask the host (tests/guest/run, migrate_blocker_host)
#                        whether migration is blocked: not before the first
#                        write (the driver's probe only reads), and refused
#                        with mnvme's reason after it, the VM still running
#   nvme_bench=MIB       also time writing and reading MIB MiB with dd, 1 MiB
#                        requests, O_DIRECT, nvme_bench_reps times over
#                        (default 1) so that the 10 ms clock is fine enough
#                        (bench/mnvme-dd reads the lines
#                        "nvmebench: write|read TOTAL MiB in S s")
#   nvme_bench_bs=KIB    the benchmark's request size in KiB (default 1024;
#                        bench/mnvme-vfio-user also times 4)
#   iommu_domain=TYPE    the function is behind the guest's IOMMU in a domain
#                        of TYPE (DMA: intel_iommu=on iommu.strict=1); the
#                        round trip's addresses are I/O virtual ones
#   nvme_dma_host=1      after the I/O, ask the host (tests/guest/run,
#                        dma_trace_host) to check in QEMU's trace that the
#                        controller's DMA went to addresses the guest mapped
#                        through its IOMMU, not to guest-physical ones
#
# Checks: the function has class 010802 and is bound by "nvme"; nvme0n1
# appears with the expected size; 4 MiB written at an offset with
# oflag=direct read back identical with iflag=direct (also one unaligned
# 1 MiB range, so PRP lists with several entries are used); the controller's
# interrupt counted completions; nothing bad in the kernel log.
. /lib/mdev/guest-lib.sh

ids=${nvme_ids:-1af4:10f1}
want_blocks=${nvme_blocks:-131072}

fn=$(pci_functions "$ids" | head -n 1)
[ -n "$fn" ] || { fail "no PCI function $ids"; finish; }
[ "$(pci_class "$fn")" = 010802 ] && ok "$fn class 010802" ||
    fail "$fn class $(pci_class "$fn"), want 010802"

# The nvme driver probes asynchronously (its reset work): wait for the disk.
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
drv=$(pci_driver "$fn")
[ "$drv" = nvme ] && ok "$fn bound by nvme" || fail "$fn bound by '$drv', want nvme"
[ -b /dev/nvme0n1 ] || { fail "no /dev/nvme0n1 after 30 s"; dmesg | grep -i nvme; finish; }
ok "/dev/nvme0n1 after $((i / 10)).$((i % 10)) s"
dmesg | grep -i nvme | sed 's/^/    /'
blocks=$(cat /sys/block/nvme0n1/size)
[ "$blocks" = "$want_blocks" ] && ok "nvme0n1: $blocks blocks" ||
    fail "nvme0n1: $blocks blocks, want $want_blocks"
for f in model serial firmware_rev; do
    echo "nvme0 $f: $(cat /sys/class/nvme/nvme0/$f 2>/dev/null)"
done

host_check() {
    echo "=== MDEV-HOST-$1 ==="
    read -r answer
    case $answer in
    host-ok*) ok "host: ${answer#host-ok }" ;;
    *) fail "host: $answer" ;;
    esac
}
[ -n "$nvme_migrate" ] && host_check MIGRATE-FREE

irq_count() {
    awk '/nvme0q/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts
}
before=$(irq_count)

# 4 MiB of a non-repeating pattern, written at 1 MiB into the disk.
dd if=/dev/urandom of=/tmp/pattern bs=64k count=64 2>/dev/null
if dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k seek=16 count=64 oflag=direct 2>/tmp/dd.err; then
    ok "dd oflag=direct: 4 MiB written"
else
    fail "dd write: $(cat /tmp/dd.err)"
fi
if dd if=/dev/nvme0n1 of=/tmp/back bs=64k skip=16 count=64 iflag=direct 2>/tmp/dd.err; then
    ok "dd iflag=direct: 4 MiB read"
else
    fail "dd read: $(cat /tmp/dd.err)"
fi
if cmp /tmp/pattern /tmp/back; then
    ok "the 4 MiB read back equal what was written"
else
    fail "read-back differs from the pattern"
fi
# 1 MiB blocks: the largest requests the driver makes (MDTS 512 KiB splits them).
dd if=/tmp/pattern of=/dev/nvme0n1 bs=1M seek=7 count=4 oflag=direct 2>/dev/null
dd if=/dev/nvme0n1 of=/tmp/back bs=1M skip=7 count=4 iflag=direct 2>/dev/null
cmp /tmp/pattern /tmp/back && ok "1 MiB requests: equal" || fail "1 MiB requests differ"
# Written: migration is refused now, and the guest runs on (the checks below).
[ -n "$nvme_migrate" ] && host_check MIGRATE-BLOCKED
# The first megabyte was never written: it reads as zeros.
dd if=/dev/nvme0n1 of=/tmp/head bs=64k count=16 iflag=direct 2>/dev/null
dd if=/dev/zero of=/tmp/zero bs=64k count=16 2>/dev/null
cmp /tmp/head /tmp/zero && ok "unwritten blocks read as zeros" || fail "unwritten blocks are not zero"
if [ -n "$nvme_bench" ]; then
    reps=${nvme_bench_reps:-1}
    bs_k=${nvme_bench_bs:-1024}
    count=$((nvme_bench * 1024 / bs_k))
    for dir in write read; do
        s=$(dd_direct_timed /dev/nvme0n1 $dir "$bs_k" "$count" "$reps") ||
            fail "dd $dir for the benchmark"
        echo "nvmebench: $dir $((nvme_bench * reps)) MiB in $s s"
    done
fi
sync
after=$(irq_count)
grep nvme0q /proc/interrupts
[ "$after" -gt "$before" ] && ok "$((after - before)) interrupts for the I/O" ||
    fail "no interrupts counted for the I/O ($before -> $after)"
case "$nvme_irq" in
msix)
    # x86 names MSI and MSI-X alike in /proc/interrupts; sysfs tells them apart.
    n=0
    for m in /sys/bus/pci/devices/"$fn"/msi_irqs/*; do
        [ -e "$m" ] && [ "$(cat "$m")" = msix ] && n=$((n + 1))
    done
    q=$(grep -c 'PCI-MSI.*nvme0q' /proc/interrupts)
    [ "$n" -ge 2 ] && [ "$q" -ge 2 ] &&
        ok "MSI-X: $n vectors, $q queues (admin and I/O) on their own vector" ||
        fail "want the queues on MSI-X vectors: $n MSI-X vectors, $q queues on MSI"
    ;;
intx)
    grep -q 'IO-APIC.*nvme0q' /proc/interrupts && ok "INTx (IO-APIC) for the queues" ||
        fail "want nvme0q* on an IO-APIC line"
    ;;
esac
[ -z "$iommu_domain" ] || check_iommu_domain "$fn" "$iommu_domain"
[ -z "$nvme_dma_host" ] || ask DMA-TRANSLATED
check_kernel_log
finish
