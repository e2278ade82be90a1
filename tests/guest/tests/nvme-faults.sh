#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest test: Linux's nvme driver meeting injected faults
# (docs/fault-injection.md). The host (tests/guest/run, nvme_fault_host)
# arms each fault over QMP when the guest asks; the guest checks what the
# driver makes of it, through dd with O_DIRECT. The I/O timeout is cut to
# 3 s (the queue's io_timeout) so that the timeout paths finish in seconds.
# modules: nvme
#
# Checks, in order, each beginning on the unfaulted device:
#  - media-error on LBA 2048 (reads): dd of that block fails (ENODATA: the
#    block layer's errno for BLK_STS_MEDIUM, which nvme gives an
#    Unrecovered Read Error) and the kernel logs the NVMe status (sct 0x2 / sc 0x81, or the block
#    layer's "critical medium error"); the blocks beside it read back equal
#    what was written; once cleared, LBA 2048 reads back equal too;
#  - drop-completion: a read whose completion is never posted ends in the
#    driver's timeout handler (abort, then a controller reset) and dd
#    succeeds with the right data;
#  - controller-fatal: CSTS.CFS; the next I/O times out, the driver sees the
#    fatal status, resets the controller and the I/O completes;
#  - drop-irq (MSI-X): the next interrupt is lost; the timeout handler polls
#    the CQ, finds the completion, and dd succeeds;
#  - dma-error (the vfio frontend's) on a DMA write: the read's data
#    transfer fails as a target abort; mnvme completes it with Data
#    Transfer Error (DNR), dd fails with EIO, the kernel logs the status
#    (sct 0x0 / sc 0x4), and the next read returns the data intact;
#  - dma-error on a DMA read: the SQ entry cannot be fetched, mnvme sets
#    Controller Fatal Status, the driver's timeout handler resets the
#    controller and the I/O completes with the data intact;
#  - surprise-removal (the vfio frontend's): the function reads all ones;
#    the next I/O times out, the driver finds CSTS all ones ("controller is
#    down"), fails the reset (-ENODEV) and removes the controller, dd fails,
#    and no oops, BUG or call trace is logged; once the host cleared it, the
#    stale function is removed through sysfs and a PCI rescan finds the card
#    again: nvme binds, and the pattern reads back equal;
#  - the host reads each fault's fire count (query-mdev-faults).
. /lib/mdev/guest-lib.sh

uptime_ds() { local u; read -r u _ </proc/uptime; echo "${u%.*}${u#*.}" | sed 's/.$//'; }

i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ -b /dev/nvme0n1 ] || { fail "no /dev/nvme0n1 after 30 s"; dmesg | grep -i nvme; finish; exit; }
ok "/dev/nvme0n1 is there"
echo 3000 >/sys/block/nvme0n1/queue/io_timeout
echo "io_timeout: $(cat /sys/block/nvme0n1/queue/io_timeout) ms"

# 16 blocks of a pattern at LBAs 2040..2055.
dd if=/dev/urandom of=/tmp/pattern bs=512 count=16 2>/dev/null
dd if=/tmp/pattern of=/dev/nvme0n1 bs=512 seek=2040 count=16 oflag=direct 2>/dev/null ||
    fail "writing the pattern"
dd if=/dev/nvme0n1 of=/tmp/back bs=512 skip=2040 count=16 iflag=direct 2>/dev/null &&
    cmp /tmp/pattern /tmp/back && ok "unfaulted: LBAs 2040..2055 read back equal" ||
    fail "unfaulted read-back of LBAs 2040..2055"

# ---- media-error ----
ask FAULT-MEDIA-ERROR
dmesg -c >/dev/null
if dd if=/dev/nvme0n1 of=/tmp/b2048 bs=512 skip=2048 count=1 iflag=direct 2>/tmp/dd.err; then
    fail "dd of LBA 2048 succeeded under media-error"
else
    # The block layer turns a medium error (BLK_STS_MEDIUM) into ENODATA,
    # any other I/O error into EIO.
    grep -q -E "No data available|I/O error" /tmp/dd.err &&
        ok "dd of LBA 2048 fails: $(head -n 1 /tmp/dd.err)" ||
        fail "dd of LBA 2048 failed, but not with ENODATA or EIO: $(cat /tmp/dd.err)"
fi
dmesg | grep -i -E "nvme|medium|I/O error" | sed 's/^/    /'
dmesg | grep -q -E "sc 0x81|critical medium error" &&
    ok "the kernel logged the media error" || fail "no media error in the kernel log"
dd if=/dev/nvme0n1 of=/tmp/before bs=512 skip=2040 count=8 iflag=direct 2>/dev/null &&
    dd if=/dev/nvme0n1 of=/tmp/after bs=512 skip=2049 count=7 iflag=direct 2>/dev/null ||
    fail "reading beside LBA 2048"
dd if=/tmp/pattern of=/tmp/p_before bs=512 count=8 2>/dev/null
dd if=/tmp/pattern of=/tmp/p_after bs=512 skip=9 count=7 2>/dev/null
cmp /tmp/before /tmp/p_before && cmp /tmp/after /tmp/p_after &&
    ok "LBAs 2040..2047 and 2049..2055 read back equal" || fail "blocks beside LBA 2048 differ"
ask FAULT-CLEAR
dd if=/dev/nvme0n1 of=/tmp/b2048 bs=512 skip=2048 count=1 iflag=direct 2>/dev/null &&
    dd if=/tmp/pattern of=/tmp/p2048 bs=512 skip=8 count=1 2>/dev/null &&
    cmp /tmp/b2048 /tmp/p2048 && ok "cleared: LBA 2048 reads back equal" ||
    fail "LBA 2048 after clearing"

