// SPDX-License-Identifier: GPL-2.0-or-later
// mdpy: the kernel's minimal virtual display, as an mdev parent. Each mdev
// is a fixed-mode XRGB8888 framebuffer in BAR0 (mdpy_vfio.hpp shows it as
// PCI 1b36:000f); the parent's budget is a number of devices, shared by
// all its types.
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/vfio_ops.hpp"
#include "samples/common/lazy_memory.hpp"
#include "samples/mdpy/mdpy_state.hpp"
#include "samples/mdpy/mdpy_vfio.hpp"

#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mdev::samples {

// The parent's budget: mdevs across all types (the kernel's `count`).
inline constexpr unsigned kMdpyDefaultCount = 4;
inline constexpr unsigned kMdpyMaxCount = 64;

// One mdpy type's mode.
struct MdpyMode {
    std::uint32_t width;
    std::uint32_t height;
    std::uint32_t drm_format;      // XRGB8888
    std::uint32_t bytes_per_pixel; // 4
    std::uint32_t stride() const { return width * bytes_per_pixel; }
    // The framebuffer, and so BAR0: the frame rounded up to a power of two.
    std::uint64_t framebuffer_size() const;
};

// The mode of an mdpy type-id, nullopt if it is not one.
std::optional<MdpyMode> mdpy_mode_of(std::string_view type_id);

// One mdpy mdev: its config space and its framebuffer.
class MdpyMdev final : public VendorState {
public:
    // Aborts if the framebuffer cannot be mapped, as g_malloc would.
    // memory_fd: the framebuffer's file from the machine (Host::memory_fd),
    // or -1 for memory of its own.
    explicit MdpyMdev(const MdpyMode &mode, int memory_fd = -1);

    const MdpyMode &mode() const { return mode_; }
    MdpyDeviceState &state() { return state_; }
    std::span<std::uint8_t> framebuffer() { return fb_.bytes(); }

    // VFIO_DEVICE_RESET: config space to power-on values, and the
    // framebuffer black (all zero) and no longer resident. The kernel
    // sample paints a gray gradient instead; that costs every page of the
    // framebuffer at creation (8 MiB per mdpy-hd) for a picture nobody
    // asked for, so here the memory stays lazy, as mbochs's.
    void reset();

    // After a migration load: rebuild every read-only config byte, keeping
    // the BAR0 address (masked to the BAR's size). Always succeeds: nothing
    // in the stream can make the state one the model cannot work on.
    bool resync();

    std::vector<migration::Data> migrated(const Device &) override;
    bool post_load(Device &) override { return resync(); }

private:
    MdpyMode mode_;
    MdpyDeviceState state_{};
    LazyMemory fb_;
};

class MdpyParent final : public Parent {
public:
    explicit MdpyParent(unsigned count = kMdpyDefaultCount);
    // The parent with the budget of -object mdev-parent-mdpy (count=N).
    static Result<std::unique_ptr<Parent>> make(const PropertyValues &budget);

    std::string_view name() const override { return "mdpy"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &type) const override;
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &state) override;

    // Registers this parent's ops with `core`, once per class.
    Status register_ops(Core &core) const override;

    unsigned count() const { return count_; }
    unsigned created() const { return created_; }

private:
    std::vector<MdevType> types_;
    unsigned count_;
    unsigned created_ = 0;
    MdpyVfioOps vfio_ops_;
};

} // namespace mdev::samples
