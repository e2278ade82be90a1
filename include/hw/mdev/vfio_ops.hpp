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
class IrqSink {
public:
    virtual ~IrqSink() = default;
    virtual void set_level(bool asserted) = 0;   // INTx
    virtual void notify(std::uint32_t vector) = 0; // MSI / MSI-X
};

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

    // Route the interrupts of `index` to `sink`; nullptr disables them.
    // False if the device has no such interrupt.
    virtual bool set_irqs(Device &dev, std::uint32_t index, IrqSink *sink) const = 0;

    // VFIO_DEVICE_RESET: back to the power-on state.
    virtual void reset(Device &dev) const = 0;

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
