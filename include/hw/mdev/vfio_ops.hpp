// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio class: the ops a parent implements so that its mdevs can be shown
// to a guest as PCI functions (the series' vfio_mdev_device_ops, with the
// ioctls spelled out as calls). Indexes and flags are the VFIO PCI ABI's own,
// from <linux/vfio.h> (VFIO_PCI_*_REGION_INDEX, VFIO_PCI_*_IRQ_INDEX,
// VFIO_DEVICE_FLAGS_*, VFIO_REGION_INFO_FLAG_*, VFIO_IRQ_INFO_*), so devices
// read like Linux's vfio drivers. Data crosses as little-endian bytes, as
// through a VFIO device fd.
#pragma once

#include "hw/mdev/class_ops.hpp"

#include <cstdint>
#include <linux/vfio.h>
#include <optional>
#include <span>

namespace mdev {
class Device;
}

namespace mdev::vfio {

struct DeviceInfo {
    std::uint32_t flags;
    std::uint32_t num_regions;
    std::uint32_t num_irqs;
};

// Region flags are VFIO_REGION_INFO_FLAG_* (READ, WRITE, MMAP), plus these
// BAR attributes of qemu-mdev's own, which <linux/vfio.h> does not have: a
// VFIO device leaves a BAR's type in its config-space register; here the
// region says it, so that the frontend sizes and types a BAR from one place.
// They sit well above the bits VFIO defines (CAPS is 1 << 3).
inline constexpr std::uint32_t kRegionBarIo = 1u << 16;       // I/O space BAR
inline constexpr std::uint32_t kRegionBarMem64 = 1u << 17;    // 64-bit memory BAR
inline constexpr std::uint32_t kRegionBarPrefetch = 1u << 18; // prefetchable

struct RegionInfo {
    std::uint32_t flags;
    std::uint64_t size; // 0: the region does not exist
};

struct IrqInfo {
    std::uint32_t flags;
    std::uint32_t count; // 0: the device has no interrupts of this kind
};

// Where a device's interrupts go once the frontend has enabled an index
// (VFIO_DEVICE_SET_IRQS with a trigger). INTx is a level: the device says
// when its pin is asserted and when it is not, as real hardware does.
//
// Interrupt modes. A parent offers:
//   - INTx: irq_info(VFIO_PCI_INTX_IRQ_INDEX).count > 0 and a non-zero
//     PCI_INTERRUPT_PIN in its config space;
//   - MSI: irq_info(VFIO_PCI_MSI_IRQ_INDEX).count > 0 and an MSI capability
//     (PciConfigBuilder::msi: 1..32 vectors, 64-bit address, per-vector
//     masking if the capability has it); vectors = min(capability, count);
//   - MSI-X: irq_info(VFIO_PCI_MSIX_IRQ_INDEX).count == the table size of an
//     MSI-X capability (PciConfigBuilder::msix: 1..2048 vectors, table and
//     PBA in memory BARs, not mmap-able, at offsets of the parent's choice).
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

// A BAR's register file served by direct handlers, which the frontend
// resolves once when it maps the BAR (a VFIO user would mmap or ioctl; here
// the machine calls the handlers itself, with no lookup, copy or check in
// between). The device keeps `opaque` (and whatever it points to) alive and
// at the same address for as long as the device exists.
//
// Sizes: the handlers see only accesses of min_size..max_size bytes (1, 2,
// 4 or 8), at offsets inside the BAR. A guest access of another width is
// adapted as QEMU's memory core adapts it for its own devices: a wider one
// is split into several in address order (low bytes first), a narrower one
// is widened to min_size at the same offset and the bytes asked for are
// taken from the low end of the result (a write passes the value
// zero-extended). With `unaligned` false, an access not aligned to its own
// width never reaches the handlers (a read sees 0), as for a QEMU device
// whose MemoryRegionOps say valid.unaligned = false.
//
// Handlers run with the device pinned by its creator (the QOM device holds
// its mdev from realize to finalize), so they may raise interrupts that
// reset or unplug the device; they must not report every access as a guest
// error (they are the fast path), but may for accesses the hardware would
// not take.
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

