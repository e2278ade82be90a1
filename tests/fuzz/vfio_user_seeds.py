#!/usr/bin/python3
"""Writes the seed corpus of the vfio-user harness (tests/fuzz/fuzz_vfio_user.cpp)
into tests/fuzz/corpus/vfio-user/: what QEMU's vfio-user-pci sends to bring a
device up (VERSION with capabilities, GET_INFO, every region's and interrupt's
info), region accesses, a DMA_MAP of guest RAM by fd and interrupts set up with
eventfds, per device; an NVMe controller brought up over it (admin queues in
the client's RAM, an Identify whose data the controller DMAs back); DMA without
an fd (the replies to the server's DMA_READ/DMA_WRITE queued ahead); and some
hostile openings. The input format is the harness's (read forward,
little-endian): a device byte, then per operation an opcode, a tweak byte and
the operation's fields.

  tests/fuzz/vfio_user_seeds.py [DIR]
"""
import os
import struct
import sys

MTTY, MNVME, GPIO = 0, 1, 2
CFG = 7
# vfio.h
SET_DATA_NONE, SET_DATA_BOOL, SET_DATA_EVENTFD = 1, 2, 4
SET_ACTION_MASK, SET_ACTION_UNMASK, SET_ACTION_TRIGGER = 8, 16, 32
INTX, MSI, MSIX = 0, 1, 2


def u8(v): return struct.pack('<B', v)
def u16(v): return struct.pack('<H', v)
def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)


def op(code, tweak=0):
    return u8(code) + u8(tweak)


def version(major=0, minor=1, sel=0):
    return op(0) + u16(major) + u16(minor) + u8(sel)


def dma_map(addr, size=0, fdsel=0, flags=3, offset=0):
    return op(1) + u8(flags) + u32(offset) + u64(addr) + u32(size) + u8(fdsel) + u8(0)


def dma_unmap(addr, size=0, flags=0):
    return op(2) + u8(flags) + u64(addr) + u32(size) + u8(0)


def get_info():
    return op(3) + u8(0)


def region_info(index):
    return op(4) + u8(index) + u8(0)


def irq_info(index):
    return op(5) + u8(index) + u8(0)


def set_irqs(flags, index, start, count, nfds):
    return op(6) + u8(flags) + u8(index) + u8(start) + u8(count) + u8(nfds) + u8(0) + u8(0)


def region_read(region, offset, count):
    return op(7) + u8(region) + u16(offset) + u8(count)


def region_write(region, offset, data):
    return op(8) + u8(region) + u16(offset) + u8(len(data)) + data


def reset():
    return op(9)


def ram_write(at, data):
    assert 1 <= len(data) <= 256
    return op(13) + u32(at) + u8(len(data) - 1) + data


def ram_resize(pages):
    return op(14) + u8(pages)


def dma_reply_read(addr, data):
    # sent behind the next message, which causes the request;
    # tweak 0x10: the data's length given (u8), not the access's count
    return op(15, 0x10) + u8(0) + u32(addr) + u16(len(data)) + u8(len(data)) + data


def dma_reply_write(addr, count):
    return op(15, 0x40) + u8(0) + u32(addr) + u16(count)


def reconnect():
    return op(16)


def flood(offset, n):
    return op(17) + u8(offset) + u8(n)


def dma_map_pages(base, n, fdsel=0):
    # n DMA_MAPs of one 4 KiB page each at IOVAs base, base + 4 KiB, ...,
    # guest RAM's pages in order: what a client behind a vIOMMU sends
    return op(19) + u32(base >> 12) + u16(n - 1) + u8(fdsel)
def truncated(cmd, size, body, cut):
    return op(12) + u16(7) + u8(cmd) + u32(size) + u8(len(body)) + body + u8(cut)


