#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: an mdev-epf-test (Linux's PCI endpoint test function, TI
# DRA74x 104c:b500) bound by Linux's own host driver pci_endpoint_test and
# driven by its tool, tools/pci/pcitest, both built from Debian's
# linux-source for this kernel by the guest kit (tests/guest/kbuild.conf).
# modules: pci_endpoint_test
#
# Runs Linux's pcitest.sh (BAR0-5, legacy IRQ, MSI 1-32, MSI-X 1-2048,
# READ/WRITE/COPY of 1 B to 1024001 B), then the same transfers with the
# DMA flag (pcitest -d), and counts the results: every run must say OKAY.
# MSI 1-32 needs interrupt remapping (intel-iommu,intremap=on) and MSI-X
# 2048 vectors enough CPUs to hold them (tests/guest/run's epf-test case).
#
# Parameters: epf_msix=N (the MSI-X vectors expected, default 2048);
# epf_msi=N (the MSI vectors tested, default 32); epf_seq=quick runs a
# short sequence instead (one of each kind). With epf_msi and epf_msix at
# their defaults the sequence is Linux's pcitest.sh itself; with others it
# is pcitest.sh's sequence with MSI 1-epf_msi and MSI-X 1-epf_msix (e.g.
# tests/guest/vfio-user's case: MSI 1, MSI-X 1-8). iommu_domain=TYPE: the
# function is behind the guest's IOMMU in a domain of TYPE (intel_iommu=on:
# "DMA" with iommu.strict=1, "DMA-FQ" lazy), so the transfers' addresses
# are I/O virtual ones, and the kernel log has no IOMMU fault.
. /lib/mdev/guest-lib.sh

msix_want=${epf_msix:-2048}
msi_want=${epf_msi:-32}
fns=$(pci_functions 104c:b500)
[ -n "$fns" ] || fail "no PCI function 104c:b500"
set -- $fns
fn=$1
[ "$(pci_class "$fn")" = ff0000 ] && ok "$fn class ff0000" ||
    fail "$fn class $(pci_class "$fn"), want ff0000"
drv=$(pci_driver "$fn")
[ "$drv" = pci-endpoint-test ] && ok "$fn bound by pci-endpoint-test" ||
    fail "$fn bound by '$drv', want pci-endpoint-test"
[ -c /dev/pci-endpoint-test.0 ] && ok "/dev/pci-endpoint-test.0" ||
    { fail "no /dev/pci-endpoint-test.0"; finish; exit; }
echo "$(nproc) CPUs"
t0=$(cut -d' ' -f1 /proc/uptime)
if [ "${epf_seq:-}" = quick ]; then
    # A quick look (epf_seq=quick): the BARs, the first and last vectors of
    # each kind, a transfer of each kind.
    {
        for b in 0 1 2 3 4 5; do pcitest -b $b; done
        pcitest -i 0; pcitest -l
        pcitest -i 1; pcitest -m 1; pcitest -m 32
        pcitest -i 2; pcitest -x 1; pcitest -x "$msix_want"
        pcitest -i 1; pcitest -r -s 1024001; pcitest -w -d -s 1024001; pcitest -c -s 1025
    } >/tmp/pcitest.out 2>&1
    want=$((6 + 4 + 1 + 2 + 2 + 3))
else
    if [ "$msi_want" = 32 ] && [ "$msix_want" = 2048 ]; then
        sh /bin/pcitest.sh >/tmp/pcitest.out 2>&1
    else
        # pcitest.sh's runs in its order, with the vector counts given.
        {
            echo "BAR tests"
            for b in 0 1 2 3 4 5; do pcitest -b $b; done
            echo "Interrupt tests"
            pcitest -i 0; pcitest -l
            pcitest -i 1
            v=1; while [ $v -le "$msi_want" ]; do pcitest -m $v; v=$((v + 1)); done
            pcitest -i 2
            v=1; while [ $v -le "$msix_want" ]; do pcitest -x $v; v=$((v + 1)); done
            pcitest -i 1
            echo "Read Tests"
            for s in 1 1024 1025 1024000 1024001; do pcitest -r -s $s; done
            echo "Write Tests"
            for s in 1 1024 1025 1024000 1024001; do pcitest -w -s $s; done
            echo "Copy Tests"
            for s in 1 1024 1025 1024000 1024001; do pcitest -c -s $s; done
        } >/tmp/pcitest.out 2>&1
    fi
    {
        echo "DMA Read Tests"
        for s in 1 1024 1025 1024000 1024001; do pcitest -r -d -s $s; done
        echo "DMA Write Tests"
        for s in 1 1024 1025 1024000 1024001; do pcitest -w -d -s $s; done
        echo "DMA Copy Tests"
        for s in 1 1024 1025 1024000 1024001; do pcitest -c -d -s $s; done
    } >>/tmp/pcitest.out 2>&1
    # 6 BARs, 4 SET IRQ TYPE, legacy, the MSI and MSI-X vectors, 15
    # transfers from pcitest.sh and 15 with DMA.
    want=$((6 + 4 + 1 + msi_want + msix_want + 15 + 15))
fi
t1=$(cut -d' ' -f1 /proc/uptime)

# One result per run: "...:\tOKAY", "NOT OKAY" or "TEST FAILED"/"FAILED".
runs=$(grep -cE '(OKAY|FAILED)$' /tmp/pcitest.out)
good=$(grep -E 'OKAY$' /tmp/pcitest.out | grep -vc 'NOT OKAY$')
bad=$(grep -E '(NOT OKAY|FAILED)$' /tmp/pcitest.out)
echo "pcitest: $good of $runs runs OKAY, $want expected ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
if [ -n "$bad" ]; then
    fail "pcitest runs not OKAY:"
    echo "$bad" | head -n 40 | sed 's/^/    /'
fi
[ "$runs" = "$want" ] && [ "$good" = "$want" ] && ok "pcitest: all $want runs OKAY" ||
    fail "pcitest: $good of $runs runs OKAY, want $want"
# Lines of each group, for the log: the first and last of MSI and MSI-X.
grep -E '^(BAR|LEGACY|MSI1:|MSI'"$msi_want"':|MSI-X1:|MSI-X'"$msix_want"':|READ|WRITE|COPY)' /tmp/pcitest.out |
    sed 's/^/  /'
irqs=$(grep -c 'pci-endpoint-test' /proc/interrupts)
echo "/proc/interrupts: $irqs lines of pci-endpoint-test"
[ -z "${iommu_domain:-}" ] || check_iommu_domain "$fn" "$iommu_domain"
check_kernel_log
finish
