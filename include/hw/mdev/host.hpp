// SPDX-License-Identifier: GPL-2.0-or-later
// What a frontend needs from the machine it runs in: a log for guest errors
// and the interrupt wires. Inside QEMU the QOM glue implements it (through
// the C interface in mdev.h); unit tests implement it with a recorder.
#pragma once

#include "hw/mdev/guest_log.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mdev {

class Host : public GuestLog {
public:
    // The function's INTx pin (level).
    virtual void set_intx(bool asserted) = 0;
    // One MSI message for `vector`.
    virtual void notify_msi(std::uint32_t vector) = 0;
    // One message the frontend composed itself (an MSI-X table entry's
    // address and data): a 32-bit write by the function, as its MSI-X
    // capability would send it. The default sends nothing.
    virtual void send_msi(std::uint64_t, std::uint32_t) {}
    // Whether Bus Master Enable is set in the function's PCI_COMMAND, as
    // the machine keeps it. The default is a machine without the bit.
    virtual bool bus_master() { return true; }

    // DMA to and from guest memory, for devices that do it (virtio). Every
    // address and length is checked by the host: false means some byte of
    // the range is not guest RAM, and nothing was read (out is unspecified)
    // or the write may be partial; the device treats it as a guest error.
    virtual bool dma_read(std::uint64_t, std::span<std::uint8_t>) { return false; }
    virtual bool dma_write(std::uint64_t, std::span<const std::uint8_t>) { return false; }

    // The device's state cannot migrate from now on, for `reason` (one
    // line): the machine refuses migration and save, naming the device and
    // the reason, until unblock_migration() or the device goes. A second
    // call replaces the reason. Devices call these through
    // Device::block_migration(), which calls only on a change. The default
    // (a machine that never migrates) ignores them.
    virtual void block_migration(std::string_view) {}
    virtual void unblock_migration() {}

    // The function is pulled out of its slot (false: config space and
    // every BAR read all ones and ignore writes, which the frontend
    // enforces for what passes through it and the machine for what it
    // serves itself) or put back (true). Called by the vfio frontend's
    // surprise-removal fault; the call may remove the device. Returns true
    // if the machine reset the whole function as a card just inserted
    // (its config space, and the device through the frontend's reset);
    // false leaves that to the frontend. The default (a machine with no
    // slot) does nothing and returns false.
    virtual bool set_present(bool) { return false; }

    // Memory a device exposes to the machine as RAM (a RAM-backed BAR's):
    // the fd of a zero-filled file of `size` bytes that the device maps
    // shared and never closes; the host keeps it open at least as long as
    // the device lives, and may share it (mdev-vfio-user offers it to its
    // client, which maps it: the guest's accesses then never reach the
    // server). `name` says what it is (e.g. "mdpy framebuffer"). -1, the
    // default (our QEMU, which maps the device's own memory in-process):
    // the device allocates the memory itself.
    virtual int memory_fd(std::string_view, std::size_t) { return -1; }
};

} // namespace mdev