def bring_up():
    """What vfio-user-pci does first: the version and capabilities, the
    device's info, every region's and interrupt's."""
    out = version() + get_info()
    for i in range(10):
        out += region_info(i)
    for i in range(5):
        out += irq_info(i)
    # config space: ids, BARs, capability pointer
    for off in (0, 4, 8, 0x10, 0x14, 0x18, 0x34):
        out += region_read(CFG, off, 4)
    return out


def nvme_identify():
    """The admin queues at 0x1000 (SQ) and 0x2000 (CQ) in guest RAM, an
    Identify Controller (CNS 1) with its data at 0x3000."""
    sqe = bytearray(64)
    sqe[0] = 0x06                    # Identify
    sqe[2:4] = u16(1)                # CID
    sqe[24:32] = u64(0x3000)         # PRP1
    sqe[40:44] = u32(1)              # CDW10: CNS 1
    out = ram_write(0x1000, bytes(sqe))
    out += region_write(CFG, 4, u16(0x0006))        # memory space + bus master
    out += region_write(0, 0x24, u32(0x00070007))    # AQA: 8 + 8
    out += region_write(0, 0x28, u32(0x1000))        # ASQ (dwords: mnvme
    out += region_write(0, 0x2c, u32(0))             # takes 4-byte accesses)
    out += region_write(0, 0x30, u32(0x2000))        # ACQ
    out += region_write(0, 0x34, u32(0))
    out += region_write(0, 0x14, u32(0x00460001))    # CC: IOSQES 6, IOCQES 4, EN
    out += region_read(0, 0x1c, 4)                   # CSTS
    out += region_write(0, 0x1000, u32(1))           # SQ0 tail doorbell
    out += region_read(0, 0x1c, 4)
    out += region_write(0, 0x1004, u32(1))           # CQ0 head doorbell
    return out


