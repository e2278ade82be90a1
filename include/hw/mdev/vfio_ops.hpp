// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio class: the ops a parent implements so that its mdevs can be shown
// to a guest as PCI functions (the series' vfio_mdev_device_ops). A parent
// describes its function once (pci_config(): a PciConfig from the builder),
// and the frontend derives from it what the VFIO ioctls would answer
// (device, region and IRQ info) and serves config space; the parent writes
// its registers' behaviour (one BarAccessor per trapped BAR), reset, and
// its use of interrupts (set_irqs) and DMA. Indexes and flags are the VFIO
// PCI ABI's own, from <linux/vfio.h> (VFIO_PCI_*_REGION_INDEX,
// VFIO_PCI_*_IRQ_INDEX, VFIO_REGION_INFO_FLAG_*), so devices read like
// Linux's vfio drivers.
#pragma once

#include "hw/mdev/class_ops.hpp"
#include "hw/mdev/pci_config.hpp"

#include <cstdint>
#include <linux/vfio.h>
#include <optional>
#include <span>

namespace mdev {
class Device;
}

namespace mdev::vfio {

// Where a device's interrupts go once the frontend has enabled an index
// (VFIO_DEVICE_SET_IRQS with a trigger). INTx is a level: the device says
// when its pin is asserted and when it is not, as real hardware does.
//
// Interrupt modes. A parent offers:
//   - INTx: a non-zero PCI_INTERRUPT_PIN (PciConfigBuilder::interrupt_pin);
//   - MSI: an MSI capability (PciConfigBuilder::msi: 1..32 vectors, 64-bit
//     address, per-vector masking if the capability has it);
//   - MSI-X: an MSI-X capability (PciConfigBuilder::msix: 1..2048 vectors,
//     table and PBA in trapped memory BARs, at offsets of the parent's
//     choice).
// The frontend emulates both capabilities, the MSI-X table and PBA (their
// byte ranges in the BAR never reach the device, as a VFIO device never
// sees QEMU's emulated table), per-vector masks, pending bits and the
// function mask, as the PCI spec says. Exactly one index is enabled at a
// time, as the guest's config writes choose (MSI-X if enabled, else MSI if
// enabled, else INTx); on every switch the device sees
// set_irqs(old, nullptr) and then set_irqs(new, sink), as a VFIO user calls
// VFIO_DEVICE_SET_IRQS. A device keeps the sink of the enabled index and
// calls notify(vector) on it; a vector masked by the guest then becomes
// pending and is delivered when unmasked. notify() of a vector the guest did
// not enable (>= the MSI vectors enabled, >= the MSI-X table size, or
// after the index was disabled) is logged as a guest error and dropped.
class IrqSink {
public:
    virtual ~IrqSink() = default;
    virtual void set_level(bool asserted) = 0;   // INTx
    virtual void notify(std::uint32_t vector) = 0; // MSI / MSI-X
};

// Bus-master DMA for a device of class vfio: the mdev equivalent of the
// kernel's vfio_dma_rw(). Reads or writes guest memory at bus address
// `addr` as the device's PCI function does (through an IOMMU if the machine
// has one). Refused (false) when
//   - the device is not bound to the vfio frontend or has been removed;
//   - Bus Master Enable is off in PCI_COMMAND (a guest error is logged for
//     the first refused call, and again only after the guest turned bus
//     mastering on and off again);
//   - any byte of the range is not guest RAM (MMIO, unassigned memory, an
//     IOMMU fault): logged as a guest error naming the range.
// DMA reaches RAM only, so it can never land on a device's registers: the
// call cannot re-enter the device or reset or unplug anything, and may be
// made from any op (a BAR write, a set_irqs, a timer of the parent's). A
// failed read leaves `out` unspecified; a failed write may have written a
// part of the range. The parent turns a refusal into its own error status.
[[nodiscard]] bool dma_read(Device &dev, std::uint64_t addr, std::span<std::uint8_t> out);
[[nodiscard]] bool dma_write(Device &dev, std::uint64_t addr, std::span<const std::uint8_t> data);

// VFIO_DEVICE_QUERY_GFX_PLANE, region flavour: where the frame the guest
// shows lies in one of the device's mmap-able regions.
struct GfxPlane {
    std::uint32_t drm_format; // DRM fourcc, e.g. XRGB8888 = 0x34325258
    std::uint32_t width;
    std::uint32_t height;
    std::uint32_t stride;      // bytes per line
    std::uint32_t region;      // region index holding the frame
    std::uint64_t offset;      // of the frame's first byte in that region
};

// A trapped BAR's registers: the one form through which every BAR that is
// not RAM-backed is served. Two handlers and their opaque, with the
// signatures of QEMU's MemoryRegionOps, so the glue hands them to QEMU as
// the BAR's ops (QEMU then calls the device's handler itself: no lookup,
// copy or frame of ours), and the access sizes the handlers take, declared
// once. The device keeps `opaque` (and whatever it points to) alive and at
// the same address for as long as the device exists.
//
// Width rules (this struct's functions are the only place they are
// written; the glue gives QEMU the same numbers, and QEMU's memory core
// applies the same rules to a guest's access):
//  - the machine lets through accesses of 1 .. valid_max_size() bytes
//    (QEMU's default of 4, or max_size if larger), and misaligned ones only
//    if `unaligned`; others never reach the handlers (a read sees 0);
//  - the handlers see only min_size..max_size bytes: a wider access is
//    split into several in address order (low bytes first), a narrower one
//    is widened to min_size at the same offset and the bytes asked for are
//    taken from the low end of the result (a write passes the value
//    zero-extended).
// PciFunction::bar_read/bar_write (what unit tests and fuzzers call) go
// through access() and adapted_read/adapted_write, so they see what a guest
// sees through QEMU.
//
// Handlers run with the device pinned by its creator (the QOM device holds
// its mdev from realize to finalize), so they may raise interrupts that
// reset or unplug the device. They check only what the device knows (a
// register's width, a read-only register) and report a guest's mistake with
// Device::guest_error.
struct BarAccessor {
    using ReadFn = std::uint64_t (*)(void *opaque, std::uint64_t offset, unsigned size);
    using WriteFn = void (*)(void *opaque, std::uint64_t offset, std::uint64_t value,
                             unsigned size);
    ReadFn read = nullptr;
    WriteFn write = nullptr;
    void *opaque = nullptr;
    unsigned min_size = 1;
    unsigned max_size = 8;
    bool unaligned = true;

