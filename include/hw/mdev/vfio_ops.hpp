// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio class: the ops a parent implements so that its mdevs can be shown
// to a guest as PCI functions (the series' vfio_mdev_device_ops, with the
// ioctls spelled out as calls). Region and IRQ indexes follow the VFIO PCI
// ABI. Data crosses as little-endian bytes, as through a VFIO device fd.
#pragma once

#include "hw/mdev/class_ops.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace mdev {
class Device;
}

namespace mdev::vfio {

// Region indexes (VFIO_PCI_*_REGION_INDEX).
inline constexpr std::uint32_t kBar0Region = 0;
inline constexpr std::uint32_t kBar5Region = 5;
inline constexpr std::uint32_t kRomRegion = 6;
inline constexpr std::uint32_t kConfigRegion = 7;
inline constexpr std::uint32_t kVgaRegion = 8;
inline constexpr std::uint32_t kNumPciRegions = 9;

// IRQ indexes (VFIO_PCI_*_IRQ_INDEX).
inline constexpr std::uint32_t kIntxIrq = 0;
inline constexpr std::uint32_t kMsiIrq = 1;
inline constexpr std::uint32_t kMsixIrq = 2;
inline constexpr std::uint32_t kErrIrq = 3;
inline constexpr std::uint32_t kReqIrq = 4;
inline constexpr std::uint32_t kNumPciIrqs = 5;

// VFIO_DEVICE_FLAGS_*.
inline constexpr std::uint32_t kDeviceFlagReset = 1u << 0;
inline constexpr std::uint32_t kDeviceFlagPci = 1u << 1;

struct DeviceInfo {
    std::uint32_t flags;
    std::uint32_t num_regions;
    std::uint32_t num_irqs;
};

// VFIO_REGION_INFO_FLAG_*, then qemu-mdev's own BAR attributes. A VFIO
// device leaves a BAR's type in its config-space register; here the region
// says it, so that the frontend sizes and types a BAR from one place.
inline constexpr std::uint32_t kRegionRead = 1u << 0;
inline constexpr std::uint32_t kRegionWrite = 1u << 1;
inline constexpr std::uint32_t kRegionMmap = 1u << 2;
inline constexpr std::uint32_t kRegionBarIo = 1u << 16;       // I/O space BAR
inline constexpr std::uint32_t kRegionBarMem64 = 1u << 17;    // 64-bit memory BAR
inline constexpr std::uint32_t kRegionBarPrefetch = 1u << 18; // prefetchable

struct RegionInfo {
    std::uint32_t flags;
    std::uint64_t size; // 0: the region does not exist
};

// VFIO_IRQ_INFO_*.
inline constexpr std::uint32_t kIrqEventfd = 1u << 0;
inline constexpr std::uint32_t kIrqMaskable = 1u << 1;
inline constexpr std::uint32_t kIrqAutomasked = 1u << 2;
inline constexpr std::uint32_t kIrqNoresize = 1u << 3;

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

    // Host memory behind a region flagged kRegionMmap (empty otherwise).
    virtual std::span<std::uint8_t> mmap(Device &, std::uint32_t) const { return {}; }

    // Display devices (VFIO_GFX_PLANE_TYPE_REGION): whether the device has a
    // primary plane at all, and what it shows now (nullopt: nothing, e.g. the
    // guest has not set a mode yet). The vfio frontend gives a device with a
    // display a graphic console, asks for the plane on every UI refresh, and
    // shows it straight from mmap() memory: the plane's region must be an
    // mmap-able BAR (kBar0Region..kBar5Region), its format one of those in
    // vfio/display_plane.hpp. A plane that does not fit is refused there
    // (logged as a guest error) and the console shows a placeholder.
    virtual bool has_display(const Device &) const { return false; }
    virtual std::optional<GfxPlane> query_gfx_plane(Device &) const { return std::nullopt; }
};

} // namespace mdev::vfio