# A read that must survive a fault, timed; $1 names the fault.
survive() {
    dmesg -c >/dev/null
    t0=$(uptime_ds)
    if dd if=/dev/nvme0n1 of=/tmp/back bs=512 skip=2040 count=16 iflag=direct 2>/tmp/dd.err &&
        cmp /tmp/pattern /tmp/back; then
        t1=$(uptime_ds)
        ok "$1: dd read the 16 blocks back equal after $(((t1 - t0) / 10)).$(((t1 - t0) % 10)) s"
    else
        fail "$1: dd: $(cat /tmp/dd.err)"
    fi
    dmesg | grep -i nvme | sed 's/^/    /'
}

ask FAULT-DROP-COMPLETION
survive drop-completion
dmesg -s 65536 | grep -q -i "timeout" && ok "drop-completion: the driver's timeout handler ran" ||
    fail "drop-completion: no timeout in the kernel log"

ask FAULT-CONTROLLER-FATAL
survive controller-fatal
dmesg | grep -q -i -E "reset|controller is down" &&
    ok "controller-fatal: the driver reset the controller" ||
    fail "controller-fatal: no reset in the kernel log"

ask FAULT-DROP-IRQ
survive drop-irq
dmesg | grep -q -i "timeout" && ok "drop-irq: recovered through the timeout path" ||
    fail "drop-irq: no timeout in the kernel log"

# ---- dma-error, on the read's data transfer (a DMA write) ----
ask FAULT-DMA-ERROR-DATA
dmesg -c >/dev/null
if dd if=/dev/nvme0n1 of=/tmp/back bs=512 skip=2040 count=16 iflag=direct 2>/tmp/dd.err; then
    fail "dma-error (data): dd succeeded"
else
    grep -q "Input/output error" /tmp/dd.err &&
        ok "dma-error (data): dd fails: $(head -n 1 /tmp/dd.err)" ||
        fail "dma-error (data): dd failed, but not with EIO: $(cat /tmp/dd.err)"
fi
dmesg | grep -i -E "nvme|I/O error" | sed 's/^/    /'
dmesg | grep -q "sct 0x0 / sc 0x4" && ok "dma-error (data): the kernel logged Data Transfer Error" ||
    fail "dma-error (data): no Data Transfer Error (sct 0x0 / sc 0x4) in the kernel log"
survive "after dma-error (data)"

# ---- dma-error, on the SQ entry's fetch (a DMA read) ----
ask FAULT-DMA-ERROR-QUEUE
survive "dma-error (queue)"
dmesg | grep -q -i -E "reset|controller is down" &&
    ok "dma-error (queue): the driver reset the controller" ||
    fail "dma-error (queue): no reset in the kernel log"

# ---- surprise-removal ----
bdf=$(basename "$(readlink -f /sys/class/nvme/nvme0/device)")
echo "the controller is $bdf"
ask FAULT-SURPRISE-REMOVAL
dmesg -c >/dev/null
if dd if=/dev/nvme0n1 of=/tmp/back bs=512 skip=2040 count=16 iflag=direct 2>/tmp/dd.err; then
    fail "surprise-removal: dd succeeded on a card that is out"
else
    ok "surprise-removal: dd fails: $(head -n 1 /tmp/dd.err)"
fi
i=0
while [ -e "/sys/bus/pci/devices/$bdf/driver" ] && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
dmesg | grep -i -E "nvme|pci" | sed 's/^/    /'
[ -e "/sys/bus/pci/devices/$bdf/driver" ] && fail "surprise-removal: nvme still bound after 30 s" ||
    ok "surprise-removal: the nvme driver let go of $bdf"
dmesg | grep -q -i -E "controller is down|Removing after probe failure" &&
    ok "surprise-removal: the driver saw the controller gone" ||
    fail "surprise-removal: no 'controller is down' or removal in the kernel log"
[ -b /dev/nvme0n1 ] && fail "surprise-removal: /dev/nvme0n1 is still there" ||
    ok "surprise-removal: /dev/nvme0n1 is gone"
vendor=$(cat "/sys/bus/pci/devices/$bdf/config" 2>/dev/null | od -A n -t x4 -N 4 | tr -d ' ')
[ "$vendor" = ffffffff ] && ok "surprise-removal: config space reads all ones" ||
    fail "surprise-removal: config space reads $vendor"
echo 1 >"/sys/bus/pci/devices/$bdf/remove"
[ -e "/sys/bus/pci/devices/$bdf" ] && fail "surprise-removal: $bdf not removed" ||
    ok "surprise-removal: stale $bdf removed through sysfs"
ask FAULT-SURPRISE-CLEAR
echo 1 >/sys/bus/pci/rescan
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
dmesg | grep -i -E "nvme|$bdf" | tail -n 8 | sed 's/^/    /'
[ -b /dev/nvme0n1 ] && ok "re-inserted: a rescan found the card and nvme bound again" ||
    fail "re-inserted: no /dev/nvme0n1 30 s after the rescan"
echo 3000 >/sys/block/nvme0n1/queue/io_timeout 2>/dev/null
survive "re-inserted"
if dmesg -s 1048576 | grep -E "Oops|BUG|Call Trace|WARNING:" >/tmp/oops; then
    fail "the kernel logged: $(head -n 3 /tmp/oops)"
else
    ok "no oops, BUG, WARNING or call trace in the kernel log"
fi

ask FAULT-FIRED
finish