    // Registers of any object with these two members (a register table, a
    // device model):
    //     std::uint64_t read(std::uint64_t offset, unsigned size);
    //     void write(std::uint64_t offset, std::uint64_t value, unsigned size);
    template <typename Registers>
    static BarAccessor of(Registers &regs, unsigned min_size = 1, unsigned max_size = 8,
                          bool unaligned = true)
    {
        return {[](void *o, std::uint64_t offset, unsigned size) -> std::uint64_t {
                    return static_cast<Registers *>(o)->read(offset, size);
                },
                [](void *o, std::uint64_t offset, std::uint64_t value, unsigned size) {
                    static_cast<Registers *>(o)->write(offset, value, size);
                },
                &regs, min_size, max_size, unaligned};
    }

    // Registers served by two functions of the device (which find their
    // state with Device::vendor_state and report guest errors on it).
    template <std::uint64_t (*Read)(Device &, std::uint64_t, unsigned),
              void (*Write)(Device &, std::uint64_t, std::uint64_t, unsigned)>
    static BarAccessor of(Device &dev, unsigned min_size = 1, unsigned max_size = 8,
                          bool unaligned = true)
    {
        return {[](void *o, std::uint64_t offset, unsigned size) -> std::uint64_t {
                    return Read(*static_cast<Device *>(o), offset, size);
                },
                [](void *o, std::uint64_t offset, std::uint64_t value, unsigned size) {
                    Write(*static_cast<Device *>(o), offset, value, size);
                },
                &dev, min_size, max_size, unaligned};
    }