    // Both handlers set, sizes powers of two with 1 <= min_size <= max_size <= 8.
    bool well_formed() const;

    // A guest access of 1, 2, 4 or 8 bytes at `offset` (inside the BAR),
    // adapted to the handlers' sizes as described above: what the frontend
    // does for a caller that is not QEMU's memory core (unit tests,
    // fuzzers, the byte-buffer ops of a device that has an accessor).
    std::uint64_t adapted_read(std::uint64_t offset, unsigned size) const;
    void adapted_write(std::uint64_t offset, std::uint64_t value, unsigned size) const;
};

class VfioOps {
public:
    virtual ~VfioOps() = default;

    // The frontend opened / released the device (VFIO fd open / last close).
    virtual void open(Device &) const {}
    virtual void release(Device &) const {}

    virtual DeviceInfo device_info(const Device &dev) const = 0;
    // nullopt for an index the device does not know (-EINVAL in VFIO).
    virtual std::optional<RegionInfo> region_info(const Device &dev, std::uint32_t index) const = 0;
    virtual std::optional<IrqInfo> irq_info(const Device &dev, std::uint32_t index) const = 0;

    // Region access. The frontend only asks for 1, 2, 4 or 8 bytes, naturally
    // aligned, inside a region whose info allows the direction; a device that
    // still refuses an access (a register narrower than the access, say)
    // reports a guest error on the device and returns false.
    virtual bool read(Device &dev, std::uint32_t region, std::uint64_t offset,
                      std::span<std::uint8_t> data) const = 0;
    virtual bool write(Device &dev, std::uint32_t region, std::uint64_t offset,
                       std::span<const std::uint8_t> data) const = 0;

    // Route the interrupts of `index` (VFIO_PCI_INTX/MSI/MSIX_IRQ_INDEX) to
    // `sink`; nullptr disables them. False if the device has no such
    // interrupt. At most one index has a sink at a time (see IrqSink).
    virtual bool set_irqs(Device &dev, std::uint32_t index, IrqSink *sink) const = 0;

    // VFIO_DEVICE_RESET: back to the power-on state.
    virtual void reset(Device &dev) const = 0;

    // The direct handlers of BAR `bar` (0..5), if the device offers them
    // for it: the frontend then routes every guest access to that BAR
    // through them and no longer calls read()/write() for it (which may
    // still serve it, for callers of the ops themselves). nullopt (the
    // default): every access goes through read()/write(). Asked once, when
    // the device is bound; not for mmap-able BARs (their accesses do not
    // trap).
    virtual std::optional<BarAccessor> bar_accessor(Device &, unsigned) const
    {
        return std::nullopt;
    }

    // Host memory behind a region flagged VFIO_REGION_INFO_FLAG_MMAP (empty otherwise).
    virtual std::span<std::uint8_t> mmap(Device &, std::uint32_t) const { return {}; }

    // Display devices (VFIO_GFX_PLANE_TYPE_REGION): whether the device has a
    // primary plane at all, and what it shows now (nullopt: nothing, e.g. the
    // guest has not set a mode yet). The vfio frontend gives a device with a
    // display a graphic console, asks for the plane on every UI refresh, and
    // shows it straight from mmap() memory: the plane's region must be an
    // mmap-able BAR (VFIO_PCI_BAR0_REGION_INDEX..BAR5), its format one of those in
    // vfio/display_plane.hpp. A plane that does not fit is refused there
    // (logged as a guest error) and the console shows a placeholder.
    virtual bool has_display(const Device &) const { return false; }
    virtual std::optional<GfxPlane> query_gfx_plane(Device &) const { return std::nullopt; }
};

} // namespace mdev::vfio