def seeds():
    s = {}
    s['negotiate-mtty'] = u8(MTTY) + bring_up()
    s['negotiate-mnvme'] = u8(MNVME) + bring_up()
    s['negotiate-gpio'] = u8(GPIO) + bring_up()
    # mtty-2's UARTs (BAR0 and BAR1, I/O): LCR, divisor, a byte looped,
    # MSI then INTx with eventfds, a reset
    uart = (region_write(0, 3, u8(0x80)) + region_write(0, 0, u8(1)) +
            region_write(0, 3, u8(0x03)) + region_write(0, 1, u8(0x0f)) +
            region_write(0, 4, u8(0x10)) + region_write(0, 0, b'A') +
            region_read(0, 5, 1) + region_read(0, 0, 1) + region_read(0, 2, 1) +
            region_write(1, 0, b'B') + region_read(1, 5, 1))
    s['mtty-uart-irqs'] = (u8(MTTY) + bring_up() +
                           set_irqs(SET_DATA_EVENTFD | SET_ACTION_TRIGGER, INTX, 0, 1, 1) +
                           region_write(CFG, 4, u16(0x0001)) + uart +
                           set_irqs(SET_DATA_NONE | SET_ACTION_UNMASK, INTX, 0, 1, 0) +
                           set_irqs(SET_DATA_EVENTFD | SET_ACTION_TRIGGER, MSI, 0, 1, 1) +
                           region_read(CFG, 0x34, 1) + uart + reset() + region_read(0, 5, 1))
    s['gpio-regs'] = (u8(GPIO) + bring_up() +
                      set_irqs(SET_DATA_EVENTFD | SET_ACTION_TRIGGER, INTX, 0, 1, 1) +
                      b''.join(region_write(2, o, u8(0x5a)) for o in range(8)) +
                      b''.join(region_read(2, o, 1) for o in range(8)) + reset())
    # NVMe over the client's RAM by fd, MSI-X by eventfds
    s['mnvme-dma-map-identify'] = (u8(MNVME) + bring_up() + dma_map(0) +
                                   set_irqs(SET_DATA_EVENTFD | SET_ACTION_TRIGGER, MSIX, 0, 2, 2) +
                                   nvme_identify() + dma_unmap(0) + reset())
    # the same without an fd: the server asks for the SQ entry with
    # DMA_READ, the reply queued ahead; its DMA_WRITEs get theirs
    sqe = bytearray(64)
    sqe[0] = 0x06
    sqe[2:4] = u16(1)
    sqe[24:32] = u64(0x3000)
    sqe[40:44] = u32(1)
    s['mnvme-dma-no-fd'] = (u8(MNVME) + bring_up() + dma_map(0, fdsel=1) +
                            region_write(CFG, 4, u16(0x0006)) +
                            region_write(0, 0x24, u32(0x00070007)) +
                            region_write(0, 0x28, u32(0x1000)) +
                            region_write(0, 0x30, u32(0x2000)) +
                            region_write(0, 0x14, u32(0x00460001)) +
                            dma_reply_read(0x1000, bytes(sqe)) +
                            dma_reply_write(0x3000, 4096) + dma_reply_write(0x2000, 16) +
                            region_write(0, 0x1000, u32(1)) + region_read(0, 0x1c, 4) +
                            region_write(0, 0x1004, u32(1)))
    # hostile: DMA regions over each other, a file shorter than its region,
    # guest RAM shrunk under the server, then the controller told to DMA
    # the reproducer of the SIGBUS the harness found (client_memory.hpp)
    s['sigbus-shrunk-guest-ram'] = (u8(MNVME) + bring_up() + dma_map(0) +
                                dma_map(0x800, size=0x1000) + dma_map(0x100000, fdsel=4) +
                                dma_map(0x200000, fdsel=2) + dma_map(0x300000, fdsel=6) +
                                ram_resize(1) + nvme_identify() + dma_unmap(0, flags=2))
    # the same region mapped twice with the same file: the second fd was
    # leaked by libvfio-user (vfu_fixes.c); the fuzzer's own reproducer is
    # fd-leak-dma-map-twice-found beside these
    s['fd-leak-dma-map-twice'] = (u8(MTTY) + bring_up() + dma_map(0) + dma_map(0) +
                                  dma_map(0, fdsel=3) + dma_map(0, fdsel=3) + dma_map(0, fdsel=3))
    # behind a vIOMMU: guest RAM mapped page by page (256 regions, each with
    # the RAM's fd), the NVMe Identify through them, the pages unmapped one
    # by one; then the table filled past the fuzz build's limit (4096; the
    # server's is 65535) with pages without an fd: the last DMA_MAPs are
    # refused, and so is the Identify's DMA to addresses no region holds
    s['dma-map-pages-identify'] = (u8(MNVME) + bring_up() + dma_map_pages(0, 256) +
                                   set_irqs(SET_DATA_EVENTFD | SET_ACTION_TRIGGER, MSIX, 0, 2, 2) +
                                   nvme_identify() +
                                   b''.join(dma_unmap(p << 12, 4096) for p in range(0, 256, 5)) +
                                   nvme_identify() + reset())
    s['dma-map-pages-limit'] = (u8(MNVME) + bring_up() +
                                dma_map_pages(0x100000, 4100, fdsel=1) +
                                dma_map_pages(0, 16) + nvme_identify() +
                                dma_unmap(0x100000, 4096) + dma_map_pages(0, 1))
    s['wrong-version'] = u8(MTTY) + version(major=1, minor=0) + reconnect() + version(sel=2)
    s['truncated-first'] = u8(MNVME) + truncated(1, 0x1000, b'\0' * 8, 0)
    s['truncated-late'] = (u8(MTTY) + bring_up() +
                           truncated(10, 0x100, u64(0) + u32(0) + u32(64), 0))
    s['flood'] = u8(MTTY) + bring_up() + flood(0, 31) + region_read(0, 5, 1)
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'corpus', 'vfio-user')
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
    print(f'{len(seeds())} seeds in {out}')


if __name__ == '__main__':
    main()