    // Both handlers set, sizes powers of two with 1 <= min_size <= max_size <= 8.
    bool well_formed() const;

    // The widest access the machine lets through: QEMU's default (4), or
    // max_size if the handlers take 8 bytes.
    unsigned valid_max_size() const;

    // Whether the machine lets a guest access of `size` bytes at `offset`
    // through to a BAR of `bar_size` bytes: nullptr if so, else why not.
    const char *refusal(std::uint64_t offset, unsigned size, std::uint64_t bar_size) const;

    // An access the machine let through, adapted to the handlers' sizes.
    std::uint64_t adapted_read(std::uint64_t offset, unsigned size) const;
    void adapted_write(std::uint64_t offset, std::uint64_t value, unsigned size) const;
};

class VfioOps {
public:
    virtual ~VfioOps() = default;

    // The frontend opened / released the device (VFIO fd open / last close).
    virtual void open(Device &) const {}
    virtual void release(Device &) const {}

    // The function, described once (pci_config.hpp: ids, class, BARs and
    // their kinds, capabilities, interrupt pin, MSI/MSI-X). Asked when the
    // device is bound; the frontend derives the device's VFIO info from it
    // (PciConfig::device_info, region_info, irq_info) and serves config
    // space from it, so the description must not change while the device is
    // bound. A description the frontend cannot show is refused then.
    virtual PciConfig pci_config(const Device &dev) const = 0;

    // The device's live copy of its config space, if it keeps one in its
    // migrated state: config reads then return it, guest config writes
    // change it through the description's write masks, and VFIO_DEVICE_RESET
    // rewrites it with the power-on bytes before reset() runs. nullopt (the
    // default): config space is the power-on bytes, and writes change
    // nothing (QEMU's PCI core keeps the BAR addresses and command register
    // the guest sees anyway).
    virtual std::optional<PciConfig::Bytes> config_state(Device &) const { return std::nullopt; }

    // The registers of trapped BAR `bar` (one that is not RAM-backed).
    // Asked once per such BAR when the device is bound; a device that gives
    // no well-formed accessor for one is refused.
    virtual BarAccessor bar_accessor(Device &, unsigned) const { return {}; }

    // Route the interrupts of `index` (VFIO_PCI_INTX/MSI/MSIX_IRQ_INDEX) to
    // `sink`; nullptr disables them. False if the device has no such
    // interrupt (the default: a device without interrupts). At most one
    // index has a sink at a time (see IrqSink).
    virtual bool set_irqs(Device &, std::uint32_t, IrqSink *) const { return false; }

    // VFIO_DEVICE_RESET: back to the power-on state.
    virtual void reset(Device &dev) const = 0;

    // Host memory behind a RAM-backed BAR (PciBar::ram), region index
    // VFIO_PCI_BARn_REGION_INDEX; at least the BAR's size. Asked when the
    // device is bound and whenever the machine maps the BAR.
    virtual std::span<std::uint8_t> mmap(Device &, std::uint32_t) const { return {}; }

    // Display devices (VFIO_GFX_PLANE_TYPE_REGION): whether the device has a
    // primary plane at all, and what it shows now (nullopt: nothing, e.g. the
    // guest has not set a mode yet). The vfio frontend gives a device with a
    // display a graphic console, asks for the plane on every UI refresh, and
    // shows it straight from mmap() memory: the plane's region must be a
    // RAM-backed BAR (VFIO_PCI_BAR0_REGION_INDEX..BAR5), its format one of those in
    // vfio/display_plane.hpp. A plane that does not fit is refused there
    // (logged as a guest error) and the console shows a placeholder.
    virtual bool has_display(const Device &) const { return false; }
    virtual std::optional<GfxPlane> query_gfx_plane(Device &) const { return std::nullopt; }
};

} // namespace mdev::vfio
