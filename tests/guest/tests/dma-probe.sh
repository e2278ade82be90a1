#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: a test function's DMA into a page of guest memory at the
# page's physical address, driven by dmaprobe (tests/guest/progs) through
# sysfs, no driver bound. Behind the guest's IOMMU (intel_iommu=on, or
# virtio-iommu) with nothing mapped for the function, that address is an
# IOVA nobody mapped: the DMA must be refused. Without an IOMMU it must land
# (the control: the same program sees a write when there is one).
#
# Parameters (kernel command line):
#   dma_ids=VVVV:DDDD    the function (default 104c:b500, mdev-epf-test)
#   dma_expect=refused|written
#   iommu_domain=TYPE    the function is behind the IOMMU in a domain of TYPE
#   dma_claim=DRIVER     bind the function to DRIVER (pci-stub) and unbind it
#                        again first: Linux 6.12 configures a function's DMA
#                        behind virtio-iommu (ACPI VIOT) only when a driver
#                        probes it, so a function no driver ever bound has
#                        no IOMMU group; one that was bound keeps its group
#                        and its default domain, empty again after the
#                        unbind (intel-iommu probes every function at boot)
#
# Checks: dmaprobe's verdict (refused: the device reports the DMA failed
# and not a byte of the page changed; written: the device completed and
# the page holds its buffer). Refused, also: the guest's IOMMU driver
# logged the fault at that address (intel-iommu: "fault addr PAGE";
# virtio-iommu: "fault from EP N at ADDR", from the fault QEMU's
# virtio-iommu put on its event queue), and the host (tests/guest/run,
# dma_log_host) found QEMU's guest-error line naming the address in the
# -D log. Nothing bad in the kernel log.
. /lib/mdev/guest-lib.sh

ids=${dma_ids:-104c:b500}
expect=${dma_expect:-refused}

fn=$(pci_functions "$ids" | head -n 1)
[ -n "$fn" ] || { fail "no PCI function $ids"; finish; exit; }
if [ -n "$dma_claim" ]; then
    echo "$dma_claim" >"/sys/bus/pci/devices/$fn/driver_override"
    echo "$fn" >/sys/bus/pci/drivers_probe
    drv=$(pci_driver "$fn")
    [ "$drv" = "$dma_claim" ] && ok "$fn bound by $drv" || fail "$fn bound by '$drv', want $dma_claim"
    echo "$fn" >"/sys/bus/pci/drivers/$dma_claim/unbind"
    echo >"/sys/bus/pci/devices/$fn/driver_override"
fi
drv=$(pci_driver "$fn")
[ "$drv" = - ] && ok "$fn has no driver" || fail "$fn bound by '$drv', want none"
if [ -n "$iommu_domain" ]; then
    read -r t <"/sys/bus/pci/devices/$fn/iommu_group/type" 2>/dev/null
    [ "$t" = "$iommu_domain" ] && ok "$fn behind the IOMMU, domain type $t" ||
        fail "$fn IOMMU domain type '$t', want '$iommu_domain'"
fi

out=$(dmaprobe "$fn" "$expect" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
case $rc in
0) ok "dmaprobe: DMA $expect as expected" ;;
*) fail "dmaprobe: DMA not $expect (status $rc)" ;;
esac
addr=$(echo "$out" | sed -n 's/^dmaprobe: ADDR \(0x[0-9a-f]*\).*/\1/p')

if [ "$expect" = refused ] && [ -n "$addr" ]; then
    # intel-iommu reports faults by page: "fault addr 0x...000";
    # virtio-iommu at the address QEMU's device gives: "fault from EP N at
    # 0x...".
    page=$(printf '0x%x' $((addr & ~0xfff)))
    pat="fault addr $page|fault from EP [0-9]+ at ($addr|$page) "
    i=0
    while ! dmesg | grep -qE "$pat" && [ $i -lt 20 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    f=$(dmesg | grep -E "$pat")
    [ -n "$f" ] && ok "the guest saw the IOMMU fault: ${f#*] }" ||
        fail "no IOMMU fault at $page in the kernel log"
    echo "=== MDEV-HOST-GUEST-ERROR-$addr ==="
    read -r answer
    case $answer in
    host-ok*) ok "host: ${answer#host-ok }" ;;
    *) fail "host: $answer" ;;
    esac
fi
# A refused DMA is the test's point, not trouble: only the generic patterns.
check_kernel_log
finish
